//! The access trace's monthly partitions on PostgreSQL (migration 22):
//! creating them ahead of the entries, listing them, and archiving old
//! months — detaching their partitions once a signed checkpoint of the
//! verifiable log covers them, and recording where the chain resumes. On
//! SQLite the trace is one table: partitions are a no-op and archiving is
//! refused.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, QueryOrder, Statement,
    TransactionTrait,
};

use super::entities::trace_archive;
use super::{Result, Store, StoreError};

/// Months ahead of today for which the hub keeps a partition ready.
pub const MONTHS_AHEAD: u32 = 2;

/// One month of the trace: its partition, and whether it is archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceMonth {
    pub partition: String,
    /// The first day of the month (UTC).
    pub month: NaiveDate,
    pub entries: i64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
}

/// A month detached from the trace, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedMonth {
    pub partition: String,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub first_seq: i64,
    pub last_seq: i64,
    pub entries: i64,
    pub last_hash: String,
    /// The size of the signed checkpoint that covered it when detached.
    pub checkpoint_size: i64,
}

impl From<trace_archive::Model> for ArchivedMonth {
    fn from(m: trace_archive::Model) -> Self {
        Self {
            partition: m.partition_name,
            period_from: m.period_from,
            period_to: m.period_to,
            first_seq: m.first_seq,
            last_seq: m.last_seq,
            entries: m.entries,
            last_hash: m.last_hash,
            checkpoint_size: m.checkpoint_size,
        }
    }
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The month a partition named `access_trace_pYYYYMM` holds.
fn month_of_partition(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("access_trace_p")?;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = digits[..4].parse().ok()?;
    let month = digits[4..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

async fn scalar_i64<C: ConnectionTrait>(conn: &C, sql: String) -> Result<Option<i64>> {
    let row = conn
        .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>>("", "v"))
        .transpose()?
        .flatten())
}

/// The partitions attached to `access_trace` named by month.
async fn attached<C: ConnectionTrait>(conn: &C) -> Result<Vec<(String, NaiveDate)>> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT c.relname AS name FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
              WHERE p.relname = 'access_trace' ORDER BY c.relname"
                .to_owned(),
        ))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if let Some(month) = month_of_partition(&name) {
            out.push((name, month));
        }
    }
    Ok(out)
}

impl Store {
    fn is_postgres(&self) -> bool {
        self.db.get_database_backend() == DatabaseBackend::Postgres
    }

    /// Makes sure every month from `from` to [`MONTHS_AHEAD`] months after
    /// today has its partition (PostgreSQL; nothing on SQLite). A month
    /// whose entries already went to the default partition is left to the
    /// operator (PostgreSQL refuses the partition), and said so.
    pub async fn ensure_trace_partitions(&self, from: NaiveDate) -> Result<()> {
        if !self.is_postgres() {
            return Ok(());
        }
        let last = month_of(self.now().date_naive()) + Months::new(MONTHS_AHEAD);
        let mut month = month_of(from);
        while month <= last {
            let made = self
                .db
                .execute_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT access_trace_partition(DATE '{month}')"),
                ))
                .await;
            if let Err(e) = made {
                tracing::warn!(%month, error = %e, "cannot create the access trace's partition for this month (entries of it may be in access_trace_default)");
            }
            month = month + Months::new(1);
        }
        Ok(())
    }

    /// The trace's monthly partitions still attached, oldest first, with
    /// their entries (PostgreSQL; empty on SQLite).
    pub async fn trace_months(&self) -> Result<Vec<TraceMonth>> {
        if !self.is_postgres() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (name, month) in attached(&self.db).await? {
            let row = self
                .db
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM \"{name}\""),
                ))
                .await?;
            let (entries, first_seq, last_seq) = match row {
                Some(r) => (
                    r.try_get::<i64>("", "n")?,
                    r.try_get::<Option<i64>>("", "lo")?,
                    r.try_get::<Option<i64>>("", "hi")?,
                ),
                None => (0, None, None),
            };
            out.push(TraceMonth {
                partition: name,
                month,
                entries,
                first_seq,
                last_seq,
            });
        }
        Ok(out)
    }

    /// The months archived so far, oldest first.
    pub async fn trace_archive(&self) -> Result<Vec<ArchivedMonth>> {
        Ok(trace_archive::Entity::find()
            .order_by_asc(trace_archive::Column::LastSeq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Where the chain resumes after the archive: the last archived entry
    /// (sequence, hash) and the end of the archived period.
    pub async fn trace_archive_head(&self) -> Result<Option<(i64, String, DateTime<Utc>)>> {
        Ok(trace_archive::Entity::find()
            .order_by_desc(trace_archive::Column::LastSeq)
            .one(&self.db)
            .await?
            .map(|m| (m.last_seq, m.last_hash, m.period_to)))
    }

    /// Detaches every monthly partition before `before` (a month) once the
    /// verifiable log's latest signed checkpoint covers all their entries,
    /// and records each (`Err` with the reason when it may not: on SQLite,
    /// nothing to archive, entries not yet in a signed checkpoint, or the
    /// months not a prefix of the trace). The detached tables stay in the
    /// database for the operator to dump and drop.
    pub async fn archive_trace(
        &self,
        before: NaiveDate,
    ) -> Result<std::result::Result<Vec<ArchivedMonth>, String>> {
        if !self.is_postgres() {
            return Ok(Err(
                "the trace is partitioned (and archived) on PostgreSQL only".to_owned(),
            ));
        }
        let before = month_of(before);
        let txn = self.db.begin().await?;
        // Appends wait while the partitions are detached (a moment).
        txn.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!(
                "SELECT pg_advisory_xact_lock({})",
                super::trace::ADVISORY_KEY
            ),
        ))
        .await?;
        let months: Vec<(String, NaiveDate)> = attached(&txn)
            .await?
            .into_iter()
            .filter(|(_, m)| *m < before)
            .collect();
        if months.is_empty() {
            return Ok(Err(format!("no month before {before} is left to archive")));
        }
        let names: Vec<String> = months.iter().map(|(n, _)| format!("'{n}'")).collect();
        let names = names.join(",");
        let low = scalar_i64(
            &txn,
            format!(
                "SELECT min(seq) AS v FROM access_trace WHERE tableoid::regclass::text IN ({names})"
            ),
        )
        .await?;
        let high = scalar_i64(
            &txn,
            format!(
                "SELECT max(seq) AS v FROM access_trace WHERE tableoid::regclass::text IN ({names})"
            ),
        )
        .await?;
        let count = scalar_i64(
            &txn,
            format!(
                "SELECT count(*) AS v FROM access_trace WHERE tableoid::regclass::text IN ({names})"
            ),
        )
        .await?
        .unwrap_or(0);
        let rest = scalar_i64(
            &txn,
            format!("SELECT min(seq) AS v FROM access_trace WHERE tableoid::regclass::text NOT IN ({names})"),
        )
        .await?;
        let (previous, previous_hash) = trace_archive::Entity::find()
            .order_by_desc(trace_archive::Column::LastSeq)
            .one(&txn)
            .await?
            .map_or((0, consent::trace::GENESIS.to_owned()), |m| {
                (m.last_seq, m.last_hash)
            });
        let Some(checkpoint) = super::log::latest(&txn).await? else {
            return Ok(Err(
                "the verifiable log has no signed checkpoint: archiving needs one".to_owned(),
            ));
        };
        let covered = checkpoint.size as i64;
        if let (Some(low), Some(high)) = (low, high) {
            if let Some(rest) = rest
                && rest < high
            {
                return Ok(Err(format!(
                    "entry {rest}, of a later month (or the default partition), was written before entry {high} of the months before {before}: archive them together, with a later --before"
                )));
            }
            if low != previous + 1 || count != high - previous {
                return Ok(Err(format!(
                    "the months before {before} do not hold entries {} to {high} without a gap: they cannot be archived alone",
                    previous + 1
                )));
            }
            if covered < high {
                return Ok(Err(format!(
                    "the verifiable log's latest signed checkpoint holds {covered} entries, not yet entry {high}: archive once it does (the hub integrates within seconds; `tellonce trace integrate`)"
                )));
            }
        }
        let (checkpoint_size, note) = (covered, checkpoint.note);
        let mut archived = Vec::new();
        let mut resume = (previous, previous_hash);
        for (name, month) in &months {
            let row = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!(
                        "SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi,
                                (SELECT hash FROM \"{name}\" ORDER BY seq DESC LIMIT 1) AS h
                           FROM \"{name}\""
                    ),
                ))
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("cannot count {name}")))?;
            let entries: i64 = row.try_get("", "n")?;
            let lo: Option<i64> = row.try_get("", "lo")?;
            let hi: Option<i64> = row.try_get("", "hi")?;
            let hash: Option<String> = row.try_get("", "h")?;
            txn.execute_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                format!("ALTER TABLE access_trace DETACH PARTITION \"{name}\""),
            ))
            .await?;
            // An empty month resumes where the archive already does.
            let (first_seq, last_seq, last_hash) = match (lo, hi, hash) {
                (Some(lo), Some(hi), Some(h)) => (lo, hi, h),
                _ => (resume.0 + 1, resume.0, resume.1.clone()),
            };
            if last_seq > resume.0 {
                resume = (last_seq, last_hash.clone());
            }
            let month = ArchivedMonth {
                partition: name.clone(),
                period_from: midnight(*month),
                period_to: midnight(*month + Months::new(1)),
                first_seq,
                last_seq,
                entries,
                last_hash,
                checkpoint_size,
            };
            trace_archive::Entity::insert(trace_archive::ActiveModel {
                partition_name: Set(month.partition.clone()),
                period_from: Set(month.period_from),
                period_to: Set(month.period_to),
                first_seq: Set(month.first_seq),
                last_seq: Set(month.last_seq),
                entries: Set(month.entries),
                last_hash: Set(month.last_hash.clone()),
                checkpoint_size: Set(month.checkpoint_size),
                checkpoint: Set(note.clone()),
                archived_at: Set(self.clock.now()),
            })
            .exec(&txn)
            .await?;
            archived.push(month);
        }
        txn.commit().await?;
        Ok(Ok(archived))
    }
}

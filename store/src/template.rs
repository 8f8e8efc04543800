//! Storage of advice templates (each published version with its TOML
//! source) and of the checklist's "not required" records.

use chrono::{DateTime, Utc};
use domain::ChildId;
use domain::checklist::NotRequired;
use domain::template::{AdviceTemplate, Profession};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{advice_not_required, advice_template};
use super::trace::TracedTxn;
use super::{Result, Store, StoreError, code};

/// The subject that publishes the shipped defaults.
const HUB: &str = "tellonce";

fn template_of(row: &advice_template::Model) -> Result<AdviceTemplate> {
    let profession: Profession = code(&row.profession)?;
    let mut t = AdviceTemplate::parse(&row.source, Some(profession)).map_err(|e| {
        StoreError::Corrupt(format!(
            "advice template {profession} v{}: {e}",
            row.version
        ))
    })?;
    t.version = row.version;
    Ok(t)
}

impl Store {
    /// A profession's template: the given version, or the latest.
    #[tracing::instrument(name = "db.advice_template", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "advice_template"))]
    pub async fn advice_template(
        &self,
        profession: Profession,
        version: Option<i32>,
    ) -> Result<Option<AdviceTemplate>> {
        let mut q = advice_template::Entity::find()
            .filter(advice_template::Column::Profession.eq(profession.code()));
        if let Some(v) = version {
            q = q.filter(advice_template::Column::Version.eq(v));
        }
        q.order_by_desc(advice_template::Column::Version)
            .one(&self.db)
            .await?
            .as_ref()
            .map(template_of)
            .transpose()
    }

    /// The latest version of each profession's template, in the
    /// professions' order.
    #[tracing::instrument(name = "db.advice_templates", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "advice_templates"))]
    pub async fn latest_advice_templates(&self) -> Result<Vec<AdviceTemplate>> {
        let rows = advice_template::Entity::find()
            .order_by_desc(advice_template::Column::Version)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for p in Profession::ALL {
            if let Some(row) = rows.iter().find(|r| r.profession == p.code()) {
                out.push(template_of(row)?);
            }
        }
        Ok(out)
    }

    /// Publishes each of `shipped` (parsed, with its source) as version 1
    /// of its profession where that profession has none yet. Shipped
    /// templates are part of the release, as seed data is, not anyone's
    /// action: they leave no trace entry (they disclose nothing and change
    /// no one's access); every later version is published by an IG admin,
    /// whose entry names it.
    pub async fn ensure_default_advice_templates(
        &self,
        shipped: Vec<(AdviceTemplate, &'static str)>,
    ) -> Result<()> {
        let tx = self.traced().await?;
        let existing = advice_template::Entity::find().all(tx.conn()).await?;
        let now = self.now();
        for (template, source) in shipped {
            if existing
                .iter()
                .any(|r| r.profession == template.profession.code())
            {
                continue;
            }
            tx.publish_advice_template(template, source, HUB, now)
                .await?;
        }
        tx.commit(Vec::new()).await?;
        Ok(())
    }

    /// The "not required" records of an assessment, oldest first.
    #[tracing::instrument(name = "db.advice_not_required", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "advice_not_required"))]
    pub async fn advice_not_required(
        &self,
        child_id: ChildId,
        assessment_id: Uuid,
    ) -> Result<Vec<NotRequired>> {
        advice_not_required::Entity::find()
            .filter(advice_not_required::Column::ChildId.eq(child_id))
            .filter(advice_not_required::Column::AssessmentId.eq(assessment_id))
            .order_by_asc(advice_not_required::Column::RecordedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                Ok(NotRequired {
                    id: r.id,
                    assessment_id: r.assessment_id,
                    profession: code(&r.profession)?,
                    reason: r.reason,
                    recorded_by: r.recorded_by,
                    recorded_at: r.recorded_at,
                })
            })
            .collect()
    }
}

impl TracedTxn {
    /// Publishes `template` (parsed and validated by the caller from
    /// `source`, which is kept) as its profession's next version.
    pub async fn publish_advice_template(
        &self,
        mut template: AdviceTemplate,
        source: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<AdviceTemplate> {
        let next = advice_template::Entity::find()
            .filter(advice_template::Column::Profession.eq(template.profession.code()))
            .order_by_desc(advice_template::Column::Version)
            .one(&self.txn)
            .await?
            .map_or(1, |r| r.version + 1);
        template.version = next;
        advice_template::Entity::insert(advice_template::ActiveModel {
            profession: Set(template.profession.code().to_owned()),
            version: Set(next),
            title: Set(template.title.clone()),
            source: Set(source.to_owned()),
            published_by: Set(by.to_owned()),
            published_at: Set(now),
        })
        .exec(&self.txn)
        .await?;
        Ok(template)
    }

    /// Records that a source of advice is not required on an assessment.
    pub async fn insert_advice_not_required(
        &self,
        child_id: ChildId,
        n: &NotRequired,
    ) -> Result<()> {
        advice_not_required::Entity::insert(advice_not_required::ActiveModel {
            child_id: Set(child_id),
            id: Set(n.id),
            assessment_id: Set(n.assessment_id),
            profession: Set(n.profession.code().to_owned()),
            reason: Set(n.reason.clone()),
            recorded_by: Set(n.recorded_by.clone()),
            recorded_at: Set(n.recorded_at),
        })
        .exec(&self.txn)
        .await?;
        Ok(())
    }
}

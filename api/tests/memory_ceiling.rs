//! The real `tellonce` binary, under a memory ceiling of its own
//! (`ulimit -v`), is sent the documents that used to crash or exhaust it:
//! values nested thousands deep, fragment fan-out, alias floods, batches of
//! them, concurrently. It must answer each with a clear error, stay up, and
//! keep its peak resident memory (VmHWM) within a fixed bound; then it must
//! stop cleanly on SIGTERM.
//!
//! This lives in the `api` package (not the `tests` binary) because only
//! here does Cargo build the binary for a test and say where it is.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Address space the hub may map (threads, arenas, the runtime): a hub
/// that tried to take more is killed by the kernel, failing the test.
const ADDRESS_SPACE_KIB: u64 = 4 * 1024 * 1024;
/// Peak resident memory allowed over the whole attack.
const PEAK_RSS_KIB: u64 = 256 * 1024;
/// Growth of resident memory allowed from the start of the attack.
const GROWTH_KIB: u64 = 96 * 1024;

struct Hub {
    child: Child,
    url: String,
    token: String,
    _dir: support::TempDir,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

fn start() -> Hub {
    let temp = support::TempDir::new("tellonce-mem");
    let dir = temp.0.clone();
    let database = match std::env::var("TELLONCE_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => fresh_postgres(&admin),
        _ => format!("sqlite://{}/hub.db?mode=rwc", dir.display()),
    };
    let bin = env!("CARGO_BIN_EXE_tellonce");
    let script = format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .args([
            "-c",
            &script,
            bin,
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &database,
        ])
        .args(["serve", "--demo", "--migrate"])
        .current_dir(&dir)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tellonce");
    let banner = support::read_banner(child.stdout.take().expect("stdout"));
    Hub {
        child,
        url: banner.url,
        token: banner.parent_token.expect("the banner has a parent token"),
        _dir: temp,
    }
}

fn fresh_postgres(admin: &str) -> String {
    let name = format!("tellonce_mem_{}", uuid::Uuid::new_v4().simple());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use sea_orm::ConnectionTrait as _;
        let db = sea_orm::Database::connect(admin)
            .await
            .expect("admin connection");
        db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
    });
    let (base, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{base}/{name}")
}

fn nested(depth: usize) -> String {
    format!(
        "{{ child(id: {}\"x\"{}) {{ id }} }}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

fn fan_out(levels: usize, width: usize) -> String {
    let mut doc =
        format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ me {{ subject }} }}\n");
    for i in 1..=levels {
        let spreads = format!("...F{} ", i - 1).repeat(width);
        doc.push_str(&format!("fragment F{i} on Query {{ {spreads} }}\n"));
    }
    doc
}

#[test]
fn hostile_documents_leave_the_real_hub_up_and_small() {
    let mut hub = start();
    let pid = hub.child.id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let post = |body: Vec<u8>| {
        let (client, url, token) = (client.clone(), hub.url.clone(), hub.token.clone());
        async move {
            let response = client
                .post(format!("{url}/graphql"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("the hub answers");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let one = |query: String| serde_json::to_vec(&json!({ "query": query })).expect("json");
    let (status, body) = rt.block_on(post(one("{ me { subject } }".into())));
    assert_eq!(status, 200, "{body}");
    let baseline = status_kib(pid, "VmRSS:");

    let aliases: String = (0..1600)
        .map(|i| format!("a{i}: me {{ subject }} "))
        .collect();
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": fan_out(12, 12) }))
        .collect();
    let attacks: Vec<Vec<u8>> = vec![
        one(nested(3_000)),
        one(nested(200_000)),
        one(format!(
            "{{ a(x: {}1{}) }}",
            "{a: ".repeat(50_000),
            "}".repeat(50_000)
        )),
        one(fan_out(10, 10)),
        one(fan_out(30, 30)),
        one(format!("{{ {aliases} }}")),
        serde_json::to_vec(&json!(batch)).expect("json"),
        one(format!(
            "{{ me {{ subject {} }} }}",
            "@include(if: true) ".repeat(5_000)
        )),
    ];
    let started = Instant::now();
    for round in 0..3 {
        let answers = rt.block_on(futures_util::future::join_all(
            attacks
                .iter()
                .cycle()
                .take(attacks.len() * 4)
                .cloned()
                .map(&post),
        ));
        for (status, body) in answers {
            assert!(
                status == 400 || status == 413,
                "round {round}: {status} {body}"
            );
            let first = if body.is_array() { &body[0] } else { &body };
            assert!(
                first["errors"][0]["extensions"]["code"].is_string(),
                "a clear error: {body}"
            );
        }
        assert!(
            hub.child.try_wait().expect("wait").is_none(),
            "the hub died"
        );
    }
    let (status, body) = rt.block_on(post(one("{ me { subject } }".into())));
    assert_eq!(
        (status, &body["data"]["me"]["subject"]),
        (200, &json!("demo-parent")),
        "{body}"
    );
    let peak = status_kib(pid, "VmHWM:");
    eprintln!(
        "baseline {baseline} KiB, peak {peak} KiB, after {:?}",
        started.elapsed()
    );
    assert!(peak < PEAK_RSS_KIB, "peak resident memory {peak} KiB");
    assert!(
        peak.saturating_sub(baseline) < GROWTH_KIB,
        "grew from {baseline} KiB to {peak} KiB"
    );

    // SIGTERM: the hub drains and exits by itself, successfully.
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..300 {
        if let Some(status) = hub.child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let exited = exited.expect("the hub stops within 30 s of SIGTERM");
    assert!(exited.success(), "{exited:?}");
}

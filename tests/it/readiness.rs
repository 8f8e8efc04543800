//! `/readyz` proves the database takes writes, and answers within its bound
//! when the database does not: a BEGIN, an INSERT and a ROLLBACK, cut off
//! after 800 ms.
//!
//! What "down" means differs by backend. PostgreSQL is a server: it can stop
//! answering (a network partition, a hung host), which a proxy in front of it
//! shows. SQLite is a file in this process and cannot stop answering that
//! way: a pool that cannot connect (`ops::health_and_readiness` closes it)
//! is its "unreachable", and a writer that holds the lock is its "hang".

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use api::config::Settings;
use api::startup::Application;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::*;

/// Longer than the probe's bound and shorter than the hub's 30 s request
/// timeout: an answer within it was cut off by the probe, not by either.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// GET /readyz with [`CLIENT_TIMEOUT`]; panics if no answer comes in time.
async fn readyz(address: &str) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .expect("client");
    let response = client
        .get(format!("{address}/readyz"))
        .send()
        .await
        .expect("/readyz answers within the client's timeout");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

/// Serves a second hub with these settings (its own pool), without
/// migrating; returns its address.
async fn serve(settings: &Settings) -> String {
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://{}", app.local_addr().expect("addr"));
    tokio::spawn(app.run_until_stopped());
    address
}

/// A TCP proxy on 127.0.0.1:0 to `upstream` that can be told to stop
/// forwarding: connections stay open and new ones are accepted, but nothing
/// gets through either way, as when a database host hangs.
struct Proxy {
    address: SocketAddr,
    forwarding: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy addr");
        let forwarding = Arc::new(AtomicBool::new(true));
        let on = forwarding.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let on = on.clone();
                tokio::spawn(async move {
                    if !on.load(Ordering::SeqCst) {
                        return swallow(client).await;
                    }
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        pipe(client_read, server_write, on.clone()),
                        pipe(server_read, client_write, on),
                    );
                });
            }
        });
        Self {
            address,
            forwarding,
        }
    }

    fn black_hole(&self) {
        self.forwarding.store(false, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` while `on`; afterwards reads and drops everything.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    on: Arc<AtomicBool>,
) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) if on.load(Ordering::SeqCst) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
            Ok(_) => {}
        }
    }
}

/// Holds a connection open, reading and dropping whatever arrives.
async fn swallow(mut stream: TcpStream) {
    let mut buf = vec![0; 16 * 1024];
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
}

/// The URL with its host and port replaced by `address`.
fn via(url: &str, address: SocketAddr) -> String {
    let scheme_end = url.find("://").expect("URL has a scheme") + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let userinfo = authority.rfind('@').map_or("", |at| &authority[..=at]);
    format!(
        "{}{userinfo}{address}{}",
        &url[..scheme_end],
        &rest[authority_end..]
    )
}

/// The host and port of a PostgreSQL URL, resolved.
fn upstream_of(url: &str) -> SocketAddr {
    let rest = &url[url.find("://").expect("scheme") + 3..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host_port = authority.rsplit('@').next().expect("host");
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    std::net::ToSocketAddrs::to_socket_addrs(&host_port)
        .expect("resolve database host")
        .next()
        .expect("an address")
}

#[tokio::test]
async fn a_writable_database_is_ready() {
    let app = spawn_app().await;
    let (status, body) = readyz(&app.address).await;
    assert_eq!((status, body), (200, json!({ "status": "ready" })));
}

/// PostgreSQL: the hub's connections go through a proxy that then stops
/// forwarding. SQLite: another connection holds the write lock, so the
/// probe's INSERT waits (a reader would not: `SELECT 1` still answers).
#[tokio::test]
async fn a_database_that_stops_answering_is_not_ready_within_the_bound() {
    let app = spawn_app().await;
    // Held to the end of the test (SQLite only).
    let mut _writer = None;
    let address = if is_postgres() {
        let proxy = Proxy::start(upstream_of(&app.settings.database_url)).await;
        let settings = Settings {
            database_url: via(&app.settings.database_url, proxy.address),
            migrate_on_start: false,
            ..app.settings.clone()
        };
        let address = serve(&settings).await;
        assert_eq!(readyz(&address).await.0, 200, "ready through the proxy");
        proxy.black_hole();
        address
    } else {
        let other = store::Store::connect(&app.settings.database_url)
            .await
            .expect("a second connection");
        let txn = other.connection().begin().await.expect("begin");
        txn.execute_unprepared("CREATE TABLE holds_the_write_lock (x INTEGER)")
            .await
            .expect("take the write lock");
        _writer = Some((other, txn));
        app.address.clone()
    };
    let (status, body) = readyz(&address).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({ "status": "unavailable", "reason": "database did not answer within 800 ms" })
        )
    );
}

/// A hot standby or a database set read-only answers reads, so it
/// answered `SELECT 1`; it is not ready to serve a hub that writes.
#[tokio::test]
async fn a_database_that_refuses_writes_is_not_ready() {
    let app = spawn_app().await;
    let settings = if is_postgres() {
        let url = &app.settings.database_url;
        let name = url.rsplit('/').next().expect("database name");
        let name = name.split('?').next().expect("database name");
        app.store
            .connection()
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"
            ))
            .await
            .expect("set the database read-only");
        Settings {
            migrate_on_start: false,
            ..app.settings.clone()
        }
    } else {
        Settings {
            database_url: app.settings.database_url.replace("mode=rwc", "mode=ro"),
            ..app.settings.clone()
        }
    };
    // A fresh pool: sessions opened from now on are read-only.
    let address = serve(&settings).await;
    let (status, body) = readyz(&address).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({ "status": "unavailable", "reason": "database refuses writes" })
        )
    );
}

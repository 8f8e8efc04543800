//! `GET /graphql/ws`: subscriptions over graphql-transport-ws.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::Utc;

use super::auth::{Refused, authenticate, context_for, purpose_of};
use super::error::error_response;
use super::state::AppState;
use crate::error::{INTERNAL_MESSAGE, code};

/// graphql-transport-ws (and the older graphql-ws) on `/graphql/ws`. The
/// connection_init payload carries `Authorization: Bearer <JWT>` and, for
/// practitioners, `X-Purpose-Of-Use`. Messages are bounded like POST bodies,
/// and every document passes the same guard (the schema's extension). The
/// hub closes the connection itself when the token expires (4403) and when
/// it shuts down (1001).
pub async fn subscriptions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    use async_graphql::http::WebSocketProtocols;
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "Sec-WebSocket-Protocol must be graphql-transport-ws (or graphql-ws)",
        );
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(state.max_message_bytes)
        .max_frame_size(state.max_message_bytes)
        .on_upgrade(move |socket| serve_socket(state, socket, protocol, peer.ip()))
}

/// Close codes of graphql-transport-ws and RFC 6455.
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;

async fn serve_socket(
    state: AppState,
    socket: axum::extract::ws::WebSocket,
    protocol: async_graphql::http::WebSocketProtocols,
    source: std::net::IpAddr,
) {
    use axum::extract::ws::{CloseFrame, Message};
    use futures_util::{SinkExt as _, StreamExt as _};
    let _open = crate::metrics::OpenSubscription::open();
    let (mut sink, stream) = socket.split();
    let over_limit = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = over_limit.clone();
    let input = stream
        .take_while(|m| std::future::ready(m.is_ok()))
        .filter_map(|m| {
            std::future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        })
        // Each subscription holds a receiver and a decision per notice: a
        // connection may start a bounded number over its life.
        .scan(0usize, move |started, bytes| {
            if starts_subscription(&bytes) {
                *started += 1;
                if *started > MAX_SUBSCRIPTIONS {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                    return std::future::ready(None);
                }
            }
            std::future::ready(Some(bytes))
        });
    let (expiry_tx, mut expiry) = tokio::sync::watch::channel(None);
    let mut shutdown = state.shutdown.clone();
    let schema = state.ws_schema.clone();
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol).on_connection_init(
        move |payload| async move {
            let data = connection_context(state, payload, source).await?;
            let expires = data_expiry(&data);
            let _ = expiry_tx.send(expires);
            Ok(data)
        },
    );
    futures_util::pin_mut!(messages);
    let close = |code: u16, reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    // The expiry is sent once, when connection_init is accepted.
    let mut init_pending = true;
    loop {
        let expires: Option<chrono::DateTime<Utc>> = *expiry.borrow_and_update();
        let until_expiry = async {
            match expires {
                Some(at) => {
                    let left = (at - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(left).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { break };
                let message = match message {
                    async_graphql::http::WsMessage::Text(text) => Message::Text(text.into()),
                    async_graphql::http::WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
                };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            changed = expiry.changed(), if init_pending => {
                init_pending = changed.is_ok();
            }
            () = until_expiry => {
                let _ = sink.send(close(CLOSE_FORBIDDEN, "Forbidden: the token has expired")).await;
                break;
            }
            () = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                let _ = sink.send(close(CLOSE_GOING_AWAY, "the hub is shutting down")).await;
                break;
            }
        }
    }
    if over_limit.load(std::sync::atomic::Ordering::SeqCst) {
        let _ = sink
            .send(close(
                CLOSE_POLICY,
                "too many subscriptions on one connection",
            ))
            .await;
    }
    let _ = sink.close().await;
}

/// Subscriptions one connection may start over its life (SECURITY.md).
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// A client message that starts a subscription (graphql-transport-ws
/// `subscribe`, graphql-ws `start`).
fn starts_subscription(message: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_slice::<Kind<'_>>(message)
        .is_ok_and(|m| m.kind == "subscribe" || m.kind == "start")
}

fn data_expiry(data: &async_graphql::Data) -> Option<chrono::DateTime<Utc>> {
    data.get(&std::any::TypeId::of::<crate::graphql::live::SessionExpiry>())
        .and_then(|v| v.downcast_ref::<crate::graphql::live::SessionExpiry>())
        .and_then(|e| e.0)
}

/// Authenticates a WebSocket connection from its connection_init payload.
async fn connection_context(
    state: AppState,
    payload: serde_json::Value,
    source: std::net::IpAddr,
) -> async_graphql::Result<async_graphql::Data> {
    use async_graphql::ErrorExtensions as _;
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| payload.get(*n).and_then(|v| v.as_str()).map(str::to_owned))
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let authorization = field(&["Authorization", "authorization"]);
    let (mut principal, expires) =
        match authenticate(&state, authorization.as_deref(), &request_id, source).await {
            Ok(p) => p,
            Err(Refused::Unauthenticated(message)) => {
                return Err(async_graphql::Error::new(message)
                    .extend_with(|_, x| x.set("code", code::UNAUTHENTICATED)));
            }
            Err(Refused::Internal) => {
                return Err(async_graphql::Error::new(INTERNAL_MESSAGE)
                    .extend_with(|_, x| x.set("code", code::INTERNAL)));
            }
        };
    principal.purpose = purpose_of(
        field(&["X-Purpose-Of-Use", "x-purpose-of-use", "purpose"])
            .as_deref()
            .map(Ok::<_, ()>),
    )
    .map_err(|message| {
        async_graphql::Error::new(message).extend_with(|_, x| x.set("code", code::BAD_USER_INPUT))
    })?;
    let mut data = async_graphql::Data::default();
    data.insert(crate::graphql::live::SessionExpiry(expires));
    let now = state.clock.unwrap_or_else(Utc::now);
    data.insert(context_for(&state, principal, request_id, None, now));
    Ok(data)
}

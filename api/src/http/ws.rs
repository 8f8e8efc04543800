//! `GET /graphql/ws`: subscriptions over graphql-transport-ws.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::Utc;

use super::auth::{Refused, authenticate, context_for, purpose_of};
use super::error::error_response;
use super::state::AppState;
use crate::error::{INTERNAL_MESSAGE, code};

/// graphql-transport-ws (and the older graphql-ws) on `/graphql/ws`. The
/// connection_init payload carries the token in any of the common forms
/// ([`credentials`]) and, for practitioners, the purpose of use. Messages
/// are bounded like POST bodies, and every document passes the same guard
/// (the schema's extension). Close codes are graphql-transport-ws's: 4400
/// for a message it does not define, 4401 for a subscribe before the
/// connection is acknowledged, 4403 when connection_init is refused (no or
/// bad token, bad purpose) and when the token expires, 4408 when no
/// connection_init comes in time, 4409 for a second subscriber with an id
/// in use, 4429 for a second connection_init; 1001 when the hub shuts down.
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
pub const CLOSE_BAD_REQUEST: u16 = 4400;
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
pub const CLOSE_FORBIDDEN: u16 = 4403;
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
pub const CLOSE_SUBSCRIBER_EXISTS: u16 = 4409;
pub const CLOSE_INTERNAL: u16 = 4500;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
/// What async-graphql closes with for a message it cannot read or a
/// refused connection_init (graphql-transport-ws names other codes).
const CLOSE_PROTOCOL_ERROR: u16 = 1002;

/// What one connection has seen, shared by the filter on the client's
/// messages and the loop sending the hub's.
#[derive(Debug, Default)]
struct Connection {
    init_received: AtomicBool,
    acknowledged: AtomicBool,
    /// Ids of the subscriptions running now.
    active: Mutex<HashSet<String>>,
    /// Subscriptions started over the connection's life.
    started: AtomicUsize,
    /// Why connection_init was refused (a close code), once it was.
    refused: OnceLock<u16>,
    /// The close the filter decided on; the input then ends.
    close: OnceLock<(u16, String)>,
}

impl Connection {
    /// Checks one client message before async-graphql reads it; `false`
    /// ends the connection with the close recorded.
    fn admit(&self, protocol: async_graphql::http::WebSocketProtocols, message: &[u8]) -> bool {
        #[derive(serde::Deserialize)]
        struct Kind<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
            #[serde(default)]
            id: Option<String>,
        }
        let legacy = protocol == async_graphql::http::WebSocketProtocols::SubscriptionsTransportWS;
        let Ok(Kind { kind, id }) = serde_json::from_slice::<Kind<'_>>(message) else {
            if legacy {
                return true; // async-graphql answers it in that protocol's way.
            }
            return self.end(CLOSE_BAD_REQUEST, "Invalid message received".to_owned());
        };
        match (kind.as_ref(), legacy) {
            ("connection_init", _) => {
                self.init_received.store(true, Ordering::SeqCst);
            }
            ("subscribe", false) | ("start", true) => {
                if !legacy && !self.acknowledged.load(Ordering::SeqCst) {
                    return self.end(CLOSE_UNAUTHORIZED, "Unauthorized".to_owned());
                }
                if let Some(id) = id
                    && !legacy
                {
                    let mut active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
                    if !active.insert(id.clone()) {
                        return self.end(
                            CLOSE_SUBSCRIBER_EXISTS,
                            format!("Subscriber for {id} already exists"),
                        );
                    }
                }
                // Each subscription holds a receiver and a decision per
                // notice: a connection may start a bounded number over
                // its life.
                if self.started.fetch_add(1, Ordering::SeqCst) + 1 > MAX_SUBSCRIPTIONS {
                    return self.end(
                        CLOSE_POLICY,
                        "too many subscriptions on one connection".to_owned(),
                    );
                }
            }
            ("complete", false) | ("stop", true) => {
                if let Some(id) = id {
                    self.finished(&id);
                }
            }
            ("ping" | "pong", false) | ("connection_terminate", true) => {}
            (_, false) => {
                return self.end(CLOSE_BAD_REQUEST, "Invalid message received".to_owned());
            }
            (_, true) => {}
        }
        true
    }

    fn end(&self, code: u16, reason: String) -> bool {
        let _ = self.close.set((code, reason));
        false
    }

    /// A subscription ended (the client's `complete`, or the hub's).
    fn finished(&self, id: &str) {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

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
    let connection = Arc::new(Connection::default());
    let filter = connection.clone();
    let input = stream
        .take_while(|m| std::future::ready(m.is_ok()))
        .filter_map(|m| {
            std::future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        })
        .take_while(move |bytes| std::future::ready(filter.admit(protocol, bytes)));
    let (expiry_tx, mut expiry) = tokio::sync::watch::channel(None);
    let mut shutdown = state.shutdown.clone();
    let schema = state.ws_schema.clone();
    let init_timeout = tokio::time::sleep(state.ws_init_timeout);
    let accepted = connection.clone();
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol).on_connection_init(
        move |payload| async move {
            let data = match connection_context(state, payload, source).await {
                Ok(data) => data,
                Err((close, error)) => {
                    let _ = accepted.refused.set(close);
                    return Err(error);
                }
            };
            let expires = data_expiry(&data);
            let _ = expiry_tx.send(expires);
            accepted.acknowledged.store(true, Ordering::SeqCst);
            Ok(data)
        },
    );
    futures_util::pin_mut!(messages);
    futures_util::pin_mut!(init_timeout);
    let close = |code: u16, reason: String| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    let transport_ws = protocol == async_graphql::http::WebSocketProtocols::GraphQLWS;
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
        let waiting_for_init = !connection.init_received.load(Ordering::SeqCst);
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { break };
                let message = match message {
                    async_graphql::http::WsMessage::Text(text) => {
                        // The hub completed a subscription: its id is free.
                        if text.starts_with("{\"type\":\"complete\"")
                            && let Ok(done) = serde_json::from_str::<serde_json::Value>(&text)
                            && let Some(id) = done["id"].as_str()
                        {
                            connection.finished(id);
                        }
                        Message::Text(text.into())
                    }
                    async_graphql::http::WsMessage::Close(code, reason) => {
                        let (code, reason) = match (code, connection.refused.get()) {
                            (CLOSE_PROTOCOL_ERROR, Some(refused)) if transport_ws => (*refused, reason),
                            (CLOSE_PROTOCOL_ERROR, None) if transport_ws => (CLOSE_BAD_REQUEST, "Invalid message received".to_owned()),
                            other => (other.0, reason),
                        };
                        Message::Close(Some(CloseFrame { code, reason: reason.into() }))
                    }
                };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            changed = expiry.changed(), if init_pending => {
                init_pending = changed.is_ok();
            }
            () = &mut init_timeout, if waiting_for_init => {
                let _ = connection.close.set((CLOSE_INIT_TIMEOUT, "Connection initialisation timeout".to_owned()));
                break;
            }
            () = until_expiry => {
                let _ = sink.send(close(CLOSE_FORBIDDEN, "Forbidden: the token has expired".to_owned())).await;
                break;
            }
            () = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                let _ = sink.send(close(CLOSE_GOING_AWAY, "the hub is shutting down".to_owned())).await;
                break;
            }
        }
    }
    if let Some((code, reason)) = connection.close.get() {
        let _ = sink.send(close(*code, reason.clone())).await;
    }
    let _ = sink.close().await;
}

/// Subscriptions one connection may start over its life (SECURITY.md).
pub const MAX_SUBSCRIPTIONS: usize = 100;

fn data_expiry(data: &async_graphql::Data) -> Option<chrono::DateTime<Utc>> {
    data.get(&std::any::TypeId::of::<crate::graphql::live::SessionExpiry>())
        .and_then(|v| v.downcast_ref::<crate::graphql::live::SessionExpiry>())
        .and_then(|e| e.0)
}

/// What a connection_init payload says: the `Authorization` value
/// (`Bearer <JWT>`) and the purpose of use, each `None` when absent.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub authorization: Option<String>,
    pub purpose: Option<String>,
}

/// Reads the token and the purpose from a connection_init payload in the
/// forms clients commonly send: `{"Authorization": "Bearer …"}` (any
/// case), `{"headers": {"Authorization": …}}` (Apollo's and urql's
/// `connectionParams` with headers), `{"authToken": "…"}` (bare or with
/// `Bearer`); the purpose as `X-Purpose-Of-Use`, `purposeOfUse` or
/// `purpose`, at the top or under `headers`. A token given twice, with
/// different values, is refused rather than guessed at.
pub fn credentials(payload: &serde_json::Value) -> Result<Credentials, &'static str> {
    const AUTHORIZATION: &[&str] = &["authorization"];
    const TOKEN: &[&str] = &["authtoken", "token", "accesstoken"];
    const PURPOSE: &[&str] = &["x-purpose-of-use", "purposeofuse", "purpose"];
    let places = [Some(payload), payload.get("headers")];
    let mut found: Vec<(bool, String)> = Vec::new();
    let mut purposes: Vec<String> = Vec::new();
    for place in places.into_iter().flatten() {
        let Some(fields) = place.as_object() else {
            continue;
        };
        for (key, value) in fields {
            let key = key.to_ascii_lowercase();
            let Some(text) = value.as_str() else {
                continue;
            };
            if AUTHORIZATION.contains(&key.as_str()) {
                found.push((true, text.to_owned()));
            } else if TOKEN.contains(&key.as_str()) {
                found.push((false, text.to_owned()));
            } else if PURPOSE.contains(&key.as_str()) {
                purposes.push(text.to_owned());
            }
        }
    }
    let mut tokens = found.into_iter().map(|(is_header, text)| {
        let bare = text.trim();
        let has_scheme = bare
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("bearer "));
        if is_header || has_scheme {
            text
        } else {
            format!("Bearer {bare}")
        }
    });
    let authorization = tokens.next();
    if tokens.any(|t| Some(&t) != authorization.as_ref()) {
        return Err("connection_init names two different tokens: send one");
    }
    let purpose = purposes.first().cloned();
    if purposes.iter().any(|p| Some(p) != purpose.as_ref()) {
        return Err("connection_init names two different purposes of use: send one");
    }
    Ok(Credentials {
        authorization,
        purpose,
    })
}

/// Authenticates a WebSocket connection from its connection_init payload;
/// a refusal carries the close code it ends the connection with.
async fn connection_context(
    state: AppState,
    payload: serde_json::Value,
    source: std::net::IpAddr,
) -> Result<async_graphql::Data, (u16, async_graphql::Error)> {
    use async_graphql::ErrorExtensions as _;
    let refused = |close: u16, message: &str, code: &'static str| {
        (
            close,
            async_graphql::Error::new(message).extend_with(|_, x| x.set("code", code)),
        )
    };
    let given = credentials(&payload)
        .map_err(|message| refused(CLOSE_FORBIDDEN, message, code::BAD_USER_INPUT))?;
    let request_id = uuid::Uuid::new_v4().to_string();
    let (mut principal, expires) =
        match authenticate(&state, given.authorization.as_deref(), &request_id, source).await {
            Ok(p) => p,
            Err(Refused::Unauthenticated(message)) => {
                return Err(refused(CLOSE_FORBIDDEN, &message, code::UNAUTHENTICATED));
            }
            Err(Refused::Internal) => {
                return Err(refused(CLOSE_INTERNAL, INTERNAL_MESSAGE, code::INTERNAL));
            }
        };
    principal.purpose = purpose_of(given.purpose.as_deref().map(Ok::<_, ()>))
        .map_err(|message| refused(CLOSE_FORBIDDEN, message, code::BAD_USER_INPUT))?;
    let mut data = async_graphql::Data::default();
    data.insert(crate::graphql::live::SessionExpiry(expires));
    let now = state.clock.unwrap_or_else(Utc::now);
    data.insert(context_for(&state, principal, request_id, None, now));
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token_of(payload: serde_json::Value) -> Option<String> {
        credentials(&payload).expect("credentials").authorization
    }

    #[test]
    fn the_token_is_read_in_every_common_form() {
        let bearer = Some("Bearer t0k".to_owned());
        assert_eq!(token_of(json!({ "Authorization": "Bearer t0k" })), bearer);
        assert_eq!(token_of(json!({ "authorization": "Bearer t0k" })), bearer);
        assert_eq!(
            token_of(json!({ "headers": { "Authorization": "Bearer t0k" } })),
            bearer
        );
        assert_eq!(
            token_of(json!({ "headers": { "authorization": "Bearer t0k" } })),
            bearer
        );
        assert_eq!(token_of(json!({ "authToken": "t0k" })), bearer);
        assert_eq!(token_of(json!({ "authToken": "Bearer t0k" })), bearer);
        assert_eq!(
            token_of(json!({ "authToken": "t0k", "Authorization": "Bearer t0k" })),
            bearer
        );
        assert_eq!(token_of(json!({})), None);
        assert_eq!(token_of(json!(null)), None);
        assert!(credentials(&json!({ "authToken": "a", "Authorization": "Bearer b" })).is_err());
        let purpose = |p: serde_json::Value| credentials(&p).expect("credentials").purpose;
        let direct = Some("DIRECT_SUPPORT".to_owned());
        assert_eq!(
            purpose(json!({ "X-Purpose-Of-Use": "DIRECT_SUPPORT" })),
            direct
        );
        assert_eq!(purpose(json!({ "purposeOfUse": "DIRECT_SUPPORT" })), direct);
        assert_eq!(
            purpose(json!({ "headers": { "x-purpose-of-use": "DIRECT_SUPPORT" } })),
            direct
        );
        assert_eq!(purpose(json!({ "purpose": "DIRECT_SUPPORT" })), direct);
    }
}

//! The verifiable log over HTTP (C2SP `tlog-tiles`):
//!
//! - `GET /trace/checkpoint`: the latest signed checkpoint, a C2SP signed
//!   note (`text/plain`), for anyone signed in;
//! - `GET /trace/key`: the public key it is signed with (`<origin>+<id>+<key>`);
//!   check it against the one the council publishes;
//! - `GET /trace/consistency?from=N[&to=M]`: the consistency proof between
//!   two checkpoints (JSON), for IG staff, a witness among them;
//! - `POST /trace/checkpoint`: a checkpoint co-signed by a witness the hub
//!   knows (`TELLONCE_TRACE_WITNESS_KEYS`), kept and served from then on;
//! - `GET /trace/tile/8/{L}/{N}[.p/{W}]`: a tile of hashes
//!   (`application/octet-stream`), for IG staff. Entry bundles (the entries
//!   themselves) are not served: they hold who looked at whose record, and
//!   IG staff have `/trace/export` for them.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use consent::log::{TILE_HEIGHT, Tile};

use crate::error::{Error, INTERNAL_MESSAGE, code};
use crate::http::auth::{Caller, context_for};
use crate::http::error::error_response;
use crate::http::state::AppState;

const NO_LOG: &str = "the hub signs no checkpoints: it has no TELLONCE_TRACE_SIGNING_KEY";

fn context(state: &AppState, caller: Caller) -> crate::access::RequestContext {
    context_for(
        state,
        caller.principal,
        caller.request_id,
        crate::telemetry::current_trace_id(),
        state.clock.unwrap_or_else(Utc::now),
    )
}

fn internal(e: impl std::fmt::Debug) -> Response {
    tracing::error!(error = ?e, "reading the verifiable log failed");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        code::INTERNAL,
        INTERNAL_MESSAGE,
    )
}

fn text(body: String, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

pub async fn checkpoint(State(state): State<AppState>, caller: Caller) -> Response {
    let rc = context(&state, caller);
    if rc.log_key().is_none() {
        return error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, NO_LOG);
    }
    match rc.log_checkpoint().await {
        Ok(Some(cp)) => text(cp.note, "no-cache"),
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "the log has no checkpoint yet: the trace is empty or not yet integrated",
        ),
        Err(e) => internal(e),
    }
}

pub async fn key(State(state): State<AppState>, caller: Caller) -> Response {
    let rc = context(&state, caller);
    match rc.log_key() {
        Some(key) => text(format!("{key}\n"), "no-cache"),
        None => error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, NO_LOG),
    }
}

/// The error's answer outside GraphQL.
fn failure(e: Error) -> Response {
    match e {
        Error::BadInput(input) => error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            &format!("{}: {}", input.field, input.message),
        ),
        Error::Forbidden(message) => {
            error_response(StatusCode::FORBIDDEN, code::FORBIDDEN, &message)
        }
        Error::NotFound(message) => error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, message),
        other => internal(other),
    }
}

const IG_ONLY: &str = "only information-governance staff may read or co-sign the log's checkpoints";

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    from: u64,
    to: Option<u64>,
}

pub async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ConsistencyParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let rc = context(&state, caller);
    let Ok(ig) = rc.ig() else {
        return error_response(StatusCode::FORBIDDEN, code::FORBIDDEN, IG_ONLY);
    };
    let Ok(Query(params)) = params else {
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "from (a checkpoint's size) is required; to is optional",
        );
    };
    match ig.consistency(params.from, params.to).await {
        Ok(proof) => axum::Json(proof).into_response(),
        Err(e) => failure(e),
    }
}

pub async fn cosign(State(state): State<AppState>, caller: Caller, body: String) -> Response {
    let rc = context(&state, caller);
    let Ok(ig) = rc.ig() else {
        return error_response(StatusCode::FORBIDDEN, code::FORBIDDEN, IG_ONLY);
    };
    match ig.add_cosignature(&body).await {
        Ok(note) => text(note, "no-cache"),
        Err(e) => failure(e),
    }
}

/// A tile path after `/trace/tile/`, checked before the crate parses it
/// (whose constructor asserts on a zero width or a level past 63): height
/// 8, a hash tile (not `data`), a width of 1 to 255 when partial.
fn parse_tile(path: &str) -> Option<Tile> {
    let rest = path.strip_prefix(&format!("{TILE_HEIGHT}/"))?;
    let (level, _) = rest.split_once('/')?;
    if level.is_empty() || level.len() > 2 || !level.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    level.parse::<u8>().ok().filter(|l| *l < 8)?;
    if let Some((_, width)) = rest.rsplit_once(".p/") {
        width.parse::<u32>().ok().filter(|w| (1..256).contains(w))?;
    }
    Tile::from_path(&format!("tile/{path}")).ok()
}

pub async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
) -> Response {
    let rc = context(&state, caller);
    let ig = match rc.ig() {
        Ok(ig) => ig,
        Err(_) => {
            return error_response(
                StatusCode::FORBIDDEN,
                code::FORBIDDEN,
                "only information-governance staff may read the log's tiles",
            );
        }
    };
    let Some(tile) = parse_tile(&path) else {
        return error_response(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "not a tile path: /trace/tile/8/{level}/{index}[.p/{width}], index as x001/234",
        );
    };
    match ig
        .log_tile(tile.level(), tile.level_index(), tile.width())
        .await
    {
        Ok(Some(data)) => {
            let full = tile.width() == 1 << TILE_HEIGHT;
            let mut response = data.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            // A full tile never changes; a partial one is replaced by a
            // wider one under another path, so it never changes either.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if full {
                    "private, max-age=31536000, immutable"
                } else {
                    "private, max-age=86400"
                }),
            );
            response
        }
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "the log does not hold that tile (yet)",
        ),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_tile;

    #[test]
    fn tile_paths_are_checked_before_parsing() {
        let t = parse_tile("8/0/000").expect("tile");
        assert_eq!((t.level(), t.level_index(), t.width()), (0, 0, 256));
        let t = parse_tile("8/1/x001/234.p/7").expect("tile");
        assert_eq!((t.level(), t.level_index(), t.width()), (1, 1234, 7));
        for bad in [
            "8/0/000.p/0",
            "8/0/000.p/256",
            "8/200/000",
            "8/64/000",
            "8/data/000",
            "9/0/000",
            "8/0/1",
            "8/0/x001/x002",
            "8//000",
            "8/0/000.p/",
            "8/0/-1",
            "",
        ] {
            assert!(parse_tile(bad).is_none(), "{bad}");
        }
    }
}

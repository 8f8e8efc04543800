//! The one check of a caller, for POST, the WebSocket and the export: the
//! [`Caller`] extractor (token, registered agency, failed attempts traced,
//! purpose of use) and [`context_for`], the one place a request's
//! [`RequestContext`] is built.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use consent::{Principal, Purpose};

use super::error::error_response;
use super::request_id::request_id_of;
use super::state::AppState;
use crate::access::RequestContext;
use crate::auth::{AgencyClaim, AuthError, MappedIdentity};
use crate::error::{INTERNAL_MESSAGE, code};

/// A verified caller of an HTTP endpoint that carries its token in headers.
/// Extracting it authenticates (a failure is traced and answered 401) and
/// reads `X-Purpose-Of-Use` (a bad one is answered 400).
#[derive(Debug)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let request_id = request_id_of(&parts.headers);
        let source = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let (mut principal, _) =
            authenticate(state, authorization_of(&parts.headers), &request_id, source)
                .await
                .map_err(Refused::into_response)?;
        principal.purpose =
            purpose_of(parts.headers.get(PURPOSE).map(|v| v.to_str())).map_err(|message| {
                error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message)
            })?;
        Ok(Self {
            principal,
            request_id,
        })
    }
}

/// What a bad purpose of use is told.
pub const PURPOSE_MESSAGE: &str =
    "X-Purpose-Of-Use must be one of DIRECT_SUPPORT, EHC_ASSESSMENT, ANNUAL_REVIEW, SAFEGUARDING";

/// The stated purpose of use, if any (header or WebSocket payload).
pub fn purpose_of<E>(value: Option<Result<&str, E>>) -> Result<Option<Purpose>, &'static str> {
    match value {
        None => Ok(None),
        Some(v) => v
            .ok()
            .and_then(|v| v.trim().parse::<Purpose>().ok())
            .map(Some)
            .ok_or(PURPOSE_MESSAGE),
    }
}

/// The one place a request's context is built, for every transport.
pub fn context_for(
    state: &AppState,
    principal: Principal,
    request_id: String,
    trace_id: Option<String>,
    now: DateTime<Utc>,
) -> RequestContext {
    state.hub.request(principal, request_id, trace_id, now)
}

/// The header a practitioner states their purpose of use in.
pub const PURPOSE: &str = "x-purpose-of-use";

/// Why a caller was not let in.
pub(crate) enum Refused {
    /// 401 with this message.
    Unauthenticated(String),
    /// The failure could not be traced: 500, nothing else.
    Internal,
}

impl Refused {
    pub(crate) fn into_response(self) -> Response {
        match self {
            Refused::Unauthenticated(message) => {
                error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, &message)
            }
            Refused::Internal => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                INTERNAL_MESSAGE,
            ),
        }
    }
}

/// The one check of a caller, for POST, the WebSocket and the export alike:
/// the token verifies, and its agency is one the hub registers, of the kind
/// the token claims. A failure is traced (aggregated per source, see
/// [`FailedAuth`]) with its reason, never token material.
pub(crate) async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
    request_id: &str,
    source: std::net::IpAddr,
) -> Result<(consent::Principal, Option<chrono::DateTime<Utc>>), Refused> {
    // Boxed: verification and the register lookup are large futures, and
    // requests are polled on small stacks.
    let verified = match Box::pin(state.auth.authenticate_session(authorization)).await {
        Ok((identity, expires)) => Box::pin(registered(state, identity))
            .await
            .map(|p| (p, expires)),
        Err(e) => Err(Some(e)),
    };
    match verified {
        Ok(ok) => Ok(ok),
        Err(None) => Err(Refused::Internal),
        Err(Some(e)) => {
            tracing::info!(reason = e.code(), "authentication failed");
            let now = state.clock.unwrap_or_else(Utc::now);
            match state
                .failed_auth
                .record(source, e.code(), request_id, now)
                .await
            {
                Ok(()) => Err(Refused::Unauthenticated(e.to_string())),
                Err(_) => Err(Refused::Internal),
            }
        }
    }
}

/// The principal, its agency found in the register: by the hub's id (the
/// kind the token claims must be the registered one), or by an external
/// identifier (the kind is the register's); registered, not retired.
/// `Err(None)` when the register cannot be read. The one resolution for
/// POST, the WebSocket, exports and the pages' sessions.
pub(crate) async fn registered(
    state: &AppState,
    identity: MappedIdentity,
) -> Result<consent::Principal, Option<AuthError>> {
    let read_failed = |e: store::StoreError| {
        tracing::error!(error = ?e, "reading the agency register failed");
        None
    };
    let (id, claimed_kind) = match &identity.agency {
        None => return Ok(identity.into_principal(None)),
        Some(AgencyClaim::Registered(agency)) => (agency.id, Some(agency.kind)),
        Some(AgencyClaim::Id(id)) => (*id, None),
        Some(AgencyClaim::External { identifier, at }) => {
            match state.store.agency_id_by_identifier(identifier).await {
                Ok(Some(id)) => (id, None),
                Ok(None) => return Err(Some(AuthError::UnknownAgencyIdentifier(at.clone()))),
                Err(e) => return Err(read_failed(e)),
            }
        }
    };
    let registered = match state.store.active_agency(id).await {
        Ok(Some(registered)) => registered,
        Ok(None) => {
            return match state.store.agency(id).await {
                Ok(Some(_)) => Err(Some(AuthError::RetiredAgency)),
                Ok(None) => Err(Some(AuthError::UnknownAgency)),
                Err(e) => Err(read_failed(e)),
            };
        }
        Err(e) => return Err(read_failed(e)),
    };
    if claimed_kind.is_some_and(|kind| kind != registered.kind) {
        return Err(Some(AuthError::AgencyKindMismatch));
    }
    Ok(identity.into_principal(Some(consent::AgencyRef {
        id,
        kind: registered.kind,
    })))
}

/// The `Authorization` header, if it is text.
pub(crate) fn authorization_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

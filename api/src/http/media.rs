//! GraphQL over HTTP's media types: which one an answer is sent in (the
//! request's `Accept`), and which request bodies the hub reads
//! (`Content-Type`). The status codes each implies live with the handler
//! ([`crate::http::graphql`]).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

/// The GraphQL over HTTP media type for answers: its status codes say
/// whether execution started (200) or the request was refused (4xx).
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const GRAPHQL_RESPONSE_JSON_UTF8: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json";

/// The media type an answer is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `application/graphql-response+json`.
    GraphqlResponse,
    /// `application/json`, for clients written before the specification:
    /// the hub's status codes as they always were.
    Json,
}

/// The request's `Accept` names nothing the hub can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAcceptable;

/// How well one of our types matches a media range: its quality, then how
/// specific the range was (exact 2, `application/*` 1, `*/*` 0), then how
/// early it was listed (earlier is better, so it is negated).
type Score = (u16, u8, isize);

/// Chooses the answer's media type from `Accept`, as GraphQL over HTTP
/// says: the most preferred type the hub supports; without `Accept`,
/// `application/graphql-response+json` (the specification's default since
/// 2025); a wildcard alone (`*/*`, what many HTTP libraries send by
/// default) gets `application/json`, as legacy clients expect.
pub fn negotiate(headers: &HeaderMap) -> Result<Answer, NotAcceptable> {
    let mut ranges = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .peekable();
    if ranges.peek().is_none() {
        return Ok(Answer::GraphqlResponse);
    }
    let mut best_graphql: Option<Score> = None;
    let mut best_json: Option<Score> = None;
    for (position, range) in ranges.enumerate() {
        let Ok(mime) = range.parse::<mime::Mime>() else {
            continue;
        };
        let quality = mime
            .get_param("q")
            .and_then(|q| q.as_str().parse::<f32>().ok())
            .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
        let position = -(position as isize);
        let (kind, sub) = (mime.type_().as_str(), mime.subtype().as_str());
        let suffix = mime.suffix().map(|s| s.as_str());
        let specificity = match (kind, sub, suffix) {
            ("*", "*", _) => Some((0, true, true)),
            ("application", "*", _) => Some((1, true, true)),
            ("application", "graphql-response", Some("json")) => Some((2, true, false)),
            ("application", "json", None) => Some((2, false, true)),
            _ => None,
        };
        let Some((specificity, graphql, json)) = specificity else {
            continue;
        };
        let score = (quality, specificity, position);
        // The most specific range that matches a type decides its quality.
        let better =
            |best: &Option<Score>| best.is_none_or(|b| (specificity, position) > (b.1, b.2));
        if graphql && better(&best_graphql) {
            best_graphql = Some(score);
        }
        if json && better(&best_json) {
            best_json = Some(score);
        }
    }
    let acceptable = |s: Option<Score>| s.filter(|s| s.0 > 0);
    match (acceptable(best_graphql), acceptable(best_json)) {
        (None, None) => Err(NotAcceptable),
        (Some(_), None) => Ok(Answer::GraphqlResponse),
        (None, Some(_)) => Ok(Answer::Json),
        // A wildcard alone means a legacy client: application/json wins
        // ties unless application/graphql-response+json was named.
        (Some(g), Some(j)) if g > j => Ok(Answer::GraphqlResponse),
        (Some(_), Some(_)) => Ok(Answer::Json),
    }
}

impl Answer {
    /// The `Content-Type` of an answer in this media type.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Answer::GraphqlResponse => GRAPHQL_RESPONSE_JSON_UTF8,
            Answer::Json => JSON,
        })
    }

    /// Relabels a JSON answer (a GraphQL response or a GraphQL-shaped
    /// error) with this media type.
    pub fn label(self, mut response: Response) -> Response {
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(JSON));
        if is_json {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, self.content_type());
        }
        response
    }
}

/// A request body the hub reads: `application/json`, in UTF-8 (the
/// default). Anything else, or no `Content-Type` at all, is refused (415)
/// with this message.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), &'static str> {
    const MESSAGE: &str =
        "send the GraphQL request as JSON, with Content-Type: application/json (UTF-8)";
    let Some(mime) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
    else {
        return Err(MESSAGE);
    };
    let utf8 = mime
        .get_param(mime::CHARSET)
        .is_none_or(|c| c == mime::UTF_8);
    if mime.essence_str() == JSON && utf8 {
        Ok(())
    } else {
        Err(MESSAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: Option<&str>) -> Result<Answer, NotAcceptable> {
        let mut headers = HeaderMap::new();
        if let Some(v) = value {
            headers.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        }
        negotiate(&headers)
    }

    #[test]
    fn accept_chooses_the_preferred_supported_type() {
        use Answer::*;
        assert_eq!(accept(None), Ok(GraphqlResponse));
        assert_eq!(accept(Some("*/*")), Ok(Json));
        assert_eq!(accept(Some("application/*")), Ok(Json));
        assert_eq!(accept(Some("application/json")), Ok(Json));
        assert_eq!(accept(Some(GRAPHQL_RESPONSE_JSON)), Ok(GraphqlResponse));
        assert_eq!(
            accept(Some(
                "application/graphql-response+json; charset=utf-8, application/json; charset=utf-8"
            )),
            Ok(GraphqlResponse)
        );
        assert_eq!(
            accept(Some("application/json, application/graphql-response+json")),
            Ok(Json)
        );
        assert_eq!(
            accept(Some(
                "application/json;q=0.9, application/graphql-response+json"
            )),
            Ok(GraphqlResponse)
        );
        assert_eq!(
            accept(Some("application/graphql-response+json, */*;q=0.1")),
            Ok(GraphqlResponse)
        );
        assert_eq!(
            accept(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Ok(Json)
        );
        assert_eq!(accept(Some("text/plain")), Err(NotAcceptable));
        assert_eq!(
            accept(Some("application/json;q=0, text/plain")),
            Err(NotAcceptable)
        );
        // A type refused by name is refused even under a wildcard.
        assert_eq!(
            accept(Some("*/*, application/json;q=0")),
            Ok(GraphqlResponse)
        );
    }

    #[test]
    fn only_json_request_bodies_are_read() {
        let with = |v: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(v).expect("header"),
            );
            check_content_type(&headers)
        };
        assert!(with("application/json").is_ok());
        assert!(with("application/json; charset=utf-8").is_ok());
        assert!(with("Application/JSON; charset=UTF-8").is_ok());
        assert!(with("application/json; charset=latin1").is_err());
        assert!(with("text/plain").is_err());
        assert!(with("application/graphql").is_err());
        assert!(with("application/x-www-form-urlencoded").is_err());
        assert!(check_content_type(&HeaderMap::new()).is_err());
    }
}

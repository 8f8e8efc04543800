//! Verified claims → a [`MappedIdentity`], by an issuer's [`ClaimsMap`]:
//! each attribute read by a JSON pointer (RFC 6901), role values mapped to
//! tellonce's roles, the agency by the hub's UUID or by an external
//! identifier the HTTP layer resolves in the agency register. Pure: no IO.
//! Errors name the pointer, never a claim's value.

use std::collections::BTreeSet;

use consent::{AgencyRef, Principal, Role};
use domain::{AgencyIdentifier, AgencyKind};
use serde_json::Value;
use uuid::Uuid;

use super::AuthError;
use crate::config::ClaimsMap;

/// How a token names the agency its holder acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgencyClaim {
    /// The hub's agency id and the kind the token claims (checked against
    /// the register).
    Registered(AgencyRef),
    /// The hub's agency id; the kind comes from the register.
    Id(Uuid),
    /// An external identifier (ODS code, URN, …), found in the register;
    /// `at` is where the token carried it (for messages).
    External {
        identifier: AgencyIdentifier,
        at: String,
    },
}

/// Who a verified token says its holder is, before the agency register is
/// consulted (`http::auth::registered` makes the [`Principal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedIdentity {
    pub subject: String,
    pub roles: BTreeSet<Role>,
    pub person_id: Option<String>,
    pub agency: Option<AgencyClaim>,
}

impl MappedIdentity {
    /// The principal, acting for `agency` (resolved from [`Self::agency`]).
    pub fn into_principal(self, agency: Option<AgencyRef>) -> Principal {
        Principal {
            subject: self.subject,
            agency,
            roles: self.roles,
            person_id: self.person_id,
            purpose: None,
        }
    }
}

/// How a pointer is named in messages: `/roles` as `roles` (as the hub's
/// own claims always were), nested ones as the pointer.
fn label(pointer: &str) -> String {
    match pointer.strip_prefix('/') {
        Some(name) if !name.contains(['/', '~']) => name.to_owned(),
        _ => pointer.to_owned(),
    }
}

fn missing(pointer: &str) -> AuthError {
    AuthError::MissingMappedClaim(label(pointer))
}

fn invalid(pointer: &str, must: &str) -> AuthError {
    AuthError::InvalidMappedClaim(label(pointer), must.to_owned())
}

/// A string at `pointer`: `None` if absent, null or empty.
fn text<'a>(claims: &'a Value, pointer: &str) -> Result<Option<&'a str>, AuthError> {
    match claims.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(pointer, "must be a string")),
    }
}

/// The longest identifier claim kept (`sub`, `person_id`).
const MAX_IDENTIFIER_BYTES: usize = 255;

/// An identifier claim goes into storage and the access trace: no control
/// characters (PostgreSQL refuses NUL in text), bounded length.
fn identifier(pointer: &str, value: &str) -> Result<String, AuthError> {
    if value.chars().any(char::is_control) {
        return Err(invalid(pointer, "must not contain control characters"));
    }
    if value.len() > MAX_IDENTIFIER_BYTES {
        return Err(invalid(
            pointer,
            &format!("must be at most {MAX_IDENTIFIER_BYTES} bytes"),
        ));
    }
    Ok(value.to_owned())
}

/// The role values the token carries at `map.roles`.
fn role_values<'a>(map: &ClaimsMap, claims: &'a Value) -> Result<Option<Vec<&'a str>>, AuthError> {
    match claims.pointer(&map.roles) {
        None | Some(Value::Null) => Ok(None),
        // Identity providers mix in values of their own: non-strings are
        // ignored like unknown names.
        Some(Value::Array(items)) => Ok(Some(items.iter().filter_map(Value::as_str).collect())),
        Some(Value::String(s)) => Ok(Some(match &map.roles_separator {
            Some(sep) => s.split(sep.as_str()).filter(|v| !v.is_empty()).collect(),
            None => vec![s.as_str()],
        })),
        Some(_) => Err(invalid(
            &map.roles,
            "must be an array of strings or a string",
        )),
    }
}

/// Maps verified claims by `map`. Roles the map does not name grant
/// nothing; with `require_role`, a token left with none is refused.
pub fn map_claims(map: &ClaimsMap, claims: &Value) -> Result<MappedIdentity, AuthError> {
    let subject = text(claims, &map.subject)?.ok_or_else(|| missing(&map.subject))?;
    let subject = identifier(&map.subject, subject)?;

    let grant = |value: &str| match map.role_values.is_empty() {
        true => Role::from_claim(value),
        false => map.role_values.get(value).and_then(|r| Role::from_claim(r)),
    };
    let roles: BTreeSet<Role> = if map.fixed_roles.is_empty() {
        match role_values(map, claims)? {
            Some(values) => values.into_iter().filter_map(grant).collect(),
            // An IdP that translates role values leaves the claim out when
            // a user has no role assigned: that is "no recognised role".
            None if map.require_role && !map.role_values.is_empty() => BTreeSet::new(),
            None => return Err(missing(&map.roles)),
        }
    } else {
        map.fixed_roles
            .iter()
            .filter_map(|r| Role::from_claim(r))
            .collect()
    };
    if roles.is_empty() && map.require_role {
        return Err(AuthError::NoRecognisedRole(map.roles.clone()));
    }

    let person_id = match &map.person_id {
        Some(pointer) => match text(claims, pointer)? {
            Some(p) => Some(identifier(pointer, p)?),
            None => None,
        },
        None => None,
    };

    let acts_for_agency = roles.iter().any(|r| r.is_practitioner() || r.is_ig());
    let agency = if let (Some(pointer), Some(scheme)) = (&map.agency_identifier, map.agency_scheme)
    {
        match text(claims, pointer)?.and_then(|v| AgencyIdentifier::new(scheme, v)) {
            Some(identifier) => Some(AgencyClaim::External {
                identifier,
                at: format!("{} at {pointer}", scheme.code()),
            }),
            None if acts_for_agency => return Err(missing(pointer)),
            None => None,
        }
    } else if let Some(id) = map.fixed_agency {
        acts_for_agency.then_some(AgencyClaim::Id(id))
    } else {
        let id = claims.pointer(&map.agency_id).filter(|v| !v.is_null());
        let kind = claims.pointer(&map.agency_kind).filter(|v| !v.is_null());
        match (id, kind) {
            (Some(id), Some(kind)) => {
                let id = id
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| invalid(&map.agency_id, "must be a UUID"))?;
                let kind = kind.as_str().and_then(AgencyKind::from_claim).ok_or_else(|| {
                    invalid(
                        &map.agency_kind,
                        "must be one of school, camhs, slt, ot, ep, social_care, youth_justice, health, la_send",
                    )
                })?;
                Some(AgencyClaim::Registered(AgencyRef { id, kind }))
            }
            (None, _) if acts_for_agency => return Err(missing(&map.agency_id)),
            (_, None) if acts_for_agency => return Err(missing(&map.agency_kind)),
            _ => None,
        }
    };
    let is_family = roles.contains(&Role::Family) || roles.contains(&Role::YoungPerson);
    if is_family && person_id.is_none() {
        return Err(missing(map.person_id.as_deref().unwrap_or("/person_id")));
    }
    Ok(MappedIdentity {
        subject,
        roles,
        person_id,
        agency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::IdentifierScheme;
    use serde_json::json;

    const CAMHS: &str = "7f3b6a8e-3c1a-4f57-9d43-2f1f1b1e0a01";

    fn default_map(claims: Value) -> Result<MappedIdentity, AuthError> {
        map_claims(&ClaimsMap::default(), &claims)
    }

    #[test]
    fn the_default_map_reads_tellonces_own_claims() {
        let p = default_map(json!({
            "sub": "u1", "roles": ["practitioner", "offline_access"],
            "agency_id": CAMHS, "agency_kind": "camhs"
        }))
        .expect("valid");
        assert_eq!(p.roles.len(), 1);
        assert!(
            matches!(p.agency, Some(AgencyClaim::Registered(a)) if a.kind == AgencyKind::Camhs)
        );

        let missing_kind = default_map(json!({
            "sub": "u1", "roles": ["practitioner"], "agency_id": CAMHS
        }));
        assert_eq!(
            missing_kind.map_err(|e| e.to_string()),
            Err("token is missing the 'agency_kind' claim".into())
        );
        let bad_kind = default_map(json!({
            "sub": "u1", "roles": ["practitioner"], "agency_id": CAMHS, "agency_kind": "police"
        }));
        assert!(matches!(bad_kind, Err(AuthError::InvalidMappedClaim(c, _)) if c == "agency_kind"));
        assert_eq!(
            default_map(json!({"sub": "p", "roles": ["family"]})),
            Err(AuthError::MissingMappedClaim("person_id".into()))
        );
        assert_eq!(
            default_map(json!({"sub": "p"})),
            Err(AuthError::MissingMappedClaim("roles".into()))
        );
        // Unknown roles grant nothing, and a token left with none is
        // refused, never an empty principal.
        assert_eq!(
            default_map(json!({"sub": "p", "roles": ["offline_access"]})),
            Err(AuthError::NoRecognisedRole("/roles".into()))
        );
        let lenient = ClaimsMap {
            require_role: false,
            ..ClaimsMap::default()
        };
        let none =
            map_claims(&lenient, &json!({"sub": "p", "roles": ["offline_access"]})).expect("valid");
        assert!(none.roles.is_empty());
    }

    fn keycloak() -> ClaimsMap {
        ClaimsMap {
            roles: "/resource_access/tellonce/roles".into(),
            role_values: [("send-practitioner".to_owned(), "practitioner".to_owned())].into(),
            agency_identifier: Some("/agency_urn".into()),
            agency_scheme: Some(IdentifierScheme::Urn),
            require_role: true,
            ..ClaimsMap::default()
        }
    }

    #[test]
    fn pointers_reach_nested_claims_and_values_are_mapped() {
        let id = map_claims(
            &keycloak(),
            &json!({
                "sub": "kc-1",
                "resource_access": {"tellonce": {"roles": ["send-practitioner", "uma"]}},
                "agency_urn": " 100234 "
            }),
        )
        .expect("valid");
        assert_eq!(id.roles, [Role::Practitioner].into());
        assert_eq!(
            id.agency,
            Some(AgencyClaim::External {
                identifier: AgencyIdentifier::new(IdentifierScheme::Urn, "100234").expect("id"),
                at: "URN at /agency_urn".into(),
            })
        );
        // Mapped names only: a tellonce role name itself grants nothing here.
        let err = map_claims(
            &keycloak(),
            &json!({"sub": "kc-1", "resource_access": {"tellonce": {"roles": ["practitioner"]}}}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the token carries no role this hub recognises (looked at /resource_access/tellonce/roles)"
        );
        // Absent altogether: the same answer, naming where it looked.
        assert_eq!(
            map_claims(&keycloak(), &json!({"sub": "kc-1"})),
            Err(AuthError::NoRecognisedRole(
                "/resource_access/tellonce/roles".into()
            ))
        );
        // The agency identifier is required for a practitioner; the error
        // names the pointer, not a value.
        let err = map_claims(
            &keycloak(),
            &json!({"sub": "kc-1", "resource_access": {"tellonce": {"roles": ["send-practitioner"]}},
                    "agency_urn": 7}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "token claim 'agency_urn' is invalid: must be a string"
        );
    }

    #[test]
    fn a_string_claim_is_one_role_or_split_on_the_separator() {
        let mut map = ClaimsMap {
            roles: "/scp".into(),
            role_values: [
                ("Tellonce.Read".to_owned(), "practitioner".to_owned()),
                ("Tellonce.Audit".to_owned(), "ig_auditor".to_owned()),
            ]
            .into(),
            require_role: true,
            fixed_agency: Some(Uuid::parse_str(CAMHS).expect("uuid")),
            ..ClaimsMap::default()
        };
        let claims = json!({"sub": "s", "scp": "Tellonce.Read Tellonce.Audit"});
        assert!(matches!(
            map_claims(&map, &claims),
            Err(AuthError::NoRecognisedRole(_))
        ));
        map.roles_separator = Some(" ".into());
        let id = map_claims(&map, &claims).expect("valid");
        assert_eq!(id.roles, [Role::Practitioner, Role::IgAuditor].into());
        assert_eq!(
            id.agency,
            Some(AgencyClaim::Id(Uuid::parse_str(CAMHS).expect("uuid")))
        );
    }

    #[test]
    fn an_issuer_for_families_fixes_the_role() {
        let map = ClaimsMap {
            fixed_roles: vec!["family".into()],
            person_id: Some("/sub".into()),
            require_role: true,
            ..ClaimsMap::default()
        };
        let id = map_claims(
            &map,
            &json!({"sub": "nhs-login-1", "roles": ["practitioner"]}),
        )
        .expect("valid");
        assert_eq!(id.roles, [Role::Family].into());
        assert_eq!(id.person_id.as_deref(), Some("nhs-login-1"));
        assert_eq!(id.agency, None);
    }

    #[test]
    fn cis2_role_profiles_by_index() {
        let map = ClaimsMap {
            subject: "/nhsid_useruid".into(),
            roles: "/nhsid_nrbac_roles/0/role_code".into(),
            role_values: [("S8000:G8000:R8000".to_owned(), "practitioner".to_owned())].into(),
            agency_identifier: Some("/nhsid_nrbac_roles/0/org_code".into()),
            agency_scheme: Some(IdentifierScheme::Ods),
            require_role: true,
            ..ClaimsMap::default()
        };
        let id = map_claims(
            &map,
            &json!({"sub": "x", "nhsid_useruid": "555021935107",
                    "nhsid_nrbac_roles": [{"role_code": "S8000:G8000:R8000", "org_code": "rbs"}]}),
        )
        .expect("valid");
        assert_eq!(id.subject, "555021935107");
        assert!(
            matches!(id.agency, Some(AgencyClaim::External { identifier, .. }) if identifier.value == "RBS")
        );
        assert_eq!(
            map_claims(&map, &json!({"sub": "x", "nhsid_nrbac_roles": []})),
            Err(AuthError::MissingMappedClaim("nhsid_useruid".into()))
        );
    }
}

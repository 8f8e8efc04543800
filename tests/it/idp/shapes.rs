//! Tokens as Entra ID, Keycloak and CIS2 issue them, mapped by the
//! documented configs: the principal, the agency by ODS code or URN, and
//! every way such a token is refused.

use domain::AgencyKind;
use serde_json::{Value, json};

use super::{Idp, documented_issuer, hub_trusting, identify, me, now, refused, retire};
use crate::helpers::{EcKey, RsaKey, TestApp};

/// A token signer of either key type.
enum Signer {
    Rsa(RsaKey),
    Ec(EcKey),
}

impl Signer {
    fn jwk(&self) -> Value {
        match self {
            Signer::Rsa(k) => k.jwk.clone(),
            Signer::Ec(k) => k.jwk.clone(),
        }
    }
    fn sign(&self, claims: &Value) -> String {
        match self {
            Signer::Rsa(k) => k.sign(claims),
            Signer::Ec(k) => k.sign(claims),
        }
    }
    fn kid(&self) -> &str {
        match self {
            Signer::Rsa(k) => &k.kid,
            Signer::Ec(k) => &k.kid,
        }
    }
}

/// One IdP's shape: its documented config, how its tokens look, and where
/// the agency's identifier and the roles sit in them.
struct Shape {
    file: &'static str,
    path: &'static str,
    scheme: &'static str,
    audience: &'static str,
    /// Claims of a practitioner of the agency identified by `identifier`.
    claims: fn(issuer: &str, identifier: &str) -> Value,
    /// Replaces the token's roles with these IdP values.
    set_roles: fn(&mut Value, &[&str]),
    /// The subject the hub should see.
    subject: &'static str,
}

const ENTRA_TENANT: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const ENTRA_EXTENSION: &str = "extension_5c1a3b0e8f2d4a7e9b610d3c2e4f5a6b_agencyOds";

fn entra() -> Shape {
    Shape {
        file: "entra-id.toml",
        path: "/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/v2.0",
        scheme: "ODS",
        audience: "5c1a3b0e-8f2d-4a7e-9b61-0d3c2e4f5a6b",
        claims: |issuer, ods| {
            let t = now();
            json!({
                "aud": "5c1a3b0e-8f2d-4a7e-9b61-0d3c2e4f5a6b",
                "iss": issuer, "iat": t, "nbf": t, "exp": t + 3600,
                "aio": "AXQAi/8TAAAA", "azp": "0f3c2e4f-1111-4a7e-9b61-5c1a3b0e8f2d",
                "azpacr": "1", "name": "Sam Okafor",
                "oid": "9f1e6c2a-5b7d-4e3f-8a1b-2c3d4e5f6a7b",
                "preferred_username": "sam.okafor@northshire.nhs.uk",
                "rh": "0.AAAA", "roles": ["Tellonce.Practitioner", "Directory.Reader"],
                "scp": "access_as_user",
                "sub": "pairwise-subject-for-this-app", "tid": ENTRA_TENANT,
                "uti": "AbCdEf", "ver": "2.0",
                ENTRA_EXTENSION: ods,
            })
        },
        set_roles: |claims, roles| claims["roles"] = json!(roles),
        subject: "9f1e6c2a-5b7d-4e3f-8a1b-2c3d4e5f6a7b",
    }
}

fn keycloak() -> Shape {
    Shape {
        file: "keycloak.toml",
        path: "/realms/send",
        scheme: "URN",
        audience: "tellonce",
        claims: |issuer, urn| {
            let t = now();
            json!({
                "exp": t + 300, "iat": t, "auth_time": t,
                "jti": "b3c1f0e2-7d4a-4f3e-9c2b-1a0e5d6f7a8b",
                "iss": issuer, "aud": ["tellonce", "account"],
                "sub": "f:2d4c:kc-user-17", "typ": "Bearer", "azp": "tellonce-portal",
                "session_state": "5e2f", "acr": "1",
                "realm_access": {"roles": ["offline_access", "uma_authorization", "default-roles-send"]},
                "resource_access": {
                    "tellonce": {"roles": ["send-practitioner"]},
                    "account": {"roles": ["manage-account"]}
                },
                "scope": "openid profile email", "email_verified": true,
                "preferred_username": "j.bloggs", "agency_urn": urn,
            })
        },
        set_roles: |claims, roles| claims["resource_access"]["tellonce"]["roles"] = json!(roles),
        subject: "f:2d4c:kc-user-17",
    }
}

fn cis2() -> Shape {
    Shape {
        file: "cis2.toml",
        path: "/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare",
        scheme: "ODS",
        audience: "tellonce-northshire-client-id",
        claims: |issuer, ods| {
            let t = now();
            json!({
                "at_hash": "z0xP", "sub": "910000000001", "auditTrackingId": "a1-b2",
                "amr": ["N3_SMARTCARD"], "iss": issuer, "tokenName": "id_token",
                "aud": "tellonce-northshire-client-id", "c_hash": "q1w2",
                "acr": "AAL3_ANY", "azp": "tellonce-northshire-client-id",
                "auth_time": t, "realm": "/NHSIdentity/Healthcare",
                "exp": t + 3600, "tokenType": "JWTToken", "iat": t,
                "nhsid_useruid": "555021935107",
                "nhsid_nrbac_roles": [
                    {
                        "person_orgid": "555254239107", "person_roleid": "555254240100",
                        "org_code": ods, "role_name": "\"Clinical\":\"Clinical Provision\":\"Clinical Practitioner Access Role\"",
                        "role_code": "S8000:G8000:R8000",
                        "activities": ["Receive Self Claimed LR Alerts"],
                        "activity_codes": ["B0360"]
                    },
                    {
                        "person_orgid": "555254239108", "person_roleid": "555254240101",
                        "org_code": "X26", "role_name": "\"Admin\":\"Management\":\"Registration Authority Agent\"",
                        "role_code": "S8001:G8005:R8008"
                    }
                ],
                "selected_roleid": "555254240100",
            })
        },
        set_roles: |claims, roles| {
            claims["nhsid_nrbac_roles"][0]["role_code"] = json!(roles.first().copied());
        },
        subject: "555021935107",
    }
}

/// Everything one shape must do, against a hub trusting it and another IdP.
async fn the_shape_works(shape: Shape, key: Signer, identifier: &str, kind: AgencyKind) {
    let idp = Idp::start(shape.path, json!({ "keys": [key.jwk()] })).await;
    let other_key = EcKey::generate("other-1");
    let other = Idp::start("/other", json!({ "keys": [other_key.jwk] })).await;
    let mut other_issuer = documented_issuer(shape.file, &other);
    other_issuer.name = "other".into();
    let app = hub_trusting(vec![documented_issuer(shape.file, &idp), other_issuer]).await;
    let agency = app.agency(kind).create().await;
    identify(&app, agency.id, shape.scheme, identifier).await;
    let claims = (shape.claims)(&idp.issuer, &identifier.to_ascii_lowercase());

    // The principal: subject, mapped role, agency found by its identifier
    // (matched case-insensitively), kind from the register.
    let who = me(&app, &key.sign(&claims)).await;
    assert_eq!(who["subject"], shape.subject, "{who}");
    assert_eq!(who["roles"], json!(["PRACTITIONER"]), "{who}");
    assert_eq!(who["agencyId"], agency.id.to_string(), "{who}");
    assert_eq!(who["agencyKind"], json!(kind.code()), "{who}");

    // Only unmapped roles: refused, naming where the hub looked.
    let mut unmapped = claims.clone();
    (shape.set_roles)(&mut unmapped, &["practitioner", "Something.Else"]);
    refused(
        &app,
        &key.sign(&unmapped),
        "the token carries no role this hub recognises (looked at /",
    )
    .await;

    // An identifier the register does not hold.
    let stranger = (shape.claims)(&idp.issuer, "ZZ999");
    refused(
        &app,
        &key.sign(&stranger),
        &format!("agency identifier ({} at /", shape.scheme),
    )
    .await;

    // The wrong audience for this issuer.
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("someone-else");
    refused(&app, &key.sign(&wrong_aud), "wrong token audience").await;
    assert_ne!(shape.audience, "someone-else");

    // Issuer X's token signed with issuer Y's key: under X's kid the
    // signature fails; under Y's kid X has no such key.
    let forged = match &key {
        Signer::Rsa(_) => {
            let y = RsaKey::generate(key.kid());
            y.sign(&claims)
        }
        Signer::Ec(_) => EcKey::generate(key.kid()).sign(&claims),
    };
    refused(&app, &forged, "bad token signature").await;
    refused(&app, &other_key.sign(&claims), "unknown signing key").await;
    // …while Y's own token, with Y's issuer, is fine: two issuers side by side.
    let y_claims = (shape.claims)(&other.issuer, identifier);
    assert_eq!(
        me(&app, &other_key.sign(&y_claims)).await["agencyId"],
        agency.id.to_string()
    );

    // A token naming an issuer the hub does not trust.
    let mut unknown_iss = claims.clone();
    unknown_iss["iss"] = json!("https://login.example/elsewhere");
    refused(&app, &key.sign(&unknown_iss), "wrong token issuer").await;

    // The agency leaves the register: its staff are refused.
    retire(&app, agency.id).await;
    refused(&app, &key.sign(&claims), "retired").await;
}

#[tokio::test]
async fn entra_id_tokens_map_by_app_roles_and_an_ods_extension() {
    the_shape_works(
        entra(),
        Signer::Rsa(RsaKey::generate("entra-kid-1")),
        "RBS",
        AgencyKind::Health,
    )
    .await;
}

#[tokio::test]
async fn keycloak_tokens_map_by_client_roles_and_a_urn_mapper() {
    the_shape_works(
        keycloak(),
        Signer::Ec(EcKey::generate("kc-es256")),
        "100234",
        AgencyKind::School,
    )
    .await;
}

#[tokio::test]
async fn cis2_tokens_map_by_the_first_role_profile_and_its_ods_code() {
    the_shape_works(
        cis2(),
        Signer::Rsa(RsaKey::generate("cis2-kid")),
        "RBS01",
        AgencyKind::Camhs,
    )
    .await;
}

/// The test issuer keeps tellonce's own claim names beside a mapped IdP.
#[tokio::test]
async fn the_first_issuer_keeps_tellonces_own_claims() {
    let key = RsaKey::generate("entra-kid-1");
    let idp = Idp::start(entra().path, json!({ "keys": [key.jwk] })).await;
    let app: TestApp = hub_trusting(vec![documented_issuer("entra-id.toml", &idp)]).await;
    let agency = app.agency(AgencyKind::Slt).create().await;
    let token = app.practitioner(&agency).token();
    let who = me(&app, &token).await;
    assert_eq!(who["agencyKind"], "SLT");
    // Entra's role value means nothing to the first issuer's map, and a
    // token left with no role is refused, never an empty principal.
    let mut claims = app.practitioner(&agency).claims();
    claims["roles"] = json!(["Tellonce.Practitioner"]);
    refused(
        &app,
        &app.hs256(&claims),
        "the token carries no role this hub recognises (looked at /roles)",
    )
    .await;
}

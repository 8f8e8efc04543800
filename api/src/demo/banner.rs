//! What `serve --demo` prints, and the HS256 tokens it prints.

use std::fmt::Write as _;

use chrono::{Duration, Utc};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::id::{AMIRA, CHLOE, JAYDEN, POPPY};
use super::personas::{Persona, personas};
use crate::config::JwtSettings;

/// Signs an HS256 token for a persona (development only).
pub fn sign_token(
    persona: &Persona,
    jwt: &JwtSettings,
    valid_for: Duration,
) -> anyhow::Result<String> {
    sign_claims(persona_claims(persona), jwt, valid_for)
}

/// Signs identity `claims` with the development HS256 secret, adding
/// issuer, audience and times (the demo's personas, the seed's tokens).
pub fn sign_claims(
    mut claims: serde_json::Value,
    jwt: &JwtSettings,
    valid_for: Duration,
) -> anyhow::Result<String> {
    let secret = jwt.secret.as_ref().ok_or_else(|| {
        anyhow::anyhow!("no HS256 secret: set TELLONCE_JWT_SECRET (development only)")
    })?;
    let now = Utc::now().timestamp();
    claims["iss"] = json!(jwt.issuer);
    claims["aud"] = json!(jwt.audience);
    claims["iat"] = json!(now);
    claims["nbf"] = json!(now);
    claims["exp"] = json!(now + valid_for.num_seconds());
    Ok(jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )?)
}

/// What a persona's identity claims say (subject, roles, agency, person),
/// without issuer or times: a token adds those, a page session keeps these.
pub fn persona_claims(persona: &Persona) -> serde_json::Value {
    let mut claims = json!({
        "sub": format!("demo-{}", persona.name),
        "roles": persona.roles.iter().map(|r| r.claim()).collect::<Vec<_>>(),
    });
    if let Some((agency_id, kind)) = persona.agency {
        claims["agency_id"] = json!(agency_id.to_string());
        claims["agency_kind"] = json!(kind.claim());
    }
    if let Some(person) = persona.person_id {
        claims["person_id"] = json!(person);
    }
    claims
}

/// The lines `serve --demo` prints: a token and a curl command per persona.
pub fn banner(base_url: &str, jwt: &JwtSettings) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "\ntellonce demo is ready at {base_url}/graphql (tokens valid 8 hours, signed with a secret made for this run)\n"
    )?;
    writeln!(
        out,
        "Children: Poppy Okafor (3) {POPPY}, Amira Khan (9) {AMIRA}, Jayden Clarke (15) {JAYDEN}, Chloe Evans (17) {CHLOE}\n"
    )?;
    for persona in personas() {
        let token = sign_token(&persona, jwt, Duration::hours(8))?;
        let query = match persona.person_id {
            Some(_) => "{ me { children { id identity { givenName familyName } allAboutMe { whatMatters } } } }".to_owned(),
            None if persona.roles.iter().any(|r| r.is_ig()) => "{ me { subject roles } agencies { name kind } }".to_owned(),
            None => format!("{{ child(id: \\\"{AMIRA}\\\") {{ identity {{ givenName familyName dateOfBirth }} access {{ scope allowed explanation }} }} }}"),
        };
        writeln!(out, "== {} — {}", persona.name, persona.description)?;
        writeln!(out, "TOKEN={token}")?;
        writeln!(
            out,
            "curl -s {base_url}/graphql -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -H 'X-Purpose-Of-Use: DIRECT_SUPPORT' -d '{{\"query\":\"{query}\"}}'\n"
        )?;
    }
    Ok(out)
}

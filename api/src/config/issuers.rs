//! Trusted token issuers beyond the first (`[[issuers]]` tables in the
//! configuration file), the claims map that turns an issuer's claims into a
//! principal, and the JWKS cache policy. See README "Deploying with your
//! identity provider" and `docs/idp/*.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use domain::IdentifierScheme;
use serde::Deserialize;
use uuid::Uuid;

/// Where an issuer's claims are read from: each principal attribute by a
/// JSON pointer (RFC 6901) into the verified claims. The default is
/// tellonce's own claim names (`sub`, `roles`, `person_id`, `agency_id`,
/// `agency_kind`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimsMap {
    /// The subject (a stable user id), e.g. `/sub` or `/oid`.
    pub subject: String,
    /// The roles: an array of strings, or one string (one role, or several
    /// split on `roles_separator`).
    pub roles: String,
    /// When the roles claim is a string, split it on this (e.g. `" "`).
    pub roles_separator: Option<String>,
    /// The IdP's role values and the tellonce role each grants
    /// (`"Tellonce.Practitioner" = "practitioner"`). Empty: the values are
    /// tellonce's own role names. Values not listed grant nothing.
    pub role_values: BTreeMap<String, String>,
    /// Roles every token of this issuer has, the roles claim not read (an
    /// issuer that only signs families in: `["family"]`).
    pub fixed_roles: Vec<String>,
    /// The person id families and young people are known by.
    pub person_id: Option<String>,
    /// The agency as the hub's UUID (with `agency_kind`).
    pub agency_id: String,
    pub agency_kind: String,
    /// The agency by an external identifier (`agency_scheme` + this
    /// pointer), looked up in the agency register; its kind comes from the
    /// register.
    pub agency_identifier: Option<String>,
    pub agency_scheme: Option<IdentifierScheme>,
    /// Every token of this issuer acts for this agency (the hub's UUID).
    pub fixed_agency: Option<Uuid>,
    /// A token that maps to no tellonce role is refused (401) rather than
    /// given an empty principal. On by default, for every issuer.
    pub require_role: bool,
}

impl Default for ClaimsMap {
    fn default() -> Self {
        Self {
            subject: "/sub".into(),
            roles: "/roles".into(),
            roles_separator: None,
            role_values: BTreeMap::new(),
            fixed_roles: Vec::new(),
            person_id: Some("/person_id".into()),
            agency_id: "/agency_id".into(),
            agency_kind: "/agency_kind".into(),
            agency_identifier: None,
            agency_scheme: None,
            fixed_agency: None,
            require_role: true,
        }
    }
}

impl ClaimsMap {
    /// Pointers are RFC 6901 (empty or starting with `/`), role names are
    /// tellonce's, and the agency is read one way only.
    pub fn check(&self) -> anyhow::Result<()> {
        let pointers = [
            ("subject", Some(&self.subject)),
            ("roles", Some(&self.roles)),
            ("person_id", self.person_id.as_ref()),
            ("agency_id", Some(&self.agency_id)),
            ("agency_kind", Some(&self.agency_kind)),
            ("agency_identifier", self.agency_identifier.as_ref()),
        ];
        for (name, pointer) in pointers {
            if let Some(p) = pointer
                && !p.starts_with('/')
            {
                bail!("claims map: {name} must be a JSON pointer starting with '/' (got {p:?})");
            }
        }
        for role in self.role_values.values().chain(&self.fixed_roles) {
            if consent::Role::from_claim(role).is_none() {
                bail!("claims map: {role:?} is not a tellonce role");
            }
        }
        if self.agency_identifier.is_some() != self.agency_scheme.is_some() {
            bail!("claims map: agency_identifier and agency_scheme go together");
        }
        if self.agency_identifier.is_some() && self.fixed_agency.is_some() {
            bail!("claims map: set agency_identifier or fixed_agency, not both");
        }
        if self.roles_separator.as_deref() == Some("") {
            bail!("claims map: roles_separator must not be empty");
        }
        Ok(())
    }
}

/// Where an issuer's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS at this URL (https; http only for localhost).
    JwksUrl(String),
    /// A JWKS file.
    JwksFile(PathBuf),
    /// `{issuer}/.well-known/openid-configuration` names the `jwks_uri`.
    Discovery,
}

/// A trusted issuer from an `[[issuers]]` table.
#[derive(Debug, Clone)]
pub struct IssuerSettings {
    /// A short name for logs and messages.
    pub name: String,
    /// The exact `iss` its tokens carry.
    pub issuer: String,
    /// Accepted `aud` values (any one).
    pub audience: Vec<String>,
    pub keys: KeySource,
    pub claims: ClaimsMap,
    /// Accept tokens holding an IG role and a practitioner role at once.
    pub allow_mixed_roles: bool,
}

/// How long fetched key sets are trusted. A JWKS response's
/// `Cache-Control: max-age` sets its lifetime, bounded by `min_ttl` and
/// `max_ttl`; without one, `default_ttl`. Past its lifetime the set is
/// fetched again on the next request; if that fails, the old set is used
/// for at most `max_stale` more, then tokens are refused (keys unavailable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksCachePolicy {
    pub default_ttl: Duration,
    pub min_ttl: Duration,
    pub max_ttl: Duration,
    pub max_stale: Duration,
}

impl Default for JwksCachePolicy {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(60 * 60),
            min_ttl: Duration::from_secs(5 * 60),
            max_ttl: Duration::from_secs(24 * 60 * 60),
            max_stale: Duration::from_secs(60 * 60),
        }
    }
}

/// A string or an array of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// An `[[issuers]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IssuerFile {
    name: String,
    issuer: String,
    audience: OneOrMany,
    jwks_url: Option<String>,
    jwks_file: Option<PathBuf>,
    #[serde(default)]
    discovery: bool,
    #[serde(default)]
    claims: ClaimsMap,
    #[serde(default)]
    allow_mixed_roles: bool,
}

impl IssuerFile {
    pub(super) fn into_settings(self) -> anyhow::Result<IssuerSettings> {
        let name = self.name;
        let keys = match (self.jwks_url, self.jwks_file, self.discovery) {
            (Some(url), None, false) => {
                if !super::https_or_local(&url) {
                    bail!(
                        "issuer {name}: jwks_url must use https:// (plain http is accepted only for localhost)"
                    );
                }
                KeySource::JwksUrl(url)
            }
            (None, Some(path), false) => KeySource::JwksFile(path),
            (None, None, true) => {
                if !super::https_or_local(&self.issuer) {
                    bail!(
                        "issuer {name}: discovery needs an https:// issuer (plain http is accepted only for localhost)"
                    );
                }
                KeySource::Discovery
            }
            _ => bail!("issuer {name}: set exactly one of jwks_url, jwks_file, discovery = true"),
        };
        let audience = match self.audience {
            OneOrMany::One(a) => vec![a],
            OneOrMany::Many(a) => a,
        };
        if audience.is_empty() || audience.iter().any(String::is_empty) {
            bail!("issuer {name}: audience must name at least one non-empty audience");
        }
        if self.issuer.is_empty() {
            bail!("issuer {name}: issuer must not be empty");
        }
        self.claims
            .check()
            .map_err(|e| anyhow::anyhow!("issuer {name}: {e}"))?;
        Ok(IssuerSettings {
            name,
            issuer: self.issuer,
            audience,
            keys,
            claims: self.claims,
            allow_mixed_roles: self.allow_mixed_roles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigArgs, Mode};
    use super::*;

    fn load(file: &std::path::Path) -> anyhow::Result<crate::config::Settings> {
        ConfigArgs {
            config: Some(file.to_owned()),
            ..Default::default()
        }
        .load(Mode::Serve)
    }

    /// The documented examples load, so they never rot.
    #[test]
    fn the_documented_identity_provider_configs_load() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/idp");
        for (file, scheme) in [
            ("entra-id.toml", Some(IdentifierScheme::Ods)),
            ("keycloak.toml", Some(IdentifierScheme::Urn)),
            ("cis2.toml", Some(IdentifierScheme::Ods)),
        ] {
            let settings = load(&docs.join(file)).unwrap_or_else(|e| panic!("{file}: {e:#}"));
            let first = settings.jwt.issuers.first().expect("an [[issuers]] table");
            assert_eq!(first.keys, KeySource::Discovery, "{file}");
            assert_eq!(first.claims.agency_scheme, scheme, "{file}");
            assert!(first.claims.require_role, "{file}");
            assert!(!first.claims.role_values.is_empty(), "{file}");
        }
    }

    #[test]
    fn bad_issuer_tables_are_refused() {
        let dir = std::env::temp_dir().join(format!("tellonce-issuers-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("t.toml");
        for (body, expect) in [
            ("jwks_url = \"http://idp.example/jwks\"", "https"),
            ("discovery = true\njwks_url = \"https://x/\"", "exactly one"),
            (
                "discovery = true\nclaims = { roles = \"roles\" }",
                "pointer",
            ),
            (
                "discovery = true\nclaims = { role_values = { \"A\" = \"admin\" } }",
                "not a tellonce role",
            ),
            (
                "discovery = true\nclaims = { agency_identifier = \"/ods\" }",
                "go together",
            ),
        ] {
            std::fs::write(
                &path,
                format!(
                    "[[issuers]]\nname = \"x\"\nissuer = \"https://idp.example\"\naudience = \"a\"\n{body}\n"
                ),
            )
            .expect("write");
            let err = load(&path).map(|_| ()).unwrap_err();
            assert!(format!("{err:#}").contains(expect), "{body}: {err:#}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

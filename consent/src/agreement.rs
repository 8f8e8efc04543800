//! Data-sharing agreements: versioned data, managed by IG staff, saying which
//! agency kind may read (and contribute to) which scope for which purpose, and
//! which sharing is statutory (PUBLIC_TASK). They are the outer bound: no
//! consent and no override can reach beyond them.

use std::collections::{BTreeMap, BTreeSet};

use domain::{AgencyKind, Scope};
use serde::Deserialize;

use crate::Purpose;

/// What an agreement says for one (agency kind, scope, purpose).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permission {
    pub read: bool,
    pub contribute: bool,
    /// Shared on the public-task basis: no consent needed, and families are
    /// shown it even though they cannot switch it off.
    pub statutory: bool,
}

/// One version of the agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub version: i32,
    pub title: String,
    /// Agency kinds whose practitioners may record consent given on paper or
    /// by phone.
    pub consent_recorders: BTreeSet<AgencyKind>,
    rules: BTreeMap<(AgencyKind, Scope, Purpose), Permission>,
}

/// An agreement's source form: the readable file under version control and
/// the input of `publishAgreement`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementSource {
    pub title: String,
    #[serde(default)]
    pub consent_recorders: Vec<AgencyKind>,
    #[serde(rename = "rule", default)]
    pub rules: Vec<RuleSource>,
}

impl AgreementSource {
    /// Reads the TOML form (see `agreements/default.toml`).
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }
}

/// A rule covering several scopes and purposes at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSource {
    pub agencies: Vec<AgencyKind>,
    pub scopes: Vec<Scope>,
    pub purposes: Vec<Purpose>,
    #[serde(default)]
    pub read: bool,
    #[serde(default)]
    pub contribute: bool,
    #[serde(default)]
    pub statutory: bool,
}

/// Why an agreement source cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    #[error("the agreement needs a title")]
    NoTitle,
    #[error("a rule must name at least one agency kind, scope and purpose")]
    EmptyRule,
    #[error("a statutory rule must allow reading")]
    StatutoryWithoutRead,
    #[error("RESTRICTED may be read only for SAFEGUARDING")]
    RestrictedOutsideSafeguarding,
}

impl Agreement {
    /// Builds version `version` from its source; later rules for the same
    /// key add to earlier ones.
    pub fn from_source(version: i32, source: &AgreementSource) -> Result<Self, AgreementError> {
        if source.title.trim().is_empty() {
            return Err(AgreementError::NoTitle);
        }
        let mut rules = BTreeMap::new();
        for rule in &source.rules {
            if rule.agencies.is_empty() || rule.scopes.is_empty() || rule.purposes.is_empty() {
                return Err(AgreementError::EmptyRule);
            }
            if rule.statutory && !rule.read {
                return Err(AgreementError::StatutoryWithoutRead);
            }
            for kind in &rule.agencies {
                for scope in &rule.scopes {
                    for purpose in &rule.purposes {
                        if *scope == Scope::Restricted
                            && rule.read
                            && *purpose != Purpose::Safeguarding
                        {
                            return Err(AgreementError::RestrictedOutsideSafeguarding);
                        }
                        let p: &mut Permission =
                            rules.entry((*kind, *scope, *purpose)).or_default();
                        p.read |= rule.read;
                        p.contribute |= rule.contribute;
                        p.statutory |= rule.statutory;
                    }
                }
            }
        }
        Ok(Self {
            version,
            title: source.title.trim().to_owned(),
            consent_recorders: source.consent_recorders.iter().copied().collect(),
            rules,
        })
    }

    /// Builds an agreement from stored entries.
    pub fn from_entries(
        version: i32,
        title: String,
        consent_recorders: BTreeSet<AgencyKind>,
        entries: impl IntoIterator<Item = (AgencyKind, Scope, Purpose, Permission)>,
    ) -> Self {
        let rules = entries
            .into_iter()
            .map(|(k, s, p, perm)| ((k, s, p), perm))
            .collect();
        Self {
            version,
            title,
            consent_recorders,
            rules,
        }
    }

    /// What the agreement says for this key (nothing if it is silent).
    pub fn permission(&self, kind: AgencyKind, scope: Scope, purpose: Purpose) -> Permission {
        self.rules
            .get(&(kind, scope, purpose))
            .copied()
            .unwrap_or_default()
    }

    /// Every entry, in a stable order.
    pub fn entries(&self) -> impl Iterator<Item = (AgencyKind, Scope, Purpose, Permission)> + '_ {
        self.rules
            .iter()
            .map(|((k, s, p), perm)| (*k, *s, *p, *perm))
    }
}

/// The default agreement tellonce ships, as a readable file.
pub const DEFAULT_AGREEMENT: &str = include_str!("../agreements/default.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_agreement_parses_and_says_what_a_local_authority_expects() {
        let source: AgreementSource = toml_like(DEFAULT_AGREEMENT);
        let a = Agreement::from_source(1, &source).expect("valid default agreement");
        let school = a.permission(AgencyKind::School, Scope::Education, Purpose::DirectSupport);
        assert!(school.read && !school.statutory);
        assert!(
            !a.permission(
                AgencyKind::School,
                Scope::MentalHealth,
                Purpose::DirectSupport
            )
            .read
        );
        assert!(
            a.permission(
                AgencyKind::Camhs,
                Scope::MentalHealth,
                Purpose::DirectSupport
            )
            .read
        );
        let la = a.permission(AgencyKind::LaSend, Scope::SenNeeds, Purpose::EhcAssessment);
        assert!(la.read && la.statutory);
        assert!(
            a.permission(
                AgencyKind::SocialCare,
                Scope::Restricted,
                Purpose::Safeguarding
            )
            .read
        );
        assert!(
            !a.permission(
                AgencyKind::School,
                Scope::Restricted,
                Purpose::DirectSupport
            )
            .read
        );
        assert!(a.consent_recorders.contains(&AgencyKind::LaSend));
    }

    fn toml_like(text: &str) -> AgreementSource {
        AgreementSource::parse(text).expect("parse")
    }

    #[test]
    fn invalid_sources_are_refused() {
        let rule = |statutory, read, scope| RuleSource {
            agencies: vec![AgencyKind::School],
            scopes: vec![scope],
            purposes: vec![Purpose::DirectSupport],
            read,
            contribute: false,
            statutory,
        };
        let src = |rules| AgreementSource {
            title: "t".into(),
            consent_recorders: vec![],
            rules,
        };
        assert_eq!(
            Agreement::from_source(2, &src(vec![rule(true, false, Scope::Education)])),
            Err(AgreementError::StatutoryWithoutRead)
        );
        assert_eq!(
            Agreement::from_source(2, &src(vec![rule(false, true, Scope::Restricted)])),
            Err(AgreementError::RestrictedOutsideSafeguarding)
        );
        let mut empty = rule(false, true, Scope::Education);
        empty.purposes.clear();
        assert_eq!(
            Agreement::from_source(2, &src(vec![empty])),
            Err(AgreementError::EmptyRule)
        );
    }
}

//! Data-sharing agreements: versioned data, managed by IG staff, saying which
//! agency kind may read (and contribute to) which scope for which purpose, and
//! which sharing is statutory (PUBLIC_TASK), and the law each rule rests on
//! (its [`LawfulBasis`]: Article 6 basis, Article 9 condition, gateway).
//! They are the outer bound: no consent and no override can reach beyond
//! them.

use std::collections::{BTreeMap, BTreeSet};

use domain::{AgencyKind, Scope};
use serde::Deserialize;

use crate::{Article6, Condition, LawfulBasis, Purpose};

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
    /// The law each entry rests on; every entry has one.
    bases: BTreeMap<(AgencyKind, Scope, Purpose), LawfulBasis>,
}

/// One entry of an agreement: what a kind may do with a scope for a
/// purpose, and the law it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementEntry {
    pub kind: AgencyKind,
    pub scope: Scope,
    pub purpose: Purpose,
    pub permission: Permission,
    pub basis: LawfulBasis,
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
    /// UK GDPR Art 6(1) basis. `A_CONSENT` only for sharing no statute
    /// needs, signed off by the DPO; otherwise a grant under this rule is
    /// the family's agreement to share (common-law duty of confidence).
    pub article6: Article6,
    /// Art 9(2) / Art 10 condition: required when a scope is special
    /// category.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// The statute that lets the body do the work.
    pub gateway: String,
}

impl RuleSource {
    fn basis(&self) -> LawfulBasis {
        LawfulBasis::new(self.article6, self.condition, self.gateway.trim())
    }

    /// statutory > read > contribute only: where two rules cover one key,
    /// the higher one's law applies.
    fn rank(&self) -> u8 {
        u8::from(self.statutory) * 2 + u8::from(self.read)
    }
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
    #[error(
        "every rule must name its statutory gateway (e.g. \"Children and Families Act 2014 s.36\")"
    )]
    NoGateway,
    #[error(
        "{} is special-category data: a rule sharing it must name an Article 9 condition",
        .0.code()
    )]
    NoCondition(Scope),
    #[error(
        "{} is health or care data: Article 10 (criminal-offence data) is not an Article 9 condition for it",
        .0.code()
    )]
    NotAnArticle9Condition(Scope),
    #[error("a statutory rule rests on a duty or public task, not Article 6(1)(a) consent")]
    StatutoryConsent,
    #[error(
        "{} is special-category data: an Article 6(1)(a) rule sharing it needs explicit consent (condition A_EXPLICIT_CONSENT)",
        .0.code()
    )]
    ConsentNotExplicit(Scope),
    #[error(
        "two rules of the same standing give {} {} for {} on different lawful bases",
        .0.code(), .1.code(), .2.code()
    )]
    ConflictingBases(AgencyKind, Scope, Purpose),
}

impl Agreement {
    /// Builds version `version` from its source; later rules for the same
    /// key add to earlier ones.
    pub fn from_source(version: i32, source: &AgreementSource) -> Result<Self, AgreementError> {
        if source.title.trim().is_empty() {
            return Err(AgreementError::NoTitle);
        }
        let mut rules = BTreeMap::new();
        let mut bases: BTreeMap<_, (u8, LawfulBasis)> = BTreeMap::new();
        for rule in &source.rules {
            if rule.agencies.is_empty() || rule.scopes.is_empty() || rule.purposes.is_empty() {
                return Err(AgreementError::EmptyRule);
            }
            if rule.statutory && !rule.read {
                return Err(AgreementError::StatutoryWithoutRead);
            }
            if rule.gateway.trim().is_empty() {
                return Err(AgreementError::NoGateway);
            }
            if rule.statutory && rule.article6 == Article6::Consent {
                return Err(AgreementError::StatutoryConsent);
            }
            if let Some(scope) = rule.scopes.iter().find(|s| s.special_category()) {
                // Art 10 covers criminal-offence data, not health or care
                // data: those need an Art 9 condition.
                let health_or_care = rule
                    .scopes
                    .iter()
                    .find(|s| s.special_category() && **s != Scope::Restricted);
                if let (Some(Condition::CriminalOffence), Some(s)) =
                    (rule.condition, health_or_care)
                {
                    return Err(AgreementError::NotAnArticle9Condition(*s));
                }
                match rule.condition {
                    None => return Err(AgreementError::NoCondition(*scope)),
                    Some(c)
                        if rule.article6 == Article6::Consent
                            && c != Condition::ExplicitConsent =>
                    {
                        return Err(AgreementError::ConsentNotExplicit(*scope));
                    }
                    Some(_) => {}
                }
            }
            let basis = rule.basis();
            let rank = rule.rank();
            for kind in &rule.agencies {
                for scope in &rule.scopes {
                    for purpose in &rule.purposes {
                        if *scope == Scope::Restricted
                            && rule.read
                            && *purpose != Purpose::Safeguarding
                        {
                            return Err(AgreementError::RestrictedOutsideSafeguarding);
                        }
                        let key = (*kind, *scope, *purpose);
                        let p: &mut Permission = rules.entry(key).or_default();
                        p.read |= rule.read;
                        p.contribute |= rule.contribute;
                        p.statutory |= rule.statutory;
                        match bases.get(&key) {
                            Some((r, b)) if *r == rank && *b != basis => {
                                return Err(AgreementError::ConflictingBases(
                                    *kind, *scope, *purpose,
                                ));
                            }
                            Some((r, _)) if *r >= rank => {}
                            _ => {
                                bases.insert(key, (rank, basis.clone()));
                            }
                        }
                    }
                }
            }
        }
        let bases = bases.into_iter().map(|(k, (_, b))| (k, b)).collect();
        Ok(Self {
            version,
            title: source.title.trim().to_owned(),
            consent_recorders: source.consent_recorders.iter().copied().collect(),
            rules,
            bases,
        })
    }

    /// Builds an agreement from stored entries.
    pub fn from_entries(
        version: i32,
        title: String,
        consent_recorders: BTreeSet<AgencyKind>,
        entries: impl IntoIterator<Item = AgreementEntry>,
    ) -> Self {
        let mut rules = BTreeMap::new();
        let mut bases = BTreeMap::new();
        for e in entries {
            let key = (e.kind, e.scope, e.purpose);
            rules.insert(key, e.permission);
            bases.insert(key, e.basis);
        }
        Self {
            version,
            title,
            consent_recorders,
            rules,
            bases,
        }
    }

    /// What the agreement says for this key (nothing if it is silent).
    pub fn permission(&self, kind: AgencyKind, scope: Scope, purpose: Purpose) -> Permission {
        self.rules
            .get(&(kind, scope, purpose))
            .copied()
            .unwrap_or_default()
    }

    /// The law the entry for this key rests on (`None` if the agreement is
    /// silent).
    pub fn lawful_basis(
        &self,
        kind: AgencyKind,
        scope: Scope,
        purpose: Purpose,
    ) -> Option<&LawfulBasis> {
        self.bases.get(&(kind, scope, purpose))
    }

    /// Every entry, in a stable order.
    pub fn entries(&self) -> impl Iterator<Item = AgreementEntry> + '_ {
        self.rules.iter().filter_map(|(key, permission)| {
            let (kind, scope, purpose) = *key;
            Some(AgreementEntry {
                kind,
                scope,
                purpose,
                permission: *permission,
                basis: self.bases.get(key)?.clone(),
            })
        })
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
        // Every entry names its law; special-category data its condition.
        for e in a.entries() {
            assert!(!e.basis.gateway.is_empty(), "{e:?}");
            assert!(
                !e.scope.special_category() || e.basis.condition.is_some(),
                "{e:?}"
            );
        }
        assert_eq!(a.entries().count(), a.rules.len());
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
            article6: Article6::PublicTask,
            condition: (scope == Scope::Restricted).then_some(Condition::Safeguarding),
            gateway: "Education Act 1996".into(),
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
        let mut no_gateway = rule(false, true, Scope::Education);
        no_gateway.gateway = "  ".into();
        assert_eq!(
            Agreement::from_source(2, &src(vec![no_gateway])),
            Err(AgreementError::NoGateway)
        );
        assert_eq!(
            Agreement::from_source(2, &src(vec![rule(false, true, Scope::MentalHealth)])),
            Err(AgreementError::NoCondition(Scope::MentalHealth))
        );
        let mut statutory_consent = rule(true, true, Scope::Education);
        statutory_consent.article6 = Article6::Consent;
        assert_eq!(
            Agreement::from_source(2, &src(vec![statutory_consent])),
            Err(AgreementError::StatutoryConsent)
        );
        let mut criminal = rule(false, true, Scope::MentalHealth);
        criminal.condition = Some(Condition::CriminalOffence);
        assert_eq!(
            Agreement::from_source(2, &src(vec![criminal])),
            Err(AgreementError::NotAnArticle9Condition(Scope::MentalHealth))
        );
        let mut implicit = rule(false, true, Scope::PhysicalHealth);
        implicit.article6 = Article6::Consent;
        implicit.condition = Some(Condition::HealthOrSocialCare);
        assert_eq!(
            Agreement::from_source(2, &src(vec![implicit])),
            Err(AgreementError::ConsentNotExplicit(Scope::PhysicalHealth))
        );
        let mut other = rule(false, true, Scope::Education);
        other.gateway = "Children Act 1989 s.17".into();
        assert_eq!(
            Agreement::from_source(2, &src(vec![rule(false, true, Scope::Education), other])),
            Err(AgreementError::ConflictingBases(
                AgencyKind::School,
                Scope::Education,
                Purpose::DirectSupport
            ))
        );
    }

    #[test]
    fn a_statutory_rule_sets_the_law_of_a_key_it_shares_with_an_agreement_rule() {
        let mut by_agreement = RuleSourceForTest::education(false);
        by_agreement.gateway = "Education Act 1996".into();
        let mut statutory = RuleSourceForTest::education(true);
        statutory.gateway = "Children and Families Act 2014 s.66".into();
        for rules in [
            vec![by_agreement.clone(), statutory.clone()],
            vec![statutory.clone(), by_agreement.clone()],
        ] {
            let a = Agreement::from_source(
                3,
                &AgreementSource {
                    title: "t".into(),
                    consent_recorders: vec![],
                    rules,
                },
            )
            .expect("valid");
            let basis = a
                .lawful_basis(AgencyKind::School, Scope::Education, Purpose::DirectSupport)
                .expect("a basis");
            assert_eq!(basis.gateway, "Children and Families Act 2014 s.66");
            assert_eq!(a.entries().count(), 1);
        }
    }

    struct RuleSourceForTest;

    impl RuleSourceForTest {
        fn education(statutory: bool) -> RuleSource {
            RuleSource {
                agencies: vec![AgencyKind::School],
                scopes: vec![Scope::Education],
                purposes: vec![Purpose::DirectSupport],
                read: true,
                contribute: false,
                statutory,
                article6: Article6::PublicTask,
                condition: None,
                gateway: String::new(),
            }
        }
    }
}

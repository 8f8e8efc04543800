//! The law a disclosure rests on: its UK GDPR Article 6 basis, the Article 9
//! (or Article 10) condition where special-category or criminal-offence data
//! is involved, and the statute that lets the body do the work (its
//! gateway). See `shared/LAW.md` §1.
//!
//! A tellonce grant is the family's *agreement to share* under the
//! common-law duty of confidence; it is Article 6(1)(a) consent only where a
//! rule says so (sharing no statute needs, signed off by the DPO).

use serde::{Deserialize, Serialize};

domain::code_enum! {
    /// UK GDPR Article 6(1): the lawful basis for processing.
    pub enum Article6("Article 6 basis") {
        /// 6(1)(a): consent (only for sharing no statute needs).
        Consent = "A_CONSENT",
        /// 6(1)(c): a legal obligation of the controller.
        LegalObligation = "C_LEGAL_OBLIGATION",
        /// 6(1)(d): to protect someone's vital interests (to save life).
        VitalInterests = "D_VITAL_INTERESTS",
        /// 6(1)(e): a task in the public interest or official authority.
        PublicTask = "E_PUBLIC_TASK",
    }
}

impl Article6 {
    /// The citation, as a data-protection officer writes it.
    pub fn citation(self) -> &'static str {
        match self {
            Article6::Consent => "UK GDPR Art 6(1)(a) consent",
            Article6::LegalObligation => "UK GDPR Art 6(1)(c) legal obligation",
            Article6::VitalInterests => "UK GDPR Art 6(1)(d) vital interests",
            Article6::PublicTask => "UK GDPR Art 6(1)(e) public task",
        }
    }
}

domain::code_enum! {
    /// UK GDPR Article 9(2) condition (with its DPA 2018 Schedule 1
    /// paragraph), or Article 10 for criminal-offence data.
    pub enum Condition("Article 9 condition") {
        /// 9(2)(a): explicit consent.
        ExplicitConsent = "A_EXPLICIT_CONSENT",
        /// 9(2)(c): vital interests, where consent cannot be given.
        VitalInterests = "C_VITAL_INTERESTS",
        /// 9(2)(g) with DPA 2018 Sch 1 para 6: statutory and government
        /// purposes.
        StatutoryPurposes = "G_SCH1_PARA6",
        /// 9(2)(g) with DPA 2018 Sch 1 para 18: safeguarding of children and
        /// individuals at risk.
        Safeguarding = "G_SCH1_PARA18",
        /// 9(2)(h) with DPA 2018 Sch 1 para 2: health or social care.
        HealthOrSocialCare = "H_SCH1_PARA2",
        /// Article 10 with DPA 2018 Sch 1: criminal-offence data.
        CriminalOffence = "ART10_SCH1",
    }
}

impl Condition {
    /// The citation, as a data-protection officer writes it.
    pub fn citation(self) -> &'static str {
        match self {
            Condition::ExplicitConsent => "UK GDPR Art 9(2)(a) explicit consent",
            Condition::VitalInterests => "UK GDPR Art 9(2)(c) vital interests",
            Condition::StatutoryPurposes => {
                "UK GDPR Art 9(2)(g) and DPA 2018 Sch 1 para 6 (statutory purposes)"
            }
            Condition::Safeguarding => {
                "UK GDPR Art 9(2)(g) and DPA 2018 Sch 1 para 18 (safeguarding)"
            }
            Condition::HealthOrSocialCare => {
                "UK GDPR Art 9(2)(h) and DPA 2018 Sch 1 para 2 (health or social care)"
            }
            Condition::CriminalOffence => "UK GDPR Art 10 and DPA 2018 Sch 1",
        }
    }
}

/// The law one disclosure rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LawfulBasis {
    pub article6: Article6,
    /// Required where the data is special category (see
    /// [`domain::Scope::special_category`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The statute that lets the body do the work, e.g. "Children and
    /// Families Act 2014 s.36".
    pub gateway: String,
}

impl LawfulBasis {
    pub fn new(
        article6: Article6,
        condition: Option<Condition>,
        gateway: impl Into<String>,
    ) -> Self {
        Self {
            article6,
            condition,
            gateway: gateway.into(),
        }
    }

    /// True when the family's agreement is Article 6(1)(a) consent rather
    /// than an agreement to share under the common-law duty of confidence.
    pub fn is_gdpr_consent(&self) -> bool {
        self.article6 == Article6::Consent
    }

    /// "UK GDPR Art 6(1)(e) public task; UK GDPR Art 9(2)(g) and …; Children
    /// and Families Act 2014 s.36".
    pub fn citation(&self) -> String {
        let mut parts = vec![self.article6.citation().to_owned()];
        if let Some(c) = self.condition {
            parts.push(c.citation().to_owned());
        }
        if !self.gateway.is_empty() {
            parts.push(self.gateway.clone());
        }
        parts.join("; ")
    }
}

impl std::fmt::Display for LawfulBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.citation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basis_cites_article_condition_and_gateway() {
        let b = LawfulBasis::new(
            Article6::PublicTask,
            Some(Condition::StatutoryPurposes),
            "Children and Families Act 2014 s.36",
        );
        assert_eq!(
            b.citation(),
            "UK GDPR Art 6(1)(e) public task; UK GDPR Art 9(2)(g) and DPA 2018 Sch 1 para 6 (statutory purposes); Children and Families Act 2014 s.36"
        );
        assert!(!b.is_gdpr_consent());
        for a in Article6::ALL {
            assert_eq!(a.code().parse::<Article6>(), Ok(*a));
        }
        for c in Condition::ALL {
            assert_eq!(c.code().parse::<Condition>(), Ok(*c));
        }
    }
}

//! Scopes: what a family consents to. Every field of the record is in exactly
//! one scope (see [`crate::catalogue`]). Who the child is, their identifiers
//! and where they live are separate scopes (minimum necessary: the NHS
//! number is for health and care, the UPN for education and the council, the
//! address on a need-to-know basis).

crate::code_enum! {
    /// A consent scope. [`Scope::label`] is how it reads to a parent.
    pub enum Scope("scope") {
        Identity = "IDENTITY",
        NhsNumber = "NHS_NUMBER",
        PupilNumber = "PUPIL_NUMBER",
        Contact = "CONTACT",
        Family = "FAMILY",
        AllAboutMe = "ALL_ABOUT_ME",
        Education = "EDUCATION",
        SenNeeds = "SEN_NEEDS",
        Psychology = "PSYCHOLOGY",
        PhysicalHealth = "PHYSICAL_HEALTH",
        Communication = "COMMUNICATION",
        SensoryPhysical = "SENSORY_PHYSICAL",
        MentalHealth = "MENTAL_HEALTH",
        SocialCare = "SOCIAL_CARE",
        PreparingForAdulthood = "PREPARING_FOR_ADULTHOOD",
        Restricted = "RESTRICTED",
    }
}

impl Scope {
    /// Number of scopes, for dense per-scope tables.
    pub const COUNT: usize = 16;

    /// Position in [`Scope::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// How the scope reads to a family.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Identity => "Who I am: my name, birthday, language and how I communicate",
            Scope::NhsNumber => "My NHS number, for health and care services",
            Scope::PupilNumber => "My pupil number, for school and the council",
            Scope::Contact => "Where I live",
            Scope::Family => "My family and the people who care for me",
            Scope::AllAboutMe => "All about me, in our own words",
            Scope::Education => "School and learning",
            Scope::SenNeeds => "My special educational needs and EHC plan",
            Scope::Psychology => "Educational psychology",
            Scope::PhysicalHealth => "Physical health, medicines and allergies",
            Scope::Communication => "Speech, language and communication",
            Scope::SensoryPhysical => "Movement, senses and daily living",
            Scope::MentalHealth => "Wellbeing and mental health",
            Scope::SocialCare => "Family support and social care",
            Scope::PreparingForAdulthood => "Growing up and preparing for adulthood",
            Scope::Restricted => {
                "Restricted: shared only to keep a child safe or where the law requires"
            }
        }
    }

    /// EHC plan sections this scope holds, if any.
    pub fn ehc_sections(self) -> &'static [&'static str] {
        match self {
            Scope::AllAboutMe => &["A"],
            Scope::Education => &["I"],
            Scope::SenNeeds => &["B", "E", "F"],
            Scope::Psychology => &["K"],
            Scope::PhysicalHealth | Scope::MentalHealth => &["C", "G"],
            Scope::Communication | Scope::SensoryPhysical => &["K", "F"],
            Scope::SocialCare => &["D", "H1", "H2"],
            Scope::PreparingForAdulthood => &["E"],
            Scope::Identity
            | Scope::NhsNumber
            | Scope::PupilNumber
            | Scope::Contact
            | Scope::Family
            | Scope::Restricted => &[],
        }
    }

    /// Special-category (UK GDPR Art 9) or criminal-offence (Art 10) data:
    /// health, disability and needs, care, and restricted information. A
    /// rule sharing it names an Article 9 condition, and a receipt covering
    /// it is marked sensitive.
    pub fn special_category(self) -> bool {
        matches!(
            self,
            Scope::SenNeeds
                | Scope::Psychology
                | Scope::PhysicalHealth
                | Scope::Communication
                | Scope::SensoryPhysical
                | Scope::MentalHealth
                | Scope::SocialCare
                | Scope::Restricted
        )
    }

    /// RESTRICTED can never be switched on by consent.
    pub fn consentable(self) -> bool {
        self != Scope::Restricted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_index_matches_position() {
        assert_eq!(Scope::ALL.len(), Scope::COUNT);
        for (i, scope) in Scope::ALL.iter().enumerate() {
            assert_eq!(scope.index(), i);
            assert_eq!(scope.code().parse::<Scope>(), Ok(*scope));
        }
        assert!("NOPE".parse::<Scope>().is_err());
        assert!(!Scope::Restricted.consentable());
    }

    #[test]
    fn who_i_am_identifiers_and_contact_are_not_special_category() {
        for scope in [
            Scope::Identity,
            Scope::NhsNumber,
            Scope::PupilNumber,
            Scope::Contact,
        ] {
            assert!(!scope.special_category(), "{scope}");
            assert!(scope.consentable(), "{scope}");
        }
    }
}

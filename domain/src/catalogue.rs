//! The field catalogue: the one place that answers "which scope is this field
//! in?". The GraphQL schema, the access decision, the trace and the family
//! page all read it. Field names are the GraphQL (camelCase) names; a test in
//! `api` checks the schema and this table agree field for field.

use crate::Scope;

crate::code_enum! {
    /// A section of the child record as the API shows it.
    pub enum Section("section") {
        Identity = "identity",
        Family = "family",
        AllAboutMe = "allAboutMe",
        Education = "education",
        SenNeeds = "senNeeds",
        Psychology = "psychology",
        PhysicalHealth = "physicalHealth",
        Communication = "communication",
        SensoryPhysical = "sensoryPhysical",
        MentalHealth = "mentalHealth",
        SocialCare = "socialCare",
        PreparingForAdulthood = "preparingForAdulthood",
        Restricted = "restricted",
        Involvements = "involvements",
        Contributions = "contributions",
    }
}

impl Section {
    /// The section's own scope: that of every field in it, except a field
    /// that names its own ([`FieldDef::scope`]; in `identity`, the NHS number,
    /// the UPN and the address). Without the section's own scope nothing of
    /// the section is shown. `None` for involvements, where each entry takes
    /// the scope of its service ([`crate::AgencyKind::involvement_scope`]),
    /// and for contributions, each of which names its scope.
    pub const fn scope(self) -> Option<Scope> {
        Some(match self {
            Section::Identity => Scope::Identity,
            Section::Family => Scope::Family,
            Section::AllAboutMe => Scope::AllAboutMe,
            Section::Education => Scope::Education,
            Section::SenNeeds => Scope::SenNeeds,
            Section::Psychology => Scope::Psychology,
            Section::PhysicalHealth => Scope::PhysicalHealth,
            Section::Communication => Scope::Communication,
            Section::SensoryPhysical => Scope::SensoryPhysical,
            Section::MentalHealth => Scope::MentalHealth,
            Section::SocialCare => Scope::SocialCare,
            Section::PreparingForAdulthood => Scope::PreparingForAdulthood,
            Section::Restricted => Scope::Restricted,
            Section::Involvements | Section::Contributions => return None,
        })
    }

    /// The section that holds a scope's fields.
    pub fn of_scope(scope: Scope) -> Section {
        FIELDS
            .iter()
            .find(|f| f.scope == Some(scope))
            .map_or(Section::Involvements, |f| f.section)
    }
}

/// One field of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub section: Section,
    /// GraphQL field name within the section's type.
    pub name: &'static str,
    /// What the field holds, in plain words.
    pub label: &'static str,
    /// The scope that governs the field: its section's, unless the
    /// catalogue names another. `None` in involvements and contributions,
    /// whose items each carry their own scope.
    pub scope: Option<Scope>,
}

impl FieldDef {
    /// `section.field`, as written in the trace.
    pub fn path(&self) -> String {
        format!("{}.{}", self.section.code(), self.name)
    }
}

macro_rules! fields {
    ($( $section:ident { $( $name:literal => $label:literal $(in $scope:ident)? ),+ $(,)? } )+) => {
        &[ $( $( FieldDef {
            section: Section::$section,
            name: $name,
            label: $label,
            scope: fields!(@scope $section $($scope)?),
        }, )+ )+ ]
    };
    (@scope $section:ident) => { Section::$section.scope() };
    (@scope $section:ident $scope:ident) => { Some(Scope::$scope) };
}

/// Every field of the record, by section.
pub const FIELDS: &[FieldDef] = fields! {
    Identity {
        "givenName" => "Given name",
        "familyName" => "Family name",
        "preferredName" => "Preferred name",
        "dateOfBirth" => "Date of birth",
        "nhsNumber" => "NHS number" in NhsNumber,
        "upn" => "Unique pupil number" in PupilNumber,
        "addressLine" => "Address" in Contact,
        "town" => "Town" in Contact,
        "postcode" => "Postcode" in Contact,
        "homeLanguage" => "Home language",
        "communicationNeeds" => "Communication and access needs",
    }
    Family {
        "id" => "Family member id",
        "personId" => "Sign-in identity",
        "fullName" => "Name",
        "relationship" => "Relationship to the child",
        "parentalResponsibility" => "Has parental responsibility",
        "prEvidence" => "What parental responsibility rests on",
        "contactPreference" => "Contact preference",
        "phone" => "Phone",
        "email" => "Email",
        "mainContact" => "Main contact",
    }
    AllAboutMe {
        "whatMatters" => "What matters to me",
        "howToSupport" => "How best to support me",
        "aspirations" => "My hopes for the future",
        "history" => "My story so far",
    }
    Education {
        "settingName" => "School or setting",
        "settingUrn" => "Setting URN",
        "settingPhase" => "Phase",
        "yearGroup" => "Year group",
        "senSupportPlan" => "SEN support plan",
        "attendancePercent" => "Attendance",
        "attainmentSummary" => "Attainment",
        "suspensionsThisYear" => "Suspensions this year",
        "permanentlyExcluded" => "Permanently excluded",
    }
    SenNeeds {
        "provision" => "SEN provision (EHC plan, SEN support, none)",
        "ehcPlanStatus" => "EHC plan status",
        "ehcPlanIssuedOn" => "EHC plan issued on",
        "needs" => "Needs, ranked",
        "outcomes" => "Outcomes sought (section E)",
        "specialEducationalProvision" => "Special educational provision (section F)",
    }
    Psychology {
        "assessedOn" => "Assessed on",
        "assessmentSummary" => "Assessment summary",
        "advice" => "Educational psychology advice",
    }
    PhysicalHealth {
        "conditions" => "Conditions",
        "medicines" => "Medicines",
        "allergies" => "Allergies",
        "gpPractice" => "GP practice",
        "healthCarePlan" => "Has an individual health care plan",
        "healthProvision" => "Health provision (section G)",
    }
    Communication {
        "profile" => "Communication profile",
        "sltAdvice" => "Speech and language therapy advice",
        "targets" => "Targets",
        "aac" => "Augmentative and alternative communication",
    }
    SensoryPhysical {
        "otSummary" => "Occupational therapy",
        "physioSummary" => "Physiotherapy",
        "hearing" => "Hearing",
        "vision" => "Vision",
        "equipment" => "Equipment",
    }
    MentalHealth {
        "camhsStatus" => "CAMHS status",
        "referredOn" => "Referred on",
        "involvementSummary" => "CAMHS involvement summary",
    }
    SocialCare {
        "needs" => "Social care needs (section D)",
        "familySupport" => "Family support",
        "shortBreaks" => "Short breaks",
        "provision" => "Social care provision (sections H1, H2)",
    }
    PreparingForAdulthood {
        "employment" => "Employment",
        "independentLiving" => "Independent living",
        "community" => "Friends and community",
        "health" => "Good health in adult life",
    }
    Restricted {
        "id" => "Item id",
        "kind" => "Kind",
        "summary" => "Summary",
        "since" => "Since",
        "until" => "Until",
    }
    Involvements {
        "id" => "Involvement id",
        "agencyId" => "Agency id",
        "agencyName" => "Agency",
        "agencyKind" => "Kind of service",
        "practitionerName" => "Practitioner",
        "roleTitle" => "Role",
        "since" => "Since",
        "until" => "Until",
    }
    Contributions {
        "id" => "Contribution id",
        "scope" => "The scope it belongs to",
        "agencyId" => "Contributing agency",
        "agencyName" => "Agency",
        "agencyKind" => "Kind of service",
        "author" => "Author",
        "kind" => "Advice, assessment or update",
        "title" => "Title",
        "needs" => "Needs identified",
        "outcomes" => "Outcomes sought",
        "provision" => "Provision required",
        "notes" => "Notes",
        "content" => "Structured advice, section by section, against its template",
        "supersedes" => "The contribution it replaces",
        "createdAt" => "When",
        "current" => "Still current",
    }
};

/// The fields of one section, in order.
pub fn fields_of(section: Section) -> impl Iterator<Item = &'static FieldDef> {
    FIELDS.iter().filter(move |f| f.section == section)
}

/// The fields a scope governs, in order.
pub fn fields_in(scope: Scope) -> impl Iterator<Item = &'static FieldDef> {
    FIELDS.iter().filter(move |f| f.scope == Some(scope))
}

/// Looks a field up by section and GraphQL name.
pub fn field(section: Section, name: &str) -> Option<&'static FieldDef> {
    fields_of(section).find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_scope_has_fields_in_exactly_one_section() {
        for scope in Scope::ALL {
            let sections: HashSet<Section> = fields_in(*scope).map(|f| f.section).collect();
            assert_eq!(sections.len(), 1, "{scope}");
            assert!(sections.contains(&Section::of_scope(*scope)), "{scope}");
        }
        // A section's own scope governs at least one of its fields.
        for section in Section::ALL {
            if let Some(scope) = section.scope() {
                assert_eq!(Section::of_scope(scope), *section);
            }
        }
    }

    /// Minimum necessary identity (LAW.md §3): who the child is, each
    /// identifier for its audience, and the address on its own.
    #[test]
    fn identity_fields_are_split_by_audience() {
        let scope_of = |name| field(Section::Identity, name).and_then(|f| f.scope);
        for name in [
            "givenName",
            "familyName",
            "preferredName",
            "dateOfBirth",
            "homeLanguage",
            "communicationNeeds",
        ] {
            assert_eq!(scope_of(name), Some(Scope::Identity), "{name}");
        }
        assert_eq!(scope_of("nhsNumber"), Some(Scope::NhsNumber));
        assert_eq!(scope_of("upn"), Some(Scope::PupilNumber));
        for name in ["addressLine", "town", "postcode"] {
            assert_eq!(scope_of(name), Some(Scope::Contact), "{name}");
        }
        assert_eq!(fields_of(Section::Identity).count(), 11);
    }

    #[test]
    fn only_identity_names_field_scopes_of_its_own() {
        for f in FIELDS {
            if f.section != Section::Identity {
                assert_eq!(f.scope, f.section.scope(), "{}", f.path());
            }
        }
    }

    #[test]
    fn field_paths_are_unique() {
        let paths: HashSet<String> = FIELDS.iter().map(FieldDef::path).collect();
        assert_eq!(paths.len(), FIELDS.len());
        assert_eq!(
            field(Section::Education, "yearGroup").and_then(|f| f.scope),
            Some(Scope::Education)
        );
    }
}

//! The unified child record: one value per child, by section. Each section
//! belongs to one scope ([`crate::catalogue::FieldDef::scope`]); involvements
//! take the scope of their service.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{AgencyKind, NhsNumber, Scope, Upn};

/// The hub's own opaque key for a child.
pub type ChildId = Uuid;

crate::code_enum! {
    /// SEN2 / school census need type.
    pub enum NeedCode("need code") {
        Spld = "SPLD",
        Mld = "MLD",
        Sld = "SLD",
        Pmld = "PMLD",
        Semh = "SEMH",
        Slcn = "SLCN",
        Hi = "HI",
        Vi = "VI",
        Msi = "MSI",
        Pd = "PD",
        Asd = "ASD",
        Oth = "OTH",
        Nsa = "NSA",
    }
}

impl NeedCode {
    pub fn label(self) -> &'static str {
        match self {
            NeedCode::Spld => "Specific learning difficulty",
            NeedCode::Mld => "Moderate learning difficulty",
            NeedCode::Sld => "Severe learning difficulty",
            NeedCode::Pmld => "Profound and multiple learning difficulty",
            NeedCode::Semh => "Social, emotional and mental health",
            NeedCode::Slcn => "Speech, language and communication needs",
            NeedCode::Hi => "Hearing impairment",
            NeedCode::Vi => "Vision impairment",
            NeedCode::Msi => "Multi-sensory impairment",
            NeedCode::Pd => "Physical disability",
            NeedCode::Asd => "Autistic spectrum disorder",
            NeedCode::Oth => "Other difficulty",
            NeedCode::Nsa => "SEN support, no specialist assessment of type of need",
        }
    }
}

crate::code_enum! {
    /// Census SEN provision: EHC plan, SEN support, or none.
    pub enum SenProvision("SEN provision") {
        EhcPlan = "EHC_PLAN",
        SenSupport = "SEN_SUPPORT",
        None = "NONE",
    }
}

crate::code_enum! {
    /// Where the child is in the EHC process.
    pub enum EhcPlanStatus("EHC plan status") {
        NoPlan = "NO_PLAN",
        AssessmentRequested = "ASSESSMENT_REQUESTED",
        Assessing = "ASSESSING",
        DraftIssued = "DRAFT_ISSUED",
        Final = "FINAL",
        Ceased = "CEASED",
    }
}

crate::code_enum! {
    /// How a family member relates to the child.
    pub enum Relationship("relationship") {
        Mother = "MOTHER",
        Father = "FATHER",
        StepParent = "STEP_PARENT",
        Grandparent = "GRANDPARENT",
        SpecialGuardian = "SPECIAL_GUARDIAN",
        AdoptiveParent = "ADOPTIVE_PARENT",
        FosterCarer = "FOSTER_CARER",
        LocalAuthority = "LOCAL_AUTHORITY",
        Deputy = "DEPUTY",
        Other = "OTHER",
    }
}

crate::code_enum! {
    /// How a family member prefers to be contacted.
    pub enum ContactPreference("contact preference") {
        Email = "EMAIL",
        Phone = "PHONE",
        Text = "TEXT",
        Post = "POST",
        Interpreter = "INTERPRETER",
    }
}

crate::code_enum! {
    pub enum SettingPhase("setting phase") {
        EarlyYears = "EARLY_YEARS",
        Primary = "PRIMARY",
        Secondary = "SECONDARY",
        Special = "SPECIAL",
        PostSixteen = "POST_16",
        NotInEducation = "NOT_IN_EDUCATION",
    }
}

crate::code_enum! {
    pub enum HealthItemKind("health item kind") {
        Condition = "CONDITION",
        Medicine = "MEDICINE",
        Allergy = "ALLERGY",
    }
}

crate::code_enum! {
    /// Where the child is with CAMHS.
    pub enum CamhsStatus("CAMHS status") {
        NotReferred = "NOT_REFERRED",
        Waiting = "WAITING",
        Open = "OPEN",
        Discharged = "DISCHARGED",
    }
}

crate::code_enum! {
    /// Kinds of restricted information (security labels, not consent scopes).
    pub enum RestrictedKind("restricted kind") {
        ChildProtectionPlan = "CHILD_PROTECTION_PLAN",
        ChildInNeed = "CHILD_IN_NEED",
        LookedAfter = "LOOKED_AFTER",
        YouthJusticeOrder = "YOUTH_JUSTICE_ORDER",
        Adoption = "ADOPTION",
    }
}

/// Who the child is (IDENTITY), with their identifiers (NHS_NUMBER,
/// PUPIL_NUMBER) and address (CONTACT), each field in its own scope as the
/// catalogue says.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub address_line: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub home_language: Option<String>,
    pub communication_needs: Option<String>,
}

impl Identity {
    /// Empties the fields whose scope `allowed` refuses, so a value that is
    /// withheld is never carried further (who the child is stays: without
    /// IDENTITY nothing of the section is shown at all).
    pub fn withhold(&mut self, allowed: impl Fn(Scope) -> bool) {
        if !allowed(Scope::NhsNumber) {
            self.nhs_number = None;
        }
        if !allowed(Scope::PupilNumber) {
            self.upn = None;
        }
        if !allowed(Scope::Contact) {
            self.address_line = None;
            self.town = None;
            self.postcode = None;
        }
    }
}

/// FAMILY: a person with parental responsibility or another carer.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyMember {
    pub id: Uuid,
    /// The identity-provider person id this member signs in with, if any.
    pub person_id: Option<String>,
    pub full_name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    /// What the PR rests on (birth registration, court order, …).
    pub pr_evidence: Option<String>,
    pub contact_preference: ContactPreference,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub main_contact: bool,
}

/// ALL_ABOUT_ME (EHC section A): the family's and young person's own words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllAboutMe {
    pub what_matters: Option<String>,
    pub how_to_support: Option<String>,
    pub aspirations: Option<String>,
    pub history: Option<String>,
}

/// EDUCATION (EHC section I for the placement).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Education {
    pub setting_name: Option<String>,
    pub setting_urn: Option<String>,
    pub setting_phase: Option<SettingPhase>,
    pub year_group: Option<String>,
    pub sen_support_plan: Option<String>,
    pub attendance_percent: Option<f64>,
    pub attainment_summary: Option<String>,
    pub suspensions_this_year: Option<i32>,
    pub permanently_excluded: Option<bool>,
}

/// One ranked need (1 = primary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenNeed {
    pub code: NeedCode,
    pub rank: i32,
}

/// SEN_NEEDS (EHC sections B, E, F).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SenNeeds {
    pub provision: Option<SenProvision>,
    pub ehc_plan_status: Option<EhcPlanStatus>,
    pub ehc_plan_issued_on: Option<NaiveDate>,
    pub needs: Vec<SenNeed>,
    pub outcomes: Option<String>,
    pub special_educational_provision: Option<String>,
}

/// PSYCHOLOGY (EP advice, section K).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Psychology {
    pub assessed_on: Option<NaiveDate>,
    pub assessment_summary: Option<String>,
    pub advice: Option<String>,
}

/// One condition, medicine or allergy.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthItem {
    pub id: Uuid,
    pub kind: HealthItemKind,
    pub name: String,
    pub detail: Option<String>,
}

/// PHYSICAL_HEALTH (sections C, G).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhysicalHealth {
    pub items: Vec<HealthItem>,
    pub gp_practice: Option<String>,
    pub health_care_plan: Option<bool>,
    pub health_provision: Option<String>,
}

/// COMMUNICATION (SLT).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Communication {
    pub profile: Option<String>,
    pub slt_advice: Option<String>,
    pub targets: Option<String>,
    pub aac: Option<String>,
}

/// SENSORY_PHYSICAL (OT, physiotherapy, hearing and vision).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SensoryPhysical {
    pub ot_summary: Option<String>,
    pub physio_summary: Option<String>,
    pub hearing: Option<String>,
    pub vision: Option<String>,
    pub equipment: Option<String>,
}

/// MENTAL_HEALTH (CAMHS summary).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MentalHealth {
    pub camhs_status: Option<CamhsStatus>,
    pub referred_on: Option<NaiveDate>,
    pub involvement_summary: Option<String>,
}

/// SOCIAL_CARE (sections D, H1, H2).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SocialCare {
    pub needs: Option<String>,
    pub family_support: Option<String>,
    pub short_breaks: Option<String>,
    pub provision: Option<String>,
}

/// PREPARING_FOR_ADULTHOOD (from Year 9).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparingForAdulthood {
    pub employment: Option<String>,
    pub independent_living: Option<String>,
    pub community: Option<String>,
    pub health: Option<String>,
}

/// RESTRICTED: disclosed only on a statutory or safeguarding basis.
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictedItem {
    pub id: Uuid,
    pub kind: RestrictedKind,
    pub summary: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// A service involved with the child ("team around the child"). Its scope is
/// that of the service: see [`Involvement::scope`].
#[derive(Debug, Clone, PartialEq)]
pub struct Involvement {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub agency_name: String,
    pub agency_kind: AgencyKind,
    pub practitioner_name: Option<String>,
    pub role_title: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Involvement {
    pub fn scope(&self) -> crate::Scope {
        self.agency_kind.involvement_scope()
    }
}

/// The whole record. Sections not loaded (because the caller may not see
/// them) stay at their empty default.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRecord {
    pub id: ChildId,
    /// The young person's own identity-provider person id, once they sign in.
    pub young_person_id: Option<String>,
    pub identity: Identity,
    pub family: Vec<FamilyMember>,
    pub all_about_me: AllAboutMe,
    pub education: Education,
    pub sen_needs: SenNeeds,
    pub psychology: Psychology,
    pub physical_health: PhysicalHealth,
    pub communication: Communication,
    pub sensory_physical: SensoryPhysical,
    pub mental_health: MentalHealth,
    pub social_care: SocialCare,
    pub preparing_for_adulthood: PreparingForAdulthood,
    pub restricted: Vec<RestrictedItem>,
    pub involvements: Vec<Involvement>,
}

impl ChildRecord {
    /// A record holding only identity, every other section empty.
    pub fn new(id: ChildId, young_person_id: Option<String>, identity: Identity) -> Self {
        Self {
            id,
            young_person_id,
            identity,
            family: Vec::new(),
            all_about_me: AllAboutMe::default(),
            education: Education::default(),
            sen_needs: SenNeeds::default(),
            psychology: Psychology::default(),
            physical_health: PhysicalHealth::default(),
            communication: Communication::default(),
            sensory_physical: SensoryPhysical::default(),
            mental_health: MentalHealth::default(),
            social_care: SocialCare::default(),
            preparing_for_adulthood: PreparingForAdulthood::default(),
            restricted: Vec::new(),
            involvements: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            preferred_name: Some("Addie".into()),
            date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 1).expect("date"),
            nhs_number: Some(NhsNumber::parse("9434765919").expect("nhs")),
            upn: Some(Upn::parse("B801200005001").expect("upn")),
            address_line: Some("1 Lane".into()),
            town: Some("Northtown".into()),
            postcode: Some("NT1 1AA".into()),
            home_language: Some("English".into()),
            communication_needs: Some("Visual timetable".into()),
        }
    }

    #[test]
    fn withholding_empties_exactly_the_refused_scopes() {
        let mut only_who = identity();
        only_who.withhold(|s| s == Scope::Identity);
        assert_eq!(
            only_who,
            Identity {
                nhs_number: None,
                upn: None,
                address_line: None,
                town: None,
                postcode: None,
                ..identity()
            }
        );
        let mut all = identity();
        all.withhold(|_| true);
        assert_eq!(all, identity());
        let mut no_contact = identity();
        no_contact.withhold(|s| s != Scope::Contact);
        assert_eq!(no_contact.nhs_number, identity().nhs_number);
        assert_eq!(no_contact.upn, identity().upn);
        assert_eq!(
            (
                no_contact.address_line,
                no_contact.town,
                no_contact.postcode
            ),
            (None, None, None)
        );
    }
}

//! GraphQL output types, built from `domain` values. Each section type shows
//! exactly the fields the catalogue lists for it (checked by a test).

use super::scalar::Date;
use async_graphql::{Enum, ID, Object, SimpleObject};
use domain::{HealthItemKind, catalogue};

use crate::access::Partial;

/// Declares a GraphQL enum mirroring a domain enum, checked variant by
/// variant by async-graphql's `remote` conversion.
macro_rules! remote_enum {
    ($(#[$m:meta])* $name:ident = $remote:literal { $($(#[$vm:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        $(#[$m])*
        pub enum $name { $($(#[$vm])* $variant),+ }
    };
}

remote_enum!(
    /// A consent scope: a part of a child's record that is shared, or
    /// withheld, as a whole. Every record field belongs to exactly one.
    Scope = "domain::Scope" {
    /// Who the child is: name, date of birth, home language and how they communicate.
    Identity,
    /// The child's NHS number, for health and care services.
    NhsNumber,
    /// The child's unique pupil number, for school and the council.
    PupilNumber,
    /// Where the child lives (address and postcode).
    Contact,
    /// The child's family and the people who care for them.
    Family,
    /// "All about me" in the family's and child's own words (EHC plan section A).
    AllAboutMe,
    /// School and learning (EHC plan section I).
    Education,
    /// Special educational needs, provision and the EHC plan (sections B, E, F).
    SenNeeds,
    /// Educational psychology (EP advice, section K). Special-category data.
    Psychology,
    /// Physical health, medicines and allergies (sections C, G). Special-category data.
    PhysicalHealth,
    /// Speech, language and communication. Special-category data.
    Communication,
    /// Movement, senses and daily living (OT, physiotherapy, hearing, vision). Special-category data.
    SensoryPhysical,
    /// Wellbeing and mental health (CAMHS). Special-category data.
    MentalHealth,
    /// Family support and social care (sections D, H1, H2).
    SocialCare,
    /// Growing up and preparing for adulthood (from Year 9).
    PreparingForAdulthood,
    /// Restricted information (child protection, looked after, youth justice, adoption):
    /// disclosed only on a statutory or safeguarding basis, never by consent.
    Restricted });
remote_enum!(
    /// The kind of organisation a practitioner works for (the token's
    /// `agency_kind` claim, in lower case there).
    AgencyKind = "domain::AgencyKind" {
    /// A school, college or early-years setting.
    School,
    /// Child and adolescent mental health services.
    Camhs,
    /// Speech and language therapy.
    Slt,
    /// Occupational therapy (and physiotherapy).
    Ot,
    /// An educational psychology service.
    Ep,
    /// Children's social care.
    SocialCare,
    /// A youth justice service.
    YouthJustice,
    /// Another health service (e.g. community paediatrics).
    Health,
    /// The local authority's SEND team (case officers).
    LaSend });
remote_enum!(
    /// A type of special educational need, as the SEN2 return and school
    /// census code it.
    NeedCode = "domain::NeedCode" {
    /// Specific learning difficulty.
    Spld,
    /// Moderate learning difficulty.
    Mld,
    /// Severe learning difficulty.
    Sld,
    /// Profound and multiple learning difficulty.
    Pmld,
    /// Social, emotional and mental health.
    Semh,
    /// Speech, language and communication needs.
    Slcn,
    /// Hearing impairment.
    Hi,
    /// Vision impairment.
    Vi,
    /// Multi-sensory impairment.
    Msi,
    /// Physical disability.
    Pd,
    /// Autistic spectrum disorder.
    Asd,
    /// Other difficulty.
    Oth,
    /// SEN support, no specialist assessment of type of need.
    Nsa });
remote_enum!(
    /// The child's SEN provision, as the school census records it.
    SenProvision = "domain::SenProvision" {
    /// An education, health and care plan.
    EhcPlan,
    /// SEN support, without an EHC plan.
    SenSupport,
    /// No special educational provision.
    None });
remote_enum!(
    /// Where the child is in the EHC process.
    EhcPlanStatus = "domain::EhcPlanStatus" {
    /// No EHC plan, and none requested.
    NoPlan,
    /// An EHC needs assessment was requested; the decision to assess is awaited.
    AssessmentRequested,
    /// An EHC needs assessment is under way.
    Assessing,
    /// A draft plan has been issued to the family.
    DraftIssued,
    /// A final EHC plan is maintained.
    Final,
    /// The plan has ceased.
    Ceased });
remote_enum!(
    /// How a family member relates to the child.
    Relationship = "domain::Relationship" {
    /// The child's mother.
    Mother,
    /// The child's father.
    Father,
    /// A step-parent.
    StepParent,
    /// A grandparent.
    Grandparent,
    /// A special guardian (Children Act 1989 s.14A).
    SpecialGuardian,
    /// An adoptive parent.
    AdoptiveParent,
    /// A foster carer.
    FosterCarer,
    /// The local authority (for a child in its care).
    LocalAuthority,
    /// A deputy or attorney (for a young person lacking capacity).
    Deputy,
    /// Another relationship.
    Other });
remote_enum!(
    /// How a family member prefers to be contacted.
    ContactPreference = "domain::ContactPreference" {
    /// By email.
    Email,
    /// By telephone call.
    Phone,
    /// By text message.
    Text,
    /// By letter.
    Post,
    /// Through an interpreter.
    Interpreter });
remote_enum!(
    /// The phase of the child's education setting.
    SettingPhase = "domain::SettingPhase" {
    /// Early years (before school).
    EarlyYears,
    /// Primary school.
    Primary,
    /// Secondary school.
    Secondary,
    /// A special school.
    Special,
    /// Post-16: sixth form, college or training.
    #[graphql(name = "POST_16")] PostSixteen,
    /// Not in education.
    NotInEducation });
remote_enum!(
    /// Where the child is with CAMHS.
    CamhsStatus = "domain::CamhsStatus" {
    /// Not referred.
    NotReferred,
    /// Referred, waiting to be seen.
    Waiting,
    /// Open to CAMHS.
    Open,
    /// Discharged.
    Discharged });
remote_enum!(
    /// A kind of restricted information (a security label, not a consent scope).
    RestrictedKind = "domain::RestrictedKind" {
    /// The child is subject to a child protection plan.
    ChildProtectionPlan,
    /// The child is a child in need (Children Act 1989 s.17).
    ChildInNeed,
    /// The child is looked after by the local authority.
    LookedAfter,
    /// A youth justice order.
    YouthJusticeOrder,
    /// Adoption.
    Adoption });
remote_enum!(
    /// Purpose of use, sent as the `X-Purpose-Of-Use` header with every
    /// practitioner request. A statutory basis holds only for its purpose.
    Purpose = "consent::Purpose" {
    /// Day-to-day support of the child by the practitioner's service.
    DirectSupport,
    /// An EHC needs assessment (Children and Families Act 2014 s.36).
    EhcAssessment,
    /// The review of a maintained EHC plan (CFA 2014 s.44).
    AnnualReview,
    /// Keeping a child safe (Children Act 1989 s.17, s.47).
    Safeguarding });
remote_enum!(
    /// A role, as the token's `roles` claim names it (lower case there).
    Role = "consent::Role" {
    /// A person with parental responsibility, or another carer, for the child.
    Family,
    /// The young person themselves.
    YoungPerson,
    /// A local authority SEND case officer.
    CaseOfficer,
    /// A practitioner of an agency (school, health, therapy, social care...).
    Practitioner,
    /// A designated safeguarding lead: may declare safeguarding overrides.
    SafeguardingLead,
    /// Information-governance staff: read the access trace, never content.
    IgAuditor,
    /// Information-governance administrators: also publish agreements.
    IgAdmin,
    /// The organisation's Caldicott Guardian: reviews and may approve
    /// safeguarding overrides; like IG staff, never reads content.
    CaldicottGuardian });
remote_enum!(
    /// The legal ground of a safeguarding override.
    OverrideGround = "consent::OverrideGround" {
    /// Children Act 1989 s.47: an enquiry into significant harm.
    S47,
    /// Children Act 1989 s.17: a child in need.
    S17,
    /// DPA 2018 Sch 1 para 18: consent cannot be given or obtained, or
    /// asking would prejudice the child's protection.
    #[graphql(name = "SCH1_PARA18")] Sch1Para18,
    /// UK GDPR Art 6(1)(d): to protect someone's vital interests.
    VitalInterests });
remote_enum!(
    /// What a safeguarding lead decided about telling the family.
    TellingChoice = "consent::TellingChoice" {
    /// Telling the family is safe now.
    TellNow,
    /// Tell them from a given date (e.g. after a strategy discussion).
    TellOn,
    /// Not now, because telling would raise the risk or prejudice an
    /// enquiry; reconsidered by a review date.
    NotNow });
remote_enum!(
    /// The role in which a second person approved an override.
    ApproverRole = "consent::ApproverRole" {
    /// Another designated safeguarding lead.
    SafeguardingLead,
    /// The organisation's Caldicott Guardian.
    CaldicottGuardian });
remote_enum!(
    /// What a disclosure rests on.
    BasisKind = "consent::BasisKind" {
    /// The family's agreement to share (or UK GDPR consent where the rule says so): a grant.
    Consent,
    /// A safeguarding override the caller holds.
    Safeguarding,
    /// A statutory duty of the recipient (UK GDPR Art 6(1)(e)), bound to a fact such
    /// as an open assessment or a maintained plan; families are shown it but cannot switch it off.
    PublicTask,
    /// The caller is the child's family or the young person.
    Family,
    /// The caller's own agency contributed it.
    OwnContribution });
remote_enum!(
    /// Why something is withheld.
    DenialCode = "consent::DenialCode" {
    /// Outside the caller's agreement or role: asking the family won't help.
    NotPermitted,
    /// Inside the agreement, but no lawful basis holds yet: the family's
    /// agreement would open it.
    ConsentRequired,
    /// A statutory rule would open it for this purpose, but the fact the
    /// purpose needs (an open assessment, a maintained plan, an advice
    /// request, a current involvement) is not recorded for this child and
    /// caller; the reason names it.
    PurposeNotEstablished });

remote_enum!(
    /// Where a consent grant stands now.
    GrantStatus = "consent::GrantStatus" {
    /// In force: it gives access.
    Active,
    /// Not yet in force (`validFrom` is in the future).
    Pending,
    /// Withdrawn: it gives no access from the next request on.
    Withdrawn,
    /// Past its `validUntil`.
    Expired });
remote_enum!(
    /// In which capacity someone made a consent decision.
    GrantorCapacity = "consent::GrantorCapacity" {
    /// A person with parental responsibility for a child.
    ParentalResponsibility,
    /// The young person themselves (over compulsory school age, or competent).
    YoungPerson,
    /// A health-and-welfare deputy or attorney for a young person lacking capacity.
    Deputy,
    /// A parent deciding for a young person assessed as lacking capacity.
    ParentForYoungPersonLackingCapacity });
remote_enum!(
    /// How consent was captured.
    CaptureMethod = "consent::CaptureMethod" {
    /// By the family themselves, signed in.
    Digital,
    /// On paper, recorded by a practitioner.
    Written,
    /// Spoken (in person or by phone), recorded by a practitioner.
    Verbal });
remote_enum!(
    /// What a consent receipt records.
    ReceiptEvent = "consent::ReceiptEvent" {
    /// Consent granted.
    Granted,
    /// Consent withdrawn.
    Withdrawn });
remote_enum!(
    /// The outcome of an IG (or Caldicott Guardian) review of an override.
    ReviewOutcome = "consent::ReviewOutcome" {
    /// The override was justified.
    Upheld,
    /// It was not: it stops at once, and the finding is kept.
    NotUpheld });

/// Wraps a domain value for GraphQL.
#[derive(Debug)]
pub struct Gql<T>(pub T);

/// Who the child is (IDENTITY), with the NHS number (NHS_NUMBER), UPN
/// (PUPIL_NUMBER) and address (CONTACT): a field whose scope is withheld is
/// null with its error at its own path, and the rest is shown.
#[derive(Debug)]
pub struct IdentityView(pub Partial<domain::Identity>);

type Field<T> = async_graphql::Result<Option<T>>;

impl IdentityView {
    fn shown<'a, T>(
        &'a self,
        name: &str,
        value: impl FnOnce(&'a domain::Identity) -> Option<T>,
    ) -> Field<T> {
        self.0.field(name)?;
        Ok(value(&self.0.value))
    }
}

/// Who the child is (IDENTITY), with the NHS number (NHS_NUMBER), UPN
/// (PUPIL_NUMBER) and address (CONTACT), each in its own scope.
#[Object(name = "Identity")]
impl IdentityView {
    /// The child's given (first) name.
    async fn given_name(&self) -> &str {
        &self.0.value.given_name
    }
    /// The child's family name (surname).
    async fn family_name(&self) -> &str {
        &self.0.value.family_name
    }
    /// The name the child likes to be called, if different.
    async fn preferred_name(&self) -> Option<&str> {
        self.0.value.preferred_name.as_deref()
    }
    /// The child's date of birth.
    async fn date_of_birth(&self) -> Date {
        self.0.value.date_of_birth.into()
    }
    /// Ten digits, no spaces (NHS_NUMBER).
    async fn nhs_number(&self) -> Field<&str> {
        self.shown("nhsNumber", |i| i.nhs_number.as_ref().map(|n| n.as_str()))
    }
    /// The unique pupil number (PUPIL_NUMBER).
    async fn upn(&self) -> Field<&str> {
        self.shown("upn", |i| i.upn.as_ref().map(|u| u.as_str()))
    }
    /// CONTACT.
    async fn address_line(&self) -> Field<&str> {
        self.shown("addressLine", |i| i.address_line.as_deref())
    }
    /// CONTACT.
    async fn town(&self) -> Field<&str> {
        self.shown("town", |i| i.town.as_deref())
    }
    /// CONTACT.
    async fn postcode(&self) -> Field<&str> {
        self.shown("postcode", |i| i.postcode.as_deref())
    }
    /// The language spoken at home, if recorded.
    async fn home_language(&self) -> Option<&str> {
        self.0.value.home_language.as_deref()
    }
    /// How the child communicates and what helps, if recorded.
    async fn communication_needs(&self) -> Option<&str> {
        self.0.value.communication_needs.as_deref()
    }
}

/// FAMILY: a person with parental responsibility or another carer.
#[Object(name = "FamilyMember")]
impl Gql<domain::FamilyMember> {
    /// The family member's id in this record.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The identity-provider person id they sign in with; null if they do not sign in.
    async fn person_id(&self) -> Option<&str> {
        self.0.person_id.as_deref()
    }
    /// Their full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// How they relate to the child.
    async fn relationship(&self) -> Relationship {
        self.0.relationship.into()
    }
    /// Whether they hold parental responsibility for the child.
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    /// What their parental responsibility rests on (birth registration, court order...), if recorded.
    async fn pr_evidence(&self) -> Option<&str> {
        self.0.pr_evidence.as_deref()
    }
    /// How they prefer to be contacted.
    async fn contact_preference(&self) -> ContactPreference {
        self.0.contact_preference.into()
    }
    /// Their telephone number, if given.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Their email address, if given.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Whether they are the main contact for the child.
    async fn main_contact(&self) -> bool {
        self.0.main_contact
    }
}

/// ALL_ABOUT_ME (EHC plan section A), in the family's own words.
#[Object(name = "AllAboutMe")]
impl Gql<domain::AllAboutMe> {
    /// What matters to the child.
    async fn what_matters(&self) -> Option<&str> {
        self.0.what_matters.as_deref()
    }
    /// How best to support the child.
    async fn how_to_support(&self) -> Option<&str> {
        self.0.how_to_support.as_deref()
    }
    /// The child's hopes and aspirations.
    async fn aspirations(&self) -> Option<&str> {
        self.0.aspirations.as_deref()
    }
    /// The child's story so far.
    async fn history(&self) -> Option<&str> {
        self.0.history.as_deref()
    }
}

/// EDUCATION.
#[Object(name = "Education")]
impl Gql<domain::Education> {
    /// The name of the school or setting the child attends.
    async fn setting_name(&self) -> Option<&str> {
        self.0.setting_name.as_deref()
    }
    /// The setting's unique reference number (URN, from Get Information about Schools).
    async fn setting_urn(&self) -> Option<&str> {
        self.0.setting_urn.as_deref()
    }
    /// The setting's phase.
    async fn setting_phase(&self) -> Option<SettingPhase> {
        self.0.setting_phase.map(Into::into)
    }
    /// The child's year group, e.g. `Year 4` or `Reception`.
    async fn year_group(&self) -> Option<&str> {
        self.0.year_group.as_deref()
    }
    /// The school's SEN support plan, in summary.
    async fn sen_support_plan(&self) -> Option<&str> {
        self.0.sen_support_plan.as_deref()
    }
    /// Attendance this school year, as a percentage from 0 to 100.
    async fn attendance_percent(&self) -> Option<f64> {
        self.0.attendance_percent
    }
    /// Attainment, in summary.
    async fn attainment_summary(&self) -> Option<&str> {
        self.0.attainment_summary.as_deref()
    }
    /// Number of suspensions this school year.
    async fn suspensions_this_year(&self) -> Option<i32> {
        self.0.suspensions_this_year
    }
    /// Whether the child has been permanently excluded.
    async fn permanently_excluded(&self) -> Option<bool> {
        self.0.permanently_excluded
    }
}

/// One ranked need (1 = primary).
#[derive(SimpleObject, Debug)]
pub struct SenNeed {
    /// The need type's code.
    pub code: NeedCode,
    /// The need type in words, e.g. "Speech, language and communication needs".
    pub label: &'static str,
    /// Its rank: 1 is the primary need, 2 the secondary.
    pub rank: i32,
}

/// SEN_NEEDS (EHC plan sections B, E, F).
#[Object(name = "SenNeeds")]
impl Gql<domain::SenNeeds> {
    /// The child's SEN provision.
    async fn provision(&self) -> Option<SenProvision> {
        self.0.provision.map(Into::into)
    }
    /// Where the child is in the EHC process.
    async fn ehc_plan_status(&self) -> Option<EhcPlanStatus> {
        self.0.ehc_plan_status.map(Into::into)
    }
    /// When the current EHC plan was issued.
    async fn ehc_plan_issued_on(&self) -> Option<Date> {
        self.0.ehc_plan_issued_on.map(Into::into)
    }
    /// The child's needs, ranked (primary first).
    async fn needs(&self) -> Vec<SenNeed> {
        self.0
            .needs
            .iter()
            .map(|n| SenNeed {
                code: n.code.into(),
                label: n.code.label(),
                rank: n.rank,
            })
            .collect()
    }
    /// The outcomes sought (EHC plan section E).
    async fn outcomes(&self) -> Option<&str> {
        self.0.outcomes.as_deref()
    }
    /// The special educational provision (EHC plan section F).
    async fn special_educational_provision(&self) -> Option<&str> {
        self.0.special_educational_provision.as_deref()
    }
}

/// PSYCHOLOGY.
#[Object(name = "Psychology")]
impl Gql<domain::Psychology> {
    /// When the educational psychologist last assessed the child.
    async fn assessed_on(&self) -> Option<Date> {
        self.0.assessed_on.map(Into::into)
    }
    /// That assessment, in summary.
    async fn assessment_summary(&self) -> Option<&str> {
        self.0.assessment_summary.as_deref()
    }
    /// The educational psychologist's advice.
    async fn advice(&self) -> Option<&str> {
        self.0.advice.as_deref()
    }
}

/// A condition, medicine or allergy.
#[derive(SimpleObject, Debug)]
pub struct HealthItem {
    /// The item's id.
    pub id: ID,
    /// What it is, e.g. the condition's or medicine's name.
    pub name: String,
    /// More about it (dose, severity, what to do), if recorded.
    pub detail: Option<String>,
}

impl Gql<domain::PhysicalHealth> {
    fn items(&self, kind: HealthItemKind) -> Vec<HealthItem> {
        self.0
            .items
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| HealthItem {
                id: ID(i.id.to_string()),
                name: i.name.clone(),
                detail: i.detail.clone(),
            })
            .collect()
    }
}

/// PHYSICAL_HEALTH (EHC plan sections C, G).
#[Object(name = "PhysicalHealth")]
impl Gql<domain::PhysicalHealth> {
    /// The child's health conditions.
    async fn conditions(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Condition)
    }
    /// The child's medicines.
    async fn medicines(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Medicine)
    }
    /// The child's allergies.
    async fn allergies(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Allergy)
    }
    /// The child's GP practice.
    async fn gp_practice(&self) -> Option<&str> {
        self.0.gp_practice.as_deref()
    }
    /// Whether the child has an individual health care plan.
    async fn health_care_plan(&self) -> Option<bool> {
        self.0.health_care_plan
    }
    /// The health provision (EHC plan section G).
    async fn health_provision(&self) -> Option<&str> {
        self.0.health_provision.as_deref()
    }
}

/// COMMUNICATION (speech and language therapy).
#[Object(name = "Communication")]
impl Gql<domain::Communication> {
    /// How the child communicates.
    async fn profile(&self) -> Option<&str> {
        self.0.profile.as_deref()
    }
    /// The speech and language therapist's advice.
    async fn slt_advice(&self) -> Option<&str> {
        self.0.slt_advice.as_deref()
    }
    /// Speech and language targets.
    async fn targets(&self) -> Option<&str> {
        self.0.targets.as_deref()
    }
    /// Augmentative and alternative communication the child uses, if any.
    async fn aac(&self) -> Option<&str> {
        self.0.aac.as_deref()
    }
}

/// SENSORY_PHYSICAL (OT, physiotherapy, hearing and vision).
#[Object(name = "SensoryPhysical")]
impl Gql<domain::SensoryPhysical> {
    /// The occupational therapist's summary.
    async fn ot_summary(&self) -> Option<&str> {
        self.0.ot_summary.as_deref()
    }
    /// The physiotherapist's summary.
    async fn physio_summary(&self) -> Option<&str> {
        self.0.physio_summary.as_deref()
    }
    /// About the child's hearing.
    async fn hearing(&self) -> Option<&str> {
        self.0.hearing.as_deref()
    }
    /// About the child's vision.
    async fn vision(&self) -> Option<&str> {
        self.0.vision.as_deref()
    }
    /// Equipment the child uses.
    async fn equipment(&self) -> Option<&str> {
        self.0.equipment.as_deref()
    }
}

/// MENTAL_HEALTH (CAMHS summary).
#[Object(name = "MentalHealth")]
impl Gql<domain::MentalHealth> {
    /// Where the child is with CAMHS.
    async fn camhs_status(&self) -> Option<CamhsStatus> {
        self.0.camhs_status.map(Into::into)
    }
    /// When the child was referred to CAMHS.
    async fn referred_on(&self) -> Option<Date> {
        self.0.referred_on.map(Into::into)
    }
    /// CAMHS involvement, in summary.
    async fn involvement_summary(&self) -> Option<&str> {
        self.0.involvement_summary.as_deref()
    }
}

/// SOCIAL_CARE (EHC plan sections D, H1, H2).
#[Object(name = "SocialCare")]
impl Gql<domain::SocialCare> {
    /// The child's social care needs (EHC plan section D).
    async fn needs(&self) -> Option<&str> {
        self.0.needs.as_deref()
    }
    /// Support the family receives.
    async fn family_support(&self) -> Option<&str> {
        self.0.family_support.as_deref()
    }
    /// Short breaks the child has.
    async fn short_breaks(&self) -> Option<&str> {
        self.0.short_breaks.as_deref()
    }
    /// The social care provision (EHC plan sections H1, H2).
    async fn provision(&self) -> Option<&str> {
        self.0.provision.as_deref()
    }
}

/// PREPARING_FOR_ADULTHOOD (from Year 9).
#[Object(name = "PreparingForAdulthood")]
impl Gql<domain::PreparingForAdulthood> {
    /// Towards paid employment.
    async fn employment(&self) -> Option<&str> {
        self.0.employment.as_deref()
    }
    /// Towards independent living.
    async fn independent_living(&self) -> Option<&str> {
        self.0.independent_living.as_deref()
    }
    /// Friends, relationships and community inclusion.
    async fn community(&self) -> Option<&str> {
        self.0.community.as_deref()
    }
    /// Towards good health in adult life.
    async fn health(&self) -> Option<&str> {
        self.0.health.as_deref()
    }
}

/// RESTRICTED item.
#[Object(name = "RestrictedItem")]
impl Gql<domain::RestrictedItem> {
    /// The item's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind of restricted information it is.
    async fn kind(&self) -> RestrictedKind {
        self.0.kind.into()
    }
    /// A short summary.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// From when it applies, if recorded.
    async fn since(&self) -> Option<Date> {
        self.0.since.map(Into::into)
    }
    /// Until when it applied; null while current.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Into::into)
    }
}

/// A service involved with the child. Each entry is shown only if its
/// service's scope may be seen.
#[Object(name = "Involvement")]
impl Gql<domain::Involvement> {
    /// The involvement's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The agency involved.
    async fn agency_id(&self) -> ID {
        ID(self.0.agency_id.to_string())
    }
    /// Its name.
    async fn agency_name(&self) -> &str {
        &self.0.agency_name
    }
    /// Its kind; the involvement is in that kind's scope (knowing CAMHS is involved is mental-health information).
    async fn agency_kind(&self) -> AgencyKind {
        self.0.agency_kind.into()
    }
    /// The practitioner working with the child, if named.
    async fn practitioner_name(&self) -> Option<&str> {
        self.0.practitioner_name.as_deref()
    }
    /// Their role, e.g. "Key worker".
    async fn role_title(&self) -> Option<&str> {
        self.0.role_title.as_deref()
    }
    /// From when the service has been involved.
    async fn since(&self) -> Option<Date> {
        self.0.since.map(Into::into)
    }
    /// Until when; null while current.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Into::into)
    }
}

/// An organisation.
#[derive(SimpleObject, Debug)]
pub struct Agency {
    /// The agency's id in the register.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: AgencyKind,
}

impl From<domain::Agency> for Agency {
    fn from(a: domain::Agency) -> Self {
        Self {
            id: ID(a.id.to_string()),
            name: a.name,
            kind: a.kind.into(),
        }
    }
}

/// For one scope: may the caller see it, and on which basis or why not.
#[derive(SimpleObject, Debug)]
pub struct ScopeAccess {
    /// The scope.
    pub scope: Scope,
    /// How the scope reads to a family.
    pub label: &'static str,
    /// Whether the caller may see it, for the purpose stated.
    pub allowed: bool,
    /// What seeing it rests on; null when withheld.
    pub basis: Option<BasisKind>,
    /// The basis or the reason, in plain words.
    pub explanation: String,
    /// Why it is withheld; null when allowed.
    pub denial: Option<DenialCode>,
    /// Grants relied on (basis CONSENT).
    pub grant_ids: Vec<ID>,
    /// The override relied on (basis SAFEGUARDING).
    pub override_id: Option<ID>,
    /// The law the disclosure rests on (when allowed).
    pub lawful_basis: Option<LawfulBasisView>,
    /// The fact that makes the purpose true for this child and caller: an
    /// open assessment, a maintained plan, an advice request, a current
    /// involvement, an override (PUBLIC_TASK and SAFEGUARDING).
    pub bound_to: Option<BoundFact>,
    /// The data-sharing agreement version that bounded the decision.
    pub agreement_version: i32,
    /// The record fields this scope covers (`section.field`).
    pub fields: Vec<String>,
}

/// The law a disclosure rests on (shared/LAW.md §1).
#[derive(SimpleObject, Debug, Clone)]
pub struct LawfulBasisView {
    /// UK GDPR Art 6(1) basis code: A_CONSENT, C_LEGAL_OBLIGATION,
    /// D_VITAL_INTERESTS or E_PUBLIC_TASK.
    pub article6: &'static str,
    /// Art 9(2) / Art 10 condition code (special-category data), e.g.
    /// G_SCH1_PARA6, H_SCH1_PARA2, G_SCH1_PARA18.
    pub condition: Option<&'static str>,
    /// The statute that lets the body do the work.
    pub gateway: String,
    /// Article, condition and gateway, as a data-protection officer cites them.
    pub citation: String,
    /// True when the family's agreement is UK GDPR Art 6(1)(a) consent;
    /// otherwise it is their agreement to share under the common-law duty
    /// of confidence.
    pub gdpr_consent: bool,
}

impl From<&consent::LawfulBasis> for LawfulBasisView {
    fn from(b: &consent::LawfulBasis) -> Self {
        Self {
            article6: b.article6.code(),
            condition: b.condition.map(|c| c.code()),
            gateway: b.gateway.clone(),
            citation: b.citation(),
            gdpr_consent: b.is_gdpr_consent(),
        }
    }
}

/// The fact a decision is bound to, by kind and id.
#[derive(SimpleObject, Debug, Clone)]
pub struct BoundFact {
    /// ASSESSMENT, PLAN, ADVICE_REQUEST, INVOLVEMENT or OVERRIDE.
    pub kind: &'static str,
    /// The fact's id (an assessment, plan, advice request, involvement or override).
    pub id: ID,
}

impl From<consent::Bound> for BoundFact {
    fn from(b: consent::Bound) -> Self {
        Self {
            kind: b.kind.code(),
            id: ID(b.id.to_string()),
        }
    }
}

/// A safeguarding override as the family (or its holder) sees it: the
/// notice written for the family, the agency, the scopes and the dates,
/// never the lead's internal reason.
#[derive(SimpleObject, Debug)]
pub struct OverrideNotice {
    /// The override's id.
    pub id: ID,
    /// The notice the lead wrote for the family.
    pub notice: String,
    /// The agency that looked.
    pub agency_id: ID,
    /// The agency's name, as registered.
    pub agency_name: Option<String>,
    /// The parts of the record it opened.
    pub scopes: Vec<Scope>,
    /// When it started.
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// When it ends (or ended).
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

impl OverrideNotice {
    pub fn new(o: &consent::Override, agencies: &[domain::Agency]) -> Self {
        Self {
            id: ID(o.id.to_string()),
            notice: o.telling.family_notice.clone(),
            agency_id: ID(o.agency_id.to_string()),
            agency_name: agencies
                .iter()
                .find(|a| a.id == o.agency_id)
                .map(|a| a.name.clone()),
            scopes: o.scopes.iter().map(|s| (*s).into()).collect(),
            starts_at: o.starts_at,
            ends_at: o.ends_at,
        }
    }
}

impl ScopeAccess {
    pub fn new(
        scope: domain::Scope,
        decision: &consent::ScopeDecision,
        agreement_version: i32,
    ) -> Self {
        let fields = catalogue::fields_in(scope).map(|f| f.path()).collect();
        let id = |u: &uuid::Uuid| ID(u.to_string());
        let (allowed, basis, explanation, denial, grant_ids, override_id) = match decision {
            consent::ScopeDecision::Allowed(b) => (
                true,
                Some(b.kind().into()),
                b.explanation(),
                None,
                b.grant_ids().iter().map(id).collect(),
                b.override_id().as_ref().map(id),
            ),
            consent::ScopeDecision::Denied(d) => (
                false,
                None,
                d.reason.clone(),
                Some(d.code.into()),
                Vec::new(),
                None,
            ),
        };
        let (lawful_basis, bound_to) = match decision {
            consent::ScopeDecision::Allowed(b) => (
                Some(LawfulBasisView::from(&b.lawful())),
                b.bound().map(Into::into),
            ),
            consent::ScopeDecision::Denied(_) => (None, None),
        };
        Self {
            scope: scope.into(),
            label: scope.label(),
            allowed,
            basis,
            explanation,
            denial,
            grant_ids,
            override_id,
            lawful_basis,
            bound_to,
            agreement_version,
            fields,
        }
    }
}

remote_enum!(
    /// What kind of contribution an agency makes.
    #[graphql(name = "ContributionKind")]
    ContributionKindGql = "domain::ContributionKind" {
    /// Advice for an EHC needs assessment (EHC plan section K).
    Advice,
    /// The findings of an assessment.
    Assessment,
    /// An update on how things are going.
    Update });
remote_enum!(
    /// In which capacity someone wrote "All about me".
    #[graphql(name = "WrittenAs")]
    WrittenAsGql = "domain::WrittenAs" {
    /// A person with parental responsibility.
    Parent,
    /// The child or young person, in their own words.
    YoungPerson });
remote_enum!(
    /// A step of an EHC needs assessment, with its statutory time limit
    /// (SEND Regulations 2014).
    #[graphql(name = "Milestone")]
    MilestoneGql = "domain::ehc::Milestone" {
    /// The council tells the family whether it will assess: week 6 (reg 5(1)).
    DecisionToAssess,
    /// Each body asked for advice replies within 6 weeks of the request (reg 8(1)).
    Advice,
    /// The notice that no plan will be issued: week 16 (reg 10(1)); a
    /// milestone only once the council decided not to issue one.
    NoticeNotToIssue,
    /// The draft plan: a practical target, not a statutory limit (week 20
    /// less the family's 15 days to comment, reg 13(1)).
    Draft,
    /// The final plan: week 20 (reg 13(2)).
    FinalPlan,
    /// The annual review: within 12 months of the plan, then of each review.
    AnnualReview });
remote_enum!(
    /// Where a milestone stands today.
    #[graphql(name = "MilestoneStatus")]
    MilestoneStatusGql = "domain::ehc::MilestoneStatus" {
    /// Not yet due, and not due within 14 days.
    OnTrack,
    /// Due within 14 days.
    DueSoon,
    /// Past its due date and not done.
    Overdue,
    /// Done by its due date.
    Done,
    /// Done, after its due date.
    DoneLate,
    /// A recorded exception lifted this milestone's time limit: it is due
    /// "as soon as practicable" (regs 5(4), 8(2), 10(4), 13(3)).
    ExceptionApplies });
remote_enum!(
    /// The regulations' exceptions to the time limits (regs 5(4), 8(2),
    /// 10(4), 13(3)); each time limit allows only some (see `TimeLimit`).
    #[graphql(name = "ClockException")]
    ClockExceptionGql = "domain::ehc::ClockException" {
    /// The child's school or post-16 institution is closed for 4 weeks or
    /// more (decision to assess, notice not to issue, final plan).
    SchoolClosure,
    /// An early years provider closed for 4 weeks or more (reg 10(4)(b);
    /// notice not to issue, final plan).
    EarlyYearsClosure,
    /// Exceptional personal circumstances of the child or the family (every limit).
    ExceptionalPersonalCircumstances,
    /// The family is away from the area for 4 weeks or more (every limit).
    FamilyAbsent,
    /// The child or family missed an appointment for an examination or a
    /// test (advice only, reg 8(2)).
    MissedAppointment });
remote_enum!(
    /// How an advice request was answered.
    #[graphql(name = "AdviceAnswerMode")]
    AdviceAnswerModeGql = "domain::ehc::AdviceAnswerMode" {
    /// New advice, written for this request.
    Submitted,
    /// Existing advice, confirmed still sufficient by its author and the
    /// family (reg 6(4)): not asked for again.
    Reused });
remote_enum!(
    /// A statutory time limit an exception can attach to: each exception
    /// serves one limit only.
    #[graphql(name = "TimeLimit")]
    TimeLimitGql = "domain::ehc::TimeLimit" {
    /// Whether to assess: 6 weeks (reg 5(1)); exceptions reg 5(4):
    /// SCHOOL_CLOSURE, EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, FAMILY_ABSENT.
    DecisionToAssess,
    /// Each piece of advice: 6 weeks from the request (reg 8(1)); exceptions
    /// reg 8(2): EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, FAMILY_ABSENT, MISSED_APPOINTMENT.
    Advice,
    /// The notice that no plan will be issued: 16 weeks (reg 10(1));
    /// exceptions reg 10(4): SCHOOL_CLOSURE, EARLY_YEARS_CLOSURE,
    /// EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, FAMILY_ABSENT.
    NoticeNotToIssue,
    /// The final plan: 20 weeks (reg 13(2)); exceptions reg 13(3): as for
    /// NOTICE_NOT_TO_ISSUE.
    FinalPlan });
remote_enum!(
    /// Who, besides the council, confirms that existing advice is still
    /// sufficient before it is reused (reg 6(4)): each for themselves.
    #[graphql(name = "ReuseParty")]
    ReusePartyGql = "domain::ehc::ReuseParty" {
    /// The person who wrote the advice.
    Author,
    /// The parent, or the young person who decides for themselves.
    Family });

remote_enum!(
    /// Where a holder's parental responsibility comes from (Children Act
    /// 1989 ss.2, 4, 4A, 14C, 33; Adoption and Children Act 2002 s.46).
    PrSource = "consent::PrSource" {
    /// The child's birth mother (s.2(1), (2)).
    BirthMother,
    /// The father, married to the mother at the birth (s.2(1)).
    FatherMarried,
    /// The father, registered on the birth certificate from 1 December 2003 (s.4(1)(a)).
    FatherRegistered,
    /// A parental responsibility agreement (s.4(1)(b), s.4A).
    PrAgreement,
    /// A parental responsibility order or a child arrangements order of a court.
    PrOrder,
    /// A special guardianship order (s.14C).
    SpecialGuardian,
    /// An adoption order (ACA 2002 s.46).
    Adopter,
    /// The local authority under a care order (s.33(3)): its holder is the
    /// named social worker who exercises it as corporate parent.
    LocalAuthorityCareOrder,
    /// Carried over from the record's old yes/no flag; re-evidence it.
    CarriedOver });
remote_enum!(
    /// How far a holder may exercise their parental responsibility.
    PrLimitKind = "consent::PrLimitKind" {
    /// No limit recorded.
    Unlimited,
    /// Not for the listed scopes.
    Scopes,
    /// Not at all (e.g. a care order under s.33(3)(b)).
    MayNotExercise });
remote_enum!(
    /// The kind of deputy or attorney (MCA 2005 ss.9, 16); only
    /// health-and-welfare ones act for information-sharing decisions.
    DeputyKind = "consent::DeputyKind" {
    /// A deputy appointed by the Court of Protection for personal welfare.
    CourtDeputyHealthWelfare,
    /// A deputy appointed by the Court of Protection for property and affairs
    /// (does not act for information sharing).
    CourtDeputyPropertyAffairs,
    /// An attorney under a health and welfare lasting power of attorney.
    LpaHealthWelfare,
    /// An attorney under a property and financial affairs lasting power of
    /// attorney (does not act for information sharing).
    LpaPropertyFinancial });
remote_enum!(
    /// The decision a capacity assessment is about (MCA 2005 s.2(1):
    /// capacity is judged per decision).
    CapacityDecision = "consent::CapacityDecision" {
    /// Whether and with whom to share information from the record.
    InformationSharing });
remote_enum!(
    /// What a capacity assessment found.
    CapacityOutcome = "consent::CapacityOutcome" {
    /// The young person has capacity to make the decision.
    HasCapacity,
    /// The young person lacks capacity to make the decision (MCA 2005 s.2).
    LacksCapacity });

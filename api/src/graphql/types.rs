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
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($(#[$vm])* $variant),+ }
    };
}

remote_enum!(
    /// A consent scope.
    Scope = "domain::Scope" { Identity, NhsNumber, PupilNumber, Contact, Family, AllAboutMe, Education, SenNeeds, Psychology, PhysicalHealth,
    Communication, SensoryPhysical, MentalHealth, SocialCare, PreparingForAdulthood, Restricted });
remote_enum!(
    /// The kind of an agency.
    AgencyKind = "domain::AgencyKind" { School, Camhs, Slt, Ot, Ep, SocialCare, YouthJustice, Health, LaSend });
remote_enum!(
    /// SEN2 need type.
    NeedCode = "domain::NeedCode" { Spld, Mld, Sld, Pmld, Semh, Slcn, Hi, Vi, Msi, Pd, Asd, Oth, Nsa });
remote_enum!(SenProvision = "domain::SenProvision" { EhcPlan, SenSupport, None });
remote_enum!(EhcPlanStatus = "domain::EhcPlanStatus" { NoPlan, AssessmentRequested, Assessing, DraftIssued, Final, Ceased });
remote_enum!(Relationship = "domain::Relationship" { Mother, Father, StepParent, Grandparent, SpecialGuardian,
    AdoptiveParent, FosterCarer, LocalAuthority, Deputy, Other });
remote_enum!(ContactPreference = "domain::ContactPreference" { Email, Phone, Text, Post, Interpreter });
remote_enum!(SettingPhase = "domain::SettingPhase" { EarlyYears, Primary, Secondary, Special,
    #[graphql(name = "POST_16")] PostSixteen, NotInEducation });
remote_enum!(CamhsStatus = "domain::CamhsStatus" { NotReferred, Waiting, Open, Discharged });
remote_enum!(RestrictedKind = "domain::RestrictedKind" { ChildProtectionPlan, ChildInNeed, LookedAfter, YouthJusticeOrder, Adoption });
remote_enum!(
    /// Purpose of use, sent as the `X-Purpose-Of-Use` header.
    Purpose = "consent::Purpose" { DirectSupport, EhcAssessment, AnnualReview, Safeguarding });
remote_enum!(Role = "consent::Role" { Family, YoungPerson, CaseOfficer, Practitioner, SafeguardingLead, IgAuditor, IgAdmin, CaldicottGuardian });
remote_enum!(
    /// The legal ground of a safeguarding override.
    OverrideGround = "consent::OverrideGround" { S47, S17, #[graphql(name = "SCH1_PARA18")] Sch1Para18, VitalInterests });
remote_enum!(
    /// What a safeguarding lead decided about telling the family.
    TellingChoice = "consent::TellingChoice" { TellNow, TellOn, NotNow });
remote_enum!(
    /// The role in which a second person approved an override.
    ApproverRole = "consent::ApproverRole" { SafeguardingLead, CaldicottGuardian });
remote_enum!(
    /// What a disclosure rests on.
    BasisKind = "consent::BasisKind" { Consent, Safeguarding, PublicTask, Family, OwnContribution });
remote_enum!(
    /// Why something is withheld.
    DenialCode = "consent::DenialCode" { NotPermitted, ConsentRequired, PurposeNotEstablished });

remote_enum!(
    /// Where a consent grant stands now.
    GrantStatus = "consent::GrantStatus" { Active, Pending, Withdrawn, Expired });
remote_enum!(
    /// In which capacity someone made a consent decision.
    GrantorCapacity = "consent::GrantorCapacity" { ParentalResponsibility, YoungPerson, Deputy, ParentForYoungPersonLackingCapacity });
remote_enum!(
    /// How consent was captured.
    CaptureMethod = "consent::CaptureMethod" { Digital, Written, Verbal });
remote_enum!(ReceiptEvent = "consent::ReceiptEvent" { Granted, Withdrawn });
remote_enum!(ReviewOutcome = "consent::ReviewOutcome" { Upheld, NotUpheld });

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
    async fn given_name(&self) -> &str {
        &self.0.value.given_name
    }
    async fn family_name(&self) -> &str {
        &self.0.value.family_name
    }
    async fn preferred_name(&self) -> Option<&str> {
        self.0.value.preferred_name.as_deref()
    }
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
    async fn home_language(&self) -> Option<&str> {
        self.0.value.home_language.as_deref()
    }
    async fn communication_needs(&self) -> Option<&str> {
        self.0.value.communication_needs.as_deref()
    }
}

/// FAMILY: a person with parental responsibility or another carer.
#[Object(name = "FamilyMember")]
impl Gql<domain::FamilyMember> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn person_id(&self) -> Option<&str> {
        self.0.person_id.as_deref()
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn relationship(&self) -> Relationship {
        self.0.relationship.into()
    }
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    async fn pr_evidence(&self) -> Option<&str> {
        self.0.pr_evidence.as_deref()
    }
    async fn contact_preference(&self) -> ContactPreference {
        self.0.contact_preference.into()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn main_contact(&self) -> bool {
        self.0.main_contact
    }
}

/// ALL_ABOUT_ME (EHC plan section A), in the family's own words.
#[Object(name = "AllAboutMe")]
impl Gql<domain::AllAboutMe> {
    async fn what_matters(&self) -> Option<&str> {
        self.0.what_matters.as_deref()
    }
    async fn how_to_support(&self) -> Option<&str> {
        self.0.how_to_support.as_deref()
    }
    async fn aspirations(&self) -> Option<&str> {
        self.0.aspirations.as_deref()
    }
    async fn history(&self) -> Option<&str> {
        self.0.history.as_deref()
    }
}

/// EDUCATION.
#[Object(name = "Education")]
impl Gql<domain::Education> {
    async fn setting_name(&self) -> Option<&str> {
        self.0.setting_name.as_deref()
    }
    async fn setting_urn(&self) -> Option<&str> {
        self.0.setting_urn.as_deref()
    }
    async fn setting_phase(&self) -> Option<SettingPhase> {
        self.0.setting_phase.map(Into::into)
    }
    async fn year_group(&self) -> Option<&str> {
        self.0.year_group.as_deref()
    }
    async fn sen_support_plan(&self) -> Option<&str> {
        self.0.sen_support_plan.as_deref()
    }
    async fn attendance_percent(&self) -> Option<f64> {
        self.0.attendance_percent
    }
    async fn attainment_summary(&self) -> Option<&str> {
        self.0.attainment_summary.as_deref()
    }
    async fn suspensions_this_year(&self) -> Option<i32> {
        self.0.suspensions_this_year
    }
    async fn permanently_excluded(&self) -> Option<bool> {
        self.0.permanently_excluded
    }
}

/// One ranked need (1 = primary).
#[derive(SimpleObject, Debug)]
pub struct SenNeed {
    pub code: NeedCode,
    pub label: &'static str,
    pub rank: i32,
}

/// SEN_NEEDS (EHC plan sections B, E, F).
#[Object(name = "SenNeeds")]
impl Gql<domain::SenNeeds> {
    async fn provision(&self) -> Option<SenProvision> {
        self.0.provision.map(Into::into)
    }
    async fn ehc_plan_status(&self) -> Option<EhcPlanStatus> {
        self.0.ehc_plan_status.map(Into::into)
    }
    async fn ehc_plan_issued_on(&self) -> Option<Date> {
        self.0.ehc_plan_issued_on.map(Into::into)
    }
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
    async fn outcomes(&self) -> Option<&str> {
        self.0.outcomes.as_deref()
    }
    async fn special_educational_provision(&self) -> Option<&str> {
        self.0.special_educational_provision.as_deref()
    }
}

/// PSYCHOLOGY.
#[Object(name = "Psychology")]
impl Gql<domain::Psychology> {
    async fn assessed_on(&self) -> Option<Date> {
        self.0.assessed_on.map(Into::into)
    }
    async fn assessment_summary(&self) -> Option<&str> {
        self.0.assessment_summary.as_deref()
    }
    async fn advice(&self) -> Option<&str> {
        self.0.advice.as_deref()
    }
}

/// A condition, medicine or allergy.
#[derive(SimpleObject, Debug)]
pub struct HealthItem {
    pub id: ID,
    pub name: String,
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
    async fn conditions(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Condition)
    }
    async fn medicines(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Medicine)
    }
    async fn allergies(&self) -> Vec<HealthItem> {
        self.items(HealthItemKind::Allergy)
    }
    async fn gp_practice(&self) -> Option<&str> {
        self.0.gp_practice.as_deref()
    }
    async fn health_care_plan(&self) -> Option<bool> {
        self.0.health_care_plan
    }
    async fn health_provision(&self) -> Option<&str> {
        self.0.health_provision.as_deref()
    }
}

/// COMMUNICATION (speech and language therapy).
#[Object(name = "Communication")]
impl Gql<domain::Communication> {
    async fn profile(&self) -> Option<&str> {
        self.0.profile.as_deref()
    }
    async fn slt_advice(&self) -> Option<&str> {
        self.0.slt_advice.as_deref()
    }
    async fn targets(&self) -> Option<&str> {
        self.0.targets.as_deref()
    }
    async fn aac(&self) -> Option<&str> {
        self.0.aac.as_deref()
    }
}

/// SENSORY_PHYSICAL (OT, physiotherapy, hearing and vision).
#[Object(name = "SensoryPhysical")]
impl Gql<domain::SensoryPhysical> {
    async fn ot_summary(&self) -> Option<&str> {
        self.0.ot_summary.as_deref()
    }
    async fn physio_summary(&self) -> Option<&str> {
        self.0.physio_summary.as_deref()
    }
    async fn hearing(&self) -> Option<&str> {
        self.0.hearing.as_deref()
    }
    async fn vision(&self) -> Option<&str> {
        self.0.vision.as_deref()
    }
    async fn equipment(&self) -> Option<&str> {
        self.0.equipment.as_deref()
    }
}

/// MENTAL_HEALTH (CAMHS summary).
#[Object(name = "MentalHealth")]
impl Gql<domain::MentalHealth> {
    async fn camhs_status(&self) -> Option<CamhsStatus> {
        self.0.camhs_status.map(Into::into)
    }
    async fn referred_on(&self) -> Option<Date> {
        self.0.referred_on.map(Into::into)
    }
    async fn involvement_summary(&self) -> Option<&str> {
        self.0.involvement_summary.as_deref()
    }
}

/// SOCIAL_CARE (EHC plan sections D, H1, H2).
#[Object(name = "SocialCare")]
impl Gql<domain::SocialCare> {
    async fn needs(&self) -> Option<&str> {
        self.0.needs.as_deref()
    }
    async fn family_support(&self) -> Option<&str> {
        self.0.family_support.as_deref()
    }
    async fn short_breaks(&self) -> Option<&str> {
        self.0.short_breaks.as_deref()
    }
    async fn provision(&self) -> Option<&str> {
        self.0.provision.as_deref()
    }
}

/// PREPARING_FOR_ADULTHOOD (from Year 9).
#[Object(name = "PreparingForAdulthood")]
impl Gql<domain::PreparingForAdulthood> {
    async fn employment(&self) -> Option<&str> {
        self.0.employment.as_deref()
    }
    async fn independent_living(&self) -> Option<&str> {
        self.0.independent_living.as_deref()
    }
    async fn community(&self) -> Option<&str> {
        self.0.community.as_deref()
    }
    async fn health(&self) -> Option<&str> {
        self.0.health.as_deref()
    }
}

/// RESTRICTED item.
#[Object(name = "RestrictedItem")]
impl Gql<domain::RestrictedItem> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> RestrictedKind {
        self.0.kind.into()
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn since(&self) -> Option<Date> {
        self.0.since.map(Into::into)
    }
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Into::into)
    }
}

/// A service involved with the child. Each entry is shown only if its
/// service's scope may be seen.
#[Object(name = "Involvement")]
impl Gql<domain::Involvement> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn agency_id(&self) -> ID {
        ID(self.0.agency_id.to_string())
    }
    async fn agency_name(&self) -> &str {
        &self.0.agency_name
    }
    async fn agency_kind(&self) -> AgencyKind {
        self.0.agency_kind.into()
    }
    async fn practitioner_name(&self) -> Option<&str> {
        self.0.practitioner_name.as_deref()
    }
    async fn role_title(&self) -> Option<&str> {
        self.0.role_title.as_deref()
    }
    async fn since(&self) -> Option<Date> {
        self.0.since.map(Into::into)
    }
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Into::into)
    }
}

/// An organisation.
#[derive(SimpleObject, Debug)]
pub struct Agency {
    pub id: ID,
    pub name: String,
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
    pub scope: Scope,
    /// How the scope reads to a family.
    pub label: &'static str,
    pub allowed: bool,
    pub basis: Option<BasisKind>,
    /// The basis or the reason, in plain words.
    pub explanation: String,
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
    pub id: ID,
    /// The notice the lead wrote for the family.
    pub notice: String,
    pub agency_id: ID,
    /// The agency's name, as registered.
    pub agency_name: Option<String>,
    pub scopes: Vec<Scope>,
    pub starts_at: chrono::DateTime<chrono::Utc>,
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
    /// Advice, assessment findings or an update.
    ContributionKindGql = "domain::ContributionKind" { Advice, Assessment, Update });
remote_enum!(WrittenAsGql = "domain::WrittenAs" { Parent, YoungPerson });
remote_enum!(
    /// A step of an EHC needs assessment.
    MilestoneGql = "domain::ehc::Milestone" { DecisionToAssess, Advice, NoticeNotToIssue, Draft, FinalPlan, AnnualReview });
remote_enum!(
    /// Where a milestone stands today.
    MilestoneStatusGql = "domain::ehc::MilestoneStatus" { OnTrack, DueSoon, Overdue, Done, DoneLate, ExceptionApplies });
remote_enum!(
    /// The regulations' exceptions to the time limits.
    ClockExceptionGql = "domain::ehc::ClockException" { SchoolClosure, EarlyYearsClosure, ExceptionalPersonalCircumstances, FamilyAbsent, MissedAppointment });
remote_enum!(AdviceAnswerModeGql = "domain::ehc::AdviceAnswerMode" { Submitted, Reused });
remote_enum!(
    /// A statutory time limit an exception attaches to (each serves one).
    TimeLimitGql = "domain::ehc::TimeLimit" { DecisionToAssess, Advice, NoticeNotToIssue, FinalPlan });
remote_enum!(
    /// Who confirms, for themselves, that existing advice is still sufficient (reg 6(4)).
    ReusePartyGql = "domain::ehc::ReuseParty" { Author, Family });

remote_enum!(
    /// Where a holder's parental responsibility comes from.
    PrSource = "consent::PrSource" { BirthMother, FatherMarried, FatherRegistered, PrAgreement,
    PrOrder, SpecialGuardian, Adopter, LocalAuthorityCareOrder, CarriedOver });
remote_enum!(
    /// How far a holder may exercise their parental responsibility.
    PrLimitKind = "consent::PrLimitKind" { Unlimited, Scopes, MayNotExercise });
remote_enum!(
    /// The kind of deputy or attorney; only health-and-welfare ones act
    /// for information-sharing decisions.
    DeputyKind = "consent::DeputyKind" { CourtDeputyHealthWelfare, CourtDeputyPropertyAffairs,
    LpaHealthWelfare, LpaPropertyFinancial });
remote_enum!(
    /// The decision a capacity assessment is about.
    CapacityDecision = "consent::CapacityDecision" { InformationSharing });
remote_enum!(
    /// What a capacity assessment found.
    CapacityOutcome = "consent::CapacityOutcome" { HasCapacity, LacksCapacity });

//! The recorded facts that settle who decides for a child, scope by scope
//! (LAW.md §2): parental responsibility as a dated relationship with its
//! source, evidence and limits; deputies and attorneys; Gillick-competence
//! decisions; and decision-specific mental-capacity assessments with the
//! young person's challenges. Each is made by a constructor that refuses
//! what the law would not record, with a typed error.

use std::collections::BTreeSet;

use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::{AgencyKind, Scope};
use uuid::Uuid;

/// The scopes a Gillick-competence decision, and the Mental Capacity Act
/// presumption from 16, are about: the child's own health care and
/// information (Gillick v West Norfolk AHA, \[1986\] AC 112).
pub const HEALTH_SCOPES: [Scope; 2] = [Scope::PhysicalHealth, Scope::MentalHealth];

/// True for the scopes in [`HEALTH_SCOPES`].
pub fn is_health(scope: Scope) -> bool {
    HEALTH_SCOPES.contains(&scope)
}

/// Reasons shorter than this are not reasons (a capacity or competence
/// decision must say why, for the person and for review).
pub const MIN_DECISION_REASON_CHARS: usize = 20;

/// A challenge must say what is disputed.
pub const MIN_CHALLENGE_REASON_CHARS: usize = 10;

domain::code_enum! {
    /// Where a holder's parental responsibility comes from (Children Act
    /// 1989 ss.2, 4, 4A, 14C, 33; Adoption and Children Act 2002 s.46).
    pub enum PrSource("parental responsibility source") {
        BirthMother = "BIRTH_MOTHER",
        FatherMarried = "FATHER_MARRIED",
        /// Registered on the birth certificate from 1 December 2003.
        FatherRegistered = "FATHER_REGISTERED",
        PrAgreement = "PR_AGREEMENT",
        PrOrder = "PR_ORDER",
        SpecialGuardian = "SPECIAL_GUARDIAN",
        Adopter = "ADOPTER",
        /// The local authority under a care order (s.33(3)): its holder is
        /// the named social worker who exercises it as corporate parent.
        LocalAuthorityCareOrder = "LOCAL_AUTHORITY_CARE_ORDER",
        /// Carried over from the record's old yes/no flag; re-evidence it.
        CarriedOver = "CARRIED_OVER",
    }
}

domain::code_enum! {
    /// How far a holder may exercise their parental responsibility.
    pub enum PrLimitKind("parental responsibility limit") {
        Unlimited = "UNLIMITED",
        /// Not for the listed scopes.
        Scopes = "SCOPES",
        /// Not at all (e.g. a care order under s.33(3)(b)).
        MayNotExercise = "MAY_NOT_EXERCISE",
    }
}

/// A court or care-order limit on a holder's exercise of parental
/// responsibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrLimit {
    /// No limit recorded.
    Unlimited,
    /// The holder may not decide on, or see, these scopes.
    Scopes {
        /// The scopes withheld from the holder.
        scopes: BTreeSet<Scope>,
        /// The order that limits them.
        order: String,
    },
    /// The holder may not exercise parental responsibility at all.
    MayNotExercise {
        /// The order that limits them.
        order: String,
    },
}

impl PrLimit {
    /// The stored kind.
    pub fn kind(&self) -> PrLimitKind {
        match self {
            PrLimit::Unlimited => PrLimitKind::Unlimited,
            PrLimit::Scopes { .. } => PrLimitKind::Scopes,
            PrLimit::MayNotExercise { .. } => PrLimitKind::MayNotExercise,
        }
    }

    /// The order reference, if limited.
    pub fn order(&self) -> Option<&str> {
        match self {
            PrLimit::Unlimited => None,
            PrLimit::Scopes { order, .. } | PrLimit::MayNotExercise { order } => Some(order),
        }
    }

    fn bars(&self, scope: Scope) -> bool {
        match self {
            PrLimit::Unlimited => false,
            PrLimit::Scopes { scopes, .. } => scopes.contains(&scope),
            PrLimit::MayNotExercise { .. } => true,
        }
    }
}

/// One person's parental responsibility for a child, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrHolding {
    pub id: Uuid,
    /// The holder's sign-in person id.
    pub person_id: String,
    pub source: PrSource,
    /// First day it holds.
    pub from: NaiveDate,
    /// Last day it holds, if it has ended or will end.
    pub until: Option<NaiveDate>,
    /// The document it rests on (birth certificate, order number, …).
    pub evidence: String,
    pub limit: PrLimit,
}

/// Parental responsibility as asked to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPr {
    pub person_id: String,
    pub source: PrSource,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub evidence: String,
    pub limit: PrLimit,
}

impl PrHolding {
    /// Records parental responsibility: evidence is required, the dates in
    /// order, a limit names its order and (for scopes) at least one scope.
    pub fn record(new: NewPr, id: Uuid) -> Result<Self, StandingError> {
        if new.person_id.trim().is_empty() {
            return Err(StandingError::Missing("personId"));
        }
        if new.source == PrSource::CarriedOver {
            return Err(StandingError::CarriedOverIsMigrationOnly);
        }
        if new.evidence.trim().is_empty() {
            return Err(StandingError::Missing("evidence"));
        }
        short("personId", &new.person_id)?;
        short("evidence", &new.evidence)?;
        if let Some(order) = new.limit.order() {
            short("orderReference", order)?;
        }
        check_dates(new.from, new.until)?;
        match &new.limit {
            PrLimit::Unlimited => {}
            PrLimit::Scopes { scopes, order } => {
                if scopes.is_empty() {
                    return Err(StandingError::Missing("limitedScopes"));
                }
                if order.trim().is_empty() {
                    return Err(StandingError::Missing("orderReference"));
                }
            }
            PrLimit::MayNotExercise { order } => {
                if order.trim().is_empty() {
                    return Err(StandingError::Missing("orderReference"));
                }
            }
        }
        Ok(PrHolding {
            id,
            person_id: new.person_id.trim().to_owned(),
            source: new.source,
            from: new.from,
            until: new.until,
            evidence: new.evidence.trim().to_owned(),
            limit: new.limit,
        })
    }

    /// Held on `today` (whatever its limits).
    pub fn current(&self, today: NaiveDate) -> bool {
        self.from <= today && self.until.is_none_or(|u| today <= u)
    }

    /// Held on `today` and not limited for `scope`.
    pub fn exercisable(&self, scope: Scope, today: NaiveDate) -> bool {
        self.current(today) && !self.limit.bars(scope)
    }
}

fn check_dates(from: NaiveDate, until: Option<NaiveDate>) -> Result<(), StandingError> {
    match until {
        Some(u) if u < from => Err(StandingError::EndsBeforeItStarts),
        _ => Ok(()),
    }
}

domain::code_enum! {
    /// The kind of deputy or attorney (MCA 2005 ss.9, 16).
    pub enum DeputyKind("deputy kind") {
        CourtDeputyHealthWelfare = "COURT_DEPUTY_HEALTH_WELFARE",
        CourtDeputyPropertyAffairs = "COURT_DEPUTY_PROPERTY_AFFAIRS",
        LpaHealthWelfare = "LPA_HEALTH_WELFARE",
        LpaPropertyFinancial = "LPA_PROPERTY_FINANCIAL",
    }
}

impl DeputyKind {
    /// Only health-and-welfare deputies and attorneys make
    /// information-sharing decisions.
    pub fn health_and_welfare(self) -> bool {
        matches!(
            self,
            DeputyKind::CourtDeputyHealthWelfare | DeputyKind::LpaHealthWelfare
        )
    }
}

/// A deputy or attorney for the young person, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deputyship {
    pub id: Uuid,
    pub person_id: String,
    pub kind: DeputyKind,
    /// The scopes their authority reaches.
    pub scopes: BTreeSet<Scope>,
    /// The court order or the LPA's registration reference.
    pub evidence: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Deputyship {
    /// Records a deputy or attorney: evidence, at least one scope, dates in
    /// order.
    pub fn record(mut new: Deputyship) -> Result<Self, StandingError> {
        if new.person_id.trim().is_empty() {
            return Err(StandingError::Missing("personId"));
        }
        if new.evidence.trim().is_empty() {
            return Err(StandingError::Missing("evidence"));
        }
        if new.scopes.is_empty() {
            return Err(StandingError::Missing("scopes"));
        }
        short("personId", &new.person_id)?;
        short("evidence", &new.evidence)?;
        check_dates(new.from, new.until)?;
        new.person_id = new.person_id.trim().to_owned();
        new.evidence = new.evidence.trim().to_owned();
        Ok(new)
    }

    /// Acts for the young person's information-sharing decisions about
    /// `scope` on `today`.
    pub fn acts_for(&self, scope: Scope, today: NaiveDate) -> bool {
        self.kind.health_and_welfare()
            && self.scopes.contains(&scope)
            && self.from <= today
            && self.until.is_none_or(|u| today <= u)
    }
}

/// Who made an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessor {
    /// The signed-in subject who recorded it.
    pub subject: String,
    /// Their agency, if they act for one.
    pub agency_id: Option<Uuid>,
    /// Their professional role, in words ("clinical psychologist").
    pub role: String,
}

/// A recorded Gillick-competence decision for a child under 16.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competence {
    pub id: Uuid,
    pub assessor: Assessor,
    pub assessed_on: NaiveDate,
    pub competent: bool,
    /// Health scopes only.
    pub scopes: BTreeSet<Scope>,
    /// Scopes the child asked to keep from their parents (DPA 2018 Sch 3
    /// Pt 2 para 4); a subset of `scopes`.
    pub not_for_parents: BTreeSet<Scope>,
    pub reasons: String,
}

/// The agency kinds whose practitioners record Gillick competence: those
/// who give the health care the decision is about.
pub const COMPETENCE_ASSESSORS: [AgencyKind; 4] = [
    AgencyKind::Camhs,
    AgencyKind::Health,
    AgencyKind::Slt,
    AgencyKind::Ot,
];

impl Competence {
    /// Records a competence decision by a practitioner of `assessor_kind`
    /// for a child born on `dob`: health scopes only, reasons required,
    /// not-for-parents within the scopes, the child under 16 on the day,
    /// and not in the future.
    pub fn record(
        new: Competence,
        assessor_kind: AgencyKind,
        dob: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, StandingError> {
        if !COMPETENCE_ASSESSORS.contains(&assessor_kind) {
            return Err(StandingError::NotAHealthProfessional(assessor_kind));
        }
        if new.scopes.is_empty() {
            return Err(StandingError::Missing("scopes"));
        }
        if let Some(scope) = new.scopes.iter().find(|s| !is_health(**s)) {
            return Err(StandingError::NotAHealthScope(*scope));
        }
        if let Some(scope) = new.not_for_parents.difference(&new.scopes).next() {
            return Err(StandingError::NotForParentsOutsideScopes(*scope));
        }
        if !new.competent && !new.not_for_parents.is_empty() {
            return Err(StandingError::NotForParentsWithoutCompetence);
        }
        check_reasons(&new.reasons)?;
        if new.assessed_on > today {
            return Err(StandingError::InTheFuture);
        }
        if new.assessed_on >= sixteenth_birthday(dob) {
            return Err(StandingError::SixteenOrOver);
        }
        if new.assessor.role.trim().is_empty() {
            return Err(StandingError::Missing("assessorRole"));
        }
        short("assessorRole", &new.assessor.role)?;
        Ok(Competence {
            reasons: new.reasons.trim().to_owned(),
            ..new
        })
    }
}

/// The 16th birthday (29 February birthdays: 28 February in common years).
pub fn sixteenth_birthday(dob: NaiveDate) -> NaiveDate {
    dob.checked_add_months(Months::new(16 * 12)).unwrap_or(dob)
}

fn check_reasons(reasons: &str) -> Result<(), StandingError> {
    if reasons.trim().chars().count() < MIN_DECISION_REASON_CHARS {
        return Err(StandingError::ReasonsTooShort);
    }
    domain::input::long_text("reasons", Some(reasons))?;
    Ok(())
}

/// A short recorded text (a person id, a reference, a role): the bounds and
/// characters every short input of the hub has
/// ([`domain::input::optional_text`]).
fn short(field: &'static str, value: &str) -> Result<(), StandingError> {
    domain::input::optional_text(field, Some(value))?;
    Ok(())
}

domain::code_enum! {
    /// The decision a capacity assessment is about (MCA 2005 s.2(1):
    /// capacity is judged per decision).
    pub enum CapacityDecision("capacity decision") {
        /// Whether and with whom to share information from the record.
        InformationSharing = "INFORMATION_SHARING",
    }
}

domain::code_enum! {
    /// What a capacity assessment found.
    pub enum CapacityOutcome("capacity outcome") {
        HasCapacity = "HAS_CAPACITY",
        LacksCapacity = "LACKS_CAPACITY",
    }
}

/// A young person's challenge to a capacity assessment about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: Uuid,
    pub person_id: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A decision-specific capacity assessment (MCA 2005 ss.2–3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityAssessment {
    pub id: Uuid,
    pub decision: CapacityDecision,
    /// The scopes the decision covers.
    pub scopes: BTreeSet<Scope>,
    pub assessor: Assessor,
    pub assessed_on: NaiveDate,
    pub outcome: CapacityOutcome,
    pub reasons: String,
    /// When it must be looked at again. Past it, the assessment still
    /// stands (capacity is not restored by a calendar) but is overdue.
    pub review_on: NaiveDate,
    /// Carried over from the old yes/no flag by the migration.
    pub carried_over: bool,
    pub challenges: Vec<Challenge>,
}

impl CapacityAssessment {
    /// Records an assessment: at least one scope, reasons, an assessor role,
    /// not in the future, a review date after the assessment.
    pub fn record(new: CapacityAssessment, today: NaiveDate) -> Result<Self, StandingError> {
        if new.scopes.is_empty() {
            return Err(StandingError::Missing("scopes"));
        }
        if new.scopes.contains(&Scope::Restricted) {
            return Err(StandingError::RestrictedIsNotConsentable);
        }
        check_reasons(&new.reasons)?;
        if new.assessor.role.trim().is_empty() {
            return Err(StandingError::Missing("assessorRole"));
        }
        short("assessorRole", &new.assessor.role)?;
        if new.assessed_on > today {
            return Err(StandingError::InTheFuture);
        }
        if new.review_on <= new.assessed_on {
            return Err(StandingError::ReviewNotAfterAssessment);
        }
        Ok(CapacityAssessment {
            reasons: new.reasons.trim().to_owned(),
            carried_over: false,
            challenges: Vec::new(),
            ..new
        })
    }

    /// Past its review date: it stands, flagged for re-assessment.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        today > self.review_on
    }

    /// The young person has challenged it: it stands until a case officer
    /// re-assesses (nothing automatic), and shows CHALLENGED.
    pub fn challenged(&self) -> bool {
        !self.challenges.is_empty()
    }

    /// A challenge by `person` with `reason`.
    pub fn challenge(
        &self,
        person: &str,
        reason: &str,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Challenge, StandingError> {
        if reason.trim().chars().count() < MIN_CHALLENGE_REASON_CHARS {
            return Err(StandingError::ChallengeTooShort);
        }
        domain::input::long_text("reasons", Some(reason))?;
        Ok(Challenge {
            id,
            person_id: person.to_owned(),
            reason: reason.trim().to_owned(),
            at: now,
        })
    }
}

/// Why a fact about who decides cannot be recorded as asked. Variants with
/// a [`field`](StandingError::field) are input to fix (BAD_USER_INPUT);
/// the others are the rule that refuses (FORBIDDEN).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandingError {
    /// A required value is missing or blank.
    #[error("{0} is required")]
    Missing(&'static str),
    /// CARRIED_OVER is written only by the migration.
    #[error(
        "CARRIED_OVER is kept for parental responsibility carried over from old records; give the real source"
    )]
    CarriedOverIsMigrationOnly,
    /// `until` before `from`.
    #[error("the end date is before the start date")]
    EndsBeforeItStarts,
    /// A competence decision named a scope that is not health.
    #[error(
        "Gillick competence is about the child's own health care: {} is not PHYSICAL_HEALTH or MENTAL_HEALTH",
        .0.code()
    )]
    NotAHealthScope(Scope),
    /// Not-for-parents named a scope the decision does not cover.
    #[error("{} is marked not for parents but is not one of the decision's scopes", .0.code())]
    NotForParentsOutsideScopes(Scope),
    /// Not-for-parents on a decision that found the child not competent.
    #[error("only a child found competent can ask to keep information from their parents")]
    NotForParentsWithoutCompetence,
    /// Reasons too short.
    #[error("give the reasons for the decision (at least {MIN_DECISION_REASON_CHARS} characters)")]
    ReasonsTooShort,
    /// A challenge without a reason.
    #[error("say why you disagree (at least {MIN_CHALLENGE_REASON_CHARS} characters)")]
    ChallengeTooShort,
    /// Dated after today.
    #[error("the assessment date is in the future")]
    InTheFuture,
    /// The review date is not after the assessment.
    #[error("the review date must be after the assessment date")]
    ReviewNotAfterAssessment,
    /// RESTRICTED is never a consent decision.
    #[error("RESTRICTED information is never shared by consent, so no capacity decision covers it")]
    RestrictedIsNotConsentable,
    /// Gillick is for under-16s; from 16 the MCA presumes capacity.
    #[error(
        "this child was 16 or over on that date: from 16 capacity is presumed (Mental Capacity Act 2005) and is assessed per decision, not by Gillick competence"
    )]
    SixteenOrOver,
    /// Competence is recorded by the health professional giving the care.
    #[error(
        "Gillick competence is recorded by a health practitioner (CAMHS, health, speech and language or occupational therapy), not {}",
        .0.label()
    )]
    NotAHealthProfessional(AgencyKind),
    /// A submitted text cannot be accepted (too long, control characters).
    #[error("{}", .0.message)]
    Invalid(#[from] domain::InvalidInput),
}

impl StandingError {
    /// The API field to fix, or `None` when the rule refuses (FORBIDDEN).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            StandingError::Missing(f) => Some(f),
            StandingError::CarriedOverIsMigrationOnly => Some("source"),
            StandingError::EndsBeforeItStarts => Some("until"),
            StandingError::NotAHealthScope(_) => Some("scopes"),
            StandingError::NotForParentsOutsideScopes(_)
            | StandingError::NotForParentsWithoutCompetence => Some("notForParents"),
            StandingError::ReasonsTooShort | StandingError::ChallengeTooShort => Some("reasons"),
            StandingError::InTheFuture => Some("assessedOn"),
            StandingError::ReviewNotAfterAssessment => Some("reviewOn"),
            StandingError::RestrictedIsNotConsentable => Some("scopes"),
            StandingError::SixteenOrOver => Some("assessedOn"),
            StandingError::NotAHealthProfessional(_) => None,
            StandingError::Invalid(input) => Some(input.field),
        }
    }
}

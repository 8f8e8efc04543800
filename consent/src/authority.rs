//! Consent authority: who may grant and withdraw consent for a child today,
//! scope by scope (LAW.md §2).
//!
//! - Until the end of compulsory school age (the last Friday of June of the
//!   school year in which the child turns 16; the school year starts at the
//!   LA's term start) a person with current parental responsibility that is
//!   not limited for the scope decides.
//! - For PHYSICAL_HEALTH and MENTAL_HEALTH the child decides earlier: under
//!   16 where a health professional recorded them Gillick competent for the
//!   scope; from the 16th birthday because the Mental Capacity Act presumes
//!   capacity.
//! - Once the young person decides a scope, a parent, deputy or attorney
//!   acts only under a capacity assessment for that decision, covering that
//!   scope, that found them lacking capacity (MCA 2005; CFA 2014 s.80).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

use domain::{AgencyKind, Scope};

use crate::grant::{Capture, CaptureMethod, Decider, GrantorCapacity, MAX_EVIDENCE_CHARS};
use crate::standing::{
    CapacityAssessment, CapacityDecision, CapacityOutcome, Competence, Deputyship, PrHolding,
    is_health, sixteenth_birthday,
};
use crate::{Agreement, Principal, Role};

/// The rule told to someone with no relationship to the child: nothing about
/// the child (age, capacity, existence) is in it.
pub const NO_AUTHORITY: &str = "only the person who holds consent authority for this child may make consent decisions: someone with parental responsibility, or the young person once past compulsory school age";

/// The first day of the autumn term, as a month and day; the school year
/// starts there (Education Act 1996 s.579(1)). Fallback 1 September.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TermStart {
    month: u32,
    day: u32,
}

impl Default for TermStart {
    fn default() -> Self {
        TermStart { month: 9, day: 1 }
    }
}

impl TermStart {
    /// A term start from `MM-DD` (between 1 August and 30 September, where
    /// English autumn terms begin), or the reason it is not one.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("term start '{s}' is not MM-DD between 08-01 and 09-30");
        let (m, d) = s.trim().split_once('-').ok_or_else(bad)?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        let day: u32 = d.parse().map_err(|_| bad())?;
        if !(8..=9).contains(&month) || NaiveDate::from_ymd_opt(2001, month, day).is_none() {
            return Err(bad());
        }
        Ok(TermStart { month, day })
    }

    /// The term start in `year`.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day).unwrap_or(NaiveDate::MIN)
    }
}

impl std::fmt::Display for TermStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// The facts about a child that access and authority depend on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChildFacts {
    pub id: uuid::Uuid,
    pub date_of_birth: NaiveDate,
    /// The young person's own sign-in identity, if they have one.
    pub young_person_id: Option<String>,
    /// Parental responsibility, past, present and future.
    pub parental_responsibility: Vec<PrHolding>,
    /// Deputies and attorneys appointed for the young person.
    pub deputies: Vec<Deputyship>,
    /// Gillick-competence decisions.
    pub competence: Vec<Competence>,
    /// Capacity assessments.
    pub capacity: Vec<CapacityAssessment>,
    /// The LA's autumn term start.
    pub term_start: TermStart,
    /// The child's address is withheld to keep them safe (a looked-after
    /// child's placement, a refuge): CONTACT is denied to everyone
    /// ([`crate::engine::decide`]). The reason is not a fact the decision
    /// needs, and never reaches it.
    pub address_withheld: bool,
}

/// The last Friday of June of the school year in which someone born on
/// `dob` turns 16; the school year starts at `term_start`, so a birthday
/// between 1 September and the term start hands over the June before.
pub fn end_of_compulsory_school_age(dob: NaiveDate, term_start: TermStart) -> NaiveDate {
    let sixteenth = sixteenth_birthday(dob);
    let year = if sixteenth >= term_start.in_year(sixteenth.year()) {
        sixteenth.year() + 1
    } else {
        sixteenth.year()
    };
    let june_30 = NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or(sixteenth);
    let back =
        (june_30.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    june_30 - chrono::Duration::days(i64::from(back))
}

/// Why the child decides a scope themself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildRule {
    /// Under 16, recorded Gillick competent for the scope on this date.
    Gillick { on: NaiveDate },
    /// A health scope from the 16th birthday (MCA 2005 s.1(2)).
    SixteenHealth,
    /// Every scope after the end of compulsory school age.
    HandedOver { hand_over: NaiveDate },
}

/// Who holds consent authority for one scope on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// People with current, unlimited parental responsibility.
    ParentalResponsibility,
    /// The child or young person, by this rule.
    YoungPerson(ChildRule),
    /// The young person decides, but a current assessment for the decision
    /// found them lacking capacity: parents, deputies and attorneys act.
    ActingForYoungPerson {
        /// The assessment that found it.
        assessment: uuid::Uuid,
    },
}

impl ChildFacts {
    /// The date consent authority passes to the young person.
    pub fn hand_over(&self) -> NaiveDate {
        end_of_compulsory_school_age(self.date_of_birth, self.term_start)
    }

    /// True once the young person decides (the day after the hand-over date).
    pub fn handed_over(&self, today: NaiveDate) -> bool {
        today > self.hand_over()
    }

    /// The latest competence decision covering `scope` made by `today`.
    pub fn competence_for(&self, scope: Scope, today: NaiveDate) -> Option<&Competence> {
        self.competence
            .iter()
            .filter(|c| c.scopes.contains(&scope) && c.assessed_on <= today)
            .max_by_key(|c| (c.assessed_on, c.id))
    }

    /// The latest information-sharing capacity assessment covering `scope`
    /// made by `today` (past its review date it still stands).
    pub fn capacity_for(&self, scope: Scope, today: NaiveDate) -> Option<&CapacityAssessment> {
        self.capacity
            .iter()
            .filter(|a| {
                a.decision == CapacityDecision::InformationSharing
                    && a.scopes.contains(&scope)
                    && a.assessed_on <= today
            })
            .max_by_key(|a| (a.assessed_on, a.id))
    }

    /// Whether the child asked (through a competence decision) to keep
    /// `scope` from their parents.
    pub fn not_for_parents(&self, scope: Scope, today: NaiveDate) -> bool {
        self.competence_for(scope, today)
            .is_some_and(|c| c.competent && c.not_for_parents.contains(&scope))
    }

    /// Who decides `scope` on `today`.
    pub fn authority(&self, scope: Scope, today: NaiveDate) -> Authority {
        let child = if self.handed_over(today) {
            Some(ChildRule::HandedOver {
                hand_over: self.hand_over(),
            })
        } else if is_health(scope) && today >= sixteenth_birthday(self.date_of_birth) {
            Some(ChildRule::SixteenHealth)
        } else if is_health(scope) {
            self.competence_for(scope, today)
                .filter(|c| c.competent)
                .map(|c| ChildRule::Gillick { on: c.assessed_on })
        } else {
            None
        };
        match child {
            None => Authority::ParentalResponsibility,
            // Gillick is about an under-16's understanding; the MCA's
            // assessments begin at 16.
            Some(rule @ ChildRule::Gillick { .. }) => Authority::YoungPerson(rule),
            Some(rule) => match self.capacity_for(scope, today) {
                Some(a) if a.outcome == CapacityOutcome::LacksCapacity => {
                    Authority::ActingForYoungPerson { assessment: a.id }
                }
                _ => Authority::YoungPerson(rule),
            },
        }
    }

    fn holdings<'a>(&'a self, person: &'a str) -> impl Iterator<Item = &'a PrHolding> + 'a {
        self.parental_responsibility
            .iter()
            .filter(move |p| p.person_id == person)
    }

    fn holds_pr_for(&self, person: &str, scope: Scope, today: NaiveDate) -> bool {
        self.holdings(person).any(|p| p.exercisable(scope, today))
    }

    fn is_deputy(&self, person: &str) -> bool {
        self.deputies.iter().any(|d| d.person_id == person)
    }

    fn is_young_person(&self, person: &str) -> bool {
        self.young_person_id.as_deref() == Some(person)
    }

    fn related(&self, person: &str) -> bool {
        self.holdings(person).next().is_some()
            || self.is_young_person(person)
            || self.is_deputy(person)
    }

    /// Why a PR holder's holding does not reach `scope` today.
    fn pr_refusal(&self, person: &str, scope: Scope, today: NaiveDate) -> AuthorityError {
        let current: Vec<&PrHolding> = self.holdings(person).filter(|p| p.current(today)).collect();
        if current.is_empty() {
            return AuthorityError::PrNotCurrent { scope };
        }
        AuthorityError::PrLimited { scope }
    }

    /// In which capacity `person` may make a consent decision about every
    /// scope in `scopes` today, or the rule that stops them at the first
    /// scope they may not decide, in words fit to show.
    pub fn may_decide(
        &self,
        person: &str,
        scopes: &BTreeSet<Scope>,
        today: NaiveDate,
    ) -> Result<GrantorCapacity, AuthorityError> {
        if !self.related(person) || scopes.is_empty() {
            // Nothing about the child (age, capacity) to someone unrelated.
            return Err(AuthorityError::NoAuthority);
        }
        let mut capacity = None;
        for &scope in scopes {
            let c = self.may_decide_scope(person, scope, today)?;
            capacity = capacity.max(Some(c));
        }
        capacity.ok_or(AuthorityError::NoAuthority)
    }

    fn may_decide_scope(
        &self,
        person: &str,
        scope: Scope,
        today: NaiveDate,
    ) -> Result<GrantorCapacity, AuthorityError> {
        let hand_over = self.hand_over();
        let holds_any = self.holdings(person).next().is_some();
        match self.authority(scope, today) {
            Authority::ParentalResponsibility if self.holds_pr_for(person, scope, today) => {
                Ok(GrantorCapacity::ParentalResponsibility)
            }
            Authority::ParentalResponsibility if holds_any => {
                Err(self.pr_refusal(person, scope, today))
            }
            Authority::ParentalResponsibility
                if is_health(scope) && self.is_young_person(person) =>
            {
                Err(AuthorityError::NotCompetent { scope })
            }
            Authority::ParentalResponsibility => {
                Err(AuthorityError::BeforeHandOver { hand_over, scope })
            }
            Authority::YoungPerson(_) if self.is_young_person(person) => {
                Ok(GrantorCapacity::YoungPerson)
            }
            Authority::YoungPerson(ChildRule::Gillick { on }) => {
                Err(AuthorityError::CompetentChildDecides { scope, on })
            }
            Authority::YoungPerson(ChildRule::SixteenHealth) => {
                Err(AuthorityError::SixteenDecidesHealth { scope })
            }
            Authority::YoungPerson(ChildRule::HandedOver { hand_over }) => {
                Err(AuthorityError::AfterHandOver { hand_over, scope })
            }
            Authority::ActingForYoungPerson { .. }
                if self
                    .deputies
                    .iter()
                    .any(|d| d.person_id == person && d.acts_for(scope, today)) =>
            {
                Ok(GrantorCapacity::Deputy)
            }
            Authority::ActingForYoungPerson { .. } if self.holds_pr_for(person, scope, today) => {
                Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
            }
            Authority::ActingForYoungPerson { .. } if self.is_deputy(person) => {
                Err(AuthorityError::DeputyDoesNotReach { scope })
            }
            Authority::ActingForYoungPerson { .. } if holds_any => {
                Err(self.pr_refusal(person, scope, today))
            }
            Authority::ActingForYoungPerson { .. } => {
                Err(AuthorityError::NotActingForYoungPerson { scope })
            }
        }
    }

    /// Whether a family member (not an agency) may read the record, and
    /// why, scope by scope. The young person always reads their own. A
    /// parent or deputy reads a scope while they hold authority over it
    /// (or, for a Gillick-competent child, hold current PR), never a scope
    /// their PR is limited for or the child asked to keep from them.
    /// Refused outright when no scope is visible.
    pub fn family_view(
        &self,
        person: &str,
        role: FamilyRole,
        today: NaiveDate,
    ) -> Result<FamilyView, FamilyRefusal> {
        if role.young_person() && self.is_young_person(person) {
            return Ok(FamilyView {
                scopes: Scope::ALL
                    .iter()
                    .map(|s| (*s, Ok(FamilyAccess::OwnRecord)))
                    .collect(),
            });
        }
        if !(role.family() && (self.holdings(person).next().is_some() || self.is_deputy(person))) {
            return Err(FamilyRefusal::NoRelationship);
        }
        let scopes: BTreeMap<Scope, Result<FamilyAccess, FamilyRefusal>> = Scope::ALL
            .iter()
            .map(|s| (*s, self.family_scope(person, *s, today)))
            .collect();
        let view = FamilyView { scopes };
        if view.scopes.values().any(Result::is_ok) {
            return Ok(view);
        }
        Err(view
            .scope(Scope::Identity)
            .err()
            .unwrap_or(FamilyRefusal::NoRelationship))
    }

    fn family_scope(
        &self,
        person: &str,
        scope: Scope,
        today: NaiveDate,
    ) -> Result<FamilyAccess, FamilyRefusal> {
        let pr = self.holds_pr_for(person, scope, today);
        let holds_current = self.holdings(person).any(|p| p.current(today));
        let access = match self.authority(scope, today) {
            Authority::ParentalResponsibility
            | Authority::YoungPerson(ChildRule::Gillick { .. })
                if pr =>
            {
                FamilyAccess::ParentalResponsibility
            }
            Authority::ParentalResponsibility
            | Authority::YoungPerson(ChildRule::Gillick { .. })
                if holds_current =>
            {
                return Err(FamilyRefusal::Limited);
            }
            Authority::ParentalResponsibility
            | Authority::YoungPerson(ChildRule::Gillick { .. }) => {
                return Err(FamilyRefusal::NoRelationship);
            }
            Authority::YoungPerson(ChildRule::SixteenHealth) => {
                return Err(FamilyRefusal::SixteenHealth);
            }
            Authority::YoungPerson(ChildRule::HandedOver { .. }) => {
                return Err(FamilyRefusal::HandedOver);
            }
            Authority::ActingForYoungPerson { .. }
                if pr
                    || self
                        .deputies
                        .iter()
                        .any(|d| d.person_id == person && d.acts_for(scope, today)) =>
            {
                FamilyAccess::ActingForYoungPerson
            }
            Authority::ActingForYoungPerson { .. } if self.handed_over(today) => {
                return Err(FamilyRefusal::HandedOver);
            }
            Authority::ActingForYoungPerson { .. } => return Err(FamilyRefusal::SixteenHealth),
        };
        if self.not_for_parents(scope, today) {
            return Err(FamilyRefusal::KeptInConfidence);
        }
        Ok(access)
    }
}

/// A family member's view of one child: per scope, read on a basis or
/// refused with a reason fit to show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyView {
    scopes: BTreeMap<Scope, Result<FamilyAccess, FamilyRefusal>>,
}

impl FamilyView {
    /// The view of `scope`.
    pub fn scope(&self, scope: Scope) -> Result<FamilyAccess, FamilyRefusal> {
        self.scopes
            .get(&scope)
            .copied()
            .unwrap_or(Err(FamilyRefusal::NoRelationship))
    }
}

/// The family relationship a principal claims through its roles
/// (`family`, `young_person`, or both): which of a child's family members
/// [`ChildFacts::family_view`] may match them with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyRole {
    /// Role `young_person`: may be the child themself.
    YoungPerson,
    /// Role `family`: may be a parent or deputy.
    Family,
    /// Both roles.
    Both,
}

impl FamilyRole {
    /// The family relationship `principal`'s roles claim, if any. Whether
    /// the principal also acts for an agency is the caller's question.
    pub fn of(principal: &Principal) -> Option<Self> {
        match (
            principal.has(Role::YoungPerson),
            principal.has(Role::Family),
        ) {
            (true, true) => Some(FamilyRole::Both),
            (true, false) => Some(FamilyRole::YoungPerson),
            (false, true) => Some(FamilyRole::Family),
            (false, false) => None,
        }
    }

    fn young_person(self) -> bool {
        matches!(self, FamilyRole::YoungPerson | FamilyRole::Both)
    }

    fn family(self) -> bool {
        matches!(self, FamilyRole::Family | FamilyRole::Both)
    }
}

/// Why a family member may read the record: shown to them as the basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FamilyAccess {
    /// The young person reads their own record.
    OwnRecord,
    /// A parent, before the hand-over.
    ParentalResponsibility,
    /// A parent or deputy after the hand-over, where capacity is lacking.
    ActingForYoungPerson,
}

impl FamilyAccess {
    /// In the family's words.
    pub fn explanation(self) -> &'static str {
        match self {
            FamilyAccess::OwnRecord => "this is your own record",
            FamilyAccess::ParentalResponsibility => {
                "you hold parental responsibility for this child"
            }
            FamilyAccess::ActingForYoungPerson => {
                "you act for this young person, who the record notes lacks capacity"
            }
        }
    }
}

impl std::fmt::Display for FamilyAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.explanation())
    }
}

/// Why a family member may not read the record, or a part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FamilyRefusal {
    /// No relationship the roles claim (said the same whatever the facts).
    #[error("you have no relationship with this child's record")]
    NoRelationship,
    /// A parent or deputy after the hand-over, the young person having capacity.
    #[error(
        "this young person is past compulsory school age and decides who sees their record; ask them to share it with you"
    )]
    HandedOver,
    /// A health scope from 16: the young person's own decision.
    #[error(
        "from 16 a young person decides who sees their health information; ask them to share it with you"
    )]
    SixteenHealth,
    /// The holder's parental responsibility is limited for this part.
    #[error(
        "a court or care order limits your parental responsibility for this part of the record"
    )]
    Limited,
    /// Kept from parents at the child's request (DPA 2018 Sch 3 Pt 2 para 4).
    /// Says nothing of what is held.
    #[error(
        "this part of the record is kept in confidence for your child and is not shown to parents (Data Protection Act 2018, Schedule 3)"
    )]
    KeptInConfidence,
}

// `Decider` lives with the grants it signs, so that `grant` need not import
// this module; its rule is here.
impl Decider {
    /// Who is deciding: the signed-in family member themself (DIGITAL), or a
    /// practitioner of an agency the agreement lets record consent naming
    /// the person whose written or verbal decision they record (`named`)
    /// and its `evidence` (the form's reference, or the call's date, time and
    /// reference). Anyone but the current consent authority is refused with
    /// the rule.
    // Each argument is a distinct input of the rule (who asks, about whom,
    // under which agreement, naming whom, how, with what evidence, over
    // which scopes, when); bundling them would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn resolve(
        principal: &Principal,
        facts: &ChildFacts,
        agreement: &Agreement,
        named: Option<&str>,
        method: Option<CaptureMethod>,
        evidence: Option<&str>,
        scopes: &BTreeSet<Scope>,
        today: NaiveDate,
    ) -> Result<Decider, AuthorityError> {
        let is_family = (principal.has(Role::Family) || principal.has(Role::YoungPerson))
            && !principal.is_practitioner();
        if let (true, Some(person)) = (is_family, principal.person_id.as_deref()) {
            if named.is_some_and(|n| n != person) {
                return Err(AuthorityError::NotYourOwn);
            }
            if method.is_some_and(|m| m != CaptureMethod::Digital) {
                return Err(AuthorityError::OwnDecisionNotDigital);
            }
            if evidence.is_some() {
                return Err(AuthorityError::EvidenceOfOwnDecision);
            }
            let capacity = facts.may_decide(person, scopes, today)?;
            return Ok(Decider {
                person: person.to_owned(),
                capacity,
                capture: Capture::Digital,
            });
        }
        if let (true, Some(agency)) = (principal.is_practitioner(), principal.agency) {
            if !agreement.consent_recorders.contains(&agency.kind) {
                return Err(AuthorityError::NotARecorder {
                    version: agreement.version,
                    agency: agency.kind,
                });
            }
            if method == Some(CaptureMethod::Digital) {
                return Err(AuthorityError::RecordedAsDigital);
            }
            let person = named.ok_or(AuthorityError::NameThePerson)?;
            let method = method.unwrap_or(CaptureMethod::Written);
            let evidence = evidence.map(str::trim).unwrap_or_default();
            if evidence.is_empty() {
                return Err(AuthorityError::NoEvidence { method });
            }
            if evidence.chars().count() > MAX_EVIDENCE_CHARS || evidence.contains('\0') {
                return Err(AuthorityError::EvidenceTooLong);
            }
            let capacity = facts.may_decide(person, scopes, today)?;
            let recorded_by = principal.subject.clone();
            let evidence = evidence.to_owned();
            return Ok(Decider {
                person: person.to_owned(),
                capacity,
                capture: match method {
                    CaptureMethod::Verbal => Capture::Verbal {
                        recorded_by,
                        evidence,
                    },
                    _ => Capture::Written {
                        recorded_by,
                        evidence,
                    },
                },
            });
        }
        Err(AuthorityError::NoAuthority)
    }
}

/// Why someone may not make (or record) a consent decision. Variants with a
/// [`field`](AuthorityError::field) are the caller's input to fix
/// (BAD_USER_INPUT); the others are the rule that stops them (FORBIDDEN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    /// No relationship with the child, or no role that decides: nothing
    /// about the child is said.
    #[error("{}", NO_AUTHORITY)]
    NoAuthority,
    /// Before the hand-over only a person with parental responsibility decides.
    #[error(
        "until the end of compulsory school age ({}) only a person with parental responsibility may make consent decisions for this child about {}",
        .hand_over.format("%-d %B %Y"), .scope.label().to_lowercase()
    )]
    BeforeHandOver {
        /// The end of compulsory school age.
        hand_over: NaiveDate,
        /// The first scope blocked.
        scope: Scope,
    },
    /// After the hand-over the young person decides.
    #[error(
        "since the end of compulsory school age ({}) the young person makes their own consent decisions about {}; a parent or deputy may act only under an assessment that found they lack capacity for the decision",
        .hand_over.format("%-d %B %Y"), .scope.label().to_lowercase()
    )]
    AfterHandOver {
        /// The end of compulsory school age.
        hand_over: NaiveDate,
        /// The first scope blocked.
        scope: Scope,
    },
    /// From 16 the young person decides their own health scopes.
    #[error(
        "from 16 the young person makes their own decisions about {} (Mental Capacity Act 2005: capacity is presumed); a parent or deputy may act only under an assessment that found they lack capacity for the decision",
        .scope.label().to_lowercase()
    )]
    SixteenDecidesHealth {
        /// The first scope blocked.
        scope: Scope,
    },
    /// A Gillick-competent child decides this scope.
    #[error(
        "a health professional recorded on {} that this child is competent to decide about {} (Gillick competence): the child makes this decision",
        .on.format("%-d %B %Y"), .scope.label().to_lowercase()
    )]
    CompetentChildDecides {
        /// The first scope blocked.
        scope: Scope,
        /// When competence was recorded.
        on: NaiveDate,
    },
    /// An under-16 without a competence decision for the scope.
    #[error(
        "under 16, a child decides about {} only once a health professional has recorded them competent to (Gillick competence); until then a person with parental responsibility decides",
        .scope.label().to_lowercase()
    )]
    NotCompetent {
        /// The first scope blocked.
        scope: Scope,
    },
    /// The person's parental responsibility has ended or not yet begun.
    #[error(
        "your parental responsibility for this child is not current, so you may not make consent decisions about {}",
        .scope.label().to_lowercase()
    )]
    PrNotCurrent {
        /// The first scope blocked.
        scope: Scope,
    },
    /// The person's parental responsibility is limited for the scope.
    #[error(
        "a court or care order limits your parental responsibility: you may not make consent decisions about {}",
        .scope.label().to_lowercase()
    )]
    PrLimited {
        /// The first scope blocked.
        scope: Scope,
    },
    /// A deputy or attorney whose authority does not reach the scope (or
    /// is for property and affairs only, or not current).
    #[error(
        "your appointment as deputy or attorney does not cover information-sharing decisions about {}: only a current health-and-welfare appointment covering it does",
        .scope.label().to_lowercase()
    )]
    DeputyDoesNotReach {
        /// The first scope blocked.
        scope: Scope,
    },
    /// The young person lacks capacity, and this person may not act for them.
    #[error(
        "the young person lacks capacity for this decision about {}: only a deputy, attorney or parent may act for them",
        .scope.label().to_lowercase()
    )]
    NotActingForYoungPerson {
        /// The first scope blocked.
        scope: Scope,
    },
    /// The agreement does not let the practitioner's agency kind record
    /// consent decisions.
    #[error(
        "the data-sharing agreement (version {version}) does not let {} record consent decisions",
        .agency.label()
    )]
    NotARecorder {
        /// The agreement version in force.
        version: i32,
        /// The practitioner's agency kind.
        agency: AgencyKind,
    },
    /// A family member named someone else.
    #[error("you can only record your own decision")]
    NotYourOwn,
    /// A family member gave a method other than DIGITAL.
    #[error("a decision you make yourself is DIGITAL")]
    OwnDecisionNotDigital,
    /// A practitioner gave DIGITAL.
    #[error("a practitioner records WRITTEN or VERBAL decisions")]
    RecordedAsDigital,
    /// A practitioner did not name the person.
    #[error("name the person whose decision you are recording")]
    NameThePerson,
    /// A practitioner's record names no evidence.
    #[error("{}", match .method {
        CaptureMethod::Verbal => "a VERBAL decision names its evidence: the call's date, time and reference",
        _ => "a WRITTEN decision names its evidence: the reference of the signed form",
    })]
    NoEvidence {
        /// How the decision was captured.
        method: CaptureMethod,
    },
    /// The evidence is longer than a reference.
    #[error("evidence is a reference of at most 200 characters")]
    EvidenceTooLong,
    /// A family member's own decision carries no evidence.
    #[error("evidence is recorded only for a decision a practitioner records for you")]
    EvidenceOfOwnDecision,
}

impl AuthorityError {
    /// The API field to fix, or `None` when the rule itself refuses
    /// (FORBIDDEN).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AuthorityError::NotYourOwn | AuthorityError::NameThePerson => Some("grantorPersonId"),
            AuthorityError::OwnDecisionNotDigital | AuthorityError::RecordedAsDigital => {
                Some("method")
            }
            AuthorityError::NoEvidence { .. }
            | AuthorityError::EvidenceTooLong
            | AuthorityError::EvidenceOfOwnDecision => Some("evidence"),
            AuthorityError::NoAuthority
            | AuthorityError::BeforeHandOver { .. }
            | AuthorityError::AfterHandOver { .. }
            | AuthorityError::SixteenDecidesHealth { .. }
            | AuthorityError::CompetentChildDecides { .. }
            | AuthorityError::NotCompetent { .. }
            | AuthorityError::PrNotCurrent { .. }
            | AuthorityError::PrLimited { .. }
            | AuthorityError::DeputyDoesNotReach { .. }
            | AuthorityError::NotActingForYoungPerson { .. }
            | AuthorityError::NotARecorder { .. } => None,
        }
    }

    /// True when the rule refuses, rather than the input.
    pub fn is_forbidden(&self) -> bool {
        self.field().is_none()
    }
}

#[cfg(test)]
#[path = "tests/authority.rs"]
mod tests;

//! Consent authority: who may grant and withdraw consent for a child today.
//!
//! Until the end of compulsory school age (the last Friday of June of the
//! school year in which the child turns 16) a person with parental
//! responsibility decides. After it, the young person does; a parent or
//! deputy may act only where the record notes the young person lacks
//! capacity for this decision (Mental Capacity Act 2005; CFA 2014 s.80).

use chrono::{Datelike, Months, NaiveDate, Weekday};

use domain::AgencyKind;

use crate::grant::{Capture, CaptureMethod, Decider, GrantorCapacity, MAX_EVIDENCE_CHARS};
use crate::{Agreement, Principal, Role};

/// The rule told to someone with no relationship to the child: nothing about
/// the child (age, capacity, existence) is in it.
pub const NO_AUTHORITY: &str = "only the person who holds consent authority for this child may make consent decisions: someone with parental responsibility, or the young person once past compulsory school age";

/// The facts about a child that access and authority depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildFacts {
    pub id: uuid::Uuid,
    pub date_of_birth: NaiveDate,
    /// The young person's own sign-in identity, if they have one.
    pub young_person_id: Option<String>,
    /// Person ids of family members who hold parental responsibility.
    pub parental_responsibility: Vec<String>,
    /// Person ids of deputies or attorneys appointed for the young person.
    pub deputies: Vec<String>,
    /// The record notes that the young person lacks capacity to make
    /// information-sharing decisions.
    pub lacks_capacity: bool,
}

/// The last Friday of June of the school year (1 September – 31 August) in
/// which someone born on `dob` turns 16.
pub fn end_of_compulsory_school_age(dob: NaiveDate) -> NaiveDate {
    let sixteenth = dob.checked_add_months(Months::new(16 * 12)).unwrap_or(dob);
    let year = if sixteenth.month() >= 9 {
        sixteenth.year() + 1
    } else {
        sixteenth.year()
    };
    let june_30 = NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or(sixteenth);
    let back =
        (june_30.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    june_30 - chrono::Duration::days(i64::from(back))
}

/// Who holds consent authority on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// Before the hand-over: people with parental responsibility.
    ParentalResponsibility,
    /// After it: the young person.
    YoungPerson,
    /// After it, where the young person lacks capacity: parents and deputies.
    ActingForYoungPerson,
}

impl ChildFacts {
    /// The date consent authority passes to the young person.
    pub fn hand_over(&self) -> NaiveDate {
        end_of_compulsory_school_age(self.date_of_birth)
    }

    /// True once the young person decides (the day after the hand-over date).
    pub fn handed_over(&self, today: NaiveDate) -> bool {
        today > self.hand_over()
    }

    pub fn authority(&self, today: NaiveDate) -> Authority {
        match (self.handed_over(today), self.lacks_capacity) {
            (false, _) => Authority::ParentalResponsibility,
            (true, false) => Authority::YoungPerson,
            (true, true) => Authority::ActingForYoungPerson,
        }
    }

    fn holds_pr(&self, person: &str) -> bool {
        self.parental_responsibility.iter().any(|p| p == person)
    }

    fn is_deputy(&self, person: &str) -> bool {
        self.deputies.iter().any(|d| d == person)
    }

    fn is_young_person(&self, person: &str) -> bool {
        self.young_person_id.as_deref() == Some(person)
    }

    /// In which capacity `person` may make a consent decision today, or the
    /// rule that stops them, in words fit to show.
    pub fn may_decide(
        &self,
        person: &str,
        today: NaiveDate,
    ) -> Result<GrantorCapacity, AuthorityError> {
        let related =
            self.holds_pr(person) || self.is_young_person(person) || self.is_deputy(person);
        if !related {
            // Nothing about the child (age, capacity) to someone unrelated.
            return Err(AuthorityError::NoAuthority);
        }
        let hand_over = self.hand_over();
        match self.authority(today) {
            Authority::ParentalResponsibility if self.holds_pr(person) => {
                Ok(GrantorCapacity::ParentalResponsibility)
            }
            Authority::ParentalResponsibility => Err(AuthorityError::BeforeHandOver { hand_over }),
            Authority::YoungPerson if self.is_young_person(person) => {
                Ok(GrantorCapacity::YoungPerson)
            }
            Authority::YoungPerson => Err(AuthorityError::AfterHandOver { hand_over }),
            Authority::ActingForYoungPerson if self.is_deputy(person) => {
                Ok(GrantorCapacity::Deputy)
            }
            Authority::ActingForYoungPerson if self.holds_pr(person) => {
                Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
            }
            Authority::ActingForYoungPerson => Err(AuthorityError::NotActingForYoungPerson),
        }
    }

    /// Whether a family member (not an agency) may read the record, and why.
    /// People with parental responsibility read it while they hold consent
    /// authority; the young person always reads their own.
    pub fn family_view(
        &self,
        person: &str,
        role: FamilyRole,
        today: NaiveDate,
    ) -> Result<FamilyAccess, FamilyRefusal> {
        if role.young_person() && self.is_young_person(person) {
            return Ok(FamilyAccess::OwnRecord);
        }
        if role.family() && (self.holds_pr(person) || self.is_deputy(person)) {
            return match self.authority(today) {
                Authority::ParentalResponsibility if self.holds_pr(person) => {
                    Ok(FamilyAccess::ParentalResponsibility)
                }
                // A deputy acts for a young person lacking capacity, not before.
                Authority::ParentalResponsibility => Err(FamilyRefusal::NoRelationship),
                Authority::ActingForYoungPerson => Ok(FamilyAccess::ActingForYoungPerson),
                Authority::YoungPerson => Err(FamilyRefusal::HandedOver),
            };
        }
        Err(FamilyRefusal::NoRelationship)
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

/// Why a family member may not read the record.
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
    pub fn resolve(
        principal: &Principal,
        facts: &ChildFacts,
        agreement: &Agreement,
        named: Option<&str>,
        method: Option<CaptureMethod>,
        evidence: Option<&str>,
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
            let capacity = facts.may_decide(person, today)?;
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
            let capacity = facts.may_decide(person, today)?;
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
        "until the end of compulsory school age ({}) only a person with parental responsibility may make consent decisions for this child",
        .hand_over.format("%-d %B %Y")
    )]
    BeforeHandOver {
        /// The end of compulsory school age.
        hand_over: NaiveDate,
    },
    /// After the hand-over the young person decides.
    #[error(
        "since the end of compulsory school age ({}) the young person makes their own consent decisions; a parent or deputy may act only where the record notes they lack capacity",
        .hand_over.format("%-d %B %Y")
    )]
    AfterHandOver {
        /// The end of compulsory school age.
        hand_over: NaiveDate,
    },
    /// The young person lacks capacity, and this person may not act for them.
    #[error(
        "the young person lacks capacity for this decision: only a deputy, attorney or parent may act for them"
    )]
    NotActingForYoungPerson,
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
            | AuthorityError::NotActingForYoungPerson
            | AuthorityError::NotARecorder { .. } => None,
        }
    }

    /// True when the rule refuses, rather than the input.
    pub fn is_forbidden(&self) -> bool {
        self.field().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn end_of_compulsory_school_age_follows_the_school_year() {
        // Turns 16 on 31 August 2026: the school year ending June 2026.
        // The last Friday of June 2026 is the 26th.
        assert_eq!(end_of_compulsory_school_age(d(2010, 8, 31)), d(2026, 6, 26));
        // Turns 16 on 1 September 2026: the next school year, ending June 2027 (Friday 25th).
        assert_eq!(end_of_compulsory_school_age(d(2010, 9, 1)), d(2027, 6, 25));
        // Turns 16 in January 2027: the same school year, June 2027.
        assert_eq!(end_of_compulsory_school_age(d(2011, 1, 15)), d(2027, 6, 25));
        // June 2029 ends on a Saturday: the last Friday is the 29th.
        assert_eq!(end_of_compulsory_school_age(d(2013, 3, 1)), d(2029, 6, 29));
        // June 2028 ends on a Friday: the 30th itself.
        assert_eq!(end_of_compulsory_school_age(d(2012, 2, 29)), d(2028, 6, 30));
    }

    fn facts(lacks_capacity: bool) -> ChildFacts {
        ChildFacts {
            id: uuid::Uuid::nil(),
            date_of_birth: d(2010, 8, 31),
            young_person_id: Some("yp".into()),
            parental_responsibility: vec!["mum".into()],
            deputies: vec!["deputy".into()],
            lacks_capacity,
        }
    }

    #[test]
    fn authority_passes_the_day_after_the_last_friday_of_june() {
        let f = facts(false);
        let last_day = d(2026, 6, 26);
        assert_eq!(
            f.may_decide("mum", last_day),
            Ok(GrantorCapacity::ParentalResponsibility)
        );
        assert!(f.may_decide("yp", last_day).is_err());
        let next_day = d(2026, 6, 27);
        assert!(
            f.may_decide("mum", next_day)
                .is_err_and(|e| e.to_string().contains("26 June 2026"))
        );
        assert_eq!(
            f.may_decide("yp", next_day),
            Ok(GrantorCapacity::YoungPerson)
        );
        assert!(f.may_decide("stranger", last_day).is_err());
    }

    #[test]
    fn parents_and_deputies_act_only_where_capacity_is_lacking() {
        let f = facts(true);
        let after = d(2027, 1, 1);
        assert_eq!(
            f.may_decide("mum", after),
            Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
        );
        assert_eq!(f.may_decide("deputy", after), Ok(GrantorCapacity::Deputy));
        assert!(f.may_decide("yp", after).is_err());
        assert!(f.family_view("mum", FamilyRole::Family, after).is_ok());
        assert!(
            facts(false)
                .family_view("mum", FamilyRole::Family, after)
                .is_err()
        );
        assert!(
            facts(false)
                .family_view("yp", FamilyRole::YoungPerson, after)
                .is_ok()
        );
        assert!(
            facts(false)
                .family_view("yp", FamilyRole::Family, after)
                .is_err(),
            "the role must match"
        );
    }
}

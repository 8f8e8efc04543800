//! The reg 6(1) advice checklist (SEND Regulations 2014 regs 6(1), 6(2)):
//! the sources of advice and information an EHC needs assessment must
//! seek, derived from the child's age, year group, setting and needs, and
//! where each stands — requested, answered, reused, recorded as not
//! required (with the case officer's reason), or still open.
//!
//! Reg 6(1) is a minimum: (a) the family, (b) educational, (c) medical,
//! (d) psychological, (e) social care advice, (g) from Year 9 advice on
//! preparing for adulthood; a qualified specialist teacher advises on
//! hearing or vision impairment (6(2)). (f), advice from others the council
//! thinks fit, is suggested from the child's needs and marked as such: a
//! suggestion never holds up a draft.
//!
//! Requested counts as not open: the draft may be written while advice is
//! still due (the council chases it on the clock), but no required source
//! may be forgotten without a recorded reason.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::ehc::{AdviceAnswerMode, Assessment, MilestoneStatus};
use crate::template::Profession;
use crate::{Agency, NeedCode, SettingPhase};

crate::code_enum! {
    /// Where one checklist item stands.
    pub enum ItemStatus("checklist item status") {
        /// Nothing asked, given or recorded yet.
        Open = "OPEN",
        /// Asked for on this assessment, not yet answered.
        Requested = "REQUESTED",
        /// Answered with new advice (for (a): "all about me" is written).
        Answered = "ANSWERED",
        /// Answered with existing advice (reg 6(4)).
        Reused = "REUSED",
        /// The case officer recorded why it is not required.
        NotRequired = "NOT_REQUIRED",
    }
}

/// The school year of the child after the council's counting: Reception is
/// 0, nursery -1, "Year 9" 9. `None` when the text is not a year group.
pub fn school_year(year_group: &str) -> Option<i32> {
    let y = year_group.trim().to_ascii_lowercase();
    match y.as_str() {
        "r" | "reception" | "year r" => return Some(0),
        "n" | "n1" | "n2" | "nursery" | "year n" => return Some(-1),
        _ => {}
    }
    let digits = y
        .strip_prefix("year")
        .or_else(|| y.strip_prefix('y'))
        .unwrap_or(&y)
        .trim();
    digits.parse::<i32>().ok().filter(|n| (1..=14).contains(n))
}

/// The year from which reg 6(1)(g) applies.
pub const PFA_FROM_YEAR: i32 = 9;
/// Without a year group, the age from which preparing for adulthood is
/// sought: a Year 9 pupil turns 14 during the year, so this errs towards
/// asking.
pub const PFA_FROM_AGE: i32 = 14;

/// What the checklist is derived from, read through the door.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildFacts {
    /// `None` when not known (or withheld from the caller).
    pub date_of_birth: Option<NaiveDate>,
    pub year_group: Option<String>,
    pub setting_phase: Option<SettingPhase>,
    pub needs: Vec<NeedCode>,
    /// A version of "all about me" exists.
    pub all_about_me_written: bool,
}

/// Age in whole years on `today`.
pub fn age_on(dob: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age
}

/// A case officer's record that one source is not required on this
/// assessment, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRequired {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub profession: Profession,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The longest reason kept.
pub const MAX_REASON: usize = 2_000;

/// Why a "not required" record cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotRequiredError {
    /// No reason, or only spaces.
    #[error("say why this advice is not required")]
    BlankReason,
    /// Longer than [`MAX_REASON`].
    #[error("must be at most {max} characters", max = MAX_REASON)]
    ReasonTooLong,
    /// A control character in the reason.
    #[error("must not contain control characters")]
    ControlCharacters,
    /// The assessment has ended.
    #[error("the assessment has ended: its checklist is closed")]
    AssessmentClosed,
}

impl NotRequiredError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            NotRequiredError::AssessmentClosed => "assessmentId",
            _ => "reason",
        }
    }
}

impl NotRequired {
    /// Records that `profession`'s advice is not required on `assessment`,
    /// because of `reason` (trimmed, non-blank, bounded).
    pub fn new(
        id: Uuid,
        assessment: &Assessment,
        profession: Profession,
        reason: &str,
        recorded_by: &str,
        recorded_at: DateTime<Utc>,
    ) -> Result<Self, NotRequiredError> {
        if !assessment.in_progress() {
            return Err(NotRequiredError::AssessmentClosed);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(NotRequiredError::BlankReason);
        }
        if reason.chars().count() > MAX_REASON {
            return Err(NotRequiredError::ReasonTooLong);
        }
        if reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(NotRequiredError::ControlCharacters);
        }
        Ok(Self {
            id,
            assessment_id: assessment.id,
            profession,
            reason: reason.to_owned(),
            recorded_by: recorded_by.to_owned(),
            recorded_at,
        })
    }
}

/// One source the assessment seeks, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    /// The regulation, e.g. `6(1)(c)`.
    pub regulation: &'static str,
    /// The profession asked; `None` for (a), the family's own views.
    pub profession: Option<Profession>,
    /// Why it is on the list, in a sentence.
    pub why: String,
    /// A (f) suggestion from the child's needs: never holds up the draft.
    pub suggested: bool,
    pub status: ItemStatus,
    /// The latest request of this profession on the assessment.
    pub request_id: Option<Uuid>,
    /// That request's place on the clock.
    pub request_status: Option<MilestoneStatus>,
    pub answered_on: Option<NaiveDate>,
    /// The case officer's reason, when NOT_REQUIRED.
    pub not_required_reason: Option<String>,
}

impl ChecklistItem {
    /// How the item is named in a list of open items.
    pub fn name(&self) -> String {
        match self.profession {
            Some(p) => format!("{} advice from {} ({p})", self.regulation, p.label()),
            None => format!("{} the family's views (all about me)", self.regulation),
        }
    }

    /// Required and still open: holds up the draft.
    pub fn blocks_draft(&self) -> bool {
        !self.suggested && self.status == ItemStatus::Open
    }
}

/// The profession a request asks, or its agency's default.
pub fn request_profession(
    r: &crate::ehc::AdviceRequest,
    agencies: &[Agency],
) -> Option<Profession> {
    r.profession.or_else(|| {
        agencies
            .iter()
            .find(|a| a.id == r.agency_id)
            .and_then(|a| Profession::default_for(a.kind))
    })
}

/// The checklist of `assessment` for a child with `facts`, on `today`.
pub fn checklist(
    facts: &ChildFacts,
    assessment: &Assessment,
    agencies: &[Agency],
    not_required: &[NotRequired],
    today: NaiveDate,
) -> Vec<ChecklistItem> {
    let needs = &facts.needs;
    let has = |codes: &[NeedCode]| needs.iter().any(|n| codes.contains(n));
    let mut wanted: Vec<(&'static str, Profession, String, bool)> = vec![
        (
            "6(1)(b)",
            Profession::SchoolSetting,
            "Educational advice from the head teacher or SENCO of the school or setting is always sought (reg 6(1)(b)).".into(),
            false,
        ),
    ];
    if has(&[NeedCode::Hi, NeedCode::Vi, NeedCode::Msi]) {
        wanted.push((
            "6(2)",
            Profession::SensorySpecialistTeacher,
            "The child has a hearing, vision or multi-sensory impairment: the educational advice is given after consulting a qualified specialist teacher (reg 6(2)).".into(),
            false,
        ));
    }
    wanted.extend([
        (
            "6(1)(c)",
            Profession::PaediatricHealth,
            "Medical advice from a health care professional identified by the health commissioning body is always sought (reg 6(1)(c)).".to_owned(),
            false,
        ),
        (
            "6(1)(d)",
            Profession::EducationalPsychology,
            "Psychological advice from an educational psychologist is always sought (reg 6(1)(d)).".to_owned(),
            false,
        ),
        (
            "6(1)(e)",
            Profession::SocialCare,
            "Social care advice is always sought (reg 6(1)(e)).".to_owned(),
            false,
        ),
    ]);
    if let Some(why) = pfa_reason(facts, today) {
        wanted.push(("6(1)(g)", Profession::PreparingForAdulthood, why, false));
    }
    let mut suggest = |p: Profession, why: &str| {
        if !wanted.iter().any(|w| w.1 == p) {
            wanted.push(("6(1)(f)", p, why.to_owned(), true));
        }
    };
    if has(&[NeedCode::Slcn, NeedCode::Asd]) {
        suggest(
            Profession::SpeechLanguageTherapy,
            "Suggested: the child's needs include speech, language and communication or autism, so a speech and language therapist's advice is likely to be appropriate (reg 6(1)(f)).",
        );
    }
    if has(&[NeedCode::Pd]) {
        suggest(
            Profession::OccupationalTherapyPhysiotherapy,
            "Suggested: the child has a physical disability, so an occupational therapist's or physiotherapist's advice is likely to be appropriate (reg 6(1)(f)).",
        );
    }
    if has(&[NeedCode::Semh]) {
        suggest(
            Profession::Camhs,
            "Suggested: the child has social, emotional and mental health needs, so CAMHS advice is likely to be appropriate (reg 6(1)(f)).",
        );
    }
    // Anyone else the council chose to ask is someone it thought fit (f).
    for r in &assessment.advice {
        if let Some(p) = request_profession(r, agencies) {
            if let Some(w) = wanted.iter_mut().find(|w| w.1 == p) {
                w.3 = false;
            } else {
                wanted.push((
                    "6(1)(f)",
                    p,
                    "The council asked for this advice as appropriate (reg 6(1)(f)).".to_owned(),
                    false,
                ));
            }
        }
    }

    let mut items = vec![ChecklistItem {
        regulation: "6(1)(a)",
        profession: None,
        why: "The advice and information of the child's parent or the young person is always sought (reg 6(1)(a)): their \"all about me\".".into(),
        suggested: false,
        status: if facts.all_about_me_written {
            ItemStatus::Answered
        } else {
            ItemStatus::Open
        },
        request_id: None,
        request_status: None,
        answered_on: None,
        not_required_reason: None,
    }];
    for (regulation, profession, why, suggested) in wanted {
        items.push(item_state(
            regulation,
            profession,
            why,
            suggested,
            assessment,
            agencies,
            not_required,
            today,
        ));
    }
    items
}

fn pfa_reason(facts: &ChildFacts, today: NaiveDate) -> Option<String> {
    let year = facts.year_group.as_deref().and_then(school_year);
    match (year, facts.date_of_birth) {
        (Some(y), _) if y >= PFA_FROM_YEAR => Some(format!(
            "The child is in Year {y}: from Year 9, advice on preparing for adulthood and independent living is sought (reg 6(1)(g))."
        )),
        (Some(_), _) => None,
        (None, _) if facts.setting_phase == Some(SettingPhase::PostSixteen) => Some(
            "The young person is in post-16 education: advice on preparing for adulthood and independent living is sought (reg 6(1)(g)).".into(),
        ),
        (None, Some(dob)) if age_on(dob, today) >= PFA_FROM_AGE => Some(format!(
            "No year group is recorded and the child is {}: from Year 9, advice on preparing for adulthood and independent living is sought (reg 6(1)(g)).",
            age_on(dob, today)
        )),
        (None, Some(_)) => None,
        (None, None) => Some(
            "Neither the year group nor the age is known: from Year 9, advice on preparing for adulthood is sought (reg 6(1)(g)); record why if the child is younger.".into(),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn item_state(
    regulation: &'static str,
    profession: Profession,
    why: String,
    suggested: bool,
    assessment: &Assessment,
    agencies: &[Agency],
    not_required: &[NotRequired],
    today: NaiveDate,
) -> ChecklistItem {
    let requests: Vec<_> = assessment
        .advice
        .iter()
        .filter(|r| request_profession(r, agencies) == Some(profession))
        .collect();
    // An answered request settles the item; else the latest request.
    let chosen = requests
        .iter()
        .rev()
        .find(|r| r.answer.is_some())
        .or_else(|| requests.last())
        .copied();
    let excused = not_required
        .iter()
        .filter(|n| n.assessment_id == assessment.id && n.profession == profession)
        .max_by_key(|n| n.recorded_at);
    let status = match (chosen.and_then(|r| r.answer.as_ref()), chosen, excused) {
        (Some(a), _, _) if a.mode == AdviceAnswerMode::Reused => ItemStatus::Reused,
        (Some(_), _, _) => ItemStatus::Answered,
        (None, Some(_), _) => ItemStatus::Requested,
        (None, None, Some(_)) => ItemStatus::NotRequired,
        (None, None, None) => ItemStatus::Open,
    };
    ChecklistItem {
        regulation,
        profession: Some(profession),
        why,
        suggested,
        status,
        request_id: chosen.map(|r| r.id),
        request_status: chosen.map(|r| r.status(today)),
        answered_on: chosen
            .and_then(|r| r.answer.as_ref())
            .map(|a| a.answered_on),
        not_required_reason: (status == ItemStatus::NotRequired)
            .then(|| excused.map(|n| n.reason.clone()))
            .flatten(),
    }
}

/// Why a draft cannot be issued yet: the required items still open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the reg 6(1) advice checklist has open items: {}; request them, record why each is not required, or give openItemsReason",
    .open.join("; ")
)]
pub struct OpenItems {
    /// Each open item's name.
    pub open: Vec<String>,
}

impl OpenItems {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        "openItemsReason"
    }
}

/// Refuses the draft while a required item is open, unless `reason` (the
/// case officer's, non-blank) explains going ahead.
pub fn check_draft(items: &[ChecklistItem], reason: Option<&str>) -> Result<(), OpenItems> {
    let open: Vec<String> = items
        .iter()
        .filter(|i| i.blocks_draft())
        .map(ChecklistItem::name)
        .collect();
    if open.is_empty() || reason.is_some_and(|r| !r.trim().is_empty()) {
        Ok(())
    } else {
        Err(OpenItems { open })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgencyKind;
    use crate::ehc::{AdviceAnswer, AdviceRequest, AssessmentEvent, AssessmentEventKind};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 2);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn agency(n: u128, kind: AgencyKind) -> Agency {
        Agency {
            id: Uuid::from_u128(n),
            name: format!("agency {n}"),
            kind,
        }
    }

    fn agencies() -> Vec<Agency> {
        vec![
            agency(1, AgencyKind::School),
            agency(2, AgencyKind::Slt),
            agency(3, AgencyKind::LaSend),
        ]
    }

    fn assessment(advice: Vec<AdviceRequest>) -> Assessment {
        Assessment {
            id: Uuid::from_u128(100),
            child_id: Uuid::from_u128(200),
            request_received_on: d(2026, 9, 1),
            events: vec![AssessmentEvent {
                id: Uuid::from_u128(300),
                kind: AssessmentEventKind::DecidedToAssess,
                on: d(2026, 10, 1),
                exception: None,
                limit: None,
                advice_request_id: None,
                note: None,
            }],
            advice,
        }
    }

    fn request(n: u128, agency: u128, profession: Option<Profession>) -> AdviceRequest {
        AdviceRequest {
            id: Uuid::from_u128(n),
            agency_id: Uuid::from_u128(agency),
            scope: crate::Scope::Education,
            profession,
            attachments: Default::default(),
            asked_on: d(2026, 10, 2),
            due_on: d(2026, 11, 13),
            target_on: None,
            answer: None,
        }
    }

    fn year_10_hi_slcn() -> ChildFacts {
        ChildFacts {
            date_of_birth: Some(d(2011, 5, 4)),
            year_group: Some("Year 10".into()),
            setting_phase: Some(SettingPhase::Secondary),
            needs: vec![NeedCode::Hi, NeedCode::Slcn],
            all_about_me_written: false,
        }
    }

    fn summary(items: &[ChecklistItem]) -> Vec<(&'static str, Option<Profession>, bool)> {
        items
            .iter()
            .map(|i| (i.regulation, i.profession, i.suggested))
            .collect()
    }

    #[test]
    fn year_groups_read_as_school_years() {
        assert_eq!(school_year("Year 9"), Some(9));
        assert_eq!(school_year("year 10"), Some(10));
        assert_eq!(school_year("Y11"), Some(11));
        assert_eq!(school_year("R"), Some(0));
        assert_eq!(school_year("N1"), Some(-1));
        assert_eq!(school_year("12"), Some(12));
        assert_eq!(school_year("Key stage 3"), None);
        assert_eq!(school_year("Year 40"), None);
    }

    #[test]
    fn a_year_10_child_with_hi_and_slcn_needs_every_source() {
        let items = checklist(
            &year_10_hi_slcn(),
            &assessment(vec![]),
            &agencies(),
            &[],
            today(),
        );
        assert_eq!(
            summary(&items),
            [
                ("6(1)(a)", None, false),
                ("6(1)(b)", Some(Profession::SchoolSetting), false),
                ("6(2)", Some(Profession::SensorySpecialistTeacher), false),
                ("6(1)(c)", Some(Profession::PaediatricHealth), false),
                ("6(1)(d)", Some(Profession::EducationalPsychology), false),
                ("6(1)(e)", Some(Profession::SocialCare), false),
                ("6(1)(g)", Some(Profession::PreparingForAdulthood), false),
                ("6(1)(f)", Some(Profession::SpeechLanguageTherapy), true),
            ]
        );
        assert!(items.iter().all(|i| i.status == ItemStatus::Open));
        assert!(items[6].why.contains("Year 10"));
    }

    #[test]
    fn a_four_year_old_is_not_asked_about_adulthood() {
        let facts = ChildFacts {
            date_of_birth: Some(d(2022, 6, 1)),
            year_group: Some("R".into()),
            setting_phase: Some(SettingPhase::Primary),
            needs: vec![NeedCode::Pd, NeedCode::Semh],
            all_about_me_written: true,
        };
        let items = checklist(&facts, &assessment(vec![]), &agencies(), &[], today());
        assert_eq!(
            summary(&items),
            [
                ("6(1)(a)", None, false),
                ("6(1)(b)", Some(Profession::SchoolSetting), false),
                ("6(1)(c)", Some(Profession::PaediatricHealth), false),
                ("6(1)(d)", Some(Profession::EducationalPsychology), false),
                ("6(1)(e)", Some(Profession::SocialCare), false),
                (
                    "6(1)(f)",
                    Some(Profession::OccupationalTherapyPhysiotherapy),
                    true
                ),
                ("6(1)(f)", Some(Profession::Camhs), true),
            ]
        );
        assert_eq!(items[0].status, ItemStatus::Answered);
    }

    #[test]
    fn without_a_year_group_age_decides_adulthood() {
        let mut facts = ChildFacts {
            date_of_birth: Some(d(2012, 11, 2)),
            ..Default::default()
        };
        let has_pfa = |f: &ChildFacts| {
            checklist(f, &assessment(vec![]), &agencies(), &[], today())
                .iter()
                .any(|i| i.profession == Some(Profession::PreparingForAdulthood))
        };
        assert!(has_pfa(&facts), "14 today");
        facts.date_of_birth = Some(d(2012, 11, 3));
        assert!(!has_pfa(&facts), "14 tomorrow");
        facts.setting_phase = Some(SettingPhase::PostSixteen);
        assert!(has_pfa(&facts));
    }

    #[test]
    fn items_take_the_state_of_their_requests_and_records() {
        let mut answered = request(10, 1, None); // school: SCHOOL_SETTING by default
        answered.answer = Some(AdviceAnswer {
            contribution_id: Uuid::from_u128(11),
            mode: AdviceAnswerMode::Submitted,
            answered_on: d(2026, 10, 20),
        });
        let mut reused = request(12, 3, Some(Profession::EducationalPsychology));
        reused.answer = Some(AdviceAnswer {
            contribution_id: Uuid::from_u128(13),
            mode: AdviceAnswerMode::Reused,
            answered_on: d(2026, 10, 21),
        });
        let asked = request(14, 2, None); // SLT by default
        let a = assessment(vec![answered, reused, asked]);
        let excused = NotRequired::new(
            Uuid::from_u128(15),
            &a,
            Profession::SocialCare,
            "  No social care involvement; the family declined an assessment.  ",
            "officer",
            DateTime::<Utc>::MIN_UTC,
        )
        .expect("recorded");
        assert_eq!(
            excused.reason,
            "No social care involvement; the family declined an assessment."
        );
        let items = checklist(&year_10_hi_slcn(), &a, &agencies(), &[excused], today());
        let state = |p: Profession| {
            items
                .iter()
                .find(|i| i.profession == Some(p))
                .map(|i| (i.status, i.suggested))
                .expect("listed")
        };
        assert_eq!(
            state(Profession::SchoolSetting),
            (ItemStatus::Answered, false)
        );
        assert_eq!(
            state(Profession::EducationalPsychology),
            (ItemStatus::Reused, false)
        );
        // Asked for: no longer merely a suggestion.
        assert_eq!(
            state(Profession::SpeechLanguageTherapy),
            (ItemStatus::Requested, false)
        );
        assert_eq!(
            state(Profession::SocialCare),
            (ItemStatus::NotRequired, false)
        );
        assert_eq!(
            state(Profession::PaediatricHealth),
            (ItemStatus::Open, false)
        );
        let slt = items
            .iter()
            .find(|i| i.profession == Some(Profession::SpeechLanguageTherapy))
            .expect("slt");
        assert_eq!(slt.request_status, Some(MilestoneStatus::DueSoon));

        let refused = check_draft(&items, None).expect_err("open items");
        assert_eq!(refused.open.len(), 4, "{refused}");
        assert!(refused.open[0].contains("6(1)(a)"));
        assert!(refused.to_string().contains("PAEDIATRIC_HEALTH"));
        assert_eq!(check_draft(&items, Some("   ")), Err(refused));
        assert_eq!(check_draft(&items, Some("Medical advice by phone")), Ok(()));
    }

    #[test]
    fn suggestions_never_hold_up_the_draft() {
        let facts = ChildFacts {
            year_group: Some("Year 3".into()),
            needs: vec![NeedCode::Asd],
            all_about_me_written: true,
            ..Default::default()
        };
        let a = assessment(
            [
                (1, Profession::SchoolSetting),
                (2, Profession::PaediatricHealth),
                (3, Profession::EducationalPsychology),
                (4, Profession::SocialCare),
            ]
            .into_iter()
            .map(|(n, p)| request(n, 3, Some(p)))
            .collect(),
        );
        let items = checklist(&facts, &a, &agencies(), &[], today());
        let slt = items.last().expect("slt");
        assert!(slt.suggested && slt.status == ItemStatus::Open);
        assert_eq!(check_draft(&items, None), Ok(()));
    }

    #[test]
    fn a_not_required_record_needs_a_reason_and_an_open_assessment() {
        let a = assessment(vec![]);
        let new = |reason: &str, a: &Assessment| {
            NotRequired::new(
                Uuid::nil(),
                a,
                Profession::SocialCare,
                reason,
                "o",
                DateTime::<Utc>::MIN_UTC,
            )
        };
        assert_eq!(new("  ", &a), Err(NotRequiredError::BlankReason));
        assert_eq!(
            new(&"x".repeat(MAX_REASON + 1), &a),
            Err(NotRequiredError::ReasonTooLong)
        );
        assert_eq!(new("a\u{0}b", &a), Err(NotRequiredError::ControlCharacters));
        let mut closed = a.clone();
        closed.events.push(AssessmentEvent {
            id: Uuid::from_u128(301),
            kind: AssessmentEventKind::DecidedNotToIssue,
            on: d(2026, 10, 30),
            exception: None,
            limit: None,
            advice_request_id: None,
            note: None,
        });
        assert_eq!(
            new("because", &closed),
            Err(NotRequiredError::AssessmentClosed)
        );
    }
}

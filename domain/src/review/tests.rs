use proptest::prelude::*;

use super::*;
use crate::ehc::{AssessmentEvent, AssessmentEventKind};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

const PLAN: Uuid = Uuid::from_u128(0x91a4);

fn fact(n: u128, on: NaiveDate, event: ReviewEvent) -> ReviewFact {
    ReviewFact {
        id: Uuid::from_u128(n),
        on,
        event,
    }
}

fn cycle(starts_on: NaiveDate, facts: Vec<ReviewFact>) -> ReviewCycle {
    ReviewCycle {
        id: Some(Uuid::from_u128(0xc1)),
        plan_id: PLAN,
        starts_on,
        due_on: review_due(starts_on),
        imported_concluded_on: None,
        facts,
    }
}

fn invited() -> ReviewEvent {
    ReviewEvent::InvitationsSent {
        invited: [AgencyKind::School, AgencyKind::LaSend, AgencyKind::Health].into(),
        family: true,
    }
}

#[test]
fn a_review_is_due_the_day_before_the_anniversary() {
    assert_eq!(review_due(d(2026, 5, 20)), d(2027, 5, 19));
    // 29 February: the anniversary is 1 March, so the last day is 28 February.
    assert_eq!(review_due(d(2028, 2, 29)), d(2029, 2, 28));
    // 1 March 2027: the day before 1 March 2028 is 29 February (a leap year).
    assert_eq!(review_due(d(2027, 3, 1)), d(2028, 2, 29));
    assert_eq!(review_due(d(2026, 1, 1)), d(2026, 12, 31));
}

#[test]
fn under_fives_are_reviewed_on_the_configured_interval() {
    let dob = d(2023, 6, 1);
    let six = ReviewPolicy::default();
    assert_eq!(six.under_five_months(), 6);
    // Under 5 on the start date: 6 months starting with 20 May 2026.
    assert_eq!(six.due(d(2026, 5, 20), Some(dob)), d(2026, 11, 19));
    let three = ReviewPolicy::new(3).expect("3 is allowed");
    assert_eq!(three.due(d(2026, 5, 20), Some(dob)), d(2026, 8, 19));
    // 31 August + 3 months: no 31 November, so the period ends on 30 November.
    assert_eq!(three.due(d(2026, 8, 31), Some(dob)), d(2026, 11, 30));
    // Five on the start date (the day before the fifth birthday is still under 5).
    assert_eq!(six.due(d(2028, 5, 31), Some(dob)), d(2028, 11, 30));
    assert_eq!(six.due(d(2028, 6, 1), Some(dob)), d(2029, 5, 31));
    // No date of birth known: the 12 months.
    assert_eq!(six.due(d(2026, 5, 20), None), d(2027, 5, 19));
    for bad in [0, 2, 7, 12] {
        assert_eq!(ReviewPolicy::new(bad), Err(ReviewPolicyError(bad)));
    }
    assert!(ReviewPolicy::new(6).is_ok());
}

#[test]
fn each_reg_20_timer_to_the_day() {
    let meeting = d(2027, 5, 10);
    let mut c = cycle(
        d(2026, 5, 20),
        vec![fact(
            1,
            d(2027, 3, 1),
            ReviewEvent::MeetingSet {
                meeting_on: meeting,
            },
        )],
    );
    let steps = c.steps(d(2027, 3, 1));
    let due = |step| steps.iter().find(|s| s.step == step).expect("step").due;
    assert_eq!(due(ReviewStep::MeetingSet), d(2027, 5, 5));
    // 2 weeks before the meeting is 14 days.
    assert_eq!(due(ReviewStep::InvitationsSent), d(2027, 4, 26));
    assert_eq!(due(ReviewStep::PapersCirculated), d(2027, 4, 26));
    assert_eq!(due(ReviewStep::MeetingHeld), d(2027, 5, 19));
    // Before it is held, the report and decision are timed from the meeting date.
    assert_eq!(due(ReviewStep::ReportSent), d(2027, 5, 24));
    assert_eq!(due(ReviewStep::Decision), d(2027, 6, 7));
    // Held a day late: the timers run from the day it was held.
    c.facts
        .push(fact(2, d(2027, 5, 11), ReviewEvent::MeetingHeld));
    let steps = c.steps(d(2027, 5, 11));
    let due = |step| steps.iter().find(|s| s.step == step).expect("step").due;
    assert_eq!(due(ReviewStep::ReportSent), d(2027, 5, 25));
    assert_eq!(due(ReviewStep::Decision), d(2027, 6, 8));
    assert_eq!(c.amended_plan_due(), None);
    c.facts.push(fact(
        3,
        d(2027, 6, 1),
        ReviewEvent::Decided(Decision::Amend),
    ));
    // 8 weeks after the decision notice: 56 days.
    assert_eq!(c.amended_plan_due(), Some(d(2027, 7, 27)));
    let steps = c.steps(d(2027, 6, 1));
    let amended = steps
        .iter()
        .find(|s| s.step == ReviewStep::AmendedPlanIssued)
        .expect("amend step");
    assert_eq!(
        (amended.due, amended.status),
        (d(2027, 7, 27), MilestoneStatus::OnTrack)
    );
    assert_eq!(c.concluded_on(), Some(d(2027, 6, 1)));
}

#[test]
fn statuses_of_the_steps_on_the_day() {
    let meeting = d(2027, 5, 10);
    let c = cycle(
        d(2026, 5, 20),
        vec![
            fact(
                1,
                d(2027, 3, 1),
                ReviewEvent::MeetingSet {
                    meeting_on: meeting,
                },
            ),
            fact(2, d(2027, 4, 26), invited()),
            fact(3, d(2027, 4, 27), ReviewEvent::PapersCirculated),
        ],
    );
    let steps = c.steps(d(2027, 5, 5));
    let status_of = |step| steps.iter().find(|s| s.step == step).expect("step").status;
    assert_eq!(
        status_of(ReviewStep::InvitationsSent),
        MilestoneStatus::Done
    );
    assert_eq!(
        status_of(ReviewStep::PapersCirculated),
        MilestoneStatus::DoneLate
    );
    assert_eq!(status_of(ReviewStep::MeetingHeld), MilestoneStatus::DueSoon);
    assert_eq!(c.status(d(2027, 5, 19)), MilestoneStatus::DueSoon);
    assert_eq!(c.status(d(2027, 5, 20)), MilestoneStatus::Overdue);
}

#[test]
fn steps_out_of_order_or_impossible_are_refused() {
    let today = d(2027, 6, 1);
    let start = d(2026, 5, 20);
    let empty = cycle(start, vec![]);
    let set = cycle(
        start,
        vec![fact(
            1,
            d(2027, 3, 1),
            ReviewEvent::MeetingSet {
                meeting_on: d(2027, 5, 10),
            },
        )],
    );
    let held = {
        let mut c = set.clone();
        c.facts
            .push(fact(2, d(2027, 5, 10), ReviewEvent::MeetingHeld));
        c
    };
    let decided = {
        let mut c = held.clone();
        c.facts.push(fact(
            3,
            d(2027, 5, 20),
            ReviewEvent::Decided(Decision::Maintain),
        ));
        c
    };
    let no_family = ReviewEvent::InvitationsSent {
        invited: [AgencyKind::School].into(),
        family: false,
    };
    let cases: Vec<(&ReviewCycle, ReviewEvent, NaiveDate, ReviewError, &str)> = vec![
        (
            &set,
            ReviewEvent::PapersCirculated,
            d(2027, 6, 2),
            ReviewError::InFuture,
            "on",
        ),
        (
            &set,
            ReviewEvent::PapersCirculated,
            d(2026, 5, 19),
            ReviewError::BeforeStart { start },
            "on",
        ),
        (
            &empty,
            invited(),
            d(2027, 4, 1),
            ReviewError::NoMeetingSet,
            "on",
        ),
        (
            &set,
            no_family,
            d(2027, 4, 1),
            ReviewError::FamilyNotInvited,
            "invited",
        ),
        (
            &set,
            ReviewEvent::ReportSent,
            d(2027, 5, 12),
            ReviewError::ReportBeforeMeeting,
            "on",
        ),
        (
            &set,
            ReviewEvent::Decided(Decision::Maintain),
            d(2027, 5, 12),
            ReviewError::DecisionBeforeMeeting,
            "on",
        ),
        (
            &held,
            ReviewEvent::Decided(Decision::Maintain),
            d(2027, 5, 9),
            ReviewError::DecisionBeforeMeeting,
            "on",
        ),
        (
            &decided,
            ReviewEvent::Decided(Decision::Amend),
            d(2027, 5, 21),
            ReviewError::AlreadyDecided,
            "decision",
        ),
        (
            &held,
            ReviewEvent::MeetingHeld,
            d(2027, 5, 11),
            ReviewError::AlreadyRecorded(ReviewStep::MeetingHeld),
            "step",
        ),
        (
            &held,
            ReviewEvent::MeetingSet {
                meeting_on: d(2027, 5, 30),
            },
            d(2027, 5, 11),
            ReviewError::MeetingAlreadyHeld,
            "on",
        ),
        (
            &decided,
            ReviewEvent::AmendedPlanIssued,
            d(2027, 5, 30),
            ReviewError::NotAmending,
            "planId",
        ),
        (
            &decided,
            ReviewEvent::ReportSent,
            d(2027, 5, 30),
            ReviewError::Concluded,
            "planId",
        ),
    ];
    for (c, event, on, error, field) in cases {
        let e = c.check(&event, on, today).expect_err(&format!("{event:?}"));
        assert_eq!((e, e.field()), (error, field), "{event:?}");
    }
    // Positive controls.
    assert_eq!(set.check(&invited(), d(2027, 4, 26), today), Ok(()));
    assert_eq!(
        held.check(&ReviewEvent::ReportSent, d(2027, 5, 10), today),
        Ok(())
    );
    assert_eq!(
        held.check(
            &ReviewEvent::Decided(Decision::Cease(CeaseGround::NoLongerNecessary)),
            today,
            today
        ),
        Ok(())
    );
    let amending = {
        let mut c = held.clone();
        c.facts.push(fact(
            3,
            d(2027, 5, 20),
            ReviewEvent::Decided(Decision::Amend),
        ));
        c
    };
    assert_eq!(
        amending.check(&ReviewEvent::AmendedPlanIssued, d(2027, 5, 19), today),
        Err(ReviewError::AmendedBeforeDecision {
            decided_on: d(2027, 5, 20)
        })
    );
    assert_eq!(
        amending.check(&ReviewEvent::AmendedPlanIssued, today, today),
        Ok(())
    );
}

#[test]
fn a_decision_is_notified_with_appeal_rights_and_ceasing_needs_a_s45_ground() {
    let ask = |decision, cease_ground, appeal_rights_notified, family_consulted| DecisionAsk {
        decision,
        cease_ground,
        appeal_rights_notified,
        family_consulted,
    };
    use ReviewDecision::*;
    let ground = Some(CeaseGround::NoLongerResponsible);
    assert_eq!(
        ask(Maintain, None, true, false).decision(),
        Ok(Decision::Maintain)
    );
    assert_eq!(
        ask(Amend, None, true, false).decision(),
        Ok(Decision::Amend)
    );
    assert_eq!(
        ask(Cease, ground, true, true).decision(),
        Ok(Decision::Cease(CeaseGround::NoLongerResponsible))
    );
    let refused = [
        (
            ask(Cease, None, true, true),
            ReviewError::CeaseWithoutGround,
            "ceaseGround",
        ),
        (
            ask(Cease, ground, true, false),
            ReviewError::CeaseWithoutConsulting,
            "familyConsulted",
        ),
        (
            ask(Maintain, ground, true, true),
            ReviewError::GroundWithoutCease,
            "ceaseGround",
        ),
        (
            ask(Amend, None, false, true),
            ReviewError::AppealRightsNotNotified,
            "appealRightsNotified",
        ),
    ];
    for (a, error, field) in refused {
        let e = a.decision().expect_err("refused");
        assert_eq!((e, e.field()), (error, field));
    }
    // Reg 30: "left education at 18 or over" is not a ground at all.
    assert!("LEFT_EDUCATION".parse::<CeaseGround>().is_err());
    assert_eq!(CeaseGround::ALL.len(), 2);
}

#[test]
fn the_next_review_runs_from_the_conclusion() {
    let policy = ReviewPolicy::default();
    let made = d(2026, 5, 20);
    let mut reviews = PlanReviews {
        plan_id: PLAN,
        made_on: made,
        cycles: vec![],
        ceased_on: None,
    };
    let first = reviews.current(None, policy).expect("maintained");
    assert_eq!(
        (first.id, first.starts_on, first.due_on),
        (None, made, d(2027, 5, 19))
    );
    let mut done = cycle(made, vec![]);
    done.facts = vec![
        fact(
            1,
            d(2027, 3, 1),
            ReviewEvent::MeetingSet {
                meeting_on: d(2027, 5, 10),
            },
        ),
        fact(2, d(2027, 5, 10), ReviewEvent::MeetingHeld),
        fact(3, d(2027, 6, 1), ReviewEvent::Decided(Decision::Maintain)),
    ];
    reviews.cycles.push(done);
    let next = reviews.current(None, policy).expect("next");
    assert_eq!(
        (next.starts_on, next.due_on),
        (d(2027, 6, 1), d(2028, 5, 31))
    );
    reviews.ceased_on = Some(d(2028, 1, 1));
    assert_eq!(reviews.current(None, policy), None);
    assert_eq!(reviews.check_maintained(), Err(ReviewError::PlanCeased));
}

#[test]
fn an_imported_review_concludes_its_cycle() {
    let mut c = cycle(d(2024, 3, 1), vec![]);
    c.imported_concluded_on = Some(d(2025, 2, 1));
    assert_eq!(c.concluded_on(), Some(d(2025, 2, 1)));
    assert_eq!(c.status(d(2026, 1, 1)), MilestoneStatus::Done);
    assert_eq!(
        c.check(&ReviewEvent::PapersCirculated, d(2025, 3, 1), d(2026, 1, 1)),
        Err(ReviewError::Concluded)
    );
}

#[test]
fn phase_transfer_deadlines() {
    use TransferKind::*;
    assert_eq!(BetweenSchools.deadline(d(2027, 9, 1)), d(2027, 2, 15));
    assert_eq!(SchoolToPostSixteen.deadline(d(2027, 9, 1)), d(2027, 3, 31));
    assert_eq!(
        PostSixteenToPostSixteen.deadline(d(2027, 9, 1)),
        d(2027, 4, 1)
    );
    // 5 months before 31 July: no 31 February, so the end of February, in a leap year the 29th.
    assert_eq!(
        PostSixteenToPostSixteen.deadline(d(2028, 7, 31)),
        d(2028, 2, 29)
    );
    assert_eq!(
        PostSixteenToPostSixteen.deadline(d(2027, 7, 31)),
        d(2027, 2, 28)
    );
    assert_eq!(
        PostSixteenToPostSixteen.deadline(d(2028, 1, 10)),
        d(2027, 8, 10)
    );
    assert_eq!(
        TransferKind::of(Some(SettingPhase::PostSixteen), SettingPhase::PostSixteen),
        PostSixteenToPostSixteen
    );
    assert_eq!(
        TransferKind::of(Some(SettingPhase::Secondary), SettingPhase::PostSixteen),
        SchoolToPostSixteen
    );
    assert_eq!(
        TransferKind::of(Some(SettingPhase::Special), SettingPhase::PostSixteen),
        SchoolToPostSixteen
    );
    assert_eq!(
        TransferKind::of(Some(SettingPhase::Primary), SettingPhase::Secondary),
        BetweenSchools
    );
}

#[test]
fn the_next_transfer_from_year_group_and_phase() {
    let ys = YearStart::default();
    let today = d(2026, 12, 1);
    let next = |g: &str, p| PhaseTransfer::next(Some(g), Some(p), today, ys);
    let t = next("Year 6", SettingPhase::Primary).expect("Year 6 moves");
    assert_eq!(
        (t.kind, t.to_phase, t.transfer_on, t.deadline, t.derived),
        (
            TransferKind::BetweenSchools,
            SettingPhase::Secondary,
            d(2027, 9, 1),
            d(2027, 2, 15),
            true
        )
    );
    let t = next("Year 5", SettingPhase::Primary).expect("Year 5 moves in two years");
    assert_eq!((t.transfer_on, t.deadline), (d(2028, 9, 1), d(2028, 2, 15)));
    let t = next("N2", SettingPhase::EarlyYears).expect("into reception");
    assert_eq!(
        (t.to_phase, t.transfer_on, t.deadline),
        (SettingPhase::Primary, d(2027, 9, 1), d(2027, 2, 15))
    );
    let t = next("N1", SettingPhase::EarlyYears).expect("two years");
    assert_eq!(t.transfer_on, d(2028, 9, 1));
    let t = next("Year 11", SettingPhase::Secondary).expect("post-16");
    assert_eq!(
        (t.kind, t.transfer_on, t.deadline),
        (
            TransferKind::SchoolToPostSixteen,
            d(2027, 9, 1),
            d(2027, 3, 31)
        )
    );
    assert_eq!(next("Year 12", SettingPhase::Secondary), None);
    assert_eq!(next("Year 12", SettingPhase::PostSixteen), None);
    assert_eq!(next("Year 4", SettingPhase::Special), None);
    assert_eq!(next("Year 9", SettingPhase::Primary), None);
    assert_eq!(next("Year 14", SettingPhase::Secondary), None);
    assert_eq!(
        PhaseTransfer::next(None, Some(SettingPhase::Primary), today, ys),
        None
    );
    // Before the term start, the school year is the previous one.
    let august = d(2027, 8, 31);
    let t = PhaseTransfer::next(Some("Year 6"), Some(SettingPhase::Primary), august, ys)
        .expect("moves");
    assert_eq!(t.transfer_on, d(2027, 9, 1));
    // The LA's own term start.
    let third = YearStart::new(9, 3).expect("3 September");
    let t = PhaseTransfer::next(
        Some("Year 6"),
        Some(SettingPhase::Primary),
        d(2027, 9, 2),
        third,
    )
    .expect("moves");
    assert_eq!((t.transfer_on, t.deadline), (d(2027, 9, 3), d(2027, 2, 15)));
    assert_eq!(year_ordinal("R"), Some(0));
    assert_eq!(year_ordinal("year 13"), Some(13));
    assert_eq!(year_ordinal("Year 0"), None);
}

#[test]
fn a_set_transfer_is_in_the_future_and_done_by_an_amended_plan() {
    let today = d(2026, 12, 1);
    assert_eq!(
        PhaseTransfer::set(
            Some(SettingPhase::PostSixteen),
            SettingPhase::PostSixteen,
            today,
            today
        ),
        Err(ReviewError::TransferInPast)
    );
    let t = PhaseTransfer::set(
        Some(SettingPhase::PostSixteen),
        SettingPhase::PostSixteen,
        d(2027, 9, 1),
        today,
    )
    .expect("set");
    assert_eq!(
        (t.kind, t.deadline, t.derived),
        (TransferKind::PostSixteenToPostSixteen, d(2027, 4, 1), false)
    );
    assert_eq!(t.status([], today), (None, MilestoneStatus::OnTrack));
    assert_eq!(
        t.status([d(2027, 3, 1)], today),
        (Some(d(2027, 3, 1)), MilestoneStatus::Done)
    );
    assert_eq!(
        t.status([d(2027, 4, 2)], today),
        (Some(d(2027, 4, 2)), MilestoneStatus::DoneLate)
    );
    // An amendment long before the move does not count for it.
    assert_eq!(
        t.status([d(2026, 1, 1)], d(2027, 4, 2)),
        (None, MilestoneStatus::Overdue)
    );
}

fn assessment(id: u128, events: &[(AssessmentEventKind, NaiveDate)]) -> Assessment {
    Assessment {
        id: Uuid::from_u128(id),
        child_id: Uuid::from_u128(1),
        request_received_on: d(2026, 1, 5),
        events: events
            .iter()
            .enumerate()
            .map(|(i, (kind, on))| AssessmentEvent {
                id: Uuid::from_u128(1000 + i as u128),
                kind: *kind,
                on: *on,
                exception: None,
                limit: None,
                advice_request_id: None,
                note: None,
            })
            .collect(),
        advice: vec![],
    }
}

#[test]
fn the_plan_status_is_derived_from_the_facts() {
    use AssessmentEventKind::*;
    use EhcPlanStatus as S;
    let today = d(2026, 12, 1);
    let none = BTreeSet::new();
    assert_eq!(plan_status(&[], &none, today), S::NoPlan);
    assert_eq!(
        plan_status(&[assessment(1, &[])], &none, today),
        S::AssessmentRequested
    );
    let decided = [(DecidedToAssess, d(2026, 2, 1))];
    assert_eq!(
        plan_status(&[assessment(1, &decided)], &none, today),
        S::Assessing
    );
    let draft = [
        (DecidedToAssess, d(2026, 2, 1)),
        (DraftIssued, d(2026, 4, 1)),
    ];
    assert_eq!(
        plan_status(&[assessment(1, &draft)], &none, today),
        S::DraftIssued
    );
    let fin = [
        (DecidedToAssess, d(2026, 2, 1)),
        (DraftIssued, d(2026, 4, 1)),
        (FinalIssued, d(2026, 5, 1)),
    ];
    assert_eq!(plan_status(&[assessment(1, &fin)], &none, today), S::Final);
    let ceased: BTreeSet<Uuid> = [Uuid::from_u128(1)].into();
    assert_eq!(
        plan_status(&[assessment(1, &fin)], &ceased, today),
        S::Ceased
    );
    let refused = [(DecidedNotToAssess, d(2026, 2, 1))];
    assert_eq!(
        plan_status(&[assessment(1, &refused)], &none, today),
        S::NoPlan
    );
    // A plan maintained while a new assessment runs is still FINAL.
    assert_eq!(
        plan_status(&[assessment(1, &fin), assessment(2, &[])], &none, today),
        S::Final
    );
}

#[test]
fn an_import_is_refused_with_a_plan_maintained_or_bad_dates() {
    use AssessmentEventKind::*;
    let today = d(2026, 12, 1);
    let import = |made_on, last| PlanImport {
        made_on,
        last_review_concluded_on: last,
        request_received_on: None,
        decided_to_assess_on: None,
        draft_issued_on: None,
    };
    let none = BTreeSet::new();
    assert_eq!(
        import(d(2025, 11, 1), None).check(&[], &none, today),
        Ok(())
    );
    let e = import(d(2026, 12, 2), None)
        .check(&[], &none, today)
        .expect_err("future");
    assert_eq!((e, e.field()), (ImportError::InFuture("madeOn"), "madeOn"));
    let e = import(d(2025, 11, 1), Some(d(2025, 10, 1)))
        .check(&[], &none, today)
        .expect_err("order");
    assert_eq!(e.field(), "lastReviewConcludedOn");
    assert_eq!(e.to_string(), "cannot be before madeOn");
    let mut early = import(d(2025, 11, 1), None);
    early.draft_issued_on = Some(d(2025, 12, 1));
    assert_eq!(
        early.check(&[], &none, today).map_err(|e| e.field()),
        Err("madeOn")
    );
    let fin = [
        (DecidedToAssess, d(2026, 2, 1)),
        (DraftIssued, d(2026, 4, 1)),
        (FinalIssued, d(2026, 5, 1)),
    ];
    let maintained = [assessment(1, &fin)];
    assert_eq!(
        import(d(2025, 11, 1), None).check(&maintained, &none, today),
        Err(ImportError::PlanMaintained)
    );
    let ceased: BTreeSet<Uuid> = [Uuid::from_u128(1)].into();
    assert_eq!(
        import(d(2025, 11, 1), None).check(&maintained, &ceased, today),
        Ok(())
    );
}

#[test]
fn a_plan_concluded_on_29_february_is_reviewed_by_28_february() {
    // Found by the property below: the period runs to the end of February.
    let policy = ReviewPolicy::default();
    let school_age = Some(d(1994, 3, 1));
    assert_eq!(policy.due(d(2004, 2, 29), school_age), d(2005, 2, 28));
    let under_five = Some(d(2000, 1, 1));
    assert_eq!(
        ReviewPolicy::new(3)
            .expect("3")
            .due(d(2004, 2, 29), under_five),
        d(2004, 5, 28)
    );
}

fn rank(s: MilestoneStatus) -> u8 {
    // Time only moves an open step forward: on track → due soon → overdue.
    match s {
        MilestoneStatus::OnTrack => 0,
        MilestoneStatus::DueSoon => 1,
        MilestoneStatus::Overdue => 2,
        _ => 3,
    }
}

proptest! {
    #[test]
    fn the_next_review_is_never_more_than_12_months_less_a_day_after_the_conclusion(
        days in 0i64..20_000,
        months in 3u32..=6,
        age_days in 0i64..4_000,
    ) {
        let start = d(2000, 1, 1) + Duration::days(days);
        let dob = start - Duration::days(age_days);
        let policy = ReviewPolicy::new(months).expect("3..=6");
        let due = policy.due(start, Some(dob));
        // The first day outside 12 months starting with `start`: the
        // corresponding day a year on, or the 1st of the next month where
        // that month has no such day (29 February -> 1 March).
        let same_day = start
            .checked_add_months(Months::new(12))
            .expect("date");
        let limit = if same_day.day() == start.day() {
            same_day
        } else {
            same_day.succ_opt().expect("date")
        };
        prop_assert!(due < limit, "{start} -> {due}");
        prop_assert!(due >= start);
        prop_assert!(due <= review_due(start));
    }

    #[test]
    fn review_statuses_are_monotone_in_time(
        start_days in 0i64..3_000,
        held_after in proptest::option::of(0i64..500),
        a in 0i64..800,
        b in 0i64..800,
    ) {
        let start = d(2024, 1, 1) + Duration::days(start_days);
        let (early, late) = (start + Duration::days(a.min(b)), start + Duration::days(a.max(b)));
        let mut c = cycle(start, vec![fact(1, start, ReviewEvent::MeetingSet { meeting_on: start + Duration::days(300) })]);
        if let Some(h) = held_after {
            c.facts.push(fact(2, start + Duration::days(h), ReviewEvent::MeetingHeld));
        }
        let (s1, s2) = (c.steps(early), c.steps(late));
        for (x, y) in s1.iter().zip(&s2) {
            match x.status {
                // A done step stays as it was.
                MilestoneStatus::Done | MilestoneStatus::DoneLate => prop_assert_eq!(x.status, y.status),
                _ => prop_assert!(rank(x.status) <= rank(y.status)),
            }
        }
        prop_assert!(rank(c.status(early)) <= rank(c.status(late)) || c.held_on().is_some());
    }
}

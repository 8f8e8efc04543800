//! Who decides, scope by scope: parental responsibility's dates and limits,
//! Gillick competence, the Mental Capacity Act from 16, decision-specific
//! capacity, deputies' kinds, and the term-start hand-over.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::{AgencyKind, Scope};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::standing::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn set(scopes: &[Scope]) -> BTreeSet<Scope> {
    scopes.iter().copied().collect()
}

const EDU: Scope = Scope::Education;
const MH: Scope = Scope::MentalHealth;
const PH: Scope = Scope::PhysicalHealth;

fn holding(person: &str, from: NaiveDate, until: Option<NaiveDate>, limit: PrLimit) -> PrHolding {
    PrHolding::record(
        NewPr {
            person_id: person.into(),
            source: PrSource::BirthMother,
            from,
            until,
            evidence: "birth certificate".into(),
            limit,
        },
        Uuid::from_u128(u128::from(person.len() as u32) + 100),
    )
    .expect("valid PR")
}

fn assessor() -> Assessor {
    Assessor {
        subject: "camhs-worker".into(),
        agency_id: Some(Uuid::from_u128(7)),
        role: "clinical psychologist".into(),
    }
}

fn competence(on: NaiveDate, competent: bool, scopes: &[Scope], nfp: &[Scope]) -> Competence {
    Competence {
        id: Uuid::from_u128(u128::from(
            on.format("%Y%m%d").to_string().parse::<u32>().unwrap_or(0),
        )),
        assessor: assessor(),
        assessed_on: on,
        competent,
        scopes: set(scopes),
        not_for_parents: set(nfp),
        reasons: "understands the treatment, its risks and who would see it".into(),
    }
}

fn assessment(on: NaiveDate, outcome: CapacityOutcome, scopes: &[Scope]) -> CapacityAssessment {
    CapacityAssessment::record(
        CapacityAssessment {
            id: Uuid::from_u128(0xA5),
            decision: CapacityDecision::InformationSharing,
            scopes: set(scopes),
            assessor: assessor(),
            assessed_on: on,
            outcome,
            reasons: "could not retain or weigh the information about sharing".into(),
            review_on: on + Duration::days(180),
            carried_over: false,
            challenges: vec![],
        },
        on,
    )
    .expect("valid assessment")
}

/// Born 10 March 2011: 16 on 10 March 2027, hand-over Friday 25 June 2027.
fn fifteen() -> ChildFacts {
    ChildFacts {
        id: Uuid::nil(),
        date_of_birth: d(2011, 3, 10),
        young_person_id: Some("yp".into()),
        parental_responsibility: vec![holding("mum", d(2011, 3, 10), None, PrLimit::Unlimited)],
        ..ChildFacts::default()
    }
}

const TODAY: (i32, u32, u32) = (2026, 12, 1);

fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

#[test]
fn end_of_compulsory_school_age_follows_the_school_year() {
    let sept = TermStart::default();
    // Turns 16 on 31 August 2026: the school year ending June 2026.
    assert_eq!(
        end_of_compulsory_school_age(d(2010, 8, 31), sept),
        d(2026, 6, 26)
    );
    // Turns 16 on 1 September 2026: the next school year, June 2027.
    assert_eq!(
        end_of_compulsory_school_age(d(2010, 9, 1), sept),
        d(2027, 6, 25)
    );
    assert_eq!(
        end_of_compulsory_school_age(d(2011, 1, 15), sept),
        d(2027, 6, 25)
    );
    assert_eq!(
        end_of_compulsory_school_age(d(2013, 3, 1), sept),
        d(2029, 6, 29)
    );
    assert_eq!(
        end_of_compulsory_school_age(d(2012, 2, 29), sept),
        d(2028, 6, 30)
    );
}

#[test]
fn a_birthday_before_term_start_hands_over_the_june_before() {
    let term = TermStart::parse("09-03").expect("term start");
    // 16 on 2 September 2026, before term starts on the 3rd: still the
    // school year ending June 2026.
    assert_eq!(
        end_of_compulsory_school_age(d(2010, 9, 2), term),
        d(2026, 6, 26)
    );
    // On term start itself: the new school year.
    assert_eq!(
        end_of_compulsory_school_age(d(2010, 9, 3), term),
        d(2027, 6, 25)
    );
    // The fallback (1 September) puts 2 September in the new year.
    assert_eq!(
        end_of_compulsory_school_age(d(2010, 9, 2), TermStart::default()),
        d(2027, 6, 25)
    );
    for bad in ["3 Sept", "10-01", "09-31", ""] {
        assert!(TermStart::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn only_current_unlimited_pr_gives_authority_and_a_view() {
    let mut c = fifteen();
    c.parental_responsibility = vec![
        holding(
            "ended",
            d(2011, 3, 10),
            Some(d(2020, 1, 1)),
            PrLimit::Unlimited,
        ),
        holding("future", d(2027, 1, 1), None, PrLimit::Unlimited),
        holding(
            "limited",
            d(2011, 3, 10),
            None,
            PrLimit::Scopes {
                scopes: set(&[MH]),
                order: "CO-2024-17".into(),
            },
        ),
        holding(
            "barred",
            d(2011, 3, 10),
            None,
            PrLimit::MayNotExercise {
                order: "CO-2024-17".into(),
            },
        ),
    ];
    let t = today();
    assert_eq!(
        c.may_decide("ended", &set(&[EDU]), t),
        Err(AuthorityError::PrNotCurrent { scope: EDU })
    );
    assert_eq!(
        c.may_decide("future", &set(&[EDU]), t),
        Err(AuthorityError::PrNotCurrent { scope: EDU })
    );
    assert_eq!(
        c.may_decide("limited", &set(&[EDU]), t),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.may_decide("limited", &set(&[EDU, MH]), t),
        Err(AuthorityError::PrLimited { scope: MH }),
        "a grant covering several scopes needs authority for all"
    );
    assert_eq!(
        c.may_decide("barred", &set(&[EDU]), t),
        Err(AuthorityError::PrLimited { scope: EDU })
    );
    let view = c
        .family_view("limited", FamilyRole::Family, t)
        .expect("sees the rest");
    assert_eq!(view.scope(EDU), Ok(FamilyAccess::ParentalResponsibility));
    assert_eq!(view.scope(MH), Err(FamilyRefusal::Limited));
    assert_eq!(
        c.family_view("barred", FamilyRole::Family, t),
        Err(FamilyRefusal::Limited)
    );
    assert_eq!(
        c.family_view("ended", FamilyRole::Family, t),
        Err(FamilyRefusal::NoRelationship)
    );
}

#[test]
fn pr_records_refuse_what_the_law_would_not_record() {
    let new = |evidence: &str, until: Option<NaiveDate>, limit: PrLimit, source| NewPr {
        person_id: "dad".into(),
        source,
        from: d(2020, 1, 1),
        until,
        evidence: evidence.into(),
        limit,
    };
    let id = Uuid::nil();
    let cases = [
        (
            new(" ", None, PrLimit::Unlimited, PrSource::PrOrder),
            "evidence",
        ),
        (
            new(
                "order",
                Some(d(2019, 1, 1)),
                PrLimit::Unlimited,
                PrSource::PrOrder,
            ),
            "until",
        ),
        (
            new(
                "order",
                None,
                PrLimit::Scopes {
                    scopes: set(&[]),
                    order: "x".into(),
                },
                PrSource::PrOrder,
            ),
            "limitedScopes",
        ),
        (
            new(
                "order",
                None,
                PrLimit::MayNotExercise { order: "".into() },
                PrSource::PrOrder,
            ),
            "orderReference",
        ),
        (
            new("order", None, PrLimit::Unlimited, PrSource::CarriedOver),
            "source",
        ),
    ];
    for (n, field) in cases {
        let e = PrHolding::record(n, id).expect_err(field);
        assert_eq!(e.field(), Some(field), "{e}");
    }
}

#[test]
fn gillick_moves_authority_only_for_the_scopes_named() {
    let mut c = fifteen();
    let t = today();
    // Before any decision the mother decides health too.
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), t),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.may_decide("yp", &set(&[MH]), t),
        Err(AuthorityError::NotCompetent { scope: MH })
    );
    c.competence
        .push(competence(d(2026, 11, 1), true, &[MH], &[MH]));
    assert_eq!(
        c.may_decide("yp", &set(&[MH]), t),
        Ok(GrantorCapacity::YoungPerson)
    );
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), t),
        Err(AuthorityError::CompetentChildDecides {
            scope: MH,
            on: d(2026, 11, 1)
        })
    );
    // Physical health and education stay with the mother.
    assert_eq!(
        c.may_decide("mum", &set(&[PH, EDU]), t),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.may_decide("yp", &set(&[MH, EDU]), t),
        Err(AuthorityError::BeforeHandOver {
            hand_over: d(2027, 6, 25),
            scope: EDU
        })
    );
    // The mother's view withholds the not-for-parents scope only.
    let view = c.family_view("mum", FamilyRole::Family, t).expect("view");
    assert_eq!(view.scope(MH), Err(FamilyRefusal::KeptInConfidence));
    assert_eq!(view.scope(PH), Ok(FamilyAccess::ParentalResponsibility));
    assert_eq!(view.scope(EDU), Ok(FamilyAccess::ParentalResponsibility));
    let own = c
        .family_view("yp", FamilyRole::YoungPerson, t)
        .expect("own");
    assert_eq!(own.scope(MH), Ok(FamilyAccess::OwnRecord));
    // The message names the scope and the rule, not the content.
    let words = FamilyRefusal::KeptInConfidence.to_string();
    assert!(
        words.contains("Schedule 3") && !words.contains("mental"),
        "{words}"
    );
    // A later decision finding him not competent hands it back.
    c.competence
        .push(competence(d(2026, 11, 20), false, &[MH], &[]));
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), t),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.family_view("mum", FamilyRole::Family, t)
            .expect("view")
            .scope(MH),
        Ok(FamilyAccess::ParentalResponsibility)
    );
}

#[test]
fn competence_records_only_health_scopes_by_health_practitioners() {
    let c = fifteen();
    let t = today();
    let record = |comp, kind| Competence::record(comp, kind, c.date_of_birth, t);
    let e = record(competence(t, true, &[MH, EDU], &[]), AgencyKind::Camhs).expect_err("edu");
    assert_eq!(e, StandingError::NotAHealthScope(EDU));
    assert_eq!(e.field(), Some("scopes"));
    assert!(e.to_string().contains("EDUCATION"), "{e}");
    let e = record(competence(t, true, &[MH], &[PH]), AgencyKind::Camhs).expect_err("nfp");
    assert_eq!(e.field(), Some("notForParents"));
    let mut short = competence(t, true, &[MH], &[]);
    short.reasons = "ok".into();
    assert_eq!(
        record(short, AgencyKind::Camhs).expect_err("short").field(),
        Some("reasons")
    );
    let e = record(competence(t, true, &[MH], &[]), AgencyKind::School).expect_err("school");
    assert_eq!(e.field(), None, "the rule refuses: FORBIDDEN");
    let at_sixteen = Competence::record(
        competence(d(2027, 3, 10), true, &[MH], &[]),
        AgencyKind::Camhs,
        c.date_of_birth,
        d(2027, 4, 1),
    );
    assert_eq!(at_sixteen, Err(StandingError::SixteenOrOver));
    assert!(record(competence(t, true, &[MH, PH], &[MH]), AgencyKind::Slt).is_ok());
}

#[test]
fn from_sixteen_the_young_person_decides_health_only() {
    let c = fifteen();
    let sixteen = d(2027, 3, 10);
    let eve = d(2027, 3, 9);
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), eve),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.may_decide("yp", &set(&[PH, MH]), sixteen),
        Ok(GrantorCapacity::YoungPerson)
    );
    assert_eq!(
        c.may_decide("mum", &set(&[PH]), sixteen),
        Err(AuthorityError::SixteenDecidesHealth { scope: PH })
    );
    // Education waits for the June hand-over.
    assert_eq!(
        c.may_decide("mum", &set(&[EDU]), sixteen),
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(
        c.may_decide("yp", &set(&[EDU]), sixteen),
        Err(AuthorityError::BeforeHandOver {
            hand_over: d(2027, 6, 25),
            scope: EDU
        })
    );
    let view = c
        .family_view("mum", FamilyRole::Family, sixteen)
        .expect("view");
    assert_eq!(view.scope(PH), Err(FamilyRefusal::SixteenHealth));
    assert_eq!(view.scope(EDU), Ok(FamilyAccess::ParentalResponsibility));
    // After the hand-over, everything is theirs.
    let after = d(2027, 6, 26);
    assert_eq!(
        c.may_decide("mum", &set(&[EDU]), after),
        Err(AuthorityError::AfterHandOver {
            hand_over: d(2027, 6, 25),
            scope: EDU
        })
    );
    assert_eq!(
        c.family_view("mum", FamilyRole::Family, after),
        Err(FamilyRefusal::HandedOver)
    );
}

#[test]
fn capacity_is_decision_and_scope_specific() {
    let mut c = fifteen();
    c.deputies.push(
        Deputyship::record(Deputyship {
            id: Uuid::from_u128(0xD),
            person_id: "deputy".into(),
            kind: DeputyKind::CourtDeputyHealthWelfare,
            scopes: set(&[MH]),
            evidence: "COP 1234".into(),
            from: d(2027, 1, 1),
            until: None,
        })
        .expect("deputy"),
    );
    c.deputies.push(
        Deputyship::record(Deputyship {
            id: Uuid::from_u128(0xE),
            person_id: "money".into(),
            kind: DeputyKind::LpaPropertyFinancial,
            scopes: set(&[MH, PH]),
            evidence: "LPA 99".into(),
            from: d(2027, 1, 1),
            until: None,
        })
        .expect("attorney"),
    );
    let after = d(2027, 7, 1);
    c.capacity.push(assessment(
        d(2027, 6, 30),
        CapacityOutcome::LacksCapacity,
        &[MH],
    ));
    assert_eq!(
        c.authority(MH, after),
        Authority::ActingForYoungPerson {
            assessment: Uuid::from_u128(0xA5)
        }
    );
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), after),
        Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
    );
    assert_eq!(
        c.may_decide("deputy", &set(&[MH]), after),
        Ok(GrantorCapacity::Deputy)
    );
    assert_eq!(
        c.may_decide("money", &set(&[MH]), after),
        Err(AuthorityError::DeputyDoesNotReach { scope: MH }),
        "a property-and-affairs attorney does not decide information sharing"
    );
    assert_eq!(
        c.may_decide("yp", &set(&[MH]), after),
        Err(AuthorityError::NotActingForYoungPerson { scope: MH })
    );
    // Lacking capacity for mental health gives nothing for physical health.
    assert_eq!(
        c.may_decide("mum", &set(&[MH, PH]), after),
        Err(AuthorityError::AfterHandOver {
            hand_over: d(2027, 6, 25),
            scope: PH
        })
    );
    assert_eq!(
        c.may_decide("yp", &set(&[PH]), after),
        Ok(GrantorCapacity::YoungPerson)
    );
    let view = c
        .family_view("mum", FamilyRole::Family, after)
        .expect("view");
    assert_eq!(view.scope(MH), Ok(FamilyAccess::ActingForYoungPerson));
    assert_eq!(view.scope(PH), Err(FamilyRefusal::HandedOver));
    // A later assessment finding capacity gives it back; one past review stands.
    let overdue = d(2028, 6, 1);
    assert!(c.capacity[0].overdue(overdue));
    assert_eq!(
        c.may_decide("mum", &set(&[MH]), overdue),
        Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
    );
    let mut has = assessment(d(2027, 8, 1), CapacityOutcome::HasCapacity, &[MH]);
    has.id = Uuid::from_u128(0xA6);
    c.capacity.push(has);
    assert_eq!(
        c.may_decide("yp", &set(&[MH]), overdue),
        Ok(GrantorCapacity::YoungPerson)
    );
}

#[test]
fn capacity_records_need_reasons_and_a_review_date() {
    let t = today();
    let mut a = assessment(t, CapacityOutcome::LacksCapacity, &[MH]);
    a.reasons = "no".into();
    assert_eq!(
        CapacityAssessment::record(a.clone(), t)
            .expect_err("reasons")
            .field(),
        Some("reasons")
    );
    a.reasons = "could not weigh the information at all".into();
    a.review_on = t;
    assert_eq!(
        CapacityAssessment::record(a.clone(), t)
            .expect_err("review")
            .field(),
        Some("reviewOn")
    );
    a.review_on = t + Duration::days(1);
    a.scopes.clear();
    assert_eq!(
        CapacityAssessment::record(a.clone(), t)
            .expect_err("scopes")
            .field(),
        Some("scopes")
    );
    let ok = assessment(t, CapacityOutcome::LacksCapacity, &[MH]);
    let now = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("now");
    assert_eq!(
        ok.challenge("yp", "no", Uuid::nil(), now)
            .expect_err("short")
            .field(),
        Some("reasons")
    );
    let ch = ok
        .challenge("yp", "I understood every question", Uuid::nil(), now)
        .expect("challenge");
    assert_eq!(ch.person_id, "yp");
}

fn arb_scopes() -> impl Strategy<Value = BTreeSet<Scope>> {
    prop::collection::btree_set(
        prop::sample::select(
            Scope::ALL
                .iter()
                .copied()
                .filter(|s| *s != Scope::Restricted)
                .collect::<Vec<_>>(),
        ),
        1..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A competence decision moves authority only over the scopes it names:
    /// for every other scope the mother's answer is unchanged.
    #[test]
    fn competence_changes_nothing_outside_its_scopes(
        named in prop::sample::subsequence(HEALTH_SCOPES.to_vec(), 1..=2),
        scope in prop::sample::select(Scope::ALL.to_vec()),
        days in 0i64..120,
    ) {
        let before = fifteen();
        let mut after = before.clone();
        after.competence.push(competence(d(2026, 11, 1), true, &named, &[]));
        let t = today() + Duration::days(days);
        if !named.contains(&scope) {
            prop_assert_eq!(
                before.may_decide("mum", &set(&[scope]), t),
                after.may_decide("mum", &set(&[scope]), t)
            );
            prop_assert_eq!(before.authority(scope, t), after.authority(scope, t));
        }
    }

    /// A grant over several scopes is allowed exactly when each of its
    /// scopes is, and a refusal names one of the scopes.
    #[test]
    fn a_grant_needs_authority_for_every_scope(
        scopes in arb_scopes(),
        person in prop::sample::select(vec!["mum", "yp"]),
        days in 0i64..400,
    ) {
        let mut c = fifteen();
        c.competence.push(competence(d(2026, 11, 1), true, &[MH], &[]));
        let t = today() + Duration::days(days);
        let all = scopes.iter().all(|s| c.may_decide(person, &set(&[*s]), t).is_ok());
        prop_assert_eq!(c.may_decide(person, &scopes, t).is_ok(), all);
    }
}

#[test]
fn recorded_texts_have_the_bounds_of_every_other_input() {
    let mut new = NewPr {
        person_id: "mum".into(),
        source: PrSource::BirthMother,
        from: NaiveDate::from_ymd_opt(2015, 1, 1).expect("date"),
        until: None,
        evidence: "x".repeat(201),
        limit: PrLimit::Unlimited,
    };
    let e = PrHolding::record(new.clone(), Uuid::nil()).expect_err("too long");
    assert_eq!(e.field(), Some("evidence"));
    assert_eq!(e.to_string(), "must be at most 200 characters");
    new.evidence = "birth certificate".into();
    new.person_id = "mum\u{7}".into();
    let e = PrHolding::record(new, Uuid::nil()).expect_err("control character");
    assert_eq!(e.field(), Some("personId"));
}

//! Purposes bound to facts, "tell it once" on the statutory basis, and the
//! law every allowed decision names (issue 10 items 1-3).

use super::*;

const LA: Uuid = Uuid::from_u128(0x1a);
const CAMHS: Uuid = Uuid::from_u128(0xca);
const ASSESSMENT: Uuid = Uuid::from_u128(0xa55e55);
const REQUEST: Uuid = Uuid::from_u128(0xad1);
const ADVICE: Uuid = Uuid::from_u128(0xad1ce);

fn officer(purpose: Purpose) -> Principal {
    practitioner(AgencyKind::LaSend, LA, purpose, &[Role::CaseOfficer])
}

fn camhs(purpose: Purpose) -> Principal {
    practitioner(AgencyKind::Camhs, CAMHS, purpose, &[Role::Practitioner])
}

fn school() -> Principal {
    practitioner(
        AgencyKind::School,
        SCHOOL,
        Purpose::DirectSupport,
        &[Role::Practitioner],
    )
}

fn assessment(open: bool, plan: bool, advice: Vec<AdviceFact>) -> AssessmentFact {
    AssessmentFact {
        id: ASSESSMENT,
        open,
        plan_maintained: plan,
        advice,
    }
}

fn request_to(agency: Uuid, open: bool, attachments: &[Scope]) -> AdviceFact {
    AdviceFact {
        id: REQUEST,
        agency_id: agency,
        open,
        attachments: attachments.iter().copied().collect(),
        answer: (!open).then_some(ADVICE),
    }
}

fn involved(agency: Uuid, since: Option<NaiveDate>, until: Option<NaiveDate>) -> InvolvementFact {
    InvolvementFact {
        id: Uuid::from_u128(0x1771),
        agency_id: agency,
        since,
        until,
    }
}

fn decide_with(p: &Principal, case: &CaseFacts, grants: &[Grant]) -> AccessDecision {
    let a = agreement();
    decide(
        p,
        &DecisionInput {
            child: &nine_year_old(),
            grants,
            overrides: &[],
            case,
            agreement: &a,
            now: now(),
        },
    )
}

fn denial(d: &AccessDecision, scope: Scope) -> Denial {
    match d.get(scope) {
        ScopeDecision::Denied(denial) => denial.clone(),
        other => panic!("{scope}: expected a denial, got {other:?}"),
    }
}

fn basis(d: &AccessDecision, scope: Scope) -> Basis {
    match d.get(scope) {
        ScopeDecision::Allowed(b) => b.clone(),
        other => panic!("{scope}: expected it allowed, got {other:?}"),
    }
}

#[test]
fn ehc_assessment_opens_statutory_access_only_while_an_assessment_is_open() {
    // The header alone opens nothing: no assessment, no statutory reading.
    let none = decide_with(&officer(Purpose::EhcAssessment), &CaseFacts::default(), &[]);
    assert!(!none.any_allowed(), "{none:?}");
    let d = denial(&none, Scope::SenNeeds);
    assert_eq!(d.code, DenialCode::PurposeNotEstablished);
    assert!(
        d.reason
            .starts_with("no EHC needs assessment is open for this child"),
        "{}",
        d.reason
    );
    // Open: public task, bound to the assessment, naming its law.
    let open = CaseFacts {
        assessments: vec![assessment(true, false, vec![])],
        involvements: vec![],
    };
    let d = decide_with(&officer(Purpose::EhcAssessment), &open, &[]);
    let b = basis(&d, Scope::SenNeeds);
    assert_eq!(b.kind(), BasisKind::PublicTask);
    assert_eq!(
        b.bound(),
        Some(Bound::new(BoundKind::Assessment, ASSESSMENT))
    );
    let law = b.lawful();
    assert_eq!(law.article6, Article6::PublicTask);
    assert_eq!(law.condition, Some(Condition::StatutoryPurposes));
    assert!(law.gateway.contains("Children and Families Act 2014 ss.36"));
    // Finished (final plan issued or refused): closed again.
    let closed = CaseFacts {
        assessments: vec![assessment(false, false, vec![])],
        involvements: vec![],
    };
    assert!(!decide_with(&officer(Purpose::EhcAssessment), &closed, &[]).any_allowed());
}

#[test]
fn annual_review_needs_a_maintained_plan() {
    let open_only = CaseFacts {
        assessments: vec![assessment(true, false, vec![])],
        involvements: vec![],
    };
    let d = decide_with(&officer(Purpose::AnnualReview), &open_only, &[]);
    let why = denial(&d, Scope::Education);
    assert_eq!(why.code, DenialCode::PurposeNotEstablished);
    assert!(
        why.reason
            .starts_with("no EHC plan is maintained for this child"),
        "{}",
        why.reason
    );
    let plan = CaseFacts {
        assessments: vec![assessment(false, true, vec![])],
        involvements: vec![],
    };
    let d = decide_with(&officer(Purpose::AnnualReview), &plan, &[]);
    assert_eq!(
        basis(&d, Scope::Education).bound(),
        Some(Bound::new(BoundKind::Plan, ASSESSMENT))
    );
}

#[test]
fn a_ceased_plan_is_no_longer_maintained() {
    let plan = CaseFacts {
        assessments: vec![assessment(false, true, vec![])],
        involvements: vec![],
    };
    let ceased = plan.clone().ceased(&[ASSESSMENT].into());
    assert_eq!(ceased.maintained_plan(), None);
    let d = decide_with(&officer(Purpose::AnnualReview), &ceased, &[]);
    assert_eq!(
        denial(&d, Scope::Education).code,
        DenialCode::PurposeNotEstablished
    );
    // Positive control: another plan's cessation changes nothing.
    let other = plan.ceased(&[Uuid::from_u128(0xbad)].into());
    assert_eq!(other.maintained_plan(), Some(ASSESSMENT));
}

#[test]
fn direct_support_needs_a_current_involvement() {
    let today = now().date_naive();
    let cases = [
        (None, None, true),
        (Some(today - Duration::days(30)), None, true),
        (Some(today - Duration::days(30)), Some(today), true),
        (Some(today + Duration::days(1)), None, false),
        (
            Some(today - Duration::days(90)),
            Some(today - Duration::days(1)),
            false,
        ),
    ];
    for (since, until, current) in cases {
        let case = CaseFacts {
            assessments: vec![],
            involvements: vec![involved(SCHOOL, since, until)],
        };
        let d = decide_with(&school(), &case, &[]);
        assert_eq!(
            d.is_allowed(Scope::Identity),
            current,
            "{since:?}..{until:?}"
        );
        if current {
            assert_eq!(
                basis(&d, Scope::Identity).bound(),
                Some(Bound::new(BoundKind::Involvement, Uuid::from_u128(0x1771)))
            );
        } else {
            assert!(
                denial(&d, Scope::Identity)
                    .reason
                    .starts_with("your agency has no current involvement recorded with this child")
            );
        }
    }
    // Another agency's involvement is not the caller's.
    let theirs = CaseFacts {
        assessments: vec![],
        involvements: vec![involved(OTHER_SCHOOL, None, None)],
    };
    assert!(!decide_with(&school(), &theirs, &[]).any_allowed());
}

#[test]
fn a_purpose_that_names_a_fact_opens_nothing_without_it_not_even_by_agreement() {
    for (purpose, g_purpose) in [
        (Purpose::EhcAssessment, Purpose::EhcAssessment),
        (Purpose::AnnualReview, Purpose::AnnualReview),
    ] {
        let g = grant(
            Recipient::Agency(CAMHS),
            &[Scope::MentalHealth],
            &[g_purpose],
        );
        let d = decide_with(
            &camhs(purpose),
            &CaseFacts::default(),
            std::slice::from_ref(&g),
        );
        assert!(!d.any_allowed(), "{purpose}: {d:?}");
        assert_eq!(
            denial(&d, Scope::MentalHealth).code,
            DenialCode::PurposeNotEstablished,
            "{purpose}"
        );
    }
    // With the assessment open, the family's agreement opens what it names.
    let open = CaseFacts {
        assessments: vec![assessment(true, false, vec![])],
        involvements: vec![],
    };
    let g = grant(
        Recipient::Agency(CAMHS),
        &[Scope::MentalHealth],
        &[Purpose::EhcAssessment],
    );
    let d = decide_with(
        &camhs(Purpose::EhcAssessment),
        &open,
        std::slice::from_ref(&g),
    );
    assert_eq!(basis(&d, Scope::MentalHealth).kind(), BasisKind::Consent);
}

#[test]
fn the_family_s_agreement_still_opens_what_it_names_without_the_fact() {
    let g = grant(
        Recipient::Agency(SCHOOL),
        &[Scope::Education],
        &[Purpose::DirectSupport],
    );
    let d = decide_with(&school(), &CaseFacts::default(), std::slice::from_ref(&g));
    let b = basis(&d, Scope::Education);
    assert_eq!(b.kind(), BasisKind::Consent);
    assert!(
        b.explanation()
            .starts_with("the family has agreed to share this with you (UK GDPR Art 6(1)(e)"),
        "an agreement to share, not GDPR consent: {}",
        b.explanation()
    );
    assert_eq!(
        denial(&d, Scope::Identity).code,
        DenialCode::PurposeNotEstablished
    );
}

#[test]
fn an_agency_asked_for_advice_reads_what_the_family_wrote_and_what_was_attached() {
    let asked = CaseFacts {
        assessments: vec![assessment(
            true,
            false,
            vec![request_to(
                CAMHS,
                true,
                &[Scope::Education, Scope::SenNeeds],
            )],
        )],
        involvements: vec![],
    };
    let d = decide_with(&camhs(Purpose::EhcAssessment), &asked, &[]);
    for scope in [Scope::AllAboutMe, Scope::Education, Scope::SenNeeds] {
        let b = basis(&d, scope);
        assert_eq!(b.kind(), BasisKind::PublicTask, "{scope}");
        assert_eq!(
            b.bound(),
            Some(Bound::new(BoundKind::AdviceRequest, REQUEST))
        );
        assert!(
            b.lawful()
                .gateway
                .contains("SEND Regulations 2014 regs 6(3), 7, 8")
        );
    }
    // Identity, statutory for the assessment, is bound to the request too.
    assert_eq!(
        basis(&d, Scope::Identity).bound(),
        Some(Bound::new(BoundKind::AdviceRequest, REQUEST))
    );
    // Not what was not attached, nor for another purpose.
    assert!(!d.is_allowed(Scope::SocialCare));
    assert!(
        !decide_with(&camhs(Purpose::DirectSupport), &asked, &[]).is_allowed(Scope::AllAboutMe)
    );
    // Another agency's request is not this one's.
    let other = CaseFacts {
        assessments: vec![assessment(true, false, vec![request_to(LA, true, &[])])],
        involvements: vec![],
    };
    assert!(!decide_with(&camhs(Purpose::EhcAssessment), &other, &[]).any_allowed());
    // Once answered, it ends.
    let answered = CaseFacts {
        assessments: vec![assessment(
            true,
            false,
            vec![request_to(CAMHS, false, &[Scope::Education])],
        )],
        involvements: vec![],
    };
    let d = decide_with(&camhs(Purpose::EhcAssessment), &answered, &[]);
    assert!(!d.any_allowed(), "{d:?}");
}

#[test]
fn the_council_reads_the_advice_it_asked_for_whatever_its_scope() {
    let answered = CaseFacts {
        assessments: vec![assessment(true, false, vec![request_to(CAMHS, false, &[])])],
        involvements: vec![],
    };
    let d = decide_with(&officer(Purpose::EhcAssessment), &answered, &[]);
    // MENTAL_HEALTH itself is outside the council's agreement ...
    assert_eq!(
        denial(&d, Scope::MentalHealth).code,
        DenialCode::NotPermitted
    );
    // ... but the advice answering its request is the council's to read.
    let seen = d.for_contribution(Some(LA), ADVICE, CAMHS, Scope::MentalHealth);
    let ScopeDecision::Allowed(b) = seen else {
        panic!("the council reads its advice: {seen:?}")
    };
    assert_eq!(b.kind(), BasisKind::PublicTask);
    assert_eq!(
        b.bound(),
        Some(Bound::new(BoundKind::AdviceRequest, REQUEST))
    );
    assert!(b.lawful().gateway.contains("regs 6(1), 12"));
    // Other CAMHS contributions stay withheld.
    assert!(
        !d.for_contribution(Some(LA), Uuid::from_u128(0xbad), CAMHS, Scope::MentalHealth)
            .is_allowed()
    );
    // Not for another purpose, and not for another agency kind.
    let direct = decide_with(&officer(Purpose::DirectSupport), &answered, &[]);
    assert!(
        !direct
            .for_contribution(Some(LA), ADVICE, CAMHS, Scope::MentalHealth)
            .is_allowed()
    );
    let school_reads = decide_with(
        &practitioner(
            AgencyKind::School,
            SCHOOL,
            Purpose::EhcAssessment,
            &[Role::Practitioner],
        ),
        &answered,
        &[],
    );
    assert!(
        !school_reads
            .for_contribution(Some(SCHOOL), ADVICE, CAMHS, Scope::MentalHealth)
            .is_allowed()
    );
}

fn arb_case() -> impl Strategy<Value = CaseFacts> {
    let agencies = prop::sample::select(vec![SCHOOL, CAMHS, LA, OTHER_SCHOOL]);
    let request = (
        agencies.clone(),
        any::<bool>(),
        prop::collection::btree_set(prop::sample::select(Scope::ALL.to_vec()), 0..4),
    )
        .prop_map(|(agency, open, attachments)| AdviceFact {
            id: Uuid::new_v4(),
            agency_id: agency,
            open,
            attachments: attachments
                .into_iter()
                .filter(|s| s.consentable())
                .collect(),
            answer: (!open).then(Uuid::new_v4),
        });
    let assessment = (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(request, 0..3),
    )
        .prop_map(|(open, plan, advice)| AssessmentFact {
            id: Uuid::new_v4(),
            open,
            plan_maintained: plan && !open,
            advice,
        });
    let involvement = (
        agencies,
        prop::option::of(-60i64..60),
        prop::option::of(-60i64..60),
    )
        .prop_map(|(agency, since, until)| {
            let today = now().date_naive();
            InvolvementFact {
                id: Uuid::new_v4(),
                agency_id: agency,
                since: since.map(|d| today + Duration::days(d)),
                until: until.map(|d| today + Duration::days(d)),
            }
        });
    (
        prop::collection::vec(assessment, 0..3),
        prop::collection::vec(involvement, 0..3),
    )
        .prop_map(|(assessments, involvements)| CaseFacts {
            assessments,
            involvements,
        })
}

fn arb_practitioner() -> impl Strategy<Value = Principal> {
    (
        prop::sample::select(vec![
            (AgencyKind::School, SCHOOL),
            (AgencyKind::Camhs, CAMHS),
            (AgencyKind::LaSend, LA),
        ]),
        prop::sample::select(Purpose::ALL.to_vec()),
    )
        .prop_map(|((kind, id), purpose)| {
            practitioner(kind, id, purpose, &[Role::Practitioner, Role::CaseOfficer])
        })
}

proptest! {
    /// No decision lacks its law; a disclosure of special-category data to
    /// another body names its Article 9 condition; a statutory disclosure
    /// is bound to a fact that holds for this caller.
    #[test]
    fn every_allowed_scope_names_its_law_and_every_public_task_its_fact(
        p in arb_practitioner(),
        case in arb_case(),
    ) {
        let d = decide_with(&p, &case, &[]);
        let agency = p.agency.expect("an agency").id;
        let today = now().date_naive();
        for (scope, outcome) in d.iter() {
            let ScopeDecision::Allowed(b) = outcome else { continue };
            let law = b.lawful();
            prop_assert!(!law.gateway.is_empty(), "{scope}: {law:?}");
            if scope.special_category() {
                prop_assert!(law.condition.is_some(), "{scope}: {law:?}");
            }
            prop_assert_eq!(b.kind(), BasisKind::PublicTask, "no grants, no override");
            let bound = b.bound().expect("public task is bound");
            let holds = match bound.kind {
                BoundKind::Assessment => case.assessments.iter().any(|a| a.id == bound.id && a.open),
                BoundKind::Plan => case.assessments.iter().any(|a| a.id == bound.id && a.plan_maintained),
                BoundKind::AdviceRequest => case.assessments.iter().filter(|a| a.open)
                    .flat_map(|a| &a.advice)
                    .any(|r| r.id == bound.id && r.open && r.agency_id == agency),
                BoundKind::Involvement => case.involvements.iter()
                    .any(|i| i.id == bound.id && i.agency_id == agency && i.current(today)),
                BoundKind::Override => false,
            };
            prop_assert!(holds, "{scope} bound to {bound:?}, which does not hold");
        }
    }

    /// A purpose without its fact is denied: with no casework at all,
    /// nothing is disclosed to any practitioner without a grant.
    #[test]
    fn a_purpose_without_its_fact_opens_nothing(p in arb_practitioner()) {
        let d = decide_with(&p, &CaseFacts::default(), &[]);
        prop_assert!(!d.any_allowed(), "{:?}", d);
    }
}

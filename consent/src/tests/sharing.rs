//! *Who can see what*: each cell agrees with `decide`, the viewer sees only
//! what they may read, and who may change what.

use super::*;

const LA: Uuid = Uuid::from_u128(0x1a);
const CAMHS: Uuid = Uuid::from_u128(0xca);

fn agencies() -> Vec<domain::Agency> {
    let a = |id: Uuid, name: &str, kind| domain::Agency {
        id,
        name: name.into(),
        kind,
    };
    vec![
        a(SCHOOL, "Riverside Primary", AgencyKind::School),
        a(CAMHS, "Northshire CAMHS", AgencyKind::Camhs),
        a(LA, "Northshire SEND team", AgencyKind::LaSend),
        a(
            Uuid::from_u128(0x70),
            "Youth justice",
            AgencyKind::YouthJustice,
        ),
        a(agency_id(0), "Health", AgencyKind::Health),
        a(agency_id(1), "Social care", AgencyKind::SocialCare),
    ]
}

fn view(
    viewer: &Principal,
    kid: &ChildFacts,
    grants: &[Grant],
    overrides: &[Override],
    case: &CaseFacts,
) -> SharingView {
    let a = agreement();
    sharing(
        viewer,
        &agencies(),
        &DecisionInput {
            child: kid,
            grants,
            overrides,
            case,
            agreement: &a,
            now: now(),
        },
    )
}

fn cell(v: &SharingView, agency: Uuid, scope: Scope) -> Cell {
    v.agencies
        .iter()
        .find(|(a, _)| a.id == agency)
        .and_then(|(_, cells)| cells.iter().find(|c| c.scope == scope))
        .cloned()
        .expect("cell shown")
}

fn open_assessment() -> CaseFacts {
    CaseFacts {
        assessments: vec![AssessmentFact {
            id: Uuid::from_u128(0xa55e55),
            open: true,
            plan_maintained: false,
            advice: vec![],
        }],
        involvements: vec![],
    }
}

#[test]
fn an_active_grant_is_shared_with_agreement_until_its_end() {
    let mum = family("mum", Role::Family);
    let until = now() + Duration::days(90);
    let mut g = grant(
        Recipient::Kind(AgencyKind::Camhs),
        &[Scope::MentalHealth],
        &[Purpose::DirectSupport],
    );
    g.valid_until = Some(until);
    let v = view(
        &mum,
        &nine_year_old(),
        &[g.clone()],
        &[],
        &CaseFacts::default(),
    );
    let c = cell(&v, CAMHS, Scope::MentalHealth);
    assert_eq!(c.status(), CellStatus::SharedWithAgreement);
    assert_eq!(
        c.ways,
        vec![(
            Purpose::DirectSupport,
            Way::Agreement {
                grant_ids: vec![g.id],
                until: Some(until)
            }
        )]
    );
    assert!(c.grantable.contains(&Purpose::DirectSupport));
    // Withdrawn, it is not shared, and could be again.
    let v = view(
        &mum,
        &nine_year_old(),
        &[withdrawn(g, now() - Duration::minutes(1))],
        &[],
        &CaseFacts::default(),
    );
    let c = cell(&v, CAMHS, Scope::MentalHealth);
    assert_eq!(c.status(), CellStatus::NotShared);
    assert!(c.ways.is_empty());
    // The school, which the grant does not name, does not see it.
    assert_ne!(
        cell(&v, SCHOOL, Scope::MentalHealth).status(),
        CellStatus::SharedWithAgreement
    );
    assert!(v.may_change() && v.read_only.is_none());
}

#[test]
fn the_council_shares_by_law_during_an_assessment_naming_it() {
    let mum = family("mum", Role::Family);
    let v = view(&mum, &nine_year_old(), &[], &[], &open_assessment());
    let c = cell(&v, LA, Scope::SenNeeds);
    assert_eq!(c.status(), CellStatus::SharedByLaw);
    let (purpose, Way::Law { lawful, bound }) = &c.ways[0] else {
        panic!("{:?}", c.ways)
    };
    assert_eq!(*purpose, Purpose::EhcAssessment);
    assert_eq!(bound.kind, BoundKind::Assessment);
    assert!(
        lawful.gateway.contains("Children and Families Act 2014"),
        "{}",
        lawful.gateway
    );
    // Without the assessment, the same cell is not shared by law.
    let v = view(&mum, &nine_year_old(), &[], &[], &CaseFacts::default());
    assert_ne!(
        cell(&v, LA, Scope::SenNeeds).status(),
        CellStatus::SharedByLaw
    );
}

#[test]
fn outside_the_agreement_is_not_possible() {
    let a = agreement();
    let mum = family("mum", Role::Family);
    let v = view(&mum, &nine_year_old(), &[], &[], &CaseFacts::default());
    let mut seen = 0;
    for (agency, cells) in &v.agencies {
        for c in cells {
            let readable = Purpose::ALL
                .iter()
                .any(|p| a.permission(agency.kind, c.scope, *p).read);
            assert_eq!(c.status() == CellStatus::NotPossible, !readable, "{c:?}");
            seen += usize::from(!readable);
        }
    }
    assert!(
        seen > 0,
        "the default agreement keeps something from someone"
    );
}

#[test]
fn overrides_show_only_when_the_family_may_be_told() {
    let mum = family("mum", Role::Family);
    let social = agencies()
        .into_iter()
        .find(|a| a.kind == AgencyKind::SocialCare)
        .expect("social care");
    let lead = practitioner_of(&social, "lead-1", Purpose::Safeguarding);
    let mut o = override_for(&lead, &[Scope::Education], 24);
    // Not now: the family is not told, so the cell does not say so.
    let v = view(
        &mum,
        &nine_year_old(),
        &[],
        &[o.clone()],
        &CaseFacts::default(),
    );
    assert_ne!(
        cell(&v, social.id, Scope::Education).status(),
        CellStatus::SharedForSafeguarding
    );
    o.telling = telling(Telling::Now);
    let v = view(
        &mum,
        &nine_year_old(),
        &[],
        &[o.clone()],
        &CaseFacts::default(),
    );
    let c = cell(&v, social.id, Scope::Education);
    assert_eq!(c.status(), CellStatus::SharedForSafeguarding);
    assert!(matches!(
        &c.ways[..],
        [(Purpose::Safeguarding, Way::Safeguarding { override_id, until, .. })]
            if *override_id == o.id && *until == o.ends_at
    ));
    // Ended, it is gone.
    o.ends_at = now() - Duration::minutes(1);
    let v = view(&mum, &nine_year_old(), &[], &[o], &CaseFacts::default());
    assert_ne!(
        cell(&v, social.id, Scope::Education).status(),
        CellStatus::SharedForSafeguarding
    );
}

#[test]
fn the_viewer_sees_only_what_they_may_read_and_changes_what_they_decide() {
    let today = now().date_naive();
    // A competent 12-year-old who keeps their mental health from parents.
    let mut kid = child(today - Duration::days(365 * 12 + 30));
    kid.competence = vec![Competence {
        id: Uuid::from_u128(0xc0),
        assessor: Assessor {
            subject: "camhs-1".into(),
            agency_id: Some(CAMHS),
            role: "clinical psychologist".into(),
        },
        assessed_on: today - Duration::days(10),
        competent: true,
        scopes: [Scope::MentalHealth, Scope::PhysicalHealth].into(),
        not_for_parents: [Scope::MentalHealth].into(),
        reasons: "understands the treatment and who would see it".into(),
    }];
    let mum = family("mum", Role::Family);
    let v = view(&mum, &kid, &[], &[], &CaseFacts::default());
    let shown: Vec<Scope> = v.scopes.iter().map(|s| s.scope).collect();
    assert!(!shown.contains(&Scope::MentalHealth));
    assert!(!shown.contains(&Scope::Restricted));
    assert_eq!(v.hidden, 1);
    for (_, cells) in &v.agencies {
        assert!(cells.iter().all(|c| c.scope != Scope::MentalHealth));
    }
    // She sees physical health but the child decides it.
    let physical = v
        .scopes
        .iter()
        .find(|s| s.scope == Scope::PhysicalHealth)
        .expect("shown");
    assert!(matches!(
        physical.decides,
        Err(AuthorityError::CompetentChildDecides { .. })
    ));
    let education = v
        .scopes
        .iter()
        .find(|s| s.scope == Scope::Education)
        .expect("shown");
    assert_eq!(
        education.decides,
        Ok(GrantorCapacity::ParentalResponsibility)
    );
    assert!(v.may_change());

    // Past the hand-over: the mother reads nothing and changes nothing,
    // and is told why; the young person sees it all and decides.
    let chloe = child(today - Duration::days(365 * 17 + 120));
    let v = view(&mum, &chloe, &[], &[], &CaseFacts::default());
    assert!(v.scopes.is_empty() && v.agencies.iter().all(|(_, c)| c.is_empty()));
    assert!(v.handed_over(), "{:?}", v.read_only);
    assert!(!v.may_change());
    let yp = family("yp", Role::YoungPerson);
    let v = view(&yp, &chloe, &[], &[], &CaseFacts::default());
    assert_eq!(v.scopes.len(), Scope::COUNT - 1);
    assert!(
        v.scopes
            .iter()
            .all(|s| s.decides == Ok(GrantorCapacity::YoungPerson))
    );
    // Someone with no relationship gets nothing and is not "handed over".
    let stranger = family("stranger", Role::Family);
    let v = view(&stranger, &chloe, &[], &[], &CaseFacts::default());
    assert!(v.scopes.is_empty() && !v.handed_over());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Each "shared" cell is what deciding as that agency (for the purpose
    /// the cell names; for an override, as its holder) allows; each "not
    /// shared" or "not possible" cell is denied for every purpose.
    #[test]
    fn cells_agree_with_decisions(
        grants in prop::collection::vec(arb_grant(), 0..8),
        overrides in prop::collection::vec(arb_override(), 0..3),
        told in any::<bool>(),
        assessing in any::<bool>(),
    ) {
        let overrides: Vec<Override> = overrides
            .into_iter()
            .map(|mut o| {
                if !told {
                    o.telling = telling(Telling::On(now().date_naive() + Duration::days(3)));
                }
                o
            })
            .collect();
        let a = agreement();
        let kid = nine_year_old();
        let case = if assessing { case() } else { CaseFacts::default() };
        let input = DecisionInput { child: &kid, grants: &grants, overrides: &overrides, case: &case, agreement: &a, now: now() };
        let mut register = agencies();
        register.push(domain::Agency { id: agency_id(2), name: "agency 2".into(), kind: AgencyKind::Camhs });
        let v = sharing(&family("mum", Role::Family), &register, &input);
        let anyone = |agency: &domain::Agency, p| practitioner_of(agency, "someone-else", p);
        for (agency, cells) in &v.agencies {
            for c in cells {
                for (purpose, way) in &c.ways {
                    let who = match way {
                        Way::Safeguarding { override_id, .. } => {
                            let o = overrides.iter().find(|o| o.id == *override_id).expect("override");
                            prop_assert!(told && o.family_may_be_told(now()));
                            practitioner_of(agency, &o.declared_by, *purpose)
                        }
                        _ => anyone(agency, *purpose),
                    };
                    let d = decide(&who, &input);
                    prop_assert!(d.is_allowed(c.scope), "{c:?}");
                    if let (Way::Agreement { grant_ids, .. }, ScopeDecision::Allowed(b)) = (way, d.get(c.scope)) {
                        prop_assert_eq!(b.kind(), BasisKind::Consent);
                        prop_assert_eq!(b.grant_ids(), &grant_ids[..]);
                    }
                }
                if matches!(c.status(), CellStatus::NotShared | CellStatus::NotPossible) {
                    for p in Purpose::ALL {
                        prop_assert!(!decide(&anyone(agency, *p), &input).is_allowed(c.scope), "{c:?} {p}");
                    }
                }
                if c.status() == CellStatus::NotPossible {
                    prop_assert!(Purpose::ALL.iter().all(|p| !a.permission(agency.kind, c.scope, *p).read));
                }
                if !told {
                    prop_assert!(c.status() != CellStatus::SharedForSafeguarding);
                }
            }
        }
    }
}

//! The decision matrix (table-driven through `check`) and its properties.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::{AgencyKind, Scope};
use proptest::prelude::*;
use uuid::Uuid;

use crate::*;

const CHILD: Uuid = Uuid::from_u128(1);
const SCHOOL: Uuid = Uuid::from_u128(0x5c);
const OTHER_SCHOOL: Uuid = Uuid::from_u128(0x5d);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0)
        .single()
        .expect("time")
}

fn agreement() -> Agreement {
    let source = AgreementSource::parse(DEFAULT_AGREEMENT).expect("default agreement");
    Agreement::from_source(1, &source).expect("valid")
}

fn child(dob: NaiveDate) -> ChildFacts {
    ChildFacts {
        id: CHILD,
        date_of_birth: dob,
        young_person_id: Some("yp".into()),
        parental_responsibility: vec![pr("mum")],
        ..ChildFacts::default()
    }
}

/// Current, unlimited parental responsibility since 2000.
fn pr(person: &str) -> PrHolding {
    PrHolding {
        id: Uuid::from_u128(0x9900 + person.len() as u128),
        person_id: person.into(),
        source: PrSource::BirthMother,
        from: NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        until: None,
        evidence: "birth certificate".into(),
        limit: PrLimit::Unlimited,
    }
}

/// A health-and-welfare deputy for every consentable scope.
fn deputy(person: &str) -> Deputyship {
    Deputyship {
        id: Uuid::from_u128(0xDE00 + person.len() as u128),
        person_id: person.into(),
        kind: DeputyKind::CourtDeputyHealthWelfare,
        scopes: Scope::ALL
            .iter()
            .copied()
            .filter(|s| s.consentable())
            .collect(),
        evidence: "COP order".into(),
        from: NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        until: None,
    }
}

/// An assessment (1 January 2026) finding the young person lacks capacity
/// for information sharing about every consentable scope.
fn lacking_capacity() -> CapacityAssessment {
    let on = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    CapacityAssessment {
        id: Uuid::from_u128(0xCA),
        decision: CapacityDecision::InformationSharing,
        scopes: Scope::ALL
            .iter()
            .copied()
            .filter(|s| s.consentable())
            .collect(),
        assessor: Assessor {
            subject: "la-officer".into(),
            agency_id: None,
            role: "social worker".into(),
        },
        assessed_on: on,
        outcome: CapacityOutcome::LacksCapacity,
        reasons: "could not retain the information".into(),
        review_on: on + Duration::days(365),
        carried_over: false,
        challenges: vec![],
    }
}

/// The casework of the matrix's child: an open EHC needs assessment, and
/// current involvements of the school, CAMHS, social care, youth justice
/// and health, so that every
/// purpose the matrix uses holds (tests of purpose binding build their own).
fn case() -> CaseFacts {
    let involved = |n: u128, agency: Uuid| InvolvementFact {
        id: Uuid::from_u128(0x1000 + n),
        agency_id: agency,
        since: NaiveDate::from_ymd_opt(2025, 9, 1),
        until: None,
    };
    CaseFacts {
        assessments: vec![AssessmentFact {
            id: Uuid::from_u128(0xa55e55),
            open: true,
            plan_maintained: false,
            advice: vec![],
        }],
        involvements: vec![
            involved(1, SCHOOL),
            involved(2, Uuid::from_u128(0xca)),
            involved(3, Uuid::from_u128(0x5c0)),
            involved(4, Uuid::from_u128(0x70)),
            involved(5, Uuid::from_u128(0x4e)),
        ],
    }
}

fn nine_year_old() -> ChildFacts {
    child(NaiveDate::from_ymd_opt(2017, 9, 1).expect("date"))
}

fn practitioner(kind: AgencyKind, id: Uuid, purpose: Purpose, roles: &[Role]) -> Principal {
    Principal {
        subject: format!("{kind}-worker"),
        agency: Some(AgencyRef { id, kind }),
        roles: roles.iter().copied().collect(),
        person_id: None,
        purpose: Some(purpose),
    }
}

fn family(person: &str, role: Role) -> Principal {
    Principal {
        subject: person.into(),
        agency: None,
        roles: [role].into_iter().collect(),
        person_id: Some(person.into()),
        purpose: None,
    }
}

fn grant(recipient: Recipient, scopes: &[Scope], purposes: &[Purpose]) -> Grant {
    Grant {
        id: Uuid::new_v4(),
        child_id: CHILD,
        grantor_person_id: "mum".into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        recipient,
        scopes: scopes.iter().copied().collect(),
        purposes: purposes.iter().copied().collect(),
        valid_from: now() - Duration::days(30),
        valid_until: None,
        capture: Capture::Digital,
        recorded_at: now() - Duration::days(30),
        withdrawal: None,
        confirmed_at: None,
        notice_version: "2026-12".into(),
        agreement_version: 1,
        needs_family_confirmation: false,
    }
}

fn withdrawn(mut g: Grant, at: DateTime<Utc>) -> Grant {
    g.withdrawal = Some(Withdrawal {
        id: Uuid::new_v4(),
        at,
        by_person_id: "mum".into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        reason: None,
        capture: Capture::Digital,
    });
    g
}

fn override_for(p: &Principal, scopes: &[Scope], hours: i64) -> Override {
    Override {
        id: Uuid::new_v4(),
        child_id: CHILD,
        declared_by: p.subject.clone(),
        agency_id: p.agency.map(|a| a.id).unwrap_or_default(),
        scopes: scopes.iter().copied().collect(),
        reason: "A disclosure at school suggests the child is at risk of harm tonight".into(),
        starts_at: now() - Duration::hours(1),
        ends_at: now() + Duration::hours(hours),
        ground: OverrideGround::S47,
        ground_carried_over: false,
        review_due_by: now() + Duration::hours(71),
        telling: telling(Telling::NotNow {
            because: "a strategy discussion is pending".into(),
            review_on: now().date_naive() + Duration::days(2),
        }),
        approval: None,
        review: None,
    }
}

/// A telling decision made an hour ago with a neutral notice.
fn telling(telling: Telling) -> TellingDecision {
    TellingDecision {
        id: Uuid::from_u128(0x7e11),
        telling,
        family_notice: CARRIED_OVER_FAMILY_NOTICE.into(),
        decided_by: "worker".into(),
        decided_at: now() - Duration::hours(1),
    }
}

/// Asserts the basis kind of each listed scope and that every other scope is
/// denied with `rest`.
fn check(
    p: &Principal,
    c: &ChildFacts,
    grants: &[Grant],
    overrides: &[Override],
    expect: &[(Scope, BasisKind)],
    rest: DenialCode,
) {
    let a = agreement();
    let input = DecisionInput {
        child: c,
        grants,
        overrides,
        case: &case(),
        agreement: &a,
        now: now(),
    };
    let d = decide(p, &input);
    for (scope, outcome) in d.iter() {
        match (expect.iter().find(|(s, _)| *s == scope), outcome) {
            (Some((_, kind)), ScopeDecision::Allowed(b)) => assert_eq!(b.kind(), *kind, "{scope}"),
            (None, ScopeDecision::Denied(denial)) => {
                // Inside the agreement a practitioner is missing consent;
                // outside it (or for RESTRICTED, families, IG) it is not permitted.
                let inside = match (p.agency, p.purpose, p.is_practitioner() && !p.is_ig()) {
                    (Some(agency), Some(purpose), true) => {
                        scope.consentable() && a.permission(agency.kind, scope, purpose).read
                    }
                    _ => false,
                };
                let want = if inside {
                    rest
                } else {
                    DenialCode::NotPermitted
                };
                assert_eq!(denial.code, want, "{scope}: {denial:?}");
            }
            (want, got) => panic!("{scope}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn matrix() {
    use BasisKind::{Consent, PublicTask, Safeguarding};
    use Scope::*;
    const FAM: BasisKind = BasisKind::Family;
    let kid = nine_year_old();
    let school = practitioner(
        AgencyKind::School,
        SCHOOL,
        Purpose::DirectSupport,
        &[Role::Practitioner],
    );
    let camhs = practitioner(
        AgencyKind::Camhs,
        Uuid::from_u128(0xca),
        Purpose::DirectSupport,
        &[Role::Practitioner],
    );
    let la_assess = practitioner(
        AgencyKind::LaSend,
        Uuid::from_u128(0x1a),
        Purpose::EhcAssessment,
        &[Role::CaseOfficer],
    );
    let sw_safe = practitioner(
        AgencyKind::SocialCare,
        Uuid::from_u128(0x5c0),
        Purpose::Safeguarding,
        &[Role::SafeguardingLead],
    );

    // What each kind reads of who the child is by law (LAW.md §3): the
    // school the UPN and address, health and care the NHS number.
    let school_ids = [
        (Identity, PublicTask),
        (PupilNumber, PublicTask),
        (Contact, PublicTask),
    ];
    let with = |ids: &[(Scope, BasisKind)],
                more: &[(Scope, BasisKind)]|
     -> Vec<(Scope, BasisKind)> { ids.iter().chain(more).copied().collect() };
    // No grants: identity (public task), the rest needs consent.
    check(
        &school,
        &kid,
        &[],
        &[],
        &school_ids,
        DenialCode::ConsentRequired,
    );
    // A grant to the school's kind opens what it names, within the agreement.
    let to_schools = grant(
        Recipient::Kind(AgencyKind::School),
        &[Education, SenNeeds, MentalHealth],
        &[Purpose::DirectSupport],
    );
    check(
        &school,
        &kid,
        std::slice::from_ref(&to_schools),
        &[],
        &with(&school_ids, &[(Education, Consent), (SenNeeds, Consent)]),
        DenialCode::ConsentRequired,
    );
    // ... but never MENTAL_HEALTH, which the agreement keeps from schools.
    let a = agreement();
    let d = decide(
        &school,
        &DecisionInput {
            child: &kid,
            grants: std::slice::from_ref(&to_schools),
            overrides: &[],
            case: &case(),
            agreement: &a,
            now: now(),
        },
    );
    assert!(matches!(
        d.get(MentalHealth),
        ScopeDecision::Denied(Denial {
            code: DenialCode::NotPermitted,
            ..
        })
    ));
    // A grant to one agency does not open another agency of the same kind.
    let to_one = grant(
        Recipient::Agency(OTHER_SCHOOL),
        &[Education],
        &[Purpose::DirectSupport],
    );
    check(
        &school,
        &kid,
        &[to_one],
        &[],
        &school_ids,
        DenialCode::ConsentRequired,
    );
    // Wrong purpose: nothing.
    let for_reviews = grant(
        Recipient::Agency(SCHOOL),
        &[Education],
        &[Purpose::AnnualReview],
    );
    check(
        &school,
        &kid,
        &[for_reviews],
        &[],
        &school_ids,
        DenialCode::ConsentRequired,
    );
    // Withdrawn (even a second ago) and expired grants open nothing.
    let gone = withdrawn(
        grant(
            Recipient::Agency(SCHOOL),
            &[Education],
            &[Purpose::DirectSupport],
        ),
        now() - Duration::seconds(1),
    );
    let mut expired = grant(
        Recipient::Agency(SCHOOL),
        &[Education],
        &[Purpose::DirectSupport],
    );
    expired.valid_until = Some(now() - Duration::days(1));
    check(
        &school,
        &kid,
        &[gone, expired],
        &[],
        &school_ids,
        DenialCode::ConsentRequired,
    );
    // CAMHS with a grant for mental health.
    let to_camhs = grant(
        Recipient::Kind(AgencyKind::Camhs),
        &[MentalHealth, PhysicalHealth],
        &[Purpose::DirectSupport],
    );
    check(
        &camhs,
        &kid,
        &[to_camhs],
        &[],
        &[
            (Identity, PublicTask),
            (NhsNumber, PublicTask),
            (MentalHealth, Consent),
            (PhysicalHealth, Consent),
        ],
        DenialCode::ConsentRequired,
    );
    // The LA during an EHC needs assessment: statutory for the SEN scopes.
    check(
        &la_assess,
        &kid,
        &[],
        &[],
        &[
            (Identity, PublicTask),
            (PupilNumber, PublicTask),
            (Contact, PublicTask),
            (AllAboutMe, PublicTask),
            (Education, PublicTask),
            (SenNeeds, PublicTask),
            (Psychology, PublicTask),
            (Communication, PublicTask),
            (SensoryPhysical, PublicTask),
            (PhysicalHealth, PublicTask),
            (SocialCare, PublicTask),
            (PreparingForAdulthood, PublicTask),
            (Family, PublicTask),
        ],
        DenialCode::NotPermitted,
    );
    // A safeguarding lead with an override covering RESTRICTED and social care.
    let o = override_for(&sw_safe, &[Restricted, SocialCare, Education], 24);
    check(
        &sw_safe,
        &kid,
        &[],
        std::slice::from_ref(&o),
        &[
            (Identity, PublicTask),
            (NhsNumber, PublicTask),
            (Contact, PublicTask),
            (Family, PublicTask),
            (Restricted, Safeguarding),
            (SocialCare, Safeguarding),
            (Education, Safeguarding),
        ],
        DenialCode::ConsentRequired,
    );
    let social_care_ids = [
        (Identity, PublicTask),
        (NhsNumber, PublicTask),
        (Contact, PublicTask),
        (Family, PublicTask),
    ];
    // The same override does nothing for someone else, or after it ends, or once found unjustified.
    let colleague = Principal {
        subject: "someone-else".into(),
        ..sw_safe.clone()
    };
    check(
        &colleague,
        &kid,
        &[],
        std::slice::from_ref(&o),
        &social_care_ids,
        DenialCode::ConsentRequired,
    );
    let mut ended = o.clone();
    ended.ends_at = now() - Duration::minutes(1);
    check(
        &sw_safe,
        &kid,
        &[],
        &[ended],
        &social_care_ids,
        DenialCode::ConsentRequired,
    );
    let mut rejected = o;
    rejected.review = Some(Review {
        id: Uuid::new_v4(),
        outcome: ReviewOutcome::NotUpheld,
        note: "n".into(),
        reviewer: "ig".into(),
        at: now(),
    });
    check(
        &sw_safe,
        &kid,
        &[],
        &[rejected],
        &social_care_ids,
        DenialCode::ConsentRequired,
    );
    // Families: everything but RESTRICTED.
    let all_but_restricted: Vec<(Scope, BasisKind)> = Scope::ALL
        .iter()
        .filter(|s| **s != Restricted)
        .map(|s| (*s, FAM))
        .collect();
    check(
        &family("mum", Role::Family),
        &kid,
        &[],
        &[],
        &all_but_restricted,
        DenialCode::NotPermitted,
    );
    check(
        &family("dad", Role::Family),
        &kid,
        &[],
        &[],
        &[],
        DenialCode::NotPermitted,
    );
    check(
        &family("yp", Role::YoungPerson),
        &kid,
        &[],
        &[],
        &all_but_restricted,
        DenialCode::NotPermitted,
    );
    // After the hand-over, a parent no longer reads by right.
    let adult = child(NaiveDate::from_ymd_opt(2009, 3, 1).expect("date"));
    check(
        &family("mum", Role::Family),
        &adult,
        &[],
        &[],
        &[],
        DenialCode::NotPermitted,
    );
    let mut lacking = adult.clone();
    lacking.capacity.push(lacking_capacity());
    check(
        &family("mum", Role::Family),
        &lacking,
        &[],
        &[],
        &all_but_restricted,
        DenialCode::NotPermitted,
    );
    // IG roles: nothing.
    let ig = practitioner(
        AgencyKind::LaSend,
        Uuid::from_u128(0x16),
        Purpose::DirectSupport,
        &[Role::IgAuditor],
    );
    check(&ig, &kid, &[to_schools], &[], &[], DenialCode::NotPermitted);
}

/// (what, who, their grants, their overrides, the basis CONTACT rests on).
type Case = (
    &'static str,
    Principal,
    Vec<Grant>,
    Vec<Override>,
    BasisKind,
);

/// While the address is withheld, CONTACT is denied on every basis that
/// would otherwise open it, in words that do not say why; the rest of the
/// decision is untouched.
#[test]
fn address_withheld_beats_every_basis() {
    let kid = nine_year_old();
    let hidden = ChildFacts {
        address_withheld: true,
        ..kid.clone()
    };
    let school = practitioner(
        AgencyKind::School,
        SCHOOL,
        Purpose::DirectSupport,
        &[Role::Practitioner],
    );
    let yot = practitioner(
        AgencyKind::YouthJustice,
        Uuid::from_u128(0x70),
        Purpose::DirectSupport,
        &[Role::Practitioner],
    );
    let to_yot = grant(
        Recipient::Kind(AgencyKind::YouthJustice),
        &[Scope::Contact],
        &[Purpose::DirectSupport],
    );
    let health_lead = practitioner(
        AgencyKind::Health,
        Uuid::from_u128(0x4e),
        Purpose::Safeguarding,
        &[Role::SafeguardingLead],
    );
    let o = override_for(&health_lead, &[Scope::Contact, Scope::Education], 4);
    let cases: [Case; 5] = [
        ("statutory", school, vec![], vec![], BasisKind::PublicTask),
        ("consent", yot, vec![to_yot], vec![], BasisKind::Consent),
        (
            "override",
            health_lead,
            vec![],
            vec![o],
            BasisKind::Safeguarding,
        ),
        (
            "parent with PR",
            family("mum", Role::Family),
            vec![],
            vec![],
            BasisKind::Family,
        ),
        (
            "young person",
            family("yp", Role::YoungPerson),
            vec![],
            vec![],
            BasisKind::Family,
        ),
    ];
    let a = agreement();
    for (what, p, grants, overrides, basis) in cases {
        let input = DecisionInput {
            child: &kid,
            grants: &grants,
            overrides: &overrides,
            case: &case(),
            agreement: &a,
            now: now(),
        };
        let open = decide(&p, &input);
        assert!(
            matches!(open.get(Scope::Contact), ScopeDecision::Allowed(b) if b.kind() == basis),
            "{what}: the positive control, {:?}",
            open.get(Scope::Contact)
        );
        let shut = decide(
            &p,
            &DecisionInput {
                child: &hidden,
                ..input
            },
        );
        assert_eq!(
            shut.get(Scope::Contact),
            &ScopeDecision::denied(DenialCode::NotPermitted, ADDRESS_WITHHELD_REASON),
            "{what}"
        );
        for (scope, outcome) in open.iter().filter(|(s, _)| *s != Scope::Contact) {
            assert_eq!(shut.get(scope), outcome, "{what}: {scope}");
        }
        // Who the child is, and the identifiers, are still shown.
        assert!(shut.is_allowed(Scope::Identity), "{what}");
    }
}

// ---- properties ----

fn arb_scope() -> impl Strategy<Value = Scope> {
    prop::sample::select(Scope::ALL.to_vec())
}
fn arb_purpose() -> impl Strategy<Value = Purpose> {
    prop::sample::select(Purpose::ALL.to_vec())
}
fn arb_kind() -> impl Strategy<Value = AgencyKind> {
    prop::sample::select(AgencyKind::ALL.to_vec())
}
fn agency_id(n: u8) -> Uuid {
    Uuid::from_u128(0xa000 + u128::from(n))
}

fn arb_grant() -> impl Strategy<Value = Grant> {
    (
        prop_oneof![
            arb_kind().prop_map(Recipient::Kind),
            (0u8..3).prop_map(|n| Recipient::Agency(agency_id(n)))
        ],
        prop::collection::btree_set(arb_scope(), 1..6),
        prop::collection::btree_set(arb_purpose(), 1..4),
        -100i64..100,
        prop::option::of(-100i64..200),
        prop::option::of(-100i64..100),
    )
        .prop_map(|(recipient, scopes, purposes, from, until, withdrawn_at)| {
            let mut g = grant(recipient, &[], &[]);
            g.scopes = scopes;
            g.purposes = purposes;
            g.valid_from = now() + Duration::hours(from);
            g.valid_until = until.map(|u| now() + Duration::hours(from + u.abs() + 1));
            g.withdrawal = withdrawn_at.map(|w| Withdrawal {
                id: Uuid::new_v4(),
                at: now() + Duration::hours(w),
                by_person_id: "mum".into(),
                capacity: GrantorCapacity::ParentalResponsibility,
                reason: None,
                capture: Capture::Digital,
            });
            g
        })
}

fn arb_principal() -> impl Strategy<Value = Principal> {
    (
        arb_kind(),
        0u8..3,
        arb_purpose(),
        prop::sample::subsequence(
            vec![
                Role::Practitioner,
                Role::CaseOfficer,
                Role::SafeguardingLead,
                Role::IgAuditor,
            ],
            1..3,
        ),
    )
        .prop_map(|(kind, n, purpose, roles)| Principal {
            subject: "worker".into(),
            agency: Some(AgencyRef {
                id: agency_id(n),
                kind,
            }),
            roles: roles.into_iter().collect::<BTreeSet<_>>(),
            person_id: None,
            purpose: Some(purpose),
        })
}

fn arb_override() -> impl Strategy<Value = Override> {
    (
        prop::collection::btree_set(arb_scope(), 1..5),
        0u8..3,
        -10i64..10,
    )
        .prop_map(|(scopes, n, end)| Override {
            id: Uuid::new_v4(),
            child_id: CHILD,
            declared_by: "worker".into(),
            agency_id: agency_id(n),
            scopes,
            reason: "reason long enough to be a written justification".into(),
            starts_at: now() - Duration::hours(12),
            ends_at: now() + Duration::hours(end),
            ground: OverrideGround::Sch1Para18,
            ground_carried_over: false,
            review_due_by: now() + Duration::hours(60),
            telling: telling(Telling::Now),
            approval: None,
            review: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn decisions_are_sound(
        p in arb_principal(),
        grants in prop::collection::vec(arb_grant(), 0..8),
        overrides in prop::collection::vec(arb_override(), 0..3),
        seed in any::<u64>(),
    ) {
        let a = agreement();
        let kid = nine_year_old();
        let input = DecisionInput { child: &kid, grants: &grants, overrides: &overrides, case: &case(), agreement: &a, now: now() };
        let d = decide(&p, &input);
        let agency = p.agency.expect("agency");
        let purpose = p.purpose.expect("purpose");
        for (scope, outcome) in d.iter() {
            let ScopeDecision::Allowed(basis) = outcome else { continue };
            // IG roles never see content.
            prop_assert!(!p.is_ig());
            // Every allowed scope is inside the agreement.
            prop_assert!(a.permission(agency.kind, scope, purpose).read, "{scope} outside the agreement");
            match basis.kind() {
                BasisKind::Consent => {
                    // RESTRICTED is never allowed by consent.
                    prop_assert!(scope != Scope::Restricted);
                    // Every grant named is active and covers the request.
                    prop_assert!(!basis.grant_ids().is_empty());
                    for id in basis.grant_ids() {
                        let g = grants.iter().find(|g| g.id == *id).expect("named grant exists");
                        prop_assert_eq!(g.status(now()), GrantStatus::Active);
                        prop_assert!(g.recipient.covers(&agency) && g.scopes.contains(&scope) && g.purposes.contains(&purpose));
                    }
                }
                BasisKind::Safeguarding => {
                    let o = overrides.iter().find(|o| Some(o.id) == basis.override_id()).expect("named override exists");
                    prop_assert!(o.active(now()) && o.covers(scope) && purpose == Purpose::Safeguarding);
                }
                BasisKind::PublicTask => prop_assert!(a.permission(agency.kind, scope, purpose).statutory),
                BasisKind::Family | BasisKind::OwnContribution => prop_assert!(false, "practitioner got {:?}", basis.kind()),
            }
        }
        // The decision does not depend on the order of the grants.
        let mut shuffled = grants.clone();
        let len = shuffled.len().max(1);
        shuffled.rotate_left((seed as usize) % len);
        shuffled.reverse();
        let again = decide(&p, &DecisionInput { grants: &shuffled, ..input });
        prop_assert_eq!(d, again);
    }

    #[test]
    fn withdrawn_or_expired_grants_never_allow(
        p in arb_principal(),
        grants in prop::collection::vec(arb_grant(), 1..8),
    ) {
        let dead: Vec<Grant> = grants
            .into_iter()
            .map(|g| if g.status(now()) == GrantStatus::Active { withdrawn(g, now()) } else { g })
            .collect();
        let a = agreement();
        let kid = nine_year_old();
        let d = decide(&p, &DecisionInput { child: &kid, grants: &dead, overrides: &[], case: &case(), agreement: &a, now: now() });
        for (_, outcome) in d.iter() {
            if let ScopeDecision::Allowed(b) = outcome {
                prop_assert!(b.kind() != BasisKind::Consent);
            }
        }
    }

    /// Address withheld: CONTACT is denied to every principal, whatever the
    /// grants and overrides, and nothing else changes.
    #[test]
    fn address_withheld_denies_contact_and_nothing_else(
        p in prop_oneof![
            arb_principal(),
            Just(family("mum", Role::Family)),
            Just(family("yp", Role::YoungPerson)),
            Just(family("dad", Role::Family)),
        ],
        grants in prop::collection::vec(arb_grant(), 0..8),
        overrides in prop::collection::vec(arb_override(), 0..3),
    ) {
        let a = agreement();
        let kid = nine_year_old();
        let hidden = ChildFacts { address_withheld: true, ..kid.clone() };
        let input = DecisionInput { child: &kid, grants: &grants, overrides: &overrides, case: &case(), agreement: &a, now: now() };
        let open = decide(&p, &input);
        let shut = decide(&p, &DecisionInput { child: &hidden, ..input });
        prop_assert_eq!(
            shut.get(Scope::Contact),
            &ScopeDecision::denied(DenialCode::NotPermitted, ADDRESS_WITHHELD_REASON)
        );
        for (scope, outcome) in open.iter().filter(|(s, _)| *s != Scope::Contact) {
            prop_assert_eq!(shut.get(scope), outcome);
        }
    }

    /// An agency always sees what it contributed; anyone else sees a
    /// contribution exactly as the decision says about its scope.
    #[test]
    fn contributions_are_seen_by_their_author_or_by_the_decision(
        p in arb_principal(),
        grants in prop::collection::vec(arb_grant(), 0..6),
        author_is_reader in any::<bool>(),
        scope_index in 0..Scope::COUNT,
    ) {
        let a = agreement();
        let kid = nine_year_old();
        let d = decide(&p, &DecisionInput { child: &kid, grants: &grants, overrides: &[], case: &case(), agreement: &a, now: now() });
        let scope = Scope::ALL[scope_index];
        let reader = p.agency.map(|x| x.id);
        let author = match (author_is_reader, reader) {
            (true, Some(id)) => id,
            _ => Uuid::from_u128(0xa17),
        };
        let seen = d.for_contribution(reader, Uuid::from_u128(0xc0), author, scope);
        if reader == Some(author) {
            prop_assert!(matches!(&seen, ScopeDecision::Allowed(b) if b.kind() == BasisKind::OwnContribution));
        } else {
            prop_assert_eq!(&seen, d.get(scope));
        }
    }
}

mod purposes;
mod rules;
mod sharing;

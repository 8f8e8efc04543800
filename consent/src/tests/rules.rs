//! The rules behind consent decisions, grants, confirmations and overrides:
//! each accepts and refuses as the API always has, and each refusal names
//! its field and keeps its message.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Born 31 August 2010: the hand-over is Friday 26 June 2026.
fn sixteen(lacks_capacity: bool) -> ChildFacts {
    ChildFacts {
        id: CHILD,
        date_of_birth: day(2010, 8, 31),
        young_person_id: Some("yp".into()),
        parental_responsibility: vec![pr("mum")],
        deputies: vec![deputy("deputy")],
        capacity: if lacks_capacity {
            vec![lacking_capacity()]
        } else {
            vec![]
        },
        ..ChildFacts::default()
    }
}

/// A day as (year, month, day), for tables.
type Ymd = (i32, u32, u32);

const BEFORE: Ymd = (2026, 6, 26);
const AFTER: Ymd = (2026, 6, 27);

fn on((y, m, d): Ymd) -> NaiveDate {
    day(y, m, d)
}

/// A decision about education: the scope whose authority moves only at the
/// hand-over.
fn education() -> BTreeSet<Scope> {
    [Scope::Education].into_iter().collect()
}

// ---- may_decide ----

#[test]
fn may_decide_matrix() {
    use GrantorCapacity as C;
    let before = AuthorityError::BeforeHandOver {
        hand_over: day(2026, 6, 26),
        scope: Scope::Education,
    };
    let after = AuthorityError::AfterHandOver {
        hand_over: day(2026, 6, 26),
        scope: Scope::Education,
    };
    let cases: [(bool, &str, Ymd, Result<C, AuthorityError>); 12] = [
        (false, "mum", BEFORE, Ok(C::ParentalResponsibility)),
        (false, "yp", BEFORE, Err(before)),
        (false, "deputy", BEFORE, Err(before)),
        (false, "stranger", BEFORE, Err(AuthorityError::NoAuthority)),
        (false, "mum", AFTER, Err(after)),
        (false, "yp", AFTER, Ok(C::YoungPerson)),
        (false, "deputy", AFTER, Err(after)),
        (false, "stranger", AFTER, Err(AuthorityError::NoAuthority)),
        (
            true,
            "mum",
            AFTER,
            Ok(C::ParentForYoungPersonLackingCapacity),
        ),
        (true, "deputy", AFTER, Ok(C::Deputy)),
        (
            true,
            "yp",
            AFTER,
            Err(AuthorityError::NotActingForYoungPerson {
                scope: Scope::Education,
            }),
        ),
        (true, "stranger", AFTER, Err(AuthorityError::NoAuthority)),
    ];
    for (lacks, person, when, expected) in cases {
        assert_eq!(
            sixteen(lacks).may_decide(person, &education(), on(when)),
            expected,
            "{person} on {when:?}, lacks capacity {lacks}"
        );
    }
}

#[test]
fn authority_errors_keep_their_words_and_are_forbidden() {
    let hand_over = day(2026, 6, 26);
    let cases = [
        (AuthorityError::NoAuthority, NO_AUTHORITY.to_owned()),
        (
            AuthorityError::BeforeHandOver {
                hand_over,
                scope: Scope::Education,
            },
            format!(
                "until the end of compulsory school age (26 June 2026) only a person with parental responsibility may make consent decisions for this child about {}",
                Scope::Education.label().to_lowercase()
            ),
        ),
        (
            AuthorityError::AfterHandOver {
                hand_over,
                scope: Scope::Education,
            },
            format!(
                "since the end of compulsory school age (26 June 2026) the young person makes their own consent decisions about {}; a parent or deputy may act only under an assessment that found they lack capacity for the decision",
                Scope::Education.label().to_lowercase()
            ),
        ),
        (
            AuthorityError::NotActingForYoungPerson {
                scope: Scope::Education,
            },
            format!(
                "the young person lacks capacity for this decision about {}: only a deputy, attorney or parent may act for them",
                Scope::Education.label().to_lowercase()
            ),
        ),
        (
            AuthorityError::NotARecorder {
                version: 3,
                agency: AgencyKind::YouthJustice,
            },
            format!(
                "the data-sharing agreement (version 3) does not let {} record consent decisions",
                AgencyKind::YouthJustice.label()
            ),
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.to_string(), message);
        assert_eq!(e.field(), None, "{e}");
        assert!(e.is_forbidden());
    }
}

// ---- family_view ----

#[test]
fn family_view_matrix() {
    use FamilyAccess as A;
    use FamilyRefusal as R;
    use FamilyRole::{Both, Family as F, YoungPerson as Y};
    type View = Result<A, R>;
    let cases: [(bool, &str, FamilyRole, Ymd, View); 14] = [
        (false, "yp", Y, BEFORE, Ok(A::OwnRecord)),
        (false, "yp", Y, AFTER, Ok(A::OwnRecord)),
        (false, "yp", Both, AFTER, Ok(A::OwnRecord)),
        // The role must match the relationship.
        (false, "yp", F, BEFORE, Err(R::NoRelationship)),
        (false, "mum", Y, BEFORE, Err(R::NoRelationship)),
        (false, "mum", F, BEFORE, Ok(A::ParentalResponsibility)),
        (false, "mum", Both, BEFORE, Ok(A::ParentalResponsibility)),
        (false, "mum", F, AFTER, Err(R::HandedOver)),
        (true, "mum", F, AFTER, Ok(A::ActingForYoungPerson)),
        // A deputy acts for a young person lacking capacity, not before.
        (true, "deputy", F, BEFORE, Err(R::NoRelationship)),
        (false, "deputy", F, AFTER, Err(R::HandedOver)),
        (true, "deputy", F, AFTER, Ok(A::ActingForYoungPerson)),
        (false, "stranger", Both, BEFORE, Err(R::NoRelationship)),
        (true, "stranger", Both, AFTER, Err(R::NoRelationship)),
    ];
    for (lacks, person, role, when, expected) in cases {
        assert_eq!(
            sixteen(lacks)
                .family_view(person, role, on(when))
                .and_then(|v| v.scope(Scope::Education)),
            expected,
            "{person} as {role:?} on {when:?}, lacks capacity {lacks}"
        );
    }
}

#[test]
fn family_words_are_unchanged() {
    assert_eq!(
        FamilyAccess::OwnRecord.to_string(),
        "this is your own record"
    );
    assert_eq!(
        FamilyAccess::ParentalResponsibility.to_string(),
        "you hold parental responsibility for this child"
    );
    assert_eq!(
        FamilyAccess::ActingForYoungPerson.to_string(),
        "you act for this young person, who the record notes lacks capacity"
    );
    assert_eq!(
        FamilyRefusal::NoRelationship.to_string(),
        "you have no relationship with this child's record"
    );
    assert_eq!(
        FamilyRefusal::HandedOver.to_string(),
        "this young person is past compulsory school age and decides who sees their record; ask them to share it with you"
    );
}

#[test]
fn family_role_comes_from_the_roles() {
    let with = |roles: &[Role]| {
        let mut p = family("mum", Role::Family);
        p.roles = roles.iter().copied().collect();
        FamilyRole::of(&p)
    };
    assert_eq!(with(&[Role::Family]), Some(FamilyRole::Family));
    assert_eq!(with(&[Role::YoungPerson]), Some(FamilyRole::YoungPerson));
    assert_eq!(
        with(&[Role::Family, Role::YoungPerson]),
        Some(FamilyRole::Both)
    );
    assert_eq!(with(&[Role::Practitioner]), None);
    assert_eq!(with(&[]), None);
}

// ---- Decider::resolve ----

fn school_worker() -> Principal {
    practitioner(
        AgencyKind::School,
        SCHOOL,
        Purpose::DirectSupport,
        &[Role::Practitioner],
    )
}

#[test]
fn a_family_member_decides_for_themself_digitally() {
    let kid = nine_year_old();
    let a = agreement();
    let today = now().date_naive();
    let mum = family("mum", Role::Family);
    for (named, method) in [
        (None, None),
        (Some("mum"), None),
        (None, Some(CaptureMethod::Digital)),
    ] {
        assert_eq!(
            Decider::resolve(&mum, &kid, &a, named, method, None, &education(), today),
            Ok(Decider {
                person: "mum".into(),
                capacity: GrantorCapacity::ParentalResponsibility,
                capture: Capture::Digital,
            })
        );
    }
    let refuse = |p: &Principal, named, method| {
        Decider::resolve(p, &kid, &a, named, method, None, &education(), today)
            .expect_err("refused")
    };
    let e = refuse(&mum, Some("dad"), None);
    assert_eq!(
        (e, e.field(), e.to_string().as_str()),
        (
            AuthorityError::NotYourOwn,
            Some("grantorPersonId"),
            "you can only record your own decision"
        )
    );
    let e = refuse(&mum, None, Some(CaptureMethod::Verbal));
    assert_eq!(
        (e, e.field(), e.to_string().as_str()),
        (
            AuthorityError::OwnDecisionNotDigital,
            Some("method"),
            "a decision you make yourself is DIGITAL"
        )
    );
    // A nine-year-old cannot decide for themself.
    let e = refuse(&family("yp", Role::YoungPerson), None, None);
    assert!(matches!(e, AuthorityError::BeforeHandOver { .. }), "{e}");
    assert!(e.is_forbidden());
    // Someone unrelated hears nothing about the child.
    assert_eq!(
        refuse(&family("stranger", Role::Family), None, None),
        AuthorityError::NoAuthority
    );
}

#[test]
fn a_practitioner_of_a_recording_agency_records_a_named_decision() {
    let kid = nine_year_old();
    let a = agreement();
    let today = now().date_naive();
    let worker = school_worker();
    for (method, recorded) in [
        (None, CaptureMethod::Written),
        (Some(CaptureMethod::Written), CaptureMethod::Written),
        (Some(CaptureMethod::Verbal), CaptureMethod::Verbal),
    ] {
        assert_eq!(
            Decider::resolve(
                &worker,
                &kid,
                &a,
                Some("mum"),
                method,
                Some(" FORM-17 "),
                &education(),
                today
            ),
            Ok(Decider {
                person: "mum".into(),
                capacity: GrantorCapacity::ParentalResponsibility,
                capture: Capture::from_parts(
                    recorded,
                    Some(worker.subject.clone()),
                    Some("FORM-17".into())
                )
                .expect("a recorded capture"),
            })
        );
    }
    let e = Decider::resolve(
        &worker,
        &kid,
        &a,
        Some("mum"),
        Some(CaptureMethod::Digital),
        None,
        &education(),
        today,
    )
    .expect_err("digital");
    assert_eq!(
        (e, e.field(), e.to_string().as_str()),
        (
            AuthorityError::RecordedAsDigital,
            Some("method"),
            "a practitioner records WRITTEN or VERBAL decisions"
        )
    );
    let e = Decider::resolve(&worker, &kid, &a, None, None, None, &education(), today)
        .expect_err("unnamed");
    assert_eq!(
        (e, e.field(), e.to_string().as_str()),
        (
            AuthorityError::NameThePerson,
            Some("grantorPersonId"),
            "name the person whose decision you are recording"
        )
    );
    let e = Decider::resolve(
        &worker,
        &kid,
        &a,
        Some("stranger"),
        None,
        Some("FORM-17"),
        &education(),
        today,
    )
    .expect_err("unrelated");
    assert_eq!(e, AuthorityError::NoAuthority);
    let yj = practitioner(
        AgencyKind::YouthJustice,
        OTHER_SCHOOL,
        Purpose::DirectSupport,
        &[Role::Practitioner],
    );
    let e = Decider::resolve(&yj, &kid, &a, Some("mum"), None, None, &education(), today)
        .expect_err("not a recorder");
    assert_eq!(
        e,
        AuthorityError::NotARecorder {
            version: 1,
            agency: AgencyKind::YouthJustice
        }
    );
    // The recorder rule comes before the method and the name.
    assert_eq!(
        Decider::resolve(
            &yj,
            &kid,
            &a,
            None,
            Some(CaptureMethod::Digital),
            None,
            &education(),
            today
        ),
        Err(e)
    );
    // Neither family nor practitioner: IG staff, or a family role without a person id.
    let ig = practitioner(
        AgencyKind::LaSend,
        SCHOOL,
        Purpose::DirectSupport,
        &[Role::IgAdmin],
    );
    assert_eq!(
        Decider::resolve(&ig, &kid, &a, Some("mum"), None, None, &education(), today),
        Err(AuthorityError::NoAuthority)
    );
    let mut anonymous = family("mum", Role::Family);
    anonymous.person_id = None;
    assert_eq!(
        Decider::resolve(
            &anonymous,
            &kid,
            &a,
            Some("mum"),
            None,
            None,
            &education(),
            today
        ),
        Err(AuthorityError::NoAuthority)
    );
}

// ---- Grant::new, withdraw, confirm ----

fn mum_decides() -> Decider {
    Decider {
        person: "mum".into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        capture: Capture::Digital,
    }
}

fn terms() -> GrantTerms {
    GrantTerms {
        recipient: Recipient::Kind(AgencyKind::School),
        scopes: [Scope::Education].into_iter().collect(),
        purposes: [Purpose::DirectSupport].into_iter().collect(),
        valid_from: None,
        valid_until: None,
    }
}

fn request(terms: GrantTerms) -> GrantRequest {
    GrantRequest {
        child_id: CHILD,
        decider: mum_decides(),
        terms,
        notice_version: "2026-12".into(),
        agreement_version: 1,
        recently_withdrawn: BTreeSet::new(),
    }
}

const GRANT: Uuid = Uuid::from_u128(0x6);

#[test]
fn a_grant_is_built_from_valid_terms() {
    let g = Grant::new(request(terms()), GRANT, now()).expect("valid");
    assert_eq!(g.id, GRANT);
    assert_eq!(g.child_id, CHILD);
    assert_eq!(g.grantor_person_id, "mum");
    assert_eq!(g.capacity, GrantorCapacity::ParentalResponsibility);
    assert_eq!(g.valid_from, now(), "from now by default");
    assert_eq!(g.valid_until, None);
    assert_eq!(g.capture, Capture::Digital);
    assert_eq!(g.recorded_at, now());
    assert_eq!((g.withdrawal.as_ref(), g.confirmed_at), (None, None));
    assert_eq!(g.status(now()), GrantStatus::Active);
    // Five minutes' grace for a form filled in a moment ago; a later start
    // and an end in the future are fine.
    let mut t = terms();
    t.valid_from = Some(now() - Duration::minutes(VALID_FROM_TOLERANCE_MINUTES));
    assert!(Grant::new(request(t), GRANT, now()).is_ok());
    let mut t = terms();
    t.valid_from = Some(now() + Duration::days(1));
    t.valid_until = Some(now() + Duration::days(2));
    let g = Grant::new(request(t), GRANT, now()).expect("later");
    assert_eq!(g.status(now()), GrantStatus::Pending);
    // A practitioner's record keeps its method and recorder.
    let mut r = request(terms());
    r.decider.capture = Capture::Verbal {
        recorded_by: "school-worker".into(),
        evidence: "call 2026-12-01 10:30, ref C-12".into(),
    };
    let g = Grant::new(r, GRANT, now()).expect("recorded");
    assert_eq!(
        (g.capture.method(), g.capture.recorded_by()),
        (CaptureMethod::Verbal, Some("school-worker"))
    );
}

#[test]
fn grant_terms_are_refused_field_by_field() {
    let with = |f: &dyn Fn(&mut GrantTerms)| {
        let mut t = terms();
        f(&mut t);
        t
    };
    let cases: [(GrantTerms, GrantError, &str, &str); 7] = [
        (
            with(&|t| t.scopes.clear()),
            GrantError::NoScopes,
            "scopes",
            "name at least one scope",
        ),
        (
            with(&|t| {
                t.scopes.insert(Scope::Restricted);
            }),
            GrantError::Restricted,
            "scopes",
            "RESTRICTED information is never shared by consent",
        ),
        (
            with(&|t| t.purposes.clear()),
            GrantError::NoPurposes,
            "purposes",
            "name at least one purpose of use",
        ),
        (
            with(&|t| t.valid_from = Some(now() - Duration::minutes(6))),
            GrantError::StartsInThePast,
            "validFrom",
            "must not be in the past",
        ),
        (
            with(&|t| t.valid_until = Some(now())),
            GrantError::EndsTooSoon,
            "validUntil",
            "must be after validFrom and in the future",
        ),
        (
            with(&|t| {
                t.valid_from = Some(now() + Duration::days(2));
                t.valid_until = Some(now() + Duration::days(1));
            }),
            GrantError::EndsTooSoon,
            "validUntil",
            "must be after validFrom and in the future",
        ),
        (
            with(&|t| {
                t.valid_from = Some(now() - Duration::minutes(4));
                t.valid_until = Some(now() - Duration::minutes(1));
            }),
            GrantError::EndsTooSoon,
            "validUntil",
            "must be after validFrom and in the future",
        ),
    ];
    for (t, error, field, message) in cases {
        assert_eq!(t.check(now()), Err(error.clone()), "{message}");
        let e = Grant::new(request(t), GRANT, now()).expect_err(message);
        assert_eq!((e.field(), e.to_string().as_str()), (field, message));
        assert_eq!(e, error);
    }
    // The first problem is the one reported, in the API's order.
    let all_wrong = with(&|t| {
        t.scopes.clear();
        t.purposes.clear();
        t.valid_from = Some(now() - Duration::days(1));
    });
    assert_eq!(all_wrong.check(now()), Err(GrantError::NoScopes));
}

#[test]
fn exactly_one_recipient_that_exists() {
    let agencies = [domain::Agency {
        id: SCHOOL,
        name: "Northshire Primary".into(),
        kind: AgencyKind::School,
    }];
    assert_eq!(
        Recipient::one_of(Some(SCHOOL), None, &agencies),
        Ok(Recipient::Agency(SCHOOL))
    );
    assert_eq!(
        Recipient::one_of(None, Some(AgencyKind::Slt), &agencies),
        Ok(Recipient::Kind(AgencyKind::Slt))
    );
    let cases = [
        (
            Some(OTHER_SCHOOL),
            None,
            GrantError::NoSuchAgency,
            "no such agency",
        ),
        (
            None,
            None,
            GrantError::NotOneRecipient,
            "give exactly one of recipientAgencyId and recipientAgencyKind",
        ),
        (
            Some(SCHOOL),
            Some(AgencyKind::School),
            GrantError::NotOneRecipient,
            "give exactly one of recipientAgencyId and recipientAgencyKind",
        ),
    ];
    for (id, kind, error, message) in cases {
        let e = Recipient::one_of(id, kind, &agencies).expect_err(message);
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            ("recipientAgencyId", message)
        );
        assert_eq!(e, error);
    }
}

#[test]
fn a_grant_is_withdrawn_once() {
    let g = Grant::new(request(terms()), GRANT, now()).expect("valid");
    let later = now() + Duration::hours(1);
    let w = g
        .withdraw(
            mum_decides(),
            Some("  changed my mind  "),
            Uuid::from_u128(7),
            later,
        )
        .expect("live");
    assert_eq!(w.id, Uuid::from_u128(7));
    assert_eq!(w.at, later);
    assert_eq!(
        (w.by_person_id.as_str(), w.capacity),
        ("mum", GrantorCapacity::ParentalResponsibility)
    );
    assert_eq!(w.reason.as_deref(), Some("changed my mind"));
    assert_eq!(w.capture, Capture::Digital);
    assert_eq!(
        g.withdraw(mum_decides(), Some("   "), Uuid::from_u128(7), later)
            .map(|w| w.reason),
        Ok(None),
        "a blank reason is none"
    );
    let e = g
        .withdraw(
            mum_decides(),
            Some("bad\u{0}reason"),
            Uuid::from_u128(7),
            later,
        )
        .expect_err("control character");
    assert_eq!(
        (e.field(), e.to_string().as_str()),
        ("reason", "must not contain control characters")
    );
    let gone = withdrawn(g, later);
    let e = gone
        .withdraw(mum_decides(), None, Uuid::from_u128(8), later)
        .expect_err("withdrawn");
    assert_eq!(
        (e.clone(), e.field(), e.to_string().as_str()),
        (
            GrantError::AlreadyWithdrawn,
            "grantId",
            "this consent has already been withdrawn"
        )
    );
}

#[test]
fn only_the_young_person_confirms_a_grant_that_awaits_them() {
    let g = grant(
        Recipient::Kind(AgencyKind::School),
        &[Scope::Education],
        &[Purpose::DirectSupport],
    );
    let yp = Decider {
        person: "yp".into(),
        capacity: GrantorCapacity::YoungPerson,
        capture: Capture::Digital,
    };
    assert_eq!(
        g.confirm(&yp, now()),
        Ok(Confirmation {
            person_id: "yp".into(),
            at: now()
        })
    );
    for capacity in [
        GrantorCapacity::ParentalResponsibility,
        GrantorCapacity::Deputy,
        GrantorCapacity::ParentForYoungPersonLackingCapacity,
    ] {
        let someone = Decider {
            capacity,
            ..yp.clone()
        };
        let e = g
            .confirm(&someone, now())
            .expect_err("not the young person");
        assert_eq!(
            (e, e.field(), e.to_string().as_str()),
            (
                ConfirmError::NotTheYoungPerson,
                None,
                "only the young person confirms consents made for them"
            )
        );
    }
    let mut confirmed = g.clone();
    confirmed.confirmed_at = Some(now());
    let mut own = g.clone();
    own.capacity = GrantorCapacity::YoungPerson;
    for not_waiting in [confirmed, own, withdrawn(g, now())] {
        let e = not_waiting.confirm(&yp, now()).expect_err("not waiting");
        assert_eq!(
            (e, e.field(), e.to_string().as_str()),
            (
                ConfirmError::NotAwaiting,
                Some("grantId"),
                "this consent is not waiting for your review"
            )
        );
    }
}

// ---- Override::declare ----

fn lead() -> Principal {
    practitioner(
        AgencyKind::SocialCare,
        SCHOOL,
        Purpose::Safeguarding,
        &[Role::SafeguardingLead],
    )
}

const NOTICE: &str = "A safeguarding lead in children's social care looked at your child's family and restricted information to help keep them safe.";
const LIMITS: OverrideLimits = OverrideLimits {
    max_hours: 72,
    review_hours: 72,
};

fn tell_now() -> TellingRequest {
    TellingRequest {
        choice: TellingChoice::TellNow,
        tell_on: None,
        not_now_because: None,
        review_on: None,
        family_notice: NOTICE.into(),
    }
}

fn override_request() -> OverrideRequest {
    let p = lead();
    OverrideRequest {
        child_id: CHILD,
        declared_by: p.subject.clone(),
        agency: p.agency.expect("agency"),
        ground: Some("S47".into()),
        scopes: [Scope::Family, Scope::Restricted].into_iter().collect(),
        reason: "  A disclosure at school suggests the child is at risk of harm tonight  ".into(),
        hours: 24,
        telling: tell_now(),
    }
}

const OVERRIDE: Uuid = Uuid::from_u128(0x0e);

fn today() -> NaiveDate {
    now().date_naive()
}

#[test]
fn an_override_is_declared_within_its_bounds() {
    let a = agreement();
    let o = Override::declare(override_request(), &a, LIMITS, OVERRIDE, now()).expect("valid");
    assert_eq!((o.id, o.child_id, o.agency_id), (OVERRIDE, CHILD, SCHOOL));
    assert_eq!(o.declared_by, lead().subject);
    assert_eq!(
        (o.ground, o.ground_carried_over),
        (OverrideGround::S47, false)
    );
    assert_eq!(
        o.reason,
        "A disclosure at school suggests the child is at risk of harm tonight"
    );
    assert_eq!(
        (o.starts_at, o.ends_at, o.review_due_by),
        (
            now(),
            now() + Duration::hours(24),
            now() + Duration::hours(72)
        )
    );
    assert_eq!(o.telling.telling, Telling::Now);
    assert_eq!(o.telling.family_notice, NOTICE);
    assert_eq!(o.telling.decided_by, lead().subject);
    assert!(o.review.is_none() && o.approval.is_none());
    assert!(o.active(now()) && o.held_by(&lead()) && o.family_may_be_told(now()));
    let mut r = override_request();
    r.hours = 72;
    r.telling = TellingRequest {
        choice: TellingChoice::NotNow,
        not_now_because: Some("  a strategy discussion is pending  ".into()),
        review_on: Some(today() + Duration::days(3)),
        ..tell_now()
    };
    let o = Override::declare(r, &a, LIMITS, OVERRIDE, now()).expect("not now");
    assert_eq!(
        o.telling.telling,
        Telling::NotNow {
            because: "a strategy discussion is pending".into(),
            review_on: today() + Duration::days(3)
        }
    );
    assert!(!o.family_may_be_told(now()));
    assert_eq!(o.ends_at, now() + Duration::hours(72));
}

#[test]
fn each_ground_names_its_lawful_basis() {
    let cases = [
        (
            "S47",
            OverrideGround::S47,
            Article6::PublicTask,
            Condition::Safeguarding,
            "Children Act 1989 s.47",
        ),
        (
            "S17",
            OverrideGround::S17,
            Article6::PublicTask,
            Condition::Safeguarding,
            "Children Act 1989 s.17",
        ),
        (
            "SCH1_PARA18",
            OverrideGround::Sch1Para18,
            Article6::PublicTask,
            Condition::Safeguarding,
            "DPA 2018 Sch 1 para 18",
        ),
        (
            "VITAL_INTERESTS",
            OverrideGround::VitalInterests,
            Article6::VitalInterests,
            Condition::VitalInterests,
            "UK GDPR Art 6(1)(d)",
        ),
    ];
    assert_eq!(cases.len(), OverrideGround::ALL.len());
    for (code, ground, article6, condition, gateway) in cases {
        assert_eq!(OverrideGround::from_input(Some(code)), Ok(ground));
        assert_eq!(
            ground.lawful_basis(),
            LawfulBasis::new(article6, Some(condition), gateway)
        );
        let mut r = override_request();
        r.ground = Some(format!(" {code} "));
        let o = Override::declare(r, &agreement(), LIMITS, OVERRIDE, now()).expect(code);
        assert_eq!(o.ground, ground);
    }
}

#[test]
fn the_family_notice_is_never_the_internal_reason() {
    let reason = "Neighbour Mrs X at number 4 reported injuries to the child on Sunday";
    let mut r = override_request();
    r.reason = reason.into();
    for notice in [
        reason.to_owned(),
        format!("  {}  ", reason.to_uppercase()),
        reason.replace(' ', "\n "),
        format!("We looked because: {reason}."),
        // Part of it is enough to name the neighbour.
        "We looked after neighbour Mrs X at number 4 spoke to us.".to_owned(),
        "A report of injuries to the child reached us; we checked his record.".to_owned(),
    ] {
        let t = TellingRequest {
            family_notice: notice.replace('\n', " "),
            ..tell_now()
        };
        assert_eq!(
            t.check(reason, today()),
            Err(OverrideError::FamilyNoticeIsReason),
            "{notice}"
        );
        let mut r = r.clone();
        r.telling = t;
        let e = Override::declare(r, &agreement(), LIMITS, OVERRIDE, now()).expect_err(&notice);
        assert_eq!(e.field(), "familyNotice");
    }
    // Written for the family, sharing no run of the reason's words: fine.
    let fine = TellingRequest {
        family_notice: "A safeguarding lead at the council looked at parts of your child's record to help keep them safe.".into(),
        ..tell_now()
    };
    assert_eq!(fine.check(reason, today()), Ok(()));
    for short in ["", "   ", "We looked."] {
        let t = TellingRequest {
            family_notice: short.into(),
            ..tell_now()
        };
        assert_eq!(
            t.check(reason, today()),
            Err(OverrideError::FamilyNoticeLength)
        );
    }
    let long = TellingRequest {
        family_notice: "x".repeat(MAX_FAMILY_NOTICE_CHARS + 1),
        ..tell_now()
    };
    assert_eq!(
        long.check(reason, today()),
        Err(OverrideError::FamilyNoticeLength)
    );
    // A notice written for the family is accepted.
    assert_eq!(tell_now().check(reason, today()), Ok(()));
}

#[test]
fn the_family_is_told_only_when_the_telling_decision_allows() {
    let on = today() + Duration::days(2);
    let decided = |t: TellingRequest| {
        t.decide("the internal reason", "lead", OVERRIDE, now())
            .expect("valid")
    };
    let now_ = decided(tell_now());
    assert!(now_.allows_telling(today()));
    let later = decided(TellingRequest {
        choice: TellingChoice::TellOn,
        tell_on: Some(on),
        ..tell_now()
    });
    assert_eq!(later.telling, Telling::On(on));
    assert!(!later.allows_telling(today()));
    assert!(!later.allows_telling(on - Duration::days(1)));
    assert!(later.allows_telling(on));
    assert!(later.allows_telling(on + Duration::days(30)));
    let not_now = decided(TellingRequest {
        choice: TellingChoice::NotNow,
        not_now_because: Some("before the strategy discussion".into()),
        review_on: Some(on),
        ..tell_now()
    });
    assert!(!not_now.allows_telling(today()));
    assert!(
        !not_now.allows_telling(on + Duration::days(365)),
        "NOT_NOW holds until the lead changes it, even past its review date"
    );
}

#[test]
fn telling_decisions_are_refused_field_by_field() {
    let with = |f: &dyn Fn(&mut TellingRequest)| {
        let mut t = tell_now();
        f(&mut t);
        t
    };
    let cases = [
        (
            with(&|t| t.choice = TellingChoice::TellOn),
            OverrideError::TellOnMissing,
            "tellOn",
        ),
        (
            with(&|t| {
                t.choice = TellingChoice::TellOn;
                t.tell_on = Some(today());
            }),
            OverrideError::TellOnNotFuture,
            "tellOn",
        ),
        (
            with(&|t| {
                t.choice = TellingChoice::NotNow;
                t.review_on = Some(today() + Duration::days(1));
            }),
            OverrideError::NotNowBecauseMissing,
            "notNowBecause",
        ),
        (
            with(&|t| {
                t.choice = TellingChoice::NotNow;
                t.not_now_because = Some("   ".into());
                t.review_on = Some(today() + Duration::days(1));
            }),
            OverrideError::NotNowBecauseMissing,
            "notNowBecause",
        ),
        (
            with(&|t| {
                t.choice = TellingChoice::NotNow;
                t.not_now_because = Some("a strategy discussion is pending".into());
            }),
            OverrideError::ReviewOnMissing,
            "reviewOn",
        ),
        (
            with(&|t| {
                t.choice = TellingChoice::NotNow;
                t.not_now_because = Some("a strategy discussion is pending".into());
                t.review_on = Some(today() - Duration::days(1));
            }),
            OverrideError::ReviewOnNotFuture,
            "reviewOn",
        ),
        (
            with(&|t| t.not_now_because = Some("a strategy discussion is pending".into())),
            OverrideError::NotForThisChoice {
                field: "notNowBecause",
                choice: TellingChoice::TellNow,
            },
            "notNowBecause",
        ),
        (
            with(&|t| t.tell_on = Some(today() + Duration::days(1))),
            OverrideError::NotForThisChoice {
                field: "tellOn",
                choice: TellingChoice::TellNow,
            },
            "tellOn",
        ),
        (
            with(&|t| t.family_notice = format!("{NOTICE}\u{7}")),
            OverrideError::Invalid(domain::InvalidInput::new(
                "familyNotice",
                "must not contain control characters",
            )),
            "familyNotice",
        ),
    ];
    for (t, error, field) in cases {
        let e = t.check("the internal reason", today()).expect_err(field);
        assert_eq!(e.field(), field, "{e}");
        assert_eq!(e, error);
    }
}

#[test]
fn a_second_approver_is_someone_else_with_the_right_role() {
    let o = Override::declare(override_request(), &agreement(), LIMITS, OVERRIDE, now())
        .expect("valid");
    let id = Uuid::from_u128(0xa9);
    assert_eq!(o.approve(&lead(), id, now()), Err(ApprovalError::Declarer));
    assert_eq!(ApprovalError::Declarer.field(), None, "FORBIDDEN");
    let mut colleague = lead();
    colleague.subject = "another-lead".into();
    let approval = o.approve(&colleague, id, now()).expect("another lead");
    assert_eq!(
        (approval.approver.as_str(), approval.role),
        ("another-lead", ApproverRole::SafeguardingLead)
    );
    let caldicott = Principal {
        subject: "caldicott".into(),
        agency: None,
        roles: [Role::CaldicottGuardian].into_iter().collect(),
        person_id: None,
        purpose: None,
    };
    assert_eq!(
        o.approve(&caldicott, id, now()).map(|a| a.role),
        Ok(ApproverRole::CaldicottGuardian)
    );
    let mut practitioner_only = colleague.clone();
    practitioner_only.roles = [Role::Practitioner].into_iter().collect();
    assert_eq!(
        o.approve(&practitioner_only, id, now()),
        Err(ApprovalError::NotAnApprover)
    );
    let mut approved = o.clone();
    approved.approval = Some(approval);
    assert_eq!(
        approved.approve(&caldicott, id, now()),
        Err(ApprovalError::AlreadyApproved)
    );
}

#[test]
fn a_review_is_overdue_once_its_deadline_passes_unreviewed() {
    let o = Override::declare(override_request(), &agreement(), LIMITS, OVERRIDE, now())
        .expect("valid");
    assert!(!o.review_overdue(now()));
    assert!(!o.review_overdue(now() + Duration::hours(72) - Duration::seconds(1)));
    assert!(o.review_overdue(now() + Duration::hours(72)));
    let mut reviewed = o.clone();
    reviewed.review = Some(Review {
        id: Uuid::from_u128(0x4e),
        outcome: ReviewOutcome::Upheld,
        note: "Justified.".into(),
        reviewer: "ig".into(),
        at: now() + Duration::hours(80),
    });
    assert!(!reviewed.review_overdue(now() + Duration::hours(100)));
    let short = Override::declare(
        override_request(),
        &agreement(),
        OverrideLimits {
            max_hours: 72,
            review_hours: 24,
        },
        OVERRIDE,
        now(),
    )
    .expect("valid");
    assert_eq!(short.review_due_by, now() + Duration::hours(24));
}

#[test]
fn override_requests_are_refused_field_by_field() {
    let a = agreement();
    let with = |f: &dyn Fn(&mut OverrideRequest)| {
        let mut r = override_request();
        f(&mut r);
        r
    };
    let school_lead = practitioner(
        AgencyKind::School,
        SCHOOL,
        Purpose::Safeguarding,
        &[Role::SafeguardingLead],
    )
    .agency
    .expect("agency");
    let ground = OverrideError::GroundMissing.to_string();
    let cases: [(OverrideRequest, OverrideError, &str, String); 9] = [
        (
            with(&|r| r.ground = None),
            OverrideError::GroundMissing,
            "ground",
            ground.clone(),
        ),
        (
            with(&|r| r.ground = Some("CONSENT".into())),
            OverrideError::GroundMissing,
            "ground",
            ground,
        ),
        (
            with(&|r| r.reason = format!("  {}  ", "x".repeat(MIN_REASON_CHARS - 1))),
            OverrideError::ReasonTooShort,
            "reason",
            "write at least 30 characters saying why".into(),
        ),
        (
            with(&|r| r.hours = 0),
            OverrideError::Hours { max: 72 },
            "hours",
            "must be between 1 and 72".into(),
        ),
        (
            with(&|r| r.hours = 73),
            OverrideError::Hours { max: 72 },
            "hours",
            "must be between 1 and 72".into(),
        ),
        (
            with(&|r| r.scopes.clear()),
            OverrideError::NoScopes,
            "scopes",
            "name at least one scope".into(),
        ),
        (
            with(&|r| r.telling.choice = TellingChoice::NotNow),
            OverrideError::NotNowBecauseMissing,
            "notNowBecause",
            "say why telling the family now would raise the risk or prejudice an enquiry".into(),
        ),
        (
            with(&|r| r.telling.family_notice = r.reason.clone()),
            OverrideError::FamilyNoticeIsReason,
            "familyNotice",
            OverrideError::FamilyNoticeIsReason.to_string(),
        ),
        (
            with(&|r| r.agency = school_lead),
            OverrideError::OutsideAgreement {
                version: 1,
                agency: AgencyKind::School,
                scope: Scope::Restricted,
            },
            "scopes",
            format!(
                "the data-sharing agreement (version 1) does not let {} read RESTRICTED for safeguarding",
                AgencyKind::School.label()
            ),
        ),
    ];
    assert!(cases[0].3.contains("S47") && cases[0].3.contains("VITAL_INTERESTS"));
    for (r, error, field, message) in cases {
        let e = Override::declare(r, &a, LIMITS, OVERRIDE, now()).expect_err(&message);
        assert_eq!((e.field(), e.to_string()), (field, message));
        assert_eq!(e, error);
    }
    // The checks that need no agreement run on their own too.
    assert_eq!(
        with(&|r| r.hours = 100).check(72, today()),
        Err(OverrideError::Hours { max: 72 })
    );
    assert_eq!(
        with(&|r| r.hours = 100).check(100, today()),
        Ok(OverrideGround::S47)
    );
    assert_eq!(
        with(&|r| r.agency = school_lead).check(72, today()),
        Ok(OverrideGround::S47)
    );
}

// ---- properties ----

fn arb_person() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["mum", "yp", "deputy", "dad", "stranger"]).prop_map(String::from)
}

fn arb_child() -> impl Strategy<Value = ChildFacts> {
    (
        prop::sample::subsequence(vec!["mum", "dad"], 0..=2),
        prop::sample::subsequence(vec!["deputy", "dad"], 0..=2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(holders, deputies, has_yp, lacks_capacity)| ChildFacts {
            id: CHILD,
            date_of_birth: day(2010, 8, 31),
            young_person_id: has_yp.then(|| "yp".into()),
            parental_responsibility: holders.into_iter().map(pr).collect(),
            deputies: deputies.into_iter().map(deputy).collect(),
            capacity: if lacks_capacity {
                vec![lacking_capacity()]
            } else {
                vec![]
            },
            ..ChildFacts::default()
        })
}

fn arb_day() -> impl Strategy<Value = NaiveDate> {
    // Two years either side of the hand-over (26 June 2026).
    (-730i64..730).prop_map(|n| day(2026, 6, 26) + Duration::days(n))
}

fn arb_role() -> impl Strategy<Value = FamilyRole> {
    prop::sample::select(vec![
        FamilyRole::YoungPerson,
        FamilyRole::Family,
        FamilyRole::Both,
    ])
}

fn arb_terms() -> impl Strategy<Value = GrantTerms> {
    (
        prop::collection::btree_set(arb_scope(), 0..4),
        prop::collection::btree_set(arb_purpose(), 0..3),
        prop::option::of(-20i64..20),
        prop::option::of(-20i64..40),
    )
        .prop_map(|(scopes, purposes, from, until)| GrantTerms {
            recipient: Recipient::Kind(AgencyKind::School),
            scopes,
            purposes,
            valid_from: from.map(|m| now() + Duration::minutes(m)),
            valid_until: until.map(|m| now() + Duration::minutes(m)),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Someone with no relationship to the child never decides, and hears
    /// only the rule that says nothing about the child.
    #[test]
    fn may_decide_never_lets_an_unrelated_person_decide(
        c in arb_child(), person in arb_person(), today in arb_day(),
    ) {
        let related = c.parental_responsibility.iter().any(|p| p.person_id == person)
            || c.deputies.iter().any(|d| d.person_id == person)
            || c.young_person_id.as_deref() == Some(person.as_str());
        match c.may_decide(&person, &education(), today) {
            Ok(capacity) => {
                prop_assert!(related);
                // Capacity follows the hand-over and the capacity note.
                let handed = c.handed_over(today);
                prop_assert_eq!(
                    capacity == GrantorCapacity::ParentalResponsibility,
                    !handed,
                );
                if matches!(capacity, GrantorCapacity::Deputy | GrantorCapacity::ParentForYoungPersonLackingCapacity) {
                    prop_assert!(!c.capacity.is_empty());
                }
            }
            Err(e) => {
                prop_assert!(e.is_forbidden());
                if !related {
                    prop_assert_eq!(e, AuthorityError::NoAuthority);
                }
            }
        }
    }

    /// After the hand-over a parent or deputy reads the young person's
    /// record only where the record notes they lack capacity; an unrelated
    /// person never reads it.
    #[test]
    fn family_view_never_admits_a_parent_after_hand_over_unless_capacity_is_lacking(
        c in arb_child(), person in arb_person(), role in arb_role(), today in arb_day(),
    ) {
        let view = c.family_view(&person, role, today).and_then(|v| v.scope(Scope::Education));
        let own = c.young_person_id.as_deref() == Some(person.as_str());
        if let Ok(access) = view {
            match access {
                FamilyAccess::OwnRecord => prop_assert!(own && role != FamilyRole::Family),
                FamilyAccess::ParentalResponsibility => {
                    prop_assert!(!c.handed_over(today));
                    prop_assert!(c.parental_responsibility.iter().any(|p| p.person_id == person));
                }
                FamilyAccess::ActingForYoungPerson => {
                    prop_assert!(c.handed_over(today) && !c.capacity.is_empty());
                    prop_assert!(c.parental_responsibility.iter().any(|p| p.person_id == person) || c.deputies.iter().any(|d| d.person_id == person));
                }
            }
            prop_assert!(role != FamilyRole::YoungPerson || own);
        }
        if !own && !c.parental_responsibility.iter().any(|p| p.person_id == person) && !c.deputies.iter().any(|d| d.person_id == person) {
            prop_assert_eq!(view, Err(FamilyRefusal::NoRelationship));
        }
    }

    /// A grant built by `Grant::new` never holds RESTRICTED, always has a
    /// scope and a purpose, never starts in the past, and ends (if it ends)
    /// after it starts and after now.
    #[test]
    fn grants_built_by_new_keep_their_invariants(t in arb_terms()) {
        match Grant::new(request(t.clone()), GRANT, now()) {
            Ok(g) => {
                prop_assert!(!g.scopes.is_empty() && !g.purposes.is_empty());
                prop_assert!(!g.scopes.contains(&Scope::Restricted));
                prop_assert!(g.valid_from >= now() - Duration::minutes(VALID_FROM_TOLERANCE_MINUTES));
                if let Some(until) = g.valid_until {
                    prop_assert!(until > g.valid_from && until > now());
                }
                prop_assert_eq!((g.scopes, g.purposes, g.valid_until), (t.scopes, t.purposes, t.valid_until));
            }
            Err(e) => prop_assert!(
                ["scopes", "purposes", "validFrom", "validUntil"].contains(&e.field()),
                "{e}"
            ),
        }
    }

    /// A declared override always has a ground, a scope, a written
    /// reason, a window of 1 to `max` hours from now, a review deadline, a
    /// family notice that is not the reason, a reason for not telling
    /// whenever the family is not told now, and only scopes the agreement
    /// lets the agency read for safeguarding.
    #[test]
    fn declared_overrides_keep_their_bounds(
        scopes in prop::collection::btree_set(arb_scope(), 0..4),
        kind in arb_kind(),
        hours in -2i32..100,
        max in 1u32..96,
        reason_len in 20usize..40,
        ground in prop::option::of(prop::sample::select(vec!["S47", "S17", "SCH1_PARA18", "VITAL_INTERESTS", "", "CONSENT"])),
        choice in prop::sample::select(TellingChoice::ALL.to_vec()),
        because in prop::option::of(prop::sample::select(vec!["", "   ", "a strategy discussion is pending"])),
        days in prop::option::of(-2i64..5),
        notice_is_reason in any::<bool>(),
    ) {
        let a = agreement();
        let reason = "r".repeat(reason_len);
        let date = days.map(|d| now().date_naive() + Duration::days(d));
        let r = OverrideRequest {
            child_id: CHILD,
            declared_by: "lead".into(),
            agency: AgencyRef { id: SCHOOL, kind },
            ground: ground.map(String::from),
            scopes,
            reason: reason.clone(),
            hours,
            telling: TellingRequest {
                choice,
                tell_on: date.filter(|_| choice == TellingChoice::TellOn),
                not_now_because: because.map(String::from),
                review_on: date.filter(|_| choice == TellingChoice::NotNow),
                family_notice: if notice_is_reason { reason.clone() } else { NOTICE.into() },
            },
        };
        let limits = OverrideLimits { max_hours: max, review_hours: 72 };
        if let Ok(o) = Override::declare(r, &a, limits, OVERRIDE, now()) {
            prop_assert!(!o.scopes.is_empty());
            prop_assert!(o.reason.chars().count() >= MIN_REASON_CHARS);
            let span = o.ends_at - o.starts_at;
            prop_assert!(o.starts_at == now() && span >= Duration::hours(1) && span <= Duration::hours(i64::from(max)));
            prop_assert_eq!(o.review_due_by, now() + Duration::hours(72));
            prop_assert!(!o.telling.family_notice.contains(&o.reason));
            if let Telling::NotNow { because, review_on } = &o.telling.telling {
                prop_assert!(!because.trim().is_empty() && *review_on > now().date_naive());
            }
            for s in &o.scopes {
                prop_assert!(a.permission(kind, *s, Purpose::Safeguarding).read);
            }
        }
    }
}

// ---- Basis ----

#[test]
fn each_basis_carries_only_its_own_facts_and_names_its_law() {
    let law = LawfulBasis::new(
        Article6::PublicTask,
        Some(Condition::StatutoryPurposes),
        "Education Act 1996",
    );
    let (g1, g2) = (Uuid::from_u128(2), Uuid::from_u128(1));
    let consent = Basis::consent(vec![g1, g2], 4, law.clone()).expect("grants");
    assert_eq!(consent.kind(), BasisKind::Consent);
    assert_eq!(consent.grant_ids(), &[g2, g1], "sorted");
    assert_eq!(
        (
            consent.override_id(),
            consent.agreement_version(),
            consent.bound()
        ),
        (None, Some(4), None)
    );
    assert_eq!(consent.lawful(), law);
    assert_eq!(
        consent.explanation(),
        "the family has agreed to share this with you (UK GDPR Art 6(1)(e) public task; UK GDPR Art 9(2)(g) and DPA 2018 Sch 1 para 6 (statutory purposes); Education Act 1996)"
    );
    let gdpr = LawfulBasis::new(
        Article6::Consent,
        Some(Condition::ExplicitConsent),
        "none: optional sharing",
    );
    assert!(
        Basis::consent(vec![g1], 4, gdpr)
            .expect("grant")
            .explanation()
            .starts_with("the family has given their consent to share this with you (UK GDPR Art 6(1)(a) consent; UK GDPR Art 9(2)(a)"),
        "only an Art 6(1)(a) rule is called consent"
    );
    assert_eq!(
        Basis::consent(Vec::new(), 4, law.clone()),
        None,
        "consent names a grant"
    );

    let until = now() + Duration::hours(3);
    let s = Basis::safeguarding(
        OVERRIDE,
        OverrideGround::S47,
        until,
        4,
        OverrideGround::S47.lawful_basis(),
    );
    assert_eq!(s.ground(), Some(OverrideGround::S47));
    assert_eq!(s.lawful().gateway, "Children Act 1989 s.47");
    assert_eq!(s.kind(), BasisKind::Safeguarding);
    assert_eq!(
        (s.grant_ids(), s.override_id(), s.agreement_version()),
        (&[][..], Some(OVERRIDE), Some(4))
    );
    assert_eq!(s.bound(), Some(Bound::new(BoundKind::Override, OVERRIDE)));
    assert!(
        s.explanation()
            .starts_with("your safeguarding override (until 22 November 2026 15:00 UTC) covers this (UK GDPR Art 6(1)(e)"),
        "{}",
        s.explanation()
    );

    let assessment = Uuid::from_u128(0xa5);
    let p = Basis::public_task(
        Purpose::EhcAssessment,
        Some(4),
        law.clone(),
        Bound::new(BoundKind::Assessment, assessment),
    );
    assert_eq!(p.kind(), BasisKind::PublicTask);
    assert_eq!(
        (p.grant_ids(), p.override_id(), p.agreement_version()),
        (&[][..], None, Some(4))
    );
    assert_eq!(
        p.bound(),
        Some(Bound::new(BoundKind::Assessment, assessment))
    );
    assert!(
        p.explanation().starts_with(
            "the law requires it for this child's EHC needs assessment (UK GDPR Art 6(1)(e)"
        ),
        "{}",
        p.explanation()
    );

    let f = Basis::family(FamilyAccess::OwnRecord);
    assert_eq!(f.kind(), BasisKind::Family);
    assert_eq!(
        (f.grant_ids(), f.override_id(), f.agreement_version()),
        (&[][..], None, None)
    );
    assert_eq!(
        f.explanation(),
        "this is your own record (UK GDPR Art 6(1)(c) legal obligation; UK GDPR Art 15 (right of access))"
    );

    let o = Basis::own_contribution();
    assert_eq!(o.kind(), BasisKind::OwnContribution);
    assert_eq!(
        (o.grant_ids(), o.override_id(), o.agreement_version()),
        (&[][..], None, None)
    );
    assert!(
        o.explanation()
            .starts_with("your agency contributed this (")
    );
}

// ---- Evidence, re-opening a withdrawn scope, receipts (issue 10 items 7, 8) ----

#[test]
fn a_recorded_decision_names_its_evidence() {
    let kid = nine_year_old();
    let a = agreement();
    let today = now().date_naive();
    let worker = school_worker();
    let resolve = |method, evidence| {
        Decider::resolve(
            &worker,
            &kid,
            &a,
            Some("mum"),
            method,
            evidence,
            &education(),
            today,
        )
    };
    for (method, words) in [
        (
            Some(CaptureMethod::Verbal),
            "a VERBAL decision names its evidence: the call's date, time and reference",
        ),
        (
            None,
            "a WRITTEN decision names its evidence: the reference of the signed form",
        ),
    ] {
        for evidence in [None, Some(""), Some("   ")] {
            let e = resolve(method, evidence).expect_err("no evidence");
            assert_eq!(
                (e.field(), e.to_string().as_str()),
                (Some("evidence"), words)
            );
        }
    }
    let long = "x".repeat(MAX_EVIDENCE_CHARS + 1);
    let e = resolve(Some(CaptureMethod::Verbal), Some(&long)).expect_err("too long");
    assert_eq!(
        (e, e.field()),
        (AuthorityError::EvidenceTooLong, Some("evidence"))
    );
    let d = resolve(
        Some(CaptureMethod::Verbal),
        Some("call 2026-11-22 10:30, ref C-12"),
    )
    .expect("named");
    assert_eq!(
        d.capture.evidence(),
        Some("call 2026-11-22 10:30, ref C-12")
    );
    // The family's own decision carries none.
    let mum = family("mum", Role::Family);
    let e = Decider::resolve(
        &mum,
        &kid,
        &a,
        None,
        None,
        Some("FORM-1"),
        &education(),
        today,
    )
    .expect_err("own decision");
    assert_eq!(
        (e, e.field()),
        (AuthorityError::EvidenceOfOwnDecision, Some("evidence"))
    );
    // A stored capture without evidence (or DIGITAL with some) is a contradiction.
    assert_eq!(
        Capture::from_parts(CaptureMethod::Verbal, Some("w".into()), None),
        None
    );
    assert_eq!(
        Capture::from_parts(CaptureMethod::Digital, None, Some("FORM-1".into())),
        None
    );
}

fn recorded_by_school() -> Decider {
    Decider {
        capture: Capture::Verbal {
            recorded_by: "school-worker".into(),
            evidence: "call 2026-11-22 10:30, ref C-12".into(),
        },
        ..mum_decides()
    }
}

/// A grant of EDUCATION the family withdrew `days_ago`.
fn withdrawn_days_ago(days_ago: i64) -> Grant {
    let g = grant(
        Recipient::Kind(AgencyKind::School),
        &[Scope::Education],
        &[Purpose::DirectSupport],
    );
    withdrawn(g, now() - Duration::days(days_ago))
}

#[test]
fn a_practitioner_cannot_reopen_a_recent_withdrawal_without_the_family() {
    let window = ReopenWindow { days: 30 };
    let school = AgencyRef {
        id: SCHOOL,
        kind: AgencyKind::School,
    };
    for (days_ago, decider, needs) in [
        (3, recorded_by_school(), true),
        (29, recorded_by_school(), true),
        (31, recorded_by_school(), false),
        // The family's own decision is its own confirmation.
        (3, mum_decides(), false),
    ] {
        let history = [withdrawn_days_ago(days_ago)];
        let mut r = request(terms());
        r.decider = decider;
        r.recently_withdrawn = window.recently_withdrawn(&history, now());
        let g = Grant::new(r, GRANT, now()).expect("recorded");
        assert_eq!(g.needs_family_confirmation, needs, "{days_ago} days ago");
        let (status, allows) = if needs {
            (GrantStatus::Pending, false)
        } else {
            (GrantStatus::Active, true)
        };
        assert_eq!(g.status(now()), status, "{days_ago} days ago");
        assert_eq!(
            g.allows(&school, Scope::Education, Purpose::DirectSupport, now()),
            allows
        );
    }
    // Another scope is not re-opened by it.
    let history = [withdrawn_days_ago(3)];
    let mut t = terms();
    t.scopes = [Scope::Communication].into_iter().collect();
    let mut r = request(t);
    r.decider = recorded_by_school();
    r.recently_withdrawn = window.recently_withdrawn(&history, now());
    assert!(
        !Grant::new(r, GRANT, now())
            .expect("recorded")
            .needs_family_confirmation
    );
}

#[test]
fn the_family_confirms_a_reopening_record_themself() {
    let mut r = request(terms());
    r.decider = recorded_by_school();
    r.recently_withdrawn = [Scope::Education].into_iter().collect();
    let g = Grant::new(r, GRANT, now()).expect("recorded");
    assert!(g.awaits_family());
    assert!(!g.awaits_young_person(now()), "the family's call first");
    // Not the practitioner, recording on the family's behalf again.
    let e = g
        .confirm(&recorded_by_school(), now())
        .expect_err("practitioner");
    assert_eq!((e, e.field()), (ConfirmError::NotTheFamily, None));
    let c = g
        .confirm(&mum_decides(), now())
        .expect("the mother herself");
    assert_eq!((c.person_id.as_str(), c.at), ("mum", now()));
    let mut confirmed = g.clone();
    confirmed.confirmed_at = Some(c.at);
    assert_eq!(confirmed.status(now()), GrantStatus::Active);
    // Withdrawn before confirming: nothing left to confirm.
    let gone = withdrawn(g, now());
    assert_eq!(
        gone.confirm(&mum_decides(), now()),
        Err(ConfirmError::NotAwaiting)
    );
}

fn controller() -> Controller {
    Controller {
        name: "Northshire Council".into(),
        address: "Town Hall, Northshire".into(),
        email: "dpo@northshire.example".into(),
        phone: "01234 567890".into(),
        privacy_notice_url: "https://northshire.example/privacy".into(),
    }
}

#[test]
fn a_receipt_names_the_law_and_special_categories_from_the_agreement() {
    let a = agreement();
    let c = controller();
    let g = grant(
        Recipient::Kind(AgencyKind::Health),
        &[Scope::PhysicalHealth, Scope::Education],
        &[Purpose::DirectSupport],
    );
    let cx = ReceiptContext {
        controller: &c,
        agreement: &a,
        recipient_kind: AgencyKind::Health,
    };
    let r = Receipt::of(&g, false, cx).expect("granted");
    assert!(r.sensitive);
    assert_eq!(
        r.special_categories,
        [Scope::PhysicalHealth].into_iter().collect()
    );
    assert_eq!(r.lawful_bases.len(), 2);
    for b in &r.lawful_bases {
        assert_eq!(
            b.basis.as_ref(),
            a.lawful_basis(AgencyKind::Health, b.scope, b.purpose),
            "{b:?}"
        );
    }
    assert_eq!(r.notice_version, "2026-12");
    assert_eq!(r.controller, c);
    assert_eq!(r.agreement_kind, AgreementKind::AgreementToShare);
    assert_eq!(r.agreement_kind.words(), "your agreement to share");
    assert_eq!((r.evidence, r.awaiting_family_confirmation), (None, false));
    let plain = grant(
        Recipient::Kind(AgencyKind::School),
        &[Scope::Education],
        &[Purpose::DirectSupport],
    );
    let r = Receipt::of(
        &plain,
        false,
        ReceiptContext {
            recipient_kind: AgencyKind::School,
            ..cx
        },
    )
    .expect("granted");
    assert!(!r.sensitive && r.special_categories.is_empty());
    assert!(Receipt::of(&plain, true, cx).is_none(), "not withdrawn");
}

#[test]
fn only_art_6_1_a_rules_make_a_receipt_say_consent() {
    let rule = |article6| AgreementEntry {
        kind: AgencyKind::School,
        scope: Scope::AllAboutMe,
        purpose: Purpose::DirectSupport,
        permission: Permission {
            read: true,
            contribute: false,
            statutory: false,
        },
        basis: LawfulBasis::new(article6, None, "none needed"),
    };
    let c = controller();
    let g = grant(
        Recipient::Kind(AgencyKind::School),
        &[Scope::AllAboutMe],
        &[Purpose::DirectSupport],
    );
    for (article6, kind, words) in [
        (Article6::Consent, AgreementKind::Consent, "your consent"),
        (
            Article6::PublicTask,
            AgreementKind::AgreementToShare,
            "your agreement to share",
        ),
    ] {
        let a = Agreement::from_entries(1, "t".into(), BTreeSet::new(), [rule(article6)]);
        let r = Receipt::of(
            &g,
            false,
            ReceiptContext {
                controller: &c,
                agreement: &a,
                recipient_kind: AgencyKind::School,
            },
        )
        .expect("granted");
        assert_eq!((r.agreement_kind, r.agreement_kind.words()), (kind, words));
    }
    // No rule for the recipient at all: never called consent.
    let a = Agreement::from_entries(1, "t".into(), BTreeSet::new(), []);
    let cx = ReceiptContext {
        controller: &c,
        agreement: &a,
        recipient_kind: AgencyKind::School,
    };
    let r = Receipt::of(&g, false, cx).expect("granted");
    assert_eq!(r.agreement_kind, AgreementKind::AgreementToShare);
    assert_eq!(r.lawful_bases[0].basis, None);
}

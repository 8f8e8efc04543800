//! Storage on in-memory SQLite, without HTTP: junction-table round trips,
//! each named conflict, the code checks, corrupt codes and the clock.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use consent::{
    Capture, CaptureMethod, Grant, GrantorCapacity, Override, Purpose, Recipient, Review,
    ReviewOutcome, Withdrawal,
};
use domain::ehc::AdviceAnswerMode;
use domain::{
    AgencyKind, ChildId, Contribution, ContributionKind, Identity, NhsNumber, Scope, Upn,
};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectOptions, ConnectionTrait, Database, DbBackend,
    EntityTrait, Statement, TransactionTrait,
};
use store::{Constraint, FixedClock, NewChild, Store, StoreError, entities};
use uuid::Uuid;

/// One connection: each connection to `sqlite::memory:` is its own database.
async fn connect() -> sea_orm::DatabaseConnection {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(options).await.expect("connect")
}

async fn store() -> Store {
    let store = Store::from_connection(connect().await);
    store.migrate().await.expect("migrate");
    store
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0)
        .single()
        .expect("time")
}

fn identity(nhs: Option<&str>, upn: Option<&str>) -> Identity {
    Identity {
        given_name: "Test".into(),
        family_name: "Child".into(),
        preferred_name: None,
        date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 1).expect("date"),
        nhs_number: nhs.map(|n| NhsNumber::parse(n).expect("nhs")),
        upn: upn.map(|u| Upn::parse(u).expect("upn")),
        address_line: None,
        town: None,
        postcode: None,
        home_language: None,
        communication_needs: None,
    }
}

async fn child(store: &Store, nhs: Option<&str>) -> ChildId {
    let tx = store.traced().await.expect("txn");
    let id = tx
        .register_child(
            NewChild {
                identity: identity(nhs, None),
                young_person_id: None,
            },
            "test",
        )
        .await
        .expect("register");
    tx.commit(vec![]).await.expect("commit");
    id
}

fn grant(child_id: ChildId) -> Grant {
    Grant {
        id: Uuid::now_v7(),
        child_id,
        grantor_person_id: "parent-1".into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        recipient: Recipient::Kind(AgencyKind::School),
        scopes: BTreeSet::from([Scope::Education, Scope::SenNeeds, Scope::AllAboutMe]),
        purposes: BTreeSet::from([Purpose::EhcAssessment, Purpose::DirectSupport]),
        valid_from: at(1),
        valid_until: Some(at(30)),
        capture: Capture::Digital,
        recorded_at: at(1),
        withdrawal: None,
        confirmed_at: None,
        notice_version: "2026-12".into(),
        agreement_version: 1,
        needs_family_confirmation: false,
    }
}

fn override_for(child_id: ChildId) -> Override {
    Override {
        id: Uuid::now_v7(),
        child_id,
        declared_by: "dsl-1".into(),
        agency_id: Uuid::now_v7(),
        scopes: BTreeSet::from([Scope::SocialCare, Scope::MentalHealth]),
        reason: "s47 enquiry".into(),
        starts_at: at(2),
        ends_at: at(3),
        ground: consent::OverrideGround::S47,
        ground_carried_over: false,
        review_due_by: at(5),
        telling: consent::TellingDecision {
            id: Uuid::now_v7(),
            telling: consent::Telling::NotNow {
                because: "before the strategy discussion".into(),
                review_on: at(4).date_naive(),
            },
            family_notice: consent::CARRIED_OVER_FAMILY_NOTICE.into(),
            decided_by: "dsl-1".into(),
            decided_at: at(2),
        },
        approval: None,
        review: None,
    }
}

fn conflict<T: std::fmt::Debug>(result: store::Result<T>) -> Constraint {
    match result {
        Err(StoreError::Conflict(c)) => c,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn grant_scopes_and_purposes_round_trip_through_junction_tables() {
    let store = store().await;
    let child_id = child(&store, None).await;
    let g = grant(child_id);
    let o = override_for(child_id);
    let tx = store.traced().await.expect("txn");
    tx.insert_grant(&g).await.expect("grant");
    tx.insert_override(&o).await.expect("override");
    tx.commit(vec![]).await.expect("commit");

    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(state.grants, vec![g.clone()]);
    assert_eq!(state.overrides, vec![o.clone()]);
    let awaiting = store.overrides_awaiting_review().await.expect("awaiting");
    assert_eq!(awaiting, vec![o.clone()]);

    // A later telling decision is the one in force; a second approval of
    // the same override is a named conflict.
    let mut later = o.clone();
    later.telling.id = Uuid::now_v7();
    later.telling.telling = consent::Telling::On(at(6).date_naive());
    later.telling.decided_at = at(3);
    let approval = consent::Approval {
        id: Uuid::now_v7(),
        approver: "caldicott-1".into(),
        role: consent::ApproverRole::CaldicottGuardian,
        at: at(3),
    };
    later.approval = Some(approval.clone());
    let tx = store.traced().await.expect("txn");
    tx.insert_telling(child_id, o.id, &later.telling)
        .await
        .expect("telling");
    tx.insert_approval(child_id, o.id, &approval)
        .await
        .expect("approval");
    tx.commit(vec![]).await.expect("commit");
    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(state.overrides, vec![later]);
    let tx = store.traced().await.expect("txn");
    let again = consent::Approval {
        id: Uuid::now_v7(),
        ..approval
    };
    assert_eq!(
        conflict(tx.insert_approval(child_id, o.id, &again).await),
        Constraint::ApprovalOverride
    );
    drop(tx);

    // One row per code.
    let scopes = entities::consent_grant_scope::Entity::find()
        .all(store.connection())
        .await
        .expect("scopes");
    let mut stored: Vec<&str> = scopes.iter().map(|r| r.scope.as_str()).collect();
    stored.sort_unstable();
    assert_eq!(stored, ["ALL_ABOUT_ME", "EDUCATION", "SEN_NEEDS"]);
    assert!(scopes.iter().all(|r| r.grant_id == g.id));
}

#[tokio::test]
async fn agreement_consent_recorders_round_trip() {
    let store = store().await;
    let source = consent::AgreementSource::parse(consent::DEFAULT_AGREEMENT).expect("parse");
    let default = consent::Agreement::from_source(0, &source).expect("build");
    store
        .ensure_default_agreement(default.clone(), consent::DEFAULT_AGREEMENT)
        .await
        .expect("publish");
    let current = store.current_agreement().await.expect("current");
    assert_eq!(current.version, 1);
    assert!(!current.consent_recorders.is_empty());
    assert_eq!(current.consent_recorders, default.consent_recorders);
    assert_eq!(
        current.entries().collect::<Vec<_>>(),
        default.entries().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn each_unique_constraint_is_a_named_conflict() {
    let store = store().await;
    let child_id = child(&store, Some("9434765919")).await;
    let tx = store.traced().await.expect("txn");

    // The NHS number: found by the check before the insert, and by the
    // index when a whole record is written.
    let again = NewChild {
        identity: identity(Some("9434765919"), None),
        young_person_id: None,
    };
    assert_eq!(
        conflict(tx.register_child(again, "test").await),
        Constraint::ChildNhsNumber
    );
    let record = domain::ChildRecord::new(Uuid::now_v7(), None, identity(Some("9434765919"), None));
    assert_eq!(
        conflict(tx.insert_record(&record, "test").await),
        Constraint::ChildNhsNumber
    );
    let first =
        domain::ChildRecord::new(Uuid::now_v7(), None, identity(None, Some("B801200005001")));
    tx.insert_record(&first, "test").await.expect("first UPN");
    let second =
        domain::ChildRecord::new(Uuid::now_v7(), None, identity(None, Some("B801200005001")));
    assert_eq!(
        conflict(tx.insert_record(&second, "test").await),
        Constraint::ChildUpn
    );

    let g = grant(child_id);
    tx.insert_grant(&g).await.expect("grant");
    let withdrawal = || Withdrawal {
        id: Uuid::now_v7(),
        at: at(5),
        by_person_id: "parent-1".into(),
        capacity: GrantorCapacity::ParentalResponsibility,
        reason: None,
        capture: Capture::Digital,
    };
    tx.insert_withdrawal(child_id, g.id, &withdrawal())
        .await
        .expect("withdraw");
    assert_eq!(
        conflict(tx.insert_withdrawal(child_id, g.id, &withdrawal()).await),
        Constraint::WithdrawalGrant
    );

    tx.insert_confirmation(child_id, g.id, "parent-1", at(4))
        .await
        .expect("confirm");
    assert_eq!(
        conflict(
            tx.insert_confirmation(child_id, g.id, "parent-1", at(4))
                .await
        ),
        Constraint::ConfirmationGrant
    );

    let o = override_for(child_id);
    tx.insert_override(&o).await.expect("override");
    let review = || Review {
        id: Uuid::now_v7(),
        outcome: ReviewOutcome::Upheld,
        note: "proportionate".into(),
        reviewer: "ig-1".into(),
        at: at(4),
    };
    tx.insert_review(child_id, o.id, &review())
        .await
        .expect("review");
    assert_eq!(
        conflict(tx.insert_review(child_id, o.id, &review()).await),
        Constraint::ReviewOverride
    );

    let original = Uuid::now_v7();
    let contribution = |supersedes| Contribution {
        id: Uuid::now_v7(),
        child_id,
        scope: Scope::Education,
        agency_id: Uuid::now_v7(),
        agency_kind: AgencyKind::School,
        author: "teacher-1".into(),
        kind: ContributionKind::Update,
        title: "Term report".into(),
        needs: None,
        outcomes: None,
        provision: None,
        notes: None,
        supersedes,
        created_at: at(6),
        content: None,
    };
    tx.insert_contribution(&contribution(Some(original)))
        .await
        .expect("replace");
    assert_eq!(
        conflict(tx.insert_contribution(&contribution(Some(original))).await),
        Constraint::ContributionSupersedes
    );

    let request = Uuid::now_v7();
    let answer = || {
        tx.insert_advice_answer(
            child_id,
            request,
            Uuid::now_v7(),
            AdviceAnswerMode::Submitted,
            true,
            false,
            at(7).date_naive(),
            "ep-1",
        )
    };
    answer().await.expect("answer");
    assert_eq!(conflict(answer().await), Constraint::AdviceAnswerRequest);
}

#[tokio::test]
async fn a_check_constraint_refuses_a_bad_code() {
    let store = store().await;
    let child_id = child(&store, None).await;
    let g = grant(child_id);
    let tx = store.traced().await.expect("txn");
    tx.insert_grant(&g).await.expect("grant");
    tx.commit(vec![]).await.expect("commit");

    let bad = entities::consent_grant_scope::ActiveModel {
        child_id: Set(child_id),
        grant_id: Set(g.id),
        scope: Set("EVERYTHING".into()),
    }
    .insert(store.connection())
    .await
    .expect_err("a scope that is not a Scope");
    assert!(matches!(
        StoreError::from(bad),
        StoreError::Conflict(Constraint::Code("ck_consent_grant_scope_scope"))
    ));
    let good = entities::consent_grant_scope::ActiveModel {
        child_id: Set(child_id),
        grant_id: Set(g.id),
        scope: Set("FAMILY".into()),
    };
    good.insert(store.connection()).await.expect("a real scope");
}

#[tokio::test]
async fn a_bad_stored_code_reads_as_corrupt() {
    let store = store().await;
    let tx = store.traced().await.expect("txn");
    tx.upsert_agency(&domain::Agency {
        id: Uuid::now_v7(),
        name: "Oak School".into(),
        kind: AgencyKind::School,
    })
    .await
    .expect("agency");
    tx.commit(vec![]).await.expect("commit");
    assert_eq!(store.agencies().await.expect("agencies").len(), 1);

    // SQLite has no CHECK on this older table (see the migration).
    store
        .connection()
        .execute_unprepared("UPDATE agency SET kind = 'NOT_A_KIND'")
        .await
        .expect("corrupt it");
    match store.agencies().await {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("NOT_A_KIND"), "{why}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn a_recorded_capture_round_trips_and_a_contradictory_one_reads_as_corrupt() {
    let store = store().await;
    let child_id = child(&store, None).await;
    let mut g = grant(child_id);
    g.capture = Capture::Verbal {
        recorded_by: "slt-1".into(),
        evidence: "call 2026-12-01 10:30, ref C-12".into(),
    };
    let tx = store.traced().await.expect("txn");
    tx.insert_grant(&g).await.expect("grant");
    tx.commit(vec![]).await.expect("commit");
    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(state.grants, vec![g.clone()]);

    // A written consent nobody recorded cannot be built, so it cannot be
    // read either.
    store
        .connection()
        .execute_unprepared("UPDATE consent_grant SET method = 'WRITTEN', recorded_by = NULL")
        .await
        .expect("contradict it");
    match store.consent_state(child_id).await {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("disagree"), "{why}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn the_store_writes_with_its_clock() {
    let fixed = at(17);
    let store = store().await.with_clock(FixedClock(fixed));
    assert_eq!(store.now(), fixed);
    let child_id = child(&store, None).await;
    let row = entities::child::Entity::find_by_id(child_id)
        .one(store.connection())
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.created_at, fixed);

    let source = consent::AgreementSource::parse(consent::DEFAULT_AGREEMENT).expect("parse");
    let default = consent::Agreement::from_source(0, &source).expect("build");
    store
        .ensure_default_agreement(default, consent::DEFAULT_AGREEMENT)
        .await
        .expect("publish");
    let published = entities::agreement::Entity::find_by_id(1)
        .one(store.connection())
        .await
        .expect("read")
        .expect("row");
    assert_eq!(published.published_at, fixed);
}

fn codes<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(|c| c.to_string()).collect()
}

/// Every code column's CHECK lists exactly its enum's codes: an enum that
/// gains a code fails here until a migration widens the check.
#[test]
fn code_checks_match_the_enums() {
    use consent::trace::{TraceAction, TraceOutcome};
    use domain::ehc::{AssessmentEventKind, ClockException};
    use domain::{
        CamhsStatus, ContactPreference, EhcPlanStatus, HealthItemKind, NeedCode, Relationship,
        RestrictedKind, SenProvision, SettingPhase, WrittenAs,
    };
    // The lists in force: a later migration's list replaces an earlier one.
    for check in migrations::code_checks() {
        let expected = match (check.table, check.column) {
            (_, "scope") => codes(Scope::ALL),
            (_, "purpose") => codes(Purpose::ALL),
            ("access_trace", "action") => codes(TraceAction::ALL),
            ("access_trace", "outcome") => codes(TraceOutcome::ALL),
            (_, "agency_kind" | "recipient_agency_kind") | ("agency", "kind") => {
                codes(AgencyKind::ALL)
            }
            ("family_member", "relationship") => codes(Relationship::ALL),
            ("family_member", "contact_preference") => codes(ContactPreference::ALL),
            ("child_profile", "edu_setting_phase") => codes(SettingPhase::ALL),
            ("child_profile", "sen_provision") => codes(SenProvision::ALL),
            ("child_profile", "sen_ehc_plan_status") => codes(EhcPlanStatus::ALL),
            ("child_profile", "mh_camhs_status") => codes(CamhsStatus::ALL),
            ("sen_need", "code") => codes(NeedCode::ALL),
            ("health_item", "kind") => codes(HealthItemKind::ALL),
            ("restricted_item", "kind") => codes(RestrictedKind::ALL),
            (_, "grantor_capacity" | "capacity") => codes(GrantorCapacity::ALL),
            (_, "method") => codes(CaptureMethod::ALL),
            ("override_review", "outcome") => codes(ReviewOutcome::ALL),
            ("agency_identifier", "scheme") => codes(domain::IdentifierScheme::ALL),
            ("all_about_me_version", "written_as") => codes(WrittenAs::ALL),
            ("contribution", "kind") => codes(ContributionKind::ALL),
            ("assessment_event", "kind") => codes(AssessmentEventKind::ALL),
            ("assessment_event", "exception") => codes(ClockException::ALL),
            ("advice_answer", "mode") => codes(AdviceAnswerMode::ALL),
            ("assessment_event", "time_limit") => codes(domain::ehc::TimeLimit::ALL),
            ("advice_request", "profession") => codes(domain::template::Profession::ALL),
            ("advice_reuse_confirmation", "party") => codes(domain::ehc::ReuseParty::ALL),
            ("advice_template", "profession") => codes(domain::template::Profession::ALL),
            ("advice_not_required", "profession") => codes(domain::template::Profession::ALL),
            ("agreement_rule", "article6") => codes(consent::Article6::ALL),
            ("agreement_rule", "special_condition") => codes(consent::Condition::ALL),
            ("safeguarding_override", "ground") => codes(consent::OverrideGround::ALL),
            ("override_telling", "decision") => codes(consent::TellingChoice::ALL),
            ("override_approval", "role") => codes(consent::ApproverRole::ALL),
            ("parental_responsibility", "source") => codes(consent::PrSource::ALL),
            ("parental_responsibility", "limit_kind") => codes(consent::PrLimitKind::ALL),
            ("deputyship", "kind") => codes(consent::DeputyKind::ALL),
            ("capacity_assessment", "decision") => codes(consent::CapacityDecision::ALL),
            ("capacity_assessment", "outcome") => codes(consent::CapacityOutcome::ALL),
            ("ehc_plan_version", "kind") => codes(domain::plan::VersionKind::ALL),
            ("ehc_plan_version", "status") => codes(domain::plan::PlanVersionStatus::ALL),
            ("ehc_plan_paragraph" | "ehc_plan_response_comment", "section") => {
                codes(domain::plan::PlanSection::ALL)
            }
            ("ehc_plan_paragraph", "source" | "edited_from") => {
                codes(domain::plan::SourceKind::ALL)
            }
            ("ehc_plan_paragraph" | "ehc_plan_appendix", "profession") => {
                codes(domain::template::Profession::ALL)
            }
            ("annual_review_step", "step") => codes(domain::review::ReviewStep::ALL),
            ("annual_review_step", "decision") => codes(domain::review::ReviewDecision::ALL),
            ("annual_review_step", "cease_ground") | ("plan_cessation", "ground") => {
                codes(domain::review::CeaseGround::ALL)
            }
            ("phase_transfer", "from_phase" | "to_phase") => codes(SettingPhase::ALL),
            other => panic!("no enum named for the check on {other:?}"),
        };
        assert_eq!(check.codes, expected, "{}", check.name);
        assert_eq!(check.name, format!("ck_{}_{}", check.table, check.column));
    }
}

/// Old-shape rows (comma-separated codes) are carried into the junction
/// tables by the migration, and read back through the store.
#[tokio::test]
async fn the_migration_carries_comma_separated_codes_over() {
    carry_over(connect().await).await;
}

/// The same on PostgreSQL, in a database of its own, when
/// `TELLONCE_TEST_DATABASE_URL` names a server (as for the integration
/// suite); skipped otherwise.
#[tokio::test]
async fn the_migration_carries_codes_over_on_postgres() {
    let Some(admin_url) = std::env::var("TELLONCE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("TELLONCE_TEST_DATABASE_URL is not a PostgreSQL URL: skipped");
        return;
    };
    let name = format!("store_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.expect("admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
    let db = Database::connect(format!("{base}/{name}"))
        .await
        .expect("connect");
    carry_over(db).await;

    // PostgreSQL also checks the code columns of the older tables.
    let db = Database::connect(format!("{base}/{name}"))
        .await
        .expect("connect");
    let refused = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO agency (id, name, kind) VALUES ($1, 'Nowhere', 'NOT_A_KIND')",
            vec![Uuid::now_v7().into()],
        ))
        .await
        .expect_err("a kind that is not an AgencyKind");
    assert!(matches!(
        StoreError::from(refused),
        StoreError::Conflict(Constraint::Code("ck_agency_kind"))
    ));
    // And a capture method that contradicts its recorder: the carried-over
    // grant is DIGITAL with no recorder, so WRITTEN alone is refused.
    let refused = db
        .execute_unprepared("UPDATE consent_grant SET method = 'WRITTEN'")
        .await
        .expect_err("a written consent nobody recorded");
    assert!(
        format!("{refused:?}").contains("ck_consent_grant_capture"),
        "{refused:?}"
    );
    // A written consent with its recorder still needs its evidence (the
    // form's reference), and with both it stands.
    let refused = db
        .execute_unprepared("UPDATE consent_grant SET method = 'WRITTEN', recorded_by = 'slt-1'")
        .await
        .expect_err("a written consent with no evidence");
    assert!(
        format!("{refused:?}").contains("ck_consent_grant_evidence"),
        "{refused:?}"
    );
    db.execute_unprepared(
        "UPDATE consent_grant SET method = 'WRITTEN', recorded_by = 'slt-1', evidence = 'FORM-17'",
    )
    .await
    .expect("a written consent with its recorder and evidence");
    let _ = db.close().await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await;
}

async fn carry_over(db: sea_orm::DatabaseConnection) {
    let backend = db.get_database_backend();
    Migrator::up(&db, Some(5))
        .await
        .expect("up to the old shape");
    let child_id = Uuid::now_v7();
    let grant_id = Uuid::now_v7();
    let override_id = Uuid::now_v7();
    let run = |sql: &str, values: Vec<sea_orm::Value>| {
        // `?` placeholders, numbered for PostgreSQL.
        let sql = match backend {
            DbBackend::Postgres => {
                let mut n = 0;
                sql.chars()
                    .map(|c| match c {
                        '?' => {
                            n += 1;
                            format!("${n}")
                        }
                        c => c.to_string(),
                    })
                    .collect()
            }
            _ => sql.to_owned(),
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
    };
    run(
        "INSERT INTO child (id, given_name, family_name, date_of_birth, created_at, created_by) \
         VALUES (?, 'Old', 'Row', ?, ?, 'test')",
        vec![
            child_id.into(),
            NaiveDate::from_ymd_opt(2015, 1, 1).expect("date").into(),
            at(1).into(),
        ],
    )
    .await
    .expect("child");
    run(
        "INSERT INTO consent_grant (child_id, id, grantor_person_id, grantor_capacity, \
         recipient_agency_kind, scopes, purposes, valid_from, method, recorded_at) \
         VALUES (?, ?, 'parent-1', 'PARENTAL_RESPONSIBILITY', 'SCHOOL', \
         'EDUCATION,SEN_NEEDS,ALL_ABOUT_ME', 'EHC_ASSESSMENT', ?, 'DIGITAL', ?)",
        vec![child_id.into(), grant_id.into(), at(1).into(), at(1).into()],
    )
    .await
    .expect("grant");
    run(
        "INSERT INTO safeguarding_override (child_id, id, declared_by, agency_id, scopes, \
         reason, starts_at, ends_at, tell_family) \
         VALUES (?, ?, 'dsl-1', ?, 'SOCIAL_CARE', 'enquiry', ?, ?, true)",
        vec![
            child_id.into(),
            override_id.into(),
            Uuid::now_v7().into(),
            at(2).into(),
            at(3).into(),
        ],
    )
    .await
    .expect("override");
    let withheld_id = Uuid::now_v7();
    run(
        "INSERT INTO safeguarding_override (child_id, id, declared_by, agency_id, scopes, \
         reason, starts_at, ends_at, tell_family, withhold_reason) \
         VALUES (?, ?, 'dsl-1', ?, 'RESTRICTED', 'Neighbour Mrs X reported injuries', ?, ?, \
         false, 'police enquiries continue')",
        vec![
            child_id.into(),
            withheld_id.into(),
            Uuid::now_v7().into(),
            at(2).into(),
            at(3).into(),
        ],
    )
    .await
    .expect("override kept from the family");
    run(
        "INSERT INTO agreement (version, title, consent_recorders, source, published_at, \
         published_by) VALUES (1, 'Old', 'LA_SEND,SCHOOL', '', ?, 'test')",
        vec![at(1).into()],
    )
    .await
    .expect("agreement");
    for (kind, scope, purpose, statutory) in [
        ("LA_SEND", "SEN_NEEDS", "EHC_ASSESSMENT", true),
        ("CAMHS", "MENTAL_HEALTH", "DIRECT_SUPPORT", false),
        ("SOCIAL_CARE", "RESTRICTED", "SAFEGUARDING", false),
        ("SCHOOL", "IDENTITY", "DIRECT_SUPPORT", true),
    ] {
        run(
            "INSERT INTO agreement_rule (version, agency_kind, scope, purpose, can_read, \
             can_contribute, statutory) VALUES (1, ?, ?, ?, true, false, ?)",
            vec![kind.into(), scope.into(), purpose.into(), statutory.into()],
        )
        .await
        .expect("agreement rule");
    }
    // Who decides, old shape: a PR flag per family member, one capacity flag.
    let mum = Uuid::now_v7();
    for (id, person, pr) in [
        (mum, Some("mum-old"), true),
        (Uuid::now_v7(), None, true),
        (Uuid::now_v7(), Some("gran-old"), false),
    ] {
        run(
            "INSERT INTO family_member (child_id, id, person_id, full_name, relationship, \
             parental_responsibility, pr_evidence, contact_preference, main_contact, created_at) \
             VALUES (?, ?, ?, 'Someone', 'MOTHER', ?, ?, 'PHONE', false, ?)",
            vec![
                child_id.into(),
                id.into(),
                person.map(str::to_owned).into(),
                pr.into(),
                pr.then(|| "birth certificate".to_owned()).into(),
                at(4).into(),
            ],
        )
        .await
        .expect("family member");
    }
    run(
        "UPDATE child SET lacks_capacity = true WHERE id = ?",
        vec![child_id.into()],
    )
    .await
    .expect("capacity flag");

    Migrator::up(&db, None).await.expect("the new migration");
    let store = Store::from_connection(db);
    assert_eq!(
        store.pending_migrations().await.expect("pending"),
        Vec::<String>::new()
    );
    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(state.grants.len(), 1);
    assert_eq!(
        state.grants[0].scopes,
        BTreeSet::from([Scope::Education, Scope::SenNeeds, Scope::AllAboutMe])
    );
    assert_eq!(
        state.grants[0].purposes,
        BTreeSet::from([Purpose::EhcAssessment])
    );
    let told = state
        .overrides
        .iter()
        .find(|o| o.id == override_id)
        .expect("the told override");
    assert_eq!(told.scopes, BTreeSet::from([Scope::SocialCare]));
    // No ground was recorded then: carried over as Sch 1 para 18, flagged
    // for IG to confirm; the review is due 72 hours after it started.
    assert_eq!(told.ground, consent::OverrideGround::Sch1Para18);
    assert!(told.ground_carried_over);
    assert_eq!(told.review_due_by, at(2) + chrono::Duration::hours(72));
    assert_eq!(told.telling.telling, consent::Telling::Now);
    assert_eq!(
        told.telling.family_notice,
        consent::CARRIED_OVER_FAMILY_NOTICE
    );
    assert_eq!(told.telling.decided_at, at(2));
    let withheld = state
        .overrides
        .iter()
        .find(|o| o.id == withheld_id)
        .expect("the withheld override");
    assert_eq!(
        withheld.telling.telling,
        consent::Telling::NotNow {
            because: "police enquiries continue".into(),
            review_on: at(3).date_naive(),
        }
    );
    assert!(!withheld.telling.family_notice.contains("Mrs X"));
    for old in ["tell_family", "withhold_reason"] {
        let gone = store
            .connection()
            .execute_unprepared(&format!("SELECT {old} FROM safeguarding_override"))
            .await;
        assert!(gone.is_err(), "{old}");
    }
    let agreement = store.current_agreement().await.expect("agreement");
    assert_eq!(
        agreement.consent_recorders,
        BTreeSet::from([AgencyKind::LaSend, AgencyKind::School])
    );
    // Every carried-over rule names its law (migration 7): public task, the
    // condition of the agency's work for special-category scopes, and the
    // gateway of its kind.
    use consent::{Article6, Condition};
    let law = |kind, scope, purpose| {
        agreement
            .lawful_basis(kind, scope, purpose)
            .cloned()
            .expect("a lawful basis")
    };
    let la = law(AgencyKind::LaSend, Scope::SenNeeds, Purpose::EhcAssessment);
    assert_eq!(
        (la.article6, la.condition),
        (Article6::PublicTask, Some(Condition::StatutoryPurposes))
    );
    assert!(
        la.gateway
            .starts_with("Children and Families Act 2014 ss.36")
    );
    let camhs = law(
        AgencyKind::Camhs,
        Scope::MentalHealth,
        Purpose::DirectSupport,
    );
    assert_eq!(camhs.condition, Some(Condition::HealthOrSocialCare));
    assert!(camhs.gateway.contains("Health and Social Care Act 2012"));
    let safeguarding = law(
        AgencyKind::SocialCare,
        Scope::Restricted,
        Purpose::Safeguarding,
    );
    assert_eq!(safeguarding.condition, Some(Condition::Safeguarding));
    assert!(safeguarding.gateway.starts_with("Children Act 1989 s.47"));
    let identity = law(AgencyKind::School, Scope::Identity, Purpose::DirectSupport);
    assert_eq!(identity.condition, None, "identity is not special category");
    assert!(identity.gateway.starts_with("Education Act 1996"));
    // PR flags became holdings (only where someone signs in), the capacity
    // flag an assessment to redo.
    let core = store
        .child_core(child_id)
        .await
        .expect("core")
        .expect("the child");
    let pr = &core.standing.parental_responsibility;
    assert_eq!(pr.len(), 1, "{pr:?}");
    assert_eq!(pr[0].id, mum);
    assert_eq!(pr[0].person_id, "mum-old");
    assert_eq!(pr[0].source, consent::PrSource::CarriedOver);
    assert_eq!(pr[0].from, at(4).date_naive());
    assert_eq!(pr[0].evidence, "birth certificate");
    assert_eq!(pr[0].limit, consent::PrLimit::Unlimited);
    let capacity = &core.standing.capacity;
    assert_eq!(capacity.len(), 1, "{capacity:?}");
    assert!(capacity[0].carried_over);
    assert_eq!(capacity[0].outcome, consent::CapacityOutcome::LacksCapacity);
    assert_eq!(capacity[0].assessor.subject, "tellonce migration");
    assert_eq!(
        capacity[0].reasons,
        "carried over from the record's capacity flag; reassess"
    );
    assert_eq!(capacity[0].review_on, capacity[0].assessed_on);
    assert_eq!(
        capacity[0].scopes,
        Scope::ALL
            .iter()
            .copied()
            .filter(|s| s.consentable())
            .collect::<BTreeSet<_>>()
    );
    // The old columns are gone.
    let old = store
        .connection()
        .execute_unprepared("SELECT scopes FROM consent_grant")
        .await;
    assert!(old.is_err());
    let flag = store
        .connection()
        .execute_unprepared("SELECT lacks_capacity FROM child")
        .await;
    assert!(flag.is_err());
}

/// A stored list holding a code we do not know stops the migration rather
/// than losing it.
#[tokio::test]
async fn the_migration_refuses_an_unknown_stored_code() {
    let db = connect().await;
    Migrator::up(&db, Some(5))
        .await
        .expect("up to the old shape");
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO agreement (version, title, consent_recorders, source, published_at, \
         published_by) VALUES (1, 'Old', 'LA_SEND,NOT_A_KIND', '', ?, 'test')",
        vec![at(1).into()],
    ))
    .await
    .expect("agreement");
    let refused = Migrator::up(&db, None).await.expect_err("refused");
    assert!(format!("{refused}").contains("NOT_A_KIND"), "{refused}");
}

/// `sql` with `?` placeholders, numbered for PostgreSQL.
async fn exec(db: &sea_orm::DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            let mut n = 0;
            sql.chars()
                .map(|c| match c {
                    '?' => {
                        n += 1;
                        format!("${n}")
                    }
                    c => c.to_string(),
                })
                .collect()
        }
        _ => sql.to_owned(),
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql.clone(), values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The identity split (migration 10) on a hub of the old shape: a grant
/// and an override covering IDENTITY also cover CONTACT, and an agreement
/// published under the old default (IDENTITY statutory for every kind and
/// purpose) decides the new scopes exactly as the new default does.
async fn identity_carry_over(db: sea_orm::DatabaseConnection) {
    Migrator::up(&db, Some(6))
        .await
        .expect("up to the old shape");
    let child_id = Uuid::now_v7();
    let grant_id = Uuid::now_v7();
    let override_id = Uuid::now_v7();
    exec(
        &db,
        "INSERT INTO child (id, given_name, family_name, date_of_birth, created_at, created_by) \
         VALUES (?, 'Old', 'Row', ?, ?, 'test')",
        vec![
            child_id.into(),
            NaiveDate::from_ymd_opt(2015, 1, 1).expect("date").into(),
            at(1).into(),
        ],
    )
    .await;
    exec(
        &db,
        "INSERT INTO consent_grant (child_id, id, grantor_person_id, grantor_capacity, \
         recipient_agency_kind, valid_from, method, recorded_at) \
         VALUES (?, ?, 'parent-1', 'PARENTAL_RESPONSIBILITY', 'YOUTH_JUSTICE', ?, 'DIGITAL', ?)",
        vec![child_id.into(), grant_id.into(), at(1).into(), at(1).into()],
    )
    .await;
    for scope in ["IDENTITY", "EDUCATION"] {
        exec(
            &db,
            "INSERT INTO consent_grant_scope (child_id, grant_id, scope) VALUES (?, ?, ?)",
            vec![child_id.into(), grant_id.into(), scope.into()],
        )
        .await;
    }
    exec(
        &db,
        "INSERT INTO consent_grant_purpose (child_id, grant_id, purpose) \
         VALUES (?, ?, 'DIRECT_SUPPORT')",
        vec![child_id.into(), grant_id.into()],
    )
    .await;
    exec(
        &db,
        "INSERT INTO safeguarding_override (child_id, id, declared_by, agency_id, \
         reason, starts_at, ends_at, tell_family) VALUES (?, ?, 'dsl-1', ?, 'enquiry', ?, ?, true)",
        vec![
            child_id.into(),
            override_id.into(),
            Uuid::now_v7().into(),
            at(2).into(),
            at(3).into(),
        ],
    )
    .await;
    exec(
        &db,
        "INSERT INTO safeguarding_override_scope (child_id, override_id, scope) \
         VALUES (?, ?, 'IDENTITY')",
        vec![child_id.into(), override_id.into()],
    )
    .await;
    exec(
        &db,
        "INSERT INTO agreement (version, title, source, published_at, published_by) \
         VALUES (1, 'Old', '', ?, 'test')",
        vec![at(1).into()],
    )
    .await;
    for kind in AgencyKind::ALL {
        for purpose in Purpose::ALL {
            exec(
                &db,
                "INSERT INTO agreement_rule (version, agency_kind, scope, purpose, can_read, \
                 can_contribute, statutory) VALUES (1, ?, 'IDENTITY', ?, true, false, true)",
                vec![kind.code().into(), purpose.code().into()],
            )
            .await;
        }
    }

    Migrator::up(&db, None).await.expect("the identity split");
    let store = Store::from_connection(db);
    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(
        state.grants[0].scopes,
        BTreeSet::from([Scope::Identity, Scope::Contact, Scope::Education])
    );
    assert_eq!(
        state.overrides[0].scopes,
        BTreeSet::from([Scope::Identity, Scope::Contact])
    );
    let core = store
        .child_core(child_id)
        .await
        .expect("core")
        .expect("child");
    assert_eq!(core.address_withheld, None);
    assert!(
        !core
            .consent_facts(consent::TermStart::default())
            .address_withheld
    );

    let migrated = store.current_agreement().await.expect("agreement");
    let source = consent::AgreementSource::parse(consent::DEFAULT_AGREEMENT).expect("parse");
    let fresh = consent::Agreement::from_source(1, &source).expect("build");
    for kind in AgencyKind::ALL {
        for purpose in Purpose::ALL {
            for scope in [
                Scope::Identity,
                Scope::NhsNumber,
                Scope::PupilNumber,
                Scope::Contact,
            ] {
                assert_eq!(
                    migrated.permission(*kind, scope, *purpose),
                    fresh.permission(*kind, scope, *purpose),
                    "{kind} {scope} {purpose}"
                );
            }
        }
    }
    // The widened checks take the new codes and still refuse others.
    let conn = store.connection();
    exec(
        conn,
        "INSERT INTO consent_grant_scope (child_id, grant_id, scope) VALUES (?, ?, 'NHS_NUMBER')",
        vec![child_id.into(), grant_id.into()],
    )
    .await;
    let refused = conn
        .execute_unprepared(&format!(
            "INSERT INTO safeguarding_override_scope (child_id, override_id, scope) \
             VALUES ('{child_id}', '{override_id}', 'ADDRESS')"
        ))
        .await;
    assert!(refused.is_err(), "a scope that does not exist");
}

#[tokio::test]
async fn the_identity_split_carries_identity_to_contact() {
    identity_carry_over(connect().await).await;
}

/// The same on PostgreSQL, when `TELLONCE_TEST_DATABASE_URL` names a server.
#[tokio::test]
async fn the_identity_split_carries_identity_to_contact_on_postgres() {
    let Some(admin_url) = std::env::var("TELLONCE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("TELLONCE_TEST_DATABASE_URL is not a PostgreSQL URL: skipped");
        return;
    };
    let name = format!("store_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.expect("admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
    let db = Database::connect(format!("{base}/{name}"))
        .await
        .expect("connect");
    identity_carry_over(db).await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await;
}

/// The address-withheld marker round trips, clears, and a half-written one
/// (which PostgreSQL's check would refuse) reads as `Corrupt`.
#[tokio::test]
async fn the_address_withheld_marker_round_trips_and_a_partial_one_reads_as_corrupt() {
    let store = store().await;
    let id = child(&store, None).await;
    let marker = consent::AddressWithheld {
        reason: "Placed in a refuge with her mother".into(),
        set_by: "dsl-1".into(),
        set_at: at(4),
    };
    let tx = store.traced().await.expect("txn");
    assert!(
        tx.set_address_withheld(id, Some(&marker))
            .await
            .expect("set")
    );
    assert!(
        !tx.set_address_withheld(Uuid::now_v7(), Some(&marker))
            .await
            .expect("no such child")
    );
    tx.commit(vec![]).await.expect("commit");
    let core = store.child_core(id).await.expect("read").expect("child");
    assert_eq!(core.address_withheld.as_ref(), Some(&marker));
    assert!(
        core.consent_facts(consent::TermStart::default())
            .address_withheld
    );

    let tx = store.traced().await.expect("txn");
    assert!(tx.set_address_withheld(id, None).await.expect("clear"));
    tx.commit(vec![]).await.expect("commit");
    let core = store.child_core(id).await.expect("read").expect("child");
    assert_eq!(core.address_withheld, None);

    store
        .connection()
        .execute_unprepared("UPDATE child SET address_withheld_reason = 'half'")
        .await
        .expect("corrupt it");
    match store.child_core(id).await {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("address-withheld"), "{why}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// How many migrations `down` undoes to stand just before `name`, whatever
/// migrations follow it.
fn steps_back_to(name: &str) -> u32 {
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(all.len() - at).expect("a small number")
}

/// Migration 10 can be rolled back and applied again.
#[tokio::test]
async fn the_identity_split_rolls_back_and_reapplies() {
    let db = connect().await;
    Migrator::up(&db, None).await.expect("up");
    Migrator::down(&db, Some(steps_back_to("m20261203_000010_identity_split")))
        .await
        .expect("down");
    let refused = db
        .execute_unprepared(
            "INSERT INTO consent_grant_scope (child_id, grant_id, scope) VALUES ('a', 'b', 'CONTACT')",
        )
        .await;
    assert!(
        format!("{refused:?}").contains("ck_consent_grant_scope_scope"),
        "CONTACT is not a scope before the split: {refused:?}"
    );
    Migrator::up(&db, None).await.expect("up again");
    assert!(
        Store::from_connection(db)
            .pending_migrations()
            .await
            .expect("pending")
            .is_empty()
    );
}

/// Undoing the break-glass migration puts the telling decision back into
/// `tell_family` / `withhold_reason`, and doing it again carries it over.
#[tokio::test]
async fn the_break_glass_migration_can_be_undone() {
    let db = connect().await;
    Migrator::up(&db, None).await.expect("up");
    let store = Store::from_connection(db);
    let child_id = child(&store, None).await;
    let o = override_for(child_id);
    let tx = store.traced().await.expect("txn");
    tx.insert_override(&o).await.expect("override");
    tx.commit(vec![]).await.expect("commit");
    let db = store.connection();
    Migrator::down(db, Some(steps_back_to("m20261203_000009_break_glass")))
        .await
        .expect("down");
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT tell_family, withhold_reason FROM safeguarding_override",
        ))
        .await
        .expect("old columns are back");
    let told: bool = rows[0].try_get("", "tell_family").expect("tell_family");
    let why: Option<String> = rows[0].try_get("", "withhold_reason").expect("reason");
    assert!(!told);
    assert_eq!(why.as_deref(), Some("before the strategy discussion"));
    Migrator::up(db, None).await.expect("up again");
    let state = store.consent_state(child_id).await.expect("state");
    assert_eq!(
        state.overrides[0].telling.telling,
        consent::Telling::NotNow {
            because: "before the strategy discussion".into(),
            review_on: o.ends_at.date_naive(),
        }
    );
    assert!(state.overrides[0].ground_carried_over);
}

/// Shipped templates become version 1 once; a published one is the next
/// version, and earlier versions stay readable.
#[tokio::test]
async fn advice_templates_are_versioned_per_profession() {
    use domain::template::{AdviceTemplate, Profession};
    let store = store().await;
    let shipped = || {
        Profession::ALL
            .iter()
            .map(|p| {
                (
                    AdviceTemplate::shipped(*p).expect("shipped"),
                    p.shipped_source(),
                )
            })
            .collect::<Vec<_>>()
    };
    store
        .ensure_default_advice_templates(shipped())
        .await
        .expect("defaults");
    store
        .ensure_default_advice_templates(shipped())
        .await
        .expect("defaults again");
    let latest = store.latest_advice_templates().await.expect("latest");
    assert_eq!(latest.len(), Profession::ALL.len());
    assert!(latest.iter().all(|t| t.version == 1));

    let p = Profession::Camhs;
    let source = p
        .shipped_source()
        .replacen("required = false", "required = true", 1);
    let parsed = AdviceTemplate::parse(&source, Some(p)).expect("parse");
    let tx = store.traced().await.expect("tx");
    let published = tx
        .publish_advice_template(parsed, &source, "ig-admin", at(3))
        .await
        .expect("publish");
    tx.commit(Vec::new()).await.expect("commit");
    assert_eq!(published.version, 2);
    let now = store.advice_template(p, None).await.expect("read");
    assert_eq!(now.map(|t| t.version), Some(2));
    let first = store.advice_template(p, Some(1)).await.expect("read v1");
    assert_eq!(
        first,
        Some(AdviceTemplate {
            version: 1,
            ..AdviceTemplate::shipped(p).expect("shipped")
        })
    );
    assert_eq!(
        store.advice_template(p, Some(3)).await.expect("read v3"),
        None
    );
}

#[tokio::test]
async fn the_agency_register_keeps_identifiers_unique_and_retires_once() {
    use domain::agency_input::{AgencyDetails, AgencyDraft};
    let store = store().await.with_clock(FixedClock(at(3)));
    let details = |name: &str, ods: &str| {
        AgencyDetails::parse(&AgencyDraft {
            name: name.into(),
            kind: Some(AgencyKind::Camhs),
            ods: Some(ods.into()),
            ..AgencyDraft::default()
        })
        .expect("valid")
    };
    let tx = store.traced().await.expect("txn");
    let first = tx
        .register_agency(&details("North CAMHS", "RXX"))
        .await
        .expect("register");
    // Found by the check before the insert…
    assert_eq!(
        conflict(tx.register_agency(&details("South CAMHS", "rxx")).await),
        Constraint::AgencyIdentifier
    );
    // …and by the unique index when a row is written directly.
    let other = tx
        .register_agency(&details("East CAMHS", "RYY"))
        .await
        .expect("register");
    let direct = entities::agency_identifier::ActiveModel {
        agency_id: Set(other),
        scheme: Set("ODS".into()),
        value: Set("RXX".into()),
    }
    .insert(tx.conn())
    .await
    .map_err(StoreError::from);
    assert_eq!(conflict(direct), Constraint::AgencyIdentifier);
    tx.commit(Vec::new()).await.expect("commit");

    let tx = store.traced().await.expect("txn");
    assert_eq!(tx.retire_agency(first).await.expect("retire"), at(3));
    assert!(matches!(
        tx.retire_agency(first).await,
        Err(StoreError::NotFound(_))
    ));
    tx.commit(Vec::new()).await.expect("commit");
    let active: Vec<Uuid> = store
        .active_agencies()
        .await
        .expect("active")
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(active, vec![other]);
    let all = store.agency_register(true).await.expect("register");
    let retired = all.iter().find(|a| a.agency.id == first).expect("kept");
    assert_eq!(retired.retired_at, Some(at(3)));
    assert_eq!(retired.identifiers[0].value, "RXX");
}

/// SQLite refuses at once (no busy wait) a transaction that has read and
/// then writes while another connection holds the write lock: another hub
/// process on the same file (a CLI command, a stopping hub's WAL
/// checkpoint) must make a trace append wait, not fail. Traced
/// transactions therefore take the write lock when they begin.
#[tokio::test]
async fn a_trace_append_waits_for_another_writer_instead_of_failing() {
    use consent::trace::{Actor, TraceAction, TraceEntry};

    let path = std::env::temp_dir().join(format!("tellonce-store-{}.db", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let hub = Store::connect(&url).await.expect("connect");
    hub.migrate().await.expect("migrate");
    let entry = || TraceEntry::new(TraceAction::Read, Actor::default(), at(2));
    hub.append_trace(vec![entry()]).await.expect("first entry");

    // Another process holds the write lock for a moment.
    let other = Store::connect(&url).await.expect("connect again");
    let txn = other
        .connection()
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .expect("the other writer begins");
    let append = tokio::spawn({
        let hub = hub.clone();
        async move { hub.append_trace(vec![entry()]).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    txn.commit().await.expect("the other writer commits");

    let stored = append
        .await
        .expect("the append task")
        .expect("the append waited for the lock instead of failing");
    assert_eq!(stored[0].seq, 2);
    let report = hub.verify_trace().await.expect("verify");
    assert_eq!((report.checked, report.first_broken), (2, None));
    drop((hub, other));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A database two stores can share (two hub instances): a fresh SQLite
/// file, or a fresh PostgreSQL database when TELLONCE_TEST_DATABASE_URL
/// names one.
enum Shared {
    Sqlite(std::path::PathBuf),
    Postgres {
        admin: sea_orm::DatabaseConnection,
        name: String,
    },
}

async fn shared_database() -> (String, Shared) {
    match std::env::var("TELLONCE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin_url) => {
            let name = format!("store_test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("admin");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create database");
            let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
            (format!("{base}/{name}"), Shared::Postgres { admin, name })
        }
        None => {
            let path =
                std::env::temp_dir().join(format!("tellonce-store-{}.db", Uuid::new_v4().simple()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (url, Shared::Sqlite(path))
        }
    }
}

/// Closes the stores, then drops the database, on the test's own runtime
/// (a pool belongs to the runtime that made it).
async fn drop_stores_then(stores: Vec<Store>, shared: Shared) {
    for store in stores {
        let _ = store.connection().clone().close().await;
    }
    match shared {
        Shared::Sqlite(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        Shared::Postgres { admin, name } => {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// Every table about a child bumps the child's facts version on insert,
/// update and delete (migration 20), so a decision never uses facts kept
/// in memory after they changed. A table added with a `child_id` column
/// and no triggers fails here.
#[tokio::test]
async fn every_table_about_a_child_bumps_its_version() {
    let (url, drop) = shared_database().await;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let db = store.connection();
    let backend = db.get_database_backend();
    let (tables_sql, triggers_sql) = match backend {
        DbBackend::Postgres => (
            "SELECT table_name AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = 'child_id'",
            "SELECT DISTINCT trigger_name AS name FROM information_schema.triggers \
             WHERE trigger_schema = 'public'",
        ),
        _ => (
            "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'child_id'",
            "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        ),
    };
    let names = |sql: &'static str| async move {
        db.query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("query")
            .iter()
            .map(|r| r.try_get::<String>("", "name").expect("name"))
            .collect::<BTreeSet<String>>()
    };
    let tables = names(tables_sql).await;
    let triggers = names(triggers_sql).await;
    assert!(tables.len() > 40, "{tables:?}");
    let missing: Vec<String> = tables
        .iter()
        // The trace (and, on PostgreSQL, its monthly partitions) is not a
        // fact a decision reads.
        .filter(|t| {
            !(t.as_str() == "access_trace"
                || t.starts_with("access_trace_")
                || t.as_str() == "child_facts_version")
        })
        .chain(std::iter::once(&"child".to_owned()))
        .flat_map(|t| ["insert", "update", "delete"].map(|e| format!("cfv_{t}_{e}")))
        .filter(|name| !triggers.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "tables without version triggers: {missing:?}"
    );
    // The trace is not a fact: appending never bumps a version.
    assert!(!triggers.contains("cfv_access_trace_insert"));
    drop_stores_then(vec![store], drop).await;
}

/// Two hub instances on one database: what one writes, the other's next
/// decision sees, though it keeps facts in memory; and while nothing
/// changes, a decision's facts cost one statement.
#[tokio::test]
async fn kept_facts_are_read_again_when_another_instance_changes_them() {
    let (url, drop) = shared_database().await;
    let hub = Store::connect(&url).await.expect("connect");
    hub.migrate().await.expect("migrate");
    let source = consent::AgreementSource::parse(consent::DEFAULT_AGREEMENT).expect("source");
    let agreement = consent::Agreement::from_source(0, &source).expect("agreement");
    hub.ensure_default_agreement(agreement, consent::DEFAULT_AGREEMENT)
        .await
        .expect("agreement");
    let other = Store::connect(&url).await.expect("connect again");

    let id = child(&other, None).await;
    let read = hub.facts(id).await.expect("facts");
    assert_eq!(read.agreement.version, 1);
    assert!(read.kept.is_none(), "first read from the database");
    assert!(read.child.expect("the child").state.grants.is_empty());

    // Nothing changed: one statement, the versions.
    let before = hub.statements();
    let mut again = hub.facts(id).await.expect("facts");
    assert!(again.child.is_some() && again.kept.is_some());
    assert_eq!(hub.statements() - before, 1);
    // Read again on purpose: what a miss costs, without the versions.
    let before = hub.statements();
    hub.read_facts_again(id, &mut again).await.expect("again");
    assert!(again.child.is_some() && again.kept.is_none());
    assert!(hub.statements() - before > 10);

    // The other instance records a grant: the next decision sees it.
    let g = grant(id);
    let tx = other.traced().await.expect("txn");
    tx.insert_grant(&g).await.expect("grant");
    tx.commit(vec![]).await.expect("commit");
    let facts = hub
        .facts(id)
        .await
        .expect("facts")
        .child
        .expect("the child");
    assert_eq!(facts.state.grants.len(), 1);
    assert!(facts.state.grants[0].withdrawal.is_none());

    // And its withdrawal.
    let tx = other.traced().await.expect("txn");
    tx.insert_withdrawal(
        id,
        g.id,
        &Withdrawal {
            id: Uuid::now_v7(),
            at: at(5),
            by_person_id: "parent-1".into(),
            capacity: GrantorCapacity::ParentalResponsibility,
            reason: None,
            capture: Capture::Digital,
        },
    )
    .await
    .expect("withdraw");
    tx.commit(vec![]).await.expect("commit");
    let facts = hub
        .facts(id)
        .await
        .expect("facts")
        .child
        .expect("the child");
    assert!(facts.state.grants[0].withdrawal.is_some());

    // A child that does not exist is absent, and is never kept (it would
    // be read again anyway: a hidden child and a missing one cost the same).
    let unknown = Uuid::now_v7();
    assert!(hub.facts(unknown).await.expect("facts").child.is_none());
    let again = hub.facts(unknown).await.expect("facts");
    assert!(again.child.is_none() && again.kept.is_none());

    // With the cache off, every decision reads every fact.
    let uncached = hub.clone().with_facts_cache(0);
    let before = uncached.statements();
    uncached.facts(id).await.expect("facts");
    assert!(uncached.statements() - before > 10);
    drop_stores_then(vec![hub, other], drop).await;
}

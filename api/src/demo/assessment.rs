//! Jayden's EHC needs assessment, with the advice asked for and given.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::{AgencyKind, Contribution, ContributionKind, Scope};
use uuid::Uuid;

use super::id::{CAMHS, EP, JAYDEN, SOCIAL_CARE, id};
use super::record::s;
use crate::error::Result;

#[allow(clippy::too_many_arguments)]
fn demo_contribution(
    n: u128,
    scope: Scope,
    agency: (Uuid, AgencyKind),
    author: &str,
    title: &str,
    needs: &str,
    provision: &str,
    at: DateTime<Utc>,
) -> Contribution {
    Contribution {
        id: id(0x800 + n),
        child_id: JAYDEN,
        scope,
        agency_id: agency.0,
        agency_kind: agency.1,
        author: author.to_owned(),
        kind: ContributionKind::Advice,
        title: title.to_owned(),
        needs: s(needs),
        outcomes: None,
        provision: s(provision),
        notes: None,
        supersedes: None,
        created_at: at,
        content: None,
    }
}

/// Jayden's EHC needs assessment, in progress: requested 15 weeks ago,
/// decided at week 5; the educational psychologist's advice from earlier this
/// year was reused (author and family agreed it still stands), social care
/// answered, and CAMHS's advice is overdue.
pub(super) async fn load_assessment(
    tx: &store::TracedTxn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    use domain::ehc::{
        AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEvent, AssessmentEventKind,
        weeks_after,
    };
    let requested = today - Duration::weeks(15);
    let at = |d: NaiveDate| d.and_hms_opt(10, 0, 0).map_or(now, |t| t.and_utc());
    let ep_advice = demo_contribution(
        1,
        Scope::Psychology,
        (EP, AgencyKind::Ep),
        "demo-ep",
        "Educational psychology advice",
        "Dyslexic profile; low self-esteem about learning; strengths in practical and visual tasks.",
        "Reader and extra time in exams; structured literacy programme three times a week; mentor check-ins.",
        at(today - Duration::weeks(20)),
    );
    let sc_advice = demo_contribution(
        2,
        Scope::SocialCare,
        (SOCIAL_CARE, AgencyKind::SocialCare),
        "demo-social-worker",
        "Social care advice for the EHC needs assessment",
        "Child in need plan; family under housing pressure.",
        "Continue the child in need plan; family support worker fortnightly; review at the next CIN meeting.",
        at(weeks_after(requested, 9)),
    );
    tx.insert_contribution(&ep_advice).await?;
    tx.insert_contribution(&sc_advice).await?;
    let assessment = Assessment {
        id: id(0x900),
        child_id: JAYDEN,
        request_received_on: requested,
        events: Vec::new(),
        advice: Vec::new(),
    };
    tx.insert_assessment(&assessment, "demo-case-officer", at(requested))
        .await?;
    let decided = AssessmentEvent {
        id: id(0x901),
        kind: AssessmentEventKind::DecidedToAssess,
        on: weeks_after(requested, 5),
        exception: None,
        note: None,
        advice_request_id: None,
        limit: None,
    };
    tx.insert_assessment_event(
        JAYDEN,
        assessment.id,
        &decided,
        "demo-case-officer",
        at(decided.on),
    )
    .await?;
    let asked = weeks_after(requested, 5);
    let request = |n: u128, agency: Uuid, scope: Scope, asked_on: NaiveDate| AdviceRequest {
        id: id(0x910 + n),
        agency_id: agency,
        scope,
        attachments: [Scope::SenNeeds, Scope::Education].into(),
        asked_on,
        due_on: weeks_after(asked_on, 6),
        answer: None,
        profession: None,
        target_on: None,
    };
    let to_ep = request(1, EP, Scope::Psychology, asked);
    let to_sc = request(2, SOCIAL_CARE, Scope::SocialCare, asked);
    let to_camhs = request(3, CAMHS, Scope::MentalHealth, weeks_after(requested, 6));
    for r in [&to_ep, &to_sc, &to_camhs] {
        tx.insert_advice_request(JAYDEN, assessment.id, r, "demo-case-officer")
            .await?;
    }
    // Reg 6(4): the psychologist confirmed with their own sign-in, and
    // Jayden's mother on the form the case officer recorded.
    let confirmed = asked + Duration::days(2);
    for (n, party, confirmed_by, capture) in [
        (
            0x921,
            domain::ehc::ReuseParty::Author,
            Some("demo-ep".to_owned()),
            consent::Capture::Digital,
        ),
        (
            0x922,
            domain::ehc::ReuseParty::Family,
            None,
            consent::Capture::Written {
                recorded_by: "demo-case-officer".into(),
                evidence: "Reuse form RF-0412, signed by Leanne Clarke".into(),
            },
        ),
    ] {
        tx.insert_reuse_confirmation(
            JAYDEN,
            &store::tell::ReuseConfirmation {
                id: id(n),
                request_id: to_ep.id,
                contribution_id: ep_advice.id,
                party,
                confirmed_by,
                capture,
                at: at(confirmed),
            },
        )
        .await?;
    }
    tx.insert_advice_answer(
        JAYDEN,
        to_ep.id,
        ep_advice.id,
        AdviceAnswerMode::Reused,
        true,
        true,
        asked + Duration::days(3),
        "demo-case-officer",
    )
    .await?;
    tx.insert_advice_answer(
        JAYDEN,
        to_sc.id,
        sc_advice.id,
        AdviceAnswerMode::Submitted,
        true,
        false,
        weeks_after(requested, 9),
        "demo-social-worker",
    )
    .await?;
    Ok(())
}

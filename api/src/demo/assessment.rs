//! Jayden's EHC needs assessment: requested 15 weeks ago, decided at week
//! 5; the educational psychologist's advice from earlier this year reused
//! (author and family agreed it still stands), social care on time,
//! CAMHS a week late; the draft plan issued 5 days ago and with the family
//! for their response.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::AgencyKind as K;
use domain::Scope;
use domain::ehc::{AdviceAnswerMode, Assessment, AssessmentEventKind as E, weeks_after};
use domain::plan::Plan;
use domain::template::Profession as P;

use super::advice::{Author, ask_and_answer, composed, event, family_views, free_text, request};
use super::id::{CAMHS, EP, JAYDEN, SOCIAL_CARE, id};
use crate::error::Result;

/// Jayden's assessment (and so his plan's id).
pub const JAYDEN_ASSESSMENT: uuid::Uuid = id(0x900);

/// The case officer's subject in the demo.
pub(super) const CASE_OFFICER: &str = "demo-case-officer";

pub(super) async fn load_assessment(
    store: &store::Store,
    tx: &store::TracedTxn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let requested = today - Duration::weeks(15);
    let at = |d: NaiveDate| d.and_hms_opt(10, 0, 0).map_or(now, |t| t.and_utc());
    let ep = Author {
        agency: (EP, K::Ep),
        scope: Scope::Psychology,
        subject: "demo-ep",
    };
    let sc = Author {
        agency: (SOCIAL_CARE, K::SocialCare),
        scope: Scope::SocialCare,
        subject: "demo-social-worker",
    };
    let camhs = Author {
        agency: (CAMHS, K::Camhs),
        scope: Scope::MentalHealth,
        subject: "demo-camhs",
    };
    let ep_advice = free_text(
        1,
        JAYDEN,
        &ep,
        "Educational psychology advice",
        (
            "Dyslexic profile; low self-esteem about learning; strengths in practical and visual tasks.",
            "Reader and extra time in exams; structured literacy programme three times a week; mentor check-ins.",
        ),
        at(today - Duration::weeks(20)),
    );
    let sc_advice = free_text(
        2,
        JAYDEN,
        &sc,
        "Social care advice for the EHC needs assessment",
        (
            "Child in need plan; family under housing pressure.",
            "Continue the child in need plan; family support worker fortnightly; review at the next CIN meeting.",
        ),
        at(weeks_after(requested, 9)),
    );
    let camhs_advice = free_text(
        3,
        JAYDEN,
        &camhs,
        "CAMHS advice for the EHC needs assessment",
        (
            "Low mood and difficulty regulating anger, worse at times of change; engages well one to one.",
            "Fortnightly CAMHS sessions for six months; a named adult in college and a quiet space when he needs it.",
        ),
        at(weeks_after(requested, 13)),
    );
    let mut a = Assessment {
        id: JAYDEN_ASSESSMENT,
        child_id: JAYDEN,
        request_received_on: requested,
        events: Vec::new(),
        advice: Vec::new(),
    };
    tx.insert_assessment(&a, CASE_OFFICER, at(requested))
        .await?;
    let decided = event(0x901, E::DecidedToAssess, weeks_after(requested, 5));
    tx.insert_assessment_event(JAYDEN, a.id, &decided, CASE_OFFICER, at(decided.on))
        .await?;
    let asked = weeks_after(requested, 5);
    let to_ep = request(
        0x911,
        EP,
        Scope::Psychology,
        Some(P::EducationalPsychology),
        asked,
    );
    let to_sc = request(
        0x912,
        SOCIAL_CARE,
        Scope::SocialCare,
        Some(P::SocialCare),
        asked,
    );
    let to_camhs = request(
        0x913,
        CAMHS,
        Scope::MentalHealth,
        Some(P::Camhs),
        weeks_after(requested, 6),
    );
    // Reg 6(4): the psychologist confirmed with their own sign-in, and
    // Jayden's mother on the form the case officer recorded.
    let confirmed = asked + Duration::days(2);
    tx.insert_contribution(&ep_advice).await?;
    tx.insert_advice_request(JAYDEN, a.id, &to_ep, CASE_OFFICER)
        .await?;
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
                recorded_by: CASE_OFFICER.into(),
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
        CASE_OFFICER,
    )
    .await?;
    let mut ep_answered = to_ep.clone();
    ep_answered.answer = Some(domain::ehc::AdviceAnswer {
        contribution_id: ep_advice.id,
        mode: AdviceAnswerMode::Reused,
        answered_on: asked + Duration::days(3),
    });
    a.advice.push(ep_answered);
    a.advice.extend(
        ask_and_answer(
            tx,
            JAYDEN,
            a.id,
            vec![
                (
                    to_sc,
                    &sc_advice,
                    AdviceAnswerMode::Submitted,
                    weeks_after(requested, 9),
                    "demo-social-worker",
                ),
                (
                    to_camhs,
                    &camhs_advice,
                    AdviceAnswerMode::Submitted,
                    weeks_after(requested, 13),
                    "demo-camhs",
                ),
            ],
        )
        .await?,
    );
    // Reg 6(1): what was not asked through the hub, and why.
    for (n, profession, reason) in [
        (
            0x931,
            P::SchoolSetting,
            "Educational advice from Northshire Academy's SENCO was received on paper at week 9 and is filed with the assessment papers; the academy is not yet connected to the hub.",
        ),
        (
            0x932,
            P::PaediatricHealth,
            "No health needs beyond those CAMHS advised on: the GP confirmed there is no paediatric involvement, and the designated clinical officer agreed no further health advice is needed.",
        ),
        (
            0x933,
            P::PreparingForAdulthood,
            "Jayden's careers adviser contributed to the social care advice on his college plans; the preparing-for-adulthood adviser agreed no separate advice is needed.",
        ),
    ] {
        let record = domain::checklist::NotRequired::new(
            id(n),
            &a,
            profession,
            reason,
            CASE_OFFICER,
            at(weeks_after(requested, 13)),
        )
        .map_err(|e| crate::error::Error::bad_input(e.field(), e.to_string()))?;
        tx.insert_advice_not_required(JAYDEN, &record).await?;
    }
    // The draft, composed from the advice, issued 5 days ago.
    let draft_on = today - Duration::days(5);
    let advice = [ep_advice, sc_advice, camhs_advice];
    let views = family_views(
        tx,
        JAYDEN,
        super::jayden::record(today).all_about_me,
        "demo-person-leanne-clarke",
        at(requested + Duration::weeks(1)),
    )
    .await?;
    let working = composed(store, &a, &advice, &views).await?;
    let draft = Plan {
        versions: vec![working],
    }
    .issue_draft(draft_on, today)?;
    let issued = event(0x902, E::DraftIssued, draft_on);
    tx.insert_assessment_event(JAYDEN, a.id, &issued, CASE_OFFICER, at(draft_on))
        .await?;
    tx.insert_plan_version(&draft, CASE_OFFICER, at(draft_on))
        .await?;
    Ok(())
}

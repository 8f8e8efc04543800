//! Amira's EHC plan, start to finish: requested 30 weeks ago, decided at
//! week 5; the educational psychologist's advice from before the request
//! reused under reg 6(4) with both confirmations; fresh structured advice
//! from her school's SENCO and her speech and language therapist, written
//! against the shipped templates; the draft at week 15 and the final plan,
//! naming Riverside Primary School in section I, at week 19.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::AgencyKind as K;
use domain::Scope;
use domain::ehc::{
    AdviceAnswerMode, Assessment, AssessmentEventKind as E, ReuseParty, weeks_after,
};
use domain::plan::{Placement, Plan};
use domain::template::Profession as P;

use super::advice::{
    Author, ask_and_answer, composed, event, family_views, free_text, provision, request,
    structured, text,
};
use super::assessment::CASE_OFFICER;
use super::id::{AMIRA, EP, SCHOOL, SLT, id};
use crate::error::Result;

/// The assessment that made Amira's plan (and so the plan's id).
pub const AMIRA_PLAN: uuid::Uuid = id(0x950);

pub(super) async fn load_plan(
    store: &store::Store,
    tx: &store::TracedTxn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let requested = today - Duration::weeks(30);
    let week = |n| weeks_after(requested, n);
    let at = |d: NaiveDate| d.and_hms_opt(11, 0, 0).map_or(now, |t| t.and_utc());
    let ep = Author {
        agency: (EP, K::Ep),
        scope: Scope::Psychology,
        subject: "demo-ep",
    };
    let senco = Author {
        agency: (SCHOOL, K::School),
        scope: Scope::Education,
        subject: "demo-senco",
    };
    let slt = Author {
        agency: (SLT, K::Slt),
        scope: Scope::Communication,
        subject: "demo-slt",
    };
    let ep_advice = free_text(
        11,
        AMIRA,
        &ep,
        "Educational psychology assessment (autism pathway)",
        (
            "Autistic profile: strong visual memory and reading; finds unstructured times, noise and changes of plan hard; anxiety shows as withdrawal rather than distress.",
            "Visual timetable and advance warning of changes; a named key adult; a quiet base to return to at break and lunch.",
        ),
        at(requested - Duration::weeks(10)),
    );
    let school_advice = structured(
        store,
        12,
        AMIRA,
        &senco,
        P::SchoolSetting,
        vec![
            text(
                "views",
                "Mira says she likes reading corner and Mrs Patel, and does not like the hall at lunchtime \"because everyone shouts\".",
            ),
            text(
                "strengths",
                "Reads well above age-related expectations; excellent recall of facts about horses and the solar system; kind to younger pupils.",
            ),
            text(
                "needs",
                "Social communication and interaction: finds group work and unstructured times hard; needs adult help to repair misunderstandings with peers. Writing is below expected because of the demands of planning and handwriting.",
            ),
            text(
                "outcomes",
                "By the end of Key Stage 2, Mira will take part in a group task for 20 minutes with one adult prompt, and plan and write a paragraph using a visual organiser.",
            ),
            provision(
                "provision",
                &[
                    [
                        "Key-adult support in class and at transitions",
                        "Teaching assistant trained in autism awareness",
                        "15 hours a week",
                        "Until the next annual review",
                    ],
                    [
                        "Social communication group",
                        "SENCO with a trained teaching assistant",
                        "Daily, 20 minutes",
                        "Two terms, then reviewed",
                    ],
                ],
            ),
        ],
        at(week(9)),
    )
    .await?;
    let slt_advice = structured(
        store,
        13,
        AMIRA,
        &slt,
        P::SpeechLanguageTherapy,
        vec![
            text(
                "needs",
                "Expressive language within the average range; difficulties with the social use of language (CELF-5 pragmatics profile below expected), with inference and with following multi-step instructions given to the whole class.",
            ),
            text(
                "outcomes",
                "Mira will ask for help or clarification in class, unprompted, at least twice a day, and follow a three-step instruction supported by a visual.",
            ),
            provision(
                "provision",
                &[
                    [
                        "Social communication programme (Talkabout)",
                        "Teaching assistant trained and supervised by the speech and language therapist",
                        "Three times a week, 30 minutes",
                        "One school year",
                    ],
                    [
                        "Review of progress and training for school staff",
                        "Speech and language therapist",
                        "Once a term",
                        "One school year",
                    ],
                ],
            ),
        ],
        at(week(10)),
    )
    .await?;
    let mut a = Assessment {
        id: AMIRA_PLAN,
        child_id: AMIRA,
        request_received_on: requested,
        events: Vec::new(),
        advice: Vec::new(),
    };
    tx.insert_assessment(&a, CASE_OFFICER, at(requested))
        .await?;
    let decided = event(0x951, E::DecidedToAssess, week(5));
    tx.insert_assessment_event(AMIRA, a.id, &decided, CASE_OFFICER, at(decided.on))
        .await?;
    let asked = week(5);
    let to_ep = request(
        0x961,
        EP,
        Scope::Psychology,
        Some(P::EducationalPsychology),
        asked,
    );
    // Reg 6(4): the psychologist and Amira's mother each confirmed the
    // earlier advice is still sufficient, with their own sign-in.
    tx.insert_contribution(&ep_advice).await?;
    tx.insert_advice_request(AMIRA, a.id, &to_ep, CASE_OFFICER)
        .await?;
    for (n, party, by) in [
        (0x971, ReuseParty::Author, "demo-ep"),
        (0x972, ReuseParty::Family, super::id::PARENT_PERSON),
    ] {
        tx.insert_reuse_confirmation(
            AMIRA,
            &store::tell::ReuseConfirmation {
                id: id(n),
                request_id: to_ep.id,
                contribution_id: ep_advice.id,
                party,
                confirmed_by: Some(by.to_owned()),
                capture: consent::Capture::Digital,
                at: at(asked + Duration::days(3)),
            },
        )
        .await?;
    }
    tx.insert_advice_answer(
        AMIRA,
        to_ep.id,
        ep_advice.id,
        AdviceAnswerMode::Reused,
        true,
        true,
        asked + Duration::days(4),
        CASE_OFFICER,
    )
    .await?;
    let mut ep_answered = to_ep.clone();
    ep_answered.answer = Some(domain::ehc::AdviceAnswer {
        contribution_id: ep_advice.id,
        mode: AdviceAnswerMode::Reused,
        answered_on: asked + Duration::days(4),
    });
    a.advice.push(ep_answered);
    a.advice.extend(
        ask_and_answer(
            tx,
            AMIRA,
            a.id,
            vec![
                (
                    request(
                        0x962,
                        SCHOOL,
                        Scope::Education,
                        Some(P::SchoolSetting),
                        asked,
                    ),
                    &school_advice,
                    AdviceAnswerMode::Submitted,
                    week(9),
                    "demo-senco",
                ),
                (
                    request(
                        0x963,
                        SLT,
                        Scope::Communication,
                        Some(P::SpeechLanguageTherapy),
                        asked,
                    ),
                    &slt_advice,
                    AdviceAnswerMode::Submitted,
                    week(10),
                    "demo-slt",
                ),
            ],
        )
        .await?,
    );
    // The draft at week 15; the final plan at week 19, naming the school.
    let advice = [ep_advice, school_advice, slt_advice];
    let views = family_views(
        tx,
        AMIRA,
        super::amira::record(today).all_about_me,
        super::id::PARENT_PERSON,
        at(requested + Duration::weeks(1)),
    )
    .await?;
    let working = composed(store, &a, &advice, &views).await?;
    let (draft_on, final_on) = (week(15), week(19));
    let draft = Plan {
        versions: vec![working],
    }
    .issue_draft(draft_on, today)?;
    let mut plan = Plan {
        versions: vec![draft.clone()],
    };
    let mut edit = plan.to_edit()?;
    edit.placement = Some(Placement::new(
        "Riverside Primary School",
        "mainstream primary school",
    )?);
    plan.versions.push(edit);
    let final_version = plan.issue_final(final_on, today)?;
    for (n, kind, on, v) in [
        (0x952, E::DraftIssued, draft_on, &draft),
        (0x953, E::FinalIssued, final_on, &final_version),
    ] {
        tx.insert_assessment_event(AMIRA, a.id, &event(n, kind, on), CASE_OFFICER, at(on))
            .await?;
        tx.insert_plan_version(v, CASE_OFFICER, at(on)).await?;
    }
    Ok(())
}

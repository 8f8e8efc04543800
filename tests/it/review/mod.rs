//! Annual reviews over HTTP: plans imported with their dates, each reg 20
//! step on its timer, the council's decision (amend, cease only on a s.45
//! ground), who sees the review dates, and the plan status on the record
//! derived from the facts.
//!
//! Every test fixes the hub's clock at [`TODAY`] (`Settings::fixed_now`).

/// A review held step by step: on time, then the decision and what follows.
mod cycle;
/// Plans made before the hub: imported with their dates, refused when a
/// plan is maintained or the dates are impossible.
mod import;
/// The plan status on the record follows the assessment.
mod status;
/// The family reads the review; an invited practitioner sees the meeting
/// date; one without a basis sees nothing.
mod who;

use serde_json::{Value, json};

use crate::fixtures::{Child, Persona};
use crate::helpers::*;

/// The hub's fixed "today".
pub const TODAY: &str = "2026-12-01";

/// A hub whose clock reads midday on [`TODAY`].
pub async fn hub() -> TestApp {
    let now = format!("{TODAY}T12:00:00Z").parse().expect("an instant");
    spawn_app_with(move |s| s.fixed_now = Some(now)).await
}

pub const CYCLE_FIELDS: &str = "id startsOn dueOn status meetingOn heldOn invitedAgencies \
    familyInvited decision ceaseGround concludedOn amendedPlanDueOn imported \
    steps { step label dueOn doneOn status }";

pub fn plan_fields() -> String {
    format!(
        "planId childId madeOn imported ceasedOn nextReviewDueOn summary \
         current {{ {CYCLE_FIELDS} }} concluded {{ {CYCLE_FIELDS} }} \
         phaseTransfer {{ kind fromPhase toPhase transferOn deadline derived amendedPlanIssuedOn status }}"
    )
}

pub fn import_plan() -> String {
    format!(
        "mutation($c: ID!, $made: Date!, $last: Date, $req: Date) {{ \
         importPlan(childId: $c, madeOn: $made, lastReviewConcludedOn: $last, requestReceivedOn: $req) \
         {{ {} }} }}",
        plan_fields()
    )
}

pub fn annual_reviews() -> String {
    format!(
        "query($c: ID!) {{ annualReviews(childId: $c) {{ {} }} }}",
        plan_fields()
    )
}

/// Imports a plan made on `made_on` for `child`; returns the plan view.
pub async fn imported(officer: &Persona<'_>, child: &Child, made_on: &str) -> Value {
    let answer = officer
        .graphql(
            &import_plan(),
            json!({ "c": child.id.to_string(), "made": made_on }),
        )
        .await;
    assert!(answer.codes().is_empty(), "{:?}", answer.body);
    answer.body["data"]["importPlan"].clone()
}

/// Runs a plan mutation as `officer`; the answer.
pub async fn mutate(officer: &Persona<'_>, field: &str, args: &str, vars: Value) -> Answer {
    let (decl, pass): (Vec<String>, Vec<String>) = args
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            let (name, ty) = a.split_once(':').expect("name: Type");
            (
                format!("${name}: {}", ty.trim()),
                format!("{name}: ${name}"),
            )
        })
        .unzip();
    let query = format!(
        "mutation({}) {{ {field}({}) {{ {} }} }}",
        decl.join(", "),
        pass.join(", "),
        plan_fields()
    );
    officer.graphql(&query, vars).await
}

/// The step `name` of a cycle view.
pub fn step<'a>(cycle: &'a Value, name: &str) -> &'a Value {
    cycle["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["step"] == name))
        .unwrap_or_else(|| panic!("no step {name} in {cycle}"))
}

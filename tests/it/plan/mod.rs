//! The EHC plan over HTTP: composed from reused and fresh advice and the
//! family's own words, every paragraph with its provenance; the draft, the
//! family's response, the placement and the final plan; who sees which
//! versions and sections; amendments as new versions; bad input refused.
//!
//! The hub's clock is fixed; to move time on, a later hub is started over
//! the same database (the hub is stateless), as in `tell::assessment`.

/// The journey from the request to the final plan, and who sees what.
mod journey;
/// The plan as HTML, PDF and JSON over `GET /plans/…`, and who gets what.
mod routes;

use chrono::{DateTime, Utc};
use domain::AgencyKind;
use serde_json::Value;
use uuid::Uuid;

use crate::fixtures::Agency;
use crate::helpers::*;

const fn plan_agency(n: u128) -> Uuid {
    Uuid::from_u128(0x91a0_0000_0000_4000_8000_0000_0000_0000 | n)
}
const SCHOOL: Uuid = plan_agency(1);
const SLT: Uuid = plan_agency(2);
const EP: Uuid = plan_agency(3);
const SOCIAL_CARE: Uuid = plan_agency(4);

/// The agencies of these tests (created on the first hub; the register
/// is in the database every later hub shares).
fn agency(id: Uuid) -> Agency {
    let (kind, name) = match id {
        SCHOOL => (AgencyKind::School, "Riverside Primary School"),
        SLT => (AgencyKind::Slt, "Northshire Speech and Language Therapy"),
        EP => (AgencyKind::Ep, "Northshire Educational Psychology Service"),
        _ => (AgencyKind::SocialCare, "Northshire Children's Social Care"),
    };
    Agency {
        id,
        name: name.to_owned(),
        kind,
    }
}

async fn register_agencies(app: &TestApp) {
    for id in [SCHOOL, SLT, EP, SOCIAL_CARE] {
        let a = agency(id);
        app.agency(a.kind).named(&a.name).with_id(id).create().await;
    }
}

/// A hub whose clock reads `now`, over a fresh database or `base`'s.
async fn hub_at(base: Option<&TestApp>, now: &str) -> TestApp {
    let now: DateTime<Utc> = now.parse().expect("an RFC 3339 instant");
    let url = base.map(|b| b.settings.database_url.clone());
    spawn_app_with(move |settings| {
        settings.fixed_now = Some(now);
        if let Some(url) = url {
            settings.database_url = url;
        }
    })
    .await
}

const PARAGRAPH: &str = "section text scope provision { what who howOften howLong }
  provenance { source editedFrom contributionId sectionKey allAboutMeVersion agencyId agencyName
  profession author writtenOn }";

fn version_fields() -> String {
    format!(
        "planId childId version kind status issuedOn
         sections {{ section title paragraphs {{ {PARAGRAPH} }} }}
         placement {{ name kind }}
         appendices {{ contributionId title agencyId agencyName profession scope dated reused }}
         withheld {{ section scope code reason }}"
    )
}

const RESPONSE: &str = "id planId version respondedOn withinTime comments { section text }
  requestedSetting { name kind reason } attachments { title text } wantsMeeting respondedBy";

fn ehc_plan() -> String {
    format!(
        "query($c: ID!) {{ ehcPlan(childId: $c) {{ planId childId latest {{ {v} }} versions {{ {v} }}
           responses {{ {RESPONSE} }} }} }}",
        v = version_fields()
    )
}

fn ehc_plan_version() -> String {
    format!(
        "query($a: ID!, $n: Int!) {{ ehcPlanVersion(assessmentId: $a, version: $n) {{ {} }} }}",
        version_fields()
    )
}

fn prepare() -> String {
    format!(
        "mutation($a: ID!) {{ preparePlan(assessmentId: $a) {{ {} }} }}",
        version_fields()
    )
}

fn edit() -> String {
    format!(
        "mutation($a: ID!, $s: PlanSection!, $p: [PlanParagraphInput!]!) {{
           editPlanSection(assessmentId: $a, section: $s, paragraphs: $p) {{ {} }} }}",
        version_fields()
    )
}

fn set_placement() -> String {
    format!(
        "mutation($a: ID!, $name: String!, $kind: String!) {{
           setPlacement(assessmentId: $a, name: $name, kind: $kind) {{ {} }} }}",
        version_fields()
    )
}

fn respond() -> String {
    format!(
        "mutation($a: ID!, $comments: [PlanCommentInput!], $setting: RequestedSettingInput,
                  $attachments: [PlanAttachmentInput!], $meeting: Boolean) {{
           respondToDraft(assessmentId: $a, comments: $comments, requestedSetting: $setting,
                          attachments: $attachments, wantsMeeting: $meeting) {{ {RESPONSE} }} }}"
    )
}

fn amendment(field: &str, on: bool) -> String {
    let args = if on { ", on: $on" } else { "" };
    let vars = if on { ", $on: Date!" } else { "" };
    format!(
        "mutation($a: ID!{vars}) {{ {field}(assessmentId: $a{args}) {{ {} }} }}",
        version_fields()
    )
}

const STEP_FIELDS: &str = "id milestones { milestone doneOn status }";

fn step(field: &str) -> String {
    format!(
        "mutation($a: ID!, $on: Date!) {{ {field}(assessmentId: $a, on: $on) {{ {STEP_FIELDS} }} }}"
    )
}

/// `data.<field>` of an answer that must have succeeded.
fn ok(answer: &Answer, field: &str) -> Value {
    assert!(
        answer.body["errors"].is_null(),
        "{field} should succeed: {answer:?}"
    );
    let value = answer.body["data"][field].clone();
    assert!(!value.is_null(), "{field} is null: {answer:?}");
    value
}

/// Asserts a BAD_USER_INPUT naming `input_field`.
fn bad_input(answer: &Answer, input_field: &str) {
    assert_eq!(answer.codes(), vec!["BAD_USER_INPUT"], "{answer:?}");
    assert_eq!(
        answer.body["errors"][0]["extensions"]["field"], input_field,
        "{answer:?}"
    );
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// The paragraphs of one section of a version view.
fn section<'a>(version: &'a Value, name: &str) -> &'a Vec<Value> {
    version["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["section"] == name))
        .and_then(|s| s["paragraphs"].as_array())
        .unwrap_or_else(|| panic!("no section {name} in {version}"))
}

/// The sections listed as withheld in a version view.
fn withheld(version: &Value) -> Vec<String> {
    version["withheld"]
        .as_array()
        .expect("withheld")
        .iter()
        .map(|w| w["section"].as_str().unwrap_or_default().to_owned())
        .collect()
}

//! `GET /provider/requests/{id}`: one advice request in full, the child's
//! record as the practitioner's basis allows for the EHC needs assessment
//! (sections shown, sections withheld with the reason in words), and the
//! advice once it is sent.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PURPOSE, one_request, request_id};
use crate::http::state::AppState;
use crate::web::gql;
use crate::web::session::Visitor;
use crate::web::view::{PageError, page};

/// The record as the door shows it, every section asked for: what the
/// practitioner may not see comes back null with its error, and `access`
/// says why.
const RECORD: &str = "query($id: ID!) { child(id: $id) {
  access { scope label allowed basis explanation }
  identity { givenName familyName preferredName dateOfBirth nhsNumber upn addressLine town
    postcode homeLanguage communicationNeeds }
  family { fullName relationship parentalResponsibility contactPreference phone email }
  allAboutMe { whatMatters howToSupport aspirations history }
  education { settingName settingPhase yearGroup senSupportPlan attendancePercent
    attainmentSummary suspensionsThisYear permanentlyExcluded }
  senNeeds { provision ehcPlanStatus ehcPlanIssuedOn needs { label rank } outcomes
    specialEducationalProvision }
  psychology { assessedOn assessmentSummary advice }
  physicalHealth { conditions { name detail } medicines { name detail } allergies { name detail }
    gpPractice healthCarePlan healthProvision }
  communication { profile sltAdvice targets aac }
  sensoryPhysical { otSummary physioSummary hearing vision equipment }
  mentalHealth { camhsStatus referredOn involvementSummary }
  socialCare { needs familySupport shortBreaks provision }
  preparingForAdulthood { employment independentLiving community health }
} }";

/// The agency's own advice answering the request.
const ADVICE: &str = "query($r: ID!) { adviceAnswer(requestId: $r) { id title createdAt
  needs outcomes provision notes content { templateVersion sections { key title feedsTitle text
    provision { what who howOften howLong } } } } }";

/// How a value is shown.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Date,
    /// A code of the API, in words.
    Code,
    YesNo,
    Number,
    Percent,
    /// `[{ label }]`.
    Labels,
    /// `[{ name, detail }]`.
    Items,
}

/// A section of the record: the API's field, the scope whose access
/// explains it, the heading and its fields.
struct SectionDef {
    field: &'static str,
    scope: &'static str,
    heading: &'static str,
    fields: &'static [(&'static str, &'static str, Kind)],
}

const SECTIONS: &[SectionDef] = &[
    SectionDef {
        field: "identity",
        scope: "IDENTITY",
        heading: "Who the child is",
        fields: &[
            ("givenName", "Given name", Kind::Text),
            ("familyName", "Family name", Kind::Text),
            ("preferredName", "Preferred name", Kind::Text),
            ("dateOfBirth", "Date of birth", Kind::Date),
            ("nhsNumber", "NHS number", Kind::Text),
            ("upn", "Unique pupil number", Kind::Text),
            ("addressLine", "Address", Kind::Text),
            ("town", "Town", Kind::Text),
            ("postcode", "Postcode", Kind::Text),
            ("homeLanguage", "Home language", Kind::Text),
            ("communicationNeeds", "Communication needs", Kind::Text),
        ],
    },
    SectionDef {
        field: "allAboutMe",
        scope: "ALL_ABOUT_ME",
        heading: "All about me (the family's own words)",
        fields: &[
            ("whatMatters", "What matters to me", Kind::Text),
            ("howToSupport", "How best to support me", Kind::Text),
            ("aspirations", "My hopes for the future", Kind::Text),
            ("history", "My story so far", Kind::Text),
        ],
    },
    SectionDef {
        field: "education",
        scope: "EDUCATION",
        heading: "School and learning",
        fields: &[
            ("settingName", "School or setting", Kind::Text),
            ("settingPhase", "Phase", Kind::Code),
            ("yearGroup", "Year group", Kind::Text),
            ("senSupportPlan", "SEN support plan", Kind::Text),
            ("attendancePercent", "Attendance", Kind::Percent),
            ("attainmentSummary", "Attainment", Kind::Text),
            ("suspensionsThisYear", "Suspensions this year", Kind::Number),
            ("permanentlyExcluded", "Permanently excluded", Kind::YesNo),
        ],
    },
    SectionDef {
        field: "senNeeds",
        scope: "SEN_NEEDS",
        heading: "Special educational needs",
        fields: &[
            ("provision", "Support", Kind::Code),
            ("ehcPlanStatus", "EHC plan", Kind::Code),
            ("ehcPlanIssuedOn", "Plan issued on", Kind::Date),
            ("needs", "Needs, in order", Kind::Labels),
            ("outcomes", "Outcomes", Kind::Text),
            (
                "specialEducationalProvision",
                "Special educational provision",
                Kind::Text,
            ),
        ],
    },
    SectionDef {
        field: "psychology",
        scope: "PSYCHOLOGY",
        heading: "Educational psychology",
        fields: &[
            ("assessedOn", "Assessed on", Kind::Date),
            ("assessmentSummary", "Assessment", Kind::Text),
            ("advice", "Advice", Kind::Text),
        ],
    },
    SectionDef {
        field: "physicalHealth",
        scope: "PHYSICAL_HEALTH",
        heading: "Physical health",
        fields: &[
            ("conditions", "Conditions", Kind::Items),
            ("medicines", "Medicines", Kind::Items),
            ("allergies", "Allergies", Kind::Items),
            ("gpPractice", "GP practice", Kind::Text),
            ("healthCarePlan", "Health care plan", Kind::YesNo),
            ("healthProvision", "Health provision", Kind::Text),
        ],
    },
    SectionDef {
        field: "communication",
        scope: "COMMUNICATION",
        heading: "Speech, language and communication",
        fields: &[
            ("profile", "Profile", Kind::Text),
            (
                "sltAdvice",
                "Speech and language therapy advice",
                Kind::Text,
            ),
            ("targets", "Targets", Kind::Text),
            ("aac", "Communication aids", Kind::Text),
        ],
    },
    SectionDef {
        field: "sensoryPhysical",
        scope: "SENSORY_PHYSICAL",
        heading: "Movement, senses and daily living",
        fields: &[
            ("otSummary", "Occupational therapy", Kind::Text),
            ("physioSummary", "Physiotherapy", Kind::Text),
            ("hearing", "Hearing", Kind::Text),
            ("vision", "Vision", Kind::Text),
            ("equipment", "Equipment", Kind::Text),
        ],
    },
    SectionDef {
        field: "mentalHealth",
        scope: "MENTAL_HEALTH",
        heading: "Wellbeing and mental health",
        fields: &[
            ("camhsStatus", "CAMHS", Kind::Code),
            ("referredOn", "Referred on", Kind::Date),
            ("involvementSummary", "Involvement", Kind::Text),
        ],
    },
    SectionDef {
        field: "socialCare",
        scope: "SOCIAL_CARE",
        heading: "Family support and social care",
        fields: &[
            ("needs", "Needs", Kind::Text),
            ("familySupport", "Family support", Kind::Text),
            ("shortBreaks", "Short breaks", Kind::Text),
            ("provision", "Provision", Kind::Text),
        ],
    },
    SectionDef {
        field: "preparingForAdulthood",
        scope: "PREPARING_FOR_ADULTHOOD",
        heading: "Preparing for adulthood",
        fields: &[
            ("employment", "Employment", Kind::Text),
            ("independentLiving", "Independent living", Kind::Text),
            ("community", "Community", Kind::Text),
            ("health", "Health", Kind::Text),
        ],
    },
];

/// A code in words: `SEN_SUPPORT` → "Sen support".
fn code_words(code: &str) -> String {
    let lower = code.to_ascii_lowercase().replace('_', " ");
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// A value as text, or none when there is nothing to show.
fn shown(v: &Value, kind: Kind) -> Option<String> {
    let text = match (kind, v) {
        (_, Value::Null) => return None,
        (Kind::Text, Value::String(s)) => s.clone(),
        (Kind::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_or_else(|_| s.clone(), crate::web::view::long_date),
        (Kind::Code, Value::String(s)) => code_words(s),
        (Kind::YesNo, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_owned(),
        (Kind::Number, Value::Number(n)) => n.to_string(),
        (Kind::Percent, Value::Number(n)) => format!("{n}%"),
        (Kind::Labels, Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.get("label").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; "),
        (Kind::Items, Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                let name = i.get("name").and_then(Value::as_str)?;
                Some(match i.get("detail").and_then(Value::as_str) {
                    Some(d) => format!("{name} ({d})"),
                    None => name.to_owned(),
                })
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Words for a basis.
fn basis_words(basis: &str) -> &'static str {
    match basis {
        "CONSENT" => "Shared with the family's agreement",
        "SAFEGUARDING" => "Shared for safeguarding",
        "PUBLIC_TASK" => "Shared because the law requires it",
        "FAMILY" => "The family's own record",
        "OWN_CONTRIBUTION" => "What your service added",
        _ => "Shared",
    }
}

/// The record's sections the door showed, each with its rows and why it
/// is shown; and the scopes withheld, with why.
fn record_view(child: &Value) -> (Vec<Value>, Vec<Value>) {
    let access: Vec<&Value> = child
        .get("access")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let access_of = |scope: &str| {
        access
            .iter()
            .find(|a| a.get("scope").and_then(Value::as_str) == Some(scope))
    };
    let mut sections = Vec::new();
    for def in SECTIONS {
        let Some(data) = child.get(def.field).filter(|d| d.is_object()) else {
            continue;
        };
        let rows: Vec<Value> = def
            .fields
            .iter()
            .filter_map(|(field, label, kind)| {
                let value = shown(data.get(*field)?, *kind)?;
                Some(json!({ "label": label, "value": value }))
            })
            .collect();
        let why = access_of(def.scope)
            .and_then(|a| a.get("basis").and_then(Value::as_str))
            .map(basis_words);
        sections.push(json!({ "heading": def.heading, "rows": rows, "why": why }));
    }
    let family: Vec<Value> = child
        .get("family")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
            let mut value = code_words(text("relationship"));
            if m.get("parentalResponsibility").and_then(Value::as_bool) == Some(true) {
                value.push_str(", has parental responsibility");
            }
            json!({ "label": text("fullName"), "value": value })
        })
        .collect();
    if !family.is_empty() {
        let why = access_of("FAMILY")
            .and_then(|a| a.get("basis").and_then(Value::as_str))
            .map(basis_words);
        // After who the child is, if that is shown at all.
        sections.insert(
            sections.len().min(1),
            json!({ "heading": "Family and carers", "rows": family, "why": why }),
        );
    }
    let withheld = access
        .iter()
        .filter(|a| a.get("allowed").and_then(Value::as_bool) == Some(false))
        .map(|a| {
            json!({
                "label": a.get("label"),
                "explanation": a.get("explanation"),
            })
        })
        .collect();
    (sections, withheld)
}

#[derive(Debug, Deserialize)]
pub(super) struct Shown {
    sent: Option<String>,
    /// Why the record is looked at: `ehc-assessment` (the default) or
    /// `direct-support` (the agency works with the child).
    purpose: Option<String>,
}

/// The purpose a page's `purpose` parameter names.
fn purpose_of(raw: Option<&str>) -> Result<consent::Purpose, PageError> {
    match raw {
        None | Some("ehc-assessment") => Ok(consent::Purpose::EhcAssessment),
        Some("direct-support") => Ok(consent::Purpose::DirectSupport),
        Some(_) => Err(PageError::BadRequest(
            "Choose why you are looking at the record: for the EHC needs assessment, or to support the child directly.".to_owned(),
        )),
    }
}

/// `GET /provider/requests/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(shown_as): Query<Shown>,
) -> Result<Response, PageError> {
    let visitor = visitor.practitioner()?;
    let id = request_id(&id)?;
    let purpose = purpose_of(shown_as.purpose.as_deref())?;
    let request = one_request(&state, &visitor, id).await?;
    let child_id = request
        .get("childId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let answer = gql::run(
        &state,
        &visitor,
        Some(purpose),
        RECORD,
        json!({ "id": child_id }),
    )
    .await?;
    // A child of whom nothing may be seen is no error here: the request
    // is the agency's; the record simply shows nothing.
    let child = answer
        .data
        .get("child")
        .cloned()
        .filter(|c| c.is_object())
        .unwrap_or(Value::Null);
    let (sections, withheld) = record_view(&child);
    let name = child
        .get("identity")
        .filter(|i| i.is_object())
        .map(crate::web::family::child_name)
        .filter(|n| !n.is_empty());
    let advice = if request["answered"] == true {
        let answer = gql::run(&state, &visitor, PURPOSE, ADVICE, json!({ "r": id })).await?;
        answer
            .data
            .get("adviceAnswer")
            .cloned()
            .filter(Value::is_object)
    } else {
        None
    };
    page(
        &visitor,
        "provider/request.html",
        context! {
            nav => "requests",
            request => request,
            child_name => name,
            sections => sections,
            withheld => withheld,
            seen => child.is_object(),
            advice => advice,
            sent => shown_as.sent.is_some(),
            direct_support => purpose == consent::Purpose::DirectSupport,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purpose_is_one_of_two_or_refused() {
        assert_eq!(purpose_of(None), Ok(consent::Purpose::EhcAssessment));
        assert_eq!(
            purpose_of(Some("direct-support")),
            Ok(consent::Purpose::DirectSupport)
        );
        assert!(matches!(
            purpose_of(Some("SAFEGUARDING")),
            Err(PageError::BadRequest(_))
        ));
    }

    #[test]
    fn sections_show_what_the_door_gave_and_list_what_it_withheld() {
        let child = json!({
            "access": [
                { "scope": "IDENTITY", "label": "Who I am", "allowed": true, "basis": "PUBLIC_TASK", "explanation": "x" },
                { "scope": "MENTAL_HEALTH", "label": "Wellbeing", "allowed": false, "basis": null, "explanation": "Ask the family" },
            ],
            "identity": { "givenName": "Sam", "familyName": "Lee", "dateOfBirth": "2017-03-04", "nhsNumber": null },
            "mentalHealth": null,
            "senNeeds": { "provision": "SEN_SUPPORT", "needs": [{ "label": "Speech, language and communication needs" }] },
        });
        let (sections, withheld) = record_view(&child);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0]["why"], "Shared because the law requires it");
        let rows = sections[0]["rows"].as_array().expect("rows");
        assert!(
            rows.iter().any(|r| r["value"] == "4 March 2017"),
            "{rows:?}"
        );
        assert!(!rows.iter().any(|r| r["label"] == "NHS number"));
        assert_eq!(sections[1]["rows"][0]["value"], "Sen support");
        assert_eq!(withheld.len(), 1);
        assert_eq!(withheld[0]["explanation"], "Ask the family");
    }
}

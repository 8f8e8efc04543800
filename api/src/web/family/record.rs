//! `GET /family/children/{id}/record`: the child's record, section by
//! section, in the family's words, each contribution with the agency that
//! added it and when. A section the family may not see says so, and why
//! (the door's own explanation), never with a code.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};

use super::child_name;
use crate::http::state::AppState;
use crate::web::gql;
use crate::web::session::Visitor;
use crate::web::view::{PageError, long_date, page};

/// A child id from the path: anything but a UUID is the same "not found"
/// as a child the visitor may not see.
pub fn child_id(raw: &str) -> Result<uuid::Uuid, PageError> {
    uuid::Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

/// The child's name for the sub-navigation, asked as the visitor.
pub async fn name_of(
    state: &AppState,
    visitor: &Visitor,
    id: uuid::Uuid,
) -> Result<String, PageError> {
    const NAME: &str =
        "query($id: ID!) { child(id: $id) { id identity { givenName familyName preferredName } } }";
    let answer = gql::run(state, visitor, None, NAME, json!({ "id": id })).await?;
    let child = answer.root("child")?;
    Ok(name_or_default(child.get("identity")))
}

/// The name, or plain words when who the child is may not be shown.
pub fn name_or_default(identity: Option<&Value>) -> String {
    match identity {
        Some(i) if !i.is_null() => child_name(i),
        _ => "Your child".to_owned(),
    }
}

const RECORD: &str = r#"query($id: ID!) { child(id: $id) {
  id
  access { scope label allowed explanation }
  identity { givenName familyName preferredName dateOfBirth nhsNumber upn addressLine town postcode homeLanguage communicationNeeds }
  family { fullName relationship parentalResponsibility contactPreference phone email mainContact }
  allAboutMe { whatMatters howToSupport aspirations history }
  education { settingName settingPhase yearGroup senSupportPlan attendancePercent attainmentSummary suspensionsThisYear permanentlyExcluded }
  senNeeds { provision ehcPlanStatus ehcPlanIssuedOn needs { label rank } outcomes specialEducationalProvision }
  psychology { assessedOn assessmentSummary advice }
  physicalHealth { conditions { name detail } medicines { name detail } allergies { name detail } gpPractice healthCarePlan healthProvision }
  communication { profile sltAdvice targets aac }
  sensoryPhysical { otSummary physioSummary hearing vision equipment }
  mentalHealth { camhsStatus referredOn involvementSummary }
  socialCare { needs familySupport shortBreaks provision }
  preparingForAdulthood { employment independentLiving community health }
  contributions { scope agencyName kind title needs outcomes provision notes createdAt }
  involvements { agencyName agencyKind practitionerName roleTitle since until }
} }"#;

/// The record's sections, in the order a family reads them: (scope, the
/// field of `ChildRecord` that holds it).
const SECTIONS: &[(&str, &str)] = &[
    ("IDENTITY", "identity"),
    ("FAMILY", "family"),
    ("ALL_ABOUT_ME", "allAboutMe"),
    ("EDUCATION", "education"),
    ("SEN_NEEDS", "senNeeds"),
    ("PSYCHOLOGY", "psychology"),
    ("PHYSICAL_HEALTH", "physicalHealth"),
    ("COMMUNICATION", "communication"),
    ("SENSORY_PHYSICAL", "sensoryPhysical"),
    ("MENTAL_HEALTH", "mentalHealth"),
    ("SOCIAL_CARE", "socialCare"),
    ("PREPARING_FOR_ADULTHOOD", "preparingForAdulthood"),
    ("RESTRICTED", "restricted"),
];

/// The words for an enum value the record holds.
fn words(code: &str) -> &'static str {
    match code {
        "EARLY_YEARS" => "Early years",
        "PRIMARY" => "Primary school",
        "SECONDARY" => "Secondary school",
        "SPECIAL" => "Special school",
        "POST_16" => "College or sixth form",
        "NOT_IN_EDUCATION" => "Not in education",
        "EHC_PLAN" => "An EHC plan",
        "SEN_SUPPORT" => "SEN support from the school",
        "NONE" => "None",
        "NO_PLAN" => "No EHC plan",
        "ASSESSMENT_REQUESTED" => "An EHC needs assessment has been asked for",
        "ASSESSING" => "The council is assessing",
        "DRAFT_ISSUED" => "A draft EHC plan has been sent",
        "FINAL" => "EHC plan in place",
        "CEASED" => "The EHC plan has ended",
        "NOT_REFERRED" => "Not referred",
        "WAITING" => "Waiting to be seen",
        "OPEN" => "Being seen now",
        "DISCHARGED" => "Finished with the service",
        "MOTHER" => "Mother",
        "FATHER" => "Father",
        "STEP_PARENT" => "Step-parent",
        "GRANDPARENT" => "Grandparent",
        "SPECIAL_GUARDIAN" => "Special guardian",
        "ADOPTIVE_PARENT" => "Adoptive parent",
        "FOSTER_CARER" => "Foster carer",
        "LOCAL_AUTHORITY" => "The council",
        "DEPUTY" => "Deputy",
        "EMAIL" => "Email",
        "PHONE" => "Phone call",
        "TEXT" => "Text message",
        "POST" => "Letter",
        "INTERPRETER" => "Through an interpreter",
        "ADVICE" => "Advice",
        "ASSESSMENT" => "Assessment",
        "UPDATE" => "Update",
        _ => "Other",
    }
}

/// How a kind of service reads to a family.
fn service_words(kind: &str) -> &'static str {
    kind.parse::<domain::AgencyKind>()
        .map_or("Service", domain::AgencyKind::label)
}

/// Which scope an involvement belongs to (the service's own scope).
fn involvement_scope(kind: &str) -> &'static str {
    kind.parse::<domain::AgencyKind>()
        .map_or("", |k| k.involvement_scope().code())
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn date_text(v: &Value, key: &str) -> Option<String> {
    let s = v.get(key)?.as_str()?;
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(long_date)
}

fn yes_no(v: &Value, key: &str) -> Option<String> {
    v.get(key)?
        .as_bool()
        .map(|b| if b { "Yes" } else { "No" }.to_owned())
}

fn code_words(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(|c| words(c).to_owned())
}

fn items(v: &Value, key: &str) -> Option<String> {
    let list: Vec<String> = v
        .get(key)?
        .as_array()?
        .iter()
        .filter_map(|i| {
            let name = i.get("name")?.as_str()?;
            Some(match i.get("detail").and_then(Value::as_str) {
                Some(d) if !d.is_empty() => format!("{name} ({d})"),
                _ => name.to_owned(),
            })
        })
        .collect();
    (!list.is_empty()).then(|| list.join("; "))
}

type Row = (&'static str, Option<String>);

/// A section's rows: (question, answer) in words; empty answers left out.
fn rows(scope: &str, v: &Value) -> Vec<Value> {
    let rows: Vec<Row> = match scope {
        "IDENTITY" => vec![
            ("Name", text(v, "givenName").map(|_| child_name(v))),
            ("Date of birth", date_text(v, "dateOfBirth")),
            ("NHS number", text(v, "nhsNumber")),
            ("Unique pupil number", text(v, "upn")),
            (
                "Address",
                text(v, "addressLine").map(|a| {
                    [Some(a), text(v, "town"), text(v, "postcode")]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
            ),
            ("Languages at home", text(v, "homeLanguage")),
            ("How they communicate", text(v, "communicationNeeds")),
        ],
        "ALL_ABOUT_ME" => vec![
            ("What matters to me", text(v, "whatMatters")),
            ("How best to support me", text(v, "howToSupport")),
            ("My hopes for the future", text(v, "aspirations")),
            ("My story so far", text(v, "history")),
        ],
        "EDUCATION" => vec![
            ("School or college", text(v, "settingName")),
            ("Kind of setting", code_words(v, "settingPhase")),
            ("Year group", text(v, "yearGroup")),
            ("SEN support plan", text(v, "senSupportPlan")),
            (
                "Attendance",
                text(v, "attendancePercent").map(|p| format!("{p}%")),
            ),
            ("How they are doing", text(v, "attainmentSummary")),
            (
                "Suspensions this school year",
                text(v, "suspensionsThisYear"),
            ),
            ("Permanently excluded", yes_no(v, "permanentlyExcluded")),
        ],
        "SEN_NEEDS" => vec![
            ("Support", code_words(v, "provision")),
            ("EHC plan", code_words(v, "ehcPlanStatus")),
            ("EHC plan issued on", date_text(v, "ehcPlanIssuedOn")),
            (
                "Needs",
                v.get("needs").and_then(Value::as_array).and_then(|n| {
                    let labels: Vec<&str> = n
                        .iter()
                        .filter_map(|x| x.get("label").and_then(Value::as_str))
                        .collect();
                    (!labels.is_empty()).then(|| labels.join("; "))
                }),
            ),
            ("Outcomes", text(v, "outcomes")),
            (
                "Special educational provision",
                text(v, "specialEducationalProvision"),
            ),
        ],
        "PSYCHOLOGY" => vec![
            ("Assessed on", date_text(v, "assessedOn")),
            ("What the assessment found", text(v, "assessmentSummary")),
            ("Advice", text(v, "advice")),
        ],
        "PHYSICAL_HEALTH" => vec![
            ("Conditions", items(v, "conditions")),
            ("Medicines", items(v, "medicines")),
            ("Allergies", items(v, "allergies")),
            ("GP practice", text(v, "gpPractice")),
            ("Health care plan", yes_no(v, "healthCarePlan")),
            ("Health provision", text(v, "healthProvision")),
        ],
        "COMMUNICATION" => vec![
            ("Communication", text(v, "profile")),
            ("Speech and language therapy advice", text(v, "sltAdvice")),
            ("Targets", text(v, "targets")),
            ("Communication aids", text(v, "aac")),
        ],
        "SENSORY_PHYSICAL" => vec![
            ("Occupational therapy", text(v, "otSummary")),
            ("Physiotherapy", text(v, "physioSummary")),
            ("Hearing", text(v, "hearing")),
            ("Vision", text(v, "vision")),
            ("Equipment", text(v, "equipment")),
        ],
        "MENTAL_HEALTH" => vec![
            ("Mental health service", code_words(v, "camhsStatus")),
            ("Referred on", date_text(v, "referredOn")),
            ("Summary", text(v, "involvementSummary")),
        ],
        "SOCIAL_CARE" => vec![
            ("Needs", text(v, "needs")),
            ("Family support", text(v, "familySupport")),
            ("Short breaks", text(v, "shortBreaks")),
            ("Provision", text(v, "provision")),
        ],
        "PREPARING_FOR_ADULTHOOD" => vec![
            ("Work", text(v, "employment")),
            ("Living independently", text(v, "independentLiving")),
            ("Friends and community", text(v, "community")),
            ("Health as an adult", text(v, "health")),
        ],
        _ => Vec::new(),
    };
    rows.into_iter()
        .filter_map(|(k, v)| v.map(|v| json!({ "key": k, "value": v })))
        .collect()
}

/// The family section's rows: one per person.
fn family_rows(v: &Value) -> Vec<Value> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut about = vec![code_words(m, "relationship").unwrap_or_default()];
            if m.get("parentalResponsibility").and_then(Value::as_bool) == Some(true) {
                about.push("has parental responsibility".to_owned());
            }
            if m.get("mainContact").and_then(Value::as_bool) == Some(true) {
                about.push("main contact".to_owned());
            }
            if let Some(p) = code_words(m, "contactPreference") {
                about.push(format!("prefers: {}", p.to_lowercase()));
            }
            json!({
                "key": text(m, "fullName").unwrap_or_default(),
                "value": about.join(", "),
            })
        })
        .collect()
}

/// A contribution as the family reads it, with where it came from.
fn contribution(c: &Value) -> Value {
    let parts: Vec<Value> = [
        ("Needs", "needs"),
        ("Outcomes", "outcomes"),
        ("Provision", "provision"),
        ("Notes", "notes"),
    ]
    .iter()
    .filter_map(|(k, f)| text(c, f).map(|v| json!({ "key": k, "value": v })))
    .collect();
    json!({
        "title": text(c, "title").unwrap_or_default(),
        "kind": code_words(c, "kind").unwrap_or_default(),
        "agency": text(c, "agencyName").unwrap_or_else(|| "An agency that has left the hub".to_owned()),
        "at": c.get("createdAt"),
        "parts": parts,
    })
}

/// An involvement as the family reads it.
fn involvement(i: &Value) -> Value {
    let kind = i.get("agencyKind").and_then(Value::as_str).unwrap_or("");
    let who = [text(i, "practitionerName"), text(i, "roleTitle")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    json!({
        "agency": text(i, "agencyName").unwrap_or_default(),
        "service": service_words(kind),
        "who": who,
        "since": i.get("since"),
        "until": i.get("until"),
    })
}

/// The page's sections from the answer.
fn sections(child: &Value) -> Vec<Value> {
    let access: Vec<&Value> = child
        .get("access")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let of = |scope: &str| {
        access
            .iter()
            .find(|a| a.get("scope").and_then(Value::as_str) == Some(scope))
    };
    let list = |key: &str| -> Vec<&Value> {
        child
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect()
    };
    let contributions = list("contributions");
    let involvements = list("involvements");
    SECTIONS
        .iter()
        .enumerate()
        .filter_map(|(n, (scope, field))| {
            let a = of(scope)?;
            let allowed = a.get("allowed").and_then(Value::as_bool) == Some(true);
            let value = child.get(*field).filter(|v| !v.is_null());
            let heading = a.get("label").and_then(Value::as_str).unwrap_or_default();
            let explanation = a
                .get("explanation")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut rows = match (*scope, value) {
                (_, None) => Vec::new(),
                ("FAMILY", Some(v)) => family_rows(v),
                (_, Some(v)) => rows(scope, v),
            };
            if *scope == "IDENTITY" && allowed {
                // The NHS number, UPN and address have scopes of their own.
                for (s, key) in [
                    ("NHS_NUMBER", "NHS number"),
                    ("PUPIL_NUMBER", "Unique pupil number"),
                    ("CONTACT", "Address"),
                ] {
                    if let Some(x) = of(s).filter(|x| x.get("allowed") != Some(&Value::Bool(true)))
                    {
                        rows.push(json!({
                            "key": key,
                            "value": format!("Not shown. {}", x.get("explanation").and_then(Value::as_str).unwrap_or_default()),
                        }));
                    }
                }
            }
            let added: Vec<Value> = contributions
                .iter()
                .filter(|c| c.get("scope").and_then(Value::as_str) == Some(scope))
                .map(|c| contribution(c))
                .collect();
            let services: Vec<Value> = involvements
                .iter()
                .filter(|i| {
                    involvement_scope(i.get("agencyKind").and_then(Value::as_str).unwrap_or(""))
                        == *scope
                })
                .map(|i| involvement(i))
                .collect();
            Some(json!({
                "id": format!("section-{}", n + 1),
                "heading": heading,
                "shown": allowed && value.is_some(),
                "explanation": explanation,
                "rows": rows,
                "contributions": added,
                "involvements": services,
            }))
        })
        .collect()
}

/// `GET /family/children/{id}/record`.
pub async fn record(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let visitor = visitor.family()?;
    let id = child_id(&id)?;
    let answer = gql::run(&state, &visitor, None, RECORD, json!({ "id": id })).await?;
    let child = answer.root("child")?;
    let name = name_or_default(child.get("identity"));
    page(
        &visitor,
        "family/record.html",
        context! {
            nav => "children",
            tab => "record",
            child_id => id.to_string(),
            child_name => name,
            sections => sections(child),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_code_reaches_the_page() {
        for code in [
            "POST_16",
            "EHC_PLAN",
            "WAITING",
            "LOCAL_AUTHORITY",
            "ADVICE",
        ] {
            assert!(!words(code).contains('_'), "{code}");
            assert_ne!(words(code), "Other", "{code}");
        }
        assert_eq!(words("SOMETHING_NEW"), "Other");
    }

    #[test]
    fn a_withheld_section_has_no_rows_and_says_why() {
        let child = json!({
            "access": [
                { "scope": "MENTAL_HEALTH", "label": "Wellbeing and mental health", "allowed": false, "explanation": "Chloe decides this now." },
                { "scope": "EDUCATION", "label": "School and learning", "allowed": true, "explanation": "It is your child's record." },
            ],
            "mentalHealth": null,
            "education": { "settingName": "Riverside Primary School", "settingPhase": "PRIMARY" },
            "contributions": [
                { "scope": "EDUCATION", "agencyName": "Riverside Primary School", "kind": "UPDATE", "title": "Term report", "createdAt": "2026-12-01T15:05:00Z" }
            ],
            "involvements": [],
        });
        let s = sections(&child);
        assert_eq!(s.len(), 2);
        let education = &s[0];
        assert_eq!(education["shown"], true);
        assert_eq!(education["rows"][1]["value"], "Primary school");
        assert_eq!(
            education["contributions"][0]["agency"],
            "Riverside Primary School"
        );
        let mental = &s[1];
        assert_eq!(mental["shown"], false);
        assert_eq!(mental["explanation"], "Chloe decides this now.");
    }
}

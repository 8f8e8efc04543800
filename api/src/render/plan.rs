//! One version of an EHC plan as one reader may see it ([`PlanView`]), and
//! its three renderings: accessible HTML ([`plan_html`]), A4 PDF
//! ([`plan_pdf`]) and JSON for partner systems ([`plan_json`]).
//!
//! The view is built once, from the version and what the caller resolved
//! (agency names, which sections this reader may see); the renderers are
//! pure and never decide access themselves.

use askama::Template;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use domain::plan::{
    AppendedAdvice, Paragraph, Placement, PlanSection, PlanVersion, PlanVersionStatus, SourceKind,
    VersionKind,
};
use domain::template::{Profession, ProvisionItem};

use super::pdf::{self, Block, Document, Style};

/// The notice a draft carries on every page (reg 13(1): at least 15 days
/// to comment, request a school and ask for a meeting).
pub const DRAFT_NOTICE: &str = "Draft: you have at least 15 days to comment";

/// The note on a section shown with some of its content kept from the
/// reader.
pub const PARTLY_WITHHELD: &str = "Part of this section is withheld";

/// Why a plan could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The PDF would run past the page bound: no plan is that long, so
    /// something upstream went wrong.
    #[error("the plan would run to {pages} pages, more than {max}", max = pdf::MAX_PAGES)]
    TooLong { pages: usize },
}

/// What the caller resolves for one reader: names the plan refers to by id
/// and the sections the reader's basis allows.
pub trait PlanReader {
    /// The agency's name as the reader should see it.
    fn agency_name(&self, agency: Uuid) -> String;
    /// `Some(reason)` when this section is withheld from the reader, in
    /// words for them ("Your agency's basis covers health sections only").
    fn withheld(&self, section: PlanSection) -> Option<String>;
    /// `Some(reason)` when the section is shown but some of its content is
    /// kept from the reader: it carries a note, so it is never silently
    /// short.
    fn partly_withheld(&self, _section: PlanSection) -> Option<String> {
        None
    }
}

/// Who the plan is for. Either part may be withheld from a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildDetails {
    pub name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Where a paragraph came from, resolved for reading: tell it once, made
/// visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A professional's advice.
    Advice {
        contribution_id: Option<Uuid>,
        /// The advice template's section it came from.
        section_key: Option<String>,
        /// The profession of the advice (from section K's record of it).
        profession: Option<Profession>,
        /// The agency's name, where the provenance names one.
        agency: Option<String>,
        written_on: NaiveDate,
    },
    /// The family's own words: their "all about me" (with its version) or
    /// their response to a draft.
    Family {
        all_about_me_version: Option<i32>,
        written_on: NaiveDate,
    },
    /// Written by the council's case officer.
    Council { written_on: NaiveDate },
}

impl Source {
    /// The provenance in words, as every rendering prints it.
    pub fn words(&self) -> String {
        match self {
            Source::Advice {
                profession,
                agency,
                written_on,
                ..
            } => {
                let what = match profession {
                    Some(p) => format!("the {} advice", profession_in_words(*p)),
                    None => "the advice".to_owned(),
                };
                match agency {
                    Some(agency) => {
                        format!("From {what} of {agency}, {}", date_in_words(*written_on))
                    }
                    None => format!("From {what}, {}", date_in_words(*written_on)),
                }
            }
            Source::Family {
                all_about_me_version: Some(version),
                ..
            } => format!("In the family's own words (all about me, version {version})"),
            Source::Family {
                all_about_me_version: None,
                written_on,
            } => format!("In the family's own words, {}", date_in_words(*written_on)),
            Source::Council { .. } => "Written by the council".to_owned(),
        }
    }

    fn kind(&self) -> SourceKind {
        match self {
            Source::Advice { .. } => SourceKind::Advice,
            Source::Family { .. } => SourceKind::Family,
            Source::Council { .. } => SourceKind::CaseOfficer,
        }
    }
}

/// One paragraph as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParagraphView {
    pub text: String,
    /// For sections F, G, H1 and H2.
    pub provision: Option<ProvisionItem>,
    pub source: Source,
}

/// One piece of advice appended in section K.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendixView {
    pub contribution_id: Uuid,
    pub title: String,
    pub agency: String,
    pub profession: Option<Profession>,
    /// The advice's own date (reused advice keeps it).
    pub dated: NaiveDate,
    /// Reused under reg 6(4) rather than written for this assessment.
    pub reused: bool,
}

impl AppendixView {
    /// "Speech and language therapy advice from Northtown NHS Trust".
    pub fn from_words(&self) -> String {
        match self.profession {
            Some(p) => format!(
                "{} advice from {}",
                capitalised(profession_in_words(p)),
                self.agency
            ),
            None => format!("Advice from {}", self.agency),
        }
    }

    pub fn dated_words(&self) -> String {
        date_in_words(self.dated)
    }

    /// Whether it was reused, in words (reg 6(4)).
    pub fn reuse_words(&self) -> &'static str {
        if self.reused {
            "Reused: earlier advice, confirmed as sufficient (reg 6(4))"
        } else {
            "Written for this assessment"
        }
    }
}

/// What a reader sees of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionBody {
    /// Not for this reader; the reason is theirs to read.
    Withheld { reason: String },
    /// Sections A–H2 and J.
    Paragraphs(Vec<ParagraphView>),
    /// Section I: the setting named (if any) and what was written about it.
    Placement {
        placement: Option<Placement>,
        paragraphs: Vec<ParagraphView>,
    },
    /// Section K: the advice appended.
    Advice(Vec<AppendixView>),
}

/// One section, in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionView {
    pub section: PlanSection,
    pub body: SectionBody,
    /// Shown, but with some content kept from the reader, and why.
    pub partly_withheld: Option<String>,
}

impl SectionView {
    /// "Section H1", as headings print it.
    pub fn label(&self) -> String {
        format!("Section {}", self.section.code())
    }

    /// The fragment id, e.g. `section-h1`.
    pub fn anchor(&self) -> String {
        format!("section-{}", self.section.code().to_ascii_lowercase())
    }

    pub fn title(&self) -> &'static str {
        self.section.title()
    }

    pub fn withheld(&self) -> Option<&str> {
        match &self.body {
            SectionBody::Withheld { reason } => Some(reason),
            _ => None,
        }
    }

    /// The reason some of a shown section's content is kept from the reader.
    pub fn partly_withheld(&self) -> Option<&str> {
        self.partly_withheld.as_deref()
    }

    pub fn paragraphs(&self) -> &[ParagraphView] {
        match &self.body {
            SectionBody::Paragraphs(paragraphs) | SectionBody::Placement { paragraphs, .. } => {
                paragraphs
            }
            SectionBody::Withheld { .. } | SectionBody::Advice(_) => &[],
        }
    }

    pub fn is_placement(&self) -> bool {
        matches!(self.body, SectionBody::Placement { .. })
    }

    pub fn placement(&self) -> Option<&Placement> {
        match &self.body {
            SectionBody::Placement { placement, .. } => placement.as_ref(),
            _ => None,
        }
    }

    pub fn is_advice(&self) -> bool {
        matches!(self.body, SectionBody::Advice(_))
    }

    pub fn advice(&self) -> &[AppendixView] {
        match &self.body {
            SectionBody::Advice(advice) => advice,
            _ => &[],
        }
    }

    /// Shown, but nothing written in it yet.
    pub fn is_empty(&self) -> bool {
        match &self.body {
            SectionBody::Withheld { .. } => false,
            SectionBody::Paragraphs(p) => p.is_empty(),
            SectionBody::Placement {
                placement,
                paragraphs,
            } => placement.is_none() && paragraphs.is_empty(),
            SectionBody::Advice(a) => a.is_empty(),
        }
    }
}

/// What one reader may see of one version of a plan: the header and every
/// section A–K in order, each shown or withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    pub plan_id: Uuid,
    pub child: ChildDetails,
    pub local_authority: String,
    pub version: i32,
    pub kind: VersionKind,
    pub status: PlanVersionStatus,
    pub issued_on: Option<NaiveDate>,
    /// Exactly one per `PlanSection`, in `PlanSection::ALL` order: the
    /// constructor is the only way in.
    sections: Vec<SectionView>,
}

impl PlanView {
    /// The view of `version` for the reader behind `reader`. Paragraphs
    /// land in their own section whatever order they come in; a section
    /// the reader may not see carries only its reason.
    pub fn new(
        version: &PlanVersion,
        child: ChildDetails,
        local_authority: String,
        reader: &dyn PlanReader,
    ) -> PlanView {
        let sections = PlanSection::ALL
            .iter()
            .map(|&section| match reader.withheld(section) {
                Some(reason) => SectionView {
                    section,
                    body: SectionBody::Withheld { reason },
                    partly_withheld: None,
                },
                None => SectionView {
                    section,
                    body: body_of(version, section, reader),
                    partly_withheld: reader.partly_withheld(section),
                },
            })
            .collect();
        PlanView {
            plan_id: version.plan_id,
            child,
            local_authority,
            version: version.version,
            kind: version.kind,
            status: version.status,
            issued_on: version.issued_on,
            sections,
        }
    }

    /// Sections A–K, in order.
    pub fn sections(&self) -> &[SectionView] {
        &self.sections
    }

    pub fn is_draft(&self) -> bool {
        self.status == PlanVersionStatus::Draft
    }

    /// "Education, health and care plan for Sam Taylor", or without the
    /// name where it is withheld.
    pub fn title(&self) -> String {
        match &self.child.name {
            Some(name) => format!("Education, health and care plan for {name}"),
            None => "Education, health and care plan".to_owned(),
        }
    }

    /// The header as label/value pairs, in the order every rendering uses.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let withheld = || "Withheld".to_owned();
        vec![
            ("Child", self.child.name.clone().unwrap_or_else(withheld)),
            (
                "Date of birth",
                self.child
                    .date_of_birth
                    .map(date_in_words)
                    .unwrap_or_else(withheld),
            ),
            ("Local authority", self.local_authority.clone()),
            (
                "Version",
                format!("{} ({})", self.version, kind_in_words(self.kind)),
            ),
            ("Status", status_in_words(self.status).to_owned()),
            (
                "Issued",
                self.issued_on
                    .map(date_in_words)
                    .unwrap_or_else(|| "Not yet issued".to_owned()),
            ),
        ]
    }
}

fn body_of(version: &PlanVersion, section: PlanSection, reader: &dyn PlanReader) -> SectionBody {
    let paragraphs = || {
        version
            .paragraphs
            .iter()
            .filter(|p| p.section == section)
            .map(|p| paragraph_view(p, &version.appendices, reader))
            .collect()
    };
    match section {
        PlanSection::I => SectionBody::Placement {
            placement: version.placement.clone(),
            paragraphs: paragraphs(),
        },
        PlanSection::K => SectionBody::Advice(
            version
                .appendices
                .iter()
                .map(|a| AppendixView {
                    contribution_id: a.contribution_id,
                    title: a.title.clone(),
                    agency: reader.agency_name(a.agency_id),
                    profession: a.profession,
                    dated: a.dated,
                    reused: a.reused,
                })
                .collect(),
        ),
        _ => SectionBody::Paragraphs(paragraphs()),
    }
}

fn paragraph_view(
    paragraph: &Paragraph,
    appendices: &[AppendedAdvice],
    reader: &dyn PlanReader,
) -> ParagraphView {
    let p = &paragraph.provenance;
    let source = match p.kind {
        SourceKind::Advice => {
            let appended = p
                .contribution_id
                .and_then(|id| appendices.iter().find(|a| a.contribution_id == id));
            Source::Advice {
                contribution_id: p.contribution_id,
                section_key: p.section_key.clone(),
                profession: appended.and_then(|a| a.profession),
                // Never the author: that is a subject id, not a name.
                agency: p
                    .agency_id
                    .or(appended.map(|a| a.agency_id))
                    .map(|id| reader.agency_name(id)),
                written_on: p.written_on,
            }
        }
        SourceKind::Family => Source::Family {
            all_about_me_version: p.all_about_me_version,
            written_on: p.written_on,
        },
        SourceKind::CaseOfficer => Source::Council {
            written_on: p.written_on,
        },
    };
    ParagraphView {
        text: paragraph.text.clone(),
        provision: paragraph.provision.clone(),
        source,
    }
}

/// The profession as the middle of "the … advice".
pub fn profession_in_words(profession: Profession) -> &'static str {
    match profession {
        Profession::SchoolSetting => "school or setting",
        Profession::SensorySpecialistTeacher => "specialist teacher (hearing or vision)",
        Profession::EducationalPsychology => "educational psychology",
        Profession::SpeechLanguageTherapy => "speech and language therapy",
        Profession::OccupationalTherapyPhysiotherapy => "occupational therapy or physiotherapy",
        Profession::PaediatricHealth => "paediatric and health",
        Profession::Camhs => "child and adolescent mental health (CAMHS)",
        Profession::SocialCare => "social care",
        Profession::PreparingForAdulthood => "preparing for adulthood",
    }
}

fn status_in_words(status: PlanVersionStatus) -> &'static str {
    match status {
        PlanVersionStatus::InPreparation => "In preparation",
        PlanVersionStatus::Draft => "Draft",
        PlanVersionStatus::Final => "Final",
    }
}

fn kind_in_words(kind: VersionKind) -> &'static str {
    match kind {
        VersionKind::Original => "original plan",
        VersionKind::Amendment => "amended plan",
        VersionKind::Imported => "plan made before the hub, imported",
    }
}

/// "3 March 2026", the GOV.UK style.
pub fn date_in_words(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------- HTML

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage<'a> {
    plan: &'a PlanView,
    title: String,
    summary: Vec<(&'static str, String)>,
    draft_notice: &'static str,
}

/// The plan as a complete, accessible HTML5 document: no scripts, no
/// external resources, every user-written string escaped.
pub fn plan_html(plan: &PlanView) -> String {
    let page = PlanPage {
        plan,
        title: format!("{} (version {})", plan.title(), plan.version),
        summary: plan.summary(),
        draft_notice: DRAFT_NOTICE,
    };
    match page.render() {
        Ok(html) => html,
        // Rendering writes only strings and numbers into a `String`, which
        // cannot fail; should a future field's `Display` fail, say so
        // rather than send half a page.
        Err(error) => {
            tracing::error!(error = %error, "plan HTML failed to render");
            FAILED_PAGE.to_owned()
        }
    }
}

const FAILED_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\" />\
<title>Plan unavailable</title></head><body><main><h1>This plan could not be shown</h1>\
<p>Please try again later.</p></main></body></html>\n";

// ---------------------------------------------------------------- PDF

/// Indent of provision details and provenance under their paragraph.
const DETAIL_INDENT: f32 = 14.0;

/// The plan as an A4 PDF with the same content as the HTML: real text in
/// the standard Helvetica fonts, numbered pages, the draft notice on every
/// page of a draft.
pub fn plan_pdf(plan: &PlanView) -> Result<Vec<u8>, RenderError> {
    let mut blocks = vec![Block::new(Style::Title, plan.title())];
    for (label, value) in plan.summary() {
        blocks.push(Block::new(Style::Body, format!("{label}: {value}")));
    }
    for section in plan.sections() {
        blocks.push(Block::new(
            Style::Heading,
            format!("{}: {}", section.label(), section.title()),
        ));
        if let Some(reason) = section.withheld() {
            blocks.push(Block::new(Style::Body, format!("Withheld: {reason}")));
            continue;
        }
        if let Some(reason) = section.partly_withheld() {
            blocks.push(Block::new(
                Style::Body,
                format!("{PARTLY_WITHHELD}: {reason}"),
            ));
        }
        if section.is_empty() {
            blocks.push(Block::new(Style::Body, "Nothing recorded in this section."));
            continue;
        }
        if section.is_placement() {
            match section.placement() {
                Some(place) => blocks.push(Block::new(
                    Style::Label,
                    format!("{} ({})", place.name, place.kind),
                )),
                None => blocks.push(Block::new(Style::Body, "No school or setting named yet.")),
            }
        }
        for paragraph in section.paragraphs() {
            blocks.push(Block::new(Style::Body, paragraph.text.clone()));
            if let Some(item) = &paragraph.provision {
                for (label, value) in provision_rows(item) {
                    blocks.push(
                        Block::new(Style::Detail, format!("{label}: {value}"))
                            .indented(DETAIL_INDENT),
                    );
                }
            }
            blocks.push(Block::new(Style::Note, paragraph.source.words()).indented(DETAIL_INDENT));
        }
        for advice in section.advice() {
            blocks.push(Block::new(Style::Label, advice.title.clone()));
            blocks.push(
                Block::new(
                    Style::Detail,
                    format!("{}, dated {}", advice.from_words(), advice.dated_words()),
                )
                .indented(DETAIL_INDENT),
            );
            blocks.push(Block::new(Style::Note, advice.reuse_words()).indented(DETAIL_INDENT));
        }
    }
    let document = Document {
        title: format!("{} (version {})", plan.title(), plan.version),
        banner: plan.is_draft().then(|| DRAFT_NOTICE.to_owned()),
        blocks,
    };
    pdf::write(&document).map_err(|e| RenderError::TooLong { pages: e.pages })
}

fn provision_rows(item: &ProvisionItem) -> [(&'static str, &str); 4] {
    [
        ("What", &item.what),
        ("Who", &item.who),
        ("How often", &item.how_often),
        ("How long", &item.how_long),
    ]
}

// ---------------------------------------------------------------- JSON

/// The plan for partner systems. Field names are camelCase and stable;
/// codes are the API's codes; dates are ISO 8601; a withheld section is
/// `{"section": "D", "withheld": true}` and nothing more, a section shown
/// with some content kept from the reader adds `"partlyWithheld": true`;
/// a child's name
/// or date of birth withheld from the reader is `null`.
pub fn plan_json(plan: &PlanView) -> Value {
    json!({
        "planId": plan.plan_id,
        "child": {
            "name": plan.child.name,
            "dateOfBirth": plan.child.date_of_birth.map(iso),
        },
        "localAuthority": plan.local_authority,
        "version": plan.version,
        "kind": plan.kind.code(),
        "status": plan.status.code(),
        "issuedOn": plan.issued_on.map(iso),
        "sections": plan.sections().iter().map(section_json).collect::<Vec<_>>(),
    })
}

fn section_json(section: &SectionView) -> Value {
    let mut value = section_body_json(section);
    if section.partly_withheld().is_some()
        && let Value::Object(fields) = &mut value
    {
        fields.insert("partlyWithheld".into(), Value::Bool(true));
    }
    value
}

fn section_body_json(section: &SectionView) -> Value {
    let code = section.section.code();
    match &section.body {
        SectionBody::Withheld { .. } => json!({ "section": code, "withheld": true }),
        SectionBody::Paragraphs(paragraphs) => json!({
            "section": code,
            "title": section.title(),
            "withheld": false,
            "paragraphs": paragraphs.iter().map(paragraph_json).collect::<Vec<_>>(),
        }),
        SectionBody::Placement {
            placement,
            paragraphs,
        } => json!({
            "section": code,
            "title": section.title(),
            "withheld": false,
            "placement": placement.as_ref().map(|p| json!({ "name": p.name, "kind": p.kind })),
            "paragraphs": paragraphs.iter().map(paragraph_json).collect::<Vec<_>>(),
        }),
        SectionBody::Advice(advice) => json!({
            "section": code,
            "title": section.title(),
            "withheld": false,
            "advice": advice.iter().map(|a| json!({
                "contributionId": a.contribution_id,
                "title": a.title,
                "agency": a.agency,
                "profession": a.profession.map(Profession::code),
                "dated": iso(a.dated),
                "reused": a.reused,
            })).collect::<Vec<_>>(),
        }),
    }
}

fn paragraph_json(paragraph: &ParagraphView) -> Value {
    let s = &paragraph.source;
    let mut provenance = json!({
        "kind": s.kind().code(),
        "words": s.words(),
    });
    if let Value::Object(fields) = &mut provenance {
        match s {
            Source::Advice {
                contribution_id,
                section_key,
                profession,
                agency,
                written_on,
            } => {
                fields.insert("contributionId".into(), json!(contribution_id));
                fields.insert("sectionKey".into(), json!(section_key));
                fields.insert("profession".into(), json!(profession.map(Profession::code)));
                fields.insert("agency".into(), json!(agency));
                fields.insert("writtenOn".into(), json!(iso(*written_on)));
            }
            Source::Family {
                all_about_me_version,
                written_on,
            } => {
                fields.insert("allAboutMeVersion".into(), json!(all_about_me_version));
                fields.insert("writtenOn".into(), json!(iso(*written_on)));
            }
            Source::Council { written_on } => {
                fields.insert("writtenOn".into(), json!(iso(*written_on)));
            }
        }
    }
    json!({
        "text": paragraph.text,
        "provision": paragraph.provision.as_ref().map(|p| json!({
            "what": p.what,
            "who": p.who,
            "howOften": p.how_often,
            "howLong": p.how_long,
        })),
        "provenance": provenance,
    })
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use domain::Scope;
    use domain::plan::Provenance;

    use super::*;

    const NHS: Uuid = Uuid::from_u128(0xa1);
    const SCHOOL: Uuid = Uuid::from_u128(0xa2);
    const SLT_ADVICE: Uuid = Uuid::from_u128(0xc1);
    const SENCO_ADVICE: Uuid = Uuid::from_u128(0xc2);

    const HOSTILE: &str = "<script>alert('x')</script> Tom & Jerry \"quoted\"";

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    /// Names agencies; withholds the sections it was built with.
    struct Reader {
        agencies: HashMap<Uuid, String>,
        withheld: Vec<PlanSection>,
        partly: Vec<PlanSection>,
    }

    impl Reader {
        fn family() -> Self {
            Reader {
                agencies: HashMap::from([
                    (NHS, "Northtown NHS Trust".to_owned()),
                    (SCHOOL, "Hillside Primary School".to_owned()),
                ]),
                withheld: Vec::new(),
                partly: Vec::new(),
            }
        }

        fn health_agency() -> Self {
            let mut reader = Reader::family();
            reader.withheld = vec![PlanSection::D, PlanSection::H1, PlanSection::H2];
            reader
        }
    }

    impl PlanReader for Reader {
        fn agency_name(&self, agency: Uuid) -> String {
            self.agencies
                .get(&agency)
                .cloned()
                .unwrap_or_else(|| "an agency".to_owned())
        }

        fn withheld(&self, section: PlanSection) -> Option<String> {
            self.withheld
                .contains(&section)
                .then(|| "Your agency's basis does not cover social care".to_owned())
        }

        fn partly_withheld(&self, section: PlanSection) -> Option<String> {
            self.partly
                .contains(&section)
                .then(|| "Your agency's basis does not cover communication".to_owned())
        }
    }

    fn advice(section: PlanSection, text: &str, from: Uuid, agency: Uuid) -> Paragraph {
        Paragraph {
            section,
            text: text.to_owned(),
            provision: None,
            provenance: Provenance {
                kind: SourceKind::Advice,
                contribution_id: Some(from),
                section_key: Some("needs".to_owned()),
                all_about_me_version: None,
                author: "subject-1".to_owned(),
                agency_id: Some(agency),
                written_on: day(2026, 3, 3),
                profession: None,
                edited_from: None,
            },
            scope: Scope::SenNeeds,
        }
    }

    fn council(section: PlanSection, text: &str) -> Paragraph {
        Paragraph {
            section,
            text: text.to_owned(),
            provision: None,
            provenance: Provenance {
                kind: SourceKind::CaseOfficer,
                contribution_id: None,
                section_key: None,
                all_about_me_version: None,
                author: "officer-1".to_owned(),
                agency_id: None,
                written_on: day(2026, 4, 1),
                profession: None,
                edited_from: None,
            },
            scope: Scope::SenNeeds,
        }
    }

    fn version(status: PlanVersionStatus) -> PlanVersion {
        let mut provision = advice(
            PlanSection::F,
            "Sam will have small-group language work.",
            SLT_ADVICE,
            NHS,
        );
        provision.provision = Some(ProvisionItem {
            what: "Language group".to_owned(),
            who: "Speech and language therapist".to_owned(),
            how_often: "Twice a week, 30 minutes".to_owned(),
            how_long: "Until the annual review".to_owned(),
        });
        let family = Paragraph {
            section: PlanSection::A,
            text: "I like trains and drawing.\nI want to be a driver.".to_owned(),
            provision: None,
            provenance: Provenance {
                kind: SourceKind::Family,
                contribution_id: None,
                section_key: None,
                all_about_me_version: Some(2),
                author: "parent-1".to_owned(),
                agency_id: None,
                written_on: day(2026, 2, 10),
                profession: None,
                edited_from: None,
            },
            scope: Scope::AllAboutMe,
        };
        PlanVersion {
            plan_id: Uuid::from_u128(0x91),
            child_id: Uuid::from_u128(0x1),
            version: 2,
            kind: VersionKind::Original,
            status,
            issued_on: Some(day(2026, 5, 4)),
            // Deliberately out of section order: the view sorts them.
            paragraphs: vec![
                provision,
                family,
                advice(PlanSection::B, HOSTILE, SLT_ADVICE, NHS),
                advice(
                    PlanSection::B,
                    "Sam finds noisy rooms hard.",
                    SENCO_ADVICE,
                    SCHOOL,
                ),
                council(PlanSection::D, "Short breaks at weekends."),
                council(PlanSection::E, "Sam will talk in class by July 2027."),
            ],
            placement: Some(Placement {
                name: "Hillside Primary School".to_owned(),
                kind: "mainstream primary school".to_owned(),
            }),
            appendices: vec![
                AppendedAdvice {
                    contribution_id: SLT_ADVICE,
                    title: "Speech and language therapy advice".to_owned(),
                    agency_id: NHS,
                    profession: Some(Profession::SpeechLanguageTherapy),
                    scope: Scope::Communication,
                    dated: day(2026, 3, 3),
                    reused: false,
                },
                AppendedAdvice {
                    contribution_id: SENCO_ADVICE,
                    title: "Advice from the school".to_owned(),
                    agency_id: SCHOOL,
                    profession: Some(Profession::SchoolSetting),
                    scope: Scope::Education,
                    dated: day(2025, 11, 20),
                    reused: true,
                },
            ],
        }
    }

    fn view(status: PlanVersionStatus, reader: &Reader) -> PlanView {
        PlanView::new(
            &version(status),
            ChildDetails {
                name: Some("Sam Taylor".to_owned()),
                date_of_birth: Some(day(2018, 9, 14)),
            },
            "Northtown Council".to_owned(),
            reader,
        )
    }

    fn text_of(node: roxmltree::Node<'_, '_>) -> String {
        node.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    }

    // ------------------------------------------------------------ view

    #[test]
    fn the_view_has_every_section_once_in_order() {
        let plan = view(PlanVersionStatus::Final, &Reader::family());
        let codes: Vec<_> = plan.sections().iter().map(|s| s.section).collect();
        assert_eq!(codes, PlanSection::ALL);
        let b = &plan.sections()[1];
        assert_eq!(b.paragraphs().len(), 2);
    }

    #[test]
    fn provenance_reads_in_words() {
        let plan = view(PlanVersionStatus::Final, &Reader::family());
        let words = |i: usize| -> Vec<String> {
            plan.sections()[i]
                .paragraphs()
                .iter()
                .map(|p| p.source.words())
                .collect()
        };
        assert_eq!(
            words(0),
            ["In the family's own words (all about me, version 2)"]
        );
        assert_eq!(
            words(1),
            [
                "From the speech and language therapy advice of Northtown NHS Trust, 3 March 2026",
                "From the school or setting advice of Hillside Primary School, 3 March 2026",
            ]
        );
        assert_eq!(words(4), ["Written by the council"]);
    }

    #[test]
    fn provenance_without_a_profession_or_agency_still_reads() {
        let on = day(2026, 3, 3);
        let bare = Source::Advice {
            contribution_id: None,
            section_key: None,
            profession: None,
            agency: None,
            written_on: on,
        };
        assert_eq!(bare.words(), "From the advice, 3 March 2026");
        let response = Source::Family {
            all_about_me_version: None,
            written_on: on,
        };
        assert_eq!(response.words(), "In the family's own words, 3 March 2026");
    }

    // ------------------------------------------------------------ HTML

    #[test]
    fn html_is_well_formed_with_one_h1_and_every_section_heading_in_order() {
        let html = plan_html(&view(PlanVersionStatus::Final, &Reader::family()));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"));
        // Written as polyglot markup, so an XML parser checks the nesting.
        let doc = roxmltree::Document::parse_with_options(
            &html,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("not well-formed: {e}\n{html}"));
        let named = |tag: &str| -> Vec<roxmltree::Node<'_, '_>> {
            doc.descendants().filter(|n| n.has_tag_name(tag)).collect()
        };
        assert_eq!(named("h1").len(), 1);
        let headings: Vec<String> = named("h2").into_iter().map(text_of).collect();
        let expected: Vec<String> = std::iter::once("Contents".to_owned())
            .chain(
                PlanSection::ALL
                    .iter()
                    .map(|s| format!("Section {} {}", s.code(), s.title())),
            )
            .collect();
        assert_eq!(headings, expected);
        // The contents links every section, to an id that exists.
        let links: Vec<&str> = named("a")
            .into_iter()
            .filter_map(|a| a.attribute("href"))
            .collect();
        assert_eq!(links.len(), PlanSection::ALL.len());
        for link in links {
            let id = link.strip_prefix('#').expect("an in-page link");
            assert!(
                doc.descendants().any(|n| n.attribute("id") == Some(id)),
                "{id}"
            );
        }
        assert!(named("script").is_empty());
        // No external resources: nothing links or loads.
        for tag in ["link", "img", "iframe", "object"] {
            assert!(named(tag).is_empty(), "{tag}");
        }
        assert!(!html.contains("src=") && !html.contains("url("));
        // Tables are captioned and their headers scoped.
        let tables = named("table");
        assert_eq!(tables.len(), 2, "F's provision and K's advice");
        for table in tables {
            assert!(table.children().any(|c| c.has_tag_name("caption")));
        }
        for th in named("th") {
            assert!(matches!(th.attribute("scope"), Some("col" | "row")));
        }
    }

    #[test]
    fn html_escapes_what_users_wrote() {
        let html = plan_html(&view(PlanVersionStatus::Final, &Reader::family()));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"));
        assert!(html.contains("Tom &#38; Jerry &#34;quoted&#34;"));
        assert!(!html.contains("Tom & Jerry"));
    }

    #[test]
    fn html_shows_provenance_provision_and_appended_advice() {
        let html = plan_html(&view(PlanVersionStatus::Final, &Reader::family()));
        assert_eq!(html.matches("<p class=\"provenance\">").count(), 6);
        assert!(html.contains("In the family&#39;s own words (all about me, version 2)"));
        assert!(html.contains("<td>Twice a week, 30 minutes</td>"));
        assert!(html.contains("<th scope=\"row\">Advice from the school</th>"));
        assert!(html.contains("Reused: earlier advice, confirmed as sufficient (reg 6(4))"));
        assert!(html.contains("20 November 2025"));
        assert!(html.contains("<dd>Hillside Primary School</dd>"));
    }

    #[test]
    fn html_marks_withheld_sections_and_leaves_their_words_out() {
        let html = plan_html(&view(PlanVersionStatus::Final, &Reader::health_agency()));
        assert_eq!(html.matches("<p class=\"withheld\">").count(), 3);
        assert!(html.contains("Your agency&#39;s basis does not cover social care"));
        assert!(!html.contains("Short breaks at weekends."));
        // The heading stays: the reader knows the section exists.
        assert!(html.contains(PlanSection::H2.title()));
    }

    #[test]
    fn a_partly_withheld_section_is_shown_with_a_note_in_every_rendering() {
        let mut reader = Reader::health_agency();
        reader.partly = vec![PlanSection::B];
        let plan = view(PlanVersionStatus::Final, &reader);
        let html = plan_html(&plan);
        assert_eq!(html.matches(PARTLY_WITHHELD).count(), 1, "{html}");
        assert!(html.contains("Your agency&#39;s basis does not cover communication"));
        assert!(
            html.contains("Sam finds noisy rooms hard."),
            "B is still shown"
        );
        let json = plan_json(&plan);
        assert_eq!(json["sections"][1]["partlyWithheld"], true);
        assert_eq!(
            json["sections"][1]["paragraphs"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(json["sections"][0].get("partlyWithheld").is_none());
        let (_, text) = parsed(&plan_pdf(&plan).expect("renders"));
        assert!(flat(&text).contains(&format!(
            "{PARTLY_WITHHELD}: Your agency's basis does not cover communication"
        )));
    }

    #[test]
    fn only_a_draft_carries_the_draft_notice() {
        let draft = plan_html(&view(PlanVersionStatus::Draft, &Reader::family()));
        assert!(draft.contains(DRAFT_NOTICE));
        assert!(draft.contains("class=\"watermark\""));
        let fin = plan_html(&view(PlanVersionStatus::Final, &Reader::family()));
        assert!(!fin.contains(DRAFT_NOTICE));
        assert!(!fin.contains("class=\"watermark\""));
        assert!(fin.contains("@media print"));
    }

    // ------------------------------------------------------------ PDF

    fn parsed(bytes: &[u8]) -> (lopdf::Document, String) {
        assert!(bytes.starts_with(b"%PDF-"));
        let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses back");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).expect("its text extracts");
        (doc, text)
    }

    /// Extracted text with line breaks and runs of spaces as one space.
    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn pdf_is_real_text_with_every_section_and_the_paragraphs() {
        let plan = view(PlanVersionStatus::Final, &Reader::family());
        let bytes = plan_pdf(&plan).expect("renders");
        let (doc, text) = parsed(&bytes);
        let text = flat(&text);
        for section in PlanSection::ALL {
            let heading = format!("Section {}: {}", section.code(), section.title());
            // Long headings wrap; their first words are on one line.
            let start: String = heading.chars().take(40).collect();
            assert!(text.contains(start.trim()), "{heading} in {text}");
        }
        assert!(text.contains("Sam finds noisy rooms hard."));
        assert!(text.contains("How often: Twice a week, 30 minutes"));
        assert!(text.contains("From the speech and language therapy advice of Northtown NHS"));
        assert!(text.contains("Reused: earlier advice"));
        let pages = doc.get_pages().len();
        assert!(text.contains(&format!("Page 1 of {pages}")), "{text}");
        assert!(!text.contains(DRAFT_NOTICE));

        let info = doc
            .trailer
            .get(b"Info")
            .and_then(|o| o.as_reference())
            .and_then(|id| doc.get_dictionary(id))
            .expect("document info");
        let title = info
            .get(b"Title")
            .and_then(lopdf::Object::as_str)
            .expect("a title");
        assert_eq!(
            title,
            b"Education, health and care plan for Sam Taylor (version 2)"
        );
    }

    #[test]
    fn a_long_plan_runs_to_several_numbered_pages_each_marked_draft() {
        let mut long = version(PlanVersionStatus::Draft);
        let words = "Sam needs help with words and sentences in class. ".repeat(40);
        for _ in 0..25 {
            long.paragraphs.push(council(PlanSection::B, &words));
        }
        let plan = PlanView::new(
            &long,
            ChildDetails {
                name: None,
                date_of_birth: None,
            },
            "Northtown Council".to_owned(),
            &Reader::family(),
        );
        let bytes = plan_pdf(&plan).expect("renders");
        let (doc, _) = parsed(&bytes);
        let pages = doc.get_pages();
        assert!(pages.len() >= 5, "{} pages", pages.len());
        let n = pages.len();
        for &number in pages.keys() {
            let text = flat(&doc.extract_text(&[number]).expect("text"));
            assert!(text.contains(&format!("Page {number} of {n}")), "{text}");
            assert!(text.contains(DRAFT_NOTICE), "page {number}");
        }
    }

    #[test]
    fn pdf_replaces_what_its_fonts_cannot_show() {
        let mut v = version(PlanVersionStatus::Final);
        v.paragraphs
            .push(council(PlanSection::J, "Zoë’s budget – 日本語 😀 & <b>"));
        let plan = PlanView::new(
            &v,
            ChildDetails {
                name: Some("Zoë".to_owned()),
                date_of_birth: None,
            },
            "Northtown Council".to_owned(),
            &Reader::family(),
        );
        let bytes = plan_pdf(&plan).expect("renders, never panics");
        let (_, text) = parsed(&bytes);
        let text = flat(&text);
        assert!(text.contains("budget"), "{text}");
        assert!(text.contains("??? ? & <b>"), "{text}");
    }

    #[test]
    fn pdf_leaves_withheld_sections_out() {
        let plan = view(PlanVersionStatus::Final, &Reader::health_agency());
        let (_, text) = parsed(&plan_pdf(&plan).expect("renders"));
        let text = flat(&text);
        assert!(text.contains("Withheld: Your agency's basis does not cover social care"));
        assert!(!text.contains("Short breaks"));
    }

    // ------------------------------------------------------------ JSON

    #[test]
    fn json_uses_the_api_codes_and_iso_dates() {
        let json = plan_json(&view(PlanVersionStatus::Draft, &Reader::health_agency()));
        assert_eq!(json["status"], "DRAFT");
        assert_eq!(json["kind"], "ORIGINAL");
        assert_eq!(json["issuedOn"], "2026-05-04");
        assert_eq!(json["child"]["dateOfBirth"], "2018-09-14");
        let sections = json["sections"].as_array().expect("sections");
        let codes: Vec<PlanSection> = sections
            .iter()
            .map(|s| serde_json::from_value(s["section"].clone()).expect("a plan section code"))
            .collect();
        assert_eq!(codes, PlanSection::ALL);
        assert_eq!(sections[3], json!({ "section": "D", "withheld": true }));
        let provenance = &sections[1]["paragraphs"][0]["provenance"];
        assert_eq!(provenance["kind"], "ADVICE");
        assert_eq!(provenance["profession"], "SPEECH_LANGUAGE_THERAPY");
        assert_eq!(provenance["contributionId"], SLT_ADVICE.to_string());
        assert_eq!(provenance["writtenOn"], "2026-03-03");
        let profession: Profession =
            serde_json::from_value(provenance["profession"].clone()).expect("a profession code");
        assert_eq!(profession, Profession::SpeechLanguageTherapy);
        let status: PlanVersionStatus =
            serde_json::from_value(json["status"].clone()).expect("a status code");
        assert_eq!(status, PlanVersionStatus::Draft);
    }

    #[test]
    fn json_snapshot() {
        let json = plan_json(&view(PlanVersionStatus::Final, &Reader::health_agency()));
        insta::assert_json_snapshot!(json);
    }
}

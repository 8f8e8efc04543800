//! Advice templates per profession, as versioned data (the TOML files in
//! `domain/templates/`, published versions in the database), and the
//! structured advice checked against them.
//!
//! A template lists its sections, which are required and which plan
//! section each feeds; `AdviceContent` is what a professional submits.

use serde::{Deserialize, Serialize};

use crate::plan_section::PlanSection;

crate::code_enum! {
    /// The profession an advice template is for, and an advice request
    /// asks (SEND Regulations 2014 reg 6(1), 6(2)).
    pub enum Profession("profession") {
        /// The head teacher or SENCO of the school or setting (reg 6(1)(b)).
        SchoolSetting = "SCHOOL_SETTING",
        /// A qualified teacher of children with hearing or vision
        /// impairment (reg 6(2)).
        SensorySpecialistTeacher = "SENSORY_SPECIALIST_TEACHER",
        /// An educational psychologist (reg 6(1)(d)).
        EducationalPsychology = "EDUCATIONAL_PSYCHOLOGY",
        /// A speech and language therapist.
        SpeechLanguageTherapy = "SPEECH_LANGUAGE_THERAPY",
        /// An occupational therapist or physiotherapist.
        OccupationalTherapyPhysiotherapy = "OCCUPATIONAL_THERAPY_PHYSIOTHERAPY",
        /// A paediatrician or other health care professional (reg 6(1)(c)).
        PaediatricHealth = "PAEDIATRIC_HEALTH",
        /// Child and adolescent mental health services.
        Camhs = "CAMHS",
        /// Social care (reg 6(1)(e)).
        SocialCare = "SOCIAL_CARE",
        /// Preparing for adulthood, from Year 9 (reg 6(1)(g)).
        PreparingForAdulthood = "PREPARING_FOR_ADULTHOOD",
    }
}

crate::code_enum! {
    /// What a template section asks for.
    pub enum SectionKind("template section kind") {
        /// Free text.
        Text = "TEXT",
        /// A list of provision, each item with what, who, how often and
        /// for how long (CoP 9.69: specific and normally quantified).
        Provision = "PROVISION",
    }
}

/// One section of an advice template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSection {
    /// Stable key, e.g. `needs`, `outcomes`, `provision`.
    pub key: String,
    pub title: String,
    /// Guidance shown to the professional filling it in.
    pub help: String,
    pub kind: SectionKind,
    pub required: bool,
    /// The plan section this feeds.
    pub feeds: PlanSection,
}

/// A published version of a profession's advice template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceTemplate {
    pub profession: Profession,
    pub version: i32,
    pub title: String,
    pub sections: Vec<TemplateSection>,
}

/// Which template (and version) a piece of advice was written against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    pub profession: Profession,
    pub version: i32,
}

/// One item of provision: specific and quantified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionItem {
    pub what: String,
    pub who: String,
    pub how_often: String,
    pub how_long: String,
}

/// What a professional wrote in one template section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionContent {
    pub key: String,
    /// For a TEXT section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// For a PROVISION section.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<ProvisionItem>,
}

/// Structured advice: the template it was written against and its
/// sections, in the template's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceContent {
    pub template: TemplateRef,
    pub sections: Vec<SectionContent>,
}

impl Profession {
    /// The profession an agency of `kind` gives advice as, when a request
    /// does not name one: school → SCHOOL_SETTING, EP → EDUCATIONAL_PSYCHOLOGY,
    /// SLT → SPEECH_LANGUAGE_THERAPY, OT → OCCUPATIONAL_THERAPY_PHYSIOTHERAPY,
    /// health → PAEDIATRIC_HEALTH, CAMHS → CAMHS, social care → SOCIAL_CARE.
    /// Youth justice and the council's SEND team have no default: a request
    /// to them names the profession (a sensory support service or a
    /// preparing-for-adulthood adviser, say).
    pub fn default_for(kind: crate::AgencyKind) -> Option<Profession> {
        use crate::AgencyKind as K;
        match kind {
            K::School => Some(Profession::SchoolSetting),
            K::Ep => Some(Profession::EducationalPsychology),
            K::Slt => Some(Profession::SpeechLanguageTherapy),
            K::Ot => Some(Profession::OccupationalTherapyPhysiotherapy),
            K::Health => Some(Profession::PaediatricHealth),
            K::Camhs => Some(Profession::Camhs),
            K::SocialCare => Some(Profession::SocialCare),
            K::YouthJustice | K::LaSend => None,
        }
    }

    /// How the profession reads to a case officer or a family.
    pub fn label(self) -> &'static str {
        match self {
            Profession::SchoolSetting => "the school or setting (head teacher or SENCO)",
            Profession::SensorySpecialistTeacher => {
                "a qualified teacher of children with hearing or vision impairment"
            }
            Profession::EducationalPsychology => "an educational psychologist",
            Profession::SpeechLanguageTherapy => "a speech and language therapist",
            Profession::OccupationalTherapyPhysiotherapy => {
                "an occupational therapist or physiotherapist"
            }
            Profession::PaediatricHealth => "a paediatrician or other health professional",
            Profession::Camhs => "child and adolescent mental health services",
            Profession::SocialCare => "social care",
            Profession::PreparingForAdulthood => "an adviser on preparing for adulthood",
        }
    }

    /// The template shipped with tellonce for this profession (TOML source).
    pub fn shipped_source(self) -> &'static str {
        match self {
            Profession::SchoolSetting => include_str!("../templates/school_setting.toml"),
            Profession::SensorySpecialistTeacher => {
                include_str!("../templates/sensory_specialist_teacher.toml")
            }
            Profession::EducationalPsychology => {
                include_str!("../templates/educational_psychology.toml")
            }
            Profession::SpeechLanguageTherapy => {
                include_str!("../templates/speech_language_therapy.toml")
            }
            Profession::OccupationalTherapyPhysiotherapy => {
                include_str!("../templates/occupational_therapy_physiotherapy.toml")
            }
            Profession::PaediatricHealth => include_str!("../templates/paediatric_health.toml"),
            Profession::Camhs => include_str!("../templates/camhs.toml"),
            Profession::SocialCare => include_str!("../templates/social_care.toml"),
            Profession::PreparingForAdulthood => {
                include_str!("../templates/preparing_for_adulthood.toml")
            }
        }
    }
}

/// The section keys a template may use: one vocabulary across professions,
/// so partner systems and the plan can rely on them. What a key feeds is
/// the template's to say (a paediatrician's `health_needs` feed C).
pub const SECTION_KEYS: &[&str] = &[
    "views",
    "strengths",
    "needs",
    "health_needs",
    "social_care_needs",
    "outcomes",
    "provision",
    "health_provision",
    "social_care_provision",
    "other_social_care_provision",
];

/// The largest template source accepted (bytes): the shipped ones are
/// under 4 KiB; this leaves room for a council's own wording.
pub const MAX_SOURCE_BYTES: usize = 32 * 1024;
/// The most sections a template may have (there are ten keys).
const MAX_SECTIONS: usize = SECTION_KEYS.len();
/// The longest section title and help text.
const MAX_TITLE: usize = 200;
const MAX_HELP: usize = 2_000;

/// Why a template's source cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Larger than [`MAX_SOURCE_BYTES`].
    #[error("must be at most {max} bytes", max = MAX_SOURCE_BYTES)]
    TooLarge,
    /// Not TOML of the template's form (an unknown field, a wrong type).
    #[error("is not a valid template: {0}")]
    Syntax(String),
    /// The profession is not one of the codes.
    #[error("names an unknown profession '{0}'")]
    UnknownProfession(String),
    /// The source is for another profession than the one published.
    #[error("is the template for {found}, not {expected}")]
    OtherProfession {
        /// The profession being published.
        expected: Profession,
        /// The one the source names.
        found: Profession,
    },
    /// No sections at all.
    #[error("has no sections")]
    Empty,
    /// More sections than there are keys.
    #[error("has more than {max} sections", max = MAX_SECTIONS)]
    TooManySections,
    /// A section key outside [`SECTION_KEYS`].
    #[error("section '{0}' is not a known key (one of: {keys})", keys = SECTION_KEYS.join(", "))]
    UnknownKey(String),
    /// Two sections with one key.
    #[error("section '{0}' appears twice")]
    DuplicateKey(String),
    /// A blank or overlong title or help, or a control character in one.
    #[error("section '{key}': {field} {problem}")]
    BadText {
        /// The section (or `title` for the template's own title).
        key: String,
        /// `title` or `help`.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// Feeding a plan section advice never writes (A, I, J, K).
    #[error(
        "section '{key}' feeds plan section {feeds}: advice feeds one of B, C, D, E, F, G, H1, H2"
    )]
    FeedsOutsideAdvice {
        /// The section.
        key: String,
        /// The plan section named.
        feeds: PlanSection,
    },
    /// A provision section must feed a provision part of the plan.
    #[error(
        "section '{key}' is PROVISION but feeds plan section {feeds}: provision feeds F, G, H1 or H2"
    )]
    ProvisionFeedsNeeds {
        /// The section.
        key: String,
        /// The plan section named.
        feeds: PlanSection,
    },
    /// Nothing in the template is required.
    #[error("has no required section")]
    NothingRequired,
}

impl TemplateError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            TemplateError::OtherProfession { .. } => "profession",
            _ => "source",
        }
    }
}

/// The TOML form of a template (see `domain/templates/*.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateSource {
    profession: String,
    title: String,
    sections: Vec<SectionSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionSource {
    key: String,
    title: String,
    help: String,
    kind: String,
    required: bool,
    feeds: String,
}

fn text_problem(value: &str, max: usize) -> Option<&'static str> {
    if value.trim().is_empty() {
        Some("must not be blank")
    } else if value.chars().count() > max {
        Some("is too long")
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

impl AdviceTemplate {
    /// Parses and validates a template's TOML source. `expected`, when
    /// given, is the profession being published: the source must be its.
    /// The version is 0 until the store publishes it.
    pub fn parse(source: &str, expected: Option<Profession>) -> Result<Self, TemplateError> {
        if source.len() > MAX_SOURCE_BYTES {
            return Err(TemplateError::TooLarge);
        }
        let raw: TemplateSource =
            toml::from_str(source).map_err(|e| TemplateError::Syntax(e.message().to_owned()))?;
        let profession: Profession = raw
            .profession
            .parse()
            .map_err(|_| TemplateError::UnknownProfession(bounded(&raw.profession)))?;
        if let Some(expected) = expected.filter(|e| *e != profession) {
            return Err(TemplateError::OtherProfession {
                expected,
                found: profession,
            });
        }
        if let Some(problem) = text_problem(&raw.title, MAX_TITLE) {
            return Err(TemplateError::BadText {
                key: "title".into(),
                field: "title",
                problem,
            });
        }
        if raw.sections.is_empty() {
            return Err(TemplateError::Empty);
        }
        if raw.sections.len() > MAX_SECTIONS {
            return Err(TemplateError::TooManySections);
        }
        let mut sections: Vec<TemplateSection> = Vec::with_capacity(raw.sections.len());
        for s in raw.sections {
            if !SECTION_KEYS.contains(&s.key.as_str()) {
                return Err(TemplateError::UnknownKey(bounded(&s.key)));
            }
            if sections.iter().any(|t| t.key == s.key) {
                return Err(TemplateError::DuplicateKey(s.key));
            }
            for (field, value, max) in [("title", &s.title, MAX_TITLE), ("help", &s.help, MAX_HELP)]
            {
                if let Some(problem) = text_problem(value, max) {
                    return Err(TemplateError::BadText {
                        key: s.key,
                        field,
                        problem,
                    });
                }
            }
            let kind: SectionKind = s
                .kind
                .parse()
                .map_err(|e: crate::UnknownCode| TemplateError::Syntax(e.to_string()))?;
            let feeds: PlanSection = s
                .feeds
                .parse()
                .map_err(|e: crate::UnknownCode| TemplateError::Syntax(e.to_string()))?;
            use PlanSection as P;
            if matches!(feeds, P::A | P::I | P::J | P::K) {
                return Err(TemplateError::FeedsOutsideAdvice { key: s.key, feeds });
            }
            if kind == SectionKind::Provision && !matches!(feeds, P::F | P::G | P::H1 | P::H2) {
                return Err(TemplateError::ProvisionFeedsNeeds { key: s.key, feeds });
            }
            sections.push(TemplateSection {
                key: s.key,
                title: s.title.trim().to_owned(),
                help: s.help.trim().to_owned(),
                kind,
                required: s.required,
                feeds,
            });
        }
        if !sections.iter().any(|s| s.required) {
            return Err(TemplateError::NothingRequired);
        }
        Ok(AdviceTemplate {
            profession,
            version: 0,
            title: raw.title.trim().to_owned(),
            sections,
        })
    }

    /// The template shipped with tellonce for `profession` (version 0 until
    /// published).
    pub fn shipped(profession: Profession) -> Result<Self, TemplateError> {
        Self::parse(profession.shipped_source(), Some(profession))
    }

    /// Which template this is.
    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            profession: self.profession,
            version: self.version,
        }
    }

    /// The section with `key`.
    pub fn section(&self, key: &str) -> Option<&TemplateSection> {
        self.sections.iter().find(|s| s.key == key)
    }

    /// Checks submitted advice against the template and builds the content
    /// to store (sections in the template's order, text trimmed). Every
    /// missing or malformed part is reported at once.
    pub fn check(&self, submitted: Vec<SectionContent>) -> Result<AdviceContent, ContentError> {
        let mut problems = Vec::new();
        let mut problem = |path: String, kind: ProblemKind| {
            problems.push(ContentProblem { path, kind });
        };
        if submitted.len() > MAX_SECTIONS * 2 {
            problem("content.sections".into(), ProblemKind::TooMany);
            return Err(ContentError { problems });
        }
        let mut given: Vec<SectionContent> = Vec::new();
        for s in submitted {
            let path = format!("content.sections.{}", bounded(&s.key));
            let Some(section) = self.section(&s.key) else {
                problem(path, ProblemKind::UnknownSection);
                continue;
            };
            if given.iter().any(|g| g.key == s.key) {
                problem(path, ProblemKind::GivenTwice);
                continue;
            }
            let text = s
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match section.kind {
                SectionKind::Text => {
                    if !s.provision.is_empty() {
                        problem(format!("{path}.provision"), ProblemKind::ProvisionInText);
                    }
                    if let Some(t) = &text
                        && let Some(kind) = long_text_problem(t, MAX_SECTION_TEXT)
                    {
                        problem(path.clone(), kind);
                    }
                }
                SectionKind::Provision => {
                    if text.is_some() {
                        problem(format!("{path}.text"), ProblemKind::TextInProvision);
                    }
                    if s.provision.len() > MAX_PROVISION_ITEMS {
                        problem(path.clone(), ProblemKind::TooMany);
                    }
                    for (i, item) in s.provision.iter().enumerate().take(MAX_PROVISION_ITEMS) {
                        for (field, value) in [
                            ("what", &item.what),
                            ("who", &item.who),
                            ("howOften", &item.how_often),
                            ("howLong", &item.how_long),
                        ] {
                            let kind = if value.trim().is_empty() {
                                Some(ProblemKind::Required)
                            } else {
                                long_text_problem(value, MAX_PROVISION_TEXT)
                            };
                            if let Some(kind) = kind {
                                problem(format!("{path}[{i}].{field}"), kind);
                            }
                        }
                    }
                }
            }
            // Only what the section's kind takes is kept.
            let (text, items) = match section.kind {
                SectionKind::Text => (text, Vec::new()),
                SectionKind::Provision => (None, s.provision),
            };
            given.push(SectionContent {
                key: s.key,
                text,
                provision: items
                    .into_iter()
                    .map(|p| ProvisionItem {
                        what: p.what.trim().to_owned(),
                        who: p.who.trim().to_owned(),
                        how_often: p.how_often.trim().to_owned(),
                        how_long: p.how_long.trim().to_owned(),
                    })
                    .collect(),
            });
        }
        for section in &self.sections {
            let filled = given
                .iter()
                .find(|g| g.key == section.key)
                .is_some_and(|g| g.text.is_some() || !g.provision.is_empty());
            if section.required && !filled {
                problem(
                    format!("content.sections.{}", section.key),
                    ProblemKind::Required,
                );
            }
        }
        if !problems.is_empty() {
            return Err(ContentError { problems });
        }
        let sections = self
            .sections
            .iter()
            .filter_map(|t| given.iter().position(|g| g.key == t.key))
            .map(|i| given[i].clone())
            .filter(|g| g.text.is_some() || !g.provision.is_empty())
            .collect();
        Ok(AdviceContent {
            template: self.reference(),
            sections,
        })
    }
}

/// The longest text in one section of advice.
pub const MAX_SECTION_TEXT: usize = 10_000;
/// The longest text in one field of a provision item.
pub const MAX_PROVISION_TEXT: usize = 1_000;
/// The most provision items in one section.
pub const MAX_PROVISION_ITEMS: usize = 50;

fn long_text_problem(value: &str, max: usize) -> Option<ProblemKind> {
    if value.chars().count() > max {
        Some(ProblemKind::TooLong { max })
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        Some(ProblemKind::ControlCharacters)
    } else {
        None
    }
}

/// What is echoed back of a caller's key: keys are short.
fn bounded(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// What is wrong with one part of submitted advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    /// A required section, or a provision item's field, is missing.
    #[error("required")]
    Required,
    /// No section of the template has this key.
    #[error("unknown section")]
    UnknownSection,
    /// The section is given more than once.
    #[error("given twice")]
    GivenTwice,
    /// Longer than the bound.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The bound.
        max: usize,
    },
    /// Holds a control character (other than line breaks and tabs).
    #[error("must not contain control characters")]
    ControlCharacters,
    /// Provision items given for a TEXT section.
    #[error("this section takes text, not provision items")]
    ProvisionInText,
    /// Text given for a PROVISION section.
    #[error("this section takes provision items (what, who, how often, how long), not text")]
    TextInProvision,
    /// Too many sections or items.
    #[error("too many")]
    TooMany,
}

/// One missing or malformed part, at its path in the API's input
/// (`content.sections.needs`, `content.sections.provision[0].howOften`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentProblem {
    /// Where, in the API's spelling.
    pub path: String,
    /// What is wrong there.
    pub kind: ProblemKind,
}

impl std::fmt::Display for ContentProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// Advice that does not fit its template: every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// Each problem, in the order found (submitted sections first, then
    /// the missing required ones in the template's order).
    pub problems: Vec<ContentProblem>,
}

impl std::fmt::Display for ContentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the advice does not fit its template: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentError {}

impl ContentError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        "content"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school() -> AdviceTemplate {
        AdviceTemplate::shipped(Profession::SchoolSetting).expect("school template")
    }

    fn text(key: &str, t: &str) -> SectionContent {
        SectionContent {
            key: key.into(),
            text: Some(t.into()),
            provision: vec![],
        }
    }

    fn item(what: &str, who: &str, often: &str, long: &str) -> ProvisionItem {
        ProvisionItem {
            what: what.into(),
            who: who.into(),
            how_often: often.into(),
            how_long: long.into(),
        }
    }

    fn provision(key: &str, items: Vec<ProvisionItem>) -> SectionContent {
        SectionContent {
            key: key.into(),
            text: None,
            provision: items,
        }
    }

    fn good() -> Vec<SectionContent> {
        vec![
            provision(
                "provision",
                vec![item(
                    "Precision teaching",
                    "TA",
                    "3 x 20 min a week",
                    "a year",
                )],
            ),
            text("views", "Likes maths"),
            text("strengths", "Kind"),
            text("needs", "Working memory"),
            text("outcomes", "Reads at age level"),
        ]
    }

    fn kinds(e: &ContentError) -> Vec<(&str, ProblemKind)> {
        e.problems
            .iter()
            .map(|p| (p.path.as_str(), p.kind))
            .collect()
    }

    #[test]
    fn every_shipped_template_parses_and_feeds_advice_sections() {
        for p in Profession::ALL {
            let t = AdviceTemplate::shipped(*p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(t.profession, *p);
            assert!(t.sections.iter().any(|s| s.required), "{p}");
            for s in &t.sections {
                assert!(!matches!(
                    s.feeds,
                    PlanSection::A | PlanSection::I | PlanSection::J | PlanSection::K
                ));
            }
        }
    }

    #[test]
    fn the_slt_provision_feeds_f_and_health_provision_feeds_g() {
        let slt = AdviceTemplate::shipped(Profession::SpeechLanguageTherapy).expect("slt");
        assert_eq!(
            slt.section("provision").map(|s| s.feeds),
            Some(PlanSection::F)
        );
        let paed = AdviceTemplate::shipped(Profession::PaediatricHealth).expect("health");
        assert_eq!(
            paed.section("health_provision").map(|s| s.feeds),
            Some(PlanSection::G)
        );
        let sc = AdviceTemplate::shipped(Profession::SocialCare).expect("social care");
        assert_eq!(
            sc.section("social_care_provision").map(|s| s.feeds),
            Some(PlanSection::H1)
        );
    }

    fn source(profession: &str, sections: &str) -> String {
        format!("profession = \"{profession}\"\ntitle = \"T\"\n{sections}")
    }

    fn section(key: &str, kind: &str, feeds: &str) -> String {
        format!(
            "[[sections]]\nkey = \"{key}\"\ntitle = \"x\"\nhelp = \"y\"\nkind = \"{kind}\"\nrequired = true\nfeeds = \"{feeds}\"\n"
        )
    }

    #[test]
    fn bad_templates_are_refused_by_kind() {
        let parse = |s: &str| AdviceTemplate::parse(s, Some(Profession::Camhs));
        let needs = section("needs", "TEXT", "B");
        assert!(parse(&source("CAMHS", &needs)).is_ok());
        assert!(matches!(
            parse(&source("CAMHS", &section("foo", "TEXT", "B"))),
            Err(TemplateError::UnknownKey(k)) if k == "foo"
        ));
        assert!(matches!(
            parse(&source("CAMHS", &format!("{needs}{needs}"))),
            Err(TemplateError::DuplicateKey(k)) if k == "needs"
        ));
        assert_eq!(
            parse(&source("CAMHS", "sections = []")),
            Err(TemplateError::Empty)
        );
        assert!(matches!(
            parse(&source("DENTIST", &needs)),
            Err(TemplateError::UnknownProfession(_))
        ));
        assert!(matches!(
            parse(&source("SOCIAL_CARE", &needs)),
            Err(TemplateError::OtherProfession { .. })
        ));
        for feeds in ["A", "B", "C", "D", "E", "I", "J", "K"] {
            let got = parse(&source("CAMHS", &section("provision", "PROVISION", feeds)));
            assert!(
                matches!(
                    got,
                    Err(TemplateError::ProvisionFeedsNeeds { .. }
                        | TemplateError::FeedsOutsideAdvice { .. })
                ),
                "{feeds}: {got:?}"
            );
        }
        assert!(matches!(
            parse(&source("CAMHS", &section("needs", "TEXT", "K"))),
            Err(TemplateError::FeedsOutsideAdvice { .. })
        ));
        assert!(matches!(
            parse(&format!("{}\nextra = 1\n", source("CAMHS", &needs))),
            Err(TemplateError::Syntax(_))
        ));
        assert!(matches!(
            parse("not = [toml"),
            Err(TemplateError::Syntax(_))
        ));
        assert_eq!(
            parse(&"#".repeat(MAX_SOURCE_BYTES + 1)),
            Err(TemplateError::TooLarge)
        );
        let optional = section("needs", "TEXT", "B").replace("required = true", "required = false");
        assert_eq!(
            parse(&source("CAMHS", &optional)),
            Err(TemplateError::NothingRequired)
        );
    }

    #[test]
    fn good_advice_is_kept_in_the_template_order() {
        let content = school().check(good()).expect("fits");
        let keys: Vec<_> = content.sections.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            ["views", "strengths", "needs", "outcomes", "provision"]
        );
        assert_eq!(content.template.profession, Profession::SchoolSetting);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut submitted = vec![
            text("views", "ok"),
            text("foo", "?"),
            text("strengths", "ok"),
            text("strengths", "again"),
            SectionContent {
                key: "outcomes".into(),
                text: Some("ok".into()),
                provision: vec![item("a", "b", "c", "d")],
            },
            provision("provision", vec![item("Speech group", "TA", " ", "")]),
        ];
        submitted.push(SectionContent {
            key: "needs".into(),
            text: Some("x".repeat(MAX_SECTION_TEXT + 1)),
            provision: vec![],
        });
        let e = school().check(submitted).expect_err("refused");
        assert_eq!(
            kinds(&e),
            [
                ("content.sections.foo", ProblemKind::UnknownSection),
                ("content.sections.strengths", ProblemKind::GivenTwice),
                (
                    "content.sections.outcomes.provision",
                    ProblemKind::ProvisionInText
                ),
                (
                    "content.sections.provision[0].howOften",
                    ProblemKind::Required
                ),
                (
                    "content.sections.provision[0].howLong",
                    ProblemKind::Required
                ),
                (
                    "content.sections.needs",
                    ProblemKind::TooLong {
                        max: MAX_SECTION_TEXT
                    }
                ),
            ]
        );
        assert!(
            e.to_string()
                .contains("content.sections.provision[0].howOften: required")
        );
    }

    #[test]
    fn missing_required_sections_and_text_in_provision_are_named() {
        let e = school()
            .check(vec![
                text("views", "ok"),
                SectionContent {
                    key: "provision".into(),
                    text: Some("1:1 support".into()),
                    provision: vec![],
                },
                text("needs", "  "),
            ])
            .expect_err("refused");
        assert_eq!(
            kinds(&e),
            [
                (
                    "content.sections.provision.text",
                    ProblemKind::TextInProvision
                ),
                ("content.sections.strengths", ProblemKind::Required),
                ("content.sections.needs", ProblemKind::Required),
                ("content.sections.outcomes", ProblemKind::Required),
                ("content.sections.provision", ProblemKind::Required),
            ]
        );
    }

    #[test]
    fn optional_sections_may_be_left_out() {
        let slt = AdviceTemplate::shipped(Profession::SpeechLanguageTherapy).expect("slt");
        let content = slt
            .check(vec![
                text("needs", "Word finding"),
                text("outcomes", "Retells a story"),
                provision(
                    "provision",
                    vec![item("Therapy", "SLT", "weekly", "a term")],
                ),
            ])
            .expect("fits");
        assert_eq!(content.sections.len(), 3);
        let e = slt
            .check(vec![text("views", "\u{7}")])
            .expect_err("refused");
        assert_eq!(e.problems[0].kind, ProblemKind::ControlCharacters);
    }

    #[test]
    fn agencies_have_default_professions() {
        use crate::AgencyKind;
        assert_eq!(
            Profession::default_for(AgencyKind::Slt),
            Some(Profession::SpeechLanguageTherapy)
        );
        assert_eq!(Profession::default_for(AgencyKind::LaSend), None);
    }
}

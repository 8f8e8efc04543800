//! Advice templates per profession, as versioned data (the TOML files in
//! `domain/templates/`, published versions in the database), and the
//! structured advice checked against them.
//!
//! A template lists its sections, which are required and which plan
//! section each feeds; `AdviceContent` is what a professional submits.

use serde::{Deserialize, Serialize};

use crate::plan::PlanSection;

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

//! The EHC plan as a versioned document (SEND Regulations 2014 reg 12;
//! Code of Practice 9.62): sections A–K, each paragraph carrying where it
//! came from.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::Scope;
use crate::template::{Profession, ProvisionItem};

crate::code_enum! {
    /// A section of an EHC plan. A–J are "separately identified" (reg
    /// 12(1)), H split into H1 and H2; K appends the advice (CoP 9.62).
    pub enum PlanSection("plan section") {
        /// Views, interests and aspirations of the child and parents, or
        /// of the young person: the family's own "all about me".
        A = "A",
        /// Special educational needs.
        B = "B",
        /// Health needs related to the SEN.
        C = "C",
        /// Social care needs related to the SEN or disability.
        D = "D",
        /// Outcomes sought, including for adult life.
        E = "E",
        /// Special educational provision (specific, normally quantified).
        F = "F",
        /// Health provision.
        G = "G",
        /// Social care provision under s.2 CSDPA 1970.
        H1 = "H1",
        /// Other social care provision.
        H2 = "H2",
        /// The school or other setting.
        I = "I",
        /// Personal budget and direct payments.
        J = "J",
        /// The advice and information gathered, appended.
        K = "K",
    }
}

impl PlanSection {
    /// The section's heading, as the plan prints it.
    pub fn title(self) -> &'static str {
        match self {
            PlanSection::A => "Views, interests and aspirations",
            PlanSection::B => "Special educational needs",
            PlanSection::C => "Health needs related to special educational needs",
            PlanSection::D => {
                "Social care needs related to special educational needs or disability"
            }
            PlanSection::E => "Outcomes sought",
            PlanSection::F => "Special educational provision",
            PlanSection::G => "Health provision",
            PlanSection::H1 => {
                "Social care provision (Chronically Sick and Disabled Persons Act 1970, s.2)"
            }
            PlanSection::H2 => "Other social care provision",
            PlanSection::I => "Placement: school or other setting",
            PlanSection::J => "Personal budget",
            PlanSection::K => "Advice and information",
        }
    }
}

crate::code_enum! {
    /// Where a version of a plan stands.
    pub enum PlanVersionStatus("plan version status") {
        /// Being prepared by the case officer; the family has not seen it.
        InPreparation = "IN_PREPARATION",
        /// Issued as a draft: the family has at least 15 days to respond
        /// (reg 13(1)).
        Draft = "DRAFT",
        /// Issued as the final plan (reg 13(2)).
        Final = "FINAL",
    }
}

crate::code_enum! {
    /// How a version came about.
    pub enum VersionKind("plan version kind") {
        /// The plan made by an EHC needs assessment.
        Original = "ORIGINAL",
        /// An amendment (after a review, reg 22, or a phase transfer, reg 18).
        Amendment = "AMENDMENT",
        /// A plan made before the hub, imported with its dates.
        Imported = "IMPORTED",
    }
}

crate::code_enum! {
    /// Who a paragraph came from.
    pub enum SourceKind("paragraph source") {
        /// A professional's advice (a contribution), section by section.
        Advice = "ADVICE",
        /// The family's own words ("all about me", or their response).
        Family = "FAMILY",
        /// Written by the council's case officer.
        CaseOfficer = "CASE_OFFICER",
    }
}

/// Where a paragraph came from: tell it once, made visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub kind: SourceKind,
    /// The advice it came from.
    pub contribution_id: Option<Uuid>,
    /// The template section of that advice.
    pub section_key: Option<String>,
    /// The version of "all about me" it came from.
    pub all_about_me_version: Option<i32>,
    /// Who wrote it (a subject), and for which agency.
    pub author: String,
    pub agency_id: Option<Uuid>,
    /// When the source was written.
    pub written_on: NaiveDate,
}

/// One paragraph of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub section: PlanSection,
    pub text: String,
    /// For sections F, G, H1, H2: the provision, specific and quantified.
    pub provision: Option<ProvisionItem>,
    pub provenance: Provenance,
}

/// Advice appended in section K.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedAdvice {
    pub contribution_id: Uuid,
    pub title: String,
    pub agency_id: Uuid,
    pub profession: Option<Profession>,
    pub scope: Scope,
    /// The advice's own date (reused advice keeps it).
    pub dated: NaiveDate,
    /// Reused under reg 6(4) rather than written for this assessment.
    pub reused: bool,
}

/// The school or other setting named in section I.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub name: String,
    /// Its type, e.g. "mainstream primary school".
    pub kind: String,
}

/// One version of a child's EHC plan. A plan is identified by the
/// assessment that made it (`plan_id` is that assessment's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVersion {
    pub plan_id: Uuid,
    pub child_id: crate::ChildId,
    /// 1, 2, …
    pub version: i32,
    pub kind: VersionKind,
    pub status: PlanVersionStatus,
    /// The day it was issued (as a draft or final).
    pub issued_on: Option<NaiveDate>,
    /// Paragraphs of sections A–J, in section order.
    pub paragraphs: Vec<Paragraph>,
    pub placement: Option<Placement>,
    /// Section K.
    pub appendices: Vec<AppendedAdvice>,
}

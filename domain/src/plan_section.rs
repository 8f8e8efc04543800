//! The sections of an EHC plan (SEND Regulations 2014 reg 12(1); Code of
//! Practice 9.62): named by the plan, and by the advice templates whose
//! sections feed them.

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

//! Documents rendered for reading and for partner systems: the EHC plan as
//! accessible HTML, as A4 PDF and as JSON. Pure functions of a view the
//! caller built through the door; nothing here reads the store or decides
//! who may see what.
//!
//! - [`plan`]: `PlanView` (one version as one reader may see it) and
//!   `plan_html`, `plan_pdf`, `plan_json`.
//! - `pdf`: the A4 page layout on `pdf-writer`; `helvetica`: the standard
//!   fonts' widths it wraps with.

mod helvetica;
mod pdf;
pub mod plan;

pub use plan::{PlanView, RenderError, plan_html, plan_json, plan_pdf};

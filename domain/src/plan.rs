//! The EHC plan as a versioned document (SEND Regulations 2014 reg 12;
//! Code of Practice 9.62): sections A–K, each paragraph carrying where it
//! came from.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::Scope;
use crate::template::{Profession, ProvisionItem};

pub use crate::plan_section::PlanSection;

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
    /// The profession of the advice (from its template), if known.
    pub profession: Option<Profession>,
    /// For a case officer's paragraph rewritten from a sourced one: who
    /// the original came from (its contribution id and section key are
    /// kept above), so provenance is never lost.
    pub edited_from: Option<SourceKind>,
}

/// One paragraph of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub section: PlanSection,
    pub text: String,
    /// For sections F, G, H1, H2: the provision, specific and quantified.
    pub provision: Option<ProvisionItem>,
    pub provenance: Provenance,
    /// The consent scope the paragraph discloses (its source's, or [`PlanSection::scope`] for the council's own):
    /// an agency sees it only where its decision allows this scope.
    pub scope: Scope,
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

// ---------------------------------------------------------------------------
// Rules: composing a version from the evidence, editing it, issuing it, and
// the family's response.
// ---------------------------------------------------------------------------

use crate::contribution::{AllAboutMeVersion, Contribution};
use crate::ehc::{AdviceAnswerMode, Assessment, DRAFT_COMMENT_DAYS};
use crate::template::TemplateRef;

/// The most paragraphs a case officer may write in one section at once.
pub const MAX_PARAGRAPHS: usize = 60;
/// The longest paragraph (characters): a plan is read by families.
pub const MAX_PARAGRAPH_CHARS: usize = 5_000;
/// The longest name or kind of a setting, or title of an attachment.
pub const MAX_NAME_CHARS: usize = 200;
/// The most comments one response may carry.
pub const MAX_COMMENTS: usize = 40;
/// The most reports a family may attach to one response.
pub const MAX_ATTACHMENTS: usize = 10;
/// The longest attached report's text (characters).
pub const MAX_ATTACHMENT_CHARS: usize = 20_000;

impl PlanSection {
    /// Whether the section holds provision (specific and quantified,
    /// CoP 9.69): F, G, H1 and H2.
    pub fn holds_provision(self) -> bool {
        matches!(
            self,
            PlanSection::F | PlanSection::G | PlanSection::H1 | PlanSection::H2
        )
    }

    /// The scope of a case officer's paragraph in this section: what an
    /// agency needs a basis for to read it.
    pub fn scope(self) -> Scope {
        match self {
            PlanSection::A => Scope::AllAboutMe,
            PlanSection::B | PlanSection::E | PlanSection::F | PlanSection::J | PlanSection::K => {
                Scope::SenNeeds
            }
            PlanSection::C | PlanSection::G => Scope::PhysicalHealth,
            PlanSection::D | PlanSection::H1 | PlanSection::H2 => Scope::SocialCare,
            PlanSection::I => Scope::Education,
        }
    }
}

/// Which plan section a template section feeds: the published templates'
/// `TemplateSection::feeds`, looked up by the caller.
pub type Feeds<'a> = &'a dyn Fn(&TemplateRef, &str) -> Option<PlanSection>;

/// The plan section a template section's key feeds when no published
/// template says (the keys the templates use for the sections every
/// profession writes).
pub fn default_feeds(_template: &TemplateRef, key: &str) -> Option<PlanSection> {
    Some(match key {
        "views" | "views_of_the_child" => PlanSection::A,
        "needs" | "strengths" => PlanSection::B,
        "health_needs" => PlanSection::C,
        "social_care_needs" => PlanSection::D,
        "outcomes" => PlanSection::E,
        "provision" => PlanSection::F,
        "health_provision" => PlanSection::G,
        "social_care_provision" | "social_care_provision_csdpa" => PlanSection::H1,
        "other_social_care_provision" => PlanSection::H2,
        _ => return None,
    })
}

/// One piece of advice answering a request of the assessment.
#[derive(Debug, Clone, Copy)]
pub struct AdviceEvidence<'a> {
    /// The current version of the advice.
    pub contribution: &'a Contribution,
    /// Reused under reg 6(4).
    pub reused: bool,
    /// The profession asked, when the request named one.
    pub profession: Option<Profession>,
}

/// What a plan is written from (reg 11: the advice, the family's views).
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    pub plan_id: Uuid,
    pub child_id: crate::ChildId,
    pub advice: Vec<AdviceEvidence<'a>>,
    /// The family's latest "all about me".
    pub all_about_me: Option<&'a AllAboutMeVersion>,
}

/// The advice answering `assessment`'s requests, each at its current
/// version (a later correction by its author replaces it), in the order
/// the requests were made.
pub fn answered_advice<'a>(
    assessment: &Assessment,
    contributions: &'a [Contribution],
) -> Vec<AdviceEvidence<'a>> {
    let mut out: Vec<AdviceEvidence<'a>> = Vec::new();
    for request in &assessment.advice {
        let Some(answer) = &request.answer else {
            continue;
        };
        let Some(mut c) = contributions
            .iter()
            .find(|c| c.id == answer.contribution_id)
        else {
            continue;
        };
        // Follow corrections to the current version (bounded by the list).
        for _ in 0..contributions.len() {
            match contributions
                .iter()
                .find(|later| later.supersedes == Some(c.id))
            {
                Some(later) => c = later,
                None => break,
            }
        }
        if out.iter().any(|a| a.contribution.id == c.id) {
            continue;
        }
        out.push(AdviceEvidence {
            contribution: c,
            reused: answer.mode == AdviceAnswerMode::Reused,
            profession: request.profession,
        });
    }
    out
}

/// Where free-text advice's needs and provision go: health advice to C and
/// G (the council writes them from health advice, reg 12), social care
/// advice to D and H2, the rest to B and F.
fn free_text_sections(scope: Scope) -> (PlanSection, PlanSection) {
    match scope {
        Scope::PhysicalHealth | Scope::MentalHealth => (PlanSection::C, PlanSection::G),
        Scope::SocialCare => (PlanSection::D, PlanSection::H2),
        _ => (PlanSection::B, PlanSection::F),
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn advice_paragraphs(a: &AdviceEvidence<'_>, feeds: Feeds<'_>) -> Vec<Paragraph> {
    let c = a.contribution;
    let profession = c
        .content
        .as_ref()
        .map(|x| x.template.profession)
        .or(a.profession);
    let provenance = |key: &str| Provenance {
        kind: SourceKind::Advice,
        contribution_id: Some(c.id),
        section_key: Some(key.to_owned()),
        all_about_me_version: None,
        author: c.author.clone(),
        agency_id: Some(c.agency_id),
        written_on: c.created_at.date_naive(),
        profession,
        edited_from: None,
    };
    let paragraph = |section: PlanSection, key: &str, text: &str, provision| Paragraph {
        section,
        text: text.to_owned(),
        provision,
        provenance: provenance(key),
        scope: c.scope,
    };
    let mut out = Vec::new();
    match &c.content {
        Some(content) => {
            for s in &content.sections {
                let Some(section) = feeds(&content.template, &s.key) else {
                    continue;
                };
                if section == PlanSection::K {
                    continue;
                }
                if let Some(text) = non_empty(s.text.as_deref()) {
                    out.push(paragraph(section, &s.key, text, None));
                }
                for item in &s.provision {
                    out.push(paragraph(section, &s.key, &item.what, Some(item.clone())));
                }
            }
        }
        None => {
            let (needs, provision) = free_text_sections(c.scope);
            for (section, key, text) in [
                (needs, "needs", c.needs.as_deref()),
                (PlanSection::E, "outcomes", c.outcomes.as_deref()),
                (provision, "provision", c.provision.as_deref()),
            ] {
                if let Some(text) = non_empty(text) {
                    out.push(paragraph(section, key, text, None));
                }
            }
        }
    }
    out
}

fn family_paragraphs(v: &AllAboutMeVersion) -> Vec<Paragraph> {
    let c = &v.content;
    [
        ("what_matters", c.what_matters.as_deref()),
        ("how_to_support", c.how_to_support.as_deref()),
        ("aspirations", c.aspirations.as_deref()),
        ("history", c.history.as_deref()),
    ]
    .into_iter()
    .filter_map(|(key, text)| {
        non_empty(text).map(|text| Paragraph {
            section: PlanSection::A,
            text: text.to_owned(),
            provision: None,
            provenance: Provenance {
                kind: SourceKind::Family,
                contribution_id: None,
                section_key: Some(key.to_owned()),
                all_about_me_version: Some(v.version),
                author: v.written_by.clone(),
                agency_id: None,
                written_on: v.written_at.date_naive(),
                profession: None,
                edited_from: None,
            },
            scope: Scope::AllAboutMe,
        })
    })
    .collect()
}

/// Puts paragraphs in section order, keeping the order within a section.
fn in_section_order(paragraphs: &mut [Paragraph]) {
    paragraphs.sort_by_key(|p| PlanSection::ALL.iter().position(|s| *s == p.section));
}

/// Composes a version in preparation from the evidence: section A from the
/// family's "all about me" (their own words, with its version); each
/// structured advice section in the plan section it `feeds`, its provision
/// items as paragraphs carrying the item; free-text advice's needs,
/// outcomes and provision; section K listing every piece of advice with its
/// own date and whether it was reused.
pub fn compose(
    evidence: &Evidence<'_>,
    feeds: Feeds<'_>,
    version: i32,
    kind: VersionKind,
) -> PlanVersion {
    let mut paragraphs: Vec<Paragraph> = evidence
        .all_about_me
        .map(family_paragraphs)
        .unwrap_or_default();
    for a in &evidence.advice {
        paragraphs.extend(advice_paragraphs(a, feeds));
    }
    in_section_order(&mut paragraphs);
    let appendices = evidence
        .advice
        .iter()
        .map(|a| AppendedAdvice {
            contribution_id: a.contribution.id,
            title: a.contribution.title.clone(),
            agency_id: a.contribution.agency_id,
            profession: a
                .contribution
                .content
                .as_ref()
                .map(|x| x.template.profession)
                .or(a.profession),
            scope: a.contribution.scope,
            dated: a.contribution.created_at.date_naive(),
            reused: a.reused,
        })
        .collect();
    PlanVersion {
        plan_id: evidence.plan_id,
        child_id: evidence.child_id,
        version,
        kind,
        status: PlanVersionStatus::InPreparation,
        issued_on: None,
        paragraphs,
        placement: None,
        appendices,
    }
}

impl PlanVersion {
    /// The paragraphs of one section, in order.
    pub fn section(&self, section: PlanSection) -> impl Iterator<Item = &Paragraph> {
        self.paragraphs.iter().filter(move |p| p.section == section)
    }

    /// `fresh` (composed from today's evidence) with what the case officer
    /// wrote in this version kept: their paragraphs (an edited one in place
    /// of the sourced paragraph it rewrote) and the placement.
    pub fn recomposed(&self, mut fresh: PlanVersion) -> PlanVersion {
        let officer: Vec<&Paragraph> = self
            .paragraphs
            .iter()
            .filter(|p| p.provenance.kind == SourceKind::CaseOfficer)
            .collect();
        let rewritten = |p: &Paragraph| {
            officer.iter().any(|o| {
                o.provenance.edited_from.is_some()
                    && o.section == p.section
                    && o.provenance.contribution_id == p.provenance.contribution_id
                    && o.provenance.all_about_me_version.is_some()
                        == p.provenance.all_about_me_version.is_some()
                    && o.provenance.section_key == p.provenance.section_key
            })
        };
        fresh.paragraphs.retain(|p| !rewritten(p));
        fresh.paragraphs.extend(officer.into_iter().cloned());
        in_section_order(&mut fresh.paragraphs);
        fresh.placement = self.placement.clone();
        fresh.version = self.version;
        fresh.kind = self.kind;
        fresh
    }

    /// Replaces the case officer's own paragraphs of `section` with
    /// `inputs`. Paragraphs from advice or the family stay; an input that
    /// `replaces` one (its position in the section, from 0) takes its place
    /// as the case officer's, "edited from" its source, keeping the source's
    /// contribution id, key and date. Earlier rewrites stay unless
    /// rewritten again.
    pub fn edit_section(
        &mut self,
        section: PlanSection,
        inputs: Vec<ParagraphInput>,
        author: &str,
        today: NaiveDate,
    ) -> Result<(), PlanError> {
        if self.status != PlanVersionStatus::InPreparation {
            return Err(PlanError::NothingInPreparation);
        }
        if section == PlanSection::K {
            return Err(PlanError::SectionK);
        }
        if inputs.len() > MAX_PARAGRAPHS {
            return Err(PlanError::TooManyParagraphs);
        }
        let existing: Vec<Paragraph> = self.section(section).cloned().collect();
        let mut replaced = std::collections::BTreeSet::new();
        for (n, input) in inputs.iter().enumerate() {
            check_text("paragraphs", n, &input.text, MAX_PARAGRAPH_CHARS)?;
            if let Some(item) = &input.provision {
                if !section.holds_provision() {
                    return Err(PlanError::ProvisionOutsideFGH { n });
                }
                for value in [&item.what, &item.who, &item.how_often, &item.how_long] {
                    check_text("paragraphs", n, value, MAX_NAME_CHARS)
                        .map_err(|_| PlanError::ProvisionIncomplete { n })?;
                }
            }
            if let Some(r) = input.replaces {
                let sourced = existing.get(r).is_some_and(|p| {
                    p.provenance.kind != SourceKind::CaseOfficer
                        || p.provenance.edited_from.is_some()
                });
                if !sourced || !replaced.insert(r) {
                    return Err(PlanError::BadReplaces { n });
                }
            }
        }
        let officer = |input: &ParagraphInput, from: Option<&Paragraph>| Paragraph {
            section,
            text: input.text.trim().to_owned(),
            provision: input.provision.clone(),
            provenance: match from {
                Some(p) => Provenance {
                    kind: SourceKind::CaseOfficer,
                    author: author.to_owned(),
                    written_on: today,
                    edited_from: p.provenance.edited_from.or(Some(p.provenance.kind)),
                    ..p.provenance.clone()
                },
                None => Provenance {
                    kind: SourceKind::CaseOfficer,
                    contribution_id: None,
                    section_key: None,
                    all_about_me_version: None,
                    author: author.to_owned(),
                    agency_id: None,
                    written_on: today,
                    profession: None,
                    edited_from: None,
                },
            },
            scope: from.map_or(section.scope(), |p| p.scope),
        };
        let mut new_section = Vec::new();
        for (i, p) in existing.iter().enumerate() {
            let own =
                p.provenance.kind == SourceKind::CaseOfficer && p.provenance.edited_from.is_none();
            if own {
                continue;
            }
            match inputs.iter().find(|input| input.replaces == Some(i)) {
                Some(input) => new_section.push(officer(input, Some(p))),
                None => new_section.push(p.clone()),
            }
        }
        new_section.extend(
            inputs
                .iter()
                .filter(|i| i.replaces.is_none())
                .map(|i| officer(i, None)),
        );
        self.paragraphs.retain(|p| p.section != section);
        self.paragraphs.extend(new_section);
        in_section_order(&mut self.paragraphs);
        Ok(())
    }
}

/// A paragraph as the case officer writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParagraphInput {
    pub text: String,
    pub provision: Option<ProvisionItem>,
    /// The position (from 0) in the section of the paragraph from advice
    /// or the family that this one rewrites.
    pub replaces: Option<usize>,
}

fn check_text(field: &'static str, n: usize, text: &str, max: usize) -> Result<(), PlanError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PlanError::EmptyText { field, n });
    }
    if text.chars().count() > max {
        return Err(PlanError::TooLong { field, n, max });
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(PlanError::ControlCharacters { field, n });
    }
    Ok(())
}

impl Placement {
    /// The setting named in section I: a name and a kind, each given and
    /// bounded.
    pub fn new(name: &str, kind: &str) -> Result<Placement, PlanError> {
        check_text("name", 0, name, MAX_NAME_CHARS)?;
        check_text("kind", 0, kind, MAX_NAME_CHARS)?;
        Ok(Placement {
            name: name.trim().to_owned(),
            kind: kind.trim().to_owned(),
        })
    }
}

/// Every version of one plan, the latest state of each, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub versions: Vec<PlanVersion>,
}

impl Plan {
    /// The version in preparation, if there is one (always the last).
    pub fn working(&self) -> Option<&PlanVersion> {
        self.versions
            .last()
            .filter(|v| v.status == PlanVersionStatus::InPreparation)
    }

    /// The issued versions, oldest first: what the family sees.
    pub fn issued(&self) -> impl Iterator<Item = &PlanVersion> {
        self.versions
            .iter()
            .filter(|v| v.status != PlanVersionStatus::InPreparation)
    }

    pub fn latest_issued(&self) -> Option<&PlanVersion> {
        self.issued().last()
    }

    /// The latest final version: the plan as maintained.
    pub fn latest_final(&self) -> Option<&PlanVersion> {
        self.issued()
            .filter(|v| v.status == PlanVersionStatus::Final)
            .last()
    }

    /// The number the next new version takes.
    pub fn next_version(&self) -> i32 {
        self.versions.last().map_or(1, |v| v.version + 1)
    }

    /// The version to edit: the one in preparation or, while a draft is
    /// with the family, a new one copied from that draft (changes after
    /// the response go into the final). A maintained plan changes only by
    /// an amendment.
    pub fn to_edit(&self) -> Result<PlanVersion, PlanError> {
        if let Some(w) = self.working() {
            return Ok(w.clone());
        }
        match self.latest_issued() {
            Some(draft) if draft.status == PlanVersionStatus::Draft => Ok(PlanVersion {
                version: self.next_version(),
                status: PlanVersionStatus::InPreparation,
                issued_on: None,
                ..draft.clone()
            }),
            Some(_) => Err(PlanError::Maintained),
            None => Err(PlanError::NothingInPreparation),
        }
    }

    fn check_on(&self, on: NaiveDate, today: NaiveDate) -> Result<(), PlanError> {
        if on > today {
            return Err(PlanError::InFuture);
        }
        if let Some(last) = self.latest_issued().and_then(|v| v.issued_on)
            && on < last
        {
            return Err(PlanError::BeforePrevious { last });
        }
        Ok(())
    }

    /// Issues the version in preparation as the draft the family responds
    /// to (reg 13(1), or reg 22 for an amendment).
    pub fn issue_draft(&self, on: NaiveDate, today: NaiveDate) -> Result<PlanVersion, PlanError> {
        if self
            .latest_issued()
            .is_some_and(|v| v.status == PlanVersionStatus::Draft)
        {
            return Err(PlanError::DraftWithFamily);
        }
        let w = self.working().ok_or(PlanError::NothingInPreparation)?;
        self.check_on(on, today)?;
        Ok(PlanVersion {
            status: PlanVersionStatus::Draft,
            issued_on: Some(on),
            ..w.clone()
        })
    }

    /// Issues the final version: the draft with any changes made since
    /// (the version in preparation), at least 15 days after the draft and
    /// naming the setting in section I.
    pub fn issue_final(&self, on: NaiveDate, today: NaiveDate) -> Result<PlanVersion, PlanError> {
        let draft = self
            .latest_issued()
            .filter(|v| v.status == PlanVersionStatus::Draft)
            .ok_or(PlanError::FinalBeforeDraft)?;
        self.check_on(on, today)?;
        let draft_on = draft.issued_on.ok_or(PlanError::FinalBeforeDraft)?;
        if (on - draft_on).num_days() < DRAFT_COMMENT_DAYS {
            return Err(PlanError::CommentPeriod { draft: draft_on });
        }
        let base = self.to_edit()?;
        if base.placement.is_none() {
            return Err(PlanError::NoPlacement);
        }
        Ok(PlanVersion {
            status: PlanVersionStatus::Final,
            issued_on: Some(on),
            kind: draft.kind,
            ..base
        })
    }

    /// Starts an amendment of a maintained plan: a new version in
    /// preparation, copied from the latest final.
    pub fn propose_amendment(&self) -> Result<PlanVersion, PlanError> {
        let last = self.latest_final().ok_or(PlanError::NotMaintained)?;
        if self.working().is_some()
            || self
                .latest_issued()
                .is_some_and(|v| v.status != PlanVersionStatus::Final)
        {
            return Err(PlanError::AmendmentInProgress);
        }
        Ok(PlanVersion {
            version: self.next_version(),
            kind: VersionKind::Amendment,
            status: PlanVersionStatus::InPreparation,
            issued_on: None,
            ..last.clone()
        })
    }

    /// Records the family's response to the latest draft on `today`:
    /// accepted until the final plan is issued, marked within the 15 days
    /// of reg 13(1) or late.
    pub fn respond(
        &self,
        input: ResponseInput,
        id: Uuid,
        by: &str,
        today: NaiveDate,
    ) -> Result<PlanResponse, PlanError> {
        let draft = match self.latest_issued() {
            Some(v) if v.status == PlanVersionStatus::Draft => v,
            Some(_) => return Err(PlanError::FinalIssued),
            None => return Err(PlanError::NoDraft),
        };
        let issued_on = draft.issued_on.ok_or(PlanError::NoDraft)?;
        let input = input.validated()?;
        Ok(PlanResponse {
            id,
            plan_id: draft.plan_id,
            version: draft.version,
            responded_on: today,
            within_time: (today - issued_on).num_days() <= DRAFT_COMMENT_DAYS,
            comments: input.comments,
            requested_setting: input.requested_setting,
            attachments: input.attachments,
            wants_meeting: input.wants_meeting,
            responded_by: by.to_owned(),
        })
    }
}

/// A comment on one section of the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseComment {
    pub section: PlanSection,
    pub text: String,
}

/// The school or other setting the family asks to be named in section I
/// (CFA 2014 s.38(2)(b)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedSetting {
    pub name: String,
    pub kind: String,
    pub reason: String,
}

/// A report or other evidence the family attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseAttachment {
    pub title: String,
    pub text: String,
}

/// What the family sends in response to a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseInput {
    pub comments: Vec<ResponseComment>,
    pub requested_setting: Option<RequestedSetting>,
    pub attachments: Vec<ResponseAttachment>,
    /// The family asks for a meeting with the council (reg 13(1)(c)).
    pub wants_meeting: bool,
}

impl ResponseInput {
    fn validated(self) -> Result<ResponseInput, PlanError> {
        if self.comments.is_empty()
            && self.requested_setting.is_none()
            && self.attachments.is_empty()
            && !self.wants_meeting
        {
            return Err(PlanError::EmptyResponse);
        }
        if self.comments.len() > MAX_COMMENTS {
            return Err(PlanError::TooMany {
                field: "comments",
                max: MAX_COMMENTS,
            });
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(PlanError::TooMany {
                field: "attachments",
                max: MAX_ATTACHMENTS,
            });
        }
        let comments = self
            .comments
            .into_iter()
            .enumerate()
            .map(|(n, c)| {
                check_text("comments", n, &c.text, MAX_PARAGRAPH_CHARS)?;
                Ok(ResponseComment {
                    section: c.section,
                    text: c.text.trim().to_owned(),
                })
            })
            .collect::<Result<_, PlanError>>()?;
        let attachments = self
            .attachments
            .into_iter()
            .enumerate()
            .map(|(n, a)| {
                check_text("attachments", n, &a.title, MAX_NAME_CHARS)?;
                check_text("attachments", n, &a.text, MAX_ATTACHMENT_CHARS)?;
                Ok(ResponseAttachment {
                    title: a.title.trim().to_owned(),
                    text: a.text.trim().to_owned(),
                })
            })
            .collect::<Result<_, PlanError>>()?;
        let requested_setting = self
            .requested_setting
            .map(|s| {
                check_text("requestedSetting", 0, &s.name, MAX_NAME_CHARS)?;
                check_text("requestedSetting", 0, &s.kind, MAX_NAME_CHARS)?;
                check_text("requestedSetting", 0, &s.reason, MAX_PARAGRAPH_CHARS)?;
                Ok(RequestedSetting {
                    name: s.name.trim().to_owned(),
                    kind: s.kind.trim().to_owned(),
                    reason: s.reason.trim().to_owned(),
                })
            })
            .transpose()?;
        Ok(ResponseInput {
            comments,
            requested_setting,
            attachments,
            wants_meeting: self.wants_meeting,
        })
    }
}

/// The family's response to a draft, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanResponse {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The draft version responded to.
    pub version: i32,
    pub responded_on: NaiveDate,
    /// Within the 15 days of reg 13(1) from the draft's issue.
    pub within_time: bool,
    pub comments: Vec<ResponseComment>,
    pub requested_setting: Option<RequestedSetting>,
    pub attachments: Vec<ResponseAttachment>,
    pub wants_meeting: bool,
    /// The family member's person id.
    pub responded_by: String,
}

/// Why a plan cannot be prepared, edited, issued or responded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No decision to assess, or a decision not to issue a plan.
    #[error(
        "a plan is prepared once the council has decided to assess, and not after deciding not to issue one"
    )]
    NotAssessing,
    /// The plan is final: it changes only by an amendment.
    #[error("the plan is final: propose an amendment to change it")]
    Maintained,
    /// Nothing to edit or issue.
    #[error("no version of the plan is in preparation: prepare the plan first")]
    NothingInPreparation,
    /// Section K is the appended advice.
    #[error("section K lists the advice appended; it is not written by hand")]
    SectionK,
    #[error("at most {MAX_PARAGRAPHS} paragraphs per section")]
    TooManyParagraphs,
    #[error("item {n} has no text")]
    EmptyText { field: &'static str, n: usize },
    #[error("item {n} is longer than {max} characters")]
    TooLong {
        field: &'static str,
        n: usize,
        max: usize,
    },
    #[error("item {n} contains control characters")]
    ControlCharacters { field: &'static str, n: usize },
    #[error("at most {max} {field}")]
    TooMany { field: &'static str, max: usize },
    /// Provision belongs in F, G, H1 or H2.
    #[error("paragraph {n}: provision is written in sections F, G, H1 and H2")]
    ProvisionOutsideFGH { n: usize },
    /// A provision item says what, who, how often and how long (CoP 9.69).
    #[error("paragraph {n}: provision says what, who, how often and for how long")]
    ProvisionIncomplete { n: usize },
    /// `replaces` names no paragraph from advice or the family, or one twice.
    #[error(
        "paragraph {n}: replaces names no paragraph from advice or the family in this section (or one already rewritten)"
    )]
    BadReplaces { n: usize },
    /// A final plan names the school or other setting.
    #[error(
        "section I must name the school or other setting (setPlacement) before the final plan is issued"
    )]
    NoPlacement,
    #[error("cannot be in the future")]
    InFuture,
    #[error("cannot be before the previous version was issued ({last})")]
    BeforePrevious { last: NaiveDate },
    /// A draft is already with the family.
    #[error("a draft is with the family: issue the final plan next")]
    DraftWithFamily,
    #[error("the final plan follows a draft plan")]
    FinalBeforeDraft,
    #[error(
        "the family has at least {days} days to comment on the draft (issued {draft})",
        days = DRAFT_COMMENT_DAYS
    )]
    CommentPeriod { draft: NaiveDate },
    #[error("an amendment is proposed to a maintained plan: no final plan has been issued")]
    NotMaintained,
    #[error("an amendment of this plan is already under way")]
    AmendmentInProgress,
    #[error("there is no draft plan to respond to")]
    NoDraft,
    #[error("the final plan has been issued: the time to respond to the draft has ended")]
    FinalIssued,
    #[error(
        "a response says something: a comment, a requested setting, a report, or a request to meet"
    )]
    EmptyResponse,
}

impl PlanError {
    /// The API field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PlanError::SectionK => "section",
            PlanError::TooManyParagraphs
            | PlanError::ProvisionOutsideFGH { .. }
            | PlanError::ProvisionIncomplete { .. }
            | PlanError::BadReplaces { .. } => "paragraphs",
            PlanError::EmptyText { field, .. }
            | PlanError::TooLong { field, .. }
            | PlanError::ControlCharacters { field, .. }
            | PlanError::TooMany { field, .. } => field,
            PlanError::InFuture
            | PlanError::BeforePrevious { .. }
            | PlanError::CommentPeriod { .. } => "on",
            PlanError::EmptyResponse => "comments",
            PlanError::NotAssessing
            | PlanError::Maintained
            | PlanError::NothingInPreparation
            | PlanError::NoPlacement
            | PlanError::DraftWithFamily
            | PlanError::FinalBeforeDraft
            | PlanError::NotMaintained
            | PlanError::AmendmentInProgress
            | PlanError::NoDraft
            | PlanError::FinalIssued => "assessmentId",
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::contribution::{AllAboutMeVersion, ContributionKind, WrittenAs};
    use crate::ehc::{AdviceAnswer, AdviceRequest};
    use crate::template::{AdviceContent, SectionContent};
    use crate::{AgencyKind, AllAboutMe};

    const CHILD: Uuid = Uuid::from_u128(1);
    const PLAN: Uuid = Uuid::from_u128(2);
    const SLT: Uuid = Uuid::from_u128(0x51);
    const EP: Uuid = Uuid::from_u128(0xe9);
    const SC: Uuid = Uuid::from_u128(0x5c);

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn on(date: NaiveDate) -> DateTime<Utc> {
        date.and_hms_opt(10, 0, 0).expect("time").and_utc()
    }

    fn advice(n: u128, agency: Uuid, scope: Scope, dated: NaiveDate) -> Contribution {
        Contribution {
            id: Uuid::from_u128(n),
            child_id: CHILD,
            scope,
            agency_id: agency,
            agency_kind: AgencyKind::Slt,
            author: format!("author-{n}"),
            kind: ContributionKind::Advice,
            title: format!("advice {n}"),
            needs: Some(format!("needs {n}")),
            outcomes: Some(format!("outcomes {n}")),
            provision: Some(format!("provision {n}")),
            notes: None,
            content: None,
            supersedes: None,
            created_at: on(dated),
        }
    }

    fn structured(n: u128, dated: NaiveDate) -> Contribution {
        Contribution {
            needs: None,
            outcomes: None,
            provision: None,
            content: Some(AdviceContent {
                template: TemplateRef {
                    profession: Profession::SpeechLanguageTherapy,
                    version: 1,
                },
                sections: vec![
                    SectionContent {
                        key: "needs".into(),
                        text: Some("expressive language".into()),
                        provision: Vec::new(),
                    },
                    SectionContent {
                        key: "provision".into(),
                        text: None,
                        provision: vec![item("therapy"), item("groups")],
                    },
                    SectionContent {
                        key: "unknown".into(),
                        text: Some("fed nowhere".into()),
                        provision: Vec::new(),
                    },
                ],
            }),
            ..advice(n, SLT, Scope::Communication, dated)
        }
    }

    fn item(what: &str) -> ProvisionItem {
        ProvisionItem {
            what: what.into(),
            who: "therapist".into(),
            how_often: "weekly".into(),
            how_long: "a term".into(),
        }
    }

    fn aam() -> AllAboutMeVersion {
        AllAboutMeVersion {
            version: 3,
            content: AllAboutMe {
                what_matters: Some("my cat".into()),
                how_to_support: None,
                aspirations: Some("  ".into()),
                history: None,
            },
            written_by: "mum".into(),
            written_as: WrittenAs::Parent,
            written_at: on(d(2026, 3, 1)),
        }
    }

    fn request(n: u128, agency: Uuid, answer: Option<(u128, AdviceAnswerMode)>) -> AdviceRequest {
        AdviceRequest {
            id: Uuid::from_u128(0x1000 + n),
            agency_id: agency,
            scope: Scope::Communication,
            profession: None,
            attachments: Default::default(),
            asked_on: d(2026, 2, 2),
            due_on: d(2026, 3, 16),
            target_on: None,
            answer: answer.map(|(c, mode)| AdviceAnswer {
                contribution_id: Uuid::from_u128(c),
                mode,
                answered_on: d(2026, 3, 2),
            }),
        }
    }

    fn assessment(requests: Vec<AdviceRequest>) -> Assessment {
        Assessment {
            id: PLAN,
            child_id: CHILD,
            request_received_on: d(2026, 1, 5),
            events: Vec::new(),
            advice: requests,
        }
    }

    /// The evidence of one assessment: SLT's structured advice (corrected
    /// once), EP's reused advice of November, social care's free text, an
    /// unanswered request, and the family's "all about me".
    fn draft_from_evidence() -> PlanVersion {
        let mut corrected = structured(11, d(2026, 3, 2));
        corrected.supersedes = Some(Uuid::from_u128(10));
        let contributions = vec![
            advice(10, SLT, Scope::Communication, d(2026, 3, 1)),
            corrected,
            advice(20, EP, Scope::Psychology, d(2025, 11, 3)),
            advice(30, SC, Scope::SocialCare, d(2026, 3, 2)),
        ];
        let a = assessment(vec![
            request(1, SLT, Some((10, AdviceAnswerMode::Submitted))),
            request(2, EP, Some((20, AdviceAnswerMode::Reused))),
            request(3, SC, Some((30, AdviceAnswerMode::Submitted))),
            request(4, SC, None),
        ]);
        let aam = aam();
        let evidence = Evidence {
            plan_id: PLAN,
            child_id: CHILD,
            advice: answered_advice(&a, &contributions),
            all_about_me: Some(&aam),
        };
        compose(&evidence, &default_feeds, 1, VersionKind::Original)
    }

    fn summary(v: &PlanVersion) -> Vec<(PlanSection, &str, SourceKind, Option<u128>, Scope)> {
        v.paragraphs
            .iter()
            .map(|p| {
                (
                    p.section,
                    p.text.as_str(),
                    p.provenance.kind,
                    p.provenance.contribution_id.map(|id| id.as_u128()),
                    p.scope,
                )
            })
            .collect()
    }

    #[test]
    fn every_paragraph_names_its_source_and_scope() {
        use PlanSection::*;
        use SourceKind::{Advice as Adv, Family};
        let v = draft_from_evidence();
        assert_eq!(
            summary(&v),
            vec![
                (A, "my cat", Family, None, Scope::AllAboutMe),
                (
                    B,
                    "expressive language",
                    Adv,
                    Some(11),
                    Scope::Communication
                ),
                (B, "needs 20", Adv, Some(20), Scope::Psychology),
                (D, "needs 30", Adv, Some(30), Scope::SocialCare),
                (E, "outcomes 20", Adv, Some(20), Scope::Psychology),
                (E, "outcomes 30", Adv, Some(30), Scope::SocialCare),
                (F, "therapy", Adv, Some(11), Scope::Communication),
                (F, "groups", Adv, Some(11), Scope::Communication),
                (F, "provision 20", Adv, Some(20), Scope::Psychology),
                (H2, "provision 30", Adv, Some(30), Scope::SocialCare),
            ]
        );
        let family = &v.paragraphs[0].provenance;
        assert_eq!(
            (
                family.all_about_me_version,
                family.section_key.as_deref(),
                family.written_on
            ),
            (Some(3), Some("what_matters"), d(2026, 3, 1))
        );
        let slt = &v.paragraphs[1].provenance;
        assert_eq!(
            (
                slt.section_key.as_deref(),
                slt.profession,
                slt.agency_id,
                slt.author.as_str()
            ),
            (
                Some("needs"),
                Some(Profession::SpeechLanguageTherapy),
                Some(SLT),
                "author-11"
            )
        );
        assert_eq!(v.status, PlanVersionStatus::InPreparation);
    }

    #[test]
    fn provision_items_become_f_paragraphs_carrying_the_item() {
        let v = draft_from_evidence();
        let f: Vec<&Paragraph> = v.section(PlanSection::F).collect();
        assert_eq!(f[0].provision, Some(item("therapy")));
        assert_eq!(f[1].provision, Some(item("groups")));
        // Free-text provision has no item to carry.
        assert_eq!(f[2].provision, None);
    }

    #[test]
    fn k_lists_reused_and_fresh_advice_with_their_own_dates() {
        let k: Vec<(u128, NaiveDate, bool)> = draft_from_evidence()
            .appendices
            .iter()
            .map(|a| (a.contribution_id.as_u128(), a.dated, a.reused))
            .collect();
        assert_eq!(
            k,
            vec![
                (11, d(2026, 3, 2), false),
                (20, d(2025, 11, 3), true),
                (30, d(2026, 3, 2), false)
            ]
        );
    }

    fn officer(text: &str) -> ParagraphInput {
        ParagraphInput {
            text: text.into(),
            provision: None,
            replaces: None,
        }
    }

    #[test]
    fn an_edit_replaces_the_officers_paragraphs_and_keeps_every_source() {
        let mut v = draft_from_evidence();
        let today = d(2026, 4, 6);
        v.edit_section(PlanSection::B, vec![officer("first")], "co", today)
            .expect("edit");
        let rewrite = ParagraphInput {
            replaces: Some(0),
            ..officer("expressive language, in plainer words")
        };
        v.edit_section(
            PlanSection::B,
            vec![rewrite, officer("second")],
            "co",
            today,
        )
        .expect("edit");
        let b: Vec<&Paragraph> = v.section(PlanSection::B).collect();
        let texts: Vec<&str> = b.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "expressive language, in plainer words",
                "needs 20",
                "second"
            ]
        );
        let edited = &b[0].provenance;
        assert_eq!(
            (
                edited.kind,
                edited.edited_from,
                edited.contribution_id,
                edited.author.as_str()
            ),
            (
                SourceKind::CaseOfficer,
                Some(SourceKind::Advice),
                Some(Uuid::from_u128(11)),
                "co"
            )
        );
        assert_eq!(b[0].scope, Scope::Communication);
        assert_eq!(b[2].scope, Scope::SenNeeds);
        // Recomposed from today's evidence, what the officer wrote stays and
        // the rewritten advice paragraph does not come back.
        let again = v.recomposed(draft_from_evidence());
        let texts: Vec<&str> = again
            .section(PlanSection::B)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(
            texts,
            vec![
                "needs 20",
                "expressive language, in plainer words",
                "second"
            ]
        );
    }

    #[test]
    fn bad_edits_are_refused_naming_the_field() {
        let today = d(2026, 4, 6);
        let with_item = |section| {
            let mut v = draft_from_evidence();
            v.edit_section(
                section,
                vec![ParagraphInput {
                    provision: Some(item("x")),
                    ..officer("x")
                }],
                "co",
                today,
            )
        };
        assert_eq!(
            with_item(PlanSection::B),
            Err(PlanError::ProvisionOutsideFGH { n: 0 })
        );
        assert_eq!(with_item(PlanSection::G), Ok(()));
        let edit = |section, inputs: Vec<ParagraphInput>| {
            draft_from_evidence().edit_section(section, inputs, "co", today)
        };
        let cases = [
            (edit(PlanSection::K, vec![officer("x")]), "section"),
            (edit(PlanSection::B, vec![officer(" ")]), "paragraphs"),
            (
                edit(
                    PlanSection::B,
                    vec![officer(&"x".repeat(MAX_PARAGRAPH_CHARS + 1))],
                ),
                "paragraphs",
            ),
            (
                edit(
                    PlanSection::B,
                    vec![ParagraphInput {
                        replaces: Some(9),
                        ..officer("x")
                    }],
                ),
                "paragraphs",
            ),
            (
                edit(
                    PlanSection::B,
                    (0..=MAX_PARAGRAPHS).map(|_| officer("x")).collect(),
                ),
                "paragraphs",
            ),
        ];
        for (result, field) in cases {
            assert_eq!(result.expect_err(field).field(), field);
        }
    }

    fn issued(plan: &mut Plan, v: PlanVersion) {
        if plan.working().is_some() {
            plan.versions.pop();
        }
        plan.versions.push(v);
    }

    #[test]
    fn versions_are_issued_draft_then_final_and_amended_as_new_versions() {
        let today = d(2026, 6, 1);
        let mut plan = Plan {
            versions: vec![draft_from_evidence()],
        };
        assert_eq!(
            plan.issue_final(d(2026, 5, 1), today),
            Err(PlanError::FinalBeforeDraft)
        );
        assert_eq!(
            plan.issue_draft(d(2026, 6, 2), today),
            Err(PlanError::InFuture)
        );
        let draft = plan.issue_draft(d(2026, 4, 6), today).expect("draft");
        assert_eq!((draft.version, draft.status), (1, PlanVersionStatus::Draft));
        issued(&mut plan, draft);
        assert_eq!(
            plan.issue_draft(d(2026, 4, 7), today),
            Err(PlanError::DraftWithFamily)
        );
        assert_eq!(
            plan.issue_final(d(2026, 4, 20), today),
            Err(PlanError::CommentPeriod {
                draft: d(2026, 4, 6)
            })
        );
        assert_eq!(
            plan.issue_final(d(2026, 4, 21), today),
            Err(PlanError::NoPlacement)
        );
        let mut edited = plan.to_edit().expect("a copy of the draft");
        assert_eq!(
            (edited.version, edited.status),
            (2, PlanVersionStatus::InPreparation)
        );
        edited.placement = Some(Placement::new("Hillside", "primary").expect("placement"));
        plan.versions.push(edited);
        let final_plan = plan.issue_final(d(2026, 4, 21), today).expect("final");
        assert_eq!(
            (final_plan.version, final_plan.status, final_plan.kind),
            (2, PlanVersionStatus::Final, VersionKind::Original)
        );
        issued(&mut plan, final_plan);
        assert_eq!(plan.to_edit(), Err(PlanError::Maintained));
        let amendment = plan.propose_amendment().expect("amendment");
        assert_eq!(
            (amendment.version, amendment.kind, amendment.status),
            (3, VersionKind::Amendment, PlanVersionStatus::InPreparation)
        );
        plan.versions.push(amendment);
        assert_eq!(
            plan.propose_amendment(),
            Err(PlanError::AmendmentInProgress)
        );
        assert_eq!(
            plan.issue_draft(d(2026, 4, 20), today),
            Err(PlanError::BeforePrevious {
                last: d(2026, 4, 21)
            })
        );
        let amended_draft = plan.issue_draft(d(2026, 5, 1), today).expect("draft");
        issued(&mut plan, amended_draft);
        assert_eq!(plan.latest_final().map(|v| v.version), Some(2));
        assert_eq!(plan.issued().count(), 3);
    }

    fn said(text: &str) -> ResponseInput {
        ResponseInput {
            comments: vec![ResponseComment {
                section: PlanSection::F,
                text: text.into(),
            }],
            ..ResponseInput::default()
        }
    }

    #[test]
    fn a_response_is_kept_until_the_final_plan_and_marked_late_after_15_days() {
        let mut plan = Plan {
            versions: vec![draft_from_evidence()],
        };
        let id = Uuid::from_u128(9);
        assert_eq!(
            plan.respond(said("x"), id, "mum", d(2026, 4, 6)),
            Err(PlanError::NoDraft)
        );
        let draft = plan
            .issue_draft(d(2026, 4, 6), d(2026, 4, 6))
            .expect("draft");
        issued(&mut plan, draft);
        let on_time = plan
            .respond(said(" weekly "), id, "mum", d(2026, 4, 21))
            .expect("response");
        assert_eq!(
            (
                on_time.version,
                on_time.within_time,
                on_time.comments[0].text.as_str()
            ),
            (1, true, "weekly")
        );
        let late = plan
            .respond(said("x"), id, "mum", d(2026, 4, 22))
            .expect("late, but kept");
        assert!(!late.within_time);
        assert_eq!(
            plan.respond(ResponseInput::default(), id, "mum", d(2026, 4, 22)),
            Err(PlanError::EmptyResponse)
        );
        let oversize = ResponseInput {
            attachments: vec![ResponseAttachment {
                title: "report".into(),
                text: "x".repeat(MAX_ATTACHMENT_CHARS + 1),
            }],
            ..ResponseInput::default()
        };
        assert_eq!(
            plan.respond(oversize, id, "mum", d(2026, 4, 22))
                .map_err(|e| e.field()),
            Err("attachments")
        );
        let mut final_plan = plan.to_edit().expect("copy");
        final_plan.placement = Some(Placement::new("Hillside", "primary").expect("placement"));
        plan.versions.push(final_plan);
        let final_plan = plan
            .issue_final(d(2026, 4, 23), d(2026, 4, 23))
            .expect("final");
        issued(&mut plan, final_plan);
        assert_eq!(
            plan.respond(said("x"), id, "mum", d(2026, 4, 24)),
            Err(PlanError::FinalIssued)
        );
    }
}

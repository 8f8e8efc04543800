//! Advice templates and the reg 6(1) advice checklist over GraphQL:
//! `adviceTemplate` / `adviceTemplates` (any signed-in caller: they hold no
//! child data), `publishAdviceTemplate` (IG admins), structured advice's
//! input and output types, `adviceChecklist` and `recordAdviceNotRequired`
//! (case officers).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::Contribution;
use domain::checklist::ChecklistItem;
use domain::template::{
    AdviceContent, AdviceTemplate, ProvisionItem, SectionContent, TemplateSection,
};

use super::context::request;
use super::parse_id;
use super::scalar::Date;
use super::types::MilestoneStatusGql;
use crate::access::ChecklistOnFile;

type GqlResult<T> = async_graphql::Result<T>;

/// The profession an advice template is for, and an advice request asks
/// (SEND Regulations 2014 reg 6(1), 6(2)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "Profession", remote = "domain::template::Profession")]
pub enum ProfessionGql {
    /// The head teacher or SENCO of the school or setting (reg 6(1)(b)).
    SchoolSetting,
    /// A qualified teacher of children with hearing or vision impairment (reg 6(2)).
    SensorySpecialistTeacher,
    /// An educational psychologist (reg 6(1)(d)).
    EducationalPsychology,
    /// A speech and language therapist.
    SpeechLanguageTherapy,
    /// An occupational therapist or physiotherapist.
    OccupationalTherapyPhysiotherapy,
    /// A paediatrician or other health care professional (reg 6(1)(c)).
    PaediatricHealth,
    /// Child and adolescent mental health services.
    Camhs,
    /// Social care (reg 6(1)(e)).
    SocialCare,
    /// Preparing for adulthood, from Year 9 (reg 6(1)(g)).
    PreparingForAdulthood,
}

/// A section of an EHC plan (reg 12(1)): A–J, H split into H1 and H2; K
/// appends the advice.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "PlanSection", remote = "domain::plan::PlanSection")]
pub enum PlanSectionGql {
    /// Views, interests and aspirations of the child and parents, or of the young person: the family's own "all about me".
    A,
    /// Special educational needs.
    B,
    /// Health needs related to the special educational needs.
    C,
    /// Social care needs related to the special educational needs or disability.
    D,
    /// Outcomes sought, including for adult life.
    E,
    /// Special educational provision (specific, normally quantified).
    F,
    /// Health provision.
    G,
    /// Social care provision under s.2 of the Chronically Sick and Disabled Persons Act 1970.
    H1,
    /// Other social care provision.
    H2,
    /// The school or other setting.
    I,
    /// Personal budget and direct payments.
    J,
    /// The advice and information gathered, appended.
    K,
}

/// What a template section asks for: free text, or provision items.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "TemplateSectionKind", remote = "domain::template::SectionKind")]
pub enum SectionKindGql {
    /// Free text.
    Text,
    /// A list of provision, each item with what, who, how often and for how long (CoP 9.69: specific and normally quantified).
    Provision,
}

/// Where a checklist item stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "ChecklistItemStatus", remote = "domain::checklist::ItemStatus")]
pub enum ItemStatusGql {
    /// Nothing asked, given or recorded yet.
    Open,
    /// Asked for on this assessment, not yet answered.
    Requested,
    /// Answered with new advice (for (a): "all about me" is written).
    Answered,
    /// Answered with existing advice (reg 6(4)).
    Reused,
    /// The case officer recorded why it is not required.
    NotRequired,
}

/// One section of an advice template.
#[derive(SimpleObject, Debug)]
#[graphql(name = "TemplateSection")]
pub struct TemplateSectionView {
    /// Stable key: the key advice gives for this section.
    pub key: String,
    /// The section's title.
    pub title: String,
    /// Guidance for the professional filling it in.
    pub help: String,
    /// Whether it asks for free text or provision items.
    pub kind: SectionKindGql,
    /// Whether advice must fill it in.
    pub required: bool,
    /// The plan section it feeds.
    pub feeds: PlanSectionGql,
    /// That plan section's heading.
    pub feeds_title: &'static str,
}

impl From<TemplateSection> for TemplateSectionView {
    fn from(s: TemplateSection) -> Self {
        Self {
            key: s.key,
            title: s.title,
            help: s.help,
            kind: s.kind.into(),
            required: s.required,
            feeds: s.feeds.into(),
            feeds_title: s.feeds.title(),
        }
    }
}

/// A published version of a profession's advice template.
#[derive(SimpleObject, Debug)]
#[graphql(name = "AdviceTemplate")]
pub struct AdviceTemplateView {
    /// The profession it is for.
    pub profession: ProfessionGql,
    /// Its version number, from 1.
    pub version: i32,
    /// Its title.
    pub title: String,
    /// Its sections, in order.
    pub sections: Vec<TemplateSectionView>,
}

impl From<AdviceTemplate> for AdviceTemplateView {
    fn from(t: AdviceTemplate) -> Self {
        Self {
            profession: t.profession.into(),
            version: t.version,
            title: t.title,
            sections: t.sections.into_iter().map(Into::into).collect(),
        }
    }
}

/// One item of provision: what, who, how often, how long.
#[derive(SimpleObject, Debug)]
#[graphql(name = "ProvisionItem")]
pub struct ProvisionItemView {
    /// What the provision is.
    pub what: String,
    /// Who provides it.
    pub who: String,
    /// How often.
    pub how_often: String,
    /// For how long.
    pub how_long: String,
}

impl From<ProvisionItem> for ProvisionItemView {
    fn from(p: ProvisionItem) -> Self {
        Self {
            what: p.what,
            who: p.who,
            how_often: p.how_often,
            how_long: p.how_long,
        }
    }
}

/// One section of structured advice, with the plan section it feeds.
#[derive(SimpleObject, Debug)]
#[graphql(name = "AdviceSection")]
pub struct AdviceSectionView {
    /// The template section's key.
    pub key: String,
    /// The template's title for it.
    pub title: String,
    /// The plan section it feeds; null if the template no longer has the key.
    pub feeds: Option<PlanSectionGql>,
    /// That plan section's heading.
    pub feeds_title: Option<&'static str>,
    /// The text, for a TEXT section.
    pub text: Option<String>,
    /// The provision items, for a PROVISION section.
    pub provision: Vec<ProvisionItemView>,
}

/// Structured advice: the template it was written against and its
/// sections, in the template's order.
#[derive(SimpleObject, Debug)]
#[graphql(name = "AdviceContent")]
pub struct AdviceContentView {
    /// The profession of the template it was written against.
    pub profession: ProfessionGql,
    /// That template's version.
    pub template_version: i32,
    /// Its sections, in the template's order.
    pub sections: Vec<AdviceSectionView>,
}

fn content_view(content: AdviceContent, template: Option<&AdviceTemplate>) -> AdviceContentView {
    let section = |key: &str| template.and_then(|t| t.section(key));
    AdviceContentView {
        profession: content.template.profession.into(),
        template_version: content.template.version,
        sections: content
            .sections
            .into_iter()
            .map(|s| {
                let t = section(&s.key);
                AdviceSectionView {
                    title: t.map_or_else(|| s.key.clone(), |t| t.title.clone()),
                    feeds: t.map(|t| t.feeds.into()),
                    feeds_title: t.map(|t| t.feeds.title()),
                    key: s.key,
                    text: s.text,
                    provision: s.provision.into_iter().map(Into::into).collect(),
                }
            })
            .collect(),
    }
}

/// The `content` of a contribution: its structured advice with each
/// section's title and the plan section it feeds, or null for free text
/// (updates, and advice given before templates).
pub(super) async fn contribution_content(
    ctx: &Context<'_>,
    c: &Contribution,
) -> GqlResult<Option<AdviceContentView>> {
    let Some(content) = c.content.clone() else {
        return Ok(None);
    };
    let rc = request(ctx)?;
    let template = rc.advice_template_at(content.template).await?;
    Ok(Some(content_view(content, template.as_ref())))
}

/// One item of provision as submitted. Every field is needed; a missing
/// one is named in the error with the others.
#[derive(InputObject, Debug)]
#[graphql(name = "ProvisionItemInput")]
pub struct ProvisionItemInput {
    /// What the provision is (required).
    pub what: Option<String>,
    /// Who provides it (required).
    pub who: Option<String>,
    /// How often (required).
    pub how_often: Option<String>,
    /// For how long (required).
    pub how_long: Option<String>,
}

/// One section of structured advice: `text` for a TEXT section,
/// `provision` for a PROVISION one.
#[derive(InputObject, Debug)]
#[graphql(name = "AdviceSectionInput")]
pub struct AdviceSectionInput {
    /// The template section's key.
    pub key: String,
    /// The text, for a TEXT section.
    pub text: Option<String>,
    /// The provision items, for a PROVISION section. Default none.
    #[graphql(default)]
    pub provision: Vec<ProvisionItemInput>,
}

/// Structured advice, checked against the latest template of its
/// profession (see `adviceTemplate`).
#[derive(InputObject, Debug)]
#[graphql(name = "AdviceContentInput")]
pub struct AdviceContentInput {
    /// The sections filled in.
    pub sections: Vec<AdviceSectionInput>,
}

impl AdviceContentInput {
    pub(super) fn sections(self) -> Vec<SectionContent> {
        self.sections
            .into_iter()
            .map(|s| SectionContent {
                key: s.key,
                text: s.text,
                provision: s
                    .provision
                    .into_iter()
                    .map(|p| ProvisionItem {
                        what: p.what.unwrap_or_default(),
                        who: p.who.unwrap_or_default(),
                        how_often: p.how_often.unwrap_or_default(),
                        how_long: p.how_long.unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// One source of advice the assessment seeks (reg 6(1)), and where it
/// stands.
#[derive(SimpleObject, Debug)]
#[graphql(name = "AdviceChecklistItem")]
pub struct ChecklistItemView {
    /// The regulation, e.g. `6(1)(c)`.
    pub regulation: &'static str,
    /// The profession asked; null for (a), the family's own views.
    pub profession: Option<ProfessionGql>,
    /// The item, in words.
    pub name: String,
    /// Why it is on the list.
    pub why: String,
    /// A (f) suggestion from the child's needs: never holds up the draft.
    pub suggested: bool,
    /// Where it stands.
    pub status: ItemStatusGql,
    /// Required and open: the draft waits for it (or a reason).
    pub blocks_draft: bool,
    /// The advice request made for it, if any.
    pub request_id: Option<ID>,
    /// That request's status today.
    pub request_status: Option<MilestoneStatusGql>,
    /// When it was answered, if it was.
    pub answered_on: Option<Date>,
    /// Why the case officer recorded it as not required.
    pub not_required_reason: Option<String>,
}

impl From<ChecklistItem> for ChecklistItemView {
    fn from(i: ChecklistItem) -> Self {
        Self {
            name: i.name(),
            blocks_draft: i.blocks_draft(),
            regulation: i.regulation,
            profession: i.profession.map(Into::into),
            why: i.why,
            suggested: i.suggested,
            status: i.status.into(),
            request_id: i.request_id.map(|r| ID(r.to_string())),
            request_status: i.request_status.map(Into::into),
            answered_on: i.answered_on.map(Into::into),
            not_required_reason: i.not_required_reason,
        }
    }
}

/// The reg 6(1) advice checklist of an assessment, on today's date.
#[derive(SimpleObject, Debug)]
#[graphql(name = "AdviceChecklist")]
pub struct ChecklistView {
    /// The assessment.
    pub assessment_id: ID,
    /// The child.
    pub child_id: ID,
    /// Each source of advice, in the regulation's order.
    pub items: Vec<ChecklistItemView>,
    /// No required item is open: `issueDraft` needs no reason.
    pub ready_for_draft: bool,
}

impl From<ChecklistOnFile> for ChecklistView {
    fn from(c: ChecklistOnFile) -> Self {
        Self {
            assessment_id: ID(c.assessment_id.to_string()),
            child_id: ID(c.child_id.to_string()),
            ready_for_draft: !c.items.iter().any(|i| i.blocks_draft()),
            items: c.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Default)]
pub struct TemplateQuery;

#[Object]
impl TemplateQuery {
    /// A profession's advice template, the latest version unless
    /// `version` is given: sections, which are required, and the plan
    /// section each feeds. Any signed-in caller (no child data in it), so
    /// partner systems can build their forms.
    async fn advice_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profession.")] profession: ProfessionGql,
        #[graphql(desc = "The version; the latest when absent.")] version: Option<i32>,
    ) -> GqlResult<AdviceTemplateView> {
        let rc = request(ctx)?;
        Ok(rc.advice_template(profession.into(), version).await?.into())
    }

    /// The latest advice template of each profession.
    async fn advice_templates(&self, ctx: &Context<'_>) -> GqlResult<Vec<AdviceTemplateView>> {
        let rc = request(ctx)?;
        Ok(rc
            .advice_templates()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The reg 6(1) advice checklist of an assessment (case officers).
    async fn advice_checklist(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
    ) -> GqlResult<ChecklistView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let id = parse_id("assessmentId", &assessment_id)?;
        Ok(officer.advice_checklist(id).await?.into())
    }
}

#[derive(Debug, Default)]
pub struct TemplateMutation;

#[Object]
impl TemplateMutation {
    /// Publishes the next version of a profession's advice template (role
    /// ig_admin), written in the TOML form of `domain/templates/*.toml`.
    async fn publish_advice_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profession.")] profession: ProfessionGql,
        #[graphql(desc = "The template in TOML.")] source: String,
    ) -> GqlResult<AdviceTemplateView> {
        let rc = request(ctx)?;
        Ok(rc
            .ig_admin()?
            .publish_advice_template(profession.into(), &source)
            .await?
            .into())
    }

    /// Records that one source of advice is not required on an assessment,
    /// and why (case officers). The checklist shows it NOT_REQUIRED with
    /// the reason, and the draft no longer waits for it.
    async fn record_advice_not_required(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The source of advice not required, by its profession.")]
        profession: ProfessionGql,
        #[graphql(desc = "Why it is not required.")] reason: String,
    ) -> GqlResult<ChecklistView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let id = parse_id("assessmentId", &assessment_id)?;
        Ok(officer
            .record_advice_not_required(id, profession.into(), &reason)
            .await?
            .into())
    }
}

//! The EHC plan over GraphQL: versions with every paragraph's provenance
//! ("tell it once" made visible), the case officer's preparation, edits
//! and amendments, and the family's response to a draft. Resolvers parse,
//! call the door, and shape.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::Agency;
use domain::plan::{
    AppendedAdvice, Paragraph, ParagraphInput, PlanResponse, PlanVersion, PlanVersionStatus,
    RequestedSetting, ResponseAttachment, ResponseComment, ResponseInput,
};
use domain::template::ProvisionItem;

use super::parse_id;
use super::record::request;
use super::scalar::Date;
use super::types;
use crate::access::{PlanReader, Responder, ShownPlan, ShownVersion};
use crate::error::Error;

type GqlResult<T> = async_graphql::Result<T>;

macro_rules! remote_enum {
    ($(#[$m:meta])* $name:ident = $remote:literal { $($(#[$vm:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        $(#[$m])*
        pub enum $name { $($(#[$vm])* $variant),+ }
    };
}

use super::templates::PlanSectionGql;
remote_enum!(
    /// Where a version of a plan stands.
    #[graphql(name = "PlanVersionStatus")]
    PlanVersionStatusGql = "domain::plan::PlanVersionStatus" {
    /// Being prepared by the case officer; the family has not seen it.
    InPreparation,
    /// Issued as a draft: the family has at least 15 days to respond (reg 13(1)).
    Draft,
    /// Issued as the final plan (reg 13(2)).
    Final });
remote_enum!(
    /// How a version came about.
    #[graphql(name = "PlanVersionKind")]
    PlanVersionKindGql = "domain::plan::VersionKind" {
    /// The plan made by an EHC needs assessment.
    Original,
    /// An amendment (after a review, reg 22, or a phase transfer, reg 18).
    Amendment,
    /// A plan made before the hub, imported with its dates.
    Imported });
remote_enum!(
    /// Who a paragraph came from.
    #[graphql(name = "ParagraphSource")]
    ParagraphSourceGql = "domain::plan::SourceKind" {
    /// A professional's advice (a contribution), section by section.
    Advice,
    /// The family's own words ("all about me", or their response).
    Family,
    /// Written by the council's case officer.
    CaseOfficer });

/// One item of provision: what, who, how often and for how long.
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(input_name = "PlanProvisionItemInput")]
pub struct ProvisionItemView {
    /// What the provision is, e.g. "Speech and language therapy".
    pub what: String,
    /// Who provides it, e.g. "NHS speech and language therapist".
    pub who: String,
    /// How often, e.g. "Weekly, 45 minutes".
    pub how_often: String,
    /// For how long, e.g. "Until the annual review".
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

/// Where a paragraph came from.
#[derive(SimpleObject, Debug)]
pub struct ProvenanceView {
    /// Who the paragraph came from.
    pub source: ParagraphSourceGql,
    /// For a case officer's rewrite of a sourced paragraph: the source.
    pub edited_from: Option<ParagraphSourceGql>,
    /// The advice it came from.
    pub contribution_id: Option<ID>,
    /// The template section of that advice (or the part of "all about me").
    pub section_key: Option<String>,
    /// The version of "all about me" it came from.
    pub all_about_me_version: Option<i32>,
    /// The agency whose advice it came from.
    pub agency_id: Option<ID>,
    /// That agency's name, from the register.
    pub agency_name: Option<String>,
    /// The advice's profession (its code), if known.
    pub profession: Option<String>,
    /// Who wrote it: shown to the council only.
    pub author: Option<String>,
    /// When its source was written.
    pub written_on: Date,
}

/// One paragraph of a plan.
#[derive(SimpleObject, Debug)]
pub struct ParagraphView {
    /// The plan section it is in.
    pub section: PlanSectionGql,
    /// Its text.
    pub text: String,
    /// The provision item (what, who, how often, how long) where the paragraph states provision; null otherwise.
    pub provision: Option<ProvisionItemView>,
    /// The consent scope it discloses.
    pub scope: types::Scope,
    /// Where it came from.
    pub provenance: ProvenanceView,
}

/// One section with its paragraphs.
#[derive(SimpleObject, Debug)]
pub struct PlanSectionView {
    /// The section.
    pub section: PlanSectionGql,
    /// Its title, e.g. "Special educational needs".
    pub title: &'static str,
    /// Its paragraphs you may see, in order.
    pub paragraphs: Vec<ParagraphView>,
}

/// Advice appended in section K.
#[derive(SimpleObject, Debug)]
pub struct AppendedAdviceView {
    /// The advice (a contribution).
    pub contribution_id: ID,
    /// Its title.
    pub title: String,
    /// The agency that gave it.
    pub agency_id: ID,
    /// That agency's name, from the register.
    pub agency_name: Option<String>,
    /// The advice's profession (its code), if known.
    pub profession: Option<String>,
    /// The part of the record it is about.
    pub scope: types::Scope,
    /// The advice's own date (reused advice keeps it).
    pub dated: Date,
    /// Reused under reg 6(4).
    pub reused: bool,
}

/// The school or other setting named in section I.
#[derive(SimpleObject, Debug)]
pub struct PlacementView {
    /// The setting's name.
    pub name: String,
    /// What kind of setting, in words (e.g. "Mainstream primary school").
    pub kind: String,
}

/// A section (or part of one) kept from you, and why.
#[derive(SimpleObject, Debug)]
pub struct WithheldSectionView {
    /// The plan section.
    pub section: PlanSectionGql,
    /// The consent scope withheld.
    pub scope: types::Scope,
    /// Why, as a code: NOT_PERMITTED, CONSENT_REQUIRED or PURPOSE_NOT_ESTABLISHED.
    pub code: String,
    /// Why, in words.
    pub reason: String,
}

/// One version of a plan, as you may see it.
#[derive(SimpleObject, Debug)]
pub struct PlanVersionView {
    /// The assessment that made the plan.
    pub plan_id: ID,
    /// The child.
    pub child_id: ID,
    /// The version number, from 1.
    pub version: i32,
    /// How the version came about.
    pub kind: PlanVersionKindGql,
    /// Where the version stands.
    pub status: PlanVersionStatusGql,
    /// When it was issued; null while in preparation.
    pub issued_on: Option<Date>,
    /// Sections A–J in order, each with the paragraphs you may see.
    pub sections: Vec<PlanSectionView>,
    /// The school or other setting named in section I; null until named.
    pub placement: Option<PlacementView>,
    /// Section K.
    pub appendices: Vec<AppendedAdviceView>,
    /// What is kept from you, section by section: never silently missing.
    pub withheld: Vec<WithheldSectionView>,
}

/// A comment on one section.
#[derive(SimpleObject, InputObject, Debug)]
#[graphql(input_name = "PlanCommentInput")]
pub struct PlanCommentView {
    /// The section commented on.
    pub section: PlanSectionGql,
    /// The comment.
    pub text: String,
}

/// The setting the family asks to be named.
#[derive(SimpleObject, InputObject, Debug)]
#[graphql(input_name = "RequestedSettingInput")]
pub struct RequestedSettingView {
    /// The setting's name.
    pub name: String,
    /// What kind of setting, in words.
    pub kind: String,
    /// Why the family asks for it.
    pub reason: String,
}

/// A report the family attaches.
#[derive(SimpleObject, InputObject, Debug)]
#[graphql(input_name = "PlanAttachmentInput")]
pub struct PlanAttachmentView {
    /// The report's title.
    pub title: String,
    /// Its text.
    pub text: String,
}

/// A family's response to a draft.
#[derive(SimpleObject, Debug)]
pub struct PlanResponseView {
    /// The response's id.
    pub id: ID,
    /// The plan (the assessment that made it).
    pub plan_id: ID,
    /// The draft version responded to.
    pub version: i32,
    /// When the family responded.
    pub responded_on: Date,
    /// Within the 15 days of reg 13(1).
    pub within_time: bool,
    /// Comments, section by section.
    pub comments: Vec<PlanCommentView>,
    /// The school or setting the family asks to be named, if any.
    pub requested_setting: Option<RequestedSettingView>,
    /// Reports the family attached.
    pub attachments: Vec<PlanAttachmentView>,
    /// Whether the family wants a meeting with the council.
    pub wants_meeting: bool,
    /// Who responded (sign-in subject).
    pub responded_by: String,
}

/// A child's EHC plan.
#[derive(SimpleObject, Debug)]
pub struct EhcPlanView {
    /// The plan's id: the id of the assessment that made it.
    pub plan_id: ID,
    /// The child.
    pub child_id: ID,
    /// The latest issued version.
    pub latest: Option<PlanVersionView>,
    /// Every version you may see, oldest first.
    pub versions: Vec<PlanVersionView>,
    /// The family's responses (for the council and the family).
    pub responses: Vec<PlanResponseView>,
    /// For the family: whether you may respond to a draft today (you
    /// decide about special educational needs information); null for
    /// anyone else.
    pub you_may_respond: Option<bool>,
    /// Why you may not respond to a draft, in words; null when you may.
    pub why_you_may_not_respond: Option<String>,
}

fn agency_name(agencies: &[Agency], id: Option<uuid::Uuid>) -> Option<String> {
    id.and_then(|id| agencies.iter().find(|a| a.id == id))
        .map(|a| a.name.clone())
}

fn paragraph_view(p: Paragraph, agencies: &[Agency]) -> ParagraphView {
    let v = p.provenance;
    ParagraphView {
        section: p.section.into(),
        text: p.text,
        provision: p.provision.map(Into::into),
        scope: p.scope.into(),
        provenance: ProvenanceView {
            source: v.kind.into(),
            edited_from: v.edited_from.map(Into::into),
            contribution_id: v.contribution_id.map(|id| ID(id.to_string())),
            section_key: v.section_key,
            all_about_me_version: v.all_about_me_version,
            agency_id: v.agency_id.map(|id| ID(id.to_string())),
            agency_name: agency_name(agencies, v.agency_id),
            profession: v.profession.map(|p| p.code().to_owned()),
            author: Some(v.author).filter(|a| !a.is_empty()),
            written_on: v.written_on.into(),
        },
    }
}

fn appendix_view(a: AppendedAdvice, agencies: &[Agency]) -> AppendedAdviceView {
    AppendedAdviceView {
        contribution_id: ID(a.contribution_id.to_string()),
        title: a.title,
        agency_name: agency_name(agencies, Some(a.agency_id)),
        agency_id: ID(a.agency_id.to_string()),
        profession: a.profession.map(|p| p.code().to_owned()),
        scope: a.scope.into(),
        dated: a.dated.into(),
        reused: a.reused,
    }
}

fn version_view(shown: ShownVersion, agencies: &[Agency]) -> PlanVersionView {
    let ShownVersion { version, withheld } = shown;
    let PlanVersion {
        plan_id,
        child_id,
        version: number,
        kind,
        status,
        issued_on,
        paragraphs,
        placement,
        appendices,
    } = version;
    let mut sections: Vec<PlanSectionView> = domain::plan::PlanSection::ALL
        .iter()
        .filter(|s| **s != domain::plan::PlanSection::K)
        .map(|s| PlanSectionView {
            section: (*s).into(),
            title: s.title(),
            paragraphs: Vec::new(),
        })
        .collect();
    for p in paragraphs {
        let section: PlanSectionGql = p.section.into();
        if let Some(s) = sections.iter_mut().find(|s| s.section == section) {
            s.paragraphs.push(paragraph_view(p, agencies));
        }
    }
    PlanVersionView {
        plan_id: ID(plan_id.to_string()),
        child_id: ID(child_id.to_string()),
        version: number,
        kind: kind.into(),
        status: status.into(),
        issued_on: issued_on.map(Into::into),
        sections,
        placement: placement.map(|p| PlacementView {
            name: p.name,
            kind: p.kind,
        }),
        appendices: appendices
            .into_iter()
            .map(|a| appendix_view(a, agencies))
            .collect(),
        withheld: withheld
            .into_iter()
            .map(|w| WithheldSectionView {
                section: w.section.into(),
                scope: w.scope.into(),
                code: w.denial.code.code().to_owned(),
                reason: w.denial.reason,
            })
            .collect(),
    }
}

/// A version the case officer has just saved or issued (they see it all).
fn officer_view(v: PlanVersion, agencies: &[Agency]) -> PlanVersionView {
    version_view(
        ShownVersion {
            version: v,
            withheld: Vec::new(),
        },
        agencies,
    )
}

fn response_view(r: PlanResponse) -> PlanResponseView {
    PlanResponseView {
        id: ID(r.id.to_string()),
        plan_id: ID(r.plan_id.to_string()),
        version: r.version,
        responded_on: r.responded_on.into(),
        within_time: r.within_time,
        comments: r
            .comments
            .into_iter()
            .map(|c| PlanCommentView {
                section: c.section.into(),
                text: c.text,
            })
            .collect(),
        requested_setting: r.requested_setting.map(|s| RequestedSettingView {
            name: s.name,
            kind: s.kind,
            reason: s.reason,
        }),
        attachments: r
            .attachments
            .into_iter()
            .map(|a| PlanAttachmentView {
                title: a.title,
                text: a.text,
            })
            .collect(),
        wants_meeting: r.wants_meeting,
        responded_by: r.responded_by,
    }
}

fn plan_view(plan: ShownPlan) -> EhcPlanView {
    let ShownPlan {
        plan_id,
        child_id,
        reader,
        versions,
        responses,
        agencies,
        responder,
    } = plan;
    let latest_index = versions
        .iter()
        .rposition(|v| v.version.status != PlanVersionStatus::InPreparation);
    let latest = latest_index.map(|i| version_view(versions[i].clone(), &agencies));
    let responses = match reader {
        PlanReader::Agency => Vec::new(),
        _ => responses.into_iter().map(response_view).collect(),
    };
    EhcPlanView {
        plan_id: ID(plan_id.to_string()),
        child_id: ID(child_id.to_string()),
        latest,
        versions: versions
            .into_iter()
            .map(|v| version_view(v, &agencies))
            .collect(),
        responses,
        you_may_respond: responder
            .as_ref()
            .map(|r| matches!(r, Responder::MayRespond)),
        why_you_may_not_respond: match responder {
            Some(Responder::MayNot(why)) => Some(why),
            _ => None,
        },
    }
}

#[derive(Debug, Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// The child's EHC plan: the latest issued version and every version
    /// you may see. The family sees every issued version in full; the
    /// council sees all, with authors and responses; an agency sees the
    /// sections its basis allows, the others listed as withheld.
    async fn ehc_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> GqlResult<Option<EhcPlanView>> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        Ok(rc.ehc_plan(Some(child), None).await?.map(plan_view))
    }

    /// One version of the plan made by an assessment.
    async fn ehc_plan_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment that made the plan.")] assessment_id: ID,
        #[graphql(desc = "The version number.")] version: i32,
    ) -> GqlResult<Option<PlanVersionView>> {
        let rc = request(ctx)?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let Some(plan) = rc.ehc_plan(None, Some(assessment)).await? else {
            return Ok(None);
        };
        let agencies = plan.agencies.clone();
        Ok(plan
            .versions
            .into_iter()
            .find(|v| v.version.version == version)
            .map(|v| version_view(v, &agencies)))
    }
}

/// A paragraph as the case officer writes it.
#[derive(InputObject, Debug)]
pub struct PlanParagraphInput {
    /// The paragraph's text.
    pub text: String,
    /// The provision item (what, who, how often, how long), where the paragraph states provision.
    pub provision: Option<ProvisionItemView>,
    /// The position (from 0) in the section of a paragraph from advice or
    /// the family that this one rewrites: the rewrite keeps its source.
    pub replaces: Option<i32>,
}

#[derive(Debug, Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Composes the plan from the assessment's advice and the family's
    /// "all about me" as a version in preparation, or recomposes the one
    /// in preparation from today's evidence, keeping what you wrote.
    async fn prepare_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
    ) -> GqlResult<PlanVersionView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let v = officer.prepare_plan(assessment).await?;
        Ok(officer_view(v, &rc.agencies().await?))
    }

    /// Replaces your own paragraphs of one section of the version in
    /// preparation; paragraphs from advice and the family stay, unless a
    /// paragraph `replaces` one (keeping its source).
    async fn edit_plan_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The section to edit.")] section: PlanSectionGql,
        #[graphql(desc = "Your paragraphs for it, in order.")] paragraphs: Vec<PlanParagraphInput>,
    ) -> GqlResult<PlanVersionView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let inputs = paragraphs
            .into_iter()
            .map(|p| {
                let replaces = p
                    .replaces
                    .map(|r| {
                        usize::try_from(r).map_err(|_| {
                            Error::bad_input("paragraphs", "replaces is a position from 0")
                        })
                    })
                    .transpose()?;
                Ok(ParagraphInput {
                    text: p.text,
                    provision: p.provision.map(|i| ProvisionItem {
                        what: i.what,
                        who: i.who,
                        how_often: i.how_often,
                        how_long: i.how_long,
                    }),
                    replaces,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let v = officer
            .edit_plan_section(assessment, section.into(), inputs)
            .await?;
        Ok(officer_view(v, &rc.agencies().await?))
    }

    /// Names the school or other setting in section I.
    async fn set_placement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] assessment_id: ID,
        #[graphql(desc = "The setting's name.")] name: String,
        #[graphql(desc = "What kind of setting, in words.")] kind: String,
    ) -> GqlResult<PlanVersionView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let v = officer.set_placement(assessment, &name, &kind).await?;
        Ok(officer_view(v, &rc.agencies().await?))
    }

    /// The family's response to the latest draft: comments per section, a
    /// requested school or setting, their own reports, and whether they
    /// want a meeting (reg 13(1)). Accepted until the final plan is issued;
    /// marked late after 15 days.
    #[allow(clippy::too_many_arguments)]
    async fn respond_to_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment whose draft you respond to.")] assessment_id: ID,
        #[graphql(desc = "Comments, section by section.")] comments: Option<Vec<PlanCommentView>>,
        #[graphql(desc = "The school or setting you ask to be named.")] requested_setting: Option<
            RequestedSettingView,
        >,
        #[graphql(desc = "Your own reports.")] attachments: Option<Vec<PlanAttachmentView>>,
        #[graphql(desc = "Whether you want a meeting with the council. Default false.")]
        wants_meeting: Option<bool>,
    ) -> GqlResult<PlanResponseView> {
        let rc = request(ctx)?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let child = rc.child_of_plan(assessment).await?;
        let family = rc.family(child).await?;
        let input = ResponseInput {
            comments: comments
                .unwrap_or_default()
                .into_iter()
                .map(|c| ResponseComment {
                    section: c.section.into(),
                    text: c.text,
                })
                .collect(),
            requested_setting: requested_setting.map(|s| RequestedSetting {
                name: s.name,
                kind: s.kind,
                reason: s.reason,
            }),
            attachments: attachments
                .unwrap_or_default()
                .into_iter()
                .map(|a| ResponseAttachment {
                    title: a.title,
                    text: a.text,
                })
                .collect(),
            wants_meeting: wants_meeting.unwrap_or(false),
        };
        Ok(response_view(
            family.respond_to_draft(assessment, input).await?,
        ))
    }

    /// Starts an amendment of a maintained plan: a new version in
    /// preparation copied from the latest final.
    async fn propose_amendment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment that made the plan.")] assessment_id: ID,
    ) -> GqlResult<PlanVersionView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let assessment = parse_id("assessmentId", &assessment_id)?;
        let v = officer.propose_amendment(assessment).await?;
        Ok(officer_view(v, &rc.agencies().await?))
    }

    /// Issues the amendment in preparation as a draft for the family.
    async fn issue_amendment_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment that made the plan.")] assessment_id: ID,
        #[graphql(desc = "The day the draft amendment was issued.")] on: Date,
    ) -> GqlResult<PlanVersionView> {
        amend(ctx, &assessment_id, PlanVersionStatus::Draft, on).await
    }

    /// Issues the amended plan, at least 15 days after its draft.
    async fn issue_amended_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment that made the plan.")] assessment_id: ID,
        #[graphql(desc = "The day the amended plan was issued.")] on: Date,
    ) -> GqlResult<PlanVersionView> {
        amend(ctx, &assessment_id, PlanVersionStatus::Final, on).await
    }
}

async fn amend(
    ctx: &Context<'_>,
    assessment_id: &ID,
    status: PlanVersionStatus,
    on: Date,
) -> GqlResult<PlanVersionView> {
    let rc = request(ctx)?;
    let officer = rc.case_officer()?;
    let assessment = parse_id("assessmentId", assessment_id)?;
    let v = officer.issue_amendment(assessment, status, on.0).await?;
    Ok(officer_view(v, &rc.agencies().await?))
}

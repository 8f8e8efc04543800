//! The child's record over GraphQL: [`ChildView`] adapts a
//! [`Disclosure`] to the schema, passing each
//! section's selected field names to the door. Nothing here decides.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::Contribution;
use domain::Scope;

use super::types::{self, Gql, OverrideNotice, ScopeAccess};
use crate::access::Disclosure;
use crate::error::Result;

pub use super::context::request;

/// The parts of a record a `Child` selection reads (every field of the
/// selection, through fragments and aliases): a field this does not know
/// reads the whole record, so a new field can never be served empty.
pub fn parts_selected(ctx: &Context<'_>) -> store::RecordParts {
    let mut parts = store::RecordParts::none();
    for field in ctx.field().selection_set() {
        let scope = match field.name() {
            "__typename"
            | "id"
            | "access"
            | "identity"
            | "family"
            | "safeguardingOverrides"
            | "contributions" => None,
            "allAboutMe" => Some(Scope::AllAboutMe),
            "education" => Some(Scope::Education),
            "senNeeds" => Some(Scope::SenNeeds),
            "psychology" => Some(Scope::Psychology),
            "physicalHealth" => Some(Scope::PhysicalHealth),
            "communication" => Some(Scope::Communication),
            "sensoryPhysical" => Some(Scope::SensoryPhysical),
            "mentalHealth" => Some(Scope::MentalHealth),
            "socialCare" => Some(Scope::SocialCare),
            "preparingForAdulthood" => Some(Scope::PreparingForAdulthood),
            "restricted" => Some(Scope::Restricted),
            "involvements" => {
                parts.involvements = true;
                None
            }
            _ => return store::RecordParts::all(),
        };
        parts.scopes.extend(scope);
    }
    parts
}

/// The names of the fields selected under the current field.
pub fn selected(ctx: &Context<'_>) -> Vec<String> {
    ctx.field()
        .selection_set()
        .map(|f| f.name().to_owned())
        .collect()
}

/// A child's record as one caller may see it in one request.
#[derive(Debug)]
pub struct ChildView(pub Disclosure);

type Section<T> = async_graphql::Result<Option<T>>;

impl ChildView {
    /// A section through the door: the value, or null with a
    /// CONSENT_REQUIRED / NOT_PERMITTED error at the field's path (the guard
    /// extension turns a failed nullable field into null plus the error).
    fn section<T>(
        &self,
        ctx: &Context<'_>,
        scope: Scope,
        value: impl FnOnce(&domain::ChildRecord) -> T,
    ) -> Section<T> {
        Ok(Some(self.0.section(scope, selected(ctx), value)?))
    }
}

/// One child's unified record. Each section is null, with an error at its
/// path, when the caller may not see its scope.
#[Object(name = "ChildRecord")]
impl ChildView {
    /// The hub's opaque id for the child.
    async fn id(&self) -> ID {
        ID(self.0.id().to_string())
    }

    /// For each scope: may you see it, on which basis, or why not (so you
    /// know what to ask the family for).
    async fn access(&self) -> Vec<ScopeAccess> {
        let decision = self.0.decision();
        decision
            .iter()
            .map(|(scope, d)| ScopeAccess::new(scope, d, decision.agreement_version))
            .collect()
    }

    /// Who the child is; the NHS number, UPN and address each need their
    /// own scope (null with an error at the field's path when withheld).
    async fn identity(&self, ctx: &Context<'_>) -> Section<types::IdentityView> {
        let shown = self
            .0
            .section_by_field(domain::Section::Identity, selected(ctx), |r| {
                r.identity.clone()
            })?;
        Ok(Some(types::IdentityView(shown)))
    }

    /// The child's family and carers (scope FAMILY); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope (see `access`).
    async fn family(&self, ctx: &Context<'_>) -> Section<Vec<Gql<domain::FamilyMember>>> {
        self.section(ctx, Scope::Family, |r| {
            r.family.iter().cloned().map(Gql).collect()
        })
    }

    /// "All about me", in the family's own words (scope ALL_ABOUT_ME, EHC plan section A); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn all_about_me(&self, ctx: &Context<'_>) -> Section<Gql<domain::AllAboutMe>> {
        self.section(ctx, Scope::AllAboutMe, |r| Gql(r.all_about_me.clone()))
    }

    /// School and learning (scope EDUCATION); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn education(&self, ctx: &Context<'_>) -> Section<Gql<domain::Education>> {
        self.section(ctx, Scope::Education, |r| Gql(r.education.clone()))
    }

    /// Special educational needs and provision (scope SEN_NEEDS); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn sen_needs(&self, ctx: &Context<'_>) -> Section<Gql<domain::SenNeeds>> {
        self.section(ctx, Scope::SenNeeds, |r| Gql(r.sen_needs.clone()))
    }

    /// Educational psychology (scope PSYCHOLOGY); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn psychology(&self, ctx: &Context<'_>) -> Section<Gql<domain::Psychology>> {
        self.section(ctx, Scope::Psychology, |r| Gql(r.psychology.clone()))
    }

    /// Physical health, medicines and allergies (scope PHYSICAL_HEALTH); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn physical_health(&self, ctx: &Context<'_>) -> Section<Gql<domain::PhysicalHealth>> {
        self.section(ctx, Scope::PhysicalHealth, |r| {
            Gql(r.physical_health.clone())
        })
    }

    /// Speech, language and communication (scope COMMUNICATION); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn communication(&self, ctx: &Context<'_>) -> Section<Gql<domain::Communication>> {
        self.section(ctx, Scope::Communication, |r| Gql(r.communication.clone()))
    }

    /// Movement, senses and daily living (scope SENSORY_PHYSICAL); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn sensory_physical(&self, ctx: &Context<'_>) -> Section<Gql<domain::SensoryPhysical>> {
        self.section(ctx, Scope::SensoryPhysical, |r| {
            Gql(r.sensory_physical.clone())
        })
    }

    /// Wellbeing and mental health (scope MENTAL_HEALTH); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn mental_health(&self, ctx: &Context<'_>) -> Section<Gql<domain::MentalHealth>> {
        self.section(ctx, Scope::MentalHealth, |r| Gql(r.mental_health.clone()))
    }

    /// Family support and social care (scope SOCIAL_CARE); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn social_care(&self, ctx: &Context<'_>) -> Section<Gql<domain::SocialCare>> {
        self.section(ctx, Scope::SocialCare, |r| Gql(r.social_care.clone()))
    }

    /// Preparing for adulthood (scope PREPARING_FOR_ADULTHOOD); null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn preparing_for_adulthood(
        &self,
        ctx: &Context<'_>,
    ) -> Section<Gql<domain::PreparingForAdulthood>> {
        self.section(ctx, Scope::PreparingForAdulthood, |r| {
            Gql(r.preparing_for_adulthood.clone())
        })
    }

    /// Restricted information (scope RESTRICTED): only on a statutory or safeguarding basis, never by consent; null, with a CONSENT_REQUIRED or NOT_PERMITTED error at its path, when you may not see the scope.
    async fn restricted(&self, ctx: &Context<'_>) -> Section<Vec<Gql<domain::RestrictedItem>>> {
        self.section(ctx, Scope::Restricted, |r| {
            r.restricted.iter().cloned().map(Gql).collect()
        })
    }

    /// Safeguarding overrides on this record that you may know of: for the
    /// family, those the lead has decided they may now be told of (through
    /// the notice written for them); for a lead, their own.
    async fn safeguarding_overrides(&self, ctx: &Context<'_>) -> Result<Vec<OverrideNotice>> {
        let overrides = self.0.overrides();
        let agencies = if overrides.is_empty() {
            Vec::new()
        } else {
            request(ctx)?.agencies().await?
        };
        Ok(overrides
            .iter()
            .map(|o| OverrideNotice::new(o, &agencies))
            .collect())
    }

    /// Contributions from agencies, with their provenance: your own
    /// agency's always; others' where you may see their scope.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contributions to this scope; all you may see when absent.")]
        scope: Option<super::types::Scope>,
        #[graphql(
            default,
            desc = "Also list contributions a later one superseded. Default false."
        )]
        include_superseded: bool,
    ) -> async_graphql::Result<Vec<ContributionView>> {
        let shown = self
            .0
            .contributions(scope.map(Into::into), include_superseded, selected(ctx))
            .await?;
        Ok(shown
            .into_iter()
            .map(|s| ContributionView {
                c: s.contribution,
                current: s.current,
            })
            .collect())
    }

    /// Services involved with the child ("team around the child"). Only
    /// involvements whose service scope you may see are listed: the list
    /// never reveals that a hidden service is involved.
    async fn involvements(&self, ctx: &Context<'_>) -> Result<Vec<Gql<domain::Involvement>>> {
        Ok(self
            .0
            .involvements(selected(ctx))?
            .into_iter()
            .map(Gql)
            .collect())
    }
}

/// A contribution, with its provenance.
#[derive(Debug, Clone)]
pub struct ContributionView {
    pub(crate) c: Contribution,
    pub(crate) current: bool,
}

/// What an agency contributed to one scope of a child's record, with its
/// provenance. Immutable: a correction is a new contribution that
/// `supersedes` the old one.
#[Object(name = "Contribution")]
impl ContributionView {
    /// The contribution's id.
    async fn id(&self) -> ID {
        ID(self.c.id.to_string())
    }
    /// The part of the record it contributes to.
    async fn scope(&self) -> types::Scope {
        self.c.scope.into()
    }
    /// The contributing agency.
    async fn agency_id(&self) -> ID {
        ID(self.c.agency_id.to_string())
    }
    /// The contributing agency's kind.
    async fn agency_kind(&self) -> types::AgencyKind {
        self.c.agency_kind.into()
    }
    /// The contributing agency's name, as registered (null if it has left
    /// the register).
    async fn agency_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let agencies = request(ctx)?.agencies().await?;
        Ok(agencies
            .into_iter()
            .find(|a| a.id == self.c.agency_id)
            .map(|a| a.name))
    }
    /// The practitioner who wrote it (their token subject).
    async fn author(&self) -> &str {
        &self.c.author
    }
    /// Advice, assessment findings or an update.
    async fn kind(&self) -> types::ContributionKindGql {
        self.c.kind.into()
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.c.title
    }
    /// The needs it describes (free text).
    async fn needs(&self) -> Option<&str> {
        self.c.needs.as_deref()
    }
    /// The outcomes it proposes (free text).
    async fn outcomes(&self) -> Option<&str> {
        self.c.outcomes.as_deref()
    }
    /// The provision it recommends (free text).
    async fn provision(&self) -> Option<&str> {
        self.c.provision.as_deref()
    }
    /// Any other notes.
    async fn notes(&self) -> Option<&str> {
        self.c.notes.as_deref()
    }
    /// The contribution it corrects or replaces, if any.
    async fn supersedes(&self) -> Option<ID> {
        self.c.supersedes.map(|s| ID(s.to_string()))
    }
    /// Structured advice, section by section, with the plan section each
    /// feeds; null for free text (updates, and advice given before
    /// templates, which is still shown by its flat fields).
    async fn content(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::templates::AdviceContentView>> {
        super::templates::contribution_content(ctx, &self.c).await
    }
    /// When it was contributed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.c.created_at
    }
    /// False once a later contribution supersedes it.
    async fn current(&self) -> bool {
        self.current
    }
}

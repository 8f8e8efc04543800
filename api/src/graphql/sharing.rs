//! `sharing(childId)`: *who can see what* for the family — every
//! registered agency × each section they may read, as `consent::sharing`
//! decides it (a thin shape over `RequestContext::sharing`).

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use consent::{Cell, Way};

use super::parse_id;
use super::record::request;
use super::types;

/// What a cell says.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "consent::CellStatus")]
pub enum SharingStatus {
    /// The law requires it, whatever the family agrees (public task).
    SharedByLaw,
    /// Under a safeguarding override the family may be told of.
    SharedForSafeguarding,
    /// With the family's agreement (an active grant).
    SharedWithAgreement,
    /// Not shared; the family could agree to share it.
    NotShared,
    /// The data-sharing agreement does not allow it for any purpose.
    NotPossible,
}

/// One purpose that opens a cell today, and how.
#[derive(SimpleObject, Debug)]
pub struct SharingWay {
    /// The purpose it opens the cell for.
    pub purpose: types::Purpose,
    /// CONSENT, PUBLIC_TASK or SAFEGUARDING.
    pub basis: types::BasisKind,
    /// The grants relied on (CONSENT).
    pub grant_ids: Vec<ID>,
    /// When it ends: the last grant's end (null: no end date), or the
    /// override's.
    pub until: Option<DateTime<Utc>>,
    /// The override relied on (SAFEGUARDING).
    pub override_id: Option<ID>,
    /// The law (PUBLIC_TASK and SAFEGUARDING).
    pub lawful_basis: Option<types::LawfulBasisView>,
    /// The fact the law binds it to (PUBLIC_TASK).
    pub bound_to: Option<types::BoundFact>,
}

/// One agency × one section.
#[derive(SimpleObject, Debug)]
pub struct SharingCell {
    /// The section (scope).
    pub scope: types::Scope,
    /// What the cell says.
    pub status: SharingStatus,
    /// Each purpose that opens it today, and how; empty when not shared.
    pub ways: Vec<SharingWay>,
    /// Purposes the family could agree to share it for.
    pub grantable_purposes: Vec<types::Purpose>,
}

/// An agency and its cells, one per section shown.
#[derive(SimpleObject, Debug)]
pub struct AgencySharing {
    /// The agency.
    pub agency: types::Agency,
    /// One cell per section shown, in the order of `scopes`.
    pub cells: Vec<SharingCell>,
}

/// A section shown, and whether the viewer may change its sharing.
#[derive(SimpleObject, Debug)]
pub struct SharingScope {
    /// The section (scope).
    pub scope: types::Scope,
    /// How the section reads to a family.
    pub label: &'static str,
    /// Whether the viewer may change who it is shared with.
    pub may_change: bool,
    /// Why not, in plain words.
    pub why_not: Option<String>,
}

/// Who can see what, for the signed-in family member.
#[derive(SimpleObject, Debug)]
pub struct SharingView {
    /// The child.
    pub child_id: ID,
    /// The sections the viewer may read, in catalogue order.
    pub scopes: Vec<SharingScope>,
    /// Every registered agency, with its cells.
    pub agencies: Vec<AgencySharing>,
    /// The viewer may change the sharing of at least one section.
    pub may_change: bool,
    /// Why they may change none, in plain words.
    pub read_only_reason: Option<String>,
    /// A parent past the hand-over: the young person decides, and the
    /// view shows nothing else.
    pub handed_over: bool,
    /// Sections not shown because the viewer may not read them.
    pub hidden_scopes: i32,
    /// The version of the information-sharing agreement the view was decided under.
    pub agreement_version: i32,
}

fn way(purpose: consent::Purpose, w: &Way) -> SharingWay {
    let id = |u: &uuid::Uuid| ID(u.to_string());
    match w {
        Way::Agreement { grant_ids, until } => SharingWay {
            purpose: purpose.into(),
            basis: types::BasisKind::Consent,
            grant_ids: grant_ids.iter().map(id).collect(),
            until: *until,
            override_id: None,
            lawful_basis: None,
            bound_to: None,
        },
        Way::Law { lawful, bound } => SharingWay {
            purpose: purpose.into(),
            basis: types::BasisKind::PublicTask,
            grant_ids: vec![],
            until: None,
            override_id: None,
            lawful_basis: Some(lawful.into()),
            bound_to: Some((*bound).into()),
        },
        Way::Safeguarding {
            override_id,
            until,
            lawful,
        } => SharingWay {
            purpose: purpose.into(),
            basis: types::BasisKind::Safeguarding,
            grant_ids: vec![],
            until: Some(*until),
            override_id: Some(id(override_id)),
            lawful_basis: Some(lawful.into()),
            bound_to: None,
        },
    }
}

fn cell(c: &Cell) -> SharingCell {
    SharingCell {
        scope: c.scope.into(),
        status: c.status().into(),
        ways: c.ways.iter().map(|(p, w)| way(*p, w)).collect(),
        grantable_purposes: c.grantable.iter().map(|p| (*p).into()).collect(),
    }
}

#[derive(Debug, Default)]
pub struct SharingQuery;

#[Object]
impl SharingQuery {
    /// Who can see what (for the family): every registered agency × each
    /// section you may read, decided as the hub decides real requests —
    /// shared with your agreement, by law, for safeguarding (where you
    /// may be told), not shared, or not possible under the agreement.
    async fn sharing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child; the caller must be family for this child.")] child_id: ID,
    ) -> async_graphql::Result<SharingView> {
        let rc = request(ctx)?;
        let child = parse_id("childId", &child_id)?;
        let v = rc.sharing(child).await?;
        Ok(SharingView {
            child_id,
            may_change: v.may_change(),
            read_only_reason: v.read_only.map(|e| e.to_string()),
            handed_over: v.handed_over(),
            hidden_scopes: i32::try_from(v.hidden).unwrap_or(i32::MAX),
            agreement_version: v.agreement_version,
            scopes: v
                .scopes
                .iter()
                .map(|s| SharingScope {
                    scope: s.scope.into(),
                    label: s.scope.label(),
                    may_change: s.decides.is_ok(),
                    why_not: s.decides.err().map(|e| e.to_string()),
                })
                .collect(),
            agencies: v
                .agencies
                .into_iter()
                .map(|(agency, cells)| AgencySharing {
                    agency: agency.into(),
                    cells: cells.iter().map(cell).collect(),
                })
                .collect(),
        })
    }
}

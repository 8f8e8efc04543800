//! The agency register (issue 13 item 3): agencies with their external
//! identifiers, contact and status, as IG administrators keep them. Writes
//! happen inside a [`TracedTxn`], so each change commits with its trace
//! entry; the door decides what may change (never an agency's kind).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::agency_input::AgencyDetails;
use domain::{Agency, AgencyIdentifier};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::entities::{agency, agency_identifier};
use super::trace::TracedTxn;
use super::{Constraint, Result, Store, StoreError, code};

/// An agency as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredAgency {
    pub agency: Agency,
    /// In scheme order, one per scheme.
    pub identifiers: Vec<AgencyIdentifier>,
    pub contact: Option<String>,
    /// When it was retired: its staff can no longer sign in, and it is no
    /// longer offered to families.
    pub retired_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl RegisteredAgency {
    pub fn is_retired(&self) -> bool {
        self.retired_at.is_some()
    }

    /// Whether the register already says exactly `details`.
    pub fn says(&self, details: &AgencyDetails) -> bool {
        self.agency.name == details.name
            && self.agency.kind == details.kind
            && self.identifiers == details.identifiers
            && self.contact == details.contact
    }
}

fn identifier_of(row: &agency_identifier::Model) -> Result<AgencyIdentifier> {
    Ok(AgencyIdentifier {
        scheme: code(&row.scheme)?,
        value: row.value.clone(),
    })
}

fn registered(
    row: agency::Model,
    identifiers: &mut BTreeMap<Uuid, Vec<AgencyIdentifier>>,
) -> Result<RegisteredAgency> {
    let mut ids = identifiers.remove(&row.id).unwrap_or_default();
    ids.sort();
    Ok(RegisteredAgency {
        agency: Agency {
            id: row.id,
            name: row.name,
            kind: code(&row.kind)?,
        },
        identifiers: ids,
        contact: row.contact,
        retired_at: row.retired_at,
        updated_at: row.updated_at,
    })
}

/// The register (all agencies, or only active ones), by name.
async fn register<C: ConnectionTrait>(
    conn: &C,
    include_retired: bool,
) -> Result<Vec<RegisteredAgency>> {
    let mut query = agency::Entity::find().order_by_asc(agency::Column::Name);
    if !include_retired {
        query = query.filter(agency::Column::RetiredAt.is_null());
    }
    let rows = query.all(conn).await?;
    let mut identifiers: BTreeMap<Uuid, Vec<AgencyIdentifier>> = BTreeMap::new();
    for row in agency_identifier::Entity::find().all(conn).await? {
        identifiers
            .entry(row.agency_id)
            .or_default()
            .push(identifier_of(&row)?);
    }
    rows.into_iter()
        .map(|row| registered(row, &mut identifiers))
        .collect()
}

async fn one<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<RegisteredAgency>> {
    let Some(row) = agency::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let ids = agency_identifier::Entity::find()
        .filter(agency_identifier::Column::AgencyId.eq(id))
        .all(conn)
        .await?
        .iter()
        .map(identifier_of)
        .collect::<Result<Vec<_>>>()?;
    let mut map = BTreeMap::from([(id, ids)]);
    registered(row, &mut map).map(Some)
}

async fn holder<C: ConnectionTrait>(
    conn: &C,
    identifier: &AgencyIdentifier,
) -> Result<Option<Uuid>> {
    Ok(agency_identifier::Entity::find()
        .filter(agency_identifier::Column::Scheme.eq(identifier.scheme.code()))
        .filter(agency_identifier::Column::Value.eq(identifier.value.as_str()))
        .one(conn)
        .await?
        .map(|row| row.agency_id))
}

impl Store {
    /// The register with identifiers, contact and status, by name;
    /// retired agencies only when `include_retired`.
    #[tracing::instrument(name = "db.agency_register", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "agency_register"))]
    pub async fn agency_register(&self, include_retired: bool) -> Result<Vec<RegisteredAgency>> {
        register(&self.db, include_retired).await
    }

    /// One agency of the register, retired or not.
    pub async fn registered_agency(&self, id: Uuid) -> Result<Option<RegisteredAgency>> {
        one(&self.db, id).await
    }

    /// The agency a caller of this id signs in for: registered and not
    /// retired (a retired agency's staff are refused at the door).
    #[tracing::instrument(name = "db.active_agency", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "active_agency"))]
    pub async fn active_agency(&self, id: Uuid) -> Result<Option<Agency>> {
        agency::Entity::find_by_id(id)
            .filter(agency::Column::RetiredAt.is_null())
            .one(&self.db)
            .await?
            .map(|a| {
                Ok(Agency {
                    id: a.id,
                    name: a.name,
                    kind: code(&a.kind)?,
                })
            })
            .transpose()
    }

    /// The id of the agency holding this external identifier (an ODS code,
    /// a school's URN, an LA code), retired or not: sign-in tells "not
    /// registered" from "retired" apart.
    #[tracing::instrument(name = "db.agency_id_by_identifier", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "agency_id_by_identifier"))]
    pub async fn agency_id_by_identifier(
        &self,
        identifier: &AgencyIdentifier,
    ) -> Result<Option<Uuid>> {
        holder(&self.db, identifier).await
    }

    /// The active (not retired) agency holding this external identifier.
    pub async fn agency_by_identifier(
        &self,
        identifier: &AgencyIdentifier,
    ) -> Result<Option<Agency>> {
        match holder(&self.db, identifier).await? {
            Some(id) => self.active_agency(id).await,
            None => Ok(None),
        }
    }

    /// The agencies that are not retired, by name: those offered to
    /// families and accepted as grant recipients.
    #[tracing::instrument(name = "db.active_agencies", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "active_agencies"))]
    pub async fn active_agencies(&self) -> Result<Vec<Agency>> {
        agency::Entity::find()
            .filter(agency::Column::RetiredAt.is_null())
            .order_by_asc(agency::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| {
                Ok(Agency {
                    id: a.id,
                    name: a.name,
                    kind: code(&a.kind)?,
                })
            })
            .collect()
    }
}

impl TracedTxn {
    /// The register inside this transaction (all agencies).
    pub async fn agency_register(&self) -> Result<Vec<RegisteredAgency>> {
        register(&self.txn, true).await
    }

    /// One agency, read inside this transaction.
    pub async fn registered_agency(&self, id: Uuid) -> Result<Option<RegisteredAgency>> {
        one(&self.txn, id).await
    }

    /// The agency (retired or not) holding `identifier`, if any.
    pub async fn identifier_holder(&self, identifier: &AgencyIdentifier) -> Result<Option<Uuid>> {
        holder(&self.txn, identifier).await
    }

    /// Adds an agency with a new (v7) id. An identifier another agency
    /// holds is a [`StoreError::Conflict`] ([`Constraint::AgencyIdentifier`]).
    pub async fn register_agency(&self, details: &AgencyDetails) -> Result<Uuid> {
        let id = Uuid::now_v7();
        // Checked before anything is written, so a refusal leaves nothing.
        self.refuse_held(id, &details.identifiers).await?;
        agency::Entity::insert(agency::ActiveModel {
            id: Set(id),
            name: Set(details.name.clone()),
            kind: Set(details.kind.code().to_owned()),
            contact: Set(details.contact.clone()),
            retired_at: Set(None),
            updated_at: Set(Some(self.now())),
        })
        .exec(&self.txn)
        .await?;
        self.set_identifiers(id, &details.identifiers).await?;
        Ok(id)
    }

    /// Replaces an agency's name, identifiers and contact. The kind is
    /// not changed here (the door refuses a change of kind); a missing
    /// agency is [`StoreError::NotFound`].
    pub async fn update_agency(&self, id: Uuid, details: &AgencyDetails) -> Result<()> {
        self.refuse_held(id, &details.identifiers).await?;
        let result = agency::Entity::update_many()
            .col_expr(agency::Column::Name, details.name.clone().into())
            .col_expr(agency::Column::Contact, details.contact.clone().into())
            .col_expr(agency::Column::UpdatedAt, Some(self.now()).into())
            .filter(agency::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound("agency"));
        }
        agency_identifier::Entity::delete_many()
            .filter(agency_identifier::Column::AgencyId.eq(id))
            .exec(&self.txn)
            .await?;
        self.set_identifiers(id, &details.identifiers).await
    }

    /// Marks an agency retired now; returns when. One already retired is
    /// left as it is ([`StoreError::NotFound`] if there is none active).
    pub async fn retire_agency(&self, id: Uuid) -> Result<DateTime<Utc>> {
        let now = self.now();
        let result = agency::Entity::update_many()
            .col_expr(agency::Column::RetiredAt, Some(now).into())
            .col_expr(agency::Column::UpdatedAt, Some(now).into())
            .filter(agency::Column::Id.eq(id))
            .filter(agency::Column::RetiredAt.is_null())
            .exec(&self.txn)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound("active agency"));
        }
        Ok(now)
    }

    /// Gives an agency these identifiers where it has none of that scheme
    /// yet (seed data: the demo); one another agency holds is a
    /// [`StoreError::Conflict`] ([`Constraint::AgencyIdentifier`]).
    pub async fn ensure_agency_identifiers(
        &self,
        id: Uuid,
        identifiers: &[AgencyIdentifier],
    ) -> Result<()> {
        let held: Vec<String> = agency_identifier::Entity::find()
            .filter(agency_identifier::Column::AgencyId.eq(id))
            .all(&self.txn)
            .await?
            .into_iter()
            .map(|row| row.scheme)
            .collect();
        let missing: Vec<AgencyIdentifier> = identifiers
            .iter()
            .filter(|i| !held.iter().any(|s| s == i.scheme.code()))
            .cloned()
            .collect();
        self.set_identifiers(id, &missing).await
    }

    /// A conflict if another agency than `id` holds one of `identifiers`.
    async fn refuse_held(&self, id: Uuid, identifiers: &[AgencyIdentifier]) -> Result<()> {
        for identifier in identifiers {
            if holder(&self.txn, identifier)
                .await?
                .is_some_and(|other| other != id)
            {
                return Err(StoreError::Conflict(Constraint::AgencyIdentifier));
            }
        }
        Ok(())
    }

    async fn set_identifiers(&self, id: Uuid, identifiers: &[AgencyIdentifier]) -> Result<()> {
        if identifiers.is_empty() {
            return Ok(());
        }
        self.refuse_held(id, identifiers).await?;
        agency_identifier::Entity::insert_many(identifiers.iter().map(|i| {
            agency_identifier::ActiveModel {
                agency_id: Set(id),
                scheme: Set(i.scheme.code().to_owned()),
                value: Set(i.value.clone()),
            }
        }))
        .exec(&self.txn)
        .await?;
        Ok(())
    }
}

//! Storage of EHC plan versions and the family's responses. Rows are only
//! inserted: a version in preparation is saved as a new revision, and an
//! issued version's last revision never changes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::ChildId;
use domain::plan::{
    AppendedAdvice, Paragraph, Placement, Plan, PlanResponse, PlanVersion, Provenance,
    RequestedSetting, ResponseAttachment, ResponseComment,
};
use domain::template::ProvisionItem;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::trace::TracedTxn;
use super::{Result, Store, code};

/// Storage shapes of the plan tables (kept beside their only user).
pub mod entities {
    macro_rules! table {
        ($module:ident, $name:literal, { $($(#[$m:meta])* $field:ident: $ty:ty),+ $(,)? }) => {
            pub mod $module {
                use sea_orm::entity::prelude::*;

                #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
                #[sea_orm(table_name = $name)]
                pub struct Model {
                    $($(#[$m])* pub $field: $ty),+
                }

                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {}

                impl ActiveModelBehavior for ActiveModel {}
            }
        };
    }

    table!(ehc_plan_version, "ehc_plan_version", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        id: Uuid,
        plan_id: Uuid,
        version: i32,
        revision: i32,
        kind: String,
        status: String,
        issued_on: Option<Date>,
        placement_name: Option<String>,
        placement_kind: Option<String>,
        created_by: String,
        created_at: DateTimeUtc,
    });
    table!(ehc_plan_paragraph, "ehc_plan_paragraph", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        plan_version_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        seq: i32,
        section: String,
        text: String,
        scope: String,
        provision_what: Option<String>,
        provision_who: Option<String>,
        provision_how_often: Option<String>,
        provision_how_long: Option<String>,
        source: String,
        contribution_id: Option<Uuid>,
        section_key: Option<String>,
        all_about_me_version: Option<i32>,
        author: String,
        agency_id: Option<Uuid>,
        written_on: Date,
        profession: Option<String>,
        edited_from: Option<String>,
    });
    table!(ehc_plan_appendix, "ehc_plan_appendix", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        plan_version_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        seq: i32,
        contribution_id: Uuid,
        title: String,
        agency_id: Uuid,
        profession: Option<String>,
        scope: String,
        dated: Date,
        reused: bool,
    });
    table!(ehc_plan_response, "ehc_plan_response", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        id: Uuid,
        plan_id: Uuid,
        version: i32,
        responded_on: Date,
        within_time: bool,
        setting_name: Option<String>,
        setting_kind: Option<String>,
        setting_reason: Option<String>,
        wants_meeting: bool,
        responded_by: String,
        created_at: DateTimeUtc,
    });
    table!(ehc_plan_response_comment, "ehc_plan_response_comment", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        response_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        seq: i32,
        section: String,
        text: String,
    });
    table!(ehc_plan_response_attachment, "ehc_plan_response_attachment", {
        #[sea_orm(primary_key, auto_increment = false)]
        child_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        response_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        seq: i32,
        title: String,
        text: String,
    });
}

use entities::{
    ehc_plan_appendix as appendix, ehc_plan_paragraph as paragraph, ehc_plan_response as response,
    ehc_plan_response_attachment as attachment, ehc_plan_response_comment as comment,
    ehc_plan_version as version,
};

fn paragraph_of(p: &paragraph::Model) -> Result<Paragraph> {
    let provision = match (
        &p.provision_what,
        &p.provision_who,
        &p.provision_how_often,
        &p.provision_how_long,
    ) {
        (Some(what), Some(who), Some(how_often), Some(how_long)) => Some(ProvisionItem {
            what: what.clone(),
            who: who.clone(),
            how_often: how_often.clone(),
            how_long: how_long.clone(),
        }),
        _ => None,
    };
    Ok(Paragraph {
        section: code(&p.section)?,
        text: p.text.clone(),
        provision,
        provenance: Provenance {
            kind: code(&p.source)?,
            contribution_id: p.contribution_id,
            section_key: p.section_key.clone(),
            all_about_me_version: p.all_about_me_version,
            author: p.author.clone(),
            agency_id: p.agency_id,
            written_on: p.written_on,
            profession: p.profession.as_deref().map(code).transpose()?,
            edited_from: p.edited_from.as_deref().map(code).transpose()?,
        },
        scope: code(&p.scope)?,
    })
}

fn appendix_of(a: &appendix::Model) -> Result<AppendedAdvice> {
    Ok(AppendedAdvice {
        contribution_id: a.contribution_id,
        title: a.title.clone(),
        agency_id: a.agency_id,
        profession: a.profession.as_deref().map(code).transpose()?,
        scope: code(&a.scope)?,
        dated: a.dated,
        reused: a.reused,
    })
}

impl Store {
    /// Every version of a plan (the latest revision of each), oldest first.
    #[tracing::instrument(name = "db.plan", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "plan"))]
    pub async fn plan(&self, child_id: ChildId, plan_id: Uuid) -> Result<Plan> {
        let db = &self.db;
        let rows = version::Entity::find()
            .filter(version::Column::ChildId.eq(child_id))
            .filter(version::Column::PlanId.eq(plan_id))
            .order_by_asc(version::Column::Version)
            .order_by_asc(version::Column::Revision)
            .all(db)
            .await?;
        // The latest revision of each version.
        let mut latest: BTreeMap<i32, &version::Model> = BTreeMap::new();
        for r in &rows {
            latest.insert(r.version, r);
        }
        let ids: Vec<Uuid> = latest.values().map(|r| r.id).collect();
        if ids.is_empty() {
            return Ok(Plan::default());
        }
        let (paragraphs, appendices) = tokio::try_join!(
            paragraph::Entity::find()
                .filter(paragraph::Column::ChildId.eq(child_id))
                .filter(paragraph::Column::PlanVersionId.is_in(ids.clone()))
                .order_by_asc(paragraph::Column::Seq)
                .all(db),
            appendix::Entity::find()
                .filter(appendix::Column::ChildId.eq(child_id))
                .filter(appendix::Column::PlanVersionId.is_in(ids))
                .order_by_asc(appendix::Column::Seq)
                .all(db),
        )?;
        let versions = latest
            .values()
            .map(|r| {
                Ok(PlanVersion {
                    plan_id: r.plan_id,
                    child_id: r.child_id,
                    version: r.version,
                    kind: code(&r.kind)?,
                    status: code(&r.status)?,
                    issued_on: r.issued_on,
                    paragraphs: paragraphs
                        .iter()
                        .filter(|p| p.plan_version_id == r.id)
                        .map(paragraph_of)
                        .collect::<Result<_>>()?,
                    placement: match (&r.placement_name, &r.placement_kind) {
                        (Some(name), Some(kind)) => Some(Placement {
                            name: name.clone(),
                            kind: kind.clone(),
                        }),
                        _ => None,
                    },
                    appendices: appendices
                        .iter()
                        .filter(|a| a.plan_version_id == r.id)
                        .map(appendix_of)
                        .collect::<Result<_>>()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Plan { versions })
    }

    /// The family's responses to a plan's drafts, oldest first.
    #[tracing::instrument(name = "db.plan_responses", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "plan_responses"))]
    pub async fn plan_responses(
        &self,
        child_id: ChildId,
        plan_id: Uuid,
    ) -> Result<Vec<PlanResponse>> {
        let db = &self.db;
        let rows = response::Entity::find()
            .filter(response::Column::ChildId.eq(child_id))
            .filter(response::Column::PlanId.eq(plan_id))
            .order_by_asc(response::Column::CreatedAt)
            .order_by_asc(response::Column::Id)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (comments, attachments) = tokio::try_join!(
            comment::Entity::find()
                .filter(comment::Column::ChildId.eq(child_id))
                .filter(comment::Column::ResponseId.is_in(ids.clone()))
                .order_by_asc(comment::Column::Seq)
                .all(db),
            attachment::Entity::find()
                .filter(attachment::Column::ChildId.eq(child_id))
                .filter(attachment::Column::ResponseId.is_in(ids))
                .order_by_asc(attachment::Column::Seq)
                .all(db),
        )?;
        rows.iter()
            .map(|r| {
                Ok(PlanResponse {
                    id: r.id,
                    plan_id: r.plan_id,
                    version: r.version,
                    responded_on: r.responded_on,
                    within_time: r.within_time,
                    comments: comments
                        .iter()
                        .filter(|c| c.response_id == r.id)
                        .map(|c| {
                            Ok(ResponseComment {
                                section: code(&c.section)?,
                                text: c.text.clone(),
                            })
                        })
                        .collect::<Result<_>>()?,
                    requested_setting: match (&r.setting_name, &r.setting_kind, &r.setting_reason) {
                        (Some(name), Some(kind), Some(reason)) => Some(RequestedSetting {
                            name: name.clone(),
                            kind: kind.clone(),
                            reason: reason.clone(),
                        }),
                        _ => None,
                    },
                    attachments: attachments
                        .iter()
                        .filter(|a| a.response_id == r.id)
                        .map(|a| ResponseAttachment {
                            title: a.title.clone(),
                            text: a.text.clone(),
                        })
                        .collect(),
                    wants_meeting: r.wants_meeting,
                    responded_by: r.responded_by.clone(),
                })
            })
            .collect()
    }
}

fn seq(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl TracedTxn {
    /// Saves a version's state as its next revision (an issued state is the
    /// last one it gets: the caller never saves an issued version again).
    pub async fn insert_plan_version(
        &self,
        v: &PlanVersion,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let previous = version::Entity::find()
            .filter(version::Column::ChildId.eq(v.child_id))
            .filter(version::Column::PlanId.eq(v.plan_id))
            .filter(version::Column::Version.eq(v.version))
            .order_by_desc(version::Column::Revision)
            .one(&self.txn)
            .await?;
        let id = Uuid::now_v7();
        version::Entity::insert(version::ActiveModel {
            child_id: Set(v.child_id),
            id: Set(id),
            plan_id: Set(v.plan_id),
            version: Set(v.version),
            revision: Set(previous.map_or(1, |p| p.revision + 1)),
            kind: Set(v.kind.code().to_owned()),
            status: Set(v.status.code().to_owned()),
            issued_on: Set(v.issued_on),
            placement_name: Set(v.placement.as_ref().map(|p| p.name.clone())),
            placement_kind: Set(v.placement.as_ref().map(|p| p.kind.clone())),
            created_by: Set(by.to_owned()),
            created_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        if !v.paragraphs.is_empty() {
            paragraph::Entity::insert_many(v.paragraphs.iter().enumerate().map(|(n, p)| {
                let item = p.provision.as_ref();
                paragraph::ActiveModel {
                    child_id: Set(v.child_id),
                    plan_version_id: Set(id),
                    seq: Set(seq(n)),
                    section: Set(p.section.code().to_owned()),
                    text: Set(p.text.clone()),
                    scope: Set(p.scope.code().to_owned()),
                    provision_what: Set(item.map(|i| i.what.clone())),
                    provision_who: Set(item.map(|i| i.who.clone())),
                    provision_how_often: Set(item.map(|i| i.how_often.clone())),
                    provision_how_long: Set(item.map(|i| i.how_long.clone())),
                    source: Set(p.provenance.kind.code().to_owned()),
                    contribution_id: Set(p.provenance.contribution_id),
                    section_key: Set(p.provenance.section_key.clone()),
                    all_about_me_version: Set(p.provenance.all_about_me_version),
                    author: Set(p.provenance.author.clone()),
                    agency_id: Set(p.provenance.agency_id),
                    written_on: Set(p.provenance.written_on),
                    profession: Set(p.provenance.profession.map(|x| x.code().to_owned())),
                    edited_from: Set(p.provenance.edited_from.map(|x| x.code().to_owned())),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        if !v.appendices.is_empty() {
            appendix::Entity::insert_many(v.appendices.iter().enumerate().map(|(n, a)| {
                appendix::ActiveModel {
                    child_id: Set(v.child_id),
                    plan_version_id: Set(id),
                    seq: Set(seq(n)),
                    contribution_id: Set(a.contribution_id),
                    title: Set(a.title.clone()),
                    agency_id: Set(a.agency_id),
                    profession: Set(a.profession.map(|x| x.code().to_owned())),
                    scope: Set(a.scope.code().to_owned()),
                    dated: Set(a.dated),
                    reused: Set(a.reused),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }

    /// Records a family's response to a draft.
    pub async fn insert_plan_response(
        &self,
        child_id: ChildId,
        r: &PlanResponse,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let setting = r.requested_setting.as_ref();
        response::Entity::insert(response::ActiveModel {
            child_id: Set(child_id),
            id: Set(r.id),
            plan_id: Set(r.plan_id),
            version: Set(r.version),
            responded_on: Set(r.responded_on),
            within_time: Set(r.within_time),
            setting_name: Set(setting.map(|s| s.name.clone())),
            setting_kind: Set(setting.map(|s| s.kind.clone())),
            setting_reason: Set(setting.map(|s| s.reason.clone())),
            wants_meeting: Set(r.wants_meeting),
            responded_by: Set(r.responded_by.clone()),
            created_at: Set(at),
        })
        .exec(&self.txn)
        .await?;
        if !r.comments.is_empty() {
            comment::Entity::insert_many(r.comments.iter().enumerate().map(|(n, c)| {
                comment::ActiveModel {
                    child_id: Set(child_id),
                    response_id: Set(r.id),
                    seq: Set(seq(n)),
                    section: Set(c.section.code().to_owned()),
                    text: Set(c.text.clone()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        if !r.attachments.is_empty() {
            attachment::Entity::insert_many(r.attachments.iter().enumerate().map(|(n, a)| {
                attachment::ActiveModel {
                    child_id: Set(child_id),
                    response_id: Set(r.id),
                    seq: Set(seq(n)),
                    title: Set(a.title.clone()),
                    text: Set(a.text.clone()),
                }
            }))
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }
}

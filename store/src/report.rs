//! Reads for the timeliness dashboard and the SEN2-shaped extract: the
//! LA's assessments a page at a time, so a report over 100k children never
//! holds more than one page of rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::ehc::{Assessment, AssessmentEvent};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entities::{
    advice_answer, advice_request, advice_request_attachment, assessment, assessment_event,
};
use super::tell::request_of;
use super::{Result, Store, code};

/// Assessments per page of a report: bounds the rows one read holds (and
/// the ids in each `IN` list, well inside SQLite's variable limit).
pub const REPORT_PAGE: u64 = 500;

impl Store {
    /// Assessments whose request was received on or before `received_by`,
    /// in id order after `after`, at most `limit` (capped at
    /// [`REPORT_PAGE`]), each with its events and advice requests (with
    /// answers and attachments). A report pages through them with the
    /// last id of each page; no lower bound on the request date is
    /// possible, since an assessment received long ago may still be open
    /// (or its plan maintained) in the period.
    #[tracing::instrument(name = "db.assessments_page", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "assessments_page"))]
    pub async fn assessments_page(
        &self,
        received_by: NaiveDate,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Assessment>> {
        let db = &self.db;
        let mut q = assessment::Entity::find()
            .filter(assessment::Column::RequestReceivedOn.lte(received_by));
        if let Some(after) = after {
            q = q.filter(assessment::Column::Id.gt(after));
        }
        let rows = q
            .order_by_asc(assessment::Column::Id)
            .limit(limit.min(REPORT_PAGE))
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Child ids lead every child table's primary key: the IN lists use it.
        let children: Vec<Uuid> = rows.iter().map(|a| a.child_id).collect();
        let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
        let (events, requests, answers, attachments) = tokio::try_join!(
            assessment_event::Entity::find()
                .filter(assessment_event::Column::ChildId.is_in(children.clone()))
                .filter(assessment_event::Column::AssessmentId.is_in(ids.clone()))
                .order_by_asc(assessment_event::Column::RecordedAt)
                .all(db),
            advice_request::Entity::find()
                .filter(advice_request::Column::ChildId.is_in(children.clone()))
                .filter(advice_request::Column::AssessmentId.is_in(ids.clone()))
                .order_by_asc(advice_request::Column::AskedOn)
                .order_by_asc(advice_request::Column::Id)
                .all(db),
            advice_answer::Entity::find()
                .filter(advice_answer::Column::ChildId.is_in(children.clone()))
                .all(db),
            advice_request_attachment::Entity::find()
                .filter(advice_request_attachment::Column::ChildId.is_in(children.clone()))
                .all(db),
        )?;
        let answers: HashMap<Uuid, &advice_answer::Model> =
            answers.iter().map(|a| (a.request_id, a)).collect();
        let mut attached: HashMap<Uuid, Vec<&str>> = HashMap::new();
        for a in &attachments {
            attached.entry(a.request_id).or_default().push(&a.scope);
        }
        let mut events_of: HashMap<Uuid, Vec<AssessmentEvent>> = HashMap::new();
        for e in &events {
            events_of
                .entry(e.assessment_id)
                .or_default()
                .push(AssessmentEvent {
                    id: e.id,
                    kind: code(&e.kind)?,
                    on: e.on_date,
                    exception: e.exception.as_deref().map(code).transpose()?,
                    limit: e.time_limit.as_deref().map(code).transpose()?,
                    advice_request_id: e.advice_request_id,
                    note: e.note.clone(),
                });
        }
        let mut advice_of: HashMap<Uuid, Vec<domain::ehc::AdviceRequest>> = HashMap::new();
        for r in &requests {
            let mut request = request_of(r, answers.get(&r.id).copied())?;
            for scope in attached.get(&r.id).into_iter().flatten() {
                request.attachments.insert(code(scope)?);
            }
            advice_of.entry(r.assessment_id).or_default().push(request);
        }
        Ok(rows
            .iter()
            .map(|a| Assessment {
                id: a.id,
                child_id: a.child_id,
                request_received_on: a.request_received_on,
                events: events_of.remove(&a.id).unwrap_or_default(),
                advice: advice_of.remove(&a.id).unwrap_or_default(),
            })
            .collect())
    }
}

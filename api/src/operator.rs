//! Commands an operator runs at the shell (`tellonce agency …`,
//! `tellonce import`, …) go through the same door as every front end: an
//! [`Operator`] holds a [`Hub`] over the configured database and makes a
//! [`RequestContext`] as a principal named after the operating-system user
//! (`operator:<user>`) with only the role the command needs. Every change
//! is traced like any request's, and [`RequestContext::finish`] makes the
//! entries durable before the command reports success.

use anyhow::Context as _;
use chrono::Utc;
use consent::{Principal, Role};
use store::Store;

use crate::access::{Hub, Policy, RequestContext};
use crate::config::{Settings, open_store};
use crate::trace::TraceWriter;
use crate::updates::Updates;

/// The door, opened for shell commands.
#[derive(Debug, Clone)]
pub struct Operator {
    hub: Hub,
    store: Store,
    subject: String,
    clock: Option<chrono::DateTime<Utc>>,
}

impl Operator {
    /// Connects to the configured database (which must be migrated) and
    /// starts the trace writer.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let store = open_store(settings).await?;
        let pending = store
            .pending_migrations()
            .await
            .context("cannot read migration state")?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the database needs migrating ({} pending): run `tellonce migrate` first",
                pending.len()
            );
        }
        Ok(Self::over(settings, store))
    }

    /// Over an existing store (tests).
    pub fn over(settings: &Settings, store: Store) -> Self {
        let store = match settings.fixed_now {
            Some(now) => store.with_clock(store::FixedClock(now)),
            None => store,
        };
        let trace = TraceWriter::start(store.clone());
        let hub = Hub::new(
            store.clone(),
            trace,
            Updates::default(),
            Policy::from_settings(settings),
        );
        Self {
            hub,
            store,
            subject: operator_subject(),
            clock: settings.fixed_now,
        }
    }

    /// The store, for what is not a disclosure (connection checks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A request context as the operator holding `role` only.
    pub fn context(&self, role: Role) -> RequestContext {
        let principal = Principal {
            subject: self.subject.clone(),
            agency: None,
            roles: [role].into_iter().collect(),
            person_id: None,
            purpose: None,
        };
        let now = self.clock.unwrap_or_else(Utc::now);
        self.hub.request(
            principal,
            format!("cli-{}", uuid::Uuid::new_v4()),
            crate::telemetry::current_trace_id(),
            now,
        )
    }

    /// A request context as the operator holding `role` for `agency`: a
    /// command that acts as one agency's staff would (`tellonce import`
    /// acts for the council SEND team it names).
    pub fn context_as(&self, role: Role, agency: consent::AgencyRef) -> RequestContext {
        let mut rc = self.context(role);
        rc.principal.agency = Some(agency);
        rc
    }
}

/// `operator:<user>` from `$USER` (or `$LOGNAME`), `operator:unknown`
/// without either; bounded and free of control characters, as every
/// subject in the trace is.
fn operator_subject() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    let user: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
    if user.is_empty() {
        "operator:unknown".to_owned()
    } else {
        format!("operator:{user}")
    }
}

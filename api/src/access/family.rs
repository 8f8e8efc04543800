//! [`Family`]: what a family member (a person with parental responsibility
//! who may view the record, or the young person) may do with their child's
//! record beyond reading it.

use chrono::Utc;
use consent::trace::{TraceAction, TraceEntry};
use consent::{Grant, Role};
use domain::input::long_text;
use domain::{Agency, AllAboutMe, AllAboutMeVersion, ChildId, Scope, WrittenAs};

use super::case_officer::AssessmentOnFile;
use super::{Loaded, RequestContext};
use crate::error::Result;
use consent::BasisKind;
use consent::Purpose;
use domain::AgencyKind;
use store::{TraceFilter, TraceRow};

/// How a family narrows its child's access history: by the agency that
/// looked, by time (`from` inclusive, `to` exclusive), and in which order.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub agency_id: Option<uuid::Uuid>,
    pub from: Option<chrono::DateTime<Utc>>,
    pub to: Option<chrono::DateTime<Utc>>,
    pub newest_first: bool,
}

/// The caller as family of one child (see [`RequestContext::family`]).
#[derive(Debug)]
pub struct Family<'a> {
    pub(super) rc: &'a RequestContext,
    pub(super) child: ChildId,
    pub(super) loaded: Loaded,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("child", &self.facts.core.id)
            .finish_non_exhaustive()
    }
}

/// One look at the record, as the family may be told of it: which agency,
/// when, why, on what basis and at which scopes — never what was seen,
/// never a restricted scope, and the practitioner only where the
/// deployment names them to families.
#[derive(Debug, Clone)]
pub struct Look {
    /// The trace sequence number (for paging).
    pub seq: i64,
    /// RFC 3339, as the trace recorded it.
    pub at: String,
    pub action: TraceAction,
    /// The agency that looked, from the register (if it is still there).
    pub agency: Option<Agency>,
    pub agency_kind: Option<AgencyKind>,
    /// Only where `Policy::show_practitioners_to_families` is set.
    pub practitioner: Option<String>,
    /// The scopes disclosed, RESTRICTED left out.
    pub scopes: Vec<Scope>,
    pub purpose: Option<Purpose>,
    pub basis: Vec<BasisKind>,
    /// What the entry says in the family's words, one true sentence.
    pub summary: String,
}

/// A scope's label inside a sentence ("school and learning").
fn in_a_sentence(scope: Scope) -> String {
    if scope == Scope::Restricted {
        return "restricted information".to_owned();
    }
    let label = scope.label();
    let mut chars = label.chars();
    match chars.next() {
        // "Who I am …" keeps its capital I.
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Why, in the family's words: the purpose, naming the assessment or plan.
fn why(purpose: Option<Purpose>) -> &'static str {
    match purpose {
        Some(Purpose::DirectSupport) => "to support your child",
        Some(Purpose::EhcAssessment) => "for your child's EHC needs assessment",
        Some(Purpose::AnnualReview) => "for the annual review of your child's EHC plan",
        Some(Purpose::Safeguarding) => "to help keep your child safe",
        None => "without saying why",
    }
}

/// On what basis, in the family's words.
fn basis_words(b: &consent::trace::BasisRecord) -> &'static str {
    use consent::BoundKind;
    match (b.kind, b.bound.map(|x| x.kind)) {
        (BasisKind::Consent, _) => "you agreed to share it with them",
        (BasisKind::Safeguarding, _) | (_, Some(BoundKind::Override)) => {
            "the law allows it to keep a child safe"
        }
        (BasisKind::PublicTask, Some(BoundKind::Assessment)) => {
            "the law requires it for your child's EHC needs assessment"
        }
        (BasisKind::PublicTask, Some(BoundKind::Plan)) => {
            "the law requires it for the annual review of your child's EHC plan"
        }
        (BasisKind::PublicTask, Some(BoundKind::AdviceRequest)) => {
            "the council asked them for advice for your child's EHC needs assessment, and the law gives advisers what you told the council"
        }
        (BasisKind::PublicTask, _) => "they work with your child and the law lets them see it",
        (BasisKind::OwnContribution, _) => "it is what they wrote themselves",
        (BasisKind::Family, _) => "it is your family's own record",
    }
}

/// The words of an EHC assessment step.
fn step_words(step: &str) -> &'static str {
    match step {
        "DECIDED_TO_ASSESS" => "the decision to assess",
        "DECIDED_NOT_TO_ASSESS" => "the decision not to assess",
        "DECIDED_NOT_TO_ISSUE" => {
            "the decision not to issue an EHC plan, with your right to appeal"
        }
        "DRAFT_ISSUED" => "the draft EHC plan",
        "FINAL_ISSUED" => "the final EHC plan",
        "EXCEPTION" => "a reason the time limits could not be met",
        _ => "a step",
    }
}

impl Look {
    /// One true sentence for the family: who, did what, which parts, why
    /// and on what basis (shared/LAW.md §7). `agencies` names the services
    /// an entry mentions by id.
    fn sentence(
        e: &TraceEntry,
        scopes: &[Scope],
        bases: &[consent::trace::BasisRecord],
        agencies: &[Agency],
    ) -> String {
        let name = |id: Option<uuid::Uuid>| {
            id.and_then(|id| agencies.iter().find(|a| a.id == id))
                .map(|a| a.name.clone())
        };
        let who = name(e.actor.agency_id)
            .or_else(|| e.actor.agency_kind.map(|k| k.label().to_owned()))
            .unwrap_or_else(|| "Someone".to_owned());
        let detail = |key: &str| e.details.get(key).map(String::as_str);
        let scope_words = |key: &str| {
            detail(key)
                .and_then(|s| s.parse::<Scope>().ok())
                .map(in_a_sentence)
                .unwrap_or_else(|| "your child".to_owned())
        };
        let why = why(e.purpose);
        match e.action {
            TraceAction::Read if !scopes.is_empty() => {
                let labels: Vec<String> = scopes.iter().map(|s| in_a_sentence(*s)).collect();
                let mut bases: Vec<&str> = bases.iter().map(basis_words).collect();
                bases.sort_unstable();
                bases.dedup();
                format!(
                    "{who} looked at {} {why}, because {}",
                    labels.join("; "),
                    bases.join(", and ")
                )
            }
            TraceAction::Read => match detail("view") {
                Some("assessment") => {
                    format!("{who} looked at the EHC needs assessment timeline {why}")
                }
                Some("consent_receipt") => format!("{who} looked at a consent receipt"),
                Some("who_decides") => format!(
                    "{who} looked at who decides about sharing your child's information {why}"
                ),
                Some("advice_requests") => {
                    format!("{who} looked at the advice it has been asked to give {why}")
                }
                Some("update_notice") => {
                    format!("{who} was told that part of this record had changed")
                }
                Some("recorded_consents") => format!(
                    "{who} checked a consent decision a practitioner recorded for you, as information-governance staff"
                ),
                Some(_) => format!("{who} looked at part of this record {why}"),
                None if e.outcome == consent::trace::TraceOutcome::Denied => {
                    format!("{who} asked to see this record {why}; nothing was shown to them")
                }
                None => format!("{who} found this record {why}, but looked at no part of it"),
            },
            TraceAction::Search => {
                format!("{who} searched for this record by NHS number and date of birth {why}")
            }
            TraceAction::Contribute => {
                let kind = match detail("kind") {
                    Some("ADVICE") => "advice",
                    Some("ASSESSMENT") => "assessment findings",
                    _ => "an update",
                };
                format!("{who} added {kind} about {} {why}", scope_words("scope"))
            }
            TraceAction::AdviceSubmitted => format!(
                "{who} added {} advice for your child's EHC needs assessment",
                e.actor
                    .agency_kind
                    .map_or_else(|| "their".to_owned(), |k| k.label().to_lowercase()),
            ),
            TraceAction::AdviceReused => format!(
                "{who} used advice already given for your child's EHC needs assessment, so you did not have to tell it again"
            ),
            TraceAction::ReuseConfirmed => match (detail("party"), detail("method")) {
                (Some("AUTHOR"), Some("DIGITAL")) => format!(
                    "{who} confirmed that advice they gave before is still right for your child's EHC needs assessment, so it can be used again"
                ),
                (Some("AUTHOR"), _) => format!(
                    "{who} recorded that the author of advice given before confirmed it is still right for your child's EHC needs assessment"
                ),
                _ => format!(
                    "{who} recorded that your family confirmed advice given before is still right for your child's EHC needs assessment"
                ),
            },
            TraceAction::AdviceRequested => format!(
                "{who} asked {} for advice about {} for your child's EHC needs assessment",
                detail("agency_id")
                    .and_then(|id| id.parse().ok())
                    .and_then(|id| name(Some(id)))
                    .unwrap_or_else(|| "a service".to_owned()),
                scope_words("scope")
            ),
            TraceAction::AssessmentStarted => {
                format!("{who} started an EHC needs assessment for your child")
            }
            TraceAction::AssessmentStep => format!(
                "{who} recorded {} in your child's EHC needs assessment",
                step_words(detail("step").unwrap_or_default())
            ),
            TraceAction::CapacityRecorded => format!(
                "{who} recorded an assessment of the young person's capacity to decide about sharing their information; it is shown on the record, and the young person may challenge it"
            ),
            TraceAction::ChildRegistered => format!("{who} registered your child's record"),
            TraceAction::FamilyLinked => format!("{who} added a family member to the record"),
            other => format!(
                "{who} recorded {} {why}",
                other.code().to_lowercase().replace('_', " ")
            ),
        }
    }
}

/// One page of a child's access history, as the family may see it.
#[derive(Debug)]
pub struct HistoryPage {
    /// The looks shown, oldest first (newest first when asked).
    pub looks: Vec<Look>,
    pub has_next_page: bool,
    /// Where the next page starts: past hidden entries too, so paging never
    /// stalls.
    pub end_seq: Option<i64>,
}

/// What the family may be told of one entry; `None` when nothing (an entry
/// about restricted information only, DPA 2018 Sch 3).
/// `withheld`: scopes kept from this family member (DPA 2018 Sch 3: a
/// Gillick-competent child's not-for-parents scopes); a look at nothing
/// else, or by an agency whose very involvement is in such a scope, is not
/// shown at all, as a restricted one is not.
fn look_of(
    e: &TraceEntry,
    agencies: &[Agency],
    show_practitioner: bool,
    withheld: &dyn Fn(Scope) -> bool,
) -> Option<Look> {
    // Internal safeguarding and safety work is not the family's to read
    // here: the override queue (the override has its own, family-facing
    // notice, when telling is safe) and the address-withheld marker (whose
    // very existence can matter to a parent it protects a child from).
    if matches!(
        e.details.get("view").map(String::as_str),
        Some("override_review_queue" | "override_review_counts" | "address_withheld")
    ) {
        return None;
    }
    // That CAMHS looked at all is mental-health information
    // (`AgencyKind::involvement_scope`): kept back with the scope.
    if e.actor
        .agency_kind
        .is_some_and(|k| withheld(k.involvement_scope()))
    {
        return None;
    }
    let restricted = |s: &Scope| *s == Scope::Restricted || withheld(*s);
    // A write or a request names its scope in its details, and an advice
    // request the service asked: both are kept back like a read of them.
    let named_scope = e.details.get("scope").and_then(|s| s.parse::<Scope>().ok());
    let asked_service = e
        .details
        .get("agency_id")
        .and_then(|id| id.parse::<uuid::Uuid>().ok())
        .and_then(|id| agencies.iter().find(|a| a.id == id))
        .map(|a| a.kind.involvement_scope());
    if named_scope.is_some_and(|s| restricted(&s)) || asked_service.is_some_and(|s| restricted(&s))
    {
        return None;
    }
    let scopes: Vec<Scope> = e
        .basis
        .iter()
        .map(|b| b.scope)
        .filter(|s| !restricted(s))
        .collect();
    if scopes.is_empty() && e.basis.iter().any(|b| restricted(&b.scope)) {
        return None;
    }
    // Only the bases of what is shown: the basis of a hidden read is itself
    // something the family may not be told.
    let shown: Vec<consent::trace::BasisRecord> = e
        .basis
        .iter()
        .filter(|b| scopes.contains(&b.scope))
        .cloned()
        .collect();
    let mut kinds: Vec<BasisKind> = shown.iter().map(|b| b.kind).collect();
    kinds.sort();
    kinds.dedup();
    Some(Look {
        summary: Look::sentence(e, &scopes, &shown, agencies),
        seq: e.seq,
        at: e.recorded_at.clone(),
        action: e.action,
        agency: e
            .actor
            .agency_id
            .and_then(|a| agencies.iter().find(|x| x.id == a))
            .cloned(),
        agency_kind: e.actor.agency_kind,
        practitioner: if show_practitioner {
            e.actor.subject.clone()
        } else {
            None
        },
        scopes,
        purpose: e.purpose,
        basis: kinds,
    })
}

impl Family<'_> {
    /// Inclusion proofs of looks from this child's history (their `seq`):
    /// leaf hashes and paths only, never the entry itself, which holds what
    /// a family's history leaves out (restricted scopes, practitioners).
    pub async fn inclusion_proofs(
        &self,
        seqs: &[i64],
    ) -> Result<Vec<Option<consent::log::InclusionProof>>> {
        Ok(self
            .rc
            .store()
            .inclusion_proofs(seqs)
            .await?
            .into_iter()
            .map(|p| p.map(|(proof, _)| proof))
            .collect())
    }

    fn read(&self, view: &str) {
        self.rc.record(
            self.rc
                .child_entry(TraceAction::Read, self.child)
                .detail("view", view),
        );
    }

    /// Only someone whose family view holds "all about me" reads its
    /// versions or writes a new one: the young person, or a parent who
    /// decides this part (not one past the hand-over who acts for the
    /// young person only in another part, under a capacity assessment).
    fn may_see_all_about_me(&self) -> Result<()> {
        let rc = self.rc;
        let refusal = match consent::FamilyRole::of(&rc.principal) {
            None => consent::FamilyRefusal::NoRelationship,
            Some(role) => match self
                .loaded
                .facts
                .core
                .consent_facts(rc.policy().term_start)
                .family_view(
                    rc.principal.person_id.as_deref().unwrap_or_default(),
                    role,
                    rc.today(),
                )
                .and_then(|v| v.scope(Scope::AllAboutMe))
            {
                Ok(_) => return Ok(()),
                Err(r) => r,
            },
        };
        Err(crate::error::Error::Forbidden(refusal.to_string()))
    }

    /// Every version of "all about me", with who wrote it.
    pub async fn all_about_me_history(&self) -> Result<Vec<AllAboutMeVersion>> {
        self.may_see_all_about_me()?;
        self.read("all_about_me_history");
        Ok(self.rc.store().all_about_me_versions(self.child).await?)
    }

    /// Writes a new version of "all about me" (earlier ones are kept): as
    /// the young person when the caller is one, else as a parent. Each part
    /// is free text (`domain::input::long_text`); blank parts are left out.
    pub async fn update_all_about_me(&self, written: AllAboutMe) -> Result<AllAboutMeVersion> {
        let rc = self.rc;
        self.may_see_all_about_me()?;
        let content = AllAboutMe {
            what_matters: long_text("whatMatters", written.what_matters.as_deref())?,
            how_to_support: long_text("howToSupport", written.how_to_support.as_deref())?,
            aspirations: long_text("aspirations", written.aspirations.as_deref())?,
            history: long_text("history", written.history.as_deref())?,
        };
        let written_as = if rc.principal.has(Role::YoungPerson) {
            WrittenAs::YoungPerson
        } else {
            WrittenAs::Parent
        };
        let person = rc
            .principal
            .person_id
            .clone()
            .unwrap_or_else(|| rc.principal.subject.clone());
        let tx = rc.store().traced().await?;
        let version = tx
            .insert_all_about_me(self.child, &content, &person, written_as, rc.now)
            .await?;
        let entry = rc
            .child_entry(TraceAction::AllAboutMeUpdated, self.child)
            .detail("version", version);
        tx.commit(vec![entry]).await?;
        rc.hub.updates.publish(self.child, Scope::AllAboutMe, None);
        Ok(AllAboutMeVersion {
            version,
            content,
            written_by: person,
            written_as,
            written_at: rc.now,
        })
    }

    /// Every consent recorded for the child, with its history.
    pub fn consents(self) -> Vec<Grant> {
        self.read("consents");
        self.loaded.facts.state.grants.clone()
    }

    /// After the end of compulsory school age: the grants a parent made that
    /// the young person has yet to confirm or withdraw (none before).
    pub fn consents_to_review(self) -> Vec<Grant> {
        self.read("consents_to_review");
        let now = self.rc.now;
        if !self
            .loaded
            .facts
            .core
            .consent_facts(self.rc.policy().term_start)
            .handed_over(self.rc.today())
        {
            return Vec::new();
        }
        self.loaded
            .facts
            .state
            .grants
            .iter()
            .filter(|g| g.awaits_young_person(now))
            .cloned()
            .collect()
    }

    /// The child's latest EHC needs assessment.
    pub async fn assessment(&self) -> Result<Option<AssessmentOnFile>> {
        super::case_officer::latest_assessment(self.rc, self.child).await
    }

    /// Who looked at the record: reads, searches and contributions by
    /// agencies, after `after`, at most `limit` entries examined. What the
    /// holder of an override kept from the family did with this child for
    /// safeguarding while it ran stays hidden, as the override does; so do
    /// restricted items (DPA 2018 Sch 3), and practitioners' names unless the
    /// deployment shows them ([`Look`]).
    pub async fn access_history(
        &self,
        narrow: &HistoryFilter,
        after: i64,
        limit: u64,
    ) -> Result<HistoryPage> {
        let rc = self.rc;
        let filter = TraceFilter {
            child_id: Some(self.child),
            agency_id: narrow.agency_id,
            from: narrow.from,
            to: narrow.to,
            newest_first: narrow.newest_first,
            actions: vec![
                TraceAction::Read,
                TraceAction::Search,
                TraceAction::Contribute,
                TraceAction::AdviceSubmitted,
                TraceAction::AdviceReused,
                TraceAction::ReuseConfirmed,
                TraceAction::AdviceRequested,
                TraceAction::AssessmentStarted,
                TraceAction::AssessmentStep,
                TraceAction::ChildRegistered,
                TraceAction::FamilyLinked,
                // The young person is told of a capacity assessment (MCA).
                TraceAction::CapacityRecorded,
            ],
            agency_actors_only: true,
            ..TraceFilter::default()
        };
        let store = rc.store();
        let (rows, agencies) = tokio::try_join!(
            store.search_trace(&filter, after, limit + 1),
            store.agencies()
        )?;
        let hidden: Vec<&consent::Override> = self
            .loaded
            .facts
            .state
            .overrides
            .iter()
            .filter(|o| !o.family_may_be_told(rc.now))
            .collect();
        let kept_from_family = |e: &TraceEntry| {
            hidden.iter().any(|o| {
                let at = chrono::DateTime::parse_from_rfc3339(&e.recorded_at)
                    .map(|d| d.with_timezone(&Utc));
                e.basis.iter().any(|b| b.override_id == Some(o.id))
                    || (e.actor.subject.as_deref() == Some(o.declared_by.as_str())
                        && e.actor.agency_id == Some(o.agency_id)
                        && e.purpose == Some(consent::Purpose::Safeguarding)
                        && at.is_ok_and(|at| at >= o.starts_at && at < o.ends_at))
            })
        };
        let has_next_page = rows.len() as u64 > limit;
        let consumed: Vec<TraceRow> = rows.into_iter().take(limit as usize).collect();
        let end_seq = consumed.last().map(|r| r.entry.seq);
        let show = rc.policy().show_practitioners_to_families;
        let view = consent::FamilyRole::of(&rc.principal).and_then(|role| {
            self.loaded
                .facts
                .core
                .consent_facts(rc.policy().term_start)
                .family_view(
                    rc.principal.person_id.as_deref().unwrap_or_default(),
                    role,
                    rc.today(),
                )
                .ok()
        });
        // Every scope this family member may not read (kept in confidence
        // by a Gillick-competent child, outside a limited PR, the young
        // person's own from 16): its lines are kept back too.
        let withheld = |scope: Scope| view.as_ref().is_some_and(|v| v.scope(scope).is_err());
        let looks = consumed
            .iter()
            .filter(|r| !kept_from_family(&r.entry))
            .filter_map(|r| look_of(&r.entry, &agencies, show, &withheld))
            .collect();
        self.read("access_history");
        Ok(HistoryPage {
            looks,
            has_next_page,
            end_seq,
        })
    }
}

//! Synthetic records for benchmarks and load tests (`tellonce seed`):
//! fictional children in every scope, their families, agencies, grants
//! and trace history, written with bulk statements.
//!
//! Children are generated and written in chunks (each chunk one traced
//! transaction of multi-row INSERTs, its trace entries chained after the
//! head read inside it), so memory stays bounded whatever the number of
//! children. The fictional values come from [`domain::synthetic`]; this
//! module plans what names agencies (involvements, grants, trace entries).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use consent::trace::{Actor, BasisRecord, TraceAction, TraceEntry, Withheld};
use consent::{BasisKind, DenialCode, GrantorCapacity, PrLimitKind, PrSource, Purpose, Role};
use domain::synthetic::{self, Rng};
use domain::{AgencyKind, ChildRecord, Scope};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use super::entities::{
    access_trace, agency, child, child_profile, consent_grant, consent_grant_purpose,
    consent_grant_scope, consent_withdrawal, family_member, health_item, involvement,
    parental_responsibility, restricted_item, sen_need,
};
use super::{Store, StoreError};

/// The agency every seeded database registers: it marks the database as
/// synthetic. Switches meant only for benchmarks (serving without a
/// durable trace) refuse a database without it, so they can never run
/// against real records.
pub const SEED_MARKER: Uuid = Uuid::from_u128(0x0000_0000_5eed_4000_8000_0000_0000_0000);

/// The marker agency's name.
pub const SEED_MARKER_NAME: &str = "Synthetic records (tellonce seed)";

/// Children written per transaction, at most.
const CHUNK: u64 = 1_000;

/// Trace entries generated per chunk, at most: a chunk is held in memory
/// while the one before is written (each entry a few kilobytes with its
/// canonical text), so a deep history writes fewer children at a time.
const CHUNK_TRACE: u64 = 20_000;

/// Children per chunk under `plan`: [`CHUNK`], or fewer so that a chunk's
/// trace history stays within [`CHUNK_TRACE`] entries.
fn children_per_chunk(plan: &SeedPlan) -> u64 {
    // A child's history is at most its trace_per_child entries.
    let per_child = u64::from(plan.trace_per_child).max(1);
    (CHUNK_TRACE / per_child).clamp(1, CHUNK)
}

/// Bind parameters per statement: under SQLite's 32,766 and PostgreSQL's
/// 65,535.
const MAX_PARAMS: usize = 30_000;

/// Up to how many ids of each kind the report keeps (for tokens files).
pub const SAMPLE_CHILDREN: usize = 10_000;
pub const SAMPLE_PER_PARTNER: usize = 500;
pub const SAMPLE_FAMILIES: usize = 1_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub children: u64,
    pub seed: u64,
    pub grants_per_child: u32,
    pub involvements_per_child: u32,
    pub trace_per_child: u32,
    /// Rows per INSERT statement (fewer where a table's columns would
    /// pass the bind-parameter limit).
    pub batch: usize,
    /// The privacy-notice version recorded with each grant.
    pub notice_version: String,
    /// Who ran the seed (the closing IMPORT entry's actor).
    pub operator: String,
}

/// Why seeding stopped. Like [`StoreError`], deliberately not `Display`.
#[derive(Debug)]
pub enum SeedError {
    /// The database already holds children: seeding never mixes fictional
    /// records with real ones. Nothing was written.
    NotEmpty,
    Store(StoreError),
}

impl From<StoreError> for SeedError {
    fn from(e: StoreError) -> Self {
        SeedError::Store(e)
    }
}

impl From<sea_orm::DbErr> for SeedError {
    fn from(e: sea_orm::DbErr) -> Self {
        SeedError::Store(e.into())
    }
}

/// A seeded agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededAgency {
    pub id: Uuid,
    pub name: String,
    pub kind: AgencyKind,
}

/// A partner agency with children it may read: a current involvement and
/// an active grant to it covering `scope`.
#[derive(Debug, Clone)]
pub struct PartnerSample {
    pub agency: SeededAgency,
    /// The scope the listed children's grants cover: EDUCATION where the
    /// agency's kind may read it, else the one the kind reads first.
    pub scope: Scope,
    pub children: Vec<Uuid>,
}

/// A family member who can sign in and decides for one child of theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySample {
    pub person_id: String,
    pub child_id: Uuid,
}

/// What was written, with bounded samples of ids for load tests.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub agencies: u64,
    pub children: u64,
    pub family_members: u64,
    pub involvements: u64,
    pub grants: u64,
    pub withdrawn: u64,
    pub expired: u64,
    pub trace_entries: u64,
    pub rows: u64,
    /// The first children, up to [`SAMPLE_CHILDREN`].
    pub sample_children: Vec<Uuid>,
    pub partners: Vec<PartnerSample>,
    pub families: Vec<FamilySample>,
}

impl SeedReport {
    /// An empty report with a partner sample per seeded agency.
    fn sampling(agencies: &[SeededAgency]) -> Self {
        SeedReport {
            partners: agencies
                .iter()
                .map(|a| PartnerSample {
                    agency: a.clone(),
                    scope: sampled_scope(a.kind),
                    children: Vec::new(),
                })
                .collect(),
            ..SeedReport::default()
        }
    }
}

/// How many agencies of each kind `children` children get.
fn agencies_per_kind(children: u64) -> u64 {
    (children / 5_000).clamp(3, 40)
}

/// The scope a partner's sampled children have a current grant for:
/// EDUCATION where the kind may read it (what the benchmark's small read
/// asks for beside identity), else the scope the kind reads first.
fn sampled_scope(kind: AgencyKind) -> Scope {
    let readable = readable(kind);
    if readable.contains(&Scope::Education) {
        Scope::Education
    } else {
        readable[0]
    }
}

/// The scopes a kind may read for direct support under the default
/// agreement, the first the one it reads first.
fn readable(kind: AgencyKind) -> &'static [Scope] {
    use Scope::*;
    match kind {
        AgencyKind::School => &[
            Education,
            AllAboutMe,
            SenNeeds,
            Communication,
            SensoryPhysical,
            Family,
            PhysicalHealth,
            Psychology,
            PreparingForAdulthood,
        ],
        AgencyKind::Camhs => &[MentalHealth, AllAboutMe, PhysicalHealth, Psychology, Family],
        AgencyKind::Slt => &[Communication, AllAboutMe, Education, SenNeeds, Family],
        AgencyKind::Ot => &[
            SensoryPhysical,
            AllAboutMe,
            PhysicalHealth,
            Education,
            Family,
        ],
        AgencyKind::Ep => &[
            Psychology,
            Education,
            AllAboutMe,
            SenNeeds,
            Communication,
            MentalHealth,
            Family,
        ],
        AgencyKind::Health => &[
            PhysicalHealth,
            AllAboutMe,
            MentalHealth,
            SensoryPhysical,
            Communication,
            Family,
        ],
        AgencyKind::SocialCare => &[
            SocialCare,
            Family,
            AllAboutMe,
            Education,
            SenNeeds,
            PreparingForAdulthood,
        ],
        AgencyKind::YouthJustice => &[Education, SenNeeds, AllAboutMe],
        AgencyKind::LaSend => &[SenNeeds, Education, AllAboutMe],
    }
}

/// The `section.field` paths a read of `scope` discloses (trace history).
fn fields_of(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::Education => &["education.settingName", "education.yearGroup"],
        Scope::MentalHealth => &["mentalHealth.camhsStatus"],
        Scope::Communication => &["communication.profile"],
        Scope::SensoryPhysical => &["sensoryPhysical.otSummary"],
        Scope::Psychology => &["psychology.assessmentSummary"],
        Scope::PhysicalHealth => &["physicalHealth.gpPractice"],
        Scope::SocialCare => &["socialCare.needs"],
        Scope::SenNeeds => &["senNeeds.provision"],
        _ => &["allAboutMe.whatMatters"],
    }
}

fn role_title(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::School => "SENCo",
        AgencyKind::Camhs => "Clinical psychologist",
        AgencyKind::Slt => "Speech and language therapist",
        AgencyKind::Ot => "Occupational therapist",
        AgencyKind::Ep => "Educational psychologist",
        AgencyKind::SocialCare => "Social worker",
        AgencyKind::YouthJustice => "Youth justice worker",
        AgencyKind::Health => "Community paediatrician",
        AgencyKind::LaSend => "SEND case officer",
    }
}

/// The seeded agencies: `agencies_per_kind` of every kind, by seed.
pub fn seeded_agencies(seed: u64, children: u64) -> Vec<SeededAgency> {
    const TOWNS: &[&str] = &[
        "Northtown",
        "Easterby",
        "Westmoor",
        "Southdale",
        "Midhollow",
    ];
    let per = agencies_per_kind(children);
    let mut out = Vec::new();
    for (k, kind) in AgencyKind::ALL.iter().enumerate() {
        for n in 0..per {
            let index = k as u64 * 1_000 + n;
            let mut r = Rng::for_item(seed, 10, index);
            out.push(SeededAgency {
                id: r.uuid(),
                name: format!(
                    "{} {} {} (synthetic)",
                    TOWNS[(n % TOWNS.len() as u64) as usize],
                    kind.label(),
                    n + 1
                ),
                kind: *kind,
            });
        }
    }
    out
}

/// The practitioner subject seeded for agency `a`.
pub fn practitioner_subject(a: &SeededAgency) -> String {
    format!("seed-practitioner-{}", a.id.simple())
}

/// One chunk's rows, ready to insert.
#[derive(Default)]
struct Rows {
    child: Vec<child::ActiveModel>,
    profile: Vec<child_profile::ActiveModel>,
    family: Vec<family_member::ActiveModel>,
    pr: Vec<parental_responsibility::ActiveModel>,
    need: Vec<sen_need::ActiveModel>,
    health: Vec<health_item::ActiveModel>,
    restricted: Vec<restricted_item::ActiveModel>,
    involvement: Vec<involvement::ActiveModel>,
    grant: Vec<consent_grant::ActiveModel>,
    grant_scope: Vec<consent_grant_scope::ActiveModel>,
    grant_purpose: Vec<consent_grant_purpose::ActiveModel>,
    withdrawal: Vec<consent_withdrawal::ActiveModel>,
    trace: Vec<TraceEntry>,
}

/// A grant as planned, for the trace and the samples.
struct PlannedGrant {
    id: Uuid,
    agency: usize,
    scopes: BTreeSet<Scope>,
    recorded_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
    active: bool,
    /// To every agency of its agency's kind.
    by_kind: bool,
}

/// Seconds before `now`, to the microsecond (trace timestamps round-trip).
fn ago(now: DateTime<Utc>, r: &mut Rng, max_days: u64) -> DateTime<Utc> {
    let micros = r.below(max_days.max(1) * 86_400 * 1_000_000);
    now - Duration::microseconds(micros as i64)
}

struct Generator<'a> {
    plan: &'a SeedPlan,
    agencies: &'a [SeededAgency],
    now: DateTime<Utc>,
    today: NaiveDate,
    agreement_version: i32,
}

impl Generator<'_> {
    fn of_kind(&self, kind: AgencyKind, r: &mut Rng) -> usize {
        let per = agencies_per_kind(self.plan.children) as usize;
        let k = AgencyKind::ALL
            .iter()
            .position(|x| *x == kind)
            .unwrap_or_default();
        k * per + r.below(per as u64) as usize
    }

    /// Generates child `index` into `rows`, updating the report.
    fn child(&self, index: u64, rows: &mut Rows, report: &mut SeedReport) {
        let record = synthetic::child_record(self.plan.seed, index, self.today);
        let mut r = Rng::for_item(self.plan.seed, synthetic::stream::PLAN, index);
        let now = self.now;
        let id = record.id;
        self.record_rows(&record, rows);
        report.family_members += record.family.len() as u64;

        // Involvements: a school first (current), then other services,
        // some ended.
        let mut involved = Vec::new();
        for k in 0..self.plan.involvements_per_child {
            let kind = if k == 0 {
                AgencyKind::School
            } else {
                *r.pick(&AgencyKind::ALL[1..])
            };
            let agency = self.of_kind(kind, &mut r);
            let ended = k > 0 && r.chance(25);
            let since = self.today - Duration::days(30 + r.below(1_000) as i64);
            let until = ended.then(|| self.today - Duration::days(1 + r.below(29) as i64));
            rows.involvement.push(involvement::ActiveModel {
                child_id: Set(id),
                id: Set(r.uuid()),
                agency_id: Set(self.agencies[agency].id),
                agency_kind: Set(kind.code().to_owned()),
                practitioner_name: Set(Some(format!("Practitioner {}", r.below(900) + 100))),
                role_title: Set(Some(role_title(kind).to_owned())),
                since: Set(Some(since)),
                until: Set(until),
            });
            involved.push((agency, !ended));
        }
        report.involvements += involved.len() as u64;

        // A young person decides every scope only once past compulsory
        // school age (before it, a parent decides school and learning), so
        // the seed's grants are ones the hub would accept from the grantor.
        let past_school_age = consent::end_of_compulsory_school_age(
            record.identity.date_of_birth,
            consent::TermStart::default(),
        ) < now.date_naive();
        let (grantor, capacity) = match &record.young_person_id {
            Some(yp) if past_school_age => (yp.clone(), GrantorCapacity::YoungPerson),
            _ => (
                synthetic::parent_person_id(index, 0),
                GrantorCapacity::ParentalResponsibility,
            ),
        };
        // Grants: one per involved service first, then to other kinds.
        // Scopes beyond the first are each granted or withheld; a grant
        // is active, withdrawn or expired.
        let mut grants = Vec::new();
        for k in 0..self.plan.grants_per_child as usize {
            let agency = match involved.get(k) {
                Some((a, _)) => *a,
                None => {
                    let kind = *r.pick(AgencyKind::ALL);
                    self.of_kind(kind, &mut r)
                }
            };
            let kind = self.agencies[agency].kind;
            let readable = readable(kind);
            let mut scopes: BTreeSet<Scope> = [readable[0]].into();
            for s in &readable[1..] {
                if r.chance(60) {
                    scopes.insert(*s);
                }
            }
            let mut purposes = vec![Purpose::DirectSupport, Purpose::AnnualReview];
            if r.chance(50) {
                purposes.push(Purpose::EhcAssessment);
            }
            let roll = r.below(100);
            let (valid_from, valid_until, withdrawn_at) = if roll < 12 {
                let from = now - Duration::days(60 + r.below(700) as i64);
                let at = from + Duration::days(1 + r.below(50) as i64);
                (from, None, Some(at))
            } else if roll < 22 {
                let from = now - Duration::days(200 + r.below(600) as i64);
                (from, Some(from + Duration::days(180)), None)
            } else {
                let from = now - Duration::days(1 + r.below(700) as i64);
                let until = r.chance(30).then(|| now + Duration::days(365));
                (from, until, None)
            };
            let gid = r.uuid();
            let by_kind = k % 2 == 1;
            let written = r.chance(20);
            let recorder = practitioner_subject(&self.agencies[agency]);
            rows.grant.push(consent_grant::ActiveModel {
                child_id: Set(id),
                id: Set(gid),
                grantor_person_id: Set(grantor.clone()),
                grantor_capacity: Set(capacity.code().to_owned()),
                recipient_agency_id: Set((!by_kind).then_some(self.agencies[agency].id)),
                recipient_agency_kind: Set(by_kind.then(|| kind.code().to_owned())),
                valid_from: Set(valid_from),
                valid_until: Set(valid_until),
                method: Set(if written { "WRITTEN" } else { "DIGITAL" }.to_owned()),
                recorded_by: Set(written.then(|| recorder.clone())),
                recorded_at: Set(valid_from),
                evidence: Set(written.then(|| format!("Signed form SF-{}", r.below(1_000_000)))),
                notice_version: Set(self.plan.notice_version.clone()),
                agreement_version: Set(self.agreement_version),
                needs_family_confirmation: Set(false),
            });
            for s in &scopes {
                rows.grant_scope.push(consent_grant_scope::ActiveModel {
                    child_id: Set(id),
                    grant_id: Set(gid),
                    scope: Set(s.code().to_owned()),
                });
            }
            for p in &purposes {
                rows.grant_purpose.push(consent_grant_purpose::ActiveModel {
                    child_id: Set(id),
                    grant_id: Set(gid),
                    purpose: Set(p.code().to_owned()),
                });
            }
            if let Some(at) = withdrawn_at {
                rows.withdrawal.push(consent_withdrawal::ActiveModel {
                    child_id: Set(id),
                    id: Set(r.uuid()),
                    grant_id: Set(gid),
                    withdrawn_at: Set(at),
                    by_person_id: Set(grantor.clone()),
                    capacity: Set(capacity.code().to_owned()),
                    reason: Set(Some("We would rather share this ourselves".to_owned())),
                    method: Set("DIGITAL".to_owned()),
                    recorded_by: Set(None),
                    evidence: Set(None),
                });
                report.withdrawn += 1;
            }
            let expired = valid_until.is_some_and(|u| u <= now);
            report.expired += u64::from(expired);
            grants.push(PlannedGrant {
                id: gid,
                agency,
                scopes,
                recorded_at: valid_from,
                withdrawn_at,
                active: withdrawn_at.is_none() && !expired,
                by_kind,
            });
        }
        report.grants += grants.len() as u64;

        // Samples for tokens files.
        if report.sample_children.len() < SAMPLE_CHILDREN {
            report.sample_children.push(id);
        }
        if report.families.len() < SAMPLE_FAMILIES {
            // The one who decides (who granted the child's grants), so a
            // load generator's family can grant and withdraw.
            report.families.push(FamilySample {
                person_id: grantor.clone(),
                child_id: id,
            });
        }
        for (agency, current) in &involved {
            let a = &self.agencies[*agency];
            let covered = grants.iter().any(|g| {
                g.active
                    && g.scopes.contains(&sampled_scope(a.kind))
                    && (g.agency == *agency
                        || (g.by_kind && self.agencies[g.agency].kind == a.kind))
            });
            let partner = &mut report.partners[*agency];
            if *current && covered && partner.children.len() < SAMPLE_PER_PARTNER {
                partner.children.push(id);
            }
        }

        self.trace(
            &record, &grants, &involved, &grantor, capacity, rows, &mut r,
        );
    }

    /// The child's record rows (as `insert_record` writes them).
    fn record_rows(&self, c: &ChildRecord, rows: &mut Rows) {
        let now = self.now;
        let i = &c.identity;
        rows.child.push(child::ActiveModel {
            id: Set(c.id),
            young_person_id: Set(c.young_person_id.clone()),
            given_name: Set(i.given_name.clone()),
            family_name: Set(i.family_name.clone()),
            preferred_name: Set(i.preferred_name.clone()),
            date_of_birth: Set(i.date_of_birth),
            nhs_number: Set(i.nhs_number.as_ref().map(|n| n.as_str().to_owned())),
            upn: Set(i.upn.as_ref().map(|u| u.as_str().to_owned())),
            address_line: Set(i.address_line.clone()),
            town: Set(i.town.clone()),
            postcode: Set(i.postcode.clone()),
            home_language: Set(i.home_language.clone()),
            communication_needs: Set(i.communication_needs.clone()),
            created_at: Set(now),
            created_by: Set("tellonce seed".to_owned()),
            address_withheld_reason: Set(None),
            address_withheld_by: Set(None),
            address_withheld_at: Set(None),
        });
        let code = |c: Option<&'static str>| c.map(str::to_owned);
        rows.profile.push(child_profile::ActiveModel {
            child_id: Set(c.id),
            aam_what_matters: Set(c.all_about_me.what_matters.clone()),
            aam_how_to_support: Set(c.all_about_me.how_to_support.clone()),
            aam_aspirations: Set(c.all_about_me.aspirations.clone()),
            aam_history: Set(c.all_about_me.history.clone()),
            edu_setting_name: Set(c.education.setting_name.clone()),
            edu_setting_urn: Set(c.education.setting_urn.clone()),
            edu_setting_phase: Set(code(c.education.setting_phase.map(|p| p.code()))),
            edu_year_group: Set(c.education.year_group.clone()),
            edu_sen_support_plan: Set(c.education.sen_support_plan.clone()),
            edu_attendance_percent: Set(c.education.attendance_percent),
            edu_attainment_summary: Set(c.education.attainment_summary.clone()),
            edu_suspensions_this_year: Set(c.education.suspensions_this_year),
            edu_permanently_excluded: Set(c.education.permanently_excluded),
            sen_provision: Set(code(c.sen_needs.provision.map(|p| p.code()))),
            sen_ehc_plan_status: Set(code(c.sen_needs.ehc_plan_status.map(|p| p.code()))),
            sen_ehc_plan_issued_on: Set(c.sen_needs.ehc_plan_issued_on),
            sen_outcomes: Set(c.sen_needs.outcomes.clone()),
            sen_special_educational_provision: Set(c
                .sen_needs
                .special_educational_provision
                .clone()),
            psy_assessed_on: Set(c.psychology.assessed_on),
            psy_assessment_summary: Set(c.psychology.assessment_summary.clone()),
            psy_advice: Set(c.psychology.advice.clone()),
            hlt_gp_practice: Set(c.physical_health.gp_practice.clone()),
            hlt_health_care_plan: Set(c.physical_health.health_care_plan),
            hlt_health_provision: Set(c.physical_health.health_provision.clone()),
            com_profile: Set(c.communication.profile.clone()),
            com_slt_advice: Set(c.communication.slt_advice.clone()),
            com_targets: Set(c.communication.targets.clone()),
            com_aac: Set(c.communication.aac.clone()),
            sp_ot_summary: Set(c.sensory_physical.ot_summary.clone()),
            sp_physio_summary: Set(c.sensory_physical.physio_summary.clone()),
            sp_hearing: Set(c.sensory_physical.hearing.clone()),
            sp_vision: Set(c.sensory_physical.vision.clone()),
            sp_equipment: Set(c.sensory_physical.equipment.clone()),
            mh_camhs_status: Set(code(c.mental_health.camhs_status.map(|s| s.code()))),
            mh_referred_on: Set(c.mental_health.referred_on),
            mh_involvement_summary: Set(c.mental_health.involvement_summary.clone()),
            sc_needs: Set(c.social_care.needs.clone()),
            sc_family_support: Set(c.social_care.family_support.clone()),
            sc_short_breaks: Set(c.social_care.short_breaks.clone()),
            sc_provision: Set(c.social_care.provision.clone()),
            pfa_employment: Set(c.preparing_for_adulthood.employment.clone()),
            pfa_independent_living: Set(c.preparing_for_adulthood.independent_living.clone()),
            pfa_community: Set(c.preparing_for_adulthood.community.clone()),
            pfa_health: Set(c.preparing_for_adulthood.health.clone()),
            updated_at: Set(now),
        });
        for m in &c.family {
            rows.family.push(family_member::ActiveModel {
                child_id: Set(c.id),
                id: Set(m.id),
                person_id: Set(m.person_id.clone()),
                full_name: Set(m.full_name.clone()),
                relationship: Set(m.relationship.code().to_owned()),
                parental_responsibility: Set(m.parental_responsibility),
                pr_evidence: Set(m.pr_evidence.clone()),
                contact_preference: Set(m.contact_preference.code().to_owned()),
                phone: Set(m.phone.clone()),
                email: Set(m.email.clone()),
                main_contact: Set(m.main_contact),
                created_at: Set(now),
            });
            if let (Some(person), true) = (&m.person_id, m.parental_responsibility) {
                let source = match m.relationship {
                    domain::Relationship::Mother => PrSource::BirthMother,
                    _ => PrSource::FatherRegistered,
                };
                rows.pr.push(parental_responsibility::ActiveModel {
                    child_id: Set(c.id),
                    id: Set(m.id),
                    person_id: Set(person.clone()),
                    source: Set(source.code().to_owned()),
                    from_date: Set(i.date_of_birth),
                    until_date: Set(None),
                    evidence: Set(m
                        .pr_evidence
                        .clone()
                        .unwrap_or_else(|| "Birth certificate seen".to_owned())),
                    limit_kind: Set(PrLimitKind::Unlimited.code().to_owned()),
                    limit_order: Set(None),
                    recorded_by: Set("tellonce seed".to_owned()),
                    created_at: Set(now),
                });
            }
        }
        for n in &c.sen_needs.needs {
            rows.need.push(sen_need::ActiveModel {
                child_id: Set(c.id),
                rank: Set(n.rank),
                code: Set(n.code.code().to_owned()),
            });
        }
        for h in &c.physical_health.items {
            rows.health.push(health_item::ActiveModel {
                child_id: Set(c.id),
                id: Set(h.id),
                kind: Set(h.kind.code().to_owned()),
                name: Set(h.name.clone()),
                detail: Set(h.detail.clone()),
            });
        }
        for x in &c.restricted {
            rows.restricted.push(restricted_item::ActiveModel {
                child_id: Set(c.id),
                id: Set(x.id),
                kind: Set(x.kind.code().to_owned()),
                summary: Set(x.summary.clone()),
                since: Set(x.since),
                until: Set(x.until),
            });
        }
    }

    /// The child's trace history: the first grant, a withdrawal if there
    /// was one, then reads by the services involved.
    #[allow(clippy::too_many_arguments)]
    fn trace(
        &self,
        record: &ChildRecord,
        grants: &[PlannedGrant],
        involved: &[(usize, bool)],
        grantor: &str,
        capacity: GrantorCapacity,
        rows: &mut Rows,
        r: &mut Rng,
    ) {
        let family_actor = Actor {
            subject: Some(grantor.to_owned()),
            agency_id: None,
            agency_kind: None,
            roles: vec![if capacity == GrantorCapacity::YoungPerson {
                Role::YoungPerson
            } else {
                Role::Family
            }],
        };
        let mut left = self.plan.trace_per_child;
        if left > 0
            && let Some(g) = grants.first()
        {
            let mut e = TraceEntry::new(
                TraceAction::ConsentGranted,
                family_actor.clone(),
                g.recorded_at,
            )
            .detail("grant_id", g.id);
            e.child_id = Some(record.id);
            rows.trace.push(e);
            left -= 1;
        }
        if left > 0
            && let Some((g, at)) = grants.iter().find_map(|g| g.withdrawn_at.map(|at| (g, at)))
        {
            let mut e = TraceEntry::new(TraceAction::ConsentWithdrawn, family_actor, at)
                .detail("grant_id", g.id);
            e.child_id = Some(record.id);
            rows.trace.push(e);
            left -= 1;
        }
        let readers: Vec<usize> = involved
            .iter()
            .filter(|(_, current)| *current)
            .map(|(a, _)| *a)
            .collect();
        for k in 0..left {
            let Some(&agency) = readers.get(r.below(readers.len().max(1) as u64) as usize) else {
                break;
            };
            let a = &self.agencies[agency];
            let scope = readable(a.kind)[0];
            let actor = Actor {
                subject: Some(practitioner_subject(a)),
                agency_id: Some(a.id),
                agency_kind: Some(a.kind),
                roles: vec![Role::Practitioner],
            };
            let mut e = TraceEntry::new(TraceAction::Read, actor, ago(self.now, r, 365))
                .detail("agreement_version", self.agreement_version);
            e.child_id = Some(record.id);
            e.purpose = Some(Purpose::DirectSupport);
            e.request_id = Some(format!("seed-{}-{k}", record.id.simple()));
            let mut disclosed = vec![
                "identity.givenName".to_owned(),
                "identity.familyName".to_owned(),
                "identity.dateOfBirth".to_owned(),
            ];
            e.basis.push(BasisRecord {
                scope: Scope::Identity,
                kind: BasisKind::PublicTask,
                grant_ids: Vec::new(),
                override_id: None,
                agreement_version: Some(self.agreement_version),
                lawful: None,
                bound: None,
                ground: None,
            });
            let covering: Vec<Uuid> = grants
                .iter()
                .filter(|g| {
                    g.active
                        && g.scopes.contains(&scope)
                        && (g.agency == agency
                            || (g.by_kind && self.agencies[g.agency].kind == a.kind))
                })
                .map(|g| g.id)
                .collect();
            if covering.is_empty() {
                e.withheld.push(Withheld {
                    scope,
                    code: DenialCode::ConsentRequired,
                    reason: "no agreement from the family covers this scope".to_owned(),
                });
            } else {
                disclosed.extend(fields_of(scope).iter().map(|f| (*f).to_owned()));
                e.basis.push(BasisRecord {
                    scope,
                    kind: BasisKind::Consent,
                    grant_ids: covering,
                    override_id: None,
                    agreement_version: Some(self.agreement_version),
                    lawful: None,
                    bound: None,
                    ground: None,
                });
            }
            e.disclosed = disclosed;
            rows.trace.push(e);
        }
    }
}

/// Inserts `rows` in statements of at most `per` rows.
async fn insert_all<A, C>(conn: &C, rows: Vec<A>, per: usize) -> Result<u64, SeedError>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(per).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(total)
}

/// Rows per statement for a table of `columns` columns.
fn per(batch: usize, columns: usize) -> usize {
    batch.min(MAX_PARAMS / columns).max(1)
}

impl Store {
    /// Whether any child is on file.
    pub async fn holds_children(&self) -> super::Result<bool> {
        Ok(child::Entity::find()
            .select_only()
            .column(child::Column::Id)
            .into_tuple::<Uuid>()
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Writes `plan`'s synthetic records into a database without children
    /// ([`SeedError::NotEmpty`] otherwise, writing nothing), calling
    /// `progress` with the children written so far after each chunk. The
    /// last entry appended is an IMPORT saying the records are synthetic.
    pub async fn seed(
        &self,
        plan: &SeedPlan,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<SeedReport, SeedError> {
        let now = self.now();
        // The history's months get their partitions (PostgreSQL) before
        // any entry is written, not the default partition.
        self.ensure_trace_partitions((now - chrono::Duration::days(3 * 366)).date_naive())
            .await?;
        let agreement_version = self.current_agreement().await?.version;
        let agencies = seeded_agencies(plan.seed, plan.children);
        let mut report = SeedReport::sampling(&agencies);
        {
            let tx = self.traced().await?;
            if child::Entity::find()
                .select_only()
                .column(child::Column::Id)
                .into_tuple::<Uuid>()
                .one(&tx.txn)
                .await?
                .is_some()
            {
                tx.rollback().await?;
                return Err(SeedError::NotEmpty);
            }
            let marker = agency::Entity::find_by_id(SEED_MARKER).one(&tx.txn).await?;
            let mut rows: Vec<agency::ActiveModel> = agencies
                .iter()
                .map(|a| agency::ActiveModel {
                    id: Set(a.id),
                    name: Set(a.name.clone()),
                    kind: Set(a.kind.code().to_owned()),
                    contact: Set(None),
                    retired_at: Set(None),
                    updated_at: Set(None),
                })
                .collect();
            if marker.is_none() {
                rows.push(agency::ActiveModel {
                    id: Set(SEED_MARKER),
                    name: Set(SEED_MARKER_NAME.to_owned()),
                    kind: Set(AgencyKind::LaSend.code().to_owned()),
                    contact: Set(None),
                    retired_at: Set(None),
                    updated_at: Set(None),
                });
            }
            report.agencies = insert_all(&tx.txn, rows, per(plan.batch, 6)).await?;
            report.rows += report.agencies;
            tx.commit(Vec::new()).await?;
        }

        let generator = Generator {
            plan,
            agencies: &agencies,
            now,
            today: now.date_naive(),
            agreement_version,
        };
        // The next chunk is generated while the database writes the last
        // one (at most three chunks in memory).
        let (send, mut receive) = tokio::sync::mpsc::channel::<(u64, Rows)>(1);
        let chunk = children_per_chunk(plan);
        let produce = async {
            let mut start = 0;
            while start < plan.children {
                let end = (start + chunk).min(plan.children);
                let mut rows = Rows::default();
                for index in start..end {
                    generator.child(index, &mut rows, &mut report);
                    if index % 64 == 63 {
                        // Lets the writer send its next statement.
                        tokio::task::yield_now().await;
                    }
                }
                report.trace_entries += rows.trace.len() as u64;
                if send.send((end, rows)).await.is_err() {
                    break; // the writer stopped on an error
                }
                start = end;
            }
            drop(send);
        };
        let write = async {
            let mut written = 0;
            while let Some((end, rows)) = receive.recv().await {
                written += self.write_chunk(rows, plan.batch).await?;
                progress(end);
            }
            Ok::<_, SeedError>(written)
        };
        let ((), written) = tokio::join!(produce, write);
        report.rows += written?;
        report.children = plan.children;

        let entry = TraceEntry::new(
            TraceAction::Import,
            Actor {
                subject: Some(plan.operator.clone()),
                ..Actor::default()
            },
            now,
        )
        .detail("synthetic", true)
        .detail("children", plan.children)
        .detail("seed", plan.seed);
        self.append_trace(vec![entry]).await?;
        report.trace_entries += 1;
        Ok(report)
    }

    /// Writes one chunk's rows and trace entries in one traced transaction.
    /// Returns the rows written.
    async fn write_chunk(&self, rows: Rows, batch: usize) -> Result<u64, SeedError> {
        let tx = self.traced().await?;
        let result = async {
            let c = &tx.txn;
            let mut n = 0;
            n += insert_all(c, rows.child, per(batch, 18)).await?;
            n += insert_all(c, rows.profile, per(batch, 46)).await?;
            n += insert_all(c, rows.family, per(batch, 12)).await?;
            n += insert_all(c, rows.pr, per(batch, 11)).await?;
            n += insert_all(c, rows.need, per(batch, 3)).await?;
            n += insert_all(c, rows.health, per(batch, 5)).await?;
            n += insert_all(c, rows.restricted, per(batch, 6)).await?;
            n += insert_all(c, rows.involvement, per(batch, 8)).await?;
            n += insert_all(c, rows.grant, per(batch, 15)).await?;
            n += insert_all(c, rows.grant_scope, per(batch, 3)).await?;
            n += insert_all(c, rows.grant_purpose, per(batch, 3)).await?;
            n += insert_all(c, rows.withdrawal, per(batch, 10)).await?;
            let trace = chain(c, rows.trace).await?;
            n += insert_all(c, trace, per(batch, 16)).await?;
            Ok::<_, SeedError>(n)
        }
        .await;
        match result {
            Ok(n) => {
                tx.commit(Vec::new()).await?;
                Ok(n)
            }
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::error!(error = ?rollback, "rolling back a seed chunk failed");
                }
                Err(e)
            }
        }
    }
}

/// Links `entries` after the chain's head (read inside `conn`'s
/// transaction, which holds the chain), as every append does.
async fn chain<C: ConnectionTrait>(
    conn: &C,
    entries: Vec<TraceEntry>,
) -> Result<Vec<access_trace::ActiveModel>, SeedError> {
    Ok(super::trace::linked(conn, entries).await?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_agencies_and_reads_its_first_scope() {
        let agencies = seeded_agencies(1, 10);
        for kind in AgencyKind::ALL {
            assert_eq!(agencies.iter().filter(|a| a.kind == *kind).count(), 3);
            assert!(!readable(*kind).is_empty());
        }
        assert_eq!(seeded_agencies(1, 10), seeded_agencies(1, 10));
        assert_ne!(seeded_agencies(1, 10)[0].id, seeded_agencies(2, 10)[0].id);
    }

    #[test]
    fn a_young_person_grants_only_once_past_compulsory_school_age() {
        // Before the end of compulsory school age a parent decides school
        // and learning: a grant by the young person covering EDUCATION
        // would be refused by the hub (and fail the benchmark's consent
        // change), so the seed makes the parent the grantor until then.
        let plan = SeedPlan {
            children: SAMPLE_FAMILIES as u64,
            seed: 1,
            grants_per_child: 3,
            involvements_per_child: 3,
            trace_per_child: 0,
            batch: 100,
            notice_version: "test".to_owned(),
            operator: "test".to_owned(),
        };
        let agencies = seeded_agencies(plan.seed, plan.children);
        let generator = test_generator(&plan, &agencies);
        let mut report = SeedReport::sampling(&agencies);
        let mut rows = Rows::default();
        let (mut in_year_11, mut by_young_person) = (0, 0);
        for index in 0..plan.children {
            generator.child(index, &mut rows, &mut report);
            let record = synthetic::child_record(plan.seed, index, generator.today);
            let Some(young) = record.young_person_id else {
                continue;
            };
            let past = consent::end_of_compulsory_school_age(
                record.identity.date_of_birth,
                consent::TermStart::default(),
            ) < generator.today;
            let sample = &report.families[index as usize];
            assert_eq!(sample.child_id, record.id);
            if past {
                assert_eq!(sample.person_id, young, "child {index}");
                by_young_person += 1;
            } else {
                assert_eq!(
                    sample.person_id,
                    synthetic::parent_person_id(index, 0),
                    "child {index}: 16, still of compulsory school age"
                );
                in_year_11 += 1;
            }
        }
        assert!(
            in_year_11 > 0 && by_young_person > 0,
            "{in_year_11} {by_young_person}"
        );
    }

    #[test]
    fn a_deep_history_writes_fewer_children_per_chunk() {
        let plan = |trace_per_child| SeedPlan {
            children: 10_000,
            seed: 1,
            grants_per_child: 3,
            involvements_per_child: 2,
            trace_per_child,
            batch: 1_000,
            notice_version: "test".to_owned(),
            operator: "test".to_owned(),
        };
        assert_eq!(children_per_chunk(&plan(0)), CHUNK);
        assert_eq!(children_per_chunk(&plan(5)), CHUNK);
        // 10,000 children of 1,000 entries (the benchmark's 10,000,000):
        // one chunk held 1,000,000 entries (4 GB) before.
        let deep = plan(1_000);
        let chunk = children_per_chunk(&deep);
        assert_eq!(chunk, 20);
        let agencies = seeded_agencies(deep.seed, deep.children);
        let generator = test_generator(&deep, &agencies);
        let mut report = SeedReport::sampling(&agencies);
        let mut rows = Rows::default();
        for index in 0..chunk {
            generator.child(index, &mut rows, &mut report);
        }
        assert!(
            rows.trace.len() as u64 <= CHUNK_TRACE,
            "{}",
            rows.trace.len()
        );
        assert!(
            rows.trace.len() as u64 > CHUNK_TRACE / 2,
            "{}",
            rows.trace.len()
        );
    }

    /// A generator for `plan` on 1 December 2026, agreement version 1.
    fn test_generator<'a>(plan: &'a SeedPlan, agencies: &'a [SeededAgency]) -> Generator<'a> {
        let now = DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .expect("date")
            .to_utc();
        Generator {
            plan,
            agencies,
            now,
            today: now.date_naive(),
            agreement_version: 1,
        }
    }

    #[test]
    fn statements_stay_under_the_parameter_limit() {
        assert_eq!(per(1_000, 46), 652);
        assert_eq!(per(1_000, 3), 1_000);
        assert_eq!(per(0, 3), 1);
    }
}

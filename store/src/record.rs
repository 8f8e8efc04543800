//! Reading and writing the child record. A record's core loads with its
//! family and who-decides facts (`standing`: nine statements, found or
//! not); its sections in at most five more queries (profile, needs, health
//! items, restricted items, involvements), and only the sections the access
//! decision allows are read.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use consent::AccessDecision;
use domain::{
    Agency, AgencyKind, AllAboutMe, ChildId, ChildRecord, Communication, Education, FamilyMember,
    HealthItem, HealthItemKind, Identity, Involvement, MentalHealth, NhsNumber, PhysicalHealth,
    PreparingForAdulthood, Psychology, RestrictedItem, Scope, SenNeed, SenNeeds, SensoryPhysical,
    SocialCare, UnknownCode, Upn, input::ValidFamilyMember,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{
    agency, child, child_profile, family_member, health_item, involvement, restricted_item,
    sen_need,
};
use super::trace::TracedTxn;
use super::{Constraint, Result, Store, StoreError, code};

/// The always-loaded part of a record: identity and family, which the access
/// decision itself needs (who holds parental responsibility).
#[derive(Debug, Clone)]
pub struct ChildCore {
    pub id: ChildId,
    pub young_person_id: Option<String>,
    /// The address is withheld to keep the child safe, and why.
    pub address_withheld: Option<consent::AddressWithheld>,
    pub identity: Identity,
    pub family: Vec<FamilyMember>,
    /// Who decides: PR holdings, deputies, competence and capacity.
    pub standing: super::Standing,
}

impl ChildCore {
    /// What the consent crate needs to decide, with the LA's term start.
    pub fn consent_facts(&self, term_start: consent::TermStart) -> consent::ChildFacts {
        consent::ChildFacts {
            id: self.id,
            date_of_birth: self.identity.date_of_birth,
            young_person_id: self.young_person_id.clone(),
            parental_responsibility: self.standing.parental_responsibility.clone(),
            deputies: self.standing.deputies.clone(),
            competence: self.standing.competence.clone(),
            capacity: self.standing.capacity.clone(),
            term_start,
            address_withheld: self.address_withheld.is_some(),
        }
    }
}

/// A child to register: validated identity plus the young person's sign-in id.
#[derive(Debug, Clone)]
pub struct NewChild {
    pub identity: Identity,
    pub young_person_id: Option<String>,
}

fn opt_code<T: FromStr<Err = UnknownCode>>(value: Option<&str>) -> Result<Option<T>> {
    value.map(code).transpose()
}

fn identity_of(m: &child::Model) -> Result<Identity> {
    let stored =
        |e: domain::IdentifierError| StoreError::Corrupt(format!("stored identifier: {e}"));
    Ok(Identity {
        given_name: m.given_name.clone(),
        family_name: m.family_name.clone(),
        preferred_name: m.preferred_name.clone(),
        date_of_birth: m.date_of_birth,
        nhs_number: m
            .nhs_number
            .as_deref()
            .map(NhsNumber::parse)
            .transpose()
            .map_err(stored)?,
        upn: m
            .upn
            .as_deref()
            .map(Upn::parse)
            .transpose()
            .map_err(stored)?,
        address_line: m.address_line.clone(),
        town: m.town.clone(),
        postcode: m.postcode.clone(),
        home_language: m.home_language.clone(),
        communication_needs: m.communication_needs.clone(),
    })
}

/// The marker's three columns are set together or not at all.
fn address_withheld_of(m: &child::Model) -> Result<Option<consent::AddressWithheld>> {
    match (
        &m.address_withheld_reason,
        &m.address_withheld_by,
        m.address_withheld_at,
    ) {
        (None, None, None) => Ok(None),
        (Some(reason), Some(by), Some(at)) => Ok(Some(consent::AddressWithheld {
            reason: reason.clone(),
            set_by: by.clone(),
            set_at: at,
        })),
        _ => Err(StoreError::Corrupt(
            "the address-withheld reason, author and time disagree".into(),
        )),
    }
}

fn family_of(m: &family_member::Model) -> Result<FamilyMember> {
    Ok(FamilyMember {
        id: m.id,
        person_id: m.person_id.clone(),
        full_name: m.full_name.clone(),
        relationship: code(&m.relationship)?,
        parental_responsibility: m.parental_responsibility,
        pr_evidence: m.pr_evidence.clone(),
        contact_preference: code(&m.contact_preference)?,
        phone: m.phone.clone(),
        email: m.email.clone(),
        main_contact: m.main_contact,
    })
}

fn family_row(
    child_id: ChildId,
    m: &FamilyMember,
    now: DateTime<Utc>,
) -> family_member::ActiveModel {
    family_member::ActiveModel {
        child_id: Set(child_id),
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
    }
}

/// Fills the profile-backed sections the decision allows.
fn apply_profile(
    record: &mut ChildRecord,
    p: &child_profile::Model,
    allowed: &dyn Fn(Scope) -> bool,
) -> Result<()> {
    if allowed(Scope::AllAboutMe) {
        record.all_about_me = AllAboutMe {
            what_matters: p.aam_what_matters.clone(),
            how_to_support: p.aam_how_to_support.clone(),
            aspirations: p.aam_aspirations.clone(),
            history: p.aam_history.clone(),
        };
    }
    if allowed(Scope::Education) {
        record.education = Education {
            setting_name: p.edu_setting_name.clone(),
            setting_urn: p.edu_setting_urn.clone(),
            setting_phase: opt_code(p.edu_setting_phase.as_deref())?,
            year_group: p.edu_year_group.clone(),
            sen_support_plan: p.edu_sen_support_plan.clone(),
            attendance_percent: p.edu_attendance_percent,
            attainment_summary: p.edu_attainment_summary.clone(),
            suspensions_this_year: p.edu_suspensions_this_year,
            permanently_excluded: p.edu_permanently_excluded,
        };
    }
    if allowed(Scope::SenNeeds) {
        let needs = std::mem::take(&mut record.sen_needs.needs);
        record.sen_needs = SenNeeds {
            provision: opt_code(p.sen_provision.as_deref())?,
            ehc_plan_status: opt_code(p.sen_ehc_plan_status.as_deref())?,
            ehc_plan_issued_on: p.sen_ehc_plan_issued_on,
            needs,
            outcomes: p.sen_outcomes.clone(),
            special_educational_provision: p.sen_special_educational_provision.clone(),
        };
    }
    if allowed(Scope::Psychology) {
        record.psychology = Psychology {
            assessed_on: p.psy_assessed_on,
            assessment_summary: p.psy_assessment_summary.clone(),
            advice: p.psy_advice.clone(),
        };
    }
    if allowed(Scope::PhysicalHealth) {
        let items = std::mem::take(&mut record.physical_health.items);
        record.physical_health = PhysicalHealth {
            items,
            gp_practice: p.hlt_gp_practice.clone(),
            health_care_plan: p.hlt_health_care_plan,
            health_provision: p.hlt_health_provision.clone(),
        };
    }
    if allowed(Scope::Communication) {
        record.communication = Communication {
            profile: p.com_profile.clone(),
            slt_advice: p.com_slt_advice.clone(),
            targets: p.com_targets.clone(),
            aac: p.com_aac.clone(),
        };
    }
    if allowed(Scope::SensoryPhysical) {
        record.sensory_physical = SensoryPhysical {
            ot_summary: p.sp_ot_summary.clone(),
            physio_summary: p.sp_physio_summary.clone(),
            hearing: p.sp_hearing.clone(),
            vision: p.sp_vision.clone(),
            equipment: p.sp_equipment.clone(),
        };
    }
    if allowed(Scope::MentalHealth) {
        record.mental_health = MentalHealth {
            camhs_status: opt_code(p.mh_camhs_status.as_deref())?,
            referred_on: p.mh_referred_on,
            involvement_summary: p.mh_involvement_summary.clone(),
        };
    }
    if allowed(Scope::SocialCare) {
        record.social_care = SocialCare {
            needs: p.sc_needs.clone(),
            family_support: p.sc_family_support.clone(),
            short_breaks: p.sc_short_breaks.clone(),
            provision: p.sc_provision.clone(),
        };
    }
    if allowed(Scope::PreparingForAdulthood) {
        record.preparing_for_adulthood = PreparingForAdulthood {
            employment: p.pfa_employment.clone(),
            independent_living: p.pfa_independent_living.clone(),
            community: p.pfa_community.clone(),
            health: p.pfa_health.clone(),
        };
    }
    Ok(())
}

fn profile_row(r: &ChildRecord, now: DateTime<Utc>) -> child_profile::ActiveModel {
    let code = |c: Option<&'static str>| c.map(str::to_owned);
    child_profile::ActiveModel {
        child_id: Set(r.id),
        aam_what_matters: Set(r.all_about_me.what_matters.clone()),
        aam_how_to_support: Set(r.all_about_me.how_to_support.clone()),
        aam_aspirations: Set(r.all_about_me.aspirations.clone()),
        aam_history: Set(r.all_about_me.history.clone()),
        edu_setting_name: Set(r.education.setting_name.clone()),
        edu_setting_urn: Set(r.education.setting_urn.clone()),
        edu_setting_phase: Set(code(r.education.setting_phase.map(|c| c.code()))),
        edu_year_group: Set(r.education.year_group.clone()),
        edu_sen_support_plan: Set(r.education.sen_support_plan.clone()),
        edu_attendance_percent: Set(r.education.attendance_percent),
        edu_attainment_summary: Set(r.education.attainment_summary.clone()),
        edu_suspensions_this_year: Set(r.education.suspensions_this_year),
        edu_permanently_excluded: Set(r.education.permanently_excluded),
        sen_provision: Set(code(r.sen_needs.provision.map(|c| c.code()))),
        sen_ehc_plan_status: Set(code(r.sen_needs.ehc_plan_status.map(|c| c.code()))),
        sen_ehc_plan_issued_on: Set(r.sen_needs.ehc_plan_issued_on),
        sen_outcomes: Set(r.sen_needs.outcomes.clone()),
        sen_special_educational_provision: Set(r.sen_needs.special_educational_provision.clone()),
        psy_assessed_on: Set(r.psychology.assessed_on),
        psy_assessment_summary: Set(r.psychology.assessment_summary.clone()),
        psy_advice: Set(r.psychology.advice.clone()),
        hlt_gp_practice: Set(r.physical_health.gp_practice.clone()),
        hlt_health_care_plan: Set(r.physical_health.health_care_plan),
        hlt_health_provision: Set(r.physical_health.health_provision.clone()),
        com_profile: Set(r.communication.profile.clone()),
        com_slt_advice: Set(r.communication.slt_advice.clone()),
        com_targets: Set(r.communication.targets.clone()),
        com_aac: Set(r.communication.aac.clone()),
        sp_ot_summary: Set(r.sensory_physical.ot_summary.clone()),
        sp_physio_summary: Set(r.sensory_physical.physio_summary.clone()),
        sp_hearing: Set(r.sensory_physical.hearing.clone()),
        sp_vision: Set(r.sensory_physical.vision.clone()),
        sp_equipment: Set(r.sensory_physical.equipment.clone()),
        mh_camhs_status: Set(code(r.mental_health.camhs_status.map(|c| c.code()))),
        mh_referred_on: Set(r.mental_health.referred_on),
        mh_involvement_summary: Set(r.mental_health.involvement_summary.clone()),
        sc_needs: Set(r.social_care.needs.clone()),
        sc_family_support: Set(r.social_care.family_support.clone()),
        sc_short_breaks: Set(r.social_care.short_breaks.clone()),
        sc_provision: Set(r.social_care.provision.clone()),
        pfa_employment: Set(r.preparing_for_adulthood.employment.clone()),
        pfa_independent_living: Set(r.preparing_for_adulthood.independent_living.clone()),
        pfa_community: Set(r.preparing_for_adulthood.community.clone()),
        pfa_health: Set(r.preparing_for_adulthood.health.clone()),
        updated_at: Set(now),
    }
}

fn child_row(
    id: ChildId,
    young_person_id: Option<String>,
    i: &Identity,
    created_by: &str,
    now: DateTime<Utc>,
) -> child::ActiveModel {
    child::ActiveModel {
        id: Set(id),
        young_person_id: Set(young_person_id),
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
        created_by: Set(created_by.to_owned()),
        address_withheld_reason: sea_orm::ActiveValue::NotSet,
        address_withheld_by: sea_orm::ActiveValue::NotSet,
        address_withheld_at: sea_orm::ActiveValue::NotSet,
    }
}

/// Which parts of a record a front end will read: the sections of these
/// scopes (who the child is and the family come with the facts, always),
/// and the involvement list. Only parts both wanted and allowed are read
/// from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordParts {
    pub scopes: std::collections::BTreeSet<Scope>,
    pub involvements: bool,
}

impl RecordParts {
    /// Every part (front ends that show the whole record).
    pub fn all() -> Self {
        Self {
            scopes: Scope::ALL.iter().copied().collect(),
            involvements: true,
        }
    }

    /// None but what comes with the facts.
    pub fn none() -> Self {
        Self {
            scopes: std::collections::BTreeSet::new(),
            involvements: false,
        }
    }

    /// Whether the section of `scope` is read (or comes with the facts).
    pub fn holds(&self, scope: Scope) -> bool {
        Self::WITH_THE_FACTS.contains(&scope) || self.scopes.contains(&scope)
    }

    /// Scopes whose values come with a child's facts, never read apart.
    pub const WITH_THE_FACTS: [Scope; 5] = [
        Scope::Identity,
        Scope::NhsNumber,
        Scope::PupilNumber,
        Scope::Contact,
        Scope::Family,
    ];
}

impl Store {
    /// Identity and family of a child, or `None` if there is no such child.
    #[tracing::instrument(name = "db.child_core", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "child_core"))]
    pub async fn child_core(&self, id: ChildId) -> Result<Option<ChildCore>> {
        let (child, family, standing) = tokio::try_join!(
            async { Ok(child::Entity::find_by_id(id).one(&self.db).await?) },
            async {
                Ok(family_member::Entity::find()
                    .filter(family_member::Column::ChildId.eq(id))
                    .order_by_asc(family_member::Column::CreatedAt)
                    .order_by_asc(family_member::Column::Id)
                    .all(&self.db)
                    .await?)
            },
            // Boxed: nine queries' futures side by side are large.
            Box::pin(super::standing::load(&self.db, id)),
        )?;
        let Some(child) = child else { return Ok(None) };
        Ok(Some(ChildCore {
            id: child.id,
            young_person_id: child.young_person_id.clone(),
            address_withheld: address_withheld_of(&child)?,
            identity: identity_of(&child)?,
            family: family.iter().map(family_of).collect::<Result<_>>()?,
            standing,
        }))
    }

    /// The record with every section the decision allows; the others stay
    /// empty and are never read from the database.
    #[tracing::instrument(name = "db.load_record", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "load_record"))]
    pub async fn load_record(
        &self,
        facts: &ChildCore,
        decision: &AccessDecision,
        parts: &RecordParts,
    ) -> Result<ChildRecord> {
        let id = facts.id;
        let allowed = |s: Scope| decision.is_allowed(s) && parts.holds(s);
        let mut record =
            ChildRecord::new(id, facts.young_person_id.clone(), facts.identity.clone());
        if decision.is_allowed(Scope::Family) {
            record.family = facts.family.clone();
        }
        let profile_scopes = [
            Scope::AllAboutMe,
            Scope::Education,
            Scope::SenNeeds,
            Scope::Psychology,
            Scope::PhysicalHealth,
            Scope::Communication,
            Scope::SensoryPhysical,
            Scope::MentalHealth,
            Scope::SocialCare,
            Scope::PreparingForAdulthood,
        ];
        let visible_kinds: Vec<String> = AgencyKind::ALL
            .iter()
            .filter(|_| parts.involvements)
            .filter(|k| decision.is_allowed(k.involvement_scope()))
            .map(|k| k.code().to_owned())
            .collect();
        let db = &self.db;
        let (profile, needs, health, restricted, involvements) = tokio::try_join!(
            async {
                if profile_scopes.iter().any(|s| allowed(*s)) {
                    child_profile::Entity::find_by_id(id).one(db).await
                } else {
                    Ok(None)
                }
            },
            async {
                if allowed(Scope::SenNeeds) {
                    sen_need::Entity::find()
                        .filter(sen_need::Column::ChildId.eq(id))
                        .order_by_asc(sen_need::Column::Rank)
                        .all(db)
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if allowed(Scope::PhysicalHealth) {
                    health_item::Entity::find()
                        .filter(health_item::Column::ChildId.eq(id))
                        .order_by_asc(health_item::Column::Kind)
                        .order_by_asc(health_item::Column::Name)
                        .all(db)
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if allowed(Scope::Restricted) {
                    restricted_item::Entity::find()
                        .filter(restricted_item::Column::ChildId.eq(id))
                        .order_by_asc(restricted_item::Column::Since)
                        .all(db)
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                // Only involvements whose service scope is allowed are read.
                if visible_kinds.is_empty() {
                    Ok(Vec::new())
                } else {
                    involvement::Entity::find()
                        .filter(involvement::Column::ChildId.eq(id))
                        .filter(involvement::Column::AgencyKind.is_in(visible_kinds.clone()))
                        .order_by_asc(involvement::Column::Since)
                        .order_by_asc(involvement::Column::Id)
                        .all(db)
                        .await
                }
            },
        )?;
        record.sen_needs.needs = needs
            .iter()
            .map(|n| {
                Ok(SenNeed {
                    code: code(&n.code)?,
                    rank: n.rank,
                })
            })
            .collect::<Result<_>>()?;
        record.physical_health.items = health
            .iter()
            .map(|h| {
                Ok(HealthItem {
                    id: h.id,
                    kind: code::<HealthItemKind>(&h.kind)?,
                    name: h.name.clone(),
                    detail: h.detail.clone(),
                })
            })
            .collect::<Result<_>>()?;
        let profile = profile.unwrap_or_else(|| child_profile::Model {
            child_id: id,
            ..Default::default()
        });
        apply_profile(&mut record, &profile, &allowed)?;
        if allowed(Scope::SenNeeds) {
            // Derived from the assessment and review facts, never stored twice.
            self.derive_plan_status(id, &mut record.sen_needs).await?;
        }
        if allowed(Scope::AllAboutMe)
            && let Some(latest) = self.latest_all_about_me(id).await?
        {
            // The family's own words, as they last wrote them.
            record.all_about_me = latest.content;
        }
        record.restricted = restricted
            .iter()
            .map(|r| {
                Ok(RestrictedItem {
                    id: r.id,
                    kind: code(&r.kind)?,
                    summary: r.summary.clone(),
                    since: r.since,
                    until: r.until,
                })
            })
            .collect::<Result<_>>()?;
        if !involvements.is_empty() {
            let names: HashMap<Uuid, String> = agency::Entity::find()
                .filter(agency::Column::Id.is_in(involvements.iter().map(|i| i.agency_id)))
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            record.involvements = involvements
                .iter()
                .map(|i| {
                    Ok(Involvement {
                        id: i.id,
                        agency_id: i.agency_id,
                        agency_name: names.get(&i.agency_id).cloned().unwrap_or_default(),
                        agency_kind: code(&i.agency_kind)?,
                        practitioner_name: i.practitioner_name.clone(),
                        role_title: i.role_title.clone(),
                        since: i.since,
                        until: i.until,
                    })
                })
                .collect::<Result<_>>()?;
        }
        Ok(record)
    }

    /// The child with this NHS number and date of birth, if any.
    #[tracing::instrument(name = "db.find_by_nhs_number", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "find_by_nhs_number"))]
    pub async fn find_by_nhs_number(
        &self,
        nhs: &NhsNumber,
        dob: NaiveDate,
    ) -> Result<Option<ChildId>> {
        Ok(child::Entity::find()
            .filter(child::Column::NhsNumber.eq(nhs.as_str()))
            .filter(child::Column::DateOfBirth.eq(dob))
            .one(&self.db)
            .await?
            .map(|c| c.id))
    }

    /// Children a person may act for: as a family member with parental
    /// responsibility, or as the young person themself.
    #[tracing::instrument(name = "db.children_of_person", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "children_of_person"))]
    pub async fn children_of_person(&self, person_id: &str) -> Result<Vec<ChildId>> {
        let (as_family, as_self) = tokio::try_join!(
            family_member::Entity::find()
                .filter(family_member::Column::PersonId.eq(person_id))
                .filter(family_member::Column::ParentalResponsibility.eq(true))
                .all(&self.db),
            child::Entity::find()
                .filter(child::Column::YoungPersonId.eq(person_id))
                .all(&self.db),
        )?;
        let mut ids: Vec<ChildId> = as_self
            .iter()
            .map(|c| c.id)
            .chain(as_family.iter().map(|m| m.child_id))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// One registered agency, by id.
    pub async fn agency(&self, id: Uuid) -> Result<Option<Agency>> {
        agency::Entity::find_by_id(id)
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

    #[tracing::instrument(name = "db.agencies", skip_all, fields(otel.kind = "client", db.system.name = self.system_name(), db.operation.name = "agencies"))]
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        agency::Entity::find()
            .order_by_asc(agency::Column::Name)
            .all(&self.db)
            .await?
            .iter()
            .map(|a| {
                Ok(Agency {
                    id: a.id,
                    name: a.name.clone(),
                    kind: code(&a.kind)?,
                })
            })
            .collect()
    }

    /// Whether a child with this id exists.
    pub async fn child_exists(&self, id: ChildId) -> Result<bool> {
        Ok(child::Entity::find_by_id(id).one(&self.db).await?.is_some())
    }
}

impl TracedTxn {
    /// Registers a child; a duplicate NHS number or UPN is a
    /// [`StoreError::Conflict`] ([`Constraint::ChildNhsNumber`],
    /// [`Constraint::ChildUpn`]).
    pub async fn register_child(&self, new: NewChild, created_by: &str) -> Result<ChildId> {
        let id = Uuid::now_v7();
        if let Some(nhs) = &new.identity.nhs_number {
            let taken = child::Entity::find()
                .filter(child::Column::NhsNumber.eq(nhs.as_str()))
                .one(&self.txn)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Constraint::ChildNhsNumber));
            }
        }
        child::Entity::insert(child_row(
            id,
            new.young_person_id,
            &new.identity,
            created_by,
            self.now(),
        ))
        .exec(&self.txn)
        .await?;
        Ok(id)
    }
    /// Records that `agency` works with the child from today: the "legitimate
    /// relationship" a DIRECT_SUPPORT statutory rule needs.
    pub async fn record_involvement(
        &self,
        child_id: ChildId,
        agency: &consent::AgencyRef,
        role_title: &str,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        involvement::Entity::insert(involvement::ActiveModel {
            child_id: Set(child_id),
            id: Set(id),
            agency_id: Set(agency.id),
            agency_kind: Set(agency.kind.code().to_owned()),
            practitioner_name: Set(None),
            role_title: Set(Some(role_title.to_owned())),
            since: Set(Some(self.now().date_naive())),
            until: Set(None),
        })
        .exec(&self.txn)
        .await?;
        Ok(id)
    }

    /// Links a family member to an existing child.
    pub async fn link_family_member(
        &self,
        child_id: ChildId,
        m: ValidFamilyMember,
    ) -> Result<FamilyMember> {
        let member = FamilyMember {
            id: Uuid::now_v7(),
            person_id: m.person_id,
            full_name: m.full_name,
            relationship: m.relationship,
            parental_responsibility: m.parental_responsibility,
            pr_evidence: m.pr_evidence,
            contact_preference: m.contact_preference,
            phone: m.phone,
            email: m.email,
            main_contact: m.main_contact,
        };
        family_member::Entity::insert(family_row(child_id, &member, self.now()))
            .exec(&self.txn)
            .await?;
        if let Some(pr) = super::standing::carried_over(child_id, &member, self.now()) {
            super::entities::parental_responsibility::Entity::insert(pr)
                .exec(&self.txn)
                .await?;
        }
        Ok(member)
    }
    /// Inserts an agency unless one with the same id exists.
    pub async fn upsert_agency(&self, a: &Agency) -> Result<()> {
        if agency::Entity::find_by_id(a.id)
            .one(&self.txn)
            .await?
            .is_none()
        {
            agency::Entity::insert(agency::ActiveModel {
                id: Set(a.id),
                name: Set(a.name.clone()),
                kind: Set(a.kind.code().to_owned()),
                contact: Set(None),
                retired_at: Set(None),
                updated_at: Set(None),
            })
            .exec(&self.txn)
            .await?;
        }
        Ok(())
    }
    /// Writes a whole record (every section) in one transaction: used by the
    /// demo loader and by tests of the storage round trip.
    pub async fn insert_record(&self, r: &ChildRecord, created_by: &str) -> Result<()> {
        let txn = &self.txn;
        let now = self.now();
        child::Entity::insert(child_row(
            r.id,
            r.young_person_id.clone(),
            &r.identity,
            created_by,
            now,
        ))
        .exec(txn)
        .await?;
        child_profile::Entity::insert(profile_row(r, now))
            .exec(txn)
            .await?;
        if !r.family.is_empty() {
            family_member::Entity::insert_many(r.family.iter().map(|m| family_row(r.id, m, now)))
                .exec(txn)
                .await?;
            let holdings: Vec<_> = r
                .family
                .iter()
                .filter_map(|m| super::standing::carried_over(r.id, m, now))
                .collect();
            if !holdings.is_empty() {
                super::entities::parental_responsibility::Entity::insert_many(holdings)
                    .exec(txn)
                    .await?;
            }
        }
        if !r.sen_needs.needs.is_empty() {
            sen_need::Entity::insert_many(r.sen_needs.needs.iter().map(|n| {
                sen_need::ActiveModel {
                    child_id: Set(r.id),
                    rank: Set(n.rank),
                    code: Set(n.code.code().to_owned()),
                }
            }))
            .exec(txn)
            .await?;
        }
        if !r.physical_health.items.is_empty() {
            health_item::Entity::insert_many(r.physical_health.items.iter().map(|h| {
                health_item::ActiveModel {
                    child_id: Set(r.id),
                    id: Set(h.id),
                    kind: Set(h.kind.code().to_owned()),
                    name: Set(h.name.clone()),
                    detail: Set(h.detail.clone()),
                }
            }))
            .exec(txn)
            .await?;
        }
        if !r.restricted.is_empty() {
            restricted_item::Entity::insert_many(r.restricted.iter().map(|x| {
                restricted_item::ActiveModel {
                    child_id: Set(r.id),
                    id: Set(x.id),
                    kind: Set(x.kind.code().to_owned()),
                    summary: Set(x.summary.clone()),
                    since: Set(x.since),
                    until: Set(x.until),
                }
            }))
            .exec(txn)
            .await?;
        }
        if !r.involvements.is_empty() {
            involvement::Entity::insert_many(r.involvements.iter().map(|i| {
                involvement::ActiveModel {
                    child_id: Set(r.id),
                    id: Set(i.id),
                    agency_id: Set(i.agency_id),
                    agency_kind: Set(i.agency_kind.code().to_owned()),
                    practitioner_name: Set(i.practitioner_name.clone()),
                    role_title: Set(i.role_title.clone()),
                    since: Set(i.since),
                    until: Set(i.until),
                }
            }))
            .exec(txn)
            .await?;
        }
        Ok(())
    }
}

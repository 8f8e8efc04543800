//! Fixture builders: each test states its own situation (a child aged 9, her
//! mother signed in as `parent-1` with parental responsibility, a grant to
//! CAMHS) instead of relying on what the demo happens to contain.
//!
//! ```ignore
//! let app = spawn_app().await;
//! let camhs = app.agency(AgencyKind::Camhs).named("North CAMHS").create().await;
//! let child = app.child().aged(9).with_parent("parent-1").create().await;
//! let parent = app.family_member("parent-1");
//! parent.grant(&child).for_every(AgencyKind::Camhs).scopes([Scope::MentalHealth])
//!     .purposes([Purpose::DirectSupport]).create().await;
//! let clinician = app.practitioner(&camhs);
//! let answer = clinician.purpose(Purpose::DirectSupport).graphql(query, vars).await;
//! ```
//!
//! Fixtures are built the way users build them where the hub has an
//! operation for it (registerChild and linkFamilyMember as a case officer,
//! grantConsent as the family), over HTTP with real JWTs. Where it has none
//! yet (agencies in the register, record section content) they write
//! through the public `Store` methods, as `api::demo::load` does. Personas
//! are claims built here and signed with the hub's HS256 secret.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use consent::{Capture, Grant, GrantorCapacity, Purpose, Recipient, Role};
use domain::{
    AgencyKind, ChildRecord, ContactPreference, FamilyMember, Identity, Involvement, NhsNumber,
    Relationship, Scope,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{AUDIENCE, Answer, ISSUER, TestApp};

/// The council's SEND team: the agency case officers act for.
pub const COUNCIL: Uuid = Uuid::from_u128(0xf1c5_0000_0000_4000_8000_0000_0000_0001);
pub const COUNCIL_NAME: &str = "Test Council SEND Team";

/// An agency in the hub's register.
#[derive(Debug, Clone)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    pub kind: AgencyKind,
}

/// A registered child.
#[derive(Debug, Clone)]
pub struct Child {
    pub id: Uuid,
    pub date_of_birth: NaiveDate,
}

/// A valid NHS number from the never-issued 999 test range, one per serial.
pub fn nhs_number(serial: u32) -> String {
    (serial * 20..serial * 20 + 20)
        .find_map(|s| {
            let digits: Vec<u32> = format!("{:09}", 999_000_000 + s)
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            let check = domain::ids::nhs_check_digit(&digits)?;
            let number = format!("{:09}{check}", 999_000_000 + s);
            NhsNumber::parse(&number).ok().map(|_| number)
        })
        .expect("a valid test NHS number")
}

impl TestApp {
    /// The hub's today (its fixed clock, if it has one).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The hub's now (its fixed clock, if it has one).
    pub fn now(&self) -> DateTime<Utc> {
        self.settings.fixed_now.unwrap_or_else(Utc::now)
    }

    /// An agency to put in the register.
    pub fn agency(&self, kind: AgencyKind) -> AgencyBuilder<'_> {
        AgencyBuilder {
            app: self,
            kind,
            name: None,
            id: None,
        }
    }

    /// The council SEND team, registered once however often it is asked for.
    pub async fn council(&self) -> Agency {
        self.agency(AgencyKind::LaSend)
            .named(COUNCIL_NAME)
            .with_id(COUNCIL)
            .create()
            .await
    }

    /// Records that `agency` works with the child `child` from today (through the
    /// store, as `registerChild` does for the council): the current
    /// involvement a DIRECT_SUPPORT read needs. Returns its id.
    pub async fn involve(&self, child: Uuid, agency: &Agency) -> Uuid {
        // Dated by the hub's clock (it may be fixed in the past), not the
        // test's: an involvement starting after the hub's today is not
        // current.
        let store = self.store.clone().with_clock(store::FixedClock(self.now()));
        let tx = store.traced().await.expect("transaction");
        let id = tx
            .record_involvement(
                child,
                &consent::AgencyRef {
                    id: agency.id,
                    kind: agency.kind,
                },
                "Test involvement",
            )
            .await
            .expect("record involvement");
        tx.commit(Vec::new()).await.expect("commit involvement");
        id
    }

    /// A child to register.
    pub fn child(&self) -> ChildBuilder<'_> {
        ChildBuilder {
            app: self,
            given_name: "Test".into(),
            family_name: "Child".into(),
            date_of_birth: years_before(self.today(), 9),
            nhs_number: None,
            young_person_id: None,
            family: Vec::new(),
            involved: Vec::new(),
            record: None,
        }
    }

    /// A family member signing in as `person_id` (role family).
    pub fn family_member(&self, person_id: &str) -> Persona<'_> {
        self.persona(&format!("family-{person_id}"))
            .roles([Role::Family])
            .person(person_id)
    }

    /// A young person signing in as `person_id` (role young_person).
    pub fn young_person(&self, person_id: &str) -> Persona<'_> {
        self.persona(&format!("young-{person_id}"))
            .roles([Role::YoungPerson])
            .person(person_id)
    }

    /// A practitioner of `agency`, asking for direct support.
    pub fn practitioner(&self, agency: &Agency) -> Persona<'_> {
        self.persona(&format!("practitioner-{}", agency.kind.claim()))
            .roles([Role::Practitioner])
            .of(agency)
            .purpose(Purpose::DirectSupport)
    }

    /// A case officer of the council SEND team (registered on first use).
    pub async fn case_officer(&self) -> Persona<'_> {
        let council = self.council().await;
        self.persona("case-officer")
            .roles([Role::CaseOfficer])
            .of(&council)
            .purpose(Purpose::DirectSupport)
    }

    /// An information-governance auditor of the council.
    pub async fn ig_auditor(&self) -> Persona<'_> {
        let council = self.council().await;
        self.persona("ig-auditor")
            .roles([Role::IgAuditor])
            .of(&council)
    }

    /// An information-governance administrator of the council.
    pub async fn ig_admin(&self) -> Persona<'_> {
        let council = self.council().await;
        self.persona("ig-admin").roles([Role::IgAdmin]).of(&council)
    }

    /// Someone signed in as `subject` with no roles yet.
    pub fn persona(&self, subject: &str) -> Persona<'_> {
        let now = Utc::now().timestamp();
        Persona {
            app: self,
            claims: json!({
                "sub": subject, "iss": ISSUER, "aud": AUDIENCE,
                "iat": now, "exp": now + 3600, "roles": [],
            }),
            purpose: None,
        }
    }
}

fn years_before(today: NaiveDate, years: u32) -> NaiveDate {
    // A month short of the next birthday: `years` old for a while yet.
    today
        .checked_sub_months(Months::new(years * 12 + 1))
        .expect("a date of birth")
}

/// Builds an agency for the register.
pub struct AgencyBuilder<'a> {
    app: &'a TestApp,
    kind: AgencyKind,
    name: Option<String>,
    id: Option<Uuid>,
}

impl AgencyBuilder<'_> {
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Writes the agency into the register (no operation for it yet).
    pub async fn create(self) -> Agency {
        let agency = domain::Agency {
            id: self.id.unwrap_or_else(Uuid::new_v4),
            name: self
                .name
                .unwrap_or_else(|| format!("Test {}", self.kind.code())),
            kind: self.kind,
        };
        let tx = self.app.store.traced().await.expect("transaction");
        tx.upsert_agency(&agency).await.expect("upsert agency");
        tx.commit(Vec::new()).await.expect("commit agency");
        Agency {
            id: agency.id,
            name: agency.name,
            kind: agency.kind,
        }
    }
}

/// Builds a child with their family.
pub struct ChildBuilder<'a> {
    app: &'a TestApp,
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    nhs_number: Option<String>,
    young_person_id: Option<String>,
    family: Vec<Member>,
    involved: Vec<Agency>,
    record: Option<Fill>,
}

/// Record content a test writes into the child it builds.
type Fill = Box<dyn FnOnce(&mut ChildRecord) + Send>;

struct Member {
    full_name: String,
    relationship: Relationship,
    parental_responsibility: bool,
    person_id: Option<String>,
}

impl ChildBuilder<'_> {
    pub fn named(mut self, given: &str, family: &str) -> Self {
        given.clone_into(&mut self.given_name);
        family.clone_into(&mut self.family_name);
        self
    }

    /// `years` old today (a month short of the next birthday).
    pub fn aged(mut self, years: u32) -> Self {
        self.date_of_birth = years_before(self.app.today(), years);
        self
    }

    pub fn born_on(mut self, date: NaiveDate) -> Self {
        self.date_of_birth = date;
        self
    }

    pub fn nhs_number(mut self, number: &str) -> Self {
        self.nhs_number = Some(number.to_owned());
        self
    }

    /// The young person signs in as `person_id` for their own record.
    pub fn signs_in_as(mut self, person_id: &str) -> Self {
        self.young_person_id = Some(person_id.to_owned());
        self
    }

    /// A mother with parental responsibility, signing in as `person_id`.
    pub fn with_parent(self, person_id: &str) -> Self {
        self.with_parent_as(person_id, Relationship::Mother)
    }

    /// A parent with parental responsibility, signing in as `person_id`.
    pub fn with_parent_as(mut self, person_id: &str, relationship: Relationship) -> Self {
        self.family.push(Member {
            full_name: format!("Parent {person_id}"),
            relationship,
            parental_responsibility: true,
            person_id: Some(person_id.to_owned()),
        });
        self
    }

    /// A carer without parental responsibility, signing in as `person_id`.
    pub fn with_carer(mut self, person_id: &str, relationship: Relationship) -> Self {
        self.family.push(Member {
            full_name: format!("Carer {person_id}"),
            relationship,
            parental_responsibility: false,
            person_id: Some(person_id.to_owned()),
        });
        self
    }

    /// Record content the hub has no operation for yet (health items,
    /// psychology, …). A child with content is written through the store.
    pub fn with_record(mut self, fill: impl FnOnce(&mut ChildRecord) + Send + 'static) -> Self {
        self.record = Some(Box::new(fill));
        self
    }

    /// `agency` is involved with the child (the team around the child;
    /// written through the store, as record content is).
    pub fn involving(mut self, agency: &Agency) -> Self {
        self.involved.push(agency.clone());
        self
    }

    pub async fn create(self) -> Child {
        if self.record.is_none() && self.involved.is_empty() {
            self.register().await
        } else {
            self.insert().await
        }
    }

    /// registerChild and linkFamilyMember, as the council's case officer.
    async fn register(self) -> Child {
        let officer = self.app.case_officer().await;
        let answer = officer
            .graphql(
                "mutation($i: RegisterChildInput!) { registerChild(input: $i) { id } }",
                json!({ "i": {
                    "givenName": self.given_name,
                    "familyName": self.family_name,
                    "dateOfBirth": self.date_of_birth,
                    "nhsNumber": self.nhs_number,
                    "youngPersonId": self.young_person_id,
                } }),
            )
            .await;
        let id: Uuid = answer.body["data"]["registerChild"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("registerChild refused: {answer:?}"));
        for member in &self.family {
            let linked = officer
                .graphql(
                    "mutation($c: ID!, $i: LinkFamilyMemberInput!) {
                       linkFamilyMember(childId: $c, input: $i) { id } }",
                    json!({ "c": id, "i": {
                        "fullName": member.full_name,
                        "relationship": member.relationship.code(),
                        "parentalResponsibility": member.parental_responsibility,
                        "prEvidence": member.parental_responsibility
                            .then_some("Named on birth registration"),
                        "personId": member.person_id,
                        "contactPreference": "PHONE",
                        "phone": "07700 900123",
                        "mainContact": member.parental_responsibility,
                    } }),
                )
                .await;
            assert!(
                linked.body["data"]["linkFamilyMember"]["id"].is_string(),
                "linkFamilyMember refused: {linked:?}"
            );
        }
        Child {
            id,
            date_of_birth: self.date_of_birth,
        }
    }

    /// The whole record through the store, as seed data (no trace entry).
    async fn insert(self) -> Child {
        let id = Uuid::now_v7();
        let mut record = ChildRecord::new(
            id,
            self.young_person_id,
            Identity {
                given_name: self.given_name,
                family_name: self.family_name,
                preferred_name: None,
                date_of_birth: self.date_of_birth,
                nhs_number: self
                    .nhs_number
                    .map(|n| NhsNumber::parse(&n).expect("a valid NHS number")),
                upn: None,
                address_line: None,
                town: None,
                postcode: None,
                home_language: None,
                communication_needs: None,
            },
        );
        record.family = self
            .family
            .into_iter()
            .map(|m| FamilyMember {
                id: Uuid::new_v4(),
                person_id: m.person_id,
                full_name: m.full_name,
                relationship: m.relationship,
                parental_responsibility: m.parental_responsibility,
                pr_evidence: m
                    .parental_responsibility
                    .then(|| "Named on birth registration".to_owned()),
                contact_preference: ContactPreference::Phone,
                phone: Some("07700 900123".to_owned()),
                email: None,
                main_contact: m.parental_responsibility,
            })
            .collect();
        record.involvements = self
            .involved
            .into_iter()
            .map(|a| Involvement {
                id: Uuid::new_v4(),
                agency_id: a.id,
                agency_name: a.name,
                agency_kind: a.kind,
                practitioner_name: None,
                role_title: None,
                since: None,
                until: None,
            })
            .collect();
        if let Some(fill) = self.record {
            fill(&mut record);
        }
        let tx = self.app.store.traced().await.expect("transaction");
        tx.insert_record(&record, "fixtures")
            .await
            .expect("insert record");
        tx.commit(Vec::new()).await.expect("commit record");
        Child {
            id,
            date_of_birth: self.date_of_birth,
        }
    }
}

/// Someone with a token: claims built here, signed with the hub's secret.
#[derive(Clone)]
pub struct Persona<'a> {
    app: &'a TestApp,
    claims: Value,
    purpose: Option<Purpose>,
}

impl<'a> Persona<'a> {
    pub fn roles(mut self, roles: impl IntoIterator<Item = Role>) -> Self {
        self.claims["roles"] = roles.into_iter().map(Role::claim).collect();
        self
    }

    /// Acts for `agency` (the agency_id and agency_kind claims).
    pub fn of(mut self, agency: &Agency) -> Self {
        self.claims["agency_id"] = json!(agency.id.to_string());
        self.claims["agency_kind"] = json!(agency.kind.claim());
        self
    }

    /// Signs in as `person_id` (the person_id claim).
    pub fn person(mut self, person_id: &str) -> Self {
        self.claims["person_id"] = json!(person_id);
        self
    }

    /// States `purpose` (X-Purpose-Of-Use) with every request.
    pub fn purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// The `sub` claim.
    pub fn subject(&self) -> &str {
        self.claims["sub"].as_str().unwrap_or_default()
    }

    pub fn claims(&self) -> Value {
        self.claims.clone()
    }

    /// A fresh HS256 token.
    pub fn token(&self) -> String {
        self.app.hs256(&self.claims)
    }

    /// POSTs a GraphQL request with this persona's token and purpose.
    pub async fn graphql(&self, query: &str, variables: Value) -> Answer {
        self.app
            .graphql_as(
                Some(&self.token()),
                self.purpose.map(Purpose::code),
                query,
                variables,
            )
            .await
    }

    /// A consent decision about `child`, to send as this persona.
    pub fn grant(&self, child: &Child) -> GrantBuilder<'a> {
        GrantBuilder {
            by: self.clone(),
            child: child.id,
            recipient: None,
            scopes: Vec::new(),
            purposes: Vec::new(),
        }
    }
}

/// Builds a consent decision: sent with grantConsent, or seeded through
/// the store when it must be dated in the past.
pub struct GrantBuilder<'a> {
    by: Persona<'a>,
    child: Uuid,
    recipient: Option<Recipient>,
    scopes: Vec<Scope>,
    purposes: Vec<Purpose>,
}

impl GrantBuilder<'_> {
    /// To one agency.
    pub fn to(mut self, agency: &Agency) -> Self {
        self.recipient = Some(Recipient::Agency(agency.id));
        self
    }

    /// To every agency of a kind.
    pub fn for_every(mut self, kind: AgencyKind) -> Self {
        self.recipient = Some(Recipient::Kind(kind));
        self
    }

    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes = scopes.into_iter().collect();
        self
    }

    pub fn purposes(mut self, purposes: impl IntoIterator<Item = Purpose>) -> Self {
        self.purposes = purposes.into_iter().collect();
        self
    }

    /// The GrantConsentInput as built.
    pub fn input(&self) -> Value {
        let mut input = json!({
            "childId": self.child,
            "scopes": self.scopes.iter().map(|s| s.code()).collect::<Vec<_>>(),
            "purposes": self.purposes.iter().map(|p| p.code()).collect::<Vec<_>>(),
        });
        match self.recipient {
            Some(Recipient::Agency(id)) => input["recipientAgencyId"] = json!(id),
            Some(Recipient::Kind(kind)) => input["recipientAgencyKind"] = json!(kind.code()),
            None => {}
        }
        input
    }

    /// Sends it; the answer asks for `grantId event`.
    pub async fn send(self) -> Answer {
        self.by
            .graphql(
                "mutation($i: GrantConsentInput!) { grantConsent(input: $i) { grantId event } }",
                json!({ "i": self.input() }),
            )
            .await
    }

    /// Sends it and returns the new grant's id (panics if refused).
    pub async fn create(self) -> String {
        let answer = self.send().await;
        answer.body["data"]["grantConsent"]["grantId"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("grantConsent refused: {answer:?}"))
    }

    /// Writes it through the store as made `days` ago in `capacity`, as
    /// the hub would have recorded it then (there is no operation for
    /// decisions in the past). Returns the grant's id.
    pub async fn made_days_ago(self, days: i64, capacity: GrantorCapacity) -> String {
        let at = self.by.app.now() - Duration::days(days);
        let grant = Grant {
            id: Uuid::new_v4(),
            child_id: self.child,
            grantor_person_id: self.by.claims["person_id"]
                .as_str()
                .expect("a family member's person_id")
                .to_owned(),
            capacity,
            recipient: self.recipient.expect("a recipient"),
            scopes: self.scopes.into_iter().collect(),
            purposes: self.purposes.into_iter().collect(),
            valid_from: at,
            valid_until: None,
            capture: Capture::Digital,
            recorded_at: at,
            withdrawal: None,
            confirmed_at: None,
            notice_version: api::config::DEFAULT_PRIVACY_NOTICE_VERSION.to_owned(),
            agreement_version: 1,
            needs_family_confirmation: false,
        };
        let tx = self.by.app.store.traced().await.expect("transaction");
        tx.insert_grant(&grant).await.expect("insert grant");
        tx.commit(Vec::new()).await.expect("commit grant");
        grant.id.to_string()
    }
}

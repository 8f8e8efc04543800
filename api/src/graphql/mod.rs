//! The GraphQL API: schema, queries and mutations. Resolvers parse their
//! arguments, call the door (`crate::access`) through the request context,
//! and shape the answer; none touches storage or writes a trace entry.

pub mod address;
pub mod agency;
pub mod audit;
pub mod consents;
pub mod context;
pub mod error;
pub mod guard;
pub mod live;
pub mod plan;
pub mod record;
pub mod report;
pub mod review;
pub mod scalar;
pub mod sharing;
pub mod standing;
pub mod tell;
pub mod templates;
pub mod types;

use async_graphql::{Context, ID, InputObject, MergedObject, Object, Schema, SimpleObject};
use domain::NhsNumber;
use domain::input::{NewChildInput, NewFamilyMemberInput};
use uuid::Uuid;

pub use record::ChildView;
use record::request;
use scalar::Date;
use types::{Agency, Gql};

use crate::access::NewChild;
use crate::config::Limits;
use crate::error::{Error, Result};

pub type AppSchema = Schema<Query, Mutation, live::Subscription>;

/// The schema served over WebSocket: subscriptions only. Queries and
/// mutations go through `POST /graphql`, where every disclosure is traced
/// before the response leaves.
pub type WsSchema = Schema<WsQuery, async_graphql::EmptyMutation, live::Subscription>;

/// The WebSocket schema's only query.
#[derive(Debug, Default)]
pub struct WsQuery;

#[Object]
impl WsQuery {
    /// Always true. Over WebSocket only subscriptions run: send queries and
    /// mutations to `POST /graphql`.
    async fn subscriptions_only(&self) -> bool {
        true
    }
}

/// Builds the WebSocket schema with the same limits.
pub fn build_ws_schema(limits: &Limits) -> WsSchema {
    Schema::build(WsQuery, async_graphql::EmptyMutation, live::Subscription)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            scalar::DATE_TIME_DESCRIPTION,
        )
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .limit_directives(limits.max_directives)
        .extension(guard::Guard(limits.into()))
        .disable_introspection()
        .disable_suggestions()
        .finish()
}

/// Every query.
#[derive(MergedObject, Debug, Default)]
pub struct Query(
    RecordQuery,
    consents::ConsentQuery,
    audit::AuditQuery,
    tell::TellQuery,
    address::AddressQuery,
    standing::StandingQuery,
    plan::PlanQuery,
    report::ReportQuery,
    review::ReviewQuery,
    templates::TemplateQuery,
    sharing::SharingQuery,
    agency::AgencyQuery,
);

/// Every mutation.
#[derive(MergedObject, Debug, Default)]
pub struct Mutation(
    RecordMutation,
    consents::ConsentMutation,
    tell::TellMutation,
    address::AddressMutation,
    standing::StandingMutation,
    plan::PlanMutation,
    review::ReviewMutation,
    templates::TemplateMutation,
    agency::AgencyMutation,
);

/// Builds the schema with the request limits and the document guard. The
/// SDL does not depend on the settings. Without introspection (outside
/// development) validation errors do not suggest field names either.
pub fn build_schema(limits: &Limits, introspection: bool) -> AppSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), live::Subscription)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            scalar::DATE_TIME_DESCRIPTION,
        )
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .limit_directives(limits.max_directives)
        .extension(guard::Guard(limits.into()));
    if introspection {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}

/// Parses an id argument; a bad one is BAD_USER_INPUT naming the field.
pub(crate) fn parse_id(field: &'static str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| Error::bad_input(field, "is not a valid id (a UUID)"))
}

/// The caller, as the hub sees their token.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct Me {
    /// Your token's subject (`sub`).
    pub subject: String,
    /// The agency you act for; null for families and young people.
    pub agency_id: Option<ID>,
    /// That agency's kind.
    pub agency_kind: Option<types::AgencyKind>,
    /// Your roles, from the token's `roles` claim.
    pub roles: Vec<types::Role>,
    /// Your identity-provider person id (families and young people).
    pub person_id: Option<String>,
    /// The purpose of use stated for this request, if any.
    pub purpose: Option<types::Purpose>,
}

#[async_graphql::ComplexObject]
impl Me {
    /// Children whose record you hold as family: as a person with parental
    /// responsibility, or as the young person.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ChildView>> {
        let rc = request(ctx)?;
        Ok(rc.my_children().await?.into_iter().map(ChildView).collect())
    }
}

#[derive(Debug, Default)]
pub struct RecordQuery;

#[Object]
impl RecordQuery {
    /// Who you are, as your token says.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let p = &request(ctx)?.principal;
        Ok(Me {
            subject: p.subject.clone(),
            agency_id: p.agency.map(|a| ID(a.id.to_string())),
            agency_kind: p.agency_kind().map(Into::into),
            roles: p.roles.iter().map(|r| (*r).into()).collect(),
            person_id: p.person_id.clone(),
            purpose: p.purpose.map(Into::into),
        })
    }

    /// A child's record by hub id. NOT_FOUND when there is no such child or
    /// you may see nothing of it.
    async fn child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child's hub id.")] id: ID,
    ) -> async_graphql::Result<ChildView> {
        let rc = request(ctx)?;
        let id = parse_id("id", &id)?;
        let disclosure = rc
            .open_parts(id, record::parts_selected(ctx))
            .await?
            .ok_or(Error::NoRecord(rc.principal.purpose))?;
        Ok(ChildView(disclosure))
    }

    /// Finds a child by NHS number and date of birth (both must match).
    async fn child_by_nhs_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ten digits; spaces allowed.")] nhs_number: String,
        #[graphql(desc = "The child's date of birth: it must match the record too.")]
        date_of_birth: Date,
    ) -> async_graphql::Result<ChildView> {
        let rc = request(ctx)?;
        let nhs = NhsNumber::parse(&nhs_number)
            .map_err(|e| Error::bad_input("nhsNumber", e.to_string()))?;
        let disclosure = rc
            .open_by_nhs_number(&nhs, date_of_birth.0)
            .await?
            .ok_or(Error::NoRecord(rc.principal.purpose))?;
        Ok(ChildView(disclosure))
    }

    /// The agencies that work with the hub (retired agencies are not
    /// listed: IG staff see them in `agencyRegister`).
    async fn agencies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Agency>> {
        let rc = request(ctx)?;
        Ok(rc
            .active_agencies()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A child to register.
#[derive(InputObject, Debug)]
pub struct RegisterChildInput {
    /// The child's given (first) name.
    pub given_name: String,
    /// The child's family name (surname).
    pub family_name: String,
    /// The name the child likes to be called, if different.
    pub preferred_name: Option<String>,
    /// The child's date of birth (not in the future).
    pub date_of_birth: Date,
    /// Ten digits, spaces allowed; checked (modulus 11).
    pub nhs_number: Option<String>,
    /// Unique Pupil Number; checked (check letter).
    pub upn: Option<String>,
    /// The first line of the address (scope CONTACT).
    pub address_line: Option<String>,
    /// The town (scope CONTACT).
    pub town: Option<String>,
    /// The postcode (scope CONTACT).
    pub postcode: Option<String>,
    /// The language spoken at home.
    pub home_language: Option<String>,
    /// How the child communicates and what helps.
    pub communication_needs: Option<String>,
    /// The young person's own sign-in identity, if they have one.
    pub young_person_id: Option<String>,
}

/// A family member to link to a child.
#[derive(InputObject, Debug)]
pub struct LinkFamilyMemberInput {
    /// Their full name.
    pub full_name: String,
    /// How they relate to the child.
    pub relationship: types::Relationship,
    /// Whether they hold parental responsibility.
    pub parental_responsibility: bool,
    /// What parental responsibility rests on; required when it is held.
    pub pr_evidence: Option<String>,
    /// The identity-provider person id they sign in with.
    pub person_id: Option<String>,
    /// How they prefer to be contacted.
    pub contact_preference: types::ContactPreference,
    /// Their telephone number.
    pub phone: Option<String>,
    /// Their email address.
    pub email: Option<String>,
    /// Whether they are the main contact. Default false.
    #[graphql(default)]
    pub main_contact: bool,
}

#[derive(Debug, Default)]
pub struct RecordMutation;

#[Object]
impl RecordMutation {
    /// Registers a child (case officers of the council SEND team).
    async fn register_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who the child is.")] input: RegisterChildInput,
    ) -> async_graphql::Result<ChildView> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let identity = NewChildInput {
            given_name: &input.given_name,
            family_name: &input.family_name,
            preferred_name: input.preferred_name.as_deref(),
            date_of_birth: Some(input.date_of_birth.0),
            nhs_number: input.nhs_number.as_deref(),
            upn: input.upn.as_deref(),
            address_line: input.address_line.as_deref(),
            town: input.town.as_deref(),
            postcode: input.postcode.as_deref(),
            home_language: input.home_language.as_deref(),
            communication_needs: input.communication_needs.as_deref(),
        }
        .validate(rc.now.date_naive())
        .map_err(Error::from)?;
        let young_person_id =
            domain::input::optional_text("youngPersonId", input.young_person_id.as_deref())
                .map_err(Error::from)?;
        let new = NewChild {
            identity,
            young_person_id,
        };
        Ok(ChildView(officer.register_child(new).await?))
    }

    /// Records a family member and whether they hold parental responsibility
    /// (case officers of the council SEND team).
    async fn link_family_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "The family member.")] input: LinkFamilyMemberInput,
    ) -> async_graphql::Result<Gql<domain::FamilyMember>> {
        let rc = request(ctx)?;
        let officer = rc.case_officer()?;
        let child_id = parse_id("childId", &child_id)?;
        let member = NewFamilyMemberInput {
            full_name: &input.full_name,
            relationship: input.relationship.into(),
            parental_responsibility: input.parental_responsibility,
            pr_evidence: input.pr_evidence.as_deref(),
            person_id: input.person_id.as_deref(),
            contact_preference: input.contact_preference.into(),
            phone: input.phone.as_deref(),
            email: input.email.as_deref(),
            main_contact: input.main_contact,
        }
        .validate()
        .map_err(Error::from)?;
        // The case officer sees what they have just recorded.
        Ok(Gql(officer.link_family_member(child_id, member).await?))
    }
}

#[cfg(test)]
mod tests {
    use domain::catalogue::{Section, fields_of};

    use super::*;

    async fn fields_of_type(schema: &AppSchema, name: &str) -> Vec<String> {
        let query = format!("{{ __type(name: \"{name}\") {{ fields {{ name }} }} }}");
        let response = schema
            .execute(query)
            .await
            .into_result()
            .expect("introspection");
        let json = response.data.into_json().expect("json");
        json["__type"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| f["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The schema and the field catalogue agree field for field, so nothing
    /// can be added to the API without a scope.
    #[tokio::test]
    async fn every_record_field_is_in_the_catalogue_and_vice_versa() {
        let schema = build_schema(&Limits::default(), true);
        let record_fields = fields_of_type(&schema, "ChildRecord").await;
        for section in Section::ALL {
            assert!(
                record_fields.contains(&section.code().to_owned()),
                "ChildRecord lacks {section}"
            );
            let type_name = match section {
                Section::Family => "FamilyMember",
                Section::Restricted => "RestrictedItem",
                Section::Involvements => "Involvement",
                Section::Contributions => "Contribution",
                other => other.code(),
            };
            let type_name = format!("{}{}", type_name[..1].to_uppercase(), &type_name[1..]);
            let mut in_schema = fields_of_type(&schema, &type_name).await;
            let mut in_catalogue: Vec<String> =
                fields_of(*section).map(|f| f.name.to_owned()).collect();
            in_schema.sort();
            in_catalogue.sort();
            assert_eq!(in_schema, in_catalogue, "{type_name}");
        }
        // Besides the sections, ChildRecord holds only its id, the access summary
        // and the overrides the caller may know of.
        assert_eq!(
            record_fields.len(),
            Section::ALL.len() + 3,
            "{record_fields:?}"
        );
    }
}

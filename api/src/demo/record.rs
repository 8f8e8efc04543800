//! Pieces every demo child's record is built from: identifiers from test
//! ranges, dates relative to today, family members, involvements and health
//! items.

use chrono::{Months, NaiveDate};
use domain::{
    AgencyKind, ContactPreference, FamilyMember, HealthItem, HealthItemKind, Involvement,
    NhsNumber, Relationship, Upn, ids,
};
use uuid::Uuid;

use super::agencies::agencies;
use super::id::id;

/// A valid NHS number from the never-issued 999 test range.
pub(super) fn test_nhs(serial: u32) -> Option<NhsNumber> {
    (serial..serial + 20).find_map(|s| NhsNumber::parse(&valid_nhs_digits(999_000_000 + s)?).ok())
}

fn valid_nhs_digits(nine: u32) -> Option<String> {
    let digits: Vec<u32> = format!("{nine:09}")
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    let check = ids::nhs_check_digit(&digits)?;
    Some(format!("{nine:09}{check}"))
}

/// A valid UPN for a demo school (LA 801, establishment 2000).
pub(super) fn test_upn(serial: u32) -> Option<Upn> {
    let rest = format!("8012000{:02}{:03}", 15, serial);
    let letter = ids::upn_check_letter(rest.as_bytes())?;
    Upn::parse(&format!("{}{rest}", char::from(letter))).ok()
}

pub(super) fn years_ago(today: NaiveDate, years: u32, months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(years * 12 + months))
        .unwrap_or(today)
}

pub(super) fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

pub(super) fn member(
    n: u128,
    name: &str,
    relationship: Relationship,
    pr: bool,
    person: Option<&str>,
    email: Option<&str>,
) -> FamilyMember {
    FamilyMember {
        id: id(0x300 + n),
        person_id: person.map(str::to_owned),
        full_name: name.to_owned(),
        relationship,
        parental_responsibility: pr,
        pr_evidence: pr.then(|| "Named on birth registration".to_owned()),
        contact_preference: if email.is_some() {
            ContactPreference::Email
        } else {
            ContactPreference::Phone
        },
        phone: s("07700 900123"),
        email: email.map(str::to_owned),
        main_contact: pr,
    }
}

pub(super) fn involvement(
    n: u128,
    agency: Uuid,
    kind: AgencyKind,
    who: &str,
    role: &str,
    since: NaiveDate,
) -> Involvement {
    let name = agencies()
        .into_iter()
        .find(|a| a.id == agency)
        .map(|a| a.name)
        .unwrap_or_default();
    Involvement {
        id: id(0x400 + n),
        agency_id: agency,
        agency_name: name,
        agency_kind: kind,
        practitioner_name: s(who),
        role_title: s(role),
        since: Some(since),
        until: None,
    }
}

pub(super) fn item(n: u128, kind: HealthItemKind, name: &str, detail: &str) -> HealthItem {
    HealthItem {
        id: id(0x500 + n),
        kind,
        name: name.to_owned(),
        detail: s(detail),
    }
}

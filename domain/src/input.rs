//! Validation of what callers submit. Each error names the field (in the API's
//! camelCase) so a caller knows exactly what to fix.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::{ContactPreference, Identity, NhsNumber, Relationship, Upn};

/// A submitted value that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The oldest age the hub holds a record for (SEND covers 0–25).
pub const MAX_AGE_YEARS: i32 = 25;
const MAX_TEXT: usize = 200;

/// A required short text: trimmed, non-empty, bounded, no control characters.
pub fn required_text(field: &'static str, value: &str) -> Result<String, InvalidInput> {
    optional_text(field, Some(value))?.ok_or_else(|| InvalidInput::new(field, "must not be empty"))
}

/// An optional short text: blank becomes `None`.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<String>, InvalidInput> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_TEXT {
        return Err(InvalidInput::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// The longest free text the hub keeps (advice, the family's own words).
pub const MAX_LONG_TEXT: usize = 20_000;

/// Free text of up to [`MAX_LONG_TEXT`] characters, line breaks and tabs
/// allowed; blank becomes `None`.
pub fn long_text(field: &'static str, value: Option<&str>) -> Result<Option<String>, InvalidInput> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_LONG_TEXT {
        return Err(InvalidInput::new(
            field,
            format!("must be at most {MAX_LONG_TEXT} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// A value used as it is given, such as a search term: refused if it holds
/// a control character, which no identifier contains and which PostgreSQL
/// cannot hold in text (NUL).
pub fn no_control_characters(field: &'static str, value: &str) -> Result<(), InvalidInput> {
    if value.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A date of birth for someone the hub may hold a record for, given today.
pub fn date_of_birth(value: NaiveDate, today: NaiveDate) -> Result<NaiveDate, InvalidInput> {
    if value > today {
        return Err(InvalidInput::new(
            "dateOfBirth",
            "must not be in the future",
        ));
    }
    let mut age = today.year() - value.year();
    if (today.month(), today.day()) < (value.month(), value.day()) {
        age -= 1;
    }
    if age > MAX_AGE_YEARS {
        return Err(InvalidInput::new(
            "dateOfBirth",
            format!(
                "the hub holds records for children and young people aged 0 to {MAX_AGE_YEARS}"
            ),
        ));
    }
    Ok(value)
}

/// What a case officer submits to register a child.
#[derive(Debug, Clone, Default)]
pub struct NewChildInput<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub preferred_name: Option<&'a str>,
    pub date_of_birth: Option<NaiveDate>,
    pub nhs_number: Option<&'a str>,
    pub upn: Option<&'a str>,
    pub address_line: Option<&'a str>,
    pub town: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub home_language: Option<&'a str>,
    pub communication_needs: Option<&'a str>,
}

impl NewChildInput<'_> {
    /// Validates every field; the first problem found is returned.
    pub fn validate(&self, today: NaiveDate) -> Result<Identity, InvalidInput> {
        let nhs_number = match self.nhs_number.map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => Some(
                NhsNumber::parse(n).map_err(|e| InvalidInput::new("nhsNumber", e.to_string()))?,
            ),
            None => None,
        };
        let upn = match self.upn.map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => Some(Upn::parse(u).map_err(|e| InvalidInput::new("upn", e.to_string()))?),
            None => None,
        };
        let dob = self
            .date_of_birth
            .ok_or_else(|| InvalidInput::new("dateOfBirth", "is required"))?;
        Ok(Identity {
            given_name: required_text("givenName", self.given_name)?,
            family_name: required_text("familyName", self.family_name)?,
            preferred_name: optional_text("preferredName", self.preferred_name)?,
            date_of_birth: date_of_birth(dob, today)?,
            nhs_number,
            upn,
            address_line: optional_text("addressLine", self.address_line)?,
            town: optional_text("town", self.town)?,
            postcode: postcode(self.postcode)?,
            home_language: optional_text("homeLanguage", self.home_language)?,
            communication_needs: optional_text("communicationNeeds", self.communication_needs)?,
        })
    }
}

/// A UK postcode, loosely checked (outward code, space, inward code) and
/// normalised to upper case with one space.
pub fn postcode(value: Option<&str>) -> Result<Option<String>, InvalidInput> {
    let Some(raw) = optional_text("postcode", value)? else {
        return Ok(None);
    };
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let ok = (5..=7).contains(&compact.len())
        && compact.chars().all(|c| c.is_ascii_alphanumeric())
        && compact
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && {
            let inward = &compact[compact.len() - 3..];
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
    if !ok {
        return Err(InvalidInput::new("postcode", "is not a UK postcode"));
    }
    let split = compact.len() - 3;
    Ok(Some(format!("{} {}", &compact[..split], &compact[split..])))
}

/// What a case officer submits to link a family member to a child.
#[derive(Debug, Clone)]
pub struct NewFamilyMemberInput<'a> {
    pub full_name: &'a str,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub pr_evidence: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub contact_preference: ContactPreference,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub main_contact: bool,
}

/// A validated family member, before it gets an id.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidFamilyMember {
    pub full_name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub pr_evidence: Option<String>,
    pub person_id: Option<String>,
    pub contact_preference: ContactPreference,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub main_contact: bool,
}

impl NewFamilyMemberInput<'_> {
    pub fn validate(&self) -> Result<ValidFamilyMember, InvalidInput> {
        let phone = optional_text("phone", self.phone)?;
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if digits < 10
                || p.chars()
                    .any(|c| !(c.is_ascii_digit() || " +()-".contains(c)))
            {
                return Err(InvalidInput::new("phone", "is not a phone number"));
            }
        }
        let email = optional_text("email", self.email)?;
        if let Some(e) = &email {
            let valid = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }) && !e.contains(char::is_whitespace);
            if !valid {
                return Err(InvalidInput::new("email", "is not an email address"));
            }
        }
        if self.parental_responsibility && optional_text("prEvidence", self.pr_evidence)?.is_none()
        {
            return Err(InvalidInput::new(
                "prEvidence",
                "say what parental responsibility rests on (for example birth registration or a court order)",
            ));
        }
        Ok(ValidFamilyMember {
            full_name: required_text("fullName", self.full_name)?,
            relationship: self.relationship,
            parental_responsibility: self.parental_responsibility,
            pr_evidence: optional_text("prEvidence", self.pr_evidence)?,
            person_id: optional_text("personId", self.person_id)?,
            contact_preference: self.contact_preference,
            phone,
            email,
            main_contact: self.main_contact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn child_validation_names_the_field() {
        let today = day(2026, 11, 22);
        let good = NewChildInput {
            given_name: " Amira ",
            family_name: "Khan",
            date_of_birth: Some(day(2016, 3, 4)),
            nhs_number: Some("943 476 5919"),
            upn: Some("B801200005001"),
            postcode: Some("ls1 4ab"),
            ..Default::default()
        };
        let identity = good.validate(today).expect("valid");
        assert_eq!(identity.given_name, "Amira");
        assert_eq!(identity.postcode.as_deref(), Some("LS1 4AB"));

        let bad_nhs = NewChildInput {
            nhs_number: Some("9434765918"),
            ..good.clone()
        };
        assert_eq!(
            bad_nhs.validate(today).map_err(|e| e.field),
            Err("nhsNumber")
        );
        let bad_upn = NewChildInput {
            upn: Some("C801200005001"),
            ..good.clone()
        };
        assert_eq!(bad_upn.validate(today).map_err(|e| e.field), Err("upn"));
        let no_name = NewChildInput {
            given_name: "  ",
            ..good.clone()
        };
        assert_eq!(
            no_name.validate(today).map_err(|e| e.field),
            Err("givenName")
        );
        let future = NewChildInput {
            date_of_birth: Some(day(2027, 1, 1)),
            ..good.clone()
        };
        assert_eq!(
            future.validate(today).map_err(|e| e.field),
            Err("dateOfBirth")
        );
        let too_old = NewChildInput {
            date_of_birth: Some(day(2000, 11, 21)),
            ..good.clone()
        };
        assert_eq!(
            too_old.validate(today).map_err(|e| e.field),
            Err("dateOfBirth")
        );
        let just_25 = NewChildInput {
            date_of_birth: Some(day(2001, 11, 23)),
            ..good.clone()
        };
        assert!(just_25.validate(today).is_ok());
        let bad_postcode = NewChildInput {
            postcode: Some("12345"),
            ..good
        };
        assert_eq!(
            bad_postcode.validate(today).map_err(|e| e.field),
            Err("postcode")
        );
    }

    #[test]
    fn family_member_validation() {
        let good = NewFamilyMemberInput {
            full_name: "Sara Khan",
            relationship: Relationship::Mother,
            parental_responsibility: true,
            pr_evidence: Some("Birth registration"),
            person_id: Some("person-1"),
            contact_preference: ContactPreference::Email,
            phone: Some("+44 113 496 0000"),
            email: Some("sara@example.org"),
            main_contact: true,
        };
        assert!(good.validate().is_ok());
        let bad_email = NewFamilyMemberInput {
            email: Some("sara@"),
            ..good.clone()
        };
        assert_eq!(bad_email.validate().map_err(|e| e.field), Err("email"));
        let bad_phone = NewFamilyMemberInput {
            phone: Some("call me"),
            ..good.clone()
        };
        assert_eq!(bad_phone.validate().map_err(|e| e.field), Err("phone"));
        let no_evidence = NewFamilyMemberInput {
            pr_evidence: None,
            ..good
        };
        assert_eq!(
            no_evidence.validate().map_err(|e| e.field),
            Err("prEvidence")
        );
    }
}

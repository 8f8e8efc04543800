//! Validation of an agency's register entry (issue 13 item 3): what an IG
//! administrator submits to register or change an agency, over GraphQL, the
//! CLI or a CSV import. Each error names the field as the API spells it
//! (`name`, `ods`, `urn`, `laCode`, `ukprn`, `contact`).

use crate::input::{InvalidInput, required_text};
use crate::{AgencyIdentifier, AgencyKind, IdentifierScheme};

/// The longest contact text kept (who to ask about the agency's access).
pub const MAX_CONTACT: usize = 500;

/// What a caller submits for an agency, before validation: every
/// identifier optional, at most one per scheme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyDraft {
    pub name: String,
    pub kind: Option<AgencyKind>,
    pub ods: Option<String>,
    pub urn: Option<String>,
    pub la_code: Option<String>,
    pub ukprn: Option<String>,
    pub contact: Option<String>,
}

/// A valid register entry: a bounded name, a kind, identifiers in scheme
/// order (one per scheme, normalised) and an optional bounded contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyDetails {
    pub name: String,
    pub kind: AgencyKind,
    pub identifiers: Vec<AgencyIdentifier>,
    pub contact: Option<String>,
}

impl AgencyDetails {
    /// Checks every field of `draft`, the first problem naming its field.
    pub fn parse(draft: &AgencyDraft) -> Result<Self, InvalidInput> {
        let name = required_text("name", &draft.name)?;
        let kind = draft
            .kind
            .ok_or_else(|| InvalidInput::new("kind", "must be given"))?;
        let mut identifiers = Vec::new();
        for (scheme, value) in [
            (IdentifierScheme::Ods, &draft.ods),
            (IdentifierScheme::Urn, &draft.urn),
            (IdentifierScheme::LaCode, &draft.la_code),
            (IdentifierScheme::Ukprn, &draft.ukprn),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                identifiers.push(identifier(scheme, value)?);
            }
        }
        identifiers.sort();
        let contact = contact(draft.contact.as_deref())?;
        Ok(Self {
            name,
            kind,
            identifiers,
            contact,
        })
    }

    /// The identifier of this scheme, if the agency has one.
    pub fn identifier(&self, scheme: IdentifierScheme) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|i| i.scheme == scheme)
            .map(|i| i.value.as_str())
    }
}

/// The API's name for the field carrying an identifier of `scheme`.
pub fn identifier_field(scheme: IdentifierScheme) -> &'static str {
    match scheme {
        IdentifierScheme::Ods => "ods",
        IdentifierScheme::Urn => "urn",
        IdentifierScheme::LaCode => "laCode",
        IdentifierScheme::Ukprn => "ukprn",
    }
}

/// Checks `value` against its scheme's published pattern and normalises it
/// (trimmed, upper-cased):
/// - ODS: 3 to 6 letters or digits (`RXX`, `G81001`);
/// - URN: six digits, 100000 to 999999;
/// - LA code: three digits (`873`);
/// - UKPRN: eight digits starting with 1 (`10001234`).
pub fn identifier(scheme: IdentifierScheme, value: &str) -> Result<AgencyIdentifier, InvalidInput> {
    let field = identifier_field(scheme);
    let Some(id) = AgencyIdentifier::new(scheme, value) else {
        return Err(InvalidInput::new(field, "must not be empty"));
    };
    let v = id.value.as_str();
    let digits = |n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    let (ok, rule) = match scheme {
        IdentifierScheme::Ods => (
            (3..=6).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()),
            "an ODS code is 3 to 6 letters or digits (e.g. RXX or G81001)",
        ),
        IdentifierScheme::Urn => (
            digits(6) && !v.starts_with('0'),
            "a URN is six digits, 100000 to 999999",
        ),
        IdentifierScheme::LaCode => (digits(3), "an LA code is three digits (e.g. 873)"),
        IdentifierScheme::Ukprn => (
            digits(8) && v.starts_with('1'),
            "a UKPRN is eight digits starting with 1 (e.g. 10001234)",
        ),
    };
    if ok {
        Ok(id)
    } else {
        Err(InvalidInput::new(field, rule))
    }
}

/// An optional contact: blank is none; at most [`MAX_CONTACT`] characters;
/// line breaks allowed, other control characters not.
pub fn contact(value: Option<&str>) -> Result<Option<String>, InvalidInput> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_CONTACT {
        return Err(InvalidInput::new(
            "contact",
            format!("must be at most {MAX_CONTACT} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(InvalidInput::new(
            "contact",
            "must not contain control characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Why an agency's kind is never changed in place.
pub const KIND_IS_FIXED: &str = "an agency's kind cannot change: it decides what its staff may see under the agreement and which grants to a kind of agency cover it; retire this agency and register a new one";

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> AgencyDraft {
        AgencyDraft {
            name: " Riverside Primary ".into(),
            kind: Some(AgencyKind::School),
            ..AgencyDraft::default()
        }
    }

    #[test]
    fn identifiers_follow_their_schemes() {
        use IdentifierScheme::*;
        for (scheme, good) in [
            (Ods, "rxx"),
            (Ods, "G81001"),
            (Urn, "100000"),
            (Urn, "999999"),
            (LaCode, "873"),
            (Ukprn, "10001234"),
        ] {
            assert!(identifier(scheme, good).is_ok(), "{scheme} {good}");
        }
        for (scheme, bad) in [
            (Ods, "RX"),
            (Ods, "RXXXXXX"),
            (Ods, "R-X"),
            (Urn, "099999"),
            (Urn, "12345"),
            (Urn, "12345A"),
            (LaCode, "87"),
            (LaCode, "8733"),
            (Ukprn, "20001234"),
            (Ukprn, "1000123"),
        ] {
            let e = identifier(scheme, bad).expect_err(bad);
            assert_eq!(e.field, identifier_field(scheme), "{bad}");
        }
        assert_eq!(identifier(Ods, " g81001 ").expect("ok").value, "G81001");
    }

    #[test]
    fn details_are_checked_field_by_field() {
        let ok = AgencyDetails::parse(&AgencyDraft {
            urn: Some("123456".into()),
            ods: Some("".into()),
            la_code: Some("873".into()),
            contact: Some("  office@example.org ".into()),
            ..draft()
        })
        .expect("valid");
        assert_eq!(ok.name, "Riverside Primary");
        assert_eq!(ok.identifier(IdentifierScheme::Urn), Some("123456"));
        assert_eq!(ok.identifier(IdentifierScheme::Ods), None);
        assert_eq!(ok.contact.as_deref(), Some("office@example.org"));
        let first = |d: AgencyDraft| AgencyDetails::parse(&d).expect_err("invalid").field;
        assert_eq!(
            first(AgencyDraft {
                name: " ".into(),
                ..draft()
            }),
            "name"
        );
        assert_eq!(
            first(AgencyDraft {
                name: "a".repeat(201),
                ..draft()
            }),
            "name"
        );
        assert_eq!(
            first(AgencyDraft {
                name: "bad\u{7}".into(),
                ..draft()
            }),
            "name"
        );
        assert_eq!(
            first(AgencyDraft {
                kind: None,
                ..draft()
            }),
            "kind"
        );
        assert_eq!(
            first(AgencyDraft {
                contact: Some("x".repeat(MAX_CONTACT + 1)),
                ..draft()
            }),
            "contact"
        );
        assert_eq!(
            first(AgencyDraft {
                ukprn: Some("2".into()),
                ..draft()
            }),
            "ukprn"
        );
    }
}

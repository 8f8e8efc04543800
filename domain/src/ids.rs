//! Validated external identifiers. They are checked once, at construction, and
//! are never used as keys: the hub keys every record on its own `ChildId`.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why an identifier was refused. The message is safe to show to a caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentifierError {
    #[error("must be 10 digits (spaces allowed as 3-3-4)")]
    NhsNumberFormat,
    #[error("check digit does not match (not a valid NHS number)")]
    NhsNumberCheckDigit,
    #[error(
        "must be 13 characters: a check letter followed by 12 digits (or 11 digits and a letter for a temporary UPN)"
    )]
    UpnFormat,
    #[error("check letter does not match (not a valid UPN)")]
    UpnCheckLetter,
}

/// A 10-digit NHS number whose modulus-11 check digit is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Accepts `9434765919` or `943 476 5919` (spaces and hyphens are ignored).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::NhsNumberFormat);
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        match nhs_check_digit(&d[..9]) {
            Some(check) if check == d[9] => Ok(Self(digits)),
            _ => Err(IdentifierError::NhsNumberCheckDigit),
        }
    }

    /// The ten digits without spaces, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The conventional 3-3-4 display form.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

/// The check digit for the first nine digits, or `None` when the remainder
/// makes the number unusable (check value 10).
pub fn nhs_check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = IdentifierError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

/// The UPN check-letter alphabet: 23 letters, without I, O and S.
const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A Unique Pupil Number (13 characters) whose check letter is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

impl Upn {
    /// Accepts a permanent UPN (`B801200005001`) or a temporary one whose last
    /// character is a letter. Lower case is accepted and normalised.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let upn = input.trim().to_ascii_uppercase();
        let bytes = upn.as_bytes();
        if bytes.len() != 13 {
            return Err(IdentifierError::UpnFormat);
        }
        let check_ok = UPN_ALPHABET.contains(&bytes[0]);
        let middle_ok = bytes[1..12].iter().all(u8::is_ascii_digit);
        let last_ok = bytes[12].is_ascii_digit() || UPN_ALPHABET.contains(&bytes[12]);
        if !(check_ok && middle_ok && last_ok) {
            return Err(IdentifierError::UpnFormat);
        }
        if upn_check_letter(&bytes[1..]) == Some(bytes[0]) {
            Ok(Self(upn))
        } else {
            Err(IdentifierError::UpnCheckLetter)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a temporary UPN (final character a letter).
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_alphabetic()
    }
}

/// The check letter for characters 2–13 (12 bytes: 11 digits and a digit or
/// an alphabet letter), or `None` if a byte is outside both.
pub fn upn_check_letter(rest: &[u8]) -> Option<u8> {
    let mut sum = 0usize;
    for (i, b) in rest.iter().enumerate() {
        let value = if b.is_ascii_digit() {
            usize::from(b - b'0')
        } else {
            UPN_ALPHABET.iter().position(|c| c == b)?
        };
        sum += value * (i + 2);
    }
    Some(UPN_ALPHABET[sum % 23])
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Upn {
    type Error = IdentifierError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Upn> for String {
    fn from(value: Upn) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nhs_number_examples() {
        assert!(NhsNumber::parse("9434765919").is_ok());
        assert_eq!(
            NhsNumber::parse("943 476 5919").map(|n| n.formatted()),
            Ok("943 476 5919".to_owned())
        );
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(IdentifierError::NhsNumberCheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(IdentifierError::NhsNumberFormat)
        );
        assert_eq!(
            NhsNumber::parse("94347659AB"),
            Err(IdentifierError::NhsNumberFormat)
        );
        assert_eq!(NhsNumber::parse(""), Err(IdentifierError::NhsNumberFormat));
        // Check value 10 can never be valid: 000 000 0010 has sum 1*2 = 2 → 9; craft a 10:
        // digits summing to 1 mod 11 give 11 - 1 = 10.
        assert_eq!(nhs_check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 6]), None);
    }

    #[test]
    fn upn_examples() {
        assert!(Upn::parse("B801200005001").is_ok());
        assert!(Upn::parse("b801200005001").is_ok());
        assert_eq!(
            Upn::parse("C801200005001"),
            Err(IdentifierError::UpnCheckLetter)
        );
        assert_eq!(Upn::parse("B80120000500"), Err(IdentifierError::UpnFormat));
        assert_eq!(Upn::parse("I801200005001"), Err(IdentifierError::UpnFormat));
        // The help-desk example that is often quoted wrongly: 207000016049 → P.
        assert_eq!(upn_check_letter(b"207000016049"), Some(b'P'));
    }

    fn valid_nhs() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u32..10, 9).prop_filter_map("check 10", |d| {
            nhs_check_digit(&d).map(|c| {
                d.iter()
                    .chain(std::iter::once(&c))
                    .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
                    .collect()
            })
        })
    }

    fn valid_upn() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, 12).prop_map(|d| {
            let rest: Vec<u8> = d.iter().map(|x| b'0' + x).collect();
            let check = upn_check_letter(&rest).unwrap_or(b'A');
            let mut s = String::from(char::from(check));
            s.push_str(std::str::from_utf8(&rest).unwrap_or_default());
            s
        })
    }

    proptest! {
        #[test]
        fn every_valid_nhs_number_parses(n in valid_nhs()) {
            prop_assert!(NhsNumber::parse(&n).is_ok());
        }

        #[test]
        fn changing_one_nhs_digit_is_rejected(n in valid_nhs(), pos in 0usize..10, delta in 1u8..10) {
            let mut b = n.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap_or_default();
            prop_assert!(NhsNumber::parse(&changed).is_err());
        }

        #[test]
        fn every_valid_upn_parses(u in valid_upn()) {
            prop_assert!(Upn::parse(&u).is_ok());
        }

        #[test]
        fn changing_one_upn_digit_is_rejected(u in valid_upn(), pos in 1usize..13, delta in 1u8..10) {
            let mut b = u.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap_or_default();
            prop_assert!(Upn::parse(&changed).is_err());
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,20}") {
            let _ = NhsNumber::parse(&s);
            let _ = Upn::parse(&s);
        }
    }
}

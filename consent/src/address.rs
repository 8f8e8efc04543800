//! The "address withheld" marker (LAW.md §3): where safety needs it (a
//! looked-after child's placement, a refuge) the child's address is hidden
//! from every view, birth parents with parental responsibility included
//! (Children Act 1989 s.33(3)(b)). While it is set, [`crate::decide`]
//! denies CONTACT to everyone with [`crate::ADDRESS_WITHHELD_REASON`]; the
//! recorded reason is shown only to the people who may set the marker.

use chrono::{DateTime, Utc};
use domain::AgencyKind;

use crate::{MIN_REASON_CHARS, Principal, Role};

/// The marker as recorded on the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressWithheld {
    /// Why, for case officers and safeguarding leads only.
    pub reason: String,
    /// The subject of who set it.
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// Why the marker cannot be set or cleared as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressWithheldError {
    /// The caller does not hold a role of a service that may set it.
    #[error(
        "only a case officer (role case_officer) or designated safeguarding lead (role safeguarding_lead) of children's social care or the council SEND team may withhold or release a child's address"
    )]
    NotAKeeper,
    /// The reason is too short to be a written justification.
    #[error("write at least {min} characters saying why", min = MIN_REASON_CHARS)]
    ReasonTooShort,
    /// The reason cannot be accepted as text.
    #[error("{}", .0.message)]
    Invalid(#[from] domain::InvalidInput),
}

impl AddressWithheldError {
    /// The API field to fix, or `None` when the rule itself refuses
    /// (FORBIDDEN).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AddressWithheldError::NotAKeeper => None,
            AddressWithheldError::ReasonTooShort => Some("reason"),
            AddressWithheldError::Invalid(e) => Some(e.field),
        }
    }
}

impl AddressWithheld {
    /// Whether `principal` may set or clear the marker: a case officer or a
    /// safeguarding lead of children's social care or the council SEND team
    /// (who hold placements and refuge arrangements).
    pub fn may_keep(principal: &Principal) -> Result<(), AddressWithheldError> {
        let service = matches!(
            principal.agency_kind(),
            Some(AgencyKind::SocialCare | AgencyKind::LaSend)
        );
        let role = principal.has(Role::CaseOfficer) || principal.has(Role::SafeguardingLead);
        if service && role && !principal.is_ig() {
            Ok(())
        } else {
            Err(AddressWithheldError::NotAKeeper)
        }
    }

    /// Records the marker, set by `principal` now, with a written reason.
    pub fn new(
        principal: &Principal,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AddressWithheldError> {
        Self::may_keep(principal)?;
        let reason = domain::input::long_text("reason", Some(reason))?.unwrap_or_default();
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(AddressWithheldError::ReasonTooShort);
        }
        Ok(Self {
            reason,
            set_by: principal.subject.clone(),
            set_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AgencyRef, Purpose};
    use chrono::TimeZone;

    fn principal(kind: AgencyKind, roles: &[Role]) -> Principal {
        Principal {
            subject: "worker".into(),
            agency: Some(AgencyRef {
                id: uuid::Uuid::from_u128(7),
                kind,
            }),
            roles: roles.iter().copied().collect(),
            person_id: None,
            purpose: Some(Purpose::Safeguarding),
        }
    }

    const REASON: &str = "Placed in a refuge; the father must not learn where";

    #[test]
    fn only_social_care_and_send_officers_and_leads_keep_the_marker() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .expect("time");
        for kind in AgencyKind::ALL {
            for role in [
                Role::CaseOfficer,
                Role::SafeguardingLead,
                Role::Practitioner,
            ] {
                let p = principal(*kind, &[role]);
                let allowed = matches!(kind, AgencyKind::SocialCare | AgencyKind::LaSend)
                    && role != Role::Practitioner;
                let got = AddressWithheld::new(&p, REASON, now);
                if allowed {
                    let marker = got.expect("a keeper");
                    assert_eq!(marker.set_by, "worker");
                    assert_eq!(marker.set_at, now);
                } else {
                    assert_eq!(
                        got,
                        Err(AddressWithheldError::NotAKeeper),
                        "{kind} {role:?}"
                    );
                    assert_eq!(AddressWithheldError::NotAKeeper.field(), None);
                }
            }
        }
        let family = Principal {
            agency: None,
            roles: [Role::Family].into_iter().collect(),
            person_id: Some("mum".into()),
            ..principal(AgencyKind::SocialCare, &[])
        };
        assert_eq!(
            AddressWithheld::may_keep(&family),
            Err(AddressWithheldError::NotAKeeper)
        );
    }

    #[test]
    fn the_reason_is_a_written_justification() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .expect("time");
        let lead = principal(AgencyKind::SocialCare, &[Role::SafeguardingLead]);
        let short = AddressWithheld::new(&lead, "   safety   ", now);
        assert_eq!(short, Err(AddressWithheldError::ReasonTooShort));
        assert_eq!(short.err().and_then(|e| e.field()), Some("reason"));
        let bad = AddressWithheld::new(&lead, &format!("{REASON}\u{0}"), now);
        assert!(
            matches!(bad, Err(AddressWithheldError::Invalid(_))),
            "{bad:?}"
        );
        assert_eq!(
            AddressWithheld::new(&lead, &format!("  {REASON}  "), now).map(|m| m.reason),
            Ok(REASON.to_owned())
        );
    }
}

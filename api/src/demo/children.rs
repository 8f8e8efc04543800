//! The four demo children, in age order.

use chrono::NaiveDate;
use domain::ChildRecord;

use super::{amira, chloe, jayden, poppy};

/// The demo children, with dates of birth relative to `today` so their ages
/// stay right whenever the demo is loaded.
pub fn children(today: NaiveDate) -> Vec<ChildRecord> {
    vec![
        poppy::record(today),
        amira::record(today),
        jayden::record(today),
        chloe::record(today),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::personas::personas;

    #[test]
    fn demo_identifiers_are_valid_and_ages_right() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        let kids = children(today);
        assert!(kids.len() >= 4);
        for child in &kids {
            assert!(
                child
                    .identity
                    .nhs_number
                    .as_ref()
                    .is_some_and(|n| n.as_str().starts_with("999"))
            );
        }
        let ages: Vec<i32> = kids
            .iter()
            .map(|c| (today - c.identity.date_of_birth).num_days() as i32 / 365)
            .collect();
        assert_eq!(ages, vec![3, 9, 15, 17]);
        assert!(kids.iter().skip(1).all(|c| c.identity.upn.is_some()));
        assert_eq!(personas().len(), 14);
    }
}

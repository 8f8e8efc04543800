//! Consent authority: who may grant and withdraw consent for a child today.
//!
//! Until the end of compulsory school age (the last Friday of June of the
//! school year in which the child turns 16) a person with parental
//! responsibility decides. After it, the young person does; a parent or
//! deputy may act only where the record notes the young person lacks
//! capacity for this decision (Mental Capacity Act 2005; CFA 2014 s.80).

use chrono::{Datelike, Months, NaiveDate, Weekday};

use crate::grant::GrantorCapacity;

/// The rule told to someone with no relationship to the child: nothing about
/// the child (age, capacity, existence) is in it.
pub const NO_AUTHORITY: &str = "only the person who holds consent authority for this child may make consent decisions: someone with parental responsibility, or the young person once past compulsory school age";

/// The facts about a child that access and authority depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildFacts {
    pub id: uuid::Uuid,
    pub date_of_birth: NaiveDate,
    /// The young person's own sign-in identity, if they have one.
    pub young_person_id: Option<String>,
    /// Person ids of family members who hold parental responsibility.
    pub parental_responsibility: Vec<String>,
    /// Person ids of deputies or attorneys appointed for the young person.
    pub deputies: Vec<String>,
    /// The record notes that the young person lacks capacity to make
    /// information-sharing decisions.
    pub lacks_capacity: bool,
}

/// The last Friday of June of the school year (1 September – 31 August) in
/// which someone born on `dob` turns 16.
pub fn end_of_compulsory_school_age(dob: NaiveDate) -> NaiveDate {
    let sixteenth = dob.checked_add_months(Months::new(16 * 12)).unwrap_or(dob);
    let year = if sixteenth.month() >= 9 {
        sixteenth.year() + 1
    } else {
        sixteenth.year()
    };
    let june_30 = NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or(sixteenth);
    let back =
        (june_30.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    june_30 - chrono::Duration::days(i64::from(back))
}

/// Who holds consent authority on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// Before the hand-over: people with parental responsibility.
    ParentalResponsibility,
    /// After it: the young person.
    YoungPerson,
    /// After it, where the young person lacks capacity: parents and deputies.
    ActingForYoungPerson,
}

impl ChildFacts {
    /// The date consent authority passes to the young person.
    pub fn hand_over(&self) -> NaiveDate {
        end_of_compulsory_school_age(self.date_of_birth)
    }

    /// True once the young person decides (the day after the hand-over date).
    pub fn handed_over(&self, today: NaiveDate) -> bool {
        today > self.hand_over()
    }

    pub fn authority(&self, today: NaiveDate) -> Authority {
        match (self.handed_over(today), self.lacks_capacity) {
            (false, _) => Authority::ParentalResponsibility,
            (true, false) => Authority::YoungPerson,
            (true, true) => Authority::ActingForYoungPerson,
        }
    }

    fn holds_pr(&self, person: &str) -> bool {
        self.parental_responsibility.iter().any(|p| p == person)
    }

    /// In which capacity `person` may make a consent decision today, or the
    /// rule that stops them, in words fit to show.
    pub fn may_decide(&self, person: &str, today: NaiveDate) -> Result<GrantorCapacity, String> {
        let related = self.holds_pr(person)
            || self.young_person_id.as_deref() == Some(person)
            || self.deputies.iter().any(|d| d == person);
        if !related {
            // Nothing about the child (age, capacity) to someone unrelated.
            return Err(NO_AUTHORITY.to_owned());
        }
        let hand_over = self.hand_over().format("%-d %B %Y");
        match self.authority(today) {
            Authority::ParentalResponsibility if self.holds_pr(person) => Ok(GrantorCapacity::ParentalResponsibility),
            Authority::ParentalResponsibility => Err(format!(
                "until the end of compulsory school age ({hand_over}) only a person with parental responsibility may make consent decisions for this child"
            )),
            Authority::YoungPerson if self.young_person_id.as_deref() == Some(person) => Ok(GrantorCapacity::YoungPerson),
            Authority::YoungPerson => Err(format!(
                "since the end of compulsory school age ({hand_over}) the young person makes their own consent decisions; a parent or deputy may act only where the record notes they lack capacity"
            )),
            Authority::ActingForYoungPerson if self.deputies.iter().any(|d| d == person) => Ok(GrantorCapacity::Deputy),
            Authority::ActingForYoungPerson if self.holds_pr(person) => {
                Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
            }
            Authority::ActingForYoungPerson => Err(
                "the young person lacks capacity for this decision: only a deputy, attorney or parent may act for them".to_owned(),
            ),
        }
    }

    /// Whether a family member (not an agency) may read the record, and why.
    /// People with parental responsibility read it while they hold consent
    /// authority; the young person always reads their own.
    pub fn family_view(
        &self,
        person: &str,
        young_person_role: bool,
        family_role: bool,
        today: NaiveDate,
    ) -> Result<&'static str, &'static str> {
        if young_person_role && self.young_person_id.as_deref() == Some(person) {
            return Ok("this is your own record");
        }
        let deputy = self.deputies.iter().any(|d| d == person);
        if family_role && (self.holds_pr(person) || deputy) {
            return match self.authority(today) {
                Authority::ParentalResponsibility if self.holds_pr(person) => {
                    Ok("you hold parental responsibility for this child")
                }
                // A deputy acts for a young person lacking capacity, not before.
                Authority::ParentalResponsibility => {
                    Err("you have no relationship with this child's record")
                }
                Authority::ActingForYoungPerson => {
                    Ok("you act for this young person, who the record notes lacks capacity")
                }
                Authority::YoungPerson => Err(
                    "this young person is past compulsory school age and decides who sees their record; ask them to share it with you",
                ),
            };
        }
        Err("you have no relationship with this child's record")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn end_of_compulsory_school_age_follows_the_school_year() {
        // Turns 16 on 31 August 2026: the school year ending June 2026.
        // The last Friday of June 2026 is the 26th.
        assert_eq!(end_of_compulsory_school_age(d(2010, 8, 31)), d(2026, 6, 26));
        // Turns 16 on 1 September 2026: the next school year, ending June 2027 (Friday 25th).
        assert_eq!(end_of_compulsory_school_age(d(2010, 9, 1)), d(2027, 6, 25));
        // Turns 16 in January 2027: the same school year, June 2027.
        assert_eq!(end_of_compulsory_school_age(d(2011, 1, 15)), d(2027, 6, 25));
        // June 2029 ends on a Saturday: the last Friday is the 29th.
        assert_eq!(end_of_compulsory_school_age(d(2013, 3, 1)), d(2029, 6, 29));
        // June 2028 ends on a Friday: the 30th itself.
        assert_eq!(end_of_compulsory_school_age(d(2012, 2, 29)), d(2028, 6, 30));
    }

    fn facts(lacks_capacity: bool) -> ChildFacts {
        ChildFacts {
            id: uuid::Uuid::nil(),
            date_of_birth: d(2010, 8, 31),
            young_person_id: Some("yp".into()),
            parental_responsibility: vec!["mum".into()],
            deputies: vec!["deputy".into()],
            lacks_capacity,
        }
    }

    #[test]
    fn authority_passes_the_day_after_the_last_friday_of_june() {
        let f = facts(false);
        let last_day = d(2026, 6, 26);
        assert_eq!(
            f.may_decide("mum", last_day),
            Ok(GrantorCapacity::ParentalResponsibility)
        );
        assert!(f.may_decide("yp", last_day).is_err());
        let next_day = d(2026, 6, 27);
        assert!(
            f.may_decide("mum", next_day)
                .is_err_and(|e| e.contains("26 June 2026"))
        );
        assert_eq!(
            f.may_decide("yp", next_day),
            Ok(GrantorCapacity::YoungPerson)
        );
        assert!(f.may_decide("stranger", last_day).is_err());
    }

    #[test]
    fn parents_and_deputies_act_only_where_capacity_is_lacking() {
        let f = facts(true);
        let after = d(2027, 1, 1);
        assert_eq!(
            f.may_decide("mum", after),
            Ok(GrantorCapacity::ParentForYoungPersonLackingCapacity)
        );
        assert_eq!(f.may_decide("deputy", after), Ok(GrantorCapacity::Deputy));
        assert!(f.may_decide("yp", after).is_err());
        assert!(f.family_view("mum", false, true, after).is_ok());
        assert!(facts(false).family_view("mum", false, true, after).is_err());
        assert!(facts(false).family_view("yp", true, false, after).is_ok());
        assert!(
            facts(false).family_view("yp", false, true, after).is_err(),
            "the role must match"
        );
    }
}

//! Fictional records for benchmarks and load tests (`tellonce seed`):
//! names from small built-in lists, valid but fictional identifiers (NHS
//! numbers in the unissued 99x range, UPNs with the fictional LA code 999),
//! and content in every section. No real person's data is here.
//!
//! Everything is a pure function of `(seed, index)`: the same seed gives the
//! same children in any order, so a generator can work in chunks with
//! bounded memory and two runs can be compared.

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use crate::ids::{nhs_check_digit, upn_check_letter};
use crate::{
    AllAboutMe, CamhsStatus, ChildRecord, Communication, ContactPreference, Education,
    EhcPlanStatus, FamilyMember, HealthItem, HealthItemKind, Identity, MentalHealth, NeedCode,
    NhsNumber, PhysicalHealth, PreparingForAdulthood, Psychology, Relationship, SenNeed, SenNeeds,
    SenProvision, SensoryPhysical, SettingPhase, SocialCare, Upn,
};

/// A small, fast, seeded generator (SplitMix64). Deterministic on every
/// platform and version, which is what reproducible data needs; it is not
/// for anything secret.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator for item `index` of `stream` under `seed`.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.0 ^= r.next_u64() ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A random-looking (version 4 shaped) id.
    pub fn uuid(&mut self) -> Uuid {
        let hi = u128::from(self.next_u64());
        let lo = u128::from(self.next_u64());
        uuid::Builder::from_random_bytes(((hi << 64) | lo).to_be_bytes()).into_uuid()
    }
}

const GIVEN: &[&str] = &[
    "Ava", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jai", "Kira", "Leo",
    "Maya", "Noah", "Orla", "Pip", "Rosa", "Sami", "Tia", "Umar", "Vera", "Wren", "Xan", "Yara",
    "Zac", "Alba", "Bodhi", "Cleo", "Dara", "Eli",
];
const FAMILY: &[&str] = &[
    "Ashby", "Brook", "Carver", "Dunmore", "Elwood", "Fairley", "Garrow", "Hollis", "Ingram",
    "Jessop", "Kettle", "Lowry", "Marsh", "Northam", "Oakes", "Pellow", "Quarry", "Rowan",
    "Sallow", "Thorne", "Upton", "Vane", "Weald", "Yarrow",
];
const ADULT_GIVEN: &[&str] = &[
    "Alex", "Bea", "Carl", "Dina", "Evan", "Faye", "Glen", "Hana", "Ivan", "Jo", "Kemi", "Lars",
    "Mina", "Nils", "Ola", "Pam", "Rafi", "Sian", "Tom", "Vic",
];
const STREETS: &[&str] = &[
    "Lark Lane",
    "Mill Row",
    "Hollow Way",
    "Beacon Road",
    "Orchard Close",
    "Kiln Street",
];
const TOWNS: &[&str] = &[
    "Northtown",
    "Easterby",
    "Westmoor",
    "Southdale",
    "Midhollow",
];
const LANGUAGES: &[&str] = &[
    "English", "English", "English", "Polish", "Urdu", "Punjabi", "Romanian", "Arabic", "Somali",
];
const SETTINGS: &[&str] = &[
    "Riverside Primary School",
    "Hilltop Academy",
    "Northtown High School",
    "Meadow Special School",
    "Easterby College",
    "Little Acorns Nursery",
];
const STRENGTHS: &[&str] = &[
    "Loves drawing and building with blocks",
    "Enjoys football and being outdoors",
    "Likes music, especially drumming",
    "Is kind to younger children",
    "Remembers every train timetable",
];
const SUPPORT: &[&str] = &[
    "Give me time to answer and show me what comes next",
    "Warn me before changes and let me take a break",
    "Use pictures with words and keep instructions short",
    "Sit me near the front, away from the door",
];
const ASPIRATIONS: &[&str] = &[
    "To work with animals",
    "To be a chef",
    "To go to college with my friends",
    "To live on my own one day",
];
const CONDITIONS: &[(&str, &str)] = &[
    ("Asthma", "Inhaler before exercise"),
    ("Epilepsy", "Care plan held by the school nurse"),
    ("Eczema", "Emollient twice a day"),
    ("Type 1 diabetes", "Insulin pump; checks at lunch"),
];
const ALLERGIES: &[&str] = &["Peanuts", "Penicillin", "Latex", "Eggs"];

/// Whole years between `born` and `today`.
fn age_on(born: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// A fictional, valid NHS number for child `index`, unique per index (the
/// unissued range 99x xxx xxxx); `None` for the few indexes where neither
/// candidate has a usable check digit (about one in 120).
pub fn nhs_number(index: u64) -> Option<NhsNumber> {
    (0..2).find_map(|k| {
        let body = 990_000_000 + (2 * index + k) % 10_000_000;
        let digits: Vec<u32> = format!("{body:09}")
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .collect();
        let check = nhs_check_digit(&digits)?;
        NhsNumber::parse(&format!("{body:09}{check}")).ok()
    })
}

/// A fictional, valid UPN for child `index`, unique per index (LA code 999).
pub fn upn(index: u64) -> Option<Upn> {
    let rest = format!("999{:09}", index % 1_000_000_000);
    let letter = upn_check_letter(rest.as_bytes())?;
    Upn::parse(&format!("{}{rest}", char::from(letter))).ok()
}

/// The stream each kind of generated fact draws from.
pub mod stream {
    pub const CHILD: u64 = 1;
    pub const PLAN: u64 = 2;
    pub const TRACE: u64 = 3;
}

/// Child `index`'s id under `seed`.
pub fn child_id(seed: u64, index: u64) -> Uuid {
    Rng::for_item(seed, stream::CHILD, index).uuid()
}

/// The person id of parent `k` (0 or 1) of child `index`.
pub fn parent_person_id(index: u64, k: u64) -> String {
    format!("seed-parent-{}", 2 * index + k)
}

/// The young person's own sign-in id.
pub fn young_person_id(index: u64) -> String {
    format!("seed-young-{index}")
}

/// Child `index`'s record under `seed`, as of `today`: identity, family
/// (one or two parents with parental responsibility, sometimes a
/// grandparent without) and every profile section. Involvements and
/// consent are the store's to plan (they name agencies).
pub fn child_record(seed: u64, index: u64, today: NaiveDate) -> ChildRecord {
    let mut r = Rng::for_item(seed, stream::CHILD, index);
    let id = r.uuid();
    let age_days = 30 + r.below(25 * 365 - 30) as i64;
    let born = today - Duration::days(age_days);
    let age = age_on(born, today);
    let family_name = (*r.pick(FAMILY)).to_owned();
    let given_name = (*r.pick(GIVEN)).to_owned();
    let identity = Identity {
        preferred_name: r.chance(15).then(|| given_name[..2].to_owned()),
        given_name,
        family_name: family_name.clone(),
        date_of_birth: born,
        nhs_number: nhs_number(index),
        upn: (3..=19).contains(&age).then(|| upn(index)).flatten(),
        address_line: Some(format!("{} {}", 1 + r.below(120), r.pick(STREETS))),
        town: Some((*r.pick(TOWNS)).to_owned()),
        postcode: Some(format!(
            "NT{} {}{}{}",
            1 + r.below(9),
            r.below(10),
            char::from(b'A' + r.below(26) as u8),
            char::from(b'A' + r.below(26) as u8)
        )),
        home_language: Some((*r.pick(LANGUAGES)).to_owned()),
        communication_needs: r.chance(30).then(|| "Visual timetable".to_owned()),
    };
    let young = (age >= 16).then(|| young_person_id(index));
    let mut record = ChildRecord::new(id, young, identity);

    let parents = if r.chance(70) { 2 } else { 1 };
    for k in 0..parents {
        let (relationship, pr_evidence) = if k == 0 {
            (Relationship::Mother, "Birth certificate seen")
        } else {
            (Relationship::Father, "Named on the birth certificate")
        };
        record.family.push(FamilyMember {
            id: r.uuid(),
            person_id: Some(parent_person_id(index, k)),
            full_name: format!("{} {family_name}", r.pick(ADULT_GIVEN)),
            relationship,
            parental_responsibility: true,
            pr_evidence: Some(pr_evidence.to_owned()),
            contact_preference: *r.pick(&[
                ContactPreference::Email,
                ContactPreference::Phone,
                ContactPreference::Text,
            ]),
            phone: Some(format!("07700 9{:05}", r.below(100_000))),
            email: Some(format!("parent{}@example.invalid", 2 * index + k)),
            main_contact: k == 0,
        });
    }
    if r.chance(15) {
        record.family.push(FamilyMember {
            id: r.uuid(),
            person_id: None,
            full_name: format!("{} {family_name}", r.pick(ADULT_GIVEN)),
            relationship: Relationship::Grandparent,
            parental_responsibility: false,
            pr_evidence: None,
            contact_preference: ContactPreference::Post,
            phone: None,
            email: None,
            main_contact: false,
        });
    }

    record.all_about_me = AllAboutMe {
        what_matters: Some((*r.pick(STRENGTHS)).to_owned()),
        how_to_support: Some((*r.pick(SUPPORT)).to_owned()),
        aspirations: Some((*r.pick(ASPIRATIONS)).to_owned()),
        history: r
            .chance(40)
            .then(|| "Moved schools twice in primary".to_owned()),
    };
    let phase = match age {
        0..=3 => SettingPhase::EarlyYears,
        4..=10 => SettingPhase::Primary,
        11..=15 => SettingPhase::Secondary,
        16..=18 => SettingPhase::PostSixteen,
        _ => SettingPhase::NotInEducation,
    };
    let phase = if r.chance(10) && age >= 4 && age <= 18 {
        SettingPhase::Special
    } else {
        phase
    };
    let in_school = phase != SettingPhase::NotInEducation;
    record.education = Education {
        setting_name: in_school.then(|| (*r.pick(SETTINGS)).to_owned()),
        setting_urn: in_school.then(|| format!("9{:05}", r.below(100_000))),
        setting_phase: Some(phase),
        year_group: (5..=18)
            .contains(&age)
            .then(|| format!("Year {}", (age - 4).min(13))),
        sen_support_plan: Some("Termly plan with small-group literacy".to_owned()),
        attendance_percent: in_school.then(|| 80.0 + r.below(200) as f64 / 10.0),
        attainment_summary: Some("Working towards the expected standard".to_owned()),
        suspensions_this_year: Some(r.below(3) as i32),
        permanently_excluded: Some(false),
    };
    let plan = r.chance(35);
    let mut codes = NeedCode::ALL.to_vec();
    let needs = 1 + r.below(3) as usize;
    record.sen_needs = SenNeeds {
        provision: Some(if plan {
            SenProvision::EhcPlan
        } else {
            SenProvision::SenSupport
        }),
        ehc_plan_status: Some(if plan {
            EhcPlanStatus::Final
        } else {
            EhcPlanStatus::NoPlan
        }),
        ehc_plan_issued_on: plan.then(|| today - Duration::days(60 + r.below(900) as i64)),
        needs: (0..needs)
            .map(|rank| {
                let code = codes.remove(r.below(codes.len() as u64) as usize);
                SenNeed {
                    code,
                    rank: rank as i32 + 1,
                }
            })
            .collect(),
        outcomes: Some("To read simple sentences independently by the end of the year".to_owned()),
        special_educational_provision: plan.then(|| {
            "Two hours a week of specialist teaching; a key adult at transitions".to_owned()
        }),
    };
    record.psychology = Psychology {
        assessed_on: r
            .chance(40)
            .then(|| today - Duration::days(30 + r.below(700) as i64)),
        assessment_summary: Some("Verbal reasoning a relative strength".to_owned()),
        advice: Some("Chunk tasks; check understanding often".to_owned()),
    };
    let mut items = Vec::new();
    if r.chance(40) {
        let (name, detail) = *r.pick(CONDITIONS);
        items.push(HealthItem {
            id: r.uuid(),
            kind: HealthItemKind::Condition,
            name: name.to_owned(),
            detail: Some(detail.to_owned()),
        });
    }
    if r.chance(20) {
        items.push(HealthItem {
            id: r.uuid(),
            kind: HealthItemKind::Allergy,
            name: (*r.pick(ALLERGIES)).to_owned(),
            detail: None,
        });
    }
    record.physical_health = PhysicalHealth {
        health_care_plan: Some(!items.is_empty()),
        items,
        gp_practice: Some(format!("{} Medical Centre", r.pick(TOWNS))),
        health_provision: Some("Annual review with the community paediatrician".to_owned()),
    };
    record.communication = Communication {
        profile: Some("Understands short spoken instructions".to_owned()),
        slt_advice: Some("Model language; offer choices".to_owned()),
        targets: Some("Use three-word phrases".to_owned()),
        aac: r.chance(10).then(|| "Symbol board".to_owned()),
    };
    record.sensory_physical = SensoryPhysical {
        ot_summary: Some("Benefits from movement breaks".to_owned()),
        physio_summary: r.chance(20).then(|| "Weekly physiotherapy".to_owned()),
        hearing: Some("No concerns".to_owned()),
        vision: Some(
            if r.chance(10) {
                "Wears glasses"
            } else {
                "No concerns"
            }
            .to_owned(),
        ),
        equipment: r.chance(15).then(|| "Writing slope".to_owned()),
    };
    let camhs = *r.pick(CamhsStatus::ALL);
    record.mental_health = MentalHealth {
        camhs_status: Some(camhs),
        referred_on: (camhs != CamhsStatus::NotReferred)
            .then(|| today - Duration::days(r.below(500) as i64)),
        involvement_summary: Some("Anxiety around change".to_owned()),
    };
    record.social_care = SocialCare {
        needs: r.chance(25).then(|| "Family support assessment".to_owned()),
        family_support: Some("Parenting group at the family hub".to_owned()),
        short_breaks: r.chance(20).then(|| "Saturday club".to_owned()),
        provision: None,
    };
    record.preparing_for_adulthood = PreparingForAdulthood {
        employment: (age >= 14).then(|| "Work experience at a garden centre".to_owned()),
        independent_living: (age >= 14).then(|| "Learning to travel by bus".to_owned()),
        community: Some("Youth club on Fridays".to_owned()),
        health: (age >= 14).then(|| "Moving to adult services at 18".to_owned()),
    };
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).expect("date")
    }

    #[test]
    fn the_same_seed_gives_the_same_child_and_another_seed_another() {
        assert_eq!(child_record(7, 3, today()), child_record(7, 3, today()));
        assert_ne!(
            child_record(7, 3, today()).id,
            child_record(8, 3, today()).id
        );
        assert_eq!(child_id(7, 3), child_record(7, 3, today()).id);
    }

    #[test]
    fn identifiers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        let mut missing = 0;
        for i in 0..5_000 {
            match nhs_number(i) {
                Some(n) => assert!(seen.insert(n.as_str().to_owned())),
                None => missing += 1,
            }
            let u = upn(i).expect("a UPN");
            assert!(seen.insert(u.as_str().to_owned()));
        }
        assert!(missing < 100, "{missing}");
    }

    #[test]
    fn children_are_up_to_25_with_parents_holding_responsibility() {
        for i in 0..500 {
            let c = child_record(1, i, today());
            let age = age_on(c.identity.date_of_birth, today());
            assert!((0..=25).contains(&age), "{age}");
            assert!(c.family.iter().any(|m| m.parental_responsibility));
            assert_eq!(c.young_person_id.is_some(), age >= 16);
            assert!(!c.sen_needs.needs.is_empty());
        }
    }
}

//! The demo: fictional agencies, children with rich data in every scope,
//! families, and a persona per kind of user with a freshly signed token.
//! Everything here is invented; identifiers come from the NHS test range
//! (999…) and are never issued to real people.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use consent::{CaptureMethod, Grant, GrantorCapacity, Purpose, Recipient, Role, Withdrawal};
use domain::*;
use domain::{Contribution, ContributionKind};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;
use uuid::Uuid;

use crate::config::JwtSettings;
use crate::db::Store;
use crate::error::Result;

const fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x7e11_0000_0000_4000_8000_0000_0000_0000 | n)
}

pub const SCHOOL: Uuid = id(0x101);
pub const CAMHS: Uuid = id(0x102);
pub const SLT: Uuid = id(0x103);
pub const OT: Uuid = id(0x104);
pub const EP: Uuid = id(0x105);
pub const SOCIAL_CARE: Uuid = id(0x106);
pub const YOUTH_JUSTICE: Uuid = id(0x107);
pub const HEALTH: Uuid = id(0x108);
pub const LA_SEND: Uuid = id(0x109);
pub const NURSERY: Uuid = id(0x10a);
pub const COLLEGE: Uuid = id(0x10b);

/// Children: under 5, primary age, 15 (near the end of compulsory school
/// age), 17 (preparing for adulthood).
pub const POPPY: Uuid = id(0x201);
pub const AMIRA: Uuid = id(0x202);
pub const JAYDEN: Uuid = id(0x203);
pub const CHLOE: Uuid = id(0x204);

/// Sign-in identities of demo family members.
pub const PARENT_PERSON: &str = "demo-person-sara-khan";
pub const YOUNG_PERSON: &str = "demo-person-chloe-evans";

pub fn agencies() -> Vec<Agency> {
    let a = |id, name: &str, kind| Agency {
        id,
        name: name.to_owned(),
        kind,
    };
    vec![
        a(SCHOOL, "Riverside Primary School", AgencyKind::School),
        a(NURSERY, "Little Acorns Nursery", AgencyKind::School),
        a(COLLEGE, "Northgate Sixth Form College", AgencyKind::School),
        a(CAMHS, "Northshire CAMHS", AgencyKind::Camhs),
        a(
            SLT,
            "Northshire Children's Speech and Language Therapy",
            AgencyKind::Slt,
        ),
        a(
            OT,
            "Northshire Children's Occupational Therapy",
            AgencyKind::Ot,
        ),
        a(
            EP,
            "Northshire Educational Psychology Service",
            AgencyKind::Ep,
        ),
        a(
            SOCIAL_CARE,
            "Northshire Children's Social Care",
            AgencyKind::SocialCare,
        ),
        a(
            YOUTH_JUSTICE,
            "Northshire Youth Justice Service",
            AgencyKind::YouthJustice,
        ),
        a(
            HEALTH,
            "Northshire Community Paediatrics",
            AgencyKind::Health,
        ),
        a(LA_SEND, "Northshire Council SEND Team", AgencyKind::LaSend),
    ]
}

/// A demo persona: who they are and what their token claims.
#[derive(Debug, Clone)]
pub struct Persona {
    pub name: &'static str,
    pub description: &'static str,
    pub agency: Option<(Uuid, AgencyKind)>,
    pub roles: &'static [Role],
    pub person_id: Option<&'static str>,
}

pub fn personas() -> Vec<Persona> {
    let p = |name, description, agency, roles, person_id| Persona {
        name,
        description,
        agency,
        roles,
        person_id,
    };
    vec![
        p(
            "senco",
            "SENCO at Riverside Primary School",
            Some((SCHOOL, AgencyKind::School)),
            &[Role::Practitioner][..],
            None,
        ),
        p(
            "camhs",
            "CAMHS clinician",
            Some((CAMHS, AgencyKind::Camhs)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "slt",
            "Speech and language therapist",
            Some((SLT, AgencyKind::Slt)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "ot",
            "Occupational therapist",
            Some((OT, AgencyKind::Ot)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "ep",
            "Educational psychologist",
            Some((EP, AgencyKind::Ep)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "social-worker",
            "Social worker (designated safeguarding lead)",
            Some((SOCIAL_CARE, AgencyKind::SocialCare)),
            &[Role::Practitioner, Role::SafeguardingLead],
            None,
        ),
        p(
            "yot",
            "Youth justice worker",
            Some((YOUTH_JUSTICE, AgencyKind::YouthJustice)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "health",
            "Community paediatrician",
            Some((HEALTH, AgencyKind::Health)),
            &[Role::Practitioner],
            None,
        ),
        p(
            "case-officer",
            "SEND case officer, Northshire Council",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::CaseOfficer],
            None,
        ),
        p(
            "parent",
            "Sara Khan, Amira's mother (parental responsibility)",
            None,
            &[Role::Family],
            Some(PARENT_PERSON),
        ),
        p(
            "young-person",
            "Chloe Evans, 17, her own record",
            None,
            &[Role::YoungPerson],
            Some(YOUNG_PERSON),
        ),
        p(
            "ig-auditor",
            "Information-governance auditor, Northshire Council",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::IgAuditor],
            None,
        ),
        p(
            "ig-admin",
            "Information-governance administrator (publishes agreements)",
            Some((LA_SEND, AgencyKind::LaSend)),
            &[Role::IgAdmin],
            None,
        ),
    ]
}

pub fn persona(name: &str) -> Option<Persona> {
    personas().into_iter().find(|p| p.name == name)
}

/// Signs an HS256 token for a persona (development only).
pub fn sign_token(
    persona: &Persona,
    jwt: &JwtSettings,
    valid_for: Duration,
) -> anyhow::Result<String> {
    let secret = jwt.secret.as_ref().ok_or_else(|| {
        anyhow::anyhow!("no HS256 secret: set TELLONCE_JWT_SECRET (development only)")
    })?;
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "sub": format!("demo-{}", persona.name),
        "iss": jwt.issuer,
        "aud": jwt.audience,
        "iat": now,
        "nbf": now,
        "exp": now + valid_for.num_seconds(),
        "roles": persona.roles.iter().map(|r| r.claim()).collect::<Vec<_>>(),
    });
    if let Some((agency_id, kind)) = persona.agency {
        claims["agency_id"] = json!(agency_id.to_string());
        claims["agency_kind"] = json!(kind.claim());
    }
    if let Some(person) = persona.person_id {
        claims["person_id"] = json!(person);
    }
    Ok(jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )?)
}

/// A valid NHS number from the never-issued 999 test range.
fn test_nhs(serial: u32) -> Option<NhsNumber> {
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
fn test_upn(serial: u32) -> Option<Upn> {
    let rest = format!("8012000{:02}{:03}", 15, serial);
    let letter = ids::upn_check_letter(rest.as_bytes())?;
    Upn::parse(&format!("{}{rest}", char::from(letter))).ok()
}

fn years_ago(today: NaiveDate, years: u32, months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(years * 12 + months))
        .unwrap_or(today)
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

fn member(
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

fn involvement(
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

fn item(n: u128, kind: HealthItemKind, name: &str, detail: &str) -> HealthItem {
    HealthItem {
        id: id(0x500 + n),
        kind,
        name: name.to_owned(),
        detail: s(detail),
    }
}

/// The demo children, with dates of birth relative to `today` so their ages
/// stay right whenever the demo is loaded.
pub fn children(today: NaiveDate) -> Vec<ChildRecord> {
    let ago = |y, m| years_ago(today, y, m);
    let mut out = Vec::new();

    // Poppy, 3: early years, speech delay, a nursery and SLT involved.
    let mut poppy = ChildRecord::new(
        POPPY,
        None,
        Identity {
            given_name: "Poppy".into(),
            family_name: "Okafor".into(),
            preferred_name: None,
            date_of_birth: ago(3, 4),
            nhs_number: test_nhs(1001),
            upn: None,
            address_line: s("14 Willow Close"),
            town: s("Northshire"),
            postcode: s("NS1 4AB"),
            home_language: s("English and Igbo"),
            communication_needs: s("Uses gestures and some single words; Makaton signs at nursery"),
        },
    );
    poppy.family = vec![
        member(
            1,
            "Grace Okafor",
            Relationship::Mother,
            true,
            Some("demo-person-grace-okafor"),
            Some("grace@example.org"),
        ),
        member(2, "Daniel Okafor", Relationship::Father, true, None, None),
    ];
    poppy.all_about_me = AllAboutMe {
        what_matters: s("Bubbles, the swings at the park, and her big cousin Tobi."),
        how_to_support: s(
            "Get down to her level, use signs with words, and give her time to answer.",
        ),
        aspirations: s(
            "We want Poppy to be able to tell us what she needs and make friends at nursery.",
        ),
        history: s(
            "Poppy was born at 34 weeks. Her first words came late and she gets frustrated when she is not understood.",
        ),
    };
    poppy.education = Education {
        setting_name: s("Little Acorns Nursery"),
        setting_urn: s("EY551234"),
        setting_phase: Some(SettingPhase::EarlyYears),
        year_group: s("Nursery (2-year-old funded place)"),
        sen_support_plan: s(
            "Small-group attention and listening sessions twice a week; visual timetable.",
        ),
        attendance_percent: Some(88.5),
        attainment_summary: s(
            "Below expected in communication and language; on track in physical development.",
        ),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    poppy.sen_needs = SenNeeds {
        provision: Some(SenProvision::SenSupport),
        ehc_plan_status: Some(EhcPlanStatus::NoPlan),
        ehc_plan_issued_on: None,
        needs: vec![SenNeed {
            code: NeedCode::Slcn,
            rank: 1,
        }],
        outcomes: s("By age 4, Poppy will combine two words to ask for what she wants."),
        special_educational_provision: s("Targeted language group; key worker trained in Makaton."),
    };
    poppy.communication = Communication {
        profile: s("Expressive language delay; understanding of everyday words is good."),
        slt_advice: s("Model two-word phrases; offer choices of two; reduce questions."),
        targets: s("Use 20 signs or words consistently; join two words by next review."),
        aac: s("Makaton signing"),
    };
    poppy.physical_health = PhysicalHealth {
        items: vec![item(
            1,
            HealthItemKind::Condition,
            "Glue ear (resolved)",
            "Grommets fitted at age 2",
        )],
        gp_practice: s("Riverside Medical Centre"),
        health_care_plan: Some(false),
        health_provision: None,
    };
    poppy.involvements = vec![
        involvement(
            1,
            NURSERY,
            AgencyKind::School,
            "Ms Hughes",
            "Nursery SENCO",
            ago(1, 0),
        ),
        involvement(
            2,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(1, 6),
        ),
    ];
    out.push(poppy);

    // Amira, 9: primary, autism and SLCN, EHC plan, CAMHS waiting list.
    let mut amira = ChildRecord::new(
        AMIRA,
        None,
        Identity {
            given_name: "Amira".into(),
            family_name: "Khan".into(),
            preferred_name: s("Mira"),
            date_of_birth: ago(9, 2),
            nhs_number: test_nhs(2002),
            upn: test_upn(201),
            address_line: s("3 Mill Lane"),
            town: s("Northshire"),
            postcode: s("NS2 7QT"),
            home_language: s("English and Urdu"),
            communication_needs: s(
                "Needs instructions one step at a time; noise-cancelling headphones in busy places",
            ),
        },
    );
    amira.family = vec![
        member(
            3,
            "Sara Khan",
            Relationship::Mother,
            true,
            Some(PARENT_PERSON),
            Some("sara.khan@example.org"),
        ),
        member(
            4,
            "Imran Khan",
            Relationship::Father,
            true,
            Some("demo-person-imran-khan"),
            None,
        ),
        member(
            5,
            "Nasreen Begum",
            Relationship::Grandparent,
            false,
            None,
            None,
        ),
    ];
    amira.all_about_me = AllAboutMe {
        what_matters: s("Drawing horses, my cat Biscuit, and knowing what is happening next."),
        how_to_support: s(
            "Tell me about changes before they happen. Let me go to the quiet room when it is too loud. Don't touch me without asking.",
        ),
        aspirations: s("I want to be a vet. Mum and Dad want me to have a friend at school."),
        history: s(
            "Mira was diagnosed autistic at 6. Year 3 was very hard and she stopped eating lunch at school. Things improved with a key adult.",
        ),
    };
    amira.education = Education {
        setting_name: s("Riverside Primary School"),
        setting_urn: s("123456"),
        setting_phase: Some(SettingPhase::Primary),
        year_group: s("Year 4"),
        sen_support_plan: None,
        attendance_percent: Some(91.2),
        attainment_summary: s(
            "Working at expected standard in maths; below in writing; reading above expected.",
        ),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    amira.sen_needs = SenNeeds {
        provision: Some(SenProvision::EhcPlan),
        ehc_plan_status: Some(EhcPlanStatus::Final),
        ehc_plan_issued_on: Some(ago(1, 3)),
        needs: vec![
            SenNeed {
                code: NeedCode::Asd,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Slcn,
                rank: 2,
            },
        ],
        outcomes: s(
            "By the end of Key Stage 2, Mira will manage transitions in the school day with a visual timetable and one prompt.",
        ),
        special_educational_provision: s(
            "15 hours a week of key-adult support; daily social communication group; SLT programme delivered by a trained teaching assistant.",
        ),
    };
    amira.psychology = Psychology {
        assessed_on: Some(ago(1, 6)),
        assessment_summary: s(
            "Verbal reasoning in the average range; processing speed below average; high anxiety around change.",
        ),
        advice: s(
            "Predictable routines, advance warning of change, and written as well as spoken instructions.",
        ),
    };
    amira.physical_health = PhysicalHealth {
        items: vec![
            item(
                2,
                HealthItemKind::Condition,
                "Autism",
                "Diagnosed age 6 by community paediatrics",
            ),
            item(
                3,
                HealthItemKind::Allergy,
                "Peanuts",
                "Anaphylaxis; adrenaline auto-injector in school office",
            ),
            item(
                4,
                HealthItemKind::Medicine,
                "Melatonin 2 mg",
                "At bedtime, for sleep onset",
            ),
        ],
        gp_practice: s("Mill Lane Surgery"),
        health_care_plan: Some(true),
        health_provision: s(
            "Individual health care plan for anaphylaxis; annual paediatric review.",
        ),
    };
    amira.communication = Communication {
        profile: s(
            "Fluent speech; difficulties with inference, turn-taking and reading others' intentions.",
        ),
        slt_advice: s(
            "Use social stories for new situations; check understanding by asking Mira to show, not tell.",
        ),
        targets: s(
            "Join a structured game with two peers for 10 minutes; ask an adult for help using her help card.",
        ),
        aac: None,
    };
    amira.sensory_physical = SensoryPhysical {
        ot_summary: s("Sensory profile shows auditory over-responsiveness and seeking movement."),
        physio_summary: None,
        hearing: s("Normal hearing (audiology 2023)"),
        vision: s("Normal vision"),
        equipment: s("Ear defenders; wobble cushion; writing slope"),
    };
    amira.mental_health = MentalHealth {
        camhs_status: Some(CamhsStatus::Waiting),
        referred_on: Some(ago(0, 5)),
        involvement_summary: s(
            "Referred by the GP for anxiety and food restriction at school; on the waiting list for assessment.",
        ),
    };
    amira.social_care = SocialCare {
        needs: s("Parents report exhaustion from broken nights; no safeguarding concerns."),
        family_support: s("Early help family support worker, fortnightly visits."),
        short_breaks: s("Saturday club for autistic children, two sessions a month."),
        provision: s("Short breaks under section 17 (H2)."),
    };
    amira.involvements = vec![
        involvement(
            3,
            SCHOOL,
            AgencyKind::School,
            "Mrs Patel",
            "SENCO",
            ago(3, 0),
        ),
        involvement(
            4,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(2, 0),
        ),
        involvement(
            5,
            CAMHS,
            AgencyKind::Camhs,
            "Dr Morgan",
            "Clinical psychologist (waiting list)",
            ago(0, 5),
        ),
        involvement(
            6,
            EP,
            AgencyKind::Ep,
            "Dr Lewis",
            "Educational psychologist",
            ago(1, 7),
        ),
        involvement(
            7,
            LA_SEND,
            AgencyKind::LaSend,
            "Tom Reid",
            "SEND case officer",
            ago(1, 8),
        ),
        involvement(
            8,
            HEALTH,
            AgencyKind::Health,
            "Dr Adeyemi",
            "Community paediatrician",
            ago(3, 2),
        ),
    ];
    out.push(amira);

    // Jayden, 15: Year 10/11, SEMH, suspensions, social care and youth justice.
    let mut jayden = ChildRecord::new(
        JAYDEN,
        Some("demo-person-jayden-clarke".into()),
        Identity {
            given_name: "Jayden".into(),
            family_name: "Clarke".into(),
            preferred_name: s("JJ"),
            date_of_birth: ago(15, 9),
            nhs_number: test_nhs(3003),
            upn: test_upn(302),
            address_line: s("27 Castle Street"),
            town: s("Northshire"),
            postcode: s("NS3 1JD"),
            home_language: s("English"),
            communication_needs: None,
        },
    );
    jayden.family = vec![
        member(
            6,
            "Leanne Clarke",
            Relationship::Mother,
            true,
            Some("demo-person-leanne-clarke"),
            Some("leanne@example.org"),
        ),
        member(
            7,
            "Northshire Council",
            Relationship::LocalAuthority,
            false,
            None,
            None,
        ),
    ];
    jayden.all_about_me = AllAboutMe {
        what_matters: s("Football, my little sister, and not being treated like I'm stupid."),
        how_to_support: s("Talk to me on my own, not in front of the class. Give me a job to do."),
        aspirations: s("I want to do a mechanics course at college and get my CSCS card."),
        history: s(
            "Moved schools twice. Things at home were hard for a while. I'm doing better since I started at the alternative provision two days a week.",
        ),
    };
    jayden.education = Education {
        setting_name: s("Northshire Academy"),
        setting_urn: s("654321"),
        setting_phase: Some(SettingPhase::Secondary),
        year_group: s("Year 11"),
        sen_support_plan: s(
            "Part-time alternative provision (motor vehicle) two days a week; mentor sessions.",
        ),
        attendance_percent: Some(72.4),
        attainment_summary: s("Predicted grade 4 in maths, grade 3 in English."),
        suspensions_this_year: Some(3),
        permanently_excluded: Some(false),
    };
    jayden.sen_needs = SenNeeds {
        provision: Some(SenProvision::SenSupport),
        ehc_plan_status: Some(EhcPlanStatus::Assessing),
        ehc_plan_issued_on: None,
        needs: vec![
            SenNeed {
                code: NeedCode::Semh,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Spld,
                rank: 2,
            },
        ],
        outcomes: s("Jayden will move to a college course with a plan that keeps him in learning."),
        special_educational_provision: s("Mentoring, reader for exams, access to a time-out pass."),
    };
    jayden.psychology = Psychology {
        assessed_on: Some(ago(0, 2)),
        assessment_summary: s("Dyslexic profile; strengths in visual-spatial reasoning."),
        advice: s("Exam access arrangements (reader, extra time); practical, hands-on learning."),
    };
    jayden.mental_health = MentalHealth {
        camhs_status: Some(CamhsStatus::Open),
        referred_on: Some(ago(1, 0)),
        involvement_summary: s("Seen by CAMHS for low mood and anger; fortnightly sessions."),
    };
    jayden.social_care = SocialCare {
        needs: s("Child in need plan; support for mum with housing."),
        family_support: s("Allocated social worker; family group conference held."),
        short_breaks: None,
        provision: s("Child in need plan reviewed every 3 months."),
    };
    jayden.restricted = vec![
        RestrictedItem {
            id: id(0x601),
            kind: RestrictedKind::ChildInNeed,
            summary: "Child in need plan since last year; see social care record.".into(),
            since: Some(ago(1, 1)),
            until: None,
        },
        RestrictedItem {
            id: id(0x602),
            kind: RestrictedKind::YouthJusticeOrder,
            summary: "Referral order, 6 months, for criminal damage.".into(),
            since: Some(ago(0, 4)),
            until: Some(today + Duration::days(60)),
        },
    ];
    jayden.involvements = vec![
        involvement(
            9,
            SOCIAL_CARE,
            AgencyKind::SocialCare,
            "Kelly Brown",
            "Social worker",
            ago(1, 1),
        ),
        involvement(
            10,
            YOUTH_JUSTICE,
            AgencyKind::YouthJustice,
            "Marcus Hall",
            "Youth justice worker",
            ago(0, 4),
        ),
        involvement(
            11,
            CAMHS,
            AgencyKind::Camhs,
            "Dr Morgan",
            "Clinical psychologist",
            ago(1, 0),
        ),
        involvement(
            12,
            EP,
            AgencyKind::Ep,
            "Dr Lewis",
            "Educational psychologist",
            ago(0, 2),
        ),
    ];
    out.push(jayden);

    // Chloe, 17: college, cerebral palsy, her own consent, preparing for adulthood.
    let mut chloe = ChildRecord::new(
        CHLOE,
        Some(YOUNG_PERSON.into()),
        Identity {
            given_name: "Chloe".into(),
            family_name: "Evans".into(),
            preferred_name: None,
            date_of_birth: ago(17, 4),
            nhs_number: test_nhs(4004),
            upn: test_upn(403),
            address_line: s("8 Orchard Way"),
            town: s("Northshire"),
            postcode: s("NS4 9LP"),
            home_language: s("Welsh and English"),
            communication_needs: s("Uses an eye-gaze communication device; allow extra time"),
        },
    );
    chloe.family = vec![member(
        8,
        "Rhian Evans",
        Relationship::Mother,
        true,
        Some("demo-person-rhian-evans"),
        Some("rhian@example.org"),
    )];
    chloe.all_about_me = AllAboutMe {
        what_matters: s("Music, my friends at college, and being asked, not told."),
        how_to_support: s("Talk to me, not my mum. Wait for me to answer on my device."),
        aspirations: s("I want to live in my own flat with support and work in a radio station."),
        history: s("I have cerebral palsy. I moved from a special school to college last year."),
    };
    chloe.education = Education {
        setting_name: s("Northgate Sixth Form College"),
        setting_urn: s("130987"),
        setting_phase: Some(SettingPhase::PostSixteen),
        year_group: s("Year 13"),
        sen_support_plan: None,
        attendance_percent: Some(95.0),
        attainment_summary: s("Level 2 Creative Media, on track for merit."),
        suspensions_this_year: Some(0),
        permanently_excluded: Some(false),
    };
    chloe.sen_needs = SenNeeds {
        provision: Some(SenProvision::EhcPlan),
        ehc_plan_status: Some(EhcPlanStatus::Final),
        ehc_plan_issued_on: Some(ago(6, 0)),
        needs: vec![
            SenNeed {
                code: NeedCode::Pd,
                rank: 1,
            },
            SenNeed {
                code: NeedCode::Slcn,
                rank: 2,
            },
        ],
        outcomes: s(
            "Chloe will travel to college independently with a personal assistant and plan her own week.",
        ),
        special_educational_provision: s(
            "1:1 learning support assistant; assistive technology; SLT and OT in college.",
        ),
    };
    chloe.physical_health = PhysicalHealth {
        items: vec![
            item(
                5,
                HealthItemKind::Condition,
                "Cerebral palsy (spastic quadriplegia)",
                "GMFCS level IV",
            ),
            item(
                6,
                HealthItemKind::Medicine,
                "Baclofen 10 mg",
                "Three times a day",
            ),
        ],
        gp_practice: s("Orchard Health Centre"),
        health_care_plan: Some(true),
        health_provision: s(
            "Physiotherapy programme; postural management; annual neurology review.",
        ),
    };
    chloe.communication = Communication {
        profile: s(
            "Understands complex language; communicates with eye gaze and facial expression.",
        ),
        slt_advice: s("Keep the device charged and vocabulary updated for college subjects."),
        targets: s("Use her device to lead a planning meeting."),
        aac: s("Eye-gaze speech-generating device"),
    };
    chloe.sensory_physical = SensoryPhysical {
        ot_summary: s("Needs a hoist for transfers; powered wheelchair user."),
        physio_summary: s("Daily stretches; standing frame 30 minutes a day."),
        hearing: s("Normal"),
        vision: s("Wears glasses for distance"),
        equipment: s("Powered wheelchair, hoist, standing frame, eye-gaze device"),
    };
    chloe.social_care = SocialCare {
        needs: s("Needs support with personal care and getting out in the community."),
        family_support: None,
        short_breaks: s("Overnight short breaks one weekend a month."),
        provision: s(
            "Personal assistant 10 hours a week via direct payment; transition to adult social care starting.",
        ),
    };
    chloe.preparing_for_adulthood = PreparingForAdulthood {
        employment: s("Supported internship in community radio from next September."),
        independent_living: s("Exploring supported living; travel training with her PA."),
        community: s("Inclusive drama group on Thursdays; wants to join a choir."),
        health: s("Transition from children's to adult neurology and physiotherapy."),
    };
    chloe.involvements = vec![
        involvement(
            13,
            COLLEGE,
            AgencyKind::School,
            "Ms Rowe",
            "Additional learning support manager",
            ago(1, 2),
        ),
        involvement(
            14,
            OT,
            AgencyKind::Ot,
            "Ben Carter",
            "Occupational therapist",
            ago(5, 0),
        ),
        involvement(
            15,
            SLT,
            AgencyKind::Slt,
            "Priya Shah",
            "Speech and language therapist",
            ago(8, 0),
        ),
        involvement(
            16,
            HEALTH,
            AgencyKind::Health,
            "Dr Adeyemi",
            "Community paediatrician",
            ago(12, 0),
        ),
        involvement(
            17,
            SOCIAL_CARE,
            AgencyKind::SocialCare,
            "Kelly Brown",
            "Transitions social worker",
            ago(0, 8),
        ),
    ];
    out.push(chloe);
    out
}

/// A grant in the demo, `days` old.
#[allow(clippy::too_many_arguments)]
fn demo_grant(
    n: u128,
    child_id: Uuid,
    grantor: &str,
    capacity: GrantorCapacity,
    recipient: Recipient,
    scopes: &[Scope],
    purposes: &[Purpose],
    now: DateTime<Utc>,
    days: i64,
) -> Grant {
    Grant {
        id: id(0x700 + n),
        child_id,
        grantor_person_id: grantor.to_owned(),
        capacity,
        recipient,
        scopes: scopes.iter().copied().collect(),
        purposes: purposes.iter().copied().collect(),
        valid_from: now - Duration::days(days),
        valid_until: None,
        method: CaptureMethod::Digital,
        recorded_by: None,
        recorded_at: now - Duration::days(days),
        withdrawal: None,
        confirmed_at: None,
    }
}

/// The demo families' consent: some scopes granted, some not, one grant
/// withdrawn, one expired, one recorded from a phone call, and a parent's
/// grant waiting for a young person to review.
pub fn grants(now: DateTime<Utc>) -> Vec<Grant> {
    use Purpose::{AnnualReview, DirectSupport, EhcAssessment};
    use Scope::*;
    let pr = GrantorCapacity::ParentalResponsibility;
    let mut out = vec![
        // Amira: her school reads what it needs to teach her.
        demo_grant(
            1,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Agency(SCHOOL),
            &[
                AllAboutMe,
                Education,
                SenNeeds,
                Communication,
                PhysicalHealth,
                Family,
            ],
            &[DirectSupport, AnnualReview],
            now,
            200,
        ),
        // ... CAMHS reads her mental health and her own words.
        demo_grant(
            2,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Kind(AgencyKind::Camhs),
            &[MentalHealth, AllAboutMe, PhysicalHealth],
            &[DirectSupport, EhcAssessment],
            now,
            150,
        ),
        // ... educational psychology, for her assessments.
        demo_grant(
            3,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Kind(AgencyKind::Ep),
            &[Psychology, Education, SenNeeds, AllAboutMe],
            &[DirectSupport, EhcAssessment, AnnualReview],
            now,
            400,
        ),
        // ... speech and language therapy, since withdrawn (below).
        demo_grant(
            4,
            AMIRA,
            PARENT_PERSON,
            pr,
            Recipient::Agency(SLT),
            &[Communication, AllAboutMe, Education],
            &[DirectSupport],
            now,
            300,
        ),
        // Jayden: CAMHS had a six-month grant that has expired.
        demo_grant(
            5,
            JAYDEN,
            "demo-person-leanne-clarke",
            pr,
            Recipient::Kind(AgencyKind::Camhs),
            &[MentalHealth, AllAboutMe],
            &[DirectSupport],
            now,
            250,
        ),
        // ... youth justice may read his education and needs.
        demo_grant(
            6,
            JAYDEN,
            "demo-person-leanne-clarke",
            pr,
            Recipient::Kind(AgencyKind::YouthJustice),
            &[Education, SenNeeds, AllAboutMe],
            &[DirectSupport],
            now,
            90,
        ),
        // Poppy: her mum agreed on the phone that SLT may read her communication profile.
        demo_grant(
            7,
            POPPY,
            "demo-person-grace-okafor",
            pr,
            Recipient::Kind(AgencyKind::Slt),
            &[Communication, AllAboutMe, Education],
            &[DirectSupport, AnnualReview],
            now,
            60,
        ),
        // Chloe (17): her own grants to her college and to social care.
        demo_grant(
            8,
            CHLOE,
            YOUNG_PERSON,
            GrantorCapacity::YoungPerson,
            Recipient::Agency(COLLEGE),
            &[
                AllAboutMe,
                Education,
                SenNeeds,
                Communication,
                PreparingForAdulthood,
            ],
            &[DirectSupport, AnnualReview],
            now,
            30,
        ),
        demo_grant(
            9,
            CHLOE,
            YOUNG_PERSON,
            GrantorCapacity::YoungPerson,
            Recipient::Kind(AgencyKind::SocialCare),
            &[SocialCare, PreparingForAdulthood, AllAboutMe],
            &[DirectSupport],
            now,
            20,
        ),
        // ... and one her mother made before she turned 16, waiting for her review.
        demo_grant(
            10,
            CHLOE,
            "demo-person-rhian-evans",
            pr,
            Recipient::Kind(AgencyKind::Ot),
            &[SensoryPhysical, PhysicalHealth, AllAboutMe],
            &[DirectSupport, AnnualReview],
            now,
            900,
        ),
    ];
    out[3].withdrawal = Some(Withdrawal {
        id: id(0x7a4),
        at: now - Duration::days(10),
        by_person_id: PARENT_PERSON.to_owned(),
        capacity: pr,
        reason: Some("We have moved to a private speech therapist.".to_owned()),
        method: CaptureMethod::Digital,
        recorded_by: None,
    });
    out[4].valid_until = Some(now - Duration::days(70));
    out[6].method = CaptureMethod::Verbal;
    out[6].recorded_by = Some("demo-slt".to_owned());
    out
}

/// Loads the demo unless it is already there. Returns true if it was loaded.
///
/// Demo data is loaded as seed data, not as anyone's action: it leaves no
/// trace entries.
pub async fn load(store: &Store, today: NaiveDate) -> Result<bool> {
    store.ensure_default_agreement().await?;
    let tx = store.traced().await?;
    for agency in agencies() {
        tx.upsert_agency(&agency).await?;
    }
    let mut loaded = false;
    let now = Utc::now();
    let grants = grants(now);
    for child in children(today) {
        if !store.child_exists(child.id).await? {
            tx.insert_record(&child, "demo").await?;
            for grant in grants.iter().filter(|g| g.child_id == child.id) {
                tx.insert_grant(grant).await?;
                if let Some(w) = &grant.withdrawal {
                    tx.insert_withdrawal(grant.child_id, grant.id, w).await?;
                }
            }
            if child.id == JAYDEN {
                load_assessment(&tx, today, now).await?;
            }
            loaded = true;
        }
    }
    tx.commit(Vec::new()).await?;
    Ok(loaded)
}

#[allow(clippy::too_many_arguments)]
fn demo_contribution(
    n: u128,
    scope: Scope,
    agency: (Uuid, AgencyKind),
    author: &str,
    title: &str,
    needs: &str,
    provision: &str,
    at: DateTime<Utc>,
) -> Contribution {
    Contribution {
        id: id(0x800 + n),
        child_id: JAYDEN,
        scope,
        agency_id: agency.0,
        agency_kind: agency.1,
        author: author.to_owned(),
        kind: ContributionKind::Advice,
        title: title.to_owned(),
        needs: s(needs),
        outcomes: None,
        provision: s(provision),
        notes: None,
        supersedes: None,
        created_at: at,
    }
}

/// Jayden's EHC needs assessment, in progress: requested 15 weeks ago,
/// decided at week 5; the educational psychologist's advice from earlier this
/// year was reused (author and family agreed it still stands), social care
/// answered, and CAMHS's advice is overdue.
async fn load_assessment(
    tx: &crate::db::TracedTxn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    use domain::ehc::{
        AdviceAnswerMode, AdviceRequest, Assessment, AssessmentEvent, AssessmentEventKind,
        weeks_after,
    };
    let requested = today - Duration::weeks(15);
    let at = |d: NaiveDate| d.and_hms_opt(10, 0, 0).map_or(now, |t| t.and_utc());
    let ep_advice = demo_contribution(
        1,
        Scope::Psychology,
        (EP, AgencyKind::Ep),
        "demo-ep",
        "Educational psychology advice",
        "Dyslexic profile; low self-esteem about learning; strengths in practical and visual tasks.",
        "Reader and extra time in exams; structured literacy programme three times a week; mentor check-ins.",
        at(today - Duration::weeks(20)),
    );
    let sc_advice = demo_contribution(
        2,
        Scope::SocialCare,
        (SOCIAL_CARE, AgencyKind::SocialCare),
        "demo-social-worker",
        "Social care advice for the EHC needs assessment",
        "Child in need plan; family under housing pressure.",
        "Continue the child in need plan; family support worker fortnightly; review at the next CIN meeting.",
        at(weeks_after(requested, 9)),
    );
    tx.insert_contribution(&ep_advice).await?;
    tx.insert_contribution(&sc_advice).await?;
    let assessment = Assessment {
        id: id(0x900),
        child_id: JAYDEN,
        request_received_on: requested,
        events: Vec::new(),
        advice: Vec::new(),
    };
    tx.insert_assessment(&assessment, "demo-case-officer", at(requested))
        .await?;
    let decided = AssessmentEvent {
        id: id(0x901),
        kind: AssessmentEventKind::DecidedToAssess,
        on: weeks_after(requested, 5),
        exception: None,
        note: None,
    };
    tx.insert_assessment_event(
        JAYDEN,
        assessment.id,
        &decided,
        "demo-case-officer",
        at(decided.on),
    )
    .await?;
    let asked = weeks_after(requested, 5);
    let request = |n: u128, agency: Uuid, scope: Scope, asked_on: NaiveDate| AdviceRequest {
        id: id(0x910 + n),
        agency_id: agency,
        scope,
        asked_on,
        due_on: weeks_after(asked_on, 6),
        answer: None,
    };
    let to_ep = request(1, EP, Scope::Psychology, asked);
    let to_sc = request(2, SOCIAL_CARE, Scope::SocialCare, asked);
    let to_camhs = request(3, CAMHS, Scope::MentalHealth, weeks_after(requested, 6));
    for r in [&to_ep, &to_sc, &to_camhs] {
        tx.insert_advice_request(JAYDEN, assessment.id, r, "demo-case-officer")
            .await?;
    }
    tx.insert_advice_answer(
        JAYDEN,
        to_ep.id,
        ep_advice.id,
        AdviceAnswerMode::Reused,
        true,
        true,
        asked + Duration::days(3),
        "demo-case-officer",
    )
    .await?;
    tx.insert_advice_answer(
        JAYDEN,
        to_sc.id,
        sc_advice.id,
        AdviceAnswerMode::Submitted,
        true,
        false,
        weeks_after(requested, 9),
        "demo-social-worker",
    )
    .await?;
    Ok(())
}

/// The lines `serve --demo` prints: a token and a curl command per persona.
pub fn banner(base_url: &str, jwt: &JwtSettings) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "\ntellonce demo is ready at {base_url}/graphql (tokens valid 8 hours, signed with a secret made for this run)\n"
    )?;
    writeln!(
        out,
        "Children: Poppy Okafor (3) {POPPY}, Amira Khan (9) {AMIRA}, Jayden Clarke (15) {JAYDEN}, Chloe Evans (17) {CHLOE}\n"
    )?;
    for persona in personas() {
        let token = sign_token(&persona, jwt, Duration::hours(8))?;
        let query = match persona.person_id {
            Some(_) => "{ me { children { id identity { givenName familyName } allAboutMe { whatMatters } } } }".to_owned(),
            None if persona.roles.iter().any(|r| r.is_ig()) => "{ me { subject roles } agencies { name kind } }".to_owned(),
            None => format!("{{ child(id: \\\"{AMIRA}\\\") {{ identity {{ givenName familyName dateOfBirth }} access {{ scope allowed explanation }} }} }}"),
        };
        writeln!(out, "== {} — {}", persona.name, persona.description)?;
        writeln!(out, "TOKEN={token}")?;
        writeln!(
            out,
            "curl -s {base_url}/graphql -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -H 'X-Purpose-Of-Use: DIRECT_SUPPORT' -d '{{\"query\":\"{query}\"}}'\n"
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(personas().len(), 13);
    }
}

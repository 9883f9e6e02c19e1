//! A seeded, deterministic generator of a believable collaborative of schools.
//!
//! The demo collaborative has a primary (~300 pupils), a secondary (~1,200 pupils in three
//! "villages", vertical tutor groups, ability sets across Years 7–9, a sixth form) and a
//! special school (~120 pupils on a five-term year); families with shared and separated
//! parents, step-parents and carers, siblings across schools; staff of every kind; and one
//! term of attendance, behaviour, recognition and assessment history, with some pupils
//! disengaging. The same generator scales to a local authority (`schools: Some(100)`,
//! about 100,000 learners) for benchmarks.
//!
//! The same seed always gives the same data, so tests and benchmarks can name people.

mod long_plan;
mod names;
mod plans;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timetable;
mod timetable_demo;

pub use long_plan::{write_long_plan, LongPlan};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};
use village_domain::calendar::AcademicYear;
use village_domain::org::{GroupKind, OrgKind, Phase};
use village_domain::person::Role;
use village_domain::relationship::RelationshipKind as K;
use village_store::{BulkValue as V, BulkWriter, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds data; the demo is generated only into an empty one")]
    NotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("calendar: {0}")]
    Calendar(String),
    #[error("timetable: {0}")]
    Timetable(String),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    /// `None`: the demo collaborative of three schools. `Some(n)`: a local authority of `n`
    /// schools in collaboratives of 25.
    pub schools: Option<u32>,
    /// Generate attendance, behaviour and assessment history up to yesterday.
    pub history: bool,
    pub today: Date,
    pub now: Timestamp,
    /// The Argon2 hash every generated account gets (the demo password).
    pub password_hash: String,
}

/// One sign-in per role, printed by `village demo`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Showcase {
    pub role: &'static str,
    pub username: &'static str,
    pub who: String,
}

/// A generated person a load test can sign in as, with a learner they may see.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Persona {
    /// `pupil`, `parent` or `tutor`.
    pub role: &'static str,
    pub username: String,
    /// The pupil themself, a parent's child, or a tutee.
    pub learner: i64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    /// Up to a few hundred sign-ins per role, spread over all schools.
    pub personas: Vec<Persona>,
    pub collaboratives: u32,
    pub schools: u32,
    pub learners: u64,
    pub staff: u64,
    pub guardians: u64,
    pub rows: u64,
    pub showcase: Vec<Showcase>,
}

#[derive(Default)]
struct Ids {
    org: i64,
    person: i64,
    consent: i64,
    role: i64,
    group: i64,
    member: i64,
    teacher: i64,
    rel: i64,
    term: i64,
    inset: i64,
    mark: i64,
    behaviour: i64,
    assessment: i64,
    note: i64,
    mentor_session: i64,
    contact: i64,
    peer_programme: i64,
    peer_pair: i64,
    peer_training: i64,
    peer_session: i64,
    challenge: i64,
    challenge_choice: i64,
    meeting: i64,
    ladder: i64,
    rung: i64,
    judgement: i64,
    target: i64,
    plan: i64,
    plan_version: i64,
    agreement: i64,
    evidence: i64,
    evidence_target: i64,
    review_round: i64,
    review_slot: i64,
}

fn next(n: &mut i64) -> i64 {
    *n += 1;
    *n
}

#[derive(Clone)]
struct LearnerGen {
    id: i64,
    school: i64,
    phase: Phase,
    year: u8,
    family: String,
    /// 0..1, drives sets and assessment results.
    ability: f64,
    /// Base chance of being present in a session.
    attendance: f64,
    disengaging: bool,
    sen: &'static str,
}

struct SchoolGen {
    id: i64,
    collaborative: i64,
    phase: Phase,
    calendar: AcademicYear,
    learners: Vec<LearnerGen>,
    teachers: Vec<i64>,
    assistants: Vec<i64>,
    leader: i64,
    dsl: i64,
    key_workers: Vec<i64>,
    mentors: Vec<i64>,
    volunteers: Vec<i64>,
    tutor_of: HashMap<i64, i64>,
    mentor_of: HashMap<i64, i64>,
    maths_teacher_of: HashMap<i64, i64>,
}

struct Gen<'a> {
    rng: ChaCha8Rng,
    w: BulkWriter<'a>,
    ids: Ids,
    start: i64,
    opts: DemoOptions,
    summary: DemoSummary,
    /// Every person who gets an account: (id, org, given, family).
    accounts: Vec<(i64, i64, String, String)>,
    aliases: HashMap<i64, &'static str>,
    /// (role, person, learner) picked for load tests; usernames are known only at the end.
    persona_picks: Vec<(&'static str, i64, i64)>,
    /// The first reading pair of the demo secondary: (tutor, tutee), given sign-ins.
    peer_showcase: Option<(i64, i64)>,
    /// Personal challenge start, end and open day.
    challenge_dates: (String, String, String),
    /// A parent with responsibility for each learner (the first one made).
    guardian_of: HashMap<i64, i64>,
    /// Every teaching group as the timetable sees it, by group id: (school, group).
    group_facts: BTreeMap<i64, (i64, timetable::GroupFact)>,
}

const ORG_COLS: &[&str] = &[
    "id",
    "org_id",
    "kind",
    "name",
    "parent_id",
    "phase",
    "require_staff_mfa",
    "created_at",
];
const PERSON_COLS: &[&str] = &["id", "org_id", "given_name", "family_name", "created_at"];
const ROLE_COLS: &[&str] = &[
    "id",
    "org_id",
    "person_id",
    "role",
    "starts_at",
    "ends_at",
    "created_by",
];
const LEARNER_COLS: &[&str] = &[
    "person_id",
    "org_id",
    "unit_id",
    "date_of_birth",
    "year_group",
    "sen_status",
    "shares_with_collaborative",
];
const GROUP_COLS: &[&str] = &["id", "org_id", "unit_id", "kind", "name", "subject"];
const MEMBER_COLS: &[&str] = &[
    "id",
    "org_id",
    "group_id",
    "learner_id",
    "starts_at",
    "ends_at",
];
const TEACH_COLS: &[&str] = &[
    "id",
    "org_id",
    "group_id",
    "person_id",
    "starts_at",
    "ends_at",
    "created_by",
];
const REL_COLS: &[&str] = &[
    "id",
    "org_id",
    "person_id",
    "learner_id",
    "kind",
    "parental_responsibility",
    "title",
    "starts_at",
    "ends_at",
    "created_by",
    "created_at",
];
const MARK_COLS: &[&str] = &[
    "id",
    "org_id",
    "learner_id",
    "day",
    "part",
    "mark",
    "recorded_by",
    "recorded_at",
];
const BEHAVIOUR_COLS: &[&str] = &[
    "id",
    "org_id",
    "learner_id",
    "day",
    "kind",
    "note",
    "recorded_by",
    "recorded_at",
];
const ASSESS_COLS: &[&str] = &[
    "id",
    "org_id",
    "learner_id",
    "subject",
    "day",
    "result",
    "score",
    "recorded_by",
];
const NOTE_COLS: &[&str] = &[
    "id",
    "org_id",
    "learner_id",
    "kind",
    "body",
    "written_by",
    "written_at",
];
const CONSENT_COLS: &[&str] = &[
    "id",
    "org_id",
    "learner_id",
    "kind",
    "given_by",
    "given_at",
    "withdrawn_at",
];

/// Generates the demo (or a local authority) into an empty store.
pub async fn generate(store: &Store, opts: DemoOptions) -> Result<DemoSummary, DemoError> {
    if !store.is_empty().await? {
        return Err(DemoError::NotEmpty);
    }
    let year_start_year = if opts.today.month() >= 8 {
        opts.today.year()
    } else {
        opts.today.year() - 1
    };
    let start = Date::new(year_start_year, 8, 31)
        .map_err(|e| DemoError::Calendar(e.to_string()))?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| DemoError::Calendar(e.to_string()))?
        .timestamp()
        .as_second();
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        w: BulkWriter::new(store),
        ids: Ids::default(),
        start,
        opts: opts.clone(),
        summary: DemoSummary::default(),
        accounts: Vec::new(),
        aliases: HashMap::new(),
        persona_picks: Vec::new(),
        peer_showcase: None,
        challenge_dates: Default::default(),
        guardian_of: HashMap::new(),
        group_facts: BTreeMap::new(),
    };
    let mut timetable_todo = None;
    match opts.schools {
        None => {
            let collab = g.org(
                OrgKind::Collaborative,
                "Riverside Learning Trust",
                None,
                None,
            );
            g.summary.collaboratives = 1;
            let primary = g.school(
                collab,
                Phase::Primary,
                "Brookside Primary School",
                300,
                year_start_year,
            )?;
            let secondary = g.school(
                collab,
                Phase::Secondary,
                "Riverside Academy",
                1200,
                year_start_year,
            )?;
            let special = g.school(
                collab,
                Phase::Special,
                "Meadow View School",
                120,
                year_start_year,
            )?;
            let schools = vec![primary, secondary, special];
            g.showcase(&schools);
            g.families(&schools);
            g.finish_schools(&schools).await?;
            timetable_todo = schools
                .get(1)
                .map(|s| g.timetable_inputs(s, "Brookside Primary School"));
        }
        Some(n) => {
            let mut collab = 0;
            let mut batch = Vec::new();
            for i in 0..n {
                if i % 25 == 0 {
                    if !batch.is_empty() {
                        g.families(&batch);
                        g.finish_schools(&batch).await?;
                        batch.clear();
                    }
                    collab = g.org(
                        OrgKind::Collaborative,
                        &format!("Learning Community {}", i / 25 + 1),
                        None,
                        None,
                    );
                    g.summary.collaboratives += 1;
                }
                let (phase, size, list) = match i % 20 {
                    19 => (Phase::Special, 120, names::SPECIAL_NAMES),
                    k if k % 2 == 0 => (Phase::Primary, 420, names::PRIMARY_NAMES),
                    _ => (Phase::Secondary, 1650, names::SECONDARY_NAMES),
                };
                let base = list
                    .get(i as usize % list.len())
                    .copied()
                    .unwrap_or("School");
                let name = format!("{base} ({})", i + 1);
                let s = g.school(collab, phase, &name, size, year_start_year)?;
                batch.push(s);
            }
            if !batch.is_empty() {
                g.families(&batch);
                g.finish_schools(&batch).await?;
            }
        }
    }
    g.write_accounts();
    g.w.flush().await?;
    store.reset_id_sequences().await?;
    g.summary.rows = g.w.rows_written;
    if let Some(todo) = timetable_todo {
        timetable_demo::publish_demo_timetable(store, &todo, &opts).await?;
    }
    Ok(g.summary)
}

impl Gen<'_> {
    /// What the timetable of a secondary school is built from: its pupils, staff and
    /// teaching groups as generated.
    fn timetable_inputs(&self, s: &SchoolGen, partner: &str) -> timetable_demo::DemoTimetable {
        timetable_demo::DemoTimetable {
            school: s.id,
            collaborative: s.collaborative,
            leader: s.leader,
            partner_school: partner.to_string(),
            first_day: s.calendar.terms.first().map(|t| t.first_day),
            pupils: s
                .learners
                .iter()
                .map(|l| timetable::PupilFact {
                    id: l.id,
                    year: l.year,
                    ability: l.ability,
                })
                .collect(),
            teachers: s.teachers.clone(),
            assistants: s.assistants.clone(),
            community_teachers: s.volunteers.clone(),
            groups: self
                .group_facts
                .values()
                .filter(|(school, g)| *school == s.id && g.teacher != 0)
                .map(|(_, g)| g.clone())
                .collect(),
            seed: self.opts.seed,
        }
    }

    fn pick<'b>(&mut self, list: &'b [&'b str]) -> &'b str {
        list.choose(&mut self.rng).copied().unwrap_or("Sam")
    }

    fn org(&mut self, kind: OrgKind, name: &str, parent: Option<i64>, phase: Option<Phase>) -> i64 {
        let id = next(&mut self.ids.org);
        // The demo lets newcomers try staff pages without an authenticator app; real
        // schools are created with two-factor sign-in required for staff.
        self.w.row(
            "orgs",
            ORG_COLS,
            vec![
                id.into(),
                parent.unwrap_or(id).into(),
                kind.as_str().into(),
                name.into(),
                parent.into(),
                phase.map(|p| p.as_str()).into(),
                0.into(),
                self.start.into(),
            ],
        );
        id
    }

    fn person(&mut self, org: i64, given: &str, family: &str) -> i64 {
        let id = next(&mut self.ids.person);
        self.w.row(
            "people",
            PERSON_COLS,
            vec![
                id.into(),
                org.into(),
                given.into(),
                family.into(),
                self.start.into(),
            ],
        );
        self.accounts
            .push((id, org, given.to_string(), family.to_string()));
        id
    }

    fn named_adult(&mut self, org: i64, family: &str) -> i64 {
        let given = self.pick(names::ADULT_GIVEN);
        self.person(org, given, family)
    }

    fn adult(&mut self, org: i64) -> i64 {
        let given = self.pick(names::ADULT_GIVEN);
        let family = self.pick(names::FAMILY);
        self.person(org, given, family)
    }

    fn role(&mut self, org: i64, person: i64, role: Role) {
        let id = next(&mut self.ids.role);
        self.w.row(
            "roles",
            ROLE_COLS,
            vec![
                id.into(),
                org.into(),
                person.into(),
                role.as_str().into(),
                (self.start - 86_400 * 400).into(),
                V::NullInt,
                V::NullInt,
            ],
        );
    }

    fn staff(&mut self, school: i64, role: Role) -> i64 {
        let p = self.adult(school);
        self.role(school, p, role);
        self.summary.staff += 1;
        p
    }

    fn group(
        &mut self,
        school: i64,
        unit: Option<i64>,
        kind: GroupKind,
        name: &str,
        subject: Option<&str>,
    ) -> i64 {
        let id = next(&mut self.ids.group);
        self.w.row(
            "learning_groups",
            GROUP_COLS,
            vec![
                id.into(),
                school.into(),
                unit.into(),
                kind.as_str().into(),
                name.into(),
                subject.into(),
            ],
        );
        self.group_facts.insert(
            id,
            (
                school,
                timetable::GroupFact {
                    name: name.to_string(),
                    subject: subject.map(str::to_string),
                    kind: kind.as_str(),
                    teacher: 0,
                    members: Vec::new(),
                },
            ),
        );
        id
    }

    fn member(&mut self, school: i64, group: i64, learner: i64) {
        if let Some((_, g)) = self.group_facts.get_mut(&group) {
            g.members.push(learner);
        }
        let id = next(&mut self.ids.member);
        self.w.row(
            "group_members",
            MEMBER_COLS,
            vec![
                id.into(),
                school.into(),
                group.into(),
                learner.into(),
                self.start.into(),
                V::NullInt,
            ],
        );
    }

    fn teach(&mut self, school: i64, group: i64, person: i64) {
        if let Some((_, g)) = self.group_facts.get_mut(&group) {
            if g.teacher == 0 {
                g.teacher = person;
            }
        }
        let id = next(&mut self.ids.teacher);
        self.w.row(
            "group_teachers",
            TEACH_COLS,
            vec![
                id.into(),
                school.into(),
                group.into(),
                person.into(),
                self.start.into(),
                V::NullInt,
                V::NullInt,
            ],
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn rel(
        &mut self,
        org: i64,
        person: i64,
        learner: i64,
        kind: K,
        pr: bool,
        title: Option<&str>,
        starts: i64,
    ) {
        if kind == K::Guardian && pr {
            self.guardian_of.entry(learner).or_insert(person);
        }
        let id = next(&mut self.ids.rel);
        self.w.row(
            "relationships",
            REL_COLS,
            vec![
                id.into(),
                org.into(),
                person.into(),
                learner.into(),
                kind.as_str().into(),
                i64::from(pr).into(),
                title.into(),
                starts.into(),
                V::NullInt,
                V::NullInt,
                starts.into(),
            ],
        );
    }

    /// Builds one school: staff, learners, groups and the school-side relationships.
    fn school(
        &mut self,
        collab: i64,
        phase: Phase,
        name: &str,
        size: u32,
        year: i16,
    ) -> Result<SchoolGen, DemoError> {
        let id = self.org(OrgKind::School, name, Some(collab), Some(phase));
        self.summary.schools += 1;
        let calendar = match phase {
            Phase::Special => AcademicYear::five_terms(year),
            _ => AcademicYear::english_six_half_terms(year),
        }
        .map_err(|e| DemoError::Calendar(e.message))?;
        for t in &calendar.terms {
            let tid = next(&mut self.ids.term);
            self.w.row(
                "academic_terms",
                &[
                    "id",
                    "org_id",
                    "start_year",
                    "name",
                    "first_day",
                    "last_day",
                ],
                vec![
                    tid.into(),
                    id.into(),
                    i64::from(year).into(),
                    t.name.clone().into(),
                    t.first_day.to_string().into(),
                    t.last_day.to_string().into(),
                ],
            );
        }
        for d in &calendar.inset_days {
            let iid = next(&mut self.ids.inset);
            self.w.row(
                "inset_days",
                &["id", "org_id", "day"],
                vec![iid.into(), id.into(), d.to_string().into()],
            );
        }
        let years: Vec<u8> = match phase {
            Phase::Primary => (0..=6).collect(),
            Phase::Secondary => (7..=13).collect(),
            _ => (1..=13).collect(),
        };
        let per_year_weights: Vec<f64> = years
            .iter()
            .map(|y| {
                if phase == Phase::Secondary && *y >= 12 {
                    0.65
                } else {
                    1.0
                }
            })
            .collect();
        let total_w: f64 = per_year_weights.iter().sum();
        let leader = self.staff(id, Role::Leader);
        let dsl = self.staff(id, Role::Dsl);
        let teachers_n = (size / if phase == Phase::Special { 8 } else { 17 }).max(4);
        let teachers: Vec<i64> = (0..teachers_n)
            .map(|_| self.staff(id, Role::Teacher))
            .collect();
        let assistants_n = (size / if phase == Phase::Special { 8 } else { 60 }).max(2);
        let assistants: Vec<i64> = (0..assistants_n)
            .map(|_| self.staff(id, Role::TeachingAssistant))
            .collect();
        let key_workers: Vec<i64> = (0..(size / 500).max(1))
            .map(|_| self.staff(id, Role::KeyWorker))
            .collect();
        let volunteers: Vec<i64> = (0..(size / 200).max(2))
            .map(|_| self.staff(id, Role::CommunityTeacher))
            .collect();
        // Mentors: teachers cleared to mentor, plus a few adults from the community.
        let mut mentors = teachers.clone();
        for t in &teachers {
            self.role(id, *t, Role::Mentor);
        }
        for _ in 0..(size / 300).max(1) {
            mentors.push(self.staff(id, Role::Mentor));
        }
        // Room for everyone plus a quarter, so learners' choices can mostly be met.
        let capacity = (i64::from(size) * 5 / 4) / (mentors.len().max(1) as i64) + 1;
        for (i, m) in mentors.iter().enumerate() {
            let interest = names::INTERESTS
                .get(i % names::INTERESTS.len())
                .copied()
                .unwrap_or("reading");
            let about = names::MENTOR_ABOUT
                .get(i % names::MENTOR_ABOUT.len())
                .copied()
                .unwrap_or("I like helping people find what they enjoy.");
            self.w.row(
                "mentor_profiles",
                &["person_id", "org_id", "about", "interests", "capacity"],
                vec![
                    (*m).into(),
                    id.into(),
                    about.into(),
                    interest.into(),
                    capacity.into(),
                ],
            );
        }

        let mut units = Vec::new();
        if phase == Phase::Secondary {
            for h in names::HOUSES {
                units.push(self.org(OrgKind::Unit, h, Some(id), Some(phase)));
            }
        }

        let mut learners = Vec::new();
        for (i, y) in years.iter().enumerate() {
            let weight = per_year_weights.get(i).copied().unwrap_or(1.0);
            let n = (f64::from(size) * weight / total_w).round() as u32;
            for _ in 0..n {
                let given = self.pick(names::GIVEN);
                let family = self.pick(names::FAMILY).to_string();
                let lid = self.person(id, given, &family);
                self.role(id, lid, Role::Learner);
                let roll: f64 = self.rng.gen();
                let sen = if phase == Phase::Special || roll < 0.025 {
                    "ehc_plan"
                } else if roll < 0.16 {
                    "sen_support"
                } else {
                    "none"
                };
                let a: f64 = self.rng.gen();
                let (attendance, disengaging) = if a < 0.05 {
                    (0.95, true)
                } else if a < 0.15 {
                    (self.rng.gen_range(0.84..0.92), false)
                } else {
                    (self.rng.gen_range(0.93..0.995), false)
                };
                let dob = birth_date(&mut self.rng, year, *y);
                let unit = units.get(learners.len() % units.len().max(1)).copied();
                let shares = self.rng.gen_bool(0.6);
                self.w.row(
                    "learners",
                    LEARNER_COLS,
                    vec![
                        lid.into(),
                        id.into(),
                        unit.into(),
                        dob.into(),
                        i64::from(*y).into(),
                        sen.into(),
                        i64::from(shares).into(),
                    ],
                );
                learners.push(LearnerGen {
                    id: lid,
                    school: id,
                    phase,
                    year: *y,
                    family,
                    ability: self.rng.gen(),
                    attendance,
                    disengaging,
                    sen,
                });
                self.summary.learners += 1;
            }
        }
        let mut s = SchoolGen {
            id,
            collaborative: collab,
            phase,
            calendar,
            learners,
            teachers,
            assistants,
            leader,
            dsl,
            key_workers,
            mentors,
            volunteers,
            tutor_of: HashMap::new(),
            mentor_of: HashMap::new(),
            maths_teacher_of: HashMap::new(),
        };
        self.groups(&mut s, &units);
        self.support(&mut s);
        Ok(s)
    }

    fn groups(&mut self, s: &mut SchoolGen, units: &[i64]) {
        let id = s.id;
        let mut teacher_turn = 0usize;
        let mut next_teacher = |t: &[i64]| {
            teacher_turn += 1;
            t.get(teacher_turn % t.len().max(1)).copied().unwrap_or(0)
        };
        match s.phase {
            Phase::Secondary => {
                // Vertical tutor groups inside each village, Years 7–11; sixth form apart.
                for (ui, unit) in units.iter().enumerate() {
                    let mut members: Vec<usize> = s
                        .learners
                        .iter()
                        .enumerate()
                        .filter(|(i, l)| l.year <= 11 && i % units.len() == ui)
                        .map(|(i, _)| i)
                        .collect();
                    members.shuffle(&mut self.rng);
                    let house = names::HOUSES.get(ui).copied().unwrap_or("Village");
                    for (gi, chunk) in members.chunks(25).enumerate() {
                        let name = format!(
                            "{} tutor group {}",
                            house.trim_end_matches(" Village"),
                            gi + 1
                        );
                        let g = self.group(id, Some(*unit), GroupKind::TutorGroup, &name, None);
                        let tutor = next_teacher(&s.teachers);
                        for &li in chunk {
                            if let Some(l) = s.learners.get(li) {
                                let lid = l.id;
                                self.member(id, g, lid);
                                s.tutor_of.insert(lid, tutor);
                            }
                        }
                    }
                }
                let sixth: Vec<usize> = s
                    .learners
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.year >= 12)
                    .map(|(i, _)| i)
                    .collect();
                for (gi, chunk) in sixth.chunks(20).enumerate() {
                    let g = self.group(
                        id,
                        None,
                        GroupKind::TutorGroup,
                        &format!("Sixth form tutor group {}", gi + 1),
                        None,
                    );
                    let tutor = next_teacher(&s.teachers);
                    for &li in chunk {
                        if let Some(l) = s.learners.get(li) {
                            let lid = l.id;
                            self.member(id, g, lid);
                            s.tutor_of.insert(lid, tutor);
                        }
                    }
                }
                // Maths sets by ability across Years 7–9; English sets by ability per year.
                let mut ks3: Vec<(f64, i64)> = s
                    .learners
                    .iter()
                    .filter(|l| (7..=9).contains(&l.year))
                    .map(|l| (l.ability, l.id))
                    .collect();
                ks3.sort_by(|a, b| b.0.total_cmp(&a.0));
                for (si, chunk) in ks3.chunks(28).enumerate() {
                    let g = self.group(
                        id,
                        None,
                        GroupKind::Set,
                        &format!("Maths set {} (Years 7–9)", si + 1),
                        Some("Mathematics"),
                    );
                    let t = next_teacher(&s.teachers);
                    self.teach(id, g, t);
                    for (_, lid) in chunk {
                        self.member(id, g, *lid);
                        s.maths_teacher_of.insert(*lid, t);
                    }
                }
                for year in 7..=13u8 {
                    let mut cohort: Vec<(f64, i64)> = s
                        .learners
                        .iter()
                        .filter(|l| l.year == year)
                        .map(|l| (l.ability, l.id))
                        .collect();
                    cohort.sort_by(|a, b| b.0.total_cmp(&a.0));
                    if year <= 11 {
                        for (si, chunk) in cohort.chunks(28).enumerate() {
                            let g = self.group(
                                id,
                                None,
                                GroupKind::Set,
                                &format!("Year {year} English set {}", si + 1),
                                Some("English"),
                            );
                            let t = next_teacher(&s.teachers);
                            self.teach(id, g, t);
                            for (_, lid) in chunk {
                                self.member(id, g, *lid);
                            }
                        }
                        let mut mixed = cohort.clone();
                        mixed.shuffle(&mut self.rng);
                        for (ci, chunk) in mixed.chunks(28).enumerate() {
                            let g = self.group(
                                id,
                                None,
                                GroupKind::Class,
                                &format!("Year {year} Science {}", ci + 1),
                                Some("Science"),
                            );
                            let t = next_teacher(&s.teachers);
                            self.teach(id, g, t);
                            for (_, lid) in chunk {
                                self.member(id, g, *lid);
                            }
                        }
                        if year >= 10 {
                            for (si, chunk) in cohort.chunks(28).enumerate() {
                                let g = self.group(
                                    id,
                                    None,
                                    GroupKind::Set,
                                    &format!("Year {year} Maths set {}", si + 1),
                                    Some("Mathematics"),
                                );
                                let t = next_teacher(&s.teachers);
                                self.teach(id, g, t);
                                for (_, lid) in chunk {
                                    self.member(id, g, *lid);
                                    s.maths_teacher_of.insert(*lid, t);
                                }
                            }
                        }
                    } else {
                        // Sixth form: each student takes three subjects.
                        let mut classes: HashMap<&str, i64> = HashMap::new();
                        for (_, lid) in &cohort {
                            let mut subjects = names::SIXTH_FORM_SUBJECTS.to_vec();
                            subjects.shuffle(&mut self.rng);
                            for subject in subjects.into_iter().take(3) {
                                let g = match classes.get(subject) {
                                    Some(g) => *g,
                                    None => {
                                        let g = self.group(
                                            id,
                                            None,
                                            GroupKind::Class,
                                            &format!("Year {year} {subject}"),
                                            Some(subject),
                                        );
                                        let t = next_teacher(&s.teachers);
                                        self.teach(id, g, t);
                                        classes.insert(subject, g);
                                        g
                                    }
                                };
                                self.member(id, g, *lid);
                            }
                        }
                    }
                }
                // A community of interest led by older pupils.
                let g = self.group(
                    id,
                    None,
                    GroupKind::Community,
                    "Robotics club",
                    Some("Computing"),
                );
                if let Some(v) = s.volunteers.first().copied() {
                    self.teach(id, g, v);
                }
                let members: Vec<i64> = s
                    .learners
                    .iter()
                    .filter(|l| l.ability > 0.8)
                    .take(24)
                    .map(|l| l.id)
                    .collect();
                for lid in members {
                    self.member(id, g, lid);
                }
            }
            Phase::Primary | Phase::AllThrough => {
                for year in 0..=6u8 {
                    let cohort: Vec<i64> = s
                        .learners
                        .iter()
                        .filter(|l| l.year == year)
                        .map(|l| l.id)
                        .collect();
                    let classes = cohort.len().div_ceil(30).max(1);
                    let per = cohort.len().div_ceil(classes).max(1);
                    for (ci, chunk) in cohort.chunks(per).enumerate() {
                        let label = if year == 0 {
                            "Reception".to_string()
                        } else {
                            format!("Year {year}")
                        };
                        let class_name = ["Robins", "Wrens", "Kestrels", "Owls"]
                            .get(ci)
                            .copied()
                            .unwrap_or("Class");
                        let g = self.group(
                            id,
                            None,
                            GroupKind::Class,
                            &format!("{label} {class_name}"),
                            None,
                        );
                        let t = next_teacher(&s.teachers);
                        self.teach(id, g, t);
                        for lid in chunk {
                            self.member(id, g, *lid);
                            // The class teacher is the child's tutor in a primary school.
                            s.tutor_of.insert(*lid, t);
                            s.maths_teacher_of.insert(*lid, t);
                        }
                    }
                }
            }
            Phase::Special => {
                let mut all: Vec<(u8, i64)> = s.learners.iter().map(|l| (l.year, l.id)).collect();
                all.sort();
                for (ci, chunk) in all.chunks(8).enumerate() {
                    let (lo, hi) = (
                        chunk.first().map_or(0, |c| c.0),
                        chunk.last().map_or(0, |c| c.0),
                    );
                    let g = self.group(
                        id,
                        None,
                        GroupKind::Class,
                        &format!("Class {} (Years {lo}–{hi})", ci + 1),
                        None,
                    );
                    let t = next_teacher(&s.teachers);
                    self.teach(id, g, t);
                    let ta = s
                        .assistants
                        .get(ci % s.assistants.len().max(1))
                        .copied()
                        .unwrap_or(0);
                    for (_, lid) in chunk {
                        self.member(id, g, *lid);
                        s.tutor_of.insert(*lid, t);
                        s.maths_teacher_of.insert(*lid, t);
                        self.rel(id, ta, *lid, K::TeachingAssistant, false, None, self.start);
                    }
                }
            }
        }
    }

    /// Tutor, mentor, teaching assistant, key worker, peer tutor and community teacher links.
    fn support(&mut self, s: &mut SchoolGen) {
        let id = s.id;
        let start = self.start;
        let learners = s.learners.clone();
        for (i, l) in learners.iter().enumerate() {
            if let Some(t) = s.tutor_of.get(&l.id).copied() {
                self.rel(id, t, l.id, K::Tutor, false, None, start);
                if i % 97 == 0 {
                    self.persona_picks.push(("tutor", t, l.id));
                }
            }
            if i % 97 == 1 {
                self.persona_picks.push(("pupil", l.id, l.id));
            }
            let mentor = s
                .mentors
                .get(i % s.mentors.len().max(1))
                .copied()
                .unwrap_or(0);
            self.rel(id, mentor, l.id, K::Mentor, false, None, start);
            s.mentor_of.insert(l.id, mentor);
            if s.phase != Phase::Special
                && (l.sen == "ehc_plan" || (l.sen == "sen_support" && i % 2 == 0))
            {
                let ta = s
                    .assistants
                    .get(i % s.assistants.len().max(1))
                    .copied()
                    .unwrap_or(0);
                self.rel(id, ta, l.id, K::TeachingAssistant, false, None, start);
            }
            if l.disengaging && i % 2 == 0 {
                let kw = s
                    .key_workers
                    .get(i % s.key_workers.len().max(1))
                    .copied()
                    .unwrap_or(0);
                self.rel(id, kw, l.id, K::KeyWorker, false, None, start);
            }
            if i % 25 == 3 {
                let v = s
                    .volunteers
                    .get(i % s.volunteers.len().max(1))
                    .copied()
                    .unwrap_or(0);
                self.rel(id, v, l.id, K::CommunityTeacher, false, None, start);
            }
        }
        // Peer Learner Programme: Year 10 reading partners for Year 7 (Year 5 for Year 2 in
        // a primary), whole classes, not only the most able.
        let (older, younger) = match s.phase {
            Phase::Primary => (5, 2),
            _ => (10, 7),
        };
        let tutors: Vec<i64> = learners
            .iter()
            .filter(|l| l.year == older)
            .map(|l| l.id)
            .collect();
        let tutees: Vec<i64> = learners
            .iter()
            .filter(|l| l.year == younger)
            .map(|l| l.id)
            .collect();
        if s.phase == Phase::Secondary {
            self.challenges(s, &learners);
        }
        if s.phase == Phase::Special {
            return;
        }
        let subject = if s.phase == Phase::Primary {
            "Reading"
        } else {
            "English"
        };
        let programme = next(&mut self.ids.peer_programme);
        self.w.row(
            "peer_programmes",
            &[
                "id",
                "org_id",
                "name",
                "subject",
                "tutor_year",
                "tutee_year",
                "sessions_to_complete",
                "created_by",
                "created_at",
            ],
            vec![
                programme.into(),
                id.into(),
                format!("Reading partners: Year {older} with Year {younger}").into(),
                subject.into(),
                i64::from(older).into(),
                i64::from(younger).into(),
                6.into(),
                s.leader.into(),
                start.into(),
            ],
        );
        // Everyone in the two year groups says when they are free (tutor time, Mon–Fri).
        for l in learners
            .iter()
            .filter(|l| l.year == older || l.year == younger)
        {
            let slots = self.rng.gen_range(1..32i64);
            self.w.row(
                "peer_availability",
                &["learner_id", "org_id", "slots"],
                vec![l.id.into(), id.into(), slots.into()],
            );
        }
        let today = self.opts.today.to_string();
        for (k, (t, l)) in tutors.iter().zip(tutees.iter()).take(60).enumerate() {
            self.rel(id, *t, *l, K::PeerTutor, false, None, start);
            let pair = next(&mut self.ids.peer_pair);
            self.w.row(
                "peer_pairs",
                &[
                    "id",
                    "org_id",
                    "programme_id",
                    "tutor_id",
                    "tutee_id",
                    "explanation",
                    "starts_at",
                    "ends_at",
                ],
                vec![
                    pair.into(),
                    id.into(),
                    programme.into(),
                    (*t).into(),
                    (*l).into(),
                    "Paired at the start of the year by the programme lead.".into(),
                    start.into(),
                    V::NullInt,
                ],
            );
            let training = next(&mut self.ids.peer_training);
            self.w.row(
                "peer_training",
                &[
                    "id",
                    "org_id",
                    "programme_id",
                    "tutor_id",
                    "completed_on",
                    "recorded_by",
                ],
                vec![
                    training.into(),
                    id.into(),
                    programme.into(),
                    (*t).into(),
                    today.clone().into(),
                    s.leader.into(),
                ],
            );
            // Five sessions so far, one short of completing: the next one makes an achievement.
            let sessions = if k == 0 { 5 } else { k % 5 };
            for n in 0..sessions {
                let sid = next(&mut self.ids.peer_session);
                self.w.row(
                    "peer_sessions",
                    &[
                        "id",
                        "org_id",
                        "pair_id",
                        "held_on",
                        "logged_by",
                        "side",
                        "feedback",
                        "recorded_at",
                    ],
                    vec![
                        sid.into(),
                        id.into(),
                        pair.into(),
                        today.clone().into(),
                        (*t).into(),
                        "tutor".into(),
                        format!("Read chapter {} together.", n + 1).into(),
                        start.into(),
                    ],
                );
            }
            if k == 0 && s.phase == Phase::Secondary {
                self.peer_showcase = Some((*t, *l));
            }
        }
    }

    /// The Year 8 personal challenge menu: forty challenges, each coached by a teacher;
    /// what each pupil is already good at; and ranked choices for about four in five pupils.
    fn challenges(&mut self, s: &SchoolGen, learners: &[LearnerGen]) {
        let id = s.id;
        // Spring term, ending with the open day.
        let y = s.calendar.start_year + 1;
        self.challenge_dates = (
            format!("{y}-01-11"),
            format!("{y}-03-12"),
            format!("{y}-03-18"),
        );
        let mut ids = Vec::new();
        for (i, (title, domain, what)) in names::CHALLENGES.iter().enumerate() {
            let cid = next(&mut self.ids.challenge);
            let coach = s
                .teachers
                .get(i % s.teachers.len().max(1))
                .copied()
                .unwrap_or(s.leader);
            self.w.row(
                "challenges",
                &[
                    "id",
                    "org_id",
                    "year_group",
                    "title",
                    "domain",
                    "description",
                    "coach_id",
                    "min_team",
                    "max_team",
                    "completed_on",
                    "starts_on",
                    "ends_on",
                    "open_day",
                ],
                vec![
                    cid.into(),
                    id.into(),
                    8.into(),
                    (*title).into(),
                    (*domain).into(),
                    (*what).into(),
                    coach.into(),
                    3.into(),
                    8.into(),
                    V::NullText,
                    self.challenge_dates.0.clone().into(),
                    self.challenge_dates.1.clone().into(),
                    self.challenge_dates.2.clone().into(),
                ],
            );
            ids.push(cid);
        }
        for l in learners.iter().filter(|l| l.year == 8) {
            for d in names::DOMAINS {
                let level = self.rng.gen_range(0..4i64);
                self.w.row(
                    "learner_strengths",
                    &["learner_id", "org_id", "domain", "level"],
                    vec![l.id.into(), id.into(), (*d).into(), level.into()],
                );
            }
            if self.rng.gen_bool(0.2) {
                continue;
            }
            let mut picks = ids.clone();
            picks.shuffle(&mut self.rng);
            for (rank, c) in picks.into_iter().take(5).enumerate() {
                let chid = next(&mut self.ids.challenge_choice);
                self.w.row(
                    "challenge_choices",
                    &["id", "org_id", "learner_id", "challenge_id", "choice_rank"],
                    vec![
                        chid.into(),
                        id.into(),
                        l.id.into(),
                        c.into(),
                        (rank as i64 + 1).into(),
                    ],
                );
            }
        }
    }

    /// Families: parents and carers for every learner, siblings across schools.
    fn families(&mut self, schools: &[SchoolGen]) {
        let mut pool: Vec<(i64, i64, String)> = schools
            .iter()
            .flat_map(|s| {
                s.learners
                    .iter()
                    .map(|l| (l.id, l.school, l.family.clone()))
            })
            // Children whose family the showcase built already ("pupil", and those marked "").
            .filter(|(id, _, _)| !matches!(self.aliases.get(id).copied(), Some("pupil" | "")))
            .collect();
        pool.shuffle(&mut self.rng);
        let mut i = 0;
        while i < pool.len() {
            let r: f64 = self.rng.gen();
            let size = if r < 0.6 {
                1
            } else if r < 0.9 {
                2
            } else {
                3
            };
            let kids: Vec<(i64, i64, String)> = pool.iter().skip(i).take(size).cloned().collect();
            i += size;
            let Some((_, home_school, family)) = kids.first().cloned() else {
                break;
            };
            let shape: f64 = self.rng.gen();
            let mut guardians: Vec<(i64, bool, &'static str)> = Vec::new();
            let mum = self.named_adult(home_school, &family);
            guardians.push((mum, true, "parent"));
            if shape < 0.65 {
                let dad = self.named_adult(home_school, &family);
                guardians.push((dad, true, "parent"));
            } else if shape < 0.85 {
                // Separated parents: both keep parental responsibility.
                let other = self.pick(names::FAMILY).to_string();
                let dad = self.named_adult(home_school, &other);
                guardians.push((dad, true, "parent"));
            } else if shape < 0.95 {
                // Single parent.
            } else if shape < 0.98 {
                let other = self.pick(names::FAMILY).to_string();
                let step = self.named_adult(home_school, &other);
                guardians.push((step, false, "step_parent"));
            } else {
                let gp = self.named_adult(home_school, &family);
                guardians.push((gp, true, "grandparent"));
            }
            self.summary.guardians += guardians.len() as u64;
            if i % 89 < size {
                if let (Some((g, _, _)), Some((kid, _, _))) = (guardians.first(), kids.first()) {
                    self.persona_picks.push(("parent", *g, *kid));
                }
            }
            for (kid, school, _) in &kids {
                for (g, pr, title) in &guardians {
                    self.rel(
                        *school,
                        *g,
                        *kid,
                        K::Guardian,
                        *pr,
                        Some(title),
                        self.start - 86_400 * 365 * 5,
                    );
                }
            }
        }
    }

    /// The named demo people: one per role, in families and groups a newcomer can follow.
    fn showcase(&mut self, schools: &[SchoolGen]) {
        let (Some(primary), Some(secondary)) = (schools.first(), schools.get(1)) else {
            return;
        };
        let start = self.start;
        // The pupil: a Year 8 at the secondary, with a younger sibling at the primary.
        let Some(pupil) = secondary
            .learners
            .iter()
            .find(|l| l.year == 8 && l.sen == "none")
            .cloned()
        else {
            return;
        };
        let Some(sibling) = primary.learners.iter().find(|l| l.year == 4).cloned() else {
            return;
        };
        let mum = self.person(secondary.id, "Sarah", &pupil.family);
        let dad = self.person(secondary.id, "David", &pupil.family);
        for kid in [&pupil, &sibling] {
            self.rel(
                kid.school,
                mum,
                kid.id,
                K::Guardian,
                true,
                Some("parent"),
                start - 86_400 * 3650,
            );
            self.rel(
                kid.school,
                dad,
                kid.id,
                K::Guardian,
                true,
                Some("parent"),
                start - 86_400 * 3650,
            );
        }
        self.summary.guardians += 2;
        // A Year 10 reading partner for the pupil.
        if let Some(peer) = secondary
            .learners
            .iter()
            .find(|l| l.year == 10)
            .map(|l| l.id)
        {
            self.rel(
                secondary.id,
                peer,
                pupil.id,
                K::PeerTutor,
                false,
                None,
                start,
            );
        }
        // A second family, for "a parent cannot open another family's child".
        let Some(other) = secondary
            .learners
            .iter()
            .find(|l| l.year == 9 && l.id != pupil.id)
            .cloned()
        else {
            return;
        };
        let other_parent = self.person(secondary.id, "Fatima", &other.family);
        self.rel(
            other.school,
            other_parent,
            other.id,
            K::Guardian,
            true,
            Some("parent"),
            start - 86_400 * 3650,
        );
        self.summary.guardians += 1;
        // The pupil's own adults.
        let tutor = secondary.tutor_of.get(&pupil.id).copied().unwrap_or(0);
        let mentor = secondary.mentor_of.get(&pupil.id).copied().unwrap_or(0);
        let teacher = secondary
            .maths_teacher_of
            .get(&pupil.id)
            .copied()
            .unwrap_or(0);
        let assistant = secondary.assistants.first().copied().unwrap_or(0);
        // The teaching assistant is also a parent of a primary child.
        if let Some(child) = primary.learners.iter().find(|l| l.year == 1).map(|l| l.id) {
            self.rel(
                primary.id,
                assistant,
                child,
                K::Guardian,
                true,
                Some("parent"),
                start - 86_400 * 2000,
            );
        }
        let volunteer = secondary.volunteers.first().copied().unwrap_or(0);
        let trust_lead = self.staff(secondary.collaborative, Role::CollaborativeLeader);
        let key_worker = secondary.key_workers.first().copied().unwrap_or(0);
        let set = [
            (pupil.id, "pupil", "Pupil, Year 8 at Riverside Academy"),
            (
                mum,
                "parent",
                "Parent of the pupil and of a Year 4 child at Brookside Primary",
            ),
            (other_parent, "parent2", "Parent in another family"),
            (tutor, "tutor", "The pupil's personal tutor"),
            (mentor, "mentor", "The pupil's mentor"),
            (teacher, "teacher", "Teaches the pupil's maths set"),
            (
                assistant,
                "assistant",
                "Teaching assistant (also a parent at the primary)",
            ),
            (volunteer, "volunteer", "Community teacher (robotics club)"),
            (secondary.leader, "leader", "Head of Riverside Academy"),
            (
                primary.leader,
                "leader2",
                "Head of Brookside Primary School (for importing a passport)",
            ),
            (
                secondary.dsl,
                "dsl",
                "Designated safeguarding lead at Riverside Academy",
            ),
            (key_worker, "keyworker", "Key worker at Riverside Academy"),
            (
                trust_lead,
                "trust",
                "Leader of the Riverside Learning Trust",
            ),
        ];
        for (person, username, who) in set {
            if person == 0 {
                continue;
            }
            self.aliases.insert(person, username);
            let role = match username {
                "pupil" => "pupil",
                "parent" | "parent2" => "parent",
                "leader2" => "leader",
                "assistant" => "teaching assistant",
                "volunteer" => "community teacher",
                "dsl" => "safeguarding lead",
                "keyworker" => "key worker",
                "trust" => "collaborative leader",
                other => other,
            };
            self.summary.showcase.push(Showcase {
                role,
                username,
                who: who.to_string(),
            });
        }
        // A Year 10 reading partner and their Year 7 tutee, one session from completing.
        if let Some((tutor, tutee)) = self.peer_showcase {
            for (person, username, role, who) in [
                (
                    tutor,
                    "peertutor",
                    "peer tutor",
                    "Year 10 reading partner, one session from finishing",
                ),
                (
                    tutee,
                    "tutee",
                    "tutee",
                    "Year 7 pupil with a Year 10 reading partner",
                ),
            ] {
                self.aliases.insert(person, username);
                self.summary.showcase.push(Showcase {
                    role,
                    username,
                    who: who.to_string(),
                });
            }
        }
        // Keep the pupil and the sibling out of the random families.
        self.aliases.insert(pupil.id, "pupil");
        self.aliases.entry(sibling.id).or_insert("");
        self.aliases.entry(other.id).or_insert("");
    }

    /// History and flush, one school at a time so memory stays bounded.
    async fn finish_schools(&mut self, schools: &[SchoolGen]) -> Result<(), DemoError> {
        for s in schools {
            if self.opts.history {
                self.history(s);
                self.plans(s);
            }
            self.w.flush().await?;
        }
        Ok(())
    }

    fn history(&mut self, s: &SchoolGen) {
        let Some(first) = s.calendar.terms.first().map(|t| t.first_day) else {
            return;
        };
        let Ok(yesterday) = self.opts.today.yesterday() else {
            return;
        };
        let days = s.calendar.school_days(first, yesterday);
        let total = days.len().max(1) as f64;
        let recorded_at = self.opts.now.as_second();
        let tutor_of = &s.tutor_of;
        for l in &s.learners {
            let by = tutor_of.get(&l.id).copied();
            for (di, day) in days.iter().enumerate() {
                // Disengaging learners drift from 95% towards 70% over the term.
                let p = if l.disengaging {
                    l.attendance - 0.25 * (di as f64 / total)
                } else {
                    l.attendance
                };
                let day_s = day.to_string();
                let absent_all_day = self.rng.gen::<f64>() > p;
                let code = if absent_all_day {
                    absence_code(&mut self.rng, l.disengaging)
                } else {
                    ""
                };
                for part in ["am", "pm"] {
                    let mark = if absent_all_day {
                        code
                    } else if part == "am" && self.rng.gen_bool(0.03) {
                        "L"
                    } else if part == "am" {
                        "/"
                    } else {
                        "\\"
                    };
                    let mid = next(&mut self.ids.mark);
                    self.w.row(
                        "attendance_marks",
                        MARK_COLS,
                        vec![
                            mid.into(),
                            s.id.into(),
                            l.id.into(),
                            day_s.clone().into(),
                            part.into(),
                            mark.into(),
                            by.into(),
                            recorded_at.into(),
                        ],
                    );
                }
                let concern_p = if l.disengaging {
                    0.05 + 0.08 * (di as f64 / total)
                } else {
                    0.01
                };
                if self.rng.gen_bool(0.06) {
                    let note = self.pick(names::RECOGNITIONS);
                    self.behaviour(s.id, l.id, &day_s, "recognition", note, by, recorded_at);
                }
                if self.rng.gen_bool(concern_p.clamp(0.0, 1.0)) {
                    let note = self.pick(names::CONCERNS);
                    self.behaviour(s.id, l.id, &day_s, "concern", note, by, recorded_at);
                }
            }
            self.assessments(s, l, &days);
            self.mentoring_history(s, l, &days);
            if l.disengaging {
                if let Some(t) = by {
                    let nid = next(&mut self.ids.note);
                    self.w.row(
                        "support_notes",
                        NOTE_COLS,
                        vec![nid.into(), s.id.into(), l.id.into(), "wellbeing".into(),
                            "Seems withdrawn in tutor time and attendance is dropping. Spoke with them; agreed to check in each Monday. Will call home this week.".into(),
                            t.into(), recorded_at.into()],
                    );
                }
            }
            if self.rng.gen_bool(0.01) {
                let nid = next(&mut self.ids.note);
                self.w.row(
                    "support_notes",
                    NOTE_COLS,
                    vec![nid.into(), s.id.into(), l.id.into(), "safeguarding".into(),
                        "Concern logged and referred under the school's safeguarding procedure. See the DSL's file.".into(),
                        s.dsl.into(), recorded_at.into()],
                );
            }
            if self.rng.gen_bool(0.6) {
                let cid = next(&mut self.ids.consent);
                self.w.row(
                    "consents",
                    CONSENT_COLS,
                    vec![
                        cid.into(),
                        s.id.into(),
                        l.id.into(),
                        "photos_in_school".into(),
                        s.leader.into(),
                        self.start.into(),
                        V::NullInt,
                    ],
                );
            }
        }
    }

    /// Mentor sessions about every three weeks, with some pupils overdue (no session for
    /// six weeks or more), and contact with home every couple of weeks for most families.
    fn mentoring_history(&mut self, s: &SchoolGen, l: &LearnerGen, days: &[Date]) {
        let recorded_at = self.opts.now.as_second();
        if let Some(mentor) = s.mentor_of.get(&l.id).copied() {
            let overdue = self.rng.gen_bool(if l.disengaging { 0.5 } else { 0.1 });
            let offset = self.rng.gen_range(3..12usize);
            for (k, day) in days.iter().enumerate().skip(offset).step_by(15) {
                if overdue && k > 15 {
                    break;
                }
                let id = next(&mut self.ids.mentor_session);
                let shared = names::MENTOR_AGREED
                    .get((k + l.id as usize) % names::MENTOR_AGREED.len())
                    .copied()
                    .unwrap_or("We talked about the week.");
                self.w.row(
                    "mentor_sessions",
                    &[
                        "id",
                        "org_id",
                        "learner_id",
                        "mentor_id",
                        "held_on",
                        "minutes",
                        "shared_note",
                        "private_note",
                        "parent_present",
                        "recorded_at",
                    ],
                    vec![
                        id.into(),
                        s.id.into(),
                        l.id.into(),
                        mentor.into(),
                        day.to_string().into(),
                        15.into(),
                        shared.into(),
                        "Seemed more settled than last time.".into(),
                        0.into(),
                        recorded_at.into(),
                    ],
                );
            }
        }
        // The next meeting is booked for most pupils, within the next two weeks.
        if let Some(mentor) = s.mentor_of.get(&l.id).copied() {
            if self.rng.gen_bool(0.7) {
                let ahead = self.rng.gen_range(1..14i64);
                let on = self
                    .opts
                    .today
                    .checked_add(ahead.days())
                    .unwrap_or(self.opts.today);
                let id = next(&mut self.ids.meeting);
                self.w.row(
                    "mentor_meetings",
                    &[
                        "id",
                        "org_id",
                        "learner_id",
                        "mentor_id",
                        "meets_on",
                        "place",
                        "created_at",
                    ],
                    vec![
                        id.into(),
                        s.id.into(),
                        l.id.into(),
                        mentor.into(),
                        on.to_string().into(),
                        "Library, tutor time".into(),
                        recorded_at.into(),
                    ],
                );
            }
        }
        if let Some(tutor) = s.tutor_of.get(&l.id).copied() {
            let silent = self.rng.gen_bool(if l.disengaging { 0.5 } else { 0.1 });
            if !silent {
                let offset = self.rng.gen_range(0..10usize);
                for day in days.iter().skip(offset).step_by(10) {
                    let id = next(&mut self.ids.contact);
                    self.w.row(
                        "home_contacts",
                        &[
                            "id",
                            "org_id",
                            "learner_id",
                            "staff_id",
                            "contacted_on",
                            "channel",
                            "note",
                        ],
                        vec![
                            id.into(),
                            s.id.into(),
                            l.id.into(),
                            tutor.into(),
                            day.to_string().into(),
                            "phone".into(),
                            "Fortnightly catch-up with home.".into(),
                        ],
                    );
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn behaviour(
        &mut self,
        school: i64,
        learner: i64,
        day: &str,
        kind: &str,
        note: &str,
        by: Option<i64>,
        at: i64,
    ) {
        let id = next(&mut self.ids.behaviour);
        self.w.row(
            "behaviour_events",
            BEHAVIOUR_COLS,
            vec![
                id.into(),
                school.into(),
                learner.into(),
                day.into(),
                kind.into(),
                note.into(),
                by.into(),
                at.into(),
            ],
        );
    }

    fn assessments(&mut self, s: &SchoolGen, l: &LearnerGen, days: &[Date]) {
        let (subjects, scale): (&[&str], &[&str]) = match (l.phase, l.year) {
            (Phase::Primary, _) => (
                &["Reading", "Writing", "Maths"],
                &["Working towards", "Expected", "Greater depth"],
            ),
            (Phase::Special, _) => (
                &["Communication", "Number", "Independence"],
                &["Emerging", "Developing", "Secure"],
            ),
            (_, 12..) => (
                &["Subject 1", "Subject 2", "Subject 3"],
                &["E", "D", "C", "B", "A", "A*"],
            ),
            _ => (
                &["English", "Mathematics", "Science"],
                &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
            ),
        };
        // A baseline after three weeks and a check-in after eight, where the term has reached them.
        for at in [14usize, 39] {
            let Some(day) = days.get(at) else { continue };
            for subject in subjects {
                let noise: f64 = self.rng.gen_range(-0.12..0.12);
                let drift = if l.disengaging && at > 20 { -0.1 } else { 0.0 };
                let x = (l.ability + noise + drift).clamp(0.0, 0.999);
                let idx = (x * scale.len() as f64) as usize;
                let result = scale.get(idx).copied().unwrap_or("?");
                let id = next(&mut self.ids.assessment);
                self.w.row(
                    "assessments",
                    ASSESS_COLS,
                    vec![
                        id.into(),
                        s.id.into(),
                        l.id.into(),
                        (*subject).into(),
                        day.to_string().into(),
                        result.into(),
                        (idx as i64).into(),
                        s.maths_teacher_of.get(&l.id).copied().into(),
                    ],
                );
            }
        }
    }

    fn write_accounts(&mut self) {
        let accounts = std::mem::take(&mut self.accounts);
        let mut taken: HashMap<String, u32> = HashMap::new();
        let mut usernames: HashMap<i64, String> = HashMap::new();
        for (id, org, given, family) in accounts {
            let username = match self.aliases.get(&id) {
                Some(alias) if !alias.is_empty() => alias.to_string(),
                _ => {
                    let base = format!("{}.{}", ascii_slug(&given), ascii_slug(&family));
                    let n = taken.entry(base.clone()).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        base
                    } else {
                        format!("{base}{n}")
                    }
                }
            };
            self.w.row(
                "accounts",
                &[
                    "person_id",
                    "org_id",
                    "username",
                    "password_hash",
                    "created_at",
                ],
                vec![
                    id.into(),
                    org.into(),
                    username.clone().into(),
                    self.opts.password_hash.clone().into(),
                    self.start.into(),
                ],
            );
            usernames.insert(id, username);
        }
        for (role, person, learner) in std::mem::take(&mut self.persona_picks) {
            if let Some(username) = usernames.get(&person) {
                self.summary.personas.push(Persona {
                    role,
                    username: username.clone(),
                    learner,
                });
            }
        }
    }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ś' => Some('s'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn birth_date(rng: &mut ChaCha8Rng, academic_year: i16, year_group: u8) -> String {
    // Born between 1 September and 31 August, (year_group + 5) years before the start.
    let first = Date::new(academic_year - i16::from(year_group) - 5, 9, 1).unwrap_or_default();
    let offset: i64 = rng.gen_range(0..365);
    first
        .checked_add(offset.days())
        .unwrap_or(first)
        .to_string()
}

fn absence_code(rng: &mut ChaCha8Rng, disengaging: bool) -> &'static str {
    let r: f64 = rng.gen();
    if disengaging {
        if r < 0.35 {
            "I"
        } else if r < 0.7 {
            "O"
        } else if r < 0.85 {
            "N"
        } else {
            "G"
        }
    } else if r < 0.6 {
        "I"
    } else if r < 0.75 {
        "M"
    } else if r < 0.85 {
        "O"
    } else if r < 0.92 {
        "G"
    } else {
        "N"
    }
}

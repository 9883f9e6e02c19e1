//! The demo secondary school's personal timetable: Riverside Academy's teaching groups
//! (maths sets by ability across Years 7–9, English sets, science classes, Year 10–11
//! maths sets, sixth-form subject classes, a robotics club) turned into a
//! `village_timetable` school, with the rest of a full fortnight added from the staff
//! pool: humanities, languages, PE, arts, computing, RE/PSHE, Year 10–11 option blocks,
//! sixth-form blocks, SECURE rounds, an early-window group and a specialist shared with a
//! partner school.
//!
//! The curriculum is *blocked* the way secondary timetablers block it, because without
//! blocking there is no clash-free timetable at all: the sets of one partition of a year
//! (its English sets, say) share pupils with every group of another partition (its mixed
//! classes), so a year can only be in one partition at a time. Each ability-set
//! partition (KS3 maths across Years 7–9, English per year, maths in Years 10–11) is one
//! option block taught at the same times; everything else is taught to the mixed classes
//! (the science classes), which are disjoint and so free to go anywhere. Sixth-form
//! students chose three subjects at random, which makes every pair of subjects share
//! students; each subject is therefore taught as two sections in two of five blocks
//! (no two subjects in the same pair of blocks more than twice, so every student can be
//! given their three subjects in three different blocks). SECURE periods are four
//! rounds a fortnight per year group, each round an option block of parallel groups.
//!
//! Pure: no store, no clock. Deterministic for a given seed and the same facts.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use village_timetable::school::{
    Block, EntitlementRule, Offer, OptionBlock, Pupil, PupilRequest, School, SchoolRoom, Set, Site,
    Span, Staff, StaffKind, Window,
};

/// A learner of the school: person id, year group and ability (0..1, drives sets).
#[derive(Debug, Clone, PartialEq)]
pub struct PupilFact {
    pub id: i64,
    pub year: u8,
    pub ability: f64,
}

/// A teaching group of the demo: its name, subject, kind, teacher and members.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFact {
    pub name: String,
    pub subject: Option<String>,
    /// `"set"`, `"class"` or `"community"`.
    pub kind: &'static str,
    pub teacher: i64,
    pub members: Vec<i64>,
}

/// What the timetable model is built from.
#[derive(Debug, Clone, Copy)]
pub struct SchoolFacts<'a> {
    pub name: &'a str,
    pub pupils: &'a [PupilFact],
    pub teachers: &'a [i64],
    pub assistants: &'a [i64],
    pub community_teachers: &'a [i64],
    /// The demo's teaching groups of this school (see `Gen::groups` in lib.rs: maths sets
    /// of 28 by ability across Years 7–9, English sets per year 7–11, science classes per
    /// year 7–11, maths sets in Years 10–11, sixth-form subject classes, a robotics club).
    pub groups: &'a [GroupFact],
    /// Another school of the trust that a shared specialist (the first community teacher)
    /// also teaches at.
    pub partner_school: &'a str,
    pub seed: u64,
}

const LESSON: &str = "lesson";
const DAYS: [&str; 5] = ["Mon", "Tue", "Wed", "Thu", "Fri"];
/// Rooms of these kinds hold a normal teaching group.
const ROOM_KINDS: [(&str, usize); 13] = [
    ("maths", 24),
    ("english", 14),
    ("humanities", 14),
    ("languages", 8),
    ("classroom", 22),
    ("lab", 10),
    ("sports", 5),
    ("art", 3),
    ("music", 3),
    ("drama", 2),
    ("computer", 4),
    ("workshop", 3),
    ("food", 2),
];

/// Subjects every Year 7–9 mixed class takes besides science: (subject, id, lessons a
/// week, room kind). Music and drama are taught by community teachers when there are any.
const KS3_SUBJECTS: [(&str, &str, usize, &str); 10] = [
    ("History", "history", 2, "humanities"),
    ("Geography", "geography", 2, "humanities"),
    ("French", "french", 3, "languages"),
    ("Physical education", "pe", 2, "sports"),
    ("Art and design", "art", 1, "art"),
    ("Music", "music", 1, "music"),
    ("Drama", "drama", 1, "drama"),
    ("Computing", "computing", 1, "computer"),
    ("Design and technology", "dt", 1, "workshop"),
    ("Religious education and PSHE", "re", 1, "humanities"),
];

/// Year 10–11 core taught to the mixed classes besides science.
const KS4_CORE: [(&str, &str, usize, &str); 2] = [
    ("Physical education", "pe", 2, "sports"),
    ("Religious education and PSHE", "re", 1, "humanities"),
];

/// Year 10–11 option blocks: one choice per block, three lessons a week each.
const KS4_BLOCKS: [(&str, [&str; 4]); 4] = [
    (
        "A",
        [
            "History",
            "Art and design",
            "Computer science",
            "Food and nutrition",
        ],
    ),
    (
        "B",
        [
            "Geography",
            "Music",
            "Design and technology",
            "Sport studies",
        ],
    ),
    ("C", ["French", "Drama", "Business", "Religious studies"]),
    ("D", ["Spanish", "History", "Geography", "Statistics"]),
];

/// SECURE offers: (key, subject, what, staff kind, room kind).
const SECURE_VARIANTS: [(&str, &str, &str, StaffKind, &str); 7] = [
    (
        "maths-stretch",
        "Mathematics",
        "stretch",
        StaffKind::Teacher,
        "maths",
    ),
    (
        "maths-consolidate",
        "Mathematics",
        "consolidate",
        StaffKind::TeachingAssistant(3),
        "maths",
    ),
    (
        "english-stretch",
        "English",
        "stretch",
        StaffKind::Teacher,
        "english",
    ),
    (
        "english-consolidate",
        "English",
        "consolidate",
        StaffKind::TeachingAssistant(3),
        "english",
    ),
    (
        "science-stretch",
        "Science",
        "stretch",
        StaffKind::Teacher,
        "lab",
    ),
    (
        "reading",
        "Reading",
        "consolidate",
        StaffKind::TeachingAssistant(2),
        "classroom",
    ),
    (
        "numeracy",
        "Numeracy",
        "consolidate",
        StaffKind::TeachingAssistant(2),
        "classroom",
    ),
];
const SECURE_ROUNDS: usize = 4;
/// Size of a SECURE, option or early group.
const GROUP: u32 = 28;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn room_kind_of(subject: &str) -> &'static str {
    match subject {
        "Mathematics" | "Further Mathematics" | "Statistics" => "maths",
        "English" | "English Literature" => "english",
        "Science" | "Biology" | "Chemistry" | "Physics" => "lab",
        "History" | "Geography" | "Religious studies" | "Psychology" | "Sociology"
        | "Economics" => "humanities",
        "French" | "Spanish" => "languages",
        "Art and design" | "Art and Design" => "art",
        "Music" => "music",
        "Drama" => "drama",
        "Computer science" | "Computer Science" | "Computing" => "computer",
        "Design and technology" => "workshop",
        "Food and nutrition" => "food",
        "Sport studies" | "Physical education" => "sports",
        _ => "classroom",
    }
}

fn span(day: &str, start: &str, end: &str) -> Span {
    Span {
        day: day.into(),
        start: start.into(),
        end: end.into(),
        weeks: Vec::new(),
    }
}

fn request(offer: String, set: Option<String>, alternatives: Vec<String>) -> PupilRequest {
    PupilRequest {
        offer,
        set,
        alternatives,
        priority: 1,
    }
}

/// Builds offers and keeps each staff member's load (lessons a fortnight).
struct Builder {
    offers: Vec<Offer>,
    option_blocks: Vec<OptionBlock>,
    load: BTreeMap<String, u32>,
    requests: BTreeMap<i64, Vec<PupilRequest>>,
    secure: BTreeMap<i64, Vec<PupilRequest>>,
}

impl Builder {
    /// The least loaded of `pool` not in `avoid` (ties: the earlier in `pool`).
    fn pick(&mut self, pool: &[String], avoid: &BTreeSet<String>, per_fortnight: u32) -> String {
        let choice = pool
            .iter()
            .filter(|s| !avoid.contains(*s))
            .min_by_key(|s| self.load.get(*s).copied().unwrap_or(0))
            .or_else(|| pool.first())
            .cloned()
            .unwrap_or_default();
        self.charge(&choice, per_fortnight);
        choice
    }

    fn charge(&mut self, staff: &str, per_fortnight: u32) {
        *self.load.entry(staff.to_string()).or_insert(0) += per_fortnight;
    }

    #[allow(clippy::too_many_arguments)]
    fn offer(
        &mut self,
        id: String,
        subject: &str,
        lessons: usize,
        weekly: bool,
        setted: bool,
        sets: Vec<Set>,
        staff_kind: StaffKind,
        room_kind: &str,
        window: Option<&str>,
        secure: bool,
    ) {
        self.offers.push(Offer {
            id,
            subject: subject.into(),
            sessions: vec![LESSON.to_string(); lessons],
            weekly,
            setted,
            sets,
            staff_kind,
            room_kind: Some(room_kind.into()),
            features: Vec::new(),
            window: window.map(str::to_string),
            secure,
            years: Vec::new(),
            choice: None,
        });
    }

    fn ask(&mut self, pupil: i64, r: PupilRequest) {
        self.requests.entry(pupil).or_default().push(r);
    }
}

fn set(name: String, staff: String, size: u32) -> Set {
    Set {
        name,
        staff,
        size,
        window: None,
        cover: Vec::new(),
    }
}

/// A sixth-form student's subject: (subject's group, the block they take it in, the
/// block of its other section).
type Placed = (usize, usize, usize);

/// A teaching group of the facts with its members that are pupils of the model.
struct Group<'f> {
    fact: &'f GroupFact,
    members: Vec<i64>,
}

/// The demo secondary school as a timetabling model (see the module documentation).
pub fn secondary_model(facts: &SchoolFacts) -> School {
    let mut rng = ChaCha8Rng::seed_from_u64(facts.seed ^ 0x7469_6d65_7461_626c);
    let home = facts.name.to_string();
    let partner = facts.partner_school.to_string();
    let year_of: BTreeMap<i64, u8> = facts.pupils.iter().map(|p| (p.id, p.year)).collect();
    let ability_of: BTreeMap<i64, f64> = facts.pupils.iter().map(|p| (p.id, p.ability)).collect();
    let name = |id: i64| id.to_string();

    // Staff: a few part-time teachers and two on the early shift keep only their own
    // groups (and the early-window offers); the rest form the pool for other subjects.
    // Restricted hours suit teachers whose groups are all mixed classes: a set or a
    // sixth-form section meets at the same time as the rest of its block, so one
    // restricted teacher would pin the whole block.
    let mut teachers: Vec<i64> = facts.teachers.to_vec();
    teachers.shuffle(&mut rng);
    let in_block = |t: i64| {
        facts.groups.iter().any(|g| {
            g.teacher == t
                && (g.kind == "set"
                    || g.members
                        .iter()
                        .any(|m| facts.pupils.iter().any(|p| p.id == *m && p.year >= 12)))
        })
    };
    teachers.sort_by_key(|&t| in_block(t));
    let early_staff: Vec<i64> = teachers.iter().take(2).copied().collect();
    let part_time: Vec<i64> = teachers.iter().skip(2).take(4).copied().collect();
    let pool: Vec<String> = facts
        .teachers
        .iter()
        .filter(|t| !early_staff.contains(t) && !part_time.contains(t))
        .map(|&t| name(t))
        .collect();
    let assistants: Vec<(String, u8)> = facts
        .assistants
        .iter()
        .enumerate()
        .map(|(i, &a)| (name(a), if i % 2 == 0 { 3 } else { 2 }))
        .collect();
    let community: Vec<String> = facts.community_teachers.iter().map(|&c| name(c)).collect();

    let mut b = Builder {
        offers: Vec::new(),
        option_blocks: Vec::new(),
        load: BTreeMap::new(),
        requests: BTreeMap::new(),
        secure: BTreeMap::new(),
    };

    // Sort the groups into partitions by subject, kind and the years of their members.
    let groups: Vec<Group> = facts
        .groups
        .iter()
        .map(|g| Group {
            fact: g,
            members: g
                .members
                .iter()
                .copied()
                .filter(|m| year_of.contains_key(m))
                .collect(),
        })
        .filter(|g| !g.members.is_empty())
        .collect();
    let years_of = |g: &Group| -> BTreeSet<u8> {
        g.members
            .iter()
            .filter_map(|m| year_of.get(m).copied())
            .collect()
    };
    let subject_is = |g: &Group, s: &str| g.fact.subject.as_deref() == Some(s);
    let mut ks3_maths: Vec<&Group> = Vec::new();
    let mut english: BTreeMap<u8, Vec<&Group>> = BTreeMap::new();
    let mut science: BTreeMap<u8, Vec<&Group>> = BTreeMap::new();
    let mut ks4_maths: BTreeMap<u8, Vec<&Group>> = BTreeMap::new();
    let mut sixth: BTreeMap<u8, Vec<&Group>> = BTreeMap::new();
    let mut clubs: Vec<&Group> = Vec::new();
    for g in &groups {
        let years = years_of(g);
        let single = if years.len() == 1 {
            years.first().copied()
        } else {
            None
        };
        match (g.fact.kind, single) {
            ("community", _) => clubs.push(g),
            ("set", _) if subject_is(g, "Mathematics") && years.iter().all(|y| *y <= 9) => {
                ks3_maths.push(g)
            }
            ("set", Some(y)) if subject_is(g, "Mathematics") && y <= 11 => {
                ks4_maths.entry(y).or_default().push(g)
            }
            ("set", Some(y)) if subject_is(g, "English") && y <= 11 => {
                english.entry(y).or_default().push(g)
            }
            ("class", Some(y)) if subject_is(g, "Science") && y <= 11 => {
                science.entry(y).or_default().push(g)
            }
            ("class", Some(y)) if y >= 12 && g.fact.subject.is_some() => {
                sixth.entry(y).or_default().push(g)
            }
            _ => {}
        }
    }

    // Each pupil's group in each partition; a pupil the facts left out of a compulsory
    // partition joins its smallest group, so the entitlement always holds.
    let member_of = |list: &[&Group], pupils: &mut dyn Iterator<Item = i64>| {
        let mut of: BTreeMap<i64, usize> = BTreeMap::new();
        let mut sizes: Vec<usize> = list.iter().map(|g| g.members.len()).collect();
        for (gi, g) in list.iter().enumerate() {
            for &m in &g.members {
                of.entry(m).or_insert(gi);
            }
        }
        for p in pupils {
            if of.contains_key(&p) {
                continue;
            }
            if let Some((gi, n)) = sizes.iter_mut().enumerate().min_by_key(|(_, n)| **n) {
                *n += 1;
                of.insert(p, gi);
            }
        }
        (of, sizes)
    };
    let pupils_of_year = |y: u8| -> Vec<i64> {
        facts
            .pupils
            .iter()
            .filter(|p| p.year == y)
            .map(|p| p.id)
            .collect()
    };

    // --- Ability sets: one option block each, so the sets meet at the same times. ---
    let setted = |b: &mut Builder,
                  id: String,
                  subject: &str,
                  lessons: usize,
                  list: &[&Group],
                  pupils: Vec<i64>| {
        if list.is_empty() {
            return;
        }
        let (of, sizes) = member_of(list, &mut pupils.into_iter());
        let mut sets = Vec::new();
        let mut used = BTreeSet::new();
        for (gi, g) in list.iter().enumerate() {
            let staff = name(g.fact.teacher);
            // Two sets of one block cannot share a teacher: they meet at the same time.
            let staff = if used.contains(&staff) || !facts.teachers.contains(&g.fact.teacher) {
                b.pick(&pool, &used, 2 * lessons as u32)
            } else {
                b.charge(&staff, 2 * lessons as u32);
                staff
            };
            used.insert(staff.clone());
            let size = sizes.get(gi).copied().unwrap_or(0) as u32;
            sets.push(set(g.fact.name.clone(), staff, size));
        }
        b.offer(
            id.clone(),
            subject,
            lessons,
            true,
            true,
            sets,
            StaffKind::Teacher,
            room_kind_of(subject),
            None,
            false,
        );
        b.option_blocks.push(OptionBlock {
            name: format!("{} sets", id),
            offers: vec![id.clone()],
        });
        for (p, gi) in of {
            if let Some(g) = list.get(gi) {
                b.ask(
                    p,
                    request(id.clone(), Some(g.fact.name.clone()), Vec::new()),
                );
            }
        }
    };
    let ks3_pupils: Vec<i64> = (7..=9).flat_map(pupils_of_year).collect();
    setted(
        &mut b,
        "maths-ks3".into(),
        "Mathematics",
        4,
        &ks3_maths,
        ks3_pupils,
    );
    for y in 7..=11u8 {
        let list = english.get(&y).cloned().unwrap_or_default();
        setted(
            &mut b,
            format!("english-y{y}"),
            "English",
            4,
            &list,
            pupils_of_year(y),
        );
        if y >= 10 {
            let list = ks4_maths.get(&y).cloned().unwrap_or_default();
            setted(
                &mut b,
                format!("maths-y{y}"),
                "Mathematics",
                4,
                &list,
                pupils_of_year(y),
            );
        }
    }

    // --- Mixed classes (the science classes): science and the rest of the week. ---
    let mut music_turn = 0usize;
    let mut drama_turn = 0usize;
    for y in 7..=11u8 {
        let list = science.get(&y).cloned().unwrap_or_default();
        if list.is_empty() {
            continue;
        }
        let (of, sizes) = member_of(&list, &mut pupils_of_year(y).into_iter());
        let science_lessons = 4;
        let mut subjects: Vec<(&str, &str, usize, &str)> =
            vec![("Science", "science", science_lessons, "lab")];
        subjects.extend(if y <= 9 {
            KS3_SUBJECTS.to_vec()
        } else {
            KS4_CORE.to_vec()
        });
        for (subject, key, lessons, room) in subjects {
            let id = format!("{key}-y{y}");
            let by_community = !community.is_empty() && matches!(key, "music" | "drama");
            let mut sets = Vec::new();
            for (gi, g) in list.iter().enumerate() {
                let size = sizes.get(gi).copied().unwrap_or(0) as u32;
                let set_name = if key == "science" {
                    g.fact.name.clone()
                } else if g.fact.name.contains("Science") {
                    g.fact.name.replace("Science", subject)
                } else {
                    format!("{} {}", g.fact.name, subject)
                };
                let staff = if key == "science" && facts.teachers.contains(&g.fact.teacher) {
                    let s = name(g.fact.teacher);
                    b.charge(&s, 2 * lessons as u32);
                    s
                } else if by_community {
                    // Music by the first three community teachers, drama by the others
                    // (the shared specialist teaches music here as well).
                    let (turn, lo, hi) = if key == "music" {
                        (&mut music_turn, 0, community.len().min(3))
                    } else if community.len() > 3 {
                        (&mut drama_turn, 3, community.len())
                    } else {
                        (&mut drama_turn, 0, community.len())
                    };
                    let span = hi.saturating_sub(lo).max(1);
                    let s = community
                        .get(lo + *turn % span)
                        .cloned()
                        .unwrap_or_default();
                    *turn += 1;
                    b.charge(&s, 2 * lessons as u32);
                    s
                } else {
                    b.pick(&pool, &BTreeSet::new(), 2 * lessons as u32)
                };
                sets.push(set(set_name, staff, size));
            }
            let names: Vec<String> = sets.iter().map(|s| s.name.clone()).collect();
            b.offer(
                id.clone(),
                subject,
                lessons,
                true,
                true,
                sets,
                if by_community {
                    StaffKind::CommunityTeacher
                } else {
                    StaffKind::Teacher
                },
                room,
                None,
                false,
            );
            for (&p, &gi) in &of {
                if let Some(n) = names.get(gi) {
                    b.ask(p, request(id.clone(), Some(n.clone()), Vec::new()));
                }
            }
        }
    }

    // --- Years 10–11 options, with an early-window group in Year 10. ---
    for y in 10..=11u8 {
        let pupils = pupils_of_year(y);
        if pupils.is_empty() {
            continue;
        }
        let mut early: BTreeSet<i64> = BTreeSet::new();
        if y == 10 && !early_staff.is_empty() {
            let mut cohort = pupils.clone();
            cohort.shuffle(&mut rng);
            early.extend(cohort.iter().take(50.min(cohort.len() / 3)));
        }
        // Choices: one subject per block, never the same subject twice.
        let mut choice: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        let mut demand: BTreeMap<(usize, &str), u32> = BTreeMap::new();
        for &p in &pupils {
            let mut mine: Vec<&str> = Vec::new();
            for (bi, (_, subjects)) in KS4_BLOCKS.iter().enumerate() {
                let pick = if early.contains(&p) && bi == 2 {
                    "Business"
                } else if early.contains(&p) && bi == 3 {
                    "Statistics"
                } else {
                    let free: Vec<&str> = subjects
                        .iter()
                        .copied()
                        .filter(|s| !mine.contains(s))
                        .collect();
                    free.choose(&mut rng).copied().unwrap_or("History")
                };
                mine.push(pick);
                *demand.entry((bi, pick)).or_insert(0) += 1;
            }
            choice.insert(p, mine);
        }
        let mut block_offer: BTreeMap<(usize, &str), String> = BTreeMap::new();
        for (bi, (letter, subjects)) in KS4_BLOCKS.iter().enumerate() {
            let mut used = BTreeSet::new();
            let mut offers = Vec::new();
            for &subject in subjects {
                let n = demand.get(&(bi, subject)).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let id = format!("{}-y{y}-{}", slug(subject), letter.to_lowercase());
                let groups = n.div_ceil(GROUP);
                let mut sets = Vec::new();
                for k in 0..groups {
                    let staff = b.pick(&pool, &used, 6);
                    used.insert(staff.clone());
                    sets.push(set(
                        format!("Year {y} {subject} ({letter}{})", k + 1),
                        staff,
                        n.div_ceil(groups) + 2,
                    ));
                }
                b.offer(
                    id.clone(),
                    subject,
                    3,
                    true,
                    false,
                    sets,
                    StaffKind::Teacher,
                    room_kind_of(subject),
                    None,
                    false,
                );
                offers.push(id.clone());
                block_offer.insert((bi, subject), id);
            }
            b.option_blocks.push(OptionBlock {
                name: format!("Year {y} option block {letter}"),
                offers,
            });
        }
        // The early window: business and statistics taught 07:30–13:00 by the early
        // shift, the early group's first choice, the normal block their alternative.
        let mut early_offer: BTreeMap<&str, String> = BTreeMap::new();
        if !early.is_empty() {
            for subject in ["Business", "Statistics"] {
                let id = format!("{}-y{y}-early", slug(subject));
                let per = (early.len() as u32).div_ceil(2) + 2;
                let sets = early_staff
                    .iter()
                    .enumerate()
                    .map(|(k, &t)| {
                        let s = name(t);
                        b.charge(&s, 6);
                        Set {
                            name: format!("Year {y} {subject} (early {})", k + 1),
                            staff: s,
                            size: per,
                            window: Some("early".into()),
                            cover: Vec::new(),
                        }
                    })
                    .collect();
                b.offer(
                    id.clone(),
                    subject,
                    3,
                    true,
                    false,
                    sets,
                    StaffKind::Teacher,
                    "classroom",
                    Some("early"),
                    false,
                );
                early_offer.insert(subject, id);
            }
        }
        for (p, mine) in choice {
            for (bi, subject) in mine.into_iter().enumerate() {
                let Some(normal) = block_offer.get(&(bi, subject)).cloned() else {
                    continue;
                };
                let r = match early_offer.get(subject) {
                    Some(e) if early.contains(&p) => request(e.clone(), None, vec![normal]),
                    _ => request(normal, None, Vec::new()),
                };
                b.ask(p, PupilRequest { priority: 2, ..r });
            }
        }
    }
    let early_pupils: BTreeSet<i64> = b
        .requests
        .iter()
        .filter(|(_, rs)| rs.iter().any(|r| r.offer.ends_with("-early")))
        .map(|(p, _)| *p)
        .collect();

    // --- Sixth form: each subject in two of five blocks, students matched to blocks. ---
    let pairs: Vec<(usize, usize)> = (0..5)
        .flat_map(|a| ((a + 1)..5).map(move |c| (a, c)))
        .collect();
    let letters = ["A", "B", "C", "D", "E"];
    for (&y, list) in &sixth {
        let mut list = list.clone();
        list.sort_by(|a, c| a.fact.name.cmp(&c.fact.name));
        let mut sub_pairs: Vec<(usize, usize)> = Vec::new();
        for (i, _) in list.iter().enumerate() {
            sub_pairs.push(pairs.get(i % pairs.len()).copied().unwrap_or((0, 1)));
        }
        let mut subjects_of: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (gi, g) in list.iter().enumerate() {
            for &m in &g.members {
                subjects_of.entry(m).or_default().push(gi);
            }
        }
        // Match each student's subjects to distinct blocks, keeping sections even.
        let mut count: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        let mut placed: BTreeMap<i64, Vec<Placed>> = BTreeMap::new();
        for (&p, subs) in &subjects_of {
            let k = subs.len().min(5);
            let mut best: Option<(u32, Vec<Placed>)> = None;
            for mask in 0u32..(1 << k) {
                let mut blocks = BTreeSet::new();
                let mut pick = Vec::new();
                let mut cost = 0;
                for (i, &gi) in subs.iter().take(k).enumerate() {
                    let (a, c) = sub_pairs.get(gi).copied().unwrap_or((0, 1));
                    let (mine, other) = if mask >> i & 1 == 1 { (c, a) } else { (a, c) };
                    if !blocks.insert(mine) {
                        break;
                    }
                    cost += count.get(&(gi, mine)).copied().unwrap_or(0);
                    pick.push((gi, mine, other));
                }
                if pick.len() == k && best.as_ref().is_none_or(|(bc, _)| cost < *bc) {
                    best = Some((cost, pick));
                }
            }
            if let Some((_, pick)) = best {
                for &(gi, mine, _) in &pick {
                    *count.entry((gi, mine)).or_insert(0) += 1;
                }
                placed.insert(p, pick);
            }
        }
        let mut block_offers: Vec<Vec<String>> = vec![Vec::new(); 5];
        let mut section_id: BTreeMap<(usize, usize), String> = BTreeMap::new();
        for (gi, g) in list.iter().enumerate() {
            let subject = g.fact.subject.clone().unwrap_or_default();
            let (a, c) = sub_pairs.get(gi).copied().unwrap_or((0, 1));
            let staff = name(g.fact.teacher);
            for blk in [a, c] {
                let letter = letters.get(blk).copied().unwrap_or("A");
                let id = format!("{}-y{y}-{}", slug(&subject), letter.to_lowercase());
                let n = count.get(&(gi, blk)).copied().unwrap_or(0);
                let size = (n + 4).min(30).max(n);
                b.charge(&staff, 10);
                b.offer(
                    id.clone(),
                    &subject,
                    5,
                    true,
                    false,
                    vec![set(
                        format!("{} ({letter})", g.fact.name),
                        staff.clone(),
                        size,
                    )],
                    StaffKind::Teacher,
                    room_kind_of(&subject),
                    None,
                    false,
                );
                if let Some(v) = block_offers.get_mut(blk) {
                    v.push(id.clone());
                }
                section_id.insert((gi, blk), id);
            }
        }
        for (blk, offers) in block_offers.into_iter().enumerate() {
            if !offers.is_empty() {
                b.option_blocks.push(OptionBlock {
                    name: format!(
                        "Year {y} block {}",
                        letters.get(blk).copied().unwrap_or("A")
                    ),
                    offers,
                });
            }
        }
        for (p, pick) in placed {
            for (gi, mine, other) in pick {
                if let (Some(first), Some(alt)) = (
                    section_id.get(&(gi, mine)).cloned(),
                    section_id.get(&(gi, other)).cloned(),
                ) {
                    b.ask(p, request(first, None, vec![alt]));
                }
            }
        }
    }

    // --- SECURE: four rounds a fortnight per year group. ---
    let ta_of = |grade: u8| -> Vec<String> {
        assistants
            .iter()
            .filter(|(_, g)| *g >= grade)
            .map(|(n, _)| n.clone())
            .collect()
    };
    for y in 7..=13u8 {
        let pupils = pupils_of_year(y);
        if pupils.is_empty() {
            continue;
        }
        // Choices in priority order; about one pupil in ten has made none and gets a
        // default by ability.
        let mut chosen: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for &p in &pupils {
            let a = ability_of.get(&p).copied().unwrap_or(0.5);
            let picks: Vec<usize> = if rng.gen::<f64>() < 0.1 {
                if a >= 0.5 {
                    vec![0, 2, 4, 6]
                } else {
                    vec![5, 6, 1, 3]
                }
            } else {
                let n = match rng.gen::<f64>() {
                    x if x < 0.7 => 4,
                    x if x < 0.9 => 3,
                    _ => 2,
                };
                let mut weights: Vec<f64> = SECURE_VARIANTS
                    .iter()
                    .map(|v| match v.2 {
                        "stretch" => 0.15 + a,
                        _ => 0.15 + (1.0 - a) * if v.3 == StaffKind::Teacher { 1.0 } else { 0.8 },
                    })
                    .collect();
                let mut out = Vec::new();
                for _ in 0..n {
                    let total: f64 = weights.iter().sum();
                    let mut x = rng.gen::<f64>() * total;
                    let mut pick = None;
                    for (i, w) in weights.iter().enumerate() {
                        if *w > 0.0 && x < *w {
                            pick = Some(i);
                            break;
                        }
                        x -= w;
                    }
                    let Some(i) = pick.or_else(|| weights.iter().position(|w| *w > 0.0)) else {
                        break;
                    };
                    out.push(i);
                    if let Some(w) = weights.get_mut(i) {
                        *w = 0.0;
                    }
                }
                out
            };
            chosen.insert(p, picks);
        }
        let mut demand = [0u32; 7];
        for picks in chosen.values() {
            for &i in picks {
                if let Some(d) = demand.get_mut(i) {
                    *d += 1;
                }
            }
        }
        let size = if y >= 12 { 24 } else { GROUP };
        for round in 1..=SECURE_ROUNDS {
            let mut used = BTreeSet::new();
            let mut offers = Vec::new();
            for (vi, (key, subject, what, kind, room)) in SECURE_VARIANTS.iter().enumerate() {
                let n = demand.get(vi).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let groups = n.div_ceil(SECURE_ROUNDS as u32 * size).max(1);
                let staff_pool = match kind {
                    StaffKind::TeachingAssistant(g) => ta_of(*g),
                    _ => pool.clone(),
                };
                let staff_pool = if staff_pool.is_empty() {
                    pool.clone()
                } else {
                    staff_pool
                };
                let kind = if staff_pool.first().is_some_and(|s| pool.contains(s)) {
                    StaffKind::Teacher
                } else {
                    *kind
                };
                let mut sets = Vec::new();
                for k in 0..groups {
                    let staff = b.pick(&staff_pool, &used, 1);
                    used.insert(staff.clone());
                    sets.push(set(
                        format!(
                            "Year {y} SECURE {} {what} (round {round}, {})",
                            subject.to_lowercase(),
                            k + 1
                        ),
                        staff,
                        size,
                    ));
                }
                let id = format!("secure-y{y}-{key}-r{round}");
                b.offer(
                    id.clone(),
                    subject,
                    1,
                    false,
                    false,
                    sets,
                    kind,
                    room,
                    None,
                    true,
                );
                // Pupils choose the subject and purpose; the rounds are the engine's to use.
                if let Some(o) = b.offers.last_mut() {
                    o.years = vec![u32::from(y)];
                    o.choice = Some(format!("{subject}: {what}"));
                }
                offers.push(id);
            }
            b.option_blocks.push(OptionBlock {
                name: format!("Year {y} SECURE round {round}"),
                offers,
            });
        }
        for (p, picks) in chosen {
            for (k, &vi) in picks.iter().enumerate() {
                let Some((key, ..)) = SECURE_VARIANTS.get(vi) else {
                    continue;
                };
                // Choice k starts in its own round so that first choices never share one.
                let rounds: Vec<String> = (0..SECURE_ROUNDS)
                    .map(|i| format!("secure-y{y}-{key}-r{}", (k + i) % SECURE_ROUNDS + 1))
                    .collect();
                let Some((first, rest)) = rounds.split_first() else {
                    continue;
                };
                b.secure
                    .entry(p)
                    .or_default()
                    .push(request(first.clone(), None, rest.to_vec()));
            }
        }
    }

    // --- The shared specialist at the partner school, and clubs after school. ---
    if let Some(spec) = community.first() {
        let id = "music-partner".to_string();
        b.charge(spec, 4);
        b.offer(
            id,
            "Music",
            2,
            true,
            false,
            vec![set(format!("{partner} Year 5 music"), spec.clone(), 30)],
            StaffKind::CommunityTeacher,
            "partner-music",
            Some("day"),
            false,
        );
    }
    for (ci, g) in clubs.iter().enumerate() {
        let staff = name(g.fact.teacher);
        let kind = if facts.community_teachers.contains(&g.fact.teacher) {
            StaffKind::CommunityTeacher
        } else if facts.teachers.contains(&g.fact.teacher) {
            StaffKind::Teacher
        } else {
            continue;
        };
        let subject = g.fact.subject.clone().unwrap_or_else(|| "Club".into());
        let id = format!("club-{}", ci + 1);
        b.charge(&staff, 2);
        b.offer(
            id.clone(),
            &subject,
            1,
            true,
            false,
            vec![Set {
                name: g.fact.name.clone(),
                staff,
                size: g.members.len() as u32,
                window: Some("after-school".into()),
                cover: Vec::new(),
            }],
            kind,
            room_kind_of(&subject),
            None,
            false,
        );
        for &m in &g.members {
            b.ask(m, request(id.clone(), None, Vec::new()));
        }
    }

    // --- Staff, rooms, pupils. ---
    let full_days =
        |days: &[&str]| -> Vec<Span> { days.iter().map(|d| span(d, "00:00", "24:00")).collect() };
    let mut staff = Vec::new();
    for &t in facts.teachers {
        let available = if early_staff.contains(&t) {
            DAYS.iter().map(|d| span(d, "07:30", "13:00")).collect()
        } else if let Some(k) = part_time.iter().position(|&x| x == t) {
            if k % 2 == 0 {
                full_days(&["Mon", "Tue", "Wed"])
            } else {
                full_days(&["Wed", "Thu", "Fri"])
            }
        } else {
            Vec::new()
        };
        staff.push(Staff {
            name: name(t),
            kind: StaffKind::Teacher,
            sites: vec![home.clone()],
            available,
            prefers_not: Vec::new(),
            away: Vec::new(),
        });
    }
    for (n, grade) in &assistants {
        staff.push(Staff {
            name: n.clone(),
            kind: StaffKind::TeachingAssistant(*grade),
            sites: vec![home.clone()],
            available: Vec::new(),
            prefers_not: Vec::new(),
            away: Vec::new(),
        });
    }
    for (i, n) in community.iter().enumerate() {
        staff.push(Staff {
            name: n.clone(),
            kind: StaffKind::CommunityTeacher,
            sites: if i == 0 {
                vec![home.clone(), partner.clone()]
            } else {
                vec![home.clone()]
            },
            available: Vec::new(),
            // Volunteers from the community would rather keep Monday mornings.
            prefers_not: vec![span("Mon", "08:00", "10:00")],
            away: Vec::new(),
        });
    }
    let largest = b
        .offers
        .iter()
        .flat_map(|o| o.sets.iter().map(|s| s.size))
        .max()
        .unwrap_or(30)
        .max(30);
    let mut rooms = Vec::new();
    for (kind, n) in ROOM_KINDS {
        for i in 1..=n {
            rooms.push(SchoolRoom {
                name: format!("{} {i}", kind_label(kind)),
                site: home.clone(),
                capacity: largest,
                kind: kind.into(),
                features: Vec::new(),
            });
        }
    }
    rooms.push(SchoolRoom {
        name: format!("{partner} music room"),
        site: partner.clone(),
        capacity: 30,
        kind: "partner-music".into(),
        features: Vec::new(),
    });

    let mut pupils = Vec::new();
    for p in facts.pupils {
        let requests = b.requests.remove(&p.id).unwrap_or_default();
        let secure = b.secure.remove(&p.id).unwrap_or_default();
        if requests.is_empty() && secure.is_empty() {
            continue;
        }
        pupils.push(Pupil {
            id: p.id.to_string(),
            year: u32::from(p.year),
            window: early_pupils.contains(&p.id).then(|| "early".to_string()),
            requests,
            secure,
        });
    }

    School {
        name: home.clone(),
        days: DAYS.iter().map(|d| d.to_string()).collect(),
        weeks: 2,
        minutes_per_slot: 5,
        // 50-minute periods from 07:30: 07:30, 08:20, 09:10, ... on the 5-minute grid.
        start_every_minutes: 50,
        windows: vec![
            Window {
                name: "early".into(),
                start: "07:30".into(),
                end: "13:00".into(),
            },
            Window {
                name: "day".into(),
                start: "08:20".into(),
                end: "15:50".into(),
            },
            Window {
                name: "after-school".into(),
                start: "15:50".into(),
                end: "17:30".into(),
            },
        ],
        blocks: vec![Block {
            name: LESSON.into(),
            minutes: 50,
        }],
        closed: DAYS
            .iter()
            .map(|d| span(d, "12:30", "13:20"))
            .chain(std::iter::once(span("Fri", "13:20", "15:50")))
            .collect(),
        sites: vec![
            Site {
                name: home.clone(),
                travel_minutes: [(partner.clone(), 20)].into_iter().collect(),
            },
            Site {
                name: partner.clone(),
                travel_minutes: BTreeMap::new(),
            },
        ],
        rooms,
        staff,
        offers: b
            .offers
            .into_iter()
            .map(|mut o| {
                // Lessons go in the school day unless the offer or group says otherwise.
                if o.window.is_none() && o.sets.iter().all(|s| s.window.is_none()) {
                    o.window = Some("day".into());
                }
                o
            })
            .collect(),
        option_blocks: b.option_blocks,
        pupils,
        entitlement: vec![
            EntitlementRule {
                name: "English".into(),
                any_of: vec!["English".into()],
                up_to_year: Some(11),
            },
            EntitlementRule {
                name: "maths".into(),
                any_of: vec!["Mathematics".into()],
                up_to_year: Some(11),
            },
            EntitlementRule {
                name: "a science".into(),
                any_of: vec!["Science".into()],
                up_to_year: Some(11),
            },
        ],
        secure_periods: 4,
        balanced_week: 2,
        staff_balanced_week: 1,
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "maths" => "Maths room",
        "english" => "English room",
        "humanities" => "Humanities room",
        "languages" => "Languages room",
        "lab" => "Lab",
        "sports" => "Sports space",
        "art" => "Art studio",
        "music" => "Music room",
        "drama" => "Drama studio",
        "computer" => "Computer room",
        "workshop" => "D&T workshop",
        "food" => "Food room",
        _ => "Classroom",
    }
}

/// Facts shaped like the demo's Riverside Academy, built the way `Gen::groups` builds
/// them (for the figures program and tests until the real groups are fed in).
#[doc(hidden)]
pub struct SampleFacts {
    pub pupils: Vec<PupilFact>,
    pub teachers: Vec<i64>,
    pub assistants: Vec<i64>,
    pub community_teachers: Vec<i64>,
    pub groups: Vec<GroupFact>,
    pub seed: u64,
}

impl SampleFacts {
    pub fn facts(&self) -> SchoolFacts<'_> {
        SchoolFacts {
            name: "Riverside Academy",
            pupils: &self.pupils,
            teachers: &self.teachers,
            assistants: &self.assistants,
            community_teachers: &self.community_teachers,
            groups: &self.groups,
            partner_school: "Brookside Primary School",
            seed: self.seed,
        }
    }
}

/// The demo's sixth-form subjects (as in `names::SIXTH_FORM_SUBJECTS`).
const SIXTH_FORM_SUBJECTS: [&str; 15] = [
    "Biology",
    "Chemistry",
    "Physics",
    "Mathematics",
    "Further Mathematics",
    "English Literature",
    "History",
    "Geography",
    "Psychology",
    "Sociology",
    "Art and Design",
    "Computer Science",
    "Economics",
    "French",
    "Music",
];

/// Riverside Academy's pupils, staff and teaching groups as the demo generates them:
/// 1,200 pupils in Years 7–13 (sixth-form years at 65%), 70 teachers, 20 teaching
/// assistants, 6 community teachers, and the groups of `Gen::groups` (teachers taken in
/// turn, tutor groups included in the turn).
#[doc(hidden)]
pub fn sample_facts(seed: u64) -> SampleFacts {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let size = 1200u32;
    let teachers: Vec<i64> = (0..i64::from(size / 17)).map(|i| 1000 + i).collect();
    let assistants: Vec<i64> = (0..i64::from(size / 60)).map(|i| 2000 + i).collect();
    let community_teachers: Vec<i64> = (0..i64::from(size / 200)).map(|i| 3000 + i).collect();
    let weights: Vec<(u8, f64)> = (7..=13u8)
        .map(|y| (y, if y >= 12 { 0.65 } else { 1.0 }))
        .collect();
    let total: f64 = weights.iter().map(|w| w.1).sum();
    let mut pupils = Vec::new();
    let mut next_id = 10_000i64;
    for (y, w) in &weights {
        let n = (f64::from(size) * w / total).round() as u32;
        for _ in 0..n {
            pupils.push(PupilFact {
                id: next_id,
                year: *y,
                ability: rng.gen(),
            });
            next_id += 1;
        }
    }
    let mut turn = 0usize;
    let mut next_teacher = |t: &[i64]| {
        turn += 1;
        t.get(turn % t.len().max(1)).copied().unwrap_or(0)
    };
    // Tutor groups take their turn first (three houses of groups of 25, then the sixth form
    // in groups of 20); they are not teaching groups, so only the turns are kept.
    let lower = pupils.iter().filter(|p| p.year <= 11).count();
    for ui in 0..3 {
        let n = (0..lower).filter(|i| i % 3 == ui).count();
        for _ in 0..n.div_ceil(25) {
            next_teacher(&teachers);
        }
    }
    let upper = pupils.len() - lower;
    for _ in 0..upper.div_ceil(20) {
        next_teacher(&teachers);
    }
    let mut groups = Vec::new();
    let mut ks3: Vec<(f64, i64)> = pupils
        .iter()
        .filter(|p| (7..=9).contains(&p.year))
        .map(|p| (p.ability, p.id))
        .collect();
    ks3.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (si, chunk) in ks3.chunks(28).enumerate() {
        groups.push(GroupFact {
            name: format!("Maths set {} (Years 7–9)", si + 1),
            subject: Some("Mathematics".into()),
            kind: "set",
            teacher: next_teacher(&teachers),
            members: chunk.iter().map(|c| c.1).collect(),
        });
    }
    for year in 7..=13u8 {
        let mut cohort: Vec<(f64, i64)> = pupils
            .iter()
            .filter(|p| p.year == year)
            .map(|p| (p.ability, p.id))
            .collect();
        cohort.sort_by(|a, b| b.0.total_cmp(&a.0));
        if year <= 11 {
            for (si, chunk) in cohort.chunks(28).enumerate() {
                groups.push(GroupFact {
                    name: format!("Year {year} English set {}", si + 1),
                    subject: Some("English".into()),
                    kind: "set",
                    teacher: next_teacher(&teachers),
                    members: chunk.iter().map(|c| c.1).collect(),
                });
            }
            let mut mixed = cohort.clone();
            mixed.shuffle(&mut rng);
            for (ci, chunk) in mixed.chunks(28).enumerate() {
                groups.push(GroupFact {
                    name: format!("Year {year} Science {}", ci + 1),
                    subject: Some("Science".into()),
                    kind: "class",
                    teacher: next_teacher(&teachers),
                    members: chunk.iter().map(|c| c.1).collect(),
                });
            }
            if year >= 10 {
                for (si, chunk) in cohort.chunks(28).enumerate() {
                    groups.push(GroupFact {
                        name: format!("Year {year} Maths set {}", si + 1),
                        subject: Some("Mathematics".into()),
                        kind: "set",
                        teacher: next_teacher(&teachers),
                        members: chunk.iter().map(|c| c.1).collect(),
                    });
                }
            }
        } else {
            // Each student takes three subjects; a subject's class is made when first chosen.
            let mut class_of: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, lid) in &cohort {
                let mut subjects = SIXTH_FORM_SUBJECTS.to_vec();
                subjects.shuffle(&mut rng);
                for subject in subjects.into_iter().take(3) {
                    let gi = match class_of.get(subject) {
                        Some(g) => *g,
                        None => {
                            groups.push(GroupFact {
                                name: format!("Year {year} {subject}"),
                                subject: Some(subject.into()),
                                kind: "class",
                                teacher: next_teacher(&teachers),
                                members: Vec::new(),
                            });
                            class_of.insert(subject, groups.len() - 1);
                            groups.len() - 1
                        }
                    };
                    if let Some(g) = groups.get_mut(gi) {
                        g.members.push(*lid);
                    }
                }
            }
        }
    }
    groups.push(GroupFact {
        name: "Robotics club".into(),
        subject: Some("Computing".into()),
        kind: "community",
        teacher: community_teachers.first().copied().unwrap_or(0),
        members: pupils
            .iter()
            .filter(|p| p.ability > 0.8)
            .take(24)
            .map(|p| p.id)
            .collect(),
    });
    SampleFacts {
        pupils,
        teachers,
        assistants,
        community_teachers,
        groups,
        seed,
    }
}

//! Learning plans, ladders of progress, portfolio evidence and a review day for the demo.
//!
//! Every school gets subject ladders (GCSE grades in a secondary, working towards /
//! expected / greater depth elsewhere) and the four learning-to-learn ladders. About two
//! in three learners have a plan in their own words with targets in several domains;
//! half of those were agreed by learner, tutor and parent at the autumn review. Teachers
//! have placed most learners on their subject ladders, and some learners have assessed
//! themselves. The secondary has a spring review day open for booking.

use crate::{next, Gen, LearnerGen, SchoolGen};
use jiff::civil::Date;
use rand::Rng;
use village_domain::ladder::{self, Ladder, LadderKind};
use village_domain::org::Phase;
use village_domain::plan::{Measure, PlanContent, Target, TargetDomain, TargetStatus};
use village_store::BulkValue as V;

const WANT_TO_BE: &[&str] = &[
    "A vet, because I love animals and want to help them get better.",
    "An engineer who builds bridges.",
    "A footballer, or a PE teacher if that doesn't work out.",
    "Someone who writes stories for children.",
    "A nurse like my aunt.",
    "I don't know yet, but I want a job where I can be outside.",
    "A game designer.",
    "A chef with my own restaurant.",
];
const ENJOY: &[&str] = &[
    "Drawing, music and being with my friends.",
    "Maths puzzles and building things.",
    "Reading fantasy books and swimming.",
    "Science experiments, especially the messy ones.",
    "Drama club and singing.",
    "Helping the younger ones at reading time.",
];
const FIND_HARD: &[&str] = &[
    "Writing long answers and staying focused.",
    "Fractions, and asking for help when I'm stuck.",
    "Getting to school on time in the mornings.",
    "Speaking in front of the class.",
    "Remembering my homework.",
    "Spelling.",
];
const REFLECTIONS: &[(&str, &str, &str)] = &[
    (
        "My fractions poster",
        "I learned that a fraction is a part of a whole, and how to find equal ones.",
        "drawing_writing",
    ),
    (
        "Book review: Holes",
        "I learned how to say what I think about a book and give reasons.",
        "practice",
    ),
    (
        "Volcano model",
        "I found out why some volcanoes explode and others don't.",
        "peer",
    ),
    (
        "Coding a quiz game",
        "I learned how to use loops and if statements.",
        "computer",
    ),
    (
        "Poem for remembrance",
        "I learned how rhythm makes a poem easier to read aloud.",
        "listening",
    ),
    (
        "Swimming 50 metres",
        "Practising every week meant I could finally do it without stopping.",
        "practice",
    ),
];

/// The demo's ladders for a school, from Village's ready-made ones.
fn school_ladders(phase: Phase) -> Vec<Ladder> {
    let builtin = ladder::builtin();
    let (template, subjects): (Option<&Ladder>, &[&str]) = match phase {
        Phase::Secondary => (
            builtin.iter().find(|l| l.rungs.len() == 9),
            &["Maths", "English", "Science"],
        ),
        _ => (
            builtin.iter().find(|l| l.rungs.len() == 3),
            &["Reading", "Writing", "Maths"],
        ),
    };
    let mut out = Vec::new();
    if let Some(t) = template {
        for s in subjects {
            let mut l = t.clone();
            l.title = format!("{s}: {}", t.title);
            l.subject = Some((*s).to_string());
            out.push(l);
        }
    }
    out.extend(
        builtin
            .into_iter()
            .filter(|l| l.kind == LadderKind::Capability),
    );
    out
}

impl Gen<'_> {
    pub(crate) fn plans(&mut self, s: &SchoolGen) {
        let ladders = school_ladders(s.phase);
        let created = self.opts.now.as_second();
        // (ladder id, rung ids, rung codes)
        let mut placed: Vec<(i64, Vec<i64>, Vec<String>)> = Vec::new();
        for l in &ladders {
            let lid = next(&mut self.ids.ladder);
            self.w.row(
                "ladders",
                &[
                    "id",
                    "org_id",
                    "title",
                    "subject",
                    "kind",
                    "description",
                    "created_at",
                ],
                vec![
                    lid.into(),
                    s.id.into(),
                    l.title.clone().into(),
                    l.subject.clone().map_or(V::NullText, V::from),
                    l.kind.as_str().into(),
                    l.description.clone().into(),
                    created.into(),
                ],
            );
            let mut rungs = Vec::new();
            for (i, r) in l.rungs.iter().enumerate() {
                let rid = next(&mut self.ids.rung);
                self.w.row(
                    "ladder_rungs",
                    &[
                        "id",
                        "org_id",
                        "ladder_id",
                        "position",
                        "code",
                        "title",
                        "descriptor",
                        "next_step",
                    ],
                    vec![
                        rid.into(),
                        s.id.into(),
                        lid.into(),
                        (i as i64).into(),
                        r.code.clone().into(),
                        r.title.clone().into(),
                        r.descriptor.clone().into(),
                        r.next_step.clone().into(),
                    ],
                );
                rungs.push(rid);
            }
            placed.push((lid, rungs, l.rungs.iter().map(|r| r.code.clone()).collect()));
        }
        let today = self.opts.today;
        let autumn = s
            .calendar
            .terms
            .first()
            .map(|t| t.first_day)
            .unwrap_or(today);
        let learners = s.learners.clone();
        for l in &learners {
            self.ladder_history(s, l, &placed, autumn, today);
            // The showcase pupil always has a plan (agreed in the autumn), whatever the
            // random draws before it, which depend on today's date.
            let showcase = self.aliases.get(&l.id) == Some(&"pupil");
            if !showcase && self.rng.gen_bool(0.35) {
                continue;
            }
            self.plan_for(s, l, &placed, today);
        }
        if s.phase == Phase::Secondary {
            self.review_day(s, today);
        }
    }

    /// Teachers place the learner on their first subject ladder; some learners assess
    /// themselves on a learning-to-learn ladder.
    fn ladder_history(
        &mut self,
        s: &SchoolGen,
        l: &LearnerGen,
        placed: &[(i64, Vec<i64>, Vec<String>)],
        autumn: Date,
        today: Date,
    ) {
        let teacher = s
            .maths_teacher_of
            .get(&l.id)
            .copied()
            .or_else(|| s.teachers.first().copied())
            .unwrap_or(s.leader);
        let recorded = self.opts.now.as_second();
        for (k, (lid, rungs, _)) in placed.iter().enumerate() {
            let capability = k >= 3;
            // The maths teacher judges the first subject ladder only.
            if k == 1 || k == 2 {
                continue;
            }
            let (source, by, chance) = if capability {
                ("self", l.id, 0.3)
            } else {
                ("teacher", teacher, 0.8)
            };
            if !self.rng.gen_bool(chance) || rungs.is_empty() {
                continue;
            }
            // Ability drives the rung; Year 7s sit lower on GCSE grades than Year 11s.
            let span = rungs.len() as f64;
            let year_lift = if rungs.len() == 9 {
                f64::from(l.year.saturating_sub(7)) * 0.08
            } else {
                0.0
            };
            let at = ((l.ability * 0.7 + year_lift) * span).floor() as usize;
            let at = at.min(rungs.len() - 1);
            let Some(rung) = rungs.get(at).copied() else {
                continue;
            };
            let on = autumn
                .checked_add(jiff::Span::new().days(self.rng.gen_range(20..60)))
                .ok()
                .filter(|d| *d < today)
                .unwrap_or(autumn);
            let jid = next(&mut self.ids.judgement);
            self.w.row(
                "rung_judgements",
                &[
                    "id",
                    "org_id",
                    "learner_id",
                    "ladder_id",
                    "rung_id",
                    "source",
                    "judged_by",
                    "judged_on",
                    "evidence_note",
                    "evidence_id",
                    "recorded_at",
                ],
                vec![
                    jid.into(),
                    s.id.into(),
                    l.id.into(),
                    (*lid).into(),
                    rung.into(),
                    source.into(),
                    by.into(),
                    on.to_string().into(),
                    if capability {
                        "I think this is where I am."
                    } else {
                        "From the half-term assessment and classwork."
                    }
                    .into(),
                    V::NullInt,
                    recorded.into(),
                ],
            );
            if capability {
                break;
            }
        }
    }

    fn plan_for(
        &mut self,
        s: &SchoolGen,
        l: &LearnerGen,
        placed: &[(i64, Vec<i64>, Vec<String>)],
        today: Date,
    ) {
        let tutor = s.tutor_of.get(&l.id).copied().unwrap_or(s.leader);
        let at = self.opts.now.as_second();
        let due = Date::new(s.calendar.start_year + 1, 7, 15).unwrap_or(today);
        let mut targets = Vec::new();
        let subject_ladder = placed.first();
        let (subject, ladder_id, goal_rung) = match subject_ladder {
            Some((lid, _, codes)) => {
                let goal = codes
                    .get(
                        ((l.ability * codes.len() as f64) as usize + 1)
                            .min(codes.len().saturating_sub(1)),
                    )
                    .cloned();
                (
                    if s.phase == Phase::Secondary {
                        "Maths"
                    } else {
                        "Reading"
                    },
                    Some(*lid),
                    goal,
                )
            }
            None => ("Maths", None, None),
        };
        targets.push(Target {
            id: next(&mut self.ids.target),
            domain: TargetDomain::Attainment,
            title: format!("Move up a step in {subject}"),
            subject: Some(subject.into()),
            baseline: "Where my teacher placed me this autumn".into(),
            goal: "One step higher by the summer".into(),
            due_on: due,
            measure: if ladder_id.is_some() {
                Measure::Ladder
            } else {
                Measure::Judged
            },
            ladder_id,
            goal_rung,
            goal_percent: None,
            status: TargetStatus::Active,
        });
        if l.disengaging || self.rng.gen_bool(0.3) {
            targets.push(Target {
                id: next(&mut self.ids.target),
                domain: TargetDomain::Attendance,
                title: "Come to school every day I can".into(),
                subject: None,
                baseline: "Some days missed this autumn".into(),
                goal: "96% or better".into(),
                due_on: due,
                measure: Measure::Attendance,
                ladder_id: None,
                goal_rung: None,
                goal_percent: Some(96),
                status: TargetStatus::Active,
            });
        }
        let (domain, title) = match self.rng.gen_range(0..4) {
            0 => (TargetDomain::Homework, "Hand in homework on time"),
            1 => (
                TargetDomain::ExtraCurricular,
                "Join a club and stick with it",
            ),
            2 => (
                TargetDomain::Wellbeing,
                "Talk to someone when I feel worried",
            ),
            _ => (
                TargetDomain::LearningToLearn,
                "Ask for help when I am stuck",
            ),
        };
        targets.push(Target {
            id: next(&mut self.ids.target),
            domain,
            title: title.into(),
            subject: None,
            baseline: String::new(),
            goal: "Most weeks, and my tutor agrees".into(),
            due_on: due,
            measure: Measure::Judged,
            ladder_id: None,
            goal_rung: None,
            goal_percent: None,
            status: TargetStatus::Active,
        });
        let content = PlanContent {
            who_i_want_to_be: self.pick(WANT_TO_BE).to_string(),
            what_i_enjoy: self.pick(ENJOY).to_string(),
            what_i_find_hard: self.pick(FIND_HARD).to_string(),
            targets,
        };
        // The showcase pupil's plan was agreed in the autumn, so the demo shows versions.
        let agreed = self.rng.gen_bool(0.5) || self.aliases.get(&l.id) == Some(&"pupil");
        let pid = next(&mut self.ids.plan);
        self.w.row(
            "plans",
            &[
                "id",
                "org_id",
                "learner_id",
                "who_i_want_to_be",
                "what_i_enjoy",
                "what_i_find_hard",
                "version",
                "revision",
                "agreed",
                "updated_at",
                "updated_by",
            ],
            vec![
                pid.into(),
                s.id.into(),
                l.id.into(),
                content.who_i_want_to_be.clone().into(),
                content.what_i_enjoy.clone().into(),
                content.what_i_find_hard.clone().into(),
                1.into(),
                4.into(),
                i64::from(agreed).into(),
                at.into(),
                l.id.into(),
            ],
        );
        for t in &content.targets {
            self.w.row(
                "plan_targets",
                &[
                    "id",
                    "org_id",
                    "learner_id",
                    "domain",
                    "title",
                    "subject",
                    "baseline",
                    "goal",
                    "due_on",
                    "measure",
                    "ladder_id",
                    "goal_rung",
                    "goal_percent",
                    "status",
                    "removed",
                    "origin",
                    "created_at",
                ],
                vec![
                    t.id.into(),
                    s.id.into(),
                    l.id.into(),
                    t.domain.as_str().into(),
                    t.title.clone().into(),
                    t.subject.clone().map_or(V::NullText, V::from),
                    t.baseline.clone().into(),
                    t.goal.clone().into(),
                    t.due_on.to_string().into(),
                    t.measure.as_str().into(),
                    t.ladder_id.map_or(V::NullInt, V::from),
                    t.goal_rung.clone().map_or(V::NullText, V::from),
                    t.goal_percent.map_or(V::NullInt, |p| V::from(i64::from(p))),
                    t.status.as_str().into(),
                    0.into(),
                    V::NullText,
                    at.into(),
                ],
            );
        }
        if agreed {
            let Ok(json) = serde_json::to_string(&content) else {
                return;
            };
            let vid = next(&mut self.ids.plan_version);
            self.w.row(
                "plan_versions",
                &[
                    "id",
                    "org_id",
                    "learner_id",
                    "version",
                    "revision",
                    "content",
                    "agreed_at",
                ],
                vec![
                    vid.into(),
                    s.id.into(),
                    l.id.into(),
                    1.into(),
                    4.into(),
                    json.into(),
                    at.into(),
                ],
            );
            let parent = self.guardian_of.get(&l.id).copied();
            for (role, person) in [
                ("learner", Some(l.id)),
                ("tutor", Some(tutor)),
                ("parent", parent),
            ] {
                let Some(person) = person else {
                    continue;
                };
                let aid = next(&mut self.ids.agreement);
                self.w.row(
                    "plan_agreements",
                    &[
                        "id",
                        "org_id",
                        "learner_id",
                        "version",
                        "revision",
                        "agreement_role",
                        "person_id",
                        "agreed_at",
                    ],
                    vec![
                        aid.into(),
                        s.id.into(),
                        l.id.into(),
                        1.into(),
                        4.into(),
                        role.into(),
                        person.into(),
                        at.into(),
                    ],
                );
            }
        }
        // A piece of work in the portfolio for about half of the learners with a plan.
        if self.rng.gen_bool(0.5) {
            let (title, reflection, how) = REFLECTIONS
                .get(self.rng.gen_range(0..REFLECTIONS.len()))
                .copied()
                .unwrap_or(("My work", "", "other"));
            let eid = next(&mut self.ids.evidence);
            self.w.row(
                "evidence",
                &[
                    "id",
                    "org_id",
                    "learner_id",
                    "added_by",
                    "title",
                    "kind",
                    "body",
                    "url",
                    "file_key",
                    "preview_key",
                    "mime",
                    "size_bytes",
                    "sha256",
                    "file_name",
                    "subject",
                    "ladder_id",
                    "reflection",
                    "learned_how",
                    "made_where",
                    "occurred_on",
                    "kept",
                    "share_teachers",
                    "share_mentor",
                    "share_community",
                    "origin",
                    "created_at",
                ],
                vec![
                    eid.into(),
                    s.id.into(),
                    l.id.into(),
                    l.id.into(),
                    title.into(),
                    "text".into(),
                    "Written up in my own words after the lesson.".into(),
                    V::NullText,
                    V::NullText,
                    V::NullText,
                    V::NullText,
                    V::NullInt,
                    V::NullText,
                    V::NullText,
                    V::NullText,
                    V::NullInt,
                    reflection.into(),
                    how.into(),
                    "school".into(),
                    today.to_string().into(),
                    1.into(),
                    1.into(),
                    1.into(),
                    0.into(),
                    V::NullText,
                    at.into(),
                ],
            );
            if let Some(t) = content.targets.first() {
                let lid = next(&mut self.ids.evidence_target);
                self.w.row(
                    "evidence_targets",
                    &["id", "org_id", "evidence_id", "target_id"],
                    vec![lid.into(), s.id.into(), eid.into(), t.id.into()],
                );
            }
        }
    }

    /// A review day three weeks ahead, bookable for two, with 30-minute slots for
    /// every tutor from 13:00 to 18:00.
    fn review_day(&mut self, s: &SchoolGen, today: Date) {
        let (Ok(held), Ok(closes)) = (
            today.checked_add(jiff::Span::new().days(21)),
            today.checked_add(jiff::Span::new().days(14)),
        ) else {
            return;
        };
        let rid = next(&mut self.ids.review_round);
        self.w.row(
            "review_rounds",
            &[
                "id",
                "org_id",
                "title",
                "held_on",
                "booking_closes_on",
                "created_by",
                "created_at",
            ],
            vec![
                rid.into(),
                s.id.into(),
                format!(
                    "{} review day",
                    match held.month() {
                        9..=12 => "Autumn",
                        1..=4 => "Spring",
                        _ => "Summer",
                    }
                )
                .into(),
                held.to_string().into(),
                closes.to_string().into(),
                s.leader.into(),
                self.opts.now.as_second().into(),
            ],
        );
        let mut tutors: Vec<i64> = s.tutor_of.values().copied().collect();
        tutors.sort_unstable();
        tutors.dedup();
        for t in tutors {
            for minute in (13 * 60..18 * 60).step_by(30) {
                let sid = next(&mut self.ids.review_slot);
                self.w.row(
                    "review_slots",
                    &[
                        "id",
                        "org_id",
                        "round_id",
                        "tutor_id",
                        "starts_minute",
                        "learner_id",
                        "booked_by",
                        "booked_at",
                    ],
                    vec![
                        sid.into(),
                        s.id.into(),
                        rid.into(),
                        t.into(),
                        i64::from(minute).into(),
                        V::NullInt,
                        V::NullInt,
                        V::NullInt,
                    ],
                );
            }
        }
    }
}

//! Timing of the three algorithms on generated instances.
//!
//! Run with `cargo bench -p village-matching`. Prints one JSON line per case with the
//! measured wall-clock seconds (one run per case, after the instance is generated).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Instant;

use village_matching::mentor::{self, Learner, Mentor, MentorProblem, SchoolRules};
use village_matching::peer::{self, PeerProblem, PeerRules, RematchOptions, Tutee, Tutor};
use village_matching::teams::{self, Challenge, ChallengeLearner, TeamOptions, TeamProblem};

/// SplitMix64: a small seeded generator for reproducible instances.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn mentor_instance(
    learners: u64,
    mentors: u64,
    schools: u64,
    seed: u64,
) -> (MentorProblem, SchoolRules) {
    let mut rng = Rng(seed);
    let mut rules = SchoolRules::new();
    for s in (0..schools).step_by(2) {
        if s + 1 < schools {
            rules.add_partners(s, s + 1);
        }
    }
    let per_school = mentors / schools;
    let ms: Vec<Mentor> = (0..mentors)
        .map(|i| Mentor {
            id: i,
            name: format!("Mentor {i}"),
            school: i / per_school.max(1) % schools,
            capacity: 10 + rng.below(11) as u32,
            cleared: rng.below(100) < 95,
        })
        .collect();
    let mut by_school: Vec<Vec<u64>> = vec![Vec::new(); schools as usize];
    for m in &ms {
        if m.cleared {
            by_school[m.school as usize].push(m.id);
        }
    }
    let mut ls = Vec::with_capacity(learners as usize);
    let mut relationships = Vec::new();
    for i in 0..learners {
        let school = i % schools;
        let partner = school ^ 1;
        let mut pool = by_school[school as usize].clone();
        if partner < schools {
            pool.extend(&by_school[partner as usize]);
        }
        let k = match rng.below(10) {
            0 => 0,
            1 => 1,
            2 | 3 => 2,
            _ => 3,
        };
        let mut choices = Vec::new();
        while choices.len() < k.min(pool.len()) {
            // Skewed popularity: low positions are asked for far more often.
            let a = rng.below(pool.len() as u64);
            let b = rng.below(pool.len() as u64);
            let m = pool[a.min(b) as usize];
            if !choices.contains(&m) {
                choices.push(m);
            }
        }
        if rng.below(20) == 0 && !pool.is_empty() {
            relationships.push((i, pool[rng.below(pool.len() as u64) as usize]));
        }
        ls.push(Learner {
            id: i,
            school,
            choices,
        });
    }
    (
        MentorProblem {
            learners: ls,
            mentors: ms,
            relationships,
            seed,
        },
        rules,
    )
}

fn peer_instance(pupils: u64, seed: u64, id_base: u64) -> PeerProblem {
    let mut rng = Rng(seed);
    let slots = 10;
    let free = |rng: &mut Rng| {
        let mut mask = 0u64;
        for _ in 0..3 {
            mask |= 1 << rng.below(slots);
        }
        mask
    };
    let tutors = (0..pupils / 2)
        .map(|i| Tutor {
            id: id_base + i,
            name: format!("Tutor {i}"),
            rung: 3 + rng.below(10) as i32,
            year: 5 + rng.below(2) as u8,
            capacity: 1 + rng.below(2) as u32,
            free_slots: free(&mut rng),
        })
        .collect();
    let tutees = (0..pupils - pupils / 2)
        .map(|i| Tutee {
            id: id_base + pupils + i,
            name: format!("Tutee {i}"),
            rung: rng.below(11) as i32,
            year: 3 + rng.below(2) as u8,
            need: 1 + rng.below(5) as u32,
            free_slots: free(&mut rng),
        })
        .collect();
    PeerProblem {
        subject: "reading".into(),
        slot_names: [
            "Mon am", "Mon pm", "Tue am", "Tue pm", "Wed am", "Wed pm", "Thu am", "Thu pm",
            "Fri am", "Fri pm",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        tutors,
        tutees,
        rules: PeerRules {
            older: Some(peer::OlderRule {
                min_years: 2,
                min_gap: 0,
            }),
            ..PeerRules::default()
        },
    }
}

fn report(case: &str, seconds: f64, extra: &str) {
    println!("{{\"case\":\"{case}\",\"seconds\":{seconds:.4}{extra}}}");
}

fn main() {
    // Mentor assignment: 100,000 learners, 8,000 mentors, 100 schools in partner pairs.
    let (problem, rules) = mentor_instance(100_000, 8_000, 100, 42);
    let t = Instant::now();
    let result = mentor::assign(&problem, &rules);
    let secs = t.elapsed().as_secs_f64();
    match result {
        Ok(a) => {
            let placed = a.outcomes.iter().filter(|o| o.mentor.is_some()).count();
            let chosen = a.outcomes.iter().filter(|o| o.chosen()).count();
            let first = a
                .outcomes
                .iter()
                .filter(|o| o.route == mentor::Route::Choice { rank: 0 })
                .count();
            report(
                "mentor_100000_learners_8000_mentors",
                secs,
                &format!(",\"placed\":{placed},\"chosen\":{chosen},\"first_choice\":{first}"),
            );
        }
        Err(e) => println!("{{\"case\":\"mentor\",\"error\":\"{e}\"}}"),
    }

    // Peer tutoring: one 1,200-pupil school.
    let school = peer_instance(1_200, 7, 0);
    let t = Instant::now();
    let m = peer::match_peers(&school);
    let secs = t.elapsed().as_secs_f64();
    match &m {
        Ok(m) => report(
            "peer_one_school_1200_pupils",
            secs,
            &format!(
                ",\"tutees\":{},\"matched\":{}",
                school.tutees.len(),
                m.score.matched
            ),
        ),
        Err(e) => println!("{{\"case\":\"peer\",\"error\":\"{e}\"}}"),
    }
    if let Ok(m) = &m {
        if let Some(departed) = m.pairs.first().map(|p| p.tutor) {
            let t = Instant::now();
            let r = peer::rematch(&school, &m.pairs, departed, RematchOptions::default());
            let secs = t.elapsed().as_secs_f64();
            if let Ok(r) = r {
                report(
                    "peer_rematch_1200_pupils",
                    secs,
                    &format!(",\"kept\":{},\"changes\":{}", r.kept, r.changes.len()),
                );
            }
        }
    }

    // Peer tutoring: 100,000 learners as 100 schools' programmes of 1,000 pupils.
    let schools: Vec<PeerProblem> = (0..100)
        .map(|s| peer_instance(1_000, 100 + s, s * 10_000))
        .collect();
    let t = Instant::now();
    let mut matched = 0;
    for p in &schools {
        if let Ok(m) = peer::match_peers(p) {
            matched += m.score.matched;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    report(
        "peer_100_schools_100000_pupils",
        secs,
        &format!(",\"matched\":{matched}"),
    );

    // Challenge teams: 1,200 learners, 40 challenges.
    let mut rng = Rng(5);
    let domains = [
        "science",
        "art",
        "music",
        "sport",
        "writing",
        "engineering",
        "nature",
        "drama",
    ];
    let challenges: Vec<Challenge> = (0..40)
        .map(|i| Challenge {
            id: i,
            name: format!("Challenge {i}"),
            coach: format!("Coach {i}"),
            domain: domains[(i % 8) as usize].to_string(),
            min_size: 8,
            max_size: 40,
        })
        .collect();
    let learners: Vec<ChallengeLearner> = (0..1_200)
        .map(|i| {
            let mut choices = Vec::new();
            while choices.len() < 5 {
                let a = rng.below(40);
                let b = rng.below(40);
                if !choices.contains(&a.min(b)) {
                    choices.push(a.min(b));
                }
            }
            ChallengeLearner {
                id: i,
                choices,
                strengths: domains
                    .iter()
                    .map(|d| (d.to_string(), rng.below(5) as u8))
                    .collect(),
            }
        })
        .collect();
    let problem = TeamProblem {
        challenges,
        learners,
        options: TeamOptions::default(),
    };
    let t = Instant::now();
    let plan = teams::form_teams(&problem);
    let secs = t.elapsed().as_secs_f64();
    if let Ok(plan) = plan {
        let placed = plan
            .placements
            .iter()
            .filter(|p| p.challenge.is_some())
            .count();
        let stretch = plan.placements.iter().filter(|p| p.stretch).count();
        report(
            "teams_1200_learners_40_challenges",
            secs,
            &format!(",\"placed\":{placed},\"stretch\":{stretch}"),
        );
    }
}

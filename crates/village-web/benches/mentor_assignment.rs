//! Mentor assignment at local-authority scale: 100,000 learners, 8,000 mentors.
//! `cargo bench -p village-web --bench mentor_assignment` prints one JSON line per case.

use std::time::Instant;
use village_domain::PersonId;
use village_store::{MentorProfile, MentoringInputs};

/// A small deterministic generator, so the bench needs no extra crates.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn instance(learners: usize, mentors: usize, ranked_share: f64, seed: u64) -> MentoringInputs {
    let mut rng = Lcg(seed);
    let capacity = (learners as f64 * 1.25 / mentors as f64).ceil() as i64;
    let mut choices = Vec::new();
    let mut current = Vec::with_capacity(learners);
    for l in 0..learners {
        let learner = PersonId(l as i64 + 1);
        // Learners choose among mentors of their own school: 80 mentors per school.
        let school = (l * mentors / learners) / 80;
        let pick = |rng: &mut Lcg| {
            PersonId(1_000_000 + (school * 80 + (rng.next() as usize % 80)).min(mentors - 1) as i64)
        };
        if (rng.next() % 1000) as f64 / 1000.0 < ranked_share {
            let mut mine: Vec<PersonId> = Vec::new();
            while mine.len() < 3 {
                let m = pick(&mut rng);
                if !mine.contains(&m) {
                    mine.push(m);
                }
            }
            for (r, m) in mine.into_iter().enumerate() {
                choices.push((learner, m, r as i64 + 1));
            }
            current.push((learner, None));
        } else {
            current.push((learner, Some(pick(&mut rng))));
        }
    }
    MentoringInputs {
        learners: current,
        choices,
        mentors: (0..mentors)
            .map(|m| MentorProfile {
                person: PersonId(1_000_000 + m as i64),
                name: format!("Mentor {m}"),
                about: String::new(),
                interests: String::new(),
                capacity,
                mentees: 0,
            })
            .collect(),
    }
}

fn main() {
    for (learners, mentors, share) in [
        (1_200, 80, 1.0),
        (100_000, 8_000, 1.0),
        (100_000, 8_000, 0.5),
    ] {
        let inputs = instance(learners, mentors, share, 7);
        let mut best = f64::MAX;
        let mut outcomes = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let r = village_web::mentor_run::assign(&inputs);
            best = best.min(start.elapsed().as_secs_f64());
            outcomes = r.outcomes.len();
        }
        println!(
            "{{\"case\":\"mentor_assignment\",\"learners\":{learners},\"mentors\":{mentors},\"ranked_share\":{share},\"assigned\":{outcomes},\"seconds\":{best:.3}}}"
        );
    }
}

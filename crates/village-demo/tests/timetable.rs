//! The demo secondary school's timetable model: built from facts shaped like the demo's,
//! deterministic, and solved to a complete timetable with no hard violation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use village_demo::timetable;

use std::collections::BTreeSet;
use std::time::Duration;

use village_timetable::school::{carry_over, StaffKind};
use village_timetable::SolveOptions;

#[test]
fn riverside_model_has_the_shape_the_platform_relies_on() {
    let sample = timetable::sample_facts(7);
    let facts = sample.facts();
    let school = timetable::secondary_model(&facts);
    assert_eq!(school, timetable::secondary_model(&facts), "deterministic");
    assert_eq!(school.weeks, 2);
    assert_eq!(school.secure_periods, 4);
    assert_eq!(school.pupils.len(), facts.pupils.len());
    assert_eq!(
        school.staff.len(),
        facts.teachers.len() + facts.assistants.len() + facts.community_teachers.len()
    );
    let ids: BTreeSet<String> = facts.pupils.iter().map(|p| p.id.to_string()).collect();
    assert!(school.pupils.iter().all(|p| ids.contains(&p.id)));
    // Sets by ability across Years 7–9 keep the demo's names, teachers and members.
    let maths = school.offers.iter().find(|o| o.id == "maths-ks3").unwrap();
    assert!(
        maths.setted
            && maths
                .sets
                .iter()
                .any(|s| s.name == "Maths set 3 (Years 7–9)")
    );
    let group = facts
        .groups
        .iter()
        .find(|g| g.name == "Maths set 3 (Years 7–9)")
        .unwrap();
    let member = group.members[0].to_string();
    let pupil = school.pupils.iter().find(|p| p.id == member).unwrap();
    assert!(pupil
        .requests
        .iter()
        .any(|r| r.offer == "maths-ks3" && r.set.as_deref() == Some("Maths set 3 (Years 7–9)")));
    // Readable subjects, the early window, SECURE choices, the partner school.
    for s in [
        "Mathematics",
        "English",
        "Science",
        "History",
        "Physical education",
    ] {
        assert!(school.offers.iter().any(|o| o.subject == s), "{s}");
    }
    let early = school
        .pupils
        .iter()
        .filter(|p| p.window.as_deref() == Some("early"))
        .count();
    assert!((40..=60).contains(&early), "{early}");
    assert!(school
        .offers
        .iter()
        .any(|o| o.window.as_deref() == Some("early")));
    let with_secure = school
        .pupils
        .iter()
        .filter(|p| !p.secure.is_empty())
        .count();
    assert!(with_secure * 10 >= school.pupils.len() * 9, "{with_secure}");
    assert!(school
        .offers
        .iter()
        .any(|o| o.secure && matches!(o.staff_kind, StaffKind::TeachingAssistant(_))));
    assert_eq!(school.sites.len(), 2);
    let specialist = facts.community_teachers[0].to_string();
    let partner_offer = school
        .offers
        .iter()
        .find(|o| o.id == "music-partner")
        .unwrap();
    assert_eq!(partner_offer.sets[0].staff, specialist);
    assert!(school
        .offers
        .iter()
        .any(|o| o.id != "music-partner" && o.sets.iter().any(|s| s.staff == specialist)));
    assert!(school.staff.iter().any(|s| !s.available.is_empty()));
    assert!(!school.closed.is_empty());
    assert!(school.check_entitlement().is_empty());
}

#[test]
fn riverside_solves_completely_and_re_solves_with_few_changes() {
    let sample = timetable::sample_facts(1);
    let school = timetable::secondary_model(&sample.facts());
    let options = SolveOptions {
        time_limit: Duration::from_secs(300),
        threads: 1,
        seed: 1,
        max_iterations: Some(30_000),
        ..SolveOptions::default()
    };
    let out = school.solve(&options, None).unwrap();
    let ev = out.evaluation();
    assert!(ev.is_valid(), "{:?}", ev.hard.first());
    assert_eq!(ev.placed_cleanly(), ev.total_classes);
    assert!(out.entitlement_breaches.is_empty());
    // One teacher away on Wednesday: a repair from the carried-over timetable.
    let teacher = sample.teachers[17].to_string();
    let mut changed = school.clone();
    changed.mark_unavailable(&teacher, "Wed").unwrap();
    let next = changed.compile().unwrap();
    let initial = carry_over(&out.compiled, &out.result.solution, &next);
    let again = changed
        .solve(
            &SolveOptions {
                initial: Some(initial),
                max_iterations: Some(20_000),
                ..options
            },
            None,
        )
        .unwrap();
    assert!(
        again.evaluation().is_valid(),
        "{:?}",
        again.evaluation().hard.first()
    );
    assert!(again
        .staff_timetable(&teacher)
        .iter()
        .all(|l| l.day != "Wed"));
    let c = village_timetable::school::assignment_changes(
        &out.compiled,
        &out.result.solution,
        &again.compiled,
        &again.result.solution,
    );
    // This teacher has a blocked set that day, so a whole block moves (the figures
    // program reports the spread over several teachers); a regression bound.
    assert!(c.changed * 10 < c.pupil_sessions, "{c:?}");
}

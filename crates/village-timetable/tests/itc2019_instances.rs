//! Parse test on the five public ITC 2019 instances kept in the shared bench folder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use village_timetable::itc2019;

fn bench_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/itc2019");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "note: {} is absent; skipping the ITC 2019 instance tests",
            dir.display()
        );
        None
    }
}

#[test]
fn parses_the_five_public_instances() {
    let Some(dir) = bench_dir() else { return };
    // name, classes, students
    let expected = [
        ("lums-sum17", 20, 0),
        ("bet-sum18", 127, 0),
        ("wbg-fal10", 150, 19),
        ("pu-cs-fal07", 174, 2002),
        ("muni-fsps-spr17", 561, 865),
    ];
    for (name, classes, students) in expected {
        let text = std::fs::read_to_string(dir.join(format!("{name}.xml"))).unwrap();
        let p = itc2019::parse_problem(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.name, name);
        assert_eq!(p.classes.len(), classes, "{name} classes");
        assert_eq!(p.students.len(), students, "{name} students");
        assert!(!p.rooms.is_empty());
        for (i, c) in p.classes.iter().enumerate() {
            assert!(!c.times.is_empty(), "{name}: class {i} has no times");
        }
    }
}

/// The solver finds hard-feasible timetables for the three small instances, and the
/// written solution, read back, is judged the same by the evaluator.
#[test]
fn solves_the_small_instances_feasibly() {
    use std::time::Duration;
    use village_timetable::eval::evaluate;
    use village_timetable::itc2019::{parse_solution, write_solution, SolutionMeta};
    use village_timetable::{solve, SolveOptions};

    let Some(dir) = bench_dir() else { return };
    for name in ["lums-sum17", "bet-sum18", "wbg-fal10"] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.xml"))).unwrap();
        let p = itc2019::parse_problem(&text).unwrap();
        let opts = SolveOptions {
            time_limit: Duration::from_secs(6),
            threads: 1,
            seed: 3,
            ..SolveOptions::default()
        };
        let r = solve(&p, &opts, None).unwrap();
        assert!(
            r.evaluation.is_valid(),
            "{name}: {:?}",
            r.evaluation.hard.first()
        );
        assert!(
            r.seconds < 10.0,
            "{name}: time limit overrun ({}s)",
            r.seconds
        );
        let xml = write_solution(&p, &r.solution, &SolutionMeta::default());
        let back = parse_solution(&p, &xml).unwrap();
        assert!(back.issues.is_empty());
        assert_eq!(evaluate(&p, &back.solution), r.evaluation, "{name}");
        println!(
            "{name}: objective {} in {:.1}s",
            r.evaluation.objective, r.seconds
        );
    }
}

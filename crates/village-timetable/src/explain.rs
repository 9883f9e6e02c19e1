//! Explanations: why a learner's request is not met, and which small set of hard
//! constraints makes an instance infeasible.

use serde::Serialize;

use crate::model::{days_apart, real_days_of, DistributionKind, Problem, Solution, TimePattern};

/// A request that the solution does not meet, and what stands in the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmetRequest {
    pub student: String,
    pub request: usize,
    /// The courses asked for (the first is preferred).
    pub courses: Vec<String>,
    /// One sentence per blocked class, e.g. "art/A/1 is full (20 of 20)".
    pub reasons: Vec<String>,
}

fn describe_time(p: &Problem, t: &TimePattern) -> String {
    let day = t.first_day();
    let minutes_per_slot = 1440 / p.slots_per_day.max(1);
    let m = t.start * minutes_per_slot;
    format!("day {} at {:02}:{:02}", day + 1, m / 60, m % 60)
}

/// How explanations name things. [`Naming::ids`] uses the problem's own ids (ITC 2019
/// style); a school passes its subjects, sets and day names.
pub struct Naming<'a> {
    pub class: &'a dyn Fn(usize) -> String,
    pub time: &'a dyn Fn(&TimePattern) -> String,
    /// Who "already has" a clashing class: the learner's id, or words like "the pupil".
    pub learner: Option<&'a str>,
}

/// Explain request `ri` of student `si`, or `None` if the solution meets it.
pub fn explain_unmet_request(
    p: &Problem,
    s: &Solution,
    si: usize,
    ri: usize,
) -> Option<UnmetRequest> {
    let class = |c: usize| p.classes.get(c).map(|x| x.id.clone()).unwrap_or_default();
    let time = |t: &TimePattern| describe_time(p, t);
    explain_unmet_request_named(
        p,
        s,
        si,
        ri,
        &Naming {
            class: &class,
            time: &time,
            learner: None,
        },
    )
}

/// [`explain_unmet_request`] in the words `naming` gives.
pub fn explain_unmet_request_named(
    p: &Problem,
    s: &Solution,
    si: usize,
    ri: usize,
    naming: &Naming<'_>,
) -> Option<UnmetRequest> {
    let student = p.students.get(si)?;
    let req = student.requests.get(ri)?;
    let enrolled: &[usize] = s.enrollments.get(si).map(Vec::as_slice).unwrap_or(&[]);
    let met = enrolled.iter().any(|&c| {
        p.classes
            .get(c)
            .is_some_and(|cl| req.courses.contains(&cl.course))
    });
    if met {
        return None;
    }
    let mut counts = vec![0u32; p.classes.len()];
    for e in &s.enrollments {
        for &c in e {
            if let Some(n) = counts.get_mut(c) {
                *n += 1;
            }
        }
    }
    let time_of = |c: usize| {
        let pl = s.placements.get(c).copied().flatten()?;
        let t = p.classes.get(c)?.times.get(pl.time)?;
        Some((t.pattern, pl.room))
    };
    let mut reasons = Vec::new();
    for &course in &req.courses {
        let Some(co) = p.courses.get(course) else {
            continue;
        };
        for &cfg in &co.configs {
            for &sp in p.config_subparts(cfg) {
                for &c in p
                    .subparts
                    .get(sp)
                    .map(|x| x.classes.as_slice())
                    .unwrap_or(&[])
                {
                    let Some(class) = p.classes.get(c) else {
                        continue;
                    };
                    let name = (naming.class)(c);
                    let Some((t, room)) = time_of(c) else {
                        reasons.push(format!("{name} is not placed in the timetable"));
                        continue;
                    };
                    let n = counts.get(c).copied().unwrap_or(0);
                    if n >= class.limit {
                        reasons.push(format!("{name} is full ({n} of {})", class.limit));
                    }
                    for &o in enrolled {
                        let Some((ot, oroom)) = time_of(o) else {
                            continue;
                        };
                        let travel = p.travel(room, oroom);
                        if t.shares_days_and_weeks(&ot)
                            && t.end() + travel > ot.start
                            && ot.end() + travel > t.start
                        {
                            reasons.push(format!(
                                "{name} ({}) clashes with {}, which {} already has{}",
                                (naming.time)(&t),
                                (naming.class)(o),
                                naming.learner.unwrap_or(&student.id),
                                if travel > 0 && !t.overlaps(&ot) {
                                    " (no time to travel between sites)"
                                } else {
                                    ""
                                }
                            ));
                        }
                    }
                }
            }
        }
    }
    if reasons.is_empty() {
        reasons.push(
            "no class of the requested course can be combined with the rest of the timetable"
                .into(),
        );
    }
    reasons.truncate(30);
    Some(UnmetRequest {
        student: student.id.clone(),
        request: ri,
        courses: req
            .courses
            .iter()
            .filter_map(|&c| p.courses.get(c).map(|c| c.id.clone()))
            .collect(),
        reasons,
    })
}

/// A reason the instance cannot be solved without breaking a hard rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Infeasibility {
    /// The class that cannot be placed.
    pub class: String,
    /// A small set of hard constraints that together leave it no possible time
    /// (minimal: dropping any one of them removes this proof).
    pub constraints: Vec<String>,
    pub message: String,
}

/// Look for proofs of infeasibility before solving: classes with no usable placement, and
/// small sets of required time constraints that together leave a class no time (found by
/// arc consistency, then shrunk by a deletion filter). Finding nothing does not prove
/// that a feasible timetable exists. `budget` bounds the work (pair checks).
pub fn diagnose(p: &Problem, budget: u64) -> Vec<Infeasibility> {
    let mut out = Vec::new();
    // Unary: every time of a class is blocked in every room.
    let base: Vec<Vec<bool>> = p
        .classes
        .iter()
        .map(|c| {
            c.times
                .iter()
                .map(|t| {
                    !c.needs_room() || c.rooms.iter().any(|r| p.room_available(r.room, &t.pattern))
                })
                .collect()
        })
        .collect();
    for (ci, d) in base.iter().enumerate() {
        if !d.iter().any(|&x| x) {
            let id = p.classes.get(ci).map(|c| c.id.clone()).unwrap_or_default();
            out.push(Infeasibility {
                class: id.clone(),
                constraints: vec![format!("room availability of class {id}")],
                message: format!(
                    "class {id}: every candidate room is unavailable at every candidate time"
                ),
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    let relevant: Vec<usize> = p
        .distributions
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            d.required
                && d.kind.is_pairwise()
                && !matches!(
                    d.kind,
                    DistributionKind::SameRoom | DistributionKind::DifferentRoom
                )
        })
        .map(|(i, _)| i)
        .collect();
    let mut work = 0u64;
    let Some((wiped, used)) = propagate(p, &base, &relevant, &mut work, budget) else {
        return out;
    };
    // Deletion filter: drop every constraint not needed for the wipe-out.
    let mut core = used;
    let mut i = 0;
    while i < core.len() && core.len() > 1 {
        let mut trial = core.clone();
        trial.remove(i);
        let mut w = 0u64;
        match propagate(p, &base, &trial, &mut w, budget) {
            Some(_) => core = trial,
            None => i += 1,
        }
    }
    let class = p
        .classes
        .get(wiped)
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let constraints: Vec<String> = core
        .iter()
        .filter_map(|&d| p.distributions.get(d))
        .map(|d| {
            let ids: Vec<&str> = d
                .classes
                .iter()
                .filter_map(|&c| p.classes.get(c))
                .map(|c| c.id.as_str())
                .collect();
            format!("{} on {} [{}]", d.kind.itc_name(), ids.join(", "), d.origin)
        })
        .collect();
    out.push(Infeasibility {
        message: format!(
            "class {class} has no possible time: these {} required constraints cannot all hold",
            constraints.len()
        ),
        class,
        constraints,
    });
    out
}

fn relaxed_ok(kind: DistributionKind, a: &TimePattern, b: &TimePattern) -> bool {
    use DistributionKind::*;
    let together = a.days & b.days != 0 && a.weeks & b.weeks != 0;
    match kind {
        SameStart => a.start == b.start,
        SameTime => {
            (a.start <= b.start && b.end() <= a.end()) || (b.start <= a.start && a.end() <= b.end())
        }
        DifferentTime => a.end() <= b.start || b.end() <= a.start,
        SameDays => (a.days | b.days) == a.days || (a.days | b.days) == b.days,
        DifferentDays => a.days & b.days == 0,
        SameWeeks => (a.weeks | b.weeks) == a.weeks || (a.weeks | b.weeks) == b.weeks,
        DifferentWeeks => a.weeks & b.weeks == 0,
        Overlap => together && b.start < a.end() && a.start < b.end(),
        // Travel only makes SameAttendees stricter, so NotOverlap is a sound relaxation.
        NotOverlap | SameAttendees => !together || a.end() <= b.start || b.end() <= a.start,
        Precedence => {
            let (wa, wb) = (a.first_week(), b.first_week());
            let (da, db) = (a.first_day(), b.first_day());
            wa < wb || (wa == wb && (da < db || (da == db && a.end() <= b.start)))
        }
        WorkDay(s) => !together || a.end().max(b.end()) - a.start.min(b.start) <= s,
        MinGap(g) => !together || a.end() + g <= b.start || b.end() + g <= a.start,
        MinDaysApart(d) => a.weeks & b.weeks == 0 || days_apart(a.days, b.days) >= d,
        MinRealDaysApart(d) => {
            a.weeks & b.weeks == 0 || days_apart(real_days_of(a.days), real_days_of(b.days)) >= d
        }
        BeforeIfSameDay => !together || a.end() <= b.start,
        _ => true,
    }
}

/// Arc consistency over time domains with the given constraints. Returns the class whose
/// domain was wiped out and the constraints that pruned anything, or `None`.
fn propagate(
    p: &Problem,
    base: &[Vec<bool>],
    dists: &[usize],
    work: &mut u64,
    budget: u64,
) -> Option<(usize, Vec<usize>)> {
    let mut dom: Vec<Vec<bool>> = base.to_vec();
    let mut used: Vec<usize> = Vec::new();
    let mut changed = true;
    while changed {
        changed = false;
        for &di in dists {
            let Some(d) = p.distributions.get(di) else {
                continue;
            };
            for (i, &x) in d.classes.iter().enumerate() {
                for (j, &y) in d.classes.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let (Some(cx), Some(cy)) = (p.classes.get(x), p.classes.get(y)) else {
                        continue;
                    };
                    let dy: Vec<TimePattern> = cy
                        .times
                        .iter()
                        .zip(dom.get(y).map(Vec::as_slice).unwrap_or(&[]))
                        .filter(|(_, &ok)| ok)
                        .map(|(t, _)| t.pattern)
                        .collect();
                    let Some(dx) = dom.get_mut(x) else { continue };
                    let mut pruned = false;
                    for (k, t) in cx.times.iter().enumerate() {
                        if !dx.get(k).copied().unwrap_or(false) {
                            continue;
                        }
                        *work += dy.len() as u64;
                        if *work > budget {
                            return None;
                        }
                        let supported = dy.iter().any(|u| {
                            if i < j {
                                relaxed_ok(d.kind, &t.pattern, u)
                            } else {
                                relaxed_ok(d.kind, u, &t.pattern)
                            }
                        });
                        if !supported {
                            if let Some(v) = dx.get_mut(k) {
                                *v = false;
                            }
                            pruned = true;
                        }
                    }
                    if pruned {
                        changed = true;
                        if !used.contains(&di) {
                            used.push(di);
                        }
                        if !dx.iter().any(|&v| v) {
                            return Some((x, used));
                        }
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::itc2019::parse_problem;

    #[test]
    fn names_a_small_conflicting_set() {
        // Three classes, two times each; pairwise NotOverlap among all three is impossible.
        // A harmless extra constraint must not appear in the explanation.
        let xml = r#"<problem name="x" nrDays="1" nrWeeks="1" slotsPerDay="288">
  <courses><course id="1"><config id="1"><subpart id="1">
    <class id="a" limit="1" room="false"><time days="1" start="10" length="5" weeks="1"/><time days="1" start="20" length="5" weeks="1"/></class>
    <class id="b" limit="1" room="false"><time days="1" start="10" length="5" weeks="1"/><time days="1" start="20" length="5" weeks="1"/></class>
    <class id="c" limit="1" room="false"><time days="1" start="10" length="5" weeks="1"/><time days="1" start="20" length="5" weeks="1"/></class>
    <class id="d" limit="1" room="false"><time days="1" start="10" length="5" weeks="1"/></class>
    <class id="e" limit="1" room="false"><time days="1" start="10" length="5" weeks="1"/><time days="1" start="20" length="5" weeks="1"/></class>
  </subpart></config></course></courses>
  <distributions>
    <distribution type="NotOverlap" required="true"><class id="d"/><class id="e"/></distribution>
    <distribution type="NotOverlap" required="true"><class id="a"/><class id="b"/></distribution>
    <distribution type="SameStart" required="true"><class id="a"/><class id="d"/></distribution>
    <distribution type="NotOverlap" required="true"><class id="b"/><class id="c"/></distribution>
    <distribution type="NotOverlap" required="true"><class id="a"/><class id="c"/></distribution>
  </distributions>
</problem>"#;
        let p = parse_problem(xml).unwrap();
        let found = diagnose(&p, 1_000_000);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        // a is pinned to 10 by d; b and c must then share 20 and clash. The constraint
        // on e prunes too, but is not needed, so the deletion filter drops it.
        assert_eq!(f.constraints.len(), 4, "{f:?}");
        assert!(!f.constraints.iter().any(|c| c.contains("d, e")), "{f:?}");
        assert!(
            f.constraints
                .iter()
                .any(|c| c.starts_with("NotOverlap on b, c")),
            "{f:?}"
        );
    }
}

//! The ITC 2019 XML formats: problems in, solutions in and out.
//!
//! Reading is strict: unknown elements, missing or malformed attributes, unknown
//! references and duplicated identifiers are errors naming the line and column.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::error::Error;
use crate::model::{
    format_bits, parse_bits, Class, Config, Course, Distribution, DistributionKind, Placement,
    Problem, Request, Room, RoomOption, Solution, Student, Subpart, TimeOption, TimePattern,
    Weights,
};
use crate::xml::{self, Element, Escaped};

/// Read an ITC 2019 problem from XML text.
pub fn parse_problem(text: &str) -> Result<Problem, Error> {
    let root = xml::parse(text)?;
    if root.name == "solution" {
        return Err(Error::Unsupported(
            "this is an ITC 2019 solution file; a problem file (root <problem>) is expected here"
                .into(),
        ));
    }
    if root.name != "problem" {
        return Err(Error::Unsupported(format!(
            "root element is <{}> at line {}; an ITC 2019 problem has root <problem>",
            root.name, root.line
        )));
    }
    let name = root.required_attr("name")?.to_string();
    let nr_days: u32 = root.num_attr("nrDays")?;
    let nr_weeks: u32 = root.num_attr("nrWeeks")?;
    let slots_per_day: u32 = root.num_attr("slotsPerDay")?;
    if !(1..=32).contains(&nr_days) {
        return Err(root.error(format!("nrDays must be between 1 and 32, found {nr_days}")));
    }
    if !(1..=64).contains(&nr_weeks) {
        return Err(root.error(format!(
            "nrWeeks must be between 1 and 64, found {nr_weeks}"
        )));
    }
    if slots_per_day == 0 {
        return Err(root.error("slotsPerDay must be positive"));
    }
    let mut p = Problem::empty(name, nr_days, nr_weeks, slots_per_day);

    let mut seen_sections = HashSet::new();
    for section in &root.children {
        if !seen_sections.insert(section.name) {
            return Err(section.error(format!("section <{}> appears twice", section.name)));
        }
        match section.name {
            "optimization" => {
                p.weights = Weights {
                    time: section.opt_num_attr("time")?.unwrap_or(0),
                    room: section.opt_num_attr("room")?.unwrap_or(0),
                    distribution: section.opt_num_attr("distribution")?.unwrap_or(0),
                    student: section.opt_num_attr("student")?.unwrap_or(0),
                    request: 0,
                    student_gaps: 0,
                    student_day_load: 0,
                }
            }
            "rooms" | "courses" | "distributions" | "students" => {}
            other => return Err(section.error(format!("unknown section <{other}> in <problem>"))),
        }
    }

    // Rooms (travel resolved after all rooms are known).
    let mut room_index: HashMap<String, usize> = HashMap::new();
    let mut travels: Vec<(usize, &Element)> = Vec::new();
    if let Some(rooms) = root.child("rooms") {
        for r in &rooms.children {
            if r.name != "room" {
                return Err(r.error(format!("unexpected <{}> in <rooms>", r.name)));
            }
            let id = r.required_attr("id")?.to_string();
            let capacity = r.num_attr("capacity")?;
            let idx = p.rooms.len();
            if room_index.insert(id.clone(), idx).is_some() {
                return Err(r.error(format!("room id `{id}` is used twice")));
            }
            let mut unavailable = Vec::new();
            for c in &r.children {
                match c.name {
                    "travel" => travels.push((idx, c)),
                    "unavailable" => unavailable.push(parse_pattern(c, &p, true)?),
                    other => return Err(c.error(format!("unexpected <{other}> in <room>"))),
                }
            }
            p.rooms.push(Room {
                id,
                capacity,
                unavailable,
                building: None,
                virtual_use: None,
            });
        }
    }
    p.travel = vec![0; p.rooms.len() * p.rooms.len()];
    for (from, t) in travels {
        let to_id = t.required_attr("room")?;
        let to = *room_index
            .get(to_id)
            .ok_or_else(|| t.error(format!("travel to unknown room `{to_id}`")))?;
        let value: u32 = t.num_attr("value")?;
        p.set_travel(from, to, value);
    }

    // Courses.
    let mut class_index: HashMap<String, usize> = HashMap::new();
    let mut parents: Vec<(usize, String, &Element)> = Vec::new();
    let mut course_ids = HashMap::new();
    if let Some(courses) = root.child("courses") {
        for c in &courses.children {
            if c.name != "course" {
                return Err(c.error(format!("unexpected <{}> in <courses>", c.name)));
            }
            let course = p.courses.len();
            let cid = c.required_attr("id")?.to_string();
            if course_ids.insert(cid.clone(), course).is_some() {
                return Err(c.error(format!("course id `{cid}` is used twice")));
            }
            p.courses.push(Course {
                id: cid.clone(),
                configs: Vec::new(),
            });
            for cf in &c.children {
                if cf.name != "config" {
                    return Err(cf.error(format!("unexpected <{}> in <course>", cf.name)));
                }
                let config = p.configs.len();
                p.configs.push(Config {
                    id: cf.required_attr("id")?.to_string(),
                    course,
                    subparts: Vec::new(),
                });
                if let Some(co) = p.courses.get_mut(course) {
                    co.configs.push(config);
                }
                for sp in &cf.children {
                    if sp.name != "subpart" {
                        return Err(sp.error(format!("unexpected <{}> in <config>", sp.name)));
                    }
                    let subpart = p.subparts.len();
                    p.subparts.push(Subpart {
                        id: sp.required_attr("id")?.to_string(),
                        config,
                        classes: Vec::new(),
                    });
                    if let Some(cfg) = p.configs.get_mut(config) {
                        cfg.subparts.push(subpart);
                    }
                    for cl in &sp.children {
                        if cl.name != "class" {
                            return Err(cl.error(format!("unexpected <{}> in <subpart>", cl.name)));
                        }
                        let idx = p.classes.len();
                        let id = cl.required_attr("id")?.to_string();
                        if class_index.insert(id.clone(), idx).is_some() {
                            return Err(cl.error(format!("class id `{id}` is used twice")));
                        }
                        let limit = cl.opt_num_attr("limit")?.unwrap_or(0);
                        if let Some(parent) = cl.attr("parent") {
                            parents.push((idx, parent.to_string(), cl));
                        }
                        let no_room = match cl.attr("room") {
                            None | Some("true") => false,
                            Some("false") => true,
                            Some(other) => {
                                return Err(cl.error(format!(
                                    "attribute `room` must be true or false, found `{other}`"
                                )))
                            }
                        };
                        let mut rooms = Vec::new();
                        let mut times = Vec::new();
                        for o in &cl.children {
                            match o.name {
                                "room" => {
                                    let rid = o.required_attr("id")?;
                                    let room = *room_index.get(rid).ok_or_else(|| {
                                        o.error(format!(
                                            "class `{id}` refers to unknown room `{rid}`"
                                        ))
                                    })?;
                                    if rooms.iter().any(|r: &RoomOption| r.room == room) {
                                        return Err(o.error(format!(
                                            "room `{rid}` is listed twice for class `{id}`"
                                        )));
                                    }
                                    rooms.push(RoomOption {
                                        room,
                                        penalty: o.opt_num_attr("penalty")?.unwrap_or(0),
                                    });
                                }
                                "time" => times.push(TimeOption {
                                    pattern: parse_pattern(o, &p, false)?,
                                    penalty: o.opt_num_attr("penalty")?.unwrap_or(0),
                                }),
                                other => {
                                    return Err(o.error(format!("unexpected <{other}> in <class>")))
                                }
                            }
                        }
                        if no_room && !rooms.is_empty() {
                            return Err(cl.error(format!(
                                "class `{id}` says room=\"false\" but lists rooms"
                            )));
                        }
                        if times.is_empty() {
                            return Err(cl.error(format!("class `{id}` has no <time> options")));
                        }
                        p.classes.push(Class {
                            id,
                            subpart,
                            config,
                            course,
                            parent: None,
                            limit,
                            rooms,
                            no_room: None,
                            times,
                        });
                        if let Some(s) = p.subparts.get_mut(subpart) {
                            s.classes.push(idx);
                        }
                    }
                    if p.subparts
                        .get(subpart)
                        .is_some_and(|s| s.classes.is_empty())
                    {
                        return Err(sp.error("a subpart must have at least one class"));
                    }
                }
                if p.configs.get(config).is_some_and(|s| s.subparts.is_empty()) {
                    return Err(cf.error("a config must have at least one subpart"));
                }
            }
        }
    }
    for (idx, parent, el) in parents {
        let pi = *class_index
            .get(&parent)
            .ok_or_else(|| el.error(format!("parent class `{parent}` does not exist")))?;
        let same_config =
            p.classes.get(pi).map(|c| c.config) == p.classes.get(idx).map(|c| c.config);
        if !same_config || pi == idx {
            return Err(el.error(format!(
                "parent class `{parent}` must be another class of the same config"
            )));
        }
        if let Some(c) = p.classes.get_mut(idx) {
            c.parent = Some(pi);
        }
    }
    check_parent_cycles(&p)?;
    if p.classes.is_empty() {
        return Err(Error::Empty(format!("problem `{}` has no classes", p.name)));
    }

    // Distributions.
    if let Some(ds) = root.child("distributions") {
        for d in &ds.children {
            if d.name != "distribution" {
                return Err(d.error(format!("unexpected <{}> in <distributions>", d.name)));
            }
            let ty = d.required_attr("type")?;
            let kind = DistributionKind::parse_itc(ty)
                .ok_or_else(|| d.error(format!("unknown distribution type `{ty}`")))?;
            let required = match d.attr("required") {
                Some("true") => true,
                Some("false") | None => false,
                Some(other) => {
                    return Err(d.error(format!(
                        "attribute `required` must be true or false, found `{other}`"
                    )))
                }
            };
            let penalty: Option<u32> = d.opt_num_attr("penalty")?;
            if !required && penalty.is_none() {
                return Err(d.error("a distribution needs required=\"true\" or a penalty"));
            }
            let mut classes = Vec::new();
            for c in &d.children {
                if c.name != "class" {
                    return Err(c.error(format!("unexpected <{}> in <distribution>", c.name)));
                }
                let id = c.required_attr("id")?;
                let ci = *class_index.get(id).ok_or_else(|| {
                    c.error(format!("distribution refers to unknown class `{id}`"))
                })?;
                if classes.contains(&ci) {
                    return Err(c.error(format!("class `{id}` appears twice in one distribution")));
                }
                classes.push(ci);
            }
            p.distributions.push(Distribution {
                kind,
                required,
                penalty: penalty.unwrap_or(0),
                classes,
                origin: format!("{} (line {})", kind.itc_name(), d.line),
                off: Vec::new(),
            });
        }
    }

    // Students.
    if let Some(ss) = root.child("students") {
        let mut ids = HashSet::new();
        for s in &ss.children {
            if s.name != "student" {
                return Err(s.error(format!("unexpected <{}> in <students>", s.name)));
            }
            let id = s.required_attr("id")?.to_string();
            if !ids.insert(id.clone()) {
                return Err(s.error(format!("student id `{id}` is used twice")));
            }
            let mut requests: Vec<Request> = Vec::new();
            for c in &s.children {
                if c.name != "course" {
                    return Err(c.error(format!("unexpected <{}> in <student>", c.name)));
                }
                let cid = c.required_attr("id")?;
                let course = *course_ids.get(cid).ok_or_else(|| {
                    c.error(format!("student `{id}` requests unknown course `{cid}`"))
                })?;
                if requests.iter().any(|r| r.courses.contains(&course)) {
                    return Err(c.error(format!("student `{id}` requests course `{cid}` twice")));
                }
                requests.push(Request {
                    courses: vec![course],
                    mandatory: true,
                    weight: 1,
                });
            }
            p.students.push(Student { id, requests });
        }
    }
    Ok(p)
}

fn check_parent_cycles(p: &Problem) -> Result<(), Error> {
    for (i, c) in p.classes.iter().enumerate() {
        let mut cur = c.parent;
        let mut steps = 0;
        while let Some(x) = cur {
            steps += 1;
            if x == i || steps > p.classes.len() {
                return Err(Error::Contradiction(format!(
                    "class `{}` is its own ancestor",
                    c.id
                )));
            }
            cur = p.classes.get(x).and_then(|c| c.parent);
        }
    }
    Ok(())
}

fn parse_pattern(el: &Element, p: &Problem, allow_zero_length: bool) -> Result<TimePattern, Error> {
    let days_s = el.required_attr("days")?;
    let weeks_s = el.required_attr("weeks")?;
    let days = parse_bits(days_s, p.nr_days).ok_or_else(|| {
        el.error(format!(
            "`days` must be a bit string of at most {} characters, found `{days_s}`",
            p.nr_days
        ))
    })?;
    let weeks = parse_bits(weeks_s, p.nr_weeks).ok_or_else(|| {
        el.error(format!(
            "`weeks` must be a bit string of at most {} characters, found `{weeks_s}`",
            p.nr_weeks
        ))
    })?;
    let start: u32 = el.num_attr("start")?;
    let length: u32 = el.num_attr("length")?;
    if length == 0 && !allow_zero_length {
        return Err(el.error("`length` must be positive"));
    }
    if start.saturating_add(length) > p.slots_per_day {
        return Err(el.error(format!(
            "start {start} + length {length} runs past the end of the day ({} slots)",
            p.slots_per_day
        )));
    }
    Ok(TimePattern {
        days: u32::try_from(days).unwrap_or(u32::MAX),
        start,
        length,
        weeks,
    })
}

/// A solution read from XML, with anything that could not be matched to the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSolution {
    pub solution: Solution,
    /// Assignments outside the problem's domains (each is a hard violation).
    pub issues: Vec<String>,
    pub runtime: Option<f64>,
}

/// Read an ITC 2019 solution for `problem`.
pub fn parse_solution(problem: &Problem, text: &str) -> Result<ParsedSolution, Error> {
    let root = xml::parse(text)?;
    if root.name != "solution" {
        return Err(Error::Unsupported(format!(
            "root element is <{}>; an ITC 2019 solution has root <solution>",
            root.name
        )));
    }
    let name = root.required_attr("name")?;
    if name != problem.name {
        return Err(Error::Solution(format!(
            "solution is for `{name}` but the problem is `{}`",
            problem.name
        )));
    }
    let class_index: HashMap<&str, usize> = problem
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let room_index: HashMap<&str, usize> = problem
        .rooms
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let student_index: HashMap<&str, usize> = problem
        .students
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut solution = Solution::empty_for(problem);
    let mut issues = Vec::new();
    let mut seen = HashSet::new();
    for c in &root.children {
        if c.name != "class" {
            return Err(c.error(format!("unexpected <{}> in <solution>", c.name)));
        }
        let id = c.required_attr("id")?;
        let Some(&ci) = class_index.get(id) else {
            return Err(c.error(format!("class `{id}` is not in the problem")));
        };
        if !seen.insert(ci) {
            return Err(c.error(format!("class `{id}` is assigned twice")));
        }
        let days = parse_bits(c.required_attr("days")?, problem.nr_days)
            .ok_or_else(|| c.error("`days` is not a valid bit string"))?;
        let weeks = parse_bits(c.required_attr("weeks")?, problem.nr_weeks)
            .ok_or_else(|| c.error("`weeks` is not a valid bit string"))?;
        let start: u32 = c.num_attr("start")?;
        let class = problem.classes.get(ci);
        let time = class.and_then(|cl| {
            cl.times.iter().position(|t| {
                u64::from(t.pattern.days) == days
                    && t.pattern.weeks == weeks
                    && t.pattern.start == start
            })
        });
        let room = match c.attr("room") {
            None => None,
            Some(rid) => match room_index.get(rid) {
                Some(&r) => Some(r),
                None => return Err(c.error(format!("room `{rid}` is not in the problem"))),
            },
        };
        match time {
            Some(time) => {
                if let Some(pl) = solution.placements.get_mut(ci) {
                    *pl = Some(Placement { time, room });
                }
            }
            None => issues.push(format!(
                "class `{id}` (line {}): time days={} start={start} weeks={} is not one of its options",
                c.line,
                format_bits(days, problem.nr_days),
                format_bits(weeks, problem.nr_weeks)
            )),
        }
        for s in &c.children {
            if s.name != "student" {
                return Err(s.error(format!("unexpected <{}> in <class>", s.name)));
            }
            let sid = s.required_attr("id")?;
            match student_index.get(sid) {
                Some(&si) => {
                    if let Some(e) = solution.enrollments.get_mut(si) {
                        if e.contains(&ci) {
                            return Err(s.error(format!(
                                "student `{sid}` is listed twice in class `{id}`"
                            )));
                        }
                        e.push(ci);
                    }
                }
                None => return Err(s.error(format!("student `{sid}` is not in the problem"))),
            }
        }
    }
    let runtime = root.attr("runtime").and_then(|r| r.parse::<f64>().ok());
    Ok(ParsedSolution {
        solution,
        issues,
        runtime,
    })
}

/// Descriptive attributes written on a solution.
#[derive(Debug, Clone, PartialEq)]
pub struct SolutionMeta {
    pub runtime_seconds: f64,
    pub cores: usize,
    pub technique: String,
    pub author: String,
    pub institution: String,
    pub country: String,
}

impl Default for SolutionMeta {
    fn default() -> Self {
        SolutionMeta {
            runtime_seconds: 0.0,
            cores: 1,
            technique: "Construction and simulated annealing with student sectioning".into(),
            author: "Village".into(),
            institution: "Village".into(),
            country: "United Kingdom".into(),
        }
    }
}

/// Write a solution in the ITC 2019 solution format. Unplaced classes are left out.
pub fn write_solution(problem: &Problem, solution: &Solution, meta: &SolutionMeta) -> String {
    let mut students_of: Vec<Vec<usize>> = vec![Vec::new(); problem.classes.len()];
    for (si, classes) in solution.enrollments.iter().enumerate() {
        for &c in classes {
            if let Some(v) = students_of.get_mut(c) {
                v.push(si);
            }
        }
    }
    // `write!` into a `String` cannot fail.
    let mut out = String::with_capacity(64 + 96 * problem.classes.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!DOCTYPE solution PUBLIC \"-//ITC 2019//DTD Problem Format/EN\" \"http://www.itc2019.org/competition-format.dtd\">\n");
    let _ = writeln!(
        out,
        "<solution name=\"{}\" runtime=\"{:.1}\" cores=\"{}\" technique=\"{}\" author=\"{}\" institution=\"{}\" country=\"{}\">",
        Escaped(&problem.name),
        meta.runtime_seconds,
        meta.cores,
        Escaped(&meta.technique),
        Escaped(&meta.author),
        Escaped(&meta.institution),
        Escaped(&meta.country)
    );
    for (ci, class) in problem.classes.iter().enumerate() {
        let Some(Some(pl)) = solution.placements.get(ci) else {
            continue;
        };
        let Some(t) = class.times.get(pl.time) else {
            continue;
        };
        let _ = write!(
            out,
            "  <class id=\"{}\" days=\"{}\" start=\"{}\" weeks=\"{}\"",
            Escaped(&class.id),
            format_bits(u64::from(t.pattern.days), problem.nr_days),
            t.pattern.start,
            format_bits(t.pattern.weeks, problem.nr_weeks)
        );
        if let Some(room) = pl.room.and_then(|r| problem.rooms.get(r)) {
            let _ = write!(out, " room=\"{}\"", Escaped(&room.id));
        }
        let studs = students_of.get(ci).map(Vec::as_slice).unwrap_or(&[]);
        if studs.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            for &s in studs {
                if let Some(st) = problem.students.get(s) {
                    let _ = writeln!(out, "    <student id=\"{}\"/>", Escaped(&st.id));
                }
            }
            out.push_str("  </class>\n");
        }
    }
    out.push_str("</solution>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"<?xml version="1.0"?>
<problem name="tiny" nrDays="5" nrWeeks="2" slotsPerDay="288">
  <optimization time="1" room="2" distribution="3" student="4"/>
  <rooms>
    <room id="r1" capacity="10"/>
    <room id="r2" capacity="20"><travel room="r1" value="3"/></room>
  </rooms>
  <courses>
    <course id="c1"><config id="1"><subpart id="1">
      <class id="1" limit="10">
        <room id="r1" penalty="0"/><room id="r2" penalty="1"/>
        <time days="10000" start="100" length="12" weeks="11" penalty="0"/>
      </class>
    </subpart></config></course>
  </courses>
  <distributions/>
  <students><student id="s1"><course id="c1"/></student></students>
</problem>"#;

    #[test]
    fn reads_tiny_problem() {
        let p = parse_problem(TINY).unwrap();
        assert_eq!(p.classes.len(), 1);
        assert_eq!(p.weights.student, 4);
        assert_eq!(p.travel(Some(0), Some(1)), 3);
        assert_eq!(p.travel(Some(1), Some(0)), 3);
        assert_eq!(p.students[0].requests.len(), 1);
    }

    #[test]
    fn errors_name_the_place() {
        let bad = TINY.replace("limit=\"10\"", "limit=\"ten\"");
        let e = parse_problem(&bad).unwrap_err().to_string();
        assert!(e.contains("line 10") && e.contains("limit"), "{e}");
        let bad = TINY.replace("<course id=\"c1\"/>", "<course id=\"zz\"/>");
        let e = parse_problem(&bad).unwrap_err().to_string();
        assert!(e.contains("unknown course `zz`"), "{e}");
        let e = parse_problem("<fet version=\"6\"/>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("<fet>"), "{e}");
    }

    #[test]
    fn solution_round_trip() {
        let p = parse_problem(TINY).unwrap();
        let mut s = Solution::empty_for(&p);
        s.placements[0] = Some(Placement {
            time: 0,
            room: Some(1),
        });
        s.enrollments[0] = vec![0];
        let xml = write_solution(&p, &s, &SolutionMeta::default());
        let back = parse_solution(&p, &xml).unwrap();
        assert!(back.issues.is_empty());
        assert_eq!(back.solution, s);
    }
}

//! Import of FET (`.fet`) files, for the constraints FET users rely on most.
//!
//! FET describes days, hours, teachers, a tree of students sets (years, groups,
//! subgroups), activities (teachers + subject + students sets + duration) and time and
//! space constraints with a weight in percent. Each active activity becomes one class
//! (its students are fixed, so there is no sectioning); one FET hour is one slot.
//! Constraints with weight 100% are hard, others soft with the weight as penalty.
//! Constraints not modelled are listed in [`FetImport::notes`], never silently dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::error::Error;
use crate::model::{
    Class, Config, Course, Distribution, DistributionKind, Problem, Room, RoomOption, Subpart,
    TimeOption, TimePattern, VirtualUse,
};
use crate::places::Place;
use crate::xml::{self, Element};

/// The activities of each person a FET constraint covers, and the kind it becomes.
/// The activities of each person a FET constraint on people's weeks is about, with their
/// away times, and the kind it becomes.
type PersonRule = (Vec<(Vec<usize>, Vec<TimePattern>)>, DistributionKind);

/// A FET file compiled onto the engine's model.
#[derive(Debug, Clone)]
pub struct FetImport {
    pub problem: Problem,
    /// What was approximated or not modelled.
    pub notes: Vec<String>,
    pub day_names: Vec<String>,
    pub hour_names: Vec<String>,
    /// Each day's, hour's and room's name as the file writes it, spaces and all (the
    /// names above and the model's room ids are trimmed), for writing the timetable back
    /// in FET's terms: FET keeps the spaces.
    pub written_day_names: Vec<String>,
    pub written_hour_names: Vec<String>,
    pub written_room_names: Vec<String>,
}

struct Activity {
    id: String,
    teachers: Vec<String>,
    subject: String,
    students: Vec<String>,
    tags: Vec<String>,
    duration: u32,
    size: Option<u32>,
    /// Which part of a split activity this is (1 for the first, and for an activity
    /// that is not split), as FET's `Component_Number` counts.
    component: u32,
    el_line: usize,
}

/// The activities a FET "activities ..." constraint applies to: those with the teacher,
/// students set, subject and activity tag it names (an empty field matches all), and the
/// duration if it gives one. A students set matches an activity whose students share
/// students with it (`shares(activity, set)`), as FET matches them: a constraint on year
/// "3" applies to an activity of its group "3 B", and one on "3 B" to an activity of the
/// whole year (FET 6.8.5 refuses a timetable that breaks it that way). A field of spaces
/// names the subject (or teacher...) whose name is spaces, which the reader keeps as an
/// empty name.
fn matching(
    acts: &[Activity],
    el: &Element,
    component: Option<u32>,
    shares: &dyn Fn(usize, &str) -> bool,
) -> Vec<usize> {
    let field = |name: &str| {
        el.child(name)
            .filter(|f| !f.text().is_empty() || f.is_blank())
            .map(Element::text)
    };
    let teacher = field("Teacher_Name");
    let students = field("Students_Name");
    let subject = field("Subject_Name");
    let tag = field("Activity_Tag_Name");
    let duration: Option<u32> = field("Duration").and_then(|d| d.parse().ok());
    acts.iter()
        .enumerate()
        .filter(|&(i, a)| {
            teacher.is_none_or(|t| a.teachers.iter().any(|x| x == t))
                && students.is_none_or(|s| shares(i, s))
                && subject.is_none_or(|s| a.subject == s)
                && tag.is_none_or(|t| a.tags.iter().any(|x| x == t))
                && duration.is_none_or(|d| a.duration == d)
                && component.is_none_or(|c| a.component == c)
        })
        .map(|(i, _)| i)
        .collect()
}

/// A set of (day, hour) slots as one bit per hour of each day, so that whether a time
/// meets any of them costs a mask per day rather than a scan of the slots (a teacher's
/// not-available times against every time of every activity was a tenth of an import).
struct SlotsByDay {
    /// Bit `h` of entry `d`: hour `h` of day `d`. FET allows at most 60 hours a day.
    days: Vec<u128>,
}

impl SlotsByDay {
    fn new(slots: &[(u32, u32)]) -> Self {
        let mut days = Vec::new();
        for &(d, h) in slots {
            let d = d as usize;
            if days.len() <= d {
                days.resize(d + 1, 0);
            }
            if let (Some(m), Some(bit)) = (days.get_mut(d), 1u128.checked_shl(h)) {
                *m |= bit;
            }
        }
        SlotsByDay { days }
    }

    /// Does `t` meet any of the slots? Only `t`'s own days are looked at (nearly always
    /// one): a block of every time of every activity asks this.
    fn meets(&self, t: &TimePattern) -> bool {
        let below = |h: u32| 1u128.checked_shl(h).map_or(u128::MAX, |b| b - 1);
        let span = below(t.end()) & !below(t.start);
        let mut days = t.days;
        while days != 0 {
            let d = days.trailing_zeros() as usize;
            days &= days - 1;
            if self.days.get(d).is_some_and(|&m| m & span != 0) {
                return true;
            }
        }
        false
    }
}

fn text_of<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.child_text(name)
}

fn is_active(el: &Element) -> bool {
    text_of(el, "Active").is_none_or(|a| a != "false")
}

/// Does the constraint turn on its exception `flag` (FET's `Allow_…` elements)?
fn allows(el: &Element, flag: &str) -> bool {
    text_of(el, flag).is_some_and(|v| v.trim() == "true")
}

/// The names of the `item`s of a list (their `Name`, or their own text), trimmed.
fn names_in(list: Option<&Element>, item: &str) -> Vec<String> {
    names_by(list, item, |e| e.text())
}

/// As [`names_in`], the names as written, spaces and all.
fn written_names_in(list: Option<&Element>, item: &str) -> Vec<String> {
    names_by(list, item, |e| &e.raw_text)
}

fn names_by(
    list: Option<&Element<'_>>,
    item: &str,
    text: for<'e> fn(&'e Element<'_>) -> &'e str,
) -> Vec<String> {
    list.map(|l| {
        l.children_named(item)
            .map(|c| text(c.child("Name").unwrap_or(c)).to_string())
            .collect()
    })
    .unwrap_or_default()
}

fn num<T: std::str::FromStr>(el: &Element, name: &str) -> Result<T, Error> {
    let raw = text_of(el, name).ok_or_else(|| el.error(format!("missing <{name}>")))?;
    raw.trim()
        .parse()
        .map_err(|_| el.error(format!("<{name}> must be a number, found `{raw}`")))
}

/// Weight: hard at 100%, else a soft penalty equal to the percentage (rounded).
fn weight(el: &Element) -> Result<(bool, u32), Error> {
    let raw = text_of(el, "Weight_Percentage").unwrap_or("100");
    let w: f64 = raw.trim().parse().map_err(|_| {
        el.error(format!(
            "<Weight_Percentage> must be a number, found `{raw}`"
        ))
    })?;
    if !(0.0..=100.0).contains(&w) {
        return Err(el.error(format!(
            "<Weight_Percentage> must be between 0 and 100, found {w}"
        )));
    }
    Ok((w >= 100.0, w.round() as u32))
}

/// A home-room constraint: activities, rooms, (hard, penalty).
type HomeRoom = (Vec<usize>, BTreeSet<usize>, (bool, u32));

/// Most ways of using one virtual room that are made into rooms. A virtual room with
/// more (one of FET's test files has three sets of up to 34 rooms) is kept as one ordinary room and
/// noted as not modelled, rather than the model grown without bound.
const MAX_VIRTUAL_WAYS: usize = 500;

/// Make each way of using a virtual room (one real room from each of its sets, all
/// different: FET never gives a lesson the same real room twice) into a room of its
/// own (`Room::virtual_use`), named as FET shows it: "Lab (A1, A2)". Returns each
/// virtual room's ways, by the virtual room's index.
fn virtual_room_ways(
    p: &mut Problem,
    room_idx: &HashMap<String, usize>,
    virtual_sets: &[(usize, &Element, Vec<Vec<String>>)],
    notes: &mut Vec<String>,
) -> Result<BTreeMap<usize, Vec<usize>>, Error> {
    let mut ways_of = BTreeMap::new();
    let mut too_many = 0;
    let virtuals: HashSet<usize> = virtual_sets.iter().map(|&(v, ..)| v).collect();
    for (v, el, sets) in virtual_sets {
        let sets: Vec<Vec<usize>> = sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|name| {
                        let r = room_idx.get(name.trim()).copied().ok_or_else(|| {
                            el.error(format!("virtual room: unknown real room `{name}`"))
                        })?;
                        if virtuals.contains(&r) {
                            return Err(el.error(format!(
                                "virtual room: `{name}` is virtual, not a real room"
                            )));
                        }
                        Ok(r)
                    })
                    .collect()
            })
            .collect::<Result<_, Error>>()?;
        let mut ways: Vec<Vec<usize>> = vec![Vec::new()];
        for set in &sets {
            ways = ways
                .iter()
                .flat_map(|way| {
                    set.iter().filter(|r| !way.contains(r)).map(move |&r| {
                        let mut next = way.clone();
                        next.push(r);
                        next
                    })
                })
                .collect();
            if ways.len() > MAX_VIRTUAL_WAYS {
                break;
            }
        }
        if ways.len() > MAX_VIRTUAL_WAYS {
            too_many += 1;
            continue;
        }
        let Some(room) = p.rooms.get(*v).cloned() else {
            continue;
        };
        let mut made = Vec::with_capacity(ways.len());
        for way in ways {
            let names: Vec<&str> = (way.iter())
                .filter_map(|&r| p.rooms.get(r).map(|x| x.id.as_str()))
                .collect();
            let id = format!("{} ({})", room.id, names.join(", "));
            made.push(p.rooms.len());
            p.rooms.push(Room {
                id,
                capacity: room.capacity,
                unavailable: Vec::new(),
                building: room.building,
                virtual_use: Some(VirtualUse {
                    room: *v,
                    real_rooms: way,
                }),
            });
        }
        ways_of.insert(*v, made);
    }
    if too_many > 0 {
        notes.push(format!(
            "virtual rooms used in more than {MAX_VIRTUAL_WAYS} ways: not modelled ({too_many} kept as ordinary rooms)"
        ));
    }
    Ok(ways_of)
}

/// Read a FET file.
pub fn import(text: &str) -> Result<FetImport, Error> {
    let root = xml::parse(text)?;
    if root.name != "fet" {
        return Err(Error::Unsupported(format!(
            "root element is <{}> at line {}; a FET file has root <fet>",
            root.name, root.line
        )));
    }
    let version = root.attr("version").unwrap_or("");
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if !(5..=7).contains(&major) {
        return Err(Error::Unsupported(format!(
            "FET version `{version}` (line {}) is not supported; versions 5.x to 7.x are",
            root.line
        )));
    }
    let days = names_in(root.child("Days_List"), "Day");
    let hours = names_in(root.child("Hours_List"), "Hour");
    if days.is_empty() || hours.is_empty() {
        return Err(root.error("the file defines no days or no hours"));
    }
    if days.len() > 32 {
        return Err(root.error("more than 32 days are not supported"));
    }
    let day_idx: HashMap<&str, u32> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i as u32))
        .collect();
    let hour_idx: HashMap<&str, u32> = hours
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i as u32))
        .collect();
    let n_hours = hours.len() as u32;
    // FET's mornings-and-afternoons mode lists each real day as two days, its morning and
    // its afternoon.
    let mode = mode_of(&root, version);
    let mornings_afternoons = mode == Some(Mode::MorningsAfternoons);
    // FET's terms mode splits the days into terms of so many days each (a school year of
    // five terms of a week, say). FET 6 files say so in `Mode` and `Number_of_Days_Per_Term`;
    // the mode's FET 5 builds (`5.42.2-mathmake`) have terms of five days, as FET itself
    // reads them.
    let term_days: Option<u32> = match mode {
        Some(Mode::Terms) => match root.child_text("Number_of_Days_Per_Term") {
            Some(t) => t.trim().parse().ok().filter(|&n| n > 0),
            None => Some(5),
        },
        _ => None,
    };
    // Every other day from `first`: the mornings (0) or the afternoons (1).
    let n_days = days.len() as u32;
    let half_days = |first: u32| -> u32 {
        (first..n_days)
            .step_by(2)
            .fold(0u32, |mask, d| mask | 1u32.checked_shl(d).unwrap_or(0))
    };
    let at = |el: &Element, dtag: &str, htag: &str| -> Result<(u32, u32), Error> {
        let d = text_of(el, dtag).unwrap_or("");
        let h = text_of(el, htag).unwrap_or("");
        let di = *day_idx
            .get(d)
            .ok_or_else(|| el.error(format!("unknown day `{d}`")))?;
        let hi = *hour_idx
            .get(h)
            .ok_or_else(|| el.error(format!("unknown hour `{h}`")))?;
        Ok((di, hi))
    };

    // Students sets: each name maps to the atomic units (subgroups) it covers.
    let mut units: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut set_size: HashMap<String, u32> = HashMap::new();
    if let Some(sl) = root.child("Students_List") {
        for year in sl.children_named("Year") {
            let yname = year.child_text("Name").unwrap_or("").to_string();
            set_size.insert(
                yname.clone(),
                year.child_text("Number_of_Students")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            );
            let mut ycover = BTreeSet::new();
            for group in year.children_named("Group") {
                let gname = group.child_text("Name").unwrap_or("").to_string();
                set_size.insert(
                    gname.clone(),
                    group
                        .child_text("Number_of_Students")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0),
                );
                let mut gcover = BTreeSet::new();
                for sg in group.children_named("Subgroup") {
                    let sname = sg.child_text("Name").unwrap_or("").to_string();
                    set_size.insert(
                        sname.clone(),
                        sg.child_text("Number_of_Students")
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(0),
                    );
                    units
                        .entry(sname.clone())
                        .or_default()
                        .insert(sname.clone());
                    gcover.insert(sname);
                }
                if gcover.is_empty() {
                    gcover.insert(gname.clone());
                }
                ycover.extend(gcover.iter().cloned());
                units.entry(gname).or_default().extend(gcover);
            }
            if ycover.is_empty() {
                ycover.insert(yname.clone());
            }
            units.entry(yname).or_default().extend(ycover);
        }
    }

    // Activities.
    let mut acts: Vec<Activity> = Vec::new();
    let mut ids_seen: HashSet<&str> = HashSet::new();
    let mut inactive: BTreeSet<String> = BTreeSet::new();
    if let Some(al) = root.child("Activities_List") {
        for a in al.children_named("Activity") {
            if !is_active(a) {
                if let Some(id) = text_of(a, "Id") {
                    inactive.insert(id.to_string());
                }
                continue;
            }
            let id_text = text_of(a, "Id").ok_or_else(|| a.error("activity without <Id>"))?;
            if !ids_seen.insert(id_text) {
                return Err(a.error(format!("activity id {id_text} is used twice")));
            }
            let id = id_text.to_string();
            let duration: u32 = num(a, "Duration")?;
            if duration == 0 || duration > n_hours {
                return Err(a.error(format!(
                    "activity {id}: duration {duration} does not fit in a day of {n_hours} hours"
                )));
            }
            let students: Vec<String> = a
                .children_named("Students")
                .map(|s| s.text().to_string())
                .collect();
            for s in &students {
                if !units.contains_key(s) {
                    return Err(a.error(format!("activity {id}: unknown students set `{s}`")));
                }
            }
            // FET gives the parts of a split activity consecutive ids from the group's id.
            let group: u64 = text_of(a, "Activity_Group_Id")
                .and_then(|g| g.trim().parse().ok())
                .unwrap_or(0);
            let component = match (group, id.trim().parse::<u64>()) {
                (0, _) | (_, Err(_)) => 1,
                (g, Ok(n)) => u32::try_from(n.saturating_sub(g) + 1).unwrap_or(u32::MAX),
            };
            acts.push(Activity {
                id,
                teachers: a
                    .children_named("Teacher")
                    .map(|t| t.text().to_string())
                    .collect(),
                subject: text_of(a, "Subject").unwrap_or("").to_string(),
                tags: a
                    .children_named("Activity_Tag")
                    .map(|t| t.text().to_string())
                    .collect(),
                size: text_of(a, "Number_Of_Students").and_then(|n| n.parse().ok()),
                students,
                duration,
                component,
                el_line: a.line as usize,
            });
        }
    }
    if acts.is_empty() {
        return Err(Error::Empty("the FET file has no active activities".into()));
    }
    let act_idx: HashMap<&str, usize> = acts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    // `Ok(None)` for an inactive activity (FET ignores those in constraints).
    let act_of = |el: &Element, id: &str| -> Result<Option<usize>, Error> {
        match act_idx.get(id.trim()) {
            Some(&i) => Ok(Some(i)),
            None if inactive.contains(id.trim()) => Ok(None),
            None => Err(el.error(format!("unknown activity {id}"))),
        }
    };
    let acts_of = |el: &Element| -> Result<Vec<usize>, Error> {
        let mut v = Vec::new();
        for a in el.children_named("Activity_Id") {
            v.extend(act_of(el, a.text())?);
        }
        Ok(v)
    };
    // The subgroups each activity's students sets cover, once: constraints ask often.
    let act_units: Vec<BTreeSet<String>> = acts
        .iter()
        .map(|a| {
            a.students
                .iter()
                .flat_map(|s| units.get(s).into_iter().flatten().cloned())
                .collect()
        })
        .collect();
    let shares_units = |i: usize, with: &BTreeSet<String>| {
        act_units
            .get(i)
            .is_some_and(|u| u.intersection(with).next().is_some())
    };
    // Does activity `i` share students with the set named `set`? (A name that is no set
    // matches an activity that lists it, which FET would have refused anyway.)
    let shares_set = |i: usize, set: &str| match units.get(set) {
        Some(want) => shares_units(i, want),
        None => acts
            .get(i)
            .is_some_and(|a| a.students.iter().any(|x| x == set)),
    };

    // Rooms.
    let mut p = Problem::empty(
        root.child_text("Institution_Name")
            .filter(|s| !s.is_empty())
            .unwrap_or("fet")
            .to_string(),
        days.len() as u32,
        1,
        n_hours,
    );
    let mut room_idx: HashMap<String, usize> = HashMap::new();
    let mut written_room_names: Vec<String> = Vec::new();
    // Virtual rooms: the room, and its sets of real rooms by name (read once every room
    // is known, since a set may name a room listed after it).
    let mut virtual_sets: Vec<(usize, &Element, Vec<Vec<String>>)> = Vec::new();
    if let Some(rl) = root.child("Rooms_List") {
        for r in rl.children_named("Room") {
            let name = r.child_text("Name").unwrap_or("").to_string();
            if r.child_text("Virtual").map(str::trim) == Some("true") {
                let sets = r
                    .children_named("Set_of_Real_Rooms")
                    .map(|set| {
                        set.children_named("Real_Room")
                            .map(|x| x.text().to_string())
                            .collect()
                    })
                    .collect();
                virtual_sets.push((p.rooms.len(), r, sets));
            }
            written_room_names.push(
                r.child("Name")
                    .map(|n| n.raw_text.to_string())
                    .unwrap_or_default(),
            );
            let cap = r
                .child_text("Capacity")
                .and_then(|c| c.parse().ok())
                .unwrap_or(u32::MAX);
            // A room names its building (FET's Buildings_List lists them too); no
            // building, or an empty one, leaves it out of the building-change rules.
            let building = r
                .child_text("Building")
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(|b| match p.buildings.iter().position(|x| x == b) {
                    Some(i) => i,
                    None => {
                        p.buildings.push(b.to_string());
                        p.buildings.len() - 1
                    }
                });
            room_idx.insert(name.clone(), p.rooms.len());
            p.rooms.push(Room {
                id: name,
                capacity: cap,
                unavailable: Vec::new(),
                building,
                virtual_use: None,
            });
        }
    }
    let mut notes: Vec<String> = Vec::new();
    let ways_of = virtual_room_ways(&mut p, &room_idx, &virtual_sets, &mut notes)?;
    p.travel = vec![0; p.rooms.len() * p.rooms.len()];

    // Time options (all starts), then restricted by constraints.
    let mut time_pen: Vec<Vec<(TimePattern, u32, bool)>> = acts
        .iter()
        .map(|a| {
            let starts = (n_hours - a.duration + 1) as usize;
            let mut v = Vec::with_capacity(days.len() * starts);
            for d in 0..days.len() as u32 {
                for h in 0..=(n_hours - a.duration) {
                    v.push((
                        TimePattern {
                            days: 1 << d,
                            start: h,
                            length: a.duration,
                            weeks: 1,
                        },
                        0u32,
                        true,
                    ));
                }
            }
            v
        })
        .collect();
    let mut room_allowed: Vec<Option<BTreeSet<usize>>> = vec![None; acts.len()];
    // Each activity's room wishes that are not required: the rooms, and the weight.
    let mut room_soft: Vec<Vec<(BTreeSet<usize>, u32)>> = vec![Vec::new(); acts.len()];
    let mut locked_way: Vec<Option<usize>> = vec![None; acts.len()];
    let mut home: Vec<HomeRoom> = Vec::new();
    let mut ignored: BTreeMap<String, usize> = BTreeMap::new();
    let mut dists: Vec<Distribution> = Vec::new();
    let dist = |kind, (req, pen): (bool, u32), classes: Vec<usize>, origin: String| Distribution {
        kind,
        required: req,
        penalty: pen,
        classes,
        origin,
        off: Vec::new(),
    };
    // Block (hard) or penalise (soft) times of some activities overlapping given slots.
    let block_times = |time_pen: &mut Vec<Vec<(TimePattern, u32, bool)>>,
                       which: &[usize],
                       slots: &[(u32, u32)],
                       (req, pen): (bool, u32)| {
        let hours = SlotsByDay::new(slots);
        for &ai in which {
            if let Some(v) = time_pen.get_mut(ai) {
                for (t, p, ok) in v.iter_mut() {
                    if hours.meets(t) {
                        if req {
                            *ok = false;
                        } else {
                            *p += pen;
                        }
                    }
                }
            }
        }
    };
    let teacher_acts = |name: &str| -> Vec<usize> {
        acts.iter()
            .enumerate()
            .filter(|(_, a)| a.teachers.iter().any(|t| t == name))
            .map(|(i, _)| i)
            .collect()
    };
    let set_acts = |name: &str| -> Vec<usize> {
        match units.get(name) {
            Some(want) => (0..acts.len()).filter(|&i| shares_units(i, want)).collect(),
            None => Vec::new(),
        }
    };
    let slots_of = |el: &Element, item: &str| -> Result<Vec<(u32, u32)>, Error> {
        el.children_named(item)
            .map(|t| at(t, "Day", "Hour"))
            .collect()
    };
    let teachers: Vec<String> = names_in(root.child("Teachers_List"), "Teacher");
    let all_units: BTreeSet<String> = units.values().flatten().cloned().collect();

    // Each teacher's and each subgroup's not-available times (the hard ones): FET counts
    // neither gaps nor late starts over them, as over break times.
    let mut teacher_off: HashMap<String, Vec<TimePattern>> = HashMap::new();
    let mut unit_off: BTreeMap<String, Vec<TimePattern>> = BTreeMap::new();
    let slot = |(d, h): (u32, u32)| TimePattern {
        days: 1 << d,
        start: h,
        length: 1,
        weeks: 1,
    };
    for c in root
        .child("Time_Constraints_List")
        .map(|tc| tc.children.as_slice())
        .unwrap_or(&[])
    {
        if !is_active(c) || !weight(c)?.0 {
            continue;
        }
        match c.name {
            "ConstraintTeacherNotAvailableTimes" => {
                let t = text_of(c, "Teacher").unwrap_or("").to_string();
                let slots = slots_of(c, "Not_Available_Time")?;
                teacher_off
                    .entry(t)
                    .or_default()
                    .extend(slots.into_iter().map(slot));
            }
            "ConstraintStudentsSetNotAvailableTimes" => {
                let set = text_of(c, "Students").unwrap_or("");
                let slots = slots_of(c, "Not_Available_Time")?;
                for u in units.get(set).into_iter().flatten() {
                    unit_off
                        .entry(u.clone())
                        .or_default()
                        .extend(slots.iter().copied().map(slot));
                }
            }
            _ => {}
        }
    }
    let off_of = |map_value: Option<&Vec<TimePattern>>| map_value.cloned().unwrap_or_default();

    // FET's constraints on each teacher's or each students set's own week: which people's
    // activities (every teacher, one teacher, every subgroup, the subgroups of one set;
    // only those with the activity tag where it names one), and the kind they become.
    // Gaps and late starts leave out break times and the person's own not-available
    // times, as FET counts them (see `Problem::breaks` and `Distribution::off`).
    let person_rule = |c: &Element, name: &str| -> Result<Option<PersonRule>, Error> {
        let Some(rest) = name.strip_prefix("Constraint") else {
            return Ok(None);
        };
        let (people, rule) = [
            ("Teachers", "teachers"),
            ("Teacher", "teacher"),
            ("StudentsSet", "set"),
            ("Students", "students"),
        ]
        .into_iter()
        .find_map(|(prefix, who)| rest.strip_prefix(prefix).map(|r| (who, r)))
        .unwrap_or(("", rest));
        let (tagged, rule) = match rule.strip_prefix("ActivityTag") {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let kind = match rule {
            "MaxHoursDaily" => DistributionKind::MaxDayLoad(num(c, "Maximum_Hours_Daily")?),
            "MaxHoursContinuously" => {
                DistributionKind::MaxBlock(num(c, "Maximum_Hours_Continuously")?, 0)
            }
            "MinHoursDaily" => {
                // Older files have no flag: teachers' days off were always allowed.
                let empty_ok = match text_of(c, "Allow_Empty_Days") {
                    Some(v) => v.trim() == "true",
                    None => people.starts_with("teacher"),
                };
                let s = num(c, "Minimum_Hours_Daily")?;
                // In mornings-and-afternoons mode a day is a real day: FET's own saved
                // timetables hold the minimum over each morning and afternoon together,
                // and leave many half-days empty (see docs/timetabling.md).
                if mornings_afternoons {
                    DistributionKind::MinRealDayLoad(s, empty_ok)
                } else {
                    DistributionKind::MinDayLoad(s, empty_ok)
                }
            }
            "MaxGapsPerDay" => DistributionKind::MaxGapsPerDay(num(c, "Max_Gaps")?),
            "MaxHoursDailyRealDays" => {
                DistributionKind::MaxRealDayLoad(num(c, "Maximum_Hours_Daily")?)
            }
            "MaxZeroGapsPerAfternoon" if people.starts_with("teacher") && !tagged => {
                DistributionKind::MaxGapsAmong(half_days(1), 0)
            }
            "MaxGapsPerWeek" => DistributionKind::MaxGapsPerWeek(num(c, "Max_Gaps")?),
            // Half-days in a row: the exception for afternoon, morning, afternoon, morning
            // (which FET then allows) is not modelled.
            "MaxThreeConsecutiveDays"
                if mornings_afternoons
                    && !tagged
                    && !allows(c, "Allow_Afternoon_Morning_Afternoon_Morning_Exception") =>
            {
                DistributionKind::MaxConsecutiveDays(3)
            }
            "MaxGapsPerRealDay"
                if mornings_afternoons
                    && !tagged
                    && !allows(c, "Allow_One_Day_Exception_of_Plus_One") =>
            {
                DistributionKind::MaxRealDayGaps(num(c, "Max_Gaps")?)
            }
            "EarlyMaxBeginningsAtSecondHour" if !tagged => {
                DistributionKind::EarlyStart(num(c, "Max_Beginnings_At_Second_Hour")?)
            }
            "MaxDaysPerWeek" if people.starts_with("teacher") && !tagged => {
                let n = num(c, "Max_Days_Per_Week")?;
                // The FET 5 builds of the mornings-and-afternoons mode count real days
                // here (FET 6 turns the rule into max real days per week when it reads
                // their files, and their saved timetables break it counted by half-days).
                if mornings_afternoons && major == 5 {
                    DistributionKind::MaxRealDays(n)
                } else {
                    DistributionKind::MaxDays(n)
                }
            }
            "MinRestingHoursBetweenMorningAndAfternoon" if !tagged => {
                DistributionKind::MinRestBetweenHalves(num(c, "Minimum_Resting_Hours")?)
            }
            "MaxRealDaysPerWeek" if people.starts_with("teacher") && !tagged => {
                DistributionKind::MaxRealDays(num(c, "Max_Days_Per_Week")?)
            }
            // The span of a day runs from the start of its first lesson to the end of its
            // last, gaps included: a limit on every two lessons of one day (`WorkDay`).
            // Teachers' "one day may be one hour longer" is not modelled.
            "MaxSpanPerDay" if !tagged && !allows(c, "Allow_One_Day_Exception_of_Plus_One") => {
                DistributionKind::WorkDay(num(c, "Max_Span")?)
            }
            "MinDaysPerWeek" if people.starts_with("teacher") && !tagged => {
                DistributionKind::MinDays(num(c, "Minimum_Days_Per_Week")?)
            }
            // Files for FET's mornings-and-afternoons mode list each real day as two
            // days, its morning and then its afternoon.
            "MaxAfternoonsPerWeek" if people.starts_with("teacher") && !tagged => {
                DistributionKind::MaxDaysAmong(half_days(1), num(c, "Max_Afternoons_Per_Week")?)
            }
            "MaxMorningsPerWeek" if people.starts_with("teacher") && !tagged => {
                DistributionKind::MaxDaysAmong(half_days(0), num(c, "Max_Mornings_Per_Week")?)
            }
            "IntervalMaxDaysPerWeek" if !tagged => {
                // Hours by name; no end hour means the end of the day.
                let hour = |field: &str, default: u32| -> Result<u32, Error> {
                    match text_of(c, field).map(str::trim).filter(|h| !h.is_empty()) {
                        None => Ok(default),
                        Some(h) => hour_idx
                            .get(h)
                            .copied()
                            .ok_or_else(|| c.error(format!("unknown hour `{h}`"))),
                    }
                };
                DistributionKind::MaxDaysInInterval(
                    hour("Interval_Start_Hour", 0)?,
                    hour("Interval_End_Hour", n_hours)?,
                    num(c, "Max_Days_Per_Week")?,
                )
            }
            // Space constraints on a person's week: how often they change building or
            // room, and the gaps a change needs (see `places`).
            _ if !tagged && (rule.contains("BuildingChanges") || rule.contains("RoomChanges")) => {
                match place_kind(c, rule)? {
                    Some(kind) => kind,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let tag = ["Activity_Tag", "Activity_Tag_Name"]
            .into_iter()
            .find_map(|f| text_of(c, f))
            .map(str::trim);
        if tagged && tag.is_none() {
            return Err(c.error("the constraint names no activity tag"));
        }
        let teacher = |t: &str| (teacher_acts(t), off_of(teacher_off.get(t)));
        let unit = |u: &str| (set_acts(u), off_of(unit_off.get(u)));
        let mut groups: Vec<(Vec<usize>, Vec<TimePattern>)> = match people {
            "teachers" => teachers.iter().map(|t| teacher(t)).collect(),
            "teacher" => {
                let t = text_of(c, "Teacher_Name")
                    .or_else(|| text_of(c, "Teacher"))
                    .unwrap_or("");
                vec![teacher(t)]
            }
            "set" => {
                let s = text_of(c, "Students").unwrap_or("");
                let Some(set_units) = units.get(s) else {
                    return Err(c.error(format!("unknown students set `{s}`")));
                };
                set_units.iter().map(|u| unit(u)).collect()
            }
            "students" => all_units.iter().map(|u| unit(u)).collect(),
            _ => return Ok(None),
        };
        if let Some(tag) = tag.filter(|_| tagged) {
            for (g, _) in &mut groups {
                g.retain(|&i| acts.get(i).is_some_and(|a| a.tags.iter().any(|t| t == tag)));
            }
        }
        Ok(Some((groups, kind)))
    };
    let mut breaks: Vec<TimePattern> = Vec::new();
    if let Some(tc) = root.child("Time_Constraints_List") {
        for c in &tc.children {
            if !is_active(c) {
                continue;
            }
            let w = weight(c)?;
            let origin = format!("{} (line {})", c.name, c.line);
            match c.name {
                "ConstraintBasicCompulsoryTime" => {}
                "ConstraintTeacherNotAvailableTimes" => {
                    let t = text_of(c, "Teacher").unwrap_or("");
                    block_times(
                        &mut time_pen,
                        &teacher_acts(t),
                        &slots_of(c, "Not_Available_Time")?,
                        w,
                    );
                }
                "ConstraintStudentsSetNotAvailableTimes" => {
                    let s = text_of(c, "Students").unwrap_or("");
                    block_times(
                        &mut time_pen,
                        &set_acts(s),
                        &slots_of(c, "Not_Available_Time")?,
                        w,
                    );
                }
                "ConstraintBreakTimes" => {
                    let all: Vec<usize> = (0..acts.len()).collect();
                    let slots = slots_of(c, "Break_Time")?;
                    block_times(&mut time_pen, &all, &slots, w);
                    if w.0 {
                        breaks.extend(slots.iter().copied().map(slot));
                    }
                }
                "ConstraintActivityPreferredStartingTime" => {
                    let Some(ai) = act_of(c, text_of(c, "Activity_Id").unwrap_or(""))? else {
                        continue;
                    };
                    let (d, h) = at(c, "Preferred_Day", "Preferred_Hour")?;
                    restrict_starts(&mut time_pen, ai, &[(d, h)], w);
                }
                "ConstraintActivityPreferredStartingTimes" => {
                    let Some(ai) = act_of(c, text_of(c, "Activity_Id").unwrap_or(""))? else {
                        continue;
                    };
                    let starts: Vec<(u32, u32)> = c
                        .children_named("Preferred_Starting_Time")
                        .map(|t| at(t, "Preferred_Starting_Day", "Preferred_Starting_Hour"))
                        .collect::<Result<_, _>>()?;
                    restrict_starts(&mut time_pen, ai, &starts, w);
                }
                "ConstraintActivityPreferredTimeSlots" => {
                    let Some(ai) = act_of(c, text_of(c, "Activity_Id").unwrap_or(""))? else {
                        continue;
                    };
                    let slots = c
                        .children_named("Preferred_Time_Slot")
                        .map(|t| at(t, "Preferred_Day", "Preferred_Hour"))
                        .collect::<Result<Vec<_>, _>>()?;
                    restrict_slots(&mut time_pen, &[ai], &slots, w);
                }
                "ConstraintActivitiesPreferredTimeSlots"
                | "ConstraintSubactivitiesPreferredTimeSlots" => {
                    let component = match c.name {
                        "ConstraintSubactivitiesPreferredTimeSlots" => {
                            Some(num(c, "Component_Number")?)
                        }
                        _ => None,
                    };
                    let slots = c
                        .children_named("Preferred_Time_Slot")
                        .map(|t| at(t, "Preferred_Day", "Preferred_Hour"))
                        .collect::<Result<Vec<_>, _>>()?;
                    restrict_slots(
                        &mut time_pen,
                        &matching(&acts, c, component, &shares_set),
                        &slots,
                        w,
                    );
                }
                "ConstraintActivitiesOccupyMaxTimeSlotsFromSelection"
                | "ConstraintActivitiesOccupyMinTimeSlotsFromSelection"
                | "ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots" => {
                    let selection = c
                        .children_named("Selected_Time_Slot")
                        .map(|t| {
                            let (d, h) = at(t, "Selected_Day", "Selected_Hour")?;
                            Ok(TimePattern {
                                days: 1u32.checked_shl(d).unwrap_or(0),
                                start: h,
                                length: 1,
                                weeks: 1,
                            })
                        })
                        .collect::<Result<Vec<_>, Error>>()?;
                    let i = p.slot_selections.len() as u32;
                    p.slot_selections.push(selection);
                    let kind = match c.name {
                        "ConstraintActivitiesOccupyMinTimeSlotsFromSelection" => {
                            DistributionKind::MinSlotsAmong(
                                i,
                                num(c, "Min_Number_of_Occupied_Time_Slots")?,
                            )
                        }
                        "ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots" => {
                            DistributionKind::MaxSimultaneousAmong(
                                i,
                                num(c, "Max_Number_of_Simultaneous_Activities")?,
                            )
                        }
                        _ => DistributionKind::MaxSlotsAmong(
                            i,
                            num(c, "Max_Number_of_Occupied_Time_Slots")?,
                        ),
                    };
                    dists.push(dist(kind, w, acts_of(c)?, origin));
                }
                "ConstraintActivitiesPreferredStartingTimes"
                | "ConstraintSubactivitiesPreferredStartingTimes" => {
                    let component = match c.name {
                        "ConstraintSubactivitiesPreferredStartingTimes" => {
                            Some(num(c, "Component_Number")?)
                        }
                        _ => None,
                    };
                    let starts: Vec<(u32, u32)> = c
                        .children_named("Preferred_Starting_Time")
                        .map(|t| at(t, "Preferred_Starting_Day", "Preferred_Starting_Hour"))
                        .collect::<Result<_, _>>()?;
                    for ai in matching(&acts, c, component, &shares_set) {
                        restrict_starts(&mut time_pen, ai, &starts, w);
                    }
                }
                "ConstraintActivitiesMaxInATerm" | "ConstraintActivitiesOccupyMaxTerms" => {
                    // Outside the terms mode there are no terms to count.
                    let Some(len) = term_days else {
                        *ignored.entry(c.name.to_string()).or_insert(0) += 1;
                        continue;
                    };
                    let kind = if c.name == "ConstraintActivitiesMaxInATerm" {
                        DistributionKind::MaxPerTerm(
                            len,
                            num(c, "Max_Number_of_Activities_in_A_Term")?,
                        )
                    } else {
                        DistributionKind::MaxTerms(len, num(c, "Max_Number_of_Occupied_Terms")?)
                    };
                    dists.push(dist(kind, w, acts_of(c)?, origin));
                }
                "ConstraintMinDaysBetweenActivities" => {
                    let ids = acts_of(c)?;
                    let min_days: u32 = num(c, "MinDays")?;
                    match min_days {
                        0 => {}
                        // In mornings-and-afternoons files FET counts real days.
                        d if mornings_afternoons => {
                            dists.push(dist(DistributionKind::MinRealDaysApart(d), w, ids, origin))
                        }
                        1 => dists.push(dist(DistributionKind::DifferentDays, w, ids, origin)),
                        d => dists.push(dist(DistributionKind::MinDaysApart(d), w, ids, origin)),
                    }
                }
                "ConstraintActivitiesSameStartingTime" => {
                    let ids = acts_of(c)?;
                    dists.push(dist(
                        DistributionKind::SameStart,
                        w,
                        ids.clone(),
                        origin.clone(),
                    ));
                    dists.push(dist(DistributionKind::SameDays, w, ids, origin));
                }
                "ConstraintActivitiesNotOverlapping" => {
                    let ids = acts_of(c)?;
                    dists.push(dist(DistributionKind::NotOverlap, w, ids, origin));
                }
                "ConstraintActivitiesSameStartingHour" => {
                    dists.push(dist(DistributionKind::SameStart, w, acts_of(c)?, origin));
                }
                "ConstraintActivitiesSameStartingDay" => {
                    dists.push(dist(DistributionKind::SameDays, w, acts_of(c)?, origin));
                }
                "ConstraintMinGapsBetweenActivities" => {
                    let gap: u32 = num(c, "MinGaps")?;
                    dists.push(dist(DistributionKind::MinGap(gap), w, acts_of(c)?, origin));
                }
                "ConstraintActivityEndsStudentsDay" | "ConstraintActivitiesEndStudentsDay" => {
                    let last: Vec<usize> = match c.name {
                        "ConstraintActivityEndsStudentsDay" => {
                            act_of(c, text_of(c, "Activity_Id").unwrap_or(""))?
                                .into_iter()
                                .collect()
                        }
                        _ => matching(&acts, c, None, &shares_set),
                    };
                    // Every other activity of its subgroups ends first on a day they share.
                    for ai in last {
                        let Some(mine) = act_units.get(ai) else {
                            continue;
                        };
                        for bi in 0..acts.len() {
                            if bi != ai && shares_units(bi, mine) {
                                dists.push(dist(
                                    DistributionKind::BeforeIfSameDay,
                                    w,
                                    vec![bi, ai],
                                    origin.clone(),
                                ));
                            }
                        }
                    }
                }
                "ConstraintTwoActivitiesOrdered"
                | "ConstraintTwoActivitiesOrderedIfSameDay"
                | "ConstraintTwoActivitiesConsecutive"
                | "ConstraintTwoActivitiesGrouped" => {
                    let pair: Vec<usize> = [
                        act_of(c, text_of(c, "First_Activity_Id").unwrap_or(""))?,
                        act_of(c, text_of(c, "Second_Activity_Id").unwrap_or(""))?,
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    if pair.len() < 2 {
                        continue;
                    }
                    // Consecutive: the second starts where the first ends, on its day.
                    // Grouped: the two back to back in either order. FET lets a break
                    // lie between them (its own saved timetables do that).
                    let kinds: &[DistributionKind] = match c.name {
                        "ConstraintTwoActivitiesOrdered" => &[DistributionKind::Precedence],
                        "ConstraintTwoActivitiesOrderedIfSameDay" => {
                            &[DistributionKind::BeforeIfSameDay]
                        }
                        "ConstraintTwoActivitiesConsecutive" => {
                            &[DistributionKind::BackToBack, DistributionKind::Precedence]
                        }
                        _ => &[DistributionKind::BackToBack],
                    };
                    for &kind in kinds {
                        dists.push(dist(kind, w, pair.clone(), origin.clone()));
                    }
                }
                "ConstraintThreeActivitiesGrouped" => {
                    let three: Vec<usize> = [
                        "First_Activity_Id",
                        "Second_Activity_Id",
                        "Third_Activity_Id",
                    ]
                    .into_iter()
                    .map(|f| act_of(c, text_of(c, f).unwrap_or("")))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect();
                    // Fewer than two active: nothing left to group.
                    if three.len() >= 2 {
                        dists.push(dist(DistributionKind::Grouped, w, three, origin));
                    }
                }
                name => {
                    let Some((groups, kind)) = person_rule(c, name)? else {
                        *ignored.entry(name.to_string()).or_insert(0) += 1;
                        continue;
                    };
                    // Groups too small to break the rule are dropped with the rest below.
                    for (g, off) in groups {
                        dists.push(Distribution {
                            off,
                            ..dist(kind, w, g, origin.clone())
                        });
                    }
                }
            }
        }
    }
    if let Some(sc) = root.child("Space_Constraints_List") {
        for c in &sc.children {
            if !is_active(c) {
                continue;
            }
            let w = weight(c)?;
            let room = |name: &str| -> Result<usize, Error> {
                room_idx
                    .get(name)
                    .copied()
                    .ok_or_else(|| c.error(format!("unknown room `{name}`")))
            };
            let preferred: Vec<String> = match c.child("Room") {
                Some(r) => vec![r.text().to_string()],
                None => c
                    .children_named("Preferred_Room")
                    .map(|r| r.text().to_string())
                    .collect(),
            };
            let targets: Option<Vec<usize>> = match c.name {
                "ConstraintActivityPreferredRoom" | "ConstraintActivityPreferredRooms" => Some(
                    act_of(c, text_of(c, "Activity_Id").unwrap_or(""))?
                        .into_iter()
                        .collect(),
                ),
                "ConstraintSubjectPreferredRoom" | "ConstraintSubjectPreferredRooms" => {
                    let s = text_of(c, "Subject").unwrap_or("");
                    Some(
                        acts.iter()
                            .enumerate()
                            .filter(|(_, a)| a.subject == s)
                            .map(|(i, _)| i)
                            .collect(),
                    )
                }
                "ConstraintActivityTagPreferredRoom"
                | "ConstraintActivityTagPreferredRooms"
                | "ConstraintSubjectActivityTagPreferredRoom"
                | "ConstraintSubjectActivityTagPreferredRooms" => {
                    let tag = text_of(c, "Activity_Tag").unwrap_or("").trim();
                    let subject = text_of(c, "Subject").map(str::trim);
                    Some(
                        acts.iter()
                            .enumerate()
                            .filter(|(_, a)| {
                                a.tags.iter().any(|t| t == tag)
                                    && subject.is_none_or(|s| a.subject == s)
                            })
                            .map(|(i, _)| i)
                            .collect(),
                    )
                }
                // Home rooms apply to activities of exactly that one teacher or students set.
                "ConstraintTeacherHomeRoom" | "ConstraintTeacherHomeRooms" => {
                    let t = text_of(c, "Teacher").unwrap_or("");
                    Some(
                        acts.iter()
                            .enumerate()
                            .filter(|(_, a)| a.teachers == [t])
                            .map(|(i, _)| i)
                            .collect(),
                    )
                }
                "ConstraintStudentsSetHomeRoom" | "ConstraintStudentsSetHomeRooms" => {
                    let st = text_of(c, "Students").unwrap_or("");
                    Some(
                        acts.iter()
                            .enumerate()
                            .filter(|(_, a)| a.students == [st])
                            .map(|(i, _)| i)
                            .collect(),
                    )
                }
                "ConstraintRoomNotAvailableTimes" => {
                    let r = room(text_of(c, "Room").unwrap_or(""))?;
                    if w.0 {
                        let slots = slots_of(c, "Not_Available_Time")?;
                        if let Some(rm) = p.rooms.get_mut(r) {
                            for (d, h) in slots {
                                rm.unavailable.push(TimePattern {
                                    days: 1 << d,
                                    start: h,
                                    length: 1,
                                    weeks: 1,
                                });
                            }
                        }
                    } else {
                        *ignored.entry(format!("{} (soft)", c.name)).or_insert(0) += 1;
                    }
                    None
                }
                "ConstraintBasicCompulsorySpace" => None,
                other => {
                    match person_rule(c, other)? {
                        Some((groups, kind)) => {
                            let origin = format!("{} (line {})", c.name, c.line);
                            for (g, off) in groups {
                                dists.push(Distribution {
                                    off,
                                    ..dist(kind, w, g, origin.clone())
                                });
                            }
                        }
                        None => *ignored.entry(other.to_string()).or_insert(0) += 1,
                    }
                    None
                }
            };
            if let Some(targets) = targets {
                let rooms: BTreeSet<usize> = preferred
                    .iter()
                    .map(|r| room(r))
                    .collect::<Result<_, _>>()?;
                // A virtual room with its real rooms named (a locked timetable, always
                // at 100%): that one way of using it, kept apart so that it meets the
                // activity's other constraints on the virtual room.
                let reals: Vec<usize> = c
                    .children_named("Real_Room")
                    .map(|x| room(x.text()))
                    .collect::<Result<_, _>>()?;
                if !reals.is_empty() {
                    let way = (rooms.iter())
                        .filter_map(|v| ways_of.get(v))
                        .flatten()
                        .copied()
                        .find(|&w| {
                            // FET need not list them in the order of the sets.
                            (p.rooms.get(w).and_then(|x| x.virtual_use.as_ref())).is_some_and(|u| {
                                u.real_rooms.len() == reals.len()
                                    && u.real_rooms.iter().all(|r| reals.contains(r))
                            })
                        })
                        .ok_or_else(|| {
                            c.error("these real rooms are not a way of using the virtual room")
                        })?;
                    for &ai in &targets {
                        if let Some(slot) = locked_way.get_mut(ai) {
                            *slot = Some(way);
                        }
                    }
                }
                if c.name.contains("HomeRoom") {
                    // Home rooms give way to preferred-room constraints (applied below).
                    home.push((targets, rooms, w));
                    continue;
                }
                for ai in targets {
                    if w.0 {
                        if let Some(slot) = room_allowed.get_mut(ai) {
                            *slot = Some(match slot.take() {
                                None => rooms.clone(),
                                Some(prev) => prev.intersection(&rooms).copied().collect(),
                            });
                        }
                    } else if let Some(soft) = room_soft.get_mut(ai) {
                        soft.push((rooms.clone(), w.1));
                    }
                }
            }
        }
    }
    for (targets, rooms, w) in home {
        for ai in targets {
            if room_allowed.get(ai).is_some_and(|r| r.is_some()) {
                continue;
            }
            if w.0 {
                if let Some(slot) = room_allowed.get_mut(ai) {
                    *slot = Some(rooms.clone());
                }
            } else if let Some(soft) = room_soft.get_mut(ai) {
                soft.push((rooms.clone(), w.1));
            }
        }
    }
    for (name, n) in ignored {
        notes.push(format!("{name}: not modelled ({n} ignored)"));
    }

    // Classes.
    for (ai, a) in acts.iter().enumerate() {
        // Taken, not copied: the options are made in the same memory (a time and its
        // penalty are the size of the pair and its flag), which on the largest files is
        // megabytes not touched a second time.
        let times: Vec<TimeOption> = time_pen
            .get_mut(ai)
            .map(std::mem::take)
            .unwrap_or_default()
            .into_iter()
            .filter(|&(_, _, ok)| ok)
            .map(|(pattern, penalty, _)| TimeOption { pattern, penalty })
            .collect();
        if times.is_empty() {
            return Err(Error::Contradiction(format!(
                "activity {} (line {}): its time constraints leave no possible start",
                a.id, a.el_line
            )));
        }
        let size = a.size.unwrap_or_else(|| {
            a.students
                .iter()
                .map(|s| set_size.get(s).copied().unwrap_or(0))
                .sum()
        });
        // A room wished for but not required: FET picks among the wished-for rooms, or
        // puts the lesson in no room at all (its `getPreferredRoom`); never another.
        // Each wish a room misses adds its weight; no room misses them all.
        let soft = room_soft.get(ai).map_or(&[][..], Vec::as_slice);
        let missed = |r: Option<usize>| -> u32 {
            (soft.iter())
                .filter(|(set, _)| r.is_none_or(|r| !set.contains(&r)))
                .map(|&(_, w)| w)
                .sum()
        };
        // A lesson in a virtual room is in one of its ways, at the room's penalty.
        let ways = |set: BTreeSet<usize>| -> Vec<RoomOption> {
            set.into_iter()
                .flat_map(|r| {
                    let penalty = missed(Some(r));
                    let ways = ways_of.get(&r).cloned().unwrap_or_else(|| vec![r]);
                    ways.into_iter()
                        .map(move |room| RoomOption { room, penalty })
                })
                .collect()
        };
        let (rooms, no_room): (Vec<RoomOption>, _) = match room_allowed.get(ai).cloned().flatten() {
            Some(set) => {
                let mut options = ways(set);
                if let Some(&Some(way)) = locked_way.get(ai) {
                    options.retain(|o| o.room == way);
                }
                (options, None)
            }
            None if soft.is_empty() => (Vec::new(), None),
            None => {
                let wished: BTreeSet<usize> =
                    soft.iter().flat_map(|(set, _)| set).copied().collect();
                (ways(wished), Some(missed(None)))
            }
        };
        if room_allowed.get(ai).is_some_and(Option::is_some) && rooms.is_empty() {
            return Err(Error::Contradiction(format!(
                "activity {} (line {}): its room constraints leave no room at all",
                a.id, a.el_line
            )));
        }
        let big_enough: Vec<RoomOption> = rooms
            .iter()
            .copied()
            .filter(|r| p.rooms.get(r.room).is_some_and(|rm| rm.capacity >= size))
            .collect();
        let rooms = if big_enough.is_empty() && !rooms.is_empty() {
            notes.push(format!(
                "activity {} (line {}): no allowed room holds {size} students; capacity ignored",
                a.id, a.el_line
            ));
            rooms
        } else {
            big_enough
        };
        let ci = p.classes.len();
        p.courses.push(Course {
            id: format!("activity-{}", a.id),
            configs: vec![ci],
        });
        p.configs.push(Config {
            id: a.id.clone(),
            course: ci,
            subparts: vec![ci],
        });
        p.subparts.push(Subpart {
            id: a.id.clone(),
            config: ci,
            classes: vec![ci],
        });
        p.classes.push(Class {
            id: a.id.clone(),
            subpart: ci,
            config: ci,
            course: ci,
            parent: None,
            limit: size,
            rooms,
            no_room,
            times,
        });
    }
    // Teachers and students sets never attend two activities at once.
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    for t in &teachers {
        let v = teacher_acts(t);
        if v.len() > 1 && seen.insert(v.clone()) {
            p.distributions.push(dist(
                DistributionKind::NotOverlap,
                (true, 0),
                v,
                format!("teacher {t}"),
            ));
        }
    }
    // Each subgroup's activities, in activity order: one pass over the activities
    // rather than one per subgroup (a third of Namibia-PBS's import). A subgroup without
    // activities would make no rule, so it need not be listed.
    let mut unit_acts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, au) in act_units.iter().enumerate() {
        for u in au {
            unit_acts.entry(u.as_str()).or_default().push(i);
        }
    }
    for (u, v) in unit_acts {
        if v.len() > 1 && seen.insert(v.clone()) {
            p.distributions.push(dist(
                DistributionKind::NotOverlap,
                (true, 0),
                v,
                format!("students {u}"),
            ));
        }
    }
    // Rules over one class are kept only where one class can break them.
    p.distributions.extend(dists.into_iter().filter(|d| {
        d.classes.len() > 1 || (!d.classes.is_empty() && d.kind.breakable_by_one_class())
    }));
    p.breaks = breaks;
    Ok(FetImport {
        problem: p,
        notes,
        written_day_names: written_names_in(root.child("Days_List"), "Day"),
        written_hour_names: written_names_in(root.child("Hours_List"), "Hour"),
        day_names: days,
        hour_names: hours,
        written_room_names,
    })
}

/// The place kind of a person's building- or room-change rule `rule` (the constraint's
/// name without its `Constraint` and person prefixes), its limit read from `c`; `None`
/// for another rule (FET 6's per-real-day and interval variants among them).
fn place_kind(c: &Element, rule: &str) -> Result<Option<DistributionKind>, Error> {
    for place in [Place::Building, Place::Room] {
        let w = place.name();
        let kind = if rule == format!("Max{w}ChangesPerDay") {
            DistributionKind::MaxPlaceChangesPerDay(
                place,
                num(c, &format!("Max_{w}_Changes_Per_Day"))?,
            )
        } else if rule == format!("Max{w}ChangesPerWeek") {
            DistributionKind::MaxPlaceChangesPerWeek(
                place,
                num(c, &format!("Max_{w}_Changes_Per_Week"))?,
            )
        } else if rule == format!("MinGapsBetween{w}Changes") {
            DistributionKind::MinGapsBetweenPlaceChanges(
                place,
                num(c, &format!("Min_Gaps_Between_{w}_Changes"))?,
            )
        } else {
            continue;
        };
        return Ok(Some(kind));
    }
    Ok(None)
}

/// FET's modes that change what a day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each real day is two days of the file, its morning and its afternoon.
    MorningsAfternoons,
    /// The days fall into terms of so many days each.
    Terms,
}

/// The file's mode: FET 6 files name it in `<Mode>`; FET 5 files were written by builds
/// for one mode, named after the version number (`5.27.3-ma9`, `5.27.3-algeria17`,
/// `5.27.3-morocco30`, `5.42.2-mathmake`), a build name being followed by nothing, a digit,
/// `-` or `_` (so `-mathmake` is not `-ma`).
fn mode_of(root: &Element, version: &str) -> Option<Mode> {
    if let Some(m) = root.child("Mode") {
        return match m.text() {
            "Mornings_Afternoons" => Some(Mode::MorningsAfternoons),
            "Terms" => Some(Mode::Terms),
            _ => None,
        };
    }
    let build = version.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let is = |name: &str| {
        build.strip_prefix(name).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '_')
        })
    };
    if ["-ma", "-algeria", "-morocco"].into_iter().any(is) {
        Some(Mode::MorningsAfternoons)
    } else if is("-mathmake") {
        Some(Mode::Terms)
    } else {
        None
    }
}

/// Every hour an activity occupies must be one of `slots` (hard), or each placement that
/// leaves them costs the penalty (soft).
fn restrict_slots(
    time_pen: &mut [Vec<(TimePattern, u32, bool)>],
    which: &[usize],
    slots: &[(u32, u32)],
    (req, pen): (bool, u32),
) {
    for &ai in which {
        let Some(v) = time_pen.get_mut(ai) else {
            continue;
        };
        for (t, p, ok) in v.iter_mut() {
            let inside = (t.start..t.end())
                .all(|h| slots.iter().any(|&(d, sh)| t.days == 1 << d && sh == h));
            if !inside {
                if req {
                    *ok = false;
                } else {
                    *p += pen;
                }
            }
        }
    }
}

fn restrict_starts(
    time_pen: &mut [Vec<(TimePattern, u32, bool)>],
    ai: usize,
    starts: &[(u32, u32)],
    (req, pen): (bool, u32),
) {
    if let Some(v) = time_pen.get_mut(ai) {
        for (t, p, ok) in v.iter_mut() {
            let allowed = starts
                .iter()
                .any(|&(d, h)| t.days == 1 << d && t.start == h);
            if !allowed {
                if req {
                    *ok = false;
                } else {
                    *p += pen;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_versions_and_roots() {
        assert!(import("<fet version=\"2.0\"></fet>")
            .unwrap_err()
            .to_string()
            .contains("version"));
        assert!(import("<problem/>")
            .unwrap_err()
            .to_string()
            .contains("<fet>"));
    }

    /// The slot masks answer as a scan of the slots would, for times of every length
    /// on one or several days, up to the 60 hours a day FET allows.
    #[test]
    fn slot_masks_agree_with_scanning_the_slots() {
        let slots = [(0, 0), (0, 7), (2, 59), (3, 31), (3, 32), (4, 63)];
        let mask = SlotsByDay::new(&slots);
        for days in [1u32, 2, 4, 8, 16, 32, 0b101, 0b11010] {
            for start in 0..64 {
                for length in 1..6 {
                    let t = TimePattern {
                        days,
                        start,
                        length,
                        weeks: 1,
                    };
                    let scan = slots
                        .iter()
                        .any(|&(d, h)| t.days & (1 << d) != 0 && t.start <= h && h < t.end());
                    assert_eq!(mask.meets(&t), scan, "{t:?}");
                }
            }
        }
    }
}

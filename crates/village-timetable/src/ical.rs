//! iCalendar (RFC 5545) export of personal timetables.
//!
//! [`events_for`] expands a solved school timetable for one pupil, staff member or room
//! over a range of dates into one [`CalendarEvent`] per lesson, week A and week B in turn
//! for a fortnightly cycle, leaving out holidays. [`write_calendar`] writes events as a
//! `VCALENDAR` that calendar programs can subscribe to: times are local wall-clock times
//! with a `TZID` whose `VTIMEZONE` states the summer-time rules, so a 09:00 lesson stays at
//! 09:00 across the clock change.
//!
//! Nothing here reads a clock: the `DTSTAMP` is a parameter.

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime, Weekday};
use jiff::{Span, Timestamp};

use crate::error::Error;
use crate::model::Solution;
use crate::school::Compiled;

/// The product identifier written in every calendar.
pub const PRODID: &str = "-//Village//Personal timetable//EN";

/// How often subscribers are asked to fetch the calendar again (RFC 7986 `REFRESH-INTERVAL`).
pub const REFRESH_INTERVAL: &str = "PT12H";

/// The time zones a calendar can be written in (their `VTIMEZONE` is built in).
pub const TIME_ZONES: &[&str] = &["Europe/London", "Europe/Dublin"];

/// One event of a calendar. `start` and `end` are wall-clock times in the calendar's time
/// zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Globally unique, and the same every time the calendar is written, so that a
    /// subscribed calendar updates the event instead of adding a copy.
    pub uid: String,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub start: DateTime,
    /// Must be after `start`.
    pub end: DateTime,
}

/// A zone that follows the European Union's summer-time rules (since 1996): summer time
/// from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
struct Zone {
    tzid: &'static str,
    /// Offset from UTC in winter, in whole hours.
    standard_hours: i8,
    standard_name: &'static str,
    daylight_name: &'static str,
}

const ZONES: &[Zone] = &[
    Zone {
        tzid: "Europe/London",
        standard_hours: 0,
        standard_name: "GMT",
        daylight_name: "BST",
    },
    Zone {
        tzid: "Europe/Dublin",
        standard_hours: 0,
        standard_name: "GMT",
        daylight_name: "IST",
    },
];

/// Write a calendar named `name` in the time zone `tz` (one of [`TIME_ZONES`]), with
/// `stamp` as every event's `DTSTAMP` (when the calendar was written).
///
/// Lines end in CRLF and are folded at 75 octets without splitting a character; text
/// values are escaped. Control characters other than tab and line breaks cannot be
/// written in iCalendar text and are left out; a CR LF or lone CR becomes a line break.
///
/// Refuses an unknown time zone, an event without a UID, an event that does not end after
/// it starts, and years outside 1–9999.
pub fn write_calendar(
    name: &str,
    tz: &str,
    events: &[CalendarEvent],
    stamp: Timestamp,
) -> Result<String, Error> {
    let zone = ZONES.iter().find(|z| z.tzid == tz).ok_or_else(|| {
        Error::Unsupported(format!(
            "time zone `{tz}`: calendars can be written in {}",
            TIME_ZONES.join(", ")
        ))
    })?;
    let stamp_utc = jiff::tz::Offset::UTC.to_datetime(stamp);
    let dtstamp = format!("{}Z", format_date_time(stamp_utc, "the time stamp")?);

    let mut w = Lines::default();
    w.line("BEGIN:VCALENDAR");
    w.line(&format!("PRODID:{PRODID}"));
    w.line("VERSION:2.0");
    w.line("CALSCALE:GREGORIAN");
    w.text("X-WR-CALNAME", name);
    w.text("NAME", name);
    w.text("X-WR-TIMEZONE", zone.tzid);
    w.line(&format!(
        "REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}"
    ));
    w.line(&format!("X-PUBLISHED-TTL:{REFRESH_INTERVAL}"));
    write_vtimezone(&mut w, zone);
    for (i, e) in events.iter().enumerate() {
        if e.uid.trim().is_empty() {
            return Err(Error::Unsupported(format!(
                "event {i} (`{}`) has no UID",
                e.summary
            )));
        }
        let start = format_date_time(e.start, &e.uid)?;
        let end = format_date_time(e.end, &e.uid)?;
        // Same width, digits only: text order is time order.
        if end <= start {
            return Err(Error::Contradiction(format!(
                "event `{}` ends ({}) before it starts ({})",
                e.uid, e.end, e.start
            )));
        }
        w.line("BEGIN:VEVENT");
        w.text("UID", &e.uid);
        w.line(&format!("DTSTAMP:{dtstamp}"));
        w.line(&format!("DTSTART;TZID={}:{start}", zone.tzid));
        w.line(&format!("DTEND;TZID={}:{end}", zone.tzid));
        w.text("SUMMARY", &e.summary);
        if let Some(location) = &e.location {
            w.text("LOCATION", location);
        }
        if let Some(description) = &e.description {
            w.text("DESCRIPTION", description);
        }
        w.line("END:VEVENT");
    }
    w.line("END:VCALENDAR");
    Ok(w.out)
}

/// The zone's rules as yearly RRULEs from 1996, when the EU rules began. Summer time
/// starts at 01:00 UTC on the last Sunday of March (31 March 1996) and ends at 01:00 UTC
/// on the last Sunday of October (27 October 1996); DTSTART is the local time then.
fn write_vtimezone(w: &mut Lines, zone: &Zone) {
    let std = zone.standard_hours;
    let dst = std + 1;
    let offset = |h: i8| format!("{}{:02}00", if h < 0 { '-' } else { '+' }, h.unsigned_abs());
    w.line("BEGIN:VTIMEZONE");
    w.line(&format!("TZID:{}", zone.tzid));
    w.line(&format!("X-LIC-LOCATION:{}", zone.tzid));
    w.line("BEGIN:DAYLIGHT");
    w.line(&format!("TZOFFSETFROM:{}", offset(std)));
    w.line(&format!("TZOFFSETTO:{}", offset(dst)));
    w.text("TZNAME", zone.daylight_name);
    w.line(&format!("DTSTART:19960331T{:02}0000", 1 + std));
    w.line("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
    w.line("END:DAYLIGHT");
    w.line("BEGIN:STANDARD");
    w.line(&format!("TZOFFSETFROM:{}", offset(dst)));
    w.line(&format!("TZOFFSETTO:{}", offset(std)));
    w.text("TZNAME", zone.standard_name);
    w.line(&format!("DTSTART:19961027T{:02}0000", 1 + dst));
    w.line("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
    w.line("END:STANDARD");
    w.line("END:VTIMEZONE");
}

/// `YYYYMMDDTHHMMSS` (fractions of a second are dropped).
fn format_date_time(dt: DateTime, what: &str) -> Result<String, Error> {
    if dt.year() < 1 {
        return Err(Error::Unsupported(format!(
            "{what}: the year {} cannot be written in iCalendar",
            dt.year()
        )));
    }
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

/// Content lines, CRLF-terminated and folded.
#[derive(Default)]
struct Lines {
    out: String,
}

impl Lines {
    fn line(&mut self, line: &str) {
        fold(line, &mut self.out);
    }

    /// A property with a TEXT value.
    fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{}", escape_text(value)));
    }
}

/// Longest content line in octets, CRLF not counted (RFC 5545 §3.1).
const MAX_OCTETS: usize = 75;

/// Append `line` folded at 75 octets (a continuation line starts with a space, which
/// counts) without splitting a UTF-8 character, then CRLF.
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

/// Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // CR LF is one line break; a lone CR is one too.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            // Other controls (RFC 5545's CONTROL) are not allowed in TEXT.
            c if c.is_ascii_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Whose timetable to expand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose<'a> {
    /// A pupil, by id: the classes they are sectioned into.
    Pupil(&'a str),
    /// A staff member, by name: the classes of their sets.
    Staff(&'a str),
    /// A room, by name: the classes placed in it.
    Room(&'a str),
}

/// The dates to expand a timetable over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRange<'a> {
    /// The Monday that starts week A. Weeks run Monday to Sunday and follow the cycle
    /// from there (A, B, A, B... for a fortnight), holiday weeks included; a school that
    /// starts again at week A after a holiday expands each term with its own Monday.
    pub week_a_monday: Date,
    /// First and last day of the range, both included.
    pub first_day: Date,
    pub last_day: Date,
    /// Days without lessons: holidays, INSET days, closures.
    pub skip: &'a [Date],
    /// Ends every UID (`...@uid_domain`) so that UIDs are unique worldwide, e.g. the
    /// school's address.
    pub uid_domain: &'a str,
}

/// One event per lesson of a pupil, staff member or room from `range.first_day` to
/// `range.last_day`, in time order.
///
/// The school grid is read from the compiled model: slot `s` starts `s ×
/// minutes_per_slot` minutes after midnight, and the school's day names (`Mon`, `Tuesday`,
/// ...) say which weekday each day of the cycle is. Week `w` of the model is the `w`-th
/// week of the cycle (week A = 0, week B = 1).
///
/// A lesson keeps its UID when re-solving moves it within its cycle, so a subscribed
/// calendar moves the event: the UID is the class, the Monday its cycle starts and its
/// place among the class's meetings of that cycle. The same lesson has the same UID in
/// every calendar it appears in (the pupils', the teacher's, the room's).
///
/// Like [`crate::school::SchoolOutcome::pupil_timetable`], a pupil, staff member or room
/// the timetable does not have gets no events. Refuses a `week_a_monday` that is not a
/// Monday, day names that are not weekdays (or name one twice), and a solution of another
/// problem.
pub fn events_for(
    compiled: &Compiled,
    solution: &Solution,
    whose: Whose<'_>,
    range: &CalendarRange<'_>,
) -> Result<Vec<CalendarEvent>, Error> {
    let p = &compiled.problem;
    if solution.placements.len() != p.classes.len() {
        return Err(Error::Solution(format!(
            "{} placements for {} classes",
            solution.placements.len(),
            p.classes.len()
        )));
    }
    let classes: Vec<usize> = match whose {
        Whose::Pupil(id) => p
            .students
            .iter()
            .position(|s| s.id == id)
            .and_then(|si| solution.enrollments.get(si))
            .cloned()
            .unwrap_or_default(),
        Whose::Staff(name) => (0..p.classes.len())
            .filter(|&c| compiled.classes.get(c).is_some_and(|i| i.staff == name))
            .collect(),
        Whose::Room(name) => match p.rooms.iter().position(|r| r.id == name) {
            Some(ri) => (0..p.classes.len())
                .filter(|&c| {
                    solution
                        .placements
                        .get(c)
                        .is_some_and(|pl| pl.is_some_and(|pl| pl.room == Some(ri)))
                })
                .collect(),
            None => Vec::new(),
        },
    };
    let mps = compiled.minutes_per_slot;
    let mut meetings = Vec::new();
    for c in classes {
        let (Some(class), Some(info), Some(Some(pl))) = (
            p.classes.get(c),
            compiled.classes.get(c),
            solution.placements.get(c),
        ) else {
            continue;
        };
        let Some(time) = class.times.get(pl.time) else {
            continue;
        };
        meetings.push(WeeklyMeeting {
            class_id: class.id.clone(),
            days: time.pattern.days,
            weeks: time.pattern.weeks,
            start_minute: time.pattern.start * mps,
            end_minute: time.pattern.end() * mps,
            summary: format!("{} ({})", info.offer, info.set),
            location: pl.room.and_then(|r| p.rooms.get(r)).map(|r| r.id.clone()),
            staff: info.staff.clone(),
        });
    }
    expand(&meetings, &compiled.day_names, p.nr_weeks, range)
}

/// A lesson of a timetable's cycle: the days (bit `d` = day `d` of the school's day list)
/// and weeks (bit `w` = week `w` of the cycle) it meets on, and its times of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyMeeting {
    /// The class it belongs to: the first part of every UID.
    pub class_id: String,
    pub days: u32,
    pub weeks: u64,
    /// Minutes after midnight.
    pub start_minute: u32,
    pub end_minute: u32,
    pub summary: String,
    pub location: Option<String>,
    /// Who teaches it, for the description.
    pub staff: String,
}

/// One event per meeting from `range.first_day` to `range.last_day`, in time order, for a
/// timetable kept as weekly meetings (e.g. a published timetable read back from a
/// database). `day_names` and `nr_weeks` are the school's; see [`events_for`] for UIDs.
pub fn expand(
    meetings: &[WeeklyMeeting],
    day_names: &[String],
    nr_weeks: u32,
    range: &CalendarRange<'_>,
) -> Result<Vec<CalendarEvent>, Error> {
    if range.week_a_monday.weekday() != Weekday::Monday {
        return Err(Error::Unsupported(format!(
            "week A must start on a Monday, but {} is a {:?}",
            range.week_a_monday,
            range.week_a_monday.weekday()
        )));
    }
    let weekdays = day_weekdays(day_names)?;
    let cycle_weeks = i64::from(nr_weeks.max(1));
    let skip: BTreeSet<Date> = range.skip.iter().copied().collect();
    let out_of_range = |e: jiff::Error| Error::Unsupported(format!("date out of range: {e}"));
    let domain = uid_part(range.uid_domain);
    let mut events = Vec::new();
    let mut date = range.first_day;
    while date <= range.last_day {
        if !skip.contains(&date) {
            let days = i64::from(
                range
                    .week_a_monday
                    .until(date)
                    .map_err(out_of_range)?
                    .get_days(),
            );
            let week_number = days.div_euclid(7);
            let week = week_number.rem_euclid(cycle_weeks);
            let cycle = week_number.div_euclid(cycle_weeks);
            let cycle_monday = range
                .week_a_monday
                .checked_add(Span::new().days(cycle * cycle_weeks * 7))
                .map_err(out_of_range)?;
            let midnight = date.to_datetime(jiff::civil::Time::midnight());
            for (d, _) in weekdays
                .iter()
                .enumerate()
                .filter(|(_, w)| **w == date.weekday())
            {
                for m in meetings {
                    if d >= 32 || week >= 64 || m.days >> d & 1 == 0 || m.weeks >> week & 1 == 0 {
                        continue;
                    }
                    // Place of this meeting among the class's meetings of one cycle.
                    let below = |bits: u64, i: i64| (bits & ((1u64 << i) - 1)).count_ones();
                    let k = below(m.weeks, week) * m.days.count_ones()
                        + below(u64::from(m.days), d as i64);
                    let minutes = |m: u32| Span::new().minutes(i64::from(m));
                    let start = midnight
                        .checked_add(minutes(m.start_minute))
                        .map_err(out_of_range)?;
                    let end = midnight
                        .checked_add(minutes(m.end_minute))
                        .map_err(out_of_range)?;
                    let mut description = format!("Staff: {}", m.staff);
                    if cycle_weeks > 1 {
                        description.push_str(&format!("\nWeek {}", week_label(week)));
                    }
                    events.push(CalendarEvent {
                        uid: format!(
                            "{}.{}.{k}@{domain}",
                            uid_part(&m.class_id),
                            cycle_monday.strftime("%Y%m%d")
                        ),
                        summary: m.summary.clone(),
                        location: m.location.clone(),
                        description: Some(description),
                        start,
                        end,
                    });
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    events.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
    Ok(events)
}

/// `A`, `B`, ... for weeks 0, 1, ... of the cycle.
fn week_label(week: i64) -> String {
    u8::try_from(week)
        .ok()
        .filter(|w| *w < 26)
        .map(|w| char::from(b'A' + w).to_string())
        .unwrap_or_else(|| (week + 1).to_string())
}

/// The weekday of each day of the school's cycle, from its names.
pub fn day_weekdays(names: &[String]) -> Result<Vec<Weekday>, Error> {
    let mut out: Vec<Weekday> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let weekday = match name.trim().to_ascii_lowercase().as_str() {
            "mon" | "monday" => Weekday::Monday,
            "tue" | "tues" | "tuesday" => Weekday::Tuesday,
            "wed" | "weds" | "wednesday" => Weekday::Wednesday,
            "thu" | "thur" | "thurs" | "thursday" => Weekday::Thursday,
            "fri" | "friday" => Weekday::Friday,
            "sat" | "saturday" => Weekday::Saturday,
            "sun" | "sunday" => Weekday::Sunday,
            _ => {
                return Err(Error::school(
                    format!("days[{i}]"),
                    format!(
                        "`{name}` is not a day of the week (Mon to Sun, or the full name), so the calendar cannot place it"
                    ),
                ))
            }
        };
        if out.contains(&weekday) {
            return Err(Error::school(
                format!("days[{i}]"),
                format!("`{name}` is a weekday already named before it"),
            ));
        }
        out.push(weekday);
    }
    Ok(out)
}

/// Letters, digits and `-_.` as they are; every other byte as `%XX`, so UIDs need no
/// escaping and stay the same for the same input.
pub fn uid_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Placement;
    use crate::school::School;
    use jiff::civil::date;

    fn event(summary: &str, description: Option<&str>) -> CalendarEvent {
        CalendarEvent {
            uid: "maths%2F1%2F1.20250901.0@school.example".into(),
            summary: summary.into(),
            location: Some("Room 1".into()),
            description: description.map(str::to_string),
            start: date(2025, 9, 1).at(9, 0, 0, 0),
            end: date(2025, 9, 1).at(10, 0, 0, 0),
        }
    }

    fn stamp() -> Timestamp {
        "2025-08-20T12:34:56Z".parse().unwrap()
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        // 2-, 3- and 4-octet characters in a long line.
        let value: String = "é€😀a".repeat(40);
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{value}"), &mut out);
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(lines.len() > 5);
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '), "{l:?}");
            }
            // Every line but the last is filled as far as the next character allows.
            if i + 1 < lines.len() {
                assert!(l.len() > 71, "line {i} has only {} octets", l.len());
            }
        }
        assert!(out.ends_with("\r\n") && !out.ends_with("\r\n\r\n"));
        assert_eq!(unfold(&out), format!("DESCRIPTION:{value}\r\n"));

        // Exactly 75 octets is one line; 76 folds.
        let mut out = String::new();
        fold(&"x".repeat(75), &mut out);
        assert_eq!(out, format!("{}\r\n", "x".repeat(75)));
        let mut out = String::new();
        fold(&"x".repeat(76), &mut out);
        assert_eq!(out, format!("{}\r\n x\r\n", "x".repeat(75)));
        // A 4-octet character that would end at octet 76 moves to the next line.
        let mut out = String::new();
        fold(&format!("{}😀", "x".repeat(72)), &mut out);
        assert_eq!(out, format!("{}\r\n 😀\r\n", "x".repeat(72)));
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape_text("Maths, set 1; room \\ 2\nbring a calculator"),
            "Maths\\, set 1\\; room \\\\ 2\\nbring a calculator"
        );
        assert_eq!(escape_text("a\r\nb\rc\nd"), "a\\nb\\nc\\nd");
        assert_eq!(escape_text("tab\there\u{7}bell\u{0}"), "tab\thereb\u{65}ll");
        assert_eq!(escape_text("Café 😀: \"quoted\""), "Café 😀: \"quoted\"");
    }

    #[test]
    fn vtimezone_states_the_summer_time_rules() {
        let cal = write_calendar("Timetable", "Europe/London", &[], stamp()).unwrap();
        let expected = [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/London",
            "X-LIC-LOCATION:Europe/London",
            "BEGIN:DAYLIGHT",
            "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0100",
            "TZNAME:BST",
            "DTSTART:19960331T010000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000",
            "TZNAME:GMT",
            "DTSTART:19961027T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
        .join("\r\n");
        assert!(cal.contains(&expected), "{cal}");
        // The first onsets are the last Sundays of March and October 1996.
        for (d, month) in [(date(1996, 3, 31), 3), (date(1996, 10, 27), 10)] {
            assert_eq!(d.weekday(), Weekday::Sunday);
            assert_eq!(d.month(), month);
            assert_ne!(d.checked_add(Span::new().days(7)).unwrap().month(), month);
        }
        let dublin = write_calendar("T", "Europe/Dublin", &[], stamp()).unwrap();
        assert!(dublin.contains("TZID:Europe/Dublin\r\n") && dublin.contains("TZNAME:IST\r\n"));
        let e = write_calendar("T", "Europe/Paris", &[], stamp()).unwrap_err();
        assert!(e.to_string().contains("Europe/London"), "{e}");
    }

    #[test]
    fn writes_a_calendar() {
        let long = "Bring: ".to_string() + &"a calculator, a ruler; ✏️ ".repeat(12);
        let cal = write_calendar(
            "Ada's timetable, 2025–26",
            "Europe/London",
            &[event("Maths (1)", Some(&long)), event("Art", None)],
            stamp(),
        )
        .unwrap();
        // CRLF everywhere, nothing longer than 75 octets.
        assert!(!cal.replace("\r\n", "").contains(['\r', '\n']));
        assert!(cal.split_terminator("\r\n").all(|l| l.len() <= 75));
        let lines: Vec<String> = unfold(&cal)
            .split_terminator("\r\n")
            .map(str::to_string)
            .collect();
        assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        for l in [
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "PRODID:-//Village//Personal timetable//EN",
            "X-WR-CALNAME:Ada's timetable\\, 2025–26",
            "DTSTAMP:20250820T123456Z",
            "DTSTART;TZID=Europe/London:20250901T090000",
            "DTEND;TZID=Europe/London:20250901T100000",
            "SUMMARY:Maths (1)",
            "LOCATION:Room 1",
            "UID:maths%2F1%2F1.20250901.0@school.example",
        ] {
            assert!(lines.iter().any(|x| x == l), "missing {l}\n{cal}");
        }
        assert!(lines
            .iter()
            .any(|x| x == &format!("DESCRIPTION:{}", escape_text(&long))));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 2);
        // The event without a description has none.
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("DESCRIPTION"))
                .count(),
            1
        );
    }

    #[test]
    fn refuses_events_that_cannot_be_written() {
        let mut e = event("x", None);
        e.end = e.start;
        let err = write_calendar("T", "Europe/London", &[e], stamp()).unwrap_err();
        assert!(err.to_string().contains("ends"), "{err}");
        let mut e = event("x", None);
        e.uid = " ".into();
        assert!(write_calendar("T", "Europe/London", &[e], stamp()).is_err());
        let mut e = event("x", None);
        e.start = date(-5, 1, 1).at(9, 0, 0, 0);
        assert!(write_calendar("T", "Europe/London", &[e], stamp()).is_err());
    }

    /// A fortnightly school on Monday to Wednesday: maths every week, art in week B.
    fn school() -> School {
        let json = serde_json::json!({
            "name": "Test school",
            "days": ["Mon", "Tue", "Wed"],
            "weeks": 2,
            "windows": [],
            "blocks": [{"name": "single", "minutes": 60}, {"name": "short", "minutes": 25}],
            "sites": [{"name": "Main"}],
            "rooms": [
                {"name": "R1", "site": "Main", "capacity": 30, "kind": "classroom"},
                {"name": "Studio", "site": "Main", "capacity": 30, "kind": "studio"}
            ],
            "staff": [{"name": "Ms Ada", "kind": "teacher"}, {"name": "Mr Bo", "kind": "teacher"}],
            "offers": [
                {"id": "maths", "subject": "maths", "sessions": ["single"], "staff_kind": "teacher",
                 "room_kind": "classroom", "sets": [{"name": "A", "staff": "Ms Ada", "size": 20}]},
                {"id": "art", "subject": "art", "sessions": ["short"], "weekly": false,
                 "staff_kind": "teacher", "room_kind": "studio",
                 "sets": [{"name": "A", "staff": "Mr Bo", "size": 20}]}
            ],
            "pupils": [{"id": "p1", "year": 7, "requests": [{"offer": "maths"}, {"offer": "art"}]}]
        });
        School::from_json(&json.to_string()).unwrap()
    }

    /// Place `class` at the first candidate time with these days, weeks and start minute.
    fn place(
        compiled: &Compiled,
        sol: &mut Solution,
        class: &str,
        day: u32,
        weeks: u64,
        minute: u32,
    ) {
        let c = compiled.problem.class_index(class).unwrap();
        let cl = &compiled.problem.classes[c];
        let time = cl
            .times
            .iter()
            .position(|t| {
                t.pattern.days == 1 << day
                    && t.pattern.weeks == weeks
                    && t.pattern.start * compiled.minutes_per_slot == minute
            })
            .unwrap();
        sol.placements[c] = Some(Placement {
            time,
            room: Some(cl.rooms[0].room),
        });
    }

    #[test]
    fn expands_week_a_and_week_b_skipping_a_holiday() {
        let compiled = school().compile().unwrap();
        let mut sol = Solution::empty_for(&compiled.problem);
        // Maths on Tuesdays 09:00–10:00 every week; art on Mondays in week B 13:15–13:40.
        place(&compiled, &mut sol, "maths/A/1", 1, 0b11, 9 * 60);
        place(&compiled, &mut sol, "art/A/1", 0, 0b10, 13 * 60 + 15);
        sol.enrollments[0] = vec![
            compiled.problem.class_index("maths/A/1").unwrap(),
            compiled.problem.class_index("art/A/1").unwrap(),
        ];
        // Week A starts Monday 1 September 2025; three weeks from Wednesday 3 September,
        // with Tuesday 16 September a holiday.
        let holiday = [date(2025, 9, 16)];
        let range = CalendarRange {
            week_a_monday: date(2025, 9, 1),
            first_day: date(2025, 9, 3),
            last_day: date(2025, 9, 21),
            skip: &holiday,
            uid_domain: "test.example",
        };
        let events = events_for(&compiled, &sol, Whose::Pupil("p1"), &range).unwrap();
        let got: Vec<(String, String, String)> = events
            .iter()
            .map(|e| (e.start.to_string(), e.end.to_string(), e.summary.clone()))
            .collect();
        let want = [
            // Week A: 1 September (Tuesday 2 is before the range).
            // Week B: 8 September.
            ("2025-09-08T13:15:00", "2025-09-08T13:40:00", "art (A)"),
            ("2025-09-09T09:00:00", "2025-09-09T10:00:00", "maths (A)"),
            // Week A again: 15 September; maths on the 16th is a holiday, no art.
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
        let art = &events[0];
        assert_eq!(art.location.as_deref(), Some("Studio"));
        assert_eq!(art.description.as_deref(), Some("Staff: Mr Bo\nWeek B"));
        assert_eq!(art.uid, "art%2FA%2F1.20250901.0@test.example");
        // Maths in week B is the class's second meeting of the cycle.
        assert_eq!(events[1].uid, "maths%2FA%2F1.20250901.1@test.example");
        assert_eq!(
            events[1].description.as_deref(),
            Some("Staff: Ms Ada\nWeek B")
        );

        // A longer range: the next cycle starts Monday 15 September, with new UIDs.
        let range = CalendarRange {
            first_day: date(2025, 9, 1),
            last_day: date(2025, 9, 28),
            ..range
        };
        let events = events_for(&compiled, &sol, Whose::Pupil("p1"), &range).unwrap();
        let uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(
            uids,
            [
                "maths%2FA%2F1.20250901.0@test.example",
                "art%2FA%2F1.20250901.0@test.example",
                "maths%2FA%2F1.20250901.1@test.example",
                "art%2FA%2F1.20250915.0@test.example",
                "maths%2FA%2F1.20250915.1@test.example",
            ]
        );

        // The same lessons for the staff and the rooms, with the same UIDs.
        let ada = events_for(&compiled, &sol, Whose::Staff("Ms Ada"), &range).unwrap();
        let r1 = events_for(&compiled, &sol, Whose::Room("R1"), &range).unwrap();
        assert_eq!(ada, r1);
        assert_eq!(
            ada.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(),
            [uids[0], uids[2], uids[4]]
        );
        assert!(events_for(&compiled, &sol, Whose::Pupil("nobody"), &range)
            .unwrap()
            .is_empty());

        // Moving maths to Wednesday keeps its UIDs: the subscribed event moves.
        place(&compiled, &mut sol, "maths/A/1", 2, 0b11, 9 * 60);
        let moved = events_for(&compiled, &sol, Whose::Staff("Ms Ada"), &range).unwrap();
        // Wednesday 17 September is no holiday: that meeting appears, with its own UID.
        assert_eq!(
            moved.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(),
            [
                uids[0],
                uids[2],
                "maths%2FA%2F1.20250915.0@test.example",
                uids[4]
            ]
        );
        assert_eq!(moved[0].start, date(2025, 9, 3).at(9, 0, 0, 0));
    }

    #[test]
    fn refuses_what_it_cannot_place() {
        let compiled = school().compile().unwrap();
        let sol = Solution::empty_for(&compiled.problem);
        let range = CalendarRange {
            week_a_monday: date(2025, 9, 2),
            first_day: date(2025, 9, 1),
            last_day: date(2025, 9, 30),
            skip: &[],
            uid_domain: "test.example",
        };
        let e = events_for(&compiled, &sol, Whose::Pupil("p1"), &range).unwrap_err();
        assert!(e.to_string().contains("Monday"), "{e}");

        let mut odd = compiled.clone();
        odd.day_names[1] = "Day 2".into();
        let range = CalendarRange {
            week_a_monday: date(2025, 9, 1),
            ..range
        };
        let e = events_for(&odd, &sol, Whose::Pupil("p1"), &range).unwrap_err();
        assert!(e.to_string().contains("days[1]"), "{e}");

        let e =
            events_for(&compiled, &Solution::default(), Whose::Pupil("p1"), &range).unwrap_err();
        assert!(matches!(e, Error::Solution(_)), "{e}");
    }

    #[test]
    fn uid_parts_need_no_escaping() {
        assert_eq!(uid_part("maths/9X1, set;2"), "maths%2F9X1%2C%20set%3B2");
        assert_eq!(uid_part("é"), "%C3%A9");
    }
}

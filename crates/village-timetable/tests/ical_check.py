#!/usr/bin/env python3
"""Check iCalendar files written by village-timetable with an independent parser.

Usage: ical_check.py DIR

For every NAME.ics in DIR, NAME.json says what it should hold:

    {"name": "...", "tz": "Europe/London", "stamp": "2025-08-20T12:34:56Z",
     "events": [{"uid": "...", "summary": "...", "location": "..." or null,
                 "description": "..." or null,
                 "start": "2025-09-01T09:00:00", "end": "2025-09-01T10:00:00"}]}

Checks: the raw text (CRLF line endings, lines of at most 75 octets, folds that never
split a UTF-8 character); that the `icalendar` package parses it with no errors in any
component; the calendar's properties; that the VTIMEZONE, read on its own (not looked up
by name), gives the same local times as the time zone database (Python's zoneinfo)
around every clock change and once a day in 2020-2040; and that every VEVENT has DTSTART
and DTEND with the right TZID, a UID and a UTC DTSTAMP, and that its text round-trips
exactly.

Needs the icalendar package; written against icalendar 7.3.0:

    pip install icalendar==7.3.0
"""

import datetime
import json
import sys
import zoneinfo
from pathlib import Path

try:
    import icalendar
except ImportError:
    sys.exit("the icalendar Python package is missing: pip install icalendar==7.3.0")

UTC = datetime.timezone.utc

# icalendar 7.3 knows NAME (RFC 7986 section 5.1) and X-WR-CALNAME only as unknown
# properties and would hand back their raw, escaped value. Both are TEXT: say so, so that
# the package's own parser unescapes them like SUMMARY.
for _name in ("NAME", "X-WR-CALNAME"):
    icalendar.Calendar.types_factory.types_map[_name] = "text"

# Properties whose value is one TEXT (no parameters are written on them).
TEXT_PROPERTIES = {"SUMMARY", "LOCATION", "DESCRIPTION", "UID", "NAME", "X-WR-CALNAME", "TZNAME"}

# VTIMEZONE text -> problems found, so each distinct VTIMEZONE is compared once.
_checked_zones = {}


def check_raw(data, problems):
    if not data.endswith(b"\r\n"):
        problems.append("the last line does not end in CRLF")
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines = lines[:-1]
    for n, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {n}: a bare CR or LF")
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets (more than 75)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"line {n}: not UTF-8 on its own (a character split by folding?): {e}")
    if lines and lines[0] != b"BEGIN:VCALENDAR":
        problems.append(f"first line is {lines[0]!r}")
    # TEXT values (RFC 5545 section 3.3.11): no bare comma or semicolon, and a backslash
    # only before one of \\ ; , n N. (The parser accepts more than this.)
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8", "replace").split("\r\n")
    for line in unfolded:
        name, _, value = line.partition(":")
        if name not in TEXT_PROPERTIES:
            continue
        i = 0
        while i < len(value):
            c = value[i]
            if c == "\\":
                if value[i + 1 : i + 2] not in ("\\", ";", ",", "n", "N"):
                    problems.append(f"{name}: a backslash not escaping anything in {value!r}")
                i += 2
                continue
            if c in ",;":
                problems.append(f"{name}: an unescaped {c!r} in {value!r}")
            i += 1


def compare_with_database(own, reference):
    """Compare two tzinfos at every UTC hour of the weeks around the clock changes (mid
    March to early April, mid October to early November) and at noon UTC every day, for
    2020-2040."""
    instants = []
    for year in range(2020, 2041):
        for month, first in ((3, 15), (10, 15)):
            t = datetime.datetime(year, month, first, tzinfo=UTC)
            instants += [t + datetime.timedelta(hours=h) for h in range(24 * 24)]
        day = datetime.datetime(year, 1, 1, 12, tzinfo=UTC)
        while day.year == year:
            instants.append(day)
            day += datetime.timedelta(days=1)
    problems = []
    for t in instants:
        a = t.astimezone(own)
        b = t.astimezone(reference)
        if a.utcoffset() != b.utcoffset() or a.replace(tzinfo=None) != b.replace(tzinfo=None):
            problems.append(
                f"VTIMEZONE: {t.isoformat()} is {a.isoformat()} by the calendar but "
                f"{b.isoformat()} by the time zone database"
            )
    return problems[:5]


def check_timezone(cal, tz, problems):
    zones = cal.walk("VTIMEZONE")
    if len(zones) != 1:
        problems.append(f"{len(zones)} VTIMEZONE components, expected 1")
        return None
    vtz = zones[0]
    if str(vtz.get("TZID")) != tz:
        problems.append(f"VTIMEZONE TZID is {vtz.get('TZID')!r}, expected {tz!r}")
    kinds = sorted(c.name for c in vtz.subcomponents)
    if kinds != ["DAYLIGHT", "STANDARD"]:
        problems.append(f"VTIMEZONE has {kinds}")
    # The VTIMEZONE's own rules (RRULEs), not the zone looked up by its name.
    own = vtz.to_tz(lookup_tzid=False)
    key = (tz, vtz.to_ical())
    if key not in _checked_zones:
        _checked_zones[key] = compare_with_database(own, zoneinfo.ZoneInfo(tz))
    problems.extend(_checked_zones[key])
    return own


def check_event(ev, want, tz, own_tz, stamp, problems):
    uid = str(ev.get("UID"))
    where = f"VEVENT {uid}"
    missing = [prop for prop in ("DTSTART", "DTEND", "UID", "DTSTAMP") if prop not in ev]
    if missing:
        problems.append(f"{where}: no {', '.join(missing)}")
        return
    for prop, key in (("DTSTART", "start"), ("DTEND", "end")):
        v = ev[prop]
        if v.params.get("TZID") != tz:
            problems.append(f"{where}: {prop} has TZID {v.params.get('TZID')!r}, expected {tz!r}")
        dt = v.dt
        if not isinstance(dt, datetime.datetime) or dt.tzinfo is None:
            problems.append(f"{where}: {prop} is {dt!r}, not a date-time in a time zone")
            continue
        wall = dt.replace(tzinfo=None)
        expected = datetime.datetime.fromisoformat(want[key])
        if wall != expected:
            problems.append(f"{where}: {prop} is {wall.isoformat()}, expected {want[key]}")
        # The calendar's own VTIMEZONE and the database agree on this instant.
        if own_tz is not None:
            ours = wall.replace(tzinfo=own_tz).utcoffset()
            theirs = wall.replace(tzinfo=zoneinfo.ZoneInfo(tz)).utcoffset()
            if ours != theirs:
                problems.append(f"{where}: {prop} offset {ours} by the calendar, {theirs} by the database")
    start, end = ev["DTSTART"].dt, ev["DTEND"].dt
    aware = all(isinstance(d, datetime.datetime) and d.tzinfo is not None for d in (start, end))
    if aware and end <= start:
        problems.append(f"{where}: ends before it starts")
    dtstamp = ev["DTSTAMP"].dt
    if dtstamp.utcoffset() != datetime.timedelta(0) or dtstamp != stamp:
        problems.append(f"{where}: DTSTAMP is {dtstamp!r}, expected {stamp!r} in UTC")
    for prop, key in (("SUMMARY", "summary"), ("LOCATION", "location"), ("DESCRIPTION", "description")):
        expected = want.get(key)
        got = ev.get(prop)
        if expected is None:
            if got is not None:
                problems.append(f"{where}: unexpected {prop} {str(got)!r}")
        elif got is None:
            problems.append(f"{where}: no {prop}")
        elif str(got) != expected:
            problems.append(f"{where}: {prop} is {str(got)!r}, expected {expected!r}")


def check(ics, want):
    problems = []
    data = ics.read_bytes()
    check_raw(data, problems)
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # noqa: BLE001 - any parse failure is a finding
        return [f"does not parse: {e!r}"], 0
    components = list(cal.walk())
    for c in components:
        for err in getattr(c, "errors", []):
            problems.append(f"{c.name}: parse error {err!r}")
    if cal.name != "VCALENDAR":
        problems.append(f"top component is {cal.name}")
    if str(cal.get("VERSION")) != "2.0":
        problems.append(f"VERSION is {cal.get('VERSION')!r}")
    if not str(cal.get("PRODID", "")):
        problems.append("no PRODID")
    if str(cal.get("CALSCALE")) != "GREGORIAN":
        problems.append(f"CALSCALE is {cal.get('CALSCALE')!r}")
    for prop in ("X-WR-CALNAME", "NAME"):
        got = cal.get(prop)
        if got is None or str(got) != want["name"]:
            problems.append(f"{prop} is {got!r}, expected {want['name']!r}")
    tz = want["tz"]
    own_tz = check_timezone(cal, tz, problems)
    stamp = datetime.datetime.fromisoformat(want["stamp"].replace("Z", "+00:00"))
    events = cal.walk("VEVENT")
    expected = {e["uid"]: e for e in want["events"]}
    if len(expected) != len(want["events"]):
        problems.append("the expected events repeat a UID")
    uids = [str(ev.get("UID")) for ev in events]
    if len(set(uids)) != len(uids):
        problems.append("two VEVENTs share a UID")
    if sorted(uids) != sorted(expected):
        problems.append(f"UIDs {sorted(uids)} differ from the expected {sorted(expected)}")
    for ev in events:
        want_ev = expected.get(str(ev.get("UID")))
        if want_ev is not None:
            check_event(ev, want_ev, tz, own_tz, stamp, problems)
    return problems, len(events)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    files = sorted(folder.glob("*.ics"))
    if not files:
        sys.exit(f"no .ics files in {folder}")
    failed = False
    for ics in files:
        want = json.loads(ics.with_suffix(".json").read_text(encoding="utf-8"))
        problems, count = check(ics, want)
        if problems:
            failed = True
            print(f"FAIL {ics.name}:")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok {ics.name}: {count} events")
    print(f"icalendar {icalendar.__version__}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

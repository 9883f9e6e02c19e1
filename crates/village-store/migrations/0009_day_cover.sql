-- Cover for one date: a staff member away on a date (ill, on a course, visiting another
-- school), and who teaches each of their lessons of the published timetable that date.
-- The timetable itself does not change; pupils' and staff's pages show the cover on that
-- date only.

CREATE TABLE timetable_absences (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    on_date TEXT NOT NULL,
    -- The staff member's name in the timetable model (a person id in the demo).
    staff_label TEXT NOT NULL,
    -- The published run the cover was arranged on.
    run_id BIGINT NOT NULL REFERENCES timetable_runs(id),
    noted_at BIGINT NOT NULL,
    noted_by BIGINT REFERENCES people(id),
    PRIMARY KEY (org_id, on_date, staff_label)
);

-- One lesson of one date taught by a colleague instead of its own teacher, or by nobody
-- (`cover_label` NULL, with the reason).
CREATE TABLE timetable_day_cover (
    run_id BIGINT NOT NULL REFERENCES timetable_runs(id),
    on_date TEXT NOT NULL,
    class_no BIGINT NOT NULL,
    -- Whose absence this lesson's cover is for: the lesson's own teacher.
    absent_label TEXT NOT NULL,
    cover_id BIGINT REFERENCES people(id),
    cover_label TEXT,
    reason TEXT,
    PRIMARY KEY (run_id, on_date, class_no)
);
CREATE INDEX timetable_day_cover_person ON timetable_day_cover(cover_id, run_id);

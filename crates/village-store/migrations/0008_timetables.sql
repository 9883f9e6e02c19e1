-- Personal timetables: a school's timetable model, pupils' own choices, solver runs with
-- their results, the published timetable, and private calendar links.

-- The school's model (village_timetable::school::School as JSON): days, windows, blocks,
-- sites, rooms, staff, offers with their sets, option blocks, the entitlement, and each
-- pupil's fixed requests (their sets). Pupils' SECURE and window choices made in Village
-- are kept apart, in timetable_choices, and override what the model says at solve time.
CREATE TABLE timetable_setups (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    model TEXT NOT NULL,
    -- The Monday that starts week A, so dates can be turned into weeks of the cycle.
    week_a_monday TEXT NOT NULL,
    -- The last day pupils and parents may change choices; NULL = not open.
    choices_close_on TEXT,
    revision BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES people(id)
);

CREATE TABLE timetable_choices (
    learner_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    window_name TEXT,
    -- JSON array of SECURE offer ids, most wanted first.
    secure TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES people(id)
);
CREATE INDEX timetable_choices_org ON timetable_choices(org_id);

-- One solve. `model` is exactly what was solved (the setup with the choices merged in), so
-- the solution's indices can always be read against it.
CREATE TABLE timetable_runs (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'stopped')),
    started_at BIGINT NOT NULL,
    started_by BIGINT REFERENCES people(id),
    finished_at BIGINT,
    -- The published run it started from, when re-solving with minimal change.
    based_on BIGINT REFERENCES timetable_runs(id),
    setup_revision BIGINT NOT NULL,
    model TEXT NOT NULL,
    -- village_timetable::Solution as JSON.
    solution TEXT,
    -- Figures (placed, total, hard violations, requests met, changes) as JSON.
    summary TEXT,
    -- Unmet requests with reasons, and entitlement breaches, as JSON.
    report TEXT,
    message TEXT,
    published_at BIGINT,
    published_by BIGINT REFERENCES people(id)
);
CREATE INDEX timetable_runs_org ON timetable_runs(org_id, id);

-- The lessons of a finished run, one row per class of the solved model.
CREATE TABLE timetable_lessons (
    run_id BIGINT NOT NULL REFERENCES timetable_runs(id),
    class_no BIGINT NOT NULL,
    class_id TEXT NOT NULL,
    offer TEXT NOT NULL,
    subject TEXT NOT NULL,
    set_name TEXT NOT NULL,
    -- The staff member: a person when the model names one by id.
    staff_id BIGINT REFERENCES people(id),
    staff_label TEXT NOT NULL,
    room TEXT,
    -- Bit d = day d of the model's days; bit w = week w of the cycle.
    days BIGINT NOT NULL,
    weeks BIGINT NOT NULL,
    starts_minute BIGINT NOT NULL,
    ends_minute BIGINT NOT NULL,
    PRIMARY KEY (run_id, class_no)
);
CREATE INDEX timetable_lessons_staff ON timetable_lessons(staff_id, run_id);

-- Which pupil is in which lesson.
CREATE TABLE timetable_places (
    run_id BIGINT NOT NULL REFERENCES timetable_runs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    class_no BIGINT NOT NULL,
    PRIMARY KEY (run_id, learner_id, class_no)
);

-- Private calendar subscriptions. Only the token's hash is kept; the link is shown once.
-- A link is to a learner's timetable or to its owner's own teaching timetable.
CREATE TABLE calendar_links (
    id {{ID}},
    token_hash TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    owner_id BIGINT NOT NULL REFERENCES people(id),
    learner_id BIGINT REFERENCES people(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE UNIQUE INDEX calendar_links_token ON calendar_links(token_hash);
CREATE INDEX calendar_links_owner ON calendar_links(owner_id);

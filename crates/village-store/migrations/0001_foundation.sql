-- Village foundation schema. Written once for SQLite and PostgreSQL:
--   {{ID}} becomes the backend's auto-numbered primary key.
-- Every table carries org_id, the organisation that owns the row, so one PostgreSQL
-- database can hold many schools and could later be distributed by organisation.
-- Times are UTC seconds (BIGINT); calendar dates are ISO text 'YYYY-MM-DD'; flags are 0/1.

CREATE TABLE orgs (
    id {{ID}},
    org_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('collaborative', 'school', 'unit')),
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES orgs(id),
    phase TEXT,
    require_staff_mfa BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE people (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX people_org ON people(org_id);

CREATE TABLE accounts (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    disabled_at BIGINT,
    totp_secret TEXT,
    totp_enabled_at BIGINT,
    totp_last_step BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE learners (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    unit_id BIGINT REFERENCES orgs(id),
    date_of_birth TEXT NOT NULL,
    year_group BIGINT NOT NULL,
    sen_status TEXT NOT NULL DEFAULT 'none',
    shares_with_collaborative BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX learners_org_year ON learners(org_id, year_group);

CREATE TABLE consents (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    given_by BIGINT NOT NULL REFERENCES people(id),
    given_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX consents_learner ON consents(learner_id);

CREATE TABLE roles (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    created_by BIGINT
);
CREATE INDEX roles_person ON roles(person_id);
CREATE INDEX roles_org ON roles(org_id, role);

CREATE TABLE learning_groups (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    unit_id BIGINT REFERENCES orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT
);
CREATE INDEX learning_groups_org ON learning_groups(org_id);

CREATE TABLE group_members (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    group_id BIGINT NOT NULL REFERENCES learning_groups(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT
);
CREATE INDEX group_members_group ON group_members(group_id, learner_id);
CREATE INDEX group_members_learner ON group_members(learner_id);

CREATE TABLE group_teachers (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    group_id BIGINT NOT NULL REFERENCES learning_groups(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    created_by BIGINT
);
CREATE INDEX group_teachers_person ON group_teachers(person_id);
CREATE INDEX group_teachers_group ON group_teachers(group_id);

CREATE TABLE relationships (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    parental_responsibility BIGINT NOT NULL DEFAULT 0,
    title TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    ended_by BIGINT
);
CREATE INDEX relationships_person ON relationships(person_id);
CREATE INDEX relationships_learner ON relationships(learner_id);

CREATE TABLE academic_terms (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    start_year BIGINT NOT NULL,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL
);
CREATE INDEX academic_terms_org ON academic_terms(org_id, first_day);

CREATE TABLE inset_days (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    day TEXT NOT NULL
);
CREATE INDEX inset_days_org ON inset_days(org_id, day);

CREATE TABLE attendance_marks (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    day TEXT NOT NULL,
    part TEXT NOT NULL,
    mark TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX attendance_marks_one ON attendance_marks(learner_id, day, part);

CREATE TABLE behaviour_events (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recognition', 'concern')),
    note TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX behaviour_events_learner ON behaviour_events(learner_id, day);

CREATE TABLE assessments (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    subject TEXT NOT NULL,
    day TEXT NOT NULL,
    result TEXT NOT NULL,
    score BIGINT NOT NULL,
    recorded_by BIGINT
);
CREATE INDEX assessments_learner ON assessments(learner_id, day);

CREATE TABLE support_notes (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL CHECK (kind IN ('wellbeing', 'support', 'safeguarding')),
    body TEXT NOT NULL,
    written_by BIGINT NOT NULL REFERENCES people(id),
    written_at BIGINT NOT NULL
);
CREATE INDEX support_notes_learner ON support_notes(learner_id);

CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people(id),
    csrf_token TEXT NOT NULL,
    second_factor_done BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_person ON auth_sessions(person_id);

-- Append-only and hash-chained: each entry's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    org_id BIGINT,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    learner_id BIGINT,
    outcome TEXT NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_learner ON audit_log(learner_id, seq);
CREATE INDEX audit_log_org ON audit_log(org_id, seq);

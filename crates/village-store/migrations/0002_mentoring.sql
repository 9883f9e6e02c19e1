-- Relationships for learning, part one: mentors the learner helps choose, mentoring
-- sessions with a shared and a private part, and contact with home.

ALTER TABLE orgs ADD COLUMN mentor_sessions_per_half_term BIGINT NOT NULL DEFAULT 2;
ALTER TABLE orgs ADD COLUMN mentor_session_minutes BIGINT NOT NULL DEFAULT 15;

-- An adult cleared to mentor, as learners see them when choosing.
CREATE TABLE mentor_profiles (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    about TEXT NOT NULL,
    interests TEXT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity >= 0)
);
CREATE INDEX mentor_profiles_org ON mentor_profiles(org_id);

-- A learner's ranked choices (1 = first choice), made by the learner or a parent.
CREATE TABLE mentor_choices (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    mentor_id BIGINT NOT NULL REFERENCES people(id),
    choice_rank BIGINT NOT NULL CHECK (choice_rank BETWEEN 1 AND 3),
    chosen_by BIGINT NOT NULL REFERENCES people(id),
    chosen_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mentor_choices_rank ON mentor_choices(learner_id, choice_rank);
CREATE UNIQUE INDEX mentor_choices_mentor ON mentor_choices(learner_id, mentor_id);

-- The outcome of an assignment run for each learner, with the reason in plain words.
CREATE TABLE mentor_assignments (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    mentor_id BIGINT NOT NULL REFERENCES people(id),
    choice_rank BIGINT,
    explanation TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES people(id),
    decided_at BIGINT NOT NULL,
    override_reason TEXT
);
CREATE INDEX mentor_assignments_learner ON mentor_assignments(learner_id, decided_at);

CREATE TABLE mentor_sessions (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    mentor_id BIGINT NOT NULL REFERENCES people(id),
    held_on TEXT NOT NULL,
    minutes BIGINT NOT NULL CHECK (minutes > 0),
    shared_note TEXT NOT NULL,
    private_note TEXT NOT NULL,
    parent_present BIGINT NOT NULL DEFAULT 0,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX mentor_sessions_learner ON mentor_sessions(learner_id, held_on);

-- Contact between school and home (a call, a message, a meeting).
CREATE TABLE home_contacts (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    staff_id BIGINT NOT NULL REFERENCES people(id),
    contacted_on TEXT NOT NULL,
    channel TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX home_contacts_learner ON home_contacts(learner_id, contacted_on);

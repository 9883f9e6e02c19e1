-- Relationships for learning, part two: the Peer Learner Programme and the record of
-- achievement.

-- A programme pairs tutors in one year group with tutees in another, in one subject.
-- Rungs come from the latest assessment in the subject until ladders of progress exist.
CREATE TABLE peer_programmes (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    tutor_year BIGINT NOT NULL,
    tutee_year BIGINT NOT NULL,
    sessions_to_complete BIGINT NOT NULL DEFAULT 6,
    created_by BIGINT NOT NULL REFERENCES people(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX peer_programmes_org ON peer_programmes(org_id);

-- Weekly times a pupil is free for peer sessions: bit i is slot i (Monday tutor time = 0).
CREATE TABLE peer_availability (
    learner_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    slots BIGINT NOT NULL
);

CREATE TABLE peer_training (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    programme_id BIGINT NOT NULL REFERENCES peer_programmes(id),
    tutor_id BIGINT NOT NULL REFERENCES people(id),
    completed_on TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES people(id)
);
CREATE UNIQUE INDEX peer_training_one ON peer_training(programme_id, tutor_id);

CREATE TABLE peer_pairs (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    programme_id BIGINT NOT NULL REFERENCES peer_programmes(id),
    tutor_id BIGINT NOT NULL REFERENCES people(id),
    tutee_id BIGINT NOT NULL REFERENCES people(id),
    explanation TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT
);
CREATE INDEX peer_pairs_programme ON peer_pairs(programme_id);
CREATE INDEX peer_pairs_tutor ON peer_pairs(tutor_id);
CREATE INDEX peer_pairs_tutee ON peer_pairs(tutee_id);

-- Both sides log each session with a short feedback.
CREATE TABLE peer_sessions (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    pair_id BIGINT NOT NULL REFERENCES peer_pairs(id),
    held_on TEXT NOT NULL,
    logged_by BIGINT NOT NULL REFERENCES people(id),
    side TEXT NOT NULL CHECK (side IN ('tutor', 'tutee')),
    feedback TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX peer_sessions_pair ON peer_sessions(pair_id);

-- The record of achievement: things a learner achieved, in or out of school.
CREATE TABLE achievements (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    awarded_on TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX achievements_learner ON achievements(learner_id);
CREATE UNIQUE INDEX achievements_source ON achievements(learner_id, source);

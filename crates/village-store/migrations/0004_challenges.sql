-- Relationships for learning, part three: personal challenges. A year group chooses from
-- a menu; the school forms teams, each with a teacher as coach, that stretch each learner.

CREATE TABLE challenges (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    year_group BIGINT NOT NULL,
    title TEXT NOT NULL,
    domain TEXT NOT NULL,
    description TEXT NOT NULL,
    coach_id BIGINT NOT NULL REFERENCES people(id),
    min_team BIGINT NOT NULL,
    max_team BIGINT NOT NULL,
    completed_on TEXT
);
CREATE INDEX challenges_org ON challenges(org_id, year_group);

CREATE TABLE challenge_choices (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    choice_rank BIGINT NOT NULL
);
CREATE UNIQUE INDEX challenge_choices_rank ON challenge_choices(learner_id, choice_rank);
CREATE UNIQUE INDEX challenge_choices_one ON challenge_choices(learner_id, challenge_id);

-- What a learner is already good at (0 to 3 per domain): teams favour a stretch.
CREATE TABLE learner_strengths (
    learner_id BIGINT NOT NULL REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    domain TEXT NOT NULL,
    level BIGINT NOT NULL,
    PRIMARY KEY (learner_id, domain)
);

CREATE TABLE challenge_members (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    explanation TEXT NOT NULL,
    joined_at BIGINT NOT NULL
);
CREATE INDEX challenge_members_challenge ON challenge_members(challenge_id);
CREATE UNIQUE INDEX challenge_members_learner ON challenge_members(learner_id, challenge_id);

-- The coach's notes and milestones on a team's page.
CREATE TABLE challenge_notes (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    author_id BIGINT NOT NULL REFERENCES people(id),
    body TEXT NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE INDEX challenge_notes_challenge ON challenge_notes(challenge_id);

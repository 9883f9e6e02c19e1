-- Scheduled mentor meetings: what reminders on pupils' and mentors' home pages show.
CREATE TABLE mentor_meetings (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    mentor_id BIGINT NOT NULL REFERENCES people(id),
    meets_on TEXT NOT NULL,
    place TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mentor_meetings_learner ON mentor_meetings(learner_id, meets_on);
CREATE INDEX mentor_meetings_mentor ON mentor_meetings(mentor_id, meets_on);

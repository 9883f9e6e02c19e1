-- The personal learning plan and portfolio: plans with versions and agreements, targets,
-- comments, ladders of progress with judgements, evidence with reflections, showcases,
-- review days, the school's credential key, and imported learning passports.

-- One living plan per learner. `revision` moves on at every edit: it is the token for
-- optimistic concurrency and what an agreement is to. `version` is the open version's
-- number; `agreed` says it has been agreed (frozen) and the next edit opens a new one.
CREATE TABLE plans (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    who_i_want_to_be TEXT NOT NULL,
    what_i_enjoy TEXT NOT NULL,
    what_i_find_hard TEXT NOT NULL,
    version BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    agreed BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES people(id)
);
CREATE UNIQUE INDEX plans_learner ON plans(learner_id);

-- The live targets. Ids are stable across versions so versions line up target by target.
CREATE TABLE plan_targets (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    domain TEXT NOT NULL,
    title TEXT NOT NULL,
    subject TEXT,
    baseline TEXT NOT NULL,
    goal TEXT NOT NULL,
    due_on TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('judged', 'attendance', 'ladder')),
    ladder_id BIGINT,
    goal_rung TEXT,
    goal_percent BIGINT,
    status TEXT NOT NULL CHECK (status IN ('active', 'achieved', 'stopped')),
    removed BIGINT NOT NULL,
    origin TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX plan_targets_learner ON plan_targets(learner_id);

-- Every version's words as a JSON snapshot (village_domain::plan::PlanContent), written
-- when the version is agreed and kept for ever; the open version is read from the live rows.
CREATE TABLE plan_versions (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    version BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    content TEXT NOT NULL,
    agreed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX plan_versions_number ON plan_versions(learner_id, version);

CREATE TABLE plan_agreements (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    version BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    agreement_role TEXT NOT NULL CHECK (agreement_role IN ('learner', 'tutor', 'parent')),
    person_id BIGINT NOT NULL REFERENCES people(id),
    agreed_at BIGINT NOT NULL
);
CREATE INDEX plan_agreements_learner ON plan_agreements(learner_id, revision);

CREATE TABLE plan_comments (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    version BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES people(id),
    author_role TEXT NOT NULL,
    body TEXT NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE INDEX plan_comments_learner ON plan_comments(learner_id);

-- People's notes on how a judged target is going.
CREATE TABLE target_updates (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    target_id BIGINT NOT NULL REFERENCES plan_targets(id),
    author_id BIGINT NOT NULL REFERENCES people(id),
    note TEXT NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE INDEX target_updates_target ON target_updates(target_id);

-- Ladders of progress belong to a school.
CREATE TABLE ladders (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    subject TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('subject', 'capability')),
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ladders_org ON ladders(org_id);

CREATE TABLE ladder_rungs (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    ladder_id BIGINT NOT NULL REFERENCES ladders(id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    descriptor TEXT NOT NULL,
    next_step TEXT NOT NULL
);
CREATE UNIQUE INDEX ladder_rungs_position ON ladder_rungs(ladder_id, position);
CREATE UNIQUE INDEX ladder_rungs_code ON ladder_rungs(ladder_id, code);

CREATE TABLE rung_judgements (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    ladder_id BIGINT NOT NULL REFERENCES ladders(id),
    rung_id BIGINT NOT NULL REFERENCES ladder_rungs(id),
    source TEXT NOT NULL CHECK (source IN ('teacher', 'peer', 'self')),
    judged_by BIGINT NOT NULL REFERENCES people(id),
    judged_on TEXT NOT NULL,
    evidence_note TEXT NOT NULL,
    evidence_id BIGINT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX rung_judgements_learner ON rung_judgements(learner_id, ladder_id);

-- Portfolio evidence. Files live in the file store under `file_key`; photos also have a
-- downscaled `preview_key`, the only form shown inline. `kept` is 0 while an item someone
-- else added waits for the learner's agreement. The share_* flags are the learner's choice
-- of who, beyond the people who must see it, may see the item.
CREATE TABLE evidence (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    added_by BIGINT NOT NULL REFERENCES people(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'audio', 'video', 'document', 'link', 'text')),
    body TEXT NOT NULL,
    url TEXT,
    file_key TEXT,
    preview_key TEXT,
    mime TEXT,
    size_bytes BIGINT,
    sha256 TEXT,
    file_name TEXT,
    subject TEXT,
    ladder_id BIGINT,
    reflection TEXT NOT NULL,
    learned_how TEXT NOT NULL,
    made_where TEXT NOT NULL CHECK (made_where IN ('school', 'outside')),
    occurred_on TEXT NOT NULL,
    kept BIGINT NOT NULL,
    share_teachers BIGINT NOT NULL,
    share_mentor BIGINT NOT NULL,
    share_community BIGINT NOT NULL,
    origin TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX evidence_learner ON evidence(learner_id, occurred_on);

CREATE TABLE evidence_targets (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    evidence_id BIGINT NOT NULL REFERENCES evidence(id),
    target_id BIGINT NOT NULL REFERENCES plan_targets(id)
);
CREATE UNIQUE INDEX evidence_targets_pair ON evidence_targets(evidence_id, target_id);
CREATE INDEX evidence_targets_target ON evidence_targets(target_id);

CREATE TABLE showcases (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    title TEXT NOT NULL,
    introduction TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX showcases_learner ON showcases(learner_id);

CREATE TABLE showcase_items (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    showcase_id BIGINT NOT NULL REFERENCES showcases(id),
    evidence_id BIGINT NOT NULL REFERENCES evidence(id),
    position BIGINT NOT NULL,
    caption TEXT NOT NULL
);
CREATE UNIQUE INDEX showcase_items_evidence ON showcase_items(showcase_id, evidence_id);

-- Achievements outside school are added by the learner; any achievement can carry evidence.
ALTER TABLE achievements ADD COLUMN evidence_id BIGINT;
ALTER TABLE achievements ADD COLUMN origin TEXT;

-- Review days: a round on one date; each tutor offers slots of 30 minutes (15 with the
-- learner, then 15 with parents). A slot is taken by setting learner_id where it is NULL,
-- so two parents racing for one slot cannot both win.
CREATE TABLE review_rounds (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    booking_closes_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES people(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX review_rounds_org ON review_rounds(org_id, held_on);

CREATE TABLE review_slots (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    tutor_id BIGINT NOT NULL REFERENCES people(id),
    -- Minutes after midnight, school time, on the round's date.
    starts_minute BIGINT NOT NULL,
    learner_id BIGINT REFERENCES people(id),
    booked_by BIGINT REFERENCES people(id),
    booked_at BIGINT
);
CREATE INDEX review_slots_round ON review_slots(round_id, tutor_id);
CREATE UNIQUE INDEX review_slots_once ON review_slots(round_id, learner_id);

CREATE TABLE review_records (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    round_id BIGINT REFERENCES review_rounds(id),
    held_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    plan_version BIGINT NOT NULL,
    next_review_on TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES people(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX review_records_learner ON review_records(learner_id);

-- The school's key for signing achievement credentials (Ed25519, as a did:key).
CREATE TABLE credential_keys (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    did TEXT NOT NULL,
    secret_hex TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX credential_keys_org ON credential_keys(org_id);

CREATE TABLE passport_imports (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    learner_id BIGINT NOT NULL REFERENCES people(id),
    package_id TEXT NOT NULL,
    package_sha256 TEXT NOT NULL,
    from_school TEXT NOT NULL,
    summary TEXT NOT NULL,
    imported_by BIGINT NOT NULL REFERENCES people(id),
    imported_at BIGINT NOT NULL
);
CREATE INDEX passport_imports_learner ON passport_imports(learner_id);

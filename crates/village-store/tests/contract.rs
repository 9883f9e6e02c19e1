//! Repository contract tests: the same story on SQLite and, when `VILLAGE_TEST_PG_URL` is
//! set, on PostgreSQL. Each test gets its own copy of a demo database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::Timestamp;
use std::collections::BTreeSet;
use village_access::{act, Action, LearnerFacts, Policy};
use village_domain::PersonId;
use village_store::testing::{backends, scratch_url};
use village_store::{AuditEvent, Backend, LearnerFilter, Store};

fn now() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

/// A fresh store holding the demo collaborative (no history, to keep tests quick).
async fn demo_store(backend: Backend) -> Store {
    let fixture = village_demo::testing::Fixture {
        seed: 7,
        history: false,
        password_hash:
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$notarealhashnotarealhashnotarealhash00"
                .into(),
    };
    village_demo::testing::demo_store(backend, &fixture)
        .await
        .unwrap()
}

async fn person(store: &Store, username: &str) -> PersonId {
    let u = village_domain::person::Username::parse(username).unwrap();
    store.account_by_username(&u).await.unwrap().unwrap().person
}

/// Every learner in a scope, page by page.
async fn list_all<A: village_access::act::Act>(
    store: &Store,
    scope: &village_access::Scope<A>,
) -> BTreeSet<PersonId> {
    let mut got = BTreeSet::new();
    let mut offset = 0;
    loop {
        let (page, total) = store
            .list_learners(
                scope,
                &LearnerFilter {
                    limit: 500,
                    offset,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        got.extend(page.iter().map(|l| l.id));
        offset += 500;
        if offset >= total {
            return got;
        }
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_schema_is_the_same_on_every_engine() {
    let mut schemas = Vec::new();
    for b in backends() {
        let url = scratch_url(b).await.unwrap();
        let store = Store::open(&url).await.unwrap();
        store.close().await;
        // Opening again applies nothing and accepts the recorded checksums.
        let store = Store::open(&url).await.unwrap();
        let cols = store.schema_columns().await.unwrap();
        insta::assert_yaml_snapshot!("schema_columns", cols);
        schemas.push(cols);
    }
    for pair in schemas.windows(2) {
        assert_eq!(pair[0], pair[1], "SQLite and PostgreSQL schemas drifted");
    }
}

#[tokio::test]
async fn audit_chain_verifies_and_detects_tampering() {
    for b in backends() {
        let store = Store::open(&scratch_url(b).await.unwrap()).await.unwrap();
        for i in 0..25 {
            store
                .audit(AuditEvent {
                    org: None,
                    at: now(),
                    actor: Some(PersonId(i)),
                    action: "view_profile".into(),
                    learner: Some(PersonId(1000 + i)),
                    allowed: i % 5 != 0,
                    rule: "tutor_of".into(),
                    detail: String::new(),
                })
                .await
                .unwrap();
        }
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!((report.entries, report.broken_at), (25, None), "{b:?}");

        // The log refuses changes outright.
        assert!(
            store
                .raw_execute("UPDATE audit_log SET actor_id = 99 WHERE seq = 7")
                .await
                .is_err(),
            "{b:?}"
        );
        assert!(
            store
                .raw_execute("DELETE FROM audit_log WHERE seq = 7")
                .await
                .is_err(),
            "{b:?}"
        );

        // Someone with full database access removes the guard and edits one entry: the chain
        // shows exactly where.
        match b {
            Backend::Sqlite => store
                .raw_execute("DROP TRIGGER audit_log_no_update")
                .await
                .unwrap(),
            Backend::Postgres => store
                .raw_execute("DROP TRIGGER audit_log_no_change ON audit_log")
                .await
                .unwrap(),
        };
        store
            .raw_execute("UPDATE audit_log SET actor_id = 99 WHERE seq = 7")
            .await
            .unwrap();
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.broken_at, Some(7), "{b:?}");
    }
}

/// The SQL twin of the policy's scope returns exactly the learners the policy allows one by
/// one, for people in every kind of relationship.
#[tokio::test]
async fn list_scope_matches_per_learner_decisions() {
    for b in backends() {
        let store = demo_store(b).await;
        let all: Vec<PersonId> = {
            let leader = person(&store, "leader").await;
            // Every learner of every school, via a temporary subject leading all schools.
            let mut s = store.load_subject(leader, now()).await.unwrap();
            for o in store
                .orgs_of_kind(village_domain::org::OrgKind::School)
                .await
                .unwrap()
            {
                s.roles.push(village_access::SubjectRole {
                    org: o.id,
                    role: village_domain::person::Role::Leader,
                    period: village_domain::Period::from(Timestamp::UNIX_EPOCH),
                });
            }
            let scope = Policy::scope::<act::ViewProfile>(&s, now()).unwrap();
            list_all(&store, &scope)
                .await
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert!(all.len() > 1500, "{}", all.len());
        let mut facts: Vec<LearnerFacts> = Vec::new();
        for id in &all {
            facts.push(store.learner_facts(*id, now()).await.unwrap().unwrap());
        }
        for username in [
            "pupil",
            "parent",
            "tutor",
            "mentor",
            "teacher",
            "assistant",
            "volunteer",
            "leader",
            "dsl",
            "keyworker",
            "trust",
            "parent2",
        ] {
            let subject = store
                .load_subject(person(&store, username).await, now())
                .await
                .unwrap();
            for action in [Action::ViewProfile, Action::ViewSupportNotes] {
                let expected: BTreeSet<PersonId> = facts
                    .iter()
                    .filter(|f| Policy::decide(&subject, action, f, now()).allowed)
                    .map(|f| f.learner)
                    .collect();
                let listed = match action {
                    Action::ViewProfile => {
                        list_all(
                            &store,
                            &Policy::scope::<act::ViewProfile>(&subject, now()).unwrap(),
                        )
                        .await
                    }
                    _ => {
                        list_all(
                            &store,
                            &Policy::scope::<act::ViewSupportNotes>(&subject, now()).unwrap(),
                        )
                        .await
                    }
                };
                assert_eq!(listed, expected, "{b:?} {username} {action:?}");
            }
        }
    }
}

#[tokio::test]
async fn ending_a_relationship_stops_access_at_once() {
    for b in backends() {
        let store = demo_store(b).await;
        let pupil = person(&store, "pupil").await;
        let tutor = person(&store, "tutor").await;
        let leader = person(&store, "leader").await;
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let tutor_subject = store.load_subject(tutor, now()).await.unwrap();
        assert!(Policy::authorize::<act::ViewProfile>(&tutor_subject, &facts, now()).is_ok());

        let leader_subject = store.load_subject(leader, now()).await.unwrap();
        let g =
            Policy::authorize::<act::ManageRelationships>(&leader_subject, &facts, now()).unwrap();
        let rels = store.relationships_of(&g).await.unwrap();
        let tutoring = rels
            .iter()
            .find(|r| r.person == tutor && r.kind == "tutor")
            .unwrap();
        store.end_relationship(&g, tutoring.id).await.unwrap();
        // Ending it twice is "not found", not a silent success.
        assert!(matches!(
            store.end_relationship(&g, tutoring.id).await,
            Err(village_store::StoreError::NotFound)
        ));

        let tutor_subject = store.load_subject(tutor, now()).await.unwrap();
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        // The tutor may still teach one of the pupil's groups; the tutor path itself is gone.
        let d = Policy::decide(&tutor_subject, Action::ViewSupportNotes, &facts, now());
        assert!(!d.allowed, "{b:?}: {d:?}");
    }
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_new_rows_get_fresh_ids() {
    for b in backends() {
        let store = demo_store(b).await;
        let teacher = person(&store, "teacher").await;
        let org = store.account(teacher).await.unwrap().unwrap().org;
        let later = now()
            .checked_add(jiff::SignedDuration::from_hours(1))
            .unwrap();
        for hash in ["hash-a", "hash-b"] {
            let new = village_store::NewSession {
                token_hash: hash,
                person: teacher,
                org,
                csrf: "csrf",
                second_factor_done: true,
                now: now(),
                expires: later,
            };
            store.create_session(&new).await.unwrap();
        }
        assert!(store.session("hash-a").await.unwrap().is_some());
        store
            .set_account_disabled(teacher, true, now())
            .await
            .unwrap();
        assert!(store.session("hash-a").await.unwrap().is_none());
        assert!(store.session("hash-b").await.unwrap().is_none());
        assert!(store.account(teacher).await.unwrap().unwrap().disabled);

        // After the bulk load with explicit ids, ordinary inserts still get new ids (this
        // fails on PostgreSQL if the identity sequences were not moved on).
        let leader = person(&store, "leader").await;
        let pupil = person(&store, "pupil").await;
        let subject = store.load_subject(leader, now()).await.unwrap();
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let g = Policy::authorize::<act::AddSupportNote>(&subject, &facts, now()).unwrap();
        store
            .add_support_note(&g, "support", "Agreed a quiet space at lunch.")
            .await
            .unwrap();
        store
            .add_support_note(&g, "wellbeing", "Settled well this week.")
            .await
            .unwrap();
        let gv = Policy::authorize::<act::ViewSupportNotes>(&subject, &facts, now()).unwrap();
        let notes = store.support_notes(&gv).await.unwrap();
        assert!(notes.iter().any(|n| n.body == "Settled well this week."));
        // Kinds other than well-being and support are refused by storage too.
        assert!(store
            .add_support_note(&g, "safeguarding", "x")
            .await
            .is_err());
    }
}

#[tokio::test]
async fn every_read_is_audited_before_it_returns() {
    for b in backends() {
        let store = demo_store(b).await;
        let pupil = person(&store, "pupil").await;
        let parent = person(&store, "parent").await;
        let subject = store.load_subject(parent, now()).await.unwrap();
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let before = store.verify_audit_chain().await.unwrap().entries;
        let g = Policy::authorize::<act::ViewProfile>(&subject, &facts, now()).unwrap();
        store.learner_profile(&g).await.unwrap();
        let ga = Policy::authorize::<act::ViewAttendance>(&subject, &facts, now()).unwrap();
        store
            .attendance(
                &ga,
                "2026-09-01".parse().unwrap(),
                "2026-11-23".parse().unwrap(),
            )
            .await
            .unwrap();
        let after = store.verify_audit_chain().await.unwrap();
        assert_eq!(after.entries, before + 2, "{b:?}");
        assert_eq!(after.broken_at, None);
        // The pupil's own log shows the parent.
        let me = store.load_subject(pupil, now()).await.unwrap();
        let gl = Policy::authorize::<act::ViewAccessLog>(&me, &facts, now()).unwrap();
        let log = store.access_log(&gl, 10).await.unwrap();
        assert!(log
            .iter()
            .any(|e| e.actor == Some(parent) && e.action == "view_profile"));
    }
}

/// Two families racing for one review slot: exactly one gets it, the other is told in
/// words, and the slot holds the winner.
#[tokio::test]
async fn two_bookings_for_one_review_slot_cannot_both_win() {
    for b in backends() {
        let store = demo_store(b).await;
        let pupil = person(&store, "pupil").await;
        let tutor = person(&store, "tutor").await;
        let leader = person(&store, "leader").await;
        let leader_subject = store.load_subject(leader, now()).await.unwrap();
        let tutor_subject = store.load_subject(tutor, now()).await.unwrap();
        let other = tutor_subject
            .ties
            .iter()
            .find(|t| {
                t.learner != pupil
                    && t.kind == village_domain::relationship::RelationshipKind::Tutor
            })
            .map(|t| t.learner)
            .unwrap();
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let org = Policy::authorize_org::<village_access::org_act::ManageReviews>(
            &leader_subject,
            facts.school,
            facts.collaborative,
            now(),
        )
        .unwrap();
        let day: jiff::civil::Date = "2026-12-10".parse().unwrap();
        let closes: jiff::civil::Date = "2026-12-05".parse().unwrap();
        let (round, slots) = store
            .create_review_round(&org, "Test round", day, closes, 16 * 60, 17 * 60)
            .await
            .unwrap();
        assert!(slots >= 2);
        let today: jiff::civil::Date = "2026-11-23".parse().unwrap();
        let g1 = Policy::authorize::<act::BookReview>(&leader_subject, &facts, now()).unwrap();
        let facts2 = store.learner_facts(other, now()).await.unwrap().unwrap();
        let g2 = Policy::authorize::<act::BookReview>(&leader_subject, &facts2, now()).unwrap();
        let options = store.booking_options(&g1, today).await.unwrap();
        let slot = options
            .rounds
            .iter()
            .find(|(r, _)| r.id == round)
            .unwrap()
            .1[0]
            .id;
        let (a, c) = tokio::join!(
            store.book_review_slot(&g1, slot, today),
            store.book_review_slot(&g2, slot, today)
        );
        let wins = [a.is_ok(), c.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(wins, 1, "{b:?}: {a:?} / {c:?}");
        let loser = if a.is_ok() { c } else { a };
        match loser {
            Err(village_store::StoreError::Conflict(m)) => {
                assert!(m.contains("someone has just booked"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let all = store.round_slots(&org, round).await.unwrap();
        assert_eq!(all.iter().filter(|s| s.learner.is_some()).count(), 1);
    }
}

/// Two people saving the same plan from the same revision: one is saved, the other is told
/// someone changed it, and the plan moved on by exactly one revision.
#[tokio::test]
async fn concurrent_plan_edits_never_silently_overwrite() {
    for b in backends() {
        let store = demo_store(b).await;
        let pupil = person(&store, "pupil").await;
        let tutor = person(&store, "tutor").await;
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let me = store.load_subject(pupil, now()).await.unwrap();
        let them = store.load_subject(tutor, now()).await.unwrap();
        let g1 = Policy::authorize::<act::EditPlan>(&me, &facts, now()).unwrap();
        let g2 = Policy::authorize::<act::EditPlan>(&them, &facts, now()).unwrap();
        let first = store
            .save_aspirations(&g1, 0, "A pilot", "", "")
            .await
            .unwrap();
        let (a, c) = tokio::join!(
            store.save_aspirations(&g1, first, "A pilot or an astronaut", "", ""),
            store.save_aspirations(&g2, first, "Written by the tutor", "", "")
        );
        assert_eq!(
            [a.is_ok(), c.is_ok()].iter().filter(|w| **w).count(),
            1,
            "{b:?}"
        );
        let view = Policy::authorize::<act::ViewPlan>(&me, &facts, now()).unwrap();
        let plan = store.plan(&view).await.unwrap();
        assert_eq!(plan.revision, first + 1);
        let winner = if a.is_ok() {
            "A pilot or an astronaut"
        } else {
            "Written by the tutor"
        };
        assert_eq!(plan.content.who_i_want_to_be, winner);
    }
}

/// Saving a plan while other people read pages (each read writes an audit entry) waits
/// its turn for the database instead of failing: only "someone changed it" may come back.
#[tokio::test]
async fn plan_saves_wait_for_busy_writers_instead_of_failing() {
    for b in backends() {
        let store = demo_store(b).await;
        let pupil = person(&store, "pupil").await;
        let facts = store.learner_facts(pupil, now()).await.unwrap().unwrap();
        let me = store.load_subject(pupil, now()).await.unwrap();
        let edit = Policy::authorize::<act::EditPlan>(&me, &facts, now()).unwrap();
        let view = Policy::authorize::<act::ViewPlan>(&me, &facts, now()).unwrap();
        let mut tasks = Vec::new();
        for i in 0..30 {
            let (writer, edit) = (store.clone(), edit.clone());
            tasks.push(tokio::spawn(async move {
                let rev = writer.plan_revision_for_tests(edit.learner()).await;
                writer
                    .save_aspirations(&edit, rev, &format!("Try {i}"), "", "")
                    .await
                    .map(|_| ())
            }));
            let (reader, view) = (store.clone(), view.clone());
            tasks.push(tokio::spawn(
                async move { reader.plan(&view).await.map(|_| ()) },
            ));
        }
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) | Err(village_store::StoreError::Conflict(_)) => {}
                Err(e) => panic!("{b:?}: {e}"),
            }
        }
    }
}

/// Cover for a date is planned from what the date already holds; a plan whose date has
/// changed before it is written (another absence noted at the same moment) is not kept,
/// since it could give one colleague two lessons at once. Of two plans made from the same
/// state and written together, exactly one is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cover_planned_from_a_date_that_has_since_changed_is_not_kept() {
    use village_access::org_act::ManageTimetable;
    use village_store::{CoverWrite, NewDayCover};
    for b in backends() {
        let store = demo_store(b).await;
        let leader = store
            .load_subject(person(&store, "leader").await, now())
            .await
            .unwrap();
        let mut published = None;
        for org in store
            .orgs_of_kind(village_domain::org::OrgKind::School)
            .await
            .unwrap()
        {
            if let Some((run, _)) = store.published_run(org.id).await.unwrap() {
                published = Some((org, run));
            }
        }
        let (org, run) = published.expect("the demo publishes a timetable");
        let g =
            Policy::authorize_org::<ManageTimetable>(&leader, org.id, org.parent, now()).unwrap();
        let on: jiff::civil::Date = "2026-12-08".parse().unwrap();
        let line = |class_no, absent: &str| NewDayCover {
            class_no,
            absent_label: absent.into(),
            by_label: Some("Colleague".into()),
            reason: None,
        };
        let empty = store.day_state(&g, run, on).await.unwrap();
        assert_eq!(empty, Default::default());
        let first = [line(0, "Ada")];
        let kept = store
            .record_day_absence(&g, run, on, "Ada", (&first, &empty))
            .await
            .unwrap();
        assert_eq!(kept, CoverWrite::Kept, "{b:?}");
        // Planned before Ada's absence was kept: refused, and nothing of it written.
        let stale = [line(1, "Bo")];
        let write = (&stale[..], &empty);
        assert_eq!(
            store
                .record_day_absence(&g, run, on, "Bo", write)
                .await
                .unwrap(),
            CoverWrite::Changed
        );
        assert_eq!(
            store.fill_day_cover(&g, run, on, write).await.unwrap(),
            CoverWrite::Changed
        );
        let now_state = store.day_state(&g, run, on).await.unwrap();
        assert_eq!(now_state.away, vec!["Ada".to_string()]);
        assert_eq!(now_state.arranged, vec![(0, Some("Colleague".to_string()))]);
        // Two plans from the same state, written at once: one is kept. Several dates,
        // so that the two writes really overlap on a two-thread runtime.
        for day in 9..17 {
            let on = jiff::civil::date(2026, 12, day);
            let seen = store.day_state(&g, run, on).await.unwrap();
            let (bo, cy) = ([line(1, "Bo")], [line(2, "Cy")]);
            let (x, y) = tokio::join!(
                store.record_day_absence(&g, run, on, "Bo", (&bo, &seen)),
                store.record_day_absence(&g, run, on, "Cy", (&cy, &seen))
            );
            let outcomes = [x.unwrap(), y.unwrap()];
            assert_eq!(
                outcomes.iter().filter(|w| **w == CoverWrite::Kept).count(),
                1,
                "{b:?} {on}: {outcomes:?}"
            );
            let after = store.day_state(&g, run, on).await.unwrap();
            assert_eq!(after.away.len(), 1, "{b:?}: {after:?}");
            assert_eq!(after.arranged.len(), 1, "{b:?}: {after:?}");
        }
    }
}

//! What the test binaries share: a copy of the demo database per test, and ways to
//! name its people and get their grants.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;

use bytes::Bytes;
use jiff::civil::Date;
use jiff::Timestamp;
use village_access::act::Act;
use village_access::{Grant, Policy, Subject};
use village_domain::{OrgId, PersonId};
use village_store::{Backend, Store};

pub fn now() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

pub fn day(s: &str) -> Date {
    s.parse().unwrap()
}

/// A fresh store holding the demo collaborative (no history: the tests write the records
/// they check).
pub async fn demo_store(backend: Backend) -> Store {
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

pub async fn person(store: &Store, username: &str) -> PersonId {
    let u = village_domain::person::Username::parse(username).unwrap();
    store.account_by_username(&u).await.unwrap().unwrap().person
}

pub async fn subject(store: &Store, who: PersonId) -> Subject {
    store.load_subject(who, now()).await.unwrap()
}

pub async fn grant<A: Act>(store: &Store, who: PersonId, learner: PersonId) -> Grant<A> {
    let facts = store.learner_facts(learner, now()).await.unwrap().unwrap();
    Policy::authorize::<A>(&subject(store, who).await, &facts, now())
        .unwrap_or_else(|_| panic!("{who:?} may not {:?} for {learner:?}", A::ACTION))
}

pub async fn school_of(store: &Store, learner: PersonId) -> OrgId {
    store
        .learner_facts(learner, now())
        .await
        .unwrap()
        .unwrap()
        .school
}

/// The leader of a school, given a username so the tests can find them.
pub async fn leader_of(store: &Store, school: OrgId, username: &str) -> PersonId {
    store
        .raw_execute(&format!(
            "UPDATE accounts SET username = '{username}' WHERE person_id = \
             (SELECT MIN(person_id) FROM roles WHERE role = 'leader' AND org_id = {})",
            school.0
        ))
        .await
        .unwrap();
    person(store, username).await
}

/// A small PNG photo, made here so the repository holds no binary fixtures.
pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

pub fn body(
    data: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let chunks: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(1000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(chunks)
}

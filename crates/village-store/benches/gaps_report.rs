//! The relationship-gaps report for the demo's 1,200-pupil secondary on SQLite, as its
//! leader sees it. `cargo bench -p village-store --bench gaps_report` prints one JSON line.

use std::time::Instant;
use village_access::{act, Policy};
use village_store::testing::scratch_url;
use village_store::{Backend, GapFilter, GapRules, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now: jiff::Timestamp = "2026-11-23T10:00:00Z".parse()?;
    let today: jiff::civil::Date = "2026-11-23".parse()?;
    let backend = if std::env::var("VILLAGE_TEST_PG_URL").is_ok() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let store = Store::open(&scratch_url(backend).await?).await?;
    village_demo::generate(
        &store,
        village_demo::DemoOptions {
            seed: 2026,
            schools: None,
            history: true,
            today,
            now,
            password_hash: "x".into(),
        },
    )
    .await?;
    let leader = store
        .account_by_username(&village_domain::person::Username::parse("leader")?)
        .await?
        .ok_or("no leader")?
        .person;
    let subject = store.load_subject(leader, now).await?;
    let school = subject.roles.first().ok_or("no role")?.org;
    let scope = Policy::scope::<act::ViewMentoring>(&subject, now).ok_or("no scope")?;
    let rules = GapRules {
        today,
        mentor_since: "2026-10-12".parse()?,
        home_since: "2026-11-02".parse()?,
        year_start: "2026-09-01".parse()?,
    };
    let filter = GapFilter {
        school: Some(school),
        gaps_only: true,
        ..GapFilter::default()
    };
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..50 {
        let start = Instant::now();
        rows = store.relationship_gaps(&scope, rules, &filter).await?.len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{{\"case\":\"relationship_gaps\",\"backend\":\"{backend:?}\",\"pupils_in_school\":1200,\"rows\":{rows},\"median_ms\":{:.1},\"p99_ms\":{:.1}}}",
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}

//! Three years of plan history for one learner, written through the store's own functions
//! (with the policy's grants, as the people involved would), for the plan page benchmark:
//! 60 targets, 20 agreed versions, 200 portfolio items, comments, notes and judgements.

use crate::DemoError;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use village_access::{act, Policy};
use village_domain::person::Username;
use village_domain::plan::{Measure, Target, TargetDomain, TargetStatus};
use village_store::{NewEvidence, Store, StoreError};

/// What was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct LongPlan {
    pub targets: usize,
    pub versions: usize,
    pub evidence: usize,
}

async fn person(store: &Store, username: &str) -> Result<village_domain::PersonId, DemoError> {
    let u = Username::parse(username).map_err(|e| DemoError::Calendar(e.message))?;
    store
        .account_by_username(&u)
        .await?
        .map(|a| a.person)
        .ok_or(DemoError::Store(StoreError::NotFound))
}

fn refused() -> DemoError {
    DemoError::Store(StoreError::Conflict(
        "the demo people lack the relationships this history needs".into(),
    ))
}

/// Writes the history for `learner` (a username), with `tutor` and `parent` agreeing each
/// version. Run on a freshly generated demo.
pub async fn write_long_plan(
    store: &Store,
    learner: &str,
    tutor: &str,
    parent: &str,
    now: Timestamp,
) -> Result<LongPlan, DemoError> {
    let (pupil, tutor, parent) = (
        person(store, learner).await?,
        person(store, tutor).await?,
        person(store, parent).await?,
    );
    let facts = store
        .learner_facts(pupil, now)
        .await?
        .ok_or(DemoError::Store(StoreError::NotFound))?;
    let me = store.load_subject(pupil, now).await?;
    let them = store.load_subject(tutor, now).await?;
    let mum = store.load_subject(parent, now).await?;
    let edit = Policy::authorize::<act::EditPlan>(&me, &facts, now).map_err(|_| refused())?;
    let view = Policy::authorize::<act::ViewPlan>(&me, &facts, now).map_err(|_| refused())?;
    let add = Policy::authorize::<act::AddEvidence>(&me, &facts, now).map_err(|_| refused())?;
    let note =
        Policy::authorize::<act::CommentOnPlan>(&them, &facts, now).map_err(|_| refused())?;
    let agreements = [
        Policy::authorize::<act::AgreePlan>(&me, &facts, now).map_err(|_| refused())?,
        Policy::authorize::<act::AgreePlan>(&them, &facts, now).map_err(|_| refused())?,
        Policy::authorize::<act::AgreePlan>(&mum, &facts, now).map_err(|_| refused())?,
    ];
    let mut out = LongPlan::default();
    let mut revision = store.plan(&view).await?.revision;
    let start: Date = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(3.years())
        .map_err(|e| DemoError::Calendar(e.to_string()))?;
    let domains = TargetDomain::ALL;
    let mut target_ids = Vec::new();
    // Twenty versions over three years, three targets added to each.
    for version in 0..20 {
        revision = store
            .save_aspirations(
                &edit,
                revision,
                &format!("Version {version}: a scientist who helps people"),
                "Experiments, football and drawing",
                "Long essays and mornings",
            )
            .await?;
        for k in 0..3 {
            let n = version * 3 + k;
            let due = start
                .checked_add((n as i64 * 18).days())
                .map_err(|e| DemoError::Calendar(e.to_string()))?;
            let t = Target {
                id: 0,
                domain: domains
                    .get(n % domains.len())
                    .copied()
                    .unwrap_or(TargetDomain::Homework),
                title: format!("Target {n}: keep going with step {k}"),
                subject: Some("Science".into()),
                baseline: "Where I started this term".into(),
                goal: "A clear step forward by the due date".into(),
                due_on: due,
                measure: if n % 4 == 0 {
                    Measure::Attendance
                } else {
                    Measure::Judged
                },
                ladder_id: None,
                goal_rung: None,
                goal_percent: (n % 4 == 0).then_some(95),
                status: if version < 18 {
                    TargetStatus::Achieved
                } else {
                    TargetStatus::Active
                },
            };
            let (r, id) = store.save_target(&edit, revision, &t).await?;
            revision = r;
            target_ids.push(id);
            out.targets += 1;
            store
                .add_target_note(&note, id, "Good progress this half term.")
                .await?;
        }
        for g in &agreements {
            store.agree_plan(g, revision).await?;
        }
        out.versions += 1;
    }
    for i in 0..200usize {
        let item = NewEvidence {
            title: format!("Piece of work {i}"),
            kind: if i % 3 == 0 {
                "link".into()
            } else {
                "text".into()
            },
            body: "What I made and how it went, in my own words.".into(),
            url: (i % 3 == 0).then(|| format!("https://example.org/work/{i}")),
            reflection: "I learned to check my work before handing it in.".into(),
            learned_how: "practice".into(),
            made_where: if i % 5 == 0 {
                "outside".into()
            } else {
                "school".into()
            },
            occurred_on: start.checked_add((i as i64 * 5).days()).ok(),
            targets: target_ids
                .get(i % target_ids.len().max(1))
                .copied()
                .into_iter()
                .collect(),
            ..Default::default()
        };
        store.add_evidence(&add, &item).await?;
        out.evidence += 1;
    }
    Ok(out)
}

//! The demo secondary's published timetable: its model is built from the generated
//! pupils, staff and groups (`timetable::secondary_model`), saved, solved and published
//! by the school's leader through the same store calls and checks as the web pages.

use crate::timetable::{self, GroupFact, PupilFact, SchoolFacts};
use crate::{DemoError, DemoOptions};
use jiff::civil::Date;
use jiff::ToSpan;
use village_access::{org_act, Policy};
use village_domain::{OrgId, PersonId};
use village_store::Store;
use village_timetable::published::solve_school;
use village_timetable::SolveOptions;

/// What the timetable of a generated secondary school is built from.
#[derive(Debug, Clone)]
pub struct DemoTimetable {
    pub school: i64,
    pub collaborative: i64,
    pub leader: i64,
    pub partner_school: String,
    pub first_day: Option<Date>,
    pub pupils: Vec<PupilFact>,
    pub teachers: Vec<i64>,
    pub assistants: Vec<i64>,
    pub community_teachers: Vec<i64>,
    pub groups: Vec<GroupFact>,
    pub seed: u64,
}

/// The demo's solve stops once the timetable is complete and has not improved by a
/// thousandth for this long, or at the time limit. A complete one takes about a second
/// on one idle core; the limit leaves room for a busy machine (tests build the demo while
/// other tests run), since an incomplete timetable is not published.
const STALL: std::time::Duration = std::time::Duration::from_secs(1);
const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

fn monday_of(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(back.days()).unwrap_or(d)
}

pub async fn publish_demo_timetable(
    store: &Store,
    todo: &DemoTimetable,
    opts: &DemoOptions,
) -> Result<(), DemoError> {
    let name = store
        .org(OrgId(todo.school))
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let facts = SchoolFacts {
        name: &name,
        pupils: &todo.pupils,
        teachers: &todo.teachers,
        assistants: &todo.assistants,
        community_teachers: &todo.community_teachers,
        groups: &todo.groups,
        partner_school: &todo.partner_school,
        seed: todo.seed,
    };
    let school = timetable::secondary_model(&facts);
    let model = serde_json::to_string(&school).map_err(|e| DemoError::Timetable(e.to_string()))?;
    let subject = store.load_subject(PersonId(todo.leader), opts.now).await?;
    let grant = Policy::authorize_org::<org_act::ManageTimetable>(
        &subject,
        OrgId(todo.school),
        Some(OrgId(todo.collaborative)),
        opts.now,
    )
    .map_err(|_| DemoError::Timetable("the school's leader may not manage its timetable".into()))?;
    let week_a = monday_of(todo.first_day.unwrap_or(opts.today));
    let choices_close = opts.today.checked_add(14.days()).ok();
    let revision = store
        .save_timetable_setup(&grant, &model, week_a, choices_close, None, "demo model")
        .await?;
    let run = store
        .start_timetable_run(&grant, &model, revision, None)
        .await?;
    let options = SolveOptions {
        seed: todo.seed,
        threads: 1,
        time_limit: LIMIT,
        stall_limit: Some(STALL),
        ..SolveOptions::default()
    };
    let solved = solve_school(&school, None, &options, None)
        .map_err(|e| DemoError::Timetable(e.to_string()))?;
    let solution =
        serde_json::to_string(&solved.solution).map_err(|e| DemoError::Timetable(e.to_string()))?;
    store
        .finish_timetable_run(
            OrgId(todo.school),
            run,
            &solution,
            &solved.figures,
            &solved.report,
            &solved.lessons,
            &solved.places,
            opts.now,
        )
        .await?;
    if solved.figures.complete() {
        store.publish_timetable_run(&grant, run).await?;
    } else {
        tracing::warn!(
            placed = solved.figures.placed,
            total = solved.figures.total,
            "the demo timetable is not complete, so it is left unpublished"
        );
    }
    Ok(())
}

//! `village-load`: an open-loop, constant-rate HTTP/1.1 load generator for a Village server
//! on this machine.
//!
//! Mix mode signs in sample personas (from `village generate --personas`), then schedules
//! requests at fixed intervals whatever the server does. Each request's latency is measured
//! from the moment it was *due*, not the moment a connection was free to send it, so a slow
//! server shows up as queueing delay instead of silently lowering the offered rate
//! (coordinated omission).
//!
//! Static mode (`--static PATH`) is closed-loop: `--concurrency` connections send back to
//! back, unauthenticated, to find the throughput ceiling of the same server.
//!
//! Prints one line of JSON.

mod http;
mod schedule;
mod stats;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http::{cookie_pair, Conn, Target};
use hyper::Method;
use schedule::{due_offset, parse_mix, request_count, Kind, Picker};
use serde::Deserialize;
use serde_json::json;
use stats::{round3, Latencies};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};
use tokio::time::Instant;

const SESSION_COOKIE: &str = "village_session";
const PASSWORD: &str = "village-demo";
/// Upper bounds, so a typo cannot start an unbounded run.
const MAX_DURATION_SECS: f64 = 3600.0;
const MAX_RATE: f64 = 100_000.0;
const MAX_CONNECTIONS: usize = 1024;

#[derive(Parser, Debug)]
#[command(
    name = "village-load",
    about = "Open-loop constant-rate load generator for a Village server on loopback"
)]
struct Args {
    /// The server, on loopback: http://127.0.0.1:PORT
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// Personas JSON written by `village generate --personas`.
    #[arg(long)]
    personas: Option<PathBuf>,
    /// Requests per second, open loop (mix mode).
    #[arg(long, default_value_t = 300.0)]
    rate: f64,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// Seconds of load before measuring starts; not counted.
    #[arg(long, default_value_t = 10.0)]
    warmup: f64,
    /// Relative weights of the request kinds.
    #[arg(long, default_value = "pupil=1,parent=1,tutor=1")]
    mix: String,
    /// The page each persona fetches in mix mode, with `{learner}` standing for the
    /// persona's learner; without it, each kind's usual page.
    #[arg(long)]
    page: Option<String>,
    /// Closed-loop ceiling mode: fetch this unauthenticated path as fast as possible.
    #[arg(long = "static", value_name = "PATH")]
    static_path: Option<String>,
    /// Connections sending back to back in static mode.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Keep-alive connections in mix mode. Due requests wait for a free one (and that wait
    /// counts in their latency).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Sign-ins in flight at once (each costs the server an Argon2 hash).
    #[arg(long, default_value_t = 2)]
    signin_concurrency: usize,
    /// Use at most this many personas of each kind, spread evenly through the file.
    #[arg(long)]
    max_per_kind: Option<usize>,
    /// Seconds before a request counts as an error (timeout), measured from when it was due.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Runtime worker threads for the load generator itself.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    check(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()?;
    let summary = runtime.block_on(run(args))?;
    println!("{summary}");
    Ok(())
}

fn check(args: &Args) -> Result<()> {
    let finite_in = |x: f64, lo: f64, hi: f64| x.is_finite() && x >= lo && x <= hi;
    if !finite_in(args.duration, 0.1, MAX_DURATION_SECS) {
        bail!("--duration must be between 0.1 and {MAX_DURATION_SECS} seconds");
    }
    if !finite_in(args.warmup, 0.0, MAX_DURATION_SECS) {
        bail!("--warmup must be between 0 and {MAX_DURATION_SECS} seconds");
    }
    if !finite_in(args.rate, 0.1, MAX_RATE) {
        bail!("--rate must be between 0.1 and {MAX_RATE}");
    }
    if !finite_in(args.timeout, 0.01, 600.0) {
        bail!("--timeout must be between 0.01 and 600 seconds");
    }
    for (name, n) in [
        ("--connections", args.connections),
        ("--concurrency", args.concurrency),
        ("--signin-concurrency", args.signin_concurrency),
    ] {
        if n == 0 || n > MAX_CONNECTIONS {
            bail!("{name} must be between 1 and {MAX_CONNECTIONS}");
        }
    }
    if args.threads == 0 || args.threads > 64 {
        bail!("--threads must be between 1 and 64");
    }
    Ok(())
}

async fn run(args: Args) -> Result<serde_json::Value> {
    let target = Target::resolve(&args.base).await?;
    match &args.static_path {
        Some(path) => {
            if !path.starts_with('/') {
                bail!("--static takes a path such as /static/style.css");
            }
            run_static(&args, target, path.clone()).await
        }
        None => run_mix(&args, target).await,
    }
}

/// Counts and latencies for one kind of request, from one worker or merged.
#[derive(Debug, Default, Clone)]
struct KindStats {
    sent: u64,
    ok: u64,
    status_errors: u64,
    transport_errors: u64,
    timeouts: u64,
    /// Latency of the 2xx responses.
    latencies: Latencies,
    /// Non-2xx statuses seen, for diagnosis.
    statuses: BTreeMap<u16, u64>,
}

impl KindStats {
    fn merge(&mut self, o: &KindStats) {
        self.sent += o.sent;
        self.ok += o.ok;
        self.status_errors += o.status_errors;
        self.transport_errors += o.transport_errors;
        self.timeouts += o.timeouts;
        self.latencies.extend(&o.latencies);
        for (s, n) in &o.statuses {
            *self.statuses.entry(*s).or_default() += n;
        }
    }

    fn errors(&self) -> u64 {
        self.status_errors + self.transport_errors + self.timeouts
    }

    fn record(&mut self, outcome: Outcome, latency: Duration) {
        self.sent += 1;
        match outcome {
            Outcome::Status(s) if (200..300).contains(&s) => {
                self.ok += 1;
                self.latencies
                    .record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
            }
            Outcome::Status(s) => {
                self.status_errors += 1;
                *self.statuses.entry(s).or_default() += 1;
            }
            Outcome::Transport => self.transport_errors += 1,
            Outcome::Timeout => self.timeouts += 1,
        }
    }

    fn json(&mut self) -> serde_json::Value {
        let l = self.latencies.summary();
        json!({
            "sent": self.sent,
            "ok": self.ok,
            "errors": self.errors(),
            "p50_ms": l.p50_ms,
            "p95_ms": l.p95_ms,
            "p99_ms": l.p99_ms,
            "max_ms": l.max_ms,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Status(u16),
    Transport,
    Timeout,
}

/// One worker's results.
#[derive(Debug, Default)]
struct WorkerStats {
    kinds: [KindStats; 3],
    last_completion: Option<Instant>,
}

async fn fetch(conn: &mut Conn, path: &str, cookie: Option<&str>, limit: Duration) -> Outcome {
    match tokio::time::timeout(limit, conn.send(Method::GET, path, cookie, None)).await {
        Ok(Ok(reply)) => Outcome::Status(reply.status),
        Ok(Err(_)) => Outcome::Transport,
        Err(_) => {
            conn.reset();
            Outcome::Timeout
        }
    }
}

// ---------------------------------------------------------------------------------------
// Static ceiling: closed loop.

async fn run_static(args: &Args, target: Target, path: String) -> Result<serde_json::Value> {
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let end = measure_from + Duration::from_secs_f64(args.duration);
    let limit = Duration::from_secs_f64(args.timeout);
    let mut handles = Vec::new();
    for _ in 0..args.concurrency {
        let mut conn = Conn::new(target.clone());
        let path = path.clone();
        handles.push(tokio::spawn(async move {
            let mut stats = WorkerStats::default();
            loop {
                let sent_at = Instant::now();
                if sent_at >= end {
                    break;
                }
                let outcome = fetch(&mut conn, &path, None, limit).await;
                let done = Instant::now();
                if sent_at >= measure_from {
                    if let Some(k) = stats.kinds.first_mut() {
                        k.record(outcome, done - sent_at);
                    }
                    stats.last_completion = Some(done);
                }
            }
            stats
        }));
    }
    let mut total = KindStats::default();
    for h in handles {
        let w = h.await.context("a worker failed")?;
        if let Some(k) = w.kinds.first() {
            total.merge(k);
        }
    }
    let secs = args.duration;
    let l = total.latencies.summary();
    Ok(json!({
        "mode": "static",
        "path": path,
        "concurrency": args.concurrency,
        "duration_s": secs,
        "warmup_s": args.warmup,
        "sent": total.sent,
        "ok": total.ok,
        "errors": total.errors(),
        "achieved_rps": round3(total.ok as f64 / secs),
        "p50_ms": l.p50_ms,
        "p95_ms": l.p95_ms,
        "p99_ms": l.p99_ms,
        "max_ms": l.max_ms,
        "mean_ms": l.mean_ms,
        "statuses": total.statuses,
    }))
}

// ---------------------------------------------------------------------------------------
// The mix: sign in, then open loop.

#[derive(Debug, Deserialize)]
struct PersonaRow {
    role: String,
    username: String,
    learner: i64,
}

/// A signed-in persona: the cookie to send and the page to fetch.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    path: String,
}

/// Personas by kind: one per username (first seen), at most `max` per kind, spread evenly
/// through the file so every school is represented.
fn choose_personas(rows: Vec<PersonaRow>, max: Option<usize>) -> [Vec<PersonaRow>; 3] {
    let mut seen = std::collections::HashSet::new();
    let mut by_kind: [Vec<PersonaRow>; 3] = Default::default();
    for row in rows {
        let Some(kind) = Kind::parse(&row.role) else {
            continue;
        };
        if seen.insert(row.username.clone()) {
            if let Some(list) = by_kind.get_mut(kind.index()) {
                list.push(row);
            }
        }
    }
    if let Some(max) = max {
        for list in &mut by_kind {
            let n = list.len();
            if n > max && max > 0 {
                let keep: std::collections::HashSet<usize> =
                    (0..max).map(|i| i * n / max).collect();
                let mut i = 0;
                list.retain(|_| {
                    let k = keep.contains(&i);
                    i += 1;
                    k
                });
            } else if max == 0 {
                list.clear();
            }
        }
    }
    by_kind
}

fn page_for(kind: Kind, learner: i64) -> String {
    match kind {
        Kind::Parent => format!("/learners/{learner}"),
        Kind::Pupil | Kind::Tutor => "/".to_string(),
    }
}

struct SignIns {
    sessions: [Vec<Session>; 3],
    failures: u64,
    first_failure: Option<String>,
    seconds: f64,
}

async fn sign_in_all(
    target: &Target,
    chosen: [Vec<PersonaRow>; 3],
    concurrency: usize,
    limit: Duration,
    page: Option<String>,
) -> Result<SignIns> {
    let started = Instant::now();
    let mut work: Vec<(Kind, PersonaRow)> = Vec::new();
    for kind in Kind::ALL {
        for row in chosen.get(kind.index()).into_iter().flatten() {
            work.push((
                kind,
                PersonaRow {
                    role: row.role.clone(),
                    username: row.username.clone(),
                    learner: row.learner,
                },
            ));
        }
    }
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let work = Arc::clone(&work);
        let next = Arc::clone(&next);
        let page = page.clone();
        let mut conn = Conn::new(target.clone());
        handles.push(tokio::spawn(async move {
            let mut done: Vec<(Kind, Result<Session, String>)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((kind, row)) = work.get(i) else {
                    break;
                };
                let r = sign_in(&mut conn, row, limit).await.map(|cookie| Session {
                    cookie,
                    path: match &page {
                        Some(p) => p.replace("{learner}", &row.learner.to_string()),
                        None => page_for(*kind, row.learner),
                    },
                });
                done.push((*kind, r.map_err(|e| format!("{}: {e:#}", row.username))));
            }
            done
        }));
    }
    let mut sessions: [Vec<Session>; 3] = Default::default();
    let mut failures = 0;
    let mut first_failure = None;
    for h in handles {
        for (kind, r) in h.await.context("a sign-in worker failed")? {
            match r {
                Ok(s) => {
                    if let Some(list) = sessions.get_mut(kind.index()) {
                        list.push(s);
                    }
                }
                Err(e) => {
                    failures += 1;
                    first_failure.get_or_insert(e);
                }
            }
        }
    }
    Ok(SignIns {
        sessions,
        failures,
        first_failure,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn sign_in(conn: &mut Conn, row: &PersonaRow, limit: Duration) -> Result<String> {
    let body = serde_json::to_vec(&json!({"username": row.username, "password": PASSWORD}))?;
    let reply = tokio::time::timeout(
        limit,
        conn.send(
            Method::POST,
            "/api/v1/session",
            None,
            Some(Bytes::from(body)),
        ),
    )
    .await
    .context("sign-in timed out")??;
    if reply.status != 201 {
        bail!(
            "sign-in answered {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
    let info: serde_json::Value = serde_json::from_slice(&reply.body)?;
    if info.get("second_factor_needed") == Some(&serde_json::Value::Bool(true)) {
        bail!("this account needs a second sign-in step");
    }
    cookie_pair(&reply.set_cookie, SESSION_COOKIE).context("no session cookie in the reply")
}

/// One scheduled request.
struct Job {
    due: Instant,
    kind: Kind,
    session: usize,
    measured: bool,
}

async fn run_mix(args: &Args, target: Target) -> Result<serde_json::Value> {
    let mix = parse_mix(&args.mix)?;
    let file = args
        .personas
        .as_ref()
        .context("mix mode needs --personas (from `village generate --personas`)")?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let rows: Vec<PersonaRow> = serde_json::from_str(&text).context("parsing the personas")?;
    let mut chosen = choose_personas(rows, args.max_per_kind);
    // Only sign in the kinds the mix sends.
    for kind in Kind::ALL {
        if !mix.iter().any(|(k, _)| *k == kind) {
            if let Some(list) = chosen.get_mut(kind.index()) {
                list.clear();
            }
        }
    }
    let limit = Duration::from_secs_f64(args.timeout);
    let signins = sign_in_all(
        &target,
        chosen,
        args.signin_concurrency,
        limit,
        args.page.clone(),
    )
    .await?;
    for (kind, _) in &mix {
        if signins
            .sessions
            .get(kind.index())
            .is_none_or(|s| s.is_empty())
        {
            bail!(
                "no {} could sign in ({} failures; first: {})",
                kind.name(),
                signins.failures,
                signins
                    .first_failure
                    .as_deref()
                    .unwrap_or("no personas of that kind")
            );
        }
    }
    let sessions = Arc::new(signins.sessions.clone());

    let plan = Plan {
        mix,
        rate: args.rate,
        warmup: args.warmup,
        duration: args.duration,
        connections: args.connections,
        limit,
    };
    let OpenLoop {
        mut kinds,
        mut lag,
        last_completion,
        measure_from,
        measured_n,
    } = open_loop(&plan, &target, Arc::clone(&sessions)).await?;

    let mut all = KindStats::default();
    for k in &kinds {
        all.merge(k);
    }
    // Requests scheduled but never answered would be missing from `sent`; there are none
    // because every job is either answered or timed out, but say so if that ever changes.
    let unaccounted = measured_n.saturating_sub(all.sent);
    let window = last_completion
        .map(|t| t.saturating_duration_since(measure_from).as_secs_f64())
        .unwrap_or(0.0)
        .max(args.duration);
    let l = all.latencies.summary();
    let lag_summary = lag.summary();
    let mut per_kind = serde_json::Map::new();
    for kind in Kind::ALL {
        if let Some(k) = kinds.get_mut(kind.index()) {
            if k.sent > 0 {
                per_kind.insert(kind.name().to_string(), k.json());
            }
        }
    }
    Ok(json!({
        "mode": "mix",
        "mix": args.mix,
        "target_rps": args.rate,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "sessions": {
            "pupil": sessions_len(&sessions, Kind::Pupil),
            "parent": sessions_len(&sessions, Kind::Parent),
            "tutor": sessions_len(&sessions, Kind::Tutor),
            "sign_in_failures": signins.failures,
            "sign_in_seconds": round3(signins.seconds),
        },
        "sent": all.sent + unaccounted,
        "ok": all.ok,
        "errors": all.errors() + unaccounted,
        "status_errors": all.status_errors,
        "transport_errors": all.transport_errors,
        "timeouts": all.timeouts,
        "statuses": all.statuses,
        "achieved_rps": round3(all.ok as f64 / window),
        "p50_ms": l.p50_ms,
        "p95_ms": l.p95_ms,
        "p99_ms": l.p99_ms,
        "p999_ms": l.p999_ms,
        "max_ms": l.max_ms,
        "mean_ms": l.mean_ms,
        "per_kind": per_kind,
        "dispatch_lag_p99_ms": lag_summary.p99_ms,
        "dispatch_lag_max_ms": lag_summary.max_ms,
    }))
}

/// What an open-loop run is asked to do.
struct Plan {
    mix: Vec<(Kind, u32)>,
    rate: f64,
    warmup: f64,
    duration: f64,
    connections: usize,
    limit: Duration,
}

/// What an open-loop run measured.
struct OpenLoop {
    kinds: [KindStats; 3],
    /// How late the scheduler handed each request over (timer resolution, load generator CPU).
    lag: Latencies,
    last_completion: Option<Instant>,
    measure_from: Instant,
    measured_n: u64,
}

/// Send `rate` requests per second for `warmup + duration` seconds over `connections`
/// keep-alive connections, and measure each from when it was due.
async fn open_loop(
    plan: &Plan,
    target: &Target,
    sessions: Arc<[Vec<Session>; 3]>,
) -> Result<OpenLoop> {
    let limit = plan.limit;
    let mix = plan.mix.clone();
    // Workers: one keep-alive connection each, taking due requests in order.
    let (tx, rx) = mpsc::unbounded_channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let mut workers = Vec::new();
    for _ in 0..plan.connections {
        let rx = Arc::clone(&rx);
        let sessions = Arc::clone(&sessions);
        let mut conn = Conn::new(target.clone());
        workers.push(tokio::spawn(async move {
            let mut stats = WorkerStats::default();
            loop {
                let job = rx.lock().await.recv().await;
                let Some(job) = job else { break };
                let Some(session) = sessions
                    .get(job.kind.index())
                    .and_then(|list| list.get(job.session))
                else {
                    continue;
                };
                // A request that waited past its deadline for a connection is a timeout.
                let waited = Instant::now().saturating_duration_since(job.due);
                let outcome = match limit.checked_sub(waited) {
                    Some(left) if !left.is_zero() => {
                        fetch(&mut conn, &session.path, Some(&session.cookie), left).await
                    }
                    _ => Outcome::Timeout,
                };
                let done = Instant::now();
                if job.measured {
                    if let Some(k) = stats.kinds.get_mut(job.kind.index()) {
                        k.record(outcome, done.saturating_duration_since(job.due));
                    }
                    stats.last_completion = Some(done);
                }
            }
            stats
        }));
    }

    // The schedule: due times come from the clock, never from responses.
    let warm_n = request_count(plan.rate, plan.warmup);
    let measured_n = request_count(plan.rate, plan.duration);
    let rate = plan.rate;
    let start = Instant::now() + Duration::from_millis(100);
    let measure_from = start + due_offset(warm_n, rate);
    let sched_sessions = Arc::clone(&sessions);
    let scheduler = tokio::spawn(async move {
        let mut picker = Picker::new(&mix);
        let mut turn = [0usize; 3];
        let counts: Vec<usize> = Kind::ALL
            .iter()
            .map(|k| sessions_len(&sched_sessions, *k))
            .collect();
        let mut lag = Latencies::default();
        for i in 0..(warm_n + measured_n) {
            let due = start + due_offset(i, rate);
            tokio::time::sleep_until(due).await;
            lag.record(
                u64::try_from(Instant::now().saturating_duration_since(due).as_micros())
                    .unwrap_or(u64::MAX),
            );
            let Some(kind) = picker.next_kind() else {
                break;
            };
            let n = counts.get(kind.index()).copied().unwrap_or(0).max(1);
            let Some(t) = turn.get_mut(kind.index()) else {
                break;
            };
            let session = *t % n;
            *t += 1;
            let job = Job {
                due,
                kind,
                session,
                measured: i >= warm_n,
            };
            if tx.send(job).is_err() {
                break;
            }
        }
        lag
    });

    let lag = scheduler.await.context("the scheduler failed")?;
    let mut kinds: [KindStats; 3] = Default::default();
    let mut last_completion: Option<Instant> = None;
    let deadline = Instant::now() + limit + Duration::from_secs(5);
    for w in workers {
        let abort = w.abort_handle();
        match tokio::time::timeout_at(deadline, w).await {
            Ok(Ok(stats)) => {
                for (total, k) in kinds.iter_mut().zip(stats.kinds.iter()) {
                    total.merge(k);
                }
                last_completion = last_completion.max(stats.last_completion);
            }
            Ok(Err(e)) => bail!("a worker failed: {e}"),
            Err(_) => {
                abort.abort();
                bail!("workers did not finish in time");
            }
        }
    }

    Ok(OpenLoop {
        kinds,
        lag,
        last_completion,
        measure_from,
        measured_n,
    })
}

fn sessions_len(sessions: &[Vec<Session>; 3], kind: Kind) -> usize {
    sessions.get(kind.index()).map_or(0, Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(role: &str, username: &str, learner: i64) -> PersonaRow {
        PersonaRow {
            role: role.to_string(),
            username: username.to_string(),
            learner,
        }
    }

    #[test]
    fn personas_are_deduplicated_grouped_and_spread() {
        let mut rows = vec![
            row("tutor", "t1", 1),
            row("tutor", "t1", 2),
            row("pupil", "p1", 3),
            row("parent", "g1", 4),
            row("teacher", "x", 5),
        ];
        for i in 0..10 {
            rows.push(row("pupil", &format!("p{}", i + 10), i));
        }
        let chosen = choose_personas(rows, Some(4));
        let names = |k: Kind| -> Vec<String> {
            chosen[k.index()]
                .iter()
                .map(|r| r.username.clone())
                .collect()
        };
        assert_eq!(names(Kind::Tutor), vec!["t1"]);
        assert_eq!(chosen[Kind::Tutor.index()][0].learner, 1);
        assert_eq!(names(Kind::Parent), vec!["g1"]);
        // 11 pupils, 4 kept, spread from the first to near the last.
        assert_eq!(names(Kind::Pupil), vec!["p1", "p11", "p14", "p17"]);
    }

    #[test]
    fn parent_requests_go_to_the_child_page() {
        assert_eq!(page_for(Kind::Parent, 42), "/learners/42");
        assert_eq!(page_for(Kind::Pupil, 42), "/");
        assert_eq!(page_for(Kind::Tutor, 42), "/");
    }

    #[test]
    fn outcomes_are_counted_and_only_successes_timed() {
        let mut k = KindStats::default();
        k.record(Outcome::Status(200), Duration::from_millis(5));
        k.record(Outcome::Status(204), Duration::from_millis(7));
        k.record(Outcome::Status(500), Duration::from_millis(1));
        k.record(Outcome::Status(403), Duration::from_millis(1));
        k.record(Outcome::Transport, Duration::ZERO);
        k.record(Outcome::Timeout, Duration::from_secs(10));
        assert_eq!(k.sent, 6);
        assert_eq!(k.ok, 2);
        assert_eq!(k.errors(), 4);
        assert_eq!(k.latencies.len(), 2);
        assert_eq!(k.statuses.get(&500), Some(&1));
        let j = k.json();
        assert_eq!(j["p99_ms"], json!(7.0));
        assert_eq!(j["errors"], json!(4));
    }

    #[test]
    fn arguments_are_bounded() {
        let parse = |extra: &[&str]| {
            let mut v = vec!["village-load"];
            v.extend_from_slice(extra);
            check(&Args::parse_from(v))
        };
        assert!(parse(&[]).is_ok());
        assert!(parse(&["--duration", "100000"]).is_err());
        assert!(parse(&["--rate", "0"]).is_err());
        assert!(parse(&["--connections", "0"]).is_err());
        assert!(parse(&["--rate", "NaN"]).is_err());
    }

    /// A keep-alive HTTP/1.1 server on loopback that answers `200 ok` at once, except that
    /// it stalls for `stall` before answering request number `stall_at` (from 1).
    async fn stalling_server(stall_at: usize, stall: Duration) -> (Target, Arc<AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                            if n == stall_at {
                                tokio::time::sleep(stall).await;
                            }
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if sock.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        let target = Target::resolve(&format!("http://{addr}")).await.unwrap();
        (target, seen)
    }

    fn one_session() -> Arc<[Vec<Session>; 3]> {
        let s = Session {
            cookie: "village_session=x".to_string(),
            path: "/".to_string(),
        };
        Arc::new([vec![s.clone()], vec![s.clone()], vec![s]])
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stall_delays_every_request_due_during_it() {
        // 200 req/s on one connection for 1 s; request 60 stalls the server for 300 ms.
        // Open loop keeps scheduling during the stall, so the ~60 requests due in that time
        // queue behind it and each is measured from when it was due. A closed-loop tool
        // would have recorded one slow request and quietly sent fewer.
        let (target, seen) = stalling_server(60, Duration::from_millis(300)).await;
        let plan = Plan {
            mix: parse_mix("pupil=1,parent=1,tutor=1").unwrap(),
            rate: 200.0,
            warmup: 0.0,
            duration: 1.0,
            connections: 1,
            limit: Duration::from_secs(5),
        };
        let mut r = open_loop(&plan, &target, one_session()).await.unwrap();
        let mut all = KindStats::default();
        for k in &r.kinds {
            all.merge(k);
        }
        assert_eq!(r.measured_n, 200);
        assert_eq!(all.sent, 200);
        assert_eq!(all.ok, 200);
        assert_eq!(seen.load(Ordering::SeqCst), 200);
        // Every kind got its third.
        for k in &r.kinds {
            assert!((66..=67).contains(&k.sent), "{}", k.sent);
        }
        let slow = {
            let mut l = all.latencies.clone();
            // The 25th slowest of 200 is still well over 100 ms.
            l.percentile(100.0 - 25.0 * 100.0 / 200.0).unwrap()
        };
        assert!(slow > 100_000, "25th slowest was {slow} us");
        assert!(all.latencies.percentile(99.0).unwrap() >= 250_000);
        // The median is untouched by the stall.
        assert!(all.latencies.percentile(50.0).unwrap() < 50_000);
        assert!(r.lag.percentile(50.0).unwrap() < 20_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn warmup_requests_are_sent_but_not_counted() {
        let (target, seen) = stalling_server(usize::MAX, Duration::ZERO).await;
        let plan = Plan {
            mix: parse_mix("pupil=1").unwrap(),
            rate: 100.0,
            warmup: 0.5,
            duration: 0.5,
            connections: 4,
            limit: Duration::from_secs(5),
        };
        let r = open_loop(&plan, &target, one_session()).await.unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 100);
        assert_eq!(r.kinds[Kind::Pupil.index()].sent, 50);
        assert_eq!(r.kinds[Kind::Parent.index()].sent, 0);
    }
}

//! The Village binary: `demo`, `serve`, `generate`, `audit verify`.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use village_files::FileStore;
use village_store::Store;
use village_web::{AppState, Clock, SystemClock, WebConfig};

#[derive(Parser)]
#[command(
    name = "village",
    version,
    about = "Village: personalised learning for a school or a group of schools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo: a made-up collaborative of three schools in a local SQLite file.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder for the demo's data. Running again on the same folder keeps what you changed.
        #[arg(long, default_value = "village-data")]
        data: PathBuf,
    },
    /// Serve a real deployment.
    Serve {
        /// sqlite://path/to/village.db or postgres://user@host/db (or VILLAGE_DATABASE_URL).
        #[arg(long, env = "VILLAGE_DATABASE_URL")]
        database: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Send cookies without the Secure flag. Only behind plain HTTP on a private network.
        #[arg(long)]
        insecure_cookies: bool,
        /// Where portfolio files are kept: a folder, file:///path, or s3://bucket/prefix
        /// (S3 needs a build with the `s3` feature and the usual AWS_* settings).
        #[arg(long, env = "VILLAGE_FILES", default_value = "village-files")]
        files: String,
    },
    /// Generate demo data into an empty database (for benchmarks: `--schools 100`).
    Generate {
        #[arg(long, env = "VILLAGE_DATABASE_URL")]
        database: String,
        /// Number of schools; without it, the three-school demo collaborative.
        #[arg(long)]
        schools: Option<u32>,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Skip attendance, behaviour and assessment history.
        #[arg(long)]
        no_history: bool,
        /// Write sample sign-ins (pupils, parents, tutors) as JSON here, for load tests.
        #[arg(long)]
        personas: Option<PathBuf>,
        /// Also write three years of plan history (60 targets, 20 agreed versions, 200
        /// portfolio items) for the demo pupil, for the plan page benchmark.
        #[arg(long)]
        long_plan: bool,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Learning passports.
    Passport {
        #[command(subcommand)]
        command: PassportCommand,
    },
    /// Personal timetables: solve and check instances (FET, ITC 2019, Village JSON).
    Timetable {
        #[command(subcommand)]
        command: TimetableCommand,
    },
}

#[derive(Subcommand)]
enum TimetableCommand {
    /// Solve an instance; prints progress to stderr and a one-line JSON summary at the end.
    Solve {
        input: PathBuf,
        /// fet, itc2019 or village; guessed from the file when left out.
        #[arg(long)]
        format: Option<String>,
        #[arg(long, default_value_t = 60.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Parallel searches; 0 means one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Write the solution here (ITC 2019 solution XML).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Stop at the first complete timetable (every class placed, no hard rule broken)
        /// instead of improving it until the time limit.
        #[arg(long)]
        stop_when_complete: bool,
        /// Stop each search after this many iterations; far from the time limit the run
        /// is then reproducible for a given seed and thread count.
        #[arg(long)]
        iterations: Option<u64>,
    },
    /// Check a solution against its instance with the independent evaluator.
    Check {
        input: PathBuf,
        solution: PathBuf,
        #[arg(long)]
        format: Option<String>,
    },
    /// Write a copy of a FET file with a timetable of it locked in (every activity at its
    /// time and room), so that FET can confirm the timetable independently.
    ExportFet {
        /// The FET file.
        input: PathBuf,
        /// The timetable, as `solve --out` wrote it.
        solution: PathBuf,
        /// The FET file to write.
        #[arg(long)]
        out: PathBuf,
        /// Also switch off constraints below 100%, so that FET checks the hard ones only.
        #[arg(long)]
        hard_only: bool,
    },
}

#[derive(Subcommand)]
enum PassportCommand {
    /// Export the passport of every learner of a school, one zip per learner, as a named
    /// account (a leader of the school): the policy decides, and every export is audited.
    ExportSchool {
        #[arg(long, env = "VILLAGE_DATABASE_URL")]
        database: String,
        /// The file store the portfolios are in (a folder or a URL).
        #[arg(long, env = "VILLAGE_FILES", default_value = "village-files")]
        files: String,
        /// The username the export is made as.
        #[arg(long = "as")]
        username: String,
        /// The school's id; without it, the school the account leads.
        #[arg(long)]
        school: Option<i64>,
        /// The folder to write the zips into.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain and report the first broken entry, if any.
    Verify {
        #[arg(long, env = "VILLAGE_DATABASE_URL")]
        database: String,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("VILLAGE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=error"));
    if std::env::var("VILLAGE_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // Timetabling reads a file, solves and writes: it needs neither the server's async
        // runtime (whose worker threads start with it) nor its logging, which together
        // took about half a millisecond of a small FET file's three.
        Command::Timetable { command } => timetable(command),
        command => tokio::runtime::Runtime::new()
            .context("starting the async runtime")
            .and_then(|runtime| {
                init_logging();
                runtime.block_on(run(command))
            }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The message and its causes on one line, in the user's words. Returning the
            // error from `main` would print a backtrace whenever RUST_BACKTRACE is set,
            // which says nothing to a timetabler whose file has a mistake.
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo { listen, data } => demo(listen, data).await,
        Command::Serve {
            database,
            listen,
            insecure_cookies,
            files,
        } => {
            let store = Store::open(&database)
                .await
                .context("opening the database")?;
            let config = WebConfig {
                secure_cookies: !insecure_cookies,
                ..WebConfig::default()
            };
            let files = open_files(&files)?;
            serve(store, files, listen, config).await
        }
        Command::Generate {
            database,
            schools,
            seed,
            no_history,
            personas,
            long_plan,
        } => {
            let store = Store::open(&database)
                .await
                .context("opening the database")?;
            let started = std::time::Instant::now();
            let summary = generate(&store, schools, seed, !no_history).await?;
            if long_plan {
                let written = village_demo::write_long_plan(
                    &store,
                    "pupil",
                    "tutor",
                    "parent",
                    SystemClock.now(),
                )
                .await
                .context("writing the long plan history (it needs the three-school demo)")?;
                eprintln!(
                    "long plan: {} targets, {} versions, {} portfolio items",
                    written.targets, written.versions, written.evidence
                );
            }
            if let Some(path) = personas {
                let json = serde_json::to_string_pretty(&summary.personas)?;
                std::fs::write(&path, json)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!(
                "{{\"schools\":{},\"learners\":{},\"staff\":{},\"guardians\":{},\"rows\":{},\"seconds\":{:.1}}}",
                summary.schools,
                summary.learners,
                summary.staff,
                summary.guardians,
                summary.rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Passport {
            command:
                PassportCommand::ExportSchool {
                    database,
                    files,
                    username,
                    school,
                    out,
                },
        } => {
            let store = Store::open(&database)
                .await
                .context("opening the database")?;
            let files = open_files(&files)?;
            let now = SystemClock.now();
            let name = village_domain::person::Username::parse(&username)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let account = store
                .account_by_username(&name)
                .await?
                .with_context(|| format!("there is no account {username}"))?;
            let subject = store.load_subject(account.person, now).await?;
            let school = match school {
                Some(id) => village_domain::OrgId(id),
                None => subject
                    .roles
                    .iter()
                    .find(|r| {
                        r.role == village_domain::person::Role::Leader && r.period.holds_at(now)
                    })
                    .map(|r| r.org)
                    .with_context(|| format!("{username} leads no school; give --school"))?,
            };
            let summary =
                village_passport::export_school(&store, &files, &subject, school, now, &out)
                    .await
                    .context("exporting the passports")?;
            for (learner, why) in &summary.failed {
                eprintln!("learner {}: {why}", learner.0);
            }
            println!(
                "{{\"learners\":{},\"bytes\":{},\"seconds\":{:.2},\"failed\":{}}}",
                summary.learners,
                summary.bytes,
                summary.seconds,
                summary.failed.len()
            );
            store.close().await;
            Ok(())
        }
        Command::Timetable { command } => timetable(command),
        Command::Audit {
            command: AuditCommand::Verify { database },
        } => {
            let store = Store::open(&database)
                .await
                .context("opening the database")?;
            let report = store.verify_audit_chain().await?;
            match report.broken_at {
                None => {
                    println!("audit log intact: {} entries", report.entries);
                    Ok(())
                }
                Some(seq) => bail!(
                    "audit log broken at entry {seq} (checked {} entries)",
                    report.entries
                ),
            }
        }
    }
}

fn timetable(command: TimetableCommand) -> Result<()> {
    use village_timetable::cli::{check_command, solve_command, CheckArgs, InputFormat, SolveArgs};
    let parse_format = |f: Option<String>| -> Result<Option<InputFormat>> {
        f.map(|f| f.parse::<InputFormat>().map_err(|e| anyhow::anyhow!("{e}")))
            .transpose()
    };
    match command {
        TimetableCommand::Solve {
            input,
            format,
            time_limit,
            seed,
            threads,
            out,
            stop_when_complete,
            iterations,
        } => {
            let args = SolveArgs {
                input,
                format: parse_format(format)?,
                time_limit_seconds: time_limit,
                seed,
                out,
                threads,
                stop_when_complete,
                max_iterations: iterations,
            };
            let progress = |p: &village_timetable::Progress| {
                // Thread 0's regular lines, and the first complete timetable and restarts
                // from any thread. To a tenth of a millisecond (scripts time small files by
                // it), and in one write: standard error is unbuffered, and `eprintln!`
                // wrote each piece.
                if p.thread == 0 || p.phase == "complete" || p.phase == "restart" {
                    let line = format!(
                        "{:9.4}s {} best: {} hard, {} soft\n",
                        p.seconds, p.phase, p.best_hard, p.best_soft
                    );
                    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
                }
            };
            let r = solve_command(&args, Some(&progress)).map_err(|e| anyhow::anyhow!("{e}"))?;
            for n in &r.notes {
                eprintln!("note: {n}");
            }
            for v in r.evaluation.hard.iter().take(10) {
                eprintln!("hard: {}", v.message);
            }
            println!("{}", r.summary.to_json_line());
            Ok(())
        }
        TimetableCommand::Check {
            input,
            solution,
            format,
        } => {
            let r = check_command(&CheckArgs {
                input,
                solution,
                format: parse_format(format)?,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", r.to_json_line());
            if r.valid {
                Ok(())
            } else {
                bail!("the solution is not valid")
            }
        }
        TimetableCommand::ExportFet {
            input,
            solution,
            out,
            hard_only,
        } => {
            let r = village_timetable::cli::export_fet_command(
                &village_timetable::cli::ExportFetArgs {
                    input,
                    solution,
                    out,
                    hard_only,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", r.to_json_line());
            Ok(())
        }
    }
}

async fn generate(
    store: &Store,
    schools: Option<u32>,
    seed: u64,
    history: bool,
) -> Result<village_demo::DemoSummary> {
    let now = SystemClock.now();
    let password_hash =
        village_web::auth::password::hash("village-demo").map_err(anyhow::Error::msg)?;
    let options = village_demo::DemoOptions {
        seed,
        schools,
        history,
        today: village_web::views::today(now),
        now,
        password_hash,
    };
    Ok(village_demo::generate(store, options).await?)
}

async fn demo(listen: SocketAddr, data: PathBuf) -> Result<()> {
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let db = data.join("village.db");
    let url = format!("sqlite://{}", db.display());
    let store = Store::open(&url)
        .await
        .context("opening the demo database")?;
    let showcase_file = data.join("demo-sign-ins.txt");
    if store.is_empty().await? {
        println!("Creating the demo collaborative (three schools, about 1,600 pupils, one term of history)…");
        let started = std::time::Instant::now();
        let summary = generate(&store, None, 2026, true).await?;
        println!(
            "Made {} schools, {} pupils, {} staff, {} parents and carers in {:.1} s.",
            summary.schools,
            summary.learners,
            summary.staff,
            summary.guardians,
            started.elapsed().as_secs_f64()
        );
        let lines: Vec<String> = summary
            .showcase
            .iter()
            .map(|s| format!("{}\t{}\t{}", s.username, s.role, s.who))
            .collect();
        std::fs::write(&showcase_file, lines.join("\n")).context("saving the demo sign-ins")?;
    } else {
        println!("Using the existing demo data in {}.", data.display());
    }
    let accounts: Vec<(String, String)> = std::fs::read_to_string(&showcase_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            let user = parts.next()?;
            let _role = parts.next()?;
            let who = parts.next()?;
            Some((user.to_string(), who.to_string()))
        })
        .collect();
    println!("\nVillage demo: http://{listen}/");
    println!("Sign in with any of these usernames and the password village-demo:");
    for (user, who) in &accounts {
        println!("  {user:<10} {who}");
    }
    println!();
    let config = WebConfig {
        secure_cookies: false,
        demo: true,
        demo_accounts: accounts,
        ..WebConfig::default()
    };
    let files = FileStore::local(data.join("files")).context("opening the demo's file folder")?;
    serve(store, files, listen, config).await
}

/// Opens the file store named on the command line: a folder path or a URL.
fn open_files(spec: &str) -> Result<FileStore> {
    let files = if spec.contains("://") {
        FileStore::from_url(spec)
    } else {
        std::fs::create_dir_all(spec).with_context(|| format!("creating {spec}"))?;
        FileStore::local(spec)
    };
    files.with_context(|| format!("opening the file store {spec}"))
}

async fn serve(
    store: Store,
    files: FileStore,
    listen: SocketAddr,
    config: WebConfig,
) -> Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = AppState::new(store.clone(), config, clock).with_files(files);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    tracing::info!(%listen, backend = ?store.backend(), "serving");
    village_web::serve(listener, state).await?;
    store.close().await;
    Ok(())
}

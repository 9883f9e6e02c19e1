//! Entry points for the command line (`village timetable solve|check|export-fet`). They take parsed
//! arguments and return summaries; printing and exit codes belong to the binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::error::Error;
use crate::eval::{evaluate, Evaluation, HardViolation};
use crate::itc2019::{self, SolutionMeta};
use crate::model::Problem;
use crate::solver::{solve, Progress, SolveOptions};
use crate::{fet, fet_export, school};

/// Input formats the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InputFormat {
    /// FET `.fet` XML.
    Fet,
    /// ITC 2019 problem XML.
    Itc2019,
    /// Village's own JSON description of a school (see [`crate::school::School`]).
    Village,
}

impl std::str::FromStr for InputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "fet" => Ok(InputFormat::Fet),
            "itc2019" | "itc" => Ok(InputFormat::Itc2019),
            "village" | "json" => Ok(InputFormat::Village),
            other => Err(Error::Unsupported(format!(
                "unknown format `{other}` (expected fet, itc2019 or village)"
            ))),
        }
    }
}

/// Arguments of `village timetable solve INPUT [--format F] [--time-limit S] [--seed N] [--out FILE]`.
#[derive(Debug, Clone)]
pub struct SolveArgs {
    pub input: PathBuf,
    pub format: Option<InputFormat>,
    pub time_limit_seconds: f64,
    pub seed: u64,
    pub out: Option<PathBuf>,
    /// Parallel runs; 0 = one per core.
    pub threads: usize,
    /// Stop at the first complete timetable instead of improving it until the limit.
    pub stop_when_complete: bool,
    /// Stop each search after this many iterations. Far from the time limit, a run is
    /// then reproducible: the same timetable for the same seed and thread count, which
    /// makes two builds' speeds comparable on exactly the same work.
    pub max_iterations: Option<u64>,
}

impl SolveArgs {
    pub fn new(input: impl Into<PathBuf>) -> Self {
        SolveArgs {
            input: input.into(),
            format: None,
            time_limit_seconds: 60.0,
            seed: 1,
            out: None,
            threads: 0,
            stop_when_complete: false,
            max_iterations: None,
        }
    }
}

/// The one-line JSON summary printed at the end of `solve`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveSummary {
    /// Classes placed without taking part in any hard violation.
    pub placed: usize,
    /// Classes in the problem.
    pub total: usize,
    pub hard_violations: usize,
    /// The weighted objective (the exact ITC 2019 objective for ITC 2019 input).
    pub soft_cost: u64,
    pub seconds: f64,
    /// Iterations of the search, over all threads.
    pub iterations: u64,
}

impl SolveSummary {
    /// The summary as one line of JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// Everything `solve` produced.
#[derive(Debug, Clone)]
pub struct SolveOutput {
    pub summary: SolveSummary,
    pub evaluation: Evaluation,
    /// The solution in ITC 2019 solution XML (also written to `--out` when given).
    pub solution_xml: String,
    /// Notes from the import (e.g. FET constraints not modelled).
    pub notes: Vec<String>,
}

/// Read an input file in the given (or detected) format as a problem.
pub fn load_problem(
    path: &Path,
    format: Option<InputFormat>,
) -> Result<(Problem, Vec<String>), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let format = format.unwrap_or_else(|| detect_format(path, &text));
    let with_path = |e: Error| match e {
        Error::Io { .. } => e,
        other => Error::Io {
            path: path.display().to_string(),
            message: other.to_string(),
        },
    };
    match format {
        InputFormat::Itc2019 => itc2019::parse_problem(&text)
            .map(|p| (p, Vec::new()))
            .map_err(with_path),
        InputFormat::Fet => fet::import(&text)
            .map(|i| (i.problem, i.notes))
            .map_err(with_path),
        InputFormat::Village => {
            let school = school::School::from_json(&text).map_err(with_path)?;
            let compiled = school.compile().map_err(with_path)?;
            Ok((compiled.problem, compiled.notes))
        }
    }
}

fn detect_format(path: &Path, text: &str) -> InputFormat {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("fet") => InputFormat::Fet,
        Some("json") => InputFormat::Village,
        _ if text.trim_start().starts_with('{') => InputFormat::Village,
        _ if text.contains("<fet") => InputFormat::Fet,
        _ => InputFormat::Itc2019,
    }
}

/// `village timetable solve`: read, solve within the time limit, write `--out`, summarise.
pub fn solve_command(
    args: &SolveArgs,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<SolveOutput, Error> {
    let (problem, notes) = load_problem(&args.input, args.format)?;
    if !args.time_limit_seconds.is_finite() || args.time_limit_seconds < 0.0 {
        return Err(Error::Unsupported(format!(
            "time limit must be a non-negative number of seconds, found {}",
            args.time_limit_seconds
        )));
    }
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(args.time_limit_seconds.min(1.0e7)),
        seed: args.seed,
        threads: args.threads,
        stop_when_complete: args.stop_when_complete,
        max_iterations: args.max_iterations,
        ..SolveOptions::default()
    };
    let result = solve(&problem, &options, progress)?;
    let meta = SolutionMeta {
        runtime_seconds: result.seconds,
        cores: result.threads,
        ..SolutionMeta::default()
    };
    let solution_xml = itc2019::write_solution(&problem, &result.solution, &meta);
    if let Some(out) = &args.out {
        std::fs::write(out, &solution_xml).map_err(|e| Error::Io {
            path: out.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(SolveOutput {
        summary: SolveSummary {
            placed: result.evaluation.placed_cleanly(),
            total: problem.classes.len(),
            hard_violations: result.evaluation.hard.len(),
            soft_cost: result.evaluation.objective,
            seconds: result.seconds,
            iterations: result.iterations,
        },
        evaluation: result.evaluation,
        solution_xml,
        notes,
    })
}

/// Arguments of `village timetable check INPUT SOLUTION`.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    pub input: PathBuf,
    pub solution: PathBuf,
    pub format: Option<InputFormat>,
}

/// The verdict of `check`, computed by the evaluator alone.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub valid: bool,
    pub total_cost: u64,
    pub time_penalty: u64,
    pub room_penalty: u64,
    pub distribution_penalty: u64,
    pub student_conflicts: u64,
    pub request_penalty: u64,
    pub hard_violations: Vec<HardViolation>,
    /// Parts of the solution that could not be matched to the problem's options.
    pub issues: Vec<String>,
}

impl CheckReport {
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// `village timetable check`: verify a solution independently of the solver.
pub fn check_command(args: &CheckArgs) -> Result<CheckReport, Error> {
    let (problem, _) = load_problem(&args.input, args.format)?;
    let text = std::fs::read_to_string(&args.solution).map_err(|e| Error::Io {
        path: args.solution.display().to_string(),
        message: e.to_string(),
    })?;
    let parsed = itc2019::parse_solution(&problem, &text).map_err(|e| Error::Io {
        path: args.solution.display().to_string(),
        message: e.to_string(),
    })?;
    let ev = evaluate(&problem, &parsed.solution);
    Ok(CheckReport {
        valid: ev.is_valid() && parsed.issues.is_empty(),
        total_cost: ev.objective,
        time_penalty: ev.time_penalty,
        room_penalty: ev.room_penalty,
        distribution_penalty: ev.distribution_penalty,
        student_conflicts: ev.student_conflicts,
        request_penalty: ev.request_penalty,
        hard_violations: ev.hard,
        issues: parsed.issues,
    })
}

/// Arguments of `village timetable export-fet INPUT SOLUTION --out FILE`.
#[derive(Debug, Clone)]
pub struct ExportFetArgs {
    /// The FET file the timetable was solved from.
    pub input: PathBuf,
    /// The timetable (ITC 2019 solution XML, as `solve --out` writes it).
    pub solution: PathBuf,
    /// Where to write the FET file with the timetable locked in.
    pub out: PathBuf,
    /// Also switch off the constraints below 100%, so that FET checks the hard ones only.
    pub hard_only: bool,
}

/// What `export-fet` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportFetReport {
    pub activities: usize,
    pub times_locked: usize,
    pub rooms_locked: usize,
    /// Constraints below 100% switched off (with `hard_only`).
    pub soft_switched_off: usize,
    pub out: String,
}

impl ExportFetReport {
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// `village timetable export-fet`: write a copy of the FET file with every activity locked
/// at its time (and room) in the timetable, for FET to confirm (see [`fet_export`]).
pub fn export_fet_command(args: &ExportFetArgs) -> Result<ExportFetReport, Error> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let text = read(&args.input)?;
    let imported = fet::import(&text).map_err(|e| Error::Io {
        path: args.input.display().to_string(),
        message: e.to_string(),
    })?;
    let parsed =
        itc2019::parse_solution(&imported.problem, &read(&args.solution)?).map_err(|e| {
            Error::Io {
                path: args.solution.display().to_string(),
                message: e.to_string(),
            }
        })?;
    if let Some(issue) = parsed.issues.first() {
        return Err(Error::Io {
            path: args.solution.display().to_string(),
            message: format!(
                "{issue} ({} such problems); only a timetable within the file's options can be locked",
                parsed.issues.len()
            ),
        });
    }
    let (base, soft_switched_off) = if args.hard_only {
        fet_export::deactivate_soft(&text)
    } else {
        (text, 0)
    };
    let locked = fet_export::lock_solution(&base, &imported, &parsed.solution)?;
    std::fs::write(&args.out, &locked.text).map_err(|e| Error::Io {
        path: args.out.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(ExportFetReport {
        activities: imported.problem.classes.len(),
        times_locked: locked.times_locked,
        rooms_locked: locked.rooms_locked,
        soft_switched_off,
        out: args.out.display().to_string(),
    })
}

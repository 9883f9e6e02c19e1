//! A small command line around the library, for trying it out and measuring:
//! `cargo run --release -p village-timetable --example timetable -- solve INPUT [--format F]
//! [--time-limit S] [--seed N] [--threads T] [--out FILE]` or `... -- check INPUT SOLUTION`.

use std::process::ExitCode;

use village_timetable::cli::{check_command, solve_command, CheckArgs, InputFormat, SolveArgs};
use village_timetable::Progress;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    let cmd = it.next().ok_or("usage: timetable solve|check ...")?;
    let mut positional = Vec::new();
    let mut format: Option<InputFormat> = None;
    let mut time_limit = 60.0;
    let mut seed = 1;
    let mut threads = 0;
    let mut out = None;
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--format" => format = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--time-limit" => time_limit = value()?.parse().map_err(|_| "bad --time-limit")?,
            "--seed" => seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--threads" => threads = value()?.parse().map_err(|_| "bad --threads")?,
            "--out" => out = Some(value()?.into()),
            _ => positional.push(a.clone()),
        }
    }
    match (cmd.as_str(), positional.as_slice()) {
        ("solve", [input]) => {
            let args = SolveArgs {
                input: input.into(),
                format,
                time_limit_seconds: time_limit,
                seed,
                out,
                threads,
            };
            let progress = |p: &Progress| {
                if p.thread == 0 {
                    eprintln!(
                        "{:7.2}s it={} {} current=({}, {}) best=({}, {})",
                        p.seconds, p.iteration, p.phase, p.hard, p.soft, p.best_hard, p.best_soft
                    );
                }
            };
            let r = solve_command(&args, Some(&progress)).map_err(|e| e.to_string())?;
            for n in &r.notes {
                eprintln!("note: {n}");
            }
            for v in r.evaluation.hard.iter().take(10) {
                eprintln!("hard: {}", v.message);
            }
            println!("{}", r.summary.to_json_line());
            Ok(ExitCode::SUCCESS)
        }
        ("check", [input, solution]) => {
            let r = check_command(&CheckArgs {
                input: input.into(),
                solution: solution.into(),
                format,
            })
            .map_err(|e| e.to_string())?;
            println!("{}", r.to_json_line());
            Ok(if r.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        _ => Err("usage: timetable solve INPUT [options] | check INPUT SOLUTION".into()),
    }
}

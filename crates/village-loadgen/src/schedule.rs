//! The open-loop schedule: when each request is due and which kind it is. Pure, so it can
//! be tested without a server.

use anyhow::{bail, Context, Result};
use std::time::Duration;

/// The kinds of signed-in request in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A pupil's home page: `GET /`.
    Pupil,
    /// A parent's page for one of their children: `GET /learners/{id}`.
    Parent,
    /// A tutor's home page, which lists the tutor group: `GET /`.
    Tutor,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Pupil, Kind::Parent, Kind::Tutor];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Pupil => "pupil",
            Kind::Parent => "parent",
            Kind::Tutor => "tutor",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn index(self) -> usize {
        match self {
            Kind::Pupil => 0,
            Kind::Parent => 1,
            Kind::Tutor => 2,
        }
    }
}

/// `pupil=1,parent=1,tutor=1`: relative weights. Kinds left out, or with weight 0, are not sent.
pub fn parse_mix(s: &str) -> Result<Vec<(Kind, u32)>> {
    let mut mix: Vec<(Kind, u32)> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part
            .split_once('=')
            .with_context(|| format!("mix entry {part:?} is not kind=weight"))?;
        let kind = Kind::parse(name.trim())
            .with_context(|| format!("unknown kind {name:?} (pupil, parent, tutor)"))?;
        let weight: u32 = weight
            .trim()
            .parse()
            .with_context(|| format!("weight {weight:?} is not a whole number"))?;
        if mix.iter().any(|(k, _)| *k == kind) {
            bail!("{} appears twice in the mix", kind.name());
        }
        if weight > 0 {
            mix.push((kind, weight));
        }
    }
    if mix.is_empty() {
        bail!("the mix has no kind with a weight above zero");
    }
    Ok(mix)
}

/// Smooth weighted round-robin (as in nginx): deterministic, and interleaves the kinds
/// evenly instead of sending them in runs. Over any `sum(weights)` consecutive picks each
/// kind appears exactly its weight times.
#[derive(Debug, Clone)]
pub struct Picker {
    entries: Vec<(Kind, i64, i64)>,
    total: i64,
}

impl Picker {
    pub fn new(mix: &[(Kind, u32)]) -> Picker {
        let entries: Vec<(Kind, i64, i64)> =
            mix.iter().map(|&(k, w)| (k, i64::from(w), 0)).collect();
        let total = entries.iter().map(|e| e.1).sum();
        Picker { entries, total }
    }

    pub fn next_kind(&mut self) -> Option<Kind> {
        let mut best: Option<usize> = None;
        let mut best_current = i64::MIN;
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.2 += e.1;
            if e.2 > best_current {
                best_current = e.2;
                best = Some(i);
            }
        }
        let chosen = self.entries.get_mut(best?)?;
        chosen.2 -= self.total;
        Some(chosen.0)
    }
}

/// How many requests a run of `secs` seconds at `rate` requests per second schedules.
pub fn request_count(rate: f64, secs: f64) -> u64 {
    if !(rate > 0.0 && secs > 0.0) {
        return 0;
    }
    (rate * secs).floor() as u64
}

/// When request number `i` (from 0) is due, measured from the start of the run. Computed
/// from the index, never by adding intervals, so rounding cannot drift.
pub fn due_offset(i: u64, rate: f64) -> Duration {
    let nanos = (i as f64) * 1e9 / rate;
    Duration::from_nanos(nanos.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_default_mix() {
        let mix = parse_mix("pupil=1,parent=1,tutor=1").unwrap();
        assert_eq!(
            mix,
            vec![(Kind::Pupil, 1), (Kind::Parent, 1), (Kind::Tutor, 1)]
        );
    }

    #[test]
    fn zero_weights_are_dropped_and_bad_input_refused() {
        assert_eq!(
            parse_mix(" pupil = 3 , tutor=0").unwrap(),
            vec![(Kind::Pupil, 3)]
        );
        assert!(parse_mix("").is_err());
        assert!(parse_mix("pupil=0").is_err());
        assert!(parse_mix("teacher=1").is_err());
        assert!(parse_mix("pupil").is_err());
        assert!(parse_mix("pupil=-1").is_err());
        assert!(parse_mix("pupil=1,pupil=2").is_err());
    }

    #[test]
    fn picker_honours_weights_in_every_cycle() {
        let mix = parse_mix("pupil=3,parent=2,tutor=1").unwrap();
        let mut p = Picker::new(&mix);
        for _cycle in 0..50 {
            let mut counts = [0u32; 3];
            for _ in 0..6 {
                counts[p.next_kind().unwrap().index()] += 1;
            }
            assert_eq!(counts, [3, 2, 1]);
        }
    }

    #[test]
    fn picker_interleaves_rather_than_sending_runs() {
        let mix = parse_mix("pupil=1,parent=1,tutor=1").unwrap();
        let mut p = Picker::new(&mix);
        let seq: Vec<Kind> = (0..6).map(|_| p.next_kind().unwrap()).collect();
        assert_eq!(
            seq,
            vec![
                Kind::Pupil,
                Kind::Parent,
                Kind::Tutor,
                Kind::Pupil,
                Kind::Parent,
                Kind::Tutor
            ]
        );
        let mix = parse_mix("pupil=2,tutor=1").unwrap();
        let mut p = Picker::new(&mix);
        let seq: Vec<Kind> = (0..3).map(|_| p.next_kind().unwrap()).collect();
        assert_eq!(seq, vec![Kind::Pupil, Kind::Tutor, Kind::Pupil]);
    }

    #[test]
    fn counts_follow_rate_times_duration() {
        assert_eq!(request_count(300.0, 60.0), 18_000);
        assert_eq!(request_count(2.5, 3.0), 7);
        assert_eq!(request_count(0.0, 60.0), 0);
        assert_eq!(request_count(300.0, 0.0), 0);
        assert_eq!(request_count(f64::NAN, 1.0), 0);
    }

    #[test]
    fn due_times_are_evenly_spaced_without_drift() {
        let rate = 300.0;
        assert_eq!(due_offset(0, rate), Duration::ZERO);
        assert_eq!(due_offset(1, rate), Duration::from_nanos(3_333_333));
        assert_eq!(due_offset(300, rate), Duration::from_secs(1));
        // After an hour at 300/s the schedule is still exact to the nanosecond.
        assert_eq!(due_offset(300 * 3600, rate), Duration::from_secs(3600));
        let mut last = Duration::ZERO;
        for i in 1..10_000 {
            let d = due_offset(i, rate);
            let gap = d - last;
            assert!(
                gap >= Duration::from_nanos(3_333_332) && gap <= Duration::from_nanos(3_333_334)
            );
            last = d;
        }
    }
}

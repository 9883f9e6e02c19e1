//! Exact latency percentiles. Every measured latency is kept (microseconds, `u32`): a 60 s
//! run at 300 req/s is 18,000 samples, and a closed-loop ceiling run is bounded by its
//! duration, so sorting them all is cheap and there is no bucketing error.

use serde::Serialize;

/// Latencies in microseconds, sorted on demand.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    samples: Vec<u32>,
    sorted: bool,
}

impl Latencies {
    pub fn record(&mut self, micros: u64) {
        self.samples.push(u32::try_from(micros).unwrap_or(u32::MAX));
        self.sorted = false;
    }

    pub fn extend(&mut self, other: &Latencies) {
        self.samples.extend_from_slice(&other.samples);
        self.sorted = false;
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    fn sort(&mut self) {
        if !self.sorted {
            self.samples.sort_unstable();
            self.sorted = true;
        }
    }

    /// Nearest-rank percentile in microseconds: the smallest sample such that at least
    /// `p` percent of samples are less than or equal to it. `None` when empty.
    pub fn percentile(&mut self, p: f64) -> Option<u32> {
        self.sort();
        let n = self.samples.len();
        if n == 0 {
            return None;
        }
        let p = p.clamp(0.0, 100.0);
        // rank in 1..=n; the float is at most n, so the conversion is exact enough.
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let index = rank.clamp(1, n) - 1;
        self.samples.get(index).copied()
    }

    pub fn max(&self) -> Option<u32> {
        self.samples.iter().copied().max()
    }

    pub fn mean(&self) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let sum: u64 = self.samples.iter().map(|&s| u64::from(s)).sum();
        Some(sum as f64 / self.samples.len() as f64)
    }

    /// The usual set of figures, in milliseconds.
    pub fn summary(&mut self) -> LatencySummary {
        let ms = |v: Option<u32>| v.map(|us| round3(f64::from(us) / 1000.0));
        LatencySummary {
            p50_ms: ms(self.percentile(50.0)),
            p95_ms: ms(self.percentile(95.0)),
            p99_ms: ms(self.percentile(99.0)),
            p999_ms: ms(self.percentile(99.9)),
            max_ms: ms(self.max()),
            mean_ms: self.mean().map(|us| round3(us / 1000.0)),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct LatencySummary {
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
}

/// Round to three decimal places (microsecond resolution in milliseconds).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[u64]) -> Latencies {
        let mut l = Latencies::default();
        for &v in values {
            l.record(v);
        }
        l
    }

    #[test]
    fn empty_has_no_percentiles() {
        let mut l = Latencies::default();
        assert_eq!(l.percentile(50.0), None);
        assert_eq!(l.summary().p99_ms, None);
        assert_eq!(l.mean(), None);
    }

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        // Recorded out of order on purpose.
        let values: Vec<u64> = (1..=100).rev().collect();
        let mut l = of(&values);
        assert_eq!(l.percentile(0.0), Some(1));
        assert_eq!(l.percentile(1.0), Some(1));
        assert_eq!(l.percentile(50.0), Some(50));
        assert_eq!(l.percentile(95.0), Some(95));
        assert_eq!(l.percentile(99.0), Some(99));
        assert_eq!(l.percentile(99.5), Some(100));
        assert_eq!(l.percentile(100.0), Some(100));
        assert_eq!(l.max(), Some(100));
    }

    #[test]
    fn one_slow_request_in_a_hundred_is_the_p99_but_not_in_ninety_nine() {
        let mut values = vec![1_000u64; 99];
        values.push(500_000);
        let mut l = of(&values);
        assert_eq!(l.percentile(99.0), Some(1_000));
        assert_eq!(l.percentile(99.9), Some(500_000));
        values.push(500_000);
        let mut l = of(&values);
        assert_eq!(l.percentile(99.0), Some(500_000));
    }

    #[test]
    fn single_sample_is_every_percentile() {
        let mut l = of(&[7]);
        for p in [0.0, 50.0, 99.0, 100.0] {
            assert_eq!(l.percentile(p), Some(7));
        }
    }

    #[test]
    fn summary_is_in_milliseconds() {
        let mut l = of(&[1_500, 2_500, 3_500]);
        let s = l.summary();
        assert_eq!(s.p50_ms, Some(2.5));
        assert_eq!(s.max_ms, Some(3.5));
        assert_eq!(s.mean_ms, Some(2.5));
    }

    #[test]
    fn extend_merges_and_resorts() {
        let mut a = of(&[10, 30]);
        assert_eq!(a.percentile(100.0), Some(30));
        a.extend(&of(&[20, 5]));
        assert_eq!(a.len(), 4);
        assert_eq!(a.percentile(25.0), Some(5));
        assert_eq!(a.percentile(100.0), Some(30));
    }

    #[test]
    fn huge_latencies_saturate() {
        let mut l = of(&[u64::MAX]);
        assert_eq!(l.percentile(50.0), Some(u32::MAX));
    }
}

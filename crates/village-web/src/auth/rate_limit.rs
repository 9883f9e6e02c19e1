//! Sign-in rate limiting: a sliding window of failed attempts per username and per client
//! address. In memory: a restart forgets, which is acceptable for slowing guessing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

const WINDOW_SECS: i64 = 15 * 60;
const PER_USERNAME: usize = 5;
const PER_ADDRESS: usize = 50;
/// Beyond this many tracked keys, old ones are dropped so memory stays bounded.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl RateLimiter {
    /// Seconds to wait before another attempt, if either key is over its limit.
    pub fn blocked_for(&self, username: &str, address: &str, now: i64) -> Option<u64> {
        let Ok(mut map) = self.failures.lock() else {
            return None;
        };
        let mut wait = None;
        for (key, limit) in [
            (format!("u:{username}"), PER_USERNAME),
            (format!("a:{address}"), PER_ADDRESS),
        ] {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now - t >= WINDOW_SECS) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    let oldest = q.front().copied().unwrap_or(now);
                    let w = u64::try_from(WINDOW_SECS - (now - oldest))
                        .unwrap_or(1)
                        .max(1);
                    wait = Some(wait.map_or(w, |x: u64| x.max(w)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, username: &str, address: &str, now: i64) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > MAX_KEYS {
            map.retain(|_, q| q.back().is_some_and(|t| now - t < WINDOW_SECS));
        }
        for key in [format!("u:{username}"), format!("a:{address}")] {
            map.entry(key).or_default().push_back(now);
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("u:{username}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_the_username_for_the_window() {
        let r = RateLimiter::default();
        for i in 0..5 {
            assert!(r.blocked_for("amy", "1.2.3.4", 100 + i).is_none());
            r.record_failure("amy", "1.2.3.4", 100 + i);
        }
        assert!(r.blocked_for("amy", "9.9.9.9", 110).is_some());
        assert!(r.blocked_for("bob", "9.9.9.9", 110).is_none());
        assert!(r
            .blocked_for("amy", "9.9.9.9", 100 + WINDOW_SECS + 5)
            .is_none());
    }

    #[test]
    fn success_clears_the_username() {
        let r = RateLimiter::default();
        for i in 0..5 {
            r.record_failure("amy", "a", i);
        }
        r.record_success("amy");
        assert!(r.blocked_for("amy", "b", 10).is_none());
    }
}

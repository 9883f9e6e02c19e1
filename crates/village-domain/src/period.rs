//! Time-bounded facts. Relationships, roles and group memberships all hold only for a period.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A half-open span of time `[start, end)`. `end: None` means "until further notice".
///
/// Half-open so that ending something "now" takes effect at once: a relationship ended at
/// `t` no longer holds at `t`, which is what makes revocation effective on the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

impl Period {
    pub fn from(start: Timestamp) -> Self {
        Self { start, end: None }
    }

    pub fn between(start: Timestamp, end: Timestamp) -> Self {
        Self {
            start,
            end: Some(end),
        }
    }

    pub fn holds_at(&self, t: Timestamp) -> bool {
        self.start <= t && self.end.is_none_or(|end| t < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn half_open() {
        let p = Period::between(ts(10), ts(20));
        assert!(!p.holds_at(ts(9)));
        assert!(p.holds_at(ts(10)));
        assert!(p.holds_at(ts(19)));
        assert!(!p.holds_at(ts(20)), "ended at 20 means gone at 20");
        assert!(Period::from(ts(10)).holds_at(ts(i32::MAX as i64)));
    }
}

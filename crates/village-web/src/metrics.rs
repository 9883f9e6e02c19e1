//! Prometheus metrics: requests by route and status, and a latency histogram. Hand-rolled
//! because it is a few counters; the text format is the Prometheus exposition format 0.0.4.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS_MS: [f64; 12] = [
    1.0, 2.5, 5.0, 10.0, 20.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 10000.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS_MS.len()],
    sum_ms: f64,
    total: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, ms: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_string()).or_default();
            for (i, b) in BUCKETS_MS.iter().enumerate() {
                if ms <= *b {
                    if let Some(c) = h.counts.get_mut(i) {
                        *c += 1;
                    }
                }
            }
            h.sum_ms += ms;
            h.total += 1;
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP village_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE village_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                out.push_str(&format!(
                    "village_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}\n"
                ));
            }
        }
        out.push_str("# HELP village_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE village_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                for (i, b) in BUCKETS_MS.iter().enumerate() {
                    let n = h.counts.get(i).copied().unwrap_or(0);
                    out.push_str(&format!(
                        "village_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{}\"}} {n}\n",
                        b / 1000.0
                    ));
                }
                out.push_str(&format!(
                    "village_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n",
                    h.total
                ));
                out.push_str(&format!(
                    "village_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n",
                    h.sum_ms / 1000.0
                ));
                out.push_str(&format!(
                    "village_http_request_duration_seconds_count{{route=\"{route}\"}} {}\n",
                    h.total
                ));
            }
        }
        out
    }
}

/// Middleware: times each request and counts it under its route pattern (never the raw
/// path, which would hold learner ids).
pub async fn track(State(state): State<crate::AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    state
        .metrics
        .observe(&method, &route, resp.status().as_u16(), ms);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/learners/{id}", 200, 3.0);
        m.observe("GET", "/learners/{id}", 404, 30.0);
        let text = m.render();
        assert!(text.contains(
            "village_http_requests_total{method=\"GET\",route=\"/learners/{id}\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "village_http_request_duration_seconds_bucket{route=\"/learners/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text
            .contains("village_http_request_duration_seconds_count{route=\"/learners/{id}\"} 2"));
    }
}

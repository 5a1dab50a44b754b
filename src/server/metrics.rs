//! Prometheus metrics for `GET /metrics`, in the text exposition format (version 0.0.4), written
//! by hand: a few counters, gauges and histograms do not justify a metrics framework.
//!
//! Label values are bounded and never carry raw client text: routes are the router's matched
//! paths (or `unmatched`), methods are the nine standard ones (anything else is `other`, see
//! [`method_label`]), statuses are HTTP codes, verdicts come from closed enums (anything else is
//! `other`, see [`verdict_label`]). So the series count is bounded too, whatever clients send.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Latency histogram bucket upper bounds, seconds: from a cached-verdict 5 ms up to the default
/// 60 s deadline, dense around the 250 ms p99 target of /v1/verify.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

/// All server metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, method, status) → count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route → latency histogram
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// (route, verdict) → count
    verdicts: Mutex<BTreeMap<(String, String), u64>>,
    rate_limited: AtomicU64,
}

/// A point-in-time gauge reading supplied at render time.
#[derive(Debug, Clone)]
pub struct RouteGauges {
    pub route: &'static str,
    pub queued: usize,
    pub running: usize,
    pub workers: usize,
    /// Requests whose client went away while their work ran (a counter).
    pub abandoned: u64,
}

/// The `method` label of a request: one of the nine standard methods, or `other`. A client can
/// send any token as a method (`FOO`, 8 KiB of letters); counting each verbatim would let
/// unauthenticated clients grow `/metrics` (and our memory) without bound.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// Longest verdict label kept verbatim; verdict wire names are short enum names.
pub const MAX_VERDICT_LABEL: usize = 32;

/// The `verdict` label: a short `[A-Za-z_]` enum wire name, else `other`. Verdicts come from
/// closed enums today; this keeps the bound even if a future verdict type serialised free text.
pub fn verdict_label(verdict: &str) -> &str {
    let ok = !verdict.is_empty()
        && verdict.len() <= MAX_VERDICT_LABEL
        && verdict
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_');
    if ok {
        verdict
    } else {
        "other"
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Writes one metric family (`kind`: `gauge` or `counter`) with a sample per route.
fn per_route<V: std::fmt::Display>(
    out: &mut String,
    (name, kind, help): (&str, &str, &str),
    gauges: &[RouteGauges],
    value: impl Fn(&RouteGauges) -> V,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for g in gauges {
        let _ = writeln!(out, "{name}{{route=\"{}\"}} {}", g.route, value(g));
    }
}

/// Escapes a label value per the exposition format.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one finished request. `route` must be a matched route pattern or `unmatched`
    /// (never the raw path); `method` is reduced to [`method_label`].
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        *lock(&self.requests)
            .entry((route.to_string(), method_label(method).to_string(), status))
            .or_insert(0) += 1;
        let secs = elapsed.as_secs_f64();
        let mut lat = lock(&self.latency);
        let h = lat.entry(route.to_string()).or_insert_with(|| Histogram {
            counts: vec![0; LATENCY_BUCKETS.len()],
            ..Histogram::default()
        });
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Records a verdict returned by a route (`verified`, `flagged`, `AC`, `TLE`, …).
    pub fn observe_verdict(&self, route: &str, verdict: &str) {
        *lock(&self.verdicts)
            .entry((route.to_string(), verdict_label(verdict).to_string()))
            .or_insert(0) += 1;
    }

    pub fn observe_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Total requests seen with this route and status (tests and logs).
    pub fn request_count(&self, route: &str, status: u16) -> u64 {
        lock(&self.requests)
            .iter()
            .filter(|((r, _, s), _)| r == route && *s == status)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Renders the exposition text. `worker_restarts` comes from the verifier's pool.
    pub fn render(&self, gauges: &[RouteGauges], worker_restarts: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP vibecheck_build_info Build information.\n# TYPE vibecheck_build_info gauge\nvibecheck_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out.push_str(
            "# HELP vibecheck_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE vibecheck_http_requests_total counter\n");
        for ((route, method, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "vibecheck_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                esc(route),
                esc(method)
            );
        }
        out.push_str("# HELP vibecheck_http_request_duration_seconds Request latency by route (time to response headers; for SSE, to the first byte).\n");
        out.push_str("# TYPE vibecheck_http_request_duration_seconds histogram\n");
        for (route, h) in lock(&self.latency).iter() {
            let r = esc(route);
            for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "vibecheck_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "vibecheck_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}\nvibecheck_http_request_duration_seconds_sum{{route=\"{r}\"}} {}\nvibecheck_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        out.push_str("# HELP vibecheck_verdicts_total Verdicts returned, by route and verdict.\n");
        out.push_str("# TYPE vibecheck_verdicts_total counter\n");
        for ((route, verdict), n) in lock(&self.verdicts).iter() {
            let _ = writeln!(
                out,
                "vibecheck_verdicts_total{{route=\"{}\",verdict=\"{}\"}} {n}",
                esc(route),
                esc(verdict)
            );
        }
        per_route(
            &mut out,
            (
                "vibecheck_queue_depth",
                "gauge",
                "Requests waiting for a worker slot, by route.",
            ),
            gauges,
            |g| g.queued,
        );
        per_route(
            &mut out,
            (
                "vibecheck_in_flight",
                "gauge",
                "Requests holding a worker slot, by route.",
            ),
            gauges,
            |g| g.running,
        );
        per_route(
            &mut out,
            (
                "vibecheck_workers",
                "gauge",
                "Worker slots per route (--workers).",
            ),
            gauges,
            |g| g.workers,
        );
        per_route(
            &mut out,
            (
                "vibecheck_abandoned_total",
                "counter",
                "Requests whose client disconnected while their work ran; the work was cancelled.",
            ),
            gauges,
            |g| g.abandoned,
        );
        let _ = writeln!(
            out,
            "# HELP vibecheck_worker_restarts_total Numeric verification worker processes restarted after dying.\n# TYPE vibecheck_worker_restarts_total counter\nvibecheck_worker_restarts_total {worker_restarts}"
        );
        let _ = writeln!(
            out,
            "# HELP vibecheck_rate_limited_total Requests refused with 429.\n# TYPE vibecheck_rate_limited_total counter\nvibecheck_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_cumulative_buckets_and_labels() {
        let m = Metrics::new();
        m.observe_request("/v1/verify", "POST", 200, Duration::from_millis(30));
        m.observe_request("/v1/verify", "POST", 200, Duration::from_millis(300));
        m.observe_request("/v1/verify", "POST", 401, Duration::from_millis(1));
        m.observe_verdict("/v1/verify", "verified");
        let text = m.render(
            &[RouteGauges {
                route: "/v1/verify",
                queued: 3,
                running: 2,
                workers: 2,
                abandoned: 1,
            }],
            7,
        );
        assert!(text.contains(
            "vibecheck_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "vibecheck_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "vibecheck_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.25\"} 2"
        ));
        assert!(text.contains(
            "vibecheck_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.5\"} 3"
        ));
        assert!(text.contains("vibecheck_queue_depth{route=\"/v1/verify\"} 3"));
        assert!(text.contains("# TYPE vibecheck_abandoned_total counter"));
        assert!(text.contains("vibecheck_abandoned_total{route=\"/v1/verify\"} 1"));
        assert!(text.contains("vibecheck_worker_restarts_total 7"));
        assert!(
            text.contains("vibecheck_verdicts_total{route=\"/v1/verify\",verdict=\"verified\"} 1")
        );
        assert_eq!(m.request_count("/v1/verify", 401), 1);
    }

    #[test]
    fn client_text_never_becomes_a_label() {
        let m = Metrics::new();
        for i in 0..1000 {
            m.observe_request("unmatched", &format!("X{i}"), 405, Duration::ZERO);
            m.observe_verdict("/v1/verify", &format!("free text {i}"));
        }
        m.observe_request("unmatched", "GET", 404, Duration::ZERO);
        let text = m.render(&[], 0);
        assert!(text.contains(
            "vibecheck_http_requests_total{route=\"unmatched\",method=\"other\",status=\"405\"} 1000"
        ));
        assert!(text.contains("method=\"GET\""));
        assert!(!text.contains("X1"), "{text}");
        assert_eq!(text.matches("verdict=\"other\"").count(), 1);
        assert_eq!(method_label("get"), "other", "methods are case-sensitive");
        assert_eq!(verdict_label("AC"), "AC");
    }
}

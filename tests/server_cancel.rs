//! Judge work is cancelled, not only answered, at the request deadline (issue 10): the real
//! `vibecheck serve` binary on loopback with one judge slot, real clang and wasmtime.
//!
//! The request that overruns: a custom checker that spins forever on each of 10 tests. Each
//! checker run has its own limit (`CHECKER_LIMITS`, 10 s of CPU), so the work would hold the
//! slot for 100 s or more, while the request's budget (two compiles at 20 s + 10 × 2 × 50 ms)
//! fits the 41 s deadline, so the server accepts it. Whether the slot is freed at the deadline
//! is observed through the next request, not through timing: sent once the first has been
//! answered 504, it gets its own 41 s; if the first request's work went on, the slot would stay
//! held for a minute or more past that, and the second request would be a 504 too.

mod common;

use common::*;
use serde_json::json;

/// The deadline of the test server: the smallest that admits a custom-checker request.
const DEADLINE_SECS: &str = "41";

const ADD_C: &str = "#include <stdio.h>\nint main(void){ long a, b; \
                     if (scanf(\"%ld %ld\", &a, &b) != 2) return 1; \
                     printf(\"%ld\\n\", a + b); return 0; }\n";
const SPIN_CHECKER: &str =
    "int main(int argc, char **argv){ volatile unsigned long x = 0; for(;;) x++; }\n";

#[test]
fn a_request_past_its_deadline_frees_the_judge_slot_for_the_next() {
    let srv = ServerProcess::start(
        &["--no-auth", "--workers", "1", "--deadline", DEADLINE_SECS],
        &[],
    )
    .unwrap();
    let addr = srv.addr;
    let tests: Vec<_> = (1..=10)
        .map(|i| json!({"input": format!("{i} 1\n"), "answer": format!("{}\n", i + 1)}))
        .collect();
    let first = post_json(
        addr,
        "/v1/judge",
        None,
        &json!({"source": ADD_C, "language": "c", "tests": tests,
                "checker": {"custom": SPIN_CHECKER}, "limits": {"time_ms": 50}}),
    );
    assert_eq!(first.status, 504, "{}", first.text());
    assert_eq!(first.error_code(), "deadline_exceeded");

    let second = post_json(
        addr,
        "/v1/judge",
        None,
        &json!({"source": ADD_C, "language": "c",
                "tests": [{"input": "40 2\n", "answer": "42\n"}]}),
    );
    assert_eq!(
        second.status,
        200,
        "the slot was still held by the first request's work: {}",
        second.text()
    );
    assert_eq!(second.json()["verdict"], "AC", "{}", second.text());
    let m = get(addr, "/metrics").text();
    assert_eq!(
        metric(&m, "vibecheck_in_flight{route=\"/v1/judge\"}"),
        Some(0.0),
        "{m}"
    );
}

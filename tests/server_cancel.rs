//! Work is cancelled, not only answered, at the request deadline (issue 10) and when the client
//! hangs up: the real `vibecheck serve` binary on loopback with one worker slot, real clang and
//! wasmtime, and for `/v1/solve` a scripted OpenAI-compatible model on loopback.
//!
//! The request that overruns: a custom checker that spins forever on each of 10 tests. Each
//! checker run has its own limit (`CHECKER_LIMITS`, 10 s of CPU), so the work would hold the
//! slot for 100 s or more, while the request's budget (two compiles at 20 s + 10 × 2 × 50 ms)
//! fits the 41 s deadline, so the server accepts it. Whether the slot is freed at the deadline
//! is observed through the next request, not through timing: sent once the first has been
//! answered 504, it gets its own 41 s; if the first request's work went on, the slot would stay
//! held for a minute or more past that, and the second request would be a 504 too.

mod common;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing;
use axum::{Json, Router};
use common::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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

/// What the scripted model answers to one prompt.
#[derive(Clone, Copy)]
enum Reply {
    /// This text, streamed line by line, then the end of the stream.
    Text(&'static str),
    /// A token every few milliseconds, forever (until the client closes the connection).
    Endless,
}

/// An OpenAI-compatible chat server on loopback that answers every prompt by `answer`, always
/// as an event stream (vibecheck streams by default), and counts its open endless streams.
struct Model {
    url: String,
    open_streams: Arc<AtomicUsize>,
    _upstream: Upstream,
}

#[derive(Clone)]
struct ModelState {
    answer: fn(&str) -> Reply,
    open_streams: Arc<AtomicUsize>,
}

impl Model {
    fn start(answer: fn(&str) -> Reply) -> Model {
        let open_streams = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/v1/chat/completions", routing::post(completions))
            .route(
                "/v1/models",
                routing::get(|| async { Json(json!({"data": [{"id": "scripted"}]})) }),
            )
            .with_state(ModelState {
                answer,
                open_streams: open_streams.clone(),
            });
        let upstream = Upstream::start(app);
        Model {
            url: format!("http://{}/v1", upstream.addr),
            open_streams,
            _upstream: upstream,
        }
    }

    /// `vibecheck serve` with one worker slot and this model as its backend.
    fn serve(&self) -> ServerProcess {
        let args = ["--no-auth", "--workers", "1", "--openai-url", &self.url];
        let model = ["--openai-model", "scripted"];
        ServerProcess::start(&[&args[..], &model[..]].concat(), &[]).unwrap()
    }
}

/// Counts one open endless stream while it lives.
struct OpenStream(Arc<AtomicUsize>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let c = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {c}\n\n")
}

async fn completions(State(st): State<ModelState>, Json(body): Json<Value>) -> Response {
    let sse = [(header::CONTENT_TYPE, "text/event-stream")];
    match (st.answer)(&body["messages"].to_string()) {
        Reply::Text(text) => {
            let mut out: String = text
                .split_inclusive('\n')
                .map(|piece| chunk(json!({"content": piece}), None))
                .collect();
            out.push_str(&chunk(json!({}), Some("stop")));
            out.push_str("data: [DONE]\n\n");
            (sse, out).into_response()
        }
        Reply::Endless => {
            st.open_streams.fetch_add(1, Ordering::SeqCst);
            let open = OpenStream(st.open_streams.clone());
            // Every piece differs: the same piece over and over is a loop that vibecheck's
            // loop detector ends by itself, and on a busy machine that could end the solve
            // before the client hangs up.
            let tokens = futures_util::stream::unfold((open, 0u64), |(open, k)| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let piece = chunk(json!({"content": format!("step {k} ")}), None);
                Some((Ok::<_, std::convert::Infallible>(piece), (open, k + 1)))
            });
            (sse, axum::body::Body::from_stream(tokens)).into_response()
        }
    }
}

/// The series of one route's metric.
fn series(name: &str, route: &str) -> String {
    format!("{name}{{route=\"{route}\"}}")
}

/// Waits until `route`'s slot is free again and one request there counts as abandoned.
fn wait_slot_freed_by_hang_up(addr: std::net::SocketAddr, route: &str) -> String {
    let (running, abandoned) = (
        series("vibecheck_in_flight", route),
        series("vibecheck_abandoned_total", route),
    );
    wait_metrics(addr, "the slot freed by the hang-up", |m| {
        metric(m, &running) == Some(0.0) && metric(m, &abandoned) == Some(1.0)
    })
}

/// A judge whose checker spins on each of 64 tests would hold the one slot for the whole
/// 600 s deadline; the client hangs up while it runs, and the slot is free again (the
/// request counted as abandoned) long before.
#[test]
fn a_client_that_hangs_up_on_a_judge_frees_its_slot() {
    let srv =
        ServerProcess::start(&["--no-auth", "--workers", "1", "--deadline", "600"], &[]).unwrap();
    let tests: Vec<_> = (1..=64)
        .map(|i| json!({"input": format!("{i} 1\n"), "answer": format!("{}\n", i + 1)}))
        .collect();
    let body = json!({"source": ADD_C, "language": "c", "tests": tests,
                      "checker": {"custom": SPIN_CHECKER}, "limits": {"time_ms": 50}});
    let client = OpenResponse::post_json(srv.addr, "/v1/judge", &body);
    let judge_running = series("vibecheck_in_flight", "/v1/judge");
    wait_metrics(srv.addr, "the judge holding its slot", |m| {
        metric(m, &judge_running) == Some(1.0)
    });
    drop(client);
    let m = wait_slot_freed_by_hang_up(srv.addr, "/v1/judge");
    assert_eq!(
        metric(
            &m,
            "vibecheck_verdicts_total{route=\"/v1/judge\",verdict=\"AC\"}"
        ),
        None,
        "{m}"
    );
}

/// The code problem of the solve test: the solution passes its test, then the stress test
/// runs 100 iterations against a brute force that sleeps 5 s each (within its 10 s limit).
const DOUBLE_PROBLEM: &str = "Read n and print 2n.";

fn double_model(prompt: &str) -> Reply {
    if prompt.contains("brute-force") {
        Reply::Text("```python\nimport time\ntime.sleep(5)\nprint(2 * int(input()))\n```\n")
    } else if prompt.contains("random, valid") {
        Reply::Text("```python\nimport sys\nprint(int(sys.argv[1]) % 10 + 1)\n```\n")
    } else {
        Reply::Text("```python\nprint(2 * int(input()))\n```\n")
    }
}

/// A solve whose stress test would sleep in the sandbox for 500 s: the client hangs up once an
/// iteration has run, and the sandbox work stops: the one solve slot is free again and the
/// request counts as abandoned.
#[test]
fn a_client_that_hangs_up_on_a_solve_stops_its_sandbox_work() {
    let model = Model::start(double_model);
    let srv = model.serve();
    let body = json!({"problem": DOUBLE_PROBLEM, "kind": "code", "attempts": 1,
                      "tests": [{"input": "3\n", "answer": "6\n"}]});
    let mut client = OpenResponse::post_json(srv.addr, "/v1/solve", &body);
    client.read_until("a stress iteration", |s| s.contains("\"stress: "));
    drop(client);
    wait_slot_freed_by_hang_up(srv.addr, "/v1/solve");
}

/// A model that never stops writing: the client hangs up during generation, and generation
/// stops (the model's stream is closed by vibecheck), the slot is free again.
#[test]
fn a_client_that_hangs_up_on_a_solve_stops_generation() {
    let model = Model::start(|_| Reply::Endless);
    let srv = model.serve();
    let body = json!({"problem": "What is 2 + 2?", "kind": "math", "attempts": 1});
    let mut client = OpenResponse::post_json(srv.addr, "/v1/solve", &body);
    client.read_until("streamed tokens", |s| s.contains("\"tokens\""));
    assert_eq!(model.open_streams.load(Ordering::SeqCst), 1);
    drop(client);
    wait_slot_freed_by_hang_up(srv.addr, "/v1/solve");
    procs::wait_for("the model's stream closed", || {
        model.open_streams.load(Ordering::SeqCst) == 0
    });
}

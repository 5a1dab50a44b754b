//! The HTTP API over real HTTP on loopback: the router on real sockets (in-process, sharing one
//! real Verifier and Sandbox) and the real `vibecheck serve` binary (shutdown, CLI checks).
//! Nothing is mocked: verdicts come from sympy/Z3 workers and the wasmtime sandbox.

mod common;

use common::*;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use vibecheck::server::{self, auth, AppState, Engines, KeySet, ServerConfig};

const KEY: &str = "test-key-alpha";

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// One real verifier + sandbox for every in-process server of this test binary.
fn engines() -> Arc<Engines> {
    static E: OnceLock<Arc<Engines>> = OnceLock::new();
    E.get_or_init(|| {
        std::env::set_var("VIBECHECK_WORKER_EXE", env!("CARGO_BIN_EXE_vibecheck"));
        Arc::new(Engines::start(2, None).expect("starting the verifier and sandbox"))
    })
    .clone()
}

struct Srv {
    addr: SocketAddr,
    state: Arc<AppState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn keys() -> KeySet {
    KeySet::parse_file_text(&format!("# test\n{}\n", auth::hash_key(KEY)), "test").unwrap()
}

fn start(config: ServerConfig, keys: KeySet) -> Srv {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let addr = l.local_addr().unwrap();
    let state = AppState::new(config, keys, engines());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    rt().spawn(async move {
        let listener = tokio::net::TcpListener::from_std(l).unwrap();
        server::serve(listener, st, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Srv {
        addr,
        state,
        _stop: tx,
    }
}

fn config() -> ServerConfig {
    ServerConfig {
        workers: 2,
        ..ServerConfig::default()
    }
}

/// The shared default server (auth on, default limits).
fn srv() -> &'static Srv {
    static S: OnceLock<Srv> = OnceLock::new();
    S.get_or_init(|| start(config(), keys()))
}

fn openapi() -> Value {
    vibecheck::server::openapi::document()
}

fn assert_schema(schema: &str, v: &Value) {
    if let Err(e) = vibecheck::server::openapi::validate(&openapi(), schema, v) {
        panic!("response does not match OpenAPI schema {schema}: {e}\n{v:#}");
    }
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_schema("Error", &r.json());
    assert_eq!(r.error_code(), code, "{}", r.text());
    assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
}

/// A typical grade-school solution with one arithmetic slip (step 3).
fn flawed_steps() -> Value {
    json!({
        "problem": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
        "steps": [
            "In April Natalia sold 48 clips.",
            "In May she sold half as many: 48 / 2 = 24 clips.",
            "Altogether she sold 48 + 24 = 82 clips.",
            "The answer is 82."
        ],
        "reference": "72"
    })
}

#[test]
fn verify_happy_path_flags_the_wrong_step_with_evidence() {
    let s = srv();
    let r = post_json(s.addr, "/v1/verify", Some(KEY), &flawed_steps());
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_schema("VerifyReport", &v);
    assert_eq!(v["verdict"], "flagged");
    assert_eq!(v["first_error"], 2, "{v:#}");
    assert_eq!(v["steps"].as_array().unwrap().len(), 4);
    assert_eq!(v["steps"][1]["verdict"], "verified", "{v:#}");
    let bad = &v["steps"][2];
    assert_eq!(bad["verdict"], "refuted", "{v:#}");
    let check = bad["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verdict"] == "refuted")
        .expect("a refuted check");
    assert!(
        !check["evidence"]["summary"].as_str().unwrap().is_empty(),
        "evidence must say why: {check:#}"
    );
    assert_eq!(v["answer"]["equivalent"], false);

    // The same solution as free text, corrected, with the reference: verified.
    let r = post_json(
        s.addr,
        "/v1/verify",
        Some(KEY),
        &json!({
            "solution": "In May she sold 48 / 2 = 24 clips.\nAltogether 48 + 24 = 72 clips.\n#### 72",
            "reference": "72"
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_schema("VerifyReport", &v);
    assert_eq!(v["verdict"], "verified", "{v:#}");
    assert_eq!(v["answer_evidence"], "reference", "{v:#}");
    assert_eq!(v["first_error"], Value::Null);
    assert_eq!(v["answer"]["equivalent"], true, "{v:#}");

    // Without a reference: every step holds, but the answer is not established.
    let r = post_json(
        s.addr,
        "/v1/verify",
        Some(KEY),
        &json!({
            "solution": "In May she sold 48 / 2 = 24 clips.\nAltogether 48 + 24 = 72 clips.\n#### 72"
        }),
    );
    let v = r.json();
    assert_schema("VerifyReport", &v);
    assert_eq!(v["verdict"], "no_errors_found", "{v:#}");
    assert_eq!(v["answer_evidence"], Value::Null);
    assert_eq!(v["coverage"]["steps_checked"], 2, "{v:#}");
    assert_eq!(v["coverage"]["by_checker"]["numeric"], 2, "{v:#}");

    // The problem states an equation: the answer substituted back establishes it, or refutes
    // it with the computed value.
    for (answer, verdict) in [("2", "verified"), ("3", "flagged")] {
        let r = post_json(
            s.addr,
            "/v1/verify",
            Some(KEY),
            &json!({
                "problem": "Solve $2x + 3 = 7$.",
                "solution": format!("Subtract 3 and halve.\n\\boxed{{{answer}}}")
            }),
        );
        let v = r.json();
        assert_schema("VerifyReport", &v);
        assert_eq!(v["verdict"], verdict, "{v:#}");
        let c = &v["answer"]["checks"][0];
        assert_eq!(c["checker"], "substitution", "{v:#}");
        if verdict == "verified" {
            assert_eq!(v["answer_evidence"], "substitution");
        } else {
            assert!(c["evidence"].to_string().contains('9'), "2·3+3 = 9: {c}");
        }
    }
}

#[test]
fn verify_input_errors_are_422_with_useful_messages() {
    let s = srv();
    let h = [("Authorization", "Bearer test-key-alpha")];
    let r = request(
        s.addr,
        "POST",
        "/v1/verify",
        &h,
        Some(b"{\"steps\": [\"1+1=2\""),
    )
    .unwrap();
    assert_error(&r, 422, "invalid_json");
    assert!(r.text().contains("line 1"), "{}", r.text());

    let r = post_json(s.addr, "/v1/verify", Some(KEY), &json!({"steps": [1, 2]}));
    assert_error(&r, 422, "invalid_request");
    assert!(r.text().contains("steps[0]"), "{}", r.text());

    let r = post_json(s.addr, "/v1/verify", Some(KEY), &json!({"problem": "p"}));
    assert_error(&r, 422, "invalid_request");
    assert!(
        r.text().contains("steps") && r.text().contains("solution"),
        "{}",
        r.text()
    );

    let r = post_json(
        s.addr,
        "/v1/verify",
        Some(KEY),
        &json!({"solutoin": "1+1=2"}),
    );
    assert_error(&r, 422, "invalid_request");
    assert!(r.text().contains("solutoin"), "{}", r.text());
}

#[test]
fn auth_is_required_on_v1_and_keys_are_checked() {
    let s = srv();
    let body = json!({"steps": ["2 + 2 = 4"]});
    let r = post_json(s.addr, "/v1/verify", None, &body);
    assert_error(&r, 401, "unauthorized");
    let r = post_json(s.addr, "/v1/verify", Some("wrong-key"), &body);
    assert_error(&r, 401, "unauthorized");
    let r = request(
        s.addr,
        "POST",
        "/v1/judge",
        &[("Authorization", "Basic dGVzdDp0ZXN0")],
        Some(b"{}"),
    )
    .unwrap();
    assert_error(&r, 401, "unauthorized");
    let r = post_json(s.addr, "/v1/verify", Some(KEY), &body);
    assert_eq!(r.status, 200, "{}", r.text());
    // Public routes.
    let h = get(s.addr, "/healthz");
    assert_eq!(h.status, 200);
    assert_schema("Health", &h.json());
    assert_eq!(h.json()["auth"], true);
    assert_eq!(h.json()["model"], Value::Null);
}

#[test]
fn body_limit_is_413() {
    let s = start(
        ServerConfig {
            max_body: 1024,
            ..config()
        },
        keys(),
    );
    let big = json!({"solution": "1 + 1 = 2\n".repeat(500)});
    let r = post_json(s.addr, "/v1/verify", Some(KEY), &big);
    assert_error(&r, 413, "payload_too_large");
    let small = json!({"solution": "1 + 1 = 2"});
    assert_eq!(
        post_json(s.addr, "/v1/verify", Some(KEY), &small).status,
        200
    );
}

#[test]
fn rate_limit_is_per_key_with_retry_after() {
    let other = "test-key-beta";
    let ks = KeySet::parse_file_text(
        &format!("{}\n{}\n", auth::hash_key(KEY), auth::hash_key(other)),
        "test",
    )
    .unwrap();
    // One token per 1000 s, burst 2: the third request of a key is refused.
    let s = start(
        ServerConfig {
            rate: 0.001,
            burst: 2,
            ..config()
        },
        ks,
    );
    let body = json!({"steps": ["3 * 4 = 12"]});
    for _ in 0..2 {
        assert_eq!(
            post_json(s.addr, "/v1/verify", Some(KEY), &body).status,
            200
        );
    }
    let r = post_json(s.addr, "/v1/verify", Some(KEY), &body);
    assert_error(&r, 429, "rate_limited");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    // Another key is not affected.
    assert_eq!(
        post_json(s.addr, "/v1/verify", Some(other), &body).status,
        200
    );
    let m = get(s.addr, "/metrics").text();
    assert_eq!(metric(&m, "vibecheck_rate_limited_total"), Some(1.0), "{m}");
}

#[test]
fn no_model_solve_is_503_with_a_clear_message() {
    let s = srv();
    let r = post_json(
        s.addr,
        "/v1/solve",
        Some(KEY),
        &json!({"problem": "What is 2+2?"}),
    );
    assert_error(&r, 503, "no_model");
    assert!(
        r.text().contains("--model") && r.text().contains("--openai-url"),
        "{}",
        r.text()
    );
}

#[test]
fn unknown_routes_and_methods_are_json_errors() {
    let s = srv();
    assert_error(&get(s.addr, "/v2/nothing"), 404, "not_found");
    assert_error(&get(s.addr, "/v1/verify"), 405, "method_not_allowed");
}

#[test]
fn openapi_document_and_web_page_are_served() {
    let s = srv();
    let r = get(s.addr, "/openapi.json");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for p in [
        "/v1/verify",
        "/v1/judge",
        "/v1/solve",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "missing {p}");
    }
    let page = get(s.addr, "/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().contains("/v1/verify"));
}

const ADD_C: &str = "#include <stdio.h>\nint main(void){long a,b; if(scanf(\"%ld %ld\",&a,&b)!=2) return 1; printf(\"%ld\\n\",a+b); return 0;}\n";

#[test]
fn judge_happy_path_and_compile_error() {
    let s = srv();
    let r = post_json(
        s.addr,
        "/v1/judge",
        Some(KEY),
        &json!({
            "source": ADD_C, "language": "c",
            "tests": [{"name": "small", "input": "1 2\n", "answer": "3\n"},
                      {"input": "40 2\n", "answer": "41\n"}]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_schema("JudgeReport", &v);
    assert_eq!(v["verdict"], "WA", "{v:#}");
    assert_eq!(v["tests"][0]["name"], "small");
    assert_eq!(v["tests"][0]["verdict"], "AC", "{v:#}");
    assert_eq!(v["tests"][1]["name"], "2");
    assert_eq!(v["tests"][1]["verdict"], "WA", "{v:#}");

    let r = post_json(
        s.addr,
        "/v1/judge",
        Some(KEY),
        &json!({"source": "int main( {", "language": "cpp", "tests": [{"input": ""}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_schema("JudgeReport", &v);
    assert_eq!(v["verdict"], "CE");
    assert!(
        v["compile_output"].as_str().is_some_and(|s| !s.is_empty()),
        "{v:#}"
    );

    let r = post_json(
        s.addr,
        "/v1/judge",
        Some(KEY),
        &json!({"source": ADD_C, "language": "c", "tests": [{"input": ""}], "limits": {"time_ms": 999999}}),
    );
    assert_error(&r, 422, "invalid_request");
    assert!(r.text().contains("limits.time_ms"), "{}", r.text());
    let r = post_json(
        s.addr,
        "/v1/judge",
        Some(KEY),
        &json!({"source": ADD_C, "language": "fortran", "tests": []}),
    );
    assert_error(&r, 422, "invalid_request");
    assert!(r.text().contains("language"), "{}", r.text());
}

const SPIN_C: &str = "int main(void){ volatile unsigned long x = 0; for(;;) x++; }\n";
/// Keeps every block reachable and read, so the allocations cannot be optimised away.
const MEMBOMB_C: &str = "#include <stdlib.h>\n#include <string.h>\nint main(void){ char **head = 0; volatile unsigned long sum = 0; for(;;){ char **p = malloc(1<<20); if(!p) return 3; memset(p, 7, 1<<20); *p = (char *)head; head = p; sum += ((char *)p)[4096]; } }\n";
const FLOOD_C: &str = "#include <stdio.h>\nint main(void){ for(;;) fputs(\"flood flood flood flood\\n\", stdout); }\n";

/// Hostile judge requests return their verdicts while other requests keep being served.
#[test]
fn hostile_judge_requests_get_verdicts_and_do_not_stall_the_server() {
    let s = start(
        ServerConfig {
            workers: 3,
            ..config()
        },
        keys(),
    );
    let addr = s.addr;
    let hostile = |src: &'static str, time_ms: u64| {
        std::thread::spawn(move || {
            post_json(
                addr,
                "/v1/judge",
                Some(KEY),
                &json!({"source": src, "language": "c", "tests": [{"input": ""}],
                        "limits": {"time_ms": time_ms, "memory_mb": 64, "output_bytes": 65536}}),
            )
        })
    };
    // The spin loop gets the longest limit so it is still running while we check the others.
    let spin = hostile(SPIN_C, 10_000);
    wait_metrics(addr, "the spin loop holding a judge slot", |m| {
        metric(m, "vibecheck_in_flight{route=\"/v1/judge\"}") >= Some(1.0)
    });
    let bomb = hostile(MEMBOMB_C, 5_000);
    let flood = hostile(FLOOD_C, 5_000);
    // Meanwhile: health checks and real verifications are answered.
    for _ in 0..5 {
        assert_eq!(get(addr, "/healthz").status, 200);
    }
    let r = post_json(addr, "/v1/verify", Some(KEY), &flawed_steps());
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "flagged");
    assert!(
        !spin.is_finished(),
        "the spin loop (10 s limit) finished before the other requests were served"
    );
    let verdict = |h: std::thread::JoinHandle<Resp>| {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        assert_schema("JudgeReport", &r.json());
        r.json()["verdict"].as_str().unwrap().to_string()
    };
    assert_eq!(verdict(spin), "TLE");
    assert_eq!(verdict(bomb), "MLE");
    assert_eq!(verdict(flood), "OLE");
    let m = get(addr, "/metrics").text();
    for v in ["TLE", "MLE", "OLE"] {
        let series = format!("vibecheck_verdicts_total{{route=\"/v1/judge\",verdict=\"{v}\"}}");
        assert_eq!(metric(&m, &series), Some(1.0), "{m}");
    }
}

/// One worker, one queue place: the third concurrent request is refused with 503.
#[test]
fn full_queue_is_503() {
    let s = start(
        ServerConfig {
            workers: 1,
            queue: 1,
            ..config()
        },
        keys(),
    );
    let addr = s.addr;
    let spin = |ms: u64| {
        std::thread::spawn(move || {
            post_json(
                addr,
                "/v1/judge",
                Some(KEY),
                &json!({"source": SPIN_C, "language": "c", "tests": [{"input": ""}], "limits": {"time_ms": ms}}),
            )
        })
    };
    let first = spin(4_000);
    wait_metrics(addr, "one judge running", |m| {
        metric(m, "vibecheck_in_flight{route=\"/v1/judge\"}") == Some(1.0)
    });
    let second = spin(1_000);
    wait_metrics(addr, "one judge queued", |m| {
        metric(m, "vibecheck_queue_depth{route=\"/v1/judge\"}") == Some(1.0)
    });
    let third = post_json(
        addr,
        "/v1/judge",
        Some(KEY),
        &json!({"source": ADD_C, "language": "c", "tests": [{"input": "1 1"}]}),
    );
    assert_error(&third, 503, "queue_full");
    assert!(third.header("retry-after").is_some());
    // Other routes have their own gates.
    assert_eq!(
        post_json(
            addr,
            "/v1/verify",
            Some(KEY),
            &json!({"steps": ["2 * 5 = 10"]})
        )
        .status,
        200
    );
    for h in [first, second] {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["verdict"], "TLE");
    }
    assert_eq!(s.state.gates.judge.queued(), 0);
}

#[test]
fn metrics_count_requests_by_route_status_and_verdict() {
    let s = start(config(), keys());
    post_json(s.addr, "/v1/verify", Some(KEY), &flawed_steps());
    post_json(s.addr, "/v1/verify", None, &flawed_steps());
    let m = get(s.addr, "/metrics");
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    let m = m.text();
    let ok = "vibecheck_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"200\"}";
    let unauth =
        "vibecheck_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"401\"}";
    assert_eq!(metric(&m, ok), Some(1.0), "{m}");
    assert_eq!(metric(&m, unauth), Some(1.0), "{m}");
    assert_eq!(
        metric(
            &m,
            "vibecheck_verdicts_total{route=\"/v1/verify\",verdict=\"flagged\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        metric(
            &m,
            "vibecheck_http_request_duration_seconds_count{route=\"/v1/verify\"}"
        ),
        Some(2.0),
        "{m}"
    );
    assert!(m.contains("vibecheck_worker_restarts_total"));
    assert!(m.contains("vibecheck_queue_depth{route=\"/v1/verify\"} 0"));
}

// ------------------------------------------------------------------ the real binary

#[test]
fn binary_refuses_no_auth_off_loopback_and_missing_keys() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(["serve", "--addr", "0.0.0.0:0", "--no-auth"])
        .env_remove("VIBECHECK_API_KEY_HASHES")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--no-auth") && err.contains("loopback"),
        "{err}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("VIBECHECK_API_KEY_HASHES")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--api-keys"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("keys");
    std::fs::write(&keyfile, "plaintext-secret\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(["serve", "--addr", "127.0.0.1:0", "--api-keys"])
        .arg(&keyfile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plaintext") && err.contains(":1"), "{err}");
}

/// SIGTERM: the in-flight request finishes with its verdict, then the process exits 0.
#[test]
fn binary_sigterm_finishes_in_flight_requests() {
    let mut srv = ServerProcess::start(
        &["--workers", "1"],
        &[("VIBECHECK_API_KEY_HASHES", &auth::hash_key(KEY))],
    )
    .unwrap();
    let addr = srv.addr;
    let inflight = std::thread::spawn(move || {
        post_json(
            addr,
            "/v1/judge",
            Some(KEY),
            &json!({"source": SPIN_C, "language": "c", "tests": [{"input": ""}], "limits": {"time_ms": 3000}}),
        )
    });
    wait_metrics(addr, "judge in flight", |m| {
        metric(m, "vibecheck_in_flight{route=\"/v1/judge\"}") == Some(1.0)
    });
    srv.signal("TERM");
    let r = inflight.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["verdict"], "TLE");
    let status = srv.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let lines: Vec<String> = srv.stderr.try_iter().collect();
    assert!(lines.iter().any(|l| l.contains("SIGTERM")), "{lines:?}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still accepting after shutdown"
    );
}

/// A numeric worker killed mid-check fails only its own item: that request still gets a report
/// (the item `unknown`, with the crash as evidence), a concurrent request is verified normally,
/// the pool restarts the worker, and `/metrics` counts the restart.
#[test]
fn binary_killed_numeric_worker_fails_only_its_own_request() {
    let srv = ServerProcess::start(&["--no-auth", "--workers", "2"], &[]).unwrap();
    let addr = srv.addr;
    let pid = srv.child.id();
    // Both workers started, imported sympy and wait for a request (blocked reading stdin).
    let mut workers = Vec::new();
    procs::wait_for("two idle numeric workers", || {
        workers = procs::children_with_arg(pid, "worker");
        workers.len() == 2 && workers.iter().all(|&w| procs::blocked_reading_stdin(w))
    });
    let before: Vec<u64> = workers.iter().map(|&w| procs::bytes_read(w)).collect();
    // sin(10^99999) needs π to ~100k digits: seconds of sympy work in one worker.
    let slow = std::thread::spawn(move || {
        post_json(
            addr,
            "/v1/verify",
            None,
            &json!({"steps": ["sin(10^99999) = 2"]}),
        )
    });
    // The victim is the worker that read the slow request (nothing else reads while idle).
    let mut victim = 0;
    procs::wait_for("a worker to take the slow item", || {
        let took: Vec<u32> = workers
            .iter()
            .zip(&before)
            .filter(|(&w, &b)| procs::bytes_read(w) > b)
            .map(|(&w, _)| w)
            .collect();
        victim = took.first().copied().unwrap_or(0);
        took.len() == 1
    });
    let st = std::process::Command::new("kill")
        .args(["-KILL", &victim.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    // Other requests are served, with real verdicts, while and after the worker dies.
    let other = post_json(addr, "/v1/verify", None, &flawed_steps());
    assert_eq!(other.status, 200, "{}", other.text());
    assert_eq!(other.json()["verdict"], "flagged");
    assert_eq!(other.json()["first_error"], 2);
    let r = slow.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_schema("VerifyReport", &v);
    let check = &v["steps"][0]["checks"][0];
    assert_eq!(check["verdict"], "unknown", "{v:#}");
    assert!(
        check["evidence"]["summary"]
            .as_str()
            .unwrap()
            .contains("died"),
        "{v:#}"
    );
    let m = get(addr, "/metrics").text();
    assert!(
        metric(&m, "vibecheck_worker_restarts_total").unwrap_or(0.0) >= 1.0,
        "{m}"
    );
    let again = post_json(addr, "/v1/verify", None, &json!({"steps": ["7 * 6 = 42"]}));
    assert_eq!(again.status, 200);
    assert_eq!(
        again.json()["verdict"],
        "no_errors_found",
        "{}",
        again.text()
    );
}

/// Splits an SSE body into (event, data) pairs.
fn sse_events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut ev = "message".to_string();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    ev = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            (!data.is_empty()).then_some((ev, data))
        })
        .collect()
}

/// `/v1/solve` on the real candle engine with the tiny random-weight fixture model: progress
/// events stream, then one `report` event in the `solve --json` schema. Gibberish is never
/// `verified`.
#[test]
fn binary_solve_streams_progress_then_the_report() {
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-qwen2");
    require::fixture("tests/fixtures/tiny-qwen2/config.json");
    let srv = ServerProcess::start(
        &[
            "--no-auth",
            "--workers",
            "1",
            "--model",
            model,
            "--max-tokens",
            "24",
            "--cpu",
        ],
        &[],
    )
    .unwrap();
    let h = get(srv.addr, "/healthz").json();
    assert!(h["model"].as_str().is_some_and(|m| !m.is_empty()), "{h}");
    let r = post_json(
        srv.addr,
        "/v1/solve",
        None,
        &json!({"problem": "What is 17 * 23?", "kind": "math", "attempts": 2,
                "system_prompt": "Answer in one line.", "reference": "391"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/event-stream"));
    let events = sse_events(&r.text());
    assert!(
        events.iter().any(|(e, _)| e == "progress"),
        "no progress events: {events:?}"
    );
    let (last_ev, last_data) = events.last().expect("no events");
    assert_eq!(last_ev, "report", "{events:?}");
    let report: Value = serde_json::from_str(last_data).unwrap();
    assert_schema("SolveReport", &report);
    assert_ne!(report["verdict"], "verified", "{report:#}");
    assert_eq!(report["kind"], "math");
    assert_eq!(
        report["attempts"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
    assert_eq!(
        events.iter().filter(|(e, _)| e == "report").count(),
        1,
        "exactly one report"
    );
    // Bad options are refused before streaming.
    let bad = post_json(
        srv.addr,
        "/v1/solve",
        None,
        &json!({"problem": "x", "kind": "poetry"}),
    );
    assert_error(&bad, 422, "invalid_request");
}

/// Removes wall-clock fields, which differ between any two runs.
fn strip_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("time_ms");
            m.values_mut().for_each(strip_times);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

/// `POST /v1/verify` and `vibecheck verify --json` give the same report for the same input.
#[test]
fn verify_matches_the_cli_json() {
    let s = srv();
    let body = flawed_steps();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .arg("verify")
        .arg(&file)
        .arg("--json")
        .output()
        .unwrap();
    let mut cli: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "CLI output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let r = post_json(s.addr, "/v1/verify", Some(KEY), &body);
    assert_eq!(r.status, 200);
    let mut http = r.json();
    strip_times(&mut cli);
    strip_times(&mut http);
    assert_eq!(http, cli);
}

//! Interactive problems over HTTP: `POST /v1/judge` with an `interactor`, against the real
//! `vibecheck serve` binary on loopback. The problem is the sandbox crate's guessing game
//! (`sandbox/tests/fixtures/interactive/`: `guess.cpp` with its testlib-shaped `testlib.h`, sent
//! as `interactor.headers`), judged with real clang and wasmtime: a correct solution (AC), one
//! that asks too many questions (WA, with the interactor's message), one that never flushes its
//! question and so waits on its read forever (TLE for idleness at the wall-clock limit, not a
//! hung request), the request errors (interactor with checker, bad header names, an interactor
//! that does not compile, with the same diagnostics as `vibecheck judge --interactor`), and a
//! client hang-up that frees the judge slot. Every outcome of the interaction itself is tested
//! in the sandbox crate (`cargo test -p vibecheck-sandbox --test interactive`). No timed
//! assertions: the idle case ends at the wall-clock limit, whatever the machine's speed.

mod common;

use common::cli::Cli;
use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The sandbox crate's interactive fixtures (committed; missing means a broken checkout).
fn fixtures() -> PathBuf {
    require::fixture("sandbox/tests/fixtures/interactive")
}

fn read(rel: &str) -> String {
    let path = fixtures().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The guessing-game interactor with the header it includes.
fn interactor() -> Value {
    json!({"source": read("guess.cpp"), "headers": {"testlib.h": read("testlib.h")}})
}

/// The fixture folder's three tests: a large secret (with its answer file), 1 of 1, 7 of 10.
fn tests() -> Value {
    json!([
        {"name": "1", "input": read("tests/1.in"), "answer": read("tests/1.ans")},
        {"name": "2", "input": read("tests/2.in")},
        {"name": "3", "input": read("tests/3.in")},
    ])
}

/// A judge request for fixture `solution` (C++) against the guessing game. 500 ms per test,
/// so the idle case waits for 3 × 0.5 s + 1 s.
fn body(solution: &str) -> Value {
    json!({"source": read(solution), "language": "cpp", "tests": tests(),
           "interactor": interactor(), "limits": {"time_ms": 500}})
}

fn schema_check(schema: &str, v: &Value) {
    let doc = vibecheck::server::openapi::document();
    if let Err(e) = vibecheck::server::openapi::validate(&doc, schema, v) {
        panic!("does not match OpenAPI schema {schema}: {e}\n{v:#}");
    }
}

/// Posts a judge request (checked against the OpenAPI request schema) and returns the report
/// of a 200 answer (checked against the report schema).
fn judge_ok(addr: std::net::SocketAddr, body: &Value) -> Value {
    schema_check("JudgeRequest", body);
    let r = post_json(addr, "/v1/judge", None, body);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    schema_check("JudgeReport", &v);
    v
}

fn test_verdicts(v: &Value) -> Vec<String> {
    v["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests: {v}"))
        .iter()
        .map(|t| t["verdict"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The message of an error answer, after checking its status and code.
fn error_message(r: &Resp, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "{}", r.text());
    schema_check("Error", &r.json());
    assert_eq!(r.error_code(), code, "{}", r.text());
    r.json()["error"]["message"].as_str().unwrap().to_string()
}

#[test]
fn interactive_verdicts_over_http() {
    let srv = ServerProcess::start(&["--no-auth", "--workers", "2"], &[]).unwrap();

    let v = judge_ok(srv.addr, &body("guess_ac.cpp"));
    assert_eq!(v["verdict"], "AC", "{v:#}");
    assert_eq!(test_verdicts(&v), ["AC", "AC", "AC"], "{v:#}");
    // The interactor's message and the solution's side of the dialogue are reported.
    let first = &v["tests"][0];
    let message = first["message"].as_str().unwrap();
    assert!(message.contains("guessed 424242 in 20 queries"), "{v:#}");
    assert!(
        first["stdout"]
            .as_str()
            .unwrap_or("")
            .starts_with("? 500001\n"),
        "{v:#}"
    );

    // Too many queries on the large secret: the interactor says WA, with its message.
    let v = judge_ok(srv.addr, &body("guess_linear.cpp"));
    assert_eq!(v["verdict"], "WA", "{v:#}");
    assert_eq!(test_verdicts(&v), ["WA", "AC", "AC"], "{v:#}");
    let message = v["tests"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 25 queries"), "{v:#}");

    // The question stays in the solution's buffer and both sides wait on a read: each test
    // ends at the interaction's wall-clock limit as TLE (idleness), and the request is answered.
    let v = judge_ok(srv.addr, &body("guess_no_flush.cpp"));
    assert_eq!(v["verdict"], "TLE", "{v:#}");
    assert_eq!(test_verdicts(&v), ["TLE", "TLE", "TLE"], "{v:#}");
    for t in v["tests"].as_array().unwrap() {
        assert!(t["message"].as_str().unwrap().contains("idleness"), "{v:#}");
    }

    // A solution that does not compile is a CE report, as without an interactor.
    let mut b = body("guess_ac.cpp");
    b["source"] = json!("int main( {");
    let v = judge_ok(srv.addr, &b);
    assert_eq!(v["verdict"], "CE", "{v:#}");
    assert!(v["compile_output"].as_str().is_some_and(|s| !s.is_empty()));

    let m = get(srv.addr, "/metrics").text();
    for verdict in ["AC", "WA", "TLE", "CE"] {
        let series =
            format!("vibecheck_verdicts_total{{route=\"/v1/judge\",verdict=\"{verdict}\"}}");
        assert_eq!(metric(&m, &series), Some(1.0), "{series}\n{m}");
    }
}

/// `vibecheck judge --interactor` on the same broken interactor: its stderr.
fn cli_compile_error(interactor_src: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("interactor.cpp"), interactor_src).unwrap();
    std::fs::write(dir.path().join("sol.cpp"), read("guess_ac.cpp")).unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/1.in"), read("tests/3.in")).unwrap();
    let out = Cli::in_dir(dir.path()).run(&[
        "judge",
        "sol.cpp",
        "--tests",
        "tests",
        "--interactor",
        "interactor.cpp",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn interactive_request_errors() {
    let srv = ServerProcess::start(&["--no-auth", "--workers", "1"], &[]).unwrap();
    let addr = srv.addr;

    // The OpenAPI document declares the field and its schema.
    let doc = get(addr, "/openapi.json").json();
    let props = &doc["components"]["schemas"]["JudgeRequest"]["properties"];
    assert!(props["interactor"].is_object(), "{props:#}");
    assert!(doc["components"]["schemas"]["Interactor"]["properties"]["headers"].is_object());

    // An interactor decides the verdicts: a checker beside it is refused, naming both fields.
    for checker in [json!({"custom": "int main(){return 0;}"}), json!("tokens")] {
        let mut b = body("guess_ac.cpp");
        b["checker"] = checker;
        let m = error_message(
            &post_json(addr, "/v1/judge", None, &b),
            422,
            "invalid_request",
        );
        assert!(m.contains("`interactor`") && m.contains("`checker`"), "{m}");
    }

    // Header names are plain file names: nothing can be written outside the source's folder.
    for name in ["../testlib.h", "sub/testlib.h", ".h", "testlib.txt"] {
        let mut b = body("guess_ac.cpp");
        b["interactor"]["headers"] = json!({ name: "int x;" });
        let m = error_message(
            &post_json(addr, "/v1/judge", None, &b),
            422,
            "invalid_request",
        );
        assert!(m.contains("interactor.headers"), "{name}: {m}");
    }
    let mut b = body("guess_ac.cpp");
    b["interactor"]["source"] = json!("  \n");
    let m = error_message(
        &post_json(addr, "/v1/judge", None, &b),
        422,
        "invalid_request",
    );
    assert!(m.contains("interactor.source"), "{m}");

    // The interactor's compile and each interaction's wall-clock limit count in the budget:
    // 3 tests at 10 s could wait 3 × 31 s, past the default 60 s deadline.
    let mut b = body("guess_ac.cpp");
    b["limits"]["time_ms"] = json!(10_000);
    let m = error_message(
        &post_json(addr, "/v1/judge", None, &b),
        422,
        "invalid_request",
    );
    assert!(m.contains("interactor") && m.contains("deadline"), "{m}");

    // An interactor that does not compile is the request's fault: 422 with the compiler's
    // diagnostics, the same as the CLI prints for it.
    let broken = "#include <cstdio>\nint main() { undeclared_call(); }\n";
    let mut b = body("guess_ac.cpp");
    b["interactor"]["source"] = json!(broken);
    let m = error_message(
        &post_json(addr, "/v1/judge", None, &b),
        422,
        "invalid_request",
    );
    assert!(
        m.starts_with("the interactor (`interactor.source`) does not compile:")
            && m.contains("undeclared_call"),
        "{m}"
    );
    // The diagnostics are the CLI's for the same source (clang's lines, file name included).
    let cli = cli_compile_error(broken);
    assert!(cli.contains("the interactor"), "{cli}");
    let diagnostics: Vec<&str> = m.lines().skip(1).filter(|l| l.contains("error")).collect();
    assert!(!diagnostics.is_empty(), "{m}");
    for line in diagnostics {
        assert!(
            cli.contains(line.trim()),
            "API diagnostics line {line:?} not in the CLI's report:\n{cli}\nAPI: {m}"
        );
    }

    // Without its header: the compiler's error, and where the header goes.
    let mut b = body("guess_ac.cpp");
    b["interactor"]["headers"] = json!({});
    let m = error_message(
        &post_json(addr, "/v1/judge", None, &b),
        422,
        "invalid_request",
    );
    assert!(
        m.contains("'testlib.h' file not found") && m.contains("`interactor.headers`"),
        "{m}"
    );
}

/// The series of the judge route's metric.
fn judge_series(name: &str) -> String {
    format!("{name}{{route=\"/v1/judge\"}}")
}

/// 64 idle interactions at 2 s (each waiting 7 s for its wall-clock limit) would hold the one
/// judge slot for over 7 minutes; the client hangs up while it runs, and the slot is freed (the
/// request counted as abandoned) and serves the next request.
#[test]
fn a_client_that_hangs_up_on_an_interactive_judge_frees_its_slot() {
    let srv =
        ServerProcess::start(&["--no-auth", "--workers", "1", "--deadline", "600"], &[]).unwrap();
    let tests: Vec<Value> = (0..64).map(|_| json!({"input": "10 7\n"})).collect();
    let mut b = body("guess_no_flush.cpp");
    b["tests"] = json!(tests);
    b["limits"]["time_ms"] = json!(2000);
    let client = OpenResponse::post_json(srv.addr, "/v1/judge", &b);
    let running = judge_series("vibecheck_in_flight");
    wait_metrics(srv.addr, "the interactive judge holding its slot", |m| {
        metric(m, &running) == Some(1.0)
    });
    drop(client);
    let abandoned = judge_series("vibecheck_abandoned_total");
    let m = wait_metrics(srv.addr, "the slot freed by the hang-up", |m| {
        metric(m, &running) == Some(0.0) && metric(m, &abandoned) == Some(1.0)
    });
    assert_eq!(
        metric(
            &m,
            "vibecheck_verdicts_total{route=\"/v1/judge\",verdict=\"TLE\"}"
        ),
        None,
        "{m}"
    );
    let v = judge_ok(srv.addr, &body("guess_ac.cpp"));
    assert_eq!(v["verdict"], "AC", "{v:#}");
}

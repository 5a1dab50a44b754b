//! End-to-end tests of `vibecheck solve` through the real binary, with the real verifiers (sympy
//! workers, Z3), the real wasm sandbox, and a scripted model: an OpenAI-compatible HTTP server on
//! loopback, started by each test, that answers with pre-written chains in order and records the
//! requests it received (so the tests can read the retry prompts). Plus runs on the real candle
//! engine with the tiny fixture model and the demo GGUF model (tools/get-demo-model.sh; that test
//! is `#[ignore]`d for a plain `cargo test`, and tools/test.sh runs it).

mod common;
use common::require;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A run of the binary is killed after this long (a hang guard, not a speed assertion: a debug
/// build on a loaded 2-core machine is slow, but a solve here is seconds of work).
const HANG_GUARD: Duration = Duration::from_secs(900);

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<String>>,
    requests: Mutex<Vec<Value>>,
}

/// The scripted OpenAI-compatible server.
struct Scripted {
    url: String,
    script: Arc<Script>,
    _rt: tokio::runtime::Runtime,
}

impl Scripted {
    fn start(replies: &[&str]) -> Scripted {
        let script = Arc::new(Script::default());
        script
            .replies
            .lock()
            .unwrap()
            .extend(replies.iter().map(|s| s.to_string()));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/models", get(models))
            .with_state(script.clone());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Scripted {
            url: format!("http://{addr}/v1"),
            script,
            _rt: rt,
        }
    }

    fn requests(&self) -> Vec<Value> {
        self.script.requests.lock().unwrap().clone()
    }

    /// The user message of every request received, in order.
    fn prompts(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                let msgs = r["messages"].as_array().expect("messages array");
                msgs.iter()
                    .filter(|m| m["role"] == "user")
                    .map(|m| m["content"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    }

    fn unused_replies(&self) -> usize {
        self.script.replies.lock().unwrap().len()
    }
}

async fn models() -> Json<Value> {
    Json(json!({"object": "list", "data": [{"id": "scripted", "object": "model"}]}))
}

fn words(s: &str) -> usize {
    s.split_whitespace().count().max(1)
}

async fn completions(State(script): State<Arc<Script>>, Json(body): Json<Value>) -> Response {
    script.requests.lock().unwrap().push(body.clone());
    let n = body["n"].as_u64().unwrap_or(1) as usize;
    let mut texts = Vec::new();
    {
        let mut q = script.replies.lock().unwrap();
        for _ in 0..n {
            match q.pop_front() {
                Some(t) => texts.push(t),
                None => {
                    return (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Json(json!({"error": {"message": "the test script has no more replies", "type": "server_error"}})),
                    )
                        .into_response()
                }
            }
        }
    }
    let prompt_tokens = words(&body["messages"].to_string());
    let completion_tokens: usize = texts.iter().map(|t| words(t)).sum();
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                       "total_tokens": prompt_tokens + completion_tokens});
    if body["stream"].as_bool().unwrap_or(false) {
        let mut sse = String::new();
        for (i, t) in texts.iter().enumerate() {
            // Stream each reply in line-sized pieces, like a real server's token deltas.
            for piece in t.split_inclusive('\n') {
                let chunk = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                    "choices": [{"index": i, "delta": {"content": piece}, "finish_reason": null}]});
                sse.push_str(&format!("data: {chunk}\n\n"));
            }
            let end = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                "choices": [{"index": i, "delta": {}, "finish_reason": "stop"}]});
            sse.push_str(&format!("data: {end}\n\n"));
        }
        let u = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
            "choices": [], "usage": usage});
        sse.push_str(&format!("data: {u}\n\ndata: [DONE]\n\n"));
        ([(header::CONTENT_TYPE, "text/event-stream")], sse).into_response()
    } else {
        let choices: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}))
            .collect();
        Json(
            json!({"id": "c", "object": "chat.completion", "created": 0, "model": "scripted",
                    "choices": choices, "usage": usage}),
        )
        .into_response()
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON object ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn vibecheck(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vibecheck"));
    cmd.args(args)
        .env_remove("VIBECHECK_MODEL")
        .env_remove("VIBECHECK_OPENAI_URL")
        .env_remove("VIBECHECK_PROMPT_DIR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn vibecheck");
    if let Some(s) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    // Read the pipes on threads so a chatty child cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut so, &mut s).ok();
        s
    });
    let te = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut se, &mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > HANG_GUARD {
            child.kill().ok();
            panic!("vibecheck {args:?} did not finish within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: to.join().unwrap(),
        stderr: te.join().unwrap(),
    }
}

/// `solve` against the scripted server, with `--json`.
fn solve(server: &Scripted, problem: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "solve",
        problem,
        "--openai-url",
        &server.url,
        "--openai-model",
        "scripted",
        "--json",
        "--time-budget",
        "600",
    ];
    args.extend_from_slice(extra);
    vibecheck(&args, None)
}

fn verdicts(report: &Value) -> Vec<String> {
    report["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["verdict"].as_str().unwrap().to_string())
        .collect()
}

fn all_checks(report: &Value) -> Vec<Value> {
    report["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["checks"].as_array().unwrap().clone())
        .collect()
}

const VIBETHINKER_END: &str =
    "Let's think step by step and output the final answer within \\boxed{}.";

#[test]
fn wrong_arithmetic_step_is_fed_back_and_the_corrected_chain_is_verified() {
    let server = Scripted::start(&[
        "Step 1: The box holds 7 \\times 8 = 54 eggs.\nStep 2: After 5 break, 54 - 5 = 49 eggs are left.\n\nThe answer is \\boxed{49}.",
        "Step 1: The box holds 7 \\times 8 = 56 eggs.\nStep 2: After 5 break, 56 - 5 = 51 eggs are left.\n\nThe answer is \\boxed{51}.",
    ]);
    let problem = "A box holds 7 rows of 8 eggs. 5 eggs break. How many eggs are left?";
    let run = solve(&server, problem, &["--reference", "51", "--kind", "math"]);
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["answer_evidence"], "reference");
    assert_eq!(r["answer"], "51");
    assert_eq!(r["kind"], "math");
    assert_eq!(verdicts(&r), ["flagged", "verified"]);
    assert_eq!(r["chosen"], 1);
    // The first attempt's failing step is the multiplication, refuted with the computed value.
    let first = &r["attempts"][0];
    assert_eq!(first["verify"]["first_error"], 0);
    let refuted: Vec<&Value> = first["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "refuted")
        .collect();
    assert!(
        refuted
            .iter()
            .any(|c| c["item"].as_str().unwrap().contains("54")),
        "{refuted:?}"
    );
    // Evidence of the final verdict: passed checks, including the answer against the reference.
    let evidence = r["evidence"].as_array().unwrap();
    assert!(evidence.iter().any(|c| c["verdict"] == "verified"));
    assert!(evidence.iter().all(|c| c["verdict"] != "refuted"));

    let prompts = server.prompts();
    assert_eq!(prompts.len(), 2);
    // First prompt: VibeThinker's format, a single user turn.
    assert!(prompts[0].starts_with(problem));
    assert!(
        prompts[0].trim_end().ends_with(VIBETHINKER_END),
        "{}",
        prompts[0]
    );
    let msgs = server.requests()[0]["messages"].as_array().unwrap().len();
    assert_eq!(msgs, 1, "one user turn, no system prompt");
    // The retry prompt quotes the failing step and the verifier's evidence (the computed 56),
    // still ends in the model's format, and never leaks the reference answer.
    let retry = &prompts[1];
    assert!(retry.contains("7 \\times 8 = 54"), "{retry}");
    assert!(retry.contains("56"), "{retry}");
    assert!(retry.contains("Step 1"), "{retry}");
    assert!(retry.contains("49, is not the correct answer"), "{retry}");
    assert!(
        !retry.contains("51"),
        "the reference leaked into the retry prompt:\n{retry}"
    );
    assert!(retry.trim_end().ends_with(VIBETHINKER_END));
    assert_eq!(
        r["attempts"][1]["feedback"]
            .as_str()
            .map(|f| retry.contains(f)),
        Some(true)
    );
    // Progress went to stderr.
    assert!(run.stderr.contains("attempt 1/3"), "{}", run.stderr);
    assert!(run.stderr.contains("attempt 2/3"), "{}", run.stderr);
    assert!(run.stderr.contains("tok/s"), "{}", run.stderr);
    // stderr is a pipe here: each generation's final token count is logged before the next
    // event (not the first token's count, with prefill time as its speed), so the last count
    // before each other line adds up to the run's completion tokens.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let count = |l: &str| -> Option<u64> {
        l.trim_start()
            .strip_suffix(" tok/s")
            .and_then(|l| l.split(" tokens, ").next())
            .and_then(|n| n.parse().ok())
    };
    let finals: u64 = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| count(l).is_some() && lines.get(i + 1).is_none_or(|n| count(n).is_none()))
        .map(|(_, l)| count(l).unwrap())
        .sum();
    assert_eq!(
        Some(finals),
        r["usage"]["completion_tokens"].as_u64(),
        "{}",
        run.stderr
    );
}

const SUM_PROBLEM: &str = "A+B\n\nYou are given two integers a and b. Print a+b.\n\nInput\nOne line with two integers a and b (-1000 <= a, b <= 1000).\n\nOutput\nPrint one integer.\n\nExamples\nInput\n2 3\nOutput\n5\nInput\n10 -4\nOutput\n6\n";

#[test]
fn code_failing_a_sample_is_retried_with_the_test_and_the_fix_passes() {
    let server = Scripted::start(&[
        "<think>subtract?</think>\n```python\na, b = map(int, input().split())\nprint(a - b)\n```\n",
        "Fixed:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n",
    ]);
    let tests = tempfile::tempdir().unwrap();
    std::fs::write(tests.path().join("big.in"), "1000 1000\n").unwrap();
    std::fs::write(tests.path().join("big.out"), "2000\n").unwrap();
    let run = solve(
        &server,
        SUM_PROBLEM,
        &["--no-stress", "--tests", tests.path().to_str().unwrap()],
    );
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(r["kind"], "code", "detected from the statement's samples");
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["answer_evidence"], "tests");
    assert_eq!(
        r["tests"], 3,
        "two samples from the statement + one from --tests"
    );
    assert_eq!(verdicts(&r), ["flagged", "verified"]);
    let j0 = &r["attempts"][0]["code"]["judge"];
    assert_eq!(j0["verdict"], "WA");
    let j1 = &r["attempts"][1]["code"]["judge"];
    assert_eq!(j1["verdict"], "AC");
    assert_eq!(j1["tests"].as_array().unwrap().len(), 3);
    assert!(r["answer"].as_str().unwrap().contains("print(a + b)"));

    let prompts = server.prompts();
    assert_eq!(prompts.len(), 2);
    assert!(prompts[0].contains("```python"), "{}", prompts[0]);
    let retry = &prompts[1];
    assert!(
        retry.contains("print(a - b)"),
        "quotes the failing program:\n{retry}"
    );
    assert!(retry.contains("sample-1"), "{retry}");
    assert!(retry.contains("WA"), "{retry}");
    assert!(retry.contains("2 3"), "the failing input:\n{retry}");
    assert!(retry.contains("Expected output:\n```\n5\n```"), "{retry}");
}

#[test]
fn a_claim_z3_refutes_flags_the_chain() {
    let server = Scripted::start(&[
        "Every square exceeds its root, so:\n\n```claim\nforall n: Int. n*n > n\n```\n\nHence 3 \\times 3 = 9 and the answer is \\boxed{9}.",
    ]);
    let run = solve(
        &server,
        "What is 3 squared?",
        &["--attempts", "1", "--kind", "math"],
    );
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "flagged");
    assert_eq!(verdicts(&r), ["flagged"]);
    let checks = all_checks(&r);
    let claim = checks
        .iter()
        .find(|c| c["item"].as_str().unwrap().contains("n*n > n"))
        .unwrap_or_else(|| panic!("no check of the claim in {checks:?}"));
    assert_eq!(claim["verdict"], "refuted", "{claim}");
    let cx = &claim["evidence"]["counterexample"];
    let n: i64 = cx["n"].as_str().unwrap().trim().parse().unwrap();
    assert!(
        n * n <= n,
        "the counterexample n = {n} must falsify n*n > n"
    );
    // The arithmetic step itself was fine.
    assert!(checks.iter().any(|c| c["verdict"] == "verified"));
    assert_eq!(r["stopped"], "attempts_exhausted");
    assert_eq!(server.prompts().len(), 1);
}

#[test]
fn voting_weighs_verification_over_majority() {
    let server = Scripted::start(&[
        "Step 1: 6 \\times 7 = 42.\n\nSo the answer is \\boxed{42}.",
        "Step 1: 6 \\times 7 = 48.\n\nSo the answer is \\boxed{48}.",
        "It is well known that the answer is \\boxed{48}.",
        // The round's program-of-thought, compared with every sample's answer.
        "```python\nprint(6 * 7)\n```",
    ]);
    let run = solve(
        &server,
        "What is 6 times 7?",
        &["--attempts", "1", "--samples", "3", "--kind", "math"],
    );
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(verdicts(&r), ["verified", "flagged", "flagged"]);
    // Two of three samples say 48 — but one has a refuted step and the program disagrees
    // with the other; the program agrees with 42, which establishes it.
    assert_eq!(r["answer"], "42");
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["answer_evidence"], "program");
    let votes = r["votes"].as_array().unwrap();
    assert_eq!(votes.len(), 2, "{votes:?}");
    assert_eq!(votes[0]["answer"], "42");
    assert_eq!(votes[0]["count"], 1);
    assert_eq!(votes[0]["verified"], 1);
    assert_eq!(votes[1]["answer"], "48");
    assert_eq!(votes[1]["count"], 2);
    assert_eq!(votes[1]["refuted"], 2);
    assert_eq!(votes[1]["members"], json!([1, 2]));
    assert!(votes[0]["support"].as_f64().unwrap() > votes[1]["support"].as_f64().unwrap());
    assert_eq!(r["attempts"][1]["weight"], 0.0, "refuted ⇒ weight 0");
    // All three samples came from one attempt.
    let served: usize = server
        .requests()
        .iter()
        .map(|q| q["n"].as_u64().unwrap_or(1) as usize)
        .sum();
    assert_eq!(
        served, 4,
        "three samples and one program, asked for once per round"
    );
    assert_eq!(server.unused_replies(), 0);
}

/// No path reports `verified` without at least one passed check: a chain with nothing
/// checkable, and a program with no tests to run, are `unverified` however often they retry.
#[test]
fn nothing_checked_is_never_verified() {
    let server = Scripted::start(&[
        "The answer is clearly \\boxed{7}.",
        "I am confident: \\boxed{7}.",
    ]);
    let run = solve(
        &server,
        "What is the smallest prime greater than 5?",
        &["--attempts", "2", "--kind", "math", "--no-program"],
    );
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "unverified");
    assert_eq!(r["answer"], "7");
    assert_eq!(verdicts(&r), ["unverified", "unverified"]);
    let prompts = server.prompts();
    assert!(prompts[1].contains("explicit equation"), "{}", prompts[1]);

    // A program that runs fine but has no tests: still not verified.
    let server = Scripted::start(&["```python\nprint(int(input()) * 2)\n```"]);
    let run = solve(
        &server,
        "Read an integer n from standard input and print 2n to standard output.",
        &["--attempts", "1", "--no-stress"],
    );
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(r["kind"], "code");
    assert_eq!(r["verdict"], "unverified");
    assert_eq!(r["tests"], 0);
    assert!(r["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["verdict"] != "verified"));
}

#[test]
fn human_output_and_errors() {
    let server = Scripted::start(&[
        "Step 1: 2 + 2 = 4.\n\n\\boxed{4}",
        "```python\nprint(2 + 2)\n```",
    ]);
    let run = vibecheck(
        &[
            "solve",
            "-",
            "--openai-url",
            &server.url,
            "--attempts",
            "1",
            "--kind",
            "math",
        ],
        Some("What is 2 + 2?"),
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert!(run.stdout.contains("Answer: 4"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("VERIFIED (answer established by program)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✓"), "{}", run.stdout);

    let no_model = vibecheck(&["solve", "What is 2 + 2?"], None);
    assert_eq!(no_model.code, 2);
    assert!(no_model.stderr.contains("error:"), "{}", no_model.stderr);
    let empty = vibecheck(&["solve", "  ", "--openai-url", &server.url], None);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("empty"), "{}", empty.stderr);
    let zero = vibecheck(
        &[
            "solve",
            "1+1?",
            "--openai-url",
            &server.url,
            "--attempts",
            "0",
        ],
        None,
    );
    assert_eq!(zero.code, 2);
    assert!(zero.stderr.contains("--attempts"), "{}", zero.stderr);
    let bad_tests = vibecheck(
        &[
            "solve",
            "x",
            "--openai-url",
            &server.url,
            "--tests",
            "/nonexistent/dir",
        ],
        None,
    );
    assert_eq!(bad_tests.code, 2);
    assert!(
        bad_tests.stderr.contains("/nonexistent/dir"),
        "{}",
        bad_tests.stderr
    );
    let down = vibecheck(
        &[
            "solve",
            "What is 2 + 2?",
            "--openai-url",
            "http://127.0.0.1:9/v1",
            "--attempts",
            "1",
        ],
        None,
    );
    assert_eq!(down.code, 2, "{}", down.stderr);
}

const EGGS: &str = "A box holds 7 rows of 8 eggs. 5 eggs break. How many eggs are left?";
const EGGS_RIGHT: &str = "Step 1: The box holds 7 \\times 8 = 56 eggs.\nStep 2: After 5 break, 56 - 5 = 51 eggs are left.\n\nThe answer is \\boxed{51}.";
const EGGS_PROGRAM: &str =
    "Count them:\n```python\nrows, per_row, broken = 7, 8, 5\nprint(rows * per_row - broken)\n```";

/// Program-of-thought agrees with the chain: the answer is established by `program`, without
/// a reference, and the program ran in the sandbox (its prompt asked for Python).
#[test]
fn program_of_thought_agreeing_verifies_with_evidence_program() {
    let server = Scripted::start(&[EGGS_RIGHT, EGGS_PROGRAM]);
    let run = solve(&server, EGGS, &["--kind", "math"]);
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["answer_evidence"], "program");
    assert_eq!(r["stopped"], "verified");
    assert_eq!(verdicts(&r), ["verified"]);
    assert_eq!(r["attempts"][0]["answer_evidence"], "program");
    let program = r["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["checker"] == "program")
        .unwrap_or_else(|| panic!("no program check in {}", r["evidence"]))
        .clone();
    assert_eq!(program["verdict"], "verified");
    assert_eq!(program["evidence"]["computed"][0], "51");
    let prompts = server.prompts();
    assert_eq!(prompts.len(), 2);
    assert!(prompts[1].contains("Python"), "{}", prompts[1]);
    assert!(prompts[1].contains(EGGS), "{}", prompts[1]);
    // The per-step verify report still says what it said, with coverage.
    let v = &r["attempts"][0]["verify"];
    assert_eq!(v["verdict"], "no_errors_found");
    assert_eq!(v["coverage"]["steps_checked"], 2);
}

/// Program-of-thought disagrees: the attempt is flagged and the retry prompt carries both
/// values; the next round's chain agrees with the next round's program.
#[test]
fn program_of_thought_disagreeing_goes_into_the_retry_prompt_with_both_values() {
    let server = Scripted::start(&[
        // Every step's arithmetic holds, but it subtracts the wrong number.
        "Step 1: The box holds 7 \\times 8 = 56 eggs.\nStep 2: After 5 break, 56 - 7 = 49 eggs are left.\n\nThe answer is \\boxed{49}.",
        EGGS_PROGRAM,
        EGGS_RIGHT,
        EGGS_PROGRAM,
    ]);
    let run = solve(&server, EGGS, &["--kind", "math"]);
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(verdicts(&r), ["flagged", "verified"]);
    assert_eq!(r["answer"], "51");
    assert_eq!(r["answer_evidence"], "program");
    let first = &r["attempts"][0];
    assert_eq!(
        first["verify"]["first_error"],
        Value::Null,
        "no step refuted"
    );
    let disagreement = first["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["checker"] == "program")
        .unwrap()
        .clone();
    assert_eq!(disagreement["verdict"], "refuted");
    assert_eq!(disagreement["evidence"]["computed"], json!(["51", "49"]));
    let prompts = server.prompts();
    assert_eq!(prompts.len(), 4);
    let retry = &prompts[2];
    assert!(retry.contains("program"), "{retry}");
    assert!(retry.contains("printed 51"), "{retry}");
    assert!(retry.contains("is 49"), "{retry}");
}

/// Without a program (none written, or `--no-program`), a chain whose steps all hold is at
/// most `no_errors_found` (exit 1), and the loop stops: another round adds no evidence.
#[test]
fn without_program_of_thought_a_clean_chain_is_at_most_no_errors_found() {
    let server = Scripted::start(&[EGGS_RIGHT, "I would rather not write code."]);
    let run = solve(&server, EGGS, &["--kind", "math"]);
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "no_errors_found");
    assert_eq!(r["answer_evidence"], Value::Null);
    assert_eq!(r["stopped"], "no_errors_found");
    let program = all_checks(&r)
        .into_iter()
        .find(|c| c["checker"] == "program")
        .unwrap();
    assert_eq!(program["verdict"], "unknown", "{program}");
    assert_eq!(server.unused_replies(), 0);

    let server = Scripted::start(&[EGGS_RIGHT]);
    let run = solve(&server, EGGS, &["--kind", "math", "--no-program"]);
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(r["verdict"], "no_errors_found");
    assert_eq!(server.prompts().len(), 1);
    assert!(all_checks(&r).iter().all(|c| c["checker"] != "program"));
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The real candle engine on the tiny random fixture model: gibberish in, never `verified`.
#[test]
fn tiny_fixture_model_is_never_verified() {
    let model = fixture("tests/fixtures/tiny-qwen2");
    require::fixture("tests/fixtures/tiny-qwen2/config.json");
    let run = vibecheck(
        &[
            "solve",
            "What is 6 times 7?",
            "--model",
            model.to_str().unwrap(),
            "--cpu",
            "--max-tokens",
            "48",
            "--temperature",
            "0",
            "--attempts",
            "2",
            "--kind",
            "math",
            "--json",
        ],
        None,
    );
    let r = run.json();
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_ne!(r["verdict"], "verified");
    assert!(r["attempts"].as_array().unwrap().len() <= 2);
    assert!(r["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    assert!(!r["model"].as_str().unwrap().is_empty());
}

/// The offline demo model (SmolLM2-135M GGUF) from `tools/get-demo-model.sh`.
#[test]
#[ignore = "needs the demo model: run tools/get-demo-model.sh; CI (tools/test.sh) runs it"]
fn demo_gguf_model_runs_end_to_end() {
    let path = require::demo_gguf();
    let run = vibecheck(
        &[
            "solve",
            "What is 6 times 7?",
            "--model",
            path.to_str().unwrap(),
            "--max-tokens",
            "64",
            "--temperature",
            "0",
            "--attempts",
            "1",
            "--kind",
            "math",
            "--json",
        ],
        None,
    );
    let r = run.json();
    assert!(run.code == 0 || run.code == 1, "stderr:\n{}", run.stderr);
    let v = r["verdict"].as_str().unwrap();
    assert_eq!(run.code == 0, v == "verified");
    if v == "verified" {
        assert!(r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["verdict"] == "verified"));
    }
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn stress_counterexample_becomes_retry_feedback() {
    let problem = std::fs::read_to_string(fixture("examples/solve/code.md")).unwrap();
    let server = Scripted::start(&[
        // Passes both samples (n <= 4) but only looks at the first four numbers.
        "```python\nn = int(input())\na = list(map(int, input().split()))\nb = sorted(a[:4])\nprint(b[-1] + b[-2])\n```",
        // The brute force: every pair.
        "```python\nn = int(input())\na = list(map(int, input().split()))\nprint(max(a[i] + a[j] for i in range(n) for j in range(n) if i != j))\n```",
        // The generator: seed from argv or stdin.
        "```python\nimport random, sys\nseed = int(sys.argv[1]) if len(sys.argv) > 1 else int(input())\nrandom.seed(seed)\nn = random.randint(2, 6)\nprint(n)\nprint(*[random.randint(-10, 10) for _ in range(n)])\n```",
        // The fix.
        "```python\nn = int(input())\na = sorted(map(int, input().split()))\nprint(a[-1] + a[-2])\n```",
    ]);
    let run = solve(
        &server,
        &problem,
        &["--stress", "--stress-iterations", "30"],
    );
    let r = run.json();
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(r["kind"], "code");
    assert_eq!(verdicts(&r), ["flagged", "verified"]);
    let first = &r["attempts"][0]["code"];
    assert_eq!(
        first["judge"]["verdict"], "AC",
        "the buggy program passes the samples"
    );
    let cx = &first["stress"]["counterexample"];
    assert!(cx.is_object(), "stress found no counterexample: {first}");
    let input = cx["input"].as_str().unwrap();
    let n: usize = input.lines().next().unwrap().trim().parse().unwrap();
    assert!(
        n > 4,
        "a counterexample needs more than four numbers: {input:?}"
    );
    let second = &r["attempts"][1]["code"];
    assert!(second["stress"]["counterexample"].is_null(), "{second}");
    // A stress run without a counterexample is bounded evidence, not a passed check.
    let stress_check = r["attempts"][1]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["checker"] == "stress")
        .cloned()
        .unwrap();
    assert_eq!(stress_check["verdict"], "checked_bounded");

    let prompts = server.prompts();
    assert_eq!(
        prompts.len(),
        4,
        "solution, brute force, generator, retry (helpers reused)"
    );
    assert!(prompts[1].contains("brute-force"), "{}", prompts[1]);
    assert!(prompts[2].contains("seed"), "{}", prompts[2]);
    let retry = &prompts[3];
    assert!(retry.contains("Random testing found an input"), "{retry}");
    assert!(
        retry.contains(input.trim()),
        "the counterexample input:\n{retry}"
    );
    assert!(retry.contains("b = sorted(a[:4])"), "{retry}");
}

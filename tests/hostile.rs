//! The hostile-input corpus (`tests/hostile/`, issue 10): every input in
//! `tests/hostile/manifest.json` runs through the real CLI (`vibecheck verify` / `judge`) and/or
//! over real HTTP on loopback against the real `vibecheck serve`, and each must
//!
//! - end in a clear verdict (or a 4xx) before its limit + 1 s — a hang guard, not a speed claim:
//!   a process still running then is killed and the input fails;
//! - show no host file content in any output: a canary file with a random secret is planted and
//!   named as the target (`@SECRET@`), and `/etc/passwd` markers (`root:x:0:0`) are looked for;
//! - write nothing outside temp dirs: the canary write target (`@WRITE@`) must not exist after;
//! - never panic (`panicked at` in any output), and leave the server answering `/healthz`.
//!
//! Placeholders in inputs: `@SECRET@` (canary file), `@SECRET_DIR@` (its directory), `@WRITE@`
//! (a path that must never be created). Symlinks of test folders are made at test time.
//! `HOSTILE_ONLY=name,name` runs a subset. Inputs whose fix lives in another component name it
//! in `depends_on`; a failure lists it.
//!
//! The other tests here check the server's own limits over HTTP: bounded `/metrics` labels, the
//! connection cap, and numeric fields out of range.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Marker of `/etc/passwd` content: must never appear in any output.
const PASSWD_MARKER: &str = "root:x:0:0";
/// Hang guard added to every input's `limit_s`.
const GUARD: Duration = Duration::from_secs(1);
/// Flags of the server the corpus runs against: small body/header timeouts so slow-client
/// inputs end quickly; no auth (loopback) and no rate limit (the corpus sends many requests).
const SERVER_ARGS: &[&str] = &[
    "--no-auth",
    "--rate",
    "0",
    "--workers",
    "2",
    "--header-timeout",
    "2",
    "--body-timeout",
    "2",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// The planted canary and the write target, each in its own temp dir.
struct Canary {
    _dir: tempfile::TempDir,
    secret: String,
    secret_path: PathBuf,
    _write_dir: tempfile::TempDir,
    write_target: PathBuf,
}

impl Canary {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("VIBECHECK-CANARY-{:032x}", rand::random::<u128>());
        let secret_path = dir.path().join("secret.txt");
        std::fs::write(&secret_path, format!("{secret}\n")).unwrap();
        let write_dir = tempfile::tempdir().unwrap();
        let write_target = write_dir.path().join("pwned.txt");
        Self {
            _dir: dir,
            secret,
            secret_path,
            _write_dir: write_dir,
            write_target,
        }
    }
    fn subst(&self, s: &str) -> String {
        s.replace("@SECRET_DIR@", &self.secret_dir())
            .replace("@SECRET@", &self.secret_path.to_string_lossy())
            .replace("@WRITE@", &self.write_target.to_string_lossy())
    }
    fn secret_dir(&self) -> String {
        self.secret_path
            .parent()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

/// What a run produced, for the output checks.
struct Outcome {
    texts: Vec<String>,
}

fn check_outputs(e: &Value, c: &Canary, out: &Outcome) -> Result<(), String> {
    let mut forbid = vec![
        c.secret.clone(),
        PASSWD_MARKER.to_string(),
        "panicked at".to_string(),
    ];
    if let Some(f) = e["forbid"].as_array() {
        forbid.extend(f.iter().filter_map(|v| v.as_str()).map(String::from));
    }
    for t in &out.texts {
        for f in &forbid {
            if t.contains(f.as_str()) {
                let at = t.find(f.as_str()).unwrap();
                let from = t.floor_char_boundary(at.saturating_sub(200));
                let to = t.ceil_char_boundary((at + 200).min(t.len()));
                return Err(format!("output contains {f:?}: …{}…", &t[from..to]));
            }
        }
    }
    if c.write_target.exists() {
        let _ = std::fs::remove_file(&c.write_target);
        return Err(format!(
            "the canary write target {} was created",
            c.write_target.display()
        ));
    }
    Ok(())
}

/// Runs the CLI with a hang guard: killed at `limit`, which is then an error.
fn run_cli(args: &[String], limit: Duration) -> Result<(i32, String, String), String> {
    let dir = tempfile::tempdir().unwrap();
    let (out_p, err_p) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_p).unwrap())
        .stderr(std::fs::File::create(&err_p).unwrap())
        .current_dir(dir.path())
        .spawn()
        .map_err(|e| format!("spawning vibecheck: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hang: still running after {limit:?} (killed)"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ok((status.code().unwrap_or(-1), read(&out_p), read(&err_p)))
}

fn verdict_of(stdout: &str) -> Option<String> {
    serde_json::from_str::<Value>(stdout.trim())
        .ok()
        .and_then(|v| v["verdict"].as_str().map(String::from))
}

fn expect_verdict(e: &Value, verdict: &str) -> Result<(), String> {
    match e["expect"]["verdict_in"].as_array() {
        Some(ok) if !ok.iter().any(|v| v == verdict) => Err(format!(
            "verdict {verdict}, expected one of {}",
            e["expect"]["verdict_in"]
        )),
        _ => Ok(()),
    }
}

/// A raw HTTP exchange with a hang guard. `None`: the server closed without answering.
fn raw_http(
    addr: SocketAddr,
    bytes: &[u8],
    limit: Duration,
) -> Result<Option<(u16, String)>, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(limit)).unwrap();
    s.set_write_timeout(Some(limit)).unwrap();
    let _ = s.write_all(bytes);
    let start = Instant::now();
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => {
                return Err(format!(
                    "hang: no answer and no close after {:?} ({e})",
                    start.elapsed()
                ))
            }
        }
    }
    if raw.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {text:.200}"))?;
    Ok(Some((status, text)))
}

fn http_request(method: &str, route: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn expect_status(e: &Value, got: Option<u16>) -> Result<(), String> {
    let ex = &e["expect"];
    match got {
        None if ex["closed"] == true || ex["or_closed"] == true => Ok(()),
        None => Err("the server closed the connection without answering".into()),
        Some(s) if ex["closed"] == true => Err(format!("expected a close, got status {s}")),
        Some(s) => match ex["status_in"].as_array() {
            Some(ok) if ok.iter().any(|v| v == s) => Ok(()),
            Some(_) => Err(format!("status {s}, expected one of {}", ex["status_in"])),
            // Verdict inputs over HTTP: a 200 verdict or a clear 4xx refusal.
            None if (400..500).contains(&s) || s == 200 => Ok(()),
            None => Err(format!("status {s}")),
        },
    }
}

/// Expands `repeat` placeholders: `{"@X@": [text, n]}` → text repeated n times.
fn expand(e: &Value, s: String) -> String {
    let mut s = s;
    if let Some(m) = e["repeat"].as_object() {
        for (k, v) in m {
            let unit = v[0].as_str().unwrap_or("");
            let n = v[1].as_u64().unwrap_or(1) as usize;
            s = s.replace(k, &unit.repeat(n));
        }
    }
    s
}

/// One `via: http` input.
fn run_http(
    e: &Value,
    c: &Canary,
    addr: SocketAddr,
    text: &str,
    limit: Duration,
) -> Result<Outcome, String> {
    let text = expand(e, c.subst(text));
    let bytes = if e["raw"] == true {
        text.replace('\n', "\r\n").into_bytes()
    } else {
        http_request(
            e["method"].as_str().unwrap_or("POST"),
            e["route"].as_str().unwrap_or("/"),
            text.as_bytes(),
        )
    };
    // The 2 MiB verify: /healthz must answer while it is being parsed and checked.
    let side = if e["name"] == "http-verify-2mib" {
        let b = bytes.clone();
        Some(std::thread::spawn(move || raw_http(addr, &b, limit)))
    } else {
        None
    };
    let r = match side {
        Some(h) => {
            health(addr)?;
            h.join()
                .map_err(|_| "request thread panicked".to_string())??
        }
        None => raw_http(addr, &bytes, limit)?,
    };
    expect_status(e, r.as_ref().map(|r| r.0))?;
    Ok(Outcome {
        texts: r.map(|r| vec![r.1]).unwrap_or_default(),
    })
}

/// One `via: verify` input: the CLI, then `/v1/verify`.
fn run_verify(
    e: &Value,
    c: &Canary,
    addr: SocketAddr,
    text: &str,
    limit: Duration,
) -> Result<Outcome, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = e["file"].as_str().unwrap();
    let path = dir.path().join(Path::new(file).file_name().unwrap());
    let text = c.subst(text);
    std::fs::write(&path, &text).unwrap();
    let mut args: Vec<String> = ["verify", "--json", "--item-timeout", "2", "--budget", "10"]
        .map(String::from)
        .to_vec();
    args.push(path.to_string_lossy().into_owned());
    if let Some(r) = e["reference"].as_str() {
        // `=` form: a reference may start with `-`.
        args.push(format!("--reference={r}"));
    }
    let (code, out, err) = run_cli(&args, limit)?;
    let mut texts = vec![out.clone(), err.clone()];
    let v = verdict_of(&out)
        .ok_or_else(|| format!("CLI exit {code}, no verdict; stderr: {err:.400}"))?;
    expect_verdict(e, &v).map_err(|m| format!("CLI: {m}"))?;
    // The same input over HTTP.
    let mut body = if file.ends_with(".json") {
        serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())?
    } else {
        json!({ "solution": text })
    };
    if let Some(r) = e["reference"].as_str() {
        body["reference"] = json!(r);
    }
    let r = raw_http(
        addr,
        &http_request("POST", "/v1/verify", body.to_string().as_bytes()),
        limit,
    )?;
    expect_status(e, r.as_ref().map(|r| r.0)).map_err(|m| format!("HTTP: {m}"))?;
    if let Some((200, resp)) = &r {
        let json_body = resp.split("\r\n\r\n").nth(1).unwrap_or("");
        if let Some(v) = verdict_of(json_body) {
            expect_verdict(e, &v).map_err(|m| format!("HTTP: {m}"))?;
        }
    }
    texts.extend(r.map(|r| r.1));
    Ok(Outcome { texts })
}

/// One `via: judge` input: the CLI on a one-test folder, then `/v1/judge`.
fn run_judge(
    e: &Value,
    c: &Canary,
    addr: SocketAddr,
    text: &str,
    limit: Duration,
) -> Result<Outcome, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = e["file"].as_str().unwrap();
    let src = dir.path().join(Path::new(file).file_name().unwrap());
    let text = c.subst(text);
    std::fs::write(&src, &text).unwrap();
    let tests = dir.path().join("tests");
    std::fs::create_dir(&tests).unwrap();
    let input = e["input"].as_str().unwrap_or("");
    let answer = e["answer"].as_str().unwrap_or("");
    std::fs::write(tests.join("1.in"), input).unwrap();
    std::fs::write(tests.join("1.out"), answer).unwrap();
    let lang = e["lang"].as_str().unwrap_or("c");
    let mut args: Vec<String> = [
        "judge",
        "--json",
        "--time-limit",
        "1",
        "--memory-limit",
        "64",
        "--lang",
        lang,
    ]
    .map(String::from)
    .to_vec();
    let checker_src = e["checker"]
        .as_str()
        .map(|p| c.subst(&std::fs::read_to_string(corpus_dir().join(p)).unwrap()));
    if let Some(cs) = &checker_src {
        let cp = dir.path().join("checker.cpp");
        std::fs::write(&cp, cs).unwrap();
        args.extend(["--checker".into(), cp.to_string_lossy().into_owned()]);
    }
    args.extend(["--tests".into(), tests.to_string_lossy().into_owned()]);
    args.push(src.to_string_lossy().into_owned());
    let (code, out, err) = run_cli(&args, limit)?;
    let mut texts = vec![out.clone(), err.clone()];
    match verdict_of(&out) {
        Some(v) if e["expect"]["verdict_in"].is_array() => {
            expect_verdict(e, &v).map_err(|m| format!("CLI: {m}"))?
        }
        Some(_) => {}
        // A checker that does not compile is an error with a message, not a verdict.
        None if checker_src.is_some() && code != 0 && !err.trim().is_empty() => {}
        None => return Err(format!("CLI exit {code}, no verdict; stderr: {err:.400}")),
    }
    let mut body = json!({
        "source": text,
        "language": lang,
        "tests": [{"input": input, "answer": answer}],
        "limits": {"time_ms": 1000, "memory_mb": 64},
    });
    if let Some(cs) = checker_src {
        body["checker"] = json!({ "custom": cs });
    }
    let r = raw_http(
        addr,
        &http_request("POST", "/v1/judge", body.to_string().as_bytes()),
        limit,
    )?;
    expect_status(e, r.as_ref().map(|r| r.0)).map_err(|m| format!("HTTP: {m}"))?;
    if let Some((200, resp)) = &r {
        if let Some(v) = verdict_of(resp.split("\r\n\r\n").nth(1).unwrap_or("")) {
            expect_verdict(e, &v).map_err(|m| format!("HTTP: {m}"))?;
        }
    }
    texts.extend(r.map(|r| r.1));
    Ok(Outcome { texts })
}

/// One `via: judge_dir` input: a test folder with symlinks made now (CLI only; HTTP has no
/// folders). A verdict or a clear error both pass; content of the link targets must not show.
fn run_judge_dir(e: &Value, c: &Canary, text: &str, limit: Duration) -> Result<Outcome, String> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir
        .path()
        .join(Path::new(e["file"].as_str().unwrap()).file_name().unwrap());
    std::fs::write(&src, c.subst(text)).unwrap();
    let tests = dir.path().join("tests");
    std::fs::create_dir(&tests).unwrap();
    for (name, target) in e["links"].as_object().into_iter().flatten() {
        std::os::unix::fs::symlink(c.subst(target.as_str().unwrap()), tests.join(name)).unwrap();
    }
    for (name, content) in e["files"].as_object().into_iter().flatten() {
        std::fs::write(tests.join(name), content.as_str().unwrap()).unwrap();
    }
    let args: Vec<String> = vec![
        "judge".into(),
        "--json".into(),
        "--time-limit".into(),
        "1".into(),
        "--tests".into(),
        tests.to_string_lossy().into_owned(),
        src.to_string_lossy().into_owned(),
    ];
    let (code, out, err) = run_cli(&args, limit)?;
    if verdict_of(&out).is_none() && (code == 0 || err.trim().is_empty()) {
        return Err(format!(
            "exit {code} with neither a verdict nor an error message"
        ));
    }
    Ok(Outcome {
        texts: vec![out, err],
    })
}

fn health(addr: SocketAddr) -> Result<(), String> {
    let r = raw_http(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(30),
    )?;
    match r {
        Some((200, _)) => Ok(()),
        other => Err(format!(
            "/healthz did not answer 200: {:?}",
            other.map(|o| o.0)
        )),
    }
}

/// One corpus input; `Err` says what went wrong.
fn run_one(e: &Value, c: &Canary, srv: &ServerProcess) -> Result<(), String> {
    let file = e["file"].as_str().ok_or("manifest entry without `file`")?;
    let text =
        std::fs::read_to_string(corpus_dir().join(file)).map_err(|e| format!("{file}: {e}"))?;
    let limit = Duration::from_secs(e["limit_s"].as_u64().unwrap_or(20)) + GUARD;
    let out = match e["via"].as_str() {
        Some("verify") => run_verify(e, c, srv.addr, &text, limit)?,
        Some("judge") => run_judge(e, c, srv.addr, &text, limit)?,
        Some("judge_dir") => run_judge_dir(e, c, &text, limit)?,
        Some("http") => run_http(e, c, srv.addr, &text, limit)?,
        other => return Err(format!("unknown via {other:?}")),
    };
    check_outputs(e, c, &out)?;
    health(srv.addr)
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn manifest_is_well_formed_and_covers_every_class() {
    let m = manifest();
    assert!(m.len() >= 40, "{} inputs", m.len());
    let mut names = std::collections::BTreeSet::new();
    for e in &m {
        let name = e["name"].as_str().expect("name");
        assert!(names.insert(name), "duplicate name {name}");
        assert!(
            corpus_dir().join(e["file"].as_str().unwrap()).is_file(),
            "{name}"
        );
        assert!(e["why"].is_string(), "{name}: say why");
        assert!(e["expect"].is_object(), "{name}: expected outcome");
    }
    for prefix in [
        "smt2-", "claim-", "chain-", "c-", "cpp-", "py-", "dir-", "http-",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(prefix)),
            "no {prefix}* input"
        );
    }
}

#[test]
fn hostile_corpus() {
    let only: Option<Vec<String>> = std::env::var("HOSTILE_ONLY")
        .ok()
        .map(|s| s.split(',').map(String::from).collect());
    let canary = Canary::new();
    let mut srv = ServerProcess::start(SERVER_ARGS, &[]).expect("starting vibecheck serve");
    let mut failures = Vec::new();
    let mut ran = 0;
    for e in manifest() {
        let name = e["name"].as_str().unwrap().to_string();
        if only.as_ref().is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        ran += 1;
        let t = Instant::now();
        let r = run_one(&e, &canary, &srv);
        eprintln!(
            "hostile {name}: {} ({:.1} s)",
            if r.is_ok() { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        if let Err(m) = r {
            let dep = e["depends_on"]
                .as_str()
                .map(|d| format!(" [fix in {d}]"))
                .unwrap_or_default();
            failures.push(format!("{name}{dep}: {m}"));
            // A dead server would fail everything after it: say so, start a fresh one.
            if health(srv.addr).is_err() {
                let status = srv.child.try_wait().ok().flatten();
                failures.push(format!(
                    "{name}: the server stopped answering (exit status {status:?}; restarted)"
                ));
                drop(srv);
                srv = ServerProcess::start(SERVER_ARGS, &[]).expect("restarting vibecheck serve");
            }
        }
    }
    assert!(ran > 0, "HOSTILE_ONLY matched nothing");
    assert!(
        failures.is_empty(),
        "{} of {ran} hostile inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Sends `n` requests with distinct made-up methods; `/metrics` must count them all as `other`.
#[test]
fn metrics_labels_never_carry_client_methods() {
    let srv = ServerProcess::start(&["--no-auth"], &[]).expect("serve");
    for i in 0..50 {
        let m = format!("ZZMETHOD{i}");
        let r = raw_http(
            srv.addr,
            format!("{m} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            Duration::from_secs(30),
        )
        .unwrap();
        assert!(r.is_some_and(|r| (400..500).contains(&r.0)));
    }
    let text = get(srv.addr, "/metrics").text();
    assert!(!text.contains("ZZMETHOD"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("method=\"other\""))
        .unwrap_or_else(|| panic!("no `other` method series:\n{text}"));
    assert!(line.ends_with(" 50"), "{line}");
}

/// Numeric request fields out of range are 422 with a message naming the field (before the
/// backend is consulted: this server has no model).
#[test]
fn absurd_numeric_fields_are_422_naming_the_field() {
    let srv = ServerProcess::start(&["--no-auth"], &[]).expect("serve");
    for (route, body, field) in [
        (
            "/v1/solve",
            json!({"problem": "2+2?", "attempts": 9_223_372_036_854_775_808u64}),
            "attempts",
        ),
        (
            "/v1/solve",
            json!({"problem": "2+2?", "samples": 0}),
            "samples",
        ),
        (
            "/v1/solve",
            json!({"problem": "2+2?", "attempts": 8, "samples": 8}),
            "attempts × samples",
        ),
        (
            "/v1/judge",
            json!({"source": "int main(){}", "language": "c", "tests": [{"input": ""}], "limits": {"time_ms": u64::MAX}}),
            "limits.time_ms",
        ),
        (
            "/v1/judge",
            json!({"source": "int main(){}", "language": "c", "tests": [{"input": ""}], "limits": {"memory_mb": 0}}),
            "limits.memory_mb",
        ),
    ] {
        let r = post_json(srv.addr, route, None, &body);
        assert_eq!(r.status, 422, "{route} {body}: {}", r.text());
        assert!(r.text().contains(field), "{route}: {}", r.text());
    }
    // A custom checker's compile and runs count in the judge budget.
    let tests: Vec<Value> = (0..20).map(|_| json!({"input": ""})).collect();
    let body = json!({"source": "int main(){}", "language": "c", "tests": tests,
        "limits": {"time_ms": 1000}, "checker": {"custom": "int main(){return 0;}"}});
    let r = post_json(srv.addr, "/v1/judge", None, &body);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("checker"), "{}", r.text());
}

/// Past `--max-connections`, a new connection gets a short 503 and is closed; once the open
/// ones go, the server answers again.
#[test]
fn connection_cap_refuses_extra_connections() {
    let srv = ServerProcess::start(
        &[
            "--no-auth",
            "--max-connections",
            "2",
            "--header-timeout",
            "60",
        ],
        &[],
    )
    .expect("serve");
    // Two idle connections hold both slots; prove each is accepted by completing a request on
    // a kept-alive connection.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(srv.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let r = raw_http(
        srv.addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(30),
    )
    .unwrap()
    .expect("a 503, not a silent close");
    assert_eq!(r.0, 503, "{}", r.1);
    assert!(r.1.contains("too many open connections"), "{}", r.1);
    drop(held);
    // The slots come back when the server sees the closes; bounded retries, no fixed sleep.
    let mut ok = false;
    for _ in 0..200 {
        if let Ok(Some((200, _))) = raw_http(
            srv.addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(30),
        ) {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(ok, "the server did not accept connections again");
}

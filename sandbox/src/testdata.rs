//! Loading tests: directories of `NAME.in` + `NAME.out`/`NAME.ans` (oj's `test/`, Kattis'
//! `data/sample` and `data/secret`, nested directories, Polygon's `01` + `01.a`), and
//! Competitive Companion problem JSON.

use crate::TestCase;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Largest test file read (inputs of real problems stay far below this).
pub const MAX_TEST_FILE_BYTES: u64 = 256 << 20;
/// Most test files collected from one directory tree.
pub const MAX_TESTS: usize = 10_000;
/// Deepest directory nesting searched.
pub const MAX_DEPTH: usize = 8;

/// A problem loaded from Competitive Companion JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub name: Option<String>,
    pub tests: Vec<TestCase>,
    pub time_limit_ms: Option<u64>,
    pub memory_limit_mb: Option<u64>,
}

fn read_limited(p: &Path) -> Result<String> {
    let meta = std::fs::metadata(p).with_context(|| format!("reading {}", p.display()))?;
    if meta.len() > MAX_TEST_FILE_BYTES {
        bail!(
            "{} is {} bytes; tests may be at most {MAX_TEST_FILE_BYTES}",
            p.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Collects tests from `dir` and its subdirectories, in natural order of their paths.
pub fn load_dir(dir: &Path) -> Result<Vec<TestCase>> {
    if !dir.is_dir() {
        bail!("test directory {} does not exist", dir.display());
    }
    let mut inputs: Vec<(PathBuf, PathBuf)> = Vec::new(); // (input, name path)
    walk(dir, dir, 0, &mut inputs)?;
    inputs.sort_by(|a, b| natural_cmp(&a.1.to_string_lossy(), &b.1.to_string_lossy()));
    let mut tests = Vec::new();
    for (input, name) in inputs {
        let answer = answer_for(&input);
        tests.push(TestCase {
            name: name.to_string_lossy().into_owned(),
            input: read_limited(&input)?,
            answer: match answer {
                Some(a) => Some(read_limited(&a)?),
                None => None,
            },
        });
    }
    if tests.is_empty() {
        bail!(
            "no tests in {} (expected NAME.in with NAME.out or NAME.ans)",
            dir.display()
        );
    }
    Ok(tests)
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let ft = std::fs::symlink_metadata(&p)?.file_type();
        if ft.is_dir() {
            walk(root, &p, depth + 1, out)?;
        } else if ft.is_file() || ft.is_symlink() {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let test_name = if let Some(stem) = name.strip_suffix(".in") {
                Some(rel.with_file_name(stem))
            } else if !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_digit())
                && p.with_file_name(format!("{name}.a")).exists()
            {
                Some(rel.to_path_buf()) // Polygon: 01 + 01.a
            } else {
                None
            };
            if let Some(n) = test_name {
                if out.len() >= MAX_TESTS {
                    bail!("more than {MAX_TESTS} tests under {}", root.display());
                }
                out.push((p.clone(), n));
            }
        }
    }
    Ok(())
}

fn answer_for(input: &Path) -> Option<PathBuf> {
    let name = input.file_name()?.to_str()?;
    let candidates: Vec<String> = match name.strip_suffix(".in") {
        Some(stem) => vec![
            format!("{stem}.out"),
            format!("{stem}.ans"),
            format!("{stem}.a"),
        ],
        None => vec![format!("{name}.a")],
    };
    candidates
        .into_iter()
        .map(|c| input.with_file_name(c))
        .find(|p| p.is_file())
}

/// Compares strings with digit runs compared as numbers (`t2` < `t10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (&a[..na], &b[..nb]);
                let ta = trim_zeros(da);
                let tb = trim_zeros(db);
                let ord = ta.len().cmp(&tb.len()).then(ta.cmp(tb)).then(na.cmp(&nb));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let z = d.iter().take_while(|c| **c == b'0').count();
    &d[z.min(d.len().saturating_sub(1))..]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcProblem {
    name: Option<String>,
    #[serde(default)]
    interactive: bool,
    time_limit: Option<u64>,
    memory_limit: Option<u64>,
    tests: Vec<CcTest>,
    input: Option<CcIo>,
    output: Option<CcIo>,
}

#[derive(Deserialize)]
struct CcTest {
    input: String,
    output: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcIo {
    #[serde(rename = "type")]
    kind: Option<String>,
    file_name: Option<String>,
}

/// Loads a Competitive Companion problem JSON (`tests`, `timeLimit` ms, `memoryLimit` MB).
pub fn load_problem_json(path: &Path) -> Result<Problem> {
    let text = read_limited(path)?;
    let cc: CcProblem = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a Competitive Companion problem JSON",
            path.display()
        )
    })?;
    if cc.interactive {
        bail!(
            "interactive problems are not supported yet ({})",
            path.display()
        );
    }
    for (what, io) in [("input", &cc.input), ("output", &cc.output)] {
        if let Some(CcIo {
            kind: Some(k),
            file_name,
        }) = io
        {
            if k != "stdin" && k != "stdout" {
                bail!(
                    "problems with file {what} ({}) are not supported yet; the sandbox uses stdin/stdout",
                    file_name.as_deref().unwrap_or(k)
                );
            }
        }
    }
    if cc.tests.is_empty() {
        bail!("{} has no tests", path.display());
    }
    Ok(Problem {
        name: cc.name,
        tests: cc
            .tests
            .into_iter()
            .enumerate()
            .map(|(i, t)| TestCase {
                name: format!("sample-{}", i + 1),
                input: t.input,
                answer: t.output,
            })
            .collect(),
        time_limit_ms: cc.time_limit.filter(|t| *t > 0),
        memory_limit_mb: cc.memory_limit.filter(|m| *m > 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["t10", "t2", "t1", "a/t3", "sample-10", "sample-9"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a/t3", "sample-9", "sample-10", "t1", "t2", "t10"]);
    }
}

//! Loading tests: directories of `NAME.in` + `NAME.out`/`NAME.ans` (oj's `test/`, Kattis'
//! `data/sample` and `data/secret`, nested directories), Polygon's `01` + `01.a`, cf-tool's
//! `in1.txt` + `ans1.txt`, `input1.txt` + `output1.txt`, CPH's `.cph/*.prob`, the `problem.json`
//! that `vibecheck listen` writes, and Competitive Companion problem JSON.
//!
//! A directory is listed up front (names and paths only) and each test is read when it is
//! judged ([`TestSet`] implements [`TestSource`]), so a large test folder is never held in
//! memory at once. Only regular files inside the folder are used: symlinks (to host files, to
//! `/dev/zero`) are skipped when listing and refused when opening (`O_NOFOLLOW`, then `fstat`),
//! and the size cap is enforced while reading, not taken from metadata.

use crate::{TestCase, TestSource};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Largest test file read (inputs of real problems stay far below this).
pub const MAX_TEST_FILE_BYTES: u64 = 256 << 20;
/// Largest problem JSON read (Companion / CPH files hold sample tests: kilobytes).
pub const MAX_PROBLEM_JSON_BYTES: u64 = 64 << 20;
/// Most test files collected from one directory tree.
pub const MAX_TESTS: usize = 10_000;
/// Deepest directory nesting searched.
pub const MAX_DEPTH: usize = 8;
/// The file `vibecheck listen` writes next to the tests: name, URL and limits.
pub const PROBLEM_FILE: &str = "problem.json";

/// Where a test's text comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// A regular file, read (bounded) when the test runs.
    File(PathBuf),
    /// Text already in memory (problem JSON).
    Text(String),
}

impl Data {
    fn load(&self) -> Result<String> {
        match self {
            Data::File(p) => read_limited(p, MAX_TEST_FILE_BYTES),
            Data::Text(t) => Ok(t.clone()),
        }
    }
}

/// One listed test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSpec {
    pub name: String,
    pub input: Data,
    pub answer: Option<Data>,
}

/// Listed tests, loaded one at a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestSet {
    pub tests: Vec<TestSpec>,
}

impl TestSet {
    /// Prefixes every test name (`dir/` when several sources are combined).
    pub fn prefixed(mut self, prefix: &str) -> TestSet {
        for t in &mut self.tests {
            t.name = format!("{prefix}{}", t.name);
        }
        self
    }

    pub fn extend(&mut self, other: TestSet) {
        self.tests.extend(other.tests);
    }

    pub fn len(&self) -> usize {
        self.tests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }
}

impl TestSource for TestSet {
    fn count(&self) -> usize {
        self.tests.len()
    }
    fn name(&self, i: usize) -> String {
        self.tests[i].name.clone()
    }
    fn load(&self, i: usize) -> Result<TestCase> {
        let t = &self.tests[i];
        Ok(TestCase {
            name: t.name.clone(),
            input: t.input.load()?,
            answer: t.answer.as_ref().map(Data::load).transpose()?,
        })
    }
}

/// Tests plus what the source says about the problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    pub name: Option<String>,
    pub url: Option<String>,
    pub tests: TestSet,
    pub time_limit_ms: Option<u64>,
    pub memory_limit_mb: Option<u64>,
    /// An interactive problem (Companion's `interactive`): needs an interactor.
    pub interactive: bool,
}

/// Opens a regular file without following a symlink and reads at most `cap` bytes of it;
/// more is an error found while reading (a file that grows, a device, a pipe are never read
/// without bound).
pub fn read_limited(p: &Path, cap: u64) -> Result<String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(p)
        .with_context(|| format!("opening {} (symlinks are not followed)", p.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("reading {}", p.display()))?;
    if !meta.file_type().is_file() {
        bail!("{} is not a regular file", p.display());
    }
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", p.display()))?;
    if bytes.len() as u64 > cap {
        bail!("{} is larger than {cap} bytes", p.display());
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Loads tests from `path`: a directory (see the module doc) or a problem JSON file
/// (Competitive Companion, CPH `.prob`). `solution`: the solution's file name, to pick its
/// `.cph` entry when a folder holds several.
pub fn load(path: &Path, solution: Option<&str>) -> Result<Problem> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("test directory {} does not exist", path.display()))?;
    if meta.is_file() {
        return load_problem_json(path);
    }
    if !meta.is_dir() {
        bail!("{} is neither a directory nor a file", path.display());
    }
    let mut problem = Problem::default();
    let meta_file = path.join(PROBLEM_FILE);
    if is_regular(&meta_file) {
        // Its tests (if any) are used only when the folder holds no test files.
        problem = load_problem_json_any(&meta_file)?;
    }
    let listed = list_dir(path)?;
    if !listed.is_empty() {
        problem.tests = listed;
    } else if problem.tests.is_empty() {
        let cph = if path.file_name().is_some_and(|n| n == ".cph") {
            path.to_path_buf()
        } else {
            path.join(".cph")
        };
        if let Some(p) = find_cph(&cph, solution)? {
            let limits_known = problem.time_limit_ms.is_some();
            let loaded = load_problem_json(&p)?;
            if !limits_known {
                problem = loaded;
            } else {
                problem.tests = loaded.tests;
            }
        }
    }
    if problem.tests.is_empty() {
        bail!(
            "no tests in {} (expected NAME.in with NAME.out or NAME.ans, inN.txt with ansN.txt, \
             inputN.txt with outputN.txt, Polygon's 01 with 01.a, a problem.json, or .cph/*.prob)",
            path.display()
        );
    }
    Ok(problem)
}

fn is_regular(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

/// The CPH problem file for `solution` in `dir` (`.NAME_HASH.prob`), or the only one there.
fn find_cph(dir: &Path, solution: Option<&str>) -> Result<Option<PathBuf>> {
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Ok(None);
    }
    let mut probs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "prob") && is_regular(p))
        .collect();
    probs.sort();
    if let Some(sol) = solution {
        let prefix = format!(".{sol}_");
        if let Some(p) = probs.iter().find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        }) {
            return Ok(Some(p.clone()));
        }
    }
    match probs.len() {
        0 => Ok(None),
        1 => Ok(probs.pop()),
        n => bail!(
            "{} holds {n} CPH problems and none is named after the solution; pass --tests FILE.prob",
            dir.display()
        ),
    }
}

/// Lists the test files under `dir` (regular files only, no symlinks followed), in natural
/// order of their paths.
pub fn list_dir(dir: &Path) -> Result<TestSet> {
    let mut inputs: Vec<(PathBuf, PathBuf, Option<PathBuf>)> = Vec::new(); // (input, name, answer)
    walk(dir, dir, 0, &mut inputs)?;
    inputs.sort_by(|a, b| natural_cmp(&a.1.to_string_lossy(), &b.1.to_string_lossy()));
    Ok(TestSet {
        tests: inputs
            .into_iter()
            .map(|(input, name, answer)| TestSpec {
                name: name.to_string_lossy().into_owned(),
                input: Data::File(input),
                answer: answer.map(Data::File),
            })
            .collect(),
    })
}

/// The test name and answer candidates for an input file name, by layout.
fn classify(name: &str) -> Option<(String, Vec<String>)> {
    if let Some(stem) = name.strip_suffix(".in") {
        return Some((
            stem.to_string(),
            vec![
                format!("{stem}.out"),
                format!("{stem}.ans"),
                format!("{stem}.a"),
            ],
        ));
    }
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".txt"))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    };
    if let Some(n) = numbered("in") {
        // cf-tool
        return Some((
            n.clone(),
            vec![format!("ans{n}.txt"), format!("out{n}.txt")],
        ));
    }
    if let Some(n) = numbered("input") {
        return Some((n.clone(), vec![format!("output{n}.txt")]));
    }
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return Some((name.to_string(), vec![format!("{name}.a")])); // Polygon
    }
    None
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<(PathBuf, PathBuf, Option<PathBuf>)>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = meta.file_type();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if ft.is_dir() {
            if name != ".cph" && name != ".git" {
                walk(root, &p, depth + 1, out)?;
            }
            continue;
        }
        if !ft.is_file() {
            continue; // symlinks, devices, pipes, sockets: never tests
        }
        let Some((stem, answers)) = classify(name) else {
            continue;
        };
        let answer = answers
            .iter()
            .map(|a| p.with_file_name(a))
            .find(|a| is_regular(a));
        // Polygon's bare `01` is a test only next to its `01.a`.
        if name.bytes().all(|b| b.is_ascii_digit()) && answer.is_none() {
            continue;
        }
        let rel = p.strip_prefix(root).unwrap_or(&p);
        if out.len() >= MAX_TESTS {
            bail!("more than {MAX_TESTS} tests under {}", root.display());
        }
        out.push((p.clone(), rel.with_file_name(stem), answer));
    }
    Ok(())
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
    url: Option<String>,
    #[serde(default)]
    interactive: bool,
    time_limit: Option<u64>,
    memory_limit: Option<u64>,
    #[serde(default)]
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

/// Loads a Competitive Companion problem JSON or a CPH `.prob` (`tests`, `timeLimit` ms,
/// `memoryLimit` MB, `url`); it must hold tests.
pub fn load_problem_json(path: &Path) -> Result<Problem> {
    let p = load_problem_json_any(path)?;
    if p.tests.is_empty() {
        bail!("{} has no tests", path.display());
    }
    Ok(p)
}

/// Like [`load_problem_json`], but a file without tests (limits only) is fine.
fn load_problem_json_any(path: &Path) -> Result<Problem> {
    let text = read_limited(path, MAX_PROBLEM_JSON_BYTES)?;
    parse_problem_json(&text).with_context(|| {
        format!(
            "{} is not a Competitive Companion / CPH problem JSON",
            path.display()
        )
    })
}

/// Parses Competitive Companion problem JSON text (also what `vibecheck listen` receives).
pub fn parse_problem_json(text: &str) -> Result<Problem> {
    let cc: CcProblem = serde_json::from_str(text)?;
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
    Ok(Problem {
        name: cc.name,
        url: cc.url,
        interactive: cc.interactive,
        tests: TestSet {
            tests: cc
                .tests
                .into_iter()
                .enumerate()
                .map(|(i, t)| TestSpec {
                    name: format!("sample-{}", i + 1),
                    input: Data::Text(t.input),
                    answer: t.output.map(Data::Text),
                })
                .collect(),
        },
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

    fn names(set: &TestSet) -> Vec<String> {
        set.tests.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn layouts() {
        let d = tempfile::tempdir().unwrap();
        let w = |n: &str, s: &str| std::fs::write(d.path().join(n), s).unwrap();
        w("in1.txt", "1");
        w("ans1.txt", "1");
        w("input2.txt", "2");
        w("output2.txt", "2");
        w("03", "3");
        w("03.a", "3");
        w("04", "not a test without 04.a");
        w("t5.in", "5");
        w("t5.ans", "5");
        let set = list_dir(d.path()).unwrap();
        assert_eq!(names(&set), ["1", "2", "03", "t5"]);
        assert!(set.tests.iter().all(|t| t.answer.is_some()));
        assert_eq!(set.load(1).unwrap().input, "2");
    }

    #[test]
    fn symlinks_devices_and_big_files_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("ok.in"), "1").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", p.join("passwd.in")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", p.join("zero.in")).unwrap();
        std::fs::write(p.join("real.in"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", p.join("real.out")).unwrap();
        let set = list_dir(p).unwrap();
        assert_eq!(names(&set), ["ok", "real"]);
        // The symlinked answer is not used.
        assert!(set.tests[1].answer.is_none());
        // Opening refuses symlinks and non-regular files even when asked directly.
        assert!(read_limited(&p.join("passwd.in"), 1 << 20).is_err());
        assert!(read_limited(Path::new("/dev/zero"), 1 << 20).is_err());
        // The cap holds while reading.
        std::fs::write(p.join("big.in"), vec![b'7'; 100]).unwrap();
        assert!(read_limited(&p.join("big.in"), 99).is_err());
        assert_eq!(read_limited(&p.join("big.in"), 100).unwrap().len(), 100);
    }

    #[test]
    fn cph_and_problem_json() {
        let d = tempfile::tempdir().unwrap();
        let cph = d.path().join(".cph");
        std::fs::create_dir(&cph).unwrap();
        std::fs::write(
            cph.join(".a.cpp_0123.prob"),
            r#"{"name":"A","url":"u","timeLimit":3000,"memoryLimit":512,
               "tests":[{"id":1,"input":"1\n","output":"1\n"}],"srcPath":"/x/a.cpp"}"#,
        )
        .unwrap();
        let p = load(d.path(), Some("a.cpp")).unwrap();
        assert_eq!(
            (p.time_limit_ms, p.memory_limit_mb),
            (Some(3000), Some(512))
        );
        assert_eq!(p.tests.len(), 1);
        std::fs::write(
            d.path().join(PROBLEM_FILE),
            r#"{"name":"B","url":"v","timeLimit":1000,"memoryLimit":64}"#,
        )
        .unwrap();
        std::fs::write(d.path().join("1.in"), "5").unwrap();
        let p = load(d.path(), None).unwrap();
        assert_eq!(p.url.as_deref(), Some("v"));
        assert_eq!(p.time_limit_ms, Some(1000));
        assert_eq!(names(&p.tests), ["1"]);
    }
}

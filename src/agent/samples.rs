//! Test cases for code problems: sample tests parsed out of a problem statement
//! (Codeforces / AtCoder / LeetCode-style "Input / Output / Example" blocks), tests loaded from a
//! directory of `.in`/`.out` files or Competitive Companion JSON, and merging them.
//!
//! Parsing never fails: a statement without recognisable samples simply yields none.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::Path;
use vibecheck_sandbox::TestCase;

/// Most tests taken from one statement or directory (a statement has a handful of samples; a
/// test directory is judged in full for every attempt, so this bounds the cost of an attempt).
pub const MAX_TESTS: usize = 500;
/// Largest single test file (input or answer) read from `--tests` (keeps a wrong path from
/// pulling gigabytes into memory; contest tests are at most a few MB).
pub const MAX_TEST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How the samples in a statement are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleStyle {
    /// Separate input and output blocks (Codeforces, AtCoder, Kattis, markdown fences).
    Blocks,
    /// LeetCode's `Input: a = 1, b = [2]` / `Output: 3` lines: each argument's value becomes a
    /// line of standard input, the output is the printed return value.
    Inline,
}

/// Sample tests found in a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    pub tests: Vec<TestCase>,
    pub style: Option<SampleStyle>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    /// A sample input header; `explicit` when the header itself says sample/example.
    Input {
        explicit: bool,
    },
    Output {
        explicit: bool,
    },
    /// "Examples", "Sample tests", …: the plain Input/Output headers after it are samples.
    Examples,
    /// "Note", "Explanation", "Constraints", …: ends a block.
    Other,
}

fn clean_header(line: &str) -> String {
    let t = line
        .trim()
        .trim_start_matches(['#', '*', '-', '=', ' '])
        .trim_end_matches(['*', ':', '：', ' ', '='])
        .trim_start_matches('*')
        .to_lowercase();
    t.trim().to_string()
}

fn strip_number(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '#' || c == '.')
        .trim()
}

fn classify(line: &str) -> Option<Header> {
    if line.trim().len() > 40 {
        return None;
    }
    let h = clean_header(line);
    let h = strip_number(&h);
    // AtCoder's Japanese headings.
    if h.starts_with("入力例") {
        return Some(Header::Input { explicit: true });
    }
    if h.starts_with("出力例") {
        return Some(Header::Output { explicit: true });
    }
    match h {
        "input" | "stdin" => return Some(Header::Input { explicit: false }),
        "output" | "stdout" => return Some(Header::Output { explicit: false }),
        "sample input" | "example input" | "input example" | "sample in" => {
            return Some(Header::Input { explicit: true })
        }
        "sample output" | "example output" | "output example" | "sample out" => {
            return Some(Header::Output { explicit: true })
        }
        "example"
        | "examples"
        | "sample"
        | "samples"
        | "sample test"
        | "sample tests"
        | "sample test cases"
        | "sample testcases"
        | "example tests"
        | "sample cases"
        | "sample input and output"
        | "sample input/output"
        | "examples and notes" => return Some(Header::Examples),
        "note" | "notes" | "explanation" | "constraints" | "hint" | "hints" | "scoring"
        | "subtasks" | "input format" | "output format" | "follow-up" | "follow up" => {
            return Some(Header::Other)
        }
        _ => {}
    }
    None
}

/// Finds the sample tests in a problem statement.
pub fn parse_samples(statement: &str) -> Samples {
    let text = statement.replace("\r\n", "\n");
    let blocks = parse_blocks(&text);
    if !blocks.is_empty() {
        return Samples {
            tests: blocks,
            style: Some(SampleStyle::Blocks),
        };
    }
    let inline = parse_inline(&text);
    if !inline.is_empty() {
        return Samples {
            tests: inline,
            style: Some(SampleStyle::Inline),
        };
    }
    Samples {
        tests: vec![],
        style: None,
    }
}

fn parse_blocks(text: &str) -> Vec<TestCase> {
    let lines: Vec<&str> = text.lines().collect();
    let mut in_examples = false;
    let mut pending_input: Option<String> = None;
    let mut tests = Vec::new();
    let mut i = 0;
    while i < lines.len() && tests.len() < MAX_TESTS {
        let header = classify(lines[i]);
        i += 1;
        let (is_input, explicit) = match header {
            Some(Header::Examples) => {
                in_examples = true;
                continue;
            }
            Some(Header::Other) | None => continue,
            Some(Header::Input { explicit }) => (true, explicit),
            Some(Header::Output { explicit }) => (false, explicit),
        };
        if !explicit && !in_examples {
            // A plain "Input" heading before any "Examples" heading introduces the input format.
            continue;
        }
        let (block, next) = read_block(&lines, i);
        i = next;
        let Some(block) = block else { continue };
        if is_input {
            pending_input = Some(block);
        } else if let Some(input) = pending_input.take() {
            tests.push(TestCase {
                name: format!("sample-{}", tests.len() + 1),
                input,
                answer: Some(block),
            });
        }
    }
    tests
}

/// Reads the block after a header: a fenced block if one starts within the next blank lines,
/// else the lines up to the next header or blank line. Returns the text (with a final newline)
/// and the index of the first unread line.
fn read_block(lines: &[&str], mut i: usize) -> (Option<String>, usize) {
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    if i >= lines.len() {
        return (None, i);
    }
    let first = lines[i].trim_start();
    if first.starts_with("```") || first.starts_with("~~~") {
        let fence = &first[..3];
        let mut body = String::new();
        i += 1;
        while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        return (Some(body), (i + 1).min(lines.len()));
    }
    if classify(lines[i]).is_some() {
        return (None, i);
    }
    let mut body = String::new();
    while i < lines.len() && !lines[i].trim().is_empty() && classify(lines[i]).is_none() {
        body.push_str(lines[i].trim_end());
        body.push('\n');
        i += 1;
    }
    (Some(body), i)
}

/// LeetCode style: `Input: nums = [2,7,11,15], target = 9` then `Output: [0,1]`.
fn parse_inline(text: &str) -> Vec<TestCase> {
    let mut tests = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        let t = line.trim().trim_start_matches(['*', '-', ' ']);
        if let Some(rest) = strip_prefix_ci(t, "input:") {
            let rest = rest.trim().trim_matches('*').trim();
            if !rest.is_empty() {
                pending = Some(inline_args(rest));
            }
        } else if let Some(rest) = strip_prefix_ci(t, "output:") {
            let rest = rest.trim().trim_matches('*').trim();
            if let (Some(input), false) = (pending.take(), rest.is_empty()) {
                tests.push(TestCase {
                    name: format!("sample-{}", tests.len() + 1),
                    input,
                    answer: Some(format!("{rest}\n")),
                });
                if tests.len() >= MAX_TESTS {
                    break;
                }
            }
        }
    }
    tests
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|h| h.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// `a = 1, b = [2, 3], s = "x, y"` → `1\n[2, 3]\n"x, y"\n` (splits on top-level commas only).
fn inline_args(s: &str) -> String {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in s.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => match c {
                '"' | '\'' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '[' | '(' | '{' => {
                    depth += 1;
                    cur.push(c);
                }
                ']' | ')' | '}' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            },
        }
    }
    parts.push(cur);
    let mut out = String::new();
    for p in parts {
        let p = p.trim();
        let value = match p.split_once('=') {
            Some((name, v)) if is_ident(name.trim()) => v.trim(),
            _ => p,
        };
        out.push_str(value);
        out.push('\n');
    }
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Competitive Companion's JSON (the browser extension's export): the fields we use.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Companion {
    #[serde(default)]
    name: Option<String>,
    tests: Vec<CompanionTest>,
    /// Milliseconds.
    #[serde(default)]
    time_limit: Option<u64>,
    /// Megabytes.
    #[serde(default)]
    memory_limit: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CompanionTest {
    input: String,
    output: String,
}

/// Tests and limits loaded from `--tests`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedTests {
    pub tests: Vec<TestCase>,
    /// From Competitive Companion's `timeLimit`, when present.
    pub time_ms: Option<u64>,
    /// From Competitive Companion's `memoryLimit`, when present.
    pub memory_mb: Option<u64>,
}

fn read_limited(path: &Path) -> anyhow::Result<String> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > MAX_TEST_FILE_BYTES {
        bail!(
            "{}: {len} bytes, more than the {MAX_TEST_FILE_BYTES}-byte limit for a test file",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))
}

/// Loads Competitive Companion JSON.
pub fn load_companion(path: &Path) -> anyhow::Result<LoadedTests> {
    let text = read_limited(path)?;
    let c: Companion = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not Competitive Companion JSON (expected an object with a \"tests\" array of {{\"input\", \"output\"}})",
            path.display()
        )
    })?;
    let prefix = c
        .name
        .as_deref()
        .map(|n| {
            n.chars()
                .filter(|c| c.is_alphanumeric())
                .take(24)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "test".into());
    Ok(LoadedTests {
        tests: c
            .tests
            .into_iter()
            .take(MAX_TESTS)
            .enumerate()
            .map(|(i, t)| TestCase {
                name: format!("{prefix}-{}", i + 1),
                input: t.input,
                answer: Some(t.output),
            })
            .collect(),
        time_ms: c.time_limit.filter(|&t| t > 0),
        memory_mb: c.memory_limit.filter(|&m| m > 0),
    })
}

/// Loads `--tests PATH`: a Competitive Companion `.json` file, or a directory holding such files
/// and/or input/answer pairs (`NAME.in` + `NAME.out`|`NAME.ans`|`NAME.a`, `inputN.txt` +
/// `outputN.txt`). Inputs without an answer file are kept (they can still catch crashes).
pub fn load_tests(path: &Path) -> anyhow::Result<LoadedTests> {
    if path.is_file() {
        return load_companion(path);
    }
    if !path.is_dir() {
        bail!("--tests {}: no such file or directory", path.display());
    }
    let mut names: Vec<_> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    names.sort_by_cached_key(|p| natural_key(p));
    let mut out = LoadedTests::default();
    for p in &names {
        let fname = p.file_name().and_then(|s| s.to_str()).unwrap_or("");
        if fname.ends_with(".json") {
            let c = load_companion(p)?;
            out.tests.extend(c.tests);
            out.time_ms = out.time_ms.or(c.time_ms);
            out.memory_mb = out.memory_mb.or(c.memory_mb);
            continue;
        }
        let answer_names: Vec<String> = if let Some(stem) = fname.strip_suffix(".in") {
            ["out", "ans", "a", "answer"]
                .iter()
                .map(|e| format!("{stem}.{e}"))
                .collect()
        } else if let Some(rest) = fname.strip_prefix("input") {
            vec![format!("output{rest}")]
        } else {
            continue;
        };
        let input = read_limited(p)?;
        let mut answer = None;
        for a in answer_names {
            let ap = path.join(&a);
            if ap.is_file() {
                answer = Some(read_limited(&ap)?);
                break;
            }
        }
        let name = fname
            .strip_suffix(".in")
            .or_else(|| fname.strip_suffix(".txt"))
            .unwrap_or(fname)
            .to_string();
        out.tests.push(TestCase {
            name,
            input,
            answer,
        });
    }
    out.tests.truncate(MAX_TESTS);
    if out.tests.is_empty() {
        bail!(
            "--tests {}: no tests found (expected NAME.in + NAME.out/.ans files, inputN.txt + outputN.txt, or Competitive Companion .json)",
            path.display()
        );
    }
    Ok(out)
}

fn natural_key(p: &Path) -> (String, u64, String) {
    let s = p
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let prefix: String = s.chars().take_while(|c| !c.is_ascii_digit()).collect();
    (prefix, digits.parse().unwrap_or(u64::MAX), s)
}

/// Appends `extra` to `tests`, skipping tests whose input (ignoring trailing whitespace) is
/// already present; keeps at most [`MAX_TESTS`].
pub fn merge(tests: &mut Vec<TestCase>, extra: impl IntoIterator<Item = TestCase>) {
    for t in extra {
        if tests.len() >= MAX_TESTS {
            break;
        }
        if !tests
            .iter()
            .any(|x| x.input.trim_end() == t.input.trim_end())
        {
            tests.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(t: &TestCase) -> (&str, &str) {
        (t.input.as_str(), t.answer.as_deref().unwrap())
    }

    #[test]
    fn codeforces_copy_skips_the_format_sections() {
        let s = "A. Sum\ntime limit per test: 1 second\n\nInput\nThe first line contains n.\n\nOutput\nPrint the sum.\n\nExamples\ninput\n3\n1 2 3\noutput\n6\ninput\n1\n5\noutput\n5\nNote\nIn the first test 1+2+3=6.\n";
        let got = parse_samples(s);
        assert_eq!(got.style, Some(SampleStyle::Blocks));
        assert_eq!(got.tests.len(), 2);
        assert_eq!(io(&got.tests[0]), ("3\n1 2 3\n", "6\n"));
        assert_eq!(io(&got.tests[1]), ("1\n5\n", "5\n"));
    }

    #[test]
    fn atcoder_and_markdown_fences() {
        let s = "Problem Statement\nPrint A+B.\n\n### Sample Input 1\n```\n1 2\n```\n\n### Sample Output 1\n```\n3\n```\n\nSample Input 2\n\n10 20\n\nSample Output 2\n\n30\n\n入力例 3\n5 5\n出力例 3\n10\n";
        let got = parse_samples(s);
        assert_eq!(got.tests.len(), 3, "{got:?}");
        assert_eq!(io(&got.tests[0]), ("1 2\n", "3\n"));
        assert_eq!(io(&got.tests[1]), ("10 20\n", "30\n"));
        assert_eq!(io(&got.tests[2]), ("5 5\n", "10\n"));
    }

    #[test]
    fn leetcode_inline_examples() {
        let s = "Given nums and target, return indices.\n\nExample 1:\n\nInput: nums = [2,7,11,15], target = 9\nOutput: [0,1]\nExplanation: nums[0] + nums[1] == 9.\n\nExample 2:\nInput: s = \"a, b\", k = 2\nOutput: true\n";
        let got = parse_samples(s);
        assert_eq!(got.style, Some(SampleStyle::Inline));
        assert_eq!(got.tests.len(), 2);
        assert_eq!(io(&got.tests[0]), ("[2,7,11,15]\n9\n", "[0,1]\n"));
        assert_eq!(io(&got.tests[1]), ("\"a, b\"\n2\n", "true\n"));
    }

    #[test]
    fn math_text_has_no_samples() {
        let got = parse_samples("What is the output of 3 + 4? Input your answer below.");
        assert!(got.tests.is_empty());
        assert_eq!(got.style, None);
        assert!(parse_samples("").tests.is_empty());
    }

    #[test]
    fn test_dirs_and_companion_json() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("2.in"), "2\n").unwrap();
        std::fs::write(d.path().join("2.out"), "4\n").unwrap();
        std::fs::write(d.path().join("10.in"), "10\n").unwrap();
        std::fs::write(d.path().join("10.ans"), "20\n").unwrap();
        std::fs::write(d.path().join("3.in"), "3\n").unwrap();
        std::fs::write(
            d.path().join("cc.json"),
            r#"{"name":"A. Double","group":"CF","url":"x","interactive":false,"memoryLimit":256,"timeLimit":2000,"tests":[{"input":"7\n","output":"14\n"}]}"#,
        )
        .unwrap();
        let got = load_tests(d.path()).unwrap();
        let names: Vec<_> = got.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["2", "3", "10", "ADouble-1"]);
        assert_eq!(got.tests[1].answer, None);
        assert_eq!(got.tests[2].answer.as_deref(), Some("20\n"));
        assert_eq!(got.time_ms, Some(2000));
        assert_eq!(got.memory_mb, Some(256));
        let bad = d.path().join("bad.json");
        std::fs::write(&bad, "{not json").unwrap();
        assert!(load_tests(&bad)
            .unwrap_err()
            .to_string()
            .contains("Competitive Companion"));
        assert!(load_tests(&d.path().join("nope")).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(load_tests(empty.path()).is_err());
    }

    #[test]
    fn merge_skips_duplicate_inputs() {
        let mut a = parse_samples("Examples\nInput\n1\nOutput\n2\n").tests;
        let b = vec![
            TestCase {
                name: "x".into(),
                input: "1".into(),
                answer: Some("2".into()),
            },
            TestCase {
                name: "y".into(),
                input: "5\n".into(),
                answer: None,
            },
        ];
        merge(&mut a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].name, "y");
    }
}

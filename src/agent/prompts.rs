//! Prompt templates: the six files in `prompts/` (compiled into the binary with `include_str!`),
//! optionally overridden file by file from a `--prompt-dir`, and rendered by [`render`].
//!
//! A template may start with an HTML comment (`<!-- … -->`) documenting its placeholders; it is
//! stripped before use. Placeholders are `{{name}}`; substituted values are never re-scanned, so a
//! problem statement that happens to contain `{{feedback}}` stays as written.

use anyhow::{bail, Context};
use std::path::Path;

/// Largest prompt template file accepted from `--prompt-dir` (a template is a page of text; this
/// bounds what a wrong path could make us read into memory).
pub const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// The prompt templates used by the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompts {
    /// Math problems: `{{problem}}`, `{{claims}}`.
    pub math: String,
    /// Code problems: `{{problem}}`, `{{language}}`, `{{fence}}`, `{{io}}`.
    pub code: String,
    /// Retries: `{{feedback}}`, `{{task}}`.
    pub retry: String,
    /// Brute force for stress tests: `{{problem}}`, `{{language}}`, `{{fence}}`, `{{io}}`.
    pub brute: String,
    /// Test generator for stress tests: `{{problem}}`, `{{language}}`, `{{fence}}`, `{{seed}}`.
    pub generator: String,
    /// Program-of-thought for math: `{{problem}}`.
    pub pot: String,
}

/// (file name, placeholders that must appear in it, builtin text).
const FILES: [(&str, &[&str], &str); 6] = [
    (
        "math.md",
        &["problem"],
        include_str!("../../prompts/math.md"),
    ),
    (
        "code.md",
        &["problem", "fence"],
        include_str!("../../prompts/code.md"),
    ),
    (
        "retry.md",
        &["feedback", "task"],
        include_str!("../../prompts/retry.md"),
    ),
    (
        "brute.md",
        &["problem", "fence"],
        include_str!("../../prompts/brute.md"),
    ),
    (
        "generator.md",
        &["problem", "fence"],
        include_str!("../../prompts/generator.md"),
    ),
    ("pot.md", &["problem"], include_str!("../../prompts/pot.md")),
];

impl Default for Prompts {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Prompts {
    /// The templates compiled into the binary.
    pub fn builtin() -> Self {
        let t = |i: usize| strip_comment(FILES[i].2).to_string();
        Prompts {
            math: t(0),
            code: t(1),
            retry: t(2),
            brute: t(3),
            generator: t(4),
            pot: t(5),
        }
    }

    /// The builtin templates, each replaced by `dir/<name>.md` when that file exists. A file that
    /// lacks one of its required placeholders is an error (it would silently drop the problem).
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut p = Self::builtin();
        let Some(dir) = dir else { return Ok(p) };
        if !dir.is_dir() {
            bail!("--prompt-dir {}: not a directory", dir.display());
        }
        for (i, (name, required, _)) in FILES.iter().enumerate() {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let len = std::fs::metadata(&path)
                .with_context(|| format!("reading {}", path.display()))?
                .len();
            if len > MAX_TEMPLATE_BYTES {
                bail!(
                    "{}: {len} bytes, more than the {MAX_TEMPLATE_BYTES}-byte limit for a prompt template",
                    path.display()
                );
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let text = strip_comment(&text).to_string();
            for r in required.iter() {
                if !text.contains(&format!("{{{{{r}}}}}")) {
                    bail!("{}: missing the placeholder {{{{{r}}}}}", path.display());
                }
            }
            match i {
                0 => p.math = text,
                1 => p.code = text,
                2 => p.retry = text,
                3 => p.brute = text,
                4 => p.generator = text,
                _ => p.pot = text,
            }
        }
        Ok(p)
    }
}

/// Drops a leading `<!-- … -->` block (and the blank lines after it).
fn strip_comment(text: &str) -> &str {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("<!--") {
        if let Some(end) = rest.find("-->") {
            return rest[end + 3..].trim_start_matches(['\n', '\r']);
        }
    }
    text
}

/// Replaces every `{{name}}` whose name is in `vars` with its value, in one left-to-right pass.
/// Unknown placeholders are kept as written; the result has surrounding whitespace trimmed.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + vars.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push_str("{{");
                        out.push_str(name);
                        out.push_str("}}");
                    }
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_prompt_is_vibethinkers_format() {
        let p = Prompts::builtin();
        let s = render(&p.math, &[("problem", "What is 2+3?"), ("claims", "")]);
        assert!(s.starts_with("What is 2+3?"));
        assert!(
            s.ends_with("Let's think step by step and output the final answer within \\boxed{}.")
        );
        assert!(!s.contains("<!--"));
    }

    #[test]
    fn render_does_not_rescan_values() {
        let s = render("A {{x}} B {{y}} {{unknown}}", &[("x", "{{y}}"), ("y", "2")]);
        assert_eq!(s, "A {{y}} B 2 {{unknown}}");
        assert_eq!(render("open {{ brace", &[]), "open {{ brace");
    }

    #[test]
    fn prompt_dir_overrides_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("math.md"),
            "<!-- doc -->\nSolve: {{problem}}",
        )
        .unwrap();
        let p = Prompts::load(Some(dir.path())).unwrap();
        assert_eq!(p.math, "Solve: {{problem}}");
        assert_eq!(p.code, Prompts::builtin().code);
        std::fs::write(dir.path().join("retry.md"), "no placeholders").unwrap();
        let e = Prompts::load(Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("{{feedback}}"), "{e}");
        assert!(Prompts::load(Some(&dir.path().join("missing"))).is_err());
    }
}

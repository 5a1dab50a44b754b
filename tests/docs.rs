//! The user docs cannot silently drift from the command line: every long flag the real binary
//! prints in `vibecheck <command> --help` appears in that command's page under `docs/`, every
//! flag named in the first column of a flag table there exists, and every subcommand has a page.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Each public subcommand and the docs page that documents it.
const PAGES: &[(&str, &str)] = &[
    ("verify", "docs/verify.md"),
    ("judge", "docs/judge.md"),
    ("stress", "docs/judge.md"),
    ("solve", "docs/solve.md"),
    ("serve", "docs/serve.md"),
    ("generate", "docs/model.md"),
    ("listen", "docs/listen.md"),
];

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(args)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .expect("run vibecheck --help");
    assert!(
        out.status.success(),
        "vibecheck {args:?} --help failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The long flags clap lists as options (lines `  -j, --jobs <N>` or `      --tests <DIR>`),
/// without `--help` / `--version`.
fn long_flags(help: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for line in help.lines() {
        let t = line.trim_start();
        let t = match t.split_once(", ") {
            Some((short, rest)) if short.len() == 2 && short.starts_with('-') => rest,
            _ => t,
        };
        let Some(rest) = t.strip_prefix("--") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !name.is_empty() && name != "help" && name != "version" {
            flags.insert(format!("--{name}"));
        }
    }
    flags
}

/// The subcommands `vibecheck --help` lists (its `Commands:` section), without `help`.
fn subcommands() -> BTreeSet<String> {
    let text = help(&[]);
    let section = text
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section in vibecheck --help");
    section
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Whether `flag` occurs in `text` as a whole flag (`--stress` is not found in `--stress-iterations`).
fn mentions(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(i, _)| {
        let next = text[i + flag.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

fn page(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_subcommand_has_a_docs_page() {
    let documented: BTreeSet<String> = PAGES.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(
        subcommands(),
        documented,
        "vibecheck --help lists these subcommands; tests/docs.rs PAGES (and docs/) must match"
    );
}

#[test]
fn every_help_flag_is_documented() {
    let mut missing = Vec::new();
    for (cmd, rel) in PAGES {
        let flags = long_flags(&help(&[cmd]));
        assert!(
            !flags.is_empty(),
            "no flags parsed from `vibecheck {cmd} --help`"
        );
        let text = page(rel);
        for f in flags {
            if !mentions(&text, &f) {
                missing.push(format!("{rel}: `vibecheck {cmd} {f}` is not documented"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_flag_in_a_docs_table_exists() {
    let mut stale = Vec::new();
    let pages: BTreeSet<&str> = PAGES.iter().map(|(_, p)| *p).collect();
    for rel in pages {
        let real: BTreeSet<String> = PAGES
            .iter()
            .filter(|(_, p)| *p == rel)
            .flat_map(|(cmd, _)| long_flags(&help(&[cmd])))
            .collect();
        for line in page(rel).lines() {
            // The first cell of a flag table row: "| `--rate`, `--burst` | default | meaning |".
            let Some(cell) = line.strip_prefix("| `").and_then(|r| r.split(" | ").next()) else {
                continue;
            };
            for word in cell.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
                if word.starts_with("--") && word.len() > 2 && !real.contains(word) {
                    stale.push(format!(
                        "{rel}: {word} is in a flag table but not in --help"
                    ));
                }
            }
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn help_flag_parser_reads_clap_layout() {
    let sample =
        "Options:\n      --tests <DIR>\n          A directory\n  -j, --jobs <JOBS>\n          \
                  Parallel, see --not-a-flag\n  -h, --help\n          Print help\n";
    let got: Vec<String> = long_flags(sample).into_iter().collect();
    assert_eq!(got, ["--jobs", "--tests"]);
    assert!(mentions("`--stress` / `--no-stress`", "--stress"));
    assert!(!mentions("`--stress-iterations N`", "--stress"));
}

//! Headers a checker, generator or interactor brings along (testlib.h and friends), copied
//! into the compile directory so clang never reads the user's folders.
//!
//! testlib's own layouts both work unmodified: `testlib.h` beside the source, or one folder up
//! (testlib's repository keeps checkers in `checkers/` with `testlib.h` above them; its sources
//! say `#include "testlib.h"`). Every header file beside the source is taken too (a checker's
//! own `common.h`). Only regular files (no symlinks), at most [`MAX_COMPANION_HEADERS`] of at
//! most [`MAX_HEADER_BYTES`] each; every one passes the same [`super::prescan`] as the source.

use std::io::Read;
use std::path::Path;

/// Largest header taken along (testlib.h is about 200 KiB).
pub const MAX_HEADER_BYTES: u64 = 1 << 20;
/// Most headers taken from beside one source (a checker folder rarely has more than two).
pub const MAX_COMPANION_HEADERS: usize = 32;
/// The header looked for one folder above the source as well (testlib's repository layout).
pub const TESTLIB_H: &str = "testlib.h";

/// A header to place beside the source in the compile directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Companion {
    pub name: String,
    pub text: String,
}

fn is_header(name: &str) -> bool {
    matches!(
        Path::new(name).extension().and_then(|e| e.to_str()),
        Some("h" | "hpp" | "hh" | "hxx" | "inc")
    )
}

/// Reads a regular file (not a symlink) of at most [`MAX_HEADER_BYTES`], enforced while
/// reading. `Ok(None)`: not a regular file.
fn read_regular(path: &Path) -> Result<Option<String>, String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    if !meta.file_type().is_file() {
        return Ok(None);
    }
    let shown = path.display();
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_HEADER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_HEADER_BYTES {
        return Err(format!(
            "{shown} is larger than {} KiB",
            MAX_HEADER_BYTES >> 10
        ));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{shown} is not UTF-8 text"))
}

/// The headers beside a source in `dir`, plus `testlib.h` from the folder above when there is
/// none beside it, sorted by name. `Err` is a CE message.
pub fn gather(dir: &Path) -> Result<Vec<Companion>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| is_header(n))
        .collect();
    names.sort();
    if names.len() > MAX_COMPANION_HEADERS {
        return Err(format!(
            "{} holds {} headers; at most {MAX_COMPANION_HEADERS} are taken along",
            dir.display(),
            names.len()
        ));
    }
    let mut out = Vec::new();
    for name in names {
        if let Some(text) = read_regular(&dir.join(&name))? {
            out.push(Companion { name, text });
        }
    }
    if !out.iter().any(|c| c.name == TESTLIB_H) {
        if let Some(parent) = dir.parent() {
            if let Some(text) = read_regular(&parent.join(TESTLIB_H))? {
                out.push(Companion {
                    name: TESTLIB_H.to_string(),
                    text,
                });
                out.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }
    for c in &out {
        super::prescan(&c.text).map_err(|e| format!("{}: {e}", c.name))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_headers_beside_and_testlib_above_but_not_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let checkers = root.path().join("checkers");
        std::fs::create_dir(&checkers).unwrap();
        std::fs::write(root.path().join("testlib.h"), "int testlib;\n").unwrap();
        std::fs::write(root.path().join("other.h"), "int other;\n").unwrap();
        std::fs::write(checkers.join("common.h"), "int common;\n").unwrap();
        std::fs::write(checkers.join("chk.cpp"), "int main(){}\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", checkers.join("passwd.h")).unwrap();
        let got = gather(&checkers).unwrap();
        let names: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["common.h", "testlib.h"]);
        // Beside wins over above.
        std::fs::write(checkers.join("testlib.h"), "int mine;\n").unwrap();
        let got = gather(&checkers).unwrap();
        assert_eq!(got[1].text, "int mine;\n");
        // A hostile header is CE like a hostile source.
        std::fs::write(checkers.join("evil.h"), "#include \"/etc/passwd\"\n").unwrap();
        assert!(gather(&checkers).unwrap_err().contains("evil.h"));
    }
}

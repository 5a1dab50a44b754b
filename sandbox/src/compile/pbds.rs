//! GNU policy-based data structures (`<ext/pb_ds/...>`: the order-statistics `tree`,
//! `gp_hash_table`, `cc_hash_table`), common in contest C++, for a judge built on libc++.
//!
//! The headers are libstdc++'s own, unmodified: `tools/setup.sh` copies `ext/pb_ds/` and the
//! three GNU headers it uses (`ext/typelist.h`, `ext/type_traits.h`, `ext/numeric_traits.h`)
//! from Debian's `libstdc++-12-dev` into `<data dir>/pbds`. The libstdc++ internals they need
//! (`<bits/c++config.h>`, `<bits/cpp_type_traits.h>`, `<debug/debug.h>`, `<tr1/type_traits>`,
//! `<tr1/functional>`) are vibecheck's own small headers in `sandbox/include/`, built on the
//! standard library alone. The folder goes on the C++ include path after libc++, into the
//! compiler's Landlock read policy and (by content) into the toolchain identity.
//!
//! Without the folder everything else compiles as before; a program that includes pb_ds gets
//! a CE that says to run `tools/setup.sh` ([`missing_hint`]).

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Env var naming the folder directly (overrides the data-dir default).
pub const PBDS_DIR_ENV: &str = "VIBECHECK_PBDS_DIR";
/// The file whose presence marks an installed folder.
const MARKER: &str = "ext/pb_ds/assoc_container.hpp";
/// Most files hashed from the folder (pb_ds has about 250): a folder that grew past this is not
/// what `tools/setup.sh` wrote, and is refused rather than read at length.
pub const MAX_PBDS_FILES: usize = 1024;
/// Most bytes hashed from the folder (pb_ds is about 1.6 MiB).
pub const MAX_PBDS_BYTES: u64 = 16 << 20;

/// Where `tools/setup.sh` puts the headers: `$VIBECHECK_PBDS_DIR`, else `<data dir>/pbds` with
/// the data dir `$VIBECHECK_DATA_DIR`, else `$XDG_DATA_HOME/vibecheck`, else
/// `~/.local/share/vibecheck` (the script's own rule).
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(PBDS_DIR_ENV) {
        return PathBuf::from(d);
    }
    let data = if let Some(d) = std::env::var_os("VIBECHECK_DATA_DIR") {
        PathBuf::from(d)
    } else if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        PathBuf::from(x).join("vibecheck")
    } else {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"))
            .join(".local/share/vibecheck")
    };
    data.join("pbds")
}

/// An installed pb_ds folder: its canonical path and a digest of its contents.
#[derive(Debug, Clone)]
pub struct Pbds {
    pub dir: PathBuf,
    pub digest: [u8; 32],
}

/// The folder at `dir` when it holds the pb_ds headers (`Ok(None)` when it does not: the judge
/// then compiles without them). `Err` when it is there but unreadable or oversized.
pub fn find(dir: &Path) -> Result<Option<Pbds>> {
    if !dir.join(MARKER).is_file() {
        return Ok(None);
    }
    let dir = std::fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
    let mut files = Vec::new();
    walk(&dir, &mut files)?;
    files.sort();
    let mut h = Sha256::new();
    let mut total = 0u64;
    for f in &files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        total += bytes.len() as u64;
        if total > MAX_PBDS_BYTES {
            anyhow::bail!(
                "{} holds more than {} MiB; reinstall it with tools/setup.sh",
                dir.display(),
                MAX_PBDS_BYTES >> 20
            );
        }
        let rel = f.strip_prefix(&dir).unwrap_or(f);
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(Some(Pbds {
        dir,
        digest: h.finalize().into(),
    }))
}

/// Regular files under `dir` (symlinks are skipped: clang could not read past the folder through
/// one anyway, the Landlock policy stops it).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
            if out.len() > MAX_PBDS_FILES {
                anyhow::bail!(
                    "{} holds more than {MAX_PBDS_FILES} files; reinstall it with tools/setup.sh",
                    dir.display()
                );
            }
        }
    }
    Ok(())
}

/// For a CE of a program that includes pb_ds while the headers are not installed: the line to
/// add to the diagnostics, or `None` when the diagnostics are about something else.
pub fn missing_hint(diagnostics: &str, dir: &Path) -> Option<String> {
    let about_pbds = diagnostics
        .lines()
        .any(|l| l.contains("'ext/pb_ds/") && l.contains("file not found"));
    about_pbds.then(|| {
        format!(
            "note: policy-based data structures (<ext/pb_ds/...>) need libstdc++'s pb_ds headers, \
             which are not installed at {}; run tools/setup.sh",
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_the_marker_is_not_installed_and_digests_follow_contents() {
        let d = tempfile::tempdir().unwrap();
        assert!(find(d.path()).unwrap().is_none());
        let marker = d.path().join(MARKER);
        std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
        std::fs::write(&marker, "// a\n").unwrap();
        let a = find(d.path()).unwrap().unwrap();
        assert_eq!(a.dir, std::fs::canonicalize(d.path()).unwrap());
        std::fs::write(&marker, "// b\n").unwrap();
        let b = find(d.path()).unwrap().unwrap();
        assert_ne!(a.digest, b.digest);
    }

    #[test]
    fn the_hint_is_only_for_missing_pb_ds_headers() {
        let d = Path::new("/nowhere/pbds");
        let ce = "solution.cpp:2:10: fatal error: 'ext/pb_ds/assoc_container.hpp' file not found";
        let hint = missing_hint(ce, d).unwrap();
        assert!(hint.contains("tools/setup.sh") && hint.contains("/nowhere/pbds"));
        assert!(
            missing_hint("solution.cpp:2:10: fatal error: 'foo.h' file not found", d).is_none()
        );
    }
}

//! A compile cancelled while clang runs is killed, not waited out (issue 10). Its own test
//! binary: it asserts that no clang child of this process is left, which a test running beside
//! it in the same process could falsify by compiling at that moment.

mod common;

use std::time::{Duration, Instant};
use vibecheck_sandbox::cancel::is_cancelled_error;
use vibecheck_sandbox::compile::Compiler;
use vibecheck_sandbox::{Cancel, Lang, SandboxConfig};

/// Process ids of our children whose command name contains `name`.
fn children_named(name: &str) -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let ppid = rest.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) && comm.contains(name) {
            found.push(pid);
        }
    }
    found
}

/// A compile that takes seconds (thousands of functions at -O2), cancelled a moment after it
/// started: the compiler is killed (no clang child is left), the answer is `Cancelled`, not a
/// module or a CE, and nothing is cached.
#[test]
fn a_cancelled_compile_kills_clang() {
    let (dir, config) = common::temp_cache(SandboxConfig::default());
    let compiler = Compiler::new(&config).expect("the toolchain (tools/setup.sh)");
    let mut src = String::from("#include <bits/stdc++.h>\n");
    for i in 0..3000 {
        src.push_str(&format!(
            "long f{i}(long n){{ std::map<long,long> m; for(long k=0;k<n;k++) m[k*{i}]+=k; \
             std::vector<long> v(n); std::sort(v.begin(), v.end()); return m.size()+v[0]; }}\n"
        ));
    }
    src.push_str("int main(){ return (int)f0(3); }\n");
    let cancel = Cancel::at(Instant::now() + Duration::from_millis(300));
    let e = match compiler.compile_with_cancel(&src, Lang::Cpp, None, &cancel) {
        Err(e) => e,
        Ok(_) => panic!("a compile of this size finished before the cancel 300 ms in"),
    };
    assert!(is_cancelled_error(&e), "{e:#}");
    assert_eq!(
        children_named("clang"),
        Vec::<u32>::new(),
        "clang was left running"
    );
    let modules = dir.path().join("modules");
    let cached = std::fs::read_dir(&modules)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(cached, 0, "a cancelled compile left a module in the cache");
}

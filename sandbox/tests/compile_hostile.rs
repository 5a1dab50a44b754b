//! Hostile C/C++ against the compile layer (issue 10 #2): every way we know to make clang read a
//! host file — directives built by macros from digraphs and trigraphs, `#embed`, forged line
//! markers, pragmas, inline assembly, absolute and relative paths, /proc and /dev — must end in
//! CE with no byte of the file in the message. Real clang; a planted secret file in a temp dir
//! stands in for the host's files (plus /etc/passwd, which every Linux machine has).

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use vibecheck_sandbox::compile::{CompileOutcome, Compiler};
use vibecheck_sandbox::{Lang, SandboxConfig};

/// The secret's content: must never appear in any compiler output.
const SECRET: &str = "VIBECHECK_HOST_SECRET_7f3a9c";

struct Fixture {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    secret: PathBuf,
    compiler: Compiler,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("vibecheck-hostile-")
            .tempdir()
            .unwrap();
        let secret = dir.path().join("secret.h");
        std::fs::write(&secret, format!("int {SECRET} = 1;\n{SECRET}\n")).unwrap();
        let (cache, config) = common::temp_cache(SandboxConfig::default());
        let compiler = Compiler::new(&config)
            .expect("clang-19 and the wasm32-wasi sysroot (install with tools/setup.sh)");
        Fixture {
            _dirs: (dir, cache),
            secret,
            compiler,
        }
    })
}

/// Compiles `source` (with `SECRET_PATH` replaced) and asserts CE without the secret.
fn assert_rejected(name: &str, source: &str, lang: Lang) {
    assert_no_leak(name, source, lang, false)
}

/// Compiles `source`; the secret and /etc/passwd appear in neither the CE message nor the
/// module. `may_compile`: a clean compile is fine too (e.g. `__has_include` of a name that
/// does not exist under the include path skips the include).
fn assert_no_leak(name: &str, source: &str, lang: Lang, may_compile: bool) {
    let f = fixture();
    let source = source.replace("SECRET_PATH", &f.secret.display().to_string());
    match f
        .compiler
        .compile(&source, lang, None)
        .expect("infrastructure")
    {
        CompileOutcome::Ok { wasm, .. } => {
            let text = String::from_utf8_lossy(&wasm);
            let leaked = text.contains(SECRET) || text.contains("root:x:0:0");
            assert!(
                may_compile && !leaked,
                "{name}: compiled (leaked: {leaked})\n{source}"
            );
        }
        CompileOutcome::Error(msg) => {
            assert!(
                !msg.contains(SECRET),
                "{name}: secret in CE message:\n{msg}"
            );
            assert!(
                !msg.contains("root:x:0:0"),
                "{name}: /etc/passwd in CE:\n{msg}"
            );
        }
    }
}

#[test]
fn directive_built_from_a_digraph_by_a_macro_is_ce() {
    let src = "#define H %:\n#define X H include \"SECRET_PATH\"\nX\nint main(){}\n";
    assert_rejected("digraph include", src, Lang::Cpp);
    let src = "#define H %:\n#define X H include_next <passwd>\nX\nint main(){}\n";
    assert_rejected("digraph include_next", src, Lang::Cpp);
    let src =
        "#define H %:\n#define X H embed \"SECRET_PATH\"\nconst unsigned char d[] = {\nX\n};\n\
               int main(){ return d[0]; }\n";
    assert_rejected("digraph embed", src, Lang::Cpp);
    // The same through C (digraphs exist there too).
    let src = "#define H %:\n#define X H include \"SECRET_PATH\"\nX\nint main(void){return 0;}\n";
    assert_rejected("digraph include (C)", src, Lang::C);
}

#[test]
fn directive_built_from_a_trigraph_in_c_is_ce() {
    let src = "#define T ??=\n#define X T include \"SECRET_PATH\"\nX\nint main(void){return 0;}\n";
    assert_rejected("trigraph include", src, Lang::C);
    let src = "#define T ??=\nT embed \"SECRET_PATH\"\nint main(void){return 0;}\n";
    assert_rejected("trigraph embed", src, Lang::C);
    let src = "??=include \"SECRET_PATH\"\nint main(void){return 0;}\n";
    assert_rejected("trigraph directive", src, Lang::C);
}

#[test]
fn embed_is_ce() {
    let src = "const unsigned char d[] = {\n#embed \"SECRET_PATH\"\n};\nint main(){return d[0];}\n";
    assert_rejected("embed absolute", src, Lang::C);
    let src = "const unsigned char d[] = {\n#embed \"solution.c\"\n};\nint main(){return d[0];}\n";
    assert_rejected("embed relative", src, Lang::C);
    let src = "#if __has_embed(\"SECRET_PATH\")\nint x;\n#endif\nint main(){}\n";
    assert_rejected("has_embed", src, Lang::Cpp);
}

#[test]
fn forged_markers_splices_pragmas_and_asm_are_ce() {
    let cases = [
        (
            "forged line marker",
            "#define H %:\nH 1 \"SECRET_PATH\"\nint main(){}\n",
        ),
        (
            "splice built by macros",
            "#define P %\n#define B \\ /**/\nP B\n:include \"SECRET_PATH\"\nint main(){}\n",
        ),
        (
            "pragma dependency via _Pragma",
            "_Pragma(\"GCC dependency \\\"SECRET_PATH\\\"\")\nint main(){}\n",
        ),
        (
            "incbin",
            "__asm__(\".section .data\\n.incbin \\\"SECRET_PATH\\\"\");\nint main(){}\n",
        ),
        (
            "asm via macro",
            "#define A as##m\nA(\".incbin \\\"SECRET_PATH\\\"\");\nint main(){}\n",
        ),
        (
            "line directive",
            "#line 1 \"SECRET_PATH\"\nint main(){ return x; }\n",
        ),
    ];
    for (name, src) in cases {
        assert_rejected(name, src, Lang::Cpp);
    }
}

#[test]
fn every_path_to_etc_passwd_is_ce() {
    let includes = [
        "\"/etc/passwd\"",
        "</etc/passwd>",
        "\"../../../../../../../../etc/passwd\"",
        "<../../../../../../../../etc/passwd>",
        "\"/proc/self/root/etc/passwd\"",
        "\"/proc/self/cwd/../../etc/passwd\"",
        "\"/dev/stdin\"",
        "\"//etc//passwd\"",
        "\"/etc/./passwd\"",
        "<passwd>",
        "\"passwd\"",
        "\"SECRET_PATH\"",
        "<proc/self/environ>",
        "\"~/.ssh/id_rsa\"",
    ];
    for inc in includes {
        for directive in [
            "#include",
            "#  include",
            "%:include",
            "#include_next",
            "#import",
        ] {
            let src = format!("{directive} {inc}\nint main(){{}}\n");
            assert_rejected(&src, &src, Lang::Cpp);
        }
        let src = format!("#define F {inc}\n#include F\nint main(){{}}\n");
        assert_rejected(&src, &src, Lang::Cpp);
        let src = format!("#if __has_include({inc})\n#include {inc}\n#endif\nint main(){{}}\n");
        assert_no_leak(&src, &src, Lang::Cpp, true);
    }
    // Symlinks planted next to the source cannot exist (the compile dir is fresh), and a
    // header-name through a macro of string pieces is a computed include.
    let src = "#define S(x) #x\n#include S(/etc/passwd)\nint main(){}\n";
    assert_rejected("stringized include", src, Lang::Cpp);
}

#[test]
fn contest_code_with_hash_characters_still_compiles() {
    let src = r##"#include <bits/stdc++.h>
using namespace std;
#define REP(i, n) for (int i = 0; i < (n); ++i)
int main() {
    const char* grid = R"(#.#
.#.)";
    char wall = '#';
    long long big = 1'000'000'007;
    string s = "#include <x>";
    int cnt = 0;
    REP(i, 7) if (grid[i] == wall) cnt++;
    printf("%d %lld %zu\n", cnt, big, s.size());
}
"##;
    let f = fixture();
    match f.compiler.compile(src, Lang::Cpp, None).unwrap() {
        CompileOutcome::Ok { .. } => {}
        CompileOutcome::Error(e) => panic!("legit code rejected:\n{e}"),
    }
}

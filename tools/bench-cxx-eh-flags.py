#!/usr/bin/env python3
"""Where does the C++ slowdown of the exception-handling toolchain come from? (helper ehpick)

For each CPU-heavy kernel of tools/bench-sandbox, builds the same source several ways and runs
each module through the same `vibecheck judge` (guest CPU time from `--json`), interleaved per
round, best of ROUNDS:
  clang19      VIBECHECK_CXX_EXCEPTIONS=0: Debian clang-19 + libc++ 19 (no wasm EH), the old path
  eh           clang 22, user TU with -fwasm-exceptions (exnref), EH libc++ 22 (cxxeh's default)
  plain        clang 22, user TU without -fwasm-exceptions (C++ exceptions on, no wasm EH:
               invokes lowered to calls), same EH libc++ 22 / libunwind / vcrt objects
  noexc        clang 22, user TU with -fno-exceptions, same libraries
  c22lib19     clang 22 (plain) on the old path's headers and libraries (Debian libc++ 19,
               no EH) and its runtime objects: isolates clang 22's codegen from libc++ 22
The clang-22 variants are linked by hand with the judge's flags and put into the module cache
under the key the judge computed for the source (the judge then runs them as its own).

Usage: python3 tools/bench-cxx-eh-flags.py BIN [ROUNDS]
"""
import glob, json, os, shutil, subprocess, sys, tempfile, importlib.machinery, importlib.util

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_loader("bs", importlib.machinery.SourceFileLoader(
    "bs", os.path.join(HERE, "..", "tools", "bench-sandbox")))
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)

EH = os.path.expanduser(os.environ.get("VIBECHECK_DATA_DIR", "~/.local/share/vibecheck")) + "/wasm-eh"
S = EH + "/sysroot"
CLANG = EH + "/bin/clang"
VARIANTS = {
    "eh": ["-fwasm-exceptions", "-mllvm", "-wasm-use-legacy-eh=false"],
    "plain": [],
    "noexc": ["-fno-exceptions"],
    "c22lib19": None,
}


def judge(binary, src, tests, cache, env=None):
    e = dict(os.environ, VIBECHECK_CACHE_DIR=cache, **(env or {}))
    p = subprocess.run([binary, "judge", src, "--tests", tests, "--json", "--time-limit", "60"],
                       capture_output=True, text=True, env=e)
    rep = json.loads(p.stdout)
    t = rep["tests"][0]
    assert t["verdict"] == "AC", (src, cache, t)
    return t["time_ms"] / 1000


def build(variant, src, cache, out):
    objs = sorted(glob.glob(cache + "/vcrt-*.o"))
    inc = glob.glob(cache + "/include-*")[0]
    res = subprocess.run([CLANG, "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    if variant == "c22lib19":
        cmd = [CLANG, "--driver-mode=g++", "--target=wasm32-wasi", "-Wno-deprecated",
               "-nostdinc", "-O2", "-std=c++17", "-fno-trigraphs", "-fno-digraphs", "-s",
               "--sysroot=/usr", "-L/usr/lib/wasm32-wasi", "-Wl,-z,stack-size=268435456",
               "-Wl,--stack-first", "-isystem", inc, "-isystem", "/usr/include/wasm32-wasi/c++/v1",
               "-isystem", res + "/include", "-isystem", "/usr/include/wasm32-wasi",
               "-DONLINE_JUDGE", "-D__VIBECHECK__", src, *objs,
               "-Wl,--wrap=_ZNSt3__28ios_base15sync_with_stdioEb",
               "-lc-printscan-long-double", "-lm", "-o", out]
        subprocess.run(cmd, check=True)
        return
    cmd = [CLANG, "--driver-mode=g++", "--target=wasm32-wasip1", *VARIANTS[variant],
           "-nostdinc", "-O2", "-std=c++17", "-fno-trigraphs", "-fno-digraphs", "-s",
           f"--sysroot={S}", f"-L{S}/lib/wasm32-wasi", "-Wl,-z,stack-size=268435456",
           "-Wl,--stack-first", "-isystem", inc, "-isystem", f"{S}/include/wasm32-wasi/c++/v1",
           "-isystem", res + "/include", "-isystem", f"{S}/include/wasm32-wasi",
           "-DONLINE_JUDGE", "-D__VIBECHECK__", src]
    cmd += [o for o in objs if "exceptions" not in o]
    cmd += ["-Wl,--wrap=_ZNSt3__28ios_base15sync_with_stdioEb", "-Wl,--wrap=__original_main",
            "-lc-printscan-long-double", "-lm", "-lunwind", "-o", out]
    subprocess.run(cmd, check=True)


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = tempfile.mkdtemp(prefix="ehpick-")
    progs = {k: v for k, v in bs.PROGRAMS.items()}
    print("| kernel | clang19 | eh | plain | noexc | c22lib19 | eh/clang19 | plain/clang19 | noexc/clang19 | c22lib19/clang19 | eh/plain |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, code in progs.items():
        d = os.path.join(work, "".join(c for c in name if c.isalnum()))
        os.makedirs(d + "/tests")
        src = d + "/p.cpp"
        open(src, "w").write(code)
        exe = d + "/native"
        subprocess.run(["g++", "-O2", "-std=c++17", src, "-o", exe], check=True)
        open(d + "/tests/1.in", "w").write("")
        open(d + "/tests/1.out", "w").write(subprocess.run([exe], capture_output=True, text=True).stdout)
        caches = {}
        c19 = d + "/c-clang19"
        judge(binary, src, d + "/tests", c19, {"VIBECHECK_CXX_EXCEPTIONS": "0"})
        caches["clang19"] = (c19, {"VIBECHECK_CXX_EXCEPTIONS": "0"})
        for v in VARIANTS:
            c = d + "/c-" + v
            env = {"VIBECHECK_CXX_EXCEPTIONS": "0"} if v == "c22lib19" else {}
            judge(binary, src, d + "/tests", c, env)  # compiles with the default path, caches it
            mods = glob.glob(c + "/modules/*.wasm")
            assert len(mods) == 1, mods
            build(v, src, c, mods[0])
            for f in glob.glob(c + "/**/*.cwasm", recursive=True):
                os.remove(f)
            caches[v] = (c, env)
        best = {k: 1e9 for k in caches}
        for _ in range(rounds):
            for k, (c, env) in caches.items():
                best[k] = min(best[k], judge(binary, src, d + "/tests", c, env))
        b = best
        print(f"| {name} | {b['clang19']:.3f} | {b['eh']:.3f} | {b['plain']:.3f} | {b['noexc']:.3f} | {b['c22lib19']:.3f} "
              f"| {b['eh']/b['clang19']:.2f} | {b['plain']/b['clang19']:.2f} | {b['noexc']/b['clang19']:.2f} | {b['c22lib19']/b['clang19']:.2f} "
              f"| {b['eh']/b['plain']:.2f} |", flush=True)
    shutil.rmtree(work)


main()

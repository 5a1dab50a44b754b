#!/usr/bin/env python3
"""Cost of C++ exception support in the sandbox (issue 11), measured in one run.

For each program: compile time (cold `vibecheck judge`, empty module cache) and guest CPU time
(best of 3, from `judge --json`) with the exception-handling toolchain (tools/setup-eh.sh:
clang 22, libc++ 22 built with -fwasm-exceptions) and without it (VIBECHECK_CXX_EXCEPTIONS=0:
Debian's clang-19 + libc++ 19, throws abort), plus the module size. Ratios EH / no-EH.

Since ehpick, a C++ program is compiled with -fwasm-exceptions only when its own text has a `try`
or `catch` token; mode "EH forced" appends a never-called function with an empty try/catch to the
source to measure the full-EH compile of the same kernel. Ratios are against clang-19.

Usage: python3 tools/bench-cxx-exceptions.py BIN [ROUNDS]   (BIN: a vibecheck binary)
"""
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import importlib.machinery, importlib.util
spec = importlib.util.spec_from_loader("bench_sandbox", importlib.machinery.SourceFileLoader(
    "bench_sandbox", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools",
                                  "bench-sandbox")))
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)

THROWING = r"""
#include <bits/stdc++.h>
// Exceptions on the hot path: 10^6 throws caught one frame up, and a recursive search.
int f(int i) { if (i % 3 == 0) throw std::invalid_argument("x"); return i; }
int main() {
    long long s = 0;
    for (int i = 0; i < 1000000; i++) {
        try { s += f(i); } catch (const std::exception&) { s -= 1; }
    }
    printf("%lld\n", s);
}
"""


def judge(binary, src, tests, cache, env):
    e = dict(os.environ, VIBECHECK_CACHE_DIR=cache, **env)
    t = time.perf_counter()
    p = subprocess.run([binary, "judge", src, "--tests", tests, "--json", "--time-limit", "60"],
                       capture_output=True, text=True, env=e)
    wall = time.perf_counter() - t
    rep = json.loads(p.stdout)
    return wall, rep


def module_size(cache):
    """Size of the newest compiled module in the cache (the program's, not the warm-up's)."""
    files = [os.path.join(r, f) for r, _, fs in os.walk(cache) for f in fs if f.endswith(".wasm")]
    return os.path.getsize(max(files, key=os.path.getmtime)) if files else 0


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="vibecheck-ehbench-")
    modes = {"no-EH (clang-19)": {"VIBECHECK_CXX_EXCEPTIONS": "0"}, "EH (clang-22)": {},
             "EH forced (clang-22)": {}}
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    progs = dict(bs.PROGRAMS)
    progs["10^6 throws (EH only)"] = THROWING
    print("| program | mode | compile, cold (s) | run CPU, best of 5 (s) | module (KiB) |")
    print("|---|---|---|---|---|")
    ratios = {}
    warm_src = os.path.join(work, "warm.cpp")
    open(warm_src, "w").write("#include <bits/stdc++.h>\nint main() { puts(\"warm\"); }\n")
    for name, code in progs.items():
        d = os.path.join(work, "".join(c for c in name if c.isalnum()))
        os.makedirs(os.path.join(d, "tests"))
        src = os.path.join(d, "p.cpp")
        open(src, "w").write(code)
        exe = os.path.join(d, "native")
        subprocess.run(["g++", "-O2", "-std=c++17", src, "-o", exe], check=True)
        expected = subprocess.run([exe], capture_output=True, text=True).stdout
        open(os.path.join(d, "tests", "1.in"), "w").write("")
        open(os.path.join(d, "tests", "1.out"), "w").write(expected)
        res = {}
        forced = os.path.join(d, "forced.cpp")
        open(forced, "w").write(code + "\nstatic void vc_force_eh() { try { } catch (...) { } }\n")
        for round_ in range(rounds):  # interleave modes so load drift hits all alike
            for mode, env in modes.items():
                if "throws" in name and mode != "EH (clang-22)":
                    continue
                cache = os.path.join(d, f"cache-{mode[:9]}-{round_}")
                src = forced if "forced" in mode else os.path.join(d, "p.cpp")
                # Build the runtime support objects first, so "cold" is this program's compile.
                judge(binary, warm_src, os.path.join(d, "tests"), cache, env)
                cold, rep = judge(binary, src, os.path.join(d, "tests"), cache, env)
                if rep["verdict"] != "AC":
                    raise SystemExit(f"{name} {mode}: {rep}")
                r = res.setdefault(mode, {"cold": [], "cpu": [], "size": 0})
                r["cold"].append(cold)
                r["size"] = module_size(cache)
                _, rep = judge(binary, src, os.path.join(d, "tests"), cache, env)
                r["cpu"].append(rep["tests"][0]["time_ms"] / 1000)
        for mode, r in res.items():
            print(f"| {name} | {mode} | {min(r['cold']):.2f} | {min(r['cpu']):.3f} | "
                  f"{r['size'] // 1024} |")
        b = res.get("no-EH (clang-19)")
        for mode in ("EH (clang-22)", "EH forced (clang-22)"):
            if b and mode in res:
                a = res[mode]
                ratios[(name, mode)] = (min(a["cold"]) / min(b["cold"]),
                                        min(a["cpu"]) / min(b["cpu"]), a["size"] / max(b["size"], 1))
    print("\n| program | mode | compile /clang-19 | run /clang-19 | size /clang-19 |")
    print("|---|---|---|---|---|")
    for (name, mode), (c, r, s) in ratios.items():
        print(f"| {name} | {mode} | {c:.2f}x | {r:.2f}x | {s:.2f}x |")


if __name__ == "__main__":
    main()

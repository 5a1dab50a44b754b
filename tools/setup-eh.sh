#!/usr/bin/env bash
# Idempotent: builds the sandbox's C++ toolchain with WebAssembly exception handling.
#
# Debian's wasm32 libc++/libc++abi are built without exceptions, so `throw`/`try`/`catch` cannot
# work with them. This script builds, once, a wasm32-wasi sysroot whose libc++, libc++abi and
# libunwind are compiled with `-fwasm-exceptions` using the standard (exnref) encoding, which
# wasmtime runs. Everything comes from one PyPI wheel, `ziglang` (it bundles clang/wasm-ld 22 and
# the LLVM sources of libc++, libc++abi and libunwind); wasi-libc and compiler-rt's builtins come
# from the Debian packages tools/setup.sh installs. Nothing is copied into the repository.
#
# Result (the sandbox picks it up when present, else falls back to clang-19 without exceptions):
#   $DATA_DIR/wasm-eh/bin/clang    clang 22 (a static wrapper running `zig clang`)
#   $DATA_DIR/wasm-eh/sysroot      include/wasm32-wasi (+ c++/v1), lib/wasm32-wasi
# Takes 1-2 min on 2 cores (pip download + the libc++ build), ~210 MB on disk. Re-running is a
# no-op; VIBECHECK_ZIG_WHEEL=path uses an already downloaded wheel.
set -euo pipefail
log() { echo "setup-eh: $*" >&2; }

ZIG_VERSION=0.17.1
# Bump when the recipe changes: a sysroot built by an older recipe is rebuilt.
RECIPE=3
DATA_DIR="${VIBECHECK_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vibecheck}"
EH="$DATA_DIR/wasm-eh"
STAMP="zig-$ZIG_VERSION recipe-$RECIPE"
if [ -f "$EH/.complete" ] && [ "$(cat "$EH/.complete")" = "$STAMP" ]; then
  exit 0
fi
PY="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc)}"
DEB_BUILTINS=$(ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a 2>/dev/null | tail -n1 || true)
if [ ! -f /usr/lib/wasm32-wasi/libc.a ] || [ -z "$DEB_BUILTINS" ]; then
  log "wasi-libc or libclang-rt-*-dev-wasm32 missing (run tools/setup.sh first)"; exit 1
fi
CC_HOST=$(command -v cc || command -v gcc || true)
if [ -z "$CC_HOST" ]; then log "need a host C compiler (cc) for the clang wrapper"; exit 1; fi

start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$EH.new"
rm -rf "$out"
mkdir -p "$out/bin"

# 1. zig (clang 22, wasm-ld 22) and the LLVM runtime sources, from the PyPI wheel.
if [ -n "${VIBECHECK_ZIG_WHEEL:-}" ]; then
  whl="$VIBECHECK_ZIG_WHEEL"
else
  log "pip download ziglang==$ZIG_VERSION (~100 MB)"
  "$PY" -m pip download -q --no-deps -d "$work" "ziglang==$ZIG_VERSION" >&2
  whl=$(ls "$work"/ziglang-*.whl | head -n1)
fi
"$PY" - "$whl" "$work/zig" <<'PYEOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
want = ("ziglang/zig", "ziglang/lib/include/", "ziglang/lib/libcxx/", "ziglang/lib/libcxxabi/",
        "ziglang/lib/libunwind/")
z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith(want)])
PYEOF
src="$work/zig/ziglang"
cp "$src/zig" "$out/bin/zig"
chmod +x "$out/bin/zig"

# 2. `clang` and `wasm-ld` as static executables that run `zig clang` / `zig wasm-ld` (a shell
#    script would need /bin/sh inside the compiler's Landlock domain).
cat >"$work/wrap.c" <<'CEOF'
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  // Static: no shared libraries to list when asked as the dynamic loader would be.
  if (getenv("LD_TRACE_LOADED_OBJECTS")) return 0;
  char self[PATH_MAX], zig[PATH_MAX + 8];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) { perror("readlink /proc/self/exe"); return 127; }
  self[n] = 0;
  snprintf(zig, sizeof zig, "%s/zig", dirname(self));
  const char *b = strrchr(argv[0], '/');
  b = b ? b + 1 : argv[0];
  char **args = calloc(argc + 2, sizeof *args);
  args[0] = zig;
  args[1] = strstr(b, "ld") ? "wasm-ld" : "clang";
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  execv(zig, args);
  perror(zig);
  return 127;
}
CEOF
"$CC_HOST" -static -O2 -o "$out/bin/clang" "$work/wrap.c"
ln -s clang "$out/bin/clang++"
ln -s clang "$out/bin/wasm-ld"

# 3. clang's resource dir next to bin/ (builtin headers from zig, compiler-rt from Debian).
res=$("$out/bin/clang" -print-resource-dir)
mkdir -p "$res/lib/wasi" "$res/lib/wasm32-unknown-wasip1"
cp -r "$src/lib/include" "$res/include"
cp "$DEB_BUILTINS" "$res/lib/wasi/libclang_rt.builtins-wasm32.a"
cp "$DEB_BUILTINS" "$res/lib/wasm32-unknown-wasip1/libclang_rt.builtins.a"

# 4. The sysroot: Debian's wasi-libc, libc++ 22 headers configured for wasm32-wasi.
sys="$out/sysroot"
mkdir -p "$sys/include" "$sys/lib/wasm32-wasi"
ln -s wasm32-wasi "$sys/lib/wasm32-wasip1" # clang 22 calls the target wasip1
ln -s wasm32-wasi "$sys/include/wasm32-wasip1"
cp -r /usr/include/wasm32-wasi "$sys/include/wasm32-wasi"
rm -rf "$sys/include/wasm32-wasi/c++"
for f in /usr/lib/wasm32-wasi/*; do
  case "$(basename "$f")" in libc++*) ;; *) cp "$f" "$sys/lib/wasm32-wasi/" ;; esac
done
cxx="$sys/include/wasm32-wasi/c++/v1"
mkdir -p "$cxx"
cp -r "$src/lib/libcxx/include/." "$cxx/"
cp "$src/lib/libcxxabi/include/"*.h "$cxx/"
# zig passes the configuration as -D flags; a normal install has a generated <__config_site>.
sed -i 's|^/\* zig patch: instead of including __config_site.*$|#include <__config_site>|' "$cxx/__config"
grep -q '^#include <__config_site>' "$cxx/__config" || { log "unexpected <__config> layout"; exit 1; }
cat >"$cxx/__config_site" <<'EOF'
// Generated by vibecheck tools/setup-eh.sh: libc++ for wasm32-wasi, single-threaded, with
// exceptions (enabled by -fwasm-exceptions at compile time).
#ifndef _LIBCPP___CONFIG_SITE
#define _LIBCPP___CONFIG_SITE
// ABI version 2 (namespace std::__2), as Debian's wasm32 libc++: the runtime's fast-iostreams
// wrapper (sandbox/runtime/vcrt_iostream.cpp) wraps std::__2::ios_base::sync_with_stdio.
#define _LIBCPP_ABI_VERSION 2
#define _LIBCPP_ABI_NAMESPACE __2
#define _LIBCPP_HAS_THREADS 0
#define _LIBCPP_HAS_MONOTONIC_CLOCK 1
#define _LIBCPP_HAS_TERMINAL 1
#define _LIBCPP_HAS_MUSL_LIBC 1
#define _LIBCPP_HAS_THREAD_API_PTHREAD 0
#define _LIBCPP_HAS_THREAD_API_EXTERNAL 0
#define _LIBCPP_HAS_THREAD_API_WIN32 0
#define _LIBCPP_HAS_VENDOR_AVAILABILITY_ANNOTATIONS 0
#define _LIBCPP_HAS_FILESYSTEM 1
#define _LIBCPP_HAS_RANDOM_DEVICE 1
#define _LIBCPP_HAS_LOCALIZATION 1
#define _LIBCPP_HAS_UNICODE 1
#define _LIBCPP_HAS_WIDE_CHARACTERS 1
#define _LIBCPP_HAS_TIME_ZONE_DATABASE 0
#define _LIBCPP_HAS_NO_STD_MODULES
#define _LIBCPP_INSTRUMENTED_WITH_ASAN 0
#define _LIBCPP_PSTL_BACKEND_SERIAL
#define _LIBCPP_HARDENING_MODE_DEFAULT _LIBCPP_HARDENING_MODE_NONE
#define _LIBCPP_ASSERTION_SEMANTIC_DEFAULT _LIBCPP_ASSERTION_SEMANTIC_HARDENING_DEPENDENT
#define _LIBCPP_HAS_LIBRARY_ALIGNED_ALLOCATION 1
#endif
EOF

# 5. libunwind, libc++abi, libc++ with wasm exceptions (exnref encoding).
EHFLAGS=(--target=wasm32-wasip1 --sysroot="$sys" -O2 -fwasm-exceptions -mllvm -wasm-use-legacy-eh=false)
CXXFLAGS=("${EHFLAGS[@]}" -DNDEBUG -std=c++23 -nostdinc++ -isystem "$cxx" -fvisibility-inlines-hidden)
lu="$src/lib/libunwind"
lca="$src/lib/libcxxabi"
lc="$src/lib/libcxx"
objs="$work/objs"

cc_all() { # cc_all NAME FLAGS... -- SOURCES...   (parallel; fails with the first error shown)
  local name=$1; shift
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done; shift
  local d="$objs/$name"
  mkdir -p "$d"
  local n=0 pids=() s
  for s in "$@"; do
    n=$((n + 1))
    "$out/bin/clang" "${flags[@]}" -c "$s" -o "$d/$n.o" 2>"$d/$n.log" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$JOBS" ]; then wait "${pids[0]}" || { cat "$d"/*.log >&2; log "building $name failed"; exit 1; }; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || { cat "$d"/*.log >&2; log "building $name failed"; exit 1; }; done
  "$out/bin/zig" ar rcs "$sys/lib/wasm32-wasi/lib$name.a" "$d"/*.o
}

log "building libunwind, libc++abi, libc++ (clang 22, -fwasm-exceptions, $JOBS jobs)"
# The C++ exception tag that every throw and catch refers to (compiler-rt defines it from LLVM
# 21 on; Debian's builtins predate that), kept in libunwind.a.
cat >"$work/cpp_exception_tag.S" <<'EOF'
.globl __cpp_exception
.tagtype __cpp_exception i32
__cpp_exception:
EOF
cc_all unwind "${EHFLAGS[@]}" -std=c11 -I "$lu/include" -DNDEBUG -D_LIBUNWIND_HAS_NO_THREADS \
  -D_LIBUNWIND_IS_NATIVE_ONLY -D_LIBUNWIND_HIDE_SYMBOLS -- "$lu/src/Unwind-wasm.c" \
  "$work/cpp_exception_tag.S"
abi_src=()
for f in abort_message cxa_aux_runtime cxa_default_handlers cxa_demangle cxa_exception \
  cxa_exception_storage cxa_guard cxa_handlers cxa_personality cxa_vector cxa_virtual \
  fallback_malloc private_typeinfo stdlib_exception stdlib_stdexcept \
  stdlib_typeinfo; do abi_src+=("$lca/src/$f.cpp"); done
cc_all c++abi "${CXXFLAGS[@]}" -I "$lca/include" -I "$lc/src" -D_LIBCXXABI_BUILDING_LIBRARY \
  -D_LIBCXXABI_HAS_NO_THREADS -D_LIBCXXABI_DISABLE_VISIBILITY_ANNOTATIONS -D_LIBCPP_BUILDING_LIBRARY -DLIBCXXABI_USE_LLVM_UNWINDER \
  -- "${abi_src[@]}"
# libc++: everything but threads, the time-zone database and other platforms' support.
cxx_src=()
for f in "$lc"/src/*.cpp "$lc"/src/ryu/*.cpp \
  "$lc"/src/experimental/keep.cpp "$lc"/src/experimental/log_hardening_failure.cpp; do
  case "$(basename "$f")" in
    barrier.cpp | condition_variable*.cpp | future.cpp | mutex*.cpp | shared_mutex.cpp | \
      thread.cpp | atomic.cpp | int128_builtins.cpp) ;;
    *) cxx_src+=("$f") ;;
  esac
done
cc_all c++ "${CXXFLAGS[@]}" -I "$lc/src" -I "$lc/libc" -I "$lca/include" -D_LIBCPP_BUILDING_LIBRARY \
  -DLIBCXX_BUILDING_LIBCXXABI \
  -D_LIBCPP_ENABLE_CXX17_REMOVED_UNEXPECTED_FUNCTIONS -- "${cxx_src[@]}"

# 6. Smoke test: a caught exception links (running it needs wasmtime: the sandbox's tests do).
printf '%s\n' '#include <string>' '#include <stdexcept>' \
  'int main() { try { return std::stoi("x"); } catch (const std::invalid_argument&) { return 0; } }' \
  >"$work/smoke.cpp"
"$out/bin/clang" --driver-mode=g++ "${CXXFLAGS[@]}" "$work/smoke.cpp" -lunwind -o "$work/smoke.wasm" \
  || { log "smoke test failed to link"; exit 1; }
# Landlock grants the compiler the install prefix (bin/..) only: nothing may point outside it.
echo "$STAMP" >"$sys/vibecheck-wasm-eh" # tells the sandbox to compile with exceptions
rm -rf "$EH"
mv "$out" "$EH"
echo "$STAMP" >"$EH/.complete"
log "ok: $EH ($(du -sh "$EH" | cut -f1), $(( $(date +%s) - start )) s)"

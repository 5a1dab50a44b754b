#!/usr/bin/env bash
# Builds llama.cpp's llama-server once and prints the path of the installed binary on stdout.
#
# The OpenAI-compatible backend's integration test (tests/llama_server.rs) runs it on loopback
# with the demo GGUF. Sources: the llama.cpp tree vendored in PyPI's llama-cpp-python sdist
# (pinned below; fetched with pip into ~/.cache/vibecheck/llama, never part of the repository).
# Built statically (one self-contained file) and portable (GGML_NATIVE=OFF: no instructions
# beyond the x86-64/aarch64 baseline, so a cached binary never crashes on an older CPU), then
# installed into the vibecheck data dir, where the test looks for it:
#
#   $DATA_DIR/llama.cpp-<version>/llama-server      (VIBECHECK_LLAMA_SERVER overrides, in the test)
#
# Idempotent: an installed binary is reused. The build takes ~9.5 CPU-minutes (about 5 minutes
# on 2 idle cores; see notes/cpu.md).
set -euo pipefail
LLAMA_PY_VERSION="0.3.36"
DATA_DIR="${VIBECHECK_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vibecheck}"
DEST="$DATA_DIR/llama.cpp-$LLAMA_PY_VERSION/llama-server"
CACHE="${VIBECHECK_BENCH_CACHE:-$HOME/.cache/vibecheck/llama}"
PY="${PYTHON:-python3}"
log() { echo "get-llama-server: $*" >&2; }

if [ -x "$DEST" ]; then
  echo "$DEST"
  exit 0
fi
SRC="$CACHE/llama_cpp_python-$LLAMA_PY_VERSION/vendor/llama.cpp"
if [ ! -d "$SRC" ]; then
  mkdir -p "$CACHE"
  log "fetching the llama-cpp-python $LLAMA_PY_VERSION sdist (llama.cpp sources)"
  "$PY" -m pip download -q --no-deps --no-binary llama-cpp-python \
    "llama-cpp-python==$LLAMA_PY_VERSION" -d "$CACHE" >&2
  tar xzf "$CACHE/llama_cpp_python-$LLAMA_PY_VERSION.tar.gz" -C "$CACHE"
fi
if ! command -v cmake >/dev/null; then
  "$PY" -m pip install -q cmake >&2
  # pip may put the script outside PATH (e.g. ~/.local/bin): use the package's own bin dir.
  command -v cmake >/dev/null \
    || PATH="$("$PY" -c 'import cmake; print(cmake.CMAKE_BIN_DIR)'):$PATH"
fi
BUILD="$SRC/build-server"
log "building llama-server (static, GGML_NATIVE=OFF) in $BUILD"
start=$(date +%s)
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF >&2
cmake --build "$BUILD" -j"$(nproc)" --target llama-server >&2
log "built in $(( $(date +%s) - start )) s"
mkdir -p "$(dirname "$DEST")"
cp "$BUILD/bin/llama-server" "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
echo "$DEST"

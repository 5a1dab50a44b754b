#!/usr/bin/env bash
# GPU check of the CUDA build, for a GPU machine that has nvcc's toolkit libraries, torch and
# transformers but no network and no Rust. Takes the bundle tools/build-cuda.sh made here
# (stripped binary + lib/), and in one run (≤ 8 minutes on an H100/H200-class GPU):
#   (a) logits of tests/fixtures/tiny-qwen2 on CUDA in f32, bf16 and f16 against the fixture's
#       transformers reference (and greedy ids against transformers' f32 greedy, to the dtype's
#       tolerance);
#   (b) writes random weights with VibeThinker-1.5B's shape (bf16 safetensors, ~3.1 GB, in a
#       temporary directory) and measures vibecheck's decode tokens/s at batch 1 and 8, context
#       1k and 16k;
#   (c) transformers (sdpa attention, same weights, dtype, shapes) in the same run;
#   (d) prints the table: ratio to transformers and the fraction of the memory-bandwidth
#       ceiling (bytes one decode step must read — weights + the rows' KV cache — divided by
#       the device-to-device copy bandwidth torch measures).
#
#   tools/gpu-check.sh [--bin DIST/vibecheck] [--cpu] [--out FILE.json]
#
# On a device machine: build here with `CARGO_TARGET_DIR=target tools/build-cuda.sh`, carry
# `target/cuda-dist/sm80`, run `tools/gpu-check.sh --bin target/cuda-dist/sm80/vibecheck`.
#
# --cpu: a dry run of the whole script on the CPU with tiny shapes (any vibecheck binary,
# e.g. target/debug/vibecheck; torch CPU + transformers), to test the script without a GPU.
# Exit status: 0 when every logit check passed, 1 when one failed, 2 on a setup error.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
BIN=""
CPU=0
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --cpu) CPU=1; EXTRA+=(--cpu); shift ;;
    --out) EXTRA+=(--out "$2"); shift 2 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  for c in "${CARGO_TARGET_DIR:-$REPO/target}"/cuda-dist/sm80/vibecheck "$REPO"/cuda-dist/sm80/vibecheck; do
    { [ -x "$c" ] || [ -f "$c.xz" ]; } && { BIN="$c"; break; }
  done
fi
[ -n "$BIN" ] || { echo "gpu-check: no binary (give --bin PATH)" >&2; exit 2; }
DIST="$(cd "$(dirname "$BIN")" && pwd)"
BIN="$DIST/$(basename "$BIN")"
if [ ! -x "$BIN" ] && [ -f "$BIN.xz" ]; then
  # build-cuda.sh ships the binary xz-compressed; the bundle may sit in a read-only place.
  BINDIR="$(mktemp -d)"
  xz -dc "$BIN.xz" > "$BINDIR/vibecheck"
  chmod +x "$BINDIR/vibecheck"
  BIN="$BINDIR/vibecheck"
fi
[ -x "$BIN" ] || { echo "gpu-check: no binary at $BIN (nor $BIN.xz)" >&2; exit 2; }

# Shared libraries: the bundle's lib/ (cudart, libz3, libpython), then the CUDA libraries that
# the torch install brought (pip's nvidia-* wheels), then the system's (driver).
LIBS="$DIST/lib"
if [ ! -d "$LIBS" ] && [ -f "$DIST/lib.tar.xz" ]; then
  # The bundle may sit in a read-only place: unpack its libraries into a temporary directory.
  UNPACK="$(mktemp -d)"
  tar -xJf "$DIST/lib.tar.xz" -C "$UNPACK"
  LIBS="$UNPACK/lib"
fi
NV_LIBS="$("$PY" - <<'PYEOF' 2>/dev/null || true
import glob, os, site, sys
dirs = []
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += glob.glob(os.path.join(sp, "nvidia", "*", "lib"))
    dirs += glob.glob(os.path.join(sp, "torch", "lib"))
print(":".join(d for d in dirs if os.path.isdir(d)))
PYEOF
)"
# lib/fallback (a cuRAND stand-in, see tools/build-cuda.sh) comes last: real libraries win.
export LD_LIBRARY_PATH="$LIBS:${NV_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}:$LIBS/fallback"
if [ "$CPU" = 0 ]; then
  # The binary was linked against CUDA 13 sonames. A torch built for CUDA 12 brings the .12
  # libraries only: the few cuBLAS/NVRTC entry points candle calls kept their C ABI, so point
  # the .13 names at them (said loudly; the logit checks below then tell whether it holds).
  missing=$(ldd "$BIN" | awk '/not found/ {print $1}')
  if [ -n "$missing" ]; then
    COMPAT="$(mktemp -d)"
    for so in $missing; do
      base="${so%.so.*}.so"
      alt=""
      IFS=: read -ra dirs <<<"$LD_LIBRARY_PATH"
      for d in "${dirs[@]}"; do
        for f in "$d"/"$base".*; do [ -e "$f" ] && { alt="$f"; break 2; }; done
      done
      if [ -n "$alt" ]; then
        echo "gpu-check: WARNING: $so not found; using $alt in its place" >&2
        ln -s "$alt" "$COMPAT/$so"
      fi
    done
    export LD_LIBRARY_PATH="$COMPAT:$LD_LIBRARY_PATH"
    still=$(ldd "$BIN" | awk '/not found/ {print $1}')
    [ -z "$still" ] || { echo "gpu-check: missing libraries: $still" >&2; exit 2; }
  fi
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv >&2 || true
fi
"$BIN" --version >&2
exec "$PY" "$REPO/tools/gpu_check.py" --bin "$BIN" --fixture "$REPO/tests/fixtures/tiny-qwen2" "${EXTRA[@]}"

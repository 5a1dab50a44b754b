#!/usr/bin/env bash
# CPU prefill/decode of the same GGUF file through vibecheck and through llama.cpp's
# llama-bench (the benchmark peer, built from the llama.cpp sources vendored in PyPI's
# llama-cpp-python sdist; cached under ~/.cache/vibecheck/llama, never part of the repo), same
# threads, prompt 128 / decode 128, in one run. The two alternate (ours, peer, ours, peer, … for
# --rounds rounds) so that load from other processes on a shared machine hits both alike; every
# round prints its numbers and the 1-minute load average, the last line per model the ratios of
# the per-side medians.
#
#   tools/bench-llamacpp.sh [--bin target/release/vibecheck] [--base OTHER_VIBECHECK]
#                           [--threads N] [--rounds R] [--batch B] [--qwen15b] [GGUF...]
#
# Default models: the offline demo model (tools/get-demo-model.sh). --qwen15b adds two Qwen2
# GGUFs with VibeThinker-1.5B's shape and random weights, Q8_0 and Q4_K, written once by
# tools/make-random-gguf.py (PyPI's gguf package, installed into the cache) beside the peer.
# vibecheck's numbers come from `vibecheck model-check decode` (the generator's decode loop,
# greedy, batch 1); --batch B > 1 adds our decode throughput with B rows in one batch (llama-bench
# has no batched-decode counterpart; it is shown for the `n`-samples case). --base adds a second
# vibecheck binary (e.g. a build of main) to every round, interleaved the same way, and prints
# the A/B ratios --bin / --base.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
CACHE="${VIBECHECK_BENCH_CACHE:-$HOME/.cache/vibecheck/llama}"
LLAMA_PY_VERSION="0.3.36"
GGUF_PY_VERSION="0.19.0"
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vibecheck"
THREADS="$(nproc)"
ROUNDS=2
BATCH=1
QWEN=0
BASE=""
MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --qwen15b) QWEN=1; shift ;;
    *) MODELS+=("$1"); shift ;;
  esac
done
log() { echo "bench-llamacpp: $*" >&2; }
[ -x "$BIN" ] || { log "no vibecheck binary at $BIN (cargo build --release, or --bin)"; exit 2; }
[ -z "$BASE" ] || [ -x "$BASE" ] || { log "no --base binary at $BASE"; exit 2; }

SRC="$CACHE/llama_cpp_python-$LLAMA_PY_VERSION/vendor/llama.cpp"
if [ ! -x "$SRC/build/bin/llama-bench" ]; then
  mkdir -p "$CACHE"
  if [ ! -d "$SRC" ]; then
    log "fetching the llama-cpp-python $LLAMA_PY_VERSION sdist (llama.cpp sources)"
    "$PY" -m pip download -q --no-deps --no-binary llama-cpp-python \
      "llama-cpp-python==$LLAMA_PY_VERSION" -d "$CACHE" >&2
    tar xzf "$CACHE/llama_cpp_python-$LLAMA_PY_VERSION.tar.gz" -C "$CACHE"
  fi
  command -v cmake >/dev/null || "$PY" -m pip install -q cmake >&2
  log "building llama-bench (GGML_NATIVE: tuned to this CPU, ~15 min on 2 cores)"
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF >&2
  cmake --build "$SRC/build" -j"$(nproc)" --target llama-bench >&2
fi
PEER="$SRC/build/bin/llama-bench"

[ ${#MODELS[@]} -gt 0 ] || MODELS+=("$("$REPO/tools/get-demo-model.sh")")
if [ "$QWEN" = 1 ]; then
  PYLIB="$CACHE/pylib"
  if ! PYTHONPATH="$PYLIB" "$PY" -c "import gguf, numpy" 2>/dev/null; then
    log "pip install gguf==$GGUF_PY_VERSION (and numpy) into $PYLIB"
    "$PY" -m pip install -q --target "$PYLIB" "gguf==$GGUF_PY_VERSION" >&2
  fi
  for t in q8_0 q4_k; do
    Q="$CACHE/qwen2-1.5b-shape-random-$t.gguf"
    if [ ! -s "$Q" ]; then
      log "writing $Q"
      PYTHONPATH="$PYLIB" "$PY" "$REPO/tools/make-random-gguf.py" --type "$t" --out "$Q" >/dev/null
    fi
    MODELS+=("$Q")
  done
fi

echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads, pp128/tg128, $ROUNDS interleaved rounds; peer: llama.cpp from llama-cpp-python $LLAMA_PY_VERSION"
for m in "${MODELS[@]}"; do
  rounds=()
  for r in $(seq "$ROUNDS"); do
    load1=$(cut -d' ' -f1 /proc/loadavg)
    ours=$(RAYON_NUM_THREADS="$THREADS" "$BIN" model-check decode --cpu --model "$m" --context 128 --steps 128)
    batched=null
    if [ "$BATCH" -gt 1 ]; then
      batched=$(RAYON_NUM_THREADS="$THREADS" "$BIN" model-check decode --cpu --model "$m" \
        --context 128 --steps 64 --batch "$BATCH")
    fi
    base=null
    if [ -n "$BASE" ]; then
      base=$(RAYON_NUM_THREADS="$THREADS" "$BASE" model-check decode --cpu --model "$m" --context 128 --steps 128)
    fi
    peer=$("$PEER" -m "$m" -p 128 -n 128 -t "$THREADS" -r 1 -o json 2>/dev/null)
    rounds+=("{\"load1\": $load1, \"ours\": $ours, \"batched\": $batched, \"base\": $base, \"peer\": $peer}")
  done
  "$PY" - "$m" "$BATCH" "${rounds[@]}" <<'PYEOF'
import json, os, statistics, sys
name, batch = os.path.basename(sys.argv[1]), int(sys.argv[2])
rounds = [json.loads(a) for a in sys.argv[3:]]
rows = {"our_pp": [], "our_tg": [], "peer_pp": [], "peer_tg": [], "our_tg_batch": [],
        "base_pp": [], "base_tg": []}
for i, r in enumerate(rounds, 1):
    peer = r["peer"]
    pp = next(x["avg_ts"] for x in peer if x["n_prompt"] > 0 and x["n_gen"] == 0)
    tg = next(x["avg_ts"] for x in peer if x["n_gen"] > 0 and x["n_prompt"] == 0)
    o = r["ours"]
    rows["our_pp"].append(o["prefill_tok_s"]); rows["our_tg"].append(o["decode_tok_s"])
    rows["peer_pp"].append(pp); rows["peer_tg"].append(tg)
    extra = ""
    if r["batched"]:
        rows["our_tg_batch"].append(r["batched"]["decode_tok_s"])
        extra = f", ours batch {batch} decode {r['batched']['decode_tok_s']:.1f} tok/s total"
    if r.get("base"):
        b = r["base"]
        rows["base_pp"].append(b["prefill_tok_s"]); rows["base_tg"].append(b["decode_tok_s"])
        extra += (f"; base prefill {b['prefill_tok_s']:.1f} decode {b['decode_tok_s']:.1f} tok/s "
                  f"(ours/base {o['prefill_tok_s'] / b['prefill_tok_s']:.2f}x, "
                  f"{o['decode_tok_s'] / b['decode_tok_s']:.2f}x)")
    print(f"{name} round {i} (load {r['load1']}): prefill {o['prefill_tok_s']:.1f} vs {pp:.1f} tok/s "
          f"({o['prefill_tok_s'] / pp:.2f}x), decode {o['decode_tok_s']:.1f} vs {tg:.1f} tok/s "
          f"({o['decode_tok_s'] / tg:.2f}x){extra}")
med = {k: statistics.median(v) for k, v in rows.items() if v}
build = f"{rounds[0]['peer'][0].get('build_commit', '?')} (build {rounds[0]['peer'][0].get('build_number', '?')})"
extra = f", ours batch {batch}: {med['our_tg_batch']:.1f} tok/s total" if "our_tg_batch" in med else ""
if "base_tg" in med:
    extra += (f"; ours/base prefill {med['our_pp'] / med['base_pp']:.2f}x, "
              f"decode {med['our_tg'] / med['base_tg']:.2f}x")
print(f"{name} MEDIAN: prefill {med['our_pp']:.1f} vs {med['peer_pp']:.1f} tok/s "
      f"({med['our_pp'] / med['peer_pp']:.2f}x), decode {med['our_tg']:.1f} vs {med['peer_tg']:.1f} tok/s "
      f"({med['our_tg'] / med['peer_tg']:.2f}x){extra} [vibecheck vs llama.cpp {build}]")
PYEOF
done

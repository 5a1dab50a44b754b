#!/usr/bin/env bash
# CPU decode/prefill of the same GGUF file through vibecheck and through llama.cpp's
# llama-bench (the benchmark peer, built from the llama.cpp sources vendored in PyPI's
# llama-cpp-python sdist; cached under ~/.cache/vibecheck/llama, never part of the repo), same
# threads, prompt 128 / decode 128, in one run. Prints one line per model with the ratios.
#
#   tools/bench-llamacpp.sh [--bin target/release/vibecheck] [--threads N] [--qwen15b] [GGUF...]
#
# Default models: the offline demo model (tools/get-demo-model.sh). --qwen15b adds a Qwen2
# GGUF with VibeThinker-1.5B's shape and random weights in Q8_0 (written once with torch +
# transformers + llama.cpp's convert_hf_to_gguf.py, cached beside the peer; PYTHON must have
# torch and transformers).
# vibecheck's numbers come from `vibecheck model-check decode` (candle's quantized model, the
# same decode loop as `generate`, greedy, batch 1).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
CACHE="${VIBECHECK_BENCH_CACHE:-$HOME/.cache/vibecheck/llama}"
LLAMA_PY_VERSION="0.3.36"
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vibecheck"
THREADS="$(nproc)"
QWEN=0
MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --qwen15b) QWEN=1; shift ;;
    *) MODELS+=("$1"); shift ;;
  esac
done
log() { echo "bench-llamacpp: $*" >&2; }
[ -x "$BIN" ] || { log "no vibecheck binary at $BIN (cargo build --release, or --bin)"; exit 2; }

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
  log "building llama-bench and llama-server (GGML_NATIVE: tuned to this CPU, ~20 min on 2 cores)"
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF >&2
  cmake --build "$SRC/build" -j"$(nproc)" --target llama-bench llama-server >&2
fi
PEER="$SRC/build/bin/llama-bench"

[ ${#MODELS[@]} -gt 0 ] || MODELS+=("$("$REPO/tools/get-demo-model.sh")")
if [ "$QWEN" = 1 ]; then
  Q="$CACHE/qwen2-1.5b-shape-random-q8_0.gguf"
  if [ ! -s "$Q" ]; then
    log "writing a random Qwen2 model of VibeThinker-1.5B's shape and converting it to Q8_0"
    HF="$(mktemp -d)"
    "$PY" - "$HF" "$HOME/.local/share/vibecheck/qwen-tokenizer" <<'PYEOF'
import shutil, sys, torch
from transformers import Qwen2Config, Qwen2ForCausalLM
out, tok = sys.argv[1], sys.argv[2]
cfg = Qwen2Config(vocab_size=151_936, hidden_size=1536, intermediate_size=8960,
                  num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                  max_position_embeddings=4096, rope_theta=10_000.0, rms_norm_eps=1e-6,
                  tie_word_embeddings=True)
torch.manual_seed(0)
Qwen2ForCausalLM(cfg).to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
for f in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(f"{tok}/{f}", f"{out}/{f}")
PYEOF
    PYTHONPATH="$SRC/gguf-py" "$PY" "$SRC/convert_hf_to_gguf.py" "$HF" --outtype q8_0 --outfile "$Q.tmp" >&2
    mv "$Q.tmp" "$Q"
    rm -rf "$HF"
  fi
  MODELS+=("$Q")
fi

echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads, peer: llama.cpp from llama-cpp-python $LLAMA_PY_VERSION"
for m in "${MODELS[@]}"; do
  peer=$("$PEER" -m "$m" -p 128 -n 128 -t "$THREADS" -r 1 -o json 2>/dev/null)
  ours=$(RAYON_NUM_THREADS="$THREADS" "$BIN" model-check decode --cpu --model "$m" --context 128 --steps 128)
  "$PY" - "$m" "$peer" "$ours" <<'PYEOF'
import json, os, sys
name, peer, ours = os.path.basename(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
pp = next(r["avg_ts"] for r in peer if r["n_prompt"] > 0 and r["n_gen"] == 0)
tg = next(r["avg_ts"] for r in peer if r["n_gen"] > 0 and r["n_prompt"] == 0)
build = peer[0].get("build_commit", "?")
print(f"{name}: prefill {ours['prefill_tok_s']:.1f} vs {pp:.1f} tok/s ({ours['prefill_tok_s'] / pp:.2f}x), "
      f"decode {ours['decode_tok_s']:.1f} vs {tg:.1f} tok/s ({ours['decode_tok_s'] / tg:.2f}x) "
      f"[vibecheck vs llama.cpp {build}]")
PYEOF
done

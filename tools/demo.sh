#!/usr/bin/env bash
# The main job on the bundled examples (see docs/solve.md), offline:
#   1. judge a correct program on its tests in the wasm sandbox,
#   2. verify a worked solution with a wrong step (sympy flags it),
#   3. solve the bundled math and code problems with the offline demo model (SmolLM2-135M GGUF:
#      it shows the plumbing — generate, verify, retry with evidence — not reasoning quality).
# Setup is idempotent. Exit status: 0 when every step ran (a FLAGGED verdict is expected output).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n== %s\n' "$*" >&2; }

bash tools/setup.sh
MODEL=""
if [ -x tools/get-demo-model.sh ] || [ -f tools/get-demo-model.sh ]; then
  MODEL=$(bash tools/get-demo-model.sh | tail -n1)
fi
# Build every target, like `cargo test` does: the same feature set, so the demo and the test
# suite share one set of compiled dependencies instead of building wasmtime twice.
log "cargo build --workspace --all-targets"
cargo build --quiet --workspace --all-targets
VC="${CARGO_TARGET_DIR:-target}/debug/vibecheck"
EX=examples/solve

# Each command's exit status 1 means "not good" (flagged / not AC), which is a result, not a failure.
run() { "$@" || { rc=$?; [ "$rc" = 1 ] || exit "$rc"; }; }

log "vibecheck judge $EX/code-solution.py --tests $EX/code-tests"
run "$VC" judge "$EX/code-solution.py" --tests "$EX/code-tests"

log "vibecheck verify $EX/math-chain.md   (step 2 is wrong: 168 - 8 is 160, not 150)"
run "$VC" verify "$EX/math-chain.md"

if [ -z "$MODEL" ] || [ ! -e "$MODEL" ]; then
  log "no demo model (tools/get-demo-model.sh): skipping solve"
  exit 0
fi
# Small budgets keep this quick on 2 CPU cores; the real model writes up to 40,960 tokens.
log "vibecheck solve --file $EX/math.md --model $(basename "$MODEL")"
run "$VC" solve --file "$EX/math.md" --model "$MODEL" --max-tokens 160 --attempts 2 \
  --temperature 0 --reference 26
log "vibecheck solve --file $EX/code.md --model $(basename "$MODEL")"
run "$VC" solve --file "$EX/code.md" --model "$MODEL" --max-tokens 200 --attempts 1 \
  --temperature 0 --no-stress --tests "$EX/code-tests"
log "demo done"

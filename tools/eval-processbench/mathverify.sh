#!/usr/bin/env bash
# Answer extraction + equivalence against a peer, on the same rows (issue 9's last table row):
# runs eval-processbench in reference mode with --answer-rows, then grades those rows with
# Math-Verify (PyPI `math-verify`, installed into target/mathverify-venv) and prints both
# graders' agreement with the data's own `final_answer_correct`. A benchmark, not a test; reads
# ../shared/data. Usage: tools/eval-processbench/mathverify.sh [--limit N]
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/mathverify-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'math-verify[antlr4_13_2]==0.9.0'
fi
rows="$target/mathverify-rows.jsonl"
tools/eval-processbench/run.sh --workers 2 --answer-rows "$rows" "$@" > /dev/null
"$venv/bin/python" tools/eval-processbench/mathverify.py "$rows"

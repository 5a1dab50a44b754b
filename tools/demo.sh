#!/usr/bin/env bash
# The main job on the bundled examples (see README). Setup is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cargo build --quiet --bin vibecheck
echo "demo: not yet wired" >&2

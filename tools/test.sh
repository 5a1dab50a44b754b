#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup (idempotent), format check, clippy, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings" >&2
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test" >&2
cargo test --workspace

#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): setup and the demo model (both idempotent),
# format check, clippy, unused dependencies, then every test including the `#[ignore]`d ones
# (those need the demo model or llama-server; a plain `cargo test` leaves them out). A test whose tool or file
# is missing fails, naming the script that installs it: nothing passes by being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== %s\n' "$*" >&2; }

bash tools/setup.sh
log "tools/get-demo-model.sh"
bash tools/get-demo-model.sh >/dev/null
# llama.cpp's llama-server for tests/llama_server.rs: built once (~5 min on 2 idle cores), cached.
log "tools/get-llama-server.sh"
bash tools/get-llama-server.sh >/dev/null

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# Unused dependencies. cargo-machete reads the sources (no build); installed once, pinned.
if ! cargo machete --version >/dev/null 2>&1; then
  log "cargo install cargo-machete"
  cargo install --quiet --locked cargo-machete
fi
log "cargo machete"
cargo machete

log "cargo test --workspace -- --include-ignored"
cargo test --workspace -- --include-ignored

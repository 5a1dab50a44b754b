#!/usr/bin/env bash
# Measures `vibecheck verify` (no reference) on the ProcessBench subsets with expert
# earliest-wrong-step labels. Arguments go to the measurement program:
#   --data FILE (repeatable), --limit N (per subset), --workers N, --dump FILE (JSON lines),
#   --gsm8k-test FILE, --no-reference, --dump-answers FILE (see main.rs).
# Progress on stderr, one table per subset on stdout. See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile="${PROFILE:-dev}"
cargo build --quiet --profile "$profile" --bin vibecheck --example eval-processbench
target="${CARGO_TARGET_DIR:-$PWD/target}"
dir=debug; [ "$profile" = release ] && dir=release
export VIBECHECK_WORKER_EXE="$target/$dir/vibecheck"
exec "$target/$dir/examples/eval-processbench" "$@"

#!/usr/bin/env bash
# Builds `vibecheck` and the bench-verify example with PROFILE (default: release) and runs the
# verify-backend benchmark. Results (markdown table) on stdout, progress on stderr.
#   tools/bench-verify/run.sh            # release build (slow the first time)
#   PROFILE=dev tools/bench-verify/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PROFILE="${PROFILE:-release}"
cargo build --profile "$PROFILE" --bin vibecheck --example bench-verify >&2
dir=release; [ "$PROFILE" = dev ] && dir=debug
exec "${CARGO_TARGET_DIR:-target}/$dir/examples/bench-verify"

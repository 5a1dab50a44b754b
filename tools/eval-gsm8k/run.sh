#!/usr/bin/env bash
# Measures `vibecheck verify` on GSM8K's graded model solutions (false-flag and catch rates,
# with and without the reference answer). Arguments go to the measurement program:
#   --limit N (problems), --workers N, --data FILE, --dump FILE (flagged solutions, JSON lines),
#   --answers (answer-extraction agreement with the data's grading only; fast, no verifier).
# Progress on stderr, the table on stdout. See BENCHMARKS.md `## Verify on GSM8K`.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile="${PROFILE:-dev}"
cargo build --quiet --profile "$profile" --bin vibecheck --example eval-gsm8k
dir=debug; [ "$profile" = release ] && dir=release
export VIBECHECK_WORKER_EXE="$PWD/target/$dir/vibecheck"
exec "target/$dir/examples/eval-gsm8k" "$@"

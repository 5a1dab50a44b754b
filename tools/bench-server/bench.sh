#!/usr/bin/env bash
# Load benchmark of the HTTP API (not a test): POST /v1/verify with a typical 8-step solution at
# concurrency 32 for 30 s against a release build of `vibecheck serve`, with API-key auth on.
# Baselines measured in the same run: GET /healthz at the same concurrency (the HTTP stack alone)
# and /v1/verify at concurrency 1 (one request's latency without contention).
# Needs `wrk` (Debian package). Usage: tools/bench-server/bench.sh [DURATION] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-30s}"
CONC="${2:-32}"
THREADS=2
command -v wrk >/dev/null || { echo "bench-server: wrk not found (apt-get install wrk)" >&2; exit 2; }

# BIN=path overrides the binary (e.g. a debug build); default: build and use the release binary.
if [ -z "${BIN:-}" ]; then
  echo "bench-server: building release binary" >&2
  cargo build --release --bin vibecheck >&2
  BIN="${CARGO_TARGET_DIR:-target}/release/vibecheck"
fi

KEY="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
LOG=$(mktemp)
VIBECHECK_API_KEY_HASHES="$HASH" "$BIN" serve --addr 127.0.0.1:0 --rate 0 --queue 256 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$LOG" && break
  kill -0 $PID 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.5
done
ADDR=$(grep -o 'listening on http://[^ ]*' "$LOG" | sed 's|listening on http://||')
echo "bench-server: server at $ADDR" >&2

export BENCH_KEY="$KEY"
export BENCH_BODY='{"problem":"A baker makes 12 trays of 24 cookies. She sells 3/4 of them at $2 each and gives away the rest. How much money does she make, and how many cookies does she give away?","steps":["She bakes 12 trays of 24 cookies each.","So she bakes 12 \\times 24 = 288 cookies.","She sells 3/4 of them: 288 \\times 3/4 = 216 cookies.","Each sold cookie earns $2, so she makes 216 \\times 2 = 432 dollars.","The rest are given away: 288 - 216 = 72 cookies.","As a check, 216 + 72 = 288.","The fraction given away is 72 / 288 = 1/4.","So she makes $432 and gives away 72 cookies. The answer is 432."],"reference":"432"}'

# Warm-up and a correctness check of the body.
curl -sf -H "Authorization: Bearer $KEY" -d "$BENCH_BODY" "http://$ADDR/v1/verify" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print("bench-server: warm-up verdict", r["verdict"], [s["verdict"] for s in r["steps"]], file=sys.stderr)'

run() { # name conc duration path [script]
  local name=$1 c=$2 d=$3 path=$4
  local out t=$THREADS
  [ "$c" -lt "$t" ] && t=$c
  if [ "$path" = /healthz ]; then
    out=$(wrk -t"$t" -c"$c" -d"$d" --latency -s tools/bench-server/get.lua "http://$ADDR$path")
  else
    out=$(wrk -t"$t" -c"$c" -d"$d" --latency -s tools/bench-server/post.lua "http://$ADDR$path")
  fi
  echo "$out" >&2
  echo "$name $(echo "$out" | grep '^BENCH' | sed 's/^BENCH //')"
}
echo "# binary: $BIN; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ)"
run healthz_c${CONC} "$CONC" 10s /healthz
run verify_c1 1 10s /v1/verify
run verify_c${CONC} "$CONC" "$DURATION" /v1/verify
curl -s "http://$ADDR/metrics" | grep -E '^vibecheck_(http_requests_total\{route="/v1/verify"|worker_restarts_total|verdicts_total)' >&2

#!/usr/bin/env bash
# Verify latency and load benchmark of the HTTP API on realistic input (not a test):
#  1. 20-step chains, one request at a time against a warm server (workers started and used):
#     p50 / p95 / max per chain, for chains written by bodies.py (mixed arithmetic, algebra,
#     identities, remainders, degrees, a sum, a binomial, two Z3 claims; every step right) and for
#     the ProcessBench olympiad-level solutions with >= 20 steps (first 20). Each chain is
#     posted once after a warm-up on other chains, so sympy's caches hold nothing of it.
#  2. The GSM8K load bench: POST /v1/verify with the 1,319 GSM8K test solutions (free text,
#     problem included, no reference), rotating, at concurrency CONC for DURATION, for the
#     binary under test and a BASELINE binary, interleaved (base, new, base, new) so machine load
#     hits both alike; prints the ratio of throughput and of p50 latency.
# Usage: tools/bench-server/chains.sh [DURATION] [CONC]
#   BIN=path       binary under test (default: build and use target/release/vibecheck)
#   BASELINE=path  baseline binary for part 2 (default: none, part 2 measures BIN alone)
#   SYNTHETIC=N    synthetic chains measured (default 200)
# Needs wrk and python3; reads ../shared/data (benchmarks may; tests may not).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-20s}"
CONC="${2:-32}"
SYNTHETIC="${SYNTHETIC:-200}"
command -v wrk >/dev/null || { echo "chains: wrk not found (apt-get install wrk)" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
  echo "chains: building release binary" >&2
  cargo build --release --bin vibecheck >&2
  BIN="${CARGO_TARGET_DIR:-target}/release/vibecheck"
fi
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
KEY="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
export BENCH_KEY="$KEY"
B=tools/bench-server
python3 $B/bodies.py synthetic 20 "$WORK/warm.jsonl" 1
python3 $B/bodies.py synthetic "$SYNTHETIC" "$WORK/synthetic.jsonl" 2
python3 $B/bodies.py processbench 0 "$WORK/processbench.jsonl"
python3 $B/bodies.py gsm8k 0 "$WORK/gsm8k.jsonl"

start() { # binary → sets PID, ADDR
  VIBECHECK_API_KEY_HASHES="$HASH" "$1" serve --addr 127.0.0.1:0 --rate 0 --queue 256 2>"$WORK/log" &
  PID=$!
  for _ in $(seq 1 600); do
    grep -q "listening on" "$WORK/log" && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/log" >&2; exit 1; }
    sleep 0.5
  done
  ADDR=$(grep -o 'listening on http://[^ ]*' "$WORK/log" | sed 's|listening on http://||')
  # Warm-up: every worker imports sympy and Z3 and checks a few chains.
  python3 $B/latency.py "$ADDR" "$KEY" "$WORK/warm.jsonl" warm-up >/dev/null
  python3 $B/latency.py "$ADDR" "$KEY" "$WORK/warm.jsonl" warm-up >/dev/null
}
stop() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
}
load() { # name
  local out
  out=$(BENCH_BODIES="$WORK/gsm8k.jsonl" wrk -t2 -c"$CONC" -d"$DURATION" --latency -s $B/rotate.lua "http://$ADDR")
  echo "$out" >&2
  echo "$1 $(echo "$out" | grep '^BENCH' | sed 's/^BENCH //')" | tee -a "$WORK/load.txt"
}

echo "# binary: $BIN${BASELINE:+; baseline: $BASELINE}"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start "$BIN"
echo
echo "| chains (c=1, warm server, each chain once) | requests | steps | p50 ms | p95 ms | max ms | verdicts | refuted steps |"
echo "|---|---|---|---|---|---|---|---|"
python3 $B/latency.py "$ADDR" "$KEY" "$WORK/synthetic.jsonl" "synthetic 20-step"
python3 $B/latency.py "$ADDR" "$KEY" "$WORK/processbench.jsonl" "ProcessBench olympiad, first 20 steps"
echo
echo "# GSM8K load bench: 1,319 GSM8K test solutions rotating, c=$CONC, $DURATION per run"
if [ -n "${BASELINE:-}" ]; then
  stop
  for round in 1 2; do
    start "$BASELINE"; load "baseline_r$round"; stop
    start "$BIN"; load "new_r$round"; stop
  done
else
  load new_r1
fi
# Ratios over the rounds: baseline throughput / new throughput (slowdown), p50 new / baseline.
python3 - "$WORK/load.txt" <<'PY'
import re, sys
runs = {}
for line in open(sys.argv[1]):
    name, rest = line.split(" ", 1)
    kv = dict(re.findall(r"(\w+)=([\d.]+)", rest))
    runs.setdefault(name.split("_")[0], []).append(kv)
def mean(k, key):
    v = [float(r[key]) for r in runs.get(k, [])]
    return sum(v) / len(v) if v else float("nan")
for k in runs:
    print("# %s: mean rps %.1f, mean p50 %.1f ms, mean p99 %.1f ms, errors %d" % (k, mean(k, "rps"), mean(k, "p50_ms"), mean(k, "p99_ms"),
          sum(int(r["errors_status"]) + int(r["errors_timeout"]) + int(r["errors_read"]) for r in runs[k])))
if "baseline" in runs and "new" in runs:
    print("# slowdown (baseline rps / new rps): %.2fx; p50 new / baseline: %.2fx" % (mean("baseline", "rps") / mean("new", "rps"), mean("new", "p50_ms") / mean("baseline", "p50_ms")))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

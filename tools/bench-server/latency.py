#!/usr/bin/env python3
"""Sequential POST /v1/verify latency (benchmark, not a test): posts every body of a JSON-lines
file once, one request at a time (concurrency 1, so each request finds a free, warm worker), and
prints one markdown row: requests, p50 / p95 / max latency in ms, the verdicts seen, and how many
steps came back refuted (the synthetic chains are all right: a refuted step there is a bug).

Usage: latency.py ADDR KEY BODIES NAME
"""
import collections
import json
import sys
import time
import urllib.request


def percentile(sorted_ms, p):
    return sorted_ms[round((len(sorted_ms) - 1) * p)]


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: latency.py ADDR KEY BODIES NAME")
    addr, key, path, name = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        bodies = [line.encode() for line in f if line.strip()]
    times, verdicts, refuted_steps, steps = [], collections.Counter(), 0, []
    for body in bodies:
        req = urllib.request.Request(
            "http://%s/v1/verify" % addr,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + key},
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=120) as r:
            data = r.read()
        times.append((time.perf_counter() - t0) * 1e3)
        rep = json.loads(data)
        verdicts[rep["verdict"]] += 1
        steps.append(len(rep["steps"]))
        refuted_steps += sum(1 for s in rep["steps"] if s["verdict"] == "refuted")
    times.sort()
    print(
        "| %s | %d | %d | %.1f | %.1f | %.1f | %s | %d |"
        % (
            name,
            len(times),
            max(steps),
            percentile(times, 0.5),
            percentile(times, 0.95),
            times[-1],
            ", ".join("%s %d" % kv for kv in sorted(verdicts.items())),
            refuted_steps,
        )
    )


if __name__ == "__main__":
    main()

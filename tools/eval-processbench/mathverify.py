"""Grades the rows of `eval-processbench --answer-rows FILE` with Math-Verify (the peer the issue
names) and prints, on the same rows, how often each grader agrees with the data's own
`final_answer_correct`: ours (`judged_equal`, vibecheck's extraction + equivalence) and Math-Verify's
(its own extraction from the solution text, compared with the same reference). Not a test: a
benchmark against a peer, run by mathverify.sh.

Math-Verify gets the reference wrapped in `$…$` (its documented way to pass a gold answer) and
the whole solution text; each call is bounded by its own timeout (`parsing_timeout`,
`timeout_seconds`, 5 s).
"""
import json
import sys
from collections import defaultdict

from math_verify import parse, verify


def main(path: str) -> None:
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    tally = defaultdict(lambda: {"n": 0, "ours": 0, "mv": 0, "mv_err": 0, "ours_only": [], "mv_only": []})
    for k, r in enumerate(rows):
        t = tally[r["subset"]]
        t["n"] += 1
        truth = bool(r["final_answer_correct"])
        ours = bool(r["judged_equal"])
        try:
            gold = parse("$" + r["reference"] + "$", parsing_timeout=5)
            pred = parse(r["solution"], parsing_timeout=5)
            mv = bool(verify(gold, pred, timeout_seconds=5))
        except Exception as e:  # a peer's failure counts as "judged different"
            t["mv_err"] += 1
            mv = False
            print(f"mathverify: {r['id']}: {type(e).__name__}: {e}", file=sys.stderr)
        t["ours"] += ours == truth
        t["mv"] += mv == truth
        if (ours == truth) != (mv == truth):
            (t["ours_only"] if ours == truth else t["mv_only"]).append(r["id"])
        if (k + 1) % 100 == 0:
            print(f"mathverify: {k + 1}/{len(rows)}", file=sys.stderr)
    print("| subset | rows | vibecheck agrees with the data's grade | Math-Verify agrees | right only for vibecheck | right only for Math-Verify |")
    print("|---|---|---|---|---|---|")
    for name, t in tally.items():
        n = t["n"]
        print(
            f"| {name} | {n} | {t['ours']} ({100 * t['ours'] / n:.1f}%) | {t['mv']} ({100 * t['mv'] / n:.1f}%)"
            f"{'; ' + str(t['mv_err']) + ' errors' if t['mv_err'] else ''} | {len(t['ours_only'])} | {len(t['mv_only'])} |"
        )
    for name, t in tally.items():
        print(f"\n{name}: right only for vibecheck: {', '.join(t['ours_only']) or '-'}")
        print(f"{name}: right only for Math-Verify: {', '.join(t['mv_only']) or '-'}")


if __name__ == "__main__":
    main(sys.argv[1])

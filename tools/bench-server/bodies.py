#!/usr/bin/env python3
"""Request bodies for tools/bench-server/chains.sh (benchmark input, not a test).

Writes JSON lines, one POST /v1/verify body per line:
  gsm8k      the 1,319 GSM8K test problems with their human solutions (free text with <<a*b=c>>
             annotations and `#### N`), no reference: the GSM8K load bench.
  synthetic  20-step chains written here from templates (word-problem arithmetic, fractions,
             percentages, an equation solved by rewriting, an expanded identity, a division with
             remainder, degrees, a sum, a binomial, Z3 claims), every step right, fresh numbers
             per chain (fixed seed), the problem states the equation so the answer can be
             substituted back.
  processbench  the ProcessBench olympiad-level solutions with at least 20 steps, first 20 steps.

Usage: bodies.py KIND COUNT OUT [SEED]   (COUNT 0 = all the data has)
Reads ../shared/data (benchmarks may; tests may not).
"""
import json
import os
import random
import sys
from fractions import Fraction

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHARED = os.path.join(ROOT, "..", "shared", "data")


def gsm8k(count, _seed):
    out = []
    with open(os.path.join(SHARED, "gsm8k", "test.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            out.append({"problem": row["question"], "solution": row["answer"]})
    return out[:count] if count else out


def processbench(count, _seed):
    with open(os.path.join(SHARED, "processbench", "olympiadbench.json"), encoding="utf-8") as f:
        rows = json.load(f)
    out = [{"problem": r["problem"], "steps": r["steps"][:20]} for r in rows if len(r["steps"]) >= 20]
    return out[:count] if count else out


def frac(q):
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else "\\frac{%d}{%d}" % (q.numerator, q.denominator)


def chain20(rng):
    """One correct 20-step chain and its problem."""
    a = rng.randint(3, 9)
    c = rng.randint(2, 40)
    x = rng.randint(2, 30)
    d = a * x + c
    steps = []
    trays, per = rng.randint(6, 30), 4 * rng.randint(3, 12)
    total = trays * per
    steps.append("First count the items: there are %d trays of %d, so $%d \\times %d = %d$ items." % (trays, per, trays, per, total))
    sold = total * 3 // 4
    steps.append("Three quarters are sold: $%d \\times \\frac{3}{4} = %d$." % (total, sold))
    steps.append("The rest are kept: %d - %d = %d." % (total, sold, total - sold))
    price = rng.randint(2, 9)
    steps.append("At %d dollars each the sales bring %d * %d = %d dollars." % (price, sold, price, sold * price))
    p = rng.choice([10, 15, 20, 25, 40])
    steps.append("A %d%% fee is taken: $%d\\%% \\times %d = %s$." % (p, p, sold * price, frac(Fraction(p * sold * price, 100))))
    f1, f2 = Fraction(rng.randint(1, 5), rng.randint(6, 9)), Fraction(rng.randint(1, 5), rng.randint(6, 9))
    steps.append("Adding the two shares, $%s + %s = %s$." % (frac(f1), frac(f2), frac(f1 + f2)))
    steps.append("Now the equation of the problem: $%dx + %d = %d$." % (a, c, d))
    steps.append("Subtract %d from both sides: $%dx + %d = %d \\Rightarrow %dx = %d$." % (c, a, c, d, a, d - c))
    steps.append("Divide by %d: $%dx = %d \\Rightarrow x = %d$." % (a, a, d - c, x))
    steps.append("Check: $%d \\cdot %d + %d = %d$." % (a, x, c, d))
    k = rng.randint(2, 9)
    steps.append("Expanding, $(y+%d)^2 = y^2 + %dy + %d$." % (k, 2 * k, k * k))
    n, m = rng.randint(50, 999), rng.randint(3, 9)
    steps.append("Dividing, %d ÷ %d = %d remainder %d." % (n, m, n // m, n % m))
    steps.append("The angle is $180^\\circ - %d^\\circ - %d^\\circ = %d^\\circ$." % (30 + k, 40 + m, 110 - k - m))
    steps.append("Also $\\sin 30^\\circ = \\frac{1}{2}$ and $\\cos 60^\\circ = \\frac{1}{2}$.")
    top = rng.randint(5, 30)
    steps.append("The running total is $\\sum_{j=1}^{%d} j = \\frac{%d \\cdot %d}{2} = %d$." % (top, top, top + 1, top * (top + 1) // 2))
    r = rng.randint(2, 6)
    nn = rng.randint(r + 2, 12)
    from math import comb
    steps.append("Choosing %d of %d: $\\binom{%d}{%d} = %d$." % (r, nn, nn, r, comb(nn, r)))
    steps.append("```claim\nforall t: Int. %d divides t implies %d divides t\n```" % (2 * m, m))
    steps.append("```claim\nforall u, v: Real. (u + v)^2 = u^2 + 2*u*v + v^2\n```")
    g, h = rng.randint(10, 99), rng.randint(10, 99)
    steps.append("Finally $%d \\times %d - %d = %d$ and $%d^2 = %d$." % (g, h, g, g * h - g, h, h * h))
    steps.append("So $x = %d$. The answer is $\\boxed{%d}$." % (x, x))
    assert len(steps) == 20
    problem = "Solve $%dx + %d = %d$ for $x$." % (a, c, d)
    return {"problem": problem, "steps": steps}


def synthetic(count, seed):
    rng = random.Random(seed)
    return [chain20(rng) for _ in range(count or 100)]


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: bodies.py gsm8k|synthetic|processbench COUNT OUT [SEED]")
    kind, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 9
    make = {"gsm8k": gsm8k, "synthetic": synthetic, "processbench": processbench}.get(kind)
    if make is None:
        sys.exit("bodies.py: unknown kind %r" % kind)
    bodies = make(count, seed)
    with open(out, "w", encoding="utf-8") as f:
        for b in bodies:
            f.write(json.dumps(b, ensure_ascii=False) + "\n")
    print("bodies.py: %d %s bodies -> %s" % (len(bodies), kind, out), file=sys.stderr)


if __name__ == "__main__":
    main()

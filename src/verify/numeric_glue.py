"""vibecheck numeric worker glue (trusted code, compiled into the binary).

Receives sympy objects that Rust already built from the AST through an allowlist, and decides
each relation of a math item. Never evaluates text: no eval/exec/sympify/parse_expr here.
The rounding rule is documented in src/verify/numeric.rs.
"""
import itertools
import json
import re
import sys

import mpmath
import sympy as sp
from mpmath import iv
from sympy import Abs, Integer, Rational, S

if hasattr(sys, "set_int_max_str_digits"):
    # Sizes are bounded in Rust before anything reaches Python.
    sys.set_int_max_str_digits(0)

SHOW_CHARS = 60          # longest exact rendering kept in evidence
NUM_DIGITS = 15          # significant digits of approximate renderings
ZERO_DIGITS = 60         # precision of the numeric zero test for undecided exact values
SIMPLIFY_MAX_OPS = 300   # simplify() only on differences this small (it can be slow)
SAMPLE_POINTS = ((2, 3, 5, 7, 11, 13), (1, 2, 3, 4, 5, 6), (-1, 3, -2, 5, 7, -3), (S.Half, 3, 7, 2, 5, 11))

UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def approx(v):
    """v to NUM_DIGITS significant digits, without trailing zeros."""
    s = str(sp.N(v, NUM_DIGITS))
    if "." in s and "e" not in s.lower():
        s = s.rstrip("0").rstrip(".")
    return s


def terminating(q):
    """The number of decimals of 1/q when it terminates (q = 2^a 5^b), else None."""
    a = b = 0
    while q % 2 == 0:
        q //= 2
        a += 1
    while q % 5 == 0:
        q //= 5
        b += 1
    return max(a, b) if q == 1 else None


def show(v):
    """A short human rendering of a computed value."""
    try:
        if v.is_Integer:
            n = int(v)
            if abs(n).bit_length() > 190:
                return f"{approx(v)} (about {int(abs(n).bit_length() * 0.30103) + 1} digits)"
            return str(n)
        if v.is_Rational:
            p, q = int(v.p), int(v.q)
            k = terminating(q)
            if k is not None and k <= 30 and abs(p).bit_length() < 100:
                digits = str(abs(p) * (10 ** k // q)).rjust(k + 1, "0")
                return ("-" if p < 0 else "") + digits[:-k] + "." + digits[-k:]
            s = str(v)
            if len(s) <= SHOW_CHARS:
                return f"{s} ≈ {approx(v)}"
            return approx(v)
        s = str(v)
        if v.is_number and not v.has(*UNDEFINED):
            a = approx(v)
            if len(s) > SHOW_CHARS:
                return a
            return s if a == s else f"{s} ≈ {a}"
        return s if len(s) <= SHOW_CHARS * 2 else s[: SHOW_CHARS * 2 - 1] + "…"
    except Exception as e:  # evidence rendering must never fail a check
        return f"<{type(e).__name__}>"


def truth(rel):
    """True/False for a decided sympy relational, None when sympy cannot decide."""
    if rel is sp.true or rel is True:
        return True
    if rel is sp.false or rel is False:
        return False
    return None


ENCLOSE_PRECS = (128, 640)  # bits of the interval arithmetic tried in turn by `enclose`
ENCLOSE_MAX_NODES = 4000    # larger expressions are not enclosed (the walk is one Python call per node)


ENCLOSE_MAX_ARG = mpmath.mpf(2) ** 64  # larger arguments of exp / sin / cos are not enclosed (slow range reduction)


class NoEnclosure(Exception):
    """The expression holds something `enclose` has no rigorous interval rule for."""


def _small(v):
    """v (an interval) as an argument of exp, sin, cos: NoEnclosure past ENCLOSE_MAX_ARG."""
    if not (abs(v.a) < ENCLOSE_MAX_ARG and abs(v.b) < ENCLOSE_MAX_ARG):
        raise NoEnclosure
    return v


def _enc_pow(e):
    base, ex = e.base, e.exp
    if ex.is_Integer:
        return _enc(base) ** int(ex)
    b = _enc(base)
    if not b.a > 0:
        raise NoEnclosure  # a root of a negative number is complex under sympy's rules
    return iv.exp(_small(iv.log(b) * _enc(ex)))


def _enc_fn(e):
    f = type(e)
    if f is sp.floor or f is sp.ceiling:
        v = _enc(e.args[0])
        lo, hi = (int(mpmath.floor(v.a)), int(mpmath.floor(v.b))) if f is sp.floor else \
            (int(mpmath.ceil(v.a)), int(mpmath.ceil(v.b)))
        if lo != hi:
            raise NoEnclosure
        return iv.mpf(lo)
    args = [_enc(x) for x in e.args]
    if f is sp.exp:
        return iv.exp(_small(args[0]))
    if f is sp.log and len(args) == 1:
        if not args[0].a > 0:
            raise NoEnclosure
        return iv.log(args[0])
    if f is sp.Abs:
        v = args[0]
        if v.a >= 0:
            return v
        if v.b <= 0:
            return -v
        return iv.mpf([0, max(-v.a, v.b)])
    if f in (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc):
        x = _small(args[0])
        if f is sp.sin:
            return iv.sin(x)
        if f is sp.cos:
            return iv.cos(x)
        num, den = (iv.sin(x), iv.cos(x)) if f in (sp.tan, sp.sec) else (iv.cos(x), iv.sin(x))
        if den.a <= 0 <= den.b:
            raise NoEnclosure
        return (num if f in (sp.tan, sp.cot) else iv.mpf(1)) / den
    raise NoEnclosure


def _enc(e):
    """An interval holding the real number e (outward-rounded at iv.prec), or NoEnclosure."""
    if e.is_Integer:
        return iv.mpf(int(e))
    if e.is_Rational:
        return iv.mpf(int(e.p)) / iv.mpf(int(e.q))
    if e.is_Float:
        return _enc(Rational(e))  # the float's exact binary value
    if e is S.Pi:
        return iv.pi
    if e is S.Exp1:
        return iv.e
    if e.is_Add:
        out = iv.mpf(0)
        for x in e.args:
            out = out + _enc(x)
        return out
    if e.is_Mul:
        out = iv.mpf(1)
        for x in e.args:
            out = out * _enc(x)
        return out
    if e.is_Pow:
        return _enc_pow(e)
    if isinstance(e, sp.Function):
        return _enc_fn(e)
    raise NoEnclosure  # symbols, i, infinities, functions without an interval rule


def enclose(e, prec):
    """A rigorous interval [lo, hi] (mpmath.iv, outward rounding at `prec` bits) holding the
    real closed number e, or None when e holds something without an interval rule (a root of
    a negative number, a function mpmath.iv lacks) or is too large."""
    if sp.count_ops(e, visual=False) > ENCLOSE_MAX_NODES:
        return None
    old = iv.prec
    iv.prec = prec
    try:
        v = _enc(e)
        if not (mpmath.isfinite(v.a) and mpmath.isfinite(v.b)):
            return None
        return v
    except (NoEnclosure, ZeroDivisionError, ValueError, TypeError, OverflowError, mpmath.libmp.ComplexResult):
        return None
    finally:
        iv.prec = old


def sign_by_enclosure(d):
    """+1 or -1 when an interval enclosure of the closed number d excludes 0 (d is then
    certainly not 0: a decision from rigorous bounds, never from one floating-point value);
    None otherwise."""
    for prec in ENCLOSE_PRECS:
        v = enclose(d, prec)
        if v is None:
            return None
        if v.a > 0:
            return 1
        if v.b < 0:
            return -1
    return None


TRIG_MAX_L = 360        # angles are multiples of π/L with L at most this (1° = π/180; 2L-th roots of unity)
TRIG_MAX_DEGREE = 80    # largest total power of e^{iθ} a trigonometric expression may expand to
TRIG_MAX_SUM_POWER = 12  # largest power of a sum expanded (`(\sin x + \cos x)^{12}`; more multiplies terms)
TRIG_MAX_VARS = 3       # at most this many variables in a trigonometric identity
TRIG_MAX_TERMS = 20000  # most terms the expanded numerator may have (bounded before expanding)
TRIG_FUNCS = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)


def trig_form(d):
    """d written as a rational function with rational coefficients of z = e^{iπ/L} and of
    w_v = e^{iv/D_v} for each variable v: every trigonometric function of an argument
    n·v + … + qπ (n, q rational) replaced by its exponential form, the imaginary unit by
    z^{L/2}. Returns (numerator, denominator, z, ws, L) as expressions, or None when d holds
    anything else (a root, a logarithm, a variable outside a trigonometric function) or the
    powers grow past TRIG_MAX_DEGREE."""
    fs = d.atoms(*TRIG_FUNCS)
    if not fs or len(d.free_symbols) > TRIG_MAX_VARS or sp.count_ops(d) > SIMPLIFY_MAX_OPS:
        return None
    free = sorted(d.free_symbols, key=str)
    lins = []
    # A variable in degrees (`\sin x°` is sin(πx/180)) has coefficients that are rational
    # multiples of π: measured in units of π it is the same kind of argument.
    unit = {}
    for f in fs:
        arg = sp.expand(f.args[0])
        coeffs = {}
        rest = arg
        for v in free:
            c = arg.coeff(v)
            if c == 0:
                continue
            kind = S.One if c.is_Rational else S.Pi
            c = c / kind
            if c.free_symbols or not c.is_Rational or unit.setdefault(v, kind) != kind:
                return None
            coeffs[v] = c
            rest -= c * kind * v
        rest = sp.expand(rest)
        q = sp.cancel(rest / S.Pi)
        if not q.is_Rational:
            return None
        lins.append((f, coeffs, q))
    L = 2
    dens = {v: 1 for v in free}
    for _, coeffs, q in lins:
        L = sp.ilcm(L, int(q.q))
        for v, c in coeffs.items():
            dens[v] = sp.ilcm(dens[v], int(c.q))
    if L > TRIG_MAX_L:
        return None
    z = sp.Dummy("z")
    ws = {v: sp.Dummy("w_" + str(v)) for v in free}
    I = z ** (L // 2)
    rep = {}
    for f, coeffs, q in lins:
        if sum(abs(int(c * dens[v])) for v, c in coeffs.items()) + abs(int(q * L)) > TRIG_MAX_DEGREE:
            return None
        u = z ** int(q * L)
        for v, c in coeffs.items():
            u = u * ws[v] ** int(c * dens[v])
        sn, cs = (u - 1 / u) / (2 * I), (u + 1 / u) / 2
        rep[f] = {sp.sin: sn, sp.cos: cs, sp.tan: sn / cs, sp.cot: cs / sn, sp.sec: 1 / cs, sp.csc: 1 / sn}[type(f)]
    e = d.xreplace(rep).xreplace({S.ImaginaryUnit: I})
    gens = [z] + list(ws.values())
    if e.free_symbols - set(gens):
        return None  # a variable outside a trigonometric function
    for a in sp.preorder_traversal(e):
        if a.is_Pow and not a.exp.is_Integer:
            return None
        if a.is_Number and not a.is_Rational:
            return None
        if isinstance(a, sp.Function) or a.is_NumberSymbol:
            return None
    for a in e.atoms(sp.Pow):
        if abs(int(a.exp)) > (TRIG_MAX_SUM_POWER if a.base.is_Add else TRIG_MAX_DEGREE):
            return None
    num, den = sp.fraction(sp.together(e))
    return (num, den, z, list(ws.values()), L)


def expanded_terms(e):
    """An upper bound on the number of terms of expand(e), computed without expanding."""
    if e.is_Add:
        return sum(expanded_terms(a) for a in e.args)
    if e.is_Mul:
        out = 1
        for a in e.args:
            out *= expanded_terms(a)
        return out
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        return expanded_terms(e.base) ** int(e.exp)
    return 1


def trig_zero(d):
    """Whether d, a rational expression in sines and cosines of rational multiples of π and of
    integer combinations of variables (`\sin^6 x + \cos^6 x - 1 + 3\sin^2 x\cos^2 x`,
    `\sum_{k=1}^{44} \cos 8k° + 1`), is 0 (for every value of the variables): exactly, by
    writing it in z = e^{iπ/L} and w = e^{ix}, expanding the numerator and reducing every
    coefficient modulo the cyclotomic polynomial Φ_{2L}(z), the minimal polynomial of z over
    the rationals. True / False decided, None when d is not of that form or the
    denominator vanishes."""
    form = trig_form(d)
    if form is None:
        return None
    num, den, z, ws, L = form
    phi = sp.cyclotomic_poly(2 * L, z)
    gens = [z] + ws

    def reduced(e):
        if expanded_terms(e) > TRIG_MAX_TERMS:
            raise NoEnclosure
        p = sp.Poly(sp.expand(e), *gens)
        if p.total_degree() > 4 * TRIG_MAX_DEGREE:
            raise NoEnclosure
        return sp.reduced(p.as_expr(), [phi], *gens)[1]

    try:
        if reduced(den) == 0:
            return None
        return reduced(num) == 0
    except (NoEnclosure, sp.PolynomialError):
        return None


def is_zero(d):
    """Exact zero test: sympy's assumptions, a rigorous interval enclosure (nonzero), the exact
    trigonometric reduction, a bounded simplify, and a high-precision numeric test that may only
    confirm 0. Returns (decision, how) where decision is True/False/None."""
    if d.is_Rational:
        return (d == 0, "exact")
    z = d.is_zero
    if z is not None:
        return (bool(z), "exact")
    if sign_by_enclosure(d) is not None:
        return (False, "exact")
    t = trig_zero(d)
    if t is not None:
        return (t, "exact")
    if sp.count_ops(d) <= SIMPLIFY_MAX_OPS:
        sd = sp.simplify(d)
        if sd == 0:
            return (True, "simplify")
        if sd.is_zero is False:
            return (False, "exact")
    v = sp.N(d, ZERO_DIGITS)
    if v.is_number and not v.has(*UNDEFINED):
        if abs(v) < sp.Float(10) ** (-(ZERO_DIGITS - 10)):
            return (True, f"numerically, to {ZERO_DIGITS - 10} digits")
        # Not 0 in floating point, but no rigorous bound excludes 0: not a refutation.
        return (None, "numerically nonzero, but not proved")
    return (None, "undecided")


def rounds_to(exact, shown, places):
    """How `shown` (a literal with `places` decimals; negative = rounded to tens, hundreds…)
    relates to `exact`: 'rounded', 'truncated' or None."""
    unit = Rational(1, 10 ** places) if places >= 0 else Integer(10) ** (-places)
    diff = exact - shown
    if truth(Abs(diff) <= unit / 2):
        return "rounded"
    pos = truth(exact >= 0)
    if pos is True and truth(diff >= 0) and truth(diff < unit):
        return "truncated"
    if pos is False and truth(diff <= 0) and truth(diff > -unit):
        return "truncated"
    return None


def place_words(places):
    if places > 0:
        return f"{places} decimal place{'s' if places != 1 else ''}"
    if places == 0:
        return "a whole number"
    return f"the nearest {10 ** (-places)}"


def rounding_ok(a, b, lit_a, lit_b, ta, tb, is_approx):
    """Applies the rounding rule to a ≠ b; returns an explanation or None."""
    cands = []
    for (val, lit, other, text) in ((a, lit_a, b, ta), (b, lit_b, a, tb)):
        if lit is None:
            continue
        places = lit["places"]
        if places == 0 and not is_approx:
            continue  # integers are exact under '='
        cands.append((places, val, other, lit, text))
    # When both sides are literals, the one with fewer digits is the rounded one.
    cands.sort(key=lambda c: c[0])
    for (places, shown, exact, lit, text) in cands[:1] if len(cands) == 2 else cands:
        tries = [places]
        if is_approx and places == 0 and lit["trailing_zeros"] > 0:
            tries.append(-lit["trailing_zeros"])
        for p in tries:
            how = rounds_to(exact, shown, p)
            if how:
                return f"{show(exact)} {how} to {place_words(p)} is {text}"
    return None


ROUNDED_INPUT_PLACES = 3  # decimals with this many places or more may be rounded intermediates
DECIMAL_IN_RENDERING = re.compile(r"(\d+)\.(\d+)")
EXPONENT_IN_RENDERING = re.compile(r"\^(\d+)")


def full_precision(val, shown):
    """Whether `shown` is written with at least as many decimals as the exact value `val` of
    the other side has (`0.971 × 1.089 = 1.056519`: the product of the written decimals is
    1.057419, six places, and six are written): then it claims that exact value, and a
    difference is a slip, not the rounding of the inputs."""
    if not (val.is_Rational and shown.is_Rational):
        return False
    k = 0 if val.is_Integer else decimal_places(val)
    if k is None:
        return False
    return (0 if shown.is_Integer else (decimal_places(shown) or 0)) >= k > 0


def rounded_inputs_ok(a, b, ta, tb):
    """`(2.8284)^2 = 8`: a side computed from decimals written to 3 or more places (rounded
    intermediates) equals the other within what that rounding can change (first order: the
    relative half-units of the decimals, times the largest exponent applied, with 10% slack).
    Reads decimals from the renderings Rust made of the parsed terms (never untrusted text)."""
    for val, other, text in ((a, b, ta), (b, a, tb)):
        decs = DECIMAL_IN_RENDERING.findall(text)
        if not decs or not val.is_number or other.free_symbols:
            continue
        if max(len(f) for _, f in decs) < ROUNDED_INPUT_PLACES:
            continue
        if full_precision(val, other):
            continue
        power = max([1] + [int(e) for e in EXPONENT_IN_RENDERING.findall(text)[:10] if len(e) <= 3])
        bound = S.Zero
        for w, f in decs:
            x = Rational(int(w + f), 10 ** len(f))
            if x == 0:
                return None
            bound += Rational(1, 2 * 10 ** len(f)) / x
        bound = bound * power * Rational(11, 10)
        if truth(Abs(val - other) <= Abs(val) * bound):
            places = max(len(f) for _, f in decs)
            return (f"{text} = {show(val)}, which is {show(other)} within the rounding of its "
                    f"inputs written to {places} decimal places")
    return None


def check_pair(a, b, rel, lit_a, lit_b, ta, tb, tol, modulus, identities, later_link=True, earlier=()):
    """Returns (verdict, summary, counterexample). `later_link`: this `identical` link is not
    the first of an `=`-chain of three or more terms (a first link may pose the equation the
    rest of the chain rewrites: `2^{x+1} = 8^{x-1} = 2^{3x-3}`); `earlier`: the chain's terms
    before a (`4^s = 2^{s+1} = 2^{2s}` rewrites the first term, not the second)."""
    for v, t in ((a, ta), (b, tb)):
        if v.has(*UNDEFINED):
            return ("unknown", f"{t} is undefined ({show(v)})", None)
    if rel == "rewrite":
        return check_rewrite(a, b, ta, tb)
    if rel in ("rewrite_gt", "rewrite_ge"):
        return check_rewrite_inequality(a, b, ta, tb, rel == "rewrite_gt")
    free = a.free_symbols | b.free_symbols
    if rel == "identical":
        # Context says this `=` is an identity (expand/factor, an `=`-chain link).
        if not free:
            return check_pair(a, b, "eq", lit_a, lit_b, ta, tb, tol, modulus, True)
        claims = (same_monomials(a, b, free) or factoring(a, b, free) or one_var_rational(a, b, free)
                  or expansion(a, b, free))
        if not claims and later_link and floor_split(a, b, free):
            return rewrites_earlier(check_symbolic(a, b, "eq", ta, tb, True, free, INTEGER_POINTS), b, earlier)
        if not claims and later_link and exponential_monomials(a, b, free):
            return rewrites_earlier(check_symbolic(a, b, "eq", ta, tb, True, free), b, earlier)
        return check_symbolic(a, b, "eq", ta, tb, claims, free)
    if rel == "asserted" and free:
        # The words after the equation say it holds for every value: any counterexample refutes.
        return check_symbolic(a, b, "eq", ta, tb, True, free)
    if rel == "asserted":
        rel = "eq"
    if rel == "congruent":
        m = modulus
        if free or not (a.is_Integer and b.is_Integer and m is not None and m.is_Integer and m > 0):
            return ("unknown", f"a congruence needs integer sides and a positive integer modulus (got {show(a)}, {show(b)}, mod {show(m) if m is not None else '?'})", None)
        ra, rb = a % m, b % m
        if ra == rb:
            return ("verified", f"{ta} ≡ {tb} (mod {m}): both leave remainder {ra}", None)
        return ("refuted", f"{ta} ≡ {ra} (mod {m}), not {rb}", None)
    if free:
        return check_symbolic(a, b, rel, ta, tb, identities, free)
    if rel in ("eq", "approx"):
        z, how = is_zero(a - b)
        if z is True:
            extra = "" if how == "exact" else f" ({how})"
            return ("verified", f"{ta} = {show(a)}{extra}", None)
        if z is None:
            return ("unknown", f"could not decide whether {show(a)} equals {show(b)}", None)
        why = rounding_ok(a, b, lit_a, lit_b, ta, tb, rel == "approx") or rounded_inputs_ok(a, b, ta, tb)
        if why:
            return ("verified", why, None)
        if rel == "approx" and tol > 0:
            scale = sp.Max(Abs(a), Abs(b))
            if truth(Abs(a - b) <= Rational(str(tol)) * scale):
                return ("verified", f"{ta} = {show(a)} is within {tol:g} relative tolerance of {show(b)}", None)
        if lit_b is not None:
            return ("refuted", f"{ta} = {show(a)}, not {tb}", None)
        if lit_a is not None:
            return ("refuted", f"{tb} = {show(b)}, not {ta}", None)
        return ("refuted", f"{ta} = {show(a)}, but {tb} = {show(b)}", None)
    if rel == "ne":
        z, _ = is_zero(a - b)
        if z is None:
            return ("unknown", f"could not decide whether {show(a)} equals {show(b)}", None)
        if z:
            return ("refuted", f"{ta} and {tb} are both {show(a)}", None)
        return ("verified", f"{ta} = {show(a)} ≠ {show(b)}", None)
    ops = {"lt": (sp.Lt, "<"), "le": (sp.Le, "≤"), "gt": (sp.Gt, ">"), "ge": (sp.Ge, "≥")}
    fn, sym = ops[rel]
    t = truth(fn(a, b))
    if t is None:
        return ("unknown", f"could not decide {show(a)} {sym} {show(b)}", None)
    if t:
        return ("verified", f"{show(a)} {sym} {show(b)}", None)
    return ("refuted", f"{ta} = {show(a)} is not {sym} {show(b)}", None)


def same_monomials(a, b, free):
    """Whether a and b are polynomials in `free` whose expansions use the same monomials: one
    expression rewritten (a slip in the coefficients is an error), not a substitution or an
    equation (`a^2+b^2 = (a+b)^2 - 4` uses ab = 2 from the context)."""
    gens = sorted(free, key=str)
    try:
        if not (a.is_polynomial(*gens) and b.is_polynomial(*gens)):
            return False
        ma = set(sp.Poly(a, *gens).monoms())
        mb = set(sp.Poly(b, *gens).monoms())
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return False
    # The constant term may vanish on one side (`x^2 + 2x + 1 - 1 = x^2 + 2x`).
    zero = (0,) * len(gens)
    return ma - {zero} == mb - {zero}


def one_var_rational(a, b, free):
    """Whether a link of an `=`-chain (or an expand/factor identity) rewrites a rational
    function of one variable that is not a polynomial (`x^6 + 1/x^6 = (x^2 + 1/x^2)(x^4 +
    1/x^4) - 1`, `\\frac{2m-3}{2m-1} = \\frac{(2m-3)(2m+1)}{(2m-1)(2m+1)}`): the expression
    rewritten, which must hold wherever both sides are defined. Roots, logarithms, powers with
    the variable in the exponent and trigonometric functions are left out: there chains mix
    identities with equations (`2^{x-1} + 3^{x+1} = 2^{2x} 3^{-x}`) and branch choices
    (`\\sqrt{7T^2} = T\\sqrt{7}`) too often."""
    if len(free) != 1:
        return False
    x = next(iter(free))
    rational = a.is_rational_function(x) and b.is_rational_function(x)
    return rational and not (a.is_polynomial(x) and b.is_polynomial(x))


INTEGER_POINTS = ((2, 3, 5, 7, 11, 13), (1, 2, 3, 4, 5, 6), (3, 1, 4, 1, 5, 9))  # whole, not negative


def floor_split(a, b, free):
    """Whether a link of an `=`-chain pulls a whole part out of a floor or ceiling:
    `⌊(7k + r)/2⌋ = 3k + ⌊r/2⌋` (one side ⌊E⌋, the other P + ⌊F⌋ with polynomials E, F, P,
    where the variables of E are split between P, moved out, and F, left in). Such a rewrite
    must hold for the whole numbers the letters stand for, so a small whole counterexample
    (INTEGER_POINTS) refutes it."""
    for u, v in ((a, b), (b, a)):
        if not isinstance(u, (sp.floor, sp.ceiling)):
            continue
        inner = [t for t in sp.Add.make_args(v) if isinstance(t, type(u))]
        if len(inner) != 1:
            continue
        e, f, p = u.args[0], inner[0].args[0], v - inner[0]
        if any(x.has(sp.floor, sp.ceiling) for x in (e, f, p)):
            continue
        if not all(x.is_polynomial(*free) for x in (e, f, p)):
            continue
        ve, vf, vp = e.free_symbols, f.free_symbols, p.free_symbols
        if vp and vf and not (vp & vf) and ve == vp | vf:
            return True
    return False


def rewrites_earlier(result, b, earlier):
    """A refuted link `… = a = b` of an `=`-chain whose b, at the counterexample, equals an
    earlier term of the chain: b may rewrite that term (`4^s = 2^{s+1} = 2^{2s}`), so the
    refutation is withdrawn (unknown)."""
    verdict, summary, cex = result
    if verdict != "refuted" or not cex or not earlier:
        return result
    point = {s: v for s in b.free_symbols for k, v in cex.items() if str(s) == k}
    vb = b.subs({s: sp.Rational(v) for s, v in point.items()})
    for t in earlier:
        vt = t.subs({s: sp.Rational(v) for s, v in point.items()})
        if vt.free_symbols or is_zero(vt - vb)[0] is not False:
            return ("unknown", summary + "; but it equals an earlier term of the chain there (the link may rewrite that term)", cex)
    return result


def exponential_monomial(e, x):
    """Whether e is a constant times powers of positive constants with exponents of degree
    one in x (`125 \cdot 3^{k-1}`, `(5\sqrt{3}^{k-1})^3`, `6^b / 3^b`), with x in it."""
    seen = False
    for f in sp.Mul.make_args(e):
        if x not in f.free_symbols:
            continue
        if isinstance(f, sp.exp):
            base, ex = S.Exp1, f.args[0]
        elif f.is_Pow:
            base, ex = f.base, f.exp
        else:
            return False
        if x in base.free_symbols or base.is_positive is not True:
            return False
        if not ex.is_polynomial(x) or sp.degree(ex, x) != 1:
            return False
        seen = True
    return seen


def exponential_monomials(a, b, free):
    """Whether a link of an `=`-chain (not its first link, see check_pair) rewrites a product of
    powers with the variable in the exponents, one variable, no sums on either side
    (`(5 (\sqrt{3})^{k-1})^3 = 125 \cdot 3^{k-1}`, `(6/3)^b = 3^b`): the same quantity
    rewritten, which must hold for every value of the variable. Sums are left out:
    `2^{6k} + 9 = 3(2^{3k} + 9)` in a chain is an equation."""
    if len(free) != 1:
        return False
    x = next(iter(free))
    return exponential_monomial(a, x) and exponential_monomial(b, x)


def is_factored(e):
    """A product or power of sums with variables: `(x - 1)(x^2 - 6x - 8)`, `(x - 20)^2`."""
    if e.is_Pow:
        return e.base.is_Add and bool(e.base.free_symbols) and e.exp.is_Integer and e.exp > 1
    if e.is_Mul:
        return any((f.is_Add and f.free_symbols) or is_factored(f) for f in e.args)
    return False


def factoring(a, b, free):
    """Whether a link of an `=`-chain writes a one-variable polynomial in factored form (one side
    a product or power of sums, the other a sum of terms): a factorisation, which must hold
    for every value of the variable (`x^3 - 7x^2 + 8 = (x - 1)(x^2 - 6x - 8) = 0`)."""
    if len(free) != 1:
        return False
    x = next(iter(free))
    if not (a.is_polynomial(x) and b.is_polynomial(x)):
        return False
    expanded = lambda e: e.is_Add and sp.expand(e) == e
    return (is_factored(a) and expanded(b)) or (is_factored(b) and expanded(a))


def expansion(a, b, free):
    """Whether an expand/factor identity (or `=`-chain link) writes out a product or power of
    sums in several variables: one side factored, the other a sum of terms already expanded
    that holds every monomial with variables of the factored side's expansion (`(a+b+c)^2 =
    a^2 + b^2 + c^2 + 2ab + 2bc + 2ca + 2abc`): the expansion written with a slip, which must
    hold for every value. A side that lacks some of those monomials used a relation from the
    context (`(a+b)^2 = a^2 + b^2 + 12` with ab = 6) or is an equation: not claimed."""
    if len(free) < 2:
        return False
    gens = sorted(free, key=str)
    if not (a.is_polynomial(*gens) and b.is_polynomial(*gens)):
        return False
    for f, e in ((a, b), (b, a)):
        if not (is_factored(f) and e.is_Add and sp.expand(e) == e):
            continue
        zero = (0,) * len(gens)
        mf = set(sp.Poly(sp.expand(f), *gens).monoms()) - {zero}
        me = set(sp.Poly(e, *gens).monoms()) - {zero}
        if mf and mf <= me:
            return True
    return False


def check_symbolic(a, b, rel, ta, tb, identities, free, points=None):
    d = sp.expand(a - b)
    if rel not in ("eq", "approx"):
        if not d.free_symbols:
            return check_pair(d, S.Zero, rel, None, None, f"({ta}) − ({tb})", "0", 0, None, False)
        return ("unknown", "an inequality with variables is not checked", None)
    if d == 0:
        return ("verified", f"identity: ({ta}) − ({tb}) expands to 0", None)
    trig = trig_zero(d)
    if trig:
        return ("verified", f"identity: ({ta}) − ({tb}) is 0 written in e^(i·angle)", None)
    if trig is None and sp.count_ops(d) <= SIMPLIFY_MAX_OPS and sp.simplify(d) == 0:
        return ("verified", f"identity: ({ta}) − ({tb}) simplifies to 0", None)
    if not d.free_symbols and d.is_number and d != 0:
        return ("refuted", f"({ta}) − ({tb}) = {show(d)} for every value of {', '.join(sorted(map(str, free)))}", None)
    syms = sorted(free, key=str)
    for point in points or SAMPLE_POINTS:
        sub = {s: point[i % len(point)] for i, s in enumerate(syms)}
        va, vb = a.subs(sub), b.subs(sub)
        if va.has(*UNDEFINED) or vb.has(*UNDEFINED) or not (va.is_number and vb.is_number):
            continue
        if va.is_real is not True or vb.is_real is not True:
            continue  # outside the real domain of a log or root: no counterexample
        z, _ = is_zero(va - vb)
        if z is False:
            cex = {str(s): str(v) for s, v in sub.items()}
            at = ", ".join(f"{k} = {v}" for k, v in cex.items())
            if identities:
                return ("refuted", f"not an identity: at {at}, {ta} = {show(va)} but {tb} = {show(vb)}", cex)
            return ("unknown", f"not an identity (at {at}: {show(va)} vs {show(vb)}); as an equation to solve it is not checked", cex)
    return ("unknown", "could not decide whether this is an identity", None)


REWRITE_MAX_DEGREE = 4   # solution sets are listed (closed forms) for polynomials up to this degree
MULTI_MAX_POWER = 12     # largest power of a sum of several variables expanded by check_rewrite_multi


def solution_sets(a, b, x):
    """The complex solutions of a = 0 and b = 0 (rational functions of x whose numerators have
    degree at most REWRITE_MAX_DEGREE), and those of each that the other lacks, decided
    exactly with polynomial gcds of the square-free numerators (no comparison of radicals):
    (sa, sb, only_a, only_b), each a list of exact roots, real ones first; None when not of
    that form."""
    polys = []
    for e in (a, b):
        num, _ = sp.fraction(sp.cancel(sp.together(e)))
        p = sp.Poly(num, x)
        if p.is_zero or p.degree() > REWRITE_MAX_DEGREE or not (p.domain.is_ZZ or p.domain.is_QQ):
            return None  # coefficients with roots or π: listed_solution_sets
        polys.append(sp.sqf_part(p) if p.degree() > 0 else p)
    pa, pb = polys
    g = sp.gcd(pa, pb)
    rs = [[] if p.degree() < 1 else p.all_roots() for p in (pa, pb, sp.quo(pa, g), sp.quo(pb, g))]
    return (*rs, False)


def listed_solution_sets(a, b, x):
    """solution_sets for coefficients outside the rationals: the solutions listed in closed
    form by sympy and compared one by one (complex ones, else real ones)."""
    sa, sb = solutions(a, x, False), solutions(b, x, False)
    real = False
    if sa is None or sb is None:
        sa, sb, real = solutions(a, x, True), solutions(b, x, True), True
    if sa is None or sb is None:
        return None

    def has(xs, r):
        return any(is_zero(r - y)[0] is True for y in xs)

    only_a = [r for r in sa if not has(sb, r)]
    only_b = [r for r in sb if not has(sa, r)]
    key = lambda r: 0 if r.is_real else 1
    return (sa, sb, sorted(only_a, key=key), sorted(only_b, key=key), real)


def solutions(e, x, real):
    """The zeros of the rational function e in x (real ones only when `real`) as a finite list,
    or None when that is not decided exactly (degree over REWRITE_MAX_DEGREE, roots sympy
    cannot list)."""
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    pn = sp.Poly(num, x)
    if pn.degree() > REWRITE_MAX_DEGREE or pn.degree() < 0 or pn.is_zero:
        return None
    rs = sp.roots(pn)
    if sum(rs.values()) != pn.degree():
        return None
    out = []
    for r in rs:
        if real and r.is_real is not True:
            if r.is_real is None:
                return None
            continue
        z, _ = is_zero(den.subs(x, r))
        if z is None:
            return None
        if not z:
            out.append(r)
    return out


def proportional(a, b, x):
    """Whether a = c·b for a nonzero constant c after clearing denominators (moving terms,
    expanding, multiplying both sides by a number or a common denominator): the same equation."""
    na, _ = sp.fraction(sp.cancel(sp.together(a)))
    nb, _ = sp.fraction(sp.cancel(sp.together(b)))
    if nb == 0:
        return None
    q = sp.cancel(na / nb)
    return q if (not q.free_symbols and q != 0) else None


def attained(g, v):
    """Whether the real value v is a value of g (sin θ, cos θ, tan θ, log x, e^x, √x) for some
    real argument; None when not known."""
    if v.is_real is not True:
        return False
    if isinstance(g, (sp.sin, sp.cos)):
        return truth(Abs(v) <= 1)
    if isinstance(g, (sp.tan, sp.log)):
        return True
    if isinstance(g, sp.exp):
        return truth(v > 0)
    if g.is_Pow and g.exp == S.Half:
        return truth(v >= 0)
    return None


def check_rewrite_in(a, b, ta, tb, x):
    """A rewrite of an equation in which the variable appears only inside one function
    (`\\sin^2 θ + \\sin θ - 1 = 0 ⇒ (\\sin θ - 1)(\\sin θ + 1) = 0`): checked as an equation in
    y = that function; a refutation needs the breaking value of y to be a value of the function."""
    unknown = ("unknown", "only rewrites of one-variable polynomial or rational equations are checked", None)
    gens = {g for e in (a, b) for g in e.atoms(sp.Function, sp.Pow)
            if x in g.free_symbols and not (g.is_Pow and g.exp.is_Integer)}
    # `\log_2(\log_2 x)`: the variable inside nested functions is read through the outermost
    # one when every occurrence of the variable is inside it.
    outer = [g for g in gens if not any(g != h and h.has(g) for h in gens)]
    if len(gens) > 1 and len(outer) == 1:
        gens = set(outer)
    if len(gens) > 1:
        return check_rewrite_sin_cos(a, b, ta, tb, x, gens) or unknown
    if len(gens) != 1:
        return unknown
    g = next(iter(gens))
    if not (isinstance(g, (sp.sin, sp.cos, sp.tan, sp.log, sp.exp)) or (g.is_Pow and g.exp == S.Half)):
        return unknown
    y = sp.Dummy("y")
    ay, by = a.subs(g, y), b.subs(g, y)
    if x in (ay.free_symbols | by.free_symbols) or not (ay.is_rational_function(y) and by.is_rational_function(y)):
        return unknown
    picked = []
    verdict, summary, cex = check_rewrite(ay, by, ta, tb, picked)
    summary = summary.replace(str(y), str(g))
    if verdict == "refuted":
        v = picked[0] if picked else None
        if v is None or attained(g, v) is not True:
            return ("unknown", f"in terms of {g}: {summary}; that value of {g} is not attained", None)
        return ("refuted", summary, {str(g): str(v)})
    return (verdict, summary, cex)


def check_rewrite_sin_cos(a, b, ta, tb, x, gens):
    """A rewrite of an equation in sin t and cos t of one angle t (tan t read as sin t / cos t):
    `\sin x° = \cos x° / \sin x° ⇒ \sin^2 x° = \cos x°`. With u = tan(t/2), sin t = 2u/(1+u²)
    and cos t = (1−u²)/(1+u²) make both equations rational in u, decided by check_rewrite;
    every real u is an angle (t = 2·atan u), and t = π, which no u reaches, is tested apart. A
    refutation needs a real u (or t = π) that solves one equation and not the other. None when
    the equations are not of that form."""
    args = {g.args[0] for g in gens if isinstance(g, (sp.sin, sp.cos, sp.tan))}
    if len(args) != 1 or not all(isinstance(g, (sp.sin, sp.cos, sp.tan)) for g in gens):
        return None
    # Only an equation that mixes the functions is rewritten this way (`cos x = 3/5 ⇒ sin x =
    # −4/5` derives a value, choosing a sign from the context).
    if len({g.func for g in a.atoms(sp.sin, sp.cos, sp.tan)}) < 2:
        return None
    # u = tan(t/2) doubles degrees; past REWRITE_MAX_DEGREE the solutions are not listed anyway.
    if any(p.exp.is_Integer and abs(p.exp) > REWRITE_MAX_DEGREE for e in (a, b) for p in e.atoms(sp.Pow)):
        return None
    t = next(iter(args))
    u = sp.Dummy("u", real=True)
    sin_u, cos_u = 2 * u / (1 + u**2), (1 - u**2) / (1 + u**2)
    half = {sp.sin(t): sin_u, sp.cos(t): cos_u, sp.tan(t): sin_u / cos_u}
    at_pi = {sp.sin(t): S.Zero, sp.cos(t): -S.One, sp.tan(t): S.Zero}
    au, bu = (sp.cancel(sp.together(e.subs(half))) for e in (a, b))
    if x in (au.free_symbols | bu.free_symbols) or not (au.is_rational_function(u) and bu.is_rational_function(u)):
        return None
    if au == 0 or bu == 0:
        return None  # `tan θ = sin θ / cos θ`: an identity, not an equation rewritten
    # t = π: a solution of one equation and not of the other refutes; else it changes nothing.
    pa, pb = a.subs(at_pi), b.subs(at_pi)
    if not (pa.has(*UNDEFINED) or pb.has(*UNDEFINED)) and not (pa.free_symbols or pb.free_symbols):
        za, zb = is_zero(pa)[0], is_zero(pb)[0]
        if za is None or zb is None:
            return None
        if za != zb:
            new, old, tn, to = (pb, pa, tb, ta) if zb else (pa, pb, ta, tb)
            return ("refuted", f"at sin = 0, cos = −1 (the angle π) {tn} = 0 holds but {to} gives {show(old)}",
                    {f"sin({t})": "0", f"cos({t})": "-1"})
    picked = []
    verdict, summary, _ = check_rewrite(au, bu, ta, tb, picked)
    if verdict != "refuted":
        return (verdict, f"with u = tan({t}/2): {summary}".replace(str(u), "u"), None)
    v = picked[0] if picked else None
    if v is None or v.is_real is not True:
        return None
    if any(e.subs(u, v).has(*UNDEFINED) for e in (au, bu)):
        return None  # a value where one equation is undefined tells nothing
    s_v, c_v = sp.simplify(sin_u.subs(u, v)), sp.simplify(cos_u.subs(u, v))
    cex = {f"sin({t})": str(s_v), f"cos({t})": str(c_v)}
    return ("refuted", f"with u = tan({t}/2): {summary}; there sin = {show(s_v)}, cos = {show(c_v)}".replace(str(u), "u"), cex)


def check_rewrite(a, b, ta, tb, picked=None):
    """`ta = 0` rewritten as `tb = 0` (one variable): verified when both have the same solutions
    (the numerators are proportional, or the complex solution sets are equal), or one set
    contains the other and the smaller is not empty (squaring adds solutions, context may drop
    some); refuted with a value solving the new equation and not the old one otherwise."""
    free = a.free_symbols | b.free_symbols
    if len(free) == 1 and not (a.is_rational_function() and b.is_rational_function()):
        return check_rewrite_in(a, b, ta, tb, next(iter(free)))
    if len(free) > 1:
        return check_rewrite_multi(a, b, ta, tb, free)
    if len(free) != 1:
        return ("unknown", "only rewrites of one-variable polynomial or rational equations are checked", None)
    x = next(iter(free))
    c = proportional(a, b, x)
    if c is not None:
        return ("verified", f"{ta} = 0 and {tb} = 0 are the same equation (numerators differ by the factor {show(c)})", None)
    sets = solution_sets(a, b, x) or listed_solution_sets(a, b, x)
    if sets is None:
        return ("unknown", "could not list the solutions of both equations", None)
    sa, sb, only_a, only_b, real = sets
    where = "real solutions" if real else "solutions"
    shown = lambda xs: "{" + ", ".join(show(r) for r in xs) + "}" if xs else "none"
    if not only_a and not only_b:
        return ("verified", f"{ta} = 0 and {tb} = 0 have the same {where}: {x} ∈ {shown(sa)}", None)
    if not only_a and sa:
        return ("verified", f"every solution of {ta} = 0 ({shown(sa)}) solves {tb} = 0 (which adds {shown(only_b)})", None)
    if not only_b and sb:
        return ("verified", f"the solutions of {tb} = 0 ({shown(sb)}) are among those of {ta} = 0 ({shown(sa)})", None)
    pick = (only_b or only_a)[0]  # real roots come first
    if picked is not None:
        picked.append(pick)
    new, old, tn, to = (b, a, tb, ta) if only_b else (a, b, ta, tb)
    cex = {str(x): str(pick) if len(str(pick)) <= SHOW_CHARS else show(pick)}
    return ("refuted", f"{x} = {show(pick)} solves {tn} = 0 but not {to} = 0 (it gives {show(old.subs(x, pick))}); "
            f"{where} before: {shown(sa)}, after: {shown(sb)}", cex)


def point_on(p, gens):
    """A real point where the polynomial p vanishes, exactly: every variable but one set to a
    small whole number and the remaining one solved for (a real root sympy lists in closed
    form, degree at most REWRITE_MAX_DEGREE). None when no such point is found."""
    for v in gens:
        others = [g for g in gens if g != v]
        for fill in (0, 1, 2):
            sub = {g: Integer(fill) for g in others}
            q = sp.Poly(sp.expand(p.subs(sub)), v)
            if not 1 <= q.degree() <= REWRITE_MAX_DEGREE:
                continue
            real = [r for r in sp.roots(q) if r.is_real is True]
            if real:
                sub[v] = real[0]
                return sub
    return None


def check_rewrite_multi(a, b, ta, tb, free):
    """`ta = 0` rewritten as `tb = 0` with several variables (`10b - 40 - 2a = 20 + 8a - 2 ⇒
    10b - 38 = 8a + 19 + 2a`). Only one case is decided: both sides polynomials whose parts
    with variables are proportional (ta = c·tb + d with constants c ≠ 0, d). Then d = 0 is the
    same equation (verified) and d ≠ 0 is a slip in the constants: no point satisfies both
    (refuted, with a point on the new equation and the old one's value there). Other pairs are
    a system listed, a substitution or a combination with another equation: unknown."""
    unknown = ("unknown", "a rewrite in several variables is checked only when the parts with variables are proportional", None)
    gens = sorted(free, key=str)
    if not (a.is_polynomial(*gens) and b.is_polynomial(*gens)):
        return unknown
    # `(x+y+z)^{200}` expands to ~20,000 terms; several variables under a large power are not
    # a rewrite step anyone checks by hand.
    if any(len(p.base.free_symbols) > 1 and p.exp.is_Integer and p.exp > MULTI_MAX_POWER
           for e in (a, b) for p in e.atoms(sp.Pow)):
        return unknown
    pa, pb = sp.Poly(sp.expand(a), *gens), sp.Poly(sp.expand(b), *gens)
    zero = (0,) * len(gens)
    na = pa - sp.Poly(pa.coeff_monomial(zero), *gens)
    nb = pb - sp.Poly(pb.coeff_monomial(zero), *gens)
    if na.is_zero or nb.is_zero:
        return unknown
    c = sp.cancel(na.as_expr() / nb.as_expr())
    if c.free_symbols or c == 0 or not c.is_number:
        return neither_implies(a, b, ta, tb, gens) or unknown
    d = sp.expand(a - c * b)
    if d.free_symbols:
        return unknown
    if d == 0:
        return ("verified", f"{ta} = 0 and {tb} = 0 are the same equation (they differ by the factor {show(c)})", None)
    if re.search(r"\d\.\d", ta + tb):
        # `14 - 30x - 3y = 0 ⇒ 4.67 - 10x - y = 0`: a written decimal may be rounded.
        return ("unknown", f"the constants differ by {show(d)}, but a decimal written in the equations may be rounded", None)
    pt = point_on(pb.as_expr(), gens)
    if pt is None:
        return unknown
    at = ", ".join(f"{k} = {show(v)}" for k, v in sorted(pt.items(), key=lambda kv: str(kv[0])))
    cex = {str(k): str(v) for k, v in pt.items()}
    scaled = f"({tb})" if c == 1 else f"{show(c)}·({tb})"
    return ("refuted", f"({ta}) − {scaled} = {show(d)}, not 0: the two equations have no common solution "
            f"(at {at} the new one holds but the old one gives {show(a.subs(pt))})", cex)


POINT_FILLS = (0, 1, 2, -1, 3)  # whole numbers given to all variables but one by point_off
POINT_BUDGET = 60               # most one-variable polynomials solved by one point_off call


def point_off(p, q, gens):
    """A real point where the polynomial p vanishes and the polynomial q does not, decided
    exactly: all variables but one set to small whole numbers (POINT_FILLS; POINT_BUDGET
    assignments in all, shared equally by the variables), the remaining one solved
    for (real roots sympy lists, degree at most REWRITE_MAX_DEGREE), q's value there tested by
    is_zero. Returns (point, q's value) or None."""
    tries = POINT_BUDGET // max(1, len(gens))
    for v in gens:
        others = [g for g in gens if g != v]
        for values in itertools.islice(itertools.product(POINT_FILLS, repeat=len(others)), tries):
            sub = {g: Integer(f) for g, f in zip(others, values)}
            r = sp.Poly(sp.expand(p.subs(sub)), v)
            if not 1 <= r.degree() <= REWRITE_MAX_DEGREE:
                continue
            for root in sp.roots(r):
                if root.is_real is not True:
                    continue
                pt = dict(sub)
                pt[v] = root
                val = sp.expand(q.subs(pt))
                if is_zero(val)[0] is False:
                    return pt, val
    return None


def neither_implies(a, b, ta, tb, gens):
    """A rearranged polynomial equation `ta = 0` ⇒ `tb = 0` (terms moved, products expanded:
    `2(x−1)(y−2) = −(x−1)^2 ⇒ 2xy − 3(x + y) + 4 = −x^2 + 2x − 1`) whose parts with
    variables are not proportional: refuted when neither equation follows from the other, with
    a point on each that is not on the other. Only when both expand to the same monomials with
    variables, of total degree at least 2: substituting a value (`xy = 6`), squaring, or
    multiplying or dividing by a factor changes the monomials (and keeps one direction), and
    equations of degree 1 with the same monomials are mostly a system listed line by line.
    None when that is not shown."""
    if (a.free_symbols != b.free_symbols) or re.search(r"\d\.\d", ta + tb):
        return None
    p, q = sp.expand(a), sp.expand(b)
    pa, pb = sp.Poly(p, *gens), sp.Poly(q, *gens)
    zero = (0,) * len(gens)
    ma = {m for m in pa.monoms() if m != zero}
    mb = {m for m in pb.monoms() if m != zero}
    # `bc(b − a) + (a − c) = 0 ⇒ (bc + 1)(a − c) = 0`: one side written as a product of sums
    # and the other not is a factorisation, whose expansion must match.
    factoring_step = is_factored(sp.factor_terms(a)) != is_factored(sp.factor_terms(b)) and (is_factored(a) or is_factored(b))
    if (ma != mb and not factoring_step) or pa.total_degree() < 2 or pb.total_degree() < 2:
        return None
    new = point_off(q, p, gens)
    old = point_off(p, q, gens) if new else None
    if not (new and old):
        return None
    (pn, vn), (po, vo) = new, old
    at = lambda pt: ", ".join(f"{k} = {show(v)}" for k, v in sorted(pt.items(), key=lambda kv: str(kv[0])))
    cex = {str(k): str(v) for k, v in pn.items()}
    return ("refuted", f"neither equation follows from the other: at {at(pn)} the new one holds but {ta} = {show(vn)}; "
            f"at {at(po)} the old one holds but {tb} = {show(vo)}", cex)


def decimal_places(v):
    """The decimals of a rational whose denominator is a power of ten (a written decimal such as
    157.29), else None."""
    if not v.is_Rational or v.is_Integer:
        return None
    q = int(v.q)
    return next((k for k in range(1, 31) if 10 ** k % q == 0), None)


def bounds_match(ea, eb):
    """Whether two sorted lists of boundary points agree, each pair equal or one a decimal that
    rounds or truncates the other (`n > 1103/7 ⇒ n > 157.57`)."""
    if len(ea) != len(eb):
        return False
    for u, v in zip(ea, eb):
        if is_zero(u - v)[0] is True:
            continue
        ok = False
        for shown, exact in ((v, u), (u, v)):
            k = decimal_places(shown)
            if k is not None and rounds_to(exact, shown, k):
                ok = True
        if not ok:
            return False
    return True


def same_sides(sa, sb, ea, eb):
    """Whether two solution sets whose boundary points match ([`bounds_match`]) also lie on the
    same sides of them: `a < 20` and `a > 20` share the bound 20 and nothing else. Probed once
    before the first pair of bounds, between consecutive pairs and after the last."""
    key = lambda p: sp.N(p)
    pairs = list(zip(ea, eb))
    if not pairs:
        probes = [S.Zero]
    else:
        probes = [min(pairs[0], key=key) - 1, max(pairs[-1], key=key) + 1]
        for (u, v), (w, z) in zip(pairs, pairs[1:]):
            probes.append((max(u, v, key=key) + min(w, z, key=key)) / 2)
    inside = lambda st, p: st.contains(p) == sp.true
    return all(inside(sa, p) == inside(sb, p) for p in probes)


def point_in(st):
    """One point of a nonempty set of reals (an interval's midpoint or a point near its finite
    end, a listed element), or None."""
    if isinstance(st, sp.Union):
        st = st.args[0]
    if isinstance(st, sp.FiniteSet):
        return next(iter(st), None)
    if isinstance(st, sp.Interval):
        lo, hi = st.start, st.end
        if lo.is_finite and hi.is_finite:
            return (lo + hi) / 2
        if lo.is_finite:
            return lo + 1
        if hi.is_finite:
            return hi - 1
        return S.Zero
    return None


def check_rewrite_inequality(a, b, ta, tb, strict):
    """`ta > 0` (or `≥ 0`) rewritten as `tb > 0`, one variable, polynomials up to degree
    REWRITE_MAX_DEGREE: verified when both have the same real solution set, or their boundary
    points differ only by the rounding of a decimal written as a bound; unknown when the new set
    is a strict subset (the context may restrict the variable); refuted otherwise, with a value
    that satisfies one and not the other."""
    free = a.free_symbols | b.free_symbols
    if len(free) != 1:
        return ("unknown", "only rewrites of one-variable polynomial inequalities are checked", None)
    x = next(iter(free))
    for e in (a, b):
        if not e.is_polynomial(x) or sp.Poly(e, x).degree() > REWRITE_MAX_DEGREE:
            return ("unknown", "only rewrites of one-variable polynomial inequalities are checked", None)
    op = ">" if strict else "≥"
    rel = (lambda e: e > 0) if strict else (lambda e: e >= 0)
    xr = sp.Dummy("x", real=True)
    sa = sp.solve_univariate_inequality(rel(a.subs(x, xr)), xr, relational=False)
    sb = sp.solve_univariate_inequality(rel(b.subs(x, xr)), xr, relational=False)
    if sa == sb:
        return ("verified", f"{ta} {op} 0 and {tb} {op} 0 have the same solutions: {x} ∈ {show(sa)}", None)
    ends = lambda st: sorted([p for p in st.boundary if p.is_finite], key=lambda p: sp.N(p))
    if bounds_match(ends(sa), ends(sb)) and same_sides(sa, sb, ends(sa), ends(sb)):
        return ("verified", f"{ta} {op} 0 and {tb} {op} 0 agree up to the rounding of their bounds", None)
    only_b, only_a = sb - sa, sa - sb
    if only_b == S.EmptySet:
        return ("unknown", f"{tb} {op} 0 keeps part of the solutions of {ta} {op} 0 (the context may restrict {x})", None)
    p = point_in(only_b)
    if p is None:
        return ("unknown", "could not pick a value that tells the two inequalities apart", None)
    cex = {str(x): str(p)}
    return ("refuted", f"{x} = {show(p)} satisfies {tb} {op} 0 but not {ta} {op} 0 (it gives {show(a.subs(x, p))}); "
            f"solutions before: {show(sa)}, after: {show(sb)}", cex)


RANK = {"refuted": 0, "unknown": 1, "verified": 2}


def check_item(terms, rels, lits, texts, modulus, tol, identities):
    """Checks a chain t0 r0 t1 r1 t2 …; returns a JSON-able dict."""
    if rels and rels[0] == "system":
        return check_system_item(terms, texts)
    results = []
    for i, rel in enumerate(rels):
        try:
            later = i > 0 or len(rels) == 1
            results.append(check_pair(terms[i], terms[i + 1], rel, lits[i], lits[i + 1], texts[i], texts[i + 1], tol, modulus, identities, later, terms[:i]))
        except RecursionError:
            results.append(("unknown", "expression too deep for sympy", None))
        except MemoryError:
            results.append(("unknown", "ran out of the worker's memory cap", None))
        except Exception as e:  # a sympy failure is an unknown verdict, not a crash
            msg = f"{type(e).__name__}: {str(e)[:200]}"
            if isinstance(e, SystemError) and (
                "NULL without setting an exception" in str(e)
                or "error return without exception set" in str(e)
            ):
                # A C-level allocation failing under RLIMIT_AS surfaces like this (the wording
                # depends on where CPython notices it).
                msg = "ran out of the worker's memory cap (" + msg + ")"
            results.append(("unknown", f"could not evaluate: {msg}", None))
    worst = min(results, key=lambda r: RANK[r[0]])
    verdict = worst[0]
    if verdict == "verified":
        summary = "; ".join(r[1] for r in results)
    else:
        summary = worst[1]
    out = {"verdict": verdict, "summary": summary, "computed": [show(t) for t in terms]}
    if worst[2]:
        out["counterexample"] = worst[2]
    return out


def check_item_json(terms, rels, lits, texts, modulus, tol, identities):
    return json.dumps(check_item(terms, rels, lits, texts, modulus, tol, identities), ensure_ascii=False)


# --- systems ---
SYSTEM_MAX_VARS = 8      # most variables of a system solved by check_system (Rust sends at most 6)


def linear_rational(p, gens):
    """Whether p is a polynomial of degree at most 1 in gens with rational coefficients."""
    if not p.is_polynomial(*gens):
        return False
    q = sp.Poly(sp.expand(p), *gens)
    return q.total_degree() <= 1 and all(c.is_Rational for c in q.coeffs())


def check_system(terms, texts):
    """terms = [p_1, …, p_k, lhs, rhs]: the equations p_i = 0 of a system stated earlier and an
    equation lhs = rhs stated after them (see `Rel::System` in src/chain/mod.rs). Decided only
    when the p_i are linear with rational coefficients, have a common solution, and that
    solution fixes every variable of lhs = rhs: then the equation holds there (verified: it
    follows from the system) or it does not (refuted with that point, where every p_i = 0
    holds, and the two sides' values there)."""
    *prem, lhs, rhs = terms
    *ptexts, tl, tr = texts
    gens = sorted(set().union(*(t.free_symbols for t in terms)), key=str)
    if not gens or len(gens) > SYSTEM_MAX_VARS or not prem:
        return ("unknown", f"a system is solved only in 1 to {SYSTEM_MAX_VARS} variables", None)
    if not all(linear_rational(p, gens) for p in prem):
        return ("unknown", "only systems of linear equations with rational coefficients are solved", None)
    sol = sp.linsolve(prem, gens)
    if not isinstance(sol, sp.FiniteSet) or len(sol) != 1:
        return ("unknown", "the equations before have no common solution (a case or a slip before)", None)
    point = dict(zip(gens, next(iter(sol))))
    cvars = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    loose = [v for v in cvars if point[v].free_symbols]
    if cvars and loose:
        return check_on_solution_set(point, lhs, rhs, ptexts, tl, tr, loose)
    if not cvars:
        return ("unknown", "the equations before do not fix a variable", None)
    sub = {v: point[v] for v in cvars}
    left, right = lhs.subs(sub), rhs.subs(sub)
    if left.has(*UNDEFINED) or right.has(*UNDEFINED):
        return ("unknown", "the equation is undefined at the solution of the equations before", None)
    at = ", ".join(f"{v} = {show(point[v])}" for v in cvars)
    z, how = is_zero(left - right)
    if z is None:
        return ("unknown", f"could not decide whether {show(left)} equals {show(right)}", None)
    if z:
        return ("verified", f"the equations before fix {at}, where {tl} = {tr} holds (both sides are {show(left)})", None)
    if re.search(r"\d\.\d", " ".join(texts)):
        return ("unknown", f"at {at} the sides differ ({show(left)}, {show(right)}), but a decimal written in the equations may be rounded", None)
    before = "; ".join(f"{t} = 0" for t in ptexts)
    cex = {str(v): str(point[v]) for v in cvars}
    def value_of(text, v):
        # `22/3` shows as `22/3 ≈ 7.333…`: the text is not repeated.
        shown = show(v)
        return shown if shown.startswith(text.replace("−", "-")) else f"{text} = {shown}"
    if not rhs.free_symbols:
        there = f"{tl} = {show(left)}, not {value_of(tr, right)}"
    elif not lhs.free_symbols:
        there = f"{tr} = {show(right)}, not {value_of(tl, left)}"
    else:
        there = f"{tl} = {show(left)} but {tr} = {show(right)}"
    return ("refuted", f"the equations before ({before}) fix {at}; there {there}", cex)


def check_on_solution_set(point, lhs, rhs, ptexts, tl, tr, loose):
    """check_system when the linear equations before leave some variables of lhs = rhs free
    (`point` is their solution with free parameters, from linsolve): lhs − rhs is evaluated on
    the whole solution set, and when it is 0 there the equation follows from the system
    (verified: `a + b = 11; b + c = 11 ⇒ a = c`). A nonzero constant there is not refuted: the
    equations before may belong to another case of a case analysis (`(u−v) + k = 16 ⇒ u−v =
    17/2`, then "for the pair (−1, −16): (u−v) − k = −1"), which only a unique solution of the
    system rules out (measured: no exact detection gained, one correct solution flagged)."""
    unknown = ("unknown", f"the equations before do not fix {', '.join(map(str, loose))}", None)
    cvars = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    sub = {v: point[v] for v in cvars}
    diff = sp.cancel(sp.together(sp.expand(lhs.subs(sub) - rhs.subs(sub))))
    if diff == 0:
        return ("verified", f"{tl} = {tr} holds at every solution of the equations before "
                f"({'; '.join(f'{t} = 0' for t in ptexts)})", None)
    return unknown


def check_system_item(terms, texts):
    """check_system as an item result (the dict check_item returns)."""
    try:
        verdict, summary, cex = check_system(terms, texts)
    except RecursionError:
        verdict, summary, cex = ("unknown", "expression too deep for sympy", None)
    except MemoryError:
        verdict, summary, cex = ("unknown", "ran out of the worker's memory cap", None)
    except Exception as e:  # a sympy failure is an unknown verdict, not a crash
        verdict, summary, cex = ("unknown", f"could not evaluate: {type(e).__name__}: {str(e)[:200]}", None)
    out = {"verdict": verdict, "summary": summary, "computed": [show(t) for t in terms]}
    if cex:
        out["counterexample"] = cex
    return out

"""More vectorisable math functions, emitted as LLVM IR like those of mathlib.py: the inverse
trigonometric and hyperbolic functions, atan2, sinh/cosh, cbrt and fmod (the float ``rem``).

They register themselves in mathlib.IMPLS (so ``mathlib.call`` emits them as internal
``alwaysinline`` functions) when this module is imported (llvm/emit.py does). Accuracy,
measured against NumPy in long double by tests/test_compiler_math.py: float64 within 1-2 ulp,
float32 within 1-2 ulp.

Algorithms (every branch computed, the right one selected per lane):
- atan: fdlibm's reduction of |x| to four intervals around 0, 1/2, 1, 3/2 and infinity
  (t = (|x| - c) / (1 + c|x|)) and its odd polynomial; atan(c) as a hi + lo pair. float32:
  musl's shorter polynomial, with hi/lo pairs derived below.
- atan2(y, x): atan of min(|x|,|y|) / max(|x|,|y|), then pi/2 - z and pi - z (hi + lo) by
  octant, C99's special cases (signed zeros, infinities).
- asin/acos: fdlibm's rational R(z) for asin(x) = x + x*R(x^2) on |x| < 1/2, and
  pi/2 - 2*asin(sqrt((1-|x|)/2)) beyond, sqrt split in hi + lo parts where cancellation needs it.
- asinh/acosh/atanh: fdlibm's log/log1p formulas (float64; float32 through them in float64).
- sinh/cosh: expm1 for small |x|, exp(|x|)/2 beyond, exp(|x|/2)^2/2 near overflow (float32
  through float64).
- cbrt: FreeBSD's 5-bit estimate from the exponent, a polynomial to 23 bits, rounding, one
  Newton step (float64; float32 through it).
- fmod: exact. Each round subtracts from |x| the largest multiple q*B (q < 2**(p-1)) of
  B = |y|*2**k not exceeding it (q from a division, corrected by one if needed; the fma is then
  exact), so the exponent gap shrinks by p-2 bits per round: one round when |x/y| < 2**(p-1),
  at most 42 (float64) or 13 (float32) ever. The loop runs while any lane needs another round.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.compiler.llvm import mathlib
from pyjax._src.compiler.llvm.mathlib import c, call

LN2 = 0.6931471805599453


def _f32(v):
    return float(np.float32(v))


def _hi_lo32(v):
    """A float32 pair hi + lo ~ v (v given in float64), hi rounded toward zero."""
    hi = np.float32(v)
    if abs(float(hi)) > abs(v):
        hi = np.nextafter(hi, np.float32(0))
    return float(hi), _f32(v - float(hi))


# pi/2 and pi as hi + lo (float64: fdlibm's; float32: derived).
_PIO2 = {"double": (1.57079632679489655800e+00, 6.12323399573676603587e-17),
         "float": _hi_lo32(math.pi / 2)}
_PI = {"double": (3.14159265358979311600e+00, 1.22464679914735317720e-16),
       "float": _hi_lo32(math.pi)}


def _to64(f, x, fn):
    """float32 through the float64 version ``fn``, rounded once."""
    return f.cast("fptrunc", fn(f, f.cast("fpext", x, "double")), "float")


# ----------------------------------------------------------------------------------------------
# atan, atan2

_ATAN_HI = [4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01,
            1.57079632679489655800e+00]
_ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17,
            6.12323399573676603587e-17]
_AT64 = [3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
         -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02,
         6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02,
         -3.65315727442169155270e-02, 1.62858201153657823623e-02]
_AT32 = [3.3333328366e-01, -1.9999158382e-01, 1.4253635705e-01, -1.0648017377e-01,
         6.1687607318e-02]
_ATAN_HILO32 = [_hi_lo32(math.atan(v)) for v in (0.5, 1.0, 1.5)] + [_hi_lo32(math.pi / 2)]


def _atan_abs(f, ax):
    """atan(ax) for ax >= 0 (or NaN)."""
    single = ax.elem == "float"
    one = c(f, ax, 1.0)
    # Intervals [0, 7/16), [7/16, 11/16), [11/16, 19/16), [19/16, 39/16), [39/16, inf].
    i0 = f.fcmp("olt", ax, c(f, ax, 0.4375))
    i1 = f.fcmp("olt", ax, c(f, ax, 0.6875))
    i2 = f.fcmp("olt", ax, c(f, ax, 1.1875))
    i3 = f.fcmp("olt", ax, c(f, ax, 2.4375))

    def pick(v0, v1, v2, v3, v4):
        return f.select(i0, v0, f.select(i1, v1, f.select(i2, v2, f.select(i3, v3, v4))))

    two_ax = f.fadd(ax, ax)
    num = pick(ax, f.fsub(two_ax, one), f.fsub(ax, one), f.fsub(ax, c(f, ax, 1.5)),
               c(f, ax, -1.0))
    den = pick(one, f.fadd(ax, c(f, ax, 2.0)), f.fadd(ax, one),
               f.fma(ax, c(f, ax, 1.5), one), ax)
    t = f.fdiv(num, den)
    hilo = _ATAN_HILO32 if single else list(zip(_ATAN_HI, _ATAN_LO))
    zero = c(f, ax, 0.0)
    hi = pick(zero, *[c(f, ax, h) for h, _ in hilo])
    lo = pick(zero, *[c(f, ax, lo_) for _, lo_ in hilo])
    z = f.fmul(t, t)
    w = f.fmul(z, z)
    at = _AT32 if single else _AT64
    s1 = f.fmul(z, f.horner(w, at[0::2][::-1]))
    s2 = f.fmul(w, f.horner(w, at[1::2][::-1]))
    # hi - ((t*(s1+s2) - lo) - t); on the first interval hi = lo = 0 and it is t - t*(s1+s2).
    return f.fsub(hi, f.fsub(f.fsub(f.fmul(t, f.fadd(s1, s2)), lo), t))


def atan(f, x):
    return f.copysign(_atan_abs(f, f.fabs(x)), x)


def atan2(f, y, x):
    ax, ay = f.fabs(x), f.fabs(y)
    zero = c(f, x, 0.0)
    swap = f.fcmp("ogt", ay, ax)
    num = f.select(swap, ax, ay)
    t = f.fdiv(num, f.select(swap, ay, ax))
    t = f.select(f.fcmp("oeq", num, zero), zero, t)  # 0/0: the axes
    both_inf = f.and_(f.fcmp("oeq", ax, c(f, x, math.inf)), f.fcmp("oeq", ay, c(f, x, math.inf)))
    t = f.select(both_inf, c(f, x, 1.0), t)
    z = _atan_abs(f, t)
    # By octant: z, pi/2 - z, pi/2 + z or pi - z, as hi + (+-z + lo) with pi's hi + lo parts.
    pio2_hi, pio2_lo = _PIO2[x.elem]
    pi_hi, pi_lo = _PI[x.elem]
    neg_x = f.icmp("slt", f.as_int(x), f.like(f.as_int(x), 0))  # x < 0 or x = -0
    hi = f.select(swap, c(f, x, pio2_hi), f.select(neg_x, c(f, x, pi_hi), zero))
    lo = f.select(swap, c(f, x, pio2_lo), f.select(neg_x, c(f, x, pi_lo), zero))
    minus = f.xor(swap, neg_x)  # z enters with a minus sign
    r = f.fadd(hi, f.fadd(f.select(minus, f.fneg(z), z), lo))
    r = f.copysign(r, y)
    return f.select(f.fcmp("uno", x, y), f.fadd(x, y), r)


# ----------------------------------------------------------------------------------------------
# asin, acos

_PS64 = [3.47933107596021167570e-05, 7.91534994289814532176e-04, -4.00555345006794114027e-02,
         2.01212532134862925881e-01, -3.25565818622400915405e-01, 1.66666666666666657415e-01]
_QS64 = [7.70381505559019352791e-02, -6.88283971605453293030e-01, 2.02094576023350569471e+00,
         -2.40339491173441421878e+00, 1.0]
_PS32 = [-8.6563630030e-03, -4.2743422091e-02, 1.6666586697e-01]
_QS32 = [-7.0662963390e-01, 1.0]


def _asin_r(f, z):
    """(asin(sqrt(z)) - sqrt(z)) / sqrt(z)^3 ~ R(z) on [0, 1/4], as p/q."""
    single = z.elem == "float"
    p = f.fmul(z, f.horner(z, _PS32 if single else _PS64))
    return f.fdiv(p, f.horner(z, _QS32 if single else _QS64))


def _hi_part(f, s):
    """s with its low mantissa bits cleared, so that its square is exact."""
    bits = f.as_int(s)
    mask = -(1 << 12) if s.elem == "float" else -(1 << 32)
    return f.bitcast(f.and_(bits, f.like(bits, mask)), s.elem)


def _asin_acos_parts(f, x):
    """(ax, small, z, s, r, hi, cc) shared by asin and acos: z = x*x on |x| < 1/2, (1-|x|)/2
    beyond, s = sqrt(z) = hi + cc with hi*hi exact."""
    ax = f.fabs(x)
    small = f.fcmp("olt", ax, c(f, x, 0.5))
    z = f.select(small, f.fmul(x, x), f.fmul(f.fsub(c(f, x, 1.0), ax), c(f, x, 0.5)))
    s = f.sqrt(z)
    hi = _hi_part(f, s)
    cc = f.fdiv(f.fsub(z, f.fmul(hi, hi)), f.fadd(s, hi))
    cc = f.select(f.fcmp("oeq", z, c(f, x, 0.0)), z, cc)  # |x| = 1
    return ax, small, z, s, _asin_r(f, z), hi, cc


def asin(f, x):
    ax, small, z, s, r, hi, cc = _asin_acos_parts(f, x)
    pio2_hi, pio2_lo = _PIO2[x.elem]
    two = c(f, x, 2.0)
    near1 = f.fsub(c(f, x, pio2_hi), f.fsub(f.fmul(two, f.fma(s, r, s)), c(f, x, pio2_lo)))
    # pi/2 - 2(s + s*r) with s = hi + cc, so that the cancellation stays exact.
    pio4_hi = c(f, x, pio2_hi / 2)
    p = f.fsub(f.fmul(f.fmul(two, s), r), f.fsub(c(f, x, pio2_lo), f.fmul(two, cc)))
    q = f.fsub(pio4_hi, f.fmul(two, hi))
    mid = f.fsub(pio4_hi, f.fsub(p, q))
    big = f.select(f.fcmp("oge", ax, c(f, x, 0.975)), near1, mid)
    out = f.select(small, f.fma(x, r, x), f.copysign(big, x))
    return f.select(f.fcmp("ogt", ax, c(f, x, 1.0)), c(f, x, math.nan), out)


def acos(f, x):
    ax, small, z, s, r, hi, cc = _asin_acos_parts(f, x)
    pio2_hi, pio2_lo = _PIO2[x.elem]
    two = c(f, x, 2.0)
    out_small = f.fsub(c(f, x, pio2_hi), f.fsub(x, f.fsub(c(f, x, pio2_lo), f.fmul(x, r))))
    w = f.fsub(f.fmul(r, s), c(f, x, pio2_lo))
    out_neg = f.fmul(two, f.fsub(c(f, x, pio2_hi), f.fadd(s, w)))
    out_pos = f.fmul(two, f.fadd(hi, f.fma(r, s, cc)))
    out = f.select(small, out_small,
                   f.select(f.fcmp("olt", x, c(f, x, 0.0)), out_neg, out_pos))
    return f.select(f.fcmp("ogt", ax, c(f, x, 1.0)), c(f, x, math.nan), out)


# ----------------------------------------------------------------------------------------------
# asinh, acosh, atanh (float64 formulas; float32 runs them in float64)

_TWO28 = 2.0 ** 28


def _asinh64(f, x):
    ax = f.fabs(x)
    one = c(f, x, 1.0)
    big = f.fcmp("ogt", ax, c(f, x, _TWO28))
    mid = f.fcmp("ogt", ax, c(f, x, 2.0))
    t2 = f.fmul(ax, ax)
    root = f.sqrt(f.fadd(t2, one))
    # log(2|x| + 1/(sqrt(x^2+1) + |x|)), or log(|x|) + ln2 where x^2 would overflow.
    arg = f.select(big, ax, f.fadd(f.fadd(ax, ax), f.fdiv(one, f.fadd(root, ax))))
    lg = f.fadd(call(f, "log", [arg]), f.select(big, c(f, x, LN2), c(f, x, 0.0)))
    small = call(f, "log1p", [f.fadd(ax, f.fdiv(t2, f.fadd(one, root)))])
    return f.copysign(f.select(mid, lg, small), x)


def _acosh64(f, x):
    one = c(f, x, 1.0)
    big = f.fcmp("oge", x, c(f, x, _TWO28))
    mid = f.fcmp("ogt", x, c(f, x, 2.0))
    root = f.sqrt(f.fsub(f.fmul(x, x), one))
    arg = f.select(big, x, f.fsub(f.fadd(x, x), f.fdiv(one, f.fadd(x, root))))
    lg = f.fadd(call(f, "log", [arg]), f.select(big, c(f, x, LN2), c(f, x, 0.0)))
    t = f.fsub(x, one)
    small = call(f, "log1p", [f.fadd(t, f.sqrt(f.fma(t, t, f.fadd(t, t))))])
    out = f.select(mid, lg, small)
    return f.select(f.fcmp("olt", x, one), c(f, x, math.nan), out)


def _atanh64(f, x):
    ax = f.fabs(x)
    one = c(f, x, 1.0)
    two_ax = f.fadd(ax, ax)
    rest = f.fsub(one, ax)
    small = f.fcmp("olt", ax, c(f, x, 0.5))
    arg = f.select(small, f.fadd(two_ax, f.fdiv(f.fmul(two_ax, ax), rest)),
                   f.fdiv(two_ax, rest))
    out = f.copysign(f.fmul(c(f, x, 0.5), call(f, "log1p", [arg])), x)
    return f.select(f.fcmp("ogt", ax, one), c(f, x, math.nan), out)


def asinh(f, x):
    return _to64(f, x, _asinh64) if x.elem == "float" else _asinh64(f, x)


def acosh(f, x):
    return _to64(f, x, _acosh64) if x.elem == "float" else _acosh64(f, x)


def atanh(f, x):
    return _to64(f, x, _atanh64) if x.elem == "float" else _atanh64(f, x)


# ----------------------------------------------------------------------------------------------
# sinh, cosh (float64; float32 runs them in float64)

_EXP_SAFE = 709.78  # below log(DBL_MAX): exp(|x|) / 2 does not overflow on the way


def _exp_big(f, ax):
    """exp(|x|)/2 for |x| >= 22, also past exp's overflow (as (exp(|x|/2)/2) * exp(|x|/2))."""
    safe = f.fcmp("olt", ax, c(f, ax, _EXP_SAFE))
    half = c(f, ax, 0.5)
    e = call(f, "exp", [f.select(safe, ax, f.fmul(ax, half))])
    he = f.fmul(e, half)
    return f.select(safe, he, f.fmul(he, e)), e


def _sinh64(f, x):
    ax = f.fabs(x)
    one, half = c(f, x, 1.0), c(f, x, 0.5)
    t = call(f, "expm1", [ax])
    tt = f.fdiv(t, f.fadd(t, one))
    below1 = f.fsub(f.fadd(t, t), f.fmul(t, tt))  # 2t - t*t/(t+1)
    small = f.fmul(half, f.select(f.fcmp("olt", ax, one), below1, f.fadd(t, tt)))
    big, _ = _exp_big(f, ax)
    return f.copysign(f.select(f.fcmp("olt", ax, c(f, x, 22.0)), small, big), x)


def _cosh64(f, x):
    ax = f.fabs(x)
    one, half = c(f, x, 1.0), c(f, x, 0.5)
    t = call(f, "expm1", [ax])
    w = f.fadd(t, one)
    tiny = f.fadd(one, f.fdiv(f.fmul(t, t), f.fadd(w, w)))  # |x| < ln2/2
    big, e = _exp_big(f, ax)
    mid = f.fadd(f.fmul(half, e), f.fdiv(half, e))
    out = f.select(f.fcmp("olt", ax, c(f, x, 22.0)), mid, big)
    return f.select(f.fcmp("olt", ax, c(f, x, 0.5 * LN2)), tiny, out)


def sinh(f, x):
    return _to64(f, x, _sinh64) if x.elem == "float" else _sinh64(f, x)


def cosh(f, x):
    return _to64(f, x, _cosh64) if x.elem == "float" else _cosh64(f, x)


# ----------------------------------------------------------------------------------------------
# cbrt

_CBRT_B1 = 715094163  # (1023 - 1023/3 - 0.03306235651) * 2**20: the estimate's bias
_CBRT_B2 = 696219795  # the same, for subnormals scaled by 2**54
_CBRT_P = [0.145996192886612446982, -0.758397934778766047437, 1.621429720105354466140,
           -1.88497979543377169875, 1.87595182427177009643]  # |1/cbrt(r) - P(r)| < 2**-23.5


def _cbrt64(f, x):
    ax = f.fabs(x)
    sub = f.fcmp("olt", ax, c(f, x, 2.2250738585072014e-308))
    a = f.select(sub, f.fmul(ax, c(f, x, 2.0 ** 54)), ax)
    bits = f.as_int(a)
    hw = f.cast("trunc", f.lshr(bits, f.like(bits, 32)), "i32")
    hw = f.add(f.bin("udiv", hw, f.like(hw, 3)),
               f.select(sub, f.like(hw, _CBRT_B2), f.like(hw, _CBRT_B1)))
    t = f.bitcast(f.shl(f.cast("zext", hw, "i64"), f.like(bits, 32)), "double")
    # |t - cbrt| < 1/32 relative: refine to 23 bits with a polynomial in r = t^3/|x|.
    r = f.fmul(f.fmul(t, t), f.fdiv(t, ax))
    t = f.fmul(t, f.horner(r, _CBRT_P))
    # Round to 22 bits (away from zero), so t*t is exact; then one Newton step.
    tb = f.as_int(t)
    tb = f.and_(f.add(tb, f.like(tb, 0x80000000)), f.like(tb, -(1 << 30)))
    t = f.bitcast(tb, "double")
    r = f.fdiv(ax, f.fmul(t, t))
    r = f.fdiv(f.fsub(r, t), f.fadd(f.fadd(t, t), r))
    t = f.fma(t, r, t)
    special = f.or_(f.fcmp("oeq", ax, c(f, x, 0.0)), f.fcmp("ueq", ax, c(f, x, math.inf)))
    return f.select(special, f.fadd(x, x), f.copysign(t, x))


def cbrt(f, x):
    return _to64(f, x, _cbrt64) if x.elem == "float" else _cbrt64(f, x)


# ----------------------------------------------------------------------------------------------
# fmod


def _ilogb(f, v):
    """floor(log2(v)) for positive finite v (subnormals included), as an integer vector."""
    single = v.elem == "float"
    mant, bias, p = (23, 127, 24) if single else (52, 1023, 53)
    bits = f.as_int(v)
    sub = f.icmp("eq", f.lshr(bits, f.like(bits, mant)), f.like(bits, 0))
    vs = f.select(sub, f.fmul(v, c(f, v, 2.0 ** p)), v)
    e = f.sub(f.lshr(f.as_int(vs), f.like(bits, mant)), f.like(bits, bias))
    return f.sub(e, f.select(sub, f.like(bits, p), f.like(bits, 0)))


def fmod(f, x, y):
    """C's fmod (np.fmod): exact, with the sign of x; NaN for y = 0 or infinite x."""
    p = 24 if x.elem == "float" else 53
    ax, ay = f.fabs(x), f.fabs(y)
    inf, zero = c(f, x, math.inf), c(f, x, 0.0)
    pre, head, body, done = (f.new_label(n) for n in ("pre", "head", "body", "done"))
    f.stmt(f"br label %{pre}")
    f.label(pre)
    f.stmt(f"br label %{head}")
    f.label(head)
    a = f.emit(ax.ty, "phi")  # placeholder, completed below
    phi_line = len(f.lines) - 1
    active = f.and_(f.and_(f.fcmp("oge", a, ay), f.fcmp("ogt", ay, zero)),
                    f.fcmp("olt", a, inf))
    more = active if ax.lanes == 1 else f.intrinsic("vector.reduce.or", active, ret="i1")
    f.stmt(f"br i1 {more.name}, label %{body}, label %{done}")
    f.label(body)
    k = f.sub(f.sub(_ilogb(f, a), _ilogb(f, ay)), f.like(f.as_int(a), p - 2))
    k = f.select(f.icmp("sgt", k, f.like(k, 0)), k, f.like(k, 0))
    k1 = f.ashr(k, f.like(k, 1))
    big = f.ldexp_k(f.ldexp_k(ay, k1), f.sub(k, k1))  # |y| * 2**k, exactly
    q = f.trunc(f.fdiv(a, big))
    r = f.fma(f.fneg(q), big, a)
    one = c(f, x, 1.0)
    q = f.select(f.fcmp("olt", r, zero), f.fsub(q, one),
                 f.select(f.fcmp("oge", r, big), f.fadd(q, one), q))
    a_next = f.select(active, f.fma(f.fneg(q), big, a), a)
    latch = f.cur
    f.stmt(f"br label %{head}")
    f.lines[phi_line] = (f"  {a.name} = phi {a.ty} [ {ax.name}, %{pre} ], "
                         f"[ {a_next.name}, %{latch} ]")
    f.label(done)
    bad = f.or_(f.or_(f.fcmp("oeq", ay, zero), f.fcmp("ueq", ax, inf)), f.fcmp("uno", x, y))
    return f.select(bad, c(f, x, math.nan), f.copysign(a, x))


IMPLS = {"atan": atan, "atan2": atan2, "asin": asin, "acos": acos, "asinh": asinh,
         "acosh": acosh, "atanh": atanh, "sinh": sinh, "cosh": cosh, "cbrt": cbrt,
         "fmod": fmod}
mathlib.IMPLS.update(IMPLS)

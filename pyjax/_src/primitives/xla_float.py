"""XLA:CPU's own float kernels, reproduced exactly in NumPy (spec: random.md section 9).

jax.random's samplers go through these kernels, so pyjax's samples equal JAX's bit for bit.
XLA:CPU contracts multiply-adds into fused multiply-adds (FMAs) and flushes denormals to zero;
its float32 log/log1p/erf/erf_inv/exp and float64 exp are its own polynomials, its float64
log1p/erf_inv are polynomials around glibc's log (pyjax/_src/primitives/libm_float.py), and its
rsqrt is a hardware estimate refined by Newton steps (float64: AVX-512's specified vrsqrt14pd;
float32: rsqrtps, vendor-specific: AMD Zen's is reproduced, see xla_numerics).

A float32 FMA is computed exactly in float64 (the product of two float32 is exact; the sum is
rounded once to float64 and then to float32, and the rare double rounding -- the float64 sum
landing exactly halfway between two float32 -- is detected and corrected). A float64 FMA uses
error-free transformations and rounding to odd.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import xla_numerics
from pyjax._src.primitives.blocks import for_blocks, scratch

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_FLT_MIN = np.float32(np.finfo(np.float32).tiny)


def _f32(word):
    return np.array(word, np.uint32).view(np.float32)[()]


def fma32(a, b, c):
    """Exactly rounded float32 ``a * b + c`` (arrays or scalars, float32 values)."""
    p = np.multiply(a, b, dtype=_F64)
    s = np.add(p, c, out=p, dtype=_F64) if isinstance(p, np.ndarray) else p + np.float64(c)
    r = np.asarray(s).astype(_F32)
    _fix_double_rounding32(r, s, a, b, c)
    return r


def _fix_double_rounding32(r, s, a, b, c):
    """Correct r = f32(s) where s = f64(a*b + c) sits exactly halfway between two float32."""
    sb = np.asarray(s).view(np.uint64)
    mid = (sb & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if not mid.any():
        return
    idx = np.nonzero(mid.reshape(-1))[0]
    af = np.broadcast_to(np.asarray(a, _F64), r.shape).reshape(-1)[idx]
    bf = np.broadcast_to(np.asarray(b, _F64), r.shape).reshape(-1)[idx]
    cf = np.broadcast_to(np.asarray(c, _F64), r.shape).reshape(-1)[idx]
    p = af * bf
    sm = p + cf
    bp = sm - cf
    err = (p - bp) + (cf - (sm - bp))  # TwoSum: p + c == sm + err exactly
    nudged = np.where(err != 0, np.nextafter(sm, sm + err), sm).astype(_F32)
    r.reshape(-1)[idx] = nudged


_DBL_MIN = np.finfo(np.float64).tiny


def ftz(x):
    """Flush denormals to (signed) zero in place (float32 or float64), as XLA:CPU does."""
    tiny = np.abs(x) < (_FLT_MIN if x.dtype == _F32 else _DBL_MIN)
    if tiny.any():
        x[tiny] = np.copysign(x.dtype.type(0), x[tiny])
    return x



def flat_kernel(fn):
    """Run an elementwise kernel on a 1-d copy of its input, so 0-d inputs work too; special
    values (overflow, NaN) are part of the kernels' domain, so NumPy does not warn about them."""
    def wrapped(x):
        x = np.asarray(x)
        with np.errstate(all="ignore"):
            if x.ndim == 1:
                return fn(x)
            return np.asarray(fn(x.reshape(-1))).reshape(x.shape)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


_LOG32 = dict(
    a1=_f32(0x3D9021BB), a2=_f32(0xBDEBD1B8), b1=_f32(0xBDFE5D4F), b2=_f32(0x3E11E9BF),
    c1=_f32(0x3E4CCEAC), c2=_f32(0xBE7FFFFC), a3=_f32(0x3DEF251A), b3=_f32(0xBE2AAE50),
    c3=_f32(0x3EAAAAAA), q1=_f32(0xB95E8083), q2=_f32(0x3F318000), sqrthf=_f32(0x3F3504F3))


@flat_kernel
def log32(v):
    """XLA:CPU's float32 log (Cephes-style polynomial, FMAs, denormals flushed)."""
    v = np.asarray(v, _F32)
    c = _LOG32
    x = np.maximum(v, _FLT_MIN)
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)) & np.uint32(0xFF)).astype(_F32)
    e -= np.float32(126)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32)
    small = m < c["sqrthf"]
    t = m - np.float32(1)
    t += np.where(small, m, np.float32(0))
    e -= small.astype(_F32)
    t2 = t * t
    t3 = t2 * t
    y = fma32(t, c["a1"], c["a2"])
    y1 = fma32(t, c["b1"], c["b2"])
    y2 = fma32(t, c["c1"], c["c2"])
    y = fma32(y, t, c["a3"])
    y1 = fma32(y1, t, c["b3"])
    y2 = fma32(y2, t, c["c3"])
    y = fma32(y, t3, y1)
    y = fma32(y, t3, y2)
    y = fma32(y, t3, e * c["q1"])
    out = fma32(e, c["q2"], (t - t2 * np.float32(0.5)) + y)
    out = np.asarray(out, _F32)
    out[(v < 0) | np.isnan(v)] = np.nan
    out[v == np.inf] = np.inf
    out[np.abs(v) < _FLT_MIN] = -np.inf  # zeros, and denormals read as zeros
    return ftz(out)


_LOG1P_P = (4.52700008624452e-05, 0.49854102823193375, 6.578732594206104, 29.911919328553072,
            60.94966798098779, 57.11296359058554, 20.039553499201283)
_LOG1P_Q = (1.0, 15.062909083469192, 83.04756596796722, 221.76239823732857,
            309.09872225312057, 216.42788614495947, 60.11866049760384)
_LOG1P_P32 = tuple(np.float32(c) for c in _LOG1P_P)
_LOG1P_Q32 = tuple(np.float32(c) for c in _LOG1P_Q)


def _horner32(coeffs, t):
    p = fma32(coeffs[0], t, coeffs[1])
    for c in coeffs[2:]:
        p = fma32(p, t, c)
    return p


def _log1p(x, horner, p, q, log):
    """XLA's log1p: a rational approximation for |x| < sqrt(2)-1, else log(1+x)."""
    t = x.dtype.type
    small = np.abs(x) < t(0.41421356237309503)
    out = np.empty_like(x)
    xs = x[small]
    if xs.size:
        x2 = xs * xs
        x3 = xs * x2
        r = horner(p, xs) / horner(q, xs)
        out[small] = xs + (x2 * t(-0.5) + x3 * r)
    big = ~small
    if big.any():
        out[big] = log(x[big] + t(1))
    return ftz(out)


@flat_kernel
def log1p32(x):
    """XLA:CPU's float32 log1p (its own log above sqrt(2)-1)."""
    return _log1p(np.asarray(x, _F32), _horner32, _LOG1P_P32, _LOG1P_Q32, log32)


_ERFINV32_SMALL = tuple(np.float32(c) for c in (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941))
_ERFINV32_BIG = tuple(np.float32(c) for c in (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
    -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))


@flat_kernel
def erf_inv32(x):
    """XLA:CPU's float32 erf_inv (Giles' single-precision approximation, FMA Horner)."""
    x = np.asarray(x, _F32)
    w = -log1p32(x * -x)
    small = w < np.float32(5)
    out = np.empty_like(x)
    if small.all():
        p = _horner32(_ERFINV32_SMALL, w - np.float32(2.5))
        np.multiply(x, p, out=out)
    else:
        t = np.where(small, w - np.float32(2.5), np.sqrt(np.maximum(w, 0)) - np.float32(3))
        p_small = _horner32(_ERFINV32_SMALL, t)
        p_big = _horner32(_ERFINV32_BIG, t)
        np.multiply(x, np.where(small, p_small, p_big), out=out)
    ones = np.abs(x) == 1
    if ones.any():
        out[ones] = x[ones] * np.float32(np.inf)
    return ftz(out)


_ERF32_P = (np.float32(0.00022905065), _f32(0x3B5F5DA2), _f32(0x3D50B6EB), _f32(0x3E3DA740),
            _f32(0x3F906EBA))
_ERF32_Q = (np.float32(-1.1791603e-07), np.float32(2.3547966e-05), _f32(0x3A856D28),
            _f32(0x3C6687D4), _f32(0x3DE34C21), _f32(0x3EFEB44A), np.float32(1))


@flat_kernel
def erf32(x):
    """XLA:CPU's float32 erf: x*P(x^2)/Q(x^2), and +-1 for |x| >= 3.832507."""
    x = np.asarray(x, _F32)
    x2 = x * x
    out = (x * _horner32(_ERF32_P, x2)) / _horner32(_ERF32_Q, x2)
    big = np.abs(x) >= np.float32(3.832507)
    out[big] = np.copysign(np.float32(1), x[big])
    return ftz(np.asarray(out, _F32))


_SPLITTER = np.float64(134217729.0)  # 2**27 + 1 (Veltkamp)


def _split(a, hi, lo, tmp):
    """a == hi + lo with 26-bit halves (Veltkamp), into the buffers hi and lo."""
    np.multiply(a, _SPLITTER, out=tmp)
    np.subtract(tmp, a, out=lo)
    np.subtract(tmp, lo, out=hi)
    np.subtract(a, hi, out=lo)


class _Fma64:
    """Exactly rounded float64 ``p * t + c`` on flat arrays, in place in scratch buffers:
    error-free product (Dekker) and sums (TwoSum), then one final rounding of the high part
    plus the rest rounded to odd (Boldo & Melquiond). ``t`` is split once for many steps."""

    def __init__(self, t):
        n = t.size
        self.t = t
        self.th, self.tl, self.uh, self.ph, self.pl, self.ul, self.sh, self.bp, self.a, \
            self.b = (scratch(f"fma64_{i}", n, _F64) for i in range(10))
        self.i1 = scratch("fma64_i", n, _I64)
        self.k1, self.k2, self.k3 = (scratch(f"fma64_k{i}", n, np.bool_) for i in range(3))
        _split(t, self.th, self.tl, self.a)

    def step(self, p, c, out):
        """out = fma(p, t, c) (out may be p; c an array or a scalar)."""
        t, th, tl, uh, ph, pl, ul, sh, bp, a, b = (
            self.t, self.th, self.tl, self.uh, self.ph, self.pl, self.ul, self.sh, self.bp,
            self.a, self.b)
        i1, k1, k2, k3 = self.i1, self.k1, self.k2, self.k3
        np.multiply(p, t, out=uh)
        _split(p, ph, pl, a)
        np.multiply(ph, th, out=ul)  # p*t == uh + ul exactly
        np.subtract(ul, uh, out=ul)
        for x, y in ((ph, tl), (pl, th), (pl, tl)):
            np.multiply(x, y, out=a)
            np.add(ul, a, out=ul)
        np.add(uh, c, out=sh)  # uh + c == sh + sl (sl into pl)
        np.subtract(sh, uh, out=bp)
        np.subtract(sh, bp, out=a)
        np.subtract(uh, a, out=a)
        np.subtract(c, bp, out=b)
        np.add(a, b, out=pl)
        np.add(pl, ul, out=ph)  # sl + ul == th + tl (th into ph, tl into uh)
        np.subtract(ph, pl, out=bp)
        np.subtract(ph, bp, out=a)
        np.subtract(pl, a, out=a)
        np.subtract(ul, bp, out=b)
        np.add(a, b, out=uh)
        # th rounded to odd: if inexact with an even last bit, the neighbour towards tl
        # (th == 0 implies tl == 0).
        bits = ph.view(_I64)
        np.bitwise_and(bits, 1, out=i1)
        np.equal(i1, 0, out=k1)
        np.not_equal(uh, 0, out=k2)
        np.logical_and(k1, k2, out=k1)
        if k1.any():
            np.greater(uh, 0, out=k2)
            np.greater(ph, 0, out=k3)
            np.equal(k2, k3, out=k2)
            np.multiply(k2, 2, out=i1, casting="unsafe")
            np.subtract(i1, 1, out=i1)
            np.multiply(i1, k1, out=i1)
            np.add(bits, i1, out=bits)
        return np.add(sh, ph, out=out)



def fma64(a, b, c):
    """Exactly rounded float64 ``a * b + c`` (arrays or scalars)."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, _F64) for v in (a, b, c)))
    shape = a.shape
    a, b, c = (np.ascontiguousarray(v).reshape(-1) for v in (a, b, c))
    with np.errstate(all="ignore"):
        out = _Fma64(b).step(a, c, np.empty_like(a))
        # Infinite or NaN intermediate results: the plain expression gives IEEE's answer.
        bad = ~np.isfinite(out) | ~np.isfinite(a * b)
        if bad.any():
            out[bad] = a[bad] * b[bad] + c[bad]
    return out.reshape(shape)


def _horner64(coeffs, t):
    """Horner's scheme with exact float64 FMAs (coefficients from the highest degree)."""
    t = np.ascontiguousarray(t, _F64).reshape(-1)
    fma = _Fma64(t)
    p = np.full(t.size, coeffs[0], _F64)
    for c in coeffs[1:]:
        fma.step(p, np.float64(c), p)
    return p


_LOG1P_P64 = tuple(np.float64(c) for c in _LOG1P_P)
_LOG1P_Q64 = tuple(np.float64(c) for c in _LOG1P_Q)


@flat_kernel
def log1p64(x):
    """XLA:CPU's float64 log1p (glibc's log above sqrt(2)-1)."""
    from pyjax._src.primitives.libm_float import log64
    return _log1p(np.asarray(x, _F64), _horner64, _LOG1P_P64, _LOG1P_Q64, log64)


_ERFINV64 = xla_numerics.ERF_INV_F64_COEFFS


@flat_kernel
def erf_inv64(x):
    """XLA:CPU's float64 erf_inv (Giles' double-precision approximation, FMA Horner)."""
    x = np.asarray(x, _F64)
    if x.size <= _BLOCK64:
        return _erf_inv64(x)
    out = np.empty_like(x)

    def body(s, e):
        with np.errstate(all="ignore"):  # per thread
            out[s:e] = _erf_inv64(x[s:e])
    for_blocks(x.size, body, _BLOCK64)
    return out


# Elements per block of the float64 Horner chains (NumPy's per-call cost against cache misses).
_BLOCK64 = 1 << 15


def _erf_inv64(x):
    w = -log1p64(-(x * x))
    out = np.empty_like(x)
    b1 = w < 6.25
    b2 = ~b1 & (w < 16)
    b3 = ~b1 & ~b2
    for mask, coeffs, shift, use_sqrt in ((b1, _ERFINV64[0], 3.125, False),
                                          (b2, _ERFINV64[1], 3.25, True),
                                          (b3, _ERFINV64[2], 5.0, True)):
        if mask.any():
            wm = w[mask]
            t = (np.sqrt(wm) if use_sqrt else wm) - shift
            out[mask] = _horner64(coeffs, t) * x[mask]
    ones = np.abs(x) == 1
    out[ones] = x[ones] * np.inf
    return ftz(out)


# ----------------------------------------------------------------------------------------------
# exp

_EXP32 = {k: (tuple(np.float32(c) for c in v) if isinstance(v, tuple) else np.float32(v))
          for k, v in xla_numerics.EXP_F32.items()}


@flat_kernel
def exp32(x):
    """XLA:CPU's float32 exp (Cephes' polynomial with FMAs; results below 2**-126 are 0)."""
    c = _EXP32
    x = np.asarray(x, _F32)
    xc = np.minimum(np.maximum(x, c["lo"]), c["hi"])  # NaN stays NaN
    n = np.floor(fma32(xc, c["log2e"], np.float32(0.5)))
    n = np.minimum(np.maximum(n, np.float32(-127)), np.float32(127))
    r = fma32(-n, c["c1"], xc)
    r = fma32(-n, c["c2"], r)
    p = c["poly"]
    z = fma32(r, p[0], p[1])
    for coeff in p[2:]:
        z = fma32(z, r, coeff)
    z = np.float32(1) + fma32(z, r * r, r)
    ni = np.where(np.isnan(n), np.float32(0), n).astype(np.int32)
    out = z * ((ni + 127) << 23).view(_F32)  # 2**-127 is built as 0
    return ftz(np.asarray(out, _F32))


_EXP64 = xla_numerics.EXP_F64


@flat_kernel
def exp64(x):
    """XLA:CPU's float64 exp (Cephes' Pade form with FMAs, 2**n applied in four factors)."""
    c = _EXP64
    x = np.asarray(x, _F64)
    xc = np.minimum(np.maximum(x, c["lo"]), c["hi"])  # NaN stays NaN
    n = np.floor(fma64(xc, c["log2e"], 0.5))
    g = fma64(-n, c["c1"], xc)
    g = fma64(-n, c["c2"], g)
    g2 = g * g
    p, q = c["p"], c["q"]
    pg = fma64(fma64(p[0], g2, p[1]), g2, p[2]) * g
    qg = fma64(fma64(fma64(q[0], g2, q[1]), g2, q[2]), g2, q[3])
    e = (pg / (qg - pg)) * 2.0 + 1.0
    ni = np.where(np.isnan(n), 0, n).astype(np.int64)
    b = ni >> 2  # 2**n = (2**b)**3 * 2**(n - 3b): each factor a normal number
    f1 = ((b + 1023) << 52).view(_F64)
    out = e * f1 * f1 * f1 * ((ni - 3 * b + 1023) << 52).view(_F64)
    out = np.where(x < c["lo"], 0.0, out)
    out = np.where(x > c["hi"], np.inf, out)
    return ftz(np.asarray(out, _F64))


# ----------------------------------------------------------------------------------------------
# rsqrt: a hardware estimate (see xla_numerics) refined by Newton steps
# y <- y + (-y/2) * (x*y*y - 1), with FMAs; zeros, denormals, infinities and negative inputs
# keep the raw estimate.

_RSQRT_AMD = None


def _rsqrt_amd_k():
    global _RSQRT_AMD
    if _RSQRT_AMD is None:
        _RSQRT_AMD = np.array(xla_numerics.rsqrt_amd_table(), np.uint32)
    return _RSQRT_AMD


def _rsqrt_specials(x, y, estimate_of_special):
    raw = ~(x >= (_FLT_MIN if x.dtype == _F32 else _DBL_MIN)) | np.isinf(x)
    if raw.any():
        y[raw] = estimate_of_special(x[raw])
    return y


def _special_estimate(x):
    """The estimate of 0, denormals (read as 0), inf, NaN and negative numbers."""
    out = np.full(x.shape, np.nan, x.dtype)
    tiny = np.abs(x) < (_FLT_MIN if x.dtype == _F32 else _DBL_MIN)
    out[tiny] = np.copysign(x.dtype.type(np.inf), x[tiny])
    out[x == np.inf] = 0
    return out


def _newton_rsqrt(x, y, fma):
    r2 = x * y
    half = y * y.dtype.type(-0.5)
    return fma(half, fma(r2, y, y.dtype.type(-1)), y)


@flat_kernel
def rsqrt_estimate32(x):
    """AMD's rsqrtps estimate of float32 1/sqrt(x) (12 bits)."""
    x = np.asarray(x, _F32)
    b = x.view(np.uint32)
    e = ((b >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int32) - 127
    odd = (e & 1).astype(np.uint32)  # x = 2**(2h) * m, m in [1, 4)
    idx = (odd << np.uint32(12)) | ((b >> np.uint32(11)) & np.uint32(0xFFF))
    h = (e - odd.astype(np.int32)) >> 1
    est = (np.uint32(0x3F000000) | (_rsqrt_amd_k()[idx] << np.uint32(11))).astype(np.int32)
    out = (est - (h << 23)).view(_F32)
    return _rsqrt_specials(x, out, _special_estimate)


def _rsqrt(x, estimate, steps, fma):
    y = estimate(x)
    for _ in range(steps):
        y = np.asarray(_newton_rsqrt(x, y, fma), x.dtype)
    return _rsqrt_specials(x, y, _special_estimate)


@flat_kernel
def rsqrt32(x):
    """XLA:CPU's float32 rsqrt on AMD CPUs: the rsqrtps estimate and one Newton step."""
    return _rsqrt(np.asarray(x, _F32), rsqrt_estimate32, 1, fma32)


_RSQRT14 = np.array(xla_numerics.RSQRT14_COEFFS, _F64)


@flat_kernel
def rsqrt_estimate64(x):
    """vrsqrt14pd, the AVX-512 estimate of float64 1/sqrt(x) (Intel's reference algorithm)."""
    x = np.asarray(x, _F64)
    b = x.view(np.uint64)
    e = ((b >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    odd = e & 1  # x = 2**(2h) * m, m in [1, 2) (even e) or [2, 4) (odd e)
    h = (e - odd) >> 1
    frac = b & np.uint64(0x000FFFFFFFFFFFFF)
    i = (frac >> np.uint64(47)).astype(np.intp)  # the segment: top 5 fraction bits
    cut = (frac & np.uint64(0x000FFFE000000000)) | np.uint64(0x3FF0000000000000)
    mant = cut.view(_F64) * np.where(odd == 1, 2.0, 1.0)  # m with 15 fraction bits
    mid = np.where(odd == 1, 2 + 1 / 32 + i / 16, 1 + 1 / 64 + i / 32)
    coeff = _RSQRT14[i]
    c = np.where(odd == 1, coeff[:, 3], coeff[:, 1])
    d = np.where(odd == 1, coeff[:, 2] * 128, coeff[:, 0] * 256)
    est = (c - d * (mant - mid)).view(np.uint64) & np.uint64(0xFFFFFFF000000000)
    est = (est - np.uint64(19 << 52)).view(np.int64) - (h << 52)
    out = est.view(_F64)
    one = (frac == 0) & (odd == 0)  # powers of four (m == 1): exact
    out[one] = np.ldexp(1.0, -h[one])
    return _rsqrt_specials(x, out, _special_estimate)


@flat_kernel
def rsqrt64(x):
    """XLA:CPU's float64 rsqrt: vrsqrt14pd and two Newton steps."""
    return _rsqrt(np.asarray(x, _F64), rsqrt_estimate64, 2, fma64)


# ----------------------------------------------------------------------------------------------
# A faster float32 erf_inv for the fused normal path (same bits as erf_inv32): float64 Horner
# steps in preallocated per-thread buffers, each branch evaluated only on its own elements.

_MID_MASK = np.uint64(0x1FFFFFFF)
_MID = np.uint64(0x10000000)


class _Fma32Chain:
    """Horner evaluation with exact float32 FMAs, in float64 scratch buffers."""

    def __init__(self, n):
        self.p64 = scratch("h_p64", n, _F64)
        self.s64 = scratch("h_s64", n, _F64)
        self.p32 = scratch("h_p32", n, _F32)
        self.u64 = scratch("h_u64", n, np.uint64)
        self.flag = scratch("h_flag", n, np.bool_)

    def horner(self, coeffs, t64, out32):
        """out32 = float32 Horner of coeffs (float32 values) at t64 (float64 of float32s)."""
        n = t64.shape[0]
        p64, s64, p32 = self.p64[:n], self.s64[:n], self.p32[:n]
        u64, flag = self.u64[:n], self.flag[:n]
        p64.fill(np.float64(coeffs[0]))
        for c in coeffs[1:]:
            c64 = np.float64(c)
            np.multiply(p64, t64, out=s64)
            np.add(s64, c64, out=s64)
            np.bitwise_and(s64.view(np.uint64), _MID_MASK, out=u64)
            np.equal(u64, _MID, out=flag)
            if flag.any():  # float64 sum exactly halfway between two float32: round by hand
                idx = np.nonzero(flag)[0]
                p = p64[idx] * t64[idx]
                sm = s64[idx]
                bp = sm - c64
                err = (p - bp) + (c64 - (sm - bp))
                s64[idx] = np.where(err != 0, np.nextafter(sm, sm + err), sm)
            np.copyto(p32, s64, casting="same_kind")
            np.copyto(p64, p32)
        np.copyto(out32, p32)
        return out32


def _log1p_neg32_fast(t, w, chain):
    """w = -log1p(-t) for float32 t = x*x in [0, 1), exactly as log1p32 (on -t)."""
    small = t < np.float32(0.41421356237309503)
    si = np.nonzero(small)[0]
    bi = np.nonzero(~small)[0]
    if si.size:
        a = -t[si]
        a64 = a.astype(_F64)
        pv = chain.horner(_LOG1P_P32, a64, np.empty_like(a))
        qv = chain.horner(_LOG1P_Q32, a64, np.empty_like(a))
        r = pv / qv
        a2 = a * a
        a3 = a * a2
        w[si] = -(a + (a2 * np.float32(-0.5) + a3 * r))
    if bi.size:
        w[bi] = -log32(np.float32(1) - t[bi])
    return w


def erf_inv32_fast(x):
    """erf_inv32 for float32 x in (-1, 1) (no NaN, no +-1), for the normal sampler."""
    n = x.shape[0]
    chain = _Fma32Chain(n)
    t = x * x
    w = _log1p_neg32_fast(t, np.empty_like(x), chain)
    p = np.empty_like(x)
    tt = w - np.float32(2.5)
    chain.horner(_ERFINV32_SMALL, tt.astype(_F64), p)
    big = np.nonzero(w >= np.float32(5))[0]
    if big.size:
        tb = np.sqrt(w[big]) - np.float32(3)
        p[big] = chain.horner(_ERFINV32_BIG, tb.astype(_F64), np.empty_like(tb))
    np.multiply(x, p, out=p)
    return ftz(p)

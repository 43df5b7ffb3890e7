"""``random_gamma_grad`` as XLA:CPU computes it for JAX, in vectorised NumPy.

JAX implements ``random_gamma_grad(a, x)`` (d sample / d alpha of a Gamma(alpha) sample, by
implicit reparameterisation) with XLA ops in the input dtype: for ``x > 1 and x > a`` the
derivative of the continued fraction of the upper incomplete gamma function, else that of the
power series of the lower one, each a while loop running until the derivative converges to
machine epsilon (JAX's ``random_gamma_grad_impl`` in jax/_src/lax/special.py, mode
``SAMPLE_DERIVATIVE``). ``lgamma`` and ``digamma`` are CHLO's Lanczos approximations (g = 7,
9 terms) and ``log``/``log1p`` are XLA:CPU's kernels (xla_float.py, libm_float.py).

Every step below is one rounding in the input dtype, except where XLA:CPU (LLVM with FP
contraction on) fuses a multiply feeding a single add or subtract into one FMA; those places
are marked ``fma``. Elements stop iterating once their own test fails, as under JAX's
``select(enabled, new, old)``.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.primitives.libm_float import log64, math_map
from pyjax._src.primitives.libm_sincosf import cosf32, sinf32
from pyjax._src.primitives.xla_float import fma32, fma64, ftz, log1p32, log1p64, log32

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)

# Lanczos approximation (g = 7, n = 9), the constants of CHLO's lgamma/digamma lowering.
_LANCZOS_G = 7.0
_LANCZOS_BASE = 0.99999999999980993227684700473478
_LANCZOS_COEFFS = (676.520368121885098567009190444019, -1259.13921672240287047156078755283,
                   771.3234287776530788486528258894, -176.61502916214059906584551354,
                   12.507343278686904814458936853, -0.13857109526572011689554707,
                   9.984369578019570859563e-6, 1.50563273514931155834e-7)


class _Ops:
    """The dtype's rounding kernels: fma, log, log1p, sin, cos."""

    def __init__(self, dtype, per_element):
        self.t = dtype.type
        f32 = dtype == _F32
        self.fused_dpk = not (per_element and f32)
        self.fma = fma32 if f32 else fma64
        self.log = log32 if f32 else log64
        self.log1p = log1p32 if f32 else log1p64
        # Only digamma's/lgamma's reflection (arguments below 1/2) uses sin and cos, of
        # arguments in [-pi/2, pi/2]: XLA:CPU calls glibc's sinf/cosf and sin/cos.
        if f32:
            self.sin, self.cos = sinf32, cosf32
        else:
            self.sin = lambda v: math_map(math.sin, v)
            self.cos = lambda v: math_map(math.cos, v)


def _lanczos_z(x, o):
    """z = -x where x < 1/2 (reflection), else x - 1; and the reflection mask."""
    reflect = x < o.t(0.5)
    return np.where(reflect, -x, x - o.t(1)), reflect


def _log_t(z, o):
    """log(z + g + 1/2) as log(g + 1/2) + log1p(z / (g + 1/2)), and t = g + 1/2 + z.

    XLA rewrites the division by the constant g + 1/2 as a multiplication by its reciprocal."""
    half_g = o.t(_LANCZOS_G + 0.5)
    return (o.t(math.log(_LANCZOS_G + 0.5)) + o.log1p(z * o.t(1 / (_LANCZOS_G + 0.5))),
            half_g + z)


def lgamma(x, o):
    """CHLO's lgamma (Lanczos, Euler's reflection below 1/2)."""
    t = o.t
    z, reflect = _lanczos_z(x, o)
    a = t(_LANCZOS_BASE)
    for i, coeff in enumerate(_LANCZOS_COEFFS):
        a = a + t(coeff) / (z + t(i + 1))
    log_t, tz = _log_t(z, o)
    s = (z + t(0.5)) - tz / log_t
    lg = o.fma(s, log_t, t((math.log(2) + math.log(math.pi)) / 2)) + o.log(a)
    if reflect.any():
        ax = np.abs(x[reflect])
        frac = ax - np.floor(ax)
        frac = np.where(t(0.5) < frac, t(1) - frac, frac)
        denom = o.log(o.sin(t(math.pi) * frac))
        refl = (t(math.log(math.pi)) - denom) - lg[reflect]
        lg[reflect] = np.where(np.isfinite(denom), refl, -denom)
    return np.where(np.isinf(x), t(np.inf), lg)


def digamma(x, o, z=None):
    """CHLO's digamma (Lanczos, reflection below 1/2; NaN at the poles).

    ``z``: digamma(a + 1) is called with x = a + 1 and z = a, since XLA simplifies
    (a + 1) - 1 to a (a > 0 here, so no reflection)."""
    t = o.t
    if z is None:
        z, reflect = _lanczos_z(x, o)
    else:
        reflect = np.zeros(x.shape, bool)
    a = t(_LANCZOS_BASE)
    a_prime = t(0)
    for i, coeff in enumerate(_LANCZOS_COEFFS):
        zk = z + t(i + 1)
        a_prime = a_prime - t(coeff) / (zk * zk)
        a = a + t(coeff) / zk
    log_t, tz = _log_t(z, o)
    dg = (log_t + a_prime / a) - t(_LANCZOS_G) / tz
    if reflect.any():
        xr = x[reflect]
        arg = t(math.pi) * (xr + np.abs(np.floor(xr + t(0.5))))
        dg[reflect] = dg[reflect] - (t(math.pi) * o.cos(arg)) / o.sin(arg)
    pole = (x <= 0) & (x == np.floor(x))
    return np.where(pole, t(np.nan), dg)


def _series(x, a, enabled, o):
    """d/dx of the lower series (JAX's ``_igamma_series``, SAMPLE_DERIVATIVE)."""
    t = o.t
    eps = t(np.finfo(x.dtype).eps)
    r, c, ans = a.copy(), np.ones_like(a), np.ones_like(a)
    dc_da, dans_da = np.zeros_like(a), np.zeros_like(a)
    idx = np.nonzero(enabled)[0]
    while idx.size:
        xi, ri, c_old = x[idx], r[idx] + t(1), c[idx]
        x_r = xi / ri
        dc = o.fma(dc_da[idx], x_r, -((c_old * xi) / (ri * ri)))
        dans = dans_da[idx] + dc
        ci = c_old * x_r
        r[idx], c[idx], dc_da[idx], dans_da[idx] = ri, ci, dc, dans
        ans[idx] = o.fma(c_old, x_r, ans[idx])  # ans + c * x / r, contracted
        idx = idx[np.abs(dc / dans) > eps]
    dlogax_da = o.log(x) - digamma(a + t(1), o, z=a)
    return (-o.fma(ans, dlogax_da, dans_da) * x) / a


def _continued_fraction(x, a, enabled, o):
    """d/dx of the upper continued fraction (JAX's ``_igammac_continued_fraction``,
    SAMPLE_DERIVATIVE), negated as ``random_gamma_grad`` uses it."""
    t = o.t
    eps = t(np.finfo(x.dtype).eps)
    big = t(1) / eps
    y = t(1) - a
    z = (x + y) + t(1)
    pkm2, qkm2 = np.ones_like(x), x.copy()
    pkm1 = x + t(1)
    qkm1 = z * x
    ans = pkm1 / qkm1
    dpkm2, dqkm2, dpkm1, dqkm1 = (np.zeros_like(x), np.zeros_like(x), np.zeros_like(x), -x)
    dans_da = -(ans * dqkm1) / qkm1
    idx = np.nonzero(enabled)[0]
    c = t(0)
    while idx.size and c < t(2000):
        c = c + t(1)
        yi, zi = y[idx] + t(1), z[idx] + t(2)
        yc = yi * c
        p1, q1, p2, q2 = pkm1[idx], qkm1[idx], pkm2[idx], qkm2[idx]
        dp1, dq1, dp2, dq2 = dpkm1[idx], dqkm1[idx], dpkm2[idx], dqkm2[idx]
        pk = o.fma(p1, zi, -(p2 * yc))
        qk = o.fma(q1, zi, -(q2 * yc))
        nonzero = qk != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            rk = pk / qk
        ans_i = np.where(nonzero, rk, ans[idx])
        if o.fused_dpk:
            dpk = o.fma(p2, c, o.fma(-dp2, yc, o.fma(dp1, zi, -p1)))
        else:  # dp2 * yc and p2 * c feed two sums in one LLVM function: not contracted
            dpk = (o.fma(dp1, zi, -p1) - dp2 * yc) + p2 * c
        dqk = o.fma(q2, c, o.fma(-dq2, yc, o.fma(dq1, zi, -q1)))
        with np.errstate(divide="ignore", invalid="ignore"):
            new = o.fma(-ans_i, dqk, dpk) / qk
        old = dans_da[idx]
        dans_new = np.where(nonzero, new, old)
        grad_cond = np.where(nonzero, np.abs(dans_new - old), t(1))
        rescale = np.abs(pk) > big
        s = np.where(rescale, eps, t(1))
        pkm2[idx], pkm1[idx], qkm2[idx], qkm1[idx] = p1 * s, pk * s, q1 * s, qk * s
        dpkm2[idx], dqkm2[idx], dpkm1[idx], dqkm1[idx] = dp1 * s, dq1 * s, dpk * s, dqk * s
        y[idx], z[idx], ans[idx], dans_da[idx] = yi, zi, ans_i, dans_new
        idx = idx[grad_cond > eps]
    dlogax_da = o.log(x) - digamma(a, o)
    return -(-o.fma(ans, dlogax_da, dans_da) * x)


def random_gamma_grad(a, x, per_element=True):
    """JAX's ``random_gamma_grad(a, x)`` under jit, bit for bit (float32 or float64 a and x).

    ``per_element``: as jax.random's gamma gradient calls it on CPU, one element at a time
    (``lax.map``), where XLA:CPU compiles the float32 continued-fraction loop into one function
    and contracts fewer multiply-adds; else as one jitted call on whole arrays."""
    a, x = np.broadcast_arrays(np.asarray(a), np.asarray(x))
    shape, dtype = a.shape, a.dtype
    if dtype not in (_F32, _F64):  # float16/bfloat16: in float32, rounded (not bit-checked)
        return random_gamma_grad(a.astype(_F32), x.astype(_F32), per_element).astype(dtype)
    o = _Ops(dtype, per_element)
    t = o.t
    # XLA:CPU reads denormal inputs as zero.
    a = ftz(a.reshape(-1).astype(dtype))
    x = ftz(x.reshape(-1).astype(dtype))
    with np.errstate(all="ignore"):
        is_nan = np.isnan(a) | np.isnan(x)
        x_is_zero = x == 0
        domain_error = (x < 0) | (a <= 0)
        use_cf = (x > t(1)) & (x > a)
        ax = o.fma(a, o.log(x), -x) - lgamma(a, o)
        underflow = ax < -t(math.log(np.finfo(dtype).max))
        enabled = ~(x_is_zero | domain_error | underflow | is_nan)
        out = np.where(use_cf, _continued_fraction(x, a, enabled & use_cf, o),
                       _series(x, a, enabled & ~use_cf, o))
        out = np.where(x_is_zero, t(0), out)
        out = np.where(domain_error | is_nan, t(np.nan), out)
    return out.reshape(shape)

"""``jax.random``'s continuous distributions (besides uniform, normal and truncated_normal,
in random.py), each following JAX 0.10.2's algorithm op for op so that samples match bit for bit.
"""
import math
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.config import config
from pyjax._src.primitives import random_bits as rb
from pyjax._src.primitives.elementwise import stop_gradient as _stop_gradient
from pyjax._src.random import (
    _broadcast_shapes, _broadcast_to, _canonicalize_shape, _check_broadcast_shapes,
    _check_out_sharding, _check_prng_key, _check_shape, _const, _convert, _log, _log1p,
    _partitionable, _random_bits, _sampler_dtype, _shape_of, _split, _uniform, _unstack,
    _user_dtype, normal, rademacher, split, uniform)


def exponential(key, shape=(), dtype=None, *, out_sharding=None):
    """Exponential samples: ``-log1p(-u)``."""
    key, _ = _check_prng_key("exponential", key)
    _check_out_sharding(out_sharding, "exponential")
    dtype = _sampler_dtype("exponential", dtype)
    shape = _canonicalize_shape(shape)
    u = uniform(key, shape, dtype)
    return lax.neg(_log1p(lax.neg(u)))


def gumbel(key, shape=(), dtype=None, mode=None, *, out_sharding=None):
    """Gumbel samples, ``-log(-log(u))``.

    Args:
      key: a PRNG key.
      shape: the result shape.
      dtype: a float dtype (default float32, float64 with x64).
      mode: how many random bits go into each sample: ``'low'`` (one uniform draw; the largest
        float32 sample is about 16), ``'high'`` (two draws; about 32) or ``'highest'``
        (float32: a 64-bit fixed-point uniform; other dtypes as ``'high'``). The default is
        ``'high'`` if the ``jax_high_dynamic_range_gumbel`` flag is set, else ``'low'``.
      out_sharding: must be None (pyjax has one device).
    """
    key, _ = _check_prng_key("gumbel", key)
    dtype = np.dtype(_sampler_dtype("gumbel", dtype))
    shape = _canonicalize_shape(shape)
    if mode is None:
        mode = "high" if config.jax_high_dynamic_range_gumbel else "low"
    if mode not in ("highest", "high", "low"):
        raise ValueError("Must provide valid mode for gumbel got: %s" % mode)
    _check_out_sharding(out_sharding, "gumbel")
    if mode == "highest" and dtype == np.float32:
        return _gumbel_highest(key, tuple(shape))
    info = dtypes.finfo(dtype)
    if mode != "low":
        high, low = _unstack(_uniform(key, 0., 1., (2,) + tuple(shape), dtype))
        # high + 2**-nmant * low (an exact scaling, so the FMA is one rounding) + tiny
        x = rb.fma_p.bind(_const(2.0 ** -info.nmant, dtype) if not shape else
                          _broadcast_to(_const(2.0 ** -info.nmant, dtype), shape), low, high)
        x = lax.add(x, _const(info.tiny, dtype))
        x = lax.select(lax.ge(high, _const(0.5, dtype)), high, x)
        return lax.neg(_log(lax.neg(_log1p(lax.neg(x)))))
    u = _uniform(key, info.tiny, 1., tuple(shape), dtype)
    return lax.neg(_log(lax.neg(_log(u))))


def _u32(value):
    return _const(value, np.uint32)


def _gumbel_highest(key, shape):
    """float32 Gumbel samples from a 64-bit fixed-point uniform u: ``-log(-log1p(-u))`` for
    u < 1/2 and ``-log(-log(1 - u))`` above, so that neither tail loses precision."""
    hi, lo = _unstack(_random_bits(key, 32, (2,) + shape))
    # 1 - u in 64-bit fixed point: the two's complement of (hi, lo).
    neg_lo = lax.bitwise_not(lo)
    carry = _convert(lax.eq(neg_lo, _u32(0xFFFFFFFF)), np.uint32)
    neg_hi = lax.add(lax.bitwise_not(hi), carry)
    neg_lo = lax.add(neg_lo, _u32(1))
    low_half = lax.lt(hi, _u32(1 << 31))
    x = _fixed_point_to_float32(lax.select(low_half, hi, neg_hi),
                                lax.select(low_half, lo, neg_lo))
    return lax.select(low_half, lax.neg(_log(lax.neg(_log1p(lax.neg(x))))),
                      lax.neg(_log(lax.neg(_log(x)))))


def _fixed_point_to_float32(hi, lo):
    """The float32 nearest below the 64-bit fraction ``(hi, lo) / 2**64`` (in (0, 1)): the 24
    bits after the leading one make the mantissa, its position the exponent."""
    hiclz, loclz = lax.clz(hi), lax.clz(lo)
    hi_zero = lax.eq(hiclz, _u32(32))
    # Shifts by 32 or more give 0, as on XLA.
    mantissa = lax.bitwise_or(
        lax.shift_left(hi, hiclz),
        lax.select(hi_zero, lax.shift_left(lo, loclz),
                   lax.shift_right_logical(lo, lax.sub(_u32(32), hiclz))))
    mantissa = lax.bitwise_and(lax.shift_right_logical(mantissa, _u32(32 - 23 - 1)),
                               _u32((1 << 23) - 1))
    leading_zeros = lax.select(hi_zero, lax.add(_u32(32), loclz), hiclz)
    exponent = lax.shift_left(lax.sub(_u32(126), leading_zeros), _u32(23))
    exponent = lax.bitwise_and(exponent, _u32((1 << 30) - (1 << 22)))
    return lax.bitcast_convert_type(lax.bitwise_or(exponent, mantissa), np.float32)


def laplace(key, shape=(), dtype=None, *, out_sharding=None):
    """Laplace samples: ``sign(u) * log1p(-|u|)`` with u uniform in (-1, 1)."""
    key, _ = _check_prng_key("laplace", key)
    _check_out_sharding(out_sharding, "laplace")
    dtype = _sampler_dtype("laplace", dtype)
    shape = _canonicalize_shape(shape)
    u = uniform(key, shape, dtype, minval=-1. + float(dtypes.finfo(dtype).epsneg), maxval=1.)
    return lax.mul(lax.sign(u), _log1p(lax.neg(lax.abs(u))))


def logistic(key, shape=(), dtype=None, *, out_sharding=None):
    """Logistic samples: ``log(u) - log1p(-u)``."""
    key, _ = _check_prng_key("logistic", key)
    _check_out_sharding(out_sharding, "logistic")
    dtype = _sampler_dtype("logistic", dtype)
    shape = _canonicalize_shape(shape)
    x = uniform(key, shape, dtype, minval=float(dtypes.finfo(dtype).tiny), maxval=1.)
    return lax.sub(_log(x), _log1p(lax.neg(x)))


def cauchy(key, shape=(), dtype=None, *, out_sharding=None):
    """Cauchy samples: ``tan(pi * (u - 0.5))``."""
    key, _ = _check_prng_key("cauchy", key)
    _check_out_sharding(out_sharding, "cauchy")
    dtype = _sampler_dtype("cauchy", dtype)
    shape = _canonicalize_shape(shape)
    u = uniform(key, shape, dtype, minval=float(dtypes.finfo(dtype).eps), maxval=1.)
    return rb.xla_tan_p.bind(lax.mul(_const(np.pi, dtype), lax.sub(u, _const(0.5, dtype))))


def pareto(key, b, shape=None, dtype=None, *, out_sharding=None):
    """Pareto samples: ``exp(exponential / b)``."""
    key, _ = _check_prng_key("pareto", key)
    _check_out_sharding(out_sharding, "pareto")
    dtype = _sampler_dtype("pareto", dtype)
    shape = _check_broadcast_shapes("pareto", shape, b)
    b = _convert(b, dtype)
    e = exponential(key, shape, dtype)
    return rb.xla_exp_p.bind(_div_maybe_scalar(e, b))


def weibull_min(key, scale, concentration, shape=(), dtype=None):
    """Weibull samples: ``(-log1p(-u)) ** (1 / concentration) * scale``."""
    key, _ = _check_prng_key("weibull_min", key)
    dtype = _sampler_dtype("weibull_min", dtype)
    shape = _canonicalize_shape(shape)
    u = uniform(key, shape, dtype, 0, 1)
    from pyjax import numpy as jnp
    return _pow(lax.neg(_log1p(lax.neg(u))), 1.0 / jnp.asarray(concentration)) * scale


def rayleigh(key, scale, shape=None, dtype=None, *, out_sharding=None):
    """Rayleigh samples: ``scale * sqrt(-2 log u)``."""
    key, _ = _check_prng_key("rayleigh", key)
    _check_out_sharding(out_sharding, "rayleigh")
    dtype = _sampler_dtype("rayleigh", dtype)
    shape = _check_broadcast_shapes("rayleigh", shape, scale)
    u = uniform(key, shape, dtype)
    scale = _broadcast_to(_convert(scale, dtype), shape)
    sqrt_u = lax.sqrt(lax.mul(_log(u), _const(-2, dtype)))
    return lax.mul(scale, sqrt_u)


def triangular(key, left, mode, right, shape=None, dtype=None, *, out_sharding=None):
    """Triangular samples on [left, right] with peak at mode (inverse CDF)."""
    key, _ = _check_prng_key("triangular", key)
    _check_out_sharding(out_sharding, "triangular")
    dtype = _sampler_dtype("triangular", dtype)
    shape = _check_broadcast_shapes("triangular", shape, left, mode, right)
    left = _broadcast_to(_convert(left, dtype), shape)
    right = _broadcast_to(_convert(right, dtype), shape)
    mode = _broadcast_to(_convert(mode, dtype), shape)
    fc = lax.div(lax.sub(mode, left), lax.sub(right, left))
    u = uniform(key, shape, dtype)
    out1 = lax.add(left, lax.sqrt(lax.mul(lax.mul(u, lax.sub(right, left)),
                                          lax.sub(mode, left))))
    out2 = lax.sub(right, lax.sqrt(lax.mul(lax.mul(lax.sub(_const(1, dtype), u),
                                                   lax.sub(right, left)),
                                           lax.sub(right, mode))))
    return lax.select(lax.lt(u, fc), out1, out2)


def lognormal(key, sigma=np.float32(1), shape=None, dtype=None, *, out_sharding=None):
    """Log-normal samples: ``exp(sigma * normal)``."""
    key, _ = _check_prng_key("lognormal", key)
    _check_out_sharding(out_sharding, "lognormal")
    dtype = _user_dtype(float if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.inexact):
        raise ValueError("dtype argument to `lognormal` must be a float or complex dtype, "
                         f"got {dtype}")
    shape = _check_broadcast_shapes("lognormal", shape, sigma)
    sigma = _convert(sigma, dtype)
    scaled = lax.mul(normal(key, shape, dtype), _broadcast_to(sigma, shape))
    return rb.xla_exp_p.bind(scaled)


def wald(key, mean, shape=None, dtype=None, *, out_sharding=None):
    """Wald (inverse Gaussian) samples."""
    key, _ = _check_prng_key("wald", key)
    _check_out_sharding(out_sharding, "wald")
    dtype = _sampler_dtype("wald", dtype)
    shape = _check_broadcast_shapes("wald", shape, mean)
    k1, k2 = _unstack(_split(key, 2))
    mean = _broadcast_to(_convert(mean, dtype), shape)
    v = normal(k1, shape, dtype)
    z = uniform(k2, shape, dtype)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mean_sq = lax.integer_pow(mean, 2)
    c = lambda x: _const(x, dtype)  # noqa: E731
    sqrt_term = lax.sqrt(rb.fma_p.bind(lax.mul(c(4), mean), y, lax.mul(mean_sq, y_sq)))
    # mean + mean_sq*y/2 - mean/2*sqrt_term, the last product fused into the subtraction
    x = rb.fma_p.bind(lax.neg(lax.mul(mean, c(0.5))), sqrt_term,
                      lax.add(mean, lax.mul(lax.mul(mean_sq, y), c(0.5))))
    return lax.select(lax.le(z, lax.div(mean, lax.add(mean, x))), x, lax.div(mean_sq, x))


# ----------------------------------------------------------------------------------------------
# Gamma family (Marsaglia-Tsang in the random_gamma primitive)


def _gamma(key, a, shape, dtype, log_space=False):
    if shape is None:
        shape = _shape_of(a)
    else:
        _check_shape("gamma", shape, _shape_of(a))
    a = _convert(a, dtype)
    if core.get_aval(a).shape != tuple(shape):
        a = _broadcast_to(a, shape)
    return rb.random_gamma_p.bind(key, a, log_space=log_space, partitionable=_partitionable(),
                                  const_alpha=rb.constant_in_xla(a))


def gamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    """Gamma(a) samples, differentiable in ``a`` (implicit reparameterisation)."""
    key, _ = _check_prng_key("gamma", key)
    _check_out_sharding(out_sharding, "gamma")
    dtype = _sampler_dtype("gamma", dtype)
    if shape is not None:
        shape = _canonicalize_shape(shape)
    return _gamma(key, a, shape, np.dtype(dtype))


def loggamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    """log of Gamma(a) samples, computed in log space (accurate for small ``a``)."""
    key, _ = _check_prng_key("loggamma", key)
    _check_out_sharding(out_sharding, "loggamma")
    dtype = _user_dtype(float if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype argument to `gamma` must be a float dtype, got {dtype}")
    if shape is not None:
        shape = _canonicalize_shape(shape)
    return _gamma(key, a, shape, np.dtype(dtype), log_space=True)


def beta(key, a, b, shape=None, dtype=None, *, out_sharding=None):
    """Beta(a, b) samples from two log-gamma samples."""
    key, _ = _check_prng_key("beta", key)
    _check_out_sharding(out_sharding, "beta")
    dtype = np.dtype(_sampler_dtype("beta", dtype))
    shape = _check_broadcast_shapes("beta", shape, a, b)
    a = _convert(a, dtype)
    b = _convert(b, dtype)
    key_a, key_b = _unstack(_split(key))
    a = _broadcast_to(a, shape)
    b = _broadcast_to(b, shape)
    log_gamma_a = loggamma(key_a, a, shape, dtype)
    log_gamma_b = loggamma(key_b, b, shape, dtype)
    log_max = lax.max(log_gamma_a, log_gamma_b)
    gamma_a_scaled = rb.xla_exp_p.bind(lax.sub(log_gamma_a, log_max))
    gamma_b_scaled = rb.xla_exp_p.bind(lax.sub(log_gamma_b, log_max))
    return lax.div(gamma_a_scaled, lax.add(gamma_a_scaled, gamma_b_scaled))


def _softmax_last(x):
    shape = core.get_aval(x).shape
    nd = len(shape)
    m = _stop_gradient(lax.reduce_max(x, (nd - 1,)))
    unnormalized = rb.xla_exp_p.bind(lax.sub(x, lax.broadcast_in_dim(m, shape,
                                                                   tuple(range(nd - 1)))))
    total = lax.reduce_sum(unnormalized, (nd - 1,))
    # Division by a broadcast value is a multiplication by its reciprocal on XLA:CPU.
    inv = lax.div(_const(1, core.get_aval(x).dtype), total)
    return lax.mul(unnormalized, lax.broadcast_in_dim(inv, shape, tuple(range(nd - 1))))


def dirichlet(key, alpha, shape=None, dtype=None, *, out_sharding=None):
    """Dirichlet(alpha) samples: softmax of log-gamma samples."""
    key, _ = _check_prng_key("dirichlet", key)
    _check_out_sharding(out_sharding, "dirichlet")
    dtype = np.dtype(_sampler_dtype("dirichlet", dtype))
    if shape is not None:
        shape = _canonicalize_shape(shape)
    if not np.ndim(alpha) >= 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{np.ndim(alpha)}")
    ashape = _shape_of(alpha)
    if shape is None:
        shape = ashape[:-1]
    else:
        _check_shape("dirichlet", shape, ashape[:-1])
    alpha = _convert(alpha, dtype)
    log_gamma_samples = loggamma(key, alpha, tuple(shape) + ashape[-1:], dtype)
    return _softmax_last(log_gamma_samples)


def t(key, df, shape=None, dtype=None, *, out_sharding=None):
    """Student's t samples: ``normal * sqrt((df/2) / gamma(df/2))``."""
    key, _ = _check_prng_key("t", key)
    _check_out_sharding(out_sharding, "t")
    dtype = np.dtype(_sampler_dtype("t", dtype))
    shape = _check_broadcast_shapes("t", shape, df)
    df = _convert(df, dtype)
    key_n, key_g = _unstack(_split(key))
    n = normal(key_n, shape, dtype)
    half_df = lax.mul(df, _const(0.5, dtype))
    g = gamma(key_g, half_df, shape, dtype)
    return lax.mul(n, lax.sqrt(lax.div(_broadcast_to(half_df, shape), g)))


def chisquare(key, df, shape=None, dtype=None, *, out_sharding=None):
    """Chi-square samples: ``2 * exp(loggamma(df / 2))``."""
    key, _ = _check_prng_key("chisquare", key)
    _check_out_sharding(out_sharding, "chisquare")
    dtype = np.dtype(_sampler_dtype("chisquare", dtype))
    shape = _check_broadcast_shapes("chisquare", shape, df)
    df = _convert(df, dtype)
    half_df = lax.mul(df, _const(0.5, dtype))
    log_g = loggamma(key, half_df, shape, dtype)
    return lax.mul(rb.xla_exp_p.bind(log_g), _const(2, dtype))


def f(key, dfnum, dfden, shape=None, dtype=None, *, out_sharding=None):
    """F-distribution samples: ratio of scaled chi-square samples."""
    key, _ = _check_prng_key("f", key)
    _check_out_sharding(out_sharding, "f")
    dtype = np.dtype(_sampler_dtype("f", dtype))
    shape = _check_broadcast_shapes("f", shape, dfnum, dfden)
    dfden = _convert(dfden, dtype)
    dfnum = _convert(dfnum, dtype)
    key_dfd, key_dfn = _unstack(_split(key))
    # (2 exp(g_num) / dfnum) / (2 exp(g_den) / dfden), as XLA rewrites it:
    # (exp(g_num) * (dfden * 2)) / (exp(g_den) * (dfnum * 2)).
    two, half = _const(2, dtype), _const(0.5, dtype)
    e_num = rb.xla_exp_p.bind(loggamma(key_dfn, lax.mul(dfnum, half), shape, dtype))
    e_den = rb.xla_exp_p.bind(loggamma(key_dfd, lax.mul(dfden, half), shape, dtype))
    return lax.div(lax.mul(e_num, _broadcast_to(lax.mul(dfden, two), shape)),
                   lax.mul(e_den, _broadcast_to(lax.mul(dfnum, two), shape)))


def _div_maybe_scalar(x, y):
    """x / y as XLA:CPU computes it: by a broadcast scalar, a multiply by the reciprocal."""
    shape = core.get_aval(x).shape
    if core.get_aval(y).shape == () and shape != ():
        return lax.mul(x, lax.div(_const(1, core.get_aval(y).dtype), y))
    return lax.div(x, _broadcast_to(y, shape))


def _pow(x, y):
    """x ** y with XLA:CPU's pow (y converted to x's dtype)."""
    return rb.xla_pow_p.bind(x, _convert(y, core.get_aval(x).dtype))


def _recip_param(p, dtype):
    """1 / p as JAX computes it from a Python scalar operand of a jitted sampler: in the default
    float precision, then converted to ``dtype``."""
    acc = np.float64 if config.jax_enable_x64 else np.float32
    return _const(acc(1) / acc(p), dtype)


def generalized_normal(key, p, shape=(), dtype=None, *, out_sharding=None):
    """Generalized normal samples with density proportional to ``exp(-|x|**p)``."""
    shape = _canonicalize_shape(shape)
    key, _ = _check_prng_key("generalized_normal", key)
    _check_out_sharding(out_sharding, "generalized_normal")
    dtype = np.dtype(_user_dtype(float if dtype is None else dtype))
    k0, k1 = _unstack(split(key))
    g = gamma(k0, 1 / p, shape, dtype)
    r = rademacher(k1, shape, dtype)
    return lax.mul(r, rb.xla_pow_p.bind(g, _recip_param(p, dtype)))


def ball(key, d, p=2, shape=(), dtype=None, *, out_sharding=None):
    """Uniform samples from the unit Lp ball in d dimensions."""
    shape = _canonicalize_shape(shape)
    key, _ = _check_prng_key("ball", key)
    _check_out_sharding(out_sharding, "ball")
    dtype = np.dtype(_user_dtype(float if dtype is None else dtype))
    d = core.concrete_or_error(operator.index, d, "The error occurred in jax.random.ball()")
    k1, k2 = _unstack(split(key))
    g = generalized_normal(k1, p, (*shape, d), dtype)
    e = exponential(k2, shape, dtype)
    nd = len(shape) + 1
    # p is an operand of JAX's jitted _ball: pow(|g|, p), and XLA rewrites g / y**(1/p) as
    # g * y**-(1/p).
    s = lax.reduce_sum(rb.xla_pow_p.bind(lax.abs(g), _convert(p, dtype)), (nd - 1,))
    scale = rb.xla_pow_p.bind(lax.add(s, e), lax.neg(_recip_param(p, dtype)))
    return lax.mul(g, lax.broadcast_in_dim(scale, (*shape, d), tuple(range(nd - 1))))


def maxwell(key, shape=(), dtype=None, *, out_sharding=None):
    """Maxwell samples: the norm of a 3-d standard normal vector."""
    key, _ = _check_prng_key("maxwell", key)
    _check_out_sharding(out_sharding, "maxwell")
    dtype = np.dtype(_sampler_dtype("maxwell", dtype))
    shape = _canonicalize_shape(shape)
    x = normal(key, shape + (3,), dtype)
    # XLA:CPU fuses the squares into the 3-term sum with FMAs (the order differs by dtype).
    a, b, c = (lax.index_in_dim(x, i, len(shape), keepdims=False) for i in range(3))
    if dtype == np.float64:
        a, b = b, a
    return lax.sqrt(rb.fma_p.bind(c, c, rb.fma_p.bind(a, a, lax.mul(b, b))))


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
    """Double-sided Maxwell samples: a Maxwell sample with a random sign, scaled and shifted."""
    key, _ = _check_prng_key("double_sided_maxwell", key)
    dtype = np.dtype(_sampler_dtype("double_sided_maxwell", dtype))
    shape = _canonicalize_shape(shape)
    params_shapes = _broadcast_shapes(_shape_of(loc), _shape_of(scale))
    if not shape:
        shape = params_shapes
    shape = tuple(shape) + tuple(params_shapes)
    maxwell_key, rademacher_key = _unstack(_split(key))
    maxwell_rvs = maxwell(maxwell_key, shape=shape, dtype=dtype)
    random_sign = rademacher(rademacher_key, shape=shape, dtype=dtype)
    scaled = lax.mul(lax.mul(random_sign, maxwell_rvs), _broadcast_to(_convert(scale, dtype),
                                                                       shape))
    return lax.add(scaled, _broadcast_to(_convert(loc, dtype), shape))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky",
                        *, out_sharding=None):
    """Multivariate normal samples ``mean + factor @ z`` (factor from cholesky/eigh/svd)."""
    key, _ = _check_prng_key("multivariate_normal", key)
    _check_out_sharding(out_sharding, "multivariate_normal")
    from pyjax._src.numpy import util as jnp_util
    mean, cov = jnp_util.promote_dtypes_inexact(mean, cov)
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    if dtype is None:
        dtype = core.get_aval(mean).dtype
    else:
        dtype = _user_dtype(dtype)
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError("dtype argument to `multivariate_normal` must be a float dtype, "
                         f"got {dtype}")
    if shape is not None:
        shape = _canonicalize_shape(shape)
    mshape, cshape = core.get_aval(mean).shape, core.get_aval(cov).shape
    if not len(mshape) >= 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{len(mshape)}")
    if not len(cshape) >= 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{len(cshape)}")
    n = mshape[-1]
    if cshape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cshape}.")
    if shape is None:
        shape = _broadcast_shapes(mshape[:-1], cshape[:-2])
    else:
        _check_shape("normal", shape, mshape[:-1], cshape[:-2])
    factor = rb.cov_factor_p.bind(cov, method=method)
    z = normal(key, tuple(shape) + mshape[-1:], dtype)
    # mean + einsum('...ij,...j->...i', factor, z)
    out_shape = _broadcast_shapes(tuple(shape) + (n,), cshape[:-1])
    prod_shape = out_shape + (n,)
    f_b = _broadcast_to(factor, prod_shape)
    z_b = _broadcast_to(lax.expand_dims(z, (len(shape),)), prod_shape)
    rows = math.prod(out_shape[:-1])
    if n <= 4 and (np.dtype(dtype) == np.float64 or rows < 8):
        # XLA:CPU's product here: one product, then FMAs in order (float32 with 8 rows or more
        # is vectorised across rows without fusing).
        col = lambda v, i: lax.index_in_dim(v, i, len(prod_shape) - 1, keepdims=False)  # noqa
        fz = lax.mul(col(f_b, 0), col(z_b, 0))
        for i in range(1, n):
            fz = rb.fma_p.bind(col(f_b, i), col(z_b, i), fz)
    else:
        fz = lax.reduce_sum(lax.mul(f_b, z_b), (len(prod_shape) - 1,))
    return lax.add(_broadcast_to(mean, out_shape), fz)


def orthogonal(key, n, shape=(), dtype=None, m=None, *, out_sharding=None):
    """Uniform samples from the orthogonal group O(n) (the unitary group for complex dtypes).

    With ``m`` columns (default ``n``) the result is semi-orthogonal: orthonormal rows if
    ``n <= m``, orthonormal columns if ``m <= n``. It is the Q of a QR decomposition of a
    normal matrix, its columns multiplied by the signs of R's diagonal (Mezzadri, 2007).

    Args:
      key: a PRNG key.
      n: the number of rows.
      shape: batch dimensions of the result.
      dtype: a float or complex dtype (default float32, float64 with x64).
      m: the number of columns (default ``n``).
      out_sharding: must be None (pyjax has one device).

    Returns:
      An array of shape ``(*shape, n, m)``.

    Example:
      >>> q = orthogonal(key(0), 3)
      >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-6))
      True
    """
    _m = n if m is None else m
    shape = _canonicalize_shape(shape)
    key, _ = _check_prng_key("orthogonal", key)
    dtype = _user_dtype(float if dtype is None else dtype)
    where = "The error occurred in jax.random.orthogonal()"
    n = core.concrete_or_error(operator.index, n, where)
    _m = core.concrete_or_error(operator.index, _m, where)
    _check_out_sharding(out_sharding, "orthogonal")
    from pyjax._src.primitives import linalg as lax_linalg
    from pyjax._src.numpy import matrices as jnp_matrices
    z = normal(key, (*shape, max(n, _m), min(n, _m)), dtype)
    q, r = lax_linalg.qr(z, full_matrices=False)
    signs = lax.sign(jnp_matrices.diagonal(r, axis1=-2, axis2=-1))
    x = lax.mul(q, _broadcast_to(lax.expand_dims(signs, (len(shape),)), core.get_aval(q).shape))
    if n < _m:
        nd = len(shape) + 2
        x = lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))
    return x

"""jax.random's rejection samplers as primitives (pyjax has no while_loop in the samplers
yet, so JAX's loops run inside one primitive each): ``random_gamma`` (Marsaglia-Tsang, with
``random_gamma_grad`` for its implicit gradient), ``random_poisson`` (Knuth, transformed
rejection), ``random_binomial`` (inversion, BTRS), and ``cov_factor`` (LAPACK potrf / syevd /
gesdd) for multivariate_normal. Their NumPy kernels consume the same Threefry streams as JAX's
loops and compute with XLA:CPU's float kernels, so samples match JAX bit for bit.
random_bits.py re-exports everything here.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging
from pyjax._src.primitives import common as _common
from pyjax._src.primitives import elementwise as _ew
from pyjax._src.primitives import igamma_grad as _igamma_grad
from pyjax._src.primitives.libm_float import log64, logf32, pow32, pow64
from pyjax._src.primitives.random_bits import (
    _F32, _F64, _U32, _check_key_aval, _never_weak, _one_key, _scale, _uniform_floats,
    data_from_keys, random_bits_np, random_split_np)
from pyjax._src.primitives.xla_float import (
    erf_inv32, erf_inv64, fma32, fma64, log1p32, log1p64, log32, rsqrt32, rsqrt64)
from pyjax._src.primitives.xla_math import xla_exp_p


# ----------------------------------------------------------------------------------------------
# Per-key scalar samples (many keys at once), for the rejection samplers below.

def _uniform_keys(data, dtype, partitionable):
    """uniform(key, (), dtype) for every key of data: uint32[n, 2] -> dtype[n]."""
    b = random_bits_np(data, dtype.itemsize * 8, (), partitionable)
    return _uniform_floats(np.ascontiguousarray(b), dtype)


def _normal_keys(data, dtype, partitionable):
    u = _scale(_uniform_keys(data, dtype, partitionable),
               np.nextafter(dtype.type(-1), dtype.type(0)), dtype.type(1))
    return (erf_inv32(u) if dtype == _F32 else erf_inv64(u)) * dtype.type(np.sqrt(2))


def _log(x):
    return log32(x) if x.dtype == _F32 else log64(x)


def _log1p(x):
    return log1p32(x) if x.dtype == _F32 else log1p64(x)


def _fma(a, b, c):
    return np.asarray(fma32(a, b, c) if np.asarray(a).dtype == _F32 else fma64(a, b, c))


def _rsqrt(x):
    return rsqrt32(x) if x.dtype == _F32 else rsqrt64(x)


def _pow(x, y):
    return pow32(x, y) if x.dtype == _F32 else pow64(x, y)


def gamma_np(data, alpha, log_space, partitionable, folded=False):
    """Marsaglia-Tsang gamma samples (JAX's ``_gamma_one``) for keys data: uint32[n, 2] and
    alphas: float[n], all elements at once; each element consumes its own key stream.

    ``folded``: alpha is a constant of the XLA program (jit with a constant alpha), so XLA folds
    c = 1/3 / sqrt(d) with IEEE arithmetic and log(d) with the host's C library at compile time.
    """
    dtype = alpha.dtype
    t = dtype.type
    n = alpha.shape[0]
    boost_mask = alpha >= t(1)
    alpha_b = np.where(boost_mask, alpha, alpha + t(1))
    d = alpha_b - t(1 / 3)
    # XLA rewrites 1/3 / sqrt(d) as 1/3 * rsqrt(d) (a hardware estimate and Newton steps)
    # unless it folds the constant.
    c = t(1 / 3) / np.sqrt(d) if folded else t(1 / 3) * _rsqrt(d)
    ks = random_split_np(data, (2,), partitionable)
    key, subkey = ks[:, 0].copy(), ks[:, 1]
    X = np.zeros(n, dtype)
    V = np.ones(n, dtype)
    U = np.full(n, 2, dtype)
    active = np.ones(n, bool)
    while active.any():
        idx = np.nonzero(active)[0]
        k3 = random_split_np(key[idx], (3,), partitionable)
        key[idx] = k3[:, 0]
        x_key = k3[:, 1].copy()
        u_key = k3[:, 2]
        m = idx.size
        x = np.zeros(m, dtype)
        v = np.full(m, -1, dtype)
        inner = np.ones(m, bool)
        ci = c[idx]
        while inner.any():
            j = np.nonzero(inner)[0]
            k2 = random_split_np(x_key[j], (2,), partitionable)
            x_key[j] = k2[:, 0]
            x[j] = _normal_keys(k2[:, 1], dtype, partitionable)
            v[j] = _fma(x[j], ci[j], t(1))  # 1 + x*c, contracted
            inner[j] = v[j] <= 0
        Xi = x * x
        Vi = v * v * v
        Ui = _uniform_keys(u_key, dtype, partitionable)
        X[idx], V[idx], U[idx] = Xi, Vi, Ui
        di = d[idx]
        cond = (Ui >= _fma(t(-0.0331), Xi * Xi, t(1))) & (
            _log(Ui) >= Xi * t(0.5) + di * ((t(1) - Vi) + _log(Vi)))
        active[idx] = cond
    if log_space:
        u = _uniform_keys(subkey, dtype, partitionable)
        log_samples = _log1p(-u)  # -exponential(subkey)
        log_boost = np.where(boost_mask | (log_samples == 0), t(0),
                             log_samples * (t(1) / alpha))
        log_d = (logf32(d) if dtype == _F32 else log64(d)) if folded else _log(d)
        return (log_d + _log(V)) + log_boost
    samples = t(1) - _uniform_keys(subkey, dtype, partitionable)
    boost = np.where(boost_mask, t(1), _pow(samples, t(1) / alpha))
    return (d * V) * boost


def gamma_grad_np(a, x):
    """d sample / d alpha of a Gamma(alpha) sample (implicit reparameterisation), bit for bit as
    JAX's ``random_gamma_grad`` under jit (pyjax/_src/primitives/igamma_grad.py)."""
    return _igamma_grad.random_gamma_grad(a, x)


def poisson_np(data, lam, dtype, partitionable):
    """JAX's ``_poisson`` for one key: Knuth's method for lam < 10, transformed rejection
    (Hormann) otherwise; lam: float32 array of the output shape."""
    shape = lam.shape
    n = lam.size
    lamf = lam.reshape(-1)
    use_knuth = np.isnan(lamf) | (lamf < 10)
    out = np.zeros(n, np.int64)
    k0, k1 = _one_key(data)

    def uniform_all(kd):
        b = random_bits_np(kd, 32, (n,), partitionable)
        return _uniform_floats(np.ascontiguousarray(b), _F32)

    if use_knuth.any():
        lk = np.where(use_knuth, lamf, np.float32(0))
        k = np.zeros(n, np.int64)
        log_prod = np.zeros(n, _F32)
        rng = np.array([k0, k1], _U32)
        while (log_prod > -lk).any():
            s = random_split_np(rng, (2,), partitionable)
            rng, sub = s[0], s[1]
            k = np.where(log_prod > -lk, k + 1, k)
            log_prod = log_prod + log32(uniform_all(sub))
        out = np.where(use_knuth, k - 1, out)
    if (~use_knuth).any():
        lr = np.where(use_knuth, np.float32(1e5), lamf).astype(_F32)
        log_lam = log32(lr)
        b = fma32(np.float32(2.53), np.sqrt(lr), np.float32(0.931))
        a = fma32(np.float32(0.02483), b, np.float32(-0.059))
        inv_alpha = np.float32(1.1239) + np.float32(1.1328) / (b - np.float32(3.4))
        v_r = np.float32(0.9277) - np.float32(3.6224) / (b - np.float32(2))
        k_out = np.full(n, -1, _F32)
        accepted = np.zeros(n, bool)
        rng = np.array([k0, k1], _U32)
        import scipy.special as sp
        while (~accepted).any():
            s = random_split_np(rng, (3,), partitionable)
            rng = s[0]
            u = uniform_all(s[1]) - np.float32(0.5)
            v = uniform_all(s[2])
            us = np.float32(0.5) - np.abs(u)
            k = np.floor(fma32(np.float32(2) * a / us + b, u, lr) + np.float32(0.43))
            sv = log32(v * inv_alpha / (a / (us * us) + b))
            tv = fma32(k, log_lam, -lr) - sp.gammaln(k + np.float32(1)).astype(_F32)
            accept1 = (us >= np.float32(0.07)) & (v <= v_r)
            reject = (k < 0) | ((us < np.float32(0.013)) & (v > us))
            accept = accept1 | (~reject & (sv <= tv))
            k_out = np.where(accept, k, k_out)
            accepted |= accept
        out = np.where(use_knuth, out, k_out.astype(np.int64))
    out = np.where(lamf == 0, 0, out)
    return out.astype(dtype).reshape(shape)


# random_gamma (keys, a): one Marsaglia-Tsang sample per element of a; the key is split into
# one key per element (as JAX's random_gamma_p).

def constant_in_xla(x):
    """Whether JAX would compile ``x`` into its XLA program as a constant: a concrete value used
    while a jit is being traced, or a value computed there from such constants only. XLA folds
    what depends only on constants at compile time, with other arithmetic than its run-time
    kernels (IEEE division and the host's C library)."""
    if isinstance(x, batching.BatchTracer):
        return constant_in_xla(x.val)
    if isinstance(x, staging.DynamicJaxprTracer):
        return _staged_constant(x._trace, x.var)
    if isinstance(x, core.Tracer):
        return False
    trace = core.current_trace()
    while trace is not None:
        if isinstance(trace, staging.DynamicJaxprTrace):
            return True
        trace = getattr(trace, "parent", None)
    return False


def _staged_constant(trace, var):
    """Whether ``var`` of a jaxpr being staged depends on literals and concrete consts only."""
    producers = {v: e for e in trace.eqns for v in e.outvars}
    consts = dict(zip(trace.constvars, trace.consts))
    todo, seen = [var], set()
    while todo:
        v = todo.pop()
        if isinstance(v, core.Literal) or v in seen:
            continue
        seen.add(v)
        if v in consts:
            if isinstance(consts[v], core.Tracer):
                return False
            continue
        eqn = producers.get(v)
        if eqn is None:  # an input of the function being traced
            return False
        todo.extend(eqn.invars)
    return True


def _random_gamma_abstract(keys, a, *, log_space, partitionable, const_alpha=False):
    _check_key_aval("random_gamma", keys)
    return ShapedArray(a.shape, a.dtype)


def _random_gamma_impl(keys, a, *, log_space, partitionable, const_alpha=False):
    kd = data_from_keys(keys)
    lead = keys.shape
    per_key = math.prod(a.shape[len(lead):])
    kd = kd.reshape(-1, 2)
    alphas = a.reshape(kd.shape[0], per_key)
    elem_keys = random_split_np(kd, (per_key,), partitionable).reshape(-1, 2)
    out = gamma_np(elem_keys, alphas.reshape(-1), log_space, partitionable, const_alpha)
    return out.reshape(a.shape).astype(a.dtype)


def _random_gamma_batch(vals, dims, **params):
    k, a = vals
    dk, da = dims
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    k = batching.bdim_at_front(k, dk, size)
    a = batching.bdim_at_front(a, da, size)
    return random_gamma_p.bind(k, a, **params), 0


random_gamma_p = Primitive("random_gamma")
random_gamma_p.impl = _random_gamma_impl
random_gamma_p.abstract_eval = _random_gamma_abstract
random_gamma_p.weak_type_rule = _never_weak
random_gamma_p.batch = _random_gamma_batch
random_gamma_p.pp_params = lambda params: [("log_space", params["log_space"])]

random_gamma_grad_p = _common.nary("random_gamma_grad", _common.FLOATING, gamma_grad_np)
random_gamma_grad_p.opt_outs["jvp"] = "JAX does not differentiate random_gamma_grad"
_mul, _div, _exp = _ew.mul_p.bind, _ew.div_p.bind, xla_exp_p.bind


def _const_like(x, value):
    from pyjax._src.array import ArrayImpl
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


def _gamma_grad(sample, a, log_space):
    if log_space:
        samples = _exp(sample)
        aval = core.get_aval(samples)
        tiny = _const_like(samples, dtypes.finfo(aval.dtype).tiny)
        samples = _ew.select_n_p.bind(_ew.eq_p.bind(samples, _const_like(samples, 0)), samples,
                                      _ew._broadcast_to(tiny, aval.shape))
        return _div(random_gamma_grad_p.bind(a, samples), samples)
    return random_gamma_grad_p.bind(a, sample)


def _random_gamma_jvp(primals, tangents, *, log_space, **params):
    k, a = primals
    _, ga = tangents
    out = random_gamma_p.bind(k, a, log_space=log_space, **params)
    if type(ga) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    return out, _mul(ga, _gamma_grad(out, a, log_space))


random_gamma_p.jvp = _random_gamma_jvp


# random_poisson (keys, lam): pyjax has no while_loop primitive yet, so JAX's two loops run
# inside one primitive. lam is float32 of the output shape; keys lead (batched by vmap).

def _random_poisson_abstract(keys, lam, *, dtype, partitionable):
    _check_key_aval("random_poisson", keys)
    return ShapedArray(lam.shape, dtype)


def _random_poisson_impl(keys, lam, *, dtype, partitionable):
    kd = data_from_keys(keys).reshape(-1, 2)
    lead = keys.shape
    lam = np.broadcast_to(lam, lead + lam.shape[len(lead):]) if lead else lam
    lams = lam.reshape((kd.shape[0],) + lam.shape[len(lead):])
    out = np.stack([poisson_np(kd[i], lams[i], dtype, partitionable)
                    for i in range(kd.shape[0])])
    return out.reshape(lam.shape)


random_poisson_p = Primitive("random_poisson")
random_poisson_p.impl = _random_poisson_impl
random_poisson_p.abstract_eval = _random_poisson_abstract
random_poisson_p.weak_type_rule = _never_weak
ad.defjvp_zero(random_poisson_p)


def _random_poisson_batch(vals, dims, *, dtype, partitionable):
    k, lam = vals
    dk, dl = dims
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    k = batching.bdim_at_front(k, dk, size)
    lam = batching.bdim_at_front(lam, dl, size)
    return random_poisson_p.bind(k, lam, dtype=dtype, partitionable=partitionable), 0


random_poisson_p.batch = _random_poisson_batch
random_poisson_p.pp_params = lambda params: [("dtype", params["dtype"])]


# cov_factor (cov) -> factor with factor @ factor.T == cov, for multivariate_normal: LAPACK's
# potrf / syevd / gesdd through SciPy (the same LAPACK routines jaxlib calls on CPU).

def _cov_factor_one(a, method):
    import scipy.linalg.lapack as lapack
    a = (a + a.T) / a.dtype.type(2) if method != "svd" else a  # JAX symmetrizes the input
    prefix = "s" if a.dtype == _F32 else "d"
    if method == "cholesky":
        c, info = getattr(lapack, prefix + "potrf")(a, lower=1, clean=1)
        return np.full_like(a, np.nan) if info else np.tril(c)
    if method == "eigh":
        w, v, info = getattr(lapack, prefix + "syevd")(a, compute_v=1, lower=1)
        return v * np.sqrt(w)[None, :]
    u, s, _, info = getattr(lapack, prefix + "gesdd")(a, compute_uv=1, full_matrices=1)
    return u * np.sqrt(s)[None, :]


def _cov_factor_impl(cov, *, method):
    flat = cov.reshape((-1,) + cov.shape[-2:])
    out = np.stack([_cov_factor_one(m, method) for m in flat]) if flat.shape[0] else flat.copy()
    return out.reshape(cov.shape).astype(cov.dtype)


def _cov_factor_abstract(cov, *, method):
    if cov.dtype not in (_F32, _F64):
        raise TypeError(f"cov_factor requires float32 or float64, got {cov.dtype.name}")
    return ShapedArray(cov.shape, cov.dtype)


def _cov_factor_batch(vals, dims, *, method):
    (x,), (d,) = vals, dims
    return cov_factor_p.bind(batching.moveaxis(x, d, 0), method=method), 0


cov_factor_p = Primitive("cov_factor")
cov_factor_p.impl = _cov_factor_impl
cov_factor_p.abstract_eval = _cov_factor_abstract
cov_factor_p.batch = _cov_factor_batch
cov_factor_p.opt_outs["jvp"] = "factor of a covariance: no derivative rule in pyjax yet"


# random_binomial (keys, count, prob): JAX's binomial inversion (n*p <= 10) and BTRS loops,
# run inside one primitive (no while_loop primitive yet). count/prob: float arrays of the
# output shape, prob already folded to q = min(p, 1-p); returns the raw float samples.

_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_approx_tail(k):
    t = k.dtype.type
    use_tail = k <= 9
    kc = np.clip(k, t(0), t(9))  # (sic: JAX's approximation uses the clipped k)
    kp1sq = (kc + 1) * (kc + 1)
    approx = (t(1.0 / 12) - (t(1.0 / 360) - t(1.0 / 1260) / kp1sq) / kp1sq) / (kc + 1)
    table = np.array(_STIRLING_TAIL, k.dtype)
    return np.where(use_tail, table[np.floor(kc).astype(np.int32)], approx)


def binomial_np(data, count, prob, use_inversion, partitionable):
    dtype = prob.dtype
    t = dtype.type
    shape = prob.shape
    n = prob.size

    def uniform_all(kd):
        b = random_bits_np(kd, dtype.itemsize * 8, (n,), partitionable)
        return _uniform_floats(np.ascontiguousarray(b), dtype).reshape(shape)

    k0, k1 = _one_key(data)
    key = np.array([k0, k1], _U32)
    count_inv = np.where(use_inversion, count, t(0))
    log1minusprob = _log1p(-prob)
    num_geom = np.zeros(shape, dtype)
    geom_sum = np.zeros(shape, dtype)
    while (geom_sum <= count_inv).any():
        s = random_split_np(key, (2,), partitionable)
        sub, key = s[0], s[1]
        num_geom = np.where(geom_sum <= count_inv, num_geom + t(1), num_geom)
        u = uniform_all(sub)
        geom_sum = geom_sum + np.ceil(_log(u) / log1minusprob)
    inv = num_geom - t(1)

    count_b = np.where(use_inversion, t(1e4), count)
    q = np.where(use_inversion, t(0.5), prob)
    stddev = np.sqrt(count_b * q * (t(1) - q))
    b = t(1.15) + t(2.53) * stddev
    a = t(-0.0873) + t(0.0248) * b + t(0.01) * q
    c = count_b * q + t(0.5)
    v_r = t(0.92) - t(4.2) / b
    r = q / (t(1) - q)
    alpha = (t(2.83) + t(5.1) / b) * stddev
    m = np.floor((count_b + t(1)) * q)
    k_out = np.full(shape, -1, dtype)
    accepted = np.zeros(shape, bool)
    key = np.array([k0, k1], _U32)
    while (~accepted).any():
        s = random_split_np(key, (3,), partitionable)
        key = s[0]
        u = uniform_all(s[1]) - t(0.5)
        v = uniform_all(s[2])
        us = t(0.5) - np.abs(u)
        accept1 = (us >= t(0.07)) & (v <= v_r)
        k = np.floor((t(2) * a / us + b) * u + c)
        reject = (k < 0) | (k > count_b)
        with np.errstate(all="ignore"):
            lv = _log(v * alpha / (a / (us * us) + b))
            ub = ((m + t(0.5)) * _log((m + t(1)) / (r * (count_b - m + t(1))))
                  + (count_b + t(1)) * _log((count_b - m + t(1)) / (count_b - k + t(1)))
                  + (k + t(0.5)) * _log(r * (count_b - k + t(1)) / (k + t(1)))
                  + _stirling_approx_tail(m) + _stirling_approx_tail(count_b - m)
                  - _stirling_approx_tail(k) - _stirling_approx_tail(count_b - k))
        accept = accept1 | (~reject & (lv <= ub))
        k_out = np.where(accept, k, k_out)
        accepted |= accept
    return np.where(use_inversion, inv, k_out).astype(dtype)


def _random_binomial_impl(keys, count, prob, use_inversion, *, partitionable):
    kd = data_from_keys(keys).reshape(-1, 2)
    lead = keys.shape
    rest = prob.shape[len(lead):]
    outs = [binomial_np(kd[i], a.reshape(rest), b.reshape(rest), c.reshape(rest),
                        partitionable)
            for i, (a, b, c) in enumerate(zip(count.reshape((-1,) + rest),
                                              prob.reshape((-1,) + rest),
                                              use_inversion.reshape((-1,) + rest)))]
    return np.stack(outs).reshape(prob.shape) if outs else np.empty(prob.shape, prob.dtype)


def _random_binomial_batch(vals, dims, *, partitionable):
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return random_binomial_p.bind(*vals, partitionable=partitionable), 0


random_binomial_p = Primitive("random_binomial")
random_binomial_p.impl = _random_binomial_impl
random_binomial_p.abstract_eval = lambda keys, count, prob, inv, **_: ShapedArray(prob.shape,
                                                                                 prob.dtype)
random_binomial_p.weak_type_rule = _never_weak
random_binomial_p.batch = _random_binomial_batch
random_binomial_p.pp_params = lambda params: []
ad.defjvp_zero(random_binomial_p)

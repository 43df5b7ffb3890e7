"""``jax.random``'s permutations, choices and counting distributions (permutation, choice,
categorical, poisson, geometric, binomial, multinomial), following JAX 0.10.2 op for op.
"""
import math
import operator
from collections.abc import Sequence

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.primitives import random_bits as rb
from pyjax._src.primitives import sorting as _sorting
from pyjax._src.random import (
    _arraylike, _broadcast_shapes, _broadcast_to, _canonicalize_shape, _check_broadcast_shapes,
    _check_out_sharding, _check_prng_key, _check_shape, _const, _convert, _partitionable,
    _random_bits, _shape_of, _split, _to_array, _unstack, _user_dtype, randint, split, uniform)
from pyjax._src.random_samplers import gumbel


def _iota(n):
    return lax.iota(dtypes.default_int_dtype(), n)


def _shuffle(key, x, axis):
    exponent = 3
    uint32max = np.iinfo(np.uint32).max
    size = core.get_aval(x).size
    num_rounds = int(np.ceil(exponent * np.log(max(1, size)) / np.log(uint32max)))
    for _ in range(num_rounds):
        key, subkey = _unstack(_split(key))
        sort_keys = _random_bits(subkey, 32, core.get_aval(x).shape)
        _, x = _sorting.sort_key_val(sort_keys, x, axis)
    return x


def _take(x, ind, axis):
    from pyjax._src.numpy import indexing as jnp_indexing
    return jnp_indexing.take(x, ind, axis, unique_indices=True)


def _canonicalize_axis(axis, ndim):
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def permutation(key, x, axis=0, independent=False, *, out_sharding=None):
    """A random permutation of ``arange(x)`` (int x) or of ``x`` along ``axis``."""
    key, _ = _check_prng_key("permutation", key)
    _check_out_sharding(out_sharding, "permutation")
    if not _arraylike(x):
        raise TypeError(f"permutation requires ndarray or scalar arguments, got {type(x)} at "
                        "position 0.")
    axis = _canonicalize_axis(axis, np.ndim(x) or 1)
    if not np.ndim(x):
        if not dtypes.issubdtype(dtypes.dtype(x), np.integer):
            raise TypeError("x must be an integer or at least 1-dimensional")
        r = core.concrete_or_error(int, x, "argument x of jax.random.permutation()")
        return _shuffle(key, _iota(r), axis)
    x = _to_array(x)
    if independent or np.ndim(x) == 1:
        return _shuffle(key, x, axis)
    ind = _shuffle(key, _iota(core.get_aval(x).shape[axis]), 0)
    return _take(x, ind, axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Random samples from ``a`` (an array, or ``arange(a)`` for an int)."""
    key, _ = _check_prng_key("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError("shape argument of jax.random.choice must be a sequence, "
                        f"got {shape}")
    arr = _to_array(a)
    aval = core.get_aval(arr)
    if aval.ndim == 0:
        n_inputs = core.concrete_or_error(int, a, "The error occurred in jax.random.choice()")
    else:
        axis = _canonicalize_axis(axis, aval.ndim)
        n_inputs = aval.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return lax.full(tuple(shape), 0, aval.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population (size "
                         f"{n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            ind = randint(key, shape, 0, n_inputs)
            result = ind if aval.ndim == 0 else _take(arr, ind, axis)
        else:
            perm = permutation(key, n_inputs if aval.ndim == 0 else arr, axis)
            pshape = core.get_aval(perm).shape
            start = (0,) * len(pshape)
            limit = tuple(n_draws if i == axis else d for i, d in enumerate(pshape))
            result = lax.slice(perm, start, limit)
    else:
        from pyjax._src.numpy import util as jnp_util
        p_arr, = jnp_util.promote_dtypes_inexact(p)
        p_aval = core.get_aval(p_arr)
        if p_aval.shape != (n_inputs,):
            raise ValueError("p must be None or a 1D vector with the same size as "
                             f"a.shape[axis]. p has shape {p_aval.shape} and a.shape[axis] is "
                             f"{n_inputs}.")
        int_dtype = dtypes.default_int_dtype()
        if replace:
            from pyjax._src.numpy import sorting as jnp_sorting
            p_cuml = lax.cumsum(p_arr, 0)
            last = lax.reshape(lax.slice(p_cuml, (n_inputs - 1,), (n_inputs,)), ())
            u = uniform(key, shape, dtype=p_aval.dtype)
            r = lax.mul(last, lax.sub(_const(1, p_aval.dtype), u))
            ind = _convert(jnp_sorting.searchsorted(p_cuml, r), int_dtype)
        else:
            g = lax.add(gumbel(key, (n_inputs,), dtype=p_aval.dtype, mode=mode),
                        rb.xla_log_p.bind(p_arr))
            ind = _convert(_sorting.top_k(g, n_draws)[1], int_dtype)
        result = ind if aval.ndim == 0 else _take(arr, ind, axis)
    out_shape = tuple(shape) if aval.ndim == 0 else \
        aval.shape[0:axis] + tuple(shape) + aval.shape[axis + 1:]
    return lax.reshape(result, out_shape)


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None, *, out_sharding=None):
    """Samples from categorical distributions given by unnormalised log-probabilities
    (Gumbel-max with replacement, Gumbel top-k without)."""
    key, _ = _check_prng_key("categorical", key)
    _check_out_sharding(out_sharding, "categorical")
    logits_arr = _to_array(logits)
    lshape = core.get_aval(logits_arr).shape
    batch_shape = tuple(np.delete(lshape, axis))
    if shape is None:
        shape = batch_shape
    else:
        shape = _canonicalize_shape(shape)
        _check_shape("categorical", shape, batch_shape)
    shape_prefix = shape[:len(shape) - len(batch_shape)]
    ldtype = core.get_aval(logits_arr).dtype
    ndim = len(lshape)
    if replace:
        if axis >= 0:
            axis -= ndim
        logits_shape = list(shape[len(shape) - len(batch_shape):])
        logits_shape.insert(axis % ndim, lshape[axis])
        g = gumbel(key, (*shape_prefix, *logits_shape), ldtype, mode=mode)
        expanded = lax.expand_dims(logits_arr, tuple(range(len(shape_prefix))))
        total = lax.add(g, _broadcast_to(expanded, core.get_aval(g).shape))
        return lax.argmax(total, axis % len(core.get_aval(total).shape),
                          dtypes.default_int_dtype())
    logits_arr = lax.add(logits_arr, gumbel(key, lshape, ldtype, mode=mode))
    k = math.prod(shape_prefix)
    axis = axis % ndim
    if k > lshape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number "
                         f"of categories ({lshape[axis]}).")
    perm = tuple(i for i in range(ndim) if i != axis) + (axis,)
    _, indices = _sorting.top_k(lax.transpose(logits_arr, perm), k)
    nd = core.get_aval(indices).ndim
    dimensions = (nd - 1, *range(nd - 1))
    return lax.reshape(indices, shape, dimensions)


def poisson(key, lam, shape=None, dtype=None, *, out_sharding=None):
    """Poisson samples (Knuth's method for lam < 10, transformed rejection otherwise)."""
    key, _ = _check_prng_key("poisson", key)
    _check_out_sharding(out_sharding, "poisson")
    dtype = _user_dtype(int if dtype is None else dtype)
    if shape is not None:
        shape = _canonicalize_shape(shape)
    else:
        shape = _shape_of(lam)
    lam = _broadcast_to(_to_array(lam), shape)
    lam = _convert(lam, np.float32)
    return rb.random_poisson_p.bind(key, lam, dtype=np.dtype(dtype),
                                    partitionable=_partitionable())


def geometric(key, p, shape=None, dtype=None, *, out_sharding=None):
    """Geometric samples: the number of trials up to the first success."""
    key, _ = _check_prng_key("geometric", key)
    _check_out_sharding(out_sharding, "geometric")
    dtype = _user_dtype(int if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.integer):
        raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dtype}")
    shape = _check_broadcast_shapes("geometric", shape, p)
    from pyjax._src.numpy import util as jnp_util
    p, = jnp_util.promote_dtypes_inexact(p)
    pdt = core.get_aval(p).dtype
    u = uniform(key, shape, pdt)
    u = lax.select(lax.eq(u, _const(0, pdt)), lax.full_like(u, 1), u)
    log_u = rb.xla_log_p.bind(u)
    log_one_minus_p = _broadcast_to(rb.xla_log1p_p.bind(lax.neg(p)), shape)
    g = lax.add(lax.floor(lax.div(log_u, log_one_minus_p)), _const(1, pdt))
    return _convert(g, dtype)


def binomial(key, n, p, shape=None, dtype=None):
    """Binomial(n, p) samples as floats (inversion for n*p <= 10, else BTRS rejection)."""
    key, _ = _check_prng_key("binomial", key)
    dtype = np.dtype(_user_dtype(float if dtype is None else dtype))
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype argument to `binomial` must be a float dtype, got {dtype}")
    if shape is not None:
        shape = _canonicalize_shape(shape)
        _check_shape("binomial", shape, _shape_of(n), _shape_of(p))
    else:
        shape = _broadcast_shapes(_shape_of(n), _shape_of(p))
    from pyjax._src.numpy import util as jnp_util
    prob, = jnp_util.promote_dtypes_inexact(p)
    pdt = core.get_aval(prob).dtype
    count = _broadcast_to(_convert(n, pdt), shape)
    prob = _broadcast_to(prob, shape)
    c = lambda v: _const(v, pdt)  # noqa: E731
    p_lt_half = lax.lt(prob, c(0.5))
    q = lax.select(p_lt_half, prob, lax.sub(c(1.0), prob))
    count_nan_or_neg = lax.bitwise_or(lax.ne(count, count), lax.lt(count, c(0.0)))
    count_inf = lax.eq(lax.abs(count), c(np.inf))
    q_is_nan = lax.ne(q, q)
    q_l_0 = lax.lt(q, c(0.0))
    q = lax.select(lax.bitwise_or(q_is_nan, q_l_0), lax.full_like(q, 0.01), q)
    use_inversion = lax.bitwise_or(count_nan_or_neg, lax.le(lax.mul(count, q), c(10.0)))
    count = lax.floor(count)
    samples = rb.random_binomial_p.bind(key, count, q, use_inversion,
                                        partitionable=_partitionable())
    invalid = lax.bitwise_or(lax.bitwise_or(q_l_0, q_is_nan), count_nan_or_neg)
    samples = lax.select(invalid, lax.full_like(samples, np.nan), samples)
    samples = lax.select(lax.bitwise_and(count_inf, lax.bitwise_not(invalid)),
                         lax.full_like(samples, np.inf), samples)
    keep = lax.bitwise_or(lax.bitwise_or(p_lt_half, count_nan_or_neg),
                          lax.bitwise_or(q_is_nan, count_inf))
    out = lax.select(keep, samples, lax.sub(count, samples))
    return _convert(out, dtype)


def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Multinomial counts: ``n`` trials over the outcomes along the last axis of ``p``.

    The count of each outcome is a binomial sample of the trials left over, with the outcome's
    share of the remaining probability (a scan over the outcomes, one split key each).

    Args:
      key: a PRNG key.
      n: the number of trials, broadcastable to ``p.shape[:-1]``.
      p: outcome probabilities along the last axis.
      shape: the result shape (its last axis is the outcomes'); default ``p.shape``.
      dtype: the counts' dtype (default float32, float64 with x64).
      unroll: the scan's unroll parameter.

    Returns:
      The counts, of shape ``shape``.
    """
    key, _ = _check_prng_key("multinomial", key)
    from pyjax._src import numpy as jnp
    from pyjax._src.numpy import util as jnp_util
    jnp_util.check_arraylike("multinomial", n, p)
    n, p = jnp_util.promote_dtypes_inexact(n, p)
    shape = core.get_aval(p).shape if shape is None else _canonicalize_shape(shape)
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)

    def step(remainder, ratio_key):
        ratio, k = ratio_key
        count = binomial(k, remainder, jnp.clip(ratio, 0, 1),
                         dtype=core.get_aval(remainder).dtype)
        return lax.sub(remainder, count), count

    p = jnp.moveaxis(p, -1, 0)
    remaining_probs = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining_probs == 0, 1, remaining_probs)
    keys = split(key, core.get_aval(ratios).shape[0])
    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    dtype = _user_dtype(float if dtype is None else dtype)
    return _convert(jnp.moveaxis(counts, 0, -1), dtype)

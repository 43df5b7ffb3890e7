"""Statistics of jax.numpy: quantiles (median, percentile, quantile and their NaN-ignoring
variants), average, cov, corrcoef, histograms, bincount, digitize and clip.

Everything is built from lax primitives so that it traces; quantiles sort with the ``sort``
primitive and read the order statistics with ``gather``, histograms scatter-add into bins.
Shapes that decide output sizes (histogram ``bins``, ``bincount`` ``length``) must be concrete.
"""
import builtins
import math
import operator
import warnings

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import creation
from pyjax._src.numpy import reductions as red
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.reductions import _const, _convert, _ensure_optional_axes, _isnan, _where
from pyjax._src.primitives import indexing
from pyjax._src.primitives import joining
from pyjax._src.primitives import linear
from pyjax._src.primitives import scatter
from pyjax._src.primitives import sorting
from pyjax._src.primitives import structural

_range = builtins.range
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


class _Deprecated:
    """Default of deprecated keyword arguments (tells "not given" from any value)."""

    def __repr__(self):
        return "<deprecated>"


_DEPRECATED = _Deprecated()


def _default_int():
    return np.dtype(dtypes.default_int_dtype())


def _ravel(x):
    return structural.reshape(x, (int(np.size(x)),))


def _index(x, i):
    """``x[i]`` for a static int ``i`` along the first axis of a 1-D array."""
    n = np.shape(x)[0]
    i = i % n
    return structural.reshape(structural.slice(x, (i,), (i + 1,)), ())


def _diff(x):
    """``x[1:] - x[:-1]`` of a 1-D array."""
    n = np.shape(x)[0]
    return lax.sub(structural.slice(x, (1,), (n,)), structural.slice(x, (0,), (n - 1,)))


# ----------------------------------------------------------------------------------------------
# Quantiles


def _gather_along(a, idx, axis):
    """``a[..., idx, ...]``: for every position of ``idx`` (whose shape is the output shape,
    that of ``a`` without ``axis``, possibly with leading dims) the element of ``a`` at that
    position with ``axis`` indexed by the value of ``idx``."""
    out_shape = tuple(np.shape(idx))
    lead = len(out_shape) - (np.ndim(a) - 1)
    coords = []
    for d in _range(np.ndim(a)):
        if d == axis:
            coords.append(idx)
        else:
            od = lead + (d if d < axis else d - 1)
            coords.append(structural.broadcasted_iota(np.dtype(idx.dtype), out_shape, od))
    coords = [structural.reshape(c, out_shape + (1,)) for c in coords]
    indices = joining.concatenate(coords, len(out_shape))
    dnums = indexing.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=tuple(_range(np.ndim(a))),
        start_index_map=tuple(_range(np.ndim(a))))
    return indexing.gather(a, indices, dnums, (1,) * np.ndim(a), mode="clip")


def _quantile(a, q, axis, method, keepdims, squash_nans):
    """JAX's quantile algorithm: sort along the axis, then interpolate between the order
    statistics at ``floor`` and ``ceil`` of ``q * (n - 1)`` (n counts non-NaNs if
    ``squash_nans``)."""
    if method not in _QUANTILE_METHODS:
        raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', or "
                         "'nearest'")
    a, = util.promote_dtypes_inexact(a)
    q = util.to_array(q)
    if a.dtype.kind == "c":
        raise ValueError("quantile does not support complex input, as the operation is poorly "
                         "defined.")
    keepdim = []
    if axis is None:
        if keepdims:
            keepdim = [1] * np.ndim(a)
        a = _ravel(a)
        axis = 0
    elif isinstance(axis, tuple):
        nd = np.ndim(a)
        keepdim = list(np.shape(a))
        axis = tuple(util.canonicalize_axis(ax, nd) for ax in axis)
        if len(set(axis)) != len(axis):
            raise ValueError("repeated axis")
        for ax in axis:
            keepdim[ax] = 1
        keep = sorted(set(_range(nd)) - set(axis))
        shape = np.shape(a)
        a = structural.reshape(a, tuple(shape[d] for d in keep)
                               + (math.prod(shape[d] for d in axis),),
                               tuple(keep) + tuple(d for d in _range(nd) if d in axis))
        axis = np.ndim(a) - 1
    else:
        axis = util.canonicalize_axis(axis, np.ndim(a))

    q_shape, q_ndim = tuple(np.shape(q)), np.ndim(q)
    if q_ndim > 1:
        raise ValueError(f"q must be have rank <= 1, got shape {q_shape}")
    a_shape = tuple(np.shape(a))
    int_ = _default_int()

    if squash_nans:
        a = _where(_isnan(a), np.nan, a)  # canonical NaNs, which sort last
        a = sorting.sort(a, dimension=axis)
        counts = red.sum(lax.bitwise_not(_isnan(a)), axis=axis, dtype=q.dtype,
                         keepdims=keepdims)
        reduced_shape = tuple(np.shape(counts))
        q = structural.expand_dims(q, tuple(_range(q_ndim, len(reduced_shape) + q_ndim)))
        counts = structural.expand_dims(counts, tuple(_range(q_ndim)))
        q, counts_m1 = util.promote_shapes("quantile", q, lax.sub(counts, _const(1, q.dtype)))
        q = lax.mul(q, counts_m1)
        low, high = lax.floor(q), lax.ceil(q)
        high_weight = lax.sub(q, low)
        low_weight = lax.sub(_const(1, q.dtype), high_weight)
        zero = _const(0, q.dtype)
        low = lax.max(zero, lax.min(low, counts_m1))
        high = lax.max(zero, lax.min(high, counts_m1))
        out_shape = q_shape + reduced_shape
        low = creation.broadcast_to(_convert(low, int_), out_shape)
        high = creation.broadcast_to(_convert(high, int_), out_shape)
        if keepdims:  # the reduced axis is kept with size 1: index it by low/high directly
            low = structural.squeeze(low, (q_ndim + axis,))
            high = structural.squeeze(high, (q_ndim + axis,))
        low_value = _gather_along(a, low, axis)
        high_value = _gather_along(a, high, axis)
        if keepdims:
            low_value = structural.expand_dims(low_value, (q_ndim + axis,))
            high_value = structural.expand_dims(high_value, (q_ndim + axis,))
        low_weight = creation.broadcast_to(low_weight, np.shape(low_value))
        high_weight = creation.broadcast_to(high_weight, np.shape(high_value))
    else:
        # A slice holding a NaN has a NaN quantile.
        a = _where(red.any(_isnan(a), axis=axis, keepdims=True), np.nan, a)
        a = sorting.sort(a, dimension=axis)
        n = _const(a_shape[axis], q.dtype)
        n_m1 = lax.sub(n, _const(1, q.dtype))
        q = lax.mul(q, n_m1)
        low, high = lax.floor(q), lax.ceil(q)
        high_weight = lax.sub(q, low)
        low_weight = lax.sub(_const(1, q.dtype), high_weight)
        zero = _const(0, q.dtype)
        low = _convert(lax.clamp(zero, low, n_m1), int_)
        high = _convert(lax.clamp(zero, high, n_m1), int_)
        slice_sizes = list(a_shape)
        slice_sizes[axis] = 1
        nd = len(a_shape)
        dnums = indexing.GatherDimensionNumbers(
            offset_dims=tuple(_range(q_ndim, nd + q_ndim if keepdims else nd + q_ndim - 1)),
            collapsed_slice_dims=() if keepdims else (axis,), start_index_map=(axis,))
        low_value = indexing.gather(a, structural.expand_dims(low, (q_ndim,)), dnums,
                                    slice_sizes, mode="clip")
        high_value = indexing.gather(a, structural.expand_dims(high, (q_ndim,)), dnums,
                                     slice_sizes, mode="clip")
        bdims = (0,) if q_ndim == 1 else ()
        low_weight = structural.broadcast_in_dim(low_weight, np.shape(low_value), bdims)
        high_weight = structural.broadcast_in_dim(high_weight, np.shape(high_value), bdims)

    if method == "linear":
        result = lax.add(lax.mul(_convert(low_value, q.dtype), low_weight),
                         lax.mul(_convert(high_value, q.dtype), high_weight))
    elif method == "lower":
        result = low_value
    elif method == "higher":
        result = high_value
    elif method == "nearest":
        pred = lax.le(high_weight, _const(0.5, high_weight.dtype))
        result = lax.select(pred, low_value, high_value)
    else:  # midpoint
        result = lax.mul(lax.add(low_value, high_value), _const(0.5, low_value.dtype))
    if keepdims and keepdim:
        if q_ndim > 0:
            keepdim = [q_shape[0], *keepdim]
        result = structural.reshape(result, tuple(keepdim))
    return _convert(result, a.dtype)


def _run_quantile(name, jitted, squash_nans, a, q, axis, out, overwrite_input, method,
                  keepdims, interpolation):
    """Checks the arguments of the public function ``name`` (quantile, percentile and their
    nan-variants) and computes it with ``jitted``."""
    util.check_arraylike(name, a, q)
    if overwrite_input or out is not None:
        raise ValueError(f"jax.numpy.{name} does not support overwrite_input=True or "
                         "out != None")
    if interpolation is not _DEPRECATED:
        # stacklevel 3: the caller of the public function.
        warnings.warn(f"The interpolation= argument to '{name}' is deprecated. Use 'method=' "
                      "instead.", DeprecationWarning, stacklevel=3)
        method = interpolation
    axis = _ensure_optional_axes(axis)
    return jitted(util.to_array(a), util.to_array(q), axis, method, bool(keepdims), squash_nans)


@util.jit_inline(static_argnames=("axis", "method", "keepdims", "squash_nans"))
def _quantile_jit(a, q, axis, method, keepdims, squash_nans):
    return _quantile(a, q, axis, method, keepdims, squash_nans)


@util.jit_inline(static_argnames=("axis", "method", "keepdims", "squash_nans"))
def _percentile_jit(a, q, axis, method, keepdims, squash_nans):
    q, = util.promote_dtypes_inexact(q)
    # A division by a constant: compiled, a multiplication by its reciprocal, as in JAX.
    return _quantile(a, ufuncs.true_divide(q, 100), axis, method, keepdims, squash_nans)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, interpolation=_DEPRECATED):
    """Quantiles ``q`` (in [0, 1]; scalar or 1-D) of ``a`` along ``axis``.

    Args:
      a: input array (integers are promoted to floating point; complex is rejected).
      q: the quantile(s) to compute.
      axis: None (the flattened array), an int or a tuple of ints.
      out: unsupported; must be None.
      overwrite_input: unsupported; must be False.
      method: "linear", "lower", "higher", "midpoint" or "nearest".
      keepdims: keep the reduced axes with size 1.
      interpolation: deprecated alias of ``method``.

    Returns:
      The quantiles; a leading axis indexes ``q`` when it is 1-D. A slice containing NaN
      gives NaN.

    Example:
      >>> jnp.quantile(jnp.arange(10), jnp.array([0.25, 0.5]))
      Array([2.25, 4.5 ], dtype=float32)
    """
    return _run_quantile("quantile", _quantile_jit, False, a, q, axis, out,
                         overwrite_input, method, keepdims, interpolation)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, interpolation=_DEPRECATED):
    """:func:`quantile` ignoring NaNs (an all-NaN slice gives NaN)."""
    return _run_quantile("nanquantile", _quantile_jit, True, a, q, axis, out,
                         overwrite_input, method, keepdims, interpolation)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, interpolation=_DEPRECATED):
    """:func:`quantile` with ``q`` in percent (0 to 100)."""
    return _run_quantile("percentile", _percentile_jit, False, a, q, axis, out,
                         overwrite_input, method, keepdims, interpolation)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, interpolation=_DEPRECATED):
    """:func:`percentile` ignoring NaNs."""
    return _run_quantile("nanpercentile", _percentile_jit, True, a, q, axis, out,
                         overwrite_input, method, keepdims, interpolation)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Median along ``axis``: the midpoint of the two middle order statistics.

    Example:
      >>> jnp.median(jnp.array([[2, 4, 7, 1], [3, 5, 9, 2]]), axis=1)
      Array([3., 4.], dtype=float32)
    """
    util.check_arraylike("median", a)
    return quantile(a, 0.5, axis=axis, out=out, overwrite_input=overwrite_input,
                    keepdims=keepdims, method="midpoint")


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """:func:`median` ignoring NaNs."""
    util.check_arraylike("nanmedian", a)
    return nanquantile(a, 0.5, axis=axis, out=out, overwrite_input=overwrite_input,
                       keepdims=keepdims, method="midpoint")


# ----------------------------------------------------------------------------------------------
# average, cov, corrcoef


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted average along ``axis``.

    Args:
      a: input array.
      axis: None, an int or a tuple of ints.
      weights: optional weights, of ``a``'s shape or 1-D along a single ``axis``.
      returned: also return the sum of the weights (broadcast to the average's shape).
      keepdims: keep the reduced axes with size 1.

    Returns:
      The average, or ``(average, sum_of_weights)`` if ``returned``.

    Example:
      >>> jnp.average(jnp.array([1, 2, 3]), weights=jnp.array([3, 1, 0]))
      Array(1.25, dtype=float32)
    """
    if weights is None:
        util.check_arraylike("average", a)
    else:
        util.check_arraylike("average", a, weights)
    return _average(a, _ensure_optional_axes(axis), weights, bool(returned), bool(keepdims))


@util.jit_inline(static_argnames=("axis", "returned", "keepdims"))
def _average(a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        a, = util.promote_dtypes_inexact(a)
        avg = red.mean(a, axis=axis, keepdims=keepdims)
        if axis is None:
            weights_sum = lax.full((), int(np.size(a)), avg.dtype)
        else:
            weights_sum = lax.full_like(avg, red._axis_size(tuple(np.shape(a)), axis))
    else:
        a, weights = util.promote_dtypes_inexact(a, weights)
        a_shape, w_shape = tuple(np.shape(a)), tuple(np.shape(weights))
        a_ndim = len(a_shape)
        if isinstance(axis, tuple):
            axis = tuple(util.canonicalize_axis(d, a_ndim) for d in axis)
        elif axis is not None:
            axis = util.canonicalize_axis(axis, a_ndim)
        if a_shape != w_shape:
            if len(w_shape) != 1:
                raise ValueError("1D weights expected when shapes of a and weights differ.")
            if axis is None:
                raise ValueError("Axis must be specified when shapes of a and weights differ.")
            if isinstance(axis, tuple):
                raise ValueError("Single axis expected when shapes of a and weights differ")
            if w_shape[0] != a_shape[axis]:
                raise ValueError("Length of weights not compatible with specified axis.")
            shape = [1] * a_ndim
            shape[axis] = w_shape[0]
            weights = structural.reshape(weights, tuple(shape))
            weights = creation.broadcast_to(weights, a_shape)
        weights_sum = red.sum(weights, axis=axis, keepdims=keepdims)
        avg = ufuncs.true_divide(red.sum(ufuncs.multiply(a, weights), axis=axis,
                                         keepdims=keepdims), weights_sum)
    if returned:
        if np.shape(avg) != np.shape(weights_sum):
            weights_sum = creation.broadcast_to(weights_sum, np.shape(avg))
        return avg, weights_sum
    return avg


def _atleast_2d(x):
    shape = tuple(np.shape(x))
    if len(shape) >= 2:
        return x
    return structural.reshape(x, (1,) * (2 - len(shape)) + shape)


def _transpose(x):
    return structural.transpose(x, tuple(reversed(_range(np.ndim(x)))))


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """Covariance matrix of the variables in ``m`` (and ``y``).

    Args:
      m: 1-D or 2-D array of observations; each row is a variable if ``rowvar``.
      y: optional additional variables, stacked after those of ``m``.
      rowvar: whether rows (True) or columns (False) are variables.
      bias: normalize by ``N`` instead of ``N - 1``.
      ddof: overrides ``bias``: normalize by ``N - ddof``.
      fweights: integer frequency weights per observation (absolute values are used).
      aweights: observation weights (absolute values are used).

    Returns:
      The covariance matrix, squeezed (a scalar for a single variable).
    """
    if ddof is not None:
        ddof = core.concrete_or_error(operator.index, ddof, "ddof argument of jnp.cov")
    return _cov(m, y, bool(rowvar), bool(bias), ddof, fweights, aweights)


def _check_cov_weights(name, weights, nobs):
    """``weights`` (cov's argument ``name``) must be one weight per observation."""
    util.check_arraylike("cov", weights)
    if np.ndim(weights) > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if np.shape(weights)[0] != nobs:
        raise RuntimeError(f"incompatible numbers of samples and {name}")


@util.jit_inline(static_argnames=("rowvar", "bias", "ddof"))
def _cov(m, y, rowvar, bias, ddof, fweights, aweights):
    if y is not None:
        m, y = util.promote_args_inexact("cov", m, y)
        if np.ndim(y) > 2:
            raise ValueError("y has more than 2 dimensions")
    else:
        m, = util.promote_args_inexact("cov", m)
    if np.ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    x = _atleast_2d(m)
    if not rowvar and np.ndim(m) != 1:
        x = _transpose(x)
    if np.shape(x)[0] == 0:
        return ArrayImpl(np.zeros((0, 0), dtypes.default_float_dtype()))
    if y is not None:
        y = _atleast_2d(y)
        if not rowvar and np.shape(y)[0] != 1:
            y = _transpose(y)
        x = joining.concatenate([x, y], 0)
    if ddof is None:
        ddof = 1 if not bias else 0
    nobs = np.shape(x)[1]
    w = None
    if fweights is not None:
        _check_cov_weights("fweights", fweights, nobs)
        if not dtypes.issubdtype(util.to_array(fweights).dtype, np.integer):
            raise TypeError("fweights must be integer.")
        w = ufuncs.absolute(fweights)  # NumPy rejects negative weights
    if aweights is not None:
        _check_cov_weights("aweights", aweights, nobs)
        aweights = ufuncs.absolute(aweights)
        w = aweights if w is None else ufuncs.multiply(w, aweights)

    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = _index(w_sum, 0)
    if w is None:
        f = nobs - ddof
    elif ddof == 0:
        f = w_sum
    elif aweights is None:
        f = ufuncs.subtract(w_sum, ddof)
    else:
        f = ufuncs.subtract(w_sum, ufuncs.true_divide(
            ufuncs.multiply(ddof, red.sum(ufuncs.multiply(w, aweights))), w_sum))
    x = ufuncs.subtract(x, structural.expand_dims(avg, (1,)))
    if w is None:
        x_t = _transpose(x)
    else:
        x_t = _transpose(ufuncs.multiply(x, structural.reshape(w, (1, nobs))))
    prod = linear.dot_general(x, lax.conj(x_t), (((1,), (0,)), ((), ())))
    out = ufuncs.true_divide(prod, f)
    squeeze = tuple(i for i, d in enumerate(np.shape(out)) if d == 1)
    return structural.squeeze(out, squeeze) if squeeze else out


def _diag(c):
    n = np.shape(c)[0]
    idx = structural.broadcasted_iota(np.dtype(np.int32), (n, 2), 0)
    dnums = indexing.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0, 1),
                                            start_index_map=(0, 1))
    return indexing.gather(c, idx, dnums, (1, 1), mode="clip")


def corrcoef(x, y=None, rowvar=True):
    """Pearson correlation coefficients: ``cov`` normalized by the standard deviations and
    clipped to [-1, 1]."""
    util.check_arraylike("corrcoef", x)
    return _corrcoef(x, y, bool(rowvar))


@util.jit_inline(static_argnames=("rowvar",))
def _corrcoef(x, y, rowvar):
    c = cov(x, y, rowvar)
    if np.ndim(c) == 0:
        return ufuncs.true_divide(c, c)  # NaN for 0/0, inf/inf and NaN; else 1
    d = _diag(c)
    stddev = _convert(ufuncs.sqrt(ufuncs.real(d)), c.dtype)
    c = ufuncs.true_divide(ufuncs.true_divide(c, structural.expand_dims(stddev, (1,))),
                           structural.expand_dims(stddev, (0,)))
    real_part = clip(ufuncs.real(c), -1, 1)
    if c.dtype.kind == "c":
        return lax.complex(real_part, clip(ufuncs.imag(c), -1, 1))
    return real_part


# ----------------------------------------------------------------------------------------------
# searchsorted, digitize, bincount, histograms


def _lt(x, y):
    """JAX's sort order: NaN above everything, -0.0 equal to +0.0."""
    lt = lax.lt(x, y)
    if x.dtype.kind == "f" or x.dtype == dtypes.bfloat16:
        lt = lax.bitwise_or(lt, lax.bitwise_and(lax.bitwise_not(_isnan(x)), _isnan(y)))
    return lt


def _searchsorted(a, v, side="left"):
    """Insertion indices (int32) of ``v`` in the sorted 1-D ``a``, in JAX's sort order.

    Computed by sorting the concatenation of ``a`` and the queries (ties put the queries
    first for 'left', last for 'right'): a query's rank there minus its rank among the
    queries is the number of elements of ``a`` before it.
    """
    a, v = util.promote_dtypes(a, v)
    v_shape = tuple(np.shape(v))
    n, m = int(np.shape(a)[0]), int(np.size(v))
    out_dtype = np.dtype(np.int32)
    if n == 0 or m == 0:
        return lax.full(v_shape, 0, out_dtype)
    work = np.dtype(np.int32) if n + m < np.iinfo(np.int32).max else np.dtype(np.int64)
    flat = _ravel(v)

    def rank(x):
        size = int(np.shape(x)[0])
        iota = structural.iota(work, size)
        _, perm = sorting.sort((x, iota), num_keys=1)
        _, inv = sorting.sort((perm, iota), num_keys=1)
        return inv

    if side == "left":
        index = structural.slice(rank(joining.concatenate([flat, a], 0)), (0,), (m,))
    else:
        index = structural.slice(rank(joining.concatenate([a, flat], 0)), (n,), (n + m,))
    out = lax.sub(index, rank(flat))
    return structural.reshape(_convert(out, out_dtype), v_shape)


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def digitize(x, bins, right=False, *, method=None):
    """Indices of the bins to which each value of ``x`` belongs (int32).

    Args:
      x: values to bin.
      bins: 1-D monotonic (increasing or decreasing) bin edges.
      right: whether the intervals include their right edge.
      method: searchsorted method (accepted for compatibility; all give the same result).

    Example:
      >>> jnp.digitize(jnp.array([0.5, 1.5, 3.]), jnp.array([1., 2., 3.]))
      Array([0, 1, 3], dtype=int32)
    """
    util.check_arraylike("digitize", x, bins)
    x, bins_arr = util.to_array(x), util.to_array(bins)
    right = core.concrete_or_error(bool, right, "right argument of jnp.digitize()")
    if method is not None and method not in _SEARCH_METHODS:
        raise ValueError(f"{method!r} is an invalid value for keyword 'method'. Valid options "
                         f"are: {list(_SEARCH_METHODS)}")
    if np.ndim(bins_arr) != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins!r}")
    n = int(np.shape(bins_arr)[0])
    if n == 0:
        return lax.full_like(x, 0, np.int32)
    side = "right" if not right else "left"
    increasing = ufuncs.greater_equal(_index(bins_arr, -1), _index(bins_arr, 0))
    forward = _searchsorted(bins_arr, x, side)
    backward = lax.sub(_const(n, np.int32),
                       _searchsorted(structural.rev(bins_arr, (0,)), x, side))
    return _where(increasing, forward, backward)


def _scatter_add_1d(operand, idx, updates):
    """``operand.at[idx].add(updates)`` for 1-D ``operand`` (out-of-bounds dropped)."""
    idx = _ravel(idx)
    updates = creation.broadcast_to(updates, np.shape(idx))
    dnums = scatter.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                            scatter_dims_to_operand_dims=(0,))
    return scatter.scatter_add(operand, structural.reshape(idx, (int(np.size(idx)), 1)),
                               _convert(updates, operand.dtype), dnums, mode="drop")


def bincount(x, weights=None, minlength=0, *, length=None):
    """Counts (or summed ``weights``) of each non-negative integer value in the 1-D ``x``.

    Negative values count in bin 0 and values ``>= length`` are dropped. ``length`` fixes the
    output size and is required when ``x`` is traced (under jit).

    Example:
      >>> jnp.bincount(jnp.array([1, 1, 3]))
      Array([0, 2, 0, 1], dtype=int32)
    """
    util.check_arraylike("bincount", x)
    x = util.to_array(x)
    if x.dtype == np.bool_:
        x = _convert(x, np.int32)
    if not dtypes.issubdtype(x.dtype, np.integer):
        raise TypeError(f"x argument to bincount must have an integer type; got {x.dtype}")
    if np.ndim(x) != 1:
        raise ValueError("only 1-dimensional input supported.")
    minlength = core.concrete_or_error(
        operator.index, minlength,
        "The error occurred because of argument 'minlength' of jnp.bincount.")
    if length is None:
        x_val = core.concrete_or_error(
            np.asarray, x, "The error occurred because of argument 'x' of jnp.bincount. To "
            "avoid this error, pass a static `length` argument.")
        length = builtins.max(minlength, x_val.size and int(builtins.max(0, x_val.max())) + 1)
    else:
        length = core.concrete_or_error(
            operator.index, length,
            "The error occurred because of argument 'length' of jnp.bincount.")
    if weights is None:
        weights = ArrayImpl(np.array(1, _default_int()))
    else:
        util.check_arraylike("bincount", weights)
        weights = util.to_array(weights)
        if np.shape(x) != np.shape(weights):
            raise ValueError(
                "type of weights must match type of x. Got "
                f"typeof(x)={core.get_aval(x).str_short()} and "
                f"typeof(weights)={core.get_aval(weights).str_short()}")
    zero = _const(0, x.dtype)
    zeros = lax.full((length,), 0, dtypes.canonicalize_dtype(weights.dtype))
    return _scatter_add_1d(zeros, lax.max(x, zero), weights)


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """Edges of the histogram bins: ``bins + 1`` evenly spaced edges over ``range`` (default:
    the data's min and max; an empty range is widened by 0.5 on each side), or the given 1-D
    ``bins`` as an array."""
    del weights  # only used by string-valued bins, which are not supported
    if isinstance(bins, str):
        raise NotImplementedError("string values for `bins` not implemented.")
    util.check_arraylike("histogram_bin_edges", a, bins)
    arr = util.to_array(a)
    dtype = dtypes.to_inexact_dtype(arr.dtype)
    if np.ndim(bins) == 1:
        return _convert(bins, dtype)
    bins_int = core.concrete_or_error(operator.index, bins,
                                      "bins argument of histogram_bin_edges")
    if range is None:
        lo, hi = red.min(arr), red.max(arr)
    else:
        if np.ndim(range) == 0 or len(range) != 2:
            raise ValueError("`range` must be either None or a sequence of scalars, got "
                             f"{range}")
        lo, hi = range[0], range[1]
        if np.shape(lo) != () or np.shape(hi) != ():
            raise ValueError("`range` must be either None or a sequence of scalars, got "
                             f"{range}")
    lo, hi = _convert(lo, dtype), _convert(hi, dtype)
    empty = lax.eq(lax.sub(hi, lo), _const(0, dtype))
    lo = lax.select(empty, lax.sub(lo, _const(0.5, dtype)), lo)
    hi = lax.select(empty, lax.add(hi, _const(0.5, dtype)), hi)
    return creation.linspace(lo, hi, bins_int + 1, dtype=dtype)


def histogram(a, bins=10, range=None, weights=None, density=None):
    """Histogram of the values of ``a`` (any shape).

    Args:
      a: values to bin.
      bins: number of equal-width bins, or a 1-D array of bin edges.
      range: (min, max) of the bins; defaults to the data's range.
      weights: optional weights of ``a``'s shape.
      density: return a probability density (counts / width / total) instead of counts.

    Returns:
      ``(counts, bin_edges)``. The last bin includes its right edge; values outside the
      edges are ignored.

    Example:
      >>> counts, edges = jnp.histogram(jnp.array([1., 2., 2., 4.]), bins=3)
      >>> counts
      Array([1., 2., 1.], dtype=float32)
    """
    if weights is None:
        util.check_arraylike("histogram", a, bins)
        a, = util.promote_dtypes_inexact(a)
        weights = lax.full_like(a, 1)
    else:
        util.check_arraylike("histogram", a, bins, weights)
        if np.shape(a) != np.shape(weights):
            raise ValueError("weights should have the same shape as a.")
        a, weights = util.promote_dtypes_inexact(a, weights)
    bin_edges = histogram_bin_edges(a, bins, range, weights)
    nedges = int(np.shape(bin_edges)[0])
    bin_idx = _searchsorted(bin_edges, a, side="right")
    # The last bin is closed: values equal to the last edge count in it.
    at_end = lax.eq(*util.promote_dtypes(a, _index(bin_edges, -1)))
    bin_idx = lax.select(at_end, lax.full_like(bin_idx, nedges - 1), bin_idx)
    zeros = lax.full((nedges,), 0, weights.dtype)
    counts = _scatter_add_1d(zeros, bin_idx, _ravel(weights))
    counts = structural.slice(counts, (1,), (nedges,))
    if density:
        counts = ufuncs.true_divide(ufuncs.true_divide(counts, _diff(bin_edges)),
                                    red.sum(counts))
    return counts, bin_edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):
    """Histogram of ``N`` points in ``D`` dimensions (``sample`` of shape ``(N, D)``).

    Returns:
      ``(counts, edges)`` with ``counts`` of shape ``(bins_1, ..., bins_D)`` and a list of
      the ``D`` edge arrays.
    """
    if weights is None:
        util.check_arraylike("histogramdd", sample)
        sample, = util.promote_dtypes_inexact(sample)
    else:
        util.check_arraylike("histogramdd", sample, weights)
        if np.shape(weights) != np.shape(sample)[:1]:
            raise ValueError("should have one weight for each sample.")
        sample, weights = util.promote_dtypes_inexact(sample, weights)
    n, d = np.shape(sample)
    if range is not None and (len(range) != d or builtins.any(
            r is not None and np.shape(r)[0] != 2 for r in range)):
        raise ValueError(f"For sample.shape={(n, d)}, range must be a sequence of {d} pairs or "
                         f"Nones; got {range=}")
    try:
        num_bins = len(bins)
    except TypeError:
        bins_per_dim = d * [bins]
    else:
        if num_bins != d:
            raise ValueError("should be a bin for each dimension.")
        bins_per_dim = list(bins)

    idx_by_dim, edges_by_dim = [], []
    for i in _range(d):
        col = structural.reshape(structural.slice(sample, (0, i), (n, i + 1)), (n,))
        edges = histogram_bin_edges(col, bins_per_dim[i], None if range is None else range[i],
                                    weights)
        idx = _searchsorted(edges, col, side="right")
        at_end = lax.eq(*util.promote_dtypes(col, _index(edges, -1)))
        idx = lax.select(at_end, lax.sub(idx, lax.full_like(idx, 1)), idx)
        idx_by_dim.append(idx)
        edges_by_dim.append(edges)

    nbins = tuple(int(np.shape(e)[0]) + 1 for e in edges_by_dim)
    # ravel_multi_index(..., mode='clip'); the indices are already in range.
    flat = None
    stride = 1
    for idx, nb in reversed(list(zip(idx_by_dim, nbins))):
        term = lax.mul(idx, _const(stride, idx.dtype))
        flat = term if flat is None else lax.add(flat, term)
        stride *= nb
    if flat is None:
        flat = ArrayImpl(np.zeros((n,), np.int32))
    hist = bincount(flat, weights, length=math.prod(nbins))
    hist = structural.reshape(hist, nbins)
    hist = structural.slice(hist, (1,) * d, tuple(nb - 1 for nb in nbins))
    if density:
        hist = _convert(hist, sample.dtype)
        hist = ufuncs.true_divide(hist, red.sum(hist))
        for i, e in enumerate(edges_by_dim):
            shape = [1] * d
            shape[i] = int(np.shape(e)[0]) - 1
            hist = ufuncs.true_divide(hist, structural.reshape(_diff(e), tuple(shape)))
    return hist, edges_by_dim


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):
    """Histogram of the points ``(x[i], y[i])``; ``bins`` is an int, a pair of ints, 1-D edges
    (for both axes) or a pair of edge arrays.

    Returns:
      ``(counts, x_edges, y_edges)``.
    """
    util.check_arraylike("histogram2d", x, y)
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:
        edges = util.to_array(bins)
        bins = [edges, edges]
    x, y = util.promote_dtypes(x, y)
    sample = _transpose(joining.concatenate(
        [structural.reshape(x, (1,) + tuple(np.shape(x))),
         structural.reshape(y, (1,) + tuple(np.shape(y)))], 0))
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]


# ----------------------------------------------------------------------------------------------
# clip


def clip(arr=None, /, min=None, max=None):
    """Clip values of ``arr`` to ``[min, max]`` (either bound may be None), with JAX's type
    promotion between the array and the bounds.

    Example:
      >>> jnp.clip(jnp.array([-2, 0, 5]), 0, 3)
      Array([0, 0, 3], dtype=int32)
    """
    if arr is None:
        raise ValueError("No input was provided to the clip function.")
    util.check_arraylike("clip", arr)
    for t in (arr, min, max):
        if t is not None and util.is_arraylike(t) and dtypes.issubdtype(
                dtypes.dtype(t), np.complexfloating):
            raise ValueError(
                "Clip received a complex value either through the input or the min/max "
                "keywords. Complex values have no ordering and cannot be clipped. Please "
                "convert to a real value or array by taking the real or imaginary components "
                "via jax.numpy.real/imag respectively.")
    if min is not None:
        arr = ufuncs.maximum(min, arr)
    if max is not None:
        arr = ufuncs.minimum(max, arr)
    return util.to_array(arr)

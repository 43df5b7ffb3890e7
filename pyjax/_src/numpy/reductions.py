"""Reductions of jax.numpy: sum, prod, max, min, all, any, mean, var, std, their NaN-ignoring
variants, argmax/argmin, count_nonzero, ptp and the cumulative reductions.

Result dtypes follow JAX (spec/dtypes.md §6): sums and products of bool and small integers
widen to the default (u)int, means and variances of integers are floating, float16/bfloat16
are accumulated in float32, and every reduction drops the weak type. Functions that JAX jits
and whose compiled numerics differ from op-by-op evaluation (divisions by constants, fused
multiply-adds) are wrapped in ``util.jit_inline``.
"""
import builtins
import math
import operator
import warnings

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl, ScalarLiteral
from pyjax._src.numpy import util
from pyjax._src.numpy.creation import broadcast_to as _broadcast_to
from pyjax._src.primitives import structural

_all = builtins.all
_BOOL = np.dtype(np.bool_)


# ----------------------------------------------------------------------------------------------
# Helpers shared with statistics.py


def _const(value, dtype):
    """A strong 0-d constant (folded into jaxprs as a literal)."""
    return ScalarLiteral(np.asarray(value, dtype), False)


def _convert(x, dtype):
    """``x`` as a strong array of ``dtype``, without a primitive when only the weak flag
    changes on a concrete array."""
    dtype = np.dtype(dtype)
    if type(x) is ArrayImpl and x._value.dtype == dtype:
        return x if not x.weak_type else ArrayImpl(x._value, False)
    if hasattr(x, "__jax_array__"):
        x = x.__jax_array__()
    # Concrete values convert without binding (constants stay literals in jaxprs, as in JAX).
    return structural.convert(x, dtype, False)


_INEXACT = frozenset(map(np.dtype, [np.float16, dtypes.bfloat16, np.float32, np.float64,
                                     np.complex64, np.complex128]))


def _is_inexact(dtype):
    return np.dtype(dtype) in _INEXACT or dtypes.issubdtype(dtype, np.inexact)


def _ensure_optional_axes(axis):
    """``axis`` as None, an int or a tuple of ints; it must be concrete."""
    if axis is None or type(axis) is int:
        return axis

    def force(x):
        if x is None:
            return None
        try:
            return operator.index(x)
        except TypeError:
            return tuple(operator.index(i) for i in x)
    return core.concrete_or_error(force, axis, "The axis argument must be known statically.")


def _reduction_dims(ndim, axis):
    """Canonical (non-negative) reduced dims for ``axis`` (None, int or sequence)."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list, np.ndarray)):
        axis = (axis,)
    dims = tuple(util.canonicalize_axis(d, ndim) for d in axis)
    if len(dims) != len(set(dims)):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    return dims


def _upcast_f16(dtype):
    dtype = np.dtype(dtype)
    if dtype in (np.dtype(np.float16), np.dtype(dtypes.bfloat16)):
        return np.dtype(np.float32)
    return dtype


def _promote_integer_dtype(dtype):
    """bool and narrow ints widen to the default int (unsigned: default uint), as JAX does
    (NumPy widens to 64 bits regardless of the x64 mode)."""
    dtype = np.dtype(dtype)
    if dtype == _BOOL:
        return np.dtype(dtypes.default_int_dtype())
    if dtype.kind == "u":
        uint = np.dtype(dtypes.default_uint_dtype())
        return uint if dtype.itemsize < uint.itemsize else dtype
    if dtype.kind == "i":
        int_ = np.dtype(dtypes.default_int_dtype())
        return int_ if dtype.itemsize < int_.itemsize else dtype
    return dtype


def _init_value(dtype, init_val):
    """The identity ``init_val`` as a NumPy scalar of ``dtype`` (infinities saturate to the
    integer range for integers; bools take ``init_val > 0``)."""
    dtype = np.dtype(dtype)
    if dtype == _BOOL:
        return np.array(init_val > 0, dtype)
    if dtype.kind in "iu" and np.isinf(init_val):
        info = np.iinfo(dtype)
        return np.array(info.min if init_val < 0 else info.max, dtype)
    if (np.isinf(init_val) and dtypes.issubdtype(dtype, np.floating)
            and not dtypes.supports_inf(dtype)):
        info = dtypes.finfo(dtype)
        return np.array(info.min if init_val < 0 else info.max, dtype)
    return np.array(init_val, dtype)


def _check_where(name, where):
    """``where`` as a bool array (non-bool masks are deprecated in JAX and cast)."""
    if where is None:
        return None
    util.check_arraylike(name, where)
    where = util.to_array(where)
    if where.dtype != _BOOL:
        warnings.warn(f"jnp.{name}: where must be None or a boolean array; got "
                      f"dtype={where.dtype}.", DeprecationWarning, stacklevel=4)
        where = _convert(where, _BOOL)
    return where


def _broadcast_arrays(*args):
    shapes = [tuple(np.shape(a)) for a in args]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None
    return [_broadcast_to(a, shape) for a in args]


def _to_bool(x):
    x = util.to_array(x)
    if x.dtype == _BOOL:
        return x
    if x.dtype.kind == "c":
        x = lax.real(x)
    return lax.ne(x, _const(0, x.dtype))


def _where(condition, x, y):
    """``jnp.where(condition, x, y)``: promoted dtypes, broadcast shapes."""
    x, y = util.promote_dtypes(x, y)
    condition, x, y = _broadcast_arrays(_to_bool(condition), x, y)
    return lax.select(condition, x, y)


def _isnan(x):
    x = util.to_array(x)
    if x.dtype.kind in "fc" or x.dtype == dtypes.bfloat16:
        return lax.ne(x, x)
    return lax.full_like(x, False, _BOOL)


def _axis_size(shape, axis):
    if axis is None:
        return math.prod(shape)
    return math.prod(shape[d] for d in _reduction_dims(len(shape), axis))


# ----------------------------------------------------------------------------------------------
# sum, prod, max, min, all, any

# kind -> (reduction for the computation dtype, combining op for ``initial``, bool variants)
_KINDS = {
    "sum": (lax.reduce_sum, lax.add, lax.reduce_or, lax.bitwise_or),
    "prod": (lax.reduce_prod, lax.mul, lax.reduce_and, lax.bitwise_and),
    "max": (lax.reduce_max, lax.max, lax.reduce_max, lax.max),
    "min": (lax.reduce_min, lax.min, lax.reduce_min, lax.min),
    "all": (lax.reduce_and, lax.bitwise_and, lax.reduce_and, lax.bitwise_and),
    "any": (lax.reduce_or, lax.bitwise_or, lax.reduce_or, lax.bitwise_or),
}


def _cast_to_numeric(a):
    # bool -> int32 (JAX's to-numeric rule, in both x64 modes); other dtypes are numeric.
    return _convert(a, np.int32) if a.dtype == _BOOL else a


def _cast_to_bool(a):
    if a.dtype.kind == "c":  # JAX tests the real part only
        a = lax.real(a)
    return _convert(a, _BOOL)


def _kept_dtype_shape(a, kind):
    """The shape of ``a`` if it is a strongly typed Array or tracer whose dtype a reduction of
    ``kind`` computes in and returns (bool for all/any, 32- and 64-bit inexact types for the
    others), so that no conversion is needed; None otherwise."""
    if type(a) is ArrayImpl:
        if a.weak_type:
            return None
        dtype, shape = a._value.dtype, a._value.shape
    elif isinstance(a, core.Tracer):
        aval = a.aval
        if aval.weak_type:
            return None
        dtype, shape = aval.dtype, aval.shape
    else:
        return None
    if kind == "all" or kind == "any":
        return shape if dtype == _BOOL else None
    return shape if dtype.kind in "fc" and dtype.itemsize >= 4 else None


def _reduction(a, name, kind, init_val, *, has_identity=True, preproc=None,
               upcast_f16_for_computation=False, axis=None, dtype=None, out=None,
               keepdims=False, initial=None, where=None, promote_integers=False):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
    if where is None and initial is None and dtype is None:
        shape = _kept_dtype_shape(a, kind)
        if shape is not None:  # nothing to promote, convert or mask: reduce directly
            dims = (tuple(range(len(shape))) if axis is None
                    else _reduction_dims(len(shape), _ensure_optional_axes(axis)))
            if not has_identity and not _all(shape[d] >= 1 for d in dims):
                raise ValueError(
                    f"zero-size array to reduction operation {name} which has no identity")
            result = _KINDS[kind][0](a, dims)
            return structural.expand_dims(result, dims) if keepdims else result
    util.check_arraylike(name, a)
    where = _check_where(name, where)
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, name)
    axis = _ensure_optional_axes(axis)
    if initial is None and not has_identity and where is not None:
        raise ValueError(f"reduction operation {name} does not have an identity, so to use a "
                         "where mask one has to specify 'initial'")
    a = util.to_array(a)
    if preproc is not None:
        a = preproc(a)
    shape = a.shape
    dims = tuple(range(len(shape))) if axis is None else _reduction_dims(len(shape), axis)
    if initial is None and not has_identity and not _all(shape[d] >= 1 for d in dims):
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")

    result_dtype = np.dtype(dtype if dtype is not None else a.dtype)
    if dtype is None and promote_integers:
        result_dtype = _promote_integer_dtype(result_dtype)
    result_dtype = dtypes.canonicalize_dtype(result_dtype)
    computation_dtype = result_dtype
    if upcast_f16_for_computation and _is_inexact(result_dtype):
        computation_dtype = _upcast_f16(result_dtype)
    a = _convert(a, computation_dtype)
    reduce_fn, op, bool_reduce, bool_op = _KINDS[kind]
    if computation_dtype == _BOOL:
        reduce_fn, op = bool_reduce, bool_op
    if where is not None:
        init = ArrayImpl(_init_value(computation_dtype, init_val))
        where, a, init = _broadcast_arrays(where, a, init)
        a = lax.select(where, a, init)
    result = reduce_fn(a, dims)
    if initial is not None:
        initial_arr = _convert(initial, computation_dtype)
        if np.shape(initial_arr) != ():
            raise ValueError("initial value must be a scalar. "
                             f"Got array of shape {np.shape(initial_arr)}")
        result = op(initial_arr, result)
    if keepdims:
        result = structural.expand_dims(result, dims)
    return _convert(result, result_dtype)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
        promote_integers=True):
    """Sum of array elements over the given axes.

    Args:
      a: input array.
      axis: None (all axes), an int or a tuple of ints; negative values count from the end.
      dtype: the result dtype; by default bool and narrow integers widen to the default
        (unsigned) int when ``promote_integers``.
      out: unsupported; must be None.
      keepdims: keep the reduced axes with size 1.
      initial: a scalar added to the sum.
      where: boolean mask of the elements to include.
      promote_integers: whether to widen narrow integer inputs.

    Returns:
      The sum, a strongly typed array.

    Example:
      >>> jnp.sum(jnp.array([[1, 2], [3, 4]], jnp.int8), axis=0)
      Array([4, 6], dtype=int32)
    """
    return _reduction(a, "sum", "sum", 0, preproc=_cast_to_numeric,
                      upcast_f16_for_computation=True, axis=axis, dtype=dtype, out=out,
                      keepdims=keepdims, initial=initial, where=where,
                      promote_integers=promote_integers)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
    """Product of array elements over the given axes (arguments as for :func:`sum`)."""
    return _reduction(a, "prod", "prod", 1, preproc=_cast_to_numeric,
                      upcast_f16_for_computation=True, axis=axis, dtype=dtype, out=out,
                      keepdims=keepdims, initial=initial, where=where,
                      promote_integers=promote_integers)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over the given axes; NaN propagates. ``where`` needs ``initial``.

    Raises:
      ValueError: for an empty reduction without ``initial``.
    """
    return _reduction(a, "max", "max", -np.inf, has_identity=False, axis=axis, out=out,
                      keepdims=keepdims, initial=initial, where=where)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over the given axes; NaN propagates. ``where`` needs ``initial``.

    Raises:
      ValueError: for an empty reduction without ``initial``.
    """
    return _reduction(a, "min", "min", np.inf, has_identity=False, axis=axis, out=out,
                      keepdims=keepdims, initial=initial, where=where)


def all(a, axis=None, out=None, keepdims=False, *, where=None):
    """Whether all elements along the given axes are true (complex: the real part)."""
    return _reduction(a, "all", "all", True, preproc=_cast_to_bool, axis=axis, out=out,
                      keepdims=keepdims, where=where)


def any(a, axis=None, out=None, keepdims=False, *, where=None):
    """Whether any element along the given axes is true (complex: the real part)."""
    return _reduction(a, "any", "any", False, preproc=_cast_to_bool, axis=axis, out=out,
                      keepdims=keepdims, where=where)


def amax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Alias of :func:`max`."""
    return max(a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)


def amin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Alias of :func:`min`."""
    return min(a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)


# ----------------------------------------------------------------------------------------------
# mean, var, std


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Arithmetic mean over the given axes, computed as JAX does: ``sum / n`` with
    float16/bfloat16 accumulated in float32 and integers in float32 (float64 for 64-bit
    integers with x64).

    Example:
      >>> jnp.mean(jnp.array([1, 2, 4]))  # 7 * (1/3) in float32, as JAX's compiled code
      Array(2.3333335, dtype=float32)
    """
    util.check_arraylike("mean", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.mean is not supported.")
    return _mean(a, _ensure_optional_axes(axis), dtype, keepdims, where=where)


@util.jit_inline(static_argnames=("axis", "dtype", "keepdims", "upcast_f16_for_computation"))
def _mean(a, axis=None, dtype=None, keepdims=False, *, upcast_f16_for_computation=True,
          where=None):
    where = _check_where("mean", where)
    a = util.to_array(a)
    if dtype is None:
        result_dtype = dtypes.to_inexact_dtype(dtypes.canonicalize_dtype(a.dtype))
    else:
        result_dtype = dtypes.check_user_dtype_supported(dtype, "mean")
    computation_dtype = result_dtype
    if upcast_f16_for_computation and _is_inexact(result_dtype):
        computation_dtype = _upcast_f16(result_dtype)
    total = sum(a, axis, dtype=computation_dtype, keepdims=keepdims, where=where)
    if where is None:
        normalizer = _const(_axis_size(tuple(np.shape(a)), axis), computation_dtype)
    else:
        normalizer = sum(_broadcast_to(where, np.shape(a)), axis, dtype=computation_dtype,
                         keepdims=keepdims)
    # lax.div by a constant: compiled, this is a multiplication by the reciprocal, as in JAX.
    return _convert(lax.div(total, normalizer), result_dtype)


def _var_promote_types(a_dtype, dtype):
    """(computation dtype, result dtype) of var/std: inexact, complex variances are real."""
    if dtype is not None:
        if (dtypes.issubdtype(a_dtype, np.complexfloating)
                and not dtypes.issubdtype(dtype, np.complexfloating)):
            raise ValueError(
                "jax.numpy.var does not yet support real dtype parameters when computing the "
                "variance of an array of complex values. The semantics of numpy.var seem "
                "unclear in this case. Please comment on "
                "https://github.com/jax-ml/jax/issues/2283 if this behavior is important to "
                "you.")
        computation_dtype = dtype
    elif not _is_inexact(a_dtype):
        dtype = computation_dtype = dtypes.to_inexact_dtype(a_dtype)
    else:
        dtype = dtypes.to_floating_dtype(a_dtype)
        computation_dtype = a_dtype
    return _upcast_f16(computation_dtype), dtypes.canonicalize_dtype(dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        correction=None):
    """Variance over the given axes: the mean of squared deviations from the mean, divided by
    ``n - ddof`` (``correction`` is the Array API name of ``ddof``). Complex inputs give the
    real variance ``mean(|x - mean(x)|**2)``; ``n - ddof <= 0`` gives NaN.

    Example:
      >>> jnp.var(jnp.array([1., 2., 4.]), ddof=1)
      Array(2.3333333, dtype=float32)
    """
    if correction is None:
        correction = ddof
    elif not isinstance(ddof, int) or ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    util.check_arraylike("var", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.var is not supported.")
    return _var(a, _ensure_optional_axes(axis), dtype, correction, keepdims, where=where)


# ``correction`` is a traced argument, as in JAX: the final division is by a runtime value.
@util.jit_inline(static_argnames=("axis", "dtype", "keepdims"))
def _var(a, axis=None, dtype=None, correction=0, keepdims=False, *, where=None):
    where = _check_where("var", where)
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, "var")
    a = util.to_array(a)
    computation_dtype, dtype = _var_promote_types(a.dtype, dtype)
    a = _convert(a, computation_dtype)
    a_mean = mean(a, axis, dtype=computation_dtype, keepdims=True, where=where)
    centered = lax.sub(*util.promote_shapes("var", a, a_mean))
    if computation_dtype.kind == "c":
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
        computation_dtype = centered.dtype
    else:
        centered = lax.square(centered)
    if where is None:
        normalizer = _const(_axis_size(tuple(np.shape(a)), axis), computation_dtype)
    else:
        normalizer = sum(_broadcast_to(where, np.shape(a)), axis, dtype=computation_dtype,
                         keepdims=keepdims)
    normalizer = lax.sub(normalizer, _convert(correction, computation_dtype))
    result = sum(centered, axis, dtype=computation_dtype, keepdims=keepdims, where=where)
    result = _convert(lax.div(result, normalizer), dtype)
    positive = lax.gt(normalizer, _const(0, computation_dtype))
    return _where(positive, result, np.nan)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        correction=None):
    """Standard deviation: ``sqrt(var(...))`` with the same arguments as :func:`var`."""
    if correction is None:
        correction = ddof
    elif not isinstance(ddof, int) or ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    util.check_arraylike("std", a)
    if dtype is not None:
        checked = dtypes.check_user_dtype_supported(dtype, "std")
        if not _is_inexact(checked):
            raise ValueError(f"dtype argument to jnp.std must be inexact; got {dtype}")
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.std is not supported.")
    return _std(a, _ensure_optional_axes(axis), dtype, correction, keepdims, where=where)


@util.jit_inline(static_argnames=("axis", "dtype", "keepdims"))
def _std(a, axis=None, dtype=None, correction=0, keepdims=False, *, where=None):
    return lax.sqrt(var(a, axis=axis, dtype=dtype, correction=correction, keepdims=keepdims,
                        where=where))


# ----------------------------------------------------------------------------------------------
# ptp, count_nonzero, argmax, argmin


def ptp(a, axis=None, out=None, keepdims=False):
    """Peak-to-peak range ``max - min`` over the given axes."""
    util.check_arraylike("ptp", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.ptp is not supported.")
    axis = _ensure_optional_axes(axis)
    return lax.sub(amax(a, axis=axis, keepdims=keepdims), amin(a, axis=axis, keepdims=keepdims))


def count_nonzero(a, axis=None, keepdims=False):
    """Number of nonzero elements over the given axes, in the default int dtype."""
    util.check_arraylike("count_nonzero", a)
    a = util.to_array(a)
    return sum(lax.ne(a, _const(0, a.dtype)), axis=_ensure_optional_axes(axis),
               dtype=dtypes.default_int_dtype(), keepdims=keepdims)


def _argminmax(name, lax_fn, a, axis, out, keepdims):
    util.check_arraylike(name, a)
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
    a = util.to_array(a)
    if axis is None:
        dims = tuple(range(a.ndim))
        if a.ndim != 1:
            a = structural.reshape(a, (a.size,))
        axis = 0
    else:
        axis = util.canonicalize_axis(operator.index(axis), a.ndim)
        dims = (axis,)
    if a.shape[axis] == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    result = lax_fn(a, axis, dtypes.default_int_dtype())
    return structural.expand_dims(result, dims) if keepdims else result


def argmax(a, axis=None, out=None, keepdims=None):
    """Index of the first maximum along ``axis`` (of the flattened array if None); NaN counts
    as the maximum. Indices are in the default int dtype."""
    return _argminmax("argmax", lax.argmax, a, axis, out, bool(keepdims))


def argmin(a, axis=None, out=None, keepdims=None):
    """Index of the first minimum along ``axis`` (of the flattened array if None); NaN counts
    as the minimum. Indices are in the default int dtype."""
    return _argminmax("argmin", lax.argmin, a, axis, out, bool(keepdims))


def _nanargminmax(name, fun, fill, a, axis, out, keepdims):
    util.check_arraylike(name, a)
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
    a = util.to_array(a)
    if not _is_inexact(a.dtype):
        return fun(a, axis=axis, keepdims=keepdims)
    nan_mask = _isnan(a)
    res = fun(lax.select(nan_mask, lax.full_like(a, fill), a), axis=axis, keepdims=keepdims)
    all_nan = all(nan_mask, axis=axis, keepdims=bool(keepdims))
    return lax.select(all_nan, lax.full_like(res, -1), res)


def nanargmax(a, axis=None, out=None, keepdims=None):
    """:func:`argmax` ignoring NaNs; an all-NaN slice gives -1 (NumPy raises)."""
    return _nanargminmax("nanargmax", argmax, -np.inf, a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, keepdims=None):
    """:func:`argmin` ignoring NaNs; an all-NaN slice gives -1 (NumPy raises)."""
    return _nanargminmax("nanargmin", argmin, np.inf, a, axis, out, keepdims)


# ----------------------------------------------------------------------------------------------
# NaN-ignoring reductions


def _nan_reduction(a, name, reduction, init_val, nan_if_all_nan, axis=None, keepdims=False,
                   where=None, **kwargs):
    util.check_arraylike(name, a)
    where = _check_where(name, where)
    a = util.to_array(a)
    if not _is_inexact(a.dtype):
        return reduction(a, axis=axis, keepdims=keepdims, where=where, **kwargs)
    filled = lax.select(_isnan(a), lax.full_like(a, _init_value(a.dtype, init_val)), a)
    out = reduction(filled, axis=axis, keepdims=keepdims, where=where, **kwargs)
    if nan_if_all_nan:
        return _where(all(_isnan(a), axis=axis, keepdims=keepdims), _const(np.nan, a.dtype),
                      out)
    return out


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """:func:`min` ignoring NaNs; an all-NaN slice gives NaN (unless ``initial`` is given)."""
    return _nan_reduction(a, "nanmin", min, np.inf, nan_if_all_nan=initial is None,
                          axis=_ensure_optional_axes(axis), out=out, keepdims=keepdims,
                          initial=initial, where=where)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """:func:`max` ignoring NaNs; an all-NaN slice gives NaN (unless ``initial`` is given)."""
    return _nan_reduction(a, "nanmax", max, -np.inf, nan_if_all_nan=initial is None,
                          axis=_ensure_optional_axes(axis), out=out, keepdims=keepdims,
                          initial=initial, where=where)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """:func:`sum` treating NaNs as zero."""
    if dtype is not None:
        dtypes.check_user_dtype_supported(dtype, "nanprod")  # (sic: JAX's message)
    return _nan_reduction(a, "nansum", sum, 0, nan_if_all_nan=False,
                          axis=_ensure_optional_axes(axis), dtype=dtype, out=out,
                          keepdims=keepdims, initial=initial, where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """:func:`prod` treating NaNs as one."""
    if dtype is not None:
        dtypes.check_user_dtype_supported(dtype, "nanprod")
    return _nan_reduction(a, "nanprod", prod, 1, nan_if_all_nan=False,
                          axis=_ensure_optional_axes(axis), dtype=dtype, out=out,
                          keepdims=keepdims, initial=initial, where=where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """:func:`mean` of the non-NaN elements; an all-NaN slice gives NaN."""
    util.check_arraylike("nanmean", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanmean is not supported.")
    return _nanmean(a, _ensure_optional_axes(axis), dtype, keepdims, where=where)


@util.jit_inline(static_argnames=("axis", "dtype", "keepdims"))
def _nanmean(a, axis=None, dtype=None, keepdims=False, where=None):
    where = _check_where("nanmean", where)
    a = util.to_array(a)
    if not _is_inexact(a.dtype):
        return mean(a, axis, dtype, None, keepdims, where=where)
    if dtype is None:
        dtype = dtypes.to_inexact_dtype(a.dtype)
    else:
        dtype = dtypes.check_user_dtype_supported(dtype, "mean")
    normalizer = sum(lax.bitwise_not(_isnan(a)), axis=axis, dtype=dtype, keepdims=keepdims,
                     where=where)
    return lax.div(nansum(a, axis, dtype=dtype, keepdims=keepdims, where=where), normalizer)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    """:func:`var` of the non-NaN elements; NaN where fewer than ``ddof + 1`` remain."""
    util.check_arraylike("nanvar", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanvar is not supported.")
    return _nanvar(a, _ensure_optional_axes(axis), dtype, ddof, keepdims, where=where)


@util.jit_inline(static_argnames=("axis", "dtype", "keepdims"))
def _nanvar(a, axis=None, dtype=None, ddof=0, keepdims=False, where=None):
    where = _check_where("nanvar", where)
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, "nanvar")
    a = util.to_array(a)
    computation_dtype, dtype = _var_promote_types(a.dtype, dtype)
    a = _convert(a, computation_dtype)
    a_mean = nanmean(a, axis, dtype=computation_dtype, keepdims=True, where=where)
    nan_mask = _isnan(a)
    centered = _where(nan_mask, 0, lax.sub(*util.promote_shapes("nanvar", a, a_mean)))
    if centered.dtype.kind == "c":
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.square(centered)
    normalizer = sum(lax.bitwise_not(nan_mask), axis=axis, keepdims=keepdims, where=where)
    normalizer = lax.sub(normalizer, _convert(ddof, normalizer.dtype))
    normalizer_mask = lax.le(normalizer, _const(0, normalizer.dtype))
    result = sum(centered, axis, keepdims=keepdims, where=where)
    result = _where(normalizer_mask, np.nan, result)
    divisor = _where(normalizer_mask, 1, normalizer)
    result = lax.div(result, _convert(divisor, result.dtype))
    return _convert(result, dtype)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    """:func:`std` of the non-NaN elements: ``sqrt(nanvar(...))``."""
    util.check_arraylike("nanstd", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanstd is not supported.")
    return _nanstd(a, _ensure_optional_axes(axis), dtype, ddof, keepdims, where=where)


@util.jit_inline(static_argnames=("axis", "dtype", "keepdims"))
def _nanstd(a, axis=None, dtype=None, ddof=0, keepdims=False, where=None):
    return lax.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                           where=where))


# ----------------------------------------------------------------------------------------------
# Cumulative reductions


def _cumulative_reduction(name, reduction, a, axis, dtype, out=None, fill_nan=False,
                          fill_value=0, promote_integers=False):
    util.check_arraylike(name, a)
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported")
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, name)
    a = util.to_array(a)
    if axis is None or a.ndim == 0:
        a = structural.reshape(a, (a.size,))
    if axis is None:
        axis = 0
    elif type(axis) is not int:
        axis = core.concrete_or_error(operator.index, axis,
                                      f"axis argument to jnp.{name}() must be static")
    axis = util.canonicalize_axis(axis, a.ndim)
    if fill_nan and _is_inexact(a.dtype):
        a = lax.select(_isnan(a), lax.full_like(a, fill_value), a)
    a_type = a.dtype
    result_type = np.dtype(dtype if dtype is not None else a.dtype)
    if (dtype is None and promote_integers) or result_type == _BOOL:
        result_type = _promote_integer_dtype(result_type)
    result_type = dtypes.canonicalize_dtype(result_type)
    if a_type != _BOOL and dtype == _BOOL:
        a = _cast_to_bool(a)
    result = reduction(_convert(a, result_type), axis)
    # Booleans accumulate in integers; a requested bool result is cast back.
    if dtype is not None and dtype == _BOOL:
        result = _convert(result, _BOOL)
    return result


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (of the flattened array if None); the input dtype is
    kept, except that bool accumulates in the default int.

    Example:
      >>> jnp.cumsum(jnp.array([[1, 2], [3, 4]]), axis=1)
      Array([[1, 3],
             [3, 7]], dtype=int32)
    """
    return _cumulative_reduction("cumsum", lax.cumsum, a, axis, dtype, out)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along ``axis`` (of the flattened array if None)."""
    return _cumulative_reduction("cumprod", lax.cumprod, a, axis, dtype, out)


def nancumsum(a, axis=None, dtype=None, out=None):
    """:func:`cumsum` treating NaNs as zero."""
    return _cumulative_reduction("nancumsum", lax.cumsum, a, axis, dtype, out, fill_nan=True,
                                 fill_value=0)


def nancumprod(a, axis=None, dtype=None, out=None):
    """:func:`cumprod` treating NaNs as one."""
    return _cumulative_reduction("nancumprod", lax.cumprod, a, axis, dtype, out,
                                 fill_nan=True, fill_value=1)


def _cumulative_api(name, what, reduction, identity, x, axis, dtype, include_initial,
                    promote_integers):
    util.check_arraylike(name, x)
    x = util.to_array(x)
    if np.ndim(x) == 0:
        raise ValueError(f"The input must be non-scalar to take a cumulative {what}, however "
                         "a scalar value or scalar array was given.")
    if axis is None:
        axis = 0
        if np.ndim(x) > 1:
            raise ValueError(f"The input array has rank {np.ndim(x)}, however axis was not set "
                             "to an explicit value. The axis argument is only optional for "
                             "one-dimensional arrays.")
    axis = util.canonicalize_axis(operator.index(axis), np.ndim(x))
    out = _cumulative_reduction(name, reduction, x, axis, dtype,
                                promote_integers=promote_integers)
    if include_initial:
        init_shape = list(np.shape(x))
        init_shape[axis] = 1
        init = lax.full(tuple(init_shape), identity, out.dtype)
        out = lax.concatenate([init, out], axis)
    return out


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """Array API cumulative sum: narrow integers widen as in :func:`sum`; with
    ``include_initial`` a leading zero is prepended along ``axis``.

    Example:
      >>> jnp.cumulative_sum(jnp.array([1, 2, 3]), include_initial=True)
      Array([0, 1, 3, 6], dtype=int32)
    """
    return _cumulative_api("cumulative_sum", "sum", lax.cumsum, 0, x, axis, dtype,
                           include_initial, True)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """Array API cumulative product (the input dtype is kept, as in :func:`cumprod`); with
    ``include_initial`` a leading one is prepended along ``axis``."""
    return _cumulative_api("cumulative_prod", "product", lax.cumprod, 1, x, axis, dtype,
                           include_initial, False)

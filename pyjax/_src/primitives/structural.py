"""Structural primitives: broadcast, reshape, transpose, squeeze, rev, slice and iota, with their
public ``lax`` functions, plus helpers shared by the other primitive families.

They move elements without computing on them, so every impl is a NumPy view or copy.
concatenate/split/pad live in joining.py and dynamic_slice/dynamic_update_slice in
dynamic_slicing.py; both import this module (never the reverse at import time).
"""
import math
import operator

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.core import ShapedArray
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.common import INEXACT, INTEGER, standard_primitive

_max = max
_py_slice = slice  # the builtin: this module defines lax.slice


# ----------------------------------------------------------------------------------------------
# Helpers shared with reductions.py, joining.py and dynamic_slicing.py


def checked(prim):
    """Make ``prim.impl`` raise the abstract rule's errors (eager calls skip abstract eval).

    The rules run once per (shapes, dtypes, params) signature; later calls only pay for a
    dict lookup, so eager errors match traced ones without slowing the hot path much.
    """
    fun, abstract_eval, seen = prim.impl, prim.abstract_eval, {}

    def impl(*args, **params):
        key = (tuple([(a.shape, a.dtype) for a in args]), tuple(params.items()))
        try:
            known = key in seen
        except TypeError:  # an unhashable parameter (a list): check every time
            known, key = False, None
        if not known:
            abstract_eval(*[ShapedArray(a.shape, a.dtype) for a in args], **params)
            if key is not None:
                if len(seen) > 4096:
                    seen.clear()
                seen[key] = True
        return fun(*args, **params)

    impl.__name__ = f"{prim.name}_impl"
    prim.eager_impl = impl
    return prim


def is_array(x):
    """True for pyjax arrays and tracers (which lax functions may return unchanged)."""
    return isinstance(x, core.Tracer) or (type(x) is not np.ndarray
                                          and getattr(type(x), "aval", None) is not None)


def shape_of(x):
    return core.get_aval(x).shape


def canonicalize_axis(axis, num_dims):
    axis = operator.index(axis)
    if not -num_dims <= axis < num_dims:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {num_dims}")
    return axis + num_dims if axis < 0 else axis


def check_shapelike(fun_name, arg_name, obj):
    """JAX's check that ``obj`` is a tuple/list/ndarray of non-negative integers."""
    if type(obj) is tuple and all(type(d) is int and d >= 0 for d in obj):
        return  # the common case, decided without NumPy (this runs for every traced op)
    if not isinstance(obj, (tuple, list, np.ndarray)):
        raise TypeError(f"{fun_name} {arg_name} must be of type tuple/list/ndarray, "
                        f"got {type(obj)}.")
    if not len(obj):
        return
    if np.ndim(obj) != 1:
        raise TypeError(f"{fun_name} {arg_name} must be 1-dimensional, got {np.ndim(obj)}.")
    if not all(core._is_int_like(d) for d in obj):
        raise TypeError(f"{fun_name} {arg_name} must have every element be an integer type, "
                        f"got {tuple(map(type, obj))}.")
    if not all(d >= 0 for d in obj):
        raise TypeError(f"{fun_name} {arg_name} must have every element be nonnegative, "
                        f"got {obj}.")


def check_same_dtypes(name, avals):
    """JAX's ``lax.{name} requires arguments to have the same dtypes`` check."""
    if any(a.dtype != avals[0].dtype for a in avals[1:]):
        msg = (f"lax.{name} requires arguments to have the same dtypes, got "
               + ", ".join(a.dtype.name for a in avals) + ".")
        if name in ("concatenate",):
            msg += (f" (Tip: jnp.{name} is a similar function that does automatic type "
                    "promotion on inputs).")
        raise TypeError(msg)


def _static_ints(xs):
    """Python ints for a user's sequence of sizes/indices, so jaxprs print them plainly."""
    return tuple(int(x) if isinstance(x, np.integer) else x for x in xs)


def convert(x, dtype, weak_type):
    """``x`` as an array of ``dtype``/``weak_type``; concrete values convert without binding,
    as JAX folds conversions of constants (so a literal stays a literal in jaxprs)."""
    dtype = np.dtype(dtype)
    if isinstance(x, core.Tracer):
        aval = x.aval
        if aval.dtype == dtype and aval.weak_type == weak_type:
            return x
        return ew.convert_element_type_p.bind(x, new_dtype=dtype, weak_type=bool(weak_type),
                                              sharding=None)
    conv = core._to_buffer.get(type(x))
    buf, _ = conv(x) if conv is not None else core._to_buffer_slow(x)
    out = ew.convert_element_type_p.impl(buf, new_dtype=dtype, weak_type=bool(weak_type),
                                         sharding=None)
    return core._wrap(out, bool(weak_type))


def asarray(x):
    """Arrays unchanged; Python scalars (weak) and NumPy values (strong) as arrays."""
    if is_array(x):
        return x
    aval = core.get_aval(x)
    return convert(x, aval.dtype, aval.weak_type)


# ----------------------------------------------------------------------------------------------
# broadcast_in_dim


def _broadcast_in_dim_shape(x, *, shape, broadcast_dimensions, sharding):
    check_shapelike("broadcast_in_dim", "shape", shape)
    check_shapelike("broadcast_in_dim", "broadcast_dimensions", broadcast_dimensions)
    ndim = x.ndim
    if ndim != len(broadcast_dimensions):
        raise TypeError("broadcast_in_dim broadcast_dimensions must have length equal to "
                        f"operand ndim; got broadcast_dimensions {broadcast_dimensions} for "
                        f"operand ndim {ndim}.")
    if len(shape) < ndim:
        raise TypeError("broadcast_in_dim target broadcast shape must have equal or higher "
                        f"rank to the operand shape; got operand ndim {ndim} and target "
                        f"broadcast ndim {len(shape)}.")
    if not set(broadcast_dimensions).issubset(range(len(shape))):
        raise TypeError("broadcast_in_dim broadcast_dimensions must be a subset of output "
                        f"dimensions, got {broadcast_dimensions} for operand ndim {ndim} and "
                        f"shape {shape}.")
    if not all(x.shape[i] in (1, shape[d]) for i, d in enumerate(broadcast_dimensions)):
        raise TypeError("broadcast_in_dim operand dimension sizes must either be 1, or be "
                        "equal to their corresponding dimensions in the target broadcast "
                        f"shape; got operand of shape {x.shape}, target broadcast shape "
                        f"{shape}, broadcast_dimensions {broadcast_dimensions} ")
    if (len(broadcast_dimensions) != len(set(broadcast_dimensions))
            or tuple(broadcast_dimensions) != tuple(sorted(broadcast_dimensions))):
        raise TypeError("broadcast_in_dim broadcast_dimensions must be strictly increasing; "
                        f"got broadcast_dimensions {broadcast_dimensions}")
    return tuple(shape)


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions, sharding):
    if x.ndim:
        expanded = [1] * len(shape)
        for i, d in enumerate(broadcast_dimensions):
            expanded[d] = x.shape[i]
        x = x.reshape(expanded)
    return np.broadcast_to(x, shape)


broadcast_in_dim_p = checked(standard_primitive(
    "broadcast_in_dim", _broadcast_in_dim_shape, lambda x, **_: x.dtype,
    _broadcast_in_dim_impl))
# JAX 0.10 prints neither the shape (the binder's type says it) nor the sharding, and hides
# empty broadcast_dimensions.
broadcast_in_dim_p.pp_params = lambda params: (
    [("broadcast_dimensions", params["broadcast_dimensions"])]
    if params["broadcast_dimensions"] else [])


def broadcast_in_dim(operand, shape, broadcast_dimensions, *, out_sharding=None):
    """Broadcasts ``operand`` to ``shape``; operand dimension i becomes result dimension
    ``broadcast_dimensions[i]`` (XLA's BroadcastInDim).

    Example: ``broadcast_in_dim(jnp.ones(3), (2, 3), (1,))`` has shape ``(2, 3)``.
    """
    if (np.ndim(operand) == len(shape) and not len(broadcast_dimensions)
            and is_array(operand)):
        return operand
    return broadcast_in_dim_p.bind(operand, shape=_static_ints(shape),
                                   broadcast_dimensions=_static_ints(broadcast_dimensions),
                                   sharding=out_sharding)


def broadcast(operand, sizes, *, out_sharding=None):
    """Adds leading dimensions of the given ``sizes``: the result has shape
    ``tuple(sizes) + operand.shape``."""
    if len(sizes) == 0 and out_sharding is None:
        return asarray(operand)
    shape = shape_of(operand)
    dims = tuple(range(len(sizes), len(sizes) + len(shape)))
    return broadcast_in_dim(operand, tuple(sizes) + shape, dims, out_sharding=out_sharding)


def broadcast_to_rank(x, rank):
    """Adds leading dimensions of size 1 to give ``x`` rank ``rank``."""
    ndim = len(shape_of(x))
    if ndim == rank:
        return asarray(x)
    return broadcast(x, (1,) * (rank - ndim))


def expand_dims(array, dimensions):
    """Inserts dimensions of size 1 at positions ``dimensions`` of the result."""
    if len(set(dimensions)) != len(dimensions):
        raise ValueError(f"repeated axis in lax.expand_dims: {dimensions}")
    shape = shape_of(array)
    ndim_out = len(shape) + len(dimensions)
    dims = [canonicalize_axis(i, ndim_out) for i in dimensions]
    if len(set(dims)) != len(dims):  # again after canonicalizing
        raise ValueError(f"repeated axis in lax.expand_dims: {dims}")
    dims_set = frozenset(dims)
    result_shape = list(shape)
    for i in sorted(dims_set):
        result_shape.insert(i, 1)
    broadcast_dims = [i for i in range(ndim_out) if i not in dims_set]
    return broadcast_in_dim(array, result_shape, broadcast_dims)


# ----------------------------------------------------------------------------------------------
# reshape, transpose, squeeze, rev


def _reshape_shape(x, *, new_sizes, dimensions, sharding):
    if not all(d >= 0 for d in new_sizes):
        raise TypeError(f"reshape new_sizes must all be positive, got {new_sizes}.")
    old_size, new_size = math.prod(x.shape), math.prod(new_sizes)
    if old_size != new_size:
        raise TypeError(f"reshape total size must be unchanged, got new_sizes {new_sizes} "
                        f"(of total size {new_size}) for shape {x.shape} (of total size "
                        f"{old_size}).")
    if dimensions is not None and set(dimensions) != set(range(x.ndim)):
        raise TypeError("reshape dimensions must be a permutation of operand dimensions, "
                        f"got dimensions {dimensions} for shape {x.shape}.")
    return tuple(new_sizes)


def _reshape_impl(x, *, new_sizes, dimensions, sharding):
    if dimensions is not None:
        x = np.transpose(x, dimensions)
    return np.reshape(x, new_sizes)


reshape_p = checked(standard_primitive("reshape", _reshape_shape, lambda x, **_: x.dtype,
                                       _reshape_impl))


def reshape(operand, new_sizes, dimensions=None, *, out_sharding=None):
    """Reshapes ``operand`` to ``new_sizes`` after transposing it by ``dimensions`` if given.

    Example: ``reshape(jnp.arange(6), (2, 3))``; ``reshape(y, (6,), (1, 0))`` ravels the
    transpose of ``y``.
    """
    new_sizes = core.concrete_shape(new_sizes)
    shape = shape_of(operand)
    if dimensions is None:
        same_dims, dims = True, None
    else:
        dims = tuple(operator.index(d) for d in dimensions)
        same_dims = dims == tuple(range(len(shape)))
    if shape and shape == new_sizes and same_dims and out_sharding is None \
            and is_array(operand):
        return operand
    return reshape_p.bind(operand, new_sizes=new_sizes,
                          dimensions=None if dims is None or same_dims else dims,
                          sharding=out_sharding)


def _transpose_shape(x, *, permutation):
    if not isinstance(permutation, (tuple, list, np.ndarray)):
        raise TypeError("transpose permutation must be a tuple/list/ndarray, got "
                        f"{type(permutation)}.")
    if tuple(sorted(permutation)) != tuple(range(x.ndim)):
        raise TypeError("transpose permutation isn't a permutation of operand dimensions, "
                        f"got permutation {permutation} for operand shape {x.shape}.")
    return tuple(x.shape[i] for i in permutation)


transpose_p = checked(standard_primitive(
    "transpose", _transpose_shape, lambda x, **_: x.dtype,
    lambda x, *, permutation: np.transpose(x, permutation)))


def transpose(operand, permutation):
    """Permutes the dimensions of ``operand`` (XLA's Transpose)."""
    permutation = tuple(operator.index(d) for d in permutation)
    if permutation == tuple(range(np.ndim(operand))) and is_array(operand):
        return operand
    return transpose_p.bind(operand, permutation=permutation)


def _squeeze_shape(x, *, dimensions):
    dims_set = set(dimensions)
    if len(dims_set) != len(dimensions):
        raise ValueError(f"dimensions are not unique: {dimensions}")
    if not all(0 <= d < x.ndim for d in dims_set):
        raise ValueError(f"dimensions outside range [0, ndim): {dimensions}")
    if any(x.shape[d] != 1 for d in dimensions):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to "
                         f"one, got shape={x.shape} and dimensions={dimensions}")
    return tuple(s for i, s in enumerate(x.shape) if i not in dims_set)


squeeze_p = checked(standard_primitive(
    "squeeze", _squeeze_shape, lambda x, **_: x.dtype,
    lambda x, *, dimensions: np.squeeze(x, axis=dimensions) if dimensions else x))


def squeeze(array, dimensions):
    """Removes the size-1 dimensions ``dimensions`` (negative values count from the end)."""
    ndim = np.ndim(array)
    dimensions = tuple(sorted(canonicalize_axis(i, ndim) for i in dimensions))
    if not dimensions and is_array(array):
        return array
    return squeeze_p.bind(array, dimensions=dimensions)


def _rev_shape(x, *, dimensions):
    check_shapelike("rev", "dimensions", dimensions)
    if len(set(dimensions)) != len(dimensions):
        raise TypeError(f"rev dimensions must be unique, got {dimensions}.")
    if dimensions and not _max(dimensions) < x.ndim:
        raise TypeError("rev dimensions must all be less than operand ndim, got dimensions "
                        f"{dimensions} for operand ndim {x.ndim}.")
    return x.shape


rev_p = checked(standard_primitive(
    "rev", _rev_shape, lambda x, **_: x.dtype,
    lambda x, *, dimensions: np.flip(x, dimensions) if dimensions else x))


def rev(operand, dimensions):
    """Reverses ``operand`` along each of ``dimensions``."""
    return rev_p.bind(operand, dimensions=_static_ints(dimensions))


def collapse(operand, start_dimension, stop_dimension=None):
    """Collapses dimensions ``[start_dimension, stop_dimension)`` into one (row-major)."""
    shape = shape_of(operand)
    lo, hi, _ = _py_slice(start_dimension, stop_dimension).indices(len(shape))
    if hi < lo:
        raise ValueError(f"Invalid dimension range passed to collapse: {shape}"
                         f"[{start_dimension}:{stop_dimension}]")
    size = math.prod(shape[lo:hi])
    return reshape(operand, shape[:lo] + (size,) + shape[hi:])


# ----------------------------------------------------------------------------------------------
# slice


def _slice_shape(x, *, start_indices, limit_indices, strides):
    check_shapelike("slice", "start_indices", start_indices)
    check_shapelike("slice", "limit_indices", limit_indices)
    if x.ndim != len(start_indices):
        raise TypeError("slice start_indices must have length equal to the number of "
                        f"dimensions of the operand, got indices {start_indices} for operand "
                        f"shape {x.shape}.")
    if len(start_indices) != len(limit_indices):
        raise TypeError("slice limit_indices must have the same length as start_indices, got "
                        f"start_indices {start_indices} and limit_indices {limit_indices}.")
    if not all(map(operator.ge, x.shape, limit_indices)):
        raise TypeError("slice limit_indices must be less than or equal to operand shape, got "
                        f"limit_indices {limit_indices} for operand shape {x.shape}.")
    if not all(si >= 0 for si in start_indices):
        raise TypeError("slice start_indices must be greater than or equal to zero, got "
                        f"start_indices of {start_indices}.")
    if not all(map(operator.ge, limit_indices, start_indices)):
        raise TypeError("slice limit_indices must be greater than or equal to start_indices, "
                        f"got start_indices {start_indices} and limit_indices {limit_indices}.")
    diff = tuple(map(operator.sub, limit_indices, start_indices))
    if strides is None or tuple(strides) == (1,) * x.ndim:
        return diff
    check_shapelike("slice", "strides", strides)
    if len(strides) != x.ndim:
        raise TypeError("slice strides must have length equal to the number of dimensions of "
                        f"the operand, got strides {strides} for operand shape {x.shape}.")
    if not all(s > 0 for s in strides):
        raise TypeError(f"slice strides must be positive, got {strides}")
    return tuple(0 if d <= 0 else (d - 1) // s + 1 for d, s in zip(diff, strides))


def _slice_impl(x, *, start_indices, limit_indices, strides):
    if strides is None:
        return x[tuple(map(_py_slice, start_indices, limit_indices))]
    return x[tuple(map(_py_slice, start_indices, limit_indices, strides))]


slice_p = checked(standard_primitive("slice", _slice_shape, lambda x, **_: x.dtype,
                                     _slice_impl))


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001 (JAX's name)
    """Extracts ``operand[start:limit:stride]`` in every dimension (XLA's Slice).

    Example: ``lax.slice(x, (1, 0), (3, 2))`` is ``x[1:3, 0:2]``.
    """
    return slice_p.bind(operand, start_indices=_static_ints(start_indices),
                        limit_indices=_static_ints(limit_indices),
                        strides=None if strides is None else _static_ints(strides))


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """``lax.slice`` along the single dimension ``axis``; ``None`` and negative indices are
    interpreted as in Python slicing (without clipping)."""
    shape = shape_of(operand)
    start_indices, limit_indices = [0] * len(shape), list(shape)
    strides = [1] * len(shape)
    axis = int(axis)
    len_axis = shape[axis]
    start = operator.index(start_index) if start_index is not None else 0
    limit = operator.index(limit_index) if limit_index is not None else len_axis
    if start < 0:
        start += len_axis
    if limit < 0:
        limit += len_axis
    start_indices[axis], limit_indices[axis] = start, limit
    strides[axis] = operator.index(stride)
    return slice(operand, start_indices, limit_indices, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """``operand[..., index]`` along ``axis`` with a static ``index`` (negative allowed)."""
    index, axis = operator.index(index), int(axis)
    axis_size = shape_of(operand)[axis]
    wrapped = index + axis_size if index < 0 else index
    if not 0 <= wrapped < axis_size:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size "
                         f"{axis_size}")
    result = slice_in_dim(operand, wrapped, wrapped + 1, 1, axis)
    return result if keepdims else squeeze(result, (axis,))


# ----------------------------------------------------------------------------------------------
# iota


def _iota_shape(*, dtype, shape, dimension, sharding):
    check_shapelike("iota", "shape", shape)
    if not 0 <= dimension < len(shape):
        raise ValueError("iota dimension must be between 0 and len(shape), got "
                         f"dimension={dimension} for shape={shape}")
    return tuple(shape)


def _iota_dtype(*, dtype, shape, dimension, sharding):
    if np.dtype(dtype) not in INTEGER | INEXACT:
        raise TypeError(f"iota does not accept dtype {np.dtype(dtype).name}. Accepted dtypes "
                        "are subtypes of integer, floating, complexfloating.")
    return np.dtype(dtype)


def _iota_impl(*, dtype, shape, dimension, sharding):
    values = np.arange(shape[dimension]).astype(dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.broadcast_to(values.reshape(expanded), shape)


iota_p = checked(standard_primitive("iota", _iota_shape, _iota_dtype, _iota_impl,
                                    weak_type_rule=lambda flags, params: False))


def broadcasted_iota(dtype, shape, dimension, *, out_sharding=None):
    """An array of ``shape`` whose entries count 0, 1, ... along ``dimension``."""
    dtype = dtypes.check_user_dtype_supported(dtype, "broadcasted_iota")
    shape = core.concrete_shape(shape)
    dimension = core.concrete_or_error(int, dimension,
                                       "dimension argument of lax.broadcasted_iota")
    return iota_p.bind(dtype=dtype, shape=shape, dimension=dimension, sharding=out_sharding)


def iota(dtype, size):
    """``[0, 1, ..., size-1]`` of ``dtype`` (XLA's Iota)."""
    return broadcasted_iota(dtype, (size,), 0)


# ----------------------------------------------------------------------------------------------
# full, full_like, zeros_like_array


def full(shape, fill_value, dtype=None, *, sharding=None):
    """An array of ``shape`` filled with the scalar ``fill_value`` (weak if ``fill_value`` is a
    Python scalar and ``dtype`` is None)."""
    shape = core.concrete_shape(shape)
    if np.shape(fill_value):
        raise TypeError("full must be called with scalar fill_value, got fill_value.shape "
                        f"{np.shape(fill_value)}.")
    if dtype is None:
        weak_type = dtypes.is_weakly_typed(fill_value)
        fill_dtype = dtypes.dtype(fill_value, canonicalize=True)
    else:
        weak_type = False
        fill_dtype = dtypes.check_user_dtype_supported(dtype, "full")
    return broadcast(_fill(fill_value, fill_dtype, weak_type), shape)


def _fill(fill_value, dtype, weak_type):
    """``convert`` for a fill value; a number filling a PRNG key dtype fills every key word, as
    JAX's full does for keys (jnp.zeros/ones/full_like with a key dtype)."""
    if (dtypes.is_key_dtype(np.dtype(dtype)) and not isinstance(fill_value, core.Tracer)
            and not dtypes.is_key_dtype(getattr(fill_value, "dtype", None))):
        fill_value = np.asarray(fill_value).astype(np.uint32).astype(dtype)
    return convert(fill_value, dtype, weak_type)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """``full`` with the shape and dtype (and weak type, if ``dtype`` is None) of ``x``."""
    fill_shape = np.shape(x) if shape is None else core.concrete_shape(shape)
    weak_type = dtype is None and dtypes.is_weakly_typed(x)
    dtype = dtypes.dtype(x if dtype is None else dtype, canonicalize=True)
    return full(fill_shape, _fill(fill_value, dtype, weak_type))


def zeros_like_array(x):
    """Zeros with the shape, dtype and weak type of ``x``."""
    return full_like(x, 0)


# ----------------------------------------------------------------------------------------------
# Differentiation rules. Every primitive here is linear in its operands, so each has a transpose
# rule; JAX's rules are followed (jax/_src/lax/lax.py and slicing.py).

from pyjax._src.interpreters import ad  # noqa: E402


def _zeros(shape, dtype):
    return full(shape, 0, dtype)


def _zero_scalar(ct):
    """A strong 0-d zero of ``ct``'s dtype (JAX's ``lax._const(t, 0)``)."""
    return np.zeros((), core.get_aval(ct).dtype)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions, sharding):
    from pyjax._src.primitives.reductions import reduce_sum
    if type(ct) is ad.Zero:
        return [None]
    in_shape = x.aval.shape
    # Sum over the new dimensions and over the size-1 operand dimensions that were expanded.
    summed = [i for i in range(len(shape)) if i not in broadcast_dimensions]
    expanded = [bd for d, bd in zip(in_shape, broadcast_dimensions) if d == 1 and shape[bd] != 1]
    axes = tuple(sorted(summed + expanded))
    out = reduce_sum(ct, axes) if axes else ct
    return [reshape(out, in_shape) if expanded else out]


def _reshape_transpose(ct, x, *, new_sizes, dimensions, sharding):
    if type(ct) is ad.Zero:
        return [None]
    in_shape = x.aval.shape
    if dimensions is None:
        return [reshape(ct, in_shape)]
    # The forward op transposed by `dimensions` before reshaping: undo both.
    permuted = reshape(ct, tuple(in_shape[d] for d in dimensions))
    return [transpose(permuted, tuple(int(d) for d in np.argsort(dimensions)))]


def _transpose_transpose(ct, x, *, permutation):
    if type(ct) is ad.Zero:
        return [None]
    return [transpose(ct, tuple(int(d) for d in np.argsort(permutation)))]


def _squeeze_transpose(ct, x, *, dimensions):
    return [None if type(ct) is ad.Zero else expand_dims(ct, dimensions)]


def _rev_transpose(ct, x, *, dimensions):
    return [None if type(ct) is ad.Zero else rev(ct, dimensions)]


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    from pyjax._src.primitives.joining import pad  # joining imports this module
    if type(ct) is ad.Zero:
        return [None]
    operand_shape = x.aval.shape
    if strides is None or all(s == 1 for s in strides):
        config = [(lo, d - hi, 0)
                  for lo, hi, d in zip(start_indices, limit_indices, operand_shape)]
    else:
        # The last element taken sits at start + (n - 1) * stride; strides become interior pads.
        ct_shape = shape_of(ct)
        real_limits = [lo + (0 if n == 0 else (n - 1) * s + 1)
                       for lo, n, s in zip(start_indices, ct_shape, strides)]
        config = [(lo, d - lim, s - 1) for lo, lim, d, s in
                  zip(start_indices, real_limits, operand_shape, strides)]
    return [pad(ct, _zero_scalar(ct), config)]


ad.deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
ad.deflinear(reshape_p, _reshape_transpose)
ad.deflinear(transpose_p, _transpose_transpose)
ad.deflinear(squeeze_p, _squeeze_transpose)
ad.deflinear(rev_p, _rev_transpose)
ad.deflinear(slice_p, _slice_transpose)
ad.defjvp_zero(iota_p)  # no operands: never differentiated, declared for completeness


# ----------------------------------------------------------------------------------------------
# Batching rules (vmap). Each takes (values, batch dims) and returns (output, output batch dim),
# moving the batch dimension only where the primitive's parameters cannot describe it in place.
# JAX's rules (jax/_src/lax/lax.py, slicing.py) are followed where they need a move.

from pyjax._src.interpreters import batching  # noqa: E402


def _broadcast_in_dim_batch(vals, dims, *, shape, broadcast_dimensions, sharding):
    (x,), (d,) = vals, dims
    # Place the batch dim right after the output dim of the operand dim before it, which keeps
    # broadcast_dimensions increasing without transposing the operand.
    out_d = broadcast_dimensions[d - 1] + 1 if d > 0 else 0
    bdims = [b + (b >= out_d) for b in broadcast_dimensions]
    bdims.insert(d, out_d)
    new_shape = shape[:out_d] + (shape_of(x)[d],) + shape[out_d:]
    return broadcast_in_dim_p.bind(x, shape=new_shape, broadcast_dimensions=tuple(bdims),
                                   sharding=sharding), out_d


def _reshape_batch(vals, dims, *, new_sizes, dimensions, sharding):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    if dimensions is not None:
        dimensions = (0,) + tuple(i + 1 for i in dimensions)
    return reshape_p.bind(x, new_sizes=(shape_of(x)[0],) + tuple(new_sizes),
                          dimensions=dimensions, sharding=sharding), 0


def _transpose_batch(vals, dims, *, permutation):
    (x,), (d,) = vals, dims
    perm = (d,) + tuple(p + (p >= d) for p in permutation)
    return transpose_p.bind(x, permutation=perm), 0


def _shifted(axes, d):
    """Per-element axes as axes of the batched value whose batch dim is ``d``."""
    return tuple(a + (a >= d) for a in axes)


def _squeeze_batch(vals, dims, *, dimensions):
    (x,), (d,) = vals, dims
    dimensions = _shifted(dimensions, d)
    return squeeze_p.bind(x, dimensions=dimensions), d - sum(a < d for a in dimensions)


def _rev_batch(vals, dims, *, dimensions):
    (x,), (d,) = vals, dims
    return rev_p.bind(x, dimensions=_shifted(dimensions, d)), d


def _slice_batch(vals, dims, *, start_indices, limit_indices, strides):
    (x,), (d,) = vals, dims
    start, limit = list(start_indices), list(limit_indices)
    start.insert(d, 0)
    limit.insert(d, shape_of(x)[d])
    if strides is not None:
        strides = list(strides)
        strides.insert(d, 1)
        strides = tuple(strides)
    return slice_p.bind(x, start_indices=tuple(start), limit_indices=tuple(limit),
                        strides=strides), d


def _iota_batch(vals, dims, **params):
    # No operands, so vmap never reaches this rule; declared for completeness.
    return iota_p.bind(**params), batching.not_mapped


broadcast_in_dim_p.batch = _broadcast_in_dim_batch
reshape_p.batch = _reshape_batch
transpose_p.batch = _transpose_batch
squeeze_p.batch = _squeeze_batch
rev_p.batch = _rev_batch
slice_p.batch = _slice_batch
iota_p.batch = _iota_batch


# ----------------------------------------------------------------------------------------------
# Codegen rules (pyjax/_src/codegen_interface.py). A layout rule ``codegen_layout(operand aval,
# out aval, params, index_map)`` gives each operand dim's index-map entry (see
# codegen_interface.entry_parts: an iteration dim, None for index 0, or a step and offset) from
# the entries of the output's dims; with index_map None it only answers whether the compiler
# can fuse the equation at all (None: no).

iota_p.codegen = (lambda kb, *, dtype, shape, dimension, sharding:
                  kb.convert(kb.coordinate(dimension), dtype))


def _broadcast_in_dim_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    return tuple(index_map[d] for d in params["broadcast_dimensions"])


def _unit_dims_map(in_shape, out_shape, index_map):
    """The map of a reshape that only inserts or removes size-1 dims; None otherwise."""
    ins = [d for d in in_shape if d != 1]
    outs = [i for i, d in enumerate(out_shape) if d != 1]
    if ins != [out_shape[i] for i in outs]:
        return None
    if index_map is None:
        return ()
    it = iter(outs)
    return tuple(None if d == 1 else index_map[next(it)] for d in in_shape)


def _reshape_layout(operand, out, params, index_map):
    if params.get("dimensions") is not None:
        return None
    return _unit_dims_map(operand.shape, out.shape, index_map)


def _squeeze_layout(operand, out, params, index_map):
    return _unit_dims_map(operand.shape, out.shape, index_map)


def _transpose_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    sub = [None] * operand.ndim
    for i, p in enumerate(params["permutation"]):
        sub[p] = index_map[i]
    return tuple(sub)


def _slice_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    strides = params["strides"] or (1,) * operand.ndim
    return tuple(codegen_interface.shifted_entry(e, start, step) for e, start, step in
                 zip(index_map, params["start_indices"], strides))


broadcast_in_dim_p.codegen_layout = _broadcast_in_dim_layout
slice_p.codegen_layout = _slice_layout
reshape_p.codegen_layout = _reshape_layout
squeeze_p.codegen_layout = _squeeze_layout
transpose_p.codegen_layout = _transpose_layout

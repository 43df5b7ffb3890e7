"""Index helpers of jax.numpy: take, where, nonzero & co., choose, put, grids and tricks.

Exported through indexing.py (``__all__`` below). Indexing itself (``x[idx]``, ``x.at``) is
in indexing.py; these functions use it through the array methods.
"""
import math
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.api import jit
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.primitives import scatter as lax_scatter
from pyjax._src.primitives.indexing import GatherDimensionNumbers, GatherScatterMode, gather

__all__ = ["take", "take_along_axis", "where", "nonzero", "flatnonzero", "argwhere",
           "compress", "extract", "choose", "put", "fill_diagonal", "diag_indices",
           "diag_indices_from", "tril_indices", "triu_indices", "tril_indices_from",
           "triu_indices_from", "mask_indices", "indices", "ix_", "unravel_index",
           "ravel_multi_index", "mgrid", "ogrid", "r_", "c_", "index_exp", "s_"]

_INT32 = np.dtype(np.int32)
_PROMISE = GatherScatterMode.PROMISE_IN_BOUNDS
_CLIP = GatherScatterMode.CLIP

index_exp = np.index_exp
s_ = np.s_


# ----------------------------------------------------------------------------------------------
# Small lax-level helpers (the manipulation family may not be loaded yet)


def _int():
    """The default integer dtype (int32, or int64 with x64), as JAX's index results use."""
    return dtypes.default_int_dtype()


def _index_dtype(shape):
    if config.jax_enable_x64 and any(d > np.iinfo(np.int32).max for d in shape):
        return np.dtype(np.int64)
    return _INT32


def _broadcast_shapes(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def _ravel(x):
    x = util.to_array(x)
    return x if x.ndim == 1 else lax.reshape(x, (x.size,))


def _broadcast_arrays(*args):
    """``args`` (arrays) broadcast to their common shape."""
    shapes = [np.shape(a) for a in args]
    shape = _broadcast_shapes(shapes)
    out = []
    for a, s in zip(args, shapes):
        if s != shape:
            nlead = len(shape) - len(s)
            a = lax.broadcast_in_dim(a, shape, tuple(range(nlead, len(shape))))
        out.append(a)
    return out


def _stack(arrays, axis=0):
    """jnp.stack of arrays of one shape, with dtype promotion."""
    arrays = util.promote_dtypes(*arrays)
    shape = np.shape(arrays[0])
    axis = util.canonicalize_axis(axis, len(shape) + 1)
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return lax.concatenate([lax.reshape(a, new_shape) for a in arrays], axis)


def _moveaxis(x, source, destination):
    perm = [i for i in range(x.ndim) if i != source]
    perm.insert(destination, source)
    return lax.transpose(x, perm)


def _clip_int(x, lo, hi):
    x = util.to_array(x)
    dt = x.dtype
    return lax.clamp(np.array(lo).astype(dt), x, np.array(hi).astype(dt))


def _tile_to_size(arr, size):
    """The 1-D ``arr`` repeated (or cut) to length ``size``."""
    if arr.shape[0] < size:
        arr = lax.concatenate([arr] * math.ceil(size / arr.shape[0]), 0)
    return arr[:size] if arr.shape[0] > size else arr


# ----------------------------------------------------------------------------------------------
# take, take_along_axis


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened array if None).

    Unlike NumPy, out-of-bounds indices do not raise: the default ``mode='fill'`` returns
    ``fill_value`` (NaN, the int minimum, the uint maximum or True by default) for them,
    ``'clip'`` clamps and ``'wrap'`` wraps them. Negative indices count from the end.

    Example:
      >>> jnp.take(jnp.arange(5.), jnp.array([1, -1, 7]))
      Array([ 1.,  4., nan], dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    util.check_arraylike("take", a, indices)
    a, indices = util.to_array(a), util.to_array(indices)
    if axis is None:
        a = lax.reshape(a, (a.size,))
        axis_idx = 0
    else:
        axis_idx = util.canonicalize_axis(operator.index(axis), a.ndim)
    axis_size = a.shape[axis_idx]
    if mode is None or mode == "fill":
        gather_mode = GatherScatterMode.FILL_OR_DROP
        if indices.dtype.kind == "i":  # gather reads negative indices as out of bounds
            indices = lax.select(lax.lt(indices, np.zeros((), indices.dtype)),
                                 lax.add(indices, np.array(axis_size).astype(indices.dtype)),
                                 indices)
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
    elif mode == "wrap":
        gather_mode = _PROMISE
        if axis_size:
            indices = ufuncs.remainder(indices,
                                       np.array(axis_size).astype(indices.dtype))
    elif mode == "clip":
        gather_mode = _CLIP
    else:
        raise ValueError(f"Invalid mode '{mode}' for np.take")
    slice_sizes = list(a.shape)
    if axis_size == 0:
        if indices.size != 0:
            raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
        return a
    if indices.size == 0:
        out_shape = slice_sizes[:axis_idx] + list(indices.shape) + slice_sizes[axis_idx + 1:]
        return lax.full_like(a, 0, shape=out_shape)
    index_dims = indices.ndim
    slice_sizes[axis_idx] = 1
    dnums = GatherDimensionNumbers(
        offset_dims=tuple(list(range(axis_idx))
                          + list(range(axis_idx + index_dims, a.ndim + index_dims - 1))),
        collapsed_slice_dims=(axis_idx,), start_index_map=(axis_idx,))
    return gather(a, lax.expand_dims(indices, (index_dims,)), dnums, tuple(slice_sizes),
                  mode=gather_mode, unique_indices=unique_indices,
                  indices_are_sorted=indices_are_sorted, fill_value=fill_value)


def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None):
    """``arr`` indexed by ``indices`` along ``axis``, matching the other axes (broadcast).

    The default ``mode='fill'`` returns ``fill_value`` for out-of-bounds indices; negative
    indices count from the end. ``axis=None`` indexes the flattened array (1-D indices).

    Example:
      >>> x = jnp.array([[5, 3, 4], [2, 7, 6]])
      >>> jnp.take_along_axis(x, jnp.array([[1], [0]]), axis=1)
      Array([[3],
             [2]], dtype=int32)
    """
    util.check_arraylike("take_along_axis", arr, indices)
    a, indices = util.to_array(arr), util.to_array(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis indices must be of integer type, got {indices.dtype}")
    idx_shape = indices.shape
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                             f"{idx_shape}")
        a = lax.reshape(a, (a.size,))
        axis = 0
    rank = a.ndim
    if rank != indices.ndim:
        raise ValueError("indices and arr must have the same number of dimensions; "
                         f"{indices.ndim} vs. {a.ndim}")
    axis_int = util.canonicalize_axis(operator.index(axis), rank)
    index_dtype = _index_dtype(a.shape)
    indices = lax.convert_element_type(indices, index_dtype)
    axis_size = a.shape[axis_int]
    arr_shape = tuple(1 if i == axis_int else d for i, d in enumerate(a.shape))
    out_shape = _broadcast_shapes([idx_shape, arr_shape])
    if axis_size == 0:
        return lax.full(out_shape, 0, a.dtype)
    if mode == "one_hot":
        raise NotImplementedError("mode='one_hot' is not supported by take_along_axis.")
    index_dims = [i for i, d in enumerate(idx_shape) if i == axis_int or d != 1]
    gather_index_shape = tuple(out_shape[i] for i in index_dims) + (1,)
    offset_dims, start_index_map, collapsed, slice_sizes = [], [], [], []
    operand_batching_dims, start_indices_batching_dims, dims_to_squeeze = [], [], []
    gather_indices = None
    new_i = j = 0  # axis of the squeezed operand, axis of the gather indices
    for i in range(rank):
        if i == axis_int:
            if mode != "promise_in_bounds":
                indices = lax.select(lax.lt(indices, np.zeros((), index_dtype)),
                                     lax.add(indices, np.array(axis_size, index_dtype)),
                                     indices)
            gather_indices = lax.reshape(indices, gather_index_shape)
            slice_sizes.append(1)
            start_index_map.append(new_i)
            collapsed.append(new_i)
            new_i += 1
            j += 1
        elif idx_shape[i] == 1:  # take the whole axis of arr: no index needed
            offset_dims.append(i)
            slice_sizes.append(arr_shape[i])
            new_i += 1
        elif arr_shape[i] == 1:  # arr broadcasts along this axis: squeeze it out
            dims_to_squeeze.append(i)
            j += 1
        else:  # matching axes: batch them
            slice_sizes.append(0 if arr_shape[i] == 0 else 1)
            operand_batching_dims.append(new_i)
            start_indices_batching_dims.append(j)
            new_i += 1
            j += 1
    if dims_to_squeeze:
        a = lax.squeeze(a, dims_to_squeeze)
    dnums = GatherDimensionNumbers(
        offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
        start_index_map=tuple(start_index_map),
        operand_batching_dims=tuple(operand_batching_dims),
        start_indices_batching_dims=tuple(start_indices_batching_dims))
    return gather(a, gather_indices, dnums, tuple(slice_sizes),
                  mode="fill" if mode is None else mode, fill_value=fill_value)


# ----------------------------------------------------------------------------------------------
# where, nonzero and friends


def _where(condition, x, y):
    condition = util.to_array(condition)
    if condition.dtype != np.bool_:
        condition = lax.ne(condition, np.zeros((), condition.dtype))
    x, y = util.promote_dtypes(x, y)
    if condition.ndim == 0:  # select_n takes a scalar predicate as it is
        x, y = _broadcast_arrays(x, y)
    else:
        condition, x, y = _broadcast_arrays(condition, x, y)
    if 0 in np.shape(x):
        return x
    return lax.select(condition, x, y)


# JAX jits _where (it shows as ``jit[name=_where ...]`` in jaxprs, and eager calls run compiled).
_where = jit(_where)


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """``x`` where ``condition`` is true, else ``y``; with one argument, ``nonzero``.

    Args:
      condition: boolean (or nonzero-means-true) array.
      x, y: values to choose from, broadcast together with ``condition``; their dtypes are
        promoted. Give both or neither.
      size, fill_value: only for the one-argument form (see ``nonzero``).

    Example:
      >>> jnp.where(jnp.arange(4) > 1, 1.0, 0)
      Array([0., 0., 1., 1.], dtype=float32, weak_type=True)
    """
    if x is None and y is None:
        util.check_arraylike("where", condition)
        return nonzero(condition, size=size, fill_value=fill_value)
    if size is not None or fill_value is not None:
        raise ValueError("size and fill_value arguments cannot be used in three-term where "
                         "function.")
    if x is None or y is None:
        raise ValueError("Either both or neither of the x and y arguments should be provided "
                         f"to jax.numpy.where, got {x} and {y}.")
    util.check_arraylike("where", condition, x, y)
    return _where(condition, x, y)


def nonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero elements of ``a``, one int32 array per dimension.

    The number of results must be static: under ``jit`` pass ``size``; the output is then
    cut to ``size`` or padded with ``fill_value`` (default 0).

    Example:
      >>> jnp.nonzero(jnp.array([0, 3, 0, 5]))
      (Array([1, 3], dtype=int32),)
    """
    util.check_arraylike("nonzero", a)
    arr = util.to_array(a)
    if arr.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    mask = arr if arr.dtype == np.bool_ else lax.ne(arr, np.zeros((), arr.dtype))
    flat = lax.convert_element_type(_ravel(mask), _int())
    count = lax.reduce_sum(flat, (0,)) if size is None or fill_value is not None else None
    size = core.concrete_or_error(
        operator.index, count if size is None else size,
        "The size argument of jnp.nonzero must be statically specified to use jnp.nonzero "
        "within JAX transformations.")
    if arr.size == 0 or size == 0:
        return tuple(lax.full((size,), 0, _int()) for _ in arr.shape)
    # The k-th nonzero position is the number of prefixes holding fewer than k+1 nonzeros:
    # cumsum of a bincount of the running counts.
    running = lax.cumsum(flat, 0)
    dnums = lax_scatter.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
    counts = lax_scatter.scatter_add(
        lax.full((size,), 0, _int()), lax.reshape(running, (running.shape[0], 1)),
        lax.full(running.shape, 1, _int()), dnums, mode=GatherScatterMode.FILL_OR_DROP)
    flat_indices = lax.cumsum(counts, 0)
    strides = np.cumprod(arr.shape[::-1])[::-1] // arr.shape
    out = tuple(lax.rem(lax.div(flat_indices, np.array(stride, _int())), np.array(dim, _int()))
                for stride, dim in zip(strides, arr.shape))
    if fill_value is not None:
        fill = fill_value if isinstance(fill_value, tuple) else arr.ndim * (fill_value,)
        if len(fill) != arr.ndim or any(np.shape(v) != () for v in fill):
            raise ValueError(f"fill_value must be a scalar or a tuple of length {arr.ndim}; "
                             f"got {fill_value}")
        fill_mask = lax.ge(lax.iota(_int(), size), count)
        out = tuple(where(fill_mask, v, entry) for v, entry in zip(fill, out))
    return out


def flatnonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero elements of the flattened ``a`` (see ``nonzero``)."""
    util.check_arraylike("flatnonzero", a)
    return nonzero(_ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of ``a`` as rows: shape ``(count, a.ndim)``."""
    util.check_arraylike("argwhere", a)
    a = util.to_array(a)
    parts = nonzero(a if a.ndim else lax.reshape(a, (1,)), size=size, fill_value=fill_value)
    result = _stack(parts, 1)
    if a.ndim == 0:
        return lax.full((result.shape[0], 0), 0, result.dtype)
    return result


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    """The slices of ``a`` along ``axis`` where the 1-D ``condition`` is true.

    With ``size`` (needed under ``jit``), the first ``size`` selected slices, padded with
    ``fill_value``.
    """
    util.check_arraylike("compress", condition, a, fill_value)
    condition_arr = lax.convert_element_type(util.to_array(condition), np.bool_)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    if condition_arr.ndim != 1:
        raise ValueError("condition must be a 1D array")
    if axis is None:
        axis = 0
        arr = _ravel(a)
    else:
        arr = util.to_array(a)
        axis = util.canonicalize_axis(axis, arr.ndim)
        arr = _moveaxis(arr, axis, 0)
    n = arr.shape[0]
    condition_arr, extra = condition_arr[:n], condition_arr[n:]
    arr = arr[:condition_arr.shape[0]]
    if size is None:
        if extra.shape[0] and bool(lax.reduce_or(extra, (0,))):
            raise ValueError("condition contains entries that are out of bounds")
        result = arr[condition_arr]
    elif not 0 <= size <= arr.shape[0]:
        raise ValueError("size must be positive and not greater than the size of the array "
                         f"axis; got {size=} for a.shape[axis]={arr.shape[0]}")
    else:
        positions = nonzero(condition_arr, size=size)[0] if size else None
        fill = lax.full((), fill_value, arr.dtype)
        if positions is None:
            result = arr[:0]
        else:
            count = lax.reduce_sum(lax.convert_element_type(condition_arr, _int()), (0,))
            valid = lax.lt(lax.iota(_int(), size), count)
            taken = arr[positions]
            valid = lax.broadcast_in_dim(valid, taken.shape, (0,))
            result = lax.select(valid, taken, lax.broadcast_in_dim(fill, taken.shape, ()))
    return _moveaxis(result, 0, axis)


def extract(condition, arr, *, size=None, fill_value=0):
    """The elements of ``arr`` where ``condition`` is true, both flattened."""
    util.check_arraylike("extract", condition, arr, fill_value)
    return compress(_ravel(condition), _ravel(arr), size=size, fill_value=fill_value)


def choose(a, choices, out=None, mode="raise"):
    """Elementwise ``choices[a]``: each element picks from the choice array it names.

    ``mode`` handles indices outside ``[0, len(choices))``: 'raise' (needs concrete
    ``a``), 'wrap' or 'clip'.
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    util.check_arraylike("choose", a, *choices)
    arr = util.to_array(a)
    if arr.dtype.kind not in "iu":
        raise ValueError("`a` array must be integer typed")
    n = len(choices)
    if mode == "raise":
        value = core.concrete_or_error(
            np.asarray, arr, "The error occurred because jnp.choose was jit-compiled with "
            "mode='raise'. Use mode='wrap' or mode='clip' instead.")
        if ((value < 0) | (value >= n)).any():
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        arr = ufuncs.remainder(arr, n)
    elif mode == "clip":
        arr = _clip_int(arr, 0, n - 1)
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    arr, *choices = _broadcast_arrays(arr, *[util.to_array(c) for c in choices])
    return _stack(choices, 0)[(arr,) + indices(arr.shape, sparse=True)]


def put(a, ind, v, mode=None, *, inplace=True):
    """A copy of ``a`` with the flat positions ``ind`` set to ``v`` (repeated as needed).

    JAX arrays are immutable, so ``inplace=False`` is required.
    """
    if inplace:
        raise ValueError("jax.numpy.put cannot modify arrays in-place, because JAX arrays are "
                         "immutable. Pass inplace=False to instead return an updated array.")
    util.check_arraylike("put", a, ind, v)
    arr, ind_arr, v_arr = util.to_array(a), _ravel(ind), _ravel(v)
    if not arr.size or not ind_arr.size or not v_arr.size:
        return arr
    v_arr = _tile_to_size(v_arr, ind_arr.shape[0])
    if mode is None:
        scatter_mode = "drop"
    elif mode == "clip":
        ind_arr = _clip_int(ind_arr, 0, arr.size - 1)
        scatter_mode = "promise_in_bounds"
    elif mode == "wrap":
        ind_arr = ufuncs.remainder(ind_arr, arr.size)
        scatter_mode = "promise_in_bounds"
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
    else:
        raise ValueError(f"mode should be one of 'wrap' or 'clip'; got {mode=}")
    return arr.at[unravel_index(ind_arr, arr.shape)].set(v_arr, mode=scatter_mode)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """A copy of ``a`` (n-d, all axes equal if n > 2) with its main diagonal set to ``val``."""
    if inplace:
        raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
    if wrap:
        raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
    util.check_arraylike("fill_diagonal", a, val)
    a, val = util.to_array(a), util.to_array(val)
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    if a.ndim > 2 and not all(n == a.shape[0] for n in a.shape[1:]):
        raise ValueError("All dimensions of input must be of equal length")
    n = min(a.shape)
    idx = diag_indices(n, a.ndim)
    return a.at[idx].set(val if val.ndim == 0 else _tile_to_size(_ravel(val), n))


# ----------------------------------------------------------------------------------------------
# Index arrays


def _concrete_int(x, what):
    return core.concrete_or_error(operator.index, x, what)


def diag_indices(n, ndim=2):
    """``ndim`` copies of ``arange(n)``: the indices of the main diagonal of an n^ndim array."""
    n = _concrete_int(n, "'n' argument of jnp.diag_indices()")
    ndim = _concrete_int(ndim, "'ndim' argument of jnp.diag_indices()")
    if n < 0:
        raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
    if ndim < 0:
        raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
    return (lax.iota(_int(), n),) * ndim


def diag_indices_from(arr):
    """``diag_indices`` for the (square) array ``arr``."""
    util.check_arraylike("diag_indices_from", arr)
    shape = np.shape(arr)
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(shape[0], ndim=len(shape))


def _tri_indices(np_fun, name, n, k, m):
    n = _concrete_int(n, f"n argument of jnp.{name}")
    k = _concrete_int(k, f"k argument of jnp.{name}")
    m = n if m is None else _concrete_int(m, f"m argument of jnp.{name}")
    # All static: the indices are constants.
    return tuple(ArrayImpl(i.astype(_int())) for i in np_fun(n, k, m))


def tril_indices(n, k=0, m=None):
    """Row and column indices of the lower triangle (diagonal offset ``k``) of an n x m array."""
    return _tri_indices(np.tril_indices, "tril_indices", n, k, m)


def triu_indices(n, k=0, m=None):
    """Row and column indices of the upper triangle (diagonal offset ``k``) of an n x m array."""
    return _tri_indices(np.triu_indices, "triu_indices", n, k, m)


def tril_indices_from(arr, k=0):
    """``tril_indices`` for the shape of the 2-D ``arr``."""
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError("Only 2-D inputs are accepted")
    return tril_indices(shape[0], k=k, m=shape[1])


def triu_indices_from(arr, k=0):
    """``triu_indices`` for the shape of the 2-D ``arr``."""
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError("Only 2-D inputs are accepted")
    return triu_indices(shape[0], k=k, m=shape[1])


def mask_indices(n, mask_func, k=0, *, size=None):
    """The indices where ``mask_func(ones((n, n)), k)`` is nonzero (e.g. ``jnp.triu``)."""
    i, j = nonzero(mask_func(creation.ones((n, n)), k), size=size)
    return i, j


def indices(dimensions, dtype=None, sparse=False):
    """A grid of indices: ``indices((2, 3))[0][i, j] == i``; sparse gives broadcastable axes."""
    dtype = (dtypes.default_int_dtype() if dtype is None
             else dtypes.check_user_dtype_supported(dtype, "indices"))
    dimensions = tuple(_concrete_int(d, "dimensions argument of jnp.indices")
                       for d in dimensions)
    n = len(dimensions)
    output = []
    for i, dim in enumerate(dimensions):
        shape = (1,) * i + (dim,) + (1,) * (n - i - 1) if sparse else dimensions
        output.append(lax.broadcast_in_dim(lax.iota(dtype, dim), shape, (i,)))
    if sparse:
        return tuple(output)
    return _stack(output, 0) if output else ArrayImpl(np.zeros((0,), dtype))


def ix_(*args):
    """Open-mesh index arrays from 1-D sequences: ``x[ix_(rows, cols)]`` is a sub-grid."""
    util.check_arraylike("ix", *args)
    n = len(args)
    output = []
    for i, a in enumerate(args):
        a = util.to_array(a)
        if a.ndim != 1:
            raise ValueError("Arguments to jax.numpy.ix_ must be 1-dimensional, got shape "
                             f"{a.shape}")
        if a.dtype == np.bool_:
            raise NotImplementedError("Boolean arguments to jax.numpy.ix_ are not implemented")
        shape = [1] * n
        shape[i] = a.shape[0]
        if a.size == 0:  # NumPy gives empty sequences an integer type
            output.append(lax.full(shape, 0, dtypes.default_int_dtype()))
        else:
            output.append(lax.broadcast_in_dim(a, shape, (i,)))
    return tuple(output)


def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of the flat ``indices`` (clamped into range)."""
    util.check_arraylike("unravel_index", indices)
    indices_arr = util.to_array(indices)
    try:
        shape = list(shape)
    except TypeError:
        shape = [shape]
    if any(np.ndim(s) != 0 for s in shape):
        raise ValueError("unravel_index: shape should be a scalar or 1D sequence.")
    out_indices = [0] * len(shape)
    for i, s in reversed(list(enumerate(shape))):
        indices_arr, out_indices[i] = ufuncs.divmod(indices_arr, s)
    oob_pos = ufuncs.greater(indices_arr, 0)
    oob_neg = ufuncs.less(indices_arr, -1)
    return tuple(where(oob_pos, s - 1, where(oob_neg, 0, i)) for s, i in zip(shape, out_indices))


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """The flat indices of the coordinates ``multi_index`` in an array of shape ``dims``."""
    if len(multi_index) != len(dims):
        raise ValueError(f"len(multi_index)={len(multi_index)} != len(dims)={len(dims)}")
    dims = tuple(_concrete_int(d, "in `dims` argument of ravel_multi_index().") for d in dims)
    util.check_arraylike("ravel_multi_index", *multi_index)
    multi_index_arr = [util.to_array(i) for i in multi_index]
    for index in multi_index_arr:
        if mode == "raise":
            core.concrete_or_error(
                np.asarray, index, "The error occurred because ravel_multi_index was "
                "jit-compiled with mode='raise'. Use mode='wrap' or mode='clip' instead.")
        if index.dtype.kind not in "iu":
            raise TypeError("only int indices permitted")
    if mode == "raise":
        for i, d in zip(multi_index_arr, dims):
            value = core.concrete_or_error(np.asarray, i)
            if ((value < 0) | (value >= d)).any():
                raise ValueError("invalid entry in coordinates array")
    elif mode == "clip":
        multi_index_arr = [_clip_int(i, 0, d - 1) for i, d in zip(multi_index_arr, dims)]
    elif mode == "wrap":
        multi_index_arr = [ufuncs.remainder(i, d) for i, d in zip(multi_index_arr, dims)]
    else:
        raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', or 'clip'")
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    elif order == "C":
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    else:
        raise ValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
    dtype = multi_index_arr[0].dtype if multi_index_arr else dtypes.default_int_dtype()
    result = ArrayImpl(np.zeros((), dtype))
    for i, s in zip(multi_index_arr, strides):
        result = ufuncs.add(result, ufuncs.multiply(i, int(s)))
    return result


# ----------------------------------------------------------------------------------------------
# Index tricks: mgrid, ogrid, r_, c_


def _grid_1d(s, op_name):
    """arange for a slice, or linspace if its step is complex (the number of points)."""
    def concrete(v, what):
        return core.concrete_or_error(lambda c: c, v, f"slice {what} of jnp.{op_name}")
    start = 0 if s.start is None else concrete(s.start, "start")
    stop = concrete(s.stop, "stop")
    step = 1 if s.step is None else concrete(s.step, "step")
    if np.iscomplexobj(step):
        return creation.linspace(start, stop, int(abs(step)))
    return creation.arange(start, stop, step)


def _promote_grids(grids):
    if config.jax_numpy_dtype_promotion == "standard":
        return util.promote_dtypes(*grids)
    with config.setting("jax_numpy_dtype_promotion", "standard"):
        return util.promote_dtypes(*grids)


class _Mgrid:
    """``mgrid[0:5, 0:3]``: dense coordinate grids stacked on a new leading axis.

    A complex step ``5j`` means 5 points from start to stop inclusive (linspace).
    """

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key, "mgrid")
        grids = _promote_grids([_grid_1d(k, "mgrid") for k in key])
        if not grids:
            return creation.arange(0)
        return _stack(creation.meshgrid(*grids, indexing="ij", sparse=False), 0)


class _Ogrid:
    """``ogrid[0:5, 0:3]``: open (broadcastable) coordinate grids."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key, "ogrid")
        grids = _promote_grids([_grid_1d(k, "ogrid") for k in key])
        return creation.meshgrid(*grids, indexing="ij", sparse=True)


mgrid = _Mgrid()
ogrid = _Ogrid()


class _AxisConcat:
    """NumPy's r_/c_: concatenate slices (as aranges), scalars and arrays along an axis.

    A leading string directive sets 'axis,ndmin,trans1d' or makes a matrix ('r', 'c').
    """
    axis = 0
    ndmin = 1
    trans1d = -1
    op_name = "r_"

    def __getitem__(self, key):
        key_tup = key if isinstance(key, tuple) else (key,)
        params = [self.axis, self.ndmin, self.trans1d, -1]
        directive = key_tup[0] if key_tup else None
        if isinstance(directive, str):
            key_tup = key_tup[1:]
            if directive == "r":
                params[-1] = 0
            elif directive == "c":
                params[-1] = 1
            else:
                vec = directive.split(",")
                vec = vec + params[len(vec):] if len(vec) < 4 else vec[:3] + [params[-1]]
                try:
                    params = list(map(int, vec))
                except ValueError as err:
                    raise ValueError(f"could not understand directive {directive!r}") from err
        axis, ndmin, trans1d, matrix = params
        output = []
        for item in key_tup:
            if isinstance(item, slice):
                newobj, item_ndim = _grid_1d(item, self.op_name), 0
            elif isinstance(item, str):
                raise ValueError("string directive must be placed at the beginning")
            else:
                newobj = creation.array(item)
                item_ndim = newobj.ndim
            if newobj.ndim < ndmin:
                newobj = lax.reshape(newobj, (1,) * (ndmin - newobj.ndim) + newobj.shape)
            if trans1d != -1 and ndmin - item_ndim > 0:
                num_lshifts = ndmin - abs(ndmin + trans1d + 1) % ndmin
                perm = tuple(range(ndmin))
                newobj = lax.transpose(newobj, perm[num_lshifts:] + perm[:num_lshifts])
            output.append(newobj)
        output = util.promote_dtypes(*output)
        res = lax.concatenate(output, util.canonicalize_axis(axis, output[0].ndim))
        if matrix != -1 and res.ndim == 1:
            res = lax.expand_dims(res, (matrix,))
        return res

    def __len__(self):
        return 0


class _RClass(_AxisConcat):
    """``r_[...]``: concatenation along the first axis (``r_[1:4, 0, [7, 8]]``)."""


class _CClass(_AxisConcat):
    """``c_[...]``: concatenation along the last axis, 1-D inputs as columns."""
    axis = -1
    ndmin = 2
    trans1d = 0
    op_name = "c_"


r_ = _RClass()
c_ = _CClass()

"""Rearranging arrays: tile, repeat, resize, flip, roll, rot90, diff, ediff1d, insert, delete
and trim_zeros (part of the manipulation family; exported through manipulation.py).

Index lists that decide output shapes (insert/delete positions, repeat counts) must be
concrete, as in JAX; they are computed with NumPy and applied with one gather.
"""
import math
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import Array, ArrayImpl
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.creation import broadcast_to
from pyjax._src.numpy.manipulation import (
    _BOOL, _INT32, _canon, _concrete, _concrete_shape, _const, _ensure, _index_tuple, _pyslice,
    _sum, _take, _take_static, _warn_arraylike, astype, broadcast_arrays, broadcast_shapes,
    concatenate, moveaxis, ravel, reshape, transpose)
from pyjax._src.primitives import dynamic_slicing as DS
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import scatter as scatter_lib
from pyjax._src.primitives import sorting
from pyjax._src.primitives import structural as S

# ----------------------------------------------------------------------------------------------
# Repetition: tile, repeat, resize


def tile(A, reps):
    """Repeat the whole array ``A`` ``reps`` times along each axis."""
    util.check_arraylike("tile", A)
    try:
        iter(reps)
    except TypeError:
        reps_tup = (reps,)
    else:
        reps_tup = tuple(reps)
    reps_tup = tuple(operator.index(r) for r in _concrete_shape(reps_tup))
    if type(A) is ArrayImpl and len(reps_tup) <= A.ndim and all(r == 1 for r in reps_tup):
        return A
    a_shape = (1,) * (len(reps_tup) - np.ndim(A)) + np.shape(A)
    reps_tup = (1,) * (len(a_shape) - len(reps_tup)) + reps_tup
    result = broadcast_to(reshape(A, [j for i in a_shape for j in [1, i]]),
                          [k for pair in zip(reps_tup, a_shape) for k in pair])
    return reshape(result, tuple(np.multiply(a_shape, reps_tup)))


def _repeat_gather_indices(repeats, total):
    """JAX's indices for ``repeat`` from concrete repeats: the start of each block is scattered
    (out-of-range starts dropped) and a cumulative sum numbers the blocks."""
    exclusive = np.roll(repeats, 1)
    exclusive[0] = 0
    starts = np.cumsum(exclusive)
    starts = np.where(starts < 0, starts + total, starts)
    indicators = np.zeros(total, np.int64)
    np.add.at(indicators, starts[(starts >= 0) & (starts < total)], 1)
    return np.cumsum(indicators) - 1


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    """Repeat each element of ``a`` (``repeats`` times, or ``repeats[i]`` times).

    Args:
      a: input array (flattened if ``axis`` is None).
      repeats: an int, or an integer array with one count per element along ``axis``.
      axis: the axis to repeat along.
      total_repeat_length: the static length of the result; required under ``jit`` when
        ``repeats`` is traced. Extra repetitions are dropped; missing ones repeat the last
        value.
    """
    arr = _ensure("repeat", a)
    util.check_arraylike("repeat", repeats)
    if axis is None:
        arr = ravel(arr)
        axis = 0
    axis = core.concrete_or_error(operator.index, axis, "'axis' argument of jnp.repeat()")
    if total_repeat_length is None:
        repeats = core.concrete_or_error(
            _concrete, repeats,
            "When jit-compiling jnp.repeat, the total number of repeats must be static. To fix "
            "this, either specify a static value for `repeats`, or pass a static value to "
            "`total_repeat_length`.")
        if np.ndim(repeats) == 0 and arr.ndim != 0:
            reps = operator.index(repeats)
            axis = _canon(axis, arr.ndim)
            if reps == 1 and type(arr) is ArrayImpl:
                return arr
            aux_shape = list(arr.shape)
            aux_shape.insert(axis + 1, reps)
            out = S.broadcast_in_dim(arr, aux_shape,
                                     [i for i in range(len(aux_shape)) if i != axis + 1])
            result_shape = list(arr.shape)
            result_shape[axis] *= reps
            return reshape(out, result_shape)
        repeats = np.ravel(repeats)
        if arr.ndim != 0:
            repeats = np.broadcast_to(repeats, [arr.shape[axis]])
        total_repeat_length = int(np.sum(repeats))
        static = True
    else:
        total_repeat_length = core.concrete_or_error(
            operator.index, total_repeat_length, "'total_repeat_length' argument of jnp.repeat()")
        repeats = ravel(repeats)
        if arr.ndim != 0:
            repeats = broadcast_to(repeats, [arr.shape[axis]])
        static = False
    if arr.ndim == 0:
        if np.shape(repeats) == (1,):
            return creation.full([total_repeat_length], arr)
        raise ValueError("`repeat` with a scalar parameter `a` is only implemented for scalar "
                         "values of the parameter `repeats`.")
    if total_repeat_length == 0:
        result_shape = list(arr.shape)
        result_shape[axis] = 0
        return S.reshape(ArrayImpl(np.zeros((0,), arr.dtype)), result_shape)
    if arr.shape[axis] == 0:
        return arr
    if static:
        return _take(arr, _repeat_gather_indices(np.asarray(repeats, np.int64),
                                                 total_repeat_length), axis, mode="fill")
    # Traced repeats: the same construction with lax ops (scatter the block starts, cumsum).
    n = arr.shape[axis]
    repeats = lax._convert(repeats, _INT32, False)
    exclusive = J.concatenate([_const([0], _INT32), S.slice_in_dim(repeats, 0, n - 1)], 0)
    starts = lax.cumsum(exclusive, 0)
    dnums = scatter_lib.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
    indicators = scatter_lib.scatter_add(
        ArrayImpl(np.zeros(total_repeat_length, _INT32)), S.reshape(starts, (n, 1)),
        ArrayImpl(np.ones(n, _INT32)), dnums, mode="drop")
    idx = lax.sub(lax.cumsum(indicators, 0), _const(1, _INT32))
    return _take(arr, idx, axis, mode="fill")


def resize(a, new_shape):
    """``a`` flattened, repeated or truncated to fill ``new_shape``."""
    util.check_arraylike("resize", a)
    new_shape = _index_tuple(new_shape)
    if any(d < 0 for d in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    arr = ravel(a)
    new_size = math.prod(new_shape)
    if arr.size == 0 or new_size == 0:
        return creation.zeros_like(arr, shape=new_shape)
    arr = tile(arr, -(-new_size // arr.size))
    if arr.size != new_size:
        arr = S.slice_in_dim(arr, 0, new_size)
    return reshape(arr, new_shape)


# ----------------------------------------------------------------------------------------------
# Reordering: flip, roll, rot90


def _flip(m, axis):
    nd = m.ndim
    if axis is None:
        dims = list(range(nd))
    else:
        if isinstance(axis, core.Tracer):
            core.concrete_or_error(_concrete, axis, "The axis argument must be known statically.")
        dims = [_canon(ax, nd) for ax in _index_tuple(axis)]
    if not dims and type(m) is ArrayImpl:
        return m
    return S.rev(m, dims)


def flip(m, axis=None):
    """Reverse ``m`` along ``axis`` (an int, a tuple, or None for every axis)."""
    return _flip(_ensure("flip", m), axis)


def fliplr(m):
    """Reverse ``m`` along axis 1."""
    return _flip(_ensure("fliplr", m), 1)


def flipud(m):
    """Reverse ``m`` along axis 0."""
    return _flip(_ensure("flipud", m), 0)


def _roll_static(a, shift, axis):
    for ax, s in zip(*np.broadcast_arrays(axis, shift)):
        n = a.shape[ax]
        if n == 0:
            continue
        i = (-int(s)) % n
        if i == 0 and type(a) is ArrayImpl:
            continue  # nothing moves; traced calls still stage JAX's slices
        a = J.concatenate([S.slice_in_dim(a, i, n, axis=ax), S.slice_in_dim(a, 0, i, axis=ax)],
                          ax)
    return a


def _roll_dynamic(a, shift, axis):
    b_shape = broadcast_shapes(np.shape(shift), np.shape(axis))
    if len(b_shape) != 1:
        raise ValueError("'shift' and 'axis' arguments to roll must be scalars or 1D arrays")
    shifts = broadcast_to(shift, b_shape)
    for j, i in enumerate(np.broadcast_to(axis, b_shape)):
        n = a.shape[i]
        x = S.index_in_dim(shifts, j, 0, keepdims=False)
        x = ufuncs.remainder(lax._convert(x, _INT32, False), _const(max(n, 1), _INT32))
        a_concat = J.concatenate([a, a], i)
        a = DS.dynamic_slice_in_dim(a_concat, lax.sub(_const(n, _INT32), x), n, axis=i)
    return a


def roll(a, shift, axis=None):
    """Roll elements of ``a`` by ``shift`` along ``axis`` (the flattened array if None).

    ``shift`` and ``axis`` may be ints or tuples; a traced ``shift`` is supported.
    """
    arr = _ensure("roll", a)
    if axis is None:
        return reshape(roll(ravel(arr), shift, 0), arr.shape)
    axis = tuple(_canon(ax, arr.ndim) for ax in _index_tuple(axis))
    try:
        shift = _index_tuple(shift)
    except TypeError:
        return _roll_dynamic(arr, creation.asarray(shift), axis)
    return _roll_static(arr, shift, axis)


def rot90(m, k=1, axes=(0, 1)):
    """Rotate ``m`` by 90 degrees ``k`` times in the plane of ``axes`` (counterclockwise)."""
    util.check_arraylike("rot90", m)
    nd = np.ndim(m)
    if nd < 2:
        raise ValueError("rot90 requires its first argument to have ndim at least two, but got "
                         f"first argument of shape {np.shape(m)}, which has ndim {nd}")
    ax1, ax2 = axes
    ax1, ax2 = _canon(ax1, nd), _canon(ax2, nd)
    if ax1 == ax2:
        raise ValueError("Axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return creation.asarray(m)
    if k == 2:
        return flip(flip(m, ax1), ax2)
    perm = list(range(nd))
    perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
    if k == 1:
        return transpose(flip(m, ax2), perm)
    return flip(transpose(m, perm), ax2)


# ----------------------------------------------------------------------------------------------
# Differences


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis`` (``!=`` for booleans)."""
    arr = _ensure("diff", a)
    n = core.concrete_or_error(operator.index, n, "'n' argument of jnp.diff")
    axis = core.concrete_or_error(operator.index, axis, "'axis' argument of jnp.diff")
    if n == 0:
        return arr
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    if arr.ndim == 0:
        raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
    nd = arr.ndim
    axis = _canon(axis, nd)

    def edge(extra):
        extra = _ensure("diff", extra)
        if extra.ndim:
            return extra
        edge_shape = list(arr.shape)
        edge_shape[axis] = 1
        return broadcast_to(extra, tuple(edge_shape))

    combined = [arr]
    if prepend is not None:
        combined.insert(0, edge(prepend))
    if append is not None:
        combined.append(edge(append))
    if len(combined) > 1:
        arr = concatenate(combined, axis)
    op = lax.ne if arr.dtype == _BOOL else lax.sub
    for _ in range(n):
        arr = op(_pyslice(arr, 1, None, axis), _pyslice(arr, None, -1, axis))
    return arr


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences between consecutive elements of the flattened ``ary``, with optional
    values prepended (``to_begin``) and appended (``to_end``) in ``ary``'s dtype."""
    arr = ravel(_ensure("ediff1d", ary))
    result = lax.sub(_pyslice(arr, 1, None, 0), _pyslice(arr, None, -1, 0))
    if to_begin is not None:
        to_begin = _ensure("ediff1d", to_begin)
        result = concatenate((ravel(astype(to_begin, arr.dtype)), result))
    if to_end is not None:
        to_end = _ensure("ediff1d", to_end)
        result = concatenate((result, ravel(astype(to_end, arr.dtype))))
    return result


# ----------------------------------------------------------------------------------------------
# Insert, delete, trim_zeros


def _delete_unique(a, obj, axis):
    """JAX's jit-compatible deletion of unique integer indices ``obj`` (may be traced)."""
    n = a.shape[axis]
    obj = ravel(obj)
    obj = lax.select(lax.lt(obj, S.full_like(obj, 0)), ufuncs.add(obj, n), obj)
    obj = ufuncs.minimum(n, ufuncs.maximum(0, obj))
    obj = sorting.sort(obj)
    m = obj.shape[0]
    obj = ufuncs.subtract(obj, S.iota(_INT32, m))
    i = S.iota(_INT32, n - m)
    ge = ufuncs.greater_equal(*broadcast_arrays(S.reshape(i, (1, n - m)),
                                                S.reshape(obj, (m, 1))))
    i = ufuncs.add(i, _sum(ge, (0,)))
    return _take(a, i, axis)


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """``arr`` without the entries ``obj`` (an int, a slice, or an integer or boolean array)
    along ``axis`` (of the flattened array if None).

    Indices must be concrete, except integer arrays with ``assume_unique_indices=True``.
    """
    a = _ensure("delete", arr)
    if axis is None:
        a = ravel(a)
        axis = 0
    axis = _canon(axis, a.ndim)
    n = a.shape[axis]
    try:
        idx = operator.index(obj)
    except TypeError:
        pass
    else:
        idx = _canon(idx, n)
        return concatenate([S.slice_in_dim(a, 0, idx, axis=axis),
                            S.slice_in_dim(a, idx + 1, None, axis=axis)], axis=axis)
    if isinstance(obj, slice):
        keep = np.ones(n, bool)
        keep[obj] = False
        return _take_static(a, np.flatnonzero(keep), axis)
    util.check_arraylike("delete", a, obj)
    obj_dtype = dtypes.dtype(obj, canonicalize=True)
    if obj_dtype.kind in "iu" and assume_unique_indices:
        if isinstance(obj, core.Tracer) and obj.to_concrete_value() is None:
            return _delete_unique(a, obj, axis)
        o = np.ravel(np.asarray(obj, np.int64))
        o = np.clip(np.where(o < 0, o + n, o), 0, n)
        o = np.sort(o) - np.arange(o.size)
        i = np.arange(n - o.size)
        return _take_static(a, i + (i[None, :] >= o[:, None]).sum(0), axis)
    obj_array = core.concrete_or_error(np.asarray, obj, "'obj' array argument of jnp.delete()")
    if obj_array.dtype.kind in "iu":
        mask = np.ones(n, dtype=bool)
        mask[obj_array] = False
    elif obj_array.dtype == bool:
        if obj_array.shape != (n,):
            raise ValueError("np.delete(arr, obj): for boolean indices, obj must be "
                             "one-dimensional with length matching specified axis.")
        mask = ~obj_array
    else:
        raise ValueError(f"np.delete(arr, obj): got obj.dtype={obj_array.dtype}; must be "
                         "integer or bool.")
    return _take_static(a, np.flatnonzero(mask), axis)


def _scatter_dnums(nd, axis):
    """Scatter of whole slices along ``axis``, one per index (``x.at[..., idx].set``)."""
    return scatter_lib.ScatterDimensionNumbers(
        update_window_dims=tuple(i for i in range(nd) if i != axis),
        inserted_window_dims=(axis,), scatter_dims_to_operand_dims=(axis,))


def _insert_traced(a, indices, values_arr, axis, n_insert):
    """JAX's jit-compatible insertion at traced ``indices``: argsort and scatters."""
    n_input = a.shape[axis]
    n_total = n_input + n_insert
    flat = _scatter_dnums(1, 0)
    indices = broadcast_to(indices, (n_insert,))
    indices = lax.select(lax.lt(indices, S.full_like(indices, 0)), ufuncs.add(indices, n_input),
                         indices)
    indices = ufuncs.minimum(n_input, ufuncs.maximum(0, indices))
    # Sorted insertion points move right by the number of values inserted before them.
    _, order = sorting.sort((indices, S.iota(_INT32, n_insert)), num_keys=1)
    values_ind = scatter_lib.scatter_add(indices, S.reshape(order, (n_insert, 1)),
                                         S.iota(indices.dtype, n_insert), flat)
    values_ind = S.reshape(values_ind, (n_insert, 1))
    arr_mask = scatter_lib.scatter(ArrayImpl(np.ones(n_total, bool)), values_ind,
                                   ArrayImpl(np.zeros(n_insert, bool)), flat)
    # The positions of the n_input remaining slots (jnp.nonzero with a static size).
    counts = scatter_lib.scatter_add(
        ArrayImpl(np.zeros(n_input, _INT32)),
        S.reshape(lax.cumsum(lax._convert(arr_mask, _INT32, False), 0), (n_total, 1)),
        ArrayImpl(np.ones(n_total, _INT32)), flat, mode="drop")
    arr_ind = S.reshape(lax.cumsum(counts, 0), (n_input, 1))
    out_shape = list(a.shape)
    out_shape[axis] = n_total
    block_shape = list(a.shape)
    block_shape[axis] = n_insert
    values_b = lax._convert(broadcast_to(values_arr, tuple(block_shape)), a.dtype, a.weak_type)
    out = S.full(out_shape, S.convert(0, a.dtype, a.weak_type))
    dnums = _scatter_dnums(a.ndim, axis)
    out = scatter_lib.scatter(out, values_ind, values_b, dnums)
    return scatter_lib.scatter(out, arr_ind, a, dnums)


def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the indices ``obj`` along ``axis``.

    ``obj`` is an int, a slice or a 1-D integer array (which may be traced); ``values`` is
    broadcast to the inserted block and cast to ``arr``'s dtype.
    """
    util.check_arraylike("insert", arr, 0 if isinstance(obj, slice) else obj, values)
    a = util.to_array(arr)
    if axis is None:
        a = ravel(a)
        axis = 0
    axis = _canon(core.concrete_or_error(operator.index, axis, "axis argument of jnp.insert()"),
                  a.ndim)
    n_input = a.shape[axis]
    traced = isinstance(obj, core.Tracer) and obj.to_concrete_value() is None
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(n_input))
    elif traced:
        indices = obj
    else:
        indices = np.asarray(obj)
    if np.ndim(indices) > 1:
        raise ValueError("jnp.insert(): obj must be a slice, a one-dimensional array, or a "
                         f"scalar; got {obj}")
    if indices.dtype.kind not in "iu":
        if np.size(indices) == 0 and not isinstance(obj, Array):
            indices = indices.astype(np.int64)
        else:
            raise ValueError(f"jnp.insert(): index array must be integer typed; got {obj}")
    values_arr = creation.array(values, ndmin=a.ndim, dtype=a.dtype, copy=False)
    if np.size(indices) == 1:
        if np.ndim(indices) == 0:
            values_arr = moveaxis(values_arr, 0, axis)
        if traced:
            indices = S.broadcast(S.reshape(indices, ()), (values_arr.shape[axis],))
        else:
            indices = np.full(values_arr.shape[axis], indices.ravel()[0])
    n_insert = broadcast_shapes(np.shape(indices), (values_arr.shape[axis],))[0]
    if n_insert == 0:
        return a
    if traced:
        return _insert_traced(a, indices, values_arr, axis, n_insert)
    indices = np.broadcast_to(indices.astype(np.int64), (n_insert,))
    indices = np.clip(np.where(indices < 0, indices + n_input, indices), 0, n_input)
    # JAX's placement: sorted insertion points shift right by the number inserted before them;
    # with concrete indices one gather from [a, values] builds the result.
    values_ind = indices.copy()
    np.add.at(values_ind, np.argsort(indices, kind="stable"), np.arange(n_insert))
    arr_mask = np.ones(n_input + n_insert, dtype=bool)
    arr_mask[values_ind] = False
    arr_ind = np.flatnonzero(arr_mask)
    block_shape = list(a.shape)
    block_shape[axis] = n_insert
    values_b = lax._convert(broadcast_to(values_arr, tuple(block_shape)), a.dtype, a.weak_type)
    perm = np.empty(n_input + n_insert, np.int64)
    perm[arr_ind] = np.arange(n_input)
    perm[values_ind] = n_input + np.arange(n_insert)
    return _take(J.concatenate([a, values_b], axis), perm, axis)


def trim_zeros(filt, trim="fb"):
    """The 1-D ``filt`` without leading ('f') and/or trailing ('b') zeros (concrete only)."""
    _warn_arraylike("trim_zeros", filt)
    core.concrete_or_error(_concrete, filt, "Error arose in the `filt` argument of trim_zeros()")
    arr = creation.asarray(filt)
    if arr.ndim != 1:
        raise TypeError(f"'filt' must be 1-D array, but received {arr.ndim}-D array.")
    nz = np.asarray(arr.to_concrete_value() if isinstance(arr, core.Tracer) else arr) == 0
    if nz.all():
        return creation.zeros((0,), arr.dtype)
    start = int(np.argmin(nz)) if "f" in trim.lower() else 0
    end = int(np.argmin(nz[::-1])) if "b" in trim.lower() else 0
    if start == 0 and end == 0 and type(arr) is ArrayImpl:
        return arr
    return S.slice_in_dim(arr, start, len(nz) - end)

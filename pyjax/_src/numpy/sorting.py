"""Sorting and searching: sort, argsort, lexsort, partition, searchsorted, sort_complex.

The private helpers at the top (``_moveaxis``, ``_take``, ``_where``, ...) are lax-level
building blocks shared by this family's modules (setops, polynomial, linalg_ops, misc), so that
they depend only on primitives and not on other jax.numpy modules being written concurrently.
"""
import builtins
import math

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.primitives import indexing as _indexing
from pyjax._src.primitives import scatter as _scatter
from pyjax._src.primitives import sorting as _lax_sorting


# ----------------------------------------------------------------------------------------------
# lax-level helpers shared by the contraction/sorting/set/polynomial/misc modules


def _shape(x):
    return core.get_aval(x).shape


def _ndim(x):
    return len(core.get_aval(x).shape)


def _dtype(x):
    return core.get_aval(x).dtype


def _int_dtype():
    return dtypes.default_int_dtype()


def _index_dtype(n):
    """int32 when ``n`` fits, else int64 (JAX's int_dtype_for_dim, canonicalised)."""
    return dtypes.canonicalize_dtype(np.int32 if n < (1 << 31) else np.int64)


def _scalar(value, dtype, weak=False):
    """A 0-d array of ``dtype``; a constant, so it stays a literal in jaxprs."""
    return ArrayImpl(np.asarray(value).astype(dtype), weak)


def _iota(dtype, n):
    return lax.iota(np.dtype(dtype), int(n))


def _ravel(x):
    shape = _shape(x)
    return x if len(shape) == 1 else lax.reshape(x, (math.prod(shape),))


def _moveaxis(x, source, destination):
    ndim = _ndim(x)
    source = util.canonicalize_axis(source, ndim)
    destination = util.canonicalize_axis(destination, ndim)
    if source == destination:
        return x
    perm = [i for i in range(ndim) if i != source]
    perm.insert(destination, source)
    return lax.transpose(x, tuple(perm))


def _swapaxes(x, a, b):
    ndim = _ndim(x)
    a, b = util.canonicalize_axis(a, ndim), util.canonicalize_axis(b, ndim)
    if a == b:
        return x
    perm = list(range(ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return lax.transpose(x, tuple(perm))


def _broadcast_to(x, shape):
    x = util.to_array(x)
    shape = tuple(shape)
    old = _shape(x)
    if old == shape:
        return x
    nlead = len(shape) - len(old)
    if nlead < 0 or any(d != 1 and d != s for d, s in zip(old, shape[nlead:])):
        raise ValueError(f"Incompatible shapes for broadcasting: {old} and requested shape "
                         f"{shape}")
    keep = [i for i, d in enumerate(old) if d == shape[nlead + i]]
    if len(keep) != len(old):
        x = lax.reshape(x, tuple(old[i] for i in keep))
    return lax.broadcast_in_dim(x, shape, tuple(nlead + i for i in keep))


def _broadcast_arrays(*args):
    shape = np.broadcast_shapes(*[_shape(a) for a in args])
    return [_broadcast_to(a, shape) for a in args]


def _where(cond, x, y):
    """``jnp.where(cond, x, y)``: promotes ``x`` and ``y`` and broadcasts all three."""
    x, y = util.promote_dtypes(x, y)
    cond = util.to_array(cond)
    if _dtype(cond) != np.bool_:
        cond = lax.ne(cond, _scalar(0, _dtype(cond)))
    cond, x, y = _broadcast_arrays(cond, x, y)
    return lax.select(cond, x, y)


def _astype(x, dtype):
    return lax._convert(util.to_array(x), np.dtype(dtype), False)


def _concatenate(arrays, axis=0):
    """``jnp.concatenate``: promotes dtypes (and weak types) first."""
    arrays = util.promote_dtypes(*arrays)
    if len(arrays) == 1:
        return arrays[0]
    return lax.concatenate(arrays, util.canonicalize_axis(axis, _ndim(arrays[0])))


def _sum(x, axis=None, dtype=None):
    """``jnp.sum``: bool and signed ints sum in the default int, unsigned in the default uint;
    the result is never weak."""
    x = util.to_array(x)
    ndim = _ndim(x)
    axes = tuple(range(ndim)) if axis is None else (util.canonicalize_axis(axis, ndim),)
    if dtype is None:
        dt = _dtype(x)
        if dt == np.bool_ or dt.kind == "i":
            dtype = dtypes.default_int_dtype()
        elif dt.kind == "u":
            dtype = dtypes.default_uint_dtype()
        else:
            dtype = dt
    x = lax._convert(x, np.dtype(dtype), False)
    return lax.reduce_sum(x, axes)


def _cumsum(x, axis=0):
    """``jnp.cumsum`` for bool (as the default int) and numeric arrays (dtype kept)."""
    if _dtype(x) == np.bool_:
        x = _astype(x, _int_dtype())
    return lax.cumsum(x, util.canonicalize_axis(axis, _ndim(x)))


def _normalize_index(idx, n):
    """Wrap negative indices once by adding ``n`` (JAX indexing semantics)."""
    dt = _dtype(idx)
    if dt.kind == "u":
        return idx
    return lax.select(lax.lt(idx, _scalar(0, dt)), lax.add(idx, _scalar(n, dt)), idx)


def _take(arr, idx, mode="clip", fill_value=None, wrap_negative=True):
    """``arr[idx]`` for an integer array ``idx`` indexing axis 0 of ``arr``.

    Args:
      arr: array of rank >= 1.
      idx: integer indices of any shape; the result has shape ``idx.shape + arr.shape[1:]``.
      mode: 'clip' clamps out-of-bounds indices (JAX's default for ``x[idx]``), 'fill'
        returns ``fill_value`` (default: the dtype's gather fill value) for them.
      fill_value: see ``mode``.
      wrap_negative: add ``len(arr)`` to negative indices first.
    """
    arr = util.to_array(arr)
    idx = util.to_array(idx)
    shape = _shape(arr)
    if shape[0] == 0:
        # Nothing to read (XLA rejects a window larger than the axis): an array of fills.
        fill = 0 if fill_value is None or mode != "fill" else fill_value
        out_shape = tuple(_shape(idx)) + tuple(shape[1:])
        return lax.full_like(arr, fill, shape=out_shape)
    if wrap_negative:
        idx = _normalize_index(idx, shape[0])
    ind = lax.expand_dims(idx, (_ndim(idx),))
    nd = _ndim(idx)
    dnums = _indexing.GatherDimensionNumbers(
        offset_dims=tuple(range(nd, nd + len(shape) - 1)), collapsed_slice_dims=(0,),
        start_index_map=(0,))
    return _indexing.gather(arr, ind, dnums, (1,) + tuple(shape[1:]),
                            mode="fill" if mode == "fill" else "clip", fill_value=fill_value)


def _scatter1d(operand, idx, updates, op="set", mode="drop"):
    """``operand.at[idx].set/add(updates)`` for a 1-d ``operand`` and an index array."""
    idx = util.to_array(idx)
    idx = _normalize_index(idx, _shape(operand)[0])
    updates = _broadcast_to(_astype(updates, _dtype(operand)), _shape(idx))
    ind = lax.expand_dims(idx, (_ndim(idx),))
    dnums = _scatter.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                             scatter_dims_to_operand_dims=(0,))
    fn = _scatter.scatter if op == "set" else _scatter.scatter_add
    return fn(operand, ind, updates, dnums, mode=mode)


def _nonzero1d(mask, size, fill_value=None):
    """``jnp.nonzero(mask, size=size, fill_value=fill_value)[0]`` for a 1-d boolean mask.

    The positions of the True entries in order, padded to ``size`` with ``fill_value``
    (default 0, as JAX's nonzero gives for one dimension).
    """
    n = _shape(mask)[0]
    int_dt = _int_dtype()
    out = lax.full((size,), 0 if fill_value is None else fill_value, int_dt)
    if n == 0 or size == 0:
        return out
    target = lax.sub(_cumsum(mask), _scalar(1, int_dt))
    # Entries that are False, or beyond ``size``, are sent out of bounds and dropped.
    target = lax.select(mask, target, lax.full((n,), size, int_dt))
    return _scatter1d(out, target, _iota(int_dt, n), op="set", mode="drop")


def _flip(x, axis=0):
    return lax.rev(x, (util.canonicalize_axis(axis, _ndim(x)),))


def _slice(x, start, stop, axis=0):
    """``x[start:stop]`` along ``axis`` with Python slice semantics (static bounds)."""
    axis = util.canonicalize_axis(axis, _ndim(x))
    start, stop, _ = builtins.slice(start, stop).indices(_shape(x)[axis])
    return lax.slice_in_dim(x, start, builtins.max(start, stop), axis=axis)


def _index(x, i, axis=0):
    """``x[i]`` along ``axis`` for a static int ``i``."""
    axis = util.canonicalize_axis(axis, _ndim(x))
    i = i + _shape(x)[axis] if i < 0 else i
    return lax.index_in_dim(x, i, axis=axis, keepdims=False)


def _concrete_int(value, context):
    return core.concrete_or_error(int, value, context)


# ----------------------------------------------------------------------------------------------
# JAX's sort comparators (NaN after everything, -0.0 == +0.0), for searchsorted


def _keys(x):
    if _dtype(x).kind == "c":
        return [lax.real(x), lax.imag(x)]
    return [x]


def _key_lt(x, y):
    lt = lax.lt(x, y)
    if _dtype(x).kind in "fV" or _dtype(x) == dtypes.bfloat16:
        lt = lax.bitwise_or(lt, lax.bitwise_and(lax.eq(x, x), lax.ne(y, y)))
    return lt


def _key_eq(x, y):
    eq = lax.eq(x, y)
    if _dtype(x).kind in "fV" or _dtype(x) == dtypes.bfloat16:
        eq = lax.bitwise_or(eq, lax.bitwise_and(lax.ne(x, x), lax.ne(y, y)))
    return eq


def _sort_lt(x, y):
    """x < y in JAX's sort order (lexicographic over the keys of complex values)."""
    p = None
    for xk, yk in zip(_keys(x)[::-1], _keys(y)[::-1]):
        lt = _key_lt(xk, yk)
        p = lt if p is None else lax.bitwise_or(lt, lax.bitwise_and(_key_eq(xk, yk), p))
    return p


def _sort_le(x, y):
    """x <= y in JAX's sort order."""
    p = None
    for xk, yk in zip(_keys(x)[::-1], _keys(y)[::-1]):
        if p is None:
            p = lax.bitwise_not(_key_lt(yk, xk))
        else:
            p = lax.bitwise_or(_key_lt(xk, yk), lax.bitwise_and(_key_eq(xk, yk), p))
    return p


# ----------------------------------------------------------------------------------------------
# sort, argsort, lexsort, sort_complex


def _sort_operand(name, a, axis, kind, order):
    """Checks the arguments of sort/argsort ``name``: the operand as an array (flattened when
    ``axis`` is None) and the sorted dimension."""
    util.check_arraylike(name, a)
    arr = util.to_array(a)
    if kind is not None:
        raise TypeError(f"'kind' argument to {name} is not supported. Use stable=True or "
                        "stable=False to specify sort stability.")
    if order is not None:
        raise TypeError(f"'order' argument to {name} is not supported.")
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    return arr, util.canonicalize_axis(axis, _ndim(arr))


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Return a sorted copy of an array.

    Args:
      a: array to sort.
      axis: axis along which to sort (default -1); None sorts the flattened array.
      kind: not supported (use ``stable``).
      order: not supported.
      stable: whether equal entries keep their order (default True).
      descending: sort in descending order.

    Returns:
      The sorted array. NaNs sort to the end; -0.0 and +0.0 compare equal.

    Example:
      >>> sort(jnp.array([1, 3, 5, 4, 2, 1]))
      Array([1, 1, 2, 3, 4, 5], dtype=int32)
    """
    arr, dimension = _sort_operand("sort", a, axis, kind, order)
    result = _lax_sorting.sort(arr, dimension=dimension, is_stable=bool(stable))
    return lax.rev(result, (dimension,)) if descending else result


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Return the indices that sort an array (default-int dtype).

    Args:
      a, axis, kind, order, stable: as for :func:`sort`.
      descending: sort in descending order (equal entries still in their original order
        when ``stable``).

    Returns:
      An integer array of indices of the same shape as ``a`` (or ``(a.size,)``).

    Example:
      >>> argsort(jnp.array([1, 3, 5, 4, 2, 1]))
      Array([0, 5, 4, 1, 3, 2], dtype=int32)
    """
    arr, dimension = _sort_operand("argsort", a, axis, kind, order)
    shape = _shape(arr)
    index_dtype = np.dtype(np.int64) if shape[dimension] >= (1 << 31) else _int_dtype()
    iota = lax.broadcasted_iota(index_dtype, shape, dimension)
    # Reversing first keeps equal entries in their original order once reversed back.
    if descending and stable:
        arr = lax.rev(arr, (dimension,))
        iota = lax.rev(iota, (dimension,))
    _, indices = _lax_sorting.sort_key_val(arr, iota, dimension=dimension,
                                           is_stable=bool(stable))
    return lax.rev(indices, (dimension,)) if descending else indices


def _key_sequence(keys):
    if isinstance(keys, (ArrayImpl, core.Tracer)):
        n = _shape(keys)[0] if _ndim(keys) else 0
        if _ndim(keys) == 0:
            raise TypeError("iteration over a 0-d array")
        return tuple(lax.index_in_dim(keys, i, 0, keepdims=False) for i in range(n))
    if isinstance(keys, np.ndarray):
        return tuple(keys)
    return tuple(keys)


def lexsort(keys, axis=-1):
    """Indirect stable sort by several keys; the last key is the primary one.

    Args:
      keys: a sequence of arrays of equal shapes (or a 2-d array of keys).
      axis: the axis to sort along (default -1).

    Returns:
      Default-int indices of shape ``keys[0].shape``.

    Example:
      >>> lexsort([jnp.array([4, 2, 3, 2, 5]), jnp.array([2, 1, 1, 2, 2])])
      Array([1, 2, 3, 0, 4], dtype=int32)
    """
    key_arrays = _key_sequence(keys)
    util.check_arraylike("lexsort", *key_arrays)
    key_arrays = tuple(util.to_array(k) for k in key_arrays)
    if len(key_arrays) == 0:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if len({_shape(k) for k in key_arrays}) > 1:
        raise ValueError("all keys need to be the same shape")
    shape = _shape(key_arrays[0])
    if len(shape) == 0:
        return lax.full((), 0, _int_dtype())
    axis = util.canonicalize_axis(axis, len(shape))
    index_dtype = np.dtype(np.int64) if shape[axis] >= (1 << 31) else _int_dtype()
    iota = lax.broadcasted_iota(index_dtype, shape, axis)
    return _lax_sorting.sort((*key_arrays[::-1], iota), dimension=axis,
                             num_keys=len(key_arrays))[-1]


def sort_complex(a):
    """Sort a (complex) array along its last axis: by real part, then imaginary part.

    Args:
      a: input array; non-complex inputs are converted to complex after sorting.

    Returns:
      The sorted array, of the complex dtype matching ``a``'s precision.

    Example:
      >>> sort_complex(jnp.array([1+2j, 2+4j, 3-1j, 2+3j]))
      Array([1.+2.j, 2.+3.j, 2.+4.j, 3.-1.j], dtype=complex64)
    """
    util.check_arraylike("sort_complex", a)
    a = util.to_array(a)
    a = _lax_sorting.sort(a)
    return lax.convert_element_type(a, dtypes.to_complex_dtype(_dtype(a)))


# ----------------------------------------------------------------------------------------------
# partition, argpartition (JAX's construction from two top_k calls)


def _partition_prep(name, a, kth, axis):
    util.check_arraylike(name, a)
    arr = util.to_array(a)
    if _dtype(arr).kind == "c":
        raise NotImplementedError(f"jnp.{name} for complex dtype is not implemented.")
    axis = util.canonicalize_axis(axis, _ndim(arr))
    kth = util.canonicalize_axis(_concrete_int(kth, f"'kth' argument of jnp.{name}"),
                                 _shape(arr)[axis])
    return _swapaxes(arr, axis, -1), axis, kth


def _bottom_key(arr):
    # top_k of the negation finds the smallest entries; unsigned values are shifted by one so
    # that zero does not negate to itself.
    if _dtype(arr).kind == "u":
        return ufuncs.negative(ufuncs.add(arr, 1))
    return ufuncs.negative(arr)


def partition(a, kth, axis=-1):
    """A copy of ``a`` partially sorted so that entry ``kth`` is in its sorted place.

    Entries before ``kth`` are no larger and entries after it no smaller; their order is
    JAX's (the smallest ``kth`` values ascending, the rest descending).

    Args:
      a: array to partition.
      kth: static index of the pivot along ``axis``.
      axis: static axis (default -1).

    Returns:
      The partitioned array.

    Example:
      >>> partition(jnp.array([6, 8, 4, 3, 1, 9, 7, 5, 2, 3]), 4)
      Array([1, 2, 3, 3, 4, 9, 8, 7, 6, 5], dtype=int32)
    """
    arr, axis, kth = _partition_prep("partition", a, kth, axis)
    n = _shape(arr)[-1]
    if _dtype(arr).kind == "u":
        bottom = ufuncs.subtract(ufuncs.negative(
            _lax_sorting.top_k(_bottom_key(arr), kth + 1)[0]), 1)
    else:
        bottom = ufuncs.negative(_lax_sorting.top_k(_bottom_key(arr), kth + 1)[0])
    top = _lax_sorting.top_k(arr, n - kth - 1)[0]
    out = lax.concatenate([bottom, top], _ndim(arr) - 1)
    return _swapaxes(out, -1, axis)


def argpartition(a, kth, axis=-1):
    """Indices that partition ``a`` around its ``kth`` entry (see ``partition``).

    Args:
      a: array to partition.
      kth: static index of the pivot along ``axis``.
      axis: static axis (default -1).

    Returns:
      int32 indices along ``axis``.

    Example:
      >>> argpartition(jnp.array([6, 8, 4, 3, 1, 9, 7, 5, 2, 3]), 4)
      Array([4, 8, 3, 9, 2, 0, 1, 5, 6, 7], dtype=int32)
    """
    arr, axis, kth = _partition_prep("argpartition", a, kth, axis)
    shape = _shape(arr)
    bottom_ind = _lax_sorting.top_k(_bottom_key(arr), kth + 1)[1]
    # The remaining indices are found through a proxy that is 0 at the bottom indices and 1
    # elsewhere, so that duplicated values cannot be picked twice.
    nb = len(shape) - 1
    proxy = lax.full(shape, 1.0, dtypes.default_float_dtype())
    updates = lax.full(_shape(bottom_ind), 0.0, dtypes.default_float_dtype())
    dnums = _scatter.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(nb,), scatter_dims_to_operand_dims=(nb,),
        operand_batching_dims=tuple(range(nb)), scatter_indices_batching_dims=tuple(range(nb)))
    proxy = _scatter.scatter(proxy, lax.expand_dims(bottom_ind, (nb + 1,)), updates, dnums,
                             mode="drop")
    top_ind = _lax_sorting.top_k(proxy, shape[-1] - kth - 1)[1]
    out = lax.concatenate([bottom_ind, top_ind], nb)
    return _swapaxes(out, -1, axis)


# ----------------------------------------------------------------------------------------------
# searchsorted

_SEARCH_METHODS = ("compare_all", "scan", "scan_unrolled", "sort")


def _searchsorted_scan(a, q, side, dtype):
    n = _shape(a)[0]
    op = _sort_le if side == "left" else _sort_lt
    udt = np.dtype(np.uint64 if np.dtype(dtype).itemsize == 8 else np.uint32)
    low = lax.full(_shape(q), 0, udt)
    high = lax.full(_shape(q), n, udt)
    two = _scalar(2, udt)
    # A binary search of a fixed number of steps (XLA's scan, unrolled).
    for _ in range(int(np.ceil(np.log2(n + 1)))):
        mid = lax.add(low, lax.div(lax.sub(high, low), two))
        go_left = op(q, _take(a, mid, wrap_negative=False))
        low, high = lax.select(go_left, low, mid), lax.select(go_left, mid, high)
    return _astype(high, dtype)


def _searchsorted_compare_all(a, q, side, dtype):
    op = _sort_lt if side == "left" else _sort_le
    qn = _ndim(q)
    a_b = lax.reshape(a, _shape(a) + (1,) * qn)
    q_b = lax.expand_dims(q, (0,))
    return lax.reduce_sum(_astype(op(a_b, q_b), dtype), (0,))


def _rank(x, working_dtype):
    n = _shape(x)[0]
    idx = _iota(working_dtype, n)
    order = _lax_sorting.sort_key_val(x, idx)[1]
    return _scatter1d(lax.full((n,), 0, working_dtype), order, idx, op="set")


def _searchsorted_sort(a, q, side, dtype):
    n, m = _shape(a)[0], math.prod(_shape(q))
    working = _index_dtype(n + m)
    qf = _ravel(q) if _ndim(q) != 1 else q
    if side == "left":
        index = lax.slice_in_dim(_rank(lax.concatenate([qf, a], 0), working), 0, m)
    else:
        index = lax.slice_in_dim(_rank(lax.concatenate([a, qf], 0), working), n, n + m)
    out = lax.reshape(lax.sub(index, _rank(qf, working)), _shape(q))
    return _astype(out, dtype)


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Indices at which to insert ``v`` into the sorted 1-d ``a`` to keep it sorted.

    Args:
      a: one-dimensional array, sorted unless ``sorter`` is given.
      v: query values of any shape.
      side: 'left' (first suitable index) or 'right' (last suitable index).
      sorter: optional indices that sort ``a``.
      method: 'scan' (default), 'scan_unrolled', 'sort' or 'compare_all'; all give the same
        result for a sorted ``a``.

    Returns:
      int32 insertion indices of shape ``v.shape``.

    Example:
      >>> searchsorted(jnp.array([1, 2, 2, 3, 4, 5, 5]), 2, side='right')
      Array(3, dtype=int32)
    """
    if sorter is None:
        util.check_arraylike("searchsorted", a, v)
    else:
        util.check_arraylike("searchsorted", a, v, sorter)
    a, v = util.to_array(a), util.to_array(v)
    if _ndim(a) != 1:
        raise ValueError("a should be 1-dimensional")
    a, v = util.promote_dtypes(a, v)
    if sorter is not None:
        a = _take(a, util.to_array(sorter))
    if side not in ("left", "right"):
        raise ValueError(f"invalid argument side={side!r}, expected 'left' or 'right'")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"invalid argument method={method!r}, expected one of "
                         f"{list(_SEARCH_METHODS)}")
    n = _shape(a)[0]
    dtype = _index_dtype(n)
    if n == 0:
        return lax.full(_shape(v), 0, dtype)
    if method in ("scan", "scan_unrolled"):
        return _searchsorted_scan(a, v, side, dtype)
    if method == "compare_all":
        return _searchsorted_compare_all(a, v, side, dtype)
    return _searchsorted_sort(a, v, side, dtype)

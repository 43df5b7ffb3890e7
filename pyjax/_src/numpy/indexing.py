"""NumPy-style indexing: ``x[idx]`` (``getitem``) and the ``x.at[idx]`` updates.

Reads lower as JAX lowers them, trying in order:
  1. static basic indices (ints, slices, None, ...): slice, rev, squeeze, expand_dims;
  2. scalar integer indices (possibly traced) with unit-step slices: dynamic_slice;
  3. anything else: one gather.
Out-of-bounds integer reads clamp (after wrapping negative indices once); updates are one
scatter, which by default drops out-of-bounds updates. Eager basic indexing of a concrete
array skips the primitives and slices the buffer directly (the same values, much faster).

The other index functions (take, where, nonzero, mgrid, ...) live in indexing_funcs.py and
are exported from here.
"""
import operator
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import errors
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.primitives import scatter as lax_scatter
from pyjax._src.primitives.indexing import GatherDimensionNumbers, GatherScatterMode, gather

_PROMISE = GatherScatterMode.PROMISE_IN_BOUNDS
_CLIP = GatherScatterMode.CLIP
_ARRAY_TYPES = (ArrayImpl, core.Tracer, np.ndarray)
_INT_TYPES = frozenset([int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                        np.uint32, np.uint64])
_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1

# Kinds of index entries.
_NONE, _ELLIPSIS, _SLICE, _INT, _BOOL, _ARRAY = ("none", "ellipsis", "slice", "int", "bool",
                                                 "array")


class _Parsed(NamedTuple):
    """One entry of an index: its value, its kind, and the axes of the array it consumes."""
    index: object
    kind: str
    axes: tuple


# ----------------------------------------------------------------------------------------------
# Parsing


def _list_index_error(idx):
    unpack = any(isinstance(i, (Sequence, slice)) or i is Ellipsis or i is None
                 or (isinstance(i, _ARRAY_TYPES) and np.ndim(i) != 0) for i in idx)
    use = "arr[tuple(seq)]" if unpack else "arr[array(seq)]"
    return TypeError("Using a non-tuple sequence for multidimensional indexing is not allowed; "
                     f"use `{use}` instead of `arr[seq]`. See "
                     "https://github.com/jax-ml/jax/issues/4564 for more information.")


def _indexer_type_error(dtype):
    return TypeError(f"Indexer must have integer or boolean type, got indexer with type {dtype}")


def _classify(idx):
    """(index, kind) of one entry; sequences inside a tuple index become arrays."""
    if idx is None:
        return idx, _NONE
    if idx is Ellipsis:
        return idx, _ELLIPSIS
    if isinstance(idx, slice):
        return idx, _SLICE
    if isinstance(idx, (bool, np.bool_)):
        return idx, _BOOL
    if isinstance(idx, (int, np.integer)):
        return idx, _INT
    if not isinstance(idx, _ARRAY_TYPES) and hasattr(idx, "__jax_array__"):
        idx = idx.__jax_array__()
    if isinstance(idx, _ARRAY_TYPES):
        dt = idx.dtype
        if dt == np.bool_:
            return idx, _BOOL
        if dt.kind in "iu":
            return idx, _ARRAY
        raise _indexer_type_error(dt)
    if isinstance(idx, str):
        raise TypeError(f"JAX does not support string indexing; got {idx=}")
    if isinstance(idx, Sequence):
        if not idx:  # an empty list would be float; it indexes nothing
            return np.zeros((0,), np.int32), _ARRAY
        return _classify(creation.asarray(idx))
    if isinstance(idx, (float, complex, np.generic)):
        raise _indexer_type_error(np.dtype(type(idx)))
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                     f"integer or boolean arrays are valid indices. Got {idx}")


def _parse(idx, shape):
    """The entries of ``idx`` with the axes of an array of ``shape`` each consumes."""
    if not isinstance(idx, tuple):
        if isinstance(idx, Sequence) and not isinstance(idx, str):
            raise _list_index_error(idx)
        idx = (idx,)
    entries = [_classify(i) for i in idx]
    consumed = [0 if k in (_NONE, _ELLIPSIS) else np.ndim(i) if k == _BOOL else 1
                for i, k in entries]
    ellipses = [n for n, (_, k) in enumerate(entries) if k == _ELLIPSIS]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    total = sum(consumed)
    if total > len(shape):
        raise IndexError(f"Too many indices: array is {len(shape)}-dimensional, but {total} "
                         "were indexed")
    if ellipses:
        consumed[ellipses[0]] = len(shape) - total
    parsed, dim = [], 0
    for (i, k), n in zip(entries, consumed):
        parsed.append(_Parsed(i, k, tuple(range(dim, dim + n))))
        dim += n
    return parsed


def _expand_ellipsis(parsed, ndim):
    """Replace the ellipsis and the implicit trailing axes by full slices."""
    out = []
    for p in parsed:
        if p.kind == _ELLIPSIS:
            out.extend(_Parsed(slice(None), _SLICE, (a,)) for a in p.axes)
        else:
            out.append(p)
    used = sum(len(p.axes) for p in parsed)
    out.extend(_Parsed(slice(None), _SLICE, (a,)) for a in range(used, ndim))
    return out


def _concrete_value(x):
    """The NumPy value of ``x``, or None if it is a tracer without a known value."""
    if isinstance(x, core.Tracer):
        return x.to_concrete_value()
    if type(x) is ArrayImpl:
        return x._value
    return np.asarray(x)


def _slice_is_static(s):
    return all(e is None or not isinstance(e, core.Tracer) or e.to_concrete_value() is not None
               for e in (s.start, s.stop, s.step))


def _slice_bounds(s, size):
    """``s.indices(size)``, or None if the slice has traced or invalid entries."""
    if not _slice_is_static(s):
        return None
    try:
        return s.indices(size)
    except (TypeError, ValueError):
        return None


def _index_dtype(shape):
    if config.jax_enable_x64 and any(d > _INT32_MAX for d in shape):
        return np.dtype(np.int64)
    return np.dtype(np.int32)


# ----------------------------------------------------------------------------------------------
# Reads: fast path, static slice, dynamic slice, gather


def _fast_slice_ok(s):
    return ((s.start is None or type(s.start) in _INT_TYPES)
            and (s.stop is None or type(s.stop) in _INT_TYPES)
            and (s.step is None or (type(s.step) in _INT_TYPES and s.step != 0)))


def _clamped(i, size):
    i = int(i)
    if i < 0:
        i += size
    return 0 if i < 0 else size - 1 if i >= size else i


def _fast_getitem(arr, idx):
    """Basic indexing of a concrete array straight on its buffer; None if not applicable.

    Gives what static slicing would (integers clamp after one wrap), without binding
    primitives: NumPy views are safe, as buffers are never mutated.
    """
    value = arr._value
    t = type(idx)
    if t in _INT_TYPES:
        if not value.ndim or not value.shape[0]:
            return None
        out = value[_clamped(idx, value.shape[0])]
    elif t is slice:
        if not value.ndim or not _fast_slice_ok(idx):
            return None
        out = value[idx]
    elif t is tuple:
        shape, ndim = value.shape, value.ndim
        consumed, ellipsis = 0, False
        for i in idx:
            ti = type(i)
            if ti in _INT_TYPES or ti is slice:
                consumed += 1
            elif i is Ellipsis:
                if ellipsis:
                    return None
                ellipsis = True
            elif i is not None:
                return None
        if consumed > ndim:
            return None
        new, axis = list(idx), 0
        for n, i in enumerate(idx):
            ti = type(i)
            if ti in _INT_TYPES:
                if not shape[axis]:
                    return None
                new[n] = _clamped(i, shape[axis])
                axis += 1
            elif ti is slice:
                if not _fast_slice_ok(i):
                    return None
                axis += 1
            elif i is Ellipsis:
                axis += ndim - consumed
        out = value[tuple(new)]
    elif idx is None:
        out = value[None]
    elif idx is Ellipsis:
        return arr
    else:
        return None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    return ArrayImpl(out, arr.weak_type)


def _parse_mode(mode):
    return _PROMISE if mode is None else GatherScatterMode.from_any(mode)


def _try_static_slice(arr, parsed, shape, mode, normalize):
    """``arr[idx]`` with lax.slice & co. if the index allows it, else None."""
    try:
        parsed_mode = _parse_mode(mode)
    except ValueError:
        return None
    if parsed_mode is not _PROMISE and parsed_mode is not _CLIP:
        return None
    for p in parsed:
        if p.kind in (_ARRAY, _BOOL):
            return None
        if p.kind == _INT and parsed_mode is _PROMISE:
            i, size = operator.index(p.index), shape[p.axes[0]]
            if normalize and i < 0:
                i += size
            if not 0 <= i < size:  # out of bounds: the dynamic slice clamps
                return None
    starts, limits, strides, rev_axes, squeeze_axes, newaxis_dims = [], [], [], [], [], []
    for p in _expand_ellipsis(parsed, len(shape)):
        if p.kind == _NONE:
            newaxis_dims.append(len(starts) - len(squeeze_axes) + len(newaxis_dims))
            continue
        axis = p.axes[0]
        size = shape[axis]
        if p.kind == _INT:
            if size == 0:
                return None
            i = int(p.index)
            if normalize and i < 0:
                i += size
            i = min(max(i, 0), size - 1)
            starts.append(i)
            limits.append(i + 1)
            strides.append(1)
            squeeze_axes.append(axis)
            continue
        bounds = _slice_bounds(p.index, size)
        if bounds is None:
            return None
        start, stop, step = bounds
        if step < 0:  # slice forwards, then reverse
            new_start = min(size, stop + 1 + abs(start - stop - 1) % -step)
            starts.append(new_start)
            limits.append(max(new_start, start + 1))
            strides.append(-step)
            rev_axes.append(axis)
        else:
            starts.append(start)
            limits.append(max(start, stop))
            strides.append(step)
    unit = all(s == 1 for s in strides)
    result = arr
    if not (unit and all(a == 0 and b == n for a, b, n in zip(starts, limits, shape))):
        result = lax.slice(arr, starts, limits, None if unit else strides)
    if rev_axes:
        result = lax.rev(result, rev_axes)
    if squeeze_axes:
        result = lax.squeeze(result, squeeze_axes)
    if newaxis_dims:
        result = lax.expand_dims(result, newaxis_dims)
    return result


def _static_start(i, size, normalize, multiple):
    """A static start index for dynamic_slice, normalised once (JAX's semantics).

    A start still negative after normalisation clamps to 0, so pass 0: dynamic_slice would
    otherwise wrap it a second time (or reject it when normalisation is off).
    """
    i = int(i)
    if normalize and i < 0:
        i += size
    i = min(max(i, 0), _INT32_MAX)
    return np.int32(i) if multiple else i


def _try_dynamic_slice(arr, parsed, shape, mode, normalize):
    """``arr[idx]`` with lax.dynamic_slice if the index allows it, else None."""
    if mode is not None:
        try:
            parsed_mode = GatherScatterMode.from_any(mode)
        except ValueError:
            return None
        if parsed_mode is not _PROMISE and parsed_mode is not _CLIP:
            return None
    for p in parsed:
        if p.kind == _BOOL or (p.kind == _ARRAY and np.ndim(p.index) != 0):
            return None
        if p.kind == _SLICE:
            step = p.index.step
            if step is not None and (isinstance(step, core.Tracer) or step not in (-1, 1)):
                return None
    starts, sizes, rev_axes, squeeze_axes, newaxis_dims = [], [], [], [], []
    trivial = True
    for p in _expand_ellipsis(parsed, len(shape)):
        if p.kind == _NONE:
            newaxis_dims.append(len(starts) - len(squeeze_axes) + len(newaxis_dims))
            continue
        axis = p.axes[0]
        size = shape[axis]
        if p.kind in (_INT, _ARRAY):
            if size == 0:
                return None
            trivial = False
            starts.append(p.index)
            sizes.append(1)
            squeeze_axes.append(axis)
            continue
        s = p.index
        if s.start is not None or s.stop is not None or s.step is not None:
            trivial = False
        bounds = _slice_bounds(s, size)
        if bounds is None:
            return None
        start, stop, step = bounds
        if step < 0:
            starts.append(stop + 1)
            sizes.append(max(0, start - stop))
            rev_axes.append(axis)
        else:
            starts.append(start)
            sizes.append(max(0, stop - start))
    result = arr
    if not trivial:
        multiple = len(starts) > 1
        idx_dtype = _index_dtype(shape)
        fixed = []
        for i, size in zip(starts, shape):
            if isinstance(i, (int, np.integer)):
                fixed.append(_static_start(i, size, normalize, multiple))
            elif isinstance(i, np.ndarray):
                fixed.append(_static_start(i[()], size, normalize, multiple))
            else:
                fixed.append(lax.convert_element_type(i, idx_dtype) if multiple else i)
        result = lax.dynamic_slice(arr, fixed, sizes, allow_negative_indices=normalize)
    if rev_axes:
        result = lax.rev(result, rev_axes)
    if squeeze_axes:
        result = lax.squeeze(result, squeeze_axes)
    if newaxis_dims:
        result = lax.expand_dims(result, newaxis_dims)
    return result


def _expand_bool_indices(parsed, shape):
    """Concrete boolean masks become integer index arrays (scalar booleans stay)."""
    out = []
    for position, p in enumerate(parsed):
        if p.kind != _BOOL:
            out.append(p)
            continue
        value = _concrete_value(p.index)
        if value is None:
            raise errors.NonConcreteBooleanIndexError(
                f"Array boolean indices must be concrete; got {core.get_aval(p.index)}\n")
        if value.ndim == 0:
            out.append(_Parsed(bool(value), _BOOL, ()))
            continue
        expected = [shape[a] for a in p.axes]
        if not all(s1 in (0, s2) for s1, s2 in zip(value.shape, expected)):
            raise IndexError("boolean index did not match shape of indexed array in index "
                             f"{position}: got {value.shape}, expected {expected}")
        out.extend(_Parsed(i, _ARRAY, (a,)) for i, a in zip(np.nonzero(value), p.axes))
    return out


class _GatherIndexer(NamedTuple):
    slice_shape: tuple  # the shape of x[idx]
    gather_slice_shape: tuple  # slice_sizes of the gather
    gather_indices: object  # start indices (index vector last), NumPy if static
    dnums: GatherDimensionNumbers
    unique_indices: bool  # true when there are no advanced indices
    indices_are_sorted: bool
    reversed_y_dims: tuple  # slice dims with negative steps, reversed after the gather
    newaxis_dims: tuple  # dims added by None
    scalar_bool_dims: tuple  # dims added (before the gather) for scalar boolean indices


def _normalize(p, shape):
    """Negative indices count from the end of their axis (once)."""
    if p.kind == _INT:
        i = p.index
        if isinstance(i, np.unsignedinteger) or i >= 0:
            return p
        return p._replace(index=int(i) + shape[p.axes[0]])
    if p.kind != _ARRAY:
        return p
    size = shape[p.axes[0]]
    i = p.index
    if isinstance(i, np.ndarray):
        i = i.astype(dtypes.canonicalize_dtype(i.dtype), copy=False)
        if i.dtype.kind == "i":
            i = np.where(i < 0, i.astype(np.int64) + size, i)
        return p._replace(index=i)
    dt = i.dtype
    if dt.kind == "u":
        return p
    normalized = lax.select(lax.lt(i, np.zeros((), dt)), lax.add(i, np.array(size).astype(dt)),
                            i)
    return p._replace(index=normalized)


def _to_index_dtype(a, dtype):
    if isinstance(a, np.ndarray):
        return a.astype(dtype)
    return lax.convert_element_type(a, dtype)


def _broadcast_shapes(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def _broadcast_index_arrays(arrays):
    shape = _broadcast_shapes([np.shape(a) for a in arrays])
    return shape, [np.broadcast_to(a, shape) if isinstance(a, np.ndarray)
                   else _broadcast_to(a, shape) for a in arrays]


def _int_index_to_gather(i, shape):
    """``_index_to_gather`` of a lone Python int index (normalised) on ``shape``: the most
    common update, ``x.at[i]``, built directly."""
    index_dtype = _index_dtype(shape)
    i = np.array(min(max(i, _INT32_MIN), _INT32_MAX), index_dtype)
    indices = (i[None] if core._state.trace is core.eval_trace
               else lax.broadcast_in_dim(i, (1,), ()))  # (expand_dims, without its checks)
    dnums = GatherDimensionNumbers(offset_dims=tuple(range(len(shape) - 1)),
                                   collapsed_slice_dims=(0,), start_index_map=(0,))
    return _GatherIndexer(shape[1:], (1,) + shape[1:], indices, dnums, True, True, (), (), ())


def _index_to_gather(parsed, shape, normalize=True):
    """Everything about ``x[idx]`` as one gather: indices, dimension numbers, fix-ups."""
    if (len(parsed) == 1 and parsed[0].kind == _INT and type(parsed[0].index) is int
            and shape and shape[0]):
        i = parsed[0].index
        return _int_index_to_gather(i + shape[0] if normalize and i < 0 else i, tuple(shape))
    for position, p in enumerate(parsed):
        if p.kind == _SLICE and not _slice_is_static(p.index):
            raise IndexError(f"Slice entries must be static integers. Got {p.index} at "
                             f"position {position}")
    advanced = [n for n, p in enumerate(parsed) if p.kind in (_ARRAY, _INT, _BOOL)]
    contiguous = all(b - a == 1 for a, b in zip(advanced, advanced[1:]))
    parsed = _expand_ellipsis(parsed, len(shape))

    # A scalar boolean adds an axis of size 1, indexed by arange(1) (True) or arange(0).
    shape = list(shape)
    eager = core._state.trace is core.eval_trace
    scalar_bool_dims, entries, dim = [], [], 0
    for p in parsed:
        if eager and type(p.index) is ArrayImpl:  # concrete indices: prepare them in NumPy
            p = p._replace(index=p.index._value)
        if p.kind == _BOOL:
            shape.insert(dim, 1)
            scalar_bool_dims.append(dim)
            entries.append(_Parsed(np.arange(int(p.index)), _ARRAY, (dim,)))
            dim += 1
        else:
            entries.append(p._replace(axes=tuple(range(dim, dim + len(p.axes)))))
            dim += len(p.axes)
    if normalize:
        entries = [_normalize(p, shape) for p in entries]

    advanced_indexes, idx_advanced_axes, x_advanced_axes = [], [], []
    if any(p.kind == _ARRAY and np.ndim(p.index) > 0 for p in entries):
        x_axis = 0
        for n, p in enumerate(entries):
            if p.kind == _NONE:
                continue
            if p.kind in (_ARRAY, _INT):
                advanced_indexes.append(p.index if p.kind == _ARRAY
                                        else np.array(p.index, np.int64))
                idx_advanced_axes.append(n)
                x_advanced_axes.append(x_axis)
            x_axis += 1

    index_dtype = _index_dtype(shape)
    x_axis = y_axis = collapsed_y_axis = 0
    offset_dims, collapsed_slice_dims, start_index_map = [], [], []
    gather_indices, gather_indices_shape = [], []  # (array, first dim) pairs and their shape
    slice_shape, newaxis_dims, reversed_y_dims, gather_slice_shape = [], [], [], []
    for idx_pos, p in enumerate(entries):
        # The advanced indices go where the first one is, or first if they are not adjacent.
        if advanced_indexes and idx_pos == (idx_advanced_axes[0] if contiguous else 0):
            bshape, arrays = _broadcast_index_arrays(advanced_indexes)
            start_dim = len(gather_indices_shape)
            gather_indices.extend((_to_index_dtype(a, index_dtype), start_dim) for a in arrays)
            gather_indices_shape.extend(bshape)
            start_index_map.extend(x_advanced_axes)
            collapsed_slice_dims.extend(x_advanced_axes)
            slice_shape.extend(bshape)
            y_axis += len(bshape)
            collapsed_y_axis += len(bshape)
        if idx_pos in idx_advanced_axes:
            x_axis += 1
            gather_slice_shape.append(1)
            continue
        if p.kind in (_INT, _ARRAY):  # a scalar index
            if shape[x_axis] == 0:
                raise IndexError(f"index is out of bounds for axis {x_axis} with size 0")
            i = p.index
            if p.kind == _INT:
                i = np.array(min(max(int(i), _INT32_MIN), _INT32_MAX), index_dtype)
            gather_indices.append((_to_index_dtype(i, index_dtype), len(gather_indices_shape)))
            collapsed_slice_dims.append(x_axis)
            gather_slice_shape.append(1)
            start_index_map.append(x_axis)
            x_axis += 1
        elif p.kind == _NONE:
            slice_shape.append(1)
            newaxis_dims.append(y_axis)
            y_axis += 1
        elif p.kind == _SLICE:
            start, stop, step = p.index.indices(shape[x_axis])
            size = len(range(start, stop, step))
            slice_shape.append(size)
            if step == 1:
                if size != shape[x_axis]:  # a partial slice: its start is a gather index
                    gather_indices.append((np.array(start, index_dtype),
                                           len(gather_indices_shape)))
                    start_index_map.append(x_axis)
                gather_slice_shape.append(size)
                offset_dims.append(collapsed_y_axis)
            else:
                positions = (start + step * np.arange(size)).astype(index_dtype)
                if step < 0:  # gather ascending, reverse afterwards
                    reversed_y_dims.append(collapsed_y_axis)
                    positions = positions[::-1]
                gather_slice_shape.append(1)
                gather_indices.append((positions, len(gather_indices_shape)))
                start_index_map.append(x_axis)
                gather_indices_shape.append(size)
                collapsed_slice_dims.append(x_axis)
            collapsed_y_axis += 1
            y_axis += 1
            x_axis += 1
        else:
            raise IndexError(f"Got unsupported indexer at position {idx_pos}: {p!r}")

    # Static indices are assembled in NumPy when running eagerly; when tracing, with lax ops
    # (as JAX stages them) so that scalar indices show as literals, not captured constants.
    static = eager and all(isinstance(g, np.ndarray) for g, _ in gather_indices)
    if not gather_indices:
        indices = np.zeros((0,), index_dtype)
    elif len(gather_indices) == 1:
        g, _ = gather_indices[0]
        indices = g[..., None] if static else lax.expand_dims(g, (np.ndim(g),))
    else:
        full = tuple(gather_indices_shape) + (1,)
        last = len(gather_indices_shape)
        if static:
            parts = []
            for g, i in gather_indices:
                s = [1] * len(full)
                s[i:i + g.ndim] = g.shape
                parts.append(np.broadcast_to(g.reshape(s), full))
            indices = np.concatenate(parts, last)
        else:
            indices = lax.concatenate(
                [lax.broadcast_in_dim(g, full, tuple(range(i, i + np.ndim(g))))
                 for g, i in gather_indices], last)
    dnums = GatherDimensionNumbers(offset_dims=tuple(offset_dims),
                                   collapsed_slice_dims=tuple(sorted(collapsed_slice_dims)),
                                   start_index_map=tuple(start_index_map))
    return _GatherIndexer(tuple(slice_shape), tuple(gather_slice_shape), indices, dnums,
                          not advanced_indexes, not advanced_indexes, tuple(reversed_y_dims),
                          tuple(newaxis_dims), tuple(scalar_bool_dims))


def _gather(arr, indexer, mode, fill_value, unique_indices, indices_are_sorted):
    if fill_value is not None:
        core.concrete_or_error(lambda v: v, fill_value, "fill_value argument to indexed get()")
        if np.ndim(fill_value) != 0:
            raise ValueError("fill_value argument to indexed get() must be a scalar")
        if isinstance(fill_value, (np.ndarray, np.generic, ArrayImpl, core.Tracer)):
            fill_value = _concrete_value(fill_value).item()
    y = arr
    if indexer.scalar_bool_dims:
        y = lax.expand_dims(y, indexer.scalar_bool_dims)
    if 0 in indexer.slice_shape:  # nothing to read (also avoids gathers from empty axes)
        return lax.full_like(y, 0, shape=indexer.slice_shape)
    if 0 not in np.shape(indexer.gather_indices):
        y = gather(y, indexer.gather_indices, indexer.dnums, indexer.gather_slice_shape,
                   unique_indices=unique_indices or indexer.unique_indices,
                   indices_are_sorted=indices_are_sorted or indexer.indices_are_sorted,
                   mode=mode, fill_value=fill_value)
    if indexer.reversed_y_dims:
        y = lax.rev(y, indexer.reversed_y_dims)
    if indexer.newaxis_dims:
        y = lax.expand_dims(y, indexer.newaxis_dims)
    return y


def _rewriting_take(arr, idx, indices_are_sorted=False, unique_indices=False, mode=None,
                    fill_value=None, normalize_indices=True):
    """``arr[idx]`` with JAX's choice of lowering (see the module docstring)."""
    if not isinstance(arr, (ArrayImpl, core.Tracer)):
        arr = util.to_array(arr)
    shape = arr.shape
    parsed = _parse(idx, shape)
    out = _try_static_slice(arr, parsed, shape, mode, normalize_indices)
    if out is None:
        out = _try_dynamic_slice(arr, parsed, shape, mode, normalize_indices)
    if out is None:
        indexer = _index_to_gather(_expand_bool_indices(parsed, shape), shape,
                                   normalize_indices)
        out = _gather(arr, indexer, mode, fill_value, unique_indices, indices_are_sorted)
    return out


def getitem(arr, idx):
    """``arr[idx]``: NumPy indexing, except that out-of-bounds integer indices clamp.

    Args:
      arr: the array to index.
      idx: an int, slice, ``None``, ``...``, integer or (concrete) boolean array, or a tuple
        of those.

    Returns:
      The selected elements.

    Example:
      >>> x = jnp.arange(5.)
      >>> x[1:3], x[10], x[jnp.array([0, -1])]
      (Array([1., 2.], dtype=float32), Array(4., dtype=float32), Array([0., 4.], dtype=float32))
    """
    if (type(arr) is ArrayImpl and core._state.trace is core.eval_trace
            and not (config.jax_debug_nans or config.jax_debug_infs)):
        out = _fast_getitem(arr, idx)
        if out is not None:
            return out
    elif type(idx) is int and isinstance(arr, core.Tracer) and arr.ndim:
        # x[i] while tracing: what _try_static_slice makes of it, without the parsing.
        shape = arr.shape
        i = idx + shape[0] if idx < 0 else idx
        if 0 <= i < shape[0]:
            if shape[0] != 1:
                arr = lax.slice(arr, (i,) + (0,) * (len(shape) - 1), (i + 1,) + shape[1:])
            return lax.squeeze(arr, (0,))
    return _rewriting_take(arr, idx)


# ----------------------------------------------------------------------------------------------
# Writes: scatter


def _broadcast_to(arr, shape):
    """lax-style broadcast of ``arr`` to ``shape``, with JAX's error messages."""
    arr_shape = tuple(np.shape(arr))
    shape = tuple(shape)
    if arr_shape == shape:
        return arr
    if len(shape) < len(arr_shape):
        raise ValueError(f"Cannot broadcast to shape with fewer dimensions: {arr_shape=} "
                         f"{shape=}")
    nlead = len(shape) - len(arr_shape)
    if not all(a in (1, s) for a, s in zip(arr_shape, shape[nlead:])):
        aval = core.get_aval(arr)
        requested = core.ShapedArray(shape, aval.dtype).str_short(short_dtypes=False)
        raise ValueError(f"Incompatible types for broadcasting: input type={aval} and "
                         f"requested type={requested}")
    return lax.broadcast_in_dim(arr, shape, tuple(range(nlead, len(shape))))


def _safe_to_cast(value, dtype):
    """Whether ``value`` converts to ``dtype`` without a promotion that changes its type."""
    if value.dtype == dtype:
        return True
    return dtypes.result_type(value, dtype) == dtype


def _scatter_update(x, idx, y, scatter_op, indices_are_sorted, unique_indices, mode=None,
                    normalize_indices=True):
    """``x`` with ``x[idx] (op)= y`` applied functionally, as one scatter."""
    x = util.to_array(x)
    dtype = x.dtype
    if (isinstance(y, int) and dtype.kind in "iu"
            and np.iinfo(dtype).min <= y <= np.iinfo(dtype).max):
        y = ArrayImpl(np.array(y, dtype))  # in-range ints take x's dtype (strong)
    else:
        y = creation.asarray(y)
    shape = x.shape
    if type(idx) is int and shape and shape[0]:  # x.at[i]: no parsing
        i = idx + shape[0] if normalize_indices and idx < 0 else idx
        indexer = _int_index_to_gather(i, shape)
    else:
        indexer = _index_to_gather(_expand_bool_indices(_parse(idx, shape), shape), shape,
                                   normalize_indices)
    weak_type = dtypes.is_weakly_typed(x)
    if not _safe_to_cast(y, dtype):
        warnings.warn("scatter inputs have incompatible types: cannot safely cast value from "
                      f"dtype={y.dtype} to dtype={dtype} with jax_numpy_dtype_promotion="
                      f"{config.jax_numpy_dtype_promotion}. In future JAX releases this will "
                      "result in an error.", FutureWarning, stacklevel=4)
    if 0 in indexer.slice_shape:
        return x
    x, y = util.promote_dtypes(x, y)
    y = _broadcast_to(y, indexer.slice_shape)
    if indexer.newaxis_dims:
        y = lax.squeeze(y, indexer.newaxis_dims)
    if indexer.reversed_y_dims:
        y = lax.rev(y, indexer.reversed_y_dims)
    if indexer.scalar_bool_dims:
        x = lax.expand_dims(x, indexer.scalar_bool_dims)
    dnums = lax_scatter.ScatterDimensionNumbers(
        update_window_dims=indexer.dnums.offset_dims,
        inserted_window_dims=indexer.dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=indexer.dnums.start_index_map)
    out = scatter_op(x, indexer.gather_indices, y, dnums,
                     indices_are_sorted=indexer.indices_are_sorted or indices_are_sorted,
                     unique_indices=indexer.unique_indices or unique_indices, mode=mode)
    if indexer.scalar_bool_dims:
        out = lax.squeeze(out, indexer.scalar_bool_dims)
    return lax._convert(out, dtype, weak_type)


class _IndexUpdateHelper:
    """The ``x.at`` property: ``x.at[idx]`` gives the functional updates of ``x[idx]``.

    ``x.at[idx].set(y)`` is ``x[idx] = y`` without mutation; likewise ``add``,
    ``subtract``, ``multiply``/``mul``, ``divide``, ``power``, ``min``, ``max``, ``apply``
    and ``get``. Repeated indices all apply (``add`` accumulates). Out-of-bounds updates are
    dropped unless ``mode='clip'``; out-of-bounds reads clamp unless ``mode='fill'``.
    """
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """``x.at[idx]``: its methods return updated copies of ``x``."""
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, wrap_negative_indices=True):
        """``x[idx]``, with an out-of-bounds ``mode`` ('clip', 'fill', ...) and fill value."""
        return _rewriting_take(self.array, self.index, indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode,
                               fill_value=fill_value, normalize_indices=wrap_negative_indices)

    def _update(self, values, op, indices_are_sorted, unique_indices, mode,
                wrap_negative_indices, array=None):
        return _scatter_update(self.array if array is None else array, self.index, values, op,
                               indices_are_sorted, unique_indices, mode, wrap_negative_indices)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        """``x[idx] = values``."""
        return self._update(values, lax_scatter.scatter, indices_are_sorted, unique_indices,
                            mode, wrap_negative_indices)

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):
        """``func.at(x, idx)``: ``func`` is applied once per occurrence of each index."""
        def scatter_apply(x, indices, y, dnums, **kwargs):
            return lax_scatter.scatter_apply(x, indices, func, dnums, update_shape=y.shape,
                                             **kwargs)
        x = self.array
        zero = ArrayImpl(np.zeros((), x.dtype), dtypes.is_weakly_typed(x))
        return self._update(zero, scatter_apply, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        """``x[idx] += values`` (repeated indices accumulate)."""
        return self._update(values, lax_scatter.scatter_add, indices_are_sorted,
                            unique_indices, mode, wrap_negative_indices)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 out_sharding=None, wrap_negative_indices=True):
        """``x[idx] -= values``."""
        return self._update(values, lax_scatter.scatter_sub, indices_are_sorted,
                            unique_indices, mode, wrap_negative_indices)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 out_sharding=None, wrap_negative_indices=True):
        """``x[idx] *= values``."""
        return self._update(values, lax_scatter.scatter_mul, indices_are_sorted,
                            unique_indices, mode, wrap_negative_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               out_sharding=None, wrap_negative_indices=True):
        """``x[idx] /= values`` (true division: integer arrays give floats)."""
        divisor = self._update(values, lax_scatter.scatter_mul, indices_are_sorted,
                               unique_indices, mode, wrap_negative_indices,
                               array=creation.ones_like(self.array))
        return ufuncs.divide(self.array, divisor)

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
              out_sharding=None, wrap_negative_indices=True):
        """``x[idx] **= values``."""
        exponent = self._update(values, lax_scatter.scatter_mul, indices_are_sorted,
                                unique_indices, mode, wrap_negative_indices,
                                array=creation.ones_like(self.array))
        return ufuncs.power(self.array, exponent)

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        """``x[idx] = minimum(x[idx], values)``."""
        return self._update(values, lax_scatter.scatter_min, indices_are_sorted,
                            unique_indices, mode, wrap_negative_indices)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        """``x[idx] = maximum(x[idx], values)``."""
        return self._update(values, lax_scatter.scatter_max, indices_are_sorted,
                            unique_indices, mode, wrap_negative_indices)


def at_helper(x):
    """The object behind ``x.at``: ``at_helper(x)[idx].set(y)`` is ``x.at[idx].set(y)``."""
    return _IndexUpdateHelper(x)


# The rest of the family: exported from here (the namespace gathers this module).
from pyjax._src.numpy import indexing_funcs as _funcs  # noqa: E402

EXPORTS = list(_funcs.__all__)
globals().update({name: getattr(_funcs, name) for name in EXPORTS})

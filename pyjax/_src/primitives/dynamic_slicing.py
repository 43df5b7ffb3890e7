"""dynamic_slice and dynamic_update_slice, with their public ``lax`` functions (and the ``*_in_dim``
variants) and their differentiation and batching rules.

Start indices may be traced; as in XLA each is clamped so that the window fits inside the
operand. vmap over batched start indices turns them into a gather or scatter in CLIP mode.
"""
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.common import INTEGER, standard_primitive
from pyjax._src.primitives.joining import concatenate
from pyjax._src.primitives.structural import (
    _max, _py_slice, _zeros, broadcast, broadcast_in_dim, check_same_dtypes, checked, convert,
    expand_dims, shape_of, squeeze)


# ----------------------------------------------------------------------------------------------
# dynamic_slice, dynamic_update_slice


def _check_index_dtypes(name, idxs):
    if any(i.dtype != idxs[0].dtype or i.dtype not in INTEGER for i in idxs):
        sep = ": " if name == "dynamic_slice" else " "
        raise TypeError(f"index arguments to {name} must be integers of the same type, got"
                        f"{sep}" + ", ".join(i.dtype.name for i in idxs))


def _dynamic_slice_shape(x, *idxs, slice_sizes):
    if x.ndim != len(idxs):
        raise TypeError("dynamic_slice start_indices must have length equal to the number of "
                        f"dimensions of the operand, got indices {list(idxs)} for operand "
                        f"shape {x.shape}.")
    if len(idxs) != len(slice_sizes):
        raise TypeError("dynamic_slice slice_sizes must have the same length as "
                        f"start_indices, got start_indices length {len(idxs)} and slice_sizes "
                        f"{slice_sizes}.")
    if not all(map(operator.ge, x.shape, slice_sizes)):
        raise TypeError("slice slice_sizes must be less than or equal to operand shape, got "
                        f"slice_sizes {slice_sizes} for operand shape {x.shape}.")
    if not all(s >= 0 for s in slice_sizes):
        raise TypeError("slice slice_sizes must be greater than or equal to zero, got "
                        f"slice_sizes of {slice_sizes}.")
    if any(i.ndim != 0 for i in idxs):
        raise TypeError("start_indices arguments to dynamic_slice must be scalars,  got "
                        f"indices {list(idxs)}")
    return tuple(slice_sizes)


def _dynamic_slice_dtype(x, *idxs, slice_sizes):
    _check_index_dtypes("dynamic_slice", idxs)
    return x.dtype


def _clamped_window(shape, idxs, sizes):
    """XLA clamps each start index into [0, dim - size] so the whole window is in bounds."""
    return tuple(_py_slice(s, s + n) for s, n in (
        (min(_max(int(i), 0), d - n), n) for i, d, n in zip(idxs, shape, sizes)))


dynamic_slice_p = checked(standard_primitive(
    "dynamic_slice", _dynamic_slice_shape, _dynamic_slice_dtype,
    lambda x, *idxs, slice_sizes: x[_clamped_window(x.shape, idxs, slice_sizes)],
    weak_type_rule=lambda flags, params: flags[0]))


def _dynamic_update_slice_shape(x, update, *idxs):
    if x.ndim != update.ndim:
        raise TypeError("dynamic_update_slice update must have the same rank as operand, got "
                        f"update shape {update.shape} for operand shape {x.shape}.")
    if x.ndim != len(idxs):
        raise TypeError("dynamic_update_slice start_indices must have length equal to the "
                        f"rank of operand, got indices {list(idxs)} for operand shape "
                        f"{x.shape}.")
    if not all(map(operator.ge, x.shape, update.shape)):
        raise TypeError("dynamic_update_slice update shape must be smaller than operand shape, "
                        f"got update shape {update.shape} for operand shape {x.shape}.")
    if any(i.ndim != 0 for i in idxs):
        raise TypeError("start_indices arguments to dynamic_update_slice must be scalars, got "
                        f"indices {list(idxs)}")
    return x.shape


def _dynamic_update_slice_dtype(x, update, *idxs):
    check_same_dtypes("dynamic_update_slice", (x, update))
    _check_index_dtypes("dynamic_update_slice", idxs)
    return x.dtype


def _dynamic_update_slice_impl(x, update, *idxs):
    out = np.array(x, copy=True)  # never write into the caller's buffer
    out[_clamped_window(x.shape, idxs, update.shape)] = update
    return out


# Weak type: JAX's standard rule over every operand, indices included.
dynamic_update_slice_p = checked(standard_primitive(
    "dynamic_update_slice", _dynamic_update_slice_shape, _dynamic_update_slice_dtype,
    _dynamic_update_slice_impl))


def _dynamic_slice_indices(operand, start_indices, allow_negative_indices):
    """JAX's normalisation of start indices: negative ones count from the end."""
    shape = shape_of(operand)
    if len(start_indices) != len(shape):
        raise ValueError("Length of slice indices must match number of operand dimensions "
                         f"({len(start_indices)} vs {shape})")
    if not isinstance(start_indices, (tuple, list)):
        if np.ndim(start_indices) != 1:
            raise ValueError(f"Slice indices must be a 1D sequence, got {np.shape(start_indices)}")
        start_indices = list(start_indices)
    if isinstance(allow_negative_indices, bool):
        allow_negative_indices = [allow_negative_indices] * len(start_indices)
    result = []
    for i, d, allow_negative in zip(start_indices, shape, allow_negative_indices):
        dtype = dtypes.dtype(i, canonicalize=True)
        if dtype.kind == "u":
            result.append(i)
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            if i < 0 and not allow_negative:
                raise ValueError(f"Index {i} is out of bounds for dimension {d} if "
                                 "allow_negative_indices=False")
            # A constant: JAX converts it (strong) without staging any operation.
            result.append(np.array(i + d if i < 0 else i, dtype=dtype))
        elif not allow_negative:
            result.append(i)
        elif core._state.trace is core.eval_trace and not isinstance(i, core.Tracer):
            # Eagerly, select_n(i < 0, i + d, i) is this (and strong, as the add makes it).
            conv = core._to_buffer.get(type(i))
            v = (conv(i) if conv is not None else core._to_buffer_slow(i))[0].astype(dtype)
            result.append(v + np.array(d, dtype) if v < 0 else v)
        else:
            d_arr = np.array(d, dtype=dtype)
            # JAX adds the size to a strong copy of the index (a weak index stays weak in
            # the comparison and the select).
            negative = ew.lt_p.bind(i, np.zeros((), dtype))
            strong = convert(i, dtype, False) if core.get_aval(i).weak_type else i
            result.append(ew.select_n_p.bind(negative, i, ew.add_p.bind(strong, d_arr)))
    return result


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The window of ``slice_sizes`` starting at ``start_indices`` (which may be traced).

    Negative indices count from the end; a window that would overrun the operand is shifted
    back inside it, as XLA does: ``dynamic_slice(jnp.arange(5.), (4,), (3,))`` is
    ``[2., 3., 4.]``.
    """
    idxs = _dynamic_slice_indices(operand, start_indices, allow_negative_indices)
    return dynamic_slice_p.bind(operand, *idxs, slice_sizes=core.concrete_shape(slice_sizes))


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """``operand`` with ``update`` written at ``start_indices`` (clamped so it fits)."""
    idxs = _dynamic_slice_indices(operand, start_indices, allow_negative_indices)
    return dynamic_update_slice_p.bind(operand, update, *idxs)


def _zero_index_like(i):
    """JAX's ``lax._const(i, 0)``: a Python 0 for Python scalars, else a 0 of i's dtype."""
    if type(i) in (int, float, complex, bool):
        return 0
    return np.zeros((), dtypes.dtype(i, canonicalize=True))


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    """``dynamic_slice`` along one ``axis``: ``operand[..., start:start + slice_size]``."""
    shape = shape_of(operand)
    axis = int(axis)
    start_indices = [_zero_index_like(start_index)] * len(shape)
    start_indices[axis] = start_index
    slice_sizes = list(shape)
    slice_sizes[axis] = operator.index(slice_size)
    allow_negative = [False] * len(shape)
    allow_negative[axis] = allow_negative_indices
    return dynamic_slice(operand, start_indices, slice_sizes,
                         allow_negative_indices=allow_negative)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):
    """``operand[..., index]`` along ``axis`` with a possibly traced ``index``."""
    result = dynamic_slice_in_dim(operand, index, 1, axis,
                                  allow_negative_indices=allow_negative_indices)
    return result if keepdims else squeeze(result, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    """``dynamic_update_slice`` with a start index along ``axis`` only."""
    axis = int(axis)
    ndim = len(shape_of(operand))
    start_indices = [_zero_index_like(start_index)] * ndim
    start_indices[axis] = start_index
    allow_negative = [False] * ndim
    allow_negative[axis] = allow_negative_indices
    return dynamic_update_slice(operand, update, start_indices,
                                allow_negative_indices=allow_negative)


def dynamic_update_index_in_dim(operand, update, index, axis, *,
                                allow_negative_indices=True):
    """Writes ``update`` (with or without the size-1 ``axis``) at ``index`` along ``axis``."""
    axis = int(axis)
    if np.ndim(update) != np.ndim(operand):
        assert np.ndim(update) + 1 == np.ndim(operand)
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


# ----------------------------------------------------------------------------------------------
# Differentiation rules: linear in the operand and update, not in the integer start indices.


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    x, *idxs = primals
    out = dynamic_slice_p.bind(x, *idxs, slice_sizes=slice_sizes)
    g = tangents[0]
    if type(g) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    return out, dynamic_slice_p.bind(g, *idxs, slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, x, *idxs, slice_sizes):
    if type(ct) is ad.Zero:
        return [None] * (1 + len(idxs))
    zeros = _zeros(x.aval.shape, core.get_aval(ct).dtype)
    return [dynamic_update_slice_p.bind(zeros, ct, *idxs)] + [None] * len(idxs)


def _dynamic_update_slice_jvp(primals, tangents):
    x, update, *idxs = primals
    out = dynamic_update_slice_p.bind(x, update, *idxs)
    g_x, g_update = tangents[:2]
    if type(g_x) is ad.Zero and type(g_update) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    return out, dynamic_update_slice_p.bind(ad.instantiate(g_x), ad.instantiate(g_update),
                                            *idxs)


def _dynamic_update_slice_transpose(ct, x, update, *idxs):
    if type(ct) is ad.Zero:
        return [None] * (2 + len(idxs))
    update_shape = update.aval.shape if ad.is_undefined(update) else shape_of(update)
    dtype = core.get_aval(ct).dtype
    ct_x = ct_update = None
    if ad.is_undefined(x):
        ct_x = dynamic_update_slice_p.bind(ct, _zeros(update_shape, dtype), *idxs)
    if ad.is_undefined(update):
        ct_update = dynamic_slice_p.bind(ct, *idxs, slice_sizes=update_shape)
    return [ct_x, ct_update] + [None] * len(idxs)


dynamic_slice_p.jvp = _dynamic_slice_jvp
dynamic_slice_p.transpose = _dynamic_slice_transpose
dynamic_update_slice_p.jvp = _dynamic_update_slice_jvp
dynamic_update_slice_p.transpose = _dynamic_update_slice_transpose


# ----------------------------------------------------------------------------------------------
# Batching rules (vmap), of the form described in structural.py.


def _zero_index(idxs, flags):
    """A 0 start index of the indices' dtype (int32 if there are none), weak only if they all
    are, so the weak type of the result does not change."""
    dtype = core.get_aval(idxs[0]).dtype if idxs else np.dtype(np.int32)
    return core._wrap(np.zeros((), dtype), all(flags))


def batch_dynamic_slice_indices(idxs, dims):
    """Scalar start indices as one index vector: (n,) if none is batched, else (size, n) with
    the batch dim first."""
    if all(d is batching.not_mapped for d in dims):
        return concatenate([broadcast(i, (1,)) for i in idxs], 0), batching.not_mapped
    size = batching.mapped_size(idxs, dims)
    cols = [broadcast_in_dim(i, (size, 1), (0,) if d is not batching.not_mapped else ())
            for i, d in zip(idxs, dims)]
    return concatenate(cols, 1), 0


def _dynamic_slice_batch(vals, dims, *, slice_sizes):
    x, *idxs = vals
    d, *idx_dims = dims
    if all(i is batching.not_mapped for i in idx_dims):
        # Only the operand is batched: take all of its batch dim, from 0.
        flags = [core.get_aval(i).weak_type for i in idxs]
        idxs = list(idxs)
        idxs.insert(d, _zero_index(idxs, flags))
        sizes = slice_sizes[:d] + (shape_of(x)[d],) + slice_sizes[d:]
        return dynamic_slice_p.bind(x, *idxs, slice_sizes=sizes), d
    # Batched starts: a gather, as in JAX. Its CLIP mode is dynamic_slice's clamping, and
    # (unlike PROMISE_IN_BOUNDS, whose transpose drops out-of-bounds windows) differentiates
    # like it too.
    from pyjax._src.primitives import indexing
    all_dims = tuple(range(len(slice_sizes)))
    dnums = indexing.GatherDimensionNumbers(offset_dims=all_dims, collapsed_slice_dims=(),
                                            start_index_map=all_dims)
    index, index_dim = batch_dynamic_slice_indices(idxs, idx_dims)
    return indexing.gather_batch_rule(
        [x, index], [d, index_dim], dimension_numbers=dnums, slice_sizes=tuple(slice_sizes),
        unique_indices=True, indices_are_sorted=True, mode=indexing.GatherScatterMode.CLIP,
        fill_value=None)


def _dynamic_update_slice_batch(vals, dims):
    x, update, *idxs = vals
    d, ud, *idx_dims = dims
    if all(i is batching.not_mapped for i in idx_dims):
        size = batching.mapped_size([x, update], [d, ud])
        d = d if d is not batching.not_mapped else ud
        x = batching.bdim_at(x, dims[0], size, d)
        update = batching.bdim_at(update, ud, size, d)
        flags = [core.get_aval(i).weak_type for i in idxs]
        idxs = list(idxs)
        idxs.insert(d, _zero_index(idxs, flags))
        return dynamic_update_slice_p.bind(x, update, *idxs), d
    # Batched starts: a scatter whose windows are clamped into bounds, as in JAX.
    from pyjax._src.primitives import indexing, scatter
    all_dims = tuple(range(len(idxs)))
    dnums = scatter.ScatterDimensionNumbers(update_window_dims=all_dims,
                                            inserted_window_dims=(),
                                            scatter_dims_to_operand_dims=all_dims)
    index, index_dim = batch_dynamic_slice_indices(idxs, idx_dims)
    out, out_d = scatter.scatter_batch_rule(
        scatter.scatter_p, [x, index, update], [d, index_dim, ud], update_jaxpr=None,
        update_consts=(), dimension_numbers=dnums, indices_are_sorted=True,
        unique_indices=True, mode=indexing.GatherScatterMode.CLIP)
    # A scatter is weak like its operand; dynamic_update_slice only if every operand is.
    # (JAX's rule lets the weak type change here; we keep each member's.)
    aval = core.get_aval(out)
    if aval.weak_type and not all(core.get_aval(v).weak_type for v in vals):
        out = convert(out, aval.dtype, False)
    return out, out_d


dynamic_slice_p.batch = _dynamic_slice_batch
dynamic_update_slice_p.batch = _dynamic_update_slice_batch

"""Gather: XLA's general indexed read, its dimension numbers and out-of-bounds modes.

The scatter family (indexed writes) lives in scatter.py and shares the definitions here.

Shapes follow XLA's Gather with JAX's convention that the index vector is always the last
dimension of ``start_indices``. Out-of-bounds starts are clamped so that the whole slice fits
(CLIP, PROMISE_IN_BOUNDS), or the slice is replaced by ``fill_value`` (FILL_OR_DROP).
"""
import enum
from typing import NamedTuple

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.primitives.common import standard_primitive


class GatherDimensionNumbers(NamedTuple):
    """How the dimensions of a gather's operand, indices and output relate (XLA's Gather).

    Args:
      offset_dims: output dimensions (ascending) that index into a slice of the operand.
      collapsed_slice_dims: operand dimensions (ascending) of slice size 1 with no output dim.
      start_index_map: for each entry of the index vector, the operand dimension it starts.
      operand_batching_dims: operand dimensions (ascending) that batch with indices dims.
      start_indices_batching_dims: the matching dimensions of ``start_indices``.

    The index vector dimension is always the last dimension of ``start_indices``.
    """
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
    """How a gather or scatter treats out-of-bounds indices.

    CLIP clamps each start index so that the whole window is in bounds. FILL_OR_DROP returns
    ``fill_value`` for a gathered window that is partly out of bounds and drops a scattered
    window that is. PROMISE_IN_BOUNDS promises in-bounds indices; on CPU gathers clamp and
    scatters drop.
    """
    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()
    ONE_HOT = enum.auto()

    @staticmethod
    def from_any(s):
        """The mode named by ``s``: a mode, None ('fill'), 'clip', 'fill', 'drop', ... ."""
        if isinstance(s, GatherScatterMode):
            return s
        if s == "clip":
            return GatherScatterMode.CLIP
        if s is None or s == "fill" or s == "drop":
            return GatherScatterMode.FILL_OR_DROP
        if s == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        if s == "one_hot":
            return GatherScatterMode.ONE_HOT
        raise ValueError(f'Unknown gather mode "{s}"')


def _int_tuple(xs):
    return tuple(int(x) for x in xs)


_canonical = {}


def canonical_dnums(dnums, cls, what):
    """The same dimension numbers with every field a tuple of Python ints (hashable)."""
    # Keyed by class too: a GatherDimensionNumbers equals a ScatterDimensionNumbers of equal
    # fields, as NamedTuples compare as tuples.
    try:
        return _canonical[cls, dnums]
    except (KeyError, TypeError):  # TypeError: fields given as lists
        pass
    if not isinstance(dnums, cls):
        raise TypeError(f"{what} dimension_numbers must be a {cls.__name__}, got {dnums!r}")
    out = cls(*map(_int_tuple, dnums))
    if len(_canonical) < 4096:
        _canonical[cls, out] = out
    return out


def canonical_gather_dnums(dnums):
    return canonical_dnums(dnums, GatherDimensionNumbers, "gather")


def static_shape(shape):
    """A tuple of Python ints from a user-given static shape."""
    if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape
    return core.concrete_shape(shape)


# -- shared validation helpers (messages are JAX's) -------------------------------------------

def is_sorted(dims, op_name, name):
    for a, b in zip(dims, dims[1:]):
        if b < a:
            raise TypeError(f"{name} in {op_name} op must be sorted; got {dims}")


def dims_in_range(dims, rank, op_name, name):
    for d in dims:
        if d < 0 or d >= rank:
            raise TypeError(f"Invalid {name} set in {op_name} op; valid range is "
                            f"[0, {rank}); got: {d}.")


def sorted_dims_in_range(dims, rank, op_name, name):
    if not dims:
        return
    bad = dims[0] if dims[0] < 0 else dims[-1] if dims[-1] >= rank else None
    if bad:  # JAX tests truthiness here, so a bad dim of 0 slips through; keep that.
        raise TypeError(f"Invalid {name} set in {op_name} op; valid range is "
                        f"[0, {rank}); got: {bad}.")


def no_duplicate_dims(dims, op_name, name):
    if len(set(dims)) != len(dims):
        raise TypeError(f"{name} in {op_name} op must not repeat; got: {dims}.")


def disjoint_dims(dims1, dims2, op_name, name1, name2):
    if set(dims1) & set(dims2):
        raise TypeError(f"{name1} and {name2} in {op_name} op must be disjoint; "
                        f"got: {dims1} and {dims2}.")


def check_index_dtype(indices):
    if indices.dtype.kind not in "iu":
        raise ValueError("indices must have an integer type")


# -- gather shape and dtype rules ---------------------------------------------------------------

def _gather_shape_rule(operand, indices, *, dimension_numbers, slice_sizes, **_):
    dn = dimension_numbers
    offset_dims, collapsed = dn.offset_dims, dn.collapsed_slice_dims
    start_index_map, obd, sibd = (dn.start_index_map, dn.operand_batching_dims,
                                  dn.start_indices_batching_dims)
    rank = operand.ndim
    index_vector_dim = indices.ndim - 1
    if index_vector_dim < 0:
        raise TypeError("Gather index leaf dimension must be within [0, rank(indices) + 1). "
                        f"rank(indices) is {indices.ndim} and gather index leaf dimension is "
                        f"{index_vector_dim}.")
    is_sorted(offset_dims, "gather", "offset_dims")
    no_duplicate_dims(offset_dims, "gather", "offset_dims")
    out_rank = len(offset_dims) + indices.ndim - 1
    for i, d in enumerate(offset_dims):
        if d < 0 or d >= out_rank:
            raise TypeError(f"Offset dimension {i} in gather op is out of bounds; got {d}, but "
                            f"should have been in [0, {out_rank})")
    if len(start_index_map) != indices.shape[index_vector_dim]:
        raise TypeError(f"Gather op has {len(start_index_map)} elements in start_index_map and "
                        f"the bound of dimension index_vector_dim={index_vector_dim} of indices "
                        f"is {indices.shape[index_vector_dim]}. These two numbers must be "
                        "equal.")
    for i, d in enumerate(start_index_map):
        if d < 0 or d >= rank:
            raise TypeError(f"Invalid start_index_map; domain is [0, {rank}), got: {i}->{d}.")
    no_duplicate_dims(start_index_map, "gather", "start_index_map")
    is_sorted(collapsed, "gather", "collapsed_slice_dims")
    sorted_dims_in_range(collapsed, rank, "gather", "collapsed_slice_dims")
    no_duplicate_dims(collapsed, "gather", "collapsed_slice_dims")
    no_duplicate_dims(obd, "gather", "operand_batching_dims")
    is_sorted(obd, "gather", "operand_batching_dims")
    sorted_dims_in_range(obd, rank, "gather", "operand_batching_dims")
    disjoint_dims(collapsed, obd, "gather", "collapsed_slice_dims", "operand_batching_dims")
    disjoint_dims(start_index_map, obd, "gather", "start_index_map", "operand_batching_dims")
    no_duplicate_dims(sibd, "gather", "start_indices_batching_dims")
    dims_in_range(sibd, indices.ndim, "gather", "start_indices_batching_dims")
    if index_vector_dim in sibd:
        raise TypeError("Gather op cannot have the index vector dimension as a batching "
                        f"dimension; got {sibd}.")
    if len(obd) != len(sibd):
        raise TypeError("Gather op requires equal numbers of operand_batching_dims and "
                        f"start_indices_batching_dims, got {obd} and{sibd}.")
    operand_batch = tuple(operand.shape[i] for i in obd)
    indices_batch = tuple(indices.shape[i] for i in sibd)
    if operand_batch != indices_batch:
        raise TypeError("Gather op requires operand batching dimensions and indices batching "
                        f"dimensions to have the same shape, got {operand_batch} and "
                        f"{indices_batch}.")
    if rank != len(slice_sizes):
        raise TypeError("Gather op must have one slice size for every input dimension; got: "
                        f"len(slice_sizes)={len(slice_sizes)}, input_shape.rank={rank}")
    if len(slice_sizes) != len(offset_dims) + len(collapsed) + len(obd):
        raise TypeError("All components of the offset index in a gather op must either be a "
                        "offset dimension or explicitly collapsed/batching; got "
                        f"len(slice_sizes)={len(slice_sizes)}, output_slice_sizes="
                        f"{offset_dims}, collapsed_slice_dims={collapsed}, "
                        f"operand_batching_dims={obd}.")
    for i, (size, bound) in enumerate(zip(slice_sizes, operand.shape)):
        if not 0 <= size <= bound:
            raise TypeError(f"Slice size at index {i} in gather op is out of range, must be "
                            f"within [0, {bound} + 1), got {size}.")
    for i, d in enumerate(collapsed):
        if slice_sizes[d] != 1:
            raise TypeError("Gather op can only collapse slice dims with bound 1, but bound is "
                            f"{slice_sizes[d]} for index {d} at position {i}.")
    for i, d in enumerate(obd):
        if slice_sizes[d] > 1:
            raise TypeError("Gather op can only have operand batching dims with bound 0/1, but "
                            f"bound is {slice_sizes[d]} for index {d} at position {i}.")
    return gather_output_shape(indices.shape, dn, slice_sizes)


def gather_output_shape(indices_shape, dn, slice_sizes):
    batch_sizes = iter(indices_shape[:-1])
    window = iter(s for d, s in enumerate(slice_sizes)
                  if d not in dn.collapsed_slice_dims and d not in dn.operand_batching_dims)
    out_rank = len(dn.offset_dims) + len(indices_shape) - 1
    return tuple(next(window) if i in dn.offset_dims else next(batch_sizes)
                 for i in range(out_rank))


def _gather_dtype_rule(operand, indices, **_):
    check_index_dtype(indices)
    return operand.dtype


# -- gather impl ------------------------------------------------------------------------------

class _GatherPlan:
    """Everything about a gather that depends only on shapes and static parameters."""

    __slots__ = ("out_shape", "batch_shape", "n", "lead", "rest", "sizes", "sources",
                 "bounds", "inner_shape", "perm", "n_offsets", "empty")


def _gather_plan(operand_shape, indices_shape, dn, slice_sizes):
    plan = _GatherPlan()
    r = len(operand_shape)
    batch_shape = tuple(indices_shape[:-1])
    plan.out_shape = gather_output_shape(indices_shape, dn, slice_sizes)
    plan.batch_shape = batch_shape
    plan.n = int(np.prod(batch_shape, dtype=np.int64))
    plan.empty = 0 in plan.out_shape
    # Operand dims whose start varies per window ("lead") are brought to the front and
    # fancy-indexed; the others start at 0 and are sliced.
    lead = sorted(set(dn.start_index_map) | set(dn.operand_batching_dims))
    rest = [d for d in range(r) if d not in lead]
    plan.lead, plan.rest = lead, rest
    plan.sizes = [slice_sizes[d] for d in lead]
    plan.sources = [("index", dn.start_index_map.index(d)) if d in dn.start_index_map else
                    ("batch", dn.start_indices_batching_dims[dn.operand_batching_dims.index(d)])
                    for d in lead]
    plan.bounds = np.array([operand_shape[d] - slice_sizes[d] for d in dn.start_index_map],
                           np.int64)
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    kept = [d for d in lead + rest if d not in dropped]  # offset dims in gathered order
    plan.inner_shape = batch_shape + tuple(slice_sizes[d] for d in kept)
    plan.n_offsets = len(kept)
    offset_operand_dims = [d for d in range(r) if d not in dropped]
    nb = len(batch_shape)
    perm, b = [], 0
    for p in range(len(plan.out_shape)):
        if p in dn.offset_dims:
            d = offset_operand_dims[dn.offset_dims.index(p)]
            perm.append(nb + kept.index(d))
        else:
            perm.append(b)
            b += 1
    plan.perm = None if perm == list(range(len(perm))) else tuple(perm)
    return plan


_gather_plans = {}


def _get_gather_plan(operand, indices, dimension_numbers, slice_sizes):
    key = (operand.shape, indices.shape, dimension_numbers, slice_sizes)
    plan = _gather_plans.get(key)
    if plan is None:
        # Eager calls skip abstract evaluation; validate once per signature here instead.
        _gather_shape_rule(core.ShapedArray(operand.shape, operand.dtype),
                           core.ShapedArray(indices.shape, indices.dtype),
                           dimension_numbers=dimension_numbers, slice_sizes=slice_sizes)
        if len(_gather_plans) > 4096:
            _gather_plans.clear()
        plan = _gather_plans[key] = _gather_plan(operand.shape, indices.shape,
                                                 dimension_numbers, slice_sizes)
    return plan


def as_int64_indices(indices):
    """Indices as int64 (uint64 values past the int64 range saturate instead of wrapping)."""
    if indices.dtype == np.uint64:
        indices = np.minimum(indices, np.uint64(np.iinfo(np.int64).max))
    return indices.astype(np.int64, copy=False)


def batch_coordinate(batch_shape, j, n):
    """For each of the ``n`` flattened batch positions, its coordinate along batch dim ``j``."""
    inner = int(np.prod(batch_shape[j + 1:], dtype=np.int64))
    return (np.arange(n, dtype=np.int64) // inner) % batch_shape[j]


def _gather_impl(operand, indices, *, dimension_numbers, slice_sizes, mode, fill_value,
                 unique_indices=False, indices_are_sorted=False):
    plan = _get_gather_plan(operand, indices, dimension_numbers, slice_sizes)
    if indices.dtype.kind not in "iu":
        check_index_dtype(indices)
    if plan.empty:
        return np.zeros(plan.out_shape, operand.dtype)
    n = plan.n
    idx = as_int64_indices(indices).reshape(n, indices.shape[-1])
    fill = mode is GatherScatterMode.FILL_OR_DROP or mode is GatherScatterMode.ONE_HOT
    in_bounds = None
    if idx.shape[1]:
        if fill:
            in_bounds = ((idx >= 0) & (idx <= plan.bounds)).all(axis=1)
            if in_bounds.all():
                in_bounds = None
        # Clamping first keeps the reads in bounds; filled windows are overwritten below.
        idx = np.minimum(np.maximum(idx, 0), plan.bounds)
    # Move the per-window dims to the front (a view) and slice the fixed ones.
    view = operand
    order = plan.lead + plan.rest
    if order != list(range(operand.ndim)):
        view = operand.transpose(order)
    nl = len(plan.lead)
    cut = tuple(slice(0, slice_sizes[d]) if slice_sizes[d] != operand.shape[d] else slice(None)
                for d in plan.rest)
    if any(c != slice(None) for c in cut):
        view = view[(slice(None),) * nl + cut]
    if nl == 0:
        gathered = np.broadcast_to(view, (n,) + view.shape)
    else:
        starts = [idx[:, k] if src == "index" else
                  batch_coordinate(plan.batch_shape, k, n) for src, k in plan.sources]
        if all(s == 1 for s in plan.sizes):
            if nl == 1:
                gathered = np.take(view, starts[0], axis=0)
            else:
                gathered = view[tuple(starts)]
        else:
            pos = []
            for j, (s, size) in enumerate(zip(starts, plan.sizes)):
                shape = [1] * nl
                shape[j] = size
                pos.append(s.reshape((n,) + (1,) * nl)
                           + np.arange(size, dtype=np.int64).reshape(shape))
            gathered = view[tuple(pos)]
    out = gathered.reshape(plan.inner_shape)
    if in_bounds is not None:
        fill_arr = np.asarray(0 if fill_value is None else fill_value)
        if fill_arr.dtype != operand.dtype:
            fill_arr = fill_arr.astype(operand.dtype)
        mask = in_bounds.reshape(plan.batch_shape + (1,) * plan.n_offsets)
        out = np.where(mask, out, fill_arr)
    if plan.perm is not None:
        out = out.transpose(plan.perm)
    return out


gather_p = standard_primitive("gather", _gather_shape_rule, _gather_dtype_rule, _gather_impl,
                              weak_type_rule=lambda flags, params: flags[0])


# -- public function --------------------------------------------------------------------------

def default_fill_value(dtype):
    """The fill value of a FILL_OR_DROP gather: NaN, the int minimum, uint maximum, True."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc" or dtype == dtypes.bfloat16:
        return np.nan
    if dtype.kind == "i":
        return int(np.iinfo(dtype).min)
    if dtype.kind == "u":
        return int(np.iinfo(dtype).max)
    if dtype == np.bool_:
        return True
    if dtypes.is_key_dtype(dtype):
        return int(np.iinfo(np.uint32).max)  # in every key word, as JAX fills key arrays
    raise ValueError(f"Unsupported dtype for gather fill_value {dtype}")


def static_scalar(x, what):
    """A hashable Python scalar from a concrete value (fill values are static parameters)."""
    if isinstance(x, (bool, int, float, complex)):
        return x
    if isinstance(x, core.Tracer):
        x = core.concrete_or_error(np.asarray, x, f"The {what} must be concrete.")
    value = np.asarray(x)
    if value.ndim:
        raise TypeError(f"The {what} must be a scalar, got shape {value.shape}.")
    return value.item()


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """XLA's Gather: collect slices of ``operand`` starting at ``start_indices``.

    Most code should use NumPy-style indexing (``x[idx]``, ``x.at[idx].get()``) instead.

    Args:
      operand: the array to read from.
      start_indices: integer array; its last dimension is the index vector.
      dimension_numbers: a ``GatherDimensionNumbers``.
      slice_sizes: the size of the slice along each operand dimension.
      unique_indices: promise that the gathered slices do not overlap (unused on CPU).
      indices_are_sorted: promise that the indices are sorted (unused on CPU).
      mode: out-of-bounds handling; None means PROMISE_IN_BOUNDS (clamp on CPU), 'clip'
        clamps, 'fill'/'drop' return ``fill_value`` for out-of-bounds slices.
      fill_value: the value of out-of-bounds slices in 'fill' mode; defaults to NaN for
        inexact dtypes, the minimum for signed ints, the maximum for unsigned, True for bool.

    Returns:
      The gathered array, of ``operand``'s dtype.

    Example:
      >>> x = jnp.array([10, 11, 12])
      >>> dn = GatherDimensionNumbers((), (0,), (0,))
      >>> gather(x, jnp.array([[2], [0]]), dn, (1,))
      Array([12, 10], dtype=int32)
    """
    parsed = GatherScatterMode.from_any(
        GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else mode)
    if parsed is GatherScatterMode.FILL_OR_DROP:
        if fill_value is None:
            fill_value = default_fill_value(core.get_aval(operand).dtype)
        else:
            fill_value = static_scalar(fill_value, "gather fill_value")
    else:
        fill_value = None
    return gather_p.bind(operand, start_indices,
                         dimension_numbers=canonical_gather_dnums(dimension_numbers),
                         slice_sizes=static_shape(slice_sizes),
                         unique_indices=bool(unique_indices),
                         indices_are_sorted=bool(indices_are_sorted), mode=parsed,
                         fill_value=fill_value)


# -- differentiation rules (JAX's, jax/_src/lax/slicing.py) -------------------------------------
# Gather is linear in its operand; its transpose is a scatter-add with the same dimension numbers
# and mode, so out-of-bounds windows read as 0 (FILL_OR_DROP) and their cotangents are dropped.

from pyjax._src.interpreters import ad  # noqa: E402


def _gather_jvp(primals, tangents, *, dimension_numbers, slice_sizes, unique_indices,
                indices_are_sorted, mode, fill_value):
    operand, indices = primals
    params = dict(dimension_numbers=dimension_numbers, slice_sizes=slice_sizes,
                  unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                  mode=mode)
    out = gather_p.bind(operand, indices, fill_value=fill_value, **params)
    g = tangents[0]
    if type(g) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    # Filled (out-of-bounds) windows are constants: their tangent is 0.
    tangent_fill = 0 if mode is GatherScatterMode.FILL_OR_DROP else None
    return out, gather_p.bind(g, indices, fill_value=tangent_fill, **params)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
    from pyjax._src.primitives import scatter, structural
    if type(ct) is ad.Zero:
        return [None, None]
    dn = dimension_numbers
    zeros = structural.full(operand.aval.shape, 0, core.get_aval(ct).dtype)
    scatter_dnums = scatter.ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims)
    out = scatter.scatter_add(zeros, indices, ct, scatter_dnums, unique_indices=unique_indices,
                              indices_are_sorted=indices_are_sorted, mode=mode)
    return [out, None]


gather_p.jvp = _gather_jvp
gather_p.transpose = _gather_transpose


# -- batching rule (JAX's, jax/_src/lax/slicing.py) ---------------------------------------------
# The batch dim becomes a window dim of the operand (operand batched), a batch dim of the
# indices (indices batched), or a pair of batching dims (both), always moved to the front.

from pyjax._src.interpreters import batching  # noqa: E402


def _plus1(dims):
    return tuple(d + 1 for d in dims)


def gather_batch_rule(vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
    operand, indices = vals
    operand_dim, indices_dim = dims
    dn = dimension_numbers
    params = dict(mode=mode, fill_value=fill_value)
    if indices_dim is batching.not_mapped:
        operand = batching.moveaxis(operand, operand_dim, 0)
        dnums = GatherDimensionNumbers(
            offset_dims=(0,) + _plus1(dn.offset_dims),
            collapsed_slice_dims=_plus1(dn.collapsed_slice_dims),
            start_index_map=_plus1(dn.start_index_map),
            operand_batching_dims=_plus1(dn.operand_batching_dims),
            start_indices_batching_dims=dn.start_indices_batching_dims)
        sizes = (core.get_aval(operand).shape[0],) + tuple(slice_sizes)
        return gather_p.bind(operand, indices, dimension_numbers=dnums, slice_sizes=sizes,
                             unique_indices=unique_indices,
                             indices_are_sorted=indices_are_sorted, **params), 0
    indices = batching.moveaxis(indices, indices_dim, 0)
    if operand_dim is batching.not_mapped:
        dnums = GatherDimensionNumbers(
            offset_dims=_plus1(dn.offset_dims),
            collapsed_slice_dims=dn.collapsed_slice_dims, start_index_map=dn.start_index_map,
            operand_batching_dims=dn.operand_batching_dims,
            start_indices_batching_dims=_plus1(dn.start_indices_batching_dims))
        # Different batch members may read the same windows, in any order.
        return gather_p.bind(operand, indices, dimension_numbers=dnums,
                             slice_sizes=tuple(slice_sizes), unique_indices=False,
                             indices_are_sorted=False, **params), 0
    operand = batching.moveaxis(operand, operand_dim, 0)
    size = core.get_aval(operand).shape[0]
    dnums = GatherDimensionNumbers(
        offset_dims=_plus1(dn.offset_dims),
        collapsed_slice_dims=_plus1(dn.collapsed_slice_dims),
        start_index_map=_plus1(dn.start_index_map),
        operand_batching_dims=(0,) + _plus1(dn.operand_batching_dims),
        start_indices_batching_dims=(0,) + _plus1(dn.start_indices_batching_dims))
    sizes = (min(size, 1),) + tuple(slice_sizes)
    return gather_p.bind(operand, indices, dimension_numbers=dnums, slice_sizes=sizes,
                         unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                         **params), 0


gather_p.batch = gather_batch_rule

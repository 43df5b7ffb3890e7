"""Scatter: XLA's indexed update (set, add, sub, mul, min, max, apply) of windows of an array.

Each window of ``updates`` is combined into ``operand`` at a start given by ``scatter_indices``.
Out-of-bounds windows are dropped whole (FILL_OR_DROP, PROMISE_IN_BOUNDS) or their starts are
clamped so that they fit (CLIP). Duplicate targets accumulate in update order for the
combining scatters, and the last update wins for ``scatter`` (set), as on XLA:CPU.
"""
import weakref
from typing import NamedTuple

import numpy as np

from pyjax._src import core
from pyjax._src.core import Jaxpr, JaxprEqn, ShapedArray, Var
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.common import standard_primitive
from pyjax._src.primitives.indexing import (
    GatherScatterMode, as_int64_indices, batch_coordinate, canonical_dnums, check_index_dtype,
    dims_in_range, disjoint_dims, is_sorted, no_duplicate_dims, sorted_dims_in_range,
    static_shape)


class ScatterDimensionNumbers(NamedTuple):
    """How the dimensions of a scatter's operand, indices and updates relate (XLA's Scatter).

    Args:
      update_window_dims: dimensions of ``updates`` (ascending) that are window dimensions.
      inserted_window_dims: operand dimensions (ascending) of window size 1 that ``updates``
        does not have.
      scatter_dims_to_operand_dims: for each entry of the index vector, its operand dimension.
      operand_batching_dims: operand dimensions (ascending) that batch with indices dims.
      scatter_indices_batching_dims: the matching dimensions of ``scatter_indices``.

    The index vector dimension is always the last dimension of ``scatter_indices``.
    """
    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


def canonical_scatter_dnums(dnums):
    return canonical_dnums(dnums, ScatterDimensionNumbers, "scatter")


# -- shape and dtype rules ----------------------------------------------------------------------

_VALID_SHAPES = {}  # (operand, indices, updates shapes, dimension numbers) already checked


def _scatter_shape_rule(operand, indices, updates, *, dimension_numbers, **_):
    key = (operand.shape, indices.shape, updates.shape, dimension_numbers)
    if key in _VALID_SHAPES:  # (unrolled loops of x.at[i] updates check the same types)
        return operand.shape
    _check_scatter_shapes(operand, indices, updates, dimension_numbers)
    if len(_VALID_SHAPES) > 4096:
        _VALID_SHAPES.clear()
    _VALID_SHAPES[key] = True
    return operand.shape


def _check_scatter_shapes(operand, indices, updates, dimension_numbers):
    dn = dimension_numbers
    uwd, iwd, sdod = (dn.update_window_dims, dn.inserted_window_dims,
                      dn.scatter_dims_to_operand_dims)
    obd, sibd = dn.operand_batching_dims, dn.scatter_indices_batching_dims
    rank = operand.ndim
    index_vector_dim = indices.ndim - 1
    if index_vector_dim < 0:
        raise TypeError("Scatter index leaf dimension must be within [0, rank(indices) + 1). "
                        f"rank(indices) is {indices.ndim} and scatter index leaf dimension is "
                        f"{index_vector_dim}.")
    expected_rank = indices.ndim - 1 + len(uwd)
    if updates.ndim != expected_rank:
        raise TypeError(f"Updates tensor must be of rank {expected_rank}; got {updates.ndim}.")
    is_sorted(uwd, "scatter", "update_window_dims")
    no_duplicate_dims(uwd, "scatter", "update_window_dims")
    sorted_dims_in_range(uwd, updates.ndim, "scatter", "update_window_dims")
    is_sorted(iwd, "scatter", "inserted_window_dims")
    no_duplicate_dims(iwd, "scatter", "inserted_window_dims")
    sorted_dims_in_range(iwd, rank, "scatter", "inserted_window_dims")
    is_sorted(obd, "scatter", "operand_batching_dims")
    no_duplicate_dims(obd, "scatter", "operand_batching_dims")
    sorted_dims_in_range(obd, rank, "scatter", "operand_batching_dims")
    disjoint_dims(iwd, obd, "scatter", "inserted_window_dims", "operand_batching_dims")
    disjoint_dims(sdod, obd, "scatter", "scatter_dims_to_operand_dims",
                  "operand_batching_dims")
    no_duplicate_dims(sibd, "scatter", "scatter_indices_batching_dims")
    dims_in_range(sibd, indices.ndim, "scatter", "scatter_indices_batching_dims")
    if index_vector_dim in sibd:
        raise TypeError("Scatter op cannot have the index vector dimension as a batching "
                        f"dimension; got {sibd}.")
    if len(obd) != len(sibd):
        raise TypeError("Scatter op requires equal numbers of operand_batching_dims and "
                        f"scatter_indices_batching_dims, got {obd} and {sibd}.")
    operand_batch = tuple(operand.shape[i] for i in obd)
    indices_batch = tuple(indices.shape[i] for i in sibd)
    if operand_batch != indices_batch:
        raise TypeError("Scatter op requires operand batching dimensions and indices batching "
                        f"dimensions to have the same shape, got {operand_batch} and "
                        f"{indices_batch}.")
    window_size = len(uwd) + len(iwd) + len(obd)
    if rank != window_size:
        raise TypeError(f"Scatter op has window of size {window_size}; doesn't match operand "
                        f"of rank {rank}.")
    if len(sdod) != indices.shape[index_vector_dim]:
        raise TypeError(f"Scatter op has {len(sdod)} elements in scatter_dims_to_operand_dims "
                        f"and the bound of dimension index_vector_dim={index_vector_dim} of "
                        f"indices is {indices.shape[index_vector_dim]}. These two numbers must "
                        "be equal")
    for i, d in enumerate(sdod):
        if d < 0 or d >= rank:
            raise TypeError("Invalid scatter_dims_to_operand_dims mapping; domain is "
                            f"[0, {rank}), got: {i}->{d}.")
    no_duplicate_dims(sdod, "scatter", "scatter_dims_to_operand_dims")
    max_sizes = [operand.shape[d] for d in range(rank) if d not in iwd and d not in obd]
    for i, d in enumerate(uwd):
        if max_sizes[i] < updates.shape[d]:
            raise TypeError("Bounds of the window dimensions of updates must not exceed the "
                            "bounds of the corresponding dimensions of operand. For dimension "
                            f"{d}, updates bound is {updates.shape[d]}, operand bound is "
                            f"{max_sizes[i]}.")
    seen = 0
    for i in (d for d in range(updates.ndim) if d not in uwd):
        if seen == index_vector_dim:
            seen += 1
        if updates.shape[i] != indices.shape[seen]:
            raise TypeError("Bounds of the scatter dimensions of updates must be the same as "
                            "the bounds of the corresponding dimensions of scatter indices. For "
                            f"scatter dimension {i}, updates bound is {updates.shape[i]}, "
                            f"indices bound is {indices.shape[seen]}.")
        seen += 1


def _scatter_dtype_rule(operand, indices, updates, **_):
    check_index_dtype(indices)
    if operand.dtype != updates.dtype:
        raise TypeError("lax.scatter requires arguments to have the same dtypes, got "
                        f"{operand.dtype.name}, {updates.dtype.name}.")
    return operand.dtype


# -- impl ---------------------------------------------------------------------------------------

class _ScatterPlan:
    """Everything about a scatter that depends only on shapes and static parameters."""

    __slots__ = ("n", "batch_shape", "window_offsets", "strides", "starts", "bounds", "single",
                 "update_perm", "flat_updates_shape")


def _scatter_plan(operand_shape, indices_shape, updates_shape, dn):
    plan = _ScatterPlan()
    r = len(operand_shape)
    plan.batch_shape = tuple(indices_shape[:-1])
    plan.n = int(np.prod(plan.batch_shape, dtype=np.int64))
    window_dims = [d for d in range(r)
                   if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims]
    sizes = [1] * r
    for d, u in zip(window_dims, dn.update_window_dims):
        sizes[d] = updates_shape[u]
    strides = np.ones(r, np.int64)
    for d in range(r - 2, -1, -1):
        strides[d] = strides[d + 1] * operand_shape[d + 1]
    plan.strides = strides
    # Linear offsets of the elements of one window, in the row-major order of the window
    # dims of `updates` (which ascend with the operand dims they map to).
    offsets = np.zeros((), np.int64)
    for d in window_dims:
        offsets = (offsets[..., None] + np.arange(sizes[d], dtype=np.int64) * strides[d])
    plan.window_offsets = offsets.reshape(-1)
    plan.starts = [(d, "index", k) for k, d in enumerate(dn.scatter_dims_to_operand_dims)]
    plan.starts += [(d, "batch", dn.scatter_indices_batching_dims[i])
                    for i, d in enumerate(dn.operand_batching_dims)]
    # The common case: one index column, unit stride, no batching, one-element windows.
    plan.single = (len(plan.starts) == 1 and plan.starts[0][1] == "index"
                   and strides[plan.starts[0][0]] == 1 and plan.window_offsets.size == 1)
    plan.bounds = np.array([operand_shape[d] - sizes[d] for d in dn.scatter_dims_to_operand_dims],
                           np.int64)
    scatter_dims = [d for d in range(len(updates_shape)) if d not in dn.update_window_dims]
    perm = scatter_dims + list(dn.update_window_dims)
    plan.update_perm = None if perm == list(range(len(perm))) else tuple(perm)
    plan.flat_updates_shape = (plan.n, plan.window_offsets.size)
    return plan


_scatter_plans = {}


def _get_scatter_plan(operand, indices, updates, dn):
    key = (operand.shape, indices.shape, updates.shape, dn)
    plan = _scatter_plans.get(key)
    if plan is None:
        # Eager calls skip abstract evaluation; validate once per signature here instead.
        avals = [ShapedArray(x.shape, x.dtype) for x in (operand, indices, updates)]
        _scatter_shape_rule(*avals, dimension_numbers=dn)
        if len(_scatter_plans) > 4096:
            _scatter_plans.clear()
        plan = _scatter_plans[key] = _scatter_plan(operand.shape, indices.shape,
                                                   updates.shape, dn)
    return plan


def _targets(plan, indices, mode):
    """Linear operand indices of every update element, and which windows are kept."""
    n = plan.n
    k = indices.shape[-1]
    idx = as_int64_indices(indices).reshape(n, k)
    keep = None
    if k:
        if mode is GatherScatterMode.CLIP:
            idx = np.minimum(np.maximum(idx, 0), plan.bounds)
        else:  # FILL_OR_DROP, PROMISE_IN_BOUNDS (drops on CPU), ONE_HOT
            ok = (idx >= 0) & (idx <= plan.bounds)
            keep = ok[:, 0] if k == 1 else ok.all(axis=1)
            if keep.all():
                keep = None
    if plan.single:
        base = idx[:, 0]
        return (base if keep is None else base[keep]), keep
    base = np.zeros(n, np.int64)
    for d, src, k in plan.starts:
        start = idx[:, k] if src == "index" else batch_coordinate(plan.batch_shape, k, n)
        base += start * plan.strides[d]
    if keep is not None:
        base = base[keep]
    return (base[:, None] + plan.window_offsets).reshape(-1), keep


def _flat_updates(plan, updates, keep):
    u = updates if plan.update_perm is None else updates.transpose(plan.update_perm)
    u = u.reshape(plan.flat_updates_shape)
    if keep is not None:
        u = u[keep]
    return u.reshape(-1)


def _scatter_impl_for(combine):
    def impl(operand, indices, updates, *, dimension_numbers, mode, update_jaxpr=None,
             update_consts=(), indices_are_sorted=False, unique_indices=False):
        plan = _get_scatter_plan(operand, indices, updates, dimension_numbers)
        if indices.dtype.kind not in "iu" or operand.dtype != updates.dtype:
            _scatter_dtype_rule(operand, indices, updates)
        out = operand.copy()
        if plan.n == 0 or plan.window_offsets.size == 0 or operand.size == 0:
            return out
        flat = out.reshape(-1)
        targets, keep = _targets(plan, indices, mode)
        if combine is _set and update_jaxpr is not None:  # scatter_apply
            _apply_update_jaxpr(flat, targets, update_jaxpr)
        else:
            combine(flat, targets, _flat_updates(plan, updates, keep))
        return out
    return impl


def _set(flat, targets, values):
    flat[targets] = values  # NumPy assigns repeated targets in order: the last update wins


def _at(ufunc):
    def combine(flat, targets, values):
        if flat.dtype.kind in "iub":
            ufunc.at(flat, targets, values)
            return
        with np.errstate(all="ignore"):  # overflow and NaN are results here, as in XLA
            ufunc.at(flat, targets, values)
    return combine


def _apply_update_jaxpr(flat, targets, closed):
    """scatter_apply: apply the function once per occurrence of each target, in rounds.

    Round r updates the targets that occur at least r+1 times, so every round touches each
    target at most once and can be vectorised.
    """
    if targets.size == 0:
        return
    order = np.argsort(targets, kind="stable")
    sorted_t = targets[order]
    starts = np.r_[True, sorted_t[1:] != sorted_t[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(sorted_t.size), 0))
    rank = np.arange(sorted_t.size) - group_start
    for r in range(int(rank.max()) + 1):
        t = sorted_t[rank == r]
        flat[t] = _eval_scalar_fn(closed, flat[t], flat.dtype)


def _eval_scalar_fn(closed, x, dtype):
    """Evaluate a jaxpr traced on scalars elementwise over the vector ``x``."""
    def run(v):
        with core.set_current_trace(core.eval_trace):
            out, = core.eval_jaxpr(closed.jaxpr, closed.consts, v, v)
        return np.asarray(out)

    try:
        out = run(x)
        if out.shape != x.shape:
            raise ValueError
    except Exception:  # the function is not elementwise-vectorisable: one element at a time
        out = np.array([run(np.asarray(v)) for v in x]).reshape(x.shape)
    return out.astype(dtype, copy=False)


def _scatter_primitive(name, combine):
    return standard_primitive(name, _scatter_shape_rule, _scatter_dtype_rule,
                              _scatter_impl_for(combine),
                              weak_type_rule=lambda flags, params: flags[0])


scatter_p = _scatter_primitive("scatter", _set)
scatter_add_p = _scatter_primitive("scatter-add", _at(np.add))
scatter_sub_p = _scatter_primitive("scatter-sub", _at(np.subtract))
scatter_mul_p = _scatter_primitive("scatter-mul", _at(np.multiply))
scatter_min_p = _scatter_primitive("scatter-min", _at(np.minimum))
scatter_max_p = _scatter_primitive("scatter-max", _at(np.maximum))


# -- update computations as JAX prints them (`update_jaxpr={ lambda ; a:f32[] b:f32[]. ...}`) --

_update_jaxprs = {}


def _update_jaxpr(prim, dtype):
    """The combining jaxpr of a scatter, built once per (primitive, dtype).

    JAX stores the traced ``lax.add`` & co. as the ``update_jaxpr`` parameter; we keep one
    shared object per dtype so that equal scatters have equal (and hashable) parameters.
    """
    key = (prim, dtype)
    jaxpr = _update_jaxprs.get(key)
    if jaxpr is None:
        aval = ShapedArray((), dtype)
        out_aval = prim.abstract_eval(aval, aval)  # the dtype errors JAX raises when tracing
        x, y, out = Var(aval), Var(aval), Var(out_aval)
        jaxpr = _update_jaxprs[key] = Jaxpr([], [x, y], [out], [JaxprEqn([x, y], [out], prim,
                                                                          {})])
    return jaxpr


# -- public functions ---------------------------------------------------------------------------

def _bind(prim, combine, operand, scatter_indices, updates, dimension_numbers,
          indices_are_sorted, unique_indices, mode):
    jaxpr = None if combine is None else _update_jaxpr(combine, core.get_aval(operand).dtype)
    return prim.bind(operand, scatter_indices, updates,
                     dimension_numbers=canonical_scatter_dnums(dimension_numbers),
                     indices_are_sorted=bool(indices_are_sorted),
                     unique_indices=bool(unique_indices), mode=GatherScatterMode.from_any(mode),
                     update_jaxpr=jaxpr, update_consts=())


_ARGS_DOC = """
    Args:
      operand: the array to update.
      scatter_indices: integer array; its last dimension is the index vector.
      updates: the values to combine in, of ``operand``'s dtype.
      dimension_numbers: a ``ScatterDimensionNumbers``.
      indices_are_sorted: promise that the indices are sorted (unused on CPU).
      unique_indices: promise that the updated elements do not overlap (unused on CPU).
      mode: out-of-bounds handling: None, 'fill', 'drop' and 'promise_in_bounds' drop
        out-of-bounds windows, 'clip' clamps their starts so that they fit.

    Returns:
      A new array of ``operand``'s shape and dtype.
"""


def _public(name, prim, combine, summary):
    def f(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
          unique_indices=False, mode=None):
        return _bind(prim, combine, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted, unique_indices, mode)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = summary + "\n" + _ARGS_DOC
    return f


scatter = _public("scatter", scatter_p, None,
                  "XLA's Scatter where updates replace operand values (the last one wins).")
scatter_add = _public("scatter_add", scatter_add_p, ew.add_p,
                      "XLA's Scatter where updates are added to operand values.")
scatter_sub = _public("scatter_sub", scatter_sub_p, ew.sub_p,
                      "XLA's Scatter where updates are subtracted from operand values.")
scatter_mul = _public("scatter_mul", scatter_mul_p, ew.mul_p,
                      "XLA's Scatter where operand values are multiplied by updates.")
scatter_min = _public("scatter_min", scatter_min_p, ew.min_p,
                      "XLA's Scatter taking the minimum of operand values and updates.")
scatter_max = _public("scatter_max", scatter_max_p, ew.max_p,
                      "XLA's Scatter taking the maximum of operand values and updates.")


_apply_jaxprs = weakref.WeakKeyDictionary()


def _apply_jaxpr(func, dtype):
    """``lambda x, _: func(x)`` traced on scalars of ``dtype``, cached per function."""
    from pyjax._src.interpreters import staging
    try:
        per_dtype = _apply_jaxprs.setdefault(func, {})
    except TypeError:  # not weak-referenceable: trace every time
        per_dtype = {}
    closed = per_dtype.get(dtype)
    if closed is None:
        aval = ShapedArray((), dtype)
        closed = per_dtype[dtype] = staging.trace_to_jaxpr(lambda x, _: [func(x)],
                                                           [aval, aval])
    return closed


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """XLA's Scatter where each indexed operand value ``v`` becomes ``func(v)``.

    A value indexed ``k`` times has ``func`` applied ``k`` times.

    Args:
      operand: the array to update.
      scatter_indices: integer array; its last dimension is the index vector.
      func: a unary function of a scalar.
      dimension_numbers: a ``ScatterDimensionNumbers``.
      update_shape: the shape of the (implicit) updates at the given indices.
      indices_are_sorted: promise that the indices are sorted (unused on CPU).
      unique_indices: promise that the updated elements do not overlap (unused on CPU).
      mode: out-of-bounds handling, as for ``scatter``.

    Returns:
      A new array of ``operand``'s shape and dtype.
    """
    dtype = core.get_aval(operand).dtype
    unused = np.zeros(static_shape(update_shape), dtype)
    return scatter_p.bind(operand, scatter_indices, unused,
                          dimension_numbers=canonical_scatter_dnums(dimension_numbers),
                          indices_are_sorted=bool(indices_are_sorted),
                          unique_indices=bool(unique_indices),
                          mode=GatherScatterMode.from_any(mode),
                          update_jaxpr=_apply_jaxpr(func, dtype), update_consts=())


# -- differentiation rules (JAX's, jax/_src/lax/slicing.py) -------------------------------------
# scatter-add/sub are linear in (operand, updates) jointly; their transpose passes the cotangent
# to the operand and gathers it for the updates. scatter (set), mul, min and max have JAX's
# JVPs; scatter and scatter-mul transpose only with unique indices, as in JAX.

from pyjax._src.interpreters import ad  # noqa: E402
from pyjax._src.primitives import structural  # noqa: E402
from pyjax._src.primitives.indexing import GatherDimensionNumbers, gather  # noqa: E402


def _gather_dnums(dn):
    """The gather that reads back what a scatter with dimension numbers ``dn`` wrote."""
    return GatherDimensionNumbers(
        offset_dims=dn.update_window_dims, collapsed_slice_dims=dn.inserted_window_dims,
        start_index_map=dn.scatter_dims_to_operand_dims,
        operand_batching_dims=dn.operand_batching_dims,
        start_indices_batching_dims=dn.scatter_indices_batching_dims)


def _slice_sizes(operand_shape, updates_shape, dn):
    sizes, pos = [], 0
    for i in range(len(operand_shape)):
        if i in dn.inserted_window_dims or i in dn.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(updates_shape[dn.update_window_dims[pos]])
            pos += 1
    return tuple(sizes)


def _shape(x):
    return x.aval.shape if ad.is_undefined(x) else core.get_aval(x).shape


def _zero_tangent(out):
    return ad.Zero(ad.tangent_aval(core.get_aval(out)))


def _const(x, value):
    return np.array(value, core.get_aval(x).dtype)


def _zeros_like(x):
    aval = core.get_aval(x)
    return structural.full(aval.shape, 0, aval.dtype)


def _select(pred, on_true, on_false):
    return ew.select_n_p.bind(pred, on_false, on_true)


def _gather_updates(ct, indices, updates_shape, dn, mode):
    """The cotangent of a scatter's updates: the windows of ``ct`` they were written to."""
    return gather(ct, indices, _gather_dnums(dn), _slice_sizes(_shape(ct), updates_shape, dn),
                  mode=mode, fill_value=0)


def _scatter_addsub_jvp(prim, primals, tangents, **params):
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    out = prim.bind(operand, indices, updates, **params)
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        return out, _zero_tangent(out)
    return out, prim.bind(ad.instantiate(g_operand), indices, ad.instantiate(g_updates),
                          **params)


def _scatter_addsub_transpose(prim, ct, operand, indices, updates, *, dimension_numbers, mode,
                              **_):
    if type(ct) is ad.Zero:
        return [None, None, None]
    ct_operand = ct if ad.is_undefined(operand) else None
    ct_updates = None
    if ad.is_undefined(updates):
        ct_updates = _gather_updates(ct, indices, updates.aval.shape, dimension_numbers, mode)
        if prim is scatter_sub_p:
            ct_updates = ew.neg_p.bind(ct_updates)
    return [ct_operand, None, ct_updates]


def _scatter_mul_jvp_updates(g, x, i, y, *, dimension_numbers, indices_are_sorted,
                             unique_indices, mode, **_):
    if not unique_indices:
        raise NotImplementedError(
            "scatter_mul gradients are only implemented if `unique_indices=True`")
    return ew.mul_p.bind(x, scatter_add(_zeros_like(x), i, g, dimension_numbers,
                                        indices_are_sorted=indices_are_sorted,
                                        unique_indices=unique_indices, mode=mode))


def _scatter_mul_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, unique_indices, mode, **_):
    if type(ct) is ad.Zero:
        return [None, None, None]
    ct_operand = ct_updates = None
    if ad.is_undefined(operand):
        ct_operand = scatter_mul(ct, indices, updates, dimension_numbers,
                                 indices_are_sorted=indices_are_sorted,
                                 unique_indices=unique_indices, mode=mode)
    if ad.is_undefined(updates):
        if not unique_indices:
            raise NotImplementedError(
                "scatter_mul gradients are only implemented if `unique_indices=True`")
        ct_updates = _gather_updates(ew.mul_p.bind(ct, operand), indices, updates.aval.shape,
                                     dimension_numbers, mode)
    return [ct_operand, None, ct_updates]


def _scatter_extremal_jvp(prim, primals, tangents, *, dimension_numbers, indices_are_sorted,
                          unique_indices, mode, **params):
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    dn = dimension_numbers
    out = prim.bind(operand, indices, updates, dimension_numbers=dn,
                    indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                    mode=mode, **params)
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        return out, _zero_tangent(out)
    g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
    gdn = _gather_dnums(dn)
    sizes = _slice_sizes(_shape(operand), _shape(updates), dn)

    # Clamped windows must be read back clamped, also by the transpose of these gathers (a
    # default-mode gather clamps but transposes to a dropping scatter-add).
    gather_mode = GatherScatterMode.CLIP if mode is GatherScatterMode.CLIP else None

    def gather_back(x):
        return gather(x, indices, gdn, sizes, mode=gather_mode)

    # Like max/min elsewhere, tangents of values tying for a location are averaged (the
    # operand's own value counts as one of the contenders when it is kept).
    target = gather_back(out)
    successful = ew.eq_p.bind(updates, target)
    retained = ew.eq_p.bind(gather_back(operand), target)
    u_aval = core.get_aval(updates)
    zeros_u, ones_u = _zeros_like(updates), structural.full(u_aval.shape, 1, u_aval.dtype)
    # JAX counts with the default (dropping) mode; counting in the scatter's own mode keeps the
    # counts right for clamped out-of-bounds windows too (JAX's rule gives NaN there).
    num_updates = gather_back(scatter_add(_zeros_like(operand), indices,
                                          _select(successful, ones_u, zeros_u), dn, mode=mode))
    num_refs = gather_back(scatter_add(_zeros_like(operand), indices, ones_u, dn, mode=mode))
    one = _const(num_updates, 1)
    inv_plus_one = ew.div_p.bind(one, ew.add_p.bind(num_updates, one))
    updates_normalizer = _select(retained, inv_plus_one, ew.div_p.bind(one, num_updates))
    updates_coef = _select(successful, updates_normalizer, zeros_u)
    operand_normalizer = _select(retained, inv_plus_one, _zeros_like(num_updates))
    operand_coef = ew.div_p.bind(ew.add_p.bind(_const(num_updates, -1), operand_normalizer),
                                 num_refs)
    tangent_updates = ew.add_p.bind(ew.mul_p.bind(gather_back(g_operand), operand_coef),
                                    ew.mul_p.bind(g_updates, updates_coef))
    tangent_out = scatter_add(g_operand, indices, tangent_updates, dn,
                              indices_are_sorted=indices_are_sorted,
                              unique_indices=unique_indices, mode=mode)
    return out, tangent_out


def _scatter_jvp(primals, tangents, *, update_jaxpr, update_consts, dimension_numbers,
                 indices_are_sorted, unique_indices, mode):
    if update_jaxpr is not None:
        raise NotImplementedError("scatter_apply JVP not implemented")
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    dn = dimension_numbers
    params = dict(update_jaxpr=None, update_consts=update_consts, dimension_numbers=dn,
                  indices_are_sorted=indices_are_sorted, mode=mode)
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        out = scatter_p.bind(operand, indices, updates, unique_indices=unique_indices, **params)
        return out, _zero_tangent(out)
    g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
    if unique_indices:
        # No overlapping updates: the tangent is scattered like the primal.
        out = scatter_p.bind(operand, indices, updates, unique_indices=True, **params)
        return out, scatter_p.bind(g_operand, indices, g_updates, unique_indices=True, **params)
    # With overlaps the winning update is the backend's choice, so find it by scattering ids:
    # each update window gets a positive id; after scattering the ids, an update element won
    # iff the id read back at its target is its own, and an operand element survived iff the
    # id there is 0. Masking both by that and scatter-adding gives primal and tangent alike.
    updates_shape = _shape(updates)
    ids_shape = list(updates_shape)
    for d in dn.update_window_dims:
        ids_shape[d] = 1
    num_ids = int(np.prod(ids_shape, dtype=np.int64))
    id_dtype = np.dtype(np.uint32 if num_ids + 1 < np.iinfo(np.uint32).max else np.uint64)
    ids = ew.add_p.bind(structural.iota(id_dtype, num_ids), np.array(1, id_dtype))
    update_ids = structural.broadcast_in_dim(structural.reshape(ids, tuple(ids_shape)),
                                             updates_shape, tuple(range(len(updates_shape))))
    scattered_ids = scatter(structural.full(_shape(operand), 0, id_dtype), indices, update_ids,
                            dn, indices_are_sorted=indices_are_sorted,
                            unique_indices=unique_indices, mode=mode)
    gathered_ids = gather(scattered_ids, indices, _gather_dnums(dn),
                          _slice_sizes(_shape(operand), updates_shape, dn))
    operand_kept = ew.eq_p.bind(scattered_ids, np.array(0, id_dtype))
    update_won = ew.eq_p.bind(update_ids, gathered_ids)

    def combine(x, u):
        return scatter_add(_select(operand_kept, x, _zeros_like(x)), indices,
                           _select(update_won, u, _zeros_like(u)), dn,
                           indices_are_sorted=indices_are_sorted,
                           unique_indices=unique_indices, mode=mode)

    return combine(operand, updates), combine(g_operand, g_updates)


def _scatter_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                       dimension_numbers, indices_are_sorted, unique_indices, mode):
    if not unique_indices:
        raise NotImplementedError("scatter transpose is only implemented where "
                                  "unique_indices=True")
    if type(ct) is ad.Zero:
        return [None, None, None]
    ct_operand = ct_updates = None
    updates_shape = _shape(updates)
    if ad.is_undefined(operand):
        # The updated elements of the operand were overwritten: their cotangent is zero.
        ct_operand = scatter(ct, indices, structural.full(updates_shape, 0,
                                                          core.get_aval(ct).dtype),
                             dimension_numbers, indices_are_sorted=indices_are_sorted,
                             unique_indices=True, mode=mode)
    if ad.is_undefined(updates):
        ct_updates = _gather_updates(ct, indices, updates_shape, dimension_numbers, mode)
    return [ct_operand, None, ct_updates]


def _partial(fun, prim):
    def rule(*args, **params):
        return fun(prim, *args, **params)
    return rule


for _p in (scatter_add_p, scatter_sub_p):
    _p.jvp = _partial(_scatter_addsub_jvp, _p)
    _p.transpose = _partial(_scatter_addsub_transpose, _p)
ad.defjvp(scatter_mul_p, lambda g, x, i, y, **params: scatter_mul_p.bind(g, i, y, **params),
          None, _scatter_mul_jvp_updates)
scatter_mul_p.transpose = _scatter_mul_transpose
scatter_min_p.jvp = _partial(_scatter_extremal_jvp, scatter_min_p)
scatter_max_p.jvp = _partial(_scatter_extremal_jvp, scatter_max_p)
scatter_p.jvp = _scatter_jvp
scatter_p.transpose = _scatter_transpose


# -- batching rule (JAX's, jax/_src/lax/slicing.py) ---------------------------------------------
# The operand and updates get the batch dim in front (materialised if unbatched). With unbatched
# indices it is one more window dim; with batched indices it is a pair of batching dims.

from pyjax._src.interpreters import batching  # noqa: E402


def _plus1(dims):
    return tuple(d + 1 for d in dims)


def scatter_batch_rule(prim, vals, dims, *, dimension_numbers, **params):
    operand, indices, updates = vals
    operand_dim, indices_dim, updates_dim = dims
    dn = dimension_numbers
    size = batching.mapped_size(vals, dims)
    operand = batching.bdim_at_front(operand, operand_dim, size)
    updates = batching.bdim_at_front(updates, updates_dim, size)
    if indices_dim is batching.not_mapped:
        dnums = ScatterDimensionNumbers(
            update_window_dims=(0,) + _plus1(dn.update_window_dims),
            inserted_window_dims=_plus1(dn.inserted_window_dims),
            scatter_dims_to_operand_dims=_plus1(dn.scatter_dims_to_operand_dims),
            operand_batching_dims=_plus1(dn.operand_batching_dims),
            scatter_indices_batching_dims=dn.scatter_indices_batching_dims)
    else:
        indices = batching.moveaxis(indices, indices_dim, 0)
        dnums = ScatterDimensionNumbers(
            update_window_dims=_plus1(dn.update_window_dims),
            inserted_window_dims=_plus1(dn.inserted_window_dims),
            scatter_dims_to_operand_dims=_plus1(dn.scatter_dims_to_operand_dims),
            operand_batching_dims=(0,) + _plus1(dn.operand_batching_dims),
            scatter_indices_batching_dims=(0,) + _plus1(dn.scatter_indices_batching_dims))
    return prim.bind(operand, indices, updates, dimension_numbers=dnums, **params), 0


for _p in (scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p, scatter_min_p, scatter_max_p):
    _p.batch = _partial(scatter_batch_rule, _p)

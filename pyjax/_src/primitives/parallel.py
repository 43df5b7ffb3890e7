"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, axis_index.

With one device, the named axes are those of enclosing ``vmap(..., axis_name=...)`` calls: a
collective over a vmapped axis reduces or gathers along that batch dimension. Every collective
is a primitive, so it can be staged inside jit and batched later. Evaluated outside any such
axis, the name is unbound, as in JAX.
"""
import numpy as np

from pyjax._src import core
from pyjax._src import tree as tree_util
from pyjax._src.array import ArrayImpl
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching


def _unbound(axis_name):
    return NameError(f"unbound axis name: {axis_name}. The following axis names (e.g. defined "
                     "by pmap) are available to collective operations: []")


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _raise_unbound(*args, axis_name, **params):
    raise _unbound(_names(axis_name)[0])


def _collective(name, over_batch, abstract_eval=lambda x, **params: x, pass_through=None):
    """A primitive acting over named axes; ``over_batch(x, dim, size, **params)`` handles the
    axis of the BatchTrace it meets and returns (value, batch dim). ``pass_through(x, dim,
    **params)`` applies it, for another axis, to a value batched along this trace's axis at
    ``dim`` (default: elementwise, the batch dim stays put)."""
    p = Primitive(name)
    if pass_through is None:
        def pass_through(x, d, **params):
            return p.bind(x, **params), d
    p.impl = _raise_unbound
    p.abstract_eval = abstract_eval

    def batch_with_axis(trace, vals, dims, *, axis_name, **params):
        names = _names(axis_name)
        if trace.axis_name not in names:  # a different axis: apply per lane
            if not dims or dims[0] is None:
                return p.bind(*vals, axis_name=axis_name, **params), None
            return pass_through(vals[0], dims[0], axis_name=axis_name, **params)
        out, out_dim = over_batch(*vals, *dims, trace.axis_size, **params)
        rest = tuple(n for n in names if n != trace.axis_name)
        if rest:
            with core.set_current_trace(trace):
                return p.bind(batching.BatchTracer(trace, out, out_dim) if out_dim is not None
                              else out, axis_name=rest, **params), None
        return out, out_dim

    p.batch_with_axis = batch_with_axis
    return p


def _const(x, value):
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


def _sum_over(x, d, size):
    from pyjax._src import lax
    return (lax.mul(x, _const(x, size)) if d is None else lax.reduce_sum(x, (d,))), None


def _max_over(x, d, size):
    from pyjax._src import lax
    return (x if d is None else lax.reduce_max(x, (d,))), None


def _min_over(x, d, size):
    from pyjax._src import lax
    return (x if d is None else lax.reduce_min(x, (d,))), None


def _index_over(size):
    from pyjax._src import lax
    return lax.iota(np.dtype(np.int32), size), 0


def _gather_over(x, d, size, *, axis, tiled):
    from pyjax._src import lax
    x = batching.bdim_at_front(x, d, size)
    shape = core.get_aval(x).shape
    out = batching.moveaxis(x, 0, axis)
    if tiled:
        shape = core.get_aval(out).shape
        out = lax.reshape(out, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])
    return out, None


def _gather_shape(x, *, axis_name, axis, tiled):
    size = 1
    for name in _names(axis_name):
        size *= batching.axis_size(name)
    shape = list(x.shape)
    if tiled:
        shape[axis] *= size
    else:
        shape.insert(axis, size)
    return x.update(shape=tuple(shape))


def _gather_pass_through(x, d, *, axis, tiled, **params):
    # The gathered axis lands at `axis` of each lane; this trace's batch dim goes around it.
    if tiled or axis > d:
        axis, out_d = axis + (axis >= d), d
    else:
        out_d = d + 1
    return all_gather_p.bind(x, axis=axis, tiled=tiled, **params), out_d


psum_p = _collective("psum", _sum_over)
pmax_p = _collective("pmax", _max_over)
pmin_p = _collective("pmin", _min_over)
pmax_p.opt_outs["jvp"] = pmin_p.opt_outs["jvp"] = "JAX does not differentiate pmax/pmin"
axis_index_p = _collective("axis_index", _index_over,
                           abstract_eval=lambda **params: ShapedArray((), np.int32))
all_gather_p = _collective("all_gather", _gather_over, abstract_eval=_gather_shape,
                           pass_through=_gather_pass_through)

# psum is linear, and its cotangent is replicated across the axis: it transposes to itself.
ad.deflinear(psum_p, lambda ct, x, *, axis_name: [
    None if type(ct) is ad.Zero else psum_p.bind(ct, axis_name=axis_name)])
ad.defjvp_zero(axis_index_p)
ad.defjvp(all_gather_p, lambda g, x, **params: all_gather_p.bind(g, **params))


def psum(x, axis_name, *, axis_index_groups=None):
    """Sum ``x`` (a pytree) over the named axis."""
    return tree_util.tree_map(lambda v: psum_p.bind(v, axis_name=axis_name), x)


def pmax(x, axis_name, *, axis_index_groups=None):
    """The maximum of ``x`` over the named axis."""
    return tree_util.tree_map(lambda v: pmax_p.bind(v, axis_name=axis_name), x)


def pmin(x, axis_name, *, axis_index_groups=None):
    """The minimum of ``x`` over the named axis."""
    return tree_util.tree_map(lambda v: pmin_p.bind(v, axis_name=axis_name), x)


def pmean(x, axis_name, *, axis_index_groups=None):
    """The mean of ``x`` over the named axis: psum(x) / psum(1)."""
    from pyjax._src import lax

    def mean(v):
        total = psum_p.bind(v, axis_name=axis_name)
        count = psum_p.bind(_const(total, 1), axis_name=axis_name)
        return lax.div(total, count)
    return tree_util.tree_map(mean, x)


def axis_index(axis_name):
    """The index of the current lane along the named axis; for several names, the row-major
    index over them (the first name varies slowest)."""
    from pyjax._src import lax
    names = _names(axis_name)
    if len(names) == 1:
        return axis_index_p.bind(axis_name=names[0])
    index, inner = None, 1
    for name in reversed(names):
        term = axis_index_p.bind(axis_name=name)
        if inner != 1:
            term = lax.mul(term, _const(term, inner))
        index = term if index is None else lax.add(index, term)
        inner *= batching.axis_size(name)
    return index


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    """Every lane's ``x`` stacked along a new ``axis`` (concatenated along it if ``tiled``).

    Over several names, the lanes are ordered row-major (the first name varies slowest): the
    gather over the last name comes first, then each earlier name concatenates those."""
    names = _names(axis_name)

    def gather(v):
        v = all_gather_p.bind(v, axis_name=names[-1], axis=axis, tiled=tiled)
        for name in reversed(names[:-1]):
            v = all_gather_p.bind(v, axis_name=name, axis=axis, tiled=True)
        return v
    return tree_util.tree_map(gather, x)

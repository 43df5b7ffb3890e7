"""vmap: batching every primitive along one extra axis.

A BatchTracer holds a value of the parent trace and the position of its batch dimension (or
None when the value does not vary along the mapped axis). Each primitive's ``batch`` rule takes
(values, batch_dims, **params) and returns (output, output batch dim), moving batch dimensions
only when it has to.
"""
from __future__ import annotations

from pyjax._src import core
from pyjax._src.core import Tracer, set_current_trace
from pyjax._src.interpreters import staging

not_mapped = None

# The named axes of the enclosing vmaps, innermost last: (name, size).
_axis_env = []


def axis_size(name):
    """The size of the enclosing vmapped axis called ``name``."""
    for n, size in reversed(_axis_env):
        if n == name:
            return size
    raise NameError(f"unbound axis name: {name}. The following axis names (e.g. defined by "
                    f"pmap) are available to collective operations: {[n for n, _ in _axis_env]}")


class extend_axis_env:
    """Within the block, ``name`` is a named axis of ``size`` (no-op for name None)."""

    def __init__(self, name, size):
        self.entry = (name, size)

    def __enter__(self):
        if self.entry[0] is not None:
            _axis_env.append(self.entry)

    def __exit__(self, *exc):
        if self.entry[0] is not None:
            _axis_env.pop()


class BatchTracer(Tracer):
    __slots__ = ("val", "batch_dim")

    def __init__(self, trace, val, batch_dim):
        self._trace, self.val, self.batch_dim = trace, val, batch_dim

    @property
    def aval(self):
        a = core.get_aval(self.val)
        if self.batch_dim is None:
            return a
        shape = a.shape[:self.batch_dim] + a.shape[self.batch_dim + 1:]
        return core.ShapedArray(shape, a.dtype, a.weak_type)

    def _origin_msg(self):
        return (f"\nThis BatchTracer with object id {id(self)} was created by vmap.")

    def __repr__(self):
        return f"VmapTracer(aval={self.aval}, batched={core.get_aval(self.val)})"

    __str__ = __repr__


class BatchTrace(core.Trace):
    __slots__ = ("parent", "axis_size", "axis_name")

    def __init__(self, parent, axis_size, axis_name=None):
        super().__init__()
        self.parent, self.axis_size, self.axis_name = parent, axis_size, axis_name

    def to_batch_info(self, x):
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.batch_dim
        if isinstance(x, Tracer) and not x._trace._alive:
            raise core._leaked_tracer_error(x)
        return x, not_mapped

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        for a in args:
            v, d = self.to_batch_info(a)
            vals.append(v)
            dims.append(d)
        # Collectives see every named axis, even when their operands are not batched.
        if all(d is not_mapped for d in dims) and prim.batch_with_axis is None:
            with set_current_trace(self.parent):
                return prim.bind(*vals, **params)
        with set_current_trace(self.parent):
            if prim.batch_with_axis is not None:
                out, out_dims = prim.batch_with_axis(self, vals, dims, **params)
            elif prim.batch is not None:
                out, out_dims = prim.batch(vals, dims, **params)
            else:
                raise NotImplementedError(f"Batching rule for '{prim.name}' not implemented")
        if prim.multiple_results:
            return [self.box(o, d) for o, d in zip(out, out_dims, strict=True)]
        return self.box(out, out_dims)

    def box(self, val, dim):
        return val if dim is not_mapped else BatchTracer(self, val, dim)


# ----------------------------------------------------------------------------------------------
# Helpers for batching rules


def moveaxis(x, src, dst):
    """Move axis ``src`` of ``x`` to position ``dst`` (a transpose, or nothing)."""
    from pyjax._src.primitives import structural
    ndim = len(core.get_aval(x).shape)
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return structural.transpose(x, tuple(perm))


def broadcast(x, size, axis):
    """Insert a new axis of ``size`` at ``axis``, repeating ``x`` along it."""
    from pyjax._src.primitives import structural
    shape = list(core.get_aval(x).shape)
    dims = tuple(i if i < axis else i + 1 for i in range(len(shape)))
    shape.insert(axis, size)
    return structural.broadcast_in_dim(x, tuple(shape), dims)


def bdim_at_front(x, dim, size):
    """``x`` with its batch dimension first, materialising it if ``x`` is unbatched."""
    if dim is not_mapped:
        return broadcast(x, size, 0)
    return moveaxis(x, dim, 0)


def batch_elementwise(prim):
    """The batching rule of an elementwise primitive whose operands broadcast NumPy-style
    at equal rank (size-1 dims) or from rank 0."""
    def rule(vals, dims, **params):
        ranks = [len(core.get_aval(v).shape) for v in vals]
        batched = [(v, d, r) for v, d, r in zip(vals, dims, ranks) if d is not not_mapped]
        first_dim = batched[0][1]
        out_rank = max(r for _, d, r in batched)
        # Fast path: every batched operand has the full rank and its batch dim in the same
        # place, and every unbatched operand is 0-d.
        if all(d == first_dim and r == out_rank for _, d, r in batched) and all(
                r == 0 for d, r in zip(dims, ranks) if d is not_mapped):
            return prim.bind(*vals, **params), first_dim
        from pyjax._src.primitives import structural
        out_rank = max(r - (d is not not_mapped) for d, r in zip(dims, ranks)) + 1
        moved = []
        for v, d, r in zip(vals, dims, ranks):
            if d is not_mapped:
                if r == 0:
                    moved.append(v)
                    continue
                v = structural.reshape(v, (1,) * (out_rank - r) + core.get_aval(v).shape)
            else:
                v = moveaxis(v, d, 0)
                shape = core.get_aval(v).shape
                if r < out_rank:
                    v = structural.reshape(v, shape[:1] + (1,) * (out_rank - r) + shape[1:])
            moved.append(v)
        return prim.bind(*moved, **params), 0
    return rule


def batch_jaxpr(closed, batched, axis_size, axis_name=None):
    """A ClosedJaxpr taking inputs with their batch dimension first (where ``batched``), and the
    mask of which outputs are batched (batch dimension first)."""
    in_avals = []
    for a, b in zip(closed.in_avals, batched, strict=True):
        in_avals.append(a.update(shape=(axis_size,) + a.shape) if b else a)
    out_batched = []

    def fun(*args):
        trace = BatchTrace(core.current_trace(), axis_size, axis_name)
        ins = [BatchTracer(trace, x, 0) if b else x for x, b in zip(args, batched)]
        try:
            with set_current_trace(trace), extend_axis_env(axis_name, axis_size):
                outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *ins)
            infos = [trace.to_batch_info(o) for o in outs]
        finally:
            trace.invalidate()
        out_batched.extend(d is not not_mapped for _, d in infos)
        return [v if d is not_mapped else moveaxis(v, d, 0) for v, d in infos]

    jaxpr = staging.trace_to_jaxpr(fun, in_avals)
    return (core.ClosedJaxpr(staging.hoist_consts(jaxpr), []), jaxpr.consts), out_batched

"""vmap: batching every primitive along one extra axis.

A BatchTracer holds a value of the parent trace and the position of its batch dimension (or
None when the value does not vary along the mapped axis). Each primitive's ``batch`` rule takes
(values, batch_dims, **params) and returns (output, output batch dim), moving batch dimensions
only when it has to.
"""
from __future__ import annotations

import os
import sys

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


# Frames in these files are pyjax's own; a tracer's origin is the first frame outside them.
_PYJAX_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


_is_internal = {}  # code object -> whether it is pyjax's


def _user_frame():
    """(code, last instruction) of the innermost frame outside pyjax, or None.

    Kept raw (no line lookup, no frame reference) so creating a tracer stays cheap."""
    f = sys._getframe(2)
    while f is not None:
        code = f.f_code
        internal = _is_internal.get(code)
        if internal is None:
            if len(_is_internal) > 10000:
                _is_internal.clear()
            internal = _is_internal[code] = code.co_filename.startswith(_PYJAX_DIR)
        if not internal:
            return code, f.f_lasti
        f = f.f_back
    return None


def _summarize_frame(src):
    """JAX's summary of a source location: ``file:line[:column] (function)``."""
    code, lasti = src
    line, col = code.co_firstlineno, 0
    for i, (start, _, start_col, _) in enumerate(code.co_positions()):
        if i == lasti // 2:
            line, col = (start or line), (start_col or 0)
            break
    where = f"{code.co_filename}:{line}" + (f":{col}" if col else "")
    return f"{where} ({code.co_name})"


class BatchTracer(Tracer):
    __slots__ = ("val", "batch_dim", "_src")

    def __init__(self, trace, val, batch_dim):
        self._trace, self.val, self.batch_dim = trace, val, batch_dim
        self._src = _user_frame()

    @property
    def aval(self):
        a = core.get_aval(self.val)
        if self.batch_dim is None:
            return a
        shape = a.shape[:self.batch_dim] + a.shape[self.batch_dim + 1:]
        return core.ShapedArray(shape, a.dtype, a.weak_type)

    def _origin_msg(self):
        if self._src is None:
            return ""
        return (f"\nThis BatchTracer with object id {id(self)} was created on line:\n"
                f"  {_summarize_frame(self._src)}")

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
            if type(a) is BatchTracer and a._trace is self:
                vals.append(a.val)
                dims.append(a.batch_dim)
            else:
                v, d = self.to_batch_info(a)
                vals.append(v)
                dims.append(d)
        # The rules run on the parent trace (swapped by hand: this is the hot path).
        state = core._state
        prev, state.trace = state.trace, self.parent
        try:
            # Collectives see every named axis, even when their operands are not batched.
            if prim.batch_with_axis is not None:
                out, out_dims = prim.batch_with_axis(self, vals, dims, **params)
            elif all(d is not_mapped for d in dims):
                return prim.bind(*vals, **params)
            elif prim.batch is not None:
                out, out_dims = prim.batch(vals, dims, **params)
            else:
                raise NotImplementedError(f"Batching rule for '{prim.name}' not implemented")
        finally:
            state.trace = prev
        if prim.multiple_results:
            return [self.box(o, d) for o, d in zip(out, out_dims, strict=True)]
        return self.box(out, out_dims)

    def box(self, val, dim):
        return val if dim is not_mapped else BatchTracer(self, val, dim)


# ----------------------------------------------------------------------------------------------
# Helpers for batching rules


def moveaxis(x, src, dst):
    """Move axis ``src`` of ``x`` to position ``dst`` (a transpose, or nothing)."""
    ndim = len(shape_of(x))
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    from pyjax._src.primitives import structural
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return structural.transpose(x, tuple(perm))


def broadcast(x, size, axis):
    """Insert a new axis of ``size`` at ``axis``, repeating ``x`` along it."""
    from pyjax._src.primitives import structural
    shape = list(shape_of(x))
    dims = tuple(i if i < axis else i + 1 for i in range(len(shape)))
    shape.insert(axis, size)
    return structural.broadcast_in_dim(x, tuple(shape), dims)


def bdim_at_front(x, dim, size):
    """``x`` with its batch dimension first, materialising it if ``x`` is unbatched."""
    if dim is not_mapped:
        return broadcast(x, size, 0)
    return moveaxis(x, dim, 0)


def shape_of(x):
    try:
        return x.shape  # arrays and tracers, without building an abstract value
    except AttributeError:
        return core.get_aval(x).shape


def unbatched_shape(x, dim):
    """The shape of one element of the batch."""
    shape = shape_of(x)
    return shape if dim is not_mapped else shape[:dim] + shape[dim + 1:]


def mapped_size(vals, dims):
    """The size of the mapped axis, read off the first batched operand."""
    return next(shape_of(v)[d] for v, d in zip(vals, dims) if d is not not_mapped)


def bdim_at(x, dim, size, dst):
    """``x`` with its batch dimension at ``dst``, materialising it if ``x`` is unbatched."""
    if dim is not_mapped:
        return broadcast(x, size, dst)
    return moveaxis(x, dim, dst)


def vectorized(prim):
    """The batching rule of a primitive that maps each element of its single operand to one
    element (or a fixed trailing block) of its result: the batch dimension stays put."""
    def rule(vals, dims, **params):
        return prim.bind(vals[0], **params), dims[0]
    return rule


def batch_uniform_elementwise(prim, full_operands=()):
    """The batching rule of an elementwise primitive whose operands have equal shapes or are
    0-d (select_n, clamp): no size-1 broadcasting, so operands are materialised as needed.

    Args:
      prim: the primitive.
      full_operands: positions of operands whose shape is the result's (clamp's operand), so
        they must be materialised even when 0-d.
    """
    def rule(vals, dims, **params):
        ranks = [len(shape_of(v)) - (d is not not_mapped) for v, d in zip(vals, dims)]
        out_rank = max(ranks)
        batched = [d for d in dims if d is not not_mapped]
        # Fast path: the batched operands agree on the batch dim and have the result's rank;
        # the others are 0-d (and may stay 0-d).
        if all(d == batched[0] for d in batched) and all(
                r == out_rank if d is not not_mapped else (r == 0 and i not in full_operands)
                for i, (d, r) in enumerate(zip(dims, ranks))):
            return prim.bind(*vals, **params), batched[0]
        size = mapped_size(vals, dims)
        out_shape = next(unbatched_shape(v, d) for v, d, r in zip(vals, dims, ranks)
                         if r == out_rank)
        full = (size,) + out_shape
        moved = []
        for i, (v, d, r) in enumerate(zip(vals, dims, ranks)):
            if d is not_mapped:
                if r == 0 and i not in full_operands:
                    moved.append(v)
                    continue
                v = _bcast(v, full, tuple(range(len(full) - r, len(full))))
            else:
                v = moveaxis(v, d, 0)
                if r < out_rank:
                    v = _bcast(v, full, (0,))
            moved.append(v)
        return prim.bind(*moved, **params), 0
    return rule


def _bcast(x, shape, dims):
    from pyjax._src.primitives import structural
    return structural.broadcast_in_dim(x, shape, dims)


def batch_elementwise(prim):
    """The batching rule of an elementwise primitive whose operands broadcast NumPy-style
    at equal rank (size-1 dims) or from rank 0."""
    def rule(vals, dims, **params):
        ranks = [len(shape_of(v)) for v in vals]
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


def batch_jaxpr(closed, batched, axis_size, axis_name=None, instantiate=False):
    """A ClosedJaxpr taking inputs with their batch dimension first (where ``batched``), and the
    mask of which outputs are batched (batch dimension first).

    ``instantiate`` (a bool or one bool per output) forces those outputs to be batched
    (unbatched values are broadcast), as control flow needs fixed carry types."""
    in_avals = []
    for a, b in zip(closed.in_avals, batched, strict=True):
        in_avals.append(a.update(shape=(axis_size,) + a.shape) if b else a)
    out_batched = []
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * len(closed.out_avals)

    def fun(*args):
        trace = BatchTrace(core.current_trace(), axis_size, axis_name)
        ins = [BatchTracer(trace, x, 0) if b else x for x, b in zip(args, batched)]
        try:
            with set_current_trace(trace), extend_axis_env(axis_name, axis_size):
                outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *ins)
            infos = [trace.to_batch_info(o) for o in outs]
        finally:
            trace.invalidate()
        infos = [(broadcast(v, axis_size, 0), 0) if inst and d is not_mapped else (v, d)
                 for (v, d), inst in zip(infos, instantiate, strict=True)]
        out_batched.extend(d is not not_mapped for _, d in infos)
        return [v if d is not_mapped else moveaxis(v, d, 0) for v, d in infos]

    jaxpr = staging.trace_to_jaxpr(fun, in_avals)
    return (core.ClosedJaxpr(staging.hoist_consts(jaxpr), []), jaxpr.consts), out_batched

"""Lowering a KernelIR to an LLVM function.

The function is ``void kernel(PyObject *buffers, i64 start, i64 stop, i64 chunk)``: ``buffers``
is a tuple of NumPy arrays (inputs, elementwise outputs, then reduction outputs; each array's
data pointer is read from the object itself), and [start, stop) is the range of the outermost
loop this call covers (the unit of threading). ``chunk`` numbers the call among those splitting
a reduced outermost dimension: its partial results go to slot ``chunk`` of the reduction
outputs.

Loops: the collapsed iteration space's outer dims are scalar loops; the innermost dim is a loop
over vectors of ``lanes`` elements, every load and store masked by ``index < end`` (AVX-512
masks make that free), so each body is emitted once. Broadcast inputs (inner stride 0) are
scalar loads splatted (hoisted out of the loop by LLVM), other strides use gathers.

Reductions: when the innermost dim is reduced, lane l accumulates elements l, l + lanes, ...
of the row (float32 sums in float64 lanes; float64 sums add blocks of BLOCK vectors into a
block accumulator, which is then added to the lane totals). At the end of the row the lanes
are combined pairwise (lane i with lane i + lanes/2, halving) and the result is combined into
the output element. When the innermost dim is kept, the output row is updated in memory in the
order of the outer reduced loops (as NumPy does). So the summation order is fixed by the shapes
alone, never by timing or thread count.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.codegen_interface import is_narrow_float
from pyjax._src.compiler.kernel import BOOL, bits_value
from pyjax._src.compiler.llvm import mathlib
from pyjax._src.compiler.llvm import narrow_floats as narrow
from pyjax._src.compiler.llvm.irtext import Func, Val, mangle, vec
from pyjax._src.compiler.llvm.emit_ops import (
    _binary, _compare, _convert, _fp, _math, _signed, _unary, numpy_max, numpy_min)
from pyjax._src.compiler.llvm.narrow_floats import elem_type, mem_type

BLOCK = 256  # vectors per block of a float sum along the innermost dim
UNROLL_MAX_OPS = 24  # vector loops with more ops per iteration are not unrolled
# Vector loops with at most this many ops per iteration (and no inlined math function) run
# their full vectors without masks, then one masked iteration for the rest: the body is
# emitted twice, which only short bodies can afford (compile time).
SPLIT_MAX_OPS = 64
SPLIT_UNROLL = 4

_SIZEOF = {"i8": 1, "i16": 2, "i32": 4, "i64": 8, "float": 4, "double": 8}


class Ctx:
    """Per-function emission state."""

    def __init__(self, f, kir, layout, data):
        self.f, self.kir, self.layout, self.data = f, kir, layout, data
        self.offsets = {}  # stream -> i64 Val offset (elements) accumulated over outer loops
        self.j = None      # i64 scalar index of the first lane (innermost dim)
        self._jv = None    # i64 vector of lane indices (built on first use)
        self.mask = None   # i1 vector (None when lanes == 1)
        self.outer_index = {}  # dim -> i64 loop variable

    @property
    def jv(self):
        if self._jv is None:
            f = self.f
            if f.lanes == 1:
                self._jv = self.j
            else:
                ids = Val("<" + ", ".join(f"i64 {i}" for i in range(f.lanes)) + ">",
                          vec("i64", f.lanes))
                self._jv = f.add(_splat(f, self.j, f.lanes), ids)
        return self._jv


# ----------------------------------------------------------------------------------------------
# Memory


def _ptr_at(f, base, offset_elems, elem):
    return f.emit("ptr", f"getelementptr inbounds {elem}, ptr {base.name}, i64 {offset_elems.name}")


def _splat(f, x, lanes):
    if lanes == 1:
        return x
    vt = vec(x.ty, lanes)
    ins = f.emit(vt, f"insertelement {vt} poison, {x}, i64 0")
    return f.emit(vt, f"shufflevector {ins}, {vt} poison, <{lanes} x i32> zeroinitializer")


def _from_mem(f, v, dtype):
    if np.dtype(dtype) == BOOL:
        return f.icmp("ne", v, f.like(v, 0))
    return narrow.load(f, v, dtype) if is_narrow_float(dtype) else v


def _to_mem(f, v, dtype):
    if np.dtype(dtype) == BOOL:
        return f.cast("zext", v, "i8")
    return narrow.store(f, v, dtype) if is_narrow_float(dtype) else v


def _load(ctx, base, offset, inner_stride, dtype):
    f = ctx.f
    lanes = f.lanes
    mt = mem_type(dtype)
    size = _SIZEOF[mt]
    if inner_stride == 0 or lanes == 1:
        if inner_stride and lanes == 1:
            offset = f.add(offset, f.mul(ctx.j, Val(str(inner_stride), "i64")))
        p = _ptr_at(f, base, offset, mt)
        v = f.emit(mt, f"load {mt}, ptr {p.name}, align {size}")
        return _splat(f, _from_mem(f, v, dtype), lanes)
    vt = vec(mt, lanes)
    if inner_stride == 1:
        p = _ptr_at(f, base, f.add(offset, ctx.j), mt)
        v = f.call(f"llvm.masked.load.{mangle(vt)}.p0", vt,
                   [Val(p.name, "ptr"), Val(str(size), "i32"), ctx.mask,
                    Val("zeroinitializer", vt)])
    else:
        idx = f.add(_splat(f, offset, lanes), f.mul(ctx.jv, f.const("i64", inner_stride)))
        pv = f.emit(vec("ptr", lanes), f"getelementptr inbounds {mt}, ptr {base.name}, "
                                       f"{idx}")
        v = f.call(f"llvm.masked.gather.{mangle(vt)}.{mangle(vec('ptr', lanes))}", vt,
                   [pv, Val(str(size), "i32"), ctx.mask, Val("zeroinitializer", vt)])
    return _from_mem(f, v, dtype)


def _store(ctx, base, offset, value, dtype):
    """Store a vector at base[offset + j ...] (contiguous), masked."""
    f = ctx.f
    mt = mem_type(dtype)
    size = _SIZEOF[mt]
    v = _to_mem(f, value, dtype)
    p = _ptr_at(f, base, f.add(offset, ctx.j), mt)
    if f.lanes == 1:
        f.stmt(f"store {v}, ptr {p.name}, align {size}")
        return
    f.call(f"llvm.masked.store.{mangle(v.ty)}.p0", "void",
           [v, Val(p.name, "ptr"), Val(str(size), "i32"), ctx.mask])


def _load_row(ctx, base, offset, dtype):
    """A contiguous (masked) vector at base[offset + j ...]."""
    return _load(ctx, base, offset, 1, dtype)


def _scalar_load(f, base, offset, dtype):
    mt = mem_type(dtype)
    p = _ptr_at(f, base, offset, mt)
    v = f.emit(mt, f"load {mt}, ptr {p.name}, align {_SIZEOF[mt]}")
    return _from_mem(f, v, dtype)


def _scalar_store(f, base, offset, v, dtype):
    mt = mem_type(dtype)
    p = _ptr_at(f, base, offset, mt)
    f.stmt(f"store {_to_mem(f, v, dtype)}, ptr {p.name}, align {_SIZEOF[mt]}")


def emit_op(ctx, i, vals):
    f, kir = ctx.f, ctx.kir
    kind, args, attrs, dtype = kir.ops[i]
    xs = [vals[a] for a in args]
    if kind == "const":
        return f.const(elem_type(dtype), bits_value(attrs[0], dtype))
    if kind == "arg":  # an input of a native loop's body
        return ctx.args[attrs[0]]
    if kind == "load":
        inp, acc = attrs
        strides = ctx.layout.access_strides[acc]
        return _load(ctx, ctx.data[inp], ctx.offsets[("a", acc)], strides[-1], dtype)
    if kind == "index":
        acc = attrs[0]
        s = ctx.layout.access_strides[acc][-1]
        base = ctx.offsets[("a", acc)]
        if f.lanes == 1:
            return f.add(base, f.mul(ctx.j, Val(str(s), "i64"))) if s else base
        v = _splat(f, base, f.lanes)
        return f.add(v, f.mul(ctx.jv, f.const("i64", s))) if s else v
    src = kir.ops[args[0]][3] if args else dtype
    if kind == "unary":
        return _unary(f, attrs[0], xs[0], dtype)
    if kind == "binary":
        out = _binary(f, attrs[0], xs[0], xs[1], dtype)
        return narrow.rounded_result(f, out, dtype, kind, attrs[0])
    if kind == "compare":
        return _compare(f, attrs[0], xs[0], xs[1], src)
    if kind == "select":
        return f.select(*xs)
    if kind == "convert":
        return _convert(f, xs[0], src, dtype)
    if kind == "bitcast":
        return f.bitcast(xs[0], elem_type(dtype))
    if kind == "rotl":
        amt = f.like(xs[0], attrs[0])
        return f.intrinsic("fshl", xs[0], xs[0], amt)
    if kind == "math":
        return narrow.rounded_result(f, _math(f, attrs[0], xs, dtype), dtype, kind, attrs[0])
    raise NotImplementedError(kind)


# ----------------------------------------------------------------------------------------------
# Reductions


def reduction_identity(kind, dtype):
    dtype = np.dtype(dtype)
    if kind == "sum" or kind in ("or", "xor"):
        return 0
    if kind == "prod":
        return 1
    if kind == "and":
        return True if dtype == BOOL else (-1 if dtype.kind == "i" else np.iinfo(dtype).max)
    if kind in ("max", "argmax"):
        if _fp(dtype):
            return -math.inf
        return False if dtype == BOOL else np.iinfo(dtype).min
    if kind in ("min", "argmin"):
        if _fp(dtype):
            return math.inf
        return True if dtype == BOOL else np.iinfo(dtype).max
    raise NotImplementedError(kind)


def _combine(f, kind, acc, v, dtype):
    if kind == "sum":
        return _binary(f, "add", acc, v, dtype) if dtype != BOOL else f.or_(acc, v)
    if kind == "prod":
        return _binary(f, "mul", acc, v, dtype)
    if kind == "max":
        return numpy_max(f, acc, v, dtype)
    if kind == "min":
        return numpy_min(f, acc, v, dtype)
    return _binary(f, kind, acc, v, dtype)  # and, or, xor


def _arg_better(f, kind, v, acc, dtype):
    """Whether v strictly beats acc (NaN beats numbers; the earlier index wins ties)."""
    if _fp(dtype):
        op = "ogt" if kind == "argmax" else "olt"
        return f.or_(f.fcmp(op, v, acc), f.and_(f.isnan(v), f.fcmp("ord", acc, acc)))
    if dtype == BOOL:
        return f.icmp("ugt" if kind == "argmax" else "ult", v, acc)
    op = ("sgt" if kind == "argmax" else "slt") if _signed(dtype) else \
        ("ugt" if kind == "argmax" else "ult")
    return f.icmp(op, v, acc)


def _arg_combine_tie(f, kind, v1, i1, v2, i2, dtype):
    """(v, i) of two candidates from disjoint index sets: the better, the lower index on ties."""
    better = _arg_better(f, kind, v2, v1, dtype)
    if _fp(dtype):
        same = f.or_(f.fcmp("oeq", v1, v2), f.and_(f.isnan(v1), f.isnan(v2)))
    else:
        same = f.icmp("eq", v1, v2)
    take = f.or_(better, f.and_(same, f.icmp("slt", i2, i1)))
    return f.select(take, v2, v1), f.select(take, i2, i1)


def _halves(f, v):
    n = v.lanes
    h = n // 2
    if h == 1:
        return (f.emit(v.elem, f"extractelement {v}, i64 0"),
                f.emit(v.elem, f"extractelement {v}, i64 1"))
    vt = vec(v.elem, h)
    lo = f.emit(vt, f"shufflevector {v}, {v.ty} poison, <{h} x i32> <"
                + ", ".join(f"i32 {i}" for i in range(h)) + ">")
    hi = f.emit(vt, f"shufflevector {v}, {v.ty} poison, <{h} x i32> <"
                + ", ".join(f"i32 {i}" for i in range(h, n)) + ">")
    return lo, hi


def _first_lane(f, v):
    if v.lanes == 1 and not v.ty.startswith("<"):
        return v
    return f.emit(v.elem, f"extractelement {v}, i64 0")


def _hreduce(f, kind, acc, dtype):
    while acc.lanes > 1:
        lo, hi = _halves(f, acc)
        acc = _combine(f, kind, lo, hi, dtype)
    return _first_lane(f, acc)


def _hreduce_arg(f, kind, accv, acci, dtype):
    while accv.lanes > 1:
        vlo, vhi = _halves(f, accv)
        ilo, ihi = _halves(f, acci)
        accv, acci = _arg_combine_tie(f, kind, vlo, ilo, vhi, ihi, dtype)
    return _first_lane(f, accv), _first_lane(f, acci)


# ----------------------------------------------------------------------------------------------
# Loops


class _Loop:
    """for (i = lo; i < hi; i += step) with extra loop-carried values (phis)."""

    def __init__(self, f, lo, hi, step, carried=()):
        self.f = f
        self.head, self.body, self.exit = (f.new_label("head"), f.new_label("body"),
                                           f.new_label("exit"))
        pred = f.cur
        f.stmt(f"br label %{self.head}")
        f.label(self.head)
        self.i = Val(f.tmp(), "i64")
        self.next_i = f.tmp()
        self.phi_lines = []
        f.lines.append(None)  # placeholder for the induction phi
        self.i_line = len(f.lines) - 1
        self.carried = []
        for init in carried:
            name = f.tmp()
            f.lines.append(None)
            self.carried.append((Val(name, init.ty), init, len(f.lines) - 1))
        self.pred, self.lo, self.step = pred, lo, step
        cond = f.icmp("slt", self.i, hi)
        f.stmt(f"br i1 {cond.name}, label %{self.body}, label %{self.exit}")
        f.label(self.body)

    @property
    def values(self):
        return [c[0] for c in self.carried]

    def close(self, new_values=(), unroll=True):
        f = self.f
        latch = f.cur
        f.lines.append(f"  {self.next_i} = add i64 {self.i.name}, {self.step.name}")
        md = "" if unroll else f", !llvm.loop {f.module.no_unroll()}"
        f.stmt(f"br label %{self.head}{md}")
        f.lines[self.i_line] = (f"  {self.i.name} = phi i64 [ {self.lo.name}, %{self.pred} ], "
                                f"[ {self.next_i}, %{latch} ]")
        for (val, init, line), new in zip(self.carried, new_values):
            f.lines[line] = (f"  {val.name} = phi {val.ty} [ {init.name}, %{self.pred} ], "
                             f"[ {new.name}, %{latch} ]")
        f.label(self.exit)
        return self.values


def _i64(n):
    return Val(str(int(n)), "i64")


def emit_kernel(module, kir, layout, name, lanes, tuple_item_offset, array_data_offset,
                direct=False):
    """Append the LLVM function of ``kir`` (collapsed by ``layout``) to ``module``.

    ``direct``: an internal function whose ``args`` is an array of the buffers' data pointers
    instead of a tuple of arrays (what native loops call, llvm/emit_loop.py)."""
    f = Func(module, lanes)
    f.cur = "entry"
    dims, reduced = layout.dims, layout.reduced
    k = len(dims)
    n_in, n_out = len(kir.inputs), len(kir.outputs)
    # Buffers: inputs, outputs, then per reduction its value buffer (and index buffer).
    data = []
    n_bufs = n_in + n_out + sum(2 if r.index_dtype is not None else 1 for r in kir.reductions)
    for b in range(n_bufs):
        data.append(load_data_pointer(f, b, None if direct else
                                      (tuple_item_offset, array_data_offset)))
    in_ptrs = data[:n_in]
    out_ptrs = data[n_in:n_in + n_out]
    red_ptrs = []
    p = n_in + n_out
    for r in kir.reductions:
        if r.index_dtype is not None:
            red_ptrs.append((data[p], data[p + 1]))
            p += 2
        else:
            red_ptrs.append((data[p], None))
            p += 1
    ctx = Ctx(f, kir, layout, in_ptrs)
    start, stop, chunk = Val("%start", "i64"), Val("%stop", "i64"), Val("%chunk", "i64")
    degenerate = bool(kir.reductions) and not any(reduced)
    has_red = bool(kir.reductions) and not degenerate
    # Reduction outputs: the region of this call, and its initialisation.
    red_base = _i64(0)
    if has_red:
        if reduced[0]:
            red_base = f.mul(chunk, _i64(layout.red_size))
            lo, hi = red_base, f.add(red_base, _i64(layout.red_size))
        else:
            lo = f.mul(start, _i64(layout.red_strides[0]))
            hi = f.mul(stop, _i64(layout.red_strides[0]))
        loop = _Loop(f, lo, hi, _i64(1))
        for r, (vp, ip) in zip(kir.reductions, red_ptrs):
            bd = acc_dtype(r)
            ident = f.const(elem_type(bd), reduction_identity(r.kind, r.dtype), 1)
            _scalar_store(f, vp, loop.i, ident, bd)
            if ip is not None:
                _scalar_store(f, ip, loop.i, f.const(elem_type(r.index_dtype), 0, 1),
                              r.index_dtype)
        loop.close()
    streams = [("a", i, s) for i, s in enumerate(layout.access_strides)]
    streams.append(("o", 0, layout.out_strides))
    streams.append(("r", 0, layout.red_strides))
    offsets = {("a", i): _i64(o) for i, o in enumerate(layout.access_offsets)}
    offsets[("o", 0)] = _i64(0)
    offsets[("r", 0)] = red_base
    # Loop-invariant code motion by construction: each op is emitted in the outermost loop
    # where all it reads is defined (level L: inside the loops over dims < L).
    level = _op_levels(kir, layout)
    # Unrolling helps short bodies (reductions, copies); long ones only cost compile time.
    inner_ops = sum(1 for lv in level if lv == k)
    heavy_math = any(op[0] == "math" and op[2][0] in mathlib.IMPLS for op in kir.ops)
    unroll_ok = inner_ops <= UNROLL_MAX_OPS and not heavy_math
    split_ok = lanes > 1 and inner_ops <= SPLIT_MAX_OPS and not heavy_math
    by_level = [[] for _ in range(k + 1)]
    for i, lv in enumerate(level):
        by_level[lv].append(i)
    vals = {}

    def emit_level(lv, offsets):
        ctx.offsets = offsets
        for i in by_level[lv]:
            vals[i] = emit_op(ctx, i, vals)

    emit_level(0, offsets)

    def outer(d, offsets):
        if d == k - 1:
            inner(offsets)
            return
        lo, hi = (start, stop) if d == 0 else (_i64(0), _i64(dims[d]))
        loop = _Loop(f, lo, hi, _i64(1))
        ctx.outer_index[d] = loop.i
        new = {}
        for kind, i, strides in streams:
            s = strides[d]
            base = offsets[(kind, i)]
            new[(kind, i)] = f.add(base, f.mul(loop.i, _i64(s))) if s else base
        emit_level(d + 1, new)
        outer(d + 1, new)
        loop.close()

    def body(offsets, accs):
        """The vector loop body; returns the updated inner-reduction accumulators."""
        emit_level(k, offsets)
        for val_id, ptr, dtype in zip(kir.outputs, out_ptrs,
                                      [kir.ops[v][3] for v in kir.outputs]):
            _store(ctx, ptr, offsets[("o", 0)], vals[val_id], dtype)
        new_accs = []
        for r, (vp, ip), acc in zip(kir.reductions, red_ptrs, accs):
            v = vals[r.value]
            if not reduced[-1]:
                new_accs.append(None)
            if degenerate:
                _store(ctx, vp, offsets[("r", 0)], _widen(f, r, v), acc_dtype(r))
                if ip is not None:
                    _store(ctx, ip, offsets[("r", 0)], f.const(elem_type(r.index_dtype), 0),
                           r.index_dtype)
                continue
            if reduced[-1]:
                ident = f.const(elem_type(r.dtype), reduction_identity(r.kind, r.dtype))
                if ctx.mask is not None:
                    v = f.select(ctx.mask, v, ident)
                if r.index_dtype is not None:
                    accv, acci = acc
                    better = _arg_better(f, r.kind, v, accv, r.dtype)
                    new_accs.append((f.select(better, v, accv), f.select(better, ctx.jv, acci)))
                else:
                    new_accs.append(_combine(f, r.kind, acc, _widen(f, r, v), acc_dtype(r)))
            else:
                off = offsets[("r", 0)]
                cur = _load_row(ctx, vp, off, acc_dtype(r))
                if r.index_dtype is not None:
                    dr = reduced.index(True)
                    idx = _splat(f, ctx.outer_index[dr], f.lanes)
                    curi = _load_row(ctx, ip, off, r.index_dtype)
                    better = _arg_better(f, r.kind, v, cur, r.dtype)
                    _store(ctx, vp, off, f.select(better, v, cur), r.dtype)
                    idx = _convert(f, idx, np.int64, r.index_dtype)
                    _store(ctx, ip, off, f.select(better, idx, curi), r.index_dtype)
                else:
                    bd = acc_dtype(r)
                    _store(ctx, vp, off, _combine(f, r.kind, cur, _widen(f, r, v), bd), bd)
        return new_accs

    def vector_loop(lo, hi, end, offsets, accs):
        """Vector loop over [lo, hi) with lanes beyond ``end`` masked off."""
        if split_ok and hi is end:
            # Full vectors unmasked (an all-true mask, which LLVM folds away), SPLIT_UNROLL
            # at a time, then the rest.
            mid = f.add(lo, f.and_(f.sub(hi, lo), _i64(-lanes * SPLIT_UNROLL)))
            accs = masked_loop(lo, mid, None, offsets, accs, SPLIT_UNROLL)
            return masked_loop(mid, hi, end, offsets, accs)
        return masked_loop(lo, hi, end, offsets, accs)

    def masked_loop(lo, hi, end, offsets, accs, copies=1):
        """Vector loop over [lo, hi) with lanes beyond ``end`` (if not None) masked off."""
        if copies > 1:
            # Each copy of the body has its own accumulators (independent dependency chains),
            # merged after the loop; argmax/argmin keep one (their ties need program order).
            own = _flat(accs) and not any(r.index_dtype is not None for r in kir.reductions)
            sets = [accs] + [[None if a is None else _fresh_identity(f, r)
                              for a, r in zip(accs, kir.reductions)]
                             for _ in range(copies - 1)] if own else [accs]
            loop = _Loop(f, lo, hi, _i64(lanes * copies), [v for a in sets for v in _flat(a)])
            n = len(_flat(accs))
            cur = [_unflat(accs, loop.values[k * n:(k + 1) * n]) for k in range(len(sets))]
            for u in range(copies):
                ctx.j = loop.i if u == 0 else f.add(loop.i, _i64(u * lanes))
                ctx._jv = None
                ctx.mask = Val("splat (i1 true)", vec("i1", lanes))
                k = u if own else 0
                cur[k] = body(offsets, cur[k])
            done = loop.close([v for a in cur for v in _flat(a)], unroll=False)
            parts = [_unflat(accs, done[k * n:(k + 1) * n]) for k in range(len(sets))]
            merged = parts[0]
            for part in parts[1:]:
                merged = [None if a is None else _combine(f, r.kind, a, b, acc_dtype(r))
                          for a, b, r in zip(merged, part, kir.reductions)]
            return merged
        loop = _Loop(f, lo, hi, _i64(lanes * copies), _flat(accs))
        ctx.j, ctx._jv = loop.i, None
        if lanes > 1 and end is None:
            ctx.mask = Val(f"splat (i1 true)", vec("i1", lanes))
        elif lanes > 1:
            # Lanes j + l < end: the low min(end - j, lanes) bits of a lanes-bit mask.
            rem = f.sub(end, loop.i)
            full = f.icmp("sge", rem, _i64(lanes))
            part = f.sub(f.shl(_i64(1), rem), _i64(1))
            bits = f.select(full, _i64(-1), part)
            ib = f.cast("trunc", bits, f"i{lanes}") if lanes < 64 else bits
            ctx.mask = f.emit(vec("i1", lanes), f"bitcast {ib} to {vec('i1', lanes)}")
        else:
            ctx.mask = None
        new = body(offsets, _unflat(accs, loop.values))
        return _unflat(accs, loop.close(_flat(new), unroll=unroll_ok))

    def inner(offsets):
        lo, hi = (start, stop) if k == 1 else (_i64(0), _i64(dims[-1]))
        if not (has_red and reduced[-1]):
            vector_loop(lo, hi, hi, offsets, [None] * len(kir.reductions))
            return
        accs = [_fresh_identity(f, r) for r in kir.reductions]
        blocked = any(r.kind == "sum" and acc_dtype(r) == np.float64 and r.dtype == np.float64
                      for r in kir.reductions) and dims[-1] > BLOCK * lanes
        if blocked:
            step = BLOCK * lanes
            bl = _Loop(f, lo, hi, _i64(step), _flat(accs))
            totals = _unflat(accs, bl.values)
            bhi = f.add(bl.i, _i64(step))
            bhi = f.select(f.icmp("slt", bhi, hi), bhi, hi)
            fresh = [_fresh_identity(f, r) for r in kir.reductions]
            res = vector_loop(bl.i, bhi, hi, offsets, fresh)
            merged = []
            for r, t, b in zip(kir.reductions, totals, res):
                if r.index_dtype is not None:
                    merged.append(_argpair_merge(f, r, t, b))
                else:
                    merged.append(_combine(f, r.kind, t, b, acc_dtype(r)))
            accs = _unflat(accs, bl.close(_flat(merged)))
        else:
            accs = vector_loop(lo, hi, hi, offsets, accs)
        roff = offsets[("r", 0)]
        for r, (vp, ip), acc in zip(kir.reductions, red_ptrs, accs):
            if r.index_dtype is not None:
                hv, hi_ = _hreduce_arg(f, r.kind, acc[0], acc[1], r.dtype)
                mv = _scalar_load(f, vp, roff, r.dtype)
                mi = _scalar_load(f, ip, roff, r.index_dtype)
                mi64 = _convert(f, mi, r.index_dtype, np.int64)
                nv, ni = _arg_combine_tie(f, r.kind, mv, mi64, hv, hi_, r.dtype)
                _scalar_store(f, vp, roff, nv, r.dtype)
                _scalar_store(f, ip, roff, _convert(f, ni, np.int64, r.index_dtype),
                              r.index_dtype)
            else:
                bd = acc_dtype(r)
                h = _hreduce(f, r.kind, acc, bd)
                m = _scalar_load(f, vp, roff, bd)
                _scalar_store(f, vp, roff, _combine(f, r.kind, m, h, bd), bd)

    outer(0, offsets)
    f.stmt("ret void")
    finish_function(module, f, name, internal=direct)


def load_data_pointer(f, b, offsets):
    """The data pointer of buffer ``b`` of ``%args``: item b of a tuple of arrays, given
    ``offsets`` = (tuple item offset, array data offset), or of an array of pointers (None)."""
    if offsets is None:
        ip = f.emit("ptr", f"getelementptr inbounds ptr, ptr %args, i64 {b}")
        return f.emit("ptr", f"load ptr, ptr {ip.name}, align 8")
    ip = f.emit("ptr", f"getelementptr inbounds i8, ptr %args, i64 {offsets[0] + 8 * b}")
    item = f.emit("ptr", f"load ptr, ptr {ip.name}, align 8")
    dp = f.emit("ptr", f"getelementptr inbounds i8, ptr {item.name}, i64 {offsets[1]}")
    return f.emit("ptr", f"load ptr, ptr {dp.name}, align 8")


def finish_function(module, f, name, internal=False):
    """Append ``f`` to ``module`` as ``void name(args, start, stop, chunk)``."""
    header = (f"define {'internal ' if internal else ''}void @{name}(ptr noalias nocapture "
              f"readonly %args, i64 %start, i64 %stop, i64 %chunk) nounwind {{")
    module.functions.append("\n".join([header, "entry:"] + f.lines + ["}"]))


def _op_levels(kir, layout):
    """For each op, 1 + the innermost loop dim it depends on (0: none)."""
    def access_level(a):
        strides = layout.access_strides[a]
        return max((d + 1 for d, s in enumerate(strides) if s), default=0)
    levels = []
    for kind, args, attrs, _ in kir.ops:
        if kind == "load":
            levels.append(access_level(attrs[1]))
        elif kind == "index":
            levels.append(access_level(attrs[0]))
        else:
            levels.append(max((levels[a] for a in args), default=0))
    return levels


def _widen(f, r, v):
    return f.cast("fpext", v, elem_type(acc_dtype(r)))  # (no-op unless the types differ)


def acc_dtype(r):
    """The type partial results accumulate in (in lanes and in the value buffer): float32 and
    float16/bfloat16 sums in float64 (accurate without any blocking), float16/bfloat16 products
    in float32 (as the impl); otherwise the reduction's own dtype."""
    if r.kind == "sum" and (r.dtype == np.float32 or is_narrow_float(r.dtype)):
        return np.dtype(np.float64)
    if r.kind == "prod" and is_narrow_float(r.dtype):
        return np.dtype(np.float32)
    return r.dtype


def _fresh_identity(f, r):
    ident = f.const(elem_type(acc_dtype(r)), reduction_identity(r.kind, r.dtype))
    if r.index_dtype is not None:
        return (ident, f.const("i64", 0))
    return ident


def _argpair_merge(f, r, total, block):
    """Merge a block's per-lane (value, index) into the running per-lane pair (earlier)."""
    tv, ti = total
    bv, bi = block
    better = _arg_better(f, r.kind, bv, tv, r.dtype)
    return f.select(better, bv, tv), f.select(better, bi, ti)


def _flat(accs):
    out = []
    for a in accs:
        if a is not None:
            out.extend(a if isinstance(a, tuple) else (a,))
    return out


def _unflat(accs, flat):
    it = iter(flat)
    return [None if a is None else (next(it), next(it)) if isinstance(a, tuple) else next(it)
            for a in accs]


def choose_lanes(kir, layout):
    """Vector width: 512-bit vectors of the widest float (16 x f32 or 8 x f64), narrowed to
    the innermost extent."""
    wide = any(op[3] == np.float64 for op in kir.ops)
    lanes = 8 if wide else 16
    inner = layout.dims[-1]
    while lanes > 1 and lanes // 2 >= inner:
        lanes //= 2
    return lanes

"""Lowering a LoopSpec (compiler/loops.py) to an LLVM function.

Same calling convention as kernels (``fn(buffers, start, stop, chunk)``; buffers: the loop
equation's operands then its results, all NumPy arrays). The carries live in registers (phis);
scan reads its sequences and writes its stacked outputs at index i (or length-1-i reversed).
"""
from __future__ import annotations

import numpy as np

from pyjax._src.core import Literal
from pyjax._src.compiler.llvm.emit import (
    Ctx, _Loop, _convert, _i64, _scalar_load, _scalar_store, emit_kernel, emit_op,
    finish_function, load_data_pointer)
from pyjax._src.compiler.llvm.irtext import Func, Val
from pyjax._src.compiler.llvm.narrow_floats import elem_type


def _run(f, kir, args):
    """Emit a recorded body on scalar ``args``; its output values."""
    ctx = Ctx(f, kir, None, None)
    ctx.args = args
    vals = {}
    for i in range(len(kir.ops)):
        vals[i] = emit_op(ctx, i, vals)
    return [vals[o] for o in kir.outputs]


def emit_loop(module, spec, name, tuple_item_offset, array_data_offset):
    emit_loop_function(module, spec, name, (tuple_item_offset, array_data_offset))


def emit_loop_function(module, spec, name, offsets):
    """The function of a LoopSpec or an ArrayLoopSpec; ``offsets`` as load_data_pointer's (None:
    an internal function called by an enclosing array loop)."""
    if hasattr(spec, "programs"):
        return emit_array_loop(module, spec, name, offsets)
    f = Func(module, 1)
    f.cur = "entry"
    n_in, n_out = len(spec.in_vars), len(spec.out_vars)
    data = [load_data_pointer(f, b, offsets) for b in range(n_in + n_out)]
    ins, outs = data[:n_in], data[n_in:]

    def scalar(i):
        return _scalar_load(f, ins[i], _i64(0), spec.in_dtypes[i])

    if spec.kind == "scan":
        nc, nk = spec.n_consts, spec.n_carry
        consts = [scalar(i) for i in range(nc)]
        init = [scalar(nc + j) for j in range(nk)]
        loop = _Loop(f, _i64(0), _i64(spec.length), _i64(1), init)
        idx = f.sub(_i64(spec.length - 1), loop.i) if spec.reverse else loop.i
        xs = [_scalar_load(f, ins[i], idx, spec.in_dtypes[i]) for i in range(nc + nk, n_in)]
        results = _run(f, spec.bodies["body"], consts + loop.values + xs)
        for k, y in enumerate(results[nk:]):
            _scalar_store(f, outs[nk + k], idx, y, spec.out_dtypes[nk + k])
        final = loop.close(results[:nk], unroll=False)
    else:
        ncc, nbc, nk = spec.cond_consts, spec.n_consts, spec.n_carry
        cconsts = [scalar(i) for i in range(ncc)]
        bconsts = [scalar(ncc + i) for i in range(nbc)]
        init = [scalar(ncc + nbc + j) for j in range(nk)]
        final = _while(f, init, lambda carries: _run(f, spec.bodies["cond"],
                                                      cconsts + carries)[0],
                       lambda carries: _run(f, spec.bodies["body"], bconsts + carries))
    for j, c in enumerate(final):
        _scalar_store(f, outs[j], _i64(0), c, spec.out_dtypes[j])
    f.stmt("ret void")
    finish_function(module, f, name, internal=offsets is None)


def _while(f, init, cond, body):
    """Emit ``while cond(values): values = body(values)`` with the values in phis (cond
    gives an i1); the values after the loop."""
    head, loop_body, done = f.new_label("head"), f.new_label("body"), f.new_label("done")
    pred = f.cur
    f.stmt(f"br label %{head}")
    f.label(head)
    values, lines = [], []
    for v in init:
        values.append(Val(f.tmp(), v.ty))
        f.lines.append(None)
        lines.append(len(f.lines) - 1)
    f.stmt(f"br i1 {cond(values).name}, label %{loop_body}, label %{done}")
    f.label(loop_body)
    new = body(values)
    latch = f.cur
    f.stmt(f"br label %{head}")
    for c, v0, v1, line in zip(values, init, new, lines):
        f.lines[line] = f"  {c.name} = phi {c.ty} [ {v0.name}, %{pred} ], [ {v1.name}, %{latch} ]"
    f.label(done)
    return values


def emit_array_loop(module, spec, name, offsets):
    """Lower an ArrayLoopSpec (compiler/loops_array.py). Buffers: the operands, the results,
    the scratch buffers, then the constant arrays."""
    f = Func(module, 1)
    f.cur = "entry"
    n_in, n_out, nk = len(spec.in_vars), len(spec.out_vars), spec.n_carry
    data = [load_data_pointer(f, b, offsets)
            for b in range(n_in + n_out + len(spec.scratch) + len(spec.folds))]
    ins, outs = data[:n_in], data[n_in:n_in + n_out]
    scratch = data[n_in + n_out:n_in + n_out + len(spec.scratch)]
    folds = data[n_in + n_out + len(spec.scratch):]
    # Kernels are internal functions taking an array of data pointers (one array per call
    # site, allocated once here in the entry block).
    sites = {}
    for key, prog in spec.programs.items():
        for n, (kind, k, layout, lanes, refs) in enumerate(prog.steps):
            kname = f"{name}_{key}{n}"
            if kind == "loop":
                emit_loop_function(module, k, kname, None)
            elif kind == "kernel":
                emit_kernel(module, k.kir, layout, kname, lanes, 0, 0, direct=True)
            else:
                continue  # windows are copied inline
            sites[key, n] = (kname, f.emit("ptr", f"alloca [{len(refs)} x ptr], align 8"))
    module.declare(_MEMMOVE, "void", ["ptr", "ptr", "i64", "i1"])

    def run(key, cur, dst, idx):
        prog = spec.programs[key]
        converts = {}  # step -> the conversions that follow it
        for m, *conv in prog.converts:
            converts.setdefault(m, []).append(conv)

        def ptr(ref):
            kind = ref[0]
            if kind in ("x", "y"):
                base = (ins if kind == "x" else outs)[ref[1]]
                off = f.mul(idx, _i64(ref[2]))
                return f.emit("ptr", f"getelementptr inbounds i8, ptr {base.name}, "
                                     f"i64 {off.name}")
            return {"in": ins, "carry": cur, "dst": dst, "scratch": scratch,
                    "fold": folds}[kind][ref[1]]

        for n, (kind, k, layout, lanes, refs) in enumerate(prog.steps):
            if kind == "window":
                _copy_window(f, k, [ptr(r) for r in refs])
                continue
            kname, arr = sites[key, n]
            for b, ref in enumerate(refs):
                slot = f.emit("ptr", f"getelementptr inbounds ptr, ptr {arr.name}, i64 {b}")
                f.stmt(f"store ptr {ptr(ref).name}, ptr {slot.name}, align 8")
            stop = 1 if layout is None else layout.dims[0]
            f.stmt(f"call void @{kname}(ptr {arr.name}, i64 0, i64 {stop}, i64 0)")
            for dst_ref, src_ref, count, src_dt, dst_dt in converts.get(n, ()):
                d, s = ptr(dst_ref), ptr(src_ref)
                loop = _Loop(f, _i64(0), _i64(count), _i64(1))
                x = _scalar_load(f, s, loop.i, src_dt)
                _scalar_store(f, d, loop.i, _convert(f, x, src_dt, dst_dt), dst_dt)
                loop.close(unroll=False)
        for dst_ref, src, nbytes in prog.copies:
            d = ptr(dst_ref)
            if type(src) is Literal:
                dt = np.dtype(src.aval.dtype)
                _scalar_store(f, d, _i64(0), f.const(elem_type(dt), src.val, 1), dt)
            else:
                _memmove(f, d, ptr(src), _i64(nbytes))
        if prog.result is None or type(prog.result) is Literal:
            return prog.result
        return _scalar_load(f, ptr(prog.result), _i64(0), np.dtype(np.bool_))

    init = [ins[spec.cond_consts + spec.n_consts + j] for j in range(nk)]
    # Carries updated in place live in their result buffer from the start.
    for j in spec.in_place:
        _memmove(f, outs[j], init[j], _i64(spec.carry_bytes[j]))
        init[j] = outs[j]
    first_dst = outs[:nk]
    if spec.kind == "scan":
        loop = _Loop(f, _i64(0), _i64(spec.length), _i64(1), init + first_dst)
        cur, dst = loop.values[:nk], loop.values[nk:]
        idx = f.sub(_i64(spec.length - 1), loop.i) if spec.reverse else loop.i
        run("body", cur, dst, idx)
        loop.close(_next(f, spec, cur, dst, outs, scratch), unroll=False)
        final = cur
    else:
        def cond(phis):
            c = run("cond", phis[:nk], None, None)
            return Val("true" if c.val else "false", "i1") if type(c) is Literal else c

        def body(phis):
            cur, dst = phis[:nk], phis[nk:]
            run("body", cur, dst, None)
            return _next(f, spec, cur, dst, outs, scratch)
        final = _while(f, init + first_dst, cond, body)[:nk]
    # The last values may sit in the scratch set (or, after no iteration, in the operands).
    for j in range(nk):
        if j not in spec.in_place:
            _memmove(f, outs[j], final[j], _i64(spec.carry_bytes[j]))
    f.stmt("ret void")
    finish_function(module, f, name, internal=offsets is None)


def _next(f, spec, cur, dst, results, scratch):
    """The (current, destination) buffers of each carry in the next iteration: the
    destination becomes current and the other buffer the destination (in-place carries keep
    their one buffer)."""
    nxt_cur, nxt_dst = [], []
    for j, (c, d, r, s) in enumerate(zip(cur, dst, results, scratch)):
        if j in spec.in_place:
            nxt_cur.append(c)
            nxt_dst.append(d)
        else:
            nxt_cur.append(d)
            nxt_dst.append(f.select(f.icmp("eq", d, r), s, r))
    return nxt_cur + nxt_dst


_MEMMOVE = "llvm.memmove.p0.p0.i64"


def _memmove(f, dst, src, nbytes):
    f.call(_MEMMOVE, "void", [dst, src, nbytes, Val("false", "i1")])


def _copy_window(f, w, ptrs):
    """Emit a loops_array.Window: ``ptrs`` are its buffers (operand, (updates), start
    indices, output)."""
    x, out = ptrs[0], ptrs[-1]
    idx_ptrs = ptrs[2 if w.update else 1:-1]
    rank = len(w.shape)
    i64 = np.dtype(np.int64)
    starts = []
    for d in range(rank):
        if w.vector:
            if d >= w.n_index:
                starts.append(_i64(0))
                continue
            dt = w.index_dtypes[0]
            raw = _scalar_load(f, idx_ptrs[0], _i64(d), dt)
        else:
            dt = w.index_dtypes[d]
            raw = _scalar_load(f, idx_ptrs[d], _i64(0), dt)
        starts.append(_convert(f, raw, dt, i64))
    ok = None
    for d in range(rank):
        bound = _i64(w.shape[d] - w.window[d])
        s = starts[d]
        if w.drop:
            inside = f.and_(f.icmp("sge", s, _i64(0)), f.icmp("sle", s, bound))
            ok = inside if ok is None else f.and_(ok, inside)
        else:
            s = f.select(f.icmp("slt", s, _i64(0)), _i64(0), s)
            starts[d] = f.select(f.icmp("sgt", s, bound), bound, s)
    size = w.itemsize
    strides = [size * int(np.prod(w.shape[d + 1:], dtype=np.int64)) for d in range(rank)]
    wstrides = [size * int(np.prod(w.window[d + 1:], dtype=np.int64)) for d in range(rank)]
    if w.update:
        if out is not x:  # (an in-place update writes the window only)
            _memmove(f, out, x, _i64(size * int(np.prod(w.shape, dtype=np.int64))))
        src, dst = ptrs[1], out
    else:
        src, dst = x, out
    skip = None
    if ok is not None:
        go, skip = f.new_label("window"), f.new_label("nowindow")
        f.stmt(f"br i1 {ok.name}, label %{go}, label %{skip}")
        f.label(go)
    # Rows: the window's trailing dims that span the whole array are contiguous with the dim
    # before them; the dims before that are looped over.
    j = rank - 1
    while j > 0 and w.window[j] == w.shape[j]:
        j -= 1
    row = _i64(size * int(np.prod(w.window[max(j, 0):], dtype=np.int64)))
    big = _i64(0)
    for d in range(rank):
        big = f.add(big, f.mul(starts[d], _i64(strides[d])))

    def rows(d, big_off, small_off):
        if d >= j:
            b = f.emit("ptr", f"getelementptr inbounds i8, ptr {(dst if w.update else src).name}"
                              f", i64 {big_off.name}")
            s = f.emit("ptr", f"getelementptr inbounds i8, ptr {(src if w.update else dst).name}"
                              f", i64 {small_off.name}")
            _memmove(f, b, s, row) if w.update else _memmove(f, s, b, row)
            return
        loop = _Loop(f, _i64(0), _i64(w.window[d]), _i64(1))
        rows(d + 1, f.add(big_off, f.mul(loop.i, _i64(strides[d]))),
             f.add(small_off, f.mul(loop.i, _i64(wstrides[d]))))
        loop.close(unroll=False)

    rows(0, big, _i64(0))
    if skip is not None:
        f.stmt(f"br label %{skip}")
        f.label(skip)


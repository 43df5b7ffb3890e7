"""Lowering a LoopSpec (compiler/loops.py) to an LLVM function.

Same calling convention as kernels (``fn(buffers, start, stop, chunk)``; buffers: the loop
equation's operands then its results, all NumPy arrays). The carries live in registers (phis);
scan reads its sequences and writes its stacked outputs at index i (or length-1-i reversed).
"""
from __future__ import annotations

from pyjax._src.compiler.llvm.emit import (
    Ctx, _Loop, _i64, _scalar_load, _scalar_store, emit_op)
from pyjax._src.compiler.llvm.irtext import Func, Val


def _run(f, kir, args):
    """Emit a recorded body on scalar ``args``; its output values."""
    ctx = Ctx(f, kir, None, None)
    ctx.args = args
    vals = {}
    for i in range(len(kir.ops)):
        vals[i] = emit_op(ctx, i, vals)
    return [vals[o] for o in kir.outputs]


def emit_loop(module, spec, name, tuple_item_offset, array_data_offset):
    f = Func(module, 1)
    f.cur = "entry"
    n_in, n_out = len(spec.in_vars), len(spec.out_vars)
    data = []
    for b in range(n_in + n_out):
        ip = f.emit("ptr", f"getelementptr inbounds i8, ptr %args, i64 "
                           f"{tuple_item_offset + 8 * b}")
        item = f.emit("ptr", f"load ptr, ptr {ip.name}, align 8")
        dp = f.emit("ptr", f"getelementptr inbounds i8, ptr {item.name}, i64 {array_data_offset}")
        data.append(f.emit("ptr", f"load ptr, ptr {dp.name}, align 8"))
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
        head, body, done = f.new_label("head"), f.new_label("body"), f.new_label("done")
        pred = f.cur
        f.stmt(f"br label %{head}")
        f.label(head)
        carries, lines = [], []
        for v in init:
            carries.append(Val(f.tmp(), v.ty))
            f.lines.append(None)
            lines.append(len(f.lines) - 1)
        (cond,) = _run(f, spec.bodies["cond"], cconsts + carries)
        f.stmt(f"br i1 {cond.name}, label %{body}, label %{done}")
        f.label(body)
        new = _run(f, spec.bodies["body"], bconsts + carries)
        latch = f.cur
        f.stmt(f"br label %{head}")
        for c, v0, v1, line in zip(carries, init, new, lines):
            f.lines[line] = (f"  {c.name} = phi {c.ty} [ {v0.name}, %{pred} ], "
                             f"[ {v1.name}, %{latch} ]")
        f.label(done)
        final = carries
    for j, c in enumerate(final):
        _scalar_store(f, outs[j], _i64(0), c, spec.out_dtypes[j])
    f.stmt("ret void")
    header = (f"define void @{name}(ptr noalias nocapture readonly %args, i64 %start, "
              f"i64 %stop, i64 %chunk) nounwind {{")
    module.functions.append("\n".join([header, "entry:"] + f.lines + ["}"]))

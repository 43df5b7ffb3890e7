"""Native array loops: ``scan``/``while`` whose bodies fuse into kernels only (see loops.py).

The loop becomes one native function (llvm/emit_loop.py) that runs the body's kernels in turn
on every iteration. Each value of the body lives in a buffer named by a *ref*:

- ("in", k): operand k of the loop equation (loop constants, initial carries);
- ("carry", j) / ("dst", j): carry j as this iteration reads it / the buffer it writes the
  next value of carry j to. Carries alternate between the loop's results and scratch buffers
  (the first iteration reads the initial carries), so no iteration copies a carry it computed;
- ("x", k, nbytes) / ("y", k, nbytes): the current slice of scanned operand k / of stacked
  result k (nbytes: the size of a slice);
- ("scratch", s): scratch buffer s, allocated by the caller for every call (runtime.LoopCall);
- ("fold", m): constant array m of the loop (the body's captured or folded constants).

A Program lists a body's steps with the refs of their buffers: kernels, nested native loops
and window copies (dynamic_slice, dynamic_update_slice and one-window scatters, which the loop
does itself; a carry whose old value nothing reads after its update is updated in place), then
the conversions of float32 sums (kernels accumulate them in float64) and the copies that finish
an iteration (carries passed through unchanged, values that are both a carry and a stacked
result). Small matrix products in a body become kernels too (small_dots.py).
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.core import ClosedJaxpr, Jaxpr, Literal
from pyjax._src.compiler import fusion
from pyjax._src.compiler import kernel as kmod
from pyjax._src.compiler import passes
from pyjax._src.compiler import runtime

MAX_EQNS = 2000
# An iteration doing more work than a kernel runs single-threaded keeps the per-iteration
# Python driver, whose kernels split over threads.
MAX_ITERATION_WORK = runtime.PARALLEL_WORK


class Program:
    """A loop body as kernels over refs (see the module docstring).

    steps, in order: ("kernel", KernelSpec, layout, lanes, refs), ("loop", nested LoopSpec or
    ArrayLoopSpec, None, 1, refs) or ("window", Window, None, 1, refs), where refs are the refs
    of the buffers the step takes; converts:
    [(step number, dst ref, src ref, count, src dtype, dst dtype)], run after that step;
    copies: [(dst ref, src ref or Literal, nbytes)], run after the kernels; result: the ref
    (or Literal) of the first output (a while condition's predicate).
    """

    def __init__(self):
        self.steps, self.converts, self.copies = [], [], []
        self.result = None

    def text(self):
        lines = []
        for n, (kind, item, _, lanes, refs) in enumerate(self.steps):
            body = item.kir.text() if kind == "kernel" else item.text()
            lines += [f"{kind} {n} lanes={lanes} refs={refs}", body]
        lines += [f"convert {c}" for c in self.converts]
        lines += [f"copy {d} <- {_ref_text(s)} {n}" for d, s, n in self.copies]
        lines.append(f"result {_ref_text(self.result)}")
        return "\n".join(lines)


def _ref_text(ref):
    if type(ref) is Literal:
        return f"literal {kmod.const_bits(ref.val, ref.aval.dtype)}:{ref.aval.dtype}"
    return repr(ref)


def _nbytes(aval):
    return math.prod(aval.shape) * np.dtype(aval.dtype).itemsize


class ArrayLoopSpec:
    """A loop run natively with array carries. Attributes as loops.LoopSpec, plus
    ``programs`` ({"cond"/"body": Program}), ``scratch`` ([(shape, dtype)] of the scratch
    buffers) and ``folds`` (constant arrays), which runtime.LoopCall passes after the results.
    """

    def __init__(self, eqn, kind, n_consts, n_carry, length=0, reverse=False, cond_consts=0):
        self.eqn, self.kind = eqn, kind
        self.n_consts, self.n_carry, self.cond_consts = n_consts, n_carry, cond_consts
        self.length, self.reverse = length, reverse
        self.in_vars, self.out_vars = list(eqn.invars), list(eqn.outvars)
        self.red_vars, self.eqns = [], [eqn]
        self.in_dtypes = [kmod.kernel_dtype(v.aval.dtype) for v in eqn.invars]
        self.out_dtypes = [kmod.kernel_dtype(v.aval.dtype) for v in eqn.outvars]
        self.carry_bytes = [_nbytes(v.aval) for v in eqn.outvars[:n_carry]]
        self.programs = {}
        self.in_place = set()  # carries updated in place (see _update_in_place)
        self.scratch, self.folds = [], []
        # The second set of carry buffers.
        for v in eqn.outvars[:n_carry]:
            self.add_scratch(v.aval)

    def add_scratch(self, aval, shape=None, dtype=None):
        """The ref of a new scratch buffer (of ``aval``'s shape and dtype unless given)."""
        self.scratch.append((tuple(aval.shape if shape is None else shape),
                             np.dtype(aval.dtype if dtype is None else dtype)))
        return ("scratch", len(self.scratch) - 1)

    def add_fold(self, value):
        self.folds.append(np.ascontiguousarray(value))
        return ("fold", len(self.folds) - 1)

    def work(self):
        """Element-operations per iteration (a nested loop counts as its per-iteration work
        times its trip count, or its length for a while loop: unknown, so counted once)."""
        total = 0
        for p in self.programs.values():
            for kind, k, *_ in p.steps:
                if kind == "kernel":
                    total += kmod.kernel_work(k.kir)
                elif hasattr(k, "programs"):
                    total += k.work() * max(1, k.length)
                elif kind == "window":
                    total += 2 * math.prod(k.shape)
        return total

    def text(self):
        head = (f"array loop {self.kind} length={self.length} reverse={self.reverse} "
                f"consts={self.n_consts}/{self.cond_consts} carry={self.n_carry} "
                f"in={[(v.aval.shape, d.str) for v, d in zip(self.in_vars, self.in_dtypes)]} "
                f"out={[(v.aval.shape, d.str) for v, d in zip(self.out_vars, self.out_dtypes)]}"
                f" scratch={[(s, d.str) for s, d in self.scratch]}"
                f" in_place={sorted(self.in_place)}")
        return "\n".join([head] + [f"[{k}]\n{p.text()}" for k, p in self.programs.items()])


class Window:
    """A window copy the loop does itself: dynamic_slice (``update`` False: the output is the
    window of the operand at the start indices), or dynamic_update_slice / a scatter that sets
    one window (``update`` True: the output is the operand with that window replaced).

    shape/window: the operand's shape and the window's (same rank); vector: the start indices
    are one int vector for the leading dims (a scatter's), else one scalar per dim; drop: an
    out-of-bounds window is dropped (scatter), else starts are clamped so it fits.
    Buffers: operand, (updates), start indices, output.
    """

    def __init__(self, update, shape, window, dtype, index_dtypes, vector, drop, n_index):
        self.update, self.shape, self.window = update, tuple(shape), tuple(window)
        self.itemsize = np.dtype(dtype).itemsize
        self.index_dtypes, self.vector, self.drop = index_dtypes, vector, drop
        self.n_index = n_index  # dims with a start index (the others start at 0)
        self.order = None  # the equation's operands in buffer order (None: as they are)

    def text(self):
        return (f"window update={self.update} shape={self.shape} window={self.window} "
                f"itemsize={self.itemsize} index={[d.str for d in self.index_dtypes]} "
                f"vector={self.vector}/{self.n_index} drop={self.drop}")


def window_of(eqn):
    """The Window of a dynamic_slice, dynamic_update_slice or one-window scatter (set), or
    None."""
    name, p = eqn.primitive.name, eqn.params
    avals = [v.aval for v in eqn.invars]
    if any(kmod.kernel_dtype(a.dtype) is None for a in avals):
        return None
    x = avals[0]
    if name == "dynamic_slice":
        return Window(False, x.shape, p["slice_sizes"], x.dtype,
                      [np.dtype(a.dtype) for a in avals[1:]], False, False, len(x.shape))
    if name == "dynamic_update_slice":
        return Window(True, x.shape, avals[1].shape, x.dtype,
                      [np.dtype(a.dtype) for a in avals[2:]], False, False, len(x.shape))
    if name == "scatter" and p.get("update_jaxpr") is None:
        from pyjax._src.primitives.indexing import GatherScatterMode
        dn, (idx, upd) = p["dimension_numbers"], avals[1:]
        k = idx.shape[-1] if len(idx.shape) == 1 else -1
        if k < 0 or tuple(upd.shape) != tuple(x.shape[k:]) or \
                tuple(dn.update_window_dims) != tuple(range(len(upd.shape))) or \
                tuple(dn.inserted_window_dims) != tuple(range(k)) or \
                tuple(dn.scatter_dims_to_operand_dims) != tuple(range(k)) or \
                dn.operand_batching_dims or dn.scatter_indices_batching_dims:
            return None
        w = Window(True, x.shape, (1,) * k + tuple(x.shape[k:]), x.dtype,
                   [np.dtype(idx.dtype)], True, p["mode"] is not GatherScatterMode.CLIP, k)
        w.order = (0, 2, 1)  # (operand, indices, updates) -> the Window's buffer order
        return w
    return None


def _program(spec, closed, arg_refs, targets):
    """The Program of a body (ClosedJaxpr) whose inputs are at ``arg_refs`` and whose outputs
    go to ``targets`` (a ref per output, or None for an output only read), or None when the
    body does not fuse into kernels only."""
    from pyjax._src.compiler.llvm.emit import acc_dtype, choose_lanes
    jaxpr = closed.jaxpr
    consts = [getattr(c, "_value", c) for c in closed.consts]
    inner = Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.outvars, jaxpr.eqns)
    opt, folded = passes.optimize(inner, dict(zip(jaxpr.constvars, consts)),
                                  expand_small_dots=True)
    if len(opt.eqns) > MAX_EQNS:
        return None
    plan = fusion.fuse(opt, kernels_only=True)
    windows = {}
    for kind, item in plan.steps:
        if kind == "eqn":
            windows[id(item)] = window_of(item)
            if windows[id(item)] is None:
                return None
    ref_of = {}
    for v, val in zip(opt.constvars, folded):
        ref_of[v] = spec.add_fold(val)
    for v, val in zip(opt.invars, consts):
        ref_of[v] = spec.add_fold(val)
    for v, ref in zip(opt.invars[len(consts):], arg_refs):
        ref_of[v] = ref
    # Kernels write straight into the first target of each output they compute.
    produced = {v for kind, k in plan.steps
                for v in (k.outvars if kind == "eqn" else list(k.out_vars) + list(k.red_vars))}
    direct = {}
    for v, t in zip(opt.outvars, targets):
        if t is not None and type(v) is not Literal and v in produced and v not in direct:
            direct[v] = t
    prog = Program()

    def refs_of(in_vars, out_vars):
        refs = [spec.add_fold(np.asarray(v.val, v.aval.dtype)) if type(v) is Literal
                else ref_of[v] for v in in_vars]
        for v in out_vars:
            ref_of[v] = direct.get(v) or spec.add_scratch(v.aval)
            refs.append(ref_of[v])
        return refs

    for n, (kind, k) in enumerate(plan.steps):
        if kind == "eqn":  # a window copy
            w = windows[id(k)]
            ins = k.invars if w.order is None else [k.invars[i] for i in w.order]
            prog.steps.append(("window", w, None, 1, refs_of(ins, k.outvars)))
            continue
        if not hasattr(k, "kir"):  # a nested native loop
            refs = refs_of(k.in_vars, k.out_vars)
            refs += [spec.add_scratch(None, s, d) for s, d in getattr(k, "scratch", ())]
            refs += [spec.add_fold(a) for a in getattr(k, "folds", ())]
            prog.steps.append(("loop", k, None, 1, refs))
            continue
        layout = kmod.Layout(k.kir)
        if layout.size == 0:
            return None
        refs = refs_of(k.in_vars, k.out_vars)
        for r, v in zip(k.kir.reductions, k.red_vars):
            result = direct.get(v) or spec.add_scratch(v.aval)
            acc = acc_dtype(r)
            if r.index_dtype is not None:
                refs += [spec.add_scratch(v.aval, dtype=acc), result]
            elif acc == r.dtype:
                refs.append(result)
            else:
                tmp = spec.add_scratch(v.aval, dtype=acc)
                refs.append(tmp)
                prog.converts.append((n, result, tmp, layout.red_size, acc, r.dtype))
            ref_of[v] = result
        prog.steps.append(("kernel", k, layout, choose_lanes(k.kir, layout), refs))
    for v, t in zip(opt.outvars, targets):
        if t is None:
            continue
        if type(v) is Literal:
            prog.copies.append((t, v, _nbytes(v.aval)))
        elif direct.get(v) != t:
            prog.copies.append((t, ref_of[v], _nbytes(v.aval)))
    out = opt.outvars[0] if opt.outvars else None
    prog.result = out if out is None or type(out) is Literal else ref_of[out]
    _update_in_place(spec, prog)
    return prog


def _update_in_place(spec, prog):
    """Carries whose next value is their current one with a window replaced, and whose
    current value nothing reads afterwards, are updated in place (spec.in_place): one buffer
    instead of two, and no copy of the whole carry per iteration."""
    last_read = {}  # ref -> the last step reading it (len(steps): after the steps)
    for n, step in enumerate(prog.steps):
        for r in step[4][:-1] if step[0] == "window" else step[4]:
            last_read[r] = n
    end = len(prog.steps)
    for r in [c[2] for c in prog.converts] + [c[1] for c in prog.copies] + [prog.result]:
        if type(r) is tuple:
            last_read[r] = end
    for n, (kind, w, _, _, refs) in enumerate(prog.steps):
        if kind != "window" or not w.update or refs[-1][0] != "dst":
            continue
        j = refs[-1][1]
        carry = ("carry", j)
        if refs[0] == carry and carry not in refs[1:-1] and last_read[carry] == n:
            refs[-1] = carry
            spec.in_place.add(j)


def try_array_loop(eqn):
    """An ArrayLoopSpec for a scan/while equation (of kernel dtypes), or None."""
    p = eqn.params
    if any(math.prod(v.aval.shape) == 0 for v in list(eqn.invars) + list(eqn.outvars)):
        return None
    if eqn.primitive.name == "scan":
        body = p.get("jaxpr")
        if not isinstance(body, ClosedJaxpr):
            return None
        nc, nk = p["num_consts"], p["num_carry"]
        spec = ArrayLoopSpec(eqn, "scan", nc, nk, length=int(p["length"]),
                             reverse=bool(p["reverse"]))
        n_in = len(eqn.invars)
        args = [("in", k) for k in range(nc)] + [("carry", j) for j in range(nk)] + \
            [("x", k, _nbytes(eqn.invars[k].aval) // max(1, spec.length))
             for k in range(nc + nk, n_in)]
        targets = [("dst", j) for j in range(nk)] + \
            [("y", k, _nbytes(eqn.outvars[k].aval) // max(1, spec.length))
             for k in range(nk, len(eqn.outvars))]
        programs = {"body": _program(spec, body, args, targets)}
    elif eqn.primitive.name == "while":
        cj, bj = p.get("cond_jaxpr"), p.get("body_jaxpr")
        if not (isinstance(cj, ClosedJaxpr) and isinstance(bj, ClosedJaxpr)):
            return None
        ncc, nbc = p["cond_nconsts"], p["body_nconsts"]
        nk = len(eqn.invars) - ncc - nbc
        spec = ArrayLoopSpec(eqn, "while", nbc, nk, cond_consts=ncc)
        carries = [("carry", j) for j in range(nk)]
        cond_out = cj.jaxpr.outvars
        if len(cond_out) != 1 or cond_out[0].aval.shape or cond_out[0].aval.dtype != np.bool_:
            return None
        programs = {
            "cond": _program(spec, cj, [("in", k) for k in range(ncc)] + carries, [None]),
            "body": _program(spec, bj, [("in", ncc + k) for k in range(nbc)] + carries,
                             [("dst", j) for j in range(nk)])}
    else:
        return None
    if any(prog is None for prog in programs.values()):
        return None
    spec.programs = programs
    if spec.work() > MAX_ITERATION_WORK:
        return None
    return spec

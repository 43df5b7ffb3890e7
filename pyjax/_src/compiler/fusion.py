"""Grouping a jaxpr's equations into fused kernels.

One forward pass over the equations (linear in their number) sorts each into:

- a *group* (a kernel): elementwise equations (those whose primitive has a codegen rule) of one
  iteration shape, plus at most one kind of reduction over that shape (several reductions with
  the same axes may share it). A value used by several members is computed once (an SSA value
  of the kernel); a value also used outside is written to memory once.
- *virtual*: cheap equations (layout ops such as broadcast_in_dim/reshape/squeeze/transpose,
  iota, and small or load-free elementwise ones) that are recomputed inside every kernel that
  uses them instead of being materialised. If something outside kernels also needs their
  value, they also run through their impl ("dual").
- *fallback*: everything else runs through its primitive's impl between kernels.

A group stays open to new members until a value it computes is used by anything outside it;
then it closes. So every kernel's inputs are ready before it runs and no dependency cycle can
form. Each kernel runs right after its last member in program order.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import dtypes
from pyjax._src.codegen_interface import entry_parts
from pyjax._src.core import Literal
from pyjax._src.compiler import kernel as kmod

SMALL = 64          # elementwise results this small are recomputed where used
MAX_MEMBERS = 2000  # bound on a kernel's size (compile time)


class Group:
    __slots__ = ("id", "shape", "eqns", "red_axes", "open", "last")

    def __init__(self, gid, shape):
        self.id, self.shape = gid, tuple(shape)
        self.eqns = []
        self.red_axes = None
        self.open = True
        self.last = -1


class Plan:
    """steps: ("eqn", eqn) or ("kernel", KernelSpec), in execution order."""

    def __init__(self, steps, stats):
        self.steps = steps
        self.stats = stats


class KernelSpec:
    """A fused kernel: its IR, the jaxpr vars it reads and writes, and its equations."""

    def __init__(self, kir, in_vars, out_vars, red_vars, eqns):
        self.kir = kir
        self.in_vars = in_vars      # external vars, in kir.inputs order
        self.out_vars = out_vars    # one per kir.outputs
        self.red_vars = red_vars    # one per kir.reductions
        self.eqns = eqns            # the member equations (for a fallback by impls)


# ----------------------------------------------------------------------------------------------
# Classification


def _avals_ok(eqn):
    for v in eqn.invars:
        if kmod.kernel_dtype(v.aval.dtype) is None:
            return False
    for v in eqn.outvars:
        if kmod.kernel_dtype(v.aval.dtype) is None or dtypes.is_key_dtype(v.aval.dtype):
            return False
    return True


def _broadcastable(shape, out):
    return not shape or (len(shape) == len(out) and all(a in (1, b) for a, b in zip(shape, out)))


def classify(eqn):
    """"layout", "elementwise", "reduce" or "fallback"."""
    prim = eqn.primitive
    layout = getattr(prim, "codegen_layout", None)
    if layout is not None:
        ok = layout(eqn.invars[0].aval, eqn.outvars[0].aval, eqn.params, None)
        return "layout" if ok is not None and _avals_ok(eqn) else "fallback"
    red = getattr(prim, "codegen_reduction", None)
    if red is not None:
        if not _avals_ok(eqn) or len(eqn.invars) != 1:
            return "fallback"
        supports = getattr(prim, "codegen_supports", None)
        if supports is not None and not supports([v.aval for v in eqn.invars], eqn.params):
            return "fallback"
        return "reduce"
    if prim.codegen is None or not _avals_ok(eqn):
        return "fallback"
    supports = getattr(prim, "codegen_supports", None)
    if supports is not None and not supports([v.aval for v in eqn.invars], eqn.params):
        return "fallback"
    out = eqn.outvars[0].aval.shape
    if any(o.aval.shape != out for o in eqn.outvars):
        return "fallback"
    if not all(_broadcastable(v.aval.shape, out) for v in eqn.invars):
        return "fallback"
    return "elementwise"


def _size(shape):
    return math.prod(shape)


# ----------------------------------------------------------------------------------------------
# The pass


def fuse(jaxpr, kernels_only=False):
    """The Plan of a (const-free, optimised) jaxpr.

    ``kernels_only`` (a native loop's body, loops_array.py): small values are computed in
    kernels too rather than by impls, whatever reads them."""
    eqns = jaxpr.eqns
    kinds = [classify(e) for e in eqns]
    for i, e in enumerate(eqns):
        if kinds[i] == "reduce" and _size(e.invars[0].aval.shape) <= SMALL and \
                not kernels_only:
            kinds[i] = "fallback"  # small reductions: NumPy's result, and no kernel launch
    outvars = {v for v in jaxpr.outvars if type(v) is not Literal}
    consumers = {}
    for i, e in enumerate(eqns):
        for v in e.invars:
            if type(v) is not Literal:
                consumers.setdefault(v, []).append(i)

    member_of, red_of, virtual = {}, {}, {}
    index_only = set()    # values computed from nothing but indices and literals (iota, ...)
    executed = []         # indices of equations run through their impls
    groups = []
    open_by_shape = {}

    def close(g):
        if g.open:
            g.open = False
            if open_by_shape.get(g.shape) is g:
                del open_by_shape[g.shape]

    def close_inputs(e, keep=None):
        for u in e.invars:
            if type(u) is Literal:
                continue
            g = member_of.get(u) or red_of.get(u)
            if g is not None and g is not keep:
                close(g)

    def only_fusible_consumers(e):
        for o in e.outvars:
            if o in outvars:
                return False
            for c in consumers.get(o, ()):
                if kinds[c] == "fallback":
                    return False
        return True

    for i, e in enumerate(eqns):
        kind = kinds[i]
        if kind == "fallback":
            close_inputs(e)
            executed.append(i)
            continue
        has_member_input = any(type(u) is not Literal and u in member_of for u in e.invars)
        loads = any(type(u) is not Literal and u not in index_only for u in e.invars)
        out_shape = e.outvars[0].aval.shape
        # Index-only values (iota, ...) are recomputed where used, unless something outside
        # kernels needs them (then computing them in a kernel beats NumPy).
        cheap = kind == "layout" or (kind == "elementwise" and not has_member_input and (
            _size(out_shape) <= SMALL or (not loads and only_fusible_consumers(e))))
        if cheap and kernels_only and not only_fusible_consumers(e):
            cheap = False  # computed by a kernel (a layout op too: as a member, it loads)
        if cheap:
            close_inputs(e)
            for o in e.outvars:
                virtual[o] = e
                if not loads:
                    index_only.add(o)
            if not only_fusible_consumers(e):
                executed.append(i)
            continue
        # A member of a group.
        red_producers = {id(red_of[u]) for u in e.invars
                         if type(u) is not Literal and u in red_of}
        if kind == "reduce":
            shape = e.invars[0].aval.shape
            axes = tuple(sorted(e.params["axes"]))
            g = None
            u = e.invars[0]
            cand = member_of.get(u) if type(u) is not Literal else None
            for h in (cand, open_by_shape.get(shape)):
                if h is not None and h.open and h.shape == shape and \
                        h.red_axes in (None, axes) and id(h) not in red_producers:
                    g = h
                    break
        else:
            shape, axes = out_shape, None
            g = None
            for u in e.invars:
                h = member_of.get(u) if type(u) is not Literal else None
                if h is not None and h.open and h.shape == shape and \
                        id(h) not in red_producers:
                    g = h
                    break
            if g is None:
                h = open_by_shape.get(shape)
                if h is not None and h.open and id(h) not in red_producers:
                    g = h
        if g is None:
            g = Group(len(groups), shape)
            groups.append(g)
        close_inputs(e, keep=g)
        g.eqns.append(e)
        g.last = i
        if kind == "reduce":
            g.red_axes = axes
            red_of[e.outvars[0]] = g
        else:
            for o in e.outvars:
                member_of[o] = g
        open_by_shape[g.shape] = g
        if len(g.eqns) >= MAX_MEMBERS:
            close(g)

    # An equation run through its impl needs its virtual inputs computed too (they are cheap).
    run = set(executed)
    index_of = {id(e): i for i, e in enumerate(eqns)}
    for i in range(len(eqns) - 1, -1, -1):
        if i not in run:
            continue
        for u in eqns[i].invars:
            if type(u) is not Literal and u in virtual:
                run.add(index_of[id(virtual[u])])
    executed = sorted(run)

    # Member values needed outside their group are written to memory.
    group_of_eqn = {}
    for g in groups:
        for e in g.eqns:
            group_of_eqn[id(e)] = g
    materialize = set(v for v in outvars if v in member_of)
    for e in eqns:
        g_e = group_of_eqn.get(id(e))
        for u in e.invars:
            if type(u) is Literal:
                continue
            g = member_of.get(u)
            if g is not None and g is not g_e:
                materialize.add(u)

    steps = []
    n_loops = 0
    for i in executed:
        spec = None
        if eqns[i].primitive.name in ("scan", "while"):
            from pyjax._src.compiler import loops
            spec = loops.try_loop(eqns[i])
        if spec is not None:
            steps.append((i, ("kernel", spec)))
            n_loops += 1
        else:
            steps.append((i, ("eqn", eqns[i])))
    n_kernels = 0
    for g in groups:
        spec = build_kernel(g, member_of, virtual, materialize)
        steps.append((g.last, ("kernel", spec)))
        n_kernels += 1
    steps.sort(key=lambda s: s[0])
    stats = {"kernels": n_kernels, "native_loops": n_loops,
             "fallback_eqns": len(executed) - n_loops,
             "fused_eqns": sum(len(g.eqns) for g in groups), "virtual_eqns": len(
                 {id(e) for e in virtual.values()})}
    return Plan([s for _, s in steps], stats)


# ----------------------------------------------------------------------------------------------
# Kernel IR construction


def _project(operand_shape, out_shape, index_map):
    """The index map of an elementwise operand (rank 0, or size-1 dims broadcast)."""
    if not operand_shape:
        return ()
    return tuple(None if operand_shape[d] == 1 and out_shape[d] != 1 else index_map[d]
                 for d in range(len(operand_shape)))


def build_kernel(g, member_of, virtual, materialize):
    shape = g.shape
    kir = kmod.KernelIR(shape)
    rec = kmod.Recorder(kir)
    identity = tuple(range(len(shape)))
    memo = {}
    in_vars, in_index = [], {}

    def load(v, index_map):
        i = in_index.get(v)
        if i is None:
            i = in_index[v] = len(in_vars)
            in_vars.append(v)
            kir.inputs.append(kmod.kernel_dtype(v.aval.dtype))
        vshape = v.aval.shape
        cs = kmod.contiguous_strides(vshape)
        strides, offset = [0] * len(shape), 0
        for d, entry in enumerate(index_map):
            if vshape[d] == 1:
                continue
            it, step, off = entry_parts(entry)
            if it is not None:
                strides[it] += step * cs[d]
            offset += off * cs[d]
        return rec.load(i, strides, kir.inputs[i], offset)

    def value(v, index_map):
        if type(v) is Literal:
            return rec.const(v.val, kmod.kernel_dtype(v.aval.dtype))
        key = (v, index_map)
        r = memo.get(key)
        if r is not None:
            return r
        if member_of.get(v) is g:
            raise AssertionError("kernel member evaluated before its definition")
        e = virtual.get(v)
        if e is None:
            r = load(v, index_map)
        else:
            outs = evaluate(e, index_map)
            for o, val in zip(e.outvars, outs):
                memo[(o, index_map)] = val
            r = memo[key]
        memo[key] = r
        return r

    def evaluate(e, index_map):
        """The kernel values of e's outputs at ``index_map`` (a map of e's output dims)."""
        prim = e.primitive
        out_aval = e.outvars[0].aval
        layout = getattr(prim, "codegen_layout", None)
        if layout is not None:
            operand = e.invars[0]
            sub = layout(operand.aval, out_aval, e.params, index_map)
            sub = tuple(None if operand.aval.shape[d] == 1 else m for d, m in enumerate(sub))
            return [value(operand, sub)]
        args = [value(u, _project(u.aval.shape, out_aval.shape, index_map)) for u in e.invars]
        rec.index_map, rec.out_shape = index_map, out_aval.shape
        out = prim.codegen(rec, *args, **e.params)
        outs = list(out) if prim.multiple_results else [out]
        for o, val in zip(e.outvars, outs):
            want = kmod.kernel_dtype(o.aval.dtype)
            if val.dtype != want:
                raise TypeError(f"codegen rule of {prim} gave {val.dtype}, expected {want}")
        return outs

    out_vars, red_vars = [], []
    for e in g.eqns:
        red = getattr(e.primitive, "codegen_reduction", None)
        if red is not None:
            operand = e.invars[0]
            x = value(operand, identity)
            out_dtype = np.dtype(e.outvars[0].aval.dtype)
            index_dtype = None
            if red in ("argmax", "argmin"):
                index_dtype = out_dtype
                out_dtype = kmod.kernel_dtype(operand.aval.dtype)
            kir.reductions.append(kmod.Reduction(red, x.id, e.params["axes"], out_dtype,
                                                 index_dtype))
            red_vars.append(e.outvars[0])
            continue
        outs = evaluate(e, identity)
        for o, val in zip(e.outvars, outs):
            memo[(o, identity)] = val
            if o in materialize:
                kir.outputs.append(val.id)
                out_vars.append(o)
    return KernelSpec(kir, in_vars, out_vars, red_vars, list(g.eqns))

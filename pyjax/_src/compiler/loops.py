"""Native loops: ``scan`` and ``while`` equations whose bodies compile entirely.

Scalar loops: when a loop's carries, loop constants and per-iteration slices are scalars of
kernel dtypes and every equation of its body (and condition), after the usual passes, has a
codegen rule, the whole loop becomes one native function with the carries in registers. The
body and condition are recorded as KernelIRs of shape () whose inputs are "arg" ops: the loop
constants, the carries and (scan) the current slices of the scanned inputs.

Array loops: otherwise, when the body (and condition) fuse into kernels only (no equation
runs through an impl) and an iteration is too little work to be worth splitting over threads,
the loop is one native function that calls those kernels in turn (ArrayLoopSpec): the carries
live in two sets of buffers used alternately (the results and scratch), scan reads its slices
and writes its stacked outputs in place, and kernels write straight into the buffer their value
ends up in where they can.

Otherwise the loop runs through its impl, whose body is still compiled (one executable call
per iteration).
"""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.core import ClosedJaxpr, Literal
from pyjax._src.compiler import fusion
from pyjax._src.compiler import kernel as kmod
from pyjax._src.compiler import passes

MAX_EQNS = 2000


class LoopSpec:
    """A loop compiled natively (see the module docstring).

    kind: "scan" or "while"; in_vars/out_vars: the equation's operands and results; bodies:
    the recorded KernelIRs ("cond" and "body" for while, "body" for scan).
    """

    def __init__(self, eqn, kind, bodies, n_consts, n_carry, length=0, reverse=False,
                 cond_consts=0):
        self.eqn = eqn
        self.kind = kind
        self.bodies = bodies
        self.n_consts = n_consts
        self.cond_consts = cond_consts
        self.n_carry = n_carry
        self.length = length
        self.reverse = reverse
        self.in_vars = list(eqn.invars)
        self.out_vars = list(eqn.outvars)
        self.red_vars = []
        self.eqns = [eqn]
        self.in_dtypes = [kmod.kernel_dtype(v.aval.dtype) for v in eqn.invars]
        self.out_dtypes = [kmod.kernel_dtype(v.aval.dtype) for v in eqn.outvars]

    def text(self):
        head = (f"loop {self.kind} length={self.length} reverse={self.reverse} "
                f"consts={self.n_consts}/{self.cond_consts} carry={self.n_carry} "
                f"in={[d.str for d in self.in_dtypes]} out={[d.str for d in self.out_dtypes]}")
        return "\n".join([head] + [f"[{k}]\n{kir.text()}" for k, kir in self.bodies.items()])


def _record(closed, n_args):
    """The KernelIR of a scalar jaxpr (a ClosedJaxpr) whose inputs are args 0..n-1, or None."""
    jaxpr, consts = closed.jaxpr, closed.consts
    known = dict(zip(jaxpr.constvars, [getattr(c, "_value", c) for c in consts]))
    inner = type(jaxpr)([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.outvars,
                        jaxpr.eqns)
    opt, folded = passes.optimize(inner, known)
    if folded or len(opt.eqns) > MAX_EQNS:
        return None  # array constants: not a scalar loop
    kir = kmod.KernelIR(())
    rec = kmod.Recorder(kir)
    rec.index_map, rec.out_shape = (), ()
    env = {}
    args = opt.invars[len(jaxpr.constvars):]
    if len(args) != n_args:
        return None
    for i, v in enumerate(args):
        dt = kmod.kernel_dtype(v.aval.dtype)
        if dt is None or v.aval.shape:
            return None
        env[v] = kir.add("arg", (), (i,), dt)

    def read(v):
        if type(v) is Literal:
            return rec.const(v.val, kmod.kernel_dtype(v.aval.dtype))
        return env.get(v)

    for eqn in opt.eqns:
        if fusion.classify(eqn) != "elementwise" or any(o.aval.shape for o in eqn.outvars):
            return None
        ins = [read(v) for v in eqn.invars]
        if any(x is None for x in ins):
            return None  # an input known only as an array constant
        try:
            out = eqn.primitive.codegen(rec, *ins, **eqn.params)
        except NotImplementedError:
            return None
        outs = list(out) if eqn.primitive.multiple_results else [out]
        for o, val in zip(eqn.outvars, outs):
            env[o] = val
    outs = [read(v) for v in opt.outvars]
    if any(x is None for x in outs):
        return None
    for o, v in zip(outs, opt.outvars):
        if o.dtype != kmod.kernel_dtype(v.aval.dtype):
            return None
    kir.outputs = [o.id for o in outs]
    return kir


def _kernel_dtypes(avals):
    return all(kmod.kernel_dtype(a.dtype) is not None and not dtypes.is_key_dtype(a.dtype)
               for a in avals)


def try_loop(eqn):
    """A LoopSpec or ArrayLoopSpec for a scan/while equation that compiles natively, or
    None."""
    if not _kernel_dtypes([v.aval for v in eqn.invars] + [v.aval for v in eqn.outvars]):
        return None
    spec = _try_scalar_loop(eqn)
    if spec is None:
        from pyjax._src.compiler import loops_array
        spec = loops_array.try_array_loop(eqn)
    return spec


def _try_scalar_loop(eqn):
    name = eqn.primitive.name
    p = eqn.params
    if name == "scan":
        body = p.get("jaxpr")
        if not isinstance(body, ClosedJaxpr):
            return None
        nc, nk = p["num_consts"], p["num_carry"]
        if any(v.aval.shape for v in eqn.invars[:nc + nk]) or \
                any(v.aval.shape != (p["length"],) for v in eqn.invars[nc + nk:]) or \
                any(v.aval.shape for v in eqn.outvars[:nk]):
            return None
        kir = _record(body, len(eqn.invars))
        if kir is None:
            return None
        return LoopSpec(eqn, "scan", {"body": kir}, nc, nk, length=int(p["length"]),
                        reverse=bool(p["reverse"]))
    if name == "while":
        cj, bj = p.get("cond_jaxpr"), p.get("body_jaxpr")
        if not (isinstance(cj, ClosedJaxpr) and isinstance(bj, ClosedJaxpr)):
            return None
        if any(v.aval.shape for v in eqn.invars):
            return None
        ncc, nbc = p["cond_nconsts"], p["body_nconsts"]
        n_carry = len(eqn.invars) - ncc - nbc
        cond = _record(cj, ncc + n_carry)
        body = _record(bj, nbc + n_carry)
        if cond is None or body is None or len(cond.outputs) != 1 or \
                cond.ops[cond.outputs[0]][3] != np.bool_:
            return None
        return LoopSpec(eqn, "while", {"cond": cond, "body": body}, nbc, n_carry,
                        cond_consts=ncc)
    return None

"""Automatic differentiation: forward mode (jvp), linearization by partial evaluation, and
transposition of the linear program (reverse mode), as JAX does it.

- JVPTrace carries (primal, tangent) pairs; each primitive's ``jvp`` rule maps them forward.
  Symbolic ``Zero`` tangents are never materialised unless a rule needs them.
- linearize runs the JVP on top of a PartialEvalTrace: primal work (all inputs known) runs on
  the parent trace right away, tangent work (some input unknown) is staged into a linear Jaxpr.
- backward_pass transposes that Jaxpr with each linear primitive's ``transpose`` rule.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.array import ArrayImpl
from pyjax._src.core import Literal, ShapedArray, Tracer, set_current_trace
from pyjax._src.interpreters import staging


# ----------------------------------------------------------------------------------------------
# Tangent values


class Zero:
    """A symbolic zero tangent or cotangent of a given abstract value."""

    __slots__ = ("_aval", "_primal")

    def __init__(self, aval, primal=None):
        self._aval, self._primal = aval, primal  # aval None: that of ``primal``'s tangent

    @property
    def aval(self):
        if self._aval is None:  # computed on demand: most zeros are only tested for
            self._aval = tangent_aval(core.get_aval(self._primal))
        return self._aval

    def __repr__(self):
        return f"Zero({self.aval})"

    @staticmethod
    def from_primal_value(x):
        return Zero(None, x)


def tangent_aval(aval):
    """Tangents of integer and boolean values have dtype float0, as in JAX."""
    kind = aval.dtype.kind
    if kind in "iub" or (kind == "V" and dtypes.is_key_dtype(aval.dtype)):
        return ShapedArray(aval.shape, dtypes.float0, False)
    if type(aval) is ShapedArray:  # immutable, so the primal's aval serves as the tangent's
        return aval
    return ShapedArray(aval.shape, aval.dtype, aval.weak_type)


def zeros_like_aval(aval):
    from pyjax._src import lax
    if aval.dtype == dtypes.float0:
        return ArrayImpl(np.zeros(aval.shape, dtypes.float0))
    return lax.full(aval.shape, 0, aval.dtype) if not aval.weak_type else \
        lax._convert(lax.full(aval.shape, 0, aval.dtype), aval.dtype, True)


def instantiate(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def add_tangents(a, b):
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    if core.get_aval(a).dtype == dtypes.float0:
        return a
    return add_any_p.bind(a, b)


# add_any: the sum of two tangents or cotangents of the same type (JAX's add_jaxvals).
add_any_p = core.Primitive("add_any")
add_any_p.impl = np.add
add_any_p.abstract_eval = lambda x, y: x
add_any_p.codegen = codegen_interface.binary_rule("add")  # (backward passes fuse)


def _add_any_batch(vals, dims):
    from pyjax._src.interpreters import batching
    x, y = vals
    if dims[0] == dims[1]:
        return add_any_p.bind(x, y), dims[0]
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    x, y = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    return add_any_p.bind(x, y), 0


add_any_p.batch = _add_any_batch


# ----------------------------------------------------------------------------------------------
# Forward mode


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent", "_aval")

    def __init__(self, trace, primal, tangent):
        self._trace, self.primal, self.tangent = trace, primal, tangent
        self._aval = None

    @property
    def aval(self):
        aval = self._aval
        if aval is None:  # computed once: jax.numpy asks for shape and dtype repeatedly
            aval = self._aval = core.get_aval(self.primal)
        return aval

    def to_concrete_value(self):
        p = self.primal
        if type(p) is ArrayImpl:
            return p._value
        if isinstance(p, Tracer):
            return p.to_concrete_value()
        return np.asarray(p)

    def _origin_msg(self):
        p = self.primal
        return p._origin_msg() if isinstance(p, Tracer) else ""

    def __repr__(self):
        return f"JVPTracer(primal={self.primal}, tangent={self.tangent})"

    __str__ = __repr__


class LinearizeTracer(JVPTracer):
    """A JVPTracer of a linearization (grad, vjp, linearize), printed as JAX prints it."""

    __slots__ = ()

    def __repr__(self):
        tangent = core.get_aval(self.tangent).str_short()
        return f"GradTracer(primal={self.primal}, typeof(tangent)={tangent})"

    __str__ = __repr__


class JVPTrace(core.Trace):
    __slots__ = ("parent", "tracer_class")

    def __init__(self, parent, linearizing=False):
        super().__init__()
        self.parent = parent
        self.tracer_class = LinearizeTracer if linearizing else JVPTracer

    def to_primal_tangent(self, x):
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer) and not x._trace._alive:
            raise core._leaked_tracer_error(x)
        return x, Zero.from_primal_value(x)

    def process_primitive(self, prim, args, params):
        cls = self.tracer_class
        for a in args:
            if type(a) is cls and a._trace is self:
                break
        else:  # no operand carries a tangent of this trace: the parent computes the result
            return _bind_on(self.parent, prim, args, params)
        primals, tangents = [], []
        for a in args:
            if type(a) is cls and a._trace is self:  # the tangent of a tracer is never Zero
                primals.append(a.primal)
                tangents.append(a.tangent)
            else:
                if isinstance(a, Tracer) and not a._trace._alive:
                    raise core._leaked_tracer_error(a)
                primals.append(a)
                tangents.append(Zero(None, a))
        rule = prim.jvp
        if rule is None:
            raise NotImplementedError(
                f"Differentiation rule for '{prim.name}' not implemented")
        state = core._state
        prev, state.trace = state.trace, self.parent
        try:
            primal_out, tangent_out = rule(primals, tangents, **params)
        finally:
            state.trace = prev
        if prim.multiple_results:
            return [self.box(p, t) for p, t in zip(primal_out, tangent_out, strict=True)]
        return primal_out if type(tangent_out) is Zero else cls(self, primal_out, tangent_out)

    def box(self, primal, tangent):
        return primal if type(tangent) is Zero else self.tracer_class(self, primal, tangent)


def _bind_on(trace, prim, args, params):
    """``prim.bind(*args, **params)`` with ``trace`` current (a lean ``set_current_trace``:
    transformations forward most primitives to their parent trace this way)."""
    state = core._state
    prev, state.trace = state.trace, trace
    try:
        return trace.process_primitive(prim, args, params)
    finally:
        state.trace = prev


def jvp_flat(flat_fun, primals, tangents, linearizing=False):
    """Evaluate ``flat_fun`` and its directional derivative: (primals_out, tangents_out)."""
    trace = JVPTrace(core.current_trace(), linearizing)
    # float0 tangents (of integer inputs) carry no information: treat them as symbolic zeros.
    tangents = [Zero(core.get_aval(t)) if type(t) is not Zero and
                core.get_aval(t).dtype == dtypes.float0 else t for t in tangents]
    in_tracers = [trace.box(p, t) for p, t in zip(primals, tangents, strict=True)]
    try:
        with set_current_trace(trace):
            outs = flat_fun(*in_tracers)
        pairs = [trace.to_primal_tangent(o) for o in outs]
    finally:
        trace.invalidate()
    return [p for p, _ in pairs], [t for _, t in pairs]


# ----------------------------------------------------------------------------------------------
# Rule helpers: most primitives declare their jvp with these.


def defjvp(prim, *per_arg):
    """``per_arg[i](g, *primals, **params)`` is the tangent contribution of argument i."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        total = None
        for fn, g in zip(per_arg, tangents):
            if fn is None or type(g) is Zero:
                continue
            contrib = fn(g, *primals, **params)
            total = contrib if total is None else add_tangents(total, contrib)
        return out, (Zero(tangent_aval(core.get_aval(out))) if total is None else total)
    prim.jvp = rule


def defjvp2(prim, *per_arg):
    """Like defjvp, with the primal output available: ``fn(g, ans, *primals, **params)``."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        total = None
        for fn, g in zip(per_arg, tangents):
            if fn is None or type(g) is Zero:
                continue
            contrib = fn(g, out, *primals, **params)
            total = contrib if total is None else add_tangents(total, contrib)
        return out, (Zero(tangent_aval(core.get_aval(out))) if total is None else total)
    prim.jvp = rule


def defjvp_zero(prim):
    """Outputs that do not depend differentiably on the inputs (comparisons, iota, ...)."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        if prim.multiple_results:
            return out, [Zero(tangent_aval(core.get_aval(o))) for o in out]
        return out, Zero(tangent_aval(core.get_aval(out)))
    prim.jvp = rule


def deflinear(prim, transpose_rule):
    """A primitive linear in all its operands: its jvp applies it to the tangents."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        t = prim.bind(*[instantiate(t) for t in tangents], **params)
        return out, t
    prim.jvp = rule
    prim.transpose = transpose_rule


deflinear(add_any_p, lambda ct, x, y: [ct, ct])


def is_undefined(x):
    return type(x) is UndefinedPrimal


class UndefinedPrimal:
    """Marks a linear input of a primitive being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval})"


# ----------------------------------------------------------------------------------------------
# Partial evaluation: known work runs now, unknown (tangent) work is staged.


class PartialEvalTrace(staging.DynamicJaxprTrace):
    """Stages only equations with an unknown input; everything else runs on the parent."""

    __slots__ = ("parent",)

    def __init__(self, parent, debug_info=None):
        super().__init__(debug_info)
        self.parent = parent

    def is_unknown(self, x):
        return type(x) is staging.DynamicJaxprTracer and x._trace is self

    def process_primitive(self, prim, args, params):
        tracer = staging.DynamicJaxprTracer
        for a in args:
            if type(a) is tracer and a._trace is self:
                break
        else:  # all inputs known: compute now
            return _bind_on(self.parent, prim, args, params)
        rule = prim.partial_eval
        if rule is not None:
            return rule(self, args, [self.is_unknown(a) for a in args], params)
        return super().process_primitive(prim, args, params)


def linearize_flat(flat_fun, primals, debug_info=None):
    """(primals_out, linear ClosedJaxpr from input tangents to nonzero output tangents,
    mask of which outputs have a nonzero tangent)."""
    pe = PartialEvalTrace(core.current_trace(), debug_info)
    tangents_in = [pe.new_arg(tangent_aval(core.get_aval(p))) for p in primals]
    try:
        with set_current_trace(pe):
            primals_out, tangents_out = jvp_flat(flat_fun, primals, tangents_in,
                                                 linearizing=True)
            nonzero = [type(t) is not Zero for t in tangents_out]
            linear = pe.to_closed_jaxpr([t for t in tangents_out if type(t) is not Zero])
    finally:
        pe.invalidate()
    return primals_out, linear, nonzero


# ----------------------------------------------------------------------------------------------
# Transposition


def backward_pass(jaxpr, consts, args, cts_out):
    """Cotangents of ``jaxpr``'s linear inputs (those passed as UndefinedPrimal in ``args``)
    given the cotangents of its outputs (None or Zero for zero). Binds on the current trace."""
    primal_env = {}
    for v, c in zip(jaxpr.constvars, consts, strict=True):
        primal_env[v] = c
    linear = set()  # the variables that depend on a linear input (Literals never do)
    for v, a in zip(jaxpr.invars, args, strict=True):
        if type(a) is UndefinedPrimal:
            linear.add(v)
        else:
            primal_env[v] = a
    linear_eqns = []
    for eqn in jaxpr.eqns:
        if not linear.isdisjoint(eqn.invars):
            linear.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:  # a non-linear equation (e.g. inside a transposed jit body): evaluate it
            ins = [_read(primal_env, v) for v in eqn.invars]
            outs = eqn.primitive.bind(*ins, **eqn.params)
            if not eqn.primitive.multiple_results:
                outs = [outs]
            for v, o in zip(eqn.outvars, outs, strict=True):
                primal_env[v] = o

    ct_env = {}  # nonzero cotangents of linear variables, summed over their uses
    _add_cts(ct_env, linear, jaxpr.outvars, cts_out)
    for eqn in reversed(linear_eqns):
        prim = eqn.primitive
        if prim.multiple_results:
            cts = [ct_env.pop(v, None) for v in eqn.outvars]
            if all(ct is None for ct in cts):
                continue
            ct_arg = [Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts)]
        else:
            ct_arg = ct_env.pop(eqn.outvars[0], None)
            if ct_arg is None:
                continue
        invals = [UndefinedPrimal(v.aval) if v in linear else _read(primal_env, v)
                  for v in eqn.invars]
        if prim.transpose is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for '{prim.name}' "
                "not implemented")
        _add_cts(ct_env, linear, eqn.invars, prim.transpose(ct_arg, *invals, **eqn.params))
    return [ct_env.get(v) if v in linear else None for v in jaxpr.invars]


def _add_cts(ct_env, linear, atoms, cts):
    """Accumulate the cotangents ``cts`` (None or Zero for zero) of ``atoms`` into ct_env."""
    for v, ct in zip(atoms, cts, strict=True):
        if ct is None or type(ct) is Zero or v not in linear:
            continue
        prev = ct_env.get(v)
        ct_env[v] = ct if prev is None else add_tangents(prev, ct)


def _read(env, v):
    if type(v) is Literal:
        return ArrayImpl(v.val, v.aval.weak_type)
    return env[v]


def unbroadcast(aval, ct):
    """Sum ``ct`` down to ``aval``'s shape (undoing NumPy-style broadcasting of an operand)."""
    if type(ct) is Zero:
        return ct
    shape = ct._value.shape if type(ct) is ArrayImpl else core.get_aval(ct).shape
    if shape == aval.shape:
        return ct
    from pyjax._src import lax
    if not aval.shape:
        return lax.reduce_sum(ct, tuple(range(len(shape))))
    axes = tuple(i for i, (a, c) in enumerate(zip(aval.shape, shape)) if a == 1 and c != 1)
    return lax.reshape(lax.reduce_sum(ct, axes), aval.shape)


# ----------------------------------------------------------------------------------------------
# Jaxpr-level transformations, for primitives that carry a jaxpr (jit, control flow).


def jvp_jaxpr(closed, nonzero_tangents, instantiate=False):
    """A ClosedJaxpr computing (primals_out, nonzero tangents_out) from (primals, nonzero
    tangents), and the mask of which output tangents are nonzero.

    ``instantiate`` (a bool or one bool per output) makes those output tangents nonzero even
    when they are symbolically zero (control flow needs fixed tangent signatures)."""
    in_avals = closed.in_avals
    t_avals = [tangent_aval(a) for a, nz in zip(in_avals, nonzero_tangents) if nz]
    n = len(in_avals)
    out_nonzero = []
    inst_mask = ([instantiate] * len(closed.out_avals) if isinstance(instantiate, bool)
                 else list(instantiate))

    def fun(*args):
        primals, ts = args[:n], iter(args[n:])
        tangents = [next(ts) if nz else Zero(tangent_aval(a))
                    for a, nz in zip(in_avals, nonzero_tangents)]
        p_out, t_out = jvp_flat(lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs),
                                primals, tangents)
        t_out = [zeros_like_aval(t.aval) if inst and type(t) is Zero else t
                 for t, inst in zip(t_out, inst_mask)]
        out_nonzero.extend(type(t) is not Zero for t in t_out)
        return list(p_out) + [t for t in t_out if type(t) is not Zero]

    jaxpr = staging.trace_to_jaxpr(fun, list(in_avals) + t_avals)
    return _closed_without_consts(jaxpr), out_nonzero


def _closed_without_consts(closed):
    return core.ClosedJaxpr(staging.hoist_consts(closed), []), closed.consts


# Call primitives (jit: a ``jaxpr`` param) whose equations partial_eval_jaxpr splits
# recursively besides its ``call_primitive`` argument; control-flow rules (which cannot import
# api.py) register jit here so that jits nested in their bodies are split too.
call_primitives = set()

# Rules that split one equation of another primitive carrying jaxprs (cond, while, scan) with
# some unknown inputs: ``rule(eqn, unknowns) -> None | (known_eqn, unknown_eqn, out_unknowns)``.
# known_eqn (or None) reads only known vars and defines the eqn's known outvars plus fresh
# residual vars; unknown_eqn reads residuals, known and unknown vars and defines the unknown
# outvars (other outvars replaced by DropVars). None means: the whole equation is unknown.
partial_eval_jaxpr_rules = {}


def partial_eval_jaxpr(jaxpr, in_unknowns, call_primitive=None, instantiate=False):
    """Split a const-free Jaxpr into a known part (known inputs -> known outputs + residuals)
    and an unknown part (residuals + unknown inputs -> unknown outputs).

    Nested ``call_primitive`` equations with mixed inputs are split recursively (and equations
    of primitives in ``partial_eval_jaxpr_rules`` by their rule), so the unknown part of a
    linearized program stays linear. ``instantiate`` (a bool or one per output) forces outputs
    to be unknown (known values are then passed through as residuals).
    Returns (known, unknown, out_unknowns, n_res).
    """
    unknown = {v for v, u in zip(jaxpr.invars, in_unknowns, strict=True) if u}
    known_eqns, unknown_eqns = [], []

    def is_unknown(v):
        return type(v) is not Literal and v in unknown

    for eqn in jaxpr.eqns:
        uk = [is_unknown(v) for v in eqn.invars]
        if not any(uk):
            known_eqns.append(eqn)
        elif (eqn.primitive is call_primitive or eqn.primitive in call_primitives) and not all(
                uk):
            inner = eqn.params["jaxpr"]
            k, u, out_uk, n_res = partial_eval_jaxpr(inner.jaxpr, uk, eqn.primitive)
            res_vars = [core.Var(a) for a in k.outvars_avals[len(k.outvars_avals) - n_res:]] \
                if n_res else []
            k_outs = [v for v, o in zip(eqn.outvars, out_uk) if not o]
            u_outs = [v for v, o in zip(eqn.outvars, out_uk) if o]
            k_ins = [v for v, o in zip(eqn.invars, uk) if not o]
            u_ins = [v for v, o in zip(eqn.invars, uk) if o]
            known_eqns.append(eqn.replace(invars=k_ins, outvars=k_outs + res_vars,
                                          params=dict(eqn.params, jaxpr=k.closed)))
            unknown_eqns.append(eqn.replace(invars=res_vars + u_ins, outvars=u_outs,
                                            params=dict(eqn.params, jaxpr=u.closed)))
            unknown.update(u_outs)
        else:
            rule = partial_eval_jaxpr_rules.get(eqn.primitive)
            split = rule(eqn, uk) if rule is not None else None
            if split is None:
                unknown_eqns.append(eqn)
                unknown.update(eqn.outvars)
            else:
                k_eqn, u_eqn, out_uk = split
                if k_eqn is not None:
                    known_eqns.append(k_eqn)
                unknown_eqns.append(u_eqn)
                unknown.update(v for v, o in zip(eqn.outvars, out_uk) if o)
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * len(jaxpr.outvars)
    out_unknowns = [is_unknown(v) or bool(inst)
                    for v, inst in zip(jaxpr.outvars, instantiate, strict=True)]
    residuals, seen = [], set()
    for eqn in unknown_eqns:
        for v in eqn.invars:
            if type(v) is not Literal and v not in unknown and v not in seen:
                seen.add(v)
                residuals.append(v)
    for v, o in zip(jaxpr.outvars, out_unknowns):  # known values forced to be unknown outputs
        if o and type(v) is not Literal and v not in unknown and v not in seen:
            seen.add(v)
            residuals.append(v)
    for v, o in zip(jaxpr.outvars, out_unknowns):  # known outputs computed by unknown eqns: none
        if not o and type(v) is not Literal and v in unknown:
            raise AssertionError("inconsistent partial evaluation")
    known = _Split(core.Jaxpr(
        [], [v for v, u in zip(jaxpr.invars, in_unknowns) if not u],
        [v for v, o in zip(jaxpr.outvars, out_unknowns) if not o] + residuals, known_eqns))
    unknown_part = _Split(core.Jaxpr(
        [], residuals + [v for v, u in zip(jaxpr.invars, in_unknowns) if u],
        [v for v, o in zip(jaxpr.outvars, out_unknowns) if o], unknown_eqns))
    return known, unknown_part, out_unknowns, len(residuals)


class _Split:
    """One side of a partial evaluation: the Jaxpr, its ClosedJaxpr and output avals."""

    __slots__ = ("jaxpr", "closed", "outvars_avals")

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        self.closed = core.ClosedJaxpr(jaxpr, [])
        self.outvars_avals = [v.aval for v in jaxpr.outvars]


def transpose_jaxpr(closed, linear_mask, ct_zero_mask):
    """A ClosedJaxpr mapping (non-linear inputs, nonzero output cotangents) to the cotangents
    of the linear inputs (zeros instantiated)."""
    in_avals = closed.in_avals
    known_avals = [a for a, lin in zip(in_avals, linear_mask) if not lin]
    ct_avals = [a for a, z in zip(closed.out_avals, ct_zero_mask) if not z]

    def fun(*args):
        known, cts = iter(args[:len(known_avals)]), iter(args[len(known_avals):])
        ins = [UndefinedPrimal(a) if lin else next(known) for a, lin in zip(in_avals, linear_mask)]
        cts_out = [Zero(a) if z else next(cts) for a, z in zip(closed.out_avals, ct_zero_mask)]
        res = backward_pass(closed.jaxpr, closed.consts, ins, cts_out)
        return [zeros_like_aval(tangent_aval(a)) if r is None else instantiate(r)
                for a, r, lin in zip(in_avals, res, linear_mask) if lin]

    jaxpr = staging.trace_to_jaxpr(fun, known_avals + ct_avals)
    return _closed_without_consts(jaxpr)


def dce_jaxpr(jaxpr, used_outputs, keep_inputs=None):
    """A ClosedJaxpr of ``jaxpr`` computing only the outputs marked used, from the inputs not
    dropped by ``keep_inputs`` (a mask of inputs to remove, or None to keep them all)."""
    outvars = [v for v, u in zip(jaxpr.outvars, used_outputs, strict=True) if u]
    needed = {v for v in outvars if type(v) is not Literal}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in needed for v in eqn.outvars):
            eqns.append(eqn)
            needed.update(v for v in eqn.invars if type(v) is not Literal)
    eqns.reverse()
    invars = jaxpr.invars if keep_inputs is None else [
        v for v, drop in zip(jaxpr.invars, keep_inputs, strict=True) if not drop]
    return core.ClosedJaxpr(core.Jaxpr([], invars, outvars, eqns), [])

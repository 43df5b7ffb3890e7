"""Jaxpr-to-jaxpr optimisations run before fusion, each linear in the program's size.

``optimize(jaxpr)`` (for a const-free jaxpr whose invars are its constants then arguments):

1. inlining: equations of call primitives (``jit``, ``custom_jvp_call``, ``custom_vjp_call``)
   are replaced by their programs' equations (recursively), so fusion sees across them;
2. one forward pass doing, per equation: substitution of aliases, simplification (converts to
   the same dtype, reshapes/broadcasts to the same shape, identity transposes and transposes of
   transposes, stop_gradient, x / c -> x * (1/c) for a float literal c, as XLA rewrites it),
   constant folding (inputs all literals or folded constants: evaluated now with the impl,
   up to FOLD_LIMIT elements) and common-subexpression elimination (key: primitive, params,
   inputs);
3. dead-code elimination (equations of ``effectful`` primitives are always kept).

The result is a Jaxpr whose constvars are the folded (non-scalar) constants, returned with their
values; scalar results of folding become literals.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from pyjax._src import core
from pyjax._src.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

FOLD_LIMIT = 1 << 17   # elements: larger constants are computed at run time (in kernels)
_CALLS = {"jit": "jaxpr", "custom_jvp_call": "call_jaxpr", "custom_vjp_call": "call_jaxpr"}


def _literal(value, aval):
    return Literal(np.asarray(value, aval.dtype), aval.strip_weak_type()
                   if not aval.weak_type else aval)


def _lit_key(lit):
    val = np.asarray(lit.val)
    return ("lit", val.dtype.str, val.tobytes(), lit.aval.weak_type)


class _Optimizer:
    def __init__(self):
        self.alias = {}        # var -> atom (Var or Literal)
        self.consts = {}       # var -> np.ndarray (folded, non-scalar)
        self.cse = {}
        self.producer = {}     # var -> eqn (kept equations)
        self.eqns = []
        self.expand_small_dots = False

    # -- atoms ------------------------------------------------------------------------------
    def atom(self, v):
        if type(v) is Literal:
            return v
        while True:
            a = self.alias.get(v)
            if a is None:
                return v
            v = a
            if type(v) is Literal:
                return v

    def bind_const(self, var, value):
        value = np.asarray(value)
        if value.dtype != var.aval.dtype:
            value = value.astype(var.aval.dtype)
        if value.shape == () and value.dtype.kind != "V":
            self.alias[var] = _literal(value, var.aval)
        else:
            self.consts[var] = value

    # -- the pass ---------------------------------------------------------------------------
    def run(self, jaxpr):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for eqn in jaxpr.eqns:
                self.process(eqn)

    def process(self, eqn):
        prim = eqn.primitive
        invars = [self.atom(v) for v in eqn.invars]
        call_param = _CALLS.get(prim.name)
        if call_param is not None and isinstance(eqn.params.get(call_param), ClosedJaxpr):
            self.inline(eqn.params[call_param], invars, eqn.outvars)
            return
        if self.expand_small_dots and prim.name == "dot_general":
            from pyjax._src.compiler import small_dots
            closed = small_dots.expansion(eqn)
            if closed is not None:
                self.inline(closed, invars, eqn.outvars)
                return
        out = self.simplify(eqn, invars)
        if out is not None:
            self.alias[eqn.outvars[0]] = out
            return
        effectful = getattr(prim, "effectful", False)
        if not effectful and self.fold(eqn, invars):
            return
        eqn = eqn.replace(invars=invars) if invars != list(eqn.invars) else eqn
        eqn = self.rewrite(eqn)
        key = None if effectful else self.cse_key(eqn)
        if key is not None:
            prev = self.cse.get(key)
            if prev is not None:
                for o, p in zip(eqn.outvars, prev.outvars):
                    self.alias[o] = p
                return
            self.cse[key] = eqn
        for o in eqn.outvars:
            self.producer[o] = eqn
        self.eqns.append(eqn)

    def inline(self, closed, invars, outvars):
        inner = closed.jaxpr
        for v, c in zip(inner.constvars, closed.consts, strict=True):
            self.bind_const(v, getattr(c, "_value", c))
        for v, a in zip(inner.invars, invars, strict=True):
            self.alias[v] = a
        for eqn in inner.eqns:
            # Fresh output variables: the same jaxpr may be inlined several times.
            fresh = [Var(o.aval) for o in eqn.outvars]
            for o, n in zip(eqn.outvars, fresh):
                self.alias[o] = n
            self.process(eqn.replace(outvars=fresh))
        for o, v in zip(outvars, inner.outvars, strict=True):
            self.alias[o] = self.atom(v)

    # -- simplification -----------------------------------------------------------------------
    def simplify(self, eqn, invars):
        """An atom equal to the (single) output, or None."""
        name = eqn.primitive.name
        p = eqn.params
        if eqn.primitive.multiple_results or not invars:
            return None
        x = invars[0]
        xa = x.aval
        out = eqn.outvars[0].aval
        same = xa.shape == out.shape and xa.dtype == out.dtype
        if not same:
            return None
        if name == "convert_element_type" or name == "stop_gradient":
            return x
        if name == "reshape" and p.get("dimensions") is None:
            return x
        if name == "broadcast_in_dim" and tuple(p["broadcast_dimensions"]) == tuple(
                range(len(out.shape))):
            return x
        if name == "squeeze" and not p["dimensions"]:
            return x
        if name == "transpose":
            perm = tuple(p["permutation"])
            if perm == tuple(range(len(perm))):
                return x
        return None

    def rewrite(self, eqn):
        """Equation-level rewrites that keep the equation count."""
        name = eqn.primitive.name
        if name == "div" and type(eqn.invars[1]) is Literal and \
                eqn.invars[1].aval.dtype.kind in "fc" and \
                eqn.invars[0].aval.dtype == eqn.invars[1].aval.dtype:
            from pyjax._src.primitives.elementwise import mul_p
            c = eqn.invars[1]
            with np.errstate(all="ignore"):
                recip = np.reciprocal(np.asarray(c.val))
            return eqn.replace(primitive=mul_p, params={},
                               invars=[eqn.invars[0], Literal(recip, c.aval)])
        if name == "div" and type(eqn.invars[1]) is not Literal and \
                eqn.invars[1].aval.dtype.kind in "fc":
            # As XLA (and div's impl): a / b with b broadcast (smaller) is a * (1 / b), the
            # reciprocal computed on b's shape.
            x, y = eqn.invars
            ysize = int(np.prod(y.aval.shape, dtype=np.int64))
            xsize = int(np.prod(x.aval.shape, dtype=np.int64))
            if y.aval.shape != x.aval.shape and ysize < xsize:
                from pyjax._src.primitives.elementwise import mul_p
                r = Var(y.aval)
                one = Literal(np.asarray(1, y.aval.dtype), core.ShapedArray((), y.aval.dtype))
                self.process(JaxprEqn([one, y], [r], eqn.primitive, {}, eqn.source))
                return eqn.replace(primitive=mul_p, params={}, invars=[x, self.atom(r)])
        if name == "transpose" and type(eqn.invars[0]) is not Literal:
            prev = self.producer.get(eqn.invars[0])
            if prev is not None and prev.primitive is eqn.primitive:
                p1, p2 = prev.params["permutation"], eqn.params["permutation"]
                perm = tuple(p1[i] for i in p2)
                return eqn.replace(invars=[prev.invars[0]], params={"permutation": perm})
        return eqn

    # -- constant folding ---------------------------------------------------------------------
    def fold(self, eqn, invars):
        """Evaluate ``eqn`` now if all its inputs are known (effectful ones never reach here)."""
        prim = eqn.primitive
        if not invars and prim.name != "iota":
            return False
        consts = self.consts
        vals = []
        for a in invars:
            v = np.asarray(a.val) if type(a) is Literal else consts.get(a)
            if v is None:
                return False
            vals.append(v)
        outvars = eqn.outvars
        size = (math.prod(outvars[0].aval.shape) if len(outvars) == 1 else
                sum(math.prod(o.aval.shape) for o in outvars))
        if size > FOLD_LIMIT or prim.impl is None:
            return False
        try:  # (run() silences NumPy's floating-point warnings for the whole pass)
            out = prim.impl(*vals, **eqn.params)
        except Exception:  # leave the error (if any) to run time
            return False
        outs = out if prim.multiple_results else (out,)
        for o, val in zip(outvars, outs):
            if np.shape(val) != o.aval.shape:
                return False
        for o, val in zip(outvars, outs):
            self.bind_const(o, val)
        return True

    # -- CSE ------------------------------------------------------------------------------------
    def cse_key(self, eqn):
        ins = tuple(_lit_key(a) if type(a) is Literal else a for a in eqn.invars)
        try:
            params = tuple(sorted(eqn.params.items()))
            key = (eqn.primitive, params, ins)
            hash(key)
        except TypeError:
            return None
        return key


def optimize(jaxpr, known=None, expand_small_dots=False):
    """(optimised Jaxpr, folded constant values) of a const-free jaxpr; see the module doc.

    ``known``: {input var: value} of inputs whose values are fixed (a jit's constants): scalars
    become literals; arrays can be folded with, and stay inputs otherwise.
    ``expand_small_dots``: small dot_generals become kernel-friendly sums (small_dots.py).
    """
    opt = _Optimizer()
    opt.expand_small_dots = expand_small_dots
    for v, val in (known or {}).items():
        val = np.asarray(getattr(val, "_value", val))
        if val.dtype == v.aval.dtype and val.shape == v.aval.shape:
            opt.bind_const(v, val)
    opt.run(jaxpr)
    outvars = [opt.atom(v) for v in jaxpr.outvars]
    # Dead-code elimination.
    live = {v for v in outvars if type(v) is not Literal}
    kept = []
    for eqn in reversed(opt.eqns):
        if any(o in live for o in eqn.outvars) or getattr(eqn.primitive, "effectful", False):
            kept.append(eqn)
            for v in eqn.invars:
                if type(v) is not Literal:
                    live.add(v)
    kept.reverse()
    in_vars = list(jaxpr.constvars) + list(jaxpr.invars)  # a jaxpr's inputs, in call order
    inputs = set(in_vars)
    const_vars = [v for v in opt.consts if v in live and v not in inputs]
    out = Jaxpr(const_vars, in_vars, outvars, kept)
    return out, [opt.consts[v] for v in const_vars]


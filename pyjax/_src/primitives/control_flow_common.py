"""Shared machinery of the control-flow primitives (cond, while, scan).

- Tracing user functions to const-free jaxprs (closed-over values become leading inputs, as JAX's
  "initial style" jaxprs), with common constants for the branches of a cond.
- JAX's type checks and error texts for branch outputs and loop carries.
- Small jaxpr surgery (forwarding, pruning, dead-code elimination, reordering binders).
- The trace-level partial evaluation of a primitive through its jaxpr-level split rule
  (ad.partial_eval_jaxpr_rules), so each primitive writes its split once.
"""
from __future__ import annotations

import inspect
import weakref

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.core import ClosedJaxpr, DropVar, Jaxpr, JaxprEqn, Literal, Var
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import staging


# ----------------------------------------------------------------------------------------------
# Tracing user functions


def _arg_names(fun, args):
    """Names of the flattened leaves of ``args`` as error messages show them (c, x[0], ...)."""
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, a in enumerate(args):
        base = params[i] if i < len(params) else f"args[{i}]"
        for path, _ in tree_util.tree_flatten_with_path(a)[0]:
            names.append(base + tree_util.keystr(path))
    return names


def trace_fun(fun, in_tree, in_avals, traced_for, example_args=None):
    """Trace ``fun(*tree_unflatten(in_tree, leaves))`` at ``in_avals``.

    Returns (Jaxpr with the closed-over constants as leading invars, constants, out_tree).
    """
    out_tree_box = []

    def flat(*xs):
        args = tree_util.tree_unflatten(in_tree, xs)
        out = fun(*args)
        leaves, tree = tree_util.tree_flatten(out)
        for leaf in leaves:
            if not core.valid_jaxtype(leaf):
                raise TypeError(f"Value {leaf!r} with type {type(leaf)} is not a valid JAX type")
        out_tree_box.append(tree)
        return leaves

    names = _arg_names(fun, example_args) if example_args is not None else None
    info = staging.make_debug_info(fun, names, traced_for)
    closed = staging.trace_to_jaxpr(flat, list(in_avals), info)
    return staging.hoist_consts(closed), list(closed.consts), out_tree_box[0]


def trace_branches(funs, in_tree, in_avals, traced_for, example_args=None):
    """Trace several functions of the same inputs to ClosedJaxprs sharing their constants.

    Returns (const-free ClosedJaxprs taking (all constants..., inputs...), constants, out_trees).
    The constants are concatenated in branch order and de-duplicated by identity, as JAX does.
    """
    traced = [trace_fun(f, in_tree, in_avals, traced_for, example_args) for f in funs]
    consts, index = [], {}
    for _, cs, _ in traced:
        for c in cs:
            if id(c) not in index:
                index[id(c)] = len(consts)
                consts.append(c)
    closed = []
    for jaxpr, cs, _ in traced:
        slots = [None] * len(consts)
        for v, c in zip(jaxpr.invars[:len(cs)], cs):
            slots[index[id(c)]] = v
        slots = [v if v is not None else Var(core.get_aval(consts[i]))
                 for i, v in enumerate(slots)]
        closed.append(ClosedJaxpr(Jaxpr([], slots + jaxpr.invars[len(cs):], jaxpr.outvars,
                                        jaxpr.eqns), []))
    return closed, consts, [t for _, _, t in traced]


def join_consts(pairs):
    """Make several (const-free ClosedJaxpr, consts) pairs take the same leading constants.

    Each jaxpr's consts are its leading inputs; the result jaxprs all take the concatenation of
    every jaxpr's consts (ignoring the others'). Returns (ClosedJaxprs, all consts).
    """
    all_consts = [c for _, cs in pairs for c in cs]
    if not all_consts:
        return [cj for cj, _ in pairs], []
    out, start = [], 0
    for cj, cs in pairs:
        jaxpr = cj.jaxpr
        n = len(cs)
        slots = []
        for i, c in enumerate(all_consts):
            if start <= i < start + n:
                slots.append(jaxpr.invars[i - start])
            else:
                slots.append(Var(core.get_aval(c)))
        out.append(ClosedJaxpr(Jaxpr([], slots + jaxpr.invars[n:], jaxpr.outvars, jaxpr.eqns),
                               []))
        start += n
    return out, all_consts


def as_closed(jaxpr):
    return ClosedJaxpr(jaxpr, [])


# ----------------------------------------------------------------------------------------------
# Type checks with JAX's messages


def typematch(a, b):
    """Equal shapes and dtypes (weak types may differ), as JAX's core.typematch."""
    return a.shape == b.shape and a.dtype == b.dtype


def _show_diff(a1, a2):
    # JAX's avals print as ShapedArray(float32[3]) in these messages.
    return f"{a1!r}" if typematch(a1, a2) else f"DIFFERENT {a1!r} vs. {a2!r}"


class ReprAval:
    """An aval that formats as JAX's (``ShapedArray(float32[])``) inside messages."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return repr(self.aval)

    __str__ = __repr__


def check_tree_and_avals(what1, tree1, avals1, what2, tree2, avals2):
    """TypeError (JAX's text) unless (tree1, avals1) and (tree2, avals2) match."""
    if tree1 != tree2:
        msg = [f"{what1} must have same type structure as {what2}, but there are differences: "]
        for path, thing1, thing2, explanation in tree_util.equality_errors_pytreedef(tree1,
                                                                                     tree2):
            msg.append(f"    * at output{tree_util.keystr(tuple(path))}, {what1} has {thing1} "
                       f"and {what2} has {thing2}, so {explanation}")
        raise TypeError("\n".join(msg))
    if not all(typematch(a, b) for a, b in zip(avals1, avals2)):
        diff = tree_util.tree_map(_show_diff, tree_util.tree_unflatten(tree1, list(avals1)),
                                  tree_util.tree_unflatten(tree2, list(avals2)))
        raise TypeError(f"{what1} and {what2} must have identical types, got\n{diff}.")


def _capitalize(s):
    return s[0].upper() + s[1:]


def aval_mismatch_extra(a1, a2):
    dtype_mismatch = a1.dtype != a2.dtype
    shape_mismatch = a1.shape != a2.shape
    return (", so " * (dtype_mismatch or shape_mismatch)
            + "the dtypes do not match" * dtype_mismatch
            + " and also " * (dtype_mismatch and shape_mismatch)
            + "the shapes do not match" * shape_mismatch)


def _join_differences(diffs):
    if len(diffs) == 1:
        return f"{_capitalize(diffs[0])}.\n"
    return "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n"


def check_carry_type(name, body_fun, in_carry, out_carry_tree, out_avals):
    """TypeError (JAX's text) unless the carry output has the carry input's structure/types."""
    try:
        sig = inspect.signature(body_fun)
    except (ValueError, TypeError):
        sig = None
    carry_name = sig and next(iter(sig.parameters), None)
    if carry_name:
        def component(p):
            return (f"the input carry component {carry_name}{tree_util.keystr(p)}" if p
                    else f"the input carry {carry_name}")
    else:
        def component(p):
            return (f"the input carry at path {tree_util.keystr(p)}" if p
                    else "the input carry")
    leaves_and_paths, in_carry_tree = tree_util.tree_flatten_with_path(in_carry)
    paths = [p for p, _ in leaves_and_paths]
    in_avals = [core.get_aval(x) for _, x in leaves_and_paths]
    if in_carry_tree != out_carry_tree:
        try:
            out_carry = tree_util.tree_unflatten(out_carry_tree, list(out_avals))
        except Exception:  # noqa: BLE001 (JAX: any failure means "show the structures")
            out_carry = None
        if out_carry is None:
            differences = (f"the input tree structure is:\n{in_carry_tree}\n"
                           f"the output tree structure is:\n{out_carry_tree}\n")
        else:
            diffs = [f"{component(path)} is a {thing1} but the corresponding component of the "
                     f"carry output is a {thing2}, so {explanation}"
                     for path, thing1, thing2, explanation
                     in tree_util.equality_errors(in_carry, out_carry)]
            if not diffs:
                return
            differences = _join_differences(diffs)
        raise TypeError(
            f"{name} function carry input and carry output must have the same pytree "
            f"structure, but they differ:\n\n{differences}\n"
            "Revise the function so that the carry output has the same pytree structure as "
            "the carry input.")
    if not all(typematch(a, b) for a, b in zip(in_avals, out_avals)):
        diffs = [f"{component(path)} has type {a.str_short(short_dtypes=False)} but the "
                 "corresponding output carry component has type "
                 f"{b.str_short(short_dtypes=False)}{aval_mismatch_extra(a, b)}"
                 for path, a, b in zip(paths, in_avals, out_avals) if not typematch(a, b)]
        raise TypeError(
            f"{name} function carry input and carry output must have equal types, but they "
            f"differ:\n\n{_join_differences(diffs)}\n"
            "Revise the function so that all output types match the corresponding input types.")


def promote_weak_typed_inputs(in_vals, in_avals, out_avals):
    """Convert weakly typed carry inputs whose type the body changes (JAX's rule).

    Returns (new input values, whether any changed)."""
    if len(in_vals) != len(in_avals) or len(in_avals) != len(out_avals):
        return in_vals, False
    mismatched = [i for i, (a, b) in enumerate(zip(in_avals, out_avals))
                  if a.weak_type and not typematch(a, b)]
    if not mismatched:
        return in_vals, False
    from pyjax._src.primitives import structural
    in_vals = list(in_vals)
    for i in mismatched:
        new_dtype = dtypes.result_type(in_vals[i], out_avals[i])
        in_vals[i] = structural.convert(in_vals[i], new_dtype, False)
    return in_vals, True


# ----------------------------------------------------------------------------------------------
# Jaxpr surgery


def forwarding(jaxpr):
    """For each output, the index of the input it returns unchanged, or None."""
    index = {v: i for i, v in enumerate(jaxpr.invars)}
    return [None if type(v) is Literal else index.get(v) for v in jaxpr.outvars]


def has_effects(jaxpr):
    """Whether ``jaxpr`` (or a sub-jaxpr) binds a primitive with side effects (callbacks)."""
    for eqn in jaxpr.eqns:
        if getattr(eqn.primitive, "effectful", False):
            return True
        for p in eqn.params.values():
            subs = p if isinstance(p, tuple) else (p,)
            for s in subs:
                if isinstance(s, ClosedJaxpr) and has_effects(s.jaxpr):
                    return True
    return False


def dce(jaxpr, used_outputs=None):
    """``jaxpr`` keeping only the used outputs and the equations they (or effects) need."""
    outvars = (jaxpr.outvars if used_outputs is None
               else [v for v, u in zip(jaxpr.outvars, used_outputs, strict=True) if u])
    live = {v for v in outvars if type(v) is not Literal}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        effectful = getattr(eqn.primitive, "effectful", False) or any(
            isinstance(s, ClosedJaxpr) and has_effects(s.jaxpr)
            for p in eqn.params.values() for s in (p if isinstance(p, tuple) else (p,)))
        if effectful or any(v in live for v in eqn.outvars):
            eqns.append(eqn)
            live.update(v for v in eqn.invars if type(v) is not Literal)
    eqns.reverse()
    return Jaxpr([], jaxpr.invars, outvars, eqns)


def used_inputs(jaxpr):
    """Which inputs the outputs (or effects) of ``jaxpr`` read."""
    pruned = dce(jaxpr)
    read = {v for e in pruned.eqns for v in e.invars if type(v) is not Literal}
    read.update(v for v in pruned.outvars if type(v) is not Literal)
    return [v in read for v in jaxpr.invars]


def move_binders_to_front(jaxpr, to_move):
    """``jaxpr`` whose inputs marked in ``to_move`` come first (order otherwise kept)."""
    moved = [v for v, m in zip(jaxpr.invars, to_move, strict=True) if m]
    rest = [v for v, m in zip(jaxpr.invars, to_move) if not m]
    return Jaxpr([], moved + rest, jaxpr.outvars, jaxpr.eqns)


def with_invars(jaxpr, invars):
    return Jaxpr([], invars, jaxpr.outvars, jaxpr.eqns)


def with_outvars(jaxpr, outvars):
    return Jaxpr([], jaxpr.invars, outvars, jaxpr.eqns)


def _interpret(jaxpr):
    """Run ``jaxpr`` with each primitive's impl (when no compiler is registered)."""
    def run(bufs):
        env = dict(zip(jaxpr.constvars + jaxpr.invars, bufs, strict=True))

        def read(v):
            return v.val if type(v) is Literal else env[v]

        for eqn in jaxpr.eqns:
            outs = eqn.primitive.impl(*[read(v) for v in eqn.invars], **eqn.params)
            if not eqn.primitive.multiple_results:
                outs = (outs,)
            env.update(zip(eqn.outvars, outs, strict=True))
        return [read(v) for v in jaxpr.outvars]
    return run


def executor(closed):
    """A callable running ``closed`` on a list of NumPy buffers (through the compiler)."""
    compile_ = core.jaxpr_executor
    exe = compile_(closed.jaxpr) if compile_ is not None else _interpret(closed.jaxpr)
    consts = list(closed.consts)
    if consts:
        return lambda bufs: exe(consts + bufs)
    return exe


# ----------------------------------------------------------------------------------------------
# Caching derived jaxprs (per jaxpr object and transformation mask)

_derived = weakref.WeakKeyDictionary()


def cached(kind, jaxprs, key, build):
    """``build()`` once per (``jaxprs`` objects, kind, key)."""
    jaxprs = tuple(jaxprs)
    table = _derived.setdefault(jaxprs[0], {})
    entry = table.get((kind, key, len(jaxprs)))
    # The other jaxprs are held weakly: a strong reference from the value would keep the key
    # (and the whole entry) alive forever.
    if entry is not None and all(r() is j for r, j in zip(entry[0], jaxprs)):
        return entry[1]
    result = build()
    table[(kind, key, len(jaxprs))] = (tuple(weakref.ref(j) for j in jaxprs), result)
    return result


# ----------------------------------------------------------------------------------------------
# Transformation helpers


def nonzero_tangent(t):
    """False for symbolic zeros and float0 tangents (integer inputs carry no derivative)."""
    return type(t) is not ad.Zero and core.get_aval(t).dtype != dtypes.float0


def uses_axis(jaxprs, axis_name):
    """Whether a collective inside the jaxprs (or their sub-jaxprs) names ``axis_name``."""
    if axis_name is None:
        return False
    for j in jaxprs:
        for eqn in j.jaxpr.eqns:
            names = eqn.params.get("axis_name")
            if names is not None and axis_name in (names if isinstance(names, tuple)
                                                   else (names,)):
                return True
            for v in eqn.params.values():
                subs = v if isinstance(v, tuple) else (v,)
                if uses_axis([s for s in subs if isinstance(s, ClosedJaxpr)], axis_name):
                    return True
    return False


def register_jit_for_splitting():
    """Make partial_eval_jaxpr split jit equations nested in control-flow bodies (the jit
    primitive lives in api.py, which primitives may not import)."""
    jit_p = core.all_primitives.get("jit")
    if jit_p is not None:
        ad.call_primitives.add(jit_p)


def partial_eval_jaxpr(jaxpr, unknowns, instantiate=False):
    """ad.partial_eval_jaxpr with nested jits split too."""
    register_jit_for_splitting()
    return ad.partial_eval_jaxpr(jaxpr, list(unknowns), None, instantiate)


def partial_eval_by_jaxpr_rule(prim):
    """The PartialEvalTrace rule of ``prim`` built from its jaxpr-level split rule: the known
    equation runs now on the parent trace, the unknown one is staged."""
    def rule(trace, args, unknown, params):
        avals = [core.get_aval(a) for a in args]
        invars = [Var(a) for a in avals]
        outvars = [Var(a) for a in prim.abstract_eval(*avals, **params)]
        eqn = JaxprEqn(invars, outvars, prim, params)
        split = ad.partial_eval_jaxpr_rules[prim](eqn, list(unknown))
        if split is None:
            return staging.DynamicJaxprTrace.process_primitive(trace, prim, args, params)
        k_eqn, u_eqn, _ = split
        env = dict(zip(invars, args))

        def read(v):
            return core._wrap(v.val, v.aval.weak_type) if type(v) is Literal else env[v]

        if k_eqn is not None:
            with core.set_current_trace(trace.parent):
                outs = k_eqn.primitive.bind(*[read(v) for v in k_eqn.invars], **k_eqn.params)
            env.update(zip(k_eqn.outvars, outs))
        u_outs = staging.DynamicJaxprTrace.process_primitive(
            trace, u_eqn.primitive, [read(v) for v in u_eqn.invars], u_eqn.params)
        env.update((v, o) for v, o in zip(u_eqn.outvars, u_outs) if type(v) is not DropVar)
        return [env[v] for v in outvars]
    return rule


def zeros(aval):
    """A zero array of ``aval`` built by primitives (a staged broadcast, never a constant)."""
    from pyjax._src.primitives import structural
    if aval.dtype == dtypes.float0:
        return core._wrap(np.zeros(aval.shape, dtypes.float0), False)
    zero = np.zeros((), aval.dtype)  # a NumPy scalar: a literal in jaxprs
    if not aval.shape:
        return zero
    return structural.broadcast_in_dim(zero, aval.shape, ())

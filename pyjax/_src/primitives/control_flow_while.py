"""The while primitive: lax.while_loop and lax.fori_loop.

``while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=, body_jaxpr=, cond_nconsts=,
body_nconsts=)`` runs ``carry = body(body_consts, carry)`` while ``cond(cond_consts, carry)``.
Rules follow JAX's (jax/_src/lax/control_flow/loops.py):
- jvp: the tangents of the carry ride along (a fixed point decides which are nonzero);
- partial evaluation: the known carries are computed by a known loop, the unknown ones by the
  whole loop staged (so linearize works), and transposition raises JAX's error;
- vmap: a batched predicate runs until every element is done, each element keeping its carry
  once its own predicate is false.
``fori_loop`` with concrete bounds is a scan (so reverse mode works), otherwise a while loop.
"""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.config import config
from pyjax._src.core import DropVar, JaxprEqn, Primitive
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging
from pyjax._src.primitives import control_flow_common as cf
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions
from pyjax._src.primitives import structural


# ----------------------------------------------------------------------------------------------
# The primitive


while_p = Primitive("while", multiple_results=True)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts = list(args[:cond_nconsts])
    body_consts = list(args[cond_nconsts:cond_nconsts + body_nconsts])
    carry = list(args[cond_nconsts + body_nconsts:])
    cond_run, body_run = cf.executor(cond_jaxpr), cf.executor(body_jaxpr)
    while cond_run(cond_consts + carry)[0]:
        carry = list(body_run(body_consts + carry))
    return [np.asarray(c) for c in carry]


def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    n_carry = len(avals) - cond_nconsts - body_nconsts
    if len(cond_jaxpr.in_avals) != cond_nconsts + n_carry:
        raise TypeError(f"while_loop len(cond_jaxpr.in_avals)={len(cond_jaxpr.in_avals)} but "
                        f"len(cond_consts_avals) + len(in_avals)={cond_nconsts + n_carry}")
    if len(body_jaxpr.in_avals) != body_nconsts + n_carry:
        raise TypeError(f"while_loop len(body_jaxpr.in_avals)={len(body_jaxpr.in_avals)} but "
                        f"len(body_consts_avals) + len(in_avals)={body_nconsts + n_carry}")
    return list(body_jaxpr.out_avals)


while_p.opt_outs["codegen"] = "a loop over compiled bodies: the compiler runs the impl"
while_p.impl = _while_impl
while_p.abstract_eval = _while_abstract_eval
while_p.weak_type_rule = lambda flags, params: [
    a.weak_type for a in params["body_jaxpr"].out_avals]


def _split3(xs, n1, n2):
    return list(xs[:n1]), list(xs[n1:n1 + n2]), list(xs[n1 + n2:])


# ----------------------------------------------------------------------------------------------
# jvp


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nonzeros = [cf.nonzero_tangent(t) for t in tangents]
    _, bconst_nz, init_nz = _split3(nonzeros, cond_nconsts, body_nconsts)
    n_carry = len(init_nz)

    def build():
        carry_nz = init_nz
        for _ in range(1 + n_carry):  # fixed point: a carry is nonzero if its update can be
            (jvp, consts), nz_out = ad.jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz,
                                                 instantiate=carry_nz)
            if nz_out == carry_nz:
                break
            carry_nz = list(map(operator.or_, carry_nz, nz_out))
        else:
            raise AssertionError("fixed point not reached")
        n_bdot, n_cdot = sum(bconst_nz), sum(carry_nz)
        # jvp takes (consts, bconsts, carry, bconsts_dot, carry_dot) and returns (carry,
        # carry_dot); the loop wants (consts, bconsts, bconsts_dot, carry, carry_dot).
        inv = jvp.jaxpr.invars
        nc = len(consts)
        b = inv[nc:nc + body_nconsts]
        c = inv[nc + body_nconsts:nc + body_nconsts + n_carry]
        bd = inv[nc + body_nconsts + n_carry:nc + body_nconsts + n_carry + n_bdot]
        cd = inv[nc + body_nconsts + n_carry + n_bdot:]
        assert len(cd) == n_cdot
        body = cf.as_closed(cf.with_invars(jvp.jaxpr, inv[:nc] + b + bd + c + cd))
        cond_inv = cond_jaxpr.jaxpr.invars + [core.Var(ad.tangent_aval(a))
                                              for a, nz in zip(body_jaxpr.out_avals, carry_nz)
                                              if nz]
        cond = cf.as_closed(cf.with_invars(cond_jaxpr.jaxpr, cond_inv))
        return body, consts, cond, carry_nz

    body, consts, cond, carry_nz = cf.cached("jvp", [body_jaxpr, cond_jaxpr],
                                             tuple(nonzeros), build)
    cconst, bconst, init = _split3(primals, cond_nconsts, body_nconsts)
    _, bconst_dot, init_dot = _split3(tangents, cond_nconsts, body_nconsts)
    bconst_dot = [t for t, nz in zip(bconst_dot, bconst_nz) if nz]
    init_dot = [ad.instantiate(t) if cf.nonzero_tangent(t) else
                ad.zeros_like_aval(ad.tangent_aval(core.get_aval(p)))
                for p, t, nz in zip(init, init_dot, carry_nz) if nz]
    outs = while_p.bind(*cconst, *consts, *bconst, *bconst_dot, *init, *init_dot,
                        cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                        body_nconsts=len(consts) + len(bconst) + len(bconst_dot))
    carry, carry_dot = outs[:n_carry], iter(outs[n_carry:])
    return carry, [next(carry_dot) if nz else ad.Zero(ad.tangent_aval(a))
                   for nz, a in zip(carry_nz, body_jaxpr.out_avals)]


while_p.jvp = _while_jvp


# ----------------------------------------------------------------------------------------------
# Partial evaluation: known carries by a known loop; unknown ones by the whole loop.


def _while_split(cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, unknowns):
    cconst_uk, bconst_uk, carry_uk = _split3(unknowns, cond_nconsts, body_nconsts)
    for _ in range(1 + len(carry_uk)):
        known, _, out_uk, _ = cf.partial_eval_jaxpr(body_jaxpr.jaxpr, bconst_uk + carry_uk,
                                                    instantiate=carry_uk)
        if out_uk == carry_uk:
            break
        carry_uk = list(map(operator.or_, carry_uk, out_uk))
    else:
        raise AssertionError("fixed point not reached")
    cond_known, _, (cond_uk,), _ = cf.partial_eval_jaxpr(cond_jaxpr.jaxpr,
                                                         cconst_uk + carry_uk)
    if cond_uk or all(carry_uk):
        return None
    n_known = len(carry_uk) - sum(carry_uk)
    body_k = cf.as_closed(cf.dce(cf.with_outvars(known.jaxpr, known.jaxpr.outvars[:n_known])))
    cond_k = cf.as_closed(cf.dce(cf.with_outvars(cond_known.jaxpr,
                                                 cond_known.jaxpr.outvars[:1])))
    return cond_k, body_k, cconst_uk + bconst_uk + carry_uk, carry_uk


def _while_partial_eval_jaxpr(eqn, unknowns):
    p = eqn.params
    split = cf.cached("pe", [p["body_jaxpr"], p["cond_jaxpr"]], tuple(unknowns),
                      lambda: _while_split(p["cond_jaxpr"], p["body_jaxpr"], p["cond_nconsts"],
                                           p["body_nconsts"], unknowns))
    if split is None:
        return None
    cond_k, body_k, in_uk, carry_uk = split
    cconst_uk, bconst_uk, _ = _split3(in_uk, p["cond_nconsts"], p["body_nconsts"])
    k_eqn = JaxprEqn([v for v, u in zip(eqn.invars, in_uk) if not u],
                     [v for v, u in zip(eqn.outvars, carry_uk) if not u], while_p,
                     dict(cond_jaxpr=cond_k, body_jaxpr=body_k,
                          cond_nconsts=len(cconst_uk) - sum(cconst_uk),
                          body_nconsts=len(bconst_uk) - sum(bconst_uk)))
    # The whole loop recomputes the known carries too (JAX: no residuals can be saved).
    u_eqn = eqn.replace(outvars=[v if u else DropVar(v.aval)
                                 for v, u in zip(eqn.outvars, carry_uk)])
    return k_eqn, u_eqn, carry_uk


ad.partial_eval_jaxpr_rules[while_p] = _while_partial_eval_jaxpr
while_p.partial_eval = cf.partial_eval_by_jaxpr_rule(while_p)


def _while_transpose_error(*_, **__):
    raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                     "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or "
                     "using fori_loop with static start/stop.")


while_p.transpose = _while_transpose_error


# ----------------------------------------------------------------------------------------------
# vmap


def _pred_select(pred, new, old):
    shape = core.get_aval(new).shape
    if core.get_aval(pred).shape != shape:
        pred = structural.broadcast_in_dim(pred, shape, (0,))
    return ew.select_n_p.bind(pred, old, new)


def _while_batch(trace, vals, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    size, name = trace.axis_size, trace.axis_name
    params = dict(cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr, cond_nconsts=cond_nconsts,
                  body_nconsts=body_nconsts)
    if all(d is None for d in dims) and not cf.uses_axis([cond_jaxpr, body_jaxpr], name):
        return while_p.bind(*vals, **params), [None] * len(body_jaxpr.out_avals)
    batched = [d is not None for d in dims]
    cconst_b, bconst_b, init_b = _split3(batched, cond_nconsts, body_nconsts)

    def build():
        carry_b = init_b
        for _ in range(1 + len(carry_b)):
            _, out_b = batching.batch_jaxpr(body_jaxpr, bconst_b + carry_b, size, name,
                                            instantiate=carry_b)
            if out_b == carry_b:
                break
            carry_b = list(map(operator.or_, carry_b, out_b))
        (pred_b,) = batching.batch_jaxpr(cond_jaxpr, cconst_b + carry_b, size, name)[1]
        if not pred_b:
            body = batching.batch_jaxpr(body_jaxpr, bconst_b + carry_b, size, name,
                                        instantiate=carry_b)[0]
            cond = batching.batch_jaxpr(cond_jaxpr, cconst_b + carry_b, size, name)[0]
            return False, carry_b, cond, body
        # A batched predicate: every carry is batched, the loop runs while any element's
        # predicate holds, and elements whose predicate is false keep their carry.
        carry_b = [True] * len(carry_b)
        (cj, cconsts), _ = batching.batch_jaxpr(cond_jaxpr, cconst_b + carry_b, size, name)
        (bj, bconsts), _ = batching.batch_jaxpr(body_jaxpr, bconst_b + carry_b, size, name,
                                                instantiate=True)
        in_avals = cj.in_avals[len(cconsts):]
        n_cc = cond_nconsts

        def new_cond(*args):
            pred, = core.eval_jaxpr(cj.jaxpr, [], *cconsts, *args)
            return [reductions.reduce_or(pred, (0,))]

        def new_body(*args):
            cc, rest = args[:n_cc], args[n_cc:]
            bc, carry = rest[:body_nconsts], rest[body_nconsts:]
            pred, = core.eval_jaxpr(cj.jaxpr, [], *cconsts, *cc, *carry)
            new = core.eval_jaxpr(bj.jaxpr, [], *bconsts, *bc, *carry)
            return [_pred_select(pred, n, o) for n, o in zip(new, carry)]

        cond = staging.trace_to_jaxpr(new_cond, in_avals)
        body_avals = in_avals[:n_cc] + bj.in_avals[len(bconsts):]
        body = staging.trace_to_jaxpr(new_body, body_avals)
        return (True, carry_b, (cf.as_closed(staging.hoist_consts(cond)), cond.consts),
                (cf.as_closed(staging.hoist_consts(body)), body.consts))

    pred_b, carry_b, (cj, cconsts), (bj, bconsts) = cf.cached(
        "batch", [body_jaxpr, cond_jaxpr], (tuple(batched), size, name), build)
    moved = [batching.moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
    cconst, bconst, init = _split3(moved, cond_nconsts, body_nconsts)
    init = [batching.broadcast(x, size, 0) if b and d is None else x
            for x, b, d in zip(init, carry_b, dims[cond_nconsts + body_nconsts:])]
    if pred_b:
        body_consts = [*bconsts, *cconst, *bconst]
    else:
        body_consts = [*bconsts, *bconst]
    outs = while_p.bind(*cconsts, *cconst, *body_consts, *init, cond_jaxpr=cj, body_jaxpr=bj,
                        cond_nconsts=len(cconsts) + len(cconst), body_nconsts=len(body_consts))
    return outs, [0 if b else None for b in carry_b]


while_p.batch_with_axis = _while_batch


# ----------------------------------------------------------------------------------------------
# lax.while_loop and lax.fori_loop


def while_loop(cond_fun, body_fun, init_val):
    """Call ``body_fun`` repeatedly while ``cond_fun`` is true.

    The semantics are those of::

        def while_loop(cond_fun, body_fun, init_val):
            val = init_val
            while cond_fun(val):
                val = body_fun(val)
            return val

    The carry must keep its structure, shapes and dtypes. Reverse-mode differentiation is not
    supported (use scan, or fori_loop with static bounds).

    Args:
      cond_fun: function ``a -> bool`` (a boolean scalar).
      body_fun: function ``a -> a``.
      init_val: the initial carry: an array or any pytree of arrays.

    Returns:
      The final carry.
    """
    if not (callable(body_fun) and callable(cond_fun)):
        raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
    if config.jax_disable_jit:
        from pyjax._src import errors
        try:
            val = tree_util.tree_map(structural.asarray, init_val)
            while cond_fun(val):
                val = tree_util.tree_map(structural.asarray, body_fun(val))
            return val
        except errors.ConcretizationTypeError:
            pass  # e.g. under vmap: fall back to the primitive

    def create_jaxpr(init_val):
        init_vals, in_tree = tree_util.tree_flatten((init_val,))
        init_avals = [core.get_aval(x) for x in init_vals]
        cond_jaxpr, cond_consts, cond_tree = cf.trace_fun(cond_fun, in_tree, init_avals,
                                                          "while_cond", (init_val,))
        body_jaxpr, body_consts, body_tree = cf.trace_fun(body_fun, in_tree, init_avals,
                                                          "while_body", (init_val,))
        if not tree_util.treedef_is_leaf(cond_tree) or len(cond_jaxpr.outvars) != 1:
            raise TypeError(f"cond_fun must return a boolean scalar, but got pytree "
                            f"{cond_tree}.")
        pred = cond_jaxpr.outvars[0].aval
        if pred.shape != () or pred.dtype != np.bool_:
            raise TypeError("cond_fun must return a boolean scalar, but got output type(s) "
                            f"{[v.aval for v in cond_jaxpr.outvars]}.")
        return (init_vals, init_avals, body_jaxpr, in_tree, cond_jaxpr, cond_consts,
                body_consts, body_tree)

    init_vals, init_avals, body_jaxpr, in_tree, *rest = create_jaxpr(init_val)
    new_init_vals, changed = cf.promote_weak_typed_inputs(init_vals, init_avals,
                                                          body_jaxpr.out_avals)
    new_init_val, = tree_util.tree_unflatten(in_tree, new_init_vals)
    if changed:
        init_vals, init_avals, body_jaxpr, in_tree, *rest = create_jaxpr(new_init_val)
    cond_jaxpr, cond_consts, body_consts, body_tree = rest
    cf.check_carry_type("while_loop body", body_fun, new_init_val, body_tree,
                        [v.aval for v in body_jaxpr.outvars])

    # A carry the body returns unchanged and the predicate does not read is a loop constant.
    nb = len(body_consts)
    body_fwd = cf.forwarding(body_jaxpr)
    carry_nofwd = [nb + i != f for i, f in enumerate(body_fwd)]
    cond_used = cf.used_inputs(cond_jaxpr)[len(cond_consts):]
    move_to_const = [not (u or nofwd) for u, nofwd in zip(cond_used, carry_nofwd)]
    if any(move_to_const):
        keep = [True] * len(cond_consts) + [not m for m in move_to_const]
        pruned = cf.dce(cond_jaxpr)
        cond_jaxpr = cf.with_invars(pruned, [v for v, k in zip(pruned.invars, keep) if k])
        body_jaxpr = cf.dce(body_jaxpr, [not m for m in move_to_const])
        body_jaxpr = cf.move_binders_to_front(body_jaxpr, [False] * nb + move_to_const)
        new_consts = [x for x, m in zip(init_vals, move_to_const) if m]
        init_vals = [x for x, m in zip(init_vals, move_to_const) if not m]
        body_consts = [*new_consts, *body_consts]
    outs = while_p.bind(*cond_consts, *body_consts, *init_vals,
                        cond_jaxpr=cf.as_closed(cond_jaxpr), body_jaxpr=cf.as_closed(body_jaxpr),
                        cond_nconsts=len(cond_consts), body_nconsts=len(body_consts))
    if any(move_to_const):
        outs, moved = iter(outs), iter(new_consts)
        outs = [next(moved) if m else next(outs) for m in move_to_const]
    return tree_util.tree_unflatten(body_tree, outs)


def _fori_cond_fun(loop_carry):
    i, upper, _ = loop_carry
    return ew.lt_p.bind(i, upper)


def _fori_body_fun(body_fun):
    def while_body_fun(loop_carry):
        i, upper, x = loop_carry
        return ew.add_p.bind(i, np.array(1, core.get_aval(i).dtype)), upper, body_fun(i, x)
    while_body_fun.__wrapped__ = body_fun
    return while_body_fun


def _fori_scan_body_fun(body_fun):
    def scanned_fun(loop_carry, _):
        i, x = loop_carry
        return (ew.add_p.bind(i, 1 if core.get_aval(i).weak_type else
                              np.array(1, core.get_aval(i).dtype)), body_fun(i, x)), None
    scanned_fun.__wrapped__ = body_fun
    return scanned_fun


def _dtype_of(x):
    return dtypes.canonicalize_dtype(core.get_aval(x).dtype)


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """Loop from ``lower`` to ``upper``: ``for i in range(lower, upper): val = body_fun(i, val)``.

    With concrete bounds the loop is a scan (reverse-mode differentiable); otherwise it is a
    while loop.

    Args:
      lower: loop index lower bound (inclusive), an integer.
      upper: loop index upper bound (exclusive), an integer.
      body_fun: function ``(int, a) -> a``.
      init_val: the initial carry.
      unroll: optional int or bool, how many iterations to unroll (static bounds only).

    Returns:
      The final carry.
    """
    if not callable(body_fun):
        raise TypeError("lax.fori_loop: body_fun argument should be callable.")
    lower_dtype, upper_dtype = _dtype_of(lower), _dtype_of(upper)
    if lower_dtype == upper_dtype:
        dtype = lower_dtype
    else:
        dtype = None
        if (np.issubdtype(lower_dtype, np.signedinteger)
                and np.issubdtype(upper_dtype, np.signedinteger)):
            lower_weak, upper_weak = dtypes.is_weakly_typed(lower), dtypes.is_weakly_typed(upper)
            if lower_weak and not upper_weak:
                dtype = upper_dtype
            elif not lower_weak and upper_weak:
                dtype = lower_dtype
        if dtype is None:
            raise TypeError("lower and upper arguments to fori_loop must have equal types, got "
                            f"{lower_dtype.name} and {upper_dtype.name}")
    use_scan = False
    if _is_concrete(lower) and _is_concrete(upper):
        try:
            lower_, upper_ = int(_concrete(lower)), int(_concrete(upper))
        except TypeError:
            pass
        else:
            use_scan = True
    if use_scan:
        from pyjax._src.primitives.control_flow_scan import scan
        if unroll is None:
            unroll = False
        length = max(upper_ - lower_, 0)
        if config.jax_disable_jit and length == 0:
            return init_val
        (_, result), _ = scan(_fori_scan_body_fun(body_fun), (lower_, init_val), None,
                              length=length, unroll=unroll)
        return result
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are "
                         "statically known.")
    if lower_dtype != dtype:
        lower = structural.convert(lower, dtype, False)
    if upper_dtype != dtype:
        upper = structural.convert(upper, dtype, False)
    _, _, result = while_loop(_fori_cond_fun, _fori_body_fun(body_fun), (lower, upper, init_val))
    return result


def _is_concrete(x):
    return not isinstance(x, core.Tracer) or x.to_concrete_value() is not None


def _concrete(x):
    return x.to_concrete_value() if isinstance(x, core.Tracer) else x

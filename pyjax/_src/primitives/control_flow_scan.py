"""The scan primitive: lax.scan.

``scan_p.bind(*consts, *init, *xs, jaxpr=, length=, reverse=, num_consts=, num_carry=,
linear=, unroll=, _split_transpose=)`` runs the body ``(consts, carry, x) -> (carry, y)`` over
the leading axis of ``xs`` and stacks the ``y``s. Rules follow JAX's
(jax/_src/lax/control_flow/loops.py):
- jvp: tangents ride along in the carry and the sequences (a fixed point decides which carry
  tangents are nonzero);
- partial evaluation: the body splits into a known scan (run now) and an unknown one; residuals
  read by the unknown body are stacked outputs of the known scan, except loop constants and
  scanned inputs, which are passed through unchanged;
- transpose: a scan in the opposite direction of the transposed body, accumulating the
  cotangents of the linear constants in its carry;
- vmap: batched sequences are scanned along their axis 1 (a fixed point decides the carry).
"""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core
from pyjax._src import errors
from pyjax._src import tree as tree_util
from pyjax._src.config import config
from pyjax._src.core import JaxprEqn, Primitive, Var
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging
from pyjax._src.primitives import control_flow_common as cf
from pyjax._src.primitives import joining
from pyjax._src.primitives import structural


# ----------------------------------------------------------------------------------------------
# The primitive


scan_p = Primitive("scan", multiple_results=True)


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry, linear, unroll,
               _split_transpose):
    consts = list(args[:num_consts])
    carry = list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    run = cf.executor(jaxpr)
    ys = [np.empty((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[num_carry:]]
    for t in range(length):
        i = length - 1 - t if reverse else t
        outs = run(consts + carry + [x[i] for x in xs])
        carry = list(outs[:num_carry])
        for y, o in zip(ys, outs[num_carry:]):
            y[i] = o
    return [np.asarray(c) for c in carry] + ys


def _scan_abstract_eval(*avals, jaxpr, length, reverse, num_consts, num_carry, linear, unroll,
                        _split_transpose):
    if len(avals) != len(jaxpr.in_avals):
        raise TypeError(f"scan jaxpr takes {len(jaxpr.in_avals)} inputs, got {len(avals)}")
    if len(linear) != len(avals):
        raise TypeError(f"scan param linear has length {len(linear)} for {len(avals)} "
                        "operands")
    in_carry = jaxpr.in_avals[num_consts:num_consts + num_carry]
    out_carry = jaxpr.out_avals[:num_carry]
    if not all(cf.typematch(a, b) for a, b in zip(in_carry, out_carry)):
        raise TypeError("scan input carry input and output types mismatch: \n"
                        f"{' '.join(a.str_short() for a in in_carry)}\nvs\n"
                        f"{' '.join(a.str_short() for a in out_carry)}")
    for x in avals[num_consts + num_carry:]:
        if not x.shape or x.shape[0] != length:
            raise TypeError(f"scan of length {length} got a sequence of type {x.str_short()}")
    return list(out_carry) + [a.update(shape=(length,) + a.shape)
                              for a in jaxpr.out_avals[num_carry:]]


scan_p.opt_outs["codegen"] = "a loop over compiled bodies: the compiler runs the impl"
scan_p.impl = _scan_impl
scan_p.abstract_eval = _scan_abstract_eval
scan_p.weak_type_rule = lambda flags, params: [a.weak_type for a in params["jaxpr"].out_avals]


def _split3(xs, n1, n2):
    return list(xs[:n1]), list(xs[n1:n1 + n2]), list(xs[n1 + n2:])


def _params(**kw):
    return dict(kw)


# ----------------------------------------------------------------------------------------------
# jvp


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry, linear,
              unroll, _split_transpose):
    num_ys = len(jaxpr.out_avals) - num_carry
    nonzeros = [cf.nonzero_tangent(t) for t in tangents]
    const_nz, init_nz, xs_nz = _split3(nonzeros, num_consts, num_carry)

    def build():
        carry_nz = init_nz
        for _ in range(1 + num_carry):
            (jvp, jconsts), nz_out = ad.jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz,
                                                  instantiate=carry_nz + [False] * num_ys)
            if nz_out[:num_carry] == carry_nz:
                break
            carry_nz = list(map(operator.or_, carry_nz, nz_out[:num_carry]))
        else:
            raise AssertionError("fixed point not reached")
        # jvp: (jconsts, consts, carry, xs, consts_dot, carry_dot, xs_dot) ->
        #      (carry, ys, carry_dot, ys_dot); the scan wants
        #      (jconsts, consts, consts_dot | carry, carry_dot | xs, xs_dot) ->
        #      (carry, carry_dot | ys, ys_dot).
        inv, outv = jvp.jaxpr.invars, jvp.jaxpr.outvars
        nj, n_in, n_out = len(jconsts), len(jaxpr.in_avals), len(jaxpr.out_avals)
        c, k, x = _split3(inv[nj:nj + n_in], num_consts, num_carry)
        cd, kd, xd = _split3(inv[nj + n_in:], sum(const_nz), sum(carry_nz))
        p_out, t_out = outv[:n_out], outv[n_out:]
        body = cf.with_invars(jvp.jaxpr, inv[:nj] + c + cd + k + kd + x + xd)
        body = cf.with_outvars(body, p_out[:num_carry] + t_out[:len(kd)] + p_out[num_carry:]
                               + t_out[len(kd):])
        return cf.as_closed(body), jconsts, carry_nz, nz_out[num_carry:]

    body, jconsts, carry_nz, ys_nz = cf.cached("jvp", [jaxpr], tuple(nonzeros), build)
    consts, init, xs = _split3(primals, num_consts, num_carry)
    consts_t, init_t, xs_t = _split3(tangents, num_consts, num_carry)
    consts_dot = [t for t, nz in zip(consts_t, const_nz) if nz]
    init_dot = [t if cf.nonzero_tangent(t) else
                ad.zeros_like_aval(ad.tangent_aval(core.get_aval(p)))
                for p, t, nz in zip(init, init_t, carry_nz) if nz]
    xs_dot = [t for t, nz in zip(xs_t, xs_nz) if nz]
    c_lin, k_lin, x_lin = _split3(list(linear), num_consts, num_carry)
    lin = tuple([False] * len(jconsts) + c_lin + [True] * len(consts_dot) + k_lin
                + [True] * len(init_dot) + x_lin + [True] * len(xs_dot))
    outs = scan_p.bind(*jconsts, *consts, *consts_dot, *init, *init_dot, *xs, *xs_dot,
                       jaxpr=body, length=length, reverse=reverse,
                       num_consts=len(jconsts) + num_consts + len(consts_dot),
                       num_carry=num_carry + len(init_dot), linear=lin, unroll=unroll,
                       _split_transpose=_split_transpose)
    n_kd = len(init_dot)
    carry, carry_dot = outs[:num_carry], iter(outs[num_carry:num_carry + n_kd])
    ys, ys_dot = outs[num_carry + n_kd:num_carry + n_kd + num_ys], iter(
        outs[num_carry + n_kd + num_ys:])
    avals = jaxpr.out_avals
    carry_t = [next(carry_dot) if nz else ad.Zero(ad.tangent_aval(a))
               for nz, a in zip(carry_nz, avals[:num_carry])]
    ys_t = [next(ys_dot) if nz else ad.Zero(ad.tangent_aval(a.update(shape=(length,) + a.shape)))
            for nz, a in zip(ys_nz, avals[num_carry:])]
    return carry + ys, carry_t + ys_t


scan_p.jvp = _scan_jvp


# ----------------------------------------------------------------------------------------------
# Partial evaluation


def _scan_split(jaxpr, num_consts, num_carry, unknowns):
    body = jaxpr.jaxpr
    num_ys = len(body.outvars) - num_carry
    const_uk, init_uk, xs_uk = _split3(unknowns, num_consts, num_carry)
    carry_uk = init_uk
    for _ in range(1 + num_carry):
        known, unknown, out_uk, n_res = cf.partial_eval_jaxpr(
            body, const_uk + carry_uk + xs_uk, instantiate=carry_uk + [False] * num_ys)
        if out_uk[:num_carry] == carry_uk:
            break
        carry_uk = list(map(operator.or_, carry_uk, out_uk[:num_carry]))
    else:
        raise AssertionError("fixed point not reached")
    in_uk = const_uk + carry_uk + xs_uk
    if all(in_uk):
        return None
    # Residuals that are loop constants stay constants of the unknown scan ("intensive");
    # residuals that are scanned inputs are scanned again; the others are stacked outputs of
    # the known scan ("extensive").
    res = unknown.jaxpr.invars[:n_res]
    index = {v: i for i, v in enumerate(body.invars)}
    kinds = []
    for r in res:
        i = index.get(r)
        if i is not None and i < num_consts:
            kinds.append(("const", i))
        elif i is not None and i >= num_consts + num_carry:
            kinds.append(("xs", i))
        else:
            kinds.append(("ext", None))
    n_known_out = len(known.jaxpr.outvars) - n_res
    known_body = cf.dce(cf.with_outvars(
        known.jaxpr, known.jaxpr.outvars[:n_known_out]
        + [r for r, (k, _) in zip(res, kinds) if k == "ext"]))
    uk_in = unknown.jaxpr.invars[n_res:]
    n_uc, n_uk = sum(const_uk), sum(carry_uk)
    unknown_body = cf.with_invars(
        unknown.jaxpr, [r for r, (k, _) in zip(res, kinds) if k == "const"] + uk_in[:n_uc]
        + uk_in[n_uc:n_uc + n_uk] + uk_in[n_uc + n_uk:]
        + [r for r, (k, _) in zip(res, kinds) if k != "const"])
    res_avals = [r.aval for r in res]
    return (cf.as_closed(known_body), cf.as_closed(unknown_body), in_uk, out_uk, kinds,
            res_avals)


def _scan_partial_eval_jaxpr(eqn, unknowns):
    p = eqn.params
    num_consts, num_carry, length = p["num_consts"], p["num_carry"], p["length"]
    split = cf.cached("pe", [p["jaxpr"]], tuple(unknowns),
                      lambda: _scan_split(p["jaxpr"], num_consts, num_carry, unknowns))
    if split is None:
        return None
    known_body, unknown_body, in_uk, out_uk, kinds, res_avals = split
    const_uk, carry_uk, xs_uk = _split3(in_uk, num_consts, num_carry)
    ext_vars = [Var(a.update(shape=(length,) + a.shape))
                for (k, _), a in zip(kinds, res_avals) if k == "ext"]
    k_ins = [v for v, u in zip(eqn.invars, in_uk) if not u]
    k_outs = [v for v, u in zip(eqn.outvars, out_uk) if not u] + ext_vars
    k_eqn = None
    if k_outs or cf.has_effects(known_body.jaxpr):
        k_eqn = JaxprEqn(k_ins, k_outs, scan_p, dict(
            p, jaxpr=known_body, num_consts=num_consts - sum(const_uk),
            num_carry=num_carry - sum(carry_uk), linear=(False,) * len(k_ins)))
    ext = iter(ext_vars)
    ires = [eqn.invars[i] for k, i in kinds if k == "const"]
    eres = [eqn.invars[i] if k == "xs" else next(ext) for k, i in kinds if k != "const"]
    uk_vars = [v for v, u in zip(eqn.invars, in_uk) if u]
    uk_lin = [lin for lin, u in zip(p["linear"], in_uk) if u]
    u_eqn = JaxprEqn(ires + uk_vars + eres, [v for v, u in zip(eqn.outvars, out_uk) if u], scan_p,
                     dict(p, jaxpr=unknown_body, num_consts=len(ires) + sum(const_uk),
                          num_carry=sum(carry_uk),
                          linear=tuple([False] * len(ires) + uk_lin + [False] * len(eres))))
    return k_eqn, u_eqn, out_uk


ad.partial_eval_jaxpr_rules[scan_p] = _scan_partial_eval_jaxpr
scan_p.partial_eval = cf.partial_eval_by_jaxpr_rule(scan_p)


# ----------------------------------------------------------------------------------------------
# Transpose


def _transposed_body(jaxpr, num_consts, num_carry, const_lin, xs_lin, ct_ys_zero):
    """The body of the transposed scan: (t_consts, non-linear consts | cotangent accumulators
    of the linear consts, carry cotangents | nonzero ys cotangents, non-linear xs) ->
    (accumulators, carry cotangents | cotangents of the linear xs)."""
    c_avals, k_avals, x_avals = _split3(jaxpr.in_avals, num_consts, num_carry)
    y_avals = jaxpr.out_avals[num_carry:]
    nl_c = [a for a, lin in zip(c_avals, const_lin) if not lin]
    acc = [ad.tangent_aval(a) for a, lin in zip(c_avals, const_lin) if lin]
    ctk = [ad.tangent_aval(a) for a in jaxpr.out_avals[:num_carry]]
    cty = [ad.tangent_aval(a) for a, z in zip(y_avals, ct_ys_zero) if not z]
    nl_x = [a for a, lin in zip(x_avals, xs_lin) if not lin]
    sizes = [len(nl_c), len(acc), len(ctk), len(cty), len(nl_x)]

    def body(*args):
        parts, start = [], 0
        for n in sizes:
            parts.append(args[start:start + n])
            start += n
        nl_cv, accv, ctkv, ctyv, nl_xv = parts
        it_c, it_x, it_y = iter(nl_cv), iter(nl_xv), iter(ctyv)
        ins = ([ad.UndefinedPrimal(a) if lin else next(it_c) for a, lin in zip(c_avals, const_lin)]
               + [ad.UndefinedPrimal(a) for a in k_avals]
               + [ad.UndefinedPrimal(a) if lin else next(it_x) for a, lin in zip(x_avals, xs_lin)])
        cts_out = list(ctkv) + [ad.Zero(ad.tangent_aval(a)) if z else next(it_y)
                                for a, z in zip(y_avals, ct_ys_zero)]
        cts_in = ad.backward_pass(jaxpr.jaxpr, [], ins, cts_out)
        c_ct, k_ct, x_ct = _split3(cts_in, num_consts, num_carry)
        new_acc = [a if ct is None else ad.add_tangents(a, ct)
                   for a, ct in zip(accv, [ct for ct, lin in zip(c_ct, const_lin) if lin])]
        new_k = [ad.zeros_like_aval(a) if ct is None else ad.instantiate(ct)
                 for a, ct in zip(ctk, k_ct)]
        x_out = [ad.zeros_like_aval(ad.tangent_aval(a)) if ct is None else ad.instantiate(ct)
                 for a, ct, lin in zip(x_avals, x_ct, xs_lin) if lin]
        return new_acc + new_k + x_out

    traced = staging.trace_to_jaxpr(body, nl_c + acc + ctk + cty + nl_x)
    return cf.as_closed(staging.hoist_consts(traced)), traced.consts


def _scan_transpose(cts, *args, jaxpr, length, reverse, num_consts, num_carry, linear, unroll,
                    _split_transpose):
    consts, init, xs = _split3(args, num_consts, num_carry)
    const_lin = tuple(ad.is_undefined(c) for c in consts)
    xs_lin = tuple(ad.is_undefined(x) for x in xs)
    ct_carry, ct_ys = cts[:num_carry], cts[num_carry:]
    ct_ys_zero = tuple(type(c) is ad.Zero for c in ct_ys)
    if all(type(c) is ad.Zero for c in cts):
        return [None] * len(args)
    t_jaxpr, t_consts = cf.cached(
        "transpose", [jaxpr], (const_lin, xs_lin, ct_ys_zero),
        lambda: _transposed_body(jaxpr, num_consts, num_carry, const_lin, xs_lin, ct_ys_zero))
    nl_consts = [c for c, lin in zip(consts, const_lin) if not lin]
    acc = [ad.zeros_like_aval(c.aval) for c, lin in zip(consts, const_lin) if lin]
    ct_carry = [ad.zeros_like_aval(ad.tangent_aval(a)) if type(c) is ad.Zero else c
                for c, a in zip(ct_carry, jaxpr.out_avals[:num_carry])]
    nz_ys = [c for c in ct_ys if type(c) is not ad.Zero]
    nl_xs = [x for x, lin in zip(xs, xs_lin) if not lin]
    n_consts = len(t_consts) + len(nl_consts)
    n_carry = len(acc) + num_carry
    outs = scan_p.bind(*t_consts, *nl_consts, *acc, *ct_carry, *nz_ys, *nl_xs, jaxpr=t_jaxpr,
                       length=length, reverse=not reverse, num_consts=n_consts,
                       num_carry=n_carry,
                       linear=tuple([False] * n_consts + [True] * (n_carry + len(nz_ys))
                                    + [False] * len(nl_xs)),
                       unroll=unroll, _split_transpose=_split_transpose)
    ct_consts, ct_init = iter(outs[:len(acc)]), outs[len(acc):n_carry]
    ct_xs = iter(outs[n_carry:])
    return ([next(ct_consts) if lin else None for lin in const_lin]
            + [ct if ad.is_undefined(x) else None for x, ct in zip(init, ct_init)]
            + [next(ct_xs) if lin else None for lin in xs_lin])


scan_p.transpose = _scan_transpose


# ----------------------------------------------------------------------------------------------
# vmap


def _scan_batch(trace, vals, dims, *, jaxpr, length, reverse, num_consts, num_carry, linear,
                unroll, _split_transpose):
    size, name = trace.axis_size, trace.axis_name
    params = dict(jaxpr=jaxpr, length=length, reverse=reverse, num_consts=num_consts,
                  num_carry=num_carry, linear=linear, unroll=unroll,
                  _split_transpose=_split_transpose)
    num_ys = len(jaxpr.out_avals) - num_carry
    if all(d is None for d in dims) and not cf.uses_axis([jaxpr], name):
        return scan_p.bind(*vals, **params), [None] * len(jaxpr.out_avals)
    batched = [d is not None for d in dims]
    const_b, init_b, xs_b = _split3(batched, num_consts, num_carry)

    def build():
        carry_b = init_b
        for _ in range(1 + num_carry):
            (bj, bconsts), out_b = batching.batch_jaxpr(
                jaxpr, const_b + carry_b + xs_b, size, name,
                instantiate=carry_b + [False] * num_ys)
            if out_b[:num_carry] == carry_b:
                break
            carry_b = list(map(operator.or_, carry_b, out_b[:num_carry]))
        else:
            raise AssertionError("fixed point not reached")
        return bj, bconsts, carry_b, out_b[num_carry:]

    bj, bconsts, carry_b, ys_b = cf.cached("batch", [jaxpr], (tuple(batched), size, name), build)
    c_vals, k_vals, x_vals = _split3(vals, num_consts, num_carry)
    c_dims, k_dims, x_dims = _split3(dims, num_consts, num_carry)
    consts = [batching.moveaxis(v, d, 0) if d is not None else v for v, d in zip(c_vals, c_dims)]
    init = [batching.bdim_at_front(v, d, size) if b else v
            for v, d, b in zip(k_vals, k_dims, carry_b)]
    xs = [batching.moveaxis(v, d, 1) if d is not None else v for v, d in zip(x_vals, x_dims)]
    outs = scan_p.bind(*bconsts, *consts, *init, *xs, **dict(
        params, jaxpr=bj, num_consts=len(bconsts) + num_consts,
        linear=(False,) * len(bconsts) + tuple(linear)))
    return outs, [0 if b else None for b in carry_b] + [1 if b else None for b in ys_b]


scan_p.batch_with_axis = _scan_batch


# ----------------------------------------------------------------------------------------------
# lax.scan


def _stack(arrs):
    return joining.concatenate([structural.expand_dims(a, (0,)) for a in arrs], 0)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """Scan ``f`` over the leading axis of ``xs`` while carrying along a state.

    The semantics are those of::

        def scan(f, init, xs, length=None):
            if xs is None:
                xs = [None] * length
            carry = init
            ys = []
            for x in xs:
                carry, y = f(carry, x)
                ys.append(y)
            return carry, np.stack(ys)

    ``init``, ``xs`` and the outputs may be pytrees; the carry must keep its structure, shapes
    and dtypes.

    Args:
      f: function ``(c, a) -> (c, b)``.
      init: the initial carry.
      xs: the values to scan over along their leading axis (or None, with ``length``).
      length: the number of iterations (must agree with the leading axes of ``xs``).
      reverse: scan from the end (equivalent to reversing ``xs`` and the outputs).
      unroll: how many iterations to unroll in a loop step (an int >= 1 or a bool).

    Returns:
      ``(final carry, stacked outputs)``.
    """
    if not callable(f):
        raise TypeError("lax.scan: f argument should be a callable.")
    xs_flat, xs_tree = tree_util.tree_flatten(xs)
    try:
        lengths = [x.shape[0] for x in xs_flat]
    except AttributeError as err:
        raise ValueError("scan got value with no leading axis to scan over: {}.".format(
            ", ".join(str(x) for x in xs_flat if not hasattr(x, "shape")))) from err
    if length is not None:
        try:
            length = int(length)
        except errors.ConcretizationTypeError:
            raise length._concretization_error(
                "The `length` argument to `scan` expects a concrete `int` value. For scan-like "
                "iteration with a dynamic length, use `while_loop` or `fori_loop`.") from None
        if not all(length == n for n in lengths):
            raise ValueError(f"scan got `length` argument of {length} which disagrees with "
                             f"leading axis sizes {[x.shape[0] for x in xs_flat]}.")
    else:
        unique = set(lengths)
        if len(unique) > 1:
            raise ValueError("scan got values with different leading axis sizes: {}.".format(
                ", ".join(str(x.shape[0]) for x in xs_flat)))
        if not unique:
            raise ValueError("scan got no values to scan over and `length` not provided.")
        length, = unique

    if config.jax_disable_jit:
        if length == 0:
            raise ValueError("zero-length scan is not supported in disable_jit() mode because "
                             "the output type is unknown.")
        carry, ys = init, []
        order = range(length - 1, -1, -1) if reverse else range(length)
        for i in order:
            x = [structural.index_in_dim(v, i, keepdims=False) for v in xs_flat]
            carry, y = f(carry, tree_util.tree_unflatten(xs_tree, x))
            ys.append(y)
        if reverse:
            ys.reverse()
        return carry, tree_util.tree_map(lambda *ys: _stack(ys), *ys)

    x_avals = [core.get_aval(x) for x in xs_flat]
    x_avals = [a.update(shape=a.shape[1:]) for a in x_avals]

    def create_jaxpr(init):
        init_flat, init_tree = tree_util.tree_flatten(init)
        in_tree = tree_util.tree_structure((init, xs))
        carry_avals = [core.get_aval(c) for c in init_flat]
        example = (init, tree_util.tree_unflatten(xs_tree, x_avals))
        jaxpr, consts, out_tree = cf.trace_fun(f, in_tree, carry_avals + x_avals, "scan",
                                               example)
        children = out_tree.children()
        if len(children) != 2:
            raise TypeError("scan body output must be a pair, got {}.".format(
                tree_util.tree_unflatten(out_tree, [cf.ReprAval(a) for a in jaxpr.out_avals])))
        carry_avals_out = jaxpr.out_avals[:children[0].num_leaves]
        return init_flat, carry_avals, carry_avals_out, jaxpr, consts, out_tree, children

    init_flat, carry_avals, carry_avals_out, *rest = create_jaxpr(init)
    new_init_flat, changed = cf.promote_weak_typed_inputs(init_flat, carry_avals,
                                                          carry_avals_out)
    if changed:
        init = tree_util.tree_unflatten(tree_util.tree_structure(init), new_init_flat)
        init_flat, carry_avals, carry_avals_out, *rest = create_jaxpr(init)
    jaxpr, consts, out_tree, children = rest
    num_carry, num_xs = len(init_flat), len(x_avals)
    num_ys = len(jaxpr.outvars) - num_carry
    cf.check_carry_type("scan body", f, init, children[0], carry_avals_out)

    if isinstance(unroll, core.Tracer):
        unroll = core.concrete_or_error(
            int, unroll, "The `unroll` argument to `scan` expects a concrete `int` or `bool` "
            "value.")
    if isinstance(unroll, bool):
        unroll = max(length, 1) if unroll else 1
    if unroll < 1:
        raise ValueError("`unroll` must be a `bool` or a positive `int`.")

    in_flat = list(init_flat) + list(xs_flat)
    # A carry the body returns unchanged is a loop constant.
    fwd = cf.forwarding(jaxpr)
    carry_fwd, ext_fwd = fwd[:num_carry], fwd[num_carry:]
    move_to_const = [len(consts) + i == f for i, f in enumerate(carry_fwd)]
    new_consts = []
    if any(move_to_const):
        jaxpr = cf.dce(jaxpr, [not m for m in move_to_const] + [True] * num_ys)
        jaxpr = cf.move_binders_to_front(
            jaxpr, [False] * len(consts) + move_to_const + [False] * num_xs)
        new_consts = [x for x, m in zip(in_flat, move_to_const) if m]
        in_flat = [x for x, m in zip(in_flat, move_to_const + [False] * num_xs) if not m]
        consts = [*new_consts, *consts]
        num_carry -= len(new_consts)
    # An output that is a scanned input, unchanged, is that input (no copy).
    ext_to_ext = [i - len(consts) if i is not None and i >= num_carry + len(consts) else None
                  for i in ext_fwd]
    if any(f is not None for f in ext_to_ext):
        jaxpr = cf.dce(jaxpr, [True] * num_carry + [f is None for f in ext_to_ext])

    out = scan_p.bind(*consts, *in_flat, jaxpr=cf.as_closed(jaxpr), length=length,
                      reverse=bool(reverse), num_consts=len(consts), num_carry=num_carry,
                      linear=(False,) * (len(consts) + len(in_flat)), unroll=int(unroll),
                      _split_transpose=bool(_split_transpose))
    carry_out, ys_out = out[:num_carry], iter(out[num_carry:])
    ys = [next(ys_out) if f is None else structural.asarray(in_flat[f]) for f in ext_to_ext]
    if any(move_to_const):
        it, moved = iter(carry_out), iter(new_consts)
        carry_out = [next(moved) if m else next(it) for m in move_to_const]
    return tree_util.tree_unflatten(out_tree, list(carry_out) + ys)

"""The cond primitive: lax.cond and lax.switch.

``cond_p.bind(index, *operands, branches=(ClosedJaxpr, ...))`` runs ``branches[index]`` on the
operands (the closed-over constants of the branches come first among them). Branch jaxprs are
const-free and all take the same inputs and return the same types. Rules follow JAX's
(jax/_src/lax/control_flow/conditionals.py):
- jvp: every branch is differentiated with the union of the nonzero tangents;
- partial evaluation: each branch splits into a known and an unknown part whose residuals are
  merged across branches (a branch fills the residual slots of the others with zeros);
- transpose: each branch is transposed;
- vmap: a batched index turns the cond into running every branch and selecting (select_n);
  an unbatched one batches every branch.
"""
from __future__ import annotations

import collections
import inspect
import itertools
from collections.abc import Sequence

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.config import config
from pyjax._src.core import JaxprEqn, Primitive, Var
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging
from pyjax._src.primitives import control_flow_common as cf
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import structural


# ----------------------------------------------------------------------------------------------
# The primitive


cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index, *ops, branches):
    i = min(max(int(index), 0), len(branches) - 1)
    return cf.executor(branches[i])(list(ops))


def _cond_abstract_eval(index, *ops, branches):
    if index.shape or index.dtype != np.int32:
        raise TypeError(f"cond index must be an int32 scalar, got {index.str_short()}")
    if len(ops) != len(branches[0].in_avals):
        raise TypeError(f"cond branches take {len(branches[0].in_avals)} operands, "
                        f"got {len(ops)}")
    return list(branches[0].out_avals)


cond_p.opt_outs["codegen"] = "runs one compiled branch: the compiler runs the impl"
cond_p.impl = _cond_impl
cond_p.abstract_eval = _cond_abstract_eval
cond_p.weak_type_rule = lambda flags, params: [
    a.weak_type for a in params["branches"][0].out_avals]
cond_p.pp_params = lambda params: [("branches", params["branches"])]


# ----------------------------------------------------------------------------------------------
# jvp


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    ops_dot = [t if cf.nonzero_tangent(t) else None for t in tangents[1:]]
    ops_nz = tuple(t is not None for t in ops_dot)

    def build():
        out_nz = [any(nz) for nz in zip(*[ad.jvp_jaxpr(b, ops_nz)[1] for b in branches])]
        jvps = [ad.jvp_jaxpr(b, ops_nz, instantiate=out_nz)[0] for b in branches]
        joined, consts = cf.join_consts(jvps)
        return tuple(joined), consts, out_nz

    joined, consts, out_nz = cf.cached("jvp", branches, ops_nz, build)
    outs = cond_p.bind(index, *consts, *ops, *[t for t in ops_dot if t is not None],
                       branches=joined)
    n = len(out_nz)
    rest = iter(outs[n:])
    tangents_out = [next(rest) if nz else ad.Zero(ad.tangent_aval(a))
                    for nz, a in zip(out_nz, branches[0].out_avals)]
    return outs[:n], tangents_out


cond_p.jvp = _cond_jvp


# ----------------------------------------------------------------------------------------------
# Partial evaluation


def _merge_branch_residuals(branch_res_avals):
    """One list of residual types covering every branch's residuals, reusing slots of equal
    type across branches (JAX's scheme), and each branch's slot indices."""
    def enumerate_equal(xs):
        counts = {v: itertools.count() for v in set(xs)}
        return [(x, next(counts[x])) for x in xs]
    tagged = [enumerate_equal([a.strip_weak_type() for a in avals])
              for avals in branch_res_avals]
    all_tagged = list(collections.OrderedDict((t, None) for ts in tagged for t in ts))
    indices = {t: i for i, t in enumerate(all_tagged)}
    return [a for a, _ in all_tagged], [[indices[t] for t in ts] for ts in tagged]


def _cond_split(branches, ops_uk):
    """(known branches, unknown branches, output unknowns, residual avals) for operands
    ``ops_uk`` unknown: known branches map known operands to (known outputs, residuals);
    unknown ones map (residuals, unknown operands) to the unknown outputs."""
    out_uks = [any(u) for u in zip(*[cf.partial_eval_jaxpr(b.jaxpr, ops_uk)[2]
                                     for b in branches])]
    splits = [cf.partial_eval_jaxpr(b.jaxpr, ops_uk, instantiate=out_uks) for b in branches]
    n_known_outs = len(out_uks) - sum(out_uks)
    branch_res_avals = [k.outvars_avals[n_known_outs:] for k, _, _, _ in splits]
    all_res, res_idx = _merge_branch_residuals(branch_res_avals)
    known_in_avals = [v.aval for v in splits[0][0].jaxpr.invars]

    known_branches, unknown_branches = [], []
    for (known, unknown, _, n_res), idx in zip(splits, res_idx):
        def fun(*args, known=known, idx=idx):
            outs = core.eval_jaxpr(known.jaxpr, [], *args)
            res = [None] * len(all_res)
            for i, r in zip(idx, outs[n_known_outs:]):
                res[i] = r
            return outs[:n_known_outs] + [cf.zeros(a) if r is None else r
                                          for r, a in zip(res, all_res)]
        traced = staging.trace_to_jaxpr(fun, known_in_avals)
        assert not traced.consts
        known_branches.append(traced)
        slots = [Var(a) for a in all_res]
        for i, v in zip(idx, unknown.jaxpr.invars[:n_res]):
            slots[i] = v
        unknown_branches.append(cf.as_closed(cf.with_invars(
            unknown.jaxpr, slots + unknown.jaxpr.invars[n_res:])))
    return tuple(known_branches), tuple(unknown_branches), out_uks, all_res


def _cond_partial_eval_jaxpr(eqn, unknowns):
    index_uk, *ops_uk = unknowns
    if index_uk:
        return None  # an unknown index stages the whole cond
    branches = eqn.params["branches"]
    known_brs, unknown_brs, out_uks, res_avals = cf.cached(
        "pe", branches, tuple(ops_uk), lambda: _cond_split(branches, tuple(ops_uk)))
    index, ops = eqn.invars[0], eqn.invars[1:]
    res_vars = [Var(a) for a in res_avals]
    known_outs = [v for v, u in zip(eqn.outvars, out_uks) if not u]
    k_eqn = None
    if known_outs or res_vars or any(cf.has_effects(b.jaxpr) for b in known_brs):
        k_eqn = JaxprEqn([index] + [v for v, u in zip(ops, ops_uk) if not u],
                         known_outs + res_vars, cond_p, dict(branches=known_brs))
    u_eqn = JaxprEqn([index] + res_vars + [v for v, u in zip(ops, ops_uk) if u],
                     [v for v, u in zip(eqn.outvars, out_uks) if u], cond_p,
                     dict(branches=unknown_brs))
    return k_eqn, u_eqn, out_uks


ad.partial_eval_jaxpr_rules[cond_p] = _cond_partial_eval_jaxpr
cond_p.partial_eval = cf.partial_eval_by_jaxpr_rule(cond_p)


# ----------------------------------------------------------------------------------------------
# Transpose


def _cond_transpose(cts, index, *ops, branches):
    if ad.is_undefined(index):
        raise ValueError("cond index cannot be a linear input")
    linear = tuple(ad.is_undefined(x) for x in ops)
    ct_zero = tuple(type(c) is ad.Zero for c in cts)
    if all(ct_zero) or not any(linear):
        return [None] * (1 + len(ops))

    def build():
        joined, consts = cf.join_consts(
            [ad.transpose_jaxpr(b, linear, ct_zero) for b in branches])
        return tuple(joined), consts

    joined, consts = cf.cached("transpose", branches, (linear, ct_zero), build)
    outs = cond_p.bind(index, *consts, *[x for x in ops if not ad.is_undefined(x)],
                       *[c for c in cts if type(c) is not ad.Zero], branches=joined)
    it = iter(outs)
    return [None] + [next(it) if lin else None for lin in linear]


cond_p.transpose = _cond_transpose


# ----------------------------------------------------------------------------------------------
# vmap


def _bcast_to(pred, shape):
    if len(pred_shape := core.get_aval(pred).shape) != len(shape):
        pred = structural.broadcast_in_dim(pred, shape, tuple(range(len(pred_shape))))
    return pred


def _cond_batch(trace, vals, dims, *, branches):
    size, name = trace.axis_size, trace.axis_name
    index, *ops = vals
    index_dim, *op_dims = dims
    if all(d is None for d in dims) and not cf.uses_axis(branches, name):
        return cond_p.bind(*vals, branches=branches), [None] * len(branches[0].out_avals)
    if index_dim is not None:
        # A batched predicate: every branch runs on every element, then a select picks.
        index = batching.bdim_at_front(index, index_dim, size)
        ops = [batching.bdim_at_front(x, d, size) for x, d in zip(ops, op_dims)]
        n_in = len(branches[0].in_avals)
        branch_outs = []
        for i, b in enumerate(branches):
            (bj, consts), _ = cf.cached(
                "batch_all", [b], (size, name),
                lambda b=b: batching.batch_jaxpr(b, (True,) * n_in, size, name,
                                                 instantiate=True))
            predicate = ew.eq_p.bind(index, np.array(i, np.int32))
            # Inputs of the branches not taken pass through stop_gradient, so that their
            # derivatives (perhaps nan) never reach the operands (JAX issue #1052).
            ops_ = [ew.select_n_p.bind(_bcast_to(predicate, core.get_aval(x).shape),
                                       ew.stop_gradient(x), x)
                    if core.get_aval(x).dtype in ew.INEXACT else x for x in ops]
            branch_outs.append(core.eval_jaxpr(bj.jaxpr, [], *consts, *ops_))
        out = [ew.select_n_p.bind(_bcast_to(index, core.get_aval(outs[0]).shape), *outs)
               for outs in zip(*branch_outs)]
        return out, [0] * len(out)
    ops_bat = tuple(d is not None for d in op_dims)
    ops = [batching.moveaxis(x, d, 0) if d is not None else x for x, d in zip(ops, op_dims)]

    def build():
        out_bat = [any(bs) for bs in zip(*[batching.batch_jaxpr(b, ops_bat, size, name)[1]
                                          for b in branches])]
        batched = [batching.batch_jaxpr(b, ops_bat, size, name, instantiate=out_bat)[0]
                   for b in branches]
        joined, consts = cf.join_consts(batched)
        return tuple(joined), consts, out_bat

    joined, consts, out_bat = cf.cached("batch", branches, (ops_bat, size, name), build)
    outs = cond_p.bind(index, *consts, *ops, branches=joined)
    return outs, [0 if b else None for b in out_bat]


cond_p.batch_with_axis = _cond_batch


# ----------------------------------------------------------------------------------------------
# lax.cond and lax.switch

# For backward compatibility JAX accepts one (pytree) ``operand`` keyword argument.
_no_operand_sentinel = object()


def _forward_passthrough(jaxprs, consts, ops):
    """Drop outputs that every branch returns unchanged from the same input (JAX's pruning);
    returns (pruned jaxprs, per output: the forwarded input value or None)."""
    fwds = [cf.forwarding(j.jaxpr) for j in jaxprs]
    in_fwd = [f[0] if all(g == f[0] for g in f) else None for f in zip(*fwds)]
    if all(f is None for f in in_fwd):
        return jaxprs, in_fwd
    keep = [f is None for f in in_fwd]
    pruned = [cf.as_closed(cf.dce(j.jaxpr, keep)) for j in jaxprs]
    inputs = list(consts) + list(ops)
    return pruned, [None if f is None else inputs[f] for f in in_fwd]


def _bind_cond(index, consts, ops, jaxprs, out_tree, prune=True):
    fwd = [None] * len(jaxprs[0].out_avals)
    if prune:
        jaxprs, fwd = _forward_passthrough(jaxprs, consts, ops)
    outs = iter(cond_p.bind(index, *consts, *ops, branches=tuple(jaxprs)))
    out = [next(outs) if f is None else structural.asarray(f) for f in fwd]
    return tree_util.tree_unflatten(out_tree, out)


def switch(index, branches, *operands, operand=_no_operand_sentinel):
    """Apply exactly one of ``branches``, given by ``index`` (clamped into range).

    Has the semantics of ``branches[clamp(0, index, len(branches) - 1)](*operands)``; every
    branch must return the same output structure and types.

    Args:
      index: integer scalar selecting the branch.
      branches: sequence of functions (A -> B).
      *operands: operands (A) passed to the selected branch; pytrees are allowed.

    Returns:
      The value (B) returned by the selected branch.
    """
    if not all(callable(b) for b in branches):
        raise TypeError("lax.switch: branches argument should be a sequence of callables.")
    if operand is not _no_operand_sentinel:
        if operands:
            raise TypeError("if 'operand' keyword is passed then no positional operands can be "
                            f"passed, got operand={operand!r} and positional operands "
                            f"{operands}")
        operands = (operand,)
    if len(np.shape(index)) != 0:
        raise TypeError(f"Branch index must be scalar, got {index} of shape {np.shape(index)}.")
    try:
        index_dtype = dtypes.result_type(index)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Index type must be an integer, got {index}.") from err
    if index_dtype.kind not in "iu":
        raise TypeError(f"Index type must be an integer, got {index} as {index_dtype}")
    branches = tuple(branches)
    if not branches:
        raise ValueError("Empty branch sequence")
    if len(branches) == 1:
        return branches[0](*operands)
    index = structural.convert(index, np.int32, False)
    index = ew.clamp_p.bind(np.array(0, np.int32), index,
                            np.array(len(branches) - 1, np.int32))
    if config.jax_disable_jit and _is_concrete(index):
        return branches[int(index)](*operands)
    ops, ops_tree = tree_util.tree_flatten(operands)
    ops_avals = [core.get_aval(x) for x in ops]
    jaxprs, consts, out_trees = cf.trace_branches(branches, ops_tree, ops_avals, "switch",
                                                  operands)
    for i, (tree, j) in enumerate(zip(out_trees[1:], jaxprs[1:])):
        cf.check_tree_and_avals("branch 0 output", out_trees[0], jaxprs[0].out_avals,
                                f"branch {i + 1} output", tree, j.out_avals)
    return _bind_cond(index, consts, ops, jaxprs, out_trees[0], prune=False)


def _is_concrete(x):
    return not isinstance(x, core.Tracer) or x.to_concrete_value() is not None


def _cond(pred, true_fun, false_fun, *operands, operand=_no_operand_sentinel):
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
    if operand is not _no_operand_sentinel:
        if operands:
            raise TypeError("if 'operand' keyword is passed then no positional operands can be "
                            f"passed, got operand={operand!r} and positional operands "
                            f"{operands}")
        operands = (operand,)
    if pred is None:
        raise TypeError("cond predicate is None")
    if isinstance(pred, Sequence) or np.ndim(pred) != 0:
        raise TypeError(f"Pred must be a scalar, got {pred} of "
                        + (f"type {type(pred)}" if isinstance(pred, Sequence)
                           else f"shape {np.shape(pred)}."))
    try:
        pred_dtype = dtypes.result_type(pred)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Pred type must be either boolean or number, got {pred}.") from err
    if pred_dtype.kind != "b":
        if pred_dtype.kind in "iuf":
            pred = pred != 0
        else:
            raise TypeError(f"Pred type must be either boolean or number, got {pred_dtype}.")
    if config.jax_disable_jit and _is_concrete(pred):
        return true_fun(*operands) if pred else false_fun(*operands)
    ops, ops_tree = tree_util.tree_flatten(operands)
    ops_avals = [core.get_aval(x) for x in ops]
    (true_jaxpr, false_jaxpr), consts, (out_tree, false_out_tree) = cf.trace_branches(
        (true_fun, false_fun), ops_tree, ops_avals, "cond", operands)
    cf.check_tree_and_avals("true_fun output", out_tree, true_jaxpr.out_avals,
                            "false_fun output", false_out_tree, false_jaxpr.out_avals)
    index = structural.convert(pred, np.int32, False)
    return _bind_cond(index, consts, ops, [false_jaxpr, true_jaxpr], out_tree)


def _cond_with_per_branch_args(pred, true_operand, true_fun, false_operand, false_fun):
    """The former calling convention: ``cond(pred, true_operand, true_fun, false_operand,
    false_fun)``."""
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
    return _cond(pred, lambda op: true_fun(op[0]), lambda op: false_fun(op[1]),
                 (true_operand, false_operand))


_PER_BRANCH_SIG = inspect.signature(_cond_with_per_branch_args)


def cond(*args, **kwargs):
    """Conditionally apply ``true_fun`` or ``false_fun``.

    ``cond(pred, true_fun, false_fun, *operands)`` has the semantics of
    ``true_fun(*operands) if pred else false_fun(*operands)``; ``pred`` is a boolean (or
    number) scalar. Both branches are traced and must return the same structure and types.
    Under vmap with a batched ``pred`` both branches run and the results are selected.

    Args:
      pred: boolean scalar selecting the branch.
      true_fun: function (A -> B) applied if ``pred`` is true.
      false_fun: function (A -> B) applied if ``pred`` is false.
      *operands: operands (A) of the branches; any pytrees.

    Returns:
      The value (B) of the branch applied.

    Example:
        >>> cond(x > 0, lambda v: -v, lambda v: v, x)
    """
    try:
        ba = _PER_BRANCH_SIG.bind(*args, **kwargs)
    except TypeError:
        pass
    else:
        _, true_operand, true_fun, false_operand, false_fun = ba.args
        if callable(true_operand) and callable(true_fun):
            return _cond(*args, **kwargs)  # the modern form with two operands
        if callable(true_fun) and callable(false_fun):
            return _cond_with_per_branch_args(*ba.args)
    return _cond(*args, **kwargs)

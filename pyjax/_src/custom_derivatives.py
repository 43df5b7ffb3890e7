"""custom_jvp and custom_vjp: user-defined derivative rules that survive jit, grad and vmap.

A decorated function called under a transformation binds a call primitive carrying the traced
function (``call_jaxpr``) and the user's rule as a Python callable on flat arguments:
- custom_jvp_call: its jvp rule calls the user's jvp; other traces run or stage the call_jaxpr.
- custom_vjp_call: its jvp rule runs the user's fwd and emits ``custom_lin`` on the tangents,
  a linear primitive whose transpose calls the user's bwd.
"""
from __future__ import annotations

import functools
import inspect

from pyjax._src import core
from pyjax._src import tree as tree_util
from pyjax._src.compiler.executable import compile_jaxpr
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging


def _resolve_kwargs(fun, args, kwargs):
    if not kwargs:
        return tuple(args)
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"The function {fun} was called with arguments that do not match its "
                        f"signature: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError("keyword arguments could not be resolved to positions")
    return bound.args


def _split_nondiff(args, nondiff_argnums):
    static = {i: args[i] for i in nondiff_argnums}
    dyn = [a for i, a in enumerate(args) if i not in static]
    return static, dyn


def _merge(static, dyn):
    it = iter(dyn)
    return [static[i] if i in static else next(it) for i in range(len(static) + len(dyn))]


def _trace_flat(fun, in_avals):
    """Trace a flat function; (ClosedJaxpr without consts, consts, out_tree)."""
    out_tree_box = []

    def flat(*xs):
        out = fun(*xs)
        leaves, tree = tree_util.tree_flatten(out)
        out_tree_box.append(tree)
        return leaves

    closed = staging.trace_to_jaxpr(flat, in_avals)
    return (core.ClosedJaxpr(staging.hoist_consts(closed), []), closed.consts,
            out_tree_box[0])


def _stage(fun, args, nondiff_argnums):
    """Trace ``fun`` at ``args`` (minus the nondiff ones, which stay static):
    (static args, flat leaves, their tree, call jaxpr, its consts, output tree)."""
    static, dyn = _split_nondiff(args, nondiff_argnums)
    leaves, in_tree = tree_util.tree_flatten(dyn)
    leaves = [_as_jax(x) for x in leaves]

    def flat_fun(*xs):
        return fun(*_merge(static, tree_util.tree_unflatten(in_tree, xs)))

    call_jaxpr, consts, out_tree = _trace_flat(flat_fun, [core.get_aval(x) for x in leaves])
    return static, leaves, in_tree, call_jaxpr, consts, out_tree


def _eager_or_stage(fun, args, kwargs, nondiff_argnums):
    """``(args, staged)``: ``fun``'s arguments resolved to positions and, when a transformation
    is active, ``_stage(fun, args, nondiff_argnums)``; ``staged`` is None when running eagerly
    (the caller just calls ``fun(*args)``)."""
    args = _resolve_kwargs(fun, args, kwargs)
    if core.current_trace() is core.eval_trace:
        return args, None
    return args, _stage(fun, args, nondiff_argnums)


def _call_impl(*args, call_jaxpr, **_):
    return compile_jaxpr(call_jaxpr.jaxpr)(list(call_jaxpr.consts) + list(args))


def _call_primitive(name, pp_params):
    """A call primitive: its ``call_jaxpr`` parameter gives its impl, output avals and weak
    types."""
    prim = Primitive(name, multiple_results=True)
    prim.impl = _call_impl
    prim.abstract_eval = lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals
    prim.weak_type_rule = (
        lambda flags, params: [a.weak_type for a in params["call_jaxpr"].out_avals])
    prim.pp_params = pp_params
    return prim


def _batch_call(prim, vals, dims, params, batch_rules):
    """Batch a custom call: its call_jaxpr and its rule callables, all outputs batched at 0."""
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    call_jaxpr = params["call_jaxpr"]
    n = len(call_jaxpr.in_avals)
    (b_jaxpr, consts), out_batched = batching.batch_jaxpr(call_jaxpr, (True,) * n, size)
    # Force every output to be batched so the rules and the call agree on shapes.
    new_params = dict(params)
    new_params.update({k: rule(params[k], size) for k, rule in batch_rules.items()})
    new_params["call_jaxpr"] = _force_batched(b_jaxpr, consts, out_batched, size)
    outs = prim.bind(*vals, **new_params)
    return outs, [0] * len(outs)


def _force_batched(b_jaxpr, consts, out_batched, size):
    """A ClosedJaxpr (with its constants) whose outputs are all batched at axis 0."""
    def fun(*xs):
        outs = core.eval_jaxpr(b_jaxpr.jaxpr, [], *consts, *xs)
        return [o if b else batching.broadcast(o, size, 0) for o, b in zip(outs, out_batched)]
    return staging.trace_to_jaxpr(fun, b_jaxpr.in_avals[len(consts):])


def _vmapped_rule(rule, size):
    """The batched version of a flat rule callable: every argument and output batched at 0."""
    from pyjax._src.vmap_api import vmap

    @functools.wraps(rule)
    def batched(*args):
        return vmap(lambda *xs: list(rule(*xs)))(*args)
    return batched


# ----------------------------------------------------------------------------------------------
# custom_jvp

custom_jvp_call_p = _call_primitive("custom_jvp_call", lambda params: [
    ("name", params["name"]), ("call_jaxpr", params["call_jaxpr"]),
    ("jvp", params["jvp_fun"].__name__), ("symbolic_zeros", params["symbolic_zeros"])])


def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp_fun, name, symbolic_zeros):
    if not symbolic_zeros:
        tangents = [ad.instantiate(t) for t in tangents]
    outs = jvp_fun(*primals, *tangents)
    n = len(call_jaxpr.out_avals)
    return outs[:n], outs[n:]


def _custom_jvp_call_batch(vals, dims, **params):
    return _batch_call(custom_jvp_call_p, vals, dims, params, {"jvp_fun": _vmapped_rule})


custom_jvp_call_p.jvp = _custom_jvp_call_jvp
custom_jvp_call_p.batch = _custom_jvp_call_batch


class _CustomRuleFunction:
    """What custom_jvp and custom_vjp share: wrapping ``fun``, binding as a method, and the
    start of a call (the rule must be defined; run eagerly or trace ``fun``)."""

    _missing_rule = ""  # the error text when the rule is not defined, formatted with the name

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _eager_or_stage(self, rule, args, kwargs):
        if rule is None:
            raise AttributeError(self._missing_rule.format(self.__name__))
        return _eager_or_stage(self.fun, args, kwargs, self.nondiff_argnums)


class custom_jvp(_CustomRuleFunction):
    """A function with a custom forward-mode derivative rule (and reverse mode from it).

    Example:
        >>> @custom_jvp
        ... def f(x):
        ...     return jnp.sin(x)
        >>> @f.defjvp
        ... def f_jvp(primals, tangents):
        ...     (x,), (t,) = primals, tangents
        ...     return f(x), jnp.cos(x) * t
    """

    _missing_rule = "No JVP defined for custom_jvp function {} using defjvp."

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.jvp = None
        self.symbolic_zeros = False

    def defjvp(self, jvp, symbolic_zeros=False):
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *jvps):
        """One rule per argument: ``jvps[i](g_i, primal_out, *primals)``; None for no rule."""
        def jvp(primals, tangents):
            out = self(*primals)
            total = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                contrib = rule(t, out, *primals)
                total = contrib if total is None else tree_util.tree_map(
                    lambda a, b: a + b, total, contrib)
            if total is None:
                total = tree_util.tree_map(lambda o: o * 0, out)
            return out, total
        self.defjvp(jvp)

    def __call__(self, *args, **kwargs):
        args, staged = self._eager_or_stage(self.jvp, args, kwargs)
        if staged is None:
            return self.fun(*args)
        static, leaves, in_tree, call_jaxpr, consts, out_tree = staged
        n_in = len(leaves)
        user_jvp, sym = self.jvp, self.symbolic_zeros

        def jvp_fun(*xs):
            primals = tree_util.tree_unflatten(in_tree, xs[:n_in])
            tangents = tree_util.tree_unflatten(in_tree, xs[n_in:])
            nondiff = [static[i] for i in sorted(static)]
            out, tangent_out = user_jvp(*nondiff, tuple(primals), tuple(tangents))
            p_leaves, p_tree = tree_util.tree_flatten(out)
            t_leaves, t_tree = tree_util.tree_flatten(tangent_out)
            if p_tree != out_tree or t_tree != out_tree:
                raise TypeError(
                    "Custom JVP rule must produce primal and tangent outputs with equal "
                    "container (pytree) structures to the primal function output, but got "
                    f"primal output {p_tree}, tangent output {t_tree}, expected {out_tree}.")
            return list(p_leaves) + list(t_leaves)
        jvp_fun.__name__ = getattr(user_jvp, "__name__", "jvp")

        outs = custom_jvp_call_p.bind(
            *consts, *leaves, call_jaxpr=call_jaxpr, jvp_fun=_skip_consts(jvp_fun, len(consts)),
            name=staging.fun_name(self.fun), symbolic_zeros=sym)
        return tree_util.tree_unflatten(out_tree, outs)


def _skip_consts(rule, n):
    """The rule takes (consts..., primals..., const tangents..., tangents...); drop consts."""
    if not n:
        return rule

    @functools.wraps(rule)
    def wrapped(*xs):
        half = len(xs) // 2
        return rule(*xs[n:half], *xs[half + n:])
    return wrapped


def _as_jax(x):
    from pyjax._src.ad_api import _to_jax
    return _to_jax(x)


# ----------------------------------------------------------------------------------------------
# custom_vjp

custom_vjp_call_p = _call_primitive("custom_vjp_call", lambda params: [
    ("name", params["name"]), ("call_jaxpr", params["call_jaxpr"]),
    ("fwd", params["fwd_fun"].__name__), ("bwd", params["bwd_fun"].__name__)])

custom_lin_p = Primitive("custom_lin", multiple_results=True)
custom_lin_p.abstract_eval = lambda *avals, out_avals, **_: list(out_avals)


def _custom_lin_impl(*args, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


custom_lin_p.impl = _custom_lin_impl
custom_lin_p.opt_outs["jvp"] = "custom_vjp functions have reverse-mode rules only, as in JAX"
custom_lin_p.opt_outs["batch"] = ("only staged inside a linearization, below any vmap; the "
                                  "user's bwd is batched when the pullback is")


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd_fun, bwd_fun, name):
    outs = fwd_fun(*primals)
    n = len(call_jaxpr.out_avals)
    primals_out, res = outs[:n], outs[n:]
    out_avals = tuple(ad.tangent_aval(a) for a in call_jaxpr.out_avals)
    in_avals = tuple(ad.tangent_aval(core.get_aval(p)) for p in primals)
    tangents_out = custom_lin_p.bind(*res, *[ad.instantiate(t) for t in tangents],
                                     num_res=len(res), bwd_fun=bwd_fun, out_avals=out_avals,
                                     in_avals=in_avals)
    return primals_out, tangents_out


def _custom_lin_transpose(cts, *args, num_res, bwd_fun, out_avals, in_avals):
    res = args[:num_res]
    cts = [ad.zeros_like_aval(a) if type(c) is ad.Zero else c for c, a in zip(cts, out_avals)]
    cts_in = bwd_fun(*res, *cts)
    return [None] * num_res + list(cts_in)


def _custom_vjp_call_batch(vals, dims, **params):
    return _batch_call(custom_vjp_call_p, vals, dims, params,
                       {"fwd_fun": _vmapped_rule, "bwd_fun": _vmapped_rule})


custom_vjp_call_p.jvp = _custom_vjp_call_jvp
custom_vjp_call_p.batch = _custom_vjp_call_batch
custom_lin_p.transpose = _custom_lin_transpose


class custom_vjp(_CustomRuleFunction):
    """A function with a custom reverse-mode derivative given by ``defvjp(fwd, bwd)``.

    ``fwd(*args)`` returns ``(out, residuals)``; ``bwd(residuals, out_cotangent)`` returns a
    tuple with one cotangent per (differentiable) argument.
    """

    _missing_rule = "No VJP defined for custom_vjp function {} using defvjp."

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        args, staged = self._eager_or_stage(self.fwd, args, kwargs)
        if staged is None:
            return self.fun(*args)
        static, leaves, in_tree, call_jaxpr, consts, out_tree = staged
        nondiff = [static[i] for i in sorted(static)]
        user_fwd, user_bwd = self.fwd, self.bwd
        res_tree_box = []

        def fwd_fun(*xs):
            xs = xs[len(consts):]
            out, res = user_fwd(*_merge(static, tree_util.tree_unflatten(in_tree, xs)))
            o_leaves, o_tree = tree_util.tree_flatten(out)
            if o_tree != out_tree:
                raise TypeError("Custom VJP fwd rule must produce an output with the same "
                                f"container (pytree) structure as the primal function, got "
                                f"{o_tree} and {out_tree}.")
            r_leaves, r_tree = tree_util.tree_flatten(res)
            res_tree_box[:] = [r_tree]
            return list(o_leaves) + [_as_jax(r) for r in r_leaves]

        def bwd_fun(*xs):
            r_tree = res_tree_box[0]
            n_res = r_tree.num_leaves
            res = tree_util.tree_unflatten(r_tree, xs[:n_res])
            ct = tree_util.tree_unflatten(out_tree, xs[n_res:])
            cts_in = user_bwd(*nondiff, res, ct)
            if not isinstance(cts_in, (tuple, list)):
                raise TypeError("Custom VJP bwd rule must produce a tuple, got "
                                f"{type(cts_in).__name__}.")
            cts_in = tuple(cts_in)
            expected = tuple(tree_util.tree_unflatten(in_tree, leaves))
            if len(cts_in) != len(expected):
                raise TypeError(f"Custom VJP bwd rule must produce a tuple of length equal to "
                                f"the primal args tuple, but got {len(cts_in)} and "
                                f"{len(expected)}.")
            flat = []
            for ct, primal in zip(cts_in, expected):
                p_leaves = tree_util.tree_leaves(primal)
                c_leaves = tree_util.tree_leaves(ct, is_leaf=lambda x: x is None) \
                    if ct is not None else [None] * len(p_leaves)
                for c, p in zip(c_leaves, p_leaves):
                    flat.append(ad.zeros_like_aval(ad.tangent_aval(core.get_aval(p)))
                                if c is None else _as_jax(c))
            return [ad.zeros_like_aval(ad.tangent_aval(core.get_aval(c))) for c in consts] + flat

        fwd_fun.__name__ = getattr(user_fwd, "__name__", "fwd")
        bwd_fun.__name__ = getattr(user_bwd, "__name__", "bwd")
        outs = custom_vjp_call_p.bind(*consts, *leaves, call_jaxpr=call_jaxpr, fwd_fun=fwd_fun,
                                      bwd_fun=bwd_fun, name=staging.fun_name(self.fun))
        return tree_util.tree_unflatten(out_tree, outs)


# ----------------------------------------------------------------------------------------------
# checkpoint / remat: save no intermediate values for the backward pass; recompute them there.

checkpoint_p = _call_primitive("checkpoint", lambda params: [
    ("jaxpr", params["call_jaxpr"]), ("prevent_cse", params["prevent_cse"])])


def _checkpoint_jvp(primals, tangents, *, call_jaxpr, prevent_cse):
    nonzero = tuple(type(t) is not ad.Zero for t in tangents)
    (jvp_closed, consts), out_nonzero = ad.jvp_jaxpr(call_jaxpr, nonzero)
    outs = checkpoint_p.bind(*consts, *primals,
                             *[t for t in tangents if type(t) is not ad.Zero],
                             call_jaxpr=jvp_closed, prevent_cse=prevent_cse)
    n = len(call_jaxpr.out_avals)
    rest = iter(outs[n:])
    return outs[:n], [next(rest) if nz else ad.Zero(ad.tangent_aval(a))
                      for nz, a in zip(out_nonzero, call_jaxpr.out_avals)]


def _checkpoint_partial_eval(trace, args, unknown, params):
    """Known outputs now; the unknown outputs by a call that recomputes every intermediate
    from the known inputs (its residuals), instead of saving intermediates."""
    jaxpr = params["call_jaxpr"].jaxpr
    _, _, out_unknown, _ = ad.partial_eval_jaxpr(jaxpr, unknown, checkpoint_p)
    known_out = ad.dce_jaxpr(jaxpr, [not u for u in out_unknown], keep_inputs=unknown)
    known_args = [a for a, u in zip(args, unknown) if not u]
    with core.set_current_trace(trace.parent):
        known_vals = checkpoint_p.bind(*known_args, call_jaxpr=known_out,
                                       prevent_cse=params["prevent_cse"])
    recompute = ad.dce_jaxpr(jaxpr, out_unknown)
    unknown_vals = staging.DynamicJaxprTrace.process_primitive(
        trace, checkpoint_p, list(args), dict(params, call_jaxpr=recompute))
    known_it, unknown_it = iter(known_vals), iter(unknown_vals)
    return [next(unknown_it) if u else next(known_it) for u in out_unknown]


def _checkpoint_partial_eval_jaxpr(eqn, unknowns):
    """The same split as _checkpoint_partial_eval, for a checkpoint inside a jaxpr being split
    (a loop or branch body): the unknown equation recomputes from the known inputs."""
    jaxpr = eqn.params["call_jaxpr"].jaxpr
    _, _, out_unknown, _ = ad.partial_eval_jaxpr(jaxpr, unknowns)
    known = eqn.replace(invars=[v for v, u in zip(eqn.invars, unknowns) if not u],
                        outvars=[v for v, u in zip(eqn.outvars, out_unknown) if not u],
                        params=dict(eqn.params, call_jaxpr=ad.dce_jaxpr(
                            jaxpr, [not u for u in out_unknown], keep_inputs=unknowns)))
    unknown = eqn.replace(outvars=[v for v, u in zip(eqn.outvars, out_unknown) if u],
                          params=dict(eqn.params,
                                      call_jaxpr=ad.dce_jaxpr(jaxpr, out_unknown)))
    return known, unknown, out_unknown


def _checkpoint_transpose(cts, *args, call_jaxpr, prevent_cse):
    cts = [None if type(c) is ad.Zero else c for c in cts]
    return ad.backward_pass(call_jaxpr.jaxpr, call_jaxpr.consts, list(args), cts)


def _checkpoint_batch(trace, vals, dims, *, call_jaxpr, prevent_cse):
    batched = tuple(d is not None for d in dims)
    (b_closed, consts), out_batched = batching.batch_jaxpr(call_jaxpr, batched,
                                                           trace.axis_size, trace.axis_name)
    vals = [batching.moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
    outs = checkpoint_p.bind(*consts, *vals, call_jaxpr=b_closed, prevent_cse=prevent_cse)
    return outs, [0 if b else None for b in out_batched]


checkpoint_p.jvp = _checkpoint_jvp
checkpoint_p.partial_eval = _checkpoint_partial_eval
checkpoint_p.transpose = _checkpoint_transpose
checkpoint_p.batch_with_axis = _checkpoint_batch
ad.partial_eval_jaxpr_rules[checkpoint_p] = _checkpoint_partial_eval_jaxpr


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """Rematerialise ``fun`` under reverse-mode differentiation: the backward pass recomputes
    its intermediate values from its inputs instead of keeping them (JAX's default policy).

    Example:
        >>> g = grad(checkpoint(lambda x: jnp.sin(jnp.sin(x))))
    """
    if fun is None:
        return lambda f: checkpoint(f, prevent_cse=prevent_cse, policy=policy,
                                    static_argnums=static_argnums)
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else \
        tuple(static_argnums)

    @functools.wraps(fun)
    def remat_f(*args, **kwargs):
        args, staged = _eager_or_stage(fun, args, kwargs, static_argnums)
        if staged is None:
            return fun(*args)
        _, leaves, _, call_jaxpr, consts, out_tree = staged
        outs = checkpoint_p.bind(*consts, *leaves, call_jaxpr=call_jaxpr,
                                 prevent_cse=prevent_cse)
        return tree_util.tree_unflatten(out_tree, outs)
    return remat_f


remat = checkpoint

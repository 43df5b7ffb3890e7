"""The differentiation API: jvp, linearize, vjp, grad, value_and_grad."""
from __future__ import annotations

import functools
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.array import ArrayImpl, ScalarLiteral
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import staging


def _to_jax(x):
    if isinstance(x, (ArrayImpl, core.Tracer)):
        return x
    if not core.valid_jaxtype(x):
        raise TypeError(f"Argument '{x}' of type {type(x)} is not a valid JAX type.")
    buf, weak = core._to_buffer.get(type(x), core._to_buffer_slow)(x)
    return ArrayImpl(buf, weak)


def _flat_fun(fun, in_tree, has_aux, out_tree_box, aux_box):
    """``fun`` as a function of flat leaves returning flat leaves, recording the structures."""
    def flat(*leaves):
        out = fun(*tree_util.tree_unflatten(in_tree, leaves))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("has_aux=True requires the function to return a pair (tuple of "
                                f"length 2) of (output, auxiliary data), but got {out!r}.")
            out, aux = out
            trace = core.current_trace()
            aux_box.append(tree_util.tree_map(
                lambda x: trace.to_primal_tangent(x)[0]
                if isinstance(trace, ad.JVPTrace) and isinstance(x, core.Tracer) else x, aux))
        out_leaves, out_tree = tree_util.tree_flatten(out)
        out_tree_box.append(out_tree)
        for o in out_leaves:
            if not core.valid_jaxtype(o):
                raise TypeError(f"Value {o!r} of type {type(o)} is not a valid JAX type")
        return out_leaves
    return flat


def jvp(fun, primals, tangents, has_aux=False):
    """Evaluate ``fun`` at ``primals`` and its derivative in the direction ``tangents``.

    Example:
        >>> jvp(jnp.sin, (0.0,), (1.0,))
        (Array(0., dtype=float32, weak_type=True), Array(1., dtype=float32, weak_type=True))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primal and tangent arguments to jax.jvp must be tuples or lists; found "
                        f"{type(primals).__name__} and {type(tangents).__name__}.")
    p_leaves, p_tree = tree_util.tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_util.tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError("primal and tangent arguments to jax.jvp must have the same tree "
                        f"structure; primals have tree structure {p_tree} whereas tangents have "
                        f"tree structure {t_tree}.")
    p_leaves = [_to_jax(p) for p in p_leaves]
    t_leaves = [_to_jax(t) for t in t_leaves]
    for p, t in zip(p_leaves, t_leaves):
        expected = ad.tangent_aval(core.get_aval(p))
        got = core.get_aval(t)
        if expected.shape != got.shape or expected.dtype != got.dtype:
            raise ValueError("primal and tangent arguments to jax.jvp do not match; dtypes must "
                            "be equal, or in case of int/bool primal dtype the tangent dtype "
                            f"must be float0. Got primal dtype {core.get_aval(p).dtype} and so "
                            f"expected tangent dtype {expected.dtype}, but got tangent dtype "
                            f"{got.dtype} instead." if expected.shape == got.shape else
                            "jvp called with different primal and tangent shapes;Got primal "
                            f"shape {expected.shape} and tangent shape as {got.shape}")
    out_tree_box, aux_box = [], []
    flat = _flat_fun(fun, p_tree, has_aux, out_tree_box, aux_box)
    primals_out, tangents_out = ad.jvp_flat(flat, p_leaves, t_leaves)
    tangents_out = [ad.instantiate(t) for t in tangents_out]
    out_tree = out_tree_box[0]
    result = (tree_util.tree_unflatten(out_tree, primals_out),
              tree_util.tree_unflatten(out_tree, tangents_out))
    return result + (aux_box[0],) if has_aux else result


def _linearize(fun, primals, has_aux):
    """Linearize ``fun`` at the pytree of ``primals``: (primal output leaves, output tree,
    linear ClosedJaxpr, nonzero-output mask, input tree, aux or None)."""
    return _linearize_leaves(fun, *tree_util.tree_flatten(primals), has_aux)


def _linearize_leaves(fun, p_leaves, p_tree, has_aux):
    p_leaves = [_to_jax(p) for p in p_leaves]
    out_tree_box, aux_box = [], []
    flat = _flat_fun(fun, p_tree, has_aux, out_tree_box, aux_box)
    primals_out, linear, nonzero = ad.linearize_flat(flat, p_leaves)
    return (primals_out, out_tree_box[0], linear, nonzero, p_tree,
            aux_box[0] if has_aux else None)


def linearize(fun, *primals, has_aux=False):
    """``(fun(*primals), f_jvp)`` where ``f_jvp`` evaluates the linearized function."""
    primals_out, out_tree, linear, nonzero, p_tree, aux = _linearize(fun, primals, has_aux)
    out_avals = [ad.tangent_aval(core.get_aval(p)) for p in primals_out]

    def f_jvp(*tangents):
        t_leaves, t_tree = tree_util.tree_flatten(tangents)
        if t_tree != p_tree:
            raise TypeError(f"linearized function called on tangent values inconsistent with "
                            f"the original primal values: expected {p_tree}, got {t_tree}")
        outs = iter(core.eval_jaxpr(linear.jaxpr, linear.consts, *t_leaves))
        t_out = [next(outs) if nz else ad.zeros_like_aval(a) for nz, a in zip(nonzero, out_avals)]
        return tree_util.tree_unflatten(out_tree, t_out)

    out = tree_util.tree_unflatten(out_tree, primals_out)
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


def _pull_back(linear, nonzero, ct_leaves):
    """Input cotangents (zeros instantiated) of a linearization, from the output cotangents."""
    cts = [_to_jax(c) for c, nz in zip(ct_leaves, nonzero) if nz]
    invars = linear.jaxpr.invars  # one per input, of the input's tangent type
    cts_in = ad.backward_pass(linear.jaxpr, linear.consts,
                              [ad.UndefinedPrimal(v.aval) for v in invars], cts)
    return [ad.zeros_like_aval(v.aval) if c is None else ad.instantiate(c)
            for c, v in zip(cts_in, invars)]


class _VjpFunction:
    """The pullback returned by vjp: maps output cotangents to input cotangents."""

    __slots__ = ("linear", "nonzero", "in_tree", "out_tree", "_primals_out", "_out_avals")

    def __init__(self, linear, nonzero, in_tree, out_tree, primals_out):
        self.linear, self.nonzero = linear, nonzero
        self.in_tree, self.out_tree = in_tree, out_tree
        self._primals_out, self._out_avals = primals_out, None

    @property
    def out_avals(self):
        if self._out_avals is None:  # only needed to check the cotangents given
            self._out_avals = [ad.tangent_aval(core.get_aval(p)) for p in self._primals_out]
        return self._out_avals

    def __call__(self, cotangents):
        ct_leaves, ct_tree = tree_util.tree_flatten(cotangents)
        if ct_tree != self.out_tree:
            raise TypeError("Tree structure of cotangent input "
                            f"{ct_tree}, does not match structure of primal output "
                            f"{self.out_tree}.")
        for ct, aval in zip(ct_leaves, self.out_avals):
            got = core.get_aval(ct)
            if got.shape != aval.shape or (got.dtype != aval.dtype
                                           and not dtypes.is_weakly_typed(ct)):
                raise ValueError(
                    "unexpected JAX type (e.g. shape/dtype) for argument to vjp function: got "
                    f"{got.str_short(short_dtypes=False)}, but expected "
                    f"{aval.str_short(short_dtypes=False)} because the corresponding output of "
                    "the function to be differentiated has that type. See "
                    "https://docs.jax.dev/en/latest/faq.html#differentiation-with-respect-to-"
                    "integer-valued-or-boolean-inputs for more.")
        cts_in = _pull_back(self.linear, self.nonzero, ct_leaves)
        return tree_util.tree_unflatten(self.in_tree, cts_in)


def vjp(fun, *primals, has_aux=False, reduce_axes=()):
    """``(fun(*primals), vjp_fn)``: ``vjp_fn(ct)`` pulls an output cotangent back to inputs.

    Example:
        >>> y, f_vjp = vjp(jnp.sin, 0.0)
        >>> f_vjp(1.0)
        (Array(1., dtype=float32, weak_type=True),)
    """
    primals_out, out_tree, linear, nonzero, p_tree, aux = _linearize(fun, primals, has_aux)
    vjp_fn = _VjpFunction(linear, nonzero, p_tree, out_tree, primals_out)
    out = tree_util.tree_unflatten(out_tree, primals_out)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _check_argnums(argnums, nargs, fun_name="differentiating"):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise TypeError(f"differentiating with respect to argnums={argnums} requires at "
                            f"least {max(nums) + 1} positional arguments to be passed by the "
                            f"caller, but got only {nargs} positional arguments.")
    return tuple(i % nargs for i in nums)


def _check_input_dtype(x, holomorphic, allow_int, fun_name):
    _check_input_dtype_of(core.get_aval(x).dtype, holomorphic, allow_int, fun_name)


def _check_input_dtype_of(dtype, holomorphic, allow_int, fun_name):
    if holomorphic:
        if dtype.kind != "c":
            raise TypeError(f"{fun_name} with holomorphic=True requires inputs with complex "
                            f"dtype, but got {dtype.name}.")
    elif dtype.kind in "iub" and not allow_int:
        raise TypeError(f"{fun_name} requires real- or complex-valued inputs (input dtype that "
                        f"is a sub-dtype of np.inexact), but got {dtype.name}. If you want to "
                        "use Boolean- or integer-valued inputs, use vjp or set allow_int to "
                        "True.")
    elif dtype == dtypes.float0 or not (dtype.kind in "fciub" or dtypes.issubdtype(
            dtype, np.inexact)):
        raise TypeError(f"{fun_name} requires numerical-valued inputs (input dtype that is a "
                        f"sub-dtype of np.bool_ or np.number), but got {dtype.name}.")


def _check_scalar_output(ans, holomorphic, fun_name):
    """The abstract value of ``ans``, which must be a real (or, if holomorphic, complex)
    scalar."""
    try:
        aval = core.get_aval(ans)
    except TypeError:
        aval = None
    if aval is None:
        raise TypeError(f"Gradient only defined for scalar-output functions. Output was {ans}.")
    if aval.shape:
        raise TypeError("Gradient only defined for scalar-output functions. Output had shape: "
                        f"{aval.shape}.")
    if holomorphic:
        if aval.dtype.kind != "c":
            raise TypeError(f"{fun_name} with holomorphic=True requires outputs with complex "
                            f"dtype, but got {aval.dtype.name}.")
    elif aval.dtype.kind == "c":
        raise TypeError(f"{fun_name} requires real-valued outputs (output dtype that is a "
                        f"sub-dtype of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True. For differentiation of "
                        "non-holomorphic functions involving complex outputs, use jax.vjp "
                        "directly.")
    elif aval.dtype.kind != "f" and not dtypes.issubdtype(aval.dtype, np.floating):
        raise TypeError(f"{fun_name} requires real-valued outputs (output dtype that is a "
                        f"sub-dtype of np.floating), but got {aval.dtype.name}. For "
                        "differentiation of functions with integer outputs, use jax.vjp "
                        "directly.")
    return aval


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """A function returning ``(fun(*args), gradient)``; with has_aux, ``((value, aux), g)``."""
    if not callable(fun):
        raise TypeError(f"Expected a callable value, got {fun}")

    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        p_leaves, p_tree = tree_util.tree_flatten(tuple([args[i] for i in nums]))
        for leaf in p_leaves:
            try:
                dtype = leaf.dtype if type(leaf) is ArrayImpl else core.get_aval(leaf).dtype
            except TypeError:
                raise TypeError(f"Argument '{leaf}' of type {type(leaf)} is not a valid JAX "
                                "type.") from None
            _check_input_dtype_of(dtype, holomorphic, allow_int, "grad")
        # vjp followed by its pullback at ones, without re-checking the cotangent we make.
        primals_out, out_tree, linear, nonzero, in_tree, aux = _linearize_leaves(
            _partial_fun(fun, args, kwargs, nums), p_leaves, p_tree, has_aux)
        ans = tree_util.tree_unflatten(out_tree, primals_out)
        aval = _check_scalar_output(ans, holomorphic, "grad")
        ones = ScalarLiteral(np.array(1, aval.dtype), aval.weak_type)  # ans is a scalar
        g = tree_util.tree_unflatten(in_tree, _pull_back(linear, nonzero, [ones]))
        g = g[0] if isinstance(argnums, int) else tuple(g)
        return ((ans, aux), g) if has_aux else (ans, g)

    return value_and_grad_f


def _partial_fun(fun, args, kwargs, nums):
    """``fun`` as a function of the positional arguments at ``nums``, the others fixed."""
    if not kwargs and nums == tuple(range(len(args))):
        return fun

    def partial_fun(*dyn_args):
        full = list(args)
        for i, a in zip(nums, dyn_args):
            full[i] = a
        return fun(*full, **kwargs)
    return partial_fun


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of a scalar-valued ``fun`` with respect to positional argument(s) argnums.

    Example:
        >>> grad(lambda x: x ** 2 / 2)(10.0)
        Array(10., dtype=float32, weak_type=True)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return grad_f

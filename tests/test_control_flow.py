"""Structured control flow: cond/switch, while_loop/fori_loop, scan and associative_scan.

Every primitive runs eagerly, under jit, under jvp/grad (both modes where JAX supports them, with
finite-difference checks in float64 and comparisons with the same computation written as
Python control flow) and under vmap (batched predicates included); abstract evaluation
(make_jaxpr) agrees with eager results on shapes, dtypes and weak types; JAX's error texts and
jaxpr layout are checked; the slides' lax.cond regression (seed 002) runs as in JAX.
"""
import re

import numpy as np
import pytest

import pyjax
from pyjax._src import config as config_mod
from pyjax._src import core
from pyjax._src import errors
from pyjax._src import lax
from pyjax._src.ad_api import grad, jvp, linearize, value_and_grad, vjp
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives import control_flow as cf
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import linear
from pyjax._src.primitives import reductions as R
from pyjax._src.primitives import structural as S
from pyjax._src.test_util import check_grads
from pyjax._src.vmap_api import hessian, jacfwd, jacrev, vmap


def arr(x, dtype=None):
    x = np.asarray(x)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype == np.float64 and not config_mod.config.jax_enable_x64:
        x = x.astype(np.float32)
    elif x.dtype == np.int64 and not config_mod.config.jax_enable_x64:
        x = x.astype(np.int32)
    return ArrayImpl(x, False)


def npv(x):
    return np.asarray(x)


def close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(npv(a), npv(b), rtol=rtol, atol=atol)


@pytest.fixture
def x64():
    with config_mod.enable_x64(True):
        yield


def _check_abstract(fun, *args):
    """make_jaxpr's output types (weak types included) equal the eager results'."""
    outs = pyjax.tree_util.tree_leaves(fun(*args))
    closed = make_jaxpr(fun)(*args)
    assert len(outs) == len(closed.out_avals)
    for o, a in zip(outs, closed.out_avals):
        aval = core.get_aval(o)
        assert (aval.shape, aval.dtype, aval.weak_type) == (a.shape, a.dtype, a.weak_type), (
            aval, a)


def _sin(x):
    return ew.sin_p.bind(x)


def _cos(x):
    return ew.cos_p.bind(x)


def _sq(x):
    return ew.mul_p.bind(x, x)


# ==============================================================================================
# cond


@pytest.mark.parametrize("pred", [True, False])
def test_cond_eager_and_jit(pred):
    def f(p, x, y):
        return cf.cond(p, lambda a, b: (lax.add(a, b), _sin(a)),
                       lambda a, b: (lax.sub(a, b), _cos(a)), x, y)
    x, y = arr([1., 2., 3.]), arr([.5, .25, 1.])
    expect = ((npv(x) + npv(y), np.sin(npv(x))) if pred
              else (npv(x) - npv(y), np.cos(npv(x))))
    for fun in (f, jit(f)):
        out = fun(arr(pred), x, y)
        close(out[0], expect[0])
        close(out[1], expect[1])
    _check_abstract(f, arr(pred), x, y)


@pytest.mark.parametrize("pred,expect", [(0, "f"), (3, "t"), (-1, "t"), (0.0, "f"),
                                         (0.5, "t"), (np.int8(2), "t"), (np.uint32(0), "f")])
def test_cond_numeric_predicates(pred, expect):
    out = cf.cond(pred, lambda: arr(1.), lambda: arr(2.))
    assert float(out) == (1. if expect == "t" else 2.)
    out = jit(lambda p: cf.cond(p, lambda: arr(1.), lambda: arr(2.)))(pred)
    assert float(out) == (1. if expect == "t" else 2.)


def test_cond_pytrees_and_python_scalars():
    ops = ({"a": arr([1., 2.]), "b": (3., arr(4))}, [arr(5.)])

    def true_fun(d, l):
        return {"out": lax.mul(d["a"], l[0]), "n": d["b"][1]}, d["b"][0]

    def false_fun(d, l):
        return {"out": d["a"], "n": lax.add(d["b"][1], d["b"][1])}, 7.

    for p in (True, False):
        for fun in (cf.cond, jit(cf.cond, static_argnums=(1, 2))):
            out, extra = fun(p, true_fun, false_fun, *ops)
            close(out["out"], [5., 10.] if p else [1., 2.])
            assert int(out["n"]) == (4 if p else 8)
            assert float(extra) == (3. if p else 7.)
            # The output types are the false branch's (branches[0]), weak types included.
            assert core.get_aval(extra).weak_type


def test_cond_operand_keyword_and_per_branch_args():
    assert float(cf.cond(True, lambda x: lax.add(x, 1.), lambda x: x, operand=arr(1.))) == 2.
    # the former calling convention cond(pred, true_operand, true_fun, false_operand, false_fun)
    out = cf.cond(False, arr(1.), lambda x: lax.add(x, 1.), arr(10.), lambda x: lax.neg(x))
    assert float(out) == -10.
    # five arguments whose second and third are callables: the modern form
    out = cf.cond(True, lambda a, b: lax.add(a, b), lambda a, b: a, arr(3.), arr(4.))
    assert float(out) == 7.


def test_cond_no_operands_and_closures():
    c = arr([1., 2.])

    def f(p, x):
        return cf.cond(p, lambda: lax.mul(c, x), lambda: lax.add(c, x))

    for fun in (f, jit(f)):
        close(fun(True, arr(3.)), [3., 6.])
        close(fun(False, arr(3.)), [4., 5.])


def test_cond_jaxpr_layout():
    # JAX 0.10.2's make_jaxpr output (tests/golden_snippets.py "cond").
    text = str(make_jaxpr(lambda x: cf.cond(lax.gt(x, 0.), lambda v: lax.neg(v),
                                            lambda v: v, x))(1.))
    assert text == (
        "{ lambda ; a:f32[]. let\n"
        "    b:bool[] = gt a 0.0:f32[]\n"
        "    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b\n"
        "    d:f32[] = cond[\n"
        "      branches=(\n"
        "        { lambda ; e:f32[]. let  in (e,) }\n"
        "        { lambda ; f:f32[]. let g:f32[] = neg f in (g,) }\n"
        "      )\n"
        "    ] c a\n"
        "  in (d,) }")


def test_cond_passthrough_outputs_are_pruned():
    # An output both branches forward from the same operand is not an output of the cond.
    closed = make_jaxpr(lambda p, x, y: cf.cond(p, lambda a, b: (a, _sin(b)),
                                                lambda a, b: (a, _cos(b)), x, y))(True, 1., 2.)
    eqn = [e for e in closed.eqns if e.primitive is cf.cond_p][0]
    assert len(eqn.outvars) == 1
    out = cf.cond(True, lambda a, b: (a, _sin(b)), lambda a, b: (a, _cos(b)), arr(1.), arr(2.))
    close(out[0], 1.)
    close(out[1], np.sin(2.))


def test_cond_disable_jit_runs_python():
    calls = []

    def t(x):
        calls.append("t")
        return x

    with config_mod.disable_jit():
        out = cf.cond(True, t, lambda x: lax.neg(x), arr(2.))
    assert calls == ["t"] and float(out) == 2.


def _fd(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("x0", [-1.3, 0.7])
def test_cond_grad_and_jvp(x64, x0):
    def f(x):
        return cf.cond(lax.gt(x, 0.), lambda v: lax.mul(_sin(v), v), lambda v: _sq(_sq(v)), x)

    def ref(x):
        return np.sin(x) * x if x > 0 else x ** 4

    d_ref = _fd(ref, x0)
    for g in (grad(f), jit(grad(f)), grad(jit(f))):
        close(g(x0), d_ref, rtol=1e-6)
    close(jvp(f, (x0,), (1.,))[1], d_ref, rtol=1e-6)
    check_grads(f, (arr(x0),), order=2)
    check_grads(jit(f), (arr(x0),), order=2)


def test_cond_grad_wrt_closed_over_and_operands(x64):
    def f(w, x):
        return cf.cond(lax.gt(x, 0.), lambda v: lax.mul(w, _sin(v)),
                       lambda v: lax.mul(lax.mul(w, w), v), x)

    for x0 in (-0.5, 0.5):
        gw, gx = grad(f, argnums=(0, 1))(2., x0)
        if x0 > 0:
            close(gw, np.sin(x0))
            close(gx, 2. * np.cos(x0))
        else:
            close(gw, 2 * 2. * x0)
            close(gx, 4.)
        check_grads(f, (arr(2.), arr(x0)), order=2)


def test_cond_residuals_of_different_types(x64):
    # The branches save residuals of different shapes/dtypes: they are merged by type.
    def f(x, v):
        return cf.cond(lax.gt(x, 0.),
                       lambda a, b: R.reduce_sum(lax.mul(_sin(b), a), (0,)),
                       lambda a, b: lax.mul(_cos(a), _cos(a)), x, v)

    for x0 in (-0.3, 0.4):
        check_grads(f, (arr(x0), arr([.1, .2, .3])), order=1)
        check_grads(jit(f), (arr(x0), arr([.1, .2, .3])), order=1)


def test_cond_integer_operands_and_outputs(x64):
    def f(x, n):
        out, m = cf.cond(lax.gt(n, 0), lambda a, k: (lax.mul(a, a), lax.add(k, 1)),
                         lambda a, k: (lax.neg(a), k), x, n)
        return lax.mul(out, lax.convert_element_type(m, np.float64))

    close(grad(f)(3., 2), 2 * 3. * 3)
    close(grad(f)(3., -2), 2.)
    close(jit(grad(f))(3., 2), 18.)


def test_cond_linearize_and_vjp(x64):
    def f(x):
        return cf.cond(lax.lt(R.reduce_sum(x, (0,)), 0.), lambda v: _sin(v),
                       lambda v: lax.mul(v, v), x)

    x = arr([.3, .4])
    y, f_jvp = linearize(f, x)
    close(y, [.09, .16])
    close(f_jvp(arr([1., 2.])), [.6, 1.6])
    _, f_vjp = vjp(f, x)
    close(f_vjp(arr([1., 1.]))[0], [.6, .8])


@pytest.mark.parametrize("pred_batched", [True, False])
def test_cond_vmap(pred_batched):
    def f(p, x, c):
        return cf.cond(p, lambda a: lax.mul(a, c), lambda a: lax.sub(a, c), x)

    ps = arr([True, False, True]) if pred_batched else True
    xs = arr([1., 2., 3.])
    c = 10.
    out = vmap(f, in_axes=(0 if pred_batched else None, 0, None))(ps, xs, c)
    expect = [f(p, x, c) for p, x in zip(npv(ps) if pred_batched else [True] * 3, npv(xs))]
    close(out, np.array([float(e) for e in expect]))
    out = jit(vmap(f, in_axes=(0 if pred_batched else None, 0, None)))(ps, xs, c)
    close(out, np.array([float(e) for e in expect]))


def test_cond_vmap_batched_pred_unbatched_operands_and_outputs():
    # Outputs of both branches are batched by the select, even if the branches ignore the
    # batched values.
    out = vmap(lambda p: cf.cond(p, lambda: (arr(1.), arr([1, 2])),
                                 lambda: (arr(2.), arr([3, 4]))))(arr([True, False]))
    close(out[0], [1., 2.])
    close(out[1], [[1, 2], [3, 4]])


def test_cond_vmap_unbatched_pred_mixed_outputs():
    def f(p, x, y):
        return cf.cond(p, lambda a, b: (a, b), lambda a, b: (lax.add(a, 1.), b), x, y)

    a, b = vmap(f, in_axes=(None, 0, None))(False, arr([1., 2.]), arr(5.))
    close(a, [2., 3.])
    close(b, [5., 5.])  # forwarded unchanged by both branches; broadcast by out_axes=0
    closed = make_jaxpr(vmap(f, in_axes=(None, 0, None)))(False, arr([1., 2.]), arr(5.))
    eqn = [e for e in closed.eqns if e.primitive is cf.cond_p][0]
    assert len(eqn.outvars) == 1


def test_cond_vmap_of_grad_and_grad_of_vmap(x64):
    def f(x):
        # sqrt of the negative values is never taken: the select-with-stop_gradient keeps its
        # nan derivative out of the gradient (JAX issue #1052).
        return cf.cond(lax.gt(x, 0.), lambda v: ew.sqrt_p.bind(v), lambda v: lax.mul(v, 3.), x)

    xs = arr([-1., 4., 0.25])
    close(vmap(grad(f))(xs), [3., 0.25, 1.])
    close(grad(lambda v: R.reduce_sum(vmap(f)(v), (0,)))(xs), [3., 0.25, 1.])
    close(jit(grad(lambda v: R.reduce_sum(vmap(f)(v), (0,))))(xs), [3., 0.25, 1.])


def test_cond_errors():
    with pytest.raises(TypeError, match=re.escape(
            "lax.cond: true_fun and false_fun arguments should be callable.")):
        cf.cond(True, 1, lambda: 1)
    with pytest.raises(TypeError, match="cond predicate is None"):
        cf.cond(None, lambda: 1., lambda: 2.)
    with pytest.raises(TypeError, match=re.escape("Pred must be a scalar, got [1. 2.] of "
                                                  "shape (2,).")):
        cf.cond(np.array([1., 2.]), lambda: 1., lambda: 2.)
    with pytest.raises(TypeError, match=re.escape(
            "Pred type must be either boolean or number, got complex64.")):
        cf.cond(np.complex64(1), lambda: 1., lambda: 2.)
    with pytest.raises(TypeError) as e:
        cf.cond(True, lambda: arr(1.), lambda: arr(1, np.int32))
    assert str(e.value) == ("true_fun output and false_fun output must have identical types, "
                            "got\nDIFFERENT ShapedArray(float32[]) vs. ShapedArray(int32[]).")
    with pytest.raises(TypeError) as e:
        cf.cond(True, lambda: (arr(1.), arr([1., 2.])), lambda: (arr(1.), arr([1., 2., 3.])))
    assert str(e.value) == ("true_fun output and false_fun output must have identical types, "
                            "got\n('ShapedArray(float32[])', "
                            "'DIFFERENT ShapedArray(float32[2]) vs. ShapedArray(float32[3])').")
    with pytest.raises(TypeError) as e:
        cf.cond(True, lambda: (arr(1.), arr(2.)), lambda: arr(1.))
    assert str(e.value) == (
        "true_fun output must have same type structure as false_fun output, but there are "
        "differences: \n    * at output, true_fun output has <class 'tuple'> and false_fun "
        "output has pytree leaf, so their Python types differ")
    with pytest.raises(TypeError) as e:
        cf.cond(True, lambda: (arr(1.), arr(2.)), lambda: (arr(1.),))
    assert str(e.value) == (
        "true_fun output must have same type structure as false_fun output, but there are "
        "differences: \n    * at output, true_fun output has tuple of length 2 and false_fun "
        "output has tuple of length 1, so the lengths do not match")
    with pytest.raises(TypeError, match="if 'operand' keyword is passed then no positional "
                                        "operands can be passed"):
        cf.cond(True, lambda x: x, lambda x: x, 1., operand=2.)


# ----------------------------------------------------------------------------------------------
# switch


@pytest.mark.parametrize("index,expect", [(-3, 0), (0, 0), (1, 1), (2, 2), (7, 2)])
def test_switch_clamps(index, expect):
    branches = [lambda x: x, lambda x: lax.mul(x, 2.), lambda x: lax.mul(x, 10.)]
    factor = [1., 2., 10.][expect]
    for fun in (cf.switch, jit(cf.switch, static_argnums=1)):
        out = fun(index, tuple(branches) if fun is not cf.switch else branches, arr(3.))
        close(out, 3. * factor)


def test_switch_single_branch_and_grad_vmap(x64):
    assert float(cf.switch(5, [lambda x: lax.neg(x)], 2.)) == -2.
    branches = [lambda x: _sin(x), lambda x: _sq(x), lambda x: lax.mul(x, 5.)]

    def f(i, x):
        return cf.switch(i, branches, x)

    for i, d in ((0, np.cos(0.3)), (1, 0.6), (2, 5.)):
        close(grad(f, argnums=1)(i, 0.3), d)
        check_grads(lambda x: f(i, x), (arr(.3),), order=2)
    out = vmap(f)(arr([0, 1, 2, 5, -1]), arr([.3, .3, .3, .3, .3]))
    close(out, [np.sin(.3), .09, 1.5, 1.5, np.sin(.3)])
    out = vmap(grad(f, argnums=1))(arr([0, 1, 2]), arr([.3, .3, .3]))
    close(out, [np.cos(.3), .6, 5.])


def test_switch_errors():
    with pytest.raises(TypeError, match="lax.switch: branches argument should be a sequence "
                                        "of callables."):
        cf.switch(0, [1, 2], 1.)
    with pytest.raises(TypeError, match=re.escape("Branch index must be scalar, got [0 1] of "
                                                  "shape (2,).")):
        cf.switch(np.array([0, 1]), [lambda: 1.], 1.)
    with pytest.raises(TypeError, match="Index type must be an integer, got 1.0 as float32"):
        cf.switch(1.0, [lambda: 1.], 1.)
    with pytest.raises(ValueError, match="Empty branch sequence"):
        cf.switch(0, [])
    with pytest.raises(TypeError) as e:
        cf.switch(0, [lambda: arr(1.), lambda: arr(2.), lambda: arr([1.])])
    assert str(e.value) == ("branch 0 output and branch 2 output must have identical types, "
                            "got\nDIFFERENT ShapedArray(float32[]) vs. ShapedArray(float32[1]).")


# ----------------------------------------------------------------------------------------------
# The slides' regression (seed 002): lax.cond under jit, vmap(in_axes=(None, 0)) and grad.


def test_seed_002_predict_loss_value_and_grad():
    import pyjax.numpy as jnp
    import pyjax.random as jrandom

    true_params = (-0.5, 2.3, 1.0)

    @jit
    def predict(params, x):
        k_1, k_2, b = params
        k = cf.cond(x < 0, lambda _: k_1, lambda _: k_2, x)
        return k * x + b

    xs = jnp.linspace(-1, 1, 100)
    vpredict = vmap(predict, in_axes=(None, 0))
    ys = vpredict(true_params, xs)
    x = npv(xs)
    close(ys, np.where(x < 0, -0.5, 2.3) * x + 1.0, rtol=1e-6)
    assert npv(ys).dtype == np.float32

    noise = jrandom.uniform(jrandom.PRNGKey(42), ys.shape, minval=-0.2, maxval=0.2)
    noisy_ys = ys + noise

    @jit
    def loss(params, xs, ys):
        pred_ys = vpredict(params, xs)
        return jnp.sum((ys - pred_ys) ** 2)

    k_1, k_2, b = jrandom.uniform(jrandom.PRNGKey(42), (3,))
    params = [k_1, k_2, b]
    loss_and_grad = value_and_grad(loss)
    # Recorded from JAX 0.10.2 (tests/data/seed_golden.json, seed 002 cell 33).
    golden = [([54.108185, -74.48799, -209.66148], [0.48870957, 0.6797972, 0.6162715]),
              ([-8.036851, -8.877706, 32.473785], [0.21816865, 1.0522372, 1.6645789]),
              ([1.5301335, -15.5686455, 0.21234131], [0.2583529, 1.0966257, 1.50221])]
    for step in range(3):
        curr_loss, params_grad = loss_and_grad(params, xs, noisy_ys)
        close([float(p) for p in params], golden[step][1], rtol=1e-5)
        close([float(g) for g in params_grad], golden[step][0], rtol=1e-4, atol=1e-4)
        n, y = npv(noisy_ys), np.where(x < 0, float(params[0]), float(params[1])) * x + float(
            params[2])
        close(curr_loss, np.sum((n - y) ** 2), rtol=1e-5)
        for j in range(len(params)):
            params[j] -= 0.005 * params_grad[j]


# ==============================================================================================
# while_loop and fori_loop


def test_while_eager_and_jit():
    def f(n, x):
        return cf.while_loop(lambda c: lax.lt(c[0], n),
                             lambda c: (lax.add(c[0], 1), lax.mul(c[1], x)), (0, arr(1.)))

    for fun in (f, jit(f)):
        i, v = fun(arr(5), arr(2.))
        assert int(i) == 5 and float(v) == 32.
        i, v = fun(arr(0), arr(2.))
        assert int(i) == 0 and float(v) == 1.
    _check_abstract(f, arr(5), arr(2.))


def test_while_pytree_carry_and_closures():
    scale = arr([1., 2.])

    def f(x):
        def body(c):
            return {"i": lax.add(c["i"], 1), "v": lax.add(c["v"], scale)}
        return cf.while_loop(lambda c: lax.lt(c["i"], 3), body, {"i": 0, "v": x})

    for fun in (f, jit(f)):
        out = fun(arr([0., 0.]))
        assert int(out["i"]) == 3
        close(out["v"], [3., 6.])


def test_while_weak_type_promotion():
    # A weakly typed init whose type the body changes is converted first (as JAX does).
    out = cf.while_loop(lambda c: c < 3., lambda c: c + arr(1.5), 0)
    assert float(out) == 3.0 and npv(out).dtype == np.float32


def test_while_jaxpr_layout():
    text = str(make_jaxpr(lambda x: cf.while_loop(lambda c: lax.lt(c, 10.),
                                                  lambda c: lax.add(c, x), 0.))(1.))
    assert text == (
        "{ lambda ; a:f32[]. let\n"
        "    b:f32[] = while[\n"
        "      body_jaxpr={ lambda ; c:f32[] d:f32[]. let e:f32[] = add d c in (e,) }\n"
        "      body_nconsts=1\n"
        "      cond_jaxpr={ lambda ; f:f32[]. let g:bool[] = lt f 10.0:f32[] in (g,) }\n"
        "      cond_nconsts=0\n"
        "    ] a 0.0:f32[]\n"
        "  in (b,) }")


def test_while_forwarded_carry_becomes_constant():
    closed = make_jaxpr(lambda x, y: cf.while_loop(
        lambda c: lax.lt(c[0], 3), lambda c: (lax.add(c[0], 1), c[1]), (x, y)))(0, 2.)
    eqn = [e for e in closed.eqns if e.primitive is cf.while_p][0]
    assert eqn.params["body_nconsts"] == 1 and len(eqn.outvars) == 1
    out = cf.while_loop(lambda c: lax.lt(c[0], 3), lambda c: (lax.add(c[0], 1), c[1]),
                        (0, arr(2.)))
    assert int(out[0]) == 3 and float(out[1]) == 2.


def test_while_jvp_and_linearize(x64):
    def f(x):
        return cf.while_loop(lambda c: lax.lt(c[1], 10.),
                             lambda c: (lax.add(c[0], 1), lax.mul(c[1], x)), (0, 1.))[1]

    # x = 1.5: 1.5 ** 6 = 11.39 >= 10, so d/dx x**6 = 6 x**5
    for fun in (f, jit(f)):
        y, t = jvp(fun, (1.5,), (1.,))
        close(y, 1.5 ** 6)
        close(t, 6 * 1.5 ** 5)
    y, f_jvp = linearize(f, 1.5)
    close(f_jvp(2.), 12 * 1.5 ** 5)
    close(jacfwd(f)(1.5), 6 * 1.5 ** 5)
    check_grads(f, (arr(1.5),), order=2, modes=("fwd",))


def test_while_reverse_mode_error():
    msg = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop "
           "with dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
           "start/stop.")

    def f(x):
        return cf.while_loop(lambda c: lax.lt(c, 10.), lambda c: lax.mul(c, x), 1.)

    for fun in (f, jit(f)):
        with pytest.raises(ValueError, match=re.escape(msg)):
            grad(fun)(2.)
    # a concrete bound (even an Array) makes the loop a scan, which differentiates
    close(grad(lambda x, n: cf.fori_loop(0, n, lambda i, c: lax.mul(c, x), 1.))(2., arr(3)),
          12.)
    with pytest.raises(ValueError, match=re.escape(msg)):
        jit(grad(lambda x, n: cf.fori_loop(0, n, lambda i, c: lax.mul(c, x), 1.)))(2., 3)


def test_while_vmap_batched_predicate():
    def f(n, x):
        return cf.while_loop(lambda c: lax.lt(c[0], n),
                             lambda c: (lax.add(c[0], 1), lax.mul(c[1], x)), (0, 1.))

    ns, xs = arr([0, 3, 1, 5]), arr([2., 2., 3., 1.5])
    expect_i = [0, 3, 1, 5]
    expect_v = [1., 8., 3., 1.5 ** 5]
    for fun in (vmap(f), jit(vmap(f)), vmap(jit(f))):
        i, v = fun(ns, xs)
        close(i, expect_i)
        close(v, expect_v)
    # only the predicate's bound is batched
    i, v = vmap(f, in_axes=(0, None))(ns, arr(2.))
    close(v, [1., 8., 2., 32.])


def test_while_vmap_unbatched_predicate():
    def f(x):
        return cf.while_loop(lambda c: lax.lt(c[0], 3),
                             lambda c: (lax.add(c[0], 1), lax.add(c[1], x)), (0, 0.))

    i, v = vmap(f)(arr([1., 2.]))
    close(i, [3, 3])  # unbatched in the loop, broadcast by out_axes=0
    close(v, [3., 6.])
    eqn = [e for e in make_jaxpr(vmap(f))(arr([1., 2.])).eqns if e.primitive is cf.while_p][0]
    assert [v.aval.shape for v in eqn.outvars] == [(), (2,)]


def test_while_vmap_of_jvp(x64):
    def f(x):
        return cf.while_loop(lambda c: lax.lt(c[1], 10.),
                             lambda c: (lax.add(c[0], 1), lax.mul(c[1], x)), (0, 1.))[1]

    xs = arr([1.5, 2., 4.])
    ts = vmap(lambda x: jvp(f, (x,), (1.,))[1])(xs)
    close(ts, [6 * 1.5 ** 5, 4 * 2. ** 3, 2 * 4.])


def test_while_errors():
    with pytest.raises(TypeError, match="lax.while_loop: body_fun and cond_fun arguments "
                                        "should be callable."):
        cf.while_loop(1, lambda c: c, 0)
    with pytest.raises(TypeError, match=re.escape(
            "cond_fun must return a boolean scalar, but got output type(s) "
            "[ShapedArray(float32[])].")):
        cf.while_loop(lambda c: c, lambda c: c, arr(1.))
    with pytest.raises(TypeError, match=re.escape(
            "cond_fun must return a boolean scalar, but got pytree PyTreeDef((*, *)).")):
        cf.while_loop(lambda c: (c, c), lambda c: c, arr(1.))
    with pytest.raises(TypeError) as e:
        cf.while_loop(lambda c: lax.lt(c, 3), lambda c: lax.convert_element_type(c, np.float32),
                      arr(1, np.int32))
    assert str(e.value) == (
        "while_loop body function carry input and carry output must have equal types, but "
        "they differ:\n\nThe input carry c has type int32[] but the corresponding output carry "
        "component has type float32[], so the dtypes do not match.\n\nRevise the function so "
        "that all output types match the corresponding input types.")
    with pytest.raises(TypeError) as e:
        cf.while_loop(lambda c: lax.lt(c[0], 3), lambda c: (c[0], c[1], c[1]), (1, 2.))
    assert str(e.value).startswith(
        "while_loop body function carry input and carry output must have the same pytree "
        "structure, but they differ:\n\nThe input carry c is a tuple of length 2 but the "
        "corresponding component of the carry output is a tuple of length 3, so the lengths do "
        "not match.\n")


def test_while_disable_jit():
    with config_mod.disable_jit():
        assert int(cf.while_loop(lambda c: c < 4, lambda c: c + 1, 0)) == 4


# ----------------------------------------------------------------------------------------------
# fori_loop


def test_fori_loop_static_bounds_is_scan(x64):
    def f(x):
        return cf.fori_loop(0, 4, lambda i, c: lax.add(lax.mul(c, x),
                                                       lax.convert_element_type(i, np.float64)),
                            1.)

    closed = make_jaxpr(f)(2.)
    assert [e.primitive for e in closed.eqns] == [cf.scan_p]

    def ref(x):
        c = 1.
        for i in range(4):
            c = c * x + i
        return c

    for fun in (f, jit(f)):
        close(fun(2.), ref(2.))
        close(grad(fun)(2.), _fd(ref, 2.), rtol=1e-6)
    check_grads(f, (arr(.7),), order=2)
    close(hessian(f)(.7), (_fd(lambda v: _fd(ref, v, 1e-4), .7, 1e-4)), rtol=1e-4)


def test_fori_loop_dynamic_bounds_is_while():
    def f(n):
        return cf.fori_loop(1, n, lambda i, c: lax.add(c, i), 0)

    closed = make_jaxpr(f)(5)
    assert [e.primitive for e in closed.eqns] == [cf.while_p]
    for fun in (f, jit(f)):
        assert int(fun(arr(5))) == 10
    close(vmap(f)(arr([1, 3, 5])), [0, 3, 10])


def test_fori_loop_empty_and_errors():
    assert float(cf.fori_loop(3, 1, lambda i, c: lax.add(c, 1.), arr(0.))) == 0.
    with pytest.raises(TypeError, match="lax.fori_loop: body_fun argument should be callable."):
        cf.fori_loop(0, 1, None, 0.)
    with pytest.raises(TypeError, match="lower and upper arguments to fori_loop must have equal "
                                        "types, got int32 and float32"):
        cf.fori_loop(arr(0), arr(1.), lambda i, c: c, 0.)
    with pytest.raises(ValueError, match="Can only use `unroll` in `fori_loop` if the loop "
                                         "bounds are statically known."):
        jit(lambda n: cf.fori_loop(0, n, lambda i, c: c, 0., unroll=2))(3)


# ==============================================================================================
# scan


def _py_scan(f, init, xs, reverse=False):
    carry, ys = init, []
    idx = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for i in idx:
        carry, y = f(carry, xs[i])
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, np.stack(ys)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 2, True])
def test_scan_eager_and_jit(reverse, unroll):
    def body(c, x):
        c = lax.add(lax.mul(c, 0.5), x)
        return c, lax.mul(c, c)

    xs = arr(np.arange(12.).reshape(4, 3))
    expect = _py_scan(lambda c, x: ((c * 0.5 + x), (c * 0.5 + x) ** 2), np.zeros(3),
                      npv(xs), reverse)
    for fun in (cf.scan, jit(cf.scan, static_argnums=(0, 3, 4, 5))):
        c, ys = fun(body, arr(np.zeros(3)), xs, None, reverse, unroll)
        close(c, expect[0])
        close(ys, expect[1])
    _check_abstract(lambda i, x: cf.scan(body, i, x, reverse=reverse), arr(np.zeros(3)), xs)


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8, np.float16, np.float32, "bf16",
                                   np.bool_])
def test_scan_dtypes(dtype):
    import ml_dtypes
    dtype = np.dtype(ml_dtypes.bfloat16) if dtype == "bf16" else np.dtype(dtype)
    xs = arr((np.arange(6) % 2).astype(dtype).reshape(3, 2) if dtype == np.bool_ else
             np.arange(6).astype(dtype).reshape(3, 2))
    op = ew.or_p if dtype == np.bool_ else ew.add_p
    init = arr(np.zeros(2, dtype))
    for fun in (cf.scan, jit(cf.scan, static_argnums=0)):
        c, ys = fun(lambda c, x: (op.bind(c, x), c), init, xs)
        acc = np.zeros(2, dtype)
        expect = []
        for x in npv(xs):
            expect.append(acc)
            acc = (acc | x) if dtype == np.bool_ else (acc + x).astype(dtype)
        assert npv(c).dtype == dtype and npv(ys).dtype == dtype
        np.testing.assert_array_equal(npv(c), acc)
        np.testing.assert_array_equal(npv(ys), np.stack(expect))


def test_scan_pytrees_length_and_none():
    def body(carry, x):
        a, (b,) = carry
        return (lax.add(a, x["u"]), (lax.mul(b, 2.),)), {"s": lax.add(a, b), "n": None}

    init = (arr([0., 0.]), (arr(1.),))
    xs = {"u": arr([[1., 2.], [3., 4.], [5., 6.]])}
    for fun in (cf.scan, jit(cf.scan, static_argnums=0)):
        (a, (b,)), ys = fun(body, init, xs)
        close(a, [9., 12.])
        close(b, 8.)
        close(ys["s"], [[1., 1.], [3., 4.], [8., 10.]])
        assert ys["n"] is None
    c, ys = cf.scan(lambda c, _: (lax.add(c, 1), c), 0, None, length=4)
    assert int(c) == 4
    close(ys, [0, 1, 2, 3])
    c, ys = cf.scan(lambda c, x: (lax.add(c, x), None), arr(0.), arr([1., 2.]))
    assert ys is None and float(c) == 3.


def test_scan_zero_length():
    c, ys = cf.scan(lambda c, x: (lax.add(c, x), lax.mul(c, x)), arr(1.), arr(np.zeros((0,))))
    assert float(c) == 1. and npv(ys).shape == (0,) and npv(ys).dtype == np.float32
    c, ys = jit(lambda i, x: cf.scan(lambda c, x: (c, lax.mul(c, x)), i, x))(
        arr([1.]), arr(np.zeros((0, 1))))
    close(c, [1.])
    assert npv(ys).shape == (0, 1)


def test_scan_jaxpr_layout():
    text = str(make_jaxpr(lambda xs: cf.scan(lambda c, x: (lax.add(c, x), lax.mul(c, x)),
                                             np.float32(0.), xs))(arr(np.arange(3.))))
    assert text == (
        "{ lambda ; a:f32[3]. let\n"
        "    b:f32[] c:f32[3] = scan[\n"
        "      _split_transpose=False\n"
        "      jaxpr={ lambda ; d:f32[] e:f32[]. let\n"
        "          f:f32[] = add d e\n"
        "          g:f32[] = mul d e\n"
        "        in (f, g) }\n"
        "      length=3\n"
        "      linear=(False, False)\n"
        "      num_carry=1\n"
        "      num_consts=0\n"
        "      reverse=False\n"
        "      unroll=1\n"
        "    ] 0.0:f32[] a\n"
        "  in (b, c) }")


def test_scan_forwarding():
    # A carry returned unchanged becomes a constant; a scanned input returned unchanged is
    # forwarded without a copy.
    closed = make_jaxpr(lambda c0, k, xs: cf.scan(
        lambda c, x: ((lax.add(c[0], x), c[1]), x), (c0, k), xs))(1., 2., arr([1., 2.]))
    eqn = [e for e in closed.eqns if e.primitive is cf.scan_p][0]
    assert eqn.params["num_consts"] == 1 and eqn.params["num_carry"] == 1
    assert len(eqn.outvars) == 1
    (c, k), ys = cf.scan(lambda c, x: ((lax.add(c[0], x), c[1]), x), (arr(1.), arr(2.)),
                         arr([1., 2.]))
    close(c, 4.)
    close(k, 2.)
    close(ys, [1., 2.])


def test_scan_weak_type_promotion():
    c, _ = cf.scan(lambda c, x: (c + x, None), 0, arr([1.5, 2.5]))
    assert float(c) == 4.0 and npv(c).dtype == np.float32


def test_scan_errors():
    xs = arr([1., 2.])
    with pytest.raises(TypeError, match="lax.scan: f argument should be a callable."):
        cf.scan(1, 0., xs)
    with pytest.raises(ValueError, match=re.escape(
            "scan got `length` argument of 3 which disagrees with leading axis sizes [2].")):
        cf.scan(lambda c, x: (c, x), 0., xs, length=3)
    with pytest.raises(ValueError, match="scan got values with different leading axis sizes: "
                                         "2, 3."):
        cf.scan(lambda c, x: (c, x), 0., (xs, arr([1., 2., 3.])))
    with pytest.raises(ValueError, match="scan got no values to scan over and `length` not "
                                         "provided."):
        cf.scan(lambda c, x: (c, x), 0.)
    with pytest.raises(ValueError, match="scan got value with no leading axis to scan over: "
                                         "1.0."):
        cf.scan(lambda c, x: (c, x), 0., [xs, 1.0])
    with pytest.raises(TypeError, match=re.escape("scan body output must be a pair, got "
                                                  "ShapedArray(float32[]).")):
        cf.scan(lambda c, x: x, arr(0.), xs)
    with pytest.raises(TypeError) as e:
        cf.scan(lambda c, x: (lax.convert_element_type(c, np.float32), x),
                arr(0, np.int32), xs)
    assert str(e.value) == (
        "scan body function carry input and carry output must have equal types, but they "
        "differ:\n\nThe input carry c has type int32[] but the corresponding output carry "
        "component has type float32[], so the dtypes do not match.\n\nRevise the function so "
        "that all output types match the corresponding input types.")
    with pytest.raises(TypeError) as e:
        cf.scan(lambda carry, x: ((carry[0], S.broadcast(carry[1], (2,))), x),
                (arr(0.), arr(0.)), xs)
    assert str(e.value) == (
        "scan body function carry input and carry output must have equal types, but they "
        "differ:\n\nThe input carry component carry[1] has type float32[] but the "
        "corresponding output carry component has type float32[2], so the shapes do not "
        "match.\n\nRevise the function so that all output types match the corresponding input "
        "types.")
    with pytest.raises(ValueError, match=re.escape("`unroll` must be a `bool` or a positive "
                                                   "`int`.")):
        cf.scan(lambda c, x: (c, x), 0., xs, unroll=0)
    with pytest.raises(errors.ConcretizationTypeError, match="The `length` argument to `scan` "
                                                             "expects a concrete `int` value."):
        jit(lambda n: cf.scan(lambda c, x: (c, x), 0., None, length=n))(3)


def _scan_fun(x, w, xs, reverse=False):
    def body(c, xi):
        c = ew.tanh_p.bind(lax.add(lax.mul(w, c), xi))
        return c, lax.mul(_sin(c), xi)
    c, ys = cf.scan(body, x, xs, reverse=reverse)
    return lax.add(R.reduce_sum(c, (0,)), R.reduce_sum(ys, (0, 1)))


def _scan_ref(x, w, xs, reverse=False):
    c, tot = x, 0.
    idx = range(xs.shape[0] - 1, -1, -1) if reverse else range(xs.shape[0])
    for i in idx:
        xi = S.index_in_dim(xs, i, keepdims=False)
        c = ew.tanh_p.bind(lax.add(lax.mul(w, c), xi))
        tot = lax.add(tot, R.reduce_sum(lax.mul(_sin(c), xi), (0,)))
    return lax.add(R.reduce_sum(c, (0,)), tot)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_grad_matches_python_loop(x64, reverse):
    rng = np.random.RandomState(0)
    x, w, xs = arr(rng.randn(3)), arr(rng.randn(3)), arr(rng.randn(5, 3))
    close(_scan_fun(x, w, xs, reverse), _scan_ref(x, w, xs, reverse))
    expect = grad(_scan_ref, argnums=(0, 1, 2))(x, w, xs, reverse)
    for g in (grad(_scan_fun, argnums=(0, 1, 2)),
              jit(grad(_scan_fun, argnums=(0, 1, 2)), static_argnums=3),
              grad(jit(_scan_fun, static_argnums=3), argnums=(0, 1, 2))):
        got = g(x, w, xs, reverse)
        for a, b in zip(got, expect):
            close(a, b, rtol=1e-10)
    check_grads(lambda *a: _scan_fun(*a, reverse), (x, w, xs), order=2)


def test_scan_jvp_and_linearize(x64):
    rng = np.random.RandomState(1)
    x, w, xs = arr(rng.randn(3)), arr(rng.randn(3)), arr(rng.randn(4, 3))
    t = (arr(rng.randn(3)), arr(rng.randn(3)), arr(rng.randn(4, 3)))
    expect = jvp(_scan_ref, (x, w, xs), t)
    for fun in (_scan_fun, jit(_scan_fun)):
        got = jvp(fun, (x, w, xs), t)
        close(got[0], expect[0], rtol=1e-12)
        close(got[1], expect[1], rtol=1e-10)
    y, f_jvp = linearize(_scan_fun, x, w, xs)
    close(f_jvp(*t), expect[1], rtol=1e-10)
    check_grads(_scan_fun, (x, w, xs), order=1, modes=("fwd",))


def test_scan_grad_wrt_init_only_and_xs_only(x64):
    xs = arr([.1, .2, .3, .4])

    def f_init(c0):
        return cf.scan(lambda c, x: (lax.mul(_sin(c), x), lax.mul(c, c)), c0, xs)[1]

    def f_xs(v):
        return cf.scan(lambda c, x: (lax.add(lax.mul(c, x), x), None), arr(.5), v)[0]

    close(jacrev(f_init)(.7), jacfwd(f_init)(.7), rtol=1e-12)
    check_grads(f_init, (arr(.7),), order=2)
    close(grad(f_xs)(xs), jacfwd(f_xs)(xs), rtol=1e-12)
    check_grads(f_xs, (xs,), order=2)


def test_scan_nested_and_with_cond_and_while(x64):
    def g(x):
        def outer(c, _):
            c, _ = cf.scan(lambda ci, _: (lax.mul(_sin(ci), x), None), c, None, length=3)
            c = cf.cond(lax.gt(c, 0.), lambda v: lax.mul(v, v), lambda v: lax.neg(v), c)
            return c, c
        return R.reduce_sum(cf.scan(outer, x, None, length=2)[1], (0,))

    def g_ref(x):
        c, tot = x, 0.
        for _ in range(2):
            for _ in range(3):
                c = lax.mul(_sin(c), x)
            c = lax.mul(c, c) if float(c) > 0 else lax.neg(c)
            tot = lax.add(tot, c)
        return tot

    for x0 in (0.7, -0.4):
        close(g(x0), g_ref(x0))
        close(grad(g)(x0), grad(g_ref)(x0), rtol=1e-10)
        close(jit(grad(g))(x0), grad(g_ref)(x0), rtol=1e-10)
        check_grads(g, (arr(x0),), order=2)
    # forward mode of a while loop inside a scan
    h = lambda x: cf.scan(lambda c, _: (cf.while_loop(  # noqa: E731
        lambda v: lax.lt(v, 5.), lambda v: lax.mul(v, x), c), None), 1.5, None, length=2)[0]
    check_grads(h, (arr(1.3),), order=1, modes=("fwd",))


@pytest.mark.parametrize("batched", ["xs", "init", "consts", "all"])
def test_scan_vmap(batched):
    rng = np.random.RandomState(2)
    B = 3
    x = arr(rng.randn(B, 2) if batched in ("init", "all") else rng.randn(2))
    w = arr(rng.randn(B, 2) if batched in ("consts", "all") else rng.randn(2))
    xs = arr(rng.randn(B, 4, 2) if batched in ("xs", "all") else rng.randn(4, 2))
    axes = tuple(0 if name in (batched, "all") or batched == "all" else None
                 for name in ("init", "consts", "xs"))

    def f(x, w, xs):
        return cf.scan(lambda c, xi: (ew.tanh_p.bind(lax.add(lax.mul(w, c), xi)),
                                      lax.mul(c, xi)), x, xs)

    expect = [f(*[S.index_in_dim(a, i, keepdims=False) if ax == 0 else a
                  for a, ax in zip((x, w, xs), axes)]) for i in range(B)]
    for fun in (vmap(f, in_axes=axes), jit(vmap(f, in_axes=axes)), vmap(jit(f), in_axes=axes)):
        c, ys = fun(x, w, xs)
        close(c, np.stack([npv(e[0]) for e in expect]), rtol=1e-5)
        close(ys, np.stack([npv(e[1]) for e in expect]), rtol=1e-5)


def test_scan_vmap_xs_batch_axis_not_leading():
    xs = np.arange(12.).reshape(4, 3)  # scanned axis 0 (length 4), batch axis 1 (size 3)

    def f(v):
        return cf.scan(lambda c, x: (lax.add(c, x), c), np.float32(0.), v)

    expect = np.concatenate([np.zeros((1, 3)), np.cumsum(xs, 0)[:-1]])
    for fun in (vmap(f, in_axes=1), jit(vmap(f, in_axes=1))):
        c, ys = fun(arr(xs))
        close(c, xs.sum(0))
        close(ys, expect.T)
    c, ys = vmap(f, in_axes=1, out_axes=(0, 1))(arr(xs))
    close(ys, expect)


def test_scan_vmap_of_grad_and_grad_of_vmap(x64):
    rng = np.random.RandomState(3)
    xb, w, xs = arr(rng.randn(3, 2)), arr(rng.randn(2)), arr(rng.randn(4, 2))
    expect = np.stack([npv(grad(_scan_ref)(S.index_in_dim(xb, i, keepdims=False), w, xs))
                       for i in range(3)])
    close(vmap(grad(_scan_fun), in_axes=(0, None, None))(xb, w, xs), expect, rtol=1e-10)
    tot = lambda a: R.reduce_sum(vmap(_scan_fun, in_axes=(0, None, None))(a, w, xs), (0,))  # noqa
    close(grad(tot)(xb), expect, rtol=1e-10)
    close(jit(grad(tot))(xb), expect, rtol=1e-10)


def test_scan_disable_jit():
    with config_mod.disable_jit():
        c, ys = cf.scan(lambda c, x: (lax.add(c, x), c), arr(0.), arr([1., 2., 3.]))
    close(c, 6.)
    close(ys, [0., 1., 3.])


# ==============================================================================================
# associative_scan


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_sums(n, reverse):
    x = np.arange(1, n + 1, dtype=np.int32)
    expect = np.cumsum(x[::-1])[::-1] if reverse else np.cumsum(x)
    for fun in (cf.associative_scan, jit(cf.associative_scan, static_argnums=(0, 2))):
        out = fun(lax.add, arr(x), reverse)
        np.testing.assert_array_equal(npv(out), expect)


def test_associative_scan_axis_pytrees_and_matrices():
    x = np.arange(24.).reshape(2, 4, 3)
    out = cf.associative_scan(lax.add, arr(x), axis=1)
    close(out, np.cumsum(x, axis=1))
    out = cf.associative_scan(lambda a, b: (lax.add(a[0], b[0]), lax.max(a[1], b[1])),
                              (arr([1., 2., 3.]), arr([3., 1., 4.])))
    close(out[0], [1., 3., 6.])
    close(out[1], [3., 3., 4.])
    mats = np.random.RandomState(0).randn(5, 2, 2).astype(np.float32)

    def matmul(a, b):
        return vmap(lambda p, q: linear.dot_general(p, q, (((1,), (0,)), ((), ()))))(a, b)

    out = cf.associative_scan(matmul, arr(mats))
    expect = [mats[0]]
    for m in mats[1:]:
        expect.append(expect[-1] @ m)
    close(out, np.stack(expect), rtol=1e-5)
    out = cf.associative_scan(ew.or_p.bind, arr([False, True, False]))
    np.testing.assert_array_equal(npv(out), [False, True, True])


def test_associative_scan_grad(x64):
    f = lambda v: R.reduce_sum(lax.mul(cf.associative_scan(lax.mul, v), v), (0,))  # noqa
    check_grads(f, (arr([.5, 1.5, -.3, 2., .7]),), order=2)


def test_associative_scan_errors():
    with pytest.raises(TypeError, match="lax.associative_scan: fn argument should be "
                                        "callable."):
        cf.associative_scan(1, arr([1.]))
    with pytest.raises(ValueError, match="Array inputs to associative_scan must have the same "
                                         "first dimension."):
        cf.associative_scan(lambda a, b: a, (arr([1., 2.]), arr([1.])))


# ==============================================================================================
# Rules


def test_every_control_flow_primitive_has_every_rule():
    for p in (cf.cond_p, cf.while_p, cf.scan_p):
        assert p.impl is not None and p.abstract_eval is not None
        assert p.jvp is not None and p.transpose is not None  # while_p's raises JAX's error
        assert p.batch_with_axis is not None and p.partial_eval is not None
        assert p in __import__("pyjax._src.interpreters.ad",
                               fromlist=["ad"]).partial_eval_jaxpr_rules
        assert "codegen" in p.opt_outs

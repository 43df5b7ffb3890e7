"""custom_jvp, custom_vjp and checkpoint under jit, grad and vmap."""
from functools import partial

import numpy as np
import pytest

import pyjax as jax
import pyjax.numpy as jnp
from pyjax.test_util import check_grads


@jax.custom_jvp
def softplus(x):
    return jnp.log1p(jnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * jax.nn.sigmoid(x) * 1.0


def test_custom_jvp_rule_is_used_everywhere():
    x = 0.7
    expected = 1 / (1 + np.exp(-x))
    for f in (jax.grad(softplus), jax.jit(jax.grad(softplus)), jax.grad(jax.jit(softplus))):
        np.testing.assert_allclose(f(x), expected, rtol=1e-6)
    xs = jnp.linspace(-2.0, 2.0, 5)
    np.testing.assert_allclose(jax.vmap(jax.grad(softplus))(xs), 1 / (1 + np.exp(-xs)),
                               rtol=1e-6)
    _, t = jax.jvp(softplus, (x,), (2.0,))
    np.testing.assert_allclose(t, 2 * expected, rtol=1e-6)


def test_custom_jvp_rule_differs_from_the_function():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvps(lambda t, ans, x: 3.0 * t)
    assert float(jax.grad(f)(0.3)) == 3.0
    assert float(jax.jit(jax.grad(f))(0.3)) == 3.0


def test_custom_jvp_nondiff_argnums():
    @partial(jax.custom_jvp, nondiff_argnums=(0,))
    def scaled(k, x):
        return k * x ** 2

    @scaled.defjvp
    def scaled_jvp(k, primals, tangents):
        (x,), (t,) = primals, tangents
        return scaled(k, x), 2 * k * x * t

    assert float(jax.grad(scaled, argnums=1)(3.0, 2.0)) == 12.0


@jax.custom_vjp
def clip_gradient(x, lo, hi):
    return x


def _clip_fwd(x, lo, hi):
    return x, (lo, hi)


def _clip_bwd(res, g):
    lo, hi = res
    return (jnp.clip(g, lo, hi), None, None)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def test_custom_vjp_rule_is_used_everywhere():
    f = lambda x: 10.0 * clip_gradient(x, -1.0, 1.0)  # noqa: E731
    assert float(jax.grad(f)(2.0)) == 1.0
    assert float(jax.jit(jax.grad(f))(2.0)) == 1.0
    assert float(jax.grad(jax.jit(f))(2.0)) == 1.0
    np.testing.assert_array_equal(jax.vmap(jax.grad(f))(jnp.ones(3)), np.ones(3))


def test_custom_vjp_pytree_residuals_and_forward_mode_error():
    @jax.custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def fwd(x, y):
        return f(x, y), {"c": jnp.cos(x), "pair": (jnp.sin(x), y)}

    def bwd(res, g):
        s, y = res["pair"]
        return (res["c"] * y * g, s * g)

    f.defvjp(fwd, bwd)
    gx, gy = jax.grad(f, argnums=(0, 1))(0.5, 2.0)
    np.testing.assert_allclose([gx, gy], [np.cos(0.5) * 2.0, np.sin(0.5)], rtol=1e-6)
    with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
        jax.jvp(f, (0.5, 2.0), (1.0, 1.0))


def _fixed_point(f, a, x0, steps=60):
    x = x0
    for _ in range(steps):
        x = f(a, x)
    return x


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x0):
    """x* with x* = f(a, x*), differentiated by the implicit function theorem."""
    return _fixed_point(f, a, x0)


def _fixed_point_fwd(f, a, x0):
    x_star = _fixed_point(f, a, x0)
    return x_star, (a, x_star)


def _fixed_point_bwd(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = jax.vjp(lambda a: f(a, x_star), a)
    _, vjp_x = jax.vjp(lambda x: f(a, x), x_star)
    # w = x_star_bar + (df/dx)^T w, solved by iteration (|df/dx| < 1 here).
    w = x_star_bar
    for _ in range(60):
        w = x_star_bar + vjp_x(w)[0]
    return vjp_a(w)[0], jnp.zeros_like(x_star)


fixed_point.defvjp(_fixed_point_fwd, _fixed_point_bwd)


def test_implicit_function_theorem_fixed_point():
    # x = a * cos(x); dx/da = cos(x) / (1 + a sin(x)).
    f = lambda a, x: a * jnp.cos(x)  # noqa: E731
    a = 0.5
    x_star = fixed_point(f, a, 0.0)
    expected = np.cos(x_star) / (1 + a * np.sin(x_star))
    np.testing.assert_allclose(jax.grad(fixed_point, argnums=1)(f, a, 0.0), expected, rtol=1e-5)
    np.testing.assert_allclose(jax.jit(jax.grad(lambda a: fixed_point(f, a, 0.0)))(a), expected,
                               rtol=1e-5)


def test_checkpoint_gradients_and_recomputation():
    def f(x):
        return jnp.sum(jnp.sin(jnp.sin(x) * x))

    g = jax.checkpoint(f)
    x = jnp.linspace(0.1, 1.0, 4)
    np.testing.assert_allclose(jax.grad(g)(x), jax.grad(f)(x), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(jax.grad(g))(x), jax.grad(f)(x), rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(jax.grad(lambda v: g(v)))(x.reshape(2, 2)),
                               jax.vmap(jax.grad(f))(x.reshape(2, 2)), rtol=1e-6)
    check_grads(g, (x,), order=2, modes=("fwd", "rev"))
    # The backward pass recomputes sin(x) instead of saving it: the linearized program
    # contains the primal sin again.
    text = str(jax.make_jaxpr(jax.grad(g))(x))
    assert "checkpoint[" in text and text.count("= sin ") >= 2

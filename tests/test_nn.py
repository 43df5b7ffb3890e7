"""jax.nn: activations, softmax family, one_hot, standardize and the initializers, against
NumPy/SciPy formulas, eagerly and under jit, with gradients checked by finite differences."""
import numpy as np
import pytest
import scipy.special as sp

import pyjax
import pyjax.nn as nn
import pyjax.numpy as jnp
import pyjax.random  # noqa: F401 (binds pyjax.random)
from pyjax._src import config as config_mod
from pyjax.test_util import check_grads

X = np.array([-7., -2., -1., -0.5, -0.1, 0., 0.1, 0.5, 1., 2., 5., 7.], np.float32)


def _np_gelu(x, approximate=True):
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * sp.erfc(-x / np.sqrt(2))


ACTIVATIONS = [
    ("relu", lambda x: np.maximum(x, 0)),
    ("relu6", lambda x: np.minimum(np.maximum(x, 0), 6)),
    ("sigmoid", sp.expit),
    ("softplus", lambda x: np.logaddexp(x, 0)),
    ("log_sigmoid", lambda x: -np.logaddexp(-x, 0)),
    ("silu", lambda x: x * sp.expit(x)),
    ("swish", lambda x: x * sp.expit(x)),
    ("mish", lambda x: x * np.tanh(np.logaddexp(x, 0))),
    ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("celu", lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0))),
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.01 * x)),
    ("hard_tanh", lambda x: np.clip(x, -1, 1)),
    ("hard_sigmoid", lambda x: np.clip(x + 3, 0, 6) / 6),
    ("hard_silu", lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("hard_swish", lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("soft_sign", lambda x: x / (np.abs(x) + 1)),
    ("sparse_plus", lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    ("sparse_sigmoid", lambda x: 0.5 * np.clip(x + 1, 0, 2)),
    ("squareplus", lambda x: (x + np.sqrt(x * x + 4)) / 2),
    ("gelu", _np_gelu),
    ("tanh", np.tanh),
    ("identity", lambda x: x),
]


@pytest.mark.parametrize("name,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("jit", [False, True])
def test_activation(name, ref, jit):
    fun = getattr(nn, name)
    f = pyjax.jit(fun) if jit else fun
    out = f(X)
    assert out.dtype == np.float32 and out.shape == X.shape
    np.testing.assert_allclose(out, ref(X.astype(np.float64)), rtol=2e-6, atol=2e-7)
    x2 = X.reshape(3, 4)
    np.testing.assert_allclose(f(x2), ref(x2.astype(np.float64)), rtol=2e-6, atol=2e-7)
    assert f(np.float32(0.5)).shape == ()


def test_activation_options_and_dtypes():
    np.testing.assert_allclose(nn.gelu(X, approximate=False), _np_gelu(X, False), rtol=2e-6,
                               atol=1e-7)
    np.testing.assert_allclose(nn.elu(X, alpha=0.5), np.where(X > 0, X, 0.5 * np.expm1(X)),
                               rtol=1e-6)
    np.testing.assert_allclose(nn.celu(X, alpha=2.), np.maximum(X, 0)
                               + 2 * np.expm1(np.minimum(X, 0) / 2), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(nn.leaky_relu(X, negative_slope=0.2), np.where(X >= 0, X, .2 * X))
    np.testing.assert_allclose(nn.squareplus(X, b=1), (X + np.sqrt(X * X + 1)) / 2, rtol=1e-6)
    for dtype in (np.float16, jnp.bfloat16):
        x = X.astype(dtype)
        for f in (nn.relu, nn.gelu, nn.softplus, nn.elu, nn.hard_tanh):
            assert f(x).dtype == dtype
    assert nn.relu(np.arange(-2, 3, dtype=np.int32)).dtype == np.int32
    x = jnp.arange(8.).reshape(2, 4)
    np.testing.assert_allclose(nn.glu(x), x[:, :2] * sp.expit(np.asarray(x[:, 2:])), rtol=1e-6)
    np.testing.assert_allclose(nn.glu(x, axis=0), x[:1] * sp.expit(np.asarray(x[1:])),
                               rtol=1e-6)
    with pytest.raises(AssertionError, match="divisible by 2"):
        nn.glu(jnp.ones(3))


def test_relu_derivatives_follow_jax():
    assert pyjax.grad(nn.relu)(0.) == 0.
    assert pyjax.grad(nn.relu6)(0.) == 0. and pyjax.grad(nn.relu6)(6.) == 0.
    assert pyjax.grad(nn.relu6)(3.) == 1.
    np.testing.assert_allclose(pyjax.vmap(pyjax.grad(nn.relu))(X), (X > 0).astype(np.float32))


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid", "silu", "mish", "elu",
                                  "selu", "celu", "gelu", "squareplus", "soft_sign"])
def test_activation_grads(name):
    with config_mod.enable_x64(True):
        x = np.array([-2.3, -0.7, 0.4, 1.9])
        check_grads(getattr(nn, name), (x,), 2)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_log_softmax_logsumexp(axis):
    x = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    for f in (lambda x: nn.softmax(x, axis=axis), pyjax.jit(lambda x: nn.softmax(x, axis=axis))):
        np.testing.assert_allclose(f(x), sp.softmax(x, axis=axis), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(nn.log_softmax(x, axis=axis), sp.log_softmax(x, axis=axis),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nn.logsumexp(x, axis=axis), sp.logsumexp(x, axis=axis),
                               rtol=1e-6)
    with config_mod.enable_x64(True):
        x64 = x.astype(np.float64)
        check_grads(lambda x: nn.softmax(x, axis=axis), (x64,), 2)
        check_grads(lambda x: nn.log_softmax(x, axis=axis), (x64,), 2)


def test_softmax_where_and_extremes():
    x = np.array([[1., 2., 3.], [4., 5., -np.inf]], np.float32)
    where = np.array([[True, False, True], [True, True, True]])
    out = nn.softmax(x, where=where)
    expected = np.where(where, np.exp(np.where(where, x, -np.inf)), 0)
    expected = expected / expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    ls = nn.log_softmax(x, where=where)
    assert ls[0, 1] == -np.inf
    np.testing.assert_allclose(nn.softmax(np.array([1000., 0.], np.float32)), [1., 0.])
    g = pyjax.grad(lambda x: nn.softmax(x)[0])(jnp.array([1., 2., 3.]))
    s = sp.softmax([1., 2., 3.])
    np.testing.assert_allclose(g, s[0] * (np.eye(3)[0] - s), rtol=1e-5)


def test_one_hot():
    x = jnp.array([0, 2, 5, -1])
    out = nn.one_hot(x, 3)
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    assert out.dtype == np.float32
    out = nn.one_hot(x, 3, dtype=jnp.int32, axis=0)
    assert out.shape == (3, 4) and out.dtype == np.int32
    assert nn.one_hot(jnp.zeros((2, 3), jnp.int32), 4, axis=1).shape == (2, 4, 3)
    assert pyjax.jit(lambda x: nn.one_hot(x, 3))(x).shape == (4, 3)
    with config_mod.enable_x64(True):
        assert nn.one_hot(x, 3).dtype == np.float64


def test_standardize():
    x = np.random.RandomState(1).randn(3, 5).astype(np.float32)
    out = nn.standardize(x)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    out0 = nn.standardize(x, axis=0, epsilon=0.)
    np.testing.assert_allclose(out0, (x - x.mean(0)) / x.std(0), rtol=1e-4, atol=1e-5)
    out = nn.standardize(x, mean=0., variance=1.)
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-5), rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Initializers

INIT = nn.initializers


def test_simple_initializers():
    key = pyjax.random.key(0)
    assert (INIT.zeros(key, (2, 3)) == 0).all() and INIT.zeros(key, (2, 3)).dtype == np.float32
    assert (INIT.ones(key, (2,), jnp.int32) == 1).all()
    np.testing.assert_array_equal(INIT.constant(-0.5)(key, (2, 2)), np.full((2, 2), -0.5))
    u = INIT.uniform(scale=2.0)(key, (1000,))
    assert u.dtype == np.float32 and 0 <= float(u.min()) and float(u.max()) < 2
    np.testing.assert_allclose(u, pyjax.random.uniform(key, (1000,)) * 2, rtol=1e-6)
    n = INIT.normal(stddev=0.5)(key, (1000,))
    np.testing.assert_allclose(n, pyjax.random.normal(key, (1000,)) * 0.5, rtol=1e-6)
    t = INIT.truncated_normal(stddev=1.0, lower=-1., upper=1.)(key, (1000,))
    assert float(jnp.abs(t).max()) <= 1.0
    with config_mod.enable_x64(True):
        assert INIT.normal()(key, (2,)).dtype == np.float64


@pytest.mark.parametrize("name,scale,mode,dist", [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"), ("glorot_normal", 1.0, "fan_avg",
                                                    "truncated_normal"),
    ("xavier_uniform", 1.0, "fan_avg", "uniform"), ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"), ("he_uniform", 2.0, "fan_in",
                                                          "uniform"),
    ("he_normal", 2.0, "fan_in", "truncated_normal"), ("kaiming_normal", 2.0, "fan_in",
                                                       "truncated_normal")])
def test_variance_scaling_family(name, scale, mode, dist):
    key = pyjax.random.key(3)
    shape = (40, 60)
    w = getattr(INIT, name)()(key, shape)
    ref = INIT.variance_scaling(scale, mode, dist)(key, shape)
    np.testing.assert_array_equal(w, ref)
    fan_in, fan_out = 40, 60
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    assert abs(float(jnp.var(w)) - scale / n) < 0.25 * scale / n
    if dist == "uniform":
        expected = pyjax.random.uniform(key, shape, jnp.float32, -1) * np.sqrt(3 * scale / n)
    else:
        expected = pyjax.random.truncated_normal(key, -2, 2, shape, jnp.float32) * (
            np.sqrt(scale / n) / .87962566103423978)
    np.testing.assert_allclose(w, expected, rtol=1e-5)


def test_variance_scaling_options():
    key = pyjax.random.key(1)
    w = INIT.variance_scaling(1.0, "fan_out", "normal")(key, (3, 5, 4, 6))
    expected = pyjax.random.normal(key, (3, 5, 4, 6)) * np.sqrt(1.0 / (6 * 15))
    np.testing.assert_allclose(w, expected, rtol=1e-5)
    w = INIT.variance_scaling(1.0, "fan_geo_avg", "uniform", in_axis=0, out_axis=(1, 2),
                              batch_axis=3)(key, (4, 2, 3, 5))
    assert w.shape == (4, 2, 3, 5)
    c = INIT.variance_scaling(1.0, "fan_in", "uniform", dtype=jnp.complex64)(key, (50, 50))
    assert c.dtype == np.complex64 and float(jnp.abs(c).max()) <= np.sqrt(2 / 50) + 1e-6
    c = INIT.glorot_normal(dtype=jnp.complex64)(key, (50, 50))
    assert c.dtype == np.complex64
    with pytest.raises(ValueError, match="invalid mode for variance scaling initializer"):
        INIT.variance_scaling(1.0, "fan", "normal")(key, (2, 2))
    with pytest.raises(ValueError, match="invalid distribution for variance scaling"):
        INIT.variance_scaling(1.0, "fan_in", "cauchy")(key, (2, 2))
    with pytest.raises(ValueError, match="Can't compute input and output sizes"):
        INIT.glorot_uniform()(key, (3,))


@pytest.mark.parametrize("shape,column_axis", [((4, 4), -1), ((6, 3), -1), ((3, 6), -1),
                                               ((2, 3, 8), -1), ((5, 2, 3), 0)])
def test_orthogonal(shape, column_axis):
    key = pyjax.random.key(2)
    w = np.asarray(INIT.orthogonal(scale=2.0, column_axis=column_axis)(key, shape))
    assert w.shape == shape
    m = np.moveaxis(w, column_axis, -1).reshape(-1, shape[column_axis])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 4 * np.eye(m.shape[1]), atol=1e-4)
    else:
        np.testing.assert_allclose(m @ m.T, 4 * np.eye(m.shape[0]), atol=1e-4)
    # The construction: QR of a normal sample, with R's diagonal made positive.
    if shape == (6, 3):
        a = np.asarray(pyjax.random.normal(key, (6, 3)))
        q, r = np.linalg.qr(a)
        np.testing.assert_allclose(w, 2 * q * np.sign(np.diag(r)), atol=1e-5)


def test_delta_orthogonal():
    key = pyjax.random.key(4)
    w = np.array(INIT.delta_orthogonal()(key, (3, 3, 4, 5)))
    centre = w[1, 1]
    np.testing.assert_allclose(centre @ centre.T, np.eye(4), atol=1e-5)
    w[1, 1] = 0
    assert (w == 0).all()
    with pytest.raises(ValueError, match="requires a 3D, 4D or 5D shape"):
        INIT.delta_orthogonal()(key, (4, 4))
    with pytest.raises(ValueError, match="`fan_in` must be less or equal than `fan_out`"):
        INIT.delta_orthogonal()(key, (3, 5, 4))

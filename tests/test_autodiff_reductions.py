"""Differentiation of the reduction primitives: jvp and vjp to second order against finite
differences (check_grads), the transposes of the linear ones (reduce_sum, cumsum,
reduce_precision), and JAX's conventions: ties in reduce_max/min share the tangent, the
associative-scan tie split of cummax/cummin, products with zeros, integer results."""
import numpy as np
import pytest

import pyjax
from pyjax import lax
from pyjax._src.ad_api import grad, jvp, linearize, vjp
from pyjax._src.api import jit
from pyjax._src.config import config
from pyjax._src.primitives import reductions as R
from pyjax.test_util import check_grads


@pytest.fixture(params=["float32", "float64"])
def fdtype(request):
    """A real dtype; float64 runs with jax_enable_x64 on (restored afterwards)."""
    with config.setting("jax_enable_x64", request.param == "float64"):
        yield np.dtype(request.param)


def sample(shape, dtype, low=-2.0, high=2.0, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(low, high, size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(low, high, size=shape)
    return np.asarray(x, dtype)


def distinct(shape, dtype, seed=0):
    """Values in [-2, 2) at least 0.1 apart (so max/min have no ties within eps)."""
    rng = np.random.RandomState(seed)
    n = int(np.prod(shape, dtype=np.int64))
    values = (rng.permutation(n) - n / 2) * (4.0 / max(n, 1)) + rng.uniform(0, 0.05, n)
    return np.asarray(values.reshape(shape), dtype)


def grads_ok(f, args, dtype, order=2, tol=None):
    eps = 1e-4 if np.dtype(dtype) in (np.float64, np.complex128) else 1e-3
    check_grads(f, args, order, modes=("fwd", "rev"), atol=tol, rtol=tol, eps=eps)


SHAPES_AXES = [((5,), (0,)), ((2, 3), (1,)), ((2, 3), (0,)), ((2, 3), (0, 1)), ((2, 3), ()),
               ((2, 3, 4), (0, 2)), ((), ())]
SA_IDS = ["5-0", "23-1", "23-0", "23-01", "23-none", "234-02", "scalar"]


@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=SA_IDS)
def test_reduce_sum_grads(shape, axes, fdtype):
    grads_ok(lambda x: lax.reduce_sum(x, axes), (sample(shape, fdtype),), fdtype)


@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=SA_IDS)
def test_reduce_prod_grads(shape, axes, fdtype):
    grads_ok(lambda x: lax.reduce_prod(x, axes), (sample(shape, fdtype, 0.5, 1.5),), fdtype)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_reduce_prod_grads_lengths(n, fdtype):
    # Every shape of the pairwise-product tree: odd levels pad with a one.
    grads_ok(lambda x: lax.reduce_prod(x, (1,)), (sample((2, n), fdtype, -1.5, 1.5),), fdtype)


def test_reduce_prod_with_zeros_is_exact():
    x = np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 1.0], [1.0, 2.0, 3.0, 4.0]], np.float32)
    g = grad(lambda x: lax.reduce_sum(lax.reduce_prod(x, (1,)), (0,)))(x)
    np.testing.assert_array_equal(np.asarray(g), [[0, 24, 0, 0], [0, 0, 0, 0],
                                                  [24, 12, 8, 6]])
    # The product is a polynomial, so finite differences are exact enough even at zeros.
    grads_ok(lambda x: lax.reduce_prod(x, (1,)), (x,), np.float32)
    hess_diag = grad(lambda x: grad(lambda x: lax.reduce_prod(x, (0,)))(x)[1])(
        np.array([2.0, 0.0, 3.0], np.float32))
    np.testing.assert_array_equal(np.asarray(hess_diag), [3.0, 0.0, 2.0])


def test_reduce_prod_empty():
    x = np.zeros((2, 0), np.float32)
    out, t = jvp(lambda x: lax.reduce_prod(x, (1,)), (x,), (x,))
    np.testing.assert_array_equal(np.asarray(out), [1, 1])
    np.testing.assert_array_equal(np.asarray(t), [0, 0])


@pytest.mark.parametrize("op", [lax.reduce_max, lax.reduce_min], ids=["max", "min"])
@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=SA_IDS)
def test_reduce_max_min_grads(op, shape, axes, fdtype):
    grads_ok(lambda x: op(x, axes), (distinct(shape, fdtype),), fdtype)


def test_reduce_max_min_ties_share_the_tangent():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    g = grad(lambda x: lax.reduce_sum(lax.reduce_max(x, (1,)), (0,)))(x)
    np.testing.assert_allclose(np.asarray(g), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    g = grad(lambda x: lax.reduce_min(x, (0, 1)))(x)
    np.testing.assert_allclose(np.asarray(g), [[1, 0, 0], [0, 0, 0]])
    _, t = jvp(lambda x: lax.reduce_max(x, (1,)), (x,), (np.arange(6, dtype=np.float32)
                                                       .reshape(2, 3),))
    np.testing.assert_allclose(np.asarray(t), [1.5, 4.0])


@pytest.mark.parametrize("op", [lax.argmax, lax.argmin], ids=["argmax", "argmin"])
def test_argmax_argmin_have_float0_tangents(op):
    x = distinct((2, 3), np.float32)
    out, t = jvp(lambda x: op(x, 1, np.int32), (x,), (np.ones_like(x),))
    assert t.dtype == pyjax.dtypes.float0 and t.shape == (2,)
    # Used as an index into a float computation, no gradient flows through the index.
    g = grad(lambda x: lax.reduce_sum(x * lax.convert_element_type(op(x, 1, np.int32),
                                                                   np.float32)[:, None],
                                      (0, 1)))(x)
    np.testing.assert_array_equal(np.asarray(g),
                                  np.repeat(np.asarray(op(x, 1, np.int32), np.float32)[:, None],
                                            3, axis=1))


@pytest.mark.parametrize("op", [lax.reduce_and, lax.reduce_or, lax.reduce_xor],
                         ids=["and", "or", "xor"])
def test_logical_reductions_have_float0_tangents(op):
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    out, t = jvp(lambda x: op(x, (1,)), (x,), (np.zeros(x.shape, pyjax.dtypes.float0),))
    assert t.dtype == pyjax.dtypes.float0 and t.shape == (2,)


# ----------------------------------------------------------------------------------------------
# Cumulative reductions

CUM_CASES = [((5,), 0), ((2, 3), 1), ((3, 2), 0), ((2, 4, 3), 1), ((1,), 0), ((2, 7), 1)]
CUM_IDS = ["5-0", "23-1", "32-0", "243-1", "1-0", "27-1"]


@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("shape,axis", CUM_CASES, ids=CUM_IDS)
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"])
def test_cumulative_grads(name, shape, axis, reverse, fdtype):
    op = getattr(lax, name)
    if name in ("cummax", "cummin"):
        x = distinct(shape, fdtype)
    elif name == "cumprod":
        x = sample(shape, fdtype, 0.6, 1.4) * np.where(sample(shape, fdtype, seed=3) > 0, 1, -1)
    else:
        x = sample(shape, fdtype)
    grads_ok(lambda x: op(x, axis, reverse), (np.asarray(x, fdtype),), fdtype)


def test_cumprod_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0], np.float32)
    ct = np.array([1.0, 1.0, 1.0, 1.0, 1.0], np.float32)
    _, f_vjp = vjp(lambda x: lax.cumprod(x), x)
    # d/dx_j sum_i prod_{k<=i} x_k: only products with a single zero (at j) survive.
    np.testing.assert_array_equal(np.asarray(f_vjp(ct)[0]), [1.0, 2.0 + 6.0, 0.0, 0.0, 0.0])
    x = np.array([2.0, 0.0, 3.0, 4.0], np.float32)
    _, t = jvp(lambda x: lax.cumprod(x, reverse=True), (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(np.asarray(t), [24.0, 12.0, 7.0, 1.0])


def test_cummax_ties_split_as_jax_associative_scan():
    # JAX differentiates the parallel prefix scan of max, whose ties share the tangent 50/50
    # at each combining step; with three equal values the weights follow the scan's tree.
    g = grad(lambda x: lax.reduce_sum(lax.cummax(x), (0,)))(np.ones(2, np.float32))
    np.testing.assert_allclose(np.asarray(g), [1.5, 0.5])
    g = grad(lambda x: lax.reduce_sum(lax.cummax(x), (0,)))(np.ones(3, np.float32))
    np.testing.assert_allclose(np.asarray(g), [1.75, 0.75, 0.5])
    g = grad(lambda x: lax.reduce_sum(lax.cummin(x, reverse=True), (0,)))(np.ones(2, np.float32))
    np.testing.assert_allclose(np.asarray(g), [0.5, 1.5])


def test_cummax_tangent_follows_the_running_maximum():
    x = np.array([[1.0, 2.0, 0.0, 4.0, 5.0], [0.5, 0.0, 3.0, 1.0, 2.0]], np.float32)
    t = np.arange(10, dtype=np.float32).reshape(2, 5)
    _, t_out = jvp(lambda x: lax.cummax(x, 1), (x,), (t,))
    np.testing.assert_array_equal(np.asarray(t_out), [[0, 1, 1, 3, 4], [5, 5, 7, 7, 7]])
    _, t_out = jvp(lambda x: lax.cummin(x, 1, reverse=True), (x,), (t,))
    np.testing.assert_array_equal(np.asarray(t_out), [[2, 2, 2, 3, 4], [6, 6, 8, 8, 9]])


def test_cumlogsumexp_with_infinities():
    x = np.array([-np.inf, 0.0, 1.0], np.float32)
    _, t = jvp(lambda x: lax.cumlogsumexp(x), (x,), (np.ones_like(x),))
    # exp(x_j - out_i) weights; exp(-inf - out) = 0.
    np.testing.assert_allclose(np.asarray(t)[1:], [1.0, 1.0], rtol=1e-6)


def test_cumulative_grads_under_jit():
    x = sample((3, 4), np.float32, 0.5, 1.5)
    grads_ok(jit(lambda x: lax.cumprod(x, 1) + lax.cumlogsumexp(x, 0, True)), (x,), np.float32)


# ----------------------------------------------------------------------------------------------
# Linear reductions: transposes, reduce_precision


def _pair(u, v):
    return sum(np.real(np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)))
               for a, b in zip(u, v, strict=True))


def check_transpose(f, x, seed=0):
    rng = np.random.RandomState(seed)

    def like(a):
        a = np.asarray(a)
        r = np.asarray(rng.randn(*a.shape))
        if a.dtype.kind == "c":
            r = r + 1j * np.asarray(rng.randn(*a.shape))
        return r.astype(a.dtype)

    out, f_lin = linearize(f, x)
    t, ct = like(x), like(out)
    a_t = f_lin(t)
    _, f_vjp = vjp(f, x)
    (at_ct,) = f_vjp(ct)
    np.testing.assert_allclose(_pair([ct], [a_t]), _pair([at_ct], [t]), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(a_t), np.asarray(f(t)), rtol=1e-5, atol=1e-5)


LINEAR = [
    ("reduce_sum_1", lambda x: lax.reduce_sum(x, (1,)), (2, 3), np.float32),
    ("reduce_sum_02", lambda x: lax.reduce_sum(x, (0, 2)), (2, 3, 4), np.float32),
    ("reduce_sum_all_complex", lambda x: lax.reduce_sum(x, (0, 1)), (2, 3), np.complex64),
    ("reduce_sum_none", lambda x: lax.reduce_sum(x, ()), (2, 3), np.float32),
    ("cumsum_0", lambda x: lax.cumsum(x, 0), (4, 3), np.float32),
    ("cumsum_1_rev", lambda x: lax.cumsum(x, 1, reverse=True), (4, 3), np.float32),
    ("cumsum_complex", lambda x: lax.cumsum(x, 0), (5,), np.complex64),
    ("reduce_precision", lambda x: lax.reduce_precision(x, 8, 23), (2, 3), np.float32),
]


@pytest.mark.parametrize("name,f,shape,dtype", LINEAR, ids=[c[0] for c in LINEAR])
def test_linear_transpose(name, f, shape, dtype):
    check_transpose(f, sample(shape, dtype))


def test_reduce_precision_rounds_the_tangent_as_jax():
    # JAX treats reduce_precision as linear: the tangent is rounded the same way.
    x = np.float32(1.0)
    t = np.float32(1.0 + 2 ** -12)
    _, t_out = jvp(lambda x: lax.reduce_precision(x, 8, 7), (x,), (t,))
    assert float(t_out) == 1.0
    assert float(grad(lambda x: lax.reduce_precision(x, 5, 10))(np.float32(3.3))) == 1.0


def test_every_primitive_has_a_jvp_rule_or_an_opt_out():
    prims = [v for k, v in vars(R).items() if k.endswith("_p")]
    assert len(prims) >= 15
    for p in prims:
        assert p.jvp is not None or "jvp" in p.opt_outs, p
    for p in (R.reduce_sum_p, R.cumsum_p, R.reduce_precision_p):
        assert p.transpose is not None, p

"""Differentiation of the elementwise primitives: jvp and vjp to second order against finite
differences (check_grads), the transpose identity <ct, A t> = <A^T ct, t> of every linear
primitive, JAX's conventions at special points (ties, zeros, clamp bounds, pow at 0), and the
seeds' examples (Chebyshev gradients with inf/nan, debug_nans, nested grad of jit)."""
import numpy as np
import pytest

import pyjax
from pyjax import lax
from pyjax._src import lax as _lax_internal
from pyjax._src.ad_api import grad, jvp, linearize, vjp
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.config import config
from pyjax._src.primitives import elementwise as ew
from pyjax.test_util import check_grads

polygamma, stop_gradient = ew.polygamma, ew.stop_gradient


# ----------------------------------------------------------------------------------------------
# Inputs and dtypes


@pytest.fixture(params=["float32", "float64"])
def fdtype(request):
    """A real dtype; float64 runs with jax_enable_x64 on (restored afterwards)."""
    with config.setting("jax_enable_x64", request.param == "float64"):
        yield np.dtype(request.param)


@pytest.fixture(params=["complex64", "complex128"])
def cdtype(request):
    with config.setting("jax_enable_x64", request.param == "complex128"):
        yield np.dtype(request.param)


def sample(shape, dtype, low, high, seed=0, avoid_zero=False):
    """Uniform values in [low, high) (complex: that real part, imaginary part in [-.5, .5))."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(low, high, size=shape)
    if avoid_zero:  # magnitudes in [low, high) with random signs
        x = x * np.where(rng.rand(*shape) < 0.5, -1, 1)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-0.5, 0.5, size=shape)
    return np.asarray(x, dtype)


def grads_ok(f, args, dtype, order=2, tol=None):
    """check_grads in both modes, with a finite-difference step suited to the precision."""
    wide = np.dtype(dtype).itemsize >= 8 and np.dtype(dtype).kind == "f" or \
        np.dtype(dtype) == np.complex128
    eps = 1e-4 if wide else 1e-3
    check_grads(f, args, order, modes=("fwd", "rev"), atol=tol, rtol=tol, eps=eps)


# ----------------------------------------------------------------------------------------------
# Unary functions: (name, function, sampling domain, works on complex)

UNARY = [
    ("neg", lax.neg, (-2, 2), True),
    ("exp", lax.exp, (-2, 2), True),
    ("exp2", lax.exp2, (-2, 2), True),
    ("log", lax.log, (0.5, 3), True),
    ("log1p", lax.log1p, (-0.5, 2), True),
    ("expm1", lax.expm1, (-2, 2), True),
    ("tanh", lax.tanh, (-2, 2), True),
    ("logistic", lax.logistic, (-3, 3), True),
    ("sin", lax.sin, (-3, 3), True),
    ("cos", lax.cos, (-3, 3), True),
    ("tan", lax.tan, (-1, 1), True),
    ("asin", lax.asin, (-0.7, 0.7), True),
    ("acos", lax.acos, (-0.7, 0.7), True),
    ("atan", lax.atan, (-2, 2), True),
    ("sinh", lax.sinh, (-2, 2), True),
    ("cosh", lax.cosh, (-2, 2), True),
    ("asinh", lax.asinh, (-2, 2), True),
    ("acosh", lax.acosh, (1.3, 3), True),
    ("atanh", lax.atanh, (-0.7, 0.7), True),
    ("sqrt", lax.sqrt, (0.5, 3), True),
    ("rsqrt", lax.rsqrt, (0.5, 3), True),
    ("square", lax.square, (-2, 2), True),
    ("abs", lax.abs, "nonzero", True),
    ("cbrt", lax.cbrt, "nonzero", False),
    ("erf", lax.erf, (-2, 2), False),
    ("erfc", lax.erfc, (-2, 2), False),
    ("erf_inv", lax.erf_inv, (-0.7, 0.7), False),
    ("lgamma", lax.lgamma, (0.5, 4), False),
    ("digamma", lax.digamma, (0.5, 4), False),
    ("bessel_i0e", lax.bessel_i0e, "nonzero", False),
    ("bessel_i1e", lax.bessel_i1e, "nonzero", False),
    ("integer_pow_2", lambda x: lax.integer_pow(x, 2), (-2, 2), True),
    ("integer_pow_3", lambda x: lax.integer_pow(x, 3), (-2, 2), True),
    ("integer_pow_-2", lambda x: lax.integer_pow(x, -2), "nonzero", True),
    ("integer_pow_1", lambda x: lax.integer_pow(x, 1), (-2, 2), True),
    ("integer_pow_0", lambda x: lax.integer_pow(x, 0), (-2, 2), True),
    ("polygamma_1", lambda x: polygamma(np.ones((), x.dtype), x), (0.5, 4), False),
    ("reduce_precision_full", lambda x: lax.reduce_precision(
        x, *{4: (8, 23), 8: (11, 52)}[np.dtype(x.dtype).itemsize]), (-2, 2), False),
]
UNARY_IDS = [u[0] for u in UNARY]


def _unary_input(domain, shape, dtype):
    if domain == "nonzero":
        return sample(shape, dtype, 0.5, 2.5, avoid_zero=True)
    return sample(shape, dtype, *domain)


@pytest.mark.parametrize("name,fun,domain,cplx", UNARY, ids=UNARY_IDS)
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=["0d", "2d"])
def test_unary_grads(name, fun, domain, cplx, shape, fdtype):
    grads_ok(fun, (_unary_input(domain, shape, fdtype),), fdtype)


@pytest.mark.parametrize("name,fun,domain,cplx", [u for u in UNARY if u[3]],
                         ids=[u[0] for u in UNARY if u[3]])
def test_unary_grads_complex(name, fun, domain, cplx, cdtype):
    if name == "abs" and cdtype == np.complex64:
        tol = 1e-2  # |z| is not holomorphic; its second derivative is badly conditioned in f32
    else:
        tol = None
    grads_ok(fun, (_unary_input(domain, (3,), cdtype),), cdtype, tol=tol)


def test_unary_grads_under_jit(fdtype):
    def f(x):
        return lax.tanh(lax.sin(x) * lax.exp(x)) + lax.sqrt(lax.abs(x))
    grads_ok(jit(f), (sample((4,), fdtype, 0.5, 2),), fdtype)


ZERO_DERIVATIVE = [
    ("sign", lax.sign), ("floor", lax.floor), ("ceil", lax.ceil), ("round", lax.round),
    ("round_even", lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)),
]


@pytest.mark.parametrize("name,fun", ZERO_DERIVATIVE, ids=[z[0] for z in ZERO_DERIVATIVE])
def test_piecewise_constant_functions_have_zero_derivative(name, fun, fdtype):
    x = sample((2, 3), fdtype, 0.1, 0.4) + np.arange(6, dtype=fdtype).reshape(2, 3)
    grads_ok(fun, (x,), fdtype)
    _, t = jvp(fun, (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(np.asarray(t), np.zeros_like(x))


@pytest.mark.parametrize("fun", [lax.is_finite, lambda x: lax.eq(x, x), lambda x: lax.lt(x, 1.0),
                                 lambda x: lax.ge(x, 1.0), lambda x: lax.ne(x, 0.0)],
                         ids=["is_finite", "eq", "lt", "ge", "ne"])
def test_boolean_outputs_have_float0_tangents(fun):
    x = np.array([0.5, 1.0, 2.0], np.float32)
    out, t = jvp(fun, (x,), (np.ones_like(x),))
    assert np.asarray(out).dtype == np.bool_
    assert t.dtype == pyjax.dtypes.float0 and t.shape == (3,)


def test_integer_ops_differentiate_to_zero_in_float_compositions():
    # Integer primitives only ever see float0 (zero) tangents: a float function that uses them
    # on an integer argument differentiates fine.
    def f(x, n):
        k = lax.shift_left(lax.bitwise_and(n, np.int32(7)), np.int32(1))
        k = lax.population_count(lax.bitwise_xor(k, lax.clz(n)))
        return x * lax.convert_element_type(k, np.float32)
    x, n = np.float32(1.5), np.int32(13)
    assert float(grad(f)(x, n)) == float(f(1.0, n))
    g_n = grad(f, argnums=1, allow_int=True)(x, n)
    assert g_n.dtype == pyjax.dtypes.float0


def test_nextafter_is_not_differentiable_as_in_jax():
    with pytest.raises(NotImplementedError, match="Differentiation rule for 'nextafter'"):
        grad(lambda x: lax.nextafter(x, np.float32(2)))(np.float32(1))
    assert "jvp" in ew.nextafter_p.opt_outs


def test_polygamma_order_is_not_differentiable():
    with pytest.raises(ValueError, match="with respect to m"):
        grad(lambda m: polygamma(m, np.float32(2.0)))(np.float32(1.0))
    import scipy.special
    np.testing.assert_allclose(np.asarray(polygamma(np.float32([0, 1, 2]), np.float32(2.5))),
                               scipy.special.polygamma([0, 1, 2], 2.5), rtol=1e-6)
    assert np.isnan(np.asarray(polygamma(np.float32(1.5), np.float32(2.0))))


# ----------------------------------------------------------------------------------------------
# Binary functions, with NumPy-style broadcasting of 0-d and size-1 operands

SHAPE_PAIRS = [((3,), (3,)), ((2, 3), ()), ((), (2, 3)), ((2, 1), (2, 3))]
SHAPE_IDS = ["same", "rhs0d", "lhs0d", "size1"]


BINARY = [
    ("add", lax.add, (-2, 2), (-2, 2), True),
    ("sub", lax.sub, (-2, 2), (-2, 2), True),
    ("mul", lax.mul, (-2, 2), (-2, 2), True),
    ("div", lax.div, (-2, 2), (0.5, 2), True),
    ("pow", lax.pow, (0.5, 2), (-2, 2), True),
    ("max", lax.max, (-2, 2), (-2, 2), False),
    ("min", lax.min, (-2, 2), (-2, 2), False),
    ("atan2", lax.atan2, (-2, 2), (0.5, 2), False),
    ("rem", lax.rem, (-3, 3), (0.7, 1.3), False),
]


def _rem_safe(x, y):
    # rem jumps where x / y is an integer; keep the samples away from those points.
    q = np.abs(np.asarray(x, np.float64) / np.asarray(y, np.float64))
    return np.all(np.abs(q - np.round(q)) > 0.05)


@pytest.mark.parametrize("name,fun,dom_x,dom_y,cplx", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=SHAPE_IDS)
def test_binary_grads(name, fun, dom_x, dom_y, cplx, shapes, fdtype):
    x = sample(shapes[0], fdtype, *dom_x, seed=1)
    y = sample(shapes[1], fdtype, *dom_y, seed=2)
    if name == "rem":
        seed = 3
        while not _rem_safe(x, y):
            x = sample(shapes[0], fdtype, *dom_x, seed=seed)
            seed += 1
    grads_ok(fun, (x, y), fdtype)


@pytest.mark.parametrize("name,fun,dom_x,dom_y,cplx", [b for b in BINARY if b[4]],
                         ids=[b[0] for b in BINARY if b[4]])
def test_binary_grads_complex(name, fun, dom_x, dom_y, cplx, cdtype):
    x = sample((3,), cdtype, *dom_x, seed=1)
    y = sample((3,), cdtype, *dom_y, seed=2)
    grads_ok(fun, (x, y), cdtype)


def test_complex_constructor_and_parts_grads(fdtype):
    x, y = sample((3,), fdtype, -2, 2, seed=1), sample((3,), fdtype, -2, 2, seed=2)
    grads_ok(lax.complex, (x, y), fdtype)
    grads_ok(lambda a, b: lax.abs(lax.complex(a, b)), (x, y), fdtype)
    grads_ok(lambda a, b: lax.real(lax.mul(lax.complex(a, b), lax.complex(b, a))), (x, y),
             fdtype)
    grads_ok(lambda a, b: lax.imag(lax.conj(lax.exp(lax.complex(a, b)))), (x, y), fdtype)


def test_complex_parts_grads(cdtype):
    z = sample((3,), cdtype, -2, 2)
    for fun in (lax.real, lax.imag, lax.conj, lax.abs,
                lambda z: lax.mul(z, lax.conj(z)), lambda z: lax.sqrt(lax.real(z * z) + 5)):
        grads_ok(fun, (z,), cdtype)


# ----------------------------------------------------------------------------------------------
# JAX's conventions at special points


def test_max_min_split_ties_evenly():
    one = np.float32(1.0)
    for op in (lax.max, lax.min):
        gx, gy = grad(op, argnums=(0, 1))(one, one)
        assert (float(gx), float(gy)) == (0.5, 0.5)
    g = grad(lambda x: lax.max(x, np.float32(0.0)).sum())(np.array([-1, 0, 2], np.float32))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.5, 1.0])


def test_abs_derivative_at_zero_is_one_as_jax():
    g = grad(lambda x: lax.abs(x).sum())(np.array([-2.0, 0.0, 3.0], np.float32))
    np.testing.assert_array_equal(np.asarray(g), [-1.0, 1.0, 1.0])
    z = np.complex64(0)
    _, t = jvp(lax.abs, (z,), (np.complex64(1 + 1j),))
    assert float(t) == 0.0  # conj(z)/|z| with |z| replaced by 1 at 0


def test_pow_at_zero_follows_jax():
    # d(x**y)/dy at x == 0 uses log(1) = 0 instead of log(0); d/dx is y * x**(y - 1).
    zero, two = np.float32(0.0), np.float32(2.0)
    gx, gy = grad(lax.pow, argnums=(0, 1))(zero, two)
    assert (float(gx), float(gy)) == (0.0, 0.0)
    gx, gy = grad(lax.pow, argnums=(0, 1))(zero, np.float32(0.0))
    assert np.isnan(float(gx)) and float(gy) == 0.0  # 0 * 0**-1, as JAX with a float exponent
    assert float(grad(lax.pow)(zero, np.float32(0.5))) == np.inf


def test_sqrt_and_rsqrt_at_zero():
    assert float(grad(lax.sqrt)(np.float32(0.0))) == np.inf
    assert float(grad(lax.rsqrt)(np.float32(0.0))) == -np.inf  # -0.5 * (inf / 0)


def test_bessel_i1e_derivative_near_zero():
    g = grad(lambda x: lax.bessel_i1e(x).sum())(np.array([0.0, 1e-9, -1e-9], np.float32))
    np.testing.assert_array_equal(np.asarray(g), [0.5, 0.5, 0.5])


def test_clamp_gradient_flows_to_the_active_argument():
    lo, hi = np.float32(-1.0), np.float32(1.0)
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0], np.float32)
    g_lo, g_x, g_hi = grad(lambda lo, x, hi: lax.clamp(lo, x, hi).sum(), argnums=(0, 1, 2))(
        lo, x, hi)
    # As JAX: x where lo < x < hi, lo where lo > x, hi where hi < x; ties give nothing.
    np.testing.assert_array_equal(np.asarray(g_x), [0, 0, 1, 1, 0, 0])
    assert float(g_lo) == 1.0 and float(g_hi) == 1.0
    grads_ok(lambda x: lax.clamp(lo, x, hi), (np.array([-2.0, -0.3, 0.4, 3.0], np.float32),),
             np.float32)
    lo_a = np.array([-2.5, 0.0, 0.5, 0.0], np.float32)
    grads_ok(lambda lo, x: lax.clamp(lo, x, hi), (lo_a, np.array([-2.0, -0.3, 0.4, 3.0],
                                                                 np.float32)), np.float32)


def test_select_n_grads():
    rng = np.random.RandomState(0)
    a, b, c = (rng.randn(2, 3).astype(np.float32) for _ in range(3))
    pred = rng.rand(2, 3) > 0.5
    which = rng.randint(0, 3, size=(2, 3)).astype(np.int32)
    grads_ok(lambda a, b: lax.select(pred, a, b), (a, b), np.float32)
    grads_ok(lambda a, b, c: lax.select_n(which, a, b, c), (a, b, c), np.float32)
    grads_ok(lambda a, b: lax.select_n(np.bool_(True), a, b), (a, b), np.float32)
    g = grad(lambda a, b: lax.select(pred, a, b).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(np.asarray(g[0]), pred.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(g[1]), (~pred).astype(np.float32))


def test_convert_element_type_grads(fdtype):
    x = sample((3,), fdtype, -2, 2)
    cdt = np.complex64 if fdtype == np.float32 else np.complex128
    grads_ok(lambda x: lax.convert_element_type(x, cdt) * (1 + 2j), (x,), fdtype)
    grads_ok(lambda x: lax.real(lax.convert_element_type(x, cdt)) ** 2, (x,), fdtype)
    # To an integer type the result no longer depends differentiably on x.
    assert float(grad(lambda x: lax.convert_element_type(
        lax.convert_element_type(x, np.int32), fdtype).sum())(x).sum()) == 0.0


def test_stop_gradient():
    x = np.float32(3.0)
    assert float(grad(lambda x: stop_gradient(x) ** 2)(x)) == 0.0
    assert float(grad(lambda x: x * stop_gradient(x))(x)) == 3.0
    assert float(grad(grad(lambda x: stop_gradient(x) ** 2 + x ** 3))(x)) == 18.0
    assert float(grad(jit(lambda x: x * stop_gradient(x * x)))(x)) == 9.0
    # Pytrees; integer leaves are returned untouched; values are the identity.
    tree = {"a": np.float32(2.0), "b": (np.int32(3), 4)}
    out = stop_gradient(tree)
    assert float(out["a"]) == 2.0 and out["b"][1] == 4 and out["b"][0] is tree["b"][0]
    assert "stop_gradient" in str(make_jaxpr(stop_gradient)(x))
    _, t = jvp(lambda x: stop_gradient(lax.sin(x)), (x,), (np.float32(1.0),))
    assert float(t) == 0.0


# ----------------------------------------------------------------------------------------------
# Transposes of the linear primitives: <ct, A t> == <A^T ct, t> (JAX's pairing Re(sum(u * v)))


def _pair(u, v):
    return sum(np.real(np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)))
               for a, b in zip(u, v, strict=True))


def check_transpose(f, args, seed=0):
    """f is linear in ``args``: compare the linearized map with its transpose (vjp)."""
    rng = np.random.RandomState(seed)

    def like(x):
        x = np.asarray(x)
        r = np.asarray(rng.randn(*x.shape))
        if x.dtype.kind == "c":
            r = r + 1j * np.asarray(rng.randn(*x.shape))
        return r.astype(x.dtype)

    out, f_lin = linearize(f, *args)
    tangents = [like(a) for a in args]
    ct = like(out)
    a_t = f_lin(*tangents)
    _, f_vjp = vjp(f, *args)
    at_ct = f_vjp(ct)
    lhs, rhs = _pair([ct], [a_t]), _pair(at_ct, tangents)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5, atol=1e-5)
    # The linearized map is the function itself (up to a constant term, zero here).
    np.testing.assert_allclose(np.asarray(a_t), np.asarray(f(*tangents)), rtol=1e-5, atol=1e-5)


def _x(shape=(2, 3), dtype=np.float32, seed=0):
    return sample(shape, dtype, -2, 2, seed=seed)


LINEAR = [
    ("neg", lax.neg, [_x()]),
    ("add", lax.add, [_x(), _x(seed=1)]),
    ("add_bcast", lax.add, [_x((2, 1)), _x(seed=1)]),
    ("add_0d", lax.add, [_x(()), _x(seed=1)]),
    ("sub", lax.sub, [_x(), _x(seed=1)]),
    ("sub_bcast", lax.sub, [_x(), _x((), seed=1)]),
    ("mul_lhs", lambda x: lax.mul(x, _x(seed=5)), [_x()]),
    ("mul_rhs_bcast", lambda y: lax.mul(_x(seed=5), y), [_x((1, 3))]),
    ("mul_0d", lambda y: lax.mul(_x(seed=5), y), [_x(())]),
    ("div", lambda x: lax.div(x, _x(seed=5) + 3), [_x()]),
    ("div_bcast", lambda x: lax.div(x, _x(seed=5) + 3), [_x((2, 1))]),
    ("convert_to_complex", lambda x: lax.convert_element_type(x, np.complex64), [_x()]),
    ("convert_to_real", lambda z: lax.convert_element_type(z, np.float32),
     [_x(dtype=np.complex64)]),
    ("convert_weak", lambda x: _lax_internal._convert(x, np.float32, weak_type=True), [_x()]),
    ("select", lambda a, b: lax.select(_x(seed=7) > 0, a, b), [_x(), _x(seed=1)]),
    ("select_n_3", lambda a, b, c: lax.select_n(
        np.array([[0, 1, 2], [2, 1, 0]], np.int32), a, b, c), [_x(), _x(seed=1), _x(seed=2)]),
    ("select_0d_case", lambda a, b: lax.select(_x(seed=7) > 0, a, b), [_x(()), _x(seed=1)]),
    ("real", lax.real, [_x(dtype=np.complex64)]),
    ("imag", lax.imag, [_x(dtype=np.complex64)]),
    ("conj", lax.conj, [_x(dtype=np.complex64)]),
    ("complex", lax.complex, [_x(), _x(seed=1)]),
    ("complex_bcast", lax.complex, [_x(()), _x(seed=1)]),
    ("reduce_precision", lambda x: lax.reduce_precision(x, 8, 23), [_x()]),
    ("composite", lambda x: lax.real(lax.mul(lax.complex(x, lax.neg(x)),
                                             _x(dtype=np.complex64, seed=3))) - x / 3,
     [_x()]),
]


@pytest.mark.parametrize("name,f,args", LINEAR, ids=[t[0] for t in LINEAR])
def test_linear_transpose(name, f, args):
    check_transpose(f, args)


def test_linear_transpose_under_jit():
    check_transpose(jit(lambda x, y: lax.sub(lax.neg(x), y * 2.0)), [_x(), _x(seed=1)])


def test_linear_primitives_have_transpose_rules():
    for p in (ew.neg_p, ew.add_p, ew.sub_p, ew.mul_p, ew.div_p, ew.convert_element_type_p,
              ew.select_n_p, ew.real_p, ew.imag_p, ew.conj_p, ew.complex_p):
        assert p.transpose is not None, p


def test_every_primitive_has_a_jvp_rule_or_an_opt_out():
    import pyjax._src.primitives.elementwise as module
    prims = [v for k, v in vars(module).items() if k.endswith("_p")]
    assert len(prims) > 60
    for p in prims:
        assert p.jvp is not None or "jvp" in p.opt_outs, p


# ----------------------------------------------------------------------------------------------
# The seeds' examples


def cheb_2(x):
    return lax.cos(lax.mul(2.0, lax.acos(x)))


def test_cheb_gradient_with_inf_and_nan_as_jax():
    xs = np.linspace(-1.0, 1.0, 4, dtype=np.float32)
    got = np.array([float(grad(cheb_2)(x)) for x in xs])
    # JAX prints [inf -1.3333331 1.3333337 nan]; the analytic derivative is 4x.
    assert got[0] == np.inf and np.isnan(got[3])
    np.testing.assert_allclose(got[1:3], [-4 / 3, 4 / 3], rtol=1e-6)
    g = grad(cheb_2)(1.0)
    assert np.isnan(float(g)) and g.dtype == np.float32


def test_cheb_gradient_raises_under_debug_nans():
    with config.setting("jax_debug_nans", True):
        with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in mul"):
            grad(cheb_2)(1.0)
        assert float(grad(cheb_2)(0.5)) == pytest.approx(2.0, rel=1e-6)


def sum_logistic(x):
    return lax.reduce_sum(lax.div(1.0, lax.add(1.0, lax.exp(lax.neg(x)))), (0,))


def test_grad_sum_logistic():
    x = np.arange(3.0, dtype=np.float32)
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(np.asarray(grad(sum_logistic)(x)), s * (1 - s), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(grad(jit(sum_logistic))(x)), s * (1 - s), rtol=1e-6)


def test_nested_grad_of_jit():
    f = lambda x: lax.logistic(x) if np.ndim(x) == 0 else sum_logistic(x)  # noqa: E731
    third = grad(jit(grad(jit(grad(f)))))(1.0)
    s = 1 / (1 + np.exp(-1.0))
    expected = s * (1 - s) * (1 - 6 * s + 6 * s * s)  # the third derivative of the logistic
    np.testing.assert_allclose(float(third), expected, rtol=1e-5)
    third = grad(jit(grad(jit(grad(lambda x: 1.0 / (1.0 + lax.exp(-x)))))))(1.0)
    np.testing.assert_allclose(float(third), expected, rtol=1e-5)

"""Tests for assorted jax.numpy functions (vectorize, select, frexp, gcd, packbits, ...)."""
import ml_dtypes
import numpy as np
import pytest
import scipy.special

import pyjax
from pyjax._src import api
from pyjax._src.numpy import linalg_ops as L
from pyjax._src.numpy import misc as M
from pyjax._src.primitives import reductions as R
from helpers import arr32 as arr

BF16 = np.dtype(ml_dtypes.bfloat16)
INT_DTYPES = [np.int8, np.int32, np.uint8, np.uint32]
FLOAT_DTYPES = [np.float16, np.float32, BF16]




def rand(shape, dtype, seed=0, lo=-20, hi=20):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        return rng.integers(lo if dtype.kind == "i" else 0, hi, shape).astype(dtype)
    return (rng.standard_normal(shape) * 10).astype(dtype)


def same(got, want, dtype=None, weak=False, tol=0):
    got_np = np.asarray(got)
    assert got_np.shape == np.shape(want), (got_np.shape, np.shape(want))
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
        assert got.weak_type == weak
    if got_np.dtype == BF16:
        got_np, want = got_np.astype(np.float32), np.asarray(want).astype(np.float32)
    if tol:
        np.testing.assert_allclose(got_np.astype(np.float64),
                                   np.asarray(want).astype(np.float64), rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got_np, np.asarray(want).astype(got_np.dtype))


def both(fun, *args, **kwargs):
    eager = fun(*args, **kwargs)
    jitted = pyjax.jit(lambda *a: fun(*a, **kwargs))(*args)
    shape = api.eval_shape(lambda *a: fun(*a, **kwargs), *args)
    outs = eager if isinstance(eager, tuple) else (eager,)
    jouts = jitted if isinstance(jitted, tuple) else (jitted,)
    souts = shape if isinstance(shape, tuple) else (shape,)
    for e, j, s in zip(outs, jouts, souts):
        for r in (j, s):
            assert (r.shape, r.dtype, r.weak_type) == (e.shape, e.dtype, e.weak_type)
        np.testing.assert_array_equal(np.asarray(j).astype(np.float64)
                                      if e.dtype == BF16 else np.asarray(j),
                                      np.asarray(e).astype(np.float64)
                                      if e.dtype == BF16 else np.asarray(e))
    return eager


# -- vectorize, apply_along_axis, apply_over_axes ----------------------------------------------


def test_vectorize_elementwise_and_broadcast():
    f = M.vectorize(lambda a, b: a * 2 + b)
    x, y = rand((2, 1, 3), np.float32, 1), rand((4, 1), np.float32, 2)
    same(f(arr(x), arr(y)), x * 2 + y, np.float32, tol=1e-6)
    same(pyjax.jit(f)(arr(x), arr(y)), x * 2 + y, tol=1e-6)
    same(f(arr(np.zeros((0, 3), np.float32)), 1.0), np.zeros((0, 3)))


def test_vectorize_signature():
    dot = M.vectorize(L.dot, signature="(n),(n)->()")
    a, b = rand((3, 2), np.float32, 1), rand((2,), np.float32, 2)
    same(dot(arr(a), arr(b)), a @ b, np.float32, tol=1e-5)
    mv = M.vectorize(L.matmul, signature="(n,m),(m)->(n)")
    m, v = rand((4, 2, 3), np.float32, 3), rand((5, 1, 3), np.float32, 4)
    want = np.vectorize(np.matmul, signature="(n,m),(m)->(n)")(m, v)
    same(mv(arr(m), arr(v)), want, tol=1e-4)
    two = M.vectorize(lambda x: (x.sum(), x.max()), signature="(n)->(),()")
    s, mx = two(arr(a))
    same(s, a.sum(-1), tol=1e-5)
    same(mx, a.max(-1))


def test_vectorize_excluded_and_errors():
    f = M.vectorize(lambda x, p: x ** p, excluded={1})
    same(f(arr([1.0, 2.0]), 3), [1.0, 8.0], tol=1e-6)
    g = M.vectorize(lambda x, *, p: x + p, excluded={"p"})
    same(g(arr([1.0, 2.0]), p=arr(1.0)), [2.0, 3.0])
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        M.vectorize(lambda x: x, signature="(n->()")(arr([1.0]))
    with pytest.raises(TypeError, match="wrong number of positional arguments"):
        M.vectorize(lambda x: x, signature="(n)->(n)")(arr([1.0]), arr([1.0]))
    with pytest.raises(ValueError, match="inconsistent size for core dimension"):
        M.vectorize(lambda x, y: x, signature="(n),(n)->(n)")(arr([1.0]), arr([1.0, 2.0]))
    with pytest.raises(ValueError, match="does not have enough dimensions"):
        M.vectorize(lambda x: x, signature="(n,m)->()")(arr([1.0]))
    with pytest.raises(ValueError, match="output shape"):
        M.vectorize(lambda x: x, signature="(n)->()")(arr([[1.0, 2.0]]))
    with pytest.raises(TypeError, match="can only exclude integer or string"):
        M.vectorize(lambda x: x, excluded={1.5})


@pytest.mark.parametrize("shape,axis", [((2, 3), 0), ((2, 3), 1), ((2, 3, 4), 1),
                                        ((2, 3, 4), -1), ((4,), 0)])
def test_apply_along_axis(shape, axis):
    x = rand(shape, np.float32, 5)
    got = both(lambda a: M.apply_along_axis(lambda v: L.outer(v, v)[0], axis, a), arr(x))
    want = np.apply_along_axis(lambda v: np.outer(v, v)[0], axis, x)
    same(got, want, tol=1e-5)
    got = M.apply_along_axis(lambda v: R.reduce_sum(v, (0,)), axis, arr(x))
    same(got, np.apply_along_axis(np.sum, axis, x), tol=1e-4)


def test_apply_over_axes():
    x = rand((2, 3, 4), np.float32, 6)

    def total(a, axis):
        return R.reduce_sum(a, (axis % a.ndim,))
    same(M.apply_over_axes(total, arr(x), [0, 2]),
         np.apply_over_axes(np.sum, x, [0, 2]), tol=1e-4)
    with pytest.raises(ValueError, match="function is not returning an array"):
        M.apply_over_axes(lambda a, ax: R.reduce_sum(a, (0, 1)), arr(x), [0])


# -- select, piecewise --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.uint8, np.bool_], ids=str)
def test_select(dtype):
    c = [rand((3, 4), np.bool_, i) for i in range(3)]
    ch = [rand((3, 4), dtype, i + 10) for i in range(3)]
    got = both(lambda *a: M.select(list(a[:3]), list(a[3:]), default=1),
               *[arr(v) for v in c + ch])
    # A weak default joins bool choices as a weak int.
    is_bool = np.dtype(dtype) == np.bool_
    same(got, np.select(c, ch, default=1), np.int32 if is_bool else dtype, weak=is_bool)
    # Broadcasting conditions and scalar choices; int conditions are truthiness.
    got = M.select([arr(np.array([0, 1, 2], np.int32)), arr(True)], [5, 7.0])
    same(got, [7.0, 5.0, 5.0], np.float32, weak=True)
    with pytest.raises(ValueError, match="condlist must have length equal to choicelist"):
        M.select([arr(True)], [1, 2])
    with pytest.raises(ValueError, match="condlist must be non-empty"):
        M.select([], [])


def test_piecewise():
    x = np.linspace(-2.5, 2.5, 6).astype(np.float32)
    conds = [x < 0, x >= 0]
    funcs = [lambda v: -v, lambda v: v ** 2]
    got = both(lambda v, *c: M.piecewise(v, list(c), funcs), arr(x), *[arr(c) for c in conds])
    same(got, np.piecewise(x, conds, funcs), tol=1e-6)
    got = M.piecewise(arr(x), [arr(x < 0)], [-1.0, lambda v: v * 3])
    same(got, np.piecewise(x, [x < 0], [-1.0, lambda v: v * 3]), tol=1e-6)
    xi = np.arange(6, dtype=np.int32)
    got = M.piecewise(arr(xi), [arr(xi > 1), arr(xi > 3)], [10, 20])
    same(got, np.piecewise(xi, [xi > 1, xi > 3], [10, 20]), np.int32)
    with pytest.raises(ValueError, match="with 1 condition"):
        M.piecewise(arr(x), [arr(x < 0)], [1, 2, 3])


# -- frexp, ldexp, modf, spacing ----------------------------------------------------------------


SPECIAL = [0.0, -0.0, 1.0, -1.5, 3.0, 1e-39, -3e-40, 1e30, np.inf, -np.inf, np.nan, 0.1, 65000.]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [np.int32, np.uint8, np.bool_], ids=str)
def test_frexp(dtype):
    x = (np.array(SPECIAL, np.float64) if np.dtype(dtype).kind not in "iub"
         else rand((7,), dtype, 1))
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
    m, e = both(M.frexp, arr(x))
    x32 = x.astype(np.float32)
    wm, we = np.frexp(x32)
    out_dt = np.float32 if np.dtype(dtype).kind in "iub" else dtype
    same(m, wm.astype(out_dt), out_dt)
    same(e, we, np.int32)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32], ids=str)
def test_ldexp(dtype):
    m = np.array([0.5, -0.75, 1.0, 0.0, np.inf, 3.0, 1.0, 1.5], np.float64)
    e = np.array([2, 3, -150, 5, 1, -2, 127, 120], np.int32)
    if np.dtype(dtype).kind == "i":
        m = m[[0, 2, 3, 5]].astype(np.int32)
        e = e[[0, 2, 3, 5]]
    m = m.astype(dtype)
    with np.errstate(all="ignore"):
        want = np.ldexp(m.astype(np.float32) if np.dtype(dtype).kind == "i" else m, e)
    got = both(M.ldexp, arr(m), arr(e))
    same(got, want, np.float32 if np.dtype(dtype).kind == "i" else dtype)
    with pytest.raises(ValueError, match="ldexp not supported for input types"):
        M.ldexp(arr([1.0]), arr([1.0]))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [np.int32], ids=str)
def test_modf_spacing(dtype):
    x = rand((9,), dtype, 2)
    frac, whole = both(M.modf, arr(x))
    wf, ww = np.modf(x.astype(np.float32))
    out_dt = np.float32 if np.dtype(dtype).kind == "i" else dtype
    same(frac, wf.astype(out_dt), out_dt)
    same(whole, ww.astype(out_dt), out_dt)
    if np.dtype(dtype) in (np.float32, np.float16):
        y = np.array([0.0, -0.0, 1.0, -1.0, 1e-3, 1e20, np.inf, np.nan], dtype)
        want = np.spacing(y)
        if dtype == np.float32:
            want[1] = -want[1]  # JAX's formula: spacing(-0.0) is -smallest_subnormal
        same(both(M.spacing, arr(y)), want, dtype)


# -- gcd, lcm, bitwise_count ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", INT_DTYPES + [np.bool_], ids=str)
def test_gcd_lcm(dtype):
    a, b = rand((4, 5), dtype, 3, -30, 30), rand((5,), dtype, 4, -30, 30)
    out_dt = np.int32 if np.dtype(dtype) == np.bool_ else dtype
    wa, wb = a.astype(np.int64), b.astype(np.int64)
    same(both(M.gcd, arr(a), arr(b)), np.gcd(wa, wb), out_dt)
    same(both(M.lcm, arr(a), arr(b)), np.lcm(wa, wb), out_dt)


def test_gcd_worst_case_and_errors():
    # Consecutive Fibonacci numbers take the most Euclid steps.
    fib = [1, 2]
    while fib[-1] < 2 ** 31 - 1 - fib[-2]:
        fib.append(fib[-1] + fib[-2])
    a, b = np.array(fib[1:], np.int32), np.array(fib[:-1], np.int32)
    same(pyjax.jit(M.gcd)(arr(a), arr(b)), np.gcd(a, b))
    same(M.gcd(arr(a), arr(b)), np.gcd(a, b))
    same(M.gcd(12, arr(np.array([8, 18], np.int32))), [4, 6], np.int32)
    with pytest.raises(ValueError, match="Arguments to jax.numpy.gcd must be integers"):
        M.gcd(arr([1.0]), arr([2.0]))


@pytest.mark.parametrize("dtype", INT_DTYPES + [np.bool_], ids=str)
def test_bitwise_count(dtype):
    x = rand((10,), dtype, 5, -100, 100)
    same(both(M.bitwise_count, arr(x)), np.bitwise_count(x), np.uint8)


# -- packbits, unpackbits ---------------------------------------------------------------------


@pytest.mark.parametrize("shape,axis", [((13,), None), ((3, 10), 1), ((9, 2), 0),
                                        ((2, 3, 4), None), ((0,), None)])
@pytest.mark.parametrize("bitorder", ["big", "little"])
def test_packbits_unpackbits(shape, axis, bitorder):
    x = rand(shape, np.bool_, 6)
    packed = both(M.packbits, arr(x), axis=axis, bitorder=bitorder)
    same(packed, np.packbits(x, axis=axis, bitorder=bitorder), np.uint8)
    p = np.packbits(x, axis=axis, bitorder=bitorder)
    for count in (None, 3, 20):
        got = both(M.unpackbits, arr(p), axis=axis, count=count, bitorder=bitorder)
        same(got, np.unpackbits(p, axis=axis, count=count, bitorder=bitorder), np.uint8)
    same(M.packbits(arr(rand(shape, np.int32, 7))),
         np.packbits(rand(shape, np.int32, 7) != 0))


def test_packbits_errors():
    with pytest.raises(TypeError, match="Expected an input array of integer or boolean"):
        M.packbits(arr([1.0]))
    with pytest.raises(TypeError, match="Expected an input array of unsigned byte"):
        M.unpackbits(arr([1]))
    with pytest.raises(ValueError, match="'order' must be either 'little' or 'big'"):
        M.packbits(arr([1]), bitorder="middle")


# -- i0, unwrap, trapezoid ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + [np.int32], ids=str)
def test_i0(dtype):
    x = rand((8,), dtype, 7) / (4 if np.dtype(dtype).kind == "f" or dtype == BF16 else 1)
    x = x.astype(dtype)
    out_dt = np.float32 if np.dtype(dtype).kind == "i" else dtype
    t = 2e-2 if np.dtype(out_dt) in (np.float16, BF16) else 1e-5
    same(both(M.i0, arr(x)), scipy.special.i0(x.astype(np.float64)), out_dt, tol=t)


@pytest.mark.parametrize("shape,axis", [((8,), -1), ((3, 6), 1), ((6, 3), 0), ((0,), -1)])
def test_unwrap(shape, axis):
    x = rand(shape, np.float32, 8) / 2
    same(both(M.unwrap, arr(x), axis=axis), np.unwrap(x, axis=axis), np.float32, tol=1e-5)
    same(M.unwrap(arr(x), discont=4.0, axis=axis, period=5.0),
         np.unwrap(x, discont=4.0, axis=axis, period=5.0), tol=1e-5)
    xi = rand(shape, np.int32, 9)
    same(M.unwrap(arr(xi), axis=axis), np.unwrap(xi, axis=axis), tol=1e-5)


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1)])
def test_trapezoid(shape, axis):
    y = rand(shape, np.float32, 10)
    same(both(M.trapezoid, arr(y), axis=axis), np.trapezoid(y, axis=axis), np.float32,
         tol=1e-4)
    same(M.trapezoid(arr(y), dx=0.5, axis=axis), np.trapezoid(y, dx=0.5, axis=axis), tol=1e-4)
    x1 = np.sort(rand((shape[axis],), np.float32, 11))
    same(M.trapezoid(arr(y), x=arr(x1), axis=axis), np.trapezoid(y, x=x1, axis=axis),
         tol=1e-3)
    xf = np.sort(rand(shape, np.float32, 12), axis=axis)
    same(M.trapezoid(arr(y), x=arr(xf), axis=axis), np.trapezoid(y, x=xf, axis=axis),
         tol=1e-3)
    same(M.trapezoid(arr(np.array([1, 2, 3], np.int32))), 4.0, np.float32)


# -- result_type, can_cast -----------------------------------------------------------------------


def test_result_type_can_cast():
    assert M.result_type(np.int8, 1.0) == np.float32
    assert M.result_type(arr(np.ones(2, np.int8)), np.uint8) == np.int16
    assert M.result_type(np.int64) == np.int32  # x64 disabled
    assert M.can_cast(np.int8, np.int32)
    assert not M.can_cast(np.float32, np.int32)
    assert M.can_cast(arr(np.ones(2, np.float16)), np.float32)
    assert M.can_cast(np.float32, np.int32, casting="unsafe")

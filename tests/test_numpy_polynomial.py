"""Tests for jax.numpy polynomial functions, convolve/correlate and interp against NumPy."""
import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src.numpy import polynomial as P
from helpers import eager_and_jitted
from helpers import arr32 as arr
from helpers import rand_default_rng as rand

BF16 = np.dtype(ml_dtypes.bfloat16)
INEXACT = {np.dtype(np.float16): np.float16, BF16: BF16}


def inexact(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "fc" or dtype == BF16:
        return dtype
    return np.dtype(np.float32)


def close(got, want, dtype=None, rtol=None):
    got_np = np.asarray(got)
    assert got_np.shape == np.shape(want), (got_np.shape, np.shape(want))
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    t = rtol or (5e-2 if got.dtype in (np.float16, BF16) else 2e-5)
    np.testing.assert_allclose(got_np.astype(np.complex128), np.asarray(want).astype(
        np.complex128), rtol=t, atol=t)


def both(fun, *args, **kwargs):
    eager, jitted = eager_and_jitted(fun, *args, **kwargs)
    close(jitted, np.asarray(eager).astype(np.complex128))
    return eager


CONV_DTYPES = [np.int8, np.int32, np.uint8, np.float16, np.float32, np.complex64, BF16,
               np.bool_]


@pytest.mark.parametrize("dtype", CONV_DTYPES, ids=str)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n,m", [(5, 3), (3, 5), (1, 1), (4, 4), (7, 2)])
def test_convolve_correlate(dtype, mode, n, m):
    a, v = rand((n,), dtype, 1), rand((m,), dtype, 2)
    wide = np.complex128 if np.dtype(dtype).kind == "c" else np.float64
    out = both(P.convolve, arr(a), arr(v), mode=mode)
    close(out, np.convolve(a.astype(wide), v.astype(wide), mode=mode), inexact(dtype))
    out = both(P.correlate, arr(a), arr(v), mode=mode)
    close(out, np.correlate(a.astype(wide), v.astype(wide), mode=mode), inexact(dtype))


def test_convolve_preferred_element_type_and_errors():
    a = arr(np.array([127, 127, 127, 127], np.int8))
    b = arr(np.array([2, 2, 2, 2], np.int8))
    out = P.convolve(a, b, mode="valid", preferred_element_type=np.int32)
    assert out.dtype == np.int32 and int(out[0]) == 1016
    with pytest.raises(ValueError, match=r"convolve\(\) only support 1-dimensional inputs"):
        P.convolve(arr(np.ones((2, 2))), arr(np.ones(2)))
    with pytest.raises(ValueError, match="inputs cannot be empty"):
        P.correlate(arr(np.ones(0)), arr(np.ones(2)))
    with pytest.raises(ValueError, match="mode must be one of"):
        P.convolve(arr(np.ones(3)), arr(np.ones(2)), mode="bogus")


def test_convolve_large_is_chunked():
    a, v = rand((3000,), np.float32, 3), rand((2000,), np.float32, 4)
    close(P.convolve(arr(a), arr(v)), np.convolve(a.astype(np.float64), v), rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.float32, np.complex64, BF16],
                         ids=str)
@pytest.mark.parametrize("pshape,xshape", [((3,), ()), ((4,), (5,)), ((1,), (2, 3)),
                                           ((0,), (3,)), ((3, 2), (2,))])
def test_polyval(dtype, pshape, xshape):
    p, x = rand(pshape, dtype, 1), rand(xshape, dtype, 2)
    out = both(P.polyval, arr(p), arr(x))
    if len(pshape) == 1:
        want = np.polyval(p.astype(np.complex128), x.astype(np.complex128)) \
            if pshape[0] else np.zeros(xshape)
    else:
        want = sum(p[k].astype(np.complex128) * x.astype(np.complex128) ** (pshape[0] - 1 - k)
                   for k in range(pshape[0]))
    close(out, np.broadcast_to(want, out.shape), inexact(dtype))
    assert not out.weak_type


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.complex64, np.uint8], ids=str)
@pytest.mark.parametrize("n1,n2", [(2, 3), (3, 2), (4, 4), (1, 3)])
def test_polyadd_sub_mul(dtype, n1, n2):
    a, b = rand((n1,), dtype, 1), rand((n2,), dtype, 2)
    wide = np.complex128 if np.dtype(dtype).kind == "c" else np.int64 \
        if np.dtype(dtype).kind in "iu" else np.float64
    close(both(P.polyadd, arr(a), arr(b)),
          np.polyadd(a.astype(wide), b.astype(wide)).astype(dtype), dtype)
    if np.dtype(dtype).kind != "u":
        close(both(P.polysub, arr(a), arr(b)),
              np.polysub(a.astype(wide), b.astype(wide)).astype(dtype), dtype)
    got = both(P.polymul, arr(a), arr(b))
    want = np.convolve(a.astype(wide), b.astype(wide))
    close(got, want, inexact(dtype))


def test_polyadd_2d_and_errors():
    x6 = arr(np.array([[5, 7, 9], [8, 6, 4]], np.int32))
    close(P.polyadd(x6, arr(np.array([2], np.int32))), [[5, 7, 9], [10, 8, 6]], np.int32)
    with pytest.raises(ValueError, match="Cannot broadcast to shape with fewer dimensions"):
        P.polyadd(arr(np.array([1, 3, 5], np.int32)), x6)


def test_polymul_trim_and_polydiv():
    a, b = np.array([2, 1, 0]), np.array([0, 5, 0, 3])
    close(P.polymul(arr(a), arr(b)), [0, 10, 5, 6, 3, 0], np.float32)
    close(P.polymul(arr(a), arr(b), trim_leading_zeros=True), np.polymul(a, b))
    u, v = np.array([5., 7, 9, 2]), np.array([4., 1])
    q, r = P.polydiv(arr(u), arr(v))
    wq, wr = np.polydiv(u, v)
    close(q, wq, np.float32)
    close(r[-len(wr):], wr)
    q, r = P.polydiv(arr(u), arr(v), trim_leading_zeros=True)
    close(r, wr)
    q, r = pyjax.jit(P.polydiv)(arr(u), arr(v))
    close(q, wq)


@pytest.mark.parametrize("m", [0, 1, 2, 4])
def test_polyder_polyint(m):
    p = np.array([2., -5, 3, -1, 4])
    close(both(P.polyder, arr(p), m=m), np.polyder(p, m), np.float32)
    close(both(P.polyint, arr(p), m=m), np.polyint(p, m), np.float32)
    if m:
        k = np.arange(1., m + 1)
        close(P.polyint(arr(p), m=m, k=arr(k)), np.polyint(p, m, k))
        close(P.polyint(arr(p), m=m, k=3.0), np.polyint(p, m, 3.0))
    close(P.polyder(arr(np.array([1, 2, 3], np.int32))), [2., 2.], np.float32)
    with pytest.raises(ValueError, match="Order of derivative must be positive"):
        P.polyder(arr(p), -1)
    with pytest.raises(ValueError, match="k must be a scalar or a rank-1 array"):
        P.polyint(arr(p), m=2, k=arr([1., 2., 3.]))


@pytest.mark.parametrize("roots", [[1, 2, 3], [0.5], [], [2, 1 + 2j, 1 - 2j]])
def test_poly(roots):
    r = np.array(roots, np.complex64 if any(isinstance(v, complex) for v in roots)
                 else np.float32)
    close(both(P.poly, arr(r)), np.poly(r) if len(roots) else np.array(1.0), inexact(r.dtype))
    close(P.poly(2.0), [1.0, -2.0], np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16], ids=str)
def test_interp(dtype):
    xp = np.array([0., 1, 2, 4, 7]).astype(dtype)
    fp = np.array([1., 3, -2, 0, 5]).astype(dtype)
    x = np.array([-1., 0, 0.5, 3, 6.99, 7, 9]).astype(np.float32)
    want = np.interp(x, xp.astype(np.float64), fp.astype(np.float64))
    close(both(P.interp, arr(x), arr(xp), arr(fp)), want, np.float32)
    want = np.interp(x, xp.astype(np.float64), fp.astype(np.float64), left=-5, right=9)
    close(P.interp(arr(x), arr(xp), arr(fp), left=-5, right=9), want)
    got = P.interp(arr(x), arr(xp), arr(fp), left="extrapolate", right="extrapolate")
    close(got[0], -1.0)
    close(got[-1], 5 + 2 * 5 / 3, rtol=1e-2)


def test_interp_period_and_errors():
    xp = np.array([190., -190, 350, -350])
    fp = np.array([5., 10, 3, 4])
    x = np.array([-180., -170, -185, 185, -10, -5, 0, 365])
    close(P.interp(arr(x), arr(xp), arr(fp), period=360),
          np.interp(x, xp, fp, period=360), rtol=1e-4)
    close(P.interp(arr(2.5), arr([1., 2, 3]), arr([3., 2, 0])), 1.0)
    with pytest.raises(ValueError, match="xp and fp must be one-dimensional arrays"):
        P.interp(arr(1.0), arr([1., 2]), arr([1., 2, 3]))
    with pytest.raises(ValueError, match="the only valid string value of `left`"):
        P.interp(arr(1.0), arr([1., 2]), arr([1., 2]), left="bogus")
    with pytest.raises(ValueError, match="complex x values not supported"):
        P.interp(arr(np.ones(2, np.complex64)), arr([1., 2]), arr([1., 2]))

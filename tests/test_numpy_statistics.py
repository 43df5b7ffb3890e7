"""jax.numpy statistics against NumPy: quantiles, average, cov/corrcoef, histograms, bincount,
digitize and clip, eagerly and under jit, with JAX's result dtypes, weak types and errors."""
import functools
import warnings

import ml_dtypes
import numpy as np
import pytest

import pyjax.numpy as jnp
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.config import enable_x64
from pyjax.errors import ConcretizationTypeError
from helpers import arr, rand
from helpers import check as _check

BF16 = ml_dtypes.bfloat16
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]



# jax.numpy statistics return strongly typed results unless a test says otherwise.
check = functools.partial(_check, weak=False)


def inexact(dtype):
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if dtype.kind in "biu" else dtype


# ----------------------------------------------------------------------------------------------
# Quantiles


def ref_quantile(x, q, axis, method, keepdims, nan=False):
    """NumPy's quantile, except that 'nearest' rounds a fraction of exactly 0.5 down as JAX
    does (NumPy rounds the index half to even)."""
    fun = np.nanquantile if nan else np.quantile
    x64 = x.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method != "nearest":
            return fun(x64, q, axis=axis, method=method, keepdims=keepdims)
        lo = fun(x64, q, axis=axis, method="lower", keepdims=keepdims)
        hi = fun(x64, q, axis=axis, method="higher", keepdims=keepdims)
        n = np.sum(~np.isnan(x64), axis=axis, keepdims=keepdims) if nan else (
            x.size if axis is None else np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
        q = np.asarray(q, np.float64)
        pos = q.reshape(q.shape + (1,) * (np.ndim(lo) - q.ndim)) * (np.asarray(n) - 1)
        frac = pos - np.floor(pos)
        return np.where(frac <= 0.5, lo, hi)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (None, True), (0, False), (-1, True),
                                           ((0, 2), False), ((2, 0), True)], ids=str)
@pytest.mark.parametrize("qs", [0.3, [0.0, 0.25, 0.5, 1.0]], ids=["scalar", "vector"])
def test_quantile(method, axis, keepdims, qs):
    x = rand((3, 4, 5), np.float32)
    q = np.asarray(qs, np.float32)
    expected = ref_quantile(x, q, axis, method, keepdims).astype(np.float32)
    check(lambda a, b: jnp.quantile(a, b, axis=axis, method=method, keepdims=keepdims),
          [arr(x), arr(q)], expected, 1e-6)
    xn = x.copy()
    xn[0, 1, :] = np.nan
    xn[1, :, 2] = np.nan
    xn[2, 3, 4] = np.nan
    expected = ref_quantile(xn, q, axis, method, keepdims, nan=True).astype(np.float32)
    check(lambda a, b: jnp.nanquantile(a, b, axis=axis, method=method, keepdims=keepdims),
          [arr(xn), arr(q)], expected, 1e-6)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int32, np.uint8, np.float16, BF16,
                                   np.float32], ids=str)
@pytest.mark.parametrize("shape,axis", [((), None), ((7,), None), ((4, 6), 1), ((4, 6), 0),
                                        ((2, 3, 4), (1, 2))], ids=str)
def test_median_percentile_dtypes(dtype, shape, axis):
    x = rand(shape, dtype)
    out = inexact(dtype)
    rtol = {np.dtype(np.float16): 1e-3, np.dtype(BF16): 1e-2}.get(out, 1e-6)
    w = x.astype(np.float64)
    check(lambda a: jnp.median(a, axis=axis), [arr(x)],
          np.asarray(np.median(w, axis=axis)).astype(out), rtol)
    check(lambda a: jnp.percentile(a, 30, axis=axis), [arr(x)],
          np.asarray(np.percentile(w, 30, axis=axis)).astype(out), rtol)
    expected = np.asarray(np.nanmedian(w, axis=axis, keepdims=True)).astype(out)
    if x.ndim == 0:  # JAX keeps the raveled axis of a 0-d input: shape (1,)
        expected = expected.reshape(1)
    check(lambda a: jnp.nanmedian(a, axis=axis, keepdims=True), [arr(x)], expected, rtol)
    q = np.array([10.0, 95.0], np.float32)
    check(lambda a, b: jnp.nanpercentile(a, b, axis=axis), [arr(x), arr(q)],
          np.asarray(np.nanpercentile(w, q, axis=axis)).astype(out), rtol)


def test_quantile_nan_and_weak():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], np.float32)
    check(lambda a: jnp.median(a, axis=1), [arr(x)], np.array([np.nan, 5.0], np.float32))
    check(lambda a: jnp.nanmedian(a, axis=1), [arr(x)], np.array([2.0, 5.0], np.float32))
    all_nan = np.full((2, 3), np.nan, np.float32)
    check(lambda a: jnp.nanquantile(a, 0.5, axis=0), [arr(all_nan)],
          np.full(3, np.nan, np.float32))
    # Results are strong even for weak inputs; q of x64-NumPy type is canonicalized.
    check(lambda a: jnp.quantile(a, np.float64(0.25)), [arr(np.arange(5.0, dtype=np.float32),
                                                            weak=True)], np.float32(1.0))
    check(lambda: jnp.median(3.0), [], np.float32(3.0))


def test_quantile_errors():
    x = arr(np.arange(6.0, dtype=np.float32))
    with pytest.raises(ValueError, match="method can only be 'linear', 'lower', 'higher', "
                                         "'midpoint', or 'nearest'"):
        jnp.quantile(x, 0.5, method="bogus")
    with pytest.raises(ValueError, match="quantile does not support complex input"):
        jnp.quantile(arr(np.ones(3, np.complex64)), 0.5)
    with pytest.raises(ValueError, match=r"q must be have rank <= 1, got shape \(1, 1\)"):
        jnp.quantile(x, arr(np.full((1, 1), 0.5, np.float32)))
    with pytest.raises(ValueError, match="jax.numpy.quantile does not support "
                                         "overwrite_input=True or out != None"):
        jnp.quantile(x, 0.5, overwrite_input=True)
    with pytest.raises(ValueError, match="jax.numpy.median does not support|jax.numpy.quantile"
                                         " does not support"):
        jnp.median(x, out=np.zeros(()))
    with pytest.raises(ValueError, match="repeated axis"):
        jnp.quantile(arr(np.ones((2, 2), np.float32)), 0.5, axis=(0, 0))
    with pytest.raises(TypeError, match="quantile requires ndarray or scalar arguments"):
        jnp.quantile([1.0, 2.0], 0.5)
    with pytest.warns(DeprecationWarning, match="The interpolation= argument to 'quantile' is "
                                                "deprecated"):
        out = jnp.quantile(x, 0.5, interpolation="lower")
    assert float(out) == 2.0


def test_percentile_divides_by_constant():
    text = str(make_jaxpr(lambda a: jnp.percentile(a, 50.0))(arr(np.ones(4, np.float32))))
    assert "sort" in text and "gather" in text


# ----------------------------------------------------------------------------------------------
# average


@pytest.mark.parametrize("dtype", [np.int8, np.float16, np.float32, np.complex64], ids=str)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_average(dtype, axis, keepdims):
    x = rand((3, 4), dtype)
    out = inexact(dtype)
    rtol = 2e-3 if out == np.float16 else 1e-5
    w64 = x.astype(np.complex128 if out.kind == "c" else np.float64)
    check(lambda a: jnp.average(a, axis=axis, keepdims=keepdims), [arr(x)],
          np.asarray(np.average(w64, axis=axis, keepdims=keepdims)).astype(out), rtol)
    weights = np.abs(rand((3, 4), np.float32, seed=2)) + 0.1
    avg, wsum = np.average(w64, axis=axis, weights=weights, returned=True, keepdims=keepdims)
    wdt = np.dtype(np.complex64) if out.kind == "c" else np.dtype(np.float32)
    check(lambda a, w: jnp.average(a, axis=axis, weights=w, returned=True, keepdims=keepdims),
          [arr(x), arr(weights)],
          [np.asarray(avg).astype(wdt), np.asarray(wsum).astype(wdt)], rtol)


def test_average_1d_weights_and_errors():
    x = rand((3, 4), np.float32)
    w = np.array([1.0, 2.0, 3.0, 0.5], np.float32)
    check(lambda a, b: jnp.average(a, axis=1, weights=b), [arr(x), arr(w)],
          np.average(x, axis=1, weights=w).astype(np.float32), 1e-6)
    check(lambda a: jnp.average(a, axis=0, returned=True), [arr(x)],
          [np.average(x, axis=0).astype(np.float32), np.full(4, 3.0, np.float32)], 1e-6)
    with pytest.raises(ValueError, match="Axis must be specified when shapes of a and weights "
                                         "differ."):
        jnp.average(arr(x), weights=arr(w))
    with pytest.raises(ValueError, match="1D weights expected when shapes of a and weights "
                                         "differ."):
        jnp.average(arr(x), axis=1, weights=arr(np.ones((1, 4), np.float32)))
    with pytest.raises(ValueError, match="Length of weights not compatible with specified "
                                         "axis."):
        jnp.average(arr(x), axis=0, weights=arr(w))
    with pytest.raises(ValueError, match="Single axis expected when shapes of a and weights "
                                         "differ"):
        jnp.average(arr(x), axis=(0, 1), weights=arr(w))


# ----------------------------------------------------------------------------------------------
# cov, corrcoef


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.complex64], ids=str)
@pytest.mark.parametrize("shape", [(5,), (3, 6), (4, 2)], ids=str)
@pytest.mark.parametrize("rowvar", [True, False])
def test_cov_corrcoef(dtype, shape, rowvar):
    x = rand(shape, dtype, low=-5, high=5)
    out = inexact(dtype)
    w = x.astype(np.complex128 if out.kind == "c" else np.float64)
    check(lambda a: jnp.cov(a, rowvar=rowvar), [arr(x)],
          np.asarray(np.cov(w, rowvar=rowvar)).astype(out), 1e-5)
    check(lambda a: jnp.cov(a, rowvar=rowvar, bias=True), [arr(x)],
          np.asarray(np.cov(w, rowvar=rowvar, bias=True)).astype(out), 1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.asarray(np.corrcoef(w, rowvar=rowvar))
    if out.kind == "c":
        expected = np.clip(expected.real, -1, 1) + 1j * np.clip(expected.imag, -1, 1)
    check(lambda a: jnp.corrcoef(a, rowvar=rowvar), [arr(x)], expected.astype(out), 1e-5)


def test_cov_options():
    x = rand((3, 6), np.float32)
    y = rand((2, 6), np.float32, seed=5)
    fw = np.array([1, 2, 1, 3, 1, 1], np.int32)
    aw = np.abs(rand((6,), np.float32, seed=6)) + 0.1
    x64 = x.astype(np.float64)

    def close(fun, args, expected):
        check(fun, args, np.asarray(expected).astype(np.float32), 1e-5)

    close(lambda a, b: jnp.cov(a, b), [arr(x), arr(y)], np.cov(x64, y))
    close(lambda a: jnp.cov(a, ddof=2), [arr(x)], np.cov(x64, ddof=2))
    close(lambda a, f: jnp.cov(a, fweights=f), [arr(x), arr(fw)], np.cov(x64, fweights=fw))
    close(lambda a, w: jnp.cov(a, aweights=w), [arr(x), arr(aw)], np.cov(x64, aweights=aw))
    close(lambda a, f, w: jnp.cov(a, fweights=f, aweights=w), [arr(x), arr(fw), arr(aw)],
          np.cov(x64, fweights=fw, aweights=aw))
    close(lambda a, f: jnp.cov(a, fweights=f, ddof=0), [arr(x), arr(fw)],
          np.cov(x64, fweights=fw, ddof=0))
    close(lambda a, b: jnp.corrcoef(a, b), [arr(x), arr(y)], np.corrcoef(x64, y))
    check(lambda a: jnp.corrcoef(a), [arr(x[0])], np.float32(1.0))
    assert jnp.cov(arr(np.zeros((0, 3), np.float32))).shape == (0, 0)
    with pytest.raises(ValueError, match="m has more than 2 dimensions"):
        jnp.cov(arr(np.ones((2, 2, 2))))
    with pytest.raises(RuntimeError, match="incompatible numbers of samples and fweights"):
        jnp.cov(arr(x), fweights=arr(fw[:3]))
    with pytest.raises(TypeError, match="fweights must be integer."):
        jnp.cov(arr(x), fweights=arr(aw))
    with pytest.raises(RuntimeError, match="cannot handle multidimensional aweights"):
        jnp.cov(arr(x), aweights=arr(np.ones((2, 6), np.float32)))


# ----------------------------------------------------------------------------------------------
# histograms


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float16, np.float32], ids=str)
@pytest.mark.parametrize("bins", [1, 5, "edges"], ids=str)
@pytest.mark.parametrize("density", [False, True])
def test_histogram(dtype, bins, density):
    x = rand((4, 6), dtype, low=-9, high=9)
    edges = np.array([-3.0, -1.0, 0.0, 0.5, 4.0], np.float32)
    b = edges if bins == "edges" else bins
    out = inexact(dtype)
    counts, e = np.histogram(x.astype(np.float64), bins=b.astype(np.float64) if bins == "edges"
                             else b, density=density)
    if bins != "edges":
        e = np.asarray(jnp.histogram_bin_edges(arr(x), bins)).astype(np.float64)
        counts, _ = np.histogram(x.astype(np.float64), bins=e, density=density)
    rtol = 2e-3 if out == np.float16 else 1e-5
    bins_arg = arr(edges) if bins == "edges" else bins
    check(lambda a: jnp.histogram(a, bins=bins_arg, density=density), [arr(x)],
          [counts.astype(out), e.astype(out)], rtol)


def test_histogram_options():
    x = np.array([0.0, 1.0, 1.5, 2.0, 3.0, -1.0, 7.0, np.nan], np.float32)
    w = np.arange(8, dtype=np.float32)
    finite = x[np.isfinite(x)]
    counts, e = np.histogram(finite, bins=4, range=(0, 3), weights=w[np.isfinite(x)])
    check(lambda a, b: jnp.histogram(a, bins=4, range=(0, 3), weights=b), [arr(x), arr(w)],
          [counts.astype(np.float32), e.astype(np.float32)], 1e-6)
    # The last bin is closed; values outside the edges and NaNs are ignored.
    counts, _ = jnp.histogram(arr(x), bins=arr(np.array([0.0, 2.0, 3.0], np.float32)))
    np.testing.assert_array_equal(counts, [3.0, 2.0])
    # A constant input gets the range (v - 0.5, v + 0.5).
    edges = jnp.histogram_bin_edges(arr(np.full(3, 2.0, np.float32)), 2)
    np.testing.assert_allclose(edges, [1.5, 2.0, 2.5])
    assert jnp.histogram_bin_edges(arr(np.arange(4)), 3).dtype == np.float32
    np.testing.assert_array_equal(jnp.histogram_bin_edges(arr(x), np.array([1, 2])), [1, 2])
    with pytest.raises(ValueError, match="weights should have the same shape as a."):
        jnp.histogram(arr(x), weights=arr(w[:3]))
    with pytest.raises(NotImplementedError, match="string values for `bins` not implemented."):
        jnp.histogram_bin_edges(arr(x), bins="auto")
    with pytest.raises(TypeError, match="histogram requires ndarray or scalar arguments"):
        jnp.histogram(arr(x), bins="auto")
    with pytest.raises(ConcretizationTypeError, match="bins argument of histogram_bin_edges"):
        jit(lambda a, b: jnp.histogram(a, bins=b))(arr(x), 3)


def test_histogram2d_dd():
    rng = np.random.RandomState(0)
    x = rng.randn(20).astype(np.float32)
    y = rng.randn(20).astype(np.float32)
    w = rng.rand(20).astype(np.float32)
    h, ex, ey = np.histogram2d(x, y, bins=(3, 4))
    check(lambda a, b: jnp.histogram2d(a, b, bins=(3, 4)), [arr(x), arr(y)],
          [h.astype(np.int32), ex.astype(np.float32), ey.astype(np.float32)], 1e-5)
    edges = np.array([-1.0, 0.0, 1.0], np.float32)
    h, _, _ = np.histogram2d(x, y, bins=edges, weights=w, density=True)
    out = jnp.histogram2d(arr(x), arr(y), bins=arr(edges), weights=arr(w), density=True)
    np.testing.assert_allclose(out[0], h, rtol=1e-5)
    sample = rng.randn(30, 3).astype(np.float32)
    h, es = np.histogramdd(sample, bins=(2, 3, 4), range=[(-2, 2), None, (-1, 1)])
    hist, edges_out = jnp.histogramdd(arr(sample), bins=(2, 3, 4),
                                      range=[(-2, 2), None, (-1, 1)])
    assert hist.dtype == np.int32 and len(edges_out) == 3
    np.testing.assert_array_equal(hist, h)
    for got, want in zip(edges_out, es):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(ValueError, match="should be a bin for each dimension."):
        jnp.histogramdd(arr(sample), bins=(2, 3))
    with pytest.raises(ValueError, match="should have one weight for each sample."):
        jnp.histogramdd(arr(sample), weights=arr(np.ones(3, np.float32)))


# ----------------------------------------------------------------------------------------------
# bincount, digitize


def test_bincount():
    x = np.array([0, 1, 1, 3, 2, 1, 7], np.int32)
    check(lambda a: jnp.bincount(a, length=8), [arr(x)], np.bincount(x).astype(np.int32))
    assert np.array_equal(jnp.bincount(arr(x)), np.bincount(x))
    assert jnp.bincount(arr(x), minlength=10).shape == (10,)
    w = np.linspace(0, 1, 7).astype(np.float16)
    check(lambda a, b: jnp.bincount(a, b, length=8), [arr(x), arr(w)],
          np.bincount(x, w.astype(np.float64)).astype(np.float16), 1e-3)
    # Negative values count in bin 0; values beyond length are dropped.
    check(lambda a: jnp.bincount(a, length=3), [arr(np.array([-2, 0, 2, 5], np.int8))],
          np.array([2, 0, 1], np.int32))
    assert np.array_equal(jnp.bincount(arr(np.array([True, False, True]))), [1, 2])
    assert jnp.bincount(arr(np.zeros(0, np.int32))).shape == (0,)
    with pytest.raises(ConcretizationTypeError, match="pass a static `length` argument"):
        jit(jnp.bincount)(arr(x))
    with pytest.raises(TypeError, match="x argument to bincount must have an integer type; got "
                                        "float32"):
        jnp.bincount(arr(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="only 1-dimensional input supported."):
        jnp.bincount(arr(np.ones((2, 2), np.int32)))
    with pytest.raises(ValueError, match="type of weights must match type of x"):
        jnp.bincount(arr(x), weights=arr(np.ones(3, np.float32)))


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float32], ids=str)
def test_digitize(right, dtype):
    x = rand((3, 5), dtype, low=-4, high=5)
    inc = np.array([-2, 0, 0, 1, 3], dtype)
    dec = inc[::-1].copy()
    for bins in (inc, dec):
        check(lambda a, b: jnp.digitize(a, b, right=right), [arr(x), arr(bins)],
              np.digitize(x, bins, right=right).astype(np.int32))
    check(lambda a, b: jnp.digitize(a, b, right), [arr(np.float32(0.5)), arr(inc)],
          np.int32(np.digitize(0.5, inc, right=right)))


def test_digitize_special():
    x = np.array([np.nan, -np.inf, np.inf, 0.0, -0.0], np.float32)
    bins = np.array([-1.0, 0.0, 1.0], np.float32)
    check(lambda a, b: jnp.digitize(a, b), [arr(x), arr(bins)],
          np.digitize(x, bins).astype(np.int32))
    check(lambda a: jnp.digitize(a, np.zeros(0, np.float32)), [arr(x)],
          np.zeros(5, np.int32))
    out = jnp.digitize(arr(np.array([1, 5], np.int32)), np.array([0.5, 2.5]), method="sort")
    np.testing.assert_array_equal(out, [1, 2])
    with pytest.raises(ValueError, match="digitize: bins must be a 1-dimensional array"):
        jnp.digitize(arr(x), arr(np.ones((2, 2), np.float32)))
    with pytest.raises(ValueError, match="'bad' is an invalid value for keyword 'method'"):
        jnp.digitize(arr(x), arr(bins), method="bad")


# ----------------------------------------------------------------------------------------------
# clip


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.float16, BF16, np.float32],
                         ids=str)
def test_clip(dtype):
    x = rand((3, 4), dtype, low=-10, high=10)
    lo, hi = np.array(2, dtype), np.array(6, dtype)
    w = x.astype(np.float32) if dtype == BF16 else x
    check(lambda a: jnp.clip(a, lo, hi), [arr(x)],
          np.clip(w, lo.astype(w.dtype), hi.astype(w.dtype)).astype(dtype))
    check(lambda a: jnp.clip(a, max=hi), [arr(x)], np.minimum(w, hi.astype(w.dtype)).astype(dtype))
    check(lambda a: jnp.clip(a, min=lo), [arr(x)], np.maximum(w, lo.astype(w.dtype)).astype(dtype))
    check(lambda a: jnp.clip(a), [arr(x)], x)
    assert np.array_equal(arr(x).clip(lo, hi), jnp.clip(arr(x), lo, hi))


def test_clip_promotion_and_errors():
    i = rand((5,), np.int32)
    # int32 with Python-float bounds: the join with a weak float is a weak float32.
    check(lambda a: jnp.clip(a, 0.5, 2.5), [arr(i)],
          np.clip(i, 0.5, 2.5).astype(np.float32), weak=True)
    check(lambda a: jnp.clip(a, 0, 3), [arr(i)], np.clip(i, 0, 3).astype(np.int32))
    check(lambda: jnp.clip(5, 0, 3), [], np.int32(3), weak=True)
    # Bounds in the wrong order give max (NumPy's rule too).
    check(lambda a: jnp.clip(a, 3, 1), [arr(i)], np.full(5, 1, np.int32))
    x = np.array([1.0, np.nan, -3.0], np.float32)
    check(lambda a: jnp.clip(a, -1, 1), [arr(x)], np.clip(x, -1, 1))
    with pytest.raises(ValueError, match="Clip received a complex value"):
        jnp.clip(arr(np.ones(2, np.complex64)), 0, 1)
    with pytest.raises(ValueError, match="Clip received a complex value"):
        jnp.clip(arr(np.ones(2, np.float32)), 1j)
    with pytest.raises(ValueError, match="No input was provided to the clip function."):
        jnp.clip()
    with pytest.raises(TypeError, match="clip requires ndarray or scalar arguments"):
        jnp.clip([1, 2], 0, 1)


def test_x64_statistics():
    with enable_x64():
        x = arr(np.arange(6, dtype=np.int64))
        assert jnp.median(x).dtype == np.float64
        assert jnp.quantile(arr(np.arange(6, dtype=np.float32)), 0.5).dtype == np.float32
        assert jnp.bincount(arr(np.array([0, 1], np.int32))).dtype == np.int64
        assert jnp.digitize(x, arr(np.array([1, 2], np.int64))).dtype == np.int32
        assert jnp.average(x).dtype == np.float64
        assert jnp.histogram(x, 3)[0].dtype == np.float64


def test_jax_docstring_values():
    """Values printed in JAX's own docstrings (recorded from real JAX)."""
    q = jnp.array([0.25, 0.5, 0.75])
    np.testing.assert_array_equal(jnp.quantile(jnp.arange(10), q), np.float32([2.25, 4.5, 6.75]))
    np.testing.assert_array_equal(jnp.quantile(jnp.arange(10), q, method="nearest"),
                                  np.float32([2, 4, 7]))
    x = jnp.array([0, 1, 2, 3, 4, 5, 6])
    p = jnp.array([25, 50, 75])
    np.testing.assert_array_equal(jnp.percentile(x, p), np.float32([1.5, 3, 4.5]))
    np.testing.assert_array_equal(jnp.percentile(x, p, method="nearest"), np.float32([1, 3, 4]))
    x = jnp.array([0, 1, 2, jnp.nan, 3, 4, 5, 6])
    assert np.isnan(np.asarray(jnp.quantile(x, q))).all()
    np.testing.assert_array_equal(jnp.nanpercentile(x, p), np.float32([1.5, 3, 4.5]))
    x = jnp.array([[2, 4, 7, 1], [3, 5, 9, 2], [6, 1, 8, 3]])
    assert repr(jnp.median(x)) == "Array(3.5, dtype=float32)"
    nan = jnp.nan
    x = jnp.array([[2, nan, 7, nan], [nan, 5, 9, 2], [6, 1, nan, 3]])
    np.testing.assert_array_equal(jnp.nanmedian(x, axis=1), np.float32([4.5, 5, 3]))
    x, w = jnp.array([1, 2, 3, 2, 4]), jnp.array([2, 1, 3, 2, 2])
    assert repr(jnp.average(x)) == "Array(2.4, dtype=float32)"
    assert repr(jnp.average(x, weights=w, returned=True)) == \
        "(Array(2.5, dtype=float32), Array(10., dtype=float32))"
    a = jnp.array([1, 2, 3, 10, 11, 15, 19, 25])
    counts, edges = jnp.histogram(a, bins=8)
    np.testing.assert_array_equal(counts, np.float32([3, 0, 0, 2, 1, 0, 1, 1]))
    np.testing.assert_array_equal(edges, np.float32([1, 4, 7, 10, 13, 16, 19, 22, 25]))
    counts, _ = jnp.histogram(a, bins=jnp.array([0, 10, 20, 30]))
    np.testing.assert_array_equal(counts, np.float32([3, 4, 1]))
    y = jnp.array([2, 5, 6, 8, 13, 16, 17, 18])
    e = jnp.array([0, 10, 20, 30])
    counts, _, _ = jnp.histogram2d(a, y, bins=[e, e])
    assert repr(counts) == ("Array([[3, 0, 0],\n       [1, 3, 0],\n       [0, 1, 0]], "
                            "dtype=int32)")
    x = jnp.array([1, 1, 2, 3, 3, 3])
    assert repr(jnp.bincount(x, jnp.array([1, 2, 3, 4, 5, 6]))) == \
        "Array([ 0,  3,  3, 15], dtype=int32)"
    np.testing.assert_array_equal(jnp.bincount(jnp.array([-1, -1, 1, 3, 10]), length=5),
                                  [2, 1, 0, 1, 0])

"""Tests for jax.numpy set operations against NumPy (and JAX's padding rules for size=)."""
import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src import errors
from pyjax._src.numpy import setops as S
from helpers import arr32 as arr

BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.dtype(d) for d in (np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16,
                                np.float32, np.complex64)]


def rand(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    x = rng.integers(-3 if dtype.kind not in "u" else 0, 4, shape)
    if dtype.kind == "c":
        x = x + 1j * rng.integers(-1, 2, shape)
    return x.astype(dtype)


def same(got, want, dtype=None):
    got_np, want = np.asarray(got), np.asarray(want)
    assert got_np.shape == want.shape, (got_np.shape, want.shape)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    np.testing.assert_array_equal(got_np, want.astype(got_np.dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (9,), (3, 4), (0,), (2, 0)], ids=str)
def test_unique_flat(dtype, shape):
    x = rand(shape, dtype, 1)
    got = S.unique(arr(x), return_index=True, return_inverse=True, return_counts=True)
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    same(got[0], want[0], dtype)
    same(got[1], want[1], np.int32)
    same(got[2], want[2].reshape(x.shape), np.int32)
    same(got[3], want[3], np.int32)
    same(S.unique(arr(x)), np.unique(x), dtype)


@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((4, 3), 1), ((3, 2, 2), -1), ((5, 2), 0)])
def test_unique_axis(shape, axis):
    x = rand(shape, np.int32, 2) % 2
    got = S.unique(arr(x), return_index=True, return_inverse=True, return_counts=True, axis=axis)
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    for g, w in zip(got, want):
        same(g, w.ravel() if w.ndim == 1 or g.ndim == 1 else w)


def test_unique_nan():
    x = np.array([1.0, np.nan, 2.0, np.nan, 1.0], np.float32)
    same(S.unique(arr(x)), np.array([1.0, 2.0, np.nan]))
    same(S.unique(arr(x), equal_nan=False), np.array([1.0, 2.0, np.nan, np.nan]))
    c = np.array([1 + 1j, complex(1, np.nan), complex(np.nan, 2)], np.complex64)
    assert S.unique(arr(c)).shape == (2,)


def test_unique_size_fill_docstring():
    x = arr(np.array([3, 4, 1, 3, 1], np.int32))
    same(S.unique(x, size=3), [1, 3, 4])
    same(S.unique(x, size=2), [1, 3])
    same(S.unique(x, size=5), [1, 3, 4, 1, 1])
    same(S.unique(x, size=5, fill_value=0), [1, 3, 4, 0, 0])
    vals, idx, inv, cnt = S.unique(x, True, True, True, size=5)
    same(idx, [2, 0, 1, 2, 2])
    same(inv, [1, 2, 0, 1, 0])
    same(cnt, [2, 2, 1, 0, 0])
    m = arr(np.array([[1, 2], [2, 3], [1, 2]], np.int32))
    same(S.unique(m, axis=0, size=3, fill_value=-1), [[1, 2], [2, 3], [-1, -1]])


def test_unique_jit():
    x = arr(np.array([3, 4, 1, 3, 1], np.int32))
    f = pyjax.jit(lambda v: S.unique(v, return_counts=True, return_inverse=True, size=4,
                                     fill_value=9))
    vals, inv, cnt = f(x)
    same(vals, [1, 3, 4, 9])
    same(inv, [1, 2, 0, 1, 0])
    same(cnt, [2, 2, 1, 0])
    with pytest.raises(errors.ConcretizationTypeError,
                       match="The error arose for the first argument of jnp.unique"):
        pyjax.jit(S.unique)(x)
    with pytest.raises(ValueError, match="for zero-sized input with nonzero size argument"):
        S.unique(arr(np.zeros(0, np.int32)), size=2)
    same(S.unique(arr(np.zeros(0, np.int32)), size=2, fill_value=5), [5, 5])


def test_unique_namedtuples():
    x = arr(np.array([3, 4, 1, 3, 1, np.nan], np.float32))
    r = S.unique_all(x)
    assert type(r).__name__ == "_UniqueAllResult"
    assert r._fields == ("values", "indices", "inverse_indices", "counts")
    same(r.values, [1, 3, 4, np.nan])
    same(r.indices, [2, 0, 1, 5])
    same(r.inverse_indices, [1, 2, 0, 1, 0, 3])
    same(r.counts, [2, 2, 1, 1])
    r = S.unique_counts(x)
    assert type(r).__name__ == "_UniqueCountsResult" and r._fields == ("values", "counts")
    r = S.unique_inverse(x)
    assert r._fields == ("values", "inverse_indices")
    same(S.unique_values(x), [1, 3, 4, np.nan])
    # NaNs are not merged by the array-API functions.
    same(S.unique_values(arr([np.nan, np.nan])), [np.nan, np.nan])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("method", ["auto", "compare_all", "binary_search", "sort"])
def test_isin(dtype, method):
    x, t = rand((3, 4), dtype, 3), rand((5,), dtype, 4)
    for invert in (False, True):
        got = S.isin(arr(x), arr(t), invert=invert, method=method)
        same(got, np.isin(x, t, invert=invert), np.bool_)
        got = pyjax.jit(lambda a, b: S.isin(a, b, invert=invert, method=method))(arr(x), arr(t))
        same(got, np.isin(x, t, invert=invert), np.bool_)
    same(S.isin(arr(x), arr(t[:0])), np.zeros(x.shape, bool))


def test_isin_errors():
    with pytest.raises(ValueError, match="method='bogus' is not implemented"):
        S.isin(arr([1]), arr([1]), method="bogus")


PAIRS = [((6,), (5,)), ((2, 3), (4,)), ((0,), (3,)), ((4,), (0,)), ((0,), (0,))]


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.uint8, np.int8], ids=str)
@pytest.mark.parametrize("s1,s2", PAIRS)
def test_set_functions(dtype, s1, s2):
    a, b = rand(s1, dtype, 5), rand(s2, dtype, 6)
    same(S.union1d(arr(a), arr(b)), np.union1d(a, b), dtype)
    same(S.intersect1d(arr(a), arr(b)), np.intersect1d(a, b), dtype)
    same(S.setdiff1d(arr(a), arr(b)), np.setdiff1d(a, b), dtype)
    same(S.setxor1d(arr(a), arr(b)), np.setxor1d(a, b), dtype)
    got = S.intersect1d(arr(a), arr(b), return_indices=True)
    want = np.intersect1d(a, b, return_indices=True)
    for g, w in zip(got, want):
        same(g, w)
    ua, ub = np.unique(a), np.unique(b)
    same(S.intersect1d(arr(ua), arr(ub), assume_unique=True), np.intersect1d(ua, ub, True))
    same(S.setdiff1d(arr(ua), arr(ub), assume_unique=True), np.setdiff1d(ua, ub, True))
    same(S.setxor1d(arr(ua), arr(ub), assume_unique=True), np.setxor1d(ua, ub, True))


def _padded(want, size, fill):
    want = np.asarray(want)[:size]
    return np.concatenate([want, np.full(size - len(want), fill, want.dtype)])


@pytest.mark.parametrize("s1,s2", PAIRS[:2])
@pytest.mark.parametrize("size", [1, 4, 12])
def test_set_functions_size(s1, s2, size):
    a, b = rand(s1, np.int32, 7), rand(s2, np.int32, 8)
    jit = pyjax.jit
    got = jit(lambda x, y: S.union1d(x, y, size=size, fill_value=-9))(arr(a), arr(b))
    same(got, _padded(np.union1d(a, b), size, -9))
    got = jit(lambda x, y: S.setdiff1d(x, y, size=size, fill_value=-9))(arr(a), arr(b))
    same(got, _padded(np.setdiff1d(a, b), size, -9))
    got = jit(lambda x, y: S.setxor1d(x, y, size=size, fill_value=-9))(arr(a), arr(b))
    same(got, _padded(np.setxor1d(a, b), size, -9))
    got = jit(lambda x, y: S.intersect1d(x, y, size=size, fill_value=-9))(arr(a), arr(b))
    same(got, _padded(np.intersect1d(a, b), size, -9))
    vals, i1, i2 = jit(lambda x, y: S.intersect1d(x, y, size=size, return_indices=True))(
        arr(a), arr(b))
    wv, w1, w2 = np.intersect1d(a, b, return_indices=True)
    k = min(size, len(wv))
    same(np.asarray(vals)[:k], wv[:k])
    same(np.asarray(i1)[:k], w1[:k])
    same(np.asarray(i2)[:k], w2[:k])
    same(np.asarray(i1)[k:], np.full(size - k, a.size))
    same(np.asarray(i2)[k:], np.full(size - k, b.size))
    # Default fill: the smallest value of the result.
    if len(np.setxor1d(a, b)):
        got = S.setxor1d(arr(a), arr(b), size=size)
        same(got, _padded(np.setxor1d(a, b), size, np.setxor1d(a, b).min()))


def test_set_docstrings():
    a1, a2 = arr(np.array([1, 2, 3, 4], np.int32)), arr(np.array([3, 4, 5, 6], np.int32))
    same(S.setdiff1d(a1, a2, size=4, fill_value=0), [1, 2, 0, 0])
    same(S.union1d(a1, a2, size=8, fill_value=0), [1, 2, 3, 4, 5, 6, 0, 0])
    same(S.setxor1d(a1, a2), [1, 2, 5, 6])
    v, i1, i2 = S.intersect1d(a1, a2, return_indices=True)
    same(v, [3, 4])
    same(i1, [2, 3])
    same(i2, [0, 1])


def test_set_concretization_errors():
    a = arr(np.array([1, 2, 3], np.int32))
    with pytest.raises(errors.ConcretizationTypeError, match="setdiff1d"):
        pyjax.jit(S.setdiff1d)(a, a)
    with pytest.raises(errors.ConcretizationTypeError, match="union1d"):
        pyjax.jit(S.union1d)(a, a)
    with pytest.raises(errors.ConcretizationTypeError):
        pyjax.jit(S.intersect1d)(a, a)

"""Tests for jax.numpy sorting and searching against NumPy."""
import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src import api
from pyjax._src.numpy import sorting as S
from helpers import arr32 as arr

BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.dtype(d) for d in (np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16,
                                np.float32)] + [BF16]
SHAPES = [(), (7,), (3, 5), (2, 3, 4), (0,), (3, 0)]




def rand(shape, dtype, seed=0, nan=False):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        return rng.integers(-3 if dtype.kind == "i" else 0, 4, shape).astype(dtype)
    x = rng.integers(-3, 4, shape).astype(np.float64)  # repeated values exercise stability
    if dtype.kind == "c":
        x = x + 1j * rng.integers(-2, 3, shape)
    if nan and x.size:
        x.flat[::4] = np.nan
        x.flat[1::5] = -0.0
    return x.astype(dtype)


def same(got, want, dtype=None, weak=False):
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    if dtype is not None:
        assert got.dtype == np.dtype(dtype) and got.weak_type == weak
    g, w = np.asarray(got), np.asarray(want)
    if g.dtype == BF16:
        g, w = g.astype(np.float32), w.astype(np.float32)
    np.testing.assert_array_equal(g, w)


def both(fun, *args, **kwargs):
    eager = fun(*args, **kwargs)
    jitted = pyjax.jit(lambda *a: fun(*a, **kwargs))(*args)
    shape = api.eval_shape(lambda *a: fun(*a, **kwargs), *args)
    for r in (jitted, shape):
        assert (r.shape, r.dtype, r.weak_type) == (eager.shape, eager.dtype, eager.weak_type)
    same(jitted, eager)
    return eager


def np_argsort(x, axis, descending=False):
    """Stable argsort; descending keeps equal entries in their original order (as JAX)."""
    if x.dtype == BF16:
        x = x.astype(np.float32)  # NumPy cannot sort bfloat16 itself
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    r = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - r, axis)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort(dtype, shape, descending):
    x = rand(shape, dtype, 1, nan=True)
    axes = [None] + list(range(-len(shape), len(shape)))
    for axis in axes[:3]:
        xx = x.ravel() if axis is None else x
        ax = 0 if axis is None else axis
        if xx.ndim == 0:
            with pytest.raises(ValueError):
                S.sort(arr(x), axis=axis)
            continue
        idx = np_argsort(xx, ax, descending)
        want = np.take_along_axis(xx, idx, ax)
        same(both(S.sort, arr(x), axis=axis, descending=descending), want, dtype)
        int_dt = np.int32
        same(both(S.argsort, arr(x), axis=axis, descending=descending), idx.astype(int_dt),
             int_dt)


def test_sort_complex_and_weak():
    x = rand((3, 4), np.complex64, 2)
    want = np.sort(x, axis=-1)
    same(both(S.sort, arr(x)), want, np.complex64)
    same(both(S.sort_complex, arr(x)), want, np.complex64)
    out = S.sort_complex(arr(np.array([3, 1, 2], np.int32)))
    same(out, np.array([1, 2, 3], np.complex64), np.complex64)
    out = S.sort(arr([3.0, 1.0], weak=True))
    assert out.weak_type


def test_sort_errors():
    with pytest.raises(TypeError, match="'kind' argument to sort is not supported"):
        S.sort(arr([1, 2]), kind="stable")
    with pytest.raises(TypeError, match="'order' argument to argsort is not supported"):
        S.argsort(arr([1, 2]), order="x")
    with pytest.raises(TypeError, match="requires ndarray or scalar arguments"):
        S.sort([3, 1])


@pytest.mark.parametrize("shape,axis", [((6,), -1), ((3, 5), -1), ((3, 5), 0), ((), -1),
                                        ((0,), -1)])
def test_lexsort(shape, axis):
    keys = [rand(shape, np.int32, i) for i in range(3)]
    out = both(lambda *k: S.lexsort(k, axis=axis), *[arr(k) for k in keys])
    want = np.lexsort(keys, axis=axis) if len(shape) else np.array(0)
    same(out, want.astype(np.int32), np.int32)
    # A 2-d array of keys is a sequence of keys.
    if len(shape) == 1:
        same(S.lexsort(arr(np.stack(keys))), want.astype(np.int32))


def test_lexsort_errors():
    with pytest.raises(TypeError, match="need sequence of keys with len > 0"):
        S.lexsort([])
    with pytest.raises(ValueError, match="all keys need to be the same shape"):
        S.lexsort([arr([1, 2]), arr([1, 2, 3])])


@pytest.mark.parametrize("method", ["scan", "scan_unrolled", "sort", "compare_all"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float32, np.float16, np.int8],
                         ids=str)
def test_searchsorted(method, side, dtype):
    a = np.sort(rand((9,), dtype, 3))
    for v in (rand((4, 3), dtype, 4), rand((), dtype, 5), rand((0,), dtype, 6), a):
        out = both(S.searchsorted, arr(a), arr(v), side=side, method=method)
        same(out, np.searchsorted(a, v, side=side).astype(np.int32), np.int32)


@pytest.mark.parametrize("method", ["scan", "sort", "compare_all"])
def test_searchsorted_nan_complex_sorter(method):
    a = np.array([-1.0, 0.0, 2.0, np.inf, np.nan, np.nan], np.float32)
    v = np.array([np.nan, -0.0, np.inf, 5.0, -np.inf], np.float32)
    for side in ("left", "right"):
        same(S.searchsorted(arr(a), arr(v), side=side, method=method),
             np.searchsorted(a, v, side=side).astype(np.int32))
    c = np.sort(rand((7,), np.complex64, 7))
    q = rand((5,), np.complex64, 8)
    same(S.searchsorted(arr(c), arr(q), method=method), np.searchsorted(c, q).astype(np.int32))
    u = rand((8,), np.int32, 9)
    sorter = np.argsort(u, kind="stable")
    q = np.array([-5, 0, 1, 7], np.int32)
    same(both(S.searchsorted, arr(u), arr(q), sorter=arr(sorter.astype(np.int32)),
              method=method), np.searchsorted(u, q, sorter=sorter).astype(np.int32))


def test_searchsorted_empty_scalars_and_errors():
    same(S.searchsorted(arr(np.zeros(0, np.float32)), arr([1.0, 2.0])), np.zeros(2, np.int32))
    same(S.searchsorted(arr([1, 2, 3]), 2.5), np.int32(2))
    with pytest.raises(ValueError, match="a should be 1-dimensional"):
        S.searchsorted(arr(np.ones((2, 2))), 1.0)
    with pytest.raises(ValueError, match="invalid argument side='middle'"):
        S.searchsorted(arr([1.0]), 1.0, side="middle")
    with pytest.raises(ValueError, match="invalid argument method='bogus'"):
        S.searchsorted(arr([1.0]), 1.0, method="bogus")


def _np_partition(x, kth):
    """JAX's result: the kth+1 smallest ascending, then the rest descending."""
    s = np.sort(x, axis=-1, kind="stable")
    n = x.shape[-1]
    return np.concatenate([s[..., :kth + 1], np.flip(s, -1)[..., :n - kth - 1]], -1)


def _np_argpartition(x, kth):
    order = np.argsort(x, axis=-1, kind="stable")
    bottom = order[..., :kth + 1]
    rest = []
    for row_b in bottom.reshape(-1, kth + 1):
        rest.append([i for i in range(x.shape[-1]) if i not in set(row_b.tolist())])
    rest = np.array(rest, np.int64).reshape(x.shape[:-1] + (x.shape[-1] - kth - 1,))
    return np.concatenate([bottom, rest], -1)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float32, np.int8], ids=str)
@pytest.mark.parametrize("shape,kth,axis", [((10,), 4, -1), ((10,), 0, -1), ((10,), -1, -1),
                                            ((3, 6), 2, -1), ((6, 3), 5, 0), ((2, 5, 3), 1, 1)])
def test_partition(dtype, shape, kth, axis):
    x = rand(shape, dtype, 11)
    xm = np.moveaxis(x, axis, -1)
    k = kth % xm.shape[-1]
    want = np.moveaxis(_np_partition(xm, k), -1, axis)
    same(both(S.partition, arr(x), kth=kth, axis=axis), want, dtype)
    want_idx = np.moveaxis(_np_argpartition(xm, k), -1, axis)
    same(both(S.argpartition, arr(x), kth=kth, axis=axis), want_idx.astype(np.int32),
         np.int32)
    # NumPy's own property: entry kth is in place, smaller before, larger after.
    got = np.asarray(S.partition(arr(x), kth, axis=axis))
    np.testing.assert_array_equal(np.take(got, k, axis), np.take(np.sort(x, axis), k, axis))


def test_partition_docstring_and_errors():
    x = arr(np.array([6, 8, 4, 3, 1, 9, 7, 5, 2, 3], np.int32))
    same(S.partition(x, 4), np.array([1, 2, 3, 3, 4, 9, 8, 7, 6, 5]))
    same(S.argpartition(x, 4), np.array([4, 8, 3, 9, 2, 0, 1, 5, 6, 7]))
    with pytest.raises(NotImplementedError, match="complex dtype"):
        S.partition(arr(np.ones(3, np.complex64)), 1)
    with pytest.raises(ValueError):
        S.partition(x, 10)

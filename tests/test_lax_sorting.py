"""lax.sort, lax.sort_key_val and lax.top_k against Python's sorted() on explicit keys."""
import math

import ml_dtypes
import numpy as np
import pytest

from pyjax._src.api import jit, make_jaxpr
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives.sorting import sort, sort_key_val, top_k

bf16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, bf16, np.float32,
          np.complex64]


def A(x, dtype=None, weak=False):
    return ArrayImpl(np.asarray(x, dtype), weak)


def values(shape, dtype, seed=0, specials=True):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "c":
        return (rng.integers(-3, 3, shape) + 1j * rng.integers(-3, 3, shape)).astype(dtype)
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -5
        return rng.integers(lo, 5, shape).astype(dtype)
    x = rng.integers(-5, 5, shape).astype(np.float32)
    if specials and x.size >= 8:
        flat = x.reshape(-1)
        flat[:8] = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, np.nan, -0.0]
        rng.shuffle(flat)
    return x.astype(dtype)


# -- reference orders ---------------------------------------------------------------------------

def sort_key(v):
    """JAX's sort comparator as a Python key: -0 == +0, every NaN last and equal."""
    if isinstance(v, (complex, np.complexfloating)):
        return sort_key(v.real) + sort_key(v.imag)
    if isinstance(v, (bool, np.bool_)):
        return (0, int(v))
    f = float(v)
    if math.isnan(f):
        return (1, 0.0)
    return (0, f)


def total_order_key(v):
    """XLA's total order: -NaN < -inf < ... < -0 < +0 < ... < inf < +NaN."""
    f = float(v)
    if math.isnan(f):
        return (-1 if math.copysign(1, f) < 0 else 1, 0.0, 0.0)
    return (0, f, math.copysign(1.0, f))


def ref_sort(operands, dimension, num_keys):
    ops = [np.moveaxis(np.asarray(x), dimension, -1) for x in operands]
    outs = [np.empty_like(x) for x in ops]
    for lane in np.ndindex(*ops[0].shape[:-1]):
        n = ops[0].shape[-1]
        perm = sorted(range(n), key=lambda i: tuple(sort_key(ops[k][lane + (i,)])
                                                    for k in range(num_keys)))
        for x, o in zip(ops, outs):
            o[lane] = x[lane][perm]
    return [np.moveaxis(o, -1, dimension) for o in outs]


def ref_top_k(x, k, axis):
    x = np.moveaxis(np.asarray(x), axis, -1)
    vals = np.empty(x.shape[:-1] + (k,), x.dtype)
    idx = np.empty(x.shape[:-1] + (k,), np.int32)
    for lane in np.ndindex(*x.shape[:-1]):
        key = (lambda v: (0, int(v), 0)) if x.dtype.kind in "iub" else total_order_key
        order = sorted(range(x.shape[-1]), key=lambda i: (tuple(-c for c in key(x[lane][i])), i))
        vals[lane] = x[lane][order[:k]]
        idx[lane] = order[:k]
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


def assert_bits_equal(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "fc" or want.dtype == bf16:
        # Compare bit patterns so that -0.0/+0.0 and NaN signs are checked too.
        w = want.view(np.dtype(f"u{want.dtype.itemsize}")) if want.dtype.kind != "c" else want
        g = got.view(w.dtype) if want.dtype.kind != "c" else got
        if want.dtype.kind == "c":
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_array_equal(g, w)
    else:
        np.testing.assert_array_equal(got, want)


def all_ways(fun, *args):
    eager = fun(*args)
    jitted = jit(fun)(*args)
    avals = make_jaxpr(fun)(*args).out_avals
    eager_list = list(eager) if isinstance(eager, tuple) else [eager]
    jitted_list = list(jitted) if isinstance(jitted, tuple) else [jitted]
    for e, a in zip(eager_list, avals, strict=True):
        assert (e.shape, e.dtype, e.weak_type) == (a.shape, a.dtype, a.weak_type)
    return eager_list, jitted_list


# -- sort ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, dimension", [((13,), -1), ((13,), 0), ((4, 7), 0),
                                              ((4, 7), 1), ((3, 4, 5), 1), ((0,), 0),
                                              ((2, 0, 3), 1), ((2, 0, 3), 2)])
def test_sort_single(dtype, shape, dimension):
    x = values(shape, dtype, seed=len(shape) + dimension)
    want, = ref_sort([x], dimension, 1)
    for outs in all_ways(lambda a: sort(a, dimension=dimension), A(x)):
        assert_bits_equal(outs[0], want)


@pytest.mark.parametrize("key_dtype", DTYPES)
def test_sort_key_val(key_dtype):
    keys = values((5, 9), key_dtype, seed=3)
    vals = np.arange(45, dtype=np.int32).reshape(5, 9)
    want = ref_sort([keys, vals], 1, 1)
    for outs in all_ways(lambda k, v: sort_key_val(k, v), A(keys), A(vals)):
        assert_bits_equal(outs[0], want[0])
        assert_bits_equal(outs[1], want[1])


@pytest.mark.parametrize("num_keys", [1, 2, 3])
@pytest.mark.parametrize("dimension", [0, 1])
def test_sort_multiple_keys(num_keys, dimension):
    a = values((6, 8), np.int8, seed=1)
    b = values((6, 8), np.float32, seed=2)
    c = values((6, 8), np.uint8, seed=3)
    want = ref_sort([a, b, c], dimension, num_keys)
    f = lambda x, y, z: sort((x, y, z), dimension=dimension, num_keys=num_keys)
    for outs in all_ways(f, A(a), A(b), A(c)):
        for got, w in zip(outs, want, strict=True):
            assert_bits_equal(got, w)


def test_sort_is_stable_and_nan_last():
    x = np.array([0.0, -0.0, np.nan, 1.0, -np.nan, -0.0, 0.0], np.float32)
    idx = np.arange(7, dtype=np.int32)
    k, v = sort_key_val(A(x), A(idx))
    np.testing.assert_array_equal(np.asarray(v), [0, 1, 5, 6, 3, 2, 4])
    assert np.isnan(np.asarray(k)[-2:]).all()
    out = np.asarray(sort(A(np.array([3, np.nan, -np.inf, 1], np.float32))))
    np.testing.assert_array_equal(out, [-np.inf, 1, 3, np.nan])


def test_sort_weak_types():
    assert sort(A(np.array([2.0, 1.0], np.float32), weak=True)).weak_type
    assert not sort(A(np.array([2.0, 1.0], np.float32))).weak_type


def test_sort_errors():
    x = A(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="Sort requires at least one operand"):
        sort(())
    with pytest.raises(ValueError, match=r"num_keys=3 must be between 1 and len\(operand\)=2"):
        sort((x, x), num_keys=3)
    with pytest.raises(ValueError, match="num_keys=2 must equal 1 for a single operand."):
        sort(x, num_keys=2)
    with pytest.raises(ValueError, match="axis 1 is out of bounds for array of dimension 1"):
        sort(x, dimension=1)
    with pytest.raises(TypeError, match=r"Arguments to sort must have equal shapes, got: "
                                        r"\(3,\) \(2,\)"):
        sort((x, A(np.ones(2, np.float32))))
    with pytest.raises(TypeError, match=r"Arguments to sort must have equal shapes"):
        jit(lambda a, b: sort((a, b)))(x, A(np.ones(2, np.float32)))


def test_sort_jaxpr_text():
    text = str(make_jaxpr(lambda a: sort(a))(A(np.ones((2, 3), np.float32))))
    assert "sort[dimension=1 is_stable=True num_keys=1]" in text


# -- top_k --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [d for d in DTYPES if np.dtype(d).kind != "c"])
@pytest.mark.parametrize("shape, k, axis", [((13,), 5, -1), ((13,), 13, 0), ((13,), 0, -1),
                                            ((4, 9), 3, -1), ((4, 9), 2, 0), ((2, 3, 8), 8, 2),
                                            ((2, 3, 8), 1, 1), ((0, 4), 2, 1)])
def test_top_k(dtype, shape, k, axis):
    x = values(shape, dtype, seed=k)
    want_v, want_i = ref_top_k(x, k, axis % len(shape))
    for outs in all_ways(lambda a: top_k(a, k, axis=axis), A(x)):
        assert_bits_equal(outs[0], want_v)
        np.testing.assert_array_equal(np.asarray(outs[1]), want_i)
        assert np.asarray(outs[1]).dtype == np.int32


def test_top_k_ties_and_total_order():
    x = np.array([1.0, np.nan, 1.0, -0.0, 0.0, -np.nan, np.inf, 0.0], np.float32)
    v, i = top_k(A(x), 8)
    np.testing.assert_array_equal(np.asarray(i), [1, 6, 0, 2, 4, 7, 3, 5])
    assert np.signbit(np.asarray(v)[6]) and not np.signbit(np.asarray(v)[5])
    v, i = top_k(A(np.array([9., 3., 6., 4., 10.], np.float32)), 3)
    np.testing.assert_array_equal(np.asarray(v), [10, 9, 6])
    np.testing.assert_array_equal(np.asarray(i), [4, 0, 2])


def test_top_k_weak_type_follows_operand():
    v, i = top_k(A(np.array([1.0, 2.0], np.float32), weak=True), 1)
    assert v.weak_type and i.weak_type  # JAX derives both avals from the operand's
    v, i = top_k(A(np.array([1.0, 2.0], np.float32)), 1)
    assert not v.weak_type and not i.weak_type


def test_top_k_errors():
    x = A(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="k argument to top_k must be nonnegative, got -1"):
        top_k(x, -1)
    with pytest.raises(ValueError, match=r"k argument to top_k must be no larger than size "
                                         r"along axis; got k=4 with shape=\[2, 3\] and axis=1"):
        top_k(x, 4)
    with pytest.raises(ValueError, match=r"k argument to top_k must be no larger than size "
                                         r"along axis; got k=4 with shape=\[2, 3\] and axis=1"):
        jit(lambda a: top_k(a, 4))(x)
    with pytest.raises(ValueError, match="top_k is not compatible with complex inputs."):
        top_k(A(np.ones(3, np.complex64)), 1)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        top_k(x, 1, axis=2)


def test_top_k_jaxpr_text():
    text = str(make_jaxpr(lambda a: top_k(a, 2))(A(np.ones((2, 3), np.float32))))
    assert "top_k[axis=1 k=2]" in text and "i32[2,2]" in text

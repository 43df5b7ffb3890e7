"""Reduction lax primitives against NumPy: eagerly, under jit, and against their abstract
evaluation (shape, dtype, weak type), plus XLA's identities, NaN rules and JAX's error texts."""
import ml_dtypes
import numpy as np
import pytest

from pyjax._src.api import jit, make_jaxpr
from pyjax._src.primitives import reductions as R
from helpers import (DTYPE_IDS, DTYPES, NUMERIC, NUMERIC_IDS, arr, assert_close, check,
                     raises_both, wide)
from helpers import rand as _rand

BF16 = ml_dtypes.bfloat16
SHAPES_AXES = [((), ()), ((5,), (0,)), ((5,), ()), ((3, 4), (1,)), ((3, 4), (0, 1)),
               ((2, 3, 4), (0, 2)), ((0,), (0,)), ((2, 0, 3), (1,)), ((2, 0, 3), (0, 2))]


def rand(shape, dtype, seed=0, low=-50, high=50):
    return _rand(shape, dtype, seed, low, high)


def tolerance(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return 0.0
    return {np.dtype(np.float16): 1e-2, np.dtype(BF16): 5e-2}.get(dtype, 1e-5)


# ---------------------------------------------------------------------------------------------
# reduce_sum, reduce_prod, reduce_max, reduce_min


@pytest.mark.parametrize("dtype", NUMERIC, ids=NUMERIC_IDS)
@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=str)
def test_reduce_sum(dtype, shape, axes):
    x = rand(shape, dtype)
    # Integers wrap modulo 2**bits in the operand's dtype, as XLA does.
    expected = np.sum(wide(x), axis=axes).astype(dtype)
    check(lambda a: R.reduce_sum(a, axes), [arr(x)], expected, weak=False,
          rtol=tolerance(dtype))


@pytest.mark.parametrize("dtype", NUMERIC, ids=NUMERIC_IDS)
@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=str)
def test_reduce_prod(dtype, shape, axes):
    x = rand(shape, dtype, low=-3, high=4)
    if x.dtype.kind == "f" or x.dtype == BF16:
        x = (np.abs(x.astype(np.float32)) * 0.5 + 0.75).astype(dtype)
    expected = np.prod(wide(x), axis=axes).astype(dtype)
    check(lambda a: R.reduce_prod(a, axes), [arr(x)], expected, rtol=tolerance(dtype))


def test_integer_sum_wraps_and_keeps_dtype():
    x = np.full(300, 100, np.int8)
    out = R.reduce_sum(arr(x), (0,))
    assert out.dtype == np.int8 and int(out) == (300 * 100 + 128) % 256 - 128
    u = np.full(3, 2**31, np.uint32)
    assert int(R.reduce_sum(arr(u), (0,))) == (3 * 2**31) % 2**32
    assert R.reduce_prod(arr(np.int32([2**16, 2**16])), (0,)).item() == 0


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=str)
def test_reduce_max_min(dtype, shape, axes):
    x = rand(shape, dtype)
    dt = np.dtype(dtype)
    if dt.kind in "fc" or dt == BF16:
        lo, hi = np.array(-np.inf, dt), np.array(np.inf, dt)
    elif dt.kind in "iu":
        lo, hi = np.array(np.iinfo(dt).min, dt), np.array(np.iinfo(dt).max, dt)
    else:
        lo, hi = np.array(False), np.array(True)
    w = x.astype(np.float64) if dt == BF16 else x
    exp_max = np.max(w, axis=axes, initial=lo.astype(w.dtype)).astype(dt)
    exp_min = np.min(w, axis=axes, initial=hi.astype(w.dtype)).astype(dt)
    check(lambda a: R.reduce_max(a, axes), [arr(x)], np.asarray(exp_max))
    check(lambda a: R.reduce_min(a, axes), [arr(x)], np.asarray(exp_min))


def test_empty_reductions_use_xla_identities():
    e = np.zeros((0, 2), np.float32)
    assert_close(R.reduce_max(arr(e), (0,)), np.full(2, -np.inf, np.float32))
    assert_close(R.reduce_min(arr(e), (0,)), np.full(2, np.inf, np.float32))
    assert_close(R.reduce_sum(arr(e), (0,)), np.zeros(2, np.float32))
    assert_close(R.reduce_prod(arr(e), (0,)), np.ones(2, np.float32))
    assert_close(R.reduce_max(arr(np.zeros(0, np.int8)), (0,)), np.int8(-128))
    assert_close(R.reduce_min(arr(np.zeros(0, np.uint32)), (0,)), np.uint32(2**32 - 1))
    assert_close(R.reduce_max(arr(np.zeros(0, bool)), (0,)), np.bool_(False))
    assert_close(R.reduce_min(arr(np.zeros(0, bool)), (0,)), np.bool_(True))


def test_max_min_propagate_nan():
    x = np.float32([1, np.nan, 3])
    assert np.isnan(R.reduce_max(arr(x), (0,)).item())
    assert np.isnan(R.reduce_min(arr(x), (0,)).item())


def test_reduce_weak_types_errors_and_printing():
    w = arr(np.ones(3, np.float32), True)
    assert R.reduce_sum(w, (0,)).weak_type and R.reduce_max(w, (0,)).weak_type
    assert R.reduce_prod(w, (0,)).weak_type and R.reduce_min(w, ()).weak_type
    raises_both(lambda a: R.reduce_sum(a, (0,)), [arr(np.ones(2, bool))], TypeError,
                "^reduce_sum does not accept dtype bool. Accepted dtypes are subtypes of "
                "number.$")
    raises_both(lambda a: R.reduce_prod(a, (0,)), [arr(np.ones(2, bool))], TypeError,
                "reduce_prod does not accept dtype bool")
    raises_both(lambda a: R.reduce_sum(a, (1,)), [arr(np.ones(3, np.float32))], ValueError,
                r"reduction axes \(1,\) contains out-of-bounds indices for float32\[3\]\.")
    with pytest.raises(ValueError, match=r"out-of-bounds indices for ~float32\[3\]\."):
        jit(lambda a: R.reduce_sum(a, (1,)))(w)  # (eagerly the impl cannot see weak types)
    raises_both(lambda a: R.reduce_max(a, (0, 0)), [w], ValueError,
                r"duplicate value in 'axes' of reduction: \(0, 0\)")
    text = str(make_jaxpr(lambda a: R.reduce_sum(a, (0,)))(np.ones(3, np.float32)))
    assert "    b:f32[] = reduce_sum[axes=(0,) out_sharding=None] a\n" in text
    assert "reduce_max[axes=(0, 1)]" in str(
        make_jaxpr(lambda a: R.reduce_max(a, (0, 1)))(np.ones((2, 2), np.int32)))


# ---------------------------------------------------------------------------------------------
# reduce_and, reduce_or, reduce_xor

LOGICAL = [np.bool_, np.int8, np.int32, np.uint8, np.uint32]


@pytest.mark.parametrize("dtype", LOGICAL, ids=[np.dtype(d).name for d in LOGICAL])
@pytest.mark.parametrize("shape,axes", SHAPES_AXES, ids=str)
def test_reduce_logical(dtype, shape, axes):
    x = rand(shape, dtype, low=-128, high=127)
    for fun, ufunc, ident in [(R.reduce_and, np.bitwise_and, -1), (R.reduce_or, np.bitwise_or, 0),
                              (R.reduce_xor, np.bitwise_xor, 0)]:
        if x.dtype == np.bool_:
            expected = ufunc.reduce(x, axis=axes, initial=bool(ident))
        else:
            # A reference that folds element by element from the identity.
            n = int(np.prod([shape[a] for a in axes]))
            moved = np.moveaxis(x, axes, range(len(axes))).reshape(
                (n,) + tuple(d for i, d in enumerate(shape) if i not in axes))
            expected = np.full(moved.shape[1:], np.array(ident).astype(x.dtype))
            for row in moved:
                expected = ufunc(expected, row)
        check(lambda a: fun(a, axes), [arr(x, True)], np.asarray(expected).astype(dtype),
              weak=False)


def test_reduce_logical_errors_and_printing():
    raises_both(lambda a: R.reduce_or(a, (0,)), [arr(np.ones(2, np.float32))], TypeError,
                "^logical reduction requires operand dtype bool or int, got float32.$")
    text = str(make_jaxpr(lambda a: R.reduce_and(a, (0,)))(np.ones(2, bool)))
    assert "reduce_and[axes=(0,)] a" in text


# ---------------------------------------------------------------------------------------------
# argmax, argmin

ARG_DTYPES = [np.bool_, np.int8, np.uint32, np.float16, BF16, np.float32]


@pytest.mark.parametrize("dtype", ARG_DTYPES, ids=[np.dtype(d).name for d in ARG_DTYPES])
@pytest.mark.parametrize("shape,axis", [((1,), 0), ((7,), 0), ((3, 4), 0), ((3, 4), 1),
                                        ((2, 3, 5), 2), ((2, 0, 3), 2)])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int8, np.uint32])
def test_argmax_argmin(dtype, shape, axis, index_dtype):
    x = rand(shape, dtype, low=-3, high=3)  # small range: many ties, first occurrence wins
    w = x.astype(np.float32) if x.dtype == BF16 else x
    check(lambda a: R.argmax(a, axis, index_dtype), [arr(x, True)],
          np.argmax(w, axis).astype(index_dtype), weak=False)
    check(lambda a: R.argmin(a, axis, index_dtype), [arr(x, True)],
          np.argmin(w, axis).astype(index_dtype), weak=False)


def test_argmax_nan_and_ties():
    x = arr(np.float32([1, np.nan, 5, np.nan, 5]))
    assert R.argmax(x, 0, np.int32).item() == 1 and R.argmin(x, 0, np.int32).item() == 1
    y = arr(np.float32([[-0.0, 0.0, 3, 3], [2, 2, -1, -1]]))
    assert_close(R.argmax(y, 1, np.int32), np.int32([2, 0]))
    assert_close(R.argmin(y, 1, np.int32), np.int32([0, 2]))


def test_argmax_errors_and_printing():
    raises_both(lambda a: R.argmax(a, 0, np.int32), [arr(np.zeros((0, 2), np.float32))],
                ValueError, r"argmin and argmax require non-empty reduced dimension. "
                r"operand.shape=\(0, 2\) axis=0")
    raises_both(lambda a: R.argmin(a, 1, np.int32), [arr(np.zeros(2, np.float32))],
                ValueError, r"Invalid axis 1 for operand shape \(2,\)")
    raises_both(lambda a: R.argmax(a, 0, np.float32), [arr(np.zeros(2, np.float32))],
                TypeError, "index_dtype must be an integer type, but got float32")
    text = str(make_jaxpr(lambda a: R.argmax(a, 0, np.int32))(np.ones(3, np.float32)))
    assert "argmax[axes=(0,) index_dtype=int32] a" in text


# ---------------------------------------------------------------------------------------------
# Cumulative reductions


def cumulative_reference(ufunc, x, axis, reverse, dtype):
    w = wide(x)
    if reverse:
        w = np.flip(w, axis)
    out = ufunc.accumulate(w, axis=axis)
    if reverse:
        out = np.flip(out, axis)
    return out.astype(dtype)


@pytest.mark.parametrize("dtype", NUMERIC, ids=NUMERIC_IDS)
@pytest.mark.parametrize("shape,axis", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 0), 1),
                                        ((0, 3), 0)])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumulative(dtype, shape, axis, reverse):
    x = rand(shape, dtype, low=-3, high=4)
    if np.dtype(dtype).kind == "c":
        cases = [(R.cumsum, np.add), (R.cumprod, np.multiply)]
    else:
        cases = [(R.cumsum, np.add), (R.cumprod, np.multiply), (R.cummax, np.maximum),
                 (R.cummin, np.minimum)]
    for fun, ufunc in cases:
        expected = cumulative_reference(ufunc, x, axis, reverse, dtype)
        check(lambda a: fun(a, axis, reverse), [arr(x)], expected, weak=False,
              rtol=tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float16, BF16, np.float32], ids=str)
@pytest.mark.parametrize("reverse", [False, True])
def test_cumlogsumexp(dtype, reverse):
    x = rand((3, 6), dtype)
    w = x.astype(np.float64)
    if reverse:
        w = np.flip(w, 1)
    expected = np.log(np.cumsum(np.exp(w), axis=1))
    if reverse:
        expected = np.flip(expected, 1)
    check(lambda a: R.cumlogsumexp(a, 1, reverse), [arr(x, True)], expected.astype(dtype),
          weak=True, rtol=tolerance(dtype))


def test_cumulative_dtypes_weak_and_errors():
    x = np.int8([100, 100, 100])
    assert_close(R.cumsum(arr(x), 0), np.int8([100, -56, 44]))  # wraps like XLA, keeps int8
    assert R.cummax(arr(np.float32([1, 2]), True), 0).weak_type
    raises_both(lambda a: R.cumsum(a), [arr(np.ones(2, bool))], TypeError,
                "^cumsum does not accept dtype bool. Accepted dtypes are subtypes of number.$")
    raises_both(lambda a: R.cumlogsumexp(a), [arr(np.ones(2, np.int32))], TypeError,
                "cumlogsumexp does not accept dtype int32")
    raises_both(lambda a: R.cumprod(a, 1), [arr(np.ones(2, np.float32))], ValueError,
                r"axis 1 is out of bounds for array of shape \(2,\)")
    text = str(make_jaxpr(lambda a: R.cumsum(a, reverse=True))(np.ones(3, np.float32)))
    assert "cumsum[axis=0 reverse=True] a" in text


# ---------------------------------------------------------------------------------------------
# reduce_precision


def test_reduce_precision_matches_narrow_formats():
    rng = np.random.RandomState(0)
    v = (rng.randn(2000) * np.exp2(rng.randint(-20, 20, 2000))).astype(np.float32)
    v = np.concatenate([v, np.float32([0, -0.0, np.inf, -np.inf, 1 + 2**-8, 1 + 3 * 2**-8])])
    as_bf16 = v.astype(BF16).astype(np.float32)
    check(lambda a: R.reduce_precision(a, 8, 7), [arr(v)], as_bf16, weak=False)
    out = np.asarray(R.reduce_precision(arr(v), 5, 10))
    normal = (np.abs(v) >= np.finfo(np.float16).tiny) & (np.abs(v) < 65504)
    as_f16 = v[normal].astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(out[normal], as_f16)
    assert (out[np.abs(v) < 2**-15] == 0).all()  # XLA's reduce_precision has no denormals
    assert np.isinf(out[np.abs(v) > 65520]).all()
    w = rng.randn(100)
    assert_close(R.reduce_precision(arr(w.astype(np.float16)), 5, 10), w.astype(np.float16))
    assert_close(R.reduce_precision(arr(w.astype(BF16)), 8, 7), w.astype(BF16))


def test_reduce_precision_nan_weak_and_errors():
    out = R.reduce_precision(arr(np.float32([np.nan, 1.0]), True), 8, 7)
    assert np.isnan(np.asarray(out)[0]) and out.weak_type
    raises_both(lambda a: R.reduce_precision(a, 0, 3), [arr(np.ones(2, np.float32))],
                ValueError, "reduce_precision: exponent_bits must be positive; got 0")
    raises_both(lambda a: R.reduce_precision(a, 5, -1), [arr(np.ones(2, np.float32))],
                ValueError, "reduce_precision: mantissa_bits must be non-negative; got -1")
    raises_both(lambda a: R.reduce_precision(a, 5, 2), [arr(np.ones(2, np.int32))], TypeError,
                "reduce_precision does not accept dtype int32. Accepted dtypes are subtypes "
                "of floating.")
    text = str(make_jaxpr(lambda a: R.reduce_precision(a, 8, 7))(np.ones(3, np.float32)))
    assert "reduce_precision[exponent_bits=8 mantissa_bits=7] a" in text


def test_python_scalar_operands():
    out = R.reduce_sum(3.0, ())
    assert out.dtype == np.float32 and out.weak_type and out.item() == 3.0
    assert R.cumsum(np.arange(3), 0).dtype == np.int32

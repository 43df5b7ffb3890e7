"""lax.dot_general, lax.dot and lax.batch_matmul against a loop-based reference."""
import functools
import itertools

import ml_dtypes
import numpy as np
import pytest

from pyjax._src.api import jit, make_jaxpr
from pyjax._src.primitives.linear import (
    Precision, batch_matmul, canonicalize_precision, dot, dot_general)
from helpers import arr_as as A
from helpers import int_values

bf16 = np.dtype(ml_dtypes.bfloat16)
values = functools.partial(int_values, bound=20, unsigned_high=50, complex_bound=5)


def ref_dot_general(lhs, rhs, dn, out_dtype):
    """Explicit loops over every output element and every contracted index (exact arithmetic)."""
    (lc, rc), (lb, rb) = dn
    lf = [d for d in range(lhs.ndim) if d not in lc and d not in lb]
    rf = [d for d in range(rhs.ndim) if d not in rc and d not in rb]
    out_shape = ([lhs.shape[d] for d in lb] + [lhs.shape[d] for d in lf]
                 + [rhs.shape[d] for d in rf])
    contract_shape = [lhs.shape[d] for d in lc]
    exact = object if np.dtype(out_dtype).kind in "iub" else np.complex128
    out = np.zeros(out_shape, exact)
    for o in np.ndindex(*out_shape):
        b, o_l, o_r = o[:len(lb)], o[len(lb):len(lb) + len(lf)], o[len(lb) + len(lf):]
        acc = 0
        for c in np.ndindex(*contract_shape):
            li, ri = [0] * lhs.ndim, [0] * rhs.ndim
            for dims, vals in ((lb, b), (lf, o_l), (lc, c)):
                for d, v in zip(dims, vals):
                    li[d] = v
            for dims, vals in ((rb, b), (rf, o_r), (rc, c)):
                for d, v in zip(dims, vals):
                    ri[d] = v
            x, y = lhs[tuple(li)], rhs[tuple(ri)]
            if exact is object:
                acc = acc + int(x) * int(y)
            else:
                acc = acc + complex(x) * complex(y)
        out[o] = acc
    if np.dtype(out_dtype) == np.bool_:
        return (out != 0).astype(bool)
    if exact is object:  # integer products wrap around like XLA's
        bits = np.dtype(out_dtype).itemsize * 8
        return np.array([int(v) % (1 << bits) for v in out.ravel()], np.uint64).astype(
            np.dtype(f"u{bits // 8}")).view(out_dtype).reshape(out_shape)
    if np.dtype(out_dtype).kind == "c":
        return out.astype(out_dtype)
    return out.real.astype(out_dtype)


def check(lhs, rhs, dn, want, **kw):
    f = lambda a, b: dot_general(a, b, dn, **kw)
    for out in (f(lhs, rhs), jit(f)(lhs, rhs)):
        got = np.asarray(out)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got.astype(np.complex128), want.astype(np.complex128),
                                   rtol=1e-6, atol=0)
    out_aval, = make_jaxpr(f)(lhs, rhs).out_avals
    eager = f(lhs, rhs)
    assert (out_aval.shape, out_aval.dtype, out_aval.weak_type) == (
        eager.shape, eager.dtype, eager.weak_type)


# (lhs shape, rhs shape, dimension numbers)
CASES = [
    ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),
    ((3,), (3,), (((0,), (0,)), ((), ()))),
    ((2, 3), (3,), (((1,), (0,)), ((), ()))),
    ((2, 3), (4,), (((), ()), ((), ()))),
    ((), (), (((), ()), ((), ()))),
    ((), (3, 2), (((), ()), ((), ()))),
    ((5, 2, 3), (5, 3, 4), (((2,), (1,)), ((0,), (0,)))),
    ((2, 5, 3), (3, 4, 5), (((2,), (0,)), ((1,), (2,)))),
    ((2, 3, 4), (4, 3, 5), (((1, 2), (1, 0)), ((), ()))),
    ((2, 3, 4, 2), (2, 4, 3, 2), (((1, 2), (2, 1)), ((0, 3), (0, 3)))),
    ((3, 0), (0, 4), (((1,), (0,)), ((), ()))),
    ((0, 3), (3, 4), (((1,), (0,)), ((), ()))),
    ((2, 3), (2, 3), (((0, 1), (0, 1)), ((), ()))),
    ((1, 3), (3, 1), (((1,), (0,)), ((), ()))),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_dot_general_shapes(case):
    ls, rs, dn = CASES[case]
    lhs, rhs = values(ls, np.float32, case), values(rs, np.float32, case + 50)
    check(A(lhs), A(rhs), dn, ref_dot_general(lhs, rhs, dn, np.float32))


DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, bf16, np.float32,
          np.complex64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [0, 6, 9])
def test_dot_general_dtypes(dtype, case):
    ls, rs, dn = CASES[case]
    lhs, rhs = values(ls, dtype, 1), values(rs, dtype, 2)
    check(A(lhs), A(rhs), dn, ref_dot_general(lhs, rhs, dn, dtype))


def test_integer_products_wrap():
    lhs = np.full((1, 4), 100, np.int8)
    rhs = np.full((4, 1), 3, np.int8)
    dn = (((1,), (0,)), ((), ()))
    out = np.asarray(dot_general(A(lhs), A(rhs), dn))
    assert out.dtype == np.int8 and out[0, 0] == np.int8(np.int64(1200) - 1280)
    out = np.asarray(dot_general(A(lhs), A(rhs), dn, preferred_element_type=np.int32))
    assert out.dtype == np.int32 and out[0, 0] == 1200


@pytest.mark.parametrize("lt, rt, want", [
    (np.int32, np.float32, np.float32), (np.float32, np.int32, np.float32),
    (np.int8, np.int32, np.int32), (np.uint8, np.int8, np.int8), (np.uint8, np.int32, np.int32),
    (np.float16, np.float32, np.float32), (bf16, np.float16, bf16),
    (np.float32, np.complex64, np.complex64), (np.bool_, np.int8, np.int8),
    (np.uint32, np.int32, np.int32),
])
def test_mixed_input_dtypes(lt, rt, want):
    lhs, rhs = values((2, 3), lt, 3), values((3, 2), rt, 4)
    dn = (((1,), (0,)), ((), ()))
    check(A(lhs), A(rhs), dn, ref_dot_general(lhs, rhs, dn, want))


@pytest.mark.parametrize("dtype, preferred", [
    (np.int8, np.int32), (bf16, np.float32), (np.float16, np.float32), (np.int8, np.float32),
    (np.uint8, np.uint32), (np.int32, np.float32), (np.float32, np.float32),
])
def test_preferred_element_type(dtype, preferred):
    lhs, rhs = values((2, 3), dtype, 5), values((3, 4), dtype, 6)
    dn = (((1,), (0,)), ((), ()))
    check(A(lhs), A(rhs), dn, ref_dot_general(lhs, rhs, dn, preferred),
          preferred_element_type=preferred)


def test_half_precision_rounds_once():
    # XLA:CPU multiplies half floats in float32 and rounds the sum once.
    lhs = np.array([[2048, 1, 1]], np.float16)
    rhs = np.array([[1], [1], [1]], np.float16)
    out = np.asarray(dot(A(lhs), A(rhs)))
    assert out.dtype == np.float16 and out[0, 0] == np.float16(2050)


def test_float32_uses_blas_accuracy():
    rng = np.random.default_rng(0)
    lhs = rng.standard_normal((64, 128)).astype(np.float32)
    rhs = rng.standard_normal((128, 32)).astype(np.float32)
    out = np.asarray(dot(A(lhs), A(rhs)))
    np.testing.assert_allclose(out, lhs.astype(np.float64) @ rhs, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(out, lhs @ rhs)


def test_weak_types():
    dn = (((0,), (0,)), ((), ()))
    x = A(np.ones(3, np.float32), weak=True)
    y = A(np.ones(3, np.float32))
    assert dot_general(x, x, dn).weak_type
    assert not dot_general(x, y, dn).weak_type
    out, = make_jaxpr(lambda a, b: dot_general(a, b, dn))(x, x).out_avals
    assert out.weak_type


def test_dot_and_batch_matmul():
    a, b = values((2, 3), np.float32), values((3, 4), np.float32, 1)
    v = values((3,), np.float32, 2)
    np.testing.assert_array_equal(np.asarray(dot(A(a), A(b))), a @ b)
    np.testing.assert_array_equal(np.asarray(dot(A(a), A(v))), a @ v)
    np.testing.assert_array_equal(np.asarray(dot(A(v), A(v))), v @ v)
    np.testing.assert_array_equal(np.asarray(dot(A(v), A(b))), v @ b)
    with pytest.raises(TypeError, match=r"Incompatible shapes for dot: got \(2, 3\) and "
                                        r"\(2, 3\)."):
        dot(A(a), A(a))
    x, y = values((4, 2, 3), np.float32), values((4, 3, 5), np.float32, 1)
    np.testing.assert_array_equal(np.asarray(batch_matmul(A(x), A(y))), x @ y)
    np.testing.assert_array_equal(np.asarray(jit(batch_matmul)(A(x), A(y))), x @ y)
    with pytest.raises(ValueError, match="Arguments to batch_matmul must be at least 2D, "
                                         "got 1, 3"):
        batch_matmul(A(v), A(y))
    with pytest.raises(ValueError, match="Arguments to batch_matmul must have same ndim, "
                                         "got 2, 3"):
        batch_matmul(A(a), A(y))


def test_dot_general_accepts_ints_and_lists():
    a, b = values((2, 3), np.float32), values((3, 4), np.float32, 1)
    out = dot_general(A(a), A(b), ((1, 0), ([], [])))
    np.testing.assert_array_equal(np.asarray(out), a @ b)


@pytest.mark.parametrize("jitted", [False, True])
def test_errors(jitted):
    wrap = jit if jitted else (lambda f: f)
    a, b = A(values((2, 3), np.float32)), A(values((2, 2), np.float32))
    def go(dn, x=a, y=b, **kw):
        return wrap(lambda p, q: dot_general(p, q, dn, **kw))(x, y)
    with pytest.raises(TypeError, match=r"dot_general requires contracting dimensions to have "
                                        r"the same shape, got \(3,\) and \(2,\)."):
        go((((1,), (0,)), ((), ())))
    with pytest.raises(TypeError, match="dot_general requires lhs dimension numbers to be "
                                        "nonnegative and less than the number of axes of the lhs "
                                        r"value, got lhs_batch of \(\) and lhs_contracting of "
                                        r"\(2,\) for lhs of rank 2"):
        go((((2,), (0,)), ((), ())))
    with pytest.raises(TypeError, match="dot_general requires equal numbers of lhs_batch and "
                                        r"rhs_batch dimensions, got lhs_batch \(0,\) and "
                                        r"rhs_batch \(\)."):
        go((((), ()), ((0,), ())))
    with pytest.raises(TypeError, match="dot_general requires lhs batch dimensions and rhs "
                                        "batch dimensions to have the same shape, got "
                                        r"\(3,\) and \(2,\)."):
        go((((), ()), ((1,), (0,))))
    with pytest.raises(TypeError, match="dot_general requires lhs batch dimensions to be "
                                        "disjoint from contracting dimensions"):
        go((((0,), (0,)), ((0,), (1,))))
    with pytest.raises(TypeError, match="`preferred_element_type` must not be narrower than "
                                        "the original type, got preferred_element_type of int8 "
                                        "for result type of int32."):
        go((((1,), (0,)), ((), ())), x=A(np.ones((2, 3), np.int32)),
           y=A(np.ones((3, 2), np.int32)), preferred_element_type=np.int8)


def test_jaxpr_text():
    a, b = A(np.ones((2, 3), np.float32)), A(np.ones((3, 4), np.float32))
    text = str(make_jaxpr(lambda x, y: dot_general(x, y, (((1,), (0,)), ((), ())),
                                                   preferred_element_type=np.float32))(a, b))
    assert "dot_general[" in text
    assert "dimension_numbers=(([1], [0]), ([], []))" in text
    assert "preferred_element_type=float32" in text
    assert "precision" not in text and "out_sharding" not in text
    text = str(make_jaxpr(lambda x, y: dot(x, y, precision="highest"))(a, b))
    assert "precision=(Precision.HIGHEST, Precision.HIGHEST)" in text
    assert "preferred_element_type" not in text


def test_precision():
    assert canonicalize_precision(None) is None
    assert canonicalize_precision("high") == (Precision.HIGH, Precision.HIGH)
    assert canonicalize_precision(Precision.DEFAULT) == (Precision.DEFAULT, Precision.DEFAULT)
    assert canonicalize_precision(("highest", Precision.HIGH)) == (Precision.HIGHEST,
                                                                   Precision.HIGH)
    assert repr(Precision.HIGHEST) == "Precision.HIGHEST" and str(Precision.HIGH) == "HIGH"
    with pytest.raises(ValueError):
        canonicalize_precision("bogus")


def test_every_single_contraction_of_small_arrays():
    """Every (lhs dim, rhs dim) pair of equal size as the contraction of two 3-D arrays."""
    lhs, rhs = values((2, 3, 2), np.int32), values((3, 2, 2), np.int32, 1)
    for ld, rd in itertools.product(range(3), range(3)):
        if lhs.shape[ld] != rhs.shape[rd]:
            continue
        dn = (((ld,), (rd,)), ((), ()))
        want = np.tensordot(lhs, rhs, axes=([ld], [rd])).astype(np.int32)
        np.testing.assert_array_equal(np.asarray(dot_general(A(lhs), A(rhs), dn)), want)

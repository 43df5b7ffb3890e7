"""Differentiation rules of dot_general (bilinear: jvp and both transposes) and of the sorting
primitives sort and top_k (tangents gathered through the sorting permutation): finite
differences in both modes to second order, eagerly and through jit, and transpose tests."""
import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src import config as config_mod
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as R
from pyjax._src.primitives import sorting as SO
from pyjax._src.primitives.linear import dot_general

from test_autodiff_structural import (  # noqa: F401 (x64 is an autouse fixture)
    arr, check_all, check_grads, check_transpose, rand, square, x64)

RNG = np.random.RandomState(11)


def total(y):
    return R.reduce_sum(y, tuple(range(len(y.shape))))


# ----------------------------------------------------------------------------------------------
# dot_general

DOT_CASES = [
    # (lhs shape, rhs shape, ((lc, rc), (lb, rb)))
    ((3, 4), (4, 5), (((1,), (0,)), ((), ()))),                 # matmul
    ((4,), (4,), (((0,), (0,)), ((), ()))),                      # inner product
    ((3, 4), (4,), (((1,), (0,)), ((), ()))),                    # matrix-vector
    ((3,), (2,), (((), ()), ((), ()))),                          # outer product
    ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),        # batched matmul
    ((3, 2, 4), (4, 5, 2), (((2,), (0,)), ((1,), (2,)))),        # batch dims not leading
    ((2, 3, 4), (4, 2, 5), (((2, 0), (0, 1)), ((), ()))),        # two contractions, unordered
    ((2, 3, 4, 5), (4, 2, 6, 3), (((2, 1), (0, 3)), ((0,), (1,)))),  # mixed
    ((2, 0), (0, 3), (((1,), (0,)), ((), ()))),                  # empty contraction
    ((), (3,), (((), ()), ((), ()))),                            # scalar operand
    ((5, 2, 3), (3, 2, 5), (((2,), (0,)), ((0, 1), (2, 1)))),    # two batch dims, swapped order
]


@pytest.mark.parametrize("ls, rs, dn", DOT_CASES)
def test_dot_general(ls, rs, dn):
    f = lambda x, y: dot_general(x, y, dn)  # noqa: E731
    args = [rand(RNG, ls), rand(RNG, rs)]
    check_grads(f, args, 2)
    check_grads(pyjax.jit(f), args, 1)
    check_grads(lambda x, y: square(f(x, y)), args, 2)
    # Linear in each operand with the other fixed: the transpose rules for lhs and rhs.
    check_transpose(lambda x: f(x, args[1]), args[:1])
    check_transpose(lambda y: f(args[0], y), args[1:])


@pytest.mark.parametrize("ls, rs, dn", DOT_CASES[:3] + DOT_CASES[5:6])
def test_dot_general_complex(ls, rs, dn):
    f = lambda x, y: dot_general(x, y, dn)  # noqa: E731
    args = [rand(RNG, ls, np.complex128), rand(RNG, rs, np.complex128)]
    check_grads(f, args, 2)
    check_transpose(lambda x: f(x, args[1]), args[:1])
    check_transpose(lambda y: f(args[0], y), args[1:])


def test_dot_general_same_operand_twice():
    f = lambda x: dot_general(x, x, (((1,), (1,)), ((), ())))  # noqa: E731
    check_grads(f, [rand(RNG, (3, 4))], 2)


def test_dot_general_preferred_element_type():
    dn = (((1,), (0,)), ((), ()))
    with config_mod.enable_x64(False):
        for dtype in (np.float16, ml_dtypes.bfloat16):
            x = arr(np.random.RandomState(0).randn(3, 4), dtype)
            y = arr(np.random.RandomState(1).randn(4, 2), dtype)
            f = lambda x, y: dot_general(x, y, dn,  # noqa: E731
                                         preferred_element_type=np.float32)
            out, t = pyjax.jvp(f, (x, y), (x, y))
            assert out.dtype == t.dtype == np.float32
            gx, gy = pyjax.grad(lambda x, y: total(f(x, y)), (0, 1))(x, y)
            assert gx.dtype == gy.dtype == np.dtype(dtype)  # converted back to the operands'
            ones = np.ones((3, 2), np.float32)
            np.testing.assert_allclose(np.asarray(gx, np.float32),
                                       ones @ np.asarray(y, np.float32).T, rtol=1e-2)
            np.testing.assert_allclose(np.asarray(gy, np.float32),
                                       np.asarray(x, np.float32).T @ ones, rtol=1e-2)
    # float32 operands accumulating in float64: still differentiable, gradients in float32.
    f = lambda x, y: dot_general(x, y, dn, preferred_element_type=np.float64)  # noqa: E731
    x32, y32 = rand(RNG, (3, 4), np.float32), rand(RNG, (4, 2), np.float32)
    gx, gy = pyjax.grad(lambda x, y: total(f(x, y)), (0, 1))(x32, y32)
    assert gx.dtype == gy.dtype == np.float32
    np.testing.assert_allclose(np.asarray(gx), np.ones((3, 2)) @ np.asarray(y32).T, rtol=1e-6)


def test_dot_general_mixed_int_float():
    dn = (((1,), (0,)), ((), ()))
    m = arr(np.arange(12).reshape(3, 4).astype(np.int32))
    f = lambda y: total(dot_general(m, y, dn))  # noqa: E731
    g = pyjax.grad(f)(rand(RNG, (4, 2)))
    assert g.dtype == np.float64
    np.testing.assert_allclose(np.asarray(g), np.asarray(m).T @ np.ones((3, 2)))


def test_dot_general_grad_of_jit_and_jaxpr():
    dn = (((2,), (1,)), ((0,), (0,)))
    with config_mod.enable_x64(False):
        x = rand(RNG, (2, 3, 4), np.float32)
        y = rand(RNG, (2, 4, 5), np.float32)
        loss = lambda x, y: total(square(dot_general(x, y, dn)))  # noqa: E731
        g = pyjax.grad(loss, (0, 1))(x, y)
        for other in (pyjax.grad(pyjax.jit(loss), (0, 1))(x, y),
                      pyjax.jit(pyjax.grad(loss, (0, 1)))(x, y)):
            for a, b in zip(other, g):
                assert a.dtype == b.dtype == np.float32
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
        text = str(pyjax.make_jaxpr(pyjax.grad(loss, (0, 1)))(x, y))
        assert text.count("dot_general") >= 3 and "transpose" in text


# ----------------------------------------------------------------------------------------------
# sort

@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1),
                                        ((0, 3), 1), ((1,), 0)])
def test_sort(shape, dim):
    f = lambda x: SO.sort(x, dim)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x], linear=False)
    check_all(lambda x: square(f(x)), [x], linear=False)


def test_sort_multiple_operands():
    keys = rand(RNG, (3, 5))
    vals = rand(RNG, (3, 5))
    f = lambda k, v: SO.sort((k, v), 1)  # noqa: E731
    check_all(f, [keys, vals], linear=False)
    check_all(lambda k, v: [square(o) for o in f(k, v)], [keys, vals], linear=False)
    # Differentiating the values only, sorted by constant keys: linear in the values.
    check_all(lambda v: SO.sort_key_val(keys, v, 0)[1], [vals])


def test_sort_num_keys_with_integer_keys():
    ints = arr(np.array([[2, 1, 2, 1, 0], [0, 0, 1, 1, 0]], np.int32))
    x = rand(RNG, (2, 5))
    f = lambda x: SO.sort((ints, x), 1, num_keys=2)[1]  # noqa: E731
    check_all(f, [x], linear=False)  # x is a key: the permutation depends on it
    # The permutation sorts (int, float) pairs lexicographically; ties on ints go by x.
    g = pyjax.grad(lambda x: total(ew.mul_p.bind(f(x), arr(np.arange(10.).reshape(2, 5)))))(x)
    perm = np.lexsort((np.asarray(x), np.asarray(ints)), axis=1)
    expected = np.zeros((2, 5))
    np.put_along_axis(expected, perm, np.arange(10.).reshape(2, 5), axis=1)
    np.testing.assert_allclose(np.asarray(g), expected)
    # The integer output has a float0 (symbolic zero) tangent.
    _, (t_ints, t_x) = pyjax.jvp(lambda x: SO.sort((ints, x), 1, num_keys=2), (x,), (x,))
    assert t_ints.dtype == pyjax.dtypes.float0


def test_sort_ties_follow_stable_permutation():
    x = arr([2., 1., 2., 1.])
    t = arr([10., 20., 30., 40.])
    _, tout = pyjax.jvp(lambda x: SO.sort(x), (x,), (t,))
    np.testing.assert_array_equal(np.asarray(tout), [20., 40., 10., 30.])


# ----------------------------------------------------------------------------------------------
# top_k

@pytest.mark.parametrize("shape, k, axis", [((6,), 3, -1), ((3, 5), 2, -1), ((4, 3), 2, 0),
                                            ((2, 5, 3), 5, 1), ((4,), 0, 0), ((3, 4), 4, 1)])
def test_top_k(shape, k, axis):
    f = lambda x: SO.top_k(x, k, axis=axis)[0]  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x], linear=False)
    check_all(lambda x: square(f(x)), [x], linear=False)
    _, (tv, ti) = pyjax.jvp(lambda x: SO.top_k(x, k, axis=axis), (x,), (x,))
    assert ti.dtype == pyjax.dtypes.float0
    np.testing.assert_array_equal(np.asarray(tv), np.asarray(SO.top_k(x, k, axis=axis)[0]))


def test_top_k_grad_under_jit_float32():
    with config_mod.enable_x64(False):
        x = arr(np.random.RandomState(3).randn(3, 6), np.float32)
        loss = lambda x: total(square(SO.top_k(x, 2)[0]))  # noqa: E731
        g = pyjax.grad(loss)(x)
        gj = pyjax.grad(pyjax.jit(loss))(x)
        assert g.dtype == gj.dtype == np.float32
        np.testing.assert_allclose(np.asarray(gj), np.asarray(g), rtol=1e-6)
        assert np.count_nonzero(np.asarray(g)) == 6  # two entries per row

"""Differentiation rules of gather and the scatter family (scatter, scatter-add/sub/mul/min/max):
finite differences in both modes to second order, eagerly and through jit, the transpose
dot-product test for the linear ones, and the out-of-bounds modes' gradients."""
import numpy as np
import pytest

import pyjax
from pyjax._src import config as config_mod
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as R
from pyjax._src.primitives import scatter as SC
from pyjax._src.primitives.indexing import GatherDimensionNumbers as GDN
from pyjax._src.primitives.indexing import GatherScatterMode, gather
from pyjax._src.primitives.scatter import ScatterDimensionNumbers as SDN

from test_autodiff_structural import (  # noqa: F401 (x64 is an autouse fixture)
    arr, check_all, check_grads, check_transpose, rand, square, x64)

RNG = np.random.RandomState(7)


def idx(x):
    return arr(np.asarray(x, np.int32))


def total(y):
    return R.reduce_sum(y, tuple(range(len(y.shape))))


# ----------------------------------------------------------------------------------------------
# gather

GATHER_CASES = {
    # x[idx] along axis 0, with duplicates
    "rows": ((5, 3), [[1], [3], [1], [0]], GDN((1,), (0,), (0,)), (1, 3)),
    # points in 2-D
    "points": ((4, 5), [[0, 1], [3, 4], [0, 1]], GDN((), (0, 1), (0, 1)), (1, 1)),
    # overlapping 2x3 windows, start map reversed
    "windows": ((6, 7), [[1, 2], [2, 3], [0, 0]], GDN((1, 2), (), (1, 0)), (2, 3)),
    # batched take_along_axis-style gather
    "batched": ((3, 5, 4), [[[1], [4]], [[0], [0]], [[2], [3]]],
                GDN((2,), (1,), (1,), (0,), (0,)), (1, 1, 4)),
    # index vector of length 0: every window starts at 0
    "no_index": ((3, 4), np.zeros((2, 0)), GDN((1, 2), (), ()), (2, 4)),
    # offset dim before the batch dim, 2-D batch of indices
    "offset_first": ((4, 6), [[[1], [2]], [[3], [0]]], GDN((0,), (1,), (1,)), (4, 1)),
}


@pytest.mark.parametrize("name", sorted(GATHER_CASES))
@pytest.mark.parametrize("mode", ["promise_in_bounds", "clip", "fill"])
def test_gather(name, mode):
    shape, indices, dn, sizes = GATHER_CASES[name]
    indices = idx(indices)
    f = lambda x: gather(x, indices, dn, sizes, mode=mode)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("mode", ["clip", "fill"])
def test_gather_out_of_bounds(mode):
    x = rand(RNG, (5, 3))
    indices = idx([[1], [7], [-2], [4], [3]])
    dn = GDN((1, 2), (), (0,))
    f = lambda x: gather(x, indices, dn, (2, 3), mode=mode, fill_value=0.)  # noqa: E731
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)
    g = np.asarray(pyjax.grad(lambda x: total(f(x)))(x))
    if mode == "fill":  # out-of-bounds windows read the fill value: no gradient
        expected = np.zeros((5, 3))
        expected[1:3] += 1
        expected[3:5] += 1
    else:  # clamped windows read the edge rows
        expected = np.zeros((5, 3))
        for start in (1, 3, 0, 3, 3):
            expected[start:start + 2] += 1
    np.testing.assert_array_equal(g, expected)


def test_gather_fill_tangent_is_zero_not_nan():
    x = rand(RNG, (4,))
    f = lambda x: gather(x, idx([[9], [1]]), GDN((), (0,), (0,)), (1,),  # noqa: E731
                         mode="fill")
    out, t = pyjax.jvp(f, (x,), (arr(np.ones(4)),))
    assert np.isnan(np.asarray(out)[0])
    np.testing.assert_array_equal(np.asarray(t), [0., 1.])


# ----------------------------------------------------------------------------------------------
# scatter-add / scatter-sub (linear in operand and updates jointly)

SCATTER_CASES = {
    # (operand shape, indices, dimension numbers, updates shape)
    "rows": ((5, 3), [[1], [3], [1]], SDN((1,), (0,), (0,)), (3, 3)),
    "points": ((4, 5), [[0, 1], [3, 4], [0, 1]], SDN((), (0, 1), (0, 1)), (3,)),
    "windows": ((6, 7), [[1, 2], [2, 3]], SDN((1, 2), (), (1, 0)), (2, 2, 3)),
    "batched": ((3, 5, 4), [[[1], [4]], [[0], [0]], [[2], [2]]],
                SDN((2,), (1,), (1,), (0,), (0,)), (3, 2, 4)),
    "window_first": ((4, 6), [[[1], [2]], [[3], [0]]], SDN((0,), (1,), (1,)), (4, 2, 2)),
}
OOB_INDICES = {"rows": [[1], [9], [-1]], "points": [[0, 1], [4, 0], [0, -3]],
               "windows": [[1, 2], [6, 3]], "batched": [[[1], [5]], [[0], [-1]], [[2], [2]]],
               "window_first": [[[1], [6]], [[3], [0]]]}


def _scatter_args(name, oob):
    shape, indices, dn, ushape = SCATTER_CASES[name]
    return shape, idx(OOB_INDICES[name] if oob else indices), dn, ushape


@pytest.mark.parametrize("name", sorted(SCATTER_CASES))
@pytest.mark.parametrize("mode, oob", [(None, False), ("clip", True), ("fill", True),
                                       ("promise_in_bounds", False)])
@pytest.mark.parametrize("op", [SC.scatter_add, SC.scatter_sub])
def test_scatter_add_sub(name, mode, oob, op):
    shape, indices, dn, ushape = _scatter_args(name, oob)
    f = lambda x, u: op(x, indices, u, dn, mode=mode)  # noqa: E731
    args = [rand(RNG, shape), rand(RNG, ushape)]
    check_all(f, args)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)
    check_transpose(lambda u: f(np.zeros(shape), u), args[1:])
    check_transpose(lambda x: f(x, np.zeros(ushape)), args[:1])


def test_scatter_add_dropped_updates_have_zero_gradient():
    dn = SDN((), (0,), (0,))
    f = lambda u: total(SC.scatter_add(np.zeros(3), idx([[0], [5], [2], [-1]]), u,  # noqa
                                       dn, mode="drop"))
    np.testing.assert_array_equal(np.asarray(pyjax.grad(f)(arr(np.ones(4)))), [1, 0, 1, 0])


# ----------------------------------------------------------------------------------------------
# scatter-mul, scatter-min, scatter-max

@pytest.mark.parametrize("name", sorted(SCATTER_CASES))
@pytest.mark.parametrize("mode, oob", [(None, False), ("clip", True), ("fill", True)])
def test_scatter_mul(name, mode, oob):
    shape, indices, dn, ushape = _scatter_args(name, oob)
    u = rand(RNG, ushape)
    # Non-unique indices: differentiable in the operand only, as in JAX.
    f = lambda x: SC.scatter_mul(x, indices, u, dn, mode=mode)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        pyjax.grad(lambda u: total(SC.scatter_mul(x, indices, u, dn, mode=mode)))(u)


@pytest.mark.parametrize("mode", [None, "clip"])
def test_scatter_mul_unique(mode):
    dn = SDN((1,), (0,), (0,))
    indices = idx([[3], [0], [4]])
    f = lambda x, u: SC.scatter_mul(x, indices, u, dn, unique_indices=True,  # noqa: E731
                                    mode=mode)
    args = [rand(RNG, (5, 2)), rand(RNG, (3, 2))]
    check_all(f, args, linear=False)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)


EXTREMAL = [SC.scatter_min, SC.scatter_max]


@pytest.mark.parametrize("name", sorted(SCATTER_CASES))
@pytest.mark.parametrize("op", EXTREMAL)
@pytest.mark.parametrize("mode, oob", [(None, False), ("clip", True), ("fill", True)])
def test_scatter_min_max(name, op, mode, oob):
    shape, indices, dn, ushape = _scatter_args(name, oob)
    f = lambda x, u: op(x, indices, u, dn, mode=mode)  # noqa: E731
    # Distinct random values: no ties, so the function is smooth around them.
    args = [rand(RNG, shape), rand(RNG, ushape)]
    check_all(f, args, linear=False)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)


@pytest.mark.parametrize("op", EXTREMAL)
def test_scatter_min_max_ties_average(op):
    dn = SDN((), (0,), (0,))
    x = arr([1., 5., 2.])
    u = arr([1., 1., 7., 0.])
    indices = idx([[0], [0], [2], [1]])
    f = lambda x, u: op(x, indices, u, dn)  # noqa: E731
    gx, gu = arr(np.ones(3)), arr(np.zeros(4))
    _, t = pyjax.jvp(f, (x, u), (gx, gu))
    _, tu = pyjax.jvp(f, (x, u), (arr(np.zeros(3)), arr(np.ones(4))))
    # Location 0: operand 1 and two updates of 1 tie: each gets 1/3.
    assert np.asarray(t)[0] == pytest.approx(1 / 3)
    assert np.asarray(tu)[0] == pytest.approx(2 / 3)
    if op is SC.scatter_max:  # 7 replaces 2, 5 stays over 0
        np.testing.assert_allclose(np.asarray(t)[1:], [1., 0.])
        np.testing.assert_allclose(np.asarray(tu)[1:], [0., 1.])
    else:  # 0 replaces 5, 2 stays under 7
        np.testing.assert_allclose(np.asarray(t)[1:], [0., 1.])
        np.testing.assert_allclose(np.asarray(tu)[1:], [1., 0.])


# ----------------------------------------------------------------------------------------------
# scatter (set)

@pytest.mark.parametrize("name", sorted(SCATTER_CASES))
@pytest.mark.parametrize("mode, oob", [(None, False), ("clip", True), ("fill", True)])
def test_scatter_overlapping(name, mode, oob):
    shape, indices, dn, ushape = _scatter_args(name, oob)
    f = lambda x, u: SC.scatter(x, indices, u, dn, mode=mode)  # noqa: E731
    args = [rand(RNG, shape), rand(RNG, ushape)]
    out = f(*args)
    # The jvp's primal (computed by scatter-adds of masked values) equals the scatter's.
    np.testing.assert_array_equal(np.asarray(pyjax.jvp(f, tuple(args), tuple(args))[0]),
                                  np.asarray(out))
    check_all(f, args, linear=False)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)


def test_scatter_last_update_wins_gradient():
    dn = SDN((), (0,), (0,))
    f = lambda x, u: total(SC.scatter(x, idx([[1], [1], [3]]), u, dn))  # noqa: E731
    gx, gu = pyjax.grad(f, (0, 1))(arr(np.zeros(4)), arr(np.ones(3)))
    np.testing.assert_array_equal(np.asarray(gx), [1, 0, 1, 0])
    np.testing.assert_array_equal(np.asarray(gu), [0, 1, 1])


@pytest.mark.parametrize("mode", [None, "clip", "fill"])
def test_scatter_unique(mode):
    dn = SDN((1,), (0,), (0,))
    indices = idx([[3], [0], [4]] if mode is None else [[3], [0], [7]])
    f = lambda x, u: SC.scatter(x, indices, u, dn, unique_indices=True,  # noqa: E731
                                mode=mode)
    args = [rand(RNG, (5, 2)), rand(RNG, (3, 2))]
    check_all(f, args)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)
    check_transpose(lambda u: f(np.zeros((5, 2)), u), args[1:])


def test_scatter_transpose_needs_unique_indices():
    dn = SDN((), (0,), (0,))
    lin = lambda x, u: SC.scatter_p.bind(  # noqa: E731
        x, idx([[0]]), u, dimension_numbers=dn, indices_are_sorted=False,
        unique_indices=False, mode=GatherScatterMode.FILL_OR_DROP, update_jaxpr=None,
        update_consts=())
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        SC.scatter_p.transpose(arr(np.ones(2)), *[None] * 3, dimension_numbers=dn,
                               indices_are_sorted=False, unique_indices=False,
                               mode=GatherScatterMode.FILL_OR_DROP, update_jaxpr=None,
                               update_consts=())
    # Forward mode still works.
    _, t = pyjax.jvp(lin, (arr(np.zeros(2)), arr([3.])), (arr(np.ones(2)), arr([5.])))
    np.testing.assert_array_equal(np.asarray(t), [5., 1.])


def test_scatter_apply_jvp_not_implemented():
    dn = SDN((), (0,), (0,))
    f = lambda x: SC.scatter_apply(x, idx([[0]]), lambda v: ew.mul_p.bind(v, v), dn,  # noqa
                                   update_shape=(1,))
    with pytest.raises(NotImplementedError, match="scatter_apply JVP not implemented"):
        pyjax.jvp(f, (arr(np.ones(2)),), (arr(np.ones(2)),))


# ----------------------------------------------------------------------------------------------
# Whole programs: float32 gradients, jit, jaxprs


def test_float32_gather_scatter_grad_under_jit():
    with config_mod.enable_x64(False):
        x = arr(np.random.RandomState(0).randn(5, 3), np.float32)
        indices = idx([[1], [3], [1]])

        def loss(x):
            rows = gather(x, indices, GDN((1,), (0,), (0,)), (1, 3))
            y = SC.scatter_add(x, indices, ew.mul_p.bind(rows, rows), SDN((1,), (0,), (0,)))
            z = SC.scatter(y, indices, rows, SDN((1,), (0,), (0,)))
            return total(ew.mul_p.bind(z, ew.sin_p.bind(z)))

        g = pyjax.grad(loss)(x)
        assert g.dtype == np.float32 and g.shape == (5, 3)
        for other in (pyjax.grad(pyjax.jit(loss))(x), pyjax.jit(pyjax.grad(loss))(x)):
            assert other.dtype == np.float32
            np.testing.assert_allclose(np.asarray(other), np.asarray(g), rtol=1e-5, atol=1e-5)
        assert "scatter-add" in str(pyjax.make_jaxpr(pyjax.grad(loss))(x))
    check_grads(loss, [arr(np.asarray(x, np.float64))], 2)

"""Differentiation rules of the structural primitives (broadcast_in_dim, reshape, transpose,
squeeze, rev, slice, concatenate, split, pad, iota, dynamic_slice, dynamic_update_slice).

Each primitive is checked against central finite differences in forward and reverse mode, to
first and second order, eagerly and through jit; each linear one also passes the transpose
dot-product test <y, A x> = <A^T y, x>. The checks run in float64 (x64 on) so that finite
differences are accurate; a few tests check float32/float16 gradients' dtypes.

Finite differences use the project's ``check_grads`` (JAX's scheme); ``check_transpose`` and
``check_all`` here are shared with test_autodiff_indexing.py and test_autodiff_linear.py.
"""
import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src import config as config_mod
from pyjax._src import tree as tree_util
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives import dynamic_slicing as DS
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import reductions as R
from pyjax._src.primitives import structural as S
from pyjax._src.test_util import check_grads, numerical_jvp

# ----------------------------------------------------------------------------------------------
# Checking helpers


@pytest.fixture(autouse=True)
def x64():
    with config_mod.enable_x64(True):
        yield


def arr(x, dtype=None):
    x = np.asarray(x)
    return ArrayImpl(x if dtype is None else x.astype(dtype), False)


def rand(rng, shape, dtype=np.float64):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return arr(rng.randn(*shape) + 1j * rng.randn(*shape), dtype)
    return arr(rng.randn(*shape), dtype)


def _np(x):
    return np.asarray(x)


def _rand_like(rng, x):
    x = _np(x)
    if x.dtype.kind == "c":
        return arr(rng.randn(*x.shape) + 1j * rng.randn(*x.shape), x.dtype)
    return arr(rng.randn(*x.shape), x.dtype)


def _inner(xs, ys):
    xs, ys = tree_util.tree_leaves(xs), tree_util.tree_leaves(ys)
    assert len(xs) == len(ys)
    return sum(np.sum(_np(x).astype(np.complex128) * _np(y)) for x, y in zip(xs, ys))


def _assert_close(a, b, atol, rtol, what):
    for x, y in zip(tree_util.tree_leaves(a), tree_util.tree_leaves(b), strict=True):
        x, y = _np(x), _np(y)
        assert x.shape == y.shape, (what, x.shape, y.shape)
        np.testing.assert_allclose(x.astype(np.complex128), y.astype(np.complex128),
                                   atol=atol, rtol=rtol, err_msg=what)


def check_transpose(f, args, seed=2, atol=1e-10, rtol=1e-10):
    """For a linear ``f``: linearize(f) is f itself, and <y, A x> = <A^T y, x> with A^T the
    pullback of vjp (i.e. the transpose rules), eagerly and through jit."""
    rng = np.random.RandomState(seed)
    for fun in (f, pyjax.jit(f)):
        out, f_lin = pyjax.linearize(fun, *args)
        xs = tree_util.tree_map(lambda a: _rand_like(rng, a), tuple(args))
        ax = f_lin(*xs)
        _assert_close(ax, f(*xs), atol, rtol, "linearized function")
        _, f_vjp = pyjax.vjp(fun, *args)
        ys = tree_util.tree_map(lambda o: _rand_like(rng, o), out)
        aty = f_vjp(ys)
        for a, t in zip(tree_util.tree_leaves(aty), tree_util.tree_leaves(args)):
            assert _np(a).shape == _np(t).shape and _np(a).dtype == _np(t).dtype
        _assert_close(_inner(ys, ax), _inner(aty, xs), atol, rtol, "transpose")


def check_all(f, args, order=2, atol=1e-5, rtol=1e-5, linear=True):
    """Finite differences (eager and jit) and, for linear ``f``, the transpose test."""
    check_grads(f, args, order, atol=atol, rtol=rtol)
    check_grads(pyjax.jit(f), args, 1, atol=atol, rtol=rtol)
    if linear:
        check_transpose(f, args)


def square(y):
    """A nonlinearity after a linear primitive makes its second derivatives nontrivial."""
    return ew.mul_p.bind(y, ew.sin_p.bind(y))


# ----------------------------------------------------------------------------------------------
# broadcast_in_dim, reshape, transpose, squeeze, rev

RNG = np.random.RandomState(42)


@pytest.mark.parametrize("in_shape, shape, dims", [
    ((), (3, 4), ()), ((3,), (2, 3), (1,)), ((3, 1), (2, 3, 4), (1, 2)),
    ((1,), (5,), (0,)), ((1, 1), (1, 3), (0, 1)), ((2, 3), (2, 0, 3), (0, 2)),
])
def test_broadcast_in_dim(in_shape, shape, dims):
    f = lambda x: S.broadcast_in_dim(x, shape, dims)  # noqa: E731
    x = rand(RNG, in_shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("in_shape, new_sizes, dims", [
    ((2, 3), (3, 2), None), ((2, 3), (6,), (1, 0)), ((), (1, 1), None),
    ((2, 3, 4), (4, 6), (2, 0, 1)), ((0, 3), (3, 0), None),
])
def test_reshape(in_shape, new_sizes, dims):
    f = lambda x: S.reshape(x, new_sizes, dims)  # noqa: E731
    x = rand(RNG, in_shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("shape, perm", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)),
                                         ((2, 3, 4), (1, 2, 0)), ((4,), (0,))])
def test_transpose(shape, perm):
    f = lambda x: S.transpose_p.bind(x, permutation=perm)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("shape, dims", [((1, 3), (0,)), ((2, 1, 3, 1), (1, 3)), ((1,), (0,)),
                                         ((1, 1), (-1,))])
def test_squeeze(shape, dims):
    f = lambda x: S.squeeze(x, dims)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("shape, dims", [((5,), (0,)), ((3, 4), (1,)), ((2, 3, 4), (0, 2)),
                                         ((3,), ())])
def test_rev(shape, dims):
    f = lambda x: S.rev(x, dims)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


# ----------------------------------------------------------------------------------------------
# slice, concatenate, split, pad

@pytest.mark.parametrize("shape, start, limit, strides", [
    ((5,), (1,), (4,), None), ((6, 7), (1, 2), (5, 7), None), ((6, 7), (0, 1), (6, 7), (2, 3)),
    ((7,), (1,), (6,), (2,)), ((7,), (2,), (2,), (3,)), ((4, 5), (1, 0), (4, 5), (5, 1)),
    ((3, 4), (0, 0), (3, 4), (1, 1)), ((8,), (1,), (7,), (4,)),
])
def test_slice(shape, start, limit, strides):
    f = lambda x: S.slice(x, start, limit, strides)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


@pytest.mark.parametrize("shapes, dim", [
    ([(2, 3), (4, 3)], 0), ([(2, 1), (2, 3), (2, 2)], 1), ([(3,), (0,), (2,)], 0),
    ([(2, 2, 2), (2, 2, 1)], 2),
])
def test_concatenate(shapes, dim):
    f = lambda *xs: J.concatenate(xs, dim)  # noqa: E731
    xs = [rand(RNG, s) for s in shapes]
    check_all(f, xs)
    check_all(lambda *xs: square(f(*xs)), xs, linear=False)


def test_concatenate_partly_nonlinear():
    # Only some operands depend on the input: the others have no cotangent.
    c = rand(RNG, (2, 3))
    f = lambda x: J.concatenate([c, x, c], 0)  # noqa: E731
    x = rand(RNG, (1, 3))
    check_all(lambda x: square(f(x)), [x], linear=False)
    check_grads(lambda x, y: J.concatenate([x, S.broadcast_in_dim(y, (2, 3), ())], 0),
                [x, rand(RNG, ())], 2)
    g = pyjax.grad(lambda x: R.reduce_sum(J.concatenate([c, x], 0), (0, 1)))(x)
    np.testing.assert_array_equal(_np(g), np.ones((1, 3)))


@pytest.mark.parametrize("shape, sizes, axis", [((5,), (2, 3), 0), ((3, 6), (1, 0, 5), 1),
                                                ((4, 2), (4,), 0), ((2, 5, 2), (2, 2, 1), 1)])
def test_split(shape, sizes, axis):
    f = lambda x: J.split(x, sizes, axis)  # noqa: E731
    x = rand(RNG, shape)
    check_all(lambda x: tuple(f(x)), [x])
    check_all(lambda x: [square(p) for p in f(x)], [x], linear=False)
    # Only one piece used: the others' cotangents are symbolic zeros.
    g = pyjax.grad(lambda x: R.reduce_sum(f(x)[-1], tuple(range(len(shape)))))(x)
    expected = np.zeros(shape)
    expected[(slice(None),) * axis + (slice(shape[axis] - sizes[-1], None),)] = 1
    np.testing.assert_array_equal(_np(g), expected)


PAD_CONFIGS = [
    ((4,), [(1, 2, 0)]), ((4,), [(0, 0, 1)]), ((4,), [(-1, 2, 1)]), ((5,), [(-2, -1, 0)]),
    ((3, 4), [(1, -1, 2), (-2, 3, 0)]), ((0, 2), [(1, 1, 1), (0, 0, 0)]),
    ((3,), [(-3, 2, 0)]), ((4,), [(-2, -3, 2)]), ((2, 3), [(0, 0, 0), (0, 0, 0)]),
]


@pytest.mark.parametrize("shape, config", PAD_CONFIGS)
def test_pad(shape, config):
    f = lambda x, v: J.pad(x, v, config)  # noqa: E731
    args = [rand(RNG, shape), rand(RNG, ())]
    check_all(f, args)
    check_all(lambda x, v: square(f(x, v)), args, linear=False)
    # Differentiable in the operand alone (constant padding value) and in the value alone.
    check_all(lambda x: f(x, np.float64(0.)), args[:1])
    check_all(lambda v: square(f(args[0], v)), args[1:], linear=False)


def test_pad_value_gradient_counts_padding():
    x = arr(np.arange(3.))
    g = pyjax.grad(lambda v: R.reduce_sum(J.pad(x, v, [(2, -1, 1)]), (0,)))(arr(1.5))
    # Output: [v, v, 0, v, 1, v] (the trailing 2 cut off): 4 padding elements.
    assert float(g) == 4.0


# ----------------------------------------------------------------------------------------------
# dynamic_slice, dynamic_update_slice, iota

@pytest.mark.parametrize("shape, start, sizes", [
    ((6,), (2,), (3,)), ((6,), (5,), (3,)), ((6,), (-2,), (2,)), ((4, 5), (1, 3), (2, 2)),
    ((4, 5), (-10, 7), (3, 1)), ((3, 3), (0, 0), (0, 2)), ((3,), (1,), (3,)),
])
def test_dynamic_slice(shape, start, sizes):
    f = lambda x: DS.dynamic_slice(x, start, sizes)  # noqa: E731
    x = rand(RNG, shape)
    check_all(f, [x])
    check_all(lambda x: square(f(x)), [x], linear=False)


def test_dynamic_slice_traced_indices():
    x = rand(RNG, (5, 4))

    @pyjax.jit
    def f(x, i, j):
        return square(DS.dynamic_slice(x, (i, j), (2, 3)))

    for i, j in [(1, 0), (4, 3), (-1, 0)]:
        ii, jj = arr(np.int32(i)), arr(np.int32(j))
        check_grads(lambda x: f(x, ii, jj), [x], 2)
        check_transpose(lambda x: DS.dynamic_slice(x, (ii, jj), (2, 3)), [x])
        g = pyjax.grad(lambda x: R.reduce_sum(f(x, ii, jj), (0, 1)))(x)
        expected = pyjax.grad(lambda x: R.reduce_sum(square(DS.dynamic_slice(x, (i, j), (2, 3))),
                                                     (0, 1)))(x)
        np.testing.assert_allclose(_np(g), _np(expected))


@pytest.mark.parametrize("shape, ushape, start", [
    ((6,), (2,), (1,)), ((6,), (3,), (5,)), ((6,), (2,), (-1,)), ((4, 5), (2, 3), (1, 1)),
    ((4, 5), (4, 1), (2, -7)), ((3,), (0,), (1,)), ((3, 2), (3, 2), (0, 0)),
])
def test_dynamic_update_slice(shape, ushape, start):
    f = lambda x, u: DS.dynamic_update_slice(x, u, start)  # noqa: E731
    args = [rand(RNG, shape), rand(RNG, ushape)]
    check_all(f, args)
    check_all(lambda x, u: square(f(x, u)), args, linear=False)
    # Linear in the operand alone or the update alone (the other a constant).
    check_all(lambda x: f(x, np.zeros(ushape)), args[:1])
    check_all(lambda u: f(np.zeros(shape), u), args[1:])


def test_dynamic_update_slice_overwritten_operand_has_zero_gradient():
    x = arr(np.arange(5.))
    f = lambda x, u: R.reduce_sum(DS.dynamic_update_slice(x, u, (4,)), (0,))  # noqa: E731
    gx, gu = pyjax.grad(f, (0, 1))(x, arr(np.ones(2)))
    np.testing.assert_array_equal(_np(gx), [1, 1, 1, 0, 0])  # start clamped to 3
    np.testing.assert_array_equal(_np(gu), [1, 1])


def test_iota_has_zero_derivative():
    io = lambda: S.convert(S.iota(np.int32, 4), np.float64, False)  # noqa: E731
    f = lambda x: R.reduce_sum(ew.mul_p.bind(x, io()), (0,))  # noqa: E731
    x = rand(RNG, (4,))
    np.testing.assert_array_equal(_np(pyjax.grad(f)(x)), np.arange(4.))
    _, t = pyjax.jvp(lambda x: ew.add_p.bind(x, io()), (x,), (arr(np.ones(4)),))
    np.testing.assert_array_equal(_np(t), np.ones(4))
    assert S.iota_p.jvp is not None


# ----------------------------------------------------------------------------------------------
# Whole programs: dtypes of gradients, grad of jit, jaxprs of grad


F32_CASES = {
    "broadcast_in_dim": lambda x: S.broadcast_in_dim(x, (2, 3, 4), (1, 2)),
    "reshape": lambda x: S.reshape(x, (4, 3), (1, 0)),
    "transpose": lambda x: S.transpose(x, (1, 0)),
    "squeeze": lambda x: S.squeeze(S.reshape(x, (1, 3, 4)), (0,)),
    "rev": lambda x: S.rev(x, (0, 1)),
    "slice": lambda x: S.slice(x, (0, 1), (3, 4), (2, 2)),
    "concatenate": lambda x: J.concatenate([x, S.rev(x, (1,))], 0),
    "split": lambda x: J.split(x, (1, 3), 1)[1],
    "pad": lambda x: J.pad(x, S.convert(0.5, S.core.get_aval(x).dtype, False),
                           [(1, -1, 1), (0, 2, 0)]),
    "dynamic_slice": lambda x: DS.dynamic_slice(x, (1, 2), (2, 2)),
    "dynamic_update_slice": lambda x: DS.dynamic_update_slice(
        x, S.slice(x, (0, 0), (2, 2)), (1, 1)),
}


@pytest.mark.parametrize("name", sorted(F32_CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16])
def test_gradient_dtypes_and_jit(name, dtype):
    fun = F32_CASES[name]
    with config_mod.enable_x64(False):
        x = arr(np.random.RandomState(0).randn(3, 4), dtype)

        def loss(x):
            y = fun(x)
            return R.reduce_sum(ew.mul_p.bind(y, y), tuple(range(len(y.shape))))

        g = pyjax.grad(loss)(x)
        gj = pyjax.grad(pyjax.jit(loss))(x)
        jg = pyjax.jit(pyjax.grad(loss))(x)
        assert g.dtype == np.dtype(dtype) and g.shape == (3, 4)
        for other in (gj, jg):
            assert other.dtype == g.dtype
            np.testing.assert_allclose(_np(other).astype(np.float32),
                                       _np(g).astype(np.float32), rtol=1e-2, atol=1e-2)
        jaxpr = pyjax.make_jaxpr(pyjax.grad(loss))(x)
        assert jaxpr.out_avals[0].shape == (3, 4)
        if dtype == np.float32:  # against finite differences in float64
            with config_mod.enable_x64(True):
                x64 = arr(_np(x).astype(np.float64))
                t = arr(np.random.RandomState(1).randn(3, 4))
                fd = numerical_jvp(loss, (x64,), (t,))
            np.testing.assert_allclose(np.sum(_np(g) * _np(t)), fd, rtol=1e-3, atol=1e-3)


def test_vjp_of_jit_with_several_structural_ops():
    def f(x, y):
        z = J.concatenate([J.pad(x, np.float64(0.), [(1, 0, 1), (0, 1, 0)]),
                           S.broadcast_in_dim(y, (1, 4), (1,))], 0)
        return DS.dynamic_update_slice(z, S.rev(S.slice(z, (0, 0), (2, 2)), (0,)), (3, 1))

    args = [rand(RNG, (2, 3)), rand(RNG, (4,))]
    check_all(f, args)
    check_all(pyjax.jit(lambda x, y: square(f(x, y))), args, linear=False)


def test_every_primitive_of_these_families_has_rules():
    from pyjax._src.core import Primitive
    from pyjax._src.primitives import indexing, linear, scatter, sorting
    # Not linear in any operand (or without operands): no transpose rule, as in JAX.
    nonlinear = {"iota", "sort", "top_k", "scatter-min", "scatter-max"}
    prims = {v for m in (S, J, DS, indexing, scatter, linear, sorting) for v in vars(m).values()
             if isinstance(v, Primitive)}
    assert len(prims) >= 22
    for p in prims:
        assert p.jvp is not None, p
        assert (p.transpose is not None) == (p.name not in nonlinear), p

"""Tests for jax.numpy contractions (dot, matmul, einsum, ...) against NumPy."""
import functools

import ml_dtypes
import numpy as np
import pytest

from pyjax._src.numpy import linalg_ops as L
from helpers import eager_and_jitted, rand_default_rng
from helpers import arr32 as arr

BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.dtype(d) for d in (np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16,
                                np.float32, np.complex64)] + [BF16]
rand = functools.partial(rand_default_rng, low=-4, high=5)


def tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == BF16:
        return 5e-2
    if dtype == np.float16:
        return 1e-2
    return 1e-5


def check(got, want, dtype=None, weak=False):
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
        assert got.weak_type == weak
    g = np.asarray(got)
    if g.dtype.kind in "fcV" or g.dtype == BF16:
        t = tol(g.dtype)
        np.testing.assert_allclose(g.astype(np.complex128), np.asarray(want).astype(
            np.complex128), rtol=t, atol=t)
    else:
        np.testing.assert_array_equal(g, np.asarray(want).astype(g.dtype))


def both(fun, *args, **kwargs):
    """The eager result, checked equal to the jitted one (see :func:`eager_and_jitted`)."""
    eager, jitted = eager_and_jitted(fun, *args, **kwargs)
    np.testing.assert_array_equal(np.asarray(jitted).astype(np.complex128)
                                  if eager.dtype == BF16 else np.asarray(jitted),
                                  np.asarray(eager).astype(np.complex128)
                                  if eager.dtype == BF16 else np.asarray(eager))
    return eager


def np_ref(fun, *xs, dtype):
    """NumPy reference in wide precision, cast to the expected dtype."""
    wide = []
    for x in xs:
        x = np.asarray(x)
        if x.dtype == np.bool_:
            wide.append(x)
        elif x.dtype.kind in "iu":
            wide.append(x.astype(np.int64))
        elif x.dtype.kind == "c":
            wide.append(x.astype(np.complex128))
        else:
            wide.append(x.astype(np.float64))
    out = np.asarray(fun(*wide))
    if np.dtype(dtype) == np.bool_:
        return out.astype(bool)
    return out.astype(dtype)


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((1, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((2, 1, 2, 3), (1, 3, 3, 2)), ((0, 3), (3, 2)), ((2, 0), (0, 3)),
                 ((4, 2, 3), (4, 3, 1))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes(sa, sb):
    a, b = rand(sa, np.float32, 1), rand(sb, np.float32, 2)
    out = both(L.matmul, arr(a), arr(b))
    check(out, np.matmul(a, b), np.float32)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_matmul_dtypes(dtype):
    a, b = rand((2, 3, 4), dtype, 1), rand((4, 5), dtype, 2)
    out = both(L.matmul, arr(a), arr(b))
    check(out, np_ref(np.matmul, a, b, dtype=dtype), dtype)


def test_matmul_operator_and_mixed_dtypes():
    a, b = rand((2, 3), np.int8, 1), rand((3, 2), np.float16, 2)
    out = arr(a) @ arr(b)
    check(out, np_ref(np.matmul, a, b, dtype=np.float16), np.float16)
    # int8 @ uint8 promotes to int16 (the preferred type of dot_general).
    out = L.matmul(arr(a), arr(rand((3, 2), np.uint8)))
    assert out.dtype == np.int16


def test_matmul_errors():
    with pytest.raises(ValueError, match="matmul input operand 0 must have ndim at least 1"):
        L.matmul(arr(1.0), arr(np.ones(3)))
    with pytest.raises(TypeError, match=r"dot_general requires contracting dimensions to have "
                       r"the same shape, got \(3,\) and \(2,\)."):
        arr(np.ones((2, 3))) @ arr(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Incompatible types for matmul arguments"):
        L.matmul(arr(np.ones((2, 2, 3))), arr(np.ones((3, 3, 4))))
    with pytest.raises(TypeError, match="requires ndarray or scalar arguments"):
        L.matmul([1, 2], arr(np.ones(2)))


def test_matmul_preferred_element_type():
    a = rand((3, 4), np.int8, 3)
    out = both(L.matmul, arr(a), arr(a.T), preferred_element_type=np.int32)
    check(out, a.astype(np.int32) @ a.T.astype(np.int32), np.int32)


DOT_SHAPES = [((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
              ((2, 3, 4), (4,)), ((3, 2, 4), (5, 4, 6)), ((0, 3), (3, 2))]


@pytest.mark.parametrize("sa,sb", DOT_SHAPES)
def test_dot_shapes(sa, sb):
    a, b = rand(sa, np.float32, 1), rand(sb, np.float32, 2)
    check(both(L.dot, arr(a), arr(b)), np.dot(a, b), np.float32)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dot_dtypes(dtype):
    a, b = rand((3, 4), dtype, 1), rand((4,), dtype, 2)
    check(both(L.dot, arr(a), arr(b)), np_ref(np.dot, a, b, dtype=dtype), dtype)


def test_dot_weak_types():
    out = L.dot(2.0, 3.0)
    assert out.dtype == np.float32 and out.weak_type and float(out) == 6.0
    out = L.dot(arr(np.ones(3, np.float32)), 2.0)
    assert out.dtype == np.float32 and not out.weak_type
    out = L.dot(arr([1.0, 2.0], weak=True), arr([3.0, 4.0], weak=True))
    assert out.weak_type and float(out) == 11.0


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.int32], ids=str)
def test_vdot_inner_outer(dtype):
    a, b = rand((2, 3), dtype, 1), rand((2, 3), dtype, 2)
    check(both(L.vdot, arr(a), arr(b)), np_ref(np.vdot, a, b, dtype=dtype), dtype)
    check(both(L.inner, arr(a), arr(b)), np_ref(np.inner, a, b, dtype=dtype), dtype)
    check(both(L.outer, arr(a), arr(b[0])), np_ref(np.outer, a, b[0], dtype=dtype), dtype)
    check(both(L.inner, arr(a), arr(b[0, 0])), np_ref(np.inner, a, b[0, 0], dtype=dtype), dtype)


def test_outer_bool():
    a, b = rand((3,), np.bool_, 1), rand((2,), np.bool_, 2)
    check(both(L.outer, arr(a), arr(b)), np.outer(a, b), np.bool_)


@pytest.mark.parametrize("s1,s2,axis", [((3,), (3,), -1), ((2, 3), (1, 3), -1),
                                        ((4, 2), (4, 1), 0), ((0, 3), (3,), -1)])
def test_vecdot(s1, s2, axis):
    a = rand(s1, np.complex64, 1)
    b = rand(s2, np.complex64, 2)
    want = np.vecdot(a.astype(np.complex128), b.astype(np.complex128), axis=axis)
    check(both(L.vecdot, arr(a), arr(b), axis=axis), want, np.complex64)


def test_vecdot_error():
    with pytest.raises(ValueError, match="axes must match"):
        L.vecdot(arr(np.ones(3)), arr(np.ones(4)))


@pytest.mark.parametrize("s1,s2", [((2, 3), (3,)), ((4, 2, 3), (3,)), ((2, 3), (5, 3)),
                                   ((1, 2, 3), (4, 3))])
def test_matvec_vecmat(s1, s2):
    m, v = rand(s1, np.float32, 1), rand(s2, np.float32, 2)
    check(both(L.matvec, arr(m), arr(v)), np.matvec(m, v), np.float32)
    mt = np.swapaxes(m, -1, -2)
    vc = rand(s2, np.complex64, 3)
    check(both(L.vecmat, arr(vc), arr(mt)), np.vecmat(vc, mt), np.complex64)


@pytest.mark.parametrize("sa,sb,axes", [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1),
                                        ((2,), (3,), 0), ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])),
                                        ((2, 3), (4, 3), (1, 1)), ((3, 2), (3, 4), (0, 0))])
def test_tensordot(sa, sb, axes):
    a, b = rand(sa, np.float32, 1), rand(sb, np.float32, 2)
    check(both(L.tensordot, arr(a), arr(b), axes=axes), np.tensordot(a, b, axes), np.float32)


def test_tensordot_errors():
    with pytest.raises(TypeError, match="Number of tensordot axes"):
        L.tensordot(arr(np.ones(3)), arr(np.ones(3)), 2)
    with pytest.raises(TypeError, match="axes lists to have equal length"):
        L.tensordot(arr(np.ones((2, 3))), arr(np.ones((3, 2))), ([0, 1], [0]))
    with pytest.raises(TypeError, match="tensordot axes argument must be an int"):
        L.tensordot(arr(np.ones(3)), arr(np.ones(3)), "x")


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.complex64, np.uint8], ids=str)
@pytest.mark.parametrize("sa,sb", [((2, 2), (2, 3)), ((3,), (2, 2)), ((), (3,)),
                                   ((2, 1, 3), (2, 2)), ((0, 2), (2,))])
def test_kron(dtype, sa, sb):
    a, b = rand(sa, dtype, 1), rand(sb, dtype, 2)
    check(both(L.kron, arr(a), arr(b)), np_ref(np.kron, a, b, dtype=dtype), dtype)


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
@pytest.mark.parametrize("sa,sb,kw", [((3,), (3,), {}), ((2,), (2,), {}), ((4, 3), (4, 3), {}),
                                      ((3, 4), (3, 4), {"axis": 0}), ((4, 2), (3,), {}),
                                      ((3, 2), (2, 3), {"axisa": 0, "axisb": 1, "axisc": 0})])
def test_cross(sa, sb, kw):
    a, b = rand(sa, np.float32, 1), rand(sb, np.float32, 2)
    check(both(L.cross, arr(a), arr(b), **kw), np.cross(a, b, **kw), np.float32)


def test_cross_int_and_error():
    a, b = rand((3,), np.int32, 1), rand((3,), np.int32, 2)
    check(L.cross(arr(a), arr(b)), np.cross(a, b), np.int32)
    with pytest.raises(ValueError, match="Dimension must be either 2 or 3"):
        L.cross(arr(np.ones(4)), arr(np.ones(4)))


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]),
    ("ji", [(2, 3)]), ("...j->...", [(2, 3, 4)]), ("i->", [(5,)]),
    ("ijk,jlk->il", [(2, 3, 5), (3, 4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl,lm->im", [(2, 2), (2, 3), (3, 2), (2, 3)]), ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("ij,ij->i", [(3, 4), (1, 4)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]), ("ab,cd->", [(2, 3), (4, 5)]),
    ("abc,cba->b", [(2, 3, 4), (4, 3, 2)]), ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    ("ii,i->i", [(3, 3), (3,)]), (",ij", [(), (2, 3)]), ("ij,j->i", [(0, 3), (3,)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_CASES)
def test_einsum(spec, shapes):
    ops = [rand(s, np.float32, i) for i, s in enumerate(shapes)]
    out = both(lambda *a: L.einsum(spec, *a), *[arr(o) for o in ops])
    check(out, np.einsum(spec, *[o.astype(np.float64) for o in ops]), np.float32)


@pytest.mark.parametrize("optimize", [False, True, "greedy", "optimal", "auto"])
def test_einsum_optimize(optimize):
    ops = [rand(s, np.float32, i) for i, s in enumerate([(2, 3), (3, 4), (4, 5), (5, 2)])]
    out = L.einsum("ij,jk,kl,lm->im", *[arr(o) for o in ops], optimize=optimize)
    check(out, np.einsum("ij,jk,kl,lm->im", *ops), np.float32)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_einsum_dtypes(dtype):
    a, b = rand((2, 3), dtype, 1), rand((3, 4), dtype, 2)
    out = both(lambda x, y: L.einsum("ij,jk->ik", x, y), arr(a), arr(b))
    check(out, np_ref(lambda x, y: np.einsum("ij,jk->ik", x, y), a, b, dtype=dtype), dtype)
    out = L.einsum("ii->", arr(rand((3, 3), dtype, 3)))
    assert out.dtype == dtype


def test_einsum_sublist_form():
    x, y = rand((2, 3, 5), np.float32, 1), rand((3, 4, 5), np.float32, 2)
    want = np.einsum("ijk,jlk->il", x, y)
    check(L.einsum(arr(x), (0, 1, 2), arr(y), (1, 3, 2), (0, 3)), want, np.float32)
    check(L.einsum(arr(x), [0, 1, 2], arr(y), [1, 3, 2]), want, np.float32)
    m = rand((4, 4), np.float32, 3)
    check(L.einsum(arr(m), [Ellipsis, 0], [Ellipsis]), m.sum(-1), np.float32)


def test_einsum_preferred_and_weak():
    a = rand((3, 4), np.int8, 1)
    out = L.einsum("ij,kj->ik", arr(a), arr(a), preferred_element_type=np.int32)
    check(out, a.astype(np.int32) @ a.T.astype(np.int32), np.int32)
    out = L.einsum("i,i->", arr([1.0, 2.0], weak=True), arr([3.0, 4.0], weak=True))
    assert out.weak_type and float(out) == 11.0


def test_einsum_errors():
    with pytest.raises(ValueError, match="does not contain the correct number of indices"):
        L.einsum("ij,j", arr(np.ones(3)), arr(np.ones(3)))
    with pytest.raises(ValueError, match="Size of label 'j'"):
        L.einsum("ij,jk", arr(np.ones((2, 3))), arr(np.ones((4, 2))))
    with pytest.raises(ValueError, match="Number of einsum subscripts"):
        L.einsum("ij,jk", arr(np.ones((2, 3))))
    with pytest.raises(ValueError, match="did not appear in the input"):
        L.einsum("ij->k", arr(np.ones((2, 3))))
    with pytest.raises(NotImplementedError, match="'out' argument"):
        L.einsum("i", arr(np.ones(3)), out=1)


def test_einsum_path():
    x, y, z = arr(np.ones((2, 3))), arr(np.ones((3, 100))), arr(np.ones((100, 5)))
    path, info = L.einsum_path("ij,jk,kl", x, y, z, optimize="optimal")
    assert path == [(1, 2), (0, 1)]
    assert "Complete contraction" in info
    out = L.einsum("ij,jk,kl", x, y, z, optimize=path)
    check(out, np.full((2, 5), 300.0), np.float32)

"""jax.numpy shape manipulation and matrix construction against NumPy: eagerly, under jit and
against make_jaxpr's abstract values (shape, dtype, weak type), plus JAX's error texts."""
import warnings

import ml_dtypes
import numpy as np
import pytest

from pyjax._src import core
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.numpy import manipulation as jnp
import helpers
from helpers import DTYPE_IDS, DTYPES, arr, assert_close, leaves, raises_both
from helpers import rand as _rand

FEW = [np.bool_, np.int8, np.uint32, ml_dtypes.bfloat16, np.float32, np.complex64]
FEW_IDS = [np.dtype(d).name for d in FEW]


def rand(shape, dtype=np.float32, seed=0):
    return _rand(shape, dtype, seed, low=0, high=100)


def check(fun, args, expected, weak=None, dtype=None):
    """:func:`helpers.check`, where ``expected`` is one array unless it is a list or tuple of
    NumPy arrays, and is cast to ``dtype`` when given."""
    if isinstance(expected, (list, tuple)) and all(isinstance(e, np.ndarray) for e in expected):
        expected = list(expected)
    else:
        expected = [expected]
    if dtype is not None:
        expected = [np.asarray(e).astype(dtype) for e in expected]
    return helpers.check(fun, args, expected, weak=weak)


def eqn_names(fun, *args):
    return [e.primitive.name for e in make_jaxpr(fun)(*args).eqns]


# ---------------------------------------------------------------------------------------------
# reshape, ravel


RESHAPES = [((), (1,)), ((), ()), ((6,), (2, 3)), ((6,), (-1, 2)), ((2, 3), (3, 2)),
            ((2, 3), -1), ((2, 3, 4), (4, -1)), ((0, 3), (3, 0)), ((0, 3), (-1,)),
            ((2, 3), (2, 3)), ((1, 4), [4])]


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,new", RESHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_reshape(dtype, shape, new, order):
    x = rand(shape, dtype)
    check(lambda a: jnp.reshape(a, new, order=order), (arr(x),), np.reshape(x, new, order=order))


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 0, 3), (2, 3, 4)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_ravel(shape, order):
    x = rand(shape, np.int32)
    check(lambda a: jnp.ravel(a, order), (arr(x),), np.ravel(x, order))


def test_reshape_weak_type_and_scalars():
    check(lambda a: jnp.reshape(a, (1, 1)), (arr(np.float32(2), weak=True),),
          np.array([[2.0]], np.float32), weak=True)
    out = jnp.reshape(3, (1,))
    assert out.dtype == np.int32 and out.weak_type
    assert_close(jnp.reshape(np.arange(4), (2, 2)), np.arange(4, dtype=np.int32).reshape(2, 2))


def test_reshape_same_shape_is_a_no_op():
    x = arr(rand((2, 3)))
    assert jnp.reshape(x, (2, 3)) is x
    assert jnp.reshape(x, (-1, 3)) is x
    assert eqn_names(lambda a: jnp.reshape(a, (2, 3)), x) == []
    assert eqn_names(lambda a: jnp.reshape(a, (3, 2)), x) == ["reshape"]
    # Column-major reshapes are a reshape of the transpose, transposed back.
    assert eqn_names(lambda a: jnp.reshape(a, (3, 2), order="F"), x) == ["reshape", "transpose"]


def test_reshape_errors():
    x = arr(np.arange(6))
    with pytest.raises(TypeError, match=r"cannot reshape array of shape \(6,\) \(size 6\) "
                                         r"into shape \(4, 2\) \(size 8\)"):
        jnp.reshape(x, (4, 2))
    with pytest.raises(TypeError, match=r"cannot reshape array of shape \(6,\) \(size 6\) "
                                         r"into shape \[4, 2\] \(size 8\)"):
        jnp.reshape(x, [4, 2])
    with pytest.raises(TypeError, match="product of specified axis sizes \\(4\\) does not "
                                        "evenly divide 6"):
        jnp.reshape(x, (4, -1))
    with pytest.raises(TypeError, match="can only specify one unknown axis size"):
        jnp.reshape(x, (-1, -1))
    with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values of "
                                        "integer type"):
        jit(lambda a, n: jnp.reshape(a, (n, 3)))(x, 2)
    with pytest.raises(TypeError, match=r"got \(JitTracer\(~int32\[\]\), 3\)\.\nIf using `jit`"):
        jit(lambda a, n: jnp.reshape(a, (n, 3)))(x, 2)
    with pytest.raises(TypeError, match=r"got \[JitTracer\(~int32\[\]\)\]\.\nIf using `jit`"):
        jit(lambda a, n: jnp.reshape(a, n))(x, 6)
    with pytest.raises(TypeError, match=r"^Shapes must be 1D sequences of concrete values of "
                                        r"integer type, got \(2\.0, 3\)\.$"):
        jnp.reshape(x, (2.0, 3))
    with pytest.raises(NotImplementedError, match="order=A"):
        jnp.reshape(x, (2, 3), order="A")
    with pytest.raises(ValueError, match="Unexpected value for 'order' argument: Q"):
        jnp.reshape(x, (2, 3), order="Q")
    with pytest.raises(TypeError, match="requires passing a `shape` argument"):
        jnp.reshape(x)
    with pytest.raises(TypeError, match="newshape argument to jnp.reshape was removed"):
        jnp.reshape(x, newshape=(2, 3))
    with pytest.raises(TypeError, match="reshape requires ndarray or scalar arguments"):
        jnp.reshape([1, 2], (2,))
    with pytest.raises(NotImplementedError, match="order='K'"):
        jnp.ravel(x, "K")


# ---------------------------------------------------------------------------------------------
# transposes and axis moves


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,axes", [((), None), ((3,), None), ((2, 3), None),
                                        ((2, 3, 4), (1, -1, 0)), ((2, 0, 4), (2, 0, 1))])
def test_transpose(dtype, shape, axes):
    x = rand(shape, dtype)
    check(lambda a: jnp.transpose(a, axes), (arr(x),), np.transpose(x, axes))
    if axes is not None and min(axes) >= 0:
        check(lambda a: jnp.permute_dims(a, axes), (arr(x),), np.transpose(x, axes))


def test_matrix_transpose():
    x = rand((2, 3, 4))
    check(jnp.matrix_transpose, (arr(x),), np.swapaxes(x, -1, -2))
    with pytest.raises(ValueError, match="x must be at least two-dimensional for "
                                         "matrix_transpose; got ndim=1"):
        jnp.matrix_transpose(arr(rand((3,))))


@pytest.mark.parametrize("a1,a2", [(0, 1), (-1, 0), (1, 1), (2, -3)])
def test_swapaxes(a1, a2):
    x = rand((2, 3, 4), np.int8)
    check(lambda a: jnp.swapaxes(a, a1, a2), (arr(x),), np.swapaxes(x, a1, a2))


@pytest.mark.parametrize("src,dst", [(0, -1), (-1, 0), ((0, 1), (-1, -2)), ((2, 0), (0, 1)),
                                     ((), ())])
def test_moveaxis(src, dst):
    x = rand((2, 3, 4, 5))
    check(lambda a: jnp.moveaxis(a, src, dst), (arr(x),), np.moveaxis(x, src, dst))


def test_moveaxis_errors():
    with pytest.raises(ValueError, match="Inconsistent number of elements: 2 vs 1"):
        jnp.moveaxis(arr(rand((2, 3))), (0, 1), 0)
    with pytest.raises(ValueError, match="axis 3 is out of bounds for array of dimension 2"):
        jnp.moveaxis(arr(rand((2, 3))), 3, 0)


@pytest.mark.parametrize("axis,start", [(2, 0), (1, 4), (-1, 1), (0, 2), (3, -2)])
def test_rollaxis(axis, start):
    x = rand((2, 3, 4, 5))
    check(lambda a: jnp.rollaxis(a, axis, start), (arr(x),), np.rollaxis(x, axis, start))
    with pytest.raises(ValueError, match="start=5 must satisfy -4<=start<=4"):
        jnp.rollaxis(arr(x), 0, 5)


# ---------------------------------------------------------------------------------------------
# expand_dims, squeeze, broadcasting


@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), -1), ((2, 3), (0, 3)),
                                        ((2, 3), (1, -1)), ((0,), 1)])
def test_expand_dims(shape, axis):
    x = rand(shape, np.uint8)
    check(lambda a: jnp.expand_dims(a, axis), (arr(x),), np.expand_dims(x, axis))


def test_expand_dims_errors_and_weak():
    check(lambda a: jnp.expand_dims(a, 0), (arr(np.float32(1), weak=True),),
          np.ones(1, np.float32), weak=True)
    with pytest.raises(ValueError, match="repeated axis in lax.expand_dims"):
        jnp.expand_dims(arr(rand((2,))), (0, 0))
    x = arr(rand((2,)))
    assert jnp.expand_dims(x, ()) is x


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), (0, 2)),
                                        ((1, 3, 1), -1), ((), None), ((3,), None),
                                        ((1, 0, 1), None)])
def test_squeeze(shape, axis):
    x = rand(shape, np.complex64)
    check(lambda a: jnp.squeeze(a, axis), (arr(x),), np.squeeze(x, axis))


def test_squeeze_errors():
    x = arr(rand((3, 1, 1)))
    raises_both(lambda a: jnp.squeeze(a, 0), (x,), ValueError,
                r"cannot select an axis to squeeze out which has size not equal to one, got "
                r"shape=\(3, 1, 1\) and dimensions=\(0,\)")
    with pytest.raises(ValueError, match="axis 3 is out of bounds for array of dimension 3"):
        jnp.squeeze(x, 3)


def test_broadcast_shapes():
    assert jnp.broadcast_shapes() == ()
    assert jnp.broadcast_shapes((3, 1), (1, 4), (5, 1, 1)) == (5, 3, 4)
    assert jnp.broadcast_shapes(3, (2, 1)) == (2, 3)
    assert jnp.broadcast_shapes((0, 1), (1, 5)) == (0, 5)
    assert jnp.broadcast_shapes((2, 3)) == (2, 3)
    with pytest.raises(ValueError, match=r"Incompatible shapes for broadcasting: "
                                         r"shapes=\[\(3, 1\), \(4, 1\)\]"):
        jnp.broadcast_shapes((3, 1), (4, 1))


def test_broadcast_arrays():
    x, y = rand((3, 1), np.int8), rand((4,), np.int8)
    check(lambda a, b: jnp.broadcast_arrays(a, b), (arr(x), arr(y)), np.broadcast_arrays(x, y))
    out = jnp.broadcast_arrays(arr(rand((3,))), 2.0)
    assert out[1].weak_type and out[1].shape == (3,) and not out[0].weak_type
    same = jnp.broadcast_arrays(1, 2)
    assert [o.weak_type for o in same] == [True, True]
    assert jnp.broadcast_arrays() == []


@pytest.mark.parametrize("fn", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (0,)])
def test_atleast(fn, shape):
    x = rand(shape, np.int32)
    check(getattr(jnp, fn), (arr(x),), getattr(np, fn)(x))
    both = getattr(jnp, fn)(arr(x), 1.5)
    for o, e in zip(both, getattr(np, fn)(x, np.float32(1.5))):
        assert_close(o, e)
    assert both[1].weak_type


def test_atleast_list_warns():
    with pytest.warns(DeprecationWarning, match="atleast_1d requires ndarray or scalar"):
        out = jnp.atleast_1d([1, 2])
    assert_close(out, np.array([1, 2], np.int32))
    assert jnp.atleast_2d() == []


# ---------------------------------------------------------------------------------------------
# concatenate, stack and friends


@pytest.mark.parametrize("d1,d2,expected", [
    (np.int8, np.float32, np.float32), (np.int8, np.uint8, np.int16),
    (np.bool_, np.int32, np.int32), (np.float16, ml_dtypes.bfloat16, np.float32),
    (np.uint32, np.complex64, np.complex64), (np.int32, np.int32, np.int32)])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate_promotes(d1, d2, expected, axis):
    x, y = rand((2, 3), d1), rand((2, 3), d2, seed=1)
    ref = (np.concatenate([x.astype(expected), y.astype(expected)], axis=axis))
    check(lambda a, b: jnp.concatenate([a, b], axis=axis), (arr(x), arr(y)), ref)


def test_concatenate_weak_types_and_dtype():
    w = arr(np.ones(2, np.float32), weak=True)
    s = arr(np.ones(2, np.float32))
    check(lambda a, b: jnp.concatenate([a, b]), (w, w), np.ones(4, np.float32), weak=True)
    check(lambda a, b: jnp.concatenate([a, b]), (w, s), np.ones(4, np.float32), weak=False)
    check(lambda a, b: jnp.concatenate((a, b), dtype=np.int8), (w, s), np.ones(4, np.int8),
          weak=False)
    check(lambda a, b: jnp.concat([a, b], axis=0), (arr(np.zeros((1, 2), np.int8)),
                                                    arr(np.ones((2, 2), np.int8))),
          np.array([[0, 0], [1, 1], [1, 1]], np.int8))


def test_concatenate_many_and_array_input():
    xs = [rand((2, 1), np.float32, seed=i) for i in range(40)]
    out = check(lambda *a: jnp.concatenate(a, axis=1), [arr(x) for x in xs],
                np.concatenate(xs, axis=1))
    assert out[0].shape == (2, 40)
    stacked = rand((3, 2, 4), np.int8)
    for axis in (0, 1, -1, None):
        check(lambda a: jnp.concatenate(a, axis=axis), (arr(stacked),),
              np.concatenate(list(stacked), axis=axis) if axis is not None
              else stacked.ravel())
    assert eqn_names(lambda a: jnp.concatenate(a, axis=1), arr(stacked)) == ["reshape"]


def test_concatenate_errors():
    with pytest.raises(ValueError, match="Need at least one array to concatenate."):
        jnp.concatenate([])
    with pytest.raises(ValueError, match="Zero-dimensional arrays cannot be concatenated."):
        jnp.concatenate([arr(1.0), arr(2.0)])
    with pytest.raises(TypeError, match="Cannot concatenate arrays with different numbers of "
                                        "dimensions"):
        jnp.concatenate([arr(rand((2,))), arr(rand((2, 2)))])
    with pytest.raises(TypeError, match="concatenate requires ndarray or scalar arguments"):
        jnp.concatenate([[1, 2], arr(rand((2,)))])


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), 0), ((3,), 1), ((3,), -1),
                                        ((2, 3), 1), ((0, 2), 0)])
def test_stack(dtype, shape, axis):
    xs = [rand(shape, dtype, seed=i) for i in range(3)]
    check(lambda *a: jnp.stack(a, axis=axis), [arr(x) for x in xs], np.stack(xs, axis=axis))
    check(lambda a: jnp.stack(a, axis=axis), (arr(np.stack(xs)),), np.stack(xs, axis=axis))


def test_stack_scalars_dtype_and_errors():
    out = jnp.stack([1, 2])
    assert out.dtype == np.int32 and out.weak_type
    out = jnp.stack([1, 2.5], dtype=np.float16)
    assert_close(out, np.array([1, 2.5], np.float16))
    assert not out.weak_type
    with pytest.raises(ValueError, match="All input arrays must have the same shape."):
        jnp.stack([arr(rand((2,))), arr(rand((3,)))])
    with pytest.raises(ValueError, match="Need at least one array to stack."):
        jnp.stack([])


@pytest.mark.parametrize("fn", ["vstack", "hstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(2, 3), (2, 3)],
                                    [(2, 3, 2), (2, 3, 2)], [(2, 1), (2, 1)]])
def test_stack_family(fn, shapes):
    if fn == "row_stack":
        ref = np.vstack
    else:
        ref = getattr(np, fn)
    xs = [rand(s, np.int8, seed=i) for i, s in enumerate(shapes)]
    check(lambda *a: getattr(jnp, fn)(list(a)), [arr(x) for x in xs], ref(xs))
    check(lambda a: getattr(jnp, fn)(a), (arr(np.stack(xs)),), ref(xs))


def test_stack_family_dtype_and_lists():
    out = jnp.vstack([arr(np.ones(2, np.int8)), arr(np.ones(2, np.float16))], dtype=np.float32)
    assert out.dtype == np.float32
    out = jnp.hstack([1, 2, 3])
    assert out.dtype == np.int32 and out.weak_type and out.shape == (3,)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = jnp.vstack([[1, 2], [3, 4]])
    assert_close(out, np.array([[1, 2], [3, 4]], np.int32))
    assert any("vstack requires ndarray or scalar arguments" in str(w.message) for w in caught)


@pytest.mark.parametrize("fn,ios,axis", [
    ("split", 3, 0), ("split", [2, 5], 0), ("split", [], 0), ("split", 2, 1),
    ("array_split", 4, 0), ("array_split", [1, 1, 3], 0), ("array_split", 3, -1),
    ("vsplit", 2, None), ("hsplit", 2, None), ("dsplit", [1], None), ("split", [0, 6], 0)])
def test_split(fn, ios, axis):
    x = rand((6, 4, 2), np.uint8)
    kw = {} if axis is None else {"axis": axis}
    ref = getattr(np, fn)(x, ios, **kw)
    check(lambda a: getattr(jnp, fn)(a, ios, **kw), (arr(x),), ref)
    if not isinstance(ios, int) and ios:
        check(lambda a: getattr(jnp, fn)(a, arr(np.array(ios)), **kw), (arr(x),), ref)


def test_split_1d_and_errors():
    x = rand((6,), np.float32)
    check(lambda a: jnp.hsplit(a, 3), (arr(x),), np.hsplit(x, 3))
    with pytest.raises(ValueError, match="array split does not result in an equal division: "
                                         "rest is 2"):
        jnp.split(arr(x), 4)
    with pytest.raises(core.errors.ConcretizationTypeError, match="in jax.numpy.split argument 1"):
        jit(lambda a, n: jnp.split(a, n))(arr(x), 2)


@pytest.mark.parametrize("shape,axis", [((3,), 0), ((2, 3), 1), ((2, 3), -1), ((0, 2), 1)])
def test_unstack(shape, axis):
    x = rand(shape, np.int32)
    ref = [np.asarray(t) for t in np.moveaxis(x, axis, 0)]
    out = check(lambda a: jnp.unstack(a, axis=axis), (arr(x),), ref)
    assert len(out) == shape[axis]
    with pytest.raises(ValueError, match="Unstack requires arrays with rank > 0"):
        jnp.unstack(arr(1.0))


def test_block():
    a, b = rand((2, 2)), rand((2, 1), seed=1)
    c, d = rand((1, 1), seed=2), rand((1, 2), seed=3)
    check(lambda a, b, c, d: jnp.block([[a, b], [c, d]]), tuple(map(arr, (a, b, c, d))),
          np.block([[a, b], [c, d]]))
    check(lambda a: jnp.block(a), (arr(a),), a)
    check(lambda a, b: jnp.block([a, b]), (arr(np.ones(2)), arr(np.zeros(3))),
          np.block([np.ones(2), np.zeros(3)]).astype(np.float32))
    assert_close(jnp.block([1, 2, 3]), np.array([1, 2, 3], np.int32))
    with pytest.raises(ValueError, match="does not allow tuples"):
        jnp.block((arr(a), arr(b)))
    with pytest.raises(ValueError, match="does not allow empty list arguments"):
        jnp.block([])
    with pytest.raises(ValueError, match="Mismatched list depths"):
        jnp.block([arr(a), [arr(b)]])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_append(axis):
    x, y = rand((2, 3), np.int8), rand((2, 3), np.int32)
    check(lambda a, b: jnp.append(a, b, axis=axis), (arr(x), arr(y)), np.append(x, y, axis=axis))
    out = jnp.append(arr(x), 5)
    assert out.dtype == np.int8 and out.shape == (7,)


# ---------------------------------------------------------------------------------------------
# tile, repeat, resize


@pytest.mark.parametrize("shape,reps", [((), 3), ((3,), 2), ((3,), (2, 2)), ((2, 3), (2,)),
                                        ((2, 3), (1, 2, 1)), ((2, 0), (2, 3)), ((3,), ()),
                                        ((3,), 0)])
def test_tile(shape, reps):
    x = rand(shape, np.float16)
    check(lambda a: jnp.tile(a, reps), (arr(x),), np.tile(x, reps))


def test_tile_weak_and_errors():
    out = jnp.tile(2.0, (2,))
    assert out.weak_type and out.dtype == np.float32
    x = arr(rand((3,)))
    assert jnp.tile(x, 1) is x
    with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values"):
        jit(lambda a, r: jnp.tile(a, (r, 2)))(x, 2)
    with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values"):
        jit(lambda n: jnp.tri(n))(3)


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,repeats,axis", [
    ((3,), 2, None), ((2, 3), 2, 0), ((2, 3), 3, -1), ((2, 3), [1, 0, 2], 1),
    ((2, 3), [2, 1], 0), ((2, 3), 0, 1), ((2, 3), [0, 0, 0], 1), ((), 3, None),
    ((0, 2), 2, 0), ((2, 3), [1], 0), ((4,), [3, 0, 0, 1], 0)])
def test_repeat(dtype, shape, repeats, axis):
    x = rand(shape, dtype)
    ref = np.repeat(x, repeats, axis=axis)
    reps = repeats if isinstance(repeats, int) else arr(np.array(repeats, np.int32))
    check(lambda a: jnp.repeat(a, reps, axis=axis), (arr(x),), ref)
    if not isinstance(repeats, int) and shape:
        total = int(np.sum(np.broadcast_to(repeats, (x.reshape(-1).shape if axis is None
                                                     else x.shape)[axis or 0],)))
        check(lambda a, r: jnp.repeat(a, r, axis=axis, total_repeat_length=total),
              (arr(x), reps), ref)


def test_repeat_total_repeat_length_pads_and_truncates():
    x = arr(np.array([[1, 2], [3, 4]], np.int32))
    r = arr(np.array([2, 3], np.int32))
    f = jit(lambda a, r, n: jnp.repeat(a, r, axis=1, total_repeat_length=n), static_argnums=2)
    assert_close(f(x, r, 4), np.array([[1, 1, 2, 2], [3, 3, 4, 4]], np.int32))
    assert_close(f(x, r, 7), np.array([[1, 1, 2, 2, 2, 2, 2], [3, 3, 4, 4, 4, 4, 4]], np.int32))
    assert_close(jnp.repeat(x, r, axis=1, total_repeat_length=7), f(x, r, 7))
    assert_close(jnp.repeat(x, arr(np.array([0, 2], np.int32)), axis=1, total_repeat_length=3),
                np.array([[2, 2, 2], [4, 4, 4]], np.int32))
    with pytest.raises(core.errors.ConcretizationTypeError,
                       match="When jit-compiling jnp.repeat, the total number of repeats must "
                             "be static"):
        jit(lambda a, r: jnp.repeat(a, r, axis=1))(x, r)
    with pytest.raises(TypeError, match="repeat requires ndarray or scalar arguments"):
        jnp.repeat(x, [1, 2])
    with pytest.raises(ValueError, match="only implemented for scalar values"):
        jnp.repeat(arr(np.int32(1)), arr(np.array([1, 2])), axis=0)


def test_repeat_weak_and_structure():
    w = arr(np.array([1.0, 2.0], np.float32), weak=True)
    check(lambda a: jnp.repeat(a, 2), (w,), np.array([1.0, 1.0, 2.0, 2.0], np.float32), weak=True)
    assert eqn_names(lambda a: jnp.repeat(a, 2), w) == ["broadcast_in_dim", "reshape"]
    assert "gather" in eqn_names(lambda a: jnp.repeat(a, arr(np.array([1, 2]))), w)


@pytest.mark.parametrize("shape,new", [((3,), (2, 4)), ((2, 2), 3), ((4,), (2, 2)),
                                       ((0,), (2,)), ((3,), (0, 2)), ((), (2, 2))])
def test_resize(shape, new):
    x = rand(shape, np.int32)
    check(lambda a: jnp.resize(a, new), (arr(x),), np.resize(x, new))
    with pytest.raises(ValueError, match="all elements of `new_shape` must be non-negative"):
        jnp.resize(arr(x), (-1,))


# ---------------------------------------------------------------------------------------------
# flip, roll, rot90


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,axis", [((), None), ((4,), None), ((4,), 0), ((2, 3), 1),
                                        ((2, 3, 2), (0, -1)), ((2, 0), None)])
def test_flip(dtype, shape, axis):
    x = rand(shape, dtype)
    check(lambda a: jnp.flip(a, axis), (arr(x),), np.flip(x, axis))


def test_fliplr_flipud():
    x = rand((2, 3, 2), np.int8)
    check(jnp.fliplr, (arr(x),), np.fliplr(x))
    check(jnp.flipud, (arr(x),), np.flipud(x))
    with pytest.raises(ValueError, match="axis 1 is out of bounds for array of dimension 1"):
        jnp.fliplr(arr(rand((3,))))


@pytest.mark.parametrize("shape,shift,axis", [
    ((5,), 2, None), ((5,), -7, 0), ((2, 3), 1, None), ((2, 3), 4, 1), ((2, 3), (1, 2), (0, 1)),
    ((2, 3), (1, -1), (1, 1)), ((2, 3), 2, (0, 1)), ((0, 3), 1, 0), ((2, 3), 0, 1), ((), 3, None)])
def test_roll(shape, shift, axis):
    x = rand(shape, np.uint32)
    check(lambda a: jnp.roll(a, shift, axis), (arr(x),), np.roll(x, shift, axis))
    if isinstance(shift, int) and axis is not None:
        # A traced shift takes the dynamic path (concatenate + dynamic_slice).
        check(lambda a, s: jnp.roll(a, s, axis), (arr(x), np.int32(shift)), np.roll(x, shift, axis))


def test_roll_dynamic_vector_shift():
    x = rand((3, 4), np.float32)
    f = lambda a, s: jnp.roll(a, s, axis=(0, 1))  # noqa: E731
    check(f, (arr(x), arr(np.array([1, -3], np.int32))), np.roll(x, (1, -3), axis=(0, 1)))
    assert "dynamic_slice" in eqn_names(f, arr(x), arr(np.array([1, -3], np.int32)))


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("axes", [(0, 1), (1, 0), (2, 0), (-1, -2)])
def test_rot90(k, axes):
    x = rand((2, 3, 4), np.int8)
    check(lambda a: jnp.rot90(a, k, axes), (arr(x),), np.rot90(x, k, axes))


def test_rot90_structure_and_errors():
    x = arr(rand((2, 3)))
    assert eqn_names(lambda a: jnp.rot90(a), x) == ["rev", "transpose"]
    assert eqn_names(lambda a: jnp.rot90(a, 3), x) == ["transpose", "rev"]
    with pytest.raises(ValueError, match="rot90 requires its first argument to have ndim at "
                                         "least two"):
        jnp.rot90(arr(rand((3,))))
    with pytest.raises(ValueError, match="Axes must be different"):
        jnp.rot90(x, axes=(1, -1))


# ---------------------------------------------------------------------------------------------
# diff, ediff1d


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.float32, np.complex64],
                         ids=["bool", "int8", "uint8", "float32", "complex64"])
@pytest.mark.parametrize("shape,n,axis", [((5,), 1, -1), ((5,), 3, 0), ((3, 4), 1, 0),
                                          ((3, 4), 2, -1), ((3, 4), 0, 1), ((3, 4), 6, 1),
                                          ((0, 3), 1, 0)])
def test_diff(dtype, shape, n, axis):
    x = rand(shape, dtype)
    check(lambda a: jnp.diff(a, n, axis), (arr(x),), np.diff(x, n, axis))


def test_diff_prepend_append():
    x = rand((3, 4), np.int32)
    check(lambda a: jnp.diff(a, prepend=0), (arr(x),), np.diff(x, prepend=0), dtype=np.int32)
    check(lambda a: jnp.diff(a, axis=0, append=7, prepend=-1), (arr(x),),
          np.diff(x, axis=0, append=7, prepend=-1), dtype=np.int32)
    app = rand((3, 2), np.int32, seed=1)
    check(lambda a, b: jnp.diff(a, append=b), (arr(x), arr(app)), np.diff(x, append=app))
    with pytest.raises(ValueError, match="diff requires input that is at least one dimensional"):
        jnp.diff(arr(1.0))
    with pytest.raises(ValueError, match="order must be non-negative but got -1"):
        jnp.diff(arr(x), -1)


def test_ediff1d():
    x = rand((2, 3), np.int32)
    check(jnp.ediff1d, (arr(x),), np.ediff1d(x))
    check(lambda a: jnp.ediff1d(a, to_end=arr(np.array([20, 30])), to_begin=-10), (arr(x),),
          np.ediff1d(x, to_end=[20, 30], to_begin=-10))
    out = jnp.ediff1d(arr(np.array([1, 2], np.int8)), to_begin=2.7)
    assert_close(out, np.array([2, 1], np.int8))
    with pytest.raises(TypeError, match="ediff1d requires ndarray or scalar arguments"):
        jnp.ediff1d([1, 2])


# ---------------------------------------------------------------------------------------------
# pad


PAD_WIDTHS = [2, (1,), (1, 3), ((0, 1), (2, 0)), ((3, 3),), np.array([[1, 2], [0, 4]])]


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("pad_width", PAD_WIDTHS, ids=range(len(PAD_WIDTHS)))
@pytest.mark.parametrize("mode", ["constant", "edge", "wrap", "reflect", "symmetric", "empty"])
def test_pad_modes(dtype, pad_width, mode):
    x = rand((2, 3), dtype)
    # JAX's 'empty' padding is zeros.
    ref = np.pad(x, pad_width, mode="constant" if mode == "empty" else mode)
    check(lambda a: jnp.pad(a, pad_width, mode=mode), (arr(x),), ref)


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
@pytest.mark.parametrize("shape,pad_width", [((3,), 7), ((1,), 3), ((2, 4), ((5, 1), (9, 2))),
                                             ((4,), 0)])
@pytest.mark.parametrize("reflect_type", ["even", "odd"])
def test_pad_reflect_large(mode, shape, pad_width, reflect_type):
    x = rand(shape, np.int32)
    f = lambda a: jnp.pad(a, pad_width, mode=mode, reflect_type=reflect_type)  # noqa: E731
    check(f, (arr(x),), np.pad(x, pad_width, mode=mode, reflect_type=reflect_type))
    # Floats: odd reflections chain ``2 * edge - x``, rounded in another order than NumPy's.
    xf = rand(shape, np.float32)
    np.testing.assert_allclose(np.asarray(f(arr(xf))),
                               np.pad(xf, pad_width, mode=mode, reflect_type=reflect_type),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape,pad_width", [((3,), 8), ((2, 3), ((4, 7), (0, 5)))])
def test_pad_wrap_large(shape, pad_width):
    x = rand(shape, np.int32)
    check(lambda a: jnp.pad(a, pad_width, mode="wrap"), (arr(x),),
          np.pad(x, pad_width, mode="wrap"))


@pytest.mark.parametrize("cv", [5, 2.5, (1, 2), ((1, 2), (3, 4)), ((7,),), [9]])
def test_pad_constant_values(cv):
    x = rand((2, 3), np.float32)
    check(lambda a: jnp.pad(a, ((1, 2), (2, 1)), constant_values=cv), (arr(x),),
          np.pad(x, ((1, 2), (2, 1)), constant_values=cv))
    xi = rand((2, 3), np.int8)
    ref = np.pad(xi.astype(np.float64), ((1, 2), (2, 1)), constant_values=cv)
    check(lambda a: jnp.pad(a, ((1, 2), (2, 1)), constant_values=cv), (arr(xi),),
          np.trunc(ref).astype(np.int8))


def test_pad_constant_traced_value_and_weak():
    x = arr(rand((2,)))
    check(lambda a, c: jnp.pad(a, 1, constant_values=c), (x, arr(np.float32(4))),
          np.pad(np.asarray(x), 1, constant_values=4))
    w = arr(np.ones(2, np.float32), weak=True)
    check(lambda a: jnp.pad(a, 1, constant_values=3), (w,), [3, 1, 1, 3], weak=True,
          dtype=np.float32)
    assert jnp.pad(x, 0) is x
    assert eqn_names(lambda a: jnp.pad(a, 1), x) == ["pad"]


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.uint8], ids=["i32", "f32", "u8"])
@pytest.mark.parametrize("mode", ["maximum", "minimum", "mean", "median"])
@pytest.mark.parametrize("stat_length", [None, 2, ((1, 3), (2, 1))])
def test_pad_stats(dtype, mode, stat_length):
    x = rand((3, 4), dtype)
    kw = {} if stat_length is None else {"stat_length": stat_length}
    ref = np.pad(x, ((1, 2), (2, 1)), mode=mode, **kw)
    if dtype == np.float32 and mode in ("mean", "median"):
        out = jnp.pad(arr(x), ((1, 2), (2, 1)), mode=mode, **kw)
        np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-6)
        assert_close(jit(lambda a: jnp.pad(a, ((1, 2), (2, 1)), mode=mode, **kw))(arr(x)), out)
    else:
        check(lambda a: jnp.pad(a, ((1, 2), (2, 1)), mode=mode, **kw), (arr(x),), ref)


@pytest.mark.parametrize("end_values", [0, 5, (1, -2), ((1, 2), (3, 4))])
@pytest.mark.parametrize("dtype", [np.int32, np.float32], ids=["i32", "f32"])
def test_pad_linear_ramp(end_values, dtype):
    x = rand((2, 3), dtype)
    ref = np.pad(x, ((2, 1), (3, 2)), mode="linear_ramp", end_values=end_values)
    out = jnp.pad(arr(x), ((2, 1), (3, 2)), mode="linear_ramp", end_values=end_values)
    assert out.dtype == ref.dtype and out.shape == ref.shape
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5,
                               atol=1 if dtype == np.int32 else 1e-6)
    assert_close(jit(lambda a: jnp.pad(a, ((2, 1), (3, 2)), mode="linear_ramp",
                                      end_values=end_values))(arr(x)), out)


def test_pad_callable():
    from pyjax._src.numpy import creation, ufuncs

    def pad_with(vector, pad_width, iaxis, kwargs):
        i = creation.arange(vector.shape[0])
        inside = ufuncs.logical_and(ufuncs.greater_equal(i, int(pad_width[0])),
                                    ufuncs.less(i, vector.shape[0] - int(pad_width[1])))
        inside = jnp.astype(inside, vector.dtype)
        return ufuncs.add(ufuncs.multiply(vector, inside),
                          ufuncs.multiply(kwargs.get("v", 10), ufuncs.subtract(1, inside)))

    def np_pad_with(vector, pad_width, iaxis, kwargs):
        vector[:pad_width[0]] = kwargs.get("v", 10)
        vector[vector.size - pad_width[1]:] = kwargs.get("v", 10)

    x = rand((2, 3), np.float32)
    assert_close(jnp.pad(arr(x), ((1, 2), (0, 1)), pad_with, v=-1),
                np.pad(x, ((1, 2), (0, 1)), np_pad_with, v=-1))


def test_pad_errors_and_scalar():
    x = arr(rand((2, 3)))
    with pytest.raises(ValueError, match="index can't contain negative values"):
        jnp.pad(x, -1)
    with pytest.raises(TypeError, match="`pad_width` must be of integral type."):
        jnp.pad(x, 1.5)
    with pytest.raises(NotImplementedError, match="Unimplemented padding mode 'foo' for np.pad."):
        jnp.pad(x, 1, mode="foo")
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):
        jnp.pad(x, 1, mode="edge", constant_values=2)
    with pytest.raises(ValueError, match="has unsupported shape \\(3,\\)"):
        jnp.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="Cannot apply 'edge' padding to empty axis"):
        jnp.pad(arr(rand((0, 2))), 1, mode="edge")
    with pytest.raises(ValueError, match="stat_length of 0 yields no value for padding"):
        jnp.pad(x, 1, mode="mean", stat_length=0)
    with pytest.raises(ValueError, match="constant_values has unsupported shape \\(3,\\)"):
        jnp.pad(x, 1, constant_values=(1, 2, 3))
    with pytest.raises(core.errors.ConcretizationTypeError, match="pad_width argument of jnp.pad"):
        jit(lambda a, p: jnp.pad(a, p))(x, 1)
    s = arr(np.float32(3))
    assert jnp.pad(s, 2) is s


# ---------------------------------------------------------------------------------------------
# Triangles and diagonals


@pytest.mark.parametrize("N,M,k", [(3, None, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0), (2, 2, 5),
                                   (3, 3, -10)])
@pytest.mark.parametrize("dtype", [None, np.int8, np.bool_, np.complex64])
def test_tri(N, M, k, dtype):
    out = jnp.tri(N, M, k, dtype)
    assert_close(out, np.tri(N, M, k, dtype or np.float32))
    assert not out.weak_type


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (2, 3, 4), (0, 3)])
@pytest.mark.parametrize("k", [0, 1, -2])
def test_tril_triu(dtype, shape, k):
    x = rand(shape, dtype)
    check(lambda a: jnp.tril(a, k), (arr(x),), np.tril(x, k))
    check(lambda a: jnp.triu(a, k), (arr(x),), np.triu(x, k))


def test_tril_structure_weak_and_errors():
    x = arr(rand((3, 3)))
    names = eqn_names(lambda a: jnp.tril(a), x)
    assert names.count("iota") == 2 and names[-1] == "select_n" and "ge" in names
    w = arr(np.ones((2, 2), np.float32), weak=True)
    check(jnp.triu, (w,), [[1, 1], [0, 1]], weak=True, dtype=np.float32)
    with pytest.raises(ValueError, match="Argument to jax.numpy.tril must be at least 2D"):
        jnp.tril(arr(rand((3,))))
    with pytest.raises(ValueError, match="Argument to jax.numpy.triu must be at least 2D"):
        jnp.triu(arr(rand((3,))))


@pytest.mark.parametrize("dtype", FEW, ids=FEW_IDS)
@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1),
                                                ((4, 3), -2, 0, 1), ((2, 3, 4), 1, 2, 0),
                                                ((2, 3, 4), -1, -1, 1), ((3, 3), 5, 0, 1),
                                                ((0, 2), 0, 0, 1)])
def test_diagonal(dtype, shape, offset, a1, a2):
    x = rand(shape, dtype)
    check(lambda a: jnp.diagonal(a, offset, a1, a2), (arr(x),), np.diagonal(x, offset, a1, a2))


@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 2), ((3,), -1), ((0,), 1), ((3, 4), 1),
                                     ((4, 3), -1)])
def test_diag(shape, k):
    x = rand(shape, np.int32)
    check(lambda a: jnp.diag(a, k), (arr(x),), np.diag(x, k))
    with pytest.raises(ValueError, match="diag input must be 1d or 2d"):
        jnp.diag(arr(rand((2, 2, 2))))


@pytest.mark.parametrize("shape,k", [((3,), 0), ((2, 2), 1), ((3,), -2), ((), 0), ((0,), 1)])
def test_diagflat(shape, k):
    x = rand(shape, np.float16)
    check(lambda a: jnp.diagflat(a, k), (arr(x),), np.diagflat(x, k))


@pytest.mark.parametrize("dtype,expected", [(np.int8, np.int32), (np.uint8, np.uint32),
                                            (np.bool_, np.int32), (np.float16, np.float16),
                                            (np.complex64, np.complex64),
                                            (np.int32, np.int32)])
@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1),
                                                ((2, 3, 4), -1, 2, 1), ((2, 3), 7, 0, 1)])
def test_trace(dtype, expected, shape, offset, a1, a2):
    x = rand(shape, dtype)
    ref = np.trace(x.astype(expected), offset, a1, a2).astype(expected)
    out = check(lambda a: jnp.trace(a, offset, a1, a2), (arr(x),), ref, weak=False)
    assert out[0].dtype == expected


def test_trace_options():
    x = rand((3, 3), np.int32)
    check(lambda a: jnp.trace(a, dtype=np.float32), (arr(x),),
          np.trace(x).astype(np.float32))
    check(lambda a, k: jnp.trace(a, k), (arr(x), 1), np.trace(x, 1), dtype=np.int32)
    with pytest.raises(ValueError, match="axis1 and axis2 can not be same. axis1=0 and axis2=-2"):
        jnp.trace(arr(x), axis1=0, axis2=-2)
    with pytest.raises(NotImplementedError, match="The 'out' argument to jnp.trace"):
        jnp.trace(arr(x), out=1)


def test_fromfunction():
    out = jnp.fromfunction(lambda i, j: i * 10 + j, (2, 3))
    assert_close(out, np.fromfunction(lambda i, j: i * 10 + j, (2, 3)).astype(np.float32))
    out = jnp.fromfunction(lambda i: i, (4,), dtype=int)
    assert_close(out, np.arange(4, dtype=np.int32))
    # vmapped, so the function sees scalars and may return arrays or tuples
    from pyjax._src.numpy import creation
    out = jnp.fromfunction(lambda i: (i + 1) * creation.arange(3), (2,))
    assert_close(out, np.array([[0, 1, 2], [0, 2, 4]], np.float32))
    s, p = jnp.fromfunction(lambda i, j: (i + j, i * j), (2, 3), dtype=np.int8)
    assert_close(s, np.add.outer(np.arange(2), np.arange(3)).astype(np.int8))
    assert_close(p, np.multiply.outer(np.arange(2), np.arange(3)).astype(np.int8))


# ---------------------------------------------------------------------------------------------
# insert, delete, trim_zeros


@pytest.mark.parametrize("obj,axis", [(2, None), (-1, None), (slice(1, 4), None),
                                      (slice(None, None, 2), 0), (np.array([0, 1, 3]), None),
                                      (np.array([5, 0, 0]), 0), (np.array([], np.int32), 0),
                                      (1, 1), (np.array([True, False, True]), 1)])
def test_delete(obj, axis):
    x = rand((6, 3) if axis is not None else (2, 3), np.int8)
    check(lambda a: jnp.delete(a, obj, axis), (arr(x),), np.delete(x, obj, axis))


def test_delete_unique_traced_and_errors():
    x = rand((6,), np.float32)
    idx = arr(np.array([4, 0, -1], np.int32))
    check(lambda a, i: jnp.delete(a, i, assume_unique_indices=True), (arr(x), idx),
          np.delete(x, [4, 0, -1]))
    assert_close(jnp.delete(arr(x), idx, assume_unique_indices=True), np.delete(x, [4, 0, -1]))
    with pytest.raises(core.errors.ConcretizationTypeError,
                       match="'obj' array argument of jnp.delete"):
        jit(lambda a, i: jnp.delete(a, i))(arr(x), idx)
    with pytest.raises(TypeError, match="delete requires ndarray or scalar arguments"):
        jnp.delete(arr(x), [1, 2])
    with pytest.raises(ValueError, match="for boolean indices, obj must be one-dimensional"):
        jnp.delete(arr(x), arr(np.array([True, False])))
    with pytest.raises(ValueError, match="got obj.dtype=float32; must be integer or bool"):
        jnp.delete(arr(x), arr(np.array([1.0], np.float32)))


@pytest.mark.parametrize("obj,values,axis", [
    (2, 99, None), (0, [1, 2], None), (5, 7, None), (-2, 3, None), (slice(None, None, 2), -1, None),
    (np.array([4, 2, 5]), np.array([10, 11, 12]), None), (np.array([1, 3]), 9, 1),
    (1, np.array([[10], [12]]), 1), (np.array([1]), np.array([[10, 11, 12]]), 0),
    (np.array([2, 2, 0]), np.array([7, 8, 9]), None), (np.array([], np.int32), 5, None)])
def test_insert(obj, values, axis):
    x = rand((2, 3), np.int32)
    if isinstance(values, list):
        ref = np.insert(x, obj, values, axis)
        values = np.array(values)
    else:
        ref = np.insert(x, obj, values, axis)
    check(lambda a: jnp.insert(a, obj, values, axis), (arr(x),), ref)
    if isinstance(obj, (int, np.ndarray)):  # traced indices take the scatter-based path
        check(lambda a, i: jnp.insert(a, i, values, axis), (arr(x), arr(np.asarray(obj, np.int32))),
              ref)


def test_insert_casts_and_weak():
    x = arr(np.arange(3, dtype=np.int8))
    out = jnp.insert(x, 1, 2.7)
    assert_close(out, np.array([0, 2, 1, 2], np.int8))
    w = arr(np.arange(3, dtype=np.float32), weak=True)
    assert jnp.insert(w, 1, 5).weak_type
    with pytest.raises(ValueError, match="index array must be integer typed"):
        jnp.insert(x, arr(np.array([1.0], np.float32)), 1)
    with pytest.raises(TypeError, match="insert requires ndarray or scalar arguments"):
        jnp.insert(x, 1, [1, 2])


@pytest.mark.parametrize("trim", ["fb", "f", "b", "B"])
@pytest.mark.parametrize("values", [[0, 0, 1, 2, 0], [1, 0, 1], [0, 0, 0], [3]])
def test_trim_zeros(trim, values):
    x = np.array(values, np.float32)
    assert_close(jnp.trim_zeros(arr(x), trim), np.trim_zeros(x, trim))


def test_trim_zeros_errors():
    with pytest.raises(core.errors.ConcretizationTypeError, match="`filt` argument of trim_zeros"):
        jit(jnp.trim_zeros)(arr(np.array([0, 1, 0])))
    with pytest.raises(TypeError, match="'filt' must be 1-D array, but received 2-D array."):
        jnp.trim_zeros(arr(np.zeros((2, 2))))
    w = arr(np.array([0, 1.0, 0], np.float32), weak=True)
    assert jnp.trim_zeros(w).weak_type


# ---------------------------------------------------------------------------------------------
# astype, copy and predicates


@pytest.mark.parametrize("src", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("dst", [np.bool_, np.int8, np.uint32, np.float16, ml_dtypes.bfloat16,
                                 np.float32, np.complex64],
                         ids=["bool", "int8", "uint32", "float16", "bfloat16", "float32",
                              "complex64"])
def test_astype(src, dst):
    x = rand((5,), src)
    if np.dtype(src).kind in "fcV" and np.dtype(dst).kind in "iu":
        x = np.abs(x).astype(src)  # avoid NumPy's undefined negative-float-to-unsigned casts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if np.dtype(src).kind == "c" and np.dtype(dst).kind != "c" and dst != np.bool_:
            ref = x.real.astype(dst)
        else:
            ref = x.astype(dst)
        check(lambda a: jnp.astype(a, dst), (arr(x, weak=True),), ref, weak=False)


def test_astype_complex_warns_and_defaults():
    x = arr(np.array([1 + 2j], np.complex64))
    with pytest.warns(DeprecationWarning, match="Casting from complex to real dtypes"):
        jnp.astype(x, np.float32)
    assert_close(jnp.astype(arr(np.array([0j, 1j], np.complex64)), bool), [False, True])
    assert jnp.astype(arr(np.array([1], np.int8)), None).dtype == np.float32
    with pytest.warns(UserWarning, match="Explicitly requested dtype float64 requested in astype"):
        jnp.astype(arr(np.array([1], np.int8)), np.float64)
    s = arr(np.ones(2, np.float32))
    assert jnp.astype(s, np.float32) is s


def test_copy():
    x = arr(rand((2, 3)))
    out = jnp.copy(x)
    assert_close(out, np.asarray(x))
    assert_close(jnp.copy(3.0), np.float32(3.0))
    with pytest.raises(TypeError, match="copy requires ndarray or scalar arguments"):
        jnp.copy([1, 2])


def test_ndim_shape_size():
    x = arr(rand((2, 3, 4)))
    assert (jnp.ndim(x), jnp.shape(x), jnp.size(x)) == (3, (2, 3, 4), 24)
    assert jnp.size(x, 1) == 3 and jnp.size(x, (0, -1)) == 8
    assert (jnp.ndim(3.0), jnp.shape(3.0), jnp.size(3.0)) == (0, (), 1)
    with pytest.warns(DeprecationWarning, match="shape requires ndarray or scalar arguments"):
        assert jnp.shape([1, 2]) == (2,)
    with pytest.raises(ValueError, match="repeated axis"):
        jnp.size(x, (1, 1))
    assert jit(lambda a: jnp.ndim(a) + jnp.size(a))(x) == 27


def test_complex_predicates():
    assert jnp.iscomplexobj(1j) and not jnp.iscomplexobj(1.0) and not jnp.iscomplexobj(None)
    assert jnp.iscomplexobj(arr(np.zeros(2, np.complex64)))
    assert jnp.isrealobj(arr(np.zeros(2, np.float16))) and not jnp.isrealobj(1j)
    z = np.array([1, 1j, 0, 2 + 0j], np.complex64)
    check(jnp.iscomplex, (arr(z),), np.iscomplex(z), weak=False)
    check(jnp.isreal, (arr(z),), np.isreal(z), weak=False)
    check(jnp.isreal, (arr(rand((3,), np.int8)),), np.ones(3, bool))
    assert not jnp.iscomplex(1.5).weak_type


def test_isscalar():
    assert jnp.isscalar(1.0) and jnp.isscalar(np.int32(1)) and jnp.isscalar(arr(1.0))
    assert jnp.isscalar(np.array(1.0))
    assert not jnp.isscalar(arr(np.ones(1))) and not jnp.isscalar([1]) and not jnp.isscalar(None)
    assert jit(lambda a: jnp.isscalar(a) + 0)(1.0)


# ---------------------------------------------------------------------------------------------
# Weak types through shape operations, and the namespace


@pytest.mark.parametrize("fn", [
    lambda a: jnp.reshape(a, (3, 2)), lambda a: jnp.ravel(a), jnp.transpose,
    lambda a: jnp.expand_dims(a, 0), lambda a: jnp.squeeze(jnp.expand_dims(a, 0)),
    lambda a: jnp.flip(a), lambda a: jnp.roll(a, 1), lambda a: jnp.rot90(a),
    lambda a: jnp.tile(a, 2), lambda a: jnp.repeat(a, 2, axis=0), lambda a: jnp.stack([a, a]),
    lambda a: jnp.concatenate([a, a]), lambda a: jnp.split(a, 2)[0], lambda a: jnp.diff(a),
    lambda a: jnp.pad(a, 1, mode="reflect"), lambda a: jnp.pad(a, 1, mode="edge"),
    lambda a: jnp.tril(a), lambda a: jnp.diagonal(a), lambda a: jnp.atleast_3d(a),
    lambda a: jnp.moveaxis(a, 0, 1), lambda a: jnp.resize(a, (7,)),
    lambda a: jnp.delete(a, 1, 0), lambda a: jnp.pad(a, 1, mode="wrap")])
def test_shape_ops_keep_weak_type(fn):
    w = arr(np.arange(6, dtype=np.float32).reshape(2, 3), weak=True)
    for out in leaves(fn(w)):
        assert out.weak_type
    for out in leaves(jit(fn)(w)):
        assert out.weak_type


def test_namespace_exports():
    import pyjax.numpy as np_namespace
    for name in ["reshape", "ravel", "transpose", "tile", "repeat", "pad", "tril", "diag",
                 "trace", "insert", "delete", "row_stack", "unstack", "block", "astype",
                 "fromfunction", "broadcast_shapes", "trim_zeros", "ndim", "isscalar"]:
        assert hasattr(np_namespace, name), name

"""Structural lax primitives against NumPy: eagerly, under jit, and against their abstract
evaluation (shape, dtype, weak type), plus JAX's error texts and jaxpr printing."""
import functools

import numpy as np
import pytest

from pyjax._src import core
from pyjax._src.api import make_jaxpr
from pyjax._src.primitives import dynamic_slicing as DS
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import structural as S
from helpers import DTYPE_IDS, DTYPES, arr, assert_close, check, raises_both
from helpers import rand as _rand

rand = functools.partial(_rand, low=0, high=100)  # non-negative integers


# ---------------------------------------------------------------------------------------------
# broadcast_in_dim and friends

BROADCAST_CASES = [((), (3,), ()), ((), (), ()), ((3,), (2, 3), (1,)), ((1, 3), (4, 2, 3), (1, 2)),
                   ((0,), (2, 0), (1,)), ((2, 1), (2, 5), (0, 1)), ((2,), (2, 4), (0,))]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("in_shape,shape,dims", BROADCAST_CASES)
def test_broadcast_in_dim(dtype, in_shape, shape, dims):
    x = rand(in_shape, dtype)
    expanded = [1] * len(shape)
    for i, d in enumerate(dims):
        expanded[d] = in_shape[i]
    expected = np.broadcast_to(x.reshape(expanded), shape)
    check(lambda a: S.broadcast_in_dim(a, shape, dims), [arr(x)], expected, weak=False)


def test_broadcast_in_dim_keeps_weak_type():
    check(lambda a: S.broadcast_in_dim(a, (2, 3), (1,)), [arr(np.float32([1, 2, 3]), True)],
          np.broadcast_to(np.float32([1, 2, 3]), (2, 3)), weak=True)
    out = S.broadcast_in_dim(2.0, (2,), ())
    assert out.weak_type and out.dtype == np.float32


def test_broadcast_in_dim_errors():
    x = arr(np.ones(3, np.float32))
    raises_both(lambda a: S.broadcast_in_dim(a, (-1,), ()), [arr(np.float32(1))], TypeError,
                r"^broadcast_in_dim shape must have every element be nonnegative, got \(-1,\)\.$")
    raises_both(lambda a: S.broadcast_in_dim(a, (2, 4), (1,)), [x], TypeError,
                "broadcast_in_dim operand dimension sizes must either be 1")
    raises_both(lambda a: S.broadcast_in_dim(a, (3, 3), (1, 0)), [arr(np.ones((3, 3)))],
                TypeError, "must be strictly increasing")
    raises_both(lambda a: S.broadcast_in_dim(a, (3, 4), ()), [x], TypeError,
                r"must have length equal to operand ndim; got broadcast_dimensions \(\) for "
                "operand ndim 1")
    raises_both(lambda a: S.broadcast_in_dim(a, (), (0,)), [x], TypeError,
                "equal or higher rank")


def test_broadcast_in_dim_jaxpr_printing():
    text = str(make_jaxpr(lambda a: S.broadcast_in_dim(a, (2, 3), (1,)))(np.ones(3, np.float32)))
    assert "b:f32[2,3] = broadcast_in_dim[broadcast_dimensions=(1,)] a" in text
    text = str(make_jaxpr(lambda: S.full((3,), 1.0))())
    assert text == "{ lambda ; . let a:f32[3] = broadcast_in_dim 1.0:f32[] in (a,) }"


def test_broadcast_and_rank_helpers():
    x = rand((2, 3), np.float32)
    check(lambda a: S.broadcast(a, (4, 1)), [arr(x)], np.broadcast_to(x, (4, 1, 2, 3)))
    check(lambda a: S.broadcast_to_rank(a, 4), [arr(x)], x.reshape(1, 1, 2, 3))
    check(lambda a: S.expand_dims(a, (0, -1)), [arr(x)], x.reshape(1, 2, 3, 1))
    a = arr(x)
    assert S.broadcast(a, ()) is a and S.broadcast_to_rank(a, 2) is a
    with pytest.raises(ValueError, match="repeated axis in lax.expand_dims"):
        S.expand_dims(a, (0, 0))
    with pytest.raises(ValueError, match=r"repeated axis in lax.expand_dims: \[3, 3\]"):
        S.expand_dims(a, (3, -1))


# ---------------------------------------------------------------------------------------------
# reshape, transpose, squeeze, rev, collapse


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape,new,dims", [((6,), (2, 3), None), ((2, 3), (3, 2), (1, 0)),
                                            ((), (1, 1), None), ((0, 3), (3, 0), None),
                                            ((2, 3, 4), (4, 6), (2, 0, 1))])
def test_reshape(dtype, shape, new, dims):
    x = rand(shape, dtype)
    expected = (x if dims is None else np.transpose(x, dims)).reshape(new)
    check(lambda a: S.reshape(a, new, dims), [arr(x)], expected, weak=False)


def test_reshape_identity_errors_and_printing():
    a = arr(np.ones((2, 3), np.float32), True)
    assert S.reshape(a, (2, 3)) is a
    out = S.reshape(a, (3, 2))
    assert out.weak_type
    raises_both(lambda v: S.reshape(v, (4, 2)), [arr(np.ones(6))], TypeError,
                r"^reshape total size must be unchanged, got new_sizes \(4, 2\) \(of total size "
                r"8\) for shape \(6,\) \(of total size 6\)\.$")
    raises_both(lambda v: S.reshape(v, (6,), (0, 0)), [arr(np.ones((2, 3)))], TypeError,
                "reshape dimensions must be a permutation of operand dimensions")
    text = str(make_jaxpr(lambda v: S.reshape(v, (3, 2)))(np.ones((2, 3), np.float32)))
    assert "reshape[dimensions=None new_sizes=(3, 2) sharding=None] a" in text


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_transpose_rev_squeeze(dtype):
    x = rand((2, 1, 3), dtype)
    check(lambda a: S.transpose(a, (2, 0, 1)), [arr(x)], np.transpose(x, (2, 0, 1)))
    check(lambda a: S.rev(a, (0, 2)), [arr(x)], x[::-1, :, ::-1])
    check(lambda a: S.rev(a, ()), [arr(x)], x)
    check(lambda a: S.squeeze(a, (-2,)), [arr(x)], x.reshape(2, 3))
    s = rand((), dtype)
    check(lambda a: S.rev(a, ()), [arr(s)], s)
    check(lambda a: S.transpose(a, ()), [arr(s)], s)
    e = rand((0, 1), dtype)
    check(lambda a: S.squeeze(a, (1,)), [arr(e)], e.reshape(0))


def test_transpose_rev_squeeze_weak_and_errors():
    w = arr(np.ones((1, 2), np.float32), True)
    assert S.transpose(w, (1, 0)).weak_type and S.rev(w, (1,)).weak_type
    assert S.squeeze(w, (0,)).weak_type
    assert S.transpose(w, (0, 1)) is w and S.squeeze(w, ()) is w
    raises_both(lambda a: S.transpose(a, (0, 0)), [w], TypeError,
                r"transpose permutation isn't a permutation of operand dimensions, got "
                r"permutation \(0, 0\) for operand shape \(1, 2\)\.")
    raises_both(lambda a: S.squeeze(a, (1,)), [w], ValueError,
                r"cannot select an axis to squeeze out which has size not equal to one, got "
                r"shape=\(1, 2\) and dimensions=\(1,\)")
    raises_both(lambda a: S.rev(a, (2,)), [w], TypeError,
                r"rev dimensions must all be less than operand ndim, got dimensions \(2,\) "
                "for operand ndim 2.")
    raises_both(lambda a: S.rev(a, (1, 1)), [w], TypeError, "rev dimensions must be unique")
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        S.squeeze(w, (2,))


def test_collapse():
    x = rand((2, 3, 4), np.int32)
    check(lambda a: S.collapse(a, 0, 2), [arr(x)], x.reshape(6, 4))
    check(lambda a: S.collapse(a, 1), [arr(x)], x.reshape(2, 12))
    check(lambda a: S.collapse(a, -2, None), [arr(x)], x.reshape(2, 12))


# ---------------------------------------------------------------------------------------------
# slice, concatenate, split, pad


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_slice(dtype):
    x = rand((5, 4), dtype)
    check(lambda a: S.slice(a, (1, 0), (4, 4)), [arr(x)], x[1:4, 0:4])
    check(lambda a: S.slice(a, (0, 1), (5, 4), (2, 2)), [arr(x)], x[0:5:2, 1:4:2])
    check(lambda a: S.slice(a, (2, 2), (2, 4)), [arr(x)], x[2:2, 2:4])
    check(lambda a: S.slice_in_dim(a, 1, -1, axis=1), [arr(x)], x[:, 1:3])
    check(lambda a: S.slice_in_dim(a, None, None, 3), [arr(x)], x[::3])
    check(lambda a: S.index_in_dim(a, -1), [arr(x)], x[-1:])
    check(lambda a: S.index_in_dim(a, 2, 1, keepdims=False), [arr(x)], x[:, 2])
    s = rand((), dtype)
    check(lambda a: S.slice(a, (), ()), [arr(s)], s)


def test_slice_errors_weak_and_printing():
    w = arr(np.arange(5, dtype=np.float32), True)
    assert S.slice(w, (1,), (3,)).weak_type
    raises_both(lambda a: S.slice(a, (0,), (6,)), [w], TypeError,
                r"slice limit_indices must be less than or equal to operand shape, got "
                r"limit_indices \(6,\) for operand shape \(5,\)\.")
    raises_both(lambda a: S.slice(a, (3,), (2,)), [w], TypeError,
                "slice limit_indices must be greater than or equal to start_indices")
    raises_both(lambda a: S.slice(a, (-1,), (2,)), [w], TypeError,
                r"slice start_indices must have every element be nonnegative, got \(-1,\)\.")
    raises_both(lambda a: S.slice(a, (0, 0), (1, 1)), [w], TypeError,
                "slice start_indices must have length equal to the number of dimensions")
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 5"):
        S.index_in_dim(w, 5)
    text = str(make_jaxpr(lambda a: S.slice(a, (0,), (1,)))(np.ones(3, np.float32)))
    assert "slice[limit_indices=(1,) start_indices=(0,) strides=None] a" in text


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_concatenate(dtype):
    xs = [rand((2, 3), dtype, seed=i) for i in range(3)]
    check(lambda *a: J.concatenate(a, 0), [arr(x) for x in xs], np.concatenate(xs, 0))
    check(lambda *a: J.concatenate(a, 1), [arr(x) for x in xs], np.concatenate(xs, 1))
    e = rand((2, 0), dtype)
    check(lambda a, b: J.concatenate([a, b], 1), [arr(e), arr(xs[0])], xs[0])
    one = arr(xs[0])
    assert J.concatenate([one], 0) is one


def test_concatenate_weak_and_errors():
    w = arr(np.ones(2, np.float32), True)
    s = arr(np.ones(2, np.float32))
    assert J.concatenate([w, w], 0).weak_type
    assert not J.concatenate([w, s], 0).weak_type
    raises_both(lambda a, b: J.concatenate([a, b], 0), [s, arr(np.ones(2, np.int32))],
                TypeError, r"^lax.concatenate requires arguments to have the same dtypes, got "
                r"float32, int32\. \(Tip: jnp.concatenate is a similar function that does "
                r"automatic type promotion on inputs\)\.$")
    raises_both(lambda a, b: J.concatenate([a, b], 0), [s, arr(np.ones((2, 1), np.float32))],
                TypeError, "Cannot concatenate arrays with different numbers of dimensions")
    raises_both(lambda a, b: J.concatenate([a, b], 1),
                [arr(np.ones((2, 1), np.float32)), arr(np.ones((3, 1), np.float32))],
                TypeError, "Cannot concatenate arrays with shapes that differ in dimensions")
    raises_both(lambda a: J.concatenate([a, a], 1), [s], TypeError,
                r"concatenate dimension out of bounds: dimension 1 for shapes \(2,\), \(2,\)\.")
    with pytest.raises(ValueError, match="concatenate requires a non-empty sequences of arrays"):
        J.concatenate([], 0)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_split(dtype):
    x = rand((2, 6), dtype)
    check(lambda a: J.split(a, (1, 0, 5), axis=-1), [arr(x)],
          [x[:, :1], x[:, 1:1], x[:, 1:]])
    check(lambda a: J.split(a, (2,)), [arr(x)], [x])


def test_split_weak_and_errors():
    w = arr(np.ones(4, np.float32), True)
    assert all(o.weak_type for o in J.split(w, (1, 3)))
    raises_both(lambda a: J.split(a, (1, 2)), [w], ValueError,
                r"Sum of sizes 3 must be equal to dimension 0 of the operand shape \[4\]")
    raises_both(lambda a: J.split(a, (-1, 5)), [w], ValueError,
                r"Sizes passed to split must be nonnegative, got \[-1, 5\]")


def pad_reference(x, value, config):
    """Pads with a Python loop over output positions: independent of the impl's slicing."""
    out_shape = [lo + hi + (0 if d == 0 else (d - 1) * (i + 1) + 1)
                 for (lo, hi, i), d in zip(config, x.shape)]
    out = np.full(out_shape, value, x.dtype)
    for idx in np.ndindex(*out_shape):
        src = []
        for p, (lo, _, i), d in zip(idx, config, x.shape):
            q, r = divmod(p - lo, i + 1)
            if p - lo < 0 or r or q >= d:
                break
            src.append(q)
        else:
            out[idx] = x[tuple(src)]
    return out


PAD_CASES = [[(1, 2, 0)], [(0, 0, 1)], [(-1, -2, 0)], [(2, -3, 2)], [(-4, 1, 1)],
             [(1, 1, 0), (0, 2, 1)], [(-2, -2, 3), (1, -1, 0)], [(0, 0, 0), (3, 0, 2)]]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("config", PAD_CASES, ids=str)
def test_pad(dtype, config):
    x = rand((5,) if len(config) == 1 else (3, 4), dtype)
    v = rand((), dtype, seed=7)
    check(lambda a, b: J.pad(a, b, config), [arr(x), arr(v)], pad_reference(x, v, config))


def test_pad_empty_scalar_weak_and_errors():
    e = np.zeros((0,), np.float32)
    check(lambda a: J.pad(a, np.float32(2), [(1, 2, 3)]), [arr(e)], np.full(3, 2, np.float32))
    check(lambda a: J.pad(a, np.float32(2), []), [arr(np.float32(5))], np.float32(5))
    w = arr(np.ones(2, np.float32), True)
    assert J.pad(w, 0.0, [(1, 1, 0)]).weak_type
    assert not J.pad(w, np.float32(0), [(1, 1, 0)]).weak_type
    assert not J.pad(arr(np.ones(2, np.float32)), 0.0, [(1, 1, 0)]).weak_type
    raises_both(lambda a: J.pad(a, np.int32(0), [(1, 1, 0)]), [w], TypeError,
                "pad operand and padding_value must be same dtype: got float32 and int32.")
    raises_both(lambda a: J.pad(a, np.float32(0), [(1, 1, -1)]), [w], ValueError,
                "interior padding in padding_config must be nonnegative")
    raises_both(lambda a: J.pad(a, np.float32(0), [(-2, -1, 0)]), [w], ValueError,
                "Dimension size after padding is not at least 0")
    raises_both(lambda a: J.pad(a, np.float32(0), []), [w], ValueError,
                "length of padding_config must equal the number of axes of operand")
    raises_both(lambda a: J.pad(a, np.ones(1, np.float32), [(0, 0, 0)]), [w], ValueError,
                "padding_value must be a scalar")
    text = str(make_jaxpr(lambda a: J.pad(a, 0.0, [(1, 2, 0)]))(np.ones(2, np.float32)))
    assert "pad[padding_config=((1, 2, 0),)] a 0.0:f32[]" in text


# ---------------------------------------------------------------------------------------------
# iota


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d is not np.bool_],
                         ids=DTYPE_IDS[1:])
def test_iota(dtype):
    check(lambda: S.iota(dtype, 5), [], np.arange(5).astype(dtype), weak=False)
    expected = np.broadcast_to(np.arange(3).astype(dtype)[None, :, None], (2, 3, 4))
    check(lambda: S.broadcasted_iota(dtype, (2, 3, 4), 1), [], expected, weak=False)
    check(lambda: S.iota(dtype, 0), [], np.zeros(0, dtype))


def test_iota_errors_and_printing():
    with pytest.raises(TypeError, match="iota does not accept dtype bool. Accepted dtypes are "
                                        "subtypes of integer, floating, complexfloating."):
        S.iota(np.bool_, 3)
    with pytest.raises(ValueError, match=r"iota dimension must be between 0 and len\(shape\), "
                                         r"got dimension=1 for shape=\(3,\)"):
        S.broadcasted_iota(np.int32, (3,), 1)
    with pytest.raises(TypeError, match="iota shape must have every element be nonnegative"):
        S.iota(np.int32, -1)
    text = str(make_jaxpr(lambda: S.iota(np.int32, 3))())
    assert "iota[dimension=0 dtype=int32 shape=(3,) sharding=None]" in text


# ---------------------------------------------------------------------------------------------
# dynamic_slice, dynamic_update_slice


def clamp_starts(starts, shape, sizes):
    return [min(max(s + d if s < 0 else s, 0), d - n) for s, d, n in zip(starts, shape, sizes)]


DS_CASES = [((5,), (4,), (3,)), ((5,), (-1,), (2,)), ((5,), (-9,), (2,)), ((5,), (100,), (5,)),
            ((4, 6), (1, 4), (2, 3)), ((4, 6), (-2, 2), (4, 0)), ((0, 3), (0, 1), (0, 2))]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape,starts,sizes", DS_CASES)
def test_dynamic_slice(dtype, shape, starts, sizes):
    x = rand(shape, dtype)
    s = clamp_starts(starts, shape, sizes)
    expected = x[tuple(slice(a, a + n) for a, n in zip(s, sizes))]
    # Static Python ints, and traced int32 indices (the negative ones wrap in the jaxpr).
    check(lambda a: DS.dynamic_slice(a, starts, sizes), [arr(x)], expected)
    idx = [arr(np.int32(v)) for v in starts]
    check(lambda a, *i: DS.dynamic_slice(a, i, sizes), [arr(x), *idx], expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape,starts,sizes", DS_CASES)
def test_dynamic_update_slice(dtype, shape, starts, sizes):
    x = rand(shape, dtype)
    u = rand(sizes, dtype, seed=3)
    s = clamp_starts(starts, shape, sizes)
    expected = x.copy()
    expected[tuple(slice(a, a + n) for a, n in zip(s, sizes))] = u
    before = x.copy()
    xa = arr(x)
    check(lambda a, b: DS.dynamic_update_slice(a, b, starts), [xa, arr(u)], expected)
    idx = [arr(np.int32(v)) for v in starts]
    check(lambda a, b, *i: DS.dynamic_update_slice(a, b, i), [xa, arr(u), *idx], expected)
    assert_close(xa, before)  # the operand's buffer was not written to


def test_dynamic_slice_in_dim_helpers():
    x = rand((3, 5), np.float32)
    check(lambda a: DS.dynamic_slice_in_dim(a, 4, 3, axis=1), [arr(x)], x[:, 2:5])
    check(lambda a, i: DS.dynamic_slice_in_dim(a, i, 2), [arr(x), arr(np.int8(-1))], x[1:3])
    check(lambda a: DS.dynamic_index_in_dim(a, -1, 1, keepdims=False), [arr(x)], x[:, 4])
    check(lambda a, i: DS.dynamic_index_in_dim(a, i), [arr(x), arr(np.uint8(7))], x[2:3])
    u = rand((3, 2), np.float32, seed=1)
    expected = x.copy()
    expected[:, 3:5] = u
    check(lambda a, b: DS.dynamic_update_slice_in_dim(a, b, 9, 1), [arr(x), arr(u)], expected)
    v = rand((5,), np.float32, seed=2)
    expected = x.copy()
    expected[1] = v
    check(lambda a, b: DS.dynamic_update_index_in_dim(a, b, 1, 0), [arr(x), arr(v)], expected)
    check(lambda a, b: DS.dynamic_update_index_in_dim(a, b, -2, 0), [arr(x), arr(v[None])],
          expected)
    with pytest.raises(ValueError, match="Index -1 is out of bounds for dimension 5 if "
                                         "allow_negative_indices=False"):
        DS.dynamic_slice_in_dim(arr(x), -1, 2, axis=1, allow_negative_indices=False)


def test_dynamic_slice_weak_types_errors_and_printing():
    w = arr(np.ones(4, np.float32), True)
    # dynamic_slice: only the operand's weak type counts.
    assert DS.dynamic_slice(w, (1,), (2,)).weak_type
    assert DS.dynamic_slice(w, (arr(np.int32(1), True),), (2,)).weak_type
    # dynamic_update_slice: JAX's standard rule over all operands; constant indices are
    # converted to strong int32, so the result is strong.
    u = S.slice(w, (0,), (2,))
    assert u.weak_type and not DS.dynamic_update_slice(w, u, (1,)).weak_type
    # A weak traced index is wrapped by select_n(i < 0, i + d, i), which is strong; passed
    # through unchanged (allow_negative_indices=False) it keeps the result weak.
    i = arr(np.int32(1), True)
    assert not DS.dynamic_update_slice(w, u, (i,)).weak_type
    assert DS.dynamic_update_slice(w, u, (i,), allow_negative_indices=False).weak_type
    raises_both(lambda a: DS.dynamic_slice(a, (0,), (5,)), [w], TypeError,
                r"slice slice_sizes must be less than or equal to operand shape, got "
                r"slice_sizes \(5,\) for operand shape \(4,\)\.")
    raises_both(lambda a, i, j: DS.dynamic_slice(a, (i, j), (1, 1)),
                [arr(np.ones((2, 2))), arr(np.int32(0)), arr(np.uint8(0))], TypeError,
                "index arguments to dynamic_slice must be integers of the same type, got: "
                "int32, uint8")
    raises_both(lambda a, b: DS.dynamic_update_slice(a, b, (0,)),
                [w, arr(np.ones(5, np.float32))], TypeError,
                "dynamic_update_slice update shape must be smaller than operand shape")
    raises_both(lambda a, b: DS.dynamic_update_slice(a, b, (0,)),
                [w, arr(np.ones(2, np.int32))], TypeError,
                "^lax.dynamic_update_slice requires arguments to have the same dtypes, got "
                "float32, int32.$")
    with pytest.raises(ValueError, match=r"Length of slice indices must match number of "
                                         r"operand dimensions \(2 vs \(4,\)\)"):
        DS.dynamic_slice(w, (0, 0), (1,))
    text = str(make_jaxpr(lambda a, i: DS.dynamic_slice(a, (i,), (2,)))(
        np.ones(4, np.float32), np.int32(1)))
    assert "lt b 0:i32[]" in text and "add b 4:i32[]" in text
    assert "dynamic_slice[slice_sizes=(2,)] a" in text


# ---------------------------------------------------------------------------------------------
# full, full_like, zeros_like_array


def test_full_and_like():
    check(lambda: S.full((2, 3), 1.5), [], np.full((2, 3), 1.5, np.float32), weak=True)
    check(lambda: S.full((2,), 3), [], np.full(2, 3, np.int32), weak=True)
    check(lambda: S.full((2,), True), [], np.ones(2, bool), weak=False)
    check(lambda: S.full((2,), 1.7, np.int8), [], np.ones(2, np.int8), weak=False)
    check(lambda: S.full((), np.float16(2)), [], np.float16(2), weak=False)
    check(lambda v: S.full((3,), v), [arr(np.float32(4), True)], np.full(3, 4, np.float32),
          weak=True)
    check(lambda v: S.full((3,), v, np.int32), [arr(np.float32(4.5))],
          np.full(3, 4, np.int32), weak=False)
    x = arr(np.ones((2, 2), np.uint8))
    check(lambda a: S.full_like(a, 7), [x], np.full((2, 2), 7, np.uint8), weak=False)
    check(lambda a: S.full_like(a, 7, np.float32, (3,)), [x], np.full(3, 7, np.float32))
    check(lambda a: S.zeros_like_array(a), [arr(np.ones(2, np.float32), True)],
          np.zeros(2, np.float32), weak=True)
    check(lambda: S.zeros_like_array(2.0), [], np.float32(0), weak=True)
    with pytest.raises(TypeError, match=r"full must be called with scalar fill_value, got "
                                        r"fill_value.shape \(2,\)."):
        S.full((2,), np.ones(2))
    with pytest.raises(TypeError, match=r"broadcast_in_dim shape must have every element be "
                                        r"nonnegative, got \(-1,\)\."):
        S.full(-1, 1.0)


def test_python_scalars_and_numpy_inputs():
    out = S.reshape(3, (1,))
    assert out.dtype == np.int32 and out.weak_type
    out = S.reshape(np.float64(3), (1, 1))
    assert out.dtype == np.float32 and not out.weak_type
    assert core.get_aval(S.rev(np.arange(3), (0,))).dtype == np.int32

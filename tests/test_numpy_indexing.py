"""jax.numpy indexing against NumPy: x[idx], x.at[idx], take, where, nonzero and index tricks.

In-bounds reads and unique-index writes must equal NumPy's; JAX's own rules (clamped reads,
dropped writes, fill values, accumulation of repeated indices, dtype and weak-type rules,
error texts) are tested on their own, eagerly and under jit.
"""
import warnings

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pyjax._src.numpy as jnp
from pyjax import errors
from pyjax._src import dtypes
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import indexing

bf16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, bf16, np.float32,
          np.complex64]
HYP = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


def A(x, dtype=None, weak=False):
    value = np.asarray(x, dtype)
    return ArrayImpl(value.astype(dtypes.canonicalize_dtype(value.dtype)), weak)


def values(shape, dtype):
    """Distinct-ish values of ``dtype`` (exact in every dtype tested)."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    base = np.arange(n) % 100
    if dtype == np.bool_:
        return (base % 3 == 1).reshape(shape)
    if dtype.kind == "c":
        return (base + 1j * (base % 7)).astype(dtype).reshape(shape)
    return base.astype(dtype).reshape(shape)


def check(got, expected, dtype=None, weak=False):
    expected = np.asarray(expected)
    expected = expected.astype(dtypes.canonicalize_dtype(expected.dtype))  # NumPy's int64 ...
    assert isinstance(got, ArrayImpl), type(got)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == (expected.dtype if dtype is None else np.dtype(dtype))
    assert got.weak_type == weak
    got = np.asarray(got)
    if got.dtype == bf16:  # NumPy does not see bfloat16 NaNs as equal
        got, expected = got.astype(np.float32), expected.astype(np.float32)
    np.testing.assert_array_equal(got, expected)


def eager_and_jit(fun, *args):
    """fun(*args) eagerly (NumPy arguments as Arrays) and under jit (the args traced)."""
    eager_args = [A(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in args]
    return fun(*eager_args), jit(fun)(*args)


def prim_names(fun, *args):
    return [e.primitive.name for e in make_jaxpr(fun)(*args).jaxpr.eqns]


# ----------------------------------------------------------------------------------------------
# Reads that NumPy defines: tables and random index expressions


X3 = np.arange(24).reshape(2, 3, 4)
BASIC_CASES = [
    ((5,), 0), ((5,), -1), ((5,), 4), ((5,), slice(1, 3)), ((5,), slice(None, None, -1)),
    ((5,), slice(7, None)), ((5,), slice(3, 100)), ((5,), slice(-100, 2)),
    ((5,), slice(4, 0, -2)), ((5,), slice(None, None, 3)), ((5,), slice(2, 2)),
    ((5,), None), ((5,), (Ellipsis, None)), ((5,), Ellipsis), ((5,), ()), ((), ()),
    ((), None), ((), Ellipsis), ((3, 4), (slice(None), 0)), ((3, 4), (1, slice(None, None, -1))),
    ((3, 4), (-1, -2)), ((3, 4), (None, 1, None)), ((2, 3, 4), (Ellipsis, 1)),
    ((2, 3, 4), (0, Ellipsis, None, slice(1, 3))), ((2, 3, 4), (slice(None, None, -1), 2)),
    ((0, 3), (slice(None), 1)), ((0, 3), slice(1, 5)), ((2, 3, 4), (1, 2, 3)),
    ((5,), np.int32(2)), ((5,), np.uint8(3)), ((3, 4), (np.int64(-1), slice(None, None, 2))),
]
ADVANCED_CASES = [
    ((5,), np.array([0, 3, -1])), ((5,), np.array([[0, 1], [4, -5]])),
    ((5,), np.array([], np.int32)), ((3, 4), (np.array([0, 2]), np.array([1, 3]))),
    ((3, 4), (slice(None), np.array([3, 0, 0]))),
    ((3, 4), (np.array([[0], [2]]), np.array([1, 3]))),
    ((2, 3, 4), (np.array([0, 1]), slice(None), np.array([1, 2]))),  # split: advanced go first
    ((2, 3, 4), (slice(None), np.array([0, 2]), np.array([1, 3]))),  # adjacent: stay in place
    ((2, 3, 4), (0, slice(None), np.array([1, 2]))),  # int + array, separated: go first
    ((2, 3, 4), (slice(None), 1, np.array([1, 2]))),
    ((2, 3, 4), (None, np.array([1]), None, slice(None, None, -1), np.array([0, 3]))),
    ((2, 3, 4), (Ellipsis, np.array([3, 2, 1]))), ((2, 3, 4), (np.array(1), Ellipsis)),
    ((2, 3, 4), (slice(None, None, 2), np.array([[0, 1]]), slice(3, 0, -2))),
    ((5,), np.array([True, False, True, True, False])),
    ((3, 4), np.arange(12).reshape(3, 4) % 3 == 0), ((3, 4), (slice(None), np.arange(4) > 1)),
    ((2, 3, 4), (np.array([True, False]), slice(None), np.array([0, 2]))),
    ((5,), True), ((5,), False), ((3, 4), (1, True)), ((3, 4), (None, Ellipsis, False)),
    ((3, 4), (np.array([0, 2]), [1, 3])), ((3, 4), ([True, False, True],)),
    ((0, 3), (np.array([], np.int32), slice(None))),
]


@pytest.mark.parametrize("shape,idx", BASIC_CASES + ADVANCED_CASES)
@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.bool_])
def test_getitem_table(shape, idx, dtype):
    x = values(shape, dtype)
    expected = x[idx]
    check(A(x)[idx], expected)
    check(indexing._rewriting_take(A(x), idx), expected)  # the general path, no fast path
    check(jit(lambda a: a[idx])(x), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_getitem_dtypes(dtype):
    x = values((3, 4), dtype)
    for idx in [1, (slice(None), 2), np.array([2, 0]), (np.array([0, 1]), np.array([3, 3])),
                x.real.astype(np.float32) > 1, slice(None, None, -1)]:
        check(A(x)[idx], x[idx])
        check(jit(lambda a: a[idx])(x), x[idx])


@pytest.mark.parametrize("weak", [False, True])
def test_getitem_keeps_weak_type(weak):
    x = A(np.arange(6.0, dtype=np.float32).reshape(2, 3), weak=weak)
    for idx in [0, (1, 2), slice(1), None, np.array([1, 0]), np.array([True, False]), True]:
        out = x[idx]
        assert out.weak_type == weak
        assert jit(lambda a: a[idx])(x).weak_type == weak
        assert make_jaxpr(lambda a: a[idx])(x).out_avals[0].weak_type == weak


@st.composite
def index_cases(draw, allow_masks=True):
    """(shape, idx) with every integer in bounds, in any mix NumPy allows."""
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))

    def entries(axes):
        out, k = [], 0
        while k < len(axes):
            size = shape[axes[k]]
            kinds = ["slice"] + (["int", "array"] if size else [])
            if allow_masks:
                kinds.append("mask")
            kind = draw(st.sampled_from(kinds))
            if kind == "int":
                out.append(draw(st.integers(-size, size - 1)))
            elif kind == "array":
                ishape = draw(st.sampled_from([(), (2,), (3,), (1, 2), (2, 1)]))
                dt = draw(st.sampled_from([np.int32, np.int8, np.uint8, np.int64]))
                lo = 0 if np.dtype(dt).kind == "u" else -size
                out.append(np.array(draw(st.lists(st.integers(lo, size - 1),
                                                  min_size=int(np.prod(ishape)),
                                                  max_size=int(np.prod(ishape)))),
                                    dt).reshape(ishape))
            elif kind == "mask":
                span = draw(st.integers(1, len(axes) - k))
                mshape = tuple(shape[a] for a in axes[k:k + span])
                bits = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)),
                                     max_size=int(np.prod(mshape))))
                out.append(np.array(bits, bool).reshape(mshape))
                k += span
                continue
            else:
                bound = st.one_of(st.none(), st.integers(-size - 2, size + 2))
                out.append(slice(draw(bound), draw(bound),
                                 draw(st.sampled_from([None, 1, 2, 3, -1, -2]))))
            k += 1
        return out

    front = draw(st.integers(0, ndim))
    use_ellipsis = draw(st.booleans())
    back = draw(st.integers(0, ndim - front)) if use_ellipsis else 0
    idx = entries(list(range(front)))
    if use_ellipsis:
        idx += [Ellipsis] + entries(list(range(ndim - back, ndim)))
    for _ in range(draw(st.integers(0, 2))):
        idx.insert(draw(st.integers(0, len(idx))), None)
    if len(idx) == 1 and draw(st.booleans()):
        return shape, idx[0]
    return shape, tuple(idx)


def _numpy_or_skip(x, idx):
    try:
        return x[idx]
    except (IndexError, ValueError):  # e.g. index arrays that do not broadcast
        assume(False)


@HYP
@given(index_cases(), st.sampled_from([np.float32, np.int8, np.bool_, np.complex64]))
def test_getitem_random(case, dtype):
    shape, idx = case
    x = values(shape, dtype)
    expected = _numpy_or_skip(x, idx)
    check(A(x)[idx], expected)
    check(indexing._rewriting_take(A(x), idx), expected)
    check(jit(lambda a: a[idx])(x), expected)


@HYP
@given(index_cases(allow_masks=False))
def test_getitem_random_traced_indices(case):
    """Integer index arrays and scalars passed as traced arguments."""
    shape, idx = case
    x = values(shape, np.float32)
    expected = _numpy_or_skip(x, idx)
    entries = idx if isinstance(idx, tuple) else (idx,)
    dynamic = [i for i in entries if isinstance(i, (int, np.ndarray))]

    def f(a, *dyn):
        it = iter(dyn)
        new = tuple(next(it) if isinstance(i, (int, np.ndarray)) else i for i in entries)
        return a[new if isinstance(idx, tuple) else new[0]]

    check(jit(f)(x, *[np.asarray(d) for d in dynamic]), expected)


@st.composite
def update_cases(draw):
    shape, idx = draw(index_cases())
    x = values(shape, np.int32)
    sub_shape = np.shape(_numpy_or_skip(x, idx))
    y_shape = draw(st.sampled_from([sub_shape, sub_shape[1:], ()]))
    y = np.array(draw(st.lists(st.integers(-50, 50), min_size=int(np.prod(y_shape)),
                               max_size=int(np.prod(y_shape)))), np.int32).reshape(y_shape)
    return x, idx, y


@HYP
@given(update_cases())
def test_updates_random(case):
    x, idx, y = case
    hits = np.zeros(x.shape, np.int32)
    np.add.at(hits, idx, 1)
    if hits.max(initial=0) <= 1:  # with repeated targets NumPy's assignment order differs
        expected = x.copy()
        expected[idx] = y
        check(A(x).at[idx].set(y), expected)
        check(jit(lambda a, b: a.at[idx].set(b))(x, y), expected)
    for method, ufunc in [("add", np.add), ("multiply", np.multiply), ("min", np.minimum),
                          ("max", np.maximum), ("subtract", np.subtract)]:
        expected = x.copy()
        ufunc.at(expected, idx, y)
        check(getattr(A(x).at[idx], method)(y), expected)
    expected = x.copy()
    np.negative.at(expected, idx)
    check(A(x).at[idx].apply(lambda v: -v), expected)
    check(jit(lambda a: a.at[idx].apply(lambda v: -v))(x), expected)
    check(A(x).at[idx].get(), x[idx])


# ----------------------------------------------------------------------------------------------
# Reads where JAX differs from NumPy: out-of-bounds clamping and fill modes


def test_out_of_bounds_reads_clamp():
    x = np.arange(5.0, dtype=np.float32)
    for idx, want in [(10, 4.0), (-1, 4.0), (-10, 0.0), (5, 4.0), (-6, 0.0)]:
        check(A(x)[idx], np.float32(want))
        check(jit(lambda a: a[idx])(x), np.float32(want))
        check(jit(lambda a, i: a[i])(x, idx), np.float32(want))
        check(jit(lambda a, i: a[i])(x, np.int32(idx)), np.float32(want))
    idx = np.array([0, 7, -1, -7])
    check(A(x)[idx], np.float32([0, 4, 4, 0]))
    check(A(x)[A(idx)], np.float32([0, 4, 4, 0]))
    check(jit(lambda a, i: a[i])(x, idx), np.float32([0, 4, 4, 0]))
    y = np.arange(6).reshape(2, 3)
    check(A(y)[5, 1], np.int32(4))
    check(jit(lambda a, i, j: a[i, j])(y, 5, 1), np.int32(4))
    check(jit(lambda a, i: a[i, :])(y, -3), np.int32([0, 1, 2]))
    check(A(y)[np.array([5, -9]), 1:], np.int32([[4, 5], [1, 2]]))


def test_slices_clip_like_python():
    x = np.arange(5.0, dtype=np.float32)
    for s in [slice(7, None), slice(3, 100), slice(-100, 2), slice(100, -100, -1),
              slice(-100, 100, 3)]:
        check(A(x)[s], x[s])
        check(jit(lambda a: a[s])(x), x[s])


def test_new_axes():
    x = A(np.arange(5.0, dtype=np.float32))
    assert x[None].shape == (1, 5)
    assert x[..., None].shape == (5, 1)
    assert x[True].shape == (1, 5)
    assert x[False].shape == (0, 5)
    check(x[x > 2], np.float32([3, 4]))


@pytest.mark.parametrize("dtype,fill", [(np.float32, np.nan), (np.complex64, np.nan),
                                        (np.int32, -2147483648), (np.int8, -128),
                                        (np.uint8, 255), (np.uint32, 4294967295),
                                        (np.bool_, True), (bf16, np.nan)])
def test_get_fill_defaults(dtype, fill):
    x = values((5,), dtype)
    idx = np.array([1, -1, 5, -6])
    expected = np.array([x[1], x[4], fill, fill], dtype)
    for out in eager_and_jit(lambda a, i: a.at[i].get(mode="fill"), x, idx):
        check(out, expected)
    check(A(x).at[7].get(mode="fill"), np.array(fill, dtype))


def test_get_modes():
    x = A(np.arange(5.0, dtype=np.float32))
    assert float(x.at[10].get()) == 4.0
    assert float(x.at[10].get(mode="clip")) == 4.0
    assert float(x.at[-10].get(mode="clip")) == 0.0
    assert float(x.at[10].get(mode="promise_in_bounds")) == 4.0
    assert float(x.at[-1].get(mode="fill")) == 4.0
    assert np.isnan(float(x.at[-6].get(mode="fill")))
    assert np.isnan(float(x.at[9].get(mode="drop")))
    assert float(x.at[9].get(mode="fill", fill_value=-1)) == -1.0
    assert float(x.at[9].get(mode="fill", fill_value=A(np.float32(7)))) == 7.0
    assert float(x.at[-1].get(wrap_negative_indices=False)) == 0.0
    assert np.isnan(float(x.at[-1].get(wrap_negative_indices=False, mode="fill")))
    check(x.at[np.array([-1, 2])].get(wrap_negative_indices=False), np.float32([0, 2]))
    check(jit(lambda a, i: a.at[i].get(mode="fill", fill_value=-2.0))(x, np.array([0, 9])),
          np.float32([0, -2]))
    check(x.at[1:3].get(mode="fill"), np.float32([1, 2]))
    check(x.at[::-2].get(mode="fill"), np.float32([4, 2, 0]))
    with pytest.raises(ValueError, match='Unknown gather mode "bogus"'):
        x.at[1].get(mode="bogus")
    with pytest.raises(ValueError, match="must be a scalar"):
        x.at[9].get(mode="fill", fill_value=np.ones(2))
    with pytest.raises(errors.ConcretizationTypeError):
        jit(lambda a, f: a.at[9].get(mode="fill", fill_value=f))(x, 1.0)


def test_static_index_lowering():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    assert prim_names(lambda a: a[0], x) == ["slice", "squeeze"]
    assert prim_names(lambda a: a[1:3], x) == ["slice"]
    assert prim_names(lambda a: a[:, -1], x) == ["slice", "squeeze"]
    assert prim_names(lambda a: a[::-1], x) == ["rev"]
    assert prim_names(lambda a: a[None, ::2], x) == ["slice", "broadcast_in_dim"]
    assert prim_names(lambda a: a[:], x) == []
    assert prim_names(lambda a: a[10], x) == ["dynamic_slice", "squeeze"]  # clamps
    assert prim_names(lambda a, i: a[i], x[0], 1) == ["lt", "convert_element_type", "add", "select_n",
                                                       "dynamic_slice", "squeeze"]
    # Several start indices are converted to one (strong) int32 type first.
    assert prim_names(lambda a, i: a[i], x, 1) == ["convert_element_type", "lt", "add",
                                                    "select_n", "dynamic_slice", "squeeze"]
    assert "gather" in prim_names(lambda a, i: a[i], x, np.array([0, 1]))
    assert "gather" in prim_names(lambda a: a.at[0].get(mode="fill"), x)
    text = str(make_jaxpr(lambda a, i: a[i])(np.arange(3.0), 1))
    assert "dynamic_slice[slice_sizes=(1,)]" in text and "squeeze[dimensions=(0,)]" in text


def test_eager_matches_abstract_eval():
    x = A(np.arange(24.0, dtype=np.float32).reshape(2, 3, 4), weak=True)
    for idx in [0, (1, slice(None), 2), np.array([1, 0]), (None, Ellipsis, np.array([[1]])),
                np.arange(24).reshape(2, 3, 4) > 5, (slice(None), slice(None, None, -2))]:
        eager = x[idx]
        out_aval = make_jaxpr(lambda a: a[idx])(x).out_avals[0]
        assert (eager.shape, eager.dtype, eager.weak_type) == (
            out_aval.shape, out_aval.dtype, out_aval.weak_type)
    for method in ["set", "add", "multiply", "min", "max", "divide", "power"]:
        eager = getattr(x.at[0, 1], method)(2.0)
        out_aval = make_jaxpr(lambda a: getattr(a.at[0, 1], method)(2.0))(x).out_avals[0]
        assert (eager.shape, eager.dtype, eager.weak_type) == (
            out_aval.shape, out_aval.dtype, out_aval.weak_type)


# ----------------------------------------------------------------------------------------------
# Index errors


def _raises(exc, text, fun, *args):
    with pytest.raises(exc) as info:
        fun(*args)
    assert str(info.value).startswith(text), str(info.value)


def test_index_errors():
    x = A(np.arange(5.0, dtype=np.float32))
    list_msg = ("Using a non-tuple sequence for multidimensional indexing is not allowed; use "
                "`arr[array(seq)]` instead of `arr[seq]`. See "
                "https://github.com/jax-ml/jax/issues/4564 for more information.")
    _raises(TypeError, list_msg, lambda: x[[0, 1]])
    _raises(TypeError, list_msg, lambda: x.at[[0, 0]].set(1.0))
    _raises(TypeError, list_msg.replace("array(seq)", "tuple(seq)"), lambda: x[[0, slice(1)]])
    _raises(TypeError, "Indexer must have integer or boolean type, got indexer with type float64",
            lambda: x[1.5])
    _raises(TypeError, "Indexer must have integer or boolean type, got indexer with type float32",
            lambda: x[A(np.float32([1]))])
    _raises(TypeError, "Indexer must have integer or boolean type, got indexer with type float32",
            lambda: jit(lambda a, i: a[i])(x, 1.0))
    _raises(IndexError, "Too many indices: array is 1-dimensional, but 2 were indexed",
            lambda: x[0, 1])
    _raises(IndexError, "Too many indices: array is 0-dimensional, but 1 were indexed",
            lambda: A(np.float32(1))[0])
    _raises(IndexError, "an index can only have a single ellipsis ('...')", lambda: x[..., ...])
    _raises(TypeError, "JAX does not support string indexing; got idx='a'", lambda: x["a"])
    _raises(IndexError, "boolean index did not match shape of indexed array in index 0: got "
            "(2,), expected [5]", lambda: x[np.array([True, False])])
    _raises(IndexError, "index is out of bounds for axis 0 with size 0",
            lambda: A(np.zeros(0, np.float32))[0])
    _raises(IndexError, "Slice entries must be static integers. Got slice(",
            jit(lambda a, i: a[i:]), x, 1)


def test_traced_boolean_index_error():
    x = np.arange(5.0, dtype=np.float32)
    with pytest.raises(errors.NonConcreteBooleanIndexError) as info:
        jit(lambda v: v[v > 2])(x)
    assert str(info.value) == ("Array boolean indices must be concrete; got bool[5]\n\n"
                               "See https://docs.jax.dev/en/latest/errors.html"
                               "#jax.errors.NonConcreteBooleanIndexError")
    assert isinstance(info.value, IndexError)
    with pytest.raises(errors.NonConcreteBooleanIndexError, match=r"got bool\[\]"):
        jit(lambda v: v[v[0] > 2])(x)
    with pytest.raises(errors.NonConcreteBooleanIndexError):
        jit(lambda v: v.at[v > 2].set(0.0))(x)
    # A concrete mask closed over inside jit is fine.
    mask = x > 2
    check(jit(lambda v: v[mask])(x), x[mask])


# ----------------------------------------------------------------------------------------------
# .at[] updates: the spec's table, modes, dtypes, shapes, reprs


I = np.array
AT_TABLE = [
    (lambda x: x.at[I([0, 0])].set(I([1.0, 2.0], np.float32)), [2, 1, 2, 3, 4]),
    (lambda x: x.at[I([0, 0])].add(1.0), [2, 1, 2, 3, 4]),
    (lambda x: x.at[I([0, 0, 1])].multiply(3.0), [0, 3, 2, 3, 4]),
    (lambda x: x.at[1].divide(2.0), [0, 0.5, 2, 3, 4]),
    (lambda x: x.at[2].power(3.0), [0, 1, 8, 3, 4]),
    (lambda x: x.at[I([1, 1])].min(I([-1.0, 0.0], np.float32)), [0, -1, 2, 3, 4]),
    (lambda x: x.at[1].max(10.0), [0, 10, 2, 3, 4]),
    (lambda x: x.at[1:3].apply(jnp.negative), [0, -1, -2, 3, 4]),
    (lambda x: x.at[I([0, 0])].apply(lambda v: v + 1), [2, 1, 2, 3, 4]),
    (lambda x: x.at[1].subtract(1.0), [0, 0, 2, 3, 4]),
    (lambda x: x.at[1].mul(3.0), [0, 3, 2, 3, 4]),
    (lambda x: x.at[I([[0], [1]])].set(7.0), [7, 7, 2, 3, 4]),
    (lambda x: x.at[I([1, 10])].add(I([1.0, 1.0], np.float32)), [0, 2, 2, 3, 4]),
    (lambda x: x.at[I([3, 1])].add(I([10.0, 20.0], np.float32), indices_are_sorted=True),
     [0, 21, 2, 13, 4]),
    (lambda x: x.at[I([0, 0])].add(1.0, unique_indices=True), [2, 1, 2, 3, 4]),
    (lambda x: x.at[10].set(9.0), [0, 1, 2, 3, 4]),
    (lambda x: x.at[-6].set(9.0), [0, 1, 2, 3, 4]),
    (lambda x: x.at[-1].set(9.0), [0, 1, 2, 3, 9]),
    (lambda x: x.at[10].set(9.0, mode="clip"), [0, 1, 2, 3, 9]),
    (lambda x: x.at[-10].set(9.0, mode="clip"), [9, 1, 2, 3, 4]),
    (lambda x: x.at[10].set(9.0, mode="fill"), [0, 1, 2, 3, 4]),
    (lambda x: x.at[10].set(9.0, mode="drop"), [0, 1, 2, 3, 4]),
    (lambda x: x.at[10].set(9.0, mode="promise_in_bounds"), [0, 1, 2, 3, 4]),
    (lambda x: x.at[-1].set(9.0, wrap_negative_indices=False), [0, 1, 2, 3, 4]),
    (lambda x: x.at[I([0, 0] * 500)].set(I(np.arange(1000.0), np.float32)),
     [999, 1, 2, 3, 4]),
    (lambda x: x.at[::2].set(I([7.0, 8.0, 9.0], np.float32)), [7, 1, 8, 3, 9]),
    (lambda x: x.at[::-2].add(I([10.0, 20.0, 30.0], np.float32)), [30, 1, 22, 3, 14]),
    (lambda x: x.at[np.arange(5) > 2].set(0.0), [0, 1, 2, 0, 0]),
    (lambda x: x.at[True].set(5.0), [5, 5, 5, 5, 5]),
    (lambda x: x.at[False].set(5.0), [0, 1, 2, 3, 4]),
    (lambda x: x.at[None, 1].set(5.0), [0, 5, 2, 3, 4]),
    (lambda x: x.at[...].add(1.0), [1, 2, 3, 4, 5]),
    (lambda x: x.at[0:2].set([8.0, 9.0]), [8, 9, 2, 3, 4]),
]


@pytest.mark.parametrize("fun,expected", AT_TABLE)
def test_at_table(fun, expected):
    x = np.arange(5.0, dtype=np.float32)
    check(fun(A(x)), np.float32(expected))
    check(jit(fun)(x), np.float32(expected))


def test_at_mask_of_the_array():
    x = A(np.arange(5.0, dtype=np.float32))
    check(x.at[x > 2].set(0.0), np.float32([0, 1, 2, 0, 0]))
    check(x.at[x > 2].get(), np.float32([3, 4]))


def test_at_2d():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    expected = x.copy()
    expected[1, ::2] = [-1, -2]
    check(A(x).at[1, ::2].set(np.int32([-1, -2])), expected)
    expected = x.copy()
    np.add.at(expected, (np.array([0, 0, 2]), slice(None)), 100)
    check(A(x).at[np.array([0, 0, 2])].add(100), expected)
    check(jit(lambda a, i: a.at[i].add(100))(x, np.array([0, 0, 2])), expected)
    expected = x.copy()
    expected[:, np.array([3, 0])] = np.int32([[1], [2], [3]])
    check(A(x).at[:, np.array([3, 0])].set(np.int32([[1], [2], [3]])), expected)
    check(jit(lambda a, i, j: a.at[i, j].set(0))(x, 1, 2), np.where(
        (np.arange(3)[:, None] == 1) & (np.arange(4) == 2), 0, x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_at_dtypes(dtype):
    x = values((4, 3), dtype)
    y = values((3,), dtype)
    expected = x.copy()
    expected[2] = y
    check(A(x).at[2].set(y), expected)
    check(jit(lambda a, b: a.at[2].set(b))(x, y), expected)
    if np.dtype(dtype) != np.bool_:
        expected = x.copy()
        np.add.at(expected, np.array([1, 1]), y)
        check(A(x).at[np.array([1, 1])].add(y), expected)
    check(A(x).at[np.array([0, 3]), 1].get(), x[[0, 3], 1])


def test_at_dtype_rules():
    xi = A(np.arange(5, dtype=np.int32))
    check(xi.at[1].divide(2), np.float32([0, 0.5, 2, 3, 4]))
    message = ("scatter inputs have incompatible types: cannot safely cast value from "
               "dtype=float32 to dtype=int32 with jax_numpy_dtype_promotion=standard. In "
               "future JAX releases this will result in an error.")
    with pytest.warns(FutureWarning) as record:
        out = xi.at[1].set(2.7)
    assert str(record[0].message) == message
    assert record[0].filename == __file__
    check(out, np.int32([0, 2, 2, 3, 4]))
    with pytest.warns(FutureWarning):
        check(xi.at[1].add(2.7), np.int32([0, 3, 2, 3, 4]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(xi.at[1].set(7), np.int32([0, 7, 2, 3, 4]))
        check(xi.at[1].set(np.int8(7)), np.int32([0, 7, 2, 3, 4]))
        u = A(np.arange(5, dtype=np.uint8))
        check(u.at[1].set(300), np.uint8([0, 44, 2, 3, 4]))
        check(u.at[1].set(-1), np.uint8([0, 255, 2, 3, 4]))
        check(u.at[1].add(255), np.uint8([0, 0, 2, 3, 4]))
        check(A(np.zeros(3, np.float16)).at[0].set(1.5), np.float16([1.5, 0, 0]))
    with pytest.warns(FutureWarning, match="from dtype=float32 to dtype=int8"):
        A(np.zeros(3, np.int8)).at[0].set(A(np.float32(1)))


def test_at_weak_types():
    strong = A(np.arange(3.0, dtype=np.float32))
    weak = A(np.arange(3.0, dtype=np.float32), weak=True)
    assert not strong.at[0].set(1.0).weak_type
    assert weak.at[0].set(1.0).weak_type
    assert weak.at[0].set(np.float32(1.0)).weak_type  # the result keeps x's weak type
    assert not jit(lambda a: a.at[0].add(1.0))(strong).weak_type
    assert jit(lambda a: a.at[0].add(1.0))(weak).weak_type
    assert weak.at[0].apply(lambda v: v * 2).weak_type
    assert weak.at[0].get().weak_type


def test_at_shape_errors():
    x = A(np.arange(5.0, dtype=np.float32))
    _raises(ValueError, "Cannot broadcast to shape with fewer dimensions: arr_shape=(2,) "
            "shape=()", lambda: x.at[1].set(A(np.ones(2, np.float32))))
    _raises(ValueError, "Incompatible types for broadcasting: input type=float32[3] and "
            "requested type=float32[5]", lambda: x.at[:].set(A(np.ones(3, np.float32))))
    weak_x = A(np.arange(5.0, dtype=np.float32), weak=True)
    _raises(ValueError, "Incompatible types for broadcasting: input type=~float32[3] and "
            "requested type=float32[5]",
            lambda: weak_x.at[:].set(A(np.ones(3, np.float32), weak=True)))


def test_at_reprs():
    x = A(np.arange(3.0, dtype=np.float32))
    assert repr(x.at) == "_IndexUpdateHelper(Array([0., 1., 2.], dtype=float32))"
    assert repr(x.at[1]) == "_IndexUpdateRef(Array([0., 1., 2.], dtype=float32), 1)"
    assert repr(x.at[1:]) == ("_IndexUpdateRef(Array([0., 1., 2.], dtype=float32), "
                              "slice(1, None, None))")
    assert isinstance(jnp.at_helper(x), indexing._IndexUpdateHelper)


def test_at_jaxpr():
    jaxpr = make_jaxpr(lambda a: a.at[0].set(1.0))(np.arange(5.0, dtype=np.float32))
    eqn = jaxpr.jaxpr.eqns[-1]
    assert eqn.primitive.name == "scatter"
    assert str(eqn.params["mode"]) == "GatherScatterMode.FILL_OR_DROP"
    assert eqn.params["indices_are_sorted"] and eqn.params["unique_indices"]
    eqn = make_jaxpr(lambda a, i: a.at[i].add(1.0))(np.arange(5.0, dtype=np.float32),
                                                     np.array([1, 2])).jaxpr.eqns[-1]
    assert eqn.primitive.name == "scatter-add"
    assert not eqn.params["indices_are_sorted"] and not eqn.params["unique_indices"]


def test_at_empty_and_scalar_arrays():
    z = A(np.zeros((0, 3), np.float32))
    check(z.at[np.array([], np.int32)].set(1.0), np.zeros((0, 3), np.float32))
    check(z[np.array([], np.int32)], np.zeros((0, 3), np.float32))
    s = A(np.float32(2.0))
    check(s.at[()].set(5.0), np.float32(5.0))
    check(s.at[...].add(1.0), np.float32(3.0))
    check(s.at[None].get(), np.float32([2.0]))


# ----------------------------------------------------------------------------------------------
# take, take_along_axis


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((5,), None), ((5,), 0), ((3, 4), 1), ((3, 4), -2),
                                        ((2, 3, 4), None), ((2, 3, 4), 1)])
def test_take(dtype, shape, axis):
    x = values(shape, dtype)
    size = x.size if axis is None else shape[axis]
    for idx in [np.array([0, size - 1, -1]), np.array([[1], [0]]), np.int32(1)]:
        expected = np.take(x, idx, axis=axis)
        for out in eager_and_jit(lambda a, i: jnp.take(a, i, axis=axis), x, idx):
            check(out, expected)
        for mode in ["clip", "wrap"]:  # NumPy clips negative indices to 0 too
            check(jnp.take(x, idx, axis=axis, mode=mode), np.take(x, idx, axis=axis, mode=mode))


def test_take_out_of_bounds():
    x = A(np.arange(5.0, dtype=np.float32))
    idx = np.array([7, -7])
    check(jnp.take(x, idx), np.float32([np.nan, np.nan]))
    check(jnp.take(x, idx, mode="fill", fill_value=-1), np.float32([-1, -1]))
    check(jnp.take(x, idx, mode="clip"), np.float32([4, 0]))
    check(jnp.take(x, idx, mode="wrap"), np.float32([2, 3]))
    check(jnp.take(A(np.arange(5)), idx), np.int32([-2147483648] * 2))
    check(jnp.take(A(np.arange(5, dtype=np.uint8)), idx), np.uint8([255, 255]))
    check(jit(lambda a, i: jnp.take(a, i))(x, idx), np.float32([np.nan, np.nan]))
    check(jnp.take(A(np.zeros((0, 3), np.float32)), np.array([], np.int32), axis=0),
          np.zeros((0, 3), np.float32))
    check(jnp.take(x, np.zeros((2, 0), np.int32)), np.zeros((2, 0), np.float32))
    assert jnp.take(A(np.arange(3.0, dtype=np.float32), weak=True), 1).weak_type
    with pytest.raises(NotImplementedError, match="The 'raise' mode to jnp.take"):
        jnp.take(x, idx, mode="raise")
    with pytest.raises(ValueError, match="Invalid mode 'bad' for np.take"):
        jnp.take(x, idx, mode="bad")
    with pytest.raises(IndexError, match="Cannot do a non-empty jnp.take"):
        jnp.take(A(np.zeros((0,), np.float32)), np.array([0]))
    with pytest.raises(TypeError, match="take requires ndarray or scalar arguments"):
        jnp.take(x, [0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.bool_, np.complex64])
@pytest.mark.parametrize("shape,ishape,axis", [
    ((5,), (3,), 0), ((3, 4), (3, 2), 1), ((3, 4), (2, 4), 0), ((3, 4), (1, 4), 0),
    ((2, 3, 4), (2, 3, 5), -1), ((2, 3, 4), (1, 3, 2), 2), ((2, 1, 4), (2, 3, 4), 1),
    ((2, 3, 4), (2, 2, 1), 1), ((3, 4), (0, 4), 0)])
def test_take_along_axis(dtype, shape, ishape, axis):
    x = values(shape, dtype)
    rng = np.random.default_rng(0)
    idx = rng.integers(-shape[axis], shape[axis], ishape).astype(np.int32)
    bshape = np.broadcast_shapes(shape[:axis % len(shape)] + (1,) + shape[axis % len(shape) + 1:],
                                 ishape)
    target = tuple(s if i != axis % len(shape) else shape[i] for i, s in enumerate(bshape))
    expected = np.take_along_axis(np.broadcast_to(x, target), idx % shape[axis], axis)
    for out in eager_and_jit(lambda a, i: jnp.take_along_axis(a, i, axis), x, idx):
        check(out, expected)


def test_take_along_axis_modes_and_errors():
    x = A(np.float32([[1, 2, 3], [4, 5, 6]]))
    check(jnp.take_along_axis(x, np.array([[1, 0, 2]]), axis=0), np.float32([[4, 2, np.nan]]))
    check(jnp.take_along_axis(x, np.array([[1, 0, 2]]), axis=0, fill_value=0),
          np.float32([[4, 2, 0]]))
    check(jnp.take_along_axis(x, np.array([[1, 0, 2]]), axis=0, mode="clip"),
          np.float32([[4, 2, 6]]))
    check(jnp.take_along_axis(x, np.array([5, -1]), axis=None), np.float32([6, 6]))
    check(jnp.take_along_axis(A(np.zeros((2, 0), np.float32)), np.zeros((2, 3), np.int32), 1),
          np.zeros((2, 3), np.float32))
    with pytest.raises(TypeError, match="take_along_axis indices must be of integer type"):
        jnp.take_along_axis(x, np.array([[1.0]]), 0)
    with pytest.raises(ValueError, match="indices and arr must have the same number"):
        jnp.take_along_axis(x, np.array([1]), 0)
    with pytest.raises(ValueError, match="must be 1D if axis=None"):
        jnp.take_along_axis(x, np.array([[1]]), None)


# ----------------------------------------------------------------------------------------------
# where, nonzero, flatnonzero, argwhere, compress, extract


@pytest.mark.parametrize("cond_shape,x_shape,y_shape", [
    ((), (3,), ()), ((4,), (4,), (4,)), ((2, 1), (1, 3), (3,)), ((0,), (0,), ()),
    ((2, 3), (), ())])
def test_where_three_args(cond_shape, x_shape, y_shape):
    rng = np.random.default_rng(1)
    c = rng.integers(0, 2, cond_shape).astype(bool)
    x = rng.normal(size=x_shape).astype(np.float32)
    y = rng.integers(-5, 5, y_shape).astype(np.int32)
    expected = np.where(c, x, y).astype(np.float32)
    for out in eager_and_jit(jnp.where, c, x, y):
        check(out, expected)
    check(jnp.where(c.astype(np.int32) * 3, x, y), expected)  # nonzero means true


def test_where_promotion_and_errors():
    c = np.array([True, False])
    check(jnp.where(c, 1.0, 0), np.float32([1, 0]), weak=True)
    check(jnp.where(c, 1, 0), np.int32([1, 0]), weak=True)
    check(jnp.where(c, np.int8(1), 0), np.int8([1, 0]))
    check(jnp.where(c, A(np.uint8([1, 2])), A(np.int8([3, 4]))), np.int16([1, 4]))
    check(jnp.where(True, A(np.float16(2)), 1.0), np.float16(2))
    with pytest.raises(ValueError, match="Either both or neither"):
        jnp.where(c, 1.0)
    with pytest.raises(ValueError, match="size and fill_value arguments cannot be used"):
        jnp.where(c, 1.0, 2.0, size=2)
    with pytest.raises(TypeError, match="where requires ndarray or scalar arguments"):
        jnp.where([True], 1.0, 2.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (0,), (2, 0)])
def test_nonzero_family(dtype, shape):
    x = values(shape, dtype)
    for got, want in zip(jnp.nonzero(A(x)), np.nonzero(x)):
        check(got, want.astype(np.int32))
    for got, want in zip(jnp.where(A(x)), np.nonzero(x)):
        check(got, want.astype(np.int32))
    check(jnp.flatnonzero(A(x)), np.flatnonzero(x).astype(np.int32))
    check(jnp.argwhere(A(x)), np.argwhere(x).astype(np.int32))


def test_nonzero_size_and_fill():
    x = np.array([[0, 3, 0], [5, 0, 7]])
    n = np.nonzero(x)
    for size in [0, 2, 3, 5]:
        outs = jit(lambda a: jnp.nonzero(a, size=size))(x)
        for got, want in zip(outs, n):
            check(got, np.pad(want[:size], (0, max(0, size - 3))).astype(np.int32))
        outs = jnp.nonzero(A(x), size=size, fill_value=-1)
        for got, want in zip(outs, n):
            check(got, np.pad(want[:size], (0, max(0, size - 3)), constant_values=-1).astype(
                np.int32))
    outs = jnp.nonzero(A(x), size=4, fill_value=(-1, -2))
    check(outs[1], np.int32([1, 0, 2, -2]))
    check(jit(lambda a: jnp.flatnonzero(a, size=4, fill_value=9))(x), np.int32([1, 3, 5, 9]))
    check(jit(lambda a: jnp.argwhere(a, size=2))(x), np.int32([[0, 1], [1, 0]]))
    check(jnp.argwhere(A(np.int32(5))), np.zeros((1, 0), np.int32))
    check(jnp.argwhere(A(np.int32(0))), np.zeros((0, 0), np.int32))
    with pytest.raises(errors.ConcretizationTypeError, match="The size argument of jnp.nonzero"):
        jit(jnp.nonzero)(x)
    with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
        jnp.nonzero(A(np.int32(1)))
    with pytest.raises(ValueError, match="fill_value must be a scalar or a tuple of length 2"):
        jnp.nonzero(A(x), size=4, fill_value=(1, 2, 3))


def test_compress_and_extract():
    a = np.arange(12).reshape(3, 4)
    for cond, axis in [([True, False, True], 0), ([0, 1, 1, 0], 1), ([1, 0, 1], None),
                       ([False, True], -1), ([True, False, True, False, False], 0)]:
        expected = np.compress(cond, a, axis=axis)
        check(jnp.compress(np.array(cond), A(a), axis=axis), expected)
    check(jnp.compress(np.array([True, False, True]), A(a), axis=0, size=3, fill_value=-1),
          np.int32([[0, 1, 2, 3], [8, 9, 10, 11], [-1, -1, -1, -1]]))
    check(jit(lambda c, x: jnp.compress(c, x, axis=1, size=2))(np.array([0, 1, 1, 0]), a),
          a[:, 1:3])
    with pytest.raises(ValueError, match="condition contains entries that are out of bounds"):
        jnp.compress(np.array([0, 0, 0, 1]), A(a), axis=0)
    with pytest.raises(ValueError, match="condition must be a 1D array"):
        jnp.compress(np.ones((2, 2), bool), A(a))
    with pytest.raises(ValueError, match="size must be positive and not greater"):
        jnp.compress(np.array([True]), A(a), axis=0, size=4)
    cond = a % 3 == 0
    check(jnp.extract(cond, A(a)), np.extract(cond, a))
    check(jit(lambda c, x: jnp.extract(c, x, size=5, fill_value=-7))(cond, a),
          np.int32([0, 3, 6, 9, -7]))


# ----------------------------------------------------------------------------------------------
# choose, put, fill_diagonal


def test_choose():
    choices = [np.arange(4), np.arange(4) * 10, np.arange(4) * 100]
    a = np.array([0, 1, 2, 1])
    check(jnp.choose(A(a), [A(c) for c in choices]), np.choose(a, choices))
    for mode in ["wrap", "clip"]:
        b = np.array([0, 4, -1, 1])
        expected = np.choose(b, choices, mode=mode)
        check(jnp.choose(A(b), choices, mode=mode), expected)
        check(jit(lambda i, *c: jnp.choose(i, c, mode=mode))(b, *choices), expected)
    check(jnp.choose(A(np.array([[1], [0]])), [np.float32(1.5), np.arange(3, dtype=np.int32)]),
          np.choose(np.array([[1], [0]]), [np.float32(1.5), np.arange(3)]).astype(np.float32))
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        jnp.choose(A(np.array([3])), choices)
    with pytest.raises(errors.ConcretizationTypeError, match="jnp.choose was jit-compiled"):
        jit(lambda i: jnp.choose(i, choices))(a)
    with pytest.raises(ValueError, match="`a` array must be integer typed"):
        jnp.choose(A(np.float32([0])), choices)
    with pytest.raises(ValueError, match="mode='bad' not understood"):
        jnp.choose(A(a), choices, mode="bad")


def test_put():
    x = A(np.zeros(5, np.int32))
    v = np.int32([10, 20, 30])
    check(jnp.put(x, np.array([0, 2, 6]), v, inplace=False, mode="clip"),
          np.int32([10, 0, 20, 0, 30]))
    check(jnp.put(x, np.array([0, 2, 6]), v, inplace=False, mode="wrap"),
          np.int32([10, 30, 20, 0, 0]))
    check(jnp.put(x, np.array([0, 1, 2, 3]), np.int32([7, 8]), inplace=False),
          np.int32([7, 8, 7, 8, 0]))
    y = np.zeros((3, 5), np.int32)
    expected = y.copy()
    np.put(expected, [0, 7, 14], v)
    check(jnp.put(A(y), np.array([0, 7, 14]), v, inplace=False), expected)
    check(jit(lambda a, i: jnp.put(a, i, v, inplace=False))(y, np.array([0, 7, 14])), expected)
    check(jnp.put(x, np.array([], np.int32), v, inplace=False), np.zeros(5, np.int32))
    with pytest.raises(ValueError, match="jax.numpy.put cannot modify arrays in-place"):
        jnp.put(x, np.array([0]), v)
    with pytest.raises(NotImplementedError, match="The 'raise' mode to jnp.put"):
        jnp.put(x, np.array([0]), v, inplace=False, mode="raise")


def test_fill_diagonal():
    for shape in [(3, 3), (3, 5), (5, 3), (3, 3, 3)]:
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        for val in [np.float32(-1), np.float32([-1, -2])]:
            expected = x.copy()
            np.fill_diagonal(expected, val)
            check(jnp.fill_diagonal(A(x), val, inplace=False), expected)
            check(jit(lambda a, v: jnp.fill_diagonal(a, v, inplace=False))(x, val), expected)
    with pytest.raises(NotImplementedError, match="must use inplace=False"):
        jnp.fill_diagonal(A(np.zeros((2, 2))), 1.0)
    with pytest.raises(ValueError, match="array must be at least 2-d"):
        jnp.fill_diagonal(A(np.zeros(2)), 1.0, inplace=False)
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        jnp.fill_diagonal(A(np.zeros((2, 2, 3))), 1.0, inplace=False)


# ----------------------------------------------------------------------------------------------
# Index arrays: diag/tril/triu/mask indices, indices, ix_, unravel/ravel


def _check_tuple(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        check(g, np.asarray(e).astype(np.int32))


def test_diag_tri_indices():
    _check_tuple(jnp.diag_indices(3), np.diag_indices(3))
    _check_tuple(jnp.diag_indices(2, ndim=3), np.diag_indices(2, ndim=3))
    _check_tuple(jnp.diag_indices_from(np.zeros((4, 4))), np.diag_indices(4))
    for n, k, m in [(3, 0, None), (4, 1, 5), (4, -1, 2), (0, 0, None)]:
        _check_tuple(jnp.tril_indices(n, k, m), np.tril_indices(n, k, m))
        _check_tuple(jnp.triu_indices(n, k, m), np.triu_indices(n, k, m))
    a = np.zeros((3, 5))
    _check_tuple(jnp.tril_indices_from(a, 1), np.tril_indices_from(a, 1))
    _check_tuple(jnp.triu_indices_from(a, -1), np.triu_indices_from(a, -1))

    def upper(m, k):
        i, j = jnp.indices(np.shape(m), sparse=True)
        return jnp.where(j - i >= k, m, 0)
    _check_tuple(jnp.mask_indices(3, upper, 1), np.mask_indices(3, np.triu, 1))
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        jnp.diag_indices_from(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Only 2-D inputs are accepted"):
        jnp.tril_indices_from(np.zeros(3))
    with pytest.raises(errors.ConcretizationTypeError):
        jit(jnp.diag_indices)(3)


def test_indices_and_ix():
    for dims in [(2, 3), (3,), (2, 1, 3), ()]:
        check(jnp.indices(dims), np.indices(dims).astype(np.int32))
        _check_tuple(jnp.indices(dims, sparse=True), np.indices(dims, sparse=True))
    check(jnp.indices((2, 2), dtype=np.uint8), np.indices((2, 2)).astype(np.uint8))
    rows, cols = np.array([0, 2]), np.array([3, 1, 0])
    _check_tuple(jnp.ix_(rows, cols), np.ix_(rows, cols))
    x = np.arange(12).reshape(3, 4)
    check(A(x)[jnp.ix_(rows, cols)], x[np.ix_(rows, cols)])
    _check_tuple(jnp.ix_(np.array([], np.int32)), np.ix_(np.array([], np.int32)))
    with pytest.raises(ValueError, match="Arguments to jax.numpy.ix_ must be 1-dimensional"):
        jnp.ix_(np.zeros((2, 2), np.int32))


def test_unravel_and_ravel_multi_index():
    flat = np.array([0, 7, 14, 3])
    _check_tuple(jnp.unravel_index(flat, (3, 5)), np.unravel_index(flat, (3, 5)))
    _check_tuple(jit(lambda f: jnp.unravel_index(f, (3, 5)))(flat),
                 np.unravel_index(flat, (3, 5)))
    # Out of range: JAX clamps (NumPy raises); -1 counts from the end.
    _check_tuple(jnp.unravel_index(np.array([-1, 20, -20]), (3, 5)), ([2, 2, 0], [4, 4, 0]))
    _check_tuple(jnp.unravel_index(np.int32(4), 5), (np.int32(4),))
    coords = (np.array([0, 1, 2]), np.array([4, 2, 0]))
    for order in ["C", "F"]:
        check(jnp.ravel_multi_index(coords, (3, 5), order=order),
              np.ravel_multi_index(coords, (3, 5), order=order).astype(np.int32))
    bad = (np.array([3, -1]), np.array([0, 6]))
    for mode in ["clip", "wrap"]:
        expected = np.ravel_multi_index(bad, (3, 5), mode=mode).astype(np.int32)
        check(jnp.ravel_multi_index(bad, (3, 5), mode=mode), expected)
        check(jit(lambda i, j: jnp.ravel_multi_index((i, j), (3, 5), mode=mode))(*bad),
              expected)
    with pytest.raises(ValueError, match="invalid entry in coordinates array"):
        jnp.ravel_multi_index(bad, (3, 5))
    with pytest.raises(errors.ConcretizationTypeError, match="ravel_multi_index was"):
        jit(lambda i, j: jnp.ravel_multi_index((i, j), (3, 5)))(*coords)


# ----------------------------------------------------------------------------------------------
# Index tricks: mgrid, ogrid, r_, c_, index_exp, s_


def test_mgrid_ogrid():
    check(jnp.mgrid[0:5, 0:3], np.mgrid[0:5, 0:3].astype(np.int32))
    check(jnp.mgrid[0:4:2, 1:2], np.mgrid[0:4:2, 1:2].astype(np.int32))
    check(jnp.mgrid[-1:1:5j], np.mgrid[-1:1:5j].astype(np.float32))
    got = jnp.mgrid[0:1:3j, 0:2]
    np.testing.assert_allclose(np.asarray(got), np.mgrid[0:1:3j, 0:2], rtol=1e-6)
    assert got.dtype == np.float32
    for g, e in zip(jnp.ogrid[0:3, 0:4:2], np.ogrid[0:3, 0:4:2]):
        check(g, e.astype(np.int32))
    check(jnp.ogrid[2:5], np.ogrid[2:5].astype(np.int32))


def test_r_and_c():
    check(jnp.r_[1:4, 0, np.array([7, 8])], np.r_[1:4, 0, np.array([7, 8])].astype(np.int32))
    check(jnp.r_[np.float32([1, 2]), 3], np.float32([1, 2, 3]))
    check(jnp.r_["0,2", [1, 2, 3], [4, 5, 6]], np.r_["0,2", [1, 2, 3], [4, 5, 6]].astype(
        np.int32))
    check(jnp.r_["1,2,0", [1, 2], [3, 4]], np.r_["1,2,0", [1, 2], [3, 4]].astype(np.int32))
    check(jnp.r_["r", [1, 2, 3]], np.array([[1, 2, 3]], np.int32))
    check(jnp.r_["c", [1, 2, 3]], np.array([[1], [2], [3]], np.int32))
    check(jnp.c_[np.array([1, 2, 3]), np.array([4, 5, 6])],
          np.c_[np.array([1, 2, 3]), np.array([4, 5, 6])].astype(np.int32))
    check(jnp.c_[np.ones((2, 2), np.float32), np.zeros((2, 1), np.float32)],
          np.c_[np.ones((2, 2)), np.zeros((2, 1))].astype(np.float32))
    np.testing.assert_allclose(np.asarray(jnp.r_[-1:1:6j, 5]), np.r_[-1:1:6j, 5], rtol=1e-6)
    with pytest.raises(ValueError, match="could not understand directive 'x'"):
        jnp.r_["x", [1]]
    with pytest.raises(ValueError, match="string directive must be placed at the beginning"):
        jnp.r_[[1], "r"]
    assert len(jnp.r_) == 0


def test_index_exp_and_s_():
    assert jnp.s_[1:2, ::-1] == (slice(1, 2), slice(None, None, -1))
    assert jnp.index_exp[3] == (3,)
    assert jnp.s_[3] == 3
    x = A(np.arange(6).reshape(2, 3))
    check(x[jnp.s_[:, 1]], np.int32([1, 4]))


def test_x64_index_results():
    from pyjax._src.config import config
    with config.setting("jax_enable_x64", True):
        x = A(np.arange(5.0))
        check(x[np.array([1, -1])], np.float64([1, 4]))
        check(jit(lambda a, i: a[i])(x, 7), np.float64(4))
        check(jnp.nonzero(x)[0], np.int64([1, 2, 3, 4]))
        check(jnp.indices((2,)), np.int64([[0, 1]]))
        check(jnp.diag_indices(2)[0], np.int64([0, 1]))
        check(x.at[np.array([0, 0])].add(1.0), np.float64([2, 1, 2, 3, 4]))


@pytest.mark.parametrize("shape", [(5,), (5, 3), (1,), (3, 4, 2)])
@pytest.mark.parametrize("i", [0, 2, -1, -5, 7, -9, 2 ** 40, -2 ** 40])
@pytest.mark.parametrize("traced", [False, True])
def test_int_index_shortcut_matches_general_indexer(shape, i, traced):
    # x.at[i] and x[i] with a lone int skip index parsing; they must build what the general
    # path builds (same gather/scatter operands, dimension numbers and flags).
    from pyjax._src.numpy import indexing as ix

    def indexers(x):
        parsed = ix._parse((i, Ellipsis), shape)  # the tuple form takes the general path
        general = ix._index_to_gather(parsed, shape)
        short = ix._index_to_gather(ix._parse(i, shape), shape)
        assert type(short.gather_indices) is type(general.gather_indices)
        for f in ix._GatherIndexer._fields:
            a, b = getattr(short, f), getattr(general, f)
            if f == "gather_indices":
                a, b = np.asarray(a) if not traced else a.aval, (
                    np.asarray(b) if not traced else b.aval)
                if traced:
                    assert a == b
                else:
                    assert a.dtype == b.dtype and np.array_equal(a, b)
            else:
                assert a == b, f
        return x

    x = jnp.zeros(shape)
    if traced:
        make_jaxpr(indexers)(x)
    else:
        indexers(x)
    # And the results agree with NumPy-style reads and dropped out-of-bounds writes.
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    want = data.copy()
    if -shape[0] <= i < shape[0]:
        want[i] = -1.0
    got = jit(lambda a: a.at[i].set(-1.0))(jnp.asarray(data))
    np.testing.assert_array_equal(np.asarray(got), want)
    if -shape[0] <= i < shape[0]:
        np.testing.assert_array_equal(np.asarray(jit(lambda a: a[i])(jnp.asarray(data))),
                                      data[i])

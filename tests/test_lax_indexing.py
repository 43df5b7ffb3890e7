"""lax.gather and the lax.scatter family against loop-by-loop reference implementations."""
import itertools

import ml_dtypes
import numpy as np
import pytest

from pyjax._src import core
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.indexing import (
    GatherDimensionNumbers as GDN, GatherScatterMode as Mode, gather, gather_p)
from pyjax._src.primitives.scatter import (
    ScatterDimensionNumbers as SDN, scatter, scatter_add, scatter_apply, scatter_max,
    scatter_min, scatter_mul, scatter_sub)
from helpers import arr_as as A
from helpers import int_values as values

bf16 = np.dtype(ml_dtypes.bfloat16)
ALL_DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, bf16, np.float32,
              np.complex64]
MODES = [None, "clip", "fill", "promise_in_bounds"]


# -- reference implementations: explicit loops over every output / update element ----------------

def ref_fill(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return True
    if dtype.kind in "iu":
        return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max
    return np.nan


def ref_window_start(operand_shape, indices, g, index_map, batching_dims, sizes):
    """The start of the window at batch position ``g``: ``indices[g]`` for the dimensions of
    ``index_map``, clamped so a window of ``sizes`` fits, and ``g`` itself along the batching
    dimensions (pairs of operand and indices dimensions). Also whether any index was out of
    bounds (before clamping)."""
    start = [0] * len(operand_shape)
    oob = False
    for k, d in enumerate(index_map):
        s = int(indices[g + (k,)])
        hi = operand_shape[d] - sizes[d]
        if s < 0 or s > hi:
            oob = True
        start[d] = min(max(s, 0), hi)
    for od, idim in batching_dims:
        start[od] = g[idim]
    return start, oob


def ref_gather(operand, indices, dn, slice_sizes, mode=None, fill_value=None):
    mode = Mode.from_any(Mode.PROMISE_IN_BOUNDS if mode is None else mode)
    if mode is Mode.FILL_OR_DROP and fill_value is None:
        fill_value = ref_fill(operand.dtype)
    batch_shape = indices.shape[:-1]
    offset_operand_dims = [d for d in range(operand.ndim) if d not in dn.collapsed_slice_dims
                           and d not in dn.operand_batching_dims]
    out_rank = len(dn.offset_dims) + len(batch_shape)
    out_shape, b, o = [], 0, 0
    for p in range(out_rank):
        if p in dn.offset_dims:
            out_shape.append(slice_sizes[offset_operand_dims[o]])
            o += 1
        else:
            out_shape.append(batch_shape[b])
            b += 1
    out = np.zeros(out_shape, operand.dtype)
    batch_positions = [p for p in range(out_rank) if p not in dn.offset_dims]
    for out_idx in np.ndindex(*out_shape):
        g = tuple(out_idx[p] for p in batch_positions)
        start, oob = ref_window_start(
            operand.shape, indices, g, dn.start_index_map,
            zip(dn.operand_batching_dims, dn.start_indices_batching_dims), slice_sizes)
        full = list(start)
        for i, d in enumerate(offset_operand_dims):
            full[d] += out_idx[dn.offset_dims[i]]
        if oob and mode is Mode.FILL_OR_DROP:
            out[out_idx] = np.array(fill_value).astype(operand.dtype)
        else:
            out[out_idx] = operand[tuple(full)]
    return out


def ref_scatter(operand, indices, updates, dn, op, mode=None):
    mode = Mode.from_any(mode)
    out = operand.copy()
    window_dims = [d for d in range(operand.ndim) if d not in dn.inserted_window_dims
                   and d not in dn.operand_batching_dims]
    sizes = [1] * operand.ndim
    for d, u in zip(window_dims, dn.update_window_dims):
        sizes[d] = updates.shape[u]
    scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
    for u_idx in np.ndindex(*updates.shape):
        g = tuple(u_idx[d] for d in scatter_dims)
        start, oob = ref_window_start(
            operand.shape, indices, g, dn.scatter_dims_to_operand_dims,
            zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims), sizes)
        if oob and mode is not Mode.CLIP:
            continue
        full = list(start)
        for i, d in enumerate(window_dims):
            full[d] += u_idx[dn.update_window_dims[i]]
        full = tuple(full)
        out[full] = op(out[full], updates[u_idx])
    return out


def _np_add(a, b):
    return np.logical_or(a, b) if a.dtype == np.bool_ else a + b


REF_OPS = {
    "set": (scatter, lambda a, b: b),
    "add": (scatter_add, _np_add),
    "sub": (scatter_sub, lambda a, b: a - b),
    "mul": (scatter_mul, lambda a, b: a * b),
    "min": (scatter_min, lambda a, b: a if (a <= b or a != a) else b),
    "max": (scatter_max, lambda a, b: a if (a >= b or a != a) else b),
}


def assert_same(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc" or want.dtype == bf16:
        np.testing.assert_array_equal(got.astype(np.complex128), want.astype(np.complex128))
    else:
        np.testing.assert_array_equal(got, want)


def check_all_ways(fun, *args, want):
    """Eager, jit, and make_jaxpr's avals all agree with ``want`` (value, dtype, weak type)."""
    eager = fun(*args)
    assert_same(eager, want)
    assert_same(jit(fun)(*args), want)
    out_aval, = make_jaxpr(fun)(*args).out_avals
    assert out_aval.shape == eager.shape and out_aval.dtype == eager.dtype
    assert out_aval.weak_type == eager.weak_type
    return eager


# -- gather cases -----------------------------------------------------------------------------

# (operand shape, indices (as a list), dimension numbers, slice sizes)
GATHER_CASES = [
    ((5,), [[0], [7], [-1], [-7], [4]], GDN((), (0,), (0,)), (1,)),
    ((4, 3), [[1], [3], [9], [-2]], GDN((1,), (0,), (0,)), (1, 3)),
    ((4, 3), [[0, 2], [3, 5], [-1, 1], [2, 0]], GDN((), (0, 1), (0, 1)), (1, 1)),
    ((4, 3), [[2, 0], [5, 1], [1, -1]], GDN((), (0, 1), (1, 0)), (1, 1)),
    ((6, 5), [[0, 0], [4, 3], [5, 4], [-1, 2]], GDN((1, 2), (), (0, 1)), (2, 3)),
    ((6, 5), [[1], [3], [6]], GDN((0, 2), (), (1,)), (6, 2)),
    ((4, 5), [[1], [4], [7]], GDN((0,), (1,), (1,)), (4, 1)),
    ((4, 5), [[[1], [2]], [[3], [9]]], GDN((2,), (0,), (0,)), (1, 5)),
    ((4, 5), [[1], [3]], GDN((1, 2), (), (0,)), (1, 5)),
    ((4, 5), [[1], [3], [-1]], GDN((1, 2), (), (0,)), (2, 3)),
    ((2, 6, 5), [[[1], [4]], [[0], [9]]], GDN((2, 3), (), (1,), (0,), (0,)), (1, 3, 2)),
    ((3, 5), [[[1], [4]], [[0], [7]], [[2], [2]]], GDN((), (1,), (1,), (0,), (0,)), (1, 1)),
    ((2, 4, 5), [[[1, 0], [4, 2]], [[0, 1], [2, 9]]], GDN((2,), (1,), (1, 2), (0,), (1,)),
     (1, 1, 3)),
    ((4, 3), np.zeros((3, 0), np.int32), GDN((1, 2), (), ()), (2, 3)),
    ((), np.zeros((2, 0), np.int32), GDN((), (), ()), ()),
    ((5,), np.zeros((0, 1), np.int32), GDN((), (0,), (0,)), (1,)),
    ((0, 3), [[0], [2]], GDN((1, 2), (), (1,)), (0, 1)),
    ((4, 3), [[1]], GDN((0, 1), (), (0,)), (2, 0)),
]


@pytest.mark.parametrize("case", range(len(GATHER_CASES)))
@pytest.mark.parametrize("mode", MODES)
def test_gather_cases(case, mode):
    shape, idx, dn, ss = GATHER_CASES[case]
    operand = values(shape, np.float32, seed=case)
    indices = np.asarray(idx, np.int32)
    want = ref_gather(operand, indices, dn, ss, mode)
    f = lambda o, i: gather(o, i, dn, ss, mode=mode)
    check_all_ways(f, A(operand), A(indices), want=want)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_gather_dtypes(dtype, mode):
    shape, idx, dn, ss = GATHER_CASES[4]
    operand = values(shape, dtype)
    indices = np.asarray(idx, np.int32)
    want = ref_gather(operand, indices, dn, ss, mode)
    check_all_ways(lambda o, i: gather(o, i, dn, ss, mode=mode), A(operand), A(indices),
                   want=want)


@pytest.mark.parametrize("index_dtype", [np.int8, np.uint8, np.int32, np.uint32])
def test_gather_index_dtypes(index_dtype):
    operand = values((300,), np.int32)
    indices = np.array([[0], [5], [255], [127], [200]]).astype(index_dtype)
    dn = GDN((), (0,), (0,))
    for mode in MODES:
        want = ref_gather(operand, indices, dn, (1,), mode)
        assert_same(gather(A(operand), A(indices), dn, (1,), mode=mode), want)


def test_gather_fill_values():
    dn = GDN((), (0,), (0,))
    idx = A([[1], [5]], np.int32)
    for dtype, fill in [(np.float32, "nan"), (np.int32, -2147483648), (np.uint8, 255),
                        (np.bool_, True), (np.int8, -128), (np.complex64, "nan")]:
        out = np.asarray(gather(A(np.zeros(3, dtype)), idx, dn, (1,), mode="fill"))
        if fill == "nan":
            assert np.isnan(out[1]) and out[0] == 0
        else:
            assert out[1] == fill and out[0] == 0
    out = gather(A(np.zeros(3, np.float32)), idx, dn, (1,), mode="fill", fill_value=-1)
    np.testing.assert_array_equal(np.asarray(out), [0, -1])
    out = gather(A(np.zeros(3, np.uint8)), idx, dn, (1,), mode="fill", fill_value=-1)
    np.testing.assert_array_equal(np.asarray(out), [0, 255])


def test_gather_spec_examples():
    # behaviour.md §3: x = arange(5.), x[jnp.array([0, 7, -1, -7])] after jnp's wrapping.
    x = A(np.arange(5, dtype=np.float32))
    dn = GDN((), (0,), (0,))
    wrapped = A([[0], [7], [4], [-2]], np.int32)  # jnp adds the size to negatives once
    np.testing.assert_array_equal(np.asarray(gather(x, wrapped, dn, (1,))), [0, 4, 4, 0])
    out = np.asarray(gather(x, wrapped, dn, (1,), mode="fill"))
    np.testing.assert_array_equal(out, [0, np.nan, 4, np.nan])


def test_gather_weak_type_follows_operand():
    dn = GDN((), (0,), (0,))
    idx = A([[1]], np.int32, weak=True)
    assert gather(A(np.ones(3, np.float32), weak=True), idx, dn, (1,)).weak_type
    assert not gather(A(np.ones(3, np.float32)), idx, dn, (1,)).weak_type
    f = lambda o, i: gather(o, i, dn, (1,))
    out, = make_jaxpr(f)(A(np.ones(3, np.float32), weak=True), idx).out_avals
    assert out.weak_type


def test_gather_large_is_vectorised():
    rng = np.random.default_rng(0)
    operand = rng.standard_normal((1000, 4)).astype(np.float32)
    indices = rng.integers(-10, 1010, (1_000_000, 1)).astype(np.int32)
    dn = GDN((1,), (0,), (0,))
    out = np.asarray(gather(A(operand), A(indices), dn, (1, 4)))
    np.testing.assert_array_equal(out, operand[np.clip(indices[:, 0], 0, 999)])
    out = np.asarray(gather(A(operand), A(indices), dn, (1, 4), mode="fill"))
    oob = (indices[:, 0] < 0) | (indices[:, 0] > 999)
    assert np.isnan(out[oob]).all() and not np.isnan(out[~oob]).any()


def test_gather_jaxpr_text():
    dn = GDN((), (0,), (0,))
    text = str(make_jaxpr(lambda o, i: gather(o, i, dn, (1,), mode="fill"))(
        A(np.ones(5, np.float32)), A([[1]], np.int32)))
    assert ("dimension_numbers=GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), "
            "start_index_map=(0,), operand_batching_dims=(), start_indices_batching_dims=())"
            in text)
    for piece in ["fill_value=nan", "indices_are_sorted=False",
                  "mode=GatherScatterMode.FILL_OR_DROP", "slice_sizes=(1,)",
                  "unique_indices=False"]:
        assert piece in text
    text = str(make_jaxpr(lambda o, i: gather(o, i, dn, (1,)))(
        A(np.ones(5, np.float32)), A([[1]], np.int32)))
    assert "fill_value=None" in text and "mode=GatherScatterMode.PROMISE_IN_BOUNDS" in text


def test_mode_from_any():
    assert Mode.from_any(None) is Mode.FILL_OR_DROP
    assert Mode.from_any("fill") is Mode.FILL_OR_DROP
    assert Mode.from_any("drop") is Mode.FILL_OR_DROP
    assert Mode.from_any("clip") is Mode.CLIP
    assert Mode.from_any("promise_in_bounds") is Mode.PROMISE_IN_BOUNDS
    assert Mode.from_any(Mode.CLIP) is Mode.CLIP
    assert str(Mode.FILL_OR_DROP) == "GatherScatterMode.FILL_OR_DROP"
    with pytest.raises(ValueError, match='Unknown gather mode "bogus"'):
        Mode.from_any("bogus")


def test_dimension_numbers_reprs():
    assert repr(GDN((0,), (1,), (1,))) == (
        "GatherDimensionNumbers(offset_dims=(0,), collapsed_slice_dims=(1,), "
        "start_index_map=(1,), operand_batching_dims=(), start_indices_batching_dims=())")
    assert repr(SDN((), (0,), (0,))) == (
        "ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,), "
        "scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), "
        "scatter_indices_batching_dims=())")


@pytest.mark.parametrize("jitted", [False, True])
def test_gather_errors(jitted):
    wrap = jit if jitted else (lambda f: f)
    x = A(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="indices must have an integer type"):
        wrap(lambda o, i: gather(o, i, GDN((1,), (0,), (0,)), (1, 3)))(x, A([[1.0]], np.float32))
    with pytest.raises(TypeError, match="Slice size at index 1 in gather op is out of range, "
                                        r"must be within \[0, 3 \+ 1\), got 4."):
        wrap(lambda o, i: gather(o, i, GDN((1,), (0,), (0,)), (1, 4)))(x, A([[1]], np.int32))
    with pytest.raises(TypeError, match="Gather op can only collapse slice dims with bound 1, "
                                        "but bound is 2 for index 0 at position 0."):
        wrap(lambda o, i: gather(o, i, GDN((1,), (0,), (0,)), (2, 3)))(x, A([[1]], np.int32))
    with pytest.raises(TypeError, match="Gather op has 2 elements in start_index_map"):
        wrap(lambda o, i: gather(o, i, GDN((1,), (0,), (0, 1)), (1, 3)))(x, A([[1]], np.int32))
    with pytest.raises(TypeError, match=r"offset_dims in gather op must be sorted; got \(1, 0\)"):
        wrap(lambda o, i: gather(o, i, GDN((1, 0), (), (0,)), (1, 3)))(x, A([[1]], np.int32))
    with pytest.raises(ValueError, match='Unknown gather mode "bogus"'):
        gather(x, A([[1]], np.int32), GDN((1,), (0,), (0,)), (1, 3), mode="bogus")


# -- scatter cases ----------------------------------------------------------------------------

# (operand shape, indices, updates shape, dimension numbers)
SCATTER_CASES = [
    ((5,), [[0], [0], [3], [10], [-1], [4], [0]], (7,), SDN((), (0,), (0,))),
    ((4, 3), [[1], [3], [1], [7]], (4, 3), SDN((1,), (0,), (0,))),
    ((4, 3), [[1], [2], [-1]], (3, 2), SDN((1,), (0,), (0,))),
    ((6, 5), [[0, 0], [4, 3], [5, 4], [1, 1], [0, 0]], (5, 2, 3), SDN((1, 2), (), (0, 1))),
    ((4, 3), [[2, 0], [0, 2], [2, 0], [5, 1]], (4,), SDN((), (0, 1), (1, 0))),
    ((4, 5), [[[1], [2]], [[3], [1]]], (2, 2, 5), SDN((2,), (0,), (0,))),
    ((4, 5), [[1], [3], [1]], (4, 3), SDN((0,), (1,), (1,))),
    ((3, 5), [[[1], [4]], [[0], [7]], [[2], [2]]], (3, 2), SDN((), (1,), (1,), (0,), (0,))),
    ((4, 3), np.zeros((2, 0), np.int32), (2, 2, 3), SDN((1, 2), (), ())),
    ((5,), np.zeros((0, 1), np.int32), (0,), SDN((), (0,), (0,))),
    ((), np.zeros((3, 0), np.int32), (3,), SDN((), (), ())),
]


@pytest.mark.parametrize("case", range(len(SCATTER_CASES)))
@pytest.mark.parametrize("op", sorted(REF_OPS))
@pytest.mark.parametrize("mode", MODES)
def test_scatter_cases(case, op, mode):
    shape, idx, ushape, dn = SCATTER_CASES[case]
    operand = values(shape, np.float32, seed=case)
    indices = np.asarray(idx, np.int32)
    updates = values(ushape, np.float32, seed=case + 100)
    fun, ref_op = REF_OPS[op]
    want = ref_scatter(operand, indices, updates, dn, ref_op, mode)
    f = lambda o, i, u: fun(o, i, u, dn, mode=mode)
    check_all_ways(f, A(operand), A(indices), A(updates), want=want)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", sorted(REF_OPS))
def test_scatter_dtypes(dtype, op):
    shape, idx, ushape, dn = SCATTER_CASES[3]
    operand, updates = values(shape, dtype, 1), values(ushape, dtype, 2)
    indices = np.asarray(idx, np.int32)
    fun, ref_op = REF_OPS[op]
    if np.dtype(dtype) == np.bool_ and op in ("add", "sub", "mul"):
        with pytest.raises(TypeError, match=f"{op} does not accept dtype bool"):
            fun(A(operand), A(indices), A(updates), dn)
        return
    if np.dtype(dtype).kind == "c" and op in ("min", "max"):
        return  # XLA has no ordering of complex numbers
    with np.errstate(over="ignore"):
        want = ref_scatter(operand, indices, updates, dn, ref_op)
    check_all_ways(lambda o, i, u: fun(o, i, u, dn), A(operand), A(indices), A(updates),
                   want=want)


def test_scatter_spec_table():
    # behaviour.md §4, written as the scatters jnp's .at[] lowers to.
    x = A(np.arange(5, dtype=np.float32))
    dn = SDN((), (0,), (0,))
    I = lambda *v: A(np.array(v, np.int32).reshape(-1, 1))
    F = lambda *v: A(np.array(v, np.float32))
    cases = [
        (scatter(x, I(0, 0), F(1, 2), dn), [2, 1, 2, 3, 4]),
        (scatter_add(x, I(0, 0), F(1, 1), dn), [2, 1, 2, 3, 4]),
        (scatter_mul(x, I(0, 0, 1), F(3, 3, 3), dn), [0, 3, 2, 3, 4]),
        (scatter_min(x, I(1, 1), F(-1, 0), dn), [0, -1, 2, 3, 4]),
        (scatter_max(x, I(1), F(10), dn), [0, 10, 2, 3, 4]),
        (scatter_add(x, I(1, 10), F(1, 1), dn), [0, 2, 2, 3, 4]),
        (scatter_add(x, I(3, 1), F(10, 20), dn, indices_are_sorted=True), [0, 21, 2, 13, 4]),
        (scatter_add(x, I(0, 0), F(1, 2), dn, unique_indices=True), [3, 1, 2, 3, 4]),
        (scatter(x, I(10), F(9), dn), [0, 1, 2, 3, 4]),
        (scatter(x, I(-1), F(9), dn), [0, 1, 2, 3, 4]),
        (scatter(x, I(10), F(9), dn, mode="clip"), [0, 1, 2, 3, 9]),
        (scatter(x, I(10), F(9), dn, mode="promise_in_bounds"), [0, 1, 2, 3, 4]),
    ]
    for got, want in cases:
        np.testing.assert_array_equal(np.asarray(got), np.array(want, np.float32))
    many = scatter(x, A(np.zeros((1000, 1), np.int32)), F(*range(1000)), dn)
    assert np.asarray(many)[0] == 999  # last update wins, also with many duplicates


def test_scatter_does_not_mutate_inputs():
    operand = np.arange(5, dtype=np.float32)
    x = A(operand)
    scatter_add(x, A([[1]], np.int32), A([5.0], np.float32), SDN((), (0,), (0,)))
    np.testing.assert_array_equal(operand, np.arange(5))


def test_scatter_integer_wraps():
    dn = SDN((), (0,), (0,))
    out = scatter_add(A(np.array([250, 0], np.uint8)), A([[0], [0]], np.int32),
                      A(np.array([5, 10], np.uint8)), dn)
    np.testing.assert_array_equal(np.asarray(out), [9, 0])
    out = scatter_mul(A(np.array([100, 1], np.int8)), A([[0]], np.int32),
                      A(np.array([3], np.int8)), dn)
    np.testing.assert_array_equal(np.asarray(out), [44, 1])


def test_scatter_nan_min_max():
    dn = SDN((), (0,), (0,))
    x = A(np.array([1, np.nan, 3], np.float32))
    out = np.asarray(scatter_max(x, A([[0], [1], [2]], np.int32),
                                 A(np.array([np.nan, 5, 1], np.float32)), dn))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 3
    out = np.asarray(scatter_min(x, A([[2]], np.int32), A(np.array([np.nan], np.float32)), dn))
    assert np.isnan(out[2])


def test_scatter_weak_type_follows_operand():
    dn = SDN((), (0,), (0,))
    out = scatter_add(A(np.zeros(3, np.float32), weak=True), A([[1]], np.int32),
                      A(np.ones(1, np.float32)), dn)
    assert out.weak_type
    out = scatter_add(A(np.zeros(3, np.float32)), A([[1]], np.int32),
                      A(np.ones(1, np.float32), weak=True), dn)
    assert not out.weak_type


@pytest.mark.parametrize("mode", MODES)
def test_scatter_apply(mode):
    dn = SDN((), (0,), (0,))
    x = A(np.arange(5, dtype=np.float32))
    idx = A([[0], [0], [2], [9], [-1]], np.int32)
    f = lambda o, i: scatter_apply(o, i, lambda v: ew.mul_p.bind(v, np.float32(2)), dn,
                                   update_shape=(5,), mode=mode)
    want = np.array([0, 1, 4, 3, 4], np.float32)
    if Mode.from_any(mode) is Mode.CLIP:
        want = np.array([0, 1, 4, 3, 8], np.float32)
    check_all_ways(f, x, idx, want=want)
    x = A(np.arange(1, 6, dtype=np.float32))
    want = ref_scatter(np.asarray(x._value), np.asarray(idx._value), np.zeros(5, np.float32),
                       dn, lambda a, b: a * 2, mode)
    check_all_ways(f, x, idx, want=want)


def test_scatter_apply_windows_and_text():
    dn = SDN((1,), (0,), (0,))
    x = A(np.arange(6, dtype=np.int32).reshape(2, 3))
    out = scatter_apply(x, A([[1], [1]], np.int32), lambda v: ew.neg_p.bind(v), dn,
                        update_shape=(2, 3))
    np.testing.assert_array_equal(np.asarray(out), [[0, 1, 2], [3, 4, 5]])
    text = str(make_jaxpr(lambda o: scatter_apply(o, np.array([[0]], np.int32),
                                                  lambda v: ew.neg_p.bind(v), dn,
                                                  update_shape=(1, 3)))(x))
    assert "update_jaxpr={ lambda ; " in text and "neg" in text


def test_scatter_jaxpr_text():
    dn = SDN((), (0,), (0,))
    x = A(np.ones(5, np.float32))
    text = str(make_jaxpr(lambda o, i, u: scatter_add(o, i, u, dn))(
        x, A([[1]], np.int32), A(np.ones(1, np.float32))))
    assert "scatter-add[" in text
    assert ("update_jaxpr={ lambda ; e:f32[] f:f32[]. let g:f32[] = add e f in (g,) }"
            in text)
    for piece in ["mode=GatherScatterMode.FILL_OR_DROP", "update_consts=()",
                  "indices_are_sorted=False", "unique_indices=False",
                  "dimension_numbers=ScatterDimensionNumbers(update_window_dims=(), "
                  "inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), "
                  "operand_batching_dims=(), scatter_indices_batching_dims=())"]:
        assert piece in text
    text = str(make_jaxpr(lambda o, i, u: scatter(o, i, u, dn, mode="clip"))(
        x, A([[1]], np.int32), A(np.ones(1, np.float32))))
    assert "scatter[" in text and "update_jaxpr=None" in text and "GatherScatterMode.CLIP" in text
    for fun, name in [(scatter_sub, "sub"), (scatter_mul, "mul"), (scatter_min, "min"),
                      (scatter_max, "max")]:
        text = str(make_jaxpr(lambda o, i, u: fun(o, i, u, dn))(
            x, A([[1]], np.int32), A(np.ones(1, np.float32))))
        assert f"scatter-{name}[" in text and f"= {name} e f" in text


@pytest.mark.parametrize("jitted", [False, True])
def test_scatter_errors(jitted):
    wrap = jit if jitted else (lambda f: f)
    dn = SDN((), (0,), (0,))
    x = A(np.ones(5, np.float32))
    with pytest.raises(TypeError, match="lax.scatter requires arguments to have the same "
                                        "dtypes, got float32, int32."):
        wrap(lambda o, i, u: scatter(o, i, u, dn))(x, A([[1]], np.int32), A([1], np.int32))
    with pytest.raises(ValueError, match="indices must have an integer type"):
        wrap(lambda o, i, u: scatter_add(o, i, u, dn))(x, A([[1.]], np.float32),
                                                        A([1.], np.float32))
    with pytest.raises(TypeError, match="Updates tensor must be of rank 1; got 2."):
        wrap(lambda o, i, u: scatter_add(o, i, u, dn))(x, A([[1]], np.int32),
                                                        A([[1.]], np.float32))
    with pytest.raises(TypeError, match="Bounds of the scatter dimensions of updates must be "
                                        "the same as the bounds of the corresponding dimensions "
                                        "of scatter indices. For scatter dimension 0, updates "
                                        "bound is 2, indices bound is 1."):
        wrap(lambda o, i, u: scatter_add(o, i, u, dn))(x, A([[1]], np.int32),
                                                        A([1., 2.], np.float32))
    with pytest.raises(TypeError, match="Scatter op has window of size 1; doesn't match "
                                        "operand of rank 2."):
        wrap(lambda o, i, u: scatter_add(o, i, u, dn))(A(np.ones((2, 2), np.float32)),
                                                        A([[1]], np.int32), A([1.], np.float32))
    with pytest.raises(ValueError, match='Unknown gather mode "bogus"'):
        scatter(x, A([[1]], np.int32), A([1.], np.float32), dn, mode="bogus")


def test_scatter_large_is_vectorised():
    rng = np.random.default_rng(0)
    n = 1_000_000
    idx = rng.integers(-5, 1005, (n, 1)).astype(np.int32)
    upd = rng.integers(0, 3, n).astype(np.float32)
    out = np.asarray(scatter_add(A(np.zeros(1000, np.float32)), A(idx), A(upd),
                                 SDN((), (0,), (0,))))
    keep = (idx[:, 0] >= 0) & (idx[:, 0] < 1000)
    want = np.bincount(idx[keep, 0], weights=upd[keep], minlength=1000).astype(np.float32)
    np.testing.assert_array_equal(out, want)
    out = np.asarray(scatter(A(np.zeros(1000, np.float32)), A(idx), A(upd),
                             SDN((), (0,), (0,)), mode="clip"))
    want = np.zeros(1000, np.float32)
    want[np.clip(idx[:, 0], 0, 999)] = upd
    np.testing.assert_array_equal(out, want)


def test_gather_scatter_registered():
    assert core.all_primitives["gather"] is gather_p
    for name in ["scatter", "scatter-add", "scatter-sub", "scatter-mul", "scatter-min",
                 "scatter-max"]:
        assert name in core.all_primitives


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3)])
def test_gather_matches_take_for_every_axis(shape):
    """Every axis of every small array, through all three index dtypes: a broad sweep."""
    operand = values(shape, np.int32)
    for axis, index_dtype in itertools.product(range(len(shape)), [np.int8, np.uint32]):
        ix = np.arange(shape[axis]).astype(index_dtype)[::-1]
        ss = tuple(1 if d == axis else s for d, s in enumerate(shape))
        offset_dims = tuple(range(1, len(shape)))
        dn = GDN(offset_dims, (axis,), (axis,))
        out = np.asarray(gather(A(operand), A(ix[:, None]), dn, ss))
        want = np.moveaxis(np.take(operand, ix.astype(np.int64), axis=axis), axis, 0)
        np.testing.assert_array_equal(out, want)

"""vmap of every structural, reduction, indexing, scatter, contraction, sorting and collective
primitive: vmap(f)(xs) equals f applied to each slice of xs and stacked, for batch dims in
several positions (and unbatched operands), several out_axes, eagerly, under jit (both ways
round) and abstractly (make_jaxpr's types match the eager result's, weak type included)."""
import itertools

import ml_dtypes
import numpy as np
import pytest

import pyjax
from pyjax._src import core
from pyjax._src import lax
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives import dynamic_slicing as DS
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import indexing, linear, reductions as R, scatter, sorting
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import structural as S
from pyjax._src.primitives.indexing import GatherDimensionNumbers as GDN
from pyjax._src.primitives.scatter import ScatterDimensionNumbers as SDN
from pyjax._src.vmap_api import vmap


bf16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, bf16, np.float32,
          np.complex64]
B = 3  # the mapped axis size


def values(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "c":
        return (rng.integers(-9, 9, shape) + 1j * rng.integers(-9, 9, shape)).astype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, 200, shape).astype(dtype)
    return rng.integers(-50, 50, shape).astype(dtype)


def batched(x, axis, size=B, seed=1):
    """A batch of ``size`` arrays like ``x`` (the first is ``x``), stacked along ``axis``."""
    x = np.asarray(x)
    if axis is None:
        return x
    rng = np.random.default_rng(seed)
    members = [x] + [_perturb(x, rng) for _ in range(size - 1)]
    return np.stack(members, axis=axis % (x.ndim + 1)) if size else np.zeros(
        x.shape[:axis % (x.ndim + 1)] + (0,) + x.shape[axis % (x.ndim + 1):], x.dtype)


def _perturb(x, rng):
    if x.dtype == np.bool_:
        return rng.integers(0, 2, x.shape).astype(bool)
    if x.dtype.kind in "iu":
        hi = 3 if x.dtype.kind == "u" or x.ndim == 0 else 9
        return (x + rng.integers(0, hi, x.shape).astype(x.dtype)).astype(x.dtype)
    return (x + rng.standard_normal(x.shape)).astype(x.dtype)


def _leaves(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _close(got, want, exact):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype == bf16:
        got, want = got.astype(np.float32), want.astype(np.float32)
    if exact or got.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-6 if got.dtype.itemsize > 2 else 1e-2,
                                   atol=1e-6)


def check(f, args, in_axes, out_axes=0, weak=None, exact=True, jit_both_ways=True):
    """vmap(f, in_axes, out_axes)(*args) against f on each slice, stacked along out_axes.

    ``args`` are NumPy arrays, already batched along their entry of ``in_axes``; ``weak`` gives
    each argument's weak type (default strong).
    """
    weak = weak or [False] * len(args)
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)

    def wrap(x, w):
        return ArrayImpl(np.asarray(x), w)

    per_member = []
    for i in range(size):
        member_args = [wrap(np.take(a, i, axis=ax) if ax is not None else a, w)
                       for a, ax, w in zip(args, in_axes, weak)]
        per_member.append(_leaves(f(*member_args)))
    jargs = [wrap(a, w) for a, w in zip(args, weak)]
    runs = {"eager": vmap(f, in_axes, out_axes), "jit(vmap)": jit(vmap(f, in_axes, out_axes))}
    if jit_both_ways:
        runs["vmap(jit)"] = vmap(jit(f), in_axes, out_axes)
    avals = make_jaxpr(vmap(f, in_axes, out_axes))(*jargs).out_avals
    for name, run in runs.items():
        got = _leaves(run(*jargs))
        assert len(got) == len(per_member[0]) == len(avals), name
        for k, (g, a) in enumerate(zip(got, avals)):
            members = [m[k] for m in per_member]
            ndim = members[0].ndim + 1
            want = np.stack([np.asarray(m) for m in members], axis=out_axes % ndim)
            try:
                _close(g, want, exact)
            except AssertionError as e:
                raise AssertionError(f"{name} (output {k}, in_axes={in_axes}, "
                                     f"out_axes={out_axes}): {e}") from None
            assert g.weak_type == members[0].weak_type, (name, k)
            assert (a.shape, a.dtype, a.weak_type) == (g.shape, g.dtype, g.weak_type), (name, k)
    return per_member


def axes_variants(ranks):
    """A few in_axes tuples for operands of these (per-member) ranks: every operand batched at
    the front, at the back, in the middle, and each operand in turn unbatched."""
    out = [tuple(0 for _ in ranks), tuple(-1 for _ in ranks),
           tuple(min(1, r) for r in ranks)]
    if len(ranks) > 1:
        for j in range(len(ranks)):
            out.append(tuple(None if i == j else (r if i % 2 else 0)
                             for i, r in enumerate(ranks)))
    seen, result = set(), []
    for v in out:
        canon = tuple(None if a is None else a % (r + 1) for a, r in zip(v, ranks))
        if canon not in seen:
            seen.add(canon)
            result.append(v)
    return result


def run_variants(f, members, out_axes=(0,), weak=None, exact=True):
    """check(f) for each in_axes variant, from per-member example arguments."""
    ranks = [np.ndim(m) for m in members]
    for in_axes in axes_variants(ranks):
        args = [batched(m, ax, seed=i + 1) for i, (m, ax) in enumerate(zip(members, in_axes))]
        for oa in out_axes:
            check(f, args, in_axes, oa, weak=weak, exact=exact)


# ---------------------------------------------------------------------------------------------
# structural


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_structural_dtypes(dtype):
    x = values((2, 3), dtype)
    run_variants(lambda x: S.transpose(x, (1, 0)), [x], out_axes=(0, 1, -1))
    run_variants(lambda x: S.reshape(x, (3, 2)), [x])
    run_variants(lambda x: S.rev(x, (1,)), [x])
    run_variants(lambda x: S.broadcast_in_dim(x, (4, 2, 3), (1, 2)), [x], out_axes=(0, 2))


@pytest.mark.parametrize("in_shape,shape,dims", [
    ((), (3,), ()), ((), (), ()), ((3,), (2, 3), (1,)), ((1, 3), (4, 2, 3), (1, 2)),
    ((2, 1), (2, 5), (0, 1)), ((2,), (2, 4), (0,)), ((2, 3), (2, 4, 3, 5), (0, 2))])
def test_broadcast_in_dim(in_shape, shape, dims):
    run_variants(lambda x: S.broadcast_in_dim(x, shape, dims), [values(in_shape)],
                 out_axes=(0, -1))


def test_broadcast_in_dim_keeps_batch_dim_in_place():
    # No transpose: the batch dim goes right after the output dim of the operand dim before it.
    jaxpr = make_jaxpr(vmap(lambda x: S.broadcast_in_dim(x, (4, 2, 5, 3), (1, 3)),
                            in_axes=1, out_axes=2))(ArrayImpl(values((2, B, 3))))
    assert [e.primitive.name for e in jaxpr.eqns] == ["broadcast_in_dim"]


@pytest.mark.parametrize("shape,new,dims", [
    ((2, 3), (6,), None), ((2, 3), (3, 2), (1, 0)), ((6,), (2, 1, 3), None), ((), (1, 1), None),
    ((2, 3, 4), (4, 6), (2, 0, 1))])
def test_reshape(shape, new, dims):
    run_variants(lambda x: S.reshape(x, new, dims), [values(shape)], out_axes=(0, -1))


@pytest.mark.parametrize("perm", list(itertools.permutations(range(3))))
def test_transpose(perm):
    run_variants(lambda x: S.transpose(x, perm), [values((2, 3, 4))], out_axes=(0, 1, -1))


@pytest.mark.parametrize("shape,dims", [((1, 3, 1), (0,)), ((1, 3, 1), (0, 2)),
                                        ((1, 3, 1), (2,)), ((1,), (0,)), ((2, 3), ())])
def test_squeeze_and_expand_dims(shape, dims):
    run_variants(lambda x: S.squeeze(x, dims), [values(shape)], out_axes=(0, -1))
    run_variants(lambda x: S.expand_dims(x, (0, -1)), [values(shape)])


@pytest.mark.parametrize("dims", [(), (0,), (1,), (0, 2)])
def test_rev(dims):
    run_variants(lambda x: S.rev(x, dims), [values((2, 3, 4))])


@pytest.mark.parametrize("start,limit,strides", [
    ((0, 1), (2, 3), None), ((1, 0), (2, 3), (1, 2)), ((0, 0), (2, 0), None),
    ((0, 1), (2, 3), (2, 1))])
def test_slice(start, limit, strides):
    run_variants(lambda x: S.slice(x, start, limit, strides), [values((2, 3))],
                 out_axes=(0, 1))


def test_slice_in_dim_and_index_in_dim():
    run_variants(lambda x: S.slice_in_dim(x, 1, None, 2, axis=1), [values((2, 5))])
    run_variants(lambda x: S.index_in_dim(x, -1, axis=0, keepdims=False), [values((2, 5))])


@pytest.mark.parametrize("dimension", [0, 1])
def test_concatenate(dimension):
    shapes = [(2, 3), (2, 3)] if dimension == 0 else [(2, 1), (2, 4)]
    xs = [values(s, seed=i) for i, s in enumerate(shapes)] + [values(shapes[0], seed=7)]
    run_variants(lambda a, b, c: J.concatenate([a, b, c] if dimension == 0 else [a, b],
                                               dimension), xs, out_axes=(0, -1))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_split(axis):
    x = values((4, 6))
    sizes = (1, 3) if axis == 0 else (2, 0, 4)
    run_variants(lambda x: J.split(x, sizes, axis), [x], out_axes=(0, 1))


@pytest.mark.parametrize("config", [[(1, 2, 0), (0, 0, 1)], [(-1, 1, 1), (2, -2, 0)],
                                    [(0, 0, 0), (0, 0, 0)]])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_pad(config, dtype):
    x, v = values((2, 3), dtype), values((), dtype, seed=5)
    run_variants(lambda x, v: J.pad(x, v, config), [x, v], out_axes=(0, -1))


def test_pad_weak_types():
    x, v = values((2, 3)), values((), seed=5)
    for w in ([True, True], [True, False], [False, True]):
        for in_axes in [(0, 0), (None, 0), (1, None)]:
            args = [batched(x, in_axes[0]), batched(v, in_axes[1], seed=3)]
            check(lambda x, v: J.pad(x, v, [(1, 1, 1), (0, 1, 0)]), args, in_axes, weak=w)


def test_iota_and_full_inside():
    def f(x):
        return ew.add_p.bind(x, S.broadcasted_iota(np.float32, (2, 3), 1)), S.full((2,), 1.5)
    run_variants(f, [values((2, 3))])


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.bool_])
@pytest.mark.parametrize("sizes", [(1, 2), (2, 3), (0, 1)])
def test_dynamic_slice(dtype, sizes):
    x = values((3, 4), dtype)
    i, j = np.array(1, np.int32), np.array(-3, np.int32)  # negative and clamped starts
    run_variants(lambda x, i, j: DS.dynamic_slice(x, (i, j), sizes), [x, i, j],
                 out_axes=(0, -1))
    run_variants(lambda x, i: DS.dynamic_index_in_dim(x, i, 1, keepdims=False), [x, i])


def test_dynamic_slice_batched_operand_only_stays_dynamic_slice():
    x, i = ArrayImpl(values((3, B, 4))), ArrayImpl(np.array(2, np.int32))
    jaxpr = make_jaxpr(vmap(lambda x, i: DS.dynamic_slice(x, (i, i), (2, 2)),
                            in_axes=(1, None)))(x, i)
    assert "gather" not in str(jaxpr) and "dynamic_slice" in str(jaxpr)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_dynamic_update_slice(dtype):
    x, u = values((3, 4), dtype), values((2, 2), dtype, seed=4)
    i, j = np.array(2, np.int32), np.array(-1, np.int32)
    run_variants(lambda x, u, i, j: DS.dynamic_update_slice(x, u, (i, j)), [x, u, i, j],
                 out_axes=(0, 1))
    run_variants(lambda x, u, i: DS.dynamic_update_index_in_dim(x, u, i, 0),
                 [x, values((4,), dtype), i])


def test_dynamic_update_slice_weak_types():
    x, u, i = values((3, 4)), values((1, 2), seed=4), np.array(1, np.int32)
    for w in ([True, True, False], [True, False, False], [False, True, False]):
        for in_axes in [(0, None, None), (None, 0, None), (0, 0, 0), (None, None, 0)]:
            args = [batched(a, ax, seed=k) for k, (a, ax) in enumerate(zip((x, u, i), in_axes))]
            check(lambda x, u, i: DS.dynamic_update_slice(x, u, (i, i)), args, in_axes, weak=w)


def test_unbatched_operands_stay_unbatched():
    # A value that does not depend on the mapped input is computed once, without a batch dim.
    c = ArrayImpl(values((2, 3)))
    jaxpr = make_jaxpr(vmap(lambda x: (S.transpose(c, (1, 0)), x)))(ArrayImpl(values((B,))))
    transposes = [e for e in jaxpr.eqns if e.primitive.name == "transpose"]
    assert [e.outvars[0].aval.shape for e in transposes] == [(3, 2)]


# ---------------------------------------------------------------------------------------------
# reductions

REDUCERS = [R.reduce_sum, R.reduce_prod, R.reduce_max, R.reduce_min]
LOGICAL = [R.reduce_and, R.reduce_or, R.reduce_xor]


@pytest.mark.parametrize("axes", [(), (0,), (1,), (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("red", REDUCERS + LOGICAL, ids=lambda r: r.__name__)
def test_reductions(red, axes):
    dtype = np.int32 if red in LOGICAL else np.float32
    run_variants(lambda x: red(x, axes), [values((2, 3, 4), dtype)], out_axes=(0, -1),
                 exact=red in LOGICAL or red in (R.reduce_max, R.reduce_min))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.float16, bf16, np.complex64, np.bool_])
def test_reductions_dtypes(dtype):
    x = values((2, 3), dtype)
    if dtype != np.bool_:
        run_variants(lambda x: R.reduce_sum(x, (1,)), [x], exact=False)
    if dtype != np.complex64:
        run_variants(lambda x: R.reduce_max(x, (0,)), [x])


@pytest.mark.parametrize("fun", [R.argmax, R.argmin], ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_argminmax(fun, axis):
    run_variants(lambda x: fun(x, axis, np.int32), [values((2, 3, 4))], out_axes=(0, -1))


@pytest.mark.parametrize("fun", [R.cumsum, R.cumprod, R.cummax, R.cummin, R.cumlogsumexp],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis,reverse", [(0, False), (1, True), (2, False)])
def test_cumulative(fun, axis, reverse):
    x = values((2, 3, 4)) / 10
    run_variants(lambda x: fun(x, axis, reverse), [x], exact=False)


def test_reduce_precision():
    run_variants(lambda x: R.reduce_precision(x, 5, 10), [values((2, 3)) / 7])


def test_reduce_weak_type_kept():
    check(lambda x: R.reduce_sum(x, (0,)), [batched(values((2,)), 1)], (1,), weak=[True])
    check(lambda x: R.argmax(x, 0, np.int32), [batched(values((2,)), 0)], (0,), weak=[True])


# ---------------------------------------------------------------------------------------------
# gather and scatter

GATHERS = [
    # x[i] on a vector, on rows, x[:, i], x[i, j] pairs, windows of 2, and a batching gather
    # (take_along_axis-like).
    ((5,), (2, 1), GDN((), (0,), (0,)), (1,)),
    ((4, 3), (2, 1), GDN((1,), (0,), (0,)), (1, 3)),
    ((4, 3), (2, 1), GDN((0,), (1,), (1,)), (4, 1)),
    ((4, 3), (2, 2), GDN((), (0, 1), (0, 1)), (1, 1)),
    ((4, 3), (1,), GDN((0, 1), (), (0,)), (2, 3)),
    ((4, 3), (4, 2, 1), GDN((), (1,), (1,), (0,), (0,)), (1, 1)),
]


@pytest.mark.parametrize("mode", [None, "clip", "fill"])
@pytest.mark.parametrize("shape,ishape,dn,sizes", GATHERS)
def test_gather(shape, ishape, dn, sizes, mode):
    x = values(shape)
    idx = np.random.default_rng(0).integers(-1, 5, ishape).astype(np.int32)
    run_variants(lambda x, i: indexing.gather(x, i, dn, sizes, mode=mode), [x, idx],
                 out_axes=(0, -1))


SCATTERS = [scatter.scatter, scatter.scatter_add, scatter.scatter_sub, scatter.scatter_mul,
            scatter.scatter_min, scatter.scatter_max]
SCATTER_CASES = [
    ((5,), (2, 1), (2,), SDN((), (0,), (0,))),
    ((4, 3), (2, 1), (2, 3), SDN((1,), (0,), (0,))),
    ((4, 3), (1,), (2, 2), SDN((0, 1), (), (0,))),
    ((4, 3), (4, 2, 1), (4, 2), SDN((), (1,), (1,), (0,), (0,))),
]


@pytest.mark.parametrize("mode", [None, "clip"])
@pytest.mark.parametrize("shape,ishape,ushape,dn", SCATTER_CASES)
@pytest.mark.parametrize("fun", SCATTERS, ids=lambda f: f.__name__)
def test_scatter(fun, shape, ishape, ushape, dn, mode):
    x, u = values(shape), values(ushape, seed=3)
    # Unique in-bounds-or-dropped indices, so that `scatter` (set) is deterministic.
    idx = np.arange(int(np.prod(ishape)), dtype=np.int32).reshape(ishape) % 5 - 1
    run_variants(lambda x, i, u: fun(x, i, u, dn, mode=mode), [x, idx, u], out_axes=(0, 1))


def test_scatter_apply():
    dn = SDN((), (0,), (0,))
    run_variants(lambda x, i: scatter.scatter_apply(x, i, lambda v: v * 2, dn, update_shape=(2,)),
                 [values((5,)), np.array([[1], [3]], np.int32)])


# ---------------------------------------------------------------------------------------------
# dot_general

DOTS = [
    ((3,), (3,), (((0,), (0,)), ((), ()))),
    ((2, 3), (3,), (((1,), (0,)), ((), ()))),
    ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),
    ((3, 2), (4, 3), (((0,), (1,)), ((), ()))),
    ((5, 2, 3), (5, 3, 4), (((2,), (1,)), ((0,), (0,)))),
    ((2, 5, 3), (3, 4, 5), (((2,), (0,)), ((1,), (2,)))),
    ((2, 3), (4,), (((), ()), ((), ()))),
]


@pytest.mark.parametrize("ls,rs,dn", DOTS)
def test_dot_general(ls, rs, dn):
    run_variants(lambda a, b: linear.dot_general(a, b, dn), [values(ls), values(rs, seed=2)],
                 out_axes=(0, -1), exact=False)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.bool_, np.complex64, np.float16])
def test_dot_general_dtypes(dtype):
    run_variants(lambda a, b: linear.dot(a, b), [values((2, 3), dtype), values((3,), dtype, 2)],
                 exact=dtype not in (np.float16, np.complex64))
    run_variants(lambda a, b: linear.dot_general(a, b, (((1,), (0,)), ((), ())),
                                                 preferred_element_type=np.float32),
                 [values((2, 3), np.int8), values((3, 2), np.int8, 2)])


# ---------------------------------------------------------------------------------------------
# sort and top_k


@pytest.mark.parametrize("dimension", [0, 1, -1])
def test_sort(dimension):
    run_variants(lambda x: sorting.sort(x, dimension), [values((3, 4))], out_axes=(0, -1))


@pytest.mark.parametrize("num_keys", [1, 2])
def test_sort_multiple_operands(num_keys):
    k1 = values((2, 5)) % 3
    k2, v = values((2, 5), seed=2), values((2, 5), np.int32, seed=4)
    run_variants(lambda a, b, c: sorting.sort((a, b, c), 1, num_keys=num_keys), [k1, k2, v])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_top_k(axis):
    run_variants(lambda x: sorting.top_k(x, 2, axis=axis), [values((3, 4))], out_axes=(0, -1))


# ---------------------------------------------------------------------------------------------
# elementwise primitives with their own rules (select_n, clamp, conversions)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((), (2, 3), (2, 3)),
                                    ((2, 3), (), ()), ((), (), ()), ((2, 3), (), (2, 3))])
def test_select_n(shapes):
    which = values(shapes[0], np.bool_)
    cases = [values(s, seed=i + 2) for i, s in enumerate(shapes[1:])]
    run_variants(lambda w, a, b: ew.select_n_p.bind(w, a, b), [which] + cases, out_axes=(0, -1))
    which3 = (values(shapes[0], np.int32) % 3).astype(np.int32)
    run_variants(lambda w, a, b, c: ew.select_n_p.bind(w, a, b, c),
                 [which3] + cases + [values(shapes[1], seed=9)])


@pytest.mark.parametrize("shapes", [((), (2, 3), ()), ((2, 3), (2, 3), (2, 3)),
                                    ((), (), ()), ((2, 3), (2, 3), ())])
def test_clamp(shapes):
    lo, x, hi = (values(s, seed=i) for i, s in enumerate(shapes))
    run_variants(lambda lo, x, hi: ew.clamp_p.bind(lo, x, hi), [lo - 20, x, hi + 20],
                 out_axes=(0, -1))


def test_conversions():
    x = values((2, 3))
    run_variants(lambda x: lax.convert_element_type(x, np.int8), [x])
    run_variants(lambda x: lax._convert(x, np.float32, True), [x])
    run_variants(lambda x: lax.bitcast_convert_type(x, np.uint8), [x], out_axes=(0, -1))
    run_variants(lambda x: lax.bitcast_convert_type(x, np.int32), [values((2, 4), np.int8)],
                 out_axes=(0, -1))
    run_variants(lambda x: lax.bitcast_convert_type(x, np.uint16), [values((3, 2), np.int8)])


# ---------------------------------------------------------------------------------------------
# every primitive of these families has a batching rule


def test_every_primitive_has_a_batching_rule():
    from pyjax._src.primitives import parallel
    modules = [S, J, DS, R, indexing, scatter, linear, sorting, parallel, ew]
    missing = []
    for mod in modules:
        for name, value in vars(mod).items():
            if isinstance(value, core.Primitive) and name.endswith("_p"):
                if value.batch is None and value.batch_with_axis is None \
                        and "batch" not in value.opt_outs:
                    missing.append(value.name)
    assert not missing, missing


# ---------------------------------------------------------------------------------------------
# collectives over named axes


def _named(f, **kw):
    return vmap(f, axis_name="i", **kw)


@pytest.mark.parametrize("in_axes", [0, 1])
def test_psum_pmean_pmax_pmin(in_axes):
    x = batched(values((2,)), in_axes)
    xs = np.moveaxis(x, in_axes, 0)
    for fun, ref in [(lax.psum, np.sum), (lax.pmax, np.max), (lax.pmin, np.min),
                     (lax.pmean, np.mean)]:
        for wrap in (lambda g: g, jit):
            got = wrap(_named(lambda v: fun(v, "i"), in_axes=in_axes))(ArrayImpl(x))
            np.testing.assert_allclose(np.asarray(got), np.broadcast_to(ref(xs, 0), xs.shape),
                                       rtol=1e-6)


def test_collectives_of_unbatched_values():
    x = ArrayImpl(values((B,)))
    got = _named(lambda v: (lax.psum(1.5, "i"), lax.pmax(2.0, "i"), v))(x)
    np.testing.assert_array_equal(np.asarray(got[0]), [4.5] * B)
    np.testing.assert_array_equal(np.asarray(got[1]), [2.0] * B)


def test_axis_index():
    got = _named(lambda v: v * 0 + lax.axis_index("i"))(ArrayImpl(np.zeros(B, np.int32)))
    np.testing.assert_array_equal(np.asarray(got), np.arange(B))
    got = jit(_named(lambda v: lax.axis_index("i")))(ArrayImpl(np.zeros(B, np.int32)))
    np.testing.assert_array_equal(np.asarray(got), np.arange(B))


@pytest.mark.parametrize("axis,tiled", [(0, False), (1, False), (0, True), (1, True)])
def test_all_gather(axis, tiled):
    x = values((B, 2, 2))
    got = _named(lambda v: lax.all_gather(v, "i", axis=axis, tiled=tiled))(ArrayImpl(x))
    want = np.moveaxis(x, 0, axis)
    if tiled:
        want = np.concatenate(list(np.moveaxis(x, 0, 0)), axis=axis)
    np.testing.assert_array_equal(np.asarray(got), np.broadcast_to(want, (B,) + want.shape))


def test_nested_named_axes():
    x = values((2, B, 4))  # mapped over "i" (axis 0) outside and "j" (axis 1) inside

    def inner(v):
        return (lax.psum(v, "i"), lax.psum(v, "j"), lax.psum(v, ("i", "j")),
                lax.axis_index("i") * 10 + lax.axis_index("j"))

    f = vmap(vmap(inner, axis_name="j"), axis_name="i")
    for wrap in (lambda g: g, jit):
        si, sj, sij, idx = wrap(f)(ArrayImpl(x))
        np.testing.assert_allclose(np.asarray(si), np.broadcast_to(x.sum(0), x.shape))
        np.testing.assert_allclose(np.asarray(sj),
                                   np.broadcast_to(x.sum(1, keepdims=True), x.shape))
        np.testing.assert_allclose(np.asarray(sij), np.broadcast_to(x.sum((0, 1)), x.shape))
        np.testing.assert_array_equal(np.asarray(idx),
                                      np.arange(2)[:, None] * 10 + np.arange(B)[None, :])


@pytest.mark.parametrize("axis", [0, 1])
def test_all_gather_over_outer_axis_of_inner_batched_value(axis):
    # The inner vmap passes the gather through to the outer axis: its batch dim must move.
    x = values((2, B, 4))
    f = vmap(vmap(lambda v: lax.all_gather(v, "i", axis=axis), axis_name="j", in_axes=0),
             axis_name="i", in_axes=0)
    got = np.asarray(f(ArrayImpl(x)))
    for a in range(2):
        for b in range(B):
            np.testing.assert_array_equal(got[a, b], np.stack(x[:, b], axis=axis))


def test_collective_under_vmap_of_jit():
    f = vmap(jit(lambda v: v - lax.pmean(v, "i")), axis_name="i")
    x = values((B, 2))
    np.testing.assert_allclose(np.asarray(f(ArrayImpl(x))), x - x.mean(0), rtol=1e-6)


def test_unbound_axis_name():
    with pytest.raises(NameError, match="unbound axis name: k"):
        vmap(lambda v: lax.psum(v, "k"), axis_name="i")(ArrayImpl(values((B,))))


@pytest.mark.parametrize("tiled", [False, True])
def test_collectives_over_several_names(tiled):
    x = values((2, B, 4))

    def inner(v):
        return (lax.all_gather(v, ("i", "j"), tiled=tiled), lax.axis_index(("i", "j")),
                lax.all_gather(v, ("j", "i"), axis=0 if tiled else 1, tiled=tiled))

    f = vmap(vmap(inner, axis_name="j"), axis_name="i")
    for wrap in (lambda g: g, jit):
        g1, idx, g2 = (np.asarray(o) for o in wrap(f)(ArrayImpl(x)))
        want1 = x.reshape(2 * B, 4)
        want2 = np.swapaxes(x, 0, 1).reshape(2 * B, 4)
        if tiled:
            want1, want2 = want1.reshape(-1), want2.reshape(-1)
        else:
            want2 = want2.T
        np.testing.assert_array_equal(idx, np.arange(2 * B).reshape(2, B))
        for a in range(2):
            for b in range(B):
                np.testing.assert_array_equal(g1[a, b], want1)
                np.testing.assert_array_equal(g2[a, b], want2)


# ---------------------------------------------------------------------------------------------
# gradients through batched rules (their jvp and transpose rules see batching dims, gathers made
# from dynamic slices, batched pads, ...)

from pyjax._src.ad_api import grad  # noqa: E402

_IDX = ArrayImpl(np.array([[2], [0], [2]], np.int32))
GRAD_FUNS = {
    "gather": lambda x: R.reduce_sum(ew.mul_p.bind(indexing.gather(
        x, _IDX, GDN((1,), (0,), (0,)), (1, 3)), x[:3]), (0, 1)),
    "scatter_add": lambda x: R.reduce_sum(ew.sin_p.bind(scatter.scatter_add(
        x, _IDX, ew.mul_p.bind(x[:3], x[:3]), SDN((1,), (0,), (0,)))), (0, 1)),
    "sort": lambda x: R.reduce_sum(ew.mul_p.bind(sorting.sort(x, 1), x), (0, 1)),
    "top_k": lambda x: R.reduce_sum(ew.mul_p.bind(sorting.top_k(x, 2)[0], x[:, :2]), (0, 1)),
    "cumprod": lambda x: R.reduce_sum(R.cumprod(x, 0), (0, 1)),
    "dot": lambda x: R.reduce_sum(linear.dot(x, S.transpose(x, (1, 0))), (0, 1)),
    "dynamic_slice": lambda x: R.reduce_sum(ew.mul_p.bind(
        DS.dynamic_slice(x, (R.argmax(x[:, 0], 0, np.int32), np.int32(1)), (2, 2)),
        x[:2, :2]), (0, 1)),
    "pad_concat": lambda x: R.reduce_max(J.concatenate(
        [J.pad(x, x[0, 0], [(1, 0, 1), (0, 1, 0)]), S.rev(J.pad(x, 0., [(1, 0, 1), (1, 0, 0)]),
                                                         (0,))], 1), (0, 1)),
    "reduce_prod": lambda x: R.reduce_prod(ew.add_p.bind(x, x), (0, 1)),
}


@pytest.mark.parametrize("name", list(GRAD_FUNS))
def test_vmap_of_grad_and_grad_of_vmap(name):
    f = GRAD_FUNS[name]
    xs = (values((B, 4, 3)) / 20).astype(np.float32)
    per = np.stack([np.asarray(grad(f)(ArrayImpl(x))) for x in xs])
    _close(vmap(grad(f))(ArrayImpl(xs)), per, exact=False)
    _close(jit(vmap(grad(f)))(ArrayImpl(xs)), per, exact=False)
    total = grad(lambda xs: R.reduce_sum(vmap(f)(xs), (0,)))
    _close(total(ArrayImpl(xs)), per, exact=False)
    _close(vmap(grad(f), in_axes=1)(ArrayImpl(np.moveaxis(xs, 0, 1))), per, exact=False)


# ----------------------------------------------------------------------------------------------
# every elementwise primitive of the unary/nary factories, against stacking

_PARAMS = {"integer_pow": {"y": 3}, "round": {"rounding_method": 1},
           "convert_element_type": {"new_dtype": np.dtype(np.int32), "weak_type": False,
                                    "sharding": None},
           "bitcast_convert_type": {"new_dtype": np.dtype(np.int32)},
           "reduce_precision": {"exponent_bits": 5, "mantissa_bits": 10}}


def _elementwise_cases():
    rng = np.random.default_rng(0)
    cases = []
    for name in sorted(dir(ew)):
        p = getattr(ew, name)
        if not name.endswith("_p") or not isinstance(p, core.Primitive) or p.multiple_results:
            continue
        params = _PARAMS.get(p.name, {})
        for dtype in (np.float32, np.int32, np.bool_):
            for arity in (2, 1):
                args = [core.ShapedArray((3, 4), dtype) for _ in range(arity)]
                try:
                    p.abstract_eval(*args, **params)
                except (TypeError, ValueError, IndexError, KeyError):
                    continue
                vals = [(rng.uniform(0.1, 0.9, (3, 4)) * (1 if dtype == np.float32 else 10))
                        .astype(dtype) for _ in range(arity)]
                cases.append(pytest.param(p, params, vals, id=f"{p.name}-{np.dtype(dtype).name}"))
                break
            else:
                continue
            break
    return cases


@pytest.mark.parametrize("prim,params,vals", _elementwise_cases())
@pytest.mark.parametrize("in_axis,out_axis", [(0, 0), (1, 1), (-1, 0), (0, -1)])
def test_elementwise_primitive(prim, params, vals, in_axis, out_axis):
    f = lambda *xs: prim.bind(*xs, **params)  # noqa: E731
    # Batch the first operand; hold the others fixed (one slice) to mix batched and unbatched.
    fixed = [ArrayImpl(np.moveaxis(v, in_axis, 0)[0]) for v in vals[1:]]
    got = pyjax.vmap(f, in_axes=(in_axis,) + (None,) * len(fixed), out_axes=out_axis)(
        ArrayImpl(vals[0]), *fixed)
    rows = [f(ArrayImpl(r), *fixed) for r in np.moveaxis(vals[0], in_axis, 0)]
    want = np.moveaxis(np.stack([np.asarray(r) for r in rows]), 0, out_axis)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, equal_nan=True)

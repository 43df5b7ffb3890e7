"""jax.random features beyond tests/test_random.py: orthogonal, the gumbel modes (and the
samplers that pass a mode on), multinomial, out_sharding, the public names and signatures,
typed-key comparisons and errors, and the fast path of the sort primitive under permutation.

Golden values come from JAX 0.10.2 (scripts/record_random_golden.py --extra, into
tests/data/random_golden_extra.json); they are replayed with tests/test_random.py's checker and
compared bit for bit (no case here needs an ulp tolerance).
"""
import inspect
import json
import os
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
import test_random as tr
from pyjax import random
from pyjax._src import dtypes
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.primitives import sorting
from pyjax._src.random_samplers import _fixed_point_to_float32

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "random_golden_extra.json")
with open(GOLDEN) as _f:
    _DATA = json.load(_f)


def _check(cfg_name, case):
    """tests/test_random.py's check_case on a case of the extra file (its configuration is
    put under a name of its own in that module's table for the duration of the call)."""
    name = f"extra:{cfg_name}"
    with mock.patch.dict(tr._DATA, {name: _DATA[cfg_name]}):
        return tr.check_case(name, case)


@pytest.mark.parametrize("cfg_name,case", [
    pytest.param(cfg_name, case, id=f"{cfg_name}-{case['id']}")
    for cfg_name, cfg in _DATA.items() for case in cfg["cases"]])
def test_golden_extra(cfg_name, case):
    with config.setting("jax_enable_x64", _DATA[cfg_name]["jax_enable_x64"]), \
            config.setting("jax_threefry_partitionable",
                           _DATA[cfg_name]["jax_threefry_partitionable"]):
        problem = _check(cfg_name, case)
    assert problem is None, f"{case['call']} [{case['mode']}]: {problem}"


def _param_list(fn):
    return [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
            for p in inspect.signature(fn).parameters.values()]


def test_public_names_and_signatures_match_jax():
    want = _DATA["x64_off"]["signatures"]
    mine = sorted(n for n in dir(random) if not n.startswith("_"))
    assert mine == sorted(want)
    for name, params in want.items():
        if params is not None:
            assert _param_list(getattr(random, name)) == params, name
    assert random.random_gamma_p is not None and random.random_gamma_p.name == "random_gamma"


# ----------------------------------------------------------------------------------------------
# orthogonal: properties on shapes and dtypes the golden cases do not cover


@pytest.mark.parametrize("n,m,shape,dtype", [
    (5, None, (), np.float32), (3, 7, (2,), np.float32), (7, 3, (2, 2), np.float32),
    (4, None, (3,), np.complex64), (6, 2, (), np.complex64)])
def test_orthogonal_is_orthonormal(n, m, shape, dtype):
    x = np.asarray(random.orthogonal(random.key(3), n, shape, dtype, m))
    m_ = n if m is None else m
    assert x.shape == (*shape, n, m_) and x.dtype == dtype
    xh = np.conj(np.swapaxes(x, -1, -2))
    gram = x @ xh if n <= m_ else xh @ x
    assert np.allclose(gram, np.eye(min(n, m_)), atol=2e-6)


def test_orthogonal_jit_and_vmap():
    keys = random.split(random.key(1), 3)
    f = lambda k: random.orthogonal(k, 4, m=3)  # noqa: E731
    want = np.stack([np.asarray(f(k)) for k in keys])
    assert np.array_equal(np.asarray(pyjax.vmap(f)(keys)), want)
    assert np.array_equal(np.asarray(pyjax.jit(pyjax.vmap(f))(keys)), want)
    assert np.array_equal(np.asarray(pyjax.jit(f)(keys[0])), want[0])


def test_orthogonal_needs_concrete_n():
    with pytest.raises(pyjax.errors.ConcretizationTypeError, match="orthogonal"):
        pyjax.jit(lambda n: random.orthogonal(random.key(0), n))(3)


# ----------------------------------------------------------------------------------------------
# gumbel mode='highest': the 64-bit fixed-point to float32 conversion on edge inputs


def _truncated_float32(hi, lo):
    """Reference: (hi * 2**32 + lo) / 2**64 rounded toward zero to float32's 24 bits."""
    v = Fraction(hi * 2 ** 32 + lo, 2 ** 64)
    e = v.numerator.bit_length() - v.denominator.bit_length()
    e = e if Fraction(2) ** e <= v else e - 1  # 2**e <= v < 2**(e+1)
    mant = int(v / Fraction(2) ** (e - 23))  # 24 bits, truncated
    return np.float32(mant * 2.0 ** (e - 23))


def test_fixed_point_to_float32_truncates():
    rng = np.random.default_rng(0)
    his, los = [], []
    for zeros in list(range(0, 33)) + list(range(33, 64, 3)):
        for _ in range(4):
            word = int(rng.integers(1, 2 ** 63, dtype=np.uint64)) | (1 << 63)
            v = (word >> zeros) | (int(rng.integers(0, 2 ** 16)) if zeros > 48 else 0)
            v = max(v, 1)
            his.append(v >> 32)
            los.append(v & 0xFFFFFFFF)
    his += [0x7FFFFFFF, 0, 0, 0xFFFFFFFF]
    los += [0xFFFFFFFF, 1, 0xFFFFFFFF, 0xFFFFFFFF]
    hi, lo = np.array(his, np.uint32), np.array(los, np.uint32)
    got = np.asarray(_fixed_point_to_float32(ArrayImpl(hi), ArrayImpl(lo)))
    want = np.array([_truncated_float32(int(a), int(b)) for a, b in zip(his, los)], np.float32)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    # All 64 bits zero: JAX's formula gives 2**-65 (not 0), so -log(-log1p(-x)) stays finite.
    zero = np.asarray(_fixed_point_to_float32(ArrayImpl(np.uint32(0)), ArrayImpl(np.uint32(0))))
    assert zero == np.float32(2.0 ** -65)


@pytest.mark.parametrize("mode", ["low", "high", "highest"])
def test_gumbel_modes_jit_vmap_agree(mode):
    keys = random.split(random.key(4), 3)
    f = lambda k: random.gumbel(k, (300,), mode=mode)  # noqa: E731
    want = np.stack([np.asarray(f(k)) for k in keys])
    assert np.all(np.isfinite(want))
    assert np.array_equal(np.asarray(pyjax.jit(f)(keys[0])), want[0])
    assert np.array_equal(np.asarray(pyjax.vmap(f)(keys)), want)


def test_gumbel_default_mode_follows_flag():
    k = random.key(0)
    with config.setting("jax_high_dynamic_range_gumbel", True):
        flagged = np.asarray(random.gumbel(k, (5,)))
    assert np.array_equal(flagged, np.asarray(random.gumbel(k, (5,), mode="high")))
    assert not np.array_equal(flagged, np.asarray(random.gumbel(k, (5,))))


# ----------------------------------------------------------------------------------------------
# multinomial


def test_multinomial_counts_sum_to_n_and_transform():
    p = jnp.array([[0.2, 0.3, 0.5], [0.0, 0.9, 0.1]])
    n = jnp.array([40.0, 7.0])
    keys = random.split(random.key(2), 4)
    f = lambda k: random.multinomial(k, n, p)  # noqa: E731
    want = np.stack([np.asarray(f(k)) for k in keys])
    assert np.array_equal(want.sum(-1), np.broadcast_to([40.0, 7.0], (4, 2)))
    assert np.all(want[:, 1, 0] == 0)  # an outcome of probability 0 never happens
    assert np.array_equal(np.asarray(pyjax.vmap(f)(keys)), want)
    assert np.array_equal(np.asarray(pyjax.jit(f)(keys[0])), want[0])


# ----------------------------------------------------------------------------------------------
# out_sharding: every sampler that has the keyword takes None and rejects anything else


def test_out_sharding_none_accepted_everywhere():
    for name, params in _DATA["x64_off"]["signatures"].items():
        if params is None or "out_sharding" not in [p[0] for p in params]:
            continue
        sig = inspect.signature(getattr(random, name))
        assert sig.parameters["out_sharding"].kind is inspect.Parameter.KEYWORD_ONLY, name
    k = random.key(0)
    assert np.array_equal(np.asarray(random.normal(k, (2,), out_sharding=None)),
                          np.asarray(random.normal(k, (2,))))
    with pytest.raises(TypeError, match="`out_sharding` argument of permutation"):
        random.permutation(k, 3, out_sharding="x")


# ----------------------------------------------------------------------------------------------
# Typed keys: comparisons under transformations


def test_key_equality_jit_and_vmap():
    ks = random.split(random.key(9), 4)
    eq = lambda a, b: a == b  # noqa: E731
    want = np.array([False, True, False, False])
    assert np.array_equal(np.asarray(ks == ks[1]), want)
    assert np.array_equal(np.asarray(pyjax.jit(eq)(ks, ks[1])), want)
    assert np.array_equal(np.asarray(pyjax.vmap(eq, (0, None))(ks, ks[1])), want)
    assert np.array_equal(np.asarray(pyjax.vmap(lambda a: a != a)(ks)), np.zeros(4, bool))
    # Key data that differ in one word only are different keys.
    a = random.wrap_key_data(jnp.array([[1, 2], [1, 3], [0, 2]], jnp.uint32))
    b = random.wrap_key_data(jnp.array([1, 2], jnp.uint32))
    assert np.array_equal(np.asarray(a == b), [True, False, False])
    assert np.array_equal(np.asarray(pyjax.jit(eq)(a, b)), [True, False, False])


def test_key_arithmetic_fails_under_jit_too():
    with pytest.raises(TypeError, match=r"^multiply does not accept dtypes key<fry>, int32\.$"):
        pyjax.jit(lambda k: k * 3)(random.key(0))
    with pytest.raises(TypeError, match=r"^sub does not accept dtype key<fry>"):
        pyjax.jit(lambda k: k - k)(random.key(0))


# ----------------------------------------------------------------------------------------------
# The sort primitive's fast path (32-bit keys sorted with their index) against NumPy


def _reference_sort(keys, values, axis):
    perm = np.argsort(keys, axis=axis, kind="stable")
    return np.take_along_axis(keys, perm, axis), np.take_along_axis(values, perm, axis)


@pytest.mark.parametrize("dtype", [np.int32, np.uint32, np.float32, np.float16,
                                   dtypes.bfloat16])
@pytest.mark.parametrize("shape,axis", [((1000,), 0), ((7, 300), 1), ((300, 7), 0), ((1,), 0),
                                        ((0, 5), 1)])
def test_sort_fast_path_matches_stable_argsort(dtype, shape, axis):
    rng = np.random.default_rng(1)
    floating = dtypes.issubdtype(dtype, np.floating)
    if floating:
        pool = np.array([np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf, 1.5, -2.25, 3e-3],
                        np.float32)
        keys = rng.choice(pool, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        pool = np.array([info.min, info.max, 0, 1, info.max - 1, 7], np.int64)
        keys = rng.choice(pool, shape).astype(dtype)
    values = np.arange(keys.size, dtype=np.int32).reshape(shape)
    got_k, got_v = sorting._sort_impl(keys, values, dimension=axis, is_stable=True, num_keys=1)
    ref_keys = keys.astype(np.float32) if floating else keys
    want_k, want_v = _reference_sort(ref_keys, values, axis)
    assert np.array_equal(got_v, want_v)
    words = f"u{np.dtype(dtype).itemsize}"
    assert np.array_equal(got_k.view(words),
                          np.take_along_axis(keys, np.argsort(ref_keys, axis, kind="stable"),
                                             axis).view(words))
    (alone,) = sorting._sort_impl(keys, dimension=axis, is_stable=True, num_keys=1)
    assert np.array_equal(alone.view(words), got_k.view(words))


def test_sort_fast_path_ties_keep_order():
    # -0.0/+0.0 tie and every NaN ties (after +inf), so equal keys keep their input order.
    keys = np.array([0.0, np.nan, -0.0, -np.nan, 0.0, np.inf], np.float32)
    _, perm = sorting._sort_impl(keys, np.arange(6), dimension=0, is_stable=True, num_keys=1)
    assert perm.tolist() == [0, 2, 4, 5, 1, 3]

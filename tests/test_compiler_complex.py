"""complex64/complex128 programs compiled into kernels (compiler/complex_lowering.py): every
rewrite against the interpreter (NumPy's complex loops), special values, accuracy where NumPy
itself is not the reference (abs/div/log at extreme magnitudes, against long double), the
decision to lower (kernels used, no extra fallbacks), and jit end to end.

Errors are measured norm-wise: |got - expected| in ulps of |expected| (a complex result is
accurate to its magnitude; a part that cancels has no relative accuracy of its own). Accepted
differences from NumPy: NumPy's complex multiply/square use fused multiply-adds, so products
differ by an ulp or so, and where an intermediate overflows (|a*c| or |b*d| above the dtype's
maximum, next to an infinite part) NumPy may give +-inf where the compiled code gives NaN;
NumPy's log1p is log|1 + z| computed naively, less accurate near |1 + z| = 1 than ours.
"""
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax._src.compiler import complex_lowering as cl
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as red
from pyjax._src.primitives import structural as st

from compiler_helpers import arr, run_both

pytestmark = pytest.mark.usefixtures("strict_kernels")
DTYPES = [np.complex64, np.complex128]
LD = np.clongdouble


def _random(shape, dtype, seed, scale=1.0):
    rs = np.random.RandomState(seed)
    return ((rs.standard_normal(shape) + 1j * rs.standard_normal(shape)) * scale).astype(dtype)


def _specials(dtype):
    """Every pair of special and ordinary parts (196 values)."""
    fi = np.finfo(dtype)
    v = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, fi.tiny,
                  fi.smallest_subnormal * 3, fi.max / 2, 1e30, -2.5, 0.7, 1e-30],
                 np.float64).astype(fi.dtype)
    out = np.empty((v.size, v.size), dtype)
    out.real, out.imag = v[:, None], v[None, :]
    return out.ravel()


def _moderate(*zs):
    """Where no finite part of ``zs`` squares past the dtype's maximum (there NumPy's fused
    multiply-adds give +-inf where the compiled products give NaN: see the module doc)."""
    big = np.sqrt(np.finfo(zs[0].real.dtype).max) / 2
    ok = True
    for z in zs:
        for p in (z.real, z.imag):
            ok = ok & (~np.isfinite(p) | (np.abs(p) < big))
    return ok


def _parts(z):
    return ew.real_p.bind(z), ew.imag_p.bind(z)


def _join(re, im):
    out = np.empty(re.shape, np.result_type(re.dtype, np.complex64))
    out.real, out.imag = re, im
    return out


def assert_complex_close(expected, got, ulps=4):
    """Same NaN parts, same infinite parts, finite values within ``ulps`` of |expected|."""
    assert got.dtype == expected.dtype and got.shape == expected.shape
    for p, q in ((expected.real, got.real), (expected.imag, got.imag)):
        np.testing.assert_array_equal(np.isnan(p), np.isnan(q), err_msg="NaN parts")
        inf = np.isinf(p) | np.isinf(q)
        np.testing.assert_array_equal(p[inf], q[inf], err_msg="infinite parts")
    ok = np.isfinite(expected) & np.isfinite(got)
    e, g = expected[ok], got[ok]
    mag = np.maximum(np.abs(e), np.abs(g)).astype(e.real.dtype)
    err = np.abs(e.astype(np.complex128) - g) / np.spacing(mag).astype(np.float64)
    assert err.size == 0 or err.max() <= ulps, (float(err.max()), e[np.argmax(err)],
                                                g[np.argmax(err)])


def check_parts(f, *args, ulps=4, max_fallbacks=None):
    """f returns (re, im) of one complex result: compiled against the interpreter."""
    exe, e, g = run_both(f, *[arr(a) for a in args])
    assert_complex_close(_join(*e), _join(*g), ulps)
    assert exe.kernels, exe.plan.stats
    if max_fallbacks is not None:
        assert exe.plan.stats["fallback_eqns"] <= max_fallbacks, exe.plan.stats
    return exe


def _prims(exe):
    return [e.primitive for kind, s in exe.plan.steps if kind == "eqn" for e in [s]]


UNARY = [("exp", ew.exp_p, 4), ("log", ew.log_p, 4), ("sqrt", ew.sqrt_p, 4),
         ("sin", ew.sin_p, 4), ("cos", ew.cos_p, 4), ("expm1", ew.expm1_p, 5),
         ("log1p", ew.log1p_p, 16), ("sign", ew.sign_p, 4), ("square", ew.square_p, 2),
         ("neg", ew.neg_p, 0), ("conj", ew.conj_p, 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,prim,ulps", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, prim, ulps, dtype, x64):
    for scale in (1.0, 30.0):
        x = _random(3000, dtype, 1, scale)
        # One split (a free view) replaces the equation and both part extractions.
        if prim is ew.log1p_p:  # NumPy's is less accurate than ours near |1 + z| = 1
            exe, _, g = run_both(lambda a: _parts(prim.bind(a)), arr(x))
            want = np.log((1 + x).astype(LD)).astype(dtype)  # 1 + z rounds as in both
            assert_complex_close(want, _join(*g), ulps=4)
        else:
            exe = check_parts(lambda a: _parts(prim.bind(a)), x, ulps=ulps, max_fallbacks=2)
        assert cl.complex_parts_p in _prims(exe) and exe.plan.stats["fallback_eqns"] <= 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,prim", [u[:2] for u in UNARY[:-2]] + [("abs", ew.abs_p)],
                         ids=[u[0] for u in UNARY[:-2]] + ["abs"])
def test_unary_specials(name, prim, dtype, x64):
    x = _specials(dtype)
    if prim is ew.abs_p:
        _, (e,), (g,) = run_both(lambda a: prim.bind(ew.neg_p.bind(a)), arr(x))
        np.testing.assert_array_equal(np.isnan(e), np.isnan(g))
        ok = ~np.isnan(e)
        np.testing.assert_allclose(g[ok], e[ok], rtol=3 * np.finfo(e.dtype).eps)
        return
    _, e, g = run_both(lambda a: _parts(prim.bind(a)), arr(x))
    e, g = _join(*e), _join(*g)
    if prim is ew.square_p:
        e, g = e[_moderate(x)], g[_moderate(x)]
    assert_complex_close(e, g, ulps=16 if prim is ew.log1p_p else 5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_pow(dtype, x64):
    x = _random(2000, dtype, 2, 3.0)
    for y in (0, 1, 2, 3, 5, -1, -2, -3):
        exe, e, g = run_both(lambda a: _parts(ew.integer_pow_p.bind(a, y=y)), arr(x))
        assert_complex_close(_join(*e), _join(*g), ulps=8)
        assert y in (0, 1) or (exe.plan.stats["fallback_eqns"] <= 2 and exe.kernels)
    check_parts(lambda a: _parts(ew.integer_pow_p.bind(a, y=-2)), _specials(dtype), ulps=8)


BINARY = [("add", ew.add_p, 0), ("sub", ew.sub_p, 0), ("mul", ew.mul_p, 2),
          ("div", ew.div_p, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,prim,ulps", BINARY, ids=[b[0] for b in BINARY])
def test_binary_and_broadcasting(name, prim, ulps, dtype, x64):
    x, y = _random((40, 60), dtype, 3), _random((40, 60), dtype, 4)
    row, scalar = _random((1, 60), dtype, 5), np.asarray(1.5 - 2j, dtype)
    check_parts(lambda a, b: _parts(prim.bind(a, b)), x, y, ulps=ulps, max_fallbacks=3)
    check_parts(lambda a, b: _parts(prim.bind(a, b)), x, row, ulps=ulps, max_fallbacks=3)
    check_parts(lambda a, b: _parts(prim.bind(b, a)), x, row, ulps=ulps, max_fallbacks=3)
    # A complex scalar literal is split at compile time.
    check_parts(lambda a: _parts(prim.bind(a, scalar)), x, ulps=ulps, max_fallbacks=2)
    s = _specials(dtype)
    _, e, g = run_both(lambda a, b: _parts(prim.bind(a, b)), arr(s), arr(s[::-1].copy()))
    e, g = _join(*e), _join(*g)
    if prim is ew.mul_p:
        fine = _moderate(s, s[::-1])
        e, g = e[fine], g[fine]
    assert_complex_close(e, g, ulps=ulps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_abs_and_div_at_extreme_magnitudes(dtype, x64):
    fi = np.finfo(np.dtype(dtype).char.lower())
    rs = np.random.RandomState(6)
    mags = np.exp(rs.uniform(np.log(fi.tiny) + 5, np.log(fi.max) - 5, 4000))
    x = (mags * np.exp(1j * rs.uniform(-np.pi, np.pi, 4000))).astype(dtype)
    y = x[::-1].copy()
    # No overflow or underflow in the middle: |x| ~ 1e30 in float32 squares to 1e60.
    _, (e,), (g,) = run_both(lambda a: ew.abs_p.bind(ew.neg_p.bind(a)), arr(x))
    want = np.abs(x.astype(LD))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.astype(LD), want, rtol=3 * fi.eps)
    exe, e, g = run_both(lambda a, b: _parts(ew.div_p.bind(a, b)), arr(x), arr(y))
    want = (x.astype(LD) / y.astype(LD))
    got = _join(*g)
    fine = (np.abs(want) < fi.max / 4) & (np.abs(want) > fi.tiny * 4)
    assert np.all(np.isfinite(got[fine]))
    err = np.abs(got[fine].astype(LD) - want[fine]) / np.abs(want[fine])
    assert err.max() <= 4 * fi.eps, float(err.max())


def test_log_near_the_unit_circle(x64):
    # log|z| cancels for |z| ~ 1: checked against long double, not NumPy's complex128 log.
    rs = np.random.RandomState(7)
    t = rs.uniform(-np.pi, np.pi, 3000)
    r = 1 + rs.standard_normal(3000) * 1e-6
    for dtype in DTYPES:
        z = (r * np.exp(1j * t)).astype(dtype)
        _, _, g = run_both(lambda a: _parts(ew.log_p.bind(a)), arr(z))
        want = np.log(z.astype(LD))
        eps = np.finfo(g[0].dtype).eps
        err = np.abs(g[0].astype(LD) - want.real) / np.maximum(np.abs(want.real), 1e-300)
        # Relative to log|z| itself (~1e-6): a few ulps.
        assert np.median(err) <= eps and err.max() <= 64 * eps, (dtype, float(err.max()))
        np.testing.assert_allclose(g[1].astype(LD), want.imag, rtol=4 * eps, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reduce_sum(dtype, x64):
    x, y = _random((30, 40, 7), dtype, 8), _random((30, 40, 7), dtype, 9)
    for axes in [(0,), (1,), (2,), (0, 2), (0, 1, 2)]:
        def f(a, b):
            return _parts(red.reduce_sum_p.bind(ew.mul_p.bind(ew.exp_p.bind(a), b), axes=axes))
        exe = check_parts(f, x, y, ulps=64, max_fallbacks=2)
        assert exe.plan.stats["kernels"] == 1
        kir = exe.kernels[0][0].kir
        assert len(kir.reductions) == 2  # one per part, in one kernel


@pytest.mark.parametrize("dtype", DTYPES)
def test_layout_ops(dtype, x64):
    x = _random((8, 1, 300), dtype, 10)
    v = _random((300,), dtype, 11)

    def f(a, b):
        t = st.transpose_p.bind(a, permutation=(2, 1, 0))            # (300, 1, 8)
        s = st.squeeze_p.bind(t, dimensions=(1,))                    # (300, 8)
        r = st.reshape_p.bind(s, new_sizes=(1, 300, 8), dimensions=None, sharding=None)
        sl = st.slice_p.bind(r, start_indices=(0, 2, 1), limit_indices=(1, 298, 8),
                             strides=(1, 3, 2))                      # (1, 99, 4)
        bb = st.broadcast_in_dim_p.bind(b, shape=(4, 300), broadcast_dimensions=(1,),
                                        sharding=None)
        bs = st.slice_p.bind(bb, start_indices=(1, 2), limit_indices=(2, 298),
                             strides=(1, 3))                         # (1, 99)
        bs = st.broadcast_in_dim_p.bind(bs, shape=(1, 99, 4), broadcast_dimensions=(0, 1),
                                        sharding=None)
        return _parts(ew.mul_p.bind(ew.exp_p.bind(sl), bs))
    exe = check_parts(f, x, v, ulps=4, max_fallbacks=3)
    assert exe.plan.stats["kernels"] == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_converts(dtype, x64):
    other = np.complex128 if dtype == np.complex64 else np.complex64
    real = np.dtype(np.dtype(dtype).char.lower())
    x = _random(500, dtype, 12, 3.0)
    xi = np.random.RandomState(13).randint(-50, 50, 500).astype(np.int32)

    def cv(a, d):
        return ew.convert_element_type_p.bind(a, new_dtype=np.dtype(d), weak_type=False,
                                              sharding=None)
    # real -> complex (ints and floats), complex <-> complex
    check_parts(lambda a, i: _parts(ew.mul_p.bind(ew.exp_p.bind(a), cv(i, dtype))), x, xi,
                ulps=4, max_fallbacks=2)
    exe, e, g = run_both(lambda a: _parts(cv(ew.exp_p.bind(a), other)), arr(x))
    narrow = np.complex64  # the values are computed in complex64 one way or the other
    assert_complex_close(_join(*e).astype(narrow), _join(*g).astype(narrow), ulps=4)
    assert exe.kernels and exe.plan.stats["fallback_eqns"] <= 2
    # complex -> real, int, bool: the impl keeps the real part (as NumPy) and compares to 0.
    for d in (real, np.int32, np.bool_):
        exe, e, g = run_both(lambda a: (cv(ew.mul_p.bind(a, a), d), ew.imag_p.bind(a)),
                             arr(np.concatenate([x, [0, 1j, 0.5 + 0j]]).astype(dtype)))
        if d == real:
            np.testing.assert_allclose(g[0], e[0], rtol=0, atol=4 * np.spacing(
                np.abs(x) ** 2).max())
        else:
            np.testing.assert_array_equal(g[0], e[0])
        assert exe.kernels


@pytest.mark.parametrize("dtype", DTYPES)
def test_compare_select_complex_real_imag(dtype, x64):
    x = _random(400, dtype, 14)
    y = x.copy()
    y[::3] += 1j
    y[1::3] += 1
    e, g = run_both(lambda a, b: (ew.eq_p.bind(ew.exp_p.bind(a), ew.exp_p.bind(b)),
                                  ew.ne_p.bind(ew.exp_p.bind(a), ew.exp_p.bind(b))),
                    arr(x), arr(y))[1:]
    for u, w in zip(e, g):
        np.testing.assert_array_equal(u, w)

    def f(a, b):
        pick = ew.gt_p.bind(ew.real_p.bind(a), ew.imag_p.bind(b))
        s = ew.select_n_p.bind(pick, ew.exp_p.bind(a), ew.mul_p.bind(a, b))
        c = ew.complex_p.bind(ew.imag_p.bind(s), ew.real_p.bind(s))
        return _parts(ew.add_p.bind(ew.conj_p.bind(c), ew.neg_p.bind(a)))
    check_parts(f, x, y, ulps=4, max_fallbacks=3)
    which = np.random.RandomState(15).randint(0, 3, 400).astype(np.int32)
    check_parts(lambda w, a, b: _parts(ew.select_n_p.bind(
        w, ew.exp_p.bind(a), ew.sqrt_p.bind(b), ew.mul_p.bind(a, b))), which, x, y,
        max_fallbacks=3)


def test_mixed_program_and_joins(x64):
    x = _random((64, 32), np.complex64, 16)
    w = np.random.RandomState(17).standard_normal((64, 32)).astype(np.float32)

    def f(a, r):
        z = ew.mul_p.bind(ew.exp_p.bind(a), ew.complex_p.bind(r, ew.sin_p.bind(r)))
        m = ew.abs_p.bind(z)                                   # real result of complex work
        q = ew.div_p.bind(z, ew.add_p.bind(a, np.complex64(2)))
        # cumsum has no rule: it runs on the joined complex value.
        cs = red.cumsum_p.bind(q, axis=1, reverse=False)
        return m, ew.log_p.bind(ew.sqrt_p.bind(q)), cs
    exe, e, g = run_both(f, arr(x), arr(w))
    np.testing.assert_allclose(g[0], e[0], rtol=4e-7)
    # log near |sqrt(q)| = 1 amplifies the ulps by which q differs (products: see the doc).
    np.testing.assert_allclose(g[1], e[1], rtol=0, atol=1e-6)
    assert_complex_close(e[2], g[2], ulps=4 * 32)
    prims = _prims(exe)
    # q is joined once (for cumsum and its use as an output); cumsum runs on NumPy.
    assert prims.count(ew.complex_p) == 2 and red.cumsum_p in prims
    assert prims.count(cl.complex_parts_p) == 1


def test_lowered_only_when_it_pays(x64, all_fused):
    x, y = _random(1000, np.complex64, 18), _random(1000, np.complex64, 19)
    # One product of two inputs: two splits and a join would replace one NumPy call.
    exe, e, g = run_both(lambda a, b: ew.mul_p.bind(a, b), arr(x), arr(y))
    assert exe.optimized.eqns[0].primitive is ew.mul_p and not exe.kernels
    np.testing.assert_array_equal(e[0], g[0])
    # Moves only (real/imag of an input): NumPy's views, nothing lowered.
    exe, _, _ = run_both(lambda a: _parts(a), arr(x))
    assert cl.complex_parts_p not in _prims(exe)


def test_small_values_stay_with_numpy(x64):
    x = _random(8, np.complex128, 20)
    exe, e, g = run_both(lambda a: _parts(ew.exp_p.bind(ew.mul_p.bind(a, a))), arr(x))
    assert cl.complex_parts_p not in _prims(exe)
    assert_complex_close(_join(*e), _join(*g), 0)


def test_jit_end_to_end_against_numpy():
    rs = np.random.RandomState(21)
    x = (rs.standard_normal((200, 30)) + 1j * rs.standard_normal((200, 30))).astype(
        np.complex64)
    r = rs.standard_normal((200, 30)).astype(np.float32)

    def f(a, b):
        z = jnp.exp(1j * b) * a / (a * a + 2.0)
        return jnp.abs(z).sum(axis=0), jnp.sum(z * jnp.conj(a), axis=1), jnp.sqrt(z) + z.real

    got = pyjax.jit(f)(x, r)
    with np.errstate(all="ignore"):
        z = np.exp(1j * r.astype(np.complex64)) * x / (x * x + np.complex64(2))
        want = (np.abs(z).sum(axis=0), np.sum(z * np.conj(x), axis=1), np.sqrt(z) + z.real)
    np.testing.assert_allclose(np.asarray(got[0]), want[0], rtol=2e-6)
    np.testing.assert_allclose(np.asarray(got[1]), want[1], rtol=1e-5, atol=1e-5)
    assert np.asarray(got[2]).dtype == np.complex64
    assert_complex_close(want[2], np.asarray(got[2]), ulps=8)
    cost = pyjax.jit(f).lower(x, r).compile().cost_analysis()
    assert cost["kernels"] >= 1 and cost["fused_equations"] > 20, cost
    # Only the boundary steps stay with NumPy: no complex arithmetic falls back.
    assert set(cost["fallback_primitives"]) <= {"complex_parts", "complex"}, cost


def test_complex_of_infinite_parts():
    # lax.complex assigns the parts (x + 1j * y would make inf * 1j = nan + inf j).
    from pyjax import lax
    re = np.array([0.0, np.inf, -1.0, np.nan], np.float32)
    im = np.array([np.inf, 0.0, -np.inf, 1.0], np.float32)
    want = np.empty(4, np.complex64)
    want.real, want.imag = re, im
    for f in (lax.complex, pyjax.jit(lax.complex)):
        got = np.asarray(f(re, im))
        assert got.dtype == np.complex64
        np.testing.assert_array_equal(got.real, re)
        np.testing.assert_array_equal(got.imag, im)

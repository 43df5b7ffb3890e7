"""Compiled math beyond test_compiler.py: the inverse trigonometric and hyperbolic functions,
atan2, sinh/cosh, cbrt and rem (fmod), each against the interpreter and for accuracy against
NumPy in long double (80-bit) over wide domains with special values; and float16/bfloat16
kernels (computed in float32, rounded after every operation) against the interpreter."""
import numpy as np
import pytest

from pyjax._src import dtypes
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as red

from compiler_helpers import arr, check, run_both, special_floats

pytestmark = pytest.mark.usefixtures("strict_kernels")

LD = np.longdouble
BF16 = np.dtype(dtypes.bfloat16)
F16 = np.dtype(np.float16)


def _wide(dtype, n, seed, lo=-1.0, hi=1.0, log_range=None):
    """Uniform values in [lo, hi], or +-exp(uniform) over ``log_range``, plus specials."""
    rs = np.random.RandomState(seed)
    if log_range is not None:
        x = np.exp(rs.uniform(*log_range, n)) * rs.choice([-1.0, 1.0], n)
    else:
        x = rs.uniform(lo, hi, n)
    fi = np.finfo(dtype)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, fi.tiny,
                -fi.tiny, fi.tiny / 8, fi.smallest_subnormal, -fi.smallest_subnormal, fi.max,
                -fi.max, fi.eps]
    with np.errstate(over="ignore"):
        return np.concatenate([x, specials]).astype(dtype)


def _ulp_errors(got, want, dtype):
    """|got - want| in ulps of the correctly rounded result, where the reference is finite;
    plus the number of lanes whose NaN/inf pattern differs."""
    want_r = want.astype(dtype)
    finite = np.isfinite(want_r) & np.isfinite(got)
    err = np.abs(got[finite].astype(LD) - want[finite]) / np.spacing(
        np.abs(want_r[finite])).astype(LD)
    pattern = (np.isnan(got) != np.isnan(want_r)) | (
        (np.isinf(got) | np.isinf(want_r)) & (got != want_r))
    return err, int(pattern.sum())


# (name, primitive, long-double reference, domains as _wide keyword sets, max ulps f32, f64)
UNARY = [
    ("atan", ew.atan_p, np.arctan, [dict(lo=-4, hi=4), dict(log_range=(-60, 60))], 1, 1),
    ("asin", ew.asin_p, np.arcsin, [dict(lo=-1, hi=1), dict(log_range=(-40, 0)),
                                    dict(lo=0.96, hi=1.0)], 1, 1),
    ("acos", ew.acos_p, np.arccos, [dict(lo=-1, hi=1), dict(log_range=(-40, 0)),
                                    dict(lo=0.96, hi=1.0)], 1, 1),
    ("asinh", ew.asinh_p, np.arcsinh, [dict(lo=-5, hi=5), dict(log_range=(-60, 700))], 1, 2.5),
    ("acosh", ew.acosh_p, np.arccosh, [dict(lo=1, hi=5), dict(log_range=(0, 700)),
                                       dict(lo=0.5, hi=1.0)], 1, 2.5),
    ("atanh", ew.atanh_p, np.arctanh, [dict(lo=-1, hi=1), dict(log_range=(-40, 0)),
                                       dict(lo=0.99, hi=1.0)], 1, 2.5),
    ("sinh", ew.sinh_p, np.sinh, [dict(lo=-25, hi=25), dict(log_range=(-40, 6.6))], 1, 2.5),
    ("cosh", ew.cosh_p, np.cosh, [dict(lo=-25, hi=25), dict(log_range=(-40, 6.6))], 1, 2.5),
    ("cbrt", ew.cbrt_p, np.cbrt, [dict(lo=-5, hi=5), dict(log_range=(-740, 700))], 1, 1),
]


@pytest.mark.parametrize("name,prim,ref,domains,ulps32,ulps64", UNARY,
                         ids=[u[0] for u in UNARY])
def test_unary_accuracy(name, prim, ref, domains, ulps32, ulps64, x64):
    for dtype, ulps in ((np.float32, ulps32), (np.float64, ulps64)):
        x = np.concatenate([_wide(dtype, 20000, seed, **d) for seed, d in enumerate(domains)])
        _, (expected,), (got,) = run_both(lambda a: prim.bind(a), arr(x))
        with np.errstate(all="ignore"):
            want = ref(x.astype(LD))
        err, pattern = _ulp_errors(got, want, dtype)
        assert pattern == 0, (dtype, x[np.isnan(got) != np.isnan(want.astype(dtype))][:5])
        assert err.max() <= ulps, (dtype, float(err.max()))
        # The interpreter (NumPy) is itself within an ulp or two of the truth.
        assert np.array_equal(np.isnan(expected), np.isnan(got))


@pytest.mark.parametrize("prim", [u[1] for u in UNARY], ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_against_interpreter(prim, dtype, x64):
    x = special_floats(dtype)
    check(lambda a: prim.bind(a), arr(x), ulps=3, atol=np.finfo(dtype).tiny, kernels=1)


def test_atan2(x64):
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 3.0, 5e-324, -1e-310,
                         1e300, -1e300])
    rs = np.random.RandomState(3)
    n = 20000
    for dtype, ulps in ((np.float32, 1.5), (np.float64, 2)):
        y = np.concatenate([np.exp(rs.uniform(-60, 60, n)) * rs.choice([-1, 1], n),
                            rs.uniform(-3, 3, n), np.repeat(specials, specials.size)])
        x = np.concatenate([np.exp(rs.uniform(-60, 60, n)) * rs.choice([-1, 1], n),
                            rs.uniform(-3, 3, n), np.tile(specials, specials.size)])
        with np.errstate(over="ignore"):
            y, x = y.astype(dtype), x.astype(dtype)
        _, (expected,), (got,) = run_both(lambda a, b: ew.atan2_p.bind(a, b), arr(y), arr(x))
        err, pattern = _ulp_errors(got, np.arctan2(y.astype(LD), x.astype(LD)), dtype)
        assert pattern == 0 and err.max() <= ulps, (dtype, float(err.max()))
        # Signed zeros, infinities and NaNs exactly as C99 (NumPy) has them.
        tail = slice(-specials.size ** 2, None)
        np.testing.assert_array_equal(np.signbit(got[tail]), np.signbit(expected[tail]))
        exact = np.isnan(expected[tail]) | (expected[tail] == 0) | np.isinf(y[tail]) | (
            x[tail] == 0)
        np.testing.assert_allclose(got[tail][exact], expected[tail][exact], rtol=2e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rem_float_is_exact_fmod(dtype, x64):
    """fmod is exact: every bit (and the sign of zero) equals NumPy's, also across the widest
    exponent gaps (the reduction loop's many rounds) and for subnormals."""
    rs = np.random.RandomState(4)
    n = 20000
    e = 700 if dtype == np.float64 else 87
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 3.0, -6.0, 2.0,
                         np.finfo(dtype).smallest_subnormal, np.finfo(dtype).max])
    x = np.concatenate([np.exp(rs.uniform(-e, e, n)) * rs.choice([-1, 1], n),
                        rs.uniform(-10, 10, n), np.repeat(specials, specials.size),
                        np.full(500, np.finfo(dtype).max), -np.arange(1, 501) * 6.0])
    y = np.concatenate([np.exp(rs.uniform(-e, e, n)) * rs.choice([-1, 1], n),
                        rs.uniform(-3, 3, n), np.tile(specials, specials.size),
                        np.arange(1, 501) * np.finfo(dtype).smallest_subnormal,
                        np.full(500, 3.0)])
    with np.errstate(over="ignore"):
        x, y = x.astype(dtype), y.astype(dtype)
    _, (expected,), (got,) = run_both(lambda a, b: ew.rem_p.bind(a, b), arr(x), arr(y))
    with np.errstate(all="ignore"):
        assert np.array_equal(expected, np.fmod(x, y), equal_nan=True)
    same = (got.view(f"u{got.itemsize}") == expected.view(f"u{got.itemsize}")) | (
        np.isnan(got) & np.isnan(expected))
    assert same.all(), (x[~same][:4], y[~same][:4], got[~same][:4], expected[~same][:4])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint32])
def test_rem_int_signs_and_division_by_zero(dtype, x64):
    """XLA's integer rem: the sign of the dividend, x % 0 = x, INT_MIN % -1 = 0."""
    info = np.iinfo(dtype)
    vals = [0, 1, 2, 7, info.max, info.max - 1] + ([-1, -2, -7, info.min, info.min + 1]
                                                   if info.min else [])
    x = np.repeat(np.array(vals, dtype), len(vals) + 1)
    y = np.tile(np.array(vals + [3], dtype), len(vals))
    exe, (expected,), (got,) = run_both(lambda a, b: ew.rem_p.bind(a, b), arr(x), arr(y))
    np.testing.assert_array_equal(got, expected)
    zero = y == 0
    np.testing.assert_array_equal(got[zero], x[zero])
    if info.min:
        neg = (x < 0) & (y != 0)
        assert (got[neg] <= 0).all()


# ----------------------------------------------------------------------------------------------
# float16 / bfloat16


@pytest.fixture(params=[F16, BF16], ids=["float16", "bfloat16"])
def narrow(request):
    """A narrow float dtype (bfloat16 is of NumPy kind "V", like PRNG keys, but fuses)."""
    return request.param


def _narrow_values(dtype, n=3000, seed=5, scale=3.0):
    rs = np.random.RandomState(seed)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 6e-8, 1e-40, 65504.0, 7e4, 0.5]
    with np.errstate(over="ignore"):
        return np.concatenate([rs.standard_normal(n) * scale, specials]).astype(dtype)


EXACT_NARROW = [ew.add_p, ew.sub_p, ew.mul_p, ew.div_p, ew.rem_p, ew.max_p, ew.min_p]
UNARY_NARROW = [ew.exp_p, ew.log_p, ew.sin_p, ew.cos_p, ew.tanh_p, ew.logistic_p, ew.expm1_p,
                ew.log1p_p, ew.exp2_p, ew.atan_p, ew.asinh_p, ew.cosh_p, ew.cbrt_p]


def test_narrow_arithmetic_is_exact(narrow, x64):
    """+ - * / rem max min round exactly as NumPy/ml_dtypes (float32 has enough bits)."""
    x = _narrow_values(narrow)
    y = np.roll(x, 7)
    for prim in EXACT_NARROW:
        check(lambda a, b: prim.bind(a, b), arr(x), arr(y), ulps=0, kernels=1)
    for prim in (ew.sqrt_p, ew.rsqrt_p, ew.neg_p, ew.abs_p, ew.sign_p, ew.square_p, ew.floor_p,
                 ew.is_finite_p):
        check(lambda a: prim.bind(a), arr(x), ulps=0, kernels=1)
    # A chain rounds after every step, as the interpreter does.
    check(lambda a, b: ew.div_p.bind(ew.mul_p.bind(ew.add_p.bind(a, b), ew.sub_p.bind(a, b)),
                                     ew.add_p.bind(b, np.array(3, narrow))),
          arr(x), arr(y), ulps=0, kernels=1)


def test_narrow_math(narrow, x64):
    """Functions computed in float32 then rounded: at most an ulp from NumPy's float32 ones."""
    x = _narrow_values(narrow)
    y = np.roll(np.abs(x), 3)
    for prim in UNARY_NARROW:
        check(lambda a: prim.bind(a), arr(x), ulps=1, kernels=1)
    for prim in (ew.atan2_p, ew.pow_p):
        check(lambda a, b: prim.bind(a, b), arr(np.abs(x) if prim is ew.pow_p else x), arr(y),
              ulps=1, kernels=1)


CONVERT_NARROW = [np.float64, np.float32, np.float16, BF16, np.int64, np.int32, np.uint8,
                  np.bool_]


def test_narrow_conversions(narrow, x64):
    """To and from every dtype, exactly as NumPy/ml_dtypes (float64 -> float16 rounds once,
    float64 -> bfloat16 through float32 as ml_dtypes does)."""
    rs = np.random.RandomState(6)
    # float64 values next to float16 rounding boundaries (ties and near-ties).
    near_ties = 1 + rs.randint(0, 2 ** 10, 3000) * 2.0 ** -10 + 2.0 ** -11 + rs.choice(
        [-1, 0, 1], 3000) * 2.0 ** -40
    base = np.concatenate([_narrow_values(np.float64), near_ties, rs.standard_normal(3000)])
    for src in CONVERT_NARROW:
        with np.errstate(all="ignore"):
            if np.dtype(src).kind in "iu":
                x = (base * 1000).astype(src)
            else:
                x = base.astype(src) if src != np.bool_ else base > 0
        check(lambda a: ew.convert_element_type_p.bind(
            a, new_dtype=narrow, weak_type=False, sharding=None), arr(x), ulps=0,
            kernels=None if np.dtype(src) == narrow else 1)
    x = _narrow_values(narrow)
    for dst in CONVERT_NARROW:
        if np.dtype(dst) != narrow:
            check(lambda a: ew.convert_element_type_p.bind(
                a, new_dtype=np.dtype(dst), weak_type=False, sharding=None), arr(x), ulps=0,
                kernels=1)


@pytest.mark.parametrize("axes", [(0,), (1,), (0, 1)])
def test_narrow_reductions(narrow, axes, x64):
    m = np.random.RandomState(7).standard_normal((40, 300)).astype(narrow)
    for prim in (red.reduce_max_p, red.reduce_min_p):
        check(lambda a: prim.bind(ew.mul_p.bind(a, a), axes=axes), arr(m), ulps=0, kernels=1)
    # Sums accumulate in float64 here, in float32 in the impl: the same after rounding, but for
    # rare near-ties.
    check(lambda a: red.reduce_sum_p.bind(ew.mul_p.bind(a, a), axes=axes), arr(m), ulps=1,
          kernels=1)
    small = ew.exp_p.bind(ew.mul_p.bind(arr(m), np.array(0.01, narrow)))
    check(lambda a: red.reduce_prod_p.bind(a, axes=axes), small, rtol=3e-3, kernels=1)
    for prim in (red.argmax_p, red.argmin_p):
        check(lambda a: prim.bind(a, axes=(axes[0],), index_dtype=np.dtype(np.int32)), arr(m),
              kernels=1)


def test_narrow_refusals(x64):
    """Equations kernels cannot reproduce stay with their impls: nextafter and bitcasts of half
    floats (bits kept in float32 registers), SciPy's erf family (its float16 results are
    float64)."""
    x = _narrow_values(F16)
    exe = check(lambda a, b: ew.nextafter_p.bind(a, b), arr(x), arr(np.roll(x, 1)), ulps=0)
    assert not exe.kernels
    exe = check(lambda a: ew.bitcast_convert_type_p.bind(a, new_dtype=np.dtype(np.int16)),
                arr(x))
    assert not exe.kernels
    exe, _, _ = run_both(lambda a: ew.erf_p.bind(a), arr(x))
    assert not exe.kernels

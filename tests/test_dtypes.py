"""Tests of the dtype layer against tables recorded from JAX 0.10.2 (tests/data)."""
import json
import pathlib
import sys
import warnings

import ml_dtypes
import numpy as np
import pytest

from pyjax._src import dtypes
from pyjax._src.config import config

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent / "data" / "promotion_golden.json").read_text())
TYPES = GOLDEN["types"]
MODES = {"x64_off": False, "x64_on": True}
WEAK_LABELS = {"weak_int": 1, "weak_float": 1.0, "weak_complex": 1j}
WEAK_TYPES = {"weak_int": int, "weak_float": float, "weak_complex": complex}
COMPLEX_ERROR = "TypeError: floor_divide does not support complex-valued inputs"
NEG_BOOL_ERROR = ("TypeError: neg does not accept dtype bool. Accepted dtypes are "
                  "subtypes of integer, floating, complexfloating.")


class Arr:
    """Stand-in for a pyjax Array: only .dtype, .weak_type and .shape matter here."""

    def __init__(self, dtype, weak_type=False):
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.shape = ()
        self.ndim = 0


@pytest.fixture
def x64_mode():
    old = config.jax_enable_x64
    yield lambda on: config.update("jax_enable_x64", on)
    config.update("jax_enable_x64", old)


@pytest.fixture(params=list(MODES))
def mode(request, x64_mode):
    x64_mode(MODES[request.param])
    return GOLDEN[request.param]


@pytest.fixture
def x64_off(x64_mode):
    x64_mode(False)


@pytest.fixture
def x64_on(x64_mode):
    x64_mode(True)


def _expected(entry):
    if "error" in entry:
        return entry["error"]
    return entry["dtype"], entry["weak_type"]


def _operands(label, table):
    """Every form an operand of this label can take: the array JAX made (dtype and weak
    flag as recorded in the 'unary' table's input), plus the raw-dtype NumPy array for
    strong labels and the Python scalar for weak labels."""
    rec = table["unary"][label]["input"]
    forms = [Arr(rec["dtype"], rec["weak_type"])]
    if label in WEAK_LABELS:
        forms.append(WEAK_LABELS[label])
        forms.append(WEAK_TYPES[label])
    else:
        forms.append(np.zeros(2, np.dtype(label)))
        forms.append(np.dtype(label))
    return forms


def _result(x, y):
    d, w = dtypes.result_type(x, y, return_weak_type_flag=True)
    return d, w


# Op-specific rules the jnp layer applies on top of result_type.
def _add(x, y):
    d, w = _result(x, y)
    return d.name, w


def _true_divide(x, y):
    d, w = _result(x, y)
    return dtypes.to_inexact_dtype(d).name, w


def _floor_divide(x, y):
    d, w = _result(x, y)
    if dtypes.issubdtype(d, np.complexfloating):
        return COMPLEX_ERROR
    return dtypes.to_numeric_dtype(d).name, w


BINARY = {"add": _add, "true_divide": _true_divide, "floor_divide": _floor_divide}


# ---------------------------------------------------------------------------
# Golden tables


def test_golden_metadata():
    for name, on in MODES.items():
        assert GOLDEN[name]["jax_enable_x64"] is on
        assert GOLDEN[name]["jax_version"] == "0.10.2"
    assert len(TYPES) == 18


def test_promote_types_table(mode):
    spec = lambda label: WEAK_TYPES.get(label) or np.dtype(label)  # noqa: E731
    bad = []
    for a in TYPES:
        for b in TYPES:
            got = dtypes.promote_types(spec(a), spec(b)).name
            if got != mode["promote_types"][a][b]:
                bad.append((a, b, got, mode["promote_types"][a][b]))
    assert not bad
    assert len(mode["promote_types"]) == 18


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_tables(mode, op):
    bad = []
    count = 0
    for a in TYPES:
        for b in TYPES:
            want = _expected(mode[op][a][b])
            for x in _operands(a, mode):
                for y in _operands(b, mode):
                    got = BINARY[op](x, y)
                    count += 1
                    if got != want:
                        bad.append((op, a, b, repr(x), repr(y), got, want))
    assert not bad, bad[:10]
    assert count == 18 * 18 * 9


def _unary_rules(x, in_dtype, in_weak):
    """What each recorded unary op returns, from the dtype rules."""
    d, w = in_dtype, in_weak
    if d == dtypes.bool_:
        total = dtypes.default_int_dtype()
    elif dtypes.issubdtype(d, np.signedinteger):
        total = dtypes.default_int_dtype()
    elif dtypes.issubdtype(d, np.unsignedinteger):
        total = dtypes.default_uint_dtype()
    else:
        total = d
    real = {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}
    return {
        "input": (d.name, w),
        "sqrt": (dtypes.to_inexact_dtype(d).name, w),
        "mean": (dtypes.to_inexact_dtype(d).name, False),
        "sum": (total.name, False),
        "negative": NEG_BOOL_ERROR if d == dtypes.bool_ else (d.name, w),
        "abs": (real.get(d, d).name, w),
        "astype_float_default": (dtypes.canonicalize_dtype(float).name, False),
    }


def test_unary_table(mode):
    bad = []
    for label in TYPES:
        rec = mode["unary"][label]
        for x in _operands(label, mode)[:2]:
            d, w = dtypes.result_type(x, return_weak_type_flag=True)
            got = _unary_rules(x, d, w)
            assert set(got) == set(rec)
            for op, entry in rec.items():
                if got[op] != _expected(entry):
                    bad.append((label, repr(x), op, got[op], _expected(entry)))
    assert not bad, bad


def _power_rules(x):
    d, w = dtypes.result_type(x, return_weak_type_flag=True)
    out = {"**2": (dtypes.to_numeric_dtype(d).name, w)}
    for key, exponent in (("**2.0", 2.0), ("**(1j)", 1j)):
        d2, w2 = dtypes.result_type(x, exponent, return_weak_type_flag=True)
        out[key] = (dtypes.to_numeric_dtype(d2).name, w2)
    return out


def test_power_table(mode):
    bad = []
    for label in TYPES:
        rec = mode["power_scalar_exponent"][label]
        for x in _operands(label, mode)[:2]:
            got = _power_rules(x)
            assert set(got) == set(rec)
            for key, entry in rec.items():
                if got[key] != _expected(entry):
                    bad.append((label, repr(x), key, got[key], _expected(entry)))
    assert not bad, bad


# ---------------------------------------------------------------------------
# Canonicalisation and defaults


def test_canonicalize_dtype_x64_off(x64_off):
    c = dtypes.canonicalize_dtype
    assert c(np.float64) == np.float32 and isinstance(c(np.float64), np.dtype)
    assert c("int64") == np.int32
    assert c(np.dtype("uint64")) == np.uint32
    assert c(np.complex128) == np.complex64
    assert c(int) == np.int32 and c(float) == np.float32 and c(complex) == np.complex64
    assert c(bool) == np.bool_
    assert c(np.int8) == np.int8 and c("float16") == np.float16
    assert c(ml_dtypes.bfloat16) == dtypes.bfloat16
    with pytest.raises(TypeError, match="not understood"):
        c("not-a-dtype")


def test_canonicalize_dtype_x64_on(x64_on):
    c = dtypes.canonicalize_dtype
    assert c(np.float64) == np.float64 and c(int) == np.int64 and c("uint64") == np.uint64
    assert c(complex) == np.complex128


def test_defaults_follow_flag(x64_mode):
    x64_mode(False)
    assert (dtypes.default_int_dtype(), dtypes.default_uint_dtype(),
            dtypes.default_float_dtype(), dtypes.default_complex_dtype()) == (
        np.int32, np.uint32, np.float32, np.complex64)
    assert dtypes.result_type(1) == np.int32
    assert dtypes.canonicalize_dtype(np.int64) == np.int32
    x64_mode(True)
    assert (dtypes.default_int_dtype(), dtypes.default_uint_dtype(),
            dtypes.default_float_dtype(), dtypes.default_complex_dtype()) == (
        np.int64, np.uint64, np.float64, np.complex128)
    assert dtypes.result_type(1) == np.int64
    assert dtypes.canonicalize_dtype(np.int64) == np.int64
    x64_mode(False)
    assert dtypes.result_type(1.0) == np.float32


def test_dtype_names_are_dtypes():
    assert dtypes.float32 == np.dtype("float32") and isinstance(dtypes.float32, np.dtype)
    assert dtypes.bfloat16 == np.dtype(ml_dtypes.bfloat16)
    assert dtypes.bool_ == np.dtype(bool)
    assert dtypes.float0 == np.dtype([("float0", np.void, 0)])
    for name in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float64", "complex64", "complex128"]:
        assert getattr(dtypes, name) == np.dtype(name)


def test_dtype_function(x64_off):
    assert dtypes.dtype(1) == np.int64
    assert dtypes.dtype(1, canonicalize=True) == np.int32
    assert dtypes.dtype(1.0) == np.float64 and dtypes.dtype(1j) == np.complex128
    assert dtypes.dtype(True) == np.bool_
    assert dtypes.dtype(int) == np.int64 and dtypes.dtype(float, canonicalize=True) == np.float32
    assert dtypes.dtype(np.float32(1)) == np.float32
    assert dtypes.dtype(np.zeros(2, np.int64)) == np.int64
    assert dtypes.dtype(np.zeros(2, np.int64), canonicalize=True) == np.int32
    assert dtypes.dtype("float16") == np.float16
    assert dtypes.dtype(np.float64) == np.float64
    assert dtypes.dtype(Arr("bfloat16", True)) == dtypes.bfloat16
    assert dtypes.dtype([1, 2]) == np.int64
    assert dtypes.dtype(dtypes.float0) == dtypes.float0
    with pytest.raises(TypeError, match=r"^Value 'a' with dtype <U1 is not a valid JAX array "
                       r"type\. Only arrays of numeric types are supported by JAX\.$"):
        dtypes.dtype("a")
    with pytest.raises(TypeError, match="is not a valid JAX array type"):
        dtypes.dtype(np.array(["x"]))
    with pytest.raises(TypeError, match="is not a valid JAX array type"):
        dtypes.dtype(np.dtype(object))
    with pytest.raises(ValueError):
        dtypes.dtype(None)


def test_weak_type_predicates():
    assert dtypes.is_weakly_typed(1) and dtypes.is_weakly_typed(1.0)
    assert dtypes.is_weakly_typed(1j)
    assert not dtypes.is_weakly_typed(True)
    assert not dtypes.is_weakly_typed(np.float32(1)) and not dtypes.is_weakly_typed(np.float64(1))
    assert not dtypes.is_weakly_typed(np.zeros(3))
    assert dtypes.is_weakly_typed(Arr("float32", True))
    assert not dtypes.is_weakly_typed(Arr("float32", False))
    assert dtypes.is_python_scalar(True) and dtypes.is_python_scalar(3)
    assert dtypes.is_python_scalar(Arr("int32", True))
    assert not dtypes.is_python_scalar(np.float64(1)) and not dtypes.is_python_scalar(np.ones(1))


# ---------------------------------------------------------------------------
# result_type / promote_types details


def _rt(*args):
    return dtypes.result_type(*args, return_weak_type_flag=True)


def test_spec_examples_x64_off(x64_off):
    f32, i32 = np.dtype("float32"), np.dtype("int32")
    assert _rt(1, 1.0) == (f32, True)
    assert _rt(int) == (i32, True)
    assert _rt(Arr("int8"), 1) == (np.dtype("int8"), False)
    assert _rt(Arr("float16"), 1.0) == (np.dtype("float16"), False)
    assert _rt(Arr("float32"), 1j) == (np.dtype("complex64"), False)
    assert _rt(Arr("int8"), 1.0) == (f32, True)
    assert _rt(Arr("float16"), 1j) == (np.dtype("complex64"), False)
    assert _rt(Arr("bool"), 1) == (i32, True)
    assert _rt(Arr("int32", True), 2.0) == (f32, True)
    assert _rt(Arr("float32", True), Arr("int32")) == (f32, True)
    assert _rt(Arr("float32", True), Arr("float16")) == (np.dtype("float16"), False)
    assert _rt(Arr("int32", True), Arr("float16")) == (np.dtype("float16"), False)
    assert _rt(Arr("float32"), np.float64(2)) == (f32, False)
    assert _rt(Arr("float32"), np.ones(1)) == (f32, False)
    assert _rt(Arr("int8"), np.int64(2)) == (i32, False)
    assert _rt(np.float32(1), np.float32(2)) == (f32, False)
    assert _rt(Arr("bool", True), Arr("bool", True)) == (np.dtype(bool), False)
    assert _rt(None) == (f32, False)
    assert _rt([1, 2], 1.0) == (f32, True)
    assert _rt("float64", int) == (f32, False)
    assert _rt(np.int8, np.uint8) == (np.dtype("int16"), False)
    assert _rt(Arr("int8"), Arr("int8"), Arr("int16"), 1, Arr("uint8")) == (
        np.dtype("int16"), False)
    assert dtypes.result_type(Arr("float32"), 1) == f32  # no flag: just the dtype


def test_spec_examples_x64_on(x64_on):
    f64 = np.dtype("float64")
    assert _rt(Arr("float32"), np.float64(2)) == (f64, False)
    assert _rt(Arr("int8"), np.int64(2)) == (np.dtype("int64"), False)
    assert _rt(Arr("uint64"), Arr("int64")) == (f64, True)
    assert _rt(Arr("int8"), 1.0) == (f64, True)
    assert _rt(Arr("float32"), np.float32(2)) == (np.dtype("float32"), False)
    assert _rt(Arr("int64"), Arr("float16")) == (np.dtype("float16"), False)
    # all-weak inputs join their strong counterparts, then take the default dtype
    assert _rt(Arr("int16", True), Arr("int8", True)) == (np.dtype("int64"), True)


def test_promote_types_spec(x64_off):
    assert dtypes.promote_types(bool, int) == np.int64
    assert dtypes.promote_types("uint64", "int8") == np.float64
    assert dtypes.promote_types("uint8", int) == np.uint8
    assert dtypes.promote_types("float16", float) == np.float16
    assert dtypes.promote_types(np.uint32, np.int32) == np.int32
    assert dtypes.promote_types(np.int32, np.float32) == np.float32
    assert isinstance(dtypes.promote_types(int, float), np.dtype)


def test_promote_types_x64_dependent_entries(x64_mode):
    for other, off, on in [("int8", "int32", "int64"), ("int16", "int32", "int64"),
                           ("int32", "int32", "int64")]:
        x64_mode(False)
        assert dtypes.promote_types("uint32", other).name == off
        x64_mode(True)
        assert dtypes.promote_types("uint32", other).name == on


def test_sub_byte_and_float8_promotion(x64_off):
    int4, f8 = np.dtype(ml_dtypes.int4), np.dtype(ml_dtypes.float8_e4m3fn)
    assert dtypes.result_type(Arr(int4), 1) == int4
    assert dtypes.result_type(Arr(int4), Arr("bool")) == int4
    assert dtypes.result_type(Arr(f8), 1.0) == f8
    assert dtypes.result_type(Arr(f8), 1) == f8
    assert dtypes.promote_types(int4, int4) == int4
    msg = ("Input dtypes ('int4', 'int8') have no available implicit dtype promotion path. "
           "To avoid unintended promotion, 1-bit, 2-bit and 4-bit integers do not support "
           "implicit promotion. If you'd like your inputs to be promoted to another type, "
           "you can do so explicitly using e.g. x.astype('int32')")
    with pytest.raises(dtypes.TypePromotionError) as e:
        dtypes.result_type(Arr(int4), Arr("int8"))
    assert str(e.value) == msg
    with pytest.raises(dtypes.TypePromotionError) as e:
        dtypes.promote_types(int4, np.int8)
    assert str(e.value) == msg
    msg8 = ("Input dtypes ('float8_e4m3fn', 'float16') have no available implicit dtype "
            "promotion path. To avoid unintended promotion, 8-bit floats do not support "
            "implicit promotion. If you'd like your inputs to be promoted to another type, "
            "you can do so explicitly using e.g. x.astype('float32')")
    with pytest.raises(dtypes.TypePromotionError) as e:
        dtypes.result_type(Arr(f8), Arr("float16"))
    assert str(e.value) == msg8
    assert isinstance(e.value, ValueError)


def test_strict_promotion(x64_off):
    old = config.jax_numpy_dtype_promotion
    config.update("jax_numpy_dtype_promotion", "strict")
    try:
        assert dtypes.result_type(Arr("float16"), 1.0) == np.float16
        assert dtypes.result_type(Arr("float32"), Arr("float32")) == np.float32
        assert dtypes.result_type(1, 1.0) == np.float32
        with pytest.raises(dtypes.TypePromotionError, match="jax_numpy_dtype_promotion=strict"):
            dtypes.result_type(Arr("float32"), Arr("int32"))
    finally:
        config.update("jax_numpy_dtype_promotion", old)
    assert dtypes.result_type(Arr("float32"), Arr("int32")) == np.float32


def test_float0_result_type():
    assert dtypes.result_type(Arr(dtypes.float0)) == dtypes.float0
    assert dtypes.result_type(Arr(dtypes.float0), Arr(dtypes.float0)) == dtypes.float0


# ---------------------------------------------------------------------------
# to_inexact / to_numeric / to_complex


def test_to_inexact(x64_mode):
    x64_mode(True)
    for d in ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32"]:
        assert dtypes.to_inexact_dtype(d) == np.float32
    assert dtypes.to_inexact_dtype("int64") == np.float64
    assert dtypes.to_inexact_dtype("uint64") == np.float64
    assert dtypes.to_inexact_dtype("float16") == np.float16
    assert dtypes.to_inexact_dtype(dtypes.bfloat16) == dtypes.bfloat16
    assert dtypes.to_inexact_dtype("complex128") == np.complex128
    x64_mode(False)
    assert dtypes.to_inexact_dtype("int64") == np.float32
    assert dtypes.to_inexact_dtype("float64") == np.float32


def test_to_numeric_and_complex(x64_mode):
    x64_mode(True)
    assert dtypes.to_numeric_dtype(bool) == np.int32  # int32 even with x64 on, as JAX
    assert dtypes.to_numeric_dtype("uint8") == np.uint8
    assert dtypes.to_complex_dtype("float32") == np.complex64
    assert dtypes.to_complex_dtype("int64") == np.complex128
    assert dtypes.to_complex_dtype("float64") == np.complex128
    assert dtypes.to_complex_dtype("int8") == np.complex64
    assert dtypes.to_floating_dtype("complex128") == np.float64
    x64_mode(False)
    assert dtypes.to_complex_dtype("float64") == np.complex64


# ---------------------------------------------------------------------------
# User-requested dtypes

def _truncation_msg(requested, fun, truncated):
    where = f" requested in {fun}" if fun else ""
    return (f"Explicitly requested dtype {requested}{where} is not available, and will be "
            f"truncated to dtype {truncated}. To enable more dtypes, set the jax_enable_x64 "
            "configuration option or the JAX_ENABLE_X64 shell environment variable. See "
            "https://github.com/jax-ml/jax#current-gotchas for more.")


@pytest.mark.parametrize("requested,truncated", [
    ("float64", "float32"), ("int64", "int32"), ("uint64", "uint32"),
    ("complex128", "complex64")])
@pytest.mark.parametrize("fun", ["zeros", None])
def test_check_user_dtype_warns(x64_off, requested, truncated, fun):
    for spec in (requested, np.dtype(requested), np.dtype(requested).type):
        with pytest.warns(UserWarning) as rec:
            out = dtypes.check_user_dtype_supported(spec, fun)
        assert out == np.dtype(truncated) and isinstance(out, np.dtype)
        assert [str(w.message) for w in rec] == [_truncation_msg(requested, fun, truncated)]


def test_check_user_dtype_warning_points_at_caller(x64_off):
    def zeros(dtype):
        return dtypes.check_user_dtype_supported(dtype, "zeros")
    with pytest.warns(UserWarning) as rec:
        zeros(np.float64)
    assert rec[0].filename == __file__


def test_check_user_dtype_silent(x64_mode):
    x64_mode(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dtypes.check_user_dtype_supported(float, "zeros") == np.float32
        assert dtypes.check_user_dtype_supported(int) == np.int32
        assert dtypes.check_user_dtype_supported(complex) == np.complex64
        assert dtypes.check_user_dtype_supported(bool) == np.bool_
        assert dtypes.check_user_dtype_supported("float32") == np.float32
        assert dtypes.check_user_dtype_supported(ml_dtypes.bfloat16) == dtypes.bfloat16
        assert dtypes.check_user_dtype_supported(ml_dtypes.int4) == np.dtype(ml_dtypes.int4)
        assert dtypes.check_user_dtype_supported(dtypes.float0) == dtypes.float0
        x64_mode(True)
        assert dtypes.check_user_dtype_supported(np.float64, "zeros") == np.float64
        assert dtypes.check_user_dtype_supported(int) == np.int64


def test_check_user_dtype_rejects(x64_off):
    with pytest.raises(TypeError, match="JAX only supports number and bool dtypes, got "
                       "dtype <U3 in zeros"):
        dtypes.check_user_dtype_supported("U3", "zeros")
    with pytest.raises(TypeError, match="JAX only supports number and bool dtypes"):
        dtypes.check_user_dtype_supported(object)
    with pytest.raises(TypeError, match="JAX only supports number and bool dtypes"):
        dtypes.check_user_dtype_supported("datetime64[s]")
    with pytest.raises(TypeError, match="JAX only supports number and bool dtypes"):
        dtypes.check_user_dtype_supported("nonsense")
    with pytest.raises(ValueError):
        dtypes.check_user_dtype_supported(np.zeros(2))


# ---------------------------------------------------------------------------
# scalar_to_array


def test_scalar_to_array_x64_off(x64_off):
    a = dtypes.scalar_to_array(3)
    assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.int32 and a == 3
    assert dtypes.scalar_to_array(1.5).dtype == np.float32
    assert dtypes.scalar_to_array(1j).dtype == np.complex64
    assert dtypes.scalar_to_array(True).dtype == np.bool_
    assert dtypes.scalar_to_array(2**31 - 1) == 2**31 - 1
    assert dtypes.scalar_to_array(-2**31) == -2**31
    with pytest.raises(OverflowError, match=r"^Python int 2147483648 too large to convert to "
                       r"int32$"):
        dtypes.scalar_to_array(2**31)
    with pytest.raises(OverflowError, match="too large to convert to int32"):
        dtypes.scalar_to_array(-2**31 - 1)
    with pytest.raises(OverflowError, match=r"^Python integer 4294967296 out of bounds for "
                       r"uint32$"):
        dtypes.scalar_to_array(2**32, np.uint32)
    assert dtypes.scalar_to_array(2**32 - 1, np.uint32) == 2**32 - 1
    assert dtypes.scalar_to_array(1, np.int64).dtype == np.int32
    assert dtypes.scalar_to_array(1, np.float16).dtype == np.float16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dtypes.scalar_to_array(1e300) == np.inf
        assert np.isnan(dtypes.scalar_to_array(float("nan")))
        assert dtypes.scalar_to_array(1e10, dtypes.bfloat16).dtype == dtypes.bfloat16


def test_scalar_to_array_x64_on(x64_on):
    assert dtypes.scalar_to_array(2**31).dtype == np.int64
    assert dtypes.scalar_to_array(1.5).dtype == np.float64
    with pytest.raises(OverflowError, match=r"^Python int 9223372036854775808 too large to "
                       r"convert to int64$"):
        dtypes.scalar_to_array(2**63)


# ---------------------------------------------------------------------------
# issubdtype, isdtype, finfo, iinfo, short names


def test_issubdtype():
    bf16, f8 = dtypes.bfloat16, np.dtype(ml_dtypes.float8_e5m2)
    i4, u4 = np.dtype(ml_dtypes.int4), np.dtype(ml_dtypes.uint4)
    for d in (bf16, ml_dtypes.bfloat16, f8, "float16", np.float32):
        assert dtypes.issubdtype(d, np.floating)
        assert dtypes.issubdtype(d, np.inexact) and dtypes.issubdtype(d, np.number)
        assert not dtypes.issubdtype(d, np.integer)
        assert not dtypes.issubdtype(d, np.complexfloating)
    assert dtypes.issubdtype(bf16, bf16) and not dtypes.issubdtype(bf16, np.float16)
    assert dtypes.issubdtype(i4, np.signedinteger) and dtypes.issubdtype(i4, np.integer)
    assert dtypes.issubdtype(u4, np.unsignedinteger) and not dtypes.issubdtype(u4, np.signedinteger)
    assert dtypes.issubdtype("int8", np.signedinteger) and dtypes.issubdtype(np.uint8, np.integer)
    assert dtypes.issubdtype("complex64", np.complexfloating)
    assert dtypes.issubdtype("complex64", np.inexact)
    assert dtypes.issubdtype(bool, np.bool_) and not dtypes.issubdtype(bool, np.integer)
    assert dtypes.issubdtype(float, np.floating) and dtypes.issubdtype(int, np.integer)
    assert not dtypes.issubdtype(np.float32, dtypes.extended)
    assert dtypes.issubdtype(dtypes.prng_key, dtypes.extended)

    class KeyDType(dtypes.ExtendedDType):
        type = dtypes.prng_key
        name = "key<fry>"

    kd = KeyDType()
    assert dtypes.issubdtype(kd, dtypes.extended) and dtypes.issubdtype(kd, dtypes.prng_key)
    assert not dtypes.issubdtype(kd, np.floating)


def test_isdtype():
    assert dtypes.isdtype(dtypes.bfloat16, "real floating")
    assert dtypes.isdtype("int8", ("bool", "signed integer"))
    assert not dtypes.isdtype("uint8", "signed integer")
    assert dtypes.isdtype("float32", np.float32)
    assert dtypes.isdtype("complex64", "numeric") and not dtypes.isdtype("bool", "numeric")
    with pytest.raises(ValueError, match="Unrecognized kind"):
        dtypes.isdtype("float32", "floaty")


def test_finfo_iinfo():
    fb = dtypes.finfo(dtypes.bfloat16)
    assert fb.eps == 2.0**-7 and fb.bits == 16 and float(fb.max) == pytest.approx(3.3895e38,
                                                                                   rel=1e-4)
    assert dtypes.finfo(ml_dtypes.bfloat16).eps == fb.eps
    assert dtypes.finfo(np.float16).eps == np.finfo(np.float16).eps
    assert float(dtypes.finfo("float16").max) == 65504.0
    assert dtypes.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert dtypes.finfo(np.complex64).bits == 32
    assert dtypes.finfo(ml_dtypes.float8_e4m3fn).max == 448
    assert dtypes.finfo(float).bits == 64
    assert dtypes.iinfo(np.int8).min == -128 and dtypes.iinfo("uint32").max == 2**32 - 1
    assert dtypes.iinfo(ml_dtypes.int4).min == -8 and dtypes.iinfo(ml_dtypes.uint4).max == 15
    assert dtypes.itemsize_bits(ml_dtypes.int4) == 4
    assert dtypes.itemsize_bits(bool) == 8 and dtypes.itemsize_bits("complex64") == 64


def test_short_dtype_name():
    expected = {"bool": "bool", "int8": "i8", "int16": "i16", "int32": "i32",
                "int64": "i64", "uint8": "u8", "uint16": "u16", "uint32": "u32",
                "uint64": "u64", "float16": "f16", "bfloat16": "bf16", "float32": "f32",
                "float64": "f64", "complex64": "c64", "complex128": "c128"}
    for name, short in expected.items():
        assert dtypes.short_dtype_name(np.dtype(name)) == short
        assert dtypes.short_dtype_name(name) == short
    assert dtypes.short_dtype_name(dtypes.float0) == "float0"
    assert dtypes.short_dtype_name(np.float32) == "f32"


def test_scalar_type_of():
    assert dtypes.scalar_type_of(Arr("bfloat16")) is float
    assert dtypes.scalar_type_of(np.int8(1)) is int
    assert dtypes.scalar_type_of(True) is bool
    assert dtypes.scalar_type_of(1j) is complex


def test_public_module():
    import pyjax.dtypes as public
    assert public.bfloat16 is ml_dtypes.bfloat16
    assert public.float0 == np.dtype([("float0", np.void, 0)])
    assert public.canonicalize_dtype is dtypes.canonicalize_dtype
    assert public.result_type is dtypes.result_type
    assert public.issubdtype(public.bfloat16, np.floating)
    assert public.finfo(public.bfloat16).bits == 16 and public.iinfo(np.int8).bits == 8
    assert issubclass(public.prng_key, public.extended)
    assert issubclass(public.TypePromotionError, ValueError)


def test_no_real_jax_imported():
    assert "jax" not in sys.modules

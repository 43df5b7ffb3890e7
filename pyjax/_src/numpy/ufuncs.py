"""Elementwise jax.numpy functions, built from lax primitives with JAX's promotion rules."""
import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl, ScalarLiteral
from pyjax._src.numpy import util
from pyjax._src.numpy.util import (
    check_arraylike, promote_args, promote_args_inexact, promote_args_numeric, to_array)


_BOOL = np.dtype(np.bool_)


def _dtype(x):
    return x.dtype if hasattr(x, "dtype") else dtypes.dtype(x, canonicalize=True)


def _is_int_or_bool(dtype):
    return dtype == np.bool_ or dtype.kind in "iu"


def _const(like, value):
    """A scalar of ``like``'s dtype and weak type, for use inside formulas (a NumPy scalar
    when strong, so that jaxprs show it as a literal, as JAX's constants are)."""
    value = np.asarray(value).astype(_dtype(like))
    return ScalarLiteral(value, True) if getattr(like, "weak_type", False) else value


def _binary(name, lax_fn, promote=promote_args):
    def fn(x, y, /):
        pair = util.fast_promote_pair(x, y) if promote is promote_args else None
        return lax_fn(*(pair or promote(name, x, y)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with NumPy broadcasting and JAX's dtype promotion."
    return fn


def _bool_aware(name, num_fn, bool_fn):
    def fn(x, y, /):
        x, y = util.fast_promote_pair(x, y) or promote_args(name, x, y)
        return (bool_fn if x.dtype == _BOOL else num_fn)(x, y)
    fn.__name__ = fn.__qualname__ = name
    return fn


add = _bool_aware("add", lax.add, lax.bitwise_or)
multiply = _bool_aware("multiply", lax.mul, lax.bitwise_and)


def subtract(x, y, /):
    x, y = util.fast_promote_pair(x, y) or promote_args("subtract", x, y)
    if x.dtype == np.bool_:
        raise TypeError("jnp.subtract does not support boolean inputs: the numpy boolean "
                        "subtract, the `-` operator, is not supported, use the bitwise_xor, the "
                        "`^` operator, or the logical_xor function instead.")
    return lax.sub(x, y)


maximum = _binary("maximum", lax.max)
minimum = _binary("minimum", lax.min)
arctan2 = _binary("arctan2", lax.atan2, promote_args_inexact)
nextafter = _binary("nextafter", lax.nextafter, promote_args_inexact)
equal = _binary("equal", lax.eq)
not_equal = _binary("not_equal", lax.ne)
less = _binary("less", lax.lt)
less_equal = _binary("less_equal", lax.le)
greater = _binary("greater", lax.gt)
greater_equal = _binary("greater_equal", lax.ge)
bitwise_and = _binary("bitwise_and", lax.bitwise_and)
bitwise_or = _binary("bitwise_or", lax.bitwise_or)
bitwise_xor = _binary("bitwise_xor", lax.bitwise_xor)


def true_divide(x, y, /):
    pair = util.fast_promote_pair(x, y)
    if pair is not None and pair[0].dtype.kind in "fc":
        return lax.div(*pair)
    x, y = promote_args_inexact("true_divide", x, y)
    return lax.div(x, y)


divide = true_divide


def _int_floor_divide(x, y):
    q = lax.div(x, y)
    if x.dtype.kind == "u":
        return q
    zero = _const(x, 0)
    # lax.div truncates; step down where the signs differ and the division was inexact
    # (with XLA's x / 0 == -1 and x % 0 == x this gives JAX's results for zero divisors too).
    inexact = lax.ne(lax.rem(x, y), zero)
    opposite = lax.ne(lax.sign(x), lax.sign(y))
    return lax.select(lax.bitwise_and(inexact, opposite), lax.sub(q, _const(q, 1)), q)


def _float_divmod(x, y):
    mod = lax.rem(x, y)
    div = lax.div(lax.sub(x, mod), y)
    fix = lax.bitwise_and(lax.ne(mod, _const(mod, 0)), lax.ne(lax.sign(y), lax.sign(mod)))
    mod = lax.select(fix, lax.add(mod, y), mod)
    div = lax.select(fix, lax.sub(div, _const(div, 1)), div)
    return lax.round(div, lax.RoundingMethod.TO_NEAREST_EVEN), mod


def floor_divide(x, y, /):
    x, y = promote_args_numeric("floor_divide", x, y)
    if x.dtype.kind == "c":
        raise TypeError("floor_divide does not support complex-valued inputs")
    if x.dtype.kind in "iu":
        return _int_floor_divide(x, y)
    return _float_divmod(x, y)[0]


def remainder(x, y, /):
    x, y = promote_args_numeric("remainder", x, y)
    if x.dtype.kind == "c":
        raise TypeError("remainder does not support complex-valued inputs")
    r = lax.rem(x, y)
    if x.dtype.kind == "u":
        return r
    zero = _const(r, 0)
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))
    return lax.select(fix, lax.add(r, y), r)


mod = remainder


def fmod(x, y, /):
    x, y = promote_args_numeric("fmod", x, y)
    if x.dtype.kind == "c":
        raise TypeError("fmod does not support complex-valued inputs")
    return lax.rem(x, y)


def divmod(x, y, /):
    return floor_divide(x, y), remainder(x, y)


def _int_pow(x, y):
    """Integer ** integer array by repeated squaring over the exponent's low 6 bits, as JAX."""
    acc = lax.full_like(x, 1)
    for _ in range(6):
        bit = lax.ne(lax.bitwise_and(y, _const(y, 1)), _const(y, 0))
        acc = lax.select(bit, lax.mul(acc, x), acc)
        y = lax.shift_right_logical(y, _const(y, 1))
        x = lax.mul(x, x)
    return acc


def power(x, y, /):
    check_arraylike("power", x, y)
    if type(y) is int and not isinstance(y, bool):
        x = to_array(x)
        dtype = dtypes.to_numeric_dtype(x.dtype)
        x = util._cast(x, dtype, x.weak_type)
        if dtype.kind in "iu" and y < 0:
            raise TypeError("Integers cannot be raised to negative powers, got "
                            f"integer_pow({core.get_aval(x).str_short(short_dtypes=False)}, {y})")
        return lax.integer_pow(x, y)
    x, y = promote_args_numeric("power", x, y)
    if x.dtype.kind in "iu":
        return _int_pow(x, y)
    return lax.pow(x, y)


def float_power(x, y, /):
    x, y = promote_args_inexact("float_power", x, y)
    return lax.pow(x, y)


def _unary(name, lax_fn, promote=promote_args):
    def fn(x, /):
        if type(x) is not ArrayImpl:
            x, = promote(name, x)
        return lax_fn(x)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``."
    return fn


def _unary_inexact(name, lax_fn):
    prim = getattr(lax_fn, "primitive", None)
    bind = prim.bind if prim is not None else lax_fn

    def fn(x, /):
        if type(x) is ArrayImpl:
            if x._value.dtype.kind not in "fcV":
                x, = promote_args_inexact(name, x)
        elif not isinstance(x, core.Tracer) or x.aval.dtype.kind not in "fcV":
            x, = promote_args_inexact(name, x)
        return bind(x)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``; integer inputs are promoted to floating point."
    return fn


sin = _unary_inexact("sin", lax.sin)
cos = _unary_inexact("cos", lax.cos)
tan = _unary_inexact("tan", lax.tan)
arcsin = _unary_inexact("arcsin", lax.asin)
arccos = _unary_inexact("arccos", lax.acos)
arctan = _unary_inexact("arctan", lax.atan)
sinh = _unary_inexact("sinh", lax.sinh)
cosh = _unary_inexact("cosh", lax.cosh)
tanh = _unary_inexact("tanh", lax.tanh)
arcsinh = _unary_inexact("arcsinh", lax.asinh)
arccosh = _unary_inexact("arccosh", lax.acosh)
arctanh = _unary_inexact("arctanh", lax.atanh)
exp = _unary_inexact("exp", lax.exp)
exp2 = _unary_inexact("exp2", lax.exp2)
expm1 = _unary_inexact("expm1", lax.expm1)
log = _unary_inexact("log", lax.log)
log1p = _unary_inexact("log1p", lax.log1p)
sqrt = _unary_inexact("sqrt", lax.sqrt)
asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
atan2 = arctan2


def log2(x, /):
    x, = promote_args_inexact("log2", x)
    return lax.div(lax.log(x), lax.log(_const(x, 2)))


def log10(x, /):
    x, = promote_args_inexact("log10", x)
    return lax.div(lax.log(x), lax.log(_const(x, 10)))


def cbrt(x, /):
    x, = promote_args_inexact("cbrt", x)
    return lax.cbrt(x)


def reciprocal(x, /):
    x, = promote_args_inexact("reciprocal", x)
    return lax.integer_pow(x, -1)


def square(x, /):
    x, = promote_args_numeric("square", x)
    return lax.integer_pow(x, 2)


def negative(x, /):
    x, = promote_args("negative", x)
    return lax.neg(x)


def positive(x, /):
    x, = promote_args("positive", x)
    return x


def absolute(x, /):
    x, = promote_args("absolute", x)
    if x.dtype == np.bool_ or x.dtype.kind == "u":
        return x
    return lax.abs(x)


abs = absolute


def fabs(x, /):
    x, = promote_args_inexact("fabs", x)
    if x.dtype.kind == "c":
        raise TypeError("ufunc 'fabs' does not support complex dtypes")
    return lax.abs(x)


def sign(x, /):
    x, = promote_args("sign", x)
    if x.dtype == np.bool_:
        return x
    return lax.sign(x)


def floor(x, /):
    x, = promote_args_numeric("floor", x)
    return x if _is_int_or_bool(x.dtype) else lax.floor(x)


def ceil(x, /):
    x, = promote_args_numeric("ceil", x)
    return x if _is_int_or_bool(x.dtype) else lax.ceil(x)


def trunc(x, /):
    x, = promote_args_numeric("trunc", x)
    if _is_int_or_bool(x.dtype):
        return x
    return lax.select(lax.lt(x, _const(x, 0)), lax.ceil(x), lax.floor(x))


def fix(x, out=None):
    return trunc(x)


def rint(x, /):
    x, = promote_args_inexact("rint", x)
    if x.dtype.kind == "c":
        return lax.complex(rint(lax.real(x)), rint(lax.imag(x)))
    return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


def round(a, decimals=0, out=None):
    """Round half to even, at ``decimals`` decimal places."""
    a, = promote_args("round", a)
    if out is not None:
        raise ValueError("The 'out' argument to jnp.round is not supported.")
    decimals = core.concrete_or_error(int, decimals, "'decimals' argument of jnp.round")
    if _is_int_or_bool(a.dtype):
        if decimals >= 0:
            return a
        factor = _const(a, 10 ** -decimals)
        return lax.mul(floor_divide(lax.add(a, floor_divide(factor, _const(a, 2))), factor),
                       factor)

    def _round_float(x):
        if decimals == 0:
            return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)
        factor = _const(x, 10.0 ** decimals)
        return lax.div(lax.round(lax.mul(x, factor), lax.RoundingMethod.TO_NEAREST_EVEN),
                       factor)

    if a.dtype.kind == "c":
        return lax.complex(_round_float(lax.real(a)), _round_float(lax.imag(a)))
    return _round_float(a)


around = round


def isnan(x, /):
    x, = promote_args("isnan", x)
    if x.dtype.kind in "fcV":
        return lax.ne(x, x)
    return lax.full_like(x, False, np.bool_)


def isinf(x, /):
    x, = promote_args("isinf", x)
    if x.dtype.kind == "c":
        return logical_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    if x.dtype.kind in "fV":
        return lax.eq(lax.abs(x), _const(x, np.inf))
    return lax.full_like(x, False, np.bool_)


def isfinite(x, /):
    x, = promote_args("isfinite", x)
    if x.dtype.kind == "c":
        return logical_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    if x.dtype.kind in "fV":
        return lax.is_finite(x)
    return lax.full_like(x, True, np.bool_)


def isposinf(x, /):
    x, = promote_args("isposinf", x)
    if x.dtype.kind in "fV":
        return lax.eq(x, _const(x, np.inf))
    return lax.full_like(x, False, np.bool_)


def isneginf(x, /):
    x, = promote_args("isneginf", x)
    if x.dtype.kind in "fV":
        return lax.eq(x, _const(x, -np.inf))
    return lax.full_like(x, False, np.bool_)


def signbit(x, /):
    x, = promote_args("signbit", x)
    if x.dtype.kind in "iu" or x.dtype == np.bool_:
        return lax.lt(x, _const(x, 0))
    if x.dtype.kind == "c":
        raise ValueError("jnp.signbit is not well defined for complex inputs")
    int_dtype = np.dtype(f"int{x.dtype.itemsize * 8}")
    return lax.lt(lax.bitcast_convert_type(x, int_dtype), ArrayImpl(np.zeros((), int_dtype)))


def copysign(x, y, /):
    x, y = promote_args_inexact("copysign", x, y)
    if x.dtype.kind == "c":
        raise TypeError("copysign does not support complex-valued inputs")
    return lax.select(signbit(y), lax.neg(lax.abs(x)), lax.abs(x))


def fmax(x, y, /):
    x, y = promote_args("fmax", x, y)
    return lax.select(isnan(y), x, lax.select(isnan(x), y, lax.max(x, y)))


def fmin(x, y, /):
    x, y = promote_args("fmin", x, y)
    return lax.select(isnan(y), x, lax.select(isnan(x), y, lax.min(x, y)))


def logaddexp(x, y, /):
    x, y = promote_args_inexact("logaddexp", x, y)
    amax = lax.max(x, y)
    delta = lax.sub(x, y)
    return lax.select(isnan(delta), lax.add(x, y),
                      lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta))))))


def logaddexp2(x, y, /):
    x, y = promote_args_inexact("logaddexp2", x, y)
    ln2 = _const(x, np.log(2))
    return lax.div(logaddexp(lax.mul(x, ln2), lax.mul(y, ln2)), ln2)


def hypot(x, y, /):
    x, y = promote_args_inexact("hypot", x, y)
    x, y = lax.abs(x), lax.abs(y)
    big, small = lax.max(x, y), lax.min(x, y)
    zero = _const(big, 0)
    safe = lax.select(lax.eq(big, zero), _const(big, 1), big)
    r = lax.mul(big, lax.sqrt(lax.add(_const(big, 1), lax.integer_pow(lax.div(small, safe), 2))))
    r = lax.select(lax.eq(big, zero), big, r)
    return lax.select(lax.eq(big, _const(big, np.inf)), big, r)


def deg2rad(x, /):
    x, = promote_args_inexact("deg2rad", x)
    return lax.mul(x, _const(x, np.pi / 180))


def rad2deg(x, /):
    x, = promote_args_inexact("rad2deg", x)
    return lax.mul(x, _const(x, 180 / np.pi))


radians, degrees = deg2rad, rad2deg


def sinc(x, /):
    x, = promote_args_inexact("sinc", x)
    zero = lax.eq(x, _const(x, 0))
    safe = lax.select(zero, _const(x, 1), x)
    pi_x = lax.mul(safe, _const(x, np.pi))
    return lax.select(zero, lax.full_like(x, 1), lax.div(lax.sin(pi_x), pi_x))


def heaviside(x1, x2, /):
    x1, x2 = promote_args_inexact("heaviside", x1, x2)
    zero = _const(x1, 0)
    return lax.select(lax.lt(x1, zero), lax.full_like(x1, 0),
                      lax.select(lax.gt(x1, zero), lax.full_like(x1, 1), x2))


def _to_bool(x):
    x = to_array(x)
    return x if x.dtype == np.bool_ else lax.ne(x, _const(x, 0))


def logical_and(x, y, /):
    check_arraylike("logical_and", x, y)
    return lax.bitwise_and(*util.promote_shapes("logical_and", _to_bool(x), _to_bool(y)))


def logical_or(x, y, /):
    check_arraylike("logical_or", x, y)
    return lax.bitwise_or(*util.promote_shapes("logical_or", _to_bool(x), _to_bool(y)))


def logical_xor(x, y, /):
    check_arraylike("logical_xor", x, y)
    return lax.bitwise_xor(*util.promote_shapes("logical_xor", _to_bool(x), _to_bool(y)))


def logical_not(x, /):
    check_arraylike("logical_not", x)
    return lax.bitwise_not(_to_bool(x))


def invert(x, /):
    x, = promote_args("invert", x)
    if x.dtype.kind not in "iub":
        raise TypeError("ufunc 'invert' not supported for the input types, and the inputs could "
                        "not be safely coerced to any supported types according to the casting "
                        "rule ''safe''")
    return lax.bitwise_not(x)


bitwise_not = bitwise_invert = invert


def _shift(name, fn):
    def shift(x, y, /):
        x, y = promote_args(name, x, y)
        if x.dtype.kind not in "iu":
            raise TypeError(f"{name} requires integer inputs, got {x.dtype.name}")
        return fn(x, y)
    shift.__name__ = name
    return shift


left_shift = bitwise_left_shift = _shift("left_shift", lax.shift_left)
right_shift = bitwise_right_shift = _shift(
    "right_shift",
    lambda x, y: (lax.shift_right_logical if x.dtype.kind == "u" else lax.shift_right_arithmetic)(
        x, y))


def real(val, /):
    val, = promote_args("real", val)
    return lax.real(val) if val.dtype.kind == "c" else val


def imag(val, /):
    val, = promote_args("imag", val)
    return lax.imag(val) if val.dtype.kind == "c" else lax.full_like(val, 0)


def conjugate(x, /):
    x, = promote_args("conjugate", x)
    return lax.conj(x)


conj = conjugate


def angle(z, deg=False):
    z, = promote_args_inexact("angle", z)
    if z.dtype.kind == "c":
        re, im = lax.real(z), lax.imag(z)
    else:
        re, im = z, lax.full_like(z, 0)
    out = lax.atan2(im, re)
    return rad2deg(out) if deg else out


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|a - b| <= atol + rtol * |b|`` elementwise, with NumPy's inf and NaN rules."""
    a, b = promote_args("isclose", a, b)
    if not a.dtype.kind in "fcV":
        return lax.eq(a, b)
    if a.dtype.kind == "c":
        tol_dtype = np.dtype(np.float32 if a.dtype == np.complex64 else np.float64)
    else:
        tol_dtype = a.dtype
    rtol_ = ArrayImpl(np.asarray(rtol, tol_dtype))
    atol_ = ArrayImpl(np.asarray(atol, tol_dtype))
    out = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol_, lax.mul(rtol_, lax.abs(b))))
    both_inf = lax.bitwise_and(isinf(a), isinf(b))
    out = lax.select(lax.bitwise_or(isinf(a), isinf(b)),
                     lax.bitwise_and(both_inf, lax.eq(a, b)), out)
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(isnan(a), isnan(b)))
    return out


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x, = promote_args("nan_to_num", x)
    if x.dtype.kind == "c":
        return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
    if x.dtype.kind not in "fV":
        return x
    info = dtypes.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = lax.select(isnan(x), _const(x, nan), x)
    out = lax.select(isposinf(out), _const(x, posinf), out)
    return lax.select(isneginf(out), _const(x, neginf), out)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``a`` is close to ``b`` (see isclose); a 0-d bool Array."""
    return _all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a1, a2, equal_nan=False):
    """Whether the arrays have the same shape and elements (a 0-d bool Array)."""
    try:
        a1, a2 = to_array(a1), to_array(a2)
    except TypeError:
        return ArrayImpl(np.asarray(False))
    if np.shape(a1) != np.shape(a2):
        return ArrayImpl(np.asarray(False))
    eq = equal(a1, a2)
    if equal_nan:
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
    return _all(eq)


def array_equiv(a1, a2):
    """Whether the arrays are equal after broadcasting to a common shape."""
    a1, a2 = to_array(a1), to_array(a2)
    try:
        shape = np.broadcast_shapes(np.shape(a1), np.shape(a2))
    except ValueError:
        return ArrayImpl(np.asarray(False))
    from pyjax._src.numpy.creation import broadcast_to
    return _all(equal(broadcast_to(a1, shape), broadcast_to(a2, shape)))


def _all(x):
    x = to_array(x)
    return lax.reduce_and(x, tuple(range(np.ndim(x))))

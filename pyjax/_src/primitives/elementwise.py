"""Elementwise primitives: arithmetic, math functions, comparisons, bit ops, select, convert.

Each primitive's NumPy impl follows XLA's semantics where they differ from NumPy's (integer
division truncates, shifts past the bit width give 0, float->int conversion saturates).
"""
import numpy as np
import scipy.special as sp

from pyjax._src import dtypes
from pyjax._src.core import ShapedArray
from pyjax._src.primitives.common import (
    ANY, BOOL, COMPLEX, FLOATING, INEXACT, INTEGER, INT_OR_BOOL, NUMBER, ORDERED, SIGNED,
    UNSIGNED, dtype_error, nary, standard_primitive, unary, broadcast_shapes_rule)


def _real_dtype(dtype):
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64) \
        if dtype in COMPLEX else dtype


def _to_bool(dtype):
    return np.dtype(np.bool_)


# -- unary ------------------------------------------------------------------------------------

neg_p = unary("neg", NUMBER, np.negative)
sign_p = unary("sign", NUMBER, np.sign)
floor_p = unary("floor", FLOATING, np.floor)
ceil_p = unary("ceil", FLOATING, np.ceil)
is_finite_p = unary("is_finite", FLOATING, np.isfinite, result_dtype=_to_bool)
exp_p = unary("exp", INEXACT, np.exp)
exp2_p = unary("exp2", INEXACT, np.exp2)
log_p = unary("log", INEXACT, np.log)
log1p_p = unary("log1p", INEXACT, np.log1p)
expm1_p = unary("expm1", INEXACT, np.expm1)
tanh_p = unary("tanh", INEXACT, np.tanh)
logistic_p = unary("logistic", INEXACT, lambda x: sp.expit(x) if x.dtype.kind == "f"
                   else 1 / (1 + np.exp(-x)))
sin_p = unary("sin", INEXACT, np.sin)
cos_p = unary("cos", INEXACT, np.cos)
tan_p = unary("tan", INEXACT, np.tan)
asin_p = unary("asin", INEXACT, np.arcsin)
acos_p = unary("acos", INEXACT, np.arccos)
atan_p = unary("atan", INEXACT, np.arctan)
sinh_p = unary("sinh", INEXACT, np.sinh)
cosh_p = unary("cosh", INEXACT, np.cosh)
asinh_p = unary("asinh", INEXACT, np.arcsinh)
acosh_p = unary("acosh", INEXACT, np.arccosh)
atanh_p = unary("atanh", INEXACT, np.arctanh)
sqrt_p = unary("sqrt", INEXACT, np.sqrt)
rsqrt_p = unary("rsqrt", INEXACT, lambda x: np.reciprocal(np.sqrt(x)))
cbrt_p = unary("cbrt", FLOATING, np.cbrt)
abs_p = unary("abs", NUMBER, np.abs, result_dtype=_real_dtype)
not_p = unary("not", INT_OR_BOOL, np.invert)
population_count_p = unary("population_count", INTEGER,
                           lambda x: np.bitwise_count(x).astype(x.dtype))
real_p = unary("real", COMPLEX, np.real, result_dtype=_real_dtype)
imag_p = unary("imag", COMPLEX, np.imag, result_dtype=_real_dtype)
conj_p = unary("conj", COMPLEX, np.conjugate)
square_p = unary("square", NUMBER, np.square)
erf_p = unary("erf", FLOATING, sp.erf)
erfc_p = unary("erfc", FLOATING, sp.erfc)
erf_inv_p = unary("erf_inv", FLOATING, sp.erfinv)
lgamma_p = unary("lgamma", FLOATING, sp.gammaln)
digamma_p = unary("digamma", FLOATING, sp.digamma)
bessel_i0e_p = unary("bessel_i0e", FLOATING, sp.i0e)
bessel_i1e_p = unary("bessel_i1e", FLOATING, sp.i1e)


def _clz(x):
    bits = x.dtype.itemsize * 8
    u = x.view(np.dtype(f"u{x.dtype.itemsize}")).copy()
    shift = 1
    while shift < bits:  # smear the highest set bit into every lower position
        u |= u >> np.asarray(shift, u.dtype)
        shift *= 2
    return (bits - np.bitwise_count(u)).astype(x.dtype)


clz_p = unary("clz", INTEGER, _clz)


def _round_impl(x, *, rounding_method):
    if int(rounding_method) == 1:  # to nearest even
        return np.rint(x)
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t).astype(x.dtype)


round_p = unary("round", FLOATING, _round_impl)


def _integer_pow_impl(x, *, y):
    """Exponentiation by squaring, as XLA expands integer_pow (so x**2 is exactly x*x)."""
    if y == 0:
        return np.ones_like(x)
    n = abs(y)
    acc = None
    base = x
    while n:
        if n & 1:
            acc = base if acc is None else np.multiply(acc, base)
        n >>= 1
        if n:
            base = np.multiply(base, base)
    return np.reciprocal(acc) if y < 0 else acc


integer_pow_p = unary("integer_pow", NUMBER, _integer_pow_impl)


# -- binary -----------------------------------------------------------------------------------

add_p = nary("add", NUMBER, np.add)
sub_p = nary("sub", NUMBER, np.subtract)
mul_p = nary("mul", NUMBER, np.multiply)


def _div_impl(x, y):
    if x.dtype.kind in "iu":
        safe = np.where(y == 0, 1, y).astype(y.dtype)
        q = np.floor_divide(x, safe)
        # Truncate toward zero as C and XLA do, instead of NumPy's flooring.
        q = q + ((np.remainder(x, safe) != 0) & ((x < 0) != (safe < 0))).astype(q.dtype)
        return np.where(y == 0, np.array(-1).astype(x.dtype), q)
    return np.true_divide(x, y)


def _rem_impl(x, y):
    if x.dtype.kind in "iu":
        safe = np.where(y == 0, 1, y).astype(y.dtype)
        return np.where(y == 0, x, np.fmod(x, safe))
    return np.fmod(x, y)


div_p = nary("div", NUMBER, _div_impl)
rem_p = nary("rem", INTEGER | FLOATING, _rem_impl)
pow_p = nary("pow", INEXACT, np.power)
max_p = nary("max", ANY, np.maximum)
min_p = nary("min", ANY, np.minimum)
atan2_p = nary("atan2", FLOATING, np.arctan2)
nextafter_p = nary("nextafter", FLOATING, np.nextafter)
and_p = nary("and", INT_OR_BOOL, np.bitwise_and)
or_p = nary("or", INT_OR_BOOL, np.bitwise_or)
xor_p = nary("xor", INT_OR_BOOL, np.bitwise_xor)


def _shift_impl(kind):
    def impl(x, y):
        bits = x.dtype.itemsize * 8
        udt = np.dtype(f"u{x.dtype.itemsize}")
        out_of_range = (y.astype(udt) >= bits)
        count = np.where(out_of_range, 0, y).astype(x.dtype)
        if kind == "left":
            out = np.left_shift(x, count)
            fill = np.zeros((), x.dtype)
        elif kind == "arithmetic":
            out = np.right_shift(x, count)
            fill = np.where(x < 0, np.array(-1).astype(x.dtype), 0).astype(x.dtype)
        else:
            out = np.right_shift(x.view(udt) if x.ndim else x.astype(udt),
                                 count.astype(udt)).astype(x.dtype)
            fill = np.zeros((), x.dtype)
        return np.where(out_of_range, fill, out).astype(x.dtype)
    return impl


shift_left_p = nary("shift_left", INTEGER, _shift_impl("left"))
shift_right_arithmetic_p = nary("shift_right_arithmetic", INTEGER, _shift_impl("arithmetic"))
shift_right_logical_p = nary("shift_right_logical", INTEGER, _shift_impl("logical"))

eq_p = nary("eq", ANY, np.equal, result_dtype=_to_bool)
ne_p = nary("ne", ANY, np.not_equal, result_dtype=_to_bool)
lt_p = nary("lt", ORDERED, np.less, result_dtype=_to_bool)
le_p = nary("le", ORDERED, np.less_equal, result_dtype=_to_bool)
gt_p = nary("gt", ORDERED, np.greater, result_dtype=_to_bool)
ge_p = nary("ge", ORDERED, np.greater_equal, result_dtype=_to_bool)


def _complex_dtype(dtype):
    return np.dtype(np.complex64 if dtype == np.float32 else np.complex128)


complex_p = nary("complex", frozenset(map(np.dtype, [np.float32, np.float64])),
                 lambda x, y: (x + 1j * y).astype(_complex_dtype(x.dtype)),
                 result_dtype=_complex_dtype)


# -- select_n and clamp -----------------------------------------------------------------------

def _select_n_shape(which, *cases):
    # Like the binary ops, 0-d cases broadcast against the others (JAX would insert an explicit
    # broadcast_in_dim); `which` is 0-d or has the cases' shape.
    if not cases:
        raise TypeError("select_n must have at least one case")
    shape = broadcast_shapes_rule("select_n", *(c.shape for c in cases))
    if any(c.shape and c.shape != shape for c in cases):
        raise TypeError("select cases must have the same shapes, got "
                        f"[{', '.join(str(c.shape) for c in cases)}].")
    if which.shape and which.shape != shape:
        if shape:
            raise TypeError("select `which` must be scalar or have the same shape as cases, "
                            f"got `which` shape {which.shape} but case shape {shape}.")
        shape = which.shape
    return shape


def _select_n_dtype(which, *cases):
    if which.dtype != np.bool_ and which.dtype != np.int32:
        raise TypeError(f"select `which` must be boolean or int32 type, got {which.dtype.name}.")
    if which.dtype == np.bool_ and len(cases) > 2:
        raise TypeError("select with boolean `which` cannot have > 2 cases.")
    dtype = cases[0].dtype
    if any(c.dtype != dtype for c in cases):
        raise TypeError("select cases must have the same dtypes, got "
                        f"[{', '.join(c.dtype.name for c in cases)}].")
    return dtype


def _select_n_impl(which, *cases):
    if len(cases) == 1:
        return np.broadcast_to(cases[0], np.broadcast_shapes(which.shape, cases[0].shape))
    if which.dtype == np.bool_:
        return np.where(which, cases[1], cases[0])
    return np.choose(which, cases, mode="clip")


select_n_p = standard_primitive("select_n", _select_n_shape, _select_n_dtype, _select_n_impl,
                                weak_type_rule=lambda flags, params: all(flags[1:]))


def _clamp_shape(lo, x, hi):
    for bound in (lo, hi):
        if bound.shape and bound.shape != x.shape:
            raise TypeError("clamp requires min.shape == operand.shape or min.shape == (), got "
                            f"{bound.shape}.")
    return x.shape


def _clamp_dtype(lo, x, hi):
    if not lo.dtype == x.dtype == hi.dtype:
        raise TypeError("lax.clamp requires arguments to have the same dtypes, got "
                        f"{lo.dtype.name}, {x.dtype.name}, {hi.dtype.name}.")
    return x.dtype


clamp_p = standard_primitive("clamp", _clamp_shape, _clamp_dtype,
                             lambda lo, x, hi: np.minimum(np.maximum(x, lo), hi),
                             weak_type_rule=lambda flags, params: flags[1])


# -- convert_element_type ---------------------------------------------------------------------

def _convert_impl(x, *, new_dtype, weak_type=False, sharding=None):
    src, dst = x.dtype, np.dtype(new_dtype)
    if src == dst:
        return x
    if dst == np.bool_:
        return x != 0
    if src in COMPLEX and dst not in COMPLEX:
        x = np.real(x)
        src = x.dtype
    if src in FLOATING and dst in INTEGER:
        # XLA: truncate toward zero, saturate at the integer range, NaN -> 0.
        info = np.iinfo(dst)
        wide = x.astype(np.float64)
        wide = np.where(np.isnan(wide), 0.0, wide)
        out = np.trunc(np.clip(wide, info.min, info.max)).astype(dst)
        out = np.where(wide >= float(info.max), info.max, out)
        return np.where(wide <= float(info.min), info.min, out).astype(dst)
    return x.astype(dst)


convert_element_type_p = standard_primitive(
    "convert_element_type", lambda x, **_: x.shape,
    lambda x, *, new_dtype, **_: np.dtype(new_dtype), _convert_impl,
    weak_type_rule=lambda flags, params: params["weak_type"])
convert_element_type_p.pp_params = lambda params: [("new_dtype", params["new_dtype"]),
                                                   ("weak_type", params["weak_type"])]


# -- bitcast_convert_type ---------------------------------------------------------------------

def _bitcast_shape(x, *, new_dtype):
    old_bits, new_bits = x.dtype.itemsize, np.dtype(new_dtype).itemsize
    if old_bits == new_bits:
        return x.shape
    if old_bits > new_bits:  # each element becomes a trailing axis of narrower elements
        return x.shape + (old_bits // new_bits,)
    if not x.shape or x.shape[-1] != new_bits // old_bits:
        raise TypeError(f"Attempting to convert array of shape {x.shape} from "
                        f"{x.dtype.name} to {np.dtype(new_dtype).name}: the last dimension "
                        f"must be {new_bits // old_bits}.")
    return x.shape[:-1]


def _bitcast_impl(x, *, new_dtype):
    new_dtype = np.dtype(new_dtype)
    out = np.ascontiguousarray(x).view(new_dtype)
    return out.reshape(_bitcast_shape(ShapedArray(x.shape, x.dtype), new_dtype=new_dtype))


bitcast_convert_type_p = standard_primitive(
    "bitcast_convert_type", _bitcast_shape, lambda x, *, new_dtype: np.dtype(new_dtype),
    _bitcast_impl, weak_type_rule=lambda flags, params: False)


# -- differentiation rules --------------------------------------------------------------------
# Declared beside the primitives. ad.defjvp takes per-operand tangent contributions; transpose
# rules return one cotangent per operand (None for operands that are not linear inputs).

from pyjax._src import core  # noqa: E402
from pyjax._src.array import ArrayImpl  # noqa: E402
from pyjax._src.interpreters import ad  # noqa: E402


def _neg(x):
    return neg_p.bind(x)


def _mul(x, y):
    return mul_p.bind(x, y)


def _div(x, y):
    return div_p.bind(x, y)


def _like(x, value):
    """A 0-d constant with ``x``'s dtype and weak type."""
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


def _broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (binary ops broadcast 0-d and size-1 operands)."""
    from pyjax._src.primitives import structural
    xshape = core.get_aval(x).shape
    if xshape == shape:
        return x
    dims = tuple(i for i, d in enumerate(xshape) if d == shape[i]) if xshape else ()
    squeezed = structural.reshape(x, tuple(xshape[i] for i in dims)) if xshape else x
    return structural.broadcast_in_dim(squeezed, shape, dims)


def _out_shape(*operands):
    return broadcast_shapes_rule("jvp", *(core.get_aval(o).shape for o in operands))


def _transpose_operand(aval_or_value, ct):
    return ad.unbroadcast(aval_or_value.aval, ct) if ad.is_undefined(aval_or_value) else None


ad.defjvp(add_p, lambda g, x, y: _broadcast_to(g, _out_shape(x, y)),
          lambda g, x, y: _broadcast_to(g, _out_shape(x, y)))
add_p.transpose = lambda ct, x, y: [_transpose_operand(x, ct), _transpose_operand(y, ct)]
ad.defjvp(sub_p, lambda g, x, y: _broadcast_to(g, _out_shape(x, y)),
          lambda g, x, y: _broadcast_to(_neg(g), _out_shape(x, y)))
sub_p.transpose = lambda ct, x, y: [
    _transpose_operand(x, ct),
    _transpose_operand(y, ct if type(ct) is ad.Zero else _neg(ct))]
ad.defjvp(mul_p, lambda g, x, y: _mul(g, y), lambda g, x, y: _mul(x, g))
mul_p.transpose = lambda ct, x, y: (
    [ad.unbroadcast(x.aval, _mul(ct, y)), None] if ad.is_undefined(x)
    else [None, ad.unbroadcast(y.aval, _mul(x, ct))])
ad.defjvp(div_p, lambda g, x, y: _div(g, y),
          lambda g, x, y: _mul(_neg(g), _div(_div(x, y), y)))
div_p.transpose = lambda ct, x, y: [ad.unbroadcast(x.aval, _div(ct, y)), None]
ad.deflinear(neg_p, lambda ct, x: [_neg(ct)])
ad.defjvp(sin_p, lambda g, x: _mul(g, cos_p.bind(x)))
ad.defjvp(cos_p, lambda g, x: _neg(_mul(g, sin_p.bind(x))))
ad.defjvp2(exp_p, lambda g, ans, x: _mul(g, ans))
ad.defjvp(log_p, lambda g, x: _div(g, x))


def _integer_pow_jvp(g, x, *, y):
    if y == 0:
        return _mul(g, _like(x, 0))
    deriv = _like(x, 1) if y == 1 else _mul(_like(x, y), integer_pow_p.bind(x, y=y - 1))
    return _mul(g, deriv)


ad.defjvp(integer_pow_p, _integer_pow_jvp)


def _convert_jvp(primals, tangents, *, new_dtype, weak_type, sharding):
    (x,), (g,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type,
                                      sharding=sharding)
    out_tangent_aval = ad.tangent_aval(core.get_aval(out))
    if type(g) is ad.Zero or out_tangent_aval.dtype == dtypes.float0 or \
            core.get_aval(g).dtype == dtypes.float0:
        return out, ad.Zero(out_tangent_aval)
    return out, convert_element_type_p.bind(g, new_dtype=new_dtype, weak_type=weak_type,
                                            sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type, sharding):
    if type(ct) is ad.Zero:
        return [None]
    return [convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type,
                                        sharding=None)]


convert_element_type_p.jvp = _convert_jvp
convert_element_type_p.transpose = _convert_transpose


def _zeros(aval, shape):
    from pyjax._src.primitives import structural
    return structural.full(shape, 0, aval.dtype)


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    out_aval = core.get_aval(out)
    if all(type(t) is ad.Zero for t in tangents[1:]):
        return out, ad.Zero(ad.tangent_aval(out_aval))
    ts = [_zeros(out_aval, out_aval.shape) if type(t) is ad.Zero else t for t in tangents[1:]]
    return out, select_n_p.bind(which, *ts)


def _select_n_transpose(ct, which, *cases):
    if type(ct) is ad.Zero:
        return [None] * (1 + len(cases))
    ct_aval = core.get_aval(ct)
    zeros = _zeros(ct_aval, ct_aval.shape)
    out = [None]
    for i, c in enumerate(cases):
        if ad.is_undefined(c):
            picked = select_n_p.bind(which, *[ct if j == i else zeros for j in range(len(cases))])
            out.append(ad.unbroadcast(c.aval, picked))
        else:
            out.append(None)
    return out


select_n_p.jvp = _select_n_jvp
select_n_p.transpose = _select_n_transpose


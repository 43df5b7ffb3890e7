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
logistic_p = unary("logistic", INEXACT, lambda x: (
    sp.expit(x) if x.dtype.kind == "f" else 1 / (1 + np.exp(-x))).astype(x.dtype))
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
# XLA counts the bits of the two's-complement pattern (np.bitwise_count counts |x|'s).
population_count_p = unary("population_count", INTEGER, lambda x: np.bitwise_count(
    x.view(np.dtype(f"u{x.dtype.itemsize}")) if x.dtype.kind == "i" else x).astype(x.dtype))
real_p = unary("real", COMPLEX, np.real, result_dtype=_real_dtype)
imag_p = unary("imag", COMPLEX, np.imag, result_dtype=_real_dtype)
conj_p = unary("conj", COMPLEX, np.conjugate)
square_p = unary("square", NUMBER, np.square)
erf_p = unary("erf", FLOATING, sp.erf)
erfc_p = unary("erfc", FLOATING, sp.erfc)
erf_inv_p = unary("erf_inv", FLOATING, sp.erfinv)
lgamma_p = unary("lgamma", FLOATING, sp.gammaln)
digamma_p = unary("digamma", FLOATING, sp.digamma)
# SciPy computes half precision in float32: cast back to the operand's dtype.
bessel_i0e_p = unary("bessel_i0e", FLOATING, lambda x: sp.i0e(x).astype(x.dtype))
bessel_i1e_p = unary("bessel_i1e", FLOATING, lambda x: sp.i1e(x).astype(x.dtype))


def _polygamma_impl(m, x):
    """polygamma(m, x) for a float order ``m``; NaN unless m is a non-negative integer (XLA)."""
    wm, wx = m.astype(np.float64), x.astype(np.float64)
    valid = (wm >= 0) & (wm == np.floor(wm))
    out = sp.polygamma(np.where(valid, wm, 0.0), wx)
    return np.where(valid, out, np.nan).astype(x.dtype)


polygamma_p = nary("polygamma", FLOATING, _polygamma_impl)
# Identity on values; its jvp (below) gives a zero tangent, so no gradient flows through it.
stop_gradient_p = unary("stop_gradient", ANY, lambda x: x)


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
    if y.shape != x.shape and y.size < x.size:
        # XLA rewrites a / broadcast(b) as a * broadcast(1 / b): JAX's results show it.
        return np.multiply(x, np.reciprocal(y))
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



# -- lax functions defined here (re-exported by lax.py) ---------------------------------------

def polygamma(m, x):
    """Elementwise polygamma function ``psi^(m)(x)``; ``m`` must hold non-negative integers
    (other orders give NaN), with the dtype of ``x``."""
    return polygamma_p.bind(m, x)


def stop_gradient(x):
    """The identity, except that no gradient flows through it (in every nesting of jvp/grad).

    Maps over pytrees; only floating and complex leaves are wrapped (others have no
    derivative anyway and are returned unchanged), as ``jax.lax.stop_gradient``.

    Example:
        >>> grad(lambda x: stop_gradient(x) ** 2)(3.0)
        Array(0., dtype=float32, weak_type=True)
    """
    from pyjax._src import tree as tree_util

    def stop(leaf):
        if core.get_aval(leaf).dtype not in INEXACT:
            return leaf
        if isinstance(leaf, ad.JVPTracer):  # as JAX: unwrap, so no tangent is ever attached
            return stop(leaf.primal)
        return stop_gradient_p.bind(leaf)

    return tree_util.tree_map(stop, x)


# -- differentiation rules --------------------------------------------------------------------
# Every rule follows JAX's (jax/_src/lax/lax.py, special.py). A JVP rule runs on the parent
# trace, so tangents are built by binding primitives. ad.defjvp takes per-operand tangent
# contributions; a transpose rule returns one cotangent per operand (None for operands that are
# not linear inputs). Constants take the dtype and weak type of the value they combine with.

from pyjax._src import core  # noqa: E402
from pyjax._src.array import ArrayImpl  # noqa: E402
from pyjax._src.interpreters import ad  # noqa: E402

_neg, _add, _sub, _mul, _div = neg_p.bind, add_p.bind, sub_p.bind, mul_p.bind, div_p.bind
_eq, _ge, _gt, _lt = eq_p.bind, ge_p.bind, gt_p.bind, lt_p.bind
_exp, _log, _sqr, _sign = exp_p.bind, log_p.bind, square_p.bind, sign_p.bind
_rsqrt, _real, _conj = rsqrt_p.bind, real_p.bind, conj_p.bind


def _like(x, value):
    """A 0-d constant with ``x``'s dtype and weak type."""
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


def _one(x):
    return _like(x, 1)


def _select(pred, on_true, on_false):
    return select_n_p.bind(pred, on_false, on_true)


def _shape(x):
    return core.get_aval(x).shape


def _broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (binary ops broadcast 0-d and size-1 operands)."""
    from pyjax._src.primitives import structural
    xshape = _shape(x)
    if xshape == shape:
        return x
    dims = tuple(i for i, d in enumerate(xshape) if d == shape[i]) if xshape else ()
    squeezed = structural.reshape(x, tuple(xshape[i] for i in dims)) if xshape else x
    return structural.broadcast_in_dim(squeezed, shape, dims)


def _out_shape(*operands):
    return broadcast_shapes_rule("jvp", *(_shape(o) for o in operands))


def _zeros_like(x, shape=None):
    return _broadcast_to(_like(x, 0), _shape(x) if shape is None else shape)


def _replace_zero(x):
    return _select(_eq(x, _like(x, 0)), _one(x), x)


def _reciprocal(x):
    return integer_pow_p.bind(x, y=-1)


def _zero_tangent(out):
    return ad.Zero(ad.tangent_aval(core.get_aval(out)))


def balanced_eq(x, z, y):
    """1 where x == z, halved where also y == z: how max/min split a tie (JAX's rule)."""
    return _div(_select(_eq(x, z), _one(z), _like(z, 0)),
                _select(_eq(y, z), _like(z, 2), _one(z)))


def _unbroadcast_if_linear(operand, ct):
    return ad.unbroadcast(operand.aval, ct) if ad.is_undefined(operand) else None


# Outputs that do not depend differentiably on the inputs.
for _p in (sign_p, floor_p, ceil_p, round_p, is_finite_p, not_p, and_p, or_p, xor_p,
           population_count_p, clz_p, shift_left_p, shift_right_arithmetic_p,
           shift_right_logical_p, eq_p, ne_p, lt_p, le_p, gt_p, ge_p, bitcast_convert_type_p):
    ad.defjvp_zero(_p)
# JAX registers no differentiation rule for nextafter: differentiating it raises
# NotImplementedError ("Differentiation rule for 'nextafter' not implemented"), as in JAX.
nextafter_p.opt_outs["jvp"] = "JAX does not differentiate nextafter"


def _stop_gradient_jvp(primals, tangents):
    out = stop_gradient_p.bind(*primals)
    return out, _zero_tangent(out)


stop_gradient_p.jvp = _stop_gradient_jvp


# -- linear arithmetic: add, sub, neg, mul, div --------------------------------------------------

def _add_jvp(primals, tangents):
    x, y = primals
    gx, gy = tangents
    out = add_p.bind(x, y)
    if type(gx) is ad.Zero:
        return out, _broadcast_to(gy, _shape(out))
    if type(gy) is ad.Zero:
        return out, _broadcast_to(gx, _shape(out))
    return out, _add(gx, gy)


def _sub_jvp(primals, tangents):
    x, y = primals
    gx, gy = tangents
    out = sub_p.bind(x, y)
    if type(gx) is ad.Zero:
        return out, _broadcast_to(_neg(gy), _shape(out))
    if type(gy) is ad.Zero:
        return out, _broadcast_to(gx, _shape(out))
    return out, _sub(gx, gy)


def _add_transpose(ct, x, y):
    if type(ct) is ad.Zero:
        return [None, None]
    return [_unbroadcast_if_linear(x, ct), _unbroadcast_if_linear(y, ct)]


def _sub_transpose(ct, x, y):
    if type(ct) is ad.Zero:
        return [None, None]
    return [_unbroadcast_if_linear(x, ct),
            _unbroadcast_if_linear(y, _neg(ct)) if ad.is_undefined(y) else None]


def _mul_transpose(ct, x, y):
    if type(ct) is ad.Zero:
        return [None, None]
    if ad.is_undefined(x):
        return [ad.unbroadcast(x.aval, _mul(ct, y)), None]
    return [None, ad.unbroadcast(y.aval, _mul(x, ct))]


def _div_transpose(ct, x, y):
    if type(ct) is ad.Zero:
        return [None, None]
    return [ad.unbroadcast(x.aval, _div(ct, y)), None]


add_p.jvp, add_p.transpose = _add_jvp, _add_transpose
sub_p.jvp, sub_p.transpose = _sub_jvp, _sub_transpose
ad.deflinear(neg_p, lambda ct, x: [None if type(ct) is ad.Zero else _neg(ct)])
ad.defjvp(mul_p, lambda g, x, y: _mul(g, y), lambda g, x, y: _mul(x, g))
mul_p.transpose = _mul_transpose
ad.defjvp(div_p, lambda g, x, y: _div(g, y),
          lambda g, x, y: _mul(_mul(_neg(g), x), integer_pow_p.bind(y, y=-2)))
div_p.transpose = _div_transpose
ad.defjvp(rem_p, lambda g, x, y: _broadcast_to(g, _out_shape(x, y)),
          lambda g, x, y: _mul(_neg(g), _mul(_sign(_div(x, y)),
                                              floor_p.bind(abs_p.bind(_div(x, y))))))


# -- max, min, pow, atan2 --------------------------------------------------------------------

for _p in (max_p, min_p):
    ad.defjvp2(_p, lambda g, ans, x, y: _mul(g, balanced_eq(x, ans, y)),
               lambda g, ans, x, y: _mul(g, balanced_eq(y, ans, x)))


def _pow_jvp_lhs(g, ans, x, y):
    return _mul(g, _mul(y, pow_p.bind(x, _sub(y, _one(y)))))


def _pow_jvp_rhs(g, ans, x, y):
    # log(x) is replaced by 0 where x == 0, so d(0**y)/dy is 0 rather than NaN (as JAX).
    return _mul(g, _mul(_log(_replace_zero(x)), ans))


ad.defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)


def _atan2_denominator(x, y):
    return _add(_sqr(x), _sqr(y))


ad.defjvp(atan2_p, lambda g, x, y: _mul(g, _div(y, _atan2_denominator(x, y))),
          lambda g, x, y: _div(_mul(g, _neg(x)), _atan2_denominator(x, y)))


# -- unary math --------------------------------------------------------------------------------

ad.defjvp2(exp_p, lambda g, ans, x: _mul(g, ans))
ad.defjvp2(exp2_p, lambda g, ans, x: _mul(_like(x, np.log(2)), _mul(g, ans)))
ad.defjvp(log_p, lambda g, x: _div(g, x))
ad.defjvp2(expm1_p, lambda g, ans, x: _mul(g, _add(ans, _one(ans))))
ad.defjvp(log1p_p, lambda g, x: _div(g, _add(x, _one(x))))
ad.defjvp2(tanh_p, lambda g, ans, x: _mul(_add(g, _mul(g, ans)), _sub(_one(x), ans)))
ad.defjvp2(logistic_p, lambda g, ans, x: _mul(g, _mul(ans, _sub(_one(ans), ans))))
ad.defjvp(sin_p, lambda g, x: _mul(g, cos_p.bind(x)))
ad.defjvp(cos_p, lambda g, x: _neg(_mul(g, sin_p.bind(x))))
ad.defjvp2(tan_p, lambda g, ans, x: _mul(g, _add(_one(x), _sqr(ans))))
ad.defjvp(asin_p, lambda g, x: _mul(g, _rsqrt(_sub(_one(x), _sqr(x)))))
ad.defjvp(acos_p, lambda g, x: _mul(g, _neg(_rsqrt(_sub(_one(x), _sqr(x))))))
ad.defjvp(atan_p, lambda g, x: _div(g, _add(_one(x), _sqr(x))))
ad.defjvp(sinh_p, lambda g, x: _mul(g, cosh_p.bind(x)))
ad.defjvp(cosh_p, lambda g, x: _mul(g, sinh_p.bind(x)))
ad.defjvp(asinh_p, lambda g, x: _mul(g, _rsqrt(_add(_sqr(x), _one(x)))))
ad.defjvp(acosh_p, lambda g, x: _mul(g, _rsqrt(_mul(_sub(x, _one(x)), _add(x, _one(x))))))
ad.defjvp(atanh_p, lambda g, x: _mul(_reciprocal(_add(_one(x), x)), _div(g, _sub(_one(x), x))))
ad.defjvp2(sqrt_p, lambda g, ans, x: _mul(g, _div(_like(x, 0.5), ans)))
ad.defjvp2(rsqrt_p, lambda g, ans, x: _mul(g, _mul(_like(x, -0.5), _div(ans, x))))
ad.defjvp2(cbrt_p, lambda g, ans, x: _mul(g, _mul(_like(x, 1 / 3),
                                                   integer_pow_p.bind(ans, y=-2))))
ad.defjvp2(square_p, lambda g, ans, x: _mul(g, _mul(_like(x, 2), x)))


def _abs_jvp(g, ans, x):
    if core.get_aval(x).dtype in COMPLEX:
        # d|z| = Re(conj(z) dz) / |z|, with 0 (not NaN) at z == 0.
        ans_c = convert_element_type_p.bind(ans, new_dtype=core.get_aval(x).dtype,
                                            weak_type=core.get_aval(ans).weak_type,
                                            sharding=None)
        return _real(_mul(g, _div(_conj(x), _replace_zero(ans_c))))
    return _select(_ge(x, _like(x, 0)), g, _neg(g))


ad.defjvp2(abs_p, _abs_jvp)


def _integer_pow_jvp(g, x, *, y):
    if y == 0:
        return _zeros_like(g)
    return _mul(g, _mul(_like(x, y), integer_pow_p.bind(x, y=y - 1)))


ad.defjvp(integer_pow_p, _integer_pow_jvp)

_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)
ad.defjvp(erf_p, lambda g, x: _mul(_like(x, _TWO_OVER_SQRT_PI), _mul(g, _exp(_neg(_sqr(x))))))
ad.defjvp(erfc_p, lambda g, x: _mul(_like(x, -_TWO_OVER_SQRT_PI),
                                    _mul(g, _exp(_neg(_sqr(x))))))
ad.defjvp2(erf_inv_p, lambda g, ans, x: _mul(_like(x, np.sqrt(np.pi) / 2),
                                             _mul(g, _exp(_sqr(ans)))))
ad.defjvp(lgamma_p, lambda g, x: _mul(g, digamma_p.bind(x)))
ad.defjvp(digamma_p, lambda g, x: _mul(g, polygamma_p.bind(_one(x), x)))


def _polygamma_jvp_m(g, m, x):
    raise ValueError("polygamma gradient with respect to m is not supported")


ad.defjvp(polygamma_p, _polygamma_jvp_m,
          lambda g, m, x: _mul(g, polygamma_p.bind(_add(m, _one(m)), x)))
ad.defjvp2(bessel_i0e_p, lambda g, ans, x: _mul(g, _sub(bessel_i1e_p.bind(x),
                                                        _mul(_sign(x), ans))))


def _bessel_i1e_jvp(g, ans, x):
    # i1e(x) ~ x/2 near 0: use the limit 1/2 where the closed form would divide by ~0.
    eps = _like(x, dtypes.finfo(core.get_aval(x).dtype).eps)
    not_tiny = _gt(abs_p.bind(x), eps)
    safe_x = _select(not_tiny, x, _broadcast_to(eps, _shape(x)))
    d = _sub(bessel_i0e_p.bind(safe_x), _mul(ans, _add(_sign(safe_x), _reciprocal(safe_x))))
    return _mul(g, _select(not_tiny, d, _broadcast_to(_like(x, 0.5), _shape(x))))


ad.defjvp2(bessel_i1e_p, _bessel_i1e_jvp)


# -- complex parts (linear) ----------------------------------------------------------------------
# Transposes use JAX's pairing <ct, v> = Re(sum(ct * v)) (no conjugation).

def _complex_transpose(ct, x, y):
    if type(ct) is ad.Zero:
        return [None, None]
    return [_unbroadcast_if_linear(x, _real(ct)),
            _unbroadcast_if_linear(y, imag_p.bind(_neg(ct))) if ad.is_undefined(y) else None]


ad.deflinear(real_p, lambda ct, x: [None if type(ct) is ad.Zero else complex_p.bind(
    ct, _broadcast_to(_like(ct, 0), _shape(ct)))])
ad.deflinear(imag_p, lambda ct, x: [None if type(ct) is ad.Zero else complex_p.bind(
    _broadcast_to(_like(ct, 0), _shape(ct)), _neg(ct))])
ad.deflinear(complex_p, _complex_transpose)
ad.deflinear(conj_p, lambda ct, x: [None if type(ct) is ad.Zero else _conj(ct)])


# -- convert_element_type, select_n, clamp ------------------------------------------------------

def _convert_jvp(primals, tangents, *, new_dtype, weak_type, sharding):
    (x,), (g,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type,
                                      sharding=sharding)
    if ad.tangent_aval(core.get_aval(out)).dtype == dtypes.float0 or \
            core.get_aval(g).dtype == dtypes.float0:
        return out, _zero_tangent(out)
    return out, convert_element_type_p.bind(g, new_dtype=new_dtype, weak_type=weak_type,
                                            sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type, sharding):
    if type(ct) is ad.Zero or ad.tangent_aval(x.aval).dtype == dtypes.float0:
        return [None]
    return [convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type,
                                        sharding=None)]


convert_element_type_p.jvp = _convert_jvp
convert_element_type_p.transpose = _convert_transpose


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    case_tangents = tangents[1:]
    if all(type(t) is ad.Zero for t in case_tangents) or \
            ad.tangent_aval(core.get_aval(out)).dtype == dtypes.float0:
        return out, _zero_tangent(out)
    first = next(t for t in case_tangents if type(t) is not ad.Zero)
    ts = [_zeros_like(first) if type(t) is ad.Zero else t for t in case_tangents]
    return out, select_n_p.bind(which, *ts)


def _select_n_transpose(ct, which, *cases):
    if type(ct) is ad.Zero:
        return [None] * (1 + len(cases))
    zeros = _zeros_like(ct)
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


def _clamp_jvp_arg(pred_fn):
    def contribution(g, lo, x, hi):
        shape = _shape(x)
        return _select(pred_fn(lo, x, hi), _broadcast_to(g, shape), _zeros_like(g, shape))
    return contribution


# As JAX: the operand's gradient flows where lo < x < hi, a bound's where it is the result.
ad.defjvp(clamp_p,
          _clamp_jvp_arg(lambda lo, x, hi: and_p.bind(_gt(lo, x), _lt(lo, hi))),
          _clamp_jvp_arg(lambda lo, x, hi: and_p.bind(_gt(x, lo), _lt(x, hi))),
          _clamp_jvp_arg(lambda lo, x, hi: _lt(hi, x)))


# -- batching rules for the elementwise primitives not made by the unary/nary factories --------

from pyjax._src.interpreters import batching  # noqa: E402


def _batch_to_front(vals, dims, out_shape):
    """Operands with the batch axis first, each either 0-d or of the batched output shape."""
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    out = []
    for v, d in zip(vals, dims):
        shape = core.get_aval(v).shape
        if d is None:
            out.append(v if not shape else batching.broadcast(v, size, 0))
            continue
        v = batching.moveaxis(v, d, 0)
        if len(shape) == 1 and out_shape:  # a batched 0-d operand
            from pyjax._src.primitives import structural
            v = structural.broadcast_in_dim(v, (size,) + out_shape, (0,))
        out.append(v)
    return out


def _unbatched_shape(v, d):
    shape = core.get_aval(v).shape
    return shape if d is None else shape[:d] + shape[d + 1:]


def _select_n_batch(vals, dims):
    which, *cases = vals
    out_shape = ()
    for v, d in zip(vals, dims):
        out_shape = out_shape or _unbatched_shape(v, d)
    same = all(d == dims[0] for d in dims) and all(
        core.get_aval(v).shape == core.get_aval(vals[0]).shape for v in vals)
    if same:
        return select_n_p.bind(*vals), dims[0]
    return select_n_p.bind(*_batch_to_front(vals, dims, out_shape)), 0


def _same_dim_batch(prim):
    def rule(vals, dims, **params):
        return prim.bind(*vals, **params), dims[0]
    return rule


def _bitcast_batch(vals, dims, *, new_dtype):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)  # a narrower/wider type changes the last axis only
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), 0


select_n_p.batch = _select_n_batch
clamp_p.batch = batching.batch_uniform_elementwise(clamp_p, full_operands=(1,))
convert_element_type_p.batch = _same_dim_batch(convert_element_type_p)
bitcast_convert_type_p.batch = _bitcast_batch

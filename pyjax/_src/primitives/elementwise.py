"""Elementwise primitives: arithmetic, comparisons, bit ops, select, convert (the math functions
are in elementwise_math.py, re-exported here).

Each primitive's NumPy impl follows XLA's semantics where they differ from NumPy's (integer
division truncates, shifts past the bit width give 0, float->int conversion saturates).
"""
import numpy as np

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
abs_p = unary("abs", NUMBER, np.abs, result_dtype=_real_dtype)
not_p = unary("not", INT_OR_BOOL, np.invert)
# XLA counts the bits of the two's-complement pattern (np.bitwise_count counts |x|'s).
population_count_p = unary("population_count", INTEGER, lambda x: np.bitwise_count(
    x.view(np.dtype(f"u{x.dtype.itemsize}")) if x.dtype.kind == "i" else x).astype(x.dtype))
real_p = unary("real", COMPLEX, np.real, result_dtype=_real_dtype)
imag_p = unary("imag", COMPLEX, np.imag, result_dtype=_real_dtype)
conj_p = unary("conj", COMPLEX, np.conjugate)
square_p = unary("square", NUMBER, np.square)
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


def power_by_squaring(x, n, mul):
    """x**n for an int n >= 1 by repeated squaring, in the order XLA expands integer_pow (so
    x**2 is exactly x*x); ``mul`` multiplies (NumPy arrays, or kernel values in codegen)."""
    acc, base = None, x
    while n:
        if n & 1:
            acc = base if acc is None else mul(acc, base)
        n >>= 1
        if n:
            base = mul(base, base)
    return acc


def _integer_pow_impl(x, *, y):
    if y == 0:
        return np.ones_like(x)
    acc = power_by_squaring(x, abs(y), np.multiply)
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
max_p = nary("max", ANY, np.maximum)
min_p = nary("min", ANY, np.minimum)
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


def _comparing_keys(fun, combine):
    """``fun``, and for PRNG key arrays ``fun`` on every key word, combined over the words
    (JAX's eq/ne accept key arrays: keys are equal when all their words are)."""
    def impl(x, y):
        if x.dtype.kind == "V" and x.dtype.names:  # (bfloat16 & co. are kind V too)
            field = x.dtype.names[0]
            return combine(fun(x[field], y[field]), axis=-1)
        return fun(x, y)
    impl.__name__ = fun.__name__
    return impl


eq_p = nary("eq", ANY, _comparing_keys(np.equal, np.all), result_dtype=_to_bool,
            accept_keys=True)
ne_p = nary("ne", ANY, _comparing_keys(np.not_equal, np.any), result_dtype=_to_bool,
            accept_keys=True)
lt_p = nary("lt", ORDERED, np.less, result_dtype=_to_bool)
le_p = nary("le", ORDERED, np.less_equal, result_dtype=_to_bool)
gt_p = nary("gt", ORDERED, np.greater, result_dtype=_to_bool)
ge_p = nary("ge", ORDERED, np.greater_equal, result_dtype=_to_bool)


def _complex_dtype(dtype):
    return np.dtype(np.complex64 if dtype == np.float32 else np.complex128)


def _complex_impl(x, y):
    # Parts assigned, not x + 1j * y (1j * inf is nan + inf j).
    x, y = np.broadcast_arrays(x, y)
    out = np.empty(x.shape, _complex_dtype(x.dtype))
    out.real, out.imag = x, y
    return out


complex_p = nary("complex", frozenset(map(np.dtype, [np.float32, np.float64])), _complex_impl,
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

def _check_not_key_conversion(src, dst):
    # Key arrays convert to and from their data with random.key_data / wrap_key_data only.
    if src != dst and (dtypes.is_key_dtype(src) or dtypes.is_key_dtype(dst)):
        raise ValueError(f"Cannot convert_element_type from {dtypes.dtype_name(src)} to "
                         f"{dtypes.dtype_name(dst)}")


def _convert_dtype(x, *, new_dtype, **_):
    _check_not_key_conversion(x.dtype, np.dtype(new_dtype))
    return np.dtype(new_dtype)


def _convert_impl(x, *, new_dtype, weak_type=False, sharding=None):
    src, dst = x.dtype, np.dtype(new_dtype)
    if src == dst:
        return x
    if src.kind == "V" or dst.kind == "V":
        _check_not_key_conversion(src, dst)
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
    "convert_element_type", lambda x, **_: x.shape, _convert_dtype, _convert_impl,
    weak_type_rule=lambda flags, params: params["weak_type"])
convert_element_type_p.pp_params = lambda params: [("new_dtype", params["new_dtype"]),
                                                   ("weak_type", params["weak_type"])]


# -- bitcast_convert_type ---------------------------------------------------------------------

def _bitcast_shape(x, *, new_dtype):
    for dt in (x.dtype, np.dtype(new_dtype)):
        if dtypes.is_key_dtype(dt):  # JAX's error: key arrays have no bit layout to cast
            raise ValueError(f"unexpected input: dtype={dtypes.dtype_name(dt)}")
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
_sqr, _sign = square_p.bind, sign_p.bind
_real, _conj = real_p.bind, conj_p.bind


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


# -- max, min --------------------------------------------------------------------------------

for _p in (max_p, min_p):
    ad.defjvp2(_p, lambda g, ans, x, y: _mul(g, balanced_eq(x, ans, y)),
               lambda g, ans, x, y: _mul(g, balanced_eq(y, ans, x)))


# -- square, abs, integer_pow ------------------------------------------------------------------

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


# -- codegen rules (pyjax/_src/codegen_interface.py) ----------------------------------------------

from pyjax._src import codegen_interface as cg  # noqa: E402

neg_p.codegen = lambda kb, x: kb.neg(x)
sign_p.codegen = lambda kb, x: kb.sign(x)
abs_p.codegen = lambda kb, x: kb.abs(x)
not_p.codegen = lambda kb, x: kb.bit_not(x)
square_p.codegen = lambda kb, x: kb.mul(x, x)
stop_gradient_p.codegen = lambda kb, x: x
for _p, _op in ((add_p, "add"), (sub_p, "sub"), (mul_p, "mul"), (div_p, "div"), (rem_p, "rem"),
                (max_p, "max"), (min_p, "min"), (and_p, "and"), (or_p, "or"), (xor_p, "xor"),
                (shift_left_p, "shl"), (shift_right_logical_p, "shr_logical"),
                (shift_right_arithmetic_p, "shr_arithmetic")):
    _p.codegen = cg.binary_rule(_op)
for _p, _op in ((eq_p, "eq"), (ne_p, "ne"), (lt_p, "lt"), (le_p, "le"), (gt_p, "gt"),
                (ge_p, "ge")):
    _p.codegen = cg.compare_rule(_op)
for _p, _name in ((floor_p, "floor"), (ceil_p, "ceil"), (is_finite_p, "is_finite"),
                  (population_count_p, "popcount"), (clz_p, "clz"),
                  (nextafter_p, "nextafter")):
    _p.codegen = cg.math_rule(_name)
# nextafter steps in the operand's own format, which kernels do not hold for half floats.
nextafter_p.codegen_supports = cg.no_narrow_floats
round_p.codegen = lambda kb, x, *, rounding_method: kb.math(
    "round_even" if int(rounding_method) == 1 else "round_away", x)


def _integer_pow_rule(kb, x, *, y):
    """The impl's products in its order, so results match it exactly."""
    if y == 0:
        return kb.const(1, x.dtype)
    acc = power_by_squaring(x, abs(y), kb.mul)
    return kb.div(kb.const(1, x.dtype), acc) if y < 0 else acc


integer_pow_p.codegen = _integer_pow_rule
# Integers to negative powers: the impl's np.reciprocal of ints is not worth emulating.
integer_pow_p.codegen_supports = lambda avals, params: (
    params["y"] >= 0 or cg.is_float(avals[0].dtype))


def _select_n_rule(kb, which, *cases):
    if len(cases) == 1:
        return cases[0]
    if which.dtype == np.bool_:
        return kb.select(which, cases[1], cases[0])
    out = cases[-1]
    for i in range(len(cases) - 2, -1, -1):  # np.choose(mode="clip")
        out = kb.select(kb.compare("le", which, kb.const(i, which.dtype)), cases[i], out)
    return out


def _bitcast_supports(avals, params):
    # Half floats live in float32 registers, so their bits (NaN payloads) are not kept.
    src, dst = avals[0].dtype, np.dtype(params["new_dtype"])
    return src.itemsize == dst.itemsize and np.bool_ not in (src, dst) and \
        not (cg.is_narrow_float(src) or cg.is_narrow_float(dst))


select_n_p.codegen = _select_n_rule
clamp_p.codegen = lambda kb, lo, x, hi: kb.min(kb.max(x, lo), hi)
convert_element_type_p.codegen = (
    lambda kb, x, *, new_dtype, weak_type=False, sharding=None: kb.convert(x, new_dtype))
bitcast_convert_type_p.codegen = lambda kb, x, *, new_dtype: kb.bitcast(x, new_dtype)
bitcast_convert_type_p.codegen_supports = _bitcast_supports


# -- the math functions (declared with their rules in elementwise_math.py) -----------------------

from pyjax._src.primitives.elementwise_math import (  # noqa: E402,F401 (re-exported)
    acos_p, acosh_p, asin_p, asinh_p, atan2_p, atan_p, atanh_p, bessel_i0e_p, bessel_i1e_p,
    cbrt_p, cos_p, cosh_p, digamma_p, erf_inv_p, erf_p, erfc_p, exp2_p, exp_p, expm1_p,
    lgamma_p, log1p_p, log_p, logistic_p, polygamma, polygamma_p, pow_p, rsqrt_p, sin_p, sinh_p,
    sqrt_p, tan_p, tanh_p)

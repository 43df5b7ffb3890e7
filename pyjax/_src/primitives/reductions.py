"""Reduction primitives: reduce_{sum,prod,max,min,and,or,xor}, argmax/argmin, the cumulative
reductions (cumsum, cumprod, cummax, cummin, cumlogsumexp) and reduce_precision, with their
public ``lax`` functions.

Every impl returns exactly the operand's dtype (NumPy would widen integer sums), uses XLA's
identities for empty reductions (-inf / iinfo.min for max, +inf / iinfo.max for min) and wraps
integer overflow as XLA does.
"""
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.primitives.common import (
    FLOATING, INEXACT, INT_OR_BOOL, INTEGER, NUMBER, dtype_error, standard_primitive)
from pyjax._src.primitives.structural import checked

# float16/bfloat16 sums are accumulated in float32 and rounded once, as XLA:CPU does for
# narrow floats, instead of NumPy's rounding after every pairwise step.
_NARROW_FLOATS = frozenset(map(np.dtype, [np.float16, dtypes.bfloat16]))


def _strip_weak(flags, params):
    return False


def _axes(axes):
    return tuple(int(a) if isinstance(a, np.integer) else a for a in axes)


def _reduce_shape(x, *, axes, **_):
    if len(axes) != len(set(axes)):
        raise ValueError(f"duplicate value in 'axes' of reduction: {axes}")
    if not all(0 <= a < x.ndim for a in axes):
        raise ValueError(f"reduction axes {axes} contains out-of-bounds indices for {x}.")
    axes = frozenset(axes)
    return tuple(d for i, d in enumerate(x.shape) if i not in axes)


def _number_dtype(name):
    def rule(x, **_):
        if x.dtype not in NUMBER:
            raise TypeError(f"{name} does not accept dtype {x.dtype.name}. Accepted dtypes are "
                            "subtypes of number.")
        return x.dtype
    return rule


def _same_dtype(x, **_):
    return x.dtype


def _accumulating(ufunc):
    """impl of a sum/product: in the operand's dtype (so integers wrap like XLA's)."""
    def impl(x, *, axes, **_):
        if x.dtype in _NARROW_FLOATS:
            return np.asarray(ufunc.reduce(x.astype(np.float32), axis=axes)).astype(x.dtype)
        return np.asarray(ufunc.reduce(x, axis=axes, dtype=x.dtype))
    return impl


def max_identity(dtype):
    """XLA's identity for max: -inf for inexact types, the minimum for integers, False."""
    if dtype in INEXACT:  # (bfloat16's dtype.kind is "V")
        return np.array(-np.inf, dtype)
    if dtype.kind in "iu":
        return np.array(np.iinfo(dtype).min, dtype)
    return np.array(False)


def min_identity(dtype):
    """XLA's identity for min: +inf for inexact types, the maximum for integers, True."""
    if dtype in INEXACT:
        return np.array(np.inf, dtype)
    if dtype.kind in "iu":
        return np.array(np.iinfo(dtype).max, dtype)
    return np.array(True)


def _choosing(ufunc, identity):
    def impl(x, *, axes):
        # NumPy's maximum/minimum propagate NaN as XLA's max/min do.
        return np.asarray(ufunc.reduce(x, axis=axes, initial=identity(x.dtype)))
    return impl


reduce_sum_p = checked(standard_primitive(
    "reduce_sum", _reduce_shape, _number_dtype("reduce_sum"), _accumulating(np.add)))
reduce_prod_p = checked(standard_primitive(
    "reduce_prod", _reduce_shape, _number_dtype("reduce_prod"), _accumulating(np.multiply)))
reduce_max_p = checked(standard_primitive(
    "reduce_max", _reduce_shape, _same_dtype, _choosing(np.maximum, max_identity)))
reduce_min_p = checked(standard_primitive(
    "reduce_min", _reduce_shape, _same_dtype, _choosing(np.minimum, min_identity)))


def _logical_shape(x, *, axes):
    if x.dtype not in INT_OR_BOOL:
        raise TypeError(f"logical reduction requires operand dtype bool or int, got "
                        f"{x.dtype.name}.")
    # JAX computes this shape with np.delete, which does not check the axes; we reject what
    # XLA would reject later.
    if len(axes) != len(set(axes)) or not all(0 <= a < x.ndim for a in axes):
        raise ValueError(f"reduction axes {axes} contains out-of-bounds indices for {x}.")
    return tuple(d for i, d in enumerate(x.shape) if i not in axes)


def _bitwise(ufunc):
    def impl(x, *, axes):
        # bitwise_and/or/xor of bools are the logical operations; identities: all ones / 0.
        return np.asarray(ufunc.reduce(x, axis=axes, dtype=x.dtype))
    return impl


# Logical reductions drop the weak type in JAX (weak_type_rule=_strip_weak_type).
reduce_and_p = checked(standard_primitive(
    "reduce_and", _logical_shape, _same_dtype, _bitwise(np.bitwise_and),
    weak_type_rule=_strip_weak))
reduce_or_p = checked(standard_primitive(
    "reduce_or", _logical_shape, _same_dtype, _bitwise(np.bitwise_or),
    weak_type_rule=_strip_weak))
reduce_xor_p = checked(standard_primitive(
    "reduce_xor", _logical_shape, _same_dtype, _bitwise(np.bitwise_xor),
    weak_type_rule=_strip_weak))


def reduce_sum(operand, axes, *, out_sharding=None):
    """Sum over ``axes``, in the operand's dtype (integers wrap; no upcasting).

    Example: ``reduce_sum(jnp.ones((2, 3)), (1,))`` is ``[3., 3.]``.
    """
    return reduce_sum_p.bind(operand, axes=_axes(axes), out_sharding=out_sharding)


def reduce_prod(operand, axes):
    """Product over ``axes``, in the operand's dtype."""
    return reduce_prod_p.bind(operand, axes=_axes(axes))


def reduce_max(operand, axes):
    """Maximum over ``axes`` (NaN propagates; an empty reduction gives -inf / iinfo.min)."""
    return reduce_max_p.bind(operand, axes=_axes(axes))


def reduce_min(operand, axes):
    """Minimum over ``axes`` (NaN propagates; an empty reduction gives +inf / iinfo.max)."""
    return reduce_min_p.bind(operand, axes=_axes(axes))


def reduce_and(operand, axes):
    """Bitwise (for bool: logical) AND over ``axes``."""
    return reduce_and_p.bind(operand, axes=_axes(axes))


def reduce_or(operand, axes):
    """Bitwise (for bool: logical) OR over ``axes``."""
    return reduce_or_p.bind(operand, axes=_axes(axes))


def reduce_xor(operand, axes):
    """Bitwise (for bool: logical) XOR over ``axes``."""
    return reduce_xor_p.bind(operand, axes=_axes(axes))


# ----------------------------------------------------------------------------------------------
# argmax, argmin


def _argminmax_shape(x, *, axes, index_dtype):
    axis, = axes
    if not 0 <= axis < x.ndim:
        raise ValueError(f"Invalid axis {axis} for operand shape {x.shape}")
    if x.shape[axis] < 1:
        raise ValueError("argmin and argmax require non-empty reduced dimension. "
                         f"operand.shape={x.shape} axis={axis}")
    return x.shape[:axis] + x.shape[axis + 1:]


def _argminmax_dtype(x, *, axes, index_dtype):
    if np.dtype(index_dtype) not in INTEGER:
        raise TypeError(f"index_dtype must be an integer type, but got "
                        f"{np.dtype(index_dtype).name}")
    return np.dtype(index_dtype)


def _argminmax_impl(np_fun):
    def impl(x, *, axes, index_dtype):
        # NumPy treats NaN as the extreme value and returns its first occurrence, which is
        # XLA's comparator (NaN wins; ties go to the lower index).
        return np.asarray(np_fun(x, axis=axes[0])).astype(index_dtype)
    return impl


argmax_p = checked(standard_primitive("argmax", _argminmax_shape, _argminmax_dtype,
                                      _argminmax_impl(np.argmax), weak_type_rule=_strip_weak))
argmin_p = checked(standard_primitive("argmin", _argminmax_shape, _argminmax_dtype,
                                      _argminmax_impl(np.argmin), weak_type_rule=_strip_weak))


def argmax(operand, axis, index_dtype):
    """Index of the maximum along ``axis`` (first occurrence; NaN counts as the maximum)."""
    index_dtype = dtypes.check_user_dtype_supported(index_dtype, "argmax")
    return argmax_p.bind(operand, axes=(operator.index(axis),), index_dtype=index_dtype)


def argmin(operand, axis, index_dtype):
    """Index of the minimum along ``axis`` (first occurrence; NaN counts as the minimum)."""
    index_dtype = dtypes.check_user_dtype_supported(index_dtype, "argmin")
    return argmin_p.bind(operand, axes=(operator.index(axis),), index_dtype=index_dtype)


# ----------------------------------------------------------------------------------------------
# Cumulative reductions


def _cumulative_shape(x, *, axis, reverse):
    if axis < 0 or axis >= x.ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of shape {x.shape}")
    return x.shape


def _cumulative(name, ufunc, accepted=NUMBER):
    def dtype_rule(x, **_):
        if x.dtype not in accepted:
            raise (dtype_error(name, x.dtype, accepted) if accepted is FLOATING else
                   TypeError(f"{name} does not accept dtype {x.dtype.name}. Accepted dtypes "
                             "are subtypes of number."))
        return x.dtype

    def impl(x, *, axis, reverse):
        if reverse:
            x = np.flip(x, axis)
        if x.dtype in _NARROW_FLOATS:
            out = ufunc.accumulate(x.astype(np.float32), axis=axis).astype(x.dtype)
        else:
            out = ufunc.accumulate(x, axis=axis, dtype=x.dtype)
        return np.flip(out, axis) if reverse else out

    return checked(standard_primitive(name, _cumulative_shape, dtype_rule, impl))


cumsum_p = _cumulative("cumsum", np.add)
cumprod_p = _cumulative("cumprod", np.multiply)
cummax_p = _cumulative("cummax", np.maximum)
cummin_p = _cumulative("cummin", np.minimum)
# JAX's rule accepts any number but only floating types lower (logaddexp); say so up front.
cumlogsumexp_p = _cumulative("cumlogsumexp", np.logaddexp, accepted=FLOATING)


def cumsum(operand, axis=0, reverse=False):
    """Cumulative sum along ``axis`` (from the end if ``reverse``), in the operand's dtype.

    Example: ``cumsum(jnp.array([1, 2, 3]))`` is ``[1, 3, 6]``.
    """
    return cumsum_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cumprod(operand, axis=0, reverse=False):
    """Cumulative product along ``axis``."""
    return cumprod_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cummax(operand, axis=0, reverse=False):
    """Cumulative maximum along ``axis``."""
    return cummax_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cummin(operand, axis=0, reverse=False):
    """Cumulative minimum along ``axis``."""
    return cummin_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cumlogsumexp(operand, axis=0, reverse=False):
    """Cumulative ``log(sum(exp(x)))`` along ``axis``."""
    return cumlogsumexp_p.bind(operand, axis=int(axis), reverse=bool(reverse))


# ----------------------------------------------------------------------------------------------
# reduce_precision


def _reduce_precision_shape(x, *, exponent_bits, mantissa_bits):
    exponent_bits, mantissa_bits = operator.index(exponent_bits), operator.index(mantissa_bits)
    if exponent_bits < 1:
        raise ValueError(f"reduce_precision: exponent_bits must be positive; got {exponent_bits}")
    if mantissa_bits < 0:
        raise ValueError("reduce_precision: mantissa_bits must be non-negative; got "
                         f"{mantissa_bits}")
    return x.shape


def _reduce_precision_dtype(x, **_):
    if x.dtype not in FLOATING:
        raise dtype_error("reduce_precision", x.dtype, FLOATING)
    return x.dtype


def _reduce_precision_impl(x, *, exponent_bits, mantissa_bits):
    """XLA's ReducePrecision: round the mantissa to nearest even, then flush values whose
    exponent is out of the reduced range to signed zero / signed infinity. NaN stays NaN."""
    nbits = x.dtype.itemsize * 8
    src_mant = {16: 10, 32: 23, 64: 52}[nbits] if x.dtype != dtypes.bfloat16 else 7
    src_exp = nbits - 1 - src_mant
    udt = np.dtype(f"u{x.dtype.itemsize}")
    u = np.ascontiguousarray(x).view(udt).astype(np.uint64)
    one = np.uint64(1)
    if mantissa_bits < src_mant:
        shift = np.uint64(src_mant - mantissa_bits)
        last_bit_mask = one << shift
        bias = (last_bit_mask >> one) - one
        last_bit = (u & last_bit_mask) >> shift
        u = (u + last_bit + bias) & ~(last_bit_mask - one)
    if exponent_bits < src_exp:
        sign_mask = one << np.uint64(nbits - 1)
        exp_mask = np.uint64(((1 << src_exp) - 1) << src_mant)
        exp_bias = (1 << (src_exp - 1)) - 1
        reduced_bias = (1 << (exponent_bits - 1)) - 1
        max_exp = np.uint64((exp_bias + reduced_bias) << src_mant)
        min_exp = np.uint64((exp_bias - reduced_bias) << src_mant)
        x_exp = u & exp_mask
        signed_zero = u & sign_mask
        u = np.where(x_exp > max_exp, signed_zero | exp_mask,
                     np.where(x_exp <= min_exp, signed_zero, u))
    full_mask = np.uint64((1 << nbits) - 1)
    out = (u & full_mask).astype(udt).view(x.dtype).reshape(x.shape)
    return np.where(np.isnan(x), x, out) if mantissa_bits > 0 else out


reduce_precision_p = checked(standard_primitive(
    "reduce_precision", _reduce_precision_shape, _reduce_precision_dtype,
    _reduce_precision_impl))


def reduce_precision(operand, exponent_bits, mantissa_bits):
    """Rounds ``operand`` to a float format with the given exponent and mantissa widths and
    back (XLA's ReducePrecision); ``(8, 7)`` rounds float32 values as bfloat16 does."""
    exponent_bits = core.concrete_or_error(
        operator.index, exponent_bits, "exponent_bits argument of lax.reduce_precision")
    mantissa_bits = core.concrete_or_error(
        operator.index, mantissa_bits, "mantissa_bits argument of lax.reduce_precision")
    return reduce_precision_p.bind(operand, exponent_bits=exponent_bits,
                                   mantissa_bits=mantissa_bits)


# -- differentiation rules --------------------------------------------------------------------
# As JAX's (jax/_src/lax/lax.py, control_flow/loops.py). Tangents are built by binding
# primitives on the parent trace, so every rule is itself differentiable.

from pyjax._src.interpreters import ad  # noqa: E402
from pyjax._src.primitives import elementwise as ew  # noqa: E402
from pyjax._src.primitives import joining  # noqa: E402
from pyjax._src.primitives import structural as st  # noqa: E402

_mul, _add, _sub, _div = ew.mul_p.bind, ew.add_p.bind, ew.sub_p.bind, ew.div_p.bind


def _zero_tangent(out):
    return ad.Zero(ad.tangent_aval(core.get_aval(out)))


def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
    if type(ct) is ad.Zero:
        return [None]
    shape = x.aval.shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return [st.broadcast_in_dim(ct, shape, kept)]


ad.deflinear(reduce_sum_p, _reduce_sum_transpose)
ad.deflinear(cumsum_p, lambda ct, x, *, axis, reverse: [
    None if type(ct) is ad.Zero else cumsum(ct, axis, not reverse)])
# XLA's rounding is treated as linear (JAX: ad.deflinear with reduce_precision itself).
ad.deflinear(reduce_precision_p, lambda ct, x, **params: [
    None if type(ct) is ad.Zero else reduce_precision_p.bind(ct, **params)])
for _p in (reduce_and_p, reduce_or_p, reduce_xor_p, argmax_p, argmin_p):
    ad.defjvp_zero(_p)  # integer/boolean results


def _reduce_chooser_jvp(g, ans, x, *, axes):
    # The tangent at the chosen location; ties share it equally (JAX's location indicators).
    shape = tuple(1 if i in axes else d for i, d in enumerate(core.get_aval(x).shape))
    dtype = core.get_aval(g).dtype
    where = ew.convert_element_type_p.bind(
        ew.eq_p.bind(x, st.reshape(ans, shape)), new_dtype=dtype, weak_type=False,
        sharding=None)
    counts = reduce_sum(where, axes)
    return _div(reduce_sum(_mul(g, where), axes), counts)


ad.defjvp2(reduce_max_p, _reduce_chooser_jvp)
ad.defjvp2(reduce_min_p, _reduce_chooser_jvp)


def _const(x, value):
    return ew._like(x, value)


def _reduce_prod_jvp(primals, tangents, *, axes):
    """JAX's rule: a balanced tree of pairwise products (exact where operands are zero), whose
    tangent follows the product rule at every level."""
    (x,), (t,) = primals, tangents
    out = reduce_prod_p.bind(x, axes=axes)
    shape = core.get_aval(x).shape
    non_axes = tuple(i for i in range(len(shape)) if i not in axes)
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return out, _zero_tangent(out)
    new_shape = (n,) + tuple(shape[i] for i in non_axes)
    p = st.reshape(x, new_shape, tuple(axes) + non_axes)
    t = st.reshape(t, new_shape, tuple(axes) + non_axes)
    while n > 1:
        n1 = (n + 1) // 2
        p1, p2 = st.slice_in_dim(p, 0, n1), st.slice_in_dim(p, n1, n)
        t1, t2 = st.slice_in_dim(t, 0, n1), st.slice_in_dim(t, n1, n)
        if n - n1 != n1:
            config = [(0, 1, 0)] + [(0, 0, 0)] * len(non_axes)
            p2, t2 = joining.pad(p2, _const(p2, 1), config), joining.pad(t2, _const(t2, 0), config)
        p, t = _mul(p1, p2), _add(_mul(t1, p2), _mul(p1, t2))
        n = n1
    return out, st.squeeze(t, (0,))


reduce_prod_p.jvp = _reduce_prod_jvp


# Cumulative reductions other than cumsum: as JAX, the jvp of a parallel prefix scan of the
# combining function (JAX's associative_scan recursion, so ties in cummax/cummin split the
# tangent exactly as JAX does). Elements are (primal, tangent) pairs combined by the jvp of
# the binary operation.

def _combine_mul(a, b):
    (pa, ta), (pb, tb) = a, b
    return _mul(pa, pb), _add(_mul(ta, pb), _mul(pa, tb))


def _combine_chooser(prim):
    def combine(a, b):
        (pa, ta), (pb, tb) = a, b
        p = prim.bind(pa, pb)
        return p, _add(_mul(ta, ew.balanced_eq(pa, p, pb)), _mul(tb, ew.balanced_eq(pb, p, pa)))
    return combine


def _logaddexp(a, b):
    amax, delta = ew.max_p.bind(a, b), _sub(a, b)
    # NaNs, or infinities of the same sign, give a + b (as jnp.logaddexp).
    return ew._select(ew.ne_p.bind(delta, delta), _add(a, b),
                      _add(amax, ew.log1p_p.bind(ew.exp_p.bind(ew.neg_p.bind(
                          ew.abs_p.bind(delta))))))


def _replace_posinf(x):
    return ew._select(ew.eq_p.bind(x, _const(x, np.inf)), _const(x, 0), x)


def _combine_logaddexp(a, b):
    (pa, ta), (pb, tb) = a, b
    p = _logaddexp(pa, pb)
    rp = _replace_posinf(p)
    weight = lambda q: ew.exp_p.bind(_sub(_replace_posinf(q), rp))  # noqa: E731
    return p, _add(_mul(ta, weight(pa)), _mul(tb, weight(pb)))


def _interleave(a, b, axis):
    """[a0, b0, a1, b1, ...] along ``axis`` (len(a) is len(b) or len(b) + 1)."""
    na, nb = core.get_aval(a).shape[axis], core.get_aval(b).shape[axis]
    a_pad = [(0, 0, 0)] * core.get_aval(a).ndim
    b_pad = list(a_pad)
    a_pad[axis] = (0, 1 if na == nb else 0, 1)
    b_pad[axis] = (1, 0 if na == nb else 1, 1)
    return _add(joining.pad(a, _const(a, 0), a_pad), joining.pad(b, _const(b, 0), b_pad))


def _prefix_scan(combine, elems, axis):
    """Inclusive scan of a tuple of arrays along ``axis``: JAX's associative_scan recursion."""
    n = core.get_aval(elems[0]).shape[axis]
    if n < 2:
        return elems

    def sl(e, start, stop, stride=1):
        return st.slice_in_dim(e, start, stop, stride, axis)

    reduced = combine([sl(e, 0, n - 1, 2) for e in elems], [sl(e, 1, n, 2) for e in elems])
    odd = _prefix_scan(combine, reduced, axis)
    m = core.get_aval(odd[0]).shape[axis]
    if n % 2 == 0:
        even = combine([sl(e, 0, m - 1) for e in odd], [sl(e, 2, n, 2) for e in elems])
    else:
        even = combine(odd, [sl(e, 2, n, 2) for e in elems])
    even = [joining.concatenate([sl(e, 0, 1), r], axis) for e, r in zip(elems, even, strict=True)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd, strict=True)]


def _cumulative_jvp(prim, combine):
    def rule(primals, tangents, *, axis, reverse):
        (x,), (t,) = primals, tangents
        out = prim.bind(x, axis=axis, reverse=reverse)
        elems = [x, t]
        if reverse:
            elems = [st.rev(e, (axis,)) for e in elems]
        _, t_out = _prefix_scan(lambda a, b: list(combine(tuple(a), tuple(b))), elems, axis)
        return out, st.rev(t_out, (axis,)) if reverse else t_out
    prim.jvp = rule


_cumulative_jvp(cumprod_p, _combine_mul)
_cumulative_jvp(cummax_p, _combine_chooser(ew.max_p))
_cumulative_jvp(cummin_p, _combine_chooser(ew.min_p))
_cumulative_jvp(cumlogsumexp_p, _combine_logaddexp)


# -- batching rules (JAX's, jax/_src/lax/lax.py) ------------------------------------------------
# Reductions and scans act along axes of one element; those axes are shifted past the batch dim,
# which stays where it is (less the reduced axes before it).

from pyjax._src.interpreters import batching  # noqa: E402


def _reduce_batch(prim):
    def rule(vals, dims, *, axes, **params):
        (x,), (d,) = vals, dims
        axes = tuple(a + (a >= d) for a in axes)
        return prim.bind(x, axes=axes, **params), d - sum(a < d for a in axes)
    return rule


def _cumulative_batch(prim):
    def rule(vals, dims, *, axis, reverse):
        (x,), (d,) = vals, dims
        return prim.bind(x, axis=axis + (axis >= d), reverse=reverse), d
    return rule


for _p in (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_and_p, reduce_or_p,
           reduce_xor_p, argmax_p, argmin_p):
    _p.batch = _reduce_batch(_p)
for _p in (cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p):
    _p.batch = _cumulative_batch(_p)
reduce_precision_p.batch = batching.vectorized(reduce_precision_p)


# -- codegen: the reductions a fused kernel may end with (the kind names its combining op) -------

for _p, _kind in ((reduce_sum_p, "sum"), (reduce_prod_p, "prod"), (reduce_max_p, "max"),
                  (reduce_min_p, "min"), (reduce_and_p, "and"), (reduce_or_p, "or"),
                  (reduce_xor_p, "xor"), (argmax_p, "argmax"), (argmin_p, "argmin")):
    _p.codegen_reduction = _kind

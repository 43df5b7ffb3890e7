"""Contractions: the dot_general primitive (XLA's DotGeneral) and lax.dot / batch_matmul.

The output dims are ordered batch, lhs free, rhs free. The impl brings each operand to
(batch, free, contracting) layout and calls ``np.matmul``, so float32/float64/complex use BLAS;
integer and bool products are exact (wrapping like XLA's).
"""
import enum

import ml_dtypes
import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.primitives.common import standard_primitive


class Precision(enum.Enum):
    """Precision of a contraction on accelerators; all three are the same on CPU.

    Strings are accepted too: 'default'/'fastest'/'bfloat16', 'high'/'bfloat16_3x'/
    'tensorfloat32', 'highest'/'float32'.
    """
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        return _PRECISION_STRINGS.get(value)

    def __repr__(self):
        return f"{type(self).__name__}.{self.name}"

    def __str__(self):
        return self.name


_PRECISION_STRINGS = {
    "highest": Precision.HIGHEST, "float32": Precision.HIGHEST,
    "high": Precision.HIGH, "bfloat16_3x": Precision.HIGH, "tensorfloat32": Precision.HIGH,
    "default": Precision.DEFAULT, "bfloat16": Precision.DEFAULT, "fastest": Precision.DEFAULT,
}


def canonicalize_precision(precision):
    """None, or a pair of ``Precision`` values (one per operand), as dot_general's param."""
    if precision is None:
        return None
    if isinstance(precision, (Precision, str)):
        p = Precision(precision)
        return (p, p)
    if isinstance(precision, (list, tuple)) and len(precision) == 2:
        return tuple(Precision(p) for p in precision)
    raise ValueError(
        "Precision argument must be one of:\n- None,\n- a string among 'default', 'high' and "
        "'highest',\n- a Precision enum value or a pair of them;\n"
        f"got {precision}.")


# -- shape and dtype rules ----------------------------------------------------------------------

def _dot_general_shape_rule(lhs, rhs, *, dimension_numbers, **_):
    (lc, rc), (lb, rb) = dimension_numbers
    if not all(0 <= d < lhs.ndim for d in lc + lb):
        raise TypeError("dot_general requires lhs dimension numbers to be nonnegative and less "
                        f"than the number of axes of the lhs value, got lhs_batch of {lb} and "
                        f"lhs_contracting of {lc} for lhs of rank {lhs.ndim}")
    if not all(0 <= d < rhs.ndim for d in rc + rb):
        raise TypeError("dot_general requires rhs dimension numbers to be nonnegative and less "
                        f"than the number of axes of the rhs value, got rhs_batch of {rb} and "
                        f"rhs_contracting of {rc} for rhs of rank {rhs.ndim}")
    if len(lb) != len(rb):
        raise TypeError("dot_general requires equal numbers of lhs_batch and rhs_batch "
                        f"dimensions, got lhs_batch {lb} and rhs_batch {rb}.")
    for dims, what in ((lb, "lhs batch"), (rb, "rhs batch")):
        if len(set(dims)) != len(dims):
            raise TypeError(f"dot_general requires {what} dimensions to be distinct, got "
                            f"{what.split()[0]}_batch {dims}.")
    for dims, what in ((lc, "lhs"), (rc, "rhs")):
        if len(set(dims)) != len(dims):
            raise TypeError(f"dot_general requires {what} contracting dimensions to be "
                            f"distinct, got {what}_contracting {dims}.")
    if set(lc) & set(lb):
        raise TypeError("dot_general requires lhs batch dimensions to be disjoint from "
                        f"contracting dimensions, got lhs_batch {lb} and lhs_contracting {lc}.")
    if set(rc) & set(rb):
        raise TypeError("dot_general requires rhs batch dimensions to be disjoint from "
                        f"contracting dimensions, got rhs_batch {rb} and rhs_contracting {rc}.")
    lhs_batch = tuple(lhs.shape[d] for d in lb)
    rhs_batch = tuple(rhs.shape[d] for d in rb)
    if lhs_batch != rhs_batch:
        raise TypeError("dot_general requires lhs batch dimensions and rhs batch dimensions to "
                        f"have the same shape, got {lhs_batch} and {rhs_batch}.")
    lhs_contract = tuple(lhs.shape[d] for d in lc)
    rhs_contract = tuple(rhs.shape[d] for d in rc)
    if lhs_contract != rhs_contract:
        raise TypeError("dot_general requires contracting dimensions to have the same shape, "
                        f"got {lhs_contract} and {rhs_contract}.")
    return _output_shape(lhs.shape, rhs.shape, dimension_numbers)


def _output_shape(lhs_shape, rhs_shape, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    return (tuple(lhs_shape[d] for d in lb)
            + tuple(s for d, s in enumerate(lhs_shape) if d not in lc and d not in lb)
            + tuple(s for d, s in enumerate(rhs_shape) if d not in rc and d not in rb))


def _bit_width(dt):
    return 1 if dt == np.bool_ else dt.itemsize * 8


def _type_properties(dt):
    """XLA's HigherPrecisionType key: complex, exponent range, mantissa, width, signedness."""
    real = np.dtype(np.float32 if dt == np.complex64 else np.float64) if dt.kind == "c" else dt
    floating = real.kind == "f" or real == dtypes.bfloat16
    info = ml_dtypes.finfo(real) if floating else None
    return (dt.kind == "c", info.maxexp if floating else -1, info.nmant if floating else -1,
            _bit_width(real), real.kind != "u")


def _dot_general_dtype_rule(lhs, rhs, *, preferred_element_type=None, **_):
    lp, rp = _type_properties(lhs.dtype), _type_properties(rhs.dtype)
    if lp > rp:
        result = lhs.dtype
    elif rp > lp:
        result = rhs.dtype
    else:
        if lhs.dtype != rhs.dtype:
            raise TypeError(f"lax.dot_general argument type error: {lhs.dtype.name}, "
                            f"{rhs.dtype.name}")
        result = lhs.dtype
    return _maybe_upcast(result, preferred_element_type)


def _maybe_upcast(result, preferred):
    if preferred is None or result == preferred:
        return result
    if result.kind != "f" and result != dtypes.bfloat16 and (
            _bit_width(np.dtype(preferred)) < _bit_width(result)):
        raise TypeError("`preferred_element_type` must not be narrower than the original type, "
                        f"got preferred_element_type of {np.dtype(preferred).name} for result "
                        f"type of {result.name}.")
    return np.dtype(preferred)


# -- impl ---------------------------------------------------------------------------------------

class _DotPlan:
    __slots__ = ("lhs_perm", "rhs_perm", "lhs_3d", "rhs_3d", "out_shape")


_dot_plans = {}


def _dot_plan(lhs, rhs, dimension_numbers):
    key = (lhs.shape, rhs.shape, dimension_numbers)
    plan = _dot_plans.get(key)
    if plan is not None:
        return plan
    # Eager calls skip abstract evaluation; validate once per signature here instead.
    _dot_general_shape_rule(core.ShapedArray(lhs.shape, lhs.dtype),
                            core.ShapedArray(rhs.shape, rhs.dtype),
                            dimension_numbers=dimension_numbers)
    (lc, rc), (lb, rb) = dimension_numbers
    lf = [d for d in range(lhs.ndim) if d not in lc and d not in lb]
    rf = [d for d in range(rhs.ndim) if d not in rc and d not in rb]
    size = lambda shape, dims: int(np.prod([shape[d] for d in dims], dtype=np.int64))
    plan = _DotPlan()
    lp, rp = list(lb) + lf + list(lc), list(rb) + list(rc) + rf
    plan.lhs_perm = None if lp == list(range(lhs.ndim)) else tuple(lp)
    plan.rhs_perm = None if rp == list(range(rhs.ndim)) else tuple(rp)
    batch, k = size(lhs.shape, lb), size(lhs.shape, lc)
    plan.lhs_3d = (batch, size(lhs.shape, lf), k)
    plan.rhs_3d = (batch, k, size(rhs.shape, rf))
    plan.out_shape = _output_shape(lhs.shape, rhs.shape, dimension_numbers)
    if len(_dot_plans) > 4096:
        _dot_plans.clear()
    _dot_plans[key] = plan
    return plan


def _compute_dtype(out_dtype):
    """The dtype NumPy multiplies in: half floats go through float32, as XLA:CPU does."""
    if out_dtype == np.float16 or out_dtype == dtypes.bfloat16:
        return np.dtype(np.float32)
    return out_dtype


def _dot_general_impl(lhs, rhs, *, dimension_numbers, precision=None,
                      preferred_element_type=None, out_sharding=None):
    plan = _dot_plan(lhs, rhs, dimension_numbers)
    out_dtype = (lhs.dtype if lhs.dtype == rhs.dtype and preferred_element_type is None else
                 _dot_general_dtype_rule(lhs, rhs,
                                         preferred_element_type=preferred_element_type))
    ct = _compute_dtype(out_dtype)
    a = lhs if plan.lhs_perm is None else lhs.transpose(plan.lhs_perm)
    b = rhs if plan.rhs_perm is None else rhs.transpose(plan.rhs_perm)
    a = a.astype(ct, copy=False).reshape(plan.lhs_3d)
    b = b.astype(ct, copy=False).reshape(plan.rhs_3d)
    if plan.lhs_3d[0] == 1:  # plain 2-D product: one BLAS call without batch bookkeeping
        out = np.matmul(a[0], b[0])
    else:
        out = np.matmul(a, b)
    out = out.reshape(plan.out_shape)
    return out if out.dtype == out_dtype else out.astype(out_dtype)


dot_general_p = standard_primitive("dot_general", _dot_general_shape_rule,
                                   _dot_general_dtype_rule, _dot_general_impl)


def _dot_general_pp_params(params):
    # JAX prints the dimension numbers as lists, and hides None-valued params & out_sharding.
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    shown = dict(params, dimension_numbers=((list(lc), list(rc)), (list(lb), list(rb))))
    return sorted((k, v) for k, v in shown.items() if v is not None and k != "out_sharding")


dot_general_p.pp_params = _dot_general_pp_params


# -- public functions ---------------------------------------------------------------------------

_dnums_cache = {}


def _canonical_dnums(dimension_numbers):
    """((lc, rc), (lb, rb)) as tuples of Python ints: hashable and printable like JAX's."""
    try:
        return _dnums_cache[dimension_numbers]
    except (KeyError, TypeError):  # TypeError: given with lists
        pass
    (lc, rc), (lb, rb) = dimension_numbers
    dn = ((_index_tuple(lc), _index_tuple(rc)), (_index_tuple(lb), _index_tuple(rb)))
    if len(_dnums_cache) < 4096:
        _dnums_cache[dn] = dn
    return dn


def _index_tuple(dims):
    try:
        return tuple(int(d) for d in dims)
    except TypeError:
        return (int(dims),)


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, *,
                out_sharding=None):
    """General contraction (XLA's DotGeneral).

    Args:
      lhs: an array.
      rhs: an array.
      dimension_numbers: ``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))``.
      precision: None, a ``Precision`` (or its name), or a pair of them; no effect on CPU.
      preferred_element_type: the output dtype (also the accumulation dtype), if given.
      out_sharding: accepted for compatibility; must be None.

    Returns:
      An array whose dims are the batch dims, then lhs free dims, then rhs free dims.

    Example:
      >>> dot_general(jnp.ones((2, 3)), jnp.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
      (2, 4)
    """
    dn = _canonical_dnums(dimension_numbers)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(np.dtype(preferred_element_type))
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dn,
                              precision=canonicalize_precision(precision),
                              preferred_element_type=preferred_element_type,
                              out_sharding=out_sharding)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/vector, matrix/vector and matrix/matrix products (XLA's Dot).

    Args:
      lhs: an array of rank 1 or 2.
      rhs: an array of rank 1 or 2 whose first dim matches ``lhs``'s last.
      precision: as for ``dot_general``.
      preferred_element_type: as for ``dot_general``.

    Returns:
      The product.
    """
    ls, rs = core.get_aval(lhs).shape, core.get_aval(rhs).shape
    if 1 <= len(ls) <= 2 and 1 <= len(rs) <= 2 and ls[-1] == rs[0]:
        return dot_general(lhs, rhs, (((len(ls) - 1,), (0,)), ((), ())), precision=precision,
                           preferred_element_type=preferred_element_type)
    raise TypeError(f"Incompatible shapes for dot: got {ls} and {rs}.")


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products batched over all leading dims (both operands of the same rank >= 2)."""
    ln, rn = len(core.get_aval(lhs).shape), len(core.get_aval(rhs).shape)
    if min(ln, rn) < 2:
        raise ValueError(f"Arguments to batch_matmul must be at least 2D, got {ln}, {rn}")
    if ln != rn:
        raise ValueError(f"Arguments to batch_matmul must have same ndim, got {ln}, {rn}")
    batch = tuple(range(ln - 2))
    return dot_general(lhs, rhs, (((ln - 1,), (rn - 2,)), (batch, batch)), precision=precision)


# -- differentiation rules (JAX's, jax/_src/lax/lax.py) -----------------------------------------
# dot_general is bilinear: its tangent is dot(g_lhs, rhs) + dot(lhs, g_rhs), and its transpose
# with respect to either operand is another dot_general with the cotangent, permuted back to the
# operand's dimension order (and converted back to its dtype, for mixed/preferred dtypes).

from pyjax._src.interpreters import ad  # noqa: E402


def _dot_general_jvp(primals, tangents, **params):
    lhs, rhs = primals
    g_lhs, g_rhs = tangents
    out = dot_general_p.bind(lhs, rhs, **params)
    tangent = None
    if type(g_lhs) is not ad.Zero:
        tangent = dot_general_p.bind(g_lhs, rhs, **params)
    if type(g_rhs) is not ad.Zero:
        t = dot_general_p.bind(lhs, g_rhs, **params)
        tangent = t if tangent is None else ad.add_tangents(tangent, t)
    if tangent is None:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    return out, tangent


def _ranges_like(*xs):
    start = 0
    for x in xs:
        yield tuple(range(start, start + len(x)))
        start += len(x)


def _transpose_operand(ct, x_aval, y, dimension_numbers, precision, preferred_element_type,
                       swap_ans):
    """The cotangent of dot_general's operand x (lhs, or rhs when ``swap_ans``) given y."""
    from pyjax._src.primitives import structural
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    y_ndim = len(core.get_aval(y).shape)
    x_kept = [d for d in range(len(x_aval.shape)) if d not in x_contract and d not in x_batch]
    y_kept = [d for d in range(y_ndim) if d not in y_contract and d not in y_batch]
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    # Contract ct's y-dims with y's free dims; what remains is (batch, x kept, x contracting in
    # the order of y's contracting dims), which a transpose puts back in x's order.
    dims = ((ans_y, tuple(y_kept)), (ans_batch, tuple(y_batch)))
    x_contract_by_y = [x_contract[i] for i in np.argsort(y_contract, kind="stable")]
    out_axes = tuple(int(i) for i in np.argsort(list(x_batch) + x_kept + x_contract_by_y))
    x_bar = structural.transpose(
        dot_general(ct, y, dims, precision=precision,
                    preferred_element_type=preferred_element_type), out_axes)
    if core.get_aval(x_bar).dtype != x_aval.dtype:
        x_bar = structural.convert(x_bar, x_aval.dtype, x_aval.weak_type)
    return x_bar


def _dot_general_transpose(ct, lhs, rhs, *, dimension_numbers, precision,
                           preferred_element_type, out_sharding):
    if type(ct) is ad.Zero:
        return [None, None]
    ct_lhs = ct_rhs = None
    if ad.is_undefined(lhs):
        ct_lhs = _transpose_operand(ct, lhs.aval, rhs, dimension_numbers, precision,
                                    preferred_element_type, swap_ans=False)
    if ad.is_undefined(rhs):
        (lc, rc), (lb, rb) = dimension_numbers
        swapped = ((rc, lc), (rb, lb))
        ct_rhs = _transpose_operand(ct, rhs.aval, lhs, swapped, precision,
                                    preferred_element_type, swap_ans=True)
    return [ct_lhs, ct_rhs]


dot_general_p.jvp = _dot_general_jvp
dot_general_p.transpose = _dot_general_transpose


# -- batching rule (JAX's, jax/_src/lax/lax.py) -------------------------------------------------
# The mapped axis becomes a dot_general batch dim when both operands have it (put first in the
# output), and otherwise stays a free dim of the one operand that has it; no operand moves.

from pyjax._src.interpreters import batching  # noqa: E402


def _dot_general_batch(vals, dims, *, dimension_numbers, **params):
    lhs, rhs = vals
    ld, rd = dims
    (lc, rc), (lb, rb) = dimension_numbers

    def bump(axes, d):
        return tuple(a + (a >= d) for a in axes)

    def free(ndim, contract, batch):
        return [a for a in range(ndim) if a not in contract and a not in batch]

    lhs_ndim = len(core.get_aval(lhs).shape) - (ld is not batching.not_mapped)
    rhs_ndim = len(core.get_aval(rhs).shape) - (rd is not batching.not_mapped)
    if ld is not batching.not_mapped and rd is not batching.not_mapped:
        dn = ((bump(lc, ld), bump(rc, rd)), ((ld,) + bump(lb, ld), (rd,) + bump(rb, rd)))
        out_d = 0
    elif ld is not batching.not_mapped:
        # The output dims are batch, lhs free, rhs free: count lhs free dims before ld.
        out_d = len(lb) + sum(a < ld for a in free(lhs_ndim, lc, lb))
        dn = ((bump(lc, ld), rc), (bump(lb, ld), rb))
    else:
        out_d = (lhs_ndim - len(lc)) + sum(a < rd for a in free(rhs_ndim, rc, rb))
        dn = ((lc, bump(rc, rd)), (lb, bump(rb, rd)))
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params), out_d


dot_general_p.batch = _dot_general_batch

"""The lax functions for elementwise primitives: thin calls to ``bind``, no promotion.

Python scalars passed here take their default dtype (float32 with x64 off), as in JAX.
Structural, indexing and reduction functions live beside their primitives in primitives/.
"""
import enum

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives import elementwise as ew


def _unary(p):
    def f(x):
        return p.bind(x)
    f.__name__ = f.__qualname__ = p.name
    f.__doc__ = f"Elementwise ``{p.name}`` (the ``{p.name}`` primitive)."
    f.primitive = p
    return f


def _binary(p):
    def f(x, y):
        return p.bind(x, y)
    f.__name__ = f.__qualname__ = p.name
    f.__doc__ = f"Elementwise ``{p.name}`` of two arrays of the same dtype."
    return f


neg = _unary(ew.neg_p)
sign = _unary(ew.sign_p)
floor = _unary(ew.floor_p)
ceil = _unary(ew.ceil_p)
is_finite = _unary(ew.is_finite_p)
exp = _unary(ew.exp_p)
exp2 = _unary(ew.exp2_p)
log = _unary(ew.log_p)
log1p = _unary(ew.log1p_p)
expm1 = _unary(ew.expm1_p)
tanh = _unary(ew.tanh_p)
logistic = _unary(ew.logistic_p)
sin = _unary(ew.sin_p)
cos = _unary(ew.cos_p)
tan = _unary(ew.tan_p)
asin = _unary(ew.asin_p)
acos = _unary(ew.acos_p)
atan = _unary(ew.atan_p)
sinh = _unary(ew.sinh_p)
cosh = _unary(ew.cosh_p)
asinh = _unary(ew.asinh_p)
acosh = _unary(ew.acosh_p)
atanh = _unary(ew.atanh_p)
sqrt = _unary(ew.sqrt_p)
rsqrt = _unary(ew.rsqrt_p)
cbrt = _unary(ew.cbrt_p)
abs = _unary(ew.abs_p)
bitwise_not = _unary(ew.not_p)
population_count = _unary(ew.population_count_p)
clz = _unary(ew.clz_p)
real = _unary(ew.real_p)
imag = _unary(ew.imag_p)
square = _unary(ew.square_p)
erf = _unary(ew.erf_p)
erfc = _unary(ew.erfc_p)
erf_inv = _unary(ew.erf_inv_p)
lgamma = _unary(ew.lgamma_p)
digamma = _unary(ew.digamma_p)
bessel_i0e = _unary(ew.bessel_i0e_p)
bessel_i1e = _unary(ew.bessel_i1e_p)

add = _binary(ew.add_p)
sub = _binary(ew.sub_p)
mul = _binary(ew.mul_p)
div = _binary(ew.div_p)
rem = _binary(ew.rem_p)
pow = _binary(ew.pow_p)
max = _binary(ew.max_p)
min = _binary(ew.min_p)
atan2 = _binary(ew.atan2_p)
nextafter = _binary(ew.nextafter_p)
bitwise_and = _binary(ew.and_p)
bitwise_or = _binary(ew.or_p)
bitwise_xor = _binary(ew.xor_p)
shift_left = _binary(ew.shift_left_p)
shift_right_arithmetic = _binary(ew.shift_right_arithmetic_p)
shift_right_logical = _binary(ew.shift_right_logical_p)
eq = _binary(ew.eq_p)
ne = _binary(ew.ne_p)
lt = _binary(ew.lt_p)
le = _binary(ew.le_p)
gt = _binary(ew.gt_p)
ge = _binary(ew.ge_p)
complex = _binary(ew.complex_p)


def conj(x):
    """Complex conjugate; the identity on real inputs."""
    return ew.conj_p.bind(x) if core.get_aval(x).dtype.kind == "c" else x


class RoundingMethod(enum.IntEnum):
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1

    def __repr__(self):
        return str(int(self))

    __str__ = __repr__


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):
    return ew.round_p.bind(x, rounding_method=RoundingMethod(rounding_method))


def integer_pow(x, y):
    return ew.integer_pow_p.bind(x, y=int(y))


def select_n(which, *cases):
    return ew.select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
    return ew.select_n_p.bind(pred, on_false, on_true)


def clamp(min, x, max):
    return ew.clamp_p.bind(min, x, max)


def convert_element_type(operand, new_dtype):
    """Convert to ``new_dtype`` (strong); float->int truncates and saturates like XLA."""
    new_dtype = dtypes.check_user_dtype_supported(new_dtype, "convert_element_type")
    return _convert(operand, new_dtype, weak_type=False)


def _convert(operand, new_dtype, weak_type=False):
    if type(operand) in (bool, int, float, complex):
        operand = ArrayImpl(*core._to_buffer[type(operand)](operand))
    aval = core.get_aval(operand)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return operand
    return ew.convert_element_type_p.bind(operand, new_dtype=np.dtype(new_dtype),
                                          weak_type=weak_type, sharding=None)



def bitcast_convert_type(operand, new_dtype):
    """Reinterpret the bits of ``operand`` as ``new_dtype`` (a narrower type adds an axis)."""
    return ew.bitcast_convert_type_p.bind(operand, new_dtype=dtypes.canonicalize_dtype(new_dtype))


# The lax functions of the other primitive families, so that this module is the lax namespace.
from pyjax._src.primitives.structural import (  # noqa: E402
    broadcast_in_dim, broadcast, broadcast_to_rank, expand_dims, reshape, transpose, squeeze, rev,
    collapse, slice, slice_in_dim, index_in_dim, iota, broadcasted_iota, full, full_like,
    zeros_like_array)
from pyjax._src.primitives.joining import concatenate, split, pad  # noqa: E402
from pyjax._src.primitives.dynamic_slicing import (  # noqa: E402
    dynamic_slice, dynamic_update_slice, dynamic_slice_in_dim, dynamic_index_in_dim,
    dynamic_update_slice_in_dim, dynamic_update_index_in_dim)
from pyjax._src.primitives.reductions import (  # noqa: E402
    reduce_sum, reduce_prod, reduce_max, reduce_min, reduce_and, reduce_or, reduce_xor, argmax,
    argmin, cumsum, cumprod, cummax, cummin, cumlogsumexp, reduce_precision)
from pyjax._src.primitives.elementwise import stop_gradient, polygamma  # noqa: E402
from pyjax._src.primitives.special import igamma, igammac, igamma_grad_a, betainc, zeta  # noqa
from pyjax._src.primitives.indexing import (  # noqa: E402
    gather, GatherDimensionNumbers, GatherScatterMode)
from pyjax._src.primitives.scatter import (  # noqa: E402
    scatter, scatter_add, scatter_sub, scatter_mul, scatter_min, scatter_max, scatter_apply,
    ScatterDimensionNumbers)
from pyjax._src.primitives.linear import dot_general, dot, batch_matmul, Precision  # noqa: E402
from pyjax._src.primitives.sorting import sort, sort_key_val, top_k  # noqa: E402
from pyjax._src.vmap_api import map  # noqa: E402
from pyjax._src.primitives.control_flow import (  # noqa: E402
    cond, switch, while_loop, fori_loop, scan, associative_scan)
from pyjax._src.primitives.parallel import (  # noqa: E402
    psum, pmean, pmax, pmin, all_gather, axis_index)

__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value)
           and getattr(value, "__module__", "").startswith("pyjax.")
           and not isinstance(value, type(enum))] + [
    "RoundingMethod", "GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers",
    "Precision"]

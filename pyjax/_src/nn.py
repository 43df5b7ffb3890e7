"""jax.nn: activation functions, softmax/log_softmax/logsumexp, one_hot and standardize.

Definitions (and custom derivative rules for relu, relu6 and softmax) are JAX's
(jax/_src/nn/functions.py, jax/_src/ops/special.py). Functions that JAX jits run jitted when
called eagerly (util.jit_inline), so their numerics are the compiled program's.
"""
import operator
import warnings

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.numpy import util
from pyjax._src.primitives import elementwise as _ew

_jit = util.jit_inline


def _arr(name, x):
    util.check_arraylike(name, x)
    return util.to_array(x)


# ----------------------------------------------------------------------------------------------
# Activations


@custom_jvp
@_jit
def relu(x):
    """Rectified linear unit ``max(x, 0)``; its derivative at 0 is 0, as in JAX.

    Example:
      >>> jax.nn.relu(jnp.array([-2., -1., -0.5, 0, 0.5, 1., 2.]))
      Array([0. , 0. , 0. , 0. , 0.5, 1. , 2. ], dtype=float32)
    """
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, lax.full_like(g, 0)))


@custom_jvp
@_jit
def relu6(x):
    """``min(max(x, 0), 6)``; derivative 0 at both kinks, as in JAX."""
    return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: lax.select((x > 0) & (x < 6), g, lax.full_like(g, 0)))


@_jit
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return lax.logistic(x)


@_jit
def softplus(x):
    """``log(1 + exp(x))``, computed stably as ``logaddexp(x, 0)``."""
    return jnp.logaddexp(x, 0)


@_jit
def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, ``(x + 1)^2 / 4`` in between."""
    x = _arr("sparse_plus", x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


@_jit
def sparse_sigmoid(x):
    """``clip((x + 1) / 2, 0, 1)``, the derivative of sparse_plus."""
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@_jit
def soft_sign(x):
    """``x / (|x| + 1)``."""
    x_arr = _arr("soft_sign", x)
    return x_arr / (jnp.abs(x_arr) + 1)


@_jit
def silu(x):
    """SiLU (swish): ``x * sigmoid(x)``."""
    x_arr = _arr("silu", x)
    return x_arr * sigmoid(x_arr)


swish = silu


@_jit
def mish(x):
    """``x * tanh(softplus(x))``."""
    x_arr = _arr("mish", x)
    return x_arr * jnp.tanh(softplus(x_arr))


@_jit
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``."""
    x_arr = _arr("log_sigmoid", x)
    return -softplus(-x_arr)


@_jit
def elu(x, alpha=1.0):
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    x_arr = _arr("elu", x)
    safe_x = jnp.where(x_arr > 0, 0., x_arr)
    return jnp.where(x_arr > 0, x_arr, alpha * jnp.expm1(safe_x))


@_jit
def leaky_relu(x, negative_slope=1e-2):
    """``x`` for x >= 0, ``negative_slope * x`` otherwise."""
    x_arr = _arr("leaky_relu", x)
    return jnp.where(x_arr >= 0, x_arr, negative_slope * x_arr)


@_jit
def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    x_arr = _arr("hard_tanh", x)
    return jnp.where(x_arr > 1, 1, jnp.where(x_arr < -1, -1, x_arr))


@_jit
def celu(x, alpha=1.0):
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


@_jit
def selu(x):
    """Scaled ELU with the self-normalizing constants of Klambauer et al. (2017)."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


@_jit(static_argnames=("approximate",))
def gelu(x, approximate=True):
    """Gaussian error linear unit: ``x * Phi(x)``, by default its tanh approximation.

    Args:
      x: input array.
      approximate: use ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``; else the exact
        ``0.5 x erfc(-x / sqrt(2))``.
    """
    [x_arr] = util.promote_args_inexact("gelu", x)
    if approximate:
        sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(x_arr.dtype)
        cdf = 0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x_arr + 0.044715 * (x_arr ** 3))))
        return x_arr * cdf
    sqrt_half = np.sqrt(0.5).astype(x_arr.dtype)
    return jnp.array(0.5 * x_arr * (lax.erfc(-x_arr * sqrt_half)), dtype=x_arr.dtype)


@_jit(static_argnames=("axis",))
def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves along ``axis``, ``a * sigmoid(b)``."""
    x_arr = _arr("glu", x)
    size = x_arr.shape[axis]
    if size % 2 != 0:
        raise AssertionError("axis size must be divisible by 2")
    x1, x2 = jnp.split(x_arr, 2, axis)
    return x1 * sigmoid(x2)


@_jit
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    return relu6(x + 3.) / 6.


@_jit
def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    x_arr = _arr("hard_silu", x)
    return x_arr * hard_sigmoid(x_arr)


hard_swish = hard_silu


@_jit
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``."""
    x = _arr("squareplus", x)
    y = x + jnp.sqrt(jnp.square(x) + b)
    return y / 2


def identity(x):
    """The identity activation."""
    return _arr("identity", x)


tanh = jnp.tanh


# ----------------------------------------------------------------------------------------------
# logsumexp, softmax, log_softmax


def _reduction_dims(ndim, axis):
    if axis is None:
        return tuple(range(ndim)), tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    dims = tuple(util.canonicalize_axis(operator.index(a), ndim) for a in axes)
    if len(set(dims)) != len(dims):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    return tuple(sorted(dims)), dims


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (JAX's algorithm).

    Args:
      a: input array.
      axis: axis or axes to reduce (all by default).
      b: optional scaling factors, broadcast against ``a``; may be negative with
        ``return_sign``.
      keepdims: keep the reduced axes as size-1 dims.
      return_sign: return ``(log|sum|, sign(sum))`` instead of NaN for negative sums.
      where: optional mask of the elements to include.

    Returns:
      The reduction, or the pair ``(result, sign)`` if ``return_sign``.
    """
    if b is not None:
        a_arr, b_arr = util.promote_args_inexact("logsumexp", a, b)
        a_arr = jnp.where(b_arr != 0, a_arr, -jnp.inf)
    else:
        (a_arr,) = util.promote_args_inexact("logsumexp", a)
        b_arr = a_arr
    pos_dims, dims = _reduction_dims(a_arr.ndim, axis)
    amax = jnp.max(jnp.real(a_arr), axis=dims, keepdims=keepdims, where=where,
                   initial=-jnp.inf)
    amax = _ew.stop_gradient(lax.select(jnp.isfinite(amax), amax, lax.full_like(amax, 0)))
    amax_with_dims = amax if keepdims else lax.expand_dims(amax, pos_dims)
    exp_a = lax.exp(lax.sub(a_arr, amax_with_dims.astype(a_arr.dtype)))
    if b is not None:
        exp_a = lax.mul(exp_a, b_arr)
    sumexp = jnp.sum(exp_a, axis=dims, keepdims=keepdims, where=where)
    sign = lax.sign(sumexp)
    if return_sign or not jnp.iscomplexobj(a_arr):
        sumexp = jnp.abs(sumexp)
    out = lax.add(lax.log(sumexp), amax.astype(sumexp.dtype))
    if return_sign:
        return (out, sign)
    if b is not None and not jnp.iscomplexobj(out):
        out = jnp.where(sign < 0, jnp.array(np.nan, dtype=out.dtype), out)
    return out


def _softmax_impl(x, axis, where, initial):
    x_max = jnp.max(x, axis, where=where, initial=initial, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, initial)
    unnormalized = jnp.exp(x_safe - x_max)
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    if where is not None:
        result = jnp.where(where, result, 0)
    return result


_softmax = custom_jvp(_softmax_impl, nondiff_argnums=(1,))


@_softmax.defjvp
def _softmax_jvp(axis, primals, tangents):
    (x, where, initial), (x_dot, _, _) = primals, tangents
    y = _softmax(x, axis, where, initial)
    return y, y * (x_dot - (y * x_dot).sum(axis, where=where, keepdims=True))


def _axis_arg(axis):
    if axis is None or isinstance(axis, (int, np.integer)):
        return axis if axis is None else int(axis)
    return tuple(int(a) for a in axis)


@_jit(static_argnames=("axis",))
def _softmax_jit(x, axis, where):
    return _softmax(x, axis, where, -jnp.inf)


def softmax(x, axis=-1, where=None):
    """``exp(x) / sum(exp(x))`` along ``axis``, with JAX's custom derivative.

    Args:
      x: input array.
      axis: axis or axes to normalize over.
      where: optional mask of the elements to include (others give 0).
    """
    x = _arr("softmax", x)
    return _softmax_jit(x, axis=_axis_arg(axis), where=where)


@_jit(static_argnames=("axis",))
def _log_softmax(x, axis, where):
    x_max = jnp.max(x, axis, where=where, initial=-jnp.inf, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, -jnp.inf)
    shifted = x_safe - _ew.stop_gradient(x_max)
    shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    result = shifted - shifted_logsumexp
    if where is not None:
        return jnp.where(where, result, -jnp.inf)
    return result


def log_softmax(x, axis=-1, where=None):
    """``x - logsumexp(x)`` along ``axis``."""
    x = _arr("log_softmax", x)
    return _log_softmax(x, axis=_axis_arg(axis), where=where)


# ----------------------------------------------------------------------------------------------
# one_hot, standardize


@_jit(static_argnames=("num_classes", "dtype", "axis"))
def _one_hot(x, num_classes, *, dtype, axis):
    output_pos_axis = util.canonicalize_axis(axis, x.ndim + 1)
    lhs = lax.expand_dims(x, (output_pos_axis,))
    rhs_shape = [1] * x.ndim
    rhs_shape.insert(output_pos_axis, num_classes)
    rhs = lax.broadcasted_iota(x.dtype, rhs_shape, output_pos_axis)
    return (lhs == rhs).astype(dtype)


def one_hot(x, num_classes, *, dtype=None, axis=-1):
    """One-hot encoding: ``x[..., None] == arange(num_classes)`` along ``axis``.

    Args:
      x: integer array of class indices (out-of-range indices give all-zero rows).
      num_classes: number of classes (a concrete int).
      dtype: output dtype (default: the default float dtype).
      axis: where the class axis goes in the output.
    """
    num_classes = core.concrete_or_error(
        operator.index, num_classes,
        "The error arose in jax.nn.one_hot argument `num_classes`.")
    x_arr = _arr("one_hot", x)
    if not dtypes.isdtype(x_arr.dtype, "integral"):
        warnings.warn(f"jax.nn.one_hot input should be integer-typed; got dtype={x_arr.dtype}",
                      DeprecationWarning, stacklevel=2)
    dtype = dtypes.canonicalize_dtype(np.float64) if dtype is None else \
        dtypes.check_user_dtype_supported(dtype, "one_hot")
    return _one_hot(x_arr, num_classes, dtype=np.dtype(dtype), axis=operator.index(axis))


@_jit(static_argnames=("axis",))
def _standardize(x, axis, mean, variance, epsilon, where):
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        # E[x^2] - E[x]^2, as JAX: cheap, and typically accurate for activations.
        variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) - jnp.square(mean)
    return jnp.subtract(x, jnp.asarray(mean)) * lax.rsqrt(jnp.asarray(variance) + epsilon)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """Normalize ``x`` to zero mean and unit variance along ``axis``."""
    util.check_arraylike("standardize", x)
    for v in (mean, variance, where):
        if v is not None:
            util.check_arraylike("standardize", v)
    return _standardize(x, axis=_axis_arg(axis), mean=mean, variance=variance,
                        epsilon=epsilon, where=where)

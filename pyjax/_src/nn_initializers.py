"""jax.nn.initializers: functions ``init(key, shape, dtype) -> Array`` for parameters.

As JAX's jax/_src/nn/initializers.py, so the same key gives the same values. The default dtype
is ``jnp.float_`` (float64), canonicalized when called (float32 unless x64 is on).
"""
import math
from typing import Protocol

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src import random
from pyjax._src.numpy import linalg as jnp_linalg

_FLOAT = np.float64  # jnp.float_


class Initializer(Protocol):
    """The signature of an initializer: ``init(key, shape, dtype) -> Array``."""

    def __call__(self, key, shape, dtype=_FLOAT, out_sharding=None):
        raise NotImplementedError


def _dtype(dtype):
    return dtypes.canonicalize_dtype(np.dtype(dtype))


def zeros(key, shape, dtype=_FLOAT, out_sharding=None):
    """An initializer returning zeros."""
    return jnp.zeros(shape, _dtype(dtype))


def ones(key, shape, dtype=_FLOAT, out_sharding=None):
    """An initializer returning ones."""
    return jnp.ones(shape, _dtype(dtype))


def constant(value, dtype=_FLOAT):
    """An initializer returning arrays filled with ``value``."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        return jnp.full(shape, value, dtype=_dtype(dtype))
    return init


def uniform(scale=1e-2, dtype=_FLOAT):
    """An initializer drawing uniformly from ``[0, scale)``."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)
    return init


def normal(stddev=1e-2, dtype=_FLOAT):
    """An initializer drawing from a centred normal of standard deviation ``stddev``."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)
    return init


def truncated_normal(stddev=1e-2, dtype=_FLOAT, lower=-2.0, upper=2.0):
    """An initializer drawing from a normal truncated to ``[lower, upper]`` (in units of the
    untruncated standard deviation), scaled by ``stddev``."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        return random.truncated_normal(key, lower, upper, shape, dtype) * jnp.array(
            stddev, dtype)
    return init


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """(fan_in, fan_out) of a weight tensor: receptive field size times in/out sizes."""
    if len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}"
                         "-dimensional weights tensor. Must be at least 2D.")

    def size(axis):
        if isinstance(axis, int):
            return shape[axis]
        return math.prod([shape[i] for i in axis])

    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive_field_size = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field_size, out_size * receptive_field_size


def _complex_uniform(key, shape, dtype):
    """Uniform on the unit disk (variance 1)."""
    key_r, key_theta = random.split(key)
    real_dtype = np.array(0, dtype).real.dtype
    dtype = dtypes.to_complex_dtype(real_dtype)
    r = jnp.sqrt(2 * random.uniform(key_r, shape, real_dtype)).astype(dtype)
    theta = 2 * jnp.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape, dtype):
    """A complex normal truncated to modulus ``upper`` (by inverse CDF of the modulus)."""
    key_r, key_theta = random.split(key)
    real_dtype = np.array(0, dtype).real.dtype
    dtype = dtypes.to_complex_dtype(real_dtype)
    t = ((1 - jnp.exp(jnp.array(-(upper ** 2), dtype)))
         * random.uniform(key_r, shape, real_dtype).astype(dtype))
    r = jnp.sqrt(-jnp.log(1 - t))
    theta = 2 * jnp.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=_FLOAT):
    """An initializer whose samples have variance ``scale / n``.

    Args:
      scale: the scaling factor.
      mode: ``n`` is ``'fan_in'``, ``'fan_out'``, ``'fan_avg'`` (their mean) or
        ``'fan_geo_avg'`` (their geometric mean).
      distribution: ``'truncated_normal'``, ``'normal'`` or ``'uniform'``.
      in_axis, out_axis, batch_axis: which axes of the shape are inputs, outputs and batch.
      dtype: the default dtype.
    """
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape = core.concrete_shape(shape)
        dtype = _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            denominator = (fan_in * fan_out) ** 0.5
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
        variance = jnp.array(scale / denominator, dtype=dtype)
        if distribution == "truncated_normal":
            if jnp.issubdtype(dtype, jnp.floating):
                # The standard deviation of a standard normal truncated to (-2, 2).
                stddev = jnp.sqrt(variance) / jnp.array(.87962566103423978, dtype)
                return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
            # The standard deviation of a complex standard normal truncated to modulus 2.
            stddev = jnp.sqrt(variance) / jnp.array(.95311164380491208, dtype)
            return _complex_truncated_normal(key, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * jnp.sqrt(variance)
        if distribution == "uniform":
            if jnp.issubdtype(dtype, jnp.floating):
                return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
            return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
        raise ValueError("invalid distribution for variance scaling initializer: "
                         f"{distribution}")
    return init


def _variance_scaling_preset(name, title, scale, mode, distribution):
    """The named initializer factory ``variance_scaling(scale, mode, distribution)``."""
    def preset(in_axis=-2, out_axis=-1, batch_axis=(), dtype=_FLOAT):
        return variance_scaling(scale, mode, distribution, in_axis=in_axis, out_axis=out_axis,
                                batch_axis=batch_axis, dtype=dtype)
    preset.__name__ = preset.__qualname__ = name
    preset.__doc__ = f"{title}: variance_scaling({scale}, '{mode}', '{distribution}')."
    return preset


glorot_uniform = _variance_scaling_preset(
    "glorot_uniform", "Glorot (Xavier) uniform", 1.0, "fan_avg", "uniform")
glorot_normal = _variance_scaling_preset(
    "glorot_normal", "Glorot (Xavier) normal", 1.0, "fan_avg", "truncated_normal")
lecun_uniform = _variance_scaling_preset(
    "lecun_uniform", "LeCun uniform", 1.0, "fan_in", "uniform")
lecun_normal = _variance_scaling_preset(
    "lecun_normal", "LeCun normal", 1.0, "fan_in", "truncated_normal")
he_uniform = _variance_scaling_preset(
    "he_uniform", "He (Kaiming) uniform", 2.0, "fan_in", "uniform")
he_normal = _variance_scaling_preset(
    "he_normal", "He (Kaiming) normal", 2.0, "fan_in", "truncated_normal")

xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def orthogonal(scale=1.0, column_axis=-1, dtype=_FLOAT):
    """An initializer returning (scaled) orthogonal matrices along ``column_axis`` (QR of a
    normal sample, signs fixed so the distribution is uniform)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        shape = core.concrete_shape(shape)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        n_rows, n_cols = math.prod(shape) // shape[column_axis], shape[column_axis]
        matrix_shape = (n_cols, n_rows) if n_rows < n_cols else (n_rows, n_cols)
        A = random.normal(key, matrix_shape, dtype)
        Q, R = jnp_linalg.qr(A)
        diag_sign = lax.broadcast_to_rank(jnp.sign(jnp.diag(R)), rank=Q.ndim)
        Q = Q * diag_sign  # needed for a uniform distribution
        if n_rows < n_cols:
            Q = Q.T
        Q = jnp.reshape(Q, tuple(np.delete(shape, column_axis)) + (shape[column_axis],))
        Q = jnp.moveaxis(Q, -1, column_axis)
        return jnp.array(scale, dtype) * Q
    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=_FLOAT):
    """An initializer for 3-5d convolution kernels: an orthogonal matrix at the spatial
    centre, zeros elsewhere (Xiao et al., 2018)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        shape = core.concrete_shape(shape)
        if len(shape) not in [3, 4, 5]:
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        ortho_init = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)
        ortho_matrix = ortho_init(key, shape[-2:])
        W = jnp.zeros(shape, dtype=dtype)
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        return W.at[centre + (Ellipsis,)].set(ortho_matrix)
    return init

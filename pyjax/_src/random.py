"""``jax.random``: JAX's counter-based PRNG (Threefry-2x32), reproducing JAX 0.10.2's bits.

Keys are either raw ``uint32[2]`` arrays (``PRNGKey``) or typed key arrays (``key``, dtype
``key<fry>``); both give identical samples. Every sampler follows JAX's algorithm step by step
with the same primitives (random_bits, shifts, bitcasts, ...), and the float kernels XLA:CPU uses
(its log/log1p/erf/erf_inv and fused multiply-adds) are emulated exactly (primitives/
random_bits.py), so samples match JAX bit for bit eagerly, under jit and under vmap.

This module holds the keys, bits, uniform, normal and the integer samplers everything else is
built on; random_samplers.py has the continuous distributions, random_discrete.py the
permutations, choices and counts.

Eagerly, uniform/normal/bits on concrete keys take a fused NumPy path (whole pipeline per cache
block, on two threads) that computes exactly what the primitive-by-primitive path computes.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.primitives import random_bits as rb
from pyjax._src.primitives.elementwise import stop_gradient as _stop_gradient

PRNGImpl = rb.PRNGImpl
UINT_DTYPES = rb.UINT_DTYPES
Shape = Sequence[int]

_SQRT2 = np.sqrt(2)


# ----------------------------------------------------------------------------------------------
# Helpers


def _const(value, dtype):
    # A 0-d NumPy array: written inline as a literal when traced (as JAX's constants are).
    return np.asarray(value, dtype)


def _is_key_array(x):
    return dtypes.is_key_dtype(getattr(x, "dtype", None))


def _arraylike(x):
    return (isinstance(x, (ArrayImpl, core.Tracer, np.ndarray, np.generic))
            or type(x) in (bool, int, float, complex))


def _eager(*xs):
    """True when running eagerly on concrete values (no transformation is active)."""
    if core.current_trace() is not core.eval_trace:
        return False
    return not any(isinstance(x, core.Tracer) for x in xs)


def _buffer(x):
    """The NumPy buffer of a concrete value (ArrayImpl, NumPy value or Python scalar)."""
    if type(x) is ArrayImpl:
        return x._value
    return core._to_buffers([x])[0][0]


def _canonicalize_shape(shape):
    return core.concrete_shape(shape)


def _user_dtype(dtype):
    # JAX's check_and_canonicalize_user_dtype: the truncation warning names no function.
    return dtypes.check_user_dtype_supported(dtype, None, stacklevel=4)


def _convert(x, dtype):
    """``lax.convert_element_type`` (strong result); Python and NumPy values are converted
    right away (so they stay literals when traced)."""
    if type(x) in (bool, int, float) or isinstance(x, (np.ndarray, np.generic)):
        v = np.asarray(x)
        if v.dtype == dtype or np.dtype(dtype).kind in "fc" or v.dtype.kind in "biu":
            if type(x) is int:
                dtypes.scalar_to_array(x)  # out of the default int range: OverflowError
            return v.astype(dtype)
    return lax.convert_element_type(x, dtype)


def _shape_of(x):
    return tuple(np.shape(x)) if not hasattr(x, "shape") else tuple(x.shape)


def _broadcast_shapes(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") \
            from None


def _check_shape(name, shape, *param_shapes):
    if param_shapes:
        shape_ = _broadcast_shapes(shape, *param_shapes)
        if tuple(shape) != shape_:
            raise ValueError(
                f"{name} parameter shapes must be broadcast-compatible with shape argument, "
                "and the result of broadcasting the shapes must equal the shape argument, but "
                f"got result {shape_} for shape argument {tuple(shape)}.")


def _check_broadcast_shapes(name, shape, *args):
    arg_shapes = [_shape_of(a) for a in args]
    if shape is None:
        return _broadcast_shapes(*arg_shapes) if arg_shapes else ()
    shape = _canonicalize_shape(shape)
    _check_shape(name, shape, *arg_shapes)
    return shape


def _broadcast_to(x, shape):
    """``jnp.broadcast_to`` for an array of rank <= len(shape) (NumPy rules)."""
    xshape = core.get_aval(x).shape
    shape = tuple(shape)
    if xshape == shape:
        return x
    nlead = len(shape) - len(xshape)
    keep = [i for i, d in enumerate(xshape) if d == shape[nlead + i]]
    squeezed = lax.reshape(x, tuple(xshape[i] for i in keep)) if len(keep) != len(xshape) else x
    return lax.broadcast_in_dim(squeezed, shape, tuple(nlead + i for i in keep))


def _floating_dtype_error(name, dtype):
    return ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")


def _float_dtype(name, dtype):
    dtype = _user_dtype(float if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.floating):
        raise _floating_dtype_error(name, dtype)
    return dtype


def _check_out_sharding(out_sharding, name):
    """JAX's samplers take an ``out_sharding`` (a NamedSharding or PartitionSpec); pyjax has
    one device and no meshes, so only None (the default) is meaningful."""
    if out_sharding is not None:
        raise TypeError(f"`out_sharding` argument of {name} only supports instances of "
                        f"`NamedSharding` or `PartitionSpec`. Got {out_sharding} of type: "
                        f"{type(out_sharding)}")


# ----------------------------------------------------------------------------------------------
# PRNG implementations and key checks


class PRNGSpec:
    """Specifies a PRNG key implementation."""

    __slots__ = ["_impl"]

    def __init__(self, impl):
        self._impl = impl

    def __repr__(self):
        return f"PRNGSpec({self._impl.name!r})"

    def __str__(self):
        return str(self._impl)

    def __hash__(self):
        return hash(self._impl)

    def __eq__(self, other):
        return isinstance(other, PRNGSpec) and self._impl == other._impl


def default_prng_impl():
    """The default PRNG implementation (``jax_default_prng_impl``)."""
    name = config.jax_default_prng_impl
    if name not in rb.prngs:
        raise NotImplementedError(f"PRNG implementation {name!r} is not supported by pyjax")
    return rb.prngs[name]


def resolve_prng_impl(impl_spec):
    if impl_spec is None:
        return default_prng_impl()
    if type(impl_spec) is PRNGImpl:
        return impl_spec
    if type(impl_spec) is PRNGSpec:
        return impl_spec._impl
    if dtypes.is_key_dtype(impl_spec):
        return rb.impl_of_key_dtype(impl_spec)
    if type(impl_spec) is str:
        if impl_spec in rb.prngs:
            return rb.prngs[impl_spec]
        if impl_spec in ("rbg", "unsafe_rbg", "threefry4x32", "philox2x32", "philox4x32"):
            raise NotImplementedError(f"PRNG implementation {impl_spec!r} is not supported "
                                      "by pyjax (only threefry2x32)")
        keys_fmt = ", ".join(f'"{s}"' for s in ("philox2x32", "philox4x32", "threefry2x32",
                                               "rbg", "unsafe_rbg", "threefry4x32"))
        raise ValueError(f'unrecognized PRNG implementation "{impl_spec}". '
                         f"Did you mean one of: {keys_fmt}?")
    raise TypeError(f"unrecognized type {type(impl_spec)} for specifying PRNG implementation.")


def key_dtype(impl_spec=None):
    """The dtype of keys of a PRNG implementation (``key<fry>`` for threefry2x32)."""
    return resolve_prng_impl(impl_spec).key_dtype


def _check_prng_key_data(impl, key_data):
    ndim = len(impl.key_shape)
    if not all(hasattr(key_data, attr) for attr in ("ndim", "shape", "dtype")):
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have "
                        f"ndim, shape, and dtype attributes. Got {key_data}")
    if key_data.ndim < 1:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; "
                        f"got ndim={key_data.ndim}")
    if tuple(key_data.shape[-ndim:]) != impl.key_shape:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.shape to "
                        f"end with {impl.key_shape}; got shape={tuple(key_data.shape)} for "
                        f"impl={impl!r}")
    if key_data.dtype != np.uint32 and key_data.dtype != dtypes.float0:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.dtype = "
                        f"uint32; got dtype={dtypes.dtype_name(np.dtype(key_data.dtype))}")


def _random_wrap(base_arr, impl):
    _check_prng_key_data(impl, base_arr)
    return rb.random_wrap_p.bind(base_arr, impl=impl)


def _random_unwrap(keys):
    if not _is_key_array(keys):
        raise TypeError(f"random_unwrap takes key array operand, got keys.dtype={keys.dtype}")
    return rb.random_unwrap_p.bind(keys)


def _check_prng_key(name, key, *, allow_batched=False):
    """(typed key array, whether it was a raw key that got wrapped)."""
    if _is_key_array(key):
        wrapped_key, wrapped = key, False
    elif _arraylike(key):
        wrapped_key, wrapped = _random_wrap(key, default_prng_impl()), True
    else:
        raise TypeError(f"unexpected PRNG key type {type(key)}")
    if not allow_batched and core.get_aval(wrapped_key).ndim:
        raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                         f"{_shape_of(key)} != (). Use jax.vmap for batching.")
    return wrapped_key, wrapped


def _return_prng_keys(was_wrapped, key):
    return _random_unwrap(key) if was_wrapped else key


def _partitionable():
    return bool(config.jax_threefry_partitionable)


def _random_bits(key, bit_width, shape):
    return rb.random_bits_p.bind(key, bit_width=bit_width, shape=tuple(shape),
                                 partitionable=_partitionable())


def _split(key, num=2):
    if core.get_aval(key).ndim:
        raise TypeError("split accepts a single key, but was given a key array of shape "
                        f"{core.get_aval(key).shape} != (). Use jax.vmap for batching.")
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    shape = tuple(operator.index(d) for d in shape)
    return rb.random_split_p.bind(key, shape=shape, partitionable=_partitionable())


def _unstack(keys):
    """The keys along the leading axis, as a list (like iterating a JAX array)."""
    n = core.get_aval(keys).shape[0]
    out = []
    for i in range(n):
        k = lax.slice(keys, (i,) + (0,) * (core.get_aval(keys).ndim - 1),
                      (i + 1,) + core.get_aval(keys).shape[1:])
        out.append(lax.reshape(k, core.get_aval(keys).shape[1:]))
    return out


def _key_data_np(key):
    """Raw uint32[2] data of a concrete typed key array (eager fast paths)."""
    return rb.data_from_keys(key._value)


# ----------------------------------------------------------------------------------------------
# Key construction and manipulation


def _seed_array(seed):
    if isinstance(seed, int):
        # As JAX: through int64 (so big seeds raise OverflowError), then canonicalised, which
        # wraps to int32 with x64 off (the high key word is then 0).
        arr = np.asarray(np.int64(seed))
        return ArrayImpl(arr if config.jax_enable_x64 else arr.astype(np.int32), False)
    if isinstance(seed, (ArrayImpl, core.Tracer)):
        return seed
    if isinstance(seed, (np.ndarray, np.generic)):
        arr = np.asarray(seed)
        canon = dtypes.canonicalize_dtype(arr.dtype)
        return ArrayImpl(arr.astype(canon) if canon != arr.dtype else arr, False)
    bufs, weak = core._to_buffers([seed])
    return ArrayImpl(bufs[0], weak[0])


def _key(ctor_name, seed, impl_spec):
    impl = resolve_prng_impl(impl_spec)
    if hasattr(seed, "dtype") and dtypes.issubdtype(seed.dtype, dtypes.prng_key):
        raise TypeError(f"{ctor_name} accepts a scalar seed, but was given a PRNG key.")
    if np.ndim(seed):
        raise TypeError(f"{ctor_name} accepts a scalar seed, but was given an array of shape "
                        f"{np.shape(seed)} != (). Use jax.vmap for batching")
    seeds = _seed_array(seed)
    aval = core.get_aval(seeds)
    if aval.dtype.kind not in "iu":
        # JAX raises this while tracing its jitted seeding function, hence the tracer text.
        raise TypeError(f"PRNG key seed must be an integer; got JitTracer({aval})")
    return rb.random_seed_p.bind(seeds, impl=impl)


def key(seed, *, impl=None, dtype=None):
    """Create a typed PRNG key (``key<fry>[]``) from an integer seed.

    Args:
      seed: a 64- or 32-bit integer used as the value of the key.
      impl: optional PRNG implementation name (only ``'threefry2x32'``).
      dtype: optional key dtype (``key_dtype('threefry2x32')``), instead of ``impl``.

    Returns:
      A scalar key array.

    Example:
      >>> key(42)
      Array((), dtype=key<fry>) overlaying:
      [ 0 42]
    """
    if dtype is not None:
        if impl is not None:
            raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                             "jax.random.key")
        impl = dtype
    return _key("key", seed, impl)


def PRNGKey(seed, *, impl=None):  # noqa: N802 (JAX's name)
    """Create a legacy PRNG key: a ``uint32[2]`` array holding the seed's two words.

    With x64 off a Python int seed wraps to int32 first, so the high word is 0.

    Example:
      >>> PRNGKey(42)
      Array([ 0, 42], dtype=uint32)
    """
    return _return_prng_keys(True, _key("PRNGKey", seed, impl))


def fold_in(key, data):
    """Fold 32-bit integer ``data`` into ``key``, giving a new key.

    In the default (partitionable) layout ``fold_in(key, i) == split(key, n)[i]``.
    """
    key, wrapped = _check_prng_key("fold_in", key)
    if np.ndim(data):
        raise TypeError("fold_in accepts a scalar, but was given an array of"
                        f"shape {np.shape(data)} != (). Use jax.vmap for batching.")
    if isinstance(data, (ArrayImpl, core.Tracer)):
        msgs = _convert(data, np.uint32)
    else:
        msgs = ArrayImpl(np.asarray(data, dtype=np.uint32), False)
    return _return_prng_keys(wrapped, rb.random_fold_in_p.bind(key, msgs))


def split(key, num=2):
    """Split a key into ``num`` new keys (an int, or a shape tuple) along new leading axes.

    Example:
      >>> split(PRNGKey(42), 2)
      Array([[1832780943,  270669613],
             [  64467757, 2916123636]], dtype=uint32)
    """
    typed_key, wrapped = _check_prng_key("split", key)
    return _return_prng_keys(wrapped, _split(typed_key, num))


def key_data(keys):
    """The ``uint32[..., 2]`` key data under a key array (raw keys are returned as they are)."""
    keys, _ = _check_prng_key("key_data", keys, allow_batched=True)
    return _random_unwrap(keys)


def wrap_key_data(key_bits_array, *, impl=None, dtype=None):
    """Wrap ``uint32[..., 2]`` key data into a typed key array."""
    if dtype is not None:
        if impl is not None:
            raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                             "jax.random.wrap_key_data")
        impl = dtype
    return _random_wrap(key_bits_array, resolve_prng_impl(impl))


def key_impl(keys):
    """The name of the PRNG implementation of a key array (``'threefry2x32'``)."""
    typed_keys, _ = _check_prng_key("key_impl", keys, allow_batched=True)
    impl = rb.impl_of_key_dtype(core.get_aval(typed_keys).dtype)
    return impl.name if impl.name in rb.prngs else PRNGSpec(impl)


def clone(key):
    """Clone a key for reuse: the identity outside key-reuse checking."""
    return key


# ----------------------------------------------------------------------------------------------
# bits, uniform, normal


def bits(key, shape=(), dtype=None, *, out_sharding=None):
    """Uniform random bits as unsigned integers (uint32 default; uint64 with x64).

    Example:
      >>> bits(PRNGKey(42), (3,))
      Array([2098992034, 2919706841, 2646866425], dtype=uint32)
    """
    key, _ = _check_prng_key("bits", key)
    _check_out_sharding(out_sharding, "bits")
    if dtype is None:
        dtype = dtypes.default_uint_dtype()
    else:
        dtype = _user_dtype(dtype)
    if not dtypes.issubdtype(dtype, np.unsignedinteger):
        raise ValueError("dtype argument to `bits` must be an unsigned int dtype, "
                         f"got {dtype}")
    shape = _canonicalize_shape(shape)
    bit_width = np.dtype(dtype).itemsize * 8
    return _random_bits(key, bit_width, shape)



def uniform(key, shape=(), dtype=None, minval=0., maxval=1., *, out_sharding=None):
    """Uniform random values in ``[minval, maxval)`` of a float dtype.

    The mantissa bits of a float in [1, 2) are random; ``f * (maxval - minval) + minval`` is
    one fused multiply-add as on XLA:CPU.

    Example:
      >>> uniform(PRNGKey(42), (3,))
      Array([0.48870957, 0.6797972 , 0.6162715 ], dtype=float32)
    """
    key, _ = _check_prng_key("uniform", key)
    _check_out_sharding(out_sharding, "uniform")
    dtype = _user_dtype(float if dtype is None else dtype)
    shape = _canonicalize_shape(shape)
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype argument to `uniform` must be a float dtype, got {dtype}")
    return _uniform(key, minval, maxval, shape, np.dtype(dtype))


def _uniform_params(dtype):
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    if nbits not in (8, 16, 32, 64):
        raise TypeError(f"uniform only accepts 8-, 16-, 32-, or 64-bit dtypesgot {dtype}.")
    rng_bits = nbits if nmant >= 8 else 8
    return nbits, nmant, rng_bits


def _uniform(key, minval, maxval, shape, dtype):
    if _eager(key, minval, maxval) and dtype in (np.float32, np.float64):
        lo = np.asarray(_buffer(minval)).astype(dtype)
        hi = np.asarray(_buffer(maxval)).astype(dtype)
        if lo.ndim == 0 and hi.ndim == 0:
            return ArrayImpl(rb.uniform_np(_key_data_np(key), shape, dtype, lo[()], hi[()],
                                           _partitionable()), False)
    minval = lax.broadcast_to_rank(_convert(minval, dtype), len(shape))
    maxval = lax.broadcast_to_rank(_convert(maxval, dtype), len(shape))
    nbits, nmant, rng_bits = _uniform_params(dtype)
    bits_ = _random_bits(key, rng_bits, shape)
    uint_dtype = UINT_DTYPES[nbits]
    if rng_bits != nbits:
        bits_ = _convert(bits_, uint_dtype)
    float_bits = lax.shift_right_logical(bits_, _const(rng_bits - nmant, uint_dtype))
    float_bits = lax.bitwise_or(float_bits,
                                _const(np.array(1.0, dtype).view(uint_dtype), uint_dtype))
    floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), _const(1.0, dtype))
    # XLA:CPU contracts floats * (maxval - minval) + minval into one FMA.
    scaled = rb.fma_p.bind(floats, lax.sub(maxval, minval), minval)
    return lax.max(minval, lax.reshape(scaled, shape))


def normal(key, shape=(), dtype=None, *, out_sharding=None):
    """Standard normal samples: ``sqrt(2) * erf_inv(u)`` with u uniform in (-1, 1).

    Complex dtypes take real and imaginary parts from two split keys, scaled by 1/sqrt(2).

    Example:
      >>> normal(PRNGKey(42), (3,))
      Array([-0.02830462,  0.46713185,  0.29570296], dtype=float32)
    """
    key, _ = _check_prng_key("normal", key)
    _check_out_sharding(out_sharding, "normal")
    shape = _canonicalize_shape(shape)
    dtype = _user_dtype(float if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.inexact):
        raise ValueError("dtype argument to `normal` must be a float or complex dtype, "
                         f"got {dtype}")
    return _normal(key, shape, np.dtype(dtype))


def _normal(key, shape, dtype):
    if dtypes.issubdtype(dtype, np.complexfloating):
        real_dtype = np.array(0, dtype).real.dtype
        key_re, key_im = _unstack(_split(key))
        re = _normal_real(key_re, shape, real_dtype)
        im = _normal_real(key_im, shape, real_dtype)
        # (re + 1j*im) / sqrt2: XLA turns the division by a constant into a multiplication
        # by its reciprocal.
        inv = _const(np.array(1 / np.sqrt(np.array(2, real_dtype)), real_dtype), real_dtype)
        return lax.complex(lax.mul(re, inv), lax.mul(im, inv))
    return _normal_real(key, shape, dtype)


def _normal_real(key, shape, dtype):
    if _eager(key) and dtype in (np.float32, np.float64):
        return ArrayImpl(rb.normal_np(_key_data_np(key), shape, dtype, _partitionable()),
                         False)
    lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
    u = _uniform(key, _const(lo, dtype), _const(1., dtype), shape, dtype)
    return lax.mul(_const(np.sqrt(2), dtype), rb.xla_erf_inv_p.bind(u))


# ----------------------------------------------------------------------------------------------
# Integers and discrete distributions


def _check_jit_int_arg(name, value):
    """JAX's jitted samplers take Python int bounds as jit arguments: out of the default int
    range they raise the argument-parsing OverflowError."""
    if type(value) is int:
        bits = 64 if config.jax_enable_x64 else 32
        if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
            raise OverflowError(
                "An overflow was encountered while parsing an argument to a jitted "
                f"computation, whose argument path is {name}. Got <class 'int'> with value "
                f"{value}")


def _to_array(x):
    if isinstance(x, (ArrayImpl, core.Tracer)):
        return x
    buf, weak = core._to_buffers([x])
    return ArrayImpl(buf[0], weak[0])


def _convert_and_clip_integer(val, dtype):
    val_dtype = core.get_aval(val).dtype
    lo = max(int(dtypes.iinfo(dtype).min), int(dtypes.iinfo(val_dtype).min))
    hi = min(int(dtypes.iinfo(dtype).max), int(dtypes.iinfo(val_dtype).max))
    val = lax.clamp(_const(lo, val_dtype), val, _const(hi, val_dtype))
    return _convert(val, dtype)


def randint(key, shape, minval, maxval, dtype=None, *, out_sharding=None):
    """Uniform integers in ``[minval, maxval)``, from 2*nbits random bits per value.

    Example:
      >>> randint(PRNGKey(42), (8,), 0, 10)
      Array([4, 4, 1, 9, 9, 9, 7, 7], dtype=int32)
    """
    key, _ = _check_prng_key("randint", key)
    _check_out_sharding(out_sharding, "randint")
    dtype = _user_dtype(int if dtype is None else dtype)
    shape = _canonicalize_shape(shape)
    if not dtypes.issubdtype(dtype, np.integer):
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    info = dtypes.iinfo(dtype)
    dtype_for_sampling = np.dtype(dtype)
    if info.bits < 32:
        # Sample in 32 bits to avoid biased results.
        dtype_for_sampling = np.dtype(np.int32)
        i32 = np.dtype(np.int32)
        minval = lax.clamp(_const(int(info.min), i32), _convert(_to_array(minval), i32),
                           _const(int(info.max), i32))
        maxval = lax.clamp(_const(int(info.min), i32), _convert(_to_array(maxval), i32),
                           _const(int(info.max) + 1, i32))
    _check_jit_int_arg("minval", minval)
    _check_jit_int_arg("maxval", maxval)
    out = _randint(key, minval, maxval, shape, dtype_for_sampling)
    return _convert(out, dtype)


def _randint(key, minval, maxval, shape, dtype):
    _check_shape("randint", shape, np.shape(minval), np.shape(maxval))
    minval = _to_array(minval)
    maxval = _to_array(maxval)
    default_int = dtypes.default_int_dtype()
    if not dtypes.issubdtype(core.get_aval(minval).dtype, np.integer):
        minval = _convert(minval, default_int)
    if not dtypes.issubdtype(core.get_aval(maxval).dtype, np.integer):
        maxval = _convert(maxval, default_int)
    maxval_dtype = core.get_aval(maxval).dtype
    max_in_range = _convert_and_clip_integer(_const(dtypes.iinfo(dtype).max, dtype),
                                             maxval_dtype)
    maxval_out_of_range = lax.gt(maxval, max_in_range)
    minval = _convert_and_clip_integer(minval, dtype)
    maxval = _convert_and_clip_integer(maxval, dtype)
    minval = lax.broadcast_to_rank(minval, len(shape))
    maxval = lax.broadcast_to_rank(maxval, len(shape))
    maxval_out_of_range = lax.broadcast_to_rank(maxval_out_of_range, len(shape))
    nbits = dtypes.iinfo(dtype).bits
    k1, k2 = _unstack(_split(key))
    higher_bits = _random_bits(k1, nbits, shape)
    lower_bits = _random_bits(k2, nbits, shape)
    unsigned_dtype = UINT_DTYPES[nbits]
    span = _convert(lax.sub(maxval, minval), unsigned_dtype)
    # span = 1 when maxval <= minval (minval everywhere); one larger when maxval was clipped.
    empty = lax.le(maxval, minval)
    span_shape = core.get_aval(span).shape
    span = lax.select(_broadcast_to(empty, span_shape), lax.full_like(span, 1), span)
    grow = lax.bitwise_and(maxval_out_of_range, lax.gt(maxval, minval))
    span = lax.select(_broadcast_to(grow, span_shape), lax.add(span, _const(1, unsigned_dtype)),
                      span)
    # (hi * 2**nbits + lo) % span, without overflow: 2**nbits % span from two rems.
    multiplier = lax.rem(_broadcast_to(_const(2 ** (nbits // 2), unsigned_dtype), span_shape),
                         span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    random_offset = lax.add(lax.mul(lax.rem(higher_bits, span), multiplier),
                            lax.rem(lower_bits, span))
    random_offset = lax.rem(random_offset, span)
    return lax.add(minval, _convert(random_offset, dtype))


def bernoulli(key, p=0.5, shape=None, mode="low", *, out_sharding=None):
    """Bernoulli samples (bool) with mean ``p``: ``uniform(key, shape) < p``."""
    if shape is not None:
        shape = _canonicalize_shape(shape)
    if mode not in ["high", "low"]:
        raise ValueError(f"got {mode=}, expected 'high' or 'low'")
    key, _ = _check_prng_key("bernoulli", key)
    _check_out_sharding(out_sharding, "bernoulli")
    dtype = dtypes.dtype(p, canonicalize=True)
    if not dtypes.issubdtype(dtype, np.floating):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    p = _convert(p, dtype)
    if shape is None:
        shape = core.get_aval(p).shape
    else:
        _check_shape("bernoulli", shape, core.get_aval(p).shape)
    if mode == "high":
        u1, u2 = _unstack(uniform(key, (2, *shape), dtype))
        u2 = lax.mul(u2, _const(2.0 ** -dtypes.finfo(dtype).nmant, dtype))
        return lax.lt(u2, lax.sub(p, u1))
    return lax.lt(uniform(key, shape, dtype), p)


def rademacher(key, shape=(), dtype=None, *, out_sharding=None):
    """Random signs: -1 or 1 with equal probability."""
    key, _ = _check_prng_key("rademacher", key)
    _check_out_sharding(out_sharding, "rademacher")
    dtype = _user_dtype(int if dtype is None else dtype)
    shape = _canonicalize_shape(shape)
    b = _convert(bernoulli(key, 0.5, shape), dtypes.default_int_dtype())
    signs = lax.sub(lax.mul(_const(2, core.get_aval(b).dtype), b),
                    _const(1, core.get_aval(b).dtype))
    return _convert(signs, dtype)


# ----------------------------------------------------------------------------------------------
# XLA:CPU's log and log1p (shared by the float samplers), truncated normal


def _log(x):
    return rb.xla_log_p.bind(x)


def _log1p(x):
    return rb.xla_log1p_p.bind(x)


def _sampler_dtype(name, dtype):
    return _float_dtype(name, dtype)


def truncated_normal(key, lower, upper, shape=None, dtype=None, *, out_sharding=None):
    """Normal samples truncated to the open interval (lower, upper), by inverting the CDF."""
    if shape is not None:
        shape = _canonicalize_shape(shape)
    key, _ = _check_prng_key("truncated_normal", key)
    _check_out_sharding(out_sharding, "truncated_normal")
    dtype = _user_dtype(float if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError("dtype argument to `truncated_normal` must be a float dtype, "
                         f"got {dtype}")
    dtype = np.dtype(dtype)
    if shape is None:
        shape = _broadcast_shapes(_shape_of(lower), _shape_of(upper))
    else:
        _check_shape("truncated_normal", shape, _shape_of(lower), _shape_of(upper))
    lower = _convert(lower, dtype)
    upper = _convert(upper, dtype)
    # x / sqrt2 by a constant is x * (1/sqrt2) on XLA:CPU.
    inv_sqrt2 = _const(1 / np.array(np.sqrt(2), dtype), dtype)
    a = rb.xla_erf_p.bind(lax.mul(lower, inv_sqrt2))
    b = rb.xla_erf_p.bind(lax.mul(upper, inv_sqrt2))
    u = _uniform(key, a, b, tuple(shape), dtype)
    out = lax.mul(_const(np.sqrt(2), dtype), rb.xla_erf_inv_p.bind(u))
    lo = lax.nextafter(_stop_gradient(lower), _const(np.inf, dtype))
    hi = lax.nextafter(_stop_gradient(upper), _const(-np.inf, dtype))
    return lax.min(lax.max(out, _broadcast_to(lo, shape)), _broadcast_to(hi, shape))

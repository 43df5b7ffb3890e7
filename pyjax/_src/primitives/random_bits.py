"""PRNG primitives: the Threefry-2x32 hash and the key-array primitives of ``jax.random``.

Key arrays (``random.key``) have a PRNG key dtype: a NumPy structured dtype with one field named
after the implementation's tag (``key<fry>`` is ``np.dtype([('fry', '<u4', (2,))])``), so their
buffers have the key array's shape and every structural primitive works on them unchanged.

Primitives (as JAX's): ``threefry2x32`` (the hash on uint32 operands), ``random_seed``,
``random_wrap``/``random_unwrap`` (uint32[..., 2] <-> keys), ``random_bits``, ``random_split``
and ``random_fold_in`` (on keys). The counter layouts of bits/split follow JAX 0.10.2: the
partitionable layout (default) or the legacy one (``jax_threefry_partitionable=False``), chosen
when the primitive is bound (a static parameter, hidden when printing).

The NumPy kernels work on blocks of a few ten thousand counters, so the twenty rounds run in
cache; big arrays are split between two threads (NumPy releases the GIL in its loops;
primitives/blocks.py).

Also here, because the samplers need them bit for bit:
- the XLA-exact elementwise primitives (``xla_log_p``, ``xla_exp_p``, ..., ``fma_p``, from
  primitives/xla_math.py, on XLA:CPU's float kernels in xla_float.py and libm_float.py);
- the fused eager pipelines of uniform/normal, and the 2**23-entry table of float32 normal
  samples used for big draws;
- the rejection samplers as primitives until pyjax has while_loop: ``random_gamma`` (with
  ``random_gamma_grad`` for its implicit gradient), ``random_poisson``, ``random_binomial``,
  and ``cov_factor`` (LAPACK potrf/syevd/gesdd) for multivariate_normal.
"""
from __future__ import annotations

import math
import threading

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import dtypes
from pyjax._src.config import config
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives.blocks import BLOCK, for_blocks, scratch
from pyjax._src.primitives.common import broadcast_shapes_rule
from pyjax._src.primitives.xla_float import erf_inv32_fast, erf_inv64, fma32, fma64
# The XLA-exact elementwise primitives, also reached as random_bits.xla_*_p.
from pyjax._src.primitives.xla_math import (  # noqa: F401
    fma_p, xla_erf_inv_p, xla_erf_p, xla_exp_p, xla_log1p_p, xla_log_p, xla_pow_p,
    xla_rsqrt_p, xla_tan_p)

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_MASK32 = 0xFFFFFFFF
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32, 64: _U64}

_IOTA = np.arange(BLOCK, dtype=_U32)


# ----------------------------------------------------------------------------------------------
# The Threefry-2x32 hash (Random123's Threefry-2x32 with 20 rounds), in place on uint32 arrays.


def _key_schedule(k0, k1):
    """(ks0, ks1, ks2) and the per-group injections, for scalar keys (Python ints)."""
    ks = (k0 & _MASK32, k1 & _MASK32, (k0 ^ k1 ^ _PARITY) & _MASK32)
    inject = [(np.uint32(ks[(g + 1) % 3]), np.uint32((ks[(g + 2) % 3] + g + 1) & _MASK32))
              for g in range(5)]
    return ks, inject


def _rounds_scalar_key(x0, x1, inject, tmp):
    """The 20 rounds and key injections, after the initial key addition (scalar keys)."""
    add, xor, orr, shl, shr = np.add, np.bitwise_xor, np.bitwise_or, np.left_shift, \
        np.right_shift
    for g in range(5):
        for r in _ROTATIONS[g & 1]:
            add(x0, x1, out=x0)
            shr(x1, _SHIFTS_RIGHT[r], out=tmp)
            shl(x1, _SHIFTS_LEFT[r], out=x1)
            orr(x1, tmp, out=x1)
            xor(x1, x0, out=x1)
        a, b = inject[g]
        add(x0, a, out=x0)
        add(x1, b, out=x1)


_SHIFTS_LEFT = {r: np.uint32(r) for r in range(33)}
_SHIFTS_RIGHT = {r: np.uint32(32 - r) for r in range(33)}


def _rounds_array_key(x0, x1, k0, k1, tmp):
    """Initial key addition, rounds and injections with per-element keys (uint32 arrays)."""
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(_PARITY))
    np.add(x0, k0, out=x0)
    np.add(x1, k1, out=x1)
    for g in range(5):
        for r in _ROTATIONS[g & 1]:
            np.add(x0, x1, out=x0)
            np.right_shift(x1, _SHIFTS_RIGHT[r], out=tmp)
            np.left_shift(x1, _SHIFTS_LEFT[r], out=x1)
            np.bitwise_or(x1, tmp, out=x1)
            np.bitwise_xor(x1, x0, out=x1)
        np.add(x0, ks[(g + 1) % 3], out=x0)
        np.add(x1, ks[(g + 2) % 3], out=x1)
        np.add(x1, np.uint32(g + 1), out=x1)


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32 of NumPy-broadcast uint32 arrays: returns (y0, y1), new arrays."""
    k0, k1, x0, x1 = (np.asarray(a, _U32) for a in (k0, k1, x0, x1))
    shape = np.broadcast_shapes(k0.shape, k1.shape, x0.shape, x1.shape)
    y0 = np.empty(shape, _U32)
    y1 = np.empty(shape, _U32)
    n = y0.size
    if n == 0:
        return y0, y1
    f0, f1 = y0.reshape(-1), y1.reshape(-1)
    f0[:] = np.broadcast_to(x0, shape).reshape(-1)
    f1[:] = np.broadcast_to(x1, shape).reshape(-1)
    if k0.size == 1 and k1.size == 1:
        ks, inject = _key_schedule(int(k0.reshape(-1)[0]), int(k1.reshape(-1)[0]))
        a, b = np.uint32(ks[0]), np.uint32(ks[1])

        def body(s, e):
            b0, b1 = f0[s:e], f1[s:e]
            np.add(b0, a, out=b0)
            np.add(b1, b, out=b1)
            _rounds_scalar_key(b0, b1, inject, scratch("tmp", e - s))
    else:
        kf0 = np.broadcast_to(k0, shape).reshape(-1)
        kf1 = np.broadcast_to(k1, shape).reshape(-1)

        def body(s, e):
            _rounds_array_key(f0[s:e], f1[s:e], kf0[s:e], kf1[s:e], scratch("tmp", e - s))
    for_blocks(n, body)
    return y0, y1


def counters_block(k0, k1, s, e):
    """Threefry of the partitionable counters s..e-1 under one key, in per-thread scratch.

    Counter n is the pair (n >> 32, n & 0xFFFFFFFF). Returns the (y0, y1) scratch views (valid
    until the thread's next call).
    """
    m = e - s
    ks, inject = _key_schedule(k0, k1)
    x0 = scratch("x0", m)
    x1 = scratch("x1", m)
    # x1 = lo + k1 and x0 = hi + k0; the first round's x0 += x1 is fused into x0's creation.
    np.add(_IOTA[:m], np.uint32(((s & _MASK32) + ks[1]) & _MASK32), out=x1)
    np.add(x1, np.uint32(((s >> 32) + ks[0]) & _MASK32), out=x0)
    tmp = scratch("tmp", m)
    add, xor, orr, shl, shr = np.add, np.bitwise_xor, np.bitwise_or, np.left_shift, \
        np.right_shift
    first = True
    for g in range(5):
        for r in _ROTATIONS[g & 1]:
            if first:
                first = False
            else:
                add(x0, x1, out=x0)
            shr(x1, _SHIFTS_RIGHT[r], out=tmp)
            shl(x1, _SHIFTS_LEFT[r], out=x1)
            orr(x1, tmp, out=x1)
            xor(x1, x0, out=x1)
        a, b = inject[g]
        add(x0, a, out=x0)
        add(x1, b, out=x1)
    return x0, x1


def bits32_block(k0, k1, s, e):
    """The 32-bit random words s..e-1 of one key (partitionable layout), in scratch."""
    x0, x1 = counters_block(k0, k1, s, e)
    np.bitwise_xor(x0, x1, out=x0)
    return x0


# ----------------------------------------------------------------------------------------------
# bits / split / fold_in of raw uint32 key data (NumPy), in both counter layouts.


def _check_size(n):
    if n > 2 ** 64:
        raise NotImplementedError("random bits array of size exceeding 2 ** 64")


def _bits_one_key(k0, k1, bit_width, n, partitionable):
    """Flat random bits of one key, as a uint{bit_width} array of n elements."""
    _check_size(n)
    dtype = UINT_DTYPES[bit_width]
    if not partitionable:
        return _bits_legacy(k0, k1, bit_width, n)
    out = np.empty(n, dtype)
    if bit_width == 32:
        def body(s, e):
            x0, x1 = counters_block(k0, k1, s, e)
            np.bitwise_xor(x0, x1, out=out[s:e])
    elif bit_width == 64:
        def body(s, e):
            x0, x1 = counters_block(k0, k1, s, e)
            ob = out[s:e]
            np.copyto(ob, x0)
            np.left_shift(ob, np.uint64(32), out=ob)
            np.bitwise_or(ob, x1, out=ob)
    else:
        def body(s, e):
            x0, x1 = counters_block(k0, k1, s, e)
            np.bitwise_xor(x0, x1, out=x0)
            np.copyto(out[s:e], x0, casting="unsafe")  # keeps the low bits
    for_blocks(n, body)
    return out


def hash_counts(k0, k1, counts):
    """The legacy ``threefry_2x32(key, counts)``: pair halves of the flat counts, hash, and
    concatenate all first words then all second words (dropping the odd padding). Keys may
    be arrays of shape (..., 1): the result then has shape (..., counts.size)."""
    m = counts.size
    if m % 2:
        counts = np.concatenate([counts, np.zeros(1, _U32)])
    h = counts.size // 2
    y0, y1 = threefry2x32(k0, k1, counts[:h], counts[h:])
    return np.concatenate([y0, y1], axis=-1)[..., :m]


def _bits_legacy(k0, k1, bit_width, n):
    words = -(-bit_width * n // 32)
    if words >= _MASK32:
        raise NotImplementedError("legacy random bits of 2**32 - 1 words or more")
    w = hash_counts(k0, k1, np.arange(words, dtype=_U32))
    if bit_width == 32:
        return w
    if bit_width == 64:
        h = words // 2
        out = w[..., :h].astype(_U64)
        np.left_shift(out, np.uint64(32), out=out)
        np.bitwise_or(out, w[..., h:], out=out)
        return out
    # 8/16-bit: the little-endian pieces of each word, least significant first.
    return np.ascontiguousarray(w).view(UINT_DTYPES[bit_width])[..., :n].copy()


def _split_legacy(k0, k1, shape):
    num = math.prod(shape)
    w = hash_counts(k0, k1, np.arange(2 * num, dtype=_U32))
    return w.reshape(w.shape[:-1] + tuple(shape) + (2,))


def _split_one_key(k0, k1, shape, partitionable):
    num = math.prod(shape)
    _check_size(num)
    if not partitionable:
        return _split_legacy(k0, k1, shape)
    out = np.empty((num, 2), _U32)

    def body(s, e):
        x0, x1 = counters_block(k0, k1, s, e)
        out[s:e, 0] = x0
        out[s:e, 1] = x1
    for_blocks(num, body)
    return out.reshape(shape + (2,))


def _batched(fn, data, out_tail_shape, out_dtype):
    """Apply a one-key kernel fn(k0, k1) to every key of data: uint32[..., 2]."""
    lead = data.shape[:-1]
    flat = data.reshape(-1, 2)
    out = np.empty((flat.shape[0],) + out_tail_shape, out_dtype)
    for i, (k0, k1) in enumerate(flat.tolist()):
        out[i] = fn(k0, k1)
    return out.reshape(lead + out_tail_shape)


def _many_keys_small(data, n):
    """Whether to hash all keys' counters in one vectorised call (many keys, few counters)."""
    return data.ndim > 1 and data.size > 2 and n < 4096


def _counters(n):
    idx = np.arange(n, dtype=np.uint64)
    return (idx >> np.uint64(32)).astype(_U32), idx.astype(_U32)


def random_bits_np(data, bit_width, shape, partitionable):
    """``random_bits`` of raw key data uint32[..., 2]: shape data.shape[:-1] + shape."""
    shape = tuple(shape)
    n = math.prod(shape)
    dtype = UINT_DTYPES[bit_width]
    if _many_keys_small(data, n):
        _check_size(n)
        k0, k1 = data[..., 0, None], data[..., 1, None]
        if not partitionable:
            out = _bits_legacy(k0, k1, bit_width, n)
        else:
            hi, lo = _counters(n)
            y0, y1 = threefry2x32(k0, k1, hi, lo)
            if bit_width == 64:
                out = (y0.astype(_U64) << np.uint64(32)) | y1
            else:
                out = (y0 ^ y1).astype(dtype)
        return out.reshape(data.shape[:-1] + shape)
    out = _batched(lambda k0, k1: _bits_one_key(k0, k1, bit_width, n, partitionable),
                   data, (n,), dtype)
    return out.reshape(data.shape[:-1] + shape)


def random_split_np(data, shape, partitionable):
    """``random_split`` of raw key data: uint32[..., *shape, 2]."""
    shape = tuple(shape)
    n = math.prod(shape)
    if _many_keys_small(data, n):
        k0, k1 = data[..., 0, None], data[..., 1, None]
        if not partitionable:
            return _split_legacy(k0, k1, shape).reshape(data.shape[:-1] + shape + (2,))
        hi, lo = _counters(n)
        y0, y1 = threefry2x32(k0, k1, hi, lo)
        return np.stack([y0, y1], axis=-1).reshape(data.shape[:-1] + shape + (2,))
    return _batched(lambda k0, k1: _split_one_key(k0, k1, shape, partitionable), data,
                    shape + (2,), _U32)


def random_fold_in_np(data, msgs):
    """``random_fold_in``: threefry(key, (0, msg)) as the new key (both layouts)."""
    shape = np.broadcast_shapes(data.shape[:-1], msgs.shape)
    y0, y1 = threefry2x32(data[..., 0], data[..., 1], np.zeros((), _U32), msgs)
    y0 = np.broadcast_to(y0, shape)
    y1 = np.broadcast_to(y1, shape)
    return np.stack([y0, y1], axis=-1)


def seed_np(seeds):
    """``threefry_seed``: (hi, lo) words of each integer seed, as uint32[..., 2].

    hi is a logical shift right by 32 in the seed's own dtype (0 for 8/16/32-bit seeds, as XLA
    shifts by >= the bit width give 0); lo is the value's low 32 bits (sign-extended first).
    """
    if seeds.dtype.itemsize == 8:
        u = seeds.view(np.uint64) if seeds.dtype.kind == "i" else seeds
        hi = (u >> np.uint64(32)).astype(_U32)
    else:
        hi = np.zeros(seeds.shape, _U32)
    lo = seeds.astype(np.int64).astype(np.uint64).astype(_U32) if seeds.dtype.kind == "i" \
        else seeds.astype(np.uint64).astype(_U32)
    return np.stack([hi, lo], axis=-1)


# ----------------------------------------------------------------------------------------------
# PRNG implementations and key buffers


class PRNGImpl:
    """A PRNG implementation: its name, tag and key shape (only threefry2x32 is provided)."""

    __slots__ = ("name", "tag", "key_shape", "key_dtype")

    def __init__(self, name, tag, key_shape):
        self.name, self.tag, self.key_shape = name, tag, tuple(key_shape)
        self.key_dtype = dtypes.make_key_dtype(tag, key_shape)

    def __str__(self):
        return self.tag

    def __repr__(self):
        return (f"PRNGImpl(key_shape={self.key_shape}, seed=<function threefry_seed>, "
                "split=<function threefry_split>, random_bits=<function threefry_random_bits>, "
                f"fold_in=<function threefry_fold_in>, name={self.name!r}, tag={self.tag!r})")

    def __hash__(self):
        return hash(self.tag)

    def __eq__(self, other):
        return isinstance(other, PRNGImpl) and other.tag == self.tag


threefry_prng_impl = PRNGImpl("threefry2x32", "fry", (2,))
prngs = {threefry_prng_impl.name: threefry_prng_impl}
_impl_of_dtype = {threefry_prng_impl.key_dtype: threefry_prng_impl}


def impl_of_key_dtype(dt):
    return _impl_of_dtype[dt]


def keys_from_data(data, impl):
    """uint32[..., *key_shape] -> the key array buffer of shape data.shape[:-1]."""
    data = np.ascontiguousarray(data, _U32)
    return data.view(impl.key_dtype).reshape(data.shape[:-len(impl.key_shape)])


def data_from_keys(keys):
    """The uint32[..., *key_shape] view of a key array buffer."""
    return keys[keys.dtype.names[0]]


def _never_weak(flags, params):
    return False


def _key_prim(name, abstract_eval, impl, multiple_results=False):
    p = Primitive(name, multiple_results)
    p.impl = impl
    p.abstract_eval = abstract_eval
    p.weak_type_rule = _never_weak
    ad.defjvp_zero(p)
    return p


def _vectorized_batch(p):
    """Batching of a primitive that maps over the leading (key) dimensions of its operand."""
    def rule(vals, dims, **params):
        (x,), (d,) = vals, dims
        return p.bind(x, **params), d
    return rule


def _check_key_aval(name, aval):
    if not dtypes.is_key_dtype(aval.dtype):
        raise TypeError(f"{name} takes key array operand, got keys.dtype={aval.dtype}")


# random_seed: integer seeds -> keys.

def _random_seed_abstract(seeds, *, impl):
    if seeds.dtype.kind not in "iu":
        raise TypeError(f"PRNG key seed must be an integer; got {seeds}")
    return ShapedArray(seeds.shape, impl.key_dtype)


random_seed_p = _key_prim(
    "random_seed", _random_seed_abstract,
    lambda seeds, *, impl: keys_from_data(seed_np(seeds), impl))
random_seed_p.batch = _vectorized_batch(random_seed_p)


# random_wrap / random_unwrap: raw uint32 key data <-> keys.

def _random_wrap_abstract(data, *, impl):
    n = len(impl.key_shape)
    if data.dtype != _U32 or data.shape[len(data.shape) - n:] != impl.key_shape:
        raise TypeError(f"random_wrap: invalid key data {data}")
    return ShapedArray(data.shape[:len(data.shape) - n], impl.key_dtype)


def _random_wrap_batch(vals, dims, *, impl):
    (x,), (d,) = vals, dims
    return random_wrap_p.bind(batching.moveaxis(x, d, 0), impl=impl), 0


random_wrap_p = _key_prim("random_wrap", _random_wrap_abstract,
                          lambda data, *, impl: keys_from_data(data, impl))
random_wrap_p.batch = _random_wrap_batch


def _random_unwrap_abstract(keys):
    _check_key_aval("random_unwrap", keys)
    return ShapedArray(keys.shape + impl_of_key_dtype(keys.dtype).key_shape, _U32)


random_unwrap_p = _key_prim("random_unwrap", _random_unwrap_abstract, data_from_keys)
random_unwrap_p.batch = _vectorized_batch(random_unwrap_p)


# random_bits / random_split / random_fold_in on keys. ``partitionable`` is the counter layout
# in force when the primitive was bound (jax_threefry_partitionable), hidden when printing.

def _random_bits_abstract(keys, *, bit_width, shape, partitionable):
    _check_key_aval("random_bits", keys)
    if bit_width not in UINT_DTYPES:
        raise TypeError("requires 8-, 16-, 32- or 64-bit field width.")
    return ShapedArray(keys.shape + tuple(shape), UINT_DTYPES[bit_width])


def _random_bits_impl(keys, *, bit_width, shape, partitionable):
    return random_bits_np(data_from_keys(keys), bit_width, shape, partitionable)


random_bits_p = _key_prim("random_bits", _random_bits_abstract, _random_bits_impl)
random_bits_p.batch = _vectorized_batch(random_bits_p)
random_bits_p.pp_params = lambda params: [("bit_width", params["bit_width"]),
                                          ("shape", params["shape"])]


def _random_split_abstract(keys, *, shape, partitionable):
    _check_key_aval("random_split", keys)
    return ShapedArray(keys.shape + tuple(shape), keys.dtype)


def _random_split_impl(keys, *, shape, partitionable):
    impl = impl_of_key_dtype(keys.dtype)
    return keys_from_data(random_split_np(data_from_keys(keys), shape, partitionable), impl)


random_split_p = _key_prim("random_split", _random_split_abstract, _random_split_impl)
random_split_p.batch = _vectorized_batch(random_split_p)
random_split_p.pp_params = lambda params: [("shape", params["shape"])]


def _random_fold_in_abstract(keys, msgs):
    _check_key_aval("random_fold_in", keys)
    if msgs.dtype != _U32:
        raise TypeError(f"random_fold_in requires uint32 data, got {msgs.dtype.name}")
    return ShapedArray(broadcast_shapes_rule("random_fold_in", keys.shape, msgs.shape),
                       keys.dtype)


def _random_fold_in_impl(keys, msgs):
    impl = impl_of_key_dtype(keys.dtype)
    return keys_from_data(random_fold_in_np(data_from_keys(keys), msgs), impl)


random_fold_in_p = _key_prim("random_fold_in", _random_fold_in_abstract, _random_fold_in_impl)
random_fold_in_p.batch = batching.batch_elementwise(random_fold_in_p)


# threefry2x32: the hash itself on uint32 operands (jax.random.threefry_2x32 uses it).

def _threefry2x32_abstract(*args):
    if any(a.dtype != _U32 for a in args):
        raise TypeError("Arguments to threefry2x32 must have uint32 type, got "
                        f"{[a for a in args]}")
    shape = broadcast_shapes_rule("threefry2x32", *(a.shape for a in args))
    return [ShapedArray(shape, _U32)] * 2


threefry2x32_p = _key_prim("threefry2x32", _threefry2x32_abstract,
                           lambda k0, k1, x0, x1: list(threefry2x32(k0, k1, x0, x1)),
                           multiple_results=True)
_threefry_batch_one = batching.batch_elementwise(threefry2x32_p)


def _threefry2x32_batch(vals, dims):
    outs, d = _threefry_batch_one(vals, dims)
    return outs, [d, d]


threefry2x32_p.batch = _threefry2x32_batch


def partitionable():
    return bool(config.jax_threefry_partitionable)


# ----------------------------------------------------------------------------------------------
# Fused eager pipelines for uniform and normal (one key, concrete): bits -> floats per block.
# They compute exactly what the primitive-by-primitive path computes.

def _uniform_floats(bits, dtype):
    """bits (uint32/uint64 of the dtype's width) -> floats in [0, 1) (mantissa trick)."""
    if dtype == _F32:
        np.right_shift(bits, np.uint32(9), out=bits)
        np.bitwise_or(bits, np.uint32(0x3F800000), out=bits)
        f = bits.view(_F32)
    else:
        np.right_shift(bits, np.uint64(12), out=bits)
        np.bitwise_or(bits, np.uint64(0x3FF0000000000000), out=bits)
        f = bits.view(_F64)
    np.subtract(f, dtype.type(1), out=f)
    return f


def _scale(f, lo, hi):
    """max(lo, fma(f, hi - lo, lo)), in place where possible."""
    dtype = f.dtype
    span = dtype.type(hi - lo)
    if span == 1 and lo == 0:
        return f
    if span == 2 or span == 1:  # f * span is exact: the FMA is a single rounding of the add
        if span == 2:
            np.multiply(f, span, out=f)
        np.add(f, lo, out=f)
    else:
        f[...] = fma32(f, span, lo) if dtype == _F32 else fma64(f, span, lo)
    np.maximum(f, lo, out=f)
    return f


def _one_key(data):
    if data.shape != (2,):
        raise ValueError("fused sampler expects one key")
    return int(data[0]), int(data[1])


def _bits_for(data, bit_width, n, partitionable):
    k0, k1 = _one_key(data)
    return _bits_one_key(k0, k1, bit_width, n, partitionable)


def uniform_np(data, shape, dtype, lo, hi, partitionable):
    """``uniform`` of one raw key with scalar bounds, for float32/float64."""
    dtype = np.dtype(dtype)
    n = math.prod(shape)
    lo, hi = dtype.type(lo), dtype.type(hi)
    if dtype == _F32 and partitionable:
        out = np.empty(n, _F32)
        k0, k1 = _one_key(data)

        def body(s, e):
            f = _scale(_uniform_floats(bits32_block(k0, k1, s, e), _F32), lo, hi)
            out[s:e] = f
        for_blocks(n, body)
    else:
        b = _bits_for(data, dtype.itemsize * 8, n, partitionable)
        out = _scale(_uniform_floats(b, dtype), lo, hi)
    return out.reshape(shape)


def normal_np(data, shape, dtype, partitionable):
    """``normal`` (real) of one raw key: sqrt(2) * erf_inv(uniform(nextafter(-1, 0), 1))."""
    dtype = np.dtype(dtype)
    n = math.prod(shape)
    if dtype == _F32:
        table = _normal32_table(n)
        if partitionable:
            out = np.empty(n, _F32)
            k0, k1 = _one_key(data)

            def body(s, e):
                b = bits32_block(k0, k1, s, e)
                if table is not None:
                    np.right_shift(b, np.uint32(9), out=b)
                    np.take(table, b.astype(np.intp), out=out[s:e], mode="clip")
                else:
                    np.multiply(erf_inv32_fast(_normal32_u(b)), _SQRT2_32, out=out[s:e])
            for_blocks(n, body)
        else:
            b = _bits_for(data, 32, n, partitionable)
            if table is not None:
                out = table[(b >> np.uint32(9)).astype(np.intp)]
            else:
                out = erf_inv32_fast(_normal32_u(b)) * _SQRT2_32
        return out.reshape(shape)
    b = _bits_for(data, dtype.itemsize * 8, n, partitionable)
    u = _scale(_uniform_floats(b, dtype), np.nextafter(dtype.type(-1), dtype.type(0)),
               dtype.type(1))
    return (erf_inv64(u) * dtype.type(np.sqrt(2))).reshape(shape)


_SQRT2_32 = np.float32(np.sqrt(2))
_LO32 = np.nextafter(np.float32(-1), np.float32(0))


def _normal32_u(bits):
    """The uniform draw in [nextafter(-1, 0), 1) of normal's float32 path, from 32-bit words."""
    return _scale(_uniform_floats(bits, _F32), _LO32, np.float32(1))


# float32 normal samples take only 2**23 values (one per mantissa pattern of the uniform draw),
# so big or repeated draws look them up in a 32 MB table computed once with the exact kernel.
_TABLE_BITS = 23
_table_lock = threading.Lock()
_normal32 = {"table": None, "drawn": 0}


def _normal32_table(n):
    """The table of all float32 normal samples, built once enough samples were drawn."""
    state = _normal32
    if state["table"] is not None:
        return state["table"] if n >= 4096 else None
    state["drawn"] += n
    if n < (1 << 22) and state["drawn"] < (1 << 24):
        return None
    with _table_lock:
        if state["table"] is None:
            size = 1 << _TABLE_BITS
            table = np.empty(size, _F32)

            def body(s, e):
                m = np.add(_IOTA[:e - s], np.uint32(s))
                np.left_shift(m, np.uint32(32 - _TABLE_BITS), out=m)
                np.multiply(erf_inv32_fast(_normal32_u(m)), _SQRT2_32, out=table[s:e])
            for_blocks(size, body)
            state["table"] = table
    return state["table"]


# -- codegen (pyjax/_src/codegen_interface.py) ----------------------------------------------------

def _random_bits_codegen(kb, keys, *, bit_width, shape, partitionable):
    k0 = kb.convert(keys, _U32)  # a threefry key is two uint32 words, loaded as one uint64
    k1 = kb.convert(kb.shift_right_logical(keys, kb.const(32, _U64)), _U32)
    idx = kb.linear_index(len(kb.out_shape) - len(shape))  # the partitionable counter
    hi = kb.convert(kb.shift_right_logical(idx, kb.const(32, _U64)), _U32)
    lo = kb.convert(idx, _U32)
    y0, y1 = codegen_interface.threefry2x32(kb, k0, k1, hi, lo)
    if bit_width == 64:
        return kb.bit_or(kb.shift_left(kb.convert(y0, _U64), kb.const(32, _U64)),
                         kb.convert(y1, _U64))
    bits = kb.bit_xor(y0, y1)
    return bits if bit_width == 32 else kb.convert(bits, np.dtype(f"uint{bit_width}"))


random_bits_p.codegen = _random_bits_codegen
random_bits_p.codegen_supports = lambda avals, params: (
    bool(params["partitionable"]) and params["bit_width"] in (8, 16, 32, 64)
    and dtypes.is_key_dtype(avals[0].dtype) and avals[0].dtype.itemsize == 8)
threefry2x32_p.codegen = (
    lambda kb, k0, k1, x0, x1: list(codegen_interface.threefry2x32(kb, k0, k1, x0, x1)))


# The rejection samplers (random_gamma, random_poisson, random_binomial, cov_factor) live in
# random_rejection.py, which builds on this module; they are reached as random_bits.* too.
from pyjax._src.primitives.random_rejection import (  # noqa: E402,F401
    binomial_np, constant_in_xla, cov_factor_p, gamma_grad_np, gamma_np, poisson_np,
    random_binomial_p, random_gamma_grad_p, random_gamma_p, random_poisson_p)

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
cache; big arrays are split between two threads (NumPy releases the GIL in its loops).

Also here, because the samplers need them bit for bit:
- XLA:CPU's float kernels (log, log1p, erf, erf_inv with exact FMAs; float64 transcendentals
  from glibc through Python's math module) and primitives using them (``xla_log_p``, ...,
  ``fma_p``), printed under JAX's names;
- the fused eager pipelines of uniform/normal, and the 2**23-entry table of float32 normal
  samples used for big draws;
- the rejection samplers as primitives until pyjax has while_loop: ``random_gamma`` (with
  ``random_gamma_grad`` for its implicit gradient), ``random_poisson``, ``random_binomial``,
  and ``cov_factor`` (LAPACK potrf/syevd/gesdd) for multivariate_normal.
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.config import config
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives.common import broadcast_shapes_rule
from pyjax._src import xla_numerics

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)
_MASK32 = 0xFFFFFFFF
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32, 64: _U64}

# Elements per block: a few uint32 blocks fit in L2, and NumPy's per-call cost is amortised.
BLOCK = 1 << 15
# Arrays at least this big are split between threads.
_PARALLEL_MIN = 1 << 18
_NUM_THREADS = max(1, min(2, os.cpu_count() or 1))
_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(_NUM_THREADS, thread_name_prefix="pyjax-prng")
    return _pool


def for_blocks(n, body, block=BLOCK):
    """Run ``body(start, stop)`` over [0, n) in blocks; big ranges on several threads.

    Blocks never straddle a multiple of 2**32 (``block`` divides 2**32), so the high counter
    word is constant within a block. ``body`` must only write its own slice of the outputs.
    """
    starts = range(0, n, block)
    if n < _PARALLEL_MIN or _NUM_THREADS == 1 or getattr(_scratch, "in_pool", False):
        for s in starts:
            body(s, min(n, s + block))
        return
    chunks = [starts[i::_NUM_THREADS] for i in range(_NUM_THREADS)]

    def run(chunk):
        _scratch.in_pool = True  # nested calls from a worker run serially (no deadlock)
        try:
            for s in chunk:
                body(s, min(n, s + block))
        finally:
            _scratch.in_pool = False

    futures = [_executor().submit(run, c) for c in chunks[1:]]
    try:
        run(chunks[0])
    finally:
        for f in futures:
            f.result()


_scratch = threading.local()


def scratch(name, size, dtype=_U32):
    """A per-thread reusable buffer of at least ``size`` elements (its first ``size``)."""
    key = (name, np.dtype(dtype).str)
    bufs = getattr(_scratch, "bufs", None)
    if bufs is None:
        bufs = _scratch.bufs = {}
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(max(size, BLOCK), dtype)
    return buf[:size]


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
# XLA:CPU's float kernels, emulated exactly in NumPy (spec: random.md section 9, Appendix A).
#
# XLA:CPU contracts multiply-adds into FMAs and flushes denormals; its float32 log/log1p/erf/
# erf_inv are its own polynomial kernels, its float64 ones call glibc (== Python's math module)
# or are polynomials evaluated with FMAs. A float32 FMA is computed exactly in float64 (the
# product of two float32 is exact; the sum is rounded once to float64 and then to float32, and
# the rare double rounding -- the float64 sum landing exactly halfway between two float32 -- is
# detected and corrected). A float64 FMA uses error-free transformations and rounding to odd.

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_FLT_MIN = np.float32(np.finfo(np.float32).tiny)


def _f32(word):
    return np.array(word, np.uint32).view(np.float32)[()]


def fma32(a, b, c):
    """Exactly rounded float32 ``a * b + c`` (arrays or scalars, float32 values)."""
    p = np.multiply(a, b, dtype=_F64)
    s = np.add(p, c, out=p, dtype=_F64) if isinstance(p, np.ndarray) else p + np.float64(c)
    r = np.asarray(s).astype(_F32)
    _fix_double_rounding32(r, s, p_minus=None, a=a, b=b, c=c)
    return r


def _fix_double_rounding32(r, s, p_minus, a, b, c):
    """Correct r = f32(s) where s = f64(a*b + c) sits exactly halfway between two float32."""
    sb = np.asarray(s).view(np.uint64)
    mid = (sb & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if not mid.any():
        return
    idx = np.nonzero(mid.reshape(-1))[0]
    af = np.broadcast_to(np.asarray(a, _F64), r.shape).reshape(-1)[idx]
    bf = np.broadcast_to(np.asarray(b, _F64), r.shape).reshape(-1)[idx]
    cf = np.broadcast_to(np.asarray(c, _F64), r.shape).reshape(-1)[idx]
    p = af * bf
    sm = p + cf
    bp = sm - cf
    err = (p - bp) + (cf - (sm - bp))  # TwoSum: p + c == sm + err exactly
    nudged = np.where(err != 0, np.nextafter(sm, sm + err), sm).astype(_F32)
    r.reshape(-1)[idx] = nudged


def _ftz32(x):
    """Flush float32 denormals to (signed) zero in place, as XLA:CPU does."""
    tiny = np.abs(x) < _FLT_MIN
    if tiny.any():
        x[tiny] = np.copysign(np.float32(0), x[tiny])
    return x


def _flat_kernel(fn):
    """Run an elementwise kernel on a 1-d copy of its input, so 0-d inputs work too."""
    def wrapped(x):
        x = np.asarray(x)
        if x.ndim == 1:
            return fn(x)
        return np.asarray(fn(x.reshape(-1))).reshape(x.shape)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


_LOG32 = dict(
    a1=_f32(0x3D9021BB), a2=_f32(0xBDEBD1B8), b1=_f32(0xBDFE5D4F), b2=_f32(0x3E11E9BF),
    c1=_f32(0x3E4CCEAC), c2=_f32(0xBE7FFFFC), a3=_f32(0x3DEF251A), b3=_f32(0xBE2AAE50),
    c3=_f32(0x3EAAAAAA), q1=_f32(0xB95E8083), q2=_f32(0x3F318000), sqrthf=_f32(0x3F3504F3))


@_flat_kernel
def log32(v):
    """XLA:CPU's float32 log (Cephes-style polynomial, FMAs, denormals flushed)."""
    v = np.asarray(v, _F32)
    c = _LOG32
    x = np.maximum(v, _FLT_MIN)
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)) & np.uint32(0xFF)).astype(_F32)
    e -= np.float32(126)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32)
    small = m < c["sqrthf"]
    t = m - np.float32(1)
    t += np.where(small, m, np.float32(0))
    e -= small.astype(_F32)
    t2 = t * t
    t3 = t2 * t
    y = fma32(t, c["a1"], c["a2"])
    y1 = fma32(t, c["b1"], c["b2"])
    y2 = fma32(t, c["c1"], c["c2"])
    y = fma32(y, t, c["a3"])
    y1 = fma32(y1, t, c["b3"])
    y2 = fma32(y2, t, c["c3"])
    y = fma32(y, t3, y1)
    y = fma32(y, t3, y2)
    y = fma32(y, t3, e * c["q1"])
    out = fma32(e, c["q2"], (t - t2 * np.float32(0.5)) + y)
    out = np.asarray(out, _F32)
    out[v == 0] = -np.inf
    out[(v < 0) | np.isnan(v)] = np.nan
    out[v == np.inf] = np.inf
    out[(v > 0) & (v < _FLT_MIN)] = -np.inf  # denormal inputs are zeros
    return _ftz32(out)


_LOG1P_P = (4.52700008624452e-05, 0.49854102823193375, 6.578732594206104, 29.911919328553072,
            60.94966798098779, 57.11296359058554, 20.039553499201283)
_LOG1P_Q = (1.0, 15.062909083469192, 83.04756596796722, 221.76239823732857,
            309.09872225312057, 216.42788614495947, 60.11866049760384)
_LOG1P_P32 = tuple(np.float32(c) for c in _LOG1P_P)
_LOG1P_Q32 = tuple(np.float32(c) for c in _LOG1P_Q)


def _horner32(coeffs, t):
    p = fma32(coeffs[0], t, coeffs[1])
    for c in coeffs[2:]:
        p = fma32(p, t, c)
    return p


@_flat_kernel
def log1p32(x):
    """XLA:CPU's float32 log1p: a rational approximation for |x| < sqrt(2)-1, else log(1+x)."""
    x = np.asarray(x, _F32)
    small = np.abs(x) < np.float32(0.41421356237309503)
    out = np.empty_like(x)
    xs = x[small]
    if xs.size:
        x2 = xs * xs
        x3 = xs * x2
        r = _horner32(_LOG1P_P32, xs) / _horner32(_LOG1P_Q32, xs)
        out[small] = xs + (x2 * np.float32(-0.5) + x3 * r)
    big = ~small
    if big.any():
        out[big] = log32(x[big] + np.float32(1))
    return _ftz32(out)


_ERFINV32_SMALL = tuple(np.float32(c) for c in (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941))
_ERFINV32_BIG = tuple(np.float32(c) for c in (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
    -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))


@_flat_kernel
def erf_inv32(x):
    """XLA:CPU's float32 erf_inv (Giles' single-precision approximation, FMA Horner)."""
    x = np.asarray(x, _F32)
    w = -log1p32(x * -x)
    small = w < np.float32(5)
    out = np.empty_like(x)
    if small.all():
        p = _horner32(_ERFINV32_SMALL, w - np.float32(2.5))
        np.multiply(x, p, out=out)
    else:
        t = np.where(small, w - np.float32(2.5), np.sqrt(np.maximum(w, 0)) - np.float32(3))
        p_small = _horner32(_ERFINV32_SMALL, t)
        p_big = _horner32(_ERFINV32_BIG, t)
        np.multiply(x, np.where(small, p_small, p_big), out=out)
    ones = np.abs(x) == 1
    if ones.any():
        out[ones] = x[ones] * np.float32(np.inf)
    return _ftz32(out)


_ERF32_P = (np.float32(0.00022905065), _f32(0x3B5F5DA2), _f32(0x3D50B6EB), _f32(0x3E3DA740),
            _f32(0x3F906EBA))
_ERF32_Q = (np.float32(-1.1791603e-07), np.float32(2.3547966e-05), _f32(0x3A856D28),
            _f32(0x3C6687D4), _f32(0x3DE34C21), _f32(0x3EFEB44A), np.float32(1))


@_flat_kernel
def erf32(x):
    """XLA:CPU's float32 erf: x*P(x^2)/Q(x^2), and +-1 for |x| >= 3.832507."""
    x = np.asarray(x, _F32)
    x2 = x * x
    out = (x * _horner32(_ERF32_P, x2)) / _horner32(_ERF32_Q, x2)
    big = np.abs(x) >= np.float32(3.832507)
    out[big] = np.copysign(np.float32(1), x[big])
    return _ftz32(np.asarray(out, _F32))


_SPLITTER = np.float64(134217729.0)  # 2**27 + 1 (Veltkamp)


def _split64(a):
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def _two_sum(a, b):
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def fma64(a, b, c, b_split=None):
    """Exactly rounded float64 ``a * b + c``: error-free product and sums, then one final
    rounding of the high part plus the rest rounded to odd (Boldo & Melquiond)."""
    a = np.asarray(a, _F64)
    b = np.asarray(b, _F64)
    uh = a * b
    ah, al = _split64(a)
    bh, bl = _split64(b) if b_split is None else b_split
    ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl  # a*b == uh + ul exactly
    sh, sl = _two_sum(uh, np.asarray(c, _F64))
    th, tl = _two_sum(sl, ul)
    # v = th + tl rounded to odd: th unless inexact with an even last bit, then the neighbour
    # towards tl.
    tb = th.view(np.int64)
    bump = (tl != 0) & ((tb & 1) == 0)
    if np.any(bump):
        step = np.where((tl > 0) == (th > 0), 1, -1).astype(np.int64)
        th = np.where(bump, (tb + step).view(_F64), th)
        th = np.where(bump & (tb == 0), tl, th)  # th == 0: tl is exact and alone
    out = sh + th
    # Infinite or NaN intermediate results: the plain expression gives IEEE's answer.
    bad = ~np.isfinite(out) | ~np.isfinite(uh)
    if np.any(bad):
        out = np.where(bad, a * b + c, out)
    return out


def _horner64(coeffs, t):
    ts = _split64(np.asarray(t, _F64))
    p = fma64(np.float64(coeffs[0]), t, coeffs[1], ts)
    for c in coeffs[2:]:
        p = fma64(p, t, c, ts)
    return p


def _math_map(fn, x):
    """A Python math function (glibc's, as XLA:CPU calls for float64) over an array."""
    x = np.asarray(x, _F64)
    return np.fromiter(map(fn, x.reshape(-1).tolist()), _F64, x.size).reshape(x.shape)


def _safe_math(fn):
    def f(v):
        try:
            return fn(v)
        except (ValueError, OverflowError):
            return _MATH_SPECIAL[fn](v)
    return f


import math as _math  # noqa: E402


def _log_special(v):
    if v == 0:
        return -np.inf
    return np.nan


def _exp_special(v):
    return np.inf if v > 0 else 0.0


_MATH_SPECIAL = {_math.log: _log_special, _math.exp: _exp_special, _math.log1p: _log_special,
                 _math.tan: lambda v: np.nan}


_DBL_MIN = np.finfo(np.float64).tiny


def ftz(x):
    """Flush denormals to (signed) zero in place (float32 or float64), as XLA:CPU does."""
    tiny = np.abs(x) < (_FLT_MIN if x.dtype == _F32 else _DBL_MIN)
    if tiny.any():
        x[tiny] = np.copysign(x.dtype.type(0), x[tiny])
    return x


@_flat_kernel
def log64(x):
    """float64 log as XLA:CPU computes it (glibc's log)."""
    x = ftz(np.array(x, _F64))
    out = np.empty_like(x)
    ok = (x > 0) & np.isfinite(x)
    if ok.all():
        return _math_map(_math.log, x)
    out[ok] = _math_map(_math.log, x[ok])
    out[x == 0] = -np.inf
    out[x == np.inf] = np.inf
    out[(x < 0) | np.isnan(x)] = np.nan
    return out


_LOG1P_P64 = tuple(np.float64(c) for c in _LOG1P_P)
_LOG1P_Q64 = tuple(np.float64(c) for c in _LOG1P_Q)


@_flat_kernel
def log1p64(x):
    """XLA:CPU's float64 log1p: the rational kernel for |x| < sqrt(2)-1, else glibc log(1+x)."""
    x = np.asarray(x, _F64)
    small = np.abs(x) < 0.41421356237309503
    out = np.empty_like(x)
    xs = x[small]
    if xs.size:
        x2 = xs * xs
        x3 = xs * x2
        r = _horner64(_LOG1P_P64, xs) / _horner64(_LOG1P_Q64, xs)
        out[small] = xs + (x2 * -0.5 + x3 * r)
    big = ~small
    if big.any():
        out[big] = log64(x[big] + 1.0)
    return ftz(out)


_ERFINV64 = xla_numerics.ERF_INV_F64_COEFFS


@_flat_kernel
def erf_inv64(x):
    """XLA:CPU's float64 erf_inv (Giles' double-precision approximation, FMA Horner)."""
    x = np.asarray(x, _F64)
    w = -log1p64(-(x * x))
    out = np.empty_like(x)
    b1 = w < 6.25
    b2 = ~b1 & (w < 16)
    b3 = ~b1 & ~b2
    for mask, coeffs, shift, use_sqrt in ((b1, _ERFINV64[0], 3.125, False),
                                          (b2, _ERFINV64[1], 3.25, True),
                                          (b3, _ERFINV64[2], 5.0, True)):
        if mask.any():
            wm = w[mask]
            t = (np.sqrt(wm) if use_sqrt else wm) - shift
            out[mask] = _horner64(coeffs, t) * x[mask]
    ones = np.abs(x) == 1
    out[ones] = x[ones] * np.inf
    return out


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
# XLA-exact elementwise primitives used by the samplers. They print like JAX's (log, log1p,
# erf, erf_inv; fma is XLA's contraction of the multiply-add in ``uniform``), but their impls
# are the exact emulations above, so samples match JAX's bits eagerly and under jit alike.
# (If lax's own log/erf_inv/... adopt these kernels, the samplers can use lax's directly.)

from pyjax._src.primitives import common as _common  # noqa: E402
from pyjax._src.primitives import elementwise as _ew  # noqa: E402


def _by_dtype(f32_kernel, f64_kernel, fallback):
    def impl(x):
        dt = x.dtype
        if dt == _F32:
            return f32_kernel(x)
        if dt == _F64:
            return f64_kernel(x)
        if dt in (np.dtype(np.float16), dtypes.bfloat16):  # computed in float32, as XLA:CPU
            return f32_kernel(x.astype(_F32)).astype(dt)
        return fallback(x)
    return impl


def _erf64(x):
    return _math_map(_math.erf, x)


def _xla_unary(name, impl, accepted=_common.INEXACT):
    return _common.unary(name, accepted, impl)


xla_log_p = _xla_unary("log", _by_dtype(log32, log64, np.log))
xla_log1p_p = _xla_unary("log1p", _by_dtype(log1p32, log1p64, np.log1p))
def _erf_inv32_any(x):
    """erf_inv32 of any shape: the blocked fast kernel (two threads) when every |x| < 1."""
    flat = x.reshape(-1)
    if flat.size < 4096 or not (np.abs(flat) < 1).all():
        return erf_inv32(x)
    out = np.empty_like(flat)

    def body(s, e):
        out[s:e] = erf_inv32_fast(flat[s:e])
    for_blocks(flat.size, body)
    return out.reshape(x.shape)


xla_erf_inv_p = _xla_unary("erf_inv", _by_dtype(_erf_inv32_any, erf_inv64, None),
                           _common.FLOATING)
xla_erf_p = _xla_unary("erf", _by_dtype(erf32, _erf64, None), _common.FLOATING)


def _fma_impl(a, b, c):
    dt = a.dtype
    if dt == _F32:
        return np.asarray(fma32(a, b, c), _F32)
    if dt == _F64:
        return fma64(a, b, c)
    if dt in (np.dtype(np.float16), dtypes.bfloat16):
        # Exact in float64, rounded once more: a*b is exact and the sum's double rounding
        # cannot reach a 16-bit midpoint (at least 29 guard bits).
        return (a.astype(_F64) * b.astype(_F64) + c.astype(_F64)).astype(dt)
    return a * b + c


fma_p = _common.nary("fma", _common.FLOATING, _fma_impl, nargs=3)

_mul, _add, _div, _exp, _neg = (_ew.mul_p.bind, _ew.add_p.bind, _ew.div_p.bind, _ew.exp_p.bind,
                                _ew.neg_p.bind)


def _const_like(x, value):
    from pyjax._src.array import ArrayImpl
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


ad.defjvp(xla_log_p, lambda g, x: _div(g, x))
ad.defjvp(xla_log1p_p, lambda g, x: _div(g, _add(x, _const_like(x, 1))))
ad.defjvp2(xla_erf_inv_p, lambda g, ans, x: _mul(_const_like(x, np.sqrt(np.pi) / 2),
                                                 _mul(g, _exp(_mul(ans, ans)))))
ad.defjvp(xla_erf_p, lambda g, x: _mul(_const_like(x, 2 / np.sqrt(np.pi)),
                                       _mul(g, _exp(_neg(_mul(x, x))))))
ad.defjvp(fma_p, lambda g, a, b, c: _ew_bcast(_mul(g, b), a, b, c),
          lambda g, a, b, c: _ew_bcast(_mul(a, g), a, b, c),
          lambda g, a, b, c: _ew_bcast(g, a, b, c))


def _ew_bcast(t, *operands):
    return _ew._broadcast_to(t, _ew._out_shape(*operands))


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


# ----------------------------------------------------------------------------------------------
# Per-key scalar samples (many keys at once), for the rejection samplers below.

def _uniform_keys(data, dtype, partitionable):
    """uniform(key, (), dtype) for every key of data: uint32[n, 2] -> dtype[n]."""
    b = random_bits_np(data, dtype.itemsize * 8, (), partitionable)
    return _uniform_floats(np.ascontiguousarray(b), dtype)


def _normal_keys(data, dtype, partitionable):
    u = _scale(_uniform_keys(data, dtype, partitionable),
               np.nextafter(dtype.type(-1), dtype.type(0)), dtype.type(1))
    return (erf_inv32(u) if dtype == _F32 else erf_inv64(u)) * dtype.type(np.sqrt(2))


def _log(x):
    return log32(x) if x.dtype == _F32 else log64(x)


def _log1p(x):
    return log1p32(x) if x.dtype == _F32 else log1p64(x)


def _fma(a, b, c):
    return np.asarray(fma32(a, b, c) if np.asarray(a).dtype == _F32 else fma64(a, b, c))


def _rsqrt(x):
    # XLA:CPU's rsqrt is the hardware estimate refined by a Newton step: vendor-specific bits,
    # usually within an ulp of the correctly rounded value used here.
    return (1.0 / np.sqrt(x.astype(_F64))).astype(x.dtype)


def gamma_np(data, alpha, log_space, partitionable):
    """Marsaglia-Tsang gamma samples (JAX's ``_gamma_one``) for keys data: uint32[n, 2] and
    alphas: float[n], all elements at once; each element consumes its own key stream."""
    dtype = alpha.dtype
    t = dtype.type
    n = alpha.shape[0]
    boost_mask = alpha >= t(1)
    alpha_b = np.where(boost_mask, alpha, alpha + t(1))
    d = alpha_b - t(1 / 3)
    c = t(1 / 3) * _rsqrt(d)
    ks = random_split_np(data, (2,), partitionable)
    key, subkey = ks[:, 0].copy(), ks[:, 1]
    X = np.zeros(n, dtype)
    V = np.ones(n, dtype)
    U = np.full(n, 2, dtype)
    active = np.ones(n, bool)
    while active.any():
        idx = np.nonzero(active)[0]
        k3 = random_split_np(key[idx], (3,), partitionable)
        key[idx] = k3[:, 0]
        x_key = k3[:, 1].copy()
        u_key = k3[:, 2]
        m = idx.size
        x = np.zeros(m, dtype)
        v = np.full(m, -1, dtype)
        inner = np.ones(m, bool)
        ci = c[idx]
        while inner.any():
            j = np.nonzero(inner)[0]
            k2 = random_split_np(x_key[j], (2,), partitionable)
            x_key[j] = k2[:, 0]
            x[j] = _normal_keys(k2[:, 1], dtype, partitionable)
            v[j] = _fma(x[j], ci[j], t(1))  # 1 + x*c, contracted
            inner[j] = v[j] <= 0
        Xi = x * x
        Vi = v * v * v
        Ui = _uniform_keys(u_key, dtype, partitionable)
        X[idx], V[idx], U[idx] = Xi, Vi, Ui
        di = d[idx]
        cond = (Ui >= _fma(t(-0.0331), Xi * Xi, t(1))) & (
            _log(Ui) >= Xi * t(0.5) + di * ((t(1) - Vi) + _log(Vi)))
        active[idx] = cond
    if log_space:
        u = _uniform_keys(subkey, dtype, partitionable)
        log_samples = _log1p(-u)  # -exponential(subkey)
        log_boost = np.where(boost_mask | (log_samples == 0), t(0),
                             log_samples * (t(1) / alpha))
        return (_log(d) + _log(V)) + log_boost
    samples = t(1) - _uniform_keys(subkey, dtype, partitionable)
    boost = np.where(boost_mask, t(1), np.power(samples, t(1) / alpha))
    return (d * V) * boost


def gamma_grad_np(a, x):
    """d sample / d alpha of a Gamma(alpha) sample (implicit reparameterisation):
    -(dP/dalpha) / (dP/dx) with P the regularised lower incomplete gamma function."""
    import scipy.special as sp
    a64 = a.astype(_F64)
    x64 = x.astype(_F64)
    with np.errstate(all="ignore"):
        h = 1e-3 * a64
        d1 = (sp.gammainc(a64 + h, x64) - sp.gammainc(a64 - h, x64)) / (2 * h)
        d2 = (sp.gammainc(a64 + 2 * h, x64) - sp.gammainc(a64 - 2 * h, x64)) / (4 * h)
        dpda = (4 * d1 - d2) / 3  # Richardson: O(h**4)
        log_dpdx = (a64 - 1) * np.log(x64) - x64 - sp.gammaln(a64)
        out = -dpda * np.exp(-log_dpdx)
        out = np.where(x64 > 0, out, 0.0)
    return out.astype(a.dtype)


def poisson_np(data, lam, dtype, partitionable):
    """JAX's ``_poisson`` for one key: Knuth's method for lam < 10, transformed rejection
    (Hormann) otherwise; lam: float32 array of the output shape."""
    shape = lam.shape
    n = lam.size
    lamf = lam.reshape(-1)
    use_knuth = np.isnan(lamf) | (lamf < 10)
    out = np.zeros(n, np.int64)
    k0, k1 = _one_key(data)

    def uniform_all(kd):
        b = random_bits_np(kd, 32, (n,), partitionable)
        return _uniform_floats(np.ascontiguousarray(b), _F32)

    if use_knuth.any():
        lk = np.where(use_knuth, lamf, np.float32(0))
        k = np.zeros(n, np.int64)
        log_prod = np.zeros(n, _F32)
        rng = np.array([k0, k1], _U32)
        while (log_prod > -lk).any():
            s = random_split_np(rng, (2,), partitionable)
            rng, sub = s[0], s[1]
            k = np.where(log_prod > -lk, k + 1, k)
            log_prod = log_prod + log32(uniform_all(sub))
        out = np.where(use_knuth, k - 1, out)
    if (~use_knuth).any():
        lr = np.where(use_knuth, np.float32(1e5), lamf).astype(_F32)
        log_lam = log32(lr)
        b = fma32(np.float32(2.53), np.sqrt(lr), np.float32(0.931))
        a = fma32(np.float32(0.02483), b, np.float32(-0.059))
        inv_alpha = np.float32(1.1239) + np.float32(1.1328) / (b - np.float32(3.4))
        v_r = np.float32(0.9277) - np.float32(3.6224) / (b - np.float32(2))
        k_out = np.full(n, -1, _F32)
        accepted = np.zeros(n, bool)
        rng = np.array([k0, k1], _U32)
        import scipy.special as sp
        while (~accepted).any():
            s = random_split_np(rng, (3,), partitionable)
            rng = s[0]
            u = uniform_all(s[1]) - np.float32(0.5)
            v = uniform_all(s[2])
            us = np.float32(0.5) - np.abs(u)
            k = np.floor(fma32(np.float32(2) * a / us + b, u, lr) + np.float32(0.43))
            sv = log32(v * inv_alpha / (a / (us * us) + b))
            tv = fma32(k, log_lam, -lr) - sp.gammaln(k + np.float32(1)).astype(_F32)
            accept1 = (us >= np.float32(0.07)) & (v <= v_r)
            reject = (k < 0) | ((us < np.float32(0.013)) & (v > us))
            accept = accept1 | (~reject & (sv <= tv))
            k_out = np.where(accept, k, k_out)
            accepted |= accept
        out = np.where(use_knuth, out, k_out.astype(np.int64))
    out = np.where(lamf == 0, 0, out)
    return out.astype(dtype).reshape(shape)


# random_gamma (keys, a): one Marsaglia-Tsang sample per element of a; the key is split into
# one key per element (as JAX's random_gamma_p).

def _random_gamma_abstract(keys, a, *, log_space, partitionable):
    _check_key_aval("random_gamma", keys)
    return ShapedArray(a.shape, a.dtype)


def _random_gamma_impl(keys, a, *, log_space, partitionable):
    kd = data_from_keys(keys)
    lead = keys.shape
    per_key = math.prod(a.shape[len(lead):])
    kd = kd.reshape(-1, 2)
    alphas = a.reshape(kd.shape[0], per_key)
    elem_keys = random_split_np(kd, (per_key,), partitionable).reshape(-1, 2)
    out = gamma_np(elem_keys, alphas.reshape(-1), log_space, partitionable)
    return out.reshape(a.shape).astype(a.dtype)


def _random_gamma_batch(vals, dims, *, log_space, partitionable):
    k, a = vals
    dk, da = dims
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    k = batching.bdim_at_front(k, dk, size)
    a = batching.bdim_at_front(a, da, size)
    return random_gamma_p.bind(k, a, log_space=log_space, partitionable=partitionable), 0


random_gamma_p = Primitive("random_gamma")
random_gamma_p.impl = _random_gamma_impl
random_gamma_p.abstract_eval = _random_gamma_abstract
random_gamma_p.weak_type_rule = _never_weak
random_gamma_p.batch = _random_gamma_batch
random_gamma_p.pp_params = lambda params: [("log_space", params["log_space"])]

random_gamma_grad_p = _common.nary("random_gamma_grad", _common.FLOATING, gamma_grad_np)
random_gamma_grad_p.opt_outs["jvp"] = "JAX does not differentiate random_gamma_grad"


def _gamma_grad(sample, a, log_space):
    if log_space:
        samples = _exp(sample)
        aval = core.get_aval(samples)
        tiny = _const_like(samples, dtypes.finfo(aval.dtype).tiny)
        samples = _ew.select_n_p.bind(_ew.eq_p.bind(samples, _const_like(samples, 0)), samples,
                                      _ew._broadcast_to(tiny, aval.shape))
        return _div(random_gamma_grad_p.bind(a, samples), samples)
    return random_gamma_grad_p.bind(a, sample)


def _random_gamma_jvp(primals, tangents, *, log_space, partitionable):
    k, a = primals
    _, ga = tangents
    out = random_gamma_p.bind(k, a, log_space=log_space, partitionable=partitionable)
    if type(ga) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(core.get_aval(out)))
    return out, _mul(ga, _gamma_grad(out, a, log_space))


random_gamma_p.jvp = _random_gamma_jvp


# random_poisson (keys, lam): pyjax has no while_loop primitive yet, so JAX's two loops run
# inside one primitive. lam is float32 of the output shape; keys lead (batched by vmap).

def _random_poisson_abstract(keys, lam, *, dtype, partitionable):
    _check_key_aval("random_poisson", keys)
    return ShapedArray(lam.shape, dtype)


def _random_poisson_impl(keys, lam, *, dtype, partitionable):
    kd = data_from_keys(keys).reshape(-1, 2)
    lead = keys.shape
    lam = np.broadcast_to(lam, lead + lam.shape[len(lead):]) if lead else lam
    lams = lam.reshape((kd.shape[0],) + lam.shape[len(lead):])
    out = np.stack([poisson_np(kd[i], lams[i], dtype, partitionable)
                    for i in range(kd.shape[0])])
    return out.reshape(lam.shape)


random_poisson_p = Primitive("random_poisson")
random_poisson_p.impl = _random_poisson_impl
random_poisson_p.abstract_eval = _random_poisson_abstract
random_poisson_p.weak_type_rule = _never_weak
ad.defjvp_zero(random_poisson_p)


def _random_poisson_batch(vals, dims, *, dtype, partitionable):
    k, lam = vals
    dk, dl = dims
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    k = batching.bdim_at_front(k, dk, size)
    lam = batching.bdim_at_front(lam, dl, size)
    return random_poisson_p.bind(k, lam, dtype=dtype, partitionable=partitionable), 0


random_poisson_p.batch = _random_poisson_batch
random_poisson_p.pp_params = lambda params: [("dtype", params["dtype"])]


# cov_factor (cov) -> factor with factor @ factor.T == cov, for multivariate_normal: LAPACK's
# potrf / syevd / gesdd through SciPy (the same LAPACK routines jaxlib calls on CPU).

def _cov_factor_one(a, method):
    import scipy.linalg.lapack as lapack
    a = (a + a.T) / a.dtype.type(2) if method != "svd" else a  # JAX symmetrizes the input
    prefix = "s" if a.dtype == _F32 else "d"
    if method == "cholesky":
        c, info = getattr(lapack, prefix + "potrf")(a, lower=1, clean=1)
        return np.full_like(a, np.nan) if info else np.tril(c)
    if method == "eigh":
        w, v, info = getattr(lapack, prefix + "syevd")(a, compute_v=1, lower=1)
        return v * np.sqrt(w)[None, :]
    u, s, _, info = getattr(lapack, prefix + "gesdd")(a, compute_uv=1, full_matrices=1)
    return u * np.sqrt(s)[None, :]


def _cov_factor_impl(cov, *, method):
    flat = cov.reshape((-1,) + cov.shape[-2:])
    out = np.stack([_cov_factor_one(m, method) for m in flat]) if flat.shape[0] else flat.copy()
    return out.reshape(cov.shape).astype(cov.dtype)


def _cov_factor_abstract(cov, *, method):
    if cov.dtype not in (_F32, _F64):
        raise TypeError(f"cov_factor requires float32 or float64, got {cov.dtype.name}")
    return ShapedArray(cov.shape, cov.dtype)


def _cov_factor_batch(vals, dims, *, method):
    (x,), (d,) = vals, dims
    return cov_factor_p.bind(batching.moveaxis(x, d, 0), method=method), 0


cov_factor_p = Primitive("cov_factor")
cov_factor_p.impl = _cov_factor_impl
cov_factor_p.abstract_eval = _cov_factor_abstract
cov_factor_p.batch = _cov_factor_batch
cov_factor_p.opt_outs["jvp"] = "factor of a covariance: no derivative rule in pyjax yet"


# ----------------------------------------------------------------------------------------------
# A faster float32 erf_inv for the fused normal path (same bits as erf_inv32): float64 Horner
# steps in preallocated per-thread buffers, each branch evaluated only on its own elements.

_MID_MASK = np.uint64(0x1FFFFFFF)
_MID = np.uint64(0x10000000)


class _Fma32Chain:
    """Horner evaluation with exact float32 FMAs, in float64 scratch buffers."""

    def __init__(self, n):
        self.p64 = scratch("h_p64", n, _F64)
        self.s64 = scratch("h_s64", n, _F64)
        self.p32 = scratch("h_p32", n, _F32)
        self.u64 = scratch("h_u64", n, np.uint64)
        self.flag = scratch("h_flag", n, np.bool_)

    def horner(self, coeffs, t64, out32):
        """out32 = float32 Horner of coeffs (float32 values) at t64 (float64 of float32s)."""
        n = t64.shape[0]
        p64, s64, p32 = self.p64[:n], self.s64[:n], self.p32[:n]
        u64, flag = self.u64[:n], self.flag[:n]
        p64.fill(np.float64(coeffs[0]))
        for c in coeffs[1:]:
            c64 = np.float64(c)
            np.multiply(p64, t64, out=s64)
            np.add(s64, c64, out=s64)
            np.bitwise_and(s64.view(np.uint64), _MID_MASK, out=u64)
            np.equal(u64, _MID, out=flag)
            if flag.any():  # float64 sum exactly halfway between two float32: round by hand
                idx = np.nonzero(flag)[0]
                p = p64[idx] * t64[idx]
                sm = s64[idx]
                bp = sm - c64
                err = (p - bp) + (c64 - (sm - bp))
                s64[idx] = np.where(err != 0, np.nextafter(sm, sm + err), sm)
            np.copyto(p32, s64, casting="same_kind")
            np.copyto(p64, p32)
        np.copyto(out32, p32)
        return out32


def _log1p_neg32_fast(t, w, chain):
    """w = -log1p(-t) for float32 t = x*x in [0, 1), exactly as log1p32 (on -t)."""
    small = t < np.float32(0.41421356237309503)
    si = np.nonzero(small)[0]
    bi = np.nonzero(~small)[0]
    if si.size:
        a = -t[si]
        a64 = a.astype(_F64)
        pv = chain.horner(_LOG1P_P32, a64, np.empty_like(a))
        qv = chain.horner(_LOG1P_Q32, a64, np.empty_like(a))
        r = pv / qv
        a2 = a * a
        a3 = a * a2
        w[si] = -(a + (a2 * np.float32(-0.5) + a3 * r))
    if bi.size:
        w[bi] = -log32(np.float32(1) - t[bi])
    return w


def erf_inv32_fast(x):
    """erf_inv32 for float32 x in (-1, 1) (no NaN, no +-1), for the normal sampler."""
    n = x.shape[0]
    chain = _Fma32Chain(n)
    t = x * x
    w = _log1p_neg32_fast(t, np.empty_like(x), chain)
    p = np.empty_like(x)
    tt = w - np.float32(2.5)
    chain.horner(_ERFINV32_SMALL, tt.astype(_F64), p)
    big = np.nonzero(w >= np.float32(5))[0]
    if big.size:
        tb = np.sqrt(w[big]) - np.float32(3)
        p[big] = chain.horner(_ERFINV32_BIG, tb.astype(_F64), np.empty_like(tb))
    np.multiply(x, p, out=p)
    return _ftz32(p)


# random_binomial (keys, count, prob): JAX's binomial inversion (n*p <= 10) and BTRS loops,
# run inside one primitive (no while_loop primitive yet). count/prob: float arrays of the
# output shape, prob already folded to q = min(p, 1-p); returns the raw float samples.

_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_approx_tail(k):
    t = k.dtype.type
    use_tail = k <= 9
    kc = np.clip(k, t(0), t(9))  # (sic: JAX's approximation uses the clipped k)
    kp1sq = (kc + 1) * (kc + 1)
    approx = (t(1.0 / 12) - (t(1.0 / 360) - t(1.0 / 1260) / kp1sq) / kp1sq) / (kc + 1)
    table = np.array(_STIRLING_TAIL, k.dtype)
    return np.where(use_tail, table[np.floor(kc).astype(np.int32)], approx)


def binomial_np(data, count, prob, use_inversion, partitionable):
    dtype = prob.dtype
    t = dtype.type
    shape = prob.shape
    n = prob.size

    def uniform_all(kd):
        b = random_bits_np(kd, dtype.itemsize * 8, (n,), partitionable)
        return _uniform_floats(np.ascontiguousarray(b), dtype).reshape(shape)

    k0, k1 = _one_key(data)
    key = np.array([k0, k1], _U32)
    count_inv = np.where(use_inversion, count, t(0))
    log1minusprob = _log1p(-prob)
    num_geom = np.zeros(shape, dtype)
    geom_sum = np.zeros(shape, dtype)
    while (geom_sum <= count_inv).any():
        s = random_split_np(key, (2,), partitionable)
        sub, key = s[0], s[1]
        num_geom = np.where(geom_sum <= count_inv, num_geom + t(1), num_geom)
        u = uniform_all(sub)
        geom_sum = geom_sum + np.ceil(_log(u) / log1minusprob)
    inv = num_geom - t(1)

    count_b = np.where(use_inversion, t(1e4), count)
    q = np.where(use_inversion, t(0.5), prob)
    stddev = np.sqrt(count_b * q * (t(1) - q))
    b = t(1.15) + t(2.53) * stddev
    a = t(-0.0873) + t(0.0248) * b + t(0.01) * q
    c = count_b * q + t(0.5)
    v_r = t(0.92) - t(4.2) / b
    r = q / (t(1) - q)
    alpha = (t(2.83) + t(5.1) / b) * stddev
    m = np.floor((count_b + t(1)) * q)
    k_out = np.full(shape, -1, dtype)
    accepted = np.zeros(shape, bool)
    key = np.array([k0, k1], _U32)
    while (~accepted).any():
        s = random_split_np(key, (3,), partitionable)
        key = s[0]
        u = uniform_all(s[1]) - t(0.5)
        v = uniform_all(s[2])
        us = t(0.5) - np.abs(u)
        accept1 = (us >= t(0.07)) & (v <= v_r)
        k = np.floor((t(2) * a / us + b) * u + c)
        reject = (k < 0) | (k > count_b)
        with np.errstate(all="ignore"):
            lv = _log(v * alpha / (a / (us * us) + b))
            ub = ((m + t(0.5)) * _log((m + t(1)) / (r * (count_b - m + t(1))))
                  + (count_b + t(1)) * _log((count_b - m + t(1)) / (count_b - k + t(1)))
                  + (k + t(0.5)) * _log(r * (count_b - k + t(1)) / (k + t(1)))
                  + _stirling_approx_tail(m) + _stirling_approx_tail(count_b - m)
                  - _stirling_approx_tail(k) - _stirling_approx_tail(count_b - k))
        accept = accept1 | (~reject & (lv <= ub))
        k_out = np.where(accept, k, k_out)
        accepted |= accept
    return np.where(use_inversion, inv, k_out).astype(dtype)


def _random_binomial_impl(keys, count, prob, use_inversion, *, partitionable):
    kd = data_from_keys(keys).reshape(-1, 2)
    lead = keys.shape
    rest = prob.shape[len(lead):]
    outs = [binomial_np(kd[i], a.reshape(rest), b.reshape(rest), c.reshape(rest),
                        partitionable)
            for i, (a, b, c) in enumerate(zip(count.reshape((-1,) + rest),
                                              prob.reshape((-1,) + rest),
                                              use_inversion.reshape((-1,) + rest)))]
    return np.stack(outs).reshape(prob.shape) if outs else np.empty(prob.shape, prob.dtype)


def _random_binomial_batch(vals, dims, *, partitionable):
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return random_binomial_p.bind(*vals, partitionable=partitionable), 0


random_binomial_p = Primitive("random_binomial")
random_binomial_p.impl = _random_binomial_impl
random_binomial_p.abstract_eval = lambda keys, count, prob, inv, **_: ShapedArray(prob.shape,
                                                                                 prob.dtype)
random_binomial_p.weak_type_rule = _never_weak
random_binomial_p.batch = _random_binomial_batch
random_binomial_p.pp_params = lambda params: []
ad.defjvp_zero(random_binomial_p)

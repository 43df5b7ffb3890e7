"""Codegen rules of the random-bit primitives (pyjax/_src/primitives/random_bits.py).

Every other primitive declares its codegen rule beside its declaration (primitives/*.py); these
stay here until random_bits.py, which is being reworked, takes them in. They are written against
the kernel-builder interface (pyjax/_src/codegen_interface.py) like the others.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import dtypes

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def _random_bits_rule(kb, keys, *, bit_width, shape, partitionable):
    k0 = kb.convert(keys, _U32)  # a threefry key is two uint32 words, loaded as one uint64
    k1 = kb.convert(kb.shift_right_logical(keys, kb.const(32, _U64)), _U32)
    idx = kb.linear_index(len(kb.out_shape) - len(shape))
    hi = kb.convert(kb.shift_right_logical(idx, kb.const(32, _U64)), _U32)
    lo = kb.convert(idx, _U32)
    y0, y1 = codegen_interface.threefry2x32(kb, k0, k1, hi, lo)
    if bit_width == 64:
        return kb.bit_or(kb.shift_left(kb.convert(y0, _U64), kb.const(32, _U64)),
                         kb.convert(y1, _U64))
    bits = kb.bit_xor(y0, y1)
    return bits if bit_width == 32 else kb.convert(bits, np.dtype(f"uint{bit_width}"))


def _random_bits_supports(avals, params):
    key = avals[0].dtype
    return bool(params["partitionable"]) and params["bit_width"] in (8, 16, 32, 64) and \
        dtypes.is_key_dtype(key) and key.itemsize == 8


try:
    from pyjax._src.primitives import random_bits as rb
except ImportError:  # jax.random's primitives are optional here
    rb = None

if rb is not None:
    rb.random_bits_p.codegen = _random_bits_rule
    rb.random_bits_p.codegen_supports = _random_bits_supports
    rb.threefry2x32_p.codegen = (
        lambda kb, k0, k1, x0, x1: list(codegen_interface.threefry2x32(kb, k0, k1, x0, x1)))
    for _name, _fn in (("xla_log_p", "log_xla"), ("xla_log1p_p", "log1p_xla"),
                       ("xla_erf_inv_p", "erf_inv_xla"), ("xla_erf_p", "erf_xla")):
        _prim = getattr(rb, _name, None)
        if _prim is not None:
            _prim.codegen = codegen_interface.math_rule(_fn)
    if getattr(rb, "fma_p", None) is not None:
        rb.fma_p.codegen = lambda kb, a, b, c: kb.math("fma", a, b, c)

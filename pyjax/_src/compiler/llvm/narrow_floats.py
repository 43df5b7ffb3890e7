"""float16 and bfloat16 in kernels: stored as 16-bit words, computed in float32 registers.

A value of either dtype is held as the float32 equal to it. Each operation computes in float32
and rounds its result to the dtype (to nearest even), which is what NumPy's float16 loops and
ml_dtypes' bfloat16 loops do; for + - * / and sqrt the result is then the correctly rounded one
(float32 carries more than twice the bits of either format). Operations whose results are exact
(max/min, rem, negation, comparisons, floor/ceil/round, selections) skip the rounding.
Conversions follow NumPy and ml_dtypes: float64 -> float16 is rounded once (through float32
rounded to odd); everything else goes through float32 (so float64 -> bfloat16 rounds twice, as
ml_dtypes does).
"""
from __future__ import annotations

import numpy as np

from pyjax._src.codegen_interface import is_narrow_float
from pyjax._src.compiler.llvm import irtext

F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)

# Operations whose float results need no rounding to the narrow format.
EXACT_BINARY = frozenset(["max", "min", "rem"])
EXACT_MATH = frozenset(["floor", "ceil", "trunc", "round_even", "round_away", "is_finite"])


def elem_type(dtype):
    """The LLVM type of a kernel value of ``dtype`` in registers."""
    return "float" if is_narrow_float(dtype) else irtext.elem_type(dtype)


def mem_type(dtype):
    """The LLVM type of one element of ``dtype`` in memory."""
    return "i16" if is_narrow_float(dtype) else irtext.mem_type(dtype)


def load(f, v, dtype):
    """The float32 value of 16-bit words ``v`` of ``dtype``."""
    if dtype == F16:
        return f.cast("fpext", f.bitcast(v, "half"), "float")
    return f.bitcast(f.shl(f.cast("zext", v, "i32"), f.like(f.cast("zext", v, "i32"), 16)),
                     "float")


def _bf16_bits(f, v):
    """The float32 bits of ``v`` rounded to bfloat16 (low half zero); NaNs stay quiet NaNs."""
    b = f.as_int(v)
    odd = f.and_(f.lshr(b, f.like(b, 16)), f.like(b, 1))
    rounded = f.add(b, f.add(odd, f.like(b, 0x7FFF)))
    bits = f.select(f.isnan(v), f.or_(b, f.like(b, 0x00400000)), rounded)
    return f.and_(bits, f.like(b, -0x10000))


def store(f, v, dtype):
    """The 16-bit words of float32 values ``v`` (already of ``dtype``'s precision)."""
    if dtype == F16:
        return f.bitcast(f.cast("fptrunc", v, "half"), "i16")
    b = _bf16_bits(f, v)
    return f.cast("trunc", f.lshr(b, f.like(b, 16)), "i16")


def round_to(f, v, dtype):
    """float32 ``v`` rounded to ``dtype`` (kept as float32)."""
    if dtype == F16:
        return f.cast("fpext", f.cast("fptrunc", v, "half"), "float")
    return f.bitcast(_bf16_bits(f, v), "float")


def rounded_result(f, v, dtype, kind, op):
    """The result of operation (kind, op) on values of ``dtype``, rounded if needed."""
    if not is_narrow_float(dtype):
        return v
    if (kind == "binary" and op not in EXACT_BINARY) or (kind == "math" and op not in
                                                         EXACT_MATH):
        return round_to(f, v, dtype)
    return v


def _f64_to_f32_odd(f, x):
    """float64 -> float32 rounded to odd: then rounding that to float16 rounds x just once."""
    t = f.cast("fptrunc", x, "float")
    back = f.cast("fpext", t, "double")
    inexact = f.fcmp("one", back, x)
    bits = f.as_int(t)
    # Truncate toward zero (one step back if rounding went away from zero), then set the
    # sticky last bit.
    away = f.fcmp("ogt", f.fabs(back), f.fabs(x))
    bits = f.select(away, f.sub(bits, f.like(bits, 1)), bits)
    bits = f.select(inexact, f.or_(bits, f.like(bits, 1)), bits)
    return f.bitcast(bits, "float")


def involved(src, dst):
    return is_narrow_float(src) or is_narrow_float(dst)


def convert(f, x, src, dst, base):
    """convert_element_type from ``src`` to ``dst`` (one of them narrow); ``base`` converts
    between the other kernel dtypes (emit._convert)."""
    src, dst = np.dtype(src), np.dtype(dst)
    if is_narrow_float(src):
        src = F32
    if not is_narrow_float(dst):
        return base(f, x, src, dst)
    y = _f64_to_f32_odd(f, x) if (src == F64 and dst == F16) else base(f, x, src, F32)
    return round_to(f, y, dst)

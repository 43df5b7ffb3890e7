"""Element operations of kernels: arithmetic, comparisons, conversions and math functions on
LLVM values (scalars or vectors), with NumPy's semantics (llvm/emit.py applies them to the ops
of a KernelIR)."""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.codegen_interface import is_float
from pyjax._src.compiler.kernel import BOOL
from pyjax._src.compiler.llvm import mathlib, mathlib_inverse  # noqa: F401 (registers)
from pyjax._src.compiler.llvm import narrow_floats as narrow
from pyjax._src.compiler.llvm.irtext import BITS, Val, vec
from pyjax._src.compiler.llvm.narrow_floats import elem_type


def _signed(dtype):
    return np.dtype(dtype).kind == "i"




def _fp(dtype):
    return is_float(dtype)


def numpy_max(f, a, b, dtype):
    """np.maximum(a, b): (a >= b or isnan(a)) ? a : b; integers max; bool or."""
    if _fp(dtype):
        return f.select(f.or_(f.fcmp("oge", a, b), f.isnan(a)), a, b)
    if dtype == BOOL:
        return f.or_(a, b)
    return f.select(f.icmp("sge" if _signed(dtype) else "uge", a, b), a, b)


def numpy_min(f, a, b, dtype):
    if _fp(dtype):
        return f.select(f.or_(f.fcmp("ole", a, b), f.isnan(a)), a, b)
    if dtype == BOOL:
        return f.and_(a, b)
    return f.select(f.icmp("sle" if _signed(dtype) else "ule", a, b), a, b)


def _div_rem(f, op, x, y, dtype):
    if _fp(dtype):
        return f.fdiv(x, y) if op == "div" else mathlib.call(f, "fmod", [x, y])
    zero = f.icmp("eq", y, f.like(y, 0))
    bad = zero
    if _signed(dtype):
        bad = f.or_(zero, f.and_(f.icmp("eq", x, f.like(x, np.iinfo(dtype).min)),
                                 f.icmp("eq", y, f.like(y, -1))))
    ys = f.select(bad, f.like(y, 1), y)
    if op == "div":
        q = f.bin("sdiv" if _signed(dtype) else "udiv", x, ys)
        return f.select(zero, f.like(x, -1), q)
    r = f.bin("srem" if _signed(dtype) else "urem", x, ys)
    return f.select(zero, x, r)


def _shift(f, op, x, y, dtype):
    bits = BITS[x.elem]
    oor = f.icmp("uge", y, f.like(y, bits))
    ys = f.select(oor, f.like(y, 0), y)
    if op == "shl":
        return f.select(oor, f.like(x, 0), f.shl(x, ys))
    if op == "shr_logical":
        return f.select(oor, f.like(x, 0), f.lshr(x, ys))
    if _signed(dtype):
        fill = f.ashr(x, f.like(x, bits - 1))
        return f.select(oor, fill, f.ashr(x, ys))
    return f.select(oor, f.like(x, 0), f.lshr(x, ys))


def _binary(f, op, x, y, dtype):
    fp = _fp(dtype)
    if op == "add":
        return f.fadd(x, y) if fp else f.add(x, y)
    if op == "sub":
        return f.fsub(x, y) if fp else f.sub(x, y)
    if op == "mul":
        return f.fmul(x, y) if fp else (f.and_(x, y) if dtype == BOOL else f.mul(x, y))
    if op in ("div", "rem"):
        return _div_rem(f, op, x, y, dtype)
    if op == "max":
        return numpy_max(f, x, y, dtype)
    if op == "min":
        return numpy_min(f, x, y, dtype)
    if op == "and":
        return f.and_(x, y)
    if op == "or":
        return f.or_(x, y)
    if op == "xor":
        return f.xor(x, y)
    if op in ("shl", "shr_logical", "shr_arithmetic"):
        return _shift(f, op, x, y, dtype)
    raise NotImplementedError(op)


def _unary(f, op, x, dtype):
    fp = _fp(dtype)
    if op == "neg":
        return f.fneg(x) if fp else f.sub(f.like(x, 0), x)
    if op == "abs":
        if fp:
            return f.fabs(x)
        if not _signed(dtype):
            return x
        return f.intrinsic("abs", x, Val("false", "i1"))
    if op == "sign":
        one, zero = f.like(x, 1), f.like(x, 0)
        if fp:
            return f.select(f.fcmp("ogt", x, zero), one,
                            f.select(f.fcmp("olt", x, zero), f.like(x, -1), x))
        if _signed(dtype):
            return f.select(f.icmp("sgt", x, zero), one,
                            f.select(f.icmp("slt", x, zero), f.like(x, -1), zero))
        return f.select(f.icmp("ne", x, zero), one, zero)
    if op == "not":
        return f.not_(x)
    raise NotImplementedError(op)


_FCMP = {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"}


def _compare(f, op, x, y, dtype):
    if _fp(dtype):
        return f.fcmp(_FCMP[op], x, y)
    if op in ("eq", "ne"):
        return f.icmp(op, x, y)
    return f.icmp(("s" if _signed(dtype) else "u") + op, x, y)


def _convert(f, x, src, dst):
    src, dst = np.dtype(src), np.dtype(dst)
    if narrow.involved(src, dst):
        return narrow.convert(f, x, src, dst, _convert)
    de = elem_type(dst)
    if dst == BOOL:
        return f.fcmp("une", x, f.like(x, 0.0)) if _fp(src) else f.icmp("ne", x, f.like(x, 0))
    if src == BOOL:
        return f.cast("uitofp", x, de) if _fp(dst) else f.cast("zext", x, de)
    if _fp(src) and _fp(dst):
        return f.cast("fpext" if dst.itemsize > src.itemsize else "fptrunc", x, de)
    if _fp(dst):
        return f.cast("sitofp" if _signed(src) else "uitofp", x, de)
    if _fp(src):
        return _float_to_int(f, x, dst)
    if dst.itemsize == src.itemsize:
        return Val(x.name, vec(de, x.lanes))
    if dst.itemsize < src.itemsize:
        return f.cast("trunc", x, de)
    return f.cast("sext" if _signed(src) else "zext", x, de)


def _float_to_int(f, x, dst):
    """XLA's float -> int: truncate, saturate, NaN -> 0 (vector-friendly: plain fptosi/fptoui
    on a sanitised value, then the saturated lanes patched)."""
    de = elem_type(dst)
    bits = BITS[de]
    signed = _signed(dst)
    lo = -2.0 ** (bits - 1) if signed else 0.0
    top = 2.0 ** (bits - 1) if signed else 2.0 ** bits  # first value out of range (exact)
    xs = f.finite_or_zero(x)
    low = f.fcmp("olt", xs, f.like(x, lo))
    big = f.fcmp("oge", xs, f.like(x, top))
    xs = f.select(f.or_(low, big), f.like(x, 0.0), xs)
    r = f.cast("fptosi" if signed else "fptoui", xs, de)
    info = np.iinfo(dst)
    r = f.select(low, f.like(r, info.min), r)
    return f.select(big, f.like(r, info.max), r)


def _nextafter(f, x, y):
    ix = f.as_int(x)
    up = f.icmp("eq", f.fcmp("olt", x, y), f.fcmp("ogt", x, f.like(x, 0.0)))
    step = f.select(up, f.like(ix, 1), f.like(ix, -1))
    r = f.bitcast(f.add(ix, step), x.elem)
    tiny = f.bitcast(f.like(ix, 1), x.elem)
    r = f.select(f.fcmp("oeq", x, f.like(x, 0.0)), f.copysign(tiny, y), r)
    r = f.select(f.fcmp("oeq", x, y), y, r)
    return f.select(f.fcmp("uno", x, y), f.fadd(x, y), r)


def _math(f, name, args, dtype):
    x = args[0]
    if name == "sqrt":
        return f.sqrt(x)
    if name == "rsqrt":
        return f.fdiv(f.like(x, 1.0), f.sqrt(x))
    if name in ("floor", "ceil", "trunc"):
        return f.intrinsic(name, x)
    if name == "round_even":
        return f.roundeven(x)
    if name == "round_away":
        return f.round_away(x)
    if name == "is_finite":
        return f.fcmp("one", f.fabs(x), f.like(x, math.inf))
    if name == "popcount":
        return f.intrinsic("ctpop", x)
    if name == "clz":
        return f.intrinsic("ctlz", x, Val("false", "i1"))
    if name == "fma":
        return f.fma(*args)
    if name == "nextafter":
        return _nextafter(f, *args)
    return mathlib.call(f, name, args)

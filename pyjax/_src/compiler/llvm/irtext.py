"""A small builder of textual LLVM IR for vector code.

Building IR as text is several times faster in Python than through llvmlite.ir objects and lets
the code use any intrinsic directly. Values are (name, type) pairs; every value of a kernel body
is a vector of ``lanes`` elements (a scalar when lanes == 1). Types are LLVM type strings.
"""
from __future__ import annotations

import struct

import numpy as np

# NumPy dtype -> LLVM element type of kernel values (bool is i1 in registers, i8 in memory).
_ELEM = {"b": "i1", "i1": "i8", "i2": "i16", "i4": "i32", "i8": "i64", "u1": "i8", "u2": "i16",
         "u4": "i32", "u8": "i64", "f4": "float", "f8": "double"}


def elem_type(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "i1"
    return _ELEM[dtype.kind + str(dtype.itemsize)]


def mem_type(dtype):
    """The LLVM type of one element in memory."""
    t = elem_type(dtype)
    return "i8" if t == "i1" else t


BITS = {"i1": 1, "i8": 8, "i16": 16, "i32": 32, "i64": 64, "float": 32, "double": 64}
INT_OF_FLOAT = {"float": "i32", "double": "i64"}


def vec(elem, lanes):
    return elem if lanes == 1 else f"<{lanes} x {elem}>"


def mangle(ty):
    """The overloaded-intrinsic suffix of a type (v16f32, i64, p0)."""
    if ty.startswith("<"):
        n, _, e = ty[1:-1].split(" ", 2)
        return f"v{n}{mangle(e)}"
    if ty == "float":
        return "f32"
    if ty == "double":
        return "f64"
    if ty == "ptr":
        return "p0"
    return ty


def scalar_const(elem, value):
    """The text of a scalar constant of LLVM element type ``elem``."""
    if elem in ("float", "double"):
        v = float(value)
        if elem == "float":
            v = float(np.float32(v))  # LLVM needs the float exactly representable
        return "0x%016X" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if elem == "i1":
        return "true" if value else "false"
    bits = BITS[elem]
    v = int(value) & ((1 << bits) - 1)
    if v >= 1 << (bits - 1):
        v -= 1 << bits
    return str(v)


class Val:
    __slots__ = ("name", "ty")

    def __init__(self, name, ty):
        self.name, self.ty = name, ty

    def __str__(self):
        return f"{self.ty} {self.name}"

    @property
    def elem(self):
        return self.ty[1:-1].split(" ", 2)[2] if self.ty.startswith("<") else self.ty

    @property
    def lanes(self):
        return int(self.ty[1:].split(" ", 1)[0]) if self.ty.startswith("<") else 1


class Module:
    """A set of function definitions and intrinsic declarations."""

    def __init__(self):
        self.decls = {}
        self.functions = []
        self.defined = set()
        self.metadata = ['!0 = !{!"branch_weights", i32 1, i32 4000}',
                         '!1 = !{!"llvm.loop.unroll.disable"}']

    def no_unroll(self):
        """A fresh loop-metadata node that disables unrolling of one loop."""
        n = len(self.metadata)
        self.metadata.append(f"!{n} = distinct !{{!{n}, !1}}")
        return f"!{n}"

    def declare(self, name, ret, args, attrs=""):
        if name not in self.decls:
            self.decls[name] = f"declare {ret} @{name}({', '.join(args)}) {attrs}".rstrip()
        return name

    def text(self):
        # !0: the weights of rarely taken branches (slow paths); !1: no unrolling.
        return "\n".join(list(self.decls.values()) + self.functions + self.metadata) + "\n"


class Func:
    """One function being built: blocks of instructions, SSA names, and typed helpers."""

    def __init__(self, module, lanes):
        self.module = module
        self.lanes = lanes
        self.lines = []
        self.n = 0
        self.cur = None  # the label of the block being filled

    # -- plumbing ---------------------------------------------------------------------------
    def tmp(self):
        self.n += 1
        return f"%t{self.n}"

    def emit(self, ty, text):
        name = self.tmp()
        self.lines.append(f"  {name} = {text}")
        return Val(name, ty)

    def stmt(self, text):
        self.lines.append(f"  {text}")

    def label(self, name):
        self.lines.append(f"{name}:")
        self.cur = name

    def new_label(self, base):
        self.n += 1
        return f"{base}{self.n}"

    def vt(self, elem, lanes=None):
        return vec(elem, self.lanes if lanes is None else lanes)

    def const(self, elem, value, lanes=None):
        lanes = self.lanes if lanes is None else lanes
        c = scalar_const(elem, value)
        if lanes == 1:
            return Val(c, elem)
        return Val(f"splat ({elem} {c})", vec(elem, lanes))

    def like(self, x, value):
        """A constant with the type of ``x``."""
        return self.const(x.elem, value, x.lanes)

    def call(self, name, ret, args, decl_args=None, attrs=""):
        if name.startswith("llvm."):
            self.module.declare(name, ret, decl_args or [a.ty for a in args], attrs)
        text = f"call {ret} @{name}({', '.join(str(a) for a in args)})"
        if ret == "void":
            self.stmt(text)
            return None
        return self.emit(ret, text)

    def intrinsic(self, base, x, *rest, ret=None, suffix=None):
        """Call an overloaded intrinsic llvm.<base>.<mangled type of x>."""
        ret = ret or x.ty
        name = f"llvm.{base}.{suffix or mangle(x.ty)}"
        return self.call(name, ret, [x, *rest])

    # -- arithmetic -------------------------------------------------------------------------
    def bin(self, op, a, b, flags=""):
        return self.emit(a.ty, f"{op}{' ' + flags if flags else ''} {a.ty} {a.name}, {b.name}")

    def fadd(self, a, b):
        return self.bin("fadd", a, b)

    def fsub(self, a, b):
        return self.bin("fsub", a, b)

    def fmul(self, a, b):
        return self.bin("fmul", a, b)

    def fdiv(self, a, b):
        return self.bin("fdiv", a, b)

    def fneg(self, a):
        return self.emit(a.ty, f"fneg {a.ty} {a.name}")

    def fma(self, a, b, c):
        return self.intrinsic("fma", a, b, c)

    def add(self, a, b):
        return self.bin("add", a, b)

    def sub(self, a, b):
        return self.bin("sub", a, b)

    def mul(self, a, b):
        return self.bin("mul", a, b)

    def and_(self, a, b):
        return self.bin("and", a, b)

    def or_(self, a, b):
        return self.bin("or", a, b)

    def xor(self, a, b):
        return self.bin("xor", a, b)

    def shl(self, a, b):
        return self.bin("shl", a, b)

    def lshr(self, a, b):
        return self.bin("lshr", a, b)

    def ashr(self, a, b):
        return self.bin("ashr", a, b)

    def not_(self, a):
        return self.xor(a, self.like(a, -1))

    # -- comparisons and selection ---------------------------------------------------------
    def _bool_ty(self, x):
        return vec("i1", x.lanes)

    def fcmp(self, pred, a, b):
        return self.emit(self._bool_ty(a), f"fcmp {pred} {a.ty} {a.name}, {b.name}")

    def icmp(self, pred, a, b):
        return self.emit(self._bool_ty(a), f"icmp {pred} {a.ty} {a.name}, {b.name}")

    def select(self, c, a, b):
        return self.emit(a.ty, f"select {c}, {a}, {b}")

    def isnan(self, x):
        return self.fcmp("uno", x, x)

    # -- casts ------------------------------------------------------------------------------
    def cast(self, op, x, elem):
        ty = vec(elem, x.lanes)
        if ty == x.ty:
            return x
        return self.emit(ty, f"{op} {x} to {ty}")

    def bitcast(self, x, elem):
        return self.cast("bitcast", x, elem)

    def as_int(self, x):
        """The bits of a float vector as integers of the same width."""
        return self.bitcast(x, INT_OF_FLOAT[x.elem])

    def as_float(self, x, felem):
        return self.bitcast(x, felem)

    def sitofp(self, x, elem):
        return self.cast("sitofp", x, elem)

    def fptosi(self, x, elem):
        """Float to signed int, for x known finite and in range (llvm.fptosi.sat would be
        scalarised on x86)."""
        return self.cast("fptosi", x, elem)

    def finite_or_zero(self, x):
        """x with NaN lanes replaced by 0 (so conversions of it are never poison)."""
        return self.select(self.fcmp("uno", x, x), self.like(x, 0.0), x)

    # -- float utilities -------------------------------------------------------------------
    def fabs(self, x):
        return self.intrinsic("fabs", x)

    def sqrt(self, x):
        return self.intrinsic("sqrt", x)

    def floor(self, x):
        return self.intrinsic("floor", x)

    def ceil(self, x):
        return self.intrinsic("ceil", x)

    def trunc(self, x):
        return self.intrinsic("trunc", x)

    def roundeven(self, x):
        return self.intrinsic("roundeven", x)

    def round_away(self, x):
        return self.intrinsic("round", x)

    def copysign(self, mag, sgn):
        return self.intrinsic("copysign", mag, sgn)

    def horner(self, x, coeffs):
        """c0*x^n + ... + cn with FMAs (coefficients from the highest degree)."""
        acc = self.like(x, coeffs[0])
        for c in coeffs[1:]:
            acc = self.fma(acc, x, self.like(x, c))
        return acc

    def ldexp_k(self, x, k):
        """x * 2**k for an integer vector k (same width as x's bits) in the normal exponent range
        (the caller splits larger scales)."""
        ity = INT_OF_FLOAT[x.elem]
        mant = 23 if x.elem == "float" else 52
        bias = 127 if x.elem == "float" else 1023
        e = self.shl(self.add(k, self.like(k, bias)), self.like(k, mant))
        return self.fmul(x, self.bitcast(e, x.elem)) if ity else None

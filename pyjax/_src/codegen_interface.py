"""The kernel-builder interface that primitives' codegen rules are written against.

A primitive that can run inside a fused compiled kernel sets ``prim.codegen`` to a rule
``rule(kb, *operands, **params)``: ``kb`` is a :class:`KernelBuilder`, the operands are kernel
values (one element of each operand, already broadcast to the equation's output), and the rule
returns one kernel value (a list of them if the primitive has multiple results). The rule must
give exactly the primitive's impl results (bit for bit for integer and bit operations, within
float tolerance for floating-point math) on every dtype it accepts; it may refuse an equation it
cannot compile by setting ``prim.codegen_supports = lambda avals, params: bool`` as well.

Example (elementwise.py)::

    add_p.codegen = lambda kb, x, y: kb.add(x, y)
    exp_p.codegen = lambda kb, x: kb.math("exp", x)

The compiler (pyjax/_src/compiler) implements this interface; nothing here depends on it or on
LLVM. Values carry their NumPy dtype as ``v.dtype``; binary operations take operands of one
dtype. Kernels hold bool, signed and unsigned integers of 8 to 64 bits, float16, bfloat16,
float32 and float64 values; other dtypes make the compiler fall back to the primitive's impl.
float16/bfloat16 operations compute in float32 and round every result to the operand's format,
as NumPy's and ml_dtypes' loops do.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes as _dtypes

# Functions ``KernelBuilder.math`` accepts, with their arity. Float operands only, except
# popcount/clz (integers). Two-argument functions take NumPy's argument order (atan2(y, x) is
# np.arctan2(y, x)). Names ending in "_xla" are XLA:CPU's float32/float64 kernels
# reproduced bit for bit (the samplers of jax.random depend on them): XLA's log, log1p, erf,
# erf_inv, exp and rsqrt, and the C library's tan and pow that XLA calls, with denormals
# flushed to zero as XLA:CPU does.
MATH_FUNCTIONS = {
    "exp": 1, "exp2": 1, "expm1": 1, "log": 1, "log1p": 1, "sin": 1, "cos": 1, "tan": 1,
    "tanh": 1, "logistic": 1, "erf": 1, "erfc": 1, "erf_inv": 1, "sqrt": 1, "rsqrt": 1,
    "floor": 1, "ceil": 1, "trunc": 1, "round_even": 1, "round_away": 1, "is_finite": 1,
    "popcount": 1, "clz": 1, "pow": 2, "nextafter": 2, "fma": 3,
    "log_xla": 1, "log1p_xla": 1, "erf_xla": 1, "erf_inv_xla": 1, "exp_xla": 1, "tan_xla": 1,
    "rsqrt_xla": 1, "pow_xla": 2,
    "asin": 1, "acos": 1, "atan": 1, "atan2": 2, "sinh": 1, "cosh": 1, "asinh": 1,
    "acosh": 1, "atanh": 1, "cbrt": 1,
}

# Math functions that are one or a few instructions; the others are inlined polynomials
# costing about MATH_COST simple operations (what kernels' work estimates count).
CHEAP_MATH = frozenset({"sqrt", "rsqrt", "rsqrt_xla", "floor", "ceil", "trunc", "round_even",
                        "round_away", "is_finite", "popcount", "clz", "nextafter", "fma"})
MATH_COST = 16

BFLOAT16 = np.dtype(_dtypes.bfloat16)
NARROW_FLOATS = frozenset([np.dtype(np.float16), BFLOAT16])


def is_narrow_float(dtype):
    """float16 or bfloat16 (kernels compute them in float32)."""
    return np.dtype(dtype) in NARROW_FLOATS


def is_float(dtype):
    """A floating-point kernel dtype (bfloat16's NumPy kind is "V", not "f")."""
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or dtype == BFLOAT16


def no_narrow_floats(avals, params):
    """A ``codegen_supports`` rule: compile only equations without float16/bfloat16 operands."""
    return not any(is_narrow_float(a.dtype) for a in avals)


def math_rule(name):
    """The codegen rule of a primitive that is the math function ``name``."""
    return lambda kb, *args, **params: kb.math(name, *args)


def binary_rule(op):
    """The codegen rule of a primitive that is the binary operation ``op``."""
    return lambda kb, x, y: kb.binary(op, x, y)


def compare_rule(op):
    """The codegen rule of a comparison (``op`` in COMPARISONS)."""
    return lambda kb, x, y: kb.compare(op, x, y)

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")


# Index maps. A layout rule maps each dim of its output to an *entry* saying which element of
# the iteration space it reads: None (index 0: a broadcast or size-1 dim), an int d (the
# iteration index along dim d), or a tuple (d, step, offset) for step * index_d + offset (d may
# be None: the constant offset).

def entry_parts(entry):
    """(iteration dim or None, step, offset) of an index-map entry."""
    if entry is None:
        return None, 0, 0
    if type(entry) is tuple:
        return entry
    return entry, 1, 0


def shifted_entry(entry, start, step=1):
    """The entry of ``start + step * i`` where ``i`` is given by ``entry`` (slices)."""
    d, s, o = entry_parts(entry)
    s, o = s * step, start + o * step
    if d is None or s == 0:
        return None if o == 0 else (None, 0, o)
    return d if (s, o) == (1, 0) else (d, s, o)


class KernelBuilder:
    """The operations a codegen rule may use. Every method returns a new kernel value.

    ``kb.out_shape`` is the shape of the output of the equation whose rule is running.

    Semantics follow XLA (and the primitives' NumPy impls): integer arithmetic wraps; integer
    division truncates, x / 0 is -1 (all ones) and x % 0 is x; shifts by the bit width or more
    give 0 (or the sign for arithmetic right shifts); float max/min propagate NaN; float to
    integer conversion truncates and saturates, NaN -> 0.
    """

    # -- values -----------------------------------------------------------------------------
    def const(self, value, dtype):
        """A constant of ``dtype``."""
        raise NotImplementedError

    def coordinate(self, dim):
        """The int64 index of the current element along output dimension ``dim``."""
        raise NotImplementedError

    def linear_index(self, start_dim=0):
        """The uint64 row-major index of the current element within output dims [start_dim:]."""
        raise NotImplementedError

    # -- arithmetic -------------------------------------------------------------------------
    def add(self, x, y):
        return self.binary("add", x, y)

    def sub(self, x, y):
        return self.binary("sub", x, y)

    def mul(self, x, y):
        return self.binary("mul", x, y)

    def div(self, x, y):
        return self.binary("div", x, y)

    def rem(self, x, y):
        return self.binary("rem", x, y)

    def max(self, x, y):
        return self.binary("max", x, y)

    def min(self, x, y):
        return self.binary("min", x, y)

    def neg(self, x):
        return self.unary("neg", x)

    def abs(self, x):
        return self.unary("abs", x)

    def sign(self, x):
        return self.unary("sign", x)

    # -- bits -------------------------------------------------------------------------------
    def bit_and(self, x, y):
        return self.binary("and", x, y)

    def bit_or(self, x, y):
        return self.binary("or", x, y)

    def bit_xor(self, x, y):
        return self.binary("xor", x, y)

    def bit_not(self, x):
        return self.unary("not", x)

    def shift_left(self, x, y):
        return self.binary("shl", x, y)

    def shift_right_logical(self, x, y):
        return self.binary("shr_logical", x, y)

    def shift_right_arithmetic(self, x, y):
        return self.binary("shr_arithmetic", x, y)

    def rotate_left(self, x, amount):
        """``x`` (unsigned) rotated left by the Python int ``amount``."""
        raise NotImplementedError

    # -- comparisons, selection, conversions -------------------------------------------------
    def compare(self, op, x, y):
        """A bool value: ``op`` is one of COMPARISONS (floats: ordered, except ``ne``)."""
        raise NotImplementedError

    def select(self, pred, on_true, on_false):
        raise NotImplementedError

    def convert(self, x, dtype):
        """convert_element_type's semantics (XLA's), to ``dtype``."""
        raise NotImplementedError

    def bitcast(self, x, dtype):
        """The bits of ``x`` reinterpreted as ``dtype`` (same width)."""
        raise NotImplementedError

    def math(self, name, *args):
        """A function of MATH_FUNCTIONS, elementwise."""
        raise NotImplementedError

    # -- generic ----------------------------------------------------------------------------
    def unary(self, op, x):
        raise NotImplementedError

    def binary(self, op, x, y):
        raise NotImplementedError

    @staticmethod
    def dtype(x):
        return x.dtype


def threefry2x32(kb, k0, k1, x0, x1):
    """Threefry-2x32 (20 rounds) on uint32 kernel values: returns (y0, y1).

    The same hash as primitives/random_bits.threefry2x32, written with kernel-builder ops so
    random bits can be generated inside fused kernels.
    """
    u32 = np.dtype(np.uint32)
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    k2 = kb.bit_xor(kb.bit_xor(k0, k1), kb.const(0x1BD11BDA, u32))
    ks = (k0, k1, k2)
    x0 = kb.add(x0, k0)
    x1 = kb.add(x1, k1)
    for g in range(5):
        for r in rotations[g & 1]:
            x0 = kb.add(x0, x1)
            x1 = kb.bit_xor(kb.rotate_left(x1, r), x0)
        x0 = kb.add(x0, ks[(g + 1) % 3])
        x1 = kb.add(kb.add(x1, ks[(g + 2) % 3]), kb.const(g + 1, u32))
    return x0, x1

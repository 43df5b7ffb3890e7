"""Complex arithmetic as pairs of real equations, so that kernels compute it.

Kernels hold real, integer and bool values only. ``lower(jaxpr)`` (run on the optimised program,
before fusion) rewrites equations on complex64/complex128 values into equations on their real
and imaginary parts (float32/float64) made of primitives with codegen rules, which fusion then
puts into kernels like any real program. Linear in the program's size.

Boundaries:

- a complex value made outside the lowered equations (a program input, a fallback's result) is
  *split*: ``complex_parts`` (a zero-copy float view of shape ``shape + (2,)``, run as a
  fallback step) then ``slice`` + ``squeeze`` per part, which kernels read as strided loads;
  a complex scalar literal is split at compile time;
- a lowered complex value needed by something not lowered (a fallback, a program output) is
  *joined* by ``complex`` (its impl: one NumPy pass), once; a value whose original exists is reused.

Equations are lowered by connected groups (through complex values), and a group only when it
pays: when it does some arithmetic, its values are larger than fusion.SMALL, and the splits and
joins it needs are no more than the fallback steps it removes. Anything without a rule below
stays a fallback on complex values.

Formulas (float32 parts compute abs, sqrt, exp and log in float64, which cannot overflow and
rounds once; float64 parts scale): mul and square as NumPy (a*c - b*d, a*d + b*c), div and
reciprocal by Smith's algorithm as NumPy, abs by a scaled hypot, sqrt by the half-angle formula,
log as log|z| + i atan2(b, a) (log1p with an exact m*m - 1 near the unit circle), exp and expm1
with overflow-safe scaling, sin/cos through sinh/cosh. Results agree with NumPy's within a few
ulps; the special values of C99 Annex G are kept for abs, sqrt, exp and log (see the tests for
the ones that differ from NumPy and are accepted).
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.core import Jaxpr, JaxprEqn, Literal, ShapedArray, Var
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as red
from pyjax._src.primitives import structural as st
from pyjax._src.primitives.common import COMPLEX, standard_primitive

_PART = {np.dtype(np.complex64): np.dtype(np.float32),
         np.dtype(np.complex128): np.dtype(np.float64)}
_F64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)
_INT_OF = {np.dtype(np.float32): np.dtype(np.int32), np.dtype(np.float64): np.dtype(np.int64)}


# ----------------------------------------------------------------------------------------------
# The boundary primitive (only the compiled executable runs it; joins use complex_p)

def _parts_impl(x):
    x = np.ascontiguousarray(x)
    return x.reshape(-1).view(_PART[x.dtype]).reshape(x.shape + (2,))


complex_parts_p = standard_primitive(
    "complex_parts", lambda x: x.shape + (2,), lambda x: _PART[x.dtype], _parts_impl)
complex_parts_p.opt_outs = {"jvp": "internal to the compiler (runs after differentiation)",
                           "batch": "internal to the compiler (runs after batching)"}


def _is_complex(v):
    return v.aval.dtype in COMPLEX


def _size(aval):
    return math.prod(aval.shape)


def _broadcast_shape(*shapes):
    shapes = [s for s in shapes if s]
    if not shapes:
        return ()
    return tuple(max(ds) if 0 not in ds else 0 for ds in zip(*shapes))


# ----------------------------------------------------------------------------------------------
# Emitting real equations


class _Emitter:
    """Builds the lowered equation list; parts of complex values are (re, im) atoms, which are
    either of the value's shape or rank-0 (a part that is the same everywhere)."""

    def __init__(self):
        self.eqns = []
        self.parts = {}      # complex var -> (re, im)
        self.have = set()    # complex vars whose complex value exists at run time
        self.subst = {}      # real var of a lowered equation -> the atom holding its value
        self.split = {}      # part var of a split -> (the complex var, real_p or imag_p)
        self.source = None

    # -- atoms ------------------------------------------------------------------------------
    def atom(self, v):
        return v if type(v) is Literal else self.subst.get(v, v)

    def const(self, value, dtype):
        dtype = np.dtype(dtype)
        return Literal(np.asarray(value, dtype), ShapedArray((), dtype))

    def emit(self, prim, ins, params=None, out=None):
        params = params or {}
        if out is None:
            if all(type(a) is Literal for a in ins):  # fold scalar constants now
                with np.errstate(all="ignore"):
                    val = np.asarray(prim.impl(*[np.asarray(a.val) for a in ins], **params))
                if val.shape == ():
                    return self.const(val, val.dtype)
            aval = prim.abstract_eval(*[a.aval for a in ins], **params)
            out = Var(ShapedArray(aval.shape, aval.dtype))
        self.eqns.append(JaxprEqn(list(ins), [out], prim, params, self.source))
        return out

    # -- real operations ---------------------------------------------------------------------
    def add(self, x, y):
        return self.emit(ew.add_p, [x, y])

    def sub(self, x, y):
        return self.emit(ew.sub_p, [x, y])

    def mul(self, x, y):
        return self.emit(ew.mul_p, [x, y])

    def div(self, x, y):
        return self.emit(ew.div_p, [x, y])

    def neg(self, x):
        return self.emit(ew.neg_p, [x])

    def abs(self, x):
        return self.emit(ew.abs_p, [x])

    def max(self, x, y):
        return self.emit(ew.max_p, [x, y])

    def min(self, x, y):
        return self.emit(ew.min_p, [x, y])

    def fn(self, prim, *xs):
        return self.emit(prim, list(xs))

    def cmp(self, prim, x, y):
        return self.emit(prim, [x, y])

    def both(self, x, y):
        return self.emit(ew.and_p, [x, y])

    def either(self, x, y):
        return self.emit(ew.or_p, [x, y])

    def c(self, value, like):
        return self.const(value, like.aval.dtype)

    def convert(self, x, dtype):
        if x.aval.dtype == np.dtype(dtype):
            return x
        return self.emit(ew.convert_element_type_p, [x],
                         {"new_dtype": np.dtype(dtype), "weak_type": False, "sharding": None})

    def full(self, x, shape):
        """``x`` broadcast to ``shape`` (x is rank-0 or has shape's rank)."""
        shape = tuple(shape)
        if x.aval.shape == shape:
            return x
        dims = tuple(range(len(shape))) if x.aval.shape else ()
        return self.emit(st.broadcast_in_dim_p, [x], {
            "shape": shape, "broadcast_dimensions": dims, "sharding": None})

    def is_inf(self, x):
        return self.cmp(ew.eq_p, self.abs(x), self.c(np.inf, x))

    def signbit(self, x):
        bits = self.emit(ew.bitcast_convert_type_p, [x], {"new_dtype": _INT_OF[x.aval.dtype]})
        return self.cmp(ew.lt_p, bits, self.const(0, bits.aval.dtype))

    def copysign(self, mag, sign):
        """|mag| with the sign (bit) of ``sign``."""
        m = self.abs(mag)
        return self.select(self.signbit(sign), self.neg(m), m)

    # -- complex values ----------------------------------------------------------------------
    def parts_of(self, v):
        if type(v) is Literal:
            val = complex(np.asarray(v.val))
            f = _PART[v.aval.dtype]
            return self.const(val.real, f), self.const(val.imag, f)
        p = self.parts.get(v)
        if p is None:
            shape = v.aval.shape
            pair = self.emit(complex_parts_p, [v])
            p = tuple(self.emit(st.squeeze_p, [self.emit(st.slice_p, [pair], {
                "start_indices": (0,) * len(shape) + (k,),
                "limit_indices": shape + (k + 1,), "strides": None})],
                {"dimensions": (len(shape),)}) for k in (0, 1))
            self.parts[v] = p
            self.split[p[0]], self.split[p[1]] = (v, ew.real_p), (v, ew.imag_p)
        return p

    def join(self, v):
        if v in self.have:
            return
        re, im = self.parts[v]
        self.emit(ew.complex_p, [re, im], {}, out=v)
        self.have.add(v)

    def cmul(self, x, y):
        (a, b), (c, d) = x, y
        return self.sub(self.mul(a, c), self.mul(b, d)), self.add(self.mul(a, d),
                                                                  self.mul(b, c))

    def cdiv(self, x, y):
        """Smith's algorithm (as NumPy): divide by the larger of |c|, |d| first."""
        (a, b), (c, d) = x, y
        ac, ad = self.abs(c), self.abs(d)
        big = self.cmp(ew.ge_p, ac, ad)
        rat = self.select(big, self.div(d, c), self.div(c, d))
        den = self.select(big, self.add(c, self.mul(d, rat)), self.add(d, self.mul(c, rat)))
        scl = self.div(self.c(1, den), den)
        re = self.select(big, self.add(a, self.mul(b, rat)), self.add(self.mul(a, rat), b))
        im = self.select(big, self.sub(b, self.mul(a, rat)), self.sub(self.mul(b, rat), a))
        zero = self.both(self.cmp(ew.eq_p, c, self.c(0, c)), self.cmp(ew.eq_p, d, self.c(0, d)))
        # x / 0: NumPy divides each part by |c| (a complex infinity or NaN).
        return (self.select(zero, self.div(a, ac), self.mul(re, scl)),
                self.select(zero, self.div(b, ac), self.mul(im, scl)))

    def crecip(self, x):
        """1 / x as NumPy's reciprocal (Smith's algorithm; 1/0 is NaN)."""
        a, b = x
        small_b = self.cmp(ew.le_p, self.abs(b), self.abs(a))
        r = self.select(small_b, self.div(b, a), self.div(a, b))
        den = self.select(small_b, self.add(a, self.mul(b, r)), self.add(self.mul(a, r), b))
        one = self.c(1, den)
        return (self.select(small_b, self.div(one, den), self.div(r, den)),
                self.select(small_b, self.neg(self.div(r, den)), self.neg(self.div(one, den))))

    def hypot(self, a, b):
        """|a + ib| without overflow or underflow; inf if either part is inf (C's hypot)."""
        inf = self.either(self.is_inf(a), self.is_inf(b))
        if a.aval.dtype != _F64:  # float32: exact squares in float64, one rounding
            a64, b64 = self.convert(a, _F64), self.convert(b, _F64)
            r = self.fn(ew.sqrt_p, self.add(self.mul(a64, a64), self.mul(b64, b64)))
            r = self.convert(r, a.aval.dtype)
        else:
            aa, bb = self.abs(a), self.abs(b)
            m, n = self.max(aa, bb), self.min(aa, bb)
            q = self.div(n, m)
            r = self.mul(m, self.fn(ew.sqrt_p, self.add(self.c(1, q), self.mul(q, q))))
            r = self.select(self.cmp(ew.eq_p, m, self.c(0, m)), self.c(0, m), r)
        return self.select(inf, self.c(np.inf, r), r)

    def two_square(self, x):
        """(p, e) with p + e == x * x exactly (Dekker's product: no FMA needed)."""
        p = self.mul(x, x)
        c = self.mul(x, self.c(134217729.0, x))  # 2**27 + 1 splits a double in halves
        hi = self.sub(c, self.sub(c, x))
        lo = self.sub(x, hi)
        e = self.add(self.add(self.sub(self.mul(hi, hi), p), self.mul(self.mul(hi, lo),
                                                                     self.c(2, x))),
                     self.mul(lo, lo))
        return p, e

    def log_abs(self, a, b):
        """log|a + ib|, accurate near |z| = 1 too."""
        inf = self.either(self.is_inf(a), self.is_inf(b))
        dtype = a.aval.dtype
        if dtype != _F64:
            a64, b64 = self.convert(a, _F64), self.convert(b, _F64)
            s = self.add(self.mul(a64, a64), self.mul(b64, b64))
            r = self.convert(self.mul(self.c(0.5, s), self.fn(ew.log_p, s)), dtype)
        else:
            aa, bb = self.abs(a), self.abs(b)
            m, n = self.max(aa, bb), self.min(aa, bb)
            q = self.div(n, m)
            far = self.add(self.fn(ew.log_p, m),
                           self.mul(self.c(0.5, m), self.fn(ew.log1p_p, self.mul(q, q))))
            far = self.select(self.cmp(ew.eq_p, m, self.c(0, m)), self.c(-np.inf, m), far)
            # |z| in [0.5, 2]: log1p(m*m - 1 + n*n) with the squares' rounding errors kept.
            pm, em = self.two_square(m)
            pn, en = self.two_square(n)
            s = self.add(self.add(self.sub(pm, self.c(1, m)), pn), self.add(em, en))
            near = self.mul(self.c(0.5, m), self.fn(ew.log1p_p, s))
            is_near = self.both(self.cmp(ew.ge_p, m, self.c(0.5, m)),
                                self.cmp(ew.le_p, m, self.c(2, m)))
            r = self.select(is_near, near, far)
        return self.select(inf, self.c(np.inf, r), r)

    def csqrt(self, a0, b0):
        """The principal square root by the half-angle formula: t = sqrt((|a| + |z|) / 2),
        then (t, b / 2t) for a >= 0, (|b| / 2t, copysign(t, b)) otherwise."""
        dtype = a0.aval.dtype
        if dtype != _F64:
            a, b = self.convert(a0, _F64), self.convert(b0, _F64)
        else:  # keep |a| + |z| finite and normal: scale z by a power of 4, the root by its root
            m = self.max(self.abs(a0), self.abs(b0))
            big = self.cmp(ew.ge_p, m, self.c(2.0 ** 1020, m))
            small = self.cmp(ew.lt_p, m, self.c(2.0 ** -1000, m))
            one = self.c(1, m)
            s_in = self.select(big, self.c(0.25, m), self.select(small, self.c(2.0 ** 108, m),
                                                                   one))
            s_out = self.select(big, self.c(2, m), self.select(small, self.c(2.0 ** -54, m),
                                                                 one))
            a, b = self.mul(a0, s_in), self.mul(b0, s_in)
        t = self.fn(ew.sqrt_p, self.mul(self.add(self.abs(a), self.hypot(a, b)),
                                        self.c(0.5, a)))
        two_t = self.mul(self.c(2, t), t)
        pos = self.cmp(ew.ge_p, a, self.c(0, a))
        re = self.select(pos, t, self.div(self.abs(b), two_t))
        im = self.select(pos, self.div(b, two_t), self.copysign(t, b))
        if dtype != _F64:
            re, im = self.convert(re, dtype), self.convert(im, dtype)
        else:
            re, im = self.mul(re, s_out), self.mul(im, s_out)
        zero = self.both(self.cmp(ew.eq_p, a0, self.c(0, a0)),
                         self.cmp(ew.eq_p, b0, self.c(0, b0)))
        re = self.select(zero, self.c(0, a0), re)
        im = self.select(zero, b0, im)
        binf = self.is_inf(b0)  # sqrt(x +- i inf) = inf +- i inf, even for a NaN x
        return self.select(binf, self.c(np.inf, a0), re), self.select(binf, b0, im)

    def select_n(self, which, cases):
        shape = _broadcast_shape(which.aval.shape, *(c.aval.shape for c in cases))
        args = [a if a.aval.shape in ((), shape) else self.full(a, shape)
                for a in [which] + list(cases)]
        return self.emit(ew.select_n_p, args)

    def select(self, pred, on_true, on_false):
        return self.select_n(pred, [on_false, on_true])

    def cexp(self, a, b):
        dtype = a.aval.dtype
        if dtype != _F64:  # float32: exp(a) cannot overflow in float64
            e = self.fn(ew.exp_p, self.convert(a, _F64))
            b64 = self.convert(b, _F64)
            re = self.convert(self.mul(e, self.fn(ew.cos_p, b64)), dtype)
            im = self.convert(self.mul(e, self.fn(ew.sin_p, b64)), dtype)
        else:  # exp(a) * cos(b) may be finite where exp(a) is not: exp(a/2) twice
            big = self.cmp(ew.gt_p, a, self.c(709.0, a))
            e = self.fn(ew.exp_p, self.select(big, self.mul(a, self.c(0.5, a)), a))
            re, im = self.mul(e, self.fn(ew.cos_p, b)), self.mul(e, self.fn(ew.sin_p, b))
            re, im = self.select(big, self.mul(re, e), re), self.select(big, self.mul(im, e), im)
        # C99: exp(x + i0) = exp(x) + i0; exp(+inf + i y) = +-inf + i NaN, exp(-inf + i y) = 0
        # for y inf or NaN.
        zero_b = self.cmp(ew.eq_p, b, self.c(0, b))
        re = self.select(zero_b, self.fn(ew.exp_p, a), re)
        im = self.select(zero_b, b, im)
        bad_b = self.emit(ew.not_p, [self.fn(ew.is_finite_p, b)])
        pinf = self.both(bad_b, self.cmp(ew.eq_p, a, self.c(np.inf, a)))
        ninf = self.both(bad_b, self.cmp(ew.eq_p, a, self.c(-np.inf, a)))
        re = self.select(pinf, self.c(np.inf, a), self.select(ninf, self.c(0, a), re))
        im = self.select(pinf, self.c(np.nan, a), self.select(ninf, self.c(0, a), im))
        return re, im


# ----------------------------------------------------------------------------------------------
# Rules: rule(L, eqn, input atoms) -> one result per output: (re, im) or a real atom


def _unary_parts(fun):
    return lambda L, e, ins: [fun(L, *L.parts_of(ins[0]))]


def _binary_parts(fun):
    return lambda L, e, ins: [fun(L, L.parts_of(ins[0]), L.parts_of(ins[1]))]


def _integer_pow(L, e, ins):
    y = e.params["y"]
    if y == 0:
        f = _PART[ins[0].aval.dtype]
        return [(L.const(1, f), L.const(0, f))]
    x = L.parts_of(ins[0])
    acc = ew.power_by_squaring(x, abs(y), L.cmul)
    return [L.crecip(acc) if y < 0 else acc]


def _sign(L, a, b):
    inf = L.emit(ew.xor_p, [L.is_inf(a), L.is_inf(b)])
    # One infinite part counts as +-1 and the other as 0 (NumPy's limit; inf + i inf is NaN).
    unit = [L.copysign(L.select(L.is_inf(p), L.c(1, p), L.c(0, p)), p) for p in (a, b)]
    a, b = L.select(inf, unit[0], a), L.select(inf, unit[1], b)
    m = L.hypot(a, b)
    zero = L.cmp(ew.eq_p, m, L.c(0, m))
    return (L.select(zero, L.c(0, a), L.div(a, m)), L.select(zero, L.c(0, b), L.div(b, m)))


def _log(L, a, b):
    return L.log_abs(a, b), L.fn(ew.atan2_p, b, a)


def _expm1(L, a, b):
    # e^a cos b - 1 = expm1(a) cos b - 2 sin^2(b/2): no cancellation near 0.
    dtype = a.aval.dtype
    a, b = L.convert(a, _F64), L.convert(b, _F64)
    s = L.fn(ew.sin_p, L.mul(b, L.c(0.5, b)))
    re = L.sub(L.mul(L.fn(ew.expm1_p, a), L.fn(ew.cos_p, b)), L.mul(L.c(2, s), L.mul(s, s)))
    im = L.mul(L.fn(ew.exp_p, a), L.fn(ew.sin_p, b))  # (inf * 0 is NaN here, as in NumPy)
    return L.convert(re, dtype), L.convert(im, dtype)


def _trig(cosine):
    def rule(L, a, b):
        dtype = a.aval.dtype
        a64, b64 = L.convert(a, _F64), L.convert(b, _F64)
        sa, ca = L.fn(ew.sin_p, a64), L.fn(ew.cos_p, a64)
        sh, ch = L.fn(ew.sinh_p, b64), L.fn(ew.cosh_p, b64)
        if cosine:  # cos(a + ib) = cos a cosh b - i sin a sinh b
            re, im = L.mul(ca, ch), L.neg(L.mul(sa, sh))
        else:       # sin(a + ib) = sin a cosh b + i cos a sinh b
            re, im = L.mul(sa, ch), L.mul(ca, sh)
        re, im = L.convert(re, dtype), L.convert(im, dtype)
        # Zeros and infinities where the products above give 0 * inf (C99's and NumPy's).
        a_zero = L.cmp(ew.eq_p, a, L.c(0, a))
        bad_a = L.emit(ew.not_p, [L.fn(ew.is_finite_p, a)])
        b_zero = L.cmp(ew.eq_p, b, L.c(0, b))
        both_bad = L.both(bad_a, L.is_inf(b))  # (NumPy's signs where C99 leaves them open)
        if cosine:
            signed = L.neg(L.mul(L.copysign(L.c(0, a), a), L.copysign(L.c(0, b), b)))
            im = L.select(a_zero, signed, L.select(L.both(bad_a, b_zero), L.c(0, b), im))
            re = L.select(both_bad, L.c(np.inf, a), re)
            im = L.select(both_bad, L.c(np.nan, b), im)
        else:
            re = L.select(a_zero, a, re)
            im = L.select(L.both(bad_a, b_zero), b, L.select(both_bad, L.c(np.inf, b), im))
        return re, im
    return rule


def _convert(L, e, ins):
    (x,), dst = ins, np.dtype(e.params["new_dtype"])
    if x.aval.dtype in COMPLEX:
        a, b = L.parts_of(x)
        if dst in COMPLEX:
            return [(L.convert(a, _PART[dst]), L.convert(b, _PART[dst]))]
        if dst == _BOOL:
            return [L.either(L.cmp(ew.ne_p, a, L.c(0, a)), L.cmp(ew.ne_p, b, L.c(0, b)))]
        return [L.convert(a, dst)]  # the impl drops the imaginary part, as NumPy does
    f = _PART[dst]
    return [(L.convert(x, f), L.const(0, f))]


def _layout(L, e, ins):
    def apply(p):
        if p.aval.shape == () and ins[0].aval.shape != ():
            return p  # a uniform part stays uniform
        if p.aval.shape == () and type(p) is Literal:
            return p
        return L.emit(e.primitive, [p], e.params)
    return [tuple(apply(p) for p in L.parts_of(ins[0]))]


def _reduce_sum(L, e, ins):
    x = ins[0]
    return [tuple(L.emit(red.reduce_sum_p, [L.full(p, x.aval.shape)], e.params)
                  for p in L.parts_of(x))]


def _compare(prim, combine):
    def rule(L, e, ins):
        (a, b), (c, d) = L.parts_of(ins[0]), L.parts_of(ins[1])
        return [L.emit(combine, [L.cmp(prim, a, c), L.cmp(prim, b, d)])]
    return rule


def _select_n(L, e, ins):
    which, cases = ins[0], [L.parts_of(c) for c in ins[1:]]
    return [tuple(L.select_n(which, [c[k] for c in cases]) for k in (0, 1))]


_RULES = {
    ew.add_p: _binary_parts(lambda L, x, y: (L.add(x[0], y[0]), L.add(x[1], y[1]))),
    ew.sub_p: _binary_parts(lambda L, x, y: (L.sub(x[0], y[0]), L.sub(x[1], y[1]))),
    ew.mul_p: _binary_parts(lambda L, x, y: L.cmul(x, y)),
    ew.div_p: _binary_parts(lambda L, x, y: L.cdiv(x, y)),
    ew.neg_p: _unary_parts(lambda L, a, b: (L.neg(a), L.neg(b))),
    ew.conj_p: _unary_parts(lambda L, a, b: (a, L.neg(b))),
    ew.real_p: lambda L, e, ins: [L.parts_of(ins[0])[0]],
    ew.imag_p: lambda L, e, ins: [L.parts_of(ins[0])[1]],
    ew.complex_p: lambda L, e, ins: [(ins[0], ins[1])],
    ew.abs_p: lambda L, e, ins: [L.hypot(*L.parts_of(ins[0]))],
    ew.sign_p: _unary_parts(_sign),
    ew.square_p: _unary_parts(lambda L, a, b: L.cmul((a, b), (a, b))),
    ew.integer_pow_p: _integer_pow,
    ew.exp_p: _unary_parts(lambda L, a, b: L.cexp(a, b)),
    ew.log_p: _unary_parts(_log),
    ew.log1p_p: _unary_parts(lambda L, a, b: _log(L, L.add(L.c(1, a), a), b)),
    ew.expm1_p: _unary_parts(_expm1),
    ew.sin_p: _unary_parts(_trig(False)),
    ew.cos_p: _unary_parts(_trig(True)),
    ew.sqrt_p: _unary_parts(lambda L, a, b: L.csqrt(a, b)),
    ew.eq_p: _compare(ew.eq_p, ew.and_p),
    ew.ne_p: _compare(ew.ne_p, ew.or_p),
    ew.select_n_p: _select_n,
    ew.convert_element_type_p: _convert,
    red.reduce_sum_p: _reduce_sum,
}
for _p in (st.broadcast_in_dim_p, st.reshape_p, st.squeeze_p, st.transpose_p, st.slice_p):
    _RULES[_p] = _layout
# Equations that only move parts around: a group of nothing else is not worth lowering.
_MOVES = frozenset([ew.real_p, ew.imag_p, ew.complex_p, ew.select_n_p,
                    ew.convert_element_type_p, st.broadcast_in_dim_p, st.reshape_p,
                    st.squeeze_p, st.transpose_p, st.slice_p])


def _lowerable(e, small, after_lowered):
    """Whether ``e`` has a rule here and involves complex values bigger than ``small`` (or
    only moves parts of a value computed by lowered equations: ``after_lowered``)."""
    prim = e.primitive
    if prim not in _RULES or prim.multiple_results:
        return False
    size, involved = 0, False
    for v in list(e.invars) + list(e.outvars):
        if v.aval.dtype in COMPLEX:
            involved = True
            if type(v) is Literal and v.aval.shape:
                return False
        size = max(size, _size(v.aval))
    if not involved or (size <= small and not (prim in _MOVES and after_lowered)):
        return False
    layout = getattr(prim, "codegen_layout", None)
    if layout is not None:  # a layout kernels cannot read (a general reshape) stays whole
        return layout(e.invars[0].aval, e.outvars[0].aval, e.params, None) is not None
    return True


def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _choose(jaxpr, small):
    """The indices of the equations to lower (see the module doc), in linear time."""
    eqns = jaxpr.eqns
    cand = [False] * len(eqns)
    parent = list(range(len(eqns)))
    producer = {}
    split_by = {}  # a complex value from outside: the first candidate reading it
    for i, e in enumerate(eqns):
        cand[i] = _lowerable(e, small, any(
            cand[producer[v]] for v in e.invars if type(v) is not Literal and v in producer))
        if cand[i]:
            for v in e.invars:
                if type(v) is Literal or v.aval.dtype not in COMPLEX:
                    continue
                j = producer.get(v)
                if j is None or not cand[j]:  # groups reading one split share it
                    j = split_by.setdefault(v, i)
                if cand[j]:
                    parent[_find(parent, i)] = _find(parent, j)
        for o in e.outvars:
            if o.aval.dtype in COMPLEX:
                producer[o] = i
    removed, arith, boundary = {}, set(), set()
    for i, e in enumerate(eqns):
        lowered_inputs = [v for v in e.invars if type(v) is not Literal and v.aval.dtype in
                          COMPLEX]
        if cand[i]:
            r = _find(parent, i)
            removed[r] = removed.get(r, 0) + 1
            if e.primitive not in _MOVES:
                arith.add(r)
            for v in lowered_inputs:
                j = producer.get(v)
                if j is None or not cand[j]:
                    boundary.add((r, v))        # a split
        else:
            for v in lowered_inputs:
                j = producer.get(v)
                if j is not None and cand[j]:
                    boundary.add((_find(parent, j), v))  # a join
    for v in jaxpr.outvars:
        j = producer.get(v) if type(v) is not Literal else None
        if j is not None and cand[j]:
            boundary.add((_find(parent, j), v))
    added = {}
    for r, _ in boundary:
        added[r] = added.get(r, 0) + 1
    ok = {r for r in arith if added.get(r, 0) <= removed[r]}
    return {i for i in range(len(eqns)) if cand[i] and _find(parent, i) in ok}


def lower(jaxpr):
    """``jaxpr`` with its complex arithmetic on real and imaginary parts (see the module doc);
    the same object when nothing is lowered."""
    from pyjax._src.compiler import fusion
    if not any(v.aval.dtype in COMPLEX for e in jaxpr.eqns for v in e.outvars):
        return jaxpr
    chosen = _choose(jaxpr, fusion.SMALL)
    if not chosen:
        return jaxpr
    # Real values of lowered equations that something outside kernels reads.
    needed = {v for v in jaxpr.outvars if type(v) is not Literal}
    for i, e in enumerate(jaxpr.eqns):
        if i not in chosen and fusion.classify(e) == "fallback":
            needed.update(v for v in e.invars if type(v) is not Literal)
    L = _Emitter()
    L.have.update(v for v in jaxpr.constvars + jaxpr.invars if v.aval.dtype in COMPLEX)
    for i, e in enumerate(jaxpr.eqns):
        ins = [L.atom(v) for v in e.invars]
        if i in chosen:
            L.source = e.source
            for o, r in zip(e.outvars, _RULES[e.primitive](L, e, ins), strict=True):
                if o.aval.dtype in COMPLEX:
                    L.parts[o] = r
                elif r in L.split and o in needed:
                    # A part read outside kernels: NumPy's view of it, not slice + squeeze.
                    v, part = L.split[r]
                    L.emit(part, [v], out=o)
                elif r.aval.shape == o.aval.shape and type(r) is not Literal:
                    L.subst[o] = r
                else:  # a uniform part: broadcast it to the equation's shape
                    L.emit(st.broadcast_in_dim_p, [r], {
                        "shape": o.aval.shape, "broadcast_dimensions": (), "sharding": None},
                        out=o)
            continue
        for v in ins:
            if type(v) is not Literal and v.aval.dtype in COMPLEX:
                L.join(v)
        L.eqns.append(e.replace(invars=ins) if ins != list(e.invars) else e)
        L.have.update(o for o in e.outvars if o.aval.dtype in COMPLEX)
    outvars = [L.atom(v) for v in jaxpr.outvars]
    for v in outvars:
        if type(v) is not Literal and v.aval.dtype in COMPLEX:
            L.join(v)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, outvars, L.eqns)

"""More of XLA:CPU's float kernels reproduced bit for bit as LLVM IR (see mathlib.py for log,
log1p, erf and erf_inv): the ``*_xla`` math functions jax.random's samplers use under jit.

- exp_xla: XLA's own polynomials (float32: Cephes' with FMAs and 2**n from the exponent bits;
  float64: Cephes' Pade form with FMAs and 2**n in four factors), denormal results flushed;
- rsqrt_xla: XLA's Newton refinement of a hardware estimate (float32: AMD's rsqrtps, one
  step; float64: AVX-512's vrsqrt14pd, two steps), the estimates read from tables so that
  compiled code gives the same bits as the NumPy kernels on any host;
- tan_xla, pow_xla: the C library's tanf/powf/tan/pow, which XLA:CPU calls, called per lane
  with denormals-are-zero and flush-to-zero set as in XLA's threads.

The constants are shared with the NumPy kernels (pyjax/_src/xla_numerics.py, xla_float.py).
"""
from __future__ import annotations

import math

from pyjax._src import xla_numerics
from pyjax._src.compiler.llvm import mathlib
from pyjax._src.compiler.llvm.irtext import Val, scalar_const, vec
from pyjax._src.compiler.llvm.mathlib import F32_MIN, F64_MIN, _clamp, _ftz, c, libm_call


def exp_xla(f, x):
    if x.elem == "float":
        k = xla_numerics.EXP_F32
        xc = _clamp(f, x, k["lo"], k["hi"])  # NaN stays NaN
        n = f.floor(f.fma(xc, c(f, x, k["log2e"]), c(f, x, 0.5)))
        n = _clamp(f, n, -127.0, 127.0)
        nn = f.fneg(n)
        r = f.fma(nn, c(f, x, k["c2"]), f.fma(nn, c(f, x, k["c1"]), xc))
        p = k["poly"]
        z = f.fma(r, c(f, x, p[0]), c(f, x, p[1]))
        for coeff in p[2:]:
            z = f.fma(z, r, c(f, x, coeff))
        z = f.fadd(c(f, x, 1.0), f.fma(z, f.fmul(r, r), r))
        ni = f.fptosi(f.finite_or_zero(n), "i32")
        pow2 = f.bitcast(f.shl(f.add(ni, f.like(ni, 127)), f.like(ni, 23)), "float")
        return _ftz(f, f.fmul(z, pow2))  # n == -127 builds 2**-127 as 0
    k = xla_numerics.EXP_F64
    xc = _clamp(f, x, k["lo"], k["hi"])
    n = f.floor(f.fma(xc, c(f, x, k["log2e"]), c(f, x, 0.5)))
    nn = f.fneg(n)
    g = f.fma(nn, c(f, x, k["c2"]), f.fma(nn, c(f, x, k["c1"]), xc))
    g2 = f.fmul(g, g)
    pg = f.fmul(f.horner(g2, k["p"]), g)
    qg = f.horner(g2, k["q"])
    e = f.fadd(f.fmul(f.fdiv(pg, f.fsub(qg, pg)), c(f, x, 2.0)), c(f, x, 1.0))
    ni = f.fptosi(f.finite_or_zero(n), "i64")
    b = f.ashr(ni, f.like(ni, 2))  # 2**n = (2**b)**3 * 2**(n - 3b), each factor normal
    bias = f.like(ni, 1023)
    f1 = f.bitcast(f.shl(f.add(b, bias), f.like(ni, 52)), "double")
    rest = f.sub(ni, f.mul(b, f.like(ni, 3)))
    f2 = f.bitcast(f.shl(f.add(rest, bias), f.like(ni, 52)), "double")
    out = f.fmul(f.fmul(f.fmul(f.fmul(e, f1), f1), f1), f2)
    out = f.select(f.fcmp("olt", x, c(f, x, k["lo"])), c(f, x, 0.0), out)
    out = f.select(f.fcmp("ogt", x, c(f, x, k["hi"])), c(f, x, math.inf), out)
    return _ftz(f, out)


# -- rsqrt --------------------------------------------------------------------------------------

def _table(f, name, elem, values):
    """A module-level constant array (defined once per module); returns its name."""
    gname = f"pj.tab.{name}"
    module = f.module
    if gname not in module.defined:
        module.defined.add(gname)
        body = ", ".join(f"{elem} {v}" for v in values)
        module.functions.append(
            f"@{gname} = internal unnamed_addr constant [{len(values)} x {elem}] [{body}]")
    return gname


def _lookup(f, gname, n, elem, idx):
    """table[idx] for an i32 index vector (a gather)."""
    lanes = idx.lanes
    if lanes == 1:
        p = f.emit("ptr", f"getelementptr inbounds [{n} x {elem}], ptr @{gname}, i64 0, "
                          f"i32 {idx.name}")
        return f.emit(elem, f"load {elem}, ptr {p.name}")
    pv = f.emit(vec("ptr", lanes), f"getelementptr inbounds [{n} x {elem}], ptr @{gname}, "
                                   f"i64 0, {idx}")
    vt = vec(elem, lanes)
    size = {"i16": 2, "i32": 4, "double": 8}[elem]
    return f.call(f"llvm.masked.gather.v{lanes}{'f64' if elem == 'double' else elem}."
                  f"v{lanes}p0", vt,
                  [pv, f.const("i32", size, 1), f.const("i1", 1, lanes), Val("poison", vt)])


_AMD = None


def _amd_table():
    global _AMD
    if _AMD is None:
        _AMD = xla_numerics.rsqrt_amd_table()
    return _AMD


def _estimate32(f, x):
    """AMD's rsqrtps: 0.5 + k * 2**-13 for the mantissa in [1, 4), k from the table."""
    bits = f.as_int(x)
    e = f.sub(f.and_(f.lshr(bits, f.like(bits, 23)), f.like(bits, 0xFF)), f.like(bits, 127))
    odd = f.and_(e, f.like(e, 1))
    idx = f.or_(f.shl(odd, f.like(odd, 12)), f.and_(f.lshr(bits, f.like(bits, 11)),
                                                     f.like(bits, 0xFFF)))
    gname = _table(f, "rsqrt_amd", "i16", _amd_table())
    k = f.cast("zext", _lookup(f, gname, 8192, "i16", idx), "i32")
    est = f.or_(f.shl(k, f.like(k, 11)), f.like(k, 0x3F000000))
    h = f.ashr(f.sub(e, odd), f.like(e, 1))
    return f.bitcast(f.sub(est, f.shl(h, f.like(h, 23))), "float")


def _estimate64(f, x):
    """vrsqrt14pd (Intel's reference algorithm; see xla_numerics.RSQRT14_COEFFS)."""
    bits = f.as_int(x)
    e = f.sub(f.and_(f.lshr(bits, f.like(bits, 52)), f.like(bits, 0x7FF)), f.like(bits, 1023))
    odd = f.and_(e, f.like(e, 1))
    frac = f.and_(bits, f.like(bits, 0x000FFFFFFFFFFFFF))
    seg = f.lshr(frac, f.like(frac, 47))
    cut = f.or_(f.and_(frac, f.like(frac, 0x000FFFE000000000)), f.like(frac, 0x3FF0000000000000))
    is_odd = f.icmp("ne", odd, f.like(odd, 0))
    mant = f.fmul(f.bitcast(cut, "double"),
                  f.select(is_odd, c(f, x, 2.0), c(f, x, 1.0)))
    segf = f.sitofp(seg, "double")
    mid = f.select(is_odd, f.fadd(f.fmul(segf, c(f, x, 1 / 16)), c(f, x, 2 + 1 / 32)),
                   f.fadd(f.fmul(segf, c(f, x, 1 / 32)), c(f, x, 1 + 1 / 64)))
    rows = xla_numerics.RSQRT14_COEFFS
    cs = [r[1] for r in rows] + [r[3] for r in rows]
    ds = [r[0] * 256 for r in rows] + [r[2] * 128 for r in rows]
    idx = f.cast("trunc", f.or_(f.shl(odd, f.like(odd, 5)), seg), "i32")
    cv = _lookup(f, _table(f, "rsqrt14_c", "double", [_dbl(v) for v in cs]), 64, "double", idx)
    dv = _lookup(f, _table(f, "rsqrt14_d", "double", [_dbl(v) for v in ds]), 64, "double", idx)
    r = f.fsub(cv, f.fmul(dv, f.fsub(mant, mid)))  # exact
    rb = f.sub(f.and_(f.as_int(r), f.like(bits, -(1 << 36))), f.like(bits, 19 << 52))
    h = f.ashr(f.sub(e, odd), f.like(e, 1))
    est = f.bitcast(f.sub(rb, f.shl(h, f.like(h, 52))), "double")
    # m == 1 (powers of four) is exact.
    one = f.and_(f.icmp("eq", frac, f.like(frac, 0)), f.icmp("eq", odd, f.like(odd, 0)))
    exact = f.bitcast(f.sub(f.like(bits, 0x3FF0000000000000), f.shl(h, f.like(h, 52))),
                      "double")
    return f.select(one, exact, est)


def _dbl(v):
    return scalar_const("double", v)


def _special_estimate(f, x):
    """The estimate of 0, denormals (read as 0), +inf, negative numbers and NaN."""
    tiny = F32_MIN if x.elem == "float" else F64_MIN
    out = c(f, x, math.nan)
    out = f.select(f.fcmp("olt", f.fabs(x), c(f, x, tiny)),
                   f.copysign(c(f, x, math.inf), x), out)
    return f.select(f.fcmp("oeq", x, c(f, x, math.inf)), c(f, x, 0.0), out)


def rsqrt_xla(f, x):
    single = x.elem == "float"
    y = _estimate32(f, x) if single else _estimate64(f, x)
    for _ in range(1 if single else 2):
        r2 = f.fmul(x, y)
        half = f.fmul(y, c(f, x, -0.5))
        y = f.fma(half, f.fma(r2, y, c(f, x, -1.0)), y)
    tiny = F32_MIN if single else F64_MIN
    raw = f.or_(f.fcmp("ult", x, c(f, x, tiny)), f.fcmp("oeq", x, c(f, x, math.inf)))
    return f.select(raw, _special_estimate(f, x), y)


# -- the C library's tan and pow ---------------------------------------------------------------

def tan_xla(f, x):
    return libm_call(f, "tanf" if x.elem == "float" else "tan", [x], daz=True)


def pow_xla(f, x, y):
    out = libm_call(f, "powf" if x.elem == "float" else "pow", [x, y], daz=True)
    return _ftz(f, out)  # already flushed on x86 (MXCSR); kept for other hosts


mathlib.IMPLS.update({"exp_xla": exp_xla, "rsqrt_xla": rsqrt_xla, "tan_xla": tan_xla,
                      "pow_xla": pow_xla})

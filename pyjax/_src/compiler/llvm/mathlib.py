"""Vectorisable math functions for float32/float64 kernels, emitted as LLVM IR.

Each function is written once as straight-line vector code (selects instead of branches, no
calls on the hot path) and emitted per module as an internal ``alwaysinline`` function, so it is
inlined into every loop body that uses it. Accuracy (measured against NumPy in float64 by
tests/test_compiler.py): float32 within a few ulp, float64 within about one ulp.

Algorithms:
- exp/exp2/expm1: Cody-Waite reduction x = n*ln2 + r, |r| <= ln2/2, a polynomial in r, and a
  scale by 2**n split in two factors (so results near overflow/underflow are right).
- log (float32): XLA:CPU's Cephes-style polynomial; (float64): fdlibm's log(1+f) = f - hfsq +
  s*(hfsq+R) on m in [sqrt(2)/2, sqrt(2)). Denormal inputs are scaled up first.
- log1p, erf (float32), erf_inv: XLA:CPU's rational approximations and Giles' erf_inv, FMA
  Horner exactly as XLA evaluates them (the *_xla variants also flush denormal results, as XLA).
  XLA:CPU's float64 log (log_xla, and inside log1p_xla/erf_inv_xla) and erf are the C library's:
  called per lane (libm_call). More *_xla functions: mathlib_xla.py.
- sin/cos/tan: reduction by pi/2 (float32: in float64; float64: fdlibm's three-step Cody-Waite),
  fdlibm/Cephes kernels; arguments beyond 2**20*pi/2 take a rare slow path through libm.
- erf/erfc (float64): fdlibm's piecewise rational approximations, all pieces computed and
  selected; erfc (float32) via the float64 one.
- pow: exp(y*log|x|) with C99's special cases (float32 in float64; float64 with a
  double-double log and an exp taking the low part as a correction).
- tanh = -t/(t+2) with t = expm1(-2|x|); logistic = 1/(1+exp(-x)).
"""
from __future__ import annotations

import math

from pyjax._src.compiler.llvm.irtext import Func, Val, mangle
from pyjax._src import xla_numerics

F32_MIN = 1.1754943508222875e-38
F64_MIN = 2.2250738585072014e-308
LOG2E = 1.4426950408889634
LN2 = 0.6931471805599453
LN2_HI_D = 6.93147180369123816490e-01
LN2_LO_D = 1.90821492927058770002e-10
INV_PIO2 = 6.36619772367581382433e-01
PIO2_1 = 1.57079632673412561417e+00
PIO2_1T = 6.07710050650619224932e-11
PIO2_2 = 6.07710050630396597660e-11
PIO2_2T = 2.02226624879595063154e-21
PIO2_3 = 2.02226624871116645580e-21
PIO2_3T = 8.47842766036889956997e-32
TRIG_BIG = 1647099.0  # ~2**20 * pi/2: beyond this the medium-range reduction loses accuracy


def _f32(word):
    import struct
    return struct.unpack("<f", struct.pack("<I", word))[0]


def c(f, x, v):
    return f.like(x, v)


# ----------------------------------------------------------------------------------------------
# exp family


def _exp_poly(f, r, degree=13):
    """e**r for |r| <= ln2/2 (float64: Taylor to ``degree``; 13 is full precision)."""
    if r.elem == "float":  # Cephes expf
        p = f.horner(r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                         1.6666665459e-1, 5.0000001201e-1])
    else:
        p = f.horner(r, [1 / math.factorial(k) for k in range(degree, 1, -1)])
    return f.fadd(f.fma(p, f.fmul(r, r), r), c(f, r, 1.0))


def _clamp(f, x, lo, hi):
    x = f.select(f.fcmp("olt", x, c(f, x, lo)), c(f, x, lo), x)
    return f.select(f.fcmp("ogt", x, c(f, x, hi)), c(f, x, hi), x)


def _scale2(f, y, n):
    """y * 2**n for a float vector n in about [-1100, 1100] (two factors keep each normal)."""
    ity = "i32" if y.elem == "float" else "i64"
    ni = f.fptosi(f.finite_or_zero(n), ity)
    n1 = f.ashr(ni, f.like(ni, 1))
    n2 = f.sub(ni, n1)
    return f.ldexp_k(f.ldexp_k(y, n1), n2)


def _reduce_ln2(f, x):
    n = f.roundeven(f.fmul(x, c(f, x, LOG2E)))
    if x.elem == "float":
        r = f.fma(n, c(f, x, -0.693359375), x)
        r = f.fma(n, c(f, x, 2.12194440e-4), r)
    else:
        r = f.fma(n, c(f, x, -LN2_HI_D), x)
        r = f.fma(n, c(f, x, -LN2_LO_D), r)
    return n, r


def exp(f, x):
    lo, hi = (-104.0, 89.0) if x.elem == "float" else (-746.0, 710.0)
    xc = _clamp(f, x, lo, hi)
    n, r = _reduce_ln2(f, xc)
    y = _scale2(f, _exp_poly(f, r), n)
    return f.select(f.isnan(x), x, y)


def exp2(f, x):
    lo, hi = (-151.0, 129.0) if x.elem == "float" else (-1076.0, 1025.0)
    xc = _clamp(f, x, lo, hi)
    n = f.roundeven(xc)
    d = f.fsub(xc, n)
    if x.elem == "float":
        r = f.fmul(d, c(f, x, LN2))
    else:
        r = f.fma(d, c(f, x, LN2), f.fmul(d, c(f, x, 2.3190468138462996e-17)))
    y = _scale2(f, _exp_poly(f, r), n)
    return f.select(f.isnan(x), x, y)


def expm1(f, x):
    single = x.elem == "float"
    lo, hi = (-18.0, 89.0) if single else (-40.0, 710.0)
    xc = _clamp(f, x, lo, hi)
    n, r = _reduce_ln2(f, xc)
    coeffs = [1 / math.factorial(k) for k in range(8 if single else 14, 1, -1)]
    em = f.fma(f.horner(r, coeffs), f.fmul(r, r), r)  # expm1(r)
    top = 127.0 if single else 1023.0
    nn = f.select(f.fcmp("ogt", n, c(f, n, top)), c(f, n, top), n)
    ity = "i32" if single else "i64"
    t = f.ldexp_k(c(f, x, 1.0), f.fptosi(f.finite_or_zero(nn), ity))
    y = f.fma(t, em, f.fsub(t, c(f, x, 1.0)))  # 2**n * (em + 1) - 1
    y = f.select(f.fcmp("ogt", n, c(f, n, top)), f.fmul(y, c(f, y, 2.0)), y)
    return f.select(f.isnan(x), x, y)


# ----------------------------------------------------------------------------------------------
# log family

_LOG32 = dict(a1=0x3D9021BB, a2=0xBDEBD1B8, b1=0xBDFE5D4F, b2=0x3E11E9BF, c1=0x3E4CCEAC,
              c2=0xBE7FFFFC, a3=0x3DEF251A, b3=0xBE2AAE50, c3=0x3EAAAAAA, q1=0xB95E8083,
              q2=0x3F318000, sqrthf=0x3F3504F3)
_LG = [6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
       2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
       1.479819860511658591e-01]


def _ftz(f, x):
    tiny = F32_MIN if x.elem == "float" else F64_MIN
    small = f.fcmp("olt", f.fabs(x), c(f, x, tiny))
    return f.select(small, f.copysign(c(f, x, 0.0), x), x)


def _log_specials(f, v, out, denormal_is_zero=False):
    out = f.select(f.fcmp("oeq", v, c(f, v, 0.0)), c(f, v, -math.inf), out)
    out = f.select(f.fcmp("ult", v, c(f, v, 0.0)), c(f, v, math.nan), out)  # < 0 or NaN
    out = f.select(f.fcmp("oeq", v, c(f, v, math.inf)), v, out)
    if denormal_is_zero:  # denormals of either sign read as zero
        tiny = f.fcmp("olt", f.fabs(v), c(f, v, F32_MIN))
        out = f.select(tiny, c(f, v, -math.inf), out)
    return out


def _log32(f, v, xla):
    """XLA:CPU's float32 log; ``xla`` also treats denormals as zero and flushes the result."""
    k = {name: c(f, v, _f32(word)) for name, word in _LOG32.items()}
    one = c(f, v, 1.0)
    if xla:
        x = f.select(f.fcmp("olt", v, c(f, v, F32_MIN)), c(f, v, F32_MIN), v)
        eadj = None
    else:
        small = f.fcmp("olt", v, c(f, v, F32_MIN))
        x = f.select(small, f.fmul(v, c(f, v, 2.0 ** 23)), v)
        eadj = f.select(small, c(f, v, -23.0), c(f, v, 0.0))
    bits = f.as_int(x)
    e = f.sitofp(f.and_(f.lshr(bits, f.like(bits, 23)), f.like(bits, 0xFF)), "float")
    e = f.fsub(e, c(f, v, 126.0))
    if eadj is not None:
        e = f.fadd(e, eadj)
    m = f.bitcast(f.or_(f.and_(bits, f.like(bits, 0x807FFFFF)), f.like(bits, 0x3F000000)),
                  "float")
    small = f.fcmp("olt", m, k["sqrthf"])
    t = f.fsub(m, one)
    t = f.fadd(t, f.select(small, m, c(f, v, 0.0)))
    e = f.fsub(e, f.select(small, one, c(f, v, 0.0)))
    t2 = f.fmul(t, t)
    t3 = f.fmul(t2, t)
    y = f.fma(t, k["a1"], k["a2"])
    y1 = f.fma(t, k["b1"], k["b2"])
    y2 = f.fma(t, k["c1"], k["c2"])
    y = f.fma(y, t, k["a3"])
    y1 = f.fma(y1, t, k["b3"])
    y2 = f.fma(y2, t, k["c3"])
    y = f.fma(y, t3, y1)
    y = f.fma(y, t3, y2)
    y = f.fma(y, t3, f.fmul(e, k["q1"]))
    out = f.fma(e, k["q2"], f.fadd(f.fsub(t, f.fmul(t2, c(f, v, 0.5))), y))
    out = _log_specials(f, v, out, denormal_is_zero=xla)
    return _ftz(f, out) if xla else out


def _log64_parts(f, v):
    """(k, f, s, hfsq, R) of fdlibm's log for positive finite v (denormals scaled)."""
    small = f.fcmp("olt", v, c(f, v, F64_MIN))
    x = f.select(small, f.fmul(v, c(f, v, 2.0 ** 54)), v)
    bits = f.as_int(x)
    ix = f.add(bits, f.like(bits, 0x00095F6200000000))
    k = f.sub(f.ashr(ix, f.like(ix, 52)), f.like(ix, 0x3FF))
    k = f.sitofp(k, "double")
    k = f.fsub(k, f.select(small, c(f, v, 54.0), c(f, v, 0.0)))
    mb = f.add(f.and_(ix, f.like(ix, 0x000FFFFFFFFFFFFF)), f.like(ix, 0x3FE6A09E00000000))
    m = f.bitcast(mb, "double")
    return k, m


def _log64(f, v, terms=7):
    """fdlibm's log; ``terms`` < 7 truncates its series (for float32 results)."""
    k, m = _log64_parts(f, v)
    fr = f.fsub(m, c(f, v, 1.0))
    hfsq = f.fmul(f.fmul(c(f, v, 0.5), fr), fr)
    s = f.fdiv(fr, f.fadd(c(f, v, 2.0), fr))
    z = f.fmul(s, s)
    if terms == 7:
        w = f.fmul(z, z)
        t1 = f.fmul(w, f.horner(w, [_LG[5], _LG[3], _LG[1]]))
        t2 = f.fmul(z, f.horner(w, [_LG[6], _LG[4], _LG[2], _LG[0]]))
        r = f.fadd(t2, t1)
    else:
        r = f.fmul(z, f.horner(z, _LG[:terms][::-1]))
    inner = f.fadd(f.fmul(s, f.fadd(hfsq, r)), f.fmul(k, c(f, v, LN2_LO_D)))
    out = f.fsub(f.fmul(k, c(f, v, LN2_HI_D)), f.fsub(f.fsub(hfsq, inner), fr))
    return _log_specials(f, v, out)


def log(f, x):
    return _log32(f, x, xla=False) if x.elem == "float" else _log64(f, x)


def _log64_xla(f, v):
    """XLA:CPU's float64 log: glibc's log, with denormal inputs read as zero."""
    out = libm_call(f, "log", [v])
    return f.select(f.fcmp("olt", f.fabs(v), c(f, v, F64_MIN)), c(f, v, -math.inf), out)


def log_xla(f, x):
    if x.elem == "float":
        return _log32(f, x, xla=True)
    return _log64_xla(f, x)


_LOG1P_P = (4.52700008624452e-05, 0.49854102823193375, 6.578732594206104, 29.911919328553072,
            60.94966798098779, 57.11296359058554, 20.039553499201283)
_LOG1P_Q = (1.0, 15.062909083469192, 83.04756596796722, 221.76239823732857,
            309.09872225312057, 216.42788614495947, 60.11866049760384)


def _log1p(f, x, xla):
    single = x.elem == "float"
    small = f.fcmp("olt", f.fabs(x), c(f, x, 0.41421356237309503))
    x2 = f.fmul(x, x)
    x3 = f.fmul(x, x2)
    r = f.fdiv(f.horner(x, _LOG1P_P), f.horner(x, _LOG1P_Q))
    small_res = f.fadd(x, f.fadd(f.fmul(x2, c(f, x, -0.5)), f.fmul(x3, r)))
    u = f.fadd(x, c(f, x, 1.0))
    big_res = _log32(f, u, xla) if single else (_log64_xla(f, u) if xla else
                                                 _log64(f, u))
    out = f.select(small, small_res, big_res)
    return _ftz(f, out) if xla else out


def log1p(f, x):
    """log(u) + (x - (u - 1)) / u with u = 1 + x: the correction term makes up for the
    rounding of u (accurate to about 1 ulp everywhere)."""
    one = c(f, x, 1.0)
    u = f.fadd(x, one)
    lu = _log32(f, u, xla=False) if x.elem == "float" else _log64(f, u)
    corr = f.fdiv(f.fsub(x, f.fsub(u, one)), u)
    ok = f.and_(f.fcmp("one", u, c(f, x, 0.0)), f.fcmp("one", u, c(f, x, math.inf)))
    return f.fadd(lu, f.select(ok, corr, c(f, x, 0.0)))


def log1p_xla(f, x):
    return _log1p(f, x, xla=True)


# ----------------------------------------------------------------------------------------------
# trigonometry


def _libm_lanes(f, x, mask, fast, name):
    """Replace the lanes of ``fast`` selected by ``mask`` with libm's ``name`` (double) of x,
    on a cold path (an out-of-line function) taken only when some lane needs it."""
    lanes = x.lanes
    if lanes == 1:
        anyv = mask
    else:
        anyv = f.intrinsic("vector.reduce.or", mask, ret="i1")
    slow, done = f.new_label("slow"), f.new_label("done")
    entry = f.new_label("entry")
    f.stmt(f"br label %{entry}")
    f.label(entry)
    f.stmt(f"br i1 {anyv.name}, label %{slow}, label %{done}, !prof !0")
    f.label(slow)
    fixed = f.call(_define_libm_lanes(f.module, name, x.ty, mask.ty), x.ty, [x, mask, fast])
    f.stmt(f"br label %{done}")
    f.label(done)
    return f.emit(fast.ty, f"phi {fast.ty} [ {fast.name}, %{entry} ], [ {fixed.name}, %{slow} ]")


def _define_libm_lanes(module, name, ty, mty):
    """A noinline function: (x, mask, fast) -> fast with libm's results in the masked lanes."""
    fname = f"pj.libm.{name}.{mangle(ty)}"
    if fname in module.defined:
        return fname
    module.defined.add(fname)
    module.declare(name, "double", ["double"])
    v = Val("%x", ty)
    lanes = v.lanes
    elem = v.elem
    lines = [f"define internal {ty} @{fname}({ty} %x, {mty} %m, {ty} %fast) noinline nounwind "
             "cold {", "entry:", "  br label %loop", "loop:",
             "  %i = phi i32 [ 0, %entry ], [ %next, %latch ]",
             f"  %acc = phi {ty} [ %fast, %entry ], [ %acc2, %latch ]"]
    if lanes == 1:
        lines += ["  br i1 %m, label %call, label %latch", "call:",
                  f"  %xi = bitcast {elem} %x to {elem}"]
    else:
        lines += ["  %mi = extractelement " + f"{mty} %m, i32 %i",
                  "  br i1 %mi, label %call, label %latch", "call:",
                  f"  %xi = extractelement {ty} %x, i32 %i"]
    if elem == "float":
        lines += ["  %xd = fpext float %xi to double", f"  %rd = call double @{name}(double %xd)",
                  "  %ri = fptrunc double %rd to float"]
    else:
        lines += [f"  %ri = call double @{name}(double %xi)"]
    if lanes == 1:
        lines += [f"  %upd = bitcast {elem} %ri to {elem}"]
    else:
        lines += [f"  %upd = insertelement {ty} %acc, {elem} %ri, i32 %i"]
    lines += ["  br label %latch", "latch:",
              f"  %acc2 = phi {ty} [ %acc, %loop ], [ %upd, %call ]",
              "  %next = add i32 %i, 1", f"  %more = icmp slt i32 %next, {lanes}",
              f"  br i1 %more, label %loop, label %out, !llvm.loop {module.no_unroll()}",
              "out:", f"  ret {ty} %acc2", "}"]
    module.functions.append("\n".join(lines))
    return fname


def _x86():
    from pyjax._src.compiler.llvm import target
    return target.state().triple.startswith(("x86_64", "i686", "i386"))


def libm_call(f, name, args, daz=False):
    """libm's scalar function ``name`` (on the arguments' element type) on every lane, from a
    noinline loop. ``daz``: with denormals-are-zero and flush-to-zero set in MXCSR meanwhile,
    as XLA:CPU's threads have them when its kernels call the C library."""
    ty, elem, nargs = args[0].ty, args[0].elem, len(args)
    daz = daz and _x86()
    fname = f"pj.libm{'_daz' if daz else ''}.{name}.{mangle(ty)}"
    module = f.module
    if fname not in module.defined:
        module.defined.add(fname)
        module.declare(name, elem, [elem] * nargs)
        params = ", ".join(f"{ty} %a{i}" for i in range(nargs))
        lines = [f"define internal {ty} @{fname}({params}) noinline nounwind {{", "entry:"]
        if daz:
            for csr in ("stmxcsr", "ldmxcsr"):
                module.declare(f"llvm.x86.sse.{csr}", "void", ["ptr"])
            lines += ["  %old = alloca i32, align 4", "  %new = alloca i32, align 4",
                      "  call void @llvm.x86.sse.stmxcsr(ptr %old)",
                      "  %o = load i32, ptr %old, align 4", "  %n = or i32 %o, 32832",
                      "  store i32 %n, ptr %new, align 4",
                      "  call void @llvm.x86.sse.ldmxcsr(ptr %new)"]
        restore = ["  call void @llvm.x86.sse.ldmxcsr(ptr %old)"] if daz else []
        if args[0].lanes == 1:
            lines += [f"  %r = call {elem} @{name}({params})"] + restore + [f"  ret {elem} %r"]
        else:
            lanes = args[0].lanes
            extract = [f"  %x{i} = extractelement {ty} %a{i}, i32 %i" for i in range(nargs)]
            call_args = ", ".join(f"{elem} %x{i}" for i in range(nargs))
            lines += ["  br label %loop", "loop:",
                      "  %i = phi i32 [ 0, %entry ], [ %next, %loop ]",
                      f"  %acc = phi {ty} [ poison, %entry ], [ %acc2, %loop ]", *extract,
                      f"  %r = call {elem} @{name}({call_args})",
                      f"  %acc2 = insertelement {ty} %acc, {elem} %r, i32 %i",
                      "  %next = add i32 %i, 1", f"  %more = icmp slt i32 %next, {lanes}",
                      f"  br i1 %more, label %loop, label %out, !llvm.loop {module.no_unroll()}",
                      "out:", *restore, f"  ret {ty} %acc2"]
        module.functions.append("\n".join(lines + ["}"]))
    return f.call(fname, ty, args)


def _quadrant(f, j):
    """j mod 4 as int32 lanes, for any float j (NaN, inf and huge values give 0)."""
    big = f.fcmp("uge", f.fabs(j), c(f, j, 2.0 ** 30))  # also NaN; those lanes go elsewhere
    return f.fptosi(f.select(big, c(f, j, 0.0), j), "i32")


def _reduce_pio2_f32(f, x):
    """(r, q) with x = q*pi/2 + r, r as float32 (reduced in float64), q int32."""
    xd = f.cast("fpext", x, "double")
    j = f.roundeven(f.fmul(xd, c(f, xd, INV_PIO2)))
    r = f.fma(j, c(f, xd, -PIO2_1), xd)
    r = f.fma(j, c(f, xd, -PIO2_1T), r)
    return f.cast("fptrunc", r, "float"), _quadrant(f, j)


def _sincos_f32_kernels(f, r):
    z = f.fmul(r, r)
    ps = f.horner(z, [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1])
    s = f.fma(f.fmul(r, z), ps, r)
    pc = f.horner(z, [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2])
    co = f.fma(f.fmul(z, z), pc, f.fma(z, c(f, z, -0.5), c(f, z, 1.0)))
    return s, co


def _reduce_pio2_f64(f, x):
    """fdlibm's medium-range reduction, all three rounds: x = q*pi/2 + (y0 + y1)."""
    fn = f.roundeven(f.fmul(x, c(f, x, INV_PIO2)))
    r = f.fma(fn, c(f, x, -PIO2_1), x)
    w = f.fmul(fn, c(f, x, PIO2_1T))
    for p, pt in ((PIO2_2, PIO2_2T), (PIO2_3, PIO2_3T)):
        t = r
        w = f.fmul(fn, c(f, x, p))
        r = f.fsub(t, w)
        w = f.fsub(f.fmul(fn, c(f, x, pt)), f.fsub(f.fsub(t, r), w))
    y0 = f.fsub(r, w)
    y1 = f.fsub(f.fsub(r, y0), w)
    return y0, y1, _quadrant(f, fn)


_S64 = [-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
        2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10]
_C64 = [4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
        -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11]


def _sin64_kernel(f, x, y):
    z = f.fmul(x, x)
    w = f.fmul(z, z)
    r = f.fadd(f.fma(z, f.fma(z, c(f, x, _S64[3]), c(f, x, _S64[2])), c(f, x, _S64[1])),
               f.fmul(f.fmul(z, w), f.fma(z, c(f, x, _S64[5]), c(f, x, _S64[4]))))
    v = f.fmul(z, x)
    inner = f.fsub(f.fmul(z, f.fsub(f.fmul(c(f, x, 0.5), y), f.fmul(v, r))), y)
    return f.fsub(x, f.fsub(inner, f.fmul(v, c(f, x, _S64[0]))))


def _cos64_kernel(f, x, y):
    z = f.fmul(x, x)
    w = f.fmul(z, z)
    r = f.fadd(f.fmul(z, f.horner(z, [_C64[2], _C64[1], _C64[0]])),
               f.fmul(f.fmul(w, w), f.horner(z, [_C64[5], _C64[4], _C64[3]])))
    hz = f.fmul(c(f, x, 0.5), z)
    one = c(f, x, 1.0)
    w1 = f.fsub(one, hz)
    return f.fadd(w1, f.fadd(f.fsub(f.fsub(one, w1), hz), f.fsub(f.fmul(z, r), f.fmul(x, y))))


def _sincos(f, x):
    """(sin kernel, cos kernel, quadrant) of the reduced argument."""
    if x.elem == "float":
        r, q = _reduce_pio2_f32(f, x)
        s, co = _sincos_f32_kernels(f, r)
    else:
        y0, y1, q = _reduce_pio2_f64(f, x)
        s, co = _sin64_kernel(f, y0, y1), _cos64_kernel(f, y0, y1)
    return s, co, q


def _by_quadrant(f, s, co, q):
    odd = f.icmp("ne", f.and_(q, f.like(q, 1)), f.like(q, 0))
    neg = f.icmp("ne", f.and_(q, f.like(q, 2)), f.like(q, 0))
    v = f.select(odd, co, s)
    return f.select(neg, f.fneg(v), v)


def _trig(f, x, which):
    s, co, q = _sincos(f, x)
    if which == "sin":
        out = _by_quadrant(f, s, co, q)
    elif which == "cos":
        out = _by_quadrant(f, s, co, f.add(q, f.like(q, 1)))
    else:  # tan
        odd = f.icmp("ne", f.and_(q, f.like(q, 1)), f.like(q, 0))
        out = f.select(odd, f.fneg(f.fdiv(co, s)), f.fdiv(s, co))
    big = f.fcmp("oge", f.fabs(x), c(f, x, TRIG_BIG))
    return _libm_lanes(f, x, big, out, which)


def sin(f, x):
    return _trig(f, x, "sin")


def cos(f, x):
    return _trig(f, x, "cos")


def tan(f, x):
    return _trig(f, x, "tan")


# ----------------------------------------------------------------------------------------------
# tanh, logistic


def tanh(f, x):
    t = call(f, "expm1", [f.fmul(f.fabs(x), c(f, x, -2.0))])
    return f.copysign(f.fdiv(f.fneg(t), f.fadd(t, c(f, x, 2.0))), x)


def logistic(f, x):
    e = call(f, "exp", [f.fneg(x)])
    one = c(f, x, 1.0)
    return f.fdiv(one, f.fadd(one, e))


# ----------------------------------------------------------------------------------------------
# erf, erfc, erf_inv

_ERF32_P = (0.00022905065, _f32(0x3B5F5DA2), _f32(0x3D50B6EB), _f32(0x3E3DA740),
            _f32(0x3F906EBA))
_ERF32_Q = (-1.1791603e-07, 2.3547966e-05, _f32(0x3A856D28), _f32(0x3C6687D4),
            _f32(0x3DE34C21), _f32(0x3EFEB44A), 1.0)


def _erf32(f, x, xla):
    x2 = f.fmul(x, x)
    out = f.fdiv(f.fmul(x, f.horner(x2, _ERF32_P)), f.horner(x2, _ERF32_Q))
    big = f.fcmp("oge", f.fabs(x), c(f, x, 3.832507))
    out = f.select(big, f.copysign(c(f, x, 1.0), x), out)
    return _ftz(f, out) if xla else out


_ERX = 8.45062911510467529297e-01
_PP = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05]
_QQ = [1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06]
_PA = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03]
_QA = [1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02]
_RA = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00]
_SA = [1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02]
_RB = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02]
_SB = [1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01]


def _poly_lo(f, x, coeffs):
    """c0 + c1*x + ... (coefficients from the lowest degree), fdlibm's evaluation order."""
    acc = c(f, x, coeffs[-1])
    for co in reversed(coeffs[:-1]):
        acc = f.fadd(c(f, x, co), f.fmul(x, acc))
    return acc


def _erf64_pieces(f, x):
    """The pieces of fdlibm's erf/erfc for float64 x (all computed; callers select)."""
    ax = f.fabs(x)
    z = f.fmul(x, x)
    y = f.fdiv(_poly_lo(f, z, _PP), _poly_lo(f, z, _QQ))  # |x| < 0.84375
    s = f.fsub(ax, c(f, x, 1.0))
    pq = f.fdiv(_poly_lo(f, s, _PA), _poly_lo(f, s, _QA))  # 0.84375 <= |x| < 1.25
    # 1.25 <= |x| < 28: erfc(|x|) = exp(-z*z - 0.5625) * exp((z-x)(z+x) + R/S) / |x|
    axs = f.select(f.fcmp("olt", ax, c(f, x, 1.25)), c(f, x, 1.25), ax)
    s2 = f.fdiv(c(f, x, 1.0), f.fmul(axs, axs))
    near = f.fcmp("olt", axs, c(f, x, 1 / 0.35))
    rr = f.select(near, _poly_lo(f, s2, _RA), _poly_lo(f, s2, _RB))
    ss = f.select(near, _poly_lo(f, s2, _SA), _poly_lo(f, s2, _SB))
    zz = f.bitcast(f.and_(f.as_int(axs), c(f, f.as_int(axs), -(1 << 32))), "double")
    e1 = call(f, "exp", [f.fsub(f.fneg(f.fmul(zz, zz)), c(f, x, 0.5625))])
    e2 = call(f, "exp", [f.fadd(f.fmul(f.fsub(zz, axs), f.fadd(zz, axs)), f.fdiv(rr, ss))])
    tail = f.fdiv(f.fmul(e1, e2), axs)  # erfc(|x|) for 1.25 <= |x| < 28
    return ax, y, pq, tail


def _erf64(f, x):
    ax, y, pq, tail = _erf64_pieces(f, x)
    one = c(f, x, 1.0)
    r0 = f.fadd(x, f.fmul(x, y))
    r1 = f.copysign(f.fadd(c(f, x, _ERX), pq), x)
    r2 = f.copysign(f.fsub(one, tail), x)
    r3 = f.copysign(one, x)
    out = f.select(f.fcmp("olt", ax, c(f, x, 6.0)), r2, r3)
    out = f.select(f.fcmp("olt", ax, c(f, x, 1.25)), r1, out)
    out = f.select(f.fcmp("olt", ax, c(f, x, 0.84375)), r0, out)
    return f.select(f.isnan(x), x, out)


def _erfc64(f, x):
    ax, y, pq, tail = _erf64_pieces(f, x)
    one, two = c(f, x, 1.0), c(f, x, 2.0)
    neg = f.fcmp("olt", x, c(f, x, 0.0))
    xy = f.fmul(x, y)
    r0 = f.select(f.fcmp("olt", x, c(f, x, 0.25)), f.fsub(one, f.fadd(x, xy)),
                  f.fsub(c(f, x, 0.5), f.fadd(xy, f.fsub(x, c(f, x, 0.5)))))
    r1 = f.select(neg, f.fadd(one, f.fadd(c(f, x, _ERX), pq)),
                  f.fsub(c(f, x, 1.0 - _ERX), pq))
    r2 = f.select(neg, f.fsub(two, tail), tail)
    r3 = f.select(neg, two, c(f, x, 0.0))
    out = f.select(f.fcmp("olt", ax, c(f, x, 28.0)), r2, r3)
    out = f.select(f.and_(neg, f.fcmp("oge", ax, c(f, x, 6.0))), two, out)
    out = f.select(f.fcmp("olt", ax, c(f, x, 1.25)), r1, out)
    out = f.select(f.fcmp("olt", ax, c(f, x, 0.84375)), r0, out)
    return f.select(f.isnan(x), x, out)


def erf(f, x):
    return _erf32(f, x, xla=False) if x.elem == "float" else _erf64(f, x)


def erf_xla(f, x):
    if x.elem == "float":
        return _erf32(f, x, xla=True)
    return libm_call(f, "erf", [x], daz=True)  # glibc's erf, as XLA:CPU calls it


def erfc(f, x):
    if x.elem == "float":
        return f.cast("fptrunc", call(f, "erfc", [f.cast("fpext", x, "double")]), "float")
    return _erfc64(f, x)


_ERFINV32_SMALL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV32_BIG = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                 -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_ERFINV64 = xla_numerics.ERF_INV_F64_COEFFS


def _erf_inv(f, x, xla):
    """Giles' approximation. ``xla``: exactly as XLA:CPU evaluates it (FMA Horner on XLA's
    log1p of -x*x); otherwise w = -log((1-x)(1+x)) is computed without cancellation and
    float32 goes through float64 (XLA's float32 version is off by tens of ulp)."""
    if not xla:
        if x.elem == "float":
            return f.cast("fptrunc", call(f, "erf_inv", [f.cast("fpext", x, "double")]),
                          "float")
        w = f.fneg(f.fadd(log1p(f, f.fneg(x)), log1p(f, x)))
    else:
        w = f.fneg(_log1p(f, f.fmul(x, f.fneg(x)), xla))
    if x.elem == "float":
        small = f.fcmp("olt", w, c(f, x, 5.0))
        # np.maximum(w, 0): NaN stays NaN (|x| > 1 must give NaN).
        wpos = f.select(f.fcmp("olt", w, c(f, x, 0.0)), c(f, x, 0.0), w)
        big_t = f.fsub(f.sqrt(wpos), c(f, x, 3.0))
        t = f.select(small, f.fsub(w, c(f, x, 2.5)), big_t)
        p = f.select(small, f.horner(t, _ERFINV32_SMALL), f.horner(t, _ERFINV32_BIG))
        out = f.fmul(x, p)
    else:
        sw = f.sqrt(w)
        b1 = f.fcmp("olt", w, c(f, x, 6.25))
        b2 = f.fcmp("olt", w, c(f, x, 16.0))
        p1 = f.horner(f.fsub(w, c(f, x, 3.125)), _ERFINV64[0])
        p2 = f.horner(f.fsub(sw, c(f, x, 3.25)), _ERFINV64[1])
        p3 = f.horner(f.fsub(sw, c(f, x, 5.0)), _ERFINV64[2])
        out = f.fmul(f.select(b1, p1, f.select(b2, p2, p3)), x)
    ones = f.fcmp("oeq", f.fabs(x), c(f, x, 1.0))
    out = f.select(ones, f.fmul(x, c(f, x, math.inf)), out)
    return _ftz(f, out) if xla else out


def erf_inv(f, x):
    return _erf_inv(f, x, xla=False)


def erf_inv_xla(f, x):
    return _erf_inv(f, x, xla=True)


# ----------------------------------------------------------------------------------------------
# pow


def _pow_specials(f, x, y, m):
    """C99 pow's special cases around m = |x|**y (all values float64 or all float32)."""
    one = c(f, x, 1.0)
    yint = f.fcmp("oeq", f.floor(y), y)
    half = f.fmul(y, c(f, y, 0.5))
    yodd = f.and_(yint, f.fcmp("one", f.floor(half), half))
    sign = f.icmp("slt", f.as_int(x), f.like(f.as_int(x), 0))
    res = f.select(f.and_(sign, yodd), f.fneg(m), m)
    # A negative finite base to a non-integer power is NaN (pow(-inf, y) is |x|**y: 0 or inf).
    neg_nonint = f.and_(f.and_(f.fcmp("olt", x, c(f, x, 0.0)),
                               f.fcmp("one", x, c(f, x, -math.inf))),
                        f.fcmp("one", f.floor(y), y))
    res = f.select(neg_nonint, c(f, x, math.nan), res)
    yinf = f.fcmp("oeq", f.fabs(y), c(f, y, math.inf))
    res = f.select(f.and_(f.fcmp("oeq", f.fabs(x), one), yinf), one, res)
    res = f.select(f.fcmp("oeq", x, one), one, res)
    return f.select(f.fcmp("oeq", y, c(f, y, 0.0)), one, res)


_ATANH_P = [2.0 / (2 * i + 1) for i in range(12, 0, -1)]  # 2/25, ..., 2/3


def _log_dd(f, ax):
    """log(ax) as hi + lo (about 2**-65 relative) for positive finite float64 ax."""
    k, m = _log64_parts(f, ax)
    two = c(f, ax, 2.0)
    fr = f.fsub(m, c(f, ax, 1.0))
    u = f.fadd(two, fr)
    ul = f.fadd(f.fsub(two, u), fr)
    s = f.fdiv(fr, u)
    rr = f.fsub(f.fma(f.fneg(s), u, fr), f.fmul(s, ul))
    sl = f.fdiv(rr, u)
    z = f.fmul(s, s)
    hi = f.fmul(two, s)
    lo = f.fadd(f.fmul(two, sl), f.fmul(f.fmul(s, z), f.horner(z, _ATANH_P)))
    a = f.fmul(k, c(f, ax, LN2_HI_D))
    sh = f.fadd(a, hi)  # two_sum(a, hi)
    bp = f.fsub(sh, a)
    se = f.fadd(f.fsub(a, f.fsub(sh, bp)), f.fsub(hi, bp))
    lt = f.fadd(se, f.fadd(f.fmul(k, c(f, ax, LN2_LO_D)), lo))
    lh = f.fadd(sh, lt)
    ll = f.fsub(lt, f.fsub(lh, sh))
    return lh, ll


def pow(f, x, y):  # noqa: A001 (the math function's name)
    if x.elem == "float":
        # In float64, with series cut to what a float32 result needs (p = y*log|x| to about
        # 2**-36 relative: well under half an ulp after rounding).
        xd, yd = f.cast("fpext", x, "double"), f.cast("fpext", y, "double")
        p = f.fmul(yd, _log64(f, f.fabs(xd), terms=5))
        pc = _clamp(f, p, -746.0, 710.0)
        n, r = _reduce_ln2(f, pc)
        m = _scale2(f, _exp_poly(f, r, degree=9), n)
        m = f.select(f.isnan(p), p, m)
        return f.cast("fptrunc", _pow_specials(f, xd, yd, m), "float")
    ax = f.fabs(x)
    lh, ll = _log_dd(f, ax)
    special = f.or_(f.fcmp("ueq", ax, c(f, x, 0.0)), f.fcmp("oeq", ax, c(f, x, math.inf)))
    lh = f.select(special, f.select(f.fcmp("oeq", ax, c(f, x, 0.0)), c(f, x, -math.inf), ax),
                  lh)  # log(0) = -inf, log(inf) = inf, log(NaN) = NaN
    ll = f.select(special, c(f, x, 0.0), ll)
    ph = f.fmul(y, lh)
    pl = f.fadd(f.fma(y, lh, f.fneg(ph)), f.fmul(y, ll))
    finite = f.fcmp("one", f.fabs(ph), c(f, x, math.inf))
    pl = f.select(finite, pl, c(f, x, 0.0))
    pc = _clamp(f, ph, -746.0, 710.0)
    n, r = _reduce_ln2(f, pc)
    r = f.fadd(r, pl)
    m = _scale2(f, _exp_poly(f, r), n)
    m = f.select(f.isnan(ph), ph, m)
    return _pow_specials(f, x, y, m)


# ----------------------------------------------------------------------------------------------
# registry and emission as internal functions

IMPLS = {
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log1p": log1p, "sin": sin,
    "cos": cos, "tan": tan, "tanh": tanh, "logistic": logistic, "erf": erf, "erfc": erfc,
    "erf_inv": erf_inv, "pow": pow, "log_xla": log_xla, "log1p_xla": log1p_xla,
    "erf_xla": erf_xla, "erf_inv_xla": erf_inv_xla,
}


def call(f, name, args):
    """Call math function ``name`` on vector values, defining it in f's module on first use."""
    ty = args[0].ty
    fname = f"pj.{name}.{mangle(ty)}"
    module = f.module
    if fname not in module.defined:
        module.defined.add(fname)
        body = Func(module, args[0].lanes)
        params = [Val(f"%a{i}", ty) for i in range(len(args))]
        result = IMPLS[name](body, *params)
        sig = ", ".join(f"{ty} %a{i}" for i in range(len(args)))
        text = [f"define internal {ty} @{fname}({sig}) alwaysinline nounwind {{", "start:"]
        text += body.lines
        text.append(f"  ret {result}")
        text.append("}")
        module.functions.append("\n".join(text))
    return f.call(fname, ty, args)


from pyjax._src.compiler.llvm import mathlib_xla  # noqa: E402,F401 (registers)

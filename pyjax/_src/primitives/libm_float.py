"""The C library functions XLA:CPU calls for some float kernels, reproduced exactly in NumPy.

For tan and pow (float32 and float64) and float64 log and erf, XLA:CPU's compiled code calls
the C library of the process (glibc on Linux): ``tanf``, ``powf``, ``tan``, ``pow``, ``log``,
``erf``. Python's math module calls the same double-precision functions, so float64 goes through
it element by element (``math_map``). The float32 functions have no Python entry point; they
are reproduced here in NumPy, vectorised, operation for operation as glibc (2.28 or later)
computes them:

- ``tan32``: glibc's ``tanf`` (Sun's ``__kernel_tanf`` polynomial in float32 after a float64
  reduction by pi/2; large arguments use the 4/pi bit table), built for baseline x86-64 (no
  fused multiply-adds);
- ``pow32``: glibc's ``powf`` (a 16-entry log2 table and a degree-5 polynomial, then exp2 with a
  32-entry table, in float64), in the variant selected on CPUs with FMA (every multiply-add is
  fused, as its machine code shows);
- ``logf32``: glibc's ``logf`` (FMA variant), which XLA's constant folding calls on the host.

XLA:CPU runs with denormals-are-zero and flush-to-zero set, also inside these calls; the
kernels here reproduce that where it shows. The tables are glibc's (ARM optimized-routines).
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.primitives.xla_float import flat_kernel, fma64, ftz

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def _f32(word):
    return np.array(word, _U32).view(_F32)[()]


def _f64(word):
    return np.array(word, _U64).view(_F64)[()]


# ----------------------------------------------------------------------------------------------
# float64: glibc through Python's math module (the functions XLA:CPU calls).

# For the arguments where Python's math functions raise (poles, domain errors, overflow):
# IEEE's special values, as the C functions return them (NumPy's loops give them too).
_NUMPY_TWIN = {math.log: np.log, math.tan: np.tan, math.pow: np.power}


def _safe(fn):
    def f(*v):
        try:
            return fn(*v)
        except (ValueError, OverflowError):
            with np.errstate(all="ignore"):
                return float(_NUMPY_TWIN[fn](*v))
    return f


def math_map(fn, *args):
    """A function of Python's math module (glibc's double functions) elementwise over arrays."""
    arrs = np.broadcast_arrays(*[np.asarray(a, _F64) for a in args])
    shape = arrs[0].shape
    flat = [a.reshape(-1).tolist() for a in arrs]
    return np.fromiter(map(_safe(fn), *flat), _F64, math.prod(shape)).reshape(shape)


def log64(x):
    """float64 log as XLA:CPU computes it: glibc's log, denormal inputs read as zero."""
    x = ftz(np.array(x, _F64))
    out = np.empty_like(x)
    ok = (x > 0) & np.isfinite(x)
    out[ok] = math_map(math.log, x[ok])
    out[(x < 0) | np.isnan(x)] = np.nan
    out[x == 0] = -np.inf  # -0.0 too
    out[x == np.inf] = np.inf
    return out


def tan64(x):
    """float64 tan as XLA:CPU computes it (glibc's tan; tiny x, denormals too, give x)."""
    return math_map(math.tan, x)


def pow64(x, y):
    """float64 pow as XLA:CPU computes it (glibc's pow), for normal x: XLA:CPU reads a
    denormal x as zero in glibc's normalisation step (as in pow32), which is not reproduced."""
    return ftz(math_map(math.pow, x, y))


# ----------------------------------------------------------------------------------------------
# tanf

_TANF_T = tuple(_f32(w) for w in (
    0x3EAAAAAB, 0x3E088889, 0x3D5D0DD1, 0x3CB327A4, 0x3C11371F, 0x3B6B6916, 0x3ABEDE48,
    0x3A1A26C8, 0x398137B9, 0x38A3F445, 0x3895C07A, 0xB79BAE5F, 0x37D95384))
_PIO4 = _f32(0x3F490FDA)
_PIO4LO = _f32(0x33222168)
_HPI_INV_2_24 = _f64(0x41645F306DC9C883)  # 2/pi * 2**24
_HPI = _f64(0x3FF921FB54442D18)
_PI63 = _f64(0x3C1921FB54442D18)  # pi * 2**-62
# 4/pi in binary; glibc's __inv_pio4[i] is the 32-bit window starting i bytes before bit 0.
_INV_PIO4_HEX = "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041"
_INV_PIO4 = np.array([int(("000000" + _INV_PIO4_HEX)[2 * i:2 * i + 8], 16) for i in range(24)],
                     _U64)


def _reduce_large(xi):
    """glibc's reduce_large: (n, r) with |x| = n*pi/2 + r, for uint32 bits xi of |x| >= 120."""
    idx = ((xi >> np.uint32(26)) & np.uint32(15)).astype(np.intp)
    shift = ((xi >> np.uint32(23)) & np.uint32(7)).astype(_U64)
    m = (((xi & np.uint32(0xFFFFFF)) | np.uint32(0x800000)).astype(_U64) << shift)
    mask32 = np.uint64(0xFFFFFFFF)
    r0 = (m * _INV_PIO4[idx]) & mask32  # a 32-bit product in C
    r1 = m * _INV_PIO4[idx + 4]
    r2 = m * _INV_PIO4[idx + 8]
    r0 = (r2 >> np.uint64(32)) | (r0 << np.uint64(32))
    r0 = r0 + r1
    n = (r0 + (np.uint64(1) << np.uint64(61))) >> np.uint64(62)
    r0 = r0 - (n << np.uint64(62))
    return n.astype(np.int64), r0.view(np.int64).astype(_F64) * _PI63


def _kernel_tanf(x, y, iy, neg_x):
    """Sun's __kernel_tanf in float32: tan(x + y) (iy == 1) or -1/tan(x + y) (iy == -1)."""
    f = np.float32
    t = _TANF_T
    ix = x.view(_U32) & np.uint32(0x7FFFFFFF)
    big = ix >= np.uint32(0x3F2CA140)
    sgn = np.where(neg_x, f(-1), f(1))  # 1 - ((hx >> 30) & 2)
    ax = np.where(big, np.abs(x), x)
    ay = np.where(big & neg_x, -y, y)
    xr = np.where(big, (_PIO4 - ax) + (_PIO4LO - ay), x)
    yr = np.where(big, f(0), y)
    z = xr * xr
    w = z * z
    r = t[1] + w * (t[3] + w * (t[5] + w * (t[7] + w * (t[9] + w * t[11]))))
    v = z * (t[2] + w * (t[4] + w * (t[6] + w * (t[8] + w * (t[10] + w * t[12])))))
    s = z * xr
    r = yr + z * (s * (r + v) + yr)
    r = r + t[0] * s
    w = xr + r
    fiy = iy.astype(_F32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out_big = sgn * (fiy - f(2) * (xr - (w * w / (w + fiy) - r)))
        # -1/(x + r), accurately: w and -1/w with their low 12 bits cleared, then a correction.
        wz = (w.view(_U32) & np.uint32(0xFFFFF000)).view(_F32)
        vv = r - (wz - xr)
        a = f(-1) / w
        tt = (a.view(_U32) & np.uint32(0xFFFFF000)).view(_F32)
        ss = f(1) + tt * wz
        out_neg = tt + a * (ss + tt * vv)
        out = np.where(big, out_big, np.where(iy == 1, w, out_neg))
        # Tiny arguments and tiny reduced arguments near pi/4 return early.
        tiny = ix < np.uint32(0x39000000)
        if tiny.any():
            zero = ix == 0
            small = np.where(iy == 1, x, f(-1) / x)
            small = np.where(zero & (iy == -1), f(1) / np.abs(x), small)
            out = np.where(tiny, small, out)
        near = big & (np.abs(xr) < f(2.0 ** -13))
        if near.any():
            alt = (sgn * fiy) * (f(1) - (f(2) * fiy) * xr)
            out = np.where(near, alt, out)
    return out


@flat_kernel
def tan32(x):
    """glibc's tanf, elementwise on float32."""
    x = np.asarray(x, _F32)
    bits = x.view(_U32)
    ix = bits & np.uint32(0x7FFFFFFF)
    neg = bits >> np.uint32(31) == 1
    # Reduction by pi/2 in float64 (glibc's reduce_fast below 120, reduce_large above).
    dx = x.astype(_F64)
    r = dx * _HPI_INV_2_24
    n = (np.trunc(np.where(np.abs(r) < 2.0 ** 31, r, 0)).astype(np.int64) + 0x800000) >> 24
    red = dx - n.astype(_F64) * _HPI
    large = ((bits >> np.uint32(20)) & np.uint32(0x7FF)) > np.uint32(0x42E)
    large &= ix < np.uint32(0x7F800000)
    if large.any():
        nl, rl = _reduce_large(bits[large])
        n[large] = nl
        red[large] = np.where(neg[large], -rl, rl)
    y0 = red.astype(_F32)
    y1 = (red - y0.astype(_F64)).astype(_F32)
    small = ix <= np.uint32(0x3F490FDA)
    y0 = np.where(small, x, y0)
    y1 = np.where(small, np.float32(0), y1)
    iy = np.where(small, 1, 1 - ((n & 1) << 1))
    out = _kernel_tanf(y0, y1, iy, y0.view(_U32) >> np.uint32(31) == 1)
    return np.where(ix >= np.uint32(0x7F800000), np.float32(np.nan), out).astype(_F32)


# ----------------------------------------------------------------------------------------------
# powf (glibc's FMA variant): log2(x) from a 16-entry table and a polynomial, exp2 of y*log2(x)
# from a 32-entry table, in float64.

_POWF_LOG2_TAB = np.array([
    0x3FF661EC79F8F3BE, 0xBFDEFEC65B963019, 0x3FF571ED4AAF883D, 0xBFDB0B6832D4FCA4,
    0x3FF49539F0F010B0, 0xBFD7418B0A1FB77B, 0x3FF3C995B0B80385, 0xBFD39DE91A6DCF7B,
    0x3FF30D190C8864A5, 0xBFD01D9BF3F2B631, 0x3FF25E227B0B8EA0, 0xBFC97C1D1B3B7AF0,
    0x3FF1BB4A4A1A343F, 0xBFC2F9E393AF3C9F, 0x3FF12358F08AE5BA, 0xBFB960CBBF788D5C,
    0x3FF0953F419900A7, 0xBFAA6F9DB6475FCE, 0x3FF0000000000000, 0x0000000000000000,
    0x3FEE608CFD9A47AC, 0x3FB338CA9F24F53D, 0x3FECA4B31F026AA0, 0x3FC476A9543891BA,
    0x3FEB2036576AFCE6, 0x3FCE840B4AC4E4D2, 0x3FE9C2D163A1AA2D, 0x3FD40645F0C6651C,
    0x3FE886E6037841ED, 0x3FD88E9C2C1B9FF8, 0x3FE767DCF5534862, 0x3FDCE0A44EB17BCC],
    _U64).view(_F64).reshape(16, 2)  # (1/c, log2(c)) per subinterval
_POWF_LOG2_POLY = tuple(_f64(w) for w in (
    0x3FD27616C9496E0B, 0xBFD71969A075C67A, 0x3FDEC70A6CA7BADD, 0xBFE7154748BEF6C8,
    0x3FF71547652AB82B))
_EXP2F_TAB = np.array([
    0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
    0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
    0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
    0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
    0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
    0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
    0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
    0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540], _U64)
_POWF_OFLOW = float.fromhex("0x1.fffffffd1d571p+6")  # |x**y| > 0x1.ffffffp127
_EXP2F_SHIFT = _f64(0x42E8000000000000)  # 0x1.8p52 / 32
_EXP2F_POLY = tuple(_f64(w) for w in (0x3FAC6AF84B912394, 0x3FCEBFCE50FAC4F3,
                                      0x3FE62E42FF0C52D6))


def _checkint32(iy):
    """0: y is not an integer, 1: an odd integer, 2: an even integer (iy: bits of finite y)."""
    e = ((iy >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
    sh = np.clip(0x7F + 23 - e, 0, 31).astype(_U32)
    low = iy & ((np.uint32(1) << sh) - np.uint32(1))
    bit = (iy >> sh) & np.uint32(1)
    out = np.where(low != 0, 0, np.where(bit == 1, 1, 2))
    out = np.where(e > 0x7F + 23, 2, out)
    return np.where(e < 0x7F, 0, out)


def pow32(x, y):
    """glibc's powf (FMA variant), elementwise on float32 (denormal results flushed)."""
    x, y = np.broadcast_arrays(np.asarray(x, _F32), np.asarray(y, _F32))
    shape = x.shape
    x = np.ascontiguousarray(x).reshape(-1)
    y = np.ascontiguousarray(y).reshape(-1)
    ix = x.view(_U32).copy()
    iy = y.view(_U32)
    with np.errstate(all="ignore"):
        neg = (ix >> np.uint32(31)) == 1
        yint = _checkint32(iy)
        odd_neg = neg & (yint == 1)
        ix &= np.uint32(0x7FFFFFFF)
        ax = ix.copy()  # |x| before subnormals are normalised
        # glibc normalises a subnormal x as |x * 2**23| with 23 taken off the exponent; under
        # XLA:CPU the product reads x as zero (denormals-are-zero), leaving 2**-150 in effect.
        ix[(ix < np.uint32(0x00800000)) & (ix != 0)] = np.uint32(0) - np.uint32(23 << 23)
        # log2(x) = log2(c) + k + log1p(z/c - 1)/ln2, z in [0x3f330000, 2*0x3f330000).
        tmp = ix - np.uint32(0x3F330000)
        i = ((tmp >> np.uint32(19)) & np.uint32(15)).astype(np.intp)
        top = tmp & np.uint32(0xFF800000)
        z = (ix - top).view(_F32).astype(_F64)
        k = (top.view(np.int32) >> 23).astype(_F64)
        invc, logc = _POWF_LOG2_TAB[i, 0], _POWF_LOG2_TAB[i, 1]
        a = _POWF_LOG2_POLY
        r = fma64(z, invc, -1.0)
        y0 = logc + k
        r2 = r * r
        p1 = fma64(a[0], r, a[1])
        p2 = fma64(a[2], r, a[3])
        r4 = r2 * r2
        q = fma64(r, a[4], y0)
        q = fma64(p2, r2, q)
        logx = fma64(p1, r4, q)
        ylogx = y.astype(_F64) * logx
        # exp2(ylogx) = 2**(k/32) * 2**r with the sign bit set for negative x and odd y.
        kd = ylogx + _EXP2F_SHIFT
        ki = kd.view(_U64)
        kd = kd - _EXP2F_SHIFT
        r = ylogx - kd
        ski = ki + np.where(odd_neg, np.uint64(1 << 16), np.uint64(0))
        s = (_EXP2F_TAB[(ki & np.uint64(31)).astype(np.intp)] + (ski << np.uint64(47))).view(_F64)
        c = _EXP2F_POLY
        zz = fma64(c[0], r, c[1])
        r2 = r * r
        yy = fma64(r, c[2], 1.0)
        yy = fma64(zz, r2, yy)
        out = (yy * s).astype(_F32)
        # Overflow and underflow (|y*log2(x)| >= 126).
        sign = np.where(odd_neg, np.float32(-1), np.float32(1))
        out = np.where(ylogx > _POWF_OFLOW, sign * np.float32(np.inf), out)
        out = np.where(ylogx <= -150.0, sign * np.float32(0), out)
        # Special operands: x or y zero, infinite or NaN; negative x with non-integer y.
        x_zin = (ax == 0) | (ax >= np.uint32(0x7F800000))
        out = np.where(neg & (yint == 0) & ~x_zin, np.float32(np.nan), out)
        if x_zin.any():
            x2 = x * x
            x2 = np.where(odd_neg, -x2, x2)
            alt = np.where(iy >> np.uint32(31) == 1, np.float32(1) / x2, x2)
            out = np.where(x_zin, alt, out)
        y_zin = (iy & np.uint32(0x7FFFFFFF)) - np.uint32(1) >= np.uint32(0x7F800000 - 1)
        y_zin |= (iy & np.uint32(0x7FFFFFFF)) == 0
        if y_zin.any():
            ay = iy & np.uint32(0x7FFFFFFF)
            alt = np.where((ax < np.uint32(0x3F800000)) == (iy >> np.uint32(31) == 0),
                           np.float32(0), y * y)
            alt = np.where(ax == np.uint32(0x3F800000), np.float32(1), alt)
            alt = np.where((ax > np.uint32(0x7F800000)) | (ay > np.uint32(0x7F800000)), x + y,
                           alt)
            alt = np.where(x.view(_U32) == np.uint32(0x3F800000), np.float32(1), alt)
            alt = np.where(ay == 0, np.float32(1), alt)
            out = np.where(y_zin, alt, out)
    return ftz(np.asarray(out, _F32)).reshape(shape)


def erf64(x):
    """float64 erf as XLA:CPU computes it (glibc's erf, denormals flushed)."""
    return ftz(math_map(math.erf, ftz(np.array(x, _F64))))


# ----------------------------------------------------------------------------------------------
# logf (glibc's FMA variant): what XLA's constant folding computes for a float32 log on the host
# (jit with a constant operand), unlike XLA:CPU's own kernel at run time.

_LOGF_TAB = np.array([
    0x3FF661EC79F8F3BE, 0xBFD57BF7808CAADE, 0x3FF571ED4AAF883D, 0xBFD2BEF0A7C06DDB,
    0x3FF49539F0F010B0, 0xBFD01EAE7F513A67, 0x3FF3C995B0B80385, 0xBFCB31D8A68224E9,
    0x3FF30D190C8864A5, 0xBFC6574F0AC07758, 0x3FF25E227B0B8EA0, 0xBFC1AA2BC79C8100,
    0x3FF1BB4A4A1A343F, 0xBFBA4E76CE8C0E5E, 0x3FF12358F08AE5BA, 0xBFB1973C5A611CCC,
    0x3FF0953F419900A7, 0xBFA252F438E10C1E, 0x3FF0000000000000, 0x0000000000000000,
    0x3FEE608CFD9A47AC, 0x3FAAA5AA5DF25984, 0x3FECA4B31F026AA0, 0x3FBC5E53AA362EB4,
    0x3FEB2036576AFCE6, 0x3FC526E57720DB08, 0x3FE9C2D163A1AA2D, 0x3FCBC2860D224770,
    0x3FE886E6037841ED, 0x3FD1058BC8A07EE1, 0x3FE767DCF5534862, 0x3FD4043057B6EE09],
    _U64).view(_F64).reshape(16, 2)  # (1/c, log(c)) per subinterval
_LOGF_LN2 = _f64(0x3FE62E42FEFA39EF)
_LOGF_POLY = tuple(_f64(w) for w in (0xBFD00EA348B88334, 0x3FD5575B0BE00B6A,
                                     0xBFDFFFFEF20A4123))


@flat_kernel
def logf32(x):
    """glibc's logf (FMA variant), elementwise on float32."""
    x = np.asarray(x, _F32)
    ix = x.view(_U32).copy()
    sub = (ix < np.uint32(0x00800000)) & (ix != 0)
    if sub.any():  # normalise subnormals (no denormals-are-zero on the host)
        ix[sub] = (x[sub] * np.float32(2.0 ** 23)).view(_U32) - np.uint32(23 << 23)
    tmp = ix - np.uint32(0x3F330000)
    i = ((tmp >> np.uint32(19)) & np.uint32(15)).astype(np.intp)
    k = ((tmp & np.uint32(0xFF800000)).view(np.int32) >> 23).astype(_F64)
    z = (ix - (tmp & np.uint32(0xFF800000))).view(_F32).astype(_F64)
    invc, logc = _LOGF_TAB[i, 0], _LOGF_TAB[i, 1]
    a = _LOGF_POLY
    y0 = fma64(k, _LOGF_LN2, logc)
    r = fma64(z, invc, -1.0)
    y = fma64(a[1], r, a[2])
    r2 = r * r
    y = fma64(a[0], r2, y)
    out = fma64(y, r2, r + y0).astype(_F32)
    out[x == 1] = 0
    out[x == 0] = -np.inf
    out[(x < 0) | np.isnan(x)] = np.nan
    out[x == np.inf] = np.inf
    return out

"""glibc's ``sinf`` and ``cosf`` (the FMA variants XLA:CPU calls for float32 sin and cos),
reproduced exactly in vectorised NumPy for ``|x| < 120``.

glibc (2.28 or later, ARM optimized-routines) evaluates them in float64: arguments below 0.75
(a comparison of the top 12 bits against pi/4) go straight to the polynomial; larger ones are
reduced by one multiply-subtract with n = round(x * 2/pi) (a scaled truncating conversion) and
the quadrant picks the sine or cosine polynomial and its sign. Every ``a + b * c`` is fused.
Larger arguments (the 4/pi bit-table reduction) are not reproduced; callers keep them out.
"""
from __future__ import annotations

import numpy as np

from pyjax._src.primitives.xla_float import fma64

_F32 = np.dtype(np.float32)
_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def _f64(word):
    return np.array(word, _U64).view(np.float64)[()]


_HPI_INV = _f64(0x41645F306DC9C883)  # 2/pi * 2**24
_HPI = _f64(0x3FF921FB54442D18)      # pi/2
# cosine c0..c4 (negated for quadrants 2 and 3), sine s1..s3
_C = tuple(_f64(w) for w in (0x3FF0000000000000, 0xBFDFFFFFFD0C621C, 0x3FA55553E1068F19,
                             0xBF56C087E89A359D, 0x3EF99343027BF8C3))
_S = tuple(_f64(w) for w in (0xBFC555545995A603, 0x3F81107605230BC4, 0xBF2994EB3774CF24))


def _top12(y):
    return (y.view(_U32) >> np.uint32(20)) & np.uint32(0x7FF)


def _poly(x, x2, n, negate_cos):
    """sinf_poly: the sine polynomial where n is even, the cosine one where odd."""
    x3 = x * x2
    s1 = fma64(x2, _S[2], _S[1])
    s = fma64(x3, _S[0], x)
    sin = fma64(x3 * x2, s1, s)
    sign = np.where(negate_cos, -1.0, 1.0)
    c = [k * sign for k in _C]
    x4 = x2 * x2
    c2 = fma64(x2, c[4], c[3])
    c1 = fma64(x2, c[1], c[0])
    cos = fma64(x4 * x2, c2, fma64(x4, c[2], c1))
    return np.where((n & 1) == 0, sin, cos)


def _sincosf(y, cosine):
    y = np.asarray(y, _F32)
    top = _top12(np.abs(y))
    if (top >= _top12(np.float32(120.0))).any():
        raise ValueError("sinf/cosf emulation covers |x| < 120 only")
    x = y.astype(np.float64)
    small = top < _top12(np.float32(np.pi / 4))
    r = x * _HPI_INV
    n = (r.astype(np.int32) + np.int32(0x800000)) >> 24
    xr = np.where(small, x, fma64(-n.astype(np.float64), _HPI, x))
    n = np.where(small, 0, n)
    sign = np.array([1.0, -1.0, -1.0, 1.0])[n & 3]
    out = _poly(xr * sign, xr * xr, n ^ 1 if cosine else n, (n & 2) != 0)
    out = out.astype(_F32)
    tiny = top < _top12(np.float32(2.0 ** -12))
    return np.where(tiny, np.float32(1) if cosine else y, out)


def sinf32(x):
    """glibc's sinf, elementwise on float32 (|x| < 120)."""
    return _sincosf(x, False)


def cosf32(x):
    """glibc's cosf, elementwise on float32 (|x| < 120)."""
    return _sincosf(x, True)

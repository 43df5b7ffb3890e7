"""XLA-exact elementwise primitives used by jax.random's samplers.

They print like JAX's own (log, log1p, erf, erf_inv, exp, tan, pow, rsqrt; ``fma`` is XLA's
contraction of a multiply-add), differentiate like lax's, and their impls and codegen rules are
XLA:CPU's kernels reproduced bit for bit (pyjax/_src/primitives/xla_float.py and libm_float.py;
the compiler's ``*_xla`` math functions), so samples match JAX's bits eagerly, under jit and
under vmap. float16/bfloat16 are computed in float32 and rounded, as XLA:CPU does.
(If lax's own primitives adopt these kernels, the samplers can use lax's directly.)
"""
from __future__ import annotations

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import dtypes
from pyjax._src.interpreters import ad
from pyjax._src.primitives import common
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import libm_float as lm
from pyjax._src.primitives import xla_float as xf
from pyjax._src.primitives.blocks import for_blocks

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_NARROW = (np.dtype(np.float16), np.dtype(dtypes.bfloat16))


def _by_dtype(f32_kernel, f64_kernel):
    """An impl running the float32 or float64 kernel (narrow floats through float32)."""
    def impl(*args):
        dt = args[0].dtype
        if dt == _F32:
            return np.asarray(f32_kernel(*args), _F32)
        if dt == _F64:
            return np.asarray(f64_kernel(*args), _F64)
        if dt in _NARROW:
            return np.asarray(f32_kernel(*[a.astype(_F32) for a in args])).astype(dt)
        raise TypeError(f"no XLA kernel for {dt}")
    return impl


def _erf_inv32_any(x):
    """erf_inv32 of any shape: the blocked fast kernel (two threads) when every |x| < 1."""
    flat = x.reshape(-1)
    if flat.size < 4096 or not (np.abs(flat) < 1).all():
        return xf.erf_inv32(x)
    out = np.empty_like(flat)

    def body(s, e):
        out[s:e] = xf.erf_inv32_fast(flat[s:e])
    for_blocks(flat.size, body)
    return out.reshape(x.shape)


def _xla_prim(name, accepted, f32_kernel, f64_kernel, nargs=1):
    """A primitive named ``name`` computing XLA's kernel."""
    impl = _by_dtype(f32_kernel, f64_kernel)
    if nargs == 1:
        p = common.unary(name, accepted, impl)
    else:
        p = common.nary(name, accepted, impl, nargs=nargs)
    p.codegen = codegen_interface.math_rule(f"{name}_xla")
    return p


_FLOAT = common.FLOATING
xla_log_p = _xla_prim("log", _FLOAT, xf.log32, lm.log64)
xla_log1p_p = _xla_prim("log1p", _FLOAT, xf.log1p32, xf.log1p64)
xla_erf_inv_p = _xla_prim("erf_inv", _FLOAT, _erf_inv32_any, xf.erf_inv64)
xla_erf_p = _xla_prim("erf", _FLOAT, xf.erf32, lm.erf64)
xla_exp_p = _xla_prim("exp", _FLOAT, xf.exp32, xf.exp64)
xla_tan_p = _xla_prim("tan", _FLOAT, lm.tan32, lm.tan64)
xla_rsqrt_p = _xla_prim("rsqrt", _FLOAT, xf.rsqrt32, xf.rsqrt64)
xla_pow_p = _xla_prim("pow", _FLOAT, lm.pow32, lm.pow64, nargs=2)

# JAX's differentiation rules (as lax's), with the exp/log/pow inside them XLA's too.
_mul, _add, _sub, _div, _neg = (ew.mul_p.bind, ew.add_p.bind, ew.sub_p.bind, ew.div_p.bind,
                                ew.neg_p.bind)
_like, _one, _sqr = ew._like, ew._one, ew.square_p.bind
ad.defjvp2(xla_exp_p, lambda g, ans, x: _mul(g, ans))
ad.defjvp(xla_log_p, lambda g, x: _div(g, x))
ad.defjvp(xla_log1p_p, lambda g, x: _div(g, _add(x, _one(x))))
ad.defjvp2(xla_tan_p, lambda g, ans, x: _mul(g, _add(_one(x), _sqr(ans))))
ad.defjvp2(xla_rsqrt_p, lambda g, ans, x: _mul(g, _mul(_like(x, -0.5), _div(ans, x))))
ad.defjvp(xla_erf_p, lambda g, x: _mul(_like(x, 2 / np.sqrt(np.pi)),
                                       _mul(g, xla_exp_p.bind(_neg(_sqr(x))))))
ad.defjvp2(xla_erf_inv_p, lambda g, ans, x: _mul(_like(x, np.sqrt(np.pi) / 2),
                                                 _mul(g, xla_exp_p.bind(_sqr(ans)))))
ad.defjvp2(xla_pow_p,
           lambda g, ans, x, y: _mul(g, _mul(y, xla_pow_p.bind(x, _sub(y, _one(y))))),
           # log(x) is replaced by 0 where x == 0, so d(0**y)/dy is 0 rather than NaN (as JAX).
           lambda g, ans, x, y: _mul(g, _mul(xla_log_p.bind(ew._replace_zero(x)), ans)))


def _fma_narrow(a, b, c):
    # Exact in float64, rounded once more: a*b is exact and the sum's double rounding cannot
    # reach a 16-bit midpoint (at least 29 guard bits).
    return (a.astype(_F64) * b.astype(_F64) + c.astype(_F64)).astype(a.dtype)


def _fma_impl(a, b, c):
    dt = a.dtype
    if dt == _F32:
        return np.asarray(xf.fma32(a, b, c), _F32)
    if dt == _F64:
        return xf.fma64(a, b, c)
    return _fma_narrow(a, b, c)


fma_p = common.nary("fma", _FLOAT, _fma_impl, nargs=3)
fma_p.codegen = codegen_interface.math_rule("fma")


def _bcast(t, *operands):
    return ew._broadcast_to(t, ew._out_shape(*operands))


ad.defjvp(fma_p, lambda g, a, b, c: _bcast(ew.mul_p.bind(g, b), a, b, c),
          lambda g, a, b, c: _bcast(ew.mul_p.bind(a, g), a, b, c),
          lambda g, a, b, c: _bcast(g, a, b, c))

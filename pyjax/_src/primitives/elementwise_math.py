"""Elementwise math functions: exponentials and logarithms, trigonometric and hyperbolic
functions and their inverses, roots, powers, the error function family and the gamma-related
special functions, with their jvp and codegen rules (elementwise.py re-exports them all).
"""
import numpy as np
import scipy.special as sp

from pyjax._src import codegen_interface
from pyjax._src.primitives.common import FLOATING, INEXACT, nary, unary

# -- declarations ---------------------------------------------------------------------------------

exp_p = unary("exp", INEXACT, np.exp)
exp2_p = unary("exp2", INEXACT, np.exp2)
log_p = unary("log", INEXACT, np.log)
log1p_p = unary("log1p", INEXACT, np.log1p)
expm1_p = unary("expm1", INEXACT, np.expm1)
tanh_p = unary("tanh", INEXACT, np.tanh)
logistic_p = unary("logistic", INEXACT, lambda x: (
    sp.expit(x) if x.dtype.kind == "f" else 1 / (1 + np.exp(-x))).astype(x.dtype))
sin_p = unary("sin", INEXACT, np.sin)
cos_p = unary("cos", INEXACT, np.cos)
tan_p = unary("tan", INEXACT, np.tan)
asin_p = unary("asin", INEXACT, np.arcsin)
acos_p = unary("acos", INEXACT, np.arccos)
atan_p = unary("atan", INEXACT, np.arctan)
sinh_p = unary("sinh", INEXACT, np.sinh)
cosh_p = unary("cosh", INEXACT, np.cosh)
asinh_p = unary("asinh", INEXACT, np.arcsinh)
acosh_p = unary("acosh", INEXACT, np.arccosh)
atanh_p = unary("atanh", INEXACT, np.arctanh)
sqrt_p = unary("sqrt", INEXACT, np.sqrt)
rsqrt_p = unary("rsqrt", INEXACT, lambda x: np.reciprocal(np.sqrt(x)))
cbrt_p = unary("cbrt", FLOATING, np.cbrt)


def _same_dtype(fun):
    """SciPy computes half precision (and some float32) in a wider type: cast back to the
    operand's dtype, as the primitive's type rule says."""
    return lambda x: np.asarray(fun(x)).astype(x.dtype, copy=False)


erf_p = unary("erf", FLOATING, _same_dtype(sp.erf))
erfc_p = unary("erfc", FLOATING, _same_dtype(sp.erfc))
erf_inv_p = unary("erf_inv", FLOATING, _same_dtype(sp.erfinv))
lgamma_p = unary("lgamma", FLOATING, _same_dtype(sp.gammaln))
digamma_p = unary("digamma", FLOATING, _same_dtype(sp.digamma))
bessel_i0e_p = unary("bessel_i0e", FLOATING, _same_dtype(sp.i0e))
bessel_i1e_p = unary("bessel_i1e", FLOATING, _same_dtype(sp.i1e))
pow_p = nary("pow", INEXACT, np.power)
atan2_p = nary("atan2", FLOATING, np.arctan2)


def _polygamma_impl(m, x):
    """polygamma(m, x) for a float order ``m``; NaN unless m is a non-negative integer (XLA)."""
    wm, wx = m.astype(np.float64), x.astype(np.float64)
    valid = (wm >= 0) & (wm == np.floor(wm))
    out = sp.polygamma(np.where(valid, wm, 0.0), wx)
    return np.where(valid, out, np.nan).astype(x.dtype)


polygamma_p = nary("polygamma", FLOATING, _polygamma_impl)


def polygamma(m, x):
    """Elementwise polygamma function ``psi^(m)(x)``; ``m`` must hold non-negative integers
    (other orders give NaN), with the dtype of ``x``."""
    return polygamma_p.bind(m, x)


# -- differentiation rules ------------------------------------------------------------------------
# Imported only now: elementwise.py re-exports the declarations above, so they must exist
# whichever of the two modules is imported first.

from pyjax._src import core  # noqa: E402
from pyjax._src import dtypes  # noqa: E402
from pyjax._src.interpreters import ad  # noqa: E402
from pyjax._src.primitives.elementwise import (  # noqa: E402
    _add, _broadcast_to, _div, _gt, _like, _mul, _neg, _one, _reciprocal, _replace_zero,
    _select, _shape, _sign, _sqr, _sub, abs_p, integer_pow_p)

_exp, _log, _rsqrt = exp_p.bind, log_p.bind, rsqrt_p.bind


def _pow_jvp_lhs(g, ans, x, y):
    return _mul(g, _mul(y, pow_p.bind(x, _sub(y, _one(y)))))


def _pow_jvp_rhs(g, ans, x, y):
    # log(x) is replaced by 0 where x == 0, so d(0**y)/dy is 0 rather than NaN (as JAX).
    return _mul(g, _mul(_log(_replace_zero(x)), ans))


ad.defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)


def _atan2_denominator(x, y):
    return _add(_sqr(x), _sqr(y))


ad.defjvp(atan2_p, lambda g, x, y: _mul(g, _div(y, _atan2_denominator(x, y))),
          lambda g, x, y: _div(_mul(g, _neg(x)), _atan2_denominator(x, y)))

ad.defjvp2(exp_p, lambda g, ans, x: _mul(g, ans))
ad.defjvp2(exp2_p, lambda g, ans, x: _mul(_like(x, np.log(2)), _mul(g, ans)))
ad.defjvp(log_p, lambda g, x: _div(g, x))
ad.defjvp2(expm1_p, lambda g, ans, x: _mul(g, _add(ans, _one(ans))))
ad.defjvp(log1p_p, lambda g, x: _div(g, _add(x, _one(x))))
ad.defjvp2(tanh_p, lambda g, ans, x: _mul(_add(g, _mul(g, ans)), _sub(_one(x), ans)))
ad.defjvp2(logistic_p, lambda g, ans, x: _mul(g, _mul(ans, _sub(_one(ans), ans))))
ad.defjvp(sin_p, lambda g, x: _mul(g, cos_p.bind(x)))
ad.defjvp(cos_p, lambda g, x: _neg(_mul(g, sin_p.bind(x))))
ad.defjvp2(tan_p, lambda g, ans, x: _mul(g, _add(_one(x), _sqr(ans))))
ad.defjvp(asin_p, lambda g, x: _mul(g, _rsqrt(_sub(_one(x), _sqr(x)))))
ad.defjvp(acos_p, lambda g, x: _mul(g, _neg(_rsqrt(_sub(_one(x), _sqr(x))))))
ad.defjvp(atan_p, lambda g, x: _div(g, _add(_one(x), _sqr(x))))
ad.defjvp(sinh_p, lambda g, x: _mul(g, cosh_p.bind(x)))
ad.defjvp(cosh_p, lambda g, x: _mul(g, sinh_p.bind(x)))
ad.defjvp(asinh_p, lambda g, x: _mul(g, _rsqrt(_add(_sqr(x), _one(x)))))
ad.defjvp(acosh_p, lambda g, x: _mul(g, _rsqrt(_mul(_sub(x, _one(x)), _add(x, _one(x))))))
ad.defjvp(atanh_p, lambda g, x: _mul(_reciprocal(_add(_one(x), x)), _div(g, _sub(_one(x), x))))
ad.defjvp2(sqrt_p, lambda g, ans, x: _mul(g, _div(_like(x, 0.5), ans)))
ad.defjvp2(rsqrt_p, lambda g, ans, x: _mul(g, _mul(_like(x, -0.5), _div(ans, x))))
ad.defjvp2(cbrt_p, lambda g, ans, x: _mul(g, _mul(_like(x, 1 / 3),
                                                   integer_pow_p.bind(ans, y=-2))))

_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)
ad.defjvp(erf_p, lambda g, x: _mul(_like(x, _TWO_OVER_SQRT_PI), _mul(g, _exp(_neg(_sqr(x))))))
ad.defjvp(erfc_p, lambda g, x: _mul(_like(x, -_TWO_OVER_SQRT_PI),
                                    _mul(g, _exp(_neg(_sqr(x))))))
ad.defjvp2(erf_inv_p, lambda g, ans, x: _mul(_like(x, np.sqrt(np.pi) / 2),
                                             _mul(g, _exp(_sqr(ans)))))
ad.defjvp(lgamma_p, lambda g, x: _mul(g, digamma_p.bind(x)))
ad.defjvp(digamma_p, lambda g, x: _mul(g, polygamma_p.bind(_one(x), x)))


def _polygamma_jvp_m(g, m, x):
    raise ValueError("polygamma gradient with respect to m is not supported")


ad.defjvp(polygamma_p, _polygamma_jvp_m,
          lambda g, m, x: _mul(g, polygamma_p.bind(_add(m, _one(m)), x)))
ad.defjvp2(bessel_i0e_p, lambda g, ans, x: _mul(g, _sub(bessel_i1e_p.bind(x),
                                                        _mul(_sign(x), ans))))


def _bessel_i1e_jvp(g, ans, x):
    # i1e(x) ~ x/2 near 0: use the limit 1/2 where the closed form would divide by ~0.
    eps = _like(x, dtypes.finfo(core.get_aval(x).dtype).eps)
    not_tiny = _gt(abs_p.bind(x), eps)
    safe_x = _select(not_tiny, x, _broadcast_to(eps, _shape(x)))
    d = _sub(bessel_i0e_p.bind(safe_x), _mul(ans, _add(_sign(safe_x), _reciprocal(safe_x))))
    return _mul(g, _select(not_tiny, d, _broadcast_to(_like(x, 0.5), _shape(x))))


ad.defjvp2(bessel_i1e_p, _bessel_i1e_jvp)


# -- codegen rules (pyjax/_src/codegen_interface.py) ----------------------------------------------
# Each is one of the compiler's vectorised math functions. float16/bfloat16 operands compute in
# float32 and round the result, as NumPy's and ml_dtypes' loops do.

for _p, _name in ((exp_p, "exp"), (exp2_p, "exp2"), (log_p, "log"), (log1p_p, "log1p"),
                  (expm1_p, "expm1"), (tanh_p, "tanh"), (sin_p, "sin"), (cos_p, "cos"),
                  (tan_p, "tan"), (asin_p, "asin"), (acos_p, "acos"), (atan_p, "atan"),
                  (sinh_p, "sinh"), (cosh_p, "cosh"), (asinh_p, "asinh"), (acosh_p, "acosh"),
                  (atanh_p, "atanh"), (sqrt_p, "sqrt"), (cbrt_p, "cbrt"), (erf_p, "erf"),
                  (erfc_p, "erfc"), (erf_inv_p, "erf_inv"), (pow_p, "pow"),
                  (atan2_p, "atan2")):
    _p.codegen = codegen_interface.math_rule(_name)
# SciPy's erf family returns float32/float64 for half-precision operands: those equations stay
# with the impl instead of compiling to a different dtype.
for _p in (erf_p, erfc_p, erf_inv_p):
    _p.codegen_supports = codegen_interface.no_narrow_floats


def _rsqrt_rule(kb, x):
    """1 / sqrt(x) in two rounded steps, as the impl computes it."""
    return kb.div(kb.const(1, x.dtype), kb.math("sqrt", x))


def _logistic_rule(kb, x):
    if x.dtype == codegen_interface.BFLOAT16:  # the impl: 1 / (1 + exp(-x)), rounding each step
        one = kb.const(1, x.dtype)
        return kb.div(one, kb.add(one, kb.math("exp", kb.neg(x))))
    return kb.math("logistic", x)


rsqrt_p.codegen = _rsqrt_rule
logistic_p.codegen = _logistic_rule

"""Special-function primitives beyond the elementwise family: the regularized incomplete gamma
functions (igamma, igammac and igamma's derivative in ``a``), the regularized incomplete beta
function, Hurwitz zeta, ndtri, log_ndtr and betaln.

Impls are SciPy's (computed in float32/float64 and returned in the operand dtype). JVP rules are
JAX's (jax/_src/lax/special.py): derivatives JAX does not define raise as JAX does.
"""
import numpy as np
import scipy.special as sp

from pyjax._src import core
from pyjax._src.array import ArrayImpl
from pyjax._src.interpreters import ad
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.common import FLOATING, nary, unary


def _compute(fun):
    """Run a SciPy function in float32/float64 (half floats upcast) and cast back."""
    def impl(*args):
        dtype = args[0].dtype
        work = np.float32 if dtype.itemsize <= 4 else np.float64
        out = fun(*[np.asarray(a, work) for a in args])
        return np.asarray(out).astype(dtype, copy=False)
    return impl


def _igamma_grad_a_impl(a, x):
    """d/da P(a, x), by Richardson-extrapolated central differences in float64 (SciPy has no
    closed form); relative accuracy ~1e-10, ample for float32 and float64 gradients."""
    a = np.asarray(a, np.float64)
    x = np.asarray(x, np.float64)
    h = 1e-3 * np.maximum(np.abs(a), 1e-2)

    def d(step):
        hi = sp.gammainc(a + step, x)
        lo = sp.gammainc(np.maximum(a - step, 1e-300), x)
        return (hi - lo) / (2 * step)
    with np.errstate(all="ignore"):
        d1, d2 = d(h), d(h / 2)
        out = (4 * d2 - d1) / 3
    out = np.where((x <= 0) | np.isinf(x), 0.0, out)
    return np.where(np.isnan(a) | np.isnan(x) | (a <= 0), np.nan, out)


igamma_p = nary("igamma", FLOATING, _compute(sp.gammainc))
igammac_p = nary("igammac", FLOATING, _compute(sp.gammaincc))
igamma_grad_a_p = nary("igamma_grad_a", FLOATING, _compute(_igamma_grad_a_impl))
igamma_grad_a_p.opt_outs["jvp"] = "JAX defines no derivative of igamma_grad_a"
regularized_incomplete_beta_p = nary("regularized_incomplete_beta", FLOATING,
                                     _compute(sp.betainc), nargs=3)
zeta_p = nary("zeta", FLOATING, _compute(sp.zeta))
betaln_p = nary("betaln", FLOATING, _compute(sp.betaln))
ndtri_p = unary("ndtri", FLOATING, _compute(sp.ndtri))
log_ndtr_p = unary("log_ndtr", FLOATING, _compute(sp.log_ndtr))


# -- lax functions ------------------------------------------------------------------------------

def igamma(a, x):
    """Regularized lower incomplete gamma function ``P(a, x)``."""
    return igamma_p.bind(a, x)


def igammac(a, x):
    """Regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    return igammac_p.bind(a, x)


def igamma_grad_a(a, x):
    """``dP(a, x) / da``."""
    return igamma_grad_a_p.bind(a, x)


def betainc(a, b, x):
    """Regularized incomplete beta function ``I_x(a, b)``."""
    return regularized_incomplete_beta_p.bind(a, b, x)


def zeta(x, q):
    """Hurwitz zeta function ``sum_k (k + q)^-x``."""
    return zeta_p.bind(x, q)


# -- differentiation rules ----------------------------------------------------------------------

def _like(x, value):
    aval = core.get_aval(x)
    return ArrayImpl(np.asarray(value, aval.dtype), aval.weak_type)


_mul, _add, _sub, _neg, _exp, _log = (ew.mul_p.bind, ew.add_p.bind, ew.sub_p.bind,
                                      ew.neg_p.bind, ew.exp_p.bind, ew.log_p.bind)


def _igamma_dx(g, a, x):
    # exp(-x + (a - 1) log(x) - lgamma(a)), the density of Gamma(a).
    return _mul(g, _exp(_sub(_sub(_mul(_sub(a, _like(a, 1)), _log(x)), x),
                             ew.lgamma_p.bind(a))))


def _igamma_da(g, a, x):
    return _mul(g, igamma_grad_a(a, x))


ad.defjvp(igamma_p, _igamma_da, _igamma_dx)
ad.defjvp(igammac_p, lambda g, a, x: _neg(_igamma_da(g, a, x)),
          lambda g, a, x: _neg(_igamma_dx(g, a, x)))


def _betainc_grad_not_implemented(g, a, b, x):
    raise ValueError("Betainc gradient with respect to a and b not supported.")


def _betainc_dx(g, a, b, x):
    # x^(a-1) (1-x)^(b-1) / B(a, b)
    one = _like(x, 1)
    log_density = _sub(_add(_mul(_sub(a, one), _log(x)),
                            _mul(_sub(b, one), ew.log1p_p.bind(_neg(x)))),
                       betaln_p.bind(a, b))
    return _mul(g, _exp(log_density))


ad.defjvp(regularized_incomplete_beta_p, _betainc_grad_not_implemented,
          _betainc_grad_not_implemented, _betainc_dx)


def _zeta_dx(g, x, q):
    raise ValueError("Gradient with respect to x is not supported for zeta.")


ad.defjvp(zeta_p, _zeta_dx,
          lambda g, x, q: _mul(g, _neg(_mul(x, zeta_p.bind(_add(x, _like(x, 1)), q)))))
ad.defjvp(betaln_p,
          lambda g, a, b: _mul(g, _sub(ew.digamma_p.bind(a), ew.digamma_p.bind(_add(a, b)))),
          lambda g, a, b: _mul(g, _sub(ew.digamma_p.bind(b), ew.digamma_p.bind(_add(a, b)))))
_SQRT_2PI = np.sqrt(2 * np.pi)
ad.defjvp2(ndtri_p, lambda g, ans, p: _mul(g, _mul(_like(p, _SQRT_2PI),
                                                   _exp(_mul(_like(ans, 0.5),
                                                             ew.square_p.bind(ans))))))
ad.defjvp2(log_ndtr_p, lambda g, ans, x: _mul(g, _exp(_sub(
    _sub(_mul(_like(x, -0.5), ew.square_p.bind(x)), ans), _like(x, np.log(_SQRT_2PI))))))

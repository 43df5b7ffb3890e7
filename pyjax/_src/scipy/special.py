"""jax.scipy.special: special functions on pyjax arrays.

Definitions follow JAX's (jax/_src/scipy/special.py): most are compositions of lax functions;
the incomplete gamma/beta functions, zeta, ndtri, log_ndtr and betaln are primitives with SciPy
impls (pyjax/_src/primitives/special.py).
"""
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.nn import logsumexp, softmax, log_softmax  # noqa: F401 (re-exported)
from pyjax._src.numpy import util
from pyjax._src.primitives import elementwise as _ew
from pyjax._src.primitives import special as _sp

EXPORTS = ["logsumexp", "softmax", "log_softmax"]

_jit = util.jit_inline


def _const(x, value):
    return np.array(value, x.dtype)


def _promote(name, *args):
    return util.promote_args_inexact(name, *args)


def gammaln(x):
    """Log of the absolute value of the gamma function."""
    (x,) = _promote("gammaln", x)
    return lax.lgamma(x)


def gammasgn(x):
    """Sign of the gamma function (NaN at its poles)."""
    (x,) = _promote("gammasgn", x)
    typ = x.dtype.type
    floor_x = lax.floor(x)
    x_negative = x < 0
    return jnp.select(
        [(x_negative & (x == floor_x)) | jnp.isnan(x),
         (x_negative & (floor_x % 2 != 0)) | ((x == 0) & jnp.signbit(x))],
        [typ(np.nan), typ(-1.0)], typ(1.0))


def gamma(x):
    """The gamma function, ``gammasgn(x) * exp(gammaln(x))``."""
    (x,) = _promote("gamma", x)
    return gammasgn(x) * lax.exp(lax.lgamma(x))


def betaln(a, b):
    """Log of the absolute value of the beta function."""
    a, b = _promote("betaln", a, b)
    return _sp.betaln_p.bind(a, b)


def beta(a, b):
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``."""
    a, b = _promote("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * lax.exp(betaln(a, b))


def betainc(a, b, x):
    """Regularized incomplete beta function ``I_x(a, b)``."""
    a, b, x = _promote("betainc", a, b, x)
    return _sp.betainc(a, b, x)


def digamma(x):
    """The digamma function, the derivative of gammaln."""
    (x,) = _promote("digamma", x)
    return lax.digamma(x)


def polygamma(n, x):
    """``psi^(n)(x)``, the n-th derivative of digamma; ``n`` must be integer-typed."""
    util.check_arraylike("polygamma", n, x)
    if not jnp.issubdtype(jnp.result_type(n), jnp.integer):
        raise AssertionError("polygamma requires an integer order n")
    n_arr, x_arr = _promote("polygamma", n, x)
    return _ew.polygamma(n_arr, x_arr)


def gammainc(a, x):
    """Regularized lower incomplete gamma function ``P(a, x)``."""
    a, x = _promote("gammainc", a, x)
    return _sp.igamma(a, x)


def gammaincc(a, x):
    """Regularized upper incomplete gamma function ``Q(a, x)``."""
    a, x = _promote("gammaincc", a, x)
    return _sp.igammac(a, x)


def erf(x):
    """The error function."""
    (x,) = _promote("erf", x)
    return lax.erf(x)


def erfc(x):
    """The complementary error function ``1 - erf(x)``."""
    (x,) = _promote("erfc", x)
    return lax.erfc(x)


def erfinv(x):
    """Inverse of the error function."""
    (x,) = _promote("erfinv", x)
    return lax.erf_inv(x)


@custom_jvp
@_jit
def logit(x):
    """``log(x / (1 - x))``, the inverse of expit."""
    (x,) = _promote("logit", x)
    return lax.log(lax.div(x, lax.sub(_const(x, 1), x)))


logit.defjvps(lambda g, ans, x: lax.div(g, lax.mul(x, lax.sub(_const(x, 1), x))))


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``."""
    (x,) = _promote("expit", x)
    return lax.logistic(x)


def _x_times(log_fn, x, y):
    """``x * log_fn(y)``, 0 where ``x == 0`` (even where ``log_fn(y)`` is infinite)."""
    return jnp.where(x != 0., lax.mul(x, log_fn(y)), jnp.zeros_like(x))


def _x_times_jvp(fun, log_fn, dlog_fn, primals, tangents):
    """The jvp of ``fun(x, y) = x * log_fn(y)``, where ``dlog_fn(y) = 1 / log_fn'(y)``."""
    (x, y), (x_dot, y_dot) = primals, tangents
    result = fun(x, y)
    return result, (x_dot * log_fn(y) + y_dot * x / dlog_fn(y)).astype(result.dtype)


@custom_jvp
@_jit
def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0``."""
    x, y = _promote("xlogy", x, y)
    return _x_times(lax.log, x, y)


@xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    return _x_times_jvp(xlogy, lax.log, lambda y: y, primals, tangents)


@custom_jvp
@_jit
def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0``."""
    x, y = _promote("xlog1py", x, y)
    return _x_times(lax.log1p, x, y)


@xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    return _x_times_jvp(xlog1py, lax.log1p, lambda y: 1 + y, primals, tangents)


@custom_jvp
def _xlogx(x):
    return xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return _xlogx(x), x_dot * (lax.log(x) + 1)


def entr(x):
    """Elementwise entropy ``-x log(x)`` (0 at 0, -inf for x < 0)."""
    (x,) = _promote("entr", x)
    return lax.select(lax.lt(x, _const(x, 0)), lax.full_like(x, -np.inf),
                      lax.neg(_xlogx(x)))


def rel_entr(p, q):
    """Elementwise relative entropy ``p log(p / q)`` (0 at p == 0, inf where undefined)."""
    p, q = _promote("rel_entr", p, q)
    zero = _const(p, 0.0)
    both_gt_zero_mask = lax.bitwise_and(lax.gt(p, zero), lax.gt(q, zero))
    one_zero_mask = lax.bitwise_and(lax.eq(p, zero), lax.ge(q, zero))
    safe_p = jnp.where(both_gt_zero_mask, p, 1)
    safe_q = jnp.where(both_gt_zero_mask, q, 1)
    log_val = lax.sub(_xlogx(safe_p), xlogy(safe_p, safe_q))
    return jnp.where(both_gt_zero_mask, log_val, jnp.where(one_zero_mask, zero, jnp.inf))


def kl_div(p, q):
    """Elementwise ``p log(p / q) - p + q``."""
    p, q = _promote("kl_div", p, q)
    return rel_entr(p, q) - p + q


def _check_float(name, x):
    if x.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"x.dtype={x.dtype} is not supported, see docstring for supported "
                        "types.")


def ndtr(x):
    """The standard normal CDF."""
    (x,) = _promote("ndtr", x)
    _check_float("ndtr", x)
    dtype = x.dtype.type
    half_sqrt_2 = dtype(0.5) * np.sqrt(2., dtype=dtype)
    w = x * half_sqrt_2
    z = lax.abs(w)
    y = lax.select(lax.lt(z, half_sqrt_2),
                   dtype(1.) + lax.erf(w),
                   lax.select(lax.gt(w, dtype(0.)), dtype(2.) - lax.erfc(z), lax.erfc(z)))
    return dtype(0.5) * y


def ndtri(p):
    """The inverse of ndtr: the standard normal quantile function."""
    (p,) = _promote("ndtri", p)
    _check_float("ndtri", p)
    return _sp.ndtri_p.bind(p)


def log_ndtr(x, series_order=3):
    """``log(ndtr(x))``, accurate far into both tails."""
    series_order = operator.index(series_order)
    if series_order < 0:
        raise ValueError("series_order must be non-negative.")
    if series_order > 30:
        raise ValueError("series_order must be <= 30.")
    (x,) = _promote("log_ndtr", x)
    _check_float("log_ndtr", x)
    return _sp.log_ndtr_p.bind(x)


def i0e(x):
    """Exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``."""
    (x,) = _promote("i0e", x)
    return lax.bessel_i0e(x)


def i0(x):
    """Modified Bessel function of order 0."""
    (x,) = _promote("i0", x)
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


def i1e(x):
    """Exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``."""
    (x,) = _promote("i1e", x)
    return lax.bessel_i1e(x)


def i1(x):
    """Modified Bessel function of order 1."""
    (x,) = _promote("i1", x)
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))


def multigammaln(a, d):
    """Log of the multivariate gamma function of dimension ``d``."""
    d = core.concrete_or_error(int, d, "d argument of multigammaln")
    a, d_ = _promote("multigammaln", a, d)
    constant = lax.mul(lax.mul(lax.mul(_const(a, 0.25), d_), lax.sub(d_, _const(a, 1))),
                       lax.log(_const(a, np.pi)))
    b = lax.div(jnp.arange(d, dtype=d_.dtype), _const(a, 2))
    res = jnp.sum(gammaln(jnp.expand_dims(a, axis=-1)
                          - jnp.expand_dims(b, axis=tuple(range(a.ndim)))), axis=-1)
    return res + constant


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum_k (k + q)^-x`` (q is required)."""
    if q is None:
        raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                                  "compute the Hurwitz Zeta function.")
    x, q = _promote("zeta", x, q)
    return _sp.zeta(x, q)


def factorial(n, exact=False):
    """``n!`` as ``gamma(n + 1)`` (0 for negative n); ``exact=True`` is not supported."""
    if exact:
        raise NotImplementedError("factorial with exact=True")
    (n,) = _promote("factorial", n)
    return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


def poch(z, m):
    """The Pochhammer symbol ``gamma(z + m) / gamma(z)``."""
    z, m = _promote("poch", z, m)
    return jnp.where(m == 0., jnp.array(1, dtype=z.dtype), gamma(z + m) / gamma(z))

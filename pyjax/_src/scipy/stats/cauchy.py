"""jax.scipy.stats.cauchy: the Cauchy distribution."""
import numpy as np

from pyjax._src import lax
from pyjax._src.scipy.stats._util import const, promote


def logpdf(x, loc=0, scale=1):
    """Log density."""
    x, loc, scale = promote("cauchy.logpdf", x, loc, scale)
    pi = const(x, np.pi)
    scaled_x = lax.div(lax.sub(x, loc), scale)
    normalize_term = lax.log(lax.mul(pi, scale))
    return lax.neg(lax.add(normalize_term, lax.log1p(lax.mul(scaled_x, scaled_x))))


def pdf(x, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """Cumulative distribution function."""
    x, loc, scale = promote("cauchy.cdf", x, loc, scale)
    pi = const(x, np.pi)
    scaled_x = lax.div(lax.sub(x, loc), scale)
    return lax.add(const(x, 0.5), lax.mul(lax.div(const(x, 1.), pi), lax.atan(scaled_x)))


def logcdf(x, loc=0, scale=1):
    """Log of the CDF."""
    return lax.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """Survival function."""
    x, loc, scale = promote("cauchy.sf", x, loc, scale)
    return cdf(-x, -loc, scale)


def logsf(x, loc=0, scale=1):
    """Log of the survival function."""
    x, loc, scale = promote("cauchy.logsf", x, loc, scale)
    return logcdf(-x, -loc, scale)


def isf(q, loc=0, scale=1):
    """Inverse survival function."""
    q, loc, scale = promote("cauchy.isf", q, loc, scale)
    pi = const(q, np.pi)
    half_pi = const(q, np.pi / 2)
    unscaled = lax.tan(lax.sub(half_pi, lax.mul(pi, q)))
    return lax.add(lax.mul(unscaled, scale), loc)


def ppf(q, loc=0, scale=1):
    """Quantile function."""
    q, loc, scale = promote("cauchy.ppf", q, loc, scale)
    pi = const(q, np.pi)
    half_pi = const(q, np.pi / 2)
    unscaled = lax.tan(lax.sub(lax.mul(pi, q), half_pi))
    return lax.add(lax.mul(unscaled, scale), loc)

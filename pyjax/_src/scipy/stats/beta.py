"""jax.scipy.stats.beta: the beta distribution."""
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.special import betainc, betaln, xlog1py, xlogy
from pyjax._src.scipy.stats._util import const, promote


def logpdf(x, a, b, loc=0, scale=1):
    """Log density of Beta(a, b), shifted and scaled."""
    x, a, b, loc, scale = promote("beta.logpdf", x, a, b, loc, scale)
    one = const(x, 1)
    zero = const(a, 0)
    shape_term = lax.neg(betaln(a, b))
    y = lax.div(lax.sub(x, loc), scale)
    log_linear_term = lax.add(xlogy(lax.sub(a, one), y), xlog1py(lax.sub(b, one), lax.neg(y)))
    log_probs = lax.sub(lax.add(shape_term, log_linear_term), lax.log(scale))
    result = jnp.where(jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc)),
                       -jnp.inf, log_probs)
    return jnp.where(jnp.logical_or(jnp.logical_or(lax.le(a, zero), lax.le(b, zero)),
                                    lax.le(scale, zero)), jnp.nan, result)


def pdf(x, a, b, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    """Cumulative distribution function."""
    x, a, b, loc, scale = promote("beta.cdf", x, a, b, loc, scale)
    return betainc(a, b, lax.clamp(const(x, 0), lax.div(lax.sub(x, loc), scale), const(x, 1)))


def logcdf(x, a, b, loc=0, scale=1):
    """Log of the CDF."""
    return lax.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """Survival function."""
    x, a, b, loc, scale = promote("beta.sf", x, a, b, loc, scale)
    return betainc(b, a, 1 - lax.clamp(const(x, 0), lax.div(lax.sub(x, loc), scale),
                                       const(x, 1)))


def logsf(x, a, b, loc=0, scale=1):
    """Log of the survival function."""
    return lax.log(sf(x, a, b, loc, scale))

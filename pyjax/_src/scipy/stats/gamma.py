"""jax.scipy.stats.gamma: the gamma distribution."""
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.special import gammainc, gammaincc, gammaln, xlogy
from pyjax._src.scipy.stats._util import const, promote


def logpdf(x, a, loc=0, scale=1):
    """Log density of Gamma(a) (shape ``a``), shifted and scaled."""
    x, a, loc, scale = promote("gamma.logpdf", x, a, loc, scale)
    ok = lax.ge(x, loc)
    one = const(x, 1)
    y = jnp.where(ok, lax.div(lax.sub(x, loc), scale), one)
    log_linear_term = lax.sub(xlogy(lax.sub(a, one), y), y)
    shape_terms = lax.add(gammaln(a), lax.log(scale))
    log_probs = lax.sub(log_linear_term, shape_terms)
    return jnp.where(ok, log_probs, -jnp.inf)


def pdf(x, a, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    """Cumulative distribution function."""
    x, a, loc, scale = promote("gamma.cdf", x, a, loc, scale)
    return gammainc(a, jnp.clip(lax.div(lax.sub(x, loc), scale), 0, None))


def logcdf(x, a, loc=0, scale=1):
    """Log of the CDF."""
    return lax.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    """Survival function."""
    x, a, loc, scale = promote("gamma.sf", x, a, loc, scale)
    return gammaincc(a, jnp.clip(lax.div(lax.sub(x, loc), scale), 0, None))


def logsf(x, a, loc=0, scale=1):
    """Log of the survival function."""
    return lax.log(sf(x, a, loc, scale))

"""jax.scipy.stats.expon: the exponential distribution."""
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.stats._util import promote


def logpdf(x, loc=0, scale=1):
    """Log density."""
    x, loc, scale = promote("expon.logpdf", x, loc, scale)
    log_scale = lax.log(scale)
    linear_term = lax.div(lax.sub(x, loc), scale)
    log_probs = lax.neg(lax.add(linear_term, log_scale))
    return jnp.where(lax.lt(x, loc), -jnp.inf, log_probs)


def pdf(x, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """Cumulative distribution function."""
    x, loc, scale = promote("expon.cdf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x),
                     lax.neg(lax.expm1(neg_scaled_x)))


def logcdf(x, loc=0, scale=1):
    """Log of the CDF."""
    x, loc, scale = promote("expon.logcdf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), -jnp.inf, lax.log1p(lax.neg(lax.exp(neg_scaled_x))))


def sf(x, loc=0, scale=1):
    """Survival function."""
    x, loc, scale = promote("expon.sf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), jnp.ones_like(neg_scaled_x), lax.exp(neg_scaled_x))


def logsf(x, loc=0, scale=1):
    """Log of the survival function."""
    x, loc, scale = promote("expon.logsf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x), neg_scaled_x)


def ppf(q, loc=0, scale=1):
    """Quantile function (NaN outside [0, 1])."""
    q, loc, scale = promote("expon.ppf", q, loc, scale)
    neg_log1p_q = lax.neg(lax.log1p(lax.neg(q)))
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), jnp.nan,
                     lax.add(loc, lax.mul(scale, neg_log1p_q)))

"""jax.scipy.stats.poisson: the Poisson distribution."""
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.special import gammaincc, gammaln, xlogy
from pyjax._src.scipy.stats._util import const, promote


def logpmf(k, mu, loc=0):
    """Log probability mass (-inf off the non-negative integers)."""
    k, mu, loc = promote("poisson.logpmf", k, mu, loc)
    zero = const(k, 0)
    x = lax.sub(k, loc)
    log_probs = xlogy(x, mu) - gammaln(x + 1) - mu
    return jnp.where(jnp.logical_or(lax.lt(x, zero), lax.ne(jnp.round(k), k)), -jnp.inf,
                     log_probs)


def pmf(k, mu, loc=0):
    """Probability mass."""
    return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """Cumulative distribution function."""
    k, mu, loc = promote("poisson.logpmf", k, mu, loc)
    zero = const(k, 0)
    x = lax.sub(k, loc)
    p = gammaincc(jnp.floor(1 + x), mu)
    return jnp.where(lax.lt(x, zero), zero, p)

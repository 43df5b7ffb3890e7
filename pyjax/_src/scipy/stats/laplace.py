"""jax.scipy.stats.laplace: the Laplace distribution."""
from pyjax._src import lax
from pyjax._src.scipy.stats._util import const, promote


def logpdf(x, loc=0, scale=1):
    """Log density."""
    x, loc, scale = promote("laplace.logpdf", x, loc, scale)
    two = const(x, 2)
    linear_term = lax.div(lax.abs(lax.sub(x, loc)), scale)
    return lax.neg(lax.add(linear_term, lax.log(lax.mul(two, scale))))


def pdf(x, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """Cumulative distribution function."""
    x, loc, scale = promote("laplace.cdf", x, loc, scale)
    half = const(x, 0.5)
    one = const(x, 1)
    zero = const(x, 0)
    diff = lax.div(lax.sub(x, loc), scale)
    return lax.select(lax.le(diff, zero), lax.mul(half, lax.exp(diff)),
                      lax.sub(one, lax.mul(half, lax.exp(lax.neg(diff)))))

"""jax.scipy.stats.chi2: the chi-squared distribution."""
import numpy as np

from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.special import gammainc, gammaincc
from pyjax._src.scipy.stats._util import const, promote


def logpdf(x, df, loc=0, scale=1):
    """Log density with ``df`` degrees of freedom."""
    x, df, loc, scale = promote("chi2.logpdf", x, df, loc, scale)
    one = const(x, 1)
    two = const(x, 2)
    y = lax.div(lax.sub(x, loc), scale)
    df_on_two = lax.div(df, two)
    kernel = lax.sub(lax.mul(lax.sub(df_on_two, one), lax.log(y)), lax.div(y, two))
    nrml_cnst = lax.neg(lax.add(lax.lgamma(df_on_two), lax.div(lax.mul(lax.log(two), df), two)))
    log_probs = lax.add(lax.sub(nrml_cnst, lax.log(scale)), kernel)
    return jnp.where(lax.lt(x, loc), -jnp.inf, log_probs)


def pdf(x, df, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, df, loc, scale))


def _scaled(x, loc, scale, two):
    return lax.clamp(const(x, 0), lax.div(lax.sub(x, loc), lax.mul(scale, two)),
                     const(x, np.inf))


def cdf(x, df, loc=0, scale=1):
    """Cumulative distribution function."""
    x, df, loc, scale = promote("chi2.cdf", x, df, loc, scale)
    two = const(scale, 2)
    return gammainc(lax.div(df, two), _scaled(x, loc, scale, two))


def logcdf(x, df, loc=0, scale=1):
    """Log of the CDF."""
    return lax.log(cdf(x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
    """Survival function."""
    x, df, loc, scale = promote("chi2.sf", x, df, loc, scale)
    two = const(scale, 2)
    return gammaincc(lax.div(df, two), _scaled(x, loc, scale, two))


def logsf(x, df, loc=0, scale=1):
    """Log of the survival function."""
    return lax.log(sf(x, df, loc, scale))

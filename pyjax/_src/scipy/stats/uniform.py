"""jax.scipy.stats.uniform: the uniform distribution on [loc, loc + scale]."""
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.scipy.stats._util import promote


def logpdf(x, loc=0, scale=1):
    """Log density."""
    x, loc, scale = promote("uniform.logpdf", x, loc, scale)
    log_probs = lax.neg(lax.log(scale))
    return jnp.where(jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc)),
                     -jnp.inf, log_probs)


def pdf(x, loc=0, scale=1):
    """Density."""
    return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """Cumulative distribution function."""
    x, loc, scale = promote("uniform.cdf", x, loc, scale)
    zero, one = jnp.array(0, x.dtype), jnp.array(1, x.dtype)
    conds = [lax.lt(x, loc), lax.gt(x, lax.add(loc, scale)),
             lax.ge(x, loc) & lax.le(x, lax.add(loc, scale))]
    vals = [zero, one, lax.div(lax.sub(x, loc), scale)]
    return jnp.select(conds, vals)


def ppf(q, loc=0, scale=1):
    """Quantile function (NaN outside [0, 1])."""
    q, loc, scale = promote("uniform.ppf", q, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), jnp.nan,
                     lax.add(loc, lax.mul(scale, q)))

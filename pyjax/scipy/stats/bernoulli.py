"""jax.scipy.stats.bernoulli."""
from pyjax._src.scipy.stats.bernoulli import (  # noqa: F401
    logpmf, pmf, cdf, ppf)

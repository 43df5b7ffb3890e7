"""jax.scipy.stats.logistic."""
from pyjax._src.scipy.stats.logistic import (  # noqa: F401
    logpdf, pdf, ppf, sf, isf, cdf)

"""jax.scipy.stats.expon."""
from pyjax._src.scipy.stats.expon import (  # noqa: F401
    logpdf, pdf, cdf, logcdf, sf, logsf, ppf)

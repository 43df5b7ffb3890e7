"""jax.scipy.special."""
from pyjax._src.scipy.special import (  # noqa: F401
    beta, betainc, betaln, digamma, entr, erf, erfc, erfinv, expit, factorial, gamma,
    gammainc, gammaincc, gammaln, gammasgn, i0, i0e, i1, i1e, kl_div, log_ndtr, log_softmax,
    logit, logsumexp, multigammaln, ndtr, ndtri, poch, polygamma, rel_entr, softmax, xlog1py,
    xlogy, zeta)

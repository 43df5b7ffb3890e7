"""jax.scipy.stats: probability distributions."""
from pyjax.scipy.stats import (  # noqa: F401
    norm, multivariate_normal, gamma, beta, t, uniform, poisson, bernoulli, expon, laplace,
    logistic, cauchy, chi2)

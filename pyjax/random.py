"""Public ``jax.random`` API (re-exports only; see pyjax/_src/random*.py)."""
from pyjax._src.random import (  # noqa: F401
    PRNGKey, bernoulli, bits, clone, fold_in, key, key_data, key_dtype, key_impl, normal,
    rademacher, randint, split, truncated_normal, uniform, wrap_key_data,
)
from pyjax._src.random_discrete import (  # noqa: F401
    binomial, categorical, choice, geometric, multinomial, permutation, poisson,
)
from pyjax._src.random_samplers import (  # noqa: F401
    ball, beta, cauchy, chisquare, dirichlet, double_sided_maxwell, exponential, f, gamma,
    generalized_normal, gumbel, laplace, loggamma, logistic, lognormal, maxwell,
    multivariate_normal, orthogonal, pareto, rayleigh, t, triangular, wald, weibull_min,
)
from pyjax._src.primitives.random_bits import random_gamma_p  # noqa: F401

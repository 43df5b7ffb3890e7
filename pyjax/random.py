"""Public ``jax.random`` API (re-exports only; see pyjax/_src/random.py)."""
from pyjax._src.random import (  # noqa: F401
    PRNGKey, PRNGSpec, ball, bernoulli, beta, binomial, bits, categorical, cauchy, chisquare, choice,
    clone, default_prng_impl, dirichlet, double_sided_maxwell, exponential, f, fold_in, gamma,
    generalized_normal, geometric, gumbel, key, key_data, key_dtype, key_impl, laplace,
    loggamma, logistic, lognormal, maxwell, multivariate_normal, normal, pareto, permutation,
    poisson, rademacher, randint, random_bits, rayleigh, split, t, triangular,
    truncated_normal, uniform, wald, weibull_min, wrap_key_data,
)
from pyjax._src.primitives.random_bits import threefry2x32_p  # noqa: F401

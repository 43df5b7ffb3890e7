"""Public ``jax.random`` API (re-exports only; see pyjax/_src/random.py)."""
from pyjax._src.random import (  # noqa: F401
    PRNGKey, key, key_data, wrap_key_data, key_impl, key_dtype, clone, split, fold_in, bits,
    random_bits, uniform, normal, default_prng_impl, PRNGSpec,
)

"""jax.scipy: SciPy's API (linalg, special, stats, optimize) on pyjax arrays."""

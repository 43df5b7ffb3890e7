"""jax.scipy: SciPy's API on pyjax arrays."""
from pyjax.scipy import linalg, optimize, special, stats  # noqa: F401

"""jax.lax: the primitive operations, without NumPy-style promotion."""
from pyjax._src.lax import *  # noqa: F401,F403
from pyjax.lax import linalg  # noqa: F401,E402

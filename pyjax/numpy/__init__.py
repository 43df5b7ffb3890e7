"""jax.numpy: the NumPy API on pyjax arrays."""
from pyjax._src.numpy import *  # noqa: F401,F403
from pyjax.numpy import linalg  # noqa: F401,E402

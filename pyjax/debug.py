"""jax.debug: printing and callbacks that work inside transformed functions."""
from pyjax._src.debugging import debug_print as print  # noqa: F401,A001
from pyjax._src.debugging import debug_callback as callback  # noqa: F401

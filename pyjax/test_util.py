"""jax.test_util: numerical checks of derivatives."""
from pyjax._src.test_util import check_grads, check_jvp, check_vjp  # noqa: F401

__all__ = ["check_grads", "check_jvp", "check_vjp"]

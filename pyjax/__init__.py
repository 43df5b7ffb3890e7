"""pyjax: JAX, written in Python.

Use it as JAX: ``import pyjax as jax; import pyjax.numpy as jnp``, or run an unmodified JAX
script with ``python -m pyjax script.py``.
"""
__version__ = "0.1.0"

from pyjax._src.config import (  # noqa: F401
    config, enable_x64, disable_jit, debug_nans, debug_infs, checking_leaks)
from pyjax._src.array import Array  # noqa: F401
from pyjax._src.api import (  # noqa: F401
    jit, make_jaxpr, eval_shape, ShapeDtypeStruct, device_put, device_get, block_until_ready,
    typeof)
from pyjax._src.devices import (  # noqa: F401
    devices, local_devices, device_count, local_device_count, default_backend, process_index,
    process_count)
from pyjax._src.devices import Device  # noqa: F401
from pyjax._src.tree import Partial  # noqa: F401
from pyjax._src.install import install_as_jax  # noqa: F401
from pyjax._src.ad_api import jvp, linearize, vjp, grad, value_and_grad  # noqa: F401
from pyjax._src.vmap_api import vmap, jacfwd, jacrev, hessian  # noqa: F401
from pyjax._src.custom_derivatives import custom_jvp, custom_vjp, checkpoint, remat  # noqa: F401

from pyjax import numpy, lax, tree_util, tree, errors, dtypes, typing, random  # noqa: F401,E402
from pyjax import nn, scipy, debug  # noqa: F401,E402
from pyjax._src.debugging import pure_callback  # noqa: F401,E402

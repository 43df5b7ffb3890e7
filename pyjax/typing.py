"""jax.typing: type annotations for array-like values and dtypes."""
from typing import Any, Union

import numpy as np

from pyjax._src.array import Array

ArrayLike = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]
DTypeLike = Union[str, type, np.dtype, Any]

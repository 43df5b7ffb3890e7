"""The jax.numpy namespace, gathered from the modules that implement it.

Each module's public functions (those defined in it, not imported) are exported, plus any names
it lists in ``EXPORTS``. ``pyjax.numpy`` re-exports this namespace.
"""
import importlib as _importlib

import numpy as _np

_MODULES = ["scalar_types", "ufuncs", "creation", "manipulation", "reductions", "indexing",
            "linalg_ops", "sorting", "setops", "polynomial", "statistics", "misc"]


def _export(module):
    names = [n for n, obj in vars(module).items()
             if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__]
    names += list(getattr(module, "EXPORTS", ()))
    for n in names:
        globals()[n] = getattr(module, n)


for _name in _MODULES:
    _export(_importlib.import_module(f"pyjax._src.numpy.{_name}"))

from pyjax._src.numpy import array_methods as _array_methods  # noqa: E402,F401
from pyjax._src.array import Array as ndarray  # noqa: E402
from pyjax._src import dtypes as _dtypes  # noqa: E402

pi = _np.pi
e = _np.e
euler_gamma = _np.euler_gamma
inf = _np.inf
nan = _np.nan
newaxis = None
dtype = _np.dtype
finfo = _dtypes.finfo
iinfo = _dtypes.iinfo
issubdtype = _dtypes.issubdtype
isdtype = _dtypes.isdtype
promote_types = _dtypes.promote_types
generic = _np.generic
number = _np.number
inexact = _np.inexact
floating = _np.floating
complexfloating = _np.complexfloating
integer = _np.integer
signedinteger = _np.signedinteger
unsignedinteger = _np.unsignedinteger
character = _np.character
flexible = _np.flexible
object_ = _np.object_


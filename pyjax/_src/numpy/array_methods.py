"""Operators and methods of arrays, attached alike to concrete Arrays and to tracers."""
import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import util


def _jnp():
    import pyjax._src.numpy as jnp
    return jnp


_KNOWN_OPERAND_TYPES = {ArrayImpl, float, int, bool, complex, np.ndarray}


def _defers(other):
    """Operators return NotImplemented for types JAX does not know, so Python can try others."""
    return type(other) not in _KNOWN_OPERAND_TYPES and not util.is_arraylike(other)


def _binop(name, swap=False):
    fn = None

    def op(self, other):
        nonlocal fn
        if _defers(other):
            return NotImplemented
        if fn is None:
            fn = getattr(_jnp(), name)
        return fn(other, self) if swap else fn(self, other)
    op.__name__ = f"__{'r' if swap else ''}{name}__"
    return op


_BINARY_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "remainder", "divmod": "divmod", "pow": "power",
    "matmul": "matmul", "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift",
}
_COMPARISONS = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                "gt": "greater", "ge": "greater_equal"}
_UNARY_OPERATORS = {"neg": "negative", "pos": "positive", "abs": "absolute", "invert": "invert"}

# Methods that forward to the jax.numpy function of the same (or given) name with self first.
_METHODS = {
    "all": "all", "any": "any", "argmax": "argmax", "argmin": "argmin",
    "argpartition": "argpartition", "argsort": "argsort", "choose": "choose", "clip": "clip",
    "compress": "compress", "conj": "conjugate", "conjugate": "conjugate", "cumprod": "cumprod",
    "cumsum": "cumsum", "diagonal": "diagonal", "dot": "dot", "flatten": "ravel",
    "max": "max", "mean": "mean", "min": "min", "nonzero": "nonzero", "prod": "prod",
    "ptp": "ptp", "ravel": "ravel", "repeat": "repeat", "round": "round",
    "searchsorted": "searchsorted", "sort": "sort", "squeeze": "squeeze", "std": "std",
    "sum": "sum", "swapaxes": "swapaxes", "take": "take", "trace": "trace", "var": "var",
}


def _method(name, attr=None):
    """The method calling jnp.``name``; with ``attr`` (its attribute name) it is one that key
    arrays do not have (see _not_for_keys)."""
    fn = None

    def method(self, *args, **kwargs):
        nonlocal fn
        if attr is not None and self.dtype.kind == "V":
            _check_not_key(self, attr)
        if fn is None:
            fn = getattr(_jnp(), name)
        return fn(self, *args, **kwargs)
    method.__name__ = name
    return method


def _reshape(self, *shape, order="C"):
    # x.reshape(n) passes one size: JAX shows it as the list [n] in its shape errors.
    if len(shape) == 1:
        shape = shape[0] if isinstance(shape[0], (tuple, list)) else list(shape)
    return _jnp().reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return _jnp().transpose(self, axes or None)


def _astype(self, dtype, copy=False, device=None):
    return _jnp().astype(self, dtype)


def _view(self, dtype=None, type=None):
    if type is not None:
        raise NotImplementedError("`type` argument of array.view() is not supported.")
    return _jnp().view(self, dtype) if dtype is not None else self


_PROPERTIES = {
    "T": lambda self: _jnp().transpose(self),
    "mT": lambda self: _jnp().swapaxes(self, -1, -2),
    "real": lambda self: _jnp().real(self),
    "imag": lambda self: _jnp().imag(self),
    "flat": lambda self: iter(_jnp().ravel(self)),
    "at": lambda self: _jnp().at_helper(self),
}


def _getitem(self, idx):
    return _jnp().getitem(self, idx)


# Key arrays (JAX's PRNGKeyArray) keep only the methods that move elements around; on them the
# others are abstract methods, which raise.
_KEY_ARRAY_METHODS = frozenset({"flatten", "ravel", "squeeze", "swapaxes", "take"})


def _check_not_key(self, attr):
    if dtypes.is_key_dtype(self.dtype):
        raise NotImplementedError(f"Cannot call abstract method {attr}")


def _not_for_keys(attr, fun):
    def wrapped(self, *args, **kwargs):
        _check_not_key(self, attr)
        return fun(self, *args, **kwargs)
    wrapped.__name__ = getattr(fun, "__name__", attr)
    return wrapped


def _install(cls):
    for dunder, name in _BINARY_OPERATORS.items():
        setattr(cls, f"__{dunder}__", _binop(name))
        setattr(cls, f"__r{dunder}__", _binop(name, swap=True))
    for dunder, name in _COMPARISONS.items():
        setattr(cls, f"__{dunder}__", _binop(name))
    for dunder, name in _UNARY_OPERATORS.items():
        setattr(cls, f"__{dunder}__", _method(name))
    for method, name in _METHODS.items():
        setattr(cls, method, _method(name, None if method in _KEY_ARRAY_METHODS else method))
    cls.reshape = _reshape
    cls.transpose = _transpose
    cls.astype = _not_for_keys("astype", _astype)
    cls.view = _not_for_keys("view", _view)
    cls.__getitem__ = _getitem
    cls.__round__ = lambda self, ndigits=None: _jnp().round(self, ndigits or 0)
    for prop, getter in _PROPERTIES.items():
        keys_ok = prop in ("T", "at", "flat")
        setattr(cls, prop, property(getter if keys_ok else _not_for_keys(prop, getter)))


for _cls in (ArrayImpl, core.Tracer):
    _install(_cls)

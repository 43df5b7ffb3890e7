"""The concrete Array: an immutable NumPy buffer with a weak-type flag.

Operators, reductions, indexing and ``.at`` are attached by pyjax/_src/numpy/array_methods.py,
which also attaches them to tracers, so both behave alike.
"""
import abc

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import devices


class Array(metaclass=abc.ABCMeta):
    """The public array type (``jax.Array``): concrete arrays and tracers are instances."""

    __slots__ = ()


class ArrayImpl(Array):
    """A concrete array. ``_value`` is a NumPy array of a canonical dtype, never mutated."""

    __slots__ = ("_value", "weak_type", "__weakref__")
    __array_priority__ = 100

    def __init__(self, value, weak_type=False):
        self._value = value
        self.weak_type = weak_type

    # -- attributes ------------------------------------------------------------------------
    dtype = property(lambda self: self._value.dtype)
    shape = property(lambda self: self._value.shape)
    ndim = property(lambda self: self._value.ndim)
    size = property(lambda self: self._value.size)
    nbytes = property(lambda self: self._value.nbytes)
    itemsize = property(lambda self: self._value.itemsize)
    device = property(lambda self: devices.CPU)
    sharding = property(lambda self: devices.SHARDING)
    committed = False
    is_fully_addressable = True
    is_fully_replicated = True

    @property
    def aval(self):
        return core.ShapedArray(self._value.shape, self._value.dtype, self.weak_type)

    def devices(self):
        return {devices.CPU}

    def block_until_ready(self):
        return self

    def copy_to_host_async(self):
        pass

    def is_deleted(self):
        return False

    def delete(self):
        pass

    def to_concrete_value(self):
        return self._value

    # -- conversions -----------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        value = self._value
        if value.dtype.kind == "V" and dtypes.is_key_dtype(value.dtype):
            raise TypeError("JAX array with PRNGKey dtype cannot be converted to a NumPy array. "
                            "Use jax.random.key_data(arr) if you wish to extract the "
                            "underlying integer array.")
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        if copy:
            return value.copy()
        view = value.view()
        view.flags.writeable = False
        return view

    def _scalar(self, kind):
        if self._value.ndim:
            raise TypeError("Only scalar arrays can be converted to Python scalars; "
                            f"got arr.ndim={self._value.ndim}")
        return kind(self._value[()])

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __bool__(self):
        if self._value.dtype.kind == "V" and dtypes.is_key_dtype(self._value.dtype):
            raise TypeError("key array cannot be converted to boolean.")
        return bool(self._value)

    def __index__(self):
        if self._value.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return self._scalar(int)

    def item(self, *args):
        return self._value.item(*args)

    def tolist(self):
        return self._value.tolist()

    def __len__(self):
        if not self._value.ndim:
            raise TypeError("len() of unsized object")
        return self._value.shape[0]

    def __iter__(self):
        if not self._value.ndim:
            raise TypeError("iteration over a 0-d array")
        weak = self.weak_type
        return (ArrayImpl(np.asarray(v), weak) for v in self._value)

    def __hash__(self):
        raise TypeError("unhashable type: 'jaxlib._jax.ArrayImpl'")

    def __setitem__(self, idx, value):
        raise TypeError(core.IMMUTABLE_MESSAGE)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return ArrayImpl(self._value.copy(), self.weak_type)

    def copy(self):
        return ArrayImpl(self._value.copy(), self.weak_type)

    def __reduce__(self):
        return (ArrayImpl, (self._value, self.weak_type))

    # -- printing ----------------------------------------------------------------------------
    def __repr__(self):
        value = self._value
        if value.dtype.kind == "V" and dtypes.is_key_dtype(value.dtype):
            return _key_array_repr(value)
        dtype_str = f"dtype={value.dtype.name}" + (", weak_type=True" if self.weak_type else "")
        width = np.get_printoptions()["linewidth"]
        if value.size == 0:
            body = f"[], shape={value.shape}"
        else:
            body = np.array2string(value, prefix="Array(", suffix=",", separator=", ",
                                   max_line_width=width)
        last_line_len = len(body) - body.rfind("\n") + 1
        sep = " " if last_line_len + len(dtype_str) + 2 <= width else " " * 6
        return f"Array({body},{sep}{dtype_str})"

    def __str__(self):
        if self._value.dtype.kind == "V" and dtypes.is_key_dtype(self._value.dtype):
            return _key_array_repr(self._value)
        return str(self._value)

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self._value[()], spec)
        return format(self._value, spec)


class ScalarLiteral(ArrayImpl):
    """A 0-d Array that jax.numpy made from a Python scalar operand (``x + 2.0``).

    It behaves as any Array; tracing writes it inline as a literal (``2.0:f32[]``), as JAX
    does for Python scalars, while other 0-d Arrays become constants of the jaxpr.
    """

    __slots__ = ()


def _key_array_repr(value):
    """JAX's display of a PRNG key array: its shape and key dtype over its key data."""
    data = value[value.dtype.names[0]]
    return (f"Array({value.shape}, dtype={dtypes.dtype_name(value.dtype)}) overlaying:\n"
            f"{data}")


Array.register(core.Tracer)


def _wrap(value, weak_type=False):
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    return ArrayImpl(value, weak_type)


def _from_numpy(a):
    dt = a.dtype
    canon = dtypes.canonicalize_dtype(dt)
    return (a if canon == dt else a.astype(canon)), False


def _from_numpy_scalar(a):
    return _from_numpy(np.asarray(a))


core._wrap = _wrap
core._ArrayImpl = ArrayImpl
core._to_buffer.update({
    ArrayImpl: lambda a: (a._value, a.weak_type),
    ScalarLiteral: lambda a: (a._value, a.weak_type),
    np.ndarray: _from_numpy,
    bool: lambda x: (np.array(x), False),
    int: lambda x: (dtypes.scalar_to_array(x), True),
    float: lambda x: (np.array(x, dtypes.default_float_dtype()), True),
    complex: lambda x: (np.array(x, dtypes.default_complex_dtype()), True),
})
for _t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
           np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128):
    core._to_buffer[_t] = _from_numpy_scalar

"""Shape manipulation: reshape/ravel/transposes, expand/squeeze, broadcasting, joining and
splitting (concatenate, stack and friends, split and friends, block, append), dtype conversion
(astype, copy) and small predicates (ndim, shape, size, iscomplexobj, isscalar, ...).

The other functions of this family live in rearrange.py (tile, repeat, resize, flip, roll,
rot90, diff, insert, delete, trim_zeros) and matrices.py (tri/tril/triu, diagonals, trace, pad,
fromfunction); they are imported at the end of this module and exported through ``EXPORTS``, so
import them through this module (or the jax.numpy namespace).

Every result is built from lax primitives, as in jax.numpy, so every function works on tracers;
NumPy only computes static metadata (shapes, axes, concrete index lists). When an operation is
a no-op on a concrete array (reshape to the same shape, an empty expand_dims), the array itself
is returned so that eager calls stay cheap; traced calls still stage what JAX stages.
"""
import math
import operator
import warnings

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import Array, ArrayImpl
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.creation import broadcast_to
from pyjax._src.primitives import indexing as gather_lib
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import structural as S

_INT32 = np.dtype(np.int32)
_BOOL = np.dtype(np.bool_)

# ----------------------------------------------------------------------------------------------
# Helpers


def _canon(axis, ndim):
    return S.canonicalize_axis(axis, ndim)


def _index_tuple(x):
    """JAX's ``_ensure_index_tuple``: an int, or a sequence of ints, as a tuple of ints."""
    if isinstance(x, core.Tracer) and x.to_concrete_value() is None:
        operator.index(x)  # TracerIntegerConversionError, as in JAX
    try:
        return (operator.index(x),)
    except TypeError:
        return tuple(map(operator.index, x))


def _ensure(fun_name, x):
    util.check_arraylike(fun_name, x)
    return util.to_array(x)


def _warn_arraylike(fun_name, *args):
    """JAX's ``check_arraylike(..., emit_warning=True)``: a DeprecationWarning, not an error."""
    for pos, arg in enumerate(args):
        if not util.is_arraylike(arg):
            warnings.warn(f"{fun_name} requires ndarray or scalar arguments, got {type(arg)} at "
                          f"position {pos}. In a future JAX release this will be an error.",
                          DeprecationWarning, stacklevel=3)
            return


def _const(value, dtype):
    return ArrayImpl(np.asarray(value, dtype))


def _concrete(x):
    """The value of ``x`` itself (concrete_or_error with no conversion)."""
    return x


def _take(arr, idx, axis, mode=None):
    """``arr`` indexed along ``axis`` by the 1-D integer array ``idx``: one gather, as
    ``jnp.take`` / ``arr[..., idx]`` build it. ``idx`` may be a NumPy array (a constant)."""
    if isinstance(idx, np.ndarray):
        idx = ArrayImpl(idx.astype(_INT32).reshape(-1, 1))
    else:
        idx = S.reshape(idx, (np.shape(idx)[0], 1))
    nd = np.ndim(arr)
    sizes = list(np.shape(arr))
    sizes[axis] = 1
    dnums = gather_lib.GatherDimensionNumbers(
        offset_dims=tuple(range(axis)) + tuple(range(axis + 1, nd)),
        collapsed_slice_dims=(axis,), start_index_map=(axis,))
    return gather_lib.gather(arr, idx, dnums, tuple(sizes), mode=mode)


def _take_static(a, kept, axis):
    """``a`` restricted to the concrete sorted indices ``kept`` along ``axis``."""
    n = a.shape[axis]
    if kept.size == n:
        return a
    if kept.size == 0:
        return S.slice_in_dim(a, 0, 0, axis=axis)
    return _take(a, kept, axis)


def _where(condition, x, y):
    """``jnp.where(condition, x, y)`` for a bool condition and same-dtype x and y."""
    condition, x, y = broadcast_arrays(condition, x, y)
    return lax.select(condition, x, y)


def _sum(x, axes, dtype=None):
    """``jnp.sum`` over ``axes``: small ints sum in the default int (unsigned in the default
    uint), f16/bf16 accumulate in float32, an explicit ``dtype`` wins; the result is strong."""
    if dtype is None:
        dt = x.dtype
        if dt == _BOOL:
            dtype = dtypes.default_int_dtype()
        elif dt.kind == "u" and dt.itemsize < dtypes.default_uint_dtype().itemsize:
            dtype = dtypes.default_uint_dtype()
        elif dt.kind == "i" and dt.itemsize < dtypes.default_int_dtype().itemsize:
            dtype = dtypes.default_int_dtype()
        else:
            dtype = dt
    dtype = np.dtype(dtype)
    compute = np.dtype(np.float32) if dtype in (np.float16, dtypes.bfloat16) else dtype
    x = lax._convert(x, compute, False)
    out = lax.reduce_or(x, axes) if compute == _BOOL else lax.reduce_sum(x, axes)
    return lax._convert(out, dtype, False)


# ----------------------------------------------------------------------------------------------
# Shapes: reshape, ravel, transposes, expand/squeeze, broadcasting


_NO_NEWSHAPE = object()


def _concrete_shape(shape):
    """A user's shape sequence as a tuple of ints (JAX's TypeErrors come from core)."""
    return core.concrete_shape(shape)


def _pyslice(x, start, stop, axis):
    """``x[..., start:stop]`` along ``axis`` with Python's clamping of out-of-range bounds."""
    start, stop, _ = slice(start, stop).indices(np.shape(x)[axis])
    return S.slice_in_dim(x, start, max(start, stop), axis=axis)


def _compute_newshape(arr, newshape):
    """The target shape with a ``-1`` resolved, and JAX's size errors."""
    orig = newshape
    if type(newshape) is int:
        newshape = (newshape,)
    elif not (type(newshape) is tuple and all(type(d) is int for d in newshape)):
        try:
            iter(newshape)
        except TypeError:
            newshape = [newshape]
        newshape = _concrete_shape(newshape if isinstance(newshape, (list, tuple))
                                   else list(newshape))
    size = math.prod(arr.shape)
    neg1s = [i for i, d in enumerate(newshape) if d == -1]
    if len(neg1s) > 1:
        raise TypeError("can only specify one unknown axis size with a `-1` value, "
                        f"got {orig}")
    if neg1s:
        i, = neg1s
        others = math.prod(newshape[:i] + newshape[i + 1:])
        if size % others != 0:  # ZeroDivisionError for a zero-size other axis, as JAX
            raise TypeError(f"cannot reshape array of shape {arr.shape} (size {size}) "
                            f"into shape {orig} because the product of specified axis sizes "
                            f"({others}) does not evenly divide {size}")
        return newshape[:i] + (size // others,) + newshape[i + 1:]
    if size != math.prod(newshape):
        raise TypeError(f"cannot reshape array of shape {arr.shape} (size {size}) into shape "
                        f"{orig} (size {math.prod(newshape)})")
    return newshape


def reshape(a, shape=None, order="C", *, newshape=_NO_NEWSHAPE, copy=None):
    """Return ``a`` with a new shape (one dimension may be ``-1``).

    Args:
      a: input array.
      shape: an int or a sequence of ints; ``-1`` is inferred from the size.
      order: ``'C'`` (row-major) or ``'F'`` (column-major); ``'A'`` is not supported.
      copy: unused: arrays are immutable.

    Example:
      >>> jnp.reshape(jnp.arange(6), (2, -1), order='F')
      Array([[0, 2, 4],
             [1, 3, 5]], dtype=int32)
    """
    util.check_arraylike("reshape", a)
    if newshape is not _NO_NEWSHAPE:
        raise TypeError("The newshape argument to jnp.reshape was removed in JAX v0.4.36. "
                        "Use shape instead.")
    if shape is None:
        raise TypeError("jnp.shape requires passing a `shape` argument, but none was given.")
    a = util.to_array(a)
    new = _compute_newshape(a, shape)
    if order == "C":
        # lax.reshape's rule: a reshape to the same (non-scalar) shape is no reshape at all.
        if new == a.shape and (new or type(a) is ArrayImpl):
            return a
        return S.reshape_p.bind(a, new_sizes=new, dimensions=None, sharding=None)
    if order == "F":
        dims = tuple(range(len(a.shape)))[::-1]
        return transpose(S.reshape(a, new[::-1], dims))
    if order == "A":
        raise NotImplementedError("np.reshape order=A is not implemented.")
    raise ValueError(f"Unexpected value for 'order' argument: {order}.")


def ravel(a, order="C"):
    """Flatten ``a`` to one dimension, in C or Fortran order."""
    util.check_arraylike("ravel", a)
    if order == "K":
        raise NotImplementedError("Ravel not implemented for order='K'.")
    return reshape(a, (np.size(a),), order)


def transpose(a, axes=None):
    """Permute the axes of ``a`` (reverse them by default)."""
    util.check_arraylike("transpose", a)
    nd = np.ndim(a)
    axes_ = range(nd)[::-1] if axes is None else axes
    return S.transpose(a, [_canon(i, nd) for i in axes_])


def permute_dims(a, /, axes):
    """Permute the axes of ``a`` (array API); ``axes`` must be non-negative."""
    util.check_arraylike("permute_dims", a)
    return S.transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes of ``x``."""
    util.check_arraylike("matrix_transpose", x)
    nd = np.ndim(x)
    if nd < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got ndim={nd}")
    return S.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def swapaxes(a, axis1, axis2):
    """Swap two axes of ``a``."""
    util.check_arraylike("swapaxes", a)
    perm = np.arange(np.ndim(a))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return S.transpose(a, list(perm))


def moveaxis(a, source, destination):
    """Move axes ``source`` of ``a`` to positions ``destination``."""
    a = _ensure("moveaxis", a)
    nd = a.ndim
    source = tuple(_canon(i, nd) for i in _index_tuple(source))
    destination = tuple(_canon(i, nd) for i in _index_tuple(destination))
    if len(source) != len(destination):
        raise ValueError(f"Inconsistent number of elements: {len(source)} vs {len(destination)}")
    perm = [i for i in range(nd) if i not in source]
    for dest, src in sorted(zip(destination, source)):
        perm.insert(dest, src)
    return S.transpose(a, perm)


def rollaxis(a, axis, start=0):
    """Roll ``axis`` of ``a`` back to position ``start`` (prefer :func:`moveaxis`)."""
    util.check_arraylike("rollaxis", a)
    start = core.concrete_or_error(operator.index, start, "'start' argument of jnp.rollaxis()")
    nd = np.ndim(a)
    axis = _canon(axis, nd)
    if not -nd <= start <= nd:
        raise ValueError(f"start={start} must satisfy {-nd}<=start<={nd}")
    if start < 0:
        start += nd
    if start > axis:
        start -= 1
    return moveaxis(a, axis, start)


def expand_dims(a, axis):
    """Insert size-1 axes at the positions ``axis`` (an int or a tuple) of the result."""
    util.check_arraylike("expand_dims", a)
    axis = _index_tuple(axis)
    if not axis and type(a) is ArrayImpl:
        return a
    return S.expand_dims(a, axis)


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``, which must have size 1)."""
    a = _ensure("squeeze", a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(a.shape) if d == 1)
    else:
        dims = _index_tuple(axis)
    return S.squeeze(a, dims)


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to, NumPy style.

    Example:
      >>> jnp.broadcast_shapes((3, 1), (1, 4), (5, 1, 1))
      (5, 3, 4)
    """
    if not shapes:
        return ()
    shapes = [(operator.index(s),) if np.ndim(s) == 0 else tuple(map(operator.index, s))
              for s in shapes]
    if len(shapes) == 1:
        return shapes[0]
    nd = max(len(s) for s in shapes)
    padded = [(1,) * (nd - len(s)) + s for s in shapes]
    out = []
    for dims in zip(*padded):
        sizes = set(dims) - {1}
        if len(sizes) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_arrays(*args):
    """Broadcast all arguments to their common shape."""
    util.check_arraylike("broadcast_arrays", *args)
    shapes = [np.shape(a) for a in args]
    if not shapes or all(s == shapes[0] for s in shapes):
        return [util.to_array(a) for a in args]
    result = broadcast_shapes(*shapes)
    return [broadcast_to(a, result) for a in args]


def _atleast(fun_name, arys, n):
    _warn_arraylike(fun_name, *arys)
    out = []
    for x in arys:
        x = x if isinstance(x, (ArrayImpl, core.Tracer)) else creation.array(x, copy=False)
        nd = np.ndim(x)
        out.append(S.expand_dims(x, tuple(range(n - nd))) if nd < n else x)
    return out[0] if len(arys) == 1 else out


def atleast_1d(*arys):
    """Arrays with at least one dimension (a list if several arguments are given)."""
    return _atleast("atleast_1d", arys, 1)


def atleast_2d(*arys):
    """Arrays with at least two dimensions: ``(N,)`` becomes ``(1, N)``."""
    return _atleast("atleast_2d", arys, 2)


def atleast_3d(*arys):
    """Arrays with at least three dimensions: ``(N,)`` becomes ``(1, N, 1)``, ``(M, N)``
    becomes ``(M, N, 1)``."""
    _warn_arraylike("atleast_3d", *arys)
    out = []
    for x in arys:
        x = x if isinstance(x, (ArrayImpl, core.Tracer)) else creation.asarray(x)
        dims = {0: (0, 1, 2), 1: (0, 2), 2: (2,)}.get(np.ndim(x))
        out.append(S.expand_dims(x, dims) if dims else x)
    return out[0] if len(arys) == 1 else out


# ----------------------------------------------------------------------------------------------
# Joining and splitting


def _concatenate_array(arr, axis, dtype):
    """Concatenation of the sub-arrays of one array: a single reshape (JAX's fast path)."""
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, "asarray")
    arr = creation.asarray(arr, dtype=dtype)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError("Need at least one array to concatenate.")
    if axis is None:
        return S.reshape(arr, (arr.size,))
    if arr.ndim == 1:
        raise ValueError("Zero-dimensional arrays cannot be concatenated.")
    axis = _canon(axis, arr.ndim - 1)
    shp = arr.shape
    new = shp[1:axis + 1] + (shp[0] * shp[axis + 1],) + shp[axis + 2:]
    dims = [*range(1, axis + 1), 0, *range(axis + 1, arr.ndim)]
    return S.reshape(arr, new, dims)


def concatenate(arrays, axis=0, dtype=None):
    """Join arrays along an existing axis, promoting their dtypes (or to ``dtype``).

    ``axis=None`` flattens the inputs first; a single array is treated as the sequence of
    its sub-arrays along axis 0.
    """
    if isinstance(arrays, (np.ndarray, Array)):
        return _concatenate_array(arrays, axis, dtype)
    util.check_arraylike("concatenate", *arrays)
    if not len(arrays):
        raise ValueError("Need at least one array to concatenate.")
    if axis is None:
        return concatenate([ravel(a) for a in arrays], axis=0, dtype=dtype)
    if np.ndim(arrays[0]) == 0:
        raise ValueError("Zero-dimensional arrays cannot be concatenated.")
    axis = _canon(axis, np.ndim(arrays[0]))
    if dtype is None:
        out = util.promote_dtypes(*arrays)
    else:
        dtype = dtypes.check_user_dtype_supported(dtype, "asarray")
        out = [creation.asarray(a, dtype=dtype) for a in arrays]
    # A tree of concatenations of at most 16 operands, as JAX builds it.
    while len(out) > 1:
        out = [J.concatenate(out[i:i + 16], axis) for i in range(0, len(out), 16)]
    return out[0]


def concat(arrays, /, *, axis=0):
    """Array API spelling of :func:`concatenate`."""
    util.check_arraylike("concat", *arrays)
    return concatenate(arrays, axis=axis)


def stack(arrays, axis=0, out=None, dtype=None):
    """Join same-shape arrays along a new axis."""
    if not len(arrays):
        raise ValueError("Need at least one array to stack.")
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.stack is not supported.")
    if isinstance(arrays, (np.ndarray, Array)):
        axis = _canon(axis, arrays.ndim)
        return concatenate(expand_dims(arrays, axis + 1), axis=axis, dtype=dtype)
    util.check_arraylike("stack", *arrays)
    shape0 = np.shape(arrays[0])
    axis = _canon(axis, len(shape0) + 1)
    parts = []
    for a in arrays:
        if np.shape(a) != shape0:
            raise ValueError("All input arrays must have the same shape.")
        parts.append(expand_dims(a, axis))
    return concatenate(parts, axis=axis, dtype=dtype)


def _batched(tup, dims_by_ndim):
    """``vmap(atleast_nd)(tup)`` for one array: insert the unit axes of each element."""
    if tup.ndim == 0:
        raise ValueError("vmap was requested to map its argument along axis 0, which implies "
                         "that its rank should be at least 1, but is only 0 (its shape is ())")
    dims = dims_by_ndim.get(tup.ndim - 1)
    return S.expand_dims(tup, dims) if dims else tup


def vstack(tup, dtype=None):
    """Stack arrays vertically (along axis 0, after making them at least 2-D)."""
    if isinstance(tup, (np.ndarray, Array)):
        arrs = _batched(util.to_array(tup), {0: (1, 2), 1: (1,)})
    else:
        _warn_arraylike("vstack", *tup)
        arrs = [atleast_2d(m) for m in tup]
    return concatenate(arrs, axis=0, dtype=dtype)


row_stack = vstack


def hstack(tup, dtype=None):
    """Stack arrays horizontally (axis 1, or axis 0 for 1-D inputs)."""
    if isinstance(tup, (np.ndarray, Array)):
        arrs = _batched(util.to_array(tup), {0: (1,)})
        arr0_ndim = arrs.ndim - 1
    else:
        _warn_arraylike("hstack", *tup)
        arrs = [atleast_1d(m) for m in tup]
        arr0_ndim = arrs[0].ndim
    return concatenate(arrs, axis=0 if arr0_ndim == 1 else 1, dtype=dtype)


def dstack(tup, dtype=None):
    """Stack arrays depth-wise (along axis 2, after making them at least 3-D)."""
    if isinstance(tup, (np.ndarray, Array)):
        arrs = _batched(util.to_array(tup), {0: (1, 2, 3), 1: (1, 3), 2: (3,)})
    else:
        _warn_arraylike("dstack", *tup)
        arrs = [atleast_3d(m) for m in tup]
    return concatenate(arrs, axis=2, dtype=dtype)


def column_stack(tup):
    """Stack 1-D arrays as columns (2-D arrays are joined along axis 1)."""
    if isinstance(tup, (np.ndarray, Array)):
        tup = util.to_array(tup)
        arrs = _batched(tup, {0: (1, 2), 1: (2,)}) if tup.ndim < 3 else tup
    else:
        _warn_arraylike("column_stack", *tup)
        arrs = [transpose(atleast_2d(a)) if a.ndim < 2 else a for a in map(creation.asarray, tup)]
    return concatenate(arrs, axis=1)


def _split(op, ary, indices_or_sections, axis=0):
    ary = _ensure(op, ary)
    axis = core.concrete_or_error(operator.index, axis, f"in jax.numpy.{op} argument `axis`")
    size = ary.shape[axis]
    ios = indices_or_sections
    if isinstance(ios, (tuple, list)) or (isinstance(ios, (np.ndarray, Array))
                                          and np.ndim(ios) > 0):
        if isinstance(ios, Array):
            ios = core.concrete_or_error(np.asarray, ios, f"in jax.numpy.{op} argument 1")
        cuts = [core.concrete_or_error(operator.index, i, f"in jax.numpy.{op} argument 1")
                for i in ios]
        sizes = np.diff(np.asarray([0] + cuts + [size])).tolist()
    else:
        num = core.concrete_or_error(int, ios, f"in jax.numpy.{op} argument 1")
        part, r = divmod(size, num)
        if r == 0:
            sizes = [part] * num
        elif op == "array_split":
            sizes = [part + 1] * r + [part] * (num - r)
        else:
            raise ValueError(f"array split does not result in an equal division: rest is {r}")
    return list(J.split(ary, sizes, axis=axis))


def split(ary, indices_or_sections, axis=0):
    """Split ``ary`` into equal sections, or at the given indices, along ``axis``.

    Example:
      >>> [x.tolist() for x in jnp.split(jnp.arange(6), [2, 5])]
      [[0, 1], [2, 3, 4], [5]]
    """
    return _split("split", ary, indices_or_sections, axis=axis)


def array_split(ary, indices_or_sections, axis=0):
    """Like :func:`split`, but a number of sections need not divide the axis evenly."""
    return _split("array_split", ary, indices_or_sections, axis=axis)


def vsplit(ary, indices_or_sections):
    """:func:`split` along axis 0."""
    return _split("vsplit", ary, indices_or_sections, axis=0)


def hsplit(ary, indices_or_sections):
    """:func:`split` along axis 1 (axis 0 for 1-D arrays)."""
    a = _ensure("hsplit", ary)
    return _split("hsplit", a, indices_or_sections, axis=0 if a.ndim == 1 else 1)


def dsplit(ary, indices_or_sections):
    """:func:`split` along axis 2."""
    return _split("dsplit", ary, indices_or_sections, axis=2)


def unstack(x, /, *, axis=0):
    """The tuple of sub-arrays of ``x`` along ``axis``."""
    x = _ensure("unstack", x)
    if x.ndim == 0:
        raise ValueError("Unstack requires arrays with rank > 0, however a scalar array was "
                         "passed.")
    dims = (axis,)
    return tuple(S.squeeze(t, dims) for t in J.split(x, (1,) * x.shape[axis], axis=axis))


def _block(xs):
    if isinstance(xs, tuple):
        raise ValueError(f"jax.numpy.block does not allow tuples, got {xs}")
    if isinstance(xs, list):
        if len(xs) == 0:
            raise ValueError("jax.numpy.block does not allow empty list arguments")
        parts, depths = zip(*[_block(x) for x in xs])
        if any(d != depths[0] for d in depths[1:]):
            raise ValueError("Mismatched list depths in jax.numpy.block")
        rank = max(depths[0], max(np.ndim(x) for x in parts))
        parts = [S.broadcast(x, (1,) * (rank - np.ndim(x))) if np.ndim(x) < rank else x
                 for x in parts]
        return concatenate(parts, axis=-depths[0]), depths[0] + 1
    return creation.asarray(xs), 1


def block(arrays):
    """Assemble an array from nested lists of blocks (innermost lists join the last axis)."""
    out, _ = _block(arrays)
    return out


def append(arr, values, axis=None):
    """``arr`` with ``values`` appended along ``axis`` (both flattened if ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis=axis)


# ----------------------------------------------------------------------------------------------
# Conversions and predicates


def astype(x, dtype, /, *, copy=False, device=None):
    """``x`` converted to ``dtype`` with XLA's conversion rules; the result is strongly typed.

    Complex to bool tests for non-zero; complex to real keeps the real part (with a
    DeprecationWarning, as JAX).
    """
    x_arr = _ensure("astype", x)
    if dtype is None:
        dtype = dtypes.default_float_dtype()
    dtype = dtypes.check_user_dtype_supported(dtype, "astype")
    if x_arr.dtype.kind == "c":
        if dtypes.issubdtype(dtype, np.integer) or dtypes.issubdtype(dtype, np.floating):
            warnings.warn("Casting from complex to real dtypes will soon raise a ValueError. "
                          "Please first use jnp.real or jnp.imag to take the real/imaginary "
                          "component of your input.", DeprecationWarning, stacklevel=2)
        elif dtype == _BOOL:
            x_arr = lax.ne(x_arr, _const(0, x_arr.dtype))
    return lax._convert(x_arr, dtype, False)


def copy(a, order=None):
    """A copy of ``a`` (arrays are immutable, so this is ``jnp.array(a, copy=True)``)."""
    util.check_arraylike("copy", a)
    return creation.array(a, copy=True, order=order)


def ndim(a):
    """The number of dimensions of ``a``."""
    if hasattr(a, "ndim"):
        return a.ndim
    _warn_arraylike("ndim", a)
    return np.ndim(a)


def shape(a):
    """The shape of ``a``."""
    if hasattr(a, "shape"):
        return a.shape
    _warn_arraylike("shape", a)
    return np.shape(a)


def size(a, axis=None):
    """The number of elements of ``a``, or along the axes ``axis``."""
    _warn_arraylike("size", a)
    if axis is None and hasattr(a, "size"):
        return a.size
    dims = a.shape if hasattr(a, "shape") else np.shape(a)
    axes = range(len(dims)) if axis is None else [_canon(i, len(dims))
                                                  for i in _index_tuple(axis)]
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis: {axis}")
    return math.prod(dims[i] for i in axes)


def iscomplexobj(x):
    """True if ``x`` has a complex dtype (whatever its values)."""
    if x is None:
        return False
    try:
        typ = x.dtype.type
    except AttributeError:
        typ = creation.asarray(x).dtype.type
    return dtypes.issubdtype(typ, np.complexfloating)


def isrealobj(x):
    """True unless ``x`` has a complex dtype."""
    return not iscomplexobj(x)


def iscomplex(x):
    """Elementwise: is the imaginary part non-zero?"""
    i = ufuncs.imag(x)
    return lax.ne(i, _const(0, i.dtype))


def isreal(x):
    """Elementwise: is the imaginary part zero?"""
    i = ufuncs.imag(x)
    return lax.eq(i, _const(0, i.dtype))


def isscalar(element):
    """True for scalars and for 0-d arrays (unlike NumPy, whose 0-d arrays are not scalars)."""
    if np.isscalar(element):
        return True
    if isinstance(element, (np.ndarray, Array)):
        return element.ndim == 0
    if hasattr(element, "__jax_array__"):
        return np.ndim(element.__jax_array__()) == 0
    return False


# The rest of the family, defined in its own modules (which import the helpers above).
from pyjax._src.numpy.rearrange import (  # noqa: E402,F401
    tile, repeat, resize, flip, fliplr, flipud, roll, rot90, diff, ediff1d, delete, insert,
    trim_zeros)
from pyjax._src.numpy.matrices import (  # noqa: E402,F401
    tri, tril, triu, diagonal, diag, diagflat, trace, fromfunction, pad)

EXPORTS = ["row_stack", "tile", "repeat", "resize", "flip", "fliplr", "flipud", "roll", "rot90",
           "diff", "ediff1d", "delete", "insert", "trim_zeros", "tri", "tril", "triu",
           "diagonal", "diag", "diagflat", "trace", "fromfunction", "pad"]

"""Matrix construction and padding: tri/tril/triu, diagonal/diag/diagflat, trace,
fromfunction and pad (part of the manipulation family; exported through manipulation.py)."""
import importlib
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.creation import broadcast_to
from pyjax._src.numpy.manipulation import (
    _BOOL, _INT32, _canon, _concrete, _concrete_shape, _const, _ensure, _sum, _where, moveaxis,
    ravel, squeeze)
from pyjax._src.numpy.rearrange import flip, repeat
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import indexing as gather_lib
from pyjax._src.primitives import joining as J
from pyjax._src.primitives import scatter as scatter_lib
from pyjax._src.primitives import sorting
from pyjax._src.primitives import structural as S

# ----------------------------------------------------------------------------------------------
# Triangles and diagonals


def _tri(dtype, shape, k):
    """A boolean-then-``dtype`` matrix, true where ``row + k >= col`` (JAX's lax._tri)."""
    if isinstance(k, (int, np.integer)):
        info = np.iinfo(np.int32)
        offset = _const(max(info.min, min(int(k), info.max)), _INT32)
    else:
        offset = lax._convert(util.to_array(k), _INT32, False)
    shape = _concrete_shape(shape)
    rows = S.broadcasted_iota(_INT32, shape, 0)
    cols = S.broadcasted_iota(_INT32, shape, 1)
    mask = lax.ge(lax.add(rows, offset), cols)
    if dtype == _BOOL and type(mask) is ArrayImpl:
        return mask
    return ew.convert_element_type_p.bind(mask, new_dtype=np.dtype(dtype), weak_type=False,
                                          sharding=None)


def tri(N, M=None, k=0, dtype=None):
    """An ``N x M`` array with ones on and below the ``k``-th diagonal (float32 default)."""
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, "tri")
    M = N if M is None else M
    return _tri(dtype or np.dtype(np.float32), (N, M), k)


def tril(m, k=0):
    """``m`` with the elements above the ``k``-th diagonal zeroed (batched over leading axes)."""
    util.check_arraylike("tril", m)
    return _keep_triangle(m, k=k, lower=True)


def triu(m, k=0):
    """``m`` with the elements below the ``k``-th diagonal zeroed (batched over leading axes)."""
    util.check_arraylike("triu", m)
    return _keep_triangle(m, k=k, lower=False)


@util.jit_inline(static_argnames=("k", "lower"))
def _keep_triangle(m, k, lower):
    """``m`` with zeros above (``lower``: tril) or below (triu) the ``k``-th diagonal."""
    m = util.to_array(m)
    if m.ndim < 2:
        raise ValueError(f"Argument to jax.numpy.{'tril' if lower else 'triu'} must be at "
                         "least 2D")
    N, M = m.shape[-2:]
    # The mask marks the elements on and below diagonal k (tril) or k - 1 (triu's zeros).
    mask = S.broadcast(tri(N, M, k=k if lower else k - 1, dtype=bool), m.shape[:-2])
    zeros = creation.zeros_like(m)
    return lax.select(mask, m, zeros) if lower else lax.select(mask, zeros, m)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal of ``a`` in the plane ``(axis1, axis2)``, as the last axis."""
    a = _ensure("diagonal", a)
    if a.ndim < 2:
        raise ValueError("diagonal requires an array of at least two dimensions.")
    offset = core.concrete_or_error(operator.index, offset, "'offset' argument of jnp.diagonal()")
    a_shape = a.shape
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    size = max(0, min(a_shape[axis1] + min(offset, 0), a_shape[axis2] - max(offset, 0)))
    lead = a.shape[:-2]
    if size == 0:
        return S.reshape(S.slice_in_dim(a, 0, 0, axis=a.ndim - 2), lead + (0,))
    i = np.arange(size)
    j = np.arange(abs(offset), abs(offset) + size)
    rows, cols = (i, j) if offset >= 0 else (j, i)
    idx = ArrayImpl(np.stack([rows, cols], axis=-1).astype(_INT32))
    nd = a.ndim
    dnums = gather_lib.GatherDimensionNumbers(
        offset_dims=tuple(range(nd - 2)), collapsed_slice_dims=(nd - 2, nd - 1),
        start_index_map=(nd - 2, nd - 1))
    return gather_lib.gather(a, idx, dnums, lead + (1, 1))


def diag(v, k=0):
    """The ``k``-th diagonal of a 2-D ``v``, or a 2-D array with 1-D ``v`` on that diagonal."""
    util.check_arraylike("diag", v)
    return _diag(v, k=operator.index(k))


@util.jit_inline(static_argnames=("k",))
def _diag(v, k):
    v = util.to_array(v)
    if v.ndim == 1:
        n = v.shape[0] + abs(k)
        v = J.pad(v, S.full_like(v, 0, shape=()), ((max(0, k), max(0, -k), 0),))
        return _where(creation.eye(n, k=k, dtype=bool), v, creation.zeros_like(v))
    if v.ndim == 2:
        return diagonal(v, offset=k)
    raise ValueError("diag input must be 1d or 2d")


def diagflat(v, k=0):
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal."""
    util.check_arraylike("diagflat", v)
    k = operator.index(k)
    flat = ravel(v)
    n = flat.shape[0]
    adj = n + abs(k)
    i = np.arange(adj - abs(k))
    fi = i + k + i * adj if k >= 0 else i + (i - k) * adj
    dnums = scatter_lib.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
    res = scatter_lib.scatter(ArrayImpl(np.zeros(adj * adj, flat.dtype)),
                              ArrayImpl(fi.astype(_INT32).reshape(-1, 1)),
                              lax._convert(flat, flat.dtype, False), dnums)
    return S.reshape(res, (adj, adj))


@util.jit_inline(static_argnames=("axis1", "axis2", "dtype"))
def _trace(a, offset, axis1, axis2, dtype):
    a = util.to_array(a)
    a_shape = a.shape
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    off = util.to_array(offset)
    if off.shape != () or off.dtype.kind not in "iu":
        raise ValueError(f"k must be a scalar integer; got {offset}")
    shape2 = (a_shape[axis1], a_shape[axis2])
    mask = lax.eq(ufuncs.add(S.broadcasted_iota(off.dtype, shape2, 0), off),
                  S.broadcasted_iota(off.dtype, shape2, 1))
    a = _where(mask, a, creation.zeros_like(a))
    return _sum(a, (a.ndim - 2, a.ndim - 1), dtype)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum of the ``offset`` diagonal in the plane ``(axis1, axis2)``, with ``jnp.sum``'s
    dtype rules (small ints accumulate in the default int)."""
    util.check_arraylike("trace", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
    nd = np.ndim(a)
    if _canon(axis1, nd) == _canon(axis2, nd):
        raise ValueError(f"axis1 and axis2 can not be same. axis1={axis1} and axis2={axis2}")
    if dtype is not None:
        dtype = dtypes.check_user_dtype_supported(dtype, "trace")
    return _trace(a, offset, axis1=operator.index(axis1), axis2=operator.index(axis2),
                  dtype=dtype)


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function`` evaluated over the grid of indices of ``shape`` (mapped with ``vmap``, so
    ``function`` sees scalar indices)."""
    shape = core.concrete_shape(shape)
    from pyjax._src.vmap_api import vmap
    for i in range(len(shape)):
        in_axes = [0 if i == j else None for j in range(len(shape))]
        function = vmap(function, in_axes=tuple(in_axes[::-1]))
    return function(*(creation.arange(s, dtype=dtype) for s in shape), **kwargs)


# ----------------------------------------------------------------------------------------------
# Padding


def _concrete_tree(x, name):
    if isinstance(x, (list, tuple)):
        return type(x)(_concrete_tree(e, name) for e in x)
    return core.concrete_or_error(_concrete, x, f"{name} argument of jnp.pad")


def _broadcast_to_pairs(nvals, nd, name):
    """NumPy's pad-width forms (``n``, ``(n,)``, ``(before, after)``, ``((b, a),) * nd``) as
    one ``(before, after)`` pair per axis."""
    try:
        nvals = np.asarray(_concrete_tree(nvals, name))
    except ValueError as e:
        if "inhomogeneous" in str(e):
            raise TypeError(f"`{name}` entries must be the same shape: {nvals}") from e
        raise
    if nvals.shape == (nd, 2):
        return tuple((v[0], v[1]) for v in nvals)
    if nvals.shape == (1, 2):
        return ((nvals[0, 0], nvals[0, 1]),) * nd
    if nvals.shape == (2,):
        return ((nvals[0], nvals[1]),) * nd
    if nvals.shape == (1,):
        return ((nvals[0], nvals[0]),) * nd
    if nvals.shape == ():
        v = nvals.flat[0]
        return ((v, v),) * nd
    raise ValueError(f"jnp.pad: {name} with nd={nd} has unsupported shape {nvals.shape}. "
                     f"Valid shapes are ({nd}, 2), (1, 2), (2,), (1,), or ().")


def _check_no_padding(axis_padding, mode):
    if axis_padding[0] > 0 or axis_padding[1] > 0:
        raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


def _scalar_at(x, i, j):
    return S.reshape(S.slice(x, (i, j), (i + 1, j + 1)), ())


def _pad_constant(array, pad_width, constant_values):
    nd = array.ndim
    # Concrete padding values convert without staging anything (JAX folds such constants).
    cv = S.convert(constant_values, array.dtype, array.weak_type)
    widths = [(lo, hi, 0) for lo, hi in pad_width]
    if cv.ndim == 0:
        return J.pad(array, cv, widths)
    if cv.ndim == 1:
        if cv.shape[-1] == 1:
            return J.pad(array, squeeze(cv), widths)
        if cv.shape[-1] != 2:
            raise ValueError(f"jnp.pad: constant_values has unsupported shape {cv.shape}. If the "
                             "shape is 1D or 2D, the last dimension must be of size 1 or 2.")
    cv = broadcast_to(cv, (nd, 2))
    for i in range(nd):
        widths = [(0, 0, 0)] * nd
        if pad_width[i][0] != 0:
            widths[i] = (pad_width[i][0], 0, 0)
            array = J.pad(array, _scalar_at(cv, i, 0), widths)
        if pad_width[i][1] != 0:
            widths[i] = (0, pad_width[i][1], 0)
            array = J.pad(array, _scalar_at(cv, i, 1), widths)
    return array


def _pad_axes(array, pad_width, mode, pad_axis):
    """Pads ``array`` one axis at a time: ``pad_axis(array, axis, before, after)``; an empty
    axis takes no padding in ``mode`` (wrap, reflect, symmetric, edge)."""
    for i in range(array.ndim):
        if array.shape[i] == 0:
            _check_no_padding(pad_width[i], mode)
            continue
        array = pad_axis(array, i, *pad_width[i])
    return array


def _pad_wrap(array, pad_width):
    def pad_axis(array, i, before, after):
        size = array.shape[i]
        left_repeats, left_rem = divmod(before, size)
        right_repeats, right_rem = divmod(after, size)
        parts = []
        if left_rem > 0:
            parts.append(S.slice_in_dim(array, size - left_rem, size, axis=i))
        parts += (left_repeats + right_repeats + 1) * [array]
        if right_rem > 0:
            parts.append(S.slice_in_dim(array, 0, right_rem, axis=i))
        return J.concatenate(parts, i)
    return _pad_axes(array, pad_width, "wrap", pad_axis)


def _pad_symmetric_or_reflect(array, pad_width, mode, reflect_type):
    def pad_axis(array, i, before, after):
        axis_size = array.shape[i]
        offset = 1 if (mode == "reflect" and axis_size > 1) else 0

        def build(array, padding, before):
            edge = (S.slice_in_dim(array, 0, 1, axis=i) if before
                    else S.slice_in_dim(array, -1, None, axis=i))
            while padding > 0:
                curr = min(padding, axis_size - offset)
                padding -= curr
                if before:
                    start, stop = offset, offset + curr
                else:
                    start = -(curr + offset)
                    stop = None if (mode == "symmetric" or axis_size == 1) else -1
                x = flip(S.slice_in_dim(array, start, stop, axis=i), axis=i)
                if reflect_type == "odd":
                    x = ufuncs.subtract(ufuncs.multiply(2, edge), x)
                    if axis_size > 1:
                        edge = (S.slice_in_dim(x, 0, 1, axis=i) if before
                                else S.slice_in_dim(x, -1, None, axis=i))
                array = J.concatenate([x, array] if before else [array, x], i)
            return array

        return build(build(array, before, True), after, False)
    return _pad_axes(array, pad_width, mode, pad_axis)


def _pad_edge(array, pad_width):
    def pad_axis(array, i, before, after):
        n = array.shape[i]
        first = repeat(S.slice_in_dim(array, 0, 1, axis=i), before, axis=i)
        last = repeat(S.slice_in_dim(array, n - 1, n, axis=i), after, axis=i)
        return J.concatenate([first, array, last], i)
    return _pad_axes(array, pad_width, "edge", pad_axis)


def _pad_linear_ramp(array, pad_width, end_values):
    weak = array.weak_type
    for axis in range(array.ndim):
        ramps = []
        for side, edge in ((0, S.slice_in_dim(array, 0, 1, axis=axis)),
                           (1, S.slice_in_dim(array, -1, None, axis=axis))):
            ramp = creation.linspace(end_values[axis][side], squeeze(edge, axis),
                                     num=pad_width[axis][side], endpoint=False,
                                     dtype=array.dtype, axis=axis)
            ramps.append(lax._convert(ramp, ramp.dtype, weak))
        array = J.concatenate([ramps[0], array, flip(ramps[1], axis)], axis)
    return array


def _keepdims(f):
    def g(x, axis):
        return S.expand_dims(f(x, axis), (axis,))
    return g


def _mean(x, axis):
    dtype = dtypes.to_inexact_dtype(x.dtype)
    compute = np.dtype(np.float32) if dtype in (np.float16, dtypes.bfloat16) else dtype
    total = lax.reduce_sum(lax._convert(x, compute, False), (axis,))
    return lax._convert(lax.div(total, _const(x.shape[axis], compute)), dtype, False)


def _median(x, axis):
    x = lax._convert(x, dtypes.to_inexact_dtype(x.dtype), False)
    n = x.shape[axis]
    srt = sorting.sort(x, dimension=axis)
    lo, hi = (n - 1) // 2, n // 2
    low = S.index_in_dim(srt, lo, axis, keepdims=False)
    high = S.index_in_dim(srt, hi, axis, keepdims=False)
    return lax.mul(lax.add(low, high), _const(0.5, x.dtype))


def _stat_func(mode):
    """jnp.amax/amin/mean/median with keepdims, from the reductions module when it exists."""
    name = {"maximum": "amax", "minimum": "amin", "mean": "mean", "median": "median"}[mode]
    for module in ("reductions", "statistics"):
        try:
            f = getattr(importlib.import_module(f"pyjax._src.numpy.{module}"), name)
        except (ImportError, AttributeError):
            continue
        return lambda x, axis: f(x, axis=axis, keepdims=True)
    return _keepdims({"amax": lambda x, ax: lax.reduce_max(x, (ax,)),
                      "amin": lambda x, ax: lax.reduce_min(x, (ax,)),
                      "mean": _mean, "median": _median}[name])


def _pad_stats(array, pad_width, stat_length, mode):
    stat_func = _stat_func(mode)
    for i in range(array.ndim):
        if stat_length is None:
            stat_before = stat_after = stat_func(array, i)
        else:
            length = array.shape[i]
            lb, la = stat_length[i]
            if lb == 0 or la == 0:
                raise ValueError("stat_length of 0 yields no value for padding")
            lb, la = min(lb, length), min(la, length)
            stat_before = stat_func(S.slice_in_dim(array, 0, lb, axis=i), i)
            stat_after = stat_func(S.slice_in_dim(array, -la, None, axis=i), i)
        if array.dtype.kind in "iu":
            stat_before, stat_after = ufuncs.round(stat_before), ufuncs.round(stat_after)
        stat_before = lax._convert(stat_before, array.dtype, array.weak_type)
        stat_after = lax._convert(stat_after, array.dtype, array.weak_type)
        before = repeat(stat_before, pad_width[i][0], axis=i)
        after = repeat(stat_after, pad_width[i][1], axis=i)
        array = J.concatenate([before, array, after], i)
    return array


def _pad_empty(array, pad_width):
    for i in range(array.ndim):
        shp = array.shape
        before = creation.empty_like(array, shape=shp[:i] + (pad_width[i][0],) + shp[i + 1:])
        after = creation.empty_like(array, shape=shp[:i] + (pad_width[i][1],) + shp[i + 1:])
        array = J.concatenate([before, array, after], i)
    return array


def _apply_along_axis(func1d, axis, arr, *args):
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis`` (with vmap, as JAX)."""
    from pyjax._src.vmap_api import vmap
    func = lambda x: func1d(x, *args)  # noqa: E731
    for i in range(1, arr.ndim - axis):
        func = vmap(func, in_axes=i, out_axes=-1)
    for _ in range(axis):
        func = vmap(func, in_axes=0, out_axes=0)
    return func(arr)


_PAD_KWARGS = {"empty": [], "edge": [], "wrap": [], "constant": ["constant_values"],
               "linear_ramp": ["end_values"], "maximum": ["stat_length"],
               "mean": ["stat_length"], "median": ["stat_length"], "minimum": ["stat_length"],
               "reflect": ["reflect_type"], "symmetric": ["reflect_type"]}


def pad(array, pad_width, mode="constant", **kwargs):
    """Pad ``array`` as :func:`numpy.pad` does.

    Args:
      array: the array to pad.
      pad_width: ``n``, ``(n,)``, ``(before, after)`` or one ``(before, after)`` pair per axis.
      mode: 'constant' (``constant_values``), 'edge', 'wrap', 'reflect' / 'symmetric'
        (``reflect_type`` 'even' or 'odd'), 'linear_ramp' (``end_values``), 'maximum',
        'minimum', 'mean', 'median' (``stat_length``), 'empty' (zeros), or a callable
        ``f(row, pad_width, iaxis, kwargs) -> row``.

    Example:
      >>> jnp.pad(jnp.array([1, 2, 3]), (1, 2), mode='reflect')
      Array([2, 1, 2, 3, 2, 1], dtype=int32)
    """
    util.check_arraylike("pad", array)
    nd = np.ndim(array)
    pad_width = _broadcast_to_pairs(pad_width, nd, "pad_width")
    if pad_width and not all(isinstance(p, (int, np.integer)) and not isinstance(p, np.bool_)
                             for pair in pad_width for p in pair):
        raise TypeError("`pad_width` must be of integral type.")
    if callable(mode):
        array = util.to_array(array)
        padded = _pad_constant(array, pad_width, util.to_array(0))
        for axis in range(padded.ndim):
            padded = _apply_along_axis(mode, axis, padded, pad_width[axis], axis, kwargs)
        return padded
    try:
        unsupported = set(kwargs) - set(_PAD_KWARGS[mode])
    except KeyError:
        raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.") from None
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    array = util.to_array(array)
    if nd == 0:
        return array
    pad_width = tuple((int(lo), int(hi)) for lo, hi in pad_width)
    if any(lo < 0 or hi < 0 for lo, hi in pad_width):
        raise ValueError("index can't contain negative values")
    if not any(lo or hi for lo, hi in pad_width) and type(array) is ArrayImpl:
        return array
    if mode == "constant":
        constant_values = kwargs.get("constant_values", 0)
        return _pad_constant(array, pad_width, creation.asarray(constant_values))
    end_values = None
    if mode == "linear_ramp":
        end_values = _broadcast_to_pairs(kwargs.get("end_values", 0), nd, "end_values")
        end_values = tuple((lo.item(), hi.item()) for lo, hi in map(np.asarray, end_values))
    stat_length = kwargs.get("stat_length")
    if stat_length is not None:
        stat_length = tuple((int(b), int(a))
                            for b, a in _broadcast_to_pairs(stat_length, nd, "stat_length"))
    return _pad(array, pad_width=pad_width, mode=mode, stat_length=stat_length,
                end_values=end_values, reflect_type=kwargs.get("reflect_type", "even"))


# JAX jits its padding; the constant mode (one lax.pad) runs eagerly above.
@util.jit_inline(static_argnames=("pad_width", "mode", "stat_length", "end_values",
                                  "reflect_type"))
def _pad(array, pad_width, mode, stat_length, end_values, reflect_type):
    array = util.to_array(array)
    if mode == "wrap":
        return _pad_wrap(array, pad_width)
    if mode in ("symmetric", "reflect"):
        return _pad_symmetric_or_reflect(array, pad_width, mode, reflect_type)
    if mode == "edge":
        return _pad_edge(array, pad_width)
    if mode == "linear_ramp":
        return _pad_linear_ramp(array, pad_width, end_values)
    if mode == "empty":
        return _pad_empty(array, pad_width)
    return _pad_stats(array, pad_width, stat_length, mode)

"""Array creation: array/asarray, zeros/ones/full/empty and *_like, arange, linspace, eye, ..."""
import builtins

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import util
from pyjax._src.primitives import joining
from pyjax._src.primitives import structural


def _user_dtype(dtype, fun_name):
    return None if dtype is None else dtypes.check_user_dtype_supported(dtype, fun_name)


def _leaves(obj):
    """The elements of a nested list/tuple, and whether any is a jax value."""
    out = []
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def _stack_traced(obj, dtype):
    """Build a nested list holding tracers into one array with lax ops."""
    if isinstance(obj, (list, tuple)):
        parts = [_stack_traced(o, dtype) for o in obj]
        if not parts:
            return ArrayImpl(np.zeros((0,), dtype))
        parts = [structural.broadcast_in_dim(p, (1,) + tuple(np.shape(p)),
                                             tuple(range(1, np.ndim(p) + 1))) for p in parts]
        return joining.concatenate(parts, 0)
    return lax._convert(util.to_array(obj), dtype, False)


def array(object, dtype=None, copy=True, order="K", ndmin=0, *, device=None):
    """Create an array; Python scalars give weakly typed arrays, as in JAX."""
    if order is not None and order not in ("K", "C", "A"):
        raise NotImplementedError("Only implemented for order='K'")
    dtype = _user_dtype(dtype, "array")
    if hasattr(object, "__jax_array__"):
        object = object.__jax_array__()
    if isinstance(object, (ArrayImpl, core.Tracer)):
        out = object if dtype is None else lax._convert(object, dtype, False)
    elif type(object) in (bool, int, float, complex):
        buf = dtypes.scalar_to_array(object, dtype)
        out = ArrayImpl(buf, dtype is None and type(object) is not bool)
    elif isinstance(object, (np.ndarray, np.generic)):
        _check_numeric(object)
        target = dtype if dtype is not None else dtypes.canonicalize_dtype(object.dtype)
        out = ArrayImpl(np.array(object, dtype=target, copy=True))
    elif isinstance(object, (list, tuple)):
        leaves = _leaves(object)
        if dtype is None:
            dtype = (dtypes.result_type(*leaves) if leaves
                     else dtypes.canonicalize_dtype(np.float64))
            dtype = dtypes.canonicalize_dtype(dtype)
        if any(isinstance(x, core.Tracer) or dtypes.is_key_dtype(getattr(x, "dtype", None))
               for x in leaves):  # key arrays have no NumPy form: stack them as tracers are
            out = _stack_traced(object, dtype)
        else:
            host = [np.asarray(x) if isinstance(x, ArrayImpl) else x for x in leaves]
            nested = _rebuild(object, iter(host))
            value = np.array(nested)
            _check_numeric(value)
            out = ArrayImpl(value.astype(dtype) if value.dtype != dtype else value)
    elif object is None:
        raise TypeError("None is not a valid value for jnp.array")
    elif isinstance(object, (str, bytes)):
        raise TypeError(f"Value {object!r} with dtype {np.asarray(object).dtype} is not a valid "
                        "JAX array type. Only arrays of numeric types are supported by JAX.")
    else:
        try:
            value = np.asarray(object)
        except Exception as e:
            raise TypeError(f"Unexpected input type for array: {type(object)}") from e
        if value.dtype == object:
            raise TypeError(f"Unexpected input type for array: {type(object)}")
        return array(value, dtype=dtype, ndmin=ndmin)
    if ndmin > np.ndim(out):
        out = structural.reshape(out, (1,) * (ndmin - np.ndim(out)) + tuple(np.shape(out)))
    if core._check_floats and type(out) is ArrayImpl:  # JAX checks data put on the device
        core.check_nans("stage" if dtype is None else "convert_element_type", (out._value,),
                        announce=False)
    return out


def _rebuild(obj, it):
    if isinstance(obj, (list, tuple)):
        return [_rebuild(o, it) for o in obj]
    return next(it)


def _check_numeric(value):
    if value.dtype.kind in "USOMmV" and not dtypes.is_valid_dtype(value.dtype):
        raise TypeError(f"Value {value!r} with dtype {value.dtype} is not a valid JAX array "
                        "type. Only arrays of numeric types are supported by JAX.")


def asarray(a, dtype=None, order=None, *, copy=None, device=None):
    """Convert to an array without copying when possible."""
    if dtype is None and isinstance(a, (ArrayImpl, core.Tracer)):
        return a
    return array(a, dtype=_user_dtype(dtype, "asarray"), copy=bool(copy),
                 order=order if order else "K")


def _shape(shape):
    return core.concrete_shape(shape)


def zeros(shape, dtype=None, *, device=None):
    return structural.full(_shape(shape), 0, _user_dtype(dtype, "zeros")
                           or dtypes.default_float_dtype())


def ones(shape, dtype=None, *, device=None):
    return structural.full(_shape(shape), 1, _user_dtype(dtype, "ones")
                           or dtypes.default_float_dtype())


def empty(shape, dtype=None, *, device=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None, *, device=None):
    util.check_arraylike("full", fill_value)
    dtype = _user_dtype(dtype, "full")
    shape = _shape(shape)
    if np.ndim(fill_value) == 0:
        return structural.full(shape, fill_value, dtype)
    return broadcast_to(asarray(fill_value, dtype=dtype), shape)


def broadcast_to(x, shape):
    x = util.to_array(x)
    shape = _shape(shape)
    if tuple(np.shape(x)) == shape:
        return x
    x_shape = tuple(np.shape(x))
    nlead = len(shape) - len(x_shape)
    if nlead < 0 or any(d != 1 and d != s for d, s in zip(x_shape, shape[nlead:])):
        raise ValueError(f"Incompatible shapes for broadcasting: {x_shape} and requested shape "
                         f"{shape}")
    keep = [i for i, d in enumerate(x_shape) if d == shape[nlead + i]]
    squeezed = structural.reshape(x, tuple(x_shape[i] for i in keep)) \
        if len(keep) != len(x_shape) else x
    return structural.broadcast_in_dim(squeezed, shape, tuple(nlead + i for i in keep))


def _like(name, value):
    def like(a, dtype=None, shape=None, *, device=None):
        util.check_arraylike(name, a)
        dtype = _user_dtype(dtype, name)
        return structural.full_like(a, value, dtype, None if shape is None else _shape(shape))
    like.__name__ = name
    return like


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
    util.check_arraylike("full_like", a, fill_value)
    dtype = _user_dtype(dtype, "full_like")
    if np.ndim(fill_value) == 0:
        return structural.full_like(a, fill_value, dtype,
                                    None if shape is None else _shape(shape))
    target = np.shape(a) if shape is None else _shape(shape)
    return broadcast_to(asarray(fill_value, dtype=dtype or util.to_array(a).dtype), target)


def arange(start, stop=None, step=None, dtype=None, *, device=None):
    """Evenly spaced values; the bounds must be concrete (use static_argnums under jit)."""
    util.check_arraylike("arange", start)
    names = ("start", "stop", "step") if stop is not None else ("stop",)
    for name, v in zip(names, (start, stop, step)):
        if isinstance(v, core.Tracer) and v.to_concrete_value() is None:
            raise v._concretization_error(f"It arose in the jnp.arange argument '{name}'")
    dtype = _user_dtype(dtype, "arange")
    args = [v for v in (start, stop, step) if v is not None]
    if dtype is None:
        dtype = dtypes.canonicalize_dtype(dtypes.result_type(*[
            v if dtypes.is_python_scalar(v) else np.asarray(v) for v in args]))
    values = [np.asarray(v.to_concrete_value() if isinstance(v, core.Tracer) else v)[()]
              for v in (start, stop, step)]
    if stop is None and step is None and dtype.kind in "iu":
        return structural.iota(dtype, builtins.max(int(np.ceil(values[0])), 0))
    return ArrayImpl(np.arange(*[v for v in values if v is not None]).astype(dtype)
                     if dtype.kind not in "fc" else
                     np.arange(*[v for v in values if v is not None], dtype=dtype))


@util.jit_inline(static_argnames=("num", "endpoint", "retstep", "dtype", "axis"))
def _linspace(start, stop, num, endpoint, retstep, dtype, axis):
    computation_dtype = dtypes.to_inexact_dtype(dtype)
    start = lax._convert(util.to_array(start), computation_dtype)
    stop = lax._convert(util.to_array(stop), computation_dtype)
    bounds = list(np.broadcast_shapes(np.shape(start), np.shape(stop)))
    start = broadcast_to(start, bounds)
    stop = broadcast_to(stop, bounds)
    axis = len(bounds) + axis + 1 if axis < 0 else axis
    shape_with_axis = bounds[:axis] + [1] + bounds[axis:]
    div = (num - 1) if endpoint else num
    if num > 1:
        delta = lax.div(lax.sub(stop, start), ArrayImpl(np.asarray(div, computation_dtype)))
        real_dtype = np.dtype(dtypes.finfo(computation_dtype).dtype)
        iota_shape = [1] * len(shape_with_axis)
        iota_shape[axis] = div
        step = lax.div(structural.reshape(structural.iota(real_dtype, div), tuple(iota_shape)),
                       ArrayImpl(np.asarray(div, real_dtype)))
        step = lax._convert(step, computation_dtype)
        one = ArrayImpl(np.ones((), computation_dtype))
        out = lax.add(lax.mul(structural.reshape(start, tuple(shape_with_axis)),
                              lax.sub(one, step)),
                      lax.mul(structural.reshape(stop, tuple(shape_with_axis)), step))
        if endpoint:
            out = joining.concatenate(
                [out, structural.reshape(stop, tuple(shape_with_axis))], axis)
    elif num == 1:
        delta = ArrayImpl(np.asarray(np.nan, computation_dtype)) if endpoint \
            else lax.sub(stop, start)
        out = structural.reshape(start, tuple(shape_with_axis))
    else:
        delta = ArrayImpl(np.asarray(np.nan, computation_dtype))
        shape_with_axis[axis] = 0
        out = ArrayImpl(np.zeros(shape_with_axis, computation_dtype))
    if dtype.kind in "iu":
        out = lax.floor(out)
    out = lax._convert(out, dtype)
    return (out, delta) if retstep else out


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """``num`` evenly spaced samples from start to stop, computed as JAX computes them."""
    util.check_arraylike("linspace", start, stop)
    num = core.concrete_or_error(int, num, "'num' argument of jnp.linspace")
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    dtype = _user_dtype(dtype, "linspace")
    if dtype is None:
        dtype = dtypes.to_inexact_dtype(dtypes.canonicalize_dtype(
            dtypes.result_type(start, stop, float)))
    return _linspace(start, stop, num, bool(endpoint), bool(retstep), np.dtype(dtype),
                     int(axis))


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    dtype = _user_dtype(dtype, "logspace")
    computation = dtypes.to_inexact_dtype(dtypes.canonicalize_dtype(
        dtypes.result_type(start, stop, float)))
    lin = linspace(start, stop, num, endpoint=endpoint, dtype=computation, axis=axis)
    base = util.to_array(base)
    out = lax.pow(*util.promote_args_inexact("logspace", base, lin))
    return lax._convert(out, dtype or computation)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    dtype = _user_dtype(dtype, "geomspace")
    computation = dtypes.to_inexact_dtype(dtypes.canonicalize_dtype(
        dtypes.result_type(start, stop, float)))
    start, stop = util.promote_args_inexact("geomspace", start, stop)
    sign = lax.sign(start)
    log_start = lax.log(lax.abs(start))
    log_stop = lax.log(lax.abs(stop))
    lin = linspace(log_start, log_stop, num, endpoint=endpoint, dtype=computation, axis=axis)
    out = lax.mul(lax.exp(lin), sign)
    return lax._convert(out, dtype or computation)


def eye(N, M=None, k=0, dtype=None, *, device=None):
    dtype = _user_dtype(dtype, "eye") or dtypes.default_float_dtype()
    N = core.concrete_or_error(int, N, "'N' argument of jnp.eye")
    M = N if M is None else core.concrete_or_error(int, M, "'M' argument of jnp.eye")
    if N < 0 or M < 0:
        raise ValueError(f"negative dimensions are not allowed, got {N} and {M}")
    k = core.concrete_or_error(int, k, "'k' argument of jnp.eye")
    rows = structural.broadcasted_iota(np.dtype(np.int32), (N, M), 0)
    cols = structural.broadcasted_iota(np.dtype(np.int32), (N, M), 1)
    offset = ArrayImpl(np.asarray(k, np.int32))
    return lax._convert(lax.eq(lax.add(rows, offset), cols), np.dtype(dtype))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    util.check_arraylike("meshgrid", *xi)
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    xi = [util.to_array(x) for x in xi]
    for x in xi:
        if np.ndim(x) != 1:
            raise ValueError(f"Arguments to jax.numpy.meshgrid must be 1D, got shape "
                             f"{np.shape(x)}")
    shape = [np.shape(x)[0] for x in xi]
    if indexing == "xy" and len(xi) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, x in enumerate(xi):
        axis = i
        if indexing == "xy" and len(xi) >= 2 and i < 2:
            axis = 1 - i
        if sparse:
            s = [1] * len(xi)
            s[axis] = np.shape(x)[0]
            out.append(structural.reshape(x, tuple(s)))
        else:
            out.append(structural.broadcast_in_dim(x, tuple(shape), (axis,)))
    return out

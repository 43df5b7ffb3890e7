"""Argument checking, dtype promotion and rank promotion shared by jax.numpy functions."""
import functools

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import errors
from pyjax._src import lax
from pyjax._src.array import ArrayImpl, ScalarLiteral
from pyjax._src.config import config

_SCALAR_TYPES = (bool, int, float, complex)


def is_arraylike(x):
    return isinstance(x, (ArrayImpl, core.Tracer, np.ndarray, np.generic, *_SCALAR_TYPES)) \
        or hasattr(x, "__jax_array__")


def check_arraylike(fun_name, *args):
    """Reject what JAX rejects (lists, tuples, strings) with JAX's message."""
    for pos, arg in enumerate(args):
        if not is_arraylike(arg):
            raise TypeError(f"{fun_name} requires ndarray or scalar arguments, got {type(arg)} "
                            f"at position {pos}.")


def to_array(x, dtype=None, weak_type=None):
    """``x`` as a pyjax Array or tracer, converting Python/NumPy values eagerly."""
    if isinstance(x, (ArrayImpl, core.Tracer)):
        return x
    if hasattr(x, "__jax_array__"):
        return to_array(x.__jax_array__())
    buf, weak = core._to_buffer.get(type(x), core._to_buffer_slow)(x)
    return ArrayImpl(buf, weak)


def _cast(x, dtype, weak):
    """Convert one operand to the promoted dtype: Python scalars directly, arrays via lax."""
    t = type(x)
    if t in _SCALAR_TYPES:
        # Python ints go through the default int first: too large is an OverflowError, but a
        # value that fits there and not in ``dtype`` wraps, as in JAX.
        buf = dtypes.scalar_to_array(x)
        return ScalarLiteral(buf if buf.dtype == dtype else buf.astype(dtype), weak)
    if t is ArrayImpl or t is ScalarLiteral:
        if x._value.dtype == dtype and x.weak_type == weak:
            return x
        if x._value.dtype == dtype and not weak:  # dropping weakness never changes the buffer
            # A converted scalar constant stays an inline literal in jaxprs, as in JAX.
            literal = t is ScalarLiteral or (x.weak_type and not x._value.ndim)
            return (ScalarLiteral if literal else ArrayImpl)(x._value, False)
    return lax._convert(to_array(x), dtype, weak)


def fast_promote_pair(x, y):
    """The promoted operands for the common cases, or None to take the general path.

    Covers two Arrays (or tracers) of one dtype and weak type, and an inexact Array (or
    tracer) with a Python float or int32-sized int (the scalar takes the Array's dtype;
    weak-type rules then give JAX's result).
    """
    tx, ty = type(x), type(y)
    if tx is ArrayImpl:
        xv = x._value
        if ty is ArrayImpl:
            yv = y._value
            if xv.dtype == yv.dtype and x.weak_type == y.weak_type and (
                    xv.ndim == yv.ndim or not xv.ndim or not yv.ndim):
                return x, y
        elif (ty is float or _is_small_int(y)) and xv.dtype.kind in "fc" and (
                xv.dtype.itemsize >= 4):
            return x, ScalarLiteral(np.array(y, xv.dtype), True)
    elif ty is ArrayImpl and (tx is float or _is_small_int(x)):
        yv = y._value
        if yv.dtype.kind in "fc" and yv.dtype.itemsize >= 4:
            return ScalarLiteral(np.array(x, yv.dtype), True), y
    if isinstance(x, core.Tracer) or isinstance(y, core.Tracer):
        return _fast_promote_traced(x, y)
    return None


def _is_small_int(v):
    """Whether ``v`` is a Python int that fits int32: larger ints take the general path,
    which raises JAX's OverflowError for ints beyond the default int."""
    return type(v) is int and -0x80000000 <= v <= 0x7FFFFFFF


def _fast_promote_traced(x, y):
    """fast_promote_pair's cases with a tracer operand, with the general path's weak types."""
    ax = x.aval if isinstance(x, (ArrayImpl, core.Tracer)) else None
    ay = y.aval if isinstance(y, (ArrayImpl, core.Tracer)) else None
    if ax is not None and ay is not None:
        if ax.dtype == ay.dtype and ax.weak_type == ay.weak_type and (
                len(ax.shape) == len(ay.shape) or not ax.shape or not ay.shape):
            return x, y
        return None
    aval, scalar = (ax, y) if ay is None else (ay, x)
    small = type(scalar) is float or _is_small_int(scalar)
    if not small or aval.dtype.kind not in "fc" or aval.dtype.itemsize < 4:
        return None
    literal = ScalarLiteral(np.array(scalar, aval.dtype), aval.weak_type)
    return (x, literal) if ay is None else (literal, y)


def _cast_all(args, dtype, weak):
    out = []
    for i, a in enumerate(args):
        try:
            out.append(_cast(a, dtype, weak))
        except OverflowError:
            if type(a) is not int:
                raise
            # jax.numpy functions are jitted in JAX: the int is a jit argument named x, y, ...
            raise errors.overflow_error("xy"[i] if i < 2 else f"args[{i}]", a) from None
    return out


def promote_dtypes(*args):
    """Convert arguments to their common JAX dtype (with weak type)."""
    if len(args) < 2:
        return [to_array(a) for a in args]
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    return _cast_all(args, dtype, weak)


def promote_dtypes_inexact(*args):
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    return _cast_all(args, dtypes.to_inexact_dtype(dtype), weak)


def promote_dtypes_numeric(*args):
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    return _cast_all(args, dtypes.to_numeric_dtype(dtype), weak)


def promote_shapes(fun_name, *args):
    """Prepend unit dimensions so that every non-scalar operand has the same rank."""
    if len(args) < 2:
        return list(args)
    shapes = [np.shape(a) for a in args]
    ranks = [len(s) for s in shapes]
    top = max(ranks)
    if all(r == top or r == 0 for r in ranks):
        return list(args)
    mode = config.jax_numpy_rank_promotion
    if mode != "allow":
        msg = (f"Operands could not be broadcast together for {fun_name} on shapes "
               f"{' '.join(map(str, shapes))} and with the config option "
               f"jax_numpy_rank_promotion='{mode}'. For more information, see "
               "https://docs.jax.dev/en/latest/rank_promotion_warning.html.")
        if mode == "raise":
            raise ValueError(msg)
        import warnings
        warnings.warn(msg)
    return [a if r in (0, top) else lax.broadcast_to_rank(a, top)
            for a, r in zip(args, ranks)]


def _promote_checking_keys(fun_name, promote, args):
    """``promote(*args)``; a PRNG key array among other dtypes raises JAX's error, which names
    the function, instead of the promotion error."""
    try:
        return promote(*args)
    except dtypes.TypePromotionError:
        names = [dtypes.dtype_name(dtypes.dtype(a, canonicalize=True)) for a in args]
        if not any(dtypes.is_key_dtype(dtypes.dtype(a)) for a in args):
            raise
    raise TypeError(f"{fun_name} does not accept dtypes {', '.join(names)}.")


def promote_args(fun_name, *args):
    if len(args) == 1 and isinstance(args[0], (ArrayImpl, core.Tracer)):
        return list(args)  # one Array: nothing to promote
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *_promote_checking_keys(fun_name, promote_dtypes, args))


def promote_args_inexact(fun_name, *args):
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name,
                          *_promote_checking_keys(fun_name, promote_dtypes_inexact, args))


def promote_args_numeric(fun_name, *args):
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name,
                          *_promote_checking_keys(fun_name, promote_dtypes_numeric, args))


def canonicalize_axis(axis, ndim):
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim if ndim else 0


def jit_inline(fun=None, *, static_argnames=()):
    """Run ``fun`` jitted when called eagerly (so its numerics are the compiled program's, as
    JAX's jitted jax.numpy functions are), and inline it when called inside another trace."""
    if fun is None:
        return functools.partial(jit_inline, static_argnames=static_argnames)
    from pyjax._src.api import jit
    jitted = jit(fun, static_argnames=static_argnames)

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        if core._state.trace is core.eval_trace and not config.jax_disable_jit:
            return jitted(*args, **kwargs)
        return fun(*args, **kwargs)
    return wrapper

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
    """The promoted operands for the common eager cases, or None to take the general path.

    Covers two Arrays of one dtype and weak type, and an inexact Array with a Python int or
    float (the scalar takes the Array's dtype; weak-type rules then give JAX's result).
    """
    tx, ty = type(x), type(y)
    if tx is ArrayImpl:
        xv = x._value
        if ty is ArrayImpl:
            yv = y._value
            if xv.dtype == yv.dtype and x.weak_type == y.weak_type and (
                    xv.ndim == yv.ndim or not xv.ndim or not yv.ndim):
                return x, y
        elif (ty is float or ty is int) and xv.dtype.kind in "fc" and xv.dtype.itemsize >= 4:
            return x, ScalarLiteral(np.array(y, xv.dtype), True)
    elif ty is ArrayImpl and (tx is float or tx is int):
        yv = y._value
        if yv.dtype.kind in "fc" and yv.dtype.itemsize >= 4:
            return ScalarLiteral(np.array(x, yv.dtype), True), y
    return None


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


def promote_args(fun_name, *args):
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes(*args))


def promote_args_inexact(fun_name, *args):
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes_inexact(*args))


def promote_args_numeric(fun_name, *args):
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes_numeric(*args))


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

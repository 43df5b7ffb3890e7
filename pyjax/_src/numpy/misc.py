"""Assorted jax.numpy functions: vectorize, apply_along_axis, apply_over_axes, select,
piecewise, frexp, ldexp, modf, spacing, gcd, lcm, packbits, unpackbits, bitwise_count, i0,
unwrap, trapezoid, result_type and can_cast.

``vectorize`` and ``apply_along_axis`` are built on ``_map_axis``, which maps a function over
one axis by calling it once per index and stacking the results. When ``vmap`` exists it is a
drop-in replacement there (set ``_USE_VMAP``); the signature handling around it is JAX's.
"""
import functools
import math
import re

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.numpy import creation
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.sorting import (
    _astype, _broadcast_arrays, _concatenate, _cumsum, _dtype, _iota, _moveaxis, _ndim, _ravel, _scalar, _shape, _slice, _sum, _swapaxes,
    _where)


# ----------------------------------------------------------------------------------------------
# Mapping a function over an axis (a stand-in for vmap)

# Flip to True (and use api.vmap in _map_axis) once batching exists.
_USE_VMAP = False


def _map_axis(fun, in_axes, out_axes=0):
    """``vmap(fun, in_axes, out_axes)`` for functions of arrays returning an array or a tuple
    of arrays, computed by calling ``fun`` once per index along the mapped axis."""
    if _USE_VMAP:  # pragma: no cover - for when batching exists
        from pyjax._src import api
        return api.vmap(fun, in_axes=in_axes, out_axes=out_axes)

    @functools.wraps(fun)
    def mapped(*args):
        axes = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
        sizes = {_shape(a)[ax] for a, ax in zip(args, axes) if ax is not None}
        if len(sizes) != 1:
            raise ValueError(f"_map_axis got inconsistent sizes for mapped axes: {sizes}")
        size = sizes.pop()
        if size == 0:
            return _empty_map_result(fun, args, axes, out_axes)
        results = []
        for i in range(size):
            sliced = [a if ax is None else lax.index_in_dim(a, i, ax, keepdims=False)
                      for a, ax in zip(args, axes)]
            results.append(fun(*sliced))
        if isinstance(results[0], tuple):
            return tuple(_stack([r[k] for r in results], out_axes)
                         for k in range(len(results[0])))
        return _stack(results, out_axes)
    return mapped


def _stack(values, axis):
    values = [util.to_array(v) for v in values]
    nd = _ndim(values[0]) + 1
    axis = util.canonicalize_axis(axis, nd)
    return _concatenate([lax.expand_dims(v, (axis,)) for v in values], axis)


def _empty_map_result(fun, args, axes, out_axes):
    from pyjax._src import api
    specs = [a if ax is None else api.ShapeDtypeStruct(
        _shape(a)[:ax] + _shape(a)[ax + 1:], _dtype(a), weak_type=core.get_aval(a).weak_type)
        for a, ax in zip(args, axes)]
    out = api.eval_shape(fun, *specs)

    def empty(s):
        nd = len(s.shape) + 1
        ax = util.canonicalize_axis(out_axes, nd)
        return lax.full(s.shape[:ax] + (0,) + s.shape[ax:], 0, s.dtype)
    return tuple(map(empty, out)) if isinstance(out, tuple) else empty(out)


# ----------------------------------------------------------------------------------------------
# vectorize

_DIMENSION_NAME = r"\w+"
_CORE_DIMENSION_LIST = f"(?:{_DIMENSION_NAME}(?:,{_DIMENSION_NAME})*)?"
_ARGUMENT = rf"\({_CORE_DIMENSION_LIST}\)"
_ARGUMENT_LIST = f"{_ARGUMENT}(?:,{_ARGUMENT})*"
_SIGNATURE = f"^{_ARGUMENT_LIST}->{_ARGUMENT_LIST}$"


def _parse_gufunc_signature(signature):
    signature = re.sub(r"\s+", "", signature)
    if not re.match(_SIGNATURE, signature):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    args, retvals = ([tuple(re.findall(_DIMENSION_NAME, arg))
                      for arg in re.findall(_ARGUMENT, arg_list)]
                     for arg_list in signature.split("->"))
    return args, retvals


def _parse_input_dimensions(args, input_core_dims, error_context=""):
    if len(args) != len(input_core_dims):
        raise TypeError(f"wrong number of positional arguments: expected "
                        f"{len(input_core_dims)!r}, got {len(args)!r} {error_context}")
    shapes = []
    dim_sizes = {}
    for arg, core_dims in zip(args, input_core_dims):
        shape = _shape(arg)
        if len(core_dims) > len(shape):
            raise ValueError(f"input with shape {shape!r} does not have enough dimensions for "
                             f"all core dimensions {core_dims!r} {error_context}")
        num_batch = len(shape) - len(core_dims)
        shapes.append(shape[:num_batch])
        for dim, size in zip(core_dims, shape[num_batch:]):
            if dim in dim_sizes and dim_sizes[dim] != size:
                raise ValueError(f"inconsistent size for core dimension {dim!r}: {size!r} vs "
                                 f"{dim_sizes[dim]!r} {error_context}")
            dim_sizes[dim] = size
    broadcast_shape = tuple(np.broadcast_shapes(*shapes))
    return broadcast_shape, dim_sizes


def _check_output_dims(func, dim_sizes, expected_output_core_dims, error_context=""):
    def wrapped(*args):
        out = func(*args)
        out_shapes = [np.shape(o) for o in (out if isinstance(out, tuple) else (out,))]
        if expected_output_core_dims is None:
            output_core_dims = [()] * len(out_shapes)
        else:
            output_core_dims = expected_output_core_dims
            if len(output_core_dims) > 1 and not isinstance(out, tuple):
                raise TypeError("output must be a tuple when multiple outputs are expected, "
                                f"got: {out!r}\n{error_context}")
            if len(out_shapes) != len(output_core_dims):
                raise TypeError("wrong number of output arguments: expected "
                                f"{len(output_core_dims)!r}, got {len(out_shapes)!r} "
                                f"{error_context}")
        sizes = dict(dim_sizes)
        for shape, core_dims in zip(out_shapes, output_core_dims):
            if len(shape) != len(core_dims):
                raise ValueError(f"output shape {shape!r} does not match core dimensions "
                                 f"{core_dims!r} {error_context}")
            for dim, size in zip(core_dims, shape):
                if sizes.get(dim, size) != size:
                    raise ValueError(f"output shape {shape!r} does not match core dimensions "
                                     f"{core_dims!r} {error_context}")
                sizes[dim] = size
        return out
    return wrapped


def _apply_excluded(func, excluded, args, kwargs):
    """Bind the excluded positional and keyword arguments into ``func``."""
    if not excluded:
        return func, args, kwargs
    dynamic_args = [arg for i, arg in enumerate(args) if i not in excluded]
    dynamic_kwargs = {key: val for key, val in kwargs.items() if key not in excluded}
    static_args = [(i, args[i]) for i in sorted(e for e in excluded if isinstance(e, int))
                   if i < len(args)]
    static_kwargs = {key: val for key, val in kwargs.items() if key in excluded}

    def new_func(*args, **kwargs):
        args = list(args)
        for i, arg in static_args:
            args.insert(i, arg)
        return func(*args, **kwargs, **static_kwargs)
    return new_func, tuple(dynamic_args), dynamic_kwargs


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """Define a function that broadcasts over leading axes (NumPy's generalized ufuncs).

    Args:
      pyfunc: the function to vectorize; it sees the core dimensions of each argument.
      excluded: positions (ints) or names (strs) of arguments that are passed through
        unchanged.
      signature: a gufunc signature such as ``'(n),(n)->()'``; by default every argument is
        a scalar core.

    Returns:
      The vectorized function.

    Example:
      >>> vectorize(jnp.dot, signature='(n),(n)->()')(jnp.ones((3, 2)), jnp.ones(2))
      Array([2., 2., 2.], dtype=float32)
    """
    if any(not isinstance(e, (str, int)) for e in excluded):
        raise TypeError("jax.numpy.vectorize can only exclude integer or string arguments, "
                        f"but excluded={excluded!r}")
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise ValueError(f"excluded={excluded!r} contains negative numbers")

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        error_context = (f"on vectorized function with excluded={excluded!r} and "
                         f"signature={signature!r}")
        excluded_func, args, kwargs = _apply_excluded(pyfunc, excluded, args, kwargs)
        if signature is not None:
            input_core_dims, output_core_dims = _parse_gufunc_signature(signature)
        else:
            input_core_dims = [()] * len(args)
            output_core_dims = None
        none_args = {i for i, arg in enumerate(args) if arg is None}
        if none_args:
            if any(input_core_dims[i] != () for i in none_args):
                raise ValueError(f"Cannot pass None at locations {none_args} with "
                                 f"signature={signature!r}")
            excluded_func, args, _ = _apply_excluded(excluded_func, none_args, args, {})
            input_core_dims = [d for i, d in enumerate(input_core_dims) if i not in none_args]
        args = tuple(creation.asarray(a) for a in args)
        broadcast_shape, dim_sizes = _parse_input_dimensions(args, input_core_dims,
                                                             error_context)
        checked_func = _check_output_dims(excluded_func, dim_sizes, output_core_dims,
                                          error_context)
        if kwargs:
            checked_func = functools.partial(checked_func, **kwargs)

        mode = config.jax_numpy_rank_promotion
        if mode != "allow":
            ranks = [_ndim(a) - len(cd) for a, cd in zip(args, input_core_dims) if _ndim(a)]
            if len(set(ranks)) > 1:
                msg = (f"operands with shapes {[_shape(a) for a in args]} require rank "
                       f"promotion for jnp.vectorize function with signature {signature}. "
                       "Set the jax_numpy_rank_promotion config option to 'allow' to "
                       "disable this message; for more information, see "
                       "https://docs.jax.dev/en/latest/rank_promotion_warning.html.")
                if mode == "raise":
                    raise ValueError(msg)
                import warnings
                warnings.warn(msg)

        # Loop (batch) dims of size 1 are squeezed and re-added at the end, so that only the
        # arguments that really vary along a dim are mapped over it.
        squeezed_args, rev_filled_shapes = [], []
        for arg, core_dims in zip(args, input_core_dims):
            noncore_shape = _shape(arg)[:_ndim(arg) - len(core_dims)]
            filled_shape = (len(broadcast_shape) - len(noncore_shape)) * (1,) + noncore_shape
            squeeze = tuple(i for i, size in enumerate(noncore_shape) if size == 1)
            squeezed_args.append(lax.squeeze(arg, squeeze) if squeeze else arg)
            rev_filled_shapes.append(filled_shape[::-1])
        vectorized_func = checked_func
        dims_to_expand = []
        for negdim, axis_sizes in enumerate(zip(*rev_filled_shapes)):
            in_axes = tuple(None if size == 1 else 0 for size in axis_sizes)
            if all(axis is None for axis in in_axes):
                dims_to_expand.append(len(broadcast_shape) - 1 - negdim)
            else:
                vectorized_func = _map_axis(vectorized_func, in_axes)
        result = vectorized_func(*squeezed_args)
        if not dims_to_expand:
            return result
        if isinstance(result, tuple):
            return tuple(lax.expand_dims(util.to_array(r), tuple(dims_to_expand))
                         for r in result)
        return lax.expand_dims(util.to_array(result), tuple(dims_to_expand))

    return wrapped


# ----------------------------------------------------------------------------------------------
# apply_along_axis, apply_over_axes


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """Apply ``func1d`` to the 1-d slices of ``arr`` along ``axis``.

    The result has ``arr``'s shape with ``axis`` replaced by the shape of ``func1d``'s output.

    Example:
      >>> apply_along_axis(jnp.sum, 1, jnp.arange(6).reshape(2, 3))
      Array([ 3, 12], dtype=int32)
    """
    util.check_arraylike("apply_along_axis", arr)
    arr = util.to_array(arr)
    num_dims = _ndim(arr)
    axis = util.canonicalize_axis(axis, num_dims)

    def func(a):
        return func1d(a, *args, **kwargs)
    for i in range(1, num_dims - axis):
        func = _map_axis(func, i, out_axes=-1)
    for _ in range(axis):
        func = _map_axis(func, 0, out_axes=0)
    return func(arr)


def apply_over_axes(func, a, axes):
    """Apply ``func(a, axis)`` repeatedly over ``axes``, keeping the number of dimensions.

    Example:
      >>> apply_over_axes(jnp.sum, jnp.ones((2, 3)), [0, 1])
      Array([[6.]], dtype=float32)
    """
    util.check_arraylike("apply_over_axes", a)
    a_arr = util.to_array(a)
    for axis in axes:
        b = func(a_arr, axis)
        if _ndim(b) == _ndim(a_arr):
            a_arr = b
        elif _ndim(b) == _ndim(a_arr) - 1:
            a_arr = lax.expand_dims(b, (util.canonicalize_axis(axis, _ndim(a_arr)),))
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return a_arr


# ----------------------------------------------------------------------------------------------
# select, piecewise


def select(condlist, choicelist, default=0):
    """For each position, the entry of the first ``choicelist`` array whose condition holds,
    else ``default``.

    Example:
      >>> select([jnp.array([True, False]), jnp.array([True, True])],
      ...        [jnp.array([1, 2]), jnp.array([10, 20])])
      Array([ 1, 20], dtype=int32)
    """
    if len(condlist) != len(choicelist):
        raise ValueError("condlist must have length equal to choicelist "
                         f"({len(condlist)} vs {len(choicelist)})")
    if len(condlist) == 0:
        raise ValueError("condlist must be non-empty")
    util.check_arraylike("select", *condlist, *choicelist, default)
    # The default goes first with a False condition, since argmax of all-False gives 0.
    choices = util.promote_dtypes(default, *choicelist)
    conds = [util.to_array(c) for c in condlist]
    conds = [c if _dtype(c) == np.bool_ else lax.ne(c, _scalar(0, _dtype(c))) for c in conds]
    conds = _broadcast_arrays(ArrayImpl(np.asarray(False)), *conds)
    stacked = lax.concatenate([lax.expand_dims(c, (0,)) for c in conds], 0)
    idx = lax.argmax(stacked, 0, np.int32)
    return lax.select_n(*_broadcast_arrays(idx, *choices))


def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate piecewise-defined functions: where ``condlist[i]`` holds use ``funclist[i]``
    (later conditions win); an extra last function (or 0) covers the rest.

    Each entry of ``funclist`` is a function of ``x`` (called with ``*args, **kw``) or a
    constant. Functions are evaluated on all of ``x`` and the results selected.

    Example:
      >>> piecewise(jnp.array([-1., 2.]), [jnp.array([True, False])], [lambda v: -v, 5.])
      Array([1., 5.], dtype=float32)
    """
    util.check_arraylike("piecewise", x)
    x = util.to_array(x)
    nc, nf = len(condlist), len(funclist)
    if nf == nc + 1:
        funclist = list(funclist[-1:]) + list(funclist[:-1])
    elif nf == nc:
        funclist = [0] + list(funclist)
    else:
        raise ValueError(f"with {nc} condition(s), either {nc} or {nc + 1} functions are "
                         f"expected; got {nf}")
    conds = creation.asarray(condlist, dtype=np.bool_)
    conds = lax.concatenate([lax.full((1,) + _shape(conds)[1:], False, np.bool_), conds], 0)
    # argmax of the running count finds the last condition that holds (0: none does).
    indices = lax.argmax(_cumsum(conds, 0), 0, np.int32)
    dtype = _dtype(x)
    outs = []
    for f in funclist:
        if callable(f):
            out = _astype(f(x, *args, **kw), dtype)
        else:
            out = creation.array(f, dtype=dtype)
        outs.append(out)
    arrays = _broadcast_arrays(indices, *outs)
    return lax.select_n(arrays[0], *arrays[1:])


# ----------------------------------------------------------------------------------------------
# Floating-point decomposition: frexp, ldexp, modf, spacing

_INT_FOR_BITS = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}


def _finfo_bits(dtype):
    info = dtypes.finfo(dtype)
    return info, np.dtype(_INT_FOR_BITS[info.bits])


def _frexp(x):
    dtype = _dtype(x)
    if dtype == dtypes.bfloat16 or dtype == np.float16:
        compute = np.dtype(np.float32)
    else:
        compute = dtype
    xc = _astype(x, compute)
    info, int_dt = _finfo_bits(compute)
    mask = (1 << info.nexp) - 1
    bias = 1 - info.minexp
    # Normalise subnormals by scaling them into the normal range first.
    tiny = lax.lt(lax.abs(xc), _scalar(info.tiny, compute))
    scaled = lax.select(tiny, lax.mul(xc, _scalar(float(1 << info.nmant), compute)), xc)
    bits = lax.bitcast_convert_type(scaled, int_dt)
    e = lax.select(tiny, lax.full(_shape(xc), -info.nmant, int_dt),
                   lax.full(_shape(xc), 0, int_dt))
    exp_field = lax.bitwise_and(lax.shift_right_logical(bits, _scalar(info.nmant, int_dt)),
                                _scalar(mask, int_dt))
    e = lax.add(e, lax.sub(exp_field, _scalar(bias - 1, int_dt)))
    bits = lax.bitwise_and(bits, _scalar(~(mask << info.nmant), int_dt))
    bits = lax.bitwise_or(bits, _scalar((bias - 1) << info.nmant, int_dt))
    mant = lax.bitcast_convert_type(bits, compute)
    special = lax.bitwise_or(lax.bitwise_or(ufuncs.isinf(xc), ufuncs.isnan(xc)),
                             lax.eq(xc, _scalar(0, compute)))
    e = lax.select(special, lax.full(_shape(xc), 0, int_dt), e)
    mant = lax.select(special, xc, mant)
    return _astype(mant, dtype), _astype(e, np.int32)


@util.jit_inline
def _frexp_jit(x):
    return _frexp(x)


def frexp(x, /):
    """Split ``x`` into mantissa in [0.5, 1) (with ``x``'s sign) and int32 exponent, so that
    ``x == mantissa * 2**exponent``.

    Example:
      >>> frexp(jnp.array([1., 2., 3.]))
      (Array([0.5 , 0.5 , 0.75], dtype=float32), Array([1, 2, 2], dtype=int32))
    """
    x, = util.promote_args_inexact("frexp", x)
    if _dtype(x).kind == "c":
        raise TypeError("frexp does not support complex-valued inputs")
    return _frexp_jit(x)


@util.jit_inline
def _ldexp(x1, x2):
    m, e = _frexp(x1)
    e = _astype(ufuncs.add(_astype(e, _dtype(x2)), x2), _dtype(x1))
    # The exponent may overflow by one and still give a finite result.
    positive = ufuncs.greater(e, 0)
    m = _where(positive, ufuncs.multiply(m, 2), m)
    e = _where(positive, ufuncs.subtract(e, 1), e)
    x = ufuncs.multiply(m, ufuncs.power(_scalar(2, _dtype(m)), _astype(e, _dtype(m))))
    return _where(ufuncs.logical_or(ufuncs.isinf(x1), ufuncs.equal(x1, 0)), x1, x)


def ldexp(x1, x2, /):
    """``x1 * 2**x2`` for an integer ``x2``, without intermediate overflow.

    Example:
      >>> ldexp(jnp.array([0.5, 0.75]), jnp.array([2, 2]))
      Array([2., 3.], dtype=float32)
    """
    util.check_arraylike("ldexp", x1, x2)
    x1_dtype = dtypes.dtype(x1, canonicalize=True)
    x2_dtype = dtypes.dtype(x2, canonicalize=True)
    if x1_dtype.kind == "c" or x2_dtype.kind in "fcV" or x2_dtype == dtypes.bfloat16:
        raise ValueError(f"ldexp not supported for input types {(x1_dtype, x2_dtype)}")
    x1, = util.promote_args_inexact("ldexp", x1)
    x2 = lax._convert(util.to_array(x2), _dtype(x1), False)
    x1, x2 = util.promote_shapes("ldexp", x1, x2)
    return _ldexp(x1, x2)


@util.jit_inline
def _modf(x):
    whole = _where(lax.ge(x, _scalar(0, _dtype(x))), lax.floor(x), lax.ceil(x))
    return lax.sub(x, whole), whole


def modf(x, /, out=None):
    """Fractional and integral parts of ``x`` (both with ``x``'s sign).

    Example:
      >>> modf(jnp.array([1.5, -2.25]))
      (Array([ 0.5 , -0.25], dtype=float32), Array([ 1., -2.], dtype=float32))
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
    x, = util.promote_args_inexact("modf", x)
    if _dtype(x).kind == "c":
        raise TypeError("modf does not support complex-valued inputs")
    return _modf(x)


@util.jit_inline
def _spacing(x):
    dtype = _dtype(x)
    inf = _scalar(np.inf, dtype)
    if dtype == np.float16:
        return lax.sub(lax.nextafter(x, lax.full_like(x, inf)), x)
    result = lax.sub(lax.nextafter(x, ufuncs.copysign(inf, x)), x)
    smallest = _scalar(dtypes.finfo(dtype).smallest_subnormal, dtype)
    return _where(lax.eq(result, _scalar(0, dtype)), ufuncs.copysign(smallest, x), result)


def spacing(x, /):
    """The distance from ``x`` to the next representable value away from zero.

    Example:
      >>> spacing(jnp.array(1.0))
      Array(1.1920929e-07, dtype=float32)
    """
    x, = util.promote_args_inexact("spacing", x)
    if _dtype(x).kind == "c":
        raise ValueError("jnp.spacing is not defined for complex inputs.")
    return _spacing(x)


# ----------------------------------------------------------------------------------------------
# Integer functions: gcd, lcm, bitwise_count


def _euclid_steps(dtype):
    # Euclid's algorithm needs at most ~log_phi(2**bits) steps (consecutive Fibonacci numbers
    # are the worst case): 1.45 steps per bit covers every value of the dtype.
    bits = 8 * np.dtype(dtype).itemsize
    return int(math.ceil(1.45 * bits)) + 2


def _gcd_step(x1, x2):
    zero = _scalar(0, _dtype(x2))
    nonzero = lax.ne(x2, zero)
    safe = lax.select(nonzero, x2, lax.full_like(x2, 1))
    x1, x2 = (lax.select(nonzero, x2, x1),
              lax.select(nonzero, lax.rem(x1, safe), lax.full_like(x2, 0)))
    swap = lax.lt(x1, x2)
    return lax.select(swap, x2, x1), lax.select(swap, x1, x2)


def _gcd(x1, x2):
    x1, x2 = _broadcast_arrays(ufuncs.abs(x1), ufuncs.abs(x2))
    if isinstance(x1, core.Tracer) or isinstance(x2, core.Tracer):
        # A while loop on concrete values; a fixed unrolled count under tracing.
        for _ in range(_euclid_steps(_dtype(x1))):
            x1, x2 = _gcd_step(x1, x2)
        return x1
    zero = _scalar(0, _dtype(x2))
    while bool(np.any(np.asarray(lax.ne(x2, zero)._value))):
        x1, x2 = _gcd_step(x1, x2)
    return x1


def gcd(x1, x2, /):
    """Greatest common divisor of ``|x1|`` and ``|x2|`` (integers).

    Example:
      >>> gcd(jnp.array([12, 20]), jnp.array([8, 15]))
      Array([4, 5], dtype=int32)
    """
    x1, x2 = util.promote_args_numeric("gcd", x1, x2)
    if _dtype(x1).kind not in "iu":
        raise ValueError("Arguments to jax.numpy.gcd must be integers.")
    return _gcd(x1, x2)


def lcm(x1, x2, /):
    """Least common multiple of ``|x1|`` and ``|x2|`` (integers; 0 if either is 0).

    Example:
      >>> lcm(jnp.array([4, 6]), jnp.array([6, 0]))
      Array([12,  0], dtype=int32)
    """
    x1, x2 = util.promote_args_numeric("lcm", x1, x2)
    x1, x2 = ufuncs.abs(x1), ufuncs.abs(x2)
    if _dtype(x1).kind not in "iu":
        raise ValueError("Arguments to jax.numpy.lcm must be integers.")
    d = _gcd(x1, x2)
    zero = _scalar(0, _dtype(d))
    safe = lax.select(lax.eq(d, zero), lax.full_like(d, 1), d)
    x1b, x2b = _broadcast_arrays(x1, x2)
    return lax.select(lax.eq(d, zero), lax.full_like(d, 0),
                      ufuncs.multiply(x1b, ufuncs.floor_divide(x2b, safe)))


def bitwise_count(x, /):
    """The number of 1 bits in ``|x|``, as uint8.

    Example:
      >>> bitwise_count(jnp.array([7, -3]))
      Array([3, 2], dtype=uint8)
    """
    x, = util.promote_args_numeric("bitwise_count", x)
    if _dtype(x).kind not in "iu":
        raise TypeError(f"bitwise_count requires integer inputs, got {_dtype(x).name}")
    return lax.convert_element_type(lax.population_count(ufuncs.abs(x)), np.uint8)


# ----------------------------------------------------------------------------------------------
# packbits, unpackbits


def packbits(a, axis=None, bitorder="big"):
    """Pack the truth values of ``a`` into the bits of uint8 values (8 per byte).

    Example:
      >>> packbits(jnp.array([1, 0, 1, 1, 0, 0, 0, 1]))
      Array([177], dtype=uint8)
    """
    util.check_arraylike("packbits", a)
    arr = util.to_array(a)
    if _dtype(arr).kind not in "iub":
        raise TypeError("Expected an input array of integer or boolean data type")
    if bitorder not in ("little", "big"):
        raise ValueError("'order' must be either 'little' or 'big'")
    arr = _astype(lax.ne(arr, _scalar(0, _dtype(arr))), np.uint8)
    bits = _iota(np.uint8, 8)
    if bitorder == "big":
        bits = lax.rev(bits, (0,))
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    arr = _swapaxes(arr, axis, -1)
    remainder = _shape(arr)[-1] % 8
    if remainder:
        arr = lax.pad(arr, _scalar(0, np.uint8),
                      [(0, 0, 0)] * (_ndim(arr) - 1) + [(0, 8 - remainder, 0)])
    shape = _shape(arr)
    arr = lax.reshape(arr, shape[:-1] + (shape[-1] // 8, 8))
    bits = lax.reshape(bits, (1,) * (_ndim(arr) - 1) + (8,))
    packed = _astype(_sum(lax.shift_left(arr, bits), axis=-1), np.uint8)
    return _swapaxes(packed, axis, -1)


def unpackbits(a, axis=None, count=None, bitorder="big"):
    """Unpack the bits of a uint8 array into a uint8 array of 0s and 1s.

    Example:
      >>> unpackbits(jnp.array([177], dtype=jnp.uint8))
      Array([1, 0, 1, 1, 0, 0, 0, 1], dtype=uint8)
    """
    util.check_arraylike("unpackbits", a)
    arr = util.to_array(a)
    if _dtype(arr) != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if bitorder not in ("little", "big"):
        raise ValueError("'order' must be either 'little' or 'big'")
    bits = lax.shift_left(_scalar(1, np.uint8), _iota(np.uint8, 8))
    if bitorder == "big":
        bits = lax.rev(bits, (0,))
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    arr = _swapaxes(arr, axis, -1)
    nd = _ndim(arr)
    masked = lax.bitwise_and(lax.expand_dims(arr, (nd,)),
                             lax.reshape(bits, (1,) * nd + (8,)))
    unpacked = _astype(lax.gt(masked, _scalar(0, np.uint8)), np.uint8)
    shape = _shape(unpacked)
    unpacked = lax.reshape(unpacked, shape[:-2] + (shape[-2] * 8,))
    if count is not None:
        count = core.concrete_or_error(int, count, "'count' argument of jnp.unpackbits")
        n = _shape(unpacked)[-1]
        if count > n:
            unpacked = lax.pad(unpacked, _scalar(0, np.uint8),
                               [(0, 0, 0)] * (_ndim(unpacked) - 1) + [(0, count - n, 0)])
        else:
            unpacked = _slice(unpacked, None, count, axis=-1)
    return _swapaxes(unpacked, axis, -1)


# ----------------------------------------------------------------------------------------------
# i0, unwrap, trapezoid


@util.jit_inline
def _i0(x):
    dtype = _dtype(x)
    if dtype == np.float16 or dtype == dtypes.bfloat16:
        # Half precision is computed in float32 (as XLA's CPU kernels do).
        return _astype(_i0(_astype(x, np.float32)), dtype)
    x = lax.abs(x)
    return lax.mul(lax.exp(x), lax.bessel_i0e(x))


def i0(x):
    """Modified Bessel function of the first kind, order 0.

    Example:
      >>> i0(jnp.array([0., 1.]))
      Array([1.       , 1.2660658], dtype=float32)
    """
    x, = util.promote_args_inexact("i0", x)
    if _dtype(x).kind == "c":
        raise ValueError(f"Unsupported input type to jax.numpy.i0: {_dtype(x)}")
    return _i0(x)


@util.jit_inline(static_argnames=("axis",))
def _unwrap(p, discont, period, axis):
    interval = ufuncs.true_divide(period, 2)
    if discont is None:
        discont = interval
    n = _shape(p)[axis]
    dd = ufuncs.subtract(_slice(p, 1, None, axis), _slice(p, 0, n - 1, axis))
    ddmod = ufuncs.subtract(ufuncs.remainder(ufuncs.add(dd, interval), period), interval)
    ddmod = _where(ufuncs.logical_and(ufuncs.equal(ddmod, ufuncs.negative(interval)),
                                      ufuncs.greater(dd, 0)), interval, ddmod)
    ph_correct = _where(ufuncs.less(ufuncs.abs(dd), discont), 0,
                        ufuncs.subtract(ddmod, dd))
    corrected = ufuncs.add(_slice(p, 1, None, axis), _cumsum(ph_correct, axis))
    return _concatenate([_slice(p, 0, 1, axis), corrected], axis)


def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    """Unwrap phase jumps larger than ``discont`` by adding multiples of ``period``.

    Example:
      >>> unwrap(jnp.array([0., 3., 6.5]))
      Array([ 0.       ,  3.       ,  0.2168147], dtype=float32)
    """
    util.check_arraylike("unwrap", p)
    p = util.to_array(p)
    if _dtype(p).kind == "c":
        raise ValueError("jnp.unwrap does not support complex inputs.")
    axis = util.canonicalize_axis(axis, _ndim(p))
    if _shape(p)[axis] == 0:
        return util.promote_dtypes_inexact(p)[0]
    return _unwrap(p, discont, period, axis=axis)


@util.jit_inline(static_argnames=("axis",))
def _trapezoid(y, x, dx, axis):
    if x is None:
        y, = util.promote_dtypes_inexact(y)
    else:
        y, x = util.promote_dtypes_inexact(y, x)
        if _ndim(x) == 1:
            dx = ufuncs.subtract(_slice(x, 1, None), _slice(x, None, -1))
        else:
            n = _shape(x)[axis]
            dx = _moveaxis(ufuncs.subtract(_slice(x, 1, None, axis), _slice(x, 0, n - 1, axis)),
                           axis, -1)
    y = _moveaxis(y, axis, -1)
    mids = ufuncs.add(_slice(y, 1, None, -1), _slice(y, None, -1, -1))
    return ufuncs.multiply(0.5, _sum(ufuncs.multiply(dx, mids), axis=-1))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrate ``y`` along ``axis`` with the trapezoidal rule.

    Args:
      y: the samples.
      x: optional sample points (1-d, or of ``y``'s shape).
      dx: the spacing when ``x`` is None.
      axis: the axis to integrate along.

    Example:
      >>> trapezoid(jnp.array([1., 2., 3.]))
      Array(4., dtype=float32)
    """
    if x is None:
        util.check_arraylike("trapezoid", y)
    else:
        util.check_arraylike("trapezoid", y, x)
    y = util.to_array(y)
    axis = util.canonicalize_axis(axis, _ndim(y))
    return _trapezoid(y, x, dx, axis=axis)


# ----------------------------------------------------------------------------------------------
# result_type, can_cast


def result_type(*args):
    """The dtype JAX's type promotion gives for ``args`` (arrays, scalars, dtypes).

    Example:
      >>> result_type(jnp.int8, 1.0)
      dtype('float32')
    """
    return dtypes.canonicalize_dtype(dtypes.result_type(*args))


def can_cast(from_, to, casting="safe"):
    """Whether NumPy's casting rule ``casting`` allows ``from_`` (a dtype or array) to ``to``.

    Example:
      >>> can_cast(jnp.int8, jnp.int32)
      True
    """
    if isinstance(from_, (ArrayImpl, core.Tracer)):
        from_ = core.get_aval(from_).dtype
    return bool(np.can_cast(from_, to, casting=casting))

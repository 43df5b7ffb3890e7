"""Factories for families of primitives, and the dtype sets their rules accept."""
import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.config import config
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import batching

_d = np.dtype
BOOL = frozenset([_d(np.bool_)])
# The sub-byte integers and the 8/6/4-bit floats (ml_dtypes) count as integers and floats.
SIGNED = frozenset(map(_d, [np.int8, np.int16, np.int32, np.int64])) | frozenset(
    dtypes._signed_subbyte)
UNSIGNED = frozenset(map(_d, [np.uint8, np.uint16, np.uint32, np.uint64])) | frozenset(
    dtypes._unsigned_subbyte)
INTEGER = SIGNED | UNSIGNED
FLOATING = frozenset(map(_d, [np.float16, np.float32, np.float64])) | frozenset(
    dtypes._custom_float_dtypes)
COMPLEX = frozenset(map(_d, [np.complex64, np.complex128]))
INEXACT = FLOATING | COMPLEX
NUMBER = INTEGER | INEXACT
ANY = NUMBER | BOOL
ORDERED = INTEGER | FLOATING | BOOL
INT_OR_BOOL = INTEGER | BOOL

_SET_NAMES = [(BOOL, "bool"), (SIGNED, "signedinteger"), (UNSIGNED, "unsignedinteger"),
              (INTEGER, "integer"), (FLOATING, "floating"), (COMPLEX, "complexfloating")]


def describe_dtypes(accepted):
    """JAX's wording for a dtype set: 'subtypes of floating, complexfloating'."""
    names, left = [], set(accepted)
    for group, name in sorted(_SET_NAMES, key=lambda g: -len(g[0])):
        if group <= left:
            names.append(name)
            left -= group
    order = ["bool", "integer", "signedinteger", "unsignedinteger", "floating",
             "complexfloating"]
    return ", ".join(sorted(names, key=order.index))


def dtype_error(name, dtype, accepted):
    return TypeError(f"{name} does not accept dtype {dtypes.dtype_name(np.dtype(dtype))}. "
                     "Accepted dtypes are "
                     f"subtypes of {describe_dtypes(accepted)}.")


def standard_primitive(name, shape_rule, dtype_rule, impl, weak_type_rule=None,
                       multiple_results=False):
    """A primitive whose abstract evaluation is a shape rule and a dtype rule."""
    p = Primitive(name, multiple_results)
    p.impl = impl
    p.weak_type_rule = weak_type_rule

    # Results per (operand types, parameters), which repeat throughout traced programs (the
    # shape rules' checks are the costly part of staging an equation); cleared when a flag
    # changes or the cache is full.
    cache, epoch = {}, [config.epoch]

    def abstract_eval(*avals, **params):
        if multiple_results:
            return _abstract_eval(avals, params)
        if epoch[0] != config.epoch:
            cache.clear()
            epoch[0] = config.epoch
        key = (avals, tuple(params.items())) if params else avals
        try:
            out = cache.get(key)
        except TypeError:  # an unhashable abstract value or parameter
            return _abstract_eval(avals, params)
        if out is None:
            out = _abstract_eval(avals, params)
            if len(cache) >= 4096:
                cache.clear()
            cache[key] = out
        return out

    def _abstract_eval(avals, params):
        weak_flags = [a.weak_type for a in avals]
        weak = all(weak_flags) if weak_type_rule is None else weak_type_rule(weak_flags, params)
        shape = shape_rule(*avals, **params)
        dtype = dtype_rule(*avals, **params)
        if multiple_results:
            return [ShapedArray(s, d, weak) for s, d in zip(shape, dtype, strict=True)]
        return ShapedArray(shape, dtype, weak)

    p.abstract_eval = abstract_eval
    return p


def _checked_unary(name, fun, accepted):
    """The eager impl: the dtype check abstract evaluation makes for traced calls, then fun."""
    accepted_nums = frozenset(d.num for d in accepted)  # ints hash faster than dtypes

    def impl(x, **params):
        if x.dtype.num not in accepted_nums:
            raise dtype_error(name, x.dtype, accepted)
        return fun(x, **params)
    impl.__name__ = f"{name}_eager_impl"
    return impl


def unary(name, accepted, fun, result_dtype=None):
    """An elementwise primitive of one operand; ``fun`` is its NumPy implementation."""

    def dtype_rule(x, **params):
        if x.dtype not in accepted:
            raise dtype_error(name, x.dtype, accepted)
        return x.dtype if result_dtype is None else result_dtype(x.dtype)

    p = standard_primitive(name, lambda x, **_: x.shape, dtype_rule, fun)
    p.eager_impl = _checked_unary(name, fun, accepted)
    p.batch = batching.batch_elementwise(p)
    return p


def broadcast_shapes_rule(name, *shapes):
    """Shapes of elementwise operands: equal, size-1 broadcast at equal rank, or rank 0."""
    shapes = [s for s in shapes if s]
    if not shapes:
        return ()
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise TypeError(f"{name}: arrays must have the same number of dimensions, got "
                        + ", ".join(map(str, shapes)) + ".")
    out = []
    for dims in zip(*shapes):
        sizes = set(dims) - {1}
        if len(sizes) > 1:
            raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                            + ", ".join(map(str, shapes)) + ".")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _same_dtypes(name, avals):
    first = avals[0].dtype
    for a in avals[1:]:
        if a.dtype != first:
            raise TypeError(
                f"lax.{name} requires arguments to have the same dtypes, got "
                + ", ".join(dtypes.dtype_name(x.dtype) for x in avals)
                + f". (Tip: jnp.{_JNP_NAMES.get(name, name)} is a similar function that does "
                "automatic type promotion on inputs).")
    return first


_JNP_NAMES = {"sub": "subtract", "mul": "multiply", "div": "divide", "rem": "remainder",
              "pow": "power", "max": "maximum", "min": "minimum", "and": "bitwise_and",
              "or": "bitwise_or", "xor": "bitwise_xor", "eq": "equal", "ne": "not_equal",
              "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}


def nary(name, accepted, fun, result_dtype=None, nargs=2, accept_keys=False):
    """An elementwise primitive of several same-dtype operands (NumPy broadcasting of rank 0);
    with ``accept_keys`` PRNG key arrays are operands too (``fun`` must handle them)."""

    def dtype_rule(*avals, **params):
        dtype = _same_dtypes(name, avals)
        if dtype not in accepted and not (accept_keys and dtypes.is_key_dtype(dtype)):
            raise dtype_error(name, dtype, accepted)
        return dtype if result_dtype is None else result_dtype(dtype)

    def shape_rule(*avals, **params):
        shape = avals[0].shape
        for a in avals:
            if a.shape != shape:
                return broadcast_shapes_rule(name, *(a.shape for a in avals))
        return shape  # the common case: equal shapes, nothing to broadcast

    accepted_nums = frozenset(d.num for d in accepted)

    def eager_impl(*args, **params):
        # The checks abstract evaluation makes for traced calls, done cheaply.
        dtype, shape = args[0].dtype, args[0].shape
        for a in args:
            if a.dtype != dtype:
                _same_dtypes(name, [core.ShapedArray(x.shape, x.dtype) for x in args])
            if a.shape != shape and a.shape and shape:
                shape_rule(*[core.ShapedArray(x.shape, x.dtype) for x in args])
        if dtype.num not in accepted_nums and not (accept_keys and dtypes.is_key_dtype(dtype)):
            raise dtype_error(name, dtype, accepted)
        return fun(*args, **params)

    eager_impl.__name__ = f"{name}_eager_impl"
    p = standard_primitive(name, shape_rule, dtype_rule, fun)
    p.eager_impl = eager_impl
    p.batch = batching.batch_elementwise(p)
    return p

"""Host callbacks: jax.debug.callback, jax.debug.print and jax.pure_callback.

Both are primitives whose impl calls the user's Python function on the values (as pyjax
Arrays), so they run eagerly, at run time under jit (the compiler runs them through their impl),
and under every transformation, as in JAX (jax/_src/debugging.py, jax/_src/callback.py):
- debug_callback has no outputs and side effects (``effectful``: never dead code); its
  jvp calls back with the primals only; under vmap it calls back once per batch element.
- pure_callback has declared result types; it cannot be differentiated (JAX's errors) and
  batches according to ``vmap_method``.
"""
from __future__ import annotations

import functools
import string
import sys

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.array import ArrayImpl
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.interpreters import batching
from pyjax._src.primitives import structural

__all__ = ["callback", "debug_callback", "debug_print", "print", "pure_callback"]

class _Effect:
    """The effect a callback has, as it prints in jaxprs."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    __str__ = __repr__


debug_effect = _Effect("Debug")
ordered_debug_effect = _Effect("OrderedDebug")


def _as_arrays(bufs):
    return [ArrayImpl(np.asarray(b)) for b in bufs]


# ----------------------------------------------------------------------------------------------
# debug_callback


debug_callback_p = Primitive("debug_callback", multiple_results=True)
debug_callback_p.effectful = True  # passes must keep it although nothing reads it


def _debug_callback_impl(*args, callback, effect, partitioned):
    callback(*_as_arrays(args))
    return []


debug_callback_p.opt_outs["codegen"] = "calls back into Python: the compiler runs the impl"
debug_callback_p.impl = _debug_callback_impl
debug_callback_p.abstract_eval = lambda *avals, **params: []
debug_callback_p.weak_type_rule = lambda flags, params: []


def _debug_callback_jvp(primals, tangents, **params):
    return debug_callback_p.bind(*primals, **params), []


def _debug_callback_transpose(cts, *args, **params):
    return [None] * len(args)


def _debug_callback_batch(vals, dims, **params):
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    for i in range(size):  # one call per element of the batch, as JAX unrolls it
        debug_callback_p.bind(*[v if d is None else structural.index_in_dim(v, i, d, False)
                                for v, d in zip(vals, dims)], **params)
    return [], []


debug_callback_p.jvp = _debug_callback_jvp
debug_callback_p.transpose = _debug_callback_transpose
debug_callback_p.batch = _debug_callback_batch


def debug_callback(callback, *args, ordered=False, partitioned=False, **kwargs):
    """Call ``callback(*args, **kwargs)`` with the values of the arguments, also inside
    staged (jitted) and transformed functions.

    The callback's return value is ignored. Arguments that are not arrays are passed through
    unchanged. Like JAX, the call may be dropped, duplicated or reordered by transformations
    (under vmap it runs once per batch element; under grad with the primal values only).

    Args:
      callback: a Python callable.
      *args: positional arguments for the callback (pytrees of arrays, or static values).
      ordered: order this callback with respect to other ordered callbacks.
      partitioned: accepted for compatibility (single device).
      **kwargs: keyword arguments for the callback.
    """
    if not callable(callback):
        raise TypeError("first argument to jax.debug.callback must be callable, but got an "
                        f"object of type {type(callback)}")
    flat_args, in_tree = tree_util.tree_flatten((args, kwargs))
    static_args, dyn_args = {}, []
    for i, a in enumerate(flat_args):
        if core.valid_jaxtype(a):
            dyn_args.append(a)
        else:
            static_args[i] = a

    def _flat_callback(*dyn):
        it = iter(dyn)
        all_args = [static_args[i] if i in static_args else next(it)
                    for i in range(len(flat_args))]
        a, k = tree_util.tree_unflatten(in_tree, all_args)
        callback(*a, **k)
        return ()

    effect = ordered_debug_effect if ordered else debug_effect
    debug_callback_p.bind(*dyn_args, callback=_flat_callback, effect=effect,
                          partitioned=bool(partitioned))


callback = debug_callback


class _DebugPrintFormatChecker(string.Formatter):
    """Checks a format string against its arguments without formatting any value."""

    def format_field(self, value, format_spec):
        return ""

    def check_unused_args(self, used_args, args, kwargs):
        unused_args = [arg for i, arg in enumerate(args) if i not in used_args]
        unused_kwargs = [k for k in kwargs if k not in used_args]
        if unused_args:
            raise ValueError(
                f"Unused positional arguments to `jax.debug.print`: {unused_args}")
        if unused_kwargs:
            raise ValueError(
                f"Unused keyword arguments to `jax.debug.print`: {unused_kwargs}. You may be "
                "passing an f-string (i.e, `f\"{x}\"`) into `jax.debug.print` and instead "
                "should pass in a regular string.")


_formatter = _DebugPrintFormatChecker()


def _format_print_callback(fmt, np_printoptions, *args, **kwargs):
    with np.printoptions(**np_printoptions):
        sys.stdout.write(fmt.format(*args, **kwargs) + "\n")


def debug_print(fmt, *args, ordered=False, partitioned=False, **kwargs):
    """Print ``fmt.format(*args, **kwargs)`` with the values of the arguments, also inside
    jitted and transformed functions (it does not work with f-strings: formatting is delayed).

    Example:
        >>> jax.debug.print("x = {x}", x=jnp.arange(3))
        x = [0 1 2]

    Args:
      fmt: a format string, e.g. ``"hello {x}"``.
      *args: positional values to format.
      ordered: order this print with respect to other ordered callbacks.
      partitioned: accepted for compatibility (single device).
      **kwargs: keyword values to format.
    """
    _formatter.format(fmt, *args, **kwargs)
    debug_callback(functools.partial(_format_print_callback, fmt, np.get_printoptions()),
                   *args, **kwargs, ordered=ordered, partitioned=partitioned)


print = debug_print  # noqa: A001 (jax.debug.print)


# ----------------------------------------------------------------------------------------------
# pure_callback


class _FlatCallback:
    """The user's callback on flat arguments, returning flat results (equal for equal
    callbacks and argument structures, so jaxprs and caches compare them by value)."""

    __slots__ = ("callback_func", "in_tree")

    def __init__(self, callback_func, in_tree):
        self.callback_func, self.in_tree = callback_func, in_tree

    def __call__(self, *flat_args):
        args, kwargs = tree_util.tree_unflatten(self.in_tree, flat_args)
        return tree_util.tree_leaves(self.callback_func(*args, **kwargs))

    def __eq__(self, other):
        return (type(other) is _FlatCallback and self.callback_func == other.callback_func
                and self.in_tree == other.in_tree)

    def __hash__(self):
        return hash((self.callback_func, self.in_tree))

    def __repr__(self):
        return repr(self.callback_func)


pure_callback_p = Primitive("pure_callback", multiple_results=True)


def _pure_callback_impl(*args, callback, result_avals, sharding, vmap_method):
    out_vals = callback(*_as_arrays(args))
    if len(out_vals) != len(result_avals):
        raise RuntimeError("Mismatched number of outputs from callback. Expected: "
                           f"{len(result_avals)}, Actual: {len(out_vals)}")
    outs = []
    for i, (val, aval) in enumerate(zip(out_vals, result_avals)):
        val = np.asarray(val)
        val = val.astype(dtypes.canonicalize_dtype(val.dtype), copy=False)
        if val.shape != aval.shape:
            raise RuntimeError(f"Incorrect output shape for return value #{i}: Expected: "
                               f"{aval.shape}, Actual: {val.shape}")
        if val.dtype != aval.dtype:
            raise RuntimeError(f"Incorrect output dtype for return value #{i}: Expected: "
                               f"{aval.dtype}, Actual: {val.dtype}")
        outs.append(val)
    return outs


pure_callback_p.opt_outs["codegen"] = "calls back into Python: the compiler runs the impl"
pure_callback_p.impl = _pure_callback_impl
pure_callback_p.abstract_eval = lambda *avals, result_avals, **_: list(result_avals)
pure_callback_p.weak_type_rule = lambda flags, params: [False] * len(params["result_avals"])


def _pure_callback_jvp(*args, **kwargs):
    raise ValueError("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use "
                     "callbacks while taking gradients.")


def _pure_callback_transpose(*args, **kwargs):
    raise ValueError("Pure callbacks do not support transpose. Please use `jax.custom_vjp` to "
                     "use callbacks while taking gradients.")


def _pure_callback_batch(vals, dims, *, vmap_method, result_avals, **params):
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    new_args = [v if d is None else batching.moveaxis(v, d, 0) for v, d in zip(vals, dims)]
    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in result_avals)
    if vmap_method == "legacy_vectorized":
        outs = pure_callback_p.bind(*new_args, vmap_method=vmap_method,
                                    result_avals=batched_avals, **params)
    elif vmap_method in ("expand_dims", "broadcast_all"):
        n = size if vmap_method == "broadcast_all" else 1
        args = [structural.broadcast(x, (n,)) if d is None else x
                for x, d in zip(new_args, dims)]
        outs = pure_callback_p.bind(*args, vmap_method=vmap_method, result_avals=batched_avals,
                                    **params)
    elif vmap_method in ("sequential", "sequential_unrolled"):
        from pyjax._src.primitives.control_flow_scan import scan
        is_batched = [d is not None for d in dims]
        unbatched = [x for x, b in zip(new_args, is_batched) if not b]
        batched = [x for x, b in zip(new_args, is_batched) if b]

        def body(_, xs):
            ub, bt = iter(unbatched), iter(xs)
            merged = [next(bt) if b else next(ub) for b in is_batched]
            return (), pure_callback_p.bind(*merged, result_avals=result_avals,
                                            vmap_method=vmap_method, **params)
        _, outs = scan(body, (), batched, unroll=vmap_method == "sequential_unrolled")
    else:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one of "
            "'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
            f"'legacy_vectorized'. Got vmap_method={vmap_method!r}.")
    return list(outs), [0] * len(outs)


pure_callback_p.jvp = _pure_callback_jvp
pure_callback_p.transpose = _pure_callback_transpose
pure_callback_p.batch = _pure_callback_batch


def _check_shape_dtype(shape_dtype):
    dt = np.dtype(shape_dtype.dtype)
    if dtypes.canonicalize_dtype(dt) != dt:
        raise ValueError("result_shape_dtypes cannot specify 64-bit types when "
                         "`jax_enable_x64` is disabled")


_ALLOWED_VMAP_METHODS = ["sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                         "legacy_vectorized", None]
_DEPRECATED = object()


def pure_callback(callback_fn, result_shape_dtypes, *args, sharding=None,
                  vectorized=_DEPRECATED, vmap_method=None, **kwargs):
    """Call a pure Python function from (possibly jitted, vmapped) JAX code.

    The callback receives pyjax Arrays and must return a pytree of arrays matching
    ``result_shape_dtypes``. It is treated as pure: it may be called several times (vmap) or
    not at all. It cannot be differentiated (use custom_jvp/custom_vjp around it).

    Args:
      callback_fn: the Python function.
      result_shape_dtypes: pytree of objects with ``shape`` and ``dtype`` (ShapeDtypeStruct)
        describing the results.
      *args: arguments for the callback.
      sharding: accepted for compatibility (single device).
      vmap_method: how vmap treats the call: "sequential", "sequential_unrolled",
        "expand_dims", "broadcast_all", "legacy_vectorized", or None (vmap raises).
      **kwargs: keyword arguments for the callback.

    Returns:
      A pytree of Arrays with the structure of ``result_shape_dtypes``.
    """
    if vectorized is not _DEPRECATED:
        raise ValueError("The 'vectorized' argument of jax.pure_callback was removed in JAX "
                         "v0.6.0. Use 'vmap_method' instead.")
    if vmap_method not in _ALLOWED_VMAP_METHODS:
        raise ValueError(f"vmap_method must be on of the allowed methods "
                         f"{_ALLOWED_VMAP_METHODS}, but got: {vmap_method}")
    flat_args, in_tree = tree_util.tree_flatten((args, kwargs))
    tree_util.tree_map(_check_shape_dtype, result_shape_dtypes)
    flat_shapes, out_tree = tree_util.tree_flatten(result_shape_dtypes)
    result_avals = tuple(ShapedArray(x.shape, np.dtype(x.dtype)) for x in flat_shapes)
    out = pure_callback_p.bind(*flat_args, callback=_FlatCallback(callback_fn, in_tree),
                               result_avals=result_avals, sharding=sharding,
                               vmap_method=vmap_method)
    return tree_util.tree_unflatten(out_tree, out)

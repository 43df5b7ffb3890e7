"""The public transformations: jit, make_jaxpr, eval_shape, device_put, ...

(grad, vjp, jvp and vmap join when their interpreters land.)
"""
from __future__ import annotations

import functools
import inspect
import weakref

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import errors
from pyjax._src import tree as tree_util
from pyjax._src.array import ArrayImpl
from pyjax._src.config import config
from pyjax._src.core import Primitive, ShapedArray
from pyjax._src.compiler.executable import compile_jaxpr
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.interpreters import staging


# ----------------------------------------------------------------------------------------------
# The jit primitive: a staged function inside another trace.

jit_p = Primitive("jit", multiple_results=True)


def _jit_impl(*args, jaxpr, name):
    return compile_jaxpr(jaxpr.jaxpr)(list(args))


jit_p.impl = _jit_impl
jit_p.abstract_eval = lambda *avals, jaxpr, name: jaxpr.out_avals
jit_p.weak_type_rule = lambda flags, params: [a.weak_type for a in params["jaxpr"].out_avals]
jit_p.pp_params = lambda params: [("name", params["name"]), ("jaxpr", params["jaxpr"])]


# Derived programs are cached per jaxpr object and per mask of which inputs take part.
_derived = weakref.WeakKeyDictionary()


def _cached(kind, closed, key, build):
    table = _derived.setdefault(closed, {})
    entry = table.get((kind, key))
    if entry is None:
        entry = table[(kind, key)] = build()
    return entry


def _jit_jvp(primals, tangents, *, jaxpr, name):
    nonzero = tuple(type(t) is not ad.Zero for t in tangents)
    (jvp_closed, consts), out_nonzero = _cached(
        "jvp", jaxpr, nonzero, lambda: ad.jvp_jaxpr(jaxpr, nonzero))
    outs = jit_p.bind(*consts, *primals, *[t for t in tangents if type(t) is not ad.Zero],
                      jaxpr=jvp_closed, name=name)
    n = len(jaxpr.out_avals)
    rest = iter(outs[n:])
    tangents_out = [next(rest) if nz else ad.Zero(ad.tangent_aval(a))
                    for nz, a in zip(out_nonzero, jaxpr.out_avals)]
    return outs[:n], tangents_out


def _jit_partial_eval(trace, args, unknown, params):
    jaxpr, name = params["jaxpr"], params["name"]
    known, unknown_part, out_unknowns, n_res = _cached(
        "pe", jaxpr, tuple(unknown), lambda: ad.partial_eval_jaxpr(jaxpr.jaxpr, unknown, jit_p))
    with core.set_current_trace(trace.parent):
        known_outs = jit_p.bind(*[a for a, u in zip(args, unknown) if not u],
                                jaxpr=known.closed, name=name)
    n_known = len(known_outs) - n_res
    residuals = known_outs[n_known:]
    unknown_outs = staging.DynamicJaxprTrace.process_primitive(
        trace, jit_p, [*residuals, *[a for a, u in zip(args, unknown) if u]],
        dict(jaxpr=unknown_part.closed, name=name))
    known_it, unknown_it = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(unknown_it) if u else next(known_it) for u in out_unknowns]


def _jit_transpose(cts, *args, jaxpr, name):
    linear = tuple(ad.is_undefined(a) for a in args)
    ct_zero = tuple(type(c) is ad.Zero for c in cts)
    t_closed, consts = _cached("transpose", jaxpr, (linear, ct_zero),
                               lambda: ad.transpose_jaxpr(jaxpr, linear, ct_zero))
    outs = jit_p.bind(*consts, *[a for a in args if not ad.is_undefined(a)],
                      *[c for c in cts if type(c) is not ad.Zero],
                      jaxpr=t_closed, name=name)
    it = iter(outs)
    return [next(it) if lin else None for lin in linear]


def _jit_batch(trace, vals, dims, *, jaxpr, name):
    size = trace.axis_size
    batched = tuple(d is not None for d in dims)
    if not any(batched) and not _uses_axis(jaxpr.jaxpr, trace.axis_name):
        return jit_p.bind(*vals, jaxpr=jaxpr, name=name), [None] * len(jaxpr.out_avals)
    (b_closed, consts), out_batched = _cached(
        "batch", jaxpr, (batched, size, trace.axis_name),
        lambda: batching.batch_jaxpr(jaxpr, batched, size, trace.axis_name))
    vals = [batching.moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
    outs = jit_p.bind(*consts, *vals, jaxpr=b_closed, name=name)
    return outs, [0 if b else None for b in out_batched]


jit_p.jvp = _jit_jvp
jit_p.partial_eval = _jit_partial_eval
jit_p.transpose = _jit_transpose
jit_p.batch_with_axis = _jit_batch


def _uses_axis(jaxpr, axis_name):
    """Whether a collective inside ``jaxpr`` (or its sub-jaxprs) names ``axis_name``."""
    if axis_name is None:
        return False
    for eqn in jaxpr.eqns:
        names = eqn.params.get("axis_name")
        if names is not None and axis_name in (names if isinstance(names, tuple) else (names,)):
            return True
        for v in eqn.params.values():
            if isinstance(v, core.ClosedJaxpr) and _uses_axis(v.jaxpr, axis_name):
                return True
    return False


# ----------------------------------------------------------------------------------------------
# Arguments: flattening, abstraction, cache keys.

def _leaf_signature(x):
    """(shape, dtype, weak_type) of a dynamic argument leaf, and its buffer if concrete."""
    conv = core._to_buffer.get(type(x))
    if conv is not None:
        buf, weak = conv(x)
        return (buf.shape, buf.dtype, weak), buf
    if isinstance(x, core.Tracer):
        a = x.aval
        return (a.shape, a.dtype, a.weak_type), None
    try:
        buf, weak = core._to_buffer_slow(x)
    except TypeError:
        return None, None
    return (buf.shape, buf.dtype, weak), buf


def _arg_names(fun, args, kwargs):
    """Names for each flattened argument leaf as error messages show them (x, params[0])."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "args")
    names = []
    for i, a in enumerate(args):
        base = positional[i] if i < len(positional) else f"{varargs}[{i - len(positional)}]"
        for path, _ in tree_util.tree_flatten_with_path(a)[0]:
            names.append(base + tree_util.keystr(path))
    for k in sorted(kwargs):
        for path, _ in tree_util.tree_flatten_with_path(kwargs[k])[0]:
            names.append(k + tree_util.keystr(path))
    return names


def _bad_argument_error(fun, path_name, x):
    return TypeError(
        f"Error interpreting argument to {fun} as an abstract array. The problematic value is "
        f"of type {type(x)} and was passed to the function at path {path_name}.\n"
        "This typically means that a jit-wrapped function was called with a non-array argument, "
        "and this argument was not marked as static using the static_argnums or static_argnames "
        "parameters of jax.jit.")


def _static_key_part(x):
    try:
        hash(x)
    except TypeError as e:
        raise ValueError(
            "Non-hashable static arguments are not supported. An error occurred while trying to "
            f"hash an object of type {type(x)}, {x}. The error was:\n"
            f"{type(e).__name__}: {e}\n") from None
    return (type(x), x)


class _CacheEntry:
    __slots__ = ("closed", "hoisted", "executable", "out_tree", "out_weak", "consts",
                 "single_output")

    def __init__(self, closed, out_tree):
        self.closed = closed
        self.hoisted = core.ClosedJaxpr(staging.hoist_consts(closed), [])
        self.consts = [c._value if type(c) is ArrayImpl else c for c in closed.consts]
        # The compiler may fold the constants' values into the program (they never change).
        self.executable = compile_jaxpr(self.hoisted.jaxpr, consts=self.consts)
        self.out_tree = out_tree
        self.out_weak = [a.weak_type for a in closed.out_avals]
        self.single_output = out_tree.num_leaves == 1 and out_tree == _LEAF_TREE


_LEAF_TREE = tree_util.tree_structure(0)


# Traces are shared by every jit wrapper of the same Python function.
_trace_caches = weakref.WeakKeyDictionary()
_unweakrefable_caches = {}


def _cache_for(fun):
    try:
        return _trace_caches.setdefault(fun, {})
    except TypeError:
        return _unweakrefable_caches.setdefault(id(fun), {})


def _check_nans_in_outputs(outs):
    for o in outs:
        if o.dtype.kind in "fc":
            if (config.jax_debug_nans and np.isnan(o).any()) or (
                    config.jax_debug_infs and np.isinf(o).any()):
                return True
    return False


class JitWrapped:
    """A function staged with ``jit``: traced once per argument signature, then compiled."""

    def __init__(self, fun, static_argnums=None, static_argnames=None, donate_argnums=None,
                 donate_argnames=None, keep_unused=False, device=None, backend=None,
                 inline=False, abstracted_axes=None, compiler_options=None, **unused):
        if not callable(fun):
            raise TypeError(f"Expected a callable value, got {fun}")
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._name = staging.fun_name(fun)
        self._static_argnums, self._static_argnames = _infer_static(
            fun, static_argnums, static_argnames)
        self._options = (self._static_argnums, self._static_argnames)
        self._cache = _cache_for(fun)
        self._keys = set()
        # Per-wrapper cache for calls with only Array arguments, keyed by their signatures.
        self._positional_only = not self._static_argnums and not self._static_argnames
        self._fast = {}
        self._epoch = config.epoch

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self):
        return f"<PjitFunction of {self._fun!r}>"

    # -- the call path ---------------------------------------------------------------------
    def _split_static(self, args, kwargs):
        nums, names = self._static_argnums, self._static_argnames
        if not nums and not names:
            return (), args, kwargs
        static = []
        dyn_args = []
        for i, a in enumerate(args):
            if i in nums or (i - len(args)) in nums:
                static.append((i, _static_key_part(a)))
            else:
                dyn_args.append(a)
        dyn_kwargs = {}
        for k, v in kwargs.items():
            if k in names:
                static.append((k, _static_key_part(v)))
            else:
                dyn_kwargs[k] = v
        return tuple(static), tuple(dyn_args), dyn_kwargs

    def __call__(self, *args, **kwargs):
        if not kwargs and self._positional_only and core._state.trace is core.eval_trace:
            # Fast path: concrete Array arguments only, looked up in this wrapper's own cache.
            if self._epoch != config.epoch:
                self._fast.clear()
                self._epoch = config.epoch
            try:
                sig = tuple([(a._value.shape, a._value.dtype, a.weak_type) for a in args])
            except AttributeError:
                sig = None
            if sig is not None:
                entry = self._fast.get(sig)
                if entry is not None and not config.jax_disable_jit:
                    return self._run(entry, [a._value for a in args], sig)
        return self._call_general(args, kwargs)

    def _run(self, entry, bufs, sigs):
        token = core._fp_state.set(core._FP_QUIET)
        try:
            outs = entry.executable(entry.consts + bufs)
        finally:
            core._fp_state.reset(token)
        if core._check_floats and _check_nans_in_outputs(outs):
            print(core.DEOPTIMIZED_MESSAGE)
            outs = core.eval_jaxpr(entry.closed.jaxpr, entry.closed.consts,
                                   *[ArrayImpl(b, s[2]) for b, s in zip(bufs, sigs)])
            return tree_util.tree_unflatten(entry.out_tree, outs)
        if entry.single_output:
            o = outs[0]
            return ArrayImpl(o if type(o) is np.ndarray else np.asarray(o), entry.out_weak[0])
        wrapped = [ArrayImpl(o if type(o) is np.ndarray else np.asarray(o), w)
                   for o, w in zip(outs, entry.out_weak)]
        return tree_util.tree_unflatten(entry.out_tree, wrapped)

    def _call_general(self, args, kwargs):
        if config.jax_disable_jit:
            return self._fun(*args, **kwargs)
        static, dyn_args, dyn_kwargs = self._split_static(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten((dyn_args, dyn_kwargs))
        sigs = []
        bufs = []
        for x in leaves:
            try:
                sig, buf = _leaf_signature(x)
            except OverflowError:
                self._raise_bad_argument(dyn_args, dyn_kwargs, x, overflow=True)
            if sig is None:
                self._raise_bad_argument(dyn_args, dyn_kwargs, x)
            sigs.append(sig)
            bufs.append(buf)
        key = (in_tree, tuple(sigs), static, config.trace_context(), self._options)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._trace(args, kwargs, dyn_args, dyn_kwargs, leaves, sigs, in_tree)
            self._cache[key] = entry
        self._keys.add(key)
        if core._state.trace is not core.eval_trace:
            outs = jit_p.bind(*entry.closed.consts, *leaves, jaxpr=entry.hoisted, name=self._name)
            return tree_util.tree_unflatten(entry.out_tree, outs)
        for x, b in zip(leaves, bufs):
            if b is None:  # a tracer of a finished trace reached eager code
                raise core._leaked_tracer_error(x)
        if self._positional_only and not kwargs and all(type(a) is ArrayImpl for a in args):
            self._fast[tuple(sigs)] = entry
        return self._run(entry, bufs, sigs)

    def _raise_bad_argument(self, dyn_args, dyn_kwargs, bad, overflow=False):
        names = _arg_names(self._fun, dyn_args, dyn_kwargs)
        leaves = tree_util.tree_leaves((dyn_args, dyn_kwargs))
        name = next((n for n, x in zip(names, leaves) if x is bad), "?")
        if overflow:
            raise errors.overflow_error(name, bad) from None
        raise _bad_argument_error(self._fun, name, bad)

    def _trace(self, args, kwargs, dyn_args, dyn_kwargs, leaves, sigs, in_tree):
        avals = [ShapedArray(*s) for s in sigs]
        info = staging.make_debug_info(self._fun, _arg_names(self._fun, dyn_args, dyn_kwargs))
        out_tree_box = []

        def flat_fun(*tracers):
            d_args, d_kwargs = tree_util.tree_unflatten(in_tree, tracers)
            full_args, full_kwargs = self._merge_static(args, kwargs, d_args, d_kwargs)
            out = self._fun(*full_args, **full_kwargs)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            out_tree_box.append(out_tree)
            for o in out_leaves:
                if not core.valid_jaxtype(o):
                    raise TypeError(f"Value {o!r} of type {type(o)} is not a valid JAX type; "
                                    f"returned from {self._name}")
            return out_leaves

        closed = staging.trace_to_jaxpr(flat_fun, avals, info)
        return _CacheEntry(closed, out_tree_box[0])

    def _merge_static(self, args, kwargs, d_args, d_kwargs):
        if not self._static_argnums and not self._static_argnames:
            return d_args, d_kwargs
        it = iter(d_args)
        nums = self._static_argnums
        full_args = [a if (i in nums or (i - len(args)) in nums) else next(it)
                     for i, a in enumerate(args)]
        full_kwargs = {k: (v if k in self._static_argnames else d_kwargs[k])
                       for k, v in kwargs.items()}
        return full_args, full_kwargs

    # -- introspection ---------------------------------------------------------------------
    def _cache_size(self):
        return len(self._keys)

    def clear_cache(self):
        self._cache.clear()
        self._keys.clear()

    def trace(self, *args, **kwargs):
        return Traced(self, args, kwargs)

    def lower(self, *args, **kwargs):
        return self.trace(*args, **kwargs).lower()

    def eval_shape(self, *args, **kwargs):
        return eval_shape(self._fun, *args, **kwargs)


class Traced:
    """``jit(f).trace(*args)``: the staged program for these arguments."""

    def __init__(self, wrapped, args, kwargs):
        self._wrapped = wrapped
        self.jaxpr = make_jaxpr(wrapped._fun, static_argnums=wrapped._static_argnums,
                                static_argnames=wrapped._static_argnames)(*args, **kwargs)
        self._args, self._kwargs = args, kwargs

    def lower(self):
        return Lowered(self)


class Lowered:
    """``jit(f).lower(*args)``: the program ready to compile.

    ``as_text()`` shows the optimised jaxpr and each fused kernel (kernel IR and LLVM IR);
    ``cost_analysis()`` counts kernels and fallback equations and estimates flops and bytes.
    """

    def __init__(self, traced):
        self._traced = traced
        self._lowering = None

    def _lowered(self):
        if self._lowering is None:
            from pyjax._src.compiler import introspect
            closed = self._traced.jaxpr
            self._lowering = introspect.Lowering(
                staging.hoist_consts(closed), [getattr(c, "_value", c) for c in closed.consts])
        return self._lowering

    def as_text(self, dialect=None, **kwargs):
        return self._lowered().as_text(dialect)

    def compile(self, compiler_options=None):
        return Compiled(self._traced)

    def cost_analysis(self):
        return self._lowered().cost_analysis()


class Compiled:
    """``jit(f).lower(*args).compile()``: callable with arguments of the same signature.

    Compiling builds the program's kernels (LLVM) now; ``as_text()`` shows the optimised LLVM
    IR of each kernel.
    """

    def __init__(self, traced):
        self._traced = traced
        consts = [getattr(c, "_value", c) for c in traced.jaxpr.consts]
        self._executable = compile_jaxpr(staging.hoist_consts(traced.jaxpr), consts=consts)

    def __call__(self, *args, **kwargs):
        return self._traced._wrapped(*args, **kwargs)

    def as_text(self, **kwargs):
        from pyjax._src.compiler import introspect
        return introspect.compiled_text(self._executable)

    def cost_analysis(self):
        from pyjax._src.compiler import introspect
        return introspect.compiled_cost_analysis(self._executable)


def _infer_static(fun, static_argnums, static_argnames):
    if static_argnums is None:
        static_argnums = ()
    elif isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if static_argnames is None:
        static_argnames = ()
    elif isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    static_argnums, static_argnames = tuple(static_argnums), tuple(static_argnames)
    try:
        params = inspect.signature(fun).parameters
    except (TypeError, ValueError):
        return frozenset(static_argnums), frozenset(static_argnames)
    kinds = [p.kind for p in params.values()]
    positional = [name for name, p in params.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if inspect.Parameter.VAR_POSITIONAL not in kinds:
        for i in static_argnums:
            if not -len(positional) <= i < len(positional):
                raise ValueError(f"Jitted function has static_argnums={static_argnums}, but only "
                                 f"accepts {len(positional)} positional arguments.")
        static_argnums = tuple(i % len(positional) for i in static_argnums)
    if inspect.Parameter.VAR_KEYWORD not in kinds:
        bad = {n for n in static_argnames if n not in params}
        if bad:
            raise ValueError(f"Jitted function has invalid argnames {bad} in static_argnames. "
                             "Function does not take these args.")
    nums = set(static_argnums) | {positional.index(n) for n in static_argnames
                                  if n in positional}
    names = set(static_argnames) | {positional[i] for i in static_argnums
                                    if 0 <= i < len(positional)}
    return frozenset(nums), frozenset(names)


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None,
        donate_argnames=None, keep_unused=False, device=None, backend=None, inline=False,
        abstracted_axes=None, compiler_options=None, **kwargs):
    """Stage ``fun`` out and compile it; usable as a decorator or a call.

    Example:
        >>> f = jit(lambda x: x * 2 + 1)
        >>> f(jnp.arange(3.))
        Array([1., 3., 5.], dtype=float32)
    """
    options = dict(static_argnums=static_argnums, static_argnames=static_argnames,
                   donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                   keep_unused=keep_unused, device=device, backend=backend, inline=inline,
                   abstracted_axes=abstracted_axes, compiler_options=compiler_options)
    if fun is None:
        return lambda f: JitWrapped(f, **options)
    return JitWrapped(fun, **options)


# ----------------------------------------------------------------------------------------------
# make_jaxpr, eval_shape, ShapeDtypeStruct

class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (``jax.ShapeDtypeStruct``)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type=False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = dtypes.canonicalize_dtype(dtype)
        self.weak_type = weak_type
        self.sharding = sharding

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    @property
    def aval(self):
        return ShapedArray(self.shape, self.dtype, self.weak_type)

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))


def _abstractify(x):
    if isinstance(x, ShapeDtypeStruct):
        return x.aval
    sig, _ = _leaf_signature(x)
    if sig is None:
        if hasattr(x, "shape") and hasattr(x, "dtype"):
            return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype))
        raise TypeError(f"Argument '{x}' of type {type(x)} is not a valid JAX type.")
    return ShapedArray(*sig)


def _trace_for_inspection(fun, args, kwargs, static_argnums=(), static_argnames=(),
                          traced_for="make_jaxpr"):
    """Trace ``fun`` at abstract versions of the arguments: (ClosedJaxpr, out_tree)."""
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    static_argnums = {i % len(args) if args else i for i in static_argnums}
    dyn_args = [a for i, a in enumerate(args) if i not in static_argnums]
    dyn_kwargs = {k: v for k, v in kwargs.items() if k not in (static_argnames or ())}
    leaves, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
    avals = [_abstractify(x) for x in leaves]
    out_tree_box = []

    def flat_fun(*tracers):
        d_args, d_kwargs = tree_util.tree_unflatten(in_tree, tracers)
        it = iter(d_args)
        full_args = [a if i in static_argnums else next(it) for i, a in enumerate(args)]
        full_kwargs = dict(kwargs)
        full_kwargs.update(d_kwargs)
        out_leaves, out_tree = tree_util.tree_flatten(fun(*full_args, **full_kwargs))
        out_tree_box.append(out_tree)
        return out_leaves

    info = staging.make_debug_info(fun, _arg_names(fun, dyn_args, dyn_kwargs), traced_for)
    closed = staging.trace_to_jaxpr(flat_fun, avals, info)
    return closed, out_tree_box[0]


def make_jaxpr(fun, static_argnums=(), static_argnames=(), axis_env=None, return_shape=False,
               abstracted_axes=None):
    """A function returning the ClosedJaxpr that ``fun`` stages out for given arguments.

    Example:
        >>> print(make_jaxpr(lambda x: x + 1)(1))
        { lambda ; a:i32[]. let b:i32[] = add a 1:i32[] in (b,) }
    """
    @functools.wraps(fun)
    def make_jaxpr_f(*args, **kwargs):
        closed, out_tree = _trace_for_inspection(fun, args, kwargs, static_argnums,
                                                 static_argnames)
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
            return closed, tree_util.tree_unflatten(out_tree, shapes)
        return closed
    return make_jaxpr_f


def eval_shape(fun, *args, **kwargs):
    """The shapes and dtypes ``fun`` would return, computed without running it."""
    closed, out_tree = _trace_for_inspection(fun, args, kwargs, traced_for="eval_shape")
    shapes = [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
    return tree_util.tree_unflatten(out_tree, shapes)


# ----------------------------------------------------------------------------------------------
# Devices and data movement

def _to_array(x):
    if isinstance(x, (ArrayImpl, core.Tracer)):
        return x
    buf, weak = core._to_buffer.get(type(x), core._to_buffer_slow)(x)
    return ArrayImpl(buf, weak)


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
    """Put every leaf of ``x`` on the (CPU) device as a pyjax Array."""
    return tree_util.tree_map(_to_array, x)


def device_get(x):
    """Copy every array leaf of ``x`` to a NumPy array."""
    def get(leaf):
        if isinstance(leaf, ArrayImpl) and not dtypes.is_key_dtype(leaf.dtype):
            return np.asarray(leaf)
        return leaf  # key arrays have no NumPy form: JAX returns them as they are
    return tree_util.tree_map(get, x)


def block_until_ready(x):
    """Wait for every array in ``x`` (computation is synchronous here) and return ``x``."""
    return x


def typeof(x):
    """The abstract value of ``x`` (``jax.typeof``)."""
    return core.get_aval(x)

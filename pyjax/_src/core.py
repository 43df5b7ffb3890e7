"""The tracing machinery: abstract values, primitives, traces and tracers, and the Jaxpr IR.

Design (JAX's "stackless" omnistaging): one *current trace* is active at a time. ``prim.bind``
hands the primitive to it. The bottom trace is the eval trace, which runs the primitive's NumPy
impl. A transformation (jit staging, jvp, vmap) installs its own trace, whose tracers wrap the
values it transforms, and re-binds primitives on its parent trace when it needs to compute.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import operator

import numpy as np

from pyjax._src import dtypes
from pyjax._src.config import config
from pyjax._src import errors


# ----------------------------------------------------------------------------------------------
# Abstract values


class ShapedArray:
    """The abstract value of an array: shape, dtype and weak type, but no data."""

    __slots__ = ("shape", "dtype", "weak_type", "_hash")
    array_abstraction_level = 1

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = shape if type(shape) is tuple else tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self._hash = None

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def __eq__(self, other):
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash((self.shape, self.dtype, self.weak_type))
        return self._hash

    def update(self, shape=None, dtype=None, weak_type=None):
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def strip_weak_type(self):
        return self.update(weak_type=False) if self.weak_type else self

    def str_short(self, short_dtypes=True):
        name = dtypes.short_dtype_name(self.dtype) if short_dtypes else dtypes.dtype_name(
            self.dtype)
        return f"{name}[{','.join(map(str, self.shape))}]"

    def __str__(self):
        return ("~" if self.weak_type else "") + self.str_short(short_dtypes=False)

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short(short_dtypes=False)}{weak})"

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]


def get_aval(x):
    """The abstract value of a concrete value or tracer."""
    if isinstance(x, Tracer):
        return x.aval
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval
    if dtypes.is_python_scalar(x):
        return ShapedArray((), dtypes.dtype(x, canonicalize=True), dtypes.is_weakly_typed(x))
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), False)
    raise TypeError(f"Value {x!r} of type {type(x)} is not a valid JAX type")


def valid_jaxtype(x):
    try:
        get_aval(x)
    except TypeError:
        return False
    return True


# ----------------------------------------------------------------------------------------------
# Primitives

all_primitives: dict[str, "Primitive"] = {}


class Primitive:
    """A named operation with rules for each interpretation.

    Rules (set where the primitive is declared):
      impl(*np_arrays, **params) -> np.ndarray (or list if multiple_results)
      abstract_eval(*avals, **params) -> ShapedArray (or list)
      weak_type_rule(weak_flags, params) -> bool (eager weak type; default: all inputs weak)
      jvp, transpose, batch, codegen: see interpreters/ and compiler/.
    Array operands are positional; static parameters are keywords.
    """

    multiple_results = False

    def __init__(self, name, multiple_results=False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl = None  # also sets eager_impl
        self.abstract_eval = None
        self.weak_type_rule = None
        self.jvp = None
        self.transpose = None
        self.batch = None
        self.batch_with_axis = None  # batch rule that also needs the BatchTrace (collectives)
        self.codegen = None
        self.partial_eval = None  # custom rule for ad.PartialEvalTrace (call primitives)
        # Why a rule is missing on purpose, by transformation name ("jvp", "batch", ...).
        self.opt_outs: dict[str, str] = {}
        key = name
        while key in all_primitives:  # keep every primitive reachable, even on name clashes
            key += "'"
        all_primitives[key] = self

    def __repr__(self):
        return self.name

    @property
    def impl(self):
        return self._impl

    @impl.setter
    def impl(self, fun):
        # eager_impl is what eager calls run: the impl, possibly wrapped with the checks that
        # abstract evaluation makes for traced calls (jitted programs need no such checks).
        self._impl = self.eager_impl = fun

    def bind(self, *args, **params):
        return _state.trace.process_primitive(self, args, params)


def standard_weak_type(weak_flags, params):
    return all(weak_flags)


# ----------------------------------------------------------------------------------------------
# Traces and tracers


class Trace:
    """An interpretation of primitives. Subclasses implement process_primitive."""

    __slots__ = ("_alive", "__weakref__")

    def __init__(self):
        self._alive = True

    def process_primitive(self, prim, args, params):
        raise NotImplementedError

    def invalidate(self):
        self._alive = False


class _State:
    __slots__ = ("trace",)


_state = _State()


class set_current_trace:
    """``with set_current_trace(t):`` makes ``t`` the current trace for the block.

    A class rather than a generator-based context manager: transformations enter it for every
    primitive they process, so its cost matters.
    """

    __slots__ = ("trace", "prev")

    def __init__(self, trace):
        self.trace = trace

    def __enter__(self):
        self.prev = _state.trace
        _state.trace = self.trace

    def __exit__(self, *exc):
        _state.trace = self.prev


def current_trace():
    return _state.trace


class paused_gc:
    """``with paused_gc():`` turns off the cyclic garbage collector for the block.

    Tracing and compiling allocate many small objects (equations, avals, tracers) and almost
    no garbage cycles, so the collector's repeated scans of the young, growing program cost
    about a quarter of the time of tracing a large program. Reference counting still frees
    everything; cycles wait for the next collection. Nested uses are no-ops.
    """

    __slots__ = ("was_enabled",)

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        if self.was_enabled:
            gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def _leaked_tracer_error(tracer):
    trace = tracer._trace
    info = getattr(trace, "debug_info", None)
    where = (f"\nThe function being traced when the value leaked was {info.describe_traced()}."
             if info is not None else "")
    return errors.UnexpectedTracerError(
        "Encountered an unexpected tracer. A function transformed by JAX had a side effect, "
        "allowing for a reference to an intermediate value with type "
        f"{tracer.aval.str_short(short_dtypes=False)} wrapped in a {type(tracer).__name__} "
        "to escape the scope of the transformation.\n"
        "JAX transformations require that functions explicitly return their outputs, and "
        f"disallow saving intermediate values to global state.{where}\n"
        "To catch the leak earlier, try setting the environment variable "
        "JAX_CHECK_TRACER_LEAKS or using the `jax.checking_leaks` context manager.")


DEOPTIMIZED_MESSAGE = ("Invalid nan value encountered in the output of a jax.jit function. "
                       "Calling the de-optimized version.")


def check_nans(prim_name, values, announce=True):
    """Raise FloatingPointError if jax_debug_nans/infs is on and a float output is bad.

    JAX runs each eager primitive as a small jitted program, so it first announces that it
    re-runs the de-optimized version (always with the word "nan"); pyjax prints the same.
    """
    for v in values:
        if v.dtype.kind not in "fc":
            continue
        for flag, test, kind in ((config.jax_debug_nans, np.isnan, "nan"),
                                 (config.jax_debug_infs, np.isinf, "inf")):
            if flag and test(v).any():
                if announce:
                    print(DEOPTIMIZED_MESSAGE)
                raise FloatingPointError(f"invalid value ({kind}) encountered in {prim_name}")


class EvalTrace(Trace):
    """The bottom trace: runs each primitive's impl on concrete NumPy buffers."""

    __slots__ = ()

    def process_primitive(self, prim, args, params):
        try:  # the common case: every operand is a concrete Array
            if len(args) == 1:
                a, = args
                vals, flags = (a._value,), (a.weak_type,)
                weak_type = flags[0]
            elif len(args) == 2:
                a, b = args
                vals, flags = (a._value, b._value), (a.weak_type, b.weak_type)
                weak_type = flags[0] and flags[1]
            else:
                vals = [a._value for a in args]
                flags = [a.weak_type for a in args]
                weak_type = all(flags)
        except AttributeError:
            vals, flags = _to_buffers(args)
            weak_type = all(flags)
        rule = prim.weak_type_rule
        if rule is not None:
            weak_type = rule(flags, params)
        token = _fp_state.set(_FP_QUIET)
        try:
            out = prim.eager_impl(*vals, **params)
        finally:
            _fp_state.reset(token)
        if prim.multiple_results:
            if _check_floats:
                check_nans(prim.name, out)
            if type(weak_type) is bool:
                return [_wrap(o, weak_type) for o in out]
            return [_wrap(o, w) for o, w in zip(out, weak_type)]
        if _check_floats:
            check_nans(prim.name, (out,))
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        return _ArrayImpl(out, weak_type)


def _to_buffers(args):
    vals, flags = [], []
    for a in args:
        conv = _to_buffer.get(type(a))
        if conv is None:
            if isinstance(a, Tracer):
                raise _leaked_tracer_error(a)
            v, w = _to_buffer_slow(a)
        else:
            v, w = conv(a)
        vals.append(v)
        flags.append(w)
    return vals, flags


def _quiet_fp_state():
    """NumPy's floating-point error state context variable, and its all-ignore value.

    XLA never warns about overflow or invalid operations; setting this context variable around
    NumPy calls (about 0.3 us) keeps NumPy from warning either, without touching the user's
    own NumPy settings.
    """
    try:
        from numpy._core import _ufunc_config
        var = _ufunc_config._extobj_contextvar
    except (ImportError, AttributeError):  # older NumPy: a no-op stand-in
        import contextvars
        var = contextvars.ContextVar("pyjax_fp_state", default=None)
        return var, None
    with np.errstate(all="ignore"):
        return var, var.get()


_fp_state, _FP_QUIET = _quiet_fp_state()


def quiet_fp(fun):
    """``fun`` run with NumPy's floating-point warnings off."""
    def quiet(*args, **kwargs):
        token = _fp_state.set(_FP_QUIET)
        try:
            return fun(*args, **kwargs)
        finally:
            _fp_state.reset(token)
    return quiet


# Whether jax_debug_nans or jax_debug_infs is on (kept in sync with config, read per op).
_check_floats = False


def _update_check_floats(name, value):
    global _check_floats
    _check_floats = bool(config.jax_debug_nans or config.jax_debug_infs)


config.on_update(_update_check_floats)
_update_check_floats(None, None)


# Filled in by array.py: type -> (value -> (np buffer, weak flag)), and the Array class.
_to_buffer: dict = {}
_wrap = None
_ArrayImpl = None


def _to_buffer_slow(a):
    if isinstance(a, (np.ndarray, np.generic)):
        return np.asarray(a, dtypes.canonicalize_dtype(a.dtype)), False
    if dtypes.is_python_scalar(a):
        return dtypes.scalar_to_array(a), dtypes.is_weakly_typed(a)
    raise TypeError(f"Value {a!r} of type {type(a)} is not a valid JAX array type. "
                    "Only arrays of numeric types are supported by JAX.")


eval_trace = EvalTrace()
_state.trace = eval_trace


class Tracer:
    """A value being transformed by some trace. Behaves like an array, but is abstract."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)
    itemsize = property(lambda self: self.aval.dtype.itemsize)
    nbytes = property(lambda self: self.aval.size * self.aval.dtype.itemsize)

    def to_concrete_value(self):
        """The concrete value this tracer stands for, if known (e.g. a jvp primal); else None."""
        return None

    def _origin_msg(self):
        return ""

    def _shape_text(self):
        return self.aval.str_short(short_dtypes=False)

    def __array__(self, dtype=None, copy=None):
        raise errors.TracerArrayConversionError(
            "The numpy.ndarray conversion method __array__() was called on traced array "
            f"with shape {self._shape_text()}{self._origin_msg()}")

    def __bool__(self):
        val = self.to_concrete_value()
        if val is not None:
            return bool(val)
        if self.aval.shape != () and self.aval.size != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()")
        raise errors.TracerBoolConversionError(
            "Attempted boolean conversion of traced array with shape "
            f"{self._shape_text()}.{self._origin_msg()}")

    def _concretization_error(self, context):
        return errors.ConcretizationTypeError(
            "Abstract tracer value encountered where concrete value is expected: traced array "
            f"with shape {self._shape_text()}\n{context}{self._origin_msg()}\n")

    def _scalar_conversion(self, kind, convert):
        val = self.to_concrete_value()
        if val is not None:
            return convert(val)
        raise self._concretization_error(
            f"The problem arose with the `{kind}` function. If trying to convert the data type "
            f"of a value, try using `x.astype({kind})` or `jnp.array(x, {kind})` instead.")

    def __float__(self):
        return self._scalar_conversion("float", float)

    def __int__(self):
        return self._scalar_conversion("int", int)

    def __complex__(self):
        return self._scalar_conversion("complex", complex)

    def __index__(self):
        val = self.to_concrete_value()
        if val is not None:
            return operator.index(val)
        raise errors.TracerIntegerConversionError(
            "The __index__() method was called on traced array with shape "
            f"{self._shape_text()}{self._origin_msg()}")

    def item(self, *args):
        val = self.to_concrete_value()
        if val is not None:
            return val.item(*args)
        raise self._concretization_error("This occurred in the item() method of jax.Array")

    def tolist(self):
        val = self.to_concrete_value()
        if val is not None:
            return val.tolist()
        raise self._concretization_error(
            f"The tolist() method was called on traced array with shape {self._shape_text()}."
            f"{self._origin_msg()}")

    def __hash__(self):
        raise TypeError(f"unhashable type: {type(self).__name__!r}")

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    def __setitem__(self, idx, value):
        raise TypeError(IMMUTABLE_MESSAGE)

    def __repr__(self):
        return f"Traced<{self.aval!r}>"

    __str__ = __repr__


IMMUTABLE_MESSAGE = (
    "JAX arrays are immutable and do not support in-place item assignment. Instead of "
    "x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
    "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")


def concrete_or_error(force, x, context=""):
    """``force(x)`` if x is concrete; a ConcretizationTypeError naming ``context`` otherwise."""
    if isinstance(x, Tracer):
        val = x.to_concrete_value()
        if val is None:
            raise x._concretization_error(context)
        return force(val)
    return force(x)


def concrete_shape(shape):
    """Validate a user-given shape: a sequence of concrete non-negative ints."""
    if not isinstance(shape, (tuple, list)) and (
            isinstance(shape, Tracer) or _is_int_like(shape) or np.ndim(shape) == 0):
        shape = (shape,)
    out = []
    for d in shape:
        if isinstance(d, Tracer) and d.to_concrete_value() is not None:
            d = d.to_concrete_value()
        if isinstance(d, Tracer) or not _is_int_like(d):
            tracers = [e for e in shape if isinstance(e, Tracer)]
            shown = ("[" + ", ".join(map(str, shape)) + "]" if isinstance(shape, list)
                     else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
                     + ")")
            hint = ("\nIf using `jit`, try using `static_argnums` or applying `jit` to smaller "
                    "subfunctions." + tracers[0]._origin_msg()) if tracers else ""
            raise TypeError("Shapes must be 1D sequences of concrete values of integer type, "
                            f"got {shown}.{hint}")
        out.append(operator.index(d))
    return tuple(out)


def _is_int_like(d):
    if isinstance(d, (bool, np.bool_, Tracer)):
        return False
    if isinstance(d, (int, np.integer)):
        return True
    dt = getattr(d, "dtype", None)
    return dt is not None and np.ndim(d) == 0 and dt.kind in "iu"


# ----------------------------------------------------------------------------------------------
# The Jaxpr IR


class Var:
    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in a jaxpr (``2.0:f32[]``)."""

    __slots__ = ("val", "aval")

    def __init__(self, val, aval):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val})"


class DropVar(Var):
    """An output nobody reads; printed as ``_``."""

    __slots__ = ()


class JaxprEqn:
    __slots__ = ("invars", "outvars", "primitive", "params", "source")

    def __init__(self, invars, outvars, primitive, params, source=None):
        self.invars, self.outvars = invars, outvars
        self.primitive, self.params, self.source = primitive, params, source

    def replace(self, **kw):
        new = JaxprEqn(self.invars, self.outvars, self.primitive, self.params, self.source)
        for k, v in kw.items():
            setattr(new, k, v)
        return new

    def __repr__(self):
        return pp_eqn_standalone(self)


class Jaxpr:
    """A typed, first-order program in A-normal form."""

    __slots__ = ("constvars", "invars", "outvars", "eqns", "__weakref__")

    def __init__(self, constvars, invars, outvars, eqns):
        self.constvars, self.invars = list(constvars), list(invars)
        self.outvars, self.eqns = list(outvars), list(eqns)

    in_avals = property(lambda self: [v.aval for v in self.invars])
    out_avals = property(lambda self: [v.aval for v in self.outvars])

    def __str__(self):
        from pyjax._src import jaxpr_printing
        return jaxpr_printing.pp_toplevel(self)

    __repr__ = __str__

    def pretty_print(self, **kw):
        return str(self)


class ClosedJaxpr:
    """A Jaxpr together with the values of its constvars."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr, consts):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr, self.consts = jaxpr, list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)
    literals = property(lambda self: self.consts)

    def __str__(self):
        return str(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self, **kw):
        return str(self)


def pp_eqn_standalone(eqn):
    from pyjax._src import jaxpr_printing
    return jaxpr_printing.pp_eqn_alone(eqn)


def eval_jaxpr(jaxpr, consts, *args):
    """Run a jaxpr by binding its primitives on the current trace (so it can be transformed)."""
    env = {}
    for v, x in zip(jaxpr.constvars, consts, strict=True):
        env[v] = x
    for v, x in zip(jaxpr.invars, args, strict=True):
        env[v] = x

    def read(v):
        # A literal is bound as an Array so that its weak type survives (a NumPy value is strong).
        return _ArrayImpl(v.val, v.aval.weak_type) if type(v) is Literal else env[v]

    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        outs = eqn.primitive.bind(*ins, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = (outs,)
        for v, x in zip(eqn.outvars, outs, strict=True):
            env[v] = x
    return [read(v) for v in jaxpr.outvars]


# Set by the compiler when it is imported: jaxpr -> callable on a list of NumPy buffers
# (constvars then invars). Primitives that carry jaxprs (control flow) run them through it,
# so they never import the compiler themselves.
jaxpr_executor = None


def run_jaxpr_on_buffers(closed_jaxpr, *buffers):
    """Run a ClosedJaxpr on NumPy buffers with the compiler's executable for it."""
    return jaxpr_executor(closed_jaxpr.jaxpr)(list(closed_jaxpr.consts) + list(buffers))


def jaxpr_as_fun(closed_jaxpr):
    def fun(*args):
        return eval_jaxpr(closed_jaxpr.jaxpr, closed_jaxpr.consts, *args)
    return fun


def new_var_counter():
    return itertools.count()

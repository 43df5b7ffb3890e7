"""Tracing a Python function to a Jaxpr (JAX calls this partial evaluation / DynamicJaxprTrace)."""
from __future__ import annotations

import inspect

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.array import ScalarLiteral
from pyjax._src.core import Literal, Tracer, Var, JaxprEqn, Jaxpr, ClosedJaxpr


class DebugInfo:
    """What error messages say about the function being traced."""

    __slots__ = ("fun_name", "source", "arg_names", "traced_for")

    def __init__(self, fun_name, source, arg_names, traced_for="jit"):
        self.fun_name, self.source = fun_name, source
        self.arg_names, self.traced_for = arg_names, traced_for

    def describe(self):
        where = f" at {self.source}" if self.source else ""
        return f"{self.fun_name}{where}"

    def describe_traced(self):
        return f"{self.describe()} traced for {self.traced_for}"


def fun_name(fun):
    while hasattr(fun, "func") and not hasattr(fun, "__code__"):  # functools.partial
        fun = fun.func
    return getattr(fun, "__name__", type(fun).__name__)


def fun_source(fun):
    fun = inspect.unwrap(fun) if callable(fun) else fun
    while hasattr(fun, "func") and not hasattr(fun, "__code__"):
        fun = fun.func
    code = getattr(fun, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


def make_debug_info(fun, arg_names, traced_for="jit"):
    return DebugInfo(fun_name(fun), fun_source(fun), arg_names, traced_for)


class DynamicJaxprTracer(Tracer):
    """A value inside a function being staged out to a Jaxpr."""

    __slots__ = ("_aval", "var")

    def __init__(self, trace, aval, var):
        self._trace, self._aval, self.var = trace, aval, var

    @property
    def aval(self):
        return self._aval

    def _origin_msg(self):
        return self._trace.origin_msg(self.var)

    def __repr__(self):
        return f"JitTracer({self._aval})"

    __str__ = __repr__


def _is_scalar_literal(x):
    """Which 0-d constants are written inline (``2.0:f32[]``), as JAX writes them: Python and
    NumPy scalars, the constants jax.numpy makes (ScalarLiteral) and weakly typed 0-d Arrays;
    other Arrays, even 0-d, become constvars."""
    t = type(x)
    if t in (int, float, complex, bool) or isinstance(x, np.generic):
        return True
    if t is np.ndarray or t is ScalarLiteral:
        return x.ndim == 0
    return getattr(x, "weak_type", False) and getattr(x, "ndim", None) == 0


class DynamicJaxprTrace(core.Trace):
    """Records every primitive applied to its tracers as an equation."""

    __slots__ = ("eqns", "invars", "constvars", "consts", "_const_ids", "debug_info")

    def __init__(self, debug_info=None):
        super().__init__()
        self.eqns, self.invars, self.constvars, self.consts = [], [], [], []
        self._const_ids = {}
        self.debug_info = debug_info

    def new_arg(self, aval):
        var = Var(aval)
        self.invars.append(var)
        return DynamicJaxprTracer(self, aval, var)

    def _const(self, x, aval):
        var = self._const_ids.get(id(x))
        if var is None:
            var = self._const_ids[id(x)] = Var(aval)
            self.constvars.append(var)
            self.consts.append(x)
        return var

    def to_atom(self, x):
        """The Var or Literal standing for ``x`` in this trace's jaxpr."""
        if type(x) is DynamicJaxprTracer and x._trace is self:
            return x.var
        if isinstance(x, Tracer):
            if not x._trace._alive:
                raise core._leaked_tracer_error(x)
            return self._const(x, x.aval)  # a value of an enclosing trace, captured
        aval = core.get_aval(x)
        if _is_scalar_literal(x):
            buf, _ = core._to_buffer.get(type(x), core._to_buffer_slow)(x)
            return Literal(buf, aval)
        return self._const(x, aval)

    def process_primitive(self, prim, args, params):
        atoms = [self.to_atom(a) for a in args]
        out_aval = prim.abstract_eval(*[a.aval for a in atoms], **params)
        if prim.multiple_results:
            outvars = [Var(a) for a in out_aval]
            self.eqns.append(JaxprEqn(atoms, outvars, prim, params))
            return [DynamicJaxprTracer(self, v.aval, v) for v in outvars]
        outvar = Var(out_aval)
        self.eqns.append(JaxprEqn(atoms, [outvar], prim, params))
        return DynamicJaxprTracer(self, out_aval, outvar)

    def to_closed_jaxpr(self, outs):
        outvars = [self.to_atom(o) for o in outs]
        jaxpr = Jaxpr(self.constvars, self.invars, outvars, self.eqns)
        return ClosedJaxpr(jaxpr, self.consts)

    def origin_msg(self, var):
        info = self.debug_info
        if info is None:
            return ""
        deps = _input_dependencies(self.eqns, self.invars, var)
        names = [info.arg_names[i] for i in deps if info.arg_names and i < len(info.arg_names)]
        head = (f"\nThe error occurred while tracing the function {info.describe()} "
                f"for {info.traced_for}. ")
        if not names:
            return head + "This value became a tracer due to JAX operations on traced values."
        if len(names) == 1:
            args = f"the argument {names[0]}"
        elif len(names) == 2:
            args = f"the arguments {names[0]} and {names[1]}"
        else:
            args = f"the arguments {', '.join(names[:-1])}, and {names[-1]}"
        return head + ("This concrete value was not available in Python because it depends "
                       f"on the value{'s' if len(names) > 1 else ''} of {args}.")


def _input_dependencies(eqns, invars, var):
    """Indices of the inputs that ``var`` depends on."""
    needed = {var}
    for eqn in reversed(eqns):
        if any(v in needed for v in eqn.outvars):
            needed.update(v for v in eqn.invars if type(v) is not Literal)
    return [i for i, v in enumerate(invars) if v in needed]


def trace_to_jaxpr(flat_fun, in_avals, debug_info=None):
    """Stage ``flat_fun`` (flat list of inputs -> flat list of outputs) out to a ClosedJaxpr."""
    trace = DynamicJaxprTrace(debug_info)
    in_tracers = [trace.new_arg(a) for a in in_avals]
    try:
        with core.set_current_trace(trace), core.paused_gc():
            outs = flat_fun(*in_tracers)
            closed = trace.to_closed_jaxpr(outs)
    finally:
        trace.invalidate()
    return closed


def hoist_consts(closed):
    """The same program with its constants turned into leading inputs (closure conversion)."""
    jaxpr = closed.jaxpr
    return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)


def literal(value, dtype=None, weak_type=False):
    """A Literal holding a scalar, e.g. for rules that build jaxprs by hand."""
    buf = np.asarray(value, dtype if dtype is not None else dtypes.dtype(value, True))
    return Literal(buf, core.ShapedArray((), buf.dtype, weak_type))

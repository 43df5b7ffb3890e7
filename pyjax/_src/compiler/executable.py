"""The compiled callable of a jaxpr: ``compile_jaxpr(jaxpr)(buffers) -> outputs``.

Pipeline: passes.optimize (inlining, simplification, constant folding, CSE, DCE) ->
fusion.fuse (kernels, native loops (loops.py) and fallback equations) -> llvm.build (native
code, cached in memory and on disk) -> a straight-line Python function that calls each kernel
and each fallback impl in order, dropping every buffer after its last use.

``config.pyjax_use_interpreter`` selects the interpreter instead: a straight-line Python
function calling each primitive's impl (with the rewrite XLA makes that changes results:
x / c -> x * (1/c) for a constant c). It is also what runs when llvmlite is unavailable.
"""
from __future__ import annotations

import functools
import os
import warnings
import weakref

import numpy as np

from pyjax._src import core
from pyjax._src.config import config
from pyjax._src.core import Literal

_GENERATED = "pyjax._src.compiler.generated"  # NumPy's warnings from here are filtered


def _impl_for(eqn):
    """The impl to call for one equation, with its static parameters bound."""
    prim = eqn.primitive
    impl = prim.impl
    if prim.name == "div" and eqn.invars[1].aval.dtype.kind in "fc" and (
            type(eqn.invars[1]) is Literal):
        # XLA folds x / c into x * (1/c) for a constant c.
        from pyjax._src.primitives.elementwise import mul_p
        with np.errstate(all="ignore"):
            recip = np.reciprocal(eqn.invars[1].val)
        mul = mul_p.impl
        return lambda x, _: mul(x, recip)
    if eqn.params:
        return functools.partial(impl, **eqn.params)
    return impl


class _Source:
    """Builds the straight-line Python function of a sequence of steps."""

    def __init__(self):
        self.names = {}
        self.namespace = {"__name__": _GENERATED, "_contig": _contiguous}
        self.lines = []

    def const(self, value):
        key = f"k{len(self.namespace)}"
        self.namespace[key] = value
        return key

    def name(self, v):
        if type(v) is Literal:
            return self.const(v.val)
        n = self.names.get(v)
        if n is None:
            n = self.names[v] = f"v{len(self.names)}"
        return n

    def function(self, inputs, outputs, steps, keep):
        """steps: [(callable, in_atoms, out_vars, multiple, contiguous_inputs)]."""
        last_use = {}
        for i, (_, ins, _, _, _) in enumerate(steps):
            for v in ins:
                if type(v) is not Literal:
                    last_use[v] = i
        in_names = [self.name(v) for v in inputs]
        for i, (fn, ins, outs, multiple, contig) in enumerate(steps):
            fname = self.const(fn)
            args = []
            for v in ins:
                n = self.name(v)
                args.append(f"_contig({n})" if contig and type(v) is not Literal and
                            v not in contig else n)
            target = ", ".join(self.name(v) for v in outs) + ("," if multiple else "")
            if multiple and not outs:
                target = "_"
            self.lines.append(f"    {target} = {fname}({', '.join(args)})")
            dead = {self.name(v) for v in ins
                    if type(v) is not Literal and last_use.get(v) == i and v not in keep}
            if dead:
                self.lines.append(f"    del {', '.join(sorted(dead))}")
        unpack = f"    {', '.join(in_names)}{',' if len(in_names) == 1 else ''} = args\n" \
            if in_names else ""
        out_names = [self.name(v) for v in outputs]
        self.source = ("def run(args):\n" + unpack + "\n".join(self.lines)
                       + f"\n    return [{', '.join(out_names)}]\n")
        exec(compile(self.source, "<pyjax executable>", "exec"), self.namespace)
        return self.namespace["run"]


def _contiguous(x):
    """x as a C-contiguous ndarray (what kernels read)."""
    if type(x) is np.ndarray:
        if x.flags.c_contiguous:
            return x
        if x.size >= _MEMO_MIN:
            # Buffers are immutable: remember the contiguous copy of a view (e.g. the broadcast
            # view jnp.ones returns) for as long as the view lives.
            hit = _contiguous_copies.get(id(x))
            if hit is not None and hit[0]() is x:
                return hit[1]
            c = np.ascontiguousarray(x)
            _contiguous_copies[id(x)] = (weakref.ref(x), c)
            weakref.finalize(x, _contiguous_copies.pop, id(x), None)
            return c
    return np.ascontiguousarray(x)


_MEMO_MIN = 1 << 14
_contiguous_copies = {}  # id(view) -> (weakref to the view, its contiguous copy)


class Executable:
    """The interpreter: runs a (const-free) jaxpr by calling each primitive's impl."""

    __slots__ = ("jaxpr", "run", "source", "__weakref__")

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        src = _Source()
        steps = [(_impl_for(e), e.invars, e.outvars, e.primitive.multiple_results, None)
                 for e in jaxpr.eqns]
        keep = {v for v in jaxpr.outvars if type(v) is not Literal}
        self.run = src.function(jaxpr.constvars + jaxpr.invars, jaxpr.outvars, steps, keep)
        self.source = src.source

    def __call__(self, args):
        return self.run(args)


InterpretedExecutable = Executable


def optimize_and_fuse(jaxpr, consts=None):
    """(optimised jaxpr, its folded constants, fusion plan) of a const-free jaxpr whose first
    len(consts) inputs always have the values ``consts``."""
    from pyjax._src.compiler import complex_lowering, fusion, passes
    known = dict(zip(jaxpr.constvars + jaxpr.invars, consts)) if consts else None
    opt, const_vals = passes.optimize(jaxpr, known)
    opt = complex_lowering.lower(opt)  # complex arithmetic on real parts, for kernels
    return opt, const_vals, fusion.fuse(opt)


class CompiledExecutable:
    """A jaxpr optimised, fused into LLVM kernels and fallback impls (see the module doc)."""

    __slots__ = ("jaxpr", "optimized", "plan", "kernels", "run", "source", "fallbacks",
                 "__weakref__")

    def __init__(self, jaxpr, consts=None):
        self.jaxpr = jaxpr
        opt, const_vals, plan = optimize_and_fuse(jaxpr, consts)
        self.optimized = opt
        self.plan = plan
        src = _Source()
        consts = {}
        for v, val in zip(opt.constvars, const_vals):
            consts[v] = Literal(np.ascontiguousarray(val), v.aval)
        specs = [s for kind, s in plan.steps if kind == "kernel"]
        calls, self.fallbacks = _build_kernels(specs)
        self.kernels = []
        steps = []
        from_kernels = set()
        for kind, item in plan.steps:
            if kind == "eqn":
                steps.append((_impl_for(item), [consts.get(v, v) for v in item.invars],
                              item.outvars, item.primitive.multiple_results, None))
                continue
            call = calls.get(id(item))
            if call is None:  # the kernel could not be built: run its equations one by one
                for e in item.eqns:
                    steps.append((_impl_for(e), [consts.get(v, v) for v in e.invars],
                                  e.outvars, e.primitive.multiple_results, None))
                continue
            self.kernels.append((item, call))
            outs = list(item.out_vars) + list(item.red_vars)
            steps.append((call, [consts.get(v, v) for v in item.in_vars], outs, True,
                          frozenset(from_kernels) | {None}))
            from_kernels.update(outs)
        keep = {v for v in opt.outvars if type(v) is not Literal}
        outputs = [consts.get(v, v) for v in opt.outvars]
        self.run = src.function(opt.invars, outputs, steps, keep)
        self.source = src.source

    def __call__(self, args):
        return self.run(args)


_warned = set()
# Raise instead of falling back to impls when kernels cannot be built (tests set it).
STRICT = os.environ.get("PYJAX_COMPILER_STRICT") == "1"


def _build_kernels(specs):
    """{id(spec): KernelCall} for the kernels that could be built, and why others were not."""
    if not specs:
        return {}, []
    from pyjax._src.compiler import llvm, runtime
    offsets = (runtime.TUPLE_ITEM_OFFSET, runtime.ARRAY_DATA_OFFSET)
    try:
        built = llvm.build(specs, offsets)
    except Exception as e:  # a code generator bug must not break the program: run impls
        if STRICT:
            raise
        key = f"{type(e).__name__}: {e}"
        if key not in _warned:
            _warned.add(key)
            warnings.warn(f"pyjax compiler: kernels fell back to impls ({key})",
                          RuntimeWarning, stacklevel=3)
        return {}, [key]
    calls = {}
    for spec, (addr, layout, lanes, final) in zip(specs, built):
        if layout is None:  # a native loop
            calls[id(spec)] = runtime.LoopCall(spec, addr)
        else:
            upgrade = None if final else functools.partial(llvm.upgrade, spec, offsets)
            calls[id(spec)] = runtime.KernelCall(spec, addr, layout, lanes, upgrade)
    return calls, []


_executables = weakref.WeakKeyDictionary()
_compiler_ok = None


def compiler_available():
    global _compiler_ok
    if _compiler_ok is None:
        try:
            import llvmlite.binding  # noqa: F401
            from pyjax._src.compiler import runtime
            _compiler_ok = runtime.abi_ok()
        except Exception:
            _compiler_ok = False
    return _compiler_ok


def compile_jaxpr(jaxpr, consts=None):
    """The executable of a const-free Jaxpr, built once per jaxpr object (and mode).

    ``consts``: the values its first len(consts) inputs always have (a jit's captured
    constants); the compiler may fold them into the program. The executable still takes every
    input, those included.
    """
    interp = (bool(config.pyjax_use_interpreter) or not compiler_available()
              or _needs_interpreter(jaxpr))
    table = _executables.get(jaxpr)
    if table is None:
        table = _executables[jaxpr] = {}
    exe = table.get(interp)
    if exe is None:
        with core.paused_gc():
            exe = Executable(jaxpr) if interp else CompiledExecutable(jaxpr, consts)
        table[interp] = exe
    return exe


def _needs_interpreter(jaxpr):
    """Programs the compiler does not handle yet run in the interpreter: those with side
    effects (debug callbacks, which its dead-code elimination would drop) and those that
    return typed PRNG keys (extended dtypes)."""
    from pyjax._src import dtypes
    if any(dtypes.is_key_dtype(v.aval.dtype) for v in jaxpr.outvars):
        return True
    from pyjax._src.primitives.control_flow_common import has_effects
    return has_effects(jaxpr)


# Primitives that carry jaxprs (control flow) run them through the compiler too.
core.jaxpr_executor = compile_jaxpr

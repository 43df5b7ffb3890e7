"""What ``jit(f).lower(x)`` and ``.compile()`` show: the optimised program, its kernels (kernel
IR and LLVM IR), and a cost analysis counting kernels, fallbacks, flops and bytes."""
from __future__ import annotations

import collections
import math

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src.core import Literal

# The kernel math functions counted as transcendentals: all but rounding, bit counts and
# exact arithmetic.
_TRANSCENDENTAL = set(codegen_interface.MATH_FUNCTIONS) - {
    "sqrt", "rsqrt", "rsqrt_xla", "floor", "ceil", "trunc", "round_even", "round_away",
    "is_finite", "popcount", "clz", "nextafter", "fma"}


def _offsets():
    from pyjax._src.compiler import runtime
    return (runtime.TUPLE_ITEM_OFFSET, runtime.ARRAY_DATA_OFFSET)


class Lowering:
    """The optimised jaxpr and fusion plan of a const-free jaxpr (no LLVM compilation)."""

    def __init__(self, jaxpr, consts=None):
        from pyjax._src.compiler.executable import optimize_and_fuse
        self.jaxpr = jaxpr
        self.optimized, _, self.plan = optimize_and_fuse(jaxpr, consts)

    def as_text(self, dialect=None, optimized_llvm=False):
        return program_text(self.optimized, self.plan, optimized_llvm)

    def cost_analysis(self):
        return cost_analysis(self.jaxpr, self.optimized, self.plan)


def program_text(optimized, plan, optimized_llvm=False):
    from pyjax._src.compiler import llvm
    from pyjax._src.compiler.llvm import target
    out = ["# optimised jaxpr", str(optimized), ""]
    n = 0
    for kind, item in plan.steps:
        if kind == "eqn":
            out.append(f"# fallback: {item.primitive.name} (runs its impl)")
            continue
        if hasattr(item, "kir"):
            names = ", ".join(e.primitive.name for e in item.eqns)
            out.append(f"# kernel {n}: shape {item.kir.shape}; equations: {names}")
            out.append(item.kir.text())
        else:
            out.append(f"# kernel {n}: native {item.kind} loop")
            out.append(item.text())
        ir = llvm.kernel_ir_text(item, _offsets())
        if optimized_llvm:
            ir = target.optimized_ir(ir)
        out.append(ir)
        n += 1
    return "\n".join(out)


def _nbytes(aval):
    return math.prod(aval.shape) * np.dtype(aval.dtype).itemsize


def cost_analysis(original, optimized, plan):
    """Counts and estimates (JAX's keys where they exist: flops, transcendentals,
    bytes accessed)."""
    flops = transcendentals = 0
    nbytes = 0
    fallbacks = collections.Counter()
    kernels = fused = loops = 0
    for kind, item in plan.steps:
        if kind == "eqn":
            fallbacks[item.primitive.name] += 1
            for v in list(item.invars) + list(item.outvars):
                if type(v) is not Literal:
                    nbytes += _nbytes(v.aval)
            if item.primitive.name == "dot_general":
                out = item.outvars[0].aval
                (lc, _), _ = item.params["dimension_numbers"]
                k = math.prod(item.invars[0].aval.shape[d] for d in lc)
                flops += 2 * math.prod(out.shape) * k
            continue
        kernels += 1
        fused += len(item.eqns)
        if not hasattr(item, "kir"):
            loops += 1
            continue
        size = math.prod(item.kir.shape)
        for op in item.kir.ops:
            if op[0] in ("unary", "binary", "compare", "select", "math"):
                flops += size
                if op[0] == "math" and op[2][0] in _TRANSCENDENTAL:
                    transcendentals += size
        for v in list(item.in_vars) + list(item.out_vars) + list(item.red_vars):
            nbytes += _nbytes(v.aval)
    return {"flops": float(flops), "transcendentals": float(transcendentals),
            "bytes accessed": float(nbytes), "equations": len(original.eqns),
            "optimized_equations": len(optimized.eqns), "kernels": kernels,
            "native_loops": loops,
            "fused_equations": fused, "fallback_equations": sum(fallbacks.values()),
            "fallback_primitives": dict(fallbacks),
            "virtual_equations": plan.stats.get("virtual_eqns", 0)}


def compiled_text(exe):
    if not hasattr(exe, "plan"):
        return "# interpreted (config.pyjax_use_interpreter)\n" + str(exe.jaxpr)
    return program_text(exe.optimized, exe.plan, optimized_llvm=True)


def compiled_cost_analysis(exe):
    if not hasattr(exe, "plan"):
        return {"equations": len(exe.jaxpr.eqns), "kernels": 0,
                "fallback_equations": len(exe.jaxpr.eqns)}
    return cost_analysis(exe.jaxpr, exe.optimized, exe.plan)

"""The compiled callable of a jaxpr.

Until kernels are generated with LLVM, a jaxpr is compiled to a straight-line Python function
that calls each primitive's impl on NumPy buffers, drops each buffer after its last use, and
applies the algebraic rewrites XLA makes that change results (division by a constant or a
broadcast scalar becomes multiplication by its reciprocal).
"""
import functools
import weakref

import numpy as np

from pyjax._src import core
from pyjax._src.core import Literal


class Executable:
    """Runs a (const-free) jaxpr on NumPy buffers: ``exe(consts + args) -> list of outputs``."""

    __slots__ = ("jaxpr", "run", "source", "__weakref__")

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        # __name__ attributes NumPy's floating-point warnings to pyjax, whose filter hides them.
        names, namespace = {}, {"__name__": "pyjax._src.compiler.generated"}
        lines = []

        def name_of(v):
            if type(v) is Literal:
                key = f"k{len(namespace)}"
                namespace[key] = v.val
                return key
            n = names.get(v)
            if n is None:
                n = names[v] = f"v{len(names)}"
            return n

        inputs = [name_of(v) for v in jaxpr.constvars + jaxpr.invars]
        outputs = [name_of(v) for v in jaxpr.outvars]
        last_use = {}
        for i, eqn in enumerate(jaxpr.eqns):
            for v in eqn.invars:
                if type(v) is not Literal:
                    last_use[v] = i
        keep = {v for v in jaxpr.outvars if type(v) is not Literal}
        for i, eqn in enumerate(jaxpr.eqns):
            fn = _impl_for(eqn)
            fname = f"f{i}"
            namespace[fname] = fn
            args = ", ".join(name_of(v) for v in eqn.invars)
            outs = [name_of(v) for v in eqn.outvars]
            target = ", ".join(outs) + ("," if eqn.primitive.multiple_results else "")
            if eqn.primitive.multiple_results and not outs:
                target = "_"
            lines.append(f"    {target} = {fname}({args})")
            dead = [name_of(v) for v in eqn.invars
                    if type(v) is not Literal and last_use.get(v) == i and v not in keep]
            if dead:
                lines.append(f"    del {', '.join(sorted(set(dead)))}")
        unpack = f"    {', '.join(inputs)}{',' if len(inputs) == 1 else ''} = args\n" \
            if inputs else ""
        self.source = ("def run(args):\n" + unpack + "\n".join(lines)
                       + f"\n    return [{', '.join(outputs)}]\n")
        exec(compile(self.source, "<pyjax executable>", "exec"), namespace)
        self.run = namespace["run"]

    def __call__(self, args):
        return self.run(args)


def _impl_for(eqn):
    """The impl to call for one equation, with its static parameters bound."""
    prim = eqn.primitive
    impl = prim.impl
    if prim.name == "div" and eqn.invars[1].aval.dtype.kind in "fc" and (
            type(eqn.invars[1]) is Literal):
        # XLA folds x / c into x * (1/c) for a constant c.
        from pyjax._src.primitives.elementwise import mul_p
        recip = np.reciprocal(eqn.invars[1].val)
        mul = mul_p.impl
        return lambda x, _: mul(x, recip)
    if eqn.params:
        return functools.partial(impl, **eqn.params)
    return impl


_executables = weakref.WeakKeyDictionary()


def compile_jaxpr(jaxpr):
    """The executable of a const-free Jaxpr, built once per jaxpr object."""
    exe = _executables.get(jaxpr)
    if exe is None:
        exe = _executables[jaxpr] = Executable(jaxpr)
    return exe


core.jaxpr_executor = compile_jaxpr

"""The compiled callable of a jaxpr.

For now a jaxpr is "compiled" into a flat list of steps that call each primitive's impl on NumPy
buffers held in numbered slots, freeing each buffer after its last use.
"""
import weakref

from pyjax._src.core import Literal


class Executable:
    """Runs a (const-free) jaxpr on NumPy buffers: ``exe(consts + args) -> outputs``."""

    __slots__ = ("steps", "template", "in_slots", "out_slots", "jaxpr", "__weakref__")

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        slots = {}
        template = []

        def slot(v):
            if type(v) is Literal:
                template.append(v.val)
                return len(template) - 1
            s = slots.get(v)
            if s is None:
                s = slots[v] = len(template)
                template.append(None)
            return s

        self.in_slots = [slot(v) for v in jaxpr.constvars + jaxpr.invars]
        raw_steps = []
        for eqn in jaxpr.eqns:
            ins = [slot(v) for v in eqn.invars]
            outs = [slot(v) for v in eqn.outvars]
            p = eqn.primitive
            raw_steps.append([p.impl, eqn.params, ins, outs if p.multiple_results else outs[0],
                              p.multiple_results, ()])
        self.out_slots = [slot(v) for v in jaxpr.outvars]
        # Free each intermediate buffer right after the step that reads it last.
        keep = set(self.out_slots) | {i for i, v in enumerate(template) if v is not None}
        last_use = {}
        for k, step in enumerate(raw_steps):
            for s in step[2]:
                last_use[s] = k
        for s, k in last_use.items():
            if s not in keep and s not in self.in_slots:
                raw_steps[k][5] += (s,)
        self.steps = [tuple(s) for s in raw_steps]
        self.template = template

    def __call__(self, args):
        env = self.template.copy()
        for s, a in zip(self.in_slots, args):
            env[s] = a
        for impl, params, ins, outs, multiple, dead in self.steps:
            result = impl(*[env[i] for i in ins], **params)
            if multiple:
                for o, r in zip(outs, result):
                    env[o] = r
            else:
                env[outs] = result
            for i in dead:
                env[i] = None
        return [env[i] for i in self.out_slots]


_executables = weakref.WeakKeyDictionary()


def compile_jaxpr(jaxpr):
    """The executable of a const-free Jaxpr, built once per jaxpr object."""
    exe = _executables.get(jaxpr)
    if exe is None:
        exe = _executables[jaxpr] = Executable(jaxpr)
    return exe

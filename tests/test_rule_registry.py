"""Every primitive has every rule (jvp, batching, and a transpose when linear), or says why not."""
import pyjax  # noqa: F401  (imports every primitive family)
from pyjax._src import core


def _missing(rule):
    out = []
    for name, prim in core.all_primitives.items():
        if rule in prim.opt_outs:
            assert prim.opt_outs[rule], f"{name}: an opt-out needs a reason"
            continue
        present = prim.jvp if rule == "jvp" else (prim.batch or prim.batch_with_axis)
        if present is None:
            out.append(name)
    return out


def test_every_primitive_has_an_impl_and_an_abstract_rule():
    assert not [n for n, p in core.all_primitives.items()
                if p.impl is None or p.abstract_eval is None]


def test_every_primitive_has_a_jvp_rule():
    assert _missing("jvp") == []


def test_every_primitive_has_a_batching_rule():
    assert _missing("batch") == []

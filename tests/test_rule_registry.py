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


def test_unary_float_impls_keep_their_operand_dtype():
    # Every unary primitive accepting floats must give what its abstract rule says on every
    # float width (NumPy/SciPy widen half precision silently).
    import numpy as np
    from pyjax._src import dtypes
    failures = []
    for name, prim in core.all_primitives.items():
        if prim.multiple_results or not getattr(prim, "eager_impl", None):
            continue
        for dt in (np.float16, dtypes.bfloat16, np.float32, np.float64):
            aval = core.ShapedArray((3,), np.dtype(dt))
            try:
                want = prim.abstract_eval(aval)
            except Exception:  # not a unary primitive, or not for this dtype
                continue
            if not isinstance(want, core.ShapedArray):
                continue
            try:
                with np.errstate(all="ignore"):
                    got = np.asarray(prim.impl(np.array([0.25, 0.5, 1.5], np.dtype(dt))))
            except TypeError:  # needs parameters
                continue
            if got.dtype != want.dtype or got.shape != want.shape:
                failures.append((name, np.dtype(dt).name, got.dtype.name))
    assert not failures, failures

"""Golden snippets: pyjax's observable behaviour against real JAX 0.10.2's, snippet by snippet.

The snippets are in tests/golden_snippets.py, JAX's records in tests/data/snippet_golden.json
(made by scripts/record_snippet_golden.py under real JAX).  Here the selected snippets run
under pyjax (``pyjax.install_as_jax()``), one fresh worker process per snippet group, several
groups at a time; each snippet is then its own test, compared by
``snippet_compare.compare_snippet``: exact exception class, builtin bases and message, repr,
str, stdout and warnings (after normalising addresses, ids and real file paths), exact
dtype/shape/weak_type, float values with tolerance.

Run one snippet with ``pytest tests/test_golden_snippets.py -k 'repr.weak_float'``, or see
every failure at once with ``python scripts/snippet_compare.py -v``.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import snippet_compare  # noqa: E402

SNIPPETS = snippet_compare.load_snippets()
try:
    _META, GOLDEN = snippet_compare.load_golden()
except FileNotFoundError:  # pragma: no cover - the recorder has not been run
    _META, GOLDEN = {}, None


@pytest.fixture(scope="module")
def pyjax_records(request):
    """Records of the snippets selected in this session, run under pyjax."""
    wanted = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module.__name__ == __name__ and callspec is not None and "snip" in callspec.params:
            wanted.add(callspec.params["snip"]["id"])
    selected = [s for s in SNIPPETS if s["id"] in wanted and GOLDEN and s["id"] in GOLDEN]
    return snippet_compare.run_snippets(selected, "pyjax", timeout=30, group_timeout=300)


# Snippets whose JAX output pyjax deliberately does not reproduce, with the reason.
DIVERGENT = {
    "repr.err_attribute": "JAX's array class is jaxlib._jax.ArrayImpl; pyjax does not borrow "
                          "jaxlib's module name",
    "jit_cache.err_static_jax_array": "same: the class of an Array prints as pyjax's own",
    "tracer_repr.vjp_identity_primal": "JAX 0.10 returns its internal TypedFloat wrapper",
    "grad.err_tuple_output": "JAX 0.10 prints its internal TypedFloat wrapper",
    "grad.allow_int_float0": "JAX 0.10 returns its internal TypedNdArray wrapper",
    # XLA:CPU flushes denormal results to zero; pyjax's eager NumPy kernels do not (setting
    # the CPU's flush-to-zero mode would change the user's own NumPy results too).
    "dtypes_ops.denormal_flush_mul": "denormals are not flushed eagerly",
    "dtypes_ops.denormal_flush_mul@x64": "denormals are not flushed eagerly",
    "dtypes_ops.tiny_half_flush": "denormals are not flushed eagerly",
    "dtypes_ops.tiny_half_flush@x64": "denormals are not flushed eagerly",
}
SNIPPETS = [s for s in SNIPPETS if s["id"] not in DIVERGENT]


@pytest.mark.parametrize("snip", SNIPPETS, ids=[s["id"] for s in SNIPPETS])
def test_snippet(snip, pyjax_records):
    if GOLDEN is None:
        pytest.skip("tests/data/snippet_golden.json missing: run scripts/record_snippet_golden.py")
    gold = GOLDEN.get(snip["id"])
    assert gold is not None, "no golden record: re-run scripts/record_snippet_golden.py"
    assert gold["key"] == snippet_compare.snippet_key(snip), (
        "snippet changed since it was recorded: re-run scripts/record_snippet_golden.py")
    diffs = snippet_compare.compare_snippet(snip, gold["record"], pyjax_records[snip["id"]])
    if diffs:
        pytest.fail("snippet %s\n--- code:\n%s\n--- differences:\n%s" % (
            snip["id"], snippet_compare.snippet_source(snip), "\n".join(diffs)),
            pytrace=False)

"""Record what real JAX gives for every golden snippet -> tests/data/snippet_golden.json.

Run with the interpreter of the separate JAX virtual environment (never with pyjax)::

    /work/jaxenv/bin/python scripts/record_snippet_golden.py             # all snippets
    /work/jaxenv/bin/python scripts/record_snippet_golden.py repr. jit_cache.static_int_float_bool
                                  # only ids starting with these prefixes (merged into the file)

The snippets live in tests/golden_snippets.py.  Each snippet group runs in its own fresh
subprocess (``snippet_compare.run_snippets``), so config changes and caches cannot leak
from one group into another; inside a group the config is put back to its defaults after
every snippet.  The file maps snippet id -> {"key": setup/code/x64 as recorded,
"record": stdout, warnings, value or exception}, plus a ``_meta`` entry.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import seed_compare  # noqa: E402
import snippet_compare  # noqa: E402


def _versions():
    from importlib import metadata
    out = {"python": platform.python_version()}
    for dist in ("jax", "jaxlib", "numpy", "scipy", "ml_dtypes"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("prefixes", nargs="*", help="record only ids starting with these")
    p.add_argument("--out", default=snippet_compare.GOLDEN_PATH)
    p.add_argument("--timeout", type=float, default=60.0, help="per-snippet limit (s)")
    a = p.parse_args(argv)
    if importlib.util.find_spec("jax") is None:
        print("error: jax is not importable by %s; run this with the JAX venv "
              "(/work/jaxenv/bin/python)" % sys.executable, file=sys.stderr)
        return 2

    snippets = snippet_compare.load_snippets()
    if a.prefixes:
        snippets = [s for s in snippets if any(s["id"].startswith(x) for x in a.prefixes)]
    existing = {}
    if a.prefixes and os.path.exists(a.out):
        _, existing = snippet_compare.load_golden(a.out)
    t0 = time.perf_counter()
    results = snippet_compare.run_snippets(snippets, "jax", timeout=a.timeout)
    crashed = [sid for sid, r in results.items() if "crash" in r]
    if crashed:
        for sid in crashed:
            print("!! %s: %s" % (sid, results[sid]["crash"][:500]), file=sys.stderr)
        print("error: %d snippets have no record; nothing written" % len(crashed),
              file=sys.stderr)
        return 1
    known = {s["id"] for s in snippet_compare.load_snippets()}
    out_snips = {k: v for k, v in existing.items() if k in known}
    n_exc = 0
    for s in snippets:
        rec = results[s["id"]]
        rec.pop("seconds", None)
        n_exc += "exception" in rec
        out_snips[s["id"]] = {"key": snippet_compare.snippet_key(s), "record": rec}
    order = [s["id"] for s in snippet_compare.load_snippets() if s["id"] in out_snips]
    meta = {"recorded_with": _versions(), "recorder": "scripts/record_snippet_golden.py",
            "snippets": "tests/golden_snippets.py", "platform": platform.platform(),
            "note": "one fresh process per snippet group; texts normalised by "
                    "snippet_compare.normalize"}
    data = {"_meta": meta, "snippets": {k: out_snips[k] for k in order}}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(seed_compare.dumps_pretty(data))
        f.write("\n")
    print("recorded %d snippets (%d raised) in %.1fs -> %s (%.0f KiB)" % (
        len(snippets), n_exc, time.perf_counter() - t0, a.out, os.path.getsize(a.out) / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())

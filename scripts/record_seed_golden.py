"""Record what real JAX gives for every seed cell -> tests/data/seed_golden.json.

Run with the interpreter of the separate JAX virtual environment (never with pyjax)::

    /work/jaxenv/bin/python scripts/record_seed_golden.py            # all seeds
    /work/jaxenv/bin/python scripts/record_seed_golden.py 002 003    # some seeds (merged
                                                                     # into the existing file)
    /work/jaxenv/bin/python scripts/record_seed_golden.py --out /tmp/g.json --timeout 600

The venv is made with::

    python3 -m venv /work/jaxenv && /work/jaxenv/bin/pip install jax==0.10.2 jaxlib==0.10.2 numpy scipy

Each seed runs in its own fresh subprocess (so ``jax_enable_x64`` and other config do
not leak between seeds), its cells in order in ONE namespace, with a stub matplotlib.
For every cell: stdout, the displayed value (repr + structured form) or the exception
(class with module path, message), warnings, and wall time.  A raising cell does not
stop the seed.  The file maps seed -> list of cells, plus a ``_meta`` entry.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import seed_cells  # noqa: E402
import seed_compare  # noqa: E402


def _versions():
    from importlib import metadata
    out = {"python": platform.python_version()}
    for dist in ("jax", "jaxlib", "numpy", "scipy", "ml_dtypes"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def worker(seed, out_path, timeout):
    """Runs in the subprocess: one seed, records written as JSON to out_path."""
    seed_cells.install_matplotlib_stub()
    # import jax before execute_seed seeds numpy's global RNG: importing jax draws from
    # it, and run_seed.py also imports its module set (pyjax or jax) before the cells
    import jax  # noqa: F401
    import jax.numpy  # noqa: F401
    cells = seed_cells.extract_seed(seed)

    def progress(rec):
        what = ("EXC " + rec["exception"]["type"]) if "exception" in rec else \
            ("value" if "result" in rec else "-")
        print("  [%s:%d] %7.2fs  %s" % (seed[:3], rec["index"], rec.get("seconds", 0), what),
              file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    records = seed_compare.execute_seed(seed, cells, timeout=timeout, on_cell=progress)
    total = time.perf_counter() - t0
    jax_mod = sys.modules.get("jax")
    info = {"seconds": round(total, 3), "n_cells": len(records),
            "jax_module_file": getattr(jax_mod, "__file__", None),
            "x64_at_end": None}
    try:
        info["x64_at_end"] = bool(jax_mod.config.jax_enable_x64) if jax_mod else None
    except Exception:
        pass
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"cells": records, "info": info}, f, ensure_ascii=False)


def main(argv=None):
    p = argparse.ArgumentParser(description="Record real JAX's results for the seed cells.")
    p.add_argument("seeds", nargs="*", help="seed numbers/names (default: all)")
    p.add_argument("--out", default=seed_compare.GOLDEN_PATH)
    p.add_argument("--timeout", type=float, default=None, help="per-cell time limit (s)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.worker:
        worker(a.worker, a.worker_out, a.timeout)
        return 0

    try:
        import importlib.util
        if importlib.util.find_spec("jax") is None:
            print("error: jax is not importable by %s; run this with the JAX venv "
                  "(/work/jaxenv/bin/python)" % sys.executable, file=sys.stderr)
            return 2
    except Exception:
        pass

    seeds = [seed_cells.resolve_seed(s) for s in a.seeds] if a.seeds else \
        [f[:-4] for f in seed_cells.seed_files()]
    existing = {}
    if os.path.exists(a.out) and a.seeds:
        with open(a.out, encoding="utf-8") as f:
            existing = json.load(f)
    meta = existing.pop("_meta", {}) if existing else {}
    meta.update({"recorded_with": _versions(), "recorder": "scripts/record_seed_golden.py",
                 "platform": platform.platform(), "note":
                 "keys: seed -> list of cells; np.random.seed(0) before each seed; "
                 "arrays above %d elements are summarised (stats)" % seed_compare.MAX_VALUES})
    meta.setdefault("seeds", {})
    result = dict(existing)
    grand = time.perf_counter()
    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONHASHSEED"] = "0"
    for seed in seeds:
        print("== %s" % seed, flush=True)
        fd, tmp = tempfile.mkstemp(suffix=".json", prefix="seedgold_")
        os.close(fd)
        t0 = time.perf_counter()
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", seed, "--worker-out", tmp]
        if a.timeout:
            cmd += ["--timeout", str(a.timeout)]
        proc = subprocess.run(cmd, env=env)
        wall = time.perf_counter() - t0
        try:
            with open(tmp, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            print("!! worker for %s failed (exit %s)" % (seed, proc.returncode), flush=True)
            os.unlink(tmp)
            continue
        os.unlink(tmp)
        result[seed] = data["cells"]
        info = data["info"]
        info["process_seconds"] = round(wall, 3)
        meta["seeds"][seed] = info
        raised = [c for c in data["cells"] if "exception" in c]
        print("   %d cells, %d raised, %.1fs (process %.1fs)" % (
            len(data["cells"]), len(raised), info["seconds"], wall), flush=True)
        for c in raised:
            print("     cell %d: %s: %s" % (c["index"], c["exception"]["type"],
                                           c["exception"]["message"].split("\n")[0][:120]))
    meta["total_seconds"] = round(time.perf_counter() - grand, 3)
    out = {"_meta": meta}
    for k in sorted(result):
        out[k] = result[k]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(seed_compare.dumps_pretty(out))
        f.write("\n")
    print("wrote %s (%.1f KiB), total %.1fs" % (a.out, os.path.getsize(a.out) / 1024,
                                                meta["total_seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

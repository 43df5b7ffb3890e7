"""Run the benchmarks: pyjax vs real JAX vs NumPy, one table.

    python benchmarks/run.py                       # all workloads, all sides
    python benchmarks/run.py --only eager_sin_3,jit_cache_hit_3
    python benchmarks/run.py --sides jax           # only the JAX column (checks the venv)
    python benchmarks/run.py --json out.json --plot out.svg
    python benchmarks/run.py --list

Real JAX runs in a subprocess with $PYJAX_BENCH_JAX_PYTHON (default /work/jaxenv/bin/python).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="", help="comma-separated workload names")
    p.add_argument("--tag", default="", help="only workloads with this tag")
    p.add_argument("--sides", default="pyjax,jax,numpy", help="subset of pyjax,jax,numpy")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.5,
                   help="total seconds of timed calls per workload and side (default 0.5)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--stat", choices=("min", "median"), default="min")
    p.add_argument("--json", dest="json_out", help="save the table and raw timings as JSON")
    p.add_argument("--plot", default=os.path.join(HERE, "last_run.svg"),
                   help="where to save the bar chart (SVG; default benchmarks/last_run.svg, "
                        "'' for none)")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)

    registry = harness.load_workloads()
    if a.list:
        for name, w in registry.items():
            print("%-24s %-40s numpy=%s %s" % (name, w.description,
                                              "yes" if w.numpy_fn() else "no",
                                              ",".join(w.tags)))
        return 0
    names = [n for n in a.only.split(",") if n]
    unknown = [n for n in names if n not in registry]
    if unknown:
        print("unknown workloads: %s" % ", ".join(unknown), file=sys.stderr)
        return 2
    if a.tag:
        names = [n for n, w in registry.items() if a.tag in w.tags and (not names or n in names)]
    names = names or None
    sides = [s.strip() for s in a.sides.split(",") if s.strip()]
    kw = dict(repeat=a.repeat, min_time=a.min_time, warmup=a.warmup, verbose=a.verbose)

    results, notes = {}, []
    t0 = time.perf_counter()
    if "jax" in sides:
        py = harness.jax_python()
        if py is None:
            notes.append("JAX columns skipped: no interpreter at $PYJAX_BENCH_JAX_PYTHON or %s"
                         % harness.DEFAULT_JAX_PYTHON)
        else:
            results["jax"] = harness.run_side_subprocess("jax", py, names, **kw)
            if "error" in results["jax"]:
                notes.append("JAX side failed: %s" % results["jax"]["error"])
    if "pyjax" in sides:
        results["pyjax"] = harness.run_side("pyjax", names, **kw)
        if "error" in results["pyjax"]:
            notes.append("pyjax side failed: %s" % results["pyjax"]["error"])
    if "numpy" in sides:
        results["numpy"] = harness.run_side("numpy", names, **kw)

    rows = harness.build_table(results, registry, stat=a.stat)
    versions = {s: r.get("version") for s, r in results.items()}
    print("versions: " + ", ".join("%s %s" % (s, v) for s, v in versions.items()))
    print(harness.format_table(rows, stat=a.stat))
    for n in notes:
        print("note: " + n)
    if a.json_out:
        with open(a.json_out, "w", encoding="utf-8") as f:
            json.dump({"stat": a.stat, "rows": rows, "raw": results, "notes": notes,
                       "versions": versions, "platform": platform.platform(),
                       "python": sys.version.split()[0], "cpu_count": os.cpu_count(),
                       "seconds": round(time.perf_counter() - t0, 2),
                       "time": time.strftime("%Y-%m-%dT%H:%M:%S")}, f, indent=1)
        print("saved %s" % a.json_out)
    if a.plot:
        harness.save_svg(rows, a.plot, stat=a.stat)
        print("saved %s" % a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())

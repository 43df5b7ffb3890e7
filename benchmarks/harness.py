"""Benchmark harness: times each workload with pyjax, real JAX and NumPy in one run.

pyjax and NumPy run in this process; real JAX runs in a subprocess using the interpreter
named by ``PYJAX_BENCH_JAX_PYTHON`` (default ``/work/jaxenv/bin/python`` when it exists),
so JAX is never imported next to pyjax.  The JAX columns are skipped, with a note, when
no such interpreter is there.

Timing: the callable returned by a workload is called a few times to warm up, then the
number of calls per repeat is grown until a repeat lasts ``min_time / repeat`` seconds,
then ``repeat`` repeats are timed; the per-call min and median are kept.  Every result
is ``block_until_ready``-ed inside the timed region.

Workers (used by run.py; can be run by hand)::

    python benchmarks/harness.py --side pyjax|jax|numpy [--only a,b] [--out f.json]
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_JAX_PYTHON = "/work/jaxenv/bin/python"

SIDES = ("pyjax", "jax", "numpy")


# --------------------------------------------------------------------------- workloads

def load_workloads():
    """The registry from benchmarks/workloads.py plus any benchmarks/workloads_*.py."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import workloads
    for path in sorted(glob.glob(os.path.join(HERE, "workloads_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        if modname not in sys.modules:
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            spec.loader.exec_module(mod)
    return workloads.REGISTRY


# --------------------------------------------------------------------------- namespaces

def make_namespace(side):
    import numpy as np
    ns = types.SimpleNamespace(name=side, np=np, float32=np.float32)
    if side == "numpy":
        ns.jax = None
        ns.jnp = np
        ns.lax = ns.random = ns.tree_util = None
        ns.jit = lambda f, *a, **k: f
        ns.grad = ns.vmap = ns.make_jaxpr = None
        ns.version = np.__version__
        return ns
    if side == "pyjax":
        if REPO not in sys.path:
            sys.path.insert(0, REPO)
        import pyjax as top
        if "jaxlib" in sys.modules:
            raise RuntimeError("real jaxlib is imported in the pyjax process")
    elif side == "jax":
        import jax as top
    else:
        raise ValueError(side)
    ns.jax = top
    ns.version = getattr(top, "__version__", "?")
    for attr in ("numpy", "lax", "random", "tree_util"):
        try:
            mod = importlib.import_module(top.__name__ + "." + attr)
        except Exception:
            mod = getattr(top, attr, None)
        setattr(ns, "jnp" if attr == "numpy" else attr, mod)
    for attr in ("jit", "grad", "vmap", "make_jaxpr"):
        setattr(ns, attr, getattr(top, attr, None))
    return ns


# --------------------------------------------------------------------------- timing

def block(x):
    """block_until_ready on arrays, recursively through tuples/lists/dicts."""
    b = getattr(x, "block_until_ready", None)
    if b is not None:
        b()
        return x
    if isinstance(x, (tuple, list)):
        for y in x:
            block(y)
    elif isinstance(x, dict):
        for y in x.values():
            block(y)
    return x


def time_callable(call, repeat=7, min_time=0.5, warmup=3, max_number=1_000_000):
    """Per-call seconds: {"min", "median", "mean", "number", "repeat"}."""
    for _ in range(warmup):
        block(call())
    target = max(min_time / repeat, 0.002)
    pc = time.perf_counter
    number = 1
    while True:
        t0 = pc()
        for _ in range(number):
            block(call())
        dt = pc() - t0
        if dt >= target or number >= max_number:
            break
        grow = 10 if dt < target / 10 else 2
        number = min(max_number, number * grow)
    times = []
    for _ in range(repeat):
        t0 = pc()
        for _ in range(number):
            block(call())
        times.append((pc() - t0) / number)
    return {"min": min(times), "median": statistics.median(times),
            "mean": statistics.fmean(times), "number": number, "repeat": repeat}


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s in /proc/self/status" % field)


def peak_memory(call):
    """Bytes by which one call (its first: compile and run) raises the process's resident
    memory at its peak above what was resident before it: the call's own intermediates.
    (Linux: writing 5 to /proc/self/clear_refs resets the peak, VmHWM, to the current size.)"""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_kb("VmRSS")
    block(call())
    v = float(max(_status_kb("VmHWM") - before, 0))
    return {"min": v, "median": v, "mean": v, "number": 1, "repeat": 1}


def run_side(side, names=None, repeat=7, min_time=0.5, warmup=3, verbose=False,
             memory_probe=False):
    """Time the workloads with one side; returns {"side", "version", "results": {name: ...}}."""
    registry = load_workloads()
    out = {"side": side, "results": {}, "python": sys.executable}
    try:
        ns = make_namespace(side)
        out["version"] = ns.version
    except Exception as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
        return out
    for name, w in registry.items():
        if names and name not in names:
            continue
        fn = w.numpy_fn() if side == "numpy" else w.fn
        if fn is None:
            continue
        if w.memory and not memory_probe:  # needs a process of its own
            res = run_side_subprocess(side, sys.executable, [name], memory_probe=True)
            out["results"][name] = res.get("results", {}).get(name) or {
                "error": res.get("error", "no result")}
            continue
        try:
            call = fn(ns)
            if w.memory:
                res = peak_memory(call)
            elif w.slow:  # seconds per call: a few single calls
                res = time_callable(call, repeat=min(repeat, 3), min_time=0, warmup=1,
                                    max_number=1)
            else:
                res = time_callable(call, repeat=repeat, min_time=min_time, warmup=warmup)
        except Exception as e:
            res = {"error": "%s: %s" % (type(e).__name__, str(e).split("\n")[0][:200])}
        out["results"][name] = res
        if verbose:
            print("  %-6s %-24s %s" % (side, name, fmt_time(res.get("min")) if "min" in res
                                         else res.get("error")), file=sys.stderr, flush=True)
    return out


def jax_python():
    p = os.environ.get("PYJAX_BENCH_JAX_PYTHON")
    if p:
        return p if os.path.exists(p) else None
    return DEFAULT_JAX_PYTHON if os.path.exists(DEFAULT_JAX_PYTHON) else None


def run_side_subprocess(side, python, names=None, repeat=7, min_time=0.5, warmup=3,
                        verbose=False, timeout=3600, memory_probe=False):
    fd, tmp = tempfile.mkstemp(suffix=".json", prefix="bench_%s_" % side)
    os.close(fd)
    cmd = [python, os.path.abspath(__file__), "--side", side, "--out", tmp,
           "--repeat", str(repeat), "--min-time", str(min_time), "--warmup", str(warmup)]
    if names:
        cmd += ["--only", ",".join(names)]
    if memory_probe:
        cmd.append("--memory-probe")
    if verbose:
        cmd.append("--verbose")
    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    try:
        proc = subprocess.run(cmd, env=env, timeout=timeout, stdout=subprocess.PIPE,
                              stderr=None if verbose else subprocess.PIPE, text=True)
        with open(tmp, encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:
        err = getattr(locals().get("proc"), "stderr", "") or ""
        return {"side": side, "results": {}, "error": "%s: %s %s" % (
            type(e).__name__, e, err.strip().split("\n")[-1] if err else "")}
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --------------------------------------------------------------------------- reporting

def fmt_value(t, unit):
    if unit == "bytes" and t is not None:
        return "%.0f MB" % (t / 1e6)
    return fmt_time(t)


def fmt_time(t):
    if t is None:
        return "-"
    if t < 1e-6:
        return "%.0f ns" % (t * 1e9)
    if t < 1e-3:
        return "%.2f us" % (t * 1e6)
    if t < 1:
        return "%.2f ms" % (t * 1e3)
    return "%.3f s" % t


def _pick(res, stat):
    return res.get(stat) if res and "error" not in res else None


def build_table(sides, registry, stat="min"):
    """rows: workload, pyjax, JAX, NumPy, pyjax/JAX, pyjax/NumPy (seconds / ratios)."""
    rows = []
    for name in registry:
        cells = {s: sides.get(s, {}).get("results", {}).get(name) for s in SIDES}
        if not any(cells.values()):
            continue
        t = {s: _pick(cells[s], stat) for s in SIDES}
        rows.append({
            "workload": name,
            "description": registry[name].description,
            "unit": "bytes" if registry[name].memory else "seconds",
            "pyjax": t["pyjax"], "jax": t["jax"], "numpy": t["numpy"],
            "pyjax/jax": (t["pyjax"] / t["jax"]) if t["pyjax"] is not None and t["jax"]
            else None,
            "pyjax/numpy": (t["pyjax"] / t["numpy"]) if t["pyjax"] is not None and t["numpy"]
            else None,
            "errors": {s: cells[s]["error"] for s in SIDES if cells[s] and "error" in cells[s]},
        })
    return rows


def format_table(rows, stat="min"):
    head = ["workload", "pyjax", "JAX", "NumPy", "pyjax/JAX", "pyjax/NumPy"]
    body = []
    for r in rows:
        def col(side):
            if side in r["errors"]:
                return "error"
            return fmt_value(r[side], r["unit"])
        ratio = lambda v: "-" if v is None else ("%.1fx" % v if v >= 10 else "%.2fx" % v)  # noqa: E731
        body.append([r["workload"], col("pyjax"), col("jax"), col("numpy"),
                     ratio(r["pyjax/jax"]), ratio(r["pyjax/numpy"])])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(head), line(["-" * w for w in widths])] + [line(b) for b in body]
    notes = []
    for r in rows:
        for s, e in r["errors"].items():
            notes.append("  %s [%s]: %s" % (r["workload"], s, e))
    if notes:
        out.append("errors:")
        out.extend(notes)
    out.append("(per-call %s over repeats; ratios > 1 mean pyjax is slower; MB rows: peak "
               "memory a call adds, in a fresh process)" % stat)
    return "\n".join(out)


def save_svg(rows, path, stat="min"):
    """A bar chart of each workload's time relative to JAX (log scale), as a standalone SVG.

    Written by hand so that saving the plot needs nothing beyond the standard library. Bars
    left of the 1x line are faster than JAX; rows without a JAX time are left out.
    """
    import math
    from xml.sax.saxutils import escape
    rows = [r for r in rows if r["jax"]]
    sides = (("pyjax", "#1f77b4"), ("numpy", "#2ca02c"))
    floor = 1e-3  # a zero (a call that adds no memory) is drawn at the left edge

    def ratio_of(r, side):
        return max(r[side] / r["jax"], floor)
    ratios = [ratio_of(r, s) for r in rows for s, _ in sides if r[s] is not None]
    lo = math.floor(math.log10(min(ratios + [0.5])))
    hi = math.ceil(math.log10(max(ratios + [2.0])))
    left, width, row_h, top = 230, 520, 26, 40
    height = top + row_h * len(rows) + 50

    def x_of(ratio):
        return left + width * (math.log10(ratio) - lo) / (hi - lo)

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (left + width + 150, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20" font-size="13">relative to JAX (%s time per call, or peak '
           'memory; log scale; left of 1x = better than JAX)</text>' % (left, stat)]
    for e in range(lo, hi + 1):
        x = x_of(10.0 ** e)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                   % (x, top - 5, x, height - 40, "black" if e == 0 else "#ddd"))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%gx</text>'
                   % (x, height - 25, 10.0 ** e))
    for k, r in enumerate(rows):
        y = top + k * row_h
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                   % (left - 6, y + 15, escape(r["workload"])))
        for n, (side, color) in enumerate(sides):
            if r[side] is None:
                continue
            ratio = ratio_of(r, side)
            x0, x1 = sorted((x_of(1.0), x_of(ratio)))
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="10" fill="%s"/>'
                       % (x0, y + 2 + 11 * n, max(x1 - x0, 1), color))
            if side == "pyjax":
                out.append('<text x="%.1f" y="%d">%.2fx</text>'
                           % (max(x1, x_of(1.0)) + 4, y + 11, ratio))
    for n, (side, color) in enumerate(sides):
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   '<text x="%d" y="%d">%s / JAX</text>'
                   % (left + width + 20, top + 16 * n, color, left + width + 34,
                      top + 9 + 16 * n, side))
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description="benchmark worker: time workloads with one side")
    p.add_argument("--side", choices=SIDES, required=True)
    p.add_argument("--only", default="")
    p.add_argument("--out")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.5)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--memory-probe", action="store_true",
                   help="measure memory workloads here (a fresh process)")
    a = p.parse_args(argv)
    names = [n for n in a.only.split(",") if n] or None
    res = run_side(a.side, names, a.repeat, a.min_time, a.warmup, a.verbose, a.memory_probe)
    text = json.dumps(res, indent=1)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

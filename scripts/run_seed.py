"""Run seed cells under pyjax (or real JAX) and compare each with the golden record.

    python scripts/run_seed.py SEED            # `import jax` -> pyjax (pyjax.install_as_jax())
    python scripts/run_seed.py all             # every seed, each in a fresh subprocess
    /work/jaxenv/bin/python scripts/run_seed.py SEED --jax   # real JAX (checks the golden)

SEED is a number (0, 1, 002, ...) or a seed name.  Options:

    --cells 3,5-7     report only these cells (earlier cells still run: they set up state)
    --skip 40,41      do not run these cells (reported SKIP)
    --timeout S       per-cell time limit in seconds (the cell then fails with CellTimeout)
    --json FILE       write the per-cell results (records + comparison) as JSON
    -v / --verbose    show the code and the full diff of every non-matching cell
    --golden FILE     golden JSON (default tests/data/seed_golden.json)

Per cell it prints MATCH / DIFF (with a short diff) / ERROR (raised where JAX did not),
plus whether the repr is exactly JAX's and the time against JAX's.  Cells whose output
legitimately varies (object ids, wall-clock times) show "MATCH*" when only their values
or stdout differ; their exceptions, types, dtypes and shapes still count.  Exit status: 0 when every non-volatile cell matches, 1 otherwise, 2 when the
module set cannot be imported.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import seed_cells  # noqa: E402
import seed_compare  # noqa: E402


def _parse_ranges(s):
    out = set()
    if not s:
        return out
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.update(range(int(lo), int(hi) + 1))
        else:
            out.add(int(part))
    return out


def setup_modules(use_jax):
    """Make `import jax` resolve to pyjax (default) or check real JAX is there (--jax)."""
    seed_cells.install_matplotlib_stub()
    if use_jax:
        import jax  # noqa: F401  (the real one, from this interpreter's environment)
        return "jax %s (%s)" % (jax.__version__, os.path.dirname(jax.__file__))
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    import pyjax
    if not hasattr(pyjax, "install_as_jax"):
        raise ImportError("pyjax has no install_as_jax()")
    pyjax.install_as_jax()
    jax = sys.modules.get("jax")
    if jax is None:
        import jax  # noqa: F811
    name = getattr(jax, "__name__", "?")
    if "jaxlib" in sys.modules or not (name.startswith("pyjax") or
                                       getattr(jax, "__file__", "").startswith(REPO)):
        raise ImportError("`import jax` does not resolve to pyjax (got %r from %s)" % (
            name, getattr(jax, "__file__", None)))
    return "pyjax %s (as jax)" % getattr(pyjax, "__version__", "?")


def _short(msg, n=200):
    msg = msg.replace("\n", " ")
    return msg if len(msg) <= n else msg[:n] + "..."


def run_one(seed, golden_cells, args):
    try:
        cells = seed_cells.extract_seed(seed)
    except (FileNotFoundError, ValueError):
        # No seed documents beside the checkout: run the cells recorded in the golden file.
        cells = [{"seed": seed, "index": c["index"], "code": c["code"]} for c in golden_cells]
    gmap = {c["index"]: c for c in golden_cells}
    report = set(_parse_ranges(args.cells)) or None
    skip = _parse_ranges(args.skip)
    stop_after = max(report) if report else None
    counts = {"MATCH": 0, "DIFF": 0, "ERROR": 0, "SKIP": 0, "VOLATILE": 0, "NOGOLDEN": 0}
    rows = []
    stale = [c["index"] for c in cells
             if c["index"] in gmap and gmap[c["index"]]["code"] != c["code"]]
    if stale:
        print("!! golden record out of date for cells %s (re-run record_seed_golden.py)" % stale)
    if len(cells) != len(golden_cells):
        print("!! %d cells extracted but %d in the golden record" % (len(cells), len(golden_cells)))

    def on_cell(rec):
        idx = rec["index"]
        if report is not None and idx not in report:
            return
        g = gmap.get(idx)
        head = "[%s:%3d]" % (seed[:3], idx)
        if rec.get("skipped"):
            counts["SKIP"] += 1
            print("%s SKIP" % head, flush=True)
            rows.append({"record": rec, "compare": {"status": "SKIP"}})
            return
        if g is None:
            counts["NOGOLDEN"] += 1
            print("%s NO GOLDEN  %.3fs" % (head, rec["seconds"]), flush=True)
            rows.append({"record": rec, "compare": {"status": "NOGOLDEN"}})
            return
        cmp = seed_compare.compare_cell(g, rec)
        status = cmp["status"]
        counts[status] += 1
        label = status
        if cmp.get("volatile_diffs") and status == "MATCH":
            counts["VOLATILE"] += 1
            label = "MATCH*"
        extra = []
        if cmp.get("repr_equal") is True:
            extra.append("repr=")
        elif cmp.get("repr_equal") is False:
            extra.append("repr!=")
        if cmp.get("stdout") in ("normalized", "numeric"):
            extra.append("stdout~" + cmp["stdout"])
        if cmp.get("warnings_equal") is False:
            extra.append("warnings!=")
        t_jax = g.get("seconds") or 0.0
        ratio = (" x%.1f" % (rec["seconds"] / t_jax)) if t_jax > 1e-4 else ""
        print("%s %-8s %-22s %8.3fs (jax %.3fs%s)" % (
            head, label, " ".join(extra), rec["seconds"], t_jax, ratio), flush=True)
        shown = cmp["diffs"] if args.verbose else cmp["diffs"][:3]
        for d in shown:
            print("          - " + (d if args.verbose else _short(d)), flush=True)
        if cmp.get("volatile_diffs"):
            print("          ~ volatile (%s), not counted: %s" % (
                ", ".join(cmp["volatile"]), _short("; ".join(cmp["volatile_diffs"]), 150)), flush=True)
        if args.verbose and status != "MATCH":
            print("          code:\n" + "\n".join("            | " + l for l in rec["code"].split("\n")))
            if "result" in rec and g.get("result"):
                print("          golden repr: " + g["result"]["repr"][:800].replace("\n", "\n                       "))
                print("          actual repr: " + rec["result"]["repr"][:800].replace("\n", "\n                       "))
            if "exception" in rec:
                print("          actual exception: %s: %s" % (rec["exception"]["type"],
                                                            rec["exception"]["message"][:800]))
        rows.append({"record": rec, "compare": cmp})

    t0 = time.perf_counter()
    seed_compare.execute_seed(seed, cells, timeout=args.timeout, on_cell=on_cell,
                              skip=skip, stop_after=stop_after)
    total = time.perf_counter() - t0
    gtotal = sum((gmap[r["record"]["index"]].get("seconds") or 0) for r in rows
                 if r["record"]["index"] in gmap)
    if "jaxlib" in sys.modules and not args.jax:
        print("!! real jaxlib got imported during the pyjax run")
    print("== %s: %d MATCH (%d of them volatile), %d DIFF, %d ERROR, %d skipped  (%.1fs; jax %.1fs)" % (
        seed, counts["MATCH"], counts["VOLATILE"], counts["DIFF"], counts["ERROR"],
        counts["SKIP"], total, gtotal), flush=True)
    return {"seed": seed, "counts": counts, "seconds": total, "jax_seconds": gtotal, "cells": rows}


def main(argv=None):
    p = argparse.ArgumentParser(description="Run seed cells and compare with golden JAX results.")
    p.add_argument("seed", help="seed number/name, or 'all'")
    p.add_argument("--jax", action="store_true", help="use real JAX instead of pyjax")
    p.add_argument("--golden", default=seed_compare.GOLDEN_PATH)
    p.add_argument("--cells", default="", help="cells to report, e.g. 3,5-7")
    p.add_argument("--skip", default="", help="cells not to run, e.g. 40-45")
    p.add_argument("--timeout", type=float, default=None, help="per-cell time limit (s)")
    p.add_argument("--json", dest="json_out", help="write results to this JSON file")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--in-process", action="store_true",
                   help="with 'all': run the seeds in this process (config may leak)")
    args = p.parse_args(argv)

    meta, golden = seed_compare.load_golden(args.golden)
    if os.path.isdir(seed_cells.DEFAULT_SEED_DIR):
        seeds = [f[:-4] for f in seed_cells.seed_files()] if args.seed == "all" else \
            [seed_cells.resolve_seed(args.seed)]
    else:  # no seed documents here: the golden file names the seeds and holds their cells
        seeds = sorted(golden) if args.seed == "all" else \
            [next(k for k in golden if k.startswith(args.seed.zfill(3)[:3]) or k == args.seed)]

    if len(seeds) > 1 and not args.in_process:
        # one fresh interpreter per seed, so config (x64, debug_nans) does not leak
        results, worst = [], 0
        for seed in seeds:
            fd, tmp = tempfile.mkstemp(suffix=".json", prefix="runseed_")
            os.close(fd)
            cmd = [sys.executable, os.path.abspath(__file__), seed, "--golden", args.golden,
                   "--json", tmp]
            for flag, val in (("--cells", args.cells), ("--skip", args.skip)):
                if val:
                    cmd += [flag, val]
            if args.timeout:
                cmd += ["--timeout", str(args.timeout)]
            if args.jax:
                cmd.append("--jax")
            if args.verbose:
                cmd.append("-v")
            rc = subprocess.run(cmd).returncode
            worst = max(worst, rc)
            try:
                with open(tmp, encoding="utf-8") as f:
                    results.extend(json.load(f))
            except (OSError, ValueError):
                results.append({"seed": seed, "failed": True, "returncode": rc})
            os.unlink(tmp)
        tot = {"MATCH": 0, "DIFF": 0, "ERROR": 0, "VOLATILE": 0, "SKIP": 0}
        for r in results:
            for k in tot:
                tot[k] += r.get("counts", {}).get(k, 0)
        print("== all seeds: %d MATCH (%d of them volatile), %d DIFF, %d ERROR, %d skipped" % (
            tot["MATCH"], tot["VOLATILE"], tot["DIFF"], tot["ERROR"], tot["SKIP"]))
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump(results, f, indent=1, ensure_ascii=False, default=str)
        return worst

    try:
        which = setup_modules(args.jax)
    except Exception as e:
        print("cannot set up the module set: %s: %s" % (type(e).__name__, e))
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump([{"seed": s, "failed": True, "error": str(e)} for s in seeds], f)
        return 2
    print("running with %s; golden recorded with jax %s" % (
        which, meta.get("recorded_with", {}).get("jax")), flush=True)
    results = []
    for seed in seeds:
        if seed not in golden:
            print("!! no golden record for %s" % seed)
            golden_cells = []
        else:
            golden_cells = golden[seed]
        results.append(run_one(seed, golden_cells, args))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, ensure_ascii=False, default=str)
    bad = sum(r["counts"]["DIFF"] + r["counts"]["ERROR"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

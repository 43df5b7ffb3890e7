"""Run the golden snippets (tests/golden_snippets.py) and compare them with real JAX.

Used three ways (nothing here imports jax or pyjax at module level):

* as a worker, in a fresh interpreter, to run some snippets under one backend::

      python scripts/snippet_compare.py --worker --backend pyjax --ids a,b,c --out F.jsonl
      /work/jaxenv/bin/python scripts/snippet_compare.py --worker --backend jax ...

  (``--backend pyjax`` calls ``pyjax.install_as_jax()`` first, so snippets say ``jax``);
* by ``record_snippet_golden.py`` (under real JAX) and ``tests/test_golden_snippets.py``
  (under pyjax) through :func:`run_snippets`, which starts one worker per snippet group;
* by the test through :func:`compare_snippet`.

A snippet runs in a fresh namespace holding ``jax``, ``jnp`` and ``np``: its ``setup`` and
``code`` are compiled together as one source (file name ``<snippet ID>``, which shows in
JAX's tracing error messages); when the last statement is an expression its value is
recorded.  A record holds the normalised stdout, warnings (``Category: message``), and
either the exception (public class name, builtin bases, message) or the value (repr, str
for arrays, and ``seed_compare.structure``: dtype / shape / weak_type / values).  After
each snippet the global config (x64, debug_nans, ...) is put back to its defaults.

Normalisation (same on both sides): hex addresses -> ``0x?``, ``object id N`` ->
``object id <id>``, paths of real files -> ``<file>`` (line numbers of real files ->
``<line>``), and the word ``pyjax`` -> ``jax``.  Snippet line numbers (``<snippet x>:3``)
are kept: they are the user's own code.
"""
from __future__ import annotations

import argparse
import builtins
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTS = os.path.join(REPO, "tests")
GOLDEN_PATH = os.path.join(TESTS, "data", "snippet_golden.json")
for _p in (HERE, TESTS):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import seed_cells  # noqa: E402
import seed_compare  # noqa: E402

# Config flags put back to these values after every snippet.
CONFIG_DEFAULTS = {
    "jax_enable_x64": False,
    "jax_debug_nans": False,
    "jax_debug_infs": False,
    "jax_disable_jit": False,
    "jax_numpy_dtype_promotion": "standard",
}

DEFAULT_TIMEOUT = 30.0     # seconds per snippet (SIGALRM in the worker)

# =========================================================================== normalising

_NORMALIZERS = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0x?"),
    (re.compile(r"object id \d+"), "object id <id>"),
    # absolute paths of real source files (site-packages, the repo, the stdlib)
    (re.compile(r"(?:/[\w.+-]+)+\.py\b"), "<file>"),
    (re.compile(r"<file>:\d+(?::\d+)?"), "<file>:<line>"),
    (re.compile(r'<file>", line \d+'), '<file>", line <line>'),
    (re.compile(r"\bpyjax\b"), "jax"),
]


def normalize(s):
    """The text with run-dependent parts (addresses, ids, real paths) replaced."""
    if s is None:
        return None
    s = s.replace("\r\n", "\n")
    for rx, rep in _NORMALIZERS:
        s = rx.sub(rep, s)
    return s


# =========================================================================== snippets

def load_snippets():
    """The snippet list, as dicts with defaults filled in, and checked for unique ids."""
    import golden_snippets
    out, seen = [], set()
    for s in golden_snippets.SNIPPETS:
        if s["id"] in seen:
            raise ValueError("duplicate snippet id %r" % s["id"])
        seen.add(s["id"])
        out.append(s)
    return out


def snippet_source(snip):
    """Setup and code as the one source that is executed."""
    parts = [p for p in (snip.get("setup") or "", snip["code"]) if p.strip()]
    return "\n".join(parts)


def snippet_filename(snip):
    return "<snippet %s>" % snip["id"]


# =========================================================================== running (worker)

def _import_backend(backend):
    if backend == "pyjax":
        import pyjax
        pyjax.install_as_jax()
    import jax
    import jax.numpy  # noqa: F401
    # make the public modules visible to seed_compare.public_exception_name
    for name in ("jax.errors", "jax.tree_util", "jax.lax"):
        try:
            __import__(name)
        except Exception:  # a missing module only affects class naming
            pass
    return jax


def _reset_config(jax):
    for name, value in CONFIG_DEFAULTS.items():
        try:
            if getattr(jax.config, name, value) != value:
                jax.config.update(name, value)
        except Exception:
            pass


def _builtin_bases(exc):
    return [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]


def describe_result(value):
    """Record of a displayed value."""
    d = {"repr": normalize(seed_compare.safe_repr(value)),
         "type": seed_compare._type_name(value)}
    if seed_compare._is_array(value) and not isinstance(value, __import__("numpy").ndarray):
        try:
            d["str"] = normalize(str(value))
        except Exception as e:
            d["str"] = "<str raised %s: %s>" % (type(e).__name__, e)
    try:
        d["structured"] = seed_compare.structure(value)
    except Exception as e:  # describing must never stop the run
        d["structured"] = {"kind": "other", "type": d["type"]}
        d["describe_error"] = "%s: %s" % (type(e).__name__, e)
    return d


def describe_error(exc):
    """Record of a raised exception."""
    try:
        msg = str(exc)
    except Exception as e:
        msg = "<str raised %s: %s>" % (type(e).__name__, e)
    if isinstance(exc, SyntaxError):
        msg = "%s (line %s)" % (exc.msg, exc.lineno)
    return {"type": seed_compare.public_exception_name(exc),
            "bases": _builtin_bases(exc),
            "message": normalize(msg)}


def run_snippet(snip, jax, timeout=DEFAULT_TIMEOUT):
    """Run one snippet in a fresh namespace; returns its record."""
    import numpy as np
    ns = {"__name__": "__main__", "__builtins__": builtins,
          "jax": jax, "jnp": sys.modules["jax.numpy"], "np": np}
    printopts = np.get_printoptions()
    t0 = time.perf_counter()
    try:
        if snip.get("x64"):
            jax.config.update("jax_enable_x64", True)
        r = seed_cells.exec_cell(snippet_source(snip), ns, snippet_filename(snip), timeout)
    finally:
        _reset_config(jax)
        np.set_printoptions(**printopts)
    rec = {"stdout": normalize(r["stdout"])}
    if r["exc"] is not None:
        rec["exception"] = describe_error(r["exc"])
    elif r["has_value"]:
        rec["result"] = describe_result(r["value"])
    rec["warnings"] = [normalize(w) for w in r["warnings"]]
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def worker(backend, ids, out_path, timeout):
    """Runs in a fresh interpreter: the given snippets, one JSON line each to out_path."""
    jax = _import_backend(backend)
    try:  # first-use effects (backend init, one-time warnings) out of the first snippet
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jax.numpy.ones(1) + 1
    except Exception:
        pass
    by_id = {s["id"]: s for s in load_snippets()}
    with open(out_path, "w", encoding="utf-8") as f:
        for sid in ids:
            rec = run_snippet(by_id[sid], jax, timeout)
            f.write(json.dumps({"id": sid, "record": rec}, ensure_ascii=False) + "\n")
            f.flush()


# =========================================================================== running (parent)

def groups_of(snippets):
    """Snippets grouped by their ``group`` field, in order."""
    groups = {}
    for s in snippets:
        groups.setdefault(s.get("group", "default"), []).append(s)
    return groups


def _run_group(python, backend, snips, timeout, group_timeout, env):
    fd, tmp = tempfile.mkstemp(suffix=".jsonl", prefix="snippets_")
    os.close(fd)
    ids = [s["id"] for s in snips]
    cmd = [python, os.path.abspath(__file__), "--worker", "--backend", backend,
           "--ids", ",".join(ids), "--out", tmp, "--timeout", str(timeout)]
    err = ""
    try:
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=group_timeout)
        if proc.returncode != 0:
            err = "worker exited with %s: %s" % (proc.returncode, proc.stderr[-3000:])
    except subprocess.TimeoutExpired as e:
        err = "worker timed out after %ss: %s" % (group_timeout, (e.stderr or b"")[-2000:])
    out = {}
    with open(tmp, encoding="utf-8") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            out[d["id"]] = d["record"]
    os.unlink(tmp)
    for sid in ids:
        if sid not in out:
            out[sid] = {"crash": err or "worker produced no record"}
    return out


def run_snippets(snippets, backend, python=None, timeout=DEFAULT_TIMEOUT, jobs=None,
                 group_timeout=600):
    """Run snippets under ``backend`` ('jax' or 'pyjax'), one fresh worker process per group
    (several at a time).  Returns {id: record}; a record of a snippet whose worker died
    is ``{"crash": reason}``."""
    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    python = python or sys.executable
    groups = list(groups_of(snippets).values())
    jobs = jobs or max(1, min(len(groups), os.cpu_count() or 2))
    results = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = [pool.submit(_run_group, python, backend, g, timeout, group_timeout, env)
                for g in groups]
        for fut in futs:
            results.update(fut.result())
    return results


# =========================================================================== comparing

def _first_lines(msg, n):
    return "\n".join((msg or "").split("\n")[:n]) if n else msg


def _text_diff(what, g, a, approx):
    if g == a:
        return []
    if approx:
        level, m = seed_compare.compare_text(g or "", a or "")
        if level != "differ":
            return []
    return ["%s differs:\n  golden: %r\n  actual: %r" % (what, g, a)]


def compare_snippet(snip, golden, actual):
    """Differences between an actual record and the golden record (empty list: match).

    Exact for exception class, builtin bases and message (only the first ``exc_lines``
    lines when the snippet sets it), repr, str, stdout and warnings; ``approx`` snippets
    compare those texts number by number with float tolerance.  Values are compared with
    ``seed_compare.compare_structured`` (dtype, shape, weak_type exact; float tolerances).
    """
    if "crash" in actual:
        return ["no result: " + actual["crash"]]
    approx = bool(snip.get("approx"))
    diffs = []
    ge, ae = golden.get("exception"), actual.get("exception")
    if ge is not None or ae is not None:
        if ge is None:
            diffs.append("raised %s: %s\n  (JAX returned %s)" % (
                ae["type"], ae["message"],
                (golden.get("result") or {}).get("repr", "no value")))
        elif ae is None:
            diffs.append("JAX raised %s: %s\n  but pyjax returned %s" % (
                ge["type"], ge["message"], (actual.get("result") or {}).get("repr", "no value")))
        else:
            if ge["type"] != ae["type"]:
                diffs.append("exception class %s vs %s" % (ge["type"], ae["type"]))
            if ge.get("bases") != ae.get("bases"):
                diffs.append("exception builtin bases %s vs %s" % (ge.get("bases"),
                                                                   ae.get("bases")))
            n = snip.get("exc_lines")
            diffs += _text_diff("exception message", _first_lines(ge["message"], n),
                                _first_lines(ae["message"], n), approx)
    gr, ar = golden.get("result"), actual.get("result")
    if gr is not None and ar is not None:
        diffs += _text_diff("repr", gr.get("repr"), ar.get("repr"), approx)
        if "str" in gr or "str" in ar:
            diffs += _text_diff("str", gr.get("str"), ar.get("str"), approx)
        for d in seed_compare.compare_structured(gr.get("structured") or {},
                                                 ar.get("structured")):
            diffs.append("value: " + d)
    elif gr is None and ar is not None and ge is None:
        diffs.append("unexpected value %s" % ar.get("repr"))
    elif gr is not None and ar is None and ae is None:
        diffs.append("no value (golden %s)" % gr.get("repr"))
    diffs += _text_diff("stdout", golden.get("stdout", ""), actual.get("stdout", ""), approx)
    if snip.get("warnings", True) and \
            (golden.get("warnings") or []) != (actual.get("warnings") or []):
        diffs.append("warnings differ:\n  golden: %r\n  actual: %r" % (
            golden.get("warnings"), actual.get("warnings")))
    return diffs


def snippet_key(snip):
    """What the golden record depends on (a stale record is detected by comparing it)."""
    return {"setup": snip.get("setup", ""), "code": snip["code"], "x64": bool(snip.get("x64"))}


def load_golden(path=GOLDEN_PATH):
    """Returns (meta, {id: {"key": ..., "record": ...}})."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data.get("_meta", {}), data["snippets"]


# =========================================================================== CLI

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", action="store_true", help="run snippets in this process")
    p.add_argument("--backend", choices=("jax", "pyjax"), default="pyjax")
    p.add_argument("--ids", help="comma-separated snippet ids (default: all)")
    p.add_argument("--out", help="worker: JSON-lines output file")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p.add_argument("--golden", default=GOLDEN_PATH)
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    snippets = load_snippets()
    ids = a.ids.split(",") if a.ids else [s["id"] for s in snippets]
    if a.worker:
        worker(a.backend, ids, a.out, a.timeout)
        return 0
    # compare mode: run under the backend and print a summary against the golden file
    wanted = set(ids)
    sel = [s for s in snippets if s["id"] in wanted]
    _, golden = load_golden(a.golden)
    results = run_snippets(sel, a.backend, timeout=a.timeout)
    bad = 0
    for s in sel:
        g = golden.get(s["id"])
        if g is None:
            print("NOGOLD %s" % s["id"])
            bad += 1
            continue
        d = compare_snippet(s, g["record"], results[s["id"]])
        if d:
            bad += 1
            print("FAIL %s" % s["id"])
            if a.verbose:
                for x in d:
                    print("    " + x.replace("\n", "\n    "))
    print("%d/%d match" % (len(sel) - bad, len(sel)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

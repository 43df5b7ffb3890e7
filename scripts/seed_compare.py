"""Describe cell results and compare them with the golden record (stdlib + numpy only).

Used by ``record_seed_golden.py`` (under real JAX) to turn each cell's displayed value
or exception into JSON, and by ``run_seed.py`` (under pyjax, or JAX) to compare a new
run with ``tests/data/seed_golden.json``.  Nothing here imports jax or pyjax: array
objects are handled by duck typing (``shape``/``dtype``/``weak_type``/``__array__``),
and typed PRNG key arrays through ``sys.modules['jax.random'].key_data``, which is
pyjax's module when ``pyjax.install_as_jax()`` has run.

A pytest file can do::

    sys.path.insert(0, "scripts")
    import seed_compare
    golden = seed_compare.load_golden()
    res = seed_compare.compare_cell(golden_cell, actual_cell)
    assert res["status"] == "MATCH", res["diffs"]

Cell records (golden and actual) have the form::

    {"index": 3, "code": "...", "stdout": "...", "seconds": 0.01,
     "result": <described value> | absent, "exception": {...} | absent,
     "warnings": [...], "volatile": [reasons]}
"""
from __future__ import annotations

import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GOLDEN_PATH = os.path.join(REPO, "tests", "data", "seed_golden.json")

MAX_VALUES = 1000          # arrays above this many elements are summarised
MAX_ITEMS = 200            # items of a list/tuple/dict described one by one
MAX_REPR = 4000            # characters of repr / messages kept
N_EDGE = 10                # first/last values kept for summarised arrays
N_SAMPLE = 40              # evenly strided values kept for summarised arrays

# tolerances: (rtol, atol) by dtype name
TOLERANCES = {
    "float64": (1e-12, 1e-12), "complex128": (1e-12, 1e-12),
    "float32": (1e-5, 1e-6), "complex64": (1e-5, 1e-6),
    "float16": (1e-3, 1e-3), "bfloat16": (1e-2, 1e-2),
}
DEFAULT_TOL = (1e-5, 1e-6)


# =========================================================================== describing

def _encode_scalar(x):
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, complex):
        return {"re": _encode_scalar(x.real), "im": _encode_scalar(x.imag)}
    if isinstance(x, (list, tuple)):
        return [_encode_scalar(v) for v in x]
    if isinstance(x, bytes):
        return x.decode("latin-1")
    return repr(x)


def encode_values(arr: np.ndarray):
    """Nested list with nan/inf as strings (complex as {"re","im"})."""
    a = np.asarray(arr)
    if a.dtype.kind not in "biufcUS?":
        try:
            a = a.astype(np.float64) if a.dtype.kind == "V" else a
        except Exception:
            pass
    return _encode_scalar(a.tolist())


def decode_values(v):
    """Inverse of encode_values: back to floats/complex (nested lists)."""
    if isinstance(v, list):
        return [decode_values(x) for x in v]
    if isinstance(v, dict) and set(v) == {"re", "im"}:
        return complex(decode_values(v["re"]), decode_values(v["im"]))
    if v == "nan":
        return float("nan")
    if v == "inf":
        return float("inf")
    if v == "-inf":
        return float("-inf")
    return v


def _type_name(obj) -> str:
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod == "builtins" else "%s.%s" % (mod, t.__qualname__)


def safe_repr(obj, limit=MAX_REPR) -> str:
    try:
        r = repr(obj)
    except Exception as e:  # a repr that raises is itself information
        r = "<repr raised %s: %s>" % (type(e).__name__, e)
    if len(r) > limit:
        r = r[:limit] + "...<%d chars>" % len(r)
    return r


def _is_array(obj) -> bool:
    if isinstance(obj, (np.ndarray, np.generic)):
        return True
    return hasattr(obj, "shape") and hasattr(obj, "dtype") and (
        hasattr(obj, "__array__") or hasattr(obj, "block_until_ready"))


def _array_kind(obj) -> str:
    if isinstance(obj, np.ndarray):
        return "numpy"
    if isinstance(obj, np.generic):
        return "numpy_scalar"
    if hasattr(obj, "block_until_ready"):
        return "jax"
    return _type_name(obj)


def _weak_type(obj):
    wt = getattr(obj, "weak_type", None)
    if isinstance(wt, (bool, np.bool_)):
        return bool(wt)
    if isinstance(obj, (np.ndarray, np.generic)):
        return None
    m = re.search(r"weak_type=(True|False)", safe_repr(obj))
    if m:
        return m.group(1) == "True"
    return False if hasattr(obj, "block_until_ready") else None


def _to_numpy(obj):
    """Values of an array as numpy; for typed PRNG keys, their key_data."""
    try:
        return np.asarray(obj), False
    except Exception:
        jr = sys.modules.get("jax.random")
        if jr is not None and hasattr(jr, "key_data"):
            return np.asarray(jr.key_data(obj)), True
        raise


def _stats(a: np.ndarray):
    flat = a.reshape(-1)
    d = {}
    if a.dtype.kind in "biuf" or a.dtype.kind == "V":
        f = flat.astype(np.float64)
        finite = f[np.isfinite(f)]
        d["sum"] = _encode_scalar(float(f.sum()))
        d["mean"] = _encode_scalar(float(f.mean())) if f.size else None
        d["abs_mean"] = _encode_scalar(float(np.abs(f).mean())) if f.size else None
        d["std"] = _encode_scalar(float(f.std())) if f.size else None
        d["min"] = _encode_scalar(float(finite.min())) if finite.size else None
        d["max"] = _encode_scalar(float(finite.max())) if finite.size else None
        d["nan_count"] = int(np.isnan(f).sum())
        d["inf_count"] = int(np.isinf(f).sum())
    elif a.dtype.kind == "c":
        c = flat.astype(np.complex128)
        d["sum"] = _encode_scalar(complex(c.sum()))
        d["abs_mean"] = _encode_scalar(float(np.abs(c).mean())) if c.size else None
    d["first"] = encode_values(flat[:N_EDGE])
    d["last"] = encode_values(flat[-N_EDGE:])
    step = max(1, flat.size // N_SAMPLE)
    d["sample_step"] = step
    d["sample"] = encode_values(flat[step // 2::step][:N_SAMPLE])
    return d


def describe_array(obj):
    d = {"kind": "array", "array_type": _array_kind(obj),
         "dtype": str(obj.dtype), "shape": list(getattr(obj, "shape", ())),
         "weak_type": _weak_type(obj)}
    try:
        block = getattr(obj, "block_until_ready", None)
        if block is not None:
            block()
        a, is_key = _to_numpy(obj)
    except Exception as e:
        d["values_error"] = "%s: %s" % (type(e).__name__, str(e)[:500])
        return d
    if is_key:
        d["key_data"] = True
        d["key_data_shape"] = list(a.shape)
    d["size"] = int(a.size)
    if a.size <= MAX_VALUES:
        d["values"] = encode_values(a)
    else:
        d["stats"] = _stats(a)
    return d


def structure(obj, depth=0):
    """A JSON-able structured form of a displayed value."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str)):
        if isinstance(obj, str) and len(obj) > MAX_REPR:
            obj = obj[:MAX_REPR]
        return {"kind": "python", "type": type(obj).__name__, "value": _encode_scalar(obj)}
    if isinstance(obj, type):
        return {"kind": "type", "name": obj.__qualname__, "module": obj.__module__}
    if _is_array(obj):
        return describe_array(obj)
    if depth < 6 and isinstance(obj, (list, tuple)):
        fields = getattr(type(obj), "_fields", None)
        d = {"kind": "sequence", "type": type(obj).__name__, "len": len(obj),
             "items": [structure(x, depth + 1) for x in list(obj)[:MAX_ITEMS]]}
        if fields is not None:
            d["fields"] = list(fields)
        return d
    if depth < 6 and isinstance(obj, dict):
        items = list(obj.items())[:MAX_ITEMS]
        return {"kind": "dict", "type": type(obj).__name__, "len": len(obj),
                "items": [[safe_repr(k, 200), structure(v, depth + 1)] for k, v in items]}
    return {"kind": "other", "type": _type_name(obj)}


def describe_value(obj):
    return {"repr": safe_repr(obj), "type": _type_name(obj), "structured": structure(obj)}


def public_exception_name(exc) -> str:
    """``jax.errors.X`` for JAX's public error classes, ``module.Qual`` otherwise,
    bare name for builtins."""
    cls = type(exc)
    name, mod = cls.__qualname__, cls.__module__
    if mod == "builtins":
        return name
    for pub in ("jax.errors", "jax", "jax.numpy", "jax.lax", "jax.random", "jax.tree_util", "jax.dtypes",
                "jax.core"):
        m = sys.modules.get(pub)
        if m is not None and getattr(m, name, None) is cls:
            return pub + "." + name
    return mod + "." + name


def describe_exception(exc):
    msg = str(exc)
    d = {"type": public_exception_name(exc),
         "class_module": type(exc).__module__,
         "message": msg if len(msg) <= MAX_REPR else msg[:MAX_REPR] + "...",
         "mro": [c.__name__ for c in type(exc).__mro__[1:] if c is not object]}
    notes = getattr(exc, "__notes__", None)
    if notes:
        d["notes"] = [str(n)[:1000] for n in notes]
    if isinstance(exc, SyntaxError):
        d["message"] = "%s (line %s)" % (exc.msg, exc.lineno)
    return d


# =========================================================================== volatility

def volatile_reasons(code: str):
    """Why a cell's output can legitimately differ from run to run."""
    reasons = []
    lines = [l for l in code.strip().split("\n") if l.strip() and not l.strip().startswith("#")]
    last = lines[-1] if lines else ""
    if re.search(r"\bid\(", last):
        reasons.append("object id")
    if re.search(r"\btime\.(time|perf_counter|monotonic)\(", code):
        reasons.append("wall-clock time")
    if re.search(r"\bobject\(\)", code):
        reasons.append("object address")
    return reasons


# =========================================================================== comparing

def _tol(dtype: str):
    return TOLERANCES.get(dtype, DEFAULT_TOL)


def _values_close(g, a, dtype):
    """Compare two encoded nested value lists; returns (ok, short message)."""
    ga = np.asarray(decode_values(g), dtype=object)
    aa = np.asarray(decode_values(a), dtype=object)
    if ga.shape != aa.shape:
        return False, "value shapes %s vs %s" % (ga.shape, aa.shape)
    gf, af = ga.reshape(-1), aa.reshape(-1)
    if gf.size == 0:
        return True, ""
    num = all(isinstance(x, (int, float, complex, bool)) for x in gf) and \
        all(isinstance(x, (int, float, complex, bool)) for x in af)
    if not num:
        bad = [i for i, (x, y) in enumerate(zip(gf, af)) if x != y]
        if bad:
            i = bad[0]
            return False, "%d/%d values differ, first at flat %d: %r vs %r" % (
                len(bad), gf.size, i, gf[i], af[i])
        return True, ""
    kind_exact = dtype.startswith(("int", "uint", "bool")) or dtype.startswith("key")
    gc = np.array(list(gf), dtype=complex if any(isinstance(x, complex) for x in gf) else float)
    ac = np.array(list(af), dtype=gc.dtype if not any(isinstance(x, complex) for x in af) else complex)
    if kind_exact:
        bad = np.nonzero(gc != ac)[0]
    else:
        rtol, atol = _tol(dtype)
        close = np.isclose(ac, gc, rtol=rtol, atol=atol, equal_nan=True)
        bad = np.nonzero(~close)[0]
    if bad.size:
        i = int(bad[0])
        err = np.abs(ac - gc)
        with np.errstate(all="ignore"):
            finite = np.isfinite(err)
            maxerr = float(err[finite].max()) if finite.any() else float("nan")
        return False, "%d/%d values differ (max abs err %.3g), first at flat %d: golden %r vs %r" % (
            bad.size, gc.size, maxerr, i, gf[i], af[i])
    return True, ""


def _num(x):
    x = decode_values(x)
    return x if isinstance(x, (int, float, complex)) else None


def _stats_close(gs, as_, dtype, n):
    rtol, atol = _tol(dtype)
    msgs = []
    scale = _num(gs.get("abs_mean")) or 0.0
    for key in ("sum", "mean", "std", "min", "max"):
        if key not in gs:
            continue
        g, a = _num(gs.get(key)), _num(as_.get(key))
        if g is None or a is None:
            if gs.get(key) != as_.get(key):
                msgs.append("%s %r vs %r" % (key, gs.get(key), as_.get(key)))
            continue
        # summaries of big arrays: allow each element 10x the dtype's tolerance,
        # measured against the array's mean magnitude
        elem = 10 * rtol * abs(scale) + atol
        if key == "sum":
            bound = elem * n
        elif key in ("min", "max"):
            bound = 10 * rtol * abs(g) + atol
        else:
            bound = elem
        if dtype.startswith(("int", "uint", "bool")):
            bound = abs(g) * 1e-12
        if not (abs(a - g) <= bound or (isinstance(g, float) and math.isnan(g) and math.isnan(a))):
            msgs.append("%s %.8g vs %.8g" % (key, g.real if isinstance(g, complex) else g,
                                             a.real if isinstance(a, complex) else a))
    for key in ("nan_count", "inf_count"):
        if gs.get(key) != as_.get(key):
            msgs.append("%s %s vs %s" % (key, gs.get(key), as_.get(key)))
    for key in ("first", "last", "sample"):
        if key in gs:
            ok, m = _values_close_loose(gs[key], as_.get(key), dtype, scale)
            if not ok:
                msgs.append("%s: %s" % (key, m))
    return (not msgs), "; ".join(msgs)


def _values_close_loose(g, a, dtype, scale):
    if a is None:
        return False, "missing"
    ok, m = _values_close(g, a, dtype)
    if ok or dtype.startswith(("int", "uint", "bool")):
        return ok, m
    rtol, atol = _tol(dtype)
    ga = np.asarray(decode_values(g), dtype=float)
    aa = np.asarray(decode_values(a), dtype=float)
    if ga.shape != aa.shape:
        return False, m
    close = np.isclose(aa, ga, rtol=rtol * 10, atol=max(atol, abs(scale) * rtol * 10), equal_nan=True)
    return bool(close.all()), m


def compare_structured(g, a, path="value"):
    """Compare two ``structure()`` forms; returns a list of difference strings."""
    if a is None:
        return ["%s: missing" % path]
    diffs = []
    if g.get("kind") != a.get("kind"):
        return ["%s: kind %s vs %s (%s vs %s)" % (path, g.get("kind"), a.get("kind"),
                                                 g.get("type", g.get("dtype")),
                                                 a.get("type", a.get("dtype")))]
    kind = g["kind"]
    if kind == "python":
        if g["type"] != a["type"]:
            diffs.append("%s: python type %s vs %s" % (path, g["type"], a["type"]))
        gv, av = g.get("value"), a.get("value")
        if g["type"] in ("float", "complex") and a["type"] in ("float", "complex", "int"):
            ok, m = _values_close([gv], [av], "float64")
            if not ok:
                diffs.append("%s: %r vs %r" % (path, gv, av))
        elif gv != av:
            diffs.append("%s: %r vs %r" % (path, gv, av))
        return diffs
    if kind == "array":
        for key in ("array_type", "dtype", "shape", "weak_type"):
            if key == "weak_type" and g.get(key) is None:
                continue
            if g.get(key) != a.get(key):
                diffs.append("%s: %s %s vs %s" % (path, key, g.get(key), a.get(key)))
        if "values_error" in a and "values_error" not in g:
            diffs.append("%s: could not read values: %s" % (path, a["values_error"]))
            return diffs
        if g.get("shape") != a.get("shape"):
            return diffs
        if "values" in g:
            if "values" not in a:
                diffs.append("%s: no values" % path)
            else:
                ok, m = _values_close(g["values"], a["values"], g.get("dtype", ""))
                if not ok:
                    diffs.append("%s: %s" % (path, m))
        elif "stats" in g:
            if "stats" not in a:
                diffs.append("%s: no stats" % path)
            else:
                ok, m = _stats_close(g["stats"], a["stats"], g.get("dtype", ""), g.get("size", 1) or 1)
                if not ok:
                    diffs.append("%s: stats differ: %s" % (path, m))
        return diffs
    if kind == "sequence":
        if g.get("type") != a.get("type"):
            diffs.append("%s: container %s vs %s" % (path, g.get("type"), a.get("type")))
        if g.get("len") != a.get("len"):
            diffs.append("%s: len %s vs %s" % (path, g.get("len"), a.get("len")))
            return diffs
        for i, (gi, ai) in enumerate(zip(g["items"], a.get("items", []))):
            diffs.extend(compare_structured(gi, ai, "%s[%d]" % (path, i)))
        return diffs
    if kind == "dict":
        if g.get("len") != a.get("len"):
            diffs.append("%s: len %s vs %s" % (path, g.get("len"), a.get("len")))
        amap = dict((k, v) for k, v in a.get("items", []))
        for k, gv in g.get("items", []):
            diffs.extend(compare_structured(gv, amap.get(k), "%s[%s]" % (path, k)))
        return diffs
    if kind == "type":
        if g.get("name") != a.get("name"):
            diffs.append("%s: class %s.%s vs %s.%s" % (path, g.get("module"), g.get("name"),
                                                     a.get("module"), a.get("name")))
        return diffs
    # "other": only the type's last component (module paths differ between jax and pyjax)
    if g.get("type", "").split(".")[-1] != a.get("type", "").split(".")[-1]:
        diffs.append("%s: type %s vs %s" % (path, g.get("type"), a.get("type")))
    return diffs


_HEX = re.compile(r"0x[0-9a-fA-F]+")
_NUM = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|\b(?:nan|inf)\b")


def normalize_text(s: str) -> str:
    return _HEX.sub("0x?", s.replace("\r\n", "\n")).rstrip()


def compare_text(g: str, a: str, rtol=1e-5, atol=1e-6):
    """Exact, else after hex-address normalisation, else number-by-number with tolerance.
    Returns (level, message): level in {"exact", "normalized", "numeric", "differ"}."""
    if g == a:
        return "exact", ""
    gn, an = normalize_text(g), normalize_text(a)
    if gn == an:
        return "normalized", ""
    gs, as_ = _NUM.split(gn), _NUM.split(an)
    gnums, anums = _NUM.findall(gn), _NUM.findall(an)
    if len(gnums) == len(anums) and [re.sub(r"\s+", " ", x) for x in gs] == \
            [re.sub(r"\s+", " ", x) for x in as_]:
        ok = True
        for x, y in zip(gnums, anums):
            fx, fy = float(x), float(y)
            if not (fx == fy or (math.isnan(fx) and math.isnan(fy)) or
                    abs(fx - fy) <= atol + rtol * abs(fx)):
                ok = False
                break
        if ok:
            return "numeric", ""
    return "differ", _first_line_diff(gn, an)


def _first_line_diff(g, a):
    gl, al = g.split("\n"), a.split("\n")
    for i in range(max(len(gl), len(al))):
        x = gl[i] if i < len(gl) else "<missing>"
        y = al[i] if i < len(al) else "<missing>"
        if x != y:
            return "line %d: golden %r vs %r" % (i + 1, x[:160], y[:160])
    return ""


def _exc_key(e):
    first = (e.get("message") or "").strip().split("\n")[0].strip()
    return e.get("type", "").split(".")[-1], first


def _strip_contents(st):
    """A structured form without its contents (values, stats): kinds, types, dtypes, shapes."""
    if isinstance(st, dict):
        return {k: _strip_contents(v) for k, v in st.items()
                if k not in ("value", "values", "stats", "size", "values_error")}
    if isinstance(st, list):
        return [_strip_contents(x) for x in st]
    return st


_PYJAX_NAME = re.compile(r"\bpyjax\b")


def _norm_msg(s):
    """Exception messages: hex addresses normalised, and 'pyjax' read as 'jax' (a module
    installed as jax still has its own __name__ in messages like "module 'pyjax.numpy'
    has no attribute ...")."""
    return _PYJAX_NAME.sub("jax", normalize_text(s))


def compare_cell(golden, actual):
    """Compare one actual cell record with its golden record.

    Returns {"status": "MATCH"|"DIFF"|"ERROR", "diffs": [...], "volatile_diffs": [...],
             "repr_equal": bool|None, "stdout": level, "volatile": [...]}.
    ERROR means the cell raised where JAX did not.  For cells marked volatile (object
    ids, wall-clock times) differences in displayed values and stdout are listed in
    ``volatile_diffs`` and do not make the cell a DIFF; exceptions, kinds, types, dtypes
    and shapes still count."""
    diffs, soft = [], []
    volatile = list(golden.get("volatile") or [])
    out = {"index": golden.get("index"), "volatile": volatile, "volatile_diffs": soft}
    ge, ae = golden.get("exception"), actual.get("exception")
    if ge is not None or ae is not None:
        if ge is None:
            out["status"] = "ERROR"
            out["diffs"] = ["raised %s: %s" % (ae.get("type"), (ae.get("message") or "").split("\n")[0][:300])]
            out["repr_equal"] = None
            return out
        if ae is None:
            diffs.append("JAX raised %s: %s, but no exception" % (
                ge.get("type"), (ge.get("message") or "").split("\n")[0][:200]))
        else:
            gk, ak = _exc_key(ge), _exc_key(ae)
            if gk[0] != ak[0]:
                diffs.append("exception class %s vs %s" % (ge.get("type"), ae.get("type")))
            if _norm_msg(gk[1]) != _norm_msg(ak[1]):
                diffs.append("exception message: golden %r vs %r" % (gk[1][:200], ak[1][:200]))
    gr, ar = golden.get("result"), actual.get("result")
    if gr is not None or ar is not None:
        if gr is None:
            diffs.append("unexpected displayed value %s" % (ar.get("repr", "")[:100]))
        elif ar is None:
            if ae is None:
                diffs.append("no displayed value (golden %s)" % gr.get("repr", "")[:100])
        else:
            gs, as_ = gr.get("structured") or {}, ar.get("structured")
            full = compare_structured(gs, as_)
            if volatile and full:
                hard = compare_structured(_strip_contents(gs), _strip_contents(as_))
                diffs.extend(hard)
                soft.extend(d for d in full if d not in hard)
            else:
                diffs.extend(full)
        out["repr_equal"] = bool(gr and ar and gr.get("repr") == ar.get("repr"))
    else:
        out["repr_equal"] = None
    level, msg = compare_text(golden.get("stdout", ""), actual.get("stdout", ""))
    out["stdout"] = level
    if level == "differ":
        (soft if volatile else diffs).append("stdout " + msg)
    out["warnings_equal"] = (golden.get("warnings") or []) == (actual.get("warnings") or [])
    out["diffs"] = diffs
    out["status"] = "MATCH" if not diffs else "DIFF"
    return out


# =========================================================================== files

def load_golden(path=GOLDEN_PATH):
    """Returns (meta, {seed: [cells]})."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    meta = data.pop("_meta", {})
    return meta, data


def golden_seed(seed, path=GOLDEN_PATH):
    meta, data = load_golden(path)
    for k in data:
        if k == seed or k.startswith(seed):
            return data[k]
    raise KeyError(seed)


# =========================================================================== running

def execute_seed(seed, cells, timeout=None, on_cell=None, skip=(), stop_after=None):
    """Run ``cells`` (from seed_cells.extract_seed) in order in one fresh namespace.

    numpy's global RNG is seeded with 0 first, so cells that draw from ``np.random``
    get the same inputs under JAX and under pyjax.  Returns the list of cell records;
    ``on_cell(record)`` is called after each cell.
    """
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import seed_cells

    np.random.seed(0)
    ns = seed_cells.fresh_namespace()
    records = []
    for cell in cells:
        idx = cell["index"]
        if stop_after is not None and idx > stop_after:
            break
        rec = {"index": idx, "line": cell.get("line"), "code": cell["code"],
               "volatile": volatile_reasons(cell["code"])}
        if idx in skip:
            rec["skipped"] = True
            records.append(rec)
            if on_cell:
                on_cell(rec)
            continue
        r = seed_cells.exec_cell(cell["code"], ns, seed_cells.cell_filename(seed, idx), timeout)
        rec["stdout"] = r["stdout"] if len(r["stdout"]) <= 20000 else r["stdout"][:20000] + "...<truncated>"
        if r["exc"] is not None:
            rec["exception"] = describe_exception(r["exc"])
        elif r["has_value"]:
            try:
                rec["result"] = describe_value(r["value"])
            except Exception as e:  # describing must never stop the seed
                rec["result"] = {"repr": safe_repr(r["value"]), "type": _type_name(r["value"]),
                                 "structured": {"kind": "other", "type": _type_name(r["value"])},
                                 "describe_error": "%s: %s" % (type(e).__name__, e)}
            if r["suppressed"]:
                rec["result"]["suppressed"] = True
        if r["warnings"]:
            rec["warnings"] = r["warnings"][:20]
        rec["seconds"] = round(r["seconds"], 6)
        records.append(rec)
        if on_cell:
            on_cell(rec)
    return records


def dumps_pretty(obj, indent=1, _level=0):
    """JSON, pretty-printed, but with lists of numbers (array values) kept on one line."""
    pad = " " * (indent * (_level + 1))
    end = " " * (indent * _level)

    def flat(x):
        return not isinstance(x, (dict, list)) or (
            isinstance(x, list) and all(flat(y) for y in x))

    if isinstance(obj, dict):
        if not obj:
            return "{}"
        parts = ["%s%s: %s" % (pad, json.dumps(k, ensure_ascii=False),
                                dumps_pretty(v, indent, _level + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(parts) + "\n" + end + "}"
    if isinstance(obj, list):
        if flat(obj):
            return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
        parts = [pad + dumps_pretty(v, indent, _level + 1) for v in obj]
        return "[\n" + ",\n".join(parts) + "\n" + end + "]"
    return json.dumps(obj, ensure_ascii=False)

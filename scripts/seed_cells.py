"""Extract the code cells of the seed documents (stdlib only; imports neither jax nor pyjax).

The four seeds in ``shared/seeds`` come in four formats:

* ``000``: MyST markdown, cells in ```` ```{code-cell} ```` fences (cell options such as
  ``:tags: [raises-exception]`` are dropped);
* ``001``: a notebook exported to text: ``In [N]:`` then the code, then the output.  The cell
  is the code up to the first blank line that is followed by something that is not code
  (output text, an error message, markdown) or by the next ``In [N]:``;
* ``002``: lecture slides, code in ```` ```python ```` fences.  ``sh`` fences and bare
  fences that are not Python are output listings and are skipped; output pasted *inside*
  a python fence (after a ``print``/expression, a ``Traceback``) is cut; ``>>>`` REPL
  listings become one cell per prompt;
* ``003``: an ``.ipynb`` JSON notebook.

IPython syntax is normalised: ``!shell`` and ``%matplotlib`` lines are dropped,
``%time X``/``%timeit X`` become ``X``, ``%%time``/``%%timeit`` cells become their body.

Usage::

    from seed_cells import extract_all, extract_seed
    cells = extract_seed("001")          # list of {"seed", "index", "code", "line", ...}

    python scripts/seed_cells.py [SEED] [--json]    # print the cells

``install_matplotlib_stub()`` puts a tiny fake ``matplotlib`` (and ``matplotlib.pyplot``)
in ``sys.modules`` whose functions accept anything, so plotting cells run without
matplotlib and display nothing.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import textwrap
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SEED_DIR = os.environ.get(
    "PYJAX_SEED_DIR", os.path.join(os.path.dirname(REPO), "shared", "seeds"))


# --------------------------------------------------------------------------- utilities

def _parses(src: str) -> bool:
    try:
        ast.parse(src)
        return True
    except SyntaxError:
        return False


_TIMEIT_OPT = re.compile(r"^(?:-[nrp]\s*\d+|-[oqc])\s+")


def normalize_ipython(code: str) -> str:
    """Turn IPython-flavoured cell text into plain Python."""
    lines = code.split("\n")
    # cell magics: only meaningful on the first non-empty line
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is not None:
        s = lines[first].strip()
        m = re.match(r"^%%(time|timeit|capture)\b(.*)$", s)
        if m:
            rest = m.group(2).strip()
            if m.group(1) == "timeit":
                while True:
                    mm = _TIMEIT_OPT.match(rest + " ")
                    if not mm or not rest:
                        break
                    rest = (rest + " ")[mm.end():].strip()
            # ``%%timeit setup`` puts a setup statement on the magic line
            lines[first] = rest if (m.group(1) == "timeit" and rest) else None
    out = []
    for line in lines:
        if line is None:
            continue
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("!"):
            continue
        if stripped.startswith("%%"):
            continue
        if stripped.startswith("%"):
            m = re.match(r"^%(time|timeit|prun|memit)\s+(.*)$", stripped)
            if m:
                rest = m.group(2)
                if m.group(1) == "timeit":
                    while True:
                        mm = _TIMEIT_OPT.match(rest)
                        if not mm:
                            break
                        rest = rest[mm.end():]
                out.append(indent + rest)
            # %matplotlib and every other line magic: dropped
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _strip_myst_options(body: list[str]) -> list[str]:
    """Drop ``:key: value`` option lines (and a ``---`` yaml header) at the top of a cell."""
    i = 0
    if body and body[0].strip() == "---":
        j = 1
        while j < len(body) and body[j].strip() != "---":
            j += 1
        i = j + 1
    while i < len(body) and re.match(r"^:[\w-]+:", body[i].strip()):
        i += 1
    if i and i < len(body) and not body[i].strip():
        i += 1
    return body[i:]


def _make_cell(seed, index, code, line, **extra):
    cell = {"seed": seed, "index": index, "code": code, "line": line}
    cell["parses"] = _parses(code)
    cell.update(extra)
    return cell


# --------------------------------------------------------------------------- 000: MyST

def extract_myst(text: str):
    lines = text.split("\n")
    cells = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})\{code-cell\}", lines[i])
        if not m:
            i += 1
            continue
        fence = m.group(2)
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        body = _strip_myst_options(lines[start:j])
        raw = "\n".join(body)
        code = normalize_ipython(raw)
        if code.strip():
            cells.append((code, start + 1, {"raw": raw}))
        i = j + 1
    return cells


# --------------------------------------------------------------------------- 001: exported notebook

_IN_MARK = re.compile(r"^In \[\s*\d*\s*\]:\s*$")


def _paragraphs(lines):
    """Split lines into (n_blank_before, [lines]) paragraphs."""
    paras = []
    blanks = 0
    cur = []
    for line in lines:
        if line.strip():
            cur.append(line)
        else:
            if cur:
                paras.append((blanks, cur))
                cur = []
                blanks = 0
            blanks += 1
    if cur:
        paras.append((blanks, cur))
    return paras


def extract_exported_notebook(text: str):
    lines = text.split("\n")
    marks = [i for i, l in enumerate(lines) if _IN_MARK.match(l)]
    cells = []
    for k, m in enumerate(marks):
        end = marks[k + 1] if k + 1 < len(marks) else len(lines)
        paras = _paragraphs(lines[m + 1:end])
        if not paras:
            continue
        code_paras = [paras[0][1]]
        for blanks, para in paras[1:]:
            if para[0].lstrip().startswith("#") and blanks >= 2:
                break  # a markdown heading after the output
            candidate = "\n\n".join("\n".join(p) for p in code_paras + [para])
            if not _parses(normalize_ipython(candidate)):
                break  # output text / error message / markdown: the cell ends here
            norm = normalize_ipython("\n".join(para)).split("\n")
            if norm and norm[0].strip() and _looks_like_output(norm):
                break
            code_paras.append(para)
        raw = "\n\n".join("\n".join(p) for p in code_paras)
        code = normalize_ipython(raw)
        if code.strip():
            cells.append((code, m + 2, {"raw": raw, "prompt": lines[m].strip()}))
    return cells


# --------------------------------------------------------------------------- 002: slides

_FENCE_OPEN = re.compile(r"^(\s*)(?:[*+-]\s+)?(`{3,})\s*([\w+-]*)\s*(\[[^\]]*\])?\s*$")


def _looks_like_output(para_lines) -> bool:
    """Is this run of lines (following a print/expression) printed output rather than code?"""
    text = "\n".join(para_lines)
    first = para_lines[0].strip()
    if first == "..." or first.startswith("Traceback (most recent call last)"):
        return True
    try:
        tree = ast.parse(textwrap.dedent(text) if not para_lines[0][:1].isspace() else text)
    except SyntaxError:
        return True
    if len(tree.body) == 1:
        node = tree.body[0]
        if isinstance(node, ast.Expr):
            try:
                ast.literal_eval(node.value)
                return True
            except (ValueError, SyntaxError, TypeError):
                pass
            if "Array(" in text or "dtype=" in text:
                return True
        if isinstance(node, ast.AnnAssign) and node.value is None and \
                isinstance(node.annotation, ast.Constant):
            return True  # e.g. ``gpu:0``
    return False


def _displays(stmt) -> bool:
    """Would a notebook/REPL show output after this statement (print call or bare expression)?"""
    if isinstance(stmt, ast.Expr):
        return True
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            return True
    return False


def strip_embedded_output(lines):
    """Cut output pasted into a code listing (after print()/expressions, tracebacks)."""
    kept = []
    j = 0
    n = len(lines)
    while j < n:
        line = lines[j]
        if line.startswith("Traceback (most recent call last)"):
            break
        if line.strip() and not line[:1].isspace() and kept:
            src = "\n".join(kept)
            try:
                tree = ast.parse(src)
            except SyntaxError:
                tree = None
            if tree is not None and tree.body and _displays(tree.body[-1]):
                k = j
                while k < n and lines[k].strip():
                    k += 1
                if _looks_like_output(lines[j:k]):
                    j = k
                    continue
        kept.append(line)
        j += 1
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _split_repl(lines):
    """``>>>`` listings: one cell per prompt, output lines dropped."""
    stmts = []
    for line in lines:
        if line.startswith(">>>"):
            stmts.append([line[4:] if line.startswith(">>> ") else line[3:]])
        elif line.startswith("...") and stmts and (line == "..." or line.startswith("... ")):
            stmts[-1].append(line[4:])
    return ["\n".join(s) for s in stmts]


def extract_markdown_fences(text: str):
    lines = text.split("\n")
    cells = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        body = lines[i + 1:j]
        if indent:
            body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in body]
        start_line = i + 2
        i = j + 1
        if lang not in ("python", "py", "python3", "ipython", "ipython3", ""):
            continue  # sh / console / text: output or shell listings
        raw = "\n".join(body).strip("\n")
        if not raw.strip():
            continue
        if any(l.startswith(">>>") for l in body):
            for stmt in _split_repl(body):
                code = normalize_ipython(stmt)
                if code.strip():
                    cells.append((code, start_line, {"raw": raw, "repl": True}))
            continue
        if lang == "" and not _parses(normalize_ipython(raw)):
            continue  # bare fence holding an output listing
        code = normalize_ipython("\n".join(strip_embedded_output(raw.split("\n"))))
        if code.strip():
            cells.append((code, start_line, {"raw": raw}))
    return cells


# --------------------------------------------------------------------------- 003: ipynb

def extract_ipynb(text: str):
    nb = json.loads(text)
    cells = []
    for k, c in enumerate(nb.get("cells", [])):
        if c.get("cell_type") != "code":
            continue
        src = c.get("source", "")
        raw = "".join(src) if isinstance(src, list) else src
        code = normalize_ipython(raw)
        if code.strip():
            cells.append((code, k, {"raw": raw, "cell_id": c.get("metadata", {}).get("id") or c.get("id")}))
    return cells


# --------------------------------------------------------------------------- dispatch

def seed_files(seed_dir: str = DEFAULT_SEED_DIR):
    return sorted(f for f in os.listdir(seed_dir)
                  if re.match(r"^\d{3}_.*\.txt$", f))


def resolve_seed(name: str, seed_dir: str = DEFAULT_SEED_DIR) -> str:
    """'1', '001', '001_9a6e...' or a file name -> the seed's file stem."""
    base = os.path.basename(name)
    if base.endswith(".txt"):
        base = base[:-4]
    files = [f[:-4] for f in seed_files(seed_dir)]
    if base in files:
        return base
    if base.isdigit():
        base = "%03d" % int(base)
    hits = [f for f in files if f.startswith(base)]
    if len(hits) != 1:
        raise KeyError("unknown or ambiguous seed %r (have %s)" % (name, ", ".join(files)))
    return hits[0]


def detect_format(text: str) -> str:
    s = text.lstrip()
    if s.startswith("{") and '"cells"' in s[:2000] or s.startswith('{\n "cells"'):
        return "ipynb"
    if "{code-cell}" in text:
        return "myst"
    if re.search(r"^In \[\s*\d*\s*\]:\s*$", text, re.M):
        return "exported"
    return "markdown"


_EXTRACTORS = {
    "ipynb": extract_ipynb,
    "myst": extract_myst,
    "exported": extract_exported_notebook,
    "markdown": extract_markdown_fences,
}


def extract_seed(name: str, seed_dir: str = DEFAULT_SEED_DIR, with_raw: bool = False):
    seed = resolve_seed(name, seed_dir)
    with open(os.path.join(seed_dir, seed + ".txt"), encoding="utf-8") as f:
        text = f.read()
    fmt = detect_format(text)
    out = []
    for idx, (code, line, extra) in enumerate(_EXTRACTORS[fmt](text)):
        if not with_raw:
            extra = {k: v for k, v in extra.items() if k != "raw"}
        out.append(_make_cell(seed, idx, code, line, format=fmt, **extra))
    return out


def extract_all(seed_dir: str = DEFAULT_SEED_DIR, with_raw: bool = False):
    return {f[:-4]: extract_seed(f[:-4], seed_dir, with_raw) for f in seed_files(seed_dir)}


# --------------------------------------------------------------------------- running helpers

def install_matplotlib_stub():
    """Put a fake, do-nothing ``matplotlib``/``matplotlib.pyplot`` in ``sys.modules``.

    Every attribute is a stub whose calls accept anything and return another stub;
    ``subplots`` returns ``(figure, axes)``.  Plotting calls convert their positional
    array arguments with ``numpy.asarray`` (as matplotlib would), so a conversion
    problem still shows up, but nothing is drawn or displayed.
    """
    try:
        import numpy as _np
    except ImportError:  # pragma: no cover
        _np = None

    class _Stub:
        def __init__(self, name="stub"):
            self._name = name

        def __call__(self, *args, **kwargs):
            if _np is not None and self._name.split(".")[-1] in _PLOTTERS:
                for a in args:
                    if not isinstance(a, (str, bytes)) and a is not None:
                        _np.asarray(a)
            return _Stub(self._name + "()")

        def __getattr__(self, attr):
            if attr.startswith("__") and attr.endswith("__"):
                raise AttributeError(attr)
            return _Stub(self._name + "." + attr)

        def __iter__(self):
            return iter(())

        def __getitem__(self, item):
            return _Stub(self._name + "[]")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def __repr__(self):
            return "<matplotlib stub %s>" % self._name

    _PLOTTERS = {"plot", "scatter", "hist", "bar", "imshow", "contour", "contourf",
                 "fill_between", "semilogy", "semilogx", "loglog", "errorbar", "step",
                 "pcolormesh", "plot_surface", "plot_wireframe"}

    class _Module(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__") and attr.endswith("__"):
                raise AttributeError(attr)
            return _Stub(self.__name__ + "." + attr)

    mpl = _Module("matplotlib")
    mpl.__version__ = "0.0-stub"
    mpl.__path__ = []
    mpl.__file__ = "<matplotlib stub>"
    mpl.use = lambda *a, **k: None
    mpl.rcParams = {}
    plt = _Module("matplotlib.pyplot")
    plt.__file__ = "<matplotlib stub>"

    def subplots(nrows=1, ncols=1, *args, **kwargs):
        return _Stub("figure"), _Stub("axes")

    plt.subplots = subplots
    plt.show = lambda *a, **k: None
    plt.close = lambda *a, **k: None
    plt.figure = lambda *a, **k: _Stub("figure")
    mpl.pyplot = plt
    sys.modules["matplotlib"] = mpl
    sys.modules["matplotlib.pyplot"] = plt
    for sub in ("cm", "colors", "ticker", "animation"):
        m = _Module("matplotlib." + sub)
        setattr(mpl, sub, m)
        sys.modules["matplotlib." + sub] = m
    return mpl


class CellTimeout(Exception):
    """Raised inside a cell that ran past its time limit."""


def exec_cell(code, ns, filename="<cell>", timeout=None):
    """Run one cell in namespace ``ns`` like a notebook would.

    Returns {"has_value", "value", "suppressed", "exc", "stdout", "warnings", "seconds"}:
    the value of the last statement when it is an expression (``suppressed`` when the
    cell ends with ``;``), or the exception raised (SyntaxError included).
    """
    import contextlib
    import io
    import signal
    import time
    import warnings

    res = {"has_value": False, "value": None, "suppressed": False, "exc": None,
           "stdout": "", "warnings": [], "seconds": 0.0}
    buf = io.StringIO()
    t0 = time.perf_counter()
    old_handler = None
    if timeout:
        def _alarm(signum, frame):
            raise CellTimeout("cell ran longer than %ss" % timeout)
        old_handler = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings(record=True) as wlist, contextlib.redirect_stdout(buf):
            warnings.simplefilter("always")
            try:
                tree = ast.parse(code, filename, "exec")
                last = None
                if tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                    res["suppressed"] = code.rstrip().endswith(";")
                exec(compile(tree, filename, "exec"), ns)
                if last is not None:
                    res["value"] = eval(compile(last, filename, "eval"), ns)
                    res["has_value"] = True
            except BaseException as e:  # noqa: BLE001 - a cell may raise anything
                if isinstance(e, KeyboardInterrupt):
                    raise
                res["exc"] = e
            res["warnings"] = ["%s: %s" % (w.category.__name__, w.message) for w in wlist]
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        res["seconds"] = time.perf_counter() - t0
        res["stdout"] = buf.getvalue()
    return res


def cell_filename(seed, index):
    """The file name cells are compiled under (it shows in JAX's tracing error messages)."""
    return "<seed %s cell %d>" % (seed[:3], index)


def fresh_namespace():
    import builtins
    return {"__name__": "__main__", "__builtins__": builtins}


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("seed", nargs="?", help="seed number or name (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--raw", action="store_true", help="include the raw (un-normalised) text")
    a = p.parse_args(argv)
    data = ({resolve_seed(a.seed): extract_seed(a.seed, with_raw=a.raw)} if a.seed
            else extract_all(with_raw=a.raw))
    if a.json:
        print(json.dumps(data, indent=1, ensure_ascii=False))
        return
    for seed, cells in data.items():
        print("#" * 78)
        print("# %s: %d cells" % (seed, len(cells)))
        for c in cells:
            flag = "" if c["parses"] else "   [does not parse]"
            print("# ---- cell %d (line %d)%s" % (c["index"], c["line"], flag))
            print(c["code"])


if __name__ == "__main__":
    main()

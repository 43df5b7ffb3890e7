"""The import rules of DESIGN.md: arrows point down only, llvmlite only in the compiler, public
modules hold no logic."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "pyjax"
SRC = ROOT / "_src"

# Modules (relative to pyjax/_src) and the pyjax._src packages/modules they must not import.
FORBIDDEN = {
    "config.py": ["core", "array", "api", "numpy", "primitives", "interpreters", "compiler"],
    "dtypes.py": ["core", "array", "api", "numpy", "primitives", "interpreters", "compiler"],
    "tree.py": ["core", "array", "api", "numpy", "primitives", "interpreters", "compiler"],
    "core.py": ["array", "api", "numpy", "primitives", "interpreters", "compiler", "lax"],
    "primitives": ["numpy", "api", "ad_api", "vmap_api", "compiler", "random"],
    "interpreters": ["numpy", "api", "ad_api", "compiler"],
    "numpy": ["compiler"],
    "lax.py": ["numpy", "api", "compiler"],
    # The compiler sees jaxprs and primitive objects only: it never traces.
    "compiler": ["api", "numpy", "lax", "ad_api", "vmap_api", "random"],
}
# The pytree layer is tree.py plus its tree_*.py modules: they obey the same rule.
FORBIDDEN.update({p.name: FORBIDDEN["tree.py"] for p in SRC.glob("tree_*.py")})


def _imports(path):
    """Every module name imported by the file (top level and inside functions)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _files(target):
    path = SRC / target
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("target", sorted(FORBIDDEN))
def test_arrows_point_down(target):
    bad = []
    for f in _files(target):
        for name in _imports(f):
            for forbidden in FORBIDDEN[target]:
                prefix = f"pyjax._src.{forbidden}"
                if name == prefix or name.startswith(prefix + "."):
                    bad.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_only_the_compiler_imports_llvmlite():
    offenders = [str(f.relative_to(ROOT)) for f in ROOT.rglob("*.py")
                 if "compiler" not in f.parts and any(
                     n == "llvmlite" or n.startswith("llvmlite.") for n in _imports(f))]
    assert not offenders


PUBLIC = [p for p in ROOT.rglob("*.py")
          if "_src" not in p.parts and p.name not in ("__main__.py", "demo.py")]


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: str(p.relative_to(ROOT)))
def test_public_modules_only_reexport(path):
    """Public modules hold imports, aliases and constants; logic lives in pyjax/_src."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr,
                                 ast.AnnAssign)), (
            f"{path.relative_to(ROOT)}:{node.lineno} defines logic ({type(node).__name__})")

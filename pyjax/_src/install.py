"""Make ``import jax...`` resolve to pyjax, for running unmodified JAX programs."""
import importlib
import importlib.abc
import importlib.util
import sys


class _JaxAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``jax`` and ``jax.x.y`` as the modules ``pyjax`` and ``pyjax.x.y``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "jax" and not fullname.startswith("jax."):
            return None
        target_name = "pyjax" + fullname[3:]
        if importlib.util.find_spec(target_name) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module("pyjax" + spec.name[3:])

    def exec_module(self, module):
        pass


_finder = _JaxAliasFinder()


def install_as_jax():
    """Alias pyjax as ``jax`` in this interpreter (``import jax`` then imports pyjax).

    Modules already imported as ``pyjax.*`` are registered under their ``jax.*`` names too.
    """
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name, module in list(sys.modules.items()):
        if name == "pyjax" or name.startswith("pyjax."):
            sys.modules.setdefault("jax" + name[5:], module)

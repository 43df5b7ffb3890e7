"""``Partial``: a ``functools.partial`` that is a pytree (``jax.tree_util.Partial``).

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
"""

from __future__ import annotations

import functools

from pyjax._src.tree_registration import register_pytree_node


class _HashableCallableShim:
    """Object that delegates __call__, __hash__, and __eq__ to another object."""

    def __init__(self, fun):
        self.fun = fun

    def __call__(self, *args, **kw):
        return self.fun(*args, **kw)

    def __hash__(self):
        return hash(self.fun)

    def __eq__(self, other):
        if isinstance(other, _HashableCallableShim):
            return self.fun == other.fun
        return self.fun == other

    def __repr__(self):
        return f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
    """A ``functools.partial`` that is a pytree: ``args`` and ``keywords`` are
    children (leaves), ``func`` is static aux data."""

    def __new__(klass, func, *args, **kw):
        # functools.partial would merge the arguments of a partial ``func`` into
        # this one; box it so that exactly our arguments are pytree children.
        if isinstance(func, functools.partial):
            original_func = func
            func = _HashableCallableShim(original_func)
            out = super().__new__(klass, func, *args, **kw)
            func.func = original_func.func
            func.args = original_func.args
            func.keywords = original_func.keywords
            return out
        return super().__new__(klass, func, *args, **kw)


register_pytree_node(
    Partial,
    lambda partial_: ((partial_.args, partial_.keywords), partial_.func),
    lambda func, xs: Partial(func, *xs[0], **xs[1]),
)

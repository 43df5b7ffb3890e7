"""PyTreeDef and the public flatten/unflatten API (tree_flatten, tree_unflatten, ...).

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
The node representation is described in ``tree_node``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from itertools import islice
from typing import Any

from pyjax._src.tree_node import (
    _K_DICT,
    _K_LEAF,
    _K_LIST,
    _K_NONE,
    _K_NT,
    _K_TUPLE,
    _LEAF,
    _check_count,
    _flat,
    _flat_pred,
    _flatteners,
    _kind_of,
    _kinds,
    _leaf_types,
    _make_node,
    _node_kind,
    _one_level,
    _resolve,
    _unflatten,
    _up_to,
)

Leaf = Any
PyTree = Any

# ---------------------------------------------------------------------------
# PyTreeDef
# ---------------------------------------------------------------------------


def _node_str(node):
    kind, aux, children, _, _ = node
    if kind is _K_LEAF:
        return "*"
    parts = [_node_str(c) for c in children]
    if kind is _K_NONE:
        return "None"
    if kind is _K_TUPLE:
        if len(parts) == 1:
            return f"({parts[0]},)"
        return "(" + ", ".join(parts) + ")"
    if kind is _K_LIST:
        return "[" + ", ".join(parts) + "]"
    if kind is _K_DICT:
        return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(aux, parts)) + "}"
    if kind is _K_NT:
        name, data = "namedtuple", f"[{aux.__name__}]"
    else:
        name, data = str(kind.type.__name__), f"[{aux}]"
    return f"CustomNode({name}{data}, [{', '.join(parts)}])"


def _num_nodes(node):
    if node[4]:
        return 1 + len(node[2])
    return 1 + sum([_num_nodes(c) for c in node[2]])


def _struct_hash(node):
    """Hash ignoring custom aux data (fallback when aux is unhashable)."""
    kind, aux, children, _, _ = node
    if kind is _K_DICT or kind is _K_NT:
        extra = aux
    else:
        extra = None
    return hash((kind, extra, tuple([_struct_hash(c) for c in children])))


def _compose(node, inner):
    kind, aux, children, n, flat = node
    if kind is _K_LEAF:
        return inner
    ch = tuple([_compose(c, inner) for c in children])
    return _make_node(kind, aux, ch, n * inner[3])


def _walk(node, f_node, f_leaf, it):
    kind, aux, children, _, _ = node
    if kind is _K_LEAF:
        try:
            leaf = next(it)
        except StopIteration:
            raise ValueError("Too few leaves for PyTreeDef") from None
        return leaf if f_leaf is None else f_leaf(leaf)
    vals = tuple([_walk(c, f_node, f_leaf, it) for c in children])
    if kind is _K_DICT:
        data = list(aux)
    elif kind is _K_NT:
        data = aux
    elif kind is _K_NONE or kind is _K_TUPLE or kind is _K_LIST:
        data = None
    else:
        data = aux
    return f_node(vals, data)


def _from_iterable(node, xs):
    kind, aux, children, _, _ = node
    if kind is _K_LEAF:
        return xs
    ys = list(xs)
    if len(ys) != len(children):
        raise ValueError("Arity mismatch between trees")
    vals = [_from_iterable(c, y) for c, y in zip(children, ys)]
    return kind.make(aux, vals)


def _node_data(node):
    kind, aux = node[0], node[1]
    if kind is _K_LEAF:
        return None
    if kind is _K_NONE:
        return (type(None), None)
    if kind is _K_TUPLE:
        return (tuple, None)
    if kind is _K_LIST:
        return (list, None)
    if kind is _K_DICT:
        return (dict, list(aux))
    if kind is _K_NT:
        return (aux, None)
    return (kind.type, aux)


_object_new = object.__new__


class PyTreeDef:
    """The structure of a pytree (mirrors ``jax.tree_util.PyTreeDef``)."""

    __slots__ = ("_node", "_hash", "__weakref__")

    def __init__(self, *args, **kwargs):
        raise TypeError(
            "PyTreeDef objects cannot be constructed directly; use "
            "jax.tree_util.tree_structure or treedef_tuple."
        )

    # -- properties -----------------------------------------------------------
    @property
    def num_leaves(self) -> int:
        return self._node[3]

    @property
    def num_nodes(self) -> int:
        return _num_nodes(self._node)

    # -- comparison -----------------------------------------------------------
    def __eq__(self, other):
        if self is other:
            return True
        if type(other) is not PyTreeDef:
            return NotImplemented
        a, b = self._node, other._node
        return a is b or a == b

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        h = self._hash
        if h is None:
            try:
                h = hash(self._node)
            except TypeError:
                h = _struct_hash(self._node)
            self._hash = h
        return h

    def __repr__(self):
        return f"PyTreeDef({_node_str(self._node)})"

    __str__ = __repr__

    def __reduce__(self):
        return (_treedef_from_pickle, (self._node,))

    # -- methods --------------------------------------------------------------
    def unflatten(self, leaves: Iterable[Any]) -> Any:
        node = self._node
        n = node[3]
        if type(leaves) is list:
            if len(leaves) != n:
                _check_count(n, len(leaves))
            if node[0] is _K_LIST and node[4]:
                return list(leaves)
        elif type(leaves) is tuple:
            if len(leaves) != n:
                _check_count(n, len(leaves))
            leaves = list(leaves)
        else:
            leaves = list(islice(leaves, n + 1))
            if len(leaves) != n:
                _check_count(n, len(leaves))
        return _unflatten(node, leaves)

    def flatten_up_to(self, xs: Any) -> list[Any]:
        node = self._node
        if node is _LEAF:
            return [xs]
        out = []
        _up_to(node, xs, out)
        out.reverse()
        return out

    def children(self) -> list[PyTreeDef]:
        return [_treedef_from_node(c) for c in self._node[2]]

    def node_data(self):
        """None for a leaf, else ``(type, node_data)``."""
        return _node_data(self._node)

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        return _treedef_from_node(_compose(self._node, inner._node))

    def walk(self, f_node, f_leaf, leaves):
        """Walks the pytree calling ``f_node(children, node_data)`` at nodes and
        ``f_leaf`` at leaves."""
        it = iter(leaves)
        out = _walk(self._node, f_node, f_leaf, it)
        for _ in it:
            raise ValueError("Too many leaves for PyTreeDef")
        return out

    def from_iterable_tree(self, xs):
        return _from_iterable(self._node, xs)

    @staticmethod
    def make_from_node_data_and_children(registry, node_data, children):
        """Inverse of ``node_data()`` / ``children()``."""
        ch = tuple([c._node for c in children])
        nl = sum([c[3] for c in ch])
        if node_data is None:
            return _treedef_from_node(_LEAF)
        typ, data = node_data
        if (
            isinstance(typ, type)
            and issubclass(typ, tuple)
            and hasattr(typ, "_fields")
            and typ not in _kinds
        ):
            return _treedef_from_node(_make_node(_K_NT, typ, ch, nl))
        kind = _kinds.get(typ)
        if kind is None:
            raise ValueError(f"Could not find type: {typ!r}.")
        if kind is _K_DICT:
            data = tuple(data)
        elif kind is _K_NONE or kind is _K_TUPLE or kind is _K_LIST:
            data = None
        return _treedef_from_node(_make_node(kind, data, ch, nl))


def _treedef_from_node(node):
    td = _object_new(PyTreeDef)
    td._node = node
    td._hash = None
    return td


def _canonical(node):
    """Restores the identity invariants (``_LEAF``) of an unpickled node."""
    kind, aux, children, n, flat = node
    if kind is _K_LEAF:
        return _LEAF
    return (kind, aux, tuple([_canonical(c) for c in children]), n, flat)


def _treedef_from_pickle(node):
    return _treedef_from_node(_canonical(node))


_LEAF_TREEDEF = _treedef_from_node(_LEAF)
# Bound once: on an imported name, ``_flatteners.get(t)`` would build a bound method per call.
_get_flattener = _flatteners.get


# ---------------------------------------------------------------------------
# Public flatten / unflatten API
# ---------------------------------------------------------------------------


def tree_flatten(
    tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[Leaf], PyTreeDef]:
    """Alias of :func:`jax.tree.flatten`."""
    leaves = []
    if is_leaf is None:
        t = type(tree)
        if t in _leaf_types:
            return [tree], _LEAF_TREEDEF
        f = _get_flattener(t)
        if f is None:
            f = _resolve(tree)
            if f is None:
                return [tree], _LEAF_TREEDEF
        node = f(tree, leaves)
    else:
        node = _flat_pred(tree, leaves, is_leaf)
    # _treedef_from_node inlined: this is jit's cache-hit path.
    td = _object_new(PyTreeDef)
    td._node = node
    td._hash = None
    return leaves, td


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Leaf]) -> Any:
    """Alias of :func:`jax.tree.unflatten`."""
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Leaf]:
    """Alias of :func:`jax.tree.leaves`."""
    leaves = []
    if is_leaf is None:
        _flat(tree, leaves)
    else:
        _flat_pred(tree, leaves, is_leaf)
    return leaves


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """Alias of :func:`jax.tree.structure`."""
    return tree_flatten(tree, is_leaf)[1]


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """Makes a tuple treedef from an iterable of child treedefs."""
    ch = tuple([t._node for t in treedefs])
    return _treedef_from_node(_make_node(_K_TUPLE, None, ch, sum([c[3] for c in ch])))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """Return a list of treedefs for immediate children."""
    return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """True if the treedef has a single node."""
    return treedef.num_nodes == 1


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
    return treedef._node is _LEAF or treedef._node[0] is _K_LEAF


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Tests whether all elements in the given iterable are all leaves."""
    if is_leaf is None:
        for x in iterable:
            if _kind_of(x) is not None:
                return False
        return True
    items = list(iterable)
    leaves = tree_leaves(items, is_leaf)
    return len(leaves) == len(items) and all(a is b for a, b in zip(items, leaves))


def is_tree_node(typ: type) -> bool:
    """True if ``typ`` is a registered pytree node type or a namedtuple type."""
    if typ in _kinds:
        return True
    return isinstance(typ, type) and issubclass(typ, tuple) and hasattr(typ, "_fields")


def build_tree(treedef: PyTreeDef, xs: Any) -> Any:
    """Build a pytree with structure ``treedef`` from nested iterables ``xs``."""
    return treedef.from_iterable_tree(xs)


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Flattens the given pytree node by one level."""
    kind = _node_kind(tree)
    children, aux = _one_level(kind, tree)
    if kind is _K_DICT:
        return tuple(children), aux
    if kind is _K_NT:
        return list(children), aux
    return children, aux

"""Pytree layer for pyjax (semantics of ``jax.tree_util`` / ``jax.tree``).

Everything here is pure Python and imports nothing from pyjax.

Representation
--------------
A ``PyTreeDef`` wraps one immutable *node* tuple::

    (kind, aux, children, num_leaves, flat)

* ``kind``      -- a ``_Kind`` object (singletons for leaf/None/tuple/list/dict/
                   namedtuple, one per registered custom or dataclass type).
                   Kinds compare by identity.
* ``aux``       -- node data: ``None`` for None/tuple/list, the tuple of sorted
                   keys for dict, the type for a namedtuple, the aux data for a
                   custom node, the tuple of meta-field values for a dataclass.
* ``children``  -- tuple of child nodes (``_LEAF`` for a leaf).
* ``num_leaves``-- leaves in the subtree.
* ``flat``      -- True iff every child is a leaf (fast unflatten / flatten_up_to).

Because nodes are plain nested tuples, treedef equality and hashing run at C
speed (tuple ``==`` / ``hash``). ``flat`` and ``num_leaves`` are functions of
``children`` so including them in comparisons is harmless.

Flattening dispatches on ``type(x)`` through ``_flatteners`` (type -> handler)
and ``_leaf_types`` (a set of types already known to be leaves), so a leaf
costs one set lookup and containers whose children are all leaves are handled
without recursion.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import operator as op
import textwrap
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import islice
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type)
H = TypeVar("H", bound=Hashable)

Leaf = Any
PyTree = Any
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyLeafPair = tuple
KeyLeafPairs = Iterable
KeyPath = tuple

# ---------------------------------------------------------------------------
# Node kinds
# ---------------------------------------------------------------------------

(
    _LEAF_CODE,
    _NONE_CODE,
    _TUPLE_CODE,
    _LIST_CODE,
    _DICT_CODE,
    _NT_CODE,
    _CUSTOM_CODE,
    _DATACLASS_CODE,
) = range(8)


class _Kind:
    """Describes one kind of pytree node. Compared and hashed by identity."""

    __slots__ = (
        "code",
        "type",
        "to_iter",
        "from_iter",
        "to_iter_with_keys",
        "data_fields",
        "meta_fields",
        "make",
        "__weakref__",
    )

    def __init__(self, code, typ=None):
        self.code = code
        self.type = typ
        self.to_iter = None
        self.from_iter = None
        self.to_iter_with_keys = None
        self.data_fields = ()
        self.meta_fields = ()
        self.make = None

    def __repr__(self):
        return f"<pytree node kind {self.code} {getattr(self.type, '__name__', None)}>"

    def __reduce__(self):
        # Builtin kinds pickle as module globals, registered kinds by their type.
        name = _BUILTIN_KIND_NAMES.get(self.code)
        if name is not None and self.code not in (_CUSTOM_CODE, _DATACLASS_CODE):
            return name
        return (_kind_for_registered_type, (self.type,))


_K_LEAF = _Kind(_LEAF_CODE)
_K_NONE = _Kind(_NONE_CODE, type(None))
_K_TUPLE = _Kind(_TUPLE_CODE, tuple)
_K_LIST = _Kind(_LIST_CODE, list)
_K_DICT = _Kind(_DICT_CODE, dict)
_K_NT = _Kind(_NT_CODE)
_BUILTIN_KIND_NAMES = {
    _LEAF_CODE: "_K_LEAF",
    _NONE_CODE: "_K_NONE",
    _TUPLE_CODE: "_K_TUPLE",
    _LIST_CODE: "_K_LIST",
    _DICT_CODE: "_K_DICT",
    _NT_CODE: "_K_NT",
}

_K_NONE.make = lambda aux, vals: None
_K_TUPLE.make = lambda aux, vals: tuple(vals)
_K_LIST.make = lambda aux, vals: list(vals)
_K_DICT.make = lambda aux, vals: dict(zip(aux, vals))
_K_NT.make = lambda aux, vals: aux(*vals)

_LEAF = (_K_LEAF, None, (), 1, True)
_NONE_NODE = (_K_NONE, None, (), 0, True)
_EMPTY_DICT_NODE = (_K_DICT, (), (), 0, True)

# type -> _Kind for every registered node type (builtins included). Namedtuples
# are not in here: they are recognised heuristically (tuple with ``_fields``).
_kinds: dict[type, _Kind] = {
    type(None): _K_NONE,
    tuple: _K_TUPLE,
    list: _K_LIST,
    dict: _K_DICT,
}


def _kind_for_registered_type(typ):
    kind = _kinds.get(typ)
    if kind is None:
        raise ValueError(f"Unknown custom type in pickled PyTreeDef: {typ!r}")
    return kind


# Canonical tuples of leaf children.
_LEAF_CHILDREN = [(_LEAF,) * i for i in range(64)]


def _leaf_children(n):
    return _LEAF_CHILDREN[n] if n < 64 else (_LEAF,) * n


# Types known to be leaves. Filled lazily; purged on registration.
_leaf_types: set[type] = {int, float, complex, bool, str, bytes, np.ndarray}
_LEAF_TYPES_LIMIT = 20000


def _kind_of(x):
    """The _Kind of ``x`` or None if ``x`` is a leaf."""
    t = type(x)
    k = _kinds.get(t)
    if k is not None:
        return k
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return _K_NT
    return None


def _is_leaf_bool(r):
    """Interpret an is_leaf predicate result as JAX does."""
    if r is True:
        return True
    if r is None or r is False:
        return False
    if isinstance(r, (bool, np.bool_)):
        return bool(r)
    raise ValueError(f"is_leaf predicate returned a non-boolean value {r!r}; expected a boolean")


# ---------------------------------------------------------------------------
# Fast flatten (no is_leaf)
# ---------------------------------------------------------------------------


def _flat(x, leaves):
    t = type(x)
    if t in _leaf_types:
        leaves.append(x)
        return _LEAF
    f = _flatteners.get(t)
    if f is None:
        f = _resolve(x)
        if f is None:
            leaves.append(x)
            return _LEAF
    return f(x, leaves)


def _resolve(x):
    """Slow path of _flat for a type not yet classified. Returns a handler or
    None (leaf), caching the classification where it is a function of the type."""
    t = type(x)
    if isinstance(x, tuple):
        if hasattr(t, "_fields"):
            _flatteners[t] = _flat_namedtuple
            return _flat_namedtuple
        # A tuple subclass may carry ``_fields`` on the instance; check each time.
        return _flat_namedtuple if hasattr(x, "_fields") else None
    if len(_leaf_types) > _LEAF_TYPES_LIMIT:
        _leaf_types.clear()
        _leaf_types.update((int, float, complex, bool, str, bytes, np.ndarray))
    _leaf_types.add(t)
    return None


def _finish(kind, aux, children, leaves):
    """Builds a node from already-materialised children (a list or tuple)."""
    lt = _leaf_types
    for c in children:
        if type(c) not in lt:
            break
    else:
        n = len(children)
        leaves.extend(children)
        return (kind, aux, _leaf_children(n), n, True)
    start = len(leaves)
    ch = tuple([_flat(c, leaves) for c in children])
    nl = len(leaves) - start
    n = len(ch)
    return (kind, aux, ch, nl, nl == n and ch.count(_LEAF) == n)


def _flat_tuple(x, leaves):
    lt = _leaf_types
    for c in x:
        if type(c) not in lt:
            break
    else:
        n = len(x)
        leaves.extend(x)
        return _FLAT_TUPLE_NODES[n] if n < 64 else (_K_TUPLE, None, (_LEAF,) * n, n, True)
    start = len(leaves)
    ch = tuple([_flat(c, leaves) for c in x])
    nl = len(leaves) - start
    n = len(ch)
    return (_K_TUPLE, None, ch, nl, nl == n and ch.count(_LEAF) == n)


def _flat_list(x, leaves):
    lt = _leaf_types
    for c in x:
        if type(c) not in lt:
            break
    else:
        n = len(x)
        leaves.extend(x)
        return _FLAT_LIST_NODES[n] if n < 64 else (_K_LIST, None, (_LEAF,) * n, n, True)
    start = len(leaves)
    ch = tuple([_flat(c, leaves) for c in x])
    nl = len(leaves) - start
    n = len(ch)
    return (_K_LIST, None, ch, nl, nl == n and ch.count(_LEAF) == n)


def _sorted_keys(d):
    try:
        return sorted(d)
    except Exception as e:
        raise ValueError(
            "Comparator raised exception while sorting pytree " "dictionary keys."
        ) from e


def _flat_dict(x, leaves):
    if not x:
        return _EMPTY_DICT_NODE
    try:
        keys = sorted(x)
    except Exception as e:
        raise ValueError(
            "Comparator raised exception while sorting pytree " "dictionary keys."
        ) from e
    vals = [x[k] for k in keys]
    lt = _leaf_types
    for c in vals:
        if type(c) not in lt:
            break
    else:
        n = len(vals)
        leaves.extend(vals)
        return (_K_DICT, tuple(keys), _leaf_children(n), n, True)
    start = len(leaves)
    ch = tuple([_flat(c, leaves) for c in vals])
    nl = len(leaves) - start
    n = len(ch)
    return (_K_DICT, tuple(keys), ch, nl, nl == n and ch.count(_LEAF) == n)


def _flat_none(x, leaves):
    return _NONE_NODE


def _flat_namedtuple(x, leaves):
    return _finish(_K_NT, type(x), x, leaves)


_FLAT_TUPLE_NODES = [(_K_TUPLE, None, _LEAF_CHILDREN[i], i, True) for i in range(64)]
_FLAT_LIST_NODES = [(_K_LIST, None, _LEAF_CHILDREN[i], i, True) for i in range(64)]

# type -> handler(x, leaves) -> node
_flatteners: dict[type, Callable] = {
    tuple: _flat_tuple,
    list: _flat_list,
    dict: _flat_dict,
    type(None): _flat_none,
}


# ---------------------------------------------------------------------------
# One-level flattening shared by the slow paths (is_leaf, paths, errors)
# ---------------------------------------------------------------------------


def _custom_to_iter(kind, x):
    out = kind.to_iter(x)
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(
            "The to_iterable function for a custom PyTree node should return a "
            f"(children, aux_data) tuple, got {out!r}"
        )
    children, aux = out
    if type(children) is not tuple and type(children) is not list:
        try:
            it = iter(children)
        except TypeError:
            raise ValueError(
                "The to_iterable function for a custom PyTree node should return a "
                "(children, aux_data) tuple where 'children' is iterable, got "
                f"{out!r}"
            ) from None
        children = list(it)
    return children, aux


def _custom_to_iter_with_keys(kind, x):
    if kind.to_iter_with_keys is None:
        children, aux = _custom_to_iter(kind, x)
        return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux
    out = kind.to_iter_with_keys(x)
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(
            "The to_iterable_with_keys function for a custom PyTree node should "
            f"return a (key_leaf_pairs, aux_data) tuple, got {out!r}"
        )
    pairs, aux = out
    try:
        it = iter(pairs)
    except TypeError:
        raise ValueError(
            "The to_iterable_with_keys function for a custom PyTree node should "
            "return a (key_leaf_pairs, aux_data) tuple where 'key_leaf_pairs' is "
            f"iterable, got {out!r}"
        ) from None
    result = []
    for p in it:
        if not isinstance(p, tuple) or len(p) != 2:
            raise ValueError(
                "The to_iterable_with_keys function for a custom PyTree node should "
                "return a (key_leaf_pairs, aux_data) tuple where 'child"
                f"{p!r}"
            )
        result.append(p)
    return result, aux


def _one_level(kind, x):
    """(children sequence, aux) of node ``x`` of kind ``kind`` -- the same aux the
    fast flatteners store, so all paths produce equal treedefs."""
    code = kind.code
    if code == _TUPLE_CODE or code == _LIST_CODE:
        return x, None
    if code == _DICT_CODE:
        keys = _sorted_keys(x)
        return [x[k] for k in keys], tuple(keys)
    if code == _NONE_CODE:
        return (), None
    if code == _NT_CODE:
        return x, type(x)
    if code == _CUSTOM_CODE:
        return _custom_to_iter(kind, x)
    # dataclass
    return (
        [getattr(x, f) for f in kind.data_fields],
        tuple([getattr(x, f) for f in kind.meta_fields]),
    )


def _one_level_with_keys(kind, x):
    """(list of (key, child), aux)."""
    code = kind.code
    if code == _TUPLE_CODE or code == _LIST_CODE:
        return [(SequenceKey(i), c) for i, c in enumerate(x)], None
    if code == _DICT_CODE:
        keys = _sorted_keys(x)
        return [(DictKey(k), x[k]) for k in keys], tuple(keys)
    if code == _NONE_CODE:
        return [], None
    if code == _NT_CODE:
        fields = getattr(x, "_fields", None)
        if not isinstance(fields, tuple) or len(fields) != len(x):
            raise ValueError(
                "A namedtuple's _fields attribute should have the same " "size as the tuple."
            )
        return [(GetAttrKey(str(f)), c) for f, c in zip(fields, x)], type(x)
    if code == _CUSTOM_CODE:
        return _custom_to_iter_with_keys(kind, x)
    return (
        [(GetAttrKey(f), getattr(x, f)) for f in kind.data_fields],
        tuple([getattr(x, f) for f in kind.meta_fields]),
    )


def _make_node(kind, aux, ch, nl):
    n = len(ch)
    return (kind, aux, ch, nl, nl == n and ch.count(_LEAF) == n)


def _flat_pred(x, leaves, pred):
    if _is_leaf_bool(pred(x)):
        leaves.append(x)
        return _LEAF
    kind = _kind_of(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    children, aux = _one_level(kind, x)
    start = len(leaves)
    ch = tuple([_flat_pred(c, leaves, pred) for c in children])
    return _make_node(kind, aux, ch, len(leaves) - start)


def _flat_path(x, leaves, pred, path):
    if pred is not None and _is_leaf_bool(pred(tuple(path), x)):
        leaves.append((tuple(path), x))
        return _LEAF
    kind = _kind_of(x)
    if kind is None:
        leaves.append((tuple(path), x))
        return _LEAF
    pairs, aux = _one_level_with_keys(kind, x)
    start = len(leaves)
    ch = []
    for k, c in pairs:
        path.append(k)
        ch.append(_flat_path(c, leaves, pred, path))
        path.pop()
    return _make_node(kind, aux, tuple(ch), len(leaves) - start)


# ---------------------------------------------------------------------------
# Unflatten
# ---------------------------------------------------------------------------


def _build(node, leaves, i):
    kind, aux, children, n, flat = node
    if flat:
        vals = leaves[i : i + n]
    else:
        vals = []
        append = vals.append
        for c in children:
            if c is _LEAF:
                append(leaves[i])
                i += 1
            else:
                append(_build(c, leaves, i))
                i += c[3]
    if kind is _K_TUPLE:
        return tuple(vals)
    if kind is _K_LIST:
        return vals
    if kind is _K_DICT:
        return dict(zip(aux, vals))
    return kind.make(aux, vals)


def _unflatten(node, leaves):
    """``leaves`` must be a list of exactly node[3] elements that may be
    consumed (not aliased by the result)."""
    if node[4]:
        kind = node[0]
        if kind is _K_TUPLE:
            return tuple(leaves)
        if kind is _K_LIST:
            return leaves
        if kind is _K_DICT:
            return dict(zip(node[1], leaves))
        if kind is _K_LEAF:
            return leaves[0]
        return kind.make(node[1], leaves)
    return _build(node, leaves, 0)


def _check_count(n, got):
    if got < n:
        raise ValueError(f"Too few leaves for PyTreeDef; expected {n}, got {got}")
    raise ValueError(f"Too many leaves for PyTreeDef; expected {n}.")


# ---------------------------------------------------------------------------
# flatten_up_to
# ---------------------------------------------------------------------------

_NONE_PREFIX_MSG = (
    "Expected None, got {}.\n\n"
    "In previous releases of JAX, flatten-up-to used to consider None to be a "
    "tree-prefix of non-None values. To obtain the previous behavior, you can "
    "usually write:\n"
    "  jax.tree.map(lambda x, y: None if x is None else f(x, y), a, b, "
    "is_leaf=lambda x: x is None)"
)


def _up_to(node, x, out):
    """Appends the subtrees of ``x`` at the leaves of ``node`` to ``out`` in
    *reverse* order (matching the order in which JAX detects mismatches)."""
    kind, aux, children, n, flat = node
    if kind is _K_TUPLE:
        if type(x) is not tuple:
            raise ValueError(f"Expected tuple, got {x!r}.")
        if len(x) != len(children):
            raise ValueError(
                f"Tuple arity mismatch: {len(x)} != {len(children)}; " f"tuple: {x!r}."
            )
        xs = x
    elif kind is _K_LIST:
        if type(x) is not list:
            raise ValueError(f"Expected list, got {x!r}.")
        if len(x) != len(children):
            raise ValueError(f"List arity mismatch: {len(x)} != {len(children)}; " f"list: {x!r}.")
        xs = x
    elif kind is _K_DICT:
        if type(x) is not dict:
            raise ValueError(f"Expected dict, got {x!r}.")
        keys = _sorted_keys(x)
        if len(keys) != len(aux) or any(a != b for a, b in zip(keys, aux)):
            raise ValueError(f"Dict key mismatch; expected keys: {list(aux)!r}; " f"dict: {x!r}.")
        xs = [x[k] for k in keys]
    elif kind is _K_NONE:
        if x is not None:
            raise ValueError(_NONE_PREFIX_MSG.format(repr(x)))
        return
    elif kind is _K_LEAF:
        out.append(x)
        return
    elif kind is _K_NT:
        if not isinstance(x, tuple) or not hasattr(x, "_fields"):
            raise ValueError(f"Expected named tuple, got {x!r}.")
        if len(x) != len(children):
            raise ValueError(
                f"Named tuple arity mismatch: {len(x)} != " f"{len(children)}; tuple: {x!r}."
            )
        if type(x) != aux:
            raise ValueError(
                f"Named tuple type mismatch: expected type: {aux!r}, " f"tuple: {x!r}."
            )
        xs = x
    elif kind.code == _CUSTOM_CODE:
        if _kinds.get(type(x)) is not kind:
            raise ValueError(
                f"Custom node type mismatch: expected type: " f"{kind.type!r}, value: {x!r}."
            )
        xs, xaux = _custom_to_iter(kind, x)
        if aux != xaux:
            raise ValueError(f"Mismatch custom node data: {aux!r} != {xaux!r}; " f"value: {x!r}.")
        if len(xs) != len(children):
            raise ValueError(
                f"Custom type arity mismatch: {len(xs)} != " f"{len(children)}; value: {x!r}."
            )
    else:  # dataclass
        if _kinds.get(type(x)) is not kind:
            raise ValueError(
                f"Custom dataclasss node type mismatch: expected type: "
                f"{kind.type!r}, value: {x!r}."
            )
        xaux = tuple([getattr(x, f) for f in kind.meta_fields])
        if aux != xaux:
            raise ValueError(
                f"Mismatch custom dataclass node data: {aux!r} != " f"{xaux!r}; value: {x!r}."
            )
        xs = [getattr(x, f) for f in kind.data_fields]
    if flat:
        out.extend(reversed(xs))
    else:
        for c, xc in zip(reversed(children), reversed(xs)):
            if c is _LEAF:
                out.append(xc)
            else:
                _up_to(c, xc, out)


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
        f = _flatteners.get(t)
        if f is None:
            f = _resolve(tree)
            if f is None:
                return [tree], _LEAF_TREEDEF
        node = f(tree, leaves)
    else:
        node = _flat_pred(tree, leaves, is_leaf)
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


# ---------------------------------------------------------------------------
# map / reduce / transpose / broadcast
# ---------------------------------------------------------------------------


def tree_map(
    f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """Alias of :func:`jax.tree.map`."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    node = treedef._node
    if not rest:
        return _unflatten(node, list(map(f, leaves)))
    r2 = None
    try:
        all_leaves_ = [leaves]
        for r in rest:
            r2 = r
            all_leaves_.append(treedef.flatten_up_to(r))
    except Exception as e:
        err = next(_prefix_error((), tree, r2, is_leaf), None)
        raise (err("tree_map tree") if err is not None else e) from None
    return _unflatten(node, list(map(f, *all_leaves_)))


class Unspecified:
    pass


_UNSPECIFIED = Unspecified()


def tree_reduce(
    function: Callable[[T, Any], T],
    tree: Any,
    initializer: Any = _UNSPECIFIED,
    is_leaf: Callable[[Any], bool] | None = None,
) -> T:
    """Alias of :func:`jax.tree.reduce`."""
    if isinstance(initializer, Unspecified):
        return functools.reduce(function, tree_leaves(tree, is_leaf=is_leaf))
    return functools.reduce(function, tree_leaves(tree, is_leaf=is_leaf), initializer)


def _parallel_reduce(sequence, operation, identity=_UNSPECIFIED):
    length = len(sequence)
    if length == 0:
        if isinstance(identity, Unspecified):
            raise TypeError("Must specify identity for parallel reduction of empty sequence.")
        return identity
    if length == 1:
        return sequence[0]
    index = length // 2
    a = _parallel_reduce(sequence[:index], operation, identity)
    b = _parallel_reduce(sequence[index:], operation, identity)
    return operation(a, b)


def tree_reduce_associative(
    operation: Callable[[T, T], T],
    tree: Any,
    *,
    identity: Any = _UNSPECIFIED,
    is_leaf: Callable[[Any], bool] | None = None,
) -> T:
    """Alias of :func:`jax.tree.reduce_associative`."""
    return _parallel_reduce(tree_leaves(tree, is_leaf=is_leaf), operation, identity)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Alias of :func:`jax.tree.all`."""
    return all(tree_leaves(tree, is_leaf=is_leaf))


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: Any
) -> Any:
    """Alias of :func:`jax.tree.transpose`."""
    flat, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    inner_size = inner_treedef.num_leaves
    outer_size = outer_treedef.num_leaves
    if treedef.num_leaves != inner_size * outer_size:
        expected_treedef = outer_treedef.compose(inner_treedef)
        raise TypeError(f"Mismatch\n{treedef}\n != \n{expected_treedef}")
    lol = [flat[i * inner_size : (i + 1) * inner_size] for i in range(outer_size)]
    subtrees = [outer_treedef.unflatten(list(col)) for col in zip(*lol)]
    return inner_treedef.unflatten(subtrees)


def broadcast_prefix(
    prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> list[Any]:
    """Broadcasts the leaves of a tree prefix to the leaves of ``full_tree``."""
    result = []
    num_leaves = lambda t: tree_structure(t).num_leaves
    add_leaves = lambda x, subtree: result.extend([x] * num_leaves(subtree))
    try:
        tree_map(add_leaves, prefix_tree, full_tree, is_leaf=is_leaf)
    except ValueError:
        errs = prefix_errors(prefix_tree, full_tree)
        if not errs:
            raise
        raise errs[0]("broadcast_prefix prefix_tree") from None
    return result


def tree_broadcast(
    prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """Alias of :func:`jax.tree.broadcast`."""
    broadcast_leaves = broadcast_prefix(prefix_tree, full_tree, is_leaf=is_leaf)
    return tree_structure(full_tree).unflatten(broadcast_leaves)


def broadcast_flattened_prefix_with_treedef(
    prefix_leaves: list[Any], prefix_treedef: PyTreeDef, full_treedef: PyTreeDef
) -> list[Any]:
    """Like ``broadcast_prefix`` but on flattened leaves and treedefs."""
    ret = []

    def rec(start, end, p, t):
        if treedef_is_strict_leaf(p):
            assert end - start == 1
            ret.extend(prefix_leaves[start:end] * t.num_leaves)
            return
        if treedef_is_strict_leaf(t):
            raise ValueError("`prefix_treedef` is not a prefix of `full_treedef`")
        pnd, nd = p.node_data(), t.node_data()
        if pnd != nd:
            raise ValueError(f"expected {nd}, got {pnd}")
        pc, tc = p.children(), t.children()
        if len(pc) != len(tc):
            raise ValueError(f"expected {nd}, got {pnd}")
        i = start
        for a, b in zip(pc, tc):
            rec(i, i + a.num_leaves, a, b)
            i += a.num_leaves

    rec(0, len(prefix_leaves), prefix_treedef, full_treedef)
    return ret


def _replace_nones(sentinel, tree):
    """Replaces ``None`` in ``tree`` with ``sentinel``."""
    leaves, treedef = tree_flatten(tree, is_leaf=lambda x: x is None)
    return treedef.unflatten([sentinel if x is None else x for x in leaves])


def tree_leaves_checked(treedef_expected: PyTreeDef, tree: Any) -> list[Leaf]:
    flat_vals, treedef_actual = tree_flatten(tree)
    assert treedef_actual == treedef_expected
    return flat_vals


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def _purge_type_caches(nodetype):
    _leaf_types.discard(nodetype)
    _flatteners.pop(nodetype, None)


def _make_custom_flattener(kind):
    to_iter = kind.to_iter

    def flatten_custom(x, leaves):
        out = to_iter(x)
        if not isinstance(out, tuple) or len(out) != 2:
            raise ValueError(
                "The to_iterable function for a custom PyTree node should return a "
                f"(children, aux_data) tuple, got {out!r}"
            )
        children, aux = out
        if type(children) is not tuple and type(children) is not list:
            try:
                it = iter(children)
            except TypeError:
                raise ValueError(
                    "The to_iterable function for a custom PyTree node should return "
                    "a (children, aux_data) tuple where 'children' is iterable, got "
                    f"{out!r}"
                ) from None
            children = list(it)
        return _finish(kind, aux, children, leaves)

    return flatten_custom


def register_pytree_node(
    nodetype: type[T],
    flatten_func: Callable[[T], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Hashable, Iterable[Any]], T],
    flatten_with_keys_func: Callable | None = None,
) -> None:
    """Extends the set of types that are considered internal nodes in pytrees."""
    if nodetype in _kinds:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype!r}.")
    kind = _Kind(_CUSTOM_CODE, nodetype)
    kind.to_iter = flatten_func
    kind.from_iter = unflatten_func
    kind.to_iter_with_keys = flatten_with_keys_func
    kind.make = lambda aux, vals: unflatten_func(aux, tuple(vals))
    _kinds[nodetype] = kind
    _purge_type_caches(nodetype)
    _flatteners[nodetype] = _make_custom_flattener(kind)


def register_pytree_node_class(cls: Typ) -> Typ:
    """Registers ``cls`` using its ``tree_flatten``/``tree_unflatten`` methods."""
    register_pytree_node(cls, op.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def register_pytree_with_keys(
    nodetype: type[T],
    flatten_with_keys: Callable,
    unflatten_func: Callable,
    flatten_func: Callable | None = None,
):
    """Like ``register_pytree_node`` but with a key-aware flatten function."""
    if not flatten_func:

        def flatten_func_impl(tree):
            key_children, aux = flatten_with_keys(tree)
            return [c for _, c in key_children], aux

        flatten_func = flatten_func_impl
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_with_keys_class(cls: Typ) -> Typ:
    """Class-decorator form of :func:`register_pytree_with_keys`."""
    flatten_func = op.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(
        cls, op.methodcaller("tree_flatten_with_keys"), cls.tree_unflatten, flatten_func
    )
    return cls


def _tuple_getter(names):
    names = tuple(names)
    if not names:
        return lambda x: ()
    if len(names) == 1:
        name = names[0]
        return lambda x: (getattr(x, name),)
    return op.attrgetter(*names)


def register_dataclass(
    nodetype: Typ,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> Typ:
    """Registers a dataclass-like type whose ``data_fields`` are children and
    whose ``meta_fields`` are static aux data."""
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError(
                "register_dataclass: data_fields and meta_fields must both "
                "be specified when either is specified. Got "
                f"{data_fields=} {meta_fields=}."
            )
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                "register_dataclass: data_fields and meta_fields are "
                "required when nodetype is not a dataclass. Got "
                f"{nodetype=}."
            )
        data_fields = [
            f.name
            for f in dataclasses.fields(nodetype)
            if not f.metadata.get("static", False) and f.name not in drop_fields
        ]
        meta_fields = [
            f.name
            for f in dataclasses.fields(nodetype)
            if f.metadata.get("static", False) and f.name not in drop_fields
        ]

    meta_fields = tuple(meta_fields)
    data_fields = tuple(data_fields)

    if dataclasses.is_dataclass(nodetype):
        init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init}
        init_fields.difference_update(drop_fields)
        if {*meta_fields, *data_fields} != init_fields:
            msg = (
                "data_fields and meta_fields must include all dataclass fields "
                "with ``init=True`` and only them."
            )
            if missing := init_fields - {*meta_fields, *data_fields}:
                msg += (
                    f" Missing fields: {missing}. Add them to drop_fields to "
                    "suppress this error."
                )
            if unexpected := {*meta_fields, *data_fields} - init_fields:
                msg += f" Unexpected fields: {unexpected}."
            raise ValueError(msg)

    if overlap := set(data_fields) & set(meta_fields):
        raise ValueError(
            "data_fields and meta_fields must not overlap. " f"Overlapping fields: {overlap}."
        )

    if nodetype in _kinds:
        raise ValueError(
            "Duplicate custom dataclass PyTreeDef type registration " f"for {nodetype!r}."
        )

    kind = _Kind(_DATACLASS_CODE, nodetype)
    kind.data_fields = data_fields
    kind.meta_fields = meta_fields

    def make(meta, data):
        kwargs = dict(zip(meta_fields, meta))
        kwargs.update(zip(data_fields, data))
        return nodetype(**kwargs)

    kind.make = make

    def to_iter(x):
        return ([getattr(x, f) for f in data_fields], tuple([getattr(x, f) for f in meta_fields]))

    kind.to_iter = to_iter
    kind.from_iter = lambda meta, data: make(meta, data)

    get_meta = _tuple_getter(meta_fields)
    get_data = _tuple_getter(data_fields)

    def flatten_dataclass(x, leaves):
        return _finish(kind, get_meta(x), get_data(x), leaves)

    _kinds[nodetype] = kind
    _purge_type_caches(nodetype)
    _flatteners[nodetype] = flatten_dataclass
    return nodetype


def register_static(cls: type[H]) -> type[H]:
    """Registers ``cls`` as a pytree with no leaves (the instance is aux data)."""
    flatten = lambda obj: ((), obj)
    unflatten = lambda obj, empty_iter_children: obj
    register_pytree_with_keys(cls, flatten, unflatten)
    return cls


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Flattens the given pytree node by one level."""
    kind = _kind_of(tree)
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    children, aux = _one_level(kind, tree)
    if kind is _K_DICT:
        return tuple(children), aux
    if kind is _K_NT:
        return list(children), aux
    return children, aux


def flatten_one_level_with_keys(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Flattens the given pytree node by one level, with keys."""
    kind = _kind_of(tree)
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return _one_level_with_keys(kind, tree)


# ---------------------------------------------------------------------------
# Key paths
# ---------------------------------------------------------------------------


class SequenceKey:
    """Key for a child of a tuple or list."""

    __slots__ = ("_idx",)
    __match_args__ = ("idx",)

    def __init__(self, idx: int):
        self._idx = op.index(idx)

    @property
    def idx(self) -> int:
        return self._idx

    def __str__(self):
        return f"[{self._idx}]"

    def __repr__(self):
        return f"SequenceKey(idx={self._idx})"

    def __eq__(self, other):
        return type(other) is SequenceKey and self._idx == other._idx

    def __hash__(self):
        return hash(self._idx + 1)

    def __reduce__(self):
        return (SequenceKey, (self._idx,))


class DictKey:
    """Key for a child of a dict (or other mapping node)."""

    __slots__ = ("_key",)
    __match_args__ = ("key",)

    def __init__(self, key: Hashable):
        self._key = key

    @property
    def key(self):
        return self._key

    def __str__(self):
        return f"[{self._key!r}]"

    def __repr__(self):
        return f"DictKey(key={self._key!r})"

    def __eq__(self, other):
        return type(other) is DictKey and bool(self._key == other._key)

    def __hash__(self):
        return hash(self._key)

    def __reduce__(self):
        return (DictKey, (self._key,))


class GetAttrKey:
    """Key for a child accessed as an attribute."""

    __slots__ = ("_name",)
    __match_args__ = ("name",)

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"GetAttrKey name must be a str, got {type(name)}")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __str__(self):
        return f".{self._name}"

    def __repr__(self):
        return f"GetAttrKey(name='{self._name}')"

    def __eq__(self, other):
        return type(other) is GetAttrKey and self._name == other._name

    def __hash__(self):
        return hash(self._name)

    def __reduce__(self):
        return (GetAttrKey, (self._name,))


class FlattenedIndexKey:
    """Key for the i-th child of a node registered without key paths."""

    __slots__ = ("_key",)
    __match_args__ = ("key",)

    def __init__(self, key: int):
        self._key = op.index(key)

    @property
    def key(self) -> int:
        return self._key

    def __str__(self):
        return f"[<flat index {self._key}>]"

    def __repr__(self):
        return f"FlattenedIndexKey(key={self._key})"

    def __eq__(self, other):
        return type(other) is FlattenedIndexKey and self._key == other._key

    def __hash__(self):
        return hash(self._key + 42)

    def __reduce__(self):
        return (FlattenedIndexKey, (self._key,))


BuiltInKeyEntry = (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey)


def _simple_entrystr(key) -> str:
    if type(key) is SequenceKey:
        return str(key.idx)
    if type(key) is DictKey:
        return str(key.key)
    if type(key) is GetAttrKey:
        return str(key.name)
    if type(key) is FlattenedIndexKey:
        return str(key.key)
    return str(key)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Pretty-prints a key path, e.g. ``"['foo'][0].bar"``."""
    str_fn = _simple_entrystr if simple else str
    return separator.join(map(str_fn, keys))


def tree_flatten_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Alias of :func:`jax.tree.flatten_with_path`."""
    pred = is_leaf
    if is_leaf is not None and not is_leaf_takes_path:
        pred = lambda _, x: is_leaf(x)
    leaves = []
    node = _flat_path(tree, leaves, pred, [])
    return leaves, _treedef_from_node(node)


def tree_leaves_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> list[tuple[KeyPath, Any]]:
    """Alias of :func:`jax.tree.leaves_with_path`."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


generate_key_paths = tree_leaves_with_path
_generate_key_paths = tree_leaves_with_path


def tree_map_with_path(
    f: Callable[..., Any],
    tree: Any,
    *rest: Any,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> Any:
    """Alias of :func:`jax.tree.map_with_path`."""
    keypath_leaves, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    paths = [kp for kp, _ in keypath_leaves]
    vals = [v for _, v in keypath_leaves]
    r2 = None
    try:
        all_leaves_ = [paths, vals]
        for r in rest:
            r2 = r
            all_leaves_.append(treedef.flatten_up_to(r))
    except Exception as e:
        err = next(_prefix_error((), tree, r2, is_leaf), None)
        raise (err("tree_map_with_path tree") if err is not None else e) from None
    return _unflatten(treedef._node, list(map(f, *all_leaves_)))


# ---------------------------------------------------------------------------
# Structure-error diagnostics
# ---------------------------------------------------------------------------


def _child_keys(pytree: Any) -> KeyPath:
    return tuple(k for k, _ in flatten_one_level_with_keys(pytree)[0])


def prefix_errors(
    prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> list[Callable[[str], ValueError]]:
    return list(_prefix_error((), prefix_tree, full_tree, is_leaf))


def _prefix_error(key_path, prefix_tree, full_tree, is_leaf=None):
    # A leaf is a valid prefix of any tree.
    if treedef_is_strict_leaf(tree_structure(prefix_tree, is_leaf=is_leaf)):
        return

    if type(prefix_tree) != type(full_tree):
        yield lambda name: ValueError(
            "pytree structure error: different types at key path\n"
            f"    {name}{keystr(key_path)}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type\n"
            f"    {type(prefix_tree)}\n"
            "but at the same key path the full pytree has a subtree of different "
            "type\n"
            f"    {type(full_tree)}."
        )
        return

    prefix_tree_children, prefix_tree_meta = flatten_one_level(prefix_tree)
    full_tree_children, full_tree_meta = flatten_one_level(full_tree)
    prefix_tree_children = tuple(prefix_tree_children)
    full_tree_children = tuple(full_tree_children)
    prefix_tree_keys = _child_keys(prefix_tree)
    full_tree_keys = _child_keys(full_tree)
    if isinstance(prefix_tree, (list, tuple)):
        if len(prefix_tree) != len(full_tree):
            ty = type(prefix_tree)
            yield lambda name: ValueError(
                f"pytree structure error: different lengths of {ty.__name__} at key "
                "path\n"
                f"    {name}{keystr(key_path)}\n"
                f"At that key path, the prefix pytree {name} has a subtree of type "
                f"{ty.__name__} of length {len(prefix_tree)}, but the full pytree "
                f"has a subtree of the same type but of length {len(full_tree)}."
            )
            return
    else:
        try:
            diff = set(prefix_tree_keys).symmetric_difference(set(full_tree_keys))
        except Exception:
            diff = None
        if len(prefix_tree_children) != len(full_tree_children):
            yield lambda name: ValueError(
                "pytree structure error: different numbers of pytree children at "
                "key path\n"
                f"    {name}{keystr(key_path)}\n"
                f"At that key path, the prefix pytree {name} has a subtree of type\n"
                f"    {type(prefix_tree)}\n"
                f"with {len(prefix_tree_children)} child keys\n"
                f"    {' '.join(str(k) for k in prefix_tree_keys)}\n"
                "but at the same key path the full pytree has a subtree of the same "
                f"type but with {len(full_tree_children)} child keys\n"
                f"    {' '.join(str(k) for k in full_tree_keys)}\n"
                + (
                    ""
                    if diff is None
                    else "so the symmetric difference on key sets is\n"
                    f"    {' '.join(str(k) for k in diff)}"
                )
            )
            return

    if prefix_tree_meta != full_tree_meta:
        prefix_tree_meta_str = str(prefix_tree_meta)
        full_tree_meta_str = str(full_tree_meta)
        metadata_diff = textwrap.indent(
            "\n".join(
                difflib.ndiff(prefix_tree_meta_str.splitlines(), full_tree_meta_str.splitlines())
            ),
            prefix="    ",
        )
        yield lambda name: ValueError(
            "pytree structure error: different pytree metadata at key path\n"
            f"    {name}{keystr(key_path)}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type\n"
            f"    {type(prefix_tree)}\n"
            "with metadata\n"
            f"    {prefix_tree_meta_str}\n"
            "but at the same key path the full pytree has a subtree of the same "
            "type but with metadata\n"
            f"    {full_tree_meta_str}\n"
            "so the diff in the metadata at these pytree nodes is\n"
            f"{metadata_diff}"
        )
        return

    assert prefix_tree_keys == full_tree_keys, (
        "equal pytree nodes gave differing prefix_tree_keys: "
        f"{prefix_tree_keys} and {full_tree_keys}"
    )
    for k, t1, t2 in zip(prefix_tree_keys, prefix_tree_children, full_tree_children):
        yield from _prefix_error((*key_path, k), t1, t2)


def equality_errors(tree1: Any, tree2: Any, is_leaf: Callable[[Any], bool] | None = None):
    """Describes structural differences between two pytrees as
    ``(path, thing1, thing2, explanation)`` tuples."""
    yield from _equality_errors((), tree1, tree2, is_leaf)


def equality_errors_pytreedef(tree1: PyTreeDef, tree2: PyTreeDef):
    """Like ``equality_errors`` but on PyTreeDefs."""
    leaf = type("LeafMeta", (type,), dict(__repr__=lambda _: "pytree leaf"))("Leaf", (), {})()
    return equality_errors(
        tree_unflatten(tree1, [leaf] * tree1.num_leaves),
        tree_unflatten(tree2, [leaf] * tree2.num_leaves),
    )


def _equality_errors(path, t1, t2, is_leaf):
    if treedef_is_strict_leaf(tree_structure(t1, is_leaf=is_leaf)) and treedef_is_strict_leaf(
        tree_structure(t2, is_leaf=is_leaf)
    ):
        return
    if type(t1) != type(t2):
        yield path, str(type(t1)), str(type(t2)), "their Python types differ"
        return
    if isinstance(t1, (list, tuple)):
        if len(t1) != len(t2):
            yield (
                path,
                f"{type(t1).__name__} of length {len(t1)}",
                f"{type(t2).__name__} of length {len(t2)}",
                "the lengths do not match",
            )
            return
    t1_children, t1_meta = flatten_one_level(t1)
    t2_children, t2_meta = flatten_one_level(t2)
    t1_children = tuple(t1_children)
    t2_children = tuple(t2_children)
    t1_keys, t2_keys = _child_keys(t1), _child_keys(t2)
    try:
        diff = " ".join(repr(k.key) for k in set(t1_keys).symmetric_difference(set(t2_keys)))
    except Exception:
        diff = ""
    if len(t1_children) != len(t2_children):
        yield (
            path,
            f"{type(t1)} with {len(t1_children)} child" f"{'ren' if len(t1_children) > 1 else ''}",
            f"{type(t2)} with {len(t2_children)} child" f"{'ren' if len(t2_children) > 1 else ''}",
            "the numbers of children do not match"
            + (diff and f", with the symmetric difference of key sets: {{{diff}}}"),
        )
        return
    if t1_meta != t2_meta:
        yield (
            path,
            f"{type(t1)} with pytree metadata {t1_meta}",
            f"{type(t2)} with pytree metadata {t2_meta}",
            "the pytree node metadata does not match",
        )
        return
    for k, c1, c2 in zip(t1_keys, t1_children, t2_children):
        yield from _equality_errors((*path, k), c1, c2, is_leaf)


# ---------------------------------------------------------------------------
# Builtin registrations: OrderedDict, defaultdict, Partial
# ---------------------------------------------------------------------------

register_pytree_with_keys(
    collections.OrderedDict,
    lambda x: (tuple((DictKey(k), x[k]) for k in x.keys()), tuple(x.keys())),
    lambda keys, values: collections.OrderedDict(zip(keys, values, strict=True)),
    lambda x: (tuple(x.values()), tuple(x.keys())),
)


def _flatten_defaultdict(d):
    keys = tuple(_sorted_keys(d))
    return tuple(d[k] for k in keys), (d.default_factory, keys)


def _flatten_defaultdict_with_keys(d):
    keys = tuple(_sorted_keys(d))
    return tuple((DictKey(k), d[k]) for k in keys), (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict,
    _flatten_defaultdict_with_keys,
    lambda s, values: collections.defaultdict(s[0], zip(s[1], values, strict=True)),
    _flatten_defaultdict,
)


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


# ---------------------------------------------------------------------------
# Registry object (jax.tree_util.default_registry look-alike)
# ---------------------------------------------------------------------------


class PyTreeRegistry:
    """Minimal stand-in for JAX's PyTreeRegistry; there is one global registry."""

    def flatten(self, tree, leaf_predicate=None):
        return tree_flatten(tree, leaf_predicate)

    def flatten_with_path(self, tree, leaf_predicate=None):
        return tree_flatten_with_path(tree, leaf_predicate, is_leaf_takes_path=True)

    def flatten_one_level(self, tree):
        kind = _kind_of(tree)
        return None if kind is None else flatten_one_level(tree)

    def flatten_one_level_with_keys(self, tree):
        kind = _kind_of(tree)
        return None if kind is None else flatten_one_level_with_keys(tree)

    def register_node(self, nodetype, to_iterable, from_iterable, to_iterable_with_keys=None):
        register_pytree_node(nodetype, to_iterable, from_iterable, to_iterable_with_keys)

    def register_dataclass_node(self, nodetype, data_fields, meta_fields):
        register_dataclass(nodetype, data_fields, meta_fields)

    def is_node(self, typ):
        return is_tree_node(typ)

    def __repr__(self):
        return "<pyjax default pytree registry>"

    def __reduce__(self):
        return "default_registry"


default_registry = PyTreeRegistry()


def static_field(**kwargs):
    """``dataclasses.field`` with ``metadata={'static': True}`` (as ``jax.tree.static``),
    marking the field as static for :func:`pyjax.tree_util.register_dataclass`."""
    import dataclasses
    metadata = {"static": True, **(kwargs.pop("metadata", {}) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)

"""Pytree key paths: the key entries (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey),
keystr, and flattening with paths (tree_flatten_with_path & co.).

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from pyjax._src.tree_def import PyTreeDef, _treedef_from_node
from pyjax._src.tree_node import (
    _CUSTOM_CODE,
    _DICT_CODE,
    _LEAF,
    _LIST_CODE,
    _NONE_CODE,
    _NT_CODE,
    _TUPLE_CODE,
    _custom_to_iter,
    _is_leaf_bool,
    _kind_of,
    _make_node,
    _node_kind,
    _sorted_keys,
    _split_custom_output,
)

KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyLeafPair = tuple
KeyLeafPairs = Iterable
KeyPath = tuple

# ---------------------------------------------------------------------------
# Key entries
# ---------------------------------------------------------------------------


class _BuiltinKey:
    """An immutable key entry holding one value; subclasses set how it prints and hashes."""

    __slots__ = ("_value",)
    _str_format = "{}"  # str(key), formatted with the value
    _repr_format = "{}"  # repr(key), formatted with the value

    def __str__(self):
        return self._str_format.format(self._value)

    def __repr__(self):
        return self._repr_format.format(self._value)

    def __eq__(self, other):
        return type(other) is self._entry_type and bool(self._value == other._value)

    def __hash__(self):
        return hash(self._value)

    def __reduce__(self):
        return (self._entry_type, (self._value,))


class _IntKey(_BuiltinKey):
    """A key entry holding an index; the offset keeps its hash apart from the other int keys'."""

    __slots__ = ()
    _hash_offset = 0

    def __hash__(self):
        return hash(self._value + self._hash_offset)


class SequenceKey(_IntKey):
    """Key for a child of a tuple or list."""

    __slots__ = ()
    __match_args__ = ("idx",)
    _str_format = "[{}]"
    _repr_format = "SequenceKey(idx={})"
    _hash_offset = 1

    def __init__(self, idx: int):
        self._value = op.index(idx)

    @property
    def idx(self) -> int:
        return self._value


class DictKey(_BuiltinKey):
    """Key for a child of a dict (or other mapping node)."""

    __slots__ = ()
    __match_args__ = ("key",)
    _str_format = "[{!r}]"
    _repr_format = "DictKey(key={!r})"

    def __init__(self, key: Hashable):
        self._value = key

    @property
    def key(self):
        return self._value


class GetAttrKey(_BuiltinKey):
    """Key for a child accessed as an attribute."""

    __slots__ = ()
    __match_args__ = ("name",)
    _str_format = ".{}"
    _repr_format = "GetAttrKey(name='{}')"

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"GetAttrKey name must be a str, got {type(name)}")
        self._value = name

    @property
    def name(self) -> str:
        return self._value


class FlattenedIndexKey(_IntKey):
    """Key for the i-th child of a node registered without key paths."""

    __slots__ = ()
    __match_args__ = ("key",)
    _str_format = "[<flat index {}>]"
    _repr_format = "FlattenedIndexKey(key={})"
    _hash_offset = 42

    def __init__(self, key: int):
        self._value = op.index(key)

    @property
    def key(self) -> int:
        return self._value


BuiltInKeyEntry = (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey)
for _cls in BuiltInKeyEntry:
    _cls._entry_type = _cls  # a subclass compares and pickles as the built-in entry it extends
del _cls


def _simple_entrystr(key) -> str:
    return str(key._value) if type(key) in BuiltInKeyEntry else str(key)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Pretty-prints a key path, e.g. ``"['foo'][0].bar"``."""
    str_fn = _simple_entrystr if simple else str
    return separator.join(map(str_fn, keys))


# ---------------------------------------------------------------------------
# One-level flattening with keys
# ---------------------------------------------------------------------------


def _custom_to_iter_with_keys(kind, x):
    if kind.to_iter_with_keys is None:
        children, aux = _custom_to_iter(kind, x)
        return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux
    pairs, aux = _split_custom_output(
        kind.to_iter_with_keys(x), "to_iterable_with_keys", "key_leaf_pairs"
    )
    result = []
    for p in pairs:
        if not isinstance(p, tuple) or len(p) != 2:
            raise ValueError(
                "The to_iterable_with_keys function for a custom PyTree node should "
                "return a (key_leaf_pairs, aux_data) tuple where 'child"
                f"{p!r}"
            )
        result.append(p)
    return result, aux


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


def flatten_one_level_with_keys(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Flattens the given pytree node by one level, with keys."""
    return _one_level_with_keys(_node_kind(tree), tree)


# ---------------------------------------------------------------------------
# Flattening with paths
# ---------------------------------------------------------------------------


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

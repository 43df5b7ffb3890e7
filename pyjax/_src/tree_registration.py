"""Pytree node registration: register_pytree_node & co., register_dataclass, register_static,
the OrderedDict/defaultdict nodes and the default registry object.

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
"""

from __future__ import annotations

import collections
import dataclasses
import operator as op
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from pyjax._src.tree_def import flatten_one_level, is_tree_node, tree_flatten
from pyjax._src.tree_node import (
    _CUSTOM_CODE,
    _DATACLASS_CODE,
    _Kind,
    _custom_to_iter,
    _finish,
    _flatteners,
    _kind_of,
    _kinds,
    _leaf_types,
    _sorted_keys,
)
from pyjax._src.tree_paths import DictKey, flatten_one_level_with_keys, tree_flatten_with_path

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type)
H = TypeVar("H", bound=Hashable)


def _add_kind(kind, flattener):
    """Makes ``kind.type`` a pytree node type that the fast path flattens with ``flattener``."""
    nodetype = kind.type
    _kinds[nodetype] = kind
    _leaf_types.discard(nodetype)  # it may have been seen (and cached) as a leaf already
    _flatteners[nodetype] = flattener


def _make_custom_flattener(kind):
    def flatten_custom(x, leaves):
        children, aux = _custom_to_iter(kind, x)
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
    _add_kind(kind, _make_custom_flattener(kind))


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
        kept = [f for f in dataclasses.fields(nodetype) if f.name not in drop_fields]
        data_fields = [f.name for f in kept if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in kept if f.metadata.get("static", False)]

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

    _add_kind(kind, flatten_dataclass)
    return nodetype


def static_field(**kwargs):
    """``dataclasses.field`` with ``metadata={'static': True}`` (as ``jax.tree.static``),
    marking the field as static for :func:`pyjax.tree_util.register_dataclass`."""
    metadata = {"static": True, **(kwargs.pop("metadata", {}) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)


def register_static(cls: type[H]) -> type[H]:
    """Registers ``cls`` as a pytree with no leaves (the instance is aux data)."""
    flatten = lambda obj: ((), obj)
    unflatten = lambda obj, empty_iter_children: obj
    register_pytree_with_keys(cls, flatten, unflatten)
    return cls


# ---------------------------------------------------------------------------
# Builtin registrations: OrderedDict, defaultdict
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

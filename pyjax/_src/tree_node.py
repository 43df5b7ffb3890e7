"""Pytree flattening core: node kinds, the type registries, flatten, flatten_up_to and
unflatten of nodes.

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
Pure Python: imports nothing from pyjax.

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

from collections.abc import Callable

import numpy as np

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


def _node_kind(tree):
    """The _Kind of ``tree``, which must be a pytree node (flatten_one_level & co.)."""
    kind = _kind_of(tree)
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return kind


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


def _sequence_flattener(kind):
    """The flattener of tuple or list nodes: ``_finish`` inlined (they are the commonest
    nodes), and all-leaf nodes of up to 63 leaves shared."""
    flat_nodes = [(kind, None, ch, len(ch), True) for ch in _LEAF_CHILDREN]

    def flatten_sequence(x, leaves):
        lt = _leaf_types
        for c in x:
            if type(c) not in lt:
                break
        else:
            n = len(x)
            leaves.extend(x)
            return flat_nodes[n] if n < 64 else (kind, None, (_LEAF,) * n, n, True)
        start = len(leaves)
        ch = tuple([_flat(c, leaves) for c in x])
        nl = len(leaves) - start
        n = len(ch)
        return (kind, None, ch, nl, nl == n and ch.count(_LEAF) == n)

    return flatten_sequence


_UNSORTABLE_KEYS = "Comparator raised exception while sorting pytree dictionary keys."


def _sorted_keys(d):
    try:
        return sorted(d)
    except Exception as e:
        raise ValueError(_UNSORTABLE_KEYS) from e


def _flat_dict(x, leaves):
    # _sorted_keys and _finish inlined (a call each saved): dicts of arrays are the commonest
    # jit arguments after tuples.
    if not x:
        return _EMPTY_DICT_NODE
    try:
        keys = sorted(x)
    except Exception as e:
        raise ValueError(_UNSORTABLE_KEYS) from e
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


# type -> handler(x, leaves) -> node
_flatteners: dict[type, Callable] = {
    tuple: _sequence_flattener(_K_TUPLE),
    list: _sequence_flattener(_K_LIST),
    dict: _flat_dict,
    type(None): _flat_none,
}


# ---------------------------------------------------------------------------
# One-level flattening shared by the slow paths (is_leaf, paths, errors)
# ---------------------------------------------------------------------------


def _split_custom_output(out, fn, part):
    """Checks the ``(part, aux_data)`` pair that a custom node's ``fn`` returned. Returns
    ``(part, aux)`` with ``part`` as given when it is a tuple or list, else as an iterator."""
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(
            f"The {fn} function for a custom PyTree node should return a ({part}, aux_data) "
            f"tuple, got {out!r}"
        )
    first, aux = out
    if type(first) is tuple or type(first) is list:
        return first, aux
    try:
        return iter(first), aux
    except TypeError:
        raise ValueError(
            f"The {fn} function for a custom PyTree node should return a ({part}, aux_data) "
            f"tuple where '{part}' is iterable, got {out!r}"
        ) from None


def _custom_to_iter(kind, x):
    """(children as a tuple or list, aux) of custom node ``x``."""
    children, aux = _split_custom_output(kind.to_iter(x), "to_iterable", "children")
    if type(children) is not tuple and type(children) is not list:
        children = list(children)
    return children, aux


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
    return kind.to_iter(x)  # dataclass: (data field values, meta field values)


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

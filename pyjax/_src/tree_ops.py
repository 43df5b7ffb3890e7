"""Pytree operations: tree_map (with and without paths), reduce, transpose, broadcast.

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pyjax._src.tree_def import (
    Leaf,
    PyTreeDef,
    tree_flatten,
    tree_leaves,
    tree_structure,
    treedef_is_strict_leaf,
)
from pyjax._src.tree_errors import _prefix_error, prefix_errors
from pyjax._src.tree_node import _unflatten
from pyjax._src.tree_paths import tree_flatten_with_path

T = TypeVar("T")


def _leaves_up_to(treedef, tree, rest, is_leaf, name):
    """Each tree of ``rest`` flattened up to ``treedef`` (the structure of ``tree``); on a
    mismatch, the first prefix error found, naming the argument ``name``."""
    r2 = None
    try:
        out = []
        for r in rest:
            r2 = r
            out.append(treedef.flatten_up_to(r))
    except Exception as e:
        err = next(_prefix_error((), tree, r2, is_leaf), None)
        raise (err(name) if err is not None else e) from None
    return out


def tree_map(
    f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """Alias of :func:`jax.tree.map`."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    node = treedef._node
    if not rest:
        return _unflatten(node, list(map(f, leaves)))
    rest_leaves = _leaves_up_to(treedef, tree, rest, is_leaf, "tree_map tree")
    return _unflatten(node, list(map(f, leaves, *rest_leaves)))


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
    rest_leaves = _leaves_up_to(treedef, tree, rest, is_leaf, "tree_map_with_path tree")
    return _unflatten(treedef._node, list(map(f, paths, vals, *rest_leaves)))


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

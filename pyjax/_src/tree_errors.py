"""Pytree structure diagnostics: why a tree is not a prefix of another (prefix_errors) and
how two trees differ (equality_errors).

Part of the pytree layer; everything outside it imports from ``pyjax._src.tree``.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Callable
from typing import Any

from pyjax._src.tree_def import (
    PyTreeDef,
    flatten_one_level,
    tree_structure,
    tree_unflatten,
    treedef_is_strict_leaf,
)
from pyjax._src.tree_paths import KeyPath, flatten_one_level_with_keys, keystr


def _child_keys(pytree: Any) -> KeyPath:
    return tuple(k for k, _ in flatten_one_level_with_keys(pytree)[0])


def _node_parts(tree):
    """(children, metadata, child keys) of the pytree node ``tree``."""
    children, meta = flatten_one_level(tree)
    return tuple(children), meta, _child_keys(tree)


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

    prefix_tree_children, prefix_tree_meta, prefix_tree_keys = _node_parts(prefix_tree)
    full_tree_children, full_tree_meta, full_tree_keys = _node_parts(full_tree)
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
    t1_children, t1_meta, t1_keys = _node_parts(t1)
    t2_children, t2_meta, t2_keys = _node_parts(t2)
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

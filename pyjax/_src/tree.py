"""Pytree layer for pyjax (semantics of ``jax.tree_util`` / ``jax.tree``).

Everything here is pure Python and imports nothing from the rest of pyjax. The rest of pyjax
imports the pytree layer from this module only; the code lives in one module per family:

* ``tree_node``         node kinds, type registries, flatten, flatten_up_to and unflatten of
                        nodes (its docstring describes the node representation)
* ``tree_def``          PyTreeDef and the flatten API: tree_flatten, tree_unflatten, tree_leaves,
                        tree_structure, treedef_*, flatten_one_level, ...
* ``tree_paths``        key entries (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey), keystr,
                        tree_flatten_with_path & co.
* ``tree_errors``       structure diagnostics: prefix_errors, equality_errors
* ``tree_ops``          tree_map, tree_map_with_path, reduce, transpose, broadcast
* ``tree_registration`` register_pytree_node & co., register_dataclass, register_static,
                        OrderedDict/defaultdict nodes, default_registry
* ``tree_partial``      Partial
"""

from __future__ import annotations

from pyjax._src.tree_def import (  # noqa: F401
    Leaf,
    PyTree,
    PyTreeDef,
    all_leaves,
    build_tree,
    flatten_one_level,
    is_tree_node,
    tree_flatten,
    tree_leaves,
    tree_structure,
    tree_unflatten,
    treedef_children,
    treedef_is_leaf,
    treedef_is_strict_leaf,
    treedef_tuple,
)
from pyjax._src.tree_errors import (  # noqa: F401
    _prefix_error,
    equality_errors,
    equality_errors_pytreedef,
    prefix_errors,
)
from pyjax._src.tree_ops import (  # noqa: F401
    T,
    Unspecified,
    _replace_nones,
    broadcast_flattened_prefix_with_treedef,
    broadcast_prefix,
    tree_all,
    tree_broadcast,
    tree_leaves_checked,
    tree_map,
    tree_map_with_path,
    tree_reduce,
    tree_reduce_associative,
    tree_transpose,
)
from pyjax._src.tree_partial import Partial  # noqa: F401
from pyjax._src.tree_paths import (  # noqa: F401
    BuiltInKeyEntry,
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    KeyEntry,
    KeyLeafPair,
    KeyLeafPairs,
    KeyPath,
    SequenceKey,
    _generate_key_paths,
    flatten_one_level_with_keys,
    generate_key_paths,
    keystr,
    tree_flatten_with_path,
    tree_leaves_with_path,
)
from pyjax._src.tree_registration import (  # noqa: F401
    H,
    PyTreeRegistry,
    Typ,
    default_registry,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    register_pytree_with_keys_class,
    register_static,
    static_field,
)

# The public classes keep this module as their home, so their reprs, error messages that name
# their types, and pickles read as they did before the layer was split into modules.
for _cls in (PyTreeDef, SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey, Partial,
             PyTreeRegistry, Unspecified):
    _cls.__module__ = __name__
del _cls

"""Tests for the pytree layer (pyjax.tree_util / pyjax.tree).

Expected values are literals taken from JAX's documentation, docstrings and
its own test-suite (tests/tree_util_test.py) or from the text of JAX's error
messages in jax/_src/tree_util.py and jaxlib's pytree.cc.
"""

import collections
import dataclasses
import functools
import operator
import pickle
import re
import timeit
from typing import Any, NamedTuple

import numpy as np
import pytest

from pyjax import tree_util
from pyjax import tree as jtree
from pyjax._src.tree import flatten_one_level, prefix_errors

SequenceKey = tree_util.SequenceKey
DictKey = tree_util.DictKey
GetAttrKey = tree_util.GetAttrKey
FlattenedIndexKey = tree_util.FlattenedIndexKey


# ---------------------------------------------------------------------------
# Fixtures (mirroring JAX's tree_util_test.py)
# ---------------------------------------------------------------------------


def _dummy_func(*args, **kwargs):
    return


ATuple = collections.namedtuple("ATuple", ("foo", "bar"))


class ANamedTupleSubclass(ATuple):
    pass


ATuple2 = collections.namedtuple("ATuple2", ("foo", "bar"))
tree_util.register_pytree_node(
    ATuple2, lambda o: ((o.foo,), o.bar), lambda bar, foo: ATuple2(foo[0], bar)
)

BadFlattenNonTuple = collections.namedtuple("ATuple2", ("foo", "bar"))
tree_util.register_pytree_node(
    BadFlattenNonTuple, lambda o: "hello", lambda bar, foo: ATuple2(foo[0], bar)
)

BadFlattenBadArityTuple = collections.namedtuple("ATuple2", ("foo", "bar"))
tree_util.register_pytree_node(
    BadFlattenBadArityTuple, lambda o: (2, 3, 4), lambda bar, foo: ATuple2(foo[0], bar)
)

BadFlattenNonIterableLeaves = collections.namedtuple("ATuple2", ("foo", "bar"))
tree_util.register_pytree_node(
    BadFlattenNonIterableLeaves, lambda o: (7, 7), lambda bar, foo: ATuple2(foo[0], bar)
)


class AnObject:

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def __eq__(self, other):
        return self.x == other.x and self.y == other.y and self.z == other.z

    def __hash__(self):
        return hash((self.x, self.y, self.z))

    def __repr__(self):
        return f"AnObject({self.x},{self.y},{self.z})"


tree_util.register_pytree_node(
    AnObject, lambda o: ((o.x, o.y), o.z), lambda z, xy: AnObject(xy[0], xy[1], z)
)


class AnObject2(AnObject):
    pass


tree_util.register_pytree_with_keys(
    AnObject2,
    lambda o: ((("x", o.x), ("y", o.y)), o.z),  # flatten_with_keys
    lambda z, xy: AnObject2(xy[0], xy[1], z),  # unflatten
)


@tree_util.register_pytree_node_class
class Special:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __repr__(self):
        return f"Special(x={self.x}, y={self.y})"

    def tree_flatten(self):
        return ((self.x, self.y), None)

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        return cls(*children)

    def __eq__(self, other):
        return type(self) is type(other) and (self.x, self.y) == (other.x, other.y)


@tree_util.register_pytree_with_keys_class
class SpecialWithKeys(Special):
    def tree_flatten_with_keys(self):
        return (((tree_util.GetAttrKey("x"), self.x), (tree_util.GetAttrKey("y"), self.y)), None)


@tree_util.register_pytree_node_class
class FlatCache:
    def __init__(self, structured, *, leaves=None, treedef=None):
        if treedef is None:
            leaves, treedef = tree_util.tree_flatten(structured)
        self._structured = structured
        self.treedef = treedef
        self.leaves = leaves

    def __hash__(self):
        return hash(self.structured)

    def __eq__(self, other):
        return self.structured == other.structured

    def __repr__(self):
        return f"FlatCache({self.structured!r})"

    @property
    def structured(self):
        if self._structured is None:
            self._structured = tree_util.tree_unflatten(self.treedef, self.leaves)
        return self._structured

    def tree_flatten(self):
        return self.leaves, self.treedef

    @classmethod
    def tree_unflatten(cls, meta, data):
        if not tree_util.all_leaves(data):
            data, meta = tree_util.tree_flatten(tree_util.tree_unflatten(meta, data))
        return FlatCache(None, leaves=data, treedef=meta)


@tree_util.register_static
class StaticInt(int):
    pass


@tree_util.register_static
class StaticTuple(tuple):
    pass


@tree_util.register_static
class StaticDict(dict):
    pass


@tree_util.register_static
@dataclasses.dataclass
class BlackBox:
    """Stores a value but pretends to be equal to every other black box."""

    value: int

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, BlackBox)


@tree_util.register_dataclass
@dataclasses.dataclass
class ADataclass:
    x: tuple
    y: int


@tree_util.register_dataclass
@dataclasses.dataclass
class ADataclassWithMeta:
    x: tuple
    y: int
    z: int = dataclasses.field(metadata={"static": True})


TREES_AND_STRINGS = [
    (None, "PyTreeDef(None)"),
    ((None,), "PyTreeDef((None,))"),
    ((), "PyTreeDef(())"),
    ([()], "PyTreeDef([()])"),
    ((1, 2), "PyTreeDef((*, *))"),
    (((1, "foo"), ["bar", (3, None, 7)]), "PyTreeDef(((*, *), [*, (*, None, *)]))"),
    ([3], "PyTreeDef([*])"),
    (
        [3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})],
        "PyTreeDef([*, CustomNode(namedtuple[ATuple], [(*, "
        "CustomNode(namedtuple[ATuple], [*, None])), {'baz': *}])])",
    ),
    ([AnObject(3, None, [4, "foo"])], "PyTreeDef([CustomNode(AnObject[[4, 'foo']], [*, None])])"),
    ([AnObject2(3, None, [4, "foo"])], "PyTreeDef([CustomNode(AnObject2[[4, 'foo']], [*, None])])"),
    (Special(2, 3.0), "PyTreeDef(CustomNode(Special[None], [*, *]))"),
    ({"a": 1, "b": 2}, "PyTreeDef({'a': *, 'b': *})"),
    (StaticInt(1), "PyTreeDef(CustomNode(StaticInt[1], []))"),
    (StaticTuple((2, 3)), "PyTreeDef(CustomNode(StaticTuple[(2, 3)], []))"),
    (StaticDict(foo=4, bar=5), "PyTreeDef(CustomNode(StaticDict[{'foo': 4, 'bar': 5}], []))"),
    (ADataclass(x=(1, 2), y=3), "PyTreeDef(CustomNode(ADataclass[()], [(*, *), *]))"),
    (
        ADataclassWithMeta(x=(1, 2), y=3, z=4),
        "PyTreeDef(CustomNode(ADataclassWithMeta[(4,)], [(*, *), *]))",
    ),
]

TREES = [t for t, _ in TREES_AND_STRINGS] + [
    collections.OrderedDict([("foo", 34), ("baz", 101), ("something", -42)]),
    collections.defaultdict(dict, [("foo", 34), ("baz", 101), ("something", -42)]),
    ANamedTupleSubclass(foo="hello", bar=3.5),
    FlatCache(None),
    FlatCache(1),
    FlatCache({"a": [1, 2]}),
    BlackBox(value=2),
]

LEAVES = ["foo", 0.1, 1, object()]

TREES_WITH_KEYPATH = [
    None,
    (None,),
    (),
    [()],
    (1, 0),
    ((1, "foo"), ["bar", (3, None, 7)]),
    [3],
    [3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})],
    [AnObject2(3, None, [4, "foo"])],
    SpecialWithKeys(2, 3.0),
    {"a": 1, "b": 0},
    collections.OrderedDict([("foo", 34), ("baz", 101), ("something", -42)]),
    collections.defaultdict(dict, [("foo", 34), ("baz", 101), ("something", -42)]),
    ANamedTupleSubclass(foo="hello", bar=3.5),
    StaticInt(1),
    StaticTuple((2, 3)),
    StaticDict(foo=4, bar=5),
    BlackBox(value=2),
]


# ---------------------------------------------------------------------------
# Round trips, structure strings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("inputs", TREES + LEAVES)
def test_roundtrip(inputs):
    xs, tree = tree_util.tree_flatten(inputs)
    assert tree_util.tree_unflatten(tree, xs) == inputs


@pytest.mark.parametrize("inputs", TREES + LEAVES)
def test_roundtrip_with_flatten_up_to(inputs):
    _, tree = tree_util.tree_flatten(inputs)
    xs = tree.flatten_up_to(inputs)
    assert tree_util.tree_unflatten(tree, xs) == inputs


@pytest.mark.parametrize("inputs", TREES)
def test_roundtrip_is_leaf(inputs):
    xs, treedef = tree_util.tree_flatten(inputs, is_leaf=lambda t: isinstance(t, tuple))
    assert tree_util.tree_unflatten(treedef, xs) == inputs


@pytest.mark.parametrize("inputs", TREES)
def test_pickle_roundtrip(inputs):
    leaves, treedef = tree_util.tree_flatten(inputs)
    restored = pickle.loads(pickle.dumps(treedef))
    assert treedef == restored
    assert restored.unflatten(leaves) == inputs


@pytest.mark.parametrize("tree,expected", TREES_AND_STRINGS)
def test_string_representation(tree, expected):
    treedef = tree_util.tree_structure(tree)
    assert str(treedef) == expected
    assert repr(treedef) == expected


def test_empty_dict_string_representation():
    assert str(tree_util.tree_structure({})) == "PyTreeDef({})"


def test_docstring_examples():
    vals, treedef = jtree.flatten([1, (2, 3), [4, 5]])
    assert vals == [1, 2, 3, 4, 5]
    assert repr(treedef) == "PyTreeDef([*, (*, *), [*, *]])"
    assert jtree.unflatten(treedef, [100, 200, 300, 400, 500]) == [100, (200, 300), [400, 500]]
    assert jtree.leaves([1, (2, 3), [4, 5]]) == [1, 2, 3, 4, 5]
    assert repr(jtree.structure([1, (2, 3), [4, 5]])) == "PyTreeDef([*, (*, *), [*, *]])"
    assert jtree.map(lambda x: x + 1, {"x": 7, "y": 42}) == {"x": 8, "y": 43}
    assert jtree.map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]) == [[5, 7, 9], [6, 1, 2]]
    assert jtree.reduce(operator.add, [1, (2, 3), [4, 5, 6]]) == 21
    assert jtree.reduce_associative(operator.add, [1, (2, 3), [4, 5, 6]]) == 21
    assert jtree.all([True, {"a": True, "b": (True, True)}]) is True
    assert jtree.all([False, (True, False)]) is False
    assert jtree.broadcast((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0))) == (
        1,
        {"a": 2, "b": 2},
        (3, 3),
    )
    assert jtree.map_with_path(lambda path, x: x + path[0].idx, [1, 2, 3]) == [1, 3, 5]


def test_leaf_and_none_structure():
    assert repr(tree_util.tree_structure(1)) == "PyTreeDef(*)"
    assert tree_util.tree_leaves(None) == []
    assert tree_util.tree_leaves([None, None]) == []
    assert tree_util.tree_flatten(None)[1].num_leaves == 0
    assert tree_util.tree_flatten(None)[1].num_nodes == 1
    assert tree_util.tree_unflatten(tree_util.tree_structure(None), []) is None
    # None is a node with no children, so it survives tree_map unchanged.
    assert tree_util.tree_map(lambda x: x + 1, [1, None, {"a": None}]) == [2, None, {"a": None}]


def test_num_leaves_num_nodes():
    td = tree_util.tree_structure(((1, 2, 3), (4,)))
    assert td.num_leaves == 4
    assert td.num_nodes == 7
    td = tree_util.tree_structure({"a": [1, None], "b": 2})
    assert td.num_leaves == 2
    assert td.num_nodes == 5  # dict, list, *, None, *


def test_flatten_order():
    flat1, _ = tree_util.tree_flatten([0, ((1, 2), 3, (4, (5, 6, 7))), 8, 9])
    flat3, _ = tree_util.tree_flatten([0, ((1, (2, 3)), (4, (5, 6, 7))), 8, 9])
    assert flat1 == list(range(10))
    assert flat3 == list(range(10))


def test_leaves_are_arbitrary_objects():
    a = np.arange(3)
    o = object()
    leaves = tree_util.tree_leaves([a, {"k": o}, "str", 1.5, b"b"])
    assert leaves[0] is a and leaves[1] is o and leaves[2:] == ["str", 1.5, b"b"]
    # Unregistered containers (sets, dict subclasses, ...) are leaves.
    s = {1, 2}
    assert tree_util.tree_leaves([s]) == [s]


# ---------------------------------------------------------------------------
# Node types
# ---------------------------------------------------------------------------


class Point(NamedTuple):
    x: Any
    y: Any


def test_namedtuple_node():
    p = Point(1, (2, 3))
    leaves, td = tree_util.tree_flatten(p)
    assert leaves == [1, 2, 3]
    assert repr(td) == "PyTreeDef(CustomNode(namedtuple[Point], [*, (*, *)]))"
    out = tree_util.tree_unflatten(td, [10, 20, 30])
    assert type(out) is Point and out == Point(10, (20, 30))
    # namedtuple and plain tuple structures differ
    assert tree_util.tree_structure(Point(1, 2)) != tree_util.tree_structure((1, 2))
    assert tree_util.tree_structure(ATuple(1, 2)) != tree_util.tree_structure(
        ANamedTupleSubclass(1, 2)
    )
    assert tree_util.tree_map(lambda x: x * 2, p) == Point(2, (4, 6))


def test_registered_namedtuple_is_custom_node():
    leaves, td = tree_util.tree_flatten(ATuple2(1, "hi"))
    assert leaves == [1]
    assert repr(td) == "PyTreeDef(CustomNode(ATuple2[hi], [*]))"


def test_dict_keys_sorted():
    d = {"b": 2, "a": 1, "c": {"b": 2, "a": 1}}
    leaves, treedef = tree_util.tree_flatten(d)
    assert leaves == [1, 2, 1, 2]
    assert str(treedef) == "PyTreeDef({'a': *, 'b': *, 'c': {'a': *, 'b': *}})"
    restored = tree_util.tree_unflatten(treedef, leaves)
    assert list(restored.keys()) == ["a", "b", "c"]
    # insertion order does not matter for the structure
    assert tree_util.tree_structure({"a": 1, "b": 2}) == tree_util.tree_structure({"b": 1, "a": 2})


def test_dict_keys_not_sortable():
    with pytest.raises(
        ValueError,
        match=re.escape("Comparator raised exception while sorting pytree dictionary keys."),
    ):
        tree_util.tree_flatten({"a": 1, 2: "b"})
    with pytest.raises(ValueError, match="Comparator raised exception"):
        tree_util.tree_map(lambda x: x + 1, {1: 7, "y": 42})


def test_non_string_dict_keys():
    leaves, td = tree_util.tree_flatten({2: "b", 1: "a", 3: "c"})
    assert leaves == ["a", "b", "c"]
    assert repr(td) == "PyTreeDef({1: *, 2: *, 3: *})"


def test_ordered_dict_keeps_insertion_order():
    d = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, td = tree_util.tree_flatten(d)
    assert leaves == [1, 2]
    assert repr(td) == "PyTreeDef(CustomNode(OrderedDict[('b', 'a')], [*, *]))"
    out = tree_util.tree_unflatten(td, [3, 4])
    assert type(out) is collections.OrderedDict
    assert list(out.items()) == [("b", 3), ("a", 4)]
    assert td != tree_util.tree_structure(collections.OrderedDict([("a", 1), ("b", 2)]))


def test_defaultdict_keeps_default_factory():
    d = collections.defaultdict(int, {"b": 2, "a": 1, "c": {"b": 2, "a": 1}})
    leaves, treedef = tree_util.tree_flatten(d)
    assert leaves == [1, 2, 1, 2]
    restored = tree_util.tree_unflatten(treedef, leaves)
    assert type(restored) is collections.defaultdict
    assert restored.default_factory is int
    assert list(restored.keys()) == ["a", "b", "c"]
    assert restored["missing"] == 0
    assert (
        repr(tree_util.tree_structure(collections.defaultdict(list, {"x": 1})))
        == "PyTreeDef(CustomNode(defaultdict[(<class 'list'>, ('x',))], [*]))"
    )
    assert tree_util.tree_structure(
        collections.defaultdict(list, {"x": 1})
    ) != tree_util.tree_structure(collections.defaultdict(int, {"x": 1}))


def test_custom_node_aux_in_structure():
    t1 = tree_util.tree_structure(AnObject(1, 2, "p"))
    t2 = tree_util.tree_structure(AnObject(3, 4, "p"))
    t3 = tree_util.tree_structure(AnObject(1, 2, "q"))
    assert t1 == t2 and hash(t1) == hash(t2)
    assert t1 != t3


def test_unhashable_aux_data_treedef_still_hashable():
    # AnObject with a list as aux data: equality works, hash must not raise.
    t1 = tree_util.tree_structure(AnObject(1, 2, [4, "foo"]))
    t2 = tree_util.tree_structure(AnObject(5, 6, [4, "foo"]))
    assert t1 == t2
    assert hash(t1) == hash(t2)


# ---------------------------------------------------------------------------
# Treedef API
# ---------------------------------------------------------------------------


def test_treedef_hash_eq():
    s = tree_util.tree_structure
    assert s((1, 2)) == s(("a", "b"))
    assert hash(s((1, 2))) == hash(s(("a", "b")))
    assert s([1, 2]) != s((1, 2))
    assert s({"a": 1}) != s({"b": 1})
    assert s((1, (2, 3))) != s(((1, 2), 3))
    assert s([1, None]) != s([1, 2])
    assert s(None) != s(())
    assert s({"a": [1, (2, 3)]}) == s({"a": [4, (5, 6)]})
    assert (s((1, 2)) == (1, 2)) is False
    assert s((1, 2)) != "PyTreeDef((*, *))"
    cache = {s((1, {"a": 2})): "x"}
    assert cache[s((3, {"a": 4}))] == "x"
    assert len({s([1]), s([2]), s((1,)), s([[1]])}) == 3


def test_treedef_is_immutable_value():
    td = tree_util.tree_structure((1, 2))
    with pytest.raises(AttributeError):
        td.num_leaves = 3
    with pytest.raises(TypeError):
        tree_util.PyTreeDef()


def test_children():
    _, tree = tree_util.tree_flatten(((1, 2, 3), (4,)))
    _, c0 = tree_util.tree_flatten((0, 0, 0))
    _, c1 = tree_util.tree_flatten((7,))
    assert tree.children() == [c0, c1]
    x = [(1, 2), 3, {"a": 4}]
    children = tree_util.treedef_children(tree_util.tree_structure(x))
    assert repr(children) == "[PyTreeDef((*, *)), PyTreeDef(*), PyTreeDef({'a': *})]"
    assert children == [tree_util.tree_structure(v) for v in x]
    assert tree_util.tree_structure(1).children() == []


def test_treedef_tuple():
    x, y = [1, 2, 3], {"a": 4, "b": 5}
    xy = tree_util.treedef_tuple([tree_util.tree_structure(x), tree_util.tree_structure(y)])
    assert xy == tree_util.tree_structure((x, y))
    assert tree_util.tree_structure((3,)) == tree_util.treedef_tuple((tree_util.tree_structure(3),))
    tree = ((1, 2, (3, 4)), (5,))
    leaves, td1 = tree_util.tree_flatten(tree)
    td2 = tree_util.treedef_tuple(td1.children())
    assert td1.num_leaves == td2.num_leaves == len(leaves)
    assert td1.num_nodes == td2.num_nodes
    assert td1 == td2


def test_treedef_is_leaf():
    assert tree_util.treedef_is_leaf(tree_util.tree_structure(1)) is True
    assert tree_util.treedef_is_leaf(tree_util.tree_structure([1, 2])) is False
    assert tree_util.treedef_is_leaf(tree_util.tree_structure(None)) is True


@pytest.mark.parametrize("tree", TREES)
def test_compose(tree):
    treedef = tree_util.tree_structure(tree)
    inner = tree_util.tree_structure(["*", "*", "*"])
    composed = treedef.compose(inner)
    expected_leaves = treedef.num_leaves * inner.num_leaves
    assert composed.num_leaves == expected_leaves
    assert composed.num_nodes == (
        (treedef.num_nodes - treedef.num_leaves) + inner.num_nodes * treedef.num_leaves
    )
    leaves = [1] * expected_leaves
    composed_tree = tree_util.tree_unflatten(composed, leaves)
    assert tree_util.tree_leaves(composed_tree) == leaves


def test_compose_structure():
    outer = tree_util.tree_structure((1, {"a": 2}))
    inner = tree_util.tree_structure([1, 2])
    assert outer.compose(inner) == tree_util.tree_structure(([1, 2], {"a": [3, 4]}))


def test_node_data():
    s = tree_util.tree_structure
    assert s(1).node_data() is None
    assert s(None).node_data() == (type(None), None)
    assert s((1, 2)).node_data() == (tuple, None)
    assert s([1]).node_data() == (list, None)
    assert s({"b": 1, "a": 2}).node_data() == (dict, ["a", "b"])
    assert s(Point(1, 2)).node_data() == (Point, None)
    assert s(AnObject(1, 2, "z")).node_data() == (AnObject, "z")
    assert s(ADataclassWithMeta(x=(1, 2), y=3, z=4)).node_data() == (ADataclassWithMeta, (4,))


@pytest.mark.parametrize(
    "tree",
    [
        {"a": [1, (2, None)], "b": Point(3, 4)},
        AnObject(1, [2], "z"),
        ADataclassWithMeta(x=(1, 2), y=3, z=4),
        (),
        5,
    ],
)
def test_make_from_node_data_and_children(tree):
    td = tree_util.tree_structure(tree)

    def rebuild(t):
        return tree_util.PyTreeDef.make_from_node_data_and_children(
            tree_util.default_registry, t.node_data(), [rebuild(c) for c in t.children()]
        )

    assert rebuild(td) == td


def test_walk():
    d = {"b": 2, "a": 1, "c": {"b": 2, "a": 1}}
    leaves, treedef = tree_util.tree_flatten(d)
    nodes_visited, node_data_visited, leaves_visited = [], [], []

    def f_node(node, node_data):
        nodes_visited.append(node)
        node_data_visited.append(node_data)

    treedef.walk(f_node, leaves_visited.append, leaves)
    assert leaves_visited == [1, 2, 1, 2]
    assert nodes_visited == [(None, None), (None, None, None)]
    assert node_data_visited == [["a", "b"], ["a", "b", "c"]]


def test_build_tree():
    treedef = tree_util.tree_structure([(1, 2), {"a": 3, "b": 4}])
    assert tree_util.build_tree(treedef, [[10, 11], [12, 13]]) == [(10, 11), {"a": 12, "b": 13}]
    assert tree_util.tree_unflatten(treedef, [10, 11, 12, 13]) == [(10, 11), {"a": 12, "b": 13}]
    with pytest.raises(ValueError, match="Arity mismatch between trees"):
        tree_util.build_tree(treedef, [[10, 11, 12], [12, 13]])


def test_unflatten_errors():
    td = tree_util.tree_structure((1, 2, 3))
    with pytest.raises(
        ValueError, match=re.escape("Too few leaves for PyTreeDef; expected 3, got 2")
    ):
        tree_util.tree_unflatten(td, [1, 2])
    td2 = tree_util.tree_structure((1, 2))
    with pytest.raises(ValueError, match=re.escape("Too many leaves for PyTreeDef; expected 2.")):
        tree_util.tree_unflatten(td2, [1, 2, 3])
    with pytest.raises(
        ValueError, match=re.escape("Too few leaves for PyTreeDef; expected 3, got 0")
    ):
        td.unflatten(iter([]))


def test_unflatten_accepts_iterables_and_does_not_alias():
    td = tree_util.tree_structure([1, 2])
    src = [5, 6]
    out = td.unflatten(src)
    assert out == [5, 6] and out is not src
    assert td.unflatten(x for x in (7, 8)) == [7, 8]
    assert td.unflatten((9, 10)) == [9, 10]
    assert tree_util.tree_structure(1).unflatten([3]) == 3


# ---------------------------------------------------------------------------
# flatten_up_to
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tree,xs,expected",
    [
        (
            [(1, 2), None, ATuple(foo=3, bar=7)],
            [({"foo": 7}, (3, 4)), None, ATuple(foo=(11, 9), bar=None)],
            [{"foo": 7}, (3, 4), (11, 9), None],
        ),
        ([1], [{"a": 7}], [{"a": 7}]),
        ([1], [[7]], [[7]]),
        ([1], [(7,)], [(7,)]),
        ((1, 2), ({"a": 7}, {"a": 8}), [{"a": 7}, {"a": 8}]),
        ((1,), ([7],), [[7]]),
        ((1,), ((7,),), [(7,)]),
        ({"a": 1, "b": (2, 3)}, {"a": [7], "b": ([8], (9,))}, [[7], [8], (9,)]),
        ({"a": 1}, {"a": (7,)}, [(7,)]),
        ({"a": 1}, {"a": {"a": 7}}, [{"a": 7}]),
        (None, None, []),
    ],
)
def test_flatten_up_to(tree, xs, expected):
    _, tree_def = tree_util.tree_flatten(tree)
    assert tree_def.flatten_up_to(xs) == expected


@pytest.mark.parametrize(
    "tree,xs,error",
    [
        ([1, 2], [7], "List arity mismatch: 1 != 2; list: [7]."),
        ((1,), (7, 8), "Tuple arity mismatch: 2 != 1; tuple: (7, 8)."),
        ((1, 2, 3), (1, 2), "Tuple arity mismatch: 2 != 3; tuple: (1, 2)."),
        (
            {"a": 1},
            {"a": 7, "b": 8},
            "Dict key mismatch; expected keys: ['a']; dict: {'a': 7, 'b': 8}.",
        ),
        ({"a": 1}, {"b": 7}, "Dict key mismatch; expected keys: ['a']; dict: {'b': 7}."),
        ([1], {"a": 7}, "Expected list, got {'a': 7}."),
        ([1], (7,), "Expected list, got (7,)."),
        ((1,), [7], "Expected tuple, got [7]."),
        ((1,), {"b": 7}, "Expected tuple, got {'b': 7}."),
        ({"a": 1}, (7,), "Expected dict, got (7,)."),
        ({"a": 1}, [7], "Expected dict, got [7]."),
        ([[1]], [7], "Expected list, got 7."),
        ([[1]], [(7,)], "Expected list, got (7,)."),
        ([(1,)], [{"a": 7}], "Expected tuple, got {'a': 7}."),
        ([{"a": 1}], [7], "Expected dict, got 7."),
        ([{"a": 1}], [{"b": 7}], "Dict key mismatch; expected keys: ['a']; dict: {'b': 7}."),
        (([1],), ({"a": 7},), "Expected list, got {'a': 7}."),
        (((1,),), ([7],), "Expected tuple, got [7]."),
        (({"a": 1},), ((7,),), "Expected dict, got (7,)."),
        ({"a": [1]}, {"a": (7,)}, "Expected list, got (7,)."),
        ({"a": (1,)}, {"a": {"a": 7}}, "Expected tuple, got {'a': 7}."),
        (
            {"a": {"a": 1}},
            {"a": {"b": 7}},
            "Dict key mismatch; expected keys: ['a']; dict: {'b': 7}.",
        ),
        ([ATuple(foo=1, bar=2)], [(1, 2)], "Expected named tuple, got (1, 2)."),
        (
            [ATuple(foo=1, bar=2)],
            [ANamedTupleSubclass(foo=1, bar=2)],
            "Named tuple type mismatch: expected type: <class 'test_tree.ATuple'>, "
            "tuple: ANamedTupleSubclass(foo=1, bar=2).",
        ),
        ([ATuple(foo=1, bar=2)], [Point(1, 2)], "Named tuple type mismatch"),
        (
            [AnObject(x=[1], y=(2,), z={"a": [1]})],
            [([1], (2,), {"a": [1]})],
            "Custom node type mismatch",
        ),
        (
            [AnObject(x=1, y=2, z="p")],
            [AnObject(x=1, y=2, z="q")],
            "Mismatch custom node data: 'p' != 'q'; value: AnObject(1,2,q).",
        ),
        (
            ADataclassWithMeta(x=(1, 2), y=3, z=4),
            ADataclassWithMeta(x=(1, 2), y=3, z=5),
            "Mismatch custom dataclass node data: (4,) != (5,); value: "
            "ADataclassWithMeta(x=(1, 2), y=3, z=5).",
        ),
        (None, [2], "Expected None, got [2]."),
    ],
)
def test_flatten_up_to_errors(tree, xs, error):
    _, tree_def = tree_util.tree_flatten(tree)
    error = error.replace("test_tree.", "__MODULE__")
    pattern = re.escape(error).replace("__MODULE__", r"(?:[\w.]*\.)?")
    with pytest.raises(ValueError, match=pattern):
        tree_def.flatten_up_to(xs)


def test_flatten_up_to_none_full_message():
    td = tree_util.tree_structure([None])
    with pytest.raises(ValueError) as e:
        td.flatten_up_to([3])
    assert str(e.value) == (
        "Expected None, got 3.\n\n"
        "In previous releases of JAX, flatten-up-to used to consider None to be "
        "a tree-prefix of non-None values. To obtain the previous behavior, you "
        "can usually write:\n"
        "  jax.tree.map(lambda x, y: None if x is None else f(x, y), a, b, "
        "is_leaf=lambda x: x is None)"
    )


# ---------------------------------------------------------------------------
# tree_map / reduce / transpose / broadcast / all_leaves
# ---------------------------------------------------------------------------


def test_tree_map():
    x = ((1, 2), (3, 4, 5))
    y = (([3], None), ({"foo": "bar"}, 7, [5, 6]))
    out = tree_util.tree_map(lambda *xs: tuple(xs), x, y)
    assert out == (((1, [3]), (2, None)), ((3, {"foo": "bar"}), (4, 7), (5, [5, 6])))


def test_tree_map_with_is_leaf():
    x = ((1, 2), [3, 4, 5])
    y = (([3], None), ({"foo": "bar"}, 7, [5, 6]))
    out = tree_util.tree_map(lambda *xs: tuple(xs), x, y, is_leaf=lambda n: isinstance(n, list))
    assert out == (((1, [3]), (2, None)), (([3, 4, 5], ({"foo": "bar"}, 7, [5, 6]))))


def test_tree_map_custom_and_dataclass():
    t = [AnObject(1, 2, "z"), Special(3, 4), ADataclassWithMeta(x=(5, 6), y=7, z=8)]
    out = tree_util.tree_map(lambda v: v * 10, t)
    assert out == [
        AnObject(10, 20, "z"),
        Special(30, 40),
        ADataclassWithMeta(x=(50, 60), y=70, z=8),
    ]


def test_tree_map_errors():
    f = lambda x, y: x
    with pytest.raises(ValueError) as e:
        tree_util.tree_map(f, (1, 2), (1, 2, 3))
    assert str(e.value) == (
        "pytree structure error: different lengths of tuple at key path\n"
        "    tree_map tree\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type "
        "tuple of length 2, but the full pytree has a subtree of the same type but "
        "of length 3."
    )

    with pytest.raises(ValueError) as e:
        tree_util.tree_map(f, {"a": (1, 2)}, {"a": (1, 2, 3)})
    assert str(e.value).startswith(
        "pytree structure error: different lengths of tuple at key path\n"
        "    tree_map tree['a']\n"
    )

    with pytest.raises(ValueError) as e:
        tree_util.tree_map(f, (1, 2), [1, 2])
    assert str(e.value) == (
        "pytree structure error: different types at key path\n"
        "    tree_map tree\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        "    <class 'tuple'>\n"
        "but at the same key path the full pytree has a subtree of different type\n"
        "    <class 'list'>."
    )

    with pytest.raises(ValueError) as e:
        tree_util.tree_map(f, {"a": 1}, {"a": 1, "b": 2})
    assert str(e.value) == (
        "pytree structure error: different numbers of pytree children at key path\n"
        "    tree_map tree\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        "    <class 'dict'>\n"
        "with 1 child keys\n"
        "    ['a']\n"
        "but at the same key path the full pytree has a subtree of the same type "
        "but with 2 child keys\n"
        "    ['a'] ['b']\n"
        "so the symmetric difference on key sets is\n"
        "    ['b']"
    )

    with pytest.raises(ValueError) as e:
        tree_util.tree_map(f, {"a": 1}, {"b": 1})
    msg = str(e.value)
    assert msg.startswith(
        "pytree structure error: different pytree metadata at key path\n"
        "    tree_map tree\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        "    <class 'dict'>\n"
        "with metadata\n"
        "    ('a',)\n"
        "but at the same key path the full pytree has a subtree of the same type "
        "but with metadata\n"
        "    ('b',)\n"
        "so the diff in the metadata at these pytree nodes is\n"
    )
    assert "    - ('a',)" in msg and "    + ('b',)" in msg

    with pytest.raises(ValueError, match="tree_map_with_path tree"):
        tree_util.tree_map_with_path(lambda kp, x, y: x, [1], [1, 2])


def test_tree_map_prefix_semantics():
    # rest trees may have the first tree as a prefix
    assert tree_util.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), {"a": 5}]) == [
        (1, (3, 4)),
        (2, {"a": 5}),
    ]


def test_tree_reduce():
    assert tree_util.tree_reduce(operator.add, [1, (2, 3), {"a": 4}]) == 10
    assert tree_util.tree_reduce(operator.add, [], 7) == 7
    assert tree_util.tree_reduce(
        lambda x, y: x + y, [(1, 2), [(3, 4), (5, 6)]], is_leaf=lambda l: isinstance(l, tuple)
    ) == (1, 2, 3, 4, 5, 6)
    with pytest.raises(TypeError):
        tree_util.tree_reduce(operator.add, [])
    with pytest.raises(TypeError, match="Must specify identity"):
        tree_util.tree_reduce_associative(operator.add, [])
    assert tree_util.tree_reduce_associative(operator.add, [], identity=0) == 0


def test_tree_all():
    assert tree_util.tree_all([True, (True, {"a": True})]) is True
    assert tree_util.tree_all([True, (True, {"a": 0})]) is False
    assert tree_util.tree_all([]) is True
    obj = [True, True, (True, False)]
    assert jtree.all(obj, is_leaf=lambda x: isinstance(x, tuple)) is True


def test_all_leaves():
    tree = {"a": [1, 2, 3]}
    assert tree_util.all_leaves(tree_util.tree_leaves(tree))
    assert not tree_util.all_leaves([tree])
    assert not tree_util.all_leaves([None])
    assert tree_util.all_leaves([(1, 2)], is_leaf=lambda x: isinstance(x, tuple))
    assert not tree_util.all_leaves([[1, 2]], is_leaf=lambda x: isinstance(x, tuple))


@pytest.mark.parametrize("tree", TREES)
def test_all_leaves_with_trees(tree):
    assert tree_util.all_leaves(tree_util.tree_leaves(tree))
    assert not tree_util.all_leaves([tree])


def test_transpose_docstring():
    tree = [(1, 2, 3), (4, 5, 6)]
    inner = jtree.structure(("*", "*", "*"))
    outer = jtree.structure(["*", "*"])
    assert jtree.transpose(outer, inner, tree) == ([1, 4], [2, 5], [3, 6])
    assert jtree.transpose(outer, None, tree) == ([1, 4], [2, 5], [3, 6])


@pytest.mark.parametrize("tree", [t for t in TREES if tree_util.tree_leaves(t)])
def test_transpose(tree):
    outer_treedef = tree_util.tree_structure(tree)
    make_inner = lambda x: [x, x, x]
    inner_treedef = tree_util.tree_structure(make_inner(1))
    nested = tree_util.tree_map(make_inner, tree)
    assert tree_util.tree_transpose(outer_treedef, inner_treedef, nested) == make_inner(tree)


def test_transpose_mismatch():
    tree = {"a": [1, 2], "b": [3, 4]}
    with pytest.raises(TypeError, match="Mismatch"):
        tree_util.tree_transpose(
            tree_util.tree_structure({"a": 1, "b": 2, "c": 3}),
            tree_util.tree_structure([1, 2]),
            tree,
        )
    with pytest.raises(TypeError) as e:
        tree_util.tree_transpose(
            tree_util.tree_structure({"a": 1, "b": 2}), tree_util.tree_structure([1, 2, 3]), tree
        )
    assert str(e.value) == (
        "Mismatch\nPyTreeDef({'a': [*, *], 'b': [*, *]})\n != \n"
        "PyTreeDef({'a': [*, *, *], 'b': [*, *, *]})"
    )


def test_transpose_with_custom_object():
    outer_treedef = tree_util.tree_structure(FlatCache({"a": 1, "b": 2}))
    inner_treedef = tree_util.tree_structure([1, 2])
    expected = [FlatCache({"a": 3, "b": 5}), FlatCache({"a": 4, "b": 6})]
    actual = tree_util.tree_transpose(
        outer_treedef, inner_treedef, FlatCache({"a": [3, 4], "b": [5, 6]})
    )
    assert actual == expected


def test_broadcast_errors():
    with pytest.raises(ValueError, match="broadcast_prefix prefix_tree"):
        tree_util.tree_broadcast((1, 2), (1, 2, 3))


# ---------------------------------------------------------------------------
# is_leaf
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leaf_fn",
    [tree_util.tree_leaves, lambda tree, is_leaf: tree_util.tree_flatten(tree, is_leaf)[0]],
)
def test_flatten_is_leaf(leaf_fn):
    x = [(1, 2), (3, 4), (5, 6)]
    assert leaf_fn(x, is_leaf=lambda t: False) == [1, 2, 3, 4, 5, 6]
    assert leaf_fn(x, is_leaf=lambda t: isinstance(t, tuple)) == x
    assert leaf_fn(x, is_leaf=lambda t: isinstance(t, list)) == [x]
    assert leaf_fn(x, is_leaf=lambda t: True) == [x]
    y = [[[(1,)], [[(2,)], {"a": (3,)}]]]
    assert leaf_fn(y, is_leaf=lambda t: isinstance(t, tuple)) == [(1,), (2,), (3,)]


def test_structure_is_leaf():
    x = [(1, 2), (3, 4), (5, 6)]
    s = tree_util.tree_structure
    assert s(x, is_leaf=lambda t: False).num_leaves == 6
    assert s(x, is_leaf=lambda t: isinstance(t, tuple)).num_leaves == 3
    assert s(x, is_leaf=lambda t: isinstance(t, list)).num_leaves == 1
    assert s(x, is_leaf=lambda t: True).num_leaves == 1
    # is_leaf=None-returning predicates and the plain path agree
    assert s(x, is_leaf=lambda t: None) == s(x)


def test_is_leaf_none_becomes_leaf():
    leaves, td = tree_util.tree_flatten([1, None], is_leaf=lambda x: x is None)
    assert leaves == [1, None]
    assert repr(td) == "PyTreeDef([*, *])"


def test_is_leaf_non_boolean():
    with pytest.raises(
        ValueError,
        match=re.escape("is_leaf predicate returned a non-boolean value 1; expected a boolean"),
    ):
        tree_util.tree_flatten([1], is_leaf=lambda x: 1)


# ---------------------------------------------------------------------------
# Key paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("inputs", TREES_WITH_KEYPATH + LEAVES)
def test_roundtrip_with_path(inputs):
    key_leaves, treedef = tree_util.tree_flatten_with_path(inputs)
    assert tree_util.tree_unflatten(treedef, [l for _, l in key_leaves]) == inputs
    assert treedef == tree_util.tree_structure(inputs)


def test_flatten_with_path_docstring():
    path_vals, treedef = jtree.flatten_with_path([1, {"x": 3}])
    assert (
        repr(path_vals)
        == "[((SequenceKey(idx=0),), 1), ((SequenceKey(idx=1), DictKey(key='x')), 3)]"
    )
    assert repr(treedef) == "PyTreeDef([*, {'x': *}])"
    assert (
        repr(jtree.leaves_with_path([1, {"x": 3}]))
        == "[((SequenceKey(idx=0),), 1), ((SequenceKey(idx=1), DictKey(key='x')), 3)]"
    )


def test_tree_flatten_with_path_builtin():
    x = (1, {"a": 2, "b": 3})
    flattened = tree_util.tree_flatten_with_path(x)
    assert flattened[0] == [
        ((SequenceKey(0),), 1),
        ((SequenceKey(1), DictKey("a")), 2),
        ((SequenceKey(1), DictKey("b")), 3),
    ]
    assert flattened[1] == tree_util.tree_structure(x)


def test_tree_flatten_with_path_custom():
    x = [AnObject2(x=12, y={"foo": SpecialWithKeys(x=2, y=3), "bar": None}, z="constantdef"), 5]
    flattened, _ = tree_util.tree_flatten_with_path(x)
    assert flattened == [
        ((SequenceKey(0), "x"), 12),
        ((SequenceKey(0), "y", DictKey("foo"), GetAttrKey("x")), 2),
        ((SequenceKey(0), "y", DictKey("foo"), GetAttrKey("y")), 3),
        ((SequenceKey(1),), 5),
    ]


def test_pytree_without_keys_uses_flattened_index_keys():
    leaves, _ = tree_util.tree_flatten_with_path(Special([1, 2], [3, 4]))
    assert len(leaves) == 4
    assert [kp for kp, _ in leaves][0] == (FlattenedIndexKey(0), SequenceKey(0))
    leaves, _ = tree_util.tree_flatten_with_path(ATuple2(1, "hi"))
    assert len(leaves) == 1


def test_flatten_with_path_namedtuple_and_dataclass():
    leaves = tree_util.tree_leaves_with_path([Point(1, 2), ADataclassWithMeta(x=(3, 4), y=5, z=6)])
    assert [tree_util.keystr(kp) for kp, _ in leaves] == [
        "[0].x",
        "[0].y",
        "[1].x[0]",
        "[1].x[1]",
        "[1].y",
    ]


def test_flatten_with_path_defaultdict_and_ordereddict():
    d = collections.defaultdict(int, {"b": 2, "a": 1, "c": {"b": 2, "a": 1}})
    leaves, treedef = tree_util.tree_flatten_with_path(d)
    assert leaves == [
        ((DictKey("a"),), 1),
        ((DictKey("b"),), 2),
        ((DictKey("c"), DictKey("a")), 1),
        ((DictKey("c"), DictKey("b")), 2),
    ]
    assert treedef == tree_util.tree_structure(d)
    d = collections.OrderedDict({"b": 2, "a": 1, "c": {"b": 2, "a": 1}})
    leaves, treedef = tree_util.tree_flatten_with_path(d)
    assert leaves == [
        ((DictKey("b"),), 2),
        ((DictKey("a"),), 1),
        ((DictKey("c"), DictKey("a")), 1),
        ((DictKey("c"), DictKey("b")), 2),
    ]
    restored = tree_util.tree_unflatten(treedef, [l for _, l in leaves])
    assert list(restored.keys()) == ["b", "a", "c"]
    assert treedef == tree_util.tree_structure(d)


def _path_leaf_strs(tree, is_leaf=None):
    """``"<key path>: <leaf>"`` for each leaf of ``tree``."""
    flattened, _ = tree_util.tree_flatten_with_path(tree, is_leaf)
    return [f"{tree_util.keystr(kp)}: {x}" for kp, x in flattened]


def test_keystr():
    tree1 = [ATuple(12, {"cin": [1, 4, 10], "bar": None}), np.arange(5)]
    assert _path_leaf_strs(tree1) == [
        "[0].foo: 12",
        "[0].bar['cin'][0]: 1",
        "[0].bar['cin'][1]: 4",
        "[0].bar['cin'][2]: 10",
        "[1]: [0 1 2 3 4]",
    ]
    assert tree_util.keystr((0, 1, "a", "b")) == "01ab"


def test_keystr_simple_separator():
    params = {"foo": {"bar": {"baz": 1, "bat": [2, 3]}}}
    paths = [p for p, _ in tree_util.tree_leaves_with_path(params)]
    assert [tree_util.keystr(p) for p in paths] == [
        "['foo']['bar']['bat'][0]",
        "['foo']['bar']['bat'][1]",
        "['foo']['bar']['baz']",
    ]
    assert [tree_util.keystr(p, simple=True, separator="/") for p in paths] == [
        "foo/bar/bat/0",
        "foo/bar/bat/1",
        "foo/bar/baz",
    ]
    assert (
        tree_util.keystr((GetAttrKey("w"), FlattenedIndexKey(2)), simple=True, separator=".")
        == "w.2"
    )
    assert tree_util.keystr((GetAttrKey("w"), FlattenedIndexKey(2))) == ".w[<flat index 2>]"


def test_flatten_with_path_is_leaf():
    def is_empty(x):
        try:
            children, _ = flatten_one_level(x)
        except ValueError:
            return True
        return len(children) == 0

    EmptyTuple = collections.namedtuple("EmptyTuple", ())
    tree1 = {
        "a": 1,
        "sub": [np.array((1, 2)), ATuple(foo=(), bar=[None])],
        "obj": AnObject2(x=EmptyTuple(), y=0, z="constantdef"),
    }
    assert _path_leaf_strs(tree1, is_empty) == [
        "['a']: 1",
        "['obj']x: EmptyTuple()",
        "['obj']y: 0",
        "['sub'][0]: [1 2]",
        "['sub'][1].foo: ()",
        "['sub'][1].bar[0]: None",
    ]


def test_flatten_with_path_is_leaf_takes_path():
    tree = {"a": [1, 2], "b": [3, 4]}
    leaves = tree_util.tree_leaves_with_path(
        tree, is_leaf=lambda kp, x: kp == (DictKey("b"),), is_leaf_takes_path=True
    )
    assert leaves == [
        ((DictKey("a"), SequenceKey(0)), 1),
        ((DictKey("a"), SequenceKey(1)), 2),
        ((DictKey("b"),), [3, 4]),
    ]


def test_tree_map_with_path():
    tree = [{i: i for i in range(10)}]
    all_zeros = tree_util.tree_map_with_path(lambda kp, val: val - kp[1].key + kp[0].idx, tree)
    assert all_zeros == [{i: 0 for i in range(10)}]
    assert tree_util.tree_leaves_with_path(tree) == [
        ((SequenceKey(0), DictKey(i)), i) for i in range(10)
    ]


def test_tree_map_with_path_multiple_trees():
    tree1 = [AnObject2(x=12, y={"cin": [1, 4, 10], "bar": None}, z="constantdef"), 5]
    tree2 = [AnObject2(x=2, y={"cin": [2, 2, 2], "bar": None}, z="constantdef"), 2]
    assert tree_util.tree_map_with_path(lambda kp, a, b: a + b, tree1, tree2) == tree_util.tree_map(
        lambda a: a + 2, tree1
    )


def test_tree_map_with_path_is_leaf():
    x = ((1, 2), [3, 4, 5])
    y = (([3], 0), ([0], 7, [5, 6]))
    out = tree_util.tree_map_with_path(
        lambda kp, *xs: (kp[0].idx, *xs), x, y, is_leaf=lambda n: isinstance(n, list)
    )
    assert out == (((0, 1, [3]), (0, 2, 0)), (1, [3, 4, 5], ([0], 7, [5, 6])))


def test_flatten_one_level():
    EmptyTuple = collections.namedtuple("EmptyTuple", ())
    tree1 = {
        "a": 1,
        "sub": [np.array((1, 2)), ATuple(foo=(), bar=[None])],
        "obj": AnObject2(x=EmptyTuple(), y=0, z="constantdef"),
    }
    assert flatten_one_level(tree1["sub"])[0] is tree1["sub"]
    assert flatten_one_level(tree1["sub"][1])[0] == [(), [None]]
    assert flatten_one_level(tree1["obj"])[0] == [EmptyTuple(), 0]
    flattened, meta = flatten_one_level({"a": [1, 2], "b": {"c": 3}})
    assert flattened == ([1, 2], {"c": 3}) and meta == ("a", "b")
    with pytest.raises(ValueError, match="can't tree-flatten type"):
        flatten_one_level(1)
    with pytest.raises(ValueError, match="can't tree-flatten type"):
        flatten_one_level(np.array((1, 2)))


def test_optional_flatten_with_keys_class():
    @tree_util.register_pytree_with_keys_class
    class FooClass:
        def __init__(self, x, y):
            self.x = x
            self.y = y

        def tree_flatten(self):
            return ((self.x, self.y), "treedef")

        def tree_flatten_with_keys(self):
            return (
                ((tree_util.GetAttrKey("x"), self.x), (tree_util.GetAttrKey("x"), self.y)),
                "treedef",
            )

        @classmethod
        def tree_unflatten(cls, _, children):
            return cls(*children)

    tree = FooClass(x=1, y=2)
    assert (
        str(tree_util.tree_flatten(tree)[1]) == "PyTreeDef(CustomNode(FooClass[treedef], [*, *]))"
    )
    assert (
        str(tree_util.tree_flatten_with_path(tree)[1])
        == "PyTreeDef(CustomNode(FooClass[treedef], [*, *]))"
    )
    assert tree_util.tree_flatten(tree)[0] == [
        l for _, l in tree_util.tree_flatten_with_path(tree)[0]
    ]


# ---------------------------------------------------------------------------
# Key entry classes
# ---------------------------------------------------------------------------


def test_key_basic():
    key = SequenceKey(idx=1)
    assert str(key) == "[1]" and repr(key) == "SequenceKey(idx=1)"
    assert key.idx == 1
    assert key == SequenceKey(1) and hash(key) == hash(SequenceKey(1))

    key = DictKey(key="foo")
    assert str(key) == "['foo']" and repr(key) == "DictKey(key='foo')"
    assert key.key == "foo"
    assert key == DictKey("foo") and hash(key) == hash(DictKey("foo"))

    key = GetAttrKey(name="bar")
    assert str(key) == ".bar" and repr(key) == "GetAttrKey(name='bar')"
    assert key.name == "bar"
    assert key == GetAttrKey("bar") and hash(key) == hash(GetAttrKey("bar"))

    key = FlattenedIndexKey(1)
    assert str(key) == "[<flat index 1>]" and repr(key) == "FlattenedIndexKey(key=1)"
    assert key.key == 1
    assert key == FlattenedIndexKey(1) and hash(key) == hash(FlattenedIndexKey(1))
    assert hash(key) != hash(SequenceKey(1))
    assert FlattenedIndexKey(1) != SequenceKey(1)
    assert SequenceKey(0) != 0
    assert DictKey(0) != SequenceKey(0)


def test_key_pattern_matching():
    for key in [SequenceKey(1), DictKey("foo"), GetAttrKey("bar"), FlattenedIndexKey(1)]:
        match key:
            case tree_util.SequenceKey(idx=idx):
                assert idx == 1
            case tree_util.DictKey(key=k):
                assert k == "foo"
            case tree_util.GetAttrKey(name=name):
                assert name == "bar"
            case tree_util.FlattenedIndexKey(key=idx_key):
                assert idx_key == 1
            case _:
                raise AssertionError(f"key not matched: {key}")
    match [DictKey("foo")]:
        case [DictKey("foo"), *_]:
            pass
        case _:
            raise AssertionError("positional match failed")


def test_key_pickle():
    for key in [SequenceKey(1), DictKey("foo"), GetAttrKey("bar"), FlattenedIndexKey(1)]:
        assert pickle.loads(pickle.dumps(key)) == key


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def test_register_pytree_node():
    class Box:
        def __init__(self, a, b, tag):
            self.a, self.b, self.tag = a, b, tag

    tree_util.register_pytree_node(
        Box, lambda x: ((x.a, x.b), x.tag), lambda tag, ch: Box(*ch, tag)
    )
    leaves, td = tree_util.tree_flatten([Box(1, (2, 3), "t")])
    assert leaves == [1, 2, 3]
    assert repr(td) == "PyTreeDef([CustomNode(Box[t], [*, (*, *)])])"
    out = tree_util.tree_map(lambda x: -x, Box(1, 2, "t"))
    assert (out.a, out.b, out.tag) == (-1, -2, "t")
    assert tree_util.is_tree_node(Box)


def test_register_after_use_as_leaf():
    class Late:
        def __init__(self, v):
            self.v = v

    obj = Late(3)
    assert tree_util.tree_leaves([obj]) == [obj]
    tree_util.register_pytree_node(Late, lambda x: ((x.v,), None), lambda _, ch: Late(*ch))
    assert tree_util.tree_leaves([obj]) == [3]


def test_register_duplicate():
    class Dup:
        pass

    tree_util.register_pytree_node(Dup, lambda x: ((), None), lambda _, c: Dup())
    with pytest.raises(
        ValueError, match=re.escape(f"Duplicate custom PyTreeDef type registration for {Dup!r}.")
    ):
        tree_util.register_pytree_node(Dup, lambda x: ((), None), lambda _, c: Dup())
    with pytest.raises(
        ValueError,
        match=re.escape("Duplicate custom PyTreeDef type registration for <class 'tuple'>."),
    ):
        tree_util.register_pytree_node(tuple, lambda x: (x, None), lambda _, c: c)
    with pytest.raises(ValueError, match="Duplicate custom dataclass PyTreeDef"):
        tree_util.register_dataclass(ADataclass, ["x", "y"], [])


def test_register_pytree_node_flatten_with_keys_func():
    class KV:
        def __init__(self, p, q):
            self.p, self.q = p, q

    tree_util.register_pytree_node(
        KV,
        lambda o: ((o.p, o.q), None),
        lambda _, c: KV(*c),
        lambda o: (((GetAttrKey("p"), o.p), (GetAttrKey("q"), o.q)), None),
    )
    paths = [tree_util.keystr(kp) for kp, _ in tree_util.tree_leaves_with_path(KV(1, [2]))]
    assert paths == [".p", ".q[0]"]


@pytest.mark.parametrize(
    "node_type,problem",
    [
        (BadFlattenNonTuple, ", got 'hello'"),
        (BadFlattenBadArityTuple, ", got (2, 3, 4)"),
        (BadFlattenNonIterableLeaves, " where 'children' is iterable, got (7, 7)"),
    ],
    ids=["not_a_tuple", "bad_arity", "non_iterable_children"],
)
def test_bad_flatten_errors(node_type, problem):
    with pytest.raises(
        ValueError,
        match=re.escape(
            "The to_iterable function for a custom PyTree node should return a "
            "(children, aux_data) tuple" + problem
        ),
    ):
        tree_util.tree_flatten(node_type(3, 4))


def test_register_dataclass_explicit_fields():
    @functools.partial(tree_util.register_dataclass, data_fields=["x", "y"], meta_fields=["op"])
    @dataclasses.dataclass
    class MyStruct:
        x: Any
        y: Any
        op: str

    m = MyStruct(x=np.ones(3), y=np.arange(3), op="add")
    leaves, treedef = jtree.flatten(m)
    assert leaves[0] is m.x and leaves[1] is m.y
    assert repr(treedef) == "PyTreeDef(CustomNode(MyStruct[('add',)], [*, *]))"
    out = jtree.unflatten(treedef, leaves)
    assert type(out) is MyStruct and out.op == "add" and out.x is m.x


def test_register_dataclass_static_metadata():
    @tree_util.register_dataclass
    @dataclasses.dataclass
    class MyOp:
        x: Any
        y: Any
        op: str = jtree.static(default="add")

    m = MyOp(x=1.0, y=2.0)
    leaves, treedef = jtree.flatten(m)
    assert leaves == [1.0, 2.0]
    assert repr(treedef) == "PyTreeDef(CustomNode(MyOp[('add',)], [*, *]))"
    assert jtree.unflatten(treedef, leaves) == MyOp(x=1.0, y=2.0, op="add")
    assert treedef != jtree.structure(MyOp(x=1.0, y=2.0, op="sub"))
    assert (
        repr(jtree.leaves_with_path(m))
        == "[((GetAttrKey(name='x'),), 1.0), ((GetAttrKey(name='y'),), 2.0)]"
    )


def test_register_dataclass_errors():
    @dataclasses.dataclass
    class DC1:
        a: int
        b: int

    with pytest.raises(
        ValueError,
        match=re.escape(
            "data_fields and meta_fields must include all dataclass fields with "
            "``init=True`` and only them. Missing fields: {'b'}. Add them to "
            "drop_fields to suppress this error."
        ),
    ):
        tree_util.register_dataclass(DC1, data_fields=["a"], meta_fields=[])
    with pytest.raises(ValueError, match=re.escape("Unexpected fields: {'c'}.")):
        tree_util.register_dataclass(DC1, data_fields=["a", "b", "c"], meta_fields=[])
    with pytest.raises(
        TypeError,
        match="data_fields and meta_fields must both be " "specified when either is specified",
    ):
        tree_util.register_dataclass(DC1, data_fields=["a", "b"])

    class NotDC:
        pass

    with pytest.raises(
        TypeError,
        match="data_fields and meta_fields are required " "when nodetype is not a dataclass",
    ):
        tree_util.register_dataclass(NotDC)

    @dataclasses.dataclass
    class DC2:
        a: int
        b: int = dataclasses.field(init=False, default=3)

    tree_util.register_dataclass(DC2, drop_fields=["b"])
    leaves, td = tree_util.tree_flatten(DC2(a=5))
    assert leaves == [5]


def test_register_static():
    leaves, td = tree_util.tree_flatten([StaticInt(3), 4])
    assert leaves == [4]
    assert repr(td) == "PyTreeDef([CustomNode(StaticInt[3], []), *])"
    assert tree_util.tree_unflatten(td, [5]) == [3, 5]
    assert tree_util.tree_structure(StaticInt(3)) != tree_util.tree_structure(StaticInt(4))
    # BlackBox compares equal to every other BlackBox.
    assert tree_util.tree_structure(BlackBox(1)) == tree_util.tree_structure(BlackBox(2))


# ---------------------------------------------------------------------------
# Partial
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        tree_util.Partial(_dummy_func),
        tree_util.Partial(_dummy_func, 1, 2),
        tree_util.Partial(_dummy_func, x="a"),
        tree_util.Partial(_dummy_func, 1, 2, 3, x=4, y=5),
    ],
)
def test_roundtrip_partial(inputs):
    xs, tree = tree_util.tree_flatten(inputs)
    actual = tree_util.tree_unflatten(tree, xs)
    assert actual.func == inputs.func
    assert actual.args == inputs.args
    assert actual.keywords == inputs.keywords


def test_partial_is_pytree():
    def f(a, b, c=0):
        return a + b + c

    p = tree_util.Partial(f, 1, c=3)
    leaves, td = tree_util.tree_flatten(p)
    assert leaves == [1, 3]
    assert repr(td) == f"PyTreeDef(CustomNode(Partial[{f}], [(*,), {{'c': *}}]))"
    q = tree_util.tree_map(lambda x: x * 10, p)
    assert isinstance(q, tree_util.Partial) and isinstance(q, functools.partial)
    assert q.func is f and q.args == (10,) and q.keywords == {"c": 30}
    assert q(2) == 42
    assert tree_util.tree_structure(tree_util.Partial(f, 5, c=6)) == td


def test_partial_does_not_merge_with_other_partials():
    def f(a, b, c):
        pass

    g = functools.partial(f, 2)
    h = tree_util.Partial(g, 3)
    assert h.args == (3,)
    assert tree_util.tree_leaves(h) == [3]


def test_partial_func_attribute_has_stable_hash():
    fun = functools.partial(print, 1)
    p1 = tree_util.Partial(fun, 2)
    p2 = tree_util.Partial(fun, 2)
    assert fun == p1.func
    assert p1.func == fun
    assert p1.func == p2.func
    assert hash(p1.func) == hash(p2.func)


# ---------------------------------------------------------------------------
# Prefix errors (jax._src.tree_util.prefix_errors)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix,full,expected",
    [
        ((1, 2), [1, 2], "pytree structure error: different types at key path\n    in_axes"),
        (
            ((1,), (2,)),
            ([3], (4,)),
            "pytree structure error: different types at key path\n    in_axes[0]",
        ),
        (
            (1,),
            (2, 3),
            "pytree structure error: different lengths of tuple at key path\n    in_axes",
        ),
        (
            [[1]],
            [[2, 3]],
            "pytree structure error: different lengths of list at key path\n    in_axes[0]",
        ),
        (
            {"hi": 1},
            {"hi": 2, "bye": 3},
            "pytree structure error: different numbers of pytree children at key path\n"
            "    in_axes",
        ),
        (
            {1: 2},
            {3: 4},
            "pytree structure error: different pytree metadata at key path\n    in_axes",
        ),
        (
            [{1: 2}],
            [{3: 4}],
            "pytree structure error: different pytree metadata at key path\n    in_axes[0]",
        ),
        (
            Special(1, [2]),
            Special(3, 4),
            "pytree structure error: different types at key path\n" "    in_axes[<flat index 1>]",
        ),
        (
            {},
            {"a": []},
            "pytree structure error: different numbers of pytree children at key path\n"
            "    in_axes",
        ),
        (
            {"{oops}": []},
            {"{oops}": [{}]},
            "pytree structure error: different lengths of list at key path\n"
            "    in_axes['{oops}']",
        ),
    ],
)
def test_prefix_errors(prefix, full, expected):
    (e,) = prefix_errors(prefix, full)
    with pytest.raises(ValueError, match=re.escape(expected)):
        raise e("in_axes")


def test_prefix_errors_multiple_and_none():
    e1, e2 = prefix_errors(((1,), (2,)), ([3], [4]))
    assert "    in_axes[0]" in str(e1("in_axes"))
    assert "    in_axes[1]" in str(e2("in_axes"))
    assert prefix_errors((1, 2), ((11, 12, 13), 2)) == []


# ---------------------------------------------------------------------------
# Public namespaces and speed
# ---------------------------------------------------------------------------


def test_public_namespaces():
    for name in [
        "map",
        "leaves",
        "structure",
        "flatten",
        "unflatten",
        "reduce",
        "all",
        "transpose",
        "map_with_path",
        "leaves_with_path",
        "flatten_with_path",
        "broadcast",
    ]:
        assert callable(getattr(jtree, name)), name
    for name in [
        "tree_flatten",
        "tree_unflatten",
        "tree_leaves",
        "tree_structure",
        "tree_map",
        "tree_reduce",
        "tree_all",
        "tree_transpose",
        "treedef_tuple",
        "treedef_children",
        "treedef_is_leaf",
        "all_leaves",
        "build_tree",
        "tree_flatten_with_path",
        "tree_leaves_with_path",
        "tree_map_with_path",
        "keystr",
        "register_pytree_node",
        "register_pytree_node_class",
        "register_pytree_with_keys",
        "register_pytree_with_keys_class",
        "register_dataclass",
        "register_static",
        "Partial",
        "PyTreeDef",
        "SequenceKey",
        "DictKey",
        "GetAttrKey",
        "FlattenedIndexKey",
        "default_registry",
    ]:
        assert hasattr(tree_util, name), name


def test_does_not_import_jax():
    import sys

    assert "jax" not in sys.modules


def test_flatten_speed_sanity():
    a, b = np.ones(2), np.ones(3)
    tup, d = (a, b), {"x": a, "y": b, "z": 1.0}
    tree_util.tree_flatten(tup)
    n = 2000
    t_tup = min(timeit.repeat(lambda: tree_util.tree_flatten(tup), number=n, repeat=3)) / n
    t_dict = min(timeit.repeat(lambda: tree_util.tree_flatten(d), number=n, repeat=3)) / n
    # Target is ~1-2us; keep a wide margin so loaded machines do not flake.
    assert t_tup < 20e-6 and t_dict < 20e-6, (t_tup, t_dict)

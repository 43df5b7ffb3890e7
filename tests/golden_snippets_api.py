"""Golden snippets for the API around arrays: devices, eval_shape, pytrees, grad, vmap.

Plain data (no jax/pyjax import); registered into ``golden_snippets.SNIPPETS`` by
``register``.  See golden_snippets.py for the record format.
"""

# ============================================================================ misc, devices
MISC = [
        ("err_shapes_broadcast", "jnp.ones(3) + jnp.ones(4)"),
        ("err_matmul_shapes", "jnp.ones((2, 3)) @ jnp.ones((2, 3))"),
        ("err_reshape_size", "jnp.ones(6).reshape(4, 2)"),
        ("err_ones_negative", "jnp.ones(-1)"),
        ("err_ones_float_shape", "jnp.ones(2.0)"),
        ("err_concat_ndim", "jnp.concatenate([jnp.ones(2), jnp.ones((2, 2))])"),
        ("err_sum_axis", "jnp.sum(jnp.ones(3), axis=1)"),
        ("err_transpose_perm", "jnp.transpose(jnp.ones((2, 3)), (0, 0))"),
        ("eval_shape_sum", "jax.eval_shape(lambda x: x.sum(0), jnp.ones((2, 3)))"),
        ("eval_shape_weak", "jax.eval_shape(lambda x: x * 2, 1.)"),
        ("eval_shape_tuple", "jax.eval_shape(lambda x: (x, x.astype(jnp.int8)), jnp.ones(2))"),
        ("eval_shape_struct_input",
         "jax.eval_shape(lambda x: x @ x.T, jax.ShapeDtypeStruct((2, 3), jnp.float32))"),
        ("shape_dtype_struct_repr", "jax.ShapeDtypeStruct((2, 3), jnp.float32)"),
        ("shape_dtype_struct_attrs",
         "s = jax.ShapeDtypeStruct((2, 3), jnp.int8); (s.shape, s.dtype, s.ndim, s.size)"),
        ("shape_dtype_struct_eq",
         "jax.ShapeDtypeStruct((2,), jnp.float32) == jax.ShapeDtypeStruct((2,), jnp.float32)"),
        ("devices", "jax.devices()"),
        ("devices_str", "[str(d) for d in jax.devices()]"),
        ("device_attrs", "d = jax.devices()[0]; (d.id, d.platform, d.device_kind)"),
        ("device_count", "(jax.device_count(), jax.local_device_count(), jax.default_backend())"),
        ("local_devices", "jax.local_devices()"),
        ("device_put_array", "jax.device_put(jnp.ones(2))"),
        ("device_put_numpy", "jax.device_put(np.arange(3))"),
        ("device_put_device", "jax.device_put(np.ones(2, np.float32), jax.devices()[0])"),
        ("device_put_tree", "jax.device_put({'a': 1, 'b': [2.]})"),
        ("device_get", "jax.device_get(jnp.ones(2))"),
        ("device_get_tree", "jax.device_get({'a': jnp.int32(1)})"),
        ("block_until_ready", "jax.block_until_ready(jnp.ones(2))"),
        ("x_block_until_ready", "jnp.ones(2).block_until_ready()"),
        ("typeof_int", "jax.typeof(jnp.arange(3))"),
        ("typeof_python_float", "jax.typeof(1.0)"),
        ("typeof_numpy", "jax.typeof(np.ones((2,), np.int16))"),
        ("array_is_jax_array", "isinstance(jax.device_put(1.), jax.Array)"),
        ("copy_method", "jnp.arange(3.).copy()"),
        ("disable_jit_prints_values", """
with jax.disable_jit():
    jax.jit(lambda x: print(x) or x)(jnp.arange(3.))
"""),
        ("enable_x64_context", """
with jax.enable_x64(True):
    a = jnp.arange(3.)
(a.dtype, jnp.arange(3.).dtype)
"""),
        ("version_str_type", "type(jax.__version__).__name__"),
]

# ============================================================================ pytrees
TREE = [
        ("flatten_dict", "tu.tree_flatten({'a': 1, 'b': (2, 3)})"),
        ("flatten_sorted_keys", "tu.tree_leaves({'b': 1, 'a': 2, 'c': {'z': 3, 'y': 4}})"),
        ("structure_none", "tu.tree_structure([1, None])"),
        ("leaves_none", "(tu.tree_leaves(None), tu.tree_leaves([None, 1, (None,)]))"),
        ("structure_leaf", "tu.tree_structure(1)"),
        ("structure_array_leaf", "tu.tree_structure(jnp.ones(3))"),
        ("structure_empty", "(tu.tree_structure(()), tu.tree_structure([]), "
                            "tu.tree_structure({}))"),
        ("unflatten", "tu.tree_unflatten(tu.tree_structure({'a': 0, 'b': [0, 0]}), [1, 2, 3])"),
        ("unflatten_leaves_any", "tu.tree_unflatten(tu.tree_structure((0, 0)), ['x', None])"),
        ("map_dict", "tu.tree_map(lambda x: x * 2, {'a': 1, 'b': [2, 3]})"),
        ("map_two_trees", "tu.tree_map(lambda x, y: x + y, (1, [2]), (10, [20]))"),
        ("map_keeps_none", "tu.tree_map(lambda x: x, [1, None])"),
        ("map_is_leaf", "tu.tree_map(lambda x: len(x), [(1, 2), (3,)], is_leaf=lambda x: "
                        "isinstance(x, tuple))"),
        ("map_arrays", "tu.tree_map(jnp.sum, {'w': jnp.ones((2, 2)), 'b': jnp.ones(2)})"),
        ("namedtuple_structure", """
import collections
Point = collections.namedtuple('Point', ['x', 'y'])
tu.tree_structure(Point(1, 2))"""),
        ("ordered_dict_structure", """
import collections
tu.tree_structure(collections.OrderedDict([('b', 1), ('a', 2)]))"""),
        ("defaultdict_structure", """
import collections
tu.tree_structure(collections.defaultdict(list, {'a': 1}))"""),
        ("nested_structure", "tu.tree_structure({'a': [1, (2, None)], 'b': {'c': 3}})"),
        ("treedef_props", "t = tu.tree_structure({'a': [1, 2], 'b': 3}); (t.num_leaves, "
                          "t.num_nodes)"),
        ("treedef_eq_hash", """
t1 = tu.tree_structure([1, (2, 3)]); t2 = tu.tree_structure([4, (5, 6)])
(t1 == t2, hash(t1) == hash(t2), t1 == tu.tree_structure([1, 2, 3]))"""),
        ("treedef_children", "tu.tree_structure([1, (2, 3)]).children()"),
        ("flatten_with_path", "tu.tree_flatten_with_path({'a': [1, 2], 'b': (3,)})"),
        ("keystr", "[tu.keystr(p) for p, _ in tu.tree_flatten_with_path({'a': [1, {'c': 2}]})[0]]"),
        ("key_reprs", "(tu.DictKey('a'), tu.SequenceKey(0), tu.GetAttrKey('x'), "
                      "tu.FlattenedIndexKey(1))"),
        ("map_with_path", "tu.tree_map_with_path(lambda p, x: (tu.keystr(p), x), {'a': 1, 'b': "
                          "[2]})"),
        ("register_node", """
class Box:
    def __init__(self, a, b):
        self.a, self.b = a, b
    def __repr__(self):
        return 'Box(%r, %r)' % (self.a, self.b)
tu.register_pytree_node(Box, lambda b: ((b.a, b.b), 'meta'), lambda aux, ch: Box(*ch))
(tu.tree_leaves(Box(1, [2, 3])), tu.tree_map(lambda x: x * 10, Box(1, 2)))"""),
        ("register_node_structure_repr", """
class Box2:
    def __init__(self, a):
        self.a = a
tu.register_pytree_node(Box2, lambda b: ((b.a,), None), lambda aux, ch: Box2(*ch))
tu.tree_structure(Box2(1))"""),
        ("register_dataclass", """
import dataclasses
@dataclasses.dataclass
class P:
    x: float
    y: float
    name: str
tu.register_dataclass(P, data_fields=['x', 'y'], meta_fields=['name'])
tu.tree_map(lambda v: v * 2, P(1., 2., 'p'))"""),
        ("register_static", """
@tu.register_static
class S:
    pass
tu.tree_leaves([S(), 1])"""),
        ("partial", "p = tu.Partial(lambda a, b: a + b, 1); (tu.tree_leaves(p), p(2))"),
        ("all_reduce", "(tu.tree_all([True, (1, 2)]), tu.tree_reduce(lambda a, b: a + b, [1, (2, "
                       "3)]))"),
        ("tree_module", "(jax.tree.leaves({'a': 1, 'b': 2}), jax.tree.map(lambda x: -x, [1, 2]), "
                        "jax.tree.structure((1, 2)))"),
        ("transpose", "tu.tree_transpose(tu.tree_structure([0, 0]), tu.tree_structure((0, 0)), "
                      "[(1, 2), (3, 4)])"),
        ("err_unflatten_too_few", "tu.tree_unflatten(tu.tree_structure((0, 0, 0)), [1, 2])"),
        ("err_unflatten_too_many", "tu.tree_unflatten(tu.tree_structure((0, 0)), [1, 2, 3])"),
        ("err_map_arity", "tu.tree_map(lambda x, y: x + y, (1, 2), (1, 2, 3))"),
        ("err_map_type", "tu.tree_map(lambda x, y: x + y, [1, 2], (1, 2))"),
        ("err_map_dict_keys", "tu.tree_map(lambda x, y: x + y, {'a': 1}, {'b': 1})"),
        ("map_prefix_leaf_ok", "tu.tree_map(lambda x, y: (x, y), [1, 2], [1, (2, 3)])"),
        ("err_register_twice", "tu.register_pytree_node(tuple, lambda t: (t, None), lambda a, c: "
                               "tuple(c))"),
        ("jit_pytree_in_out", "jax.jit(lambda d: {'s': d['a'] + d['b'][0]})({'a': 1., 'b': [2.]})"),
]

# ============================================================================ §12 grad
GRAD = [
        ("err_nonscalar_output", "jax.grad(lambda v: v * 2)(jnp.arange(5.))"),
        ("err_tuple_output", "jax.grad(lambda v: (v, v))(1.0)"),
        ("err_int_input", "jax.grad(lambda x: x * 2)(3)"),
        ("err_int_array_input", "jax.grad(lambda x: x.sum())(jnp.arange(3))"),
        ("err_complex_output", "jax.grad(lambda v: v * 1j)(1.0)"),
        ("err_argnums_too_few", "jax.grad(lambda x, y: x * y, argnums=1)(1.0)"),
        ("err_str_input", "jax.grad(lambda x: x)('a')"),
        ("allow_int_float0", "jax.grad(lambda x: x * 2., allow_int=True)(3)"),
        ("allow_int_float0_dtype", "g = jax.grad(lambda x: x * 2., allow_int=True)(3); (g.dtype, "
                                   "g.shape)"),
        ("weak_at_python_float", "jax.grad(lambda x: x ** 2)(3.)"),
        ("strong_at_f32", "jax.grad(lambda x: x ** 2)(jnp.float32(3.))"),
        ("list_arg", "jax.grad(lambda l: l[0] * l[1])([1., 2.])"),
        ("dict_arg", "jax.grad(lambda d: d['a'] * 3. + d['b'])({'a': 1., 'b': 2.})"),
        ("argnums_tuple", "jax.grad(lambda x, y: x * y, argnums=(0, 1))(2., 3.)"),
        ("has_aux", "jax.grad(lambda x: (x ** 2, 'aux'), has_aux=True)(3.)"),
        ("value_and_grad", "jax.value_and_grad(lambda x: x ** 3)(2.)"),
        ("vector_sum", "jax.grad(lambda v: jnp.sum(v ** 2))(jnp.arange(3.))"),
        ("sin_cos", "jax.grad(jnp.sin)(0.)"),
        ("abs_at_zero", "jax.grad(jnp.abs)(0.)"),
        ("sqrt_at_zero", "jax.grad(jnp.sqrt)(0.)"),
        ("maximum_tie", "jax.grad(lambda x: jnp.maximum(x, 0.))(0.)"),
        ("max_ties", "jax.grad(jnp.max)(jnp.array([1., 3., 3.]))"),
        ("where_grad", "jax.grad(lambda x: jnp.where(x > 0, x, 0.))(-1.)"),
        ("stop_gradient", "jax.grad(lambda x: x * jax.lax.stop_gradient(x))(3.)"),
        ("holomorphic", "jax.grad(lambda z: z ** 2, holomorphic=True)(1. + 1j)"),
        ("second_order", "jax.grad(jax.grad(lambda x: x ** 3))(2.)"),
        ("grad_of_jit", "jax.grad(jax.jit(lambda x: x * x))(3.)"),
        ("jit_of_grad", "jax.jit(jax.grad(lambda x: x * x))(3.)"),
        ("grad_int_pow", "jax.grad(lambda x: x ** 2)(jnp.array(-2., jnp.float16))"),
        ("grad_through_at", "jax.grad(lambda x: x.at[1].set(0.).sum())(jnp.ones(3))"),
        ("grad_through_index", "jax.grad(lambda x: x[1] * 2.)(jnp.ones(3))"),
        ("grad_mean", "jax.grad(jnp.mean)(jnp.ones(4))"),
        ("jvp", "jax.jvp(lambda x: x ** 2, (3.,), (1.,))"),
        ("jvp_vector", "jax.jvp(jnp.sin, (jnp.zeros(2),), (jnp.ones(2),))"),
        ("err_jvp_dtype_mismatch", "jax.jvp(lambda x: x, (1.,), (jnp.ones(1),))"),
        ("vjp", "y, f_vjp = jax.vjp(lambda x: x * 3., 2.); (y, f_vjp(1.))"),
        ("vjp_tuple", "y, f_vjp = jax.vjp(lambda x, z: x * z, 2., 5.); f_vjp(1.)"),
        ("linearize", "y, f_jvp = jax.linearize(lambda x: x ** 3, 2.); (y, f_jvp(1.))"),
        ("jacfwd", "jax.jacfwd(lambda v: v * jnp.array([1., 2., 3.]))(jnp.ones(3))"),
        ("jacrev", "jax.jacrev(lambda v: jnp.array([v[0] * v[1], v[1]]))(jnp.array([2., 3.]))"),
        ("jacfwd_scalar", "jax.jacfwd(lambda x: x ** 2)(3.)"),
        ("jacrev_weak", "jax.jacrev(lambda x: x ** 2)(3.)"),
        ("hessian", "jax.hessian(lambda v: jnp.sum(v ** 3))(jnp.array([1., 2.]))"),
        ("hessian_scalar", "jax.hessian(lambda x: x ** 4)(1.)"),
        ("jacobian_dict", "jax.jacrev(lambda d: d['a'] * d['b'])({'a': 2., 'b': 3.})"),
        ("custom_jvp", """
@jax.custom_jvp
def f(x):
    return x ** 2
@f.defjvp
def f_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return f(x), 100. * t
jax.grad(f)(3.)"""),
        ("custom_vjp", """
@jax.custom_vjp
def f(x):
    return x * 2.
f.defvjp(lambda x: (f(x), None), lambda res, g: (g * -1.,))
jax.grad(f)(3.)"""),
]

# ============================================================================ §13 vmap
VMAP = [
        ("err_sizes_two_args", "jax.vmap(lambda a, b: a + b)(jnp.ones(3), jnp.ones(4))"),
        ("err_sizes_three_args",
         "jax.vmap(lambda a, b, c: a + b + c)(jnp.ones(3), jnp.ones(3), jnp.ones(4))"),
        ("err_sizes_kwargs", "jax.vmap(lambda a, b: a + b)(jnp.ones(3), b=jnp.ones(4))"),
        ("err_sizes_pytree", "jax.vmap(lambda d: d['a'] + d['b'])({'a': jnp.ones(3), 'b': "
                             "jnp.ones(4)})"),
        ("err_in_axes_rank", "jax.vmap(lambda x: x, in_axes=1)(jnp.ones(3))"),
        ("err_scalar_arg", "jax.vmap(lambda x: x)(1.)"),
        ("err_no_args", "jax.vmap(lambda: 1)()"),
        ("err_in_axes_len", "jax.vmap(lambda a, b: a + b, in_axes=(0,))(jnp.ones(3), jnp.ones(3))"),
        ("err_out_axes", "jax.vmap(lambda x: x, out_axes=1)(jnp.ones(3))"),
        ("err_in_axes_float", "jax.vmap(lambda x: x, in_axes=0.5)(jnp.ones(3))"),
        ("basic", "jax.vmap(lambda x: x * 2)(jnp.arange(3.))"),
        ("dot_rows", "jax.vmap(jnp.dot)(jnp.ones((2, 3)), jnp.arange(6.).reshape(2, 3))"),
        ("in_axes_none", "jax.vmap(lambda x, y: x + y, in_axes=(0, None))(jnp.arange(3.), 10.)"),
        ("in_axes_1", "jax.vmap(jnp.sum, in_axes=1)(jnp.arange(6.).reshape(2, 3))"),
        ("in_axes_neg", "jax.vmap(jnp.sum, in_axes=-1)(jnp.arange(6.).reshape(2, 3))"),
        ("out_axes_1", "jax.vmap(lambda x: x * jnp.ones(2), out_axes=1)(jnp.arange(3.))"),
        ("dict_in_out", "jax.vmap(lambda d: {'s': d['a'] + d['b']})({'a': jnp.ones(2), 'b': "
                        "jnp.arange(2.)})"),
        ("in_axes_dict_prefix", "jax.vmap(lambda d: d['a'] * d['b'], in_axes=({'a': 0, 'b': "
                                "None},))({'a': jnp.arange(3.), 'b': 2.})"),
        ("unbatched_output", "jax.vmap(lambda x: 1.)(jnp.ones(3))"),
        ("axis_size", "jax.vmap(lambda: 1., axis_size=3)()"),
        ("nested", "jax.vmap(jax.vmap(lambda a, b: a * b))(jnp.ones((2, 3)), "
                   "jnp.arange(6.).reshape(2, 3))"),
        ("python_scalar_unbatched", "jax.vmap(lambda x, y: x + y, in_axes=(0, "
                                    "None))(jnp.arange(3), 1)"),
        ("weak_preserved", "jax.vmap(lambda x: x * 2)(jnp.full(3, 1.))"),
        ("sum_dtype", "jax.vmap(jnp.sum)(jnp.ones((2, 3), jnp.int8))"),
        ("vmap_of_jit", "jax.vmap(jax.jit(lambda x: x ** 2))(jnp.arange(3.))"),
        ("jit_of_vmap", "jax.jit(jax.vmap(lambda x: x ** 2))(jnp.arange(3.))"),
        ("vmap_of_grad", "jax.vmap(jax.grad(lambda x: x ** 3))(jnp.arange(3.))"),
        ("vmap_index", "jax.vmap(lambda x, i: x[i])(jnp.arange(6.).reshape(2, 3), jnp.array([2, "
                       "0]))"),
        ("vmap_at_set", "jax.vmap(lambda x, i: x.at[i].set(-1.))(jnp.zeros((2, 3)), jnp.array([2, "
                        "0]))"),
        ("vmap_where", "jax.vmap(lambda x: jnp.where(x > 1, x, 0.))(jnp.arange(3.))"),
        ("vmap_python_control_flow_error", "jax.vmap(lambda x: x if x > 0 else "
                                           "-x)(jnp.arange(3.))"),
]


def register(group, add):
    """Add these snippets through golden_snippets' helpers."""
    for name, snippets, setup in (("misc", MISC, ""), ("tree", TREE, "tu = jax.tree_util"),
                                  ("grad", GRAD, ""), ("vmap", VMAP, "")):
        group(name)
        for sid, expr in snippets:
            add(sid, expr, setup=setup)

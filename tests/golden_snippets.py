"""Golden snippets: small programs whose observable behaviour pyjax must share with JAX 0.10.2.

Plain data (no jax/pyjax import).  ``SNIPPETS`` is a list of records::

    {"id": "repr.weak_float", "group": "repr", "setup": "...", "code": "...",
     # optional flags:
     "x64": True,        # run with jax_enable_x64 on (put back off afterwards)
     "approx": True,     # texts (repr/str/stdout/message) compared number by number
     "exc_lines": 3,     # compare only the first 3 lines of the exception message
     "warnings": False}  # do not compare warnings (JAX-internal noise, e.g. NumPy's)

A snippet runs with ``jax``, ``jnp`` (jax.numpy) and ``np`` (NumPy) in a fresh namespace;
setup and code are executed as one source named ``<snippet ID>`` and, when the last
statement is an expression, its value is recorded (repr, str, dtype, shape, weak_type,
values), else the exception; stdout and warnings are recorded too.  Each group runs in
its own fresh process.  Golden records come from scripts/record_snippet_golden.py (real
JAX) into tests/data/snippet_golden.json; tests/test_golden_snippets.py runs them under
pyjax.  The facts come from /work/shared/spec/behaviour.md and dtypes.md (section
numbers in the comments).  This module holds the core snippets (reprs, indexing, .at[],
tracer errors and reprs, jit caching, make_jaxpr, debug_nans); golden_snippets_dtypes.py
and golden_snippets_api.py (devices, pytrees, grad, vmap) add theirs through ``register``.
Snippet ids are stable: the golden file is keyed by them, and a changed snippet must be
re-recorded (the test checks that its setup/code/x64 still match the record).
"""
from textwrap import dedent

SNIPPETS = []
_GROUP = ["core"]


def group(name):
    """Snippets added after this call belong to group ``name`` (one worker process)."""
    _GROUP[0] = name


def add(sid, code, setup="", **flags):
    """Add a snippet with id ``<group>.<sid>``."""
    rec = {"id": "%s.%s" % (_GROUP[0], sid), "group": _GROUP[0],
           "setup": dedent(setup).strip("\n"), "code": dedent(code).strip("\n")}
    rec.update(flags)
    SNIPPETS.append(rec)


def add_both(sid, code, setup="", **flags):
    """The same snippet with x64 off (``sid``) and on (``sid@x64``)."""
    add(sid, code, setup, **flags)
    add(sid + "@x64", code, setup, x64=True, **flags)


# ============================================================================ §1 repr / str
group("repr")

for _sid, _expr in [
        ("f32_scalar", "jnp.float32(1.5)"),
        ("weak_float", "jnp.array(1.5)"),
        ("i32_neg", "jnp.int32(-3)"),
        ("bool_true", "jnp.array(True)"),
        ("f32_vec", "jnp.array([1., 2.])"),
        ("f32_vec_padded", "jnp.array([1., 2.5, -3.25])"),
        ("i32_vec_padded", "jnp.array([1, -20, 300])"),
        ("empty_1d", "jnp.zeros((0,))"),
        ("empty_2d_int", "jnp.zeros((0, 3), jnp.int32)"),
        ("c64_vec", "jnp.array([1+2j, 3-4j])"),
        ("c64_weak", "jnp.array(1j)"),
        ("bf16_vec", "jnp.array([1.5, 2.25], jnp.bfloat16)"),
        ("f16_vec", "jnp.array([1.5, 2.25], jnp.float16)"),
        ("nan_inf", "jnp.array([jnp.nan, jnp.inf, -jnp.inf])"),
        ("sci_small", "jnp.array([1e-8, 1.0])"),
        ("sci_weak", "jnp.array(1e10)"),
        ("summarized_f32", "jnp.arange(2000.)"),
        ("summarized_i32", "jnp.arange(1001)"),
        ("full_weak", "jnp.full(3, 2)"),
        ("matrix_2d", "jnp.arange(6.).reshape(2, 3)"),
        ("tensor_3d", "jnp.arange(8).reshape(2, 2, 2)"),
        ("wide_2d_div3", "jnp.arange(20.).reshape(2, 10) / 3"),
        ("u8_vec", "jnp.array([0, 7, 255], jnp.uint8)"),
        ("i8_min", "jnp.int8(-128)"),
        ("neg_zero_weak", "jnp.array(-0.)"),
        ("bool_vec", "jnp.array([True, False, True])"),
        ("weak_int", "jnp.array(1)"),
        ("col_vec", "jnp.arange(3.).reshape(3, 1)"),
        ("u32_max", "jnp.array([4294967295], jnp.uint32)"),
        ("mixed_magnitudes", "jnp.array([1e-3, 1e3, 123456.])"),
        ("empty_3d", "jnp.ones((2, 0, 3))"),
        ("empty_bool", "jnp.zeros((0,), bool)"),
        ("arange_times_1_5", "jnp.arange(12.) * 1.5"),
        ("linspace_7", "jnp.linspace(0, 1, 7)"),
        ("long_row_i32", "jnp.arange(30) * 1000"),
        ("f16_scalar", "jnp.float16(0.1)"),
        ("c64_scalar", "jnp.complex64(1.5 - 2j)"),
        ("denormal_stored", "jnp.float32(1e-39)"),
        ("big_int_row", "jnp.array([2**31 - 1, -2**31], jnp.int32)"),
]:
    add(_sid, _expr)

add("format_spec", 'f"{jnp.float32(1.5):.3f}"')
add("format_int", 'f"{jnp.int32(42):5d}|{jnp.array(2.5)}|{jnp.arange(3.)}"')
add("percent_s", '"%s" % jnp.ones(2)')
add("list_of_arrays", "[jnp.array(1.), jnp.int32(2)]")
add("tuple_dict_of_arrays", "(jnp.ones(2), {'a': jnp.int8(3)})")
add("attributes", "x = jnp.ones((2, 3)); (x.dtype, x.shape, x.ndim, x.size, x.itemsize, x.nbytes)")
add("weak_type_attr", "(jnp.array(1.).weak_type, jnp.float32(1.).weak_type)")
add("device_attr", "x = jnp.ones(2); (repr(x.device), str(x.device))")
add("sharding_attr", "repr(jnp.ones(2).sharding)")
add("typeof_str", "str(jax.typeof(jnp.ones((2, 3))))")
add("typeof_weak_str", "str(jax.typeof(jnp.array(1.)))")
add("typeof_repr_i8", "repr(jax.typeof(jnp.ones((2, 3), jnp.int8)))")
add("typeof_repr_weak", "jax.typeof(jnp.array(1.))")
add("isinstance_array", "(isinstance(jnp.ones(2), jax.Array), isinstance(np.ones(2), jax.Array))")
add("array_type_mro", "t = type(jnp.ones(2)); (t.__name__, jax.Array in t.__mro__, t is not "
                      "jax.Array, len(t.__mro__))")
add("float_conv", "float(jnp.float32(1.5))")
add("int_conv", "int(jnp.array(3.7))")
add("bool_conv", "(bool(jnp.array(0.)), bool(jnp.ones(1)))")
add("complex_conv", "complex(jnp.array(1+2j))")
add("item_float", "v = jnp.float32(1.5).item(); (v, type(v).__name__)")
add("item_int", "v = jnp.int8(7).item(); (v, type(v).__name__)")
add("item_bool", "v = jnp.array(True).item(); (v, type(v).__name__)")
add("tolist_1d", "jnp.arange(3).tolist()")
add("tolist_2d", "jnp.arange(4.).reshape(2, 2).tolist()")
add("operator_index", "import operator; (operator.index(jnp.int32(3)), [10, 20, 30][jnp.int32(1)])")
add("range_of_array", "list(range(jnp.int32(3)))")
add("len_2d", "len(jnp.ones((3, 2)))")
add("list_of_1d", "list(jnp.arange(3))")
add("iter_2d", "[r.shape for r in jnp.ones((2, 3))]")
add("eq_elementwise", "jnp.arange(3) == jnp.array([0, 5, 2])")
add("np_asarray_readonly", "np.asarray(jnp.ones(3)).flags.writeable")
add("np_asarray_write_error", "a = np.asarray(jnp.ones(3)); a[0] = 5.")
add("np_array_copy_writable", "a = np.array(jnp.ones(3)); a[0] = 5.; a")
add("np_asarray_dtype", "(np.asarray(jnp.ones(2)).dtype, np.asarray(jnp.array(1)).dtype)")

# conversion errors
add("err_int_of_vec", "int(jnp.ones(2))")
add("err_float_of_vec1", "float(jnp.ones(1))")
add("err_bool_of_vec", "bool(jnp.ones(2))")
add("err_len_0d", "len(jnp.array(1.))")
add("err_iter_0d", "list(jnp.array(1.))")
add("err_hash", "hash(jnp.ones(2))")
add("err_str_array", "jnp.array('a')", warnings=False)
add("err_ragged", "jnp.array([[1, 2], [3]])")
add("err_attribute", "jnp.ones(2).foo")
add("err_set_shape", "x = jnp.ones(2); x.shape = (1, 2)")

# §2 immutability
add("err_setitem", "x = jnp.arange(5.); x[0] = 1")
add("err_setitem_slice", "x = jnp.arange(5.); x[1:3] = 0.")
add("at_helper_repr", "jnp.arange(3.).at")
add("at_ref_repr", "jnp.arange(3.).at[1]")

# ============================================================================ §3 indexing
group("index")
_X = "x = jnp.arange(5.)"

for _sid, _expr in [
        ("oob_pos_clamps", "x[10]"),
        ("neg_one", "x[-1]"),
        ("oob_neg_clamps", "x[-10]"),
        ("array_idx_clamps", "x[jnp.array([0, 7, -1, -7])]"),
        ("jit_traced_int_clamps", "jax.jit(lambda v, i: v[i])(x, 10)"),
        ("jit_traced_neg_clamps", "jax.jit(lambda v, i: v[i])(x, -10)"),
        ("jit_traced_array_clamps", "jax.jit(lambda v, i: v[i])(x, jnp.array([0, 7, -1, -7]))"),
        ("two_d_oob", "jnp.arange(6).reshape(2, 3)[5, 1]"),
        ("slice_past_end", "x[7:]"),
        ("slice_clip_hi", "x[3:100]"),
        ("slice_clip_lo", "x[-100:2]"),
        ("slice_step", "x[::-2]"),
        ("dynamic_slice_shift", "jax.lax.dynamic_slice(x, (4,), (3,))"),
        ("none_axis", "x[None].shape"),
        ("ellipsis_none", "x[..., None].shape"),
        ("true_index", "x[True].shape"),
        ("bool_mask_eager", "x[x > 2]"),
        ("index_keeps_weak", "jnp.full(2, 1.)[0]"),
        ("int_array_2d", "jnp.arange(6).reshape(2, 3)[jnp.array([1, 0]), jnp.array([2, 2])]"),
        ("err_list_index", "x[[0, 1]]"),
        ("err_float_index", "x[1.]"),
        ("err_float_array_index", "x[jnp.array([1.], jnp.float32)]"),
        ("err_too_many", "x[0, 0]"),
        # .at[].get modes
        ("get_default", "x.at[10].get()"),
        ("get_clip", "x.at[jnp.array([-7, 7])].get(mode='clip')"),
        ("get_promise", "x.at[7].get(mode='promise_in_bounds')"),
        ("get_fill_nan", "x.at[jnp.array([0, 7])].get(mode='fill')"),
        ("get_drop", "x.at[7].get(mode='drop')"),
        ("get_fill_value", "x.at[7].get(mode='fill', fill_value=-1.)"),
        ("get_fill_neg_wraps", "(x.at[-1].get(mode='fill'), x.at[-6].get(mode='fill'))"),
        ("get_no_wrap_clamps", "x.at[-1].get(wrap_negative_indices=False)"),
        ("get_no_wrap_fill", "x.at[-1].get(mode='fill', wrap_negative_indices=False)"),
        ("get_fill_int", "jnp.arange(3).at[5].get(mode='fill')"),
        ("get_fill_uint8", "jnp.arange(3, dtype=jnp.uint8).at[5].get(mode='fill')"),
        ("get_fill_bool", "jnp.zeros(3, bool).at[5].get(mode='fill')"),
        ("get_fill_complex", "jnp.ones(3, jnp.complex64).at[5].get(mode='fill')"),
        ("err_get_bogus_mode", "x.at[1].get(mode='bogus')"),
        # take / take_along_axis
        ("take_default_fill", "jnp.take(x, jnp.array([7, -7]))"),
        ("take_clip", "jnp.take(x, jnp.array([7, -7]), mode='clip')"),
        ("take_wrap", "jnp.take(x, jnp.array([7, -7]), mode='wrap')"),
        ("take_int_fill", "jnp.take(jnp.arange(3), jnp.array([5]))"),
        ("take_uint8_fill", "jnp.take(jnp.arange(3, dtype=jnp.uint8), jnp.array([5]))"),
        ("take_along_axis_fill", "jnp.take_along_axis(x, jnp.array([1, 9]), axis=0)"),
        # scatter out of bounds
        ("set_oob_dropped", "x.at[10].set(9.)"),
        ("set_neg_oob_dropped", "x.at[-6].set(9.)"),
        ("set_neg_one", "x.at[-1].set(9.)"),
        ("set_clip_mode", "x.at[10].set(9., mode='clip')"),
        ("set_fill_mode_drops", "x.at[10].set(9., mode='fill')"),
        ("set_promise_drops", "x.at[10].set(9., mode='promise_in_bounds')"),
]:
    add(_sid, _expr, setup=_X)

# ============================================================================ §4 .at[] table
group("at")
for _sid, _expr in [
        ("set_dup_last_wins", "x.at[I([0, 0])].set(I([1., 2.]))"),
        ("add_dup_accumulates", "x.at[I([0, 0])].add(1.)"),
        ("multiply_dup", "x.at[I([0, 0, 1])].multiply(3.)"),
        ("divide", "x.at[1].divide(2.)"),
        ("power", "x.at[2].power(3.)"),
        ("min_dup", "x.at[I([1, 1])].min(I([-1., 0.]))"),
        ("max", "x.at[1].max(10.)"),
        ("apply_slice", "x.at[1:3].apply(jnp.negative)"),
        ("apply_dup", "x.at[I([0, 0])].apply(lambda v: v + 1)"),
        ("subtract", "x.at[1].subtract(1.)"),
        ("mul_alias", "x.at[1].mul(3.)"),
        ("set_2d_index_broadcast", "x.at[I([[0], [1]])].set(7.)"),
        ("add_oob_dropped", "x.at[I([1, 10])].add(I([1., 1.]))"),
        ("add_false_sorted_promise", "x.at[I([3, 1])].add(I([10., 20.]), indices_are_sorted=True)"),
        ("add_false_unique_promise", "x.at[I([0, 0])].add(I([1., 2.]), unique_indices=True)[0]"),
        ("set_keeps_dtype_weak_value", "x.at[0].set(7)"),
        ("int_divide_gives_float", "xi.at[1].divide(2)"),
        ("int_set_float_truncates", "xi.at[1].set(2.7)"),
        ("int_add_float_truncates", "xi.at[1].add(2.7)"),
        ("uint8_set_300_wraps", "jnp.arange(3, dtype=jnp.uint8).at[1].set(300)"),
        ("uint8_set_neg1_wraps", "jnp.arange(3, dtype=jnp.uint8).at[1].set(-1)"),
        ("set_slice", "x.at[1:4].set(I([7., 8., 9.]))"),
        ("set_2d_row", "jnp.zeros((2, 3)).at[1].set(1.)"),
        ("set_bool_mask", "x.at[x > 2].set(0.)"),
        ("original_unchanged", "y = x.at[0].set(100.); x"),
        ("set_under_jit", "jax.jit(lambda v, i: v.at[i].set(-1.))(x, 3)"),
        ("err_list_index", "x.at[[0, 0]].set(1.)"),
        ("err_set_shape_fewer_dims", "x.at[1].set(jnp.ones(2))"),
        ("err_set_broadcast", "x.at[:].set(jnp.ones(3))"),
        ("err_bad_method_kwarg", "x.at[1].set(1., bogus=True)"),
]:
    add(_sid, _expr, setup="x = jnp.arange(5.); xi = jnp.arange(5); I = jnp.array")

# ============================================================================ §5 tracer errors
group("tracer_errors")


def _jit_err(sid, body, arg="jnp.arange(5.)", params="x", **flags):
    add(sid, "@jax.jit\ndef f(%s):\n%s\nf(%s)" % (
        params, "\n".join("    " + line for line in dedent(body).strip().split("\n")), arg),
        **flags)


_jit_err("np_asarray", "return np.asarray(x)")
_jit_err("np_sin", "return np.sin(x)")
_jit_err("float_of_tracer", "return float(x)", arg="jnp.float32(1.5)")
_jit_err("float_of_weak_tracer", "return float(x)", arg="1.5")
_jit_err("int_of_float_tracer", "return int(x)", arg="jnp.float32(1.5)")
_jit_err("bool_if_0d", "if x > 0:\n    return x\nreturn -x", arg="1.0")
_jit_err("bool_while_0d", "while x < 3:\n    x = x + 1\nreturn x", arg="1.0")
_jit_err("bool_if_vector", "if x > 0:\n    return x\nreturn -x")
_jit_err("list_index_int_tracer", "return [1, 2, 3][x]", arg="1")
_jit_err("range_int_tracer", "return sum(range(x))", arg="3")
_jit_err("arange_tracer", "return jnp.arange(x)", arg="3")
_jit_err("item_tracer", "return x.item()", arg="jnp.float32(1.5)")
_jit_err("tolist_tracer", "return x.tolist()")
_jit_err("bool_mask_tracer", "return x[x > 2]")
_jit_err("reshape_tracer", "return x.reshape(n)", arg="jnp.arange(6.), 6", params="x, n")
_jit_err("reshape_tuple_tracer", "return x.reshape((n, 2))", arg="jnp.arange(6.), 3",
         params="x, n")
_jit_err("zeros_tracer", "return jnp.zeros(n)", arg="3", params="n")
_jit_err("zeros_tuple_tracer", "return jnp.zeros((n, 2))", arg="3", params="n")
_jit_err("hash_tracer", "return hash(x)")
_jit_err("nonzero_tracer", "return jnp.nonzero(x)")
_jit_err("second_arg_named", "return x + float(y)", arg="1., 2.", params="x, y")
add("int_under_vmap", """
def f(x):
    return int(x)
jax.vmap(f)(jnp.arange(3.))
""")
add("float_under_grad_works", "jax.grad(lambda x: x ** 2 if x > 0 else -x)(3.)")
add("len_tracer_is_static", "jax.jit(lambda x: len(x))(jnp.ones(5))")
add("static_argnums_control_flow", """
def f(x, n):
    return x * 2 if n > 0 else x
jax.jit(f, static_argnums=1)(jnp.ones(2), 1)
""")
# A jitted function that leaks its tracer into ``leaked``.
_LEAK = """
leaked = []
@jax.jit
def f(x):
    leaked.append(x)
    return x
f(jnp.ones(5))
"""
add("leak_eager_use", _LEAK + "leaked[0] + 1\n", exc_lines=3)
add("leak_in_other_jit", _LEAK + "jax.jit(lambda y: y + leaked[0])(jnp.ones(5))\n", exc_lines=3)
add("leak_repr", _LEAK + "repr(leaked[0])\n")
add("mro_names", """
e = jax.errors
[[c.__name__ for c in k.__mro__] for k in (e.ConcretizationTypeError,
    e.TracerBoolConversionError, e.TracerArrayConversionError,
    e.TracerIntegerConversionError, e.UnexpectedTracerError, e.NonConcreteBooleanIndexError)]
""")
add("subclass_checks", """
e = jax.errors
(issubclass(e.TracerBoolConversionError, e.ConcretizationTypeError),
 issubclass(e.ConcretizationTypeError, TypeError),
 issubclass(e.TracerArrayConversionError, TypeError),
 issubclass(e.TracerIntegerConversionError, TypeError),
 issubclass(e.UnexpectedTracerError, TypeError),
 issubclass(e.NonConcreteBooleanIndexError, IndexError))
""")
add("catch_as_typeerror", """
try:
    jax.jit(lambda x: float(x))(1.)
except TypeError as err:
    r = type(err).__name__
r
""")

# ============================================================================ §6 tracer reprs
group("tracer_repr")
_SHOW = "print(repr(x), '|', str(x), '|', type(x).__name__)"
for _sid, _code in [
        ("jit_f32_3", "jax.jit(show)(jnp.ones(3))"),
        ("jit_weak_float", "jax.jit(show)(1.)"),
        ("jit_int32", "jax.jit(show)(jnp.int32(1))"),
        ("jit_bool_1", "jax.jit(show)(jnp.array([True]))"),
        ("jit_weak_int", "jax.jit(show)(3)"),
        ("jit_bf16_2d", "jax.jit(show)(jnp.ones((2, 3), jnp.bfloat16))"),
        ("make_jaxpr", "jax.make_jaxpr(show)(jnp.ones(3))"),
        ("eval_shape", "jax.eval_shape(show, jnp.ones(3))"),
        ("grad_scalar", "jax.grad(show)(1.0)"),
        ("grad_vector", "jax.grad(lambda v: show(v).sum())(jnp.arange(3.))"),
        ("vjp", "jax.vjp(lambda x: show(x) * 2., 1.0)[0]"),
        ("linearize", "jax.linearize(lambda x: show(x) * 2., 1.0)[0]"),
        ("vjp_identity_primal", "jax.vjp(show, 1.0)[0]"),
        ("jvp", "jax.jvp(show, (jnp.arange(3.),), (jnp.arange(3.),))"),
        ("vmap_1d", "jax.vmap(show)(jnp.ones(3))"),
        ("vmap_2d", "jax.vmap(show)(jnp.ones((2, 3)))"),
        ("jit_of_grad", "jax.jit(jax.grad(show))(1.)"),
        ("vmap_of_grad", "jax.vmap(jax.grad(show))(jnp.ones(3))"),
        ("grad_of_jit", "jax.grad(jax.jit(show))(1.)"),
        ("vmap_of_jit", "jax.vmap(jax.jit(show))(jnp.ones(3))"),
]:
    add(_sid, _code, setup="def show(x):\n    %s\n    return x" % _SHOW)
add("aval_in_jit", """
@jax.jit
def f(x, y):
    print(repr(x.aval), repr(y.aval))
    return x
f(jnp.ones(3), 1.)
""")
add("attrs_in_jit", """
@jax.jit
def f(x):
    print(x.shape, x.dtype, x.ndim, x.size, len(x), x.weak_type)
    return x
f(jnp.ones((2, 3)))
""")
add("fstring_in_jit", """
@jax.jit
def f(x):
    print(f"value: {x}")
    return x
f(jnp.ones(2))
""")
add("typeof_in_jit", """
@jax.jit
def f(x):
    print(jax.typeof(x), repr(jax.typeof(x)))
    return x
f(2.)
""")
add("intermediate_repr", """
@jax.jit
def f(x):
    y = jnp.sin(x) * 2
    print(y, y.sum(), y[0], y.astype(jnp.int32))
    return y
f(jnp.ones(4))
""", approx=True)

# ============================================================================ §7 jit caching
group("jit_cache")
_COUNTER = """
n = [0]
def f(*args, **kwargs):
    n[0] += 1
    return 0
jf = jax.jit(f)
"""
for _sid, _calls in [
        ("shape_change", "jf(jnp.ones(3)); jf(jnp.ones(4))"),
        ("dtype_change", "jf(jnp.ones(3)); jf(jnp.ones(3, jnp.int32))"),
        ("same_aval_new_values", "jf(jnp.ones(3)); jf(jnp.zeros(3))"),
        ("python_ints_same", "jf(1); jf(2)"),
        ("int_then_float", "jf(1); jf(1.0)"),
        ("np_int32_vs_python_int", "jf(np.int32(1)); jf(1)"),
        ("np_int32_vs_jnp_int32", "jf(np.int32(1)); jf(jnp.int32(1))"),
        ("jnp_array_weak_vs_int", "jf(jnp.array(1)); jf(1)"),
        ("bool_vs_int", "jf(True); jf(1)"),
        ("np_float64_vs_float", "jf(np.float64(1.)); jf(1.0)"),
        ("np_float64_vs_f32", "jf(np.float64(1.)); jf(jnp.float32(1.))"),
        ("numpy_vs_jax_array", "jf(np.ones(3, np.float32)); jf(jnp.ones(3))"),
        ("list_vs_tuple", "jf([1., 2.]); jf((1., 2.))"),
        ("tuple_vs_namedtuple", """
            import collections
            P = collections.namedtuple('P', 'a b')
            jf((1., 2.)); jf(P(1., 2.))"""),
        ("dict_keys_differ", "jf({'a': 1.}); jf({'b': 1.})"),
        ("dict_same_keys", "jf({'a': 1., 'b': 2.}); jf({'b': 3., 'a': 4.})"),
        ("none_leaf", "jf([1., None]); jf([1., 2.])"),
        ("positional_vs_keyword", "jf(1., 2.); jf(1., y=2.)"),
        ("keyword_same", "jf(1., y=2.); jf(1., y=3.)"),
        ("two_wrappers_share", "jax.jit(f)(1.); jax.jit(f)(2.)"),
        ("jit_of_jit_reuses", "jf(1.); jax.jit(jf)(2.)"),
        ("x64_toggle", "jf(1.); jax.config.update('jax_enable_x64', True); jf(1.)"),
        ("many_calls_one_trace", "[jf(jnp.float32(i)) for i in range(5)]"),
]:
    add(_sid, dedent(_calls).strip() + "\nn[0]", setup=_COUNTER)

add("two_lambdas_retrace", """
n = [0]
def count():
    n[0] += 1
jax.jit(lambda x: (count(), x)[1])(1.); jax.jit(lambda x: (count(), x)[1])(1.)
n[0]
""")
add("default_omitted_vs_passed", """
n = [0]
@jax.jit
def f(x, y=2.):
    n[0] += 1
    return x + y
f(1.); f(1., 2.); f(1., y=2.)
n[0]
""")
_STATIC = """
n = [0]
def g(x, s):
    n[0] += 1
    return x
jg = jax.jit(g, static_argnums=1)
"""
add("static_int_float_bool", "jg(1., 1); jg(1., 1.0); jg(1., True); jg(1., 1)\nn[0]",
    setup=_STATIC)
add("static_equal_values", "jg(1., 'a'); jg(2., 'a'); jg(1., 'b')\nn[0]", setup=_STATIC)
add("static_hash_eq_unequal", """
class K:
    def __hash__(self):
        return 1
    def __eq__(self, other):
        return False
jg(1., K()); jg(1., K())
n[0]
""", setup=_STATIC)
add("static_hash_eq_equal", """
class K:
    def __hash__(self):
        return 1
    def __eq__(self, other):
        return isinstance(other, K)
jg(1., K()); jg(1., K())
n[0]
""", setup=_STATIC)
add("static_default_object", "o = object(); jg(1., o); jg(1., o); jg(1., object())\nn[0]",
    setup=_STATIC)
add("static_argnames_keyword", """
n = [0]
def h(x, mode='a'):
    n[0] += 1
    return x * (2 if mode == 'a' else 3)
h2 = jax.jit(h, static_argnames='mode')
(h2(1., mode='a'), h2(1., mode='b'), h2(2., mode='b'), n[0])
""")
add("global_closure_ignored", """
G = 1
@jax.jit
def f(x):
    return x + G
a = f(1.)
G = 10
b = f(1.)
c = f(jnp.float32(1.))
(a, b, c)
""")
add("cache_size", """
jf = jax.jit(lambda x: x + 1)
jf(1.); jf(2.); jf(jnp.ones(3))
jf._cache_size()
""")
add("weak_output_from_python_ints", "jax.jit(lambda x: x * 2)(3)")
add("weak_output_constant", "jax.jit(lambda x: 1.)(2.)")
add("strong_output", "jax.jit(lambda x: x * 2)(jnp.int32(3))")
add("output_pytree", "jax.jit(lambda x: {'b': x, 'a': (x, [x * 2])})(1.)")
add("output_none", "jax.jit(lambda x: None)(1.)")
add("jit_wraps_name_doc", """
def myfun(x):
    \"\"\"Doc.\"\"\"
    return x
jf = jax.jit(myfun)
(jf.__name__, jf.__doc__, jf.__wrapped__ is myfun)
""")

# static argument errors
add("err_static_list", "jax.jit(lambda x, s: x, static_argnums=1)(1., [1, 2])")
add("err_static_dict", "jax.jit(lambda x, s: x, static_argnums=1)(1., {'a': 1})")
add("err_static_ndarray", "jax.jit(lambda x, s: x, static_argnums=1)(1., np.arange(3))")
add("err_static_jax_array", "jax.jit(lambda x, s: x, static_argnums=1)(1., jnp.arange(3))")
add("err_static_unhashable_class", """
class U:
    __hash__ = None
jax.jit(lambda x, s: x, static_argnums=1)(1., U())
""")
add("err_static_argnames_unhashable",
    "jax.jit(lambda x, s: x, static_argnames='s')(1., s=[1])")
add("err_static_argnums_out_of_range", "jax.jit(lambda x: x, static_argnums=(3,))(1.)")
add("err_static_argnames_invalid", "jax.jit(lambda x: x, static_argnames=('y',))(1.)")
add("err_nonarray_str", "def f(x):\n    return x\njax.jit(f)('abc')")
add("err_nonarray_object", "def f(x):\n    return x\njax.jit(f)(object())")
add("err_nonarray_keyword", "def f(x, z=1.):\n    return x\njax.jit(f)(1., z='abc')")
add("err_nonarray_in_list", "def f(x):\n    return x\njax.jit(f)([1., 'abc'])")
add("default_arg_not_traced", """
@jax.jit
def f(x, y=2.0):
    print(type(y).__name__, y)
    return x * y if y > 1 else x
f(1.)
""")
add("default_arg_passed_is_traced", """
@jax.jit
def f(x, y=2.0):
    print(y)
    return x * y
(f(1., 3.), f(1., y=4.))
""")

# ============================================================================ §8 make_jaxpr
group("jaxpr")
for _sid, _setup, _expr in [
        ("spec_example", """
            def f(x, y):
                z = jnp.sin(x) * y + 2.0
                return jnp.sum(z), z[0]""", "jax.make_jaxpr(f)(jnp.ones(3), 2.0)"),
        ("constvar", "c = jnp.array([1., 2., 3.])", "jax.make_jaxpr(lambda x: x * c)(jnp.ones(3))"),
        ("scalar_const_literal", "c = jnp.float32(3.)",
         "jax.make_jaxpr(lambda x: x * c)(jnp.ones(3))"),
        ("one_line_int", "", "jax.make_jaxpr(lambda x: x + 1)(1)"),
        ("weak_int_binder", "", "jax.make_jaxpr(lambda x: x * 2)(3)"),
        ("identity", "", "jax.make_jaxpr(lambda x: x)(1.)"),
        ("nested_jit", """
            @jax.jit
            def inner(v):
                return jnp.cos(v) + 1.
            def outer(x):
                return inner(x) * 2.""", "jax.make_jaxpr(outer)(jnp.ones(2))"),
        ("where", "", "jax.make_jaxpr(lambda x: jnp.where(x > 0, x, 0.))(jnp.ones(3))"),
        ("traced_int_index", "", "jax.make_jaxpr(lambda x, i: x[i])(jnp.arange(5.), 1)"),
        ("static_int_index", "", "jax.make_jaxpr(lambda x: x[1])(jnp.arange(5.))"),
        ("gather_array_index", "",
         "jax.make_jaxpr(lambda x, i: x[i])(jnp.arange(5.), jnp.array([0, 2]))"),
        ("matmul_transpose", "", "jax.make_jaxpr(lambda x: x @ x.T)(jnp.ones((2, 3)))"),
        ("mean", "", "jax.make_jaxpr(jnp.mean)(jnp.ones((2, 3)))"),
        ("grad", "", "jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * x))(1.)"),
        ("vmap_dot", "", "jax.make_jaxpr(jax.vmap(lambda v: jnp.dot(v, v)))(jnp.ones((3, 4)))"),
        ("at_set", "", "jax.make_jaxpr(lambda x: x.at[0].set(5.))(jnp.ones(3))"),
        ("cond", "",
         "jax.make_jaxpr(lambda x: jax.lax.cond(x > 0, lambda v: -v, lambda v: v, x))(1.)"),
        ("integer_pow", "", "jax.make_jaxpr(lambda x: x ** 3)(jnp.ones(2))"),
        ("astype", "", "jax.make_jaxpr(lambda x: x.astype(jnp.int32))(jnp.ones(2))"),
        ("argmax", "", "jax.make_jaxpr(jnp.argmax)(jnp.ones(4))"),
        ("broadcast_add", "", "jax.make_jaxpr(lambda x, y: x + y)(jnp.ones(3), jnp.ones((2, 3)))"),
        ("reshape_transpose", "",
         "jax.make_jaxpr(lambda x: x.reshape(3, 2).T)(jnp.ones(6))"),
        ("multiple_outputs_pytree", "",
         "jax.make_jaxpr(lambda x: {'a': x + 1., 'b': [x * 2.]})(jnp.ones(2))"),
        ("static_argnums", "",
         "jax.make_jaxpr(lambda x, n: x * n, static_argnums=1)(jnp.ones(2), 3)"),
        ("bool_and_uint", "",
         "jax.make_jaxpr(lambda b, u: jnp.where(b, u, u + 1))(jnp.ones((2, 2), bool), jnp.ones(5, "
         "jnp.uint32)[:2])"),
        ("many_vars_naming", "", """jax.make_jaxpr(lambda x: x + 1. + 2. + 3. + 4. + 5. + 6. + 7.
                + 8. + 9. + 10. + 11. + 12. + 13. + 14. + 15. + 16. + 17. + 18. + 19. + 20.
                + 21. + 22. + 23. + 24. + 25. + 26. + 27. + 28.)(1.)"""),
        ("inf_literal", "", "jax.make_jaxpr(lambda x: jnp.minimum(x, jnp.inf))(jnp.ones(2))"),
        ("unused_output", "", "jax.make_jaxpr(lambda x: jax.lax.sort_key_val(x, "
                              "x)[0])(jnp.ones(3))"),
        ("jvp", "", "jax.make_jaxpr(lambda x, t: jax.jvp(jnp.sin, (x,), (t,)))(1., 1.)"),
]:
    add(_sid, _expr, setup=_setup)
add("closed_jaxpr_attrs", """
cj = jax.make_jaxpr(lambda x, y: (x * y, x.sum()))(jnp.ones(3), 2.)
(cj.in_avals, cj.out_avals, cj.consts, type(cj).__name__, type(cj.jaxpr).__name__)
""")
add("closed_jaxpr_consts", """
c = jnp.array([1., 2., 3.])
cj = jax.make_jaxpr(lambda x: x * c)(jnp.ones(3))
(cj.consts, len(cj.jaxpr.constvars), len(cj.jaxpr.invars), len(cj.jaxpr.eqns))
""")
add("jaxpr_str_equals_repr", "cj = jax.make_jaxpr(jnp.sin)(1.); str(cj) == repr(cj)")
add("eqn_primitives", """
cj = jax.make_jaxpr(lambda x: jnp.sum(jnp.sin(x) * 2.))(jnp.ones(3))
[str(e.primitive) for e in cj.jaxpr.eqns]
""")

# ============================================================================ §9 debug_nans
group("debug_nans")
_NANS = "jax.config.update('jax_debug_nans', True)"
add("eager_log", "jnp.log(-1.)", setup=_NANS)
add("eager_div", "jnp.zeros(2) / jnp.zeros(2)", setup=_NANS)
add("eager_sqrt_array", "jnp.sqrt(jnp.array([1., -1.]))", setup=_NANS)
add("jit_log", "jax.jit(lambda v: jnp.log(v) * 2)(-1.)", setup=_NANS)
add("array_of_nan", "jnp.array(jnp.nan)", setup=_NANS)
add("float32_of_nan", "jnp.float32(np.nan)", setup=_NANS)
add("unreturned_nan_ok", "jax.jit(lambda v: jnp.where(v > 0, jnp.log(v), 0.))(-1.)",
    setup=_NANS)
add("no_nan_ok", "jnp.log(jnp.array([1., 2.]))", setup=_NANS, approx=True)
add("context_manager", "with jax.debug_nans(True):\n    jnp.log(-1.)")
add("off_by_default", "jnp.log(-1.)")
add("infs_div", "jax.config.update('jax_debug_infs', True)\njnp.ones(2) / jnp.zeros(2)")
add("infs_log0", "jax.config.update('jax_debug_infs', True)\njnp.log(0.)")
add("infs_off_nan_ok", "jax.config.update('jax_debug_infs', True)\njnp.log(-1.)")
add("config_read", "(jax.config.jax_debug_nans, jax.config.jax_enable_x64)")
add("config_read_after_update", "jax.config.update('jax_debug_nans', "
                                "True)\njax.config.jax_debug_nans")
add("err_config_unknown", "jax.config.update('jax_no_such_flag', True)")

# ============================================================================ dtypes (dtypes.md)
# The dtype snippets (x64 off and on) are in golden_snippets_dtypes.py.
from golden_snippets_dtypes import register as _register_dtypes  # noqa: E402

_register_dtypes(group, add_both)

# ============================================================================ misc, tree, grad, vmap
# These snippets are in golden_snippets_api.py.
from golden_snippets_api import register as _register_api  # noqa: E402

_register_api(group, add)

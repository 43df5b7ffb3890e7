"""The vmap API: in_axes/out_axes forms, kwargs, axis_size, JAX's error texts (spec §13),
compositions with grad/jit/vmap, jacfwd/jacrev/hessian, lax.map, tracer reprs and origins,
and the vmap usages of the seed documents."""
import re

import numpy as np
import pytest

import pyjax as jax
import pyjax.numpy as jnp
from pyjax._src.api import jit
from pyjax._src.array import ArrayImpl
from pyjax._src.ad_api import grad
from pyjax._src.vmap_api import hessian, jacfwd, jacrev, map as lax_map, vmap


def A(x, dtype=np.float32, weak=False):
    return ArrayImpl(np.asarray(x, dtype), weak)


def same(got, want, rtol=1e-6):
    got = np.asarray(got)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6)


X = np.arange(12, dtype=np.float32).reshape(3, 4)
Y = np.arange(4, dtype=np.float32) + 1


# ---------------------------------------------------------------------------------------------
# in_axes


def test_in_axes_int_none_negative():
    same(vmap(lambda x: x.sum())(A(X)), X.sum(1))
    same(vmap(lambda x: x.sum(), in_axes=1)(A(X)), X.sum(0))
    same(vmap(lambda x: x.sum(), in_axes=-1)(A(X)), X.sum(0))
    same(vmap(lambda x, y: x * y, in_axes=(0, None))(A(X), A(Y)), X * Y)
    same(vmap(lambda x, y: x * y, in_axes=[1, None])(A(X.T), A(Y)), X * Y)  # list == tuple
    same(vmap(lambda x, y: x + y, in_axes=(-2, 0))(A(X), A(X)), 2 * X)


def test_in_axes_pytree_prefixes():
    d = {"a": A(X), "b": A(Y)}
    same(vmap(lambda d: d["a"] * d["b"], in_axes=({"a": 0, "b": None},))(d), X * Y)
    same(vmap(lambda d: d["a"] + d["b"], in_axes=({"a": 1, "b": 0},))(
        {"a": A(X.T), "b": A(X)}), 2 * X)
    # a list argument, nested tuples, None covering a whole subtree
    args = ([A(X), (A(X), A(X[:, :1]))],)
    same(vmap(lambda l: l[0] + l[1][0] * l[1][1], in_axes=([0, (1, None)],))(
        [A(X), (A(X.T), A(Y))]), X + X * Y)
    same(vmap(lambda l: l[0] + l[1][0] * l[1][1], in_axes=([0, None],))(
        [A(X), (A(Y), A(Y))]), X + Y * Y)
    same(vmap(lambda l: l[0] + l[1][0] * l[1][1], in_axes=(0,))(*args), X + X * X[:, :1])


def test_kwargs_are_mapped_over_axis_0():
    same(vmap(lambda x, y: x - y, in_axes=(1,))(A(X.T), y=A(X)), np.zeros_like(X))
    same(vmap(lambda x, *, scale: x * scale)(A(X), scale=A([1., 2., 3.])),
         X * np.array([1., 2., 3.])[:, None])


def test_unmapped_arguments_pass_through():
    # None leaves, Python values and non-array leaves with in_axes None reach f unchanged.
    def f(x, opts, nothing):
        assert nothing is None and opts == {"p": 2}
        return x ** opts["p"]
    same(vmap(f, in_axes=(0, None, None))(A(Y), {"p": 2}, None), Y ** 2)


def test_axis_size_without_mapped_inputs():
    out = vmap(lambda: 1., axis_size=3)()
    assert out.shape == (3,) and out.weak_type
    same(vmap(lambda x: x * 2, in_axes=None, axis_size=2)(A(Y)), np.stack([2 * Y] * 2))


# ---------------------------------------------------------------------------------------------
# out_axes


@pytest.mark.parametrize("out_axes,axis", [(0, 0), (1, 1), (-1, 1), (-2, 0)])
def test_out_axes(out_axes, axis):
    same(vmap(lambda x: x * 2, out_axes=out_axes)(A(X)), np.moveaxis(2 * X, 0, axis))


def test_out_axes_pytree_and_none():
    out = vmap(lambda x: {"m": x, "c": 5.0, "s": (x.sum(), x[0])},
               out_axes={"m": 1, "c": None, "s": (0, -1)})(A(X))
    same(out["m"], X.T)
    assert float(out["c"]) == 5.0 and np.shape(out["c"]) == ()
    same(out["s"][0], X.sum(1))
    same(out["s"][1], X[:, 0])
    # an unmapped output with an int out_axes is broadcast
    same(vmap(lambda x: (x, jnp.ones(2)), out_axes=(0, 1))(A(Y))[1], np.ones((2, 4)))


def test_mapped_output_with_out_axes_none():
    with pytest.raises(ValueError, match=re.escape(
            "at vmap out_axes, got axis spec None but output was batched on axis 0")):
        vmap(lambda x: x, out_axes=None)(A(Y))
    with pytest.raises(ValueError, match=re.escape(
            "at vmap out_axes[1], got axis spec None but output was batched on axis 0")):
        vmap(lambda x: (x, x), out_axes=(0, None))(A(Y))
    with pytest.raises(ValueError, match=re.escape(
            "vmap has mapped output (axis_name=foo) but out_axes is None")):
        vmap(lambda x: x, out_axes=None, axis_name="foo")(A(Y))


# ---------------------------------------------------------------------------------------------
# error texts (spec §13)

def _raises(exc, text, f, *args, **kwargs):
    with pytest.raises(exc) as info:
        f(*args, **kwargs)
    assert str(info.value) == text


def test_inconsistent_sizes():
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * one axis had size 3: axis 0 of argument a of type float32[3];\n"
            "  * one axis had size 4: axis 0 of argument b of type float32[4]",
            vmap(lambda a, b: a + b), jnp.ones(3), jnp.ones(4))
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * most axes (2 of them) had size 3, e.g. axis 0 of argument a of type "
            "float32[3];\n  * one axis had size 4: axis 0 of argument c of type float32[4]",
            vmap(lambda a, b, c: a + b + c), jnp.ones(3), jnp.ones(3), jnp.ones(4))
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * one axis had size 3: axis 0 of argument a of type float32[3];\n"
            "  * one axis had size 4: axis 0 of kwargs['b'] of type float32[4]",
            vmap(lambda a, b: a + b), jnp.ones(3), b=jnp.ones(4))
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * one axis had size 3: axis 0 of argument d['a'] of type float32[3];\n"
            "  * one axis had size 4: axis 0 of argument d['b'] of type float32[4]",
            vmap(lambda d: d['a'] + d['b']), {'a': jnp.ones(3), 'b': jnp.ones(4)})
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * one axis had size 2: axis 1 of argument x of type float32[3,2];\n"
            "  * one axis had size 3: axis 0 of argument y of type float32[3]",
            vmap(lambda x, y: x, in_axes=(1, 0)), jnp.ones((3, 2)), jnp.ones(3))
    # the axis as given; arguments that do not bind to the signature are args[i]
    _raises(ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n"
            "  * one axis had size 2: axis -1 of args[0] of type float32[3,2];\n"
            "  * one axis had size 3: axis 0 of args[1] of type float32[3]",
            vmap(lambda x: x, in_axes=(-1, 0)), jnp.ones((3, 2)), jnp.ones(3))


def test_in_axes_errors():
    _raises(ValueError, "vmap was requested to map its argument along axis 1, which implies "
            "that its rank should be at least 2, but is only 1 (its shape is (3,))",
            vmap(lambda x: x, in_axes=1), jnp.ones(3))
    _raises(ValueError, "vmap was requested to map its argument along axis -3, which implies "
            "that its rank should be at least 3, but is only 2 (its shape is (3, 4))",
            vmap(lambda x: x, in_axes=-3), jnp.ones((3, 4)))
    _raises(ValueError, "vmap was requested to map its argument along axis 0, which implies "
            "that its rank should be at least 1, but is only 0 (its shape is ())",
            vmap(lambda x: x), 1.)
    _raises(ValueError, "vmap in_axes must be an int, None, or a tuple of entries corresponding "
            "to the positional arguments passed to the function, but got len(in_axes)=1, "
            "len(args)=2", vmap(lambda a, b: a + b, in_axes=(0,)), jnp.ones(3), jnp.ones(3))
    _raises(TypeError, "vmap in_axes must be an int, None, or a tuple of entries corresponding "
            "to the positional arguments passed to the function, but got 0.5.",
            vmap, lambda x: x, in_axes=0.5)
    _raises(TypeError, "vmap in_axes must be an int, None, or a tuple of entries corresponding "
            "to the positional arguments passed to the function, but got {'a': 0}.",
            vmap, lambda x: x, in_axes={"a": 0})
    _raises(TypeError, "vmap in_axes must be an int, None, or (nested) container with those "
            "types as leaves, but got (0, 'a').", vmap, lambda x: x, in_axes=(0, "a"))
    _raises(TypeError, "vmap out_axes must be an int, None, or (nested) container with those "
            "types as leaves, but got 1.5.", vmap, lambda x: x, out_axes=1.5)
    _raises(ValueError, "vmap in_axes specification must be a tree prefix of the corresponding "
            "value, got specification ({'a': 0, 'c': 0},) for value tree "
            "PyTreeDef(({'a': *, 'b': *},)).",
            vmap(lambda d: d, in_axes=({"a": 0, "c": 0},)), {"a": jnp.ones(2), "b": jnp.ones(2)})
    _raises(ValueError, "vmap out_axes specification must be a tree prefix of the "
            "corresponding value, got specification (0, 0) for value tree PyTreeDef(*).",
            vmap(lambda x: x, out_axes=(0, 0)), jnp.ones(2))


def test_no_arguments_and_no_mapped_axes():
    _raises(ValueError, "vmap wrapped function must be passed at least one argument containing "
            "an array or axis_size must be specified, got empty *args=() and **kwargs={}",
            vmap(lambda: 1))
    _raises(ValueError, "vmap must have at least one non-None value in in_axes",
            vmap(lambda x: x, in_axes=None), jnp.ones(2))
    _raises(ValueError, "axis 1 is out of bounds for array of dimension 1",
            vmap(lambda x: x, out_axes=1), jnp.ones(3))
    _raises(TypeError, "vmap requires a callable argument, got 3", vmap, 3)


# ---------------------------------------------------------------------------------------------
# compositions


def f_scalar(x):
    return jnp.sum(jnp.sin(x) * x ** 2)


def test_vmap_of_grad_and_grad_of_vmap():
    df = lambda x: np.cos(x) * x ** 2 + 2 * x * np.sin(x)  # noqa: E731
    same(vmap(grad(f_scalar))(A(X)), df(X), rtol=1e-5)
    same(vmap(grad(lambda x: jnp.sin(x) * x ** 2))(A(Y)), df(Y), rtol=1e-5)
    g = grad(lambda x: jnp.sum(vmap(lambda r: jnp.dot(r, r) * r[0])(x)))(A(X))
    want = 2 * X * X[:, :1]
    want[:, 0] += (X ** 2).sum(1)
    same(g, want, rtol=1e-5)
    # grad through in_axes=None: the unmapped argument's cotangent sums over the batch
    g = grad(lambda w: jnp.sum(vmap(lambda x, w: jnp.dot(x, w), in_axes=(0, None))(A(X), w)))
    same(g(A(Y)), X.sum(0))


def test_jit_and_vmap_nest_both_ways():
    f = lambda x, y: jnp.dot(x, y) + jnp.max(x)  # noqa: E731
    want = X @ Y + X.max(1)
    same(jit(vmap(f, in_axes=(0, None)))(A(X), A(Y)), want)
    same(vmap(jit(f), in_axes=(0, None))(A(X), A(Y)), want)
    same(jit(vmap(jit(f), in_axes=(0, None)))(A(X), A(Y)), want)


def test_vmap_of_vmap():
    outer = vmap(vmap(lambda a, b: a * b, in_axes=(0, None)), in_axes=(None, 0))
    same(outer(A(Y), A(X[:, 0])), X[:, :1] * Y[None, :])
    same(vmap(vmap(lambda x: x.sum(), in_axes=1), in_axes=2)(A(np.ones((2, 3, 4)))),
         np.full((4, 3), 2.))
    same(vmap(vmap(jnp.dot))(A(X.reshape(3, 2, 2)), A(X.reshape(3, 2, 2))),
         (X.reshape(3, 2, 2) ** 2).sum(-1))


def test_jacobians():
    def f(x):
        return jnp.stack([x[0] * x[1], jnp.sin(x[2]), x[0] ** 3])

    x = np.array([1., 2., 3.], np.float32)
    want = np.array([[2., 1., 0.], [0., 0., np.cos(3.)], [3., 0., 0.]], np.float32)
    same(jacfwd(f)(A(x)), want)
    same(jacrev(f)(A(x)), want)
    h = hessian(lambda x: x[0] ** 2 * x[1] + jnp.sum(x ** 3))(A(x))
    same(h, np.array([[2 * 2 + 6, 2 * 1, 0], [2 * 1, 12, 0], [0, 0, 18]], np.float32))
    same(vmap(jacfwd(f))(A(np.stack([x, 2 * x]))),
         np.stack([want, jacfwd(f)(A(2 * x))]))


def test_jacobians_of_pytrees_and_argnums():
    def f(a, b):
        return {"s": a * b["w"], "t": jnp.sum(a)}

    a, w = np.array([1., 2.], np.float32), np.array([3., 4.], np.float32)
    for jac in (jacfwd, jacrev):
        ja = jac(f)(A(a), {"w": A(w)})
        same(ja["s"], np.diag(w))
        same(ja["t"], np.ones(2))
        jab = jac(f, argnums=(0, 1))(A(a), {"w": A(w)})
        same(jab["s"][1]["w"], np.diag(a))
        same(jab["t"][1]["w"], np.zeros(2))
    j, aux = jacfwd(lambda x: (x * 2, x.sum()), has_aux=True)(A(a))
    same(j, 2 * np.eye(2))
    same(aux, 3.)


def test_jacobian_dtypes_and_weak_types():
    # As JAX: jacfwd blocks take each output's dtype and weak type, jacrev blocks each input's.
    half = lambda a: (a * 3.).astype(jnp.float16)  # noqa: E731
    assert jacfwd(half)(A(2.)).dtype == np.float16
    assert jacrev(half)(A(2.)).dtype == np.float32
    strong = lambda a: a * A(3.)  # noqa: E731
    assert not jacfwd(strong)(2.).weak_type and jacrev(strong)(2.).weak_type
    j = jacrev(lambda a: a * (1 + 1j))(1.)
    assert j.dtype == np.float32 and float(j) == 1.0
    _, ji = jacrev(lambda a, b: a * b, argnums=(0, 1), allow_int=True)(2., 3)
    assert ji.dtype == jax.dtypes.float0


# ---------------------------------------------------------------------------------------------
# lax.map


@pytest.mark.parametrize("batch_size", [None, 1, 2, 3, 5])
def test_lax_map(batch_size):
    xs = np.arange(15, dtype=np.float32).reshape(5, 3)
    out = lax_map(lambda x: (x.sum(), {"d": x * 2}), A(xs), batch_size=batch_size)
    same(out[0], xs.sum(1))
    same(out[1]["d"], xs * 2)
    both = lax_map(lambda p: p[0] * p[1], (A(xs), A(xs[:, 0])), batch_size=batch_size)
    same(both, xs * xs[:, :1])
    # unmapped results are stacked too
    same(lax_map(lambda x: 1., A(xs), batch_size=batch_size), np.ones(5))


def test_lax_map_under_jit_and_grad():
    xs = np.arange(6, dtype=np.float32)
    same(jit(lambda v: lax_map(jnp.sin, v, batch_size=4))(A(xs)), np.sin(xs))
    same(grad(lambda v: jnp.sum(lax_map(lambda x: x ** 2, v)))(A(xs)), 2 * xs)


def test_lax_map_errors():
    with pytest.raises(ValueError, match="different leading axis sizes"):
        lax_map(lambda p: p, (A(np.ones(2)), A(np.ones(3))))


# ---------------------------------------------------------------------------------------------
# tracers


def test_tracer_repr_and_origin():
    seen = []
    vmap(lambda x: seen.append(repr(x)) or x)(A(X))
    assert seen == ["VmapTracer(aval=float32[4], batched=float32[3,4])"]
    with pytest.raises(jax.errors.TracerBoolConversionError) as info:
        vmap(lambda x: x if x > 0 else -x)(A(Y))
    msg = str(info.value)
    assert "This BatchTracer with object id" in msg and "was created on line:" in msg
    assert re.search(r"test_vmap_api\.py:\d+:\d+ \(<lambda>\)", msg), msg


# ---------------------------------------------------------------------------------------------
# the seed documents' vmap usages


def test_seed_f_vec_meshgrid():
    def f(x, y):
        return jnp.cos(x ** 2 + y ** 2) / (1 + x ** 2 + y ** 2)

    x = jnp.linspace(-2, 2, 80)
    y = x
    f_vec = jax.jit(jax.vmap(jax.vmap(f, in_axes=(None, 0)), in_axes=(0, None)))
    xm, ym = np.meshgrid(np.asarray(x), np.asarray(y), indexing="ij")
    same(f_vec(x, y), np.cos(xm ** 2 + ym ** 2) / (1 + xm ** 2 + ym ** 2), rtol=1e-5)


def test_seed_kinetic_energy():
    def kinetic_energy(p, m1, m2, m3):
        kin_1 = m1 * jnp.sum(p[9:12] ** 2)
        kin_2 = m2 * jnp.sum(p[12:15] ** 2)
        kin_3 = m3 * jnp.sum(p[15:18] ** 2)
        return (kin_1 + kin_2 + kin_3) / 2

    traj = np.random.default_rng(0).uniform(size=(100, 18)).astype(np.float32)
    ys = jax.vmap(kinetic_energy, in_axes=(0, None, None, None))(A(traj), 1.0, 1.0, 1.0)
    assert ys.shape == (100,)
    same(ys, (traj[:, 9:] ** 2).sum(1) / 2, rtol=1e-5)


def test_seed_pdf_matr():
    def pdf(x, params):
        mu, sigma = params
        a = ((x - mu) / sigma) ** 2
        b = sigma * jnp.sqrt(2 * jnp.pi)
        return jnp.exp(-a / 2) / b

    params = jnp.array([0.2, 2.0])
    xs = np.random.default_rng(1).uniform(size=(30, 30)).astype(np.float32)
    pdf_vec = jax.vmap(pdf, in_axes=(0, None))
    pdf_matr = jax.vmap(pdf_vec, in_axes=(0, None))
    want = np.exp(-((xs - 0.2) / 2.0) ** 2 / 2) / (2.0 * np.sqrt(2 * np.pi))
    same(pdf_vec(A(xs[0]), params), want[0], rtol=1e-5)
    same(pdf_matr(A(xs), params), want, rtol=1e-5)


def test_seed_in_axes_2_out_axes_1():
    m = jnp.array(([[1.0, 0.0], [0.0, 100.0]], [[1.0, 1.0], [-1.0, 1.0]]))

    def frob_plus_sq(m):  # cond_plus_cond_sq's shape, without linalg
        c = jnp.sqrt(jnp.sum(m * m)) / jnp.max(jnp.abs(m))
        return c + c ** 2

    mm = np.asarray(m)
    want = []
    for i in range(2):
        x = mm[:, :, i]
        c = np.sqrt((x * x).sum()) / np.abs(x).max()
        want.append(c + c ** 2)
    same(jax.vmap(frob_plus_sq, in_axes=2)(m), want)
    with pytest.raises(ValueError, match="axis 1 is out of bounds for array of dimension 1"):
        jax.vmap(frob_plus_sq, in_axes=2, out_axes=1)(m)
    same(jax.vmap(lambda m: m * 2, in_axes=2, out_axes=1)(m), np.moveaxis(mm * 2, 2, 1))


def test_seed_vmap_grad_cheb():
    def cheb_2(x):
        return jnp.cos(2 * jnp.arccos(x))

    xs = jnp.linspace(-1.0, 1.0, 100)
    want = np.array([grad(cheb_2)(x) for x in xs])
    same(jax.vmap(jax.grad(cheb_2))(xs), want, rtol=1e-5)
    same(jax.vmap(cheb_2)(xs), cheb_2(xs))
    out = np.asarray(jax.vmap(jax.grad(cheb_2))(jnp.linspace(-1.0, 1.0, 4)))
    assert np.isinf(out[0]) and np.isnan(out[3])
    np.testing.assert_allclose(out[1:3], [-4 / 3, 4 / 3], rtol=1e-5)


def test_seed_batched_apply_matrix():
    rng = np.random.default_rng(2)
    mat = rng.standard_normal((150, 100)).astype(np.float32)
    batched_x = rng.standard_normal((10, 100)).astype(np.float32)

    def apply_matrix(v):
        return jnp.dot(A(mat), v)

    want = batched_x @ mat.T
    same(jax.vmap(apply_matrix)(A(batched_x)), want, rtol=1e-4)
    same(jax.jit(lambda vb: jax.vmap(apply_matrix)(vb))(A(batched_x)), want, rtol=1e-4)
    same(jax.jit(lambda vb: jnp.dot(vb, A(mat).T))(A(batched_x)), want, rtol=1e-4)


def test_meshgrid_vmap_form_uses_no_more_memory_than_broadcasting():
    """The intro seed's f on a grid: vmap(vmap(f)) allocates no more than x[:, None], y[None]."""
    import tracemalloc

    import pyjax as jax_
    import pyjax.numpy as jnp_

    def f(x, y):
        return jnp_.cos(x ** 2 + y ** 2) / (1 + x ** 2 + y ** 2)

    n = 400
    x = jnp_.linspace(-2, 2, n)
    f_vec = jax_.jit(jax_.vmap(jax_.vmap(f, in_axes=(None, 0)), in_axes=(0, None)))
    f_bcast = jax_.jit(f)
    xr, yr = jnp_.reshape(x, (n, 1)), jnp_.reshape(x, (1, n))
    np.testing.assert_allclose(f_vec(x, x), f_bcast(xr, yr), rtol=1e-6)

    def peak(fun, *args):
        tracemalloc.start()
        fun(*args).block_until_ready()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(f_vec, x, x) <= 1.05 * peak(f_bcast, xr, yr)

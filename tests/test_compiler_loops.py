"""Native loops (compiler/loops.py, loops_array.py): scan/while/fori_loop compiled into one
native function, compared with the interpreter on the same inputs."""
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax import lax
from pyjax._src.compiler import loops_array
from pyjax._src.primitives import elementwise as ew
from compiler_helpers import arr, check

pytestmark = pytest.mark.usefixtures("strict_kernels")


def _native(exe):
    return exe.plan.stats["native_loops"]


# ----------------------------------------------------------------------------------------------
# Scalar carries (carries in registers)


def test_native_scan_loops(x64):
    def f(x, xs):
        def body(c, x_t):
            i, acc, flag = c
            acc = acc * 0.999 + ew.sin_p.bind(acc) + x_t
            return (i + 1, acc, ew.not_p.bind(flag)), acc * 2.0
        return lax.scan(body, (np.int32(0), x, np.bool_(True)), xs)

    for reverse in (False, True):
        g = (lambda x, xs: lax.scan(lambda c, x_t: (c + x_t, c * x_t), x, xs, reverse=True)) \
            if reverse else f
        for dtype in (np.float32, np.float64):
            xs = np.linspace(-1, 1, 300).astype(dtype)
            exe = check(g, arr(np.asarray(0.5, dtype)), arr(xs), ulps=8, rtol=1e-12)
            assert _native(exe) == 1
    exe = check(lambda x: lax.fori_loop(0, 100, lambda i, c: c * 3 + i, x),
                arr(np.asarray(7, np.int32)))
    assert _native(exe) == 1


def test_native_while_loops():
    def collatz(n):
        def cond(c):
            return ew.gt_p.bind(c[0], np.int32(1))

        def body(c):
            n, steps = c
            odd = ew.eq_p.bind(ew.rem_p.bind(n, np.int32(2)), np.int32(1))
            n = ew.select_n_p.bind(odd, ew.div_p.bind(n, np.int32(2)),
                                   ew.add_p.bind(ew.mul_p.bind(n, np.int32(3)), np.int32(1)))
            return n, ew.add_p.bind(steps, np.int32(1))
        return lax.while_loop(cond, body, (n, np.int32(0)))
    exe = check(collatz, arr(np.asarray(27, np.int32)))
    assert _native(exe) == 1


# ----------------------------------------------------------------------------------------------
# Array carries (the body's kernels called in turn)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fori_loop_over_arrays(x64, dtype):
    x = np.linspace(0, 3, 200).astype(dtype)
    exe = check(lambda x: lax.fori_loop(0, 50, lambda i, c: c * 0.99 + jnp.sin(c) * 0.01 + i,
                                        x), arr(x), ulps=16)
    assert _native(exe) == 1
    # The trip count as a traced value: a while loop with an array carry.
    exe = check(lambda x, n: lax.fori_loop(0, n, lambda i, c: jnp.exp(-c) * 0.5 + c, x),
                arr(x), arr(np.asarray(7, np.int32)), ulps=16)
    assert _native(exe) == 1


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_slices_stacks_and_reduces(reverse):
    rs = np.random.RandomState(0)
    xs = rs.standard_normal((40, 8, 5)).astype(np.float32)
    ws = rs.standard_normal((40,)).astype(np.float32)

    def f(c0, xs, ws):
        def body(c, inp):
            x, w = inp
            c = jnp.tanh(c * 0.9 + x * w)
            # float32 sums (accumulated in float64, then narrowed), a max, an argmax and a
            # stacked array output
            return c, (c.sum(axis=1), c.max(), jnp.argmax(c, axis=0), c * 2)
        return lax.scan(body, c0, (xs, ws), reverse=reverse)
    exe = check(f, arr(np.zeros((8, 5), np.float32)), arr(xs), arr(ws), ulps=8, atol=1e-5)
    assert _native(exe) == 1


def test_while_with_reduction_in_condition():
    def f(x):
        def cond(c):
            x, i = c
            return (jnp.sum(x * x) > 1e-3) & (i < 1000)

        def body(c):
            x, i = c
            return x * 0.5 + jnp.float32(1e-4) * jnp.cos(x), i + 1
        return lax.while_loop(cond, body, (x, 0))
    exe = check(f, arr(np.linspace(-2, 2, 300).astype(np.float32)), ulps=8)
    assert _native(exe) == 1
    # No iteration at all: the results are the initial carries.
    exe = check(f, arr(np.zeros(300, np.float32)))
    assert _native(exe) == 1


def test_carries_passed_through_swapped_and_stacked():
    def f(a, b, xs):
        def body(c, x):
            a, b, k = c
            # swap (copies), a carry that is also a stacked output, a literal carry
            return (b, a + x, np.int32(3)), (a, k)
        return lax.scan(body, (a, b, np.int32(0)), xs)
    xs = np.arange(21 * 6, dtype=np.float32).reshape(21, 6)
    exe = check(f, arr(np.ones(6, np.float32)), arr(np.full(6, 2.0, np.float32)), arr(xs))
    assert _native(exe) == 1


def test_integer_and_bool_carries_are_exact():
    def f(x, m):
        def body(i, c):
            x, m = c
            x = (x * np.uint32(1664525) + np.uint32(1013904223)) ^ (x >> np.uint32(7))
            return x, m ^ ((x & np.uint32(1)) == np.uint32(1))
        return lax.fori_loop(0, 333, body, (x, m))
    x = np.arange(100, dtype=np.uint32)
    exe = check(f, arr(x), arr(np.zeros(100, bool)))
    assert _native(exe) == 1


def test_captured_constant_arrays():
    w = np.linspace(0.5, 1.5, 64).astype(np.float32)
    exe = check(lambda x: lax.fori_loop(0, 20, lambda i, c: c * w + 1.0, x),
                arr(np.zeros(64, np.float32)), ulps=4)
    assert _native(exe) == 1


def test_loops_that_stay_python_driven():
    # A body with an equation run by its impl (a dot too big for a kernel: BLAS)...
    m = np.eye(300, dtype=np.float32) * 0.5
    exe = check(lambda x: lax.fori_loop(0, 3, lambda i, c: jnp.dot(m, c) + 1.0, x),
                arr(np.ones((300, 4), np.float32)), ulps=4)
    assert _native(exe) == 0
    # ... and iterations big enough to split over threads.
    n = loops_array.MAX_ITERATION_WORK
    exe = check(lambda x: lax.fori_loop(0, 2, lambda i, c: c * 0.5 + 1.0, x),
                arr(np.ones(n, np.float32)))
    assert _native(exe) == 0


def test_gradient_of_a_scan():
    xs = np.random.RandomState(1).standard_normal((30, 16)).astype(np.float32)

    def loss(w, xs):
        def body(h, x):
            h = jnp.tanh(h * w + x)
            return h, jnp.sum(h * h)
        h, ys = lax.scan(body, jnp.zeros(16, jnp.float32), xs)
        return jnp.sum(ys) + jnp.sum(h)
    w = np.linspace(0.1, 0.9, 16).astype(np.float32)
    exe = check(pyjax.grad(loss), arr(w), arr(xs), ulps=64, atol=1e-5)
    assert _native(exe) >= 1


def test_jit_end_to_end_against_numpy():
    def f(x):
        return lax.fori_loop(0, 100, lambda i, c: c - 0.1 * (c * c - 2.0), x)
    x = np.linspace(0.5, 2.0, 1000).astype(np.float32)
    ref = x.copy()
    for _ in range(100):
        ref = (ref - np.float32(0.1) * (ref * ref - np.float32(2.0))).astype(np.float32)
    np.testing.assert_allclose(np.asarray(pyjax.jit(f)(x)), ref, rtol=1e-6)


def test_nested_loops_run_inside_the_outer_native_loop():
    def f(x, a):
        def outer(i, c):
            x, a = c
            # an inner loop over arrays and an inner loop over scalars
            x = lax.fori_loop(0, 4, lambda j, y: y * 0.9 + jnp.cos(y) * 0.1 + j, x)
            a = lax.fori_loop(0, 3, lambda j, b: b * 0.5 + 1.0, a)
            return x + a, a
        return lax.fori_loop(0, 10, outer, (x, a))
    exe = check(f, arr(np.linspace(-1, 1, 100).astype(np.float32)),
                arr(np.asarray(2.0, np.float32)), ulps=16)
    assert _native(exe) == 1
    assert exe.plan.stats["fallback_eqns"] == 0


# ----------------------------------------------------------------------------------------------
# Window copies in array loops: dynamic_slice, dynamic_update_slice, one-window scatters


def test_fori_loop_reading_and_setting_elements():
    def fib(a):
        return lax.fori_loop(2, a.shape[0], lambda i, a: a.at[i].set(a[i - 1] + a[i - 2]), a)
    a = np.zeros(90, np.float64)
    a[:2] = 1, 2
    exe = check(fib, arr(a.astype(np.float32)))
    assert _native(exe) == 1 and exe.plan.stats["fallback_eqns"] == 0


def test_rows_of_a_matrix():
    def f(m):
        def body(i, m):
            row = m[i] * 2.0 + m[(i + 1) % m.shape[0]]
            return m.at[i, :].set(row)
        return lax.fori_loop(0, m.shape[0], body, m)
    m = np.arange(12 * 7, dtype=np.float32).reshape(12, 7)
    exe = check(f, arr(m))
    assert _native(exe) == 1


def test_windows_clamp_drop_and_clip():
    x3 = np.arange(5 * 6 * 7, dtype=np.int32).reshape(5, 6, 7)

    def f(x, v):
        def body(i, c):
            x, acc, v = c
            # a window in the middle dims (rows looped over), starts clamped to fit
            w = lax.dynamic_slice(x, (i - 2, 2 * i - 3, 1), (2, 3, 4))
            x = lax.dynamic_update_slice(x, w + 1, (i, 4 - i, i - 1))
            acc = acc + w.sum()
            v = v.at[i * 3].set(i)                   # dropped once out of bounds
            v = v.at[i * 3 + 20].set(-i, mode="clip")  # clipped to the last element
            return x, acc, v
        return lax.fori_loop(0, 8, body, (x, np.int32(0), v))
    exe = check(f, arr(x3), arr(np.zeros(16, np.int32)))
    assert _native(exe) == 1


def test_updates_in_place_only_when_nothing_reads_the_old_value():
    def f(a):
        def body(c, i):
            a, b = c
            new = a.at[i].set(a[i] * 2.0 + 1.0)
            # the old b is stacked (copied after the update): b keeps two buffers
            return (new, b.at[i].set(new[i])), (b, b.sum())
        return lax.scan(body, (a, a * 0.5), np.arange(a.shape[0], dtype=np.int32))
    exe = check(f, arr(np.linspace(0, 1, 50).astype(np.float32)), ulps=4)
    assert _native(exe) == 1
    spec = next(s for s, _ in exe.kernels if hasattr(s, "programs"))
    assert spec.in_place == {0}

    def g(a, n):
        return lax.while_loop(lambda c: c[0] < n,
                              lambda c: (c[0] + 1, c[1].at[c[0]].set(c[0] * 1.5)),
                              (np.int32(0), a))
    exe = check(g, arr(np.zeros(40, np.float32)), arr(np.asarray(25, np.int32)))
    spec = next(s for s, _ in exe.kernels if hasattr(s, "programs"))
    assert spec.in_place == {1}


# ----------------------------------------------------------------------------------------------
# Small contractions in loop bodies (compiler/small_dots.py)


@pytest.mark.parametrize("spec, shapes, dtype", [
    ("ij,j->i", [(32, 32), (32,)], np.float32),
    ("ij,jk->ik", [(6, 5), (5, 7)], np.float64),
    ("bij,bjk->bik", [(3, 4, 5), (3, 5, 2)], np.float32),
    ("ijk,kj->i", [(4, 3, 5), (5, 3)], np.float32),
    ("ij,jk->ik", [(4, 9), (9, 3)], np.int32),
])
def test_small_dots_expand_to_sums(spec, shapes, dtype):
    from pyjax._src import api
    from pyjax._src.compiler import executable, passes
    from pyjax._src.interpreters import staging
    rs = np.random.RandomState(0)
    args = [(rs.standard_normal(s) * 4).astype(dtype) for s in shapes]
    closed = api.make_jaxpr(lambda a, b: jnp.einsum(spec, a, b))(*args)
    jaxpr = staging.hoist_consts(closed)
    opt, folded = passes.optimize(jaxpr, expand_small_dots=True)
    assert not folded and "dot_general" not in {e.primitive.name for e in opt.eqns}
    got = executable.Executable(opt)(args)[0]
    want = np.einsum(spec, *[a.astype(np.float64) for a in args])
    assert got.dtype == want.astype(dtype).dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_recurrent_scan_with_a_matrix_product_and_its_gradient():
    rs = np.random.RandomState(5)
    w = (rs.standard_normal((24, 24)) * 0.3).astype(np.float32)
    xs = rs.standard_normal((60, 24)).astype(np.float32)

    def rnn(w, xs):
        def step(h, x):
            h = jnp.tanh(w @ h + x)
            return h, h.sum()
        return lax.scan(step, jnp.zeros(24, jnp.float32), xs)
    exe = check(rnn, arr(w), arr(xs), ulps=64, atol=1e-5)
    assert _native(exe) == 1 and exe.plan.stats["fallback_eqns"] == 0
    exe = check(pyjax.grad(lambda w, xs: rnn(w, xs)[1].sum()), arr(w), arr(xs),
                ulps=256, atol=1e-4)
    assert _native(exe) == 2  # the forward and the backward scan


# ----------------------------------------------------------------------------------------------
# Property-based: random loop bodies over array carries


from hypothesis import given, settings, strategies as hs  # noqa: E402


def _body_step(op, c, i, x_t, m):
    """One random step of a loop body on carry c (float32 or int32, any rank)."""
    n = c.shape[0] if c.ndim else 1
    if c.dtype == np.int32:
        if op == 0:
            return c * 3 + i
        if op == 1:
            return c ^ (c >> 1)
        if op == 2:
            return c - jnp.max(c) // 2
        if op == 3 and c.ndim:
            return c.at[i % n].set(i * 7)
        if op == 4 and c.ndim:
            return c + c[(i + 1) % n]
        return jnp.where(c > 0, c - 5, c + 3)
    if op == 0:
        return c * 0.75 + i.astype(jnp.float32) * 0.01
    if op == 1:
        return jnp.sin(c) + 0.5 * c
    if op == 2:
        return jnp.tanh(c - jnp.sum(c) * 0.01)
    if op == 3 and c.ndim:
        return c.at[i % n].set(jnp.cos(c[i % n]))
    if op == 4 and c.ndim:
        return c * 0.5 + c[(i + 2) % n]
    if op == 5 and c.ndim == 1:
        return jnp.tanh(m[:n, :n] @ c)
    if op == 6 and x_t is not None:
        return c + x_t
    return jnp.where(c > 0, c, c * -0.5)


@settings(max_examples=60, deadline=None)
@given(hs.sampled_from(["fori", "while", "scan"]), hs.sampled_from([np.float32, np.int32]),
       hs.lists(hs.integers(1, 6), min_size=0, max_size=2),
       hs.lists(hs.integers(0, 7), min_size=1, max_size=6), hs.integers(0, 2 ** 31 - 1))
def test_random_loop_bodies_match_the_interpreter(kind, dtype, shape, ops, seed):
    rs = np.random.RandomState(seed)
    shape = tuple(shape)
    c0 = (rs.standard_normal(shape) * 2).astype(dtype)
    xs = (rs.standard_normal((9,) + shape)).astype(dtype)
    m = (rs.standard_normal((6, 6)) * 0.4).astype(np.float32)

    def body(i, c, x_t):
        for op in ops:
            c = _body_step(op, c, i, x_t, m)
        return c

    if kind == "fori":
        f = lambda c, xs: lax.fori_loop(0, 9, lambda i, c: body(i, c, None), c)  # noqa: E731
    elif kind == "while":
        def f(c, xs):
            return lax.while_loop(lambda s: s[0] < xs.shape[0],
                                  lambda s: (s[0] + 1, body(s[0], s[1], None)), (0, c))
    else:
        def f(c, xs):
            def step(s, x_t):
                i, c = s
                c = body(i, c, x_t)
                return (i + 1, c), c.sum()
            return lax.scan(step, (0, c), xs)
    exe = check(f, arr(c0), arr(xs), ulps=64, atol=1e-4, rtol=1e-4)
    assert _native(exe) == 1, exe.plan.stats

"""Compiler workloads: fused elementwise chains, reductions, random bits, BLAS, compile time.

The ``compile_*`` workloads time ``jit(f).lower(x).compile()`` of a program never seen before
(each call gets a fresh constant, so neither side can reuse a compiled program, in memory or on
disk): tracing, optimisation and code generation.
"""
from __future__ import annotations

import itertools
import time

from workloads import workload


def _intro_f(jnp, c=3.0):
    def f(x):
        a = c * x + jnp.sin(x) + jnp.cos(x ** 2) - jnp.cos(2 * x) - x ** 2 * 0.4 * x ** 1.5
        return jnp.sum(a)
    return f


def _selu(jnp, alpha=1.67):
    def selu(x, lmbda=1.05):
        return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)
    return selu


def _g(jnp, c=1.0):
    def g(x):
        y = jnp.zeros_like(x)
        for i in range(10):
            y = y + c * x ** i
        return y
    return g


def _normal(ns, c=1.0):
    return lambda k: ns.random.normal(k, (10_000_000,)) * c


@workload(numpy="same", tags=("compiler",))
def intro_f_10M(ns):
    """intro seed f(x) = sum(3x + sin x + cos x^2 - cos 2x - 0.4 x^2 x^1.5), 10M f32, jit"""
    f = ns.jit(_intro_f(ns.jnp))
    x = ns.jnp.ones(10_000_000, dtype=ns.float32)
    f(x)
    return lambda: f(x)


@workload(numpy="same", tags=("compiler", "memory"), memory=True)
def peak_memory_intro_f_50M(ns):
    """peak memory added by the first call of jit(intro f) on 50M float32 (x excluded)"""
    f = ns.jit(_intro_f(ns.jnp))
    x = ns.jnp.linspace(0, 1, 50_000_000, dtype=ns.float32)
    return lambda: f(x)


@workload(numpy="same", tags=("compiler",))
def selu_1M(ns):
    """quickstart selu on 1M float32 normal values, jit"""
    x = ns.jnp.asarray(ns.np.random.RandomState(0).standard_normal(1_000_000)
                       .astype(ns.float32))
    f = ns.jit(_selu(ns.jnp))
    f(x)
    return lambda: f(x)


@workload(numpy="same", tags=("compiler",))
def sum_powers_1M(ns):
    """intro g(x) = sum_{i<10} x**i on 1M float32, jit"""
    x = ns.jnp.asarray(ns.np.linspace(0, 1, 1_000_000, dtype=ns.float32))
    f = ns.jit(_g(ns.jnp))
    f(x)
    return lambda: f(x)


@workload(tags=("compiler", "random"))
def random_normal_10M(ns):
    """random.normal(key, (10M,)) float32 under jit"""
    f = ns.jit(lambda k: ns.random.normal(k, (10_000_000,)))
    k = ns.random.key(0)
    f(k)
    return lambda: f(k)


@workload(numpy="same", tags=("compiler",))
def softmax_1000x1000(ns):
    """softmax over the last axis of a 1000x1000 float32 array (max, exp, sum, divide), jit"""
    x = ns.jnp.asarray(ns.np.random.RandomState(1).standard_normal((1000, 1000))
                       .astype(ns.float32))

    def softmax(x):
        e = ns.jnp.exp(x - ns.jnp.max(x, axis=1, keepdims=True))
        return e / ns.jnp.sum(e, axis=1, keepdims=True)
    f = ns.jit(softmax)
    f(x)
    return lambda: f(x)


@workload(numpy="same", tags=("compiler", "blas"))
def dot_3000(ns):
    """jnp.dot of two 3000x3000 float32 matrices"""
    rs = ns.np.random.RandomState(2)
    a = ns.jnp.asarray(rs.standard_normal((3000, 3000)).astype(ns.float32))
    b = ns.jnp.asarray(rs.standard_normal((3000, 3000)).astype(ns.float32))
    return lambda: ns.jnp.dot(a, b)


# -- compile time ---------------------------------------------------------------------------

_fresh = itertools.count(int(time.time() * 1000) % 1_000_000 * 8)


def _compile_workload(make, arg):
    def run(ns):
        x = arg(ns)

        def call():
            c = float(next(_fresh) % 16_000_000 + 2)  # a constant no program had before
            return ns.jit(make(ns, c)).lower(x).compile()
        return call
    return run


workload(name="compile_intro_f", tags=("compiler", "compile"),
         description="jit(f).lower(x).compile() of the intro seed f, x: f32[1000]")(
    _compile_workload(lambda ns, c: _intro_f(ns.jnp, c),
                      lambda ns: ns.jnp.ones(1000, dtype=ns.float32)))
workload(name="compile_selu", tags=("compiler", "compile"),
         description="jit(selu).lower(x).compile(), x: f32[1000]")(
    _compile_workload(lambda ns, c: _selu(ns.jnp, c),
                      lambda ns: ns.jnp.ones(1000, dtype=ns.float32)))
workload(name="compile_sum_powers", tags=("compiler", "compile"),
         description="jit(g).lower(x).compile() of g(x) = sum_{i<10} x**i, x: f32[1000]")(
    _compile_workload(lambda ns, c: _g(ns.jnp, c),
                      lambda ns: ns.jnp.ones(1000, dtype=ns.float32)))
workload(name="compile_random_normal", tags=("compiler", "compile"),
         description="jit(lambda k: normal(k, (10M,)) * c).lower(key).compile()")(
    _compile_workload(lambda ns, c: _normal(ns, c), lambda ns: ns.random.key(0)))


@workload(tags=("compiler", "loops"))
def fori_loop_scalar_1000(ns):
    """jit(fori_loop(0, 1000, c -> 0.999 c + sin c)) on a float32 scalar (a native loop)"""
    f = ns.jit(lambda x: ns.lax.fori_loop(0, 1000, lambda i, c: c * 0.999 + ns.jnp.sin(c), x))
    x = ns.jnp.float32(1.0)
    f(x)
    return lambda: f(x)


@workload(tags=("compiler", "loops"))
def while_loop_newton_sqrt(ns):
    """jit(while_loop) Newton iterations for sqrt(2) to 1e-12 (float32 and int32 carries)"""
    def newton(a):
        def cond(c):
            return (c[1] < 100) & (ns.jnp.abs(c[0] * c[0] - a) > 1e-6)

        def body(c):
            return (0.5 * (c[0] + a / c[0]), c[1] + 1)
        return ns.lax.while_loop(cond, body, (a, 0))
    f = ns.jit(newton)
    a = ns.jnp.float32(2.0)
    f(a)
    return lambda: f(a)


@workload(tags=("compiler", "loops"))
def fori_loop_array_1000(ns):
    """jit(fori_loop(0, 1000, c -> 0.99 c + 0.01 sin c)) on 256 float32 (array carry)"""
    f = ns.jit(lambda x: ns.lax.fori_loop(
        0, 1000, lambda i, c: c * 0.99 + ns.jnp.sin(c) * 0.01, x))
    x = ns.jnp.linspace(0.0, 3.0, 256, dtype=ns.float32)
    f(x)
    return lambda: f(x)


@workload(tags=("compiler", "loops"))
def scan_rnn_like_500(ns):
    """jit(scan) of h = tanh(0.9 h + x_t), y_t = sum(h), 500 steps of 64x32 float32"""
    def step(h, x):
        h = ns.jnp.tanh(h * 0.9 + x)
        return h, h.sum()
    f = ns.jit(lambda xs: ns.lax.scan(step, ns.jnp.zeros(xs.shape[1:], ns.float32), xs))
    xs = ns.jnp.asarray(ns.np.random.RandomState(0).standard_normal((500, 64, 32)),
                        dtype=ns.float32)
    f(xs)
    return lambda: f(xs)


@workload(tags=("compiler", "loops"))
def fori_loop_set_elements_1000(ns):
    """jit(fori_loop) filling a[i] = a[i-1] + a[i-2] for i < 1000 with .at[i].set"""
    def fill(a):
        return ns.lax.fori_loop(2, 1000, lambda i, a: a.at[i].set(a[i - 1] + a[i - 2]), a)
    f = ns.jit(fill)
    a = ns.jnp.zeros(1000, dtype=ns.float32).at[0].set(1.0).at[1].set(1.0)
    f(a)
    return lambda: f(a)


@workload(tags=("compiler", "loops"))
def scan_rnn_matvec_200(ns):
    """jit(scan) of h = tanh(W h + x_t) with W 64x64, 200 steps, float32"""
    rs = ns.np.random.RandomState(0)
    w = ns.jnp.asarray(rs.standard_normal((64, 64)) * 0.1, dtype=ns.float32)
    xs = ns.jnp.asarray(rs.standard_normal((200, 64)), dtype=ns.float32)

    def step(h, x):
        h = ns.jnp.tanh(w @ h + x)
        return h, h
    f = ns.jit(lambda xs: ns.lax.scan(step, ns.jnp.zeros(64, ns.float32), xs))
    f(xs)
    return lambda: f(xs)

"""The seed documents' jitted functions: their run time and their compile time.

Compile workloads build the function anew on every call with a constant no program had before
(so neither side can reuse a compiled program, in memory or on disk) and time
``jit(f).lower(*args).compile()``; ``first_call_*`` workloads time a fresh function's first
call (trace, compile and one run), for programs whose run time is negligible or that are
reached through other transformations.
"""
from __future__ import annotations

import itertools
import time

from workloads import workload

_fresh = itertools.count(int(time.time() * 1000) % 1_000_000 * 8 + 3)


def _constant():
    return float(next(_fresh) % 16_000_000 + 2)


def _compile(make, args):
    """Workload body: compile ``make(ns, c)`` for ``args(ns)`` with a fresh constant c."""
    def run(ns):
        xs = args(ns)
        return lambda: ns.jit(make(ns, _constant())).lower(*xs).compile()
    return run


def _first_call(make, args):
    """Workload body: the first call of a fresh ``make(ns, c)`` on ``args(ns)``."""
    def run(ns):
        xs = args(ns)
        return lambda: make(ns, _constant())(*xs)
    return run


# -- the intro seed's Monte Carlo option pricer (M = 1M paths, n = 20 steps) -------------------

def _call_price(ns, beta=0.99, M=1_000_000):
    np, jnp, random = ns.np, ns.jnp, ns.random
    n, K = 20, 100
    mu, rho, nu, S0, h0 = 0.0001, 0.1, 0.001, 10, 0

    def compute_call_price(key):
        s = jnp.full(M, np.log(S0))
        h = jnp.full(M, h0)
        for t in range(n):
            key, subkey = random.split(key)
            Z = random.normal(subkey, (2, M))
            s = s + mu + jnp.exp(h) * Z[0, :]
            h = rho * h + nu * Z[1, :]
        expectation = jnp.mean(jnp.maximum(jnp.exp(s) - K, 0))
        return beta ** n * expectation
    return compute_call_price


@workload(tags=("compiler", "seeds"))
def option_price_run(ns):
    """intro seed: jitted Monte Carlo call price, M = 1M, n = 20 (cache hit)"""
    f = ns.jit(_call_price(ns))
    key = ns.random.PRNGKey(1)
    f(key)
    return lambda: f(key)


workload(name="compile_option_price", tags=("compiler", "compile", "seeds"), slow=True,
         description="intro seed: jit(call price).lower(key).compile(), M = 1M, n = 20")(
    _compile(lambda ns, c: _call_price(ns, beta=0.99 + c * 1e-12),
             lambda ns: (ns.random.PRNGKey(1),)))


# -- Py4Eng seed: the first 1000 "Bernoulli" numbers with .at[].set in a Python loop -------------

def _bernoulli(ns, first=1.0):
    jnp = ns.jnp

    def bernoulli():
        n = 1000
        a = jnp.zeros(n)
        a = a.at[0].set(first)
        a = a.at[1].set(2)
        for i in range(2, n):
            a = a.at[i].set(a[i - 1] + a[i - 2])
        return a
    return bernoulli


@workload(tags=("compiler", "seeds"))
def bernoulli_call(ns):
    """Py4Eng seed: jitted bernoulli() (1000 unrolled .at[i].set), cache hit"""
    f = ns.jit(_bernoulli(ns))
    f()
    return f


workload(name="compile_bernoulli", tags=("compiler", "compile", "seeds"), slow=True,
         description="Py4Eng seed: jit(bernoulli).lower().compile() (1000 unrolled updates)")(
    _compile(_bernoulli, lambda ns: ()))


# -- the slides' f (z1 + z2 of exp/sin/cos) on 1M points --------------------------------------

def _slides_f(ns, c=3.0):
    jnp = ns.jnp

    def f(x):
        z1 = x ** 2 + jnp.exp(x) + jnp.sin(x)
        z2 = c * (x ** 2 + jnp.exp(x) + jnp.sin(x)) + \
            2 * (jnp.sin(x) + jnp.cos(x ** 2 + jnp.exp(x)))
        return z1 + z2
    return f


def _linspace_1M(ns):
    return (ns.jnp.linspace(0, 1, 1_000_000, dtype=ns.float32),)


@workload(numpy="same", tags=("compiler", "seeds"))
def slides_f_1M(ns):
    """slides: jit(f) with f = z1 + z2 of x**2, exp, sin, cos on 1M float32"""
    f = ns.jit(_slides_f(ns))
    (x,) = _linspace_1M(ns)
    f(x)
    return lambda: f(x)


workload(name="compile_slides_f", tags=("compiler", "compile", "seeds"),
         description="slides: jit(f).lower(x).compile(), x: f32[1M]")(
    _compile(_slides_f, _linspace_1M))


# -- intro seed: f(x, y) = cos(x^2 + y^2) / (1 + x^2 + y^2) vmapped twice over a grid -----------

def _f_vec(ns, c=1.0):
    jnp = ns.jnp

    def f(x, y):
        return jnp.cos(x ** 2 + y ** 2) / (c + x ** 2 + y ** 2)
    return ns.vmap(ns.vmap(f, in_axes=(None, 0)), in_axes=(0, None))


def _grid_axes(ns):
    x = ns.jnp.linspace(-2, 2, 6000, dtype=ns.float32)
    return x, x


@workload(tags=("compiler", "seeds"))
def f_vec_6000(ns):
    """intro seed: jit(vmap(vmap(f))) on a 6000 x 6000 grid"""
    f = ns.jit(_f_vec(ns))
    x, y = _grid_axes(ns)
    f(x, y)
    return lambda: f(x, y)


workload(name="compile_f_vec", tags=("compiler", "compile", "seeds"),
         description="intro seed: jit(vmap(vmap(f))).lower(x, y).compile(), 6000-point axes")(
    _compile(_f_vec, _grid_axes))


# -- slides: value_and_grad of a jitted least-squares loss through vmap(cond) ------------------

def _loss_and_grad(ns, c=1.0):
    jax, jnp = ns.jax, ns.jnp

    @jax.jit
    def predict(params, x):
        k_1, k_2, b = params
        k = jax.lax.cond(x < 0, lambda _: k_1, lambda _: k_2, x)
        return k * x + b * c

    vpredict = jax.vmap(predict, in_axes=(None, 0))

    @jax.jit
    def loss(params, xs, ys):
        return jnp.sum((ys - vpredict(params, xs)) ** 2)
    return jax.value_and_grad(loss)


def _regression_data(ns):
    xs = ns.jnp.linspace(-1, 1, 100, dtype=ns.float32)
    params = [ns.jnp.float32(-0.5), ns.jnp.float32(2.3), ns.jnp.float32(1.0)]
    return params, xs, 2.0 * xs + 1.0


workload(name="first_call_loss_and_grad", tags=("compile", "seeds"),
         description="slides: first value_and_grad(jit(loss)) call, loss through vmap(cond)")(
    _first_call(_loss_and_grad, _regression_data))


# -- quickstart: nested grad/jit and jit(vmap(matvec)) -------------------------------------------

def _nested_grad(ns, c=1.0):
    jnp, grad, jit = ns.jnp, ns.grad, ns.jit

    def sum_logistic(x):
        return jnp.sum(c / (1.0 + jnp.exp(-x)))
    return grad(jit(grad(jit(grad(sum_logistic)))))


workload(name="first_call_nested_grad", tags=("compile", "seeds"),
         description="quickstart: first grad(jit(grad(jit(grad(sum_logistic)))))(1.0) call")(
    _first_call(_nested_grad, lambda ns: (1.0,)))


def _batched_apply(ns, c=1.0):
    jnp = ns.jnp
    mat = ns.random.normal(ns.random.PRNGKey(0), (150, 100))
    return ns.vmap(lambda v: jnp.dot(mat, v) * c)


workload(name="compile_vmap_matvec", tags=("compile", "seeds"),
         description="quickstart: jit(vmap(apply_matrix)).lower(x).compile(), x: f32[10,100]")(
    _compile(_batched_apply, lambda ns: (ns.random.normal(ns.random.PRNGKey(1), (10, 100)),)))

"""``python -m pyjax.demo``: a short tour of pyjax, with the speed-up jit gives."""
import time

import numpy as np

import pyjax as jax
import pyjax.numpy as jnp


def _best_time(f, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        jax.block_until_ready(f())
        best = min(best, time.perf_counter() - start)
    return best


def main():
    print(f"pyjax {jax.__version__} on {jax.default_backend()}: {jax.devices()}")

    print("\n# Arrays are immutable, typed like JAX's")
    x = jnp.linspace(0.0, 1.0, 5)
    print("x =", repr(x))
    print("x.at[0].set(10.) =", repr(x.at[0].set(10.0)))
    print("jnp.array(1.5) =", repr(jnp.array(1.5)))
    try:
        x[0] = 1.0
    except TypeError as e:
        print("x[0] = 1.0 ->", type(e).__name__ + ":", str(e).split(".")[0] + ".")

    print("\n# jit traces once per signature, then reuses the staged program")

    def f(x):
        return jnp.sum(3 * x + jnp.sin(x) + jnp.cos(x ** 2) - jnp.cos(2 * x) - x ** 2 * 0.4)

    f_jit = jax.jit(f)
    print(jax.make_jaxpr(f)(1.0))
    data = jnp.asarray(np.random.default_rng(0).random(1_000_000, dtype=np.float32))
    f_jit(data)
    eager, jitted = _best_time(lambda: f(data)), _best_time(lambda: f_jit(data))
    print(f"f on 1M floats: eager {eager * 1e3:.2f} ms, jit {jitted * 1e3:.2f} ms "
          f"(speed-up {eager / jitted:.1f}x)")
    print("same result:", bool(jnp.allclose(f(data), f_jit(data), rtol=1e-4)))

    print("\n# Static arguments and retracing")

    @jax.jit
    def g(x):
        print("  tracing g with", x)
        return x * 2

    g(jnp.ones(3))
    g(jnp.ones(3))
    g(jnp.ones(4))
    print("g cache entries:", g._cache_size())


if __name__ == "__main__":
    main()

"""Record jax.lax.random_gamma_grad(a, x) from real JAX 0.10.2 (run with /work/jaxenv/bin/python).

Writes tests/data/gamma_grad_golden.json: for float32 and float64, the inputs and JAX's outputs
as integer bit patterns, under jit ("jit") and one element at a time under jit with lax.map
("map"), as jax.random's gamma gradient calls it on CPU. The (a, x) pairs cover small to large
shapes, samples near the bulk of Gamma(a) and in both tails (both of JAX's branches: the series
and the continued fraction), pairs at the underflow cut, and the special inputs (x = 0,
a <= 0, NaN, inf, denormal x).
"""
import json
import math
import os
import sys

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "gamma_grad_golden.json")


def pairs(n, seed):
    rng = np.random.default_rng(seed)
    a = np.exp(rng.uniform(np.log(1e-3), np.log(2e3), n))
    x = rng.gamma(a) * np.exp(rng.normal(0, 0.5, n))
    wide = rng.random(n) < 0.25  # tails: x far from the bulk
    x[wide] = a[wide] * np.exp(rng.uniform(-8, 4, wide.sum()))
    # Near the underflow cut (a log x - x - lgamma(a) < -log(max)) of float32 and float64,
    # including a < 1/2 (lgamma's reflection).
    for cut in (88.7228394, 709.782712893384):
        ab = np.exp(rng.uniform(np.log(0.01), np.log(30), n // 20))
        xb = np.full_like(ab, cut)
        for _ in range(30):  # Newton on f(x) = a log x - x - lgamma(a) + cut
            f = ab * np.log(xb) - xb - np.vectorize(math.lgamma)(ab) + cut
            xb = xb - f / (ab / xb - 1)
        xb = xb * (1 + rng.uniform(-1e-6, 1e-6, xb.size))
        a, x = np.concatenate([a, ab]), np.concatenate([x, xb])
    # Continued fraction with a < 1/2: digamma's reflection (sin and cos).
    ar = rng.uniform(1e-3, 0.5, n // 5)
    a, x = np.concatenate([a, ar]), np.concatenate([x, rng.uniform(1.001, 8, ar.size)])
    special_a = [1.0, 2.0, 0.5, 0.3, 1.5, 0.0, -1.0, np.nan, 3.0, 1e-3, 1e4, 2.0, 0.7, 5.0]
    special_x = [0.0, 1.0, 1.0, 2.0, 1e-30, 1.0, 1.0, 1.0, np.inf, 50.0, 1e4, np.nan, 0.7, 1e-8]
    return np.concatenate([a, special_a]), np.concatenate([x, special_x])


def bits(v):
    v = np.asarray(v)
    return v.view(np.uint32 if v.dtype == np.float32 else np.uint64).tolist()


def main(n=2000):
    a64, x64 = pairs(n, 0)
    data = {}
    f = jax.jit(jax.lax.random_gamma_grad)
    # How jax.random's gamma gradient calls it on CPU: one element at a time (lax.map).
    g = jax.jit(lambda a, x: jax.lax.map(lambda ax: jax.lax.random_gamma_grad(*ax), (a, x)))
    for name, dt in (("float32", np.float32), ("float64", np.float64)):
        a, x = a64.astype(dt), x64.astype(dt)
        # Eager, JAX runs random_gamma_grad op by op (it is not a primitive); pyjax follows
        # jit, the form jax.random's gradients use, so eager is only counted, not stored.
        eager = np.asarray(jax.lax.random_gamma_grad(a, x))
        jit = np.asarray(f(a, x))
        mapped = np.asarray(g(a, x))
        data[name] = {"a": bits(a), "x": bits(x), "jit": bits(jit), "map": bits(mapped)}
        differ = lambda p, q: int((~((p == q) | (np.isnan(p) & np.isnan(q)))).sum())
        print(f"{name}: {a.size} pairs; eager != jit: {differ(eager, jit)}; "
              f"map != jit: {differ(mapped, jit)}", file=sys.stderr)
    # XLA:CPU's float32 sin and cos (glibc's sinf and cosf), used by the reflections.
    rng = np.random.default_rng(1)
    v = np.concatenate([rng.uniform(-2, 2, 2000), rng.uniform(-119, 119, 2000),
                        np.exp(rng.uniform(-30, 0, 200))]).astype(np.float32)
    data["sincos32"] = {"x": bits(v), "sin": bits(jax.jit(jax.numpy.sin)(v)),
                        "cos": bits(jax.jit(jax.numpy.cos)(v))}
    with open(OUT, "w") as fh:
        json.dump(data, fh)


if __name__ == "__main__":
    main()

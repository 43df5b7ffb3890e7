"""Record XLA:CPU's float kernels from real JAX into tests/data/xla_float_golden.npz.

Run with the interpreter that has real JAX 0.10.2:

    /work/jaxenv/bin/python scripts/record_xla_float_golden.py

For every kernel pyjax reproduces (pyjax/_src/primitives/xla_float.py and libm_float.py) and
both float32 and float64, it stores the inputs (random values over the ranges the samplers use,
wide random bit patterns, and special values: zeros, denormals, infinities, NaN, the edges of
the kernels' ranges) and JAX's results under ``jax.jit``. rsqrt is also recorded on a scalar and
on 4-element arrays, since XLA picks its vector width by shape. tests/test_xla_float.py replays
every entry on pyjax's kernels.
"""
from __future__ import annotations

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "xla_float_golden.npz")
N = 700  # random values per range

_SPECIAL = [0.0, -0.0, 1e-40, -1e-40, 1e-310, -1e-310, 1.0, -1.0, 2.0, 0.5, np.inf, -np.inf,
            np.nan, 1.1754943508222875e-38, 2.2250738585072014e-308, 3.4e38, 1.7e308]


def _bits(rng, dtype, n):
    """Random bit patterns of dtype (all exponents, NaNs and infinities included)."""
    w = np.dtype(f"u{np.dtype(dtype).itemsize}")
    return rng.integers(0, np.iinfo(w).max, n, dtype=np.uint64, endpoint=True).astype(w) \
        .view(dtype)


def unary_inputs(name, dtype, rng):
    """Inputs of one unary kernel: sampler ranges, random bits and special values."""
    u = lambda lo, hi: rng.uniform(lo, hi, N)  # noqa: E731
    ranges = {
        "log": [u(0, 4), np.exp(u(-80, 80)), np.exp(u(-700, 700))],
        "log1p": [u(-1, 1), -u(0, 1) ** 2, u(0.4, 50)],
        "erf_inv": [u(-1, 1), 1 - u(0, 1e-3), 1 - np.exp(-u(0, 30))],
        "erf": [u(-5, 5)],
        "exp": [u(-20, 20), u(-110, 95), u(-750, 712)],
        "tan": [u(-1.6, 1.6), u(-200, 200), u(-1e6, 1e6)],
        "rsqrt": [u(0.5, 4), np.exp(u(-80, 80)), np.exp(u(-700, 700))],
    }[name]
    special = np.array(_SPECIAL + {"exp": [88.72, 88.73, -87.3, -87.4, -103.9, 709.78,
                                           709.79, -708.39, -708.4, -745.2],
                                   "tan": [0.7853981, 1.5707963, 120.0, 121.0, 1e10],
                                   "erf_inv": [0.99999994, -0.99999994]}.get(name, []))
    with np.errstate(over="ignore"):
        parts = [r.astype(dtype) for r in ranges] + [_bits(rng, dtype, N),
                                                      special.astype(dtype)]
    return np.concatenate(parts)


def pow_inputs(dtype, rng):
    """(x, y) pairs of pow: u**(1/a) as in the gamma sampler, general values, special pairs."""
    u = lambda lo, hi: rng.uniform(lo, hi, N)  # noqa: E731
    xs = [u(0, 1), u(0, 5), u(0, 3), -u(0, 5), _bits(rng, dtype, N)]
    ys = [1 / u(0.05, 5), u(-4, 4), u(-60, 60), rng.integers(-9, 9, N), u(-3, 3)]
    special = np.array([0.0, -0.0, 1e-40, 1.0, -1.0, 2.0, -2.0, 0.5, np.inf, -np.inf, np.nan,
                        3.0, 1.5, 140.0, -140.0], dtype)
    sx, sy = (a.ravel() for a in np.meshgrid(special, special))
    with np.errstate(over="ignore"):
        x = np.concatenate([a.astype(dtype) for a in xs] + [sx])
        y = np.concatenate([a.astype(dtype) for a in ys] + [sy])
    if np.dtype(dtype) == np.float64:
        # XLA reads a denormal base as zero inside glibc's pow (not reproduced for float64).
        keep = ~((np.abs(x) < np.finfo(np.float64).tiny) & (x != 0))
        x, y = x[keep], y[keep]
    return x, y


UNARY = ("log", "log1p", "erf_inv", "erf", "exp", "tan", "rsqrt")

# Samplers whose last steps XLA:CPU fuses or rewrites (FMAs in small reductions and products,
# a / b**c as a * b**-c, reciprocals of broadcast scalars, constants folded at compile time),
# on shapes larger than the golden cases of random_golden.json: (name, expression of
# K = PRNGKey(42) and dtype dt, jit?). "jit" runs jax.jit(lambda K: expr) with the parameters as
# constants of the program (XLA folds what depends on them only), otherwise eagerly.
SAMPLERS = [
    ("maxwell", "random.maxwell(K, (100,), dt)", False),
    ("ball", "random.ball(K, 3, 2, (100,), dt)", False),
    ("f", "random.f(K, 3.0, 5.0, (50,), dt)", False),
    ("pareto", "random.pareto(K, 3.0, (50,), dt)", False),
    ("cauchy", "random.cauchy(K, (200,), dt)", False),
    ("weibull_min", "random.weibull_min(K, 2.0, 1.5, (100,), dt)", False),
    ("lognormal", "random.lognormal(K, 0.5, (100,), dt)", False),
    ("generalized_normal", "random.generalized_normal(K, 1.5, (100,), dt)", False),
    ("beta", "random.beta(K, 2.0, 3.0, (50,), dt)", False),
    ("dirichlet", "random.dirichlet(K, jnp.array([1.0, 2.0, 3.0], dt), (50,), dt)", False),
    ("mvn4", "random.multivariate_normal(K, jnp.zeros(2, dt), jnp.array([[2.0, 0.5], "
             "[0.5, 1.0]], dt), (4,), dt)", False),
    ("mvn8", "random.multivariate_normal(K, jnp.zeros(2, dt), jnp.array([[2.0, 0.5], "
             "[0.5, 1.0]], dt), (8,), dt, method='eigh')", False),
    ("gamma", "random.gamma(K, A, (64,), dt)", False),
    ("loggamma", "random.loggamma(K, A, (64,), dt)", False),
    ("gamma_jit", "random.gamma(K, A, (64,), dt)", True),
    ("loggamma_jit", "random.loggamma(K, A, (64,), dt)", True),
    ("beta_jit", "random.beta(K, 2.0, 3.0, (50,), dt)", True),
]
# alpha where XLA's folded 1/3 / sqrt(d) and its run-time rsqrt differ (see xla_float.rsqrt*).
SAMPLER_ALPHA = {"float32": 1.13, "float64": 1.02}


def record_samplers(out):
    import jax
    import jax.numpy as jnp
    from jax import random
    for dtype, alpha in SAMPLER_ALPHA.items():
        env = {"random": random, "jnp": jnp, "dt": getattr(jnp, dtype), "A": alpha}
        for name, expr, jit in SAMPLERS:
            f = eval("lambda K: " + expr, env)
            key = random.PRNGKey(42)
            out[f"sampler_{name}_{dtype}"] = np.asarray(jax.jit(f)(key) if jit else f(key))


def main():
    import jax
    from jax import lax
    jax.config.update("jax_enable_x64", True)
    fns = {"log": lax.log, "log1p": lax.log1p, "erf_inv": lax.erf_inv, "erf": lax.erf,
           "exp": lax.exp, "tan": lax.tan, "rsqrt": lax.rsqrt}
    out = {}
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(1234 if dtype == "float32" else 5678)
        for name in UNARY:
            x = unary_inputs(name, dtype, rng)
            out[f"{name}_{dtype}_x"] = x
            out[f"{name}_{dtype}_y"] = np.asarray(jax.jit(fns[name])(x))
        x, y = pow_inputs(dtype, rng)
        out[f"pow_{dtype}_x"], out[f"pow_{dtype}_y"] = x, y
        out[f"pow_{dtype}_out"] = np.asarray(jax.jit(lax.pow)(x, y))
        if dtype == "float64":  # a denormal base, read as zero inside glibc's pow
            x = np.array([1e-310, -1e-310, 5e-324, 2e-308], dtype)
            y = np.array([0.5, 3.0, 0.25, -2.0], dtype)
            out["pow_daz_float64_x"], out["pow_daz_float64_y"] = x, y
            out["pow_daz_float64_out"] = np.asarray(jax.jit(lax.pow)(x, y))
        # rsqrt on a scalar and on 4-element arrays (other vector widths in XLA's loops).
        x = out[f"rsqrt_{dtype}_x"][:400]
        rs = jax.jit(lax.rsqrt)
        out[f"rsqrt_scalar_{dtype}_y"] = np.array([np.asarray(rs(v)) for v in x[:100]])
        out[f"rsqrt_vec4_{dtype}_y"] = np.concatenate([np.asarray(rs(x[i:i + 4]))
                                                       for i in range(0, 400, 4)])
    record_samplers(out)
    np.savez_compressed(OUT, jax_version=np.array(jax.__version__), **out)
    print("wrote", OUT, sum(v.nbytes for v in out.values()), "bytes of arrays")


if __name__ == "__main__":
    main()

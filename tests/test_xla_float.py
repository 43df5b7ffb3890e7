"""XLA:CPU's float kernels reproduced in NumPy (pyjax/_src/primitives/xla_float.py and
libm_float.py), bit for bit against JAX 0.10.2's results recorded by
scripts/record_xla_float_golden.py, and the primitives and compiled math functions built on
them (eager, jit and vmap give the same bits)."""
import os
from fractions import Fraction

import numpy as np
import pytest

import pyjax
from pyjax._src.array import ArrayImpl
from pyjax._src.primitives import libm_float as lm
from pyjax._src.primitives import xla_float as xf
from pyjax._src.primitives import xla_math

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "data", "xla_float_golden.npz"))

KERNELS = {
    "log": (xf.log32, lm.log64), "log1p": (xf.log1p32, xf.log1p64),
    "erf_inv": (xf.erf_inv32, xf.erf_inv64), "erf": (xf.erf32, lm.erf64),
    "exp": (xf.exp32, xf.exp64), "tan": (lm.tan32, lm.tan64),
    "rsqrt": (xf.rsqrt32, xf.rsqrt64),
}
PRIMS = {"log": xla_math.xla_log_p, "log1p": xla_math.xla_log1p_p,
         "erf_inv": xla_math.xla_erf_inv_p, "erf": xla_math.xla_erf_p,
         "exp": xla_math.xla_exp_p, "tan": xla_math.xla_tan_p, "rsqrt": xla_math.xla_rsqrt_p}
DTYPES = ("float32", "float64")


def _mismatches(got, want):
    """Indices where the bits differ (any NaN matches any NaN)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    w = f"u{got.dtype.itemsize}"
    same = (got.view(w) == want.view(w)) | (np.isnan(got) & np.isnan(want))
    return np.nonzero(~same)[0]


def _check(got, want, *inputs):
    bad = _mismatches(got, want)
    detail = [(tuple(x[i] for x in inputs), got[i], want[i]) for i in bad[:4]]
    assert bad.size == 0, f"{bad.size} mismatches of {want.size}, e.g. (input, got, want) {detail}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_matches_jax(name, dtype):
    x, want = GOLDEN[f"{name}_{dtype}_x"], GOLDEN[f"{name}_{dtype}_y"]
    kernel = KERNELS[name][DTYPES.index(dtype)]
    _check(kernel(x), want, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_matches_jax(dtype):
    x, y = GOLDEN[f"pow_{dtype}_x"], GOLDEN[f"pow_{dtype}_y"]
    kernel = lm.pow32 if dtype == "float32" else lm.pow64
    _check(kernel(x, y), GOLDEN[f"pow_{dtype}_out"], x, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rsqrt_shapes_match_jax(dtype):
    # XLA picks its vector width by shape; the estimate and Newton steps are the same.
    x = GOLDEN[f"rsqrt_{dtype}_x"]
    rsqrt = KERNELS["rsqrt"][DTYPES.index(dtype)]
    _check(np.array([rsqrt(v) for v in x[:100]]), GOLDEN[f"rsqrt_scalar_{dtype}_y"], x)
    _check(rsqrt(x[:400].reshape(100, 4)).reshape(-1), GOLDEN[f"rsqrt_vec4_{dtype}_y"], x)


def test_kernels_keep_shape_and_scalars():
    x = np.float32(0.75)
    for k32, _ in KERNELS.values():
        assert k32(x).shape == () and k32(np.full((2, 3), x)).shape == (2, 3)
    assert lm.pow32(np.float32(2), np.full((3,), 0.5, np.float32)).shape == (3,)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(PRIMS))
def test_primitive_eager_jit_vmap(name, dtype):
    """The XLA-exact primitives: eager impl, compiled kernel (the *_xla math function) and vmap
    all give JAX's bits."""
    x, want = GOLDEN[f"{name}_{dtype}_x"], GOLDEN[f"{name}_{dtype}_y"]
    prim = PRIMS[name]
    from pyjax._src.config import config
    with config.setting("jax_enable_x64", True):
        eager = np.asarray(prim.bind(ArrayImpl(x)))
        jitted = np.asarray(pyjax.jit(lambda v: prim.bind(v))(x))
        vmapped = np.asarray(pyjax.vmap(lambda v: prim.bind(v))(x.reshape(-1, 1))).reshape(-1)
    _check(eager, want, x)
    _check(jitted, want, x)
    _check(vmapped, want, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_primitive_eager_jit(dtype):
    x, y, want = (GOLDEN[f"pow_{dtype}_{k}"] for k in ("x", "y", "out"))
    from pyjax._src.config import config
    with config.setting("jax_enable_x64", True):
        eager = np.asarray(xla_math.xla_pow_p.bind(ArrayImpl(x), ArrayImpl(y)))
        jitted = np.asarray(pyjax.jit(lambda a, b: xla_math.xla_pow_p.bind(a, b))(x, y))
    _check(eager, want, x, y)
    _check(jitted, want, x, y)


def test_pow_float64_denormal_base_compiled():
    """Compiled code calls the C library's pow with denormals-are-zero, as XLA:CPU does (the
    eager kernel goes through Python's math module and does not reproduce this case)."""
    # Tiled so that the program is compiled (tiny ones run the primitives' impls).
    x, y, want = (np.tile(GOLDEN[f"pow_daz_float64_{k}"], 256) for k in ("x", "y", "out"))
    from pyjax._src.config import config
    with config.setting("jax_enable_x64", True):
        jitted = np.asarray(pyjax.jit(lambda a, b: xla_math.xla_pow_p.bind(a, b))(x, y))
    _check(jitted, want, x, y)


def test_narrow_floats_compute_in_float32():
    from pyjax._src import dtypes
    x = np.linspace(-3, 3, 50).astype(np.float16)
    for dt in (np.float16, dtypes.bfloat16):
        xs = x.astype(dt)
        got = np.asarray(xla_math.xla_exp_p.bind(ArrayImpl(xs)))
        assert got.dtype == np.dtype(dt)
        assert np.array_equal(got, xf.exp32(xs.astype(np.float32)).astype(dt))
        jitted = np.asarray(pyjax.jit(lambda v: xla_math.xla_exp_p.bind(v))(xs))
        assert np.array_equal(jitted.astype(np.float32), got.astype(np.float32))


def test_rsqrt_estimates():
    # The float64 estimate is Intel's specified vrsqrt14pd: exact on powers of four, within
    # 2**-14 everywhere, cut to 16 fraction bits; the float32 one (AMD's rsqrtps) has 12 bits.
    x = np.exp(np.random.default_rng(0).uniform(-600, 600, 20000))
    e64 = xf.rsqrt_estimate64(x)
    assert np.all(np.abs(e64 * np.sqrt(x) - 1) < 2.0 ** -14)
    assert np.all(e64.view(np.uint64) & np.uint64((1 << 36) - 1) == 0)
    assert np.array_equal(xf.rsqrt_estimate64(np.array([1.0, 4.0, 0.25])), [1.0, 0.5, 2.0])
    x32 = x[(x > 1e-37) & (x < 1e37)].astype(np.float32)
    e32 = xf.rsqrt_estimate32(x32)
    assert np.all(np.abs(e32 * np.sqrt(x32.astype(np.float64)) - 1) < 1.5 * 2.0 ** -12)
    assert np.all(e32.view(np.uint32) & np.uint32((1 << 11) - 1) == 0)


def test_fma_exact():
    rng = np.random.default_rng(0)
    n = 3000
    c = rng.uniform(1, 2, n)
    a = 1 + rng.integers(-3, 4, n) * 2.0 ** -52 + rng.integers(-2, 3, n) * 2.0 ** -30
    b = np.spacing(c) / 2 * np.where(rng.random(n) < .5, 1, -1) * (
        1 + rng.integers(-2, 3, n) * 2.0 ** -52)
    want = np.array([float(Fraction(x) * Fraction(y) + Fraction(z))
                     for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())])
    assert np.array_equal(xf.fma64(a, b, c), want)
    a32, b32, c32 = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    want32 = np.array([np.float32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
                       for x, y, z in zip(a32, b32, c32)], np.float32)
    assert np.array_equal(xf.fma32(a32, b32, c32), want32)


def test_erf_inv32_fast_matches():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-1, 1, 50000), 1 - rng.uniform(0, 1e-6, 1000)]).astype(
        np.float32)
    x = x[np.abs(x) < 1]
    assert np.array_equal(xf.erf_inv32_fast(x).view(np.uint32), xf.erf_inv32(x).view(np.uint32))


# ----------------------------------------------------------------------------------------------
# Samplers built on the kernels, on shapes where XLA:CPU fuses their last steps (FMAs in small
# sums and products, a / b**c as a * b**-c, reciprocals of scalars) and with constant
# parameters under jit (XLA folds what depends on constants only).

def _recorder():
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), "..", "scripts",
                        "record_xla_float_golden.py")
    spec = importlib.util.spec_from_file_location("record_xla_float_golden", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_REC = _recorder()
# Samplers with nothing XLA would fold differently from its run-time kernels when their
# parameters are constants: their jit results equal the eager ones.
_FOLD_FREE = {"maxwell", "pareto", "cauchy", "weibull_min", "lognormal", "mvn4", "mvn8"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,expr,jit", _REC.SAMPLERS, ids=[s[0] for s in _REC.SAMPLERS])
def test_sampler_matches_jax(name, expr, jit, dtype):
    import pyjax.numpy as jnp
    from pyjax import random
    from pyjax._src.config import config
    env = {"random": random, "jnp": jnp, "dt": getattr(jnp, dtype),
           "A": _REC.SAMPLER_ALPHA[dtype]}
    f = eval("lambda K: " + expr, env)
    want = GOLDEN[f"sampler_{name}_{dtype}"]
    with config.setting("jax_enable_x64", True):
        key = random.PRNGKey(42)
        runs = [pyjax.jit(f)] if jit else [f] + ([pyjax.jit(f)] if name in _FOLD_FREE else [])
        for run in runs:
            got = np.asarray(run(key))
            _check(got.reshape(-1), want.reshape(-1), np.arange(want.size))


def test_constant_alpha_is_folded_only_under_jit():
    """XLA folds 1/3 / sqrt(d) and log(d) for a constant alpha at compile time (other bits than
    its run-time rsqrt and log), not for an alpha that is an argument of the jitted function."""
    from pyjax import random
    from pyjax._src.config import config
    from pyjax._src.primitives import random_bits as rb
    seen = []
    real_bind = rb.random_gamma_p.bind

    def spy(*args, **params):
        seen.append(params["const_alpha"])
        return real_bind(*args, **params)

    with config.setting("jax_enable_x64", True):
        key = random.PRNGKey(42)
        rb.random_gamma_p.bind = spy
        try:
            eager = np.asarray(random.loggamma(key, 1.13, (64,), np.float32))
            folded = np.asarray(pyjax.jit(lambda k: random.loggamma(k, 1.13, (64,),
                                                                    np.float32))(key))
            traced = np.asarray(pyjax.jit(lambda k, a: random.loggamma(k, a, (64,),
                                                                       np.float32))(key, 1.13))
            batched = np.asarray(pyjax.vmap(lambda k: random.loggamma(k, 1.13, (64,),
                                                                      np.float32))(key[None]))
        finally:
            del rb.random_gamma_p.bind
    assert seen[:2] == [False, True] and not any(seen[2:]), seen  # vmap binds twice
    _check(folded, GOLDEN["sampler_loggamma_jit_float32"], np.arange(64))
    _check(eager, GOLDEN["sampler_loggamma_float32"], np.arange(64))
    _check(traced, eager, np.arange(64))
    _check(batched[0], eager, np.arange(64))
    assert not np.array_equal(folded, eager)


# ----------------------------------------------------------------------------------------------
# Derivatives of the XLA-exact primitives (second order, both modes, against finite differences)

@pytest.mark.parametrize("name,domain", [
    ("xla_exp_p", (-3, 3)), ("xla_log_p", (0.2, 5)), ("xla_log1p_p", (-0.5, 4)),
    ("xla_tan_p", (-1.2, 1.2)), ("xla_rsqrt_p", (0.2, 5)), ("xla_erf_p", (-2, 2)),
    ("xla_erf_inv_p", (-0.8, 0.8)), ("xla_pow_p", (0.3, 3)), ("fma_p", (-2, 2))])
def test_xla_primitive_gradients(name, domain):
    from pyjax._src.config import config
    from pyjax._src.primitives import xla_math
    from pyjax.test_util import check_grads
    prim = getattr(xla_math, name)
    nargs = {"xla_pow_p": 2, "fma_p": 3}.get(name, 1)
    rs = np.random.RandomState(3)
    with config.setting("jax_enable_x64", True):
        args = [pyjax.numpy.asarray(rs.uniform(*domain, 5)) for _ in range(nargs)]
        check_grads(lambda *xs: prim.bind(*xs), args, 2, modes=("fwd", "rev"),
                    atol=1e-5, rtol=1e-5)

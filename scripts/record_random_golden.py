"""Record jax.random golden values from real JAX into tests/data/random_golden.json.

Run with the interpreter that has real JAX 0.10.2:

    /work/jaxenv/bin/python scripts/record_random_golden.py

Each case is a Python expression over ``random``, ``jax``, ``jnp``, ``np`` and the prelude
names (``K = random.PRNGKey(42)``, ``TK = random.key(42)``, ``KS = random.split(PRNGKey(7),
3)``, ``TKS`` its typed twin). It is evaluated eagerly (``e``), under ``jax.jit`` as
``jit(lambda K, TK: expr)(K, TK)`` (``j``) and under ``jax.vmap`` over ``KS`` as
``vmap(lambda K: expr)(KS)`` (``v``), in three configurations (x64 off, x64 on, x64 off with
``jax_threefry_partitionable=False``), each in a fresh subprocess. Results keep the exact bit
patterns (``hex``: one word per element, complex as real/imag pairs; typed keys: their key
data), NumPy's shortest reprs, JAX's repr (``text``) for small results, and for calls that raise,
the exception class and message. tests/test_random.py replays every case on pyjax.

``--extra`` records EXTRA_CASES (orthogonal, gumbel/categorical/choice modes, multinomial,
out_sharding, sorting, typed-key semantics) with EXTRA_PRELUDE into
tests/data/random_golden_extra.json instead, replayed by tests/test_random_extra.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "random_golden.json")
OUT_EXTRA = os.path.join(os.path.dirname(HERE), "tests", "data", "random_golden_extra.json")

# (id, expression, modes). Modes: e = eager, j = jit, v = vmap over KS (K inside is one key).
CASES = [
    # -- seeding and key representations
    ("prngkey_0", "random.PRNGKey(0)", "ej"),
    ("prngkey_42", "random.PRNGKey(42)", "e"),
    ("prngkey_neg1", "random.PRNGKey(-1)", "e"),
    ("prngkey_neg2", "random.PRNGKey(-2)", "e"),
    ("prngkey_2p31", "random.PRNGKey(2**31)", "e"),
    ("prngkey_neg2p31", "random.PRNGKey(-2**31)", "e"),
    ("prngkey_2p32", "random.PRNGKey(2**32)", "e"),
    ("prngkey_2p32_plus5", "random.PRNGKey(2**32 + 5)", "e"),
    ("prngkey_0x123456789", "random.PRNGKey(0x123456789)", "e"),
    ("prngkey_int64max", "random.PRNGKey(2**63 - 1)", "e"),
    ("prngkey_int64min", "random.PRNGKey(-2**63)", "e"),
    ("prngkey_2p63_overflow", "random.PRNGKey(2**63)", "e"),
    ("prngkey_np_uint32_max", "random.PRNGKey(np.uint32(0xFFFFFFFF))", "e"),
    ("prngkey_np_int8_neg1", "random.PRNGKey(np.int8(-1))", "e"),
    ("prngkey_jnp_int32", "random.PRNGKey(jnp.int32(7))", "ej"),
    ("prngkey_float_seed", "random.PRNGKey(1.5)", "e"),
    ("prngkey_array_seed", "random.PRNGKey(jnp.zeros(2, jnp.int32))", "e"),
    ("key_of_key", "random.key(random.key(0))", "e"),
    ("key_array_seed", "random.key(jnp.zeros(2, jnp.int32))", "e"),
    ("typed_key_42", "random.key(42)", "ej"),
    ("key_data_typed_42", "random.key_data(random.key(42))", "ej"),
    ("key_data_raw", "random.key_data(K)", "e"),
    ("wrap_key_data", "random.wrap_key_data(K)", "ej"),
    ("wrap_key_data_batch", "random.wrap_key_data(random.split(K, 3))", "e"),
    ("typed_split_2", "random.split(TK)", "ej"),
    ("typed_split_2x2", "random.split(TK, (2, 2))", "e"),
    ("typed_fold_in", "random.fold_in(TK, 3)", "e"),
    ("key_impl_raw", "random.key_impl(K)", "e"),
    ("key_impl_typed", "random.key_impl(TK)", "e"),
    ("typed_key_normal_equal", "random.normal(TK, (3,)) - random.normal(K, (3,))", "e"),
    ("typed_index", "random.key_data(random.split(TK, 4)[2])", "ej"),
    ("typed_reshape", "random.key_data(random.split(TK, 4).reshape(2, 2))", "e"),
    # -- invalid keys and arguments
    ("bad_key_shape", "random.normal(jnp.zeros(3, jnp.uint32))", "e"),
    ("bad_key_dtype", "random.normal(jnp.zeros(2, jnp.float32))", "e"),
    ("bad_key_int", "random.normal(5)", "e"),
    ("batched_key_split", "random.split(random.split(K))", "e"),
    ("batched_typed_key_split", "random.split(random.split(TK))", "e"),
    ("batched_key_normal", "random.normal(random.split(K))", "e"),
    ("bits_bad_dtype", "random.bits(K, (2,), jnp.int32)", "e"),
    ("uniform_bad_dtype", "random.uniform(K, (2,), jnp.int32)", "e"),
    ("normal_bad_dtype", "random.normal(K, (2,), jnp.int32)", "e"),
    ("randint_bad_dtype", "random.randint(K, (2,), 0, 5, jnp.float32)", "e"),
    ("bernoulli_int_p", "random.bernoulli(K, 1)", "e"),
    ("choice_shape_not_seq", "random.choice(K, 10, 3)", "e"),
    ("choice_too_many", "random.choice(K, 5, (6,), replace=False)", "e"),
    ("choice_empty_pop", "random.choice(K, 0, (2,))", "e"),
    ("fold_in_negative", "random.fold_in(K, -1)", "e"),
    ("fold_in_array", "random.fold_in(K, jnp.zeros(2, jnp.uint32))", "e"),
    ("mvn_bad_method", "random.multivariate_normal(K, jnp.zeros(2), jnp.eye(2), method='x')",
     "e"),
    ("permutation_float_scalar", "random.permutation(K, 3.0)", "e"),
    ("impl_unknown", "random.key(0, impl='bogus')", "e"),
    # -- split, fold_in, bits
    ("split_default", "random.split(K)", "ejv"),
    ("split_3", "random.split(K, 3)", "ejv"),
    ("split_2x2", "random.split(K, (2, 2))", "ej"),
    ("split_0", "random.split(K, 0)", "e"),
    ("split_num_kw_12", "random.split(K, num=12)", "e"),
    ("split_typed_key_data", "random.key_data(random.split(TK, 3))", "e"),
    ("fold_in_0", "random.fold_in(K, 0)", "ejv"),
    ("fold_in_7", "random.fold_in(K, 7)", "ej"),
    ("fold_in_u32max", "random.fold_in(K, 2**32 - 1)", "e"),
    ("fold_in_float", "random.fold_in(K, 3.7)", "e"),
    ("fold_in_jnp", "random.fold_in(K, jnp.uint32(9))", "ej"),
    ("bits_default_5", "random.bits(K, (5,))", "ejv"),
    ("bits_scalar", "random.bits(K)", "ej"),
    ("bits_u32_2x3", "random.bits(K, (2, 3), jnp.uint32)", "ej"),
    ("bits_u16_6", "random.bits(K, (6,), jnp.uint16)", "ejv"),
    ("bits_u8_6", "random.bits(K, (6,), jnp.uint8)", "ej"),
    ("bits_u8_7", "random.bits(K, (7,), jnp.uint8)", "e"),
    ("bits_u64_3", "random.bits(K, (3,), jnp.uint64)", "ej"),
    ("bits_empty", "random.bits(K, (0, 3))", "e"),
    ("bits_int_shape", "random.bits(K, 3)", "e"),
    ("bits_odd_7", "random.bits(K, (7,))", "e"),
    ("bits_large_sum", "random.bits(K, (100000,)).astype(jnp.float32).sum()", "e"),
    # -- uniform
    ("uniform_scalar_key0", "random.uniform(random.PRNGKey(0))", "ej"),
    ("uniform_default_5", "random.uniform(K, (5,))", "ejv"),
    ("uniform_f32_minmax", "random.uniform(K, (5,), jnp.float32, -2.5, 7.25)", "ejv"),
    ("uniform_minmax_03_17", "random.uniform(K, (8,), minval=0.3, maxval=1.7)", "ej"),
    ("uniform_minval_array", "random.uniform(K, (2, 3), minval=jnp.array([0., 1., 2.]), "
                             "maxval=5.)", "ej"),
    ("uniform_f16", "random.uniform(K, (4,), jnp.float16)", "ej"),
    ("uniform_bf16", "random.uniform(K, (4,), jnp.bfloat16)", "ej"),
    ("uniform_f64_minmax", "random.uniform(K, (3,), jnp.float64, -2.5, 7.25)", "ej"),
    ("uniform_2x3", "random.uniform(K, (2, 3))", "e"),
    ("uniform_seed_pi", "random.uniform(random.key(12), shape=(2, 5))", "e"),
    ("uniform_large_sum", "random.uniform(K, (100000,)).sum()", "e"),
    # -- normal
    ("normal_scalar_key0", "random.normal(random.PRNGKey(0))", "ej"),
    ("normal_default_5", "random.normal(K, (5,))", "ejv"),
    ("normal_f32_2x3", "random.normal(K, (2, 3), jnp.float32)", "ej"),
    ("normal_int_shape", "random.normal(K, 5)", "e"),
    ("normal_complex64", "random.normal(K, (3,), jnp.complex64)", "ej"),
    ("normal_complex128", "random.normal(K, (3,), jnp.complex128)", "e"),
    ("normal_f16", "random.normal(K, (4,), jnp.float16)", "ej"),
    ("normal_bf16", "random.normal(K, (4,), jnp.bfloat16)", "e"),
    ("normal_each_of_split3", "jnp.stack([random.normal(k) for k in random.split(K, 3)])", "e"),
    ("normal_vec3", "random.normal(K, (3,))", "e"),
    ("normal_typed_key", "random.normal(TK, (3,))", "ej"),
    ("normal_prngkey1_3x3", "random.normal(random.PRNGKey(1), (3, 3))", "e"),
    ("normal_1000", "random.normal(K, (1000,))", "ej"),
    ("normal_large_sum", "random.normal(K, (100000,)).sum()", "e"),
    # -- integers and discrete
    ("randint_0_10", "random.randint(K, (8,), 0, 10)", "ejv"),
    ("randint_neg100_100", "random.randint(K, (5,), -100, 100)", "ej"),
    ("randint_full_int32", "random.randint(K, (4,), -2**31, 2**31 - 1)", "ej"),
    ("randint_uint8_0_256", "random.randint(K, (5,), 0, 256, jnp.uint8)", "ej"),
    ("randint_int8", "random.randint(K, (5,), -128, 128, jnp.int8)", "ej"),
    ("randint_uint32", "random.randint(K, (4,), 0, 2**32 - 1, jnp.uint32)", "e"),
    ("randint_empty_range", "random.randint(K, (3,), 7, 3)", "ej"),
    ("randint_array_bounds", "random.randint(K, (2, 3), jnp.array([0, 10, 100]), "
                             "jnp.array([5, 20, 1000]))", "ej"),
    ("randint_float_bounds", "random.randint(K, (4,), 0.5, 9.7)", "e"),
    ("randint_int16", "random.randint(K, (4,), -1000, 1000, jnp.int16)", "e"),
    ("randint_int64_big", "random.randint(K, (4,), -2**40, 2**40)", "e"),
    ("bernoulli_default", "random.bernoulli(K, 0.5, (8,))", "ejv"),
    ("bernoulli_p_array", "random.bernoulli(K, jnp.array([0.1, 0.5, 0.9], jnp.float32))", "ej"),
    ("bernoulli_high", "random.bernoulli(K, 0.3, (8,), mode='high')", "ej"),
    ("bernoulli_default_p", "random.bernoulli(K)", "e"),
    ("rademacher", "random.rademacher(K, (6,))", "ej"),
    ("rademacher_f32", "random.rademacher(K, (6,), jnp.float32)", "e"),
    ("choice_replace", "random.choice(K, 10, (6,))", "ejv"),
    ("choice_noreplace", "random.choice(K, 10, (6,), replace=False)", "ej"),
    ("choice_p_replace", "random.choice(K, jnp.arange(5) * 10, (6,), p=jnp.array([.1, .2, .3, "
                         ".2, .2], jnp.float32))", "ej"),
    ("choice_p_noreplace", "random.choice(K, 5, (3,), replace=False, p=jnp.array([.1, .2, .3, "
                           ".2, .2], jnp.float32))", "ej"),
    ("choice_array_axis1", "random.choice(K, jnp.arange(12).reshape(3, 4), (2,), axis=1)", "e"),
    ("choice_zero_draws", "random.choice(K, 5, (0,))", "e"),
    ("choice_scalar", "random.choice(K, 7)", "e"),
    ("permutation_10", "random.permutation(K, 10)", "ejv"),
    ("permutation_array_axis0", "random.permutation(K, jnp.arange(12).reshape(4, 3))", "ej"),
    ("permutation_axis1", "random.permutation(K, jnp.arange(12).reshape(3, 4), axis=1)", "e"),
    ("permutation_independent_axis1", "random.permutation(K, jnp.arange(12).reshape(3, 4), "
                                      "axis=1, independent=True)", "ej"),
    ("permutation_2000", "random.permutation(K, 2000)[:10]", "e"),
    ("permutation_1", "random.permutation(K, 1)", "e"),
    ("categorical", "random.categorical(K, jnp.log(jnp.array([0.1, 0.2, 0.3, 0.4], "
                    "jnp.float32)), shape=(8,))", "ejv"),
    ("categorical_batched", "random.categorical(K, jnp.array([[0., 1., 2.], [2., 1., 0.]], "
                            "jnp.float32))", "ej"),
    ("categorical_axis0", "random.categorical(K, jnp.array([[0., 1., 2.], [2., 1., 0.]]), "
                          "axis=0)", "e"),
    ("categorical_noreplace", "random.categorical(K, jnp.array([0., 1., 2., 3.]), shape=(3,), "
                              "replace=False)", "ej"),
    ("poisson_3", "random.poisson(K, 3.0, (5,))", "ej"),
    ("poisson_array", "random.poisson(K, jnp.array([0.0, 0.5, 4.0, 9.5]))", "e"),
    ("poisson_25", "random.poisson(K, 25.0, (6,))", "e"),
    ("geometric", "random.geometric(K, 0.3, (6,))", "ej"),
    ("binomial", "random.binomial(K, 10.0, 0.3, (6,))", "e"),
    # -- continuous
    ("truncated_normal", "random.truncated_normal(K, -1.0, 2.0, (5,))", "ejv"),
    ("truncated_normal_arrays", "random.truncated_normal(K, jnp.array([-3., 0., 1.]), "
                                "jnp.array([3., 0.5, 4.]))", "ej"),
    ("exponential", "random.exponential(K, (5,))", "ejv"),
    ("gumbel", "random.gumbel(K, (4,))", "ej"),
    ("gumbel_high", "random.gumbel(K, (4,), mode='high')", "ej"),
    ("laplace", "random.laplace(K, (3,))", "ej"),
    ("logistic", "random.logistic(K, (3,))", "ej"),
    ("cauchy", "random.cauchy(K, (3,))", "ej"),
    ("gamma_a2", "random.gamma(K, 2.0, (4,))", "ejv"),
    ("gamma_a_small", "random.gamma(K, jnp.array([0.1, 0.5, 1.0, 5.0], jnp.float32))", "ej"),
    ("loggamma", "random.loggamma(K, 0.5, (3,))", "ej"),
    ("beta", "random.beta(K, 2.0, 3.0, (4,))", "ej"),
    ("dirichlet", "random.dirichlet(K, jnp.array([1.0, 2.0, 3.0], jnp.float32))", "ej"),
    ("chisquare", "random.chisquare(K, 3.0, (3,))", "e"),
    ("t", "random.t(K, 4.0, (3,))", "e"),
    ("f_dist", "random.f(K, 3.0, 5.0, (3,))", "e"),
    ("multivariate_normal", "random.multivariate_normal(K, jnp.array([1.0, -1.0], "
                            "jnp.float32), jnp.array([[2.0, 0.5], [0.5, 1.0]], jnp.float32), "
                            "(3,))", "ej"),
    ("multivariate_normal_eigh", "random.multivariate_normal(K, jnp.zeros(2), "
                                 "jnp.array([[2.0, 0.5], [0.5, 1.0]]), (2,), method='eigh')",
     "e"),
    ("multivariate_normal_svd", "random.multivariate_normal(K, jnp.zeros(2), "
                                "jnp.array([[2.0, 0.5], [0.5, 1.0]]), (2,), method='svd')",
     "e"),
    ("pareto", "random.pareto(K, 3.0, (3,))", "e"),
    ("lognormal", "random.lognormal(K, 0.5, (3,))", "e"),
    ("rayleigh", "random.rayleigh(K, 2.0, (3,))", "e"),
    ("weibull_min", "random.weibull_min(K, 2.0, 1.5, (3,))", "e"),
    ("maxwell", "random.maxwell(K, (3,))", "e"),
    ("double_sided_maxwell", "random.double_sided_maxwell(K, 1.0, 2.0, (3,))", "e"),
    ("wald", "random.wald(K, 1.5, (3,))", "e"),
    ("triangular", "random.triangular(K, 0.0, 1.0, 3.0, (4,))", "e"),
    ("generalized_normal", "random.generalized_normal(K, 1.5, (3,))", "e"),
    ("ball", "random.ball(K, 3)", "e"),
    ("orthogonal", "random.orthogonal(K, 3)", "e"),
    # -- transformations: vmap over typed keys, jit with typed keys, reparameterised gradients
    ("vmap_typed_normal", "jax.vmap(lambda k: random.normal(k, (2,)))(TKS)", "e"),
    ("vmap_typed_split", "jax.vmap(random.split)(TKS)", "e"),
    ("vmap_typed_key_data", "jax.vmap(random.key_data)(TKS)", "e"),
    ("vmap_fold_in_data", "jax.vmap(lambda i: random.fold_in(K, i))(jnp.arange(3, "
                          "dtype=jnp.uint32))", "e"),
    ("vmap_seeds", "jax.vmap(random.PRNGKey)(jnp.arange(3))", "e"),
    ("vmap_gamma_alphas", "jax.vmap(lambda a: random.gamma(K, a))(jnp.array([0.5, 1.5, 3.0]))",
     "e"),
    ("jit_seed_then_normal", "jax.jit(lambda s: random.normal(random.PRNGKey(s), (3,)))(7)",
     "e"),
    ("grad_normal_scale", "jax.grad(lambda s: (s * random.normal(K, (3,))).sum())(2.0)", "e"),
    ("grad_uniform_minval", "jax.grad(lambda lo: random.uniform(K, (3,), minval=lo, "
                            "maxval=2.0).sum())(0.5)", "e"),
    ("grad_uniform_maxval", "jax.grad(lambda hi: random.uniform(K, (3,), minval=-1.0, "
                            "maxval=hi).sum())(2.5)", "e"),
    ("grad_gamma", "jax.grad(lambda a: random.gamma(K, a, (3,)).sum())(2.0)", "e"),
    ("grad_gamma_small", "jax.grad(lambda a: random.gamma(K, a, (3,)).sum())(0.3)", "e"),
    ("grad_loggamma", "jax.grad(lambda a: random.loggamma(K, a, (3,)).sum())(0.5)", "e"),
    ("grad_beta", "jax.grad(lambda a: random.beta(K, a, 2.0, (2,)).sum())(1.5)", "e"),
    ("grad_truncated_normal", "jax.grad(lambda lo: random.truncated_normal(K, lo, 2.0, "
                              "(3,)).sum())(-1.0)", "e"),
    ("grad_exponential_rate", "jax.grad(lambda r: (random.exponential(K, (3,)) / r).sum())(2.0)",
     "e"),
]

# XLA:CPU's float kernels on fixed inputs (regenerated from the seeds below by the test).
KERNEL_INPUTS = {
    "log": ("float32", 8192), "log1p": ("float32", 8192), "erf_inv": ("float32", 8192),
    "erf": ("float32", 8192), "log1p_f64": ("float64", 2048), "erf_inv_f64": ("float64", 2048),
    "log_f64": ("float64", 2048),
}


def kernel_inputs(name, np):
    """Deterministic inputs of each kernel test (shared with tests/test_random.py)."""
    dtype, n = KERNEL_INPUTS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    fn = name.split("_f64")[0]
    if fn == "log":
        x = np.concatenate([rng.uniform(0, 4, n // 2), np.exp(rng.uniform(-80, 80, n // 2))])
    elif fn == "log1p":
        x = np.concatenate([rng.uniform(-1, 1, n // 2), -rng.uniform(0, 1, n // 2) ** 2])
    elif fn == "erf_inv":
        x = np.concatenate([rng.uniform(-1, 1, n // 2), 1 - rng.uniform(0, 1e-3, n // 4),
                            1 - np.exp(-rng.uniform(0, 30, n - n // 2 - n // 4))])
    else:
        x = rng.uniform(-5, 5, n)
    return x.astype(dtype)


def record_kernels():
    import base64
    import jax
    import numpy as np
    from jax import lax
    fns = {"log": lax.log, "log1p": lax.log1p, "erf_inv": lax.erf_inv, "erf": lax.erf}
    out = {}
    for name in KERNEL_INPUTS:
        x = kernel_inputs(name, np)
        y = np.asarray(jax.jit(fns[name.split("_f64")[0]])(x))
        out[name] = base64.b64encode(y.tobytes()).decode()
    return out

CONFIGS = {
    "x64_off": dict(jax_enable_x64=False, jax_threefry_partitionable=True),
    "x64_on": dict(jax_enable_x64=True, jax_threefry_partitionable=True),
    "x64_off_partitionable_false": dict(jax_enable_x64=False, jax_threefry_partitionable=False),
}
PRELUDE = ("K = random.PRNGKey(42); TK = random.key(42); KS = random.split(random.PRNGKey(7), 3); "
           "TKS = random.wrap_key_data(KS)")

# Recorded with --extra into OUT_EXTRA (the cases above stay as recorded in OUT).
_W4 = "jnp.array([.1, .2, .3, .2, .2], jnp.float32)"
EXTRA_CASES = [
    # -- every bit of large draws (checksum: see EXTRA_PRELUDE; the *_large_sum cases above
    #    depend on summation order)
    ("bits_large_checksum", "checksum(random.bits(K, (100000,)))", "ej"),
    ("uniform_large_checksum", "checksum(random.uniform(K, (100000,)))", "ej"),
    ("normal_large_checksum", "checksum(random.normal(K, (100000,)))", "ej"),
    # -- orthogonal: QR (LAPACK geqrf + orgqr) of a normal matrix, columns signed by diag(R)
    ("orthogonal_4", "random.orthogonal(K, 4)", "ejv"),
    ("orthogonal_typed", "random.orthogonal(TK, 3)", "ej"),
    ("orthogonal_batch", "random.orthogonal(K, 3, (2,))", "ej"),
    ("orthogonal_wide", "random.orthogonal(K, 2, m=5)", "ej"),
    ("orthogonal_tall", "random.orthogonal(K, 5, m=2)", "ej"),
    ("orthogonal_1", "random.orthogonal(K, 1)", "e"),
    ("orthogonal_f64", "random.orthogonal(K, 3, dtype=jnp.float64)", "e"),
    ("orthogonal_c64", "random.orthogonal(K, 3, dtype=jnp.complex64)", "ej"),
    ("orthogonal_c128", "random.orthogonal(K, 3, dtype=jnp.complex128)", "e"),
    ("orthogonal_150_strided", "random.orthogonal(K, 150, m=140)[::15, ::14]", "e"),
    ("orthogonal_bad_dtype", "random.orthogonal(K, 3, dtype=jnp.int32)", "e"),
    ("orthogonal_out_sharding", "random.orthogonal(K, 3, out_sharding='x')", "e"),
    # -- gumbel modes, and the samplers that pass a mode on to gumbel
    ("gumbel_highest", "random.gumbel(K, (8,), mode='highest')", "ejv"),
    ("gumbel_highest_scalar", "random.gumbel(TK, mode='highest')", "ej"),
    ("gumbel_highest_512", "random.gumbel(K, (512,), mode='highest')", "ej"),
    ("gumbel_highest_f16", "random.gumbel(K, (4,), jnp.float16, mode='highest')", "e"),
    ("gumbel_highest_bf16", "random.gumbel(K, (4,), jnp.bfloat16, mode='highest')", "e"),
    ("gumbel_highest_f64", "random.gumbel(K, (4,), jnp.float64, mode='highest')", "e"),
    ("gumbel_high_f16", "random.gumbel(K, (4,), jnp.float16, mode='high')", "ej"),
    ("gumbel_high_512", "random.gumbel(K, (512,), mode='high')", "e"),
    ("gumbel_low_512", "random.gumbel(K, (512,), mode='low')", "e"),
    ("gumbel_flag_default", "with_flag('jax_high_dynamic_range_gumbel', True, "
                            "lambda: random.gumbel(K, (4,)))", "ej"),
    ("gumbel_bad_mode", "random.gumbel(K, (2,), mode='x')", "e"),
    ("categorical_highest", "random.categorical(K, jnp.array([0., 1., 2., -1.]), shape=(6,), "
                            "mode='highest')", "ejv"),
    ("categorical_high", "random.categorical(K, jnp.array([0., 1., 2., -1.]), shape=(6,), "
                         "mode='high')", "ej"),
    ("categorical_noreplace_highest", "random.categorical(K, jnp.array([0., 1., 2., 3.]), "
                                      "shape=(3,), replace=False, mode='highest')", "e"),
    ("categorical_flag_default", "with_flag('jax_high_dynamic_range_gumbel', True, "
                                 "lambda: random.categorical(K, jnp.zeros(5), shape=(4,)))", "e"),
    ("categorical_bad_mode", "random.categorical(K, jnp.zeros(3), mode='x')", "e"),
    ("choice_p_noreplace_high", f"random.choice(K, 5, (3,), replace=False, p={_W4}, "
                                "mode='high')", "ej"),
    ("choice_p_noreplace_highest", f"random.choice(K, 5, (3,), replace=False, p={_W4}, "
                                   "mode='highest')", "e"),
    ("bernoulli_high_p_array", "random.bernoulli(K, jnp.array([0.1, 0.5, 0.9]), mode='high')",
     "ejv"),
    ("bernoulli_bad_mode", "random.bernoulli(K, 0.5, (2,), mode='x')", "e"),
    # -- multinomial: a scan of binomials over the outcomes
    ("multinomial", "random.multinomial(K, 10., jnp.array([.2, .3, .5]))", "ejv"),
    ("multinomial_int_dtype", "random.multinomial(K, 10, jnp.array([.2, .3, .5]), "
                              "dtype=jnp.int32)", "ej"),
    ("multinomial_batch", "random.multinomial(K, jnp.array([5., 100.]), jnp.array([[.2, .3, .5],"
                          " [.1, .1, .8]]))", "ej"),
    ("multinomial_shape", "random.multinomial(K, 7., jnp.array([.2, .3, .5]), shape=(2, 3))",
     "e"),
    ("multinomial_typed", "random.multinomial(TK, 50., jnp.array([.25, .25, .5]))", "e"),
    ("multinomial_unroll", "random.multinomial(K, 20., jnp.array([.5, .5]), unroll=2)", "e"),
    ("multinomial_zero_p", "random.multinomial(K, 20., jnp.array([.5, 0., .5, 0.]))", "e"),
    ("multinomial_list_p", "random.multinomial(K, 3., [.5, .5])", "e"),
    # -- out_sharding (pyjax has one device: only None)
    ("uniform_out_sharding_none", "random.uniform(K, (2,), out_sharding=None)", "e"),
    ("uniform_out_sharding_bad", "random.uniform(K, (2,), out_sharding=1)", "e"),
    ("gamma_out_sharding_bad", "random.gamma(K, 2., (2,), out_sharding='x')", "e"),
    # -- permutations of larger arrays and the sorts under them
    ("permutation_50000_strided", "random.permutation(K, 50000)[::500]", "ej"),
    ("permutation_typed_1000", "random.permutation(TK, 1000)[:20]", "e"),
    ("permutation_2d_independent", "random.permutation(K, jnp.arange(60.).reshape(6, 10), "
                                   "axis=1, independent=True)", "ej"),
    ("sort_key_val_float_ties", "jax.lax.sort_key_val(TIES, jnp.arange(10))", "ej"),
    ("sort_float_ties", "jax.lax.sort(TIES)", "ej"),
    ("sort_bf16_ties", "jax.lax.sort(TIES.astype(jnp.bfloat16))", "e"),
    ("argsort_float_ties", "jnp.argsort(TIES)", "e"),
    ("sort_int32_axis0", "jax.lax.sort(random.randint(K, (50, 3), -5, 5), dimension=0)", "e"),
    ("sort_key_val_u32_ties", "jax.lax.sort_key_val(random.randint(K, (40,), 0, 4)"
                              ".astype(jnp.uint32), jnp.arange(40))", "e"),
    # -- typed key arrays: comparisons, arithmetic, indexing, jnp functions
    ("key_eq", "TK == TK", "ej"),
    ("key_ne", "TK != TK", "ej"),
    ("key_eq_vmap", "random.wrap_key_data(K) == random.fold_in(random.wrap_key_data(K), 0)",
     "ejv"),
    ("keys_eq_one", "random.split(TK, 4) == random.split(TK, 4)[1]", "ej"),
    ("keys_ne_reversed", "random.split(TK, 3) != random.split(TK, 3)[::-1]", "ej"),
    ("jnp_equal_keys", "jnp.equal(random.split(TK, 3), TK)", "e"),
    ("jnp_not_equal_keys", "jnp.not_equal(TK, random.split(TK, 2))", "e"),
    ("lax_eq_keys", "jax.lax.eq(TK, TK)", "e"),
    ("key_eq_raw", "TK == K", "e"),
    ("key_eq_int", "TK == 1", "e"),
    ("key_add_int", "TK + 1", "ej"),
    ("int_add_key", "1 + TK", "e"),
    ("key_mul_int", "TK * 2", "e"),
    ("key_div_int", "TK / 2", "e"),
    ("key_floordiv_int", "TK // 2", "e"),
    ("key_mod_int", "TK % 2", "e"),
    ("key_index_array", "random.split(TK, 4)[jnp.array([3, 0])]", "ej"),
    ("key_index_bool", "random.split(TK, 4)[jnp.array([True, False, True, False])]", "e"),
    ("key_index_reverse", "random.split(TK, 4)[::-1]", "ej"),
    ("key_index_newaxis", "random.split(TK, 4)[None, 1:3]", "e"),
    ("key_take", "jnp.take(random.split(TK, 4), jnp.array([1, 0]))", "ej"),
    ("key_where", "jnp.where(jnp.array([True, False]), random.split(TK), TK)", "ej"),
    ("key_concatenate", "jnp.concatenate([random.split(TK), TK[None]])", "e"),
    ("key_stack", "jnp.stack([TK, random.fold_in(TK, 1)])", "e"),
    ("key_array_of_list", "jnp.array([TK, random.fold_in(TK, 1)])", "e"),
    ("key_broadcast_to", "jnp.broadcast_to(TK, (3,))", "e"),
    ("key_reshape_T", "random.split(TK, 4).reshape(2, 2).T", "e"),
    ("key_scan_carry", "jax.lax.scan(lambda c, x: (random.fold_in(c, 1), c), TK, None, "
                       "length=3)[1]", "e"),
    ("key_cond", "jax.lax.cond(True, lambda: random.fold_in(TK, 1), lambda: TK)", "e"),
    ("key_zeros", "jnp.zeros((2,), random.key(0).dtype)", "e"),
    ("key_ones_like", "jnp.ones_like(random.split(TK))", "ej"),
    ("key_full_like", "jnp.full_like(random.split(TK), 7)", "e"),
    ("key_take_out_of_bounds", "jnp.take(random.split(TK, 3), jnp.array([5, -1]))", "e"),
    ("key_device_get", "jax.device_get(random.split(TK))", "e"),
    ("key_astype", "random.split(TK).astype(jnp.uint32)", "e"),
    ("key_sum_method", "random.split(TK).sum()", "e"),
    ("key_real", "random.split(TK).real", "e"),
    ("key_convert", "jax.lax.convert_element_type(TK, jnp.uint32)", "ej"),
    ("key_bitcast", "jax.lax.bitcast_convert_type(TK, jnp.uint32)", "e"),
    ("key_sort", "jnp.sort(random.split(TK, 3))", "ej"),
    ("key_argsort", "jnp.argsort(random.split(TK, 3))", "e"),
]
EXTRA_PRELUDE = PRELUDE + """
def checksum(v):
    # Exact and independent of summation order: the bit patterns as 32-bit words, weighted by
    # odd position numbers, summed modulo 2**32.
    w = jax.lax.bitcast_convert_type(v, jnp.uint32).reshape(-1)
    return (w * (jnp.arange(w.size, dtype=jnp.uint32) * 2 + 1)).sum(dtype=jnp.uint32)


TIES = jnp.array([1., jnp.nan, -0., 0., -jnp.inf, jnp.inf, -jnp.nan, 0., -0., -1.], jnp.float32)


def with_flag(name, value, fn):
    old = getattr(jax.config, name)
    jax.config.update(name, value)
    try:
        return fn()
    finally:
        jax.config.update(name, old)
"""


def encode(x, np):
    """A JSON record of a result (array, typed key array, scalar or string)."""
    import jax
    if isinstance(x, str):
        return {"value": x}
    if hasattr(x, "dtype") and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
        data = np.asarray(jax.random.key_data(x))
        return {"dtype": "key<fry>", "shape": list(x.shape), "text": repr(x),
                "hex": [format(int(v), "08x") for v in data.reshape(-1)]}
    a = np.asarray(x)
    rec = {"dtype": a.dtype.name, "shape": list(a.shape)}
    flat = a.reshape(-1)
    if a.dtype.kind == "c":
        parts = np.stack([flat.real, flat.imag], -1).reshape(-1)
        words = parts.view(np.dtype(f"u{parts.dtype.itemsize}"))
    elif a.dtype.kind == "b":
        words = flat.astype(np.uint8)
    else:
        words = flat.view(np.dtype(f"u{a.dtype.itemsize}"))
    width = 2 * words.dtype.itemsize
    rec["hex"] = [format(int(w), f"0{width}x") for w in words]
    rec["repr"] = [str(v) for v in flat.tolist()] if a.dtype.kind in "biu" else \
        [str(v) for v in flat]
    if a.size <= 64:
        rec["text"] = repr(x)
    return rec


def record_signatures():
    """The public names of jax.random, with (name, kind, default) per parameter of callables."""
    import inspect
    from jax import random
    out = {}
    for name in sorted(n for n in dir(random) if not n.startswith("_")):
        try:
            params = inspect.signature(getattr(random, name)).parameters.values()
        except (TypeError, ValueError):  # not a function (a primitive, a class without one)
            out[name] = None
            continue
        out[name] = [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
                     for p in params]
    return out


def run_config(name, extra=False):
    import warnings
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax import random
    for flag, value in CONFIGS[name].items():
        jax.config.update(flag, value)
    env = {"jax": jax, "jnp": jnp, "np": np, "random": random}
    prelude = EXTRA_PRELUDE if extra else PRELUDE
    exec(prelude, env)
    cases = []
    for cid, expr, modes in EXTRA_CASES if extra else CASES:
        for mode in modes:
            rec = {"id": cid if mode == "e" else f"{cid}__{mode}", "call": expr, "mode": mode}
            try:
                with warnings.catch_warnings(record=True) as ws:
                    warnings.simplefilter("always")
                    if mode == "e":
                        out = eval(expr, env)
                    elif mode == "j":
                        f = eval("lambda K, TK: " + expr, env)
                        out = jax.jit(f)(env["K"], env["TK"])
                    else:
                        f = eval("lambda K: " + expr, env)
                        out = jax.vmap(f)(env["KS"])
                rec.update(encode(out, np))
                if ws:
                    rec["warnings"] = [f"{w.category.__name__}: {w.message}" for w in ws]
            except Exception as e:  # noqa: BLE001 (record every error JAX raises)
                rec["error"] = {"type": type(e).__name__, "message": str(e)}
            cases.append(rec)
    result = {"config": name, "jax_version": jax.__version__, **CONFIGS[name],
              "prelude": prelude, "cases": cases}
    if extra:
        result["signatures"] = record_signatures()
    if name == "x64_on" and not extra:
        result["kernels"] = record_kernels()
    return result


def main():
    extra = "--extra" in sys.argv
    if len(sys.argv) > 2 and sys.argv[1] == "--config":
        json.dump(run_config(sys.argv[2], extra), sys.stdout)
        return
    out = {}
    for name in CONFIGS:
        res = subprocess.run([sys.executable, __file__, "--config", name]
                             + (["--extra"] if extra else []),
                             check=True, capture_output=True, text=True)
        out[name] = json.loads(res.stdout)
        n_err = sum("error" in c for c in out[name]["cases"])
        print(f"{name}: {len(out[name]['cases'])} cases ({n_err} errors)")
    path = OUT_EXTRA if extra else OUT
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()

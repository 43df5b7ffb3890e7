"""random_gamma_grad (the implicit gradient of Gamma samples) against values recorded from real
JAX 0.10.2 (scripts/record_gamma_grad_golden.py): bit for bit in float32 and float64, both as one
jitted call on whole arrays and one element at a time (lax.map, how jax.random's gamma gradient
calls it on CPU, and what pyjax's primitive reproduces)."""
import json
import os

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax._src.config import config
from pyjax._src.primitives import igamma_grad
from pyjax._src.primitives.libm_sincosf import cosf32, sinf32
from pyjax._src.primitives.random_rejection import random_gamma_grad_p

_DATA = os.path.join(os.path.dirname(__file__), "data", "gamma_grad_golden.json")
_TYPES = {"float32": (np.float32, np.uint32), "float64": (np.float64, np.uint64)}


def _golden(name):
    with open(_DATA) as fh:
        case = json.load(fh)[name]
    ftype, utype = _TYPES[name]
    return {k: np.array(v, utype).view(ftype) for k, v in case.items()}


def _mismatches(got, want):
    same = (got.view(want.dtype) == want) | (np.isnan(got) & np.isnan(want))
    bad = np.nonzero(~same)[0]
    return [(i, got[i], want[i]) for i in bad[:5]], bad.size


@pytest.mark.parametrize("name", sorted(_TYPES))
@pytest.mark.parametrize("mode", ["jit", "map"])
def test_kernel_matches_jax(name, mode):
    g = _golden(name)
    got = igamma_grad.random_gamma_grad(g["a"], g["x"], per_element=mode == "map")
    assert got.dtype == g["a"].dtype
    first, count = _mismatches(got, g[mode])
    assert count == 0, f"{count} of {got.size} differ, e.g. (index, got, want) {first}"


@pytest.mark.parametrize("name", sorted(_TYPES))
def test_primitive_eager_and_jit(name):
    """The primitive behind jax.random's gamma gradient gives JAX's per-element values."""
    g = _golden(name)
    with config.setting("jax_enable_x64", name == "float64"):
        a, x = jnp.asarray(g["a"]), jnp.asarray(g["x"])
        for f in (random_gamma_grad_p.bind, pyjax.jit(random_gamma_grad_p.bind)):
            got = np.asarray(f(a, x))
            first, count = _mismatches(got, g["map"])
            assert count == 0, f"{count} of {got.size} differ, e.g. {first}"


def test_sinf_cosf_match_xla():
    """float32 sin and cos as XLA:CPU computes them (glibc's sinf and cosf), used by digamma's
    and lgamma's reflections."""
    with open(_DATA) as fh:
        case = json.load(fh)["sincos32"]
    x = np.array(case["x"], np.uint32).view(np.float32)
    for mine, key in ((sinf32, "sin"), (cosf32, "cos")):
        want = np.array(case[key], np.uint32)
        got = mine(x).view(np.uint32)
        assert (got == want).all(), f"{key}: {(got != want).sum()} of {x.size} differ"
    with pytest.raises(ValueError, match="120"):
        sinf32(np.float32([200.0]))

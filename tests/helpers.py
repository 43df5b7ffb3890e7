"""Input builders and checks shared by the test files (tests/ is on sys.path under pytest)."""
import ml_dtypes
import numpy as np
import pytest

from pyjax._src.api import eval_shape, jit, make_jaxpr
from pyjax._src.array import ArrayImpl

# ---------------------------------------------------------------------------------------------
# Inputs

# The dtypes the tests sweep (x64 off): booleans, then the numeric ones.
DTYPES = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, ml_dtypes.bfloat16,
          np.float32, np.complex64]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]
NUMERIC = DTYPES[1:]
NUMERIC_IDS = DTYPE_IDS[1:]


def rand(shape, dtype, seed=0, low=-20, high=20):
    """Random values of ``dtype`` (integers in [low, high), unsigned in [0, high))."""
    rng = np.random.RandomState(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(rng.rand(*shape) > 0.5)
    if dtype.kind == "u":
        return np.asarray(rng.randint(0, high, size=shape)).astype(dtype)
    if dtype.kind == "i":
        return np.asarray(rng.randint(low, high, size=shape)).astype(dtype)
    if dtype.kind == "c":
        return np.asarray(rng.randn(*shape) + 1j * rng.randn(*shape)).astype(dtype)
    return np.asarray(rng.randn(*shape)).astype(dtype)


def rand_default_rng(shape, dtype, seed=0, low=-3, high=4):
    """Like :func:`rand`, drawn from ``np.random.default_rng(seed)``: standard normal floats
    and complex numbers, integers in [low, high) (unsigned in [0, high)), random booleans."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        return rng.integers(low if dtype.kind == "i" else 0, high, shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def int_values(shape, dtype, seed=0, bound=100, unsigned_high=200, complex_bound=9):
    """Integer values of ``dtype`` from ``np.random.default_rng(seed)``, so that references
    compute exactly: in [-bound, bound), [0, unsigned_high) when unsigned, both parts of a
    complex in [-complex_bound, complex_bound), 0 or 1 for booleans."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "c":
        return (rng.integers(-complex_bound, complex_bound, shape)
                + 1j * rng.integers(-complex_bound, complex_bound, shape)).astype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, unsigned_high, shape).astype(dtype)
    return rng.integers(-bound, bound, shape).astype(dtype)


def wide(x):
    """``x`` in the 64-bit type of its kind (booleans as int64), for an independent reference
    computation."""
    x = np.asarray(x)
    if x.dtype.kind in "b":
        return x.astype(np.int64)
    if x.dtype.kind in "iu":
        return x.astype(np.int64 if x.dtype.kind == "i" else np.uint64)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def arr(x, weak=False):
    """A concrete pyjax Array holding ``x``."""
    return ArrayImpl(np.asarray(x), weak)


def arr_as(x, dtype=None, weak=False):
    """A concrete pyjax Array holding ``np.asarray(x, dtype)``."""
    return ArrayImpl(np.asarray(x, dtype), weak)


def arr32(x, dtype=None, weak=False):
    """A concrete pyjax Array holding ``x`` cast to ``dtype``; without ``dtype``, NumPy's
    64-bit defaults (int64, float64) become 32-bit, as JAX stores them by default."""
    x = np.asarray(x)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype == np.int64:
        x = x.astype(np.int32)
    elif x.dtype == np.float64:
        x = x.astype(np.float32)
    return ArrayImpl(x, weak)


# ---------------------------------------------------------------------------------------------
# Checks


def leaves(out):
    """``out`` as a list of results: a function may return one array or a list/tuple of them."""
    return list(out) if isinstance(out, (list, tuple)) else [out]


def assert_close(out, expected, rtol=0.0):
    """The same dtype and shape, and equal values (or within ``rtol``, used as atol too);
    16-bit floats are compared in float32."""
    out, expected = np.asarray(out), np.asarray(expected)
    assert out.dtype == expected.dtype, (out.dtype, expected.dtype)
    assert out.shape == expected.shape, (out.shape, expected.shape)
    if out.dtype in (np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16)):
        out, expected = out.astype(np.float32), expected.astype(np.float32)
    if rtol:
        np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(out, expected)


def check(fun, args, expected, rtol=0.0, weak=None):
    """``fun(*args)`` eagerly and under jit matches ``expected`` (see :func:`assert_close`),
    make_jaxpr's output types agree with the eager results, and, unless ``weak`` is None, the
    results' weak type is ``weak``. Returns the eager results as a list."""
    eager = leaves(fun(*args))
    jitted = leaves(jit(fun)(*args))
    avals = make_jaxpr(fun)(*args).out_avals
    for e, j, a, x in zip(eager, jitted, avals, leaves(expected), strict=True):
        assert_close(e, x, rtol)
        assert_close(j, x, rtol)
        assert (a.shape, a.dtype, a.weak_type) == (e.shape, e.dtype, e.weak_type)
        assert j.weak_type == e.weak_type
        if weak is not None:
            assert e.weak_type == weak
    return eager


def eager_and_jitted(fun, *args, **kwargs):
    """``fun(*args, **kwargs)`` eagerly and under jit, once both and eval_shape agree on the
    shape, dtype and weak type."""
    eager = fun(*args, **kwargs)
    jitted = jit(lambda *a: fun(*a, **kwargs))(*args)
    shape = eval_shape(lambda *a: fun(*a, **kwargs), *args)
    for r in (jitted, shape):
        assert (r.shape, r.dtype, r.weak_type) == (eager.shape, eager.dtype, eager.weak_type)
    return eager, jitted


def raises_both(fun, args, exc, match):
    """The same error eagerly and while tracing under jit."""
    with pytest.raises(exc, match=match):
        fun(*args)
    with pytest.raises(exc, match=match):
        jit(fun)(*args)

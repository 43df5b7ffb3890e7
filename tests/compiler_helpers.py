"""Shared pieces of the compiler tests (test_compiler*.py): running a function both compiled
and through the interpreter, comparing in ulps, special inputs (fixtures: conftest.py)."""
import warnings

import numpy as np

from pyjax._src import api
from pyjax._src.array import ArrayImpl
from pyjax._src.codegen_interface import is_float
from pyjax._src.compiler import executable
from pyjax._src.interpreters import staging


def arr(x, dtype=None):
    return ArrayImpl(np.asarray(x, dtype), False)


def run_both(f, *args):
    """(compiled executable, interpreter outputs, compiled outputs) of f at args."""
    closed = api.make_jaxpr(f)(*args)
    jaxpr = staging.hoist_consts(closed)
    bufs = [getattr(c, "_value", c) for c in closed.consts] + [a._value for a in args]
    bufs = [np.asarray(b) for b in bufs]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = executable.Executable(jaxpr)(bufs)
    exe = executable.CompiledExecutable(jaxpr, bufs[:len(closed.consts)])
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # as jit runs programs
        warnings.simplefilter("error")
        got = exe(bufs)
    return exe, [np.asarray(e) for e in expected], [np.asarray(g) for g in got]


def assert_close(expected, got, ulps=4, atol=0.0, rtol=0.0):
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if not is_float(got.dtype):  # (bfloat16's NumPy kind is "V")
        np.testing.assert_array_equal(got, expected)
        return
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg="NaN positions")
    inf = np.isinf(expected) | np.isinf(got)
    np.testing.assert_array_equal(got[inf], expected[inf], err_msg="infinities")
    ok = ~(np.isnan(expected) | inf)
    g, e = got[ok].astype(np.float64), expected[ok].astype(np.float64)
    tol = ulps * np.spacing(np.maximum(np.abs(e), np.abs(g)).astype(expected.dtype)).astype(
        np.float64) + atol + rtol * np.abs(e)
    bad = np.abs(g - e) > tol
    if bad.any():
        i = np.flatnonzero(bad)[:5]
        raise AssertionError(f"{bad.sum()} mismatches, e.g. expected {e[i]} got {g[i]}")


def check(f, *args, ulps=4, atol=0.0, rtol=0.0, kernels=None):
    exe, expected, got = run_both(f, *args)
    assert len(expected) == len(got)
    for e, g in zip(expected, got):
        assert_close(e, g, ulps, atol, rtol)
    if kernels is not None:
        assert len(exe.kernels) == kernels, exe.plan.stats
    return exe


def special_floats(dtype, n=1000, seed=0):
    rs = np.random.RandomState(seed)
    fi = np.finfo(dtype)
    specials = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, np.inf, -np.inf, np.nan,
                         fi.tiny, -fi.tiny, fi.tiny / 4, fi.max, -fi.max, fi.eps, 1e-7, 88.5,
                         -88.5, 100.0, -120.0, 709.0, -745.0, 1e5, 3e6, np.pi, -np.pi / 2],
                        np.float64)
    with np.errstate(over="ignore"):
        values = np.concatenate([specials, rs.standard_normal(n // 2) * 3,
                                 rs.standard_normal(n // 2) * 50]).astype(dtype)
    return values

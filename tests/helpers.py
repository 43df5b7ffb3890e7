"""Input builders shared by the test files (tests/ is on sys.path under pytest)."""
import numpy as np

from pyjax._src.array import ArrayImpl


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


def arr(x, weak=False):
    """A concrete pyjax Array holding ``x``."""
    return ArrayImpl(np.asarray(x), weak)

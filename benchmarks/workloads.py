"""Benchmark workloads, each written once as a function of a namespace ``ns``.

A workload receives ``ns`` (see ``harness.make_namespace``) and returns a zero-argument
callable: everything before the ``return`` is setup and is not timed; the callable is
what gets timed (its result is ``block_until_ready``-ed).  ``ns`` has:

    ns.name        "pyjax", "jax" or "numpy"
    ns.jax         the jax-like top module (pyjax or jax; None for numpy)
    ns.jnp         jax.numpy-like module (numpy itself for the NumPy column)
    ns.lax, ns.random, ns.tree_util (None for numpy)
    ns.jit, ns.grad, ns.vmap, ns.make_jaxpr (jit is the identity for numpy;
                   grad/vmap/make_jaxpr are None for numpy)
    ns.np          numpy, always
    ns.float32     the float32 dtype

Register with ``@workload(...)``:

    numpy="same"      the same function also runs with ns = the NumPy namespace
    numpy=<function>  a separate NumPy version (same signature)
    numpy=None        no NumPy column

Workload modules must not import jax or pyjax themselves: the same file is loaded by the
JAX subprocess and by the pyjax process.
"""
from __future__ import annotations

REGISTRY = {}


class Workload:
    def __init__(self, name, fn, numpy=None, description="", tags=(), slow=False, memory=False):
        self.name = name
        self.slow = slow  # a call takes seconds on some side: time a few single calls
        self.memory = memory  # measure the peak memory one call adds, not its time
        self.fn = fn
        self.numpy = numpy
        self.description = description or (fn.__doc__ or "").strip().split("\n")[0]
        self.tags = tuple(tags)

    def numpy_fn(self):
        if self.numpy == "same":
            return self.fn
        return self.numpy if callable(self.numpy) else None


def workload(name=None, numpy=None, description="", tags=(), slow=False, memory=False):
    """Decorator: register a workload (see the module docstring)."""
    def deco(fn):
        wname = name or fn.__name__
        if wname in REGISTRY:
            raise ValueError("duplicate workload %r" % wname)
        REGISTRY[wname] = Workload(wname, fn, numpy=numpy, description=description, tags=tags,
                                   slow=slow, memory=memory)
        return fn
    return deco


# --------------------------------------------------------------------------- dispatch overhead

@workload(numpy="same", tags=("dispatch",))
def eager_sin_3(ns):
    """eager jnp.sin on a 3-element float32 array"""
    x = ns.jnp.asarray([1.0, 2.0, 3.0], dtype=ns.float32)
    sin = ns.jnp.sin
    return lambda: sin(x)


@workload(numpy="same", tags=("dispatch", "jit"))
def jit_cache_hit_3(ns):
    """jit(lambda x: x * 2 + 1) cache-hit call on a 3-element float32 array"""
    f = ns.jit(lambda x: x * 2 + 1)
    x = ns.jnp.asarray([1.0, 2.0, 3.0], dtype=ns.float32)
    f(x)  # compile outside the timing
    return lambda: f(x)


def _chain50(ns):
    jnp = ns.jnp

    def fn(x):
        for i in range(50):
            r = i % 5
            if r == 0:
                x = x * 1.01
            elif r == 1:
                x = jnp.sin(x)
            elif r == 2:
                x = x + 0.5
            elif r == 3:
                x = jnp.exp(-x)
            else:
                x = jnp.tanh(x)
        return x
    return fn


@workload(tags=("tracing",))
def make_jaxpr_50ops(ns):
    """make_jaxpr of a 50-op elementwise function of a (128,) float32 array"""
    fn = _chain50(ns)
    x = ns.jnp.ones((128,), dtype=ns.float32)
    mk = ns.make_jaxpr
    return lambda: mk(fn)(x)

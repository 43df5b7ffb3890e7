"""Kernels split over threads (compiler/runtime.py, llvm/threads.py): every split call gives
the single-threaded call's bits, from the native pool and from the Python workers, with
several Python threads calling kernels at once, and after fork()."""
import os
import platform
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax._src.compiler import runtime
from pyjax._src.primitives import elementwise as ew
from compiler_helpers import arr, check

pytestmark = pytest.mark.usefixtures("strict_kernels")


def _single(call, *ins):
    """A kernel's outputs computed by one call over its whole range (no threads)."""
    outs = [np.empty(s, d) for s, d in call.out_specs]
    call.fn((*ins, *outs), 0, call.layout.dims[0], 0)
    return outs


def test_threads_and_chunks_agree():
    x = np.random.RandomState(20).standard_normal((2000, 1100)).astype(np.float32)
    exe = check(lambda a: ew.mul_p.bind(ew.tanh_p.bind(a), a), arr(x), ulps=4, kernels=1)
    call = exe.kernels[0][1]
    assert call.n_chunks > 1
    (want,) = _single(call, x)
    for _ in range(20):
        np.testing.assert_array_equal(want, exe([x])[0])
    # The Python workers (where the native pool cannot run) split the same way.
    outs = [np.empty(s, d) for s, d in call.out_specs]
    runtime.run_ranges(call.fn, (x, *outs), call.ranges)
    np.testing.assert_array_equal(want, outs[0])


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="the native pool is x86-64 Linux code; elsewhere Python threads")
def test_native_pool_runs_split_kernels():
    x = np.linspace(-5, 5, 3_000_001).astype(np.float32)
    exe = check(lambda a: ew.add_p.bind(ew.mul_p.bind(ew.sin_p.bind(a), np.float32(2)), a),
                arr(x), ulps=4, kernels=1)
    pool = runtime._native_pool()
    assert pool is not None and len(pool.threads) == runtime.NUM_THREADS - 1
    (want,) = _single(exe.kernels[0][1], x)
    np.testing.assert_array_equal(exe([x])[0], want)


def test_split_reductions_are_deterministic():
    x = np.random.RandomState(3).standard_normal((4096, 700)).astype(np.float32)
    f = pyjax.jit(lambda a: (jnp.sum(a * a, axis=0), jnp.argmax(a, axis=0), jnp.max(a)))
    first = [np.asarray(r) for r in f(x)]
    np.testing.assert_allclose(first[0], (x.astype(np.float64) ** 2).sum(0), rtol=1e-6)
    np.testing.assert_array_equal(first[1], x.argmax(0))
    assert first[2] == x.max()
    for _ in range(10):
        for a, b in zip(first, f(x)):
            np.testing.assert_array_equal(a, np.asarray(b))


def test_python_threads_calling_kernels_at_once():
    f = pyjax.jit(lambda a, k: jnp.tanh(a * k) + jnp.sum(a))
    x = np.random.RandomState(4).standard_normal(1_500_000).astype(np.float32)
    want = {k: np.asarray(f(x, np.float32(k))) for k in range(4)}
    errors = []

    def worker(k):
        try:
            for _ in range(15):
                np.testing.assert_array_equal(np.asarray(f(x, np.float32(k))), want[k])
        except BaseException as e:
            errors.append(e)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_kernels_run_after_fork():
    script = textwrap.dedent("""
        import os, numpy as np, pyjax, pyjax.numpy as jnp
        f = pyjax.jit(lambda a: jnp.exp(-a * a).sum())
        x = np.linspace(-3, 3, 4_000_000).astype(np.float32)
        before = float(f(x))
        pid = os.fork()
        if pid == 0:
            os._exit(0 if float(f(x)) == before else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), before)
    """)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(__file__)))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    code, value = r.stdout.split()
    assert code == "0"
    assert abs(float(value) / (4e6 / 6) - np.sqrt(np.pi)) < 1e-3  # a Riemann sum


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="the native pool is x86-64 Linux code")
def test_workers_stop_at_exit_and_kernels_still_run():
    script = textwrap.dedent("""
        import numpy as np, pyjax, pyjax.numpy as jnp
        from pyjax._src.compiler import runtime
        f = pyjax.jit(lambda a: jnp.cos(a) * a)
        x = np.linspace(-3, 3, 4_000_000).astype(np.float32)
        before = np.asarray(f(x))
        pool = runtime._native_pool()
        assert pool.threads
        pool.stop()  # what exit does
        assert not pool.threads
        assert np.array_equal(np.asarray(f(x)), before)  # the caller runs every chunk
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(__file__)))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr

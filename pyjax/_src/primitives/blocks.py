"""Blocked, multi-threaded NumPy loops and per-thread scratch buffers.

Big elementwise NumPy pipelines (the Threefry hash, XLA's float kernels) run block by block so
that their temporaries stay in cache, and on two threads for big arrays (NumPy releases the GIL
inside its loops).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Elements per block: a few uint32 blocks fit in L2, and NumPy's per-call cost is amortised.
BLOCK = 1 << 15
# Arrays at least this big are split between threads.
_PARALLEL_MIN = 1 << 18
_NUM_THREADS = max(1, min(2, os.cpu_count() or 1))
_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(_NUM_THREADS, thread_name_prefix="pyjax-blocks")
    return _pool


def for_blocks(n, body, block=BLOCK):
    """Run ``body(start, stop)`` over [0, n) in blocks; big ranges on several threads.

    Blocks never straddle a multiple of 2**32 (``block`` divides 2**32), so the high counter
    word is constant within a block. ``body`` must only write its own slice of the outputs.
    """
    starts = range(0, n, block)
    if n < _PARALLEL_MIN or _NUM_THREADS == 1 or getattr(_scratch, "in_pool", False):
        for s in starts:
            body(s, min(n, s + block))
        return
    chunks = [starts[i::_NUM_THREADS] for i in range(_NUM_THREADS)]

    def run(chunk):
        _scratch.in_pool = True  # nested calls from a worker run serially (no deadlock)
        try:
            for s in chunk:
                body(s, min(n, s + block))
        finally:
            _scratch.in_pool = False

    futures = [_executor().submit(run, c) for c in chunks[1:]]
    try:
        run(chunks[0])
    finally:
        for f in futures:
            f.result()


_scratch = threading.local()


def scratch(name, size, dtype=np.uint32):
    """A per-thread reusable buffer of at least ``size`` elements (its first ``size``)."""
    key = (name, np.dtype(dtype).str)
    bufs = getattr(_scratch, "bufs", None)
    if bufs is None:
        bufs = _scratch.bufs = {}
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(max(size, BLOCK), dtype)
    return buf[:size]

"""Running compiled kernels: buffers, calls through ctypes, threads, partial reductions.

A kernel is called as ``fn(buffers, start, stop, chunk)`` (see llvm/emit.py) with ``buffers``
a tuple of NumPy arrays: the kernel reads each array's data pointer from the object (its layout
is checked once here), which makes a call cost about as much as one small NumPy operation.
ctypes releases the GIL for the call, so the chunks of a big kernel run on worker threads
(os.cpu_count() in all, the calling thread included).

Partial reductions: when a kernel reduces its outermost loop dimension and is split, chunk c
writes its partial results to slot c of a (chunks, ...) buffer; the partials are combined here,
in chunk order. The number of chunks depends only on the shapes, never on the number of threads,
so results do not depend on the machine's core count.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import platform
import sys
import threading
import warnings

import numpy as np

from pyjax._src import dtypes
from pyjax._src.compiler import kernel as kmod
from pyjax._src.compiler.llvm.emit import acc_dtype, reduction_identity

TUPLE_ITEM_OFFSET = tuple.__basicsize__   # offsetof(PyTupleObject, ob_item)
ARRAY_DATA_OFFSET = object.__basicsize__  # offsetof(PyArrayObject_fields, data)

NUM_THREADS = max(1, os.cpu_count() or 1)
PARALLEL_WORK = 1 << 19   # (elements x ops) above which a kernel is split over threads
CHUNK_WORK = 1 << 20      # work per chunk of a split reduced dimension
MAX_CHUNKS = 16
CHUNKS_PER_THREAD = 4     # chunks of a split elementwise kernel, per thread (load balance)
NATIVE_POOL = os.environ.get("PYJAX_NATIVE_THREADS", "1") != "0"
UPGRADE_AFTER = 8         # calls after which a kernel's fast-generated code is replaced

_KERNEL_TYPE = ctypes.CFUNCTYPE(None, ctypes.py_object, ctypes.c_int64, ctypes.c_int64,
                                ctypes.c_int64)


def abi_ok():
    """Whether tuple items and array data pointers sit where the kernels read them."""
    a = np.arange(3.0)
    t = (a, a)
    item = ctypes.c_void_p.from_address(id(t) + TUPLE_ITEM_OFFSET + 8).value
    data = ctypes.c_void_p.from_address(id(a) + ARRAY_DATA_OFFSET).value
    return item == id(a) and data == a.ctypes.data


class _Worker:
    """A Python thread that runs chunks of kernels handed to it (where the native pool is not
    available); two locks used as binary semaphores make a hand-off cheaper than a thread
    pool's futures and queues."""

    def __init__(self, n):
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.job, self.error = None, None
        threading.Thread(target=self._loop, name=f"pyjax-kernel-{n}", daemon=True).start()

    def _loop(self):
        while True:
            self.go.acquire()
            job = self.job
            try:
                job()
            except BaseException as exc:  # handed back to the caller
                self.error = exc
            finally:
                self.job = None
                self.done.release()

    def start(self, job):
        self.job = job
        self.go.release()

    def wait(self):
        self.done.acquire()
        if self.error is not None:
            exc, self.error = self.error, None
            raise exc


class _NativePool:
    """The native thread pool (llvm/threads.py): one ctypes call runs a whole kernel."""

    def __init__(self):
        from pyjax._src.compiler import llvm
        from pyjax._src.compiler.llvm import threads
        addrs = llvm.build_thread_pool()
        self.mem = (ctypes.c_int64 * threads.WORDS)()
        self.run = _POOL_RUN_TYPE(addrs["pjpool_run"])
        libc = ctypes.CDLL(None)
        create = libc.pthread_create
        create.argtypes = [ctypes.c_void_p] * 4
        create.restype = ctypes.c_int
        self.threads = []
        for _ in range(NUM_THREADS - 1):
            tid = ctypes.c_ulong()
            if create(ctypes.addressof(tid), None, addrs["pjpool_worker"],
                      ctypes.addressof(self.mem)) == 0:
                self.threads.append(tid)
        self._stop = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(addrs["pjpool_stop"])
        self._join = libc.pthread_join
        self._join.argtypes = [ctypes.c_ulong, ctypes.c_void_p]
        self.pid = os.getpid()
        atexit.register(self.stop)

    def stop(self):
        """Make the workers return (at exit: the code they run is about to be unloaded)."""
        if os.getpid() != self.pid:  # a forked child has no workers
            return
        self._stop(ctypes.addressof(self.mem))
        for tid in self.threads:
            self._join(tid.value, None)
        self.threads = []

    def __call__(self, addr, bufs, ranges, n):
        self.run(ctypes.addressof(self.mem), addr, bufs, ranges, n)


_POOL_RUN_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.py_object,
                                  ctypes.c_void_p, ctypes.c_int64)
_workers = None
_pool = None
_workers_lock = threading.Lock()  # one kernel at a time uses the workers


def _native_pool():
    """The native pool, or None where it cannot run (it is x86-64 Linux code)."""
    global _pool
    if _pool is None:
        _pool = False
        if NATIVE_POOL and sys.platform == "linux" and platform.machine() == "x86_64":
            try:
                _pool = _NativePool()
            except Exception as e:  # the Python workers still work
                warnings.warn(f"pyjax: native kernel threads unavailable ({e})", RuntimeWarning)
    return _pool or None


def _get_workers():
    global _workers
    if _workers is None:
        _workers = [_Worker(n) for n in range(1, NUM_THREADS)]
    return _workers


def run_ranges(fn, bufs, ranges, addr=None, packed=None):
    """Call fn on every (start, stop, chunk), spread over the threads: each thread takes the
    next chunk not yet taken, so a worker that wakes up late does less (the results do not
    depend on which thread runs which chunk). ``addr``/``packed``: fn's address and the
    ranges as a ctypes array of int64 triples, for the native pool."""
    if len(ranges) == 1 or NUM_THREADS == 1 or not _workers_lock.acquire(blocking=False):
        for s, e, c in ranges:  # (also when another thread's kernel has the workers)
            fn(bufs, s, e, c)
        return
    try:
        pool = _native_pool() if packed is not None else None
        if pool is not None:
            pool(addr, bufs, packed, len(ranges))
            return
        todo = iter(ranges)  # shared: next() on a list iterator is atomic under the GIL

        def drain():
            for s, e, c in todo:
                fn(bufs, s, e, c)
        started = _get_workers()[:len(ranges) - 1]
        for w in started:
            w.start(drain)
        try:
            drain()
        finally:
            for w in started:
                w.wait()
    finally:
        _workers_lock.release()


def _split(n, parts, align):
    """[start, stop) ranges covering [0, n) in ``parts`` pieces (boundaries multiples of
    ``align``)."""
    step = -(-n // parts)
    step = -(-step // align) * align
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def _ufunc_of(kind):
    return {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum,
            "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[kind]


class LoopCall:
    """A native loop (compiler/loops.py) as a callable: ``results = call(*operands)``."""

    def __init__(self, spec, addr):
        self.fn = _KERNEL_TYPE(addr)
        self.addr = addr
        self.out_specs = [(tuple(v.aval.shape), np.dtype(v.aval.dtype)) for v in spec.out_vars]
        # Array loops (loops_array.py) also take scratch buffers and constant arrays.
        self.scratch = getattr(spec, "scratch", [])
        self.folds = tuple(getattr(spec, "folds", ()))

    def __call__(self, *ins):
        outs = [np.empty(s, d) for s, d in self.out_specs]
        scratch = [np.empty(s, d) for s, d in self.scratch]
        self.fn((*ins, *outs, *scratch, *self.folds), 0, 1, 0)
        return outs


class KernelCall:
    """A compiled kernel as a callable: ``outputs = call(*inputs)``."""

    def __init__(self, spec, addr, layout, lanes, upgrade=None):
        kir = spec.kir
        self.fn = _KERNEL_TYPE(addr)
        self.addr = addr
        # () -> address of better code for the kernel (llvm.upgrade), taken after a few calls.
        self.upgrade, self.calls = upgrade, 0
        self.lanes = lanes
        self.layout = layout
        self.out_specs = [(kir.shape, np.dtype(v.aval.dtype)) for v in spec.out_vars]
        self.red_specs = []
        for r, v in zip(kir.reductions, spec.red_vars):
            self.red_specs.append((r, tuple(v.aval.shape)))
        self.empty = layout.size == 0
        dims, reduced = layout.dims, layout.reduced
        d0 = dims[0]
        work = kmod.kernel_work(kir)
        has_red = bool(kir.reductions) and any(reduced)
        self.partial = has_red and reduced[0]
        align = 64 if len(dims) == 1 else 1
        if self.partial:
            chunks = min(MAX_CHUNKS, d0, max(1, work // CHUNK_WORK))
        elif NUM_THREADS > 1 and work >= PARALLEL_WORK and d0 > 1:
            chunks = NUM_THREADS * CHUNKS_PER_THREAD
        else:
            chunks = 1
        self.ranges = [(s, e, c) for c, (s, e) in enumerate(_split(d0, chunks, align))] \
            if d0 else [(0, 0, 0)]
        self.n_chunks = len(self.ranges)
        self.packed = (ctypes.c_int64 * (3 * self.n_chunks))(
            *[x for r in self.ranges for x in r]) if self.n_chunks > 1 else None

    def _reduction_buffers(self):
        bufs, results = [], []
        lay = self.layout
        for r, shape in self.red_specs:
            if self.partial:
                vshape = (self.n_chunks, lay.red_size)
            else:
                vshape = shape
            vb = np.empty(vshape, acc_dtype(r))
            bufs.append(vb)
            ib = None
            if r.index_dtype is not None:
                ib = np.empty(vshape, r.index_dtype)
                bufs.append(ib)
            results.append((r, shape, vb, ib))
        return bufs, results

    def _count_call(self):
        self.calls += 1
        if self.calls >= UPGRADE_AFTER:
            upgrade, self.upgrade = self.upgrade, None
            try:
                self.addr = upgrade()
                self.fn = _KERNEL_TYPE(self.addr)
            except Exception as e:  # the fast code keeps working
                warnings.warn(f"pyjax compiler: kernel upgrade failed ({e})", RuntimeWarning)

    def __call__(self, *ins):
        if self.upgrade is not None:
            self._count_call()
        outs = [np.empty(s, d) for s, d in self.out_specs]
        if self.empty:
            reds = []
            for r, shape in self.red_specs:
                if r.index_dtype is not None:
                    reds.append(np.zeros(shape, r.index_dtype))
                else:
                    reds.append(np.full(shape, reduction_identity(r.kind, r.dtype), r.dtype))
            return outs + reds
        rbufs, results = self._reduction_buffers()
        bufs = (*ins, *outs, *rbufs)
        run_ranges(self.fn, bufs, self.ranges, self.addr, self.packed)
        for r, shape, vb, ib in results:
            outs.append(self._finish(r, shape, vb, ib))
        return outs

    def _finish(self, r, shape, vb, ib):
        if ib is None and self.partial:
            if self.n_chunks > 1:
                with np.errstate(all="ignore"):
                    vb = _ufunc_of(r.kind).reduce(vb, axis=0, dtype=vb.dtype)
            vb = vb.reshape(shape)
        if ib is None:
            return vb if vb.dtype == r.dtype else vb.astype(r.dtype)
        if not self.partial:
            return ib
        if self.n_chunks == 1:
            return ib.reshape(shape)
        # argmax/argmin: earlier chunks win ties; NaN beats numbers.
        best_v, best_i = vb[0].copy(), ib[0].copy()
        for c in range(1, self.n_chunks):
            v, i = vb[c], ib[c]
            with np.errstate(invalid="ignore"):
                if r.kind == "argmax":
                    better = v > best_v
                else:
                    better = v < best_v
                if dtypes.issubdtype(vb.dtype, np.floating):  # bfloat16's kind is "V"
                    better |= np.isnan(v) & ~np.isnan(best_v)
            best_v = np.where(better, v, best_v)
            best_i = np.where(better, i, best_i)
        return best_i.reshape(shape)


"""LLVM code generation for fused kernels (the only place, with compiler/, that uses llvmlite).

``build(specs)`` turns KernelSpecs into native functions: kernels already compiled in this
process are reused (cache keyed by the kernel IR's text: structure, dtypes, shapes, constants,
never data); the others are emitted into one module, looked up in the disk cache by the
module's key, or optimised and compiled to object code (and stored there).
"""
from __future__ import annotations

import hashlib
import threading
import time

from pyjax._src.compiler import kernel as kmod
from pyjax._src.compiler.llvm import emit, emit_loop, irtext, target

_memory = {}          # kernel key -> (address, layout, lanes, final)
# Kernels are first compiled with LLVM's fast code generator (a third of the compile time; the
# code runs ~10% slower). Those doing at least this much work per call (element-operations)
# are compiled again with the full one once they have run a few times (runtime.KernelCall);
# the others never win the difference back.
FAST_CODEGEN_WORK = 1 << 22
_lock = threading.Lock()
stats = {"compiled_modules": 0, "disk_hits": 0, "memory_hits": 0, "compile_seconds": 0.0,
         "upgrades": 0}


def kernel_key(kir):
    return hashlib.sha256(kir.text().encode()).hexdigest()


def _unit(spec):
    """(key, layout, lanes, emitter, worth upgrading?) of a KernelSpec or a LoopSpec."""
    if hasattr(spec, "kir"):
        layout = kmod.Layout(spec.kir)
        lanes = emit.choose_lanes(spec.kir, layout)
        return (kernel_key(spec.kir), layout, lanes,
                lambda mod, name, offsets: emit.emit_kernel(mod, spec.kir, layout, name, lanes,
                                                            *offsets),
                kmod.kernel_work(spec.kir) >= FAST_CODEGEN_WORK)
    # Native loops: their trip counts are unknown, and they are small: full code at once.
    return (hashlib.sha256(spec.text().encode()).hexdigest(), None, 1,
            lambda mod, name, offsets: emit_loop.emit_loop(mod, spec, name, *offsets), None)


def module_text(units, offsets):
    """The IR of a module holding ``units``: [(name, emitter)]."""
    mod = irtext.Module()
    for name, emitter in units:
        emitter(mod, name, offsets)
    return mod.text()


def build(specs, offsets):
    """[(address, layout, lanes, final)] of each spec's function (kernel or loop); ``final``
    is False for a kernel whose fast-generated code ``upgrade`` can replace."""
    results = [None] * len(specs)
    missing = {}
    with _lock:
        for i, spec in enumerate(specs):
            key, layout, lanes, emitter, upgradable = _unit(spec)
            hit = _memory.get(key)
            if hit is not None:
                stats["memory_hits"] += 1
                results[i] = hit
            else:
                missing.setdefault(key, (layout, lanes, emitter, upgradable, []))[4].append(i)
        for fast in (True, False):  # loops get full code at once
            keys = sorted(k for k, m in missing.items() if (m[3] is not None) == fast)
            if keys:
                addrs = _build_module(keys, missing, offsets, fast)
                for key in keys:
                    layout, lanes, _, upgradable, _ = missing[key]
                    _memory[key] = (addrs[key], layout, lanes, not (fast and upgradable))
        for key, (*_, where) in missing.items():
            for i in where:
                results[i] = _memory[key]
        return results


def upgrade(spec, offsets):
    """The address of ``spec``'s kernel compiled with the full code generator (which later
    builds of the same kernel then reuse)."""
    with _lock:
        key, layout, lanes, emitter, _ = _unit(spec)
        hit = _memory.get(key)
        if hit is not None and hit[3]:
            return hit[0]
        addr = _build_module([key], {key: (layout, lanes, emitter)}, offsets, False)[key]
        _memory[key] = (addr, layout, lanes, True)
        stats["upgrades"] += 1
        return addr


def _build_module(keys, units, offsets, fast):
    """{key: address} of the functions of ``units`` ({key: (layout, lanes, emitter, ...)})
    compiled as one module (or loaded from the disk cache)."""
    mkey = target.cache_key(keys + [repr(offsets), "fast" if fast else "full"])
    names = {key: f"pjk_{key[:24]}_{mkey[:8]}" for key in keys}
    obj = target.disk_get(mkey)
    if obj is not None:
        stats["disk_hits"] += 1
    else:
        t0 = time.perf_counter()
        text = module_text([(names[k], units[k][2]) for k in keys], offsets)
        obj, _ = target.compile_ir(text, fast_codegen=fast)
        stats["compile_seconds"] += time.perf_counter() - t0
        stats["compiled_modules"] += 1
        target.disk_put(mkey, obj)
    addrs = target.load_object(obj, list(names.values()))
    out = {}
    for key in keys:
        if not addrs.get(names[key]):
            raise RuntimeError(f"kernel {names[key]} missing from its object code")
        out[key] = addrs[names[key]]
    return out


def kernel_ir_text(spec, offsets):
    """The LLVM IR of one kernel or loop (unoptimised, as emitted), for introspection."""
    return module_text([("kernel", _unit(spec)[3])], offsets)


def build_thread_pool():
    """{name: address} of the native thread pool's functions (llvm/threads.py)."""
    from pyjax._src.compiler.llvm import threads
    with _lock:
        key = target.cache_key(["thread pool", threads.IR])
        obj = target.disk_get(key)
        if obj is None:
            obj, _ = target.compile_ir(threads.IR)
            target.disk_put(key, obj)
        return target.load_object(obj, ["pjpool_worker", "pjpool_run", "pjpool_stop"])

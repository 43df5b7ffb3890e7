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

_memory = {}          # kernel key -> (address, layout, lanes)
# Kernels doing less work per call than this (element-operations) get LLVM's fast code
# generator: it takes a third of the time and its code is ~10% slower, which such kernels
# never win back.
FAST_CODEGEN_WORK = 1 << 22
_lock = threading.Lock()
stats = {"compiled_modules": 0, "disk_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}


def kernel_key(kir):
    return hashlib.sha256(kir.text().encode()).hexdigest()


def _unit(spec):
    """(key, layout, lanes, emitter, fast codegen?) of a KernelSpec or a LoopSpec."""
    if hasattr(spec, "kir"):
        layout = kmod.Layout(spec.kir)
        lanes = emit.choose_lanes(spec.kir, layout)
        fast = kmod.kernel_work(spec.kir) < FAST_CODEGEN_WORK
        return (kernel_key(spec.kir), layout, lanes,
                lambda mod, name, offsets: emit.emit_kernel(mod, spec.kir, layout, name, lanes,
                                                            *offsets), fast)
    return (hashlib.sha256(spec.text().encode()).hexdigest(), None, 1,
            lambda mod, name, offsets: emit_loop.emit_loop(mod, spec, name, *offsets), False)


def module_text(units, offsets):
    """The IR of a module holding ``units``: [(name, emitter)]."""
    mod = irtext.Module()
    for name, emitter in units:
        emitter(mod, name, offsets)
    return mod.text()


def build(specs, offsets):
    """[(address, layout, lanes)] of each spec's function (kernel or loop)."""
    results = [None] * len(specs)
    missing = {}
    with _lock:
        for i, spec in enumerate(specs):
            key, layout, lanes, emitter, fast = _unit(spec)
            hit = _memory.get(key)
            if hit is not None:
                stats["memory_hits"] += 1
                results[i] = hit
            else:
                missing.setdefault(key, (layout, lanes, emitter, fast, []))[4].append(i)
        for fast in (True, False):  # one module per code generator
            keys = sorted(k for k, m in missing.items() if m[3] == fast)
            if keys:
                _build_module(keys, missing, offsets, fast)
        for key, (*_, where) in missing.items():
            for i in where:
                results[i] = _memory[key]
        return results


def _build_module(keys, missing, offsets, fast):
    mkey = target.cache_key(keys + [repr(offsets), "fast" if fast else "full"])
    names = {key: f"pjk_{key[:24]}_{mkey[:8]}" for key in keys}
    obj = target.disk_get(mkey)
    if obj is not None:
        stats["disk_hits"] += 1
    else:
        t0 = time.perf_counter()
        text = module_text([(names[k], missing[k][2]) for k in keys], offsets)
        obj, _ = target.compile_ir(text, fast_codegen=fast)
        stats["compile_seconds"] += time.perf_counter() - t0
        stats["compiled_modules"] += 1
        target.disk_put(mkey, obj)
    addrs = target.load_object(obj, list(names.values()))
    for key in keys:
        if not addrs.get(names[key]):
            raise RuntimeError(f"kernel {names[key]} missing from its object code")
        layout, lanes = missing[key][:2]
        _memory[key] = (addrs[names[key]], layout, lanes)


def kernel_ir_text(spec, offsets):
    """The LLVM IR of one kernel or loop (unoptimised, as emitted), for introspection."""
    return module_text([("kernel", _unit(spec)[3])], offsets)

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
from pyjax._src.compiler.llvm import emit, irtext, target

_memory = {}          # kernel key -> (address, layout, lanes)
_lock = threading.Lock()
stats = {"compiled_modules": 0, "disk_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}


def kernel_key(kir):
    return hashlib.sha256(kir.text().encode()).hexdigest()


def module_text(items, offsets):
    """The IR of a module holding ``items``: [(name, kir, layout, lanes)]."""
    mod = irtext.Module()
    for name, kir, layout, lanes in items:
        emit.emit_kernel(mod, kir, layout, name, lanes, *offsets)
    return mod.text()


def build(specs, offsets):
    """[(address, layout, lanes)] of each spec's kernel."""
    results = [None] * len(specs)
    missing = []
    with _lock:
        for i, spec in enumerate(specs):
            key = kernel_key(spec.kir)
            hit = _memory.get(key)
            if hit is not None:
                stats["memory_hits"] += 1
                results[i] = hit
            else:
                missing.append((i, key, spec))
        if not missing:
            return results
        keys = sorted({key for _, key, _ in missing})
        mkey = target.cache_key(keys + [repr(offsets)])
        items, names = [], {}
        for key in keys:
            spec = next(s for _, k, s in missing if k == key)
            layout = kmod.Layout(spec.kir)
            lanes = emit.choose_lanes(spec.kir, layout)
            name = f"pjk_{key[:24]}_{mkey[:8]}"
            names[key] = (name, layout, lanes)
            items.append((name, spec.kir, layout, lanes))
        obj = target.disk_get(mkey)
        if obj is not None:
            stats["disk_hits"] += 1
        else:
            t0 = time.perf_counter()
            obj, _ = target.compile_ir(module_text(items, offsets))
            stats["compile_seconds"] += time.perf_counter() - t0
            stats["compiled_modules"] += 1
            target.disk_put(mkey, obj)
        addrs = target.load_object(obj, [n for n, _, _ in names.values()])
        for key, (name, layout, lanes) in names.items():
            if not addrs.get(name):
                raise RuntimeError(f"kernel {name} missing from its object code")
            _memory[key] = (addrs[name], layout, lanes)
        for i, key, _ in missing:
            results[i] = _memory[key]
        return results


def kernel_ir_text(spec, offsets):
    """The LLVM IR of one kernel (unoptimised, as emitted), for introspection."""
    layout = kmod.Layout(spec.kir)
    lanes = emit.choose_lanes(spec.kir, layout)
    return module_text([("kernel", spec.kir, layout, lanes)], offsets)

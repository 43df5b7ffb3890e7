"""LLVM through llvmlite: optimising modules, emitting object code, loading it for execution.

Every module is optimised (O3 pipeline; our vector code is explicit, so the loop vectoriser is
off to save compile time), emitted as an object file for the host CPU, and loaded into one MCJIT
engine. Object files are also what the disk cache stores: a later process loads them without
running LLVM's optimiser or code generator at all.
"""
from __future__ import annotations

import hashlib
import os
import threading

_lock = threading.RLock()
_state = None


class _State:
    def __init__(self):
        import llvmlite
        import llvmlite.binding as llvm
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        self.llvm = llvm
        self.cpu = llvm.get_host_cpu_name()
        self.features = llvm.get_host_cpu_features().flatten()
        self.triple = llvm.get_process_triple()
        target = llvm.Target.from_triple(self.triple)
        # Instruction selection and register allocation at full strength, or the fast ones
        # (a third of the time; kernels run ~10% slower) for kernels too small to notice.
        self.tm, self.tm_fast = (
            target.create_target_machine(cpu=self.cpu, features=self.features, opt=level,
                                         reloc="default", codemodel="jitdefault")
            for level in (3, 0))
        backing = llvm.parse_assembly("")
        backing.triple = self.triple
        self.engine = llvm.create_mcjit_compiler(backing, self.tm)
        self.fingerprint = "|".join([llvmlite.__version__, str(llvm.llvm_version_info),
                                     self.triple, self.cpu, self.features])


def state():
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _State()
    return _state


def fingerprint():
    """What object code depends on besides the IR: LLVM version, CPU and its features."""
    return state().fingerprint


# Our IR is already vectorised, with loop invariants hoisted and common subexpressions shared,
# so a short pipeline does what the O3 one would, in a fraction of the time.
PIPELINE = ("always_inliner", "instruction_combine", "simplify_cfg", "new_gvn",
            "instruction_combine", "aggressive_dce", "loop_simplify", "loop_rotate",
            "instruction_combine", "loop_unroll")
FULL_PIPELINE = False  # the O3 pipeline instead (for comparison)


def compile_ir(text, opt_level=3, fast_codegen=False):
    """Object code of an LLVM IR module (text), and the optimised module."""
    st = state()
    llvm = st.llvm
    with _lock:
        mod = llvm.parse_assembly(f'target triple = "{st.triple}"\n'
                                  f'target datalayout = "{st.tm.target_data}"\n' + text)
        mod.verify()
        if FULL_PIPELINE:
            pto = llvm.create_pipeline_tuning_options(speed_level=opt_level)
            pto.loop_vectorization = False
            pto.slp_vectorization = False
            pb = llvm.create_pass_builder(st.tm, pto)
            pb.getModulePassManager().run(mod, pb)
        else:
            pb = llvm.create_pass_builder(st.tm, llvm.create_pipeline_tuning_options(0))
            mpm = llvm.create_new_module_pass_manager()
            for name in PIPELINE:
                getattr(mpm, f"add_{name}_pass")()
            mpm.run(mod, pb)
        return (st.tm_fast if fast_codegen else st.tm).emit_object(mod), mod


def optimized_ir(text, opt_level=3):
    """The optimised LLVM IR of a module, as text (for introspection)."""
    return str(compile_ir(text, opt_level)[1])


def load_object(obj, names):
    """Load object code into the engine; the addresses of the functions ``names``."""
    st = state()
    with _lock:
        st.engine.add_object_file(st.llvm.ObjectFileRef.from_data(obj))
        st.engine.finalize_object()
        return {n: st.engine.get_function_address(n) for n in names}


# ----------------------------------------------------------------------------------------------
# Disk cache of object files


def _source_digest():
    """A hash of the compiler's own source: cached objects die with any change to it."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256()
    for root in (here, os.path.join(here, "llvm")):
        for name in sorted(os.listdir(root)):
            if name.endswith(".py"):
                with open(os.path.join(root, name), "rb") as fh:
                    h.update(name.encode())
                    h.update(fh.read())
    iface = os.path.join(os.path.dirname(here), "codegen_interface.py")
    with open(iface, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


_digest = None


def cache_key(parts):
    global _digest
    if _digest is None:
        _digest = _source_digest()
    h = hashlib.sha256()
    h.update(_digest.encode())
    h.update(fingerprint().encode())
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()


def cache_dir():
    from pyjax._src.config import config
    d = config.pyjax_cache_dir
    if not d:
        d = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "pyjax")
    return d


def disk_get(key):
    from pyjax._src.config import config
    if not config.pyjax_disk_cache:
        return None
    path = os.path.join(cache_dir(), "kernels", key[:2], key + ".o")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def disk_put(key, obj):
    from pyjax._src.config import config
    if not config.pyjax_disk_cache:
        return
    d = os.path.join(cache_dir(), "kernels", key[:2])
    try:
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(obj)
        os.replace(tmp, os.path.join(d, key + ".o"))
    except OSError:  # a read-only or full disk only costs compile time
        pass


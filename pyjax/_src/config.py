"""Configuration flags, settable with ``config.update`` or ``JAX_*`` environment variables."""
import contextlib
import os


def _parse_bool(text):
    return text.strip().lower() in ("1", "true", "yes", "on", "t", "y")


class _Flag:
    __slots__ = ("name", "default", "parse", "affects_tracing", "help")

    def __init__(self, name, default, parse, affects_tracing, help):
        self.name, self.default, self.parse = name, default, parse
        self.affects_tracing, self.help = affects_tracing, help


class Config:
    """Holds every flag as a plain attribute so hot paths read it with one lookup.

    ``config.jax_enable_x64`` reads a flag; ``config.update("jax_enable_x64", True)`` sets it.
    Unknown names raise AttributeError.
    """

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_listeners", [])
        object.__setattr__(self, "_trace_ctx", None)
        # Incremented by every update, so caches keyed on flag values can notice changes.
        object.__setattr__(self, "epoch", 0)

    def define(self, name, default, help="", parse=_parse_bool, affects_tracing=False):
        self._flags[name] = _Flag(name, default, parse, affects_tracing, help)
        env = os.environ.get(name.upper())
        object.__setattr__(self, name, parse(env) if env is not None else default)

    def update(self, name, value):
        if name not in self._flags:
            raise AttributeError(f"Unrecognized config option: {name}")
        object.__setattr__(self, name, value)
        object.__setattr__(self, "_trace_ctx", None)
        object.__setattr__(self, "epoch", self.epoch + 1)
        for listener in self._listeners:
            listener(name, value)

    def read(self, name):
        if name not in self._flags:
            raise AttributeError(f"Unrecognized config option: {name}")
        return getattr(self, name)

    def __getattr__(self, name):  # only reached for names that are not flags
        raise AttributeError(f"Unrecognized config option: {name}")

    def __setattr__(self, name, value):
        raise AttributeError(f"Use config.update({name!r}, value) to change a flag.")

    @property
    def values(self):
        return {name: getattr(self, name) for name in self._flags}

    def trace_context(self):
        """The flag values a traced program depends on: part of every jit cache key."""
        ctx = self._trace_ctx
        if ctx is None:
            ctx = tuple(getattr(self, f.name) for f in self._flags.values() if f.affects_tracing)
            object.__setattr__(self, "_trace_ctx", ctx)
        return ctx

    def on_update(self, listener):
        self._listeners.append(listener)

    @contextlib.contextmanager
    def setting(self, name, value):
        """Temporarily set a flag: ``with config.setting("jax_enable_x64", True): ...``."""
        old = self.read(name)
        self.update(name, value)
        try:
            yield
        finally:
            self.update(name, old)


config = Config()
_define = config.define
_define("jax_enable_x64", False, "Enable 64-bit dtypes.", affects_tracing=True)
_define("jax_debug_nans", False, "Raise FloatingPointError when an operation produces a NaN.",
        affects_tracing=True)
_define("jax_debug_infs", False, "Raise FloatingPointError when an operation produces an inf.",
        affects_tracing=True)
_define("jax_disable_jit", False, "Run jitted functions op by op, without tracing.")
_define("jax_check_tracer_leaks", False, "Check for leaked tracers after each trace.")
_define("jax_numpy_rank_promotion", "allow", "allow, warn or raise on implicit rank promotion.",
        parse=str, affects_tracing=True)
_define("jax_numpy_dtype_promotion", "standard", "standard or strict dtype promotion.",
        parse=str, affects_tracing=True)
_define("jax_default_matmul_precision", None, "Default precision of matmuls.", parse=str,
        affects_tracing=True)
_define("jax_threefry_partitionable", True, "Use the partitionable threefry bit layout.",
        affects_tracing=True)
_define("jax_default_prng_impl", "threefry2x32", "Default PRNG implementation.", parse=str,
        affects_tracing=True)
_define("jax_high_dynamic_range_gumbel", False,
        "Gumbel samples draw two uniforms (mode='high') unless a mode is given.",
        affects_tracing=True)
_define("jax_enable_checks", False, "Run internal consistency checks.")
_define("jax_log_compiles", False, "Log each compilation.")
_define("jax_traceback_filtering", "auto", "How tracebacks are filtered.", parse=str)
_define("jax_platforms", None, "Comma-separated platforms to use.", parse=str)
_define("jax_platform_name", None, "Deprecated alias of jax_platforms.", parse=str)
_define("jax_compilation_cache_dir", None, "Where compiled kernels are cached on disk.", parse=str)
_define("jax_persistent_cache_min_compile_time_secs", 1.0, "", parse=float)
_define("jax_dynamic_shapes", False, "Unsupported; kept for compatibility.")
# Part of jit's cache key, so flipping it takes effect for functions already compiled.
_define("pyjax_use_interpreter", False,
        "Run jitted programs through the interpreter instead of the compiler (for bisecting).",
        affects_tracing=True)
_define("pyjax_cache_dir", None, "Directory of pyjax's on-disk kernel cache (None: default).",
        parse=str)
_define("pyjax_disk_cache", True, "Keep compiled kernels on disk across processes.")


@contextlib.contextmanager
def _flag_context(name, value=True):
    with config.setting(name, value):
        yield


def enable_x64(new_val=True):
    return _flag_context("jax_enable_x64", new_val)


def disable_jit(disable=True):
    return _flag_context("jax_disable_jit", disable)


def debug_nans(new_val=True):
    return _flag_context("jax_debug_nans", new_val)


def debug_infs(new_val=True):
    return _flag_context("jax_debug_infs", new_val)


def checking_leaks(new_val=True):
    return _flag_context("jax_check_tracer_leaks", new_val)

"""The dtype layer of pyjax: supported dtypes, x64 canonicalisation, weak types and
JAX's type-promotion lattice.

Every binary ``jnp`` operation computes its result dtype in two steps:

1. join the operands' *JAX types* on the promotion lattice, where a weakly typed
   operand (a Python scalar, or an array with ``weak_type=True``) is represented by
   its category node ``i*``/``f*``/``c*``;
2. canonicalise the join: ``i*``/``f*``/``c*`` become the default int/float/complex
   dtype (and the result is weak), and with x64 off 64-bit dtypes become 32-bit.

``result_type`` does both steps, ``promote_types`` only the first. Results are
cached per x64 mode and promotion mode, so the hot paths are dictionary look-ups.

Naming: the module-level dtype names (``float32``, ``bfloat16``, ``bool_`` ...) are
``np.dtype`` objects (so ``x.dtype == float32`` and ``{float32: ...}[x.dtype]`` both
work). The public ``pyjax.dtypes.bfloat16`` is the ml_dtypes scalar type, as in JAX.
"""
from __future__ import annotations

import functools
import warnings

import ml_dtypes
import numpy as np

from pyjax._src.config import config

__all__ = [
    "TypePromotionError", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16",
    "uint32", "uint64", "float16", "bfloat16", "float32", "float64", "complex64",
    "complex128", "float0", "extended", "prng_key", "canonicalize_dtype",
    "default_int_dtype", "default_uint_dtype", "default_float_dtype",
    "default_complex_dtype", "dtype", "is_weakly_typed", "is_python_scalar",
    "result_type", "promote_types", "to_inexact_dtype", "to_numeric_dtype",
    "to_complex_dtype", "to_floating_dtype", "check_user_dtype_supported", "issubdtype",
    "isdtype", "finfo", "iinfo", "short_dtype_name", "scalar_to_array",
    "python_scalar_dtypes", "scalar_type_of", "itemsize_bits", "supports_inf",
    "is_valid_dtype", "check_valid_dtype", "make_key_dtype", "is_key_dtype", "dtype_name",
]


class TypePromotionError(ValueError):
    """Raised when JAX type promotion fails."""


# ---------------------------------------------------------------------------
# Abstract scalar classes for extended dtypes (PRNG keys etc.)


class extended(np.generic):
    """Abstract scalar class of extended dtypes (never instantiated; for issubdtype)."""


class prng_key(extended):
    """Abstract scalar class of PRNG key dtypes (never instantiated; for issubdtype)."""


class ExtendedDType:
    """Base class of extended (non-NumPy) dtypes such as PRNG key types.

    Subclasses define ``type`` (a subclass of :class:`extended`) and ``name``.
    """
    type = extended
    name = "extended"


# PRNG key dtypes. A key array stores one key per element in a NumPy *structured* dtype with a
# single field named after the PRNG implementation's tag, holding the key words (threefry:
# ``np.dtype([('fry', '<u4', (2,))])``). So the buffer has exactly the key array's shape, and
# every structural primitive (reshape, broadcast, concatenate, gather, select, ...) works on
# keys unchanged. The display name is JAX's: ``key<fry>``.
_key_dtypes = {}  # np.dtype -> tag


def make_key_dtype(tag, key_shape):
    """The (unique) structured dtype of keys of the PRNG implementation with ``tag``."""
    dt = np.dtype([(tag, "<u4", tuple(key_shape))])
    _key_dtypes.setdefault(dt, tag)
    return dt


def is_key_dtype(dt):
    """True if ``dt`` is a PRNG key dtype (see make_key_dtype)."""
    return getattr(dt, "kind", None) == "V" and dt in _key_dtypes


def dtype_name(dt):
    """``dt.name``, but ``key<fry>`` for PRNG key dtypes (as JAX displays them)."""
    tag = _key_dtypes.get(dt) if getattr(dt, "kind", None) == "V" else None
    return dt.name if tag is None else f"key<{tag}>"


# ---------------------------------------------------------------------------
# The dtypes

_D = np.dtype
bool_ = _D(np.bool_)
int8, int16, int32, int64 = _D(np.int8), _D(np.int16), _D(np.int32), _D(np.int64)
uint8, uint16, uint32, uint64 = _D(np.uint8), _D(np.uint16), _D(np.uint32), _D(np.uint64)
float16, float32, float64 = _D(np.float16), _D(np.float32), _D(np.float64)
complex64, complex128 = _D(np.complex64), _D(np.complex128)
bfloat16 = _D(ml_dtypes.bfloat16)
bfloat16_type = ml_dtypes.bfloat16  # the scalar type (what jax.dtypes.bfloat16 is)

# Trivial vector-space dtype of tangents of int/bool primals.
float0 = np.dtype([("float0", np.void, 0)])


def _opt(name):
    t = getattr(ml_dtypes, name, None)
    return None if t is None else np.dtype(t)


# Sub-byte integers (join only with themselves, bool and Python scalars).
int1, uint1 = _opt("int1"), _opt("uint1")
int2, uint2 = _opt("int2"), _opt("uint2")
int4, uint4 = _opt("int4"), _opt("uint4")
_signed_subbyte = [d for d in (int1, int2, int4) if d is not None]
_unsigned_subbyte = [d for d in (uint1, uint2, uint4) if d is not None]
_intn_dtypes = _signed_subbyte + _unsigned_subbyte

# Small floats.
_float8_names = ["float8_e3m4", "float8_e4m3", "float8_e8m0fnu", "float8_e4m3b11fnuz",
                 "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz"]
_float8_dtypes = [d for d in map(_opt, _float8_names) if d is not None]
_float6_dtypes = [d for d in map(_opt, ["float6_e2m3fn", "float6_e3m2fn"]) if d is not None]
_float4_dtypes = [d for d in map(_opt, ["float4_e2m1fn"]) if d is not None]
for _d in _float8_dtypes + _float6_dtypes + _float4_dtypes:
    globals()[_d.name] = _d
_small_float_dtypes = _float4_dtypes + _float6_dtypes + _float8_dtypes
_custom_float_dtypes = _small_float_dtypes + [bfloat16]
_custom_float_scalar_types = [d.type for d in _custom_float_dtypes]
_custom_float_names = frozenset(d.name for d in _custom_float_dtypes)

_bool_dtypes = [bool_]
_signed_dtypes = _signed_subbyte + [int8, int16, int32, int64]
_unsigned_dtypes = _unsigned_subbyte + [uint8, uint16, uint32, uint64]
_int_dtypes = _unsigned_dtypes + _signed_dtypes
_float_dtypes = _custom_float_dtypes + [float16, float32, float64]
_complex_dtypes = [complex64, complex128]
_numeric_dtypes = _int_dtypes + _float_dtypes + _complex_dtypes
_jax_types = _bool_dtypes + _numeric_dtypes  # dtypes that take part in promotion
_jax_dtype_set = frozenset(_jax_types + [float0])
_jax_dtype_names = frozenset(d.name for d in _jax_types)
_name_to_dtype = {d.name: d for d in _jax_types}

_dtype_kinds = {
    "bool": set(_bool_dtypes),
    "signed integer": set(_signed_dtypes),
    "unsigned integer": set(_unsigned_dtypes),
    "integral": set(_int_dtypes),
    "real floating": set(_float_dtypes),
    "complex floating": set(_complex_dtypes),
    "numeric": set(_numeric_dtypes),
}

# JAX's default scalar aliases: the 64-bit types, canonicalised when used.
int_, uint, float_, complex_ = np.int64, np.uint64, np.float64, np.complex128

# Python scalar types -> their raw (un-canonicalised) dtypes.
python_scalar_dtypes = {bool: bool_, int: int64, float: float64, complex: complex128}
_python_scalar_types = frozenset(python_scalar_dtypes)
_weak_types = (int, float, complex)

# ---------------------------------------------------------------------------
# Defaults and canonicalisation

_to_32bit = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}
_to_32bit_name = {k.name: v.name for k, v in _to_32bit.items()}


def default_int_dtype():
    return int64 if config.jax_enable_x64 else int32


def default_uint_dtype():
    return uint64 if config.jax_enable_x64 else uint32


def default_float_dtype():
    return float64 if config.jax_enable_x64 else float32


def default_complex_dtype():
    return complex128 if config.jax_enable_x64 else complex64


_DEFAULTS = {  # x64 -> kind -> default dtype
    False: {"b": bool_, "i": int32, "u": uint32, "f": float32, "c": complex64},
    True: {"b": bool_, "i": int64, "u": uint64, "f": float64, "c": complex128},
}
_PY_TYPE_DEFAULTS = {  # x64 -> Python type -> default dtype
    x64: {bool: bool_, int: d["i"], float: d["f"], complex: d["c"]}
    for x64, d in _DEFAULTS.items()
}

_canon_cache = {False: {}, True: {}}


def _canonicalize_slow(x64, spec):
    if isinstance(spec, ExtendedDType):
        return spec
    try:
        dt = np.dtype(spec)
    except TypeError as e:
        raise TypeError(f"dtype {spec!r} not understood") from e
    return dt if x64 else _to_32bit.get(dt, dt)


def canonicalize_dtype(dtype, allow_extended_dtype=True):
    """Converts a dtype specifier to the canonical ``np.dtype`` for the x64 mode.

    Accepts dtypes, scalar types, strings and the Python types bool/int/float/complex
    (``int`` -> int64 -> int32 with x64 off). With x64 off, 64-bit dtypes become 32-bit.
    """
    x64 = config.jax_enable_x64
    cache = _canon_cache[x64]
    try:
        return cache[dtype]
    except KeyError:
        pass
    except TypeError:  # unhashable
        return _canonicalize_slow(x64, dtype)
    out = _canonicalize_slow(x64, dtype)
    if isinstance(dtype, (np.dtype, type, str)):
        cache[dtype] = out
    return out


# ---------------------------------------------------------------------------
# dtype of a value, weak types


def is_weakly_typed(x):
    """True for Python int/float/complex scalars and objects with a true ``weak_type``."""
    t = type(x)
    if t is int or t is float or t is complex:
        return True
    w = getattr(x, "weak_type", None)
    if w is None:
        aval = getattr(x, "aval", None)
        w = getattr(aval, "weak_type", False) if aval is not None else False
    return bool(w)


def is_python_scalar(x):
    """True for Python bool/int/float/complex values and weakly typed 0-d arrays."""
    if type(x) in _python_scalar_types:
        return True
    w = getattr(x, "weak_type", None)
    if w is None:
        aval = getattr(x, "aval", None)
        w = getattr(aval, "weak_type", False) if aval is not None else False
    return bool(w) and np.ndim(x) == 0


def _invalid_value(x, dt):
    return TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. "
                     "Only arrays of numeric types are supported by JAX.")


def _is_jax_dtype(dt):
    return isinstance(dt, ExtendedDType) or dt in _jax_dtype_set or is_key_dtype(dt)


def dtype(x, canonicalize=False):
    """Returns the dtype of a value, array, dtype or type, as ``jax.dtypes.dtype``.

    Python scalars and the Python types map to their 64-bit dtypes (``int`` -> int64),
    canonicalised to the defaults when ``canonicalize=True``. Non-numeric values raise
    TypeError.
    """
    if x is None:
        raise ValueError(f"Invalid argument to dtype: {x}.")
    t = type(x)
    dt = python_scalar_dtypes.get(t)
    if dt is None:
        if t is type or isinstance(x, type):
            dt = python_scalar_dtypes.get(x)
            if dt is None:
                if issubclass(x, extended):
                    return x
                try:
                    dt = np.dtype(x)
                except TypeError as e:
                    raise TypeError(f"Cannot determine dtype of {x}") from e
        elif isinstance(x, (np.dtype, ExtendedDType)):
            dt = x
        elif isinstance(x, str):
            dt = _dtype_from_string(x)
        else:
            dt = getattr(x, "dtype", None)
            if not isinstance(dt, (np.dtype, ExtendedDType)):
                try:
                    dt = np.result_type(x) if not isinstance(x, (list, tuple)) else \
                        np.asarray(x).dtype
                except (TypeError, ValueError) as err:
                    raise TypeError(f"Cannot determine dtype of {x}") from err
        if not _is_jax_dtype(dt):
            raise _invalid_value(x, dt)
    if canonicalize:
        return canonicalize_dtype(dt)
    return dt


@functools.lru_cache(maxsize=256)
def _dtype_from_string(s):
    """A string is a dtype name if NumPy parses it as a numeric dtype, else a value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dt = np.dtype(s)
    except TypeError:
        dt = None
    if dt is None or dt not in _jax_dtype_set:
        raise _invalid_value(s, np.asarray(s).dtype)
    return dt


# ---------------------------------------------------------------------------
# The promotion lattice. Nodes are strings: dtype names and "i*", "f*", "c*".

_I, _F, _C = "i*", "f*", "c*"
_WEAK_NODES = (_I, _F, _C)
_WEAK_NODE_OF_TYPE = {int: _I, float: _F, complex: _C}
_WEAK_NODE_RAW = {_I: "int64", _F: "float64", _C: "complex128"}
_WEAK_NODE_KIND = {_I: "i", _F: "f", _C: "c"}
_NODE_STR = {_I: str(int), _F: str(float), _C: str(complex)}


def _lattice(strict, x64):
    n = lambda d: d.name  # noqa: E731
    if strict:
        out = {_I: [_F] + [n(d) for d in _int_dtypes],
               _F: [_C] + [n(d) for d in _float_dtypes],
               _C: [n(d) for d in _complex_dtypes]}
        out.update({n(d): [] for d in _jax_types})
        return out
    out = {
        "bool": [_I],
        _I: ["uint8", "int8"] + [n(d) for d in _intn_dtypes],
        "uint8": ["int16", "uint16"],
        "uint16": ["int32", "uint32"],
        "uint32": ["int64", "uint64"] if x64 else ["int32", "uint64"],
        "uint64": [_F],
        "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": [_F],
        _F: [n(d) for d in _small_float_dtypes] + ["bfloat16", "float16", _C],
        "bfloat16": ["float32"], "float16": ["float32"],
        "float32": ["float64", "complex64"], "float64": ["complex128"],
        _C: ["complex64"], "complex64": ["complex128"], "complex128": [],
    }
    for d in _intn_dtypes + _small_float_dtypes:
        out[n(d)] = []
    return out


def _upper_bounds(lattice):
    ubs = {}
    for node in lattice:
        seen, stack = {node}, [node]
        while stack:
            for m in lattice[stack.pop()]:
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        ubs[node] = frozenset(seen)
    return ubs


_UBS = {(strict, x64): _upper_bounds(_lattice(strict, x64))
        for strict in (False, True) for x64 in (False, True)}


def _no_path_error(nodes, strict):
    names = tuple(_NODE_STR.get(nd, nd) for nd in nodes)
    head = f"Input dtypes {names} have no available implicit dtype promotion path"
    if strict:
        msg = (f"{head} when jax_numpy_dtype_promotion=strict. Try explicitly casting "
               "inputs to the desired output type, or set jax_numpy_dtype_promotion=standard.")
    else:
        small = None
        for group, text in ((_float8_dtypes, "8-bit floats"), (_float6_dtypes, "6-bit floats"),
                            (_float4_dtypes, "4-bit floats")):
            if any(nd in {d.name for d in group} for nd in nodes):
                small = text
                break
        if small is not None:
            msg = (f"{head}. To avoid unintended promotion, {small} do not support implicit "
                   "promotion. If you'd like your inputs to be promoted to another type, you "
                   "can do so explicitly using e.g. x.astype('float32')")
        elif any(nd in {d.name for d in _intn_dtypes} for nd in nodes):
            msg = (f"{head}. To avoid unintended promotion, 1-bit, 2-bit and 4-bit integers do "
                   "not support implicit promotion. If you'd like your inputs to be promoted "
                   "to another type, you can do so explicitly using e.g. x.astype('int32')")
        else:
            msg = f"{head}. Try explicitly casting inputs to the desired output type."
    return TypePromotionError(msg)


def _least_upper_bound(strict, x64, nodes):
    """Join of a sequence of lattice nodes (strings); raises TypePromotionError."""
    ubs = _UBS[strict, x64]
    uniq = tuple(dict.fromkeys(nodes))
    try:
        bounds = [ubs[nd] for nd in uniq]
    except KeyError:
        bad = next(nd for nd in uniq if nd not in ubs)
        raise ValueError(f"dtype={_name_to_dtype.get(bad, bad)!r} is not a valid dtype for "
                         "JAX type promotion.") from None
    cub = frozenset.intersection(*bounds)
    lub = [c for c in uniq if c in cub] or [c for c in cub if cub <= ubs[c]]
    if len(lub) == 1:
        return lub[0]
    if not lub:
        raise _no_path_error(uniq, strict)
    raise TypePromotionError(f"Internal type promotion error: {uniq} have no unique least "
                             f"upper bound; options are {lub}.")


def _strict_mode():
    mode = config.jax_numpy_dtype_promotion
    if mode == "standard":
        return False
    if mode == "strict":
        return True
    raise ValueError(f"Unexpected value of jax_numpy_dtype_promotion={mode!r}")


# ---------------------------------------------------------------------------
# promote_types


_promote_cache = {}


_spec_names = {}  # dtype specifier (dtype, scalar type, string) -> dtype name


def _promote_node(x):
    if x is int or x is float or x is complex:
        return _WEAK_NODE_OF_TYPE[x]
    try:
        return _spec_names[x]
    except (KeyError, TypeError):
        pass
    name = np.dtype(x).name
    if isinstance(x, (np.dtype, type, str)):
        _spec_names[x] = name
    return name


def promote_types(a, b):
    """The raw lattice join of two dtype specifiers (``int``/``float``/``complex`` are
    the weak nodes); not x64-canonicalised: ``promote_types(bool, int)`` is int64."""
    key = (config.jax_numpy_dtype_promotion, config.jax_enable_x64,
           _promote_node(a), _promote_node(b))
    try:
        return _promote_cache[key]
    except KeyError:
        pass
    j = _least_upper_bound(_strict_mode(), key[1], key[2:])
    out = _promote_cache[key] = np.dtype(_WEAK_NODE_RAW.get(j, None) or _name_to_dtype[j])
    return out


# ---------------------------------------------------------------------------
# result_type
#
# Each argument is reduced to a key string: its canonical dtype name, prefixed with
# "~" when weakly typed. The (x64, strict, keys) tuple indexes a cache of results.

_canon_name = {}   # (x64) -> {np.dtype: canonical name}
_weak_canon_name = {}
for _x64 in (False, True):
    _canon_name[_x64] = {d: (d.name if _x64 else _to_32bit_name.get(d.name, d.name))
                         for d in _jax_types}
    _weak_canon_name[_x64] = {d: "~" + nm for d, nm in _canon_name[_x64].items()}
_PY_KEY = {x64: {int: "~" + d[int].name, float: "~" + d[float].name,
                 complex: "~" + d[complex].name, bool: "bool"}
           for x64, d in _PY_TYPE_DEFAULTS.items()}
_result_cache = {}
_RESULT_CACHE_MAX = 8192


def _spec_key(a, x64):
    """Key of a non-array argument: a Python type, dtype, scalar type, string, ..."""
    if a is None:
        return _DEFAULTS[x64]["f"].name
    if isinstance(a, type):
        if a in _weak_types:
            return _PY_KEY[x64][a]
        if a is bool:
            return "bool"
    if isinstance(a, ExtendedDType):
        return a
    if isinstance(a, (list, tuple)):
        dt = np.asarray(a).dtype
        if dt.kind == "O":
            raise TypeError(f"Cannot determine dtype of {a}")
    else:
        dt = dtype(a)
    if not isinstance(dt, np.dtype) or is_key_dtype(dt):
        return dt  # extended dtypes: not strings, so _compute_result keeps them apart
    name = _canon_name[x64].get(dt)
    if name is None:  # float0 and other valid non-promotable dtypes
        return dt.name
    w = getattr(a, "weak_type", None)
    if w is None and not isinstance(a, (np.dtype, type, str)):
        aval = getattr(a, "aval", None)
        w = getattr(aval, "weak_type", False) if aval is not None else False
    return "~" + name if w else name


def _node(key):
    """Lattice node of an argument key."""
    if key[0] == "~":
        name = key[1:]
        if name == "bool":
            return name
        if name in _custom_float_names:
            return _F
        kind = _name_to_dtype[name].kind
        return _I if kind in "iu" else _F if kind == "f" else _C
    return key


def _compute_result(x64, strict, keys):
    ext = [k for k in keys if not isinstance(k, str)]
    if ext:  # extended dtypes only combine with themselves
        if all(k == ext[0] for k in keys):
            return ext[0], False
        names = tuple(k if isinstance(k, str) else dtype_name(k) if is_key_dtype(k) else str(k)
                      for k in keys)
        raise TypePromotionError(f"Input dtypes {names} have no "
                                 "available implicit dtype promotion path.")
    weak = [k[0] == "~" for k in keys]
    names = [k.lstrip("~") for k in keys]
    if len(keys) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak) and not strict:
        # Join the strong counterparts, then apply the weak type.
        out, out_weak = _least_upper_bound(strict, x64, names), True
        out = _WEAK_NODE_RAW.get(out, out)
    else:
        j = _least_upper_bound(strict, x64, [_node(k) for k in keys])
        out_weak = j in _WEAK_NODE_RAW
        out = _WEAK_NODE_RAW.get(j, j)
    if out == "bool":
        out_weak = False
    dt = _name_to_dtype.get(out)
    if dt is None:  # e.g. float0 passed alone
        dt = float0 if out == "void" else np.dtype(out)
        return dt, False
    if out_weak:
        kind = "f" if out in _custom_float_names else dt.kind
        dt = _DEFAULTS[x64][kind]
    elif not x64:
        dt = _to_32bit.get(dt, dt)
    return dt, out_weak


def result_type(*args, return_weak_type_flag=False):
    """JAX's result dtype of an operation on ``args``: lattice join, then canonicalise.

    Args may be arrays (``.dtype`` and optionally ``.weak_type``), NumPy arrays and
    scalars (strong), Python scalars (weak), dtypes, scalar types, strings, and the
    Python types ``int``/``float``/``complex`` (the weak nodes). ``None`` means the
    default float dtype. Returns an ``np.dtype``, or ``(dtype, weak_type)`` when
    ``return_weak_type_flag`` is true.
    """
    x64 = config.jax_enable_x64
    pykey = _PY_KEY[x64]
    keys = [config.jax_numpy_dtype_promotion, x64]
    for a in args:
        k = pykey.get(type(a))
        if k is None:
            dt = getattr(a, "dtype", None)
            if dt is not None and isinstance(dt, np.dtype):
                w = getattr(a, "weak_type", None)
                if w is None:
                    aval = getattr(a, "aval", None)
                    w = aval is not None and getattr(aval, "weak_type", False)
                k = (_weak_canon_name if w else _canon_name)[x64].get(dt)
            if k is None:
                k = _spec_key(a, x64)
        keys.append(k)
    ck = tuple(keys)
    try:
        out = _result_cache[ck]
    except KeyError:
        if len(keys) == 2:
            raise ValueError("at least one array or dtype is required") from None
        if len(_result_cache) >= _RESULT_CACHE_MAX:
            _result_cache.clear()
        out = _result_cache[ck] = _compute_result(x64, _strict_mode(), ck[2:])
    except TypeError:  # unhashable extended dtype
        out = _compute_result(x64, _strict_mode(), ck[2:])
    return out if return_weak_type_flag else out[0]


# ---------------------------------------------------------------------------
# Op-level conversions

_to_inexact_raw = {bool_: float32, uint8: float32, int8: float32, uint16: float32,
                   int16: float32, uint32: float32, int32: float32, uint64: float64,
                   int64: float64}
for _d in _intn_dtypes:
    _to_inexact_raw[_d] = float32


def to_inexact_dtype(dtype):
    """bool/(u)int8..32 -> float32, (u)int64 -> float64, inexact unchanged; canonicalised."""
    dt = np.dtype(dtype)
    dt = _to_inexact_raw.get(dt, dt)
    return dt if config.jax_enable_x64 else _to_32bit.get(dt, dt)


def to_numeric_dtype(dtype):
    """bool -> int32 (always int32, as JAX); every other dtype unchanged."""
    dt = np.dtype(dtype)
    return int32 if dt == bool_ else dt


def to_floating_dtype(dtype):
    """Promotes to a real floating dtype: ints via to-inexact, complex to its real part."""
    dt = to_inexact_dtype(dtype)
    return _complex_to_real.get(dt, dt)


_complex_to_real = {complex64: float32, complex128: float64}


def to_complex_dtype(dtype):
    """The complex dtype matching a dtype's inexact form (float64 -> complex128, else
    complex64), canonicalised."""
    ft = np.dtype(dtype)
    ft = _to_inexact_raw.get(ft, ft)
    out = complex128 if ft in (float64, complex128) else complex64
    return out if config.jax_enable_x64 else _to_32bit.get(out, out)


# ---------------------------------------------------------------------------
# User-requested dtypes


def _warn_truncated(np_dtype, canonical, fun_name, stacklevel):
    where = f" requested in {fun_name}" if fun_name else ""
    warnings.warn(
        f"Explicitly requested dtype {np_dtype}{where} is not available, and will be "
        f"truncated to dtype {canonical.name}. To enable more dtypes, set the "
        "jax_enable_x64 configuration option or the JAX_ENABLE_X64 shell environment "
        "variable. See https://github.com/jax-ml/jax#current-gotchas for more.",
        UserWarning, stacklevel=stacklevel + 1)


def check_user_dtype_supported(dtype, fun_name=None, stacklevel=3):
    """Validates a dtype a user passed explicitly and returns its canonical np.dtype.

    Python types map to the defaults silently (``float`` -> float32 with x64 off).
    With x64 off an explicit 64-bit dtype warns (UserWarning) and is truncated.
    Non-numeric dtypes raise TypeError. ``stacklevel`` is as for ``warnings.warn``
    issued from this function: 3 blames the caller of the function that calls this one
    (the user's line calling ``jnp.zeros``).
    """
    if dtype is None:
        raise ValueError("dtype must be specified.")
    if isinstance(dtype, ExtendedDType) or (isinstance(dtype, type)
                                             and issubclass(dtype, extended)):
        return dtype
    if is_key_dtype(dtype):
        return dtype
    x64 = config.jax_enable_x64
    if isinstance(dtype, type):
        d = _PY_TYPE_DEFAULTS[x64].get(dtype)
        if d is not None:
            return d
    if hasattr(dtype, "shape") and hasattr(dtype, "dtype") and not isinstance(dtype, type):
        raise ValueError("Passing an array as a dtype argument is no longer supported; "
                         "instead of dtype=arr use dtype=arr.dtype.")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as e:
        msg = f"JAX only supports number and bool dtypes, got dtype {dtype}"
        msg += f" in {fun_name}" if fun_name else ""
        raise TypeError(msg) from e
    if np_dtype not in _jax_dtype_set:
        msg = f"JAX only supports number and bool dtypes, got dtype {np_dtype}"
        msg += f" in {fun_name}" if fun_name else ""
        raise TypeError(msg)
    if x64:
        return np_dtype
    canonical = _to_32bit.get(np_dtype, np_dtype)
    if canonical != np_dtype:
        _warn_truncated(np_dtype, canonical, fun_name, stacklevel)
    return canonical


def is_valid_dtype(dt):
    """True for dtypes pyjax arrays can have (numeric, bool, float0, extended)."""
    return isinstance(dt, ExtendedDType) or dt in _jax_dtype_set or is_key_dtype(dt)


def check_valid_dtype(dt):
    if not is_valid_dtype(dt):
        raise TypeError(f"Dtype {dt} is not a valid JAX array type. Only arrays of numeric "
                        "types are supported by JAX.")


# ---------------------------------------------------------------------------
# issubdtype, isdtype, finfo, iinfo


_issub_generic_types = (type, np.dtype, ExtendedDType)


def issubdtype(a, b):
    """``np.issubdtype`` that also knows bfloat16/float8 (floating), int4/uint4 (integer)
    and extended dtypes."""
    if not isinstance(a, _issub_generic_types):
        a = np.dtype(a)
    if not isinstance(b, _issub_generic_types):
        b = np.dtype(b)
    return _issubdtype_cached(a, b)


def _sctype(x):
    if isinstance(x, type) and issubclass(x, np.generic):
        return x
    if isinstance(x, type) and x in python_scalar_dtypes:
        return python_scalar_dtypes[x].type
    return np.dtype(x).type


@functools.lru_cache(maxsize=1024)
def _issubdtype_cached(a, b):
    if is_key_dtype(a):  # key<...> is a subtype of prng_key, extended and itself only
        return (isinstance(b, type) and issubclass(prng_key, b) and b is not np.generic) \
            or (is_key_dtype(b) and a == b)
    if is_key_dtype(b):
        return False
    if isinstance(b, type) and issubclass(b, extended):
        if isinstance(a, ExtendedDType):
            return issubclass(a.type, b)
        if isinstance(a, type):
            return issubclass(a, b)
        return issubclass(np.dtype(a).type, b)
    if isinstance(b, ExtendedDType):
        return isinstance(a, ExtendedDType) and a == b
    if isinstance(a, ExtendedDType):
        a = a.type
    if isinstance(a, type) and issubclass(a, extended):
        return isinstance(b, type) and issubclass(a, b)
    a_sc, b_sc = _sctype(a), _sctype(b)
    if a_sc in _custom_float_scalar_types:
        return b_sc in {a_sc, np.floating, np.inexact, np.number, np.generic}
    if a_sc in {d.type for d in _signed_subbyte}:
        return b_sc in {a_sc, np.signedinteger, np.integer, np.number, np.generic}
    if a_sc in {d.type for d in _unsigned_subbyte}:
        return b_sc in {a_sc, np.unsignedinteger, np.integer, np.number, np.generic}
    return bool(np.issubdtype(a_sc, b_sc))


def isdtype(dtype, kind):
    """``jnp.isdtype``: whether a dtype is of a kind ('bool', 'signed integer',
    'unsigned integer', 'integral', 'real floating', 'complex floating', 'numeric'),
    a dtype, or a tuple of those."""
    the_dtype = np.dtype(dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    options = set()
    for k in kinds:
        if isinstance(k, str) and k in _dtype_kinds:
            options |= _dtype_kinds[k]
            continue
        try:
            options.add(np.dtype(k))
        except TypeError as e:
            if isinstance(k, str):
                raise ValueError(f"Unrecognized kind={k!r} expected one of "
                                 f"{list(_dtype_kinds)}, or a compatible input for "
                                 "jnp.dtype()") from None
            raise TypeError(f"Expected kind to be a dtype, string, or tuple; got "
                            f"kind={k!r}") from e
    return the_dtype in options


def finfo(dtype):
    """Machine limits of a floating (or complex: of its real part) dtype, including
    bfloat16 and the float8 types."""
    if isinstance(dtype, type) and dtype in python_scalar_dtypes:
        dtype = python_scalar_dtypes[dtype]
    return ml_dtypes.finfo(dtype)


def iinfo(dtype):
    """Machine limits of an integer dtype, including int4/uint4."""
    if isinstance(dtype, type) and dtype in python_scalar_dtypes:
        dtype = python_scalar_dtypes[dtype]
    return ml_dtypes.iinfo(dtype)


def supports_inf(dtype):
    """True if the dtype can represent infinity."""
    dt = np.dtype(dtype)
    if dt.name in ("float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz",
                   "float8_e5m2fnuz", "float8_e8m0fnu") or dt in _float6_dtypes \
            or dt in _float4_dtypes:
        return False
    return issubdtype(dt, np.inexact)


def itemsize_bits(dtype):
    """Bits per element (sub-byte types: their logical width; bool: 8)."""
    if dtype is None:
        raise ValueError("dtype cannot be None.")
    dt = np.dtype(dtype)
    if dt == bool_:
        return 8
    if issubdtype(dt, np.integer):
        return iinfo(dt).bits
    if issubdtype(dt, np.floating):
        return finfo(dt).bits
    if issubdtype(dt, np.complexfloating):
        return 2 * finfo(dt).bits
    raise ValueError(f"unexpected input: dtype={dt!r}")


def scalar_type_of(x):
    """The Python scalar type (bool/int/float/complex) of a value's dtype."""
    typ = dtype(x)
    if typ in _custom_float_dtypes:
        return float
    if typ in _intn_dtypes:
        return int
    if np.issubdtype(typ, np.bool_):
        return bool
    if np.issubdtype(typ, np.integer):
        return int
    if np.issubdtype(typ, np.floating):
        return float
    if np.issubdtype(typ, np.complexfloating):
        return complex
    raise TypeError(f"Invalid scalar value {x}")


# ---------------------------------------------------------------------------
# Short names (as printed in jaxprs)


_short_names = {}


def short_dtype_name(dtype):
    """``f32``, ``i8``, ``u16``, ``bf16``, ``c64``, ``bool``, ``float0`` ..."""
    try:
        return _short_names[dtype]
    except (KeyError, TypeError):
        pass
    if isinstance(dtype, ExtendedDType):
        return str(dtype)
    dt = np.dtype(dtype)
    if is_key_dtype(dt):
        out = dtype_name(dt)
    elif dt == float0:
        out = "float0"
    else:
        out = (dt.name.replace("float", "f").replace("uint", "u")
               .replace("int", "i").replace("complex", "c"))
    try:
        _short_names[dtype] = out
    except TypeError:
        pass
    return out


# ---------------------------------------------------------------------------
# Python scalars -> arrays


def scalar_to_array(x, dtype=None):
    """A Python bool/int/float/complex as a 0-d NumPy array of the canonical default
    dtype (or ``dtype``, canonicalised). Python ints that do not fit the default int
    raise OverflowError like JAX; an explicit dtype raises NumPy's out-of-bounds error.
    """
    x64 = config.jax_enable_x64
    t = type(x)
    if dtype is None:
        dt = _PY_TYPE_DEFAULTS[x64].get(t)
        if dt is None:
            raise TypeError(f"scalar_to_array expects a Python scalar, got {t}")
        if t is int:
            if x64:
                if not -0x8000000000000000 <= x <= 0x7FFFFFFFFFFFFFFF:
                    raise OverflowError(f"Python int {x} too large to convert to int64")
            elif not -0x80000000 <= x <= 0x7FFFFFFF:
                raise OverflowError(f"Python int {x} too large to convert to int32")
    else:
        dt = canonicalize_dtype(dtype)
    if t is float or t is complex:
        limit = _narrow_float_max.get(dt)
        if limit is not None:
            m = abs(x) if t is float else max(abs(x.real), abs(x.imag))
            if not m <= limit:  # out of range (or nan): inf silently, as in JAX
                with np.errstate(over="ignore", invalid="ignore"):
                    return np.asarray(x, dt)
    return np.asarray(x, dt)


_narrow_float_max = {d: float(ml_dtypes.finfo(d).max)
                     for d in [float16, bfloat16, float32, complex64] + _small_float_dtypes}


TypePromotionError.__module__ = "pyjax.dtypes"  # its public home, as jax.dtypes

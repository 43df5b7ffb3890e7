"""Codegen rules of the existing primitives.

Each rule is written against the kernel-builder interface (pyjax/_src/codegen_interface.py) and
must reproduce the primitive's impl. They live here for now so the primitive files (edited by
others) stay untouched; they belong next to each primitive's declaration and should move there:
``prim.codegen`` (elementwise rule), ``prim.codegen_supports(avals, params)`` (which equations
the rule handles), ``prim.codegen_layout`` (index-map rule of layout operations) and
``prim.codegen_reduction`` (the kind of a reduction).
"""
from __future__ import annotations

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import dtypes
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import reductions as red
from pyjax._src.primitives import structural as st

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def _math(name):
    return lambda kb, *args, **params: kb.math(name, *args)


def _binary(op):
    return lambda kb, x, y: kb.binary(op, x, y)


def _compare(op):
    return lambda kb, x, y: kb.compare(op, x, y)


# -- elementwise arithmetic --------------------------------------------------------------------

ew.neg_p.codegen = lambda kb, x: kb.neg(x)
ew.sign_p.codegen = lambda kb, x: kb.sign(x)
ew.abs_p.codegen = lambda kb, x: kb.abs(x)
ew.not_p.codegen = lambda kb, x: kb.bit_not(x)
ew.square_p.codegen = lambda kb, x: kb.mul(x, x)
ew.stop_gradient_p.codegen = lambda kb, x: x
for _p, _op in ((ew.add_p, "add"), (ew.sub_p, "sub"), (ew.mul_p, "mul"), (ew.div_p, "div"),
                (ew.rem_p, "rem"), (ew.max_p, "max"), (ew.min_p, "min"), (ew.and_p, "and"),
                (ew.or_p, "or"), (ew.xor_p, "xor"), (ew.shift_left_p, "shl"),
                (ew.shift_right_logical_p, "shr_logical"),
                (ew.shift_right_arithmetic_p, "shr_arithmetic")):
    _p.codegen = _binary(_op)
for _p, _op in ((ew.eq_p, "eq"), (ew.ne_p, "ne"), (ew.lt_p, "lt"), (ew.le_p, "le"),
                (ew.gt_p, "gt"), (ew.ge_p, "ge")):
    _p.codegen = _compare(_op)

# -- math functions ----------------------------------------------------------------------------

for _p, _name in ((ew.exp_p, "exp"), (ew.exp2_p, "exp2"), (ew.log_p, "log"),
                  (ew.log1p_p, "log1p"), (ew.expm1_p, "expm1"), (ew.tanh_p, "tanh"),
                  (ew.logistic_p, "logistic"), (ew.sin_p, "sin"), (ew.cos_p, "cos"),
                  (ew.tan_p, "tan"), (ew.sqrt_p, "sqrt"), (ew.rsqrt_p, "rsqrt"),
                  (ew.floor_p, "floor"), (ew.ceil_p, "ceil"), (ew.is_finite_p, "is_finite"),
                  (ew.erf_p, "erf"), (ew.erfc_p, "erfc"), (ew.erf_inv_p, "erf_inv"),
                  (ew.population_count_p, "popcount"), (ew.clz_p, "clz"),
                  (ew.pow_p, "pow"), (ew.nextafter_p, "nextafter")):
    _p.codegen = _math(_name)


def _round_rule(kb, x, *, rounding_method):
    return kb.math("round_even" if int(rounding_method) == 1 else "round_away", x)


ew.round_p.codegen = _round_rule


def _integer_pow_rule(kb, x, *, y):
    """Exponentiation by squaring in the impl's order, so results match it exactly."""
    if y == 0:
        return kb.const(1, x.dtype)
    n, acc, base = abs(y), None, x
    while n:
        if n & 1:
            acc = base if acc is None else kb.mul(acc, base)
        n >>= 1
        if n:
            base = kb.mul(base, base)
    return kb.div(kb.const(1, x.dtype), acc) if y < 0 else acc


ew.integer_pow_p.codegen = _integer_pow_rule
# Integers to negative powers: the impl's np.reciprocal of ints is not worth emulating.
ew.integer_pow_p.codegen_supports = lambda avals, params: (
    params["y"] >= 0 or avals[0].dtype.kind == "f")


# -- select, clamp, conversions ------------------------------------------------------------------

def _select_n_rule(kb, which, *cases):
    if len(cases) == 1:
        return cases[0]
    if which.dtype == np.bool_:
        return kb.select(which, cases[1], cases[0])
    out = cases[-1]
    for i in range(len(cases) - 2, -1, -1):  # np.choose(mode="clip")
        out = kb.select(kb.compare("le", which, kb.const(i, which.dtype)), cases[i], out)
    return out


ew.select_n_p.codegen = _select_n_rule
ew.clamp_p.codegen = lambda kb, lo, x, hi: kb.min(kb.max(x, lo), hi)
ew.convert_element_type_p.codegen = (
    lambda kb, x, *, new_dtype, weak_type=False, sharding=None: kb.convert(x, new_dtype))


def _bitcast_supports(avals, params):
    return avals[0].dtype.itemsize == np.dtype(params["new_dtype"]).itemsize and \
        np.bool_ not in (avals[0].dtype, np.dtype(params["new_dtype"]))


ew.bitcast_convert_type_p.codegen = lambda kb, x, *, new_dtype: kb.bitcast(x, new_dtype)
ew.bitcast_convert_type_p.codegen_supports = _bitcast_supports


# -- iota and layout operations ------------------------------------------------------------------

st.iota_p.codegen = (lambda kb, *, dtype, shape, dimension, sharding:
                     kb.convert(kb.coordinate(dimension), dtype))


def _broadcast_in_dim_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    return tuple(index_map[d] for d in params["broadcast_dimensions"])


def _unit_dims_map(in_shape, out_shape, index_map):
    """The map of a reshape that only inserts or removes size-1 dims; None otherwise."""
    ins = [d for d in in_shape if d != 1]
    outs = [i for i, d in enumerate(out_shape) if d != 1]
    if ins != [out_shape[i] for i in outs]:
        return None
    if index_map is None:
        return ()
    it = iter(outs)
    return tuple(None if d == 1 else index_map[next(it)] for d in in_shape)


def _reshape_layout(operand, out, params, index_map):
    if params.get("dimensions") is not None:
        return None
    return _unit_dims_map(operand.shape, out.shape, index_map)


def _squeeze_layout(operand, out, params, index_map):
    return _unit_dims_map(operand.shape, out.shape, index_map)


def _transpose_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    sub = [None] * operand.ndim
    for i, p in enumerate(params["permutation"]):
        sub[p] = index_map[i]
    return tuple(sub)


def _slice_layout(operand, out, params, index_map):
    if index_map is None:
        return ()
    strides = params["strides"] or (1,) * operand.ndim
    return tuple(codegen_interface.shifted_entry(e, start, step) for e, start, step in
                 zip(index_map, params["start_indices"], strides))


st.slice_p.codegen_layout = _slice_layout
st.broadcast_in_dim_p.codegen_layout = _broadcast_in_dim_layout
st.reshape_p.codegen_layout = _reshape_layout
st.squeeze_p.codegen_layout = _squeeze_layout
st.transpose_p.codegen_layout = _transpose_layout

# -- reductions ----------------------------------------------------------------------------------

for _p, _kind in ((red.reduce_sum_p, "sum"), (red.reduce_prod_p, "prod"),
                  (red.reduce_max_p, "max"), (red.reduce_min_p, "min"),
                  (red.reduce_and_p, "and"), (red.reduce_or_p, "or"),
                  (red.reduce_xor_p, "xor"), (red.argmax_p, "argmax"),
                  (red.argmin_p, "argmin")):
    _p.codegen_reduction = _kind


# -- random bits (jax.random) ----------------------------------------------------------------------

def _random_bits_rule(kb, keys, *, bit_width, shape, partitionable):
    k0 = kb.convert(keys, _U32)  # a threefry key is two uint32 words, loaded as one uint64
    k1 = kb.convert(kb.shift_right_logical(keys, kb.const(32, _U64)), _U32)
    idx = kb.linear_index(len(kb.out_shape) - len(shape))
    hi = kb.convert(kb.shift_right_logical(idx, kb.const(32, _U64)), _U32)
    lo = kb.convert(idx, _U32)
    y0, y1 = codegen_interface.threefry2x32(kb, k0, k1, hi, lo)
    if bit_width == 64:
        return kb.bit_or(kb.shift_left(kb.convert(y0, _U64), kb.const(32, _U64)),
                         kb.convert(y1, _U64))
    bits = kb.bit_xor(y0, y1)
    return bits if bit_width == 32 else kb.convert(bits, np.dtype(f"uint{bit_width}"))


def _random_bits_supports(avals, params):
    key = avals[0].dtype
    return bool(params["partitionable"]) and params["bit_width"] in (8, 16, 32, 64) and \
        dtypes.is_key_dtype(key) and key.itemsize == 8


try:
    from pyjax._src.primitives import random_bits as rb
except ImportError:  # jax.random's primitives are optional here
    rb = None

if rb is not None:
    rb.random_bits_p.codegen = _random_bits_rule
    rb.random_bits_p.codegen_supports = _random_bits_supports
    rb.threefry2x32_p.codegen = (
        lambda kb, k0, k1, x0, x1: list(codegen_interface.threefry2x32(kb, k0, k1, x0, x1)))
    for _name, _fn in (("xla_log_p", "log_xla"), ("xla_log1p_p", "log1p_xla"),
                       ("xla_erf_inv_p", "erf_inv_xla"), ("xla_erf_p", "erf_xla")):
        _prim = getattr(rb, _name, None)
        if _prim is not None:
            _prim.codegen = _math(_fn)
    if getattr(rb, "fma_p", None) is not None:
        rb.fma_p.codegen = lambda kb, a, b, c: kb.math("fma", a, b, c)

"""Joining primitives: concatenate, split and pad, with their public ``lax`` functions and their
differentiation and batching rules.

concatenate and split are each other's transposes; pad's transpose is a lax.slice (and
lax.slice's, in structural.py, a pad). Every impl is a NumPy copy; the only XLA semantics that
differ from NumPy are negative and interior padding.
"""
import operator

import numpy as np

from pyjax._src import core
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives.common import standard_primitive
# ``slice`` is lax.slice here; the builtin is ``_py_slice``.
from pyjax._src.primitives.structural import (
    _py_slice, _static_ints, _zero_scalar, asarray, broadcast_in_dim, canonicalize_axis,
    check_same_dtypes, checked, full, is_array, shape_of, slice)


# ----------------------------------------------------------------------------------------------
# concatenate, split, pad


def _concatenate_shape(*xs, dimension):
    if not xs:
        raise TypeError("concatenate expects at least one operand, got 0.")
    if len({x.ndim for x in xs}) != 1:
        raise TypeError("Cannot concatenate arrays with different numbers of dimensions: got "
                        + ", ".join(str(x.shape) for x in xs) + ".")
    if not 0 <= dimension < xs[0].ndim:
        raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for "
                        "shapes " + ", ".join(str(x.shape) for x in xs) + ".")
    rest = [x.shape[:dimension] + x.shape[dimension + 1:] for x in xs]
    if rest[:-1] != rest[1:]:
        raise TypeError("Cannot concatenate arrays with shapes that differ in dimensions other "
                        f"than the one being concatenated: concatenating along dimension "
                        f"{dimension} for shapes " + ", ".join(str(x.shape) for x in xs) + ".")
    shape = xs[0].shape
    return shape[:dimension] + (sum(x.shape[dimension] for x in xs),) + shape[dimension + 1:]


def _concatenate_dtype(*xs, dimension):
    check_same_dtypes("concatenate", xs)
    return xs[0].dtype


concatenate_p = checked(standard_primitive(
    "concatenate", _concatenate_shape, _concatenate_dtype,
    lambda *xs, dimension: np.concatenate(xs, axis=dimension)))


def concatenate(operands, dimension):
    """Concatenates a sequence of arrays (same dtype and shape but for ``dimension``)."""
    if len(operands) == 0:
        raise ValueError("concatenate requires a non-empty sequences of arrays")
    if len(operands) == 1 and is_array(operands[0]):
        return operands[0]
    return concatenate_p.bind(*operands, dimension=operator.index(dimension))


def _split_shape(x, *, sizes, axis):
    if any(s < 0 for s in sizes):
        raise ValueError(f"Sizes passed to split must be nonnegative, got {list(sizes)}")
    if x.shape[axis] != sum(sizes):
        raise ValueError(f"Sum of sizes {np.sum(sizes)} must be equal to dimension {axis} of "
                         f"the operand shape {list(x.shape)}")
    return [x.shape[:axis] + (s,) + x.shape[axis + 1:] for s in sizes]


def _split_impl(x, *, sizes, axis):
    return np.split(x, np.cumsum(sizes[:-1]), axis=axis) if sizes else []


split_p = checked(standard_primitive(
    "split", _split_shape, lambda x, *, sizes, axis: [x.dtype] * len(sizes), _split_impl,
    multiple_results=True))


def split(operand, sizes, axis=0):
    """Splits ``operand`` along ``axis`` into pieces of the given ``sizes`` (which must sum to
    the axis length)."""
    operand = asarray(operand)
    return split_p.bind(operand, sizes=_static_ints(sizes),
                        axis=canonicalize_axis(axis, len(shape_of(operand))))


def _pad_shape(x, padding_value, *, padding_config):
    if padding_value.ndim != 0:
        raise ValueError("padding_value must be a scalar; got "
                         f"np.shape(padding_value)={padding_value.shape}")
    if len(padding_config) != x.ndim:
        raise ValueError("length of padding_config must equal the number of axes of operand, "
                         f"got padding_config {padding_config} for operand shape {x.shape}")
    if not all(i >= 0 for _, _, i in padding_config):
        raise ValueError("interior padding in padding_config must be nonnegative, got "
                         f"padding_config {padding_config}")
    result = tuple(lo + hi + (0 if d == 0 else (d - 1) * (i + 1) + 1)
                   for (lo, hi, i), d in zip(padding_config, x.shape))
    if not all(d >= 0 for d in result):
        raise ValueError(f"Dimension size after padding is not at least 0, got result shape "
                         f"{result}, for padding_config {padding_config} and operand shape "
                         f"{x.shape}")
    return result


def _pad_dtype(x, padding_value, *, padding_config):
    if x.dtype != padding_value.dtype:
        raise TypeError("pad operand and padding_value must be same dtype: got "
                        f"{x.dtype.name} and {padding_value.dtype.name}.")
    return x.dtype


def _pad_impl(x, padding_value, *, padding_config):
    out_shape, dst, src = [], [], []
    for (lo, hi, interior), d in zip(padding_config, x.shape):
        step = interior + 1
        n = lo + hi + (0 if d == 0 else (d - 1) * step + 1)
        out_shape.append(n)
        # Element j lands at lo + j*step; keep the contiguous run of j that lands in [0, n).
        j0 = 0 if lo >= 0 else (-lo + step - 1) // step
        j1 = min(d, (n - 1 - lo) // step + 1)
        src.append(_py_slice(j0, j1))
        dst.append(_py_slice(lo + j0 * step, lo + (j1 - 1) * step + 1, step))
    out = np.full(out_shape, padding_value, dtype=x.dtype)
    if all(s.stop > s.start for s in src):
        out[tuple(dst)] = x[tuple(src)]
    return out


pad_p = checked(standard_primitive("pad", _pad_shape, _pad_dtype, _pad_impl))


def pad(operand, padding_value, padding_config):
    """Pads ``operand`` with ``padding_value``: ``padding_config`` holds one
    ``(low, high, interior)`` triple per dimension; negative low/high remove elements.

    Example: ``lax.pad(jnp.array([1, 2, 3, 4]), 0, [(0, 0, 1)])`` is
    ``[1, 0, 2, 0, 3, 0, 4]``.
    """
    config = tuple(tuple(operator.index(v) for v in triple) for triple in padding_config)
    return pad_p.bind(operand, padding_value, padding_config=config)


# ----------------------------------------------------------------------------------------------
# Differentiation rules: all three are linear (JAX's rules, jax/_src/lax/lax.py).


def _concatenate_transpose(ct, *xs, dimension):
    if type(ct) is ad.Zero:
        return [None] * len(xs)
    sizes = [(x.aval.shape if ad.is_undefined(x) else shape_of(x))[dimension] for x in xs]
    parts = split(ct, sizes, dimension)
    return [p if ad.is_undefined(x) else None for p, x in zip(parts, xs, strict=True)]


def _split_transpose(cts, x, *, sizes, axis):
    if all(type(c) is ad.Zero for c in cts):
        return [None]
    cts = [ad.instantiate(c) for c in cts]
    return [concatenate(cts, axis)]


def _pad_transpose(ct, x, padding_value, *, padding_config):
    from pyjax._src.primitives.reductions import reduce_sum
    if type(ct) is ad.Zero:
        return [None, None]
    # Undo the edge padding (negative edges removed elements: pad those back with zeros),
    # then take every (interior + 1)-th element.
    unpad = [(-lo, -hi, 0) for lo, hi, _ in padding_config]
    unpadded = pad(ct, _zero_scalar(ct), unpad)
    ct_x = slice(unpadded, (0,) * len(padding_config), shape_of(unpadded),
                 tuple(interior + 1 for _, _, interior in padding_config))
    ct_pad = None
    if ad.is_undefined(padding_value):
        # Every output element not taken from the operand is the padding value.
        total = lambda v: reduce_sum(v, tuple(range(len(shape_of(v)))))  # noqa: E731
        ct_pad = ew.sub_p.bind(total(ct), total(ct_x))
    return [ct_x if ad.is_undefined(x) else None, ct_pad]


ad.deflinear(concatenate_p, _concatenate_transpose)
ad.deflinear(split_p, _split_transpose)
ad.deflinear(pad_p, _pad_transpose)


# ----------------------------------------------------------------------------------------------
# Batching rules (vmap), of the form described in structural.py.


def _concatenate_batch(vals, dims, *, dimension):
    size = batching.mapped_size(vals, dims)
    # The first batched operand's batch dim becomes everyone's.
    d = next(d for d in dims if d is not batching.not_mapped)
    xs = [batching.bdim_at(x, xd, size, d) for x, xd in zip(vals, dims)]
    return concatenate_p.bind(*xs, dimension=dimension + (dimension >= d)), d


def _split_batch(vals, dims, *, sizes, axis):
    (x,), (d,) = vals, dims
    return split_p.bind(x, sizes=sizes, axis=axis + (axis >= d)), [d] * len(sizes)


def _pad_batch(vals, dims, *, padding_config):
    x, padding_value = vals
    d, pd = dims
    if d is batching.not_mapped:
        x, d = batching.broadcast(x, shape_of(padding_value)[pd], 0), 0
    config = list(padding_config)
    config.insert(d, (0, 0, 0))
    config = tuple(config)
    if pd is batching.not_mapped:
        return pad_p.bind(x, padding_value, padding_config=config), d
    # A batched padding value: pad with anything, then select the padding positions.
    aval = core.get_aval(x)
    filler = core._wrap(np.zeros((), aval.dtype), aval.weak_type)
    padded = pad_p.bind(x, filler, padding_config=config)
    mask = pad_p.bind(full(aval.shape, True, np.bool_), np.array(False), padding_config=config)
    values = broadcast_in_dim(padding_value, shape_of(padded), (d,))
    return ew.select_n_p.bind(mask, values, padded), d


concatenate_p.batch = _concatenate_batch
split_p.batch = _split_batch
pad_p.batch = _pad_batch

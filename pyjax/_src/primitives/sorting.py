"""Sorting: the sort primitive (several operands ordered by their first keys) and top_k.

``sort`` orders floats as JAX's comparator does: -0.0 and +0.0 tie, every NaN sorts after
+inf, and ties keep their order (stable). ``top_k`` uses XLA's total order instead
(-NaN < -inf < ... < -0 < +0 < ... < inf < +NaN) and puts the lower index first on ties.
"""
import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.primitives.common import standard_primitive


def _canonicalize_axis(axis, ndim):
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


# -- sort ---------------------------------------------------------------------------------------

def _sort_shape_rule(*avals, dimension, is_stable, num_keys):
    if any(a.shape != avals[0].shape for a in avals[1:]):
        shapes = " ".join(str(a.shape) for a in avals)
        raise TypeError(f"Arguments to sort must have equal shapes, got: {shapes}")
    return [a.shape for a in avals]


def _check_sort_keys(dtypes_, num_keys):
    # Key arrays have no order (JAX's comparator, lt_to, rejects them); they may be values.
    for i, dt in enumerate(dtypes_[:num_keys]):
        if dtypes.is_key_dtype(dt):
            raise TypeError(f"lt_to does not accept dtype {dtypes.dtype_name(dt)} at position 0. "
                            "Accepted dtypes at position 0 are subtypes of integer, floating, "
                            "bool.")


def _sort_dtype_rule(*avals, num_keys, **_):
    _check_sort_keys([a.dtype for a in avals], num_keys)
    return [a.dtype for a in avals]


def _sort_keys(x):
    """Arrays whose lexicographic NumPy order is JAX's sort order for ``x``."""
    if x.dtype.kind == "c":
        return [x.real, x.imag]
    if x.dtype == np.float16 or x.dtype == dtypes.bfloat16:
        return [x.astype(np.float32)]  # exact; NumPy's own half sorts may mishandle NaN
    return [x]


def _order_key32(x):
    """32-bit ``x`` as uint64 numbers ordered as JAX's comparator orders ``x`` (floats: -0.0
    ties with +0.0, every NaN ties with the others after +inf), or None for other dtypes.
    (NumPy's stable sort of 8- and 16-bit values is a radix sort: faster as it is.)"""
    if x.dtype.itemsize != 4 or x.dtype.kind not in "iuf":
        return None
    if x.dtype.kind == "f":
        # +0.0 for -0.0 and one NaN for all: then the bits order as the values do.
        x = np.where(x == 0, np.float32(0), np.where(np.isnan(x), np.float32(np.nan), x))
        bits = x.view(np.int32).astype(np.int64)
        # Negative floats: flip the magnitude bits so that larger magnitudes sort lower.
        bits = np.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
        return (bits + (1 << 31)).astype(np.uint64)
    if x.dtype.kind == "i":
        return (x.astype(np.int64) + (1 << 31)).astype(np.uint64)
    return x.astype(np.uint64)


def _stable_argsort(key, axis):
    """``np.argsort(key, axis, kind="stable")``, fast for keys of at most 32 bits.

    Such a key and the element's index fit one uint64 whose order is (key, index), the stable
    order; NumPy sorts those with its vectorised quicksort (several times faster than its
    stable sort of the keys alone).
    """
    n = key.shape[axis]
    order = _order_key32(key) if n < (1 << 32) and key.size > 1 else None
    if order is None:
        return np.argsort(key, axis=axis, kind="stable")
    shape = [1] * key.ndim
    shape[axis] = n
    composite = (order << np.uint64(32)) | np.arange(n, dtype=np.uint64).reshape(shape)
    composite.sort(axis=axis)
    return (composite & np.uint64(0xFFFFFFFF)).astype(np.intp)


def _sort_impl(*operands, dimension, is_stable, num_keys):
    if len(operands) > 1 and operands[0].shape != operands[-1].shape:
        _sort_shape_rule(*[core.ShapedArray(x.shape, x.dtype) for x in operands],
                         dimension=dimension, is_stable=is_stable, num_keys=num_keys)
    if any(x.dtype.kind == "V" for x in operands[:num_keys]):
        _check_sort_keys([x.dtype for x in operands], num_keys)
    # Always stable: XLA's unstable sort may order ties either way, so stable is a valid answer.
    keys = [k for x in operands[:num_keys] for k in _sort_keys(x)]
    if len(operands) == 1 and keys[0] is operands[0] and operands[0].dtype.itemsize != 4:
        return [np.sort(operands[0], axis=dimension, kind="stable")]
    if len(keys) == 1:
        perm = _stable_argsort(keys[0], dimension)
    else:
        perm = np.lexsort(keys[::-1], axis=dimension)  # lexsort's last key is the primary one
    return [np.take_along_axis(x, perm, axis=dimension) for x in operands]


sort_p = standard_primitive("sort", _sort_shape_rule, _sort_dtype_rule, _sort_impl,
                            multiple_results=True)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """Sort one array, or several arrays by the first ``num_keys`` of them.

    Args:
      operand: an array, or a sequence of arrays of equal shapes.
      dimension: the dimension to sort along.
      is_stable: whether ties must keep their order (they always do here).
      num_keys: how many leading operands form the lexicographic key (first is primary).

    Returns:
      The sorted array, or a tuple of arrays permuted alike.

    Example:
      >>> sort(jnp.array([3., jnp.nan, -1.]))
      Array([-1.,  3., nan], dtype=float32)
    """
    if isinstance(operand, (list, tuple)):
        if len(operand) == 0:
            raise TypeError("Sort requires at least one operand")
        if not 1 <= num_keys <= len(operand):
            raise ValueError(f"num_keys={num_keys} must be between 1 and "
                             f"len(operand)={len(operand)}")
        dimension = _canonicalize_axis(dimension, len(core.get_aval(operand[0]).shape))
        return tuple(sort_p.bind(*operand, dimension=dimension, is_stable=bool(is_stable),
                                 num_keys=int(num_keys)))
    if num_keys != 1:
        raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
    dimension = _canonicalize_axis(dimension, len(core.get_aval(operand).shape))
    return sort_p.bind(operand, dimension=dimension, is_stable=bool(is_stable), num_keys=1)[0]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """Sort ``keys`` along ``dimension`` and apply the same permutation to ``values``."""
    dimension = _canonicalize_axis(dimension, len(core.get_aval(keys).shape))
    k, v = sort_p.bind(keys, values, dimension=dimension, is_stable=bool(is_stable), num_keys=1)
    return k, v


# -- top_k --------------------------------------------------------------------------------------

def _top_k_check(operand, k, axis):
    if operand.dtype.kind == "c":
        raise ValueError("top_k is not compatible with complex inputs.")
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if len(operand.shape) == 0:
        raise TypeError(f"top_k operand must have >= 1 dimension, got {operand.shape}")
    if not 0 <= axis < len(operand.shape):
        raise ValueError(f"axis argument out of range: axis={axis} for "
                         f"operand.shape={operand.shape}")
    shape = list(operand.shape)
    if shape[axis] < k:
        raise ValueError("k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={shape} and axis={axis}")
    shape[axis] = k
    return tuple(shape)


def _top_k_shape_rule(operand, *, k, axis):
    shape = _top_k_check(operand, k, axis)
    return [shape, shape]


def _top_k_dtype_rule(operand, **_):
    return [operand.dtype, np.dtype(np.int32)]


def _total_order_key(x):
    """Integers ordered like XLA's total order on ``x`` (floats: -NaN < -inf < -0 < +0 ...)."""
    if x.dtype == np.bool_:
        return x.view(np.uint8)
    if x.dtype.kind in "iu":
        return x
    bits = x.view(np.dtype(f"i{x.dtype.itemsize}"))
    # Negative floats: flip the magnitude bits so that larger magnitudes sort lower.
    flip = np.iinfo(bits.dtype).max
    return np.where(bits < 0, bits ^ bits.dtype.type(flip), bits)


def _top_k_impl(operand, *, k, axis):
    if (operand.dtype.kind == "c" or not 0 <= axis < operand.ndim
            or not 0 <= k <= operand.shape[axis]):
        _top_k_check(core.ShapedArray(operand.shape, operand.dtype), k, axis)
    # ~key reverses the order without overflow, and a stable sort keeps low indices first.
    perm = np.argsort(~_total_order_key(operand), axis=axis, kind="stable")
    perm = perm[(slice(None),) * axis + (slice(0, k),)]
    return [np.take_along_axis(operand, perm, axis=axis), perm.astype(np.int32)]


# JAX derives both outputs from the operand's aval, so the indices share its weak type.
top_k_p = standard_primitive("top_k", _top_k_shape_rule, _top_k_dtype_rule, _top_k_impl,
                             weak_type_rule=lambda flags, params: flags[0],
                             multiple_results=True)


def top_k(operand, k, *, axis=-1):
    """The ``k`` largest entries along ``axis`` (default last) and their int32 indices.

    Entries are in descending order; of equal entries the lower index comes first. NaN counts
    as larger than +inf.

    Args:
      operand: a non-complex array of rank >= 1.
      k: how many entries to return.
      axis: the axis to search.

    Returns:
      A tuple ``(values, indices)``.

    Example:
      >>> top_k(jnp.array([9., 3., 6., 4., 10.]), 3)
      (Array([10.,  9.,  6.], dtype=float32), Array([4, 0, 2], dtype=int32))
    """
    k = int(k)
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    axis = _canonicalize_axis(axis, len(core.get_aval(operand).shape))
    values, indices = top_k_p.bind(operand, k=k, axis=axis)
    return values, indices


# -- differentiation rules (JAX's, jax/_src/lax/lax.py) -----------------------------------------
# sort and top_k move elements: their tangents are the input tangents gathered at the positions
# the primal elements came from (sort finds them by sorting an iota along with the operands).

from pyjax._src.interpreters import ad  # noqa: E402


def _take_along(x, idx, axis):
    """``x`` gathered at ``idx`` along ``axis`` (other dims matched one to one), as a gather
    with batching dims, whose transpose is a scatter-add of the same form."""
    from pyjax._src.primitives import indexing, structural
    rank = len(core.get_aval(x).shape)
    idx_shape = core.get_aval(idx).shape
    others = tuple(d for d in range(rank) if d != axis)
    dn = indexing.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=(axis,), start_index_map=(axis,),
        operand_batching_dims=others, start_indices_batching_dims=others)
    indices = structural.reshape(idx, idx_shape + (1,))
    return indexing.gather(x, indices, dn, (1,) * rank, unique_indices=True,
                           mode=indexing.GatherScatterMode.PROMISE_IN_BOUNDS)


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    from pyjax._src.primitives import structural
    shape = core.get_aval(primals[0]).shape
    index_dtype = np.int32 if shape[dimension] < np.iinfo(np.int32).max else np.int64
    iota = structural.broadcasted_iota(index_dtype, shape, dimension)
    *sorted_primals, perm = sort_p.bind(*primals, iota, dimension=dimension,
                                        is_stable=is_stable, num_keys=num_keys)
    if 0 in shape:  # nothing to gather (and gathers need windows of size 1)
        return sorted_primals, [ad.Zero(ad.tangent_aval(core.get_aval(p)))
                                for p in sorted_primals]
    tangents_out = [t if type(t) is ad.Zero else _take_along(t, perm, dimension)
                    for t in tangents]
    return sorted_primals, tangents_out


def _top_k_jvp(primals, tangents, *, k, axis):
    (operand,), (g,) = primals, tangents
    values, indices = top_k_p.bind(operand, k=k, axis=axis)
    index_tangent = ad.Zero(ad.tangent_aval(core.get_aval(indices)))
    if type(g) is ad.Zero or 0 in core.get_aval(values).shape:
        return [values, indices], [ad.Zero(ad.tangent_aval(core.get_aval(values))),
                                   index_tangent]
    return [values, indices], [_take_along(g, indices, axis), index_tangent]


sort_p.jvp = _sort_jvp
top_k_p.jvp = _top_k_jvp


# -- batching rules (JAX's, jax/_src/lax/lax.py) ------------------------------------------------

from pyjax._src.interpreters import batching  # noqa: E402


def _sort_batch(vals, dims, *, dimension, is_stable, num_keys):
    # Every operand needs the same shape: put the batch dim where the first batched one has it.
    size = batching.mapped_size(vals, dims)
    d = next(d for d in dims if d is not batching.not_mapped)
    operands = [batching.bdim_at(x, xd, size, d) for x, xd in zip(vals, dims)]
    out = sort_p.bind(*operands, dimension=dimension + (dimension >= d), is_stable=is_stable,
                      num_keys=num_keys)
    return out, [d] * len(out)


def _top_k_batch(vals, dims, *, k, axis):
    (x,), (d,) = vals, dims
    return top_k_p.bind(x, k=k, axis=axis + (axis >= d)), [d, d]


sort_p.batch = _sort_batch
top_k_p.batch = _top_k_batch

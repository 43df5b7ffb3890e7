"""Set operations: unique (and the array-API unique_* functions), isin, union1d, intersect1d,
setdiff1d, setxor1d.

Output sizes depend on the data, so without a static ``size=`` these need concrete inputs; with
``size=`` they follow JAX's padded algorithms exactly (which entries pad, and with what).
"""
import math
import operator
from typing import NamedTuple

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import errors
from pyjax._src import lax
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.sorting import (
    _astype, _concatenate, _cumsum, _dtype, _int_dtype, _index_dtype, _iota, _moveaxis,
    _ndim, _nonzero1d, _ravel, _scalar, _scatter1d, _shape, _slice, _sum, _take, _where,
    lexsort, searchsorted)
from pyjax._src.primitives import sorting as _lax_sorting

UNIQUE_SIZE_HINT = (
    "To make jnp.unique() compatible with JIT and other transforms, you can specify "
    "a concrete value for the size argument, which will determine the output size.")


def _concrete(x, context):
    return core.concrete_or_error(lambda v: v, x, context)


def _bool_index(x, mask):
    """``x[mask]`` for a 1-d boolean mask, which must be concrete."""
    if isinstance(mask, core.Tracer):
        value = mask.to_concrete_value()
        if value is None:
            raise errors.NonConcreteBooleanIndexError(
                f"Array boolean indices must be concrete; got {mask.aval!r}\n\nSee "
                "https://docs.jax.dev/en/latest/errors.html"
                "#jax.errors.NonConcreteBooleanIndexError")
        mask = value
    positions = np.nonzero(np.asarray(mask))[0].astype(_int_dtype())
    return _take(x, ArrayImpl(positions))


def _nonzero_concrete(mask):
    return ArrayImpl(np.nonzero(np.asarray(mask))[0].astype(_int_dtype()))


def _arange(n):
    return _iota(_int_dtype(), n)


def _lt_count(n, count):
    """``arange(n) < count`` for a traced or concrete ``count``."""
    count = util.to_array(count)
    return lax.lt(_arange(n), _astype(count, _int_dtype()))


# ----------------------------------------------------------------------------------------------
# unique


def _unique_sorted_mask(ar, axis, equal_nan):
    aux = _moveaxis(ar, axis, 0)
    if _dtype(aux).kind == "c":
        # Canonicalise NaNs (also those only in the imaginary part) so that they sort together.
        nan = _scalar(complex(np.nan, 0), _dtype(aux))
        aux = _where(ufuncs.isnan(aux), nan, aux)
    size, *out_shape = _shape(aux)
    if math.prod(out_shape) == 0:
        # Empty slices are vacuously equal as in numpy, so keep at most one.
        size = min(size, 1)
        perm = lax.full((size,), 0, _int_dtype())
    else:
        flat = lax.reshape(aux, (size, math.prod(out_shape)))
        cols = [lax.index_in_dim(flat, j, 1, keepdims=False) for j in range(_shape(flat)[1])]
        perm = lexsort(cols[::-1])
    aux = _take(aux, perm)
    if math.prod(_shape(aux)):
        if equal_nan and (_dtype(aux).kind in "fc" or _dtype(aux) == dtypes.bfloat16):
            def neq(x, y):
                both_nan = lax.bitwise_and(ufuncs.isnan(x), ufuncs.isnan(y))
                return lax.bitwise_and(lax.ne(x, y), lax.bitwise_not(both_nan))
        else:
            neq = lax.ne
        diff = neq(_slice(aux, 1, None), _slice(aux, None, -1))
        if _ndim(diff) > 1:
            diff = lax.reduce_or(diff, tuple(range(1, _ndim(diff))))
        mask = lax.concatenate([lax.full((1,), True, np.bool_), diff], 0)
    else:
        mask = lax.full((size,), False, np.bool_)
    return aux, mask, perm


def _unique(ar, axis, return_index=False, return_inverse=False, return_counts=False,
            equal_nan=True, size=None, fill_value=None, return_true_size=False):
    """The unique slices of ``ar`` along ``axis``, with JAX's padding when ``size`` is given."""
    axis = util.canonicalize_axis(axis, _ndim(ar))
    if _shape(ar)[axis] == 0 and size and fill_value is None:
        raise ValueError("jnp.unique: for zero-sized input with nonzero size argument, "
                         "fill_value must be specified")
    aux, mask, perm = _unique_sorted_mask(ar, axis, equal_nan)
    aux_size = math.prod(_shape(aux))
    if size is None:
        mask_value = _concrete(mask, "The error arose in jnp.unique(). " + UNIQUE_SIZE_HINT)
        ind = _nonzero_concrete(mask_value)
    else:
        ind = _nonzero1d(mask, size)
    result = _take(aux, ind) if aux_size else aux
    if size is not None and fill_value is not None:
        fill = _astype(fill_value, _dtype(result))
        if _shape(result)[0]:
            valid = _lt_count(size, _sum(mask))
            valid = lax.expand_dims(valid, tuple(range(1, _ndim(result))))
            result = _where(valid, result, fill)
        else:
            result = lax.full((size, *_shape(result)[1:]), fill, _dtype(result))
    result = _moveaxis(result, 0, axis)

    ret = (result,)
    int_dt = _int_dtype()
    if return_index:
        ret += (_take(perm, ind) if aux_size else perm,)
    if return_inverse:
        if aux_size:
            imask = lax.sub(_cumsum(mask), _scalar(1, int_dt))
            inv_idx = _scatter1d(lax.full(_shape(mask), 0, int_dt), perm, imask)
        else:
            inv_idx = lax.full((_shape(ar)[axis],), 0, int_dt)
        ret += (inv_idx,)
    if return_counts:
        n = _shape(mask)[0]
        if aux_size:
            if size is None:
                idx = _concatenate([_nonzero_concrete(mask_value),
                                    _scalar(np.array([n]), int_dt)])
            else:
                idx = _nonzero1d(mask, size + 1)
                tail = _slice(idx, 1, None)
                tail = _where(tail, tail, _scalar(n, int_dt))
                idx = lax.concatenate([_slice(idx, 0, 1), tail], 0)
            ret += (lax.sub(_slice(idx, 1, None), _slice(idx, None, -1)),)
        elif _shape(ar)[axis]:
            ret += (lax.full((1,), _shape(ar)[axis], int_dt),)
        else:
            ret += (lax.full((0,), 0, int_dt),)
    if return_true_size:
        ret += (_sum(mask),)
    return ret[0] if len(ret) == 1 else ret


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):
    """The sorted unique values (or slices along ``axis``) of an array.

    Args:
      ar: input array.
      return_index: also return the index of the first occurrence of each unique value.
      return_inverse: also return, for each input entry, the index of its unique value.
      return_counts: also return the number of occurrences of each unique value.
      axis: find unique slices along this axis; None (default) flattens ``ar``.
      equal_nan: treat NaNs as equal to each other.
      size: a static output size, required under ``jit``: the result is truncated or padded.
      fill_value: the padding value when ``size`` is given (default: the smallest unique
        value).
      sorted: unused.

    Returns:
      The unique values, or a tuple with the requested extra outputs.

    Example:
      >>> unique(jnp.array([3, 4, 1, 3, 1]), size=5, fill_value=0)
      Array([1, 3, 4, 0, 0], dtype=int32)
    """
    del sorted
    util.check_arraylike("unique", ar)
    arr = util.to_array(ar)
    if size is None:
        arr = _concrete(arr, "The error arose for the first argument of jnp.unique(). "
                        + UNIQUE_SIZE_HINT)
        arr = util.to_array(arr)
    else:
        size = core.concrete_or_error(operator.index, size,
                                      "The error arose for the size argument of jnp.unique(). "
                                      + UNIQUE_SIZE_HINT)
    arr_shape = _shape(arr)
    if axis is None:
        axis_int = 0
        arr = _ravel(arr) if _ndim(arr) != 1 else arr
    else:
        axis_int = util.canonicalize_axis(axis, _ndim(arr))
    result = _unique(arr, axis_int, return_index, return_inverse, return_counts,
                     equal_nan=equal_nan, size=size, fill_value=fill_value)
    if return_inverse and axis is None:
        idx = 2 if return_index else 1
        result = (*result[:idx], lax.reshape(result[idx], arr_shape), *result[idx + 1:])
    return result


class _UniqueAllResult(NamedTuple):
    """Struct returned by :func:`jax.numpy.unique_all`."""
    values: object
    indices: object
    inverse_indices: object
    counts: object


class _UniqueCountsResult(NamedTuple):
    """Struct returned by :func:`jax.numpy.unique_counts`."""
    values: object
    counts: object


class _UniqueInverseResult(NamedTuple):
    """Struct returned by :func:`jax.numpy.unique_inverse`."""
    values: object
    inverse_indices: object


for _cls in (_UniqueAllResult, _UniqueCountsResult, _UniqueInverseResult):
    _cls.__module__ = "jax._src.numpy.setops"


def unique_all(x, /, *, size=None, fill_value=None):
    """Unique values with first indices, inverse indices and counts (NaNs not merged).

    Returns:
      ``_UniqueAllResult(values, indices, inverse_indices, counts)``.
    """
    util.check_arraylike("unique_all", x)
    values, indices, inverse_indices, counts = unique(
        x, return_index=True, return_inverse=True, return_counts=True, equal_nan=False,
        size=size, fill_value=fill_value)
    return _UniqueAllResult(values=values, indices=indices, inverse_indices=inverse_indices,
                            counts=counts)


def unique_counts(x, /, *, size=None, fill_value=None):
    """Unique values and their counts (NaNs not merged).

    Returns:
      ``_UniqueCountsResult(values, counts)``.
    """
    util.check_arraylike("unique_counts", x)
    values, counts = unique(x, return_counts=True, equal_nan=False, size=size,
                            fill_value=fill_value)
    return _UniqueCountsResult(values=values, counts=counts)


def unique_inverse(x, /, *, size=None, fill_value=None):
    """Unique values and the inverse indices that rebuild ``x`` (NaNs not merged).

    Returns:
      ``_UniqueInverseResult(values, inverse_indices)``.
    """
    util.check_arraylike("unique_inverse", x)
    values, inverse_indices = unique(x, return_inverse=True, equal_nan=False, size=size,
                                     fill_value=fill_value)
    return _UniqueInverseResult(values=values, inverse_indices=inverse_indices)


def unique_values(x, /, *, size=None, fill_value=None):
    """The unique values of ``x`` (NaNs not merged)."""
    util.check_arraylike("unique_values", x)
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# ----------------------------------------------------------------------------------------------
# isin


def _in1d(ar1, ar2, invert, method="auto", assume_unique=False):
    util.check_arraylike("in1d", ar1, ar2)
    arr1, arr2 = util.promote_dtypes(ar1, ar2)
    arr1, arr2 = _ravel(arr1), _ravel(arr2)
    n1, n2 = _shape(arr1)[0], _shape(arr2)[0]
    if n1 == 0 or n2 == 0:
        return lax.full((n1,), bool(invert), np.bool_)
    if method in ("auto", "compare_all"):
        a = lax.expand_dims(arr1, (1,))
        b = lax.expand_dims(arr2, (0,))
        if invert:
            return lax.reduce_and(ufuncs.not_equal(a, b), (1,))
        return lax.reduce_or(ufuncs.equal(a, b), (1,))
    if method == "binary_search":
        arr2 = _lax_sorting.sort(arr2)
        ind = searchsorted(arr2, arr1)
        ind = _where(lax.ge(ind, _scalar(n2, _dtype(ind))), _scalar(n2 - 1, _dtype(ind)), ind)
        found = ufuncs.equal(arr1, _take(arr2, ind))
        return lax.bitwise_not(found) if invert else found
    if method == "sort":
        if assume_unique:
            ind_out = None
        else:
            arr1, ind_out = unique(arr1, size=n1, return_inverse=True,
                                   fill_value=lax.reduce_max(arr2, (0,)))
        aux, ind = _lax_sorting.sort_key_val(lax.concatenate([arr1, arr2], 0),
                                             _arange(n1 + n2))
        same = ufuncs.equal(_slice(aux, 1, None), _slice(aux, None, -1))
        if invert:
            out = _scatter1d(lax.full((n1,), True, np.bool_), _slice(ind, None, -1),
                             lax.bitwise_not(same))
        else:
            out = _scatter1d(lax.full((n1,), False, np.bool_), _slice(ind, None, -1), same)
        return out if ind_out is None else _take(out, ind_out)
    raise ValueError(f"method={method!r} is not implemented; options are "
                     "'compare_all', 'binary_search', 'sort', and 'auto'")


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    """Whether each entry of ``element`` occurs in ``test_elements``.

    Args:
      element: input array.
      test_elements: values to test against (any shape).
      assume_unique: promise that both inputs hold unique values.
      invert: return the negation.
      method: 'auto' (= 'compare_all'), 'compare_all', 'binary_search' or 'sort'.

    Returns:
      A boolean array of ``element``'s shape.

    Example:
      >>> isin(jnp.array([1, 2, 3, 4]), jnp.array([[1, 5, 6, 3, 7, 1]]))
      Array([ True, False,  True, False], dtype=bool)
    """
    util.check_arraylike("isin", element, test_elements)
    element = util.to_array(element)
    result = _in1d(element, test_elements, invert=invert, method=method,
                   assume_unique=assume_unique)
    return lax.reshape(result, _shape(element))


# ----------------------------------------------------------------------------------------------
# union1d, setdiff1d, setxor1d, intersect1d


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique values of ``ar1`` that are not in ``ar2``.

    Args:
      ar1: first array (flattened).
      ar2: second array (flattened).
      assume_unique: promise that both inputs hold unique values.
      size: a static output size (required under ``jit``).
      fill_value: the padding value when ``size`` is given (default 0).

    Returns:
      A 1-d array.

    Example:
      >>> setdiff1d(jnp.array([1, 2, 3, 4]), jnp.array([3, 4, 5, 6]))
      Array([1, 2], dtype=int32)
    """
    util.check_arraylike("setdiff1d", ar1, ar2)
    arr1, arr2 = _ravel(util.to_array(ar1)), _ravel(util.to_array(ar2))
    if size is None:
        _concrete(arr1, "The error arose in setdiff1d()")
    else:
        size = core.concrete_or_error(operator.index, size, "The error arose in setdiff1d()")
    weak = dtypes.is_weakly_typed(arr1)
    fill = lax._convert(util.to_array(0 if fill_value is None else fill_value), _dtype(arr1),
                        weak)
    n1 = _shape(arr1)[0]
    if n1 == 0 or size == 0:
        return lax.full_like(arr1, fill, shape=(size or 0,))
    if not assume_unique:
        arr1 = unique(arr1, size=size and n1)
    mask = _in1d(arr1, arr2, invert=True, assume_unique=assume_unique)
    if size is None:
        return _bool_index(arr1, mask)
    if not assume_unique:
        # Set the mask to False where unique() padded.
        first = lax.slice_in_dim(arr1, 0, 1)
        n_unique = lax.sub(_scalar(n1 + 1, _int_dtype()), _sum(ufuncs.equal(arr1, first)))
        mask = _where(_lt_count(n1, n_unique), mask, False)
    picked = _take(arr1, _nonzero1d(mask, size))
    return _where(_lt_count(size, _sum(mask)), picked, fill)


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique values found in either of two arrays.

    Args:
      ar1: first array (flattened).
      ar2: second array (flattened).
      size: a static output size (required under ``jit``).
      fill_value: the padding value when ``size`` is given (default: the smallest value).

    Returns:
      A 1-d array.

    Example:
      >>> union1d(jnp.array([1, 2, 3, 4]), jnp.array([3, 4, 5, 6]))
      Array([1, 2, 3, 4, 5, 6], dtype=int32)
    """
    util.check_arraylike("union1d", ar1, ar2)
    ar1, ar2 = util.to_array(ar1), util.to_array(ar2)
    if size is None:
        ar1 = util.to_array(_concrete(ar1, "The error arose in union1d()"))
        ar2 = util.to_array(_concrete(ar2, "The error arose in union1d()"))
    else:
        size = core.concrete_or_error(operator.index, size, "The error arose in union1d()")
    return unique(_concatenate([_ravel(ar1), _ravel(ar2)]), size=size, fill_value=fill_value)


def _concat_unique(arr1, arr2):
    """The unique values of two arrays side by side, and how many there are."""
    arr1, arr2 = _ravel(arr1), _ravel(arr2)
    arr1, num_unique1 = _unique(arr1, axis=0, size=_shape(arr1)[0], return_true_size=True)
    arr2, num_unique2 = _unique(arr2, axis=0, size=_shape(arr2)[0], return_true_size=True)
    dtype = dtypes.result_type(arr1, arr2)
    arr = lax.full((_shape(arr1)[0] + _shape(arr2)[0],), 0, dtype)
    arr = lax.dynamic_update_slice(arr, _astype(arr1, dtype), (_scalar(0, _int_dtype()),))
    arr = lax.dynamic_update_slice(arr, _astype(arr2, dtype), (num_unique1,))
    return arr, lax.add(num_unique1, num_unique2)


def _pad_results(vals, num_results, fill_value):
    n = _shape(vals)[0]
    if n == 0:
        return vals  # fill values are irrelevant in an empty array
    valid = _lt_count(n, num_results)
    if fill_value is None:
        # Launder the zero-filled padding through max() first, so that unfilled slots end up
        # padded with the smallest real result.
        vals = _where(valid, vals, lax.reduce_max(vals, (0,)))
        return _where(valid, vals, lax.reduce_min(vals, (0,)))
    return _where(valid, vals, fill_value)


def _setxor1d_size(arr1, arr2, fill_value, assume_unique, size):
    int_dt = _int_dtype()
    if assume_unique:
        aux = _lax_sorting.sort(lax.concatenate([arr1, arr2], 0))
        n = _shape(aux)[0]
        flag = _concatenate([lax.full((1,), bool(n), np.bool_),
                             ufuncs.not_equal(_slice(aux, 1, None), _slice(aux, None, -1)),
                             lax.full((1,), True, np.bool_)])
    else:
        arr, num_unique = _concat_unique(arr1, arr2)
        n = _shape(arr)[0]
        mask = _lt_count(n + 1, lax.add(num_unique, _scalar(1, int_dt)))
        _, aux = _lax_sorting.sort([lax.bitwise_not(_slice(mask, 1, None)), arr],
                                   is_stable=True, num_keys=2)
        flag = _concatenate([lax.full((1,), bool(n), np.bool_),
                             ufuncs.not_equal(_slice(aux, 1, None), _slice(aux, None, -1)),
                             lax.full((1,), False, np.bool_)])
        flag = _scatter1d(flag, num_unique, True)
        flag = lax.bitwise_and(mask, flag)
    aux_mask = lax.bitwise_and(_slice(flag, 1, None), _slice(flag, None, -1))
    num_results = _sum(aux_mask)
    if n:
        indices = _nonzero1d(aux_mask, size, fill_value=n)
        vals = _take(aux, indices, mode="fill", fill_value=0)
    else:
        vals = lax.full((size,), 0, _dtype(aux))
    return _pad_results(vals, num_results, fill_value)


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted values found in exactly one of two arrays.

    Args:
      ar1: first array (flattened).
      ar2: second array (flattened).
      assume_unique: promise that both inputs hold unique values.
      size: a static output size (required under ``jit``).
      fill_value: the padding value when ``size`` is given (default: the smallest result).

    Returns:
      A 1-d array.

    Example:
      >>> setxor1d(jnp.array([1, 2, 3, 4]), jnp.array([3, 4, 5, 6]))
      Array([1, 2, 5, 6], dtype=int32)
    """
    util.check_arraylike("setxor1d", ar1, ar2)
    arr1, arr2 = util.promote_dtypes(_ravel(util.to_array(ar1)), _ravel(util.to_array(ar2)))
    if size is not None:
        size = core.concrete_or_error(operator.index, size, "The error arose in setxor1d()")
        return _setxor1d_size(arr1, arr2, fill_value, bool(assume_unique), size)
    if not assume_unique:
        arr1 = unique(arr1)
        arr2 = unique(arr2)
    aux = _concatenate([arr1, arr2])
    if _shape(aux)[0] == 0:
        return aux
    aux = _lax_sorting.sort(aux)
    flag = _concatenate([lax.full((1,), True, np.bool_),
                         ufuncs.not_equal(_slice(aux, 1, None), _slice(aux, None, -1)),
                         lax.full((1,), True, np.bool_)])
    return _bool_index(aux, lax.bitwise_and(_slice(flag, 1, None), _slice(flag, None, -1)))


def _intersect1d_size(arr1, arr2, fill_value, assume_unique, size, return_indices):
    int_dt = _int_dtype()
    n1, n2 = _shape(arr1)[0], _shape(arr2)[0]
    if assume_unique:
        ind1, num_unique1 = _arange(n1), _scalar(n1, int_dt)
        ind2 = _arange(n2)
        arr = lax.concatenate([arr1, arr2], 0)
        aux, aux_sort_indices = _lax_sorting.sort([arr, _arange(n1 + n2)], is_stable=True,
                                                  num_keys=1)
        mask = lax.full((n1 + n2,), True, np.bool_)
    else:
        arr1, ind1, num_unique1 = _unique(arr1, 0, size=n1, return_index=True,
                                          return_true_size=True, fill_value=0)
        arr2, ind2, num_unique2 = _unique(arr2, 0, size=n2, return_index=True,
                                          return_true_size=True, fill_value=0)
        dtype = dtypes.result_type(arr1, arr2)
        arr = lax.full((n1 + n2,), 0, dtype)
        arr = lax.dynamic_update_slice(arr, _astype(arr1, dtype), (_scalar(0, int_dt),))
        arr = lax.dynamic_update_slice(arr, _astype(arr2, dtype), (num_unique1,))
        mask = _lt_count(n1 + n2, lax.add(num_unique1, num_unique2))
        _, aux, aux_sort_indices = _lax_sorting.sort(
            [lax.bitwise_not(mask), arr, _arange(n1 + n2)], is_stable=True, num_keys=2)

    # Adjacent equal entries of the sorted unique values are the intersection.
    n = _shape(aux)[0]
    aux_mask = lax.bitwise_and(
        ufuncs.equal(_slice(aux, 1, None), _slice(aux, None, -1)), _slice(mask, 1, None))
    num_results = _sum(aux_mask)
    if n:
        val_indices = _nonzero1d(aux_mask, size, fill_value=n)
        vals = _take(aux, val_indices, mode="fill", fill_value=0)
    else:
        val_indices = _arange(0)
        vals = lax.full((size,), 0, _dtype(aux))
    vals = _pad_results(vals, num_results, fill_value)
    if not return_indices:
        return vals

    # Unwind the sort and unique() permutations to indices into the inputs.
    valid = _lt_count(_shape(val_indices)[0], num_results)
    arr1_indices = _take(aux_sort_indices, val_indices, mode="fill", fill_value=n1)
    arr1_indices = _where(valid, arr1_indices, _scalar(n1, int_dt))
    arr2_indices = lax.sub(
        _take(aux_sort_indices, lax.add(val_indices, _scalar(1, int_dt)), mode="fill",
              fill_value=n2), _astype(num_unique1, int_dt))
    arr2_indices = _where(valid, arr2_indices, _scalar(n2, int_dt))
    if not assume_unique:
        arr1_indices = _take(ind1, arr1_indices, mode="fill", fill_value=_shape(ind1)[0])
        arr2_indices = _take(ind2, arr2_indices, mode="fill", fill_value=_shape(ind2)[0])
    return vals, arr1_indices, arr2_indices


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    """The sorted unique values found in both of two arrays.

    Args:
      ar1: first array (flattened).
      ar2: second array (flattened).
      assume_unique: promise that both inputs hold unique values.
      return_indices: also return the indices of the first occurrences in ``ar1``, ``ar2``.
      size: a static output size (required under ``jit``); padded indices are out of bounds.
      fill_value: the padding value when ``size`` is given (default: the smallest result).

    Returns:
      The intersection, or ``(intersection, ar1_indices, ar2_indices)``.

    Example:
      >>> intersect1d(jnp.array([1, 2, 3, 4]), jnp.array([3, 4, 5, 6]))
      Array([3, 4], dtype=int32)
    """
    util.check_arraylike("intersect1d", ar1, ar2)
    arr1, arr2 = util.promote_dtypes(ar1, ar2)
    arr1, arr2 = _ravel(arr1), _ravel(arr2)
    if size is not None:
        size = core.concrete_or_error(operator.index, size, "The error arose in intersect1d()")
        return _intersect1d_size(arr1, arr2, fill_value, bool(assume_unique), size,
                                 bool(return_indices))
    ind1 = ind2 = _arange(0)
    if not assume_unique:
        if return_indices:
            arr1, ind1 = unique(arr1, return_index=True)
            arr2, ind2 = unique(arr2, return_index=True)
        else:
            arr1 = unique(arr1)
            arr2 = unique(arr2)
    arr = lax.concatenate([arr1, arr2], 0)
    n = _shape(arr)[0]
    if return_indices:
        iota = _iota(_index_dtype(n), n)
        aux, aux_sort_indices = _lax_sorting.sort_key_val(arr, iota)
    else:
        aux = _lax_sorting.sort(arr)
    mask = ufuncs.equal(_slice(aux, 1, None), _slice(aux, None, -1))
    int1d = _bool_index(_slice(aux, None, -1), mask)
    if not return_indices:
        return int1d
    arr1_indices = _bool_index(_slice(aux_sort_indices, None, -1), mask)
    arr2_indices = lax.sub(_bool_index(_slice(aux_sort_indices, 1, None), mask),
                           _scalar(_shape(arr1)[0], _dtype(aux_sort_indices)))
    if not assume_unique:
        arr1_indices = _take(ind1, arr1_indices)
        arr2_indices = _take(ind2, arr2_indices)
    return int1d, arr1_indices, arr2_indices

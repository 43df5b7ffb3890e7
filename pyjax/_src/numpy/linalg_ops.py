"""Contractions: dot, vdot, vecdot, matmul (``@``), matvec, vecmat, inner, outer, tensordot,
einsum, einsum_path, kron and cross.

As in JAX, the operands of a contraction are not promoted to a common dtype: ``dot_general``
accepts mixed dtypes and is asked for the promoted dtype as its ``preferred_element_type``,
and the result is then given the promoted weak type.
"""
import collections
import string

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.sorting import (
    _broadcast_to, _concatenate, _dtype, _index, _moveaxis, _ndim, _ravel, _shape)
from pyjax._src.primitives import linear as _linear


def _prepare(name, *args):
    util.check_arraylike(name, *args)
    return [util.to_array(a) for a in args]


def _result_dtype(name, args, preferred_element_type):
    """The dot_general ``preferred_element_type`` and the output weak type, as in JAX."""
    if preferred_element_type is None:
        return dtypes.result_type(*args, return_weak_type_flag=True)
    return dtypes.check_user_dtype_supported(preferred_element_type, name), False


def _dot_general(a, b, dims, precision, preferred):
    return _linear.dot_general(a, b, dims, precision=precision,
                               preferred_element_type=preferred)


def dot(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Dot product: for 1-d/2-d inputs the vector/matrix product, for n-d inputs the
    contraction of ``a``'s last axis with ``b``'s second-to-last (batch axes stacked).

    Args:
      a: first array; a scalar multiplies elementwise.
      b: second array.
      precision: None, a ``lax.Precision`` or a pair of them.
      preferred_element_type: the accumulation and result dtype.
      out_sharding: unused.

    Returns:
      The product, of dtype ``result_type(a, b)`` unless ``preferred_element_type`` is given.

    Example:
      >>> dot(jnp.array([[2, 3], [5, 6]]), jnp.array([1, 2]))
      Array([ 8, 17], dtype=int32)
    """
    a, b = _prepare("dot", a, b)
    preferred, weak = _result_dtype("dot", (a, b), preferred_element_type)
    a_ndim, b_ndim = _ndim(a), _ndim(b)
    if a_ndim == 0 or b_ndim == 0:
        contract = ((), ())
    elif b_ndim == 1:
        contract = ((a_ndim - 1,), (0,))
    else:
        contract = ((a_ndim - 1,), (b_ndim - 2,))
    result = _dot_general(a, b, (contract, ((), ())), precision, preferred)
    return lax._convert(result, preferred, weak)


def matmul(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Matrix product with NumPy's rules: 1-d operands are promoted to matrices (and the added
    axis removed afterwards), leading batch axes broadcast. ``a @ b`` calls this.

    Args:
      a: array of shape ``(N,)`` or ``(..., K, N)``.
      b: array of shape ``(N,)`` or ``(..., N, M)``.
      precision: None, a ``lax.Precision`` or a pair of them.
      preferred_element_type: the accumulation and result dtype.
      out_sharding: unused.

    Returns:
      The product, of shape ``(..., K, M)`` (without ``K``/``M`` for 1-d operands).

    Example:
      >>> matmul(jnp.array([[1, 2, 3], [4, 5, 6]]), jnp.array([[1, 2], [3, 4], [5, 6]]))
      Array([[22, 28],
             [49, 64]], dtype=int32)
    """
    a, b = _prepare("matmul", a, b)
    for i, x in enumerate((a, b)):
        if _ndim(x) < 1:
            raise ValueError(f"matmul input operand {i} must have ndim at least 1, but it has "
                             f"ndim {_ndim(x)}")
    preferred, weak = _result_dtype("matmul", (a, b), preferred_element_type)
    a_shape, b_shape = _shape(a), _shape(b)
    a_is_mat, b_is_mat = len(a_shape) > 1, len(b_shape) > 1
    a_batch_dims = a_shape[:-2] if a_is_mat else ()
    b_batch_dims = b_shape[:-2] if b_is_mat else ()
    num_batch_dims = max(len(a_batch_dims), len(b_batch_dims))
    a_batch_dims = (None,) * (num_batch_dims - len(a_batch_dims)) + a_batch_dims
    b_batch_dims = (None,) * (num_batch_dims - len(b_batch_dims)) + b_batch_dims

    # Size-1 batch dims are squeezed rather than broadcast; the output order of dot_general
    # (batch, a's free, b's free) is permuted back at the end.
    a_squeeze, b_squeeze, both_squeeze = [], [], []
    a_batch, b_batch = [], []
    idx_batch, idx_a_other, idx_b_other = [], [], []
    for i, (ba, bb) in enumerate(zip(a_batch_dims, b_batch_dims)):
        if ba is None:
            idx_b_other.append(i)
        elif bb is None:
            idx_a_other.append(i)
        elif ba == 1 and bb == 1:
            a_squeeze.append(len(idx_batch) + len(idx_a_other) + len(a_squeeze))
            b_squeeze.append(len(idx_batch) + len(idx_b_other) + len(b_squeeze))
            both_squeeze.append(i)
        elif ba == 1:
            idx_b_other.append(i)
            a_squeeze.append(len(idx_batch) + len(idx_a_other) + len(a_squeeze))
        elif bb == 1:
            idx_a_other.append(i)
            b_squeeze.append(len(idx_batch) + len(idx_b_other) + len(b_squeeze))
        elif ba == bb:
            a_batch.append(len(idx_batch) + len(idx_a_other))
            b_batch.append(len(idx_batch) + len(idx_b_other))
            idx_batch.append(i)
        else:
            raise ValueError(f"Incompatible types for matmul arguments: {core.get_aval(a)} "
                             f"and {core.get_aval(b)}")
    if a_is_mat:
        idx_a_other.append(num_batch_dims)
    if b_is_mat:
        idx_b_other.append(num_batch_dims + a_is_mat)
    order = idx_batch + idx_a_other + idx_b_other
    perm = tuple(int(i) for i in np.argsort(np.array(order, dtype=np.int64)))

    if a_squeeze:
        a = lax.squeeze(a, tuple(a_squeeze))
    if b_squeeze:
        b = lax.squeeze(b, tuple(b_squeeze))
    out = _dot_general(a, b, (((_ndim(a) - 1,), (_ndim(b) - 1 - b_is_mat,)),
                              (tuple(a_batch), tuple(b_batch))), precision, preferred)
    if perm != tuple(range(len(perm))):
        out = lax.transpose(out, perm)
    if both_squeeze:
        out = lax.expand_dims(out, tuple(both_squeeze))
    return lax._convert(out, preferred, weak)


def _batched_vector_product(name, x1, x2, conj_x1, precision, preferred_element_type):
    """Products of the last axes of ``x1`` and ``x2`` with the leading axes broadcast (what
    ``vectorize(vdot, signature='(n),(n)->()')`` computes)."""
    preferred, weak = _result_dtype(name, (x1, x2), preferred_element_type)
    if conj_x1 and _dtype(x1).kind == "c":
        x1 = ufuncs.conj(x1)
    batch = np.broadcast_shapes(_shape(x1)[:-1], _shape(x2)[:-1])
    x1 = _broadcast_to(x1, batch + _shape(x1)[-1:])
    x2 = _broadcast_to(x2, batch + _shape(x2)[-1:])
    nb = len(batch)
    dims = (((nb,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
    return lax._convert(_dot_general(x1, x2, dims, precision, preferred), preferred, weak)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """Dot product of the flattened inputs, conjugating ``a`` if it is complex.

    Example:
      >>> vdot(jnp.array([1j, 2j, 3j]), jnp.array([1., 2., 3.]))
      Array(0.-14.j, dtype=complex64)
    """
    a, b = _prepare("vdot", a, b)
    if _dtype(a).kind == "c":
        a = ufuncs.conj(a)
    return dot(_ravel(a), _ravel(b), precision=precision,
               preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """Conjugate dot product of vectors along ``axis``, other axes broadcast.

    Example:
      >>> vecdot(jnp.array([[1, 2, 3], [4, 5, 6]]), jnp.array([[2, 3, 4]]))
      Array([20, 47], dtype=int32)
    """
    x1, x2 = _prepare("jnp.vecdot", x1, x2)
    if _shape(x1)[axis] != _shape(x2)[axis]:
        raise ValueError(f"axes must match; got shapes {_shape(x1)} and {_shape(x2)} with "
                         f"axis={axis}")
    x1, x2 = _moveaxis(x1, axis, -1), _moveaxis(x2, axis, -1)
    return _batched_vector_product("vecdot", x1, x2, True, precision, preferred_element_type)


def matvec(x1, x2, /):
    """Batched matrix-vector product: ``(..., M, N)`` times ``(..., N)`` gives ``(..., M)``.

    Example:
      >>> matvec(jnp.array([[1, 2, 3], [4, 5, 6]]), jnp.array([7, 8, 9]))
      Array([ 50, 122], dtype=int32)
    """
    x1, x2 = _prepare("matvec", x1, x2)
    if _ndim(x1) < 2 or _ndim(x2) < 1:
        raise ValueError("matvec requires x1 of ndim >= 2 and x2 of ndim >= 1, got shapes "
                         f"{_shape(x1)} and {_shape(x2)}")
    x2 = lax.expand_dims(x2, (_ndim(x2) - 1,))
    return _batched_vector_product("matvec", x1, x2, False, None, None)


def vecmat(x1, x2, /):
    """Batched conjugate vector-matrix product: ``(..., M)`` times ``(..., M, N)`` gives
    ``(..., N)``.

    Example:
      >>> vecmat(jnp.array([[1, 2, 3]]), jnp.array([[4, 5], [6, 7], [8, 9]]))
      Array([[40, 46]], dtype=int32)
    """
    x1, x2 = _prepare("matvec", x1, x2)
    if _ndim(x1) < 1 or _ndim(x2) < 2:
        raise ValueError("vecmat requires x1 of ndim >= 1 and x2 of ndim >= 2, got shapes "
                         f"{_shape(x1)} and {_shape(x2)}")
    x1 = lax.expand_dims(x1, (_ndim(x1) - 1,))
    x2 = _moveaxis(x2, -1, -2)
    return _batched_vector_product("vecmat", x1, x2, True, None, None)


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None,
              out_sharding=None):
    """Sum products over the last ``axes`` axes of ``a`` and first of ``b`` (or the given
    pair of axis sequences).

    Example:
      >>> tensordot(jnp.array([[1, 2], [3, 4]]), jnp.array([[1, 2, 3], [4, 5, 6]]), axes=1)
      Array([[ 9, 12, 15],
             [19, 26, 33]], dtype=int32)
    """
    a, b = _prepare("tensordot", a, b)
    a_ndim, b_ndim = _ndim(a), _ndim(b)
    preferred, weak = _result_dtype("tensordot", (a, b), preferred_element_type)
    if type(axes) is int:
        if axes > min(a_ndim, b_ndim):
            raise TypeError(f"Number of tensordot axes (axes {axes}) exceeds input ranks "
                            f"({_shape(a)} and {_shape(b)})")
        contracting = (tuple(range(a_ndim - axes, a_ndim)), tuple(range(axes)))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        ax1, ax2 = axes
        if isinstance(ax1, int) and isinstance(ax2, int):
            contracting = ((util.canonicalize_axis(ax1, a_ndim),),
                           (util.canonicalize_axis(ax2, b_ndim),))
        elif isinstance(ax1, (tuple, list)) and isinstance(ax2, (tuple, list)):
            if len(ax1) != len(ax2):
                raise TypeError("tensordot requires axes lists to have equal length, got "
                                f"{ax1} and {ax2}.")
            contracting = (tuple(util.canonicalize_axis(i, a_ndim) for i in ax1),
                           tuple(util.canonicalize_axis(i, b_ndim) for i in ax2))
        else:
            raise TypeError("tensordot requires both axes lists to be either ints, tuples or "
                            f"lists, got {ax1} and {ax2}")
    else:
        raise TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of "
                        "lists/tuples of ints.")
    result = _dot_general(a, b, (contracting, ((), ())), precision, preferred)
    return lax._convert(result, preferred, weak)


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Inner product over the last axes of ``a`` and ``b`` (other axes stacked).

    Example:
      >>> inner(jnp.array([1j, 3j, 4j]), jnp.array([4., 2., 5.]))
      Array(0.+30.j, dtype=complex64)
    """
    a, b = _prepare("inner", a, b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        if preferred_element_type is not None:
            dt = dtypes.check_user_dtype_supported(preferred_element_type, "inner")
            a, b = lax._convert(a, dt), lax._convert(b, dt)
        return ufuncs.multiply(a, b)
    return tensordot(a, b, (-1, -1), precision=precision,
                     preferred_element_type=preferred_element_type)


def outer(a, b, out=None):
    """Outer product of the flattened inputs, of shape ``(a.size, b.size)``.

    Example:
      >>> outer(jnp.array([1, 2, 3]), jnp.array([4, 5, 6]))
      Array([[ 4,  5,  6],
             [ 8, 10, 12],
             [12, 15, 18]], dtype=int32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.outer is not supported.")
    a, b = _prepare("outer", a, b)
    a, b = util.promote_dtypes(a, b)
    return ufuncs.multiply(lax.expand_dims(_ravel(a), (1,)), lax.expand_dims(_ravel(b), (0,)))


def kron(a, b):
    """Kronecker product: blocks of ``b`` scaled by each entry of ``a``.

    Example:
      >>> kron(jnp.array([[1, 2], [3, 4]]), jnp.array([[5, 6], [7, 8]]))[0]
      Array([ 5,  6, 10, 12], dtype=int32)
    """
    util.check_arraylike("kron", a, b)
    a, b = util.promote_dtypes(a, b)
    na, nb = _ndim(a), _ndim(b)
    if na < nb:
        a = lax.expand_dims(a, tuple(range(nb - na)))
    elif nb < na:
        b = lax.expand_dims(b, tuple(range(na - nb)))
    nd = _ndim(a)
    a_reshaped = lax.expand_dims(a, tuple(range(1, 2 * nd, 2)))
    b_reshaped = lax.expand_dims(b, tuple(range(0, 2 * nd, 2)))
    out_shape = tuple(int(x) * int(y) for x, y in zip(_shape(a), _shape(b)))
    return lax.reshape(lax.mul(a_reshaped, b_reshaped), out_shape)


@util.jit_inline(static_argnames=("axisa", "axisb", "axisc", "axis"))
def _cross(a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _moveaxis(a, axisa, -1)
    b = _moveaxis(b, axisb, -1)
    if _shape(a)[-1] not in (2, 3) or _shape(b)[-1] not in (2, 3):
        raise ValueError("Dimension must be either 2 or 3 for cross product")
    mul, sub = ufuncs.multiply, ufuncs.subtract
    if _shape(a)[-1] == 2 and _shape(b)[-1] == 2:
        return sub(mul(_index(a, 0, -1), _index(b, 1, -1)),
                   mul(_index(a, 1, -1), _index(b, 0, -1)))
    a0, a1 = _index(a, 0, -1), _index(a, 1, -1)
    a2 = _index(a, 2, -1) if _shape(a)[-1] == 3 else lax.full_like(a0, 0)
    b0, b1 = _index(b, 0, -1), _index(b, 1, -1)
    b2 = _index(b, 2, -1) if _shape(b)[-1] == 3 else lax.full_like(b0, 0)
    parts = [sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)),
             sub(mul(a0, b1), mul(a1, b0))]
    parts = util.promote_dtypes(*parts)
    shape = np.broadcast_shapes(*[_shape(p) for p in parts])
    c = _concatenate([lax.expand_dims(_broadcast_to(p, shape), (0,)) for p in parts], 0)
    return _moveaxis(c, 0, axisc)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 2- or 3-vectors along the given axes (other axes broadcast).

    Example:
      >>> cross(jnp.array([1, 0, 0]), jnp.array([0, 1, 0]))
      Array([0, 0, 1], dtype=int32)
    """
    util.check_arraylike("cross", a, b)
    return _cross(util.to_array(a), util.to_array(b), axisa, axisb, axisc, axis)


# ----------------------------------------------------------------------------------------------
# einsum

_SYMBOLS = string.ascii_letters


def _parse_sublist(operands):
    """The subscript string for einsum's ``op0, sublist0, op1, sublist1, ..., [out]`` form."""
    operands = list(operands)
    arrays, subs = operands[0::2], operands[1::2]
    out = None
    if len(operands) % 2 == 1 and len(operands) > 1:
        out = arrays.pop()
        if len(arrays) != len(subs):
            out = None

    def convert(sub):
        text = ""
        for s in sub:
            if s is Ellipsis:
                text += "..."
            else:
                try:
                    i = int(s)
                except TypeError as e:
                    raise TypeError("For this input type lists must contain either int or "
                                    "Ellipsis") from e
                if not 0 <= i < len(_SYMBOLS):
                    raise ValueError(f"subscript is not within the valid range [0, "
                                     f"{len(_SYMBOLS)})")
                text += _SYMBOLS[i]
        return text

    spec = ",".join(convert(s) for s in subs)
    if out is not None:
        spec += "->" + convert(out)
    return spec, arrays


def _expand_subscripts(spec, shapes):
    """Input subscripts and output subscript with ellipses replaced by letters."""
    spec = spec.replace(" ", "")
    if spec.count("->") > 1 or ("-" in spec.replace("->", "")) or (
            ">" in spec.replace("->", "")):
        raise ValueError("Subscripts can only contain one '->'.")
    for c in spec:
        if c not in _SYMBOLS and c not in ".,->":
            raise ValueError(f"Character {c} is not a valid symbol.")
    explicit = "->" in spec
    inputs, output = (spec.split("->") + [""])[:2] if explicit else (spec, None)
    input_subs = inputs.split(",")
    if len(input_subs) != len(shapes):
        raise ValueError("Number of einsum subscripts must be equal to the number of "
                         "operands.")
    used = set(spec)
    free = [c for c in _SYMBOLS if c not in used]
    longest = 0
    expanded = []
    for num, sub in enumerate(input_subs):
        if "." in sub:
            if sub.count(".") != 3 or sub.count("...") != 1:
                raise ValueError("Invalid Ellipses.")
            count = 0 if len(shapes[num]) == 0 else len(shapes[num]) - (len(sub) - 3)
            if count < 0:
                raise ValueError("Ellipses lengths do not match.")
            longest = max(longest, count)
            sub = sub.replace("...", "".join(free[len(free) - count:]) if count else "")
        expanded.append(sub)
    ell = "".join(free[len(free) - longest:]) if longest else ""
    if explicit:
        if "." in output:
            if output.count(".") != 3 or output.count("...") != 1:
                raise ValueError("Invalid Ellipses.")
            output = output.replace("...", ell)
    else:
        joined = "".join(expanded)
        normal = sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell)
        output = ell + "".join(normal)
    for c in output:
        if output.count(c) > 1:
            raise ValueError(f"Output character '{c}' appeared more than once in the output.")
        if c not in "".join(expanded):
            raise ValueError(f"Output character '{c}' did not appear in the input")
    return expanded, output


def _parse_einsum(subscripts, operands):
    if isinstance(subscripts, str):
        spec, arrays = subscripts, list(operands)
    else:
        spec, arrays = _parse_sublist((subscripts,) + tuple(operands))
    arrays = [a.__jax_array__() if hasattr(a, "__jax_array__") else a for a in arrays]
    shapes = [tuple(np.shape(a)) if not isinstance(a, (list, tuple)) else () for a in arrays]
    inputs, output = _expand_subscripts(spec, shapes)
    sizes = {}
    for num, (sub, shape) in enumerate(zip(inputs, shapes)):
        if len(sub) != len(shape):
            raise ValueError(f"Einstein sum subscript '{sub}' does not contain the correct "
                             f"number of indices for operand {num}.")
        for c, d in zip(sub, shape):
            if c not in sizes or sizes[c] == 1:
                sizes[c] = d
            elif d not in (1, sizes[c]):
                raise ValueError(f"Size of label '{c}' for operand {num} ({sizes[c]}) does not "
                                 f"match previous terms ({d}).")
    return inputs, output, arrays, shapes, sizes


def _dummy(shape):
    return np.broadcast_to(np.zeros((), np.float32), shape)


def _pairwise(path, n):
    """Split any step of ``path`` contracting more than two operands into pairwise steps.

    Positions refer to the current operand list, from which contracted operands are removed
    and to whose end each result is appended (opt_einsum's convention).
    """
    items = [object() for _ in range(n)]
    out = []

    def contract(a, b):
        pa, pb = items.index(a), items.index(b)
        out.append((pa, pb))
        for x in (a, b):
            items.remove(x)
        result = object()
        items.append(result)
        return result

    for step in path:
        chosen = [items[p] for p in step]
        if len(chosen) == 1:
            out.append(tuple(step))
            continue
        acc = contract(chosen[0], chosen[1])
        for nxt in chosen[2:]:
            acc = contract(nxt, acc)
    return out


def _contraction_path(inputs, output, shapes, optimize):
    n = len(inputs)
    if isinstance(optimize, (list, tuple)) and not isinstance(optimize, str):
        path = [tuple(p) for p in optimize if not isinstance(p, str)]
        return _pairwise(path, n)
    if n == 1:
        return [(0,)]
    if n == 2:
        return [(0, 1)]
    if optimize is False or optimize is None:
        return [(0, 1)] * (n - 1)
    if optimize is True or optimize == "optimal" or (optimize == "auto" and n <= 4):
        kind = "optimal"
    else:
        kind = "greedy"
    spec = ",".join(inputs) + "->" + output
    path, _ = np.einsum_path(spec, *[_dummy(s) for s in shapes], optimize=(kind, 1e300))
    return _pairwise(path[1:], n)


def _contractions(inputs, output, path):
    """(operand positions, contracted labels, 'in,in->out') for each step, as opt_einsum."""
    subs = list(inputs)
    steps = []
    for cnum, positions in enumerate(path):
        positions = tuple(sorted(positions, reverse=True))
        taken = [subs.pop(p) for p in positions]
        contract = set("".join(taken))
        remain = set(output).union(*map(set, subs))
        kept = contract & remain
        removed = contract - kept
        if cnum == len(path) - 1:
            result = output
        else:
            joined = "".join(taken)
            result = "".join(sorted(kept, key=joined.find))
        subs.append(result)
        steps.append((positions, frozenset(removed), ",".join(taken) + "->" + result))
    return steps


def _remove_chars(s, chars):
    return s.translate(str.maketrans(dict.fromkeys(chars)))


def _delta(shape, axes):
    """A boolean array that is True where the indices along ``axes`` are all equal."""
    int_dt = np.dtype(np.int32)
    base = lax.broadcasted_iota(int_dt, shape, axes[0])
    eye = None
    for ax in axes[1:]:
        eq = lax.eq(base, lax.broadcasted_iota(int_dt, shape, ax))
        eye = eq if eye is None else lax.bitwise_and(eye, eq)
    return eye


def _einsum(operands, contractions, precision, preferred_element_type):
    if preferred_element_type is None:
        preferred, weak = dtypes.result_type(*operands, return_weak_type_flag=True)
    else:
        preferred = dtypes.check_user_dtype_supported(preferred_element_type, "einsum")
        weak = False

    def total(x, axes):
        if dtypes.result_type(x, preferred) != _dtype(x):
            x = lax._convert(x, preferred)
        reduce = lax.reduce_or if _dtype(x) == np.bool_ else lax.reduce_sum
        return reduce(x, tuple(axes))

    def sum_uniques(operand, names, uniques):
        if uniques:
            operand = total(operand, [names.index(name) for name in uniques])
            names = _remove_chars(names, uniques)
        return operand, names

    def sum_repeats(operand, names, counts, keep_names):
        for name, count in counts.items():
            if count > 1:
                axes = [i for i, n in enumerate(names) if n == name]
                eye = _delta(_shape(operand), axes)
                operand = lax.select(eye, operand, lax.full_like(operand, 0))
                if name not in keep_names:
                    operand = total(operand, axes)
                    names = names.replace(name, "")
                else:
                    operand = total(operand, axes[:-1])
                    names = names.replace(name, "", count - 1)
        return operand, names

    def filter_singleton_dims(operand, names, other_shape, other_names):
        shape = _shape(operand)
        keep = [shape[i] != 1 or j == -1 or other_shape[j] == 1
                for i, j in enumerate(map(other_names.find, names))]
        squeeze = tuple(i for i, k in enumerate(keep) if not k)
        if squeeze:
            operand = lax.squeeze(operand, squeeze)
        return operand, "".join(n for n, k in zip(names, keep) if k)

    operands = list(operands)
    for positions, contracted_set, einstr in contractions:
        contracted_names = sorted(contracted_set)
        input_str, result_names = einstr.split("->")
        input_names = input_str.split(",")
        if len(positions) == 1:
            operand = operands.pop(positions[0])
            names, = input_names
            counts = collections.Counter(names)
            uniques = [name for name in contracted_names if counts[name] == 1]
            operand, names = sum_uniques(operand, names, uniques)
            operand, names = sum_repeats(operand, names, counts, result_names)
        elif len(positions) == 2:
            lhs, rhs = map(operands.pop, positions)
            lhs_names, rhs_names = input_names
            # Where one side of a contracted or batch label has size 1 and the other not,
            # drop the size-1 axis (NumPy broadcasting).
            lhs, lhs_names = filter_singleton_dims(lhs, lhs_names, _shape(rhs), rhs_names)
            rhs, rhs_names = filter_singleton_dims(rhs, rhs_names, _shape(lhs), lhs_names)
            lhs_counts = collections.Counter(lhs_names)
            rhs_counts = collections.Counter(rhs_names)
            lhs_uniques = [n for n in contracted_names
                           if lhs_counts[n] == 1 and rhs_counts[n] == 0]
            lhs, lhs_names = sum_uniques(lhs, lhs_names, lhs_uniques)
            rhs_uniques = [n for n in contracted_names
                           if rhs_counts[n] == 1 and lhs_counts[n] == 0]
            rhs, rhs_names = sum_uniques(rhs, rhs_names, rhs_uniques)
            lhs, lhs_names = sum_repeats(lhs, lhs_names, lhs_counts, result_names + rhs_names)
            rhs, rhs_names = sum_repeats(rhs, rhs_names, rhs_counts, result_names + lhs_names)

            both = set(lhs_names) | set(rhs_names)
            contracted_names = [x for x in contracted_names if x in both]
            common = set(lhs_names) & set(rhs_names)
            batch_names = [x for x in result_names if x in common]
            lhs_batch = tuple(lhs_names.find(n) for n in batch_names)
            rhs_batch = tuple(rhs_names.find(n) for n in batch_names)
            batch_str = "".join(batch_names)
            lhs_cont = tuple(lhs_names.index(n) for n in contracted_names)
            rhs_cont = tuple(rhs_names.index(n) for n in contracted_names)
            deleted = batch_str + "".join(contracted_names)
            rem_lhs = _remove_chars(lhs_names, deleted)
            rem_rhs = _remove_chars(rhs_names, deleted)
            # Try (rhs, lhs) first: it often needs no transpose of the result.
            names = batch_str + rem_rhs + rem_lhs
            if names == result_names:
                operand = _dot_general(rhs, lhs, ((rhs_cont, lhs_cont), (rhs_batch, lhs_batch)),
                                       precision, preferred)
            else:
                names = batch_str + rem_lhs + rem_rhs
                operand = _dot_general(lhs, rhs, ((lhs_cont, rhs_cont), (lhs_batch, rhs_batch)),
                                       precision, preferred)
        else:
            raise NotImplementedError(
                "jax.numpy.einsum does not support simultaneous contraction of 3 or more "
                "operands. Typically this means you've passed an unsupported path to the "
                "einsum optimize parameter.")
        if names != result_names:
            perm = tuple(names.index(name) for name in result_names)
            operand = lax.transpose(operand, perm)
        operands.append(operand)
    return lax._convert(operands[0], preferred, weak)


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None, out_sharding=None):
    """Einstein summation, contracted pairwise with ``dot_general``.

    Args:
      subscripts: e.g. ``'ij,jk->ik'``; or use the form ``einsum(op0, sublist0, op1,
        sublist1, ..., [sublist_out])`` with lists of ints (and ``...``).
      *operands: the arrays.
      out: not supported.
      optimize: the contraction order: 'auto' (default), True/'optimal', 'greedy' (other
        strings too), False (left to right), or an explicit path such as
        ``einsum_path`` returns.
      precision: None, a ``lax.Precision`` or a pair of them.
      preferred_element_type: the accumulation and result dtype.
      _dot_general: unused.
      out_sharding: unused.

    Returns:
      The result, of dtype ``result_type(*operands)`` unless ``preferred_element_type`` is
      given.

    Example:
      >>> einsum('ij,j->i', jnp.arange(4).reshape(2, 2), jnp.array([1, 1]))
      Array([1, 5], dtype=int32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    inputs, output, arrays, shapes, _ = _parse_einsum(subscripts, operands)
    util.check_arraylike("einsum", *arrays)
    arrays = [util.to_array(a) for a in arrays]
    path = _contraction_path(inputs, output, shapes, optimize)
    return _einsum(arrays, _contractions(inputs, output, path), precision,
                   preferred_element_type)


def einsum_path(subscripts, /, *operands, optimize="auto"):
    """The contraction order ``einsum`` would use, and a printable description.

    Args:
      subscripts: as for ``einsum`` (string or sublist form).
      *operands: arrays (only their shapes are used).
      optimize: as for ``einsum``.

    Returns:
      ``(path, description)``, where ``path`` is a list of tuples of operand positions that
      can be passed to ``einsum(..., optimize=path)``.
    """
    inputs, output, arrays, shapes, _ = _parse_einsum(subscripts, operands)
    path = _contraction_path(inputs, output, shapes, optimize)
    spec = ",".join(inputs) + "->" + output
    _, description = np.einsum_path(spec, *[_dummy(s) for s in shapes],
                                    optimize=["einsum_path", *path])
    return path, description

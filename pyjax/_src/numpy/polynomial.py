"""Polynomials and 1-d signal helpers: polyval, polyadd, polysub, polymul, polydiv, polyder,
polyint, poly, convolve, correlate and interp.

(polyfit needs a least-squares solver and roots an eigenvalue solver; neither is here yet.)
"""
import operator

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy import util
from pyjax._src.numpy.sorting import (
    _broadcast_to, _concatenate, _dtype, _flip, _int_dtype, _iota, _ndim, _scalar,
    _shape, _slice, _take, _where, searchsorted)
from pyjax._src.primitives import linear as _linear
from pyjax._src.primitives import sorting as _lax_sorting


def _prepare(name, *args):
    util.check_arraylike(name, *args)
    return [util.to_array(a) for a in args]


# ----------------------------------------------------------------------------------------------
# convolve, correlate

# Largest number of window entries materialised at once by the convolution below.
_MAX_WINDOW_ELEMENTS = 1 << 22


@util.jit_inline(static_argnames=("mode", "op", "precision", "preferred_element_type"))
def _conv(x, y, mode, op, precision, preferred_element_type):
    if _ndim(x) != 1 or _ndim(y) != 1:
        raise ValueError(f"{op}() only support 1-dimensional inputs.")
    if preferred_element_type is None:
        # NumPy's convolutions always compute in an inexact dtype.
        x, y = util.promote_dtypes_inexact(x, y)
    else:
        x, y = util.promote_dtypes(x, y)
    if _shape(x)[0] == 0 or _shape(y)[0] == 0:
        raise ValueError(f"{op}: inputs cannot be empty, got shapes {_shape(x)} and "
                         f"{_shape(y)}.")
    reverse_out = False
    if op == "correlate":
        y = ufuncs.conj(y)
        if _shape(x)[0] < _shape(y)[0]:
            x, y = y, x
            reverse_out = True
    elif op == "convolve":
        if _shape(x)[0] < _shape(y)[0]:
            x, y = y, x
        y = _flip(y)
    m = _shape(y)[0]
    if mode == "valid":
        padding = (0, 0)
    elif mode == "same":
        padding = (m // 2, m - m // 2 - 1)
    elif mode == "full":
        padding = (m - 1, m - 1)
    else:
        raise ValueError("mode must be one of ['full', 'same', 'valid']")
    # out[k] = sum_j xpad[k + j] * y[j] (XLA's convolution is a correlation): windows of the
    # padded input are gathered, in chunks of taps to bound memory, and contracted with y.
    xp = lax.pad(x, _scalar(0, _dtype(x)), [(padding[0], padding[1], 0)])
    out_len = _shape(xp)[0] - m + 1
    int_dt = _int_dtype()
    chunk = max(1, min(m, _MAX_WINDOW_ELEMENTS // max(out_len, 1)))
    rows = lax.expand_dims(_iota(int_dt, out_len), (1,))
    result = None
    for j0 in range(0, m, chunk):
        taps = min(chunk, m - j0)
        cols = lax.expand_dims(lax.add(_iota(int_dt, taps), _scalar(j0, int_dt)), (0,))
        windows = _take(xp, lax.add(rows, cols), wrap_negative=False)
        part = _linear.dot_general(windows, _slice(y, j0, j0 + taps), (((1,), (0,)), ((), ())),
                                   precision=precision,
                                   preferred_element_type=preferred_element_type)
        result = part if result is None else lax.add(result, part)
    return _flip(result) if reverse_out else result


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """Discrete linear convolution of two 1-d arrays.

    Args:
      a: first 1-d array.
      v: second 1-d array.
      mode: 'full' (default), 'same' (size ``max(len(a), len(v))``) or 'valid'.
      precision: None, a ``lax.Precision`` or a pair of them.
      preferred_element_type: accumulate and return this dtype (then inputs are not made
        inexact).

    Returns:
      The convolution, inexact unless ``preferred_element_type`` says otherwise.

    Example:
      >>> convolve(jnp.array([1, 2, 3, 2, 1]), jnp.array([4, 1, 2]))
      Array([ 4.,  9., 16., 15., 12.,  5.,  2.], dtype=float32)
    """
    a, v = _prepare("convolve", a, v)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                                   "convolve")
    return _conv(a, v, mode=mode, op="convolve", precision=precision,
                 preferred_element_type=preferred_element_type)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """Cross-correlation ``c[k] = sum_j a[k + j] * conj(v[j])`` of two 1-d arrays.

    Args:
      a: first 1-d array.
      v: second 1-d array.
      mode: 'valid' (default), 'same' or 'full'.
      precision: None, a ``lax.Precision`` or a pair of them.
      preferred_element_type: accumulate and return this dtype.

    Returns:
      The correlation.

    Example:
      >>> correlate(jnp.array([1, 2, 3, 2, 1]), jnp.array([4, 5, 6]))
      Array([32., 35., 28.], dtype=float32)
    """
    a, v = _prepare("correlate", a, v)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                                   "correlate")
    return _conv(a, v, mode=mode, op="correlate", precision=precision,
                 preferred_element_type=preferred_element_type)


# ----------------------------------------------------------------------------------------------
# polynomial arithmetic


@util.jit_inline(static_argnames=("unroll",))
def _polyval(p, x, unroll):
    p, x = util.promote_dtypes_inexact(p, x)
    shape = np.broadcast_shapes(_shape(p)[1:], _shape(x))
    y = lax.full(shape, 0, _dtype(x))
    # Horner's rule (JAX scans over the coefficients; the loop is unrolled here).
    for k in range(_shape(p)[0]):
        y = ufuncs.add(ufuncs.multiply(y, x), lax.index_in_dim(p, k, 0, keepdims=False))
    return y


def polyval(p, x, *, unroll=16):
    """Evaluate the polynomial with coefficients ``p`` (highest degree first) at ``x``.

    Args:
      p: coefficients, shape ``(M, ...)``.
      x: points of evaluation.
      unroll: accepted for compatibility (the loop is always unrolled).

    Returns:
      ``p[0] * x**(M-1) + ... + p[M-1]``, inexact.

    Example:
      >>> polyval(jnp.array([2, 5, 1]), 3)
      Array(34., dtype=float32)
    """
    p, x = _prepare("polyval", p, x)
    if _ndim(p) == 0:
        raise ValueError("polyval: the coefficients p must have at least one dimension, got "
                         "a scalar.")
    return _polyval(p, x, unroll=unroll)


def _at_tail_add(a, b):
    """``a.at[-len(b):].add(b)`` (with the broadcasting rules of .at[] updates)."""
    n_a, n_b = _shape(a)[0], _shape(b)[0]
    tail = _slice(a, n_a - n_b, None)
    if _ndim(b) > _ndim(tail):
        raise ValueError("Cannot broadcast to shape with fewer dimensions: "
                         f"arr_shape={_shape(b)} shape={_shape(tail)}")
    b = _broadcast_to(b, _shape(tail))
    summed = ufuncs.add(tail, b)
    if n_a == n_b:
        return summed
    return lax.concatenate([_slice(a, 0, n_a - n_b), summed], 0)


def polyadd(a1, a2):
    """The sum of two polynomials (coefficient arrays aligned at the constant term).

    Example:
      >>> polyadd(jnp.array([2, 3]), jnp.array([5, 4, 1]))
      Array([5, 6, 4], dtype=int32)
    """
    a1, a2 = _prepare("polyadd", a1, a2)
    a1, a2 = util.promote_dtypes(a1, a2)
    if _shape(a2)[0] <= _shape(a1)[0]:
        return _at_tail_add(a1, a2)
    return _at_tail_add(a2, a1)


def polysub(a1, a2):
    """The difference of two polynomials.

    Example:
      >>> polysub(jnp.array([2, 3]), jnp.array([5, 4, 1]))
      Array([-5, -2,  2], dtype=int32)
    """
    a1, a2 = _prepare("polysub", a1, a2)
    a1, a2 = util.promote_dtypes(a1, a2)
    return polyadd(a1, ufuncs.negative(a2))


def _trim_leading_zeros(a, tol=None):
    value = np.asarray(core.concrete_or_error(
        lambda v: v, a, "Error arose in the `filt` argument of trim_zeros()"))
    nz = np.abs(value) > tol if tol is not None else value != 0
    start = int(np.argmax(nz)) if nz.any() else len(value)
    return _slice(a, start, None)


def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (always inexact).

    Args:
      a1: 1-d coefficients.
      a2: 1-d coefficients.
      trim_leading_zeros: strip leading zeros first, as NumPy does (needs concrete inputs).

    Example:
      >>> polymul(jnp.array([2, 1, 0]), jnp.array([0, 5, 0, 3]))
      Array([ 0., 10.,  5.,  6.,  3.,  0.], dtype=float32)
    """
    a1, a2 = _prepare("polymul", a1, a2)
    a1, a2 = util.promote_dtypes_inexact(a1, a2)
    if trim_leading_zeros and (_shape(a1)[0] > 1 or _shape(a2)[0] > 1):
        a1, a2 = _trim_leading_zeros(a1), _trim_leading_zeros(a2)
    if _shape(a1)[0] == 0:
        a1 = lax.full((1,), 0, _dtype(a2))
    if _shape(a2)[0] == 0:
        a2 = lax.full((1,), 0, _dtype(a1))
    return convolve(a1, a2, mode="full")


def polydiv(u, v, *, trim_leading_zeros=False):
    """Quotient and remainder of polynomial division (always inexact).

    Args:
      u: dividend coefficients.
      v: divisor coefficients.
      trim_leading_zeros: strip the remainder's leading (near-)zeros as NumPy does (needs
        concrete inputs).

    Returns:
      ``(quotient, remainder)``; without trimming the remainder has ``len(u)`` entries.

    Example:
      >>> polydiv(jnp.array([5, 7, 9]), jnp.array([4, 1]))[0]
      Array([1.25  , 1.4375], dtype=float32)
    """
    u, v = _prepare("polydiv", u, v)
    u, v = util.promote_dtypes_inexact(u, v)
    m, n = _shape(u)[0] - 1, _shape(v)[0] - 1
    scale = ufuncs.true_divide(1.0, lax.index_in_dim(v, 0, 0, keepdims=False))
    q = lax.full((max(m - n + 1, 1),), 0, _dtype(u))
    for k in range(0, m - n + 1):
        d = ufuncs.multiply(scale, lax.index_in_dim(u, k, 0, keepdims=False))
        q = lax.dynamic_update_slice(q, lax.expand_dims(d, (0,)), (_scalar(k, _int_dtype()),))
        seg = ufuncs.add(_slice(u, k, k + n + 1), ufuncs.multiply(ufuncs.negative(d), v))
        u = _concatenate([_slice(u, 0, k), seg, _slice(u, k + n + 1, None)])
    if trim_leading_zeros:
        u = _trim_leading_zeros(u, tol=float(np.sqrt(dtypes.finfo(_dtype(u)).eps)))
    return q, u


@util.jit_inline(static_argnames=("m",))
def _polyder(p, m):
    p, = util.promote_dtypes_inexact(p)
    if m == 0:
        return p
    dt = _dtype(p)
    n = _shape(p)[0]
    grid = lax.sub(lax.expand_dims(lax.add(_iota(dt, max(n - m, 0)), _scalar(m, dt)), (0,)),
                   lax.expand_dims(_iota(dt, m), (1,)))
    coeff = lax.reduce_prod(grid, (0,))
    return ufuncs.multiply(_slice(p, None, -m), _flip(coeff))


def polyder(p, m=1):
    """Coefficients of the ``m``-th derivative of a polynomial (always inexact).

    Example:
      >>> polyder(jnp.array([2, -5, 3, -1]))
      Array([  6., -10.,   3.], dtype=float32)
    """
    p, = _prepare("polyder", p)
    m = core.concrete_or_error(operator.index, m, "'m' argument of jnp.polyder")
    if m < 0:
        raise ValueError("Order of derivative must be positive")
    return _polyder(p, m=m)


@util.jit_inline(static_argnames=("m",))
def _polyint(p, k, m):
    p, k = util.promote_dtypes_inexact(p, k)
    if _ndim(k) == 0:
        k = lax.expand_dims(k, (0,))
    if _shape(k)[0] == 1:
        k = lax.full((m,), lax.index_in_dim(k, 0, 0, keepdims=False), _dtype(k))
    if _shape(k) != (m,):
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or m.")
    if m == 0:
        return p
    dt = _dtype(p)
    n = _shape(p)[0]
    grid = lax.sub(lax.expand_dims(_iota(dt, n + m), (0,)), lax.expand_dims(_iota(dt, m), (1,)))
    coeff = _flip(lax.reduce_prod(lax.max(grid, _scalar(1, dt)), (0,)))
    return ufuncs.true_divide(_concatenate([p, k]), coeff)


def polyint(p, m=1, k=None):
    """Coefficients of the ``m``-th antiderivative of a polynomial (always inexact).

    Args:
      p: coefficients.
      m: static order of integration.
      k: the integration constants: a scalar or ``m`` values (default 0).

    Example:
      >>> polyint(jnp.array([12, 12, 6]))
      Array([4., 6., 6., 0.], dtype=float32)
    """
    m = core.concrete_or_error(operator.index, m, "'m' argument of jnp.polyint")
    k = 0 if k is None else k
    p, k = _prepare("polyint", p, k)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    return _polyint(p, k, m=m)


@util.jit_inline
def _poly(seq):
    dt = _dtype(seq)
    n = _shape(seq)[0]
    if n == 0:
        return lax.full((), 1, dt)
    a = lax.full((1,), 1, dt)
    one = lax.full((1,), 1, dt)
    for k in range(n):
        root = lax.expand_dims(lax.index_in_dim(seq, k, 0, keepdims=False), (0,))
        a = convolve(a, lax.concatenate([one, lax.neg(root)], 0), mode="full")
    return a


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (always inexact).

    Args:
      seq_of_zeros: roots (a scalar or 1-d array), or a square matrix whose eigenvalues are
        the roots.

    Example:
      >>> poly(jnp.array([1, 2, 3]))
      Array([ 1., -6., 11., -6.], dtype=float32)
    """
    seq, = _prepare("poly", seq_of_zeros)
    seq, = util.promote_dtypes_inexact(seq)
    if _ndim(seq) == 0:
        seq = lax.expand_dims(seq, (0,))
    sh = _shape(seq)
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        try:
            from pyjax._src.numpy.linalg import eigvals
        except ImportError as e:
            raise NotImplementedError("jnp.poly of a square matrix needs "
                                      "jnp.linalg.eigvals, which is not available.") from e
        seq = eigvals(seq)
    if _ndim(seq) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    return _poly(seq)


# ----------------------------------------------------------------------------------------------
# interp


@util.jit_inline(static_argnames=("left_kind", "right_kind", "periodic"))
def _interp(x, xp, fp, left, right, period, left_kind, right_kind, periodic):
    x, xp = util.promote_dtypes_inexact(x, xp)
    fp, = util.promote_dtypes_inexact(fp)
    if _dtype(x).kind == "c":
        raise ValueError("jnp.interp: complex x values not supported.")
    if periodic:
        period = ufuncs.abs(period)
        x = ufuncs.remainder(x, period)
        xp = ufuncs.remainder(xp, period)
        xp, fp = _lax_sorting.sort_key_val(xp, fp)
        xp = _concatenate([ufuncs.subtract(_slice(xp, -1, None), period), xp,
                           ufuncs.add(_slice(xp, None, 1), period)])
        fp = _concatenate([_slice(fp, -1, None), fp, _slice(fp, None, 1)])
    n = _shape(xp)[0]
    i = searchsorted(xp, x, side="right")
    i = lax.max(lax.min(i, _scalar(n - 1, _dtype(i))), _scalar(1, _dtype(i)))
    i_prev = lax.sub(i, _scalar(1, _dtype(i)))
    fp_prev, xp_prev = _take(fp, i_prev), _take(xp, i_prev)
    df = ufuncs.subtract(_take(fp, i), fp_prev)
    dx = ufuncs.subtract(_take(xp, i), xp_prev)
    delta = ufuncs.subtract(x, xp_prev)
    info = dtypes.finfo(_dtype(xp))
    epsilon = float(info.eps) * float(info.eps)  # np.spacing(eps): the ulp just above eps
    dx0 = lax.le(lax.abs(dx), _scalar(epsilon, lax.abs(dx).dtype))
    # dx == 0 would give NaN (and NaN gradients): take fp[i - 1] there.
    f = _where(dx0, fp_prev,
               ufuncs.add(fp_prev, ufuncs.multiply(ufuncs.true_divide(
                   delta, _where(dx0, 1, dx)), df)))
    if not periodic:
        if left_kind != "extrapolate":
            left_val = lax.index_in_dim(fp, 0, 0, keepdims=False) if left_kind == "default" \
                else left
            f = _where(ufuncs.less(x, lax.index_in_dim(xp, 0, 0, keepdims=False)), left_val, f)
        if right_kind != "extrapolate":
            right_val = lax.index_in_dim(fp, n - 1, 0, keepdims=False) \
                if right_kind == "default" else right
            f = _where(ufuncs.greater(x, lax.index_in_dim(xp, n - 1, 0, keepdims=False)),
                       right_val, f)
    return f


def _edge_kind(name, value):
    if isinstance(value, str):
        if value != "extrapolate":
            raise ValueError(f"the only valid string value of `{name}` is 'extrapolate', but "
                             f"got: {value!r}")
        return "extrapolate"
    return "default" if value is None else "value"


def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional piecewise-linear interpolation.

    Args:
      x: points at which to evaluate.
      xp: increasing 1-d sample points.
      fp: values at ``xp`` (same shape).
      left: value for ``x < xp[0]`` (default ``fp[0]``), or 'extrapolate'.
      right: value for ``x > xp[-1]`` (default ``fp[-1]``), or 'extrapolate'.
      period: optional period of the x coordinates (``left``/``right`` are then ignored).

    Returns:
      The interpolated values, of ``x``'s shape.

    Example:
      >>> interp(jnp.array([0.5, 2.0, 3.5]), jnp.arange(10), 2 * jnp.arange(10))
      Array([1., 4., 7.], dtype=float32)
    """
    util.check_arraylike("interp", x, xp, fp)
    if np.shape(xp) != np.shape(fp) or np.ndim(xp) != 1:
        raise ValueError("xp and fp must be one-dimensional arrays of equal size")
    left_kind, right_kind = _edge_kind("left", left), _edge_kind("right", right)
    if period is not None and np.ndim(period) != 0:
        raise ValueError(f"period must be a scalar; got {period}")
    return _interp(x, xp, fp, 0 if left_kind != "value" else left,
                   0 if right_kind != "value" else right, 0 if period is None else period,
                   left_kind=left_kind, right_kind=right_kind, periodic=period is not None)

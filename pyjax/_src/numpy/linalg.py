"""jax.numpy.linalg: decompositions, solves, determinants, norms and friends.

Built from the lax.linalg primitives (pyjax/_src/primitives/linalg.py) and jax.numpy, as JAX's
jax/_src/numpy/linalg.py. Results are the same NamedTuple classes as JAX's (EighResult,
SVDResult, QRResult, SlogdetResult, EigResult). Derivative rules: solve, det, slogdet and pinv
have JAX's custom JVPs; everything else differentiates through the primitives.
"""
import math
import operator
from typing import NamedTuple

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.array import Array
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.numpy import util
from pyjax._src.primitives import elementwise as _ew
from pyjax._src.primitives import linalg as lax_linalg
from pyjax._src.primitives import linear as _linear
from pyjax._src.primitives import sorting as _sorting


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class EigResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    Q: Array
    R: Array


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


class SVDResult(NamedTuple):
    U: Array
    S: Array
    Vh: Array


for _cls in (EighResult, EigResult, QRResult, SlogdetResult, SVDResult):
    _cls.__module__ = "jax._src.numpy.linalg"  # JAX's class path, shown by type() and pickle

EXPORTS = ["EighResult", "EigResult", "QRResult", "SlogdetResult", "SVDResult"]

_HIGHEST = _linear.Precision.HIGHEST


def _ensure(name, *args):
    util.check_arraylike(name, *args)
    return [util.to_array(a) for a in args]


def _inexact(name, *args):
    """Arrays promoted to a common inexact dtype (each separately, as JAX does per argument)."""
    util.check_arraylike(name, *args)
    return [util.promote_dtypes_inexact(a)[0] for a in args]


def _T(x):
    return jnp.swapaxes(x, -1, -2)


def _H(x):
    return jnp.conjugate(_T(x))


def _matmul(a, b):
    return jnp.matmul(a, b, precision=_HIGHEST)


def _check_square(name, a, what=None):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(what or f"Argument to {name} must have shape [..., n, n], got "
                         f"{a.shape}.")


# ----------------------------------------------------------------------------------------------
# Decompositions


def cholesky(a, *, upper=False, symmetrize_input=True):
    """Cholesky factor of Hermitian positive-definite matrices.

    Args:
      a: ``[..., n, n]`` matrices.
      upper: return the upper factor ``U`` (``a = U^H U``) instead of the lower ``L``.
      symmetrize_input: factor ``(a + a^H) / 2`` (else only the lower triangle is read).

    Returns:
      The factor; NaNs for a matrix that is not positive definite.
    """
    (a,) = _inexact("jnp.linalg.cholesky", a)
    L = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _H(L) if upper else L


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    Args:
      a: ``[..., m, n]`` matrices.
      full_matrices: U ``[..., m, m]`` and Vh ``[..., n, n]`` (else ``k = min(m, n)`` wide).
      compute_uv: if False, return only the singular values.
      hermitian: ``a`` is Hermitian: use its eigendecomposition.
      subset_by_index: optional ``(start, end)`` range of singular values to keep.

    Returns:
      ``SVDResult(U, S, Vh)`` or, if not ``compute_uv``, ``S`` (descending).
    """
    (a,) = _inexact("jnp.linalg.svd", a)
    if hermitian:
        v, w = lax_linalg.eigh(a, subset_by_index=subset_by_index)
        s = lax.abs(w)
        if compute_uv:
            sign = lax.sign(w)
            idxs = lax.broadcasted_iota(np.int32, s.shape, s.ndim - 1)
            s, idxs, sign = _sorting.sort((s, idxs, sign), dimension=-1, num_keys=1)
            s = lax.rev(s, (s.ndim - 1,))
            idxs = lax.rev(idxs, (s.ndim - 1,))
            sign = lax.rev(sign, (s.ndim - 1,))
            u = jnp.take_along_axis(v, idxs[..., None, :], axis=-1)
            vh = _H(u * sign[..., None, :].astype(u.dtype))
            return SVDResult(u, s, vh)
        return lax.rev(_sorting.sort(s, dimension=-1), (s.ndim - 1,))
    if compute_uv:
        u, s, vh = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                                  subset_by_index=subset_by_index)
        return SVDResult(u, s, vh)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                          subset_by_index=subset_by_index)


def svdvals(x, /):
    """The singular values of ``x`` (descending)."""
    (x,) = _ensure("jnp.linalg.svdvals", x)
    return svd(x, compute_uv=False, hermitian=False)


def eigh(a, UPLO=None, symmetrize_input=True):  # noqa: N803 (NumPy's name)
    """Eigendecomposition of Hermitian (real symmetric) matrices.

    Args:
      a: ``[..., n, n]`` matrices.
      UPLO: ``'L'`` (default) or ``'U'``: the triangle read when not ``symmetrize_input``.
      symmetrize_input: decompose ``(a + a^H) / 2``.

    Returns:
      ``EighResult(eigenvalues, eigenvectors)``: real eigenvalues in ascending order and the
      eigenvectors as columns.

    Example:
      >>> jnp.linalg.eigh(jnp.eye(2)).eigenvalues
      Array([1., 1.], dtype=float32)
    """
    (a,) = _ensure("jnp.linalg.eigh", a)
    if UPLO is None or UPLO == "L":
        lower = True
    elif UPLO == "U":
        lower = False
    else:
        raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
    (a,) = util.promote_dtypes_inexact(a)
    v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):  # noqa: N803
    """The real eigenvalues (ascending) of Hermitian matrices."""
    (a,) = _ensure("jnp.linalg.eigvalsh", a)
    return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


def eig(a):
    """Eigenvalues and right eigenvectors of general square matrices (complex).

    Returns:
      ``EigResult(eigenvalues, eigenvectors)``; eigenvectors are normalized columns.
    """
    (a,) = _inexact("jnp.linalg.eig", a)
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a):
    """The (complex) eigenvalues of general square matrices."""
    (a,) = _inexact("jnp.linalg.eigvals", a)
    return lax_linalg.eig(a, compute_left_eigenvectors=False,
                          compute_right_eigenvectors=False)[0]


def qr(a, mode="reduced"):
    """QR decomposition.

    Args:
      a: ``[..., m, n]`` matrices.
      mode: ``'reduced'`` (Q ``[..., m, k]``, R ``[..., k, n]``), ``'complete'`` (Q
        ``[..., m, m]``, R ``[..., m, n]``), ``'r'`` (R only) or ``'raw'`` (LAPACK's
        Householder form ``(h, tau)``).

    Returns:
      ``QRResult(Q, R)``, or R for ``mode='r'``.
    """
    (a,) = _inexact("jnp.linalg.qr", a)
    if mode == "raw":
        h, taus = lax_linalg.geqrf(a)
        return QRResult(_T(h), taus)
    if mode in ("reduced", "r", "full"):
        full_matrices = False
    elif mode == "complete":
        full_matrices = True
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    q, r = lax_linalg.qr(a, pivoting=False, full_matrices=full_matrices)
    if mode == "r":
        return r
    return QRResult(q, r)


# ----------------------------------------------------------------------------------------------
# Solving


def _lu_solve_factored(lu, permutation, b):
    """``A^{-1} b`` from ``A``'s LU factors (b ``[..., m, k]``, same batch shape); linear in b."""
    m = lu.shape[-1]
    onehot = (permutation[..., :, None] == lax.broadcasted_iota(permutation.dtype, (m, m), 1))
    x = _matmul(onehot.astype(b.dtype), b)  # b[..., permutation, :]
    x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    return lax_linalg.triangular_solve(lu, x, left_side=True, lower=False)


@custom_jvp
def _solve_matrix(a, b):
    lu, _, permutation = lax_linalg.lu(_ew.stop_gradient(a))
    return _lu_solve_factored(lu, permutation, b)


@_solve_matrix.defjvp
def _solve_matrix_jvp(primals, tangents):
    # x = a^{-1} b  =>  x' = a^{-1} (b' - a' x). The tangent map is built from the LU factors
    # of a (differentiable for higher orders) with linear, transposable operations in b', a'.
    (a, b), (a_dot, b_dot) = primals, tangents
    lu, _, permutation = lax_linalg.lu(a)
    x = _lu_solve_factored(lu, permutation, b)
    rhs = b_dot - _matmul(a_dot, x)
    return x, _lu_solve_factored(lu, permutation, rhs)


def solve(a, b):
    """Solve ``a @ x = b`` for square ``a``.

    Args:
      a: ``[..., m, m]`` matrices.
      b: a vector ``[m]`` (broadcast against ``a``'s batch) or matrices ``[..., m, n]``.

    Returns:
      ``x``, shaped like the broadcast ``b``.
    """
    a, b = _ensure("jnp.linalg.solve", a, b)
    a, b = util.promote_dtypes_inexact(a, b)
    if a.ndim < 2:
        raise ValueError(f"left hand array must be at least two dimensional; got a.shape={a.shape}")
    if (b.ndim > 1 and a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1]
            and a.shape[-1] != b.shape[-2]):
        raise ValueError(
            "The argument b to jnp.linalg.solve must be a vector or a stack of matrices: "
            f"got b.shape={b.shape} for a.shape={a.shape}. As of NumPy 2.0 a batched vector "
            "b is no longer supported; use solve(a, b[..., None])[..., 0] instead.")
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"inconsistent size for core dimension 'm': {a.shape[-2]} vs "
                         f"{a.shape[-1]} on argument at position 0")
    vector = b.ndim == 1
    if vector:
        b = b[:, None]
    if b.shape[-2] != a.shape[-1]:
        raise ValueError(f"inconsistent size for core dimension 'm': {b.shape[-2]} vs "
                         f"{a.shape[-1]} on argument at position 1")
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    x = _solve_matrix(a, b)
    return x[..., 0] if vector else x


def inv(a):
    """The inverse of square matrices ``[..., n, n]`` (infs/NaNs for singular ones)."""
    (arr,) = _ensure("jnp.linalg.inv", a)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"Argument to inv must have shape [..., n, n], got {arr.shape}.")
    (arr,) = util.promote_dtypes_inexact(arr)
    eye = jnp.eye(arr.shape[-1], dtype=arr.dtype)
    return solve(arr, lax.broadcast(eye, arr.shape[:-2]))


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """Least-squares solution of ``a @ x = b`` via the SVD.

    Returns:
      ``(x, resid, rank, s)``: the solution, the squared residual norms (always computed
      unless ``numpy_resid``, when they are empty for rank-deficient or m <= n problems, as
      NumPy), the effective rank and ``a``'s singular values.
    """
    a, b = _ensure("jnp.linalg.lstsq", a, b)
    a, b = util.promote_dtypes_inexact(a, b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    b_orig_ndim = b.ndim
    if b_orig_ndim == 1:
        b = b[:, None]
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if b.ndim != 2:
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or "
                        "two-dimensional")
    m, n = a.shape
    dtype = a.dtype
    if a.size == 0:
        s = jnp.empty(0, dtype=a.dtype)
        rank = jnp.array(0, dtype=dtypes.canonicalize_dtype(np.int64))
        x = jnp.empty((n, *b.shape[1:]), dtype=a.dtype)
    else:
        if rcond is None:
            rcond = float(jnp.finfo(dtype).eps) * max(n, m)
        else:
            rcond = jnp.where(rcond < 0, jnp.finfo(dtype).eps, rcond)
        u, s, vt = svd(a, full_matrices=False)
        mask = s >= jnp.array(rcond, dtype=s.dtype) * s[0]
        rank = mask.sum()
        safe_s = jnp.where(mask, s, 1).astype(a.dtype)
        s_inv = jnp.where(mask, 1 / safe_s, 0)[:, np.newaxis]
        uTb = _matmul(_H(u), b)
        x = _matmul(_H(vt), s_inv * uTb)
    if numpy_resid and (int(core.concrete_or_error(int, rank, "numpy_resid=True in lstsq"))
                        < n or m <= n):
        resid = jnp.asarray([])
    else:
        b_estimate = _matmul(a, x)
        resid = norm(b - b_estimate, axis=0) ** 2
    if b_orig_ndim == 1:
        x = x.ravel()
    return x, resid, rank, s


def tensorsolve(a, b, axes=None):
    """Solve the tensor equation ``tensordot(a, x, x.ndim) = b`` for ``x``."""
    a_arr, b_arr = _ensure("jnp.linalg.tensorsolve", a, b)
    if axes is not None:
        a_arr = jnp.moveaxis(a_arr, axes, len(axes) * (a_arr.ndim - 1,))
    out_shape = a_arr.shape[b_arr.ndim:]
    if a_arr.shape[:b_arr.ndim] != b_arr.shape:
        raise ValueError("b must match the leading dimensions of a for tensorsolve. Got "
                         f"a_arr.shape={a_arr.shape}, b_arr.shape={b_arr.shape}")
    if math.prod(out_shape) != math.prod(b_arr.shape):
        raise ValueError("tensorsolve requires a.shape[:b.ndim] and a.shape[b.ndim:] to have "
                         f"the same product. Got a.shape={a_arr.shape}, b.shape={b_arr.shape}")
    a_arr = a_arr.reshape(b_arr.size, math.prod(out_shape))
    return solve(a_arr, b_arr.ravel()).reshape(out_shape)


def tensorinv(a, ind=2):
    """The inverse of ``a`` w.r.t. ``tensordot(·, ·, ind)``: shape ``a.shape[ind:] +
    a.shape[:ind]``."""
    (arr,) = _ensure("jnp.linalg.tensorinv", a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"ind must be a positive integer; got ind={ind}")
    contracting_shape, batch_shape = arr.shape[:ind], arr.shape[ind:]
    flatshape = (math.prod(contracting_shape), math.prod(batch_shape))
    if flatshape[0] != flatshape[1]:
        raise ValueError("tensorinv is only possible when the product of the first `ind` "
                         "dimensions equals that of the remaining dimensions. got "
                         f"arr.shape={arr.shape} with ind={ind}.")
    return inv(arr.reshape(flatshape)).reshape(*batch_shape, *contracting_shape)


def pinv(a, rtol=None, hermitian=False):
    """Moore-Penrose pseudo-inverse, via the SVD (singular values at or below
    ``rtol * largest`` are dropped; default ``rtol = 10 * max(m, n) * eps``)."""
    (arr,) = _ensure("jnp.linalg.pinv", a)
    return _pinv(arr, rtol, hermitian)


def _pinv_impl(a, rtol, hermitian):
    (arr,) = util.promote_dtypes_inexact(a)
    if rtol is None:
        max_rows_cols = max(arr.shape[-2:])
        rtol = 10. * max_rows_cols * jnp.array(jnp.finfo(arr.dtype).eps)
    rtol = jnp.asarray(rtol)
    u, s, vh = svd(arr, full_matrices=False, hermitian=hermitian)
    rtol = lax.expand_dims(rtol[..., None], tuple(range(s.ndim - rtol.ndim - 1)))
    cutoff = rtol * s[..., 0:1]
    s = jnp.where(s > cutoff, s, jnp.inf).astype(u.dtype)
    res = _matmul(_T(vh), jnp.divide(_T(u), s[..., None]))
    return lax.convert_element_type(jnp.conjugate(res), arr.dtype)


_pinv = custom_jvp(_pinv_impl, nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rtol, hermitian, primals, tangents):
    # Golub & Pereyra (1973), "The Differentiation of Pseudo-Inverses and Nonlinear Least
    # Squares Problems Whose Variables Separate" (JAX's rule).
    (a,), (a_dot,) = primals, tangents
    p = _pinv(a, rtol, hermitian)
    (a,) = util.promote_dtypes_inexact(a)
    a_dot = a_dot.astype(a.dtype)
    if hermitian:  # the SVD symmetrizes its input, and the JVP must match
        a = lax_linalg.symmetrize(a)
        a_dot = lax_linalg.symmetrize(a_dot)
    m, n = a.shape[-2:]
    if m >= n:
        s = _matmul(_matmul(p, _H(p)), _H(a_dot))
        t = _matmul(_matmul(_H(a_dot), _H(p)), p)
        p_dot = (-_matmul(_matmul(p, a_dot), p) + s - _matmul(_matmul(s, a), p) + t
                 - _matmul(_matmul(p, a), t))
    else:
        s = _matmul(p, _matmul(_H(p), _H(a_dot)))
        t = _matmul(_H(a_dot), _matmul(_H(p), p))
        p_dot = (-_matmul(p, _matmul(a_dot, p)) + s - _matmul(s, _matmul(a, p)) + t
                 - _matmul(p, _matmul(a, t)))
    return p, p_dot.astype(p.dtype)


def matrix_power(a, n):
    """``a`` raised to the integer power ``n`` by repeated squaring (``inv`` for n < 0)."""
    (arr,) = _ensure("jnp.linalg.matrix_power", a)
    if arr.ndim < 2:
        raise TypeError(f"{arr.ndim}-dimensional array given. Array must be at least "
                        "two-dimensional")
    if arr.shape[-2] != arr.shape[-1]:
        raise TypeError("Last 2 dimensions of the array must be square")
    try:
        n = operator.index(n)
    except TypeError as err:
        raise TypeError(f"exponent must be an integer, got {n}") from err
    if n == 0:
        return jnp.broadcast_to(jnp.eye(arr.shape[-2], dtype=arr.dtype), arr.shape)
    if n < 0:
        arr = inv(arr)
        n = abs(n)
    if n == 1:
        return arr
    if n == 2:
        return arr @ arr
    if n == 3:
        return (arr @ arr) @ arr
    z = result = None
    while n > 0:
        z = arr if z is None else (z @ z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else (result @ z)
    return result


def matrix_rank(M, rtol=None, *, tol=None):  # noqa: N803
    """The number of singular values above ``rtol`` (default ``max(s) * max(m, n) * eps``)."""
    (M,) = _inexact("jnp.linalg.matrix_rank", M)
    if tol is not None:
        rtol = tol
    if M.ndim < 2:
        return (M != 0).any().astype(np.int32)
    S = svd(M, full_matrices=False, compute_uv=False)
    if rtol is None:
        rtol = S.max(-1) * np.max(M.shape[-2:]).astype(S.dtype) * jnp.finfo(S.dtype).eps
    rtol = jnp.expand_dims(rtol, np.ndim(rtol))
    return jnp.sum(S > rtol, axis=-1)


# ----------------------------------------------------------------------------------------------
# Determinants


def _slogdet_lu(a):
    dtype = a.dtype
    lu, pivot, _ = lax_linalg.lu(a)
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    is_zero = jnp.any(diag == jnp.array(0, dtype=dtype), axis=-1)
    parity = jnp.count_nonzero(pivot != jnp.arange(a.shape[-1], dtype=pivot.dtype), axis=-1)
    if jnp.iscomplexobj(a):
        sign = jnp.prod(diag / jnp.abs(diag).astype(diag.dtype), axis=-1)
    else:
        sign = jnp.array(1, dtype=dtype)
        parity = parity + jnp.count_nonzero(diag < 0, axis=-1)
    sign = jnp.where(is_zero, jnp.array(0, dtype=dtype),
                     sign * jnp.array(-2 * (parity % 2) + 1, dtype=dtype))
    logdet = jnp.where(is_zero, jnp.array(-jnp.inf, dtype=dtype),
                       jnp.sum(jnp.log(jnp.abs(diag)).astype(dtype), axis=-1))
    return sign, jnp.real(logdet)


def _slogdet_qr(a):
    # QR has no row pivoting: the sign comes from R's diagonal and the Householder reflectors
    # (each of determinant -1) that were actually applied (tau != 0).
    if jnp.iscomplexobj(a):
        raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
    n = a.shape[-1]
    a, taus = lax_linalg.geqrf(a)
    a_diag = jnp.diagonal(a, axis1=-2, axis2=-1)
    log_abs_det = jnp.sum(jnp.log(jnp.abs(a_diag)), axis=-1)
    sign_diag = jnp.prod(jnp.sign(a_diag), axis=-1)
    sign_taus = jnp.prod(jnp.where(taus[..., :(n - 1)] != 0, -1, 1), axis=-1).astype(
        sign_diag.dtype)
    return sign_diag * sign_taus, log_abs_det


def _slogdet_impl(a, method):
    if method is None or method == "lu":
        return _slogdet_lu(a)
    if method == "qr":
        return _slogdet_qr(a)
    raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' (`None`), "
                     "and 'qr'.")


_slogdet = custom_jvp(_slogdet_impl, nondiff_argnums=(1,))


@_slogdet.defjvp
def _slogdet_jvp(method, primals, tangents):
    (x,), (g,) = primals, tangents
    sign, ans = _slogdet(x, method)
    lu, _, permutation = lax_linalg.lu(x)
    ans_dot = jnp.trace(_lu_solve_factored(lu, permutation, g), axis1=-1, axis2=-2)
    if jnp.iscomplexobj(x):
        sign_dot = (ans_dot - jnp.real(ans_dot).astype(ans_dot.dtype)) * sign
        ans_dot = jnp.real(ans_dot)
    else:
        sign_dot = jnp.zeros_like(sign)
    return (sign, ans), (sign_dot, ans_dot)


def slogdet(a, *, method=None):
    """Sign and natural log of the absolute value of the determinant.

    Args:
      a: ``[..., n, n]`` matrices.
      method: ``'lu'`` (default, None) or ``'qr'``.

    Returns:
      ``SlogdetResult(sign, logabsdet)``; a singular matrix gives ``(0, -inf)``.
    """
    (a,) = _inexact("jnp.linalg.slogdet", a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {a.shape}")
    return SlogdetResult(*_slogdet(a, method))


def _det_2x2(a):
    return (a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0])


def _det_3x3(a):
    return (a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2]
            + a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0]
            + a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1]
            - a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0]
            - a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1]
            - a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2])


def _cofactor_solve(a, b):
    """``(det(a), det(a) * solve(a, b))``, well defined (and linear in b) even for singular
    ``a``: JAX's helper for the derivative of det."""
    if a.shape[-1] == 1:
        return a[..., 0, 0], b
    n = a.shape[-1]
    dtype = a.dtype
    lu, pivots, permutation = lax_linalg.lu(a)
    batch_dims = jnp.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    x = jnp.broadcast_to(b, batch_dims + b.shape[-2:])
    lu = jnp.broadcast_to(lu, batch_dims + lu.shape[-2:])
    # Partial determinants: [..., -1] is det(a), [..., -2] is det(a) / u_nn.
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    parity = jnp.count_nonzero(pivots != jnp.arange(n, dtype=pivots.dtype), axis=-1)
    sign = jnp.asarray(-2 * (parity % 2) + 1, dtype=dtype)
    partial_det = jnp.cumprod(diag, axis=-1) * sign[..., None]
    lu = lu.at[..., -1, -1].set(1.0 / partial_det[..., -2])
    permutation = jnp.broadcast_to(permutation, batch_dims + (n,))
    # Filter out matrices that are not full rank (after the modification above).
    d = jnp.ones(x.shape[:-1], x.dtype)
    d = lax_linalg.triangular_solve(lu, d, left_side=True, lower=False)
    d = jnp.any(jnp.logical_or(jnp.isnan(d), jnp.isinf(d)), axis=-1)
    d = d[..., None, None]
    x = jnp.where(d, jnp.zeros_like(x), x)
    onehot = permutation[..., :, None] == jnp.arange(n, dtype=permutation.dtype)
    x = _matmul(onehot.astype(x.dtype), x)  # x[..., permutation, :]
    x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    scale = jnp.where(jnp.arange(n) < n - 1, partial_det[..., -1, None],
                      jnp.ones((), dtype))
    x = x * scale[..., :, None]
    x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=False)
    x = jnp.where(d, jnp.zeros_like(x), x)
    return partial_det[..., -1], x


def _det_impl(a):
    if a.shape[-1] == 2:
        return _det_2x2(a)
    if a.shape[-1] == 3:
        return _det_3x3(a)
    sign, logdet = _slogdet(a, None)
    return sign * jnp.exp(logdet).astype(sign.dtype)


_det = custom_jvp(_det_impl)


@_det.defjvp
def _det_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    y, z = _cofactor_solve(x, g)
    return y, jnp.trace(z, axis1=-1, axis2=-2)


def det(a):
    """The determinant of square matrices ``[..., n, n]``.

    Example:
      >>> jnp.linalg.det(jnp.array([[1., 2.], [3., 4.]]))
      Array(-2., dtype=float32)
    """
    (a,) = _inexact("jnp.linalg.det", a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Argument to _det() must have shape [..., n, n], got {a.shape}")
    return _det(a)


# ----------------------------------------------------------------------------------------------
# Norms and condition numbers


def _canon_axes(axis, ndim):
    if isinstance(axis, tuple):
        return tuple(util.canonicalize_axis(a, ndim) for a in axis)
    return (util.canonicalize_axis(operator.index(axis), ndim),)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (NumPy's name)
    """Matrix or vector norm (NumPy's ``ord`` values: None/'fro'/'nuc'/inf/-inf/0/1/-1/2/-2/p).

    Args:
      x: an array.
      ord: the order of the norm.
      axis: None (all axes: the 2-norm of the flattened array if ``ord`` is None), an int
        (vector norms) or a pair of ints (matrix norms).
      keepdims: keep the reduced axes as size-1 dims.

    Returns:
      The norm(s), of ``x``'s real inexact dtype.
    """
    (x,) = _inexact("jnp.linalg.norm", x)
    ndim = x.ndim
    if axis is None:
        # NumPy admits any rank here when ord is None (numpy/numpy#14215).
        if ord is None:
            return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conjugate(x)), keepdims=keepdims))
        axis = tuple(range(ndim))
    else:
        axis = _canon_axes(axis, ndim)
    num_axes = len(axis)
    if num_axes == 1:
        return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
    if num_axes != 2:
        raise ValueError(f"Invalid axis values ({axis}) for jnp.linalg.norm.")
    row_axis, col_axis = axis
    if ord is None or ord in ("f", "fro"):
        return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conjugate(x)), axis=axis, keepdims=keepdims))
    if ord == 1:
        if not keepdims and col_axis > row_axis:
            col_axis -= 1
        return jnp.max(jnp.sum(jnp.abs(x), axis=row_axis, keepdims=keepdims), axis=col_axis,
                       keepdims=keepdims, initial=0)
    if ord == -1:
        if not keepdims and col_axis > row_axis:
            col_axis -= 1
        return jnp.min(jnp.sum(jnp.abs(x), axis=row_axis, keepdims=keepdims), axis=col_axis,
                       keepdims=keepdims)
    if ord == np.inf:
        if not keepdims and row_axis > col_axis:
            row_axis -= 1
        return jnp.max(jnp.sum(jnp.abs(x), axis=col_axis, keepdims=keepdims), axis=row_axis,
                       keepdims=keepdims, initial=0)
    if ord == -np.inf:
        if not keepdims and row_axis > col_axis:
            row_axis -= 1
        return jnp.min(jnp.sum(jnp.abs(x), axis=col_axis, keepdims=keepdims), axis=row_axis,
                       keepdims=keepdims)
    if ord in ("nuc", 2, -2):
        x = jnp.moveaxis(x, axis, (-2, -1))
        s = svd(x, compute_uv=False)
        if ord == 2:
            y = jnp.max(s, axis=-1, initial=0)
        elif ord == -2:
            y = jnp.min(s, axis=-1)
        else:
            y = jnp.sum(s, axis=-1)
        if keepdims:
            y = jnp.expand_dims(y, axis)
        return y
    raise ValueError(f"Invalid order '{ord}' for matrix norm.")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """Vector norm over ``axis`` (all axes, flattened, if None)."""
    (x,) = _ensure("jnp.linalg.vector_norm", x)
    if ord is None or ord == 2:
        return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conjugate(x)), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        msg = f"Invalid order '{ord}' for vector norm."
        if ord == "inf":
            msg += "Use 'jax.numpy.inf' instead."
        if ord == "-inf":
            msg += "Use '-jax.numpy.inf' instead."
        raise ValueError(msg)
    if ord == np.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return jnp.sum(x != 0, dtype=jnp.finfo(jnp.result_type(x, 1.0)).dtype, axis=axis,
                       keepdims=keepdims)
    if ord == 1:
        # As NumPy's special case (its dtype promotion differs from the general formula's).
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    abs_x = jnp.abs(x)
    ord_arr = lax.full_like(abs_x, ord, shape=())
    ord_inv = lax.full_like(abs_x, 1. / ord, shape=())
    out = jnp.sum(abs_x ** ord_arr, axis=axis, keepdims=keepdims)
    return jnp.power(out, ord_inv)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """The matrix norm of the last two axes."""
    (x,) = _ensure("jnp.linalg.matrix_norm", x)
    return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


def cond(x, p=None):
    """Condition number of ``x`` in the ``p`` norm (2-norm via singular values by default).

    NaNs from singular matrices become inf (where ``x`` itself has no NaNs).
    """
    (arr,) = _ensure("jnp.linalg.cond", x)
    if arr.ndim < 2:
        raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got "
                         f"x.shape={arr.shape}")
    for s in arr.shape[-2:]:
        if s == 0:
            raise ValueError(f"jnp.linalg.cond: input array must have non-zero dimensions; "
                             f"got x.shape={arr.shape}")
    if p is None or p == 2:
        s = svdvals(arr)
        r = s[..., 0] / s[..., -1]
    elif p == -2:
        s = svdvals(arr)
        r = s[..., -1] / s[..., 0]
    else:
        if arr.shape[-2] != arr.shape[-1]:
            raise ValueError(f"jnp.linalg.cond: for p={p}, array must be square; got "
                             f"x.shape={arr.shape}")
        r = norm(arr, ord=p, axis=(-2, -1)) * norm(inv(arr), ord=p, axis=(-2, -1))
    # Convert NaNs to infs where the original array has no NaNs.
    return jnp.where(jnp.isnan(r) & ~jnp.isnan(arr).any(axis=(-2, -1)), jnp.inf, r)


# ----------------------------------------------------------------------------------------------
# Array API functions that forward to jax.numpy


def multi_dot(arrays, *, precision=None):
    """Chained matrix product, in the cheapest association order (via einsum's optimizer)."""
    arrs = list(arrays)
    util.check_arraylike("jnp.linalg.multi_dot", *arrs)
    arrs = [util.to_array(a) for a in arrs]
    if len(arrs) < 2:
        raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
    if not (arrs[0].ndim in (1, 2) and arrs[-1].ndim in (1, 2)
            and all(a.ndim == 2 for a in arrs[1:-1])):
        raise ValueError("multi_dot: input arrays must have one or two dimensions at the edges, "
                         f"and two dimensions in the middle; got dimensions "
                         f"{tuple(a.ndim for a in arrs)}")
    if len(arrs) == 2:
        return jnp.dot(*arrs, precision=precision)
    einsum_axes = [[i, i + 1] for i in range(len(arrs))]
    if arrs[0].ndim == 1:
        einsum_axes[0] = einsum_axes[0][1:]
    if arrs[-1].ndim == 1:
        einsum_axes[-1] = einsum_axes[-1][:1]
    operands = [item for pair in zip(arrs, einsum_axes) for item in pair]
    return jnp.einsum(*operands, optimize="auto", precision=precision)


def outer(x1, x2, /):
    """Outer product of two 1-d arrays."""
    x1, x2 = _ensure("jnp.linalg.outer", x1, x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={x1.ndim} "
                         f"x2.ndim={x2.ndim}")
    return x1[:, None] * x2[None, :]


def cross(x1, x2, /, *, axis=-1):
    """Cross product of (arrays of) 3-vectors along ``axis``."""
    x1, x2 = _ensure("jnp.linalg.outer", x1, x2)
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                         f"have x1.shape[axis]={x1.shape[axis]} and "
                         f"x2.shape[axis]={x2.shape[axis]}")
    return jnp.cross(x1, x2, axis=axis)


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
    """``jnp.matmul`` (both arguments at least 1-d)."""
    x1, x2 = _ensure("jnp.linalg.matmul", x1, x2)
    if x1.ndim < 1 or x2.ndim < 1:
        raise ValueError("matmul: input arrays must have at least one dimension; got "
                         f"x1.ndim={x1.ndim}, x2.ndim={x2.ndim}")
    return jnp.matmul(x1, x2, precision=precision,
                      preferred_element_type=preferred_element_type)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None):
    """``jnp.tensordot``."""
    x1, x2 = _ensure("jnp.linalg.tensordot", x1, x2)
    return jnp.tensordot(x1, x2, axes=axes, precision=precision,
                         preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """``jnp.vecdot``: conjugated dot product along ``axis``, broadcasting the others."""
    x1, x2 = _ensure("jnp.linalg.vecdot", x1, x2)
    return jnp.vecdot(x1, x2, axis=axis, precision=precision,
                      preferred_element_type=preferred_element_type)


def diagonal(x, /, *, offset=0):
    """The ``offset`` diagonals of the last two axes."""
    (x,) = _ensure("jnp.linalg.diagonal", x)
    return jnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """The sum of the ``offset`` diagonal of the last two axes."""
    (x,) = _ensure("jnp.linalg.trace", x)
    return jnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def matrix_transpose(x, /):
    """Swap the last two axes."""
    (x,) = _ensure("jnp.linalg.matrix_transpose", x)
    if x.ndim < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got "
                         f"ndim={x.ndim}")
    return jnp.swapaxes(x, -1, -2)

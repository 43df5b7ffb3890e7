"""Dense linear algebra primitives (jax.lax.linalg): cholesky, eigh, eig, svd, qr, geqrf,
householder_product, lu, lu_pivots_to_permutation and triangular_solve.

Impls call LAPACK through NumPy (batched gufuncs) or SciPy (one matrix at a time), over any
leading batch dimensions. Half-precision inputs are computed in float32. As on XLA:CPU, a
factorization that fails (a matrix that is not positive definite, an eigensolver that does not
converge) gives NaNs for that matrix instead of raising. Differentiation rules are JAX's
(jax/_src/lax/linalg.py); they are written with lax-level operations so that they can be
transposed and batched.
"""
import enum

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack as _lapack

from pyjax._src import core
from pyjax._src.array import ArrayImpl
from pyjax._src.core import ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import structural
from pyjax._src.primitives.linalg_solve import (  # noqa: F401 (lu & co. are lax.linalg's too)
    lu, lu_p, lu_pivots_to_permutation, lu_pivots_to_permutation_p, triangular_solve,
    triangular_solve_p)
from pyjax._src.primitives.linalg_solve import (
    _INT32, _H, _T, _add, _aval, _batch_front, _batched_or_nan,
    _bcast, _check_eagerly, _check_matrix_dtype, _complex_dtype, _compute_dtype, _const,
    _convert, _diagonal, _div, _expand, _eye_like, _lu_solve_general, _matmul, _mul, _nan,
    _per_matrix, _permutation_matrix, _prep, _real, _real_dtype, _strong, _sub, _tril, _zero,
    symmetrize)


class SvdAlgorithm(enum.Enum):
    """The SVD algorithm (only DEFAULT differs from the others on accelerators)."""
    DEFAULT = "default"
    QR = "QR"
    JACOBI = "Jacobi"
    POLAR = "polar"


class EigImplementation(enum.Enum):
    """Which eigensolver eigh uses on accelerators; LAPACK's syevd on CPU in every case."""
    LAPACK = "lapack"
    QDWH = "qdwh"
    JACOBI = "jacobi"


# ----------------------------------------------------------------------------------------------
# cholesky


def _cholesky_shape(x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"The input to cholesky must be a square matrix. Got shape {x.shape}.")
    return x.shape


def _cholesky_dtype(x):
    _check_matrix_dtype("cholesky", x.dtype)
    return x.dtype


def _cholesky_impl(x):
    _cholesky_dtype(x)
    a = _prep(x)
    out = _batched_or_nan(np.linalg.cholesky, lambda m: (np.linalg.cholesky(m),),
                          lambda m: (_nan(m.shape, m.dtype),), a)
    out = out[0] if isinstance(out, tuple) else out
    return out.astype(x.dtype, copy=False)


def _cholesky_abstract(x):
    return ShapedArray(_cholesky_shape(x), _cholesky_dtype(x), False)


cholesky_p = core.Primitive("cholesky")
cholesky_p.impl = _cholesky_impl
cholesky_p.abstract_eval = _cholesky_abstract
_check_eagerly(cholesky_p)
cholesky_p.weak_type_rule = _strong


def _cholesky_jvp(primals, tangents):
    (x,), (sigma_dot,) = primals, tangents
    L = _tril(cholesky_p.bind(x))
    sigma_dot = ad.instantiate(sigma_dot)

    # Forward-mode rule of https://arxiv.org/pdf/1602.07527.pdf, as JAX.
    def phi(X):
        one_plus_eye = _add(_eye_like(X), _const(1, _aval(X).dtype))
        return _div(_tril(X), one_plus_eye)

    tmp = triangular_solve(L, sigma_dot, left_side=False, transpose_a=True, conjugate_a=True,
                           lower=True)
    L_dot = _matmul(L, phi(triangular_solve(L, tmp, left_side=True, transpose_a=False,
                                            lower=True)))
    return L, L_dot


cholesky_p.jvp = _cholesky_jvp
cholesky_p.batch = _batch_front(cholesky_p)


def cholesky(x, *, symmetrize_input=True):
    """Cholesky factor ``L`` (lower triangular) of Hermitian positive-definite matrices.

    Args:
      x: a batch of matrices of shape ``[..., n, n]``.
      symmetrize_input: if True, factor ``(x + x^H) / 2``; otherwise only the lower triangle
        of ``x`` is read.

    Returns:
      ``L`` with ``x = L L^H``; NaNs for a matrix that is not positive definite.
    """
    if symmetrize_input:
        x = symmetrize(x)
    return _tril(cholesky_p.bind(x))


# ----------------------------------------------------------------------------------------------
# eigh: (eigenvectors, eigenvalues) of Hermitian matrices, eigenvalues ascending


def _eigh_abstract(x, *, lower, sort_eigenvalues, subset_by_index):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError("Argument to symmetric eigendecomposition must have shape [..., n, n], "
                         f"got shape {x.shape}")
    _check_matrix_dtype("eigh", x.dtype)
    n = x.shape[-1]
    k = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
    batch = x.shape[:-2]
    return [ShapedArray(batch + (n, k), x.dtype), ShapedArray(batch + (k,), _real_dtype(x.dtype))]


def _eigh_impl(x, *, lower, sort_eigenvalues, subset_by_index):
    _check_matrix_dtype("eigh", x.dtype)
    a = _prep(x)
    uplo = "L" if lower else "U"

    def batched(m):
        w, v = np.linalg.eigh(m, UPLO=uplo)
        return v, w

    def failed(m):
        return _nan(m.shape, m.dtype), _nan(m.shape[:-1], _real_dtype(m.dtype))

    v, w = _batched_or_nan(batched, batched, failed, a)
    if subset_by_index is not None:
        lo, hi = subset_by_index
        v, w = v[..., lo:hi], w[..., lo:hi]
    return [v.astype(x.dtype, copy=False), w.astype(_real_dtype(x.dtype), copy=False)]


eigh_p = core.Primitive("eigh", multiple_results=True)
eigh_p.impl = _eigh_impl
eigh_p.abstract_eval = _eigh_abstract
_check_eagerly(eigh_p)
eigh_p.weak_type_rule = _strong


def _eigh_jvp(primals, tangents, *, lower, sort_eigenvalues, subset_by_index):
    (a,), (a_dot,) = primals, tangents
    n = _aval(a).shape[-1]
    if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
        raise NotImplementedError("Derivatives not defined for partial eigen decomposition.")
    a_dot = ad.instantiate(a_dot)
    # Nondegenerate perturbation theory, as JAX (equal eigenvalues give infinities).
    v, w_real = eigh_p.bind(symmetrize(a), lower=lower, sort_eigenvalues=sort_eigenvalues,
                            subset_by_index=subset_by_index)
    dtype = _aval(a).dtype
    w = _convert(w_real, dtype)
    eye_n = _eye_like(a)
    diffs = _sub(_expand(w, -2), _expand(w, -1))  # w[..., None, :] - w[..., :, None]
    Fmat = _sub(ew.integer_pow_p.bind(_add(eye_n, diffs), y=-1), eye_n)
    vdag_adot_v = _matmul(_matmul(_H(v), a_dot), v)
    dv = _matmul(v, _mul(Fmat, vdag_adot_v))
    dw = _real(_diagonal(vdag_adot_v))
    return [v, w_real], [dv, dw]


eigh_p.jvp = _eigh_jvp
eigh_p.batch = _batch_front(eigh_p)


def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True, subset_by_index=None):
    """Eigendecomposition of Hermitian (real symmetric) matrices.

    Args:
      x: a batch of matrices of shape ``[..., n, n]``.
      lower: which triangle is read when ``symmetrize_input`` is False.
      symmetrize_input: if True, decompose ``(x + x^H) / 2``.
      sort_eigenvalues: eigenvalues come in ascending order (always so on CPU).
      subset_by_index: optional ``(start, end)``: keep only those eigenpairs.

    Returns:
      ``(v, w)``: eigenvectors as columns of ``v`` and the real eigenvalues ``w``.
    """
    if symmetrize_input:
        x = symmetrize(x)
    if subset_by_index is not None:
        subset_by_index = tuple(int(i) for i in subset_by_index)
    v, w = eigh_p.bind(x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                       subset_by_index=subset_by_index)
    return v, w


# ----------------------------------------------------------------------------------------------
# eig: eigenvalues (and left/right eigenvectors) of general matrices, complex results


def _eig_abstract(x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError("Argument to nonsymmetric eigendecomposition must have shape "
                         f"[..., n, n], got shape {x.shape}")
    _check_matrix_dtype("eig", x.dtype)
    dtype = _complex_dtype(x.dtype)
    out = [ShapedArray(x.shape[:-1], dtype)]
    out += [ShapedArray(x.shape, dtype)] * (int(compute_left_eigenvectors)
                                            + int(compute_right_eigenvectors))
    return out


def _eig_impl(x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    _check_matrix_dtype("eig", x.dtype)
    a = _prep(x)
    cdt = _complex_dtype(a.dtype)
    nvec = int(compute_left_eigenvectors) + int(compute_right_eigenvectors)

    def failed(m):
        return (_nan(m.shape[:-1], cdt),) + (_nan(m.shape, cdt),) * nvec

    if compute_left_eigenvectors:
        def single(m):
            if not np.all(np.isfinite(m)):
                raise np.linalg.LinAlgError("non-finite input")
            w, vl, vr = sla.eig(m, left=True, right=True, check_finite=False)
            outs = (w, vl) + ((vr,) if compute_right_eigenvectors else ())
            return tuple(o.astype(cdt) for o in outs)
        batched = lambda m: _per_matrix(single, m, batch_ndim=m.ndim - 2)  # noqa: E731
    else:
        def batched(m):
            if not np.all(np.isfinite(m)):
                raise np.linalg.LinAlgError("non-finite input")
            if not compute_right_eigenvectors:
                return (np.linalg.eigvals(m).astype(cdt),)
            w, v = np.linalg.eig(m)
            return w.astype(cdt), v.astype(cdt)
        single = batched
    return list(_batched_or_nan(batched, single, failed, a))


eig_p = core.Primitive("eig", multiple_results=True)
eig_p.impl = _eig_impl
eig_p.abstract_eval = _eig_abstract
_check_eagerly(eig_p)
eig_p.weak_type_rule = _strong


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors):
    if compute_left_eigenvectors or compute_right_eigenvectors:
        raise NotImplementedError(
            "The derivatives of eigenvectors are not implemented, only eigenvalues. See "
            "https://github.com/jax-ml/jax/issues/2748 for discussion.")
    # Derivative of the eigenvalues: eqn 4.60 of https://arxiv.org/abs/1701.00392, as JAX.
    (a,), (da,) = primals, tangents
    da = ad.instantiate(da)
    w, v = eig_p.bind(a, compute_left_eigenvectors=False, compute_right_eigenvectors=True)
    dw = _diagonal(_matmul(_lu_solve_general(v, _convert(da, _aval(v).dtype)), v))
    return [w], [dw]


eig_p.jvp = _eig_jvp
eig_p.batch = _batch_front(eig_p)


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True,
        use_magma=None):
    """Eigendecomposition of general square matrices (complex results).

    Returns:
      ``[w]`` followed by the left eigenvectors ``vl`` (if requested; ``vl^H x = w vl^H``)
      and the right eigenvectors ``vr`` (if requested; ``x vr = vr w``).
    """
    return eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                      compute_right_eigenvectors=bool(compute_right_eigenvectors))


# ----------------------------------------------------------------------------------------------
# svd: (s, u, vt) or (s,)


def _svd_abstract(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    if x.ndim < 2:
        raise ValueError("Argument to singular value decomposition must have ndims >= 2")
    _check_matrix_dtype("svd", x.dtype)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    rank = k if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
    s = ShapedArray(batch + (rank,), _real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    if full_matrices and subset_by_index is None:
        u, vt = batch + (m, m), batch + (n, n)
    else:
        u, vt = batch + (m, rank), batch + (rank, n)
    return [s, ShapedArray(u, x.dtype), ShapedArray(vt, x.dtype)]


def _svd_impl(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    _check_matrix_dtype("svd", x.dtype)
    a = _prep(x)
    rdt = _real_dtype(a.dtype)
    full = full_matrices and subset_by_index is None
    m, n = a.shape[-2:]

    def batched(mat):
        if not np.all(np.isfinite(mat)):
            raise np.linalg.LinAlgError("non-finite input")
        if not compute_uv:
            return (np.linalg.svd(mat, compute_uv=False),)
        u, s, vt = np.linalg.svd(mat, full_matrices=full)
        return s, u, vt

    def failed(mat):
        k = min(m, n)
        if not compute_uv:
            return (_nan(mat.shape[:-2] + (k,), rdt),)
        u_shape = (m, m) if full else (m, k)
        vt_shape = (n, n) if full else (k, n)
        return (_nan(mat.shape[:-2] + (k,), rdt), _nan(mat.shape[:-2] + u_shape, mat.dtype),
                _nan(mat.shape[:-2] + vt_shape, mat.dtype))

    outs = list(_batched_or_nan(batched, batched, failed, a))
    if subset_by_index is not None:
        lo, hi = subset_by_index
        outs[0] = outs[0][..., lo:hi]
        if compute_uv:
            outs[1], outs[2] = outs[1][..., :, lo:hi], outs[2][..., lo:hi, :]
    return [outs[0].astype(_real_dtype(x.dtype), copy=False)] + [
        o.astype(x.dtype, copy=False) for o in outs[1:]]


svd_p = core.Primitive("svd", multiple_results=True)
svd_p.impl = _svd_impl
svd_p.abstract_eval = _svd_abstract
_check_eagerly(svd_p)
svd_p.weak_type_rule = _strong


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm):
    (A,), (dA,) = primals, tangents
    dA = ad.instantiate(dA)
    s, U, Vt = svd_p.bind(A, full_matrices=False, compute_uv=True,
                          subset_by_index=subset_by_index, algorithm=algorithm)
    if compute_uv and full_matrices:
        raise NotImplementedError(
            "Singular value decomposition JVP not implemented for full matrices")
    dtype = _aval(A).dtype
    Ut, V = _H(U), _H(Vt)
    s_dim = _expand(s, -2)  # s[..., None, :]
    dS = _matmul(_matmul(Ut, dA), V)
    ds = _real(_diagonal(dS))
    if not compute_uv:
        return [s], [ds]
    k = _aval(s).shape[-1]
    s_row, s_col = s_dim, _T(s_dim)
    s_diffs = _mul(_add(s_row, s_col), _sub(s_row, s_col))
    eye_k = _bcast(ArrayImpl(np.eye(k, dtype=_aval(s).dtype), False), _aval(s_diffs).shape)
    F = _sub(_div(_const(1, _aval(s).dtype), _add(s_diffs, eye_k)), eye_k)
    s_dim_c = _convert(s_dim, dtype)
    dSS = _mul(s_dim_c, dS)
    SdS = _mul(_T(s_dim_c), dS)
    s_zeros = _convert(ew.eq_p.bind(s, structural.full(_aval(s).shape, 0, _aval(s).dtype)),
                       _aval(s).dtype)
    s_inv = _sub(_div(_const(1, _aval(s).dtype), _add(s, s_zeros)), s_zeros)
    s_inv_mat = _mul(_bcast(ArrayImpl(np.eye(k, dtype=_aval(s).dtype), False),
                            _aval(s).shape + (k,)), _expand(s_inv, -1))
    dUdV_diag = _mul(_mul(_const(0.5, dtype), _sub(dS, _H(dS))), _convert(s_inv_mat, dtype))
    F_c = _convert(F, dtype)
    dU = _matmul(U, _add(_mul(F_c, _add(dSS, _H(dSS))), dUdV_diag))
    dV = _matmul(V, _mul(F_c, _add(SdS, _H(SdS))))
    m, n = _aval(A).shape[-2:]
    if m > n:
        dAV = _matmul(dA, V)
        dU = _add(dU, _div(_sub(dAV, _matmul(U, _matmul(Ut, dAV))), s_dim_c))
    if n > m:
        dAHU = _matmul(_H(dA), U)
        dV = _add(dV, _div(_sub(dAHU, _matmul(V, _matmul(Vt, dAHU))), s_dim_c))
    return [s, U, Vt], [ds, dU, _H(dV)]


svd_p.jvp = _svd_jvp
svd_p.batch = _batch_front(svd_p)


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None, algorithm=None):
    """Singular value decomposition ``x = u @ diag(s) @ vt``.

    Returns:
      ``(u, s, vt)`` if ``compute_uv``, else ``s`` (real, descending).
    """
    if subset_by_index is not None:
        subset_by_index = tuple(int(i) for i in subset_by_index)
    out = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv),
                     subset_by_index=subset_by_index, algorithm=algorithm)
    if compute_uv:
        s, u, vt = out
        return u, s, vt
    return out[0]


# ----------------------------------------------------------------------------------------------
# qr (optionally column-pivoted), geqrf and householder_product


def _qr_abstract(x, *, pivoting, full_matrices, use_magma):
    if x.ndim < 2:
        raise ValueError("Argument to QR decomposition must have ndims >= 2")
    _check_matrix_dtype("qr", x.dtype)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = m if full_matrices else min(m, n)
    out = [ShapedArray(batch + (m, k), x.dtype), ShapedArray(batch + (k, n), x.dtype)]
    if pivoting:
        out.append(ShapedArray(batch + (n,), _INT32))
    return out


def _qr_impl(x, *, pivoting, full_matrices, use_magma):
    _check_matrix_dtype("qr", x.dtype)
    a = _prep(x)
    m, n = a.shape[-2:]
    # SciPy's LAPACK (geqrf + orgqr, optimal workspace) is the one jaxlib calls on CPU: the
    # same bits as JAX, which NumPy's own LAPACK build does not give.
    def single(mat):
        if min(m, n) == 0:
            q = np.eye(m, m if full_matrices else 0, dtype=mat.dtype)
            return q, np.zeros(q.shape[1:] + (n,), mat.dtype), np.arange(n, dtype=_INT32)
        out = sla.qr(mat, mode="full" if full_matrices else "economic", pivoting=pivoting,
                     check_finite=False)
        return out if not pivoting else (out[0], out[1], out[2].astype(_INT32))
    outs = list(_per_matrix(single, a, batch_ndim=a.ndim - 2))
    outs = outs if pivoting else outs[:2]
    outs[0] = outs[0].astype(x.dtype, copy=False)
    outs[1] = outs[1].astype(x.dtype, copy=False)
    return outs


qr_p = core.Primitive("qr", multiple_results=True)
qr_p.impl = _qr_impl
qr_p.abstract_eval = _qr_abstract
_check_eagerly(qr_p)
qr_p.weak_type_rule = _strong


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma):
    # See j-towns.github.io/papers/qr-derivative.pdf for a terse derivation (JAX's rule).
    (x,), (dx,) = primals, tangents
    dx = ad.instantiate(dx)
    outs = qr_p.bind(x, pivoting=pivoting, full_matrices=False, use_magma=use_magma)
    q, r = outs[0], outs[1]
    m, n = _aval(x).shape[-2:]
    if m < n or (full_matrices and m != n):
        raise NotImplementedError("Unimplemented case of QR decomposition derivative")
    if pivoting:
        dx = _matmul(dx, _permutation_matrix(outs[2], n, _aval(dx).dtype, columns=True))
    dx_rinv = triangular_solve(r, dx)  # right-side solve
    qt_dx_rinv = _matmul(_H(q), dx_rinv)
    qt_dx_rinv_lower = _tril(qt_dx_rinv, -1)
    do = _sub(qt_dx_rinv_lower, _H(qt_dx_rinv_lower))  # skew-symmetric
    if _aval(x).dtype.kind == "c":  # the correction needed for complex inputs
        imag_part = _sub(qt_dx_rinv, _convert(_real(qt_dx_rinv), _aval(x).dtype))
        do = _add(do, _mul(_eye_like(do), imag_part))
    dq = _add(_matmul(q, _sub(do, qt_dx_rinv)), dx_rinv)
    dr = _matmul(_sub(qt_dx_rinv, do), r)
    tangents_out = [dq, dr]
    if pivoting:
        tangents_out.append(_zero(outs[2]))
    return outs, tangents_out


qr_p.jvp = _qr_jvp
qr_p.batch = _batch_front(qr_p)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """QR decomposition ``x = q @ r`` (``x[..., p] = q @ r`` with column pivoting).

    Returns:
      ``(q, r)``, or ``(q, r, p)`` if ``pivoting``; ``q`` is ``[..., m, m]`` and ``r``
      ``[..., m, n]`` if ``full_matrices``, else ``[..., m, k]`` and ``[..., k, n]``.
    """
    out = qr_p.bind(x, pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                    use_magma=use_magma)
    return tuple(out)


def _geqrf_abstract(x):
    if x.ndim < 2:
        raise ValueError("Argument to QR decomposition must have ndims >= 2")
    _check_matrix_dtype("geqrf", x.dtype)
    return [ShapedArray(x.shape, x.dtype),
            ShapedArray(x.shape[:-2] + (min(x.shape[-2:]),), x.dtype)]


def _geqrf_impl(x):
    _check_matrix_dtype("geqrf", x.dtype)
    a = _prep(x)
    if a.size == 0:
        return [x.copy(), np.zeros(x.shape[:-2] + (min(x.shape[-2:]),), x.dtype)]
    h, tau = np.linalg.qr(a, mode="raw") if a.ndim == 2 else _per_matrix(
        lambda m: np.linalg.qr(m, mode="raw"), a, batch_ndim=a.ndim - 2)
    return [np.swapaxes(h, -1, -2).astype(x.dtype), tau.astype(x.dtype)]


geqrf_p = core.Primitive("geqrf", multiple_results=True)
geqrf_p.impl = _geqrf_impl
geqrf_p.abstract_eval = _geqrf_abstract
_check_eagerly(geqrf_p)
geqrf_p.weak_type_rule = _strong
geqrf_p.batch = _batch_front(geqrf_p)
geqrf_p.opt_outs["jvp"] = "JAX does not differentiate geqrf"


def geqrf(x):
    """LAPACK's geqrf: ``(a, taus)``, R in the upper triangle of ``a`` and Householder
    reflectors below it."""
    a, taus = geqrf_p.bind(x)
    return a, taus


def _householder_abstract(a, taus):
    _check_matrix_dtype("householder_product", a.dtype)
    if a.ndim < 2 or taus.shape[:-1] != a.shape[:-2] or taus.shape[-1] > min(a.shape[-2:]):
        raise ValueError("Argument to Householder product must have shape [..., m, n] with "
                         f"m >= n and taus [..., k], got {a.shape} and {taus.shape}")
    return ShapedArray(a.shape, a.dtype)


def _householder_impl(a, taus):
    x, t = _prep(a), taus.astype(_compute_dtype(a.dtype))
    name = {"f": "orgqr", "c": "ungqr"}[x.dtype.kind]

    def single(mat, tau):
        if mat.size == 0:
            return (np.eye(*mat.shape, dtype=mat.dtype),)
        fun = _lapack.get_lapack_funcs(name, (mat,))
        q, _, info = fun(mat, tau)
        return (q,)
    (out,) = _per_matrix(single, x, t, batch_ndim=x.ndim - 2)
    return out.astype(a.dtype, copy=False)


householder_product_p = core.Primitive("householder_product")
householder_product_p.impl = _householder_impl
householder_product_p.abstract_eval = _householder_abstract
_check_eagerly(householder_product_p)
householder_product_p.weak_type_rule = _strong
householder_product_p.opt_outs["jvp"] = "JAX does not differentiate householder_product"


def _householder_batch(vals, dims, **params):
    a, taus = vals
    size = next(_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    a = batching.bdim_at_front(a, dims[0], size)
    taus = batching.bdim_at_front(taus, dims[1], size)
    return householder_product_p.bind(a, taus), 0


householder_product_p.batch = _householder_batch


def householder_product(a, taus):
    """The product of the Householder reflectors stored in ``a`` (LAPACK's orgqr/ungqr)."""
    return householder_product_p.bind(a, taus)


__all__ = ["cholesky", "eig", "eigh", "geqrf", "householder_product", "lu",
           "lu_pivots_to_permutation", "qr", "svd", "symmetrize", "triangular_solve",
           "SvdAlgorithm", "EigImplementation"]

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
from scipy.linalg import blas as _blas
from scipy.linalg import lapack as _lapack

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src.array import ArrayImpl
from pyjax._src.core import ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import linear
from pyjax._src.primitives import reductions
from pyjax._src.primitives import structural
from pyjax._src.primitives.common import COMPLEX, INEXACT, dtype_error

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)
_INT32 = np.dtype(np.int32)


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
# Helpers for the NumPy impls


def _real_dtype(dtype):
    return {_C64: _F32, _C128: _F64}.get(np.dtype(dtype), np.dtype(dtype))


def _complex_dtype(dtype):
    return _C128 if np.dtype(dtype) in (_F64, _C128) else _C64


def _compute_dtype(dtype):
    """LAPACK works in float32/float64/complex64/complex128: half floats go through float32."""
    return _F32 if dtype.itemsize <= 2 and dtype.kind != "c" else dtype


def _prep(x):
    return x.astype(_compute_dtype(x.dtype), copy=False)


def _nan(shape, dtype):
    return np.full(shape, np.nan, dtype)


def _per_matrix(fun, *xs, batch_ndim):
    """Apply ``fun`` (NumPy arrays -> tuple of arrays) to each matrix of the batch, stacking."""
    batch_shape = xs[0].shape[:batch_ndim]
    flat = [x.reshape((-1,) + x.shape[batch_ndim:]) for x in xs]
    n = int(np.prod(batch_shape, dtype=np.int64))
    results = [fun(*[f[i] for f in flat]) for i in range(n)]
    if n == 0:
        # Run on a zero matrix of the right shape to learn the output shapes and dtypes.
        probe = fun(*[np.zeros(f.shape[1:], f.dtype) for f in flat])
        return tuple(np.zeros(batch_shape + p.shape, p.dtype) for p in probe)
    return tuple(np.stack([r[j] for r in results]).reshape(batch_shape + results[0][j].shape)
                 for j in range(len(results[0])))


def _batched_or_nan(batched, single, failed, x):
    """``batched(x)``, or when LAPACK reports a failure for some matrix, ``single`` matrix by
    matrix with ``failed(matrix)`` (NaN outputs) for the matrices that fail."""
    try:
        return batched(x)
    except np.linalg.LinAlgError:
        pass

    def one(m):
        try:
            return single(m)
        except np.linalg.LinAlgError:
            return failed(m)
    return _per_matrix(one, x, batch_ndim=x.ndim - 2)


def _check_matrix_dtype(name, dtype):
    if dtype not in INEXACT:
        raise dtype_error(name, dtype, INEXACT)


def _strong(flags, params):
    return False


def _check_eagerly(prim):
    """Eager calls skip abstract evaluation: make the impl run the same shape/dtype checks."""
    impl, abstract = prim.impl, prim.abstract_eval

    def eager_impl(*xs, **params):
        abstract(*[ShapedArray(x.shape, x.dtype) for x in xs], **params)
        return impl(*xs, **params)
    eager_impl.__name__ = f"{prim.name}_eager_impl"
    prim.eager_impl = eager_impl


# ----------------------------------------------------------------------------------------------
# Helpers for the differentiation rules (lax-level, so every rule is traceable)


def _aval(x):
    return core.get_aval(x)


def _const(value, dtype):
    return ArrayImpl(np.asarray(value, dtype), False)


def _T(x):
    nd = _aval(x).ndim
    return structural.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _conj(x):
    return ew.conj_p.bind(x) if _aval(x).dtype.kind == "c" else x


def _H(x):
    return _conj(_T(x))


def _real(x):
    return ew.real_p.bind(x) if _aval(x).dtype.kind == "c" else x


def _convert(x, dtype):
    if _aval(x).dtype == dtype:
        return x
    return ew.convert_element_type_p.bind(x, new_dtype=np.dtype(dtype), weak_type=False,
                                          sharding=None)


def _matmul(a, b):
    """Matrix product batched over the leading dims (both operands of the same rank)."""
    nd = _aval(a).ndim
    batch = tuple(range(nd - 2))
    return linear.dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)),
                              precision=linear.Precision.HIGHEST)


def _bcast(x, shape):
    """Broadcast a constant of trailing shape to ``shape`` (adds leading dims)."""
    xs = _aval(x).shape
    if xs == tuple(shape):
        return x
    return structural.broadcast_in_dim(x, tuple(shape),
                                       tuple(range(len(shape) - len(xs), len(shape))))


def _mask(shape, k, lower):
    m, n = shape[-2:]
    tri = np.tril(np.ones((m, n), bool), k) if lower else np.triu(np.ones((m, n), bool), k)
    return _bcast(ArrayImpl(tri, False), shape)


def _tril(x, k=0):
    shape = _aval(x).shape
    zeros = structural.full(shape, 0, _aval(x).dtype)
    return ew.select_n_p.bind(_mask(shape, k, True), zeros, x)


def _triu(x, k=0):
    shape = _aval(x).shape
    zeros = structural.full(shape, 0, _aval(x).dtype)
    return ew.select_n_p.bind(_mask(shape, k, False), zeros, x)


def _eye_like(x, n=None):
    """The identity of ``x``'s dtype, shaped like ``x``'s batch of (n, n) matrices."""
    aval = _aval(x)
    n = aval.shape[-1] if n is None else n
    eye = ArrayImpl(np.eye(n, dtype=aval.dtype), False)
    return _bcast(eye, aval.shape[:-2] + (n, n))


def _diagonal(x):
    """The diagonal of the last two (square) dims, as a masked sum (linear, so transposable)."""
    aval = _aval(x)
    n = aval.shape[-1]
    eye = _bcast(ArrayImpl(np.eye(n, dtype=bool), False), aval.shape)
    picked = ew.select_n_p.bind(eye, structural.full(aval.shape, 0, aval.dtype), x)
    return reductions.reduce_sum(picked, (aval.ndim - 1,))


def _expand(x, axis):
    """Insert a size-1 dim at ``axis`` (negative counts from the end of the result)."""
    shape = list(_aval(x).shape)
    axis = axis % (len(shape) + 1)
    shape.insert(axis, 1)
    return structural.reshape(x, tuple(shape))


_add, _sub, _mul, _div, _neg = (ew.add_p.bind, ew.sub_p.bind, ew.mul_p.bind, ew.div_p.bind,
                                ew.neg_p.bind)


def _zero(out):
    return ad.Zero(ad.tangent_aval(_aval(out)))


def _batch_front(prim, n_out=None):
    """Batching rule of a unary matrix primitive: the batch dim becomes the first one."""
    def rule(vals, dims, **params):
        x = batching.moveaxis(vals[0], dims[0], 0)
        out = prim.bind(x, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def symmetrize(x):
    """``(x + x^H) / 2``."""
    return _div(_add(x, _H(x)), _const(2, _aval(x).dtype))


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
    if pivoting:
        def single(mat):
            if min(m, n) == 0:
                q = np.eye(m, m if full_matrices else 0, dtype=mat.dtype)
                return q, np.zeros(q.shape[1:] + (n,), mat.dtype), np.arange(n, dtype=_INT32)
            q, r, p = sla.qr(mat, mode="full" if full_matrices else "economic", pivoting=True,
                             check_finite=False)
            return q, r, p.astype(_INT32)
        outs = _per_matrix(single, a, batch_ndim=a.ndim - 2)
    else:
        outs = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    outs = list(outs)
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


# ----------------------------------------------------------------------------------------------
# lu: (lu, pivots, permutation) with partial pivoting


def _lu_abstract(x):
    if x.ndim < 2:
        raise ValueError("Argument to LU decomposition must have ndims >= 2")
    _check_matrix_dtype("lu", x.dtype)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    return [ShapedArray(x.shape, x.dtype), ShapedArray(batch + (min(m, n),), _INT32),
            ShapedArray(batch + (m,), _INT32)]


def _pivots_to_permutation(pivots, size):
    batch = pivots.shape[:-1]
    perm = np.broadcast_to(np.arange(size, dtype=_INT32), batch + (size,)).copy()
    flat = perm.reshape(-1, size)
    piv = pivots.reshape(-1, pivots.shape[-1])
    rows = np.arange(flat.shape[0])
    for i in range(piv.shape[-1]):
        j = piv[:, i]
        a, b = flat[rows, i].copy(), flat[rows, j].copy()
        flat[rows, i], flat[rows, j] = b, a
    return flat.reshape(batch + (size,))


def _lu_impl(x):
    _check_matrix_dtype("lu", x.dtype)
    a = _prep(x)
    m, n = a.shape[-2:]
    k = min(m, n)
    if k == 0:
        return [x.copy(), np.zeros(x.shape[:-2] + (0,), _INT32),
                np.broadcast_to(np.arange(m, dtype=_INT32), x.shape[:-2] + (m,)).copy()]
    getrf = _lapack.get_lapack_funcs("getrf", (a.reshape(-1)[:1],))

    def single(mat):
        lu, piv, _ = getrf(mat)  # a singular matrix (info > 0) is returned as factored
        return lu, piv.astype(_INT32)
    lu, pivots = _per_matrix(single, a, batch_ndim=a.ndim - 2)
    return [lu.astype(x.dtype, copy=False), pivots, _pivots_to_permutation(pivots, m)]


lu_p = core.Primitive("lu", multiple_results=True)
lu_p.impl = _lu_impl
lu_p.abstract_eval = _lu_abstract
_check_eagerly(lu_p)
lu_p.weak_type_rule = _strong


def _permutation_matrix(perm, n, dtype, columns=False):
    """One-hot matrix ``P`` of a permutation: ``P @ x == x[..., perm, :]`` (rows), or
    ``x @ P == x[..., :, perm]`` (columns)."""
    shape = _aval(perm).shape
    iota = structural.broadcasted_iota(_aval(perm).dtype, shape + (n,), len(shape))
    onehot = ew.eq_p.bind(structural.broadcast_in_dim(perm, shape + (n,),
                                                      tuple(range(len(shape)))), iota)
    P = _convert(onehot, dtype)  # P[..., i, j] = (perm[i] == j)
    return _T(P) if columns else P


def _lu_jvp(primals, tangents):
    # De Hoog, Anderssen & Lukas, "Differentiation of Matrix Functionals Using Triangular
    # Factorization" (JAX's rule): L' = L tril(L^-1 A' U^-1, -1), U' = triu(L^-1 A' U^-1) U.
    (a,), (a_dot,) = primals, tangents
    a_dot = ad.instantiate(a_dot)
    lu, pivots, permutation = lu_p.bind(a)
    shape = _aval(a).shape
    m, n = shape[-2:]
    dtype = _aval(a).dtype
    k = min(m, n)
    batch = shape[:-2]
    x = _matmul(_permutation_matrix(permutation, m, dtype), a_dot)  # a_dot[..., perm, :]
    zero = _const(0, dtype)
    nd = len(shape)
    l_pad = [(0, 0, 0)] * nd
    l_pad[-1] = (0, m - k, 0)
    lu_cols = structural.slice(lu, (0,) * nd, batch + (m, k))
    l = _add(structural.pad(_tril(lu_cols, -1), zero, l_pad),
             _bcast(ArrayImpl(np.eye(m, dtype=dtype), False), batch + (m, m)))
    u_eye = np.pad(np.eye(n - k, dtype=dtype), ((k, 0), (k, 0)))
    u_pad = [(0, 0, 0)] * nd
    u_pad[-2] = (0, n - k, 0)
    lu_rows = structural.slice(lu, (0,) * nd, batch + (k, n))
    u = _add(structural.pad(_triu(lu_rows), zero, u_pad),
             _bcast(ArrayImpl(u_eye, False), batch + (n, n)))
    la = triangular_solve(l, x, left_side=True, transpose_a=False, lower=True,
                          unit_diagonal=True)
    lau = triangular_solve(u, la, left_side=False, transpose_a=False, lower=False)
    l_dot = _matmul(l, _tril(lau, -1))
    u_dot = _matmul(_triu(lau), u)
    return [lu, pivots, permutation], [_add(l_dot, u_dot), _zero(pivots), _zero(permutation)]


lu_p.jvp = _lu_jvp
lu_p.batch = _batch_front(lu_p)


def lu(x):
    """LU decomposition with partial pivoting: ``x[..., perm, :] = L @ U``.

    Returns:
      ``(lu, pivots, permutation)``: L (unit diagonal, not stored) below the diagonal of ``lu``
      and U on and above it; int32 row swaps ``pivots`` ``[..., min(m, n)]``; and the
      permutation ``[..., m]`` they make.
    """
    lu_, pivots, permutation = lu_p.bind(x)
    return lu_, pivots, permutation


def _lu_pivots_abstract(pivots, *, permutation_size):
    if pivots.dtype not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError("lu_pivots_to_permutation requires pivots to be int32 or int64, got "
                        f"{pivots.dtype.name}")
    if pivots.ndim < 1:
        raise ValueError("Argument to lu_pivots_to_permutation must have rank >= 1, got "
                         f"shape {pivots.shape}")
    if permutation_size < pivots.shape[-1]:
        raise ValueError("Output permutation size must match or exceed the number of pivots "
                         f"({pivots.shape[-1]}), got {permutation_size}")
    return ShapedArray(pivots.shape[:-1] + (permutation_size,), pivots.dtype)


def _lu_pivots_impl(pivots, *, permutation_size):
    return _pivots_to_permutation(pivots, permutation_size).astype(pivots.dtype)


lu_pivots_to_permutation_p = core.Primitive("lu_pivots_to_permutation")
lu_pivots_to_permutation_p.impl = _lu_pivots_impl
lu_pivots_to_permutation_p.abstract_eval = _lu_pivots_abstract
_check_eagerly(lu_pivots_to_permutation_p)
lu_pivots_to_permutation_p.weak_type_rule = _strong
ad.defjvp_zero(lu_pivots_to_permutation_p)


def _lu_pivots_batch(vals, dims, **params):
    x = batching.moveaxis(vals[0], dims[0], 0)
    return lu_pivots_to_permutation_p.bind(x, **params), 0


lu_pivots_to_permutation_p.batch = _lu_pivots_batch


def lu_pivots_to_permutation(pivots, permutation_size):
    """The permutation (``[..., permutation_size]``) made by LU's sequence of row swaps."""
    return lu_pivots_to_permutation_p.bind(pivots, permutation_size=int(permutation_size))


# ----------------------------------------------------------------------------------------------
# triangular_solve: op(a) x = b (left_side) or x op(a) = b


def _triangular_solve_shape(a, b, *, left_side, **_):
    if a.ndim < 2:
        raise TypeError(f"triangular_solve requires a.ndim to be at least 2, got {a.ndim}.")
    if b.ndim < 2:
        raise TypeError(f"triangular_solve requires b.ndim to be at least 2, got {b.ndim}.")
    if a.shape[-1] != a.shape[-2]:
        raise TypeError("triangular_solve requires the last two dimensions of a to be equal "
                        f"in size, got a.shape of {a.shape}.")
    if a.shape[:-2] != b.shape[:-2]:
        raise TypeError("triangular_solve requires both arguments to have the same number of "
                        f"dimensions and equal batch dimensions, got {a.shape} and {b.shape}.")
    common = -2 if left_side else -1
    if a.shape[-1] != b.shape[common]:
        raise TypeError("Incompatible shapes for arguments to triangular_solve: "
                        f"{a.shape} and {b.shape}.")
    return b.shape


def _triangular_solve_dtype(a, b, **_):
    if a.dtype != b.dtype:
        raise TypeError("triangular_solve requires arguments to have the same dtypes, got "
                        f"{a.dtype.name}, {b.dtype.name}.")
    _check_matrix_dtype("triangular_solve", a.dtype)
    return a.dtype


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a,
                           unit_diagonal):
    dtype = _triangular_solve_dtype(a, b)
    A, B = _prep(a), _prep(b)
    if B.size == 0 or A.size == 0:
        return np.zeros(b.shape, dtype)
    conj = conjugate_a and A.dtype.kind == "c"
    # BLAS trsm solves op(A) X = B or X op(A) = B with op = A, A^T or A^H; conj(A) alone is
    # handled as conj(X) = solve(A, conj(B)).
    if conj and not transpose_a:
        trans, flip = 0, True
    else:
        trans, flip = (2 if conj else 1) if transpose_a else 0, False
    trsm = _blas.get_blas_funcs("trsm", (A.reshape(-1)[:1],))
    one = A.dtype.type(1)
    if flip:
        B = np.conj(B)

    def single(am, bm):
        return (trsm(one, am, bm, side=0 if left_side else 1, lower=int(lower),
                     trans_a=trans, diag=int(unit_diagonal)),)
    (out,) = _per_matrix(single, A, B, batch_ndim=A.ndim - 2)
    if flip:
        out = np.conj(out)
    return out.astype(dtype, copy=False)


triangular_solve_p = core.Primitive("triangular_solve")
triangular_solve_p.impl = _triangular_solve_impl


def _triangular_solve_abstract(a, b, **params):
    return ShapedArray(_triangular_solve_shape(a, b, **params),
                       _triangular_solve_dtype(a, b), a.weak_type and b.weak_type)


triangular_solve_p.abstract_eval = _triangular_solve_abstract
_check_eagerly(triangular_solve_p)


def _triangular_solve_jvp_a(g_a, ans, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
    m, n = _aval(b).shape[-2:]
    k = 1 if unit_diagonal else 0
    g_a = _tril(g_a, -k) if lower else _triu(g_a, k)
    g_a = _neg(g_a)
    g_a = _T(g_a) if transpose_a else g_a
    g_a = _conj(g_a) if conjugate_a else g_a

    def a_inverse(rhs):
        return triangular_solve_p.bind(a, rhs, left_side=left_side, lower=lower,
                                       transpose_a=transpose_a, conjugate_a=conjugate_a,
                                       unit_diagonal=unit_diagonal)

    # A triangular solve costs about a matrix product: order the two the cheaper way.
    if left_side:
        return a_inverse(_matmul(g_a, ans)) if m > n else _matmul(a_inverse(g_a), ans)
    return a_inverse(_matmul(ans, g_a)) if m < n else _matmul(ans, a_inverse(g_a))


def _triangular_solve_jvp(primals, tangents, **params):
    a, b = primals
    g_a, g_b = tangents
    ans = triangular_solve_p.bind(a, b, **params)
    out = None
    if type(g_a) is not ad.Zero:
        out = _triangular_solve_jvp_a(g_a, ans, a, b, **params)
    if type(g_b) is not ad.Zero:
        t = triangular_solve_p.bind(a, g_b, **params)
        out = t if out is None else _add(out, t)
    return ans, (_zero(ans) if out is None else out)


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
    # Linear in b only (like div, with the operands swapped).
    assert not ad.is_undefined(a) and ad.is_undefined(b)
    if type(ct) is ad.Zero:
        return [None, None]
    ct_b = triangular_solve_p.bind(a, ct, left_side=left_side, lower=lower,
                                   transpose_a=not transpose_a, conjugate_a=conjugate_a,
                                   unit_diagonal=unit_diagonal)
    return [None, ct_b]


def _triangular_solve_batch(vals, dims, **params):
    a, b = vals
    size = next(_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    a = batching.bdim_at_front(a, dims[0], size)
    b = batching.bdim_at_front(b, dims[1], size)
    return triangular_solve_p.bind(a, b, **params), 0


triangular_solve_p.jvp = _triangular_solve_jvp
triangular_solve_p.transpose = _triangular_solve_transpose
triangular_solve_p.batch = _triangular_solve_batch


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    """Solve ``op(a) @ x = b`` (``left_side``) or ``x @ op(a) = b`` for triangular ``a``.

    Args:
      a: a batch of triangular matrices ``[..., m, m]``; only the triangle given by ``lower``
        is read (and not the diagonal if ``unit_diagonal``).
      b: ``[..., m, n]`` if ``left_side`` else ``[..., n, m]``; or, as in JAX, one fewer
        dimension (a batch of vectors).
      left_side, lower, transpose_a, conjugate_a, unit_diagonal: which system to solve.

    Returns:
      ``x``, shaped like ``b``.
    """
    a_aval, b_aval = _aval(a), _aval(b)
    conjugate_a = bool(conjugate_a) and a_aval.dtype.kind == "c"
    singleton = b_aval.ndim == a_aval.ndim - 1
    if singleton:
        b = _expand(b, -1 if left_side else -2)
    out = triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                  transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
                                  unit_diagonal=bool(unit_diagonal))
    if singleton:
        shape = _aval(out).shape
        out = structural.reshape(out, shape[:-1] if left_side else shape[:-2] + shape[-1:])
    return out


# ----------------------------------------------------------------------------------------------
# Solving with an LU factorization (used by eig's derivative; jnp.linalg has its own solve)


def _lu_solve_general(a, b):
    """``a^{-1} b`` for square ``a`` and ``b`` ``[..., m, k]`` of the same batch shape."""
    lu_, _, perm = lu_p.bind(ad_stop(a))
    x = _matmul(_permutation_matrix(perm, _aval(a).shape[-1], _aval(b).dtype), b)
    x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
    return triangular_solve(lu_, x, left_side=True, lower=False)


def ad_stop(x):
    return ew.stop_gradient(x)


__all__ = ["cholesky", "eig", "eigh", "geqrf", "householder_product", "lu",
           "lu_pivots_to_permutation", "qr", "svd", "symmetrize", "triangular_solve",
           "SvdAlgorithm", "EigImplementation"]

"""jax.scipy.linalg: SciPy's dense linear algebra API on pyjax arrays.

Built from the lax.linalg primitives and jax.numpy, as JAX's jax/_src/scipy/linalg.py. The
``overwrite_*``/``check_finite`` arguments are accepted and ignored, as in JAX.
"""
import numpy as np

from pyjax._src import lax
from pyjax._src import numpy as jnp
from pyjax._src.numpy import linalg as jnp_linalg
from pyjax._src.numpy import util
from pyjax._src.primitives import linalg as lax_linalg
from pyjax._src.primitives import linear as _linear

_HIGHEST = _linear.Precision.HIGHEST


def _inexact(name, *args):
    util.check_arraylike(name, *args)
    return util.promote_dtypes_inexact(*[util.to_array(a) for a in args])


def _T(x):
    return jnp.swapaxes(x, -1, -2)


def _H(x):
    return jnp.conjugate(_T(x))


def _check_solve_shapes(a, b):
    if not (a.ndim >= 2 and b.ndim in [a.ndim, a.ndim - 1]
            and a.shape[-1] == a.shape[-2] == b.shape[a.ndim - 2]):
        raise ValueError("The arguments to solve must have shapes a=[..., m, m] and "
                         f"b=[..., m, k] or b=[..., m]; got a={a.shape} and b={b.shape}")


def _broadcast_batch(a, b, b_core):
    """``a`` ([..., m, m]) and ``b`` (``b_core`` trailing core dims) broadcast to one batch."""
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:b.ndim - b_core])
    return (jnp.broadcast_to(a, batch + a.shape[-2:]),
            jnp.broadcast_to(b, batch + b.shape[b.ndim - b_core:]))


# ----------------------------------------------------------------------------------------------
# Cholesky


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factor (upper by default, as SciPy) of Hermitian positive-definite matrices;
    only the chosen triangle of ``a`` is read."""
    (a,) = _inexact("jax.scipy.linalg.cholesky", a)
    lo = lax_linalg.cholesky(a if lower else _H(a), symmetrize_input=False)
    return lo if lower else _H(lo)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)``: the Cholesky factor and which triangle it is, for cho_solve."""
    return (cholesky(a, lower=lower), lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` from ``cho_factor(a)``."""
    c, lower = c_and_lower
    c, b = _inexact("jax.scipy.linalg.cho_solve", c, b)
    _check_solve_shapes(c, b)
    vector = b.ndim == c.ndim - 1
    if vector:
        b = b[..., None]
    c, b = _broadcast_batch(c, b, 2)
    b = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                                    conjugate_a=not lower)
    b = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=lower,
                                    conjugate_a=lower)
    return b[..., 0] if vector else b


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):
    """Solve ``op(a) x = b`` for triangular ``a`` (``trans``: 0/'N', 1/'T' or 2/'C')."""
    if trans == 0 or trans == "N":
        transpose_a, conjugate_a = False, False
    elif trans == 1 or trans == "T":
        transpose_a, conjugate_a = True, False
    elif trans == 2 or trans == "C":
        transpose_a, conjugate_a = True, True
    else:
        raise ValueError(f"Invalid 'trans' value {trans}")
    a, b = _inexact("jax.scipy.linalg.solve_triangular", a, b)
    b_is_vector = a.ndim == b.ndim + 1
    if b_is_vector:
        b = b[..., None]
    a, b = _broadcast_batch(a, b, 2)
    out = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower,
                                      transpose_a=transpose_a, conjugate_a=conjugate_a,
                                      unit_diagonal=unit_diagonal)
    return out[..., 0] if b_is_vector else out


# ----------------------------------------------------------------------------------------------
# LU


def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """LU decomposition ``a = p @ l @ u``.

    Returns:
      ``(p, l, u)``, or ``(p @ l, u)`` if ``permute_l``.
    """
    (a,) = _inexact("jax.scipy.linalg.lu", a)
    lu_, _, permutation = lax_linalg.lu(a)
    dtype = a.dtype
    m, n = a.shape[-2:]
    p = jnp.real(jnp.array(permutation[..., None] == jnp.arange(m), dtype=dtype))
    k = min(m, n)
    l = jnp.tril(lu_, -1)[..., :, :k] + jnp.eye(m, k, dtype=dtype)
    u = jnp.triu(lu_)[..., :k, :]
    if permute_l:
        return jnp.matmul(_T(p), l, precision=_HIGHEST), u
    return _T(p), l, u


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``: LAPACK's compact LU factorization with 0-based row swaps."""
    (a,) = _inexact("jax.scipy.linalg.lu_factor", a)
    lu_, pivots, _ = lax_linalg.lu(a)
    return lu_, pivots


def _permute_rows(x, perm):
    """``x[..., perm, :]`` as a one-hot product (linear in x, so it transposes)."""
    m = perm.shape[-1]
    onehot = perm[..., :, None] == jnp.arange(m, dtype=perm.dtype)
    return jnp.matmul(onehot.astype(x.dtype), x, precision=_HIGHEST)


def _lu_solve(lu_, permutation, b, trans):
    if lu_.ndim < 2 or lu_.shape[-1] != lu_.shape[-2]:
        raise ValueError("last two dimensions of LU decomposition must be equal, got shape "
                         f"{lu_.shape}")
    m = lu_.shape[-1]
    rhs_vector = lu_.ndim == b.ndim + 1
    if rhs_vector:
        if b.shape[-1] != m:
            raise ValueError("When LU decomposition matrix and b have the same number of "
                             f"dimensions, last axis of LU decomposition matrix (shape "
                             f"{lu_.shape}) and b array (shape {b.shape}) must match")
        b = b[..., None]
    elif b.shape[-2] != m:
        raise ValueError("When LU decomposition matrix and b different numbers of dimensions, "
                         f"last axis of LU decomposition matrix (shape {lu_.shape}) and second "
                         f"to last axis of b array (shape {b.shape}) must match")
    batch = jnp.broadcast_shapes(lu_.shape[:-2], permutation.shape[:-1], b.shape[:-2])
    lu_ = jnp.broadcast_to(lu_, batch + lu_.shape[-2:])
    permutation = jnp.broadcast_to(permutation, batch + permutation.shape[-1:])
    x = jnp.broadcast_to(b, batch + b.shape[-2:])
    if trans == 0:
        x = _permute_rows(x, permutation)
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False)
    elif trans in (1, 2):
        conj = trans == 2
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False, transpose_a=True,
                                        conjugate_a=conj)
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True,
                                        transpose_a=True, conjugate_a=conj)
        # The inverse permutation: x[..., argsort(perm), :] = P^T x.
        onehot = permutation[..., :, None] == jnp.arange(m, dtype=permutation.dtype)
        x = jnp.matmul(_T(onehot.astype(x.dtype)), x, precision=_HIGHEST)
    else:
        raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
    return x[..., 0] if rhs_vector else x


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``op(a) x = b`` from ``lu_factor(a)`` (``trans``: 0, 1 (a^T) or 2 (a^H))."""
    lu_, pivots = lu_and_piv
    util.check_arraylike("jax.scipy.linalg.lu_solve", lu_, pivots, b)
    lu_, b = util.promote_dtypes_inexact(util.to_array(lu_), util.to_array(b))
    m = lu_.shape[-2]
    perm = lax_linalg.lu_pivots_to_permutation(util.to_array(pivots), m)
    return _lu_solve(lu_, perm, b, trans)


# ----------------------------------------------------------------------------------------------
# Other decompositions and solves


def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True):  # noqa: A002 (SciPy's name)
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices; only ``b=None``,
    ``type=1`` and ``eigvals=None`` are supported, as in JAX.

    Returns:
      ``w`` if ``eigvals_only``, else ``(w, v)``.
    """
    if b is not None:
        raise NotImplementedError("Only the b=None case of eigh is implemented")
    if type != 1:
        raise NotImplementedError("Only the type=1 case of eigh is implemented.")
    if eigvals is not None:
        raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
    (a,) = _inexact("jax.scipy.linalg.eigh", a)
    v, w = lax_linalg.eigh(a, lower=lower)
    if eigvals_only:
        return w
    return w, v


def inv(a, overwrite_a=False, check_finite=True):
    """The inverse of square matrices."""
    return jnp_linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant of square matrices."""
    return jnp_linalg.det(a)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):
    """Solve ``a x = b``; ``assume_a='pos'`` uses a Cholesky factorization of the ``lower``
    (or upper) triangle."""
    if assume_a not in {"gen", "sym", "her", "pos"}:
        raise ValueError("Expected assume_a to be one of {'gen', 'sym', 'her', 'pos'}; got "
                         f"{assume_a!r}")
    a, b = _inexact("jax.scipy.linalg.solve", a, b)
    _check_solve_shapes(a, b)
    if assume_a != "pos":
        return jnp_linalg.solve(a, b)
    return cho_solve(cho_factor(a, lower=lower), b)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """QR decomposition, SciPy style (``mode``: 'full', 'r' or 'economic').

    Returns:
      ``(q, r)`` (plus the pivots ``p`` with ``pivoting``); ``(r,)`` for ``mode='r'``.
    """
    (a,) = _inexact("jax.scipy.linalg.qr", a)
    if mode in ("full", "r"):
        full_matrices = True
    elif mode == "economic":
        full_matrices = False
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=full_matrices)
    if mode == "r":
        return (r, p[0]) if pivoting else (r,)
    return (q, r, p[0]) if pivoting else (q, r)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """Singular value decomposition: ``(u, s, vh)``, or ``s`` if not ``compute_uv``."""
    (a,) = _inexact("jax.scipy.linalg.svd", a)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def polar(a, side="right", *, method="qdwh", eps=None, max_iterations=None):
    """Polar decomposition ``a = u p`` (``side='right'``) or ``a = p u`` (``'left'``).

    Both methods are computed from the SVD here (``'qdwh'`` is an accelerator algorithm with
    the same result up to rounding).

    Returns:
      ``(unitary, posdef)``.
    """
    (arr,) = _inexact("jax.scipy.linalg.polar", a)
    if side not in ("left", "right"):
        raise ValueError(f"side={side} was invalid.")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"Unknown polar decomposition method {method}.")
    if arr.ndim != 2:
        raise ValueError("The input `a` must be a 2-D array.")
    u_svd, s_svd, vh_svd = lax_linalg.svd(arr, full_matrices=False)
    unitary = jnp.matmul(u_svd, vh_svd, precision=_HIGHEST)
    if side == "right":
        posdef = jnp.matmul(_H(vh_svd) * s_svd[None, :], vh_svd, precision=_HIGHEST)
    else:
        posdef = jnp.matmul(u_svd * s_svd[None, :], _H(u_svd), precision=_HIGHEST)
    return unitary, posdef


def block_diag(*arrs):
    """A block-diagonal matrix of the given (at most 2-d) arrays."""
    if len(arrs) == 0:
        arrs = (jnp.zeros((1, 0)),)
    util.check_arraylike("block_diag", *arrs)
    arrs = util.promote_dtypes(*arrs)
    bad = [i for i, a in enumerate(arrs) if np.ndim(a) > 2]
    if bad:
        raise ValueError("Arguments to jax.scipy.linalg.block_diag must have at most 2 "
                         f"dimensions, got {arrs[bad[0]]} at argument {bad[0]}.")
    arrs = [jnp.atleast_2d(a) for a in arrs]
    total_cols = sum(a.shape[1] for a in arrs)
    rows, c = [], 0
    for a in arrs:
        cc = a.shape[1]
        zero = jnp.zeros((), a.dtype)
        rows.append(lax.pad(a, zero, ((0, 0, 0), (c, total_cols - c - cc, 0))))
        c += cc
    return jnp.concatenate(rows, axis=0)


# ----------------------------------------------------------------------------------------------
# expm: Pade approximation with scaling and squaring (Higham 2005), as JAX


def _dot(a, b):
    return jnp.matmul(a, b, precision=_HIGHEST)


def _pade3(A, ident):
    b = (120., 60., 12., 1.)
    A2 = _dot(A, A)
    U = _dot(A, (b[3] * A2 + b[1] * ident))
    V = b[2] * A2 + b[0] * ident
    return U, V


def _pade5(A, ident):
    b = (30240., 15120., 3360., 420., 30., 1.)
    A2 = _dot(A, A)
    A4 = _dot(A2, A2)
    U = _dot(A, b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade7(A, ident):
    b = (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.)
    A2 = _dot(A, A)
    A4 = _dot(A2, A2)
    A6 = _dot(A4, A2)
    U = _dot(A, b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade9(A, ident):
    b = (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
         3960., 90., 1.)
    A2 = _dot(A, A)
    A4 = _dot(A2, A2)
    A6 = _dot(A4, A2)
    A8 = _dot(A6, A2)
    U = _dot(A, b[9] * A8 + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[8] * A8 + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade13(A, ident):
    b = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.)
    A2 = _dot(A, A)
    A4 = _dot(A2, A2)
    A6 = _dot(A4, A2)
    U = _dot(A, _dot(A6, b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4
             + b[3] * A2 + b[1] * ident)
    V = (_dot(A6, b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2
         + b[0] * ident)
    return U, V


def _calc_P_Q(A):  # noqa: N802
    A_L1 = jnp_linalg.norm(A, 1, axis=(-2, -1))
    if A.dtype in (np.dtype(np.float64), np.dtype(np.complex128)):
        maxnorm = 5.371920351148152
        conds = [1.495585217958292e-002, 2.539398330063230e-001, 9.504178996162932e-001,
                 2.097847961257068e+000]
        pades = [_pade3, _pade5, _pade7, _pade9, _pade13]
    elif A.dtype in (np.dtype(np.float32), np.dtype(np.complex64)):
        maxnorm = 3.925724783138660
        conds = [4.258730016922831e-001, 1.880152677804762e+000]
        pades = [_pade3, _pade5, _pade7]
    else:
        raise TypeError(f"A.dtype={A.dtype} is not supported.")
    n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(A_L1 / maxnorm)))
    A = A / (2 ** n_squarings.astype(A.dtype))[..., None, None]
    idx = jnp.digitize(A_L1, jnp.array(conds, dtype=A_L1.dtype))
    # lax.switch without control flow: every approximant is computed, the right one selected.
    ident = jnp.broadcast_to(jnp.eye(A.shape[-1], dtype=A.dtype), A.shape)
    U = V = None
    for i, pade in enumerate(pades):
        Ui, Vi = pade(A, ident)
        if U is None:
            U, V = Ui, Vi
        else:
            pick = (idx == i)[..., None, None]
            U, V = jnp.where(pick, Ui, U), jnp.where(pick, Vi, V)
    P = U + V  # numerator p_m(A)
    Q = -U + V  # denominator q_m(A)
    return P, Q, n_squarings


def expm(A, *, upper_triangular=False, max_squarings=16):
    """Matrix exponential by Pade approximation with scaling and squaring (Higham 2005).

    Args:
      A: ``[..., n, n]`` matrices.
      upper_triangular: ``A`` is upper triangular (a triangular solve is used).
      max_squarings: the most squarings to undo the scaling; beyond it the result is NaN.
    """
    (A,) = _inexact("jax.scipy.linalg.expm", A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={A.shape}.")
    P, Q, n_squarings = _calc_P_Q(A)
    if upper_triangular:
        R = solve_triangular(Q, P)
    else:
        R = jnp_linalg.solve(Q, P)
    for i in range(max_squarings):
        R = jnp.where((i < n_squarings)[..., None, None], _dot(R, R), R)
    too_many = (n_squarings > max_squarings)[..., None, None]
    return jnp.where(too_many, jnp.full_like(R, jnp.nan), R)

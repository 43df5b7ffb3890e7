"""Linear algebra primitives for solving: lu (with pivots and permutation),
lu_pivots_to_permutation and triangular_solve, and the helpers every linalg primitive shares
(NumPy-side batching and NaN-on-failure; lax-level matrix operations for derivative rules).

Impls call LAPACK/BLAS through SciPy one matrix at a time over the leading batch dimensions.
Differentiation rules are JAX's (jax/_src/lax/linalg.py).
"""
import numpy as np
from scipy.linalg import blas as _blas
from scipy.linalg import lapack as _lapack

from pyjax._src import core
from pyjax._src.array import ArrayImpl
from pyjax._src.core import ShapedArray
from pyjax._src.interpreters import ad
from pyjax._src.interpreters import batching
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import joining
from pyjax._src.primitives import linear
from pyjax._src.primitives import reductions
from pyjax._src.primitives import structural
from pyjax._src.primitives.common import INEXACT, dtype_error

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)
_INT32 = np.dtype(np.int32)


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
    l = _add(joining.pad(_tril(lu_cols, -1), zero, l_pad),
             _bcast(ArrayImpl(np.eye(m, dtype=dtype), False), batch + (m, m)))
    u_eye = np.pad(np.eye(n - k, dtype=dtype), ((k, 0), (k, 0)))
    u_pad = [(0, 0, 0)] * nd
    u_pad[-2] = (0, n - k, 0)
    lu_rows = structural.slice(lu, (0,) * nd, batch + (k, n))
    u = _add(joining.pad(_triu(lu_rows), zero, u_pad),
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

"""Dense linear algebra: the lax.linalg primitives (pyjax/_src/primitives/linalg.py) and
jnp.linalg (pyjax/_src/numpy/linalg.py), compared with NumPy/SciPy over batch shapes and dtypes,
eagerly and under jit; abstract evaluation against eager results; every JVP checked against
finite differences (forward and reverse); vmap; the result NamedTuples; the seed cells."""
import contextlib

import numpy as np
import pytest
import scipy.linalg as sla

import pyjax
import pyjax.numpy as jnp
import pyjax.numpy.linalg  # noqa: F401 (binds jnp.linalg)
from pyjax._src import config as config_mod
from pyjax._src.array import ArrayImpl
from pyjax._src.numpy import linalg as jla
from pyjax._src.primitives import linalg as lax_linalg
from pyjax.test_util import check_grads

RNG = np.random.RandomState(0)
BATCHES = [(), (2,), (2, 3), (0,)]
DTYPES = [np.float32, np.float64, np.complex64]


@contextlib.contextmanager
def maybe_x64(dtype):
    """float64/complex128 need x64; everything else runs with it off."""
    on = np.dtype(dtype) in (np.dtype(np.float64), np.dtype(np.complex128))
    with config_mod.enable_x64(on):
        yield


def rand(shape, dtype):
    dtype = np.dtype(dtype)
    x = RNG.randn(*shape)
    if dtype.kind == "c":
        x = x + 1j * RNG.randn(*shape)
    return x.astype(dtype)


def spd(batch, n, dtype):
    a = rand(batch + (n, n), dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def tol(dtype):
    return 2e-4 if np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64)) else 1e-10


def arr(x):
    return ArrayImpl(np.asarray(x), False)


def modes():
    return [lambda f: f, pyjax.jit]


def check_abstract(f, *args):
    """make_jaxpr's output avals equal the eager results' shapes, dtypes and weak types."""
    eager = f(*args)
    out_avals = pyjax.make_jaxpr(f)(*args).out_avals
    leaves = pyjax.tree_util.tree_leaves(eager)
    assert len(leaves) == len(out_avals)
    for x, aval in zip(leaves, out_avals):
        assert x.shape == aval.shape and x.dtype == aval.dtype, (x, aval)
        assert x.weak_type == aval.weak_type


# ----------------------------------------------------------------------------------------------
# Primitives vs NumPy/SciPy


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("jit", [False, True])
def test_cholesky(batch, dtype, jit):
    with maybe_x64(dtype):
        a = spd(batch, 4, dtype)
        f = pyjax.jit(lax_linalg.cholesky) if jit else lax_linalg.cholesky
        out = f(arr(a))
        assert out.dtype == a.dtype and out.shape == a.shape
        np.testing.assert_allclose(out, np.linalg.cholesky(a), rtol=tol(dtype), atol=tol(dtype))
        check_abstract(lax_linalg.cholesky, arr(a))


def test_cholesky_not_positive_definite_gives_nan():
    a = np.stack([np.eye(3, dtype=np.float32), -np.eye(3, dtype=np.float32)])
    out = np.asarray(lax_linalg.cholesky(arr(a)))
    np.testing.assert_array_equal(out[0], np.eye(3))
    assert np.isnan(out[1][np.tril_indices(3)]).all()  # tril zeroes the upper triangle
    assert np.isnan(np.asarray(lax_linalg.cholesky_p.bind(arr(a)))[1]).all()


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("jit", [False, True])
def test_eigh(batch, dtype, jit):
    with maybe_x64(dtype):
        a = rand(batch + (4, 4), dtype)
        f = pyjax.jit(lax_linalg.eigh) if jit else lax_linalg.eigh
        v, w = f(arr(a))
        sym = (a + np.conj(np.swapaxes(a, -1, -2))) / 2
        w_np = np.linalg.eigvalsh(sym)
        assert w.dtype == np.real(a).dtype and v.dtype == a.dtype
        np.testing.assert_allclose(w, w_np, rtol=tol(dtype), atol=tol(dtype) * 10)
        # A V = V diag(w)
        v, w = np.asarray(v), np.asarray(w)
        np.testing.assert_allclose(sym @ v, v * w[..., None, :], atol=tol(dtype) * 20)
        check_abstract(lax_linalg.eigh, arr(a))


def test_eigh_subset_and_lower():
    a = spd((), 5, np.float32)
    v, w = lax_linalg.eigh(arr(a), subset_by_index=(1, 3))
    assert v.shape == (5, 2) and w.shape == (2,)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a)[1:3], rtol=1e-5)
    u = np.triu(a) + 100 * np.tril(np.ones((5, 5), np.float32), -1)
    _, w = lax_linalg.eigh(arr(u), lower=False, symmetrize_input=False)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(u, UPLO="U"), rtol=1e-5)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_svd(batch, shape, dtype):
    with maybe_x64(dtype):
        a = rand(batch + shape, dtype)
        for full in (True, False):
            for f in modes():
                u, s, vt = f(lambda x: lax_linalg.svd(x, full_matrices=full))(arr(a))
                u_np, s_np, vt_np = np.linalg.svd(a, full_matrices=full)
                assert (u.shape, s.shape, vt.shape) == (u_np.shape, s_np.shape, vt_np.shape)
                assert s.dtype == np.real(a).dtype
                np.testing.assert_allclose(s, s_np, rtol=tol(dtype), atol=tol(dtype))
                k = min(shape)
                recon = (np.asarray(u)[..., :, :k] * np.asarray(s)[..., None, :]) \
                    @ np.asarray(vt)[..., :k, :]
                np.testing.assert_allclose(recon, a, atol=tol(dtype) * 20)
        s = lax_linalg.svd(arr(a), compute_uv=False)
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=tol(dtype),
                                   atol=tol(dtype))
        check_abstract(lambda x: lax_linalg.svd(x, full_matrices=False), arr(a))


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_qr(batch, shape, dtype):
    with maybe_x64(dtype):
        a = rand(batch + shape, dtype)
        for full in (True, False):
            q, r = pyjax.jit(lambda x: lax_linalg.qr(x, full_matrices=full))(arr(a))
            q_np, r_np = np.linalg.qr(a, mode="complete" if full else "reduced")
            np.testing.assert_allclose(q, q_np, atol=tol(dtype) * 10)
            np.testing.assert_allclose(r, r_np, atol=tol(dtype) * 10)
            check_abstract(lambda x: lax_linalg.qr(x, full_matrices=full), arr(a))


def test_qr_pivoting():
    a = rand((5, 4), np.float32)
    q, r, p = lax_linalg.qr(arr(a), pivoting=True, full_matrices=False)
    assert p.dtype == np.int32
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a[:, np.asarray(p)], atol=1e-5)
    _, r_sp, p_sp = sla.qr(a, mode="economic", pivoting=True)
    np.testing.assert_array_equal(p, p_sp)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_lu(batch, shape, dtype):
    with maybe_x64(dtype):
        a = rand(batch + shape, dtype)
        lu, piv, perm = pyjax.jit(lax_linalg.lu)(arr(a))
        m, n = shape
        k = min(m, n)
        assert piv.dtype == np.int32 and piv.shape == batch + (k,)
        assert perm.shape == batch + (m,)
        lu, perm = np.asarray(lu), np.asarray(perm)
        l = np.tril(lu, -1)[..., :, :k] + np.eye(m, k)
        u = np.triu(lu)[..., :k, :]
        permuted = np.take_along_axis(a, perm[..., :, None], axis=-2)
        np.testing.assert_allclose(l @ u, permuted, atol=tol(dtype) * 10)
        for idx in np.ndindex(*batch):
            lu_sp, piv_sp = sla.lu_factor(a[idx]) if m == n else (None, None)
            if lu_sp is not None:
                np.testing.assert_allclose(lu[idx], lu_sp, atol=tol(dtype) * 10)
                np.testing.assert_array_equal(np.asarray(piv)[idx], piv_sp)
        check_abstract(lax_linalg.lu, arr(a))


def test_lu_pivots_to_permutation():
    piv = np.array([[2, 2, 2], [0, 1, 2]], np.int32)
    perm = lax_linalg.lu_pivots_to_permutation(arr(piv), 4)
    np.testing.assert_array_equal(perm, [[2, 0, 1, 3], [0, 1, 2, 3]])


@pytest.mark.parametrize("batch", [(), (2,), (0,)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a,conjugate_a", [(False, False), (True, False),
                                                      (True, True), (False, True)])
def test_triangular_solve(batch, dtype, left_side, lower, transpose_a, conjugate_a):
    with maybe_x64(dtype):
        a = rand(batch + (4, 4), dtype) + 4 * np.eye(4, dtype=dtype)
        b = rand(batch + ((4, 3) if left_side else (3, 4)), dtype)
        for unit in (False, True):
            x = pyjax.jit(lambda a, b: lax_linalg.triangular_solve(
                a, b, left_side=left_side, lower=lower, transpose_a=transpose_a,
                conjugate_a=conjugate_a, unit_diagonal=unit))(arr(a), arr(b))
            t = np.tril(a) if lower else np.triu(a)
            if unit:
                t = t * (1 - np.eye(4)) + np.eye(4)
            if conjugate_a:
                t = np.conj(t)
            if transpose_a:
                t = np.swapaxes(t, -1, -2)
            lhs = t @ np.asarray(x) if left_side else np.asarray(x) @ t
            np.testing.assert_allclose(lhs, b, atol=tol(dtype) * 10)


def test_triangular_solve_vector_b_and_errors():
    a = np.tril(rand((3, 3), np.float32)) + 3 * np.eye(3, dtype=np.float32)
    b = rand((3,), np.float32)
    x = lax_linalg.triangular_solve(arr(a), arr(b), left_side=True, lower=True)
    np.testing.assert_allclose(a @ np.asarray(x), b, atol=1e-5)
    with pytest.raises(TypeError, match="Incompatible shapes for arguments to triangular_solve"):
        lax_linalg.triangular_solve(arr(a), arr(rand((3, 4), np.float32)))
    with pytest.raises(TypeError, match="cholesky does not accept dtype int32"):
        lax_linalg.cholesky(arr(np.eye(2, dtype=np.int32)))
    with pytest.raises(ValueError, match="must be a square matrix"):
        lax_linalg.cholesky(arr(np.ones((2, 3), np.float32)), symmetrize_input=False)


@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_eig(batch, dtype):
    a = rand(batch + (4, 4), dtype)
    w, vl, vr = lax_linalg.eig(arr(a))
    assert w.dtype == np.complex64 and vr.dtype == np.complex64
    w, vl, vr = map(np.asarray, (w, vl, vr))
    np.testing.assert_allclose(a @ vr, vr * w[..., None, :], atol=1e-4)
    vlh = np.conj(np.swapaxes(vl, -1, -2))
    np.testing.assert_allclose(vlh @ a, w[..., :, None] * vlh, atol=1e-4)
    (w2,) = lax_linalg.eig(arr(a), compute_left_eigenvectors=False,
                           compute_right_eigenvectors=False)
    np.testing.assert_allclose(np.sort_complex(np.asarray(w2).ravel()),
                               np.sort_complex(np.linalg.eigvals(a).ravel()), atol=1e-4)
    check_abstract(lambda x: lax_linalg.eig(x, compute_left_eigenvectors=False), arr(a))


def test_eig_float64_gives_complex128():
    with config_mod.enable_x64(True):
        w, v = jla.eig(rand((3, 3), np.float64))
        assert w.dtype == np.complex128 and v.dtype == np.complex128


# ----------------------------------------------------------------------------------------------
# JVPs (forward and reverse) against finite differences


def _sym_grads(f, args, order=2, **kw):
    with config_mod.enable_x64(True):
        check_grads(f, args, order, **kw)


def test_grad_cholesky():
    _sym_grads(lambda x: lax_linalg.cholesky(x), (arr(spd((2,), 4, np.float64)),))


def test_grad_cholesky_complex():
    with config_mod.enable_x64(True):
        check_grads(jla.cholesky, (arr(spd((), 3, np.complex128)),), 1)


def test_grad_eigh():
    a = arr(spd((2,), 4, np.float64))
    _sym_grads(lambda x: jla.eigh(x).eigenvalues, (a,))
    # Eigenvectors up to sign: v v^T per column, and a function of both.
    _sym_grads(lambda x: (lambda r: r.eigenvectors * r.eigenvectors)(jla.eigh(x)), (a,))
    _sym_grads(lambda x: (lambda r: (r.eigenvectors * r.eigenvalues[..., None, :])
                          @ jnp.swapaxes(r.eigenvectors, -1, -2))(jla.eigh(x)), (a,), order=1)


def test_grad_eigh_complex():
    with config_mod.enable_x64(True):
        check_grads(lambda x: jla.eigvalsh(x), (arr(rand((3, 3), np.complex128)),), 1)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_grad_svd(shape):
    a = arr(rand(shape, np.float64))
    _sym_grads(lambda x: jla.svd(x, compute_uv=False), (a,))
    _sym_grads(lambda x: (lambda r: (r.U * r.U, r.S, r.Vh * r.Vh))(
        jla.svd(x, full_matrices=False)), (a,))


def test_grad_svd_full_matrices_not_implemented():
    with pytest.raises(NotImplementedError, match="full matrices"):
        pyjax.jvp(lambda x: jla.svd(x)[0], (jnp.ones((3, 2)),), (jnp.ones((3, 2)),))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3)])
def test_grad_qr(shape):
    _sym_grads(lambda x: tuple(jla.qr(x)), (arr(rand(shape, np.float64)),))


def test_grad_qr_complex():
    with config_mod.enable_x64(True):
        check_grads(lambda x: tuple(jla.qr(x)), (arr(rand((4, 3), np.complex128)),), 1)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_grad_lu(shape):
    _sym_grads(lambda x: lax_linalg.lu(x)[0], (arr(rand((2,) + shape, np.float64)),))


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("transpose_a", [True, False])
@pytest.mark.parametrize("lower", [True, False])
def test_grad_triangular_solve(left_side, transpose_a, lower):
    a = arr(rand((4, 4), np.float64) + 4 * np.eye(4))
    b = arr(rand((4, 2) if left_side else (2, 4), np.float64))
    _sym_grads(lambda a, b: lax_linalg.triangular_solve(
        a, b, left_side=left_side, lower=lower, transpose_a=transpose_a), (a, b))


def test_grad_solve_inv_det_slogdet():
    a = arr(rand((3, 3), np.float64) + 3 * np.eye(3))
    b = arr(rand((3, 2), np.float64))
    _sym_grads(jla.solve, (a, b))
    _sym_grads(lambda a, b: jla.solve(a, b[:, 0]), (a, b))
    _sym_grads(jla.inv, (a,))
    _sym_grads(jla.det, (a,))
    _sym_grads(lambda x: jla.slogdet(x).logabsdet, (a,))
    big = arr(rand((2, 5, 5), np.float64) + 5 * np.eye(5))
    _sym_grads(jla.det, (big,))
    _sym_grads(lambda x: jla.slogdet(x)[1], (big,))
    _sym_grads(lambda x: jla.slogdet(x, method="qr")[1], (big,), order=1)
    _sym_grads(jla.pinv, (arr(rand((4, 3), np.float64)),), order=1)
    _sym_grads(lambda x: jla.norm(x, 2), (a,), order=1)


def test_grad_det_singular_matrix():
    # The cofactor formula keeps the gradient of det finite on singular matrices.
    with config_mod.enable_x64(True):
        a = np.array([[1., 2., 3.], [2., 4., 6.], [0., 1., 5.]])
        g = pyjax.grad(jla.det)(a)
        cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j)
                         for j in range(3)] for i in range(3)])
        np.testing.assert_allclose(g, cof, atol=1e-10)


def test_grad_eigvals():
    with config_mod.enable_x64(True):
        check_grads(jla.eigvals, (arr(rand((3, 3), np.float64)),), 1, modes=("fwd", "rev"))


# ----------------------------------------------------------------------------------------------
# jnp.linalg vs NumPy


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", [0, 1])
def test_inv_solve_det_slogdet(batch, dtype, mode):
    with maybe_x64(dtype):
        t = tol(dtype) * 10
        wrap = modes()[mode]
        for n in (1, 2, 3, 4):
            a = rand(batch + (n, n), dtype) + n * np.eye(n, dtype=dtype)
            np.testing.assert_allclose(wrap(jla.inv)(a), np.linalg.inv(a), rtol=t, atol=t)
            np.testing.assert_allclose(wrap(jla.det)(a), np.linalg.det(a), rtol=t, atol=t)
            sign, logdet = wrap(jla.slogdet)(a)
            s_np, l_np = np.linalg.slogdet(a)
            np.testing.assert_allclose(sign, s_np, rtol=t, atol=t)
            np.testing.assert_allclose(logdet, l_np, rtol=t, atol=t)
            if np.dtype(dtype).kind != "c":
                s_qr, l_qr = jla.slogdet(a, method="qr")
                np.testing.assert_allclose(s_qr, s_np, atol=t)
                np.testing.assert_allclose(l_qr, l_np, rtol=t, atol=t)
            b = rand(batch + (n, 2), dtype)
            np.testing.assert_allclose(wrap(jla.solve)(a, b), np.linalg.solve(a, b), rtol=t,
                                       atol=t)
            v = rand((n,), dtype)
            np.testing.assert_allclose(wrap(jla.solve)(a, v), np.linalg.solve(a, v), rtol=t,
                                       atol=t)


def test_det_singular_and_dtypes():
    assert jla.det(np.zeros((3, 3), np.float32)) == 0
    sign, logdet = jla.slogdet(np.zeros((4, 4), np.float32))
    assert sign == 0 and logdet == -np.inf
    out = jla.det(np.eye(3, dtype=np.int32))
    assert out.dtype == np.float32 and out == 1
    assert jla.inv(np.eye(2, dtype=np.int32)).dtype == np.float32


def test_solve_broadcasting_and_errors():
    a = rand((2, 3, 3), np.float32) + 3 * np.eye(3, dtype=np.float32)
    b = rand((3, 4), np.float32)
    np.testing.assert_allclose(jla.solve(a, b), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="left hand array must be at least two dimensional"):
        jla.solve(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="Argument to inv must have shape"):
        jla.inv(np.ones((2, 3)))
    with pytest.raises(TypeError, match="requires ndarray or scalar arguments"):
        jla.inv([[1., 0.], [0., 1.]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_eigvalsh_eig(dtype):
    with maybe_x64(dtype):
        a = rand((2, 4, 4), dtype)
        sym = (a + np.conj(np.swapaxes(a, -1, -2))) / 2
        r = jla.eigh(sym)
        np.testing.assert_allclose(r.eigenvalues, np.linalg.eigvalsh(sym), atol=tol(dtype) * 10)
        for uplo in ("L", "U"):
            w = jla.eigvalsh(a, uplo, symmetrize_input=False)
            np.testing.assert_allclose(w, np.linalg.eigvalsh(a, UPLO=uplo), atol=tol(dtype) * 10)
        with pytest.raises(ValueError, match="UPLO must be one of None, 'L', or 'U'"):
            jla.eigh(a, UPLO="X")
        w, v = jla.eig(a)
        np.testing.assert_allclose(np.asarray(a, np.complex128) @ v, v * w[..., None, :],
                                   atol=tol(dtype) * 20)
        np.testing.assert_allclose(np.sort_complex(np.asarray(jla.eigvals(a)).ravel()),
                                   np.sort_complex(np.linalg.eigvals(a).ravel()),
                                   atol=tol(dtype) * 20)


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (3, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_svd_qr_cholesky_modes(shape, dtype):
    a = rand(shape, dtype)
    for full in (True, False):
        r = jla.svd(a, full_matrices=full)
        u_np, _, vh_np = np.linalg.svd(a, full_matrices=full)
        assert r.U.shape == u_np.shape and r.Vh.shape == vh_np.shape
    np.testing.assert_allclose(jla.svdvals(a), np.linalg.svd(a, compute_uv=False), rtol=1e-4)
    for mode in ("reduced", "complete"):
        q, r = jla.qr(a, mode=mode)
        q_np, r_np = np.linalg.qr(a, mode=mode)
        np.testing.assert_allclose(q, q_np, atol=1e-4)
        np.testing.assert_allclose(r, r_np, atol=1e-4)
    np.testing.assert_allclose(jla.qr(a, mode="r"), np.linalg.qr(a, mode="r"), atol=1e-4)
    h, tau = jla.qr(a, mode="raw")
    h_np, tau_np = np.linalg.qr(a[0] if a.ndim == 3 else a, mode="raw")
    np.testing.assert_allclose(h[0] if a.ndim == 3 else h, h_np, atol=1e-4)
    with pytest.raises(ValueError, match="Unsupported QR decomposition mode 'bad'"):
        jla.qr(a, mode="bad")
    s = spd((2,), 3, dtype)
    np.testing.assert_allclose(jla.cholesky(s), np.linalg.cholesky(s), atol=1e-4)
    np.testing.assert_allclose(jla.cholesky(s, upper=True),
                               np.linalg.cholesky(s, upper=True), atol=1e-4)


def test_svd_hermitian():
    a = spd((), 4, np.float32) - 6 * np.eye(4, dtype=np.float32)  # mixed-sign eigenvalues
    u, s, vh = jla.svd(a, hermitian=True)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-5)
    np.testing.assert_allclose((np.asarray(u) * np.asarray(s)) @ np.asarray(vh), a, atol=1e-4)
    np.testing.assert_allclose(jla.svd(a, compute_uv=False, hermitian=True),
                               np.linalg.svd(a, compute_uv=False), rtol=1e-5)


def test_lstsq_pinv_rank_power():
    a = rand((5, 3), np.float32)
    b = rand((5, 2), np.float32)
    x, resid, rank, s = jla.lstsq(a, b)
    x_np, resid_np, rank_np, s_np = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, x_np, atol=1e-4)
    np.testing.assert_allclose(resid, resid_np, rtol=1e-3)
    assert rank == rank_np and rank.dtype == np.int32
    x1, *_ = jla.lstsq(a, b[:, 0])
    np.testing.assert_allclose(x1, x_np[:, 0], atol=1e-4)
    np.testing.assert_allclose(jla.pinv(a), np.linalg.pinv(a), atol=1e-4)
    np.testing.assert_allclose(jla.pinv(rand((2, 3, 4), np.float32)).shape, (2, 4, 3))
    low = np.outer(np.arange(1., 5.), np.arange(1., 4.)).astype(np.float32)
    assert jla.matrix_rank(low) == 1 and jla.matrix_rank(a) == 3
    assert jla.matrix_rank(np.zeros(3)) == 0
    sq = rand((3, 3), np.float32) + 2 * np.eye(3, dtype=np.float32)
    for n in (0, 1, 2, 3, 5, -1, -3):
        np.testing.assert_allclose(jla.matrix_power(sq, n), np.linalg.matrix_power(sq, n),
                                   rtol=1e-3, atol=1e-4)
    with pytest.raises(TypeError, match="exponent must be an integer"):
        jla.matrix_power(sq, 1.5)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norms(ord, keepdims):
    a = rand((2, 3, 4), np.float32)
    for axis in ((1, 2), (2, 1), (0, 2)):
        out = jla.norm(a, ord, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out, np.linalg.norm(a, ord, axis=axis, keepdims=keepdims),
                                   rtol=1e-5)
    if ord in ("fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2):
        np.testing.assert_allclose(jla.matrix_norm(a, ord=ord, keepdims=keepdims),
                                   np.linalg.matrix_norm(a, ord=ord, keepdims=keepdims),
                                   rtol=1e-5)


@pytest.mark.parametrize("ord", [None, np.inf, -np.inf, 0, 1, 2, 3, 0.5])
def test_vector_norms(ord):
    x = rand((3, 4), np.float32)
    for axis in (0, 1, -1):
        np.testing.assert_allclose(jla.norm(x, ord, axis=axis),
                                   np.linalg.norm(x, ord, axis=axis), rtol=1e-5)
    if ord is not None:
        np.testing.assert_allclose(jla.vector_norm(x, ord=ord),
                                   np.linalg.vector_norm(x, ord=ord), rtol=1e-5)
    np.testing.assert_allclose(jla.norm(x), np.linalg.norm(x), rtol=1e-6)
    assert jla.norm(np.arange(4)).dtype == np.float32
    c = rand((4,), np.complex64)
    assert jla.norm(c).dtype == np.float32
    with pytest.raises(ValueError, match="Invalid order 'inf' for vector norm"):
        jla.norm(x, "inf", axis=0)


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"])
def test_cond(p):
    a = rand((2, 3, 3), np.float32) + np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(jla.cond(a, p), np.linalg.cond(a, p), rtol=1e-3)


def test_cond_singular_is_inf():
    assert jla.cond(np.array([[1., 1.], [1., 1.]], np.float32), 1) == np.inf


def test_tensor_functions_and_array_api():
    a = (rand((6, 6), np.float32) + 6 * np.eye(6, dtype=np.float32)).reshape(2, 3, 6)
    b = rand((2, 3), np.float32)
    np.testing.assert_allclose(jla.tensorsolve(a, b), np.linalg.tensorsolve(a, b), atol=1e-4)
    t = (rand((6, 6), np.float32) + 6 * np.eye(6, dtype=np.float32)).reshape(6, 2, 3)
    np.testing.assert_allclose(jla.tensorinv(t, ind=1), np.linalg.tensorinv(t, ind=1),
                               rtol=1e-3, atol=1e-4)
    ms = [rand((3, 4), np.float32), rand((4, 5), np.float32), rand((5, 2), np.float32)]
    np.testing.assert_allclose(jla.multi_dot(ms), np.linalg.multi_dot(ms), rtol=1e-4)
    vs = [rand((4,), np.float32), rand((4, 5), np.float32), rand((5,), np.float32)]
    np.testing.assert_allclose(jla.multi_dot(vs), np.linalg.multi_dot(vs), rtol=1e-4)
    u, v = rand((3,), np.float32), rand((4,), np.float32)
    np.testing.assert_allclose(jla.outer(u, v), np.linalg.outer(u, v))
    with pytest.raises(ValueError, match="Input arrays must be one-dimensional"):
        jla.outer(np.ones((2, 2)), np.ones(2))
    x, y = rand((2, 3), np.float32), rand((2, 3), np.float32)
    np.testing.assert_allclose(jla.cross(x, y), np.linalg.cross(x, y), rtol=1e-5)
    np.testing.assert_allclose(jla.vecdot(x, y), np.linalg.vecdot(x, y), rtol=1e-5)
    m = rand((2, 3, 3), np.float32)
    np.testing.assert_allclose(jla.trace(m, offset=1), np.linalg.trace(m, offset=1), rtol=1e-6)
    np.testing.assert_allclose(jla.diagonal(m), np.linalg.diagonal(m))
    np.testing.assert_allclose(jla.matrix_transpose(m), np.linalg.matrix_transpose(m))
    np.testing.assert_allclose(jla.matmul(m, m), np.linalg.matmul(m, m), rtol=1e-5)
    n = rand((3, 3, 4), np.float32)
    np.testing.assert_allclose(jla.tensordot(m, n), np.linalg.tensordot(m, n), rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# Result types, seeds, vmap


def test_result_namedtuples():
    classes = {jla.EighResult: ("eigenvalues", "eigenvectors"), jla.SVDResult: ("U", "S", "Vh"),
               jla.QRResult: ("Q", "R"), jla.SlogdetResult: ("sign", "logabsdet"),
               jla.EigResult: ("eigenvalues", "eigenvectors")}
    for cls, fields in classes.items():
        assert cls._fields == fields
        assert cls.__mro__ == (cls, tuple, object)
        assert f"{cls.__module__}.{cls.__name__}" == f"jax._src.numpy.linalg.{cls.__name__}"
    r = jla.eigh(jnp.array([[2., 1.], [1., 2.]]))
    assert type(r) is jla.EighResult
    assert repr(r) == ("EighResult(eigenvalues=Array([1., 3.], dtype=float32), eigenvectors="
                       "Array([[-0.70710677,  0.70710677],\n       [ 0.70710677,  0.70710677]],"
                       " dtype=float32))")
    v, w = lax_linalg.eigh(jnp.eye(2))
    assert w.shape == (2,) and v.shape == (2, 2)  # lax order: (eigenvectors, eigenvalues)
    assert type(jla.svd(np.eye(2, dtype=np.float32))) is jla.SVDResult
    assert type(jla.qr(np.eye(2, dtype=np.float32))) is jla.QRResult
    assert type(jla.slogdet(np.eye(2, dtype=np.float32))) is jla.SlogdetResult
    assert type(jla.eig(np.eye(2, dtype=np.float32))) is jla.EigResult


def test_seed_identity_inv_eigh():
    from pyjax.numpy import linalg
    B = jnp.identity(2)
    assert repr(linalg.inv(B)) == "Array([[1., 0.],\n       [0., 1.]], dtype=float32)"
    result = linalg.eigh(B)
    assert repr(result.eigenvalues) == "Array([1., 1.], dtype=float32)"
    assert repr(result.eigenvectors) == "Array([[1., 0.],\n       [0., 1.]], dtype=float32)"


def _cond_plus_cond_sq(m):
    c = jnp.linalg.cond(m)
    return c + c ** 2


def test_seed_slides_cond_under_vmap(capsys):
    m_1 = jnp.array([[1.0, 0.0], [0.0, 100.0]])
    m_2 = jnp.array([[1.0, 1.0], [-1.0, 1.0]])
    m = jnp.array((m_1, m_2))
    print(pyjax.vmap(_cond_plus_cond_sq)(m))
    assert capsys.readouterr().out == "[1.01e+04 2.00e+00]\n"
    # JAX prints [9.4721365e+00 1.0102011e+04]: its LAPACK's float32 singular values of
    # [[1, 0], [1, -1]] differ from NumPy's by one ulp, so compare to that accuracy.
    out = pyjax.vmap(_cond_plus_cond_sq, in_axes=2)(m)
    np.testing.assert_allclose(out, np.array([9.4721365, 10102.011], np.float32), rtol=3e-7)
    for i in range(m.shape[2]):
        x = m[:, :, i].reshape(2, 2)
        c = jnp.linalg.cond(x)
        expected = [[2.6180341, 9.4721365], [100.01, 10102.011]][i]
        np.testing.assert_allclose([c, c + c ** 2], expected, rtol=3e-7)
    capsys.readouterr()


def test_seed_slides_cond_x64(capsys):
    with config_mod.enable_x64(True):
        m = jnp.array(([[1.0, 0.0], [0.0, 100.0]], [[1.0, 1.0], [-1.0, 1.0]]))
        print(pyjax.vmap(_cond_plus_cond_sq, in_axes=2)(m))
        assert capsys.readouterr().out == "[9.47213595e+00 1.01020103e+04]\n"


@pytest.mark.parametrize("name,fun", [
    ("inv", jla.inv), ("det", jla.det), ("slogdet", lambda x: tuple(jla.slogdet(x))),
    ("eigh", lambda x: jla.eigh(x).eigenvalues), ("svd", jla.svdvals),
    ("cholesky", lambda x: jla.cholesky(x @ x.T + 3 * jnp.eye(3))),
    ("qr", lambda x: tuple(jla.qr(x))), ("lu", lambda x: lax_linalg.lu(x)),
    ("solve", lambda x: jla.solve(x, jnp.ones(3))),
    ("trisolve", lambda x: lax_linalg.triangular_solve(x, jnp.ones((3, 2)), left_side=True,
                                                       lower=True)),
    ("norm2", lambda x: jla.norm(x, 2)), ("cond", jla.cond), ("pinv", jla.pinv)])
@pytest.mark.parametrize("in_axes", [0, 2])
def test_vmap_matches_loop(name, fun, in_axes):
    xs = rand((3, 3, 4), np.float32) + 3 * np.eye(3, dtype=np.float32)[:, :, None]
    xs = np.moveaxis(xs, 2, in_axes)
    out = pyjax.vmap(fun, in_axes=in_axes)(xs)
    expected = [fun(np.take(xs, i, axis=in_axes)) for i in range(4)]
    expected = pyjax.tree_util.tree_map(lambda *ys: np.stack(ys), *expected)
    pyjax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4,
                                                                     atol=1e-5),
                             out, expected)


def test_grad_of_vmap_and_jit():
    with config_mod.enable_x64(True):
        xs = rand((2, 3, 3), np.float64) + 3 * np.eye(3)
        g = pyjax.grad(lambda x: pyjax.vmap(jla.det)(x).sum())(xs)
        expected = np.linalg.det(xs)[:, None, None] * np.swapaxes(np.linalg.inv(xs), -1, -2)
        np.testing.assert_allclose(g, expected, rtol=1e-8)
        g2 = pyjax.jit(pyjax.grad(lambda x: jla.slogdet(x)[1].sum()))(xs)
        np.testing.assert_allclose(g2, np.swapaxes(np.linalg.inv(xs), -1, -2), rtol=1e-8)

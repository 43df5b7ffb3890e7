"""jax.scipy: linalg, special, stats and optimize, compared with SciPy (eagerly and under jit),
with derivatives checked against finite differences."""
import numpy as np
import pytest
import scipy.linalg as sla
import scipy.optimize as sopt
import scipy.special as sp
import scipy.stats as ss

import pyjax
import pyjax.numpy as jnp
import pyjax.scipy as jsp
from pyjax._src import config as config_mod
from pyjax.test_util import check_grads

RNG = np.random.RandomState(1)
F32_TOL = dict(rtol=2e-5, atol=2e-6)


def rand(shape, dtype=np.float32):
    return RNG.randn(*shape).astype(dtype)


def both(f):
    """The function eagerly and jitted."""
    return [f, pyjax.jit(f)]


# ----------------------------------------------------------------------------------------------
# linalg


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_cholesky_cho_solve(lower, batch):
    a = rand(batch + (4, 4))
    a = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4, dtype=np.float32)
    b = rand(batch + (4, 2))
    c = jsp.linalg.cholesky(a, lower=lower)
    np.testing.assert_allclose(c, np.linalg.cholesky(a) if lower else
                               np.swapaxes(np.linalg.cholesky(a), -1, -2), atol=1e-5)
    for f in both(lambda a, b: jsp.linalg.cho_solve(jsp.linalg.cho_factor(a, lower=lower), b)):
        np.testing.assert_allclose(f(a, b), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
    x = jsp.linalg.cho_solve((c, lower), b[..., 0])
    np.testing.assert_allclose(x, np.linalg.solve(a, b[..., :1])[..., 0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jsp.linalg.solve(a, b, assume_a="pos", lower=lower),
                               np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular(trans, lower):
    a = rand((4, 4)) + 4 * np.eye(4, dtype=np.float32)
    b = rand((4, 3))
    for unit in (False, True):
        for f in both(lambda a, b: jsp.linalg.solve_triangular(a, b, trans=trans, lower=lower,
                                                               unit_diagonal=unit)):
            np.testing.assert_allclose(
                f(a, b), sla.solve_triangular(a, b, trans=trans, lower=lower,
                                              unit_diagonal=unit), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(
            jsp.linalg.solve_triangular(a, b[:, 0], trans=trans, lower=lower),
            sla.solve_triangular(a, b[:, 0], trans=trans, lower=lower), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="Invalid 'trans' value 5"):
        jsp.linalg.solve_triangular(a, b, trans=5)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4)])
def test_lu(shape):
    a = rand(shape)
    p, l, u = jsp.linalg.lu(a)
    if len(shape) == 2:
        P, L, U = sla.lu(a)
        np.testing.assert_allclose(p, P)
        np.testing.assert_allclose(l, L, atol=1e-5)
        np.testing.assert_allclose(u, U, atol=1e-5)
    np.testing.assert_allclose(np.asarray(p) @ np.asarray(l) @ np.asarray(u), a, atol=1e-5)
    pl, u2 = jsp.linalg.lu(a, permute_l=True)
    np.testing.assert_allclose(np.asarray(pl) @ np.asarray(u2), a, atol=1e-5)


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_factor_solve(trans):
    a = rand((4, 4)) + 2 * np.eye(4, dtype=np.float32)
    lu, piv = jsp.linalg.lu_factor(a)
    lu_sp, piv_sp = sla.lu_factor(a)
    np.testing.assert_allclose(lu, lu_sp, atol=1e-5)
    np.testing.assert_array_equal(piv, piv_sp)
    b = rand((4, 2))
    for f in both(lambda lu, piv, b: jsp.linalg.lu_solve((lu, piv), b, trans=trans)):
        np.testing.assert_allclose(f(lu, piv, b), sla.lu_solve((lu_sp, piv_sp), b, trans=trans),
                                   rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jsp.linalg.lu_solve((lu, piv), b[:, 0], trans=trans),
                               sla.lu_solve((lu_sp, piv_sp), b[:, 0], trans=trans), rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
@pytest.mark.parametrize("scale", [0.01, 0.3, 1.0, 3.0, 30.0])
def test_expm(dtype, scale):
    with config_mod.enable_x64(np.dtype(dtype) == np.float64):
        a = (RNG.randn(4, 4) * scale / 4).astype(dtype)
        if np.dtype(dtype).kind == "c":
            a = a + 1j * a.T
        rtol = 1e-10 if np.dtype(dtype) == np.float64 else 2e-4
        np.testing.assert_allclose(jsp.linalg.expm(a), sla.expm(a), rtol=rtol,
                                   atol=rtol * 1e-2)
        tri = np.triu(a)
        np.testing.assert_allclose(jsp.linalg.expm(tri, upper_triangular=True), sla.expm(tri),
                                   rtol=rtol, atol=rtol * 1e-2)
        batch = np.stack([a, a / 2])
        np.testing.assert_allclose(jsp.linalg.expm(batch), sla.expm(batch), rtol=rtol,
                                   atol=rtol * 1e-2)


def test_expm_jit():
    a = (RNG.randn(4, 4) * 0.3).astype(np.float32)
    np.testing.assert_allclose(pyjax.jit(jsp.linalg.expm)(a), sla.expm(a), rtol=2e-4)


def test_expm_grad_and_overflow():
    with config_mod.enable_x64(True):
        check_grads(jsp.linalg.expm, (RNG.randn(3, 3) * 0.5,), 1, modes=("fwd", "rev"))
    assert np.isnan(jsp.linalg.expm(np.full((2, 2), 1e30, np.float32))).all()


def test_block_diag_and_others():
    out = jsp.linalg.block_diag(np.ones((2, 2), np.float32), 3 * np.ones((1, 3), np.int32), 5)
    np.testing.assert_array_equal(out, sla.block_diag(np.ones((2, 2)), 3 * np.ones((1, 3)), 5))
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="must have at most 2 dimensions"):
        jsp.linalg.block_diag(np.ones((2, 2, 2)))
    a = rand((4, 4))
    sym = a + a.T
    w, v = jsp.linalg.eigh(sym)
    np.testing.assert_allclose(w, sla.eigh(sym, eigvals_only=True), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jsp.linalg.eigh(sym, eigvals_only=True), w)
    with pytest.raises(NotImplementedError, match="Only the b=None case"):
        jsp.linalg.eigh(sym, np.eye(4))
    np.testing.assert_allclose(jsp.linalg.inv(a), sla.inv(a), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jsp.linalg.det(a), sla.det(a), rtol=1e-4)
    np.testing.assert_allclose(jsp.linalg.solve(a, np.ones(4)), sla.solve(a, np.ones(4)),
                               rtol=1e-4, atol=1e-5)
    for mode in ("full", "economic"):
        q, r = jsp.linalg.qr(rand((5, 3)), mode=mode)
        assert q.shape == ((5, 5) if mode == "full" else (5, 3))
    (r,) = jsp.linalg.qr(a, mode="r")
    assert r.shape == (4, 4)
    q, r, p = jsp.linalg.qr(a, pivoting=True)
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a[:, np.asarray(p)], atol=1e-5)
    u, s, vh = jsp.linalg.svd(a)
    np.testing.assert_allclose(s, sla.svd(a, compute_uv=False), rtol=1e-5)
    np.testing.assert_allclose(jsp.linalg.svd(a, compute_uv=False), s)
    for side in ("right", "left"):
        un, pd = jsp.linalg.polar(a, side=side)
        un_sp, pd_sp = sla.polar(a, side=side)
        np.testing.assert_allclose(un, un_sp, atol=1e-4)
        np.testing.assert_allclose(pd, pd_sp, atol=1e-4)


# ----------------------------------------------------------------------------------------------
# special

X = np.array([-3.5, -1.2, -0.3, 0.0, 0.4, 1.0, 2.7, 8.0], np.float32)
POS = np.array([0.05, 0.4, 1.0, 2.5, 7.0, 20.0], np.float32)
UNIT = np.array([1e-6, 0.01, 0.3, 0.5, 0.77, 0.999], np.float32)

UNARY = [
    ("gammaln", POS, sp.gammaln), ("digamma", POS, sp.digamma), ("erf", X, sp.erf),
    ("erfc", X, sp.erfc), ("erfinv", UNIT * 2 - 1, sp.erfinv), ("expit", X, sp.expit),
    ("logit", UNIT, sp.logit), ("ndtr", X, sp.ndtr), ("ndtri", UNIT, sp.ndtri),
    ("log_ndtr", X * 4, sp.log_ndtr), ("i0e", X, sp.i0e), ("i1e", X, sp.i1e),
    ("i0", X, sp.i0), ("i1", X, sp.i1), ("entr", np.append(X, 0.5), sp.entr),
    ("gamma", np.append(X, [-2., 3.]), sp.gamma), ("gammasgn", X, sp.gammasgn),
    ("factorial", np.append(POS, [-1., 4.]), sp.factorial),
]


@pytest.mark.parametrize("name,x,ref", UNARY, ids=[u[0] for u in UNARY])
def test_special_unary(name, x, ref):
    fun = getattr(jsp.special, name)
    for f in both(fun):
        out = f(x)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=3e-5, atol=2e-6)
    with config_mod.enable_x64(True):
        out = fun(x.astype(np.float64))
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=1e-6, atol=1e-12)


BINARY = [
    ("gammainc", POS, POS[::-1], sp.gammainc), ("gammaincc", POS, POS[::-1], sp.gammaincc),
    ("betaln", POS, POS[::-1], sp.betaln), ("beta", POS, POS[::-1], sp.beta),
    ("xlogy", np.array([0., 1., 2., 0.5, 0, 3], np.float32), POS, sp.xlogy),
    ("xlog1py", np.array([0., 1., 2., 0.5, 0, 3], np.float32), UNIT, sp.xlog1py),
    ("zeta", POS + 1.5, POS, sp.zeta), ("rel_entr", UNIT, UNIT[::-1], sp.rel_entr),
    ("kl_div", UNIT, UNIT[::-1], sp.kl_div), ("poch", POS, POS[::-1], sp.poch),
]


@pytest.mark.parametrize("name,x,y,ref", BINARY, ids=[b[0] for b in BINARY])
def test_special_binary(name, x, y, ref):
    for f in both(getattr(jsp.special, name)):
        np.testing.assert_allclose(f(x, y), ref(x.astype(np.float64), y.astype(np.float64)),
                                   rtol=1e-4, atol=1e-6)


def test_special_misc():
    a, b, x = POS, POS[::-1], UNIT
    np.testing.assert_allclose(jsp.special.betainc(a, b, x), sp.betainc(a, b, x), rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(jsp.special.polygamma(np.array([0, 1, 2, 3, 1, 2]), POS),
                               sp.polygamma([0, 1, 2, 3, 1, 2], POS), rtol=1e-4)
    np.testing.assert_allclose(jsp.special.multigammaln(POS + 2, 3),
                               sp.multigammaln(POS.astype(np.float64) + 2, 3), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="Riemann zeta function not implemented"):
        jsp.special.zeta(2.)
    assert jsp.special.gammaln(3).dtype == np.float32  # ints promote to the default float
    assert jsp.special.xlogy(0., 0.) == 0


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims):
    a = rand((3, 4))
    b = RNG.rand(3, 4).astype(np.float32) - 0.3
    for f in both(lambda a: jsp.special.logsumexp(a, axis=axis, keepdims=keepdims)):
        np.testing.assert_allclose(f(a), sp.logsumexp(a, axis=axis, keepdims=keepdims),
                                   rtol=1e-6)
    out, sign = jsp.special.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    out_sp, sign_sp = sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    np.testing.assert_allclose(out, out_sp, rtol=1e-5)
    np.testing.assert_array_equal(sign, sign_sp)
    neg = jsp.special.logsumexp(a, axis=axis, b=-np.abs(b) - 1, keepdims=keepdims)
    assert np.isnan(neg).all()
    assert jsp.special.logsumexp(np.full(3, -np.inf, np.float32)) == -np.inf
    assert jsp.special.logsumexp(np.array([np.inf, 1.], np.float32)) == np.inf


def test_special_grads():
    with config_mod.enable_x64(True):
        a = np.array([0.7, 1.5, 3.0])
        x = np.array([0.4, 2.0, 2.5])
        check_grads(jsp.special.gammainc, (a, x), 1)
        check_grads(jsp.special.gammaincc, (a, x), 1)
        check_grads(lambda x: jsp.special.betainc(a, a[::-1], x), (x / 3,), 1)
        check_grads(jsp.special.betaln, (a, x), 2)
        check_grads(lambda q: jsp.special.zeta(a + 2, q), (x,), 1)
        check_grads(jsp.special.ndtri, (x / 3,), 2)
        check_grads(jsp.special.log_ndtr, (np.array([-20., -3., 0.5, 4.]),), 2)
        check_grads(jsp.special.ndtr, (np.array([-3., 0.5, 4.]),), 2)
        check_grads(jsp.special.xlogy, (x, a), 2)
        check_grads(jsp.special.xlog1py, (x, a), 2)
        check_grads(jsp.special.logit, (x / 3,), 2)
        check_grads(jsp.special.entr, (x,), 2)
        check_grads(lambda v: jsp.special.logsumexp(v, b=a), (x,), 2)
        check_grads(jsp.special.i0, (x,), 1)
        check_grads(lambda a: jsp.special.multigammaln(a, 2), (x + 2,), 1)
        # xlogy's custom rule keeps the gradient finite at x == 0.
        g = pyjax.grad(jsp.special.xlogy)(0., 2.)
        np.testing.assert_allclose(g, np.log(2.))
        with pytest.raises(ValueError, match="Betainc gradient with respect to a and b"):
            pyjax.grad(lambda a: jsp.special.betainc(a, 2., 0.5))(1.)


# ----------------------------------------------------------------------------------------------
# stats

XS = np.linspace(-3, 5, 9).astype(np.float32)
QS = np.array([0.01, 0.2, 0.5, 0.8, 0.99], np.float32)

STATS = [
    # (module, method, args for pyjax/scipy (x first), scipy distribution)
    ("norm", "logpdf", (XS, 0.5, 2.0), ss.norm), ("norm", "pdf", (XS, 0.5, 2.0), ss.norm),
    ("norm", "cdf", (XS, 0.5, 2.0), ss.norm), ("norm", "logcdf", (XS, 0.5, 2.0), ss.norm),
    ("norm", "sf", (XS, 0.5, 2.0), ss.norm), ("norm", "logsf", (XS, 0.5, 2.0), ss.norm),
    ("norm", "ppf", (QS, 0.5, 2.0), ss.norm), ("norm", "isf", (QS, 0.5, 2.0), ss.norm),
    ("gamma", "logpdf", (XS, 2.5, -1.0, 1.5), ss.gamma),
    ("gamma", "pdf", (XS, 2.5, -1.0, 1.5), ss.gamma),
    ("gamma", "cdf", (XS, 2.5, -1.0, 1.5), ss.gamma),
    ("gamma", "sf", (XS, 2.5, -1.0, 1.5), ss.gamma),
    ("gamma", "logcdf", (XS + 3.5, 2.5), ss.gamma),
    ("beta", "logpdf", (QS, 2.0, 3.5), ss.beta), ("beta", "pdf", (QS, 2.0, 3.5), ss.beta),
    ("beta", "cdf", (QS, 2.0, 3.5), ss.beta), ("beta", "sf", (QS, 2.0, 3.5), ss.beta),
    ("t", "logpdf", (XS, 3.0, 0.5, 2.0), ss.t), ("t", "pdf", (XS, 3.0, 0.5, 2.0), ss.t),
    ("uniform", "logpdf", (XS, -1.0, 3.0), ss.uniform),
    ("uniform", "pdf", (XS, -1.0, 3.0), ss.uniform),
    ("uniform", "cdf", (XS, -1.0, 3.0), ss.uniform),
    ("uniform", "ppf", (QS, -1.0, 3.0), ss.uniform),
    ("expon", "logpdf", (XS, -1.0, 2.0), ss.expon), ("expon", "pdf", (XS, -1.0, 2.0), ss.expon),
    ("expon", "cdf", (XS, -1.0, 2.0), ss.expon), ("expon", "sf", (XS, -1.0, 2.0), ss.expon),
    ("expon", "logsf", (XS, -1.0, 2.0), ss.expon),
    ("expon", "ppf", (QS, -1.0, 2.0), ss.expon),
    ("laplace", "logpdf", (XS, 0.5, 2.0), ss.laplace),
    ("laplace", "pdf", (XS, 0.5, 2.0), ss.laplace),
    ("laplace", "cdf", (XS, 0.5, 2.0), ss.laplace),
    ("logistic", "logpdf", (XS, 0.5, 2.0), ss.logistic),
    ("logistic", "pdf", (XS, 0.5, 2.0), ss.logistic),
    ("logistic", "cdf", (XS, 0.5, 2.0), ss.logistic),
    ("logistic", "sf", (XS, 0.5, 2.0), ss.logistic),
    ("logistic", "ppf", (QS, 0.5, 2.0), ss.logistic),
    ("logistic", "isf", (QS, 0.5, 2.0), ss.logistic),
    ("cauchy", "logpdf", (XS, 0.5, 2.0), ss.cauchy),
    ("cauchy", "pdf", (XS, 0.5, 2.0), ss.cauchy),
    ("cauchy", "cdf", (XS, 0.5, 2.0), ss.cauchy),
    ("cauchy", "sf", (XS, 0.5, 2.0), ss.cauchy),
    ("cauchy", "ppf", (QS, 0.5, 2.0), ss.cauchy),
    ("cauchy", "isf", (QS, 0.5, 2.0), ss.cauchy),
    ("chi2", "logpdf", (XS + 3.5, 3.0), ss.chi2), ("chi2", "pdf", (XS + 3.5, 3.0), ss.chi2),
    ("chi2", "cdf", (XS, 3.0, -1.0, 2.0), ss.chi2),
    ("chi2", "sf", (XS, 3.0, -1.0, 2.0), ss.chi2),
]


@pytest.mark.parametrize("module,method,args,dist", STATS,
                         ids=[f"{s[0]}.{s[1]}" for s in STATS])
def test_stats_continuous(module, method, args, dist):
    fun = getattr(getattr(jsp.stats, module), method)
    expected = getattr(dist, method)(*[np.asarray(a, np.float64) for a in args])
    for f in both(fun):
        out = f(*args)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, rtol=2e-5, atol=1e-6)


def test_stats_discrete():
    k = np.arange(-1, 7).astype(np.float32)
    for method in ("logpmf", "pmf", "cdf"):
        np.testing.assert_allclose(getattr(jsp.stats.poisson, method)(k, 2.5),
                                   getattr(ss.poisson, method)(k, 2.5), rtol=2e-5, atol=1e-7)
    assert jsp.stats.poisson.logpmf(1.5, 2.0) == -np.inf
    k2 = np.array([-1, 0, 1, 2], np.float32)
    for method in ("logpmf", "pmf"):
        np.testing.assert_allclose(getattr(jsp.stats.bernoulli, method)(k2, 0.3),
                                   getattr(ss.bernoulli, method)(k2, 0.3), rtol=2e-6)
    np.testing.assert_allclose(jsp.stats.bernoulli.cdf(k2, 0.3), ss.bernoulli.cdf(k2, 0.3))
    np.testing.assert_allclose(jsp.stats.bernoulli.ppf(QS, 0.3), ss.bernoulli.ppf(QS, 0.3))


def test_multivariate_normal():
    a = rand((3, 3))
    cov = a @ a.T + np.eye(3, dtype=np.float32)
    mean = rand((3,))
    x = rand((5, 3))
    for f in both(jsp.stats.multivariate_normal.logpdf):
        np.testing.assert_allclose(f(x, mean, cov), ss.multivariate_normal.logpdf(x, mean, cov),
                                   rtol=1e-5)
    np.testing.assert_allclose(jsp.stats.multivariate_normal.pdf(x[0], mean, cov),
                               ss.multivariate_normal.pdf(x[0], mean, cov), rtol=1e-5)
    np.testing.assert_allclose(jsp.stats.multivariate_normal.logpdf(x, mean, 2.0),
                               ss.multivariate_normal.logpdf(x, mean, 2.0), rtol=1e-5)
    np.testing.assert_allclose(jsp.stats.multivariate_normal.logpdf(XS, 0.5, 2.0),
                               ss.norm.logpdf(XS, 0.5, np.sqrt(2.0)), rtol=1e-5)
    with pytest.raises(ValueError, match="incompatible shapes"):
        jsp.stats.multivariate_normal.logpdf(x, mean, np.eye(4))
    with config_mod.enable_x64(True):
        check_grads(lambda m: jsp.stats.multivariate_normal.logpdf(x.astype(np.float64), m,
                                                                   cov.astype(np.float64)),
                    (mean.astype(np.float64),), 2)


def test_stats_grads():
    with config_mod.enable_x64(True):
        x = np.array([0.3, 1.2, 2.5])
        check_grads(jsp.stats.norm.logpdf, (x, 0.5, 2.0), 2)
        check_grads(jsp.stats.norm.cdf, (x, 0.5, 2.0), 2)
        check_grads(jsp.stats.gamma.logpdf, (x, 2.5), 2)
        check_grads(lambda a: jsp.stats.gamma.cdf(x, a), (2.5,), 1)
        check_grads(jsp.stats.t.logpdf, (x, 3.0), 2)
        check_grads(jsp.stats.beta.logpdf, (x / 3, 2.0, 3.0), 2)
        check_grads(jsp.stats.chi2.logpdf, (x, 3.0), 2)


# ----------------------------------------------------------------------------------------------
# optimize


def _rosen(x):
    return jnp.sum(100. * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_minimize_bfgs_quadratic():
    a = np.diag(np.arange(1., 5.)).astype(np.float32)

    def f(x, c):
        return 0.5 * x @ a @ x - c @ x

    c = np.ones(4, np.float32)
    res = jsp.optimize.minimize(f, jnp.zeros(4), args=(c,), method="BFGS")
    assert type(res).__name__ == "OptimizeResults"
    assert res._fields == ("x", "success", "status", "fun", "jac", "hess_inv", "nfev", "njev",
                           "nit")
    np.testing.assert_allclose(res.x, 1 / np.arange(1., 5.), rtol=1e-4)
    assert bool(res.success) and int(res.status) == 0
    np.testing.assert_allclose(res.hess_inv, np.linalg.inv(a), atol=0.1)


def test_minimize_bfgs_rosenbrock_x64_matches_scipy():
    with config_mod.enable_x64(True):
        x0 = np.array([-1.2, 1.0, 0.5, 0.3])
        res = jsp.optimize.minimize(_rosen, x0, method="bfgs")
        ref = sopt.minimize(lambda x: float(_rosen(x)), x0, method="BFGS",
                            jac=lambda x: np.asarray(pyjax.grad(_rosen)(x)))
        np.testing.assert_allclose(res.x, ref.x, atol=1e-4)
        assert bool(res.success)
        jitted = pyjax.jit(lambda x0: jsp.optimize.minimize(_rosen, x0, method="BFGS"))(x0)
        np.testing.assert_allclose(jitted.x, res.x, rtol=1e-10)
        assert int(jitted.nit) == int(res.nit)


def test_minimize_errors():
    with pytest.raises(TypeError, match="args argument to jax.scipy.optimize.minimize must be"):
        jsp.optimize.minimize(_rosen, jnp.zeros(2), args=1, method="BFGS")
    with pytest.raises(ValueError, match="Method nelder-mead not recognized"):
        jsp.optimize.minimize(_rosen, jnp.zeros(2), method="nelder-mead")

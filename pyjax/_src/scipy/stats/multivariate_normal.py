"""jax.scipy.stats.multivariate_normal: the multivariate normal distribution."""
import numpy as np

from pyjax._src import numpy as jnp
from pyjax._src.numpy import util
from pyjax._src.primitives import linalg as lax_linalg


def logpdf(x, mean, cov, allow_singular=None):
    """Log density; ``cov`` may be a scalar (isotropic) or a (batch of) matrices."""
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    util.check_arraylike("multivariate_normal.logpdf", x, mean, cov)
    x, mean, cov = util.promote_dtypes_inexact(x, mean, cov)
    if not mean.shape:
        return (-1 / 2 * jnp.square(x - mean) / cov
                - 1 / 2 * (jnp.log(2 * np.pi) + jnp.log(cov)))
    n = mean.shape[-1]
    if not np.shape(cov):
        y = x - mean
        return (-1 / 2 * jnp.einsum("...i,...i->...", y, y) / cov
                - n / 2 * (jnp.log(2 * np.pi) + jnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    L = lax_linalg.cholesky(cov)
    d = x - mean
    batch = jnp.broadcast_shapes(L.shape[:-2], d.shape[:-1])
    L = jnp.broadcast_to(L, batch + (n, n))
    d = jnp.broadcast_to(d, batch + (n,))
    y = lax_linalg.triangular_solve(L, d, lower=True, transpose_a=True)
    return (-1 / 2 * jnp.einsum("...i,...i->...", y, y) - n / 2 * jnp.log(2 * np.pi)
            - jnp.log(jnp.diagonal(L, axis1=-1, axis2=-2)).sum(-1))


def pdf(x, mean, cov):
    """Density."""
    return jnp.exp(logpdf(x, mean, cov))

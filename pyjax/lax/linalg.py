"""jax.lax.linalg: the linear algebra primitives' lax functions."""
from pyjax._src.primitives.linalg import (  # noqa: F401
    EigImplementation, SvdAlgorithm, cholesky, cholesky_p, eig, eig_p, eigh, eigh_p, geqrf,
    geqrf_p, householder_product, householder_product_p, lu, lu_p, lu_pivots_to_permutation,
    lu_pivots_to_permutation_p, qr, qr_p, svd, svd_p, symmetrize, triangular_solve,
    triangular_solve_p)

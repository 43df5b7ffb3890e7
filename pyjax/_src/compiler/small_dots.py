"""Small contractions as kernels: dot_general written as broadcasts, a product and a sum.

In a native loop's body (loops_array.py) a dot_general would otherwise be an impl call (BLAS)
that keeps the whole loop in Python. A small one is replaced by the equivalent program
transpose -> broadcast_in_dim -> mul -> reduce_sum over the contracted dims, which fuses into
one kernel (the operands are read through strided loads, never materialised). Sums accumulate
in the kernels' order, so results match BLAS's within float tolerance, not bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

MAX_ELEMENTS = 1 << 16   # elements of the (batch, free, contracted) product space
_cache = {}


def expansion(eqn):
    """The ClosedJaxpr replacing a small dot_general equation, or None."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    a, b = (v.aval for v in eqn.invars)
    out = eqn.outvars[0].aval
    dtype = np.dtype(out.dtype)
    if dtype.kind not in "iuf" or math.prod(out.shape) * math.prod(
            a.shape[d] for d in lc) > MAX_ELEMENTS:
        return None
    key = (a.shape, a.dtype, b.shape, b.dtype, dtype, eqn.params["dimension_numbers"])
    closed = _cache.get(key)
    if closed is None:
        closed = _cache[key] = _trace(a, b, dtype, lc, rc, lb, rb)
    return closed


def _trace(a, b, dtype, lc, rc, lb, rb):
    from pyjax._src import api, lax
    from pyjax._src.core import ShapedArray
    lf = [d for d in range(len(a.shape)) if d not in lc and d not in lb]
    rf = [d for d in range(len(b.shape)) if d not in rc and d not in rb]
    nb, nl, nr, nc = len(lb), len(lf), len(rf), len(lc)
    shape = tuple([a.shape[d] for d in lb] + [a.shape[d] for d in lf] +
                  [b.shape[d] for d in rf] + [a.shape[d] for d in lc])
    batch, contracted = list(range(nb)), list(range(nb + nl + nr, nb + nl + nr + nc))

    def contract(x, y):
        x = lax.convert_element_type(lax.transpose(x, tuple(lb) + tuple(lf) + tuple(lc)), dtype)
        y = lax.convert_element_type(lax.transpose(y, tuple(rb) + tuple(rf) + tuple(rc)), dtype)
        x = lax.broadcast_in_dim(x, shape, tuple(batch + list(range(nb, nb + nl)) + contracted))
        y = lax.broadcast_in_dim(
            y, shape, tuple(batch + list(range(nb + nl, nb + nl + nr)) + contracted))
        return lax.reduce_sum(lax.mul(x, y), tuple(contracted))
    return api.make_jaxpr(contract)(ShapedArray(a.shape, a.dtype), ShapedArray(b.shape, b.dtype))

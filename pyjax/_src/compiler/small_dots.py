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
    """The program (built from primitives: the compiler does not trace)."""
    from pyjax._src.core import ClosedJaxpr, Jaxpr, JaxprEqn, ShapedArray, Var
    from pyjax._src.primitives import elementwise as ew
    from pyjax._src.primitives import reductions as red
    from pyjax._src.primitives import structural as st
    lf = [d for d in range(len(a.shape)) if d not in lc and d not in lb]
    rf = [d for d in range(len(b.shape)) if d not in rc and d not in rb]
    nb, nl, nr, nc = len(lb), len(lf), len(rf), len(lc)
    shape = tuple([a.shape[d] for d in lb] + [a.shape[d] for d in lf] +
                  [b.shape[d] for d in rf] + [a.shape[d] for d in lc])
    batch, contracted = list(range(nb)), list(range(nb + nl + nr, nb + nl + nr + nc))
    eqns = []

    def emit(prim, ins, **params):
        aval = prim.abstract_eval(*[v.aval for v in ins], **params)
        out = Var(ShapedArray(aval.shape, aval.dtype))
        eqns.append(JaxprEqn(list(ins), [out], prim, params))
        return out

    def operand(x, order, positions):
        x = emit(st.transpose_p, [x], permutation=tuple(order))
        if x.aval.dtype != dtype:
            x = emit(ew.convert_element_type_p, [x], new_dtype=dtype, weak_type=False,
                     sharding=None)
        return emit(st.broadcast_in_dim_p, [x], shape=shape,
                    broadcast_dimensions=tuple(positions), sharding=None)

    x, y = Var(ShapedArray(a.shape, a.dtype)), Var(ShapedArray(b.shape, b.dtype))
    xb = operand(x, list(lb) + lf + list(lc), batch + list(range(nb, nb + nl)) + contracted)
    yb = operand(y, list(rb) + rf + list(rc),
                 batch + list(range(nb + nl, nb + nl + nr)) + contracted)
    out = emit(red.reduce_sum_p, [emit(ew.mul_p, [xb, yb])], axes=tuple(contracted),
               out_sharding=None)
    return ClosedJaxpr(Jaxpr([], [x, y], [out], eqns), [])

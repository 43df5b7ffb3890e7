"""Structured control flow: lax.cond, lax.switch, lax.while_loop, lax.fori_loop, lax.scan and
lax.associative_scan.

The primitives live by family in control_flow_cond.py (cond_p), control_flow_while.py
(while_p, fori_loop) and control_flow_scan.py (scan_p); this module gathers the public
functions and adds associative_scan, which is built from other primitives.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import core
from pyjax._src import tree as tree_util
from pyjax._src.primitives import elementwise as ew
from pyjax._src.primitives import joining
from pyjax._src.primitives import structural
from pyjax._src.primitives.control_flow_cond import cond, cond_p, switch  # noqa: F401
from pyjax._src.primitives.control_flow_scan import scan, scan_p  # noqa: F401
from pyjax._src.primitives.control_flow_while import (  # noqa: F401
    fori_loop, while_loop, while_p)

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "associative_scan",
           "cond_p", "while_p", "scan_p"]


def associative_scan(fn, elems, reverse=False, axis=0):
    """A scan with an associative binary operation, computed in parallel (Blelloch).

    Args:
      fn: associative ``r = fn(a, b)`` on pytrees of arrays shaped like ``elems`` (with any
        size along ``axis``), applied elementwise along ``axis``.
      elems: a pytree of arrays with equal sizes along ``axis``.
      reverse: scan from the end of ``axis``.
      axis: the axis to scan along.

    Returns:
      A pytree like ``elems`` whose k-th element along ``axis`` combines the first k + 1.

    Example:
        >>> associative_scan(jnp.add, jnp.arange(0, 4))
        Array([0, 1, 3, 6], dtype=int32)
    """
    if not callable(fn):
        raise TypeError("lax.associative_scan: fn argument should be callable.")
    elems_flat, tree = tree_util.tree_flatten(elems)
    elems_flat = [structural.asarray(e) for e in elems_flat]
    ndim = len(core.get_aval(elems_flat[0]).shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    axis = axis % ndim
    if reverse:
        elems_flat = [structural.rev(e, (axis,)) for e in elems_flat]

    def combine(a_flat, b_flat):
        c = fn(tree_util.tree_unflatten(tree, a_flat), tree_util.tree_unflatten(tree, b_flat))
        return tree_util.tree_leaves(c)

    def size(e):
        return core.get_aval(e).shape[axis]

    num_elems = size(elems_flat[0])
    if not all(size(e) == num_elems for e in elems_flat[1:]):
        raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                         f"(saw: {[core.get_aval(e).shape for e in elems_flat]})")

    def sl(e, start, stop, stride=1):
        return structural.slice_in_dim(e, start, stop, stride, axis)

    def _scan(elems):
        n = size(elems[0])
        if n < 2:
            return elems
        # Combine adjacent pairs, scan those recursively (the odd elements of the result),
        # then the even elements combine each odd result with the next original element.
        reduced = combine([sl(e, 0, -1, 2) for e in elems], [sl(e, 1, None, 2) for e in elems])
        odd = _scan(reduced)
        if n % 2 == 0:
            even = combine([sl(e, 0, -1) for e in odd], [sl(e, 2, None, 2) for e in elems])
        else:
            even = combine(odd, [sl(e, 2, None, 2) for e in elems])
        even = [joining.concatenate([sl(e, 0, 1), r], axis) for e, r in zip(elems, even)]
        return [_interleave(a, b, axis) for a, b in zip(even, odd)]

    scans = _scan(elems_flat)
    if reverse:
        scans = [structural.rev(s, (axis,)) for s in scans]
    return tree_util.tree_unflatten(tree, scans)


def _interleave(a, b, axis):
    """Interleave ``a`` and ``b`` along ``axis`` (a has as many elements as b, or one more)."""
    a_aval, b_aval = core.get_aval(a), core.get_aval(b)
    same = a_aval.shape[axis] == b_aval.shape[axis]
    a_pad = [(0, 0, 0)] * a_aval.ndim
    b_pad = [(0, 0, 0)] * b_aval.ndim
    a_pad[axis] = (0, 1 if same else 0, 1)
    b_pad[axis] = (1, 0 if same else 1, 1)
    op = ew.or_p if a_aval.dtype == np.bool_ else ew.add_p
    return op.bind(joining.pad(a, np.zeros((), a_aval.dtype), a_pad),
                   joining.pad(b, np.zeros((), b_aval.dtype), b_pad))

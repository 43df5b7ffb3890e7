"""Helpers shared by the distributions."""
import numpy as np

from pyjax._src.numpy import util


def const(x, value):
    """A constant of ``x``'s dtype (strong, as JAX's ``lax._const``)."""
    return np.array(value, x.dtype)


def promote(name, *args):
    """Arguments promoted to one inexact dtype, after JAX's array-like check."""
    return util.promote_args_inexact(name, *args)

"""Numerical checks of automatic differentiation: ``check_grads``, ``check_jvp``, ``check_vjp``.

The same checks, defaults and tolerances as ``jax.test_util``: forward mode is compared with
central finite differences in one random direction, reverse mode with forward mode through the
identity <t, vjp(ct)> = <jvp(t), ct>, recursively up to the requested order.
"""
from functools import partial
import operator

import ml_dtypes
import numpy as np

from pyjax._src import ad_api
from pyjax._src import dtypes as _dtypes
from pyjax._src.config import config
from pyjax._src.tree import tree_map, tree_reduce

__all__ = ["check_grads", "check_jvp", "check_vjp"]

EPS = 1e-4


def _dtype(x):
    if hasattr(x, "dtype"):
        return np.dtype(x.dtype)
    dt = _dtypes.python_scalar_dtypes.get(type(x))
    return np.dtype(dt) if dt is not None else np.asarray(x).dtype


def _ml_dtypes(names):
    return [np.dtype(getattr(ml_dtypes, n)) for n in names if hasattr(ml_dtypes, n)]


_FLOAT8 = _ml_dtypes(["float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn",
                      "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz"])
_COARSE = _ml_dtypes(["float4_e2m1fn", "float8_e8m0fnu"])
_INTN = _ml_dtypes(["int2", "int4", "uint2", "uint4"])

_default_tolerance = {
    _dtypes.float0: 0,
    np.dtype(np.bool_): 0,
    **{d: 0 for d in _INTN},
    **{np.dtype(t): 0 for t in (np.int8, np.int16, np.int32, np.int64,
                                np.uint8, np.uint16, np.uint32, np.uint64)},
    **{d: 1e-1 for d in _FLOAT8},
    **{d: 1e0 for d in _COARSE},
    np.dtype(_dtypes.bfloat16): 1e-2,
    np.dtype(np.float16): 1e-3,
    np.dtype(np.float32): 1e-6,
    np.dtype(np.float64): 1e-15,
    np.dtype(np.complex64): 1e-6,
    np.dtype(np.complex128): 1e-15,
}


def default_tolerance():
    return _default_tolerance


default_gradient_tolerance = {
    **{d: 1e-1 for d in _FLOAT8},
    **{d: 1e0 for d in _COARSE},
    np.dtype(_dtypes.bfloat16): 1e-1,
    np.dtype(np.float16): 1e-2,
    np.dtype(np.float32): 2e-3,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-3,
    np.dtype(np.complex128): 1e-5,
}

_UPCAST = set(_FLOAT8) | set(_COARSE) | {np.dtype(_dtypes.bfloat16)}


def is_python_scalar(val):
    return not isinstance(val, np.generic) and isinstance(val, (bool, int, float, complex))


def _assert_numpy_allclose(a, b, atol=None, rtol=None, err_msg=""):
    if a.dtype == b.dtype == _dtypes.float0:
        np.testing.assert_array_equal(a, b, err_msg=err_msg)
        return

    def upcast(x):
        if x.dtype in _UPCAST:
            return x.astype(np.float32)
        if x.dtype in _INTN:
            return x.astype(np.int8 if ml_dtypes.iinfo(x.dtype).min < 0 else np.uint8)
        return x

    a, b = upcast(a), upcast(b)
    kw = {}
    if atol:
        kw["atol"] = atol
    if rtol:
        kw["rtol"] = rtol
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(a, b, **kw, err_msg=err_msg)


def tolerance(dtype, tol=None):
    """The tolerance for ``dtype``: ``tol`` itself, or its entry (default: JAX's table)."""
    tol = {} if tol is None else tol
    if not isinstance(tol, dict):
        return tol
    tol = {np.dtype(key): value for key, value in tol.items()}
    dtype = _dtypes.canonicalize_dtype(np.dtype(dtype))
    return tol.get(dtype, default_tolerance()[dtype])


def _assert_numpy_close(a, b, atol=None, rtol=None, err_msg=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    atol = max(tolerance(a.dtype, atol), tolerance(b.dtype, atol))
    rtol = max(tolerance(a.dtype, rtol), tolerance(b.dtype, rtol))
    _assert_numpy_allclose(a, b, atol=atol * a.size, rtol=rtol * b.size, err_msg=err_msg)


def check_close(xs, ys, atol=None, rtol=None, err_msg=""):
    tree_map(partial(_assert_numpy_close, atol=atol, rtol=rtol, err_msg=err_msg), xs, ys)


def _check_dtypes_match(xs, ys):
    def check(x, y):
        if config.jax_enable_x64:
            assert _dtype(x) == _dtype(y), (_dtype(x), _dtype(y))
        else:
            assert (_dtypes.canonicalize_dtype(_dtype(x))
                    == _dtypes.canonicalize_dtype(_dtype(y))), (_dtype(x), _dtype(y))
    tree_map(check, xs, ys)


def inner_prod(xs, ys):
    def contract(x, y):
        return np.real(np.dot(np.conj(x).reshape(-1), np.asarray(y).reshape(-1)))
    return tree_reduce(np.add, tree_map(contract, xs, ys))


def _safe_subtract(x, y, *, dtype):
    """Subtraction with ``inf - inf == 0``."""
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(invalid="ignore"):
        return np.where(np.equal(x, y), np.array(0, dtype), np.subtract(x, y, dtype=dtype))


def _numpy_arg(x):
    # JAX applies these operators to its arrays; the same IEEE operation in NumPy, on the
    # same dtype, gives the same value without going through jax.numpy.
    return x if is_python_scalar(x) else np.asarray(x)


def _preserve_input_types(f):
    def wrapped(*args):
        dtype = _dtype(args[0])
        result = np.array(f(*map(_numpy_arg, args)), dtype=dtype)
        if all(is_python_scalar(arg) for arg in args):
            result = result.item()
        return result
    return wrapped


add = partial(tree_map, _preserve_input_types(operator.add))
sub = partial(tree_map, _preserve_input_types(operator.sub))
safe_sub = partial(tree_map, lambda x, y: _safe_subtract(x, y, dtype=_dtype(x)))
conj = partial(tree_map, _preserve_input_types(np.conj))


def scalar_mul(xs, a):
    def mul(x):
        dtype = _dtype(x)
        result = np.multiply(_numpy_arg(x), np.array(a, dtype=dtype), dtype=dtype)
        return result.item() if is_python_scalar(x) else result
    return tree_map(mul, xs)


def rand_like(rng, x):
    shape = np.shape(x)
    dtype = _dtype(x)

    def randn():
        return np.asarray(rng.randn(*shape), dtype=dtype)

    if _dtypes.issubdtype(dtype, np.complexfloating):
        result = randn() + dtype.type(1.0j) * randn()
    else:
        result = randn()
    return result.item() if is_python_scalar(x) else result


def numerical_jvp(f, primals, tangents, eps=EPS):
    """Central finite difference of ``f`` at ``primals`` in the direction ``tangents``."""
    delta = scalar_mul(tangents, eps)
    f_pos = f(*add(primals, delta))
    f_neg = f(*sub(primals, delta))
    return scalar_mul(safe_sub(f_pos, f_neg), 0.5 / eps)


def _merge_tolerance(tol, default):
    if tol is None:
        return default
    if not isinstance(tol, dict):
        return tol
    out = default.copy()
    for k, v in tol.items():
        out[np.dtype(k)] = v
    return out


def _gradient_tolerances(atol, rtol):
    """``atol`` and ``rtol`` over JAX's default gradient tolerances."""
    return (_merge_tolerance(atol, default_gradient_tolerance),
            _merge_tolerance(rtol, default_gradient_tolerance))


def _failure_label(err_msg, what):
    """The label of a failed comparison of ``what``, after the caller's ``err_msg``."""
    return f"{err_msg} {what}" if err_msg else what


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Check a JVP from automatic differentiation against finite differences.

    Gradients are checked in a single random direction.

    Args:
        f: function to check at ``f(*args)``.
        f_jvp: a function computing ``jvp`` of ``f``, usually ``functools.partial(jvp, f)``.
        args: tuple of argument values.
        atol: absolute tolerance (a number, or a dict from dtype to number).
        rtol: relative tolerance (a number, or a dict from dtype to number).
        eps: step of the finite differences.
        err_msg: text added to the message of a failure.

    Raises:
        AssertionError: if the derivatives do not match.
    """
    atol, rtol = _gradient_tolerances(atol, rtol)
    rng = np.random.RandomState(0)
    tangent = tree_map(partial(rand_like, rng), args)
    v_out, t_out = f_jvp(args, tangent)
    _check_dtypes_match(v_out, t_out)
    v_out_expected = f(*args)
    _check_dtypes_match(v_out, v_out_expected)
    t_out_expected = numerical_jvp(f, args, tangent, eps=eps)
    check_close(v_out, v_out_expected, atol=atol, rtol=rtol,
                err_msg=_failure_label(err_msg, "primal"))
    check_close(t_out, t_out_expected, atol=atol, rtol=rtol,
                err_msg=_failure_label(err_msg, "tangent"))


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Check a VJP from automatic differentiation against finite differences.

    Compares ``<t, vjp(ct)>`` with ``<numerical_jvp(t), ct>`` for random ``t`` and ``ct``.
    The arguments are those of :func:`check_jvp`, with ``f_vjp`` a function computing ``vjp``
    of ``f``, usually ``functools.partial(vjp, f)``.

    Raises:
        AssertionError: if the derivatives do not match.
    """
    atol, rtol = _gradient_tolerances(atol, rtol)
    _rand_like = partial(rand_like, np.random.RandomState(0))
    v_out, vjpfun = f_vjp(*args)
    v_out_expected = f(*args)
    check_close(v_out, v_out_expected, atol=atol, rtol=rtol,
                err_msg=_failure_label(err_msg, "primal"))
    tangent = tree_map(_rand_like, args)
    tangent_out = numerical_jvp(f, args, tangent, eps=eps)
    cotangent = tree_map(_rand_like, v_out)
    cotangent_out = conj(vjpfun(conj(cotangent)))
    ip = inner_prod(tangent, cotangent_out)
    ip_expected = inner_prod(tangent_out, cotangent)
    check_close(ip, ip_expected, atol=atol, rtol=rtol,
                err_msg=_failure_label(err_msg, "cotangent projection"))


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check gradients from automatic differentiation against finite differences.

    Gradients are checked in a single random direction, up to ``order``: order 2 also checks
    the jvp of the jvp (forward) and the vjp of the vjp (reverse).

    Args:
        f: function to check at ``f(*args)``.
        args: tuple of argument values.
        order: derivatives up to this order are checked.
        modes: the modes to check: "fwd", "rev" and/or "lin" (jvp through linearize).
        atol: absolute tolerance (a number, or a dict from dtype to number).
        rtol: relative tolerance (a number, or a dict from dtype to number).
        eps: step of the finite differences (default 1e-4).

    Raises:
        AssertionError: if the derivatives do not match.

    Example:
        >>> check_grads(jnp.sin, (1.0,), order=2)
    """
    args = tuple(args)
    eps = eps or EPS
    _check_jvp = partial(check_jvp, atol=atol, rtol=rtol, eps=eps)
    _check_vjp = partial(check_vjp, atol=atol, rtol=rtol, eps=eps)

    def _check_grads(f, args, order, err_msg=""):
        if "fwd" in modes:
            fwd_msg = f"JVP of {err_msg}" if err_msg else "JVP"
            _check_jvp(f, partial(ad_api.jvp, f), args, err_msg=fwd_msg)
            if order > 1:
                _check_grads(partial(ad_api.jvp, f), (args, args), order - 1, fwd_msg)

        if "rev" in modes:
            rev_msg = f"VJP of {err_msg}" if err_msg else "VJP"
            _check_vjp(f, partial(ad_api.vjp, f), args, err_msg=rev_msg)
            if order > 1:
                def f_vjp(*args):
                    out_primal, vjp_fn = ad_api.vjp(f, *args)
                    return vjp_fn(out_primal)
                _check_grads(f_vjp, args, order - 1, rev_msg)

        if "lin" in modes:
            lin_msg = f"LIN of {err_msg}" if err_msg else "LIN"
            _check_jvp(f, partial(_jvp_from_lin, f), args, err_msg=lin_msg)
            if order > 1:
                _check_grads(partial(_jvp_from_lin, f), (args, args), order - 1, lin_msg)

    _check_grads(f, args, order)


def _jvp_from_lin(f, primals, tangents):
    primal_out, f_lin = ad_api.linearize(f, *primals)
    return primal_out, f_lin(*tangents)

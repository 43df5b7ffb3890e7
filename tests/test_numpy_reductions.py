"""jax.numpy reductions against NumPy: values eagerly and under jit, result dtypes and weak
types as JAX's (spec/dtypes.md §6), the options (axis, keepdims, dtype, where, initial, ddof)
and JAX's error messages."""
import functools
import warnings

import ml_dtypes
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax._src.api import jit, make_jaxpr
from pyjax._src.config import enable_x64
from pyjax.errors import ConcretizationTypeError
from helpers import DTYPE_IDS, DTYPES, arr, rand, wide
from helpers import check as _check

BF16 = ml_dtypes.bfloat16
IDS = DTYPE_IDS
REAL = [np.bool_, np.int8, np.int32, np.uint8, np.uint32, np.float16, BF16, np.float32]
REAL_IDS = [np.dtype(d).name for d in REAL]
INEXACT = [np.float16, BF16, np.float32, np.complex64]
INEXACT_IDS = [np.dtype(d).name for d in INEXACT]
SHAPES_AXES = [((), None), ((5,), None), ((5,), 0), ((5,), -1), ((3, 4), 1), ((3, 4), (0, 1)),
               ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)), ((0,), None), ((2, 0, 3), 1),
               ((2, 0, 3), (0, 2))]
NONEMPTY = [sa for sa in SHAPES_AXES if 0 not in sa[0]]



def tol(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return 0.0
    return {np.dtype(np.float16): 2e-2, np.dtype(BF16): 6e-2}.get(dtype, 2e-5)


# jax.numpy reductions return strongly typed results unless a test says otherwise.
check = functools.partial(_check, weak=False)


def sum_dtype(dtype):
    """JAX's result dtype of sum/prod (x64 off)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_ or dtype.kind == "i":
        return np.dtype(np.int32)
    if dtype.kind == "u":
        return np.dtype(np.uint32)
    return dtype


def mean_dtype(dtype):
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if dtype.kind in "biu" else dtype


def var_dtype(dtype):
    dtype = mean_dtype(dtype)
    return np.dtype(np.float32) if dtype.kind == "c" else dtype


# ----------------------------------------------------------------------------------------------
# sum, prod


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", SHAPES_AXES, ids=str)
def test_sum(dtype, shape, axis):
    x = rand(shape, dtype)
    out_dtype = sum_dtype(dtype)
    expected = np.sum(wide(x), axis=axis).astype(out_dtype)
    check(lambda a: jnp.sum(a, axis=axis), [arr(x)], expected, tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", SHAPES_AXES[::2], ids=str)
def test_prod(dtype, shape, axis):
    x = rand(shape, dtype, low=-3, high=4)
    if np.dtype(dtype).kind == "f" or dtype == BF16:
        x = (np.abs(x.astype(np.float32)) * 0.5 + 0.75).astype(dtype)
    expected = np.prod(wide(x), axis=axis).astype(sum_dtype(dtype))
    check(lambda a: jnp.prod(a, axis=axis), [arr(x)], expected, tol(dtype))


@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_options(keepdims):
    x = rand((3, 4), np.float32)
    where = rand((3, 4), np.bool_, seed=1)
    check(lambda a, w: jnp.sum(a, axis=1, keepdims=keepdims, where=w, initial=2.5),
          [arr(x), arr(where)],
          np.sum(x, axis=1, keepdims=keepdims, where=where, initial=2.5), 1e-6)
    check(lambda a: jnp.prod(a, axis=(0, 1), keepdims=keepdims, initial=-1.0), [arr(x)],
          np.prod(x.astype(np.float64), axis=(0, 1), keepdims=keepdims,
                  initial=-1.0).astype(np.float32), 1e-5)
    # A where mask that broadcasts.
    col = np.array([[True], [False], [True]])
    check(lambda a: jnp.sum(a, axis=0, keepdims=keepdims, where=col), [arr(x)],
          np.sum(x, axis=0, keepdims=keepdims, where=col), 1e-6)


def test_sum_dtype_argument_and_promotion():
    i8 = rand((6,), np.int8)
    check(lambda a: jnp.sum(a, dtype=jnp.int8), [arr(i8)],
          np.sum(i8, dtype=np.int8))
    check(lambda a: jnp.sum(a, promote_integers=False), [arr(i8)], np.sum(i8, dtype=np.int8))
    check(lambda a: jnp.sum(a, dtype=jnp.float32), [arr(i8)], np.float32(i8.sum()))
    b = np.array([True, True, False])
    check(lambda a: jnp.sum(a, dtype=bool), [arr(b)], np.True_)  # sum of bools as bool: any
    check(lambda a: jnp.prod(a, dtype=bool), [arr(b)], np.False_)
    big = np.full(300, 100, np.int8)
    assert int(jnp.sum(arr(big), dtype=jnp.int8)) == (300 * 100 + 128) % 256 - 128
    with pytest.warns(UserWarning, match="Explicitly requested dtype float64"):
        assert jnp.sum(arr(i8), dtype=np.float64).dtype == np.float32


def test_sum_of_scalars_and_numpy_inputs():
    out = jnp.sum(3)
    assert out.dtype == np.int32 and not out.weak_type and int(out) == 3
    out = jnp.sum(2.5)
    assert out.dtype == np.float32 and not out.weak_type
    assert jnp.sum(np.arange(4.0)).dtype == np.float32
    assert int(jnp.sum(np.int8(5))) == 5
    with pytest.raises(TypeError, match=r"sum requires ndarray or scalar arguments, got "
                                        r"<class 'list'> at position 0"):
        jnp.sum([1, 2])


# ----------------------------------------------------------------------------------------------
# max, min, all, any


def _extreme_reference(fun, x, axis, keepdims=False):
    dt = x.dtype
    w = x.astype(np.float64) if dt == BF16 else x
    return np.asarray(fun(w, axis=axis, keepdims=keepdims)).astype(dt)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", NONEMPTY, ids=str)
def test_max_min(dtype, shape, axis):
    x = rand(shape, dtype)
    if np.dtype(dtype).kind == "c":  # JAX orders complex numbers lexicographically
        x = (x.real.round() + 1j * x.imag).astype(dtype)  # ties in the real part
        return _check_complex_extremes(x, axis)
    check(lambda a: jnp.max(a, axis=axis), [arr(x)], _extreme_reference(np.max, x, axis))
    check(lambda a: jnp.amin(a, axis=axis, keepdims=True), [arr(x)],
          _extreme_reference(np.min, x, axis, keepdims=True))


def _check_complex_extremes(x, axis):
    def lexmax(v, axis):
        key = np.lexsort((v.imag, v.real), axis=-1) if v.ndim else None
        if v.ndim == 0:
            return v
        return np.take_along_axis(v, key[..., -1:], -1)[..., 0]
    ax = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis)
    ax = tuple(a % max(x.ndim, 1) for a in ax)
    keep = [d for d in range(x.ndim) if d not in ax]
    moved = np.transpose(x, keep + list(ax)).reshape([x.shape[d] for d in keep] + [-1]) \
        if x.ndim else x
    check(lambda a: jnp.max(a, axis=axis), [arr(x)], np.asarray(lexmax(moved, -1)))


def test_max_min_nan_initial_where():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, -6.0]], np.float32)
    check(lambda a: jnp.max(a, axis=1), [arr(x)], np.max(x, axis=1))
    check(lambda a: jnp.min(a, axis=0), [arr(x)], np.min(x, axis=0))
    mask = np.array([[True, False, True], [False, False, False]])
    check(lambda a, m: jnp.max(a, axis=1, where=m, initial=0.0), [arr(x), arr(mask)],
          np.max(x, axis=1, where=mask, initial=0.0))
    check(lambda a, m: jnp.min(a, axis=1, where=m, initial=2), [arr(x), arr(mask)],
          np.min(x, axis=1, where=mask, initial=2))
    i = rand((3, 4), np.int8)
    check(lambda a: jnp.max(a, initial=100), [arr(i)], np.max(i, initial=100))
    check(lambda a: jnp.min(a, axis=0, initial=-100), [arr(i)], np.min(i, axis=0, initial=-100))
    b = rand((2, 3), np.bool_)
    check(lambda a: jnp.max(a, axis=1, initial=False), [arr(b)], np.max(b, axis=1))


def test_max_min_errors():
    empty = arr(np.zeros((0, 3), np.float32))
    for fn, name in [(jnp.max, "max"), (jnp.min, "min"), (jnp.amax, "max")]:
        with pytest.raises(ValueError, match=f"zero-size array to reduction operation {name} "
                                             "which has no identity"):
            fn(empty)
        with pytest.raises(ValueError, match="zero-size array"):
            jit(lambda a: fn(a, axis=0))(empty)
        assert fn(empty, axis=1).shape == (0,)
    check(lambda a: jnp.max(a, axis=0, initial=-1.0), [empty], np.full(3, -1.0, np.float32))
    with pytest.raises(ValueError, match="reduction operation max does not have an identity, "
                                         "so to use a where mask one has to specify 'initial'"):
        jnp.max(arr(np.ones(3)), where=arr(np.ones(3, bool)))
    with pytest.raises(ValueError, match=r"initial value must be a scalar. Got array of shape "
                                         r"\(2,\)"):
        jnp.max(arr(np.ones(3, np.float32)), initial=np.ones(2))


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", SHAPES_AXES[::2], ids=str)
def test_all_any(dtype, shape, axis):
    x = rand(shape, dtype, low=-1, high=2)
    if np.dtype(dtype).kind == "c":
        truth = x.real != 0  # JAX tests the real part of complex values
    else:
        truth = x.astype(np.float64) != 0 if dtype == BF16 else x.astype(bool)
    check(lambda a: jnp.all(a, axis=axis), [arr(x)], np.all(truth, axis=axis))
    check(lambda a: jnp.any(a, axis=axis, keepdims=True), [arr(x)],
          np.any(truth, axis=axis, keepdims=True))


def test_all_any_where_and_complex():
    x = np.array([[True, False, True], [False, False, False]])
    w = np.array([[True, False, True], [True, False, False]])
    check(lambda a, m: jnp.all(a, axis=1, where=m), [arr(x), arr(w)],
          np.all(x, axis=1, where=w))
    check(lambda a, m: jnp.any(a, axis=0, where=m), [arr(x), arr(w)],
          np.any(x, axis=0, where=w))
    assert not bool(jnp.any(arr(np.array([1j], np.complex64))))  # real part only, as JAX
    with pytest.warns(DeprecationWarning, match="jnp.all: where must be None or a boolean "
                                                "array; got dtype=int32"):
        jnp.all(arr(x), where=arr(np.ones((2, 3), np.int32)))


# ----------------------------------------------------------------------------------------------
# mean, var, std


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", SHAPES_AXES, ids=str)
def test_mean(dtype, shape, axis):
    x = rand(shape, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy: mean of empty slice
        expected = np.mean(wide(x), axis=axis).astype(mean_dtype(dtype))
    check(lambda a: jnp.mean(a, axis=axis), [arr(x)], expected, tol(dtype) or 1e-6)


@pytest.mark.parametrize("keepdims", [False, True])
def test_mean_options(keepdims):
    x = rand((3, 4), np.float32)
    w = rand((3, 4), np.bool_, seed=3)
    w[:, 0] = True
    check(lambda a, m: jnp.mean(a, axis=1, keepdims=keepdims, where=m), [arr(x), arr(w)],
          np.mean(x, axis=1, keepdims=keepdims, where=w), 1e-6)
    i = rand((3, 4), np.int32)
    check(lambda a: jnp.mean(a, axis=0, dtype=jnp.float16, keepdims=keepdims), [arr(i)],
          np.mean(i, axis=0, keepdims=keepdims).astype(np.float16), 1e-3)
    check(lambda a: jnp.mean(a, dtype=jnp.int32), [arr(i)], np.int32(np.trunc(i.mean())))
    assert jnp.mean(arr(x, weak=True)).weak_type is False


def test_mean_divides_by_a_constant():
    x = arr(np.ones((2, 3), np.float32))
    text = str(make_jaxpr(jnp.mean)(x))
    assert "reduce_sum" in text and "div b 6.0:f32[]" in text


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", NONEMPTY, ids=str)
@pytest.mark.parametrize("ddof", [0, 1])
def test_var_std(dtype, shape, axis, ddof):
    x = rand(shape, dtype)
    out_dtype = var_dtype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy: ddof >= n
        ev = np.var(wide(x), axis=axis, ddof=ddof)
        ev = np.where(np.asarray(ev) < 0, np.nan, ev)
        es = np.sqrt(ev)
    n = x.size if axis is None else np.prod([x.shape[a] for a in np.atleast_1d(axis)])
    if n - ddof <= 0:
        ev = np.full(np.shape(ev), np.nan)
        es = ev
    rtol = tol(dtype) or 1e-5
    check(lambda a: jnp.var(a, axis=axis, ddof=ddof), [arr(x)], np.asarray(ev).astype(out_dtype),
          rtol)
    check(lambda a: jnp.std(a, axis=axis, correction=ddof), [arr(x)],
          np.asarray(es).astype(out_dtype), rtol)


def test_var_options():
    x = rand((3, 5), np.float32)
    w = rand((3, 5), np.bool_, seed=4)
    w[:, :2] = True
    check(lambda a, m: jnp.var(a, axis=1, where=m, keepdims=True), [arr(x), arr(w)],
          np.var(x, axis=1, where=w, keepdims=True), 1e-5)
    check(lambda a, m: jnp.std(a, axis=1, where=m, ddof=1), [arr(x), arr(w)],
          np.std(x, axis=1, where=w, ddof=1), 1e-5)
    check(lambda a: jnp.var(a, axis=0, correction=0.5), [arr(x)],
          np.var(x.astype(np.float64), axis=0, ddof=0.5).astype(np.float32), 1e-5)
    check(lambda a: jnp.var(a, dtype=jnp.float16), [arr(x)],
          np.float16(np.var(x.astype(np.float64))), 1e-3)
    c = rand((4,), np.complex64)
    check(lambda a: jnp.var(a, dtype=jnp.complex64), [arr(c)],
          np.complex64(np.var(c.astype(np.complex128))), 1e-5)
    # ddof >= n gives NaN
    check(lambda a: jnp.var(a, ddof=5), [arr(x[0])], np.float32(np.nan))
    with pytest.raises(ValueError, match="ddof and correction can't be provided "
                                         "simultaneously"):
        jnp.var(arr(x), ddof=1, correction=1)
    with pytest.raises(ValueError, match="jax.numpy.var does not yet support real dtype "
                                         "parameters"):
        jnp.var(arr(c), dtype=jnp.float32)
    with pytest.raises(ValueError, match="dtype argument to jnp.std must be inexact; got "):
        jnp.std(arr(x), dtype=jnp.int32)


def test_var_is_centered():
    # A naive E[x^2] - E[x]^2 loses everything here; the centered computation does not.
    x = np.float32(1e4) + np.array([0.0, 1.0, 2.0], np.float32)
    assert float(jnp.var(arr(x))) == pytest.approx(2 / 3, rel=1e-6)


# ----------------------------------------------------------------------------------------------
# argmax, argmin, count_nonzero, ptp


@pytest.mark.parametrize("dtype", REAL, ids=REAL_IDS)
@pytest.mark.parametrize("shape,axis", [((5,), None), ((5,), 0), ((3, 4), 1), ((3, 4), -2),
                                        ((2, 3, 4), None), ((), None)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(dtype, shape, axis, keepdims):
    x = rand(shape, dtype, low=-3, high=3)  # with ties: the first index wins
    w = x.astype(np.float32) if dtype == BF16 else x
    check(lambda a: jnp.argmax(a, axis=axis, keepdims=keepdims), [arr(x)],
          np.argmax(w, axis=axis, keepdims=keepdims).astype(np.int32))
    check(lambda a: jnp.argmin(a, axis=axis, keepdims=keepdims), [arr(x)],
          np.argmin(w, axis=axis, keepdims=keepdims).astype(np.int32))


def test_argmax_nan_and_errors():
    x = np.array([[1.0, np.nan, 3.0], [3.0, 2.0, 3.0]], np.float32)
    check(lambda a: jnp.argmax(a, axis=1), [arr(x)], np.array([1, 0], np.int32))
    check(lambda a: jnp.argmin(a, axis=1), [arr(x)], np.array([1, 1], np.int32))
    check(lambda a: jnp.nanargmax(a, axis=1), [arr(x)], np.array([2, 0], np.int32))
    check(lambda a: jnp.nanargmin(a, axis=1, keepdims=True), [arr(x)],
          np.array([[0], [1]], np.int32))
    all_nan = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)
    check(lambda a: jnp.nanargmax(a, axis=1), [arr(all_nan)], np.array([-1, 0], np.int32))
    check(lambda a: jnp.nanargmin(a), [arr(np.array([3, 1, 2], np.int8))], np.int32(1))
    with pytest.raises(ValueError, match="attempt to get argmax of an empty sequence"):
        jnp.argmax(arr(np.zeros((0,), np.float32)))
    with pytest.raises(ValueError, match="attempt to get argmin of an empty sequence"):
        jnp.argmin(arr(np.zeros((2, 0), np.float32)), axis=1)
    with pytest.raises(NotImplementedError, match="The 'out' argument to jnp.argmax is not "
                                                  "supported."):
        jnp.argmax(arr(x), out=np.zeros(2))
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        jnp.argmax(arr(x), axis=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_count_nonzero_ptp(dtype):
    x = rand((3, 4), dtype, low=-2, high=3)
    w = x.astype(np.float32) if dtype == BF16 else x
    check(lambda a: jnp.count_nonzero(a), [arr(x)], np.int32(np.count_nonzero(w)))
    check(lambda a: jnp.count_nonzero(a, axis=1, keepdims=True), [arr(x)],
          np.count_nonzero(w, axis=1, keepdims=True).astype(np.int32))
    if dtype == np.bool_:
        with pytest.raises(TypeError):
            jnp.ptp(arr(x))
    elif np.dtype(dtype).kind != "c":
        check(lambda a: jnp.ptp(a, axis=0), [arr(x)], np.ptp(w, axis=0).astype(dtype),
              tol(dtype))


# ----------------------------------------------------------------------------------------------
# NaN-ignoring reductions


def _with_nans(shape, dtype, seed=0):
    x = rand(shape, dtype, seed=seed)
    if x.size:
        flat = x.reshape(-1)
        flat[::3] = np.nan
    return x


@pytest.mark.parametrize("dtype", INEXACT, ids=INEXACT_IDS)
@pytest.mark.parametrize("shape,axis", [((7,), None), ((3, 4), 1), ((3, 4), (0, 1)),
                                        ((2, 3, 4), 0)], ids=str)
def test_nan_reductions(dtype, shape, axis):
    x = _with_nans(shape, dtype)
    wx = wide(x)
    rtol = tol(dtype) or 1e-5
    check(lambda a: jnp.nansum(a, axis=axis), [arr(x)],
          np.nansum(wx, axis=axis).astype(dtype), rtol)
    check(lambda a: jnp.nanprod(a, axis=axis, keepdims=True), [arr(x)],
          np.nanprod(wx, axis=axis, keepdims=True).astype(dtype), rtol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(lambda a: jnp.nanmean(a, axis=axis), [arr(x)],
              np.nanmean(wx, axis=axis).astype(dtype), rtol)
        check(lambda a: jnp.nanvar(a, axis=axis, ddof=1), [arr(x)],
              np.nanvar(wx, axis=axis, ddof=1).astype(var_dtype(dtype)), rtol)
        check(lambda a: jnp.nanstd(a, axis=axis), [arr(x)],
              np.nanstd(wx, axis=axis).astype(var_dtype(dtype)), rtol)
        if np.dtype(dtype).kind != "c":
            check(lambda a: jnp.nanmax(a, axis=axis), [arr(x)],
                  np.nanmax(wx, axis=axis).astype(dtype))
            check(lambda a: jnp.nanmin(a, axis=axis), [arr(x)],
                  np.nanmin(wx, axis=axis).astype(dtype))


def test_nan_reductions_all_nan_and_ints():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)
    check(lambda a: jnp.nanmax(a, axis=1), [arr(x)], np.array([np.nan, 1.0], np.float32))
    check(lambda a: jnp.nanmin(a, axis=1, initial=0.5), [arr(x)],
          np.array([0.5, 0.5], np.float32))
    check(lambda a: jnp.nansum(a, axis=1), [arr(x)], np.array([0.0, 1.0], np.float32))
    check(lambda a: jnp.nanprod(a, axis=1), [arr(x)], np.array([1.0, 1.0], np.float32))
    check(lambda a: jnp.nanmean(a, axis=1), [arr(x)], np.array([np.nan, 1.0], np.float32))
    check(lambda a: jnp.nanvar(a, axis=1), [arr(x)], np.array([np.nan, 0.0], np.float32))
    check(lambda a: jnp.nanvar(a, axis=1, ddof=1), [arr(x)],
          np.array([np.nan, np.nan], np.float32))
    i = rand((3, 4), np.int8)
    check(lambda a: jnp.nansum(a, axis=0), [arr(i)], np.sum(i, axis=0, dtype=np.int32))
    check(lambda a: jnp.nanmax(a), [arr(i)], np.max(i))
    check(lambda a: jnp.nanmean(a, axis=1), [arr(i)], np.mean(i, axis=1).astype(np.float32),
          1e-6)
    check(lambda a: jnp.nanvar(a), [arr(i)], np.float32(np.var(i.astype(np.float64))), 1e-5)
    w = np.array([[True, False], [True, True]])
    check(lambda a, m: jnp.nansum(a, axis=1, where=m), [arr(x), arr(w)],
          np.nansum(x, axis=1, where=w))
    check(lambda a, m: jnp.nanmean(a, axis=0, where=m), [arr(np.nan_to_num(x)), arr(w)],
          np.mean(np.nan_to_num(x), axis=0, where=w), 1e-6)


# ----------------------------------------------------------------------------------------------
# Cumulative reductions


def cum_dtype(dtype):
    dtype = np.dtype(dtype)
    return np.dtype(np.int32) if dtype == np.bool_ else dtype


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape,axis", [((), None), ((5,), None), ((5,), 0), ((3, 4), 1),
                                        ((3, 4), -2), ((2, 3, 4), None), ((0,), 0),
                                        ((2, 0), 1)], ids=str)
def test_cumsum_cumprod(dtype, shape, axis):
    x = rand(shape, dtype, low=-3, high=4)
    if np.dtype(dtype).kind == "f" or dtype == BF16:
        x = (np.abs(x.astype(np.float32)) * 0.5 + 0.75).astype(dtype)
    out_dtype = cum_dtype(dtype)
    check(lambda a: jnp.cumsum(a, axis=axis), [arr(x)],
          np.cumsum(wide(x), axis=axis).astype(out_dtype), tol(dtype))
    check(lambda a: jnp.cumprod(a, axis=axis), [arr(x)],
          np.cumprod(wide(x), axis=axis).astype(out_dtype), tol(dtype))


def test_cumulative_options():
    i8 = rand((3, 4), np.int8)
    check(lambda a: jnp.cumsum(a, axis=1, dtype=jnp.int32), [arr(i8)],
          np.cumsum(i8, axis=1, dtype=np.int32))
    b = np.array([True, False, True, True])
    check(lambda a: jnp.cumsum(a), [arr(b)], np.cumsum(b).astype(np.int32))
    check(lambda a: jnp.cumsum(a, dtype=bool), [arr(np.array([0, 2, 0], np.int32))],
          np.array([False, True, True]))
    x = np.array([[1.0, np.nan, 2.0], [np.nan, 3.0, 4.0]], np.float32)
    check(lambda a: jnp.nancumsum(a, axis=1), [arr(x)], np.nancumsum(x, axis=1))
    check(lambda a: jnp.nancumprod(a), [arr(x)], np.nancumprod(x))
    check(lambda a: jnp.nancumsum(a), [arr(i8)], np.cumsum(i8, dtype=np.int8))


@pytest.mark.parametrize("include_initial", [False, True])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.float32], ids=str)
def test_cumulative_sum_prod(include_initial, dtype):
    x = rand((3, 4), dtype, low=-2, high=3)
    out_sum = sum_dtype(dtype)
    out_prod = cum_dtype(dtype)  # cumulative_prod does not widen narrow integers (JAX)
    for axis in (0, 1, -1):
        es = np.cumsum(wide(x), axis=axis).astype(out_sum)
        ep = np.cumprod(wide(x), axis=axis).astype(out_prod)
        if include_initial:
            shape = list(x.shape)
            shape[axis] = 1
            es = np.concatenate([np.zeros(shape, out_sum), es], axis)
            ep = np.concatenate([np.ones(shape, out_prod), ep], axis)
        check(lambda a: jnp.cumulative_sum(a, axis=axis, include_initial=include_initial),
              [arr(x)], es, tol(dtype))
        check(lambda a: jnp.cumulative_prod(a, axis=axis, include_initial=include_initial),
              [arr(x)], ep, tol(dtype))
    v = rand((4,), dtype)
    check(lambda a: jnp.cumulative_sum(a, include_initial=include_initial), [arr(v)],
          np.cumulative_sum(wide(v), include_initial=include_initial).astype(out_sum),
          tol(dtype))
    with pytest.raises(ValueError, match="The input array has rank 2, however axis was not set "
                                         "to an explicit value"):
        jnp.cumulative_sum(arr(x))
    with pytest.raises(ValueError, match="The input must be non-scalar to take a cumulative "
                                         "product"):
        jnp.cumulative_prod(arr(np.float32(1)))


# ----------------------------------------------------------------------------------------------
# Common argument handling


def test_axis_errors_and_out():
    x = arr(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        jnp.sum(x, axis=2)
    with pytest.raises(ValueError, match=r"duplicate value in 'axis': \(0, -2\)"):
        jnp.mean(x, axis=(0, -2))
    for fn in (jnp.sum, jnp.max, jnp.mean, jnp.var, jnp.std, jnp.cumsum, jnp.nanmax):
        with pytest.raises(NotImplementedError, match="The 'out' argument to jnp.* is not "
                                                      "supported"):
            fn(x, out=np.zeros(3))
    with pytest.raises(ConcretizationTypeError, match="The axis argument must be known "
                                                      "statically"):
        jit(lambda a, ax: jnp.sum(a, axis=ax))(x, 1)
    # List axes work like tuples; NumPy integer axes too.
    check(lambda a: jnp.sum(a, axis=[0, 1]), [x], np.float32(6))
    check(lambda a: jnp.min(a, axis=np.int64(1)), [x], np.ones(2, np.float32))


def test_weak_types_are_dropped():
    w = arr(np.array([1.0, 2.0], np.float32), weak=True)
    for fn in (jnp.sum, jnp.prod, jnp.max, jnp.min, jnp.mean, jnp.var, jnp.std, jnp.cumsum,
               jnp.nansum, jnp.nanmax, jnp.nanmean, jnp.ptp, jnp.argmax, jnp.all):
        check(fn, [w], np.asarray(fn(w)))
    check(lambda: jnp.sum(2), [], np.int32(2))  # a Python scalar inside jit


def test_array_methods():
    x = rand((3, 4), np.float32)
    a = arr(x)
    np.testing.assert_allclose(a.sum(axis=1), x.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(a.mean(0), x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(a.var(ddof=1), x.var(ddof=1), rtol=1e-5)
    np.testing.assert_allclose(a.std(), x.std(), rtol=1e-5)
    np.testing.assert_array_equal(a.max(axis=0), x.max(axis=0))
    np.testing.assert_array_equal(a.argmin(axis=1), x.argmin(axis=1))
    np.testing.assert_array_equal(a.cumsum(axis=1), x.cumsum(axis=1))
    np.testing.assert_allclose(a.prod(), x.prod(), rtol=1e-5)
    assert bool(a.any()) and a.ptp().dtype == np.float32
    assert jit(lambda v: v.sum(axis=0))(a).shape == (4,)


def test_x64_dtypes():
    with enable_x64():
        i8 = arr(np.arange(4, dtype=np.int8))
        assert jnp.sum(i8).dtype == np.int64
        assert jnp.sum(arr(np.arange(4, dtype=np.uint16))).dtype == np.uint64
        assert jnp.mean(i8).dtype == np.float32
        assert jnp.mean(arr(np.arange(4, dtype=np.int64))).dtype == np.float64
        assert jnp.var(arr(np.arange(4, dtype=np.int64))).dtype == np.float64
        assert jnp.argmax(i8).dtype == np.int64
        assert jnp.count_nonzero(i8).dtype == np.int64
        assert jnp.cumulative_sum(i8).dtype == np.int64
        assert jnp.cumsum(arr(np.ones(3, bool))).dtype == np.int64
        assert float(jnp.mean(arr(np.arange(4.0)))) == 1.5


def test_pyjax_numpy_namespace():
    for name in ["sum", "prod", "max", "min", "amax", "amin", "all", "any", "mean", "var",
                 "std", "argmax", "argmin", "nanargmax", "nanargmin", "count_nonzero", "ptp",
                 "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "nansum", "nanprod",
                 "nanmax", "nanmin", "nanmean", "nanvar", "nanstd", "nancumsum", "nancumprod"]:
        assert callable(getattr(pyjax.numpy, name)), name
    assert not hasattr(pyjax.numpy, "alltrue") and not hasattr(pyjax.numpy, "sometrue")


def test_jax_docstring_values():
    """Values printed in JAX's own docstrings (recorded from real JAX)."""
    x = jnp.array([[1, 3, 4, 2], [5, 2, 6, 3], [8, 1, 2, 9]])
    assert repr(jnp.mean(x)) == "Array(3.8333335, dtype=float32)"  # sum * (1/12)
    np.testing.assert_array_equal(jnp.mean(x, axis=1), np.float32([2.5, 4.0, 5.0]))
    w = jnp.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(jnp.mean(x, axis=1, keepdims=True, where=w),
                                  np.float32([[2.5], [2.5], [6.0]]))
    assert repr(jnp.sum(x)) == "Array(46, dtype=int32)"
    x = jnp.array([[1, 3, 4, 2], [5, 2, 6, 3], [8, 4, 2, 9]])
    np.testing.assert_array_equal(jnp.var(x, axis=1), np.float32([1.25, 2.5, 8.1875]))
    assert f"{float(jnp.var(x)):.2f}" == "5.74"
    x = jnp.array([[1, 3, 4, 2], [4, 2, 5, 3], [5, 4, 2, 3]])
    w = jnp.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 1, 0]], dtype=bool)
    np.testing.assert_array_equal(jnp.std(x, axis=0, keepdims=True, where=w),
                                  np.float32([[2.0, 1.0, 1.0, 0.0]]))
    nan = np.nan
    x = jnp.array([[2, nan, 4, 3], [nan, -2, nan, 9], [4, -7, 6, nan]])
    assert repr(jnp.nanmean(x)) == "Array(2.375, dtype=float32)"
    x = jnp.array([[1, nan, 4, 3], [nan, 2, nan, 9], [4, 8, 6, nan]])
    assert repr(jnp.nanvar(x)) == "Array(6.984375, dtype=float32)"
    w = jnp.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(jnp.nanvar(x, axis=1, keepdims=True, where=w),
                                  np.float32([[2.25], [0.0], [4.0]]))
    x = jnp.array([[3, nan, 4, 5], [nan, 2, nan, 7], [2, 1, 6, nan]])
    assert repr(jnp.nanstd(x)) == "Array(1.9843135, dtype=float32)"
    x = jnp.array([[1, 3, 5, 2], [4, 6, 8, 1], [7, 9, 3, 4]])
    assert repr(jnp.ptp(x)) == "Array(8, dtype=int32)"
    x = jnp.array([[1., 2., nan], [4., nan, 6.]])
    np.testing.assert_array_equal(jnp.nancumprod(x), np.float32([1, 2, 2, 8, 8, 48]))
    x = jnp.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(jnp.cumulative_prod(x, axis=1, include_initial=True),
                                  [[1, 1, 2, 6], [1, 4, 20, 120]])

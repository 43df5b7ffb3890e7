"""vmap and the transformations built on it: jacfwd, jacrev, hessian, and lax.map."""
from __future__ import annotations

import functools

import numpy as np

from pyjax._src import core
from pyjax._src import dtypes
from pyjax._src import tree as tree_util
from pyjax._src.ad_api import _check_argnums, _check_input_dtype, _to_jax, jvp, vjp
from pyjax._src.array import ArrayImpl
from pyjax._src.core import set_current_trace
from pyjax._src.interpreters import batching
from pyjax._src.interpreters.batching import BatchTrace, BatchTracer, not_mapped


_IN_AXES_TYPE_ERROR = ("vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                       "the positional arguments passed to the function, but got {}.")


def _flatten_axes(what, treedef, axis_tree, kws=False):
    """One axis (or None) per leaf of ``treedef``; ``axis_tree`` is a tree prefix of it, whose
    entries (None included) cover whole subtrees. JAX's ``flatten_axes``."""
    # The common cases: one axis for everything, or for every positional leaf (kwargs: 0).
    if axis_tree is None or type(axis_tree) is int:
        return [axis_tree] * treedef.num_leaves
    if kws:
        args_def = tree_util.treedef_children(treedef)[0]
        n_kw = treedef.num_leaves - args_def.num_leaves
        if axis_tree[0] is None or type(axis_tree[0]) is int:
            return [axis_tree[0]] * args_def.num_leaves + [axis_tree[1]] * n_kw
        children = tree_util.treedef_children(args_def)
        if type(axis_tree[0]) is tuple and len(axis_tree[0]) == len(children) and all(
                a is None or type(a) is int for a in axis_tree[0]):
            out = []
            for a, child in zip(axis_tree[0], children):
                out.extend([a] * child.num_leaves)
            return out + [axis_tree[1]] * n_kw
    proxy = object()
    dummy = tree_util.tree_unflatten(treedef, [object()] * treedef.num_leaves)
    axes = []

    def add(axis, subtree):
        axes.extend([axis] * len(tree_util.tree_leaves(subtree)))

    proxied = tree_util.tree_map(lambda a: proxy if a is None else a, axis_tree,
                                 is_leaf=lambda a: a is None)
    try:
        tree_util.tree_map(add, proxied, dummy)
    except ValueError:
        if kws:  # (args, kwargs): the message is about the positional arguments only
            treedef = tree_util.treedef_children(treedef)[0]
            axis_tree = axis_tree[0]
        raise ValueError(f"{what} specification must be a tree prefix of the corresponding "
                         f"value, got specification {axis_tree} for value tree "
                         f"{treedef}.") from None
    assert len(axes) == treedef.num_leaves
    return [None if a is proxy else a for a in axes]


def _check_axes_leaves(what, axes):
    leaves = tree_util.tree_leaves(axes, is_leaf=lambda a: a is None)
    if not all(a is None or type(a) is int for a in leaves):
        raise TypeError(f"vmap {what} must be an int, None, or (nested) container with those "
                        f"types as leaves, but got {axes}.")


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorise ``fun`` over a new axis of its arguments.

    Args:
      fun: the function to map; it sees one slice of each mapped argument.
      in_axes: the axis of each argument to map over: an int, None (not mapped), or a tuple
        with one entry per positional argument, each a tree prefix of that argument (dicts,
        lists and tuples of ints/None). Keyword arguments are always mapped over axis 0.
      out_axes: where the mapped axis goes in each output (a tree prefix of the outputs); None
        only for outputs that do not depend on the mapped axis.
      axis_name: a name for the mapped axis, for collectives such as ``lax.psum``.
      axis_size: the size of the mapped axis, needed when no argument is mapped.
      spmd_axis_name: accepted for compatibility; unused with one device.

    Returns:
      The vectorised function.

    Example:
        >>> vmap(lambda x, y: x @ y, in_axes=(0, None))(jnp.ones((3, 2)), jnp.ones(2))
        Array([2., 2., 2.], dtype=float32)
    """
    if not callable(fun):
        raise TypeError(f"vmap requires a callable argument, got {fun}")
    if isinstance(in_axes, list):
        # As JAX: lists and tuples of per-argument axes are interchangeable here.
        in_axes = tuple(in_axes)
    if not (in_axes is None or type(in_axes) in (int, tuple)):
        raise TypeError(_IN_AXES_TYPE_ERROR.format(in_axes))
    _check_axes_leaves("in_axes", in_axes)
    _check_axes_leaves("out_axes", out_axes)

    @functools.wraps(fun)
    def vmap_f(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError("vmap in_axes must be an int, None, or a tuple of entries "
                             "corresponding to the positional arguments passed to the function, "
                             f"but got len(in_axes)={len(in_axes)}, len(args)={len(args)}")
        leaves, in_tree = tree_util.tree_flatten((args, kwargs))
        axes = _flatten_axes("vmap in_axes", in_tree, (in_axes, 0), kws=True)
        if not leaves and axis_size is None:
            raise ValueError("vmap wrapped function must be passed at least one argument "
                             "containing an array or axis_size must be specified, got empty "
                             f"*args={args} and **kwargs={kwargs}")
        leaves = [_to_jax(x) if a is not None else x for x, a in zip(leaves, axes)]
        sizes, canon_axes = [], []
        for i, (x, a) in enumerate(zip(leaves, axes)):
            if a is None:
                canon_axes.append(None)
                continue
            aval = core.get_aval(x)
            shape = aval.shape
            if not -len(shape) <= a < len(shape):
                raise ValueError(f"vmap was requested to map its argument along axis {a}, which "
                                 "implies that its rank should be at least "
                                 f"{a + 1 if a >= 0 else -a}, but is only {len(shape)} (its "
                                 f"shape is {shape})")
            canon_axes.append(a % len(shape))
            sizes.append((shape[a], a, i, aval))
        size = axis_size
        if sizes:
            distinct = {s for s, *_ in sizes}
            if len(distinct) > 1 or (axis_size is not None and distinct != {axis_size}):
                paths = [p for p, _ in tree_util.tree_flatten_with_path((args, kwargs))[0]]
                sizes = [(s, a, paths[i], aval) for s, a, i, aval in sizes]
                raise ValueError(_size_error(fun, sizes, args, kwargs))
            size = sizes[0][0]
        elif size is None:
            raise ValueError("vmap must have at least one non-None value in in_axes")
        trace = BatchTrace(core.current_trace(), size, axis_name)
        ins = [BatchTracer(trace, x, a) if a is not None else x
               for x, a in zip(leaves, canon_axes)]
        try:
            with set_current_trace(trace), batching.extend_axis_env(axis_name, size):
                a_in, k_in = tree_util.tree_unflatten(in_tree, ins)
                out = fun(*a_in, **k_in)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            flat_out_axes = _flatten_axes("vmap out_axes", out_tree, out_axes)
            infos = [trace.to_batch_info(o) for o in out_leaves]
            for i, ((_, dim), oa) in enumerate(zip(infos, flat_out_axes)):
                if oa is None and dim is not not_mapped:
                    raise _mapped_output_error(axis_name, out_tree, flat_out_axes, i, dim)
            with set_current_trace(trace.parent):
                results = [_finish_output(val, dim, oa, size)
                           for (val, dim), oa in zip(infos, flat_out_axes)]
        finally:
            trace.invalidate()
        return tree_util.tree_unflatten(out_tree, results)

    return vmap_f


def _mapped_output_error(axis_name, out_tree, flat_out_axes, i, dim):
    if axis_name is not None:
        return ValueError(f"vmap has mapped output (axis_name={axis_name}) but out_axes is None")
    full = tree_util.tree_unflatten(out_tree, flat_out_axes)
    paths = [p for p, _ in tree_util.tree_flatten_with_path(full, is_leaf=lambda x: x is None)[0]]
    return ValueError(f"at vmap out_axes{tree_util.keystr(tuple(paths[i]))}, got axis spec None "
                      f"but output was batched on axis {dim}")


def _finish_output(val, dim, out_axis, size):
    if out_axis is None:
        return val
    val = _to_jax(val)
    ndim = len(core.get_aval(val).shape) + (dim is not_mapped)
    if not -ndim <= out_axis < ndim:
        raise ValueError(f"axis {out_axis} is out of bounds for array of dimension {ndim}")
    out_axis %= ndim
    if dim is not_mapped:
        return batching.broadcast(val, size, out_axis)
    return batching.moveaxis(val, dim, out_axis)


def _size_error(fun, sizes, args, kwargs):
    """JAX's message for mapped axes of different sizes; ``sizes`` holds (size, axis as given,
    key path in (args, kwargs), aval) per mapped leaf, in argument order."""
    from collections import Counter
    counts = Counter(s for s, *_ in sizes).most_common()
    names = _parameter_names(fun, args, kwargs)
    lines = []
    for k, (size, n) in enumerate(counts):
        _, axis, path, aval = next(x for x in sizes if x[0] == size)
        where = (f"axis {axis} of {_argument_name(path, names)} of type "
                 f"{aval.str_short(short_dtypes=False)}")
        if n == 1:
            lines.append(f"  * one axis had size {size}: {where}")
        else:
            quantity = "most axes" if k == 0 else "some axes"
            lines.append(f"  * {quantity} ({n} of them) had size {size}, e.g. {where}")
    return ("vmap got inconsistent sizes for array axes to be mapped:\n"
            + ";\n".join(lines))


def _parameter_names(fun, args, kwargs):
    """The names of ``fun``'s parameters if the call binds to its signature, else None."""
    import inspect
    try:
        return list(inspect.signature(fun).bind(*args, **kwargs).signature.parameters)
    except (TypeError, ValueError):
        return None


def _argument_name(path, names):
    """JAX's name for a leaf of (args, kwargs): 'argument x', "argument d['a']", "kwargs['b']",
    or 'args[0]' when the call does not bind to the signature."""
    top, first, *rest = path
    if top.idx == 1:
        return "kwargs" + tree_util.keystr((first, *rest))
    if names is None or first.idx >= len(names):  # (JAX fails on the latter: *args)
        return "args" + tree_util.keystr((first, *rest))
    return f"argument {names[first.idx]}" + tree_util.keystr(tuple(rest))


# ----------------------------------------------------------------------------------------------
# lax.map


def map(f, xs, *, batch_size=None):  # noqa: A001 (lax.map's name)
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked (lax.map).

    Unlike JAX's, which loops with ``scan``, the slices are computed at once with ``vmap``, or
    ``batch_size`` slices at a time (the remainder last), which bounds the memory used.

    Args:
      f: a function of one slice of ``xs`` (a pytree like ``xs``).
      xs: a pytree of arrays sharing their leading dimension.
      batch_size: if given, how many slices to compute at once.

    Returns:
      The pytree of ``f``'s outputs, each with the leading dimension of ``xs``.

    Example:
        >>> map(lambda x: x * 2, jnp.arange(3.))
        Array([0., 2., 4.], dtype=float32)
    """
    from pyjax._src.primitives import joining
    from pyjax._src.primitives import structural
    leaves, treedef = tree_util.tree_flatten(xs)
    leaves = [_to_jax(x) for x in leaves]
    lengths = {core.get_aval(x).shape[0] if core.get_aval(x).shape else None for x in leaves}
    if None in lengths or len(lengths) > 1:
        shapes = [core.get_aval(x).shape for x in leaves]
        raise ValueError("scan got values with different leading axis sizes: "
                         + ", ".join(str(s[0]) if s else "()" for s in shapes) + ".")
    g = vmap(lambda *slices: f(tree_util.tree_unflatten(treedef, slices)))
    if batch_size is None or not leaves:
        return g(*leaves)
    batch_size = int(batch_size)
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    length = lengths.pop()
    chunks = [g(*[structural.slice_in_dim(x, start, min(start + batch_size, length))
                  for x in leaves])
              for start in range(0, length, batch_size)]
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:  # an empty leading axis: f still defines the output structure
        return g(*leaves)
    return tree_util.tree_map(lambda *parts: joining.concatenate(parts, 0), *chunks)


# ----------------------------------------------------------------------------------------------
# Jacobians


def _std_basis(leaves):
    """Identity matrix rows for a list of leaves: (total size,) + leaf shape per leaf."""
    sizes = [int(np.prod(core.get_aval(x).shape, dtype=np.int64)) for x in leaves]
    total = sum(sizes)
    out, start = [], 0
    for x, n in zip(leaves, sizes):
        aval = core.get_aval(x)
        eye = np.zeros((total, n), aval.dtype)
        eye[start:start + n] = np.eye(n, dtype=aval.dtype)
        out.append(ArrayImpl(eye.reshape((total,) + aval.shape), aval.weak_type))
        start += n
    return out, sizes


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian of ``fun`` by forward mode (vmapped jvp over the input basis)."""
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        dyn = tuple(args[i] for i in nums)
        for leaf in tree_util.tree_leaves(dyn):
            _check_input_dtype(_to_jax(leaf), holomorphic, False, "jacfwd")

        def partial_fun(*dyn_args):
            full = list(args)
            for i, a in zip(nums, dyn_args):
                full[i] = a
            return fun(*full, **kwargs)

        in_leaves, in_tree = tree_util.tree_flatten(dyn)
        in_leaves = [_to_jax(x) for x in in_leaves]
        basis, sizes = _std_basis(in_leaves)

        def push(*tangent_leaves):
            tangents = tree_util.tree_unflatten(in_tree, tangent_leaves)
            return jvp(partial_fun, tree_util.tree_unflatten(in_tree, in_leaves), tangents,
                       has_aux=has_aux)

        if has_aux:
            y, t_out, aux = vmap(push, out_axes=(None, -1, None))(*basis)
        else:
            y, t_out = vmap(push, out_axes=(None, -1))(*basis)
        # As JAX, each block takes its output's dtype and weak type.
        jac = tree_util.tree_map(
            lambda t, y: _split_last(_possible_downcast(t, y), sizes, in_leaves, in_tree,
                                     argnums), t_out, y)
        return (jac, aux) if has_aux else jac
    return jacfun


def _possible_downcast(x, example):
    """``x`` with ``example``'s dtype and weak type (its real part if only ``x`` is complex)."""
    from pyjax._src import lax
    from pyjax._src.primitives import elementwise as ew
    aval, ex = core.get_aval(x), core.get_aval(_to_jax(example))
    if aval.dtype == dtypes.float0:  # the cotangent of an integer input (allow_int)
        return x
    if aval.dtype.kind == "c" and ex.dtype.kind != "c":
        x = ew.real_p.bind(x)
    return lax._convert(x, ex.dtype, ex.weak_type)


def _split_last(t, sizes, in_leaves, in_tree, argnums):
    """Split the trailing basis axis of ``t`` into one block per input leaf."""
    from pyjax._src.primitives import structural
    out_shape = core.get_aval(t).shape[:-1]
    parts, start = [], 0
    for x, n in zip(in_leaves, sizes):
        piece = structural.slice_in_dim(t, start, start + n, axis=len(out_shape))
        parts.append(structural.reshape(piece, out_shape + core.get_aval(x).shape))
        start += n
    tree = tree_util.tree_unflatten(in_tree, parts)
    return tree[0] if isinstance(argnums, int) else tree


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian of ``fun`` by reverse mode (vmapped vjp over the output basis)."""
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        dyn = tuple(args[i] for i in nums)
        for leaf in tree_util.tree_leaves(dyn):
            _check_input_dtype(_to_jax(leaf), holomorphic, allow_int, "jacrev")

        def partial_fun(*dyn_args):
            full = list(args)
            for i, a in zip(nums, dyn_args):
                full[i] = a
            return fun(*full, **kwargs)

        if has_aux:
            y, pullback, aux = vjp(partial_fun, *dyn, has_aux=True)
        else:
            y, pullback = vjp(partial_fun, *dyn)
        out_leaves, out_tree = tree_util.tree_flatten(y)
        basis, sizes = _std_basis([_to_jax(o) for o in out_leaves])
        cts = vmap(lambda *b: pullback(tree_util.tree_unflatten(out_tree, b)))(*basis)
        # cts: tuple over dyn args, each a tree whose leaves have a leading basis axis; as JAX,
        # each block takes its input's dtype and weak type.
        cts = tree_util.tree_map(_possible_downcast, cts, dyn)
        from pyjax._src.primitives import structural
        per_out = []
        start = 0
        for o, n in zip(out_leaves, sizes):
            o_shape = core.get_aval(_to_jax(o)).shape
            piece = tree_util.tree_map(
                lambda c: structural.reshape(
                    structural.slice_in_dim(c, start, start + n, axis=0),
                    o_shape + core.get_aval(c).shape[1:]), cts)
            piece = piece[0] if isinstance(argnums, int) else tuple(piece)
            per_out.append(piece)
            start += n
        jac = tree_util.tree_unflatten(out_tree, per_out)
        return (jac, aux) if has_aux else jac
    return jacfun


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of ``fun``: jacfwd of jacrev."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)

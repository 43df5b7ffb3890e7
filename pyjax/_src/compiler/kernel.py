"""Kernel IR: the program of one fused kernel, built by running codegen rules.

A fused group of equations (fusion.py) becomes a ``KernelIR``: an iteration shape, a list of
SSA operations on one element of that space (recorded by running each primitive's codegen rule
against ``Recorder``, an implementation of codegen_interface.KernelBuilder), the external
buffers it loads through strided accesses, the values it stores, and the reductions it ends
with. The IR is independent of jaxpr variables, so its text is the kernel's cache key. The LLVM
emitter (llvm/emit.py) lowers it after ``layout`` has collapsed the iteration space.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import codegen_interface
from pyjax._src import dtypes

BOOL = np.dtype(np.bool_)
I64 = np.dtype(np.int64)
U64 = np.dtype(np.uint64)
KERNEL_DTYPES = frozenset(map(np.dtype, [
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float32, np.float64])) | codegen_interface.NARROW_FLOATS


def kernel_dtype(dtype):
    """The dtype a value of ``dtype`` has inside kernels (keys are loaded as uint64), or None."""
    dtype = np.dtype(dtype)
    if dtype in KERNEL_DTYPES:
        return dtype
    if dtypes.is_key_dtype(dtype) and dtype.itemsize == 8:
        return U64
    return None


def const_bits(value, dtype):
    """A hashable, NaN-safe encoding of a constant: its bits as a Python int."""
    arr = np.asarray(value).astype(dtype) if np.asarray(value).dtype != dtype else \
        np.asarray(value)
    return int.from_bytes(arr.tobytes(), "little")


def bits_value(bits, dtype):
    """The Python value of a constant encoded by const_bits."""
    raw = int(bits).to_bytes(dtype.itemsize, "little")
    return np.frombuffer(raw, dtype)[0].item()


class KValue:
    """A value of a kernel being recorded: an op index and a dtype."""

    __slots__ = ("id", "dtype")

    def __init__(self, id, dtype):
        self.id, self.dtype = id, dtype

    def __repr__(self):
        return f"%{self.id}:{self.dtype}"


class KernelIR:
    """The program of one kernel (see the module docstring)."""

    def __init__(self, shape):
        self.shape = tuple(shape)
        self.ops = []          # (kind, args (op ids), attrs (tuple), dtype)
        self.inputs = []       # kernel dtype of each input buffer
        self.accesses = []     # strides (in elements) over the iteration dims
        self.access_offsets = []  # and the element offset of each access at index 0
        self.outputs = []      # op id of each elementwise output (contiguous over shape)
        self.reductions = []   # Reduction
        self._memo = {}
        self._access_ids = {}

    def add(self, kind, args, attrs, dtype):
        key = (kind, args, attrs, dtype)
        i = self._memo.get(key)
        if i is None:
            i = self._memo[key] = len(self.ops)
            self.ops.append(key)
        return KValue(i, dtype)

    def access(self, strides, offset=0):
        strides = tuple(int(s) for s in strides)
        key = (strides, int(offset))
        i = self._access_ids.get(key)
        if i is None:
            i = self._access_ids[key] = len(self.accesses)
            self.accesses.append(strides)
            self.access_offsets.append(int(offset))
        return i

    def text(self):
        """A canonical description (the cache key) of the kernel."""
        lines = [f"shape {self.shape}", f"inputs {[d.str for d in self.inputs]}",
                 f"accesses {self.accesses} at {self.access_offsets}"]
        for i, (kind, args, attrs, dtype) in enumerate(self.ops):
            lines.append(f"%{i} = {kind}{list(attrs)} {list(args)} : {dtype.str}")
        lines.append(f"outputs {self.outputs}")
        for r in self.reductions:
            lines.append(f"reduce {r.kind} %{r.value} axes={r.axes} -> {r.dtype.str}"
                         + (f" index {r.index_dtype.str}" if r.index_dtype is not None else ""))
        return "\n".join(lines)


def kernel_work(kir):
    """A kernel's work per call, in element-operations (it decides threading and how hard
    LLVM works on the kernel); an inlined math function counts as MATH_COST operations."""
    ops = sum(codegen_interface.MATH_COST if kind == "math" and
              attrs[0] not in codegen_interface.CHEAP_MATH else 1
              for kind, _, attrs, _ in kir.ops)
    return math.prod(kir.shape) * max(1, ops)


class Reduction:
    __slots__ = ("kind", "value", "axes", "dtype", "index_dtype")

    def __init__(self, kind, value, axes, dtype, index_dtype=None):
        self.kind, self.value, self.axes = kind, value, tuple(sorted(axes))
        self.dtype, self.index_dtype = dtype, index_dtype


class Recorder(codegen_interface.KernelBuilder):
    """Records codegen rules' operations into a KernelIR (with hash-consing, so equal
    subexpressions are computed once)."""

    def __init__(self, kir):
        self.kir = kir
        self.index_map = None    # iteration dim (or None) of each output dim of the rule
        self.out_shape = None    # the output shape of the equation whose rule is running

    # -- values -----------------------------------------------------------------------------
    def const(self, value, dtype):
        dtype = np.dtype(dtype)
        return self.kir.add("const", (), (const_bits(value, dtype),), dtype)

    def coordinate(self, dim):
        strides = [0] * len(self.kir.shape)
        it, step, offset = codegen_interface.entry_parts(self.index_map[dim])
        if it is not None:
            strides[it] = step
        return self.kir.add("index", (), (self.kir.access(strides, offset),), I64)

    def linear_index(self, start_dim=0):
        strides = [0] * len(self.kir.shape)
        size, offset = 1, 0
        for d in range(len(self.out_shape) - 1, start_dim - 1, -1):
            it, step, off = codegen_interface.entry_parts(self.index_map[d])
            if it is not None:
                strides[it] += step * size
            offset += off * size
            size *= self.out_shape[d]
        v = self.kir.add("index", (), (self.kir.access(strides, offset),), I64)
        return self.kir.add("bitcast", (v.id,), (), U64)

    def load(self, input_index, strides, dtype, offset=0):
        return self.kir.add("load", (), (input_index, self.kir.access(strides, offset)), dtype)

    # -- operations -------------------------------------------------------------------------
    def _same(self, op, *xs):
        d = xs[0].dtype
        for x in xs[1:]:
            if x.dtype != d:
                raise TypeError(f"kernel op {op}: operands of dtypes "
                                f"{[str(x.dtype) for x in xs]}")
        return d

    def unary(self, op, x):
        return self.kir.add("unary", (x.id,), (op,), x.dtype)

    def binary(self, op, x, y):
        d = self._same(op, x, y)
        return self.kir.add("binary", (x.id, y.id), (op,), d)

    def rotate_left(self, x, amount):
        return self.kir.add("rotl", (x.id,), (int(amount),), x.dtype)

    def compare(self, op, x, y):
        if op not in codegen_interface.COMPARISONS:
            raise ValueError(op)
        self._same(op, x, y)
        return self.kir.add("compare", (x.id, y.id), (op,), BOOL)

    def select(self, pred, on_true, on_false):
        if pred.dtype != BOOL:
            raise TypeError("select predicate must be bool")
        d = self._same("select", on_true, on_false)
        return self.kir.add("select", (pred.id, on_true.id, on_false.id), (), d)

    def convert(self, x, dtype):
        dtype = np.dtype(dtype)
        if dtype not in KERNEL_DTYPES:
            raise NotImplementedError(f"kernels do not hold {dtype}")
        if dtype == x.dtype:
            return x
        return self.kir.add("convert", (x.id,), (), dtype)

    def bitcast(self, x, dtype):
        dtype = np.dtype(dtype)
        if dtype.itemsize != x.dtype.itemsize or BOOL in (dtype, x.dtype) or \
                dtype not in KERNEL_DTYPES:
            raise NotImplementedError("bitcast between different widths")
        if dtype == x.dtype:
            return x
        return self.kir.add("bitcast", (x.id,), (), dtype)

    def math(self, name, *args):
        if codegen_interface.MATH_FUNCTIONS.get(name) != len(args):
            raise ValueError(f"unknown math function {name}/{len(args)}")
        d = self._same(name, *args)
        if name in ("popcount", "clz"):
            if d.kind not in "iu":
                raise TypeError(f"{name} needs an integer operand")
        elif not codegen_interface.is_float(d):
            raise TypeError(f"{name} needs a float operand, got {d}")
        out = BOOL if name == "is_finite" else d
        return self.kir.add("math", tuple(a.id for a in args), (name,), out)


# ----------------------------------------------------------------------------------------------
# Layout: the collapsed loop nest of a kernel


class Layout:
    """The loop nest of a kernel: its iteration space with size-1 dims dropped and adjacent
    dims merged where every access allows it (so the innermost loop is long and contiguous).

    dims: extents (at least one); reduced: whether each dim is reduced; access_strides: the
    strides of every access over ``dims``; out_strides: contiguous strides of the elementwise
    outputs; red_strides: strides of reduction outputs (0 on reduced dims).
    """

    def __init__(self, kir):
        shape = kir.shape
        red_axes = set()
        for r in kir.reductions:
            red_axes.update(r.axes)
        keep = [i for i, d in enumerate(shape) if d != 1]
        dims = [shape[i] for i in keep]
        reduced = [i in red_axes for i in keep]
        accesses = [[a[i] for i in keep] for a in kir.accesses]
        # Merge dim i into dim i-1 when strides agree for every access and for the outputs.
        i = len(dims) - 1
        while i > 0:
            ok = reduced[i] == reduced[i - 1] and all(
                a[i - 1] == a[i] * dims[i] for a in accesses)
            if ok:
                for a in accesses:
                    del a[i - 1]
                dims[i - 1:i + 1] = [dims[i - 1] * dims[i]]
                reduced[i - 1:i + 1] = [reduced[i]]
            i -= 1
        if not dims:
            dims, reduced, accesses = [1], [False], [[0] for _ in accesses]
        self.dims = dims
        self.reduced = reduced
        self.access_strides = [tuple(a) for a in accesses]
        self.access_offsets = list(kir.access_offsets)
        self.out_strides = _contiguous(dims)
        kept = [d if not r else 1 for d, r in zip(dims, reduced)]
        cs = _contiguous(kept)
        self.red_strides = tuple(0 if r else s for s, r in zip(cs, reduced))
        self.red_size = math.prod(d for d, r in zip(dims, reduced) if not r)
        self.size = math.prod(dims)


def _contiguous(dims):
    strides, step = [], 1
    for d in reversed(dims):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


def contiguous_strides(shape):
    return _contiguous(list(shape))


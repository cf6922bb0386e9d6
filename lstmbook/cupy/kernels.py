"""Fused GPU kernels for one LSTM time step, generated from one table of formulas.

The unfused step (:mod:`lstmbook.numpy.functional`) launches a dozen small kernels per
time step, each reading and writing whole state-sized arrays in GPU memory. Here the
elementwise work of a step is *one* kernel each way, in the spirit of Chainer's
``chainer/functions/activation/lstm.py``: one thread per element of the state, reading
that element's four pre-activations, writing its four gate values back, and c, tanh(c), h.

The maths is written once, as a table of formulas in a tiny expression language (names,
numbers, ``+ - *``, ``tanh`` and the helper ``sigmoid``)::

    FORWARD                                   BACKWARD
    i      = sigmoid(a_i)                     dc_total = dc + dh * o * (1 - tanh_c * tanh_c)
    f      = sigmoid(a_f)                     da_i     = dc_total * g * i * (1 - i)
    g      = tanh(a_g)                        da_f     = dc_total * c_prev * f * (1 - f)
    o      = sigmoid(a_o)                     da_g     = dc_total * i * (1 - g * g)
    c      = f * c_prev + i * g               da_o     = dh * tanh_c * o * (1 - o)
    tanh_c = tanh(c)                          dc_prev  = dc_total * f
    h      = o * tanh_c

    sigmoid(x) = tanh(x * 0.5) * 0.5 + 0.5    (as lstmbook.numpy.functional.sigmoid)

and the table is read two ways:

* :func:`cuda_source` translates it to the CUDA C body of a ``cupy.ElementwiseKernel``
  (compiled on the GPU by :func:`lstm_step_forward_` / :func:`lstm_step_backward_`);
* :func:`reference_step_forward_` / :func:`reference_step_backward_` evaluate the *same*
  parsed formulas with NumPy (or any ``xp``), so the maths of the kernels is tested on the
  CPU, without CuPy.

Layout: the contract of the step hooks of :mod:`lstmbook.numpy.lstm`. The states (c_prev,
c, tanh_c, h, dh, dc) all have one shape ``S`` -- (H, B) inside ``LSTM``, (B, H) in
``LSTMCell``; the kernel does not care which -- and ``N = prod(S)`` elements. The gate
buffers are *gate-major* and C-contiguous, (4, *S) in PyTorch's order i, f, g, o: four
state-shaped blocks one after another, so gate k of the state element with C-order flat
index ``e`` sits at flat index ``k*N + e``. The kernel's loop index ``i`` runs over the N
elements of ``S`` in C order:

* the state arrays are ordinary (non-raw) ``ElementwiseKernel`` arguments, which CuPy
  addresses through each array's own shape and strides: they may be strided views (in
  ``LSTM``, ``h`` is a column of the (H, T+1, B) history buffer);
* the gate buffers are ``raw`` arguments, indexed by hand as ``gates[k * N + i]``.
  The launch wrappers require them to be C-contiguous (4, *S) and raise ``ValueError``
  otherwise: then ``k * N + i`` *is* the memory offset of the entry, the same number the
  C code, the NumPy evaluator and the CPU test harness use. (CuPy itself would unravel a
  flat index into a non-contiguous raw array's own shape and strides, so even that would
  address the right entries; the check keeps every path on the one, fast, layout.)

(Chainer's kernel interleaves the gates, ``[b, 4*j + k]``: a different layout, not used
here.)

Nothing here imports CuPy at import time; only the two GPU functions do, on first call.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "FUNCTIONS",
    "FORWARD",
    "BACKWARD",
    "StepKernel",
    "KernelSource",
    "cuda_source",
    "check_step_arrays",
    "evaluate_step_",
    "reference_step_forward_",
    "reference_step_backward_",
    "elementwise_kernel",
    "lstm_step_forward_",
    "lstm_step_backward_",
]

Array = Any  # numpy.ndarray or cupy.ndarray

# ======================================================================== the formulas
#: Helper functions of the expression language: name -> (parameters, body). They become
#: ``template <typename T> __device__ T lstmbook_<name>(...)`` in the CUDA preamble.
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "sigmoid": (("x",), "tanh(x * 0.5) * 0.5 + 0.5"),
}

#: Forward of one step, per state element. ``a_*`` are the pre-activations.
FORWARD_MATHS: tuple[tuple[str, str], ...] = (
    ("i", "sigmoid(a_i)"),
    ("f", "sigmoid(a_f)"),
    ("g", "tanh(a_g)"),
    ("o", "sigmoid(a_o)"),
    ("c", "f * c_prev + i * g"),
    ("tanh_c", "tanh(c)"),
    ("h", "o * tanh_c"),
)

#: Backward of one step, per state element: from dh, dc (and the forward's values) to
#: the pre-activation gradients and dc_prev = ∂L/∂c_{t-1}.
BACKWARD_MATHS: tuple[tuple[str, str], ...] = (
    ("dc_total", "dc + dh * o * (1 - tanh_c * tanh_c)"),
    ("da_i", "dc_total * g * i * (1 - i)"),
    ("da_f", "dc_total * c_prev * f * (1 - f)"),
    ("da_g", "dc_total * i * (1 - g * g)"),
    ("da_o", "dh * tanh_c * o * (1 - o)"),
    ("dc_prev", "dc_total * f"),
)


# ================================================================ the expression language
_BINOPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
}
_PRIMITIVES = ("tanh",)  # functions every backend has: C's tanh, xp.tanh


@functools.cache
def _parse(expr: str) -> ast.expr:
    """Parse a formula; refuse anything outside ``names, numbers, + - *, f(x)``."""
    node = ast.parse(expr, mode="eval").body
    for sub in ast.walk(node):
        ok = isinstance(sub, (ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.USub, ast.Call))
        ok = ok or type(sub) in _BINOPS
        if isinstance(sub, ast.Constant):
            ok = type(sub.value) in (int, float)
        if isinstance(sub, ast.UnaryOp):
            ok = isinstance(sub.op, ast.USub)
        if isinstance(sub, ast.BinOp):
            ok = type(sub.op) in _BINOPS
        if isinstance(sub, ast.Call):
            fn = sub.func.id if isinstance(sub.func, ast.Name) else None
            arity = 1 if fn in _PRIMITIVES else len(FUNCTIONS.get(fn, ((), ""))[0])
            ok = fn is not None and arity > 0 and len(sub.args) == arity and not sub.keywords
        if not ok:
            raise ValueError(f"formula {expr!r}: {ast.dump(sub)} is not allowed")
    return node


def _names_used(expr: str) -> set[str]:
    return {
        n.id
        for n in ast.walk(_parse(expr))
        if isinstance(n, ast.Name) and n.id not in _PRIMITIVES and n.id not in FUNCTIONS
    }


def _evaluate(node: ast.expr, env: Mapping[str, Any], xp: ModuleType) -> Any:
    """Value of a parsed formula; names from ``env``, ``tanh`` is ``xp.tanh``.

    Numbers stay Python scalars, so they do not change the arrays' dtype
    (float32 stays float32), as ``T(0.5)`` keeps it in the C version.
    """
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        return -_evaluate(node.operand, env, xp)
    if isinstance(node, ast.BinOp):
        fn = _BINOPS[type(node.op)][1]
        return fn(_evaluate(node.left, env, xp), _evaluate(node.right, env, xp))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_evaluate(a, env, xp) for a in node.args]
    if node.func.id == "tanh":
        return xp.tanh(*args)
    params, body = FUNCTIONS[node.func.id]
    return _evaluate(_parse(body), dict(zip(params, args, strict=True)), xp)


def _to_c(node: ast.expr, name: Callable[[str], str]) -> str:
    """CUDA C for a parsed formula, fully parenthesised; numbers become ``T(number)``."""
    if isinstance(node, ast.Name):
        return name(node.id)
    if isinstance(node, ast.Constant):
        return f"T({node.value!r})"
    if isinstance(node, ast.UnaryOp):
        return f"(-{_to_c(node.operand, name)})"
    if isinstance(node, ast.BinOp):
        op = _BINOPS[type(node.op)][0]
        return f"({_to_c(node.left, name)} {op} {_to_c(node.right, name)})"
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn = node.func.id if node.func.id in _PRIMITIVES else f"lstmbook_{node.func.id}"
    return f"{fn}({', '.join(_to_c(a, name) for a in node.args)})"


# ========================================================================= kernel specs
Gates = tuple[str, tuple[str, str, str, str]]  # (buffer name, value names for i, f, g, o)

#: Names the generated C code uses itself: CuPy reserves ``i`` (the loop index), ``n`` and
#: every name starting with ``_``; ``T`` is the dtype and ``N`` the gate stride.
_RESERVED = {"i", "n", "T", "N"}


@dataclass(frozen=True)
class StepKernel:
    """One fused elementwise kernel: what it reads, its formulas, what it writes.

    One thread per element of the state shape ``S``; ``N = prod(S)``.

    Attributes
    ----------
    name : str
        The CUDA kernel's name (shows in profilers).
    reads : tuple of str
        State arrays (shape ``S``) whose element is read, under the array's own name.
    gate_reads : (buffer, (n_i, n_f, n_g, n_o)) or None
        A gate-major (4, *S) buffer whose four gate entries of the element (flat indices
        ``k*N + i``, k = 0..3) are read as ``n_i`` .. ``n_o``.
    maths : tuple of (name, formula)
        Evaluated in order; each may use the names read and those defined before it.
    writes : tuple of (array, value name)
        State arrays (shape ``S``) whose element is set to a value. An array may be both
        read and written (read first).
    gate_writes : (buffer, (v_i, v_f, v_g, v_o))
        A gate-major (4, *S) buffer whose four gate entries of the element are set. May
        be the buffer of ``gate_reads`` (each thread reads its four entries before
        writing them, and no other thread touches them).
    """

    name: str
    reads: tuple[str, ...]
    gate_reads: Gates | None
    maths: tuple[tuple[str, str], ...]
    writes: tuple[tuple[str, str], ...]
    gate_writes: Gates

    def __post_init__(self) -> None:
        arrays = set(self.state_arrays) | set(self.gate_buffers)
        clash = arrays & (_RESERVED | set(FUNCTIONS) | set(_PRIMITIVES))
        clash |= {a for a in arrays if a.startswith("_")}
        if clash:
            raise ValueError(f"{self.name}: array names {sorted(clash)} are reserved")
        defined = set(self.reads) | set(self.gate_reads[1] if self.gate_reads else ())
        for target, expr in self.maths:
            undefined = _names_used(expr) - defined
            if undefined:
                raise ValueError(f"{self.name}: {target} = {expr} uses undefined {undefined}")
            defined.add(target)
        needed = {v for _, v in self.writes} | set(self.gate_writes[1])
        if needed - defined:
            raise ValueError(f"{self.name}: writes undefined values {needed - defined}")

    @property
    def state_arrays(self) -> tuple[str, ...]:
        """Names of the state-shaped (``S``) arrays, read or written, without repeats."""
        return tuple(dict.fromkeys([*self.reads, *(a for a, _ in self.writes)]))

    @property
    def gate_buffers(self) -> tuple[str, ...]:
        """Names of the gate-major (4, *S) buffers, read or written, without repeats."""
        names = [self.gate_reads[0]] if self.gate_reads is not None else []
        return tuple(dict.fromkeys([*names, self.gate_writes[0]]))

    # ------------------------------------------------------------- CuPy's parameter lists
    def parameters(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(in_params, out_params)``: CuPy declarations in the kernel's argument order.

        Read-only arrays are inputs (``const``); written ones, read or not, are outputs.
        The gate buffers are ``raw`` (indexed by hand); ``N`` = prod(S), the distance
        between two gate blocks, is an ``int64`` scalar (4N may exceed 2^31).
        """
        written = {a for a, _ in self.writes}
        ins = [f"T {r}" for r in self.reads if r not in written]
        if self.gate_reads is not None and self.gate_reads[0] != self.gate_writes[0]:
            ins.append(f"raw T {self.gate_reads[0]}")
        ins.append("int64 N")
        outs = [f"raw T {self.gate_writes[0]}"] + [f"T {a}" for a, _ in self.writes]
        return tuple(ins), tuple(outs)

    @property
    def argument_names(self) -> tuple[str, ...]:
        """Names of the kernel's arguments, in the order it is called with."""
        ins, outs = self.parameters()
        return tuple(p.split()[-1] for p in ins + outs)


#: The forward kernel: ``gates`` holds the pre-activations on entry, the gate values after.
FORWARD = StepKernel(
    name="lstmbook_lstm_step_forward",
    reads=("c_prev",),
    gate_reads=("gates", ("a_i", "a_f", "a_g", "a_o")),
    maths=FORWARD_MATHS,
    writes=(("c", "c"), ("tanh_c", "tanh_c"), ("h", "h")),
    gate_writes=("gates", ("i", "f", "g", "o")),
)

#: The backward kernel: ``dc`` is ∂L/∂c_t on entry, ∂L/∂c_{t-1} after.
BACKWARD = StepKernel(
    name="lstmbook_lstm_step_backward",
    reads=("dh", "dc", "c_prev", "tanh_c"),
    gate_reads=("gates", ("i", "f", "g", "o")),
    maths=BACKWARD_MATHS,
    writes=(("dc", "dc_prev"),),
    gate_writes=("dgates", ("da_i", "da_f", "da_g", "da_o")),
)


# ============================================================================ to CUDA C
@dataclass(frozen=True)
class KernelSource:
    """The four strings ``cupy.ElementwiseKernel(in_params, out_params, operation, name,
    preamble=preamble)`` takes."""

    in_params: str
    out_params: str
    operation: str
    name: str
    preamble: str


def _c_name(name: str) -> str:
    """C variable of a formula value: prefixed, so it never clashes with a parameter."""
    return f"v_{name}"


def _preamble() -> str:
    lines = []
    for fn, (params, body) in FUNCTIONS.items():
        args = ", ".join(f"const T {p}" for p in params)
        expr = _to_c(_parse(body), lambda n: n)
        lines += [
            "template <typename T>",
            f"__device__ __forceinline__ T lstmbook_{fn}({args}) {{",
            f"    return {expr};",
            "}",
        ]
    return "\n".join(lines) + "\n"


def _gate_index(k: int) -> str:
    """C expression for the flat index of gate ``k`` of element ``i`` in a (4, *S) buffer."""
    return f"{k} * N + i"


def cuda_source(spec: StepKernel) -> KernelSource:
    """Translate a :class:`StepKernel` into the strings of a ``cupy.ElementwiseKernel``.

    CuPy runs the body once per element of the state shape ``S``, with the loop index
    ``i`` running over its ``N`` elements in C order. The state parameters are references
    to element ``i`` of each array, through that array's own strides (CuPy's doing, so
    strided views are fine); the gate buffers are ``raw`` arrays, indexed by hand: gate k
    of element ``i`` is ``buffer[k * N + i]``, which is its offset in a C-contiguous
    (4, *S) buffer (the launch wrappers check that the buffers are).
    """
    ins, outs = spec.parameters()
    body = []
    for r in spec.reads:
        body.append(f"const T {_c_name(r)} = {r};")
    if spec.gate_reads is not None:
        buf, names = spec.gate_reads
        for k, n in enumerate(names):
            body.append(f"const T {_c_name(n)} = {buf}[{_gate_index(k)}];")
    for target, expr in spec.maths:
        body.append(f"const T {_c_name(target)} = {_to_c(_parse(expr), _c_name)};")
    buf, names = spec.gate_writes
    for k, n in enumerate(names):
        body.append(f"{buf}[{_gate_index(k)}] = {_c_name(n)};")
    for array, value in spec.writes:
        body.append(f"{array} = {_c_name(value)};")
    return KernelSource(
        in_params=", ".join(ins),
        out_params=", ".join(outs),
        operation="\n".join(body),
        name=spec.name,
        preamble=_preamble(),
    )


# ================================================ the layout, checked before every launch
def check_step_arrays(who: str, spec: StepKernel, arrays: Mapping[str, Array]) -> tuple[int, ...]:
    """Check the arrays of one launch against the kernel's layout; return ``S``.

    ``S`` is the shape of the first written state array. Every state array must have
    exactly that shape (any strides: CuPy indexes them through their own); every gate
    buffer must be (4, *S) *and* C-contiguous, because the kernel indexes it by hand as
    ``buffer[k * N + i]``. Done before every launch (a few attribute reads): a wrong
    shape would otherwise read or write the wrong entries, or out of bounds.

    Raises
    ------
    ValueError
        Naming the array, the shape it should have and the one it has.
    """
    S = tuple(arrays[spec.writes[0][0]].shape)
    for name in spec.state_arrays:
        shape = tuple(arrays[name].shape)
        if shape != S:
            raise ValueError(
                f"{who}: {name} must have the state shape {S} (that of "
                f"{spec.writes[0][0]}), got {shape}"
            )
    want = (4, *S)
    for name in spec.gate_buffers:
        a = arrays[name]
        if tuple(a.shape) != want:
            raise ValueError(
                f"{who}: {name} must be gate-major (4, *S) = {want}, got {tuple(a.shape)} "
                "(a batch-major (B, 4H) array a becomes gate-major with "
                "xp.ascontiguousarray(lstmbook.numpy.functional.gate_major(a)))"
            )
        if not a.flags.c_contiguous:
            raise ValueError(
                f"{who}: {name} must be C-contiguous: the kernel reads gate k of state "
                f"element i at flat index k*N + i (pass xp.ascontiguousarray({name}))"
            )
    return S


# =============================================================== evaluated with NumPy
def _gate_blocks(buffer: Array, S: tuple[int, ...]) -> list[Array]:
    """The four gate blocks of a checked C-contiguous (4, *S) buffer, as views, taken the
    way the kernel indexes them: block k is flat entries ``k*N .. k*N + N - 1``."""
    N = math.prod(S)
    flat = buffer.reshape(4 * N)  # a view: the buffer is C-contiguous (checked)
    return [flat[k * N : (k + 1) * N].reshape(S) for k in range(4)]


def evaluate_step_(spec: StepKernel, arrays: Mapping[str, Array], *, xp: ModuleType = np) -> None:
    """Run a kernel's formulas on whole arrays with ``xp``: the CPU twin of the GPU kernel.

    Parameters
    ----------
    spec : StepKernel
    arrays : mapping name -> array
        Every array the kernel names: state arrays of one shape ``S`` (any strides) and
        C-contiguous gate-major (4, *S) buffers, as :func:`check_step_arrays` requires
        (it is called here). The written ones are updated in place, exactly as the
        kernel would: gate k of element ``e`` at flat index ``k*N + e``.
    xp : module
        ``numpy`` (or ``cupy``).
    """
    S = check_step_arrays(f"evaluate_step_({spec.name})", spec, arrays)
    env: dict[str, Array] = {}
    for r in spec.reads:  # copies: the writes below must not change what was read
        env[r] = xp.array(arrays[r], copy=True)
    if spec.gate_reads is not None:
        buf, names = spec.gate_reads
        for block, n in zip(_gate_blocks(arrays[buf], S), names, strict=True):
            env[n] = xp.array(block, copy=True)
    for target, expr in spec.maths:
        env[target] = _evaluate(_parse(expr), env, xp)
    buf, names = spec.gate_writes
    for block, n in zip(_gate_blocks(arrays[buf], S), names, strict=True):
        block[...] = env[n]
    for array, value in spec.writes:
        arrays[array][...] = env[value]


def reference_step_forward_(
    gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array, *, xp: ModuleType = np
) -> None:
    """:data:`FORWARD` evaluated with ``xp``; the contract of
    :func:`lstmbook.numpy.functional.lstm_step_forward_` in its gate-major form (gates
    (4, *S), C-contiguous, in/out; c_prev (S) in; c, tanh_c, h (S) out)."""
    arrays = {"gates": gates, "c_prev": c_prev, "c": c, "tanh_c": tanh_c, "h": h}
    evaluate_step_(FORWARD, arrays, xp=xp)


def reference_step_backward_(
    dh: Array,
    dc: Array,
    gates: Array,
    c_prev: Array,
    tanh_c: Array,
    dgates: Array,
    *,
    xp: ModuleType = np,
) -> None:
    """:data:`BACKWARD` evaluated with ``xp``; the contract of
    :func:`lstmbook.numpy.functional.lstm_step_backward_` in its gate-major form (dc (S)
    in: ∂L/∂c_t, out: ∂L/∂c_{t-1}; gates, dgates (4, *S), C-contiguous; dgates out).
    ``dh`` is left unchanged."""
    arrays = {"dh": dh, "dc": dc, "gates": gates, "c_prev": c_prev, "tanh_c": tanh_c}
    arrays["dgates"] = dgates
    evaluate_step_(BACKWARD, arrays, xp=xp)


# ================================================================== launched on the GPU
#: Argument order of the two kernels (checked against the specs by the tests).
FORWARD_ARGS = ("c_prev", "N", "gates", "c", "tanh_c", "h")
BACKWARD_ARGS = ("dh", "c_prev", "tanh_c", "gates", "N", "dgates", "dc")

_kernels: dict[str, Any] = {}


def elementwise_kernel(spec: StepKernel) -> Any:
    """The ``cupy.ElementwiseKernel`` of a spec, made once (compiled per dtype on first launch).

    Raises :class:`lstmbook.backends.BackendUnavailableError` without CuPy or a GPU.
    """
    kernel = _kernels.get(spec.name)
    if kernel is None:
        from ..backends import require_cupy

        cupy = require_cupy()
        src = cuda_source(spec)
        kernel = cupy.ElementwiseKernel(
            src.in_params, src.out_params, src.operation, src.name, preamble=src.preamble
        )
        _kernels[spec.name] = kernel
    return kernel


def lstm_step_forward_(
    gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array
) -> None:
    """Fused forward of one step on the GPU: one kernel launch, no allocation.

    Same contract as :func:`lstmbook.numpy.functional.lstm_step_forward_` with
    gate-major gates (the layout :class:`lstmbook.numpy.LSTM` / ``LSTMCell``
    pass their step hooks), for CuPy arrays of one dtype (float32 or float64;
    CuPy refuses a mix).

    Parameters
    ----------
    gates : cupy.ndarray (4, *S), C-contiguous
        In: pre-activations. Out: gate values i, f, g, o.
    c_prev : cupy.ndarray S
        ``S`` is the state shape: (H, B) in ``LSTM``, (B, H) in ``LSTMCell``.
    c, tanh_c, h : cupy.ndarray S
        Out. Any strides (``h`` is a strided view in ``LSTM``).

    Raises
    ------
    ValueError
        If a shape differs or ``gates`` is not C-contiguous
        (:func:`check_step_arrays`).
    """
    arrays = dict(gates=gates, c_prev=c_prev, c=c, tanh_c=tanh_c, h=h)
    check_step_arrays("lstm_step_forward_", FORWARD, arrays)
    # the arguments in the order of FORWARD_ARGS
    elementwise_kernel(FORWARD)(c_prev, int(c.size), gates, c, tanh_c, h)


def lstm_step_backward_(
    dh: Array, dc: Array, gates: Array, c_prev: Array, tanh_c: Array, dgates: Array
) -> None:
    """Fused backward of one step on the GPU: one kernel launch, nothing allocated.

    Same contract as :func:`lstmbook.numpy.functional.lstm_step_backward_` with gate-major
    gates (``dh`` is only read here; no ``work`` or ``g_offset`` is needed).

    Parameters
    ----------
    dh : cupy.ndarray S
        ∂L/∂h_t in total.
    dc : cupy.ndarray S
        In: ∂L/∂c_t from step t+1. Out: ∂L/∂c_{t-1}.
    gates : cupy.ndarray (4, *S), C-contiguous
        Gate values of step t.
    c_prev, tanh_c : cupy.ndarray S
        c_{t-1} and tanh(c_t).
    dgates : cupy.ndarray (4, *S), C-contiguous
        Out: ∂L/∂a_t.

    Raises
    ------
    ValueError
        If a shape differs or a gate buffer is not C-contiguous.
    """
    arrays = {"dh": dh, "dc": dc, "gates": gates, "c_prev": c_prev, "tanh_c": tanh_c}
    arrays["dgates"] = dgates
    check_step_arrays("lstm_step_backward_", BACKWARD, arrays)
    elementwise_kernel(BACKWARD)(dh, c_prev, tanh_c, gates, int(dc.size), dgates, dc)

"""Fused GPU kernels for one LSTM time step, generated from one table of formulas.

The unfused step (:mod:`lstmbook.numpy.functional`) launches a dozen small kernels per
time step, each reading and writing whole (B, H) arrays in GPU memory. Here the
elementwise work of a step is *one* kernel each way, in the spirit of Chainer's
``chainer/functions/activation/lstm.py``: one thread per (b, j), reading the four
pre-activations of unit j in row b, writing the four gate values back, and c, tanh(c), h.

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
  (compiled on the GPU by :func:`lstm_step_forward` / :func:`lstm_step_backward`);
* :func:`reference_step_forward` / :func:`reference_step_backward` evaluate the *same*
  parsed formulas with NumPy (or any ``xp``), so the maths of the kernels is tested on the
  CPU, without CuPy.

Layout: gate buffers are (B, 4H) in PyTorch's order i, f, g, o, so gate k of unit j in row
b sits at ``gates[b, k*H + j]``, flat index ``(4*b + k)*H + j``. (Chainer interleaves
the gates, ``[b, 4*j + k]``: a different layout, not used here.)

Nothing here imports CuPy at import time; only the two GPU functions do, on first call.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ..numpy.functional import gate_slices

__all__ = [
    "FUNCTIONS",
    "FORWARD",
    "BACKWARD",
    "StepKernel",
    "KernelSource",
    "cuda_source",
    "evaluate_step",
    "reference_step_forward",
    "reference_step_backward",
    "elementwise_kernel",
    "lstm_step_forward",
    "lstm_step_backward",
]

Array = Any  # numpy.ndarray or cupy.ndarray

# ======================================================================== the formulas
#: Helper functions of the expression language: name -> (parameters, body). They become
#: ``template <typename T> __device__ T lstmbook_<name>(...)`` in the CUDA preamble.
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "sigmoid": (("x",), "tanh(x * 0.5) * 0.5 + 0.5"),
}

#: Forward of one step, per element (b, j). ``a_*`` are the pre-activations.
FORWARD_MATHS: tuple[tuple[str, str], ...] = (
    ("i", "sigmoid(a_i)"),
    ("f", "sigmoid(a_f)"),
    ("g", "tanh(a_g)"),
    ("o", "sigmoid(a_o)"),
    ("c", "f * c_prev + i * g"),
    ("tanh_c", "tanh(c)"),
    ("h", "o * tanh_c"),
)

#: Backward of one step, per element (b, j): from dh, dc (and the forward's values) to
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

#: Names the generated C code uses itself (CuPy reserves ``i``, ``n`` and ``_*``).
_RESERVED = {"i", "n", "T", "H", "b", "j"}


@dataclass(frozen=True)
class StepKernel:
    """One fused elementwise kernel: what it reads, its formulas, what it writes.

    One thread per element (b, j) of the (B, H) arrays.

    Attributes
    ----------
    name : str
        The CUDA kernel's name (shows in profilers).
    reads : tuple of str
        (B, H) arrays whose element (b, j) is read, under the array's own name.
    gate_reads : (buffer, (n_i, n_f, n_g, n_o)) or None
        A (B, 4H) buffer whose four gate entries of (b, j) are read as ``n_i`` .. ``n_o``.
    maths : tuple of (name, formula)
        Evaluated in order; each may use the names read and those defined before it.
    writes : tuple of (array, value name)
        (B, H) arrays whose element (b, j) is set to a value. An array may be both read
        and written (read first).
    gate_writes : (buffer, (v_i, v_f, v_g, v_o))
        A (B, 4H) buffer whose four gate entries of (b, j) are set. May be the buffer of
        ``gate_reads`` (each thread reads its four entries before writing them).
    """

    name: str
    reads: tuple[str, ...]
    gate_reads: Gates | None
    maths: tuple[tuple[str, str], ...]
    writes: tuple[tuple[str, str], ...]
    gate_writes: Gates

    def __post_init__(self) -> None:
        arrays = set(self.reads) | {a for a, _ in self.writes} | {self.gate_writes[0]}
        if self.gate_reads is not None:
            arrays.add(self.gate_reads[0])
        clash = arrays & (_RESERVED | set(FUNCTIONS) | set(_PRIMITIVES))
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

    # ------------------------------------------------------------- CuPy's parameter lists
    def parameters(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(in_params, out_params)``: CuPy declarations in the kernel's argument order.

        Read-only arrays are inputs (``const``); written ones, read or not, are outputs.
        The gate buffers are ``raw`` (indexed by hand); ``H`` is an ``int32`` scalar.
        """
        written = {a for a, _ in self.writes}
        ins = [f"T {r}" for r in self.reads if r not in written]
        if self.gate_reads is not None and self.gate_reads[0] != self.gate_writes[0]:
            ins.append(f"raw T {self.gate_reads[0]}")
        ins.append("int32 H")
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


def cuda_source(spec: StepKernel) -> KernelSource:
    """Translate a :class:`StepKernel` into the strings of a ``cupy.ElementwiseKernel``.

    The loop index ``i`` runs over the B*H elements of the (B, H) arrays in C order, so
    ``b = i / H`` and ``j = i - b*H``; gate k of (b, j) is at ``buffer[(4*b + k)*H + j]``.
    The (B, H) parameters are references to element (b, j) (CuPy's doing); the gate
    buffers are ``raw`` arrays indexed with that flat index.
    """
    ins, outs = spec.parameters()
    body = [
        "const ptrdiff_t b = i / H;",
        "const ptrdiff_t j = i - b * H;",
    ]
    for r in spec.reads:
        body.append(f"const T {_c_name(r)} = {r};")
    if spec.gate_reads is not None:
        buf, names = spec.gate_reads
        for k, n in enumerate(names):
            body.append(f"const T {_c_name(n)} = {buf}[(4 * b + {k}) * H + j];")
    for target, expr in spec.maths:
        body.append(f"const T {_c_name(target)} = {_to_c(_parse(expr), _c_name)};")
    buf, names = spec.gate_writes
    for k, n in enumerate(names):
        body.append(f"{buf}[(4 * b + {k}) * H + j] = {_c_name(n)};")
    for array, value in spec.writes:
        body.append(f"{array} = {_c_name(value)};")
    return KernelSource(
        in_params=", ".join(ins),
        out_params=", ".join(outs),
        operation="\n".join(body),
        name=spec.name,
        preamble=_preamble(),
    )


# =============================================================== evaluated with NumPy
def evaluate_step(spec: StepKernel, arrays: Mapping[str, Array], *, xp: ModuleType = np) -> None:
    """Run a kernel's formulas on whole arrays with ``xp``: the CPU twin of the GPU kernel.

    Parameters
    ----------
    spec : StepKernel
    arrays : mapping name -> array
        Every array the kernel names: (B, H) ones and (B, 4H) gate buffers. The written
        ones are updated in place, exactly as the kernel would.
    xp : module
        ``numpy`` (or ``cupy``).
    """
    H = arrays[spec.writes[0][0]].shape[-1]
    slices = gate_slices(H)
    env: dict[str, Array] = {}
    for r in spec.reads:  # copies: the writes below must not change what was read
        env[r] = xp.array(arrays[r], copy=True)
    if spec.gate_reads is not None:
        buf, names = spec.gate_reads
        for s, n in zip(slices, names, strict=True):
            env[n] = xp.array(arrays[buf][..., s], copy=True)
    for target, expr in spec.maths:
        env[target] = _evaluate(_parse(expr), env, xp)
    buf, names = spec.gate_writes
    for s, n in zip(slices, names, strict=True):
        arrays[buf][..., s] = env[n]
    for array, value in spec.writes:
        arrays[array][...] = env[value]


def reference_step_forward(
    gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array, *, xp: ModuleType = np
) -> None:
    """:data:`FORWARD` evaluated with ``xp``; the contract of
    :func:`lstmbook.numpy.functional.lstm_step_forward` (gates (B, 4H) in/out;
    c, tanh_c, h (B, H) out)."""
    arrays = {"gates": gates, "c_prev": c_prev, "c": c, "tanh_c": tanh_c, "h": h}
    evaluate_step(FORWARD, arrays, xp=xp)


def reference_step_backward(
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
    :func:`lstmbook.numpy.functional.lstm_step_backward` (dc (B, H) in: ∂L/∂c_t, out:
    ∂L/∂c_{t-1}; dgates (B, 4H) out). ``dh`` is left unchanged."""
    arrays = {"dh": dh, "dc": dc, "gates": gates, "c_prev": c_prev, "tanh_c": tanh_c}
    arrays["dgates"] = dgates
    evaluate_step(BACKWARD, arrays, xp=xp)


# ================================================================== launched on the GPU
#: Argument order of the two kernels (checked against the specs by the tests).
FORWARD_ARGS = ("c_prev", "H", "gates", "c", "tanh_c", "h")
BACKWARD_ARGS = ("dh", "c_prev", "tanh_c", "gates", "H", "dgates", "dc")

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


def _check_shapes(who: str, B: int, H: int, **arrays: Array) -> None:
    """(B, H), or (B, 4H) for gate buffers: checked before a kernel indexes them by hand."""
    for name, a in arrays.items():
        want = (B, 4 * H) if "gates" in name else (B, H)
        if a.shape != want:
            raise ValueError(f"{who}: {name} must have shape {want}, got {tuple(a.shape)}")


def lstm_step_forward(gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array) -> None:
    """Fused forward of one step on the GPU: one kernel launch, nothing allocated.

    Same contract as :func:`lstmbook.numpy.functional.lstm_step_forward`, for CuPy
    arrays of one dtype (float32 or float64; CuPy refuses a mix).

    Parameters
    ----------
    gates : cupy.ndarray (B, 4H)
        In: pre-activations. Out: gate values i, f, g, o.
    c_prev : cupy.ndarray (B, H)
    c, tanh_c, h : cupy.ndarray (B, H)
        Out.
    """
    B, H = c.shape
    _check_shapes("lstm_step_forward", B, H, gates=gates, c_prev=c_prev, tanh_c=tanh_c, h=h)
    elementwise_kernel(FORWARD)(c_prev, H, gates, c, tanh_c, h)  # FORWARD_ARGS


def lstm_step_backward(
    dh: Array, dc: Array, gates: Array, c_prev: Array, tanh_c: Array, dgates: Array
) -> None:
    """Fused backward of one step on the GPU: one kernel launch, nothing allocated.

    Same contract as :func:`lstmbook.numpy.functional.lstm_step_backward` (``dh`` is only
    read here).

    Parameters
    ----------
    dh : cupy.ndarray (B, H)
        ∂L/∂h_t in total.
    dc : cupy.ndarray (B, H)
        In: ∂L/∂c_t from step t+1. Out: ∂L/∂c_{t-1}.
    gates : cupy.ndarray (B, 4H)
        Gate values of step t.
    c_prev, tanh_c : cupy.ndarray (B, H)
        c_{t-1} and tanh(c_t).
    dgates : cupy.ndarray (B, 4H)
        Out: ∂L/∂a_t.
    """
    B, H = dc.shape
    _check_shapes(
        "lstm_step_backward", B, H, dh=dh, gates=gates, c_prev=c_prev, tanh_c=tanh_c, dgates=dgates
    )
    elementwise_kernel(BACKWARD)(dh, c_prev, tanh_c, gates, H, dgates, dc)  # BACKWARD_ARGS

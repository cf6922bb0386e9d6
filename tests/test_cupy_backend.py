"""lstmbook.cupy: the fused kernels' maths on the CPU, the classes' wiring, and the GPU.

Three layers of checks, so that most of them run without CuPy or a GPU (as in CI):

1. the formula table of :mod:`lstmbook.cupy.kernels`, evaluated with NumPy, against
   :mod:`lstmbook.numpy.functional`; and the *generated C code* compiled with the host's
   C++ compiler (CuPy's ``CArray`` replaced by a pointer) and run on the CPU;
2. :class:`lstmbook.cupy.LSTM` / ``LSTMCell`` with ``cupy`` replaced by NumPy and each
   kernel launch replaced by the table's NumPy evaluation, against :mod:`lstmbook.numpy`:
   the Python glue down to the launch (argument order, shapes, hooks, copies);
3. on a GPU (``@pytest.mark.gpu``, skipped with the reason otherwise): the real thing
   against NumPy, fused against unfused, and lstmbook.torch against cuDNN.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmbook.cupy
import lstmbook.cupy.lstm as cupy_lstm
import lstmbook.numpy
from lstmbook.backends import BackendUnavailableError, require_cupy
from lstmbook.cupy import kernels
from lstmbook.numpy import functional as F

TOL_CPU = {np.float64: 1e-12, np.float32: 1e-6}
TOL_GPU = {np.float64: 1e-10, np.float32: 1e-5}
GPU_FIX = 'pip install -e ".[gpu]"'


def scaled_error(a, b) -> float:
    """max |a - b|, relative to the size of the values when they exceed 1."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


def step_inputs(S, dtype, seed, scale=2.0):
    """Gate-major pre-activations (4, *S), and c_prev, dh, dc of the state shape S.

    ``S`` is (H, B) as in ``LSTM`` or (B, H) as in ``LSTMCell``: the kernels do not care.
    """
    rng = np.random.default_rng(seed)
    a = (scale * rng.standard_normal((4, *S))).astype(dtype)
    c_prev, dh, dc = ((scale * rng.standard_normal(S)).astype(dtype) for _ in range(3))
    return a, c_prev, dh, dc


def run_forward(step, a, c_prev, **kw):
    gates = a.copy()
    c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
    step(gates, c_prev, c, tanh_c, h, **kw)
    return gates, c, tanh_c, h


def run_backward(step, dh, dc, gates, c_prev, tanh_c, **kw):
    dc = dc.copy()
    dgates = np.empty_like(gates)
    step(dh.copy(), dc, gates, c_prev, tanh_c, dgates, **kw)
    return dc, dgates


# ============================================================ 1. the formulas, on the CPU
@settings(max_examples=40, deadline=None)
@given(
    S=st.tuples(st.integers(1, 17), st.integers(1, 9)),
    dtype=st.sampled_from([np.float32, np.float64]),
    scale=st.sampled_from([0.1, 1.0, 4.0]),
    seed=st.integers(0, 2**16),
)
def test_formula_table_matches_functional_forward_and_backward(S, dtype, scale, seed):
    a, c_prev, dh, dc = step_inputs(S, dtype, seed, scale)
    ours = run_forward(kernels.reference_step_forward_, a, c_prev)
    ref = run_forward(F.lstm_step_forward_, a, c_prev)
    for name, x, y in zip(("gates", "c", "tanh_c", "h"), ours, ref, strict=True):
        assert x.dtype == dtype, name
        assert scaled_error(x, y) <= TOL_CPU[dtype], name

    gates, _, tanh_c, _ = ref
    ours = run_backward(kernels.reference_step_backward_, dh, dc, gates, c_prev, tanh_c)
    ref = run_backward(F.lstm_step_backward_, dh, dc, gates, c_prev, tanh_c)
    for name, x, y in zip(("dc_prev", "dgates"), ours, ref, strict=True):
        assert x.dtype == dtype, name
        assert scaled_error(x, y) <= TOL_CPU[dtype], name


def test_formula_table_against_the_textbook_formulas():
    a, c_prev, dh, dc = step_inputs((4, 3), np.float64, seed=0)  # S = (H, B) = (4, 3)
    gates, c, tanh_c, h = run_forward(kernels.reference_step_forward_, a, c_prev)
    s = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    i, f, g, o = s(a[0]), s(a[1]), np.tanh(a[2]), s(a[3])
    np.testing.assert_allclose(gates, np.stack([i, f, g, o]), rtol=1e-13)
    np.testing.assert_allclose(c, f * c_prev + i * g, rtol=1e-13)
    np.testing.assert_allclose(h, o * np.tanh(f * c_prev + i * g), rtol=1e-13)


def test_argument_order_of_the_wrappers_matches_the_specs():
    assert kernels.FORWARD.argument_names == kernels.FORWARD_ARGS
    assert kernels.BACKWARD.argument_names == kernels.BACKWARD_ARGS
    fwd = kernels.cuda_source(kernels.FORWARD)
    assert fwd.in_params == "T c_prev, int64 N"
    assert fwd.out_params == "raw T gates, T c, T tanh_c, T h"
    bwd = kernels.cuda_source(kernels.BACKWARD)
    assert bwd.in_params == "T dh, T c_prev, T tanh_c, raw T gates, int64 N"
    assert bwd.out_params == "raw T dgates, T dc"


def test_generated_cuda_uses_the_gate_major_layout_and_no_double_literals():
    """Gate k of state element i at k*N + i: the (4, *S) blocks of lstmbook.numpy.LSTM."""
    op = kernels.cuda_source(kernels.FORWARD).operation
    for k, name in enumerate("ifgo"):  # PyTorch's gate order
        assert f"v_a_{name} = gates[{k} * N + i];" in op
        assert f"gates[{k} * N + i] = v_{name};" in op
    op_b = kernels.cuda_source(kernels.BACKWARD).operation
    for k, name in enumerate("ifgo"):
        assert f"v_{name} = gates[{k} * N + i];" in op_b
        assert f"dgates[{k} * N + i] = v_da_{name};" in op_b
    src = kernels.cuda_source(kernels.FORWARD)
    assert "T(0.5)" in src.preamble and " 0.5" not in src.preamble.replace("T(0.5)", "")
    assert "T(1)" in kernels.cuda_source(kernels.BACKWARD).operation


@pytest.mark.parametrize(
    "formula",
    ["x / y", "x ** 2", "exp(x)", "x.real", "x if y else x", "tanh(x=1)", "'s'", "x < y"]
    + ["tanh(x, y)", "sigmoid()", "True * x", "tanh(*x)"],
)
def test_formulas_outside_the_small_language_are_refused(formula):
    with pytest.raises(ValueError, match="not allowed"):
        kernels._parse(formula)


def test_step_kernel_spec_is_checked():
    with pytest.raises(ValueError, match="undefined"):
        kernels.StepKernel("k", ("x",), None, (("y", "x * z"),), (("out", "y"),), ("g", "yyyy"))
    for bad in ("i", "n", "N", "T", "_x"):  # CuPy's own names and the kernel's
        with pytest.raises(ValueError, match="reserved"):
            kernels.StepKernel("k", (bad,), None, (("y", bad),), (("out", "y"),), ("g", "yyyy"))
    with pytest.raises(ValueError, match="writes undefined"):
        kernels.StepKernel(
            "k", ("x",), None, (("y", "x"),), (("out", "w"),), ("g", ("y", "y", "y", "y"))
        )


# ------------------------------------------- the generated C code, compiled for the CPU
CXX = shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")

HARNESS_HEAD = """
#include <cmath>
#include <cstddef>
#define __device__
#define __forceinline__ inline
using std::tanh;
// Stand-in for CuPy's CArray of a raw argument: a C-contiguous buffer indexed by its flat
// C-order index (the launch wrappers only pass C-contiguous gate buffers).
template <typename T> struct Raw {
  T* data;
  T& operator[](ptrdiff_t k) { return data[k]; }
  const T& operator[](ptrdiff_t k) const { return data[k]; }
};
// What CuPy does for a non-raw argument: element i (C order) of the loop's shape, found
// through the array's own strides (here in elements, not bytes).
inline ptrdiff_t strided_offset(ptrdiff_t i, int ndim, const ptrdiff_t* shape,
                                const ptrdiff_t* strides) {
  ptrdiff_t offset = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    offset += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return offset;
}
"""


def harness_source(spec: kernels.StepKernel) -> str:
    """C++ that runs the kernel body as CuPy would, in a loop over ``i`` instead of threads.

    The parameters are declared as CuPy declares them (``const T &x`` for inputs, ``T &x``
    for outputs, ``raw`` ones as whole arrays, ``const`` when inputs), so a body that
    would not compile under CuPy, or writes to an input, does not compile here either.
    Non-raw arguments are reached through their strides, as CuPy's indexer does, so
    strided state views are run as they would be on the GPU.
    """
    src = kernels.cuda_source(spec)
    decls = []
    params = [(p, True) for p in src.in_params.split(", ")]
    params += [(p, False) for p in src.out_params.split(", ")]
    for k, (param, is_input) in enumerate(params):
        words = param.split()
        name, const = words[-1], "const " if is_input else ""
        if name == "N":
            decls.append("const long long N = N_;")
        elif words[0] == "raw":
            decls.append(f"{const}Raw<T> {name}{{static_cast<T*>(args[{k}])}};")
        else:
            offset = f"strided_offset(i, ndim, shape, strides + {k} * ndim)"
            decls.append(f"{const}T &{name} = static_cast<T*>(args[{k}])[{offset}];")
    fn = spec.name
    signature = "long long N, int ndim, const ptrdiff_t* shape, const ptrdiff_t* strides"
    call = "(count, N, ndim, shape, strides, a)"
    return "\n".join(
        [
            "template <typename T>",
            f"void {fn}(ptrdiff_t count, long long N_, int ndim, const ptrdiff_t* shape,",
            "           const ptrdiff_t* strides, void** args) {",
            "  for (ptrdiff_t i = 0; i < count; ++i) {",
            *decls,
            src.operation,
            "  }",
            "}",
            f'extern "C" void {fn}_float(ptrdiff_t count, {signature}, void** a) '
            f"{{ {fn}<float>{call}; }}",
            f'extern "C" void {fn}_double(ptrdiff_t count, {signature}, void** a) '
            f"{{ {fn}<double>{call}; }}",
        ]
    )


@pytest.fixture(scope="module")
def cpu_kernels(tmp_path_factory):
    """The generated kernels compiled with the host C++ compiler; ``run(spec, **arrays)``.

    ``run`` passes what a CuPy launch passes: N = prod(S) and the arrays, state arrays
    with their strides (any), gate buffers as flat C-contiguous buffers.
    """
    if CXX is None:
        pytest.skip("no C++ compiler (c++, g++ or clang++) on PATH")
    folder = tmp_path_factory.mktemp("kernels")
    source = folder / "kernels.cpp"
    source.write_text(
        HARNESS_HEAD
        + kernels.cuda_source(kernels.FORWARD).preamble  # the same for both kernels
        + "\n".join(harness_source(s) for s in (kernels.FORWARD, kernels.BACKWARD))
    )
    lib = folder / "kernels.so"
    result = subprocess.run(
        [CXX, "-O1", "-std=c++17", "-shared", "-fPIC", "-o", str(lib), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    dll = ctypes.CDLL(str(lib))

    def run(spec: kernels.StepKernel, **arrays: np.ndarray) -> None:
        S = kernels.check_step_arrays("cpu harness", spec, arrays)
        N, ndim = int(np.prod(S)), len(S)
        names = spec.argument_names  # N's slot stays empty: N is passed by value
        dtype = arrays[spec.writes[0][0]].dtype
        strides = np.zeros((len(names), ndim), dtype=np.intp)
        for k, a in enumerate(names):
            if a == "N":
                continue
            assert arrays[a].dtype == dtype, a
            assert all(st % dtype.itemsize == 0 for st in arrays[a].strides), a
            if a in spec.gate_buffers:  # raw: indexed by flat index, so C-contiguous
                assert arrays[a].flags.c_contiguous, a
            else:
                strides[k] = [st // dtype.itemsize for st in arrays[a].strides]
        shape = np.array(S, dtype=np.intp)
        ptrs = (ctypes.c_void_p * len(names))(
            *[None if a == "N" else arrays[a].ctypes.data for a in names]
        )
        suffix = "float" if dtype == np.float32 else "double"
        fn = getattr(dll, f"{spec.name}_{suffix}")
        fn.argtypes = [ctypes.c_ssize_t, ctypes.c_longlong, ctypes.c_int]
        fn.argtypes += [ctypes.c_void_p] * 3
        fn(N, N, ndim, shape.ctypes.data, strides.ctypes.data, ptrs)

    return run


def c_steps(cpu_kernels):
    """The compiled kernels as step functions with the signatures of ``functional``'s."""

    def c_forward(gates, c_prev, c, tanh_c, h):
        cpu_kernels(kernels.FORWARD, gates=gates, c_prev=c_prev, c=c, tanh_c=tanh_c, h=h)

    def c_backward(dh, dc, gates, c_prev, tanh_c, dgates):
        arrays = dict(dh=dh, dc=dc, gates=gates, c_prev=c_prev, tanh_c=tanh_c, dgates=dgates)
        cpu_kernels(kernels.BACKWARD, **arrays)

    return c_forward, c_backward


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("S", [(1, 1), (3, 2), (8, 5), (33, 7), (7, 33)])
def test_generated_c_code_run_on_the_cpu_matches_functional(cpu_kernels, S, dtype):
    a, c_prev, dh, dc = step_inputs(S, dtype, seed=S[0] * 100 + S[1])
    c_forward, c_backward = c_steps(cpu_kernels)

    ours = run_forward(c_forward, a, c_prev)
    ref = run_forward(F.lstm_step_forward_, a, c_prev)
    for name, x, y in zip(("gates", "c", "tanh_c", "h"), ours, ref, strict=True):
        assert scaled_error(x, y) <= TOL_CPU[dtype], name

    gates, _, tanh_c, _ = ref
    ours = run_backward(c_backward, dh, dc, gates, c_prev, tanh_c)
    ref = run_backward(F.lstm_step_backward_, dh, dc, gates, c_prev, tanh_c)
    for name, x, y in zip(("dc_prev", "dgates"), ours, ref, strict=True):
        assert scaled_error(x, y) <= TOL_CPU[dtype], name


def strided_state_views(S, seed, T=3, t=1, xp=np):
    """State arrays (shape S) laid out as lstmbook.numpy.LSTM lays them out, and worse.

    Returns ``(views, buffers)``: ``views["h"]`` is column ``t`` of an (H, T+1, B)
    history buffer (LSTM's ``hs[:, t]``), the others are a transposed view, a reversed
    view, and a slice out of a wider buffer; every buffer is filled with NaN first, so
    whatever a kernel writes outside its view shows.
    """
    rows, cols = S
    hs = xp.full((rows, T + 1, cols), np.nan)
    wide = xp.full((4, rows, cols + 5), np.nan)
    tall = xp.full((cols, rows), np.nan)
    rev = xp.full((rows, cols), np.nan)
    views = {
        "h": hs[:, t],  # strides ((T+1)*cols, 1)
        "c": wide[1, :, 2 : 2 + cols],  # a slice of a wider row
        "tanh_c": tall.T,  # transposed: strides (1, rows)
        "c_prev": rev[::-1, ::-1],  # negative strides
        "dh": wide[2, :, 2 : 2 + cols],
        "dc": wide[3, :, 2 : 2 + cols],
    }
    rng = np.random.default_rng(seed)
    for name in ("c_prev", "dh", "dc"):
        views[name][...] = xp.asarray(2.0 * rng.standard_normal(S))
    for name, v in views.items():
        assert v.shape == S, name
        assert not v.flags.c_contiguous or min(S) == 1, name  # (a 1-wide view may count)
    assert not views["h"].flags.c_contiguous
    return views, (hs, wide, tall, rev)


@pytest.mark.parametrize("S", [(6, 3), (3, 6), (5, 1)])
def test_generated_c_code_indexes_strided_state_views_as_cupy_would(cpu_kernels, S):
    """The state arguments may be strided views (LSTM's h is one): element i of each is
    reached through its own strides, the gates through k*N + i, nothing else touched."""
    c_forward, c_backward = c_steps(cpu_kernels)
    views, buffers = strided_state_views(S, seed=sum(S))
    a = np.random.default_rng(1).standard_normal((4, *S))
    c_prev, dh, dc = (views[k].copy() for k in ("c_prev", "dh", "dc"))

    gates = a.copy()
    c_forward(gates, views["c_prev"], views["c"], views["tanh_c"], views["h"])
    ref = run_forward(F.lstm_step_forward_, a, c_prev)
    got = (gates, views["c"], views["tanh_c"], views["h"])
    for name, x, y in zip(("gates", "c", "tanh_c", "h"), got, ref, strict=True):
        assert scaled_error(x, y) <= 1e-12, name
    dgates = np.full_like(gates, np.nan)
    c_backward(views["dh"], views["dc"], gates, views["c_prev"], views["tanh_c"], dgates)
    ref_b = run_backward(F.lstm_step_backward_, dh, dc, ref[0], c_prev, ref[2])
    np.testing.assert_array_equal(views["dh"], dh)  # only read
    for name, x, y in zip(("dc_prev", "dgates"), (views["dc"], dgates), ref_b, strict=True):
        assert scaled_error(x, y) <= 1e-12, name

    # Exactly the views' elements were written: the rest of every buffer is still NaN.
    written = sum(int(np.isfinite(b).sum()) for b in buffers)
    assert written == 6 * int(np.prod(S))


def test_full_cuda_source_compiles_with_nvcc(tmp_path):
    """CuPy's own code generator wraps our body; nvcc compiles it for sm_90 (H100).

    Needs CuPy (not a GPU) and nvcc; uses CuPy internals, so it skips if they change.
    """
    cupy = pytest.importorskip("cupy")
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not on PATH")
    try:
        from cupy._core import _carray, _kernel, _scalar

        def arginfo(kind, typ, dtype, ndim, contiguous):
            return _kernel._ArgInfo(kind, typ, dtype, ndim, contiguous, True)

        codes = []
        for spec in (kernels.FORWARD, kernels.BACKWARD):
            src = kernels.cuda_source(spec)
            ek = cupy.ElementwiseKernel(
                src.in_params, src.out_params, src.operation, src.name, preamble=src.preamble
            )
            for dtype in (np.float32, np.float64):
                for ndim, contiguous in ((1, True), (2, False)):
                    infos = []
                    for p in ek.params:
                        if p.name == "_ind":
                            infos.append(arginfo(2, _carray.Indexer, None, ndim, True))
                        elif p.dtype is not None:
                            infos.append(arginfo(3, _scalar.CScalar, p.dtype, 0, True))
                        elif p.raw:  # gate buffers: (4, *S), C-contiguous (checked)
                            infos.append(arginfo(1, cupy.ndarray, np.dtype(dtype), 3, True))
                        else:  # state arrays: reduced to 1-D, or 2-D strided views
                            infos.append(
                                arginfo(1, cupy.ndarray, np.dtype(dtype), ndim, contiguous)
                            )
                    type_map = _kernel._TypeMap((("T", np.dtype(dtype)),))
                    codes.append(
                        _kernel._get_elementwise_kernel_code(
                            tuple(infos), type_map, ek.params, ek.operation, ek.name, ek.preamble
                        )
                    )
    except (AttributeError, ImportError, TypeError) as err:
        pytest.skip(f"CuPy's internal code generator changed: {err}")
    include = Path(cupy.__file__).parent / "_core" / "include"  # cupy/carray.cuh, ...
    for k, code in enumerate(codes):
        cu = tmp_path / f"k{k}.cu"
        cu.write_text("#include <cupy/complex.cuh>\n#include <cupy/carray.cuh>\n" + code)
        result = subprocess.run(
            [nvcc, "-ptx", "-arch=sm_90", "-std=c++17", f"-I{include}", str(cu), "-o", "/dev/null"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, code + result.stderr


# ============================================== 2. the classes, with NumPy standing in
@pytest.fixture
def numpy_as_cupy(monkeypatch):
    """Run lstmbook.cupy on the CPU: ``cupy`` is NumPy (plus ``asnumpy``), and each launch
    of a fused kernel evaluates that kernel's formula table with NumPy.

    Returns the list of launched kernel names, appended to as they run.
    """
    fake = types.ModuleType("cupy_on_numpy")
    fake.__getattr__ = lambda name: getattr(np, name)  # type: ignore[attr-defined]
    fake.asnumpy = lambda a: np.array(a, copy=True)  # type: ignore[attr-defined]
    launches: list[str] = []

    def fake_elementwise_kernel(spec):
        def launch(*args):
            names = spec.argument_names
            assert len(args) == len(names), (spec.name, len(args))
            arrays = dict(zip(names, args, strict=True))
            N = arrays.pop("N")
            assert type(N) is int
            assert len({a.dtype for a in arrays.values()}) == 1  # CuPy insists on one T
            S = kernels.check_step_arrays("fake launch", spec, arrays)
            assert N == int(np.prod(S))  # the gate stride the kernel is given
            # evaluate_step_ reads and writes the gates at k*N + e, as the kernel does
            kernels.evaluate_step_(spec, arrays, xp=np)
            launches.append(spec.name)

        return launch

    monkeypatch.setattr(cupy_lstm, "require_cupy", lambda: fake)
    monkeypatch.setattr(kernels, "elementwise_kernel", fake_elementwise_kernel)
    return launches


def lstm_case(L, batch_first, dtype, seed=0, T=5, B=3, I=4, H=6):
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(dtype)
    h0, c0, dh_n, dc_n = (rng.standard_normal((L, B, H)).astype(dtype) for _ in range(4))
    d_out = rng.standard_normal((B, T, H) if batch_first else (T, B, H)).astype(dtype)
    return x, (h0, c0), d_out, dh_n, dc_n


def run_lstm(model, x, state, d_out, dh_n, dc_n, asnumpy=np.asarray):
    out, (h_n, c_n) = model(x, state)
    grad_x = model.backward(d_out, dh_n, dc_n)
    result = {"output": out, "h_n": h_n, "c_n": c_n, "grad_x": grad_x}
    result |= {"grad_h_0": model.grad_h_0, "grad_c_0": model.grad_c_0}
    result |= {f"grad_{k}": v for k, v in model.grads.items()}
    return {k: asnumpy(v) for k, v in result.items()}


def assert_close(ours: dict, ref: dict, tol: float) -> None:
    assert ours.keys() == ref.keys()
    for key in ref:
        assert ours[key].shape == ref[key].shape, key
        assert ours[key].dtype == ref[key].dtype, key
        err = scaled_error(ours[key], ref[key])
        assert err <= tol, f"{key}: scaled max difference {err:.3g} > {tol:g}"


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("L", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cupy_lstm_wiring_matches_numpy(numpy_as_cupy, L, batch_first, fused, dtype):
    T = 5
    ours = lstmbook.cupy.LSTM(4, 6, L, batch_first=batch_first, dtype=dtype, seed=3, fused=fused)
    ref = lstmbook.numpy.LSTM(4, 6, L, batch_first=batch_first, dtype=dtype, seed=3)
    case = lstm_case(L, batch_first, dtype, T=T)
    assert_close(run_lstm(ours, *case), run_lstm(ref, *case), TOL_CPU[dtype])
    expected = T * L if fused else 0
    assert numpy_as_cupy.count("lstmbook_lstm_step_forward") == expected
    assert numpy_as_cupy.count("lstmbook_lstm_step_backward") == expected


@pytest.mark.parametrize("fused", [True, False])
def test_cupy_lstm_cell_wiring_matches_numpy(numpy_as_cupy, fused):
    ours = lstmbook.cupy.LSTMCell(4, 6, seed=1, fused=fused)
    ref = lstmbook.numpy.LSTMCell(4, 6, seed=1)
    rng = np.random.default_rng(0)
    x, h0, c0, dh, dc = (rng.standard_normal((3, n)) for n in (4, 6, 6, 6, 6))
    results = []
    for model in (ours, ref):
        h, c = model(x, (h0, c0))
        grad_x = model.backward(dh, dc)
        results.append(
            {"h": h, "c": c, "grad_x": grad_x, "grad_h_0": model.grad_h_0}
            | {"grad_c_0": model.grad_c_0}
            | {f"grad_{k}": v for k, v in model.grads.items()}
        )
    assert_close(*results, TOL_CPU[np.float64])
    assert len(numpy_as_cupy) == (2 if fused else 0)


def test_host_device_round_trips(numpy_as_cupy):
    ref = lstmbook.numpy.LSTM(3, 5, 2, batch_first=True, bias=True, seed=7)
    dev = lstmbook.cupy.LSTM.from_numpy(ref, fused=False)
    assert isinstance(dev, lstmbook.cupy.LSTM) and not dev.fused
    assert (dev.num_layers, dev.batch_first, dev.dtype) == (2, True, np.float64)
    back = dev.to_numpy()
    assert type(back) is lstmbook.numpy.LSTM
    for name, w in ref.state_dict().items():
        assert type(dev.state_dict()[name]) is np.ndarray
        np.testing.assert_array_equal(back.params[name], w)
    # the same seed gives the same weights on both sides
    same = lstmbook.cupy.LSTM(3, 5, 2, batch_first=True, seed=7)
    for name, w in ref.state_dict().items():
        np.testing.assert_array_equal(same.state_dict()[name], w)
    cell = lstmbook.cupy.LSTMCell.from_numpy(lstmbook.numpy.LSTMCell(2, 3, bias=False, seed=0))
    assert cell.fused and set(cell.params) == {"weight_ih", "weight_hh"}
    assert type(cell.to_numpy()) is lstmbook.numpy.LSTMCell
    with pytest.raises(TypeError, match="expected a lstmbook.numpy.LSTM, got LSTMCell"):
        lstmbook.cupy.LSTM.from_numpy(lstmbook.numpy.LSTMCell(2, 3))
    assert repr(dev) == (
        "lstmbook.cupy.LSTM(3, 5, num_layers=2, bias=True, batch_first=True, "
        "dtype=float64, fused=False)"
    )


def test_fused_wrappers_check_layout_before_indexing_by_hand(numpy_as_cupy):
    gates, c = np.zeros((4, 2, 3)), np.zeros((2, 3))  # S = (2, 3)
    gate_major = r"gates must be gate-major \(4, \*S\) = \(4, 2, 3\)"
    with pytest.raises(ValueError, match=gate_major + r", got \(2, 12\)"):  # batch-major
        kernels.lstm_step_forward_(np.zeros((2, 12)), c, c.copy(), c.copy(), c.copy())
    with pytest.raises(ValueError, match=gate_major + r", got \(4, 3, 2\)"):  # other S
        kernels.lstm_step_forward_(np.zeros((4, 3, 2)), c, c.copy(), c.copy(), c.copy())
    with pytest.raises(ValueError, match=r"c_prev must have the state shape \(2, 3\)"):
        kernels.lstm_step_forward_(gates, np.zeros(3), c.copy(), c.copy(), c.copy())
    with pytest.raises(ValueError, match=r"dgates must be gate-major \(4, \*S\)"):
        kernels.lstm_step_backward_(c, c.copy(), gates, c, c, np.zeros((2, 3)))
    # Raw buffers are indexed by flat index: a strided gate buffer is refused ...
    view = F.gate_major(np.zeros((2, 12)))  # (4, 2, 3), but strided
    assert view.shape == (4, 2, 3) and not view.flags.c_contiguous
    with pytest.raises(ValueError, match="gates must be C-contiguous"):
        kernels.lstm_step_forward_(view, c, c.copy(), c.copy(), c.copy())
    with pytest.raises(ValueError, match="dgates must be C-contiguous"):
        kernels.lstm_step_backward_(c, c.copy(), gates, c, c, view)
    with pytest.raises(ValueError, match="gates must be C-contiguous"):
        kernels.reference_step_forward_(view, c, c.copy(), c.copy(), c.copy())
    # ... strided state arrays are not (CuPy reaches them through their strides).
    assert numpy_as_cupy == []
    kernels.lstm_step_forward_(gates, c, c.copy(), c.copy(), np.zeros((3, 2)).T)
    kernels.lstm_step_backward_(c, c.copy(), gates, c, c[:, ::-1], np.zeros_like(gates))
    assert numpy_as_cupy == ["lstmbook_lstm_step_forward", "lstmbook_lstm_step_backward"]


def test_cupy_lstm_hooks_get_gate_major_blocks_and_a_strided_h(numpy_as_cupy, monkeypatch):
    """What the step hooks of lstmbook.numpy.LSTM pass (the contract the kernels rely on)."""
    seen = []
    real_forward, real_backward = kernels.lstm_step_forward_, kernels.lstm_step_backward_

    def spy_forward(gates, c_prev, c, tanh_c, h):
        seen.append(("forward", gates, c_prev, c, tanh_c, h))
        real_forward(gates, c_prev, c, tanh_c, h)

    def spy_backward(dh, dc, gates, c_prev, tanh_c, dgates):
        seen.append(("backward", gates, dgates, dh, dc, c_prev, tanh_c))
        real_backward(dh, dc, gates, c_prev, tanh_c, dgates)

    monkeypatch.setattr(kernels, "lstm_step_forward_", spy_forward)
    monkeypatch.setattr(kernels, "lstm_step_backward_", spy_backward)
    T, B, H = 4, 3, 5
    lstm = lstmbook.cupy.LSTM(2, H, seed=0)
    out, _ = lstm(np.ones((T, B, 2)))
    lstm.backward(np.ones_like(out))
    assert [s[0] for s in seen] == ["forward"] * T + ["backward"] * T
    for kind, gates, *rest in seen:
        assert gates.shape == (4, H, B) and gates.flags.c_contiguous, kind
        for a in rest:
            assert a.shape in ((4, H, B), (H, B)), kind
        if kind == "forward":
            assert not rest[-1].flags.c_contiguous  # h: a column of the (H, T+1, B) history
        else:
            assert rest[0].flags.c_contiguous  # dgates


# ======================================================= without CuPy, or without a GPU
MAKERS = [lambda: lstmbook.cupy.LSTM(3, 4), lambda: lstmbook.cupy.LSTMCell(3, 4)]


def test_import_lstmbook_cupy_needs_no_cupy():
    code = (
        "import sys\n"
        "import lstmbook.cupy, lstmbook.cupy.kernels, lstmbook.cupy.lstm, lstmbook.bench.gpu\n"
        "assert 'cupy' not in sys.modules, 'lstmbook.cupy imported cupy at import time'\n"
        "sys.modules['cupy'] = None\n"
        "for m in [m for m in sys.modules if m.startswith('lstmbook')]:\n"
        "    del sys.modules[m]\n"
        "import lstmbook.cupy\n"
        "print(lstmbook.cupy.LSTM.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "LSTM"


@pytest.mark.parametrize(
    "make", [lambda: lstmbook.cupy.LSTM(3, 4), lambda: lstmbook.cupy.LSTMCell(3, 4)]
)
def test_without_cupy_construction_says_how_to_install_it(monkeypatch, make):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(BackendUnavailableError) as err:
        make()
    assert "CuPy is not installed" in str(err.value) and GPU_FIX in str(err.value)
    assert isinstance(err.value, ImportError)  # so `except ImportError` fallbacks work


def test_without_cupy_the_kernels_say_so_too(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(kernels, "_kernels", {})
    with pytest.raises(BackendUnavailableError, match="CuPy is not installed"):
        kernels.elementwise_kernel(kernels.FORWARD)


def fake_cupy_without_gpu() -> types.ModuleType:
    cupy = types.ModuleType("cupy")
    cupy.__version__ = "13.9.9"
    cupy.is_available = lambda: False

    def get_device_count():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    cupy.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=get_device_count)
    )
    return cupy


@pytest.mark.parametrize(
    "make", [lambda: lstmbook.cupy.LSTM(3, 4), lambda: lstmbook.cupy.LSTMCell(3, 4)]
)
def test_without_a_gpu_construction_says_there_is_none(monkeypatch, make):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy_without_gpu())
    with pytest.raises(BackendUnavailableError) as err:
        make()
    message = str(err.value)
    assert "no usable CUDA GPU" in message and "no CUDA-capable device" in message
    assert "not installed" not in message


def test_gpu_benchmark_without_a_gpu_prints_the_reason_and_exits_0():
    code = (
        "import sys, runpy\n"
        "sys.modules['cupy'] = None\n"
        "runpy.run_module('lstmbook.bench.gpu', run_name='__main__')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "CuPy is not installed" in result.stdout and GPU_FIX in result.stdout


def test_gpu_benchmark_table_with_stand_in_runners(monkeypatch):
    """The table, rows and ratio lines of gpu_benchmark, with NumPy runners on the CPU."""
    import io

    from lstmbook.bench import gpu as bench
    from lstmbook.bench.core import Runner

    def prepare(p):
        lstm = lstmbook.numpy.LSTM(p.I, p.H, p.num_layers, dtype=p.dtype)
        lstm.load_state_dict(p.state_dict)

        def forward():
            return bench.DeviceOutput(lstm(p.x)[0], np.asarray)

        def forward_backward():
            out = lstm(p.x)[0]
            lstm.backward(p.grad_output)
            return bench.DeviceOutput(out, np.asarray)

        return forward, forward_backward

    runtime = types.SimpleNamespace(getDeviceProperties=lambda i: {"name": b"Stand-in GPU"})
    device = types.SimpleNamespace(id=0, synchronize=lambda: None)
    fake = types.SimpleNamespace(
        __version__="0.0", cuda=types.SimpleNamespace(runtime=runtime, Device=lambda: device)
    )
    monkeypatch.setattr(bench, "require_cupy", lambda: fake)
    monkeypatch.setattr(bench, "_cudnn_unavailable", lambda: None)
    monkeypatch.setattr(bench, "_set_tf32", lambda allow: lambda: None)
    runners = [Runner("lstmbook.cupy fused", prepare), Runner(bench.CUDNN, prepare)]
    monkeypatch.setattr(bench, "GPU_RUNNERS", runners)
    out = io.StringIO()
    rows = bench.gpu_benchmark(((3, 2, 4, 5), (2, 1, 3, 4)), repeats=1, out=out)
    assert [(r.size, r.backend) for r in rows] == [
        ((3, 2, 4, 5), "lstmbook.cupy fused"),
        ((3, 2, 4, 5), bench.CUDNN),
        ((2, 1, 3, 4), "lstmbook.cupy fused"),
        ((2, 1, 3, 4), bench.CUDNN),
    ]
    assert all(r.forward_s > 0 and r.max_rel_diff == 0.0 for r in rows)
    text = out.getvalue()
    assert text.startswith("GPU Stand-in GPU, float32, num_layers=1, median of 1 runs")
    assert "3,2,4,5: vs cuDNN: lstmbook.cupy fused" in text and "x fwd" in text


# ============================================================================ 3. the GPU
@pytest.fixture(scope="module")
def cp():
    """The ``cupy`` module, or a skip saying why the GPU tests cannot run."""
    try:
        return require_cupy()
    except BackendUnavailableError as err:
        pytest.skip(f"no CUDA GPU: {err}")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("S", [(1, 1), (5, 3), (512, 64), (33, 7), (7, 33)])
def test_gpu_kernels_match_the_formula_table(cp, S, dtype):
    a, c_prev, dh, dc = step_inputs(S, dtype, seed=S[0] + S[1])
    ref = run_forward(kernels.reference_step_forward_, a, c_prev)
    gates, c_prev_d = cp.array(a), cp.array(c_prev)  # fresh device copies
    c, tanh_c, h = (cp.empty_like(c_prev_d) for _ in range(3))
    kernels.lstm_step_forward_(gates, c_prev_d, c, tanh_c, h)
    for name, x, y in zip(("gates", "c", "tanh_c", "h"), (gates, c, tanh_c, h), ref, strict=True):
        assert x.dtype == dtype and scaled_error(cp.asnumpy(x), y) <= TOL_GPU[dtype], name

    ref_b = run_backward(kernels.reference_step_backward_, dh, dc, ref[0], c_prev, ref[2])
    dh_d, dc_d, dgates = cp.array(dh), cp.array(dc), cp.empty_like(gates)
    kernels.lstm_step_backward_(dh_d, dc_d, gates, c_prev_d, tanh_c, dgates)
    np.testing.assert_array_equal(cp.asnumpy(dh_d), dh)  # only read
    for name, x, y in zip(("dc_prev", "dgates"), (dc_d, dgates), ref_b, strict=True):
        assert scaled_error(cp.asnumpy(x), y) <= TOL_GPU[dtype], name


@pytest.mark.gpu
@pytest.mark.parametrize("S", [(6, 3), (3, 6), (5, 1), (300, 70)])
def test_gpu_kernels_index_strided_state_views(cp, S):
    """Strided state arguments (LSTM's h is a column of its history buffer, and worse),
    C-contiguous gate buffers: the same results as contiguous copies, nothing else written."""
    views, buffers = strided_state_views(S, seed=sum(S), xp=cp)
    a = np.random.default_rng(1).standard_normal((4, *S))
    c_prev, dh, dc = (cp.asnumpy(views[k]) for k in ("c_prev", "dh", "dc"))

    gates = cp.array(a)
    kernels.lstm_step_forward_(gates, views["c_prev"], views["c"], views["tanh_c"], views["h"])
    ref = run_forward(kernels.reference_step_forward_, a, c_prev)
    got = (gates, views["c"], views["tanh_c"], views["h"])
    for name, x, y in zip(("gates", "c", "tanh_c", "h"), got, ref, strict=True):
        assert scaled_error(cp.asnumpy(x), y) <= 1e-12, name
    dgates = cp.full_like(gates, np.nan)
    kernels.lstm_step_backward_(
        views["dh"], views["dc"], gates, views["c_prev"], views["tanh_c"], dgates
    )
    ref_b = run_backward(kernels.reference_step_backward_, dh, dc, ref[0], c_prev, ref[2])
    np.testing.assert_array_equal(cp.asnumpy(views["dh"]), dh)  # only read
    for name, x, y in zip(("dc_prev", "dgates"), (views["dc"], dgates), ref_b, strict=True):
        assert scaled_error(cp.asnumpy(x), y) <= 1e-12, name
    written = sum(int(cp.isfinite(b).sum()) for b in buffers)
    assert written == 6 * int(np.prod(S))  # the views' elements, nothing else


@pytest.mark.gpu
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("L", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_lstm_matches_numpy_forward_and_all_gradients(cp, L, batch_first, fused, dtype):
    ours = lstmbook.cupy.LSTM(4, 6, L, batch_first=batch_first, dtype=dtype, seed=3, fused=fused)
    ref = lstmbook.numpy.LSTM(4, 6, L, batch_first=batch_first, dtype=dtype, seed=3)
    case = lstm_case(L, batch_first, dtype, T=7, B=3, I=4, H=6)
    device_case = [cp.asarray(case[0]), tuple(cp.asarray(s) for s in case[1])]
    device_case += [cp.asarray(v) for v in case[2:]]
    got = run_lstm(ours, *device_case, asnumpy=cp.asnumpy)
    assert isinstance(ours.params["weight_ih_l0"], cp.ndarray)
    assert_close(got, run_lstm(ref, *case), TOL_GPU[dtype])


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_fused_matches_unfused(cp, dtype):
    T, B, I, H = 20, 16, 32, 64
    fused = lstmbook.cupy.LSTM(I, H, 2, dtype=dtype, seed=0)
    unfused = lstmbook.cupy.LSTM.from_numpy(fused.to_numpy(), fused=False)
    case = lstm_case(2, False, dtype, T=T, B=B, I=I, H=H)
    a = run_lstm(fused, *case, asnumpy=cp.asnumpy)
    b = run_lstm(unfused, *case, asnumpy=cp.asnumpy)
    assert_close(a, b, TOL_GPU[dtype])


@pytest.mark.gpu
def test_gpu_lstm_cell_matches_numpy(cp):
    ours = lstmbook.cupy.LSTMCell(4, 6, seed=1)
    ref = lstmbook.numpy.LSTMCell(4, 6, seed=1)
    rng = np.random.default_rng(0)
    x, h0, c0, dh, dc = (rng.standard_normal((3, n)) for n in (4, 6, 6, 6, 6))
    h, c = ours(cp.asarray(x), (cp.asarray(h0), cp.asarray(c0)))
    grad_x = ours.backward(cp.asarray(dh), cp.asarray(dc))
    h_r, c_r = ref(x, (h0, c0))
    grad_x_r = ref.backward(dh, dc)
    for x_, y_ in ((h, h_r), (c, c_r), (grad_x, grad_x_r), (ours.grad_c_0, ref.grad_c_0)):
        assert scaled_error(cp.asnumpy(x_), y_) <= 1e-10
    for k in ref.grads:
        assert scaled_error(cp.asnumpy(ours.grads[k]), ref.grads[k]) <= 1e-10, k


@pytest.mark.gpu
def test_gpu_time_loop_never_synchronises(cp):
    """The per-step loops of forward and backward queue work and never wait for the GPU."""
    cupyx = pytest.importorskip("cupyx")
    if not hasattr(cupyx, "allow_synchronize"):
        pytest.skip("this CuPy has no cupyx.allow_synchronize")
    T, B, I, H = 10, 4, 8, 16
    lstm = lstmbook.cupy.LSTM(I, H, dtype=np.float32, seed=0)
    x = cp.asarray(np.random.default_rng(0).standard_normal((T, B, I)), dtype=cp.float32)
    lstm(x)  # compile the kernels first (compiling may synchronise)
    lstm.backward(cp.ones((T, B, H), dtype=cp.float32))
    d_out = cp.ones((T, H, B), dtype=cp.float32)  # the layer's (T, H, B) blocks
    x_cols, x_rows = x.transpose(0, 2, 1), x.reshape(T * B, I)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated; may have false positives/negatives
        with cupyx.allow_synchronize(False):
            cache = lstm._layer_forward(0, x_cols, x_rows, None, None)
            d_gates = cp.empty((4 * H, T, B), dtype=cp.float32)
            h0, c0 = cp.empty((B, H), cp.float32), cp.empty((B, H), cp.float32)
            lstm._layer_backward(0, cache, d_out, None, None, d_gates, h0, c0)
    cp.cuda.Device().synchronize()


@pytest.mark.gpu
def test_gpu_state_dict_round_trips_host_device_and_torch(cp):
    ref = lstmbook.numpy.LSTM(3, 5, 2, seed=4)
    dev = lstmbook.cupy.LSTM.from_numpy(ref)
    state = dev.state_dict()
    assert all(type(v) is np.ndarray for v in state.values())
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(state[k], v)
        np.testing.assert_array_equal(dev.to_numpy().params[k], v)
    other = lstmbook.cupy.LSTM(3, 5, 2, seed=5)
    other.load_state_dict({k: cp.asarray(v) for k, v in state.items()})  # from CuPy arrays
    for k, v in state.items():
        np.testing.assert_array_equal(cp.asnumpy(other.params[k]), v)
    torch = pytest.importorskip("torch")
    module = torch.nn.LSTM(3, 5, 2, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    back = lstmbook.cupy.LSTM(3, 5, 2, seed=6)
    back.load_state_dict(module.state_dict())  # from torch tensors
    for k, v in state.items():
        np.testing.assert_array_equal(cp.asnumpy(back.params[k]), v)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_gpu_lstmbook_torch_on_cuda_matches_cudnn(cp, dtype_name):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip(f"no CUDA GPU for torch (torch {torch.__version__}, CUDA {torch.version.cuda})")
    import lstmbook.torch

    dtype = getattr(torch, dtype_name)
    tol = TOL_GPU[np.dtype(dtype_name).type]
    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        torch.manual_seed(0)
        ref = torch.nn.LSTM(4, 6, 2, dtype=dtype, device="cuda")
        ours = lstmbook.torch.LSTM(4, 6, 2, dtype=dtype, device="cuda")
        ours.load_state_dict(ref.state_dict())
        x = torch.randn(7, 3, 4, dtype=dtype, device="cuda")
        state = tuple(torch.randn(2, 3, 6, dtype=dtype, device="cuda") for _ in range(2))
        weights = [torch.randn(7, 3, 6), torch.randn(2, 3, 6), torch.randn(2, 3, 6)]
        results = []
        for module in (ours, ref):
            xi = x.clone().requires_grad_(True)
            hi = tuple(s.clone().requires_grad_(True) for s in state)
            out, (h_n, c_n) = module(xi, hi)
            loss = sum((t * w.to(t)).sum() for t, w in zip((out, h_n, c_n), weights, strict=True))
            loss.backward()
            r = {"output": out, "h_n": h_n, "c_n": c_n, "grad_x": xi.grad}
            r |= {"grad_h_0": hi[0].grad, "grad_c_0": hi[1].grad}
            r |= {f"grad_{n}": p.grad for n, p in module.named_parameters()}
            results.append({k: v.detach().cpu().numpy() for k, v in r.items()})
        assert_close(*results, tol)
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old

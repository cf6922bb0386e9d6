"""lstmbook.io: .npz weights round-trip, and bad files are refused without unpickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from lstmbook.io import load_weights, save_weights
from lstmbook.numpy import LSTM


def test_save_then_load_round_trips_exactly(tmp_path):
    lstm = LSTM(3, 4, 2, dtype=np.float32, seed=0)
    path = tmp_path / "w.npz"
    save_weights(path, lstm.state_dict())
    loaded = load_weights(path, expected=lstm.params)
    assert loaded.keys() == lstm.params.keys()
    for k, v in loaded.items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, lstm.params[k])


def test_npz_suffix_is_added_when_missing(tmp_path):
    save_weights(tmp_path / "weights", {"a": np.ones(2)})
    assert (tmp_path / "weights.npz").exists()
    np.testing.assert_array_equal(load_weights(tmp_path / "weights")["a"], np.ones(2))


def test_lstm_save_and_load_restore_outputs(tmp_path):
    a, b = LSTM(3, 4, 2, seed=0), LSTM(3, 4, 2, seed=1)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    a.save(tmp_path / "a.npz")
    assert b.load(tmp_path / "a.npz") is b
    np.testing.assert_array_equal(a(x)[0], b(x)[0])


def test_file_with_missing_array_is_refused(tmp_path):
    lstm = LSTM(3, 4, seed=0)
    sd = lstm.state_dict()
    del sd["bias_hh_l0"]
    save_weights(tmp_path / "w.npz", sd)
    with pytest.raises(ValueError, match=r"missing arrays \['bias_hh_l0'\]"):
        lstm.load(tmp_path / "w.npz")


def test_file_with_extra_array_is_refused(tmp_path):
    lstm = LSTM(3, 4, seed=0)
    save_weights(tmp_path / "w.npz", lstm.state_dict() | {"weight_ih_l1": np.zeros((16, 4))})
    with pytest.raises(ValueError, match=r"unexpected arrays \['weight_ih_l1'\]"):
        lstm.load(tmp_path / "w.npz")


def test_file_with_mis_shaped_array_is_refused(tmp_path):
    lstm = LSTM(3, 4, seed=0)
    save_weights(tmp_path / "w.npz", lstm.state_dict() | {"weight_hh_l0": np.zeros((16, 5))})
    with pytest.raises(ValueError, match=r"'weight_hh_l0' has shape \(16, 5\), expected \(16, 4\)"):
        load_weights(tmp_path / "w.npz", expected={k: v.shape for k, v in lstm.params.items()})


class _Boom:
    """Unpickling this would run code; loading must refuse before that happens."""

    ran = False

    def __reduce__(self):
        return (_Boom._explode, ())

    @staticmethod
    def _explode():
        _Boom.ran = True
        return "exploded"


def test_object_array_in_npz_is_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    obj = np.empty(1, dtype=object)
    obj[0] = _Boom()
    np.savez(path, weight_ih_l0=obj)  # savez pickles object arrays
    _Boom.ran = False
    with pytest.raises(ValueError, match="object array.*unpickling.*refusing"):
        load_weights(path)
    assert not _Boom.ran


def test_pickle_file_is_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weight_ih_l0": _Boom()}))
    _Boom.ran = False
    with pytest.raises(ValueError, match="not an .npz of numeric arrays.*never unpickled"):
        load_weights(path)
    assert not _Boom.ran


def test_saving_an_object_array_is_refused(tmp_path):
    with pytest.raises(TypeError, match="only numeric arrays can be saved"):
        save_weights(tmp_path / "w.npz", {"a": np.array([{"x": 1}], dtype=object)})


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_weights(tmp_path / "nothing.npz")


def test_torch_weights_saved_with_save_weights_load_into_numpy_lstm(tmp_path):
    torch = pytest.importorskip("torch")
    twin = torch.nn.LSTM(3, 4, 2, dtype=torch.float64)
    save_weights(tmp_path / "t.npz", twin.state_dict())  # tensors are converted
    lstm = LSTM(3, 4, 2).load(tmp_path / "t.npz")
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    expected = twin(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(lstm(x)[0], expected, rtol=1e-12, atol=1e-14)

"""The CTC speech script (scripts/train_speech_ctc.py): its helpers, one short training run,
and the shipped model against its record."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from lstmbook import artifacts
from lstmbook.data import speech
from lstmbook.io import load_into
from lstmbook.torch.train import train_step

ROOT = Path(__file__).resolve().parents[1]
needs_espeak = pytest.mark.skipif(not speech.espeak_available(),
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_speech_ctc",
                                                  ROOT / "scripts/train_speech_ctc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_digits_become_labels_after_the_blank_and_back(script):
    assert script.labels_of([0, 9, 9]) == [1, 10, 10]
    assert script.digits_of(script.labels_of([3, 0, 7])) == [3, 0, 7]
    assert script.transcript([3, 1], "en") == "three one"
    assert script.transcript([3, 1], "cmn") == "三 一"


def test_stacked_frames_sit_side_by_side_and_the_last_is_repeated_to_fill():
    frames = np.arange(14, dtype=float).reshape(7, 2)
    out = speech.stack_frames(frames, 3)
    assert out.shape == (3, 6)
    np.testing.assert_array_equal(out[0], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(out[2], [12, 13, 12, 13, 12, 13])
    np.testing.assert_array_equal(speech.stack_frames(frames[:6], 3)[1], np.arange(6, 12))


def test_stacking_names_bad_input():
    with pytest.raises(ValueError, match=r"\(frames, features\)"):
        speech.stack_frames(np.zeros(5))
    with pytest.raises(ValueError, match="positive integer"):
        speech.stack_frames(np.zeros((5, 2)), 0)


def test_stacked_mfcc_normalises_with_the_training_statistics_given():
    t = np.arange(speech.SAMPLE_RATE // 2) / speech.SAMPLE_RATE
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    raw = speech.stacked_mfcc(wave)
    assert raw.shape == (int(np.ceil(speech.mfcc(wave).shape[0] / 3)), 39)
    assert raw.dtype == np.float32
    mean, std = raw.mean(0), raw.std(0) + 1
    np.testing.assert_allclose(speech.stacked_mfcc(wave, mean=mean, std=std),
                               (raw - mean) / std, rtol=1e-6)
    with pytest.raises(ValueError, match="both mean and std"):
        speech.stacked_mfcc(wave, mean=mean)
    with pytest.raises(ValueError, match=r"shape \(39,\)"):
        speech.stacked_mfcc(wave, mean=mean[:13], std=std[:13])


def test_a_batch_holds_padded_frames_lengths_and_concatenated_targets(script):
    feats = [np.ones((n, 4), np.float32) * n for n in (3, 5, 2)]
    labels = [[1], [2, 3], [4, 4, 5]]
    (x, lengths), (targets, target_lengths, _) = script.batch_generator(feats, labels, 3, 0)(0)
    assert x.shape == (3, 5, 4)
    assert sorted(lengths.tolist()) == [2, 3, 5]
    assert sorted(target_lengths.tolist()) == [1, 2, 3] and len(targets) == 6
    for b, n in enumerate(lengths.tolist()):
        assert torch.all(x[b, n:] == 0) and torch.all(x[b, :n] == n)


@needs_espeak
def test_a_few_ctc_updates_on_spoken_digits_lower_the_loss(script):
    torch.manual_seed(0)
    voices = speech.speakers("en", "train")[:4]
    digits = [[1, 2], [3], [4, 4, 0], [9, 7]]
    waves = [speech.synthesize(script.transcript(d, "en"), v)
             for d, v in zip(digits, voices, strict=True)]
    feats = script.featurize(waves)
    mean, std = script.feature_stats(feats)
    feats = script.normalise(feats, mean, std)
    model = script.build_model(feats[0].shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    def step(x, y):  # one update of fit's own step, with the script's CTC loss
        return train_step(model, script.ctc_loss, optimizer, x, y, clip_norm=5.0)

    batch = script.batch_generator(feats, [script.labels_of(d) for d in digits], 4, 0)(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the script trains; small steps crawl on busy threads
    try:
        losses = [step(*batch)[0] for _ in range(30)]
    finally:
        torch.set_num_threads(threads)
    assert losses[-1] < 0.7 * losses[0]
    tables = script.ctc.log_posteriors(model, feats)
    assert [t.shape for t in tables] == [(len(f), 11) for f in feats]


def test_the_shipped_seed_0_models_give_their_recorded_live_scores(script):
    if "speech_ctc/results" not in artifacts.records():
        pytest.skip("the CTC results are not shipped yet")
    results = artifacts.load("speech_ctc/results")
    for language, entry in results["languages"].items():
        live = entry["live"]
        assert len(live["refs"]) == live["n"] == len(live["greedy"]["hyps"])
        model = load_into(script.build_model(), artifacts.load(f"speech_ctc/{language}_lstm"))
        assert model.rnn.bidirectional and model.output_size == 11
        for run in entry["runs"]:
            snr = run["snr"][f"{script.TRAIN_SNR:g}"]
            assert set(snr) == {"greedy", "beam"} and 0 <= snr["greedy"]["cer"]

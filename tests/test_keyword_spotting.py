"""Keyword spotting on a stream: carrying the LSTM's state from chunk to chunk gives the
same posteriors as one pass; detections are threshold crossings with a refractory time;
hits, misses and false alarms are counted against the spoken words."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.speech import Detection, detect, score_detections, stream_posteriors


@pytest.mark.parametrize("chunk", [1, 7, 10, 64])
def test_the_state_carried_across_chunks_gives_the_one_pass_posteriors(chunk):
    torch.manual_seed(0)
    model = RecurrentNet("lstm", 13, 16, 12, readout="last")
    frames = np.random.default_rng(0).normal(size=(150, 13)).astype(np.float32)
    one_pass = stream_posteriors(model, frames)
    chunked = stream_posteriors(model, frames, chunk=chunk)
    assert one_pass.shape == (150, 12)
    np.testing.assert_allclose(chunked, one_pass, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(one_pass.sum(1), 1.0, rtol=1e-6)
    # the last frame's posterior is the clip classifier's output on the whole stream
    with torch.no_grad():
        clip = torch.softmax(model(torch.from_numpy(frames)[None]), -1)[0].numpy()
    np.testing.assert_allclose(one_pass[-1], clip, rtol=1e-5, atol=1e-6)


def test_stream_input_errors_are_named():
    model = RecurrentNet("lstm", 13, 8, 12)
    with pytest.raises(ValueError, match=r"\(T, I\)"):
        stream_posteriors(model, np.zeros((2, 5, 13)))
    with pytest.raises(ValueError, match="NaN"):
        stream_posteriors(model, np.full((5, 13), np.nan))
    with pytest.raises(ValueError, match="chunk"):
        stream_posteriors(model, np.zeros((5, 13)), chunk=0)


def test_detections_are_rising_crossings_with_a_refractory_time():
    p = np.zeros((300, 3))
    p[:, 2] = 1.0
    p[[10, 11, 12, 30, 200], 0] = 0.9  # a crossing at 10, again at 30 (too soon), and 200
    p[[100], 1] = 0.6
    found = detect(p, 0.5, [0, 1], refractory=50)
    assert [(d.frame, d.label) for d in found] == [(10, 0), (100, 1), (200, 0)]
    assert detect(p, 0.95, [0, 1]) == []
    with pytest.raises(ValueError, match="threshold"):
        detect(p, 1.5, [0])


def test_hits_misses_and_false_alarms_are_counted_against_the_words():
    events = [(100, 150, 0), (400, 460, 3), (800, 850, 0)]
    found = [Detection(140, 0, 0.9), Detection(160, 0, 0.8), Detection(470, 3, 0.7),
             Detection(2000, 5, 0.9)]
    score = score_detections(found, events, n_frames=360_000, late=80)
    assert (score.hits, score.misses, score.false_alarms) == (2, 1, 2)
    assert score.detection_rate == pytest.approx(2 / 3)
    assert score.hours == pytest.approx(1.0)
    assert score.false_alarms_per_hour == pytest.approx(2.0)

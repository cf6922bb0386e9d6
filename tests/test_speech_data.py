"""Synthetic speech: espeak-ng synthesis is deterministic and cached, the train and test
speakers share no voice variant, noise is added at the stated SNR, and the features have
the shapes the pages rely on. Tests that synthesise skip, with the reason, where espeak-ng
is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.data import speech as S

needs_espeak = pytest.mark.skipif(
    not S.espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMBOOK_CACHE", str(tmp_path))
    return tmp_path / "speech"


def test_train_and_test_speakers_share_no_voice_variant():
    for lang in ("en", "cmn"):
        train = {s.variant for s in S.speakers(lang, "train")}
        test = {s.variant for s in S.speakers(lang, "test")}
        assert train and test and not train & test
    with pytest.raises(ValueError, match="language"):
        S.speakers("fr")
    with pytest.raises(ValueError, match="split"):
        S.speakers("en", "dev")
    seen = S.speakers("en", "seen")
    assert {s.variant for s in seen} == set(S.TRAIN_VARIANTS)
    assert not {(s.pitch, s.speed) for s in seen} & {(s.pitch, s.speed) for s in S.speakers("en")}


def test_a_missing_espeak_is_named(monkeypatch):
    monkeypatch.setattr(S.shutil, "which", lambda name: None)
    S._espeak_version.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
            S.synthesize("stop", S.Speaker("en-us", "m1"), cache=False)
    finally:
        S._espeak_version.cache_clear()


@needs_espeak
def test_synthesis_is_deterministic_and_cached(cache, monkeypatch):
    sp = S.Speaker("en-us", "m3", 50, 160)
    a = S.synthesize("stop", sp)
    assert a.dtype == np.float32 and a.ndim == 1 and 0.1 * S.SAMPLE_RATE < len(a) < S.SAMPLE_RATE
    assert np.abs(a).max() <= 1.0
    assert len(list(cache.glob("*.npy"))) == 1
    b = S.synthesize("stop", sp, cache=False)
    assert np.array_equal(a, b)

    def no_espeak(*args, **kwargs):
        raise AssertionError("espeak-ng was called although the clip is cached")

    monkeypatch.setattr(S.subprocess, "run", no_espeak)
    assert np.array_equal(S.synthesize("stop", sp), a)


@needs_espeak
def test_other_speakers_and_mandarin_sound_different(cache):
    a = S.synthesize("stop", S.Speaker("en-us", "m3", 50, 160))
    b = S.synthesize("stop", S.Speaker("en-us", "f2", 65, 160))
    assert len(a) != len(b) or not np.allclose(a, b)
    c = S.synthesize("三七一", S.Speaker("cmn", "m3"))
    assert len(c) > len(S.synthesize("三", S.Speaker("cmn", "m3")))


def test_noise_is_added_at_the_stated_snr():
    rng = np.random.default_rng(0)
    signal = np.sin(np.linspace(0, 2000, 160_000)).astype(np.float32)
    for snr in (0.0, 10.0, 20.0):
        noisy = S.add_noise(signal, snr, rng)
        noise = noisy - signal
        measured = 10 * np.log10(np.mean(signal.astype(float) ** 2) / np.mean(noise ** 2))
        assert abs(measured - snr) < 0.1
    assert np.array_equal(S.add_noise(signal, None, rng), signal)
    with pytest.raises(ValueError, match="silent"):
        S.add_noise(np.zeros(10), 10.0, rng)


def test_features_have_one_frame_every_10_ms():
    x = np.random.default_rng(1).normal(size=S.SAMPLE_RATE).astype(np.float32)
    m = S.mfcc(x)
    assert m.shape == (S.SAMPLE_RATE // S.HOP + 1, 13)
    assert S.log_mel(x).shape == (S.SAMPLE_RATE // S.HOP + 1, 40)
    with pytest.raises(ValueError, match="kind"):
        S.features([x], kind="wav2vec")


@needs_espeak
def test_command_clips_are_one_second_with_every_label(cache, monkeypatch):
    monkeypatch.setattr(S, "TEST_VARIANTS", ("m6",))
    clips, labels, who = S.command_clips("test", snr_db=10.0, seed=0)
    per_speaker = len(S.COMMANDS) + 2 + 1
    assert clips.shape == (6 * per_speaker, S.SAMPLE_RATE) and clips.dtype == np.float32
    assert set(labels) == set(range(len(S.COMMAND_LABELS)))
    assert who.count("noise") == 6


@needs_espeak
def test_digit_strings_are_one_to_seven_digits(cache, monkeypatch):
    monkeypatch.setattr(S, "TEST_VARIANTS", ("m6",))
    audio, digits, who = S.digit_string_clips("cmn", "test", n_per_speaker=2, seed=3)
    assert len(audio) == len(digits) == len(who) == 12
    assert all(1 <= len(d) <= 7 and all(0 <= k <= 9 for k in d) for d in digits)

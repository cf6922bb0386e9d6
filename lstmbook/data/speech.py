"""Spoken words and digit strings, synthesised offline by espeak-ng (语音合成).

Nothing is downloaded: the audio is made on this machine by **espeak-ng** (the Debian package
``espeak-ng``), which speaks English and Mandarin (``cmn``) with ~100 voice variants, at a
chosen pitch and speed. A *speaker* here is one (language, variant, pitch, speed); the
speakers of the test set use variants that no training speaker uses, so a score on them is
a score for voices the model never heard.

* :func:`synthesize` -- one utterance as a float32 waveform at :data:`SAMPLE_RATE`, cached on
  disk keyed by every parameter (a rebuild does not synthesise again);
* :func:`speakers` -- the train/test speakers of a language;
* :func:`add_noise` -- white noise at a stated signal-to-noise ratio (信噪比);
* :func:`mfcc`, :func:`log_mel` -- the features, computed by librosa (the field's library);
* :func:`command_clips` -- one-second clips of command words, "unknown" words and
  "silence", like the Speech Commands benchmark (Warden, 2018);
* :func:`digit_string_clips` -- connected digit strings (like TIDIGITS) for CTC.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "COMMANDS",
    "COMMAND_LABELS",
    "DIGITS",
    "SAMPLE_RATE",
    "HOP",
    "Speaker",
    "stack_frames",
    "stacked_mfcc",
    "add_noise",
    "command_clips",
    "command_stream",
    "vocabulary",
    "digit_string_clips",
    "espeak_available",
    "log_mel",
    "mfcc",
    "require_espeak",
    "speakers",
    "synthesize",
]

#: Samples per second of every waveform here (espeak-ng's 22,050 Hz is resampled).
SAMPLE_RATE = 16_000
#: Samples between feature frames: 10 ms, so 100 frames per second.
HOP = 160
#: The ten command words of Speech Commands v0.01 (Warden, 2018).
COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
#: Words that are not commands: the model must call them "unknown".
UNKNOWN_WORDS = ("bed", "bird", "cat", "dog", "happy", "house", "tree", "wow", "seven", "marvin")
#: The labels of the command task: the ten commands, then "unknown" and "silence".
COMMAND_LABELS = COMMANDS + ("unknown", "silence")
#: Mandarin words that are not digits, the "unknown" words of the Mandarin digit task.
UNKNOWN_WORDS_CMN = ("好", "是", "不", "大", "中", "水", "天", "人", "山", "月")
#: The digits 0-9, spoken, by language: English words and Mandarin characters (零…九).
DIGITS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "cmn": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
}
#: espeak-ng voice of each language.
VOICES = {"en": "en-us", "cmn": "cmn"}
#: Voice variants of the training speakers and of the held-out (test) speakers.
TRAIN_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3", "klatt", "klatt2",
                  "adam", "benjamin", "caleb", "linda", "steph", "iven")
TEST_VARIANTS = ("m6", "m7", "f4", "f5", "klatt3", "john", "annie", "david")
_PITCHES = (35, 50, 65)
_SPEEDS = (140, 175)

PACKAGE_HINT = ("espeak-ng is not installed: the speech pages synthesise their audio with it. "
                "Install the Debian package (apt-get install espeak-ng), or see the README.")


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: espeak-ng ``voice`` + ``variant`` at a ``pitch`` (0-99) and a
    ``speed`` (words per minute)."""

    voice: str
    variant: str
    pitch: int = 50
    speed: int = 160

    @property
    def name(self) -> str:
        return f"{self.voice}+{self.variant} p{self.pitch} s{self.speed}"


def espeak_available() -> bool:
    """Is the ``espeak-ng`` program on the PATH?"""
    return shutil.which("espeak-ng") is not None


def require_espeak() -> None:
    """Raise a ``RuntimeError`` naming the package when espeak-ng is missing."""
    if not espeak_available():
        raise RuntimeError(PACKAGE_HINT)


@functools.lru_cache(maxsize=1)
def _espeak_version() -> str:
    require_espeak()
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def cache_dir() -> Path:
    """Where synthesised audio is kept: ``$LSTMBOOK_CACHE/speech`` or
    ``~/.cache/lstmbook/speech``."""
    root = os.environ.get("LSTMBOOK_CACHE") or Path.home() / ".cache" / "lstmbook"
    return Path(root) / "speech"


def speakers(language: str = "en", split: str = "train") -> list[Speaker]:
    """The speakers of ``language`` (``"en"`` or ``"cmn"``) in ``split``:

    * ``"train"``: every training variant at three pitches and two speeds;
    * ``"seen"``: the same variants at pitches and a speed no training speaker has, to
      score voices the model has heard (espeak-ng would otherwise repeat the very samples);
    * ``"test"``: the held-out variants, which no training speaker uses.
    """
    if language not in VOICES:
        raise ValueError(f"language must be one of {sorted(VOICES)}, got {language!r}")
    voice = VOICES[language]
    if split == "train":
        return [Speaker(voice, v, p, s) for v in TRAIN_VARIANTS for p in _PITCHES
                for s in _SPEEDS]
    if split == "seen":
        return [Speaker(voice, v, p, 158) for v in TRAIN_VARIANTS for p in (42, 58)]
    if split == "test":
        return [Speaker(voice, v, p, s) for v in TEST_VARIANTS for p in _PITCHES
                for s in _SPEEDS]
    raise ValueError(f"split must be 'train', 'seen' or 'test', got {split!r}")


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate, width, n = w.getframerate(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    if width != 2:
        raise RuntimeError(f"espeak-ng wrote {8 * width}-bit audio; expected 16-bit")
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0, rate


def synthesize(text: str, speaker: Speaker, *, cache: bool = True) -> np.ndarray:
    """``text`` spoken by ``speaker``: a float32 waveform in [-1, 1] at :data:`SAMPLE_RATE`,
    with espeak-ng's leading and trailing silence trimmed.

    The same text and speaker give the same samples (espeak-ng is deterministic); the result
    is cached under :func:`cache_dir`, keyed by every parameter and espeak-ng's version.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    if not isinstance(speaker, Speaker):
        raise TypeError(f"speaker must be a Speaker, got {type(speaker).__name__}")
    key = json.dumps([text, speaker.voice, speaker.variant, speaker.pitch, speaker.speed,
                      SAMPLE_RATE, _espeak_version()], ensure_ascii=False)
    path = cache_dir() / f"{hashlib.sha1(key.encode()).hexdigest()}.npy"
    if cache and path.is_file():
        return np.load(path, allow_pickle=False)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        cmd = ["espeak-ng", "-v", f"{speaker.voice}+{speaker.variant}", "-p", str(speaker.pitch),
               "-s", str(speaker.speed), "-w", str(wav), text]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0 or not wav.is_file():
            raise RuntimeError(f"espeak-ng failed for {speaker.name}: {result.stderr.strip()}")
        audio, rate = _read_wav(wav)
    audio = _trim(_resample(audio, rate))
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp_path, audio, allow_pickle=False)
        os.replace(tmp_path, path)
    return audio


def _librosa():
    """librosa, imported without the progress-bar warning its tqdm import prints in Jupyter."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import librosa

        _ = librosa.feature.mfcc, librosa.util.frame  # load the lazy submodules here
    return librosa


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return audio
    librosa = _librosa()
    return librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE).astype(np.float32)


def _trim(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio if loud.size == 0 else audio[loud[0]: loud[-1] + 1]


def add_noise(signal: np.ndarray, snr_db: float | None, rng: np.random.Generator) -> np.ndarray:
    """``signal`` plus white Gaussian noise whose power is ``snr_db`` decibels below the
    signal's (``None``: no noise). SNR = 10 log10(P_signal / P_noise)."""
    if snr_db is None:
        return signal.astype(np.float32)
    power = float(np.mean(signal.astype(np.float64) ** 2))
    if power == 0:
        raise ValueError("the signal is silent: an SNR is undefined")
    sigma = np.sqrt(power / 10 ** (snr_db / 10))
    return (signal + rng.normal(0.0, sigma, size=signal.shape)).astype(np.float32)


def mfcc(signal: np.ndarray, n_mfcc: int = 13) -> np.ndarray:
    """Mel-frequency cepstral coefficients (梅尔频率倒谱系数), (frames, n_mfcc): 25 ms windows
    every 10 ms (librosa)."""
    librosa = _librosa()
    return librosa.feature.mfcc(y=np.asarray(signal, dtype=np.float32), sr=SAMPLE_RATE,
                                n_mfcc=n_mfcc, n_fft=400, hop_length=HOP, n_mels=40).T


def log_mel(signal: np.ndarray, n_mels: int = 40) -> np.ndarray:
    """Log-mel spectrogram (梅尔频谱) in dB, (frames, n_mels): 25 ms windows every 10 ms."""
    librosa = _librosa()

    mel = librosa.feature.melspectrogram(y=np.asarray(signal, dtype=np.float32),
                                         sr=SAMPLE_RATE, n_fft=400, hop_length=HOP,
                                         n_mels=n_mels)
    return librosa.power_to_db(mel, ref=1.0, top_db=80.0).T


def stack_frames(frames: np.ndarray, k: int = 3) -> np.ndarray:
    """(T, F) -> (ceil(T / k), k F): every k consecutive frames side by side in one step (the
    last frame repeated to fill the final step). Stacking 10 ms frames in threes gives the
    30 ms steps of ``book/applications/speech_ctc.ipynb``."""
    frames = np.asarray(frames)
    if frames.ndim != 2 or len(frames) == 0:
        raise ValueError(f"frames must be (frames, features), got shape {frames.shape}")
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    pad = (-len(frames)) % k
    if pad:
        frames = np.concatenate([frames, np.repeat(frames[-1:], pad, axis=0)])
    return frames.reshape(-1, k * frames.shape[1])


def stacked_mfcc(signal: np.ndarray, *, stack: int = 3, n_mfcc: int = 13,
                 mean: np.ndarray | None = None, std: np.ndarray | None = None) -> np.ndarray:
    """:func:`mfcc` frames stacked in ``stack`` s (:func:`stack_frames`), float32, and
    normalised as ``(x - mean) / std`` when the training statistics are given:
    (ceil(frames / stack), stack * n_mfcc)."""
    steps = stack_frames(mfcc(signal, n_mfcc=n_mfcc), stack).astype(np.float32)
    if mean is None and std is None:
        return steps
    if mean is None or std is None:
        raise ValueError("give both mean and std (the training statistics), or neither")
    mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
    if mean.shape != (steps.shape[1],) or std.shape != (steps.shape[1],):
        raise ValueError(f"mean and std must have shape ({steps.shape[1]},), got "
                         f"{mean.shape} and {std.shape}")
    return ((steps - mean) / std).astype(np.float32)


def _in_clip(word: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """``word`` placed at a random offset in ``length`` samples of silence (cut if longer)."""
    clip = np.zeros(length, dtype=np.float32)
    word = word[:length]
    start = int(rng.integers(0, length - len(word) + 1))
    clip[start: start + len(word)] = word
    return clip


def vocabulary(language: str = "en") -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(words, unknown_words, labels)`` of the isolated-word task of ``language``: the ten
    English commands, or the ten Mandarin digits 零…九; the labels add "unknown" and
    "silence"."""
    if language == "en":
        return COMMANDS, UNKNOWN_WORDS, COMMAND_LABELS
    if language == "cmn":
        return DIGITS["cmn"], UNKNOWN_WORDS_CMN, DIGITS["cmn"] + ("unknown", "silence")
    raise ValueError(f"language must be 'en' or 'cmn', got {language!r}")


def command_clips(
    split: str = "train",
    *,
    language: str = "en",
    snr_db: float | None = 20.0,
    unknown_per_speaker: int = 2,
    silence_per_speaker: int = 1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One-second clips of the command task, every speaker of ``split`` once per command
    (``language="cmn"``: the Mandarin digits 零…九 instead, see :func:`vocabulary`).

    ``snr_db`` is set against the power of the whole one-second clip (the word padded with
    silence), so against the word itself the SNR is ``10 log10(1 / duration)`` dB higher;
    the "silence" clips (noise alone) take the noise level set against the word's power,
    as :func:`command_stream` does. Shipped results depend on this definition.

    Returns
    -------
    clips : (N, SAMPLE_RATE) float32
    labels : (N,) int, indices into the labels of :func:`vocabulary`
    who : list of str, the speaker of each clip (``"noise"`` for silence)
    """
    rng = np.random.default_rng(seed)
    vocab, others, names = vocabulary(language)
    clips, labels, who = [], [], []
    level = 0.1  # the loudness of a word's RMS, before noise
    for sp in speakers(language, split):
        words = [(w, k) for k, w in enumerate(vocab)]
        unknown = rng.choice(len(others), size=unknown_per_speaker, replace=False)
        words += [(others[j], names.index("unknown")) for j in unknown]
        for text, label in words:
            audio = synthesize(text, sp)
            audio = audio * (level / max(float(np.sqrt(np.mean(audio ** 2))), 1e-8))
            clips.append(add_noise(_in_clip(audio, SAMPLE_RATE, rng), snr_db, rng))
            labels.append(label)
            who.append(sp.name)
        for _ in range(silence_per_speaker):
            # silence: the noise alone, at the level it has next to a word
            noise_sd = level / 10 ** ((snr_db if snr_db is not None else 40.0) / 20)
            clips.append(rng.normal(0.0, noise_sd, SAMPLE_RATE).astype(np.float32))
            labels.append(names.index("silence"))
            who.append("noise")
    return np.stack(clips), np.array(labels), who


def command_stream(
    seconds: float = 300.0,
    *,
    split: str = "test",
    snr_db: float | None = 20.0,
    command_share: float = 0.6,
    seed: int = 0,
) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """A long recording of words with pauses, in noise: the input of keyword spotting.

    Words of ``split``'s speakers follow each other with pauses of 0.3-1.5 s; a share
    ``command_share`` of them are commands, the rest "unknown" words. White noise at
    ``snr_db`` (relative to the words' level) runs throughout.

    Returns
    -------
    audio : float32 waveform of ``seconds`` seconds
    events : ``(start_sample, end_sample, label)`` of every word, label an index into
        :data:`COMMAND_LABELS` (unknown words get the "unknown" label)
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    audio = np.zeros(n, dtype=np.float32)
    events: list[tuple[int, int, int]] = []
    voices = speakers("en", split)
    level = 0.1
    t = int(rng.uniform(0.3, 1.5) * SAMPLE_RATE)
    while True:
        sp = voices[int(rng.integers(len(voices)))]
        if rng.random() < command_share:
            label = int(rng.integers(len(COMMANDS)))
            text = COMMANDS[label]
        else:
            text = UNKNOWN_WORDS[int(rng.integers(len(UNKNOWN_WORDS)))]
            label = COMMAND_LABELS.index("unknown")
        word = synthesize(text, sp)
        word = word * (level / max(float(np.sqrt(np.mean(word ** 2))), 1e-8))
        if t + len(word) >= n:
            break
        audio[t:t + len(word)] = word
        events.append((t, t + len(word), label))
        t += len(word) + int(rng.uniform(0.3, 1.5) * SAMPLE_RATE)
    if snr_db is not None:
        audio += rng.normal(0.0, level / 10 ** (snr_db / 20), n).astype(np.float32)
    return audio, events


def digit_string_clips(
    language: str = "en",
    split: str = "train",
    *,
    n_per_speaker: int = 10,
    max_digits: int = 7,
    snr_db: float | None = 30.0,
    seed: int = 0,
) -> tuple[list[np.ndarray], list[list[int]], list[str]]:
    """Connected digit strings of 1-``max_digits`` digits, spoken as one utterance.

    Returns
    -------
    audio : list of float32 waveforms (lengths differ)
    digits : list of lists of int 0-9, the spoken digits
    who : the speaker of each utterance
    """
    if language not in DIGITS:
        raise ValueError(f"language must be one of {sorted(DIGITS)}, got {language!r}")
    rng = np.random.default_rng(seed)
    words = DIGITS[language]
    sep = " " if language == "en" else ""
    audio, digits, who = [], [], []
    for sp in speakers(language, split):
        for _ in range(n_per_speaker):
            n = int(rng.integers(1, max_digits + 1))
            ds = [int(d) for d in rng.integers(0, 10, size=n)]
            wave_ = synthesize(sep.join(words[d] for d in ds), sp)
            wave_ = wave_ * (0.1 / max(float(np.sqrt(np.mean(wave_ ** 2))), 1e-8))
            pad = np.zeros(int(0.1 * SAMPLE_RATE), dtype=np.float32)
            audio.append(add_noise(np.concatenate([pad, wave_, pad]), snr_db, rng))
            digits.append(ds)
            who.append(sp.name)
    return audio, digits, who


def features(waves: Sequence[np.ndarray], kind: str = "mfcc") -> list[np.ndarray]:
    """:func:`mfcc` or :func:`log_mel` of each waveform."""
    fn = {"mfcc": mfcc, "log_mel": log_mel}.get(kind)
    if fn is None:
        raise ValueError(f"kind must be 'mfcc' or 'log_mel', got {kind!r}")
    return [fn(w) for w in waves]

"""Train the CTC digit-string recognisers of book/applications/speech_ctc.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_speech_ctc.py           # everything, ~25 CPU-min
    python scripts/train_speech_ctc.py --quick                     # try the script, save nothing
    OMP_NUM_THREADS=1 python scripts/train_speech_ctc.py --longer 5000   # does more help?

Deterministic (fixed seeds, one thread, CPU). For English and Mandarin, spoken connected
digit strings of 1-7 digits (:func:`lstmbook.data.speech.digit_string_clips`, synthesised by
espeak-ng) become MFCC frames, three 10 ms frames stacked into one 30 ms step and normalised
with the training set's mean and standard deviation. A bidirectional LSTM
(:class:`lstmbook.torch.models.RecurrentNet`, ``readout="all"``) emits 11 log-probabilities
per step -- the blank (label 0) and the digits 0-9 (labels 1-10) -- and is trained with
``torch.nn.CTCLoss`` through :func:`lstmbook.torch.train.fit` (``step_fn``), with early
stopping on the greedy word error rate of a validation set, ties broken by the validation
CTC loss; the best weights are kept. The validation WER reaches 0 within a few hundred
updates and the loss then keeps falling, so every run uses its whole budget of
``TRAIN["steps"]`` updates. The greedy test WER at :data:`TRAIN_SNR` dB is recorded at every
evaluation (``curve["test_wer"]``, watched, never used to choose anything). ``--longer N``
trains seed 0 of each language for N updates instead, recording the same curve, and saves
only that curve (``speech_ctc/longer``): the measure of how much the answer still changes
after the budget. Sizes: :data:`N_PER_SPEAKER`,
:data:`MODEL`, :data:`TRAIN`.

* Training: the 96 training speakers of each language at :data:`TRAIN_SNR` dB;
* validation (early stopping): the ``"seen"`` speakers (training voices at other pitches and
  a speed no training speaker has);
* test: the held-out ``"test"`` voices at each of :data:`TEST_SNRS`, decoded greedily and by
  prefix beam search (:mod:`lstmbook.torch.ctc`), scored with word error rate (the digits as
  words) and character error rate (the characters of the written words, spaces ignored) from
  :mod:`lstmbook.metrics.speech`, overall and by string length;
* a small *live* set (one utterance per test voice, :data:`LIVE`), scored with the seed-0
  model, which the page re-scores to show that the shipped weights give the shipped numbers.

Writes through :func:`lstmbook.artifacts.save`: ``speech_ctc/<language>_lstm`` (the weights of
seed 0, float32) and ``speech_ctc/results`` (per seed, SNR and length, per-utterance word
errors for paired tests, the feature statistics, the budgets).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from lstmbook import artifacts
from lstmbook.data import speech
from lstmbook.io import state_arrays
from lstmbook.metrics.speech import (
    character_error_rate,
    word_error_counts,
    word_error_rate,
)
from lstmbook.torch import ctc
from lstmbook.torch.models import RecurrentNet, parameter_count
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_speech_ctc.py"
COMMAND = f"OMP_NUM_THREADS=1 python {SCRIPT}"
LANGUAGES = ("en", "cmn")
SEEDS = (0, 1, 2)
BLANK = 0  # label 0 is the blank; digit d is label d + 1
N_LABELS = 11
TRAIN_SNR = 30.0
TEST_SNRS = (30.0, 20.0, 10.0, 0.0)
MAX_DIGITS = 7
N_PER_SPEAKER = {"train": 8, "seen": 3, "test": 4}  # 96, 32, 48 speakers per language
DATA_SEED = {"train": 1, "seen": 2, "test": 3}
LIVE = dict(split="test", n_per_speaker=1, snr_db=TRAIN_SNR, seed=4)  # 48 utterances
N_MFCC = 13
STACK = 3  # 10 ms frames stacked in threes: one step = 30 ms, 39 features
MODEL = dict(hidden_size=64, num_layers=1)
TRAIN = dict(steps=2000, batch_size=16, lr=3e-3, clip_norm=5.0, eval_every=250, patience=3)
TIE_BREAK = 1e-3  # validation metric: greedy WER + TIE_BREAK x CTC loss per label
BEAM_WIDTH = 8


# ----------------------------------------------------------------------------- data

def labels_of(digits: Sequence[int]) -> list[int]:
    """CTC labels of a digit string: digit d is label d + 1 (0 is the blank)."""
    return [int(d) + 1 for d in digits]


def digits_of(labels: Sequence[int]) -> list[int]:
    """The digits of a decoded label sequence (no blanks in it)."""
    return [int(k) - 1 for k in labels]


def transcript(digits: Sequence[int], language: str) -> str:
    """The digits as words, separated by spaces: ``"three one"``, ``"三 一"``."""
    return " ".join(speech.DIGITS[language][d] for d in digits)


def featurize(waves: Sequence[np.ndarray]) -> list[np.ndarray]:
    """MFCC frames of each waveform, stacked in :data:`STACK` s (float32)."""
    return [speech.stacked_mfcc(w, stack=STACK, n_mfcc=N_MFCC) for w in waves]


def feature_stats(feats: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every feature over all training frames."""
    allf = np.concatenate(feats)
    return allf.mean(0).astype(np.float32), allf.std(0).astype(np.float32) + 1e-5


def normalise(feats: Sequence[np.ndarray], mean: np.ndarray, std: np.ndarray) -> list:
    return [((f - mean) / std).astype(np.float32) for f in feats]


def pad_batch(feats: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded (B, T, F) float32 tensor and the lengths (B,)."""
    lengths = torch.tensor([len(f) for f in feats], dtype=torch.int64)
    x = torch.zeros(len(feats), int(lengths.max()), feats[0].shape[1])
    for b, f in enumerate(feats):
        x[b, : len(f)] = torch.from_numpy(f)
    return x, lengths


def batch_generator(feats: list, labels: list, batch_size: int, seed: int):
    """``make_batch(update) -> ((x, lengths), (targets, target_lengths, lengths))``: a
    batch drawn without replacement within each pass, in an order fixed by ``seed`` (the
    input lengths ride with the targets too, for the CTC loss)."""
    rng = np.random.default_rng(seed)
    order: list[int] = []

    def make_batch(update: int):
        nonlocal order
        if len(order) < batch_size:
            order = order + rng.permutation(len(feats)).tolist()
        idx, order = order[:batch_size], order[batch_size:]
        x, lengths = pad_batch([feats[i] for i in idx])
        targets = torch.tensor([k for i in idx for k in labels[i]], dtype=torch.int64)
        target_lengths = torch.tensor([len(labels[i]) for i in idx], dtype=torch.int64)
        return (x, lengths), (targets, target_lengths, lengths)

    return make_batch


# ----------------------------------------------------------------------------- model

def build_model(n_features: int = STACK * N_MFCC) -> RecurrentNet:
    """The bidirectional LSTM with a per-step read-out of the blank and 10 digits."""
    return RecurrentNet("lstm", n_features, MODEL["hidden_size"], N_LABELS,
                        num_layers=MODEL["num_layers"], bidirectional=True, readout="all")


_CTC = nn.CTCLoss(blank=BLANK, reduction="mean", zero_infinity=True)


def ctc_loss(output: torch.Tensor, y) -> torch.Tensor:
    """The ``loss_fn`` of :func:`fit`: mean CTC loss per target label of one batch.

    ``output`` is the model's (B, T, 11) read-out of ``model(x, lengths)``; ``y`` is
    ``(targets, target_lengths, input_lengths)``."""
    targets, target_lengths, lengths = y
    log_probs = torch.log_softmax(output, dim=-1).transpose(0, 1)  # (T, B, C)
    return _CTC(log_probs, targets, lengths, target_lengths)


def decode(tables: Sequence[np.ndarray], method: str = "greedy") -> list[list[int]]:
    """Digits of each utterance, by greedy (best-path) or prefix beam-search decoding."""
    labels = ctc.decode(tables, method, beam_width=BEAM_WIDTH, blank=BLANK)
    return [digits_of(seq) for seq in labels]


def scores(refs: Sequence[Sequence[int]], hyps: Sequence[Sequence[int]],
           language: str) -> dict[str, float]:
    """WER (digits as words) and CER (characters of the written words, spaces ignored)."""
    r = [transcript(d, language) for d in refs]
    h = [transcript(d, language) for d in hyps]
    return {"wer": word_error_rate(r, h),
            "cer": character_error_rate(r, h, ignore_spaces=True)}


def word_errors(refs, hyps, language: str) -> list[int]:
    """Word edits (S + D + I) of each utterance, for paired tests."""
    out = []
    for ref, hyp in zip(refs, hyps, strict=True):
        c = word_error_counts(transcript(ref, language), transcript(hyp, language))
        out.append(c["substitutions"] + c["deletions"] + c["insertions"])
    return out


# ----------------------------------------------------------------------------- runs

def load_language(language: str, quick: bool) -> dict:
    """Features (normalised), labels and digits of every split of one language."""
    scale = (lambda n: 1) if quick else (lambda n: n)
    t0 = time.process_time()
    raw = {}
    for split in ("train", "seen"):
        snr = TRAIN_SNR
        waves, digits, _ = speech.digit_string_clips(
            language, split, n_per_speaker=scale(N_PER_SPEAKER[split]), max_digits=MAX_DIGITS,
            snr_db=snr, seed=DATA_SEED[split])
        raw[split] = (featurize(waves), digits)
    for snr in TEST_SNRS:
        waves, digits, who = speech.digit_string_clips(
            language, "test", n_per_speaker=scale(N_PER_SPEAKER["test"]),
            max_digits=MAX_DIGITS, snr_db=snr, seed=DATA_SEED["test"])
        raw[f"test{snr:g}"] = (featurize(waves), digits)
    waves, digits, who = speech.digit_string_clips(language, max_digits=MAX_DIGITS, **LIVE)
    raw["live"] = (featurize(waves), digits)
    mean, std = feature_stats(raw["train"][0])
    data = {k: (normalise(f, mean, std), d) for k, (f, d) in raw.items()}
    return dict(data=data, mean=mean, std=std, live_who=who,
                data_cpu_seconds=time.process_time() - t0)


def train_one(language: str, seed: int, data: dict, quick: bool,
              steps: int | None = None) -> tuple[RecurrentNet, dict]:
    """One model: CTC training with early stopping on the validation greedy WER, for
    ``steps`` updates at most (default ``TRAIN["steps"]``)."""
    torch.manual_seed(seed)
    model = build_model()
    feats, digits = data["train"]
    labels = [labels_of(d) for d in digits]
    optimizer = torch.optim.Adam(model.parameters(), lr=TRAIN["lr"])
    steps = 20 if quick else (steps or TRAIN["steps"])
    every = 10 if quick else TRAIN["eval_every"]
    val_feats, val_digits = data["seen"]

    val_labels = [labels_of(d) for d in val_digits]
    val_loss_fn = nn.CTCLoss(blank=BLANK, reduction="sum", zero_infinity=True)
    val_loss, val_wers, test_wers = [], [], []
    test_feats, test_digits = data[f"test{TRAIN_SNR:g}"]

    def val_metric(model, _val) -> float:
        # greedy WER, ties broken by the CTC loss per label (model in eval mode, no grad)
        tables = ctc.log_posteriors(model, val_feats)
        wer = scores(val_digits, decode(tables), language)["wer"]
        loss = sum(float(val_loss_fn(torch.from_numpy(t)[:, None], torch.tensor([y]),
                                     torch.tensor([len(t)]), torch.tensor([len(y)])))
                   for t, y in zip(tables, val_labels, strict=True))
        loss /= sum(len(y) for y in val_labels)
        val_wers.append(wer)
        val_loss.append(loss)
        # watched, never used to choose: does the test WER still move with more training?
        test_wer = scores(test_digits, decode(ctc.log_posteriors(model, test_feats)),
                          language)["wer"]
        test_wers.append(test_wer)
        print(f"    {language} seed {seed}: validation WER {wer:.3f}, CTC loss {loss:.4f}; "
              f"test WER {test_wer:.3f}", flush=True)
        return wer + TIE_BREAK * loss

    history = fit(model, batch_generator(feats, labels, TRAIN["batch_size"], seed),
                  loss_fn=ctc_loss, clip_norm=TRAIN["clip_norm"], optimizer=optimizer,
                  steps=steps, val_data=val_feats, metric=val_metric, mode="min",
                  eval_every=every, patience=TRAIN["patience"], restore_best=True,
                  seed=seed, progress=False)
    every_loss = [float(np.mean(history.loss[max(0, u - every): u]))
                  for u in history.eval_updates]
    run = dict(seed=seed, updates=history.updates, sequences=history.sequences,
               cpu_seconds=round(history.cpu_seconds, 2), best_update=history.best_update,
               stopped=history.stopped, curve=dict(updates=history.eval_updates,
                                                    train_loss=every_loss,
                                                    val_wer=val_wers, val_loss=val_loss,
                                                    test_wer=test_wers))
    return model, run


def test_one(model: RecurrentNet, language: str, data: dict) -> dict:
    """Greedy and beam WER/CER at every test SNR, by length, with per-utterance errors."""
    t0 = time.process_time()
    out: dict = {}
    for snr in TEST_SNRS:
        feats, refs = data[f"test{snr:g}"]
        tables = ctc.log_posteriors(model, feats)
        entry: dict = {}
        for method in ("greedy", "beam"):
            hyps = decode(tables, method)
            by_length = {}
            for n in range(1, MAX_DIGITS + 1):
                keep = [i for i, r in enumerate(refs) if len(r) == n]
                if keep:
                    by_length[str(n)] = scores([refs[i] for i in keep],
                                               [hyps[i] for i in keep], language)
            entry[method] = dict(**scores(refs, hyps, language), by_length=by_length,
                                 word_errors=word_errors(refs, hyps, language),
                                 sentence_error=float(np.mean([h != r for h, r in
                                                               zip(hyps, refs, strict=True)])))
        out[f"{snr:g}"] = entry
    out_cpu = time.process_time() - t0
    return dict(snr=out, test_cpu_seconds=round(out_cpu, 2))


def live_scores(model: RecurrentNet, language: str, data: dict) -> dict:
    """The seed-0 model on the live set: what the page recomputes."""
    feats, refs = data["live"]
    tables = ctc.log_posteriors(model, feats)
    out = {"n": len(refs), "refs": [transcript(r, language) for r in refs]}
    for method in ("greedy", "beam"):
        hyps = decode(tables, method)
        out[method] = dict(**scores(refs, hyps, language),
                           hyps=[transcript(h, language) for h in hyps])
    return out


def longer(steps: int, languages: Sequence[str], quick: bool) -> None:
    """Seed 0 of each language trained for ``steps`` updates: the validation and test
    curves only (``speech_ctc/longer``); the first ``TRAIN["steps"]`` updates are those of
    the shipped seed-0 run (same seed, data and order)."""
    out: dict = dict(steps=steps, shipped_steps=TRAIN["steps"], eval_every=TRAIN["eval_every"],
                     languages={})
    for language in languages:
        data = load_language(language, quick)
        _, run = train_one(language, 0, data["data"], quick, steps=steps)
        out["languages"][language] = {k: run[k] for k in ("updates", "cpu_seconds", "curve")}
        print(f"{language}: {run['updates']} updates, {run['cpu_seconds']:.0f} CPU s", flush=True)
    if not quick:
        if set(languages) != set(LANGUAGES) and "speech_ctc/longer" in artifacts.records():
            old = artifacts.load("speech_ctc/longer")  # one language at a time: keep the other
            if old["steps"] == steps:
                out["languages"] = {**old["languages"], **out["languages"]}
        artifacts.save("speech_ctc/longer", out, script=SCRIPT,
                       command=f"{COMMAND} --longer {steps}", seed=0,
                       updates=sum(v["updates"] for v in out["languages"].values()),
                       cpu_seconds=sum(v["cpu_seconds"] for v in out["languages"].values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny data and 20 updates to test the script; nothing is saved")
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES))
    parser.add_argument("--longer", type=int, metavar="N",
                        help="train seed 0 for N updates and save only its curves")
    args = parser.parse_args()
    torch.set_num_threads(1)
    speech.require_espeak()
    if args.longer:
        longer(args.longer, args.languages, args.quick)
        return
    save = not args.quick
    start = begin = time.process_time()
    report: dict = dict(config=dict(
        train_snr=TRAIN_SNR, test_snrs=list(TEST_SNRS), max_digits=MAX_DIGITS,
        n_per_speaker=N_PER_SPEAKER, data_seed=DATA_SEED, live=LIVE, n_mfcc=N_MFCC,
        stack=STACK, model=MODEL, train=TRAIN, beam_width=BEAM_WIDTH, blank=BLANK,
        tie_break=TIE_BREAK, seeds=list(SEEDS), features="mfcc",
        labels="blank=0, digit d = d + 1"),
        languages={})
    for language in args.languages:
        data = load_language(language, args.quick)
        sizes = {k: len(v[1]) for k, v in data["data"].items()}
        print(f"{language}: {sizes}, data {data['data_cpu_seconds']:.0f} CPU s", flush=True)
        lang: dict = dict(sizes=sizes, mean=data["mean"].tolist(), std=data["std"].tolist(),
                          data_cpu_seconds=round(data["data_cpu_seconds"], 2), runs=[])
        for seed in SEEDS:
            model, run = train_one(language, seed, data["data"], args.quick)
            run.update(test_one(model, language, data["data"]))
            lang["runs"].append(run)
            t = run["snr"][f"{TRAIN_SNR:g}"]
            print(f"  seed {seed}: {run['updates']} updates ({run['stopped']}, best "
                  f"{run['best_update']}), {run['cpu_seconds']:.0f} CPU s; test WER at "
                  f"{TRAIN_SNR:g} dB greedy {t['greedy']['wer']:.3f} beam "
                  f"{t['beam']['wer']:.3f}; at 0 dB {run['snr']['0']['greedy']['wer']:.3f}",
                  flush=True)
            if seed == 0:
                lang["parameters"] = parameter_count(model)
                lang["live"] = live_scores(model, language, data["data"])
                lang["live_who"] = data["live_who"]
                if save:
                    weights = state_arrays(model)
                    artifacts.save(f"speech_ctc/{language}_lstm", weights, script=SCRIPT,
                                   command=COMMAND, seed=seed, updates=run["updates"],
                                   cpu_seconds=run["cpu_seconds"],
                                   metrics={k: run["snr"][f"{TRAIN_SNR:g}"]["greedy"][k]
                                            for k in ("wer", "cer")})
        lang["cpu_seconds"] = round(time.process_time() - start, 2)
        start = time.process_time()
        report["languages"][language] = lang
    print(f"total {time.process_time() - begin:.0f} CPU s", flush=True)
    if save and set(args.languages) != set(LANGUAGES) \
            and "speech_ctc/results" in artifacts.records():
        # one language at a time: keep the other language's shipped results
        old = artifacts.load("speech_ctc/results")
        report["languages"] = {**old["languages"], **report["languages"]}
    report["cpu_seconds"] = round(sum(v["cpu_seconds"] for v in report["languages"].values()), 2)
    if save:
        metrics = {lang: float(np.mean([r["snr"][f"{TRAIN_SNR:g}"]["greedy"]["wer"]
                                        for r in v["runs"]]))
                   for lang, v in report["languages"].items()}
        artifacts.save("speech_ctc/results", report, script=SCRIPT, command=COMMAND,
                       seed=None, updates=sum(r["updates"] for v in report["languages"].values()
                                              for r in v["runs"]),
                       cpu_seconds=report["cpu_seconds"], metrics={"test_wer_greedy": metrics})


if __name__ == "__main__":
    main()

"""Train and score the spoken-command recognisers of book/applications/speech_commands.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_speech_commands.py          # ~15 CPU-minutes
    OMP_NUM_THREADS=1 python scripts/train_speech_commands.py --language cmn  # 零…九
    OMP_NUM_THREADS=1 python scripts/train_speech_commands.py --quick  # try it, save nothing
    OMP_NUM_THREADS=1 python scripts/train_speech_commands.py --baselines-only  # see below

Deterministic (fixed seeds, one thread, CPU). The audio is synthesised by espeak-ng
(:mod:`lstmbook.data.speech`, cached on disk). The task is Speech Commands' (Warden, 2018):
ten command words, "unknown" for other words, "silence" for noise alone, in one-second
clips. Train on the training speakers at four noise levels (clean, 20, 10 and 5 dB SNR);
choose the epoch on a validation set (the training speakers, other noise and offsets);
score on

* ``seen`` voices: the training variants at pitches and a speed no training clip has, and
* ``test`` voices: variants no training speaker uses,

each clean and at 20, 10, 5 and 0 dB. Models, each scored on the same clips:

* the LSTM (:class:`~lstmbook.torch.models.RecurrentNet`, 13 MFCC in, H = 64, the last
  hidden state read out), 3 seeds, trained with :func:`lstmbook.torch.train.fit`;
* the same LSTMs on the test clips with their frames shuffled (what order is worth);
* logistic regression on each clip's mean and standard deviation of the 13 MFCC;
* dynamic time warping (DTW) to templates
  (:class:`lstmbook.baselines.templates.TemplateMatcher`): 1-nearest neighbour among
  :data:`TEMPLATES` training clips per label (drawn from all four noise levels), each cut
  to its voiced stretch, normalised per clip (CMVN) and compared without c0.

Then the seed-0 LSTM listens to a 10-minute stream of test voices (words, pauses, noise at
20 dB), frame by frame with its state carried (:mod:`lstmbook.torch.speech`), and the
detection rate and false alarms per hour are measured as the threshold moves.

Writes ``speech/commands_lstm`` (seed-0 weights, float32 npz) and ``speech/commands``
(results: every model's predictions in every condition, stream scores, feature
normalisation, budgets). ``--language cmn`` does the same for the Mandarin digits 零…九
(plus "unknown" Mandarin words and "silence"), without the stream, as
``speech/commands_cmn_lstm`` and ``speech/commands_cmn``.

``--baselines-only`` recomputes the two baselines on the same clips and replaces their
predictions in the shipped results, leaving the LSTM runs as they are (every step is
deterministic, so a full run gives the same record).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lstmbook import artifacts
from lstmbook.baselines.templates import TemplateMatcher
from lstmbook.data import speech
from lstmbook.io import state_arrays
from lstmbook.torch.models import RecurrentNet, parameter_count
from lstmbook.torch.speech import detect, score_detections, stream_posteriors
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_speech_commands.py"
COMMAND = f"OMP_NUM_THREADS=1 python {SCRIPT}"
TRAIN_SNRS = (None, 20.0, 10.0, 5.0)
TEST_SNRS = (None, 20.0, 10.0, 5.0, 0.0)
SEEDS = (0, 1, 2)
HIDDEN = 64
EPOCHS = 100      # at most; early stopping ends every run before (validation each epoch)
PATIENCE = 10     # epochs without a better validation accuracy
TEMPLATES = 32
STREAM_SECONDS = 600.0
THRESHOLDS = tuple(float(t) for t in np.round(np.linspace(0.3, 0.99, 24), 3))


def snr_name(snr: float | None) -> str:
    return "clean" if snr is None else f"{snr:g} dB"


def mfcc_frames(clips: np.ndarray) -> np.ndarray:
    """(N, frames, 13) MFCC of one-second clips."""
    return np.stack([speech.mfcc(c) for c in clips]).astype(np.float32)


def build_data(quick: bool, language: str = "en") -> dict:
    t0 = time.process_time()
    train = [speech.command_clips("train", language=language, snr_db=s, seed=10 + k)
             for k, s in enumerate(TRAIN_SNRS)]
    x = np.concatenate([mfcc_frames(c) for c, _, _ in train])
    y = np.concatenate([lab for _, lab, _ in train])
    mean, std = x.reshape(-1, x.shape[-1]).mean(0), x.reshape(-1, x.shape[-1]).std(0)
    norm = lambda f: (f - mean) / std  # noqa: E731
    val_clips, val_y, _ = speech.command_clips("train", language=language, snr_db=10.0,
                                               seed=99)
    tests = {}
    for split in ("seen", "test"):
        for s in TEST_SNRS:
            clips, labels, who = speech.command_clips(split, language=language, snr_db=s,
                                                      seed=1000 + len(tests))
            tests[f"{split}/{snr_name(s)}"] = dict(x=norm(mfcc_frames(clips)), y=labels,
                                                   who=who, raw=mfcc_frames(clips))
    if quick:
        x, y = x[::8], y[::8]
    return dict(x=norm(x), y=y, raw_train=x, mean=mean, std=std,
                val_x=norm(mfcc_frames(val_clips)), val_y=val_y, tests=tests,
                cpu_seconds=time.process_time() - t0)


def accuracy_of(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(model, x) == np.asarray(y)))


@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    out = [model(torch.as_tensor(x[k:k + 512])).argmax(-1).numpy()
           for k in range(0, len(x), 512)]
    return np.concatenate(out)


def train_lstm(data: dict, seed: int, quick: bool):
    torch.manual_seed(seed)
    n_labels = int(data["y"].max()) + 1
    model = RecurrentNet("lstm", 13, HIDDEN, n_labels, readout="last")
    val = (data["val_x"], data["val_y"])
    history = fit(
        model, (torch.from_numpy(data["x"]), torch.from_numpy(data["y"])),
        loss_fn=torch.nn.functional.cross_entropy, lr=3e-3, epochs=2 if quick else EPOCHS,
        batch_size=64, seed=seed, clip_norm=1.0, val_data=val,
        metric=lambda m, v: accuracy_of(m, v[0], v[1]), mode="max",
        eval_every=len(data["y"]) // 64, patience=PATIENCE, restore_best=True,
    )
    return model, history


def logistic_baseline(data: dict) -> dict[str, np.ndarray]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def summary(x):
        return np.concatenate([x.mean(1), x.std(1)], axis=1)

    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000, C=1.0))
    clf.fit(summary(data["x"]), data["y"])
    return {k: clf.predict(summary(t["x"])) for k, t in data["tests"].items()}


def dtw_baseline(data: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """1-nearest-neighbour DTW template matching (:class:`TemplateMatcher`), templates
    drawn from the training clips of all four noise levels."""
    matcher = TemplateMatcher(per_label=TEMPLATES, seed=seed)
    matcher.fit(data["raw_train"], data["y"])
    return {key: matcher.predict(test["raw"]) for key, test in data["tests"].items()}


def shuffled(x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([f[rng.permutation(len(f))] for f in x])


def stream_scores(model, data: dict, quick: bool) -> dict:
    seconds = 60.0 if quick else STREAM_SECONDS
    audio, events = speech.command_stream(seconds, split="test", snr_db=20.0, seed=7)
    frames = (speech.mfcc(audio) - data["mean"]) / data["std"]
    t0 = time.process_time()
    post = stream_posteriors(model, frames, chunk=10)
    cpu = time.process_time() - t0
    ev = [(s // speech.HOP, e // speech.HOP, lab) for s, e, lab in events
          if lab < len(speech.COMMANDS)]
    rows = []
    for th in THRESHOLDS:
        found = detect(post, th, range(len(speech.COMMANDS)))
        sc = score_detections(found, ev, n_frames=len(frames))
        rows.append(dict(threshold=th, detection_rate=sc.detection_rate,
                         false_alarms_per_hour=sc.false_alarms_per_hour, hits=sc.hits,
                         misses=sc.misses, false_alarms=sc.false_alarms))
    return dict(seconds=seconds, snr_db=20.0, seed=7, commands=len(ev),
                words=len(events), rows=rows, cpu_seconds=cpu,
                realtime_factor=cpu / seconds)


def baselines(data: dict, results: dict) -> None:
    """Add the logistic and DTW predictions (and their CPU-seconds) to ``results``."""
    t0 = time.process_time()
    results["predictions"]["logistic"] = {
        k: v.tolist() for k, v in logistic_baseline(data).items()}
    results["logistic_cpu_seconds"] = time.process_time() - t0
    t0 = time.process_time()
    results["predictions"]["dtw"] = {k: v.tolist() for k, v in dtw_baseline(data).items()}
    results["dtw_cpu_seconds"] = time.process_time() - t0
    results["templates_per_label"] = TEMPLATES


def total_cpu_seconds(results: dict) -> float:
    return (sum(r["cpu_seconds"] for r in results["runs"]) + results["dtw_cpu_seconds"]
            + results["logistic_cpu_seconds"] + results["data_cpu_seconds"])


def update_baselines(data: dict, name: str, language: str) -> None:
    results = artifacts.load(name)
    assert results["labels_by_condition"] == {
        k: t["y"].tolist() for k, t in data["tests"].items()}, "test clips changed"
    baselines(data, results)
    for key in ("logistic", "dtw"):
        accs = {k: round(float(np.mean(np.array(p) == data["tests"][k]["y"])), 3)
                for k, p in results["predictions"][key].items()}
        print(key, accs)
    command = COMMAND + ("" if language == "en" else f" --language {language}")
    artifacts.save(name, results, script=SCRIPT, command=command, seed=0,
                   updates=sum(r["updates"] for r in results["runs"]),
                   cpu_seconds=total_cpu_seconds(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run, save nothing")
    parser.add_argument("--language", default="en", choices=("en", "cmn"),
                        help="English commands, or the Mandarin digits 零…九")
    parser.add_argument("--baselines-only", action="store_true",
                        help="recompute the baselines and update the shipped results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    speech.require_espeak()
    data = build_data(args.quick, args.language)
    suffix = "" if args.language == "en" else f"_{args.language}"
    if args.baselines_only:
        update_baselines(data, f"speech/commands{suffix}", args.language)
        return
    print(f"data: {len(data['y'])} training clips, {data['cpu_seconds']:.0f} CPU-s")
    results = dict(language=args.language, labels=list(speech.vocabulary(args.language)[2]),
                   train_snrs=[snr_name(s) for s in TRAIN_SNRS],
                   conditions=list(data["tests"]), hidden=HIDDEN,
                   max_epochs=EPOCHS, patience=PATIENCE, batch_size=64, lr=3e-3,
                   n_train=int(len(data["y"])), mean=data["mean"].tolist(),
                   std=data["std"].tolist(), data_cpu_seconds=data["cpu_seconds"],
                   labels_by_condition={k: t["y"].tolist() for k, t in data["tests"].items()},
                   predictions={}, runs=[])
    models = []
    for seed in (SEEDS[:1] if args.quick else SEEDS):
        model, history = train_lstm(data, seed, args.quick)
        models.append(model)
        results["predictions"][f"lstm_s{seed}"] = {
            k: predict(model, t["x"]).tolist() for k, t in data["tests"].items()}
        results["predictions"][f"lstm_shuffled_s{seed}"] = {
            k: predict(model, shuffled(t["x"], seed)).tolist()
            for k, t in data["tests"].items()}
        results["runs"].append(dict(seed=seed, updates=history.updates,
                                    sequences=history.sequences,
                                    cpu_seconds=history.cpu_seconds,
                                    best_update=history.best_update,
                                    val_accuracy=history.val_metric,
                                    eval_updates=history.eval_updates,
                                    parameters=parameter_count(model)))
        print(f"lstm seed {seed}: {history.budget()}")
    baselines(data, results)
    if args.language == "en":
        results["stream"] = stream_scores(models[0], data, args.quick)
    for name, preds in results["predictions"].items():
        accs = {k: float(np.mean(np.array(p) == data["tests"][k]["y"]))
                for k, p in preds.items()}
        print(name, {k: round(v, 3) for k, v in accs.items()})
    if args.quick:
        return
    weights = state_arrays(models[0])
    command = COMMAND + ("" if args.language == "en" else f" --language {args.language}")
    artifacts.save(f"speech/commands{suffix}_lstm", weights, script=SCRIPT, command=command,
                   seed=0,
                   updates=results["runs"][0]["updates"],
                   cpu_seconds=results["runs"][0]["cpu_seconds"])
    artifacts.save(f"speech/commands{suffix}", results, script=SCRIPT, command=command, seed=0,
                   updates=sum(r["updates"] for r in results["runs"]),
                   cpu_seconds=total_cpu_seconds(results))


if __name__ == "__main__":
    main()

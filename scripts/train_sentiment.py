"""Train and score the sentiment classifiers of book/applications/sentiment.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_sentiment.py          # ~35 CPU-minutes
    OMP_NUM_THREADS=1 python scripts/train_sentiment.py --quick  # try it, save nothing
    OMP_NUM_THREADS=1 python scripts/train_sentiment.py --resume # finish a run cut short

Deterministic (fixed seeds, one thread, CPU). The data are snownlp's Chinese reviews
(:mod:`lstmbook.data.reviews`: cleaned, split 80/10/10 by label); every model reads the
first :data:`~lstmbook.data.reviews.MAX_LEN` characters of a review. Models, each scored
on the same test reviews:

* TF-IDF of character 1-3-grams + logistic regression, and multinomial naive Bayes on
  their counts (scikit-learn; C and alpha chosen on the validation set); TF-IDF + LR also
  on the untruncated texts;
* SnowNLP's own classifier -- trained by its authors on these very files, test set
  included: a contaminated score, kept to show what leakage does;
* a character LSTM, a character BiLSTM and a word LSTM on jieba's segmentation
  (:class:`~lstmbook.torch.models.RecurrentNet` with an embedding, E = H = 64, the last
  hidden state of each direction read out, packed batches of similar lengths), 3 seeds
  each, trained with :func:`lstmbook.torch.train.fit`, the epoch chosen by the validation
  log-loss (early stopping);
* a learning curve: the char LSTM (2 seeds) and TF-IDF + LR on nested stratified subsets of
  1,000, 3,000 and 10,000 training reviews (the full set is the main runs).

Every model's test-set P(positive) is saved, so the page computes accuracy, F1, AUC,
calibration and the paired tests itself. Writes ``sentiment/results`` (saved after each
stage, so a run cut short ships what it finished: ``stages_done``), and the seed-0
weights ``sentiment/char_lstm`` and ``sentiment/char_bilstm`` (float32 npz).
"""

from __future__ import annotations

import argparse
import hashlib
import time

import numpy as np
import torch
import torch.nn.functional as F

from lstmbook import artifacts
from lstmbook.data import reviews as rv
from lstmbook.io import state_arrays
from lstmbook.torch.models import RecurrentNet, parameter_count
from lstmbook.torch.train import fit
from lstmbook.training import LengthBatches

SCRIPT = "scripts/train_sentiment.py"
COMMAND = f"OMP_NUM_THREADS=1 python {SCRIPT}"
SEEDS = (0, 1, 2)
CURVE_SEEDS = (0, 1)
CURVE_SIZES = (1000, 3000, 10000)
HIDDEN = EMBED = 64
BATCH = 64
LR = 3e-3
EPOCHS = 8        # at most, on the full training set; early stopping usually ends sooner
PATIENCE = 2      # evaluations (epochs) without a lower validation log-loss
CURVE_UPDATES = 1000  # the curve's small sets get about as many updates as 5 full epochs
CURVE_PATIENCE = 3    # ... evaluated after every epoch like the others, patience 3 epochs
NETS = {  # name -> (tokens, bidirectional)
    "char_lstm": ("char", False),
    "char_bilstm": ("char", True),
    "word_lstm": ("word", False),
}
BUDGET_CPU_MINUTES = 35


def length_batches(ids, lengths, y, batch_size, **kwargs) -> LengthBatches:
    """:class:`~lstmbook.training.LengthBatches` of torch tensors, the model's input."""
    t = torch.as_tensor
    return LengthBatches(t(ids), t(lengths), t(y), batch_size, **kwargs)


@torch.no_grad()
def p_positive(model, ids, lengths) -> np.ndarray:
    """P(positive) of every review, in the input order."""
    model.eval()
    batches = length_batches(ids, lengths, np.zeros(len(lengths), np.int64), 256,
                             shuffle=False)
    order = np.lexsort((np.arange(len(lengths)) / len(lengths), np.asarray(lengths)))
    out = torch.cat([F.softmax(model(*x), -1)[:, 1] for x, _ in batches]).numpy()
    probs = np.empty(len(lengths))
    probs[order] = out
    return probs


def build_data(quick: bool) -> dict:
    t0 = time.process_time()
    reviews = rv.load_reviews()
    split = rv.split_reviews(reviews, seed=0)
    cut = {k: [t[:rv.MAX_LEN] for t in getattr(split, f"{k}_texts")]
           for k in ("train", "val", "test")}
    y = {k: getattr(split, f"{k}_y") for k in ("train", "val", "test")}
    if quick:
        keep = np.random.default_rng(0).permutation(len(y["train"]))[:1500]
        cut["train"] = [cut["train"][i] for i in keep]
        y["train"] = y["train"][keep]
        full_train = [split.train_texts[i] for i in keep]
    else:
        full_train = split.train_texts
    chars = rv.char_vocabulary(cut["train"], min_count=2)
    words = {k: [rv.segment(t) for t in v] for k, v in cut.items()}
    word_vocab = rv.word_vocabulary(words["train"], min_count=2)
    enc = {"char": {k: rv.encode(v, chars) for k, v in cut.items()},
           "word": {k: rv.encode(v, word_vocab) for k, v in words.items()}}
    return dict(reviews=reviews, split=split, cut=cut, y=y, full_train=full_train,
                chars=chars, words=word_vocab, enc=enc,
                cpu_seconds=time.process_time() - t0)


def subset(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """A stratified subset of n positions; the subsets of one seed are nested."""
    rng = np.random.default_rng(seed)
    out = []
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == label))
        out.append(idx[:round(n * len(idx) / len(y))])
    return np.sort(np.concatenate(out))


def log_loss(y, p) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def tfidf_lr(train_texts, train_y, val_texts, val_y, test_texts):
    """TF-IDF of character 1-3-grams + logistic regression, C chosen on validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    xtr = vec.fit_transform(train_texts)
    best = None
    for C in (1.0, 4.0, 16.0, 64.0):
        clf = LogisticRegression(C=C, max_iter=2000).fit(xtr, train_y)
        loss = log_loss(val_y, clf.predict_proba(vec.transform(val_texts))[:, 1])
        if best is None or loss < best[0]:
            best = (loss, C, clf)
    _, C, clf = best
    return clf.predict_proba(vec.transform(test_texts))[:, 1], dict(C=C)


def naive_bayes(train_texts, train_y, val_texts, val_y, test_texts):
    """Multinomial naive Bayes on character 1-3-gram counts, alpha chosen on validation."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2)
    xtr = vec.fit_transform(train_texts)
    best = None
    for alpha in (0.1, 0.3, 1.0):
        clf = MultinomialNB(alpha=alpha).fit(xtr, train_y)
        loss = log_loss(val_y, clf.predict_proba(vec.transform(val_texts))[:, 1])
        if best is None or loss < best[0]:
            best = (loss, alpha, clf)
    _, alpha, clf = best
    return clf.predict_proba(vec.transform(test_texts))[:, 1], dict(alpha=alpha)


def snownlp_scores(texts) -> tuple[np.ndarray, float]:
    from snownlp import SnowNLP

    t0 = time.process_time()
    probs = np.array([SnowNLP(t).sentiments for t in texts])
    return probs, time.process_time() - t0


def train_net(data, name, seed, *, train_idx=None, max_epochs=EPOCHS, patience=PATIENCE,
              quick=False):
    tokens, bidirectional = NETS[name]
    enc, y = data["enc"][tokens], data["y"]
    vocab = data["chars"] if tokens == "char" else data["words"]
    ids, lengths = enc["train"]
    ytr = y["train"]
    if train_idx is not None:
        ids, lengths, ytr = ids[train_idx], lengths[train_idx], ytr[train_idx]
    torch.manual_seed(seed)
    model = RecurrentNet("lstm", len(vocab), HIDDEN, 2, embedding=EMBED,
                         bidirectional=bidirectional)
    batches = length_batches(ids, lengths, ytr, BATCH, seed=seed)
    val = list(length_batches(*enc["val"], y["val"], 256, shuffle=False))
    history = fit(model, batches, loss_fn=F.cross_entropy, lr=LR,
                  epochs=1 if quick else max_epochs, clip_norm=1.0, seed=seed,
                  val_data=val, eval_every=len(batches), patience=patience,
                  restore_best=True, progress=False)
    probs = p_positive(model, *enc["test"])
    run = dict(model=name, seed=seed, n_train=int(len(ytr)), updates=history.updates,
               sequences=history.sequences, cpu_seconds=history.cpu_seconds,
               best_update=history.best_update, val_log_loss=history.val_metric,
               eval_updates=history.eval_updates, parameters=parameter_count(model),
               epochs=len(history.eval_updates))
    acc = float(np.mean((probs > 0.5) == y["test"]))
    print(f"  {name} seed {seed} n={len(ytr)}: test acc {acc:.4f}, "
          f"{history.budget()}, best update {history.best_update}, val log-loss "
          f"{[round(v, 4) for v in history.val_metric]}", flush=True)
    return model, probs, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run, save nothing")
    parser.add_argument("--resume", action="store_true",
                        help="keep the stages the shipped results finished, run the rest")
    args = parser.parse_args()
    torch.set_num_threads(1)
    t_start = time.process_time()
    data = build_data(args.quick)
    y, cut, split = data["y"], data["cut"], data["split"]
    cl = data["reviews"].cleaning
    print(f"data: {len(y['train'])}/{len(y['val'])}/{len(y['test'])} reviews, "
          f"{len(data['chars'])} chars, {len(data['words'])} words, "
          f"{data['cpu_seconds']:.0f} CPU-s", flush=True)
    test_sha = hashlib.sha256("\n".join(split.test_texts).encode()).hexdigest()
    results = dict(
        max_len=rv.MAX_LEN, hidden=HIDDEN, embedding=EMBED, batch_size=BATCH, lr=LR,
        max_epochs=EPOCHS, patience=PATIENCE, seeds=list(SEEDS),
        budget_cpu_minutes=BUDGET_CPU_MINUTES, quick=args.quick,
        cleaning=dict(lines=cl.lines, blank=cl.blank, duplicates=cl.duplicates,
                      conflicting=cl.conflicting, kept=cl.kept),
        n=dict(train=len(y["train"]), val=len(y["val"]), test=len(y["test"])),
        test_sha256=test_sha, test_y=y["test"].tolist(), char_vocab=data["chars"],
        n_words=len(data["words"]), data_cpu_seconds=data["cpu_seconds"],
        probs={}, runs=[], baselines={}, curve=dict(sizes=list(CURVE_SIZES),
                                                    seeds=list(CURVE_SEEDS), rows=[]),
        stages_done=[])
    cpu_before = 0.0
    if args.resume:  # a deterministic run resumed: the finished stages are kept as they are
        results = artifacts.load("sentiment/results")
        if results["test_sha256"] != test_sha:
            raise SystemExit("--resume: the shipped results were made on another test set")
        cpu_before = results["cpu_seconds"]
        results["resumed_after"] = list(results["stages_done"])
        print(f"resuming after {results['stages_done']}", flush=True)
    done = set(results["stages_done"])

    def save(stage: str) -> None:
        results["stages_done"].append(stage)
        results["cpu_seconds"] = cpu_before + time.process_time() - t_start
        print(f"stage {stage} done, {results['cpu_seconds'] / 60:.1f} CPU-min so far",
              flush=True)
        if args.quick:
            return
        artifacts.save("sentiment/results", results, script=SCRIPT, command=COMMAND,
                       seed=0, updates=sum(r["updates"] for r in results["runs"]),
                       cpu_seconds=results["cpu_seconds"])

    def save_weights(name: str, model, run) -> None:
        if not args.quick:
            artifacts.save(f"sentiment/{name}", state_arrays(model), script=SCRIPT,
                           command=COMMAND, seed=0, updates=run["updates"],
                           cpu_seconds=run["cpu_seconds"])

    if "baselines" not in done:
        for name, fn, texts in (("tfidf_lr", tfidf_lr, cut["train"]),
                                ("naive_bayes", naive_bayes, cut["train"]),
                                ("tfidf_lr_full", tfidf_lr, data["full_train"])):
            full = name.endswith("full")
            t0 = time.process_time()
            probs, chosen = fn(texts, y["train"], split.val_texts if full else cut["val"],
                               y["val"], split.test_texts if full else cut["test"])
            results["probs"][name] = probs.tolist()
            results["baselines"][name] = dict(chosen, cpu_seconds=time.process_time() - t0)
            print(f"  {name}: test acc {np.mean((probs > 0.5) == y['test']):.4f} {chosen}",
                  flush=True)
        save("baselines")

    if "snownlp" not in done:  # trained on these files: a contaminated score
        texts = split.test_texts[:40] if args.quick else split.test_texts
        probs, cpu = snownlp_scores(texts)
        results["snownlp"] = dict(probs=probs.tolist(), n=len(texts), cpu_seconds=cpu,
                                  seconds_per_review=cpu / len(texts), full_texts=True)
        print(f"  snownlp: acc {np.mean((probs > 0.5) == y['test'][:len(texts)]):.4f}, "
              f"{cpu:.0f} CPU-s", flush=True)
        save("snownlp")

    for name in (n for n in NETS if n not in done):
        for seed in SEEDS[:1] if args.quick else SEEDS:
            model, probs, run = train_net(data, name, seed, quick=args.quick)
            results["probs"][f"{name}_s{seed}"] = probs.tolist()
            results["runs"].append(run)
            if seed == 0 and name.startswith("char"):
                save_weights(name, model, run)
        save(name)

    # learning curve: nested stratified subsets of the training set
    for n in CURVE_SIZES[:1] if args.quick else CURVE_SIZES:
        if n >= len(y["train"]) or f"curve_{n}" in done:
            continue
        idx = subset(y["train"], n)
        probs, chosen = tfidf_lr([cut["train"][i] for i in idx], y["train"][idx],
                                 cut["val"], y["val"], cut["test"])
        row = dict(n=int(len(idx)), tfidf_lr=probs.tolist(), char_lstm={}, runs=[])
        epochs = max(EPOCHS, -(-CURVE_UPDATES * BATCH // len(idx)))
        for seed in CURVE_SEEDS[:1] if args.quick else CURVE_SEEDS:
            _, probs, run = train_net(data, "char_lstm", seed, train_idx=idx,
                                      max_epochs=epochs, patience=CURVE_PATIENCE,
                                      quick=args.quick)
            row["char_lstm"][str(seed)] = probs.tolist()
            row["runs"].append(run)
        row["max_epochs"] = epochs
        results["curve"]["rows"].append(row)
        save(f"curve_{n}")
    total = cpu_before + time.process_time() - t_start
    print(f"done: {total / 60:.1f} CPU-minutes (budget {BUDGET_CPU_MINUTES})", flush=True)


if __name__ == "__main__":
    main()

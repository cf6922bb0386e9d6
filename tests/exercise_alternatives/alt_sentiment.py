"""Right answers written another way: the sentiment-analysis page."""

import numpy as np


def _flip_loop(p_plain, p_negated):
    read, flipped = 0, 0
    for a, b in zip(p_plain, p_negated, strict=True):
        if a > 0.5:
            read += 1
            flipped += b < 0.5
    return flipped / read


def _word_ids_loop(text, vocab):
    import jieba

    out = []
    for word in jieba.cut(text):
        if word.isspace() or not word:
            continue
        out.append(vocab[word] if word in vocab else 1)
    return np.array(out)


ALTERNATIVES = {
    "sentiment-1": lambda: np.float32(2 * 712 / (2 * 712 + 102 + 121)),
    "sentiment-2": lambda: _flip_loop,
    "sentiment-3": lambda: " Leakage",
    "sentiment-4": lambda: _word_ids_loop,
}

"""Sequence to sequence (序列到序列) in PyTorch: encoder–decoder LSTM, attention, Transformer.

The encoder–decoder LSTM of Sutskever et al. (2014) -- the architecture source 002's Keras
sketch points at: an :class:`Encoder` reads the source, its final state ``(h, c)`` starts
the :class:`Decoder`, which is trained with teacher forcing (教师强制: the correct previous
token is its input). :class:`LuongAttention` (Luong et al., 2015, "general" score) lets
every decoder step look back at all encoder outputs instead of the one fixed-size state.
:class:`Seq2SeqTransformer` wraps ``torch.nn.Transformer`` with the same interface.

Decoding is model-agnostic: a model has ``encode(src) -> memory``,
``init_state(memory) -> state`` and ``decode_step(memory, prefix, state) -> (log_probs,
state, attention)``; memory and state are tuples of **batch-first** tensors, so
:func:`greedy_decode` and :func:`beam_search` can reorder them by indexing axis 0.
Training is :func:`lstmbook.torch.train.fit` over :class:`TeacherForcedBatches` with
:func:`sequence_loss` (a batch's ``x`` is ``(src, tgt_in)``, which ``fit`` passes as
``model(src, tgt_in)``). Defined in the translation page (``book/applications/translation``);
the page's trained models are shipped as ``translation/<name>_seed<k>`` in
:mod:`lstmbook.artifacts` (:func:`load_model`).

Shapes: B batch, S source length, T target length, V target vocabulary, E embedding
size, H hidden size, L layers, k beam width. Token ids: 0 ``<pad>``, 1 ``<bos>``, 2 ``<eos>``
(as :class:`lstmbook.data.parallel.Vocab`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstmbook._checks import check_positive_int
from lstmbook.data.parallel import pad_batch
from lstmbook.torch.models import CELLS

__all__ = [
    "PAD",
    "BOS",
    "EOS",
    "Encoder",
    "LuongAttention",
    "Decoder",
    "Seq2SeqLSTM",
    "Seq2SeqTransformer",
    "Decoded",
    "greedy_decode",
    "beam_search",
    "sequence_log_prob",
    "teacher_forcing",
    "sequence_loss",
    "TeacherForcedBatches",
    "pad_ids",
    "BOOK_MODELS",
    "CORPORA",
    "corpus_vocabs",
    "build_model",
    "warmup_schedule",
    "artifact_name",
    "load_model",
]

PAD, BOS, EOS = 0, 1, 2

Tensors = tuple[torch.Tensor, ...]


# ----------------------------------------------------------------------------- checks
def _check_ids(ids: torch.Tensor, name: str, vocab_size: int) -> torch.Tensor:
    """A (B, S) int64 tensor of ids in [0, vocab_size), every row with a non-pad first token."""
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor of token ids, got {type(ids).__name__}")
    if ids.dtype != torch.int64:
        raise TypeError(f"{name}: expected int64 token ids, got dtype {ids.dtype}")
    if ids.ndim != 2:
        raise ValueError(
            f"{name}: expected 2-D (B, S) token ids, got {ids.ndim}-D of shape {tuple(ids.shape)}"
        )
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(
            f"{name}: ids must be in [0, {vocab_size}), got range "
            f"[{int(ids.min())}, {int(ids.max())}]"
        )
    return ids


def _source_lengths(src: torch.Tensor) -> torch.Tensor:
    """(B,) number of non-pad tokens; padding must be on the right and no row empty."""
    mask = src != PAD
    lengths = mask.sum(1)
    if bool((lengths == 0).any()):
        row = int(torch.nonzero(lengths == 0)[0])
        raise ValueError(f"src: row {row} is all padding (an empty source sentence)")
    if bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        raise ValueError("src: padding must come after the tokens (right-padded rows)")
    return lengths


# ----------------------------------------------------------------------------- LSTM parts
class Encoder(nn.Module):
    """Embedding and an ``nn.LSTM`` over right-padded sources; the state is at each row's end.

    Padding is packed away (``pack_padded_sequence``), so the final ``(h, c)`` of a short
    sentence is the state after its last real word, not after a run of ``<pad>``.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int = 1):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embed = nn.Embedding(vocab_size, check_positive_int(embed_size, "embed_size"),
                                  padding_idx=PAD)
        self.lstm = CELLS["lstm"](embed_size, check_positive_int(hidden_size, "hidden_size"),
                                  check_positive_int(num_layers, "num_layers"), batch_first=True)

    def forward(self, src: torch.Tensor) -> tuple[torch.Tensor, Tensors, torch.Tensor]:
        """Encode ``src`` (B, S).

        Returns
        -------
        outputs : (B, S, H), zero at padded positions
        state : (h, c), each (L, B, H)
        mask : (B, S) bool, True at real tokens
        """
        lengths = _source_lengths(_check_ids(src, "src", self.vocab_size))
        packed = pack_padded_sequence(self.embed(src), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, state = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return out, state, src != PAD


class LuongAttention(nn.Module):
    """Global attention with Luong's "general" score ``score(h_t, s_j) = h_tᵀ W s_j``.

    The weights ``α_tj = softmax_j(score)`` over the real (unmasked) source positions give
    the context ``c_t = Σ_j α_tj s_j``.
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.W = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``query`` (B, T, H), ``keys`` (B, S, H), ``mask`` (B, S) ->
        context (B, T, H), weights (B, T, S) summing to 1 over S."""
        scores = query @ self.W(keys).transpose(1, 2)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return weights @ keys, weights


class Decoder(nn.Module):
    """Embedding, ``nn.LSTM`` and output layer; with attention, ``tanh(W_c [h_t; c_t])``
    feeds the output layer (Luong's attentional hidden state, without input feeding)."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int,
                 num_layers: int = 1, attention: bool = True):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.lstm = CELLS["lstm"](embed_size, hidden_size, num_layers, batch_first=True)
        self.attention = LuongAttention(hidden_size) if attention else None
        self.combine = nn.Linear(2 * hidden_size, hidden_size) if attention else None
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, tgt_in: torch.Tensor, state: Tensors, memory: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        """``tgt_in`` (B, T), ``state`` (h, c) each (L, B, H), ``memory`` (B, S, H), ``mask``
        (B, S) -> logits (B, T, V), new state, attention weights (B, T, S) or None."""
        h, state = self.lstm(self.embed(tgt_in), state)
        if self.attention is None:
            return self.out(h), state, None
        context, weights = self.attention(h, memory, mask)
        return self.out(torch.tanh(self.combine(torch.cat([h, context], -1)))), state, weights


class Seq2SeqLSTM(nn.Module):
    """Encoder–decoder LSTM; the encoder's final ``(h, c)`` is the decoder's initial state.

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes (with the three specials).
    embed_size, hidden_size, num_layers : int
    attention : bool
        Add :class:`LuongAttention` (False: the plain model of Sutskever et al.).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_size: int = 64,
                 hidden_size: int = 128, num_layers: int = 1, attention: bool = True):
        super().__init__()
        self.encoder = Encoder(src_vocab, embed_size, hidden_size, num_layers)
        self.decoder = Decoder(tgt_vocab, embed_size, hidden_size, num_layers, attention)
        self.tgt_vocab = tgt_vocab

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (B, T, V) for ``tgt_in`` (B, T) = ``<bos>`` + target."""
        memory, state, mask = self.encoder(src)
        tgt_in = _check_ids(tgt_in, "tgt_in", self.tgt_vocab)
        return self.decoder(tgt_in, state, memory, mask)[0]

    def encode(self, src: torch.Tensor) -> Tensors:
        """memory = (encoder outputs (B, S, H), mask (B, S), h (B, L, H), c (B, L, H))."""
        out, (h, c), mask = self.encoder(src)
        return out, mask, h.transpose(0, 1), c.transpose(0, 1)

    def init_state(self, memory: Tensors) -> Tensors:
        """The decoder starts from the encoder's final (h, c), batch-first (B, L, H)."""
        return memory[2], memory[3]

    def decode_step(
        self, memory: Tensors, prefix: torch.Tensor, state: Tensors
    ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        """Feed the last token of ``prefix`` (B, t): log-probs (B, V), state, weights (B, S)."""
        h, c = (s.transpose(0, 1).contiguous() for s in state)
        logits, (h, c), w = self.decoder(prefix[:, -1:], (h, c), memory[0], memory[1])
        weights = None if w is None else w[:, 0]
        return torch.log_softmax(logits[:, 0], -1), (h.transpose(0, 1), c.transpose(0, 1)), weights


# ----------------------------------------------------------------------------- Transformer
def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """(length, d_model) sine/cosine position encodings of Vaswani et al. (2017)."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(1e4) / d_model))
    pe = torch.zeros(length, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


class Seq2SeqTransformer(nn.Module):
    """``torch.nn.Transformer`` with embeddings, sine positions and an output layer.

    Decoding keeps a key/value cache (:meth:`init_state`, :meth:`decode_step`): step t
    projects only the newest position and attends over the t cached keys, so a sentence of
    T tokens costs O(T²) in attention scores in all -- against the LSTM's O(T) with a
    fixed-size state (without attention).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 64, nhead: int = 4,
                 num_layers: int = 2, dim_feedforward: int = 256, dropout: float = 0.1,
                 max_len: int = 64):
        super().__init__()
        self.src_vocab, self.tgt_vocab, self.max_len = src_vocab, tgt_vocab, max_len
        self.src_embed = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        self.register_buffer("positions", sinusoidal_positions(max_len, d_model), persistent=False)
        self.transformer = nn.Transformer(
            d_model, nhead, num_layers, num_layers, dim_feedforward, dropout, batch_first=True
        )
        self.transformer.encoder.enable_nested_tensor = False
        self.transformer.encoder.use_nested_tensor = False  # same numbers in train and eval
        self.out = nn.Linear(d_model, tgt_vocab)

    def _embed(self, embed: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        if ids.shape[1] > self.max_len:
            raise ValueError(f"sequence of length {ids.shape[1]} exceeds max_len={self.max_len}")
        return embed(ids) * math.sqrt(embed.embedding_dim) + self.positions[: ids.shape[1]]

    def encode(self, src: torch.Tensor) -> Tensors:
        """memory = (encoder outputs (B, S, D), mask (B, S) True at real tokens)."""
        _source_lengths(_check_ids(src, "src", self.src_vocab))
        mask = src != PAD
        out = self.transformer.encoder(self._embed(self.src_embed, src),
                                       src_key_padding_mask=~mask)
        return out, mask

    def _decode(self, memory: Tensors, tgt_in: torch.Tensor) -> torch.Tensor:
        causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        h = self.transformer.decoder(
            self._embed(self.tgt_embed, tgt_in), memory[0], tgt_mask=causal,
            tgt_is_causal=True, memory_key_padding_mask=~memory[1],
        )
        return self.out(h)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (B, T, V)."""
        return self._decode(self.encode(src), _check_ids(tgt_in, "tgt_in", self.tgt_vocab))

    def init_state(self, memory: Tensors) -> Tensors:
        """The key/value cache, four (B, ·, D) tensors per decoder layer: the projected keys
        and values of self-attention (empty, (B, 0, D), before the first step) and of the
        cross-attention over the source (B, S, D), projected once here."""
        state = []
        for layer in self.transformer.decoder.layers:
            empty = memory[0].new_zeros(memory[0].shape[0], 0, memory[0].shape[2])
            _, k_src, v_src = _project(layer.multihead_attn, memory[0], parts=(1, 2))
            state += [empty, empty, k_src, v_src]
        return tuple(state)

    def decode_step(
        self, memory: Tensors, prefix: torch.Tensor, state: Tensors
    ) -> tuple[torch.Tensor, Tensors, None]:
        """Log-probs (B, V) of the token after ``prefix`` (B, t), computing position t only.

        ``state`` is a key/value cache (:meth:`init_state`): each layer projects only the
        newest position to its query, key and value and appends the key and value to the
        cache, so step t costs O(t D) in self-attention and O(D²) in projections, instead of
        re-projecting the whole prefix. Equal to the last row of :meth:`forward` in eval
        mode (a test checks).
        """
        t = prefix.shape[1] - 1
        if t >= self.max_len:
            raise ValueError(f"prefix of length {t + 1} exceeds max_len={self.max_len}")
        x = self.tgt_embed(prefix[:, -1:]) * math.sqrt(self.tgt_embed.embedding_dim)
        x = x + self.positions[t : t + 1]
        cache = []
        for i, layer in enumerate(self.transformer.decoder.layers):
            x, k_self, v_self = _decoder_layer_step(layer, x, state[4 * i : 4 * i + 4], memory)
            cache += [k_self, v_self, *state[4 * i + 2 : 4 * i + 4]]
        x = self.transformer.decoder.norm(x)
        return torch.log_softmax(self.out(x[:, 0]), -1), tuple(cache), None


def _project(attn: nn.MultiheadAttention, x: torch.Tensor,
             parts: Sequence[int] = (0, 1, 2)) -> list[torch.Tensor | None]:
    """Query, key and value projections (B, n, D) of ``x`` (B, n, D) by ``attn``'s packed
    in-projection; only the ``parts`` asked for (0 query, 1 key, 2 value), None for others."""
    w = attn.in_proj_weight.chunk(3)
    b = attn.in_proj_bias.chunk(3)
    return [nn.functional.linear(x, w[j], b[j]) if j in parts else None for j in range(3)]


def _attend(attn: nn.MultiheadAttention, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
            mask: torch.Tensor | None = None) -> torch.Tensor:
    """Multi-head scaled dot-product attention of projected q (B, 1, D) over k, v (B, n, D),
    then ``attn``'s output projection; ``mask`` (B, n) True where a key may be seen."""
    B, n, D = k.shape
    h = attn.num_heads

    def heads(z):
        return z.reshape(B, -1, h, D // h).transpose(1, 2)

    keep = None if mask is None else mask[:, None, None, :]
    out = nn.functional.scaled_dot_product_attention(heads(q), heads(k), heads(v),
                                                     attn_mask=keep)
    return attn.out_proj(out.transpose(1, 2).reshape(B, -1, D))


def _decoder_layer_step(layer: nn.TransformerDecoderLayer, x: torch.Tensor, cache: Tensors,
                        memory: Tensors) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A post-norm ``nn.TransformerDecoderLayer`` for the newest position ``x`` (B, 1, D),
    eval mode (dropout off). ``cache`` holds the layer's self-attention keys and values of
    the earlier positions (B, t, D) and its cross-attention keys and values (B, S, D).
    Returns the layer's output (B, 1, D) and the self-attention keys and values (B, t + 1, D)."""
    k_past, v_past, k_src, v_src = cache
    q, k_new, v_new = _project(layer.self_attn, x)
    k_self, v_self = torch.cat([k_past, k_new], 1), torch.cat([v_past, v_new], 1)
    x = layer.norm1(x + _attend(layer.self_attn, q, k_self, v_self))
    (q_src, _, _) = _project(layer.multihead_attn, x, parts=(0,))
    x = layer.norm2(x + _attend(layer.multihead_attn, q_src, k_src, v_src, memory[1]))
    x = layer.norm3(x + layer.linear2(layer.activation(layer.linear1(x))))
    return x, k_self, v_self


# ----------------------------------------------------------------------------- decoding
@dataclass
class Decoded:
    """Decoder output: token ids per sentence (without ``<bos>``/``<eos>``), the model's
    log-probability of each sentence (``<eos>`` included when it was reached), attention
    weights (t, S) per sentence (greedy LSTM with attention only), and for beam search
    with ``keep_greedy`` which sentences fell back to the greedy result."""

    tokens: list[list[int]]
    scores: torch.Tensor
    attention: list[np.ndarray] | None = None
    greedy_was_better: torch.Tensor | None = None


def _index(tensors: Tensors, idx: torch.Tensor) -> Tensors:
    return tuple(t.index_select(0, idx) for t in tensors)


def _cut(prefix: torch.Tensor) -> list[list[int]]:
    """Token lists from (B, 1 + t) prefixes: drop ``<bos>``, stop at ``<eos>``."""
    out = []
    for row in prefix[:, 1:].tolist():
        out.append(row[: row.index(EOS)] if EOS in row else [t for t in row if t != PAD])
    return out


def _default_max_len(src: torch.Tensor, max_len: int | None) -> int:
    return 2 * src.shape[1] + 5 if max_len is None else check_positive_int(max_len, "max_len")


@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, max_len: int | None = None) -> Decoded:
    """Pick the most probable token at every step until ``<eos>`` (or ``max_len`` steps).

    Parameters
    ----------
    model : Seq2SeqLSTM or Seq2SeqTransformer (anything with the decoding interface)
    src : (B, S) int64, right-padded
    max_len : int, optional
        Default ``2 S + 5``.
    """
    model.eval()
    max_len = _default_max_len(src, max_len)
    memory = model.encode(src)
    state = model.init_state(memory)
    prefix = torch.full((src.shape[0], 1), BOS, dtype=torch.int64)
    scores = torch.zeros(src.shape[0])
    finished = torch.zeros(src.shape[0], dtype=torch.bool)
    weights = []
    for _ in range(max_len):
        logp, state, w = model.decode_step(memory, prefix, state)
        token = torch.where(finished, PAD, logp.argmax(-1))
        scores += torch.where(finished, 0.0, logp.gather(1, token[:, None])[:, 0])
        prefix = torch.cat([prefix, token[:, None]], 1)
        weights.append(w)
        finished |= token == EOS
        if bool(finished.all()):
            break
    tokens = _cut(prefix)
    return Decoded(tokens, scores, _attention_maps(weights, tokens, memory))


def _attention_maps(weights, tokens, memory) -> list[np.ndarray] | None:
    """Per sentence, the (t + 1, S_real) weights of its t tokens and its ``<eos>``."""
    if not weights or weights[0] is None:
        return None
    stacked = torch.stack(weights, 1).numpy()
    lengths = memory[1].sum(1).tolist()
    return [stacked[b, : len(tok) + 1, : lengths[b]] for b, tok in enumerate(tokens)]


@torch.no_grad()
def beam_search(
    model: nn.Module,
    src: torch.Tensor,
    beam_width: int = 4,
    max_len: int | None = None,
    *,
    keep_greedy: bool = True,
) -> Decoded:
    """Keep the ``beam_width`` most probable prefixes at each step; return the best sentence.

    Scores are sums of log-probabilities (no length normalisation), so the result is an
    approximation of the most probable sentence. Plain beam search can lose the greedy
    path and end *below* it; with ``keep_greedy`` (the default) greedy decoding runs too
    and wins where it scored higher (``Decoded.greedy_was_better`` says where), so the
    result never scores lower than greedy's.

    Parameters
    ----------
    model, src, max_len : as :func:`greedy_decode`
    beam_width : int
        k >= 1; k = 1 is greedy decoding. At most the target vocabulary size.
    """
    beam_width = check_positive_int(beam_width, "beam_width")
    model.eval()
    max_len = _default_max_len(src, max_len)
    prefix, scores = _beam_loop(model, src, beam_width, max_len)
    best = scores.argmax(1)
    rows = torch.arange(src.shape[0]) * beam_width + best
    result = Decoded(_cut(prefix[rows]), scores.gather(1, best[:, None])[:, 0])
    if keep_greedy:
        result = _keep_better(result, greedy_decode(model, src, max_len))
    return result


def _beam_loop(model, src, k, max_len) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the beams; return prefixes (B k, 1 + t) and scores (B, k)."""
    B = src.shape[0]
    memory = _index(model.encode(src), torch.arange(B).repeat_interleave(k))
    state = model.init_state(memory)
    prefix = torch.full((B * k, 1), BOS, dtype=torch.int64)
    scores = torch.full((B, k), float("-inf"))
    scores[:, 0] = 0.0
    finished = torch.zeros(B * k, dtype=torch.bool)
    for _ in range(max_len):
        logp, state, _ = model.decode_step(memory, prefix, state)
        V = logp.shape[1]
        if k > V:
            raise ValueError(f"beam_width={k} exceeds the target vocabulary size {V}")
        logp = torch.where(finished[:, None], _finished_row(V), logp)
        top, idx = (scores.reshape(B * k, 1) + logp).reshape(B, k * V).topk(k, dim=1)
        rows = (torch.arange(B)[:, None] * k + idx // V).reshape(-1)
        token = (idx % V).reshape(-1)
        prefix = torch.cat([prefix[rows], token[:, None]], 1)
        state = _index(state, rows)
        finished = finished[rows] | (token == EOS)
        scores = top
        if bool(finished.all()):
            break
    return prefix, scores


def _finished_row(V: int) -> torch.Tensor:
    """A finished beam can only add ``<pad>``, at no cost: one candidate, same score."""
    row = torch.full((V,), float("-inf"))
    row[PAD] = 0.0
    return row


def _keep_better(beam: Decoded, greedy: Decoded) -> Decoded:
    better = greedy.scores > beam.scores
    tokens = [g if b else t for t, g, b in zip(beam.tokens, greedy.tokens, better.tolist(),
                                                strict=True)]
    return Decoded(tokens, torch.where(better, greedy.scores, beam.scores),
                   greedy_was_better=better)


@torch.no_grad()
def sequence_log_prob(model: nn.Module, src: torch.Tensor,
                      targets: Sequence[Sequence[int]]) -> torch.Tensor:
    """(B,) log p(target + ``<eos>`` | source) under teacher forcing, in eval mode.

    The score :func:`greedy_decode` and :func:`beam_search` maximise, computed for given
    sentences (e.g. their outputs, or the references).
    """
    if len(targets) != src.shape[0]:
        raise ValueError(f"targets: {len(targets)} sentences for a batch of {src.shape[0]}")
    model.eval()
    tgt_in, tgt_out = teacher_forcing(targets)
    logp = torch.log_softmax(model(src, tgt_in), -1)
    picked = logp.gather(2, tgt_out[:, :, None])[:, :, 0]
    return (picked * (tgt_out != PAD)).sum(1)


# ----------------------------------------------------------------------------- training
def teacher_forcing(targets: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder input ``<bos> y_1 … y_T`` and output ``y_1 … y_T <eos>``, each (B, T + 1),
    right-padded, from target id lists without specials."""
    width = max(len(t) for t in targets) + 1
    tgt_in = torch.full((len(targets), width), PAD, dtype=torch.int64)
    tgt_out = torch.full((len(targets), width), PAD, dtype=torch.int64)
    for row, t in enumerate(targets):
        tgt_in[row, : len(t) + 1] = torch.tensor([BOS, *t])
        tgt_out[row, : len(t) + 1] = torch.tensor([*t, EOS])
    return tgt_in, tgt_out


def sequence_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per real (non-pad) token; ``logits`` (B, T, V), ``targets`` (B, T)."""
    if logits.shape[:2] != targets.shape:
        raise ValueError(
            f"sequence_loss: logits {tuple(logits.shape)} and targets {tuple(targets.shape)} "
            "disagree on (B, T)"
        )
    return nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=PAD)


class TeacherForcedBatches:
    """Teacher-forced mini-batches ``((src, tgt_in), tgt_out)`` for
    :func:`lstmbook.torch.train.fit`, freshly shuffled on every pass (one pass = one epoch).

    Parameters
    ----------
    sources, targets : sequences of id lists (without specials)
        Each batch is right-padded to its own longest sentence (:func:`pad_ids`,
        :func:`teacher_forcing`).
    batch_size : int
    seed : int
        The shuffling: pass k draws the k-th permutation of one generator.
    """

    def __init__(self, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]],
                 batch_size: int, *, seed: int = 0) -> None:
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        if len(sources) == 0:
            raise ValueError("TeacherForcedBatches: no sentence pairs")
        self.sources, self.targets = sources, targets
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.sources) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensors, torch.Tensor]]:
        order = self.rng.permutation(len(self.sources))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            src = pad_ids([self.sources[r] for r in rows])
            tgt_in, tgt_out = teacher_forcing([self.targets[r] for r in rows])
            yield (src, tgt_in), tgt_out


def pad_ids(seqs: Sequence[Sequence[int]]) -> torch.Tensor:
    """(B, S_max) int64 tensor of id lists, right-padded with ``<pad>``."""
    return torch.from_numpy(pad_batch(seqs, PAD))


# ----------------------------------------------------------------------------- the book's models
#: The three models of the translation page, by name: constructor and keyword arguments.
#: One dropout policy for all three: none (the LSTMs have no dropout, so neither has the
#: Transformer). Vocabulary sizes come from the corpus (:data:`CORPORA`).
BOOK_MODELS = {
    "lstm": ("Seq2SeqLSTM", {"embed_size": 32, "hidden_size": 64, "attention": False}),
    "attention": ("Seq2SeqLSTM", {"embed_size": 32, "hidden_size": 64, "attention": True}),
    "transformer": ("Seq2SeqTransformer", {"d_model": 48, "nhead": 4, "num_layers": 2,
                                           "dim_feedforward": 96, "dropout": 0.0}),
}

#: The page's two corpora, by name: the functions giving their (source, target) vocabularies.
CORPORA = {
    "numbers": ("lstmbook.data.parallel", "english_vocab", "chinese_vocab"),
    "dates": ("lstmbook.data.dates", "english_date_vocab", "chinese_date_vocab"),
}


def corpus_vocabs(corpus: str = "numbers"):
    """The (source, target) :class:`~lstmbook.data.parallel.Vocab` of a corpus in
    :data:`CORPORA`: English number words -> Chinese numerals, or English dates -> 年月日."""
    import importlib

    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose one of {sorted(CORPORA)}")
    module, src, tgt = CORPORA[corpus]
    mod = importlib.import_module(module)
    return getattr(mod, src)(), getattr(mod, tgt)()


def build_model(name: str, corpus: str = "numbers") -> nn.Module:
    """A freshly initialised model of :data:`BOOK_MODELS` for a corpus (seed torch first)."""
    if name not in BOOK_MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(BOOK_MODELS)}")
    src_vocab, tgt_vocab = corpus_vocabs(corpus)
    cls, kwargs = BOOK_MODELS[name]
    model_cls = Seq2SeqLSTM if cls == "Seq2SeqLSTM" else Seq2SeqTransformer
    return model_cls(len(src_vocab), len(tgt_vocab), **kwargs)


def warmup_schedule(warmup: int):
    """Learning-rate factor for ``fit(schedule=...)``: linear warm-up from ``1/warmup`` to 1
    over the first ``warmup`` updates, then constant (the Transformer's warm-up)."""
    warmup = check_positive_int(warmup, "warmup")
    return lambda k: min(1.0, (k + 1) / warmup)


def artifact_name(name: str, seed: int, corpus: str = "numbers") -> str:
    """The registry name of the shipped weights: ``translation/<name>_seed<seed>`` for the
    number corpus, ``translation/dates-<name>_seed<seed>`` for the dates (the run's record
    is the same name with ``_run``)."""
    if name not in BOOK_MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(BOOK_MODELS)}")
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose one of {sorted(CORPORA)}")
    prefix = "" if corpus == "numbers" else f"{corpus}-"
    return f"translation/{prefix}{name}_seed{int(seed)}"


def load_model(name: str, seed: int = 0, corpus: str = "numbers") -> nn.Module:
    """:func:`build_model` with the weights ``scripts/train_translation.py`` shipped
    (:func:`artifact_name`), in eval mode."""
    from lstmbook import artifacts
    from lstmbook.io import load_into

    return load_into(build_model(name, corpus), artifacts.load(artifact_name(name, seed, corpus)))

"""Encoder–decoder LSTM, attention, Transformer, greedy and beam decoding."""

import pytest
import torch

from lstmbook.torch import seq2seq as s2s

SRC_V, TGT_V = 11, 9


def make(kind: str, seed: int = 0, eos_bias: float = 1.5):
    """A small random model whose sentences end within a few steps (EOS favoured)."""
    torch.manual_seed(seed)
    if kind == "transformer":
        model = s2s.Seq2SeqTransformer(SRC_V, TGT_V, d_model=16, nhead=2, num_layers=1,
                                       dim_feedforward=32)
    else:
        model = s2s.Seq2SeqLSTM(SRC_V, TGT_V, 8, 16, attention=kind == "attention")
    out = model.out if kind == "transformer" else model.decoder.out
    with torch.no_grad():
        out.bias[s2s.EOS] += eos_bias
    return model.eval()


def source_batch(seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(3, SRC_V, (6, 7), generator=g)
    for row, length in enumerate([7, 3, 5, 1, 6, 2]):
        src[row, length:] = s2s.PAD
    return src


KINDS = ["lstm", "attention", "transformer"]


@pytest.mark.parametrize("kind", KINDS)
def test_teacher_forcing_gives_logits_per_target_position(kind):
    tgt_in, tgt_out = s2s.teacher_forcing([[3, 4, 5], [6]])
    assert tgt_in.tolist() == [[1, 3, 4, 5], [1, 6, 0, 0]]
    assert tgt_out.tolist() == [[3, 4, 5, 2], [6, 2, 0, 0]]
    logits = make(kind)(source_batch()[:2], tgt_in)
    assert logits.shape == (2, 4, TGT_V)
    assert torch.isfinite(s2s.sequence_loss(logits, tgt_out))


@pytest.mark.parametrize("kind", KINDS)
def test_beam_width_one_is_greedy(kind):
    model, src = make(kind, eos_bias=0.0), source_batch(1)
    greedy = s2s.greedy_decode(model, src, max_len=12)
    beam = s2s.beam_search(model, src, beam_width=1, max_len=12, keep_greedy=False)
    assert beam.tokens == greedy.tokens
    torch.testing.assert_close(beam.scores, greedy.scores)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_never_scores_below_greedy_and_reports_true_scores(kind, seed):
    model, src = make(kind, seed), source_batch(seed)
    greedy = s2s.greedy_decode(model, src, max_len=40)
    beam = s2s.beam_search(model, src, beam_width=3, max_len=40)
    assert bool((beam.scores >= greedy.scores - 1e-5).all())
    rescored = s2s.sequence_log_prob(model, src, beam.tokens)
    torch.testing.assert_close(rescored, beam.scores, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(s2s.sequence_log_prob(model, src, greedy.tokens), greedy.scores,
                               atol=1e-4, rtol=1e-4)


def test_padding_does_not_change_the_encoders_final_state():
    model, src = make("lstm"), source_batch()
    _, (h, c), _ = model.encoder(src)
    for row in range(src.shape[0]):
        alone = src[row : row + 1, : int((src[row] != 0).sum())]
        _, (h1, c1), _ = model.encoder(alone)
        torch.testing.assert_close(h1[:, 0], h[:, row])
        torch.testing.assert_close(c1[:, 0], c[:, row])


def test_attention_weights_sum_to_one_over_real_tokens_only():
    model, src = make("attention"), source_batch()
    memory, state, mask = model.encoder(src)
    tgt_in, _ = s2s.teacher_forcing([[3, 4]] * src.shape[0])
    _, _, weights = model.decoder(tgt_in, state, memory, mask)
    assert weights.shape == (src.shape[0], 3, src.shape[1])
    torch.testing.assert_close(weights.sum(-1), torch.ones(src.shape[0], 3))
    assert bool((weights.masked_select(~mask[:, None, :].expand_as(weights)) == 0).all())
    decoded = s2s.greedy_decode(model, src, max_len=10)
    lengths = (src != 0).sum(1).tolist()
    for amap, tokens, length in zip(decoded.attention, decoded.tokens, lengths, strict=True):
        assert amap.shape == (len(tokens) + 1, length)


def test_transformer_step_with_cache_equals_the_full_decoder():
    model, src = make("transformer"), source_batch()
    tgt_in, _ = s2s.teacher_forcing([[3, 4, 5, 6]] * src.shape[0])
    _assert_steps_equal_full_decoder(model, src, tgt_in)


def test_shipped_transformer_step_with_cache_equals_the_full_decoder():
    from lstmbook.data import parallel

    model = s2s.load_model("transformer", 0)
    words = ["three", "hundred", "and", "five", "thousand", "twelve"]
    vocab = parallel.english_vocab()
    src = s2s.pad_ids([vocab.encode(words[: n + 1], eos=False) for n in range(6)])
    tgt_in, _ = s2s.teacher_forcing([list(range(3, 12))] * src.shape[0])
    _assert_steps_equal_full_decoder(model, src, tgt_in)


def test_transformer_cache_holds_projected_keys_and_values_of_the_prefix():
    model, src = make("transformer"), source_batch()
    memory = model.encode(src)
    state = model.init_state(memory)
    prefix = torch.tensor([[s2s.BOS, 3, 4]] * src.shape[0])
    with torch.no_grad():
        for t in range(3):
            _, state, _ = model.decode_step(memory, prefix[:, : t + 1], state)
    D = model.out.in_features
    layers = model.transformer.decoder.layers
    assert len(state) == 4 * len(layers)
    assert state[0].shape == state[1].shape == (src.shape[0], 3, D)
    assert state[2].shape == (src.shape[0], src.shape[1], D)
    x = model._embed(model.tgt_embed, prefix)  # first layer's inputs at all three positions
    k = torch.nn.functional.linear(x, *(p.chunk(3)[1] for p in
                                        (layers[0].self_attn.in_proj_weight,
                                         layers[0].self_attn.in_proj_bias)))
    torch.testing.assert_close(state[0], k.detach())


def _assert_steps_equal_full_decoder(model, src, tgt_in):
    with torch.no_grad():
        full = torch.log_softmax(model(src, tgt_in), -1)
        memory = model.encode(src)
        state = model.init_state(memory)
        for t in range(tgt_in.shape[1]):
            step, state, _ = model.decode_step(memory, tgt_in[:, : t + 1], state)
            torch.testing.assert_close(step, full[:, t], atol=1e-5, rtol=1e-5)


def test_bad_inputs_get_clear_errors():
    model = make("attention")
    tgt_in, _ = s2s.teacher_forcing([[3]])
    with pytest.raises(TypeError, match="int64"):
        model(source_batch()[:1].float(), tgt_in)
    with pytest.raises(ValueError, match=r"2-D \(B, S\)"):
        model(source_batch()[0], tgt_in)
    with pytest.raises(ValueError, match="all padding"):
        model(torch.zeros(1, 3, dtype=torch.int64), tgt_in)
    with pytest.raises(ValueError, match="right-padded"):
        model(torch.tensor([[0, 3, 4]]), tgt_in)
    with pytest.raises(ValueError, match=r"\[0, 11\)"):
        model(torch.tensor([[3, 11]]), tgt_in)
    with pytest.raises(ValueError, match="exceeds the target vocabulary"):
        s2s.beam_search(model, source_batch(), beam_width=TGT_V + 1)
    with pytest.raises(ValueError, match="disagree"):
        s2s.sequence_loss(torch.zeros(2, 3, TGT_V), torch.zeros(2, 4, dtype=torch.int64))


def test_batches_cover_the_data_once_per_epoch():
    batches = s2s.TeacherForcedBatches([[3]] * 5 + [[4, 5]] * 5, [[6]] * 10, batch_size=4,
                                       seed=0)
    got = list(batches)
    assert len(batches) == 3 and [len(y) for (_, y) in got] == [4, 4, 2]
    assert sum(int((x[0] == 4).sum()) for (x, _) in got) == 5
    again = list(batches)  # a second epoch, shuffled afresh
    assert sum(int((x[0] == 4).sum()) for (x, _) in again) == 5
    assert [x[0].tolist() for (x, _) in again] != [x[0].tolist() for (x, _) in got]


def test_fit_trains_a_model_on_teacher_forced_batches():
    from lstmbook.torch.train import fit

    model = make("attention")
    sources = [[3, 4], [5], [6, 7, 8], [9, 10]] * 4
    targets = [[3], [4, 5], [6, 7], [8]] * 4
    batches = s2s.TeacherForcedBatches(sources, targets, batch_size=4, seed=0)
    history = fit(model, batches, loss_fn=s2s.sequence_loss, lr=1e-2, epochs=3,
                  val_data=list(batches), restore_best=False)
    assert history.updates == 12 and len(history.val_loss) == 3
    assert history.epoch_loss[-1] < history.epoch_loss[0]


@pytest.mark.parametrize("name", list(s2s.BOOK_MODELS))
def test_shipped_weights_fit_the_book_models(name):
    from lstmbook import artifacts
    from lstmbook.torch.models import parameter_count

    path = artifacts.path(s2s.artifact_name(name, 0))
    assert path.exists(), f"{path} missing: run scripts/train_translation.py"
    model = s2s.load_model(name, 0)
    assert not model.training
    assert parameter_count(model) == parameter_count(s2s.build_model(name))
    record = artifacts.load(s2s.artifact_name(name, 0) + "_run")
    assert record["model"] == name and record["parameters"] == parameter_count(model)


def test_warmup_rises_linearly_then_stays_at_the_full_rate():
    schedule = s2s.warmup_schedule(4)
    assert [schedule(k) for k in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError):
        s2s.warmup_schedule(0)


def test_the_book_models_take_each_corpus_vocabulary_and_share_one_dropout_policy():
    from lstmbook.data import dates, parallel

    for corpus, (src, tgt) in {"numbers": (parallel.english_vocab(), parallel.chinese_vocab()),
                               "dates": (dates.english_date_vocab(),
                                         dates.chinese_date_vocab())}.items():
        model = s2s.build_model("transformer", corpus)
        assert (model.src_vocab, model.tgt_vocab) == (len(src), len(tgt))
        assert s2s.build_model("attention", corpus).decoder.vocab_size == len(tgt)
    assert s2s.BOOK_MODELS["transformer"][1]["dropout"] == 0.0  # as the LSTMs: none
    assert s2s.artifact_name("lstm", 1, "dates") == "translation/dates-lstm_seed1"
    assert s2s.artifact_name("lstm", 1) == "translation/lstm_seed1"
    with pytest.raises(ValueError, match="unknown corpus"):
        s2s.build_model("lstm", "poems")


@pytest.mark.parametrize("corpus", ["numbers", "dates"])
def test_every_model_has_three_shipped_runs_with_per_sentence_test_results(corpus):
    from lstmbook import artifacts

    for name in s2s.BOOK_MODELS:
        records = [artifacts.load(s2s.artifact_name(name, seed, corpus) + "_run")
                   for seed in range(3)]
        assert len({r["lr"] for r in records}) == 1
        for r in records:
            assert len(r["test_correct"]) == len(r["test_edits"]) == 1000
            assert r["test_exact_match"] == pytest.approx(r["test_correct"].count("1") / 1000)

"""The digits page: the loader, the classifiers, the generator, its baseline, the figures,
and the shipped weights of scripts/train_digits.py."""

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lstmbook import artifacts  # noqa: E402
from lstmbook.data import digits as dd  # noqa: E402
from lstmbook.io import load_into, state_arrays  # noqa: E402
from lstmbook.plots.digits import plot_confusion_matrix, plot_digit_samples  # noqa: E402
from lstmbook.torch import digit_models as dm  # noqa: E402
from lstmbook.torch.digits import accuracy  # noqa: E402
from lstmbook.torch.models import RecurrentNet, parameter_count  # noqa: E402
from lstmbook.torch.train import fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def split():
    return dd.digit_split()


@pytest.fixture(scope="module")
def block_split():
    """The split the shipped models were trained and scored on."""
    return dd.digit_split(by=_script().SPLIT)


def test_split_is_fixed_and_stratified(split):
    xtr, ytr, xte, yte = split
    assert xtr.shape == (1347, 8, 8) and xte.shape == (450, 8, 8)
    assert xtr.dtype == np.float32 and 0 <= xtr.min() and xtr.max() <= 1
    share = np.bincount(np.concatenate([ytr, yte])) * 0.25
    assert np.abs(np.bincount(yte) - share).max() <= 1  # each class in proportion
    np.testing.assert_array_equal(dd.digit_split()[3], yte)


def test_writer_block_split_keeps_whole_blocks_apart_in_file_order():
    images, labels = dd.digit_images()
    edges = dd.writer_block_edges()
    assert len(edges) == dd.WRITER_BLOCKS + 1 and edges[-1] == len(labels)
    assert np.ptp(np.diff(edges)) <= 1  # equal blocks, up to one image
    xtr, ytr, xte, yte = dd.digit_split(by="writer_blocks")
    assert len(xte) == edges[-1] - edges[-4]  # the last 3 of 13 blocks
    np.testing.assert_array_equal(xte, images[edges[-4]:])
    np.testing.assert_array_equal(ytr, labels[:edges[-4]])
    xf, yf, xv, yv = dd.validation_split(xtr, ytr, by="writer_blocks")
    assert len(xv) == edges[-4] - edges[-6]  # the 2 blocks before the test blocks
    np.testing.assert_array_equal(xv, images[edges[-6]:edges[-4]])


def test_validation_by_blocks_needs_the_block_training_split(split):
    with pytest.raises(ValueError, match="whole blocks"):
        dd.validation_split(split[0], split[1], by="writer_blocks")
    with pytest.raises(ValueError, match="by must be"):
        dd.digit_split(by="writers")


def test_validation_split_is_disjoint_and_stratified(split):
    xtr, ytr = split[:2]
    xf, yf, xv, yv = dd.validation_split(xtr, ytr)
    assert len(xf) + len(xv) == len(xtr)
    assert np.abs(np.bincount(yv) - 0.15 * np.bincount(ytr)).max() <= 1
    fit_rows = {r.tobytes() for r in xf}
    assert sum(r.tobytes() in fit_rows for r in xv) <= 5  # the data hold a few duplicates


def test_rows_and_pixels_read_the_same_image_in_raster_order(split):
    img = split[0][:3]
    rows, pixels = dd.as_rows(img), dd.as_pixels(img)
    assert rows.shape == (3, 8, 8) and pixels.shape == (3, 64, 1)
    np.testing.assert_array_equal(pixels[:, 8 * 2 + 5, 0], img[:, 2, 5])
    np.testing.assert_array_equal(dd.as_flat(img), pixels[..., 0])


def test_levels_round_trip_exactly(split):
    levels = dd.to_levels(split[0])
    assert levels.min() == 0 and levels.max() == 16
    np.testing.assert_array_equal(dd.to_levels(dd.from_levels(levels)), levels)


def test_loader_errors_name_the_problem():
    with pytest.raises(ValueError, match="8, 8"):
        dd.as_rows(np.zeros((2, 64)))
    with pytest.raises(ValueError, match="NaN"):
        dd.as_pixels(np.full((1, 8, 8), np.nan))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dd.to_levels(np.full((1, 8, 8), 2.0))
    with pytest.raises(TypeError, match="integers"):
        dd.from_levels(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="test_fraction"):
        dd.digit_split(test_fraction=1.5)


@pytest.mark.parametrize("name", list(dm.CLASSIFIERS))
@pytest.mark.parametrize("reading", [(8, 8), (1, 64)])
def test_every_classifier_gives_ten_logits_per_image(name, reading):
    size, steps = reading
    model = dm.build_classifier(name, size, steps, seed=0)
    assert model(torch.zeros(5, steps, size)).shape == (5, 10)


def test_mlp_has_about_the_lstm_parameter_count_on_rows():
    lstm = parameter_count(dm.build_classifier("lstm", 8, 8))
    mlp = parameter_count(dm.build_classifier("mlp", 8, 8))
    assert abs(mlp - lstm) / lstm < 0.05


def test_classifier_errors():
    with pytest.raises(ValueError, match="unknown classifier"):
        dm.build_classifier("transformer", 8, 8)
    with pytest.raises(ValueError, match="64 inputs"):
        dm.build_classifier("mlp", 8, 8)(torch.zeros(2, 8, 7))
    with pytest.raises(ValueError, match="cell"):
        RecurrentNet("lstmx", 8, 4, 10)


def test_sigmoid_probabilities_need_not_sum_to_one_softmax_do():
    model = dm.build_classifier("lstm", 8, 8, seed=1)
    x = np.random.default_rng(0).random((6, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(dm.predict(model, x).sum(1), 1, rtol=1e-5)
    assert np.abs(dm.predict(model, x, probabilities="sigmoid").sum(1) - 1).min() > 0.1


def test_sigmoid_bce_is_the_mean_of_per_class_binary_losses():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    p = torch.sigmoid(logits)[0]
    expected = -(torch.log(1 - p[0]) + torch.log(p[1]) + torch.log(1 - p[2])) / 3
    assert torch.isclose(dm.sigmoid_bce(logits, torch.tensor([1])), expected)


def test_confusion_matrix_counts_pairs():
    m = dm.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match="0..2"):
        dm.confusion_matrix([3], [0], n_classes=3)


def test_fit_on_random_batches_learns_and_keeps_the_best_check(split):
    xtr, ytr = split[:2]
    xf, yf, xv, yv = dd.validation_split(xtr, ytr)
    model = dm.build_classifier("mlp", 8, 8, seed=0)
    hist = fit(model, dm.random_batches(xf, yf, 64, seed=0), loss_fn=torch.nn.CrossEntropyLoss(),
               lr=3e-3, steps=60, clip_norm=1.0, val_data=(xv, yv), metric=accuracy, mode="max",
               eval_every=20)
    acc = (dm.predict(model, xv).argmax(1) == yv).mean()
    assert acc == max(hist.val_metric) == accuracy(model, (xv, yv)) > 0.7
    assert hist.best_update in hist.eval_updates == [20, 40, 60]


def test_random_batches_draw_with_replacement_from_the_seed(split):
    x, y = dd.as_rows(split[0][:10]), split[1][:10]
    a, b = dm.random_batches(x, y, 32, seed=1), dm.random_batches(x, y, 32, seed=1)
    (xa, ya), (xb, yb) = a(0), b(0)
    assert torch.equal(ya, yb)
    assert xa.shape == (32, 8, 8) and ya.dtype == torch.int64
    assert torch.equal(xa, xb) and not torch.equal(a(1)[0], xa)  # 32 of 10: with replacement
    with pytest.raises(ValueError, match="labels"):
        dm.random_batches(x, y[:3], 4)


def test_accuracy_reads_padded_sequences_with_their_lengths():
    torch.manual_seed(0)
    model = RecurrentNet("lstm", 1, 4, 2)
    x = torch.randn(3, 5, 1)
    lengths = torch.tensor([5, 2, 3])
    y = model(x, lengths).argmax(-1)
    assert accuracy(model, ((x, lengths), y)) == 1.0
    with pytest.raises(ValueError, match="predictions"):
        accuracy(model, (x, y[:2]))


def test_generator_is_causal_in_rows():
    """Row t's logits depend on rows < t only (teacher forcing shifts by one)."""
    g = dm.RowGenerator(16)
    rows = torch.rand(2, 8, 8)
    changed = rows.clone()
    changed[:, 5] = torch.rand(2, 8)
    a, b = g(rows, torch.tensor([3, 7])), g(changed, torch.tensor([3, 7]))
    assert a.shape == (2, 8, 8, 17)
    assert torch.equal(a[:, :6], b[:, :6]) and not torch.allclose(a[:, 6:], b[:, 6:])


def test_generator_bits_per_pixel_of_an_untrained_model_is_near_log2_17(split):
    g = dm.RowGenerator(8)
    torch.nn.init.zeros_(g.net.head.weight)
    torch.nn.init.zeros_(g.net.head.bias)
    assert dm.generator_bits_per_pixel(g, split[2][:20], split[3][:20]) == pytest.approx(
        np.log2(17), rel=1e-5)


def test_generator_samples_are_levels_and_reproducible():
    g = dm.RowGenerator(8)
    a, b = g.sample([0, 5, 9], seed=3), g.sample([0, 5, 9], seed=3)
    assert a.shape == (3, 8, 8) and a.dtype == np.int64
    assert 0 <= a.min() and a.max() <= 16
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="temperature"):
        g.sample([1], temperature=0)
    with pytest.raises(ValueError, match="labels"):
        g(torch.zeros(2, 8, 8), torch.tensor([0, 10]))


def test_independent_pixels_fits_histograms_and_samples_from_them(split):
    xtr, ytr, xte, yte = split
    base = dm.IndependentPixels(xtr, ytr)
    np.testing.assert_allclose(base.probs.sum(-1), 1)
    assert base.bits_per_pixel(xtr, ytr) < base.bits_per_pixel(xte, yte) < np.log2(17)
    sample = base.sample(np.zeros(4000, int), seed=0)
    expected = (base.probs[0] * np.arange(17)).sum(-1).reshape(8, 8)
    np.testing.assert_allclose(sample.mean(0), expected, atol=0.5)
    sharp = dm.IndependentPixels(xtr, ytr, alpha=1e-6)
    zeros = dd.to_levels(xtr[ytr == 0])
    np.testing.assert_allclose((sharp.probs[0] * np.arange(17)).sum(-1).reshape(8, 8),
                               zeros.mean(0), atol=1e-3)


def test_plots_have_titles_and_check_shapes():
    fig = plot_confusion_matrix(np.eye(3) * 4, title="t")
    assert fig.axes[0].get_title() == "t" and fig.axes[0].get_xlabel() == "predicted class"
    fig = plot_digit_samples(np.zeros((10, 2, 8, 8)), title="samples")
    ax = fig.axes[0]
    assert ax.get_title() == "samples" and [t.get_text() for t in ax.get_xticklabels()][3] == "3"
    assert ax.images[0].get_array().shape == (2 * 9 - 1, 10 * 9 - 1)
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)), title="x")
    with pytest.raises(ValueError, match="classes, samples"):
        plot_digit_samples(np.zeros((10, 8, 8)), title="x")


def _script():
    spec = importlib.util.spec_from_file_location("train_digits", ROOT / "scripts/train_digits.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("part", ["rows", "pixels"])
def test_shipped_classifier_weights_fit_the_script_models_and_its_record(part, block_split):
    script = _script()
    arrays = artifacts.load(f"digits/{part}")
    record = artifacts.load(f"digits/{part}_runs")
    read = script.READINGS[part][0]
    xte, yte = read(block_split[2]), block_split[3]
    for model_id, _, _ in script.RUNS[part]:
        for seed in script.SEEDS:
            name = f"{part}.{model_id}.seed{seed}"
            model = load_into(script.classifier_for(model_id, part, seed), arrays,
                              prefix=f"{name}.")
            acc = (dm.predict(model, xte).argmax(1) == yte).mean()
            # float16 storage may flip a borderline test image or two
            assert abs(acc - record[name]["test_accuracy_float32"]) <= 2 / len(yte), name


def test_shipped_generator_weights_fit_and_beat_the_independent_baseline(block_split):
    script = _script()
    arrays = artifacts.load("digits/generator")
    record = artifacts.load("digits/generator_runs")
    xtr, ytr, xte, yte = block_split
    base = dm.IndependentPixels(xtr, ytr).bits_per_pixel(xte, yte)
    for seed in script.SEEDS:
        g = load_into(dm.RowGenerator(script.GENERATOR["hidden_size"]), arrays,
                      prefix=f"generator.seed{seed}.")
        bpp = dm.generator_bits_per_pixel(g, xte, yte)
        assert bpp == pytest.approx(record[f"generator.seed{seed}"]["test_bits_per_pixel_float32"],
                                    abs=5e-3)
        assert bpp < base


def test_the_registry_records_the_budget_and_scores_of_the_shipped_runs():
    script = _script()
    for part in ("rows", "pixels", "generator"):
        entry, runs = artifacts.record(f"digits/{part}"), artifacts.load(f"digits/{part}_runs")
        assert entry["script"] == "scripts/train_digits.py" and part in entry["command"]
        assert entry["cpu_seconds"] == pytest.approx(sum(r["cpu_seconds"] for r in runs.values()))
        assert entry["metrics"] == script.summary(part, runs)
        assert {r["split"] for r in runs.values()} == {script.SPLIT}


def test_the_random_split_runs_are_recorded_for_the_split_gap():
    runs = artifacts.load("digits/rows_random_runs")
    assert {r["split"] for r in runs.values()} == {"random"}
    assert {n.split(".")[1] for n in runs} == {"lstm", "mlp"}


def test_generator_epoch_means_weigh_the_short_last_batch():
    script = _script()
    # 5 examples in batches of 2: per epoch losses of batches of 2, 2 and 1 examples
    assert script.epoch_means([1.0, 1.0, 4.0, 0.0, 0.0, 0.0], 5, 2) == [1.6, 0.0]


def test_loading_weights_into_the_wrong_model_names_the_problem():
    arrays = state_arrays(dm.build_classifier("lstm", 8, 8), prefix="x.")
    with pytest.raises(ValueError, match="does not match"):
        load_into(dm.build_classifier("stacked", 8, 8), arrays, prefix="x.")

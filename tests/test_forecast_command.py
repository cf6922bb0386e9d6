"""``python -m lstmbook.forecast``: end to end on small CSVs, every refused input, the
saved model reloaded."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lstmbook.forecast import cli, load, read_table
from lstmbook.forecast.table import InputError, season_of

TINY = ["--quick", "--hidden-size", "4", "--epochs", "4", "--patience", "2", "--seeds", "3"]


def monthly(n=72, seed=0, start="2015-01-01"):
    """A monthly series with a season, a trend and a feature that leads it."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    promo = rng.normal(size=n)
    sales = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + 3 * np.r_[0, promo[:-1]] \
        + rng.normal(size=n)
    return pd.DataFrame({"month": pd.date_range(start, periods=n, freq="MS")
                         .strftime("%Y-%m-%d"), "sales": sales, "promo": promo})


@pytest.fixture(scope="module")
def gappy_run(tmp_path_factory):
    """The real command, in a fresh Python, on a monthly CSV with two missing months."""
    d = tmp_path_factory.mktemp("gaps")
    monthly().drop(index=[20, 21]).to_csv(d / "sales.csv", index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "lstmbook.forecast", str(d / "sales.csv"), "--time", "month",
         "--target", "sales", "--features", "promo", "--horizon", "3", "--fill",
         "interpolate", "--out", str(d / "report"), *TINY],
        capture_output=True, text=True, timeout=300)
    return proc, d / "report"


def test_the_command_forecasts_a_csv_with_gaps_end_to_end(gappy_run):
    proc, out = gappy_run
    assert proc.returncode == 0, proc.stderr
    assert "frequency MS, season 12" in proc.stdout
    assert "2 missing steps" in proc.stdout and "split: train" in proc.stdout
    for name in ("report.md", "scores.csv", "paired_tests.csv", "forecast.csv",
                 "forecast.png", "model.npz", "record.json"):
        assert (out / name).is_file(), name
    scores = pd.read_csv(out / "scores.csv")
    assert {"persistence", "seasonal naive", "SARIMAX", "ETS", "LSTM (seeds)",
            "LSTM ensemble"} <= set(scores["model"])
    forecast = pd.read_csv(out / "forecast.csv")
    assert list(forecast["time"]) == ["2021-01-01", "2021-02-01", "2021-03-01"]
    assert (forecast["lower"] <= forecast["upper"]).all()


def test_the_record_says_every_choice_the_command_made(gappy_run):
    _, out = gappy_run
    rec = json.loads((out / "record.json").read_text())
    assert rec["data"]["per_series"]["all"]["missing_steps"] == 2
    assert rec["data"]["per_series"]["all"]["filled"] == {"sales": 2, "promo": 2}
    assert rec["data"]["fill"] == "interpolate"
    split = rec["split"]["all"]
    assert split["train"]["size"] + split["validation"]["size"] + split["test"]["size"] == 72
    assert len(rec["lstm"]["variants"]["LSTM"]["runs"]) == 3
    assert all(r["refit_epochs"] == r["best_epoch"] for r in
               rec["lstm"]["variants"]["LSTM"]["runs"])
    assert len(rec["lstm"]["variants"]["LSTM"]["validation_MAE"]["all"]["seeds"]) == 3
    assert rec["baselines"]["all"]["mase_lag"] == 12
    assert rec["split_rule"]["fraction"] == 0.15
    assert rec["split_rule"]["validation"].startswith("default: max(H + 4, round(0.15 n))")
    assert set(rec["versions"]) >= {"torch", "statsmodels", "pandas", "numpy"}
    assert rec["baselines"]["all"]["best_on_validation"] in rec["baselines"]["all"][
        "validation_MAE"]


def test_the_saved_model_reloads_and_reproduces_its_forecast(gappy_run):
    _, out = gappy_run
    saved = pd.read_csv(out / "forecast.csv")
    again = load(out).forecast()
    np.testing.assert_allclose(again[["forecast", "lower", "upper"]].to_numpy(),
                               saved[["forecast", "lower", "upper"]].to_numpy(), rtol=1e-12)
    assert list(again["time"]) == list(saved["time"])


def test_two_series_get_a_global_model_and_one_model_per_series(tmp_path, capsys):
    frames = [monthly(60, seed=1).assign(store="north"),
              monthly(60, seed=2).assign(store="south")]
    pd.concat(frames).to_csv(tmp_path / "stores.csv", index=False)
    code = cli.main([str(tmp_path / "stores.csv"), "--time", "month", "--target", "sales",
                     "--series", "store", "--horizon", "2", "--out",
                     str(tmp_path / "r"), *TINY, "--seeds", "2"])
    assert code == 0, capsys.readouterr().err
    scores = pd.read_csv(tmp_path / "r" / "scores.csv")
    for store in ("north", "south"):
        models = set(scores.loc[scores["series"] == store, "model"])
        assert {"LSTM global ensemble", "LSTM per series ensemble"} <= models
    forecast = pd.read_csv(tmp_path / "r" / "forecast.csv")
    assert sorted(set(forecast["series"])) == ["north", "south"]
    again = load(tmp_path / "r").forecast()
    np.testing.assert_allclose(again["forecast"], forecast["forecast"], rtol=1e-12)
    assert {"forecast_north.png", "forecast_south.png"} <= {p.name for p in
                                                           (tmp_path / "r").iterdir()}


def test_a_reused_report_folder_keeps_no_stale_plot_and_every_user_file(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "forecast_mine.png").write_bytes(b"mine")
    pd.concat([monthly(60, seed=1).assign(store="north"),
               monthly(60, seed=2).assign(store="south")]).to_csv(tmp_path / "two.csv",
                                                                  index=False)
    monthly(60).to_csv(tmp_path / "one.csv", index=False)
    common = ["--time", "month", "--target", "sales", "--horizon", "2", "--out", str(out),
              *TINY, "--seeds", "2"]
    assert cli.main([str(tmp_path / "two.csv"), "--series", "store", *common]) == 0
    assert (out / "forecast_north.png").is_file()
    assert cli.main([str(tmp_path / "one.csv"), *common]) == 0
    names = {p.name for p in out.iterdir()}
    assert "forecast.png" in names
    assert not {"forecast_north.png", "forecast_south.png"} & names
    assert {"notes.txt", "forecast_mine.png"} <= names


def test_the_line_an_error_names_is_the_line_of_the_file_that_holds_the_value(tmp_path):
    df = monthly(30)
    df["sales"] = df["sales"].astype(object).where(df.index != 5, "12,5")
    df.to_csv(tmp_path / "plain.csv", index=False)
    lines = (tmp_path / "plain.csv").read_text().splitlines()
    # blank lines, which pandas skips, must not shift the count
    spaced = [lines[0], "", *lines[1:4], "", "", *lines[4:]]
    (tmp_path / "spaced.csv").write_text("\n".join(spaced) + "\n")
    for name in ("plain.csv", "spaced.csv"):
        with pytest.raises(InputError, match="is not numeric") as err:
            read_table(tmp_path / name, time="month", target="sales")
        n = int(str(err.value).split(" at line ")[1].split()[0])
        assert "12,5" in (tmp_path / name).read_text().splitlines()[n - 1], err.value
        assert "(line 1 is the header)" in str(err.value)


def test_a_dataframe_error_names_its_index_label_not_a_line_of_a_file():
    df = monthly(30).set_index(pd.Index([f"r{i}" for i in range(30)]))
    df["sales"] = df["sales"].astype(object).where(df.index != "r5", "12,5")
    with pytest.raises(InputError) as err:
        read_table(df, time="month", target="sales")
    assert "'12,5' at index 'r5' of the DataFrame" in str(err.value)
    assert "line" not in str(err.value) and "file" not in str(err.value)
    gappy = monthly(30).drop(index=[7])
    with pytest.raises(InputError, match=r"missing time step\(s\): no row for 2015-08-01"):
        read_table(gappy, time="month", target="sales")
    holed = monthly(30).assign(sales=lambda d: d["sales"].where(d.index != 7))
    with pytest.raises(InputError, match="first NaN, for 2015-08-01, at index 7 of the "
                                         "DataFrame"):
        read_table(holed, time="month", target="sales")


def test_the_test_panel_runs_to_the_end_of_the_block_with_the_last_origin():
    import matplotlib.pyplot as plt

    from lstmbook.forecast.report import _last_origin

    y = pd.Series(np.arange(20.0), index=pd.date_range("2020-01-01", periods=20, freq="MS"))
    origins = np.arange(12, 18)  # H = 3, test block = rows 12..19
    truth = np.stack([y.to_numpy()[t:t + 3] for t in origins])
    fc = dict(origins=origins, truth=truth, lstm=truth + 1, baseline=truth - 1,
              lower=truth - 2, upper=truth + 2)
    fig, ax = plt.subplots()
    for _ in range(3):
        ax.plot(y.index[origins], truth[:, 0])
    _last_origin(ax, y, fc, 20)
    ends = [max(line.get_xdata()) for line in ax.get_lines()]
    assert max(ends) == y.index[19]
    plt.close(fig)


def bad_csv(tmp_path, change):
    df = monthly(40)
    df = change(df)
    df.to_csv(tmp_path / "bad.csv", index=False)
    return str(tmp_path / "bad.csv")


@pytest.mark.parametrize("change, args, message", [
    (lambda d: d, ["--target", "revenue"], "column 'revenue' is not in bad.csv; its columns "
                                          "are: month, sales, promo"),
    (lambda d: d.assign(sales=d["sales"].astype(object).where(d.index != 5, "12,5")), [],
     "target column 'sales' is not numeric: '12,5' at line 7 of bad.csv (line 1 is the "
     "header)"),
    (lambda d: d, ["--horizon", "12"], "too few points: 40, but horizon 12"),
    (lambda d: d.assign(month=d["month"].where(d.index != 3, "soon")), [],
     "cannot read 1 value(s) of time column 'month' as dates, first 'soon' at line 5 of "
     "bad.csv"),
    (lambda d: d.assign(sales=7.0), [], "target column 'sales' is constant (7)"),
    (lambda d: d.drop(index=[10]), [], "1 missing time step(s): no row for 2015-11-01, one "
                                       "step (MS) after 2015-10-01; pass --fill"),
    (lambda d: d.assign(sales=d["sales"].astype(object).where(d.index != 10, "n/a")), [],
     "1 missing value(s) in column 'sales', first 'n/a', for 2015-11-01, at line 12 of "
     "bad.csv"),
    (lambda d: d.assign(promo=d["promo"].where(d.index != 10)), [],
     "1 missing value(s) in column 'promo', first an empty cell, for 2015-11-01, at line 12 "
     "of bad.csv"),
    (lambda d: pd.concat([d, d.iloc[[4]]]), [], "1 duplicate timestamp(s), first 2015-05-01"),
    (lambda d: d.assign(month=d["month"].where(d.index != 8, "2015-09-17")), [],
     "irregular time steps: 2015-09-17"),
])
def test_bad_input_gets_one_line_and_exit_status_2(tmp_path, capsys, change, args, message):
    argv = [bad_csv(tmp_path, change), "--time", "month", "--target", "sales",
            "--features", "promo", "--horizon", "3", "--out", str(tmp_path / "r"), *TINY]
    for flag in args[::2]:  # later flags replace the defaults above
        i = argv.index(flag) if flag in argv else None
        if i is not None:
            del argv[i:i + 2]
    code = cli.main(argv + args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err


def test_the_command_refuses_bad_input_without_a_traceback_in_a_fresh_python(tmp_path):
    path = bad_csv(tmp_path, lambda d: d)
    proc = subprocess.run([sys.executable, "-m", "lstmbook.forecast", path, "--time", "when",
                           "--target", "sales", "--horizon", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: column 'when' is not in bad.csv; its columns are: "
                                   "month, sales, promo")


def test_duplicates_are_averaged_when_asked():
    df = pd.concat([monthly(30), monthly(30).iloc[[3]].assign(sales=0.0)])
    table = read_table(df, time="month", target="sales", duplicates="mean")
    row = table.frames["all"].loc["2015-04-01", "sales"]
    assert row == pytest.approx(monthly(30)["sales"][3] / 2)
    assert table.notes["series"]["all"]["duplicates"] == 1


def test_forward_fill_uses_only_past_values():
    df = monthly(30).drop(index=[10, 11])
    table = read_table(df, time="month", target="sales", fill="ffill")
    y = table.frames["all"]["sales"].to_numpy()
    assert y[10] == y[11] == y[9]


def test_integer_steps_are_a_time_column_too():
    df = monthly(30).assign(month=np.arange(1990, 2020))
    table = read_table(df, time="month", target="sales")
    assert table.freq == "step=1" and table.season == 1


@pytest.mark.parametrize("freq, m", [("MS", 12), ("ME", 12), ("QE-DEC", 4), ("QS-OCT", 4),
                                     ("W-SUN", 52), ("D", 7), ("h", 24), ("YE-DEC", 1),
                                     ("2h", 1)])
def test_the_season_follows_the_frequency(freq, m):
    assert season_of(freq) == m


def test_input_errors_are_value_errors_for_python_callers():
    with pytest.raises(ValueError, match="not numeric"):
        read_table(monthly(30).assign(sales="x"), time="month", target="sales")
    assert issubclass(InputError, ValueError)

"""`loyaltystats score`: chunked CSV scoring from the command line."""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.cli import main
from loyaltystats.scoring import LoyaltyScorer
from loyaltystats.simulate import generate


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    w = generate(8000, seed=4)
    path = tmp_path_factory.mktemp("model") / "scorer.json"
    LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences).save(str(path))
    return path


def _write_input(path, n=1000, seed=0, bad=False):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "customer_id": np.arange(n), "grade": rng.integers(1, 11, n),
        "recommend": rng.integers(0, 11, n), "negatives": rng.integers(0, 4, n),
        "tenure_months": rng.integers(0, 20, n), "segment": rng.choice(["A", "B", "C"], n),
    })
    if bad:
        df["grade"] = df["grade"].astype(object)
        df.loc[[10, 700], "grade"] = ["eleven", 42]
    df.to_csv(path, index=False)
    return df


def test_cli_scores_in_chunks_and_matches_in_memory_scoring(model_path, tmp_path, capsys):
    from loyaltystats.scoring import load_scorer
    df = _write_input(tmp_path / "in.csv")
    code = main(["score", "--model", str(model_path), "--input", str(tmp_path / "in.csv"),
                 "--output", str(tmp_path / "out.csv"), "--chunksize", "128"])
    assert code == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert len(out) == len(df) and (out["customer_id"] == df["customer_id"]).all()
    ref = load_scorer(str(model_path)).score(df)
    np.testing.assert_allclose(out["p_switch"], ref["p_switch"], rtol=1e-9)
    assert "scored 1,000 rows" in capsys.readouterr().err


def test_cli_bad_rows_exit_1_with_one_line_and_no_output(model_path, tmp_path, capsys):
    _write_input(tmp_path / "in.csv", bad=True)
    code = main(["score", "--model", str(model_path), "--input", str(tmp_path / "in.csv"),
                 "--output", str(tmp_path / "out.csv"), "--chunksize", "500"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    # every bad line is named, whatever chunk it falls in
    assert "line 12: grade: not a number ('eleven')" in err and "line 702: grade" in err
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.partial").exists()


def test_cli_flag_mode_writes_every_row(model_path, tmp_path):
    _write_input(tmp_path / "in.csv", bad=True)
    code = main(["score", "--model", str(model_path), "--input", str(tmp_path / "in.csv"),
                 "--output", str(tmp_path / "out.csv"), "--errors", "flag", "--chunksize", "300"])
    assert code == 0
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert len(out) == 1000
    flagged = out[out["error"] != ""]
    assert flagged["customer_id"].tolist() == [10, 700]
    assert "not a number ('eleven')" in flagged["error"].iloc[0]
    assert "outside 1-10 (42" in flagged["error"].iloc[1]


@pytest.mark.parametrize("which", ["input", "model"])
def test_cli_missing_files_exit_2(model_path, tmp_path, capsys, which):
    _write_input(tmp_path / "in.csv", n=5)
    args = {"model": str(model_path), "input": str(tmp_path / "in.csv")}
    args[which] = str(tmp_path / "missing.file")
    code = main(["score", "--model", args["model"], "--input", args["input"],
                 "--output", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "missing.file" in err


def test_cli_bad_model_exit_2(tmp_path, capsys):
    (tmp_path / "bad.json").write_text('{"schema_version": 7}')
    _write_input(tmp_path / "in.csv", n=5)
    code = main(["score", "--model", str(tmp_path / "bad.json"), "--input",
                 str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv")])
    assert code == 2 and "missing key" in capsys.readouterr().err


def test_pyarrow_and_pandas_writers_give_the_same_table(model_path, tmp_path, monkeypatch):
    # the CLI writes with pyarrow when it is installed, else with pandas: the same values
    pytest.importorskip("pyarrow")
    from loyaltystats.scoring import batch

    _write_input(tmp_path / "in.csv", bad=True)
    args = ["score", "--model", str(model_path), "--input", str(tmp_path / "in.csv"),
            "--errors", "flag", "--chunksize", "300"]
    assert main(args + ["--output", str(tmp_path / "arrow.csv")]) == 0
    real = batch._csv_writer

    def pandas_only():
        import builtins
        orig = builtins.__import__

        def no_arrow(name, *a, **k):
            if name.startswith("pyarrow"):
                raise ImportError(name)
            return orig(name, *a, **k)

        monkeypatch.setattr(builtins, "__import__", no_arrow)
        try:
            return real()
        finally:
            monkeypatch.setattr(builtins, "__import__", orig)

    monkeypatch.setattr(batch, "_csv_writer", pandas_only)
    assert main(args + ["--output", str(tmp_path / "pandas.csv")]) == 0
    a = pd.read_csv(tmp_path / "arrow.csv", keep_default_na=False, na_values=[""])
    b = pd.read_csv(tmp_path / "pandas.csv", keep_default_na=False, na_values=[""])
    assert (tmp_path / "arrow.csv").read_bytes() != (tmp_path / "pandas.csv").read_bytes()
    pd.testing.assert_frame_equal(a, b)
    assert a["error"].fillna("").ne("").sum() == 2

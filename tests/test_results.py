"""Result objects: frozen, tidy, JSON round-trip, verdict logic."""

import dataclasses
import json

import numpy as np
import pytest

from loyaltystats.results import ClaimResult, Result, estimates_frame, judge_interval


def _est():
    return estimates_frame([
        {"term": "p1", "estimate": 0.55, "ci_low": 0.5, "ci_high": 0.6, "n": 400, "method": "wilson"},
        {"term": "p2", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0,
         "method": "wilson"},
    ])


def test_estimates_columns_are_stable():
    assert list(_est().columns) == ["term", "estimate", "ci_low", "ci_high", "n", "method"]
    with pytest.raises(ValueError, match="lacks"):
        estimates_frame([{"term": "x", "estimate": 1.0}])


def test_results_are_frozen():
    r = Result(estimates=_est(), title="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.title = "other"


def test_claim_result_round_trips_through_json():
    r = ClaimResult(estimates=_est(), title="S1", claim_id="S1", statement="57% / 78%",
                    claimed={"1": 0.57, "2": 0.78}, verdict="supported", reason="inside",
                    info={"p_value": 0.3, "n_boot": 100})
    text = r.to_json()
    back = ClaimResult.from_dict(json.loads(text))
    assert back.verdict == "supported" and back.claimed == {"1": 0.57, "2": 0.78}
    assert back.estimates["estimate"].iloc[0] == 0.55 and np.isnan(back.estimates["estimate"].iloc[1])
    assert back.estimates.dtypes.equals(r.estimates.dtypes)
    assert "verdict = supported" in r.to_text() and "<table" in r._repr_html_()


def test_invalid_verdict_rejected():
    with pytest.raises(ValueError):
        ClaimResult(estimates=_est(), verdict="probably")


@pytest.mark.parametrize("ci, region, expected", [
    ((0.55, 0.59), (0.52, 0.62), "supported"),
    ((0.40, 0.45), (0.52, 0.62), "contradicted"),
    ((0.63, 0.70), (0.52, 0.62), "contradicted"),
    ((0.50, 0.60), (0.52, 0.62), "inconclusive"),
    ((np.nan, 0.60), (0.52, 0.62), "inconclusive"),
])
def test_judge_interval(ci, region, expected):
    assert judge_interval(*ci, *region) == expected


def test_plot_draws_into_given_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    out = Result(estimates=_est().iloc[:1], title="t").plot(ax=ax)
    assert out is ax and len(ax.lines) + len(ax.collections) > 0
    plt.close(fig)


def test_infinite_estimates_round_trip_as_infinite():
    est = estimates_frame([{"term": "half_life", "estimate": np.inf, "ci_low": 11.0,
                            "ci_high": np.inf, "n": 10, "method": "profile"}])
    back = Result.from_dict(json.loads(Result(estimates=est).to_json()))
    assert np.isinf(back.estimates["estimate"].iloc[0]) and back.estimates["ci_low"].iloc[0] == 11

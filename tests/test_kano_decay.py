"""K2: penalty and reward over time, the half-life and the "six months" / "a year" claims."""

import json
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from loyaltystats.errors import DataError, ParameterError
from loyaltystats.kano import A_YEAR, SIX_MONTHS, Decay, NotEstimableWarning, decay
from loyaltystats.results import ClaimResult
from loyaltystats.scales import LIKERT_1_7
from loyaltystats.simulate import generate, world_where_false

ADJUST = ["B1", "B2", "P1", "company"]


def _first_delights(world):
    # Adaptation (K3) shrinks the reward of repeated delights; the life cycle of the
    # attribute itself is seen on customers without a previous delight.
    r = world.responses
    return r[r["n_prev_delights"] == 0]


@pytest.fixture(scope="module")
def k2_world():
    return generate(50_000, seed=3)


@pytest.fixture(scope="module")
def k2_result(k2_world):
    return decay(_first_delights(k2_world), "grade", "D1", "time", adjust=ADJUST,
                 n_boot=300, seed=1)


def test_world_half_life_inside_the_interval(k2_world, k2_result):
    h = k2_world.truth["delight_half_life"]
    e = k2_result.estimates.set_index("term")
    assert e.loc["half_life", "ci_low"] < h < e.loc["half_life", "ci_high"]
    assert e.loc["half_life", "ci_high"] < 12
    # the curve limits match the world's r0 = 1.4, r_inf = 0, pen_inf = -1 roughly
    # (rounding and the ceiling of the 1-10 grade attenuate them a little)
    assert e.loc["reward_0", "estimate"] == pytest.approx(1.4, abs=0.25)
    assert e.loc["penalty_inf", "estimate"] == pytest.approx(-1.0, abs=0.2)


def test_world_trajectory_delighter_performance_basic(k2_world, k2_result):
    w = k2_result.windows
    assert w["category"].iloc[0] == "A" and w["category"].iloc[-1] == "M"
    e = k2_result.estimates.set_index("term")
    t_ao, t_om = e.loc["t_delighter_to_performance"], e.loc["t_performance_to_basic"]
    assert 0 < t_ao["estimate"] < t_om["estimate"] < 24
    # the world's crossing times from its exact curves r(t), pen(t)
    t = np.linspace(0, 24, 24001)
    p = k2_world.params
    ia = (p.reward_at(t) + p.penalty_at(t)) / (p.reward_at(t) - p.penalty_at(t))
    true_om = t[np.argmax(ia < -0.2)]
    assert t_om["ci_low"] - 0.5 < true_om < t_om["ci_high"] + 0.5


def test_world_claims(k2_result):
    claims = k2_result.claims
    assert set(claims) == {"six months", "a year"}
    six = claims["six months"]
    assert isinstance(six, ClaimResult) and six.claim_id == "K2"
    assert six.verdict == "supported" and six.claimed["region_months"] == list(SIX_MONTHS)
    assert claims["a year"].claimed["region_months"] == list(A_YEAR)
    assert k2_result.info["verdict_six_months"] == "supported"


def test_world_without_decay_has_no_finite_half_life():
    w = generate(50_000, seed=4, **world_where_false("K2"))
    r = decay(_first_delights(w), "grade", "D1", "time", adjust=ADJUST, n_boot=200, seed=1)
    e = r.estimates.set_index("term")
    span = 24
    assert (not np.isfinite(e.loc["half_life", "ci_high"])) or e.loc["half_life", "ci_high"] > span
    assert not np.isfinite(e.loc["half_life", "estimate"]) or e.loc["half_life", "estimate"] > span
    assert r.claims["six months"].verdict != "supported"
    assert (r.windows["category"] == "A").all()


def test_window_estimates_equal_row_level_ols(k2_world, k2_result):
    r = _first_delights(k2_world)
    win = r[np.floor(r["time"] - r["time"].min()) == 5].copy()
    win["low"] = (win["D1"] <= 2).astype(float)
    win["high"] = (win["D1"] >= 4).astype(float)
    f = smf.ols("grade ~ low + high + C(B1) + C(B2) + C(P1) + C(company)", data=win).fit()
    row = k2_result.windows.iloc[5]
    assert row["penalty"] == pytest.approx(f.params["low"], rel=1e-8)
    assert row["reward"] == pytest.approx(f.params["high"], rel=1e-8)
    assert row["reward_se"] == pytest.approx(f.bse["high"], rel=1e-8)
    assert row["cov_penalty_reward"] == pytest.approx(f.cov_params().loc["low", "high"], rel=1e-7)


def test_plot_and_round_trip(k2_result):
    fig, ax = plt.subplots()
    assert k2_result.plot(ax=ax) is ax
    plt.close(fig)
    back = Decay.from_dict(json.loads(k2_result.to_json()))
    assert back.half_life == pytest.approx(k2_result.half_life)


def _toy(n=3000, seed=0, span=24.0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, span, n)
    x = rng.integers(1, 6, n)
    fade = 2.0 ** (-t / 6)
    y = np.clip(7 + 1.5 * fade * (x >= 4) - (1 - fade) * (x <= 2) + rng.normal(0, 0.7, n),
                1, 10)  # a grade 1-10
    return pd.DataFrame({"t": t, "x": x, "y": y})


def test_datetime_and_ordered_categorical_times():
    df = _toy()
    df["when"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(df["t"] * 30.4375, unit="D")
    a = decay(df, "y", "x", "t", window=2, n_boot=0)
    b = decay(df, "y", "x", "when", window=2, n_boot=0)
    assert b.half_life == pytest.approx(a.half_life, rel=1e-6)
    assert b.info["unit"] == "months"
    df["wave"] = pd.Categorical(np.floor(df["t"] / 3).astype(int), ordered=True)
    c = decay(df, "y", "x", "wave", window=1, n_boot=0)
    assert c.info["n_windows"] == 8
    with pytest.raises(DataError, match="clock"):
        decay(df, "y", "x", "when", origin=3.0, n_boot=0)
    d = decay(df, "y", "x", "when", origin=pd.Timestamp("2022-12-01"), window=2, n_boot=0)
    assert d.info["n_windows"] == 13


# ------------------------------------------------------------------------ bad input
def test_time_column_must_be_orderable():
    df = _toy(300)
    with pytest.raises(DataError, match="orderable") as err:
        decay(df.assign(t=df["t"].astype(str)), "y", "x", "t", n_boot=0)
    assert err.value.column == "t" and err.value.n_rows == 300
    with pytest.raises(DataError, match="orderable"):
        decay(df.assign(t=pd.Categorical(df["t"].round().astype(int))), "y", "x", "t", n_boot=0)
    with pytest.raises(DataError, match="missing"):
        decay(df.assign(t=df["t"].where(df["t"] > 1)), "y", "x", "t", n_boot=0)
    with pytest.raises(DataError, match="before origin"):
        decay(df, "y", "x", "t", origin=5.0, n_boot=0)


def test_windows_with_too_few_responses_are_reported_not_estimable():
    df = _toy(3000)
    df = df[(df["t"] < 20) | (df["t"] > 22.5)]  # window 10 (20-22) nearly empty
    df = pd.concat([df, _toy(10, seed=5).assign(t=21.0)])
    with pytest.warns(NotEstimableWarning, match="not estimable"):
        r = decay(df, "y", "x", "t", window=2, n_boot=0)
    w = r.windows.set_index("window")
    assert not w.loc[10, "estimable"] and "min_n" in w.loc[10, "reason"]
    assert np.isnan(w.loc[10, "reward"])
    assert r.info["n_estimable"] == r.info["n_windows"] - 1


def test_too_few_estimable_windows_raise():
    df = _toy(200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotEstimableWarning)
        with pytest.raises(DataError, match="at least 3"):
            decay(df, "y", "x", "t", window=2, n_boot=0)


def test_decay_needs_a_seed_to_bootstrap():
    with pytest.raises(ParameterError, match="seed"):   # the default is 0; None is refused
        decay(_toy(), "y", "x", "t", window=2, seed=None)


def test_old_scale_keyword_warns_and_gives_the_same_numbers():
    # scale= is the attributes' scale here, the score's everywhere else: it still works for
    # one release, with a FutureWarning, and becomes the score's scale in the next
    df = _toy(2000).assign(x=lambda d: d["x"] + 1)  # ratings 2-6 on a 1-7 scale
    new = decay(df, "y", "x", "t", window=2, attribute_scale=LIKERT_1_7, low=3, high=5,
                n_boot=30, seed=1)
    with pytest.warns(FutureWarning, match=r"kano\.decay: scale= is the attributes' scale; "
                      r"pass attribute_scale=.*next release scale= becomes the score's scale"):
        old = decay(df, "y", "x", "t", window=2, scale=LIKERT_1_7, low=3, high=5, n_boot=30,
                    seed=1)
    pd.testing.assert_frame_equal(old.estimates, new.estimates, check_exact=True)
    for name in new.tables:
        pd.testing.assert_frame_equal(old.tables[name], new.tables[name], check_exact=True)
    assert json.dumps(old.info, default=str) == json.dumps(new.info, default=str)
    with pytest.raises(ParameterError, match="attribute_scale= only"):
        decay(df, "y", "x", "t", scale=LIKERT_1_7, attribute_scale=LIKERT_1_7, n_boot=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spelling and the default do not warn
        decay(_toy(2000), "y", "x", "t", window=2, n_boot=0)

"""The proportional-hazards test (R's cox.zph, survival 3.5-3) from the cells of a Cox fit.

R (4.2, survival 3.5-3) on lifelines' rossi, written with
``load_rossi().assign(id=range(1, 433)).to_csv("rossi.csv", index=False)``; the long table is
tests/test_cox_depth.py's ``_rossi_long``:

    library(survival); options(digits = 12)
    rossi <- read.csv("rossi.csv"); long <- read.csv("rossi_long.csv")
    fit <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi)
    for (tr in c("km", "identity", "rank", "log")) print(cox.zph(fit, transform = tr)$table)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from loyaltystats._plotting import clipped_texts
from loyaltystats.errors import ParameterError
from loyaltystats.stats import CoxZph, cox_zph, fit_cox_counts
from loyaltystats.switching import cox_time_varying
from test_cox_depth import _rossi_long  # the same long table

COV = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
TERMS = COV + ["GLOBAL"]
# chisq per term and GLOBAL (df 1 each, GLOBAL 7), R's cox.zph(fit, transform = tr)$table
R_CHISQ = {
    "km": [0.0624297513581, 5.9739816534184, 2.0682653874805, 4.2245956334216,
           1.0110215644358, 0.0183832991690, 0.5205842503030, 17.6944152544550],
    "identity": [0.0089505587513, 6.6159437892942, 2.1444262567845, 3.8767551246737,
                 1.0313483187116, 0.0281765987231, 0.4247983963029, 18.1826870391293],
    "rank": [1.3838084514070, 0.8964214615663, 2.2599781512000, 4.1596837531657,
             0.0895921418466, 0.0218516556887, 1.6408034519445, 11.0251834071226],
    "log": [0.1375994332571, 8.2314983419423, 1.6170849394269, 2.0858548410984,
            1.1259733148419, 0.2192028103310, 0.0134790732013, 17.6615705707482],
}
R_P = {
    "km": [0.8026960327310, 0.0145184627740, 0.1503924881358, 0.0398421117133,
           0.3146582281404, 0.8921493439606, 0.4705925638172, 0.0134275067857],
    "identity": [0.9246266776616, 0.0101069762850, 0.1430885204970, 0.0489590948703,
                 0.3098421966620, 0.8666943114640, 0.5145523969022, 0.0111723884673],
    "rank": [0.2394534932834, 0.3437430645167, 0.1327559339969, 0.0413971325882,
             0.7646963044475, 0.8824824137034, 0.2002152669714, 0.1375242988569],
    "log": [0.71067926004880, 0.00411695268098, 0.20349873068540, 0.14866897844571,
            0.28863587072645, 0.63964800932014, 0.90757375572563, 0.01359390215910],
}


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    r = load_rossi()
    r["id"] = np.arange(1, len(r) + 1)
    return r


@pytest.mark.parametrize("transform", ["km", "identity", "rank", "log"])
def test_every_row_matches_r_cox_zph(rossi, transform):
    fit = fit_cox_counts(rossi[COV], rossi["week"], rossi["arrest"])
    zph = cox_zph(fit, transform)
    assert isinstance(zph, CoxZph) and zph.transform == transform
    assert list(zph.table.columns) == ["term", "chisq", "df", "p_value"]
    assert zph.table["term"].tolist() == TERMS
    assert zph.table["df"].tolist() == [1] * 7 + [7]
    np.testing.assert_allclose(zph.table["chisq"], R_CHISQ[transform], rtol=1e-6)
    np.testing.assert_allclose(zph.table["p_value"], R_P[transform], rtol=1e-6)


def test_scaled_schoenfeld_residuals_match_r(rossi):
    # R: z <- cox.zph(fit); head(cbind(z$x, z$time, z$y), 4)  (one death at weeks 1..4)
    r_y = [[-2.10910171822, -0.134551588266, 1.366329251985, -2.49430142432,
            0.0955683630482, -3.21154351097, -0.422343081280179],
           [-2.55763113922, 1.075107033190, 0.660226868487, -1.09689587178,
            -4.9759601622719, 2.45111218854, 0.000163804723105],
           [-2.17661661818, 0.465139016141, 0.980779462733, -3.74407129872,
            -1.7397999915541, 1.97788515985, -0.069253481625310],
           [-2.07595806145, -0.409342153302, 1.719103752440, 3.14686262394,
            -1.4008393381074, -3.41182556041, -0.132424375702599]]
    r_x = [0.0, 0.00231481481481, 0.00462962962963, 0.00694444444444]
    fit = fit_cox_counts(rossi[COV], rossi["week"], rossi["arrest"])
    res = cox_zph(fit).residuals
    head = res.iloc[:4]
    np.testing.assert_allclose(head["time"], [1, 2, 3, 4])
    assert head["count"].tolist() == [1, 1, 1, 1]
    np.testing.assert_allclose(head["transformed_time"], r_x, atol=1e-11)
    np.testing.assert_allclose(head[COV].to_numpy(), r_y, rtol=1e-7, atol=1e-8)
    assert res["count"].sum() == 114


def test_breslow_strata_and_counting_process_match_r(rossi):
    # R: cox.zph(coxph(Surv(week, arrest) ~ fin + age + prio, rossi, ties = "breslow"))
    fit = fit_cox_counts(rossi[["fin", "age", "prio"]], rossi["week"], rossi["arrest"],
                         ties="breslow")
    np.testing.assert_allclose(cox_zph(fit).table["chisq"],
                               [0.0622559371238, 6.2898440905641, 0.5096944946695,
                                7.0921376395510], rtol=1e-6)
    # R: cox.zph(coxph(Surv(week, arrest) ~ fin + age + prio + strata(race), rossi))
    fit = fit_cox_counts(rossi[["fin", "age", "prio"]], rossi["week"], rossi["arrest"],
                         strata=rossi["race"])
    np.testing.assert_allclose(cox_zph(fit).table["chisq"],
                               [0.0252370159698, 6.1822969121310, 0.6929618650629,
                                7.1634243966036], rtol=1e-6)
    # R: fit <- coxph(Surv(start, stop, event) ~ fin + prio + after, data = long)
    #    cox.zph(fit)$table; cox.zph(fit, transform = "rank")$table
    long = _rossi_long(rossi)
    tv = cox_time_varying(long, covariates=["fin", "prio", "after"], id="id")
    km = tv.zph().table
    np.testing.assert_allclose(km["chisq"], [0.0673632442777, 0.4892227334909,
                                             3.5364200136396, 4.0614898470568], rtol=1e-6)
    np.testing.assert_allclose(km["p_value"], [0.7952153053173, 0.4842742302201,
                                               0.0600349067558, 0.2549004323817], rtol=1e-6)
    # the rank clock ranks every row's stop: the cells moved them to event times
    rank = tv.zph("rank").table
    np.testing.assert_allclose(rank["chisq"], [0.174365920278, 0.631287256768,
                                               3.635222945166, 4.395991978397], rtol=1e-6)


def test_counts_equal_rows_and_a_violation_is_found():
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.integers(0, 2, n)
    # x doubles the hazard before time 1 and halves it after: not proportional
    r1, r2 = 0.5 * np.exp(0.7 * x), 0.5 * np.exp(-0.7 * x)
    e = rng.exponential(1.0, n)
    t = np.ceil(4 * np.where(e < r1, e / r1, 1 + (e - r1) / r2)) / 4
    rows = pd.DataFrame({"x": x, "t": np.minimum(t, 3.0), "e": (t <= 3).astype(int)})
    cells = rows.groupby(["x", "t"], as_index=False).agg(n=("e", "size"), d=("e", "sum"))
    assert len(cells) <= 24
    for transform in ("km", "rank", "identity"):
        a = cox_zph(fit_cox_counts(rows[["x"]], rows["t"], rows["e"]), transform).table
        b = cox_zph(fit_cox_counts(cells[["x"]], cells["t"], cells["d"], cells["n"]),
                    transform).table
        np.testing.assert_allclose(a["chisq"], b["chisq"], rtol=1e-9)
        assert a["p_value"].iloc[0] < 1e-6
    # proportional hazards: no alarm
    t = np.ceil(4 * rng.exponential(1 / (0.5 * np.exp(0.7 * x)))) / 4
    ok = fit_cox_counts(x, np.minimum(t, 3.0), t <= 3, names=["x"])
    assert cox_zph(ok).table["p_value"].iloc[0] > 0.01


def test_plot_and_bad_input(rossi):
    fit = fit_cox_counts(rossi[COV], rossi["week"], rossi["arrest"])
    zph = cox_zph(fit, global_test=False)
    assert zph.table["term"].tolist() == COV
    fig, ax = plt.subplots(figsize=(6, 4))
    assert zph.plot("age", ax=ax) is ax
    assert "age" in ax.get_title() and len(ax.lines) == 1
    assert not clipped_texts(fig)
    plt.close(fig)
    with pytest.raises(ParameterError, match="term must be one of"):
        zph.plot("nope")
    with pytest.raises(ParameterError, match="transform must be one of"):
        cox_zph(fit, "sqrt")  # type: ignore[arg-type]

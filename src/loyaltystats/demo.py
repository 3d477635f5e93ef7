"""The demo: simulate a world with known truth and compare the library's estimates with it.

This is the main job until the claims report exists: it shows, side by side, what the world's
truth is and what loyaltystats estimates from the simulated data, with 95% intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scales import GRADE_1_10, RECOMMEND_0_10
from .stats import fit_binomial, wilson_ci
from .tables import count_cells, person_period

__all__ = ["run_demo", "compare_with_truth"]


def _row(section: str, quantity: str, truth: float, est: float, lo: float, hi: float,
         n: int, method: str) -> dict:
    return {"section": section, "quantity": quantity, "truth": truth, "estimate": est,
            "ci_low": lo, "ci_high": hi, "covered": bool(lo <= truth <= hi), "n": int(n),
            "method": method}


def _band_shares(world) -> list[dict]:
    r = world.responses
    bands = pd.DataFrame({"band": GRADE_1_10.band(r["grade"])})
    cells = count_cells(bands, "band")
    total = int(cells["n"].sum())
    lo, hi = wilson_ci(cells["n"], total)
    truth = world.truth["band_shares"]["overall"]
    return [_row("grade band shares (surveyed transactions)", f"P(band {b})", truth[str(b)],
                 n / total, lo_, hi_, total, "Wilson")
            for b, n, lo_, hi_ in zip(cells["band"], cells["n"], lo, hi)]


def _intent(world) -> list[dict]:
    c = world.customers.assign(k=np.minimum(world.customers["negatives"], 3))
    cells = count_cells(c, "k", outcome="considering_switch")
    lo, hi = wilson_ci(cells["successes"], cells["n"])
    truth = world.truth["p_consider_by_negatives"]
    label = {0: "0", 1: "1", 2: "2", 3: "3+"}
    return [_row("considering a switch by negative experiences", f"P(consider | k={label[k]})",
                 truth[k], s / n, lo_, hi_, n, "Wilson")
            for k, s, n, lo_, hi_ in zip(cells["k"], cells["successes"], cells["n"], lo, hi)]


def _switching(world, seed: int) -> list[dict]:
    c = world.customers.assign(band=GRADE_1_10.band(world.customers["grade"]))
    e = world.experiences
    neg = (e["kind"] == "negative").to_numpy()
    rec = e["recovered"].to_numpy(bool)
    pp = person_period(c, e, count={"unrecovered": neg & ~rec, "recovered": neg & rec},
                       by="band", cap=3)
    # The world's hazard is constant over tenure and linear in the capped counts; the fit
    # below is that model, a cloglog (grouped proportional-hazards) GLM on the cells.
    fit = fit_binomial(pp, "unrecovered + recovered + C(band)", successes="events",
                       trials="at_risk", link="cloglog")
    shares = c["band"].value_counts(normalize=True).reindex(GRADE_1_10.band_names).to_numpy()
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.params.to_numpy(), fit.cov.to_numpy(), size=4000)
    share_draws = rng.dirichlet(c["band"].value_counts().reindex(GRADE_1_10.band_names)
                                .to_numpy() + 0.5, size=4000)
    names = list(fit.params.index)
    band_cols = [names.index(f"C(band)[T.{b}]") for b in GRADE_1_10.band_names[1:]]

    def p12(theta: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
        theta = np.atleast_2d(theta)
        w = np.atleast_2d(w)
        band_eff = np.column_stack([np.zeros(len(theta)), theta[:, band_cols]])
        eta = theta[:, [0]] + theta[:, [names.index("unrecovered")]] * k + band_eff
        return np.sum(w * (1 - np.exp(-12 * np.exp(eta))), axis=1)

    truth = world.truth["p_switch_12m_by_unrecovered"]
    out = []
    for k in range(4):
        est = float(p12(fit.params.to_numpy(), shares, k)[0])
        lo, hi = np.quantile(p12(draws, share_draws, k), [0.025, 0.975])
        out.append(_row("switching within 12 months (discrete-time hazard)",
                        f"P(switch 12m | {k} unrecovered)", truth[k], est, lo, hi,
                        int(pp["at_risk"].sum()), "cloglog GLM on person-months"))
    return out


def _nps(world) -> list[dict]:
    cats = RECOMMEND_0_10.band_codes(world.responses["recommend"])
    counts = np.bincount(cats, minlength=3)
    n = counts.sum()
    p_det, p_prom = counts[0] / n, counts[2] / n
    nps = 100 * (p_prom - p_det)
    se = 100 * np.sqrt((p_prom + p_det - (p_prom - p_det) ** 2) / n)
    return [_row("NPS of survey responses", "NPS", world.truth["nps"], nps, nps - 1.96 * se,
                 nps + 1.96 * se, n, "trinomial Wald")]


def compare_with_truth(world, *, seed: int = 0) -> pd.DataFrame:
    """Estimates from a simulated world next to its truth.

    Parameters
    ----------
    world : loyaltystats.simulate.World
        A simulated world.
    seed : int
        Seed for the simulation-based intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``section, quantity, truth, estimate, ci_low, ci_high, covered, n, method``.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> table = compare_with_truth(generate(3000, seed=1))
    >>> sorted(table["section"].unique())[0]
    'NPS of survey responses'
    """
    rows = _band_shares(world) + _intent(world) + _switching(world, seed) + _nps(world)
    return pd.DataFrame(rows)


def run_demo(n_customers: int = 50_000, months: int = 24, seed: int = 1) -> pd.DataFrame:
    """Simulate a world, print truth against estimates, and return the table.

    Examples
    --------
    >>> table = run_demo(2000, seed=3)  # doctest: +ELLIPSIS
    loyaltystats demo: ...
    >>> int(table["covered"].sum()) > 0
    True
    """
    from .simulate import generate

    world = generate(n_customers, months, seed=seed)
    table = compare_with_truth(world, seed=seed)
    print(f"loyaltystats demo: simulated {n_customers:,} customers over {months} months "
          f"(seed {seed}); {len(world.responses):,} survey responses, "
          f"{len(world.experiences):,} experiences.")
    print("Truth is the world's population value; estimates come from the simulated data.\n")
    for section, part in table.groupby("section", sort=False):
        print(section)
        shown = part[["quantity", "truth", "estimate", "ci_low", "ci_high", "covered", "n"]]
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        print()
    print(f"{int(table['covered'].sum())} of {len(table)} truths inside their 95% interval.")
    return table

"""Steps of :meth:`LoyaltyScorer.fit <loyaltystats.scoring.LoyaltyScorer.fit>`: read the
tables, count person-months, fit the hazard.

They take the scorer's settings as arguments and hold no state, so the scorer stays the one
place where fitted values are stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..scales import Scale, missing_error
from ..stats import fit_binomial
from ..tables import person_period


def read_customers(cols: Mapping[str, str], customers: pd.DataFrame,
                   responses: pd.DataFrame | None, features: Sequence[str]) -> pd.DataFrame:
    """The customers table, grade and recommend from the earliest response if given."""
    c = customers
    if responses is not None:
        need = [cols["id"], cols["time"], cols["grade"], cols["recommend"]]
        missing = [x for x in need if x not in responses.columns]
        if missing:
            raise DataError(f"missing column(s) {missing}", table="responses")
        first = (responses.sort_values([cols["id"], cols["time"]], kind="stable")
                 .drop_duplicates(cols["id"])[[cols["id"], cols["grade"], cols["recommend"]]])
        c = customers.drop(columns=[cols["grade"], cols["recommend"]], errors="ignore").merge(
            first, on=cols["id"], how="left", validate="one_to_one")
        # a customer without any response has no grade: say so, not "missing grade values"
        absent = ~c[cols["id"]].isin(first[cols["id"]])
        if absent.any():
            ids = c.loc[absent, cols["id"]].head(5).tolist()
            raise DataError("customers without any response (the grade and recommend come "
                            "from each customer's earliest response)", table="responses",
                            column=cols["id"], n_rows=int(absent.sum()), examples=ids)
    need = [cols[k] for k in ("id", "start", "duration", "switched", "grade", "recommend")]
    missing = [x for x in need + list(features) if x not in c.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; available: {list(c.columns)[:20]}",
                        table="customers")
    return c


def person_table(cols: Mapping[str, str], c: pd.DataFrame, scale: Scale,
                 recommend_scale: Scale, features: Sequence[str],
                 ) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """One row per customer with band, NPS category and features; the features' levels."""
    band = scale.band(scale.check(c[cols["grade"]], column=cols["grade"], table="customers"))
    nps = recommend_scale.band(recommend_scale.check(
        c[cols["recommend"]], column=cols["recommend"], table="customers"))
    work = pd.DataFrame({
        "customer_id": c[cols["id"]].to_numpy(), "start": c[cols["start"]].to_numpy(),
        "duration": c[cols["duration"]].to_numpy(), "switched": c[cols["switched"]].to_numpy(),
        "band": band, "nps_category": nps,
    })
    feature_levels: dict[str, tuple[str, ...]] = {}
    for f in features:
        s = c[f]
        error = missing_error(s, column=f, table="customers", cls=DataError)
        if error is not None:
            raise error
        cat = pd.Categorical(s.astype(str))
        if len(cat.categories) < 2:
            raise DataError("a feature needs at least two levels", table="customers",
                            column=f, n_rows=len(s), examples=list(cat.categories))
        work[f] = cat
        feature_levels[f] = tuple(str(x) for x in cat.categories)
    return work, feature_levels


def read_negatives(cols: Mapping[str, str], experiences: pd.DataFrame | None,
                   ) -> tuple[pd.DataFrame | None, dict[str, np.ndarray] | None]:
    """Experiences renamed for person_period and the mask of unrecovered negatives."""
    if experiences is None:
        return None, None
    e = experiences
    for x in (cols["id"], cols["time"], cols["kind"]):
        if x not in e.columns:
            raise DataError(f"missing column {x!r}", table="experiences", column=x)
    mask = (e[cols["kind"]] == "negative").to_numpy()
    if cols["recovered"] in e.columns:
        mask &= ~e[cols["recovered"]].to_numpy(bool)
    count = {"negatives": mask}
    e = e.rename(columns={cols["id"]: "customer_id", cols["time"]: "time"})
    return e, count


def count_person_months(work: pd.DataFrame, e: pd.DataFrame | None,
                        count: dict[str, np.ndarray] | None, features: Sequence[str], cap: int,
                        baseline_months: int) -> pd.DataFrame:
    """Person-month cells, months past ``baseline_months`` pooled into the last one."""
    cells = person_period(work, e, count=count or {}, by=["band", "nps_category", *features],
                          cap=cap)
    last = baseline_months - 1
    cells["period"] = np.minimum(cells["period"], last)
    keys = [k for k in cells.columns if k not in ("at_risk", "events")]
    return cells.groupby(keys, observed=True, sort=True)[["at_risk", "events"]].sum().reset_index()


def fit_hazard(cols: Mapping[str, str], cells: pd.DataFrame, has_negatives: bool,
               features: Sequence[str], feature_levels: Mapping[str, tuple[str, ...]],
               scale: Scale, recommend_scale: Scale, cap: int,
               ) -> tuple[Any, np.ndarray, dict[str, dict[str, float]]]:
    """The cloglog GLM on the cells: the fit, baseline log hazards and coefficients."""
    terms = ["C(period)", "C(band)", "C(nps_category)"]
    if has_negatives:
        terms.append("C(negatives)")
    terms += [f"C({f})" for f in features]
    fit = fit_binomial(cells, " + ".join(terms), successes="events", trials="at_risk",
                       link="cloglog")
    params = fit.params
    periods = sorted(cells["period"].unique())
    if periods != list(range(len(periods))):
        raise DataError("some months of tenure have nobody at risk", table="customers",
                        column=cols["duration"])
    base = np.array([params["Intercept"] + (params.get(f"C(period)[T.{p}]", 0.0) if p else 0.0)
                     for p in periods])

    def coefs(term: str, levels: Sequence[Any]) -> dict[str, float]:
        return {str(lv): float(params.get(f"C({term})[T.{lv}]", 0.0)) if i else 0.0
                for i, lv in enumerate(levels)}

    coefficients = {"band": coefs("band", scale.band_names),
                    "nps_category": coefs("nps_category", recommend_scale.band_names)}
    if has_negatives:
        coefficients["negatives"] = coefs("negatives", list(range(cap + 1)))
    for f, levels in feature_levels.items():
        coefficients[f] = coefs(f, levels)
    return fit, base, coefficients

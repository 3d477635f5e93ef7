"""K4: did an attribute's Kano category change between two survey waves?

"After the crisis, meaning moved from a loyalty driver to a base condition." Two waves are
classified by the same route (two :func:`questionnaire` results or two :func:`prca`
results); per attribute the categories are compared with a test, and the shift of the
asymmetry index (positive = delighter, negative = basic) gets an interval.

Examples
--------
>>> from loyaltystats.kano import category_shift, questionnaire_counts
>>> a = questionnaire_counts({"meaning": {"A": 60, "O": 50, "M": 20, "I": 30}}, n_boot=0)
>>> b = questionnaire_counts({"meaning": {"A": 15, "O": 40, "M": 85, "I": 20}}, n_boot=0)
>>> r = category_shift(a, b)
>>> r.verdict, r.table.loc[0, "category_a"], r.table.loc[0, "category_b"]
('supported', 'A', 'M')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..results import ClaimResult, estimates_frame, judge_interval
from ._common import check_level
from .prca import PenaltyReward
from .questionnaire import KanoQuestionnaire

__all__ = ["CategoryShift", "category_shift", "TOWARDS_BASIC"]

TOWARDS_BASIC = (-2.0, -0.2)
"""Region for the change of the asymmetry index under which K4 holds (see
:func:`category_shift`)."""


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class CategoryShift(ClaimResult):
    """Change of Kano category between two waves (K4).

    ``estimates``: per attribute ``"<attribute>: asymmetry change"`` (wave b minus wave a)
    with a delta-method interval, extra column ``attribute``.

    Tables
    ------
    ``attributes``
        ``attribute, category_a, category_b, changed, asymmetry_a, se_a, asymmetry_b,
        se_b, difference, se, ci_low, ci_high, statistic, df, p_value, test``.
    """

    @property
    def table(self) -> pd.DataFrame:
        """The per-attribute table (``tables["attributes"]``)."""
        return self.tables["attributes"]

    def plot(self, ax: Any = None) -> Any:
        """Asymmetry index per attribute in both waves, with intervals."""
        from .plots import shift_chart

        return shift_chart(self, ax=ax)


def _questionnaire_rows(a: KanoQuestionnaire, b: KanoQuestionnaire, attrs: list[str]
                        ) -> list[dict[str, Any]]:
    ta = a.tables["categories"].set_index("attribute")
    tb = b.tables["categories"].set_index("attribute")
    cats = ["A", "O", "M", "I", "R", "Q"]
    out = []
    for at in attrs:
        ca = ta.loc[at, cats].to_numpy(float)
        cb = tb.loc[at, cats].to_numpy(float)
        tab = np.vstack([ca, cb])
        tab = tab[:, tab.sum(axis=0) > 0]
        if tab.shape[1] < 2:
            chi2, p, dof = 0.0, 1.0, 0
        else:
            chi2, p, dof, _ = stats.chi2_contingency(tab, correction=False)
        ia, se = [], []
        for c in (ca, cb):
            t = c[:4].sum()
            v = (c[0] - c[2]) / t if t > 0 else np.nan
            ia.append(v)
            # conditional on A+O+M+I: the mean of +1 (A), -1 (M), 0 (O, I)
            se.append(np.sqrt(max((c[0] + c[2]) / t - v * v, 0.0) / t) if t > 0 else np.nan)
        out.append({"attribute": at, "category_a": ta.loc[at, "category"],
                    "category_b": tb.loc[at, "category"], "asymmetry_a": ia[0],
                    "asymmetry_b": ia[1], "se_a": se[0], "se_b": se[1],
                    "statistic": float(chi2), "df": int(dof), "p_value": float(p),
                    "test": "chi-square homogeneity of the category counts"})
    return out


def _prca_rows(a: PenaltyReward, b: PenaltyReward, attrs: list[str]) -> list[dict[str, Any]]:
    ta = a.tables["attributes"].set_index("attribute")
    tb = b.tables["attributes"].set_index("attribute")
    out = []
    for at in attrs:
        ra, rb = ta.loc[at], tb.loc[at]
        d = np.array([rb["penalty"] - ra["penalty"], rb["reward"] - ra["reward"]])
        cov = np.zeros((2, 2))
        for r in (ra, rb):
            cov += np.array([[r["penalty_se"] ** 2, r["cov_penalty_reward"]],
                             [r["cov_penalty_reward"], r["reward_se"] ** 2]])
        stat = float(d @ np.linalg.solve(cov, d))
        out.append({"attribute": at, "category_a": ra["category"], "category_b": rb["category"],
                    "asymmetry_a": ra["asymmetry"], "asymmetry_b": rb["asymmetry"],
                    "se_a": ra["asymmetry_se"], "se_b": rb["asymmetry_se"], "statistic": stat,
                    "df": 2, "p_value": float(stats.chi2.sf(stat, 2)),
                    "test": "Wald test of equal (penalty, reward)"})
    return out


def category_shift(
    wave_a: KanoQuestionnaire | PenaltyReward,
    wave_b: KanoQuestionnaire | PenaltyReward,
    attribute: str | None = None,
    *,
    level: float = 0.95,
) -> CategoryShift:
    """Test whether attributes changed Kano category between two waves (K4).

    Parameters
    ----------
    wave_a, wave_b : KanoQuestionnaire or PenaltyReward
        The earlier and the later wave, both from :func:`questionnaire` /
        :func:`questionnaire_counts`, or both from :func:`prca`, on independent samples.
    attribute : str, optional
        The attribute the claim is judged on (K4: "meaning"); needed when the waves share
        more than one attribute. All shared attributes are tested either way.
    level : float
        Confidence level.

    Returns
    -------
    CategoryShift
        A :class:`~loyaltystats.results.ClaimResult` (claim K4) with the per-attribute
        tests in ``tables["attributes"]``.

    Raises
    ------
    DataError
        Waves from different routes, no shared attribute, an unknown ``attribute``.

    Notes
    -----
    *Questionnaire route*: a chi-square test of homogeneity of the six category counts
    (categories empty in both waves dropped; with small expected counts the p-value is
    approximate). The asymmetry is ``(A - M) / (A + O + M + I)`` (= CS+ + CS-), with
    standard error ``sqrt(((A + M) / T - IA^2) / T)``, ``T = A + O + M + I``.

    *Regression route*: a Wald test that penalty and reward are the same in both waves
    (2 degrees of freedom, covariances of both fits); the asymmetry index and its
    delta-method standard error come from :func:`prca`.

    The change ``IA_b - IA_a`` gets a normal interval with ``se = sqrt(se_a^2 + se_b^2)``.
    Verdict for ``attribute`` against :data:`TOWARDS_BASIC` = [-2, -0.2] with
    :func:`~loyaltystats.results.judge_interval`: 0.2 is the smallest move that carries an
    attribute from the middle of the performance band (IA = 0) into the basic band (IA <
    -0.2 with the default cut). "Supported" further needs the categories to go from a
    driver (A or O) to a basic (M); "contradicted" means the move towards basic is
    excluded to be as large as 0.2.

    Examples
    --------
    >>> from loyaltystats.kano import questionnaire_counts
    >>> a = questionnaire_counts({"meaning": {"A": 50, "O": 50, "M": 30, "I": 30}}, n_boot=0)
    >>> b = questionnaire_counts({"meaning": {"A": 52, "O": 48, "M": 31, "I": 29}}, n_boot=0)
    >>> category_shift(a, b, "meaning").verdict
    'contradicted'
    """
    level = check_level(level)
    kinds = (KanoQuestionnaire, PenaltyReward)
    for name, w in (("wave_a", wave_a), ("wave_b", wave_b)):
        if not isinstance(w, kinds):
            raise DataError(f"{name} must be a result of questionnaire() or prca(), got "
                            f"{type(w).__name__}", table=name)
    if type(wave_a) is not type(wave_b):
        raise DataError("both waves must come from the same route (two questionnaire() or "
                        f"two prca() results), got {type(wave_a).__name__} and "
                        f"{type(wave_b).__name__}", table="wave_b")
    key = "categories" if isinstance(wave_a, KanoQuestionnaire) else "attributes"
    names_b = set(wave_b.tables[key]["attribute"])
    attrs = [a for a in wave_a.tables[key]["attribute"] if a in names_b]
    if not attrs:
        raise DataError("the waves share no attribute", table="wave_b")
    if attribute is not None and attribute not in attrs:
        raise DataError(f"attribute {attribute!r} is not in both waves; shared: {attrs}",
                        table="wave_b", examples=[attribute])
    if isinstance(wave_a, KanoQuestionnaire):
        rows = _questionnaire_rows(wave_a, wave_b, attrs)  # type: ignore[arg-type]
    else:
        rows = _prca_rows(wave_a, wave_b, attrs)  # type: ignore[arg-type]
    z = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame(rows)
    table["difference"] = table["asymmetry_b"] - table["asymmetry_a"]
    table["se"] = np.sqrt(table["se_a"] ** 2 + table["se_b"] ** 2)
    table["ci_low"] = table["difference"] - z * table["se"]
    table["ci_high"] = table["difference"] + z * table["se"]
    table["changed"] = table["category_a"] != table["category_b"]
    table = table[["attribute", "category_a", "category_b", "changed", "asymmetry_a",
                   "se_a", "asymmetry_b", "se_b", "difference", "se", "ci_low", "ci_high",
                   "statistic", "df", "p_value", "test"]]
    n_a = _n(wave_a)
    n_b = _n(wave_b)
    est = estimates_frame([
        {"term": f"{r.attribute}: asymmetry change", "estimate": r.difference,
         "ci_low": r.ci_low, "ci_high": r.ci_high, "n": n_a.get(r.attribute, 0)
         + n_b.get(r.attribute, 0), "method": "delta", "attribute": r.attribute}
        for r in table.itertuples()
    ])
    target = attribute if attribute is not None else (attrs[0] if len(attrs) == 1 else None)
    if target is None:
        verdict, reason = "inconclusive", ("the waves share several attributes; name one "
                                           "with attribute= to judge the claim")
    else:
        r = table.set_index("attribute").loc[target]
        verdict = judge_interval(float(r["ci_low"]), float(r["ci_high"]), *TOWARDS_BASIC)
        moved = r["category_a"] in ("A", "O") and r["category_b"] == "M"
        span = f"[{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
        if verdict == "supported" and not moved:
            verdict = "inconclusive"
            reason = (f"{target}: the asymmetry fell ({span}) but the category went "
                      f"{r['category_a']} -> {r['category_b']}, not from a driver to a basic")
        elif verdict == "supported":
            reason = (f"{target}: {r['category_a']} -> M; the asymmetry change {span} lies "
                      f"inside {list(TOWARDS_BASIC)} (p = {r['p_value']:.3g})")
        elif verdict == "contradicted":
            reason = (f"{target}: the asymmetry change {span} excludes a move towards basic "
                      f"of {-TOWARDS_BASIC[1]:g} or more ({r['category_a']} -> "
                      f"{r['category_b']})")
        else:
            reason = (f"{target}: the asymmetry change {span} overlaps "
                      f"{list(TOWARDS_BASIC)} without lying inside it")
    route = "questionnaire" if isinstance(wave_a, KanoQuestionnaire) else "prca"
    return CategoryShift(
        estimates=est, title=f"Kano category shift between waves (K4, {route} route)",
        level=level, tables={"attributes": table},
        info={"route": route, "attribute": target, "n_attributes": len(attrs)},
        claim_id="K4",
        statement="After the crisis, meaning moved from a loyalty driver to a base condition",
        claimed={"asymmetry_change_region": list(TOWARDS_BASIC),
                 "categories": "A or O -> M"},
        verdict=verdict, reason=reason,
    )


def _n(w: KanoQuestionnaire | PenaltyReward) -> dict[str, int]:
    if isinstance(w, KanoQuestionnaire):
        t = w.tables["categories"]
        return dict(zip(t["attribute"], t["n"].astype(int)))
    n = int(w.info.get("n", 0))
    return {a: n for a in w.tables["attributes"]["attribute"]}

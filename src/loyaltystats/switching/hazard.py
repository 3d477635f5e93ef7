"""S1 in time: the monthly switching hazard with the running count of negative experiences.

Examples
--------
>>> from loyaltystats.switching import hazard
>>> callable(hazard)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._deprecate import positional_options
from .._plotting import get_ax
from .._validate import FrameLike
from ..errors import ModelError, ParameterError
from ..results import ClaimResult, Result
from ..roles import ROLE_PARAMS, SurvivalColumns, takes_survival_columns
from ..stats import fit_binomial, lr_test
from ..stats.glm import BinomialFit
from ..tables import person_period
from ._common import (
    check_cap,
    check_level,
    claims_from_table,
    draw_km,
    judge_levels,
    km_table,
    level_labels,
    logrank,
    parse_claimed,
    zcrit,
)
from ._survival import SurvivalData, collect_tables, long_table, prepare, truncate
from .cox import cox_time_varying

__all__ = ["HazardResult", "hazard"]

_COX_METHOD = "Cox (partial likelihood on counts, Efron ties)"
_NAMES = {"negatives": ("k", "negative"), "unrecovered": ("u", "unrecovered")}


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class HazardResult(Result):
    """Result of :func:`hazard`.

    ``estimates`` (for the negatives; the same with ``_unrecovered`` for unrecovered
    negatives when ``recovered`` is given):

    * ``hr_per_negative``: hazard ratio per extra negative (counts capped at ``cap``);
    * ``hr[k=1] .. hr[k=3+]``: hazard ratios against k = 0;
    * ``p_within[k=0] .. p_within[k=3+]``: P(switch within the horizon) for a customer who
      has k negatives from the start and keeps that count;
    * discrete method only: ``or_per_negative``, the odds ratio of the logit hazard model.

    ``tables``: ``coefficients`` (every fitted model), ``p_within`` (per covariate, level
    and model), ``models`` (log-likelihoods, likelihood-ratio tests of linear against
    categorical counts), ``km`` (landmark Kaplan-Meier curves), ``person_period`` (the
    aggregated table the discrete models were fitted on), ``claims`` (with ``claimed``).
    """

    @property
    def claims(self) -> dict[str, ClaimResult]:
        """A ClaimResult per claimed level and ``"overall"`` (empty without ``claimed``)."""
        return claims_from_table(
            self.tables.get("claims"), claim_id=str(self.info.get("claim_id", "S1")),
            statement=f"P(switch within {self.info.get('horizon')} periods | k negatives)",
            level=self.level, method=str(self.info.get("p_within_method", "")),
            what="p_within")

    @property
    def claim(self) -> ClaimResult | None:
        """The overall claim result, or None without ``claimed``."""
        return self.claims.get("overall")

    def plot(self, ax: Any = None, kind: Literal["p_within", "km"] = "p_within") -> Any:
        """``kind="p_within"``: P(switch within the horizon | k) with intervals;
        ``kind="km"``: the landmark Kaplan-Meier curves by negatives in the first periods.
        Returns the matplotlib Axes."""
        ax = get_ax(ax)
        if kind == "km":
            km = self.tables["km"]
            lm = self.info["landmark"]
            for g, grp in km.groupby("group", sort=True):
                draw_km(ax, grp, lm, f"{g} negatives by period {lm:g}")
            ax.set_xlabel("periods since start")
            ax.set_ylabel("share not switched")
            ax.set_title(f"Kaplan-Meier from period {lm:g} (log-rank p = "
                         f"{self.info.get('km_logrank_p_value', float('nan')):.2g})")
            ax.legend(fontsize="small")
            return ax
        if kind != "p_within":
            raise ParameterError(f"kind must be 'p_within' or 'km', got {kind!r}")
        pw = self.tables["p_within"]
        primary = pw[pw["primary"]]
        for i, (cov, grp) in enumerate(primary.groupby("covariate", sort=False)):
            x = np.arange(len(grp)) + 0.1 * i
            e = grp["estimate"].to_numpy()
            ax.errorbar(x, e, yerr=[e - grp["ci_low"], grp["ci_high"] - e], fmt="o",
                        capsize=4, label=f"{cov} ({grp['model'].iloc[0]})")
            ax.set_xticks(np.arange(len(grp)))
            ax.set_xticklabels(grp["level"].tolist())
        claims = self.tables.get("claims")
        if claims is not None:
            for _, r in claims[claims["term"] != "overall"].iterrows():
                k = int(r["k"])
                ax.fill_between([k - 0.3, k + 0.3], r["claim_low"], r["claim_high"],
                                color="tab:orange", alpha=0.3, lw=0)
        ax.set_ylim(0, 1)
        ax.set_xlabel("negative experiences, held from the start")
        ax.set_ylabel(f"P(switch within {self.info['horizon']} periods)")
        ax.set_title(self.title)
        ax.legend(fontsize="small")
        return ax


# ---------------------------------------------------------------------------- discrete
def _discrete_p_within(fit: BinomialFit, cov: str, levels: Sequence[int], horizon: int,
                       level: float) -> pd.DataFrame:
    """P(event within ``horizon`` periods | level held fixed), delta method on log Lambda."""
    import patsy

    z = zcrit(level)
    beta = fit.params.to_numpy()
    V = fit.cov.to_numpy()
    rows = []
    for k in levels:
        frame = pd.DataFrame({"period": np.arange(horizon), cov: k})
        X = np.asarray(patsy.dmatrix(fit.design_info, frame, return_type="dataframe"))
        eta = X @ beta
        if fit.link == "cloglog":
            lam_t = np.exp(eta)                    # -log(1 - h_t)
            dlam = lam_t
        else:
            lam_t = np.log1p(np.exp(eta))          # -log(1 - expit(eta))
            dlam = 1 / (1 + np.exp(-eta))
        lam = lam_t.sum()
        g = (dlam[:, None] * X).sum(0) / lam      # gradient of log Lambda
        se = float(np.sqrt(g @ V @ g))
        rows.append({"k": k, "cumulative_hazard": lam, "estimate": 1 - np.exp(-lam),
                     "ci_low": 1 - np.exp(-np.exp(np.log(lam) - z * se)),
                     "ci_high": 1 - np.exp(-np.exp(np.log(lam) + z * se)),
                     "std_err_log": se})
    return pd.DataFrame(rows)


def _discrete(data: SurvivalData, names: list[str], *, horizon: int, cap: int,
              level: float, baseline: str) -> dict[str, Any]:
    cust = pd.DataFrame({"c": np.arange(data.n), "s": 0.0, "d": data.duration, "e": data.event})
    exp = pd.DataFrame({"c": data.exp_customer, "t": data.exp_time})
    pp = person_period(cust, exp, id="c", start="s", duration="d", event="e", time="t",
                       count={nm: data.masks[nm] for nm in names}, cap=cap, horizon=horizon)
    periods = set(pp["period"].unique())
    if baseline == "period" and not periods >= set(range(horizon)):
        raise ModelError(f"no customer is at risk in some of the periods 0..{horizon - 1}; "
                         "lower the horizon or use baseline='constant'")
    base = "C(period) + " if baseline == "period" else ""
    coefs, pw, models, rows = [], [], [], []
    z = zcrit(level)
    labels = level_labels(cap)
    for nm in names:
        short, noun = _NAMES[nm]
        suffix = "" if nm == "negatives" else "_unrecovered"
        cells = pp.groupby(["period", nm], as_index=False)[["at_risk", "events"]].sum()
        present = set(cells.loc[cells["at_risk"] > 0, nm])
        if not present >= set(range(cap + 1)):
            miss = [labels[k] for k in range(cap + 1) if k not in present]
            raise ModelError(f"no person-periods with {nm} = {miss}; lower cap (now {cap})")
        fits: dict[tuple[str, str], BinomialFit] = {}
        for link in ("cloglog", "logit"):
            for form, f in (("categorical", f"{base}C({nm})"), ("linear", f"{base}{nm}")):
                try:
                    fits[(link, form)] = fit_binomial(cells, f, successes="events",
                                                      trials="at_risk", link=link)
                except ModelError as exc:
                    raise ModelError(f"discrete hazard ({link}, {f}): {exc}") from exc
                coefs.append(fits[(link, form)].table(level).assign(
                    covariate=nm, link=link, model=form))
            # with cap = 1 the linear and categorical models are the same model: no test
            lr = (lr_test(fits[(link, "linear")], fits[(link, "categorical")]) if cap >= 2
                  else {"statistic": np.nan, "df": 0, "p_value": np.nan})
            for form in ("categorical", "linear"):
                f = fits[(link, form)]
                models.append({"covariate": nm, "link": link, "model": form,
                               "formula": f.formula, "llf": f.llf, "aic": f.aic,
                               "lr_statistic": lr["statistic"] if form == "categorical" else np.nan,
                               "lr_df": lr["df"] if form == "categorical" else np.nan,
                               "lr_p_value": lr["p_value"] if form == "categorical" else np.nan})
            p = _discrete_p_within(fits[(link, "categorical")], nm, range(cap + 1), horizon,
                                   level)
            p["covariate"], p["model"], p["primary"] = nm, f"discrete {link}", link == "cloglog"
            p["level"] = labels
            pw.append(p)
        n_cust = data.n
        lin = fits[("cloglog", "linear")]
        b, s = float(lin.params[nm]), float(lin.bse[nm])
        rows.append({"term": f"hr_per_{noun}", "estimate": np.exp(b), "ci_low": np.exp(b - z * s),
                     "ci_high": np.exp(b + z * s), "n": n_cust,
                     "method": "discrete cloglog, count linear (Wald)"})
        cat = fits[("cloglog", "categorical")]
        for k in range(1, cap + 1):
            t = f"C({nm})[T.{k}]"
            b, s = float(cat.params[t]), float(cat.bse[t])
            rows.append({"term": f"hr{suffix}[{short}={labels[k]}]", "estimate": np.exp(b),
                         "ci_low": np.exp(b - z * s), "ci_high": np.exp(b + z * s), "n": n_cust,
                         "method": "discrete cloglog, count categorical (Wald)"})
        lg = fits[("logit", "linear")]
        b, s = float(lg.params[nm]), float(lg.bse[nm])
        rows.append({"term": f"or_per_{noun}", "estimate": np.exp(b), "ci_low": np.exp(b - z * s),
                     "ci_high": np.exp(b + z * s), "n": n_cust,
                     "method": "discrete logit, count linear (Wald)"})
    return {"rows": rows, "coefficients": pd.concat(coefs, ignore_index=True),
            "p_within": pd.concat(pw, ignore_index=True), "models": pd.DataFrame(models),
            "person_period": pp}


# ---------------------------------------------------------------------------- Cox
def _cox(data: SurvivalData, names: list[str], *, horizon: int, cap: int,
         level: float) -> dict[str, Any]:
    long = long_table(data, names, horizon=horizon, cap=cap)
    z = zcrit(level)
    labels = level_labels(cap)
    coefs, pw, models, rows = [], [], [], []
    for nm in names:
        short, noun = _NAMES[nm]
        suffix = "" if nm == "negatives" else "_unrecovered"
        present = set(np.unique(long[nm]))
        if not present >= set(range(cap + 1)):
            miss = [labels[k] for k in range(cap + 1) if k not in present]
            raise ModelError(f"no follow-up time with {nm} = {miss}; lower cap (now {cap})")
        dummies = [f"{short}{k}" for k in range(1, cap + 1)]
        df = long[["customer", "start", "stop", "event", nm]].copy()
        for k, dn in zip(range(1, cap + 1), dummies):
            df[dn] = (df[nm] == k).astype(float)
        lin = cox_time_varying(df, covariates=[nm], id="customer")
        cat = cox_time_varying(df, covariates=dummies, id="customer")
        lr = 2 * (cat.llf - lin.llf)
        ddf = cap - 1
        models += [
            {"covariate": nm, "link": "cox", "model": "categorical", "formula": " + ".join(dummies),
             "llf": cat.llf, "aic": -2 * cat.llf + 2 * cap, "lr_statistic": lr, "lr_df": ddf,
             "lr_p_value": float(stats.chi2.sf(max(lr, 0), ddf)) if ddf else np.nan},
            {"covariate": nm, "link": "cox", "model": "linear", "formula": nm, "llf": lin.llf,
             "aic": -2 * lin.llf + 2, "lr_statistic": np.nan, "lr_df": np.nan,
             "lr_p_value": np.nan},
        ]
        coefs += [lin.table(level).assign(covariate=nm, link="cox", model="linear"),
                  cat.table(level).assign(covariate=nm, link="cox", model="categorical")]
        X = np.vstack([np.zeros(cap), np.eye(cap)])
        p = cat.cumulative_risk(X, horizon, level)
        p.insert(0, "k", range(cap + 1))
        p["covariate"], p["model"], p["primary"], p["level"] = nm, "cox", True, labels
        pw.append(p)
        b, s = float(lin.params[nm]), float(lin.bse[nm])
        rows.append({"term": f"hr_per_{noun}", "estimate": np.exp(b), "ci_low": np.exp(b - z * s),
                     "ci_high": np.exp(b + z * s), "n": data.n,
                     "method": _COX_METHOD + ", count linear"})
        for k, dn in zip(range(1, cap + 1), dummies):
            b, s = float(cat.params[dn]), float(cat.bse[dn])
            rows.append({"term": f"hr{suffix}[{short}={labels[k]}]", "estimate": np.exp(b),
                         "ci_low": np.exp(b - z * s), "ci_high": np.exp(b + z * s),
                         "n": data.n, "method": _COX_METHOD + ", count categorical"})
    return {"rows": rows, "coefficients": pd.concat(coefs, ignore_index=True),
            "p_within": pd.concat(pw, ignore_index=True), "models": pd.DataFrame(models),
            "n_long_rows": len(long)}


# ---------------------------------------------------------------------------- KM
def _landmark_km(data: SurvivalData, *, landmark: float, horizon: int, cap: int,
                 level: float) -> tuple[pd.DataFrame, dict[str, float], int]:
    d, ev = truncate(data, horizon)
    at_risk = d > landmark
    m = data.masks["negatives"] & (data.exp_time <= landmark)
    counts = np.bincount(data.exp_customer[m], minlength=data.n)
    labels = np.array(level_labels(cap), dtype=object)
    groups = labels[np.minimum(counts, cap)][at_risk]
    t = d[at_risk] - landmark
    e = ev[at_risk]
    km = km_table(t, e, groups, level=level)
    order = {lab: i for i, lab in enumerate(labels)}
    km = km.sort_values(["group", "time"], key=lambda s: s.map(order) if s.name == "group"
                        else s, kind="stable").reset_index(drop=True)
    return km, logrank(t, e, groups), int(at_risk.sum())


# ---------------------------------------------------------------------------- public
@positional_options("kind", "period", "horizon", "method")
@takes_survival_columns(**ROLE_PARAMS["hazard"])
@reads(customers=("id", "start", "end", "switched"), experiences=("id", "time", "kind_column", "recovered"))
def hazard(
    customers: FrameLike,
    experiences: FrameLike | None,
    id: str = "customer_id",
    start: str = "start",
    end: str = "end",
    switched: str = "switched",
    *,
    kind: str | Sequence[str] = "negative",
    period: str | float = "month",
    horizon: int = 12,
    method: Literal["discrete", "cox"] = "discrete",
    time: str = "time",
    kind_column: str = "kind",
    recovered: str | None = None,
    cap: int = 3,
    baseline: Literal["period", "constant"] = "period",
    landmark: float = 3,
    claimed: Mapping[int, float] | None = None,
    tolerance: float = 0.05,
    level: float = 0.95,
    claim_id: str = "S1",
    missing: Missing = "raise",
    columns: SurvivalColumns | None = None,  # consumed by @takes_survival_columns
) -> HazardResult:
    """Switching hazard with the running number of negative experiences as a covariate.

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer: ``id`` (unique), ``start`` and ``end`` of observation (numbers
        or datetimes; ``end`` is the switch for switchers, the censoring time otherwise) and
        ``switched`` (0/1). From Polars (eager or lazy), a DuckDB relation, a Parquet path or
        glob or a Dask DataFrame only these four columns are collected into pandas (the
        models need rows); the results equal the pandas path.
    experiences : pandas.DataFrame, engine input or None
        One row per experience: ``id``, ``time`` (same clock as ``start``), ``kind_column``;
        every row must belong to a known customer and lie in ``[start, end)``. From an engine
        input only ``id``, ``time``, ``kind_column`` and ``recovered`` (when given) are
        collected.
    id, start, end, switched : str
        Column names.
    kind : str or list of str
        Values of ``kind_column`` counted as negative experiences.
    period : "month", "week", "day" or float
        Length of one period. With numeric times, ``"month"`` means the times are in months;
        a number is the period length in the units of the time columns. With datetimes the
        named periods are 365.25/12, 7 and 1 days.
    horizon : int
        Number of periods of follow-up analysed (both methods censor at the horizon) and the
        horizon of P(switch within the horizon | k).
    method : {"discrete", "cox"}
        ``"discrete"``: binomial GLMs (complementary log-log and logit) on the aggregated
        person-period table. ``"cox"``: the Cox model with time-varying counts (Efron ties),
        fitted on counts per (event times covered, count) cell
        (:func:`~loyaltystats.switching.cox_time_varying`); equal to lifelines'
        CoxTimeVaryingFitter on the row-level long table.
    time, kind_column : str
        Columns of ``experiences``.
    recovered : str, optional
        A 0/1 column of ``experiences`` (required on the negative rows) telling whether the
        negative experience was put right. When given, the models are fitted a second time
        with the running count of *unrecovered* negatives.
    cap : int
        Counts above ``cap`` are pooled (levels 0, 1, 2, 3+ for ``cap=3``).
    baseline : {"period", "constant"}
        Discrete method: one intercept per period (``C(period)``) or a constant hazard.
    landmark : float
        Kaplan-Meier curves are drawn from this period on, for the customers still at risk,
        grouped by their number of negatives up to it (a landmark analysis).
    claimed : mapping of int to float, optional
        Claimed P(switch within the horizon | k), e.g. ``{1: 0.57, 2: 0.78}``.
    tolerance : float
        Half-width of the claimed regions (see :func:`dose_response`).
    level : float
        Confidence level.
    claim_id : str
        Identifier written into the claim results.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.
    columns : SurvivalColumns, optional
        The customers table's columns named once for every survival estimator
        (:class:`loyaltystats.SurvivalColumns`); its roles fill ``id``, ``start``/``end`` or
        ``duration`` and the event column of this function. Giving a role both ways raises
        :class:`~loyaltystats.errors.ParameterError`.

    Returns
    -------
    HazardResult

    Raises
    ------
    DataError
        Duplicate or missing ids, ``end <= start``, ``switched`` not 0/1, experiences of
        unknown customers, before the start or at/after the end, missing times; the message
        names the rows.
    ModelError
        A level without follow-up, separation, or non-convergence.

    Notes
    -----
    Time is counted in periods from each customer's start. Let :math:`k_i(t)` be the number
    of negative experiences of customer :math:`i` up to period :math:`t`, capped at ``cap``.

    Discrete time (``method="discrete"``): the person-period table of
    :func:`loyaltystats.tables.person_period` (counts include the experiences during the
    period: the switch is decided at its end) aggregated to at-risk and event counts per
    (period, k); the binomial GLMs

    .. math:: g(h_{t,k}) = \\alpha_t + \\beta_k \\quad\\text{and}\\quad
              g(h_{t,k}) = \\alpha_t + \\gamma k

    with :math:`g` the complementary log-log (a grouped-time proportional-hazards model:
    :math:`e^{\\beta_k}` is a hazard ratio) or the logit (odds ratios of the monthly
    hazard). Fitting on the counts gives exactly the estimates of the same GLM on the
    person-period rows (tested). Per-level and linear counts are compared with a
    likelihood-ratio test.

    Cox (``method="cox"``): :math:`\\lambda(t) = \\lambda_0(t) e^{\\beta_{k(t)}}` (Efron ties)
    on one row per customer and interval between distinct experience times, counted into
    cells before the fit (equal to lifelines' CoxTimeVaryingFitter on those rows); the count
    changes at the experience time itself.

    P(switch within :math:`H` | k) is the risk of a customer who has :math:`k` negatives
    from the start and no more: :math:`1 - \\exp(-\\Lambda_k)` with
    :math:`\\Lambda_k = \\sum_{t<H} -\\log(1 - h_{t,k})` (discrete) or
    :math:`\\Lambda_k = e^{\\beta_k}\\hat\\Lambda_0(H)` with the baseline hazard that matches
    Efron's ties (Cox; R's ``survfit(coxph(...))``: the :math:`m` tied switches at a time are
    :math:`m` jumps :math:`1/(S_0 - \\tfrac{r}{m}E_0)`, see
    :func:`loyaltystats.stats.cox_baseline`). The interval comes from the delta method on
    :math:`\\log\\Lambda_k` (discrete: gradient
    :math:`\\sum_t w_t x_t` with :math:`w_t = \\partial\\Lambda/\\partial\\eta_t / \\Lambda`;
    Cox: Tsiatis' variance, baseline and coefficient uncertainty) and is transformed back,
    so it stays inside (0, 1). It is compared with the claimed values as in
    :func:`dose_response`.

    The Kaplan-Meier curves group customers by their negatives up to the landmark period,
    among those still at risk then, and follow them from there: grouping by negatives over
    the whole relationship would give long-staying customers more time to collect negatives
    (immortal-time bias). A log-rank test compares the curves.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 3000
    >>> k = rng.integers(0, 4, n)                      # negatives at the start
    >>> rate = -np.log(1 - np.array([0.2, 0.57, 0.78, 0.9]))[k] / 12
    >>> t = rng.exponential(1 / rate)
    >>> cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0,
    ...                      "end": np.minimum(t, 24.0), "switched": t < 24})
    >>> exp = pd.DataFrame({"customer_id": np.repeat(np.arange(n), k), "time": 0.0,
    ...                     "kind": "negative"})
    >>> res = hazard(cust, exp, horizon=12)
    >>> p = res.estimates.set_index("term").loc["p_within[k=1]"]
    >>> bool(p.ci_low < 0.57 < p.ci_high)
    True
    """
    cap = check_cap(cap)
    level = check_level(level)
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ParameterError(f"horizon must be a positive integer number of periods, got {horizon!r}")
    if method not in ("discrete", "cox"):
        raise ParameterError(f"method must be 'discrete' or 'cox', got {method!r}")
    if baseline not in ("period", "constant"):
        raise ParameterError(f"baseline must be 'period' or 'constant', got {baseline!r}")
    if not 0 <= landmark < horizon:
        raise ParameterError(f"landmark must be in [0, horizon), got {landmark!r}")
    parsed = parse_claimed(claimed, cap, tolerance)
    # engine inputs: the models need rows, so only the columns used here are collected
    customers, experiences = collect_tables(
        customers, experiences, [id, start, end, switched], [id, time, kind_column, recovered],
        recovered_hint=recovered)
    data = prepare(customers, experiences, id=id, start=start, end=end, switched=switched,
                   time=time, period=period, kind_column=kind_column, recovered=recovered,
                   kind=kind)
    names = ["negatives"] + (["unrecovered"] if recovered else [])
    if method == "discrete":
        fitted = _discrete(data, names, horizon=int(horizon), cap=cap, level=level,
                           baseline=baseline)
    else:
        fitted = _cox(data, names, horizon=int(horizon), cap=cap, level=level)
    rows = fitted["rows"]
    pw = fitted["p_within"]
    primary = pw[pw["primary"]]
    labels = level_labels(cap)
    for nm in names:
        short, _ = _NAMES[nm]
        suffix = "" if nm == "negatives" else "_unrecovered"
        for _, r in primary[primary["covariate"] == nm].iterrows():
            rows.append({"term": f"p_within{suffix}[{short}={labels[int(r['k'])]}]",
                         "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "n": data.n,
                         "method": f"{r['model']}, delta method on log cumulative hazard"})
    km, lrk, n_lm = _landmark_km(data, landmark=landmark, horizon=int(horizon), cap=cap,
                                 level=level)
    d_h, ev_h = truncate(data, horizon)
    info: dict[str, Any] = {
        "method": method, "horizon": int(horizon), "period": period, "cap": cap,
        "baseline": baseline if method == "discrete" else "Cox (semi-parametric)",
        "n_customers": data.n, "n_events_within_horizon": int(ev_h.sum()),
        "n_experiences": int(len(data.exp_time)),
        "n_negatives": int(data.masks["negatives"].sum()), "landmark": landmark,
        "n_at_landmark": n_lm, "km_logrank_statistic": lrk["statistic"],
        "km_logrank_df": lrk["df"], "km_logrank_p_value": lrk["p_value"],
        "claim_id": claim_id, "tolerance": tolerance,
        "p_within_method": str(primary["model"].iloc[0]),
    }
    if method == "cox":
        info["n_long_rows"] = fitted["n_long_rows"]
    models = fitted["models"]
    for _, r in models[(models["model"] == "categorical") & (models["covariate"] == "negatives")
                       ].iterrows():
        info[f"lr_p_value_{r['link']}"] = r["lr_p_value"]
    tables: dict[str, pd.DataFrame] = {
        "coefficients": fitted["coefficients"], "p_within": pw, "models": models, "km": km}
    if "person_period" in fitted:
        tables["person_period"] = fitted["person_period"]
    if parsed:
        neg = primary[primary["covariate"] == "negatives"].reset_index(drop=True)
        neg["n"] = data.n
        claims = judge_levels(neg, parsed, cap, what=f"P(switch within {horizon})",
                              tolerance=tolerance)
        tables["claims"] = claims
        info["verdict"] = str(claims["verdict"].iloc[-1])
    return HazardResult(
        estimates=pd.DataFrame(rows),
        title=f"switching hazard by running count of negatives ({method}, horizon {horizon})",
        level=level, tables=tables, info=info)

"""The fitted loyalty scorer: a discrete-time switching hazard behind a fast score() call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._validate import FrameLike
from ..errors import NotFittedError, ParameterError
from ..scales import GRADE_1_10, RECOMMEND_0_10, Scale
from ._fit import count_person_months, fit_hazard, person_table, read_customers, read_negatives
from ._reference import RISK_TIERS, reference_score_frame, reference_score_one
from ._table import build_table, frame_fast, one_fast
from .records import BASE_FIELDS, RecordSpec, to_frame

__all__ = ["LoyaltyScorer", "OUTPUT_COLUMNS", "RISK_TIERS"]

OUTPUT_COLUMNS = (
    "p_switch", "expected_months", "risk_tier", "band", "nps_category",
    "reason_1", "contribution_1", "reason_2", "contribution_2", "reason_3", "contribution_3",
)
"""Columns of :meth:`LoyaltyScorer.score` output, in order (``error`` is added with
``errors="flag"``)."""


_DEFAULT_COLUMNS = {
    "id": "customer_id", "start": "start", "duration": "duration", "switched": "switched",
    "grade": "grade", "recommend": "recommend", "time": "time", "kind": "kind",
    "recovered": "recovered",
}


class LoyaltyScorer:
    """Probability that a customer switches within a horizon, from a discrete-time hazard.

    The model is a complementary log-log (grouped proportional hazards) binomial GLM on the
    person-month table: a baseline hazard per month of tenure, the band of the customer's
    grade, the NPS category of their recommend score, the number of unrecovered negative
    experiences so far (time-varying, levels ``0 .. cap-1`` and ``cap+``) and any categorical
    user features. It is fitted on the aggregated person-period cells
    (:func:`loyaltystats.tables.person_period`), so fitting cost does not grow with the rows.

    Parameters
    ----------
    horizon_months : int, default 12
        Horizon of ``p_switch`` and cap of ``expected_months``.
    scale : Scale, default GRADE_1_10
        Scale of the overall grade; its bands are model levels.
    recommend_scale : Scale, default RECOMMEND_0_10
        Scale of the recommend score; its bands (detractor, passive, promoter) are model levels.
    features : sequence of str, default ()
        Extra categorical, time-constant customer columns (segment, channel...). Numeric
        features must be binned by the caller: the model is fitted on cells.
    cap : int, default 3
        Negative-experience counts at or above ``cap`` share one level.
    baseline_months : int, default 24
        Months of tenure with their own baseline hazard; later months share the last one.
    risk_thresholds : tuple of two floats, optional
        ``p_switch`` cut-offs between low / medium / high. Default: the tertiles of the
        training customers' ``p_switch`` at onboarding (tenure 0, no negatives, their grade,
        recommend and features).
    columns : mapping, optional
        Column names in the training tables, overriding the defaults
        ``customer_id, start, duration, switched, grade, recommend`` (customers) and
        ``customer_id, time, kind, recovered`` (experiences).

    Attributes
    ----------
    coefficients_ : mapping
        Feature -> {level: coefficient on the log cumulative hazard scale}; reference levels 0.
    baseline_log_hazard_ : ndarray
        Log hazard per month of tenure at the reference levels.
    risk_thresholds_ : tuple of float
    training_ : mapping
        n_customers, n_person_months, n_events, period, fitted_on (date).
    fit_ : BinomialFit
        The underlying GLM (not saved in artifacts).

    Notes
    -----
    With linear predictor ``x'b`` and baseline log hazards ``a_t``, the monthly hazard is
    ``h_t = 1 - exp(-exp(a_t + x'b))`` and for a customer at tenure ``m`` with covariates held
    fixed ``P(switch within H) = 1 - exp(-exp(x'b) * sum_{j<H} exp(a_{m+j}))``.
    ``expected_months`` is the restricted mean number of the next ``H`` months survived,
    ``sum_{t=1..H} S(t)``. Reasons are the (at most three) features whose levels raise the log
    cumulative hazard most relative to the reference levels; a level at or below its reference
    (contribution <= 0) is never a reason, so a low-risk customer may have fewer than three
    (empty ``reason_k``, NaN ``contribution_k``).

    The object is immutable after ``fit`` (attribute assignment raises) and ``score`` only
    reads it, so one scorer can serve many threads.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> w = generate(5000, seed=1)
    >>> scorer = LoyaltyScorer(horizon_months=12).fit(w.customers, w.experiences)
    >>> out = scorer.score({"grade": 6, "recommend": 3, "negatives": 2, "tenure_months": 4})
    >>> 0 < out["p_switch"] < 1, out["band"], out["nps_category"]
    (True, '<=6', 'detractor')
    """

    def __init__(
        self,
        *,
        horizon_months: int = 12,
        scale: Scale = GRADE_1_10,
        recommend_scale: Scale = RECOMMEND_0_10,
        features: Sequence[str] = (),
        cap: int = 3,
        baseline_months: int = 24,
        risk_thresholds: tuple[float, float] | None = None,
        columns: Mapping[str, str] | None = None,
    ) -> None:
        object.__setattr__(self, "_fitted", False)
        self.horizon_months = horizon_months
        self.scale = scale
        self.recommend_scale = recommend_scale
        self.features = features
        self.cap = cap
        self.baseline_months = baseline_months
        self.risk_thresholds = risk_thresholds
        self.columns = columns

    # ------------------------------------------------------------------ sklearn protocol
    _PARAMS = ("horizon_months", "scale", "recommend_scale", "features", "cap",
               "baseline_months", "risk_thresholds", "columns")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Settings given to ``__init__``."""
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params: Any) -> LoyaltyScorer:
        """Change settings; a fitted scorer refuses (fit a new one instead)."""
        if self._fitted:
            raise AttributeError("a fitted LoyaltyScorer is immutable; create a new one")
        for k, v in params.items():
            if k not in self._PARAMS:
                raise TypeError(f"unknown parameter {k!r}; valid: {self._PARAMS}")
            setattr(self, k, v)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_fitted", False):
            raise AttributeError(f"a fitted LoyaltyScorer is immutable (tried to set {name!r})")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("horizon_months", "features", "cap"))
        return f"LoyaltyScorer({args})"

    # ------------------------------------------------------------------ pickling
    # the fitted state is stored read-only (MappingProxyType, lookup tables), which pickle
    # and deepcopy cannot copy: the state is the settings and the plain fitted values, and
    # the lookup tables are rebuilt on load (joblib, multiprocessing and copy.deepcopy work)
    _DERIVED = ("_cum", "_cum_rows", "_band_lows", "_rec_lows", "_spec", "_coef_vec", "_labels",
                "_table")

    def __getstate__(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, Mapping):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {k: plain(v) for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        fitted = state.get("_fitted", False)
        for k, v in state.items():
            if k not in ("_fitted", "baseline_log_hazard_", "coefficients_", "feature_levels_",
                         "has_negatives_", "training_", "risk_thresholds_"):
                object.__setattr__(self, k, v)
        object.__setattr__(self, "_fitted", False)
        if "baseline_log_hazard_" in state:
            self._set_state(state["baseline_log_hazard_"], state["coefficients_"],
                            state["feature_levels_"], state["has_negatives_"],
                            state["training_"], state.get("risk_thresholds_"))
        object.__setattr__(self, "_fitted", fitted)

    # ------------------------------------------------------------------ fit
    def _validate_settings(self) -> None:
        """Raise :class:`ParameterError` for a setting given to ``__init__`` that is invalid."""
        if not isinstance(self.horizon_months, int) or self.horizon_months < 1:
            raise ParameterError(f"horizon_months must be a positive int, got {self.horizon_months!r}")
        if not isinstance(self.cap, int) or self.cap < 1:
            raise ParameterError(f"cap must be a positive int, got {self.cap!r}")
        if not isinstance(self.baseline_months, int) or self.baseline_months < 1:
            raise ParameterError(f"baseline_months must be a positive int, got {self.baseline_months!r}")
        if self.risk_thresholds is not None:
            lo, hi = self.risk_thresholds
            if not 0 <= lo <= hi <= 1:
                raise ParameterError(f"risk_thresholds must satisfy 0 <= low <= high <= 1, got "
                                 f"{self.risk_thresholds!r}")
        clash = set(self.features) & {"band", "nps_category", "negatives", "period", *BASE_FIELDS}
        if clash:
            raise ParameterError(f"feature names {sorted(clash)} are reserved")

    def _collect(self, cols: Mapping[str, str], customers: Any, experiences: Any,
                 responses: Any) -> tuple[Any, Any, Any]:
        """Engine inputs: bring back only the columns the fit reads (pandas passes through)."""
        from .._frames import column_names, read_columns

        base = [cols[k] for k in ("id", "start", "duration", "switched")]
        if responses is None:
            base += [cols["grade"], cols["recommend"]]
        customers = read_columns(customers, base + list(self.features), "customers")
        if responses is not None:
            responses = read_columns(responses, [cols[k] for k in ("id", "time", "grade",
                                                                   "recommend")], "responses")
        if experiences is not None:
            want = [cols["id"], cols["time"], cols["kind"]]
            if cols["recovered"] in column_names(experiences, table="experiences"):
                want.append(cols["recovered"])
            experiences = read_columns(experiences, want, "experiences")
        return customers, experiences, responses

    def fit(self, customers: FrameLike, experiences: FrameLike | None = None,
            responses: FrameLike | None = None) -> LoyaltyScorer:
        """Fit the hazard model.

        Parameters
        ----------
        customers : pandas.DataFrame or engine input
            One row per customer: id, start, duration (months), switched, grade, recommend
            and the ``features`` columns. Polars, DuckDB, Parquet paths and Dask are accepted:
            only the columns named here are collected into pandas (see docs/engines.md).
        experiences : pandas.DataFrame or engine input, optional
            One row per experience: id, time, kind and optionally ``recovered``; negatives
            with ``recovered`` true are not counted. Without it the model has no negatives term.
        responses : pandas.DataFrame or engine input, optional
            If given, each customer's grade and recommend are taken from their earliest
            response (columns id, time, grade, recommend) instead of the customers table.

        Returns
        -------
        self
        """
        self._validate_settings()
        cols = {**_DEFAULT_COLUMNS, **(self.columns or {})}
        customers, experiences, responses = self._collect(cols, customers, experiences,
                                                          responses)
        c = read_customers(cols, customers, responses, self.features)
        work, feature_levels = person_table(cols, c, self.scale, self.recommend_scale,
                                            self.features)
        e, count = read_negatives(cols, experiences)
        cells = count_person_months(work, e, count, self.features, self.cap,
                                    self.baseline_months)
        fit, base, coefficients = fit_hazard(cols, cells, bool(count), self.features,
                                             feature_levels, self.scale, self.recommend_scale,
                                             self.cap)
        training = {"n_customers": int(len(work)), "n_person_months": int(cells["at_risk"].sum()),
                    "n_events": int(cells["events"].sum()), "period": "month",
                    "fitted_on": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")}
        # provisional thresholds so the training customers can be scored to set the real ones
        self._set_state(base, coefficients, feature_levels, bool(count), training, (0.0, 1.0))
        thresholds = self._infer_risk_thresholds(cols, c)
        object.__setattr__(self, "risk_thresholds_", thresholds)
        # the table was built with the provisional thresholds: its risk tiers must be redone
        object.__setattr__(self, "_table", build_table(self))
        object.__setattr__(self, "fit_", fit)
        object.__setattr__(self, "_fitted", True)
        return self

    def _infer_risk_thresholds(self, cols: Mapping[str, str],
                               c: pd.DataFrame) -> tuple[float, ...]:
        """The given risk thresholds, or the tertiles of the customers' p_switch at onboarding."""
        if self.risk_thresholds is None:
            recs = pd.DataFrame({"grade": self.scale.check(c[cols["grade"]]),
                                 "recommend": self.recommend_scale.check(c[cols["recommend"]]),
                                 "negatives": 0, "tenure_months": 0})
            for f in self.features:
                recs[f] = c[f].astype(str).to_numpy()
            p = self._score_frame(recs, errors="raise")["p_switch"].to_numpy()
            return tuple(float(x) for x in np.quantile(p, [1 / 3, 2 / 3]))
        return tuple(float(x) for x in self.risk_thresholds)

    # ------------------------------------------------------------------ state
    def _set_state(self, base: np.ndarray, coefficients: Mapping[str, Mapping[str, float]],
                   feature_levels: Mapping[str, tuple[str, ...]], has_negatives: bool,
                   training: Mapping[str, Any], thresholds: tuple[float, float] | None) -> None:
        """Store the fitted state read-only and precompute the lookup tables used by score()."""
        set_ = object.__setattr__
        base = np.asarray(base, dtype=float).copy()
        base.setflags(write=False)
        set_(self, "baseline_log_hazard_", base)
        set_(self, "coefficients_", MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in coefficients.items()}))
        set_(self, "feature_levels_", MappingProxyType(dict(feature_levels)))
        set_(self, "has_negatives_", bool(has_negatives))
        set_(self, "training_", MappingProxyType(dict(training)))
        if thresholds is not None:
            set_(self, "risk_thresholds_", tuple(thresholds))
        H, P = self.horizon_months, len(base)
        haz = np.exp(base)
        # cum[m, t-1] = sum_{j<t} exp(a_{min(m+j, P-1)}): cumulative baseline hazard over the
        # next t months for a customer at tenure m; tenure beyond P-1 behaves like P-1.
        idx = np.minimum(np.arange(P)[:, None] + np.arange(H)[None, :], P - 1)
        cum = np.cumsum(haz[idx], axis=1)
        cum.setflags(write=False)
        set_(self, "_cum", cum)
        set_(self, "_cum_rows", [list(map(float, r)) for r in cum])
        band_lows = [b.low for b in self.scale.bands]
        set_(self, "_band_lows", band_lows)
        set_(self, "_rec_lows", [b.low for b in self.recommend_scale.bands])
        set_(self, "_spec", RecordSpec(
            grade_low=self.scale.low, grade_high=self.scale.high,
            grade_fractional=self.scale.allow_fractional, recommend_low=self.recommend_scale.low,
            recommend_high=self.recommend_scale.high,
            categories=MappingProxyType(dict(feature_levels))))
        # per-feature coefficient vectors by level code, for vectorized scoring
        vec = {k: np.array(list(v.values()), dtype=float) for k, v in coefficients.items()}
        for v in vec.values():
            v.setflags(write=False)
        set_(self, "_coef_vec", MappingProxyType(vec))
        labels = {k: np.array([f"{k}={lv}" for lv in v], dtype=object)
                  for k, v in coefficients.items()}
        set_(self, "_labels", MappingProxyType(labels))
        set_(self, "_table", build_table(self))

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise NotFittedError("this LoyaltyScorer is not fitted yet; call fit() or load_scorer()")

    # ------------------------------------------------------------------ scoring
    def score(self, records: pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, Any],
              errors: str = "raise") -> pd.DataFrame | dict[str, Any]:
        """Score records.

        Parameters
        ----------
        records : DataFrame, list of dicts, or one dict
            Fields ``grade``, ``recommend``, ``negatives`` (unrecovered negatives so far),
            ``tenure_months`` and each user feature. Extra fields are ignored.
        errors : {"raise", "flag"}
            ``"raise"``: the first invalid field raises :class:`DataError` naming the field,
            rows and values. ``"flag"``: every record comes back in order; invalid ones have
            NaN scores and a message in an ``error`` column (``""`` when valid).

        Returns
        -------
        DataFrame or dict
            One row per record with :data:`OUTPUT_COLUMNS` (same index as a DataFrame input);
            a dict when one dict was given.

        Examples
        --------
        >>> from loyaltystats.simulate import generate
        >>> w = generate(3000, seed=2)
        >>> s = LoyaltyScorer().fit(w.customers, w.experiences)
        >>> s.score([{"grade": 9, "recommend": 10, "negatives": 0, "tenure_months": 3},
        ...          {"grade": 11, "recommend": 10, "negatives": 0, "tenure_months": 3}],
        ...         errors="flag")["error"].tolist()
        ['', 'grade: outside 1-10 (11)']
        """
        self._check_fitted()
        if errors not in ("raise", "flag"):
            raise ParameterError(f"errors must be 'raise' or 'flag', got {errors!r}")
        if isinstance(records, Mapping):
            fast = self._score_one(records)
            if fast is not None:
                return fast if errors == "raise" else {**fast, "error": ""}
            row = self._score_frame(to_frame(records), errors=errors).iloc[0].to_dict()
            return row
        return self._score_frame(to_frame(records), errors=errors)

    def _score_one(self, r: Mapping[str, Any]) -> dict[str, Any] | None:
        """Table lookup for one valid record; None sends it to the validating path."""
        table = self._table
        if table is None:
            return reference_score_one(self, r)
        return one_fast(self, table, r)

    def _score_frame(self, df: pd.DataFrame, errors: str) -> pd.DataFrame:
        """Validated outputs for a frame: gathered from the cell table when every record is
        valid, else (or without a table) the direct computation with full validation."""
        table = self._table
        if table is not None:
            out = frame_fast(self, table, df, errors)
            if out is not None:
                return out
        return reference_score_frame(self, df, errors)

    # ------------------------------------------------------------------ artifacts
    def to_json(self, **kwargs: Any) -> str:
        """The fitted scorer as a JSON artifact string (see :mod:`loyaltystats.scoring.artifact`)."""
        from .artifact import scorer_to_json

        self._check_fitted()
        return scorer_to_json(self, **kwargs)

    def save(self, path: str) -> None:
        """Write the JSON artifact to ``path`` (atomically; a link or special file there is
        refused with :class:`~loyaltystats.errors.OutputError`)."""
        from .._files import write_text_atomic

        write_text_atomic(path, self.to_json(indent=1))

    def record_schema(self) -> dict[str, Any]:
        """JSON Schema of a valid scoring record for this fitted scorer."""
        from .artifact import record_schema_for

        self._check_fitted()
        return record_schema_for(self)

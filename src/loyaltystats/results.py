"""Result objects: small frozen dataclasses holding tidy tables.

Every result carries an ``estimates`` table with the stable columns
``term, estimate, ci_low, ci_high, n, method`` and can show itself as text
(:meth:`Result.to_text`; :meth:`Result.summary` is the estimates as a DataFrame), as HTML in a notebook, and as a JSON-safe dict that round-trips
(:meth:`Result.to_dict` / :meth:`Result.from_dict`). A :class:`ClaimResult` adds the claim
being tested, the claimed value and a verdict.

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.results import Result, estimates_frame
>>> est = estimates_frame([{"term": "p", "estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6,
...                         "n": 100, "method": "wilson"}])
>>> r = Result(estimates=est, title="a share")
>>> Result.from_dict(r.to_dict()).estimates.equals(r.estimates)
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = [
    "ESTIMATE_COLUMNS",
    "VERDICTS",
    "Verdict",
    "Result",
    "ClaimResult",
    "estimates_frame",
    "judge_interval",
]

ESTIMATE_COLUMNS = ("term", "estimate", "ci_low", "ci_high", "n", "method")
VERDICTS = ("supported", "contradicted", "inconclusive", "descriptive")
"""The verdicts a claim result can carry; ``descriptive`` is for a claim that describes
practice (N1) and so is reported with its intervals but judged neither way."""
Verdict = Literal["supported", "contradicted", "inconclusive", "descriptive"]


def estimates_frame(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Build an estimates table with exactly the stable columns, in order.

    Extra keys are kept after the stable columns; missing stable columns are an error.

    Examples
    --------
    >>> estimates_frame([{"term": "x", "estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5,
    ...                   "n": 10, "method": "wald"}]).columns.tolist()
    ['term', 'estimate', 'ci_low', 'ci_high', 'n', 'method']
    """
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty and not len(df.columns):
        df = pd.DataFrame(columns=list(ESTIMATE_COLUMNS))
    missing = [c for c in ESTIMATE_COLUMNS if c not in df.columns]
    if missing:
        raise ParameterError(f"estimates table lacks columns {missing}")
    extra = [c for c in df.columns if c not in ESTIMATE_COLUMNS]
    df = df[list(ESTIMATE_COLUMNS) + extra].reset_index(drop=True)
    df["term"] = df["term"].astype(str)
    for c in ("estimate", "ci_low", "ci_high"):
        df[c] = df[c].astype(float)
    df["n"] = pd.array(df["n"], dtype="Int64") if df["n"].isna().any() else df["n"].astype("int64")
    df["method"] = df["method"].astype(str)
    return df


def judge_interval(ci_low: float, ci_high: float, claim_low: float, claim_high: float) -> Verdict:
    """Verdict for a claim that the target lies in ``[claim_low, claim_high]``.

    ``supported`` when the whole confidence interval lies inside the claimed region,
    ``contradicted`` when the interval and the region do not overlap, ``inconclusive``
    otherwise. A point claim ("57%") is turned into a region by the caller with an explicit
    tolerance, because with enough data any interval excludes an exact point.

    Examples
    --------
    >>> judge_interval(0.55, 0.59, 0.52, 0.62)
    'supported'
    >>> judge_interval(0.40, 0.45, 0.52, 0.62)
    'contradicted'
    >>> judge_interval(0.50, 0.60, 0.52, 0.62)
    'inconclusive'
    """
    values = (ci_low, ci_high, claim_low, claim_high)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return "inconclusive"
    if claim_low > claim_high:
        raise ParameterError(f"claim region is empty: [{claim_low}, {claim_high}]")
    if claim_low <= ci_low and ci_high <= claim_high:
        return "supported"
    if ci_high < claim_low or ci_low > claim_high:
        return "contradicted"
    return "inconclusive"


def _registry_statement(claim_id: str) -> str | None:
    """The registry's statement of a known claim id (``None`` for any other id)."""
    if not claim_id:
        return None
    from .claims.registry import CLAIMS  # the registry imports this module: import late

    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim.statement
    return None


# ---------------------------------------------------------------- JSON helpers
def _json_scalar(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            # JSON has no infinity; "inf" / "-inf" round-trip through float columns (an
            # infinite half-life means "no decay", which NaN would not say)
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _json_scalar(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_json_scalar(x) for x in v]
    return v


def _frame_to_dict(df: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in df.columns],
        "dtypes": [str(t) for t in df.dtypes],
        "data": [[_json_scalar(v) for v in row] for row in df.itertuples(index=False, name=None)],
    }


def _frame_from_dict(d: Mapping[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(d["data"], columns=d["columns"])
    for col, dtype in zip(d["columns"], d["dtypes"]):
        if dtype == "category":
            df[col] = df[col].astype("category")
            continue
        try:
            if dtype.startswith(("float", "int", "Int", "bool", "boolean")):
                df[col] = df[col].astype("float64" if dtype.startswith("float") else dtype)
            elif dtype == "object":
                df[col] = df[col].astype(object)
        except (TypeError, ValueError):
            pass
    return df


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


@dataclass(frozen=True, eq=False, kw_only=True)
class Result:
    """A tidy, immutable result.

    Parameters
    ----------
    estimates : pandas.DataFrame
        One row per estimated quantity with columns
        ``term, estimate, ci_low, ci_high, n, method``.
    title : str
        What was estimated, one line.
    level : float
        Confidence level of the intervals.
    tables : mapping of str to DataFrame
        Further tables (cell counts, model comparisons, curves).
    info : mapping
        JSON-safe scalars (test statistics, settings).

    Examples
    --------
    >>> from loyaltystats.results import Result, estimates_frame
    >>> r = Result(estimates=estimates_frame([]), title="empty")
    >>> r.to_dict()["title"]
    'empty'
    """

    estimates: pd.DataFrame
    title: str = ""
    level: float = 0.95
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "estimates", estimates_frame(self.estimates))
        object.__setattr__(self, "tables", dict(self.tables))
        object.__setattr__(self, "info", dict(self.info))

    # ------------------------------------------------------------------ display
    def _header_lines(self) -> list[str]:
        lines = [self.title or type(self).__name__, f"level = {self.level:g}"]
        for k, v in self.info.items():
            if not isinstance(v, (Mapping, list, tuple)):
                lines.append(f"{k} = {_fmt(v)}")
        return lines

    def summary(self) -> pd.DataFrame:
        """The estimates as a table to read or compute with (a copy; ``attrs`` hold the
        title, the level and, for a claim, the verdict). ``print(result)`` or
        :meth:`print_summary` shows the same as text, with the header.

        Examples
        --------
        >>> from loyaltystats.results import Result, estimates_frame
        >>> r = Result(estimates=estimates_frame([{"term": "p", "estimate": 0.5, "ci_low": 0.4,
        ...     "ci_high": 0.6, "n": 100, "method": "wilson"}]), title="a share")
        >>> r.summary()[["term", "estimate"]].to_dict("records"), r.summary().attrs["title"]
        ([{'term': 'p', 'estimate': 0.5}], 'a share')
        """
        table = self.estimates.copy()
        table.attrs = {"title": self.title, "level": self.level}
        verdict = getattr(self, "verdict", None)
        if verdict is not None:
            table.attrs.update(claim_id=getattr(self, "claim_id", ""), verdict=verdict)
        return table

    def to_text(self) -> str:
        """Text summary: header, estimates table and the names of further tables."""
        lines = self._header_lines()
        lines.append("")
        lines.append(self.estimates.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        if self.tables:
            lines.append("")
            lines.append("tables: " + ", ".join(self.tables))
        return "\n".join(lines)

    def print_summary(self) -> None:
        """Print :meth:`to_text` (the header and the estimates)."""
        print(self.to_text())

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title}>\n" + self.to_text()

    def _repr_html_(self) -> str:
        head = "".join(f"<div>{line}</div>" for line in self._header_lines())
        return (
            f"<div class='loyaltystats-result'>{head}"
            + self.estimates.to_html(index=False, float_format=lambda x: f"{x:.4g}")
            + "</div>"
        )

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; ``type(self).from_dict(r.to_dict())`` rebuilds an equal result."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.DataFrame):
                out[f.name] = _frame_to_dict(v)
            elif f.name == "tables":
                out[f.name] = {k: _frame_to_dict(t) for k, t in v.items()}
            else:
                out[f.name] = _json_scalar(v)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (strict: no NaN)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        """Rebuild a result from :meth:`to_dict` output."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            v = d[f.name]
            if f.name == "estimates":
                v = _frame_from_dict(v)
            elif f.name == "tables":
                v = {k: _frame_from_dict(t) for k, t in v.items()}
            kwargs[f.name] = v
        return cls(**kwargs)

    @property
    def claim(self) -> ClaimResult | None:
        """The claim this result tests, as a :class:`ClaimResult` (the result itself for a
        claim result; None for a result that tests no claim)."""
        return None

    # ------------------------------------------------------------------ plotting
    def plot(self, ax: Any = None) -> Any:
        """Forest plot of the estimates with their intervals; returns the matplotlib Axes."""
        from ._plotting import forest_plot

        return forest_plot(self.estimates, ax=ax, title=self.title)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class ClaimResult(Result):
    """A result that tests one claim of the registry (:mod:`loyaltystats.claims.registry`).

    Parameters
    ----------
    claim_id : str
        Claim identifier (``"S1"``, ``"T2"``...).
    statement : str
        The claim in English. For a claim of the registry (``claim_id`` ``"S1"``, ``"T2"``...)
        it is always the registry's statement; a different text given here is kept in
        ``info["tested_as"]`` (how the estimator operationalised the claim).
    claimed : object
        The claimed figure(s), JSON-safe (a number, a region ``[low, high]`` or a dict).
    verdict : {"supported", "contradicted", "inconclusive"}
        Outcome at ``level``.
    reason : str
        One sentence explaining the verdict.

    Examples
    --------
    >>> from loyaltystats.results import ClaimResult, estimates_frame
    >>> r = ClaimResult(estimates=estimates_frame([]), claim_id="S1",
    ...                 statement="57% consider switching after one bad experience",
    ...                 claimed=0.57, verdict="inconclusive")
    >>> r.verdict
    'inconclusive'
    """

    claim_id: str = ""
    statement: str = ""
    claimed: Any = None
    verdict: Verdict = "inconclusive"
    reason: str = ""

    @property
    def claim(self) -> ClaimResult:
        """This result: a claim result is its own claim."""
        return self

    def __post_init__(self) -> None:
        super().__post_init__()
        registered = _registry_statement(self.claim_id)
        if registered is not None and self.statement != registered:
            # the claim is the registry's words; how an estimator operationalised it (its
            # region, its margin) is kept as what was tested
            if self.statement:
                self.info.setdefault("tested_as", self.statement)
            object.__setattr__(self, "statement", registered)
        if self.verdict not in VERDICTS:
            raise ParameterError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def _header_lines(self) -> list[str]:
        lines = [
            f"claim {self.claim_id}: {self.statement}",
            f"claimed = {_fmt(self.claimed)}",
            f"verdict = {self.verdict} (level {self.level:g})",
        ]
        if self.reason:
            lines.append(self.reason)
        return lines + super()._header_lines()[2:]

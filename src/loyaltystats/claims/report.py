"""Run every testable claim on a dataset and collect the verdicts in one report."""

from __future__ import annotations

import html
import json
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._files import write_text_atomic
from .._progress import draw_bar
from .._threads import one_blas_thread
from .._validate import FrameLike
from .._version import __version__
from ..errors import LoyaltyStatsError, ParameterError
from ..results import ClaimResult, Result, _json_scalar
from .context import count_rows, time_ranges
from .contract import ColumnChecks, claim_roles, drop_missing
from .deciding import deciding_row
from .multiplicity import holm_verdicts
from .registry import CLAIMS, Claim, get_claim
from .runners import RUNNERS, headline

__all__ = ["ClaimsReport", "check_claims", "REPORT_COLUMNS", "validate_mapping", "known_roles"]

REPORT_COLUMNS = ("id", "statement", "estimate", "ci_low", "ci_high", "term", "claimed",
                  "region_low", "region_high", "margin", "verdict", "holm_verdict", "n",
                  "method", "status", "rows_dropped")
"""Columns of :attr:`ClaimsReport.table`, in order. ``term`` is the estimate that decided the
verdict (:func:`loyaltystats.claims.deciding.deciding_row`) and ``region_low, region_high``
the region the claim puts it in (NaN when the claim's deciding terms are not among the
estimates). ``margin`` is the claim's smallest
effect of interest (registry), ``holm_verdict`` the verdict after Holm's adjustment over the
claims of the report (:mod:`loyaltystats.claims.multiplicity`), ``rows_dropped`` the rows the
claim's test left out for missing values (``missing="drop"``; 0 otherwise; which columns in
``info["dropped"]``)."""

FAMILY_RULE = (
    "Each verdict is a 95% test of its own claim. The Holm column adjusts them together "
    "(Holm's step-down over the claims whose verdict is an interval-in-region test, one "
    "test per claim with its p-value read off the deciding intervals), so that the chance of "
    "any wrong supported or contradicted verdict in the Holm column is at most 5%. K1, T5 and "
    "P2 (verdict rules that are not one interval test) and N1 (descriptive) are outside the "
    "family.")
"""The family-wise rule, as the report states it."""

TABLES = ("responses", "customers", "experiences", "transactions")


# Roles whose value is a list of columns; every other role names one column.
LIST_ROLES = frozenset({"basics", "delighters", "attributes", "pyramid"})


def known_roles() -> dict[str, set[str]]:
    """Per table, every role some claim uses."""
    out: dict[str, set[str]] = {t: set() for t in TABLES}
    for claim in CLAIMS:
        for role in claim.roles:
            table, name = role.split(".", 1)
            out[table].add(name)
    for t in TABLES:
        out[t] |= {"id", "time"}
    out["customers"] |= {"start", "end", "value"}
    return out


def validate_mapping(mapping: Mapping[str, Any],
                     tables: Mapping[str, pd.DataFrame | None]) -> None:
    """Check a role mapping against the tables: known tables and roles, right types, columns
    that exist. Raises :class:`~loyaltystats.errors.DataError` naming the first problem.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_mapping({"customers": {"negatives": "n"}}, {"customers": pd.DataFrame({"n": [1]})})
    >>> validate_mapping({"customers": {"negativs": "n"}}, {"customers": pd.DataFrame({"n": [1]})})
    Traceback (most recent call last):
    ...
    loyaltystats.errors.DataError: mapping.customers: unknown role 'negativs'; known roles: ...
    """
    from ..errors import DataError

    if not isinstance(mapping, Mapping):
        raise DataError(f"the mapping must be a table of tables, got {type(mapping).__name__}",
                        table="mapping")
    roles = known_roles()
    for table, section in mapping.items():
        if table not in roles:
            raise DataError(f"unknown table section [{table}]; expected one of {list(TABLES)}",
                            table="mapping")
        if not isinstance(section, Mapping):
            raise DataError(f"[{table}] must map roles to column names", table="mapping",
                            column=table)
        frame = tables.get(table)
        for role, value in section.items():
            if role not in roles[table]:
                raise DataError(f"unknown role {role!r}; known roles: {sorted(roles[table])}",
                                table=f"mapping.{table}")
            if role in LIST_ROLES:
                ok = isinstance(value, (list, tuple)) and value and all(
                    isinstance(v, str) for v in value)
                want = "a list of column names"
            else:
                ok = isinstance(value, str)
                want = "one column name (a string)"
            if not ok:
                raise DataError(f"role {role!r} must be {want}, got {value!r}",
                                table=f"mapping.{table}", column=role)
            if frame is None:
                continue
            cols = list(value) if role in LIST_ROLES else [value]
            have = _column_names(frame, table)
            missing = [c for c in cols if c not in have]
            if missing:
                raise DataError(f"role {role!r} names column(s) {missing} that the {table} "
                                f"table does not have; it has {have[:20]}",
                                table=table, column=missing[0])


def _column_names(frame: Any, table: str) -> list[Any]:
    """Columns of a pandas frame or, from its schema, of an engine input."""
    from .._frames import column_names

    return column_names(frame, table=table)


def _missing_roles(claim: Claim, tables: Mapping[str, pd.DataFrame | None],
                   mapping: Mapping[str, Mapping[str, Any]]) -> list[str]:
    missing = []
    for role in claim.roles:
        table, name = role.split(".", 1)
        if tables.get(table) is None or name not in mapping.get(table, {}):
            missing.append(role)
    return missing


class _BadColumn(Exception):
    """A column a claim reads breaks the data contract (the message is the contract's)."""


@dataclass(frozen=True, eq=False)
class ClaimsReport:
    """The outcome of :func:`check_claims`.

    Attributes
    ----------
    table : DataFrame
        One row per claim with :data:`REPORT_COLUMNS`; ``status`` is ``"tested"``,
        ``"not testable: needs ..."``, ``"no estimator yet"`` or ``"failed: <error>"``.
    claim_results : mapping
        Claim id -> :class:`ClaimResult` for the tested claims.
    results : mapping
        Claim id -> the estimator's full result (tables and ``plot``).
    info : mapping
        Library version, seed, timings.
    multiplicity : DataFrame
        Per tested claim the p-values behind the Holm column
        (:func:`loyaltystats.claims.multiplicity.holm_verdicts`); the rule is
        :data:`FAMILY_RULE`.
    """

    table: pd.DataFrame
    claim_results: Mapping[str, ClaimResult] = field(default_factory=dict)
    results: Mapping[str, Result] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    multiplicity: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """The claims table in a notebook (one row per claim, verdicts coloured)."""
        cols = [c for c in ("id", "statement", "term", "estimate", "ci_low", "ci_high",
                            "verdict", "holm_verdict", "n", "status") if c in self.table]
        colours = {"supported": "#d4edda", "contradicted": "#f8d7da",
                   "inconclusive": "#fff3cd"}

        def text(v: Any) -> str:
            return "" if v is None or (isinstance(v, float) and np.isnan(v)) \
                else html.escape(str(v))

        def verdict(v: Any) -> str:
            shown = text(v)
            colour = colours.get(str(v))
            return f"<span style='background-color: {colour}'>{shown}</span>" if colour \
                else shown

        # no pandas Styler: it needs jinja2, which is not a dependency
        formatters = {c: (verdict if c in ("verdict", "holm_verdict") else
                          (lambda v: "" if v is None or v != v else f"{v:.3g}")
                          if c in ("estimate", "ci_low", "ci_high") else text) for c in cols}
        table = self.table[cols].to_html(index=False, escape=False, formatters=formatters,
                                         na_rep="")
        return f"<div class='loyaltystats-report'>{table}</div>"

    def to_text(self) -> str:
        """The claims table as aligned text (what the CLI prints)."""
        t = self.table.copy()
        t["statement"] = t["statement"].str.slice(0, 60)
        t["term"] = t["term"].str.slice(0, 28)
        cols = ["id", "term", "estimate", "ci_low", "ci_high", "verdict", "holm_verdict", "n",
                "status"]
        if "rows_dropped" in t and (t["rows_dropped"] > 0).any():
            cols.insert(-1, "rows_dropped")  # only when missing="drop" left rows out
        return t[cols].to_string(index=False, float_format=lambda x: f"{x:.3g}",
                                 na_rep="")

    def to_markdown(self) -> str:
        """The claims table as a Markdown table.

        Examples
        --------
        >>> import pandas as pd
        >>> from loyaltystats.claims import ClaimsReport
        >>> r = ClaimsReport(table=pd.DataFrame([{c: "" for c in REPORT_COLUMNS}]))
        >>> r.to_markdown().splitlines()[0].startswith("| id |")
        True
        """
        def fmt(v: Any) -> str:
            if isinstance(v, float):
                return "" if np.isnan(v) else f"{v:.4g}"
            return str(v).replace("|", "/").replace("\n", " ")

        cols = list(REPORT_COLUMNS)
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        shown = self.table.assign(claimed=self.table["claimed"].map(display_claimed)) \
            if "claimed" in self.table else self.table
        for _, row in shown.iterrows():
            lines.append("| " + " | ".join(fmt(row[c]) for c in cols) + " |")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the table, each claim result and the run info."""
        rows = [{k: _json_scalar(v) for k, v in r.items()}
                for r in self.table.to_dict(orient="records")]
        for r in rows:
            # the table keeps ``claimed`` as JSON text (one cell); the JSON holds the object
            if isinstance(r.get("claimed"), str):
                r["claimed"] = json.loads(r["claimed"]) if r["claimed"] else None
        return {"library_version": __version__, "info": _json_scalar(dict(self.info)),
                "claims": rows,
                "claim_results": {k: v.to_dict() for k, v in self.claim_results.items()},
                "multiplicity": [{k: _json_scalar(v) for k, v in r.items()}
                                 for r in self.multiplicity.to_dict(orient="records")]}

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as strict JSON."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def figure(self, claim_id: str) -> Any:
        """A matplotlib Figure with the claim's plot."""
        from .._plotting import require_matplotlib

        plt = require_matplotlib()
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        self.results[claim_id].plot(ax=ax)
        fig.tight_layout()
        # detached from pyplot: a notebook shows the returned figure once, not twice
        plt.close(fig)
        return fig

    def to_html(self, path: str | Path | None = None) -> str:
        """One self-contained HTML page, optionally written to ``path``.

        The first screen holds the context (data source, tables and rows, time range,
        mapping, version, seed), a figure of every claim's deciding estimate against its
        claimed region, and the verdicts; then one section per claim
        (:mod:`loyaltystats.claims.html`). No external requests: styles inline, figures
        embedded.

        Examples
        --------
        >>> import pandas as pd
        >>> r = ClaimsReport(table=pd.DataFrame([{c: "" for c in REPORT_COLUMNS}]))
        >>> "<table" in r.to_html()
        True
        """
        from .html import render_html

        text = render_html(self, FAMILY_RULE)
        if path is not None:
            write_text_atomic(path, text)  # all or nothing; never through a link
        return text

    def forest_figure(self) -> Any:
        """Every tested claim's deciding estimate against its claimed region (one figure).

        Examples
        --------
        >>> from loyaltystats.claims import check_claims, demo_tables, DEMO_MAPPING
        >>> t = demo_tables(3000, seed=1)
        >>> rep = check_claims(customers=t["customers"], mapping=DEMO_MAPPING,
        ...                    claims=["S1", "S3"])
        >>> len(rep.forest_figure().axes)
        2
        """
        from .forest import forest_figure

        return forest_figure(self.table[self.table["status"] == "tested"])


def display_claimed(claimed: Any) -> str:
    """A claim's claimed figures as a reader writes them: a region whose upper end sits just
    below a whole number (the half-open ``[6, 8)`` stored as ``[6, 7.999999999]``) is shown
    half-open, and the JSON quotes go.

    Examples
    --------
    >>> display_claimed('{"meets needs": [6, 7.999999999], "easy": 8}')
    'meets needs: [6, 8), easy: 8'
    >>> display_claimed("")
    ''
    """
    if claimed is None or (isinstance(claimed, float) and np.isnan(claimed)) or claimed == "":
        return ""
    value = json.loads(claimed) if isinstance(claimed, str) else claimed

    def one(v: Any) -> str:
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(
                isinstance(x, (int, float)) for x in v):
            lo, hi = v
            if 0 < round(hi) - hi < 1e-6:
                return f"[{lo:g}, {round(hi):g})"
            return f"[{lo:g}, {hi:g}]"
        if isinstance(v, float):
            return f"{v:g}"
        return str(v)

    if isinstance(value, dict):
        return ", ".join(f"{k}: {one(v)}" for k, v in value.items())
    return one(value)


def nonfinite_deciding_terms(claim_id: str, claim: ClaimResult) -> str:
    """Why a claim result cannot carry a verdict, or ``""`` when it can.

    The deciding terms (:mod:`loyaltystats.simulate.estimands`; on data whose columns they do
    not name, the headline row) must have a finite estimate and interval ends that are not
    NaN. An infinite interval end is an open
    interval (a half-life whose upper end cannot be bounded) and is allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltystats.results import ClaimResult
    >>> est = pd.DataFrame({"term": ["nps"], "estimate": [float("nan")], "ci_low": [0.0],
    ...                     "ci_high": [1.0], "n": [10], "method": ["x"]})
    >>> nonfinite_deciding_terms("N1", ClaimResult(estimates=est, verdict="descriptive"))
    'the deciding estimate nps is nan (interval [0, 1]): no verdict on a value that is not finite'
    """
    from ..simulate.estimands import get_spec

    est = claim.estimates
    if len(est) == 0:
        return "the result has no estimates"
    try:
        spec_terms = [t.term for t in get_spec(claim_id).terms]
    except KeyError:
        spec_terms = []
    by_term = est.drop_duplicates("term").set_index("term")
    # the spec names the demo's columns (K1 per attribute, P1 per step); on other data the
    # present ones decide, else the headline row
    terms = [t for t in spec_terms if t in by_term.index] or [headline(claim)["term"]]
    for term in terms:
        r = by_term.loc[term]
        e, lo, hi = (float(r[c]) for c in ("estimate", "ci_low", "ci_high"))
        if not np.isfinite(e) or np.isnan(lo) or np.isnan(hi):
            return (f"the deciding estimate {term} is {e:.4g} (interval [{lo:.4g}, {hi:.4g}]): "
                    "no verdict on a value that is not finite")
    return ""


@one_blas_thread
def check_claims(
    responses: FrameLike | None = None,
    customers: FrameLike | None = None,
    experiences: FrameLike | None = None,
    transactions: FrameLike | None = None,
    *,
    mapping: Mapping[str, Mapping[str, Any]],
    claims: Iterable[str] | None = None,
    seed: int = 0,
    progress: bool = False,
    missing: Literal["raise", "drop"] = "raise",
    source: str | None = None,
    simulated: bool = False,
) -> ClaimsReport:
    """Test every claim whose columns the mapping provides.

    Parameters
    ----------
    responses, customers, experiences, transactions : DataFrame or engine input, optional
        The tidy tables of the data contract (see docs/data-contract.md): pandas, or any
        input of :mod:`loyaltystats.engines` (Polars, DuckDB, Parquet paths, Dask). Claims
        fitted on cells count in the engine; the others collect only the columns they use
        (see docs/engines.md).
    mapping : mapping
        Per table, role -> column name, e.g.
        ``{"customers": {"id": "customer_id", "negatives": "negatives", "intent": "considering",
        ...}}``. The roles each claim needs are in :func:`list_claims` (``roles``).
    claims : iterable of str, optional
        Only these claim ids (default: all).
    seed : int
        Seed for every bootstrap in the run.
    progress : bool
        Show progress on stderr: a bar on a terminal, otherwise one line per claim.
    missing : {"raise", "drop"}
        Missing values in a column a claim reads: ``"raise"`` (default) fails the claim
        with the data contract's message; ``"drop"`` leaves out, for that claim only, the
        rows that miss a value in any column it reads (a missing 12-month outcome stays:
        it means "unknown"), and says how many in ``rows_dropped`` and, per table and
        column, in ``info["dropped"]``.
    source : str, optional
        Where the data come from, in words (file names, an extract's date), shown first in
        the report; ``simulated=True`` marks simulated data as such.
    simulated : bool
        The tables come from a simulated world (the report says so on its first screen).

    Returns
    -------
    ClaimsReport

    Raises
    ------
    DataError
        The mapping names an unknown table or role, gives a role the wrong type, or names a
        column the table lacks (see :func:`validate_mapping`).

    Notes
    -----
    Before a claim is tested, every column it reads (its roles, the optional roles it uses
    when mapped, and the id of each table it reads) is checked against the data contract
    (:mod:`loyaltystats.claims.contract`): scales, numbers that are not text or booleans,
    flags, durations >= 0, unique customer ids, no missing values (a missing 12-month
    outcome means "unknown"). A bad column fails every claim that reads it, with the
    contract's message; the others still run. A claim whose estimator raises (a package error
    such as separation or too few data, or any other exception) gets the status
    ``"failed: <message>"`` too; a result with a NaN or infinite deciding estimate as well.

    Examples
    --------
    >>> from loyaltystats.claims import check_claims, demo_tables, DEMO_MAPPING
    >>> t = demo_tables(4000, seed=1)
    >>> rep = check_claims(customers=t["customers"], mapping=DEMO_MAPPING, claims=["S1", "N1"])
    >>> rep.table.set_index("id").loc["N1", "status"]
    'not testable: needs responses.recommend'
    """
    tables = {"responses": responses, "customers": customers, "experiences": experiences,
              "transactions": transactions}
    validate_mapping(mapping, tables)
    if missing not in ("raise", "drop"):
        raise ParameterError(f"missing must be 'raise' or 'drop', got {missing!r}")
    drop_rows = missing == "drop"
    present = {k: v for k, v in tables.items() if v is not None}
    dropped: dict[str, dict[str, dict[str, int]]] = {}
    # every column a claim reads is checked against the data contract before it is tested
    checks = ColumnChecks(present, mapping)
    wanted = set(claims) if claims is not None else None
    rows: list[dict[str, Any]] = []
    claim_results: dict[str, ClaimResult] = {}
    results: dict[str, Result] = {}
    timings: dict[str, float] = {}
    selected = [c for c in CLAIMS if wanted is None or c.id in wanted]
    as_bar = progress and sys.stderr.isatty()
    for i, claim in enumerate(selected):
        if as_bar:
            draw_bar("claims", i / len(selected), f"testing {claim.id}", sys.stderr)
        row: dict[str, Any] = {"id": claim.id, "statement": claim.statement,
                               "claimed": json.dumps(dict(claim.claimed)) if claim.claimed else ""}
        runner = RUNNERS.get(claim.id)
        absent = _missing_roles(claim, tables, mapping)
        problem = ""
        if runner is None:
            row["status"] = "no estimator yet"
        elif absent:
            row["status"] = "not testable: needs " + ", ".join(absent)
        else:
            t0 = time.perf_counter()
            roles = claim_roles(claim.id, claim.roles, mapping)
            claim_tables, claim_checks = present, checks
            if drop_rows:
                claim_tables, dropped[claim.id] = drop_missing(present, mapping, roles)
                row["rows_dropped"] = sum(d["rows"] for d in dropped[claim.id].values())
                if dropped[claim.id]:
                    claim_checks = ColumnChecks(claim_tables, mapping)
            bad_column = claim_checks.problem(roles)
            try:
                if bad_column:
                    raise _BadColumn(bad_column)
                claim_res, full = runner(claim_tables, mapping, seed)
            except _BadColumn as exc:
                row["status"] = f"failed: {exc}"
            except LoyaltyStatsError as exc:
                row["status"] = f"failed: {exc}"
            except Exception as exc:  # noqa: BLE001 - one claim's crash must not end the report
                row["status"] = f"failed: {type(exc).__name__}: {exc}"
            else:
                problem = nonfinite_deciding_terms(claim.id, claim_res)
                if problem and claim_res.reason:
                    problem += f" ({claim_res.reason})"
            if problem:
                # a verdict is never given on a NaN: the claim fails with the reason
                row["status"] = f"failed: {problem}"
            elif "status" not in row:
                row.update(deciding_row(claim.id, claim_res))
                row["verdict"] = claim_res.verdict
                row["status"] = "tested"
                claim_results[claim.id] = claim_res
                results[claim.id] = full
            timings[claim.id] = round(time.perf_counter() - t0, 3)
            if progress and not as_bar:
                print(f"  {claim.id}: {row['status']} ({timings[claim.id]:.1f} s)",
                      file=sys.stderr)
        rows.append(row)
    holm = holm_verdicts(claim_results)
    by_id = holm.set_index("id")["holm_verdict"] if len(holm) else pd.Series(dtype=object)
    for row in rows:
        row["holm_verdict"] = by_id.get(row["id"], "")
        m = get_claim(row["id"]).margin
        row["margin"] = np.nan if m is None else m
    if as_bar:
        draw_bar("claims", 1.0, f"{len(claim_results)} of {len(selected)} tested", sys.stderr)
        sys.stderr.write("\n")
    table = pd.DataFrame(rows).reindex(columns=list(REPORT_COLUMNS))
    table["verdict"] = table["verdict"].fillna("")
    table["holm_verdict"] = table["holm_verdict"].fillna("")
    table["term"] = table["term"].fillna("")
    table["method"] = table["method"].fillna("")
    table["n"] = pd.array(table["n"], dtype="Int64")
    table["rows_dropped"] = table["rows_dropped"].fillna(0).astype(np.int64)
    info = {"seed": seed, "seconds": timings, "family_rule": FAMILY_RULE,
            "missing": "drop" if drop_rows else "raise",
            "dropped": {k: v for k, v in dropped.items() if v},
            "source": source or "data passed to check_claims", "simulated": bool(simulated),
            "tables": {k: count_rows(v) for k, v in present.items()},
            "time_range": time_ranges(present, mapping),
            "mapping": {t: dict(r) for t, r in mapping.items() if t in present}}
    return ClaimsReport(table=table, claim_results=claim_results, results=results, info=info,
                        multiplicity=holm)


"""The data contract at the claims report's boundary: every column a claim reads is checked
before the claim is tested.

Each role of the mapping (``"customers.duration"``) has one rule of the contract
(:func:`loyaltystats.data.validate_column`). Before a claim runs, every column it reads is
checked with its rule; the first problem fails that claim with the contract's message (table,
column, number of rows, up to five values) and the other claims still run. A column is checked
once per report, however many claims read it.

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.claims.contract import ColumnChecks, claim_roles
>>> mapping = {"customers": {"id": "id", "negatives": "n"}}
>>> checks = ColumnChecks({"customers": pd.DataFrame({"id": [1, 1], "n": [0, 2]})}, mapping)
>>> claim_roles("S1", ["customers.negatives"], mapping)
['customers.negatives', 'customers.id']
>>> checks.problem(claim_roles("S1", ["customers.negatives"], mapping))
'customers.id: duplicate ids (one row per id in customers) (2 rows; e.g. 1)'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..data import validate_column
from ..errors import LoyaltyStatsError
from ..scales import GRADE_1_10, LIKERT_1_5, LIKERT_1_7, RECOMMEND_0_10, Scale

__all__ = ["ROLE_RULES", "OPTIONAL_ROLES", "ColumnChecks", "claim_roles", "drop_missing",
           "KEEP_MISSING"]

ROLE_RULES: dict[str, tuple[str, Scale | None]] = {
    "responses.id": ("id", None),
    "responses.time": ("time", None),
    "responses.score": ("score", GRADE_1_10),
    "responses.recommend": ("score", RECOMMEND_0_10),
    "responses.loyalty": ("score", RECOMMEND_0_10),
    "responses.attributes": ("score", LIKERT_1_5),
    "responses.basics": ("score", LIKERT_1_5),
    "responses.delighters": ("score", LIKERT_1_5),
    "responses.pyramid": ("score", LIKERT_1_5),
    "responses.expectation": ("category", None),
    "responses.tier": ("category", None),
    "responses.company": ("category", None),
    "responses.wave": ("category", None),
    "responses.period": ("category", None),
    "responses.outcome_valued": ("flag", None),
    "responses.baseline_ok": ("flag", None),
    "responses.peak": ("flag", None),
    "customers.id": ("unique_id", None),
    "customers.start": ("time", None),
    "customers.end": ("time", None),
    "customers.duration": ("duration", None),
    "customers.switched": ("flag", None),
    "customers.intent": ("flag", None),
    # a customer observed for less than the window has no known outcome: missing = unknown
    "customers.retained": ("flag_or_missing", None),
    "customers.grade": ("score", GRADE_1_10),
    "customers.recommend": ("score", RECOMMEND_0_10),
    "customers.negatives": ("count", None),
    "customers.value": ("number", None),
    # the Customer Effort Score, 1-7 with 7 = very high effort (E1, E2)
    "customers.effort": ("score", LIKERT_1_7),
    "customers.delighted": ("flag", None),
    "experiences.id": ("id", None),
    "experiences.time": ("time", None),
    "experiences.kind": ("category", None),
    "experiences.recovered": ("flag", None),
    "transactions.id": ("id", None),
    "transactions.time": ("time", None),
    "transactions.rating": ("score", GRADE_1_10),
}
"""Role -> (rule of :func:`~loyaltystats.data.validate_column`, scale). The scales are those
the claims' estimators assume: the grade 1-10, the recommend score 0-10, attribute ratings
on a 1-5 Likert scale."""

OPTIONAL_ROLES: dict[str, tuple[str, ...]] = {
    "T2": ("responses.id",),
    "S2": ("customers.start", "customers.end", "customers.grade", "experiences.time"),
    "N1": ("responses.id",),
    "N3": ("customers.grade", "customers.negatives"),
    "K1": ("responses.basics", "responses.delighters", "responses.id"),
    "K3": ("experiences.time", "responses.delighters", "responses.time"),
    "K4": ("responses.delighters",),
    "V1": ("customers.value",),
}
"""Roles a claim's test reads when the mapping has them (besides the registry's ``roles``,
which it needs): a cluster id, an adjustment, a value column."""


def claim_roles(claim_id: str, roles: Iterable[str], mapping: Mapping[str, Any]) -> list[str]:
    """Every mapped role a claim reads: its roles, its optional roles, and the id of each table
    it reads (an id must be valid whenever its table is used: a duplicated customer would be
    counted twice).

    Examples
    --------
    >>> from loyaltystats.claims import DEMO_MAPPING, get_claim
    >>> claim_roles("V1", get_claim("V1").roles, DEMO_MAPPING)
    ['customers.grade', 'customers.duration', 'customers.switched', 'customers.value', 'customers.id']
    """
    out = list(dict.fromkeys([*roles, *OPTIONAL_ROLES.get(claim_id, ())]))
    tables = dict.fromkeys(r.split(".", 1)[0] for r in out)
    out += [f"{t}.id" for t in tables if f"{t}.id" not in out]
    return [r for r in out if _mapped(r, mapping)]


def _mapped(role: str, mapping: Mapping[str, Any]) -> bool:
    table, name = role.split(".", 1)
    return name in (mapping.get(table) or {})


class ColumnChecks:
    """Checks the mapped columns of a report's tables, each once, on demand.

    Parameters
    ----------
    tables : mapping
        Table name -> pandas DataFrame or engine input (engine columns are collected one role
        at a time, as the estimators would).
    mapping : mapping
        The report's role mapping.
    """

    def __init__(self, tables: Mapping[str, Any], mapping: Mapping[str, Any]) -> None:
        self.tables = tables
        self.mapping = mapping
        self._found: dict[str, str] = {}

    def problem(self, roles: Iterable[str]) -> str:
        """The contract's message for the first bad column among ``roles`` ("" if none)."""
        for role in roles:
            if role not in self._found:
                self._found[role] = self._check(role)
            if self._found[role]:
                return self._found[role]
        return ""

    def _check(self, role: str) -> str:
        table, name = role.split(".", 1)
        data = self.tables.get(table)
        rule = ROLE_RULES.get(role)
        if data is None or rule is None or not _mapped(role, self.mapping):
            return ""
        value = self.mapping[table][name]
        columns = [value] if isinstance(value, str) else list(value)
        kind, scale = rule
        try:
            frame = _columns(data, columns, table)
            for column in columns:
                validate_column(frame, column, kind, table=table, scale=scale)
        except LoyaltyStatsError as exc:
            return str(exc)
        return ""


def _columns(data: Any, columns: list[str], table: str) -> pd.DataFrame:
    from .._frames import read_columns

    return read_columns(data, columns, table)


KEEP_MISSING = frozenset({"customers.retained"})
"""Roles where a missing value has a meaning (the 12-month outcome is unknown): never dropped."""


def drop_missing(tables: Mapping[str, Any], mapping: Mapping[str, Any],
                 roles: Iterable[str]) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The tables without the rows that miss a value in a column of ``roles``.

    For ``missing="drop"`` in :func:`~loyaltystats.claims.check_claims`: per table, a row is
    dropped when any column the claim reads there is missing (NaN, None, NaT; roles in
    :data:`KEEP_MISSING` excepted). Engine inputs are filtered lazily in their engine.

    Returns
    -------
    tables : dict
        The filtered tables (the others unchanged).
    dropped : dict
        ``{table: {column: rows missing it, ...}}`` for the tables that lost rows; a row
        missing two columns counts for both, the table's total is under ``"rows"``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"id": [1, 2, 3], "n": [0, None, 2]})
    >>> kept, dropped = drop_missing({"customers": c}, {"customers": {"id": "id", "n": "n"}},
    ...                              ["customers.n", "customers.id"])
    >>> len(kept["customers"]), dropped
    (2, {'customers': {'n': 1, 'rows': 1}})
    """
    from .._boundary import drop_missing_rows

    by_table: dict[str, list[str]] = {}
    for role in roles:
        table, name = role.split(".", 1)
        if role in KEEP_MISSING or table not in tables or not _mapped(role, mapping):
            continue
        value = mapping[table][name]
        cols = [value] if isinstance(value, str) else list(value)
        by_table.setdefault(table, []).extend(c for c in cols if c not in by_table[table])
    out = dict(tables)
    dropped: dict[str, dict[str, int]] = {}
    for table, cols in by_table.items():
        out[table], counts = drop_missing_rows(tables[table], cols, table)
        if counts:
            dropped[table] = counts
    return out, dropped

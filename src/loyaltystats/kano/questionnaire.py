"""K1, questionnaire route: Kano answer pairs -> categories, shares and better / worse.

Each attribute is asked twice: functional ("how do you feel if the product has X?") and
dysfunctional ("... if it does not have X?"), both answered Like / Must-be / Neutral /
Live-with / Dislike. The pair is mapped to a category with the evaluation table of Berger
et al. (1993).

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.kano import questionnaire
>>> df = pd.DataFrame({"f": ["like", "like", "neutral", "must-be"],
...                    "d": ["dislike", "neutral", "dislike", "dislike"]})
>>> r = questionnaire(df, {"wifi": ("f", "d")}, n_boot=200, seed=1)
>>> r.table[["attribute", "A", "O", "M", "I", "category"]]
  attribute  A  O  M  I category
0      wifi  1  1  2  0        M
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validate import FrameLike
from ..errors import DataError, ParameterError
from ..results import Result, estimates_frame
from ..stats import multinomial_bootstrap, wilson_ci
from ._common import (
    CATEGORIES,
    CATEGORY_NAMES,
    TIE_ORDER,
    as_frame,
    check_level,
    check_seed,
    check_tie_order,
    modal_order,
)

__all__ = [
    "ANSWERS",
    "EVALUATION_TABLE",
    "KanoQuestionnaire",
    "better_worse",
    "evaluate",
    "fong_test",
    "questionnaire",
    "questionnaire_counts",
]

ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")
"""The five Kano answers in the order of the evaluation table (rows and columns)."""

_TABLE = "QAAAO" "RIIIM" "RIIIM" "RIIIM" "RRRRQ"
EVALUATION_TABLE = pd.DataFrame(
    np.array(list(_TABLE)).reshape(5, 5), index=pd.Index(ANSWERS, name="functional"),
    columns=pd.Index(ANSWERS, name="dysfunctional"),
)
"""Berger et al. (1993): rows the functional answer, columns the dysfunctional answer."""

_CAT_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_LUT = np.array([_CAT_INDEX[c] for c in _TABLE], dtype=np.int8)
_ALIASES = {"mustbe": "must-be", "livewith": "live-with", "must-be": "must-be",
            "live-with": "live-with"}


def _norm_label(v: Any) -> str | None:
    if not isinstance(v, str):
        return None
    s = v.strip().lower().replace("_", "-").replace(" ", "-")
    s = _ALIASES.get(s.replace("-", ""), s)
    return s if s in ANSWERS else None


def _answer_codes(s: pd.Series, codes: Mapping[Any, str] | None, table: str) -> np.ndarray:
    """Answer index 0..4 per row, -1 where missing; unknown answers raise."""
    idx, uniques = pd.factorize(s, use_na_sentinel=True)
    lut = np.full(len(uniques) + 1, -2, dtype=np.int8)  # last slot: missing (-1 -> -1)
    lut[-1] = -1
    numeric = (int, float, np.integer, np.floating)
    for i, u in enumerate(uniques):
        if codes is not None and u in codes:
            label: Any = codes[u]
        elif isinstance(u, numeric) and not isinstance(u, bool) and codes is None:
            raise DataError(
                "numeric answers need an explicit codes= mapping to the five labels "
                f"{list(ANSWERS)} (codes are never guessed)", table=table,
                column=str(s.name), n_rows=int(np.sum(idx == i)), examples=[u],
            )
        else:
            label = u
        norm = _norm_label(label)
        if norm is not None:
            lut[i] = ANSWERS.index(norm)
    bad = lut[idx] == -2
    if bad.any():
        vals = pd.unique(s.to_numpy()[bad])
        raise DataError(
            f"unknown answer labels; expected one of {list(ANSWERS)} (case and spaces are "
            "ignored) or values of codes=", table=table, column=str(s.name),
            n_rows=int(bad.sum()), examples=vals[:5],
        )
    return lut[idx]


def evaluate(functional: Sequence[Any] | pd.Series, dysfunctional: Sequence[Any] | pd.Series,
             *, codes: Mapping[Any, str] | None = None) -> np.ndarray:
    """Kano category letter of each answer pair (Berger et al. 1993 evaluation table).

    Parameters
    ----------
    functional, dysfunctional : sequence
        Answers as the five labels (``like, must-be, neutral, live-with, dislike``; case,
        spaces and underscores are ignored) or codes translated by ``codes``.
    codes : mapping, optional
        Explicit translation of answer values (e.g. ``{1: "like", ..., 5: "dislike"}``).

    Returns
    -------
    numpy.ndarray of str
        One of ``A, O, M, I, R, Q`` per pair.

    Examples
    --------
    >>> evaluate(["like", "Like", "neutral"], ["dislike", "neutral", "Dislike"]).tolist()
    ['O', 'A', 'M']
    """
    f = _answer_codes(pd.Series(functional, name="functional"), codes, "answers")
    d = _answer_codes(pd.Series(dysfunctional, name="dysfunctional"), codes, "answers")
    if len(f) != len(d):
        raise DataError(f"functional has {len(f)} answers, dysfunctional {len(d)}",
                        table="answers")
    miss = (f < 0) | (d < 0)
    if miss.any():
        raise DataError("missing answers", table="answers", n_rows=int(miss.sum()))
    return np.array(CATEGORIES)[_LUT[f * 5 + d]]


def better_worse(counts: Mapping[str, float] | Sequence[float] | np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Better (CS+) and worse (CS-) coefficients from category counts.

    Parameters
    ----------
    counts : mapping or array_like
        A mapping with keys among ``A, O, M, I, R, Q`` (missing keys count 0), or an array
        whose last axis holds the counts in the order ``A, O, M, I, R, Q``.

    Returns
    -------
    (better, worse) : tuple of ndarray
        ``CS+ = (A + O) / (A + O + M + I)`` and ``CS- = -(O + M) / (A + O + M + I)``;
        NaN where ``A + O + M + I = 0``.

    Examples
    --------
    >>> b, w = better_worse({"M": 95, "O": 123, "A": 45, "I": 33})
    >>> round(float(b), 3), round(float(w), 3)
    (0.568, -0.736)
    """
    if isinstance(counts, Mapping):
        unknown = set(counts) - set(CATEGORIES)
        if unknown:
            raise DataError(f"unknown categories {sorted(unknown)}; expected {list(CATEGORIES)}",
                            table="counts")
        c = np.array([float(counts.get(k, 0)) for k in CATEGORIES])
    else:
        c = np.asarray(counts, dtype=float)
        if c.shape[-1] != 6:
            raise DataError(f"the last axis must hold 6 counts (A, O, M, I, R, Q), got shape "
                            f"{c.shape}", table="counts")
    a, o, m, i = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    t = a + o + m + i
    with np.errstate(invalid="ignore", divide="ignore"):
        better = np.where(t > 0, (a + o) / t, np.nan)
        worse = np.where(t > 0, -(o + m) / t, np.nan)
    return better, worse


def fong_test(m1: Any, m2: Any, n: Any, *, z: float = 1.65) -> tuple[np.ndarray, np.ndarray]:
    """Fong's (1996) test that the most frequent category wins clearly over the second.

    Parameters
    ----------
    m1, m2 : array_like
        Counts of the most and the second most frequent category.
    n : array_like
        Number of answer pairs of the attribute.
    z : float
        Critical value; 1.65 as in Fong (1996).

    Returns
    -------
    (clear, threshold) : tuple of ndarray
        ``clear`` is ``|m1 - m2| >= threshold`` with
        ``threshold = z * sqrt((m1 + m2) * (2n - m1 - m2) / (2n))``.

    Examples
    --------
    >>> clear, thr = fong_test(123, 95, 296)
    >>> bool(clear), round(float(thr), 2)
    (True, 19.36)
    """
    a = np.asarray(m1, dtype=float)
    b = np.asarray(m2, dtype=float)
    nn = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        thr = z * np.sqrt((a + b) * (2 * nn - a - b) / (2 * nn))
    return np.abs(a - b) >= thr, thr


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class KanoQuestionnaire(Result):
    """Kano questionnaire classification (K1, questionnaire route).

    ``estimates`` has, per attribute, the rows ``"<attribute>: better"`` (CS+),
    ``"<attribute>: worse"`` (CS-) and ``"<attribute>: asymmetry"`` (CS+ + CS- =
    (A - M) / (A + O + M + I), positive for attractive, negative for must-be) with
    count-bootstrap percentile intervals; extra columns ``attribute`` and ``quantity``.

    Tables
    ------
    ``categories``
        One row per attribute: ``attribute, n`` (answer pairs), ``n_classified``
        (A + O + M + I), the counts ``A, O, M, I, R, Q``, ``category`` (modal),
        ``runner_up``, ``fong_diff`` (m1 - m2), ``fong_threshold``, ``clear`` (Fong),
        ``better, worse, asymmetry``.
    ``shares``
        One row per attribute and category: ``attribute, category, count, n, share,
        ci_low, ci_high`` (Wilson).
    """

    @property
    def table(self) -> pd.DataFrame:
        """The per-attribute table (``tables["categories"]``)."""
        return self.tables["categories"]

    @property
    def categories(self) -> pd.Series:
        """Modal category per attribute."""
        t = self.tables["categories"]
        return pd.Series(t["category"].to_numpy(), index=t["attribute"].to_numpy(),
                         name="category")

    def plot(self, ax: Any = None) -> Any:
        """Better-worse quadrant chart: |worse| on x, better on y, with bootstrap intervals."""
        from .plots import better_worse_chart

        return better_worse_chart(self, ax=ax)


def _require_positive_int(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ParameterError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def questionnaire_counts(
    counts: pd.DataFrame | Mapping[str, Mapping[str, float]],
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    fong_z: float = 1.65,
    seed: int | np.random.Generator = 0,
    tie_order: Sequence[str] = TIE_ORDER,
) -> KanoQuestionnaire:
    """Kano classification from category counts per attribute.

    Parameters
    ----------
    counts : DataFrame or mapping
        Index (or keys) the attributes, columns (or inner keys) among ``A, O, M, I, R, Q``;
        a missing category counts 0.
    level : float
        Confidence level.
    n_boot : int
        Multinomial bootstrap replicates per attribute (the counts are resampled, never
        rows); 0 skips the bootstrap (intervals NaN).
    fong_z : float
        Critical value of Fong's test.
    seed : int or numpy.random.Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    tie_order : sequence of str
        Which category is the modal one when two or more share the highest count: the
        first of them in this order. Default ``M > O > A > I > R > Q`` (the hierarchy
        rule attributed to Berger et al. 1993; calling a basic a delighter is the costly
        mistake).
        Any order of the six letters, e.g. ``"AOMIRQ"``.

    Returns
    -------
    KanoQuestionnaire
        See :func:`questionnaire`.

    Notes
    -----
    ``CS+ = (A + O) / (A + O + M + I)``, ``CS- = -(O + M) / (A + O + M + I)`` (Berger et
    al. 1993); reverse and questionable answers are left out of both. Shares use all answer
    pairs as the denominator and Wilson intervals. Fong (1996): the modal category wins
    clearly when ``|m1 - m2| >= z sqrt((m1 + m2)(2n - m1 - m2) / (2n))``.

    Examples
    --------
    >>> counts = {"wifi": {"M": 95, "O": 123, "A": 45, "I": 33}}
    >>> r = questionnaire_counts(counts, n_boot=200, seed=1)
    >>> r.table[["attribute", "better", "worse", "category", "clear"]].round(3)
      attribute  better  worse category  clear
    0      wifi   0.568 -0.736        O   True
    """
    level = check_level(level)
    n_boot = _require_positive_int(n_boot, "n_boot")
    if isinstance(counts, Mapping):
        counts = pd.DataFrame.from_dict(dict(counts), orient="index")
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise DataError("counts must be a non-empty DataFrame or mapping", table="counts")
    unknown = [c for c in counts.columns if c not in CATEGORIES]
    if unknown:
        raise DataError(f"unknown categories {unknown}; expected {list(CATEGORIES)}",
                        table="counts", examples=unknown)
    c = counts.reindex(columns=list(CATEGORIES)).fillna(0)
    arr = c.to_numpy(dtype=float)
    bad = (arr < 0) | (arr != np.round(arr)) | ~np.isfinite(arr)
    if bad.any():
        raise DataError("counts must be non-negative whole numbers", table="counts",
                        n_rows=int(bad.any(axis=1).sum()), examples=arr[bad][:5])
    return _from_counts(arr.astype(np.int64), [str(a) for a in c.index], level=level,
                        n_boot=n_boot, fong_z=fong_z, seed=check_seed(seed, "questionnaire")
                        if n_boot else None, info_extra={},
                        tie_order=check_tie_order(tie_order))


def _from_counts(arr: np.ndarray, attributes: list[str], *, level: float, n_boot: int,
                 fong_z: float, seed: np.random.Generator | None,
                 info_extra: Mapping[str, Any],
                 tie_order: Sequence[str] = TIE_ORDER) -> KanoQuestionnaire:
    n = arr.sum(axis=1)
    empty = n == 0
    if empty.any():
        raise DataError("attributes without any answer pair", table="counts",
                        n_rows=int(empty.sum()), examples=np.array(attributes)[empty][:5])
    better, worse = better_worse(arr)
    n_cls = arr[:, :4].sum(axis=1)
    order = modal_order(arr, tie_order)
    m1 = np.take_along_axis(arr, order[:, :1], axis=1)[:, 0]
    m2 = np.take_along_axis(arr, order[:, 1:2], axis=1)[:, 0]
    clear, thr = fong_test(m1, m2, n, z=fong_z)
    cats = np.array(CATEGORIES)
    table = pd.DataFrame({"attribute": attributes, "n": n, "n_classified": n_cls})
    for j, k in enumerate(CATEGORIES):
        table[k] = arr[:, j]
    table["category"] = cats[order[:, 0]]
    table["runner_up"] = cats[order[:, 1]]
    table["fong_diff"] = (m1 - m2).astype(np.int64)
    table["fong_threshold"] = thr
    table["clear"] = clear
    table["better"] = better
    table["worse"] = worse
    table["asymmetry"] = better + worse

    # shares with Wilson intervals
    lo, hi = wilson_ci(arr, np.repeat(n[:, None], 6, axis=1), level)
    shares = pd.DataFrame({
        "attribute": np.repeat(attributes, 6),
        "category": np.tile(cats, len(attributes)),
        "count": arr.ravel(),
        "n": np.repeat(n, 6),
        "share": (arr / n[:, None]).ravel(),
        "ci_low": lo.ravel(),
        "ci_high": hi.ravel(),
    })

    rows = []
    for i, attr in enumerate(attributes):
        cis = {q: (np.nan, np.nan) for q in ("better", "worse", "asymmetry")}
        if n_boot and n_cls[i] > 0 and seed is not None:
            reps = _count_replicates(arr[i], n_boot, seed)
            b, w = better_worse(reps)
            for q, v in (("better", b), ("worse", w), ("asymmetry", b + w)):
                a = (1 - level) / 2
                cis[q] = tuple(np.nanquantile(v, [a, 1 - a]))
        for q, est in (("better", better[i]), ("worse", worse[i]),
                       ("asymmetry", better[i] + worse[i])):
            rows.append({"term": f"{attr}: {q}", "estimate": est, "ci_low": cis[q][0],
                         "ci_high": cis[q][1], "n": int(n_cls[i]),
                         "method": "count bootstrap" if n_boot else "none",
                         "attribute": attr, "quantity": q})
    info = {"n_attributes": len(attributes), "n_boot": n_boot, "fong_z": fong_z,
            "tie_order": "".join(tie_order),
            "categories": {k: CATEGORY_NAMES[k] for k in CATEGORIES}, **info_extra}
    return KanoQuestionnaire(
        estimates=estimates_frame(rows), title="Kano questionnaire (K1): categories and "
        "better / worse coefficients", level=level,
        tables={"categories": table, "shares": shares}, info=info,
    )


def _count_replicates(counts: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial replicates of one count table via the package's count bootstrap."""
    captured: dict[str, np.ndarray] = {}

    def stat(c: np.ndarray) -> np.ndarray:
        if c.shape[0] == n_boot:
            captured["reps"] = c
        return c[..., 0].astype(float)

    multinomial_bootstrap(counts, stat, n_boot=n_boot, seed=rng)
    return captured["reps"]


def questionnaire(
    data: FrameLike,
    pairs: Mapping[str, Sequence[Hashable]],
    *,
    codes: Mapping[Any, str] | None = None,
    missing: Literal["raise", "drop"] = "raise",
    level: float = 0.95,
    n_boot: int = 2000,
    fong_z: float = 1.65,
    min_pairs: int = 2,
    seed: int | np.random.Generator = 0,
    tie_order: Sequence[str] = TIE_ORDER,
) -> KanoQuestionnaire:
    """Classify attributes from Kano questionnaire answer pairs (K1, questionnaire route).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per respondent, one column per question. From Polars, DuckDB, Parquet
        paths and Dask only the answer columns named in ``pairs`` are collected into pandas.
    pairs : mapping
        Attribute name -> ``(functional column, dysfunctional column)``.
    codes : mapping, optional
        Explicit translation of answer values to the five labels, e.g.
        ``{1: "like", 2: "must-be", 3: "neutral", 4: "live-with", 5: "dislike"}``.
        Without it, answers must be the labels themselves (case, spaces and underscores are
        ignored); numeric answers without ``codes`` raise.
    missing : {"raise", "drop"}
        A respondent who skipped one or both questions of a pair: raise (default), or leave
        that pair out of that attribute (the number dropped is in ``info["n_dropped"]``).
    level : float
        Confidence level of all intervals.
    n_boot : int
        Multinomial count-bootstrap replicates for the coefficient intervals (0 skips).
    fong_z : float
        Critical value of Fong's test (1.65).
    min_pairs : int
        Fewest complete answer pairs an attribute needs (default 2); fewer raise.
    seed : int or numpy.random.Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    tie_order : sequence of str
        Which category wins a tie for the most frequent; see :func:`questionnaire_counts`.

    Returns
    -------
    KanoQuestionnaire
        ``estimates``: better (CS+), worse (CS-) and asymmetry per attribute with bootstrap
        intervals; ``tables["categories"]``: counts, modal category, Fong's test, the
        coefficients; ``tables["shares"]``: category shares with Wilson intervals.

    Raises
    ------
    DataError
        Missing columns, a pair that is not two columns, unknown answer labels, numeric
        answers without ``codes``, missing answers (with ``missing="raise"``), an attribute
        with fewer than ``min_pairs`` answer pairs.

    Notes
    -----
    The evaluation table of Berger et al. (1993) (rows functional, columns dysfunctional,
    both ordered Like / Must-be / Neutral / Live-with / Dislike): Like row ``Q A A A O``;
    Must-be, Neutral and Live-with rows ``R I I I M``; Dislike row ``R R R R Q``.
    ``CS+ = (A + O) / (A + O + M + I)``, ``CS- = -(O + M) / (A + O + M + I)``. The
    asymmetry ``CS+ + CS- = (A - M) / (A + O + M + I)`` lies in [-1, 1] like the
    impact-asymmetry index of :func:`prca`, so both routes can be compared (K4). Fong's
    test (1996) checks whether the modal category is clearly ahead of the second; when it is
    not (``clear`` False) the attribute is best described by both. The coefficient
    intervals resample the six counts multinomially (:func:`loyaltystats.stats.multinomial_bootstrap`);
    the cost does not depend on the number of respondents.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"f": [1, 1, 3, 2, 1], "d": [5, 3, 5, 5, 5]})
    >>> codes = {1: "like", 2: "must-be", 3: "neutral", 4: "live-with", 5: "dislike"}
    >>> r = questionnaire(df, {"speed": ("f", "d")}, codes=codes, n_boot=200, seed=1)
    >>> r.categories.to_dict()  # O and M tie at 2 pairs each: M > O > A > I decides
    {'speed': 'M'}
    """
    from .._frames import is_table

    if not is_table(data):
        raise DataError("expected a pandas DataFrame or an engine input (Polars, DuckDB, "
                        f"Parquet path, Dask), got {type(data).__name__}", table="data")
    if not isinstance(pairs, Mapping) or not pairs:
        raise DataError("pairs must be a non-empty mapping attribute -> (functional, "
                        "dysfunctional)", table="pairs")
    if missing not in ("raise", "drop"):
        raise ParameterError(f"missing must be 'raise' or 'drop', got {missing!r}")
    if codes is not None:
        if not isinstance(codes, Mapping):
            raise DataError("codes must be a mapping answer value -> label", table="codes")
        bad = [v for v in codes.values() if _norm_label(v) is None]
        if bad:
            raise DataError(f"codes map to unknown labels; expected {list(ANSWERS)}",
                            table="codes", n_rows=len(bad), examples=bad)
    level = check_level(level)
    n_boot = _require_positive_int(n_boot, "n_boot")
    min_pairs = _require_positive_int(min_pairs, "min_pairs", 1)
    rng = check_seed(seed, "questionnaire") if n_boot else None
    for attr, cols in pairs.items():
        if isinstance(cols, str) or not isinstance(cols, Sequence) or len(cols) != 2:
            raise DataError(
                f"attribute {attr!r}: need exactly one answer pair (functional, dysfunctional "
                f"column), got {cols!r}", table="pairs", column=str(attr),
            )
    data = as_frame(data, [c for cols in pairs.values() for c in cols], "data")
    if len(data) == 0:
        raise DataError("no rows", table="data")

    attrs = [str(a) for a in pairs]
    arr = np.zeros((len(attrs), 6), dtype=np.int64)
    dropped: dict[str, int] = {}
    for i, (attr, cols) in enumerate(pairs.items()):
        missing_cols = [c for c in cols if c not in data.columns]
        if missing_cols:
            raise DataError(f"attribute {attr!r}: missing column(s) {missing_cols}; available: "
                            f"{list(data.columns)[:20]}", table="data")
        f = _answer_codes(data[cols[0]], codes, "data")
        d = _answer_codes(data[cols[1]], codes, "data")
        miss = (f < 0) | (d < 0)
        if miss.any():
            if missing == "raise":
                col = cols[0] if (f < 0).any() else cols[1]
                raise DataError(
                    f"attribute {attr!r}: missing answers (pass missing='drop' to leave "
                    "incomplete pairs out)", table="data", column=str(col),
                    n_rows=int(miss.sum()), examples=["NaN"],
                )
            dropped[str(attr)] = int(miss.sum())
            f, d = f[~miss], d[~miss]
        if len(f) < min_pairs:
            raise DataError(
                f"attribute {attr!r} has {len(f)} complete answer pair(s); at least "
                f"{min_pairs} are needed to estimate category shares", table="data",
                column=str(cols[0]), n_rows=len(f),
            )
        arr[i] = np.bincount(_LUT[f.astype(np.int64) * 5 + d], minlength=6)
    return _from_counts(arr, attrs, level=level, n_boot=n_boot, fong_z=fong_z, seed=rng,
                        info_extra={"n_respondents": len(data), "n_dropped": dropped},
                        tie_order=check_tie_order(tie_order))

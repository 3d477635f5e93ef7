"""The person-period table counted in the engine, for :mod:`loyaltystats.engines`.

:func:`loyaltystats.engines.person_period_engine` runs these steps in order: check the
customers in one scalar query, open and join the experiences and check them, count the steps
of each customer's capped counts per customer-period, count the customers, and add the steps
up along the periods in numpy. A Dask input instead runs the pandas
:func:`~loyaltystats.tables.person_period` per bucket of customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._engine_checks import (
    _P,
    _check_keys,
    _check_outcome,
    _count,
    _examples,
    _key_exprs,
    _KeyCheck,
    _missing,
    _outcome_exprs,
    _outcome_value,
    _scalars,
    _to_pandas,
)
from ._engine_frames import _dtype_str, _finish_keys, _Frame, _kind, _nw, _open, _require
from ._rules import MAX_CELLS, PERSON_PERIOD_EXPERIENCE_ORDER, violation
from .errors import DataError

# helper names differ in more than case: DuckDB identifiers are case-insensitive
_CID, _PER, _PCOL, _EVC = f"{_P}id", f"{_P}period", f"{_P}nper", f"{_P}event"


def _is_mask(which: Any) -> bool:
    """Whether a ``count`` entry is a boolean mask over the experiences (not a list of kinds)."""
    return isinstance(which, (np.ndarray, pd.Series)) and np.asarray(which).dtype == bool


def _pp_count(count: Mapping[str, Any] | None,
              experiences: Any) -> tuple[Mapping[str, Any], dict[str, np.ndarray]]:
    """The ``count`` mapping with its default, and its boolean masks named as helper columns."""
    masks: dict[str, np.ndarray] = {}
    if count is None:
        count = {"negatives": ["negative"]} if experiences is not None else {}
    for which in count.values():
        if _is_mask(which):
            masks[f"{_P}mask{len(masks)}"] = np.asarray(which)
    return count, masks


def _periods_expr(duration: str, period_length: float) -> tuple[Any, Any]:
    """The duration as Float64 and the number of periods at risk it spans (rounded up)."""
    nw = _nw()
    L = float(period_length)
    d_f = nw.col(duration).cast(nw.Float64)
    return d_f, (d_f / L - 1e-9).ceil()


def _query_pp_customers(C: _Frame, *, id: str, start: str, duration: str, event: str,
                        by_cols: list[str], period_length: float,
                        ) -> tuple[dict[str, Any], list[_KeyCheck], dict[str, bool]]:
    """Every check on the customers in one scalar query: the counts, key checks and kinds."""
    nw = _nw()
    d_f, periods = _periods_expr(duration, period_length)
    exprs = [nw.len().alias(f"{_P}n"), nw.col(id).n_unique().alias(f"{_P}nu")]
    numeric = {c: _kind(C, c) in "if" for c in (start, duration)}
    for col in (start, duration):
        if numeric[col]:
            x = nw.col(col).cast(nw.Float64)
            exprs.append(_count(~x.is_finite()).alias(f"{_P}fin_{col == duration:d}"))
            exprs.append(_count(_missing(C, col)).alias(f"{_P}na_{col == duration:d}"))
    if numeric[duration]:
        exprs.append(_count(d_f <= 0).alias(f"{_P}dneg"))
        exprs.append(periods.max().alias(f"{_P}pmax"))
    exprs += _outcome_exprs(C, event, f"{_P}ev")
    kexprs, checks = _key_exprs(C, by_cols, "b")
    exprs += kexprs
    return _scalars(C.lf, exprs), checks, numeric


def _check_pp_customers(C: _Frame, got: dict[str, Any], numeric: dict[str, bool], *,
                        id: str, start: str, duration: str, event: str) -> None:
    """Raise the first rule the customers break, as the pandas path does."""
    nw = _nw()
    d_f = nw.col(duration).cast(nw.Float64)
    n = int(got[f"{_P}n"])
    if n == 0:
        raise violation("no_customers", table="customers")
    if int(got[f"{_P}nu"]) < n:
        dup = (C.lf.group_by(id).agg(nw.len().alias(f"{_P}c"))
               .filter(nw.col(f"{_P}c") > 1))
        n_dup = int(_scalars(dup, [(nw.col(f"{_P}c") - 1).sum().alias("d")])["d"])
        raise violation("duplicate_customers", table="customers", column=id, n_rows=n_dup,
                        examples=_examples(dup, None, id))
    for col in (start, duration):
        if not numeric[col]:
            raise violation("periods_dtype", table="customers", column=col, n_rows=n,
                            examples=_examples(C.lf, None, col, unique=False),
                            dtype=_dtype_str(C, col))
    for col in (start, duration):
        x = nw.col(col).cast(nw.Float64)
        if int(got[f"{_P}na_{col == duration:d}"]):
            raise violation("missing_period", table="customers", column=col,
                            n_rows=int(got[f"{_P}na_{col == duration:d}"]), examples=["NaN"])
        if int(got[f"{_P}fin_{col == duration:d}"]):
            raise violation("infinite_period", table="customers", column=col,
                            n_rows=int(got[f"{_P}fin_{col == duration:d}"]),
                            examples=_examples(C.lf.with_columns(x.alias(col)),
                                               _count_bad(~x.is_finite()), col))
    if int(got[f"{_P}dneg"]):
        raise violation("duration_not_positive", table="customers", column=duration,
                        n_rows=int(got[f"{_P}dneg"]),
                        examples=_examples(C.lf.with_columns(d_f.alias(duration)),
                                           d_f <= 0, duration))
    _check_outcome(C, event, got, f"{_P}ev", n, "customers")


def _customer_rows(C: _Frame, *, id: str, start: str, duration: str, event: str,
                   by_cols: list[str], period_length: float) -> Any:
    """The customers under helper names: id, start, duration, periods at risk and event."""
    nw = _nw()
    d_f, periods = _periods_expr(duration, period_length)
    return C.lf.select(
        nw.col(id).alias(_CID), nw.col(start).cast(nw.Float64).alias(f"{_P}s"),
        d_f.alias(f"{_P}d"), periods.cast(nw.Int64).alias(_PCOL),
        _outcome_value(C, event).alias(_EVC), *[nw.col(c) for c in by_cols])


def _open_pp_experiences(experiences: Any, backend: str, masks: dict[str, np.ndarray],
                         count: Mapping[str, Any], *, exp_id: str, time: str,
                         kind: str) -> tuple[_Frame, bool]:
    """Open the experiences in the customers' engine; whether a ``kind`` column is read."""
    nw = _nw()
    if masks:
        # the masks' length is checked before they are attached: an eager frame refuses a
        # column of the wrong length with its own error, which would not name the mask
        plain = _open(experiences, "experiences", backend)
        n_exp = int(_scalars(plain.lf, [nw.len().alias("n")])["n"])
        for name, m in zip(list(count), count.values()):
            if isinstance(m, (np.ndarray, pd.Series)) and len(m) != n_exp:
                raise DataError(f"mask for {name!r} has {len(m)} entries, "
                                f"experiences has {n_exp} rows", table="experiences")
    E = _open(experiences, "experiences", backend, masks=masks)
    _require(E, [exp_id, time], "experiences")
    kinds_needed = [w for w in count.values() if not _is_mask(w)]
    if kinds_needed:
        _require(E, [kind], "experiences")
    return E, bool(kinds_needed)


def _join_pp_experiences(C: _Frame, E: _Frame, cust: Any, masks: dict[str, np.ndarray], *,
                         id: str, exp_id: str, time: str,
                         kind: str | None) -> tuple[Any, Any]:
    """Each experience with its customer's start, duration and periods (left join on a
    common id dtype); the customers with the id cast as the join needs."""
    nw = _nw()
    key = nw.col(exp_id)
    ck, ek = _kind(C, id), _kind(E, exp_id)
    if ck in "if" and ek in "if" and C.schema[id] != E.schema[exp_id]:
        target = C.schema[id] if (ck == "i" and ek == "i") else nw.Float64
        key = key.cast(target)
        if ck != "i" or ek != "i":
            cust = cust.with_columns(nw.col(_CID).cast(nw.Float64))
    sel = [key.alias(_CID), nw.col(exp_id).alias(f"{_P}raw_id"), nw.col(time)]
    if kind is not None:
        sel.append(nw.col(kind))
    sel += [nw.col(c) for c in masks]
    ej = E.lf.select(*sel).join(
        cust.select(_CID, f"{_P}s", f"{_P}d", _PCOL).with_columns(
            nw.lit(True).alias(f"{_P}known")),
        on=_CID, how="left")
    return ej, cust


def _relative_time(time: str, period_length: float) -> tuple[Any, Any, Any]:
    """An experience's time as Float64, time since its customer's start, and that in periods."""
    nw = _nw()
    tf = nw.col(time).cast(nw.Float64)
    since = tf - nw.col(f"{_P}s")
    return tf, since, since / float(period_length)


def _check_pp_experiences(E: _Frame, ej: Any, *, exp_id: str, time: str,
                          period_length: float) -> None:
    """Raise the first rule the joined experiences break, as the pandas path does."""
    nw = _nw()
    known = nw.col(f"{_P}known").fill_null(False)
    t_numeric = _kind(E, time) in "if"
    tf, since, rel = _relative_time(time, period_length)
    outside = (~rel.is_finite() | (rel < 0) | (since >= nw.col(f"{_P}d"))).fill_null(True)
    ex = [nw.len().alias("n"), _count(~known).alias("unknown")]
    if t_numeric:
        ex.append(_count(known & outside).alias("outside"))
    got_e = _scalars(ej, ex)
    if int(got_e["unknown"]):
        raise violation("unknown_customers", table="experiences", column=exp_id,
                        n_rows=int(got_e["unknown"]),
                        examples=_examples(ej.rename({f"{_P}raw_id": f"{_P}x"}), ~known,
                                           f"{_P}x"))
    if not t_numeric:
        raise violation("time_dtype", table="experiences", column=time,
                        n_rows=int(got_e["n"]),
                        examples=_examples(E.lf, None, time, unique=False),
                        dtype=_dtype_str(E, time))
    if int(got_e["outside"]):
        raise violation("outside_at_risk", table="experiences", column=time,
                        n_rows=int(got_e["outside"]),
                        examples=_examples(ej.with_columns(tf.alias(time)), outside, time))


def _cumulative(ep: Any, backend: str, cid: str, per: str, flags: list[str],
                cums: list[str]) -> Any:
    """Running sums of ``flags`` per customer in period order (one row per customer-period)."""
    nw = _nw()
    if backend != "dask":
        return ep.with_columns(*[nw.col(f).cum_sum().over(cid, order_by=per).alias(c)
                                 for f, c in zip(flags, cums)])
    # narwhals has no ordered window for Dask: shuffle by customer, then pandas per partition
    native = ep.to_native().shuffle(on=cid)
    meta = native._meta.reset_index(drop=True).assign(
        **{c: pd.Series(dtype=np.int64) for c in cums})

    def run(part: pd.DataFrame) -> pd.DataFrame:
        part = part.sort_values([cid, per], kind="mergesort").reset_index(drop=True)
        g = part.groupby(cid, sort=False)
        return part.assign(**{c: g[f].cumsum().to_numpy(np.int64) for f, c in zip(flags, cums)})

    return nw.from_native(native.map_partitions(run, meta=meta))


def _count_pp_steps(ej: Any, cust: Any, *, backend: str, count: Mapping[str, Any],
                    masks: dict[str, np.ndarray], kind: str, flags: list[str],
                    by_cols: list[str], cap: int, time: str,
                    period_length: float) -> tuple[pd.DataFrame, Any]:
    """The steps of the capped counts per (period, counts before, counts after, by) cell,
    and the customers with their final capped counts."""
    nw = _nw()
    flag_exprs = []
    mi = iter(list(masks))
    for f, which in zip(flags, count.values()):
        if _is_mask(which):
            flag_exprs.append(nw.col(next(mi)).cast(nw.Int64).alias(f))
        else:
            flag_exprs.append(nw.col(kind).is_in(list(which)).fill_null(False)
                              .cast(nw.Int64).alias(f))
    _, _, rel = _relative_time(time, period_length)
    # period of each experience; min(.., P - 1) only matters within 1e-9 of a
    # fractional end, where floor() could name the period after the last one
    p_expr = nw.min_horizontal(rel.floor().cast(nw.Int64), nw.col(_PCOL) - 1)
    ep = (ej.with_columns(*flag_exprs, p_expr.alias(_PER))
            .filter(nw.any_horizontal(*[nw.col(f) > 0 for f in flags], ignore_nulls=True))
            .group_by(_CID, _PER).agg(*[nw.col(f).sum() for f in flags]))
    cums = [f"{_P}c{j}" for j in range(len(flags))]
    ep = _cumulative(ep, backend, _CID, _PER, flags, cums)
    before = [f"{_P}b{j}" for j in range(len(flags))]
    after = [f"{_P}a{j}" for j in range(len(flags))]
    steps = ep.with_columns(
        *[(nw.col(c) - nw.col(f)).clip(upper_bound=cap).alias(b)
          for c, f, b in zip(cums, flags, before)],
        *[nw.col(c).clip(upper_bound=cap).alias(a) for c, a in zip(cums, after)])
    steps = steps.filter(nw.any_horizontal(
        *[nw.col(b) != nw.col(a) for b, a in zip(before, after)], ignore_nulls=True))
    if by_cols:
        steps = steps.join(cust.select(_CID, *by_cols), on=_CID, how="inner")
    H = _to_pandas(steps.group_by(_PER, *before, *after, *by_cols)
                   .agg(nw.len().alias(f"{_P}n"))
                   .with_columns(nw.col(f"{_P}n").cast(nw.Int64)))
    totals = ep.group_by(_CID).agg(*[nw.col(f).sum() for f in flags])
    cust = cust.join(totals, on=_CID, how="left").with_columns(
        *[nw.col(f).fill_null(0).clip(upper_bound=cap).alias(f) for f in flags])
    return H, cust


def _count_pp_customers(cust: Any, got: dict[str, Any], *, flags: list[str],
                        by_cols: list[str], horizon: int | None) -> tuple[pd.DataFrame, int]:
    """Customers per (periods at risk, event, final counts, by) cell; the number of periods."""
    nw = _nw()
    n_per = int(got[f"{_P}pmax"])
    if horizon is not None:
        n_per = min(n_per, int(horizon))
    G = _to_pandas(cust.group_by(_PCOL, _EVC, *flags, *by_cols)
                   .agg(nw.len().alias(f"{_P}n"))
                   .with_columns(nw.col(f"{_P}n").cast(nw.Int64)))
    return G, n_per



# ---------------------------------------------------------------------------- Dask
def _pp_partition(cpart: pd.DataFrame, epart: pd.DataFrame, kw: dict[str, Any]) -> pd.DataFrame:
    """The pandas :func:`~loyaltystats.tables.person_period` on one co-partitioned pair;
    a DataError comes back as a value so that the driver can add up its counts."""
    from .tables import person_period

    if len(cpart) == 0:
        if len(epart) == 0:
            return pd.DataFrame({"v": [("ok", None)]})
        vals = epart[kw["experience_id"]].to_numpy()
        err = violation("unknown_customers", table="experiences", column=kw["experience_id"],
                        n_rows=len(epart), examples=list(pd.unique(vals))[:5])
        return pd.DataFrame({"v": [("err", err.rule, err.message, err.column, err.n_rows,
                                    list(err.examples))]})
    try:
        cells = person_period(cpart.reset_index(drop=True), epart.reset_index(drop=True), **kw)
    except DataError as exc:
        return pd.DataFrame({"v": [("err", exc.rule, exc.message, exc.column, exc.n_rows,
                                    list(exc.examples))]})
    return pd.DataFrame({"v": [("ok", cells)]})


def _person_period_dask(C: _Frame, E: _Frame, *, checks: list[_KeyCheck], got: dict[str, Any],
                        id: str, start: str, duration: str, event: str, exp_id: str,
                        time: str, kind: str | None, count: Mapping[str, Any],
                        by_cols: list[str], cap: int, period_length: float,
                        horizon: int | None) -> pd.DataFrame:
    """Dask: hash-partition customers and experiences by customer id into the same buckets
    and run the pandas person_period on each bucket pair (customers were validated
    globally before); the cell tables are added up.

    Every experience must find its customer in its own bucket, so a partitioning mismatch
    could not pass silently: it would be reported as experiences of unknown customers.
    (narwhals' Dask joins are not used here: dask-expr may compute two projections of one
    join in different row orders, which broke column assignment after a join.)
    """
    import dask.dataframe as dd

    cdf = C.lf.to_native()[[id, start, duration, event, *by_cols]]
    cols = [exp_id, time] + ([kind] if kind is not None and kind not in (exp_id, time) else [])
    edf = E.lf.to_native()[cols]
    c_dt, e_dt = C.meta[id], E.meta[exp_id]
    if c_dt != e_dt and c_dt.kind in "iuf" and e_dt.kind in "iuf":
        edf = edf.astype({exp_id: c_dt if c_dt.kind in "iu" and e_dt.kind in "iu"
                          else np.float64})
        if c_dt.kind not in "iu":
            cdf = cdf.astype({id: np.float64})
    k = max(cdf.npartitions, edf.npartitions)
    cs = cdf.shuffle(on=id, npartitions=k)
    es = edf.shuffle(on=exp_id, npartitions=k)
    kw = dict(id=id, start=start, duration=duration, event=event, experience_id=exp_id,
              time=time, kind=kind or "kind", count=dict(count), by=by_cols, cap=cap,
              period_length=period_length, horizon=horizon)
    parts = dd.map_partitions(_pp_partition, cs, es, kw, align_dataframes=False,
                              meta=pd.DataFrame({"v": pd.Series(dtype=object)}))
    results = list(parts.compute()["v"])
    errors = [r for r in results if r[0] == "err"]
    if errors:
        # each partition reports the first rule it found broken; the rule first in the
        # order of checks wins, with the offending rows of every partition added up
        for rule in PERSON_PERIOD_EXPERIENCE_ORDER:
            hit = [e for e in errors if e[1] == rule]
            if hit:
                examples: list[Any] = []
                for e in hit:
                    examples += [x for x in e[5] if x not in examples]
                err = DataError(hit[0][2], table="experiences", column=hit[0][3],
                                n_rows=sum(int(e[4]) for e in hit), examples=examples[:5])
                err.rule = rule
                raise err
        _check_pp_cells(C, checks, got, list(count), cap, horizon)
        e = errors[0]
        raise DataError(e[2], table="experiences", column=e[3], n_rows=e[4],
                        examples=e[5])  # pragma: no cover - not expected after validation
    _check_pp_cells(C, checks, got, list(count), cap, horizon)
    frames = [r[1] for r in results if r[1] is not None]
    keys = ["period", *count, *by_cols]
    cells = pd.concat(frames, ignore_index=True)
    cells = (cells.groupby(keys, sort=False, observed=True)[["at_risk", "events"]].sum()
             .reset_index())
    cells = cells.sort_values(keys, kind="mergesort").reset_index(drop=True)
    for c in ("period", *count, "at_risk", "events"):
        cells[c] = cells[c].to_numpy(np.int64)
    return cells


# ---------------------------------------------------------------------------- cells
def _check_pp_cells(C: _Frame, checks: list[_KeyCheck], got: dict[str, Any],
                    names: list[str], cap: int, horizon: int | None) -> None:
    """Raise on missing ``by`` keys, or when the person-period cells would be too many."""
    sizes = _check_keys(C, checks, got, "customers")
    n_per = int(got[f"{_P}pmax"])
    if horizon is not None:
        n_per = min(n_per, int(horizon))
    total = int(np.prod([n_per] + [cap + 1] * len(names) + sizes, dtype=object))
    if total > MAX_CELLS:
        raise violation("too_many_pp_cells", total=total)


def _count_bad(expr: Any) -> Any:
    """``expr`` with missing values counted as bad."""
    return expr.fill_null(True)


def _assemble(G: pd.DataFrame, H: pd.DataFrame | None, C: _Frame, *, names: list[str],
              flags: list[str], by_cols: list[str], cap: int, n_per: int, per: str,
              pcol: str, evc: str) -> pd.DataFrame:
    """Add the steps up along the periods; the cells in the pandas path's order."""
    cnt = f"{_P}n"
    ncov = len(names)
    G = _finish_keys(G, C, by_cols)
    if by_cols:
        combos = (G[by_cols].drop_duplicates().sort_values(by_cols, kind="mergesort")
                  .reset_index(drop=True))
        combos[f"{_P}b"] = np.arange(len(combos))
        G = G.merge(combos, on=by_cols, how="left")
        b_g = G[f"{_P}b"].to_numpy()
    else:
        combos = pd.DataFrame(index=[0])
        b_g = np.zeros(len(G), dtype=np.int64)
    B = len(combos)
    S = (cap + 1) ** ncov

    def state(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
        s = np.zeros(len(frame), dtype=np.int64)
        for c in cols:
            s = s * (cap + 1) + frame[c].to_numpy(np.int64)
        return s

    diff = np.zeros((n_per + 1, S, B), dtype=np.int64)
    events = np.zeros((n_per, S, B), dtype=np.int64)
    w = G[cnt].to_numpy(np.int64)
    P = G[pcol].to_numpy(np.int64)
    final = state(G, flags[:ncov])
    np.add.at(diff, (np.zeros_like(P), np.zeros_like(P), b_g), w)
    np.add.at(diff, (np.minimum(P, n_per), final, b_g), -w)
    ev = G[evc].to_numpy(np.int64) == 1
    last = P - 1
    sel = ev & (last < n_per)
    np.add.at(events, (last[sel], final[sel], b_g[sel]), w[sel])
    if H is not None and len(H):
        H = _finish_keys(H, C, by_cols)
        b_h = (H.merge(combos, on=by_cols, how="left")[f"{_P}b"].to_numpy()
               if by_cols else np.zeros(len(H), dtype=np.int64))
        p = H[per].to_numpy(np.int64)
        wh = H[cnt].to_numpy(np.int64)
        keep = p < n_per
        before = state(H, [f"{_P}b{j}" for j in range(ncov)])
        after = state(H, [f"{_P}a{j}" for j in range(ncov)])
        np.add.at(diff, (p[keep], before[keep], b_h[keep]), -wh[keep])
        np.add.at(diff, (p[keep], after[keep], b_h[keep]), wh[keep])
    at_risk = np.cumsum(diff, axis=0)[:n_per]
    pi, si, bi = np.nonzero(at_risk > 0)   # C order: period, counts, by (the pandas order)
    out: dict[str, Any] = {"period": pi.astype(np.int64)}
    rem = si.astype(np.int64)
    codes = []
    for _ in range(ncov):
        codes.append(rem % (cap + 1))
        rem = rem // (cap + 1)
    for name, c in zip(names, reversed(codes)):
        out[name] = c
    for col in by_cols:
        out[col] = combos[col].iloc[bi].reset_index(drop=True)
    out["at_risk"] = at_risk[pi, si, bi]
    out["events"] = events[pi, si, bi]
    return pd.DataFrame(out)

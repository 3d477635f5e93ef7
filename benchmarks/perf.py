"""One benchmark run: aggregation per engine, cell fits against raw-row fits, scoring.

Run from the repository root::

    python -m benchmarks perf            # 10^6 and 10^7 rows in memory, 10^8 from Parquet
    python -m benchmarks perf --quick    # small sizes, about a minute (CI)

Sections, all measured in this one run on this machine:

1. Aggregation: ``tables.count_cells`` on responses with three small-integer keys and a
   0/1 outcome, per engine (pandas/numpy, Polars eager and lazy, DuckDB relation, Parquet
   path read by DuckDB, Dask from pandas on the threaded scheduler), in ns/row. Medians of
   ``--repeats`` runs after one warm-up call. The in-memory inputs exist before timing.
2. Out of core: the same count from a folder of Parquet files, written in chunks of at most
   10^7 rows, in a fresh child process per (size, reader): the time of the call and the peak
   resident memory of the child (``VmHWM`` from ``/proc/self/status``; ``ru_maxrss`` of a
   child would start at the parent's size at fork). Readers: the path itself (DuckDB),
   ``polars.scan_parquet`` and ``dask.dataframe.read_parquet`` (threaded scheduler, so the
   child's memory is the whole computation).
3. Claim estimators against the naive raw-row fit of the same model(s) with statsmodels, in
   the same run on the same data; the ratio is raw time / loyaltystats time. See the notes
   written with the table for what each baseline fits.
4. Scoring: ``LoyaltyScorer.score`` on a DataFrame of 10^6 records (records/s).
5. The claim estimators that count in the engine, on a Parquet folder through DuckDB
   against ``pd.read_parquet`` then the pandas call, at 10^6 and 10^7 rows (``--quick``:
   10^4), each run in a fresh child process with its peak memory
   (``benchmarks/bench_engine_estimators.py``).

Writes ``benchmarks/results/perf-YYYY-MM-DD[-quick].md`` (cores, memory, versions, command).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from benchmarks._timing import median_seconds, mem_total_gib
from benchmarks._timing import versions as _versions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
KEYS = ["grade", "negatives", "segment"]
CHUNK = 10_000_000


# ---------------------------------------------------------------------------- helpers
def responses(n: int, seed: int = 1) -> pd.DataFrame:
    """Survey responses: grade 1-10, negatives 0-3, segment 0-2 (int8), stayed (bool)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "grade": rng.integers(1, 11, n).astype(np.int8),
        "negatives": rng.integers(0, 4, n).astype(np.int8),
        "segment": rng.integers(0, 3, n).astype(np.int8),
        "stayed": rng.random(n) < 0.7,
    })


def write_parquet(folder: Path, n: int) -> int:
    """``n`` response rows as Parquet files of at most CHUNK rows; returns the file count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    done, i = 0, 0
    while done < n:
        m = min(CHUNK, n - done)
        table = pa.Table.from_pandas(responses(m, seed=100 + i), preserve_index=False)
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=1 << 20)
        done += m
        i += 1
    return i


def timed(fn: Callable[[], Any], repeats: int) -> float:
    # warm-up first: imports, caches, JIT of the engines
    return median_seconds(fn, repeats, warmup=True)


def once(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def versions() -> dict[str, str]:
    return _versions(("loyaltystats", "numpy", "pandas", "statsmodels", "narwhals", "polars", "duckdb", "dask", "distributed", "pyarrow"))


def fmt_n(n: int) -> str:
    e = int(np.log10(n))
    return f"10^{e}" if 10**e == n else f"{n:,}"


# ---------------------------------------------------------------------------- 1. in memory
def engine_inputs(df: pd.DataFrame, folder: Path) -> dict[str, Callable[[], Any]]:
    """Input builders per engine (built before timing; the Parquet file is written once)."""
    out: dict[str, Callable[[], Any]] = {"pandas (numpy bincount)": lambda: df}
    try:
        import polars as pl

        pdf = pl.from_pandas(df)
        out["Polars DataFrame"] = lambda: pdf
        out["Polars LazyFrame"] = lambda: pdf.lazy()
    except ImportError:
        pass
    try:
        import duckdb
        import pyarrow as pa

        tbl = pa.Table.from_pandas(df, preserve_index=False)
        con = duckdb.connect()
        out["DuckDB relation (Arrow table)"] = lambda: con.from_arrow(tbl)
        path = folder / "in_memory.parquet"
        import pyarrow.parquet as pq

        pq.write_table(tbl, path, row_group_size=1 << 20)
        out["Parquet path (DuckDB)"] = lambda: str(path)
    except ImportError:
        pass
    try:
        import dask.dataframe as dd

        ddf = dd.from_pandas(df, npartitions=max(2, len(df) // 2_000_000))
        out["Dask DataFrame (threaded)"] = lambda: ddf
    except ImportError:
        pass
    return out


def bench_aggregation(sizes: list[int], repeats: int, tmp: Path) -> list[dict[str, Any]]:
    from loyaltystats.tables import count_cells

    rows = []
    for n in sizes:
        df = responses(n)
        ref = count_cells(df, KEYS, outcome="stayed")
        for name, make in engine_inputs(df, tmp).items():
            data = make()
            got = count_cells(data, KEYS, outcome="stayed")
            same = got.equals(ref)
            secs = timed(lambda d=data: count_cells(d, KEYS, outcome="stayed"), repeats)
            rows.append({"engine": name, "rows": n, "seconds": secs,
                         "ns_per_row": 1e9 * secs / n, "same": same})
            print(f"  {name:32s} {fmt_n(n):>6s}: {secs:8.3f} s {1e9 * secs / n:8.1f} ns/row"
                  f"{'' if same else '  (DIFFERENT TABLE)'}", flush=True)
        del df
    return rows


# ---------------------------------------------------------------------------- 2. Parquet
CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from loyaltystats.tables import count_cells
reader, folder = {reader!r}, {folder!r}
if reader == "duckdb":
    data = folder + "/*.parquet"
elif reader == "polars":
    import polars as pl
    data = pl.scan_parquet(folder + "/*.parquet")
else:
    import dask, dask.dataframe as dd
    dask.config.set(scheduler="threads")
    data = dd.read_parquet(folder)
import duckdb, narwhals  # imports outside the timing
t0 = time.perf_counter()
cells = count_cells(data, {keys!r}, outcome="stayed")
secs = time.perf_counter() - t0
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({{"seconds": secs, "peak_kib": int(hwm), "n": int(cells["n"].sum()),
                  "cells": len(cells)}}))
"""


def bench_parquet(sizes: list[int], readers: list[str], tmp: Path,
                  budget_s: float) -> list[dict[str, Any]]:
    rows = []
    t_start = time.perf_counter()
    for n in sizes:
        folder = tmp / f"parquet_{n}"
        t0 = time.perf_counter()
        files = write_parquet(folder, n)
        gen = time.perf_counter() - t0
        size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        print(f"  wrote {fmt_n(n)} rows in {files} files ({size_mb:.0f} MB) in {gen:.1f} s",
              flush=True)
        for reader in readers:
            if time.perf_counter() - t_start > budget_s and n > min(sizes):
                print(f"  skipped {reader} at {fmt_n(n)}: time budget used up", flush=True)
                rows.append({"reader": reader, "rows": n, "skipped": True})
                continue
            code = CHILD.format(root=str(ROOT / "src"), reader=reader, folder=str(folder),
                                keys=KEYS)
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, cwd=ROOT)
            if proc.returncode != 0:
                err = proc.stderr.strip().splitlines()[-1] if proc.stderr else "?"
                print(f"  {reader} at {fmt_n(n)} failed: {err}", flush=True)
                rows.append({"reader": reader, "rows": n, "error": err})
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res.update(reader=reader, rows=n, files=files, size_mb=size_mb)
            assert res["n"] == n
            rows.append(res)
            print(f"  {reader:7s} {fmt_n(n):>6s}: {res['seconds']:8.2f} s "
                  f"{1e9 * res['seconds'] / n:6.1f} ns/row, peak {res['peak_kib'] / 1024**2:.2f}"
                  " GiB", flush=True)
        shutil.rmtree(folder)
    return rows


# ---------------------------------------------------------------------------- 3. estimators
def _quiet_fit(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def dose_data(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.poisson(1.0, n).astype(np.int8)
    p = np.array([0.10, 0.55, 0.75, 0.88])[np.minimum(k, 3)]
    return pd.DataFrame({"negatives": k, "switched": rng.random(n) < p})


def naive_dose(df: pd.DataFrame) -> dict[str, float]:
    """statsmodels Logit on the rows: the two models dose_response fits (k categorical and
    k linear, counts capped at 3)."""
    import statsmodels.api as sm

    k = np.minimum(df["negatives"].to_numpy(), 3).astype(float)
    y = df["switched"].to_numpy(float)
    one = np.ones_like(k)
    cat = _quiet_fit(lambda: sm.Logit(y, np.column_stack(
        [one, k == 1, k == 2, k == 3]).astype(float)).fit(disp=False))
    lin = _quiet_fit(lambda: sm.Logit(y, np.column_stack([one, k])).fit(disp=False))
    return {"log_or_per_negative": float(lin.params[1]), "log_or_1": float(cat.params[1])}


def hazard_data(n: int, horizon: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dur = rng.integers(1, horizon + 7, n).astype(float)
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0, "end": dur,
                         "switched": rng.random(n) < 0.35})
    k = rng.poisson(1.2, n)
    who = np.repeat(np.arange(n), k)
    exp = pd.DataFrame({"customer_id": who, "time": rng.random(len(who)) * dur[who],
                        "kind": "negative"})
    return cust, exp


def person_month_rows(cust: pd.DataFrame, exp: pd.DataFrame, horizon: int,
                      cap: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw person-month rows (period, negatives so far capped, event) within the horizon."""
    d = cust["end"].to_numpy() - cust["start"].to_numpy()
    P = np.ceil(d - 1e-9).astype(np.int64)
    Ph = np.minimum(P, horizon)
    offsets = np.concatenate([[0], np.cumsum(Ph)[:-1]])
    total = int(Ph.sum())
    row_c = np.repeat(np.arange(len(cust)), Ph)
    period = np.arange(total) - offsets[row_c]
    who = exp["customer_id"].to_numpy()
    p = np.floor(exp["time"].to_numpy()).astype(np.int64)
    keep = p < Ph[who]
    cum = np.cumsum(np.bincount(offsets[who[keep]] + p[keep], minlength=total))
    before = np.concatenate([[0], cum[offsets[1:] - 1]])
    neg = np.minimum(cum - before[row_c], cap)
    ev = cust["switched"].to_numpy()
    event = np.zeros(total, bool)
    last = offsets + Ph - 1
    hit = ev & (P <= horizon)
    event[last[hit]] = True
    return period, neg, event


def naive_hazard(period: np.ndarray, neg: np.ndarray, event: np.ndarray,
                 horizon: int) -> dict[str, float]:
    """statsmodels GLM (binomial, cloglog) on the person-month rows: period dummies and
    negatives categorical, the primary model of hazard(method='discrete')."""
    import statsmodels.api as sm

    X = np.zeros((len(period), horizon + 3))
    X[np.arange(len(period)), period] = 1.0          # one intercept per period
    for j in (1, 2, 3):
        X[:, horizon + j - 1] = neg == j
    fam = sm.families.Binomial(link=sm.families.links.CLogLog())
    fit = _quiet_fit(lambda: sm.GLM(event.astype(float), X, family=fam).fit())
    return {f"log_hr[k={j}]": float(fit.params[horizon + j - 1]) for j in (1, 2, 3)}


def bench_estimators(n_dose: int, n_hazard: int, n_thr: int, raw_thr: int, raw_ord: int,
                     repeats: int) -> list[dict[str, Any]]:
    from loyaltystats.switching import dose_response, hazard

    out: list[dict[str, Any]] = []

    def add(**row: Any) -> None:
        out.append(row)
        r = row
        print(f"  {r['estimator']:28s} {r['rows']:>12,} rows: {r['ours_s']:.3f} s vs "
              f"{r['raw_s']:.2f} s on {r['raw_rows']:,} raw rows -> {r['ratio']:,.0f}x "
              f"{r.get('parity', '')}", flush=True)

    # dose_response
    df = dose_data(n_dose)
    res = dose_response(df)
    ours = timed(lambda: dose_response(df), repeats)
    raw: dict[str, float] = {}
    raw_s = once(lambda: raw.update(naive_dose(df)))
    est = res.estimates.set_index("term")["estimate"]
    diff = abs(np.log(est["odds_ratio_per_negative"]) - raw["log_or_per_negative"])
    add(estimator="switching.dose_response", rows=n_dose, ours_s=ours, raw_rows=n_dose,
        raw_s=raw_s, ratio=raw_s / ours, baseline="statsmodels Logit x2 (k categorical, "
        "k linear) on the rows", parity=f"log odds ratio per negative differs by {diff:.1e}")
    del df

    # hazard, discrete
    horizon = 12
    cust, exp = hazard_data(n_hazard, horizon)
    res = hazard(cust, exp, period=1.0, horizon=horizon)
    ours = timed(lambda: hazard(cust, exp, period=1.0, horizon=horizon), repeats)
    period, neg, event = person_month_rows(cust, exp, horizon)
    raw = {}
    raw_s = once(lambda: raw.update(naive_hazard(period, neg, event, horizon)))
    est = res.estimates.set_index("term")["estimate"]
    diff = max(abs(np.log(est[f"hr[k={lab}]"]) - raw[f"log_hr[k={j}]"])
               for j, lab in ((1, "1"), (2, "2"), (3, "3+")))
    add(estimator="switching.hazard (discrete)", rows=len(period), ours_s=ours,
        raw_rows=len(period), raw_s=raw_s, ratio=raw_s / ours,
        baseline=f"statsmodels GLM cloglog, period + negatives dummies ({horizon + 3} "
        f"columns), the primary model only, on {len(period):,} person-month rows of "
        f"{n_hazard:,} customers (row expansion not timed)",
        parity=f"log hazard ratios k=1..3+ differ by at most {diff:.1e}")

    # thresholds (present since the thresholds family landed)
    try:
        from benchmarks.bench_thresholds import make_rows, raw_logits, raw_ordered_model

        from loyaltystats.thresholds import by_level, loyalty_curve
    except ImportError as exc:
        print(f"  thresholds skipped: {exc}")
        return out
    df = make_rows(n_thr)
    for name, call, raw_fn, n_raw, what in (
        ("thresholds.by_level",
         lambda d: by_level(d, "grade", "expectation", claimed={"met": 8, "exceeded": 9}),
         raw_ordered_model, raw_ord, "statsmodels OrderedModel (logit, BFGS) on raw rows"),
        ("thresholds.loyalty_curve",
         lambda d: loyalty_curve(d, "grade", "retained", n_boot=200, seed=0),
         raw_logits, raw_thr, "statsmodels Logit on raw rows, the 19 models loyalty_curve "
                              "fits (no bootstrap)"),
    ):
        sub = df.iloc[:n_raw]
        try:
            # the ratio compares both sides on the same rows (never a per-row extrapolation);
            # the time on all n_thr rows is reported beside it
            ours = timed(lambda c=call, d=sub: c(d), repeats)
            ours_all = timed(lambda c=call: c(df), repeats)
        except Exception as exc:  # noqa: BLE001 - the family is still being finished
            print(f"  {name} failed: {exc!r}")
            out.append({"estimator": name, "error": repr(exc)})
            continue
        raw_s = raw_fn(sub)
        add(estimator=name, rows=n_raw, ours_s=ours, raw_rows=n_raw, raw_s=raw_s,
            ratio=raw_s / ours, baseline=what,
            parity=f"loyaltystats on all {n_thr:,} rows: {ours_all:.3f} s (no baseline "
                   "at that size)")
    return out


# ---------------------------------------------------------------------------- 4. scoring
def bench_scoring(n: int, repeats: int) -> dict[str, Any]:
    from benchmarks.bench_scoring import records

    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    w = generate(50_000, seed=1)
    scorer = LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)
    df = records(n)
    secs = timed(lambda: scorer.score(df), repeats)
    print(f"  LoyaltyScorer.score: {n:,} records in {secs:.3f} s = {n / secs:,.0f} records/s",
          flush=True)
    return {"records": n, "seconds": secs, "per_second": n / secs}


# ---------------------------------------------------------------------------- report
def bench_engine_estimators(sizes: list[int], repeats: int, tmp: Path) -> list[dict[str, Any]]:
    """Section 5: the claim estimators counted in the engine, from Parquet through DuckDB,
    against pandas (``benchmarks/bench_engine_estimators.py``, fresh child per run)."""
    from benchmarks import bench_engine_estimators as bee

    rows, _ = bee.bench(sizes, {n: repeats for n in sizes}, 720.0, tmp, list(bee.ESTIMATORS))
    return rows


def report(args: argparse.Namespace, cmd: str, agg: list[dict[str, Any]],
           pq_rows: list[dict[str, Any]], est: list[dict[str, Any]],
           score: dict[str, Any], total_s: float,
           eng: list[dict[str, Any]] | None = None) -> str:
    v = versions()
    lines = [f"# Performance run {dt.date.today().isoformat()}"
             + (" (quick)" if args.quick else ""), "",
             f"Command: `{cmd}` (total {total_s:.0f} s).", "",
             f"Machine: {os.cpu_count()} cores, {mem_total_gib():.1f} GiB memory, "
             f"{platform.platform()}.", "",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
             "## 1. Aggregation per engine (in memory)", "",
             "`count_cells(data, ['grade', 'negatives', 'segment'], outcome='stayed')`; three "
             "int8 keys (10 x 4 x 3 cells) and a boolean outcome. Median of "
             f"{args.repeats} runs after a warm-up; the input exists before timing (the "
             "Parquet row reads a single file written before timing). 'same' = the cell "
             "table equals the pandas path's exactly.", "",
             "| engine | rows | time | ns/row | same |", "|---|---|---|---|---|"]
    for r in agg:
        lines.append(f"| {r['engine']} | {fmt_n(r['rows'])} | {r['seconds']:.3f} s | "
                     f"{r['ns_per_row']:.1f} | {'yes' if r['same'] else 'NO'} |")
    lines += ["", "## 2. Out of core: Parquet folder, fresh child process per run", "",
              "Same count from a folder of Parquet files (written in chunks of at most "
              f"{CHUNK:,} rows, row groups of 2^20). Time of the call only (imports "
              "before); peak memory = VmHWM of the child (interpreter, libraries and the "
              "engine; the data never sits in memory at once for DuckDB).", "",
              "| reader | rows | files | size | time | ns/row | peak memory |",
              "|---|---|---|---|---|---|---|"]
    names = {"duckdb": "path -> DuckDB (default)", "polars": "polars.scan_parquet",
             "dask": "dask read_parquet (threaded)"}
    for r in pq_rows:
        if r.get("skipped") or r.get("error"):
            lines.append(f"| {names[r['reader']]} | {fmt_n(r['rows'])} | | | "
                         f"{'skipped (time budget)' if r.get('skipped') else r['error']} | | |")
            continue
        lines.append(f"| {names[r['reader']]} | {fmt_n(r['rows'])} | {r['files']} | "
                     f"{r['size_mb']:.0f} MB | {r['seconds']:.2f} s | "
                     f"{1e9 * r['seconds'] / r['rows']:.1f} | "
                     f"{r['peak_kib'] / 1024**2:.2f} GiB |")
    lines += ["", "## 3. Claim estimators: cell fit against the raw-row fit", "",
              "loyaltystats time = the whole public call (validation, counting, every model "
              f"it fits, intervals), median of {args.repeats}. Raw-row time = statsmodels on "
              "the same data, one run. Ratio = raw / loyaltystats, both on the same rows. "
              "Parity: the same coefficient from both (the thresholds rows give loyaltystats' "
              "time on the larger N instead; their agreement is pinned in "
              "tests/test_thresholds_reference.py).", "",
              "| estimator | rows | loyaltystats | raw-row baseline | baseline rows | "
              "baseline time | ratio | parity |", "|---|---|---|---|---|---|---|---|"]
    for r in est:
        if "error" in r:
            lines.append(f"| {r['estimator']} | | failed: {r['error']} | | | | | |")
            continue
        lines.append(f"| {r['estimator']} | {r['rows']:,} | {r['ours_s']:.3f} s | "
                     f"{r['baseline']} | {r['raw_rows']:,} | {r['raw_s']:.2f} s | "
                     f"{r['ratio']:,.0f}x | {r.get('parity', '')} |")
    lines += ["", "## 4. Scoring", "",
              f"`LoyaltyScorer.score` on a DataFrame of {score['records']:,} records "
              f"(median of {args.repeats}): {score['seconds']:.3f} s = "
              f"{score['per_second']:,.0f} records/s.", ""]
    if eng:
        lines += ["## 5. Claim estimators from Parquet against pandas", "",
                  "Each estimator on 4 Parquet files: *pandas* = `pd.read_parquet` of the "
                  "columns it reads, then the call; *engine* = the call on the path (DuckDB, "
                  "out of core). A fresh child process per run; peak = its `VmHWM` "
                  "(about 0.26 GiB of it is the interpreter and libraries). Medians of "
                  f"{args.repeats} run(s). Full method: `python benchmarks/"
                  "bench_engine_estimators.py` and benchmarks/results/engine-estimators.md.",
                  "", "| estimator | rows | pandas load + call | engine | engine / pandas "
                  "load + call | peak pandas | peak engine | max diff |",
                  "|---|---|---|---|---|---|---|---|"]
        pandas_rows = {(r["estimator"], r["rows"]): r for r in eng if r["input"] == "pandas"}
        for r in eng:
            if r["input"] != "engine":
                continue
            p = pandas_rows.get((r["estimator"], r["rows"]), {})
            if "error" in r or "error" in p or "ratio_total" not in r:
                lines.append(f"| {r['estimator']} | {fmt_n(r['rows'])} | failed: "
                             f"{r.get('error') or p.get('error')} | | | | | |")
                continue
            lines.append(f"| {r['estimator']} | {fmt_n(r['rows'])} | {p['total_s']:.3f} s | "
                         f"{r['total_s']:.3f} s | {r['ratio_total']:.2f} | "
                         f"{p['peak_gib']:.2f} GiB | {r['peak_gib']:.2f} GiB | "
                         f"{r['diff']:.1e} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks perf", description=__doc__
                                 .splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, about a minute (CI)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--out-of-core-rows", type=int, default=None,
                    help="largest Parquet size (default 10^8; --quick 10^6)")
    ap.add_argument("--parquet-budget", type=float, default=600.0,
                    help="seconds after which larger Parquet sizes are skipped")
    ap.add_argument("--hazard-customers", type=int, default=None,
                    help="customers for the hazard comparison (default 1.2e6, about 10^7 "
                         "person-months; --quick 20,000)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    q = args.quick
    args.repeats = args.repeats or (1 if q else 3)
    cmd = "python -m benchmarks perf" + (" " + " ".join(argv) if argv else "")
    big = args.out_of_core_rows or (10**6 if q else 10**8)
    t_all = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="ls-perf-"))
    try:
        print("1. aggregation per engine", flush=True)
        agg = bench_aggregation([10**5, 10**6] if q else [10**6, 10**7], args.repeats, tmp)
        print("2. out of core (Parquet)", flush=True)
        sizes = sorted({s for s in ([10**6, big] if q else [10**6, 10**7, big]) if s <= big})
        pq_rows = bench_parquet(sizes, ["duckdb", "polars", "dask"], tmp, args.parquet_budget)
        print("3. estimators: cells vs raw rows", flush=True)
        est = bench_estimators(
            n_dose=10**5 if q else 10**7, n_hazard=args.hazard_customers or (20_000 if q else 1_200_000),
            n_thr=10**5 if q else 10**7, raw_thr=10**5 if q else 10**6,
            raw_ord=10**4 if q else 10**5, repeats=args.repeats)
        print("4. scoring", flush=True)
        score = bench_scoring(10**5 if q else 10**6, args.repeats)
        print("5. claim estimators from Parquet against pandas", flush=True)
        eng = bench_engine_estimators([10**4] if q else [10**6, 10**7], args.repeats, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(args, cmd, agg, pq_rows, est, score, time.perf_counter() - t_all, eng)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"perf-{dt.date.today().isoformat()}{'-quick' if q else ''}.md"
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    else:
        print(text)
    return 0

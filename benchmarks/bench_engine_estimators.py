"""Claim estimators that count in the engine: a Parquet folder (out of core, DuckDB) against
the same estimator on an in-memory pandas DataFrame, with the peak memory of each run.

Run from the repository root::

    python benchmarks/bench_engine_estimators.py            # 10^6 and 10^7 rows
    python benchmarks/bench_engine_estimators.py --quick    # 10^4 and 10^5 rows, one run
    python benchmarks/bench_engine_estimators.py --quick --no-write

Estimators (each also accepts a Parquet path and gives the same results as pandas):
``switching.dose_response``, ``switching.intent_vs_behavior``, ``thresholds.by_level``,
``thresholds.band_table``, ``nps.by_segment`` and ``pyramid.gating``.

Data: one synthetic survey table drawn with numpy (fixed seeds), compact dtypes (int8
scores and counts, boolean flags, pandas ``Categorical`` segment and expectation level),
written with pyarrow as 4 Parquet files with row groups of 2^18 rows into a temporary folder
outside the repository; the folder is deleted at the end.

Every measured call runs in a FRESH child process (``python benchmarks/
bench_engine_estimators.py --worker ...``), so the peak memory is the child's own: ``VmHWM``
from ``/proc/self/status`` read in the child at the end (``ru_maxrss`` of a child would start
at the parent's size at fork). Before the clock starts the child imports the libraries both
paths use (pandas, numpy, statsmodels, scipy, pyarrow, duckdb, narwhals) and makes one
warm-up call on a 2,000-row Parquet file of the same schema (through the same input path),
so first-call costs (lazy imports, DuckDB start-up) are not timed.

* pandas: the child loads the needed columns with ``pd.read_parquet(folder, columns=...)``
  (load time), then calls the estimator on the DataFrame (call time).
* engine: the child calls the estimator on the glob ``folder/*.parquet`` (read by DuckDB,
  only the needed columns, streamed); that call is the whole time.

Runs alternate pandas / engine per repeat so that the noise of the shared machine falls on
both; the tables quote medians and ratios measured in the same run. The engine results are
checked against the pandas results (largest absolute difference over the numeric columns
of ``estimates``).

Writes ``benchmarks/results/engine-estimators.md`` (machine, versions, command, date) unless
``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:  # run as a script (python benchmarks/...) or imported as benchmarks.bench_...
    from benchmarks._timing import mem_total_gib
    from benchmarks._timing import versions as _versions
except ImportError:
    from _timing import mem_total_gib  # type: ignore[no-redef]
    from _timing import versions as _versions  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "engine-estimators.md"
FILES = 4
ROW_GROUP = 1 << 18
LEVELS = ["below", "met", "exceeded"]
SEGMENTS = ["east", "north", "south", "west"]  # sorted: DuckDB returns strings sorted
PYRAMID = ["relevance", "trust", "satisfaction", "loyalty"]

# name -> (columns read, call with `data` as the input)
ESTIMATORS: dict[str, tuple[list[str], str]] = {
    "switching.dose_response": (
        ["negatives", "switched"],
        "dose_response(data, negatives='negatives', switched='switched')"),
    "switching.intent_vs_behavior": (
        ["negatives", "considering_switch", "switched"],
        "intent_vs_behavior(data, negatives='negatives', intent='considering_switch', "
        "switched='switched')"),
    "thresholds.by_level": (
        ["grade", "expectation"],
        "by_level(data, 'grade', 'expectation', claimed={'met': 8, 'exceeded': 9}, "
        f"levels={LEVELS!r})"),
    "thresholds.band_table": (
        ["grade", "retained"],
        "band_table(data, 'grade', outcome='retained')"),
    "nps.by_segment": (
        ["recommend", "segment"],
        "by_segment(data, 'recommend', 'segment')"),
    "pyramid.gating": (
        PYRAMID,
        f"gating(data, {PYRAMID!r})"),
}
IMPORTS = ("from loyaltystats.switching import dose_response, intent_vs_behavior\n"
           "from loyaltystats.thresholds import by_level, band_table\n"
           "from loyaltystats.nps import by_segment\n"
           "from loyaltystats.pyramid import gating\n")


# ---------------------------------------------------------------------------- data
def survey(n: int, seed: int) -> pd.DataFrame:
    """``n`` synthetic survey rows with every column the six estimators read."""
    rng = np.random.default_rng(seed)
    k = rng.poisson(1.0, n).astype(np.int8)
    kc = np.minimum(k, 3)
    intent = rng.random(n) < np.array([0.10, 0.35, 0.55, 0.70])[kc]
    p_switch = np.array([0.08, 0.30, 0.45, 0.60])[kc] * np.where(intent, 1.4, 0.7)
    lv = rng.choice(3, n, p=[0.10, 0.75, 0.15]).astype(np.int8)
    grade = np.clip(np.rint(8 + np.array([-2.3, 0.0, 1.3])[lv] + rng.normal(0, 0.9, n)),
                    1, 10).astype(np.int8)
    seg = rng.integers(0, len(SEGMENTS), n).astype(np.int8)
    rec = np.clip(np.rint(7.5 + np.array([-0.6, 0.0, 0.3, 0.5])[seg]
                          + rng.normal(0, 1.8, n)), 0, 10).astype(np.int8)
    cols: dict[str, Any] = {
        "negatives": k,
        "considering_switch": intent,
        "switched": rng.random(n) < p_switch,
        "grade": grade,
        "expectation": pd.Categorical.from_codes(lv, LEVELS, ordered=True),
        "retained": rng.random(n) < np.where(grade >= 9, 0.85, 0.55),
        "recommend": rec,
        "segment": pd.Categorical.from_codes(seg, SEGMENTS),
    }
    prev = rng.integers(1, 6, n)
    for name in PYRAMID:  # gating: a level tends to be high only when the one below is
        if name != PYRAMID[0]:
            up = prev >= 4
            prev = np.where(up, rng.choice(5, n, p=[0.05, 0.10, 0.20, 0.35, 0.30]),
                            rng.choice(5, n, p=[0.20, 0.30, 0.30, 0.15, 0.05])) + 1
        cols[name] = prev.astype(np.int8)
    return pd.DataFrame(cols)


def write_parquet(folder: Path, n: int, files: int = FILES, seed: int = 0) -> float:
    """``n`` rows as ``files`` Parquet files (row groups of ROW_GROUP); returns MB on disk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, n, files + 1).astype(np.int64)
    for i in range(files):
        table = pa.Table.from_pandas(survey(int(bounds[i + 1] - bounds[i]), seed + i),
                                     preserve_index=False)
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=ROW_GROUP)
    return sum(f.stat().st_size for f in folder.iterdir()) / 1e6


# ---------------------------------------------------------------------------- child
def _status(key: str) -> int:
    """A ``/proc/self/status`` memory field in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One measured call in this (fresh) process; prints nothing, returns the record."""
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT / "src"))
    import duckdb  # noqa: F401 - imported before the clock, for both paths
    import narwhals  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import scipy.stats  # noqa: F401
    import statsmodels.api  # noqa: F401

    env: dict[str, Any] = {}
    exec(IMPORTS, env)
    cols, call = ESTIMATORS[spec["estimator"]]
    engine = spec["input"] == "engine"

    def source(folder: str) -> tuple[Any, float]:
        t0 = time.perf_counter()
        if engine:
            return folder + "/*.parquet", 0.0
        df = pd.read_parquet(folder, columns=cols)
        return df, time.perf_counter() - t0

    env["data"] = source(spec["warmup"])[0]
    eval(call, env)  # warm-up on the small file: lazy imports, DuckDB start-up
    env.pop("data")
    rss0 = _status("VmRSS")

    data, load = source(spec["folder"])
    env["data"] = data
    t0 = time.perf_counter()
    res = eval(call, env)
    secs = time.perf_counter() - t0
    peak = _status("VmHWM")
    t0 = time.perf_counter()
    eval(call, env)  # the same call again in this process (not in the peak)
    again = time.perf_counter() - t0
    est = res.estimates
    num = est[["estimate", "ci_low", "ci_high", "n"]].astype(float)
    return {"load_s": load, "call_s": secs, "again_s": again, "peak_kib": peak,
            "rss_before_kib": rss0, "terms": est["term"].astype(str).tolist(),
            "values": num.to_numpy().tolist(),
            "verdict": getattr(res, "verdict", None)}


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                           json.dumps(spec)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        err = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"
        return {"error": err}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- helpers
def versions() -> dict[str, str]:
    return _versions(("loyaltystats", "numpy", "pandas", "statsmodels", "scipy", "narwhals", "duckdb", "pyarrow"))


def thp() -> str:
    """The kernel's transparent huge page settings (the selected values)."""
    out = []
    for key in ("enabled", "defrag"):
        try:
            text = Path(f"/sys/kernel/mm/transparent_hugepage/{key}").read_text()
            out.append(f"{key} = {text.split('[')[1].split(']')[0]}")
        except (OSError, IndexError):
            out.append(f"{key} unknown")
    return ", ".join(out)


def fmt_n(n: int) -> str:
    e = int(np.log10(n))
    return f"10^{e}" if 10**e == n else f"{n:,}"


def gib(kib: float) -> float:
    return kib / 1024**2


def max_diff(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Largest absolute difference of the estimates (inf if the terms differ)."""
    if a["terms"] != b["terms"] or a["verdict"] != b["verdict"]:
        return float("inf")
    x, y = np.array(a["values"], float), np.array(b["values"], float)
    both_nan = np.isnan(x) & np.isnan(y)
    d = np.abs(x - y)
    d[both_nan] = 0.0
    return float(np.nanmax(d)) if d.size else 0.0


# ---------------------------------------------------------------------------- benchmark
def bench(sizes: list[int], repeats: dict[int, int], budget_s: float, tmp: Path,
          names: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    warm = tmp / "warmup"
    write_parquet(warm, 2_000, files=1, seed=999)
    rows: list[dict[str, Any]] = []
    data_info: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    for n in sizes:
        folder = tmp / f"survey_{n}"
        t0 = time.perf_counter()
        size_mb = write_parquet(folder, n)
        data_info.append({"rows": n, "files": FILES, "size_mb": size_mb,
                          "write_s": time.perf_counter() - t0})
        print(f"wrote {fmt_n(n)} rows: {FILES} files, {size_mb:.1f} MB, "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        for name in names:
            runs: dict[str, list[dict[str, Any]]] = {"pandas": [], "engine": []}
            errors: dict[str, str] = {}
            for r in range(repeats[n]):
                if r > 0 and time.perf_counter() - t_start > budget_s:
                    print(f"  {name} {fmt_n(n)}: time budget used, {r} run(s)", flush=True)
                    break
                for inp in ("pandas", "engine"):
                    if inp in errors:
                        continue
                    res = run_child({"estimator": name, "input": inp, "folder": str(folder),
                                     "warmup": str(warm)})
                    if "error" in res:
                        errors[inp] = res["error"]
                        print(f"  {name} {inp} {fmt_n(n)} failed: {res['error']}", flush=True)
                    else:
                        runs[inp].append(res)
            for inp in ("pandas", "engine"):
                rs = runs[inp]
                if not rs:
                    rows.append({"estimator": name, "rows": n, "input": inp,
                                 "error": errors.get(inp, "no run")})
                    continue
                row = {
                    "estimator": name, "rows": n, "input": inp, "runs": len(rs),
                    "load_s": statistics.median(x["load_s"] for x in rs),
                    "call_s": statistics.median(x["call_s"] for x in rs),
                    "total_s": statistics.median(x["load_s"] + x["call_s"] for x in rs),
                    "again_s": statistics.median(x["again_s"] for x in rs),
                    "peak_gib": statistics.median(gib(x["peak_kib"]) for x in rs),
                    "base_gib": statistics.median(gib(x["rss_before_kib"]) for x in rs),
                }
                if inp == "engine" and runs["pandas"]:
                    p = rows[-1]
                    row["ratio_call"] = row["total_s"] / p["call_s"]
                    row["ratio_total"] = row["total_s"] / p["total_s"]
                    row["ratio_again"] = row["again_s"] / p["again_s"]
                    row["ratio_peak"] = row["peak_gib"] / p["peak_gib"]
                    row["diff"] = max(max_diff(e, runs["pandas"][0]) for e in rs)
                rows.append(row)
                extra = ""
                if "ratio_call" in row:
                    extra = (f"  engine/pandas: {row['ratio_call']:.2f}x call, "
                             f"{row['ratio_total']:.2f}x load+call, {row['ratio_again']:.2f}x "
                             f"2nd call, {row['ratio_peak']:.2f}x "
                             f"peak; max diff {row['diff']:.1e}")
                print(f"  {name:30s} {fmt_n(n):>6s} {inp:6s} x{len(rs)}: load "
                      f"{row['load_s']:.3f} s, call {row['call_s']:.3f} s (2nd "
                      f"{row['again_s']:.3f} s), peak "
                      f"{row['peak_gib']:.2f} GiB{extra}", flush=True)
        shutil.rmtree(folder)
    return rows, data_info


# ---------------------------------------------------------------------------- report
INPUT_NAMES = {"pandas": "pandas (read_parquet, then call)",
               "engine": "Parquet path (DuckDB)"}


def report(cmd: str, quick: bool, rows: list[dict[str, Any]], data_info: list[dict[str, Any]],
           repeats: dict[int, int], total_s: float) -> str:
    v = versions()
    reps = ", ".join(f"{r} at {fmt_n(n)}" for n, r in repeats.items())
    lines = [
        "# Claim estimators from Parquet (DuckDB, out of core) against pandas in memory"
        + (" (quick)" if quick else ""), "",
        f"Date: {dt.date.today().isoformat()}. Command: `{cmd}` (total {total_s:.0f} s).", "",
        f"Machine: {os.cpu_count()} cores, {mem_total_gib():.1f} GiB memory, "
        f"{platform.platform()}; transparent huge pages {thp()}; shared with other jobs, "
        "so times are noisy.", "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        "Written by `benchmarks/bench_engine_estimators.py`; every number below was measured "
        "in this run.", "",
        "## Data", "",
        "One synthetic survey table (numpy, fixed seeds): `negatives` int8 (Poisson 1), "
        "`considering_switch`, `switched`, `retained` bool, `grade` int8 1-10, `expectation` "
        "and `segment` pandas `Categorical` (3 and 4 levels), `recommend` int8 0-10, "
        "`relevance`, `trust`, `satisfaction`, `loyalty` int8 1-5. Written with pyarrow as "
        f"{FILES} Parquet files (row groups of {ROW_GROUP:,} rows, snappy) in a temporary "
        "folder:", "",
        "| rows | files | size on disk | write time |", "|---|---|---|---|"]
    for d in data_info:
        lines.append(f"| {fmt_n(d['rows'])} | {d['files']} | {d['size_mb']:.1f} MB | "
                     f"{d['write_s']:.1f} s |")
    lines += [
        "", "## Method", "",
        "Each measured call runs in a fresh child process. The child first imports pandas, "
        "numpy, scipy, statsmodels, pyarrow, duckdb and narwhals and makes one untimed "
        "warm-up call on a 2,000-row Parquet file through the same input path; then:", "",
        "* **pandas**: `pd.read_parquet(folder, columns=<the columns the estimator reads>)` "
        "(*load*), then the estimator on the DataFrame (*call*). `segment` and `expectation` "
        "come back as pandas `Categorical` (pyarrow keeps the pandas metadata).",
        "* **engine**: the estimator on the glob `folder/*.parquet`, read by DuckDB (only "
        "the needed columns, streamed); that call is the whole time (*load* is 0).", "",
        "*Peak* is `VmHWM` of the child at the end (interpreter, libraries, data and the "
        "call). *Base* is its `VmRSS` after the imports and the warm-up, before the load: "
        "the part of the peak that does not depend on the data. Runs alternate pandas and "
        f"engine; times and peaks are medians of the runs ({reps}; fewer where the time "
        "budget ran out, see *runs*). Ratios are engine / pandas from this run: the engine "
        "call against the pandas *call* alone (data already in memory) and against *load + "
        "call* (both start from the same Parquet files); below 1 the engine is faster or "
        "smaller. *2nd call*: the same call made again in the same child after the peak was "
        "read (the data stay loaded; what a long-lived session pays for a repeated call). "
        "*max diff*: the largest absolute difference between the engine and pandas "
        "`estimates` (estimate, ci_low, ci_high, n; inf if terms or verdict differ).", "",
        "Why *call* and *2nd call* differ for pandas at 10^7 rows: the pandas path allocates "
        "a few hundred MB of numpy temporaries (int64 codes, float copies), and the first "
        "call in a fresh process pays for faulting that memory in. numpy asks for "
        "transparent huge pages on large arrays, and with this kernel's THP setting "
        f"({thp()}) the kernel may compact memory synchronously on that first touch, which "
        "on a shared machine is slow and erratic (checked outside this script: with "
        "`NUMPY_MADVISE_HUGEPAGE=0` the first `dose_response` call at 10^7 rows was a steady "
        "0.29 s, against 0.19-0.77 s with it on and 0.18 s for later calls). The DuckDB "
        "path keeps little memory in Python, so it is hardly affected.", "",
        "## Results", "",
        "| estimator | rows | input | runs | load s | call s | load + call s | 2nd call s "
        "| peak GiB | base GiB | engine / pandas call | engine / pandas load + call | "
        "engine / pandas 2nd call | peak engine / pandas | max diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        head = f"| {r['estimator']} | {fmt_n(r['rows'])} | {INPUT_NAMES[r['input']]} |"
        if "error" in r:
            lines.append(head + f" 0 | failed: {r['error']} | | | | | | | | | | |")
            continue
        load = f"{r['load_s']:.3f}" if r["input"] == "pandas" else "-"
        tail = " | | | | |"
        if "ratio_call" in r:
            tail = (f" {r['ratio_call']:.2f} | {r['ratio_total']:.2f} | "
                    f"{r['ratio_again']:.2f} | {r['ratio_peak']:.2f} | {r['diff']:.1e} |")
        lines.append(head + f" {r['runs']} | {load} | {r['call_s']:.3f} | "
                     f"{r['total_s']:.3f} | {r['again_s']:.3f} | {r['peak_gib']:.2f} | "
                     f"{r['base_gib']:.2f} |" + tail)
    lines += ["", "## Summary (computed from the table)", ""]
    for n in repeats:
        eng = [r for r in rows if r["rows"] == n and "ratio_call" in r]
        if not eng:
            continue
        slower = [f"{r['estimator']} ({r['ratio_call']:.2f}x)" for r in eng
                  if round(r["ratio_call"], 2) > 1]
        slower_total = [r["estimator"] for r in eng if round(r["ratio_total"], 2) > 1]
        slower_again = [f"{r['estimator']} ({r['ratio_again']:.2f}x)" for r in eng
                        if round(r["ratio_again"], 2) > 1]
        bigger = [r["estimator"] for r in eng if round(r["ratio_peak"], 2) > 1]
        lines.append(
            f"* {fmt_n(n)} rows: engine / pandas call {min(r['ratio_call'] for r in eng):.2f}"
            f"-{max(r['ratio_call'] for r in eng):.2f}, engine / pandas load + call "
            f"{min(r['ratio_total'] for r in eng):.2f}-{max(r['ratio_total'] for r in eng):.2f}"
            f", peak {min(r['ratio_peak'] for r in eng):.2f}-"
            f"{max(r['ratio_peak'] for r in eng):.2f}. Engine slower than the pandas call on "
            f"data already in memory: {', '.join(slower) or 'none'}; slower than load + call: "
            f"{', '.join(slower_total) or 'none'}; slower than the pandas 2nd call: "
            f"{', '.join(slower_again) or 'none'}; higher peak: {', '.join(bigger) or 'none'}."
            f" Engine results equal pandas: "
            f"{'yes' if all(r['diff'] == 0 for r in eng) else 'NO (see max diff)'}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 rows, one run each")
    ap.add_argument("--no-write", action="store_true", help="print the report only")
    ap.add_argument("--repeats", type=int, default=None,
                    help="runs per estimator and input (default 3; --quick 1)")
    ap.add_argument("--budget", type=float, default=720.0,
                    help="seconds after which only one run is made per (estimator, input)")
    ap.add_argument("--estimators", nargs="*", default=None, choices=list(ESTIMATORS),
                    help="a subset (default all)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    sizes = [10**4, 10**5] if args.quick else [10**6, 10**7]
    reps = args.repeats or (1 if args.quick else 3)
    repeats = {n: reps for n in sizes}
    cmd = ("python benchmarks/bench_engine_estimators.py " + " ".join(argv)).strip()
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="ls-engine-est-"))
    try:
        rows, data_info = bench(sizes, repeats, args.budget, tmp,
                                args.estimators or list(ESTIMATORS))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(cmd, args.quick, rows, data_info, repeats, time.perf_counter() - t0)
    if args.no_write:
        print(text)
    else:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

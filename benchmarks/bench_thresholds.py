"""Time ``thresholds.by_level`` and ``thresholds.loyalty_curve`` on 10^7 simulated responses
against statsmodels fitted on the raw rows in the same run.

Run::

    python benchmarks/bench_thresholds.py --rows 10000000 --repeats 3 \
        --raw-rows 1000000 --ordinal-raw-rows 100000

The responses are drawn directly with numpy (``generate`` would take minutes at 10^7):
an expectation level (below / met / exceeded, a categorical), a grade 1-10 (int8) shifted by
the level, and a retained flag whose rate jumps at 9. For each function the script prints the
median wall time over ``--repeats`` runs and ns/row. The raw-row baselines are fitted on the
first ``--raw-rows`` (Logit) or ``--ordinal-raw-rows`` (OrderedModel, which is much slower)
rows of the same data:

* ``by_level``: statsmodels ``OrderedModel`` (logit, BFGS) of the grade on the level dummies,
  the proportional-odds fit inside ``by_level``;
* ``loyalty_curve``: statsmodels ``Logit`` for every model ``loyalty_curve`` fits once
  (linear, banded, each step and each hinge candidate: 19 fits). The raw-row side does NOT
  repeat the grid search for the 200 bootstrap replicates that ``loyalty_curve`` includes.

The speed-up compares both sides on the same rows: loyaltystats is timed again on the rows
the baseline could fit in reasonable time (``--raw-rows``, ``--ordinal-raw-rows``); its time
on all ``--rows`` is reported beside, without a ratio (no extrapolation). Peak
resident memory is measured in fresh child processes: the resident size of the data, and per
function the high-water mark during the call (data included). Appends a dated block to benchmarks/results/thresholds.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

try:  # imported as benchmarks.<module> by `python -m benchmarks perf`
    from benchmarks._timing import median_seconds
except ImportError:  # run as a script: benchmarks/ is on sys.path
    from _timing import median_seconds

RESULTS = Path(__file__).parent / "results" / "thresholds.md"
LEVELS = ["below", "met", "exceeded"]


def make_rows(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lv = rng.choice(3, n, p=[0.10, 0.75, 0.15]).astype(np.int8)
    shift = np.array([-2.3, 0.0, 1.3])[lv]
    grade = np.clip(np.rint(8 + shift + rng.normal(0, 0.9, n)), 1, 10).astype(np.int8)
    retained = rng.random(n) < np.where(grade >= 9, 0.85, 0.55)
    return pd.DataFrame({
        "grade": grade,
        "expectation": pd.Categorical.from_codes(lv, LEVELS, ordered=True),
        "retained": retained,
    })


CALLS = {
    "by_level": "by_level(df, 'grade', 'expectation', claimed={'met': 8, 'exceeded': 9})",
    "loyalty_curve": "loyalty_curve(df, 'grade', 'retained', n_boot=200, seed=0)",
    "band_table": "band_table(df, 'grade', outcome='retained')",
}


_time = median_seconds


def _child_peak(n: int, call: str | None) -> tuple[float, float]:
    """(resident GiB after building the data, peak GiB during the call) in a fresh process.

    The peak during the call is read as VmHWM after resetting it (``/proc/self/clear_refs``
    with ``5``, Linux >= 4.0) once the data is built, so it includes the data but not the
    temporaries of building it; without a call it is the peak of building the data.
    """
    code = (
        "import gc, sys; sys.path.insert(0, 'benchmarks');"
        "from bench_thresholds import make_rows, _status;"
        "from loyaltystats.thresholds import by_level, loyalty_curve, band_table;"
        f"df = make_rows({n}); gc.collect(); rss = _status('VmRSS');"
        + ("open('/proc/self/clear_refs', 'w').write('5');" + f"{call};" if call else "")
        + "print(rss, _status('VmHWM'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[1])
    rss, hwm = (int(x) / 1024**2 for x in out.stdout.split())  # KiB -> GiB
    return rss, hwm


def _status(key: str) -> int:
    """A ``/proc/self/status`` memory field in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def raw_ordered_model(df: pd.DataFrame) -> float:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    codes = df["expectation"].cat.codes.to_numpy()
    X = np.column_stack([codes == 1, codes == 2]).astype(float)
    y = pd.Categorical(df["grade"], categories=np.sort(df["grade"].unique()), ordered=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    return time.perf_counter() - t0


def raw_logits(df: pd.DataFrame) -> float:
    import statsmodels.api as sm

    from loyaltystats.scales import GRADE_1_10

    t0 = time.perf_counter()
    s = df["grade"].to_numpy(float)
    y = df["retained"].to_numpy(float)
    one = np.ones_like(s)
    codes = GRADE_1_10.band_codes(s)
    designs = [np.column_stack([one, s]),
               np.column_stack([one, s] + [(codes == j).astype(float) for j in (1, 2, 3)])]
    values = np.sort(np.unique(s))
    designs += [np.column_stack([one, s, (s >= c).astype(float)]) for c in values[1:]]
    designs += [np.column_stack([one, s, np.maximum(s - c, 0.0)]) for c in values[1:-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for X in designs:
            sm.Logit(y, X).fit(disp=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--raw-rows", type=int, default=1_000_000,
                    help="rows for the raw-row statsmodels Logit fits")
    ap.add_argument("--ordinal-raw-rows", type=int, default=100_000,
                    help="rows for the raw-row statsmodels OrderedModel fit")
    ap.add_argument("--no-write", action="store_true", help="do not append to the results file")
    args = ap.parse_args()

    from loyaltystats.thresholds import band_table, by_level, loyalty_curve

    n = args.rows
    t0 = time.perf_counter()
    df = make_rows(n)
    print(f"data: {n:,} rows built in {time.perf_counter() - t0:.2f} s")
    env = {"df": df, "by_level": by_level, "loyalty_curve": loyalty_curve,
           "band_table": band_table}
    ours = {}
    for name, call in CALLS.items():
        eval(call, env)  # warm-up (imports, caches)
        ours[name] = _time(lambda c=call: eval(c, env), args.repeats)
        print(f"{name}: {ours[name]:.3f} s ({1e9 * ours[name] / n:.1f} ns/row)")

    raw = {
        "by_level": ("statsmodels OrderedModel (BFGS) on raw rows", args.ordinal_raw_rows,
                     raw_ordered_model(df.iloc[: args.ordinal_raw_rows])),
        "loyalty_curve": ("statsmodels Logit on raw rows, 19 fits (no bootstrap)",
                          args.raw_rows, raw_logits(df.iloc[: args.raw_rows])),
    }
    # the speed-up compares both sides on the same rows (never a per-row extrapolation)
    same: dict[str, float] = {}
    for name, (what, rows, secs) in raw.items():
        sub_env = {**env, "df": df.iloc[:rows]}
        same[name] = _time(lambda c=CALLS[name], e=sub_env: eval(c, e), args.repeats)
        print(f"{name} baseline: {what}, {rows:,} rows: {secs:.2f} s; loyaltystats on the "
              f"same rows {same[name]:.3f} s; speed-up {secs / same[name]:,.0f}x")

    data_rss, build_peak = _child_peak(n, None)
    peaks = {name: _child_peak(n, call)[1] for name, call in CALLS.items()}
    print(f"memory: {data_rss:.2f} GiB resident after building the data (interpreter, "
          f"libraries and data; {build_peak:.2f} GiB peak while building it); peak during the "
          "call: " + ", ".join(
              f"{k} {v:.2f} GiB (+{v - data_rss:.2f})" for k, v in peaks.items()))
    if args.no_write:
        return

    import numpy
    import statsmodels

    machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
               f"numpy {numpy.__version__}, pandas {pd.__version__}, "
               f"statsmodels {statsmodels.__version__}")
    cmd = ("python benchmarks/bench_thresholds.py " + " ".join(sys.argv[1:])).strip()
    lines = [f"\n## {dt.date.today().isoformat()}: {n:,} rows\n",
             f"Command: `{cmd}`; {machine}. Medians of {args.repeats} runs. Memory in a "
             f"fresh process: {data_rss:.2f} GiB resident after building the data "
             f"(interpreter, libraries and the {n:,}-row frame); 'peak RSS' is the "
             f"high-water mark during the call (reset after building the data), with the "
             f"increment over the resident size in brackets.\n",
             "| function | time | ns/row | peak RSS | raw-row baseline (same data) | baseline rows "
             "| baseline time | loyaltystats on the baseline rows | speed-up (same rows) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in CALLS:
        t = ours[name]
        if name in raw:
            what, rows, secs = raw[name]
            tail = (f"{what} | {rows:,} | {secs:.2f} s | {same[name]:.3f} s | "
                    f"{secs / same[name]:,.0f}x |")
        else:
            tail = "- | - | - | - | - |"
        lines.append(f"| `{CALLS[name]}` | {t:.3f} s | {1e9 * t / n:.1f} | "
                     f"{peaks[name]:.2f} GiB (+{peaks[name] - data_rss:.2f}) | {tail}")
    if not RESULTS.exists():
        RESULTS.write_text(
            "# thresholds benchmark\n\nTargets (issue 4): `by_level` and `loyalty_curve` under "
            "5 s at 10^7 rows on the 2-core machine and at least 20x faster than statsmodels "
            "fitted on the raw rows. Written by `benchmarks/bench_thresholds.py`; every "
            "number below was measured by that script.\n")
    with RESULTS.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()

"""Time ``tables.count_cells`` on 10^7 rows against a pandas groupby baseline.

Run::

    python benchmarks/bench_count_cells.py --rows 10000000 --repeats 5

Prints the median wall time of each method, ns/row, the ratio to the pandas baseline measured
in the same run, and the peak resident memory of a child process doing one count (so the
number includes the input frame). Appends a dated line to benchmarks/results/count_cells.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:  # imported as benchmarks.<module> by `python -m benchmarks perf`
    from benchmarks._timing import median_seconds
except ImportError:  # run as a script: benchmarks/ is on sys.path
    from _timing import median_seconds

RESULTS = Path(__file__).parent / "results" / "count_cells.md"


def make_rows(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "grade": rng.integers(1, 11, n).astype(np.int8),
        "negatives": rng.integers(0, 4, n).astype(np.int8),
        "segment": rng.integers(0, 3, n).astype(np.int8),
        "stayed": rng.random(n) < 0.7,
    })


_time = median_seconds


def _child_peak(n: int) -> float:
    code = (
        "import sys; sys.path.insert(0, 'benchmarks');"
        "from bench_count_cells import make_rows;"
        "from loyaltystats.tables import count_cells;"
        f"df = make_rows({n}); count_cells(df, ['grade', 'negatives', 'segment'], outcome='stayed');"
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts at the parent's size at fork
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024**2  # VmHWM is in KiB -> GiB


def main(argv: list[str] | None = None) -> None:
    from loyaltystats.tables import count_cells

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    df = make_rows(args.rows)
    keys = ["grade", "negatives", "segment"]
    ours = _time(lambda: count_cells(df, keys, outcome="stayed"), args.repeats)
    base = _time(lambda: df.groupby(keys, observed=True)["stayed"].agg(["size", "sum"]),
                 args.repeats)
    peak = _child_peak(args.rows)
    line = (
        f"| {dt.date.today()} | {args.rows:,} | {ours:.3f} s ({1e9 * ours / args.rows:.1f} ns/row) "
        f"| {base:.3f} s ({1e9 * base / args.rows:.1f} ns/row) | {base / ours:.1f}x | {peak:.2f} GiB "
        f"| {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__} |"
    )
    print("count_cells median:", f"{ours:.3f} s;", "pandas groupby median:", f"{base:.3f} s;",
          f"ratio {base / ours:.1f}x; peak RSS of one count incl. data {peak:.2f} GiB")
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text(
                "# count_cells benchmark\n\nCommand: `python benchmarks/bench_count_cells.py`"
                " (3 int8 keys, 120 cells, boolean outcome; medians of --repeats runs)."
                " Target on the 2-core machine: under 1 s at 10^7 rows.\n\n"
                "| date | rows | count_cells | pandas groupby | speed-up | peak RSS | machine |\n"
                "|---|---|---|---|---|---|---|\n"
            )
        with RESULTS.open("a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()

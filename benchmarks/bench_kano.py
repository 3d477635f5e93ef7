"""Time ``kano.prca`` and ``kano.decay`` on 5,000,000 responses with 20 attributes.

Run::

    python benchmarks/bench_kano.py --rows 5000000 --attributes 20 --repeats 3

The rows are generated directly with numpy (not with the simulator): 20 attribute ratings
1-5 (int8; basics, performance attributes, delighters and one decaying delighter with a
half-life of 6 months), a time in months 0-24 and an integer overall grade 1-10. Prints the
median wall time of each call over ``--repeats`` runs in one process, and the peak resident
memory (VmHWM) of fresh child processes that (a) only build the data and (b) build the
data and make one call, so the difference is what the call adds. Appends the results to
benchmarks/results/kano.md unless ``--no-write``.
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

RESULTS = Path(__file__).parent / "results" / "kano.md"


def make_rows(n: int, k: int = 20, seed: int = 1) -> pd.DataFrame:
    """n responses: k ratings 1-5, time 0-24 months, grade 1-10 (int8)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 24, n)
    latent = np.full(n, 7.5)
    cols = {}
    for j in range(k):
        x = rng.integers(1, 6, n, dtype=np.int8)
        cols[f"a{j:02d}"] = x
        low, high = x <= 2, x >= 4
        kind = j % 4
        if j == 0:  # the decaying delighter: reward 1.4 -> 0, penalty 0 -> -1, half-life 6
            fade = np.exp2(-t / 6)
            latent += 1.4 * fade * high - (1 - fade) * low
        elif kind == 0:
            latent -= 0.8 * low  # basic
        elif kind == 1:
            latent += 0.15 * (x - 3)  # performance
        elif kind == 2:
            latent += 0.5 * high  # delighter
    latent += rng.normal(0, 0.8, n)
    grade = np.clip(np.rint(latent), 1, 10).astype(np.int8)
    return pd.DataFrame({"time": t, "grade": grade, **cols})


def run_prca(df: pd.DataFrame, n_boot: int) -> object:
    from loyaltystats.kano import prca

    attrs = [c for c in df.columns if c.startswith("a")]
    return prca(df, "grade", attrs, n_boot=n_boot, seed=1 if n_boot else None)


def run_decay(df: pd.DataFrame, n_boot: int) -> object:
    from loyaltystats.kano import decay

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return decay(df, "grade", "a00", "time", window=1.0, adjust=["a01", "a02"],
                     n_boot=n_boot, seed=1 if n_boot else None)


CALLS = {
    "prca (n_boot=0)": ("run_prca", 0),
    "prca (n_boot=1000, 200 groups)": ("run_prca", 1000),
    "decay (window 1 month, 2 adjust columns, n_boot=500)": ("run_decay", 500),
}


_time = median_seconds


def _child_peak(n: int, k: int, call: str | None) -> float:
    """Peak RSS (GiB) of a fresh process that builds the rows and makes ``call``."""
    lines = ["import sys", "sys.path.insert(0, 'benchmarks')",
             "import bench_kano as b", f"df = b.make_rows({n}, {k})"]
    if call is not None:
        fn, n_boot = CALLS[call]
        lines.append(f"b.{fn}(df, {n_boot})")
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts at the parent's size at fork
    lines.append("print([l.split()[1] for l in open('/proc/self/status') "
                 "if l.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return int(out.stdout.strip()) / 1024**2  # VmHWM is in KiB -> GiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--attributes", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = make_rows(args.rows, args.attributes)
    t_make = time.perf_counter() - t0
    lines = []
    base = _child_peak(args.rows, args.attributes, None)
    print(f"rows {args.rows:,} x {args.attributes} attributes; data built in {t_make:.1f} s; "
          f"peak RSS of building the data alone {base:.2f} GiB")
    for name, (fn, n_boot) in CALLS.items():
        f = globals()[fn]
        res = f(df, n_boot)
        secs = _time(lambda f=f, n_boot=n_boot: f(df, n_boot), args.repeats)
        peak = _child_peak(args.rows, args.attributes, name)
        extra = ""
        if fn == "run_decay":
            e = res.estimates.set_index("term")
            extra = (f"half-life {e.loc['half_life', 'estimate']:.2f} "
                     f"[{e.loc['half_life', 'ci_low']:.2f}, {e.loc['half_life', 'ci_high']:.2f}]"
                     " (truth 6)")
        else:
            extra = f"categories {''.join(res.table['category'])}"
        line = (f"| {name} | {secs:.2f} s | {1e9 * secs / args.rows:.0f} ns/row | "
                f"{peak:.2f} GiB | +{peak - base:.2f} GiB | {extra} |")
        print(line)
        lines.append(line)

    if args.no_write:
        return
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    header = not RESULTS.exists()
    with RESULTS.open("a") as fh:
        if header:
            fh.write("# kano benchmarks\n\nWritten by `benchmarks/bench_kano.py`; every number "
                     "below was measured by that script.\n")
        fh.write(
            f"\n## {stamp}\n\nCommand: `python benchmarks/bench_kano.py --rows {args.rows} "
            f"--attributes {args.attributes} --repeats {args.repeats}`  \n"
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}.  \n"
            f"Data: {args.rows:,} rows x {args.attributes} int8 ratings + time + int8 grade, "
            f"built in {t_make:.1f} s; peak RSS of a process that only builds it: {base:.2f} GiB."
            "\n\n| call | median time | per row | peak RSS (child, VmHWM) | added by the call | result |\n"
            "|---|---|---|---|---|---|\n"
        )
        for line in lines:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()

"""Cost of the strict CSV shape check that ``score_csv`` runs before scoring.

Writes a CSV of ``n`` scoring records, fits a scorer on a small simulated world, and times
(median of ``repeats``) the shape check alone (``_files.check_csv_shape``: one pass of the
stdlib csv reader) against the whole ``score_csv`` call, which includes it.

Run:  python benchmarks/csv_shape_check.py [--n 2000000] [--repeats 3]
Writes benchmarks/results/csv_shape_check.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from loyaltystats._files import check_csv_shape
    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.scoring.batch import score_csv
    from loyaltystats.simulate import generate

    w = generate(3000, seed=2)
    scorer = LoyaltyScorer().fit(w.customers, w.experiences)
    rng = np.random.default_rng(1)
    n = args.n
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "in.csv", Path(d) / "out.csv"
        pd.DataFrame({"customer_id": np.arange(n), "grade": rng.integers(1, 11, n),
                      "recommend": rng.integers(0, 11, n), "negatives": rng.integers(0, 3, n),
                      "tenure_months": rng.integers(0, 24, n)}).to_csv(src, index=False)
        size = os.path.getsize(src) / 1e6
        check, total = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            check_csv_shape(src)
            check.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            score_csv(scorer, src, out, progress=False)
            total.append(time.perf_counter() - t0)
    c, t = statistics.median(check), statistics.median(total)
    text = "\n".join([
        "# Cost of the CSV shape check in score_csv", "",
        f"Command: `python benchmarks/csv_shape_check.py --n {n} --repeats {args.repeats}`", "",
        f"{n:,} records ({size:.1f} MB CSV); medians of {args.repeats} runs on "
        f"{platform.machine()} (CPython {platform.python_version()}).", "",
        "| step | median time |", "|---|---:|",
        f"| shape check alone (stdlib csv, one pass) | {c:.2f} s |",
        f"| score_csv, shape check included | {t:.2f} s |",
        f"| share of the check | {c / t:.0%} |", "",
    ])
    print(text)
    (Path(__file__).resolve().parent / "results" / "csv_shape_check.md").write_text(text)


if __name__ == "__main__":
    main()

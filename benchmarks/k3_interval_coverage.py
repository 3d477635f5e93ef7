"""Coverage of the two intervals of the K3 adaptation factor (``kano.adaptation``).

In the default world (adaptation 0.7) and the K3 false world (adaptation 1), simulates
``reps`` seeded studies of ``n`` customers, fits ``adaptation`` as the claims runner does
(answers with the delighter below neutral as their own baseline stratum) with the
cluster-robust score interval and with the profile F-interval, and counts how often each
interval contains the world's factor.

Run:  python benchmarks/k3_interval_coverage.py [--n 5000] [--reps 100]
Writes benchmarks/results/k3_interval_coverage.md.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from loyaltystats.claims import demo_tables
from loyaltystats.kano import adaptation

WORLDS = (("default (true)", {}, 0.7), ("no adaptation (false)", {"adaptation": 1.0}, 1.0))
INTERVALS = ("robust", "profile")


def run(n: int, reps: int) -> list[dict]:
    warnings.simplefilter("ignore")
    rows = []
    for label, overrides, truth in WORLDS:
        hits = {k: 0 for k in INTERVALS}
        widths: dict[str, list[float]] = {k: [] for k in INTERVALS}
        estimates = []
        for r in range(reps):
            t = demo_tables(n, seed=9000 + r, **overrides)
            resp = t["responses"].assign(delighter_absent=t["responses"]["D1"] < 3)
            for iv in INTERVALS:
                res = adaptation(t["experiences"], resp, "customer_id",
                                 baseline_strata="delighter_absent", interval=iv)
                e = res.estimates.set_index("term").loc["adaptation"]
                hits[iv] += bool(e["ci_low"] <= truth <= e["ci_high"])
                widths[iv].append(float(e["ci_high"] - e["ci_low"]))
                if iv == "robust":
                    estimates.append(float(e["estimate"]))
        for iv in INTERVALS:
            c = hits[iv] / reps
            rows.append({"world": label, "truth": truth, "interval": iv, "coverage": c,
                         "mc_se": math.sqrt(c * (1 - c) / reps),
                         "median_width": float(np.median(widths[iv])),
                         "median_estimate": float(np.median(estimates))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = run(args.n, args.reps)
    secs = time.perf_counter() - t0
    lines = [
        "# Coverage of the K3 adaptation interval (nominal 95%)", "",
        f"Command: `python benchmarks/k3_interval_coverage.py --n {args.n} --reps {args.reps}`",
        "",
        f"{args.reps} seeded studies (demo_tables seeds 9000..) of {args.n:,} customers over 24 "
        f"months per world; run time {secs:.0f} s on {platform.machine()} (CPython "
        f"{platform.python_version()}). Monte Carlo standard error in brackets.", "",
        "| world | truth | interval | coverage | median width | median estimate |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['world']} | {r['truth']:g} | {r['interval']} | {r['coverage']:.3f} "
                     f"({r['mc_se']:.3f}) | {r['median_width']:.3f} | "
                     f"{r['median_estimate']:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parent / "results" / "k3_interval_coverage.md"
    out.write_text(text)


if __name__ == "__main__":
    main()

"""Coverage study of the NPS confidence intervals (claim N1).

For each setting (p_promoters, p_detractors) and sample size n, draws ``reps`` seeded trinomial
samples, computes the Wald, adjusted-Wald (Rocks 2016), Tango score and multinomial-bootstrap
95% intervals from the three counts, and reports the share of intervals that contain the true
NPS, with the Monte Carlo standard error sqrt(c (1 - c) / reps).

Run:  /work/venv/bin/python benchmarks/nps_coverage.py [--reps 2000] [--boot 2000]
Writes benchmarks/results/nps_coverage.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from loyaltystats.nps import nps_interval

SETTINGS = [  # (p_promoters, p_detractors)
    (0.50, 0.20),
    (0.30, 0.30),
    (0.70, 0.10),
    (0.85, 0.05),
    (0.10, 0.60),
    (0.95, 0.02),
]
SIZES = [50, 200, 1000]
METHODS = ["wald", "adjusted", "score", "bootstrap"]


def run(reps: int, n_boot: int, seed: int) -> list[dict]:
    rows = []
    ss = np.random.SeedSequence(seed)
    children = ss.spawn(len(SETTINGS) * len(SIZES))
    k = 0
    for p_pro, p_det in SETTINGS:
        p = np.array([p_det, 1 - p_pro - p_det, p_pro])
        truth = p_pro - p_det
        for n in SIZES:
            rng = np.random.default_rng(children[k])
            k += 1
            counts = rng.multinomial(n, p, size=reps)
            row = {"p_prom": p_pro, "p_det": p_det, "nps": 100 * truth, "n": n}
            for m in METHODS:
                t0 = time.perf_counter()
                lo, hi = nps_interval(counts, method=m, n_boot=n_boot, seed=rng)
                row[f"{m}_s"] = time.perf_counter() - t0
                cov = np.mean((lo <= truth + 1e-12) & (truth - 1e-12 <= hi))
                row[m] = cov
                row[f"{m}_width"] = float(np.mean(hi - lo)) * 100
            rows.append(row)
            print(" ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                           for c in ["p_prom", "p_det", "n"] + METHODS), flush=True)
    return rows


def to_markdown(rows: list[dict], reps: int, n_boot: int, seed: int, cmd: str,
                seconds: float) -> str:
    mcse = np.sqrt(0.95 * 0.05 / reps)
    lines = [
        "# Coverage of NPS confidence intervals (nominal 95%)",
        "",
        f"Command: `{cmd}`",
        "",
        f"Seeded (SeedSequence({seed}), one child stream per setting and n); {reps:,} samples "
        f"per row; bootstrap with {n_boot:,} multinomial replicates of the three counts per "
        f"sample (percentile interval). Monte Carlo standard error of a coverage near 0.95: "
        f"{mcse:.4f}. Total run time {seconds:.0f} s on {platform.machine()} "
        f"({platform.python_implementation()} {platform.python_version()}).",
        "",
        "Coverage = share of the samples whose interval contains the true NPS. Mean width in "
        "NPS points in brackets.",
        "",
        "| p_prom | p_det | true NPS | n | Wald | adjusted (Rocks) | score (Tango) | bootstrap |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [f"{r[m]:.3f} ({r[m + '_width']:.1f})" for m in METHODS]
        lines.append(f"| {r['p_prom']:.2f} | {r['p_det']:.2f} | {r['nps']:.0f} | {r['n']} | "
                     + " | ".join(cells) + " |")
    adj = [r["adjusted"] for r in rows]
    lines += [
        "",
        f"Adjusted interval: coverage from {min(adj):.3f} to {max(adj):.3f} over the "
        f"{len(rows)} rows; {sum(0.93 <= a <= 0.97 for a in adj)} of {len(rows)} rows within "
        "0.93-0.97.",
        "",
        "Worst coverage per method: "
        + ", ".join(f"{m} {min(r[m] for r in rows):.3f}" for m in METHODS) + ".",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "nps_coverage.md"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = run(args.reps, args.boot, args.seed)
    seconds = time.perf_counter() - t0
    cmd = "/work/venv/bin/python benchmarks/nps_coverage.py"
    if (args.reps, args.boot, args.seed) != (2000, 2000, 20240601):
        cmd += f" --reps {args.reps} --boot {args.boot} --seed {args.seed}"
    md = to_markdown(rows, args.reps, args.boot, args.seed, cmd, seconds)
    Path(args.out).write_text(md)
    print(md)


if __name__ == "__main__":
    main()

"""Coverage and error of the Bayesian NPS (loyaltystats.nps.bayes) on a known hierarchy.

Each replicate is one "company" with 16 segments, two of each size in SIZES. A segment's
(detractor, passive, promoter) shares are drawn from Dirichlet(s * m), then its answers from
the multinomial. For each segment four estimates of its true NPS are compared:

- raw: the segment's own NPS, with the adjusted-Wald interval (``nps_interval(method=
  "adjusted")``, the frequentist interval recommended at small n);
- flat: ``nps_posterior(counts)`` with the uniform prior (1, 1, 1), no borrowing;
- EB: ``shrink_segments`` (Dirichlet fitted by marginal likelihood over the 16 segments);
- oracle: ``nps_posterior(counts, prior=s * m)``, the prior that generated the data.

Coverage = share of 95% intervals containing the segment's true NPS; RMSE in NPS points.
Under the oracle prior coverage is nominal by construction (a check of the code), averaged
over the hierarchy; EB should be close to it.

Run:  .venv/bin/python benchmarks/bayes_nps_study.py [--reps 100] [--seed 20261204]
Prints markdown tables (the body of benchmarks/results/bayes-nps.md).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from loyaltystats.nps import nps_interval
from loyaltystats.nps.bayes import nps_posterior, shrink_segments

SIZES = [10, 25, 50, 100, 250, 500, 1000, 2000]
MEAN_SHARES = np.array([0.25, 0.35, 0.40])  # overall NPS 15
SCENARIOS = {"wide spread (s = 20, between-segment sd of NPS 17)": 20.0,
             "narrow spread (s = 200, between-segment sd of NPS 5.6)": 200.0}
METHODS = ["raw", "flat", "EB", "oracle"]


def one_company(s: float, rng: np.random.Generator) -> list[dict]:
    """Draw 16 segments, estimate each four ways; one row per (segment, method)."""
    alpha = s * MEAN_SHARES
    sizes = np.repeat(SIZES, 2)
    shares = rng.dirichlet(alpha, size=len(sizes))
    counts = np.array([rng.multinomial(n, p) for n, p in zip(sizes, shares)])
    truth = 100 * (shares[:, 2] - shares[:, 0])
    rec = np.concatenate([np.repeat([3, 8, 10], c) for c in counts])
    seg = np.repeat([f"s{i:02d}" for i in range(len(sizes))], sizes)
    eb = shrink_segments(pd.DataFrame({"rec": rec, "seg": seg}), "rec", "seg").estimates
    eb = eb.set_index("term").loc[[f"s{i:02d}" for i in range(len(sizes))]]
    lo, hi = nps_interval(counts, method="adjusted")
    rows = []
    for i, n in enumerate(sizes):
        c = tuple(int(v) for v in counts[i])
        flat = nps_posterior(c)
        oracle = nps_posterior(c, prior=tuple(alpha))
        est = {"raw": (100 * (c[2] - c[0]) / n, 100 * lo[i], 100 * hi[i]),
               "flat": (flat.mean, *flat.ci), "oracle": (oracle.mean, *oracle.ci),
               "EB": tuple(eb.iloc[i][["estimate", "ci_low", "ci_high"]].astype(float))}
        for m, (e, a, b) in est.items():
            rows.append({"n": int(n), "method": m, "err": e - truth[i],
                         "covered": a <= truth[i] <= b, "width": b - a})
    return rows


def run(reps: int, seed: int) -> dict[str, pd.DataFrame]:
    out = {}
    for k, (name, s) in enumerate(SCENARIOS.items()):
        rng = np.random.default_rng([seed, k])
        rows = [r for _ in range(reps) for r in one_company(s, rng)]
        out[name] = pd.DataFrame(rows)
    return out


def tables(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    g = df.groupby(["n", "method"])
    cov = g["covered"].mean().unstack()[METHODS]
    width = g["width"].mean().unstack()[METHODS]
    rmse = np.sqrt(g["err"].apply(lambda e: float(np.mean(e**2)))).unstack()[METHODS]
    cov.loc["all"] = df.groupby("method")["covered"].mean()[METHODS]
    width.loc["all"] = df.groupby("method")["width"].mean()[METHODS]
    rmse.loc["all"] = np.sqrt(df.groupby("method")["err"].apply(
        lambda e: float(np.mean(e**2))))[METHODS]
    cov_txt = cov.map(lambda v: f"{v:.3f}") + " (" + width.map(lambda v: f"{v:.1f}") + ")"
    return cov_txt, rmse.round(2)


def markdown(df: pd.DataFrame) -> str:
    """A DataFrame as a markdown table (index first), without the tabulate dependency."""
    head = [str(df.index.name or "")] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for idx, row in df.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20261204)
    args = ap.parse_args()
    t0 = time.perf_counter()
    results = run(args.reps, args.seed)
    secs = time.perf_counter() - t0
    print(f"{args.reps} companies x 16 segments per scenario, seed {args.seed}; "
          f"{secs:.0f} s on {platform.machine()} ({platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()}).\n")
    for name, df in results.items():
        cov, rmse = tables(df)
        k = int((df["method"] == "raw").sum() / len(SIZES))
        print(f"### {name}\n\nCoverage of 95% intervals (mean width in NPS points); "
              f"{k} segments per size, MC standard error near 0.95: "
              f"{np.sqrt(0.95 * 0.05 / k):.3f} per row, "
              f"{np.sqrt(0.95 * 0.05 / (k * len(SIZES))):.3f} for 'all'.\n")
        print(markdown(cov) + "\n")
        print("RMSE of the point estimate (NPS points):\n")
        print(markdown(rmse) + "\n")


if __name__ == "__main__":
    main()

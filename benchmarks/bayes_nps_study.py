"""Coverage and error of the Bayesian NPS (loyaltystats.nps.bayes) on a known hierarchy.

Each replicate is one "company" with 16 segments, two of each size in SIZES. A segment's
(detractor, passive, promoter) shares are drawn from Dirichlet(s * m), then its answers from
the multinomial. For each segment five estimates of its true NPS are compared:

- raw: the segment's own NPS, with the adjusted-Wald interval (``nps_interval(method=
  "adjusted")``, the frequentist interval recommended at small n);
- flat: ``nps_posterior(counts)`` with the uniform prior (1, 1, 1), no borrowing;
- EB: ``shrink_segments(method="empirical")`` (Dirichlet fitted by marginal likelihood over
  the 16 segments and plugged in);
- HB: ``shrink_segments()`` (default ``method="hierarchical"``: the Dirichlet's
  hyperparameters integrated out under their weak prior);
- oracle: ``nps_posterior(counts, prior=s * m)``, the prior that generated the data.

Coverage = share of 95% intervals containing the segment's true NPS; RMSE in NPS points.
Under the oracle prior coverage is nominal by construction (a check of the code), averaged
over the hierarchy; HB should be close to it.

Run:  .venv/bin/python benchmarks/bayes_nps_study.py [--reps 100] [--seed 20261204] [--workers 1]
      [--quick] [--out benchmarks/results/bayes-nps.md]
Prints markdown tables; ``--out`` writes them into the results page (between its markers).
``--quick`` is ``--reps 10``, for trying things (the page is then not written).
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
METHODS = ["raw", "flat", "EB", "HB", "oracle"]
MARK_BEGIN, MARK_END = "<!-- begin generated tables -->", "<!-- end generated tables -->"


def one_company(s: float, rng: np.random.Generator) -> list[dict]:
    """Draw 16 segments, estimate each five ways; one row per (segment, method)."""
    alpha = s * MEAN_SHARES
    sizes = np.repeat(SIZES, 2)
    shares = rng.dirichlet(alpha, size=len(sizes))
    counts = np.array([rng.multinomial(n, p) for n, p in zip(sizes, shares)])
    truth = 100 * (shares[:, 2] - shares[:, 0])
    rec = np.concatenate([np.repeat([3, 8, 10], c) for c in counts])
    seg = np.repeat([f"s{i:02d}" for i in range(len(sizes))], sizes)
    df = pd.DataFrame({"rec": rec, "seg": seg})
    order = [f"s{i:02d}" for i in range(len(sizes))]
    eb = shrink_segments(df, "rec", "seg", method="empirical").estimates.set_index("term")
    hb = shrink_segments(df, "rec", "seg").estimates.set_index("term")
    eb, hb = eb.loc[order], hb.loc[order]
    lo, hi = nps_interval(counts, method="adjusted")
    rows = []
    for i, n in enumerate(sizes):
        c = tuple(int(v) for v in counts[i])
        flat = nps_posterior(c)
        oracle = nps_posterior(c, prior=tuple(alpha))
        est = {"raw": (100 * (c[2] - c[0]) / n, 100 * lo[i], 100 * hi[i]),
               "flat": (flat.mean, *flat.ci), "oracle": (oracle.mean, *oracle.ci),
               "EB": tuple(eb.iloc[i][["estimate", "ci_low", "ci_high"]].astype(float)),
               "HB": tuple(hb.iloc[i][["estimate", "ci_low", "ci_high"]].astype(float))}
        for m, (e, a, b) in est.items():
            rows.append({"n": int(n), "method": m, "err": e - truth[i],
                         "covered": a <= truth[i] <= b, "width": b - a})
    return rows


def _chunk(args: tuple[float, int, int, int, int]) -> list[dict]:
    """Companies ``first .. last - 1`` of scenario ``k`` (each has its own random stream)."""
    s, seed, k, first, last = args
    return [r for j in range(first, last)
            for r in one_company(s, np.random.default_rng([seed, k, j]))]


def run(reps: int, seed: int, workers: int = 1) -> dict[str, pd.DataFrame]:
    """All companies of both scenarios; with ``workers > 1`` in that many processes (the
    numbers do not depend on ``workers``: company ``j`` of scenario ``k`` uses the stream
    ``default_rng([seed, k, j])``)."""
    step = max(1, reps // max(4 * workers, 1))
    jobs = [(s, seed, k, a, min(a + step, reps)) for k, s in enumerate(SCENARIOS.values())
            for a in range(0, reps, step)]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_chunk, jobs))
    else:
        parts = [_chunk(j) for j in jobs]
    out = {}
    for k, name in enumerate(SCENARIOS):
        out[name] = pd.DataFrame([r for j, p in zip(jobs, parts) if j[2] == k for r in p])
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


def report(results: dict[str, pd.DataFrame], header: str) -> str:
    """The markdown body: a header line, then per scenario the coverage and RMSE tables."""
    parts = [header + "\n"]
    for name, df in results.items():
        cov, rmse = tables(df)
        k = int((df["method"] == "raw").sum() / len(SIZES))
        parts.append(f"### {name}\n\nCoverage of 95% intervals (mean width in NPS points); "
                     f"{k} segments per size, MC standard error near 0.95: "
                     f"{np.sqrt(0.95 * 0.05 / k):.3f} per row, "
                     f"{np.sqrt(0.95 * 0.05 / (k * len(SIZES))):.3f} for 'all'.\n")
        parts.append(markdown(cov) + "\n")
        parts.append("RMSE of the point estimate (NPS points):\n")
        parts.append(markdown(rmse) + "\n")
    return "\n".join(parts)


def write_page(path: str, body: str) -> None:
    """Replace the text between the page's markers with ``body``."""
    with open(path) as f:
        text = f.read()
    a, b = text.index(MARK_BEGIN) + len(MARK_BEGIN), text.index(MARK_END)
    with open(path, "w") as f:
        f.write(text[:a] + "\n\n" + body + "\n" + text[b:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--workers", type=int, default=1, help="processes (the machine is shared)")
    ap.add_argument("--quick", action="store_true", help="10 companies, page not written")
    ap.add_argument("--out", default=None, help="results page to update (between its markers)")
    args = ap.parse_args()
    reps = 10 if args.quick else args.reps
    t0 = time.perf_counter()
    results = run(reps, args.seed, args.workers)
    secs = time.perf_counter() - t0
    header = (f"{reps} companies x 16 segments per scenario, seed {args.seed}, "
              f"{args.workers} worker(s); {secs:.0f} s on {platform.machine()} "
              f"({platform.python_implementation()} {platform.python_version()}, "
              f"{platform.system()}).")
    body = report(results, header)
    print(body)
    if args.out and not args.quick:
        write_page(args.out, body)


if __name__ == "__main__":
    main()

"""Coverage of the N2, T2 and N3 deciding intervals, each against an alternative.

N2 (``nps.recency``): the weight of the last transaction, by interval regression (the
default, ``model="interval"``) and by least squares (``model="ols"``). T2
(``thresholds.basics_ceiling``): the predicted grade at perfect basics without the delighter,
with the cluster-robust covariance by customer (what the claims runner passes) and without
(``cluster=None``). N3 (``nps.versus_retention``): Harrell's C of the NPS category with the
runner's percentile bootstrap of 200 replicates and with 500. For each claim's true and false
world (``simulate.estimands``), simulates ``reps`` seeded studies of ``n`` customers (other
seeds than the validity benchmark's), calls the estimator as the claims runner does and counts
how often each interval contains the world's truth (the spec's truth function).

Run:  python benchmarks/interval_coverage.py [--n 5000] [--reps 300] [--workers 2]
Writes benchmarks/results/interval_coverage.md.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

SEED0 = 7000  # demo_tables seeds 7000.. (the validity benchmark uses its own seeds)


def _merge(parts: list[dict]) -> list[dict]:
    """Pool the chunks of one claim, world and interval (hits and medians of the chunks)."""
    out: dict[tuple, dict] = {}
    for r in parts:
        key = (r["claim"], r["world"], r["interval"])
        if key not in out:
            out[key] = {**r, "_hits": 0.0, "_reps": 0, "_w": [], "_e": []}
        o = out[key]
        o["_hits"] += r["coverage"] * r["reps"]
        o["_reps"] += r["reps"]
        o["_w"].append(r["median_width"])
        o["_e"].append(r["median_estimate"])
    rows = []
    for o in out.values():
        c = o["_hits"] / o["_reps"]
        rows.append({**{k: v for k, v in o.items() if not k.startswith("_")},
                     "coverage": c, "mc_se": math.sqrt(c * (1 - c) / o["_reps"]),
                     "reps": o["_reps"], "median_width": float(np.median(o["_w"])),
                     "median_estimate": float(np.median(o["_e"]))})
    return rows


def _job(args: tuple[str, str, int, int, int]) -> list[dict]:
    claim, world, n, reps, seed0 = args
    warnings.simplefilter("ignore")
    from loyaltystats import nps
    from loyaltystats.claims import demo_tables
    from loyaltystats.simulate.estimands import get_spec
    from loyaltystats.thresholds import basics_ceiling

    spec = get_spec(claim)
    params = spec.params(world)
    overrides = dict(spec.true_world if world == "true" else spec.false_world)
    term = spec.terms[0].term
    truth = float(spec.truth(params)[term])
    variants = {"N2": ("interval", "ols"), "T2": ("cluster", "independent"),
                "N3": ("n_boot=200", "n_boot=500")}[claim]
    hits = {v: 0 for v in variants}
    width: dict[str, list[float]] = {v: [] for v in variants}
    est: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(reps):
        t = demo_tables(n, seed=seed0 + r, **overrides)
        for v in variants:
            if claim == "N2":
                res = nps.recency(t["transactions"], t["responses"], customer="customer_id",
                                  score="grade", recommend="recommend", time="time", model=v)
            elif claim == "N3":
                res = nps.versus_retention(t["customers"], predictors=["grade", "negatives"],
                                           duration="duration", event="switched",
                                           recommend="recommend", horizon=12,
                                           n_boot=int(v.split("=")[1]), seed=r)
            else:
                res = basics_ceiling(t["responses"], "grade", ["B1", "B2"], delighters=["D1"],
                                     claimed=8.5,
                                     cluster="customer_id" if v == "cluster" else None)
            e = res.estimates.set_index("term").loc[term]
            hits[v] += bool(e["ci_low"] <= truth <= e["ci_high"])
            width[v].append(float(e["ci_high"] - e["ci_low"]))
            est[v].append(float(e["estimate"]))
    rows = []
    for v in variants:
        c = hits[v] / reps
        rows.append({"claim": claim, "world": world, "term": term, "truth": truth,
                     "interval": v, "coverage": c, "reps": reps,
                     "mc_se": math.sqrt(c * (1 - c) / reps),
                     "median_width": float(np.median(width[v])),
                     "median_estimate": float(np.median(est[v]))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--claims", default="N3,T2,N2",
                    help="comma-separated subset (the results file then names them)")
    ap.add_argument("--seed0", type=int, default=SEED0,
                    help="first demo_tables seed (a later study can take fresh seeds)")
    ap.add_argument("--chunks", type=int, default=1,
                    help="split each claim-world into this many jobs (to use every worker)")
    args = ap.parse_args()
    claims = [c.strip() for c in args.claims.split(",") if c.strip()]
    per = -(-args.reps // args.chunks)
    # the slow jobs first, so that the workers finish together
    jobs = [(c, w, args.n, min(per, args.reps - k * per), args.seed0 + k * per)
            for c in claims for w in ("true", "false") for k in range(args.chunks)
            if args.reps - k * per > 0]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        parts = [row for part in pool.map(_job, jobs) for row in part]
    rows = _merge(parts)
    secs = time.perf_counter() - t0
    cmd = (f"python benchmarks/interval_coverage.py --n {args.n} --reps {args.reps} "
           f"--workers {args.workers}")
    if claims != ["N3", "T2", "N2"]:
        cmd += f" --claims {','.join(claims)}"
    if args.seed0 != SEED0:
        cmd += f" --seed0 {args.seed0}"
    if args.chunks != 1:
        cmd += f" --chunks {args.chunks}"
    lines = [
        f"# Coverage of the {', '.join(claims)} deciding intervals (nominal 95%)", "",
        f"Command: `{cmd}`", "",
        f"{args.reps} seeded studies (demo_tables seeds {args.seed0}..) of {args.n:,} customers over "
        f"24 months per claim and world, each estimator called as the claims runner calls it; "
        f"run time {secs / 60:.1f} min with {args.workers} worker processes on "
        f"{platform.machine()} (CPython {platform.python_version()}). Monte Carlo standard "
        "error of the coverage in brackets. N2: `interval` is the interval regression "
        "(default), `ols` least squares; T2: `cluster` is the covariance clustered by customer "
        "(the runner's), `independent` treats every answer as independent; N3: the "
        "percentile bootstrap with the runner's 200 replicates and with 500.", "",
        "| claim | world | term | truth | interval | coverage | median width | median estimate |",
        "|---|---|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['claim']} | {r['world']} | `{r['term']}` | {r['truth']:.4g} | "
                     f"{r['interval']} | {r['coverage']:.3f} ({r['mc_se']:.3f}) | "
                     f"{r['median_width']:.4f} | {r['median_estimate']:.4f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    name = "interval_coverage" + ("" if claims == ["N3", "T2", "N2"] else "-" + "-".join(claims))
    out = Path(__file__).resolve().parent / "results" / f"{name}.md"
    out.write_text(text)


if __name__ == "__main__":
    main()

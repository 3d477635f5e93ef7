"""Size of loyalty_curve's breakpoint-existence test against the naive chi-square (#20).

Run from the repository root::

    python benchmarks/breakpoint_test_size.py            # 400 worlds of 2,000 customers
    python benchmarks/breakpoint_test_size.py --reps 100

Each world is linear-logistic in the grade (no breakpoint), seeded 1000 + r; the script
prints how often each test rejects at 5%: the sup-LR test with the grid search in its
parametric bootstrap (99 replicates, so its real level is 0.04) and the best step
candidate's chi-square(1) p-value, which ignores the search.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def main(argv: list[str] | None = None) -> int:
    from loyaltystats.thresholds import loyalty_curve

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=400)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    sup = naive = 0
    t0 = time.perf_counter()
    for r in range(args.reps):
        rng = np.random.default_rng(1000 + r)
        g = rng.integers(1, 11, args.n)
        stay = rng.random(args.n) < 1 / (1 + np.exp(-(-1 + 0.2 * g)))
        res = loyalty_curve(pd.DataFrame({"grade": g, "stay": stay}), "grade", "stay",
                            n_boot=99, seed=r)
        tests = res.tables["tests"].set_index("test")["p_value"]
        sup += res.info["breakpoint_exists_p_value"] < 0.05
        naive += tests["best step vs linear (LR, ignores the grid search)"] < 0.05
    print(f"{args.reps} worlds of {args.n:,} customers, no breakpoint: rejected at 5% by the "
          f"sup-LR bootstrap test {sup / args.reps:.4f}, by the naive chi-square "
          f"{naive / args.reps:.4f} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""BLAS threads in small fits: numpy's and scipy's OpenBLAS pools competing (why the
estimators run with one BLAS thread, ``loyaltystats._threads``).

Run from the repository root::

    python benchmarks/bench_blas_threads.py            # writes benchmarks/results/blas-threads.md
    python benchmarks/bench_blas_threads.py --no-write

In one process, alternately: a scipy BLAS call (as statsmodels and scipy.stats make between
the steps of a fit) and a numpy least-squares fit of a cell table's size (1,402 x 29, the
person-period cells of S2 at 2,000,000 demo customers), timed, with the libraries' default
threads and inside ``single_blas_thread()``; medians of the rounds and the largest
difference between the two fits' coefficients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.linalg

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _round(X: np.ndarray, y: np.ndarray, G: np.ndarray) -> tuple[float, np.ndarray]:
    scipy.linalg.blas.dgemm(1.0, G, G)  # scipy's pool wakes up, as between IRLS steps
    t0 = time.perf_counter()
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return time.perf_counter() - t0, beta


def measure(rounds: int = 30) -> dict[str, object]:
    from threadpoolctl import threadpool_info

    from loyaltystats._threads import single_blas_thread

    rng = np.random.default_rng(0)
    X = rng.random((1402, 29))
    y = rng.random(1402)
    G = rng.random((300, 300))
    default, single = [], []
    b_default = b_single = None
    for _ in range(rounds):
        t, b_default = _round(X, y, G)
        default.append(t)
        with single_blas_thread():
            t, b_single = _round(X, y, G)
        single.append(t)
    pools = [f"{i['prefix']} ({i['num_threads']} threads)" for i in threadpool_info()
             if i["user_api"] == "blas"]
    return {"default": statistics.median(default), "single": statistics.median(single),
            "rounds": rounds, "pools": pools,
            "diff": float(np.max(np.abs(b_default - b_single)))}


def report(r: dict[str, object], cmd: str) -> str:
    ratio = r["default"] / r["single"]  # type: ignore[operator]
    return "\n".join([
        f"# BLAS threads in small fits: {dt.date.today()}", "",
        f"Command: `{cmd}`", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; "
        f"BLAS pools loaded: {', '.join(r['pools'])}. Load average at the start: "  # type: ignore[arg-type]
        f"{r['load']:.2f} (the competition between the pools grows with the other work "
        "running on the cores).", "",
        "A numpy least-squares fit of 1,402 x 29 (the size of S2's person-period cell table "
        "at 2,000,000 demo customers) right after a scipy BLAS call, "
        f"{r['rounds']} alternating rounds, medians:", "",
        "| BLAS threads | least squares | ratio |", "|---|---|---|",
        f"| libraries' defaults | {r['default'] * 1e3:.2f} ms | {ratio:.1f}x |",
        f"| one per library (`single_blas_thread`, what the estimators use) | "
        f"{r['single'] * 1e3:.2f} ms | 1 |", "",
        f"Coefficients of the two fits differ by at most {r['diff']:.1e}.", "",
        "The two OpenBLAS libraries (numpy's and scipy's) each keep a pool of threads that "
        "spin after a call; on few cores they compete with each other. Since the "
        "estimators fit tables of counts per cell, small matrices where threads cannot "
        "help, every public estimator and `check_claims` run with one BLAS thread per "
        "library (restored afterwards).", ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    r = measure(args.rounds)
    r["load"] = load
    cmd = "python benchmarks/bench_blas_threads.py" + (" " + " ".join(argv) if argv else "")
    text = report(r, cmd)
    print(text)
    if not args.no_write:
        (RESULTS / "blas-threads.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark ``loyaltystats.simulate.generate``: wall time and peak memory.

Each repeat runs in a fresh Python subprocess, so the time includes the (cached per
process) truth computation and the peak RSS is that of one generate call plus the
interpreter and imports. Peak RSS is read with ``resource.getrusage(RUSAGE_CHILDREN)``
after the children exit.

Target on the 2-core machine: ``generate(1_000_000, months=24, seed=1)`` under 30 s and
under 4 GB peak memory.

Usage::

    python benchmarks/bench_generate.py            # n = 1,000,000, 3 repeats
    python benchmarks/bench_generate.py --n 200000 --repeats 5 --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, sys, time
import numpy, pandas
from loyaltystats.simulate import generate
n, months, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
w = generate(n, months=months, seed=seed)
secs = time.perf_counter() - t0
print(json.dumps({"seconds": secs, "transactions": len(w.transactions),
                  "responses": len(w.responses), "experiences": len(w.experiences),
                  "numpy": numpy.__version__, "pandas": pandas.__version__}))
"""

RESULTS = Path(__file__).resolve().parent / "results" / "generate.md"
HEADER = """# generate benchmark

Command: `python benchmarks/bench_generate.py` (generate(n, months=24, seed=1) in a fresh
subprocess per repeat; median wall time of --repeats runs, including the truth; peak RSS of
the largest child). Target on the 2-core machine: under 30 s and under 4 GB at 10^6 customers.

| date | customers | months | median time | all runs | transactions | responses | peak RSS | machine | command |
|---|---|---|---|---|---|---|---|---|---|
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="customers (default 1,000,000)")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-record", action="store_true",
                    help=f"do not append a line to {RESULTS.relative_to(RESULTS.parents[2])}")
    args = ap.parse_args(argv)

    runs = []
    info: dict = {}
    for i in range(args.repeats):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.n), str(args.months), str(args.seed)],
            check=True, capture_output=True, text=True,
        )
        info = json.loads(out.stdout.strip().splitlines()[-1])
        runs.append(info["seconds"])
        print(f"run {i + 1}: {info['seconds']:.2f} s", flush=True)
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_gib = maxrss / 2**30 if sys.platform == "darwin" else maxrss / 2**20
    median = statistics.median(runs)
    print(f"generate({args.n:,}, months={args.months}, seed={args.seed}): "
          f"median {median:.2f} s over {args.repeats} runs, peak RSS {peak_gib:.2f} GiB")
    print(f"  transactions {info['transactions']:,}, responses {info['responses']:,}, "
          f"experiences {info['experiences']:,}")

    if not args.no_record:
        cmd = "python benchmarks/bench_generate.py" + "".join(
            f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
        machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"numpy {info['numpy']}, pandas {info['pandas']}")
        line = (f"| {dt.date.today().isoformat()} | {args.n:,} | {args.months} | {median:.2f} s | "
                f"{', '.join(f'{r:.2f}' for r in runs)} | {info['transactions']:,} | "
                f"{info['responses']:,} | {peak_gib:.2f} GiB | {machine} | `{cmd}` |\n")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        if not RESULTS.exists():
            RESULTS.write_text(HEADER)
        with RESULTS.open("a") as fh:
            fh.write(line)
        print(f"recorded in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scoring throughput and memory.

Run::

    python benchmarks/bench_scoring.py                 # batch 10^6, one dict, CLI on ~1 GB CSV
    python benchmarks/bench_scoring.py --csv-gb 0.05   # smaller CSV

Measures, in one run on this machine:
- batch scoring of 1,000,000 DataFrame records (median of 5; records per second);
- one dict through ``score`` (median of 20,000 calls, microseconds), against the same record
  as a one-row DataFrame (the baseline a user would otherwise write);
- the ``loyaltystats score`` CLI on a generated CSV of about ``--csv-gb`` GB, in a child
  process: wall time and peak resident memory.
Appends a dated section to benchmarks/results/scoring.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "scoring.md"


def records(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": np.arange(n), "grade": rng.integers(1, 11, n),
        "recommend": rng.integers(0, 11, n), "negatives": rng.integers(0, 5, n),
        "tenure_months": rng.integers(0, 36, n), "segment": rng.choice(["A", "B", "C"], n),
    })


def write_csv(path: Path, target_bytes: int) -> int:
    rows = 0
    block = 2_000_000
    with path.open("w") as fh:
        header = True
        while fh.tell() < target_bytes:
            chunk = records(block, seed=rows)
            chunk["customer_id"] += rows
            chunk.to_csv(fh, header=header, index=False)
            header = False
            rows += block
    return rows


def main(argv: list[str] | None = None) -> None:
    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--csv-gb", type=float, default=1.0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    w = generate(50_000, seed=1)
    scorer = LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)
    model = Path(tempfile.mkdtemp()) / "scorer.json"
    scorer.save(str(model))

    df = records(args.batch)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        scorer.score(df)
        times.append(time.perf_counter() - t0)
    batch_s = statistics.median(times)

    rec = {"grade": 7, "recommend": 6, "negatives": 2, "tenure_months": 5, "segment": "B"}
    one = []
    for _ in range(20_000):
        t0 = time.perf_counter()
        scorer.score(rec)
        one.append(time.perf_counter() - t0)
    one_us = 1e6 * statistics.median(one)
    row = pd.DataFrame([rec])
    base = []
    for _ in range(300):
        t0 = time.perf_counter()
        scorer.score(row)
        base.append(time.perf_counter() - t0)
    base_us = 1e6 * statistics.median(base)

    tmp = Path(tempfile.mkdtemp())
    csv = tmp / "customers.csv"
    n_rows = write_csv(csv, int(args.csv_gb * 1e9))
    size_gb = csv.stat().st_size / 1e9
    code = (
        "import sys; from loyaltystats.cli import main;"
        f"rc = main(['score', '--model', {str(model)!r}, '--input', {str(csv)!r},"
        f" '--output', {str(tmp / 'scored.csv')!r}]);"
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts at the parent's size at fork
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]);"
        " sys.exit(rc)"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cli_s = time.perf_counter() - t0
    peak_mb = int(out.stdout.strip().splitlines()[-1]) / 1024
    csv.unlink()
    (tmp / "scored.csv").unlink()

    lines = [
        f"## {dt.date.today()} — `python benchmarks/bench_scoring.py"
        + (f" --csv-gb {args.csv_gb}" if args.csv_gb != 1.0 else "") + "`",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
        f"{np.__version__}, pandas {pd.__version__}. Scorer: 24 baseline months, band, NPS "
        "category, negatives 0-3+, one 3-level feature.",
        "",
        "| measurement | result | target |",
        "|---|---|---|",
        f"| batch, {args.batch:,} DataFrame records (median of 5) | {batch_s:.3f} s = "
        f"{args.batch / batch_s:,.0f} records/s | >= 1,000,000 records/s |",
        f"| one dict (median of 20,000 calls) | {one_us:.1f} us | < 50 us |",
        f"| baseline: same record as a one-row DataFrame (median of 300) | {base_us:.0f} us "
        f"({base_us / one_us:.0f}x the dict path) | |",
        f"| CLI on a {size_gb:.2f} GB CSV ({n_rows:,} rows) | {cli_s:.1f} s, peak RSS "
        f"{peak_mb:.0f} MB | < 500 MB |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text("# Scoring benchmarks\n\n")
        with RESULTS.open("a") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()

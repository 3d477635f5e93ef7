"""The whole claims report at scale (issue #23): time and peak memory per claim by size.

Run from the repository root::

    python benchmarks/bench_report_scale.py                  # 2*10^4, 2*10^5, 2*10^6 customers
    python benchmarks/bench_report_scale.py --sizes 20000,200000 --no-write
    python benchmarks/bench_report_scale.py --quick --no-write   # 2,000 and 20,000 (smoke test)
    python benchmarks/bench_report_scale.py --allocator retain   # glibc keeps freed memory

For each size, a FRESH child process (``--worker``) simulates the demo world
(``claims.demo_mapping.demo_tables``, seed 1; not timed), then:

1. calls ``check_claims`` on every claim at once, as ``loyaltystats report --demo`` does:
   the report's wall time (simulation excluded) and the child's peak resident memory
   (``VmHWM``, which includes the interpreter, the libraries and the simulated tables);
2. calls ``check_claims(claims=[c])`` for each claim ``c`` alone, ``--repeats`` times (the
   median is quoted): its time, and the memory it adds above what the child holds before the
   call (``VmHWM`` reset with ``/proc/self/clear_refs`` before each call, Linux >= 4.0).

First touch of memory. On a virtual machine whose host takes back the memory the guest frees
(virtio-balloon free page reporting), the first write to memory the process has not used yet
is several times slower than later writes. glibc returns every freed block above 32 MB to the
kernel, so at 2,000,000 customers (arrays of 16-160 MB) a claim pays this again for each
large temporary, while at 200,000 (arrays below 32 MB) freed memory is reused: the growth
exponent then measures the machine's paging, not the algorithm. Each child measures it
(``first_touch``: 2 GiB written twice in a fresh process) and ``--allocator retain`` runs the
children with glibc keeping freed memory (``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` at 16 GiB), which any user can set the same way.

The growth exponent of a claim between two sizes is ``log(t2 / t1) / log(n2 / n1)``
(1 = linear in the customers); it is only quoted between sizes where both times are at
least 0.05 s (below that fixed overheads dominate).

Writes ``benchmarks/results/report-scale.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MIN_FOR_EXPONENT = 0.05


def _status(key: str) -> int:
    """A ``/proc/self/status`` memory field in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _to_parquet(tables: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write each table as Parquet files of at most 2 million rows; return the folders."""
    out = {}
    for name, df in tables.items():
        d = folder / name
        d.mkdir(parents=True)
        for i, start in enumerate(range(0, len(df), 2_000_000)):
            df.iloc[start:start + 2_000_000].to_parquet(d / f"part-{i:03d}.parquet",
                                                       index=False)
        out[name] = str(d)
    return out


def first_touch() -> dict[str, float]:
    """Seconds to write 2 GiB of fresh memory, twice (freed in between)."""
    import numpy as np

    out = {}
    for key in ("first_s", "second_s"):
        t0 = time.perf_counter()
        a = np.ones(2**28)
        out[key] = time.perf_counter() - t0
        del a
    return out


RETAIN_ENV = {"MALLOC_MMAP_THRESHOLD_": str(2**34), "MALLOC_TRIM_THRESHOLD_": str(2**34)}


def worker(n: int, parquet: str | None = None, repeats: int = 1,
           claims: list[str] | None = None) -> dict[str, Any]:
    """Simulate, then time the full report and each claim alone (runs in the child).

    With ``parquet`` (a folder), the tables are written there as Parquet and the report
    reads the folders (DuckDB; counted claims out of core, the others collect the columns
    they name) after the simulated tables are freed.
    """
    import gc
    import warnings

    from loyaltystats.claims import check_claims, list_claims
    from loyaltystats.claims.demo_mapping import DEMO_MAPPING, demo_tables

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    tables = demo_tables(n, seed=1)
    tables.pop("truth", None)
    sim_s = time.perf_counter() - t0
    rows = {k: len(v) for k, v in tables.items()}
    if parquet:
        tables = _to_parquet(tables, Path(parquet))
        gc.collect()
        _reset_peak()
    base_kib = _status("VmRSS")
    check_claims(**tables, mapping=DEMO_MAPPING, claims=["T2"], seed=0)  # imports, warm-up
    t0 = time.perf_counter()
    report = check_claims(**tables, mapping=DEMO_MAPPING, seed=0)
    full_s = time.perf_counter() - t0
    full_peak = _status("VmHWM")
    statuses = dict(zip(report.table["id"], report.table["verdict"].fillna(report.table["status"])))
    per: dict[str, dict[str, float]] = {}
    for cid in claims or list_claims()["id"]:
        times, added = [], 0.0
        for _ in range(repeats):
            before = _status("VmRSS")
            _reset_peak()
            t0 = time.perf_counter()
            check_claims(**tables, mapping=DEMO_MAPPING, claims=[cid], seed=0)
            times.append(time.perf_counter() - t0)
            added = max(added, max(_status("VmHWM") - before, 0) / 1024**2)
        per[cid] = {"seconds": statistics.median(times), "runs": times, "added_gib": added}
    return {"n": n, "rows": rows, "simulate_s": sim_s, "full_s": full_s,
            "full_peak_gib": full_peak / 1024**2, "tables_gib": base_kib / 1024**2,
            "per_claim": per, "in_report": report.info["seconds"], "verdicts": statuses}


def run_child(n: int, parquet: bool, repeats: int, allocator: str,
              claims: list[str] | None) -> dict[str, Any]:
    import tempfile

    env = dict(os.environ, **(RETAIN_ENV if allocator == "retain" else {}))
    with tempfile.TemporaryDirectory(prefix="report-scale-") as tmp:
        extra = ["--parquet-dir", tmp] if parquet else []
        extra += ["--claims", ",".join(claims)] if claims else []
        out = subprocess.run([sys.executable, __file__, "--worker", str(n),
                              "--repeats", str(repeats), *extra],
                             capture_output=True, text=True, cwd=ROOT, check=False, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"child for n={n} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # the machine's first-touch cost, in a child of its own (same environment)
    probe = subprocess.run([sys.executable, __file__, "--probe"], capture_output=True,
                           text=True, cwd=ROOT, check=True, env=env)
    result["first_touch"] = json.loads(probe.stdout.strip().splitlines()[-1])
    return result


def exponents(runs: list[dict[str, Any]], claim: str) -> list[str]:
    """Growth exponent of a claim's time between consecutive sizes (or why not quoted)."""
    out = []
    for a, b in zip(runs, runs[1:]):
        ta, tb = a["per_claim"][claim]["seconds"], b["per_claim"][claim]["seconds"]
        if min(ta, tb) < MIN_FOR_EXPONENT:
            out.append("-")
        else:
            out.append(f"{math.log(tb / ta) / math.log(b['n'] / a['n']):.2f}")
    return out


def report(runs: list[dict[str, Any]], cmd: str, wall: float) -> str:
    import numpy as np
    import pandas as pd

    import loyaltystats

    sizes = [r["n"] for r in runs]
    lines = [f"# The claims report at scale: {dt.date.today()}", "",
             f"Command: `{cmd}` (total {wall:.0f} s, simulation included).", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
             f"{platform.python_version()}, loyaltystats {loyaltystats.__version__}, numpy "
             f"{np.__version__}, pandas {pd.__version__}.", "",
             ("Input: Parquet folders (files of at most 2 million rows) read by DuckDB; the "
              "simulated tables are freed and the peak reset before the report. "
              if "--parquet" in cmd else "Input: pandas DataFrames in memory. ") +
             "One fresh process per size: the demo world simulated (seed 1, not timed), one "
             "warm-up claim, then `check_claims` on every claim (*report*), then each claim "
             "alone. Peak = `VmHWM` of the process (interpreter, libraries and the simulated "
             "tables included); *added* = the peak during the claim above the memory held "
             "before it.", "",
             "Allocator: " + ("glibc keeping freed memory (`MALLOC_MMAP_THRESHOLD_` and "
                              "`MALLOC_TRIM_THRESHOLD_` = 16 GiB in the children)"
                              if "retain" in cmd else "glibc's defaults") +
             ". First touch (2 GiB written in a fresh child, then again after freeing): " +
             "; ".join(f"{r['n']:,}: {r['first_touch']['first_s']:.2f} s then "
                       f"{r['first_touch']['second_s']:.2f} s" for r in runs) + ".", "",
             "| customers | rows (responses / customers / experiences / transactions) | "
             "simulate | report | peak memory |", "|---|---|---|---|---|"]
    for r in runs:
        rw = r["rows"]
        lines.append(f"| {r['n']:,} | {rw.get('responses', 0):,} / {rw.get('customers', 0):,}"
                     f" / {rw.get('experiences', 0):,} / {rw.get('transactions', 0):,} | "
                     f"{r['simulate_s']:.1f} s | {r['full_s']:.1f} s | "
                     f"{r['full_peak_gib']:.2f} GiB |")
    head = " | ".join(f"{n:,}: alone / in report / added" for n in sizes)
    expo = " | ".join(f"exponent {a:,}->{b:,}" for a, b in zip(sizes, sizes[1:]))
    lines += ["", "Each claim: its time alone (`check_claims(claims=[c])`, including the "
              "preparation it shares with other claims in a full report; median of "
              f"{len(runs[-1]['per_claim'][next(iter(runs[-1]['per_claim']))]['runs'])} runs), "
              "its time inside the "
              "full report (`report.info['seconds']`; shared preparation falls on the first "
              "claim that needs it) and the GiB its call alone added; exponent = "
              "log(t2/t1) / log(n2/n1) of the time alone, quoted where both times are at "
              f"least {MIN_FOR_EXPONENT} s.", "",
              f"| claim | verdict at {sizes[-1]:,} | {head} |" + (f" {expo} |" if expo else ""),
              "|---|---|" + "---|" * (len(sizes) + len(sizes) - 1)]
    claims = sorted(runs[-1]["per_claim"], key=lambda c: -runs[-1]["per_claim"][c]["seconds"])
    for c in claims:
        cells = " | ".join(f"{r['per_claim'][c]['seconds']:.2f} s / "
                           f"{r['in_report'].get(c, float('nan')):.2f} s / "
                           f"{r['per_claim'][c]['added_gib']:.2f}" for r in runs)
        expo_c = " | ".join(exponents(runs, c))
        lines.append(f"| {c} | {runs[-1]['verdicts'].get(c, '')} | {cells} |"
                     + (f" {expo_c} |" if expo_c else ""))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000,2000000")
    ap.add_argument("--quick", action="store_true", help="2,000 and 20,000 customers")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--parquet", action="store_true",
                    help="the report reads the tables as Parquet folders (DuckDB)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each claim alone (median quoted)")
    ap.add_argument("--allocator", choices=("default", "retain"), default="default",
                    help="'retain': glibc keeps freed memory (see the module docstring)")
    ap.add_argument("--claims", help="comma-separated claim ids (default: all)")
    ap.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--parquet-dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    claims = args.claims.split(",") if args.claims else None
    if args.probe:
        print(json.dumps(first_touch()))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.parquet_dir, args.repeats, claims)))
        return 0
    sizes = [2000, 20000] if args.quick else [int(s) for s in args.sizes.split(",")]
    t0 = time.perf_counter()
    runs = []
    for n in sizes:
        print(f"n = {n:,} ...", flush=True)
        runs.append(run_child(n, args.parquet, args.repeats, args.allocator, claims))
        r = runs[-1]
        print(f"  report {r['full_s']:.1f} s, peak {r['full_peak_gib']:.2f} GiB; slowest: "
              + ", ".join(f"{c} {v['seconds']:.2f} s" for c, v in sorted(
                  r["per_claim"].items(), key=lambda kv: -kv[1]["seconds"])[:5]), flush=True)
    cmd = "python benchmarks/bench_report_scale.py" + (" " + " ".join(argv) if argv else "")
    text = report(runs, cmd, time.perf_counter() - t0)
    print(text)
    if not args.no_write:
        name = ("report-scale-parquet.md" if args.parquet else
                "report-scale-retain.md" if args.allocator == "retain" else "report-scale.md")
        (RESULTS / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

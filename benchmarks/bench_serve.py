"""Load test of the HTTP scoring service (``loyaltystats serve``).

Run::

    python benchmarks/bench_serve.py            # full run, appends to benchmarks/results/serve.md
    python benchmarks/bench_serve.py --quick    # a fast check; prints, writes nothing

The server is the real command (``python -m loyaltystats serve scorer.json --workers 1
--no-access-log``) in a child process on loopback; the client is this process: asyncio
connections speaking HTTP/1.1 with keep-alive, one request at a time per connection, so
"concurrency" is the number of open connections. Client and server share the machine's cores.
Measured, in one run:

- ``POST /score`` (one JSON record) and ``POST /score/batch`` (a JSON array of 100 records)
  at 1, 8 and 64 concurrent connections: requests/s, records/s and p50/p99 latency; each cell
  is bounded by a request count and a time limit;
- ``POST /score/batch`` with a CSV body streamed back as CSV, one connection;
- the baselines in-process: ``scorer.score(dict)`` and ``scorer.score(list of 100 dicts)``,
  so the HTTP overhead is visible.

Every response is checked for status 200; the first of each kind is compared with
``scorer.score`` called directly.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import mem_total_gib, versions  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "serve.md"
HOST = "127.0.0.1"


def records(n: int, seed: int = 0) -> list[dict]:
    """``n`` valid records of the benchmark scorer (grade, recommend, negatives, tenure,
    segment), as plain Python values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "grade": rng.integers(1, 11, n), "recommend": rng.integers(0, 11, n),
        "negatives": rng.integers(0, 5, n), "tenure_months": rng.integers(0, 36, n),
        "segment": rng.choice(["A", "B", "C"], n)})
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(model: Path, port: int, timeout: float = 120) -> subprocess.Popen:
    """The real CLI server in a child process, once it answers ``/health``."""
    proc = subprocess.Popen([sys.executable, "-m", "loyaltystats", "serve", str(model),
                             "--port", str(port), "--workers", "1", "--no-access-log"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _request(path: str, body: bytes, ctype: str = "application/json") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(h.split(":", 1)[1]) for h in lines[1:]
                  if h.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


async def _connection(port: int, requests: list[bytes], deadline: float,
                      latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for req in requests:
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            writer.write(req)
            status, _ = await _response(reader)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"status {status}")
    finally:
        writer.close()


async def _load(port: int, requests: list[bytes], concurrency: int,
                seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    per = [requests[i::concurrency] for i in range(concurrency)]
    t0 = time.perf_counter()
    await asyncio.gather(*(_connection(port, p, t0 + seconds, latencies) for p in per))
    return time.perf_counter() - t0, latencies


def load_cell(port: int, bodies: list[bytes], path: str, n_requests: int, concurrency: int,
              seconds: float) -> dict[str, float]:
    """Requests/s and latency percentiles of ``n_requests`` (at most ``seconds``)."""
    reqs = [_request(path, bodies[i % len(bodies)]) for i in range(n_requests)]
    wall, lat = asyncio.run(_load(port, reqs, concurrency, seconds))
    ms = np.array(lat) * 1e3
    return {"n": len(lat), "rps": len(lat) / wall, "p50": float(np.percentile(ms, 50)),
            "p99": float(np.percentile(ms, 99))}


def check_answers(port: int, scorer, one: dict, batch: list[dict]) -> None:
    """The service's first answers equal ``scorer.score`` called directly."""
    def post(path: str, value) -> object:
        req = urllib.request.Request(f"http://{HOST}:{port}{path}", data=json.dumps(value).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    got = post("/score", one)
    want = scorer.score(one)
    assert got["p_switch"] == want["p_switch"] and got["risk_tier"] == want["risk_tier"], got
    got_b = post("/score/batch", batch)
    want_b = scorer.score(batch, errors="flag")["p_switch"].tolist()
    assert [g["p_switch"] for g in got_b] == want_b


def csv_cell(port: int, n_rows: int, repeats: int) -> dict[str, float]:
    """One connection posting a CSV of ``n_rows`` records; median seconds and records/s."""
    body = pd.DataFrame(records(n_rows, seed=9)).to_csv(index=False).encode()
    times = []
    for _ in range(repeats):
        req = urllib.request.Request(f"http://{HOST}:{port}/score/batch", data=body,
                                     headers={"Content-Type": "text/csv"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=300) as r:
            out = r.read()
        times.append(time.perf_counter() - t0)
        assert out.count(b"\n") == n_rows + 1
    med = statistics.median(times)
    return {"mb": len(body) / 1e6, "s": med, "rps": n_rows / med}


def baselines(scorer, one: dict, batch: list[dict], n_one: int, n_batch: int) -> dict[str, float]:
    """In-process medians: ``scorer.score(dict)`` and ``scorer.score(100 dicts)``."""
    t = []
    for _ in range(n_one):
        t0 = time.perf_counter()
        scorer.score(one)
        t.append(time.perf_counter() - t0)
    tb = []
    for _ in range(n_batch):
        t0 = time.perf_counter()
        scorer.score(batch, errors="flag")
        tb.append(time.perf_counter() - t0)
    return {"one_us": 1e6 * statistics.median(t), "batch_ms": 1e3 * statistics.median(tb)}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    v = versions(["numpy", "pandas", "starlette", "uvicorn", "h11"])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {mem_total_gib():.1f} GiB, "
            f"{platform.system()} {platform.release()}; load average at the start {load} "
            "(a shared machine: other jobs may have run meanwhile). Versions: "
            + ", ".join(f"{k} {val}" for k, val in v.items()) + ".")


def _table(base: dict[str, float], cells: list[tuple[str, int, dict[str, float]]],
           csv: dict[str, float], batch_size: int, csv_rows: int) -> list[str]:
    lines = ["| request | concurrent clients | requests | requests/s | records/s | p50 ms "
             "| p99 ms |", "|---|---|---|---|---|---|---|"]
    for kind, conc, c in cells:
        per = 1 if kind == "single" else batch_size
        name = "`POST /score`, 1 record" if kind == "single" else \
            f"`POST /score/batch`, JSON array of {batch_size}"
        lines.append(f"| {name} | {conc} | {c['n']:,} | {c['rps']:,.0f} | {c['rps'] * per:,.0f} "
                     f"| {c['p50']:.2f} | {c['p99']:.2f} |")
    lines.append(f"| `POST /score/batch`, CSV of {csv_rows:,} rows ({csv['mb']:.1f} MB), "
                 f"streamed back | 1 | 3 (median) | {1 / csv['s']:.2f} | {csv['rps']:,.0f} "
                 f"| {csv['s'] * 1e3:.0f} | |")
    lines.append(f"| baseline in-process: `scorer.score(dict)` | 1 | | "
                 f"{1e6 / base['one_us']:,.0f} | {1e6 / base['one_us']:,.0f} "
                 f"| {base['one_us'] / 1e3:.4f} | |")
    lines.append(f"| baseline in-process: `scorer.score(list of {batch_size} dicts, "
                 f"errors=\"flag\")` | 1 | | {1e3 / base['batch_ms']:,.0f} "
                 f"| {batch_size * 1e3 / base['batch_ms']:,.0f} | {base['batch_ms']:.2f} | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts; print, do not write")
    ap.add_argument("--no-write", action="store_true", help="print the results only")
    args = ap.parse_args(argv)
    quick = args.quick
    n_single, n_batch = (300, 60) if quick else (6_000, 1_500)
    seconds = 3.0 if quick else 30.0
    batch_size, csv_rows = 100, (20_000 if quick else 200_000)

    w = generate(20_000, seed=1)
    scorer = LoyaltyScorer(horizon_months=12, features=["segment"]).fit(w.customers,
                                                                        w.experiences)
    model = Path(tempfile.mkdtemp()) / "scorer.json"
    scorer.save(str(model))
    singles = records(1_000, seed=1)
    batches = [records(batch_size, seed=100 + i) for i in range(50)]
    base = baselines(scorer, singles[0], batches[0], 2_000 if quick else 20_000,
                     50 if quick else 500)

    port = _free_port()
    proc = start_server(model, port)
    try:
        check_answers(port, scorer, singles[0], batches[0])
        one_bodies = [json.dumps(r).encode() for r in singles]
        batch_bodies = [json.dumps(b).encode() for b in batches]
        load_cell(port, one_bodies, "/score", 200, 8, 5)  # warm-up, not reported
        cells = []
        for conc in (1, 8, 64):
            cells.append(("single", conc, load_cell(port, one_bodies, "/score", n_single,
                                                    conc, seconds)))
            cells.append(("batch", conc, load_cell(port, batch_bodies, "/score/batch", n_batch,
                                                   conc, seconds)))
        csv = csv_cell(port, csv_rows, 3)
    finally:
        proc.terminate()
        rc = proc.wait(timeout=60)
    if rc != 0:
        raise RuntimeError(f"the server exited with status {rc} on SIGTERM")

    command = "python benchmarks/bench_serve.py" + (" --quick" if quick else "")
    lines = [f"## {dt.date.today()} — `{command}`", "", _machine(), "",
             "Server: `loyaltystats serve scorer.json --workers 1 --no-access-log` (uvicorn, "
             "h11) in a child process; client: this script's asyncio HTTP/1.1 keep-alive "
             "connections on loopback, one request at a time per connection, on the same "
             "cores. Scorer: 12-month horizon, band, NPS category, negatives 0-3+, one 3-level "
             f"feature. Each cell: at most {n_single:,} single / {n_batch:,} batch requests "
             f"or {seconds:.0f} s.", ""]
    lines += _table(base, cells, csv, batch_size, csv_rows) + [""]
    text = "\n".join(lines)
    print(text)
    if not (quick or args.no_write):
        if not RESULTS.exists():
            RESULTS.write_text("# Scoring service load test\n\n")
        with RESULTS.open("a") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

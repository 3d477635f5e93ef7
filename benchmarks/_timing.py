"""Timing and machine-description helpers shared by the benchmark scripts and
``python -m benchmarks perf``."""

from __future__ import annotations

import importlib
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def median_seconds(fn: Callable[[], Any], repeats: int, *, warmup: bool = False) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` (after one untimed call if ``warmup``)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def versions(packages: Sequence[str]) -> dict[str, str]:
    """Python's and each package's version ("not installed" for a missing optional one)."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # noqa: BLE001 - optional packages
            out[name] = "not installed"
    return out


def mem_total_gib() -> float:
    """The machine's memory in GiB (Linux /proc/meminfo; NaN elsewhere)."""
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return float("nan")
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")

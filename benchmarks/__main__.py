"""``python -m benchmarks perf [--quick]``: the single benchmark command (see perf.py).

The per-suite scripts (``benchmarks/bench_*.py``) still run on their own and append to
their own result files; ``perf`` writes ``benchmarks/results/perf-YYYY-MM-DD[-quick].md``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncommands:\n  perf    aggregation per engine, cell vs raw-row fits, scoring")
        return 0
    if argv[0] != "perf":
        print(f"unknown command {argv[0]!r}; try: python -m benchmarks perf --quick",
              file=sys.stderr)
        return 2
    from benchmarks.perf import main as perf

    return perf(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

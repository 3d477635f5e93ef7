"""``python -m benchmarks perf|speed|validity [--quick]``: the benchmark commands.

``perf`` (perf.py) measures speed and memory; ``validity`` (validity.py) measures how often
each claim's verdict is right in worlds where the claim is true and where it is false.

The per-suite scripts (``benchmarks/bench_*.py``) still run on their own and append to
their own result files; ``perf`` writes ``benchmarks/results/perf-YYYY-MM-DD[-quick].md``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncommands:\n  perf        aggregation per engine, cell vs raw-row fits, scoring"
              "\n  speed       issue #21's table: each task against what a user would write"
              "\n  validity    verdict rates and interval coverage in true and false worlds")
        return 0
    if argv[0] == "perf":
        from benchmarks.perf import main as perf

        return perf(argv[1:])
    if argv[0] == "speed":
        from benchmarks.speed import main as speed

        return speed(argv[1:])
    if argv[0] == "validity":
        from benchmarks.validity import main as validity

        return validity(argv[1:])
    print(f"unknown command {argv[0]!r}; try: python -m benchmarks perf --quick",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

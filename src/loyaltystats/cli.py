"""Command-line interface: ``loyaltystats`` and ``python -m loyaltystats``."""

from __future__ import annotations

import argparse
import sys

from .errors import LoyaltyStatsError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.customers, args.months, args.seed)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="loyaltystats",
        description="Test customer-experience claims about satisfaction and loyalty.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="simulate a world and compare estimates with its truth")
    demo.add_argument("--customers", type=_positive_int, default=50_000, help="customers to simulate")
    demo.add_argument("--months", type=_positive_int, default=24, help="calendar months to simulate")
    demo.add_argument("--seed", type=int, default=1, help="random seed")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (LoyaltyStatsError, OSError) as exc:
        print(f"loyaltystats: error: {exc}", file=sys.stderr)
        return 2

"""Command-line interface: ``loyaltystats`` and ``python -m loyaltystats``."""

from __future__ import annotations

import argparse
import sys

from .errors import DataError, LoyaltyStatsError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.customers, args.months, args.seed)
    return 0


def _score(args: argparse.Namespace) -> int:
    from .scoring import load_scorer
    from .scoring.batch import score_csv

    scorer = load_scorer(args.model)
    result = score_csv(scorer, args.input, args.output, errors=args.errors,
                       chunksize=args.chunksize, id_column=args.id_column)
    msg = f"scored {result['rows']:,} rows -> {args.output}"
    if args.errors == "flag":
        msg += f" ({result['flagged']:,} flagged)"
    print(msg, file=sys.stderr)
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

    score = sub.add_parser("score", help="score a CSV of customers with a saved scorer")
    score.add_argument("--model", required=True, help="scorer JSON artifact")
    score.add_argument("--input", required=True, help="CSV with one record per row")
    score.add_argument("--output", required=True, help="CSV to write the scores to")
    score.add_argument("--errors", choices=["raise", "flag"], default="raise",
                       help="stop at the first bad row (raise) or write it out flagged")
    score.add_argument("--chunksize", type=_positive_int, default=100_000,
                       help="rows per chunk (memory grows with this, not with the file)")
    score.add_argument("--id-column", default="auto",
                       help="column copied to the output (default: customer_id if present)")
    score.set_defaults(func=_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DataError as exc:
        print(f"loyaltystats: error: bad rows: {exc}", file=sys.stderr)
        return 1
    except (LoyaltyStatsError, OSError) as exc:
        print(f"loyaltystats: error: {exc}", file=sys.stderr)
        return 2

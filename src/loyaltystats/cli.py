"""Command-line interface: ``loyaltystats`` and ``python -m loyaltystats``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._files import check_csv_shape, write_text_atomic
from .errors import DataError, LoyaltyStatsError

EXIT_CLAIM_FAILED = 1
"""Exit status of ``loyaltystats report`` when a claim failed, as for bad rows (0: every
claim tested; 2: usage, unreadable files and other errors)."""

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.n_customers, args.months, args.seed)
    return 0


def _score(args: argparse.Namespace) -> int:
    from .scoring import load_scorer
    from .scoring.batch import score_csv

    scorer = load_scorer(args.model)
    result = score_csv(scorer, args.input, args.output, errors=args.errors,
                       chunksize=args.chunksize, id_column=args.id_column,
                       progress=True if args.progress else None,
                       allow_special_output=args.allow_special_output)
    msg = f"scored {result['rows']:,} rows -> {args.output}"
    if args.errors == "flag":
        msg += f" ({result['flagged']:,} flagged)"
    print(msg, file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from .serve import run
    except ModuleNotFoundError as exc:
        if exc.name not in ("starlette", "uvicorn") and not str(exc.name).startswith(
                ("starlette.", "uvicorn.")):
            raise
        raise LoyaltyStatsError(f"loyaltystats serve needs {exc.name}, which is not installed: "
                                "pip install 'loyaltystats[serve]'") from None
    if not Path(args.model).is_file():
        raise FileNotFoundError(f"scorer artifact not found: {args.model}")
    run(args.model, host=args.host, port=args.port, workers=args.workers,
        max_body_bytes=args.max_body_bytes, access_log=args.access_log)
    return 0


def _byte_size(text: str) -> int:
    """A size in bytes: ``1000000``, or with a suffix ``K``, ``M``, ``G`` (powers of 1024)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = units.get(t[-1:], 1)
    try:
        value = int(t[:-1] if factor > 1 else t) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a size in bytes (e.g. 1000000, 64M), got "
                                         f"{text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _engines_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("narwhals", "duckdb"))


def _read_table(path: str, role: str) -> Any:
    import pandas as pd

    p = Path(path)
    parquet = p.suffix.lower() in (".parquet", ".pq") or p.is_dir()
    if parquet and _engines_installed():
        # a Parquet file, glob or folder goes to the estimators as a path: they count it out
        # of core in DuckDB (see docs/engines.md) instead of loading it into pandas
        from .engines import column_names

        column_names(path, table=role)  # fails early (no files, not Parquet) naming the role
        return path
    if not p.is_file():
        raise FileNotFoundError(f"{role} file not found: {path}")
    if parquet:
        try:
            return pd.read_parquet(p)
        except ImportError as exc:
            raise LoyaltyStatsError("reading Parquet needs pyarrow: pip install "
                                    "'loyaltystats[parquet]'") from exc
    try:
        # a ragged row is an error naming its line; pandas alone would read a first row with
        # an extra field as an implicit index and shift every column
        lines = check_csv_shape(p)
        frame = pd.read_csv(p)
    except pd.errors.EmptyDataError:
        raise LoyaltyStatsError(f"{role} file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LoyaltyStatsError(f"{role} file {path} is not a readable CSV: "
                                f"{str(exc).splitlines()[0]}") from None
    if len(frame) == 0:
        raise LoyaltyStatsError(f"{role} file {path} has a header but no rows")
    if len(lines) == len(frame):
        # row labels are the file's line numbers: every message naming rows names lines
        from .scales import CSV_LINE

        frame.index = pd.Index(lines, name=CSV_LINE)
    return frame


def _read_mapping(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"mapping file not found: {path}")
    try:
        mapping = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LoyaltyStatsError(f"mapping {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(mapping) - {"responses", "customers", "experiences", "transactions"})
    if unknown:
        raise LoyaltyStatsError(f"mapping {path}: unknown table section(s) {unknown}; expected "
                                "[responses], [customers], [experiences], [transactions]")
    return mapping


def _report(args: argparse.Namespace) -> int:
    from .claims import DEMO_MAPPING, check_claims, demo_tables

    progress = sys.stderr.isatty() or args.progress
    given = [f"--{t}" for t in ("responses", "customers", "experiences", "transactions",
                                "mapping") if getattr(args, t)]
    if args.demo and given:
        # the demo simulates its own tables: a file given with it would be silently ignored
        raise LoyaltyStatsError(f"--demo simulates its own tables and mapping; drop "
                                f"{', '.join(given)} (or drop --demo)")
    if args.demo:
        if progress:
            print(f"simulating {args.customers_n:,} customers (seed {args.seed})...",
                  file=sys.stderr)
        tables = demo_tables(args.customers_n, seed=args.seed)
        tables.pop("truth")
        mapping: Any = DEMO_MAPPING
        source = (f"the loyaltystats demo world: {args.customers_n:,} simulated customers "
                  f"(seed {args.seed}); not real data")
    else:
        if not args.mapping:
            raise LoyaltyStatsError("--mapping is required unless --demo is given")
        mapping = _read_mapping(args.mapping)
        tables = {}
        for role in ("responses", "customers", "experiences", "transactions"):
            path = getattr(args, role)
            if path:
                tables[role] = _read_table(path, role)
        if not tables:
            raise LoyaltyStatsError("give at least one of --responses, --customers, "
                                    "--experiences, --transactions (or --demo)")
        for role in tables:
            if role not in mapping:
                raise LoyaltyStatsError(f"the mapping has no [{role}] section for --{role}")
        source = "files: " + ", ".join(f"--{role} {getattr(args, role)}" for role in tables) \
            + f"; mapping {args.mapping}"
    report = check_claims(**tables, mapping=mapping, seed=args.seed, progress=progress,
                          missing=args.missing, source=source, simulated=args.demo)
    print(report.to_text())
    special = args.allow_special_output
    if args.out:
        write_text_atomic(args.out, report.to_html(), allow_special=special)
        print(f"\nwrote {args.out}", file=sys.stderr)
    if args.json:
        write_text_atomic(args.json, report.to_json(indent=1), allow_special=special)
    failed = report.table.loc[report.table["status"].str.startswith("failed"), "id"].tolist()
    if failed and not args.allow_failed:
        # a failed claim is an answer the user did not get: scripts must notice
        print(f"\n{len(failed)} claim(s) failed: {', '.join(failed)} (exit status "
              f"{EXIT_CLAIM_FAILED}; --allow-failed exits 0)", file=sys.stderr)
        return EXIT_CLAIM_FAILED
    return 0


class _Deprecated(argparse.Action):
    """An old spelling of an option: stores like the new one, with a one-line FutureWarning."""

    def __init__(self, option_strings: list[str], dest: str, new: str = "",
                 **kwargs: Any) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        import warnings

        warnings.warn(f"{option_string} is deprecated; use {self.new}", FutureWarning,
                      stacklevel=2)
        setattr(namespace, self.dest, values)


_FIT_ROLES = {"customers": ("id", "start", "duration", "switched", "grade", "recommend"),
              "experiences": ("time", "kind", "recovered")}


def _fit(args: argparse.Namespace) -> int:
    from .scoring import LoyaltyScorer

    mapping = _read_mapping(args.mapping)
    cm, em = mapping.get("customers") or {}, mapping.get("experiences") or {}
    columns = {role: cm[role] for role in _FIT_ROLES["customers"] if role in cm}
    columns.update({role: em[role] for role in _FIT_ROLES["experiences"] if role in em})
    missing = [r for r in ("id", "duration", "switched", "grade", "recommend") if r not in cm]
    if missing:
        raise LoyaltyStatsError(f"the mapping's [customers] section lacks {missing} (the "
                                "scorer needs id, duration, switched, grade and recommend)")
    customers = _read_table(args.customers, "customers")
    experiences = None
    if args.experiences:
        if not em:
            raise LoyaltyStatsError("the mapping has no [experiences] section for --experiences")
        experiences = _read_table(args.experiences, "experiences")
        if em.get("id", cm["id"]) != cm["id"]:
            # the scorer reads one id column name in both tables
            if isinstance(experiences, str):
                raise LoyaltyStatsError("experiences.id and customers.id name different columns;"
                                        " give them the same name to fit from Parquet paths")
            experiences = experiences.rename(columns={em["id"]: cm["id"]})
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features \
        else []
    scorer = LoyaltyScorer(horizon_months=args.horizon_months, features=features,
                           columns=columns).fit(customers, experiences)
    write_text_atomic(args.output, scorer.to_json(indent=1),
                      allow_special=args.allow_special_output)
    print(f"fitted a scorer on {scorer.training_['n_customers']:,} customers "
          f"(horizon {args.horizon_months} months) -> {args.output}", file=sys.stderr)
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
    from ._version import __version__

    parser.add_argument("--version", action="version", version=f"loyaltystats {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="simulate a world and compare estimates with its truth")
    demo.add_argument("--n-customers", dest="n_customers", type=_positive_int, default=50_000,
                      help="customers to simulate")
    # --customers names a file in `report`; as a count here it is kept one release, deprecated
    demo.add_argument("--customers", dest="n_customers", type=_positive_int,
                      action=_Deprecated, new="--n-customers", help=argparse.SUPPRESS)
    demo.add_argument("--months", type=_positive_int, default=24, help="calendar months to simulate")
    demo.add_argument("--seed", type=int, default=1, help="random seed")
    demo.set_defaults(func=_demo)

    report = sub.add_parser("report", help="test every claim the data supports")
    report.add_argument("--demo", action="store_true",
                        help="run on a bundled simulated world with known truth")
    report.add_argument("--n-customers", dest="customers_n", type=_positive_int,
                        default=20_000, help="customers in the --demo world")
    report.add_argument("--customers-n", dest="customers_n", type=_positive_int,
                        action=_Deprecated, new="--n-customers", help=argparse.SUPPRESS)
    report.add_argument("--responses", help="responses table (CSV, or Parquet file, glob or "
                        "folder: read out of core when the engines extra is installed)")
    report.add_argument("--customers", help="customers table (CSV or Parquet, as --responses)")
    report.add_argument("--experiences", help="experiences table (CSV or Parquet, as --responses)")
    report.add_argument("--transactions", help="transactions table (CSV or Parquet, as --responses)")
    report.add_argument("--mapping", help="TOML file: [table] role = column")
    report.add_argument("--output", "--out", dest="out", default="report.html", help="HTML report to write "
                        "(default report.html; '' to skip)")
    report.add_argument("--json", help="also write the report as JSON here")
    report.add_argument("--seed", type=int, default=1, help="seed for simulation and bootstraps")
    report.add_argument("--progress", action="store_true",
                        help="print progress even when stderr is not a terminal")
    report.add_argument("--missing", choices=("raise", "drop"), default="raise",
                        help="missing values in a column a claim reads: fail that claim "
                        "(raise, the default) or leave those rows out of its test and count "
                        "them (drop)")
    report.add_argument("--allow-failed", dest="allow_failed", action="store_true",
                        help=f"exit 0 even when a claim failed (default: exit status "
                        f"{EXIT_CLAIM_FAILED})")
    report.add_argument("--allow-special-output", dest="allow_special_output",
                        action="store_true", help="write through a symbolic link at an "
                        "output path, or to a FIFO or device as a stream (refused by default)")
    report.set_defaults(func=_report)

    fit = sub.add_parser("fit", help="fit a scorer on customer tables and save its artifact")
    fit.add_argument("--customers", required=True, help="customers table (CSV or Parquet)")
    fit.add_argument("--experiences", help="experiences table (CSV or Parquet): adds the "
                     "unrecovered-negatives term")
    fit.add_argument("--mapping", required=True, help="TOML file: [customers] id, start, "
                     "duration, switched, grade, recommend; [experiences] time, kind, recovered")
    fit.add_argument("--features", default="", help="comma-separated extra customer columns "
                     "(categories) to use as features")
    fit.add_argument("--horizon-months", dest="horizon_months", type=_positive_int, default=12,
                     help="scores are P(switch within this many months) (default 12)")
    fit.add_argument("--output", required=True, help="scorer JSON artifact to write")
    fit.add_argument("--allow-special-output", dest="allow_special_output",
                        action="store_true", help="write through a symbolic link at an "
                        "output path, or to a FIFO or device as a stream (refused by default)")
    fit.set_defaults(func=_fit)

    score = sub.add_parser("score", help="score a CSV of customers with a saved scorer")
    score.add_argument("--model", required=True, help="scorer JSON artifact")
    score.add_argument("--input", required=True, help="CSV with one record per row")
    score.add_argument("--output", required=True, help="CSV to write the scores to")
    score.add_argument("--errors", choices=["raise", "flag"], default="raise",
                       help="name every bad line and write nothing (raise), or write every "
                       "row with bad ones flagged in an error column (flag)")
    score.add_argument("--progress", action="store_true",
                       help="print progress even when stderr is not a terminal")
    score.add_argument("--chunksize", type=_positive_int, default=100_000,
                       help="rows per chunk (memory grows with this, not with the file)")
    score.add_argument("--id-column", default="auto",
                       help="column copied to the output (default: customer_id if present)")
    score.add_argument("--allow-special-output", dest="allow_special_output",
                        action="store_true", help="write through a symbolic link at an "
                        "output path, or to a FIFO or device as a stream (refused by default)")
    score.set_defaults(func=_score)

    serve = sub.add_parser("serve", help="serve a saved scorer over HTTP (needs the serve "
                           "extra: pip install 'loyaltystats[serve]')")
    serve.add_argument("model", help="scorer JSON artifact")
    serve.add_argument("--host", default="127.0.0.1",
                       help="interface to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=_positive_int, default=1,
                       help="worker processes; each loads the model once (default 1)")
    serve.add_argument("--max-body-bytes", dest="max_body_bytes", type=_byte_size,
                       default=64 << 20, help="largest request body, e.g. 1000000 or 64M "
                       "(default 64M); larger bodies get 413")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="do not log one line per request")
    serve.set_defaults(func=_serve)
    from ._design_cli import add_design_parser, run_design

    add_design_parser(sub).set_defaults(func=run_design)
    return parser


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: Any = None, line: str | None = None) -> None:
    """Warnings on the command line: one line, no source path (they are for users)."""
    print(f"loyaltystats: warning: {message}", file=sys.stderr if file is None else file)


def _exit_on_sigterm() -> Any:
    """SIGTERM raises SystemExit (status 143), so that ``finally`` blocks run and a file being
    written is discarded instead of left half-done (SIGKILL cannot be caught)."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (e.g. main() called from a worker thread)
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    import signal
    import warnings

    previous = _exit_on_sigterm()
    shown = warnings.showwarning
    warnings.showwarning = _one_line_warning
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except DataError as exc:
        what = "bad rows" if args.command == "score" else "bad input"
        print(f"loyaltystats: error: {what}: {exc}", file=sys.stderr)
        return 1
    except (LoyaltyStatsError, OSError) as exc:
        print(f"loyaltystats: error: {exc}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = shown
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

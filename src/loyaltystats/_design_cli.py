"""``loyaltystats design``: the argument parser and the command (kept apart from
:mod:`loyaltystats.design` so that building the CLI's parser does not import SciPy)."""

from __future__ import annotations

from typing import Any

__all__ = ["add_design_parser", "run_design"]


def add_design_parser(subparsers: Any) -> Any:
    """Add ``design`` to an argparse ``subparsers`` (``loyaltystats design ...``).

    ``loyaltystats design S1 --k 1`` prints the sample size for 80% power;
    ``loyaltystats design T5 --n 1000 --n-sim 20`` prints the simulated verdict rates;
    ``loyaltystats design N2 --effect 0.6 --n-sim 50`` searches the sample size by simulation.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
    >>> p = add_design_parser(sub)
    >>> p.parse_args(["S1", "--k", "1"]).k
    1
    """
    p = subparsers.add_parser("design", help="sample size and power of a claim",
                              description="Sample size (closed forms: S1, N1; searched "
                              "by simulation for the other claims) or the probability of "
                              "each verdict at --n (closed or simulated).")
    p.add_argument("claim", help="claim id (S1, N1, T5...)")
    p.add_argument("--n", type=int, default=None, help="study size: print power at this n")
    p.add_argument("--power", type=float, default=0.8, help="target power (default 0.8)")
    p.add_argument("--effect", type=float, default=None,
                   help="in the claim's own terms: S1 true minus claimed share, N1 NPS "
                   "points to detect; simulated claims: the value of the claim's quantity "
                   "(S2 hazard ratio, K3 adaptation factor... see docs/design.md)")
    p.add_argument("--level", type=float, default=0.95)
    p.add_argument("--k", type=int, default=None, help="S1: one claimed level (1 or 2)")
    p.add_argument("--shares", type=float, nargs=2, default=(0.2, 0.5),
                   metavar=("DETRACTORS", "PROMOTERS"), help="N1: shares (default 0.2 0.5)")
    p.add_argument("--groups", type=int, default=1, choices=(1, 2))
    p.add_argument("--half-width", type=float, default=None, help="N1: interval half-width")
    p.add_argument("--method", default="auto", choices=("auto", "closed", "simulate"))
    p.add_argument("--world", default="true", choices=("true", "false"))
    p.add_argument("--n-sim", type=int, default=None,
                   help="simulated studies per n (default 50 with --n, 100 for a sample size)")
    p.add_argument("--n-min", type=int, default=100,
                   help="simulated sample size: smallest n tried (default 100)")
    p.add_argument("--n-max", type=int, default=10_000,
                   help="simulated sample size: largest n tried (default 10000)")
    p.add_argument("--seed", type=int, default=0)
    return p


def run_design(args: Any) -> int:
    """Run ``loyaltystats design`` from parsed arguments; print the result; return 0.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
    >>> args = add_design_parser(sub).parse_args(["N1", "--effect", "10"])
    >>> run_design(args)  # doctest: +ELLIPSIS
    sample size of N1 for power 0.8 at n = 479
    ...
    0
    """
    from .design import CLOSED_FORM, power, sample_size

    shares = tuple(args.shares)
    simulated = args.method == "simulate" or (args.method == "auto"
                                              and args.claim.upper() not in CLOSED_FORM)
    if args.n is None:
        if args.world != "true":
            from .errors import ParameterError

            raise ParameterError("a sample size is searched in the claim's true world (or "
                                 "its --effect world): --world false needs --n")
        sim: dict[str, Any] = {}
        if simulated:
            sim = {"n_sim": 100 if args.n_sim is None else args.n_sim, "seed": args.seed, "n_min": args.n_min,
                   "n_max": args.n_max}
        r = sample_size(args.claim, power=args.power, effect=args.effect, level=args.level,
                        method=args.method, k=args.k, shares=shares, groups=args.groups,
                        half_width=args.half_width, **sim)
    else:
        kw: dict[str, Any] = {"level": args.level, "method": args.method}
        if simulated:
            kw.update(world=args.world, n_sim=50 if args.n_sim is None else args.n_sim, seed=args.seed,
                      effect=args.effect)
        else:
            kw.update(effect=args.effect, k=args.k, shares=shares, groups=args.groups)
        r = power(args.claim, n=args.n, **kw)
    print(r.to_text())
    return 0

"""``loyaltystats design``: the argument parser and the command (kept apart from
:mod:`loyaltystats.design` so that building the CLI's parser does not import SciPy)."""

from __future__ import annotations

from typing import Any

__all__ = ["add_design_parser", "run_design"]


def add_design_parser(subparsers: Any) -> Any:
    """Add ``design`` to an argparse ``subparsers`` (``loyaltystats design ...``).

    ``loyaltystats design S1 --k 1`` prints the sample size for 80% power;
    ``loyaltystats design T5 --n 1000 --n-sim 20`` prints the simulated verdict rates.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
    >>> p = add_design_parser(sub)
    >>> p.parse_args(["S1", "--k", "1"]).k
    1
    """
    p = subparsers.add_parser("design", help="sample size and power of a claim",
                              description="Sample size (closed forms: S1, N1) or the "
                              "probability of each verdict at --n (closed or simulated).")
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
    p.add_argument("--n-sim", type=int, default=50)
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
    if args.n is None:
        r = sample_size(args.claim, power=args.power, effect=args.effect, level=args.level,
                        k=args.k, shares=shares, groups=args.groups,
                        half_width=args.half_width)
    else:
        kw: dict[str, Any] = {"level": args.level, "method": args.method}
        if args.method == "simulate" or (args.method == "auto"
                                          and args.claim.upper() not in CLOSED_FORM):
            kw.update(world=args.world, n_sim=args.n_sim, seed=args.seed, effect=args.effect)
        else:
            kw.update(effect=args.effect, k=args.k, shares=shares, groups=args.groups)
        r = power(args.claim, n=args.n, **kw)
    print(r.to_text())
    return 0

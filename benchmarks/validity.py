"""How far to trust a verdict: every claim's verdict in a world where it is true and one where
it is false, and the coverage of every interval a verdict depends on.

Run from the repository root::

    python -m benchmarks validity             # the full study (about half an hour on 2 cores)
    python -m benchmarks validity --quick     # a few minutes, small sizes (CI, with --no-write)
    python -m benchmarks validity --claims T1,S1 --seeds 20

For each claim of the registry, its two worlds (``loyaltystats.simulate.estimands``) and each
study size n (customers), the study simulates the demo tables with a fresh seed, runs
``check_claims`` exactly as the claims report does (the demo mapping) and records the verdict
and, for every deciding term, whether its interval covers the world's truth. The truth of each
term is computed from the world's parameters, exactly or on a large reference world, never by
the estimator under test.

Output: the rates of supported / contradicted / inconclusive / failed per (claim, world, n) with
Clopper-Pearson 95% intervals, the coverage of each deciding interval at the coverage size, the
smallest measured n at which P(supported | true) reaches 0.8, and the targets of issue #14
beside each row. Written to ``benchmarks/results/validity-YYYY-MM-DD[-quick].md`` and a JSON
file of the same name that the docs build draws its figures from.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

OUTCOMES = ("supported", "contradicted", "inconclusive", "failed")
# Targets of issue #14, judged on the point estimates (the Clopper-Pearson intervals beside
# them say how sure that judgement is with the number of seeds run).
MAX_WRONG = 0.05          # P(supported | false) and P(contradicted | true), at every n
MIN_POWER = 0.80          # P(supported | true) at the largest n
POWER_N = 10_000          # ... which is this n in the full study
COVERAGE_RANGE = (0.93, 0.97)
NO_FAIL_FROM_N = 1_000


@dataclass(frozen=True)
class Settings:
    """What one study runs."""

    sizes: tuple[int, ...]
    seeds: int
    coverage_n: int
    coverage_reps: int
    reference_customers: int
    claims: tuple[str, ...]
    workers: int
    quick: bool


FULL = dict(sizes=(300, 1_000, 10_000), seeds=50, coverage_n=5_000, coverage_reps=200,
            reference_customers=200_000)
QUICK = dict(sizes=(300, 1_000), seeds=3, coverage_n=2_000, coverage_reps=4,
             reference_customers=40_000)


# ---------------------------------------------------------------------------- statistics
def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a binomial proportion ``k / n``.

    Examples
    --------
    >>> lo, hi = clopper_pearson(0, 50)
    >>> lo, round(hi, 4)
    (0.0, 0.0711)
    """
    if n <= 0:
        return (math.nan, math.nan)
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


def verdict_rates(records: pd.DataFrame) -> pd.DataFrame:
    """Rates of each outcome per (claim, world, n), with Clopper-Pearson intervals.

    ``records`` has one row per (claim, world, n, seed) with an ``outcome`` column (one of
    :data:`OUTCOMES`).
    """
    rows = []
    for (claim, world, n), g in records.groupby(["claim", "world", "n"], sort=True):
        runs = len(g)
        row: dict[str, Any] = {"claim": claim, "world": world, "n": int(n), "runs": runs}
        for o in OUTCOMES:
            k = int((g["outcome"] == o).sum())
            lo, hi = clopper_pearson(k, runs)
            row[o] = k / runs
            row[f"{o}_lo"], row[f"{o}_hi"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def coverage(terms: pd.DataFrame) -> pd.DataFrame:
    """Empirical coverage of each deciding interval per (claim, world, term, n).

    ``terms`` has one row per run and deciding term with ``truth``, ``ci_low``, ``ci_high``.
    Runs whose interval is missing or not finite at both ends count as misses when the truth
    is finite (an interval that cannot be computed does not cover), and are counted apart
    in ``no_interval``.
    """
    rows = []
    for (claim, world, term, n), g in terms.groupby(["claim", "world", "term", "n"], sort=True):
        lo, hi, truth = (g[c].to_numpy(float) for c in ("ci_low", "ci_high", "truth"))
        missing = np.isnan(lo) | np.isnan(hi)
        covered = ~missing & (lo <= truth) & (truth <= hi)
        k, runs = int(covered.sum()), len(g)
        c_lo, c_hi = clopper_pearson(k, runs)
        rows.append({"claim": claim, "world": world, "term": term, "n": int(n), "runs": runs,
                     "truth": float(truth[0]), "coverage": k / runs, "coverage_lo": c_lo,
                     "coverage_hi": c_hi, "no_interval": int(missing.sum()),
                     "misses_below": int((~missing & (hi < truth)).sum()),
                     "misses_above": int((~missing & (lo > truth)).sum()),
                     "median_estimate": float(np.nanmedian(g["estimate"].to_numpy(float)))
                     if np.isfinite(g["estimate"].to_numpy(float)).any() else math.nan})
    return pd.DataFrame(rows)


def smallest_powered_n(rates: pd.DataFrame, power: float = MIN_POWER) -> dict[str, Any]:
    """Per claim, the smallest measured n whose P(supported | true) reaches ``power``."""
    out: dict[str, Any] = {}
    true = rates[rates["world"] == "true"]
    for claim, g in true.groupby("claim", sort=True):
        ok = g[g["supported"] >= power].sort_values("n")
        out[claim] = int(ok["n"].iloc[0]) if len(ok) else None
    return out


# ---------------------------------------------------------------------------- one world
def _seed(*parts: Any) -> int:
    """A stable seed from the study coordinates (not Python's salted hash)."""
    return zlib.crc32(repr(parts).encode()) & 0x7FFF_FFFF


def _world_key(overrides: Mapping[str, Any]) -> str:
    return json.dumps({k: overrides[k] for k in sorted(overrides)}, sort_keys=True,
                      default=list)


def _run_world(job: dict[str, Any]) -> tuple[list[dict], list[dict], dict[str, Any]]:
    """Every run of one world: its claims (each labelled true or false here) at every size."""
    import warnings

    from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables
    from loyaltystats.simulate import WorldParams
    from loyaltystats.simulate import reference as ref
    from loyaltystats.simulate.estimands import get_spec

    warnings.simplefilter("ignore")
    ref.REFERENCE_CUSTOMERS = job["reference_customers"]
    overrides = json.loads(job["key"])
    params = WorldParams().replace(**overrides)
    labels: dict[str, str] = job["claims"]          # claim -> "true" / "false"
    specs = {c: get_spec(c) for c in labels}
    t0 = time.perf_counter()
    truths = {c: specs[c].truth(params) for c in labels}
    meta = {"key": job["key"], "truth_seconds": time.perf_counter() - t0, "truths": truths,
            "holds": {c: bool(specs[c].holds(truths[c])) for c in labels}}
    mapping = job.get("mapping") or DEMO_MAPPING
    records: list[dict] = []
    term_rows: list[dict] = []
    plan = [(n, r, False) for n in job["sizes"] for r in range(job["seeds"])]
    plan += [(job["coverage_n"], r, True) for r in range(job["coverage_reps"])]
    t0 = time.perf_counter()
    for n, rep, coverage_run in plan:
        seed = _seed(job["key"], n, rep, coverage_run)
        tables = demo_tables(n, seed=seed, **overrides)
        tables.pop("truth")
        try:
            report = check_claims(**tables, mapping=mapping, claims=list(labels), seed=rep)
        except Exception as exc:  # noqa: BLE001 - a crash is a measured outcome
            report, crash = None, f"{type(exc).__name__}: {exc}"
        for claim, world in labels.items():
            spec = specs[claim]
            outcome, reason, res = "failed", "", None
            if report is None:
                reason = crash
            else:
                status = str(report.table.set_index("id").loc[claim, "status"])
                res = report.claim_results.get(claim)
                if res is None:
                    reason = status
                else:
                    outcome = str(res.verdict)
            records.append({"claim": claim, "world": world, "n": n, "rep": rep,
                            "outcome": outcome, "reason": reason[:200],
                            "coverage_run": coverage_run})
            est = res.estimates.set_index("term") if res is not None else None
            for term in spec.terms:
                row = {"claim": claim, "world": world, "n": n, "rep": rep, "term": term.term,
                       "truth": truths[claim][term.term], "estimate": math.nan,
                       "ci_low": math.nan, "ci_high": math.nan}
                if est is not None and term.term in est.index:
                    r = est.loc[term.term]
                    if isinstance(r, pd.DataFrame):
                        r = r.iloc[0]
                    row.update(estimate=float(r["estimate"]), ci_low=float(r["ci_low"]),
                               ci_high=float(r["ci_high"]))
                term_rows.append(row)
    meta["run_seconds"] = time.perf_counter() - t0
    return records, term_rows, meta


# ---------------------------------------------------------------------------- the study
def plan_worlds(claims: Iterable[str]) -> dict[str, dict[str, str]]:
    """World key -> {claim: "true" | "false"}: one simulated world serves every claim that
    uses it, so the default world is simulated once for all the claims true (or false) there."""
    from loyaltystats.simulate.estimands import get_spec

    worlds: dict[str, dict[str, str]] = {}
    for c in claims:
        spec = get_spec(c)
        for label, overrides in (("true", spec.true_world), ("false", spec.false_world)):
            key = _world_key(overrides)
            if label == "false" and spec.descriptive and key == _world_key(spec.true_world):
                continue  # a descriptive claim's two worlds may be one
            worlds.setdefault(key, {})[c] = label
    return worlds


def run_study(settings: Settings) -> dict[str, Any]:
    """Run every world of ``settings`` and return records, term rows and per-world facts."""
    worlds = plan_worlds(settings.claims)
    jobs = [{"key": key, "claims": labels, "sizes": list(settings.sizes),
             "seeds": settings.seeds, "coverage_n": settings.coverage_n,
             "coverage_reps": settings.coverage_reps,
             "reference_customers": settings.reference_customers}
            for key, labels in worlds.items()]
    # the largest worlds first, so the pool does not end on one long job
    jobs.sort(key=lambda j: -len(j["claims"]))
    records: list[dict] = []
    term_rows: list[dict] = []
    metas: list[dict] = []
    done = 0
    with ProcessPoolExecutor(max_workers=settings.workers) as pool:
        for rec, terms, meta in pool.map(_run_world, jobs):
            records += rec
            term_rows += terms
            metas.append(meta)
            done += 1
            print(f"  world {done}/{len(jobs)} ({', '.join(meta['holds'])}): "
                  f"truth {meta['truth_seconds']:.0f} s, runs {meta['run_seconds']:.0f} s",
                  file=sys.stderr, flush=True)
    return {"records": pd.DataFrame(records), "terms": pd.DataFrame(term_rows), "worlds": metas}


def summarize(study: Mapping[str, Any], settings: Settings) -> dict[str, pd.DataFrame | dict]:
    """Rates, coverage, power and the target checks of a study."""
    from loyaltystats.simulate.estimands import get_spec

    rec = study["records"]
    rates = verdict_rates(rec[~rec["coverage_run"]])
    rates_cov = verdict_rates(rec[rec["coverage_run"]])
    rates = pd.concat([rates, rates_cov], ignore_index=True).sort_values(
        ["claim", "world", "n"], ignore_index=True)
    terms = study["terms"]
    cov = coverage(terms[terms["n"] == settings.coverage_n])
    largest = max(settings.sizes)
    checks = []
    for _, r in rates.iterrows():
        spec = get_spec(r["claim"])
        notes = []
        if spec.descriptive:
            notes.append("descriptive: no verdict")
        elif r["world"] == "false" and r["supported"] > MAX_WRONG:
            notes.append(f"P(supported | false) {r['supported']:.2f} > {MAX_WRONG}")
        elif r["world"] == "true":
            if r["contradicted"] > MAX_WRONG:
                notes.append(f"P(contradicted | true) {r['contradicted']:.2f} > {MAX_WRONG}")
            if r["n"] == largest and r["supported"] < MIN_POWER:
                why = f" (exception: {spec.power_note})" if spec.power_note else ""
                notes.append(f"P(supported | true) {r['supported']:.2f} < {MIN_POWER}{why}")
        if r["n"] >= NO_FAIL_FROM_N and r["failed"] > 0:
            notes.append(f"failed {r['failed']:.2f} > 0")
        checks.append("; ".join(notes) if notes else "ok")
    rates["target"] = checks
    exempt = {(c, t.term): t.coverage_exempt for c in cov["claim"].unique()
              for t in get_spec(c).terms if t.coverage_exempt}
    def coverage_target(cl: str, term: str, c: float) -> str:
        if (cl, term) in exempt:
            return f"exempt: {exempt[(cl, term)]}"
        if COVERAGE_RANGE[0] <= c <= COVERAGE_RANGE[1]:
            return "ok"
        why = get_spec(cl).conservative_note if c > COVERAGE_RANGE[1] else ""
        return (f"{c:.3f} outside {COVERAGE_RANGE[0]}-{COVERAGE_RANGE[1]}"
                + (f" (conservative; exception: {why})" if why else ""))

    cov["target"] = [coverage_target(cl, term, c)
                     for cl, term, c in zip(cov["claim"], cov["term"], cov["coverage"])]
    power = smallest_powered_n(rates)
    return {"rates": rates, "coverage": cov, "power": power}


# ---------------------------------------------------------------------------- writing
def _fmt_rate(r: Mapping[str, Any], o: str) -> str:
    return f"{r[o]:.2f} [{r[o + '_lo']:.2f}, {r[o + '_hi']:.2f}]"


def render(summary: Mapping[str, Any], study: Mapping[str, Any], settings: Settings,
           seconds: float, command: str) -> str:
    """The results page (markdown)."""
    from loyaltystats import __version__
    from loyaltystats.claims import list_claims
    from loyaltystats.simulate.estimands import get_spec

    rates, cov, power = summary["rates"], summary["coverage"], summary["power"]
    statements = list_claims().set_index("id")["statement"]
    truths = {}
    for meta in study["worlds"]:
        for c, t in meta["truths"].items():
            label = "true" if _world_key(get_spec(c).true_world) == meta["key"] else "false"
            truths[(c, label)] = (t, meta["holds"][c])
    lines = [
        f"# Validity of the verdicts: {dt.date.today().isoformat()}"
        + (" (quick)" if settings.quick else ""),
        "",
        f"Command: `{command}`. Machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, loyaltystats {__version__}, numpy {np.__version__}, "
        f"pandas {pd.__version__}. Wall time {seconds / 60:.1f} min with {settings.workers} "
        "worker processes.",
        "",
        f"Sizes n (customers, 24 months): {', '.join(f'{n:,}' for n in settings.sizes)}, "
        f"{settings.seeds} seeds each; coverage at n = {settings.coverage_n:,} over "
        f"{settings.coverage_reps} replications (their verdicts are in the rates table too). "
        f"Truth on reference worlds of {settings.reference_customers:,} customers where it is "
        "Monte-Carlo. Each run simulates the demo tables with its own seed and calls "
        "`check_claims` with the demo mapping, as `loyaltystats report` does.",
        "",
        "Targets (issue #14), judged on the point estimate; the brackets are Clopper-Pearson 95% "
        f"intervals over the seeds: P(supported | false) <= {MAX_WRONG} and P(contradicted | "
        f"true) <= {MAX_WRONG} at every n; P(supported | true) >= {MIN_POWER} at n = "
        f"{max(settings.sizes):,}; coverage of every deciding 95% interval within "
        f"{COVERAGE_RANGE[0]}-{COVERAGE_RANGE[1]} at n = {settings.coverage_n:,}; no failed run "
        f"at n >= {NO_FAIL_FROM_N:,}. A row that misses a target says so in `target`.",
        "",
        "## Verdict rates",
        "",
        "| claim | world | n | runs | supported | contradicted | inconclusive | failed | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rates.iterrows():
        lines.append(f"| {r['claim']} | {r['world']} | {r['n']:,} | {r['runs']} | "
                     + " | ".join(_fmt_rate(r, o) for o in OUTCOMES) + f" | {r['target']} |")
    lines += ["", f"## Coverage of the deciding intervals at n = {settings.coverage_n:,}", "",
              "| claim | world | term | truth | median estimate | coverage | misses below / "
              "above | no interval | target |",
              "|---|---|---|---|---|---|---|---|---|"]
    for _, r in cov.iterrows():
        lines.append(
            f"| {r['claim']} | {r['world']} | `{r['term']}` | {r['truth']:.4g} | "
            f"{r['median_estimate']:.4g} | {r['coverage']:.3f} [{r['coverage_lo']:.3f}, "
            f"{r['coverage_hi']:.3f}] | {r['misses_below']} / {r['misses_above']} | "
            f"{r['no_interval']} | {r['target']} |")
    measured = sorted(set(settings.sizes) | {settings.coverage_n})
    lines += ["", "## Power: the smallest n with P(supported | true) >= 0.8", "",
              f"Among the measured sizes ({', '.join(f'{n:,}' for n in measured)}); "
              "'not reached' means not at the largest of them.", "",
              "| claim | smallest n |", "|---|---|"]
    for claim in sorted(power):
        v = power[claim]
        lines.append(f"| {claim} | {v:,} |" if v is not None else f"| {claim} | not reached |")
    lines += ["", "## The worlds and their truth", "",
              "| claim | statement | world | what makes it so | truth of the deciding terms "
              "| claim holds |", "|---|---|---|---|---|---|"]
    for claim in sorted({c for c, _ in truths}):
        spec = get_spec(claim)
        for label in ("true", "false"):
            if (claim, label) not in truths:
                continue
            t, holds = truths[(claim, label)]
            note = spec.true_note if label == "true" else spec.false_note
            tt = "; ".join(f"`{k}` = {v:.4g}" for k, v in t.items())
            lines.append(f"| {claim} | {statements[claim]} | {label} | {note} | {tt} | "
                         f"{'yes' if holds else 'no'} |")
    lines.append("")
    return "\n".join(lines)


def to_json(summary: Mapping[str, Any], settings: Settings, seconds: float) -> dict[str, Any]:
    """The summary as JSON (what the docs figures are drawn from)."""
    def frame(df: pd.DataFrame) -> list[dict]:
        return json.loads(df.to_json(orient="records"))

    return {"date": dt.date.today().isoformat(), "settings": settings.__dict__,
            "seconds": seconds, "rates": frame(summary["rates"]),
            "coverage": frame(summary["coverage"]), "power": summary["power"]}


# ---------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> int:
    from loyaltystats.claims.registry import CLAIMS

    ap = argparse.ArgumentParser(prog="python -m benchmarks validity", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and few seeds (CI)")
    ap.add_argument("--no-write", action="store_true", help="print, do not write results")
    ap.add_argument("--claims", default="", help="comma-separated claim ids (default: all)")
    ap.add_argument("--seeds", type=int, help="seeds per (claim, world, n)")
    ap.add_argument("--coverage-reps", type=int, help="replications at the coverage size")
    ap.add_argument("--sizes", default="", help="comma-separated study sizes")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(list(argv) if argv is not None else None)
    base = dict(QUICK if args.quick else FULL)
    if args.seeds is not None:
        base["seeds"] = args.seeds
    if args.coverage_reps is not None:
        base["coverage_reps"] = args.coverage_reps
    if args.sizes:
        base["sizes"] = tuple(int(s) for s in args.sizes.split(","))
    claims = tuple(c.strip().upper() for c in args.claims.split(",") if c.strip()) or tuple(
        c.id for c in CLAIMS)
    settings = Settings(claims=claims, workers=args.workers, quick=args.quick, **base)
    command = "python -m benchmarks validity " + " ".join(argv if argv is not None
                                                          else sys.argv[2:])
    t0 = time.perf_counter()
    study = run_study(settings)
    seconds = time.perf_counter() - t0
    summary = summarize(study, settings)
    text = render(summary, study, settings, seconds, command.strip())
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = f"validity-{dt.date.today().isoformat()}" + ("-quick" if args.quick else "")
        (RESULTS / f"{stem}.md").write_text(text)
        (RESULTS / f"{stem}.json").write_text(
            json.dumps(to_json(summary, settings, seconds), indent=1))
        print(f"wrote {RESULTS / stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The speed table of issue #21, measured again: each row against what a user would write.

Run from the repository root::

    python -m benchmarks speed            # the issue's sizes (about 15 min on 2 cores)
    python -m benchmarks speed --quick    # small sizes, a smoke test of the script

Every row is one task at one size N, both sides on the same data in the same run:
loyaltystats is timed end to end through its public call (validation, counting, every model,
intervals, claim verdicts), median of ``--repeats`` runs after one warm-up; the baseline is
what a user would otherwise write (statsmodels, lifelines, plain numpy or pandas), median of
the same repeats when one run takes under 10 s, else a single run (marked). The ratio is
baseline time / loyaltystats time at that same N, never extrapolated. Each row prints how far
the two sides' estimates agree.

Writes ``benchmarks/results/speed-YYYY-MM-DD[-quick].md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from benchmarks._timing import mem_total_gib, versions
from benchmarks.perf import dose_data, hazard_data, naive_dose, naive_hazard, person_month_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SLOW = 10.0  # a baseline run longer than this is timed once
FULL = {"cox": 10_000, "hazard": 1_000_000, "dose": 10_000_000, "count": 1_000_000,
        "curve": 10_000_000, "level": 1_000_000, "nps": 1_000_000, "score": 1_000_000}
QUICK = {"cox": 2_000, "hazard": 20_000, "dose": 100_000, "count": 100_000,
         "curve": 100_000, "level": 20_000, "nps": 100_000, "score": 100_000}


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _times(fn: Callable[[], Any], repeats: int, *, warmup: bool) -> tuple[float, int, Any]:
    """(median seconds, runs, last result); one run only when the first exceeds SLOW."""
    if warmup:
        fn()
    out: Any = None
    times: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if times[0] > SLOW:
            break
    return statistics.median(times), len(times), out


def _row(task: str, n: int, ours: tuple[float, int, Any], base: tuple[float, int, Any],
         baseline: str, agreement: str, unit: str = "rows") -> dict[str, Any]:
    row = {"task": task, "n": n, "unit": unit, "ours_s": ours[0], "ours_runs": ours[1],
           "baseline": baseline, "base_s": base[0], "base_runs": base[1],
           "ratio": base[0] / ours[0], "agreement": agreement}
    print(f"  {task:34s} n={n:>12,}  ours {ours[0]:.4f} s ({ours[1]})  baseline "
          f"{base[0]:.4f} s ({base[1]})  ratio {row['ratio']:,.1f}  {agreement}", flush=True)
    return row


# ---------------------------------------------------------------------------- Cox
def cox_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    """hazard(method="cox") against lifelines CoxTimeVaryingFitter on the long table."""
    from lifelines import CoxTimeVaryingFitter

    from loyaltystats.switching import hazard
    from loyaltystats.switching._survival import long_table, prepare

    horizon = 12
    cust, exp = hazard_data(n, horizon)
    ours = _times(lambda: hazard(cust, exp, period=1.0, horizon=horizon, method="cox"),
                  repeats, warmup=True)
    data = prepare(cust, exp, id="customer_id", start="start", end="end", switched="switched",
                   time="time", period=1.0)
    long = long_table(data, ["negatives"], horizon=horizon, cap=3)  # built before the clock
    for j in (1, 2, 3):
        long[f"k{j}"] = (long["negatives"] == j).astype(float)
    cols = ["customer", "start", "stop", "event"]

    def lifelines_fits() -> tuple[Any, Any]:
        cat = CoxTimeVaryingFitter().fit(long[cols + ["k1", "k2", "k3"]], id_col="customer",
                                         event_col="event", start_col="start",
                                         stop_col="stop")
        lin = CoxTimeVaryingFitter().fit(long[cols + ["negatives"]], id_col="customer",
                                         event_col="event", start_col="start",
                                         stop_col="stop")
        return cat, lin

    base = _quiet(lambda: _times(lifelines_fits, repeats, warmup=False))
    est = ours[2].estimates.set_index("term")
    cat, lin = base[2]
    ours_log = np.log(est.loc[["hr[k=1]", "hr[k=2]", "hr[k=3+]"], "estimate"].to_numpy())
    diff = max(np.abs(ours_log - cat.params_.to_numpy()).max(),
               abs(np.log(est.loc["hr_per_negative", "estimate"]) - lin.params_.iloc[0]))
    return [_row("switching.hazard(method='cox')", n, ours, base,
                 f"lifelines CoxTimeVaryingFitter x2 (3 dummies; linear count) on the "
                 f"{len(long):,}-row long table (built before timing)",
                 f"log hazard ratios differ by at most {diff:.1e}", unit="customers")]


# ---------------------------------------------------------------------------- hazard
def hazard_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    """Discrete hazard against statsmodels' cloglog GLM on the person-month rows."""
    from loyaltystats.switching import hazard

    horizon = 12
    cust, exp = hazard_data(n, horizon)
    ours = _times(lambda: hazard(cust, exp, period=1.0, horizon=horizon), repeats, warmup=True)
    period, neg, event = person_month_rows(cust, exp, horizon)
    base = _times(lambda: naive_hazard(period, neg, event, horizon), repeats, warmup=False)
    est = ours[2].estimates.set_index("term")["estimate"]
    diff = max(abs(np.log(est[f"hr[k={lab}]"]) - base[2][f"log_hr[k={j}]"])
               for j, lab in ((1, "1"), (2, "2"), (3, "3+")))
    return [_row("switching.hazard(method='discrete')", n, ours, base,
                 f"statsmodels GLM cloglog (period + negatives dummies) on the {len(period):,} "
                 "person-month rows (built before timing)",
                 f"log hazard ratios differ by at most {diff:.1e}", unit="customers")]


# ---------------------------------------------------------------------------- dose
def dose_cells(df: pd.DataFrame) -> dict[str, float]:
    """What a careful user writes: a pandas groupby, then two binomial GLMs on the 4 cells."""
    import statsmodels.api as sm

    k = np.minimum(df["negatives"].to_numpy(), 3)
    g = pd.DataFrame({"k": k, "y": df["switched"].to_numpy()}).groupby("k")["y"].agg(
        ["sum", "count"])
    yes, n = g["sum"].to_numpy(float), g["count"].to_numpy(float)
    kk = g.index.to_numpy(float)
    endog = np.column_stack([yes, n - yes])
    one = np.ones_like(kk)
    cat = sm.GLM(endog, np.column_stack([one] + [kk == j for j in (1, 2, 3)]).astype(float),
                 family=sm.families.Binomial()).fit()
    lin = sm.GLM(endog, np.column_stack([one, kk]), family=sm.families.Binomial()).fit()
    return {"log_or_per_negative": float(lin.params[1]), "log_or_1": float(cat.params[1])}


def dose_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    from loyaltystats.switching import dose_response

    df = dose_data(n)
    ours = _times(lambda: dose_response(df), repeats, warmup=True)
    mine = np.log(ours[2].estimates.set_index("term")["estimate"]["odds_ratio_per_negative"])
    rows = []
    for fn, what in ((dose_cells, "pandas groupby + two statsmodels GLMs on the 4 cells"),
                     (naive_dose, "statsmodels Logit x2 (k categorical, k linear) on the rows")):
        base = _quiet(lambda fn=fn: _times(lambda: fn(df), repeats, warmup=False))
        diff = abs(mine - base[2]["log_or_per_negative"])
        rows.append(_row("switching.dose_response", n, ours, base, what,
                         f"log odds ratio per negative differs by {diff:.1e}"))
    return rows


# ---------------------------------------------------------------------------- count_cells
def count_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    from loyaltystats.tables import count_cells

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"grade": rng.integers(1, 11, n).astype(np.int8),
                       "negatives": rng.integers(0, 4, n).astype(np.int8),
                       "segment": rng.integers(0, 3, n).astype(np.int8),
                       "stayed": rng.random(n) < 0.7})
    keys = ["grade", "negatives", "segment"]
    ours = _times(lambda: count_cells(df, keys, outcome="stayed"), repeats, warmup=True)

    def numpy_count() -> tuple[np.ndarray, np.ndarray]:
        g = df["grade"].to_numpy().astype(np.int64)
        key = (g * 4 + df["negatives"].to_numpy()) * 3 + df["segment"].to_numpy()
        return (np.bincount(key, minlength=11 * 12),
                np.bincount(key, weights=df["stayed"].to_numpy(), minlength=11 * 12))

    base = _times(numpy_count, repeats, warmup=True)
    cells = ours[2]
    n_cells = int((base[2][0] > 0).sum())
    same = (len(cells) == n_cells and int(cells.iloc[:, -2:].to_numpy().sum())
            == int(base[2][0].sum() + base[2][1].sum()))
    return [_row("tables.count_cells (3 int8 keys)", n, ours, base,
                 "numpy: one int64 key, two bincounts (no validation)",
                 f"{len(cells)} cells vs {n_cells}; totals {'equal' if same else 'DIFFER'}")]


# ---------------------------------------------------------------------------- thresholds
def curve_logits(df: pd.DataFrame) -> dict[str, Any]:
    """The 19 logistic models loyalty_curve fits, on the raw rows (statsmodels Logit)."""
    import statsmodels.api as sm

    s = df["grade"].to_numpy(float)
    y = df["retained"].to_numpy(float)
    one = np.ones_like(s)
    values = np.sort(np.unique(s))
    slope = sm.Logit(y, np.column_stack([one, s])).fit(disp=False).params[1]
    band = np.digitize(s, [6.5, 7.5, 8.5])  # bands <=6, 7, 8, 9-10 of the 1-10 grade
    sm.Logit(y, np.column_stack([one, s] + [(band == j).astype(float) for j in (1, 2, 3)])
             ).fit(disp=False)
    steps = {c: sm.Logit(y, np.column_stack([one, s, (s >= c).astype(float)])).fit(
        disp=False).llf for c in values[1:]}
    for c in values[1:-1]:
        sm.Logit(y, np.column_stack([one, s, np.maximum(s - c, 0.0)])).fit(disp=False)
    return {"slope": float(slope), "steps": steps}  # steps: log-likelihood per breakpoint


def curve_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    from benchmarks.bench_thresholds import make_rows

    from loyaltystats.thresholds import loyalty_curve

    df = make_rows(n)
    ours = _times(lambda: loyalty_curve(df, "grade", "retained", n_boot=200, seed=0), repeats,
                  warmup=True)
    base = _quiet(lambda: _times(lambda: curve_logits(df), repeats, warmup=False))
    models = ours[2].tables["models"].set_index(["model", "term"])["estimate"]
    prof = ours[2].tables["profile"]
    # log-likelihoods, not jumps: a step with a single row below it has no finite jump (both
    # sides stop at different large values) but the same maximized log-likelihood
    prof = prof[prof["kind"] == "step"].set_index("breakpoint")["llf"]
    slope = abs(models[("linear", "grade")] - base[2]["slope"])
    llf = max(abs(prof[c] - v) for c, v in base[2]["steps"].items() if c in prof.index)
    return [_row("thresholds.loyalty_curve (n_boot=200)", n, ours, base,
                 "statsmodels Logit on the rows: the 19 models loyalty_curve fits (no bootstrap)",
                 f"slope differs by {slope:.1e}; step models' log-likelihoods by at most "
                 f"{llf:.1e}")]


def level_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    from benchmarks.bench_thresholds import make_rows
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from loyaltystats.thresholds import by_level

    df = make_rows(n)
    ours = _times(lambda: by_level(df, "grade", "expectation",
                                   claimed={"met": 8, "exceeded": 9}), repeats, warmup=True)
    codes = df["expectation"].cat.codes.to_numpy()
    X = np.column_stack([codes == 1, codes == 2]).astype(float)
    y = pd.Categorical(df["grade"], categories=np.sort(df["grade"].unique()), ordered=True)
    base = _quiet(lambda: _times(lambda: OrderedModel(y, X, distr="logit").fit(
        method="bfgs", disp=False, maxiter=2000), repeats, warmup=False))
    est = ours[2].estimates.set_index("term")["estimate"]
    diff = max(abs(np.log(est["OR[met vs below]"]) - base[2].params[0]),
               abs(np.log(est["OR[exceeded vs below]"]) - base[2].params[1]))
    return [_row("thresholds.by_level", n, ours, base,
                 "statsmodels OrderedModel (logit, BFGS) on the rows",
                 f"log odds ratios differ by {diff:.1e} (BFGS tolerance)")]


# ---------------------------------------------------------------------------- NPS
def nps_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    from loyaltystats import nps

    s = np.random.default_rng(5).integers(0, 11, n).astype(np.int8)
    ours = _times(lambda: nps.score(s, ci="bootstrap", n_boot=2000, seed=0), repeats,
                  warmup=True)

    def row_bootstrap() -> tuple[float, float]:
        v = np.where(s >= 9, 100.0, np.where(s <= 6, -100.0, 0.0))
        rng = np.random.default_rng(0)
        stats = np.array([v[rng.integers(0, n, n)].mean() for _ in range(2000)])
        return tuple(np.quantile(stats, [0.025, 0.975]))

    base = _times(row_bootstrap, repeats, warmup=False)
    est = ours[2].estimates.set_index("term").loc["nps"]
    diff = max(abs(est["ci_low"] - base[2][0]), abs(est["ci_high"] - base[2][1]))
    return [_row("nps.score(ci='bootstrap', 2,000)", n, ours, base,
                 "numpy row bootstrap of the NPS, 2,000 resamples",
                 f"interval ends differ by {diff:.2f} NPS points (two Monte-Carlo draws)")]


# ---------------------------------------------------------------------------- scoring
def score_rows(n: int, repeats: int) -> list[dict[str, Any]]:
    """LoyaltyScorer.score on a DataFrame and on one dict against numpy / plain Python on the
    artifact's coefficients (benchmarks/bench_scoring.py's baselines)."""
    import json
    import tempfile

    from benchmarks.bench_scoring import numpy_p_switch, python_scorer, records

    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    w = generate(50_000, seed=1)
    scorer = LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)
    with tempfile.TemporaryDirectory() as tmp:
        scorer.save(f"{tmp}/scorer.json")
        art = json.loads(Path(f"{tmp}/scorer.json").read_text())
    df = records(n)
    ours = _times(lambda: scorer.score(df), max(repeats, 5), warmup=True)
    base = _times(lambda: numpy_p_switch(art, df), max(repeats, 5), warmup=True)
    diff = float(np.max(np.abs(ours[2]["p_switch"].to_numpy() - base[2])))
    rows = [_row("LoyaltyScorer.score(DataFrame)", n, ours, base,
                 "numpy on the artifact's coefficients, p_switch only, no checks",
                 f"p_switch differs by at most {diff:.1e}; {n / ours[0] / 1e6:.2f} M "
                 "records/s (validation included)", unit="records")]
    recs = df.head(2000).to_dict("records")
    plain = python_scorer(art)

    def each(fn: Callable[[Any], Any]) -> Callable[[], None]:
        return lambda: [fn(r) for r in recs]

    ours1 = _times(each(scorer.score), max(repeats, 5), warmup=True)
    base1 = _times(each(plain), max(repeats, 5), warmup=True)
    d1 = max(abs(scorer.score(r)["p_switch"] - plain(r)["p_switch"]) for r in recs[:200])
    per = (ours1[0] / len(recs) * 1e6, base1[0] / len(recs) * 1e6)
    rows.append(_row("LoyaltyScorer.score(dict)", len(recs), ours1, base1,
                     "plain Python computing the same fields from the artifact, no checks",
                     f"{per[0]:.2f} us vs {per[1]:.2f} us per record; p_switch differs by "
                     f"at most {d1:.1e}", unit="dicts, one call each"))
    return rows


SECTIONS: dict[str, Callable[[int, int], list[dict[str, Any]]]] = {
    "cox": cox_rows, "hazard": hazard_rows, "dose": dose_rows, "count": count_rows,
    "curve": curve_rows, "level": level_rows, "nps": nps_rows, "score": score_rows,
}


# ---------------------------------------------------------------------------- report
def report(rows: list[dict[str, Any]], cmd: str, wall: float) -> str:
    vers = versions(["numpy", "pandas", "scipy", "statsmodels", "lifelines", "loyaltystats"])
    lines = [f"# Speed against what a user would write: {dt.date.today()}", "",
             f"Command: `{cmd}` (total {wall:.0f} s).", "",
             f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, "
             f"{mem_total_gib():.1f} GiB; " + ", ".join(f"{k} {v}" for k, v in vers.items())
             + ".", "",
             "Both sides on the same data in the same run, at the same N. loyaltystats: the "
             "public call end to end, median of the runs shown after a warm-up. Baseline: "
             f"median of the runs shown (one run when it took over {SLOW:.0f} s). "
             "Ratio = baseline / loyaltystats; above 1 loyaltystats is faster.", "",
             "| task | N | loyaltystats | baseline | baseline time | ratio | agreement |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['n']:,} {r['unit']} | {r['ours_s']:.4f} s "
                     f"({r['ours_runs']}) | {r['baseline']} | {r['base_s']:.4f} s "
                     f"({r['base_runs']}) | {r['ratio']:,.2f}x | {r['agreement']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks speed", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated sections: "
                    + ",".join(SECTIONS))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for name in chosen:
        print(f"[{name}] N = {sizes[name]:,}", flush=True)
        rows += SECTIONS[name](sizes[name], args.repeats)
    cmd = "python -m benchmarks speed" + (" " + " ".join(argv) if argv else "")
    text = report(rows, cmd, time.perf_counter() - t0)
    if not args.no_write:
        out = RESULTS / f"speed-{dt.date.today()}{'-quick' if args.quick else ''}.md"
        out.write_text(text)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

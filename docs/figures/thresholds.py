"""Figure of docs/thresholds.md: T1-T5 on the page's simulated worlds (seeds 11, 5 and 2).

Run by the docs build (docs/gen_figures.py) as ``python thresholds.py OUTDIR``; every PNG
written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from loyaltystats.simulate import generate  # noqa: E402
from loyaltystats.thresholds import (  # noqa: E402
    band_table,
    basics_ceiling,
    by_level,
    loyalty_curve,
    moments_of_truth,
)

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

# T1-T3: a one-month world, where the simulator's grade truths are exact
world = generate(80_000, months=1, seed=11)
responses = world.responses
t1 = by_level(responses, "grade", "expectation", claimed={"met": 8, "exceeded": 9})
t3 = by_level(responses, "grade", "tier", claim_id="T3",
              claimed={"meets needs": (6, 7.99), "easy": 8, "enjoyable": 9})
t2 = basics_ceiling(responses, "grade", basics=["B1", "B2"], delighters=["D1"], others=["P1"])

# T4: the baseline is the mean of the customer's last three transaction grades
w4 = generate(20_000, months=12, seed=5)
tr = w4.transactions.sort_values(["customer_id", "month"])
g = tr["grade"].astype(float)
same1 = tr["customer_id"].shift(1) == tr["customer_id"]
same2 = tr["customer_id"].shift(2) == tr["customer_id"]
tr["baseline_grade"] = pd.concat([g, g.shift(1).where(same1), g.shift(2).where(same2)],
                                 axis=1).mean(axis=1)
r4 = w4.responses.merge(tr[["customer_id", "month", "baseline_grade"]],
                        on=["customer_id", "month"])
t4 = moments_of_truth(r4, "feels_first", "baseline_grade", "grade", baseline_from=7,
                      peak_from=9)

# T5: 12-month retention by the onboarding grade
w5 = generate(30_000, months=24, seed=2)
cust = w5.customers[w5.customers["start"] <= 12].copy()
cust["retained"] = ~(cust["switched"] & (cust["duration"] <= 12))
bt = band_table(cust, "grade", outcome="retained")
t5 = loyalty_curve(cust, "grade", "retained", n_boot=200, seed=0)

fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
t1.plot(ax=axes[0, 0])
t3.plot(ax=axes[0, 1])
t2.plot(ax=axes[0, 2])
t4.plot(ax=axes[1, 0])
bt.plot(ax=axes[1, 1])
t5.plot(ax=axes[1, 2])
fig.tight_layout()
fig.savefig(out / "thresholds.png", dpi=80)

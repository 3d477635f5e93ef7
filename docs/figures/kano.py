"""Figure of docs/kano.md: the four Kano plots of the page's worked example (seed 3).

Run by the docs build (docs/gen_figures.py) as ``python kano.py OUTDIR``; every PNG written
to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats import kano  # noqa: E402
from loyaltystats.simulate import generate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

world = generate(50_000, seed=3)
resp = world.responses

early = resp[resp["month"] < 3]
pr = kano.prca(early, "grade", ["B1", "B2", "P1", "D1"], cluster="customer_id",
               n_boot=500, seed=1)
first = resp[resp["n_prev_delights"] == 0]
d = kano.decay(first, "grade", "D1", "time", adjust=["B1", "B2", "P1", "company"],
               n_boot=500, seed=1)
a = kano.adaptation(world.experiences, resp[resp["D1"] >= 3], "customer_id")
attrs = ["B1", "B2", "P1", "D1"]
wave_a = kano.prca(first[first["month"] < 3], "grade", attrs, n_boot=0)
wave_b = kano.prca(first[first["month"] >= 15], "grade", attrs, n_boot=0)
s = kano.category_shift(wave_a, wave_b, "D1")

fig, axes = plt.subplots(2, 2, figsize=(12, 9))
q2 = kano.questionnaire_counts({"B1": {"M": 55, "O": 15, "A": 5, "I": 20},
                                "P1": {"M": 15, "O": 50, "A": 15, "I": 15},
                                "D1": {"M": 5, "O": 15, "A": 55, "I": 20}},
                               n_boot=1000, seed=1)
q2.plot(ax=axes[0, 0])   # better-worse quadrant chart: |CS-| x, CS+ y, intervals
pr.plot(ax=axes[0, 1])   # penalty-reward bars with intervals, category and stability
d.plot(ax=axes[1, 0])    # window estimates, fitted curves with band, crossing times
a.plot(ax=axes[1, 1])    # relative effect of the k-th delight with its band
fig.tight_layout()
fig.savefig(out / "kano.png", dpi=100)
plt.close(fig)

fig, ax = plt.subplots(figsize=(6, 3.5))
s.plot(ax=ax)            # asymmetry per attribute in both waves (CategoryShift)
fig.tight_layout()
fig.savefig(out / "kano_shift.png", dpi=100)
plt.close(fig)

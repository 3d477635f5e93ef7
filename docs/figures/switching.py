"""Figures of docs/switching.md: the page's worked example (20,000 customers, seed 42, S1 true).

Run by the docs build (docs/gen_figures.py) as ``python switching.py OUTDIR``; every PNG
written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats import switching  # noqa: E402
from loyaltystats.simulate import claims_true_overrides, generate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def save(fig, name):
    fig.tight_layout()
    fig.savefig(out / name, dpi=100)
    plt.close(fig)


world = generate(20_000, seed=42, **claims_true_overrides("S1"))
cust, exp = world.customers, world.experiences

# S1: P(considering a switch | k negatives) against the claimed 57% / 78%
s1 = switching.dose_response(cust, "negatives", "considering_switch",
                             claimed={1: 0.57, 2: 0.78})
fig, ax = plt.subplots(figsize=(6, 3.5))
s1.plot(ax=ax)
save(fig, "switching_dose.png")

# S1: where does it jump?
th = switching.threshold(cust, "negatives", "considering_switch", n_boot=1000, seed=1)
fig, ax = plt.subplots(figsize=(6, 3.5))
th.plot(ax=ax)
save(fig, "switching_threshold.png")

# S1 in time: P(switch within 12 months | k) and landmark Kaplan-Meier curves
hz = switching.hazard(cust, exp, recovered="recovered", horizon=12,
                      claimed={1: 0.57, 2: 0.78})
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
hz.plot(ax=axes[0])
hz.plot(ax=axes[1], kind="km")
save(fig, "switching_hazard.png")

# S2: recovered against unrecovered failures
rc = switching.recovery(cust, exp, method="discrete")
fig, ax = plt.subplots(figsize=(6, 3.5))
rc.plot(ax=ax)
save(fig, "switching_recovery.png")

# S3: considering is not switching
s3 = switching.intent_vs_behavior(cust)
fig, ax = plt.subplots(figsize=(6, 3.5))
s3.plot(ax=ax)
save(fig, "switching_intent.png")

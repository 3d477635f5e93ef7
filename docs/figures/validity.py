"""Figures of docs/validity.md, drawn from the newest full run of the validity benchmark.

Reads ``benchmarks/results/validity-YYYY-MM-DD.json`` (the newest without ``-quick``), written
by ``python -m benchmarks validity``; the docs build never reruns the benchmark. Run by the
docs build (docs/gen_figures.py) as ``python validity.py OUTDIR``.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
runs = sorted(p for p in RESULTS.glob("validity-*.json") if not p.stem.endswith("-quick"))
if not runs:
    sys.exit(f"no validity results in {RESULTS}: run python -m benchmarks validity")
data = json.loads(runs[-1].read_text())
rates = pd.DataFrame(data["rates"])
cov = pd.DataFrame(data["coverage"])
COLORS = {"supported": "#2e7d32", "contradicted": "#c62828", "inconclusive": "#f2c94c",
          "failed": "#555555"}
order = sorted(rates["claim"].unique(), key=lambda c: (c[0], int(c[1:])))


def save(fig, name):
    fig.tight_layout()
    fig.savefig(out / name, dpi=130)
    plt.close(fig)


# verdict shares per claim, world and n; a descriptive claim (N1: no verdict, one world) is
# left out, so both panels have the same rows and share the y axis
sizes = sorted(rates["n"].unique())
judged = [c for c in order if set(rates.loc[rates["claim"] == c, "world"]) == {"true", "false"}]
positions, labels, y = {}, [], 0.0
for claim in judged:
    for n in sizes:
        positions[(claim, n)] = y
        labels.append(f"{claim}  n={n:,}")
        y -= 1
    y -= 0.6
fig, axes = plt.subplots(1, 2, figsize=(11, 0.21 * len(positions) + 1.5), sharey=True)
for ax, world in zip(axes, ("true", "false")):
    sub = rates[rates["world"] == world].set_index(["claim", "n"])
    for key, pos in positions.items():
        if key not in sub.index:
            continue
        r = sub.loc[key]
        left = 0.0
        for o, col in COLORS.items():
            ax.barh(pos, r[o], left=left, color=col, height=0.8,
                    label=o if key == next(iter(positions)) else None)
            left += r[o]
    ax.axvline(0.05, color="k", lw=0.6, ls=":")
    ax.axvline(0.8, color="k", lw=0.6, ls=":")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs")
    ax.set_title(f"claim {world} in the world")
axes[0].set_yticks(list(positions.values()), labels, fontsize=7)
axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.04), ncol=4, fontsize=8, frameon=False)
save(fig, "validity_rates.png")

# coverage of every deciding interval
cov = cov.assign(key=cov["claim"] + " " + cov["world"] + "  " + cov["term"])
cov = cov.sort_values(["claim", "world", "term"], key=lambda s: s.map(
    lambda v: (v[0], int(v[1:])) if s.name == "claim" else v))
fig, ax = plt.subplots(figsize=(8, 0.28 * len(cov) + 1.2))
y = np.arange(len(cov))[::-1]
ax.axvspan(0.93, 0.97, color="#c8e6c9", label="target 0.93-0.97")
ax.errorbar(cov["coverage"], y, xerr=[cov["coverage"] - cov["coverage_lo"],
                                      cov["coverage_hi"] - cov["coverage"]],
            fmt="o", ms=3.5, color="#1f4e79", ecolor="#8aa4c0", lw=1)
ax.set_yticks(y, cov["key"], fontsize=7)
ax.set_xlim(-0.02, 1.02)
ax.set_xlabel(f"coverage of the 95% interval at n = {data['settings']['coverage_n']:,} "
              f"({data['settings']['coverage_reps']} replications; Clopper-Pearson bars)")
ax.legend(loc="lower left", fontsize=8)
save(fig, "validity_coverage.png")

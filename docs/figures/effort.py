"""Figures of docs/effort.md: E1 and E2 on the demo world (top; effort has no effect there)
and in the worlds where each claim holds (bottom), 10,000 customers, seed 1, through the
claims report's runners.

Run by the docs build (docs/gen_figures.py) as ``python effort.py OUTDIR``; every PNG
written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables  # noqa: E402
from loyaltystats.simulate.estimands import SPECS  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
panels = [(ax, cid, world) for row, world in zip(axes, ("demo", "true"))
          for ax, cid in zip(row, ("E1", "E2"))]
for ax, cid, world in panels:
    overrides = SPECS[cid].true_world if world == "true" else {}
    tables = demo_tables(10_000, seed=1, **overrides)
    tables.pop("truth")
    report = check_claims(**tables, mapping=DEMO_MAPPING, claims=[cid])
    result = report.results[cid]
    if cid == "E1":
        result.plot(ax=ax)
    else:  # effort's lead over each rival, with its interval
        est = result.estimates.iloc[:3].iloc[::-1]
        e = est["estimate"].to_numpy()
        ax.errorbar(e, range(3), xerr=[e - est["ci_low"], est["ci_high"] - e], fmt="o",
                    capsize=3)
        ax.axvline(0.02, color="C3", ls="--", lw=0.8, label="margin 0.02")
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_yticks(range(3))
        ax.set_yticklabels(est["term"].tolist(), fontsize=8)
        ax.set_xlabel("difference of Harrell's C")
        ax.legend(fontsize=8, loc="upper center")
        ax.set_title(f"E2 effort vs satisfaction and NPS: {result.verdict}")
    where = "the demo world" if world == "demo" else f"the world where {cid} holds"
    ax.set_title(f"{ax.get_title()}\n({where})", fontsize=10)
fig.tight_layout()
fig.savefig(out / "effort.png", dpi=120)

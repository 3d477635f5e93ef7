"""Figure of the case-study page (docs/case-study.md): churn by number of service calls."""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "mlc_churn"))
import case_study  # noqa: E402

out = Path(sys.argv[1])
est = case_study.estimates(case_study.customers())
fig, ax = plt.subplots(figsize=(6.4, 3.8))
est["dose"].plot(ax=ax)
ax.set_xlabel("calls to customer service")
ax.set_ylabel("share churned")
fig.tight_layout()
fig.savefig(out / "case_study_dose.png", dpi=150)

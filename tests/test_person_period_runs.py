"""person_period from runs of constant covariates, against the rows written out.

``tables.person_period`` never forms the person-period rows (issue #23): each customer adds
+1/-1 at the start and end of each run of periods in one state. The reference here writes
every customer's periods out in plain Python, counts the experiences so far (those in the
period included, capped) and groups with pandas.
"""

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.tables import person_period


def _by_rows(cust, exp, count, cap, horizon, by, period_length):
    rows = []
    for _, c in cust.iterrows():
        n_per = math.ceil(c["duration"] / period_length - 1e-9)
        mine = exp[exp["customer_id"] == c["customer_id"]]
        per = np.minimum(np.floor((mine["time"] - c["start"]) / period_length), n_per - 1)
        for q in range(n_per):
            if horizon is not None and q >= horizon:
                break
            row = {"period": q}
            for name, kinds in count.items():
                row[name] = min(int(((per <= q) & mine["kind"].isin(kinds)).sum()), cap)
            if by:
                row[by] = c[by]
            row["at_risk"] = 1
            row["events"] = int(bool(c["switched"]) and q == n_per - 1)
            rows.append(row)
    keys = ["period", *count, *([by] if by else [])]
    return (pd.DataFrame(rows).groupby(keys, as_index=False)[["at_risk", "events"]].sum()
            .sort_values(keys).reset_index(drop=True))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cells_equal_the_rows_written_out(data):
    n = data.draw(st.integers(1, 8))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cust = pd.DataFrame({"customer_id": np.arange(n) * 7 + 2,
                         "start": rng.integers(0, 4, n).astype(float),
                         "duration": rng.uniform(0.3, 7, n).round(2),
                         "switched": rng.random(n) < 0.5,
                         "seg": rng.choice(["x", "y"], n)})
    m = data.draw(st.integers(0, 15))
    ci = rng.integers(0, n, m)
    exp = pd.DataFrame({
        "customer_id": cust["customer_id"].to_numpy()[ci],
        "time": (cust["start"].to_numpy()[ci]
                 + rng.uniform(0, 0.999, m) * cust["duration"].to_numpy()[ci]),
        "kind": rng.choice(["negative", "positive", "recovered"], m)})
    if data.draw(st.booleans()):  # experiences in any order
        exp = exp.sample(frac=1.0, random_state=1)
    count = {"neg": ["negative"], "other": ["positive", "recovered"]}
    cap = data.draw(st.integers(1, 3))
    horizon = data.draw(st.sampled_from([None, 1, 3]))
    by = data.draw(st.sampled_from([None, "seg"]))
    period_length = data.draw(st.sampled_from([1.0, 0.5]))
    got = person_period(cust, exp, count=count, cap=cap, horizon=horizon, by=by,
                        period_length=period_length)
    ref = _by_rows(cust, exp, count, cap, horizon, by, period_length)
    keys = ["period", *count, *([by] if by else [])]
    got = got.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[keys + ["at_risk", "events"]], ref, check_dtype=False)

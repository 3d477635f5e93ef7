"""loyaltystats.design: closed-form sample sizes and power, simulated power, the CLI hooks."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pytest
from scipy import stats

from loyaltystats._design_cli import add_design_parser, run_design
from loyaltystats.design import nps_sd, power, power_curve, sample_size, world_seed
from loyaltystats.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks import validity as vb  # noqa: E402


def test_s1_sample_size_is_the_hand_formula():
    # one level, effect 0: the interval p_hat +- z se must fit in p0 +- t with prob. 0.8:
    # 2 Phi(t / se - z) - 1 = 0.8  =>  n = p (1 - p) (z + z_0.9)^2 / t^2
    p, t, z, z9 = 0.57, 0.05, stats.norm.ppf(0.975), stats.norm.ppf(0.9)
    n_hand = p * (1 - p) * (z + z9) ** 2 / t**2
    r = sample_size("S1", k=1, power=0.8)
    assert r.n == math.ceil(n_hand)
    assert r.power >= 0.8
    assert power("S1", n=r.n - 1, k=1).power < 0.8
    # both levels (0.57 and 0.78) must be supported: more than k=1 alone needs
    assert sample_size("S1").n > r.n


def test_s1_power_by_hand_with_an_effect():
    n, p0, t, eff = 800, 0.78, 0.05, 0.02
    p = p0 + eff
    z = stats.norm.ppf(0.975)
    se = math.sqrt(p * (1 - p) / n)
    sup = stats.norm.cdf((p0 + t - z * se - p) / se) - stats.norm.cdf((p0 - t + z * se - p) / se)
    con = stats.norm.cdf((p0 - t - z * se - p) / se) + stats.norm.sf((p0 + t + z * se - p) / se)
    r = power("S1", n=n, k=2, effect=eff).estimates.set_index("term")["estimate"]
    assert r["supported"] == pytest.approx(sup, abs=1e-12)
    assert r["contradicted"] == pytest.approx(con, abs=1e-12)
    assert r.sum() == pytest.approx(1.0)
    # an effect beyond the tolerance makes contradiction likely, support impossible
    far = power("S1", n=5000, k=1, effect=0.1).estimates.set_index("term")["estimate"]
    assert far["supported"] < 1e-6 and far["contradicted"] > 0.99


@pytest.mark.parametrize("n, k, effect", [(1031, 1, 0.0), (722, 2, 0.0), (2110, 1, 0.02),
                                          (400, 1, 0.0)])
def test_s1_closed_form_is_close_to_the_exact_wilson_verdict(n, k, effect):
    """The claim judges a Wilson interval; its exact P(supported) (a sum over the binomial)
    is within 0.015 of the Wald closed form at these sizes."""
    import numpy as np

    from loyaltystats.results import judge_interval
    from loyaltystats.stats import wilson_ci

    p0 = {1: 0.57, 2: 0.78}[k]
    x = np.arange(n + 1)
    lo, hi = wilson_ci(x, n)
    inside = np.array([judge_interval(a, b, p0 - 0.05, p0 + 0.05) == "supported"
                       for a, b in zip(lo, hi)])
    exact = float(stats.binom.pmf(x, n, p0 + effect)[inside].sum())
    assert power("S1", n=n, k=k, effect=effect).power == pytest.approx(exact, abs=0.015)


def test_n1_sample_size_is_the_hand_formula():
    pd_, pr = 0.25, 0.45
    var = 100**2 * (pr + pd_ - (pr - pd_) ** 2)    # per-respondent score in {-100, 0, 100}
    assert nps_sd(pd_, pr) == pytest.approx(math.sqrt(var))
    z, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.9)
    assert sample_size("N1", effect=8, power=0.9, shares=(pd_, pr)).n == \
        math.ceil(var * (z + zb) ** 2 / 64)
    assert sample_size("N1", effect=8, power=0.9, shares=(pd_, pr), groups=2).n == \
        math.ceil(2 * var * (z + zb) ** 2 / 64)
    assert sample_size("N1", half_width=4, shares=(pd_, pr)).n == math.ceil(var * z**2 / 16)
    pw = power("N1", n=300, effect=-8, shares=(pd_, pr)).power
    se = math.sqrt(var / 300)
    assert pw == pytest.approx(stats.norm.cdf(8 / se - z) + stats.norm.cdf(-8 / se - z))


@pytest.mark.parametrize("call", [
    lambda: sample_size("T5", method="closed"),      # no closed form
    lambda: sample_size("N1", method="simulate"),    # descriptive: nothing to simulate
    lambda: sample_size("S1", power=1.2),
    lambda: sample_size("S1", k=3),
    lambda: sample_size("S1", effect=0.06),          # beyond the tolerance: unreachable
    lambda: sample_size("N1"),                       # no effect
    lambda: sample_size("N1", effect=5, groups=3),
    lambda: power("S1", n=0),
    lambda: power("S1", n=100, level=1.0),
    lambda: power("N1", n=100, method="simulate"),
    lambda: power("K1", n=100, effect=0.2),          # simulated, no single parameter
    lambda: power("T5", n=100, world="maybe"),
    lambda: nps_sd(0.7, 0.5),
])
def test_bad_arguments(call):
    with pytest.raises(ParameterError):
        call()


def test_world_seed_is_the_validity_benchmarks():
    key = vb._world_key({"a": 1})
    assert world_seed(key, 1000, 3) == vb._seed(key, 1000, 3, False)
    assert world_seed(key, 1000, 3, seed=7) != world_seed(key, 1000, 3)


def test_simulated_power_agrees_with_the_validity_benchmark():
    """E1 in its true world at n=1000: the benchmark measured P(supported) on 50 seeds; the
    same 50 seeds (seed=0) must give a rate whose 99% Clopper-Pearson interval holds it."""
    rates = json.loads((ROOT / "benchmarks/results/validity-2026-12-04.json").read_text())
    row = next(r for r in rates["rates"]
               if r["claim"] == "E1" and r["world"] == "true" and r["n"] == 1000)
    r = power("E1", n=1000, n_sim=50, level=0.99)
    est = r.estimates.set_index("term")
    assert r.info["method"] == "simulated" and sum(r.info["counts"].values()) == 50
    assert est.loc["supported", "ci_low"] <= row["supported"] <= est.loc["supported", "ci_high"]
    assert est.loc["failed", "estimate"] == 0.0
    assert est["estimate"].sum() == pytest.approx(1.0)


def test_power_curve_and_cli(capsys):
    import matplotlib

    matplotlib.use("Agg")
    ax = power_curve("N1", ns=[50, 200, 800], effect=10)
    ys = ax.lines[0].get_ydata()
    assert list(ys) == sorted(ys)                   # power rises with n
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_design_parser(sub)
    args = parser.parse_args(["design", "S1", "--k", "1"])
    assert run_design(args) == 0
    assert "n = 1031" in capsys.readouterr().out
    args = parser.parse_args(["design", "S1", "--n", "500", "--effect", "0.01"])
    assert run_design(args) == 0
    assert "supported" in capsys.readouterr().out

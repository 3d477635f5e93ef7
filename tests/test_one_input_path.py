"""One input path and one contract (issue #16), checked on the source itself.

Only the adapter (``_frames``) and the two count paths (``tables`` for pandas, ``engines``)
may tell a pandas DataFrame from an engine input; the words of the counting step's checks are
written once (``_rules``) and both count paths raise through it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltystats
from loyaltystats._rules import RULES
from loyaltystats.errors import DataError
from loyaltystats.tables import count_cells, person_period

SRC = Path(loyaltystats.__file__).parent
# the engine adapter: the public modules and the private ones they were split into (#17)
COUNT_PATHS = ["tables.py", "engines.py", "_engine_frames.py", "_engine_checks.py",
               "_engine_person_period.py"]
ADAPTER = {"_frames.py", *COUNT_PATHS}


def _modules():
    return [p for p in SRC.rglob("*.py") if p.name not in ADAPTER]


def test_no_module_outside_the_adapter_knows_which_engine_it_got():
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "is_engine_input":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(
                    "engines") and any(a.name in ("is_engine_input", "collect", "filter_rows")
                                       for a in node.names):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, offenders


def _literals(path: Path) -> set[str]:
    """The string constants of a module, docstrings and comments aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docstrings}


@pytest.mark.parametrize("module", COUNT_PATHS)
def test_the_count_paths_do_not_write_the_rules_words_themselves(module):
    found = _literals(SRC / module)
    for rule in RULES.values():
        head = rule.message.split("{")[0].strip()
        if len(head) < 12:   # "no rows" and the like are too short to tell apart
            continue
        assert not any(head in text for text in found), (module, rule.id)


PP = dict(id="id", start="s", duration="dur", event="e")

# (table, count, rule): the table breaks the rule; count is run on it as pandas and in engines
CASES = [
    (pd.DataFrame({"k": [0, np.nan, 1]}), lambda d: count_cells(d, "k"), "missing_key"),
    (pd.DataFrame({"k": [0, 1, 1], "y": [0, 2, 1]}),
     lambda d: count_cells(d, "k", outcome="y"), "outcome_not_binary"),
    (pd.DataFrame({"k": [0, 1, 1], "y": ["a", "b", "a"]}),
     lambda d: count_cells(d, "k", outcome="y"), "outcome_dtype"),
    (pd.DataFrame({"k": [0, 1, 1], "w": [1.0, -1.0, 1.0]}),
     lambda d: count_cells(d, "k", weights="w"), "weights_bad"),
    (pd.DataFrame({"id": [1, 1, 2], "s": 0.0, "dur": [1.0, 2.0, 3.0], "e": 0}),
     lambda d: person_period(d, **PP), "duplicate_customers"),
    (pd.DataFrame({"id": [1, 2, 3], "s": 0.0, "dur": [1.0, -2.0, 3.0], "e": 0}),
     lambda d: person_period(d, **PP), "duration_not_positive"),
    (pd.DataFrame({"id": [1, 2, 3], "s": [0.0, np.nan, 0.0], "dur": 2.0, "e": 0}),
     lambda d: person_period(d, **PP), "missing_period"),
]


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
@pytest.mark.parametrize(("table", "count", "rule"), CASES, ids=[c[2] for c in CASES])
def test_both_count_paths_break_the_same_rule_with_the_same_words(table, count, rule, engine):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    with pytest.raises(DataError) as want:
        count(table)
    data = pl.from_pandas(table) if engine == "polars" else duckdb.connect().from_df(table)
    with pytest.raises(DataError) as got:
        count(data)
    assert got.value.rule == want.value.rule == rule
    assert type(got.value) is type(want.value) is RULES[rule].error
    # one message; only pandas has row labels to add (see the data contract's error format),
    # and a dtype is named as each library names it (object / String)
    def words(e):
        return e.message.split("; examples are")[0].split("got dtype")[0]

    assert words(got.value) == words(want.value)
    assert (got.value.column, got.value.n_rows) == (want.value.column, want.value.n_rows)

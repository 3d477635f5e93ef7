"""The claims registry, check_claims and the report command."""

import json

import pandas as pd
import pytest

from loyaltystats.claims import (
    CLAIMS,
    DEMO_MAPPING,
    REPORT_COLUMNS,
    check_claims,
    demo_tables,
    get_claim,
    list_claims,
)
from loyaltystats.cli import main

CLAIM_IDS = ["T1", "T2", "T3", "T4", "T5", "S1", "S2", "S3", "N1", "N2", "N3",
             "K1", "K2", "K3", "K4", "P1", "P2", "M1", "V1", "E1", "E2"]


def test_registry_has_every_claim_of_claims_md():
    assert [c.id for c in CLAIMS] == CLAIM_IDS
    table = list_claims()
    assert list(table.columns) == ["id", "family", "statement", "sources", "claimed", "roles",
                                   "test", "kind", "estimand", "margin", "margin_note"]
    # every claim says what its verdict is decided on; only N1 is descriptive
    assert table["estimand"].str.len().min() > 40
    assert table.loc[table["kind"] == "descriptive", "id"].tolist() == ["N1"]
    assert all(table["sources"].str.startswith("seed"))
    assert get_claim("S1").claimed == {"1": 0.57, "2": 0.78}
    with pytest.raises(KeyError):
        get_claim("Z9")


@pytest.fixture(scope="module")
def tables():
    return demo_tables(8000, seed=2)


@pytest.fixture(scope="module")
def report(tables):
    t = {k: v for k, v in tables.items() if k != "truth"}
    return check_claims(**t, mapping=DEMO_MAPPING, seed=0)


def test_report_table_shape_and_statuses(report):
    assert tuple(report.table.columns) == REPORT_COLUMNS
    assert report.table["id"].tolist() == CLAIM_IDS
    tested = report.table[report.table["status"] == "tested"]
    assert set(tested["verdict"]) <= {"supported", "contradicted", "inconclusive", "descriptive"}
    assert tested.set_index("id").loc["N1", "verdict"] == "descriptive"
    assert set(tested["id"]) == set(CLAIM_IDS)
    assert set(report.claim_results) == set(tested["id"])


@pytest.mark.parametrize("intent, expected", [
    ((0.1, 0.57, 0.78, 0.9), "supported"),     # the claim made true
    ((0.1, 0.30, 0.40, 0.9), "contradicted"),  # the claim made false
])
def test_s1_verdict_flips_with_the_world(intent, expected):
    t = demo_tables(15_000, seed=2, intent_by_negatives=intent)
    t.pop("truth")
    rep = check_claims(**t, mapping=DEMO_MAPPING, claims=["S1"])
    assert rep.claim_results["S1"].verdict == expected


def test_missing_roles_are_listed_not_guessed(tables):
    rep = check_claims(customers=tables["customers"], mapping={"customers": {"negatives": "negatives"}},
                       claims=["S1", "N1"])
    status = rep.table.set_index("id")["status"]
    assert status["S1"] == "not testable: needs customers.intent"
    assert status["N1"] == "not testable: needs responses.recommend"


def test_package_errors_become_failed_status(tables):
    bad = tables["customers"].copy()
    bad.loc[bad.index[:3], "negatives"] = -1
    rep = check_claims(customers=bad, mapping=DEMO_MAPPING, claims=["S1"])
    status = rep.table.set_index("id").loc["S1", "status"]
    assert status.startswith("failed:") and "negatives" in status


def test_report_serialisations(report, tmp_path):
    doc = json.loads(report.to_json())
    assert [c["id"] for c in doc["claims"]] == CLAIM_IDS
    md = report.to_markdown()
    assert md.count("\n") == len(CLAIM_IDS) + 1
    page = report.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text() == page
    assert page.count("data:image/png;base64,") == len(report.claim_results)
    assert "http://" not in page and "https://" not in page  # self-contained, offline


def test_cli_report_demo(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--demo", "--n-customers", "3000", "--out", str(out),
                 "--json", str(tmp_path / "r.json")]) == 0
    text = capsys.readouterr().out
    assert "S1" in text and "verdict" in text
    assert out.exists() and json.loads((tmp_path / "r.json").read_text())["claims"]


def test_cli_report_on_user_files(tables, tmp_path, capsys):
    tables["customers"].to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "map.toml").write_text(
        '[customers]\nnegatives = "negatives"\nintent = "considering_switch"\n'
        'switched = "switched"\n')
    code = main(["report", "--customers", str(tmp_path / "c.csv"), "--mapping",
                 str(tmp_path / "map.toml"), "--out", str(tmp_path / "r.html")])
    assert code == 0
    assert "S3" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--customers", "nope.csv", "--mapping", "nope.toml"], "not found"),
    (["--customers", "c.csv"], "--mapping is required"),
])
def test_cli_report_bad_files_exit_nonzero_with_one_line(tmp_path, capsys, args, message,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "c.csv", index=False)
    code = main(["report", *args])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1


def test_cli_report_bad_mapping(tmp_path, capsys):
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "m.toml").write_text("[customerz]\nx = 1\n")
    assert main(["report", "--customers", str(tmp_path / "c.csv"), "--mapping",
                 str(tmp_path / "m.toml")]) == 2
    assert "unknown table section" in capsys.readouterr().err


def test_k2_verdict_flips_with_the_world():
    from loyaltystats.simulate import world_where_false

    verdicts = []
    # market drift off: with it, the grade ceiling at 10 mimics decay (see docs/kano.md)
    for overrides in ({}, world_where_false("K2")):
        t = demo_tables(30_000, seed=4, drift_per_year=0.0, **overrides)
        t.pop("truth")
        verdicts.append(check_claims(**t, mapping=DEMO_MAPPING, claims=["K2"],
                                     seed=1).claim_results["K2"].verdict)
    assert verdicts[0] == "supported" and verdicts[1] != "supported"


def test_t4_verdict_flips_with_the_world():
    from loyaltystats.simulate import world_where_false

    verdicts = []
    for overrides in ({}, world_where_false("T4")):
        t = demo_tables(8000, seed=6, **overrides)
        t.pop("truth")
        verdicts.append(check_claims(**t, mapping=DEMO_MAPPING, claims=["T4"])
                        .claim_results["T4"].verdict)
    assert verdicts[0] == "supported" and verdicts[1] != "supported"


def test_world_with_every_claim_switched_off_supports_none_of_them():
    from loyaltystats.simulate import CLAIMS_FALSE, WorldParams

    # N3's false world lets the onboarding recommend score (which echoes the grade) drive
    # switching, which gives the grade an effect on retention again: it cannot be switched
    # off together with T5 and V1, whose false worlds take the grade's effect away
    claims = [c for c in CLAIMS_FALSE if c != "N3"]
    params = WorldParams().claims_false(*claims)
    t = demo_tables(20_000, seed=3, params=params)
    t.pop("truth")
    rep = check_claims(**t, mapping=DEMO_MAPPING, claims=claims)
    verdicts = rep.table.set_index("id")["verdict"]
    assert (rep.table["status"] == "tested").all()
    assert not (verdicts == "supported").any(), verdicts


@pytest.mark.parametrize("mapping_text, message", [
    ('[responses]\nscore = "grade"\n[customers]\nnegativs = "negatives"\n',
     "unknown role 'negativs'"),
    ('[responses]\nscore = "grade"\n[customers]\nnegatives = "no_such_column"\n',
     "no_such_column"),
    ('[responses]\nscore = "grade"\n[customers]\nnegatives = 3\n', "must be one column name"),
    ('[customers]\nnegatives = "negatives"\n[responses]\nattributes = "B1"\n',
     "must be a list of column names"),
    ('[customers\nnegatives = "negatives"\n', "not valid TOML"),
])
def test_cli_report_bad_mappings(tables, tmp_path, capsys, mapping_text, message):
    tables["customers"].to_csv(tmp_path / "c.csv", index=False)
    tables["responses"].head(50).to_csv(tmp_path / "r.csv", index=False)
    (tmp_path / "m.toml").write_text(mapping_text)
    code = main(["report", "--customers", str(tmp_path / "c.csv"), "--responses",
                 str(tmp_path / "r.csv"), "--mapping", str(tmp_path / "m.toml"), "--out", ""])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1, err


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"a,b\n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary", "not a readable CSV"),
])
def test_cli_report_bad_files(tmp_path, capsys, content, message):
    (tmp_path / "c.csv").write_bytes(content)
    (tmp_path / "m.toml").write_text('[customers]\nnegatives = "a"\n')
    code = main(["report", "--customers", str(tmp_path / "c.csv"), "--mapping",
                 str(tmp_path / "m.toml"), "--out", ""])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1, err


def test_progress_bar_on_a_terminal_lines_otherwise(tables, monkeypatch, capsys):
    import sys

    t = {"customers": tables["customers"]}
    check_claims(**t, mapping=DEMO_MAPPING, claims=["S1", "S3"], progress=True)
    lines = capsys.readouterr().err
    assert "S1: tested" in lines and "\r" not in lines
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    check_claims(**t, mapping=DEMO_MAPPING, claims=["S1", "S3"], progress=True)
    bar = capsys.readouterr().err
    assert "\rclaims [" in bar and "100.0%" in bar and "2 of 2 tested" in bar


def test_every_registered_test_function_exists():
    import importlib

    for claim in CLAIMS:
        module, name = claim.test.split(":")
        assert callable(getattr(importlib.import_module(module), name)), claim.id


def test_every_headline_is_a_deciding_term_of_the_claims_spec():
    # the one-row-per-claim table must show what the verdict is decided on (the estimand of
    # simulate.estimands), not some other row of the estimates
    from loyaltystats.simulate.estimands import get_spec

    t = demo_tables(4_000, seed=11)
    t.pop("truth")
    rep = check_claims(**t, mapping=DEMO_MAPPING)
    tested = rep.table[rep.table["status"] == "tested"]
    assert len(tested) == len(CLAIM_IDS)
    for _, row in tested.iterrows():
        assert row["term"] in {t.term for t in get_spec(row["id"]).terms}, row["id"]


def test_docs_report_mapping_is_the_demo_mapping():
    # a reader copies this mapping: it must name every role the demo world provides
    import re
    from pathlib import Path

    import tomllib

    text = (Path(__file__).resolve().parents[1] / "docs" / "report.md").read_text()
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    parsed = tomllib.loads(block)
    want = {t: {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in sec.items()}
            for t, sec in DEMO_MAPPING.items()}
    assert parsed == want


def test_report_json_holds_claimed_as_an_object_not_a_json_string():
    import json as _json

    from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables

    t = demo_tables(1500, seed=2)
    t.pop("truth")
    rep = check_claims(customers=t["customers"], mapping=DEMO_MAPPING, claims=["S1", "S3"])
    rows = {r["id"]: r for r in _json.loads(rep.to_json())["claims"]}
    assert rows["S1"]["claimed"] == {"1": 0.57, "2": 0.78}

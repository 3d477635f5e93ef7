"""The public API is documented: listed in docs/api.md, with numpydoc examples."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

API_MD = Path(__file__).resolve().parents[1] / "docs" / "api.md"
MODULES = ["loyaltystats.scales", "loyaltystats.errors", "loyaltystats.data",
           "loyaltystats.tables", "loyaltystats.stats", "loyaltystats.results",
           "loyaltystats.simulate", "loyaltystats.simulate.estimands",
           "loyaltystats.scoring", "loyaltystats.nps",
           "loyaltystats.switching", "loyaltystats.claims", "loyaltystats.claims.contract",
           "loyaltystats.kano",
           "loyaltystats.thresholds", "loyaltystats.pyramid", "loyaltystats.drivers",
           "loyaltystats.market", "loyaltystats.value", "loyaltystats.demo", "loyaltystats.design",
           "loyaltystats.engines"]


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_listed_in_docs_api(module):
    text = API_MD.read_text()
    mod = importlib.import_module(module)
    missing = [n for n in mod.__all__ if not re.search(rf"`{re.escape(n)}(\(\))?`", text)]
    assert not missing, f"{module}: add to docs/api.md (python tools/make_api_docs.py): {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_public_functions_have_docstring_examples(module):
    mod = importlib.import_module(module)
    lacking = [n for n in mod.__all__
               if inspect.isfunction(getattr(mod, n))
               and "Examples" not in (inspect.getdoc(getattr(mod, n)) or "")]
    assert not lacking, f"{module}: public functions without an Examples section: {lacking}"


def test_root_exports_resolve():
    import loyaltystats as ls
    for name in ls.__all__:
        assert hasattr(ls, name), name


def test_schemas_shown_in_docs_match_the_shipped_files():
    from importlib import resources

    text = (API_MD.parent / "scoring.md").read_text()
    for name in ("scoring-record.schema.json", "scorer-artifact.schema.json"):
        shipped = resources.files("loyaltystats").joinpath("schemas", name).read_text().strip()
        assert shipped in text, f"docs/scoring.md shows an outdated {name}"

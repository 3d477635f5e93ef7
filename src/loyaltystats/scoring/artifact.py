"""JSON artifacts for fitted scorers: versioned, checksummed, never executable.

An artifact is a JSON object::

    {"schema_version": 1, "library_version": "...", "kind": "loyaltystats.LoyaltyScorer",
     "settings": {...}, "features": {...}, "baseline_log_hazard": [...],
     "risk_thresholds": [lo, hi], "training": {...}, "sha256": "<hex>"}

``sha256`` is the SHA-256 of the canonical JSON (sorted keys, no spaces) of every other key.
Loading parses JSON only (no pickle, no eval), refuses NaN and infinities, and raises
:class:`~loyaltystats.errors.ArtifactError` saying what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import ArtifactError
from ..scales import Band, Scale

__all__ = ["SCHEMA_VERSION", "scorer_to_json", "load_scorer", "artifact_schema",
           "record_schema", "record_schema_for"]

SCHEMA_VERSION = 1
_KIND = "loyaltystats.LoyaltyScorer"
_REQUIRED = ("schema_version", "library_version", "kind", "settings", "features",
             "baseline_log_hazard", "risk_thresholds", "training", "sha256")


def _scale_to_dict(s: Scale) -> dict[str, Any]:
    return {"name": s.name, "low": s.low, "high": s.high, "allow_fractional": s.allow_fractional,
            "bands": [[b.name, b.low, b.high] for b in s.bands]}


def _scale_from_dict(d: Mapping[str, Any]) -> Scale:
    return Scale(str(d["name"]), float(d["low"]), float(d["high"]),
                 bands=tuple(Band(str(n), float(lo), float(hi)) for n, lo, hi in d["bands"]),
                 allow_fractional=bool(d["allow_fractional"]))


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def scorer_to_json(scorer: Any, **kwargs: Any) -> str:
    """Serialize a fitted :class:`~loyaltystats.scoring.LoyaltyScorer`.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> from loyaltystats.scoring import LoyaltyScorer
    >>> w = generate(3000, seed=2)
    >>> text = LoyaltyScorer().fit(w.customers, w.experiences).to_json()
    >>> json.loads(text)["schema_version"]
    1
    """
    features: dict[str, Any] = {
        "band": {"type": "score-band", "source": "grade",
                 "coefficients": dict(scorer.coefficients_["band"])},
        "nps_category": {"type": "score-band", "source": "recommend",
                         "coefficients": dict(scorer.coefficients_["nps_category"])},
    }
    if scorer.has_negatives_:
        features["negatives"] = {"type": "count", "source": "negatives", "cap": scorer.cap,
                                 "coefficients": dict(scorer.coefficients_["negatives"])}
    for f, levels in scorer.feature_levels_.items():
        features[f] = {"type": "category", "source": f, "categories": list(levels),
                       "coefficients": dict(scorer.coefficients_[f])}
    payload = {
        "schema_version": SCHEMA_VERSION,
        "library_version": __version__,
        "kind": _KIND,
        "settings": {"horizon_months": scorer.horizon_months, "cap": scorer.cap,
                     "baseline_months": scorer.baseline_months,
                     "scale": _scale_to_dict(scorer.scale),
                     "recommend_scale": _scale_to_dict(scorer.recommend_scale),
                     "link": "cloglog"},
        "features": features,
        "baseline_log_hazard": [float(x) for x in scorer.baseline_log_hazard_],
        "risk_thresholds": list(scorer.risk_thresholds_),
        "training": dict(scorer.training_),
    }
    try:
        digest = hashlib.sha256(_canonical(payload)).hexdigest()
    except ValueError as exc:  # NaN or infinity in the fitted state
        raise ArtifactError(f"cannot save: non-finite number in the fitted model ({exc})") from exc
    return json.dumps({**payload, "sha256": digest}, allow_nan=False, **kwargs)


def _reject_constant(name: str) -> float:
    raise ArtifactError(f"artifact contains {name}; coefficients must be finite numbers")


def _finite(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ArtifactError(f"{where} must be a finite number, got {x!r}")
    return float(x)


def load_scorer(path_or_str: str | Path) -> Any:
    """Load a scorer from a JSON artifact file path or JSON text.

    Raises
    ------
    ArtifactError
        Text that is not JSON, a missing key, an unknown schema version, a checksum mismatch,
        NaN or infinite coefficients, or a structurally invalid model.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> from loyaltystats.scoring import LoyaltyScorer
    >>> w = generate(3000, seed=2)
    >>> s = LoyaltyScorer().fit(w.customers, w.experiences)
    >>> s2 = load_scorer(s.to_json())
    >>> rec = {"grade": 7, "recommend": 8, "negatives": 1, "tenure_months": 2}
    >>> s2.score(rec)["p_switch"] == s.score(rec)["p_switch"]
    True
    """
    from .model import LoyaltyScorer

    text = _artifact_text(path_or_str)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"artifact is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ArtifactError("artifact is not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise ArtifactError(f"artifact is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ArtifactError(f"artifact must be a JSON object, got {type(doc).__name__}")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise ArtifactError(f"artifact is missing key(s) {missing}")
    if doc["schema_version"] != SCHEMA_VERSION or isinstance(doc["schema_version"], bool):
        raise ArtifactError(f"unknown schema_version {doc['schema_version']!r}; this is "
                            f"loyaltystats {__version__}, which reads version {SCHEMA_VERSION}")
    if doc["kind"] != _KIND:
        raise ArtifactError(f"artifact kind is {doc['kind']!r}, expected {_KIND!r}")
    _check_schema(doc)
    payload = {k: v for k, v in doc.items() if k != "sha256"}
    try:
        digest = hashlib.sha256(_canonical(payload)).hexdigest()
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"artifact content cannot be checksummed: {exc}") from exc
    if digest != doc["sha256"]:
        raise ArtifactError("checksum mismatch: the artifact was modified after it was saved")
    try:
        return _build(doc, LoyaltyScorer)
    except ArtifactError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ArtifactError(f"artifact structure is invalid: {type(exc).__name__}: {exc}") from exc


MAX_ARTIFACT_BYTES = 20_000_000
"""Largest artifact :func:`load_scorer` reads (a fitted scorer is a few kilobytes)."""


def _artifact_text(path_or_str: str | Path) -> str:
    """The JSON text of an artifact: a :class:`~pathlib.Path`, a string naming an existing
    file, or a string holding a JSON object (it starts with ``{``)."""
    if isinstance(path_or_str, str) and path_or_str.lstrip().startswith("{"):
        if len(path_or_str) > MAX_ARTIFACT_BYTES:
            raise ArtifactError(f"artifact text is longer than {MAX_ARTIFACT_BYTES:,} "
                                "characters")
        return path_or_str
    if not isinstance(path_or_str, str | Path):
        raise ArtifactError(f"expected a path or JSON text, got {type(path_or_str).__name__}")
    path = Path(path_or_str)
    shown = str(path_or_str)[:200]
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot read artifact {shown!r}: no such file (JSON text must "
                            "start with '{')") from exc
    if not stat.S_ISREG(st.st_mode):
        # a FIFO or device would block or never end
        raise ArtifactError(f"cannot read artifact {shown!r}: not a regular file")
    if st.st_size > MAX_ARTIFACT_BYTES:
        raise ArtifactError(f"artifact {shown!r} is {st.st_size:,} bytes, more than "
                            f"{MAX_ARTIFACT_BYTES:,}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"cannot read artifact {shown!r}: {exc}") from exc


def _check_schema(doc: Any) -> None:
    """Validate against the shipped JSON Schema (the checksum only proves who wrote it)."""
    import jsonschema

    try:
        jsonschema.validate(doc, artifact_schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise ArtifactError(f"artifact breaks its JSON Schema at {where}: "
                            f"{exc.message[:200]}") from None
    except RecursionError as exc:
        raise ArtifactError("artifact is nested too deeply") from exc


def _build(doc: Mapping[str, Any], cls: type) -> Any:
    st = doc["settings"]
    horizon = st["horizon_months"]
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 1200:
        raise ArtifactError(f"settings.horizon_months must be an int in 1..1200, got {horizon!r}")
    cap = st["cap"]
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 1000:
        raise ArtifactError(f"settings.cap must be an int in 1..1000, got {cap!r}")
    scale = _scale_from_dict(st["scale"])
    rscale = _scale_from_dict(st["recommend_scale"])
    base = [_finite(x, "baseline_log_hazard") for x in doc["baseline_log_hazard"]]
    # A log hazard outside +-50 means a monthly hazard of exactly 0 or 1 in floating point:
    # no fitted model produces it (fit_binomial rejects separation), so it is corruption.
    if any(abs(x) > 50 for x in base):
        raise ArtifactError("baseline_log_hazard has values outside -50..50")
    if not base or len(base) > 1200:
        raise ArtifactError("baseline_log_hazard must have 1..1200 entries")
    feats = doc["features"]
    if not isinstance(feats, dict) or "band" not in feats or "nps_category" not in feats:
        raise ArtifactError("features must include 'band' and 'nps_category'")
    expected_levels = {"band": scale.band_names, "nps_category": rscale.band_names,
                       "negatives": [str(i) for i in range(cap + 1)]}
    coefficients: dict[str, dict[str, float]] = {}
    levels: dict[str, tuple[str, ...]] = {}
    for name, spec in feats.items():
        co = spec["coefficients"]
        if not isinstance(co, dict):
            raise ArtifactError(f"features.{name}.coefficients must be an object")
        want = expected_levels.get(name, spec.get("categories"))
        if not isinstance(want, list) or list(co) != [str(x) for x in want]:
            raise ArtifactError(f"features.{name}: coefficient levels {list(co)} do not match "
                                f"the declared levels {want}")
        coefficients[name] = {str(k): _finite(v, f"features.{name}.coefficients.{k}")
                              for k, v in co.items()}
        if any(abs(v) > 50 for v in coefficients[name].values()):
            raise ArtifactError(f"features.{name}: coefficients outside -50..50")
        if name not in expected_levels:
            if spec.get("type") != "category" or len(want) < 2:
                raise ArtifactError(f"features.{name} must be a category with >= 2 levels")
            levels[name] = tuple(str(x) for x in want)
    th = doc["risk_thresholds"]
    if not isinstance(th, list) or len(th) != 2:
        raise ArtifactError("risk_thresholds must be a list of two numbers")
    lo, hi = (_finite(x, "risk_thresholds") for x in th)
    if not 0 <= lo <= hi <= 1:
        raise ArtifactError(f"risk_thresholds must satisfy 0 <= low <= high <= 1, got {th}")
    scorer = cls(horizon_months=horizon, scale=scale, recommend_scale=rscale,
                 features=tuple(levels), cap=cap, baseline_months=len(base),
                 risk_thresholds=(lo, hi))
    import numpy as np

    scorer._set_state(np.array(base), coefficients, levels, "negatives" in feats,
                      dict(doc["training"]), (lo, hi))
    object.__setattr__(scorer, "_fitted", True)
    return scorer


def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("loyaltystats").joinpath("schemas", name).read_text())


def artifact_schema() -> dict[str, Any]:
    """The JSON Schema of scorer artifacts shipped with the package.

    Examples
    --------
    >>> artifact_schema()["properties"]["schema_version"]["const"]
    1
    """
    return _schema("scorer-artifact.schema.json")


def record_schema() -> dict[str, Any]:
    """The generic JSON Schema of a scoring record shipped with the package.

    Examples
    --------
    >>> sorted(record_schema()["required"])
    ['grade', 'negatives', 'recommend', 'tenure_months']
    """
    return _schema("scoring-record.schema.json")


def record_schema_for(scorer: Any) -> dict[str, Any]:
    """The record schema narrowed to one fitted scorer's scales and feature categories.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> from loyaltystats.scoring import LoyaltyScorer
    >>> w = generate(3000, seed=2)
    >>> s = LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)
    >>> s.record_schema()["properties"]["segment"]["enum"]
    ['A', 'B', 'C']
    """
    schema = record_schema()
    props = schema["properties"]
    props["grade"].update({"minimum": scorer.scale.low, "maximum": scorer.scale.high})
    if not scorer.scale.allow_fractional:
        props["grade"]["type"] = "integer"
    props["recommend"].update({"minimum": scorer.recommend_scale.low,
                               "maximum": scorer.recommend_scale.high})
    for f, levels in scorer.feature_levels_.items():
        props[f] = {"type": "string", "enum": list(levels)}
        schema["required"].append(f)
    return schema

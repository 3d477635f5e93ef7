"""The OpenAPI 3.1 document of the scoring service, written from the scorer's record schema."""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..scoring import OUTPUT_COLUMNS, RISK_TIERS


def _score_schema(flagged: bool) -> dict[str, Any]:
    number_or_null = {"type": ["number", "null"]}
    props: dict[str, Any] = {
        "p_switch": {**number_or_null, "description": "P(switch within the horizon)"},
        "expected_months": {**number_or_null,
                            "description": "restricted mean of the horizon's months survived"},
        "risk_tier": {"type": ["string", "null"], "enum": [*RISK_TIERS, None]},
        "band": {"type": ["string", "null"]},
        "nps_category": {"type": ["string", "null"]},
    }
    for i in (1, 2, 3):
        props[f"reason_{i}"] = {"type": "string"}
        props[f"contribution_{i}"] = number_or_null
    required = list(OUTPUT_COLUMNS)
    if flagged:
        props["error"] = {"type": "string", "description": "'' when valid, else every problem"}
        required.append("error")
    return {"type": "object", "required": required, "properties": props}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document(record_schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.1 description of every endpoint, with the fitted scorer's record schema."""
    record = {k: v for k, v in record_schema.items() if k not in ("$schema", "$id")}
    ok_json = {"application/json": {"schema": {"type": "object"}}}
    too_large, bad = _error("body larger than the limit"), _error("malformed body")
    paths = {
        "/score": {"post": {
            "summary": "Score one record",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Record"}}}},
            "responses": {
                "200": {"description": "the scores", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Score"}}}},
                "400": bad, "413": too_large,
                "422": _error("a field is missing or invalid (named, with its value)")}}},
        "/score/batch": {"post": {
            "summary": "Score many records: a JSON array, or CSV streamed back as CSV",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "array",
                                                "items": {"$ref": "#/components/schemas/Record"}}},
                "text/csv": {"schema": {"type": "string"}}}},
            "responses": {
                "200": {"description": "one result per record, in order; bad records have "
                                       "null scores and a message in error",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": {
                                "$ref": "#/components/schemas/FlaggedScore"}}},
                            "text/csv": {"schema": {"type": "string"}}}},
                "400": bad, "413": too_large, "415": _error("neither JSON nor CSV"),
                "422": _error("an array item is not an object")}}},
        "/health": {"get": {"summary": "Liveness and the loaded model",
                            "responses": {"200": {"description": "ok", "content": ok_json}}}},
        "/schema": {"get": {"summary": "JSON Schema of a record",
                            "responses": {"200": {"description": "the schema",
                                                  "content": ok_json}}}},
        "/openapi.json": {"get": {"summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3.1",
                                                        "content": ok_json}}}},
    }
    error = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "field": {"type": ["string", "null"]},
        "values": {"type": "array"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "loyaltystats scoring service", "version": __version__,
                 "description": "P(switch) scores from a fitted LoyaltyScorer (docs/serve.md)."},
        "paths": paths,
        "components": {"schemas": {"Record": record, "Score": _score_schema(False),
                                   "FlaggedScore": _score_schema(True), "Error": error}},
    }

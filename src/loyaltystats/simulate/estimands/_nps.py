"""Deciding estimands and worlds (filled in by the family's spec)."""

from __future__ import annotations

from . import ClaimSpec

SPECS: dict[str, ClaimSpec] = {}

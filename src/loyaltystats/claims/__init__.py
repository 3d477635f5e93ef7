"""The claims registry and the claims report.

Examples
--------
>>> from loyaltystats.claims import list_claims
>>> list_claims()["id"].tolist()[:3]
['T1', 'T2', 'T3']
"""

from .demo_mapping import DEMO_MAPPING, demo_tables
from .multiplicity import holm_verdicts, interval_p_values
from .registry import CLAIMS, SOURCES, Claim, get_claim, list_claims
from .report import REPORT_COLUMNS, ClaimsReport, check_claims
from .texts import CLAIM_TEXTS, ClaimText, claims_page_markdown

__all__ = ["CLAIMS", "SOURCES", "Claim", "get_claim", "list_claims", "ClaimsReport",
           "check_claims", "REPORT_COLUMNS", "DEMO_MAPPING", "demo_tables", "holm_verdicts",
           "interval_p_values", "ClaimText", "CLAIM_TEXTS", "claims_page_markdown"]

"""Switching after negative experiences: claims S1-S3 (the claims page of the docs).

* :func:`dose_response` - P(switch | k negatives), logistic models, the "second strike", S1.
* :func:`threshold` - where switching jumps ("k strikes"), step and hinge fits.
* :func:`hazard` - monthly switching hazard with the running count of negatives (discrete
  time on aggregated person-periods, or Cox with lifelines), P(switch within a horizon | k).
* :func:`recovery` - S2: no failure vs failure put right vs not put right.
* :func:`intent_vs_behavior` - S3: how many who consider switching do switch.

Examples
--------
>>> from loyaltystats import switching
>>> sorted(n for n in switching.__all__ if n[0].islower())
['cox_time_varying', 'dose_response', 'hazard', 'intent_vs_behavior', 'recovery', 'threshold']
"""

from .cox import CoxFit, cox_time_varying
from .dose import DoseResponseResult, dose_response
from .hazard import HazardResult, hazard
from .intent import IntentResult, intent_vs_behavior
from .recovery import RecoveryResult, recovery
from .threshold import ThresholdResult, threshold

__all__ = [
    "dose_response", "DoseResponseResult",
    "threshold", "ThresholdResult",
    "hazard", "HazardResult",
    "recovery", "RecoveryResult",
    "intent_vs_behavior", "IntentResult",
    "cox_time_varying", "CoxFit",
]

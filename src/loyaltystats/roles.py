"""Column roles shared across claim families: say once which columns hold what.

The survival estimators of several families (``switching.hazard``, ``switching.recovery``,
``nps.versus_retention``, ``value.lifetime_by_band``) read
the same kind of columns under names that grew per family (``end`` or ``duration``,
``switched`` or ``event``). A :class:`SurvivalColumns` names them once; each of those
functions takes it as ``columns=`` and reads the roles it needs from it, so a notebook
declares its customers table one time::

    cols = SurvivalColumns(id="customer_id", start="start", end="end",
                           duration="tenure", event="churned")
    switching.hazard(customers, experiences, columns=cols)
    nps.versus_retention(customers, columns=cols)

A role given both in ``columns=`` and as the function's own keyword is an error (which one
was meant cannot be guessed).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .errors import ParameterError

__all__ = ["SurvivalColumns"]

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SurvivalColumns:
    """The columns of a customers table that survival estimators read.

    Attributes
    ----------
    id : str, optional
        Customer id (unique per row).
    start, end : str, optional
        Calendar start and end of the follow-up (calendar-time estimators).
    duration : str, optional
        Length of the follow-up (``end - start``; duration-based estimators).
    event : str, optional
        1 when the follow-up ended with the event (switched, churned), 0 when censored.

    Examples
    --------
    >>> cols = SurvivalColumns(id="customer_id", duration="tenure", event="churned")
    >>> cols.event
    'churned'
    """

    id: str | None = None
    start: str | None = None
    end: str | None = None
    duration: str | None = None
    event: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None and not isinstance(v, str):
                raise ParameterError(f"SurvivalColumns.{f.name} must be a column name (str), "
                                     f"got {type(v).__name__}")


def takes_survival_columns(**param_of_role: str) -> Callable[[_F], _F]:
    """Decorator: accept ``columns=SurvivalColumns(...)`` for the function's own keywords.

    ``param_of_role`` maps a role of :class:`SurvivalColumns` to the function's parameter
    (``event="switched"``). The roles set in ``columns`` fill those parameters; a parameter
    also passed explicitly raises :class:`~loyaltystats.errors.ParameterError`. A public
    function declares ``columns: SurvivalColumns | None = None`` itself (so its signature and
    docs show it); the decorator consumes it and the function never sees it.

    Examples
    --------
    >>> @takes_survival_columns(duration="duration", event="switched")
    ... def f(data, duration="duration", switched="switched"):
    ...     return duration, switched
    >>> f(None, columns=SurvivalColumns(duration="tenure", event="churned"))
    ('tenure', 'churned')
    """

    def decorate(fn: _F) -> _F:
        sig = inspect.signature(fn)
        unknown = [p for p in param_of_role.values() if p not in sig.parameters]
        if unknown:  # a wiring mistake in the package, caught at import
            raise TypeError(f"{fn.__name__} has no parameter(s) {unknown}")

        @functools.wraps(fn)
        def wrapper(*args: Any, columns: SurvivalColumns | None = None, **kwargs: Any) -> Any:
            if columns is None:
                return fn(*args, **kwargs)
            if not isinstance(columns, SurvivalColumns):
                raise ParameterError(f"{fn.__name__}: columns= must be a SurvivalColumns, "
                                     f"got {type(columns).__name__}")
            given = sig.bind_partial(*args, **kwargs).arguments
            for role, param in param_of_role.items():
                value = getattr(columns, role)
                if value is None:
                    continue
                if param in given:
                    raise ParameterError(f"{fn.__name__}: {param}= is given twice (as "
                                         f"{param}= and as columns.{role})")
                kwargs[param] = value
            return fn(*args, **kwargs)

        if "columns" not in sig.parameters:
            wrapper.__signature__ = _with_columns(sig)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _with_columns(sig: inspect.Signature) -> inspect.Signature:
    """The signature plus a keyword-only ``columns=None`` (before any ``**kwargs``)."""
    params = list(sig.parameters.values())
    new = inspect.Parameter("columns", inspect.Parameter.KEYWORD_ONLY, default=None,
                            annotation="SurvivalColumns | None")
    at = next((i for i, p in enumerate(params) if p.kind is p.VAR_KEYWORD), len(params))
    return sig.replace(parameters=params[:at] + [new] + params[at:])


ROLE_PARAMS: Mapping[str, Mapping[str, str]] = {
    "hazard": {"id": "id", "start": "start", "end": "end", "event": "switched"},
    "recovery": {"id": "id", "start": "start", "end": "end", "event": "switched"},
    "versus_retention": {"id": "id", "duration": "duration", "event": "event"},
    "lifetime_by_band": {"id": "id", "duration": "duration", "event": "event"},
}
"""Which parameter of each survival estimator each role fills (the wiring, tested)."""

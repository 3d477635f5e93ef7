"""Efron's (or Breslow's) sums over the tied events of each event time, laid out once per fit.

With ``m`` events at a time, Efron's denominators are ``phi_l = S0 - a_l E0`` with
``a_l = l / m``, ``l = 0 .. m - 1``. The partial likelihood needs, per event time, the sum of
``log(phi_l)`` and ``c_kq = sum_l a_l^k / phi_l^q`` for ``(k, q)`` in ``(0, 1), (1, 1), (0, 2),
(1, 2), (2, 2)``. The ``a_l`` depend on the event counts only, so they are laid out once per
fit (:class:`EfronIndex`) and each Newton step only evaluates ``phi`` and reduces. A time with
one event needs no layout (``a = 0``, ``phi = S0``); only the tied times do.

Many ties at a time (``m >= 32``, monthly clocks with thousands of events a month) are summed
in closed form instead: with ``h = E0 / m`` and ``A = S0 / h``, ``phi_l = h (A - l)``, so

* ``sum_l log(phi_l) = m log h + lgamma(A + 1) - lgamma(A - m + 1)``,
* ``sum_l 1 / (A - l) = psi(A + 1) - psi(A - m + 1)`` (``p0``) and
  ``sum_l 1 / (A - l)^2 = psi'(A - m + 1) - psi'(A + 1)`` (``p1``),
* and with ``l = A - (A - l)``: ``c11 = (A p0 - m) / (m h)``, ``c12 = (A p1 - p0) / (m h^2)``,
  ``c22 = (A^2 p1 - 2 A p0 + m) / (m h)^2``.

The last two lose digits to cancellation as ``S0 / E0`` grows (about ``(S0 / E0)^2`` ulps
for ``c22``) exactly as their weight in the information shrinks (``c22`` multiplies
``E1 E1'``, ``(E0 / S0)^2`` of the information); beyond ``S0 / E0 = 100`` the explicit sum
is used. Checked against the explicit sums in tests/test_cox_counts_equivalence.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__: list[str] = []  # private helpers of loyaltystats.stats.cox


_MANY = 32  # ties at a time from which the closed form is used
_RATIO = 100.0  # ... while S0 / E0 stays below this


@dataclass(frozen=True)
class EfronIndex:
    """The tied events of the event times with ``2 <= m < 32`` events, one entry per event,
    and the times with more (summed in closed form)."""

    m: np.ndarray  # events per event time
    tied: np.ndarray  # indexes of the event times with 2 <= m < _MANY
    j: np.ndarray  # for each tied event: its position in ``tied``
    start: np.ndarray  # first tied event of each tied time (reduceat offsets)
    a: np.ndarray  # l / m of each tied event
    a2: np.ndarray  # a squared
    many: np.ndarray  # indexes of the event times with m >= _MANY

    @classmethod
    def of(cls, m: np.ndarray, many: float = _MANY) -> EfronIndex:
        """Lay out the tied events (whole event counts, as Efron's ties need)."""
        tied = np.flatnonzero((m >= 2) & (m < many))
        j, start, a = _layout(m[tied])
        return cls(m=m, tied=tied, j=j, start=start, a=a, a2=a * a,
                   many=np.flatnonzero(m >= many))


def _layout(mt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For tied times with ``mt`` events: each event's time, each time's first event, a."""
    mi = mt.astype(np.int64)
    j = np.repeat(np.arange(len(mi)), mi)
    start = np.zeros(len(mi), np.int64)
    if len(mi) > 1:
        np.cumsum(mi[:-1], out=start[1:])
    return j, start, (np.arange(j.size) - start[j]) / mt[j]


def _explicit(S0: np.ndarray, E0: np.ndarray, j: np.ndarray, start: np.ndarray,
              a: np.ndarray, a2: np.ndarray) -> list[np.ndarray]:
    """The six sums by summing over the tied events."""
    phi = S0[j] - a * E0[j]
    ip = 1 / phi
    ip2 = 1 / (phi * phi)
    red = np.add.reduceat
    return [red(np.log(phi), start), red(ip, start), red(a * ip, start), red(ip2, start),
            red(a * ip2, start), red(a2 * ip2, start)]


def _closed(m: np.ndarray, S0: np.ndarray, E0: np.ndarray) -> list[np.ndarray]:
    """The six sums in closed form (see the module docstring)."""
    h = E0 / m
    A = S0 / h
    low = A - m + 1
    p0 = special.psi(A + 1) - special.psi(low)
    p1 = special.polygamma(1, low) - special.polygamma(1, A + 1)
    mh = m * h
    return [m * np.log(h) + special.gammaln(A + 1) - special.gammaln(low), p0 / h,
            (A * p0 - m) / mh, p1 / (h * h), (A * p1 - p0) / (mh * h),
            (A * A * p1 - 2 * A * p0 + m) / (mh * mh)]


def efron_sums(ef: EfronIndex, S0: np.ndarray, E0: np.ndarray | None, ties: str
               ) -> tuple[np.ndarray, ...]:
    """Per event time: ``sum_l log(phi_l)`` and ``c01, c11, c02, c12, c22`` (see the module
    docstring). Breslow: ``a = 0`` for every event, fractional counts allowed. ``E0`` is
    only read at tied times (None: there are none)."""
    m = ef.m
    if ties == "breslow":
        zero = np.zeros_like(S0)
        return m * np.log(S0), m / S0, zero, m / (S0 * S0), zero, zero
    out = [np.log(S0), 1 / S0, np.zeros_like(S0), 1 / (S0 * S0), np.zeros_like(S0),
           np.zeros_like(S0)]  # the times with one event
    if len(ef.tied):
        t = ef.tied
        for o, v in zip(out, _explicit(S0[t], E0[t], ef.j, ef.start, ef.a, ef.a2)):
            o[t] = v
    if len(ef.many):
        t = ef.many
        close = S0[t] <= _RATIO * E0[t]
        tc, tx = t[close], t[~close]
        for o, v in zip(out, _closed(m[tc], S0[tc], E0[tc])):
            o[tc] = v
        if len(tx):  # few risk-set members die: the explicit sum
            j, start, a = _layout(m[tx])
            for o, v in zip(out, _explicit(S0[tx], E0[tx], j, start, a, a * a)):
                o[tx] = v
    return tuple(out)

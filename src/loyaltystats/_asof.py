"""As-of matching inside groups: each query's last row of its group at (or before) a time.

Used where answers are matched to a customer's earlier events (N2's transactions, K3's
delights). A vectorised binary search inside each group's block of rows replaces
``pandas.merge_asof`` (which sorts both tables by time) and a sort of combined integer keys
(issue #23: both dominated the claims at 2 million customers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["last_at_or_before", "sorted_by_key_time"]


def sorted_by_key_time(code: np.ndarray, time: np.ndarray) -> bool:
    """Whether the rows are already in (customer, time) order (logs usually are): one pass
    instead of a sort."""
    if len(code) < 2:
        return True
    dc = np.diff(code)
    return bool(np.all((dc > 0) | ((dc == 0) & (time[1:] >= time[:-1]))))


def last_at_or_before(t_code: np.ndarray, t_time: np.ndarray, r_code: np.ndarray,
                       r_time: np.ndarray, n_codes: int, *, strict: bool) -> np.ndarray:
    """Index of each answer's customer's last transaction at (``strict``: before) its time.

    ``t_code, t_time`` are in (customer, time) order and the codes run over ``0..n_codes-1``,
    so each customer's transactions are one block; a binary search inside the blocks, run on
    all answers at once, compares the times exactly (no combined key, no sort). An answer
    with no such transaction gets the index before its customer's block (another customer's
    row, or -1), as a search on the (customer, time) order would. When the answers are in
    (customer, time) order too, one search of complex keys replaces the block search.
    """
    if sorted_by_key_time(r_code, r_time):
        return _merged_search(t_code, t_time, r_code, r_time, strict=strict)
    counts = np.bincount(t_code, minlength=n_codes)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    lo = starts[r_code]
    hi = lo + counts[r_code]
    active = np.flatnonzero(lo < hi)
    while len(active):
        a_lo, a_hi = lo[active], hi[active]
        mid = (a_lo + a_hi) // 2
        t_mid, r_t = t_time[mid], r_time[active]
        right = (t_mid < r_t) if strict else (t_mid <= r_t)
        lo[active] = np.where(right, mid + 1, a_lo)
        hi[active] = np.where(right, a_hi, mid)
        active = active[lo[active] < hi[active]]
    return lo - 1



def _complex_keys(code: np.ndarray, time: np.ndarray) -> np.ndarray:
    """(customer, time) as one complex number: numpy orders complex numbers by the real part,
    then the imaginary part, i.e. exactly the (customer, time) order (codes below 2**53)."""
    key = np.empty(len(code), dtype=np.complex128)
    key.real = code
    key.imag = time
    return key


def _merged_search(t_code: np.ndarray, t_time: np.ndarray, r_code: np.ndarray,
                   r_time: np.ndarray, *, strict: bool, chunk: int = 1 << 20) -> np.ndarray:
    """:func:`last_at_or_before` for answers in (customer, time) order: a binary search of
    the answers in the transactions' lexicographic keys, block by block of whole customers.

    numpy keeps the previous search's lower bound while the queries increase, so sorted
    answers are searched in cache-friendly order (shuffled answers would be far slower,
    hence only for sorted ones); blocks of about ``chunk`` transactions keep the complex keys
    small (no key array over all transactions). Each answer's index is the same as in one
    search over all transactions: an answer before its block's first key gets the row
    before the block, one after its last key the block's last row.
    """
    side = "left" if strict else "right"
    out = np.empty(len(r_code), dtype=np.int64)
    cuts = np.unique(t_code[chunk::chunk])  # codes where a block starts (besides the first)
    t_edges = np.r_[0, np.searchsorted(t_code, cuts), len(t_code)]
    r_edges = np.r_[0, np.searchsorted(r_code, cuts), len(r_code)]
    for j in range(len(t_edges) - 1):
        t0, t1, q0, q1 = t_edges[j], t_edges[j + 1], r_edges[j], r_edges[j + 1]
        if q1 > q0:
            keys = _complex_keys(t_code[t0:t1], t_time[t0:t1])
            pos = np.searchsorted(keys, _complex_keys(r_code[q0:q1], r_time[q0:q1]), side=side)
            out[q0:q1] = pos + (t0 - 1)
    return out

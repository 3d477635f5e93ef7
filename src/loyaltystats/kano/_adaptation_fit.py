"""Fitting steps of :func:`loyaltystats.kano.adaptation` (private).

The within-customer design with calendar-window fixed effects, the fit for a fixed
adaptation factor ``a`` from cross-products, the cluster-robust score statistic, and the
profile of ``a`` with its interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse, stats

from ..errors import ModelError

_A_GRID = np.round(np.arange(0.02, 1.501, 0.02), 10)


def _indicator(codes: np.ndarray, size: int) -> sparse.csr_matrix:
    """The (size, n) 0/1 matrix that sums the rows of a table per code."""
    return sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                             shape=(size, len(codes)))


class _Model:
    """The demeaned design; for a fixed ``a`` the model is linear in the other coefficients.

    ``F`` holds the window (and stratum) fixed effects and the recent-repeat dummy, ``Z`` the
    first-delight effect of each delight window scaled by ``a^(k - 1)``; the customer means
    are removed (within transformation). Nothing evaluated per ``a`` passes over the
    responses (issue #23):

    - every response's row of ``F`` is one of a few *patterns* (window x stratum x recent
      repeat), so ``F @ b`` is a value per pattern, and the per-customer sums the
      cluster-robust score statistic needs come from counts and sums of ``My`` per
      (customer, pattern): two sparse products over the customers' distinct patterns;
    - ``Z`` depends on ``a`` only through ``a^(k - 1)``, so its cross-products are sums over
      (delight window, k) groups fixed at set-up, and the within-customer term of ``Z'MZ`` is
      a polynomial in ``a`` whose coefficients (pairs of delight responses of one customer)
      are counted once.
    """

    def __init__(self, y: np.ndarray, d: np.ndarray, k: np.ndarray, s_rec: np.ndarray,
                 c_r: np.ndarray, t_r: np.ndarray, window: float,
                 strata_codes: np.ndarray | None) -> None:
        self.n = len(y)
        self.cc, self.n_cust = cc, _ = _compact_codes(c_r)
        self.n_c = n_c = np.bincount(cc, minlength=self.n_cust).astype(float)
        self.t_min = t_min = float(t_r.min())
        wi = np.floor((t_r - t_min) / window).astype(np.int64)
        n_w = int(wi.max()) + 1
        self.present_w = present_w = np.flatnonzero(np.bincount(wi, minlength=n_w))
        w_map = np.full(n_w, -1)
        w_map[present_w] = np.arange(len(present_w))
        self.wcol = wcol = w_map[wi]
        self.dw = dw = np.unique(wcol[d])  # windows with delight responses -> one c_w each
        z_map = np.full(len(present_w), -1)
        z_map[dw] = np.arange(len(dw))

        yc = y - float(y.mean())
        My = yc - (np.bincount(cc, weights=yc, minlength=self.n_cust) / n_c)[cc]
        self.yty = float(My @ My)
        # F (window, stratum x window and recent-repeat dummies) is only formed for one
        # response per pattern: F = P Fp with P the responses' pattern indicator
        first = self._patterns(d, s_rec, wcol, strata_codes, My)
        Fp, self.f_names = _fixed_effects(
            d[first], s_rec[first], wcol[first], len(present_w),
            None if strata_codes is None else strata_codes[first])
        self.Fp = Fp = Fp.toarray()
        self.n_f = Fp.shape[1]
        cnt_p = np.bincount(self.pat, minlength=len(first)).astype(float)
        # MF'MF = F'F - S' diag(1 / n_c) S with S = N Fp the per-customer sums of F
        NtDN = (self.N.T @ sparse.diags(1.0 / n_c) @ self.N).toarray()
        self.FtF = Fp.T @ ((np.diag(cnt_p) - NtDN) @ Fp)
        # My is demeaned, so MF'My = F'My
        self.Fty = Fp.T @ np.bincount(self.pat, weights=My, minlength=len(first))
        rows_d = np.flatnonzero(d)
        self.zc = z_map[wcol[rows_d]]
        self.kd = k[rows_d]
        self.pz = len(dw)
        self.cc_d = cc_d = cc[rows_d]
        self.pat_d = self.pat[rows_d]
        self.My_d = My[rows_d]
        self.ucd = np.unique(cc_d)
        self._delight_groups()
        self._pair_polynomial()
        self._split_customers()
        self._delight_cells()
        self._row_blocks()

    def _patterns(self, d: np.ndarray, s_rec: np.ndarray, wcol: np.ndarray,
                  strata_codes: np.ndarray | None, My: np.ndarray) -> np.ndarray:
        """Pattern of each response's row of ``F``; counts and ``My`` per (customer, pattern).

        Returns one response per pattern (rows of one pattern have the same row of F)."""
        strat = (np.zeros(len(d), np.int64) if strata_codes is None
                 else np.where(d, 0, strata_codes).astype(np.int64))
        key = (wcol.astype(np.int64) * (int(strat.max()) + 1) + strat) * 2 + s_rec
        self.pat, n_pat = _compact_codes(key)
        first = np.empty(n_pat, np.int64)
        first[self.pat] = np.arange(len(key))
        shape = (self.n_cust, n_pat)
        cp = sparse.csr_matrix((np.ones(self.n), (self.cc, self.pat)), shape=shape)
        cp.sum_duplicates()
        self.N = cp
        my = sparse.csr_matrix((My, (self.cc, self.pat)), shape=shape)
        my.sum_duplicates()
        self.M = my
        return first

    def _split_customers(self) -> None:
        """Customers with delight responses one by one; the others grouped by their counts
        per pattern, with the sums of ``My`` per pattern and their cross-products.

        A customer without delights scores ``h . m_c + L(n_c)``: ``m_c`` its ``My`` sums per
        pattern and ``L`` a function of its counts per pattern ``n_c``, so the sum of the
        squared scores over those customers is ``h' Q h + 2 sum_g L_g h . S1_g + sum_g
        |g| L_g^2`` with ``Q = sum m_c m_c'`` and ``S1_g`` the sum of ``m_c`` over a group
        of customers with equal ``n_c``: per ``a`` the cost is the groups', not the
        customers'.
        """
        ucd = self.ucd
        self.cd_loc = np.searchsorted(ucd, self.cc_d)
        self.N_d, self.M_d = self.N[ucd], self.M[ucd]
        self.inv_nc_d = 1.0 / self.n_c[ucd]
        others = np.ones(self.n_cust, bool)
        others[ucd] = False
        nd = np.flatnonzero(others)
        N_o, M_o = self.N[nd], self.M[nd]
        self.Q = np.asarray((M_o.T @ M_o).toarray())
        first, inv = _equal_rows(N_o)
        G = len(first)
        self.N_G = N_o[first]
        self.n_g = np.asarray(self.N_G.sum(axis=1)).ravel()
        self.cnt_g = np.bincount(inv, minlength=G).astype(float)
        self.S1_G = (_indicator(inv, G) @ M_o).tocsr()

    def _delight_groups(self) -> None:
        """Sums of the delight rows of ``MF`` and ``My`` per (delight window, k).

        The delight rows of ``MF = F - S[c] / n_c`` summed per group: the group's counts
        per pattern times ``Fp``, minus the group's customers' counts per pattern (each
        weighted by ``1 / n_c`` per delight row) times ``Fp``."""
        kmax = int(self.kd.max()) + 1
        ug, ginv = np.unique(self.zc * kmax + self.kd, return_inverse=True)
        self.g_zc, self.g_k = ug // kmax, (ug % kmax).astype(float)
        ng, n_pat = len(ug), self.Fp.shape[0]
        self.g_cnt = np.bincount(ginv, minlength=ng).astype(float)
        self.g_My = np.bincount(ginv, weights=self.My_d, minlength=ng)
        gp = sparse.csr_matrix((np.ones(len(ginv)), (ginv, self.pat_d)), shape=(ng, n_pat))
        w_gc = sparse.csr_matrix((1.0 / self.n_c[self.cc_d], (ginv, self.cc_d)),
                                 shape=(ng, self.n_cust))
        self.GP = gp.toarray()  # delight rows per (group, pattern)
        self.g_MF = (self.GP - (w_gc @ self.N).toarray()) @ self.Fp
        self.ginv_d = ginv

    def _delight_cells(self) -> None:
        """Delight rows counted per (customer, delight group) and per (customer, pattern,
        group): everything the score statistic adds on the delight rows depends on the row
        only through its group (``a^(k - 1)``, the window's effect) and its pattern."""
        ng, n_d, cd, ginv = len(self.g_cnt), len(self.ucd), self.cd_loc, self.ginv_d
        ones = np.ones(len(cd))
        self.CG = sparse.csr_matrix((ones, (cd, ginv)), shape=(n_d, ng))
        self.CGM = sparse.csr_matrix((self.My_d, (cd, ginv)), shape=(n_d, ng))
        upg, pginv = np.unique(self.pat_d * ng + ginv, return_inverse=True)
        self.pg_pat, self.pg_g = upg // ng, upg % ng
        self.CPG = sparse.csr_matrix((ones, (cd, pginv.ravel())), shape=(n_d, len(upg)))
        for mat in (self.CG, self.CGM, self.CPG):
            mat.sum_duplicates()
        self.Z_ind = _indicator(self.g_zc, self.pz)  # sums per delight group -> per window
        self.FG_T = (self.GP @ self.Fp).T  # F' summed per delight group

    def _pair_polynomial(self) -> None:
        """``sum_c s_cj s_cl / n_c`` with ``s_cj = sum a^(k-1)`` over the customer's delight
        responses in window ``j``, as coefficients of powers of ``a`` per (j, l)."""
        o = np.argsort(self.cc_d, kind="stable")
        c, zc, kd = self.cc_d[o], self.zc[o], self.kd[o] - 1
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        sizes = np.diff(np.r_[starts, len(c)])
        # every ordered pair (i, i') of delight responses within a customer
        rep = np.repeat(np.arange(len(c)), np.repeat(sizes, sizes))
        first_of = np.repeat(starts, sizes * sizes)
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(sizes * sizes) - sizes * sizes,
                                                 sizes * sizes)
        partner = first_of + offset % np.repeat(sizes, sizes * sizes)
        w = 1.0 / self.n_c[c[rep]]
        q = kd[rep] + kd[partner]
        qmax = int(q.max()) + 1
        key = (zc[rep] * self.pz + zc[partner]) * qmax + q
        uk, kinv = np.unique(key, return_inverse=True)
        self.pair_coef = np.bincount(kinv, weights=w, minlength=len(uk))
        self.pair_jl = uk // qmax
        self.pair_q = (uk % qmax).astype(float)

    def cross(self, a: float) -> tuple[np.ndarray, np.ndarray]:
        """``X'X`` and ``X'y`` of the demeaned design for adaptation factor ``a``."""
        pz = self.pz
        eg = a ** (self.g_k - 1.0)
        ztf = np.zeros((pz, self.n_f))
        np.add.at(ztf, self.g_zc, eg[:, None] * self.g_MF)
        zty = np.bincount(self.g_zc, weights=eg * self.g_My, minlength=pz)
        ztz = np.diag(np.bincount(self.g_zc, weights=eg * eg * self.g_cnt, minlength=pz))
        ztz -= np.bincount(self.pair_jl, weights=self.pair_coef * a ** self.pair_q,
                           minlength=pz * pz).reshape(pz, pz)
        xtx = np.block([[self.FtF, ztf.T], [ztf, ztz]])
        xty = np.r_[self.Fty, zty]
        return xtx, xty

    def fit(self, a: float) -> dict[str, Any]:
        """Least squares for a fixed ``a``: coefficients, RSS, ``X'X``, singularity."""
        xtx, xty = self.cross(a)
        try:
            beta = np.linalg.solve(xtx, xty)
            singular = False
        except np.linalg.LinAlgError:
            # a tiny a zeroes the columns of windows with only late delights (small studies):
            # the residual sum of squares is still defined (least-norm solution)
            beta = np.linalg.lstsq(xtx, xty, rcond=None)[0]
            singular = True
        return {"beta": beta, "rss": max(self.yty - float(beta @ xty), 0.0), "xtx": xtx,
                "singular": singular}

    def score_stat(self, a: float) -> float:
        """Cluster-robust score (LM) statistic of H0: adaptation = a (see
        :meth:`score_stats`)."""
        return float(self.score_stats(np.array([a]))[0])

    def score_stats(self, a_values: np.ndarray, chunk: int = 16) -> np.ndarray:
        """Cluster-robust score (LM) statistics of H0: adaptation = a, customers as clusters,
        for several ``a`` at once (each pass over the customers serves ``chunk`` of them).

        With ``u`` the fitted values before the within transformation (``F b`` plus the
        delight effects) the residuals are ``r = My - u + cm(u)``; the derivative of the
        fitted values with respect to ``a`` (``g0``, on the delight rows), partialled out of
        the other regressors, is ``h - cm(h)`` with ``h = g0 - F gam - Z gam``. A customer's
        score is ``sum (h - cm(h)) r = sum h My - sum h u + cm(u) sum h`` (``r`` sums to
        zero within a customer); ``h`` and ``u`` are a value per pattern plus a term on the
        delight rows, so the sums come from the (customer, pattern) counts.
        """
        a_values = np.asarray(a_values, dtype=float)
        return np.concatenate([self._score_chunk(a_values[i:i + chunk])
                               for i in range(0, len(a_values), chunk)])

    def _row_blocks(self, rows: int = 32_768) -> None:
        """The per-customer matrices cut into blocks of customers, once: every per-customer
        temporary of the score statistic then stays small (in cache, and in memory glibc
        reuses instead of fresh pages from the kernel) and only sums leave a block."""
        def cut(n: int) -> list[slice]:
            return [slice(i, min(i + rows, n)) for i in range(0, max(n, 1), rows)]

        self.d_blocks = [(self.N_d[b], self.CG[b], self.CPG[b], self.M_d[b], self.CGM[b],
                          self.inv_nc_d[b]) for b in cut(len(self.ucd))]
        self.g_blocks = [(self.N_G[b], self.S1_G[b], self.n_g[b], self.cnt_g[b])
                         for b in cut(self.N_G.shape[0])]

    def _score_chunk(self, A: np.ndarray) -> np.ndarray:
        """:meth:`score_stats` for a few ``a``: one column per ``a`` in every product."""
        n_f, g_zc, kg, k = self.n_f, self.g_zc, self.g_k[:, None], len(A)
        fits = [self.fit(float(a)) for a in A]
        beta = np.column_stack([f["beta"] for f in fits])
        b_f, b_z = beta[:n_f], beta[n_f:][g_zc]
        # per delight group (window, k): a^(k - 1) and d fitted / d a
        e_g = A[None, :] ** (kg - 1.0)
        g0_g = b_z * (kg - 1.0) * A[None, :] ** (kg - 2.0)
        # CG' cm(g0) and N_d' cm(g0), cm(g0) the customer means of g0
        cg_cm, nd_cm = np.zeros((len(kg), k)), np.zeros((self.Fp.shape[0], k))
        for N_b, CG_b, _, _, _, inv_b in self.d_blocks:
            cm = (CG_b @ g0_g) * inv_b[:, None]
            cg_cm += CG_b.T @ cm
            nd_cm += N_b.T @ cm
        # Z' (g0 - cm(g0)) per delight window, and F' g0 - S' cm(g0)
        z_part = self.Z_ind @ (e_g * (g0_g * self.g_cnt[:, None] - cg_cm))
        xtg = np.vstack([self.FG_T @ g0_g - self.Fp.T @ nd_cm, z_part])
        gam = np.column_stack([np.linalg.lstsq(f["xtx"], xtg[:, j], rcond=None)[0]
                               for j, f in enumerate(fits)])
        u_p, h_p = self.Fp @ b_f, -(self.Fp @ gam[:n_f])  # per pattern
        vals = np.hstack([u_p, h_p, h_p * u_p])
        du_g = e_g * b_z
        dh_g = g0_g - e_g * gam[n_f:][g_zc]
        duh = np.hstack([du_g, dh_g])
        pp, pg = self.pg_pat, self.pg_g
        hu_pg = h_p[pp] * du_g[pg] + dh_g[pg] * (u_p[pp] + du_g[pg])
        sq = np.einsum("ij,ij->j", h_p, self.Q @ h_p)
        sc = np.zeros(k)
        # customers with delights: pattern sums plus the delight rows' extra terms (per group)
        for N_b, CG_b, CPG_b, M_b, CGM_b, inv_b in self.d_blocks:
            per_pat = N_b @ vals
            extra = CG_b @ duh
            per_c = (M_b @ h_p + CGM_b @ dh_g) - (per_pat[:, 2 * k:] + CPG_b @ hu_pg)
            per_c += ((per_pat[:, :k] + extra[:, :k]) * inv_b[:, None]
                      * (per_pat[:, k:2 * k] + extra[:, k:]))
            sq += np.einsum("ij,ij->j", per_c, per_c)
            sc += per_c.sum(axis=0)
        # the other customers, by groups of equal counts per pattern
        for NG_b, S1_b, n_b, cnt_b in self.g_blocks:
            gp = NG_b @ vals
            L = gp[:, :k] * gp[:, k:2 * k] / n_b[:, None] - gp[:, 2 * k:]
            hs1 = S1_b @ h_p
            sq += 2 * np.einsum("ij,ij->j", L, hs1) + cnt_b @ (L * L)
            sc += hs1.sum(axis=0) + cnt_b @ L
        v = sq * self.n_cust / max(self.n_cust - 1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, sc * sc / v, 0.0)


def _compact_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative integer codes renumbered ``0..m-1`` in sorted order (as
    ``np.unique(codes, return_inverse=True)``), by counting instead of sorting."""
    present = np.bincount(codes) > 0
    new = np.cumsum(present) - 1
    return new[codes], int(present.sum())


def _equal_rows(X: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Groups of equal rows of a sparse matrix: the first row of each group and each row's
    group. Rows are hashed by two random projections, then checked exactly; should two
    different rows ever share a hash, every row is its own group (still exact)."""
    n = X.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rng = np.random.default_rng(20261204)
    proj = np.asarray(X @ rng.random((X.shape[1], 2)))
    # the two projections as one complex number: a sort of numbers, not of rows
    _, first, inv = np.unique(proj[:, 0] + 1j * proj[:, 1], return_index=True,
                              return_inverse=True)
    inv = inv.ravel()
    diff = X - X[first][inv]
    diff.eliminate_zeros()
    if diff.nnz:
        return np.arange(n), np.arange(n)
    return first, inv


def _fixed_effects(d: np.ndarray, s_rec: np.ndarray, wcol: np.ndarray, n_present: int,
                   strata_codes: np.ndarray | None) -> tuple[sparse.csr_matrix, list[str]]:
    """Window (and stratum x window) dummies and the recent-repeat dummy, empty ones dropped.

    Sparse: each response has at most one window dummy, one stratum x window dummy and
    the recent-repeat dummy.
    """
    n = len(wcol)
    rows, cols = [], []
    f_names = [f"window {j}" for j in range(1, n_present)]
    has_w = wcol >= 1
    rows.append(np.flatnonzero(has_w))
    cols.append(wcol[has_w] - 1)
    if strata_codes is not None:
        # each non-reference stratum of the non-delight answers gets its own effect per window
        n_lev = int(strata_codes.max()) if len(strata_codes) else 0
        for lev in range(1, n_lev + 1):
            in_lev = np.flatnonzero((strata_codes == lev) & ~d)
            rows.append(in_lev)
            cols.append(len(f_names) + wcol[in_lev])
            f_names += [f"stratum {lev} x window {j}" for j in range(n_present)]
    rec = np.flatnonzero(s_rec)
    rows.append(rec)
    cols.append(np.full(len(rec), len(f_names)))
    f_names.append("recent_repeat")
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = np.bincount(c, minlength=len(f_names)) > 0
    new = np.cumsum(keep) - 1
    F = sparse.csr_matrix((np.ones(len(r)), (r, new[c])), shape=(n, int(keep.sum())))
    return F, [nm for nm, kp in zip(f_names, keep) if kp]


@dataclass
class _AProfile:
    """The profile of ``a`` on the grid, its refined minimum and the residual df."""

    rss: np.ndarray
    j: int
    a_hat: float
    rss_min: float
    df: int


def _fit_profile(model: _Model) -> _AProfile:
    """RSS(a) on the grid, refined around its minimum; needs residual degrees of freedom."""
    rss = np.array([model.fit(a)["rss"] for a in _A_GRID])
    j = int(np.argmin(rss))
    a_hat, rss_min = float(_A_GRID[j]), float(rss[j])
    lo_b, hi_b = _A_GRID[max(j - 1, 0)], _A_GRID[min(j + 1, len(_A_GRID) - 1)]
    opt = optimize.minimize_scalar(lambda a: model.fit(a)["rss"], bounds=(lo_b, hi_b),
                                   method="bounded", options={"xatol": 1e-6})
    if opt.fun < rss_min:
        a_hat, rss_min = float(opt.x), float(opt.fun)
    p = model.n_f + model.pz + 1
    df = model.n - model.n_cust - p
    if df <= 0:
        raise ModelError(f"adaptation: {model.n} responses of {model.n_cust} customers leave "
                         "no degrees of freedom")
    return _AProfile(rss=rss, j=j, a_hat=a_hat, rss_min=rss_min, df=df)


def _infer_interval(model: _Model, prof: _AProfile, interval: str,
                    level: float) -> tuple[float, float]:
    """Interval of ``a``: inverted robust score test or profile F-test, edges by root search."""
    if interval == "profile":
        q = float(stats.f.ppf(level, 1, prof.df))
        thr = prof.rss_min * (1 + q / prof.df)
        crit_fn, crit_grid = (lambda a: model.fit(a)["rss"] - thr), prof.rss - thr
    else:
        chi = float(stats.chi2.ppf(level, 1))
        lm = model.score_stats(_A_GRID)
        crit_fn, crit_grid = (lambda a: model.score_stat(a) - chi), lm - chi
    inside = np.flatnonzero(crit_grid <= 0)
    if len(inside) == 0:
        inside = np.array([prof.j])

    def edge(a0: float, a1: float) -> float:
        try:
            return float(optimize.brentq(crit_fn, a0, a1, xtol=1e-7))
        except ValueError:
            return float(a1)

    i_lo, i_hi = int(inside.min()), int(inside.max())
    a_lo = float(_A_GRID[0]) if i_lo == 0 else edge(_A_GRID[i_lo - 1], _A_GRID[i_lo])
    a_hi = float(_A_GRID[-1]) if i_hi == len(_A_GRID) - 1 else edge(_A_GRID[i_hi + 1],
                                                                      _A_GRID[i_hi])
    return min(a_lo, prof.a_hat), max(a_hi, prof.a_hat)

"""LP relaxation of the cover problem with the staff-level rules that matter at scale: a bound and a guide.

The min-cost flow (:mod:`optimizer.roster.flow`) keeps one shift a day, each staff member's total, seats and
the cover penalties. This LP (HiGHS, dual simplex) keeps all of that, on the same arcs and costs
(:func:`optimizer.roster.flow.cover_arcs`), and adds, for the rules in force:

- ``max_shifts_per_type``: per (staff, shift type) totals;
- ``group_budget``: the summed shift cost of each budget group;
- ``max_consecutive_days``: every window of ``max + 1`` days inside the horizon holds at most ``max`` worked
  days (history before day 0 is dropped);
- ``max_weekends``: a weekend variable per (staff, weekend) at least each worked day of it, summed at most
  ``max_weekends``;
- ``max_total_minutes``: summed shift minutes.

Everything else (successions, minimum runs and days off, fairness, minimum minutes) is dropped and every
dropped term is non-negative, so the LP optimum (rounded up: the roster objective is an integer) is a valid
lower bound. On duty-lawyer rosters, where the cost of empty seats dominates and budgets and per-station
limits bind, it is markedly tighter than the flow bound; on the Curtois & Qu instances (sequence rules and
requests dominate) column generation is far tighter and this LP adds nothing.

Source: the linear relaxation of the standard nurse-rostering integer programme (e.g. Burke et al., "The
state of the art of nurse rostering", J. Scheduling 7, 2004), restricted to the aggregate rules.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.highs import new_highs
from optimizer.roster import constraints as hard
from optimizer.roster.flow import CoverArcs, cover_arcs
from optimizer.roster.problem import RosterProblem

_INF = highspy.kHighsInf


@dataclass
class CoverLp:
    """Result of :func:`cover_lp_relaxation`.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible`` (the kept rules cannot all hold) or ``not_solved`` (time limit); with
        ``integral``, also ``feasible`` (a solution, not proven optimal).
    bound : float
        Valid lower bound on the roster optimum (``-inf`` unless optimal, ``inf`` when infeasible).
    guide : int64 array [E, D] or None
        The LP roster rounded per cell (the shift with the largest value when the cell is worked at least
        half; off otherwise); fixed cells keep their value. May break hard rules: a guide, not a roster.
    rows, cols : int
    seconds : float
    """

    status: str
    bound: float
    guide: np.ndarray | None
    rows: int
    cols: int
    seconds: float
    stats: dict[str, float] = field(default_factory=dict)


class _Rows:
    """Blocks of sparse rows ``lo <= A x <= hi`` over the LP's columns."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.count = 0

    def add(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Rows numbered ``0 .. len(lo) - 1`` within the block (``row`` indexes into them)."""
        self.r.append(np.asarray(row, np.int64) + self.count)
        self.c.append(np.asarray(col, np.int64))
        self.v.append(np.asarray(val, np.float64))
        self.lo.append(np.asarray(lo, np.float64))
        self.hi.append(np.asarray(hi, np.float64))
        self.count += len(lo)

    def matrix(self, n: int) -> sp.csc_matrix:
        r = np.concatenate(self.r) if self.r else np.zeros(0, np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        return sp.csc_matrix((v, (r, c)), shape=(self.count, n))


def _upper_rows(rows: _Rows, key: np.ndarray, num_keys: int, col: np.ndarray, val: np.ndarray,
                limit: np.ndarray) -> None:
    """``sum val[j] x[col[j]] over j with key[j] = k <= limit[k]`` for every key that can be exceeded."""
    reach = np.bincount(key, weights=val, minlength=num_keys)
    binding = np.flatnonzero((reach > 0) & (reach > limit + 1e-9))
    if binding.size == 0:
        return
    pos = np.full(num_keys, -1, dtype=np.int64)
    pos[binding] = np.arange(binding.size)
    keep = pos[key] >= 0
    rows.add(pos[key[keep]], col[keep], val[keep], np.full(binding.size, -_INF), limit[binding])


def cover_lp_relaxation(problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None,
                        time_limit_s: float = 30.0, sequence_rows: bool = True, integral: bool = False,
                        succession_rows: bool = False, arc_extra: np.ndarray | None = None,
                        exact: bool = False, implied_work: np.ndarray | None = None) -> CoverLp:
    """Solve the cover LP of ``problem`` (see the module docstring) within ``time_limit_s``; without
    ``sequence_rows`` the consecutive-day and weekend rows are left out (a weaker bound, a much faster LP).

    With ``succession_rows``, forbidden successions (when in force) add a row per arc with a forbidden successor
    on the next day: that arc plus its forbidden successors at most 1 (valid, but about ``S`` times the arcs in
    pairs: meant for small problems such as the weekend days alone). With ``integral``, the shift and weekend
    variables are integer and HiGHS solves a MIP: ``guide`` is then its best solution (status ``optimal``, or
    ``feasible`` when the time ran out first; it keeps every rule the model keeps) and ``bound`` its dual bound.

    ``arc_extra`` (float ``[E, D, S]``) is added to the cost of working each (staff, day, shift): a preference
    among rosters, not a term of the problem, so ``bound`` is then ``-inf``. With ``exact``, a MIP stops only at a
    proven gap of zero instead of HiGHS's default relative gap (1e-4). ``implied_work`` (int ``[K, 3]`` rows
    ``(staff, day, other day)``) adds one row each: the staff member works ``other day`` if they work ``day``."""
    t0 = time.perf_counter()
    p = problem
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    ca = cover_arcs(p, rule_ids=rule_ids)
    active = ca.active
    ae, ad, as_ = ca.ae, ca.ad, ca.as_
    V, R = ae.size, D * S
    fixed = ca.fixed_sched
    worked_fixed = fixed >= 0
    ar = np.arange(V)
    ones = np.ones(V)
    cell = ae * D + ad
    post = ad * S + as_
    # columns: x (V), pieces first/second/third per post (3R), weekend variables (added below)
    arc_cost = (ca.arc_cost + ca.cell_cost[ae, ad]).astype(np.float64)
    if arc_extra is not None:
        if np.shape(arc_extra) != (E, D, S):
            raise ValueError(f"arc_extra: expected shape {(E, D, S)}, got {np.shape(arc_extra)}")
        arc_cost = arc_cost + np.asarray(arc_extra, np.float64)[ae, ad, as_]
    cost = [arc_cost,
            -(ca.uw + ca.iw).reshape(-1).astype(np.float64), -ca.iw.reshape(-1).astype(np.float64),
            ca.ow.reshape(-1).astype(np.float64)]
    upper = [np.ones(V), ca.first.astype(np.float64), ca.second.astype(np.float64), ca.third.astype(np.float64)]
    n = V + 3 * R
    rows = _Rows()
    # one shift a cell
    _upper_rows(rows, cell, E * D, ar, ones, np.ones(E * D))
    # staff totals (shifts and minutes left after the fixed cells)
    _upper_rows(rows, ae, E, ar, ones, ca.cap_staff.astype(np.float64))
    if hard.MAX_TOTAL_MINUTES in active:
        fixed_min = np.where(worked_fixed, p.shift_minutes[np.maximum(fixed, 0)], 0).sum(axis=1)
        _upper_rows(rows, ae, E, ar, p.shift_minutes[as_].astype(np.float64),
                    np.maximum(p.max_total_minutes - fixed_min, 0).astype(np.float64))
    # cover: arcs into a post = its three pieces
    slack = np.arange(R)
    rows.add(np.concatenate([post, slack, slack, slack]),
             np.concatenate([ar, V + slack, V + R + slack, V + 2 * R + slack]),
             np.concatenate([ones, -np.ones(3 * R)]), np.zeros(R), np.zeros(R))
    if hard.MAX_SHIFTS_PER_TYPE in active:
        fe, fd = np.nonzero(worked_fixed)
        nconst = np.bincount(fe * S + fixed[fe, fd], minlength=E * S)
        _upper_rows(rows, ae * S + as_, E * S, ar, ones,
                    np.maximum(p.max_shifts_per_type.reshape(-1) - nconst, 0).astype(np.float64))
    G = p.num_budget_groups
    if hard.GROUP_BUDGET in active and G:
        g = p.budget_group[as_]
        charged = (g >= 0) & (p.shift_cost[as_] > 0)
        spent = hard.group_spend(p, fixed)
        _upper_rows(rows, g[charged], G, ar[charged], p.shift_cost[as_[charged]].astype(np.float64),
                    np.maximum(p.group_budget - spent, 0).astype(np.float64))
    if sequence_rows and hard.MAX_CONSECUTIVE_DAYS in active:
        mx = p.max_consecutive_days
        for k in np.unique(mx[np.unique(ae)]).tolist():
            if k >= D:
                continue
            starts = D - k  # windows [t, t + k], t = 0 .. D - k - 1
            sel = mx[ae] == k
            a_sel = ar[sel]
            e_sel, d_sel = ae[sel], ad[sel]
            # each arc lies in the windows t = d - k .. d (those inside the horizon)
            offs = np.arange(k + 1)
            t = d_sel[:, None] - offs[None, :]
            ok = (t >= 0) & (t < starts)
            key = (e_sel[:, None] * starts + t)[ok]
            col = np.broadcast_to(a_sel[:, None], t.shape)[ok]
            cum = np.concatenate([np.zeros((E, 1), np.int64), np.cumsum(worked_fixed, axis=1)], axis=1)
            const = (cum[:, k + 1:] - cum[:, :starts]).reshape(-1)  # fixed worked days per window
            _upper_rows(rows, key, E * starts, col, np.ones(key.size),
                        np.maximum(k - const, 0).astype(np.float64))
    W = p.num_weekends
    if sequence_rows and hard.MAX_WEEKENDS in active and W:
        widx = p.weekend_idx
        on_w = widx[ad] >= 0
        fixed_w = np.zeros((E, W), dtype=bool)
        fe, fd = np.nonzero(worked_fixed & (widx >= 0)[None, :])
        fixed_w[fe, widx[fd]] = True
        limit = p.max_weekends - fixed_w.sum(axis=1)
        staff_var = np.zeros(E, dtype=bool)
        a_w = ar[on_w & ~fixed_w[ae, np.maximum(widx[ad], 0)]]
        pair = ae[a_w] * W + widx[ad[a_w]]
        pairs, inv = np.unique(pair, return_inverse=True)
        pe = pairs // W
        staff_var[pe] = True
        per_staff = np.bincount(pe, minlength=E)
        binding = per_staff > limit
        use = binding[pe]
        if use.any():
            y_col = n + np.arange(int(use.sum()))
            y_of_pair = np.full(pairs.size, -1, dtype=np.int64)
            y_of_pair[use] = y_col
            n += y_col.size
            cost.append(np.zeros(y_col.size))
            upper.append(np.ones(y_col.size))
            # x_a - y <= 0 per arc on a weekend day of a binding staff member
            keep = use[inv]
            k_rows = int(keep.sum())
            idx = np.arange(k_rows)
            rows.add(np.concatenate([idx, idx]), np.concatenate([a_w[keep], y_of_pair[inv[keep]]]),
                     np.concatenate([np.ones(k_rows), -np.ones(k_rows)]), np.full(k_rows, -_INF), np.zeros(k_rows))
            bstaff = np.flatnonzero(binding & staff_var)
            spos = np.full(E, -1, dtype=np.int64)
            spos[bstaff] = np.arange(bstaff.size)
            rows.add(spos[pe[use]], y_col, np.ones(y_col.size), np.full(bstaff.size, -_INF),
                     np.maximum(limit[bstaff], 0).astype(np.float64))
    if succession_rows and hard.FORBIDDEN_SUCCESSIONS in active and V:
        _succession_rows(rows, p, ae, ad, as_)
    if implied_work is not None and len(implied_work) and V:
        _implied_rows(rows, p, ae, ad, np.asarray(implied_work, np.int64).reshape(-1, 3), worked_fixed)
    a = rows.matrix(n)
    build_s = time.perf_counter() - t0
    h = new_highs(threads=1)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, rows.count
    lp.col_cost_ = np.concatenate(cost)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.concatenate(upper)
    lp.row_lower_ = np.concatenate(rows.lo) if rows.lo else np.zeros(0)
    lp.row_upper_ = np.concatenate(rows.hi) if rows.hi else np.zeros(0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.offset_ = float(ca.constant)
    if integral:
        kinds = np.full(n, highspy.HighsVarType.kContinuous)
        kinds[:V] = highspy.HighsVarType.kInteger
        kinds[V + 3 * R:] = highspy.HighsVarType.kInteger  # weekend variables
        lp.integrality_ = kinds.tolist()
    h.passModel(lp)
    h.setOptionValue("time_limit", max(float(time_limit_s) - build_s, 0.05))
    if exact and integral:
        h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    status = h.getModelStatus()
    stats = {"cover_lp_build_seconds": build_s, "cover_lp_rows": float(rows.count), "cover_lp_cols": float(n)}
    seconds = time.perf_counter() - t0
    if status == highspy.HighsModelStatus.kInfeasible:
        return CoverLp("infeasible", math.inf, None, rows.count, n, seconds, stats)
    if integral:
        res = _integral_result(h, status, ca, V, rows.count, n, seconds, stats)
        if arc_extra is not None and res.guide is not None:
            res.bound = -math.inf
        return res
    if status != highspy.HighsModelStatus.kOptimal:
        return CoverLp("not_solved", -math.inf, None, rows.count, n, seconds, stats)
    value = float(h.getInfo().objective_function_value)
    bound = float(math.ceil(value - 1e-6 * max(1.0, abs(value)))) if arc_extra is None else -math.inf
    x = np.asarray(h.getSolution().col_value)[:V]
    guide = fixed.copy()
    if V:
        order = np.lexsort((-x, cell))  # per cell, largest value first
        first_of_cell = np.ones(V, dtype=bool)
        first_of_cell[1:] = cell[order][1:] != cell[order][:-1]
        top = order[first_of_cell]
        worked = np.bincount(cell, weights=x, minlength=E * D)
        pick = top[worked[cell[top]] >= 0.5]
        guide[ae[pick], ad[pick]] = as_[pick]
    return CoverLp("optimal", bound, guide, rows.count, n, seconds, stats)


def _arcs_in_cells(p: RosterProblem, ae: np.ndarray, ad: np.ndarray, cells: np.ndarray, keys: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Every arc of each cell in ``cells`` (``staff * D + day``), paired with that cell's entry of ``keys``:
    ``(key per arc, arc)``."""
    D = p.num_days
    cell = ae * D + ad
    order = np.argsort(cell, kind="stable")
    ptr = np.searchsorted(cell[order], np.arange(p.num_staff * D + 1))
    count = ptr[cells + 1] - ptr[cells]
    rep = np.repeat(keys, count)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    return rep, order[np.repeat(ptr[cells], count) + offs]


def _succession_rows(rows: _Rows, p: RosterProblem, ae: np.ndarray, ad: np.ndarray, as_: np.ndarray) -> None:
    """Per arc with a forbidden successor arc on the next day: the arc plus those successors at most 1."""
    a = np.flatnonzero(ad + 1 < p.num_days)
    a_rep, b = _arcs_in_cells(p, ae, ad, ae[a] * p.num_days + ad[a] + 1, a)
    bad = p.forbidden_next[p.shift_class[as_[a_rep]], p.shift_class[as_[b]]]
    a_rep, b = a_rep[bad], b[bad]
    if a_rep.size == 0:
        return
    heads, pos = np.unique(a_rep, return_inverse=True)
    rows.add(np.concatenate([np.arange(heads.size), pos]), np.concatenate([heads, b]),
             np.ones(heads.size + b.size), np.full(heads.size, -_INF), np.ones(heads.size))


def _implied_rows(rows: _Rows, p: RosterProblem, ae: np.ndarray, ad: np.ndarray, implied: np.ndarray,
                  worked_fixed: np.ndarray) -> None:
    """Per ``(e, d, d2)``: the arcs of cell ``(e, d)`` less those of ``(e, d2)`` at most ``[d2 fixed worked]``."""
    D = p.num_days
    k = np.arange(len(implied))
    e, d, d2 = implied[:, 0], implied[:, 1], implied[:, 2]
    r1, a1 = _arcs_in_cells(p, ae, ad, e * D + d, k)
    r2, a2 = _arcs_in_cells(p, ae, ad, e * D + d2, k)
    rows.add(np.concatenate([r1, r2]), np.concatenate([a1, a2]),
             np.concatenate([np.ones(a1.size), -np.ones(a2.size)]), np.full(k.size, -_INF),
             worked_fixed[e, d2].astype(np.float64) - worked_fixed[e, d].astype(np.float64))


def _integral_result(h: highspy.Highs, status: highspy.HighsModelStatus, ca: CoverArcs, V: int, num_rows: int,
                     n: int, seconds: float, stats: dict[str, float]) -> CoverLp:
    """The MIP's best roster (shift variables at 1) and dual bound, or ``not_solved`` without a solution."""
    if status == highspy.HighsModelStatus.kInfeasible:
        return CoverLp("infeasible", math.inf, None, num_rows, n, seconds, stats)
    info = h.getInfo()
    if info.primal_solution_status != int(highspy.SolutionStatus.kSolutionStatusFeasible):
        return CoverLp("not_solved", -math.inf, None, num_rows, n, seconds, stats)
    x = np.asarray(h.getSolution().col_value)[:V]
    roster = ca.fixed_sched.copy()
    on = x > 0.5
    roster[ca.ae[on], ca.ad[on]] = ca.as_[on]
    bound = float(math.ceil(float(info.mip_dual_bound) - 1e-6 * max(1.0, abs(float(info.mip_dual_bound)))))
    stats["cover_mip_gap"] = float(info.mip_gap)
    state = "optimal" if status == highspy.HighsModelStatus.kOptimal else "feasible"
    return CoverLp(state, bound, roster, num_rows, n, seconds, stats)

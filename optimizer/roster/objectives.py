"""Soft terms of the roster core: each with a model face (``add_*``) and a numpy evaluator (``evaluate_*``).

All terms are integer points, minimised. The model faces add ``coefficient * literal`` pairs and constants to
the :class:`~optimizer.roster.model.RosterModel` objective so that the model objective of a schedule equals
the sum of the evaluators for it (checked in the tests).

Fairness is measured as the *spread* ``max - min`` over the staff of one fairness group (``fair_group >= 0``)
of a per-staff count: total shifts, night shifts (``is_night``) or weekend-day shifts (Saturday or Sunday);
the term is its weight times the spread, summed over groups. The spread is simple to explain ("the busiest
lawyer of the pool has 3 more night shifts than the least busy") and needs only two integer variables per
group; give staff with very different availability different groups (or -1) to compare like with like.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optimizer.roster.constraints import staffed
from optimizer.roster.model import VAR, WORK, RosterModel
from optimizer.roster.problem import FREE, RosterProblem
from optimizer.roster.rule import Matches, Rule, make_matches

UNDER_COVER = "under_cover"
IDEAL_SHORTFALL = "ideal_shortfall"
OVER_COVER = "over_cover"
SHIFT_ON_REQUESTS = "shift_on_requests"
SHIFT_OFF_REQUESTS = "shift_off_requests"
ASSIGNMENT_WEIGHT = "assignment_weight"
FAIR_TOTAL_SHIFTS = "fair_total_shifts"
FAIR_NIGHT_SHIFTS = "fair_night_shifts"
FAIR_WEEKEND_SHIFTS = "fair_weekend_shifts"
CHANGES_FROM_REFERENCE = "changes_from_reference"


# ----------------------------------------------------------------------------------------- cover
def _add_cover_hinge(m: RosterModel, target: np.ndarray, weight: np.ndarray, *, below: bool, name: str) -> None:
    """Penalise ``weight`` per person below (``below``) or above ``target`` for each (day, shift)."""
    const, ptr, order = m.cover_parts()
    target = target.reshape(-1)
    weight = weight.reshape(-1)
    nvar = np.diff(ptr)
    if below:
        gap_const = np.maximum(target - const, 0)
        fixed_only = (nvar == 0) | (gap_const == 0)
        m.add_constant(int((weight * gap_const)[(nvar == 0) & (weight > 0)].sum()))
        active = np.flatnonzero(~fixed_only & (weight > 0))
    else:
        excess_const = np.maximum(const - target, 0)
        m.add_constant(int((weight * excess_const)[(nvar == 0) & (weight > 0)].sum()))
        active = np.flatnonzero((nvar > 0) & (weight > 0) & (const + nvar > target))
    x = m.x
    model = m.model
    S = m.S
    for k in active.tolist():
        lits = [x[i] for i in order[ptr[k]:ptr[k + 1]].tolist()]
        c, t, w = int(const[k]), int(target[k]), int(weight[k])
        d, s = divmod(k, S)
        if below:
            slack = model.new_int_var(0, t - c, f"{name}{d}_{s}")
            model.add(sum(lits) + slack >= t - c)
        else:
            slack = model.new_int_var(max(c - t, 0), c + len(lits) - t, f"{name}{d}_{s}")
            model.add(sum(lits) - slack <= t - c)
        m.add_cost(slack, w)


def add_under_cover(m: RosterModel) -> None:
    """``under_weight[d, s]`` points per person missing below ``cover_min[d, s]``."""
    p = m.problem
    _add_cover_hinge(m, p.cover_min, p.under_weight, below=True, name="under")


def evaluate_under_cover(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per (day, shift) staffed below the minimum."""
    missing = np.maximum(problem.cover_min - staffed(problem, schedule), 0)
    d, s = np.nonzero(missing * problem.under_weight)
    return make_matches(missing[d, s] * problem.under_weight[d, s], day=d, shift=s)


def add_ideal_shortfall(m: RosterModel) -> None:
    """``ideal_short_weight[d, s]`` points per person missing below ``cover_ideal[d, s]``."""
    p = m.problem
    _add_cover_hinge(m, p.cover_ideal, p.ideal_short_weight, below=True, name="short")


def evaluate_ideal_shortfall(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per (day, shift) staffed below the ideal."""
    missing = np.maximum(problem.cover_ideal - staffed(problem, schedule), 0)
    d, s = np.nonzero(missing * problem.ideal_short_weight)
    return make_matches(missing[d, s] * problem.ideal_short_weight[d, s], day=d, shift=s)


def add_over_cover(m: RosterModel) -> None:
    """``over_weight[d, s]`` points per person above ``cover_ideal[d, s]``."""
    p = m.problem
    _add_cover_hinge(m, p.cover_ideal, p.over_weight, below=False, name="over")


def evaluate_over_cover(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per (day, shift) staffed above the ideal."""
    excess = np.maximum(staffed(problem, schedule) - problem.cover_ideal, 0)
    d, s = np.nonzero(excess * problem.over_weight)
    return make_matches(excess[d, s] * problem.over_weight[d, s], day=d, shift=s)


# ----------------------------------------------------------------------------------------- requests
def _request_literal(m: RosterModel, e: int, d: int, s: int) -> tuple[int, Any]:
    """``(constant 0/1, literal or None)`` for "staff e works shift s (-1: any) on day d"."""
    state = m.wval[e, d]
    if state == VAR:
        if s < 0:
            return 0, m.work[e, d]
        i = int(m.find_x(np.array([e]), np.array([d]), np.array([s]))[0])
        return 0, (m.x[i] if i >= 0 else None)
    if state == WORK:
        return int(s < 0 or m.const_shift[e, d] == s), None
    return 0, None


def _request_granted(problem: RosterProblem, schedule: np.ndarray, kind: str) -> np.ndarray:
    e = getattr(problem, f"{kind}_request_staff")
    d = getattr(problem, f"{kind}_request_day")
    s = getattr(problem, f"{kind}_request_shift")
    value = schedule[e, d]
    out: np.ndarray = np.where(s < 0, value >= 0, value == s)
    return out


def add_shift_on_requests(m: RosterModel) -> None:
    """``on_request_weight[r]`` points when shift-on request ``r`` is not granted."""
    p = m.problem
    for e, d, s, w in zip(p.on_request_staff.tolist(), p.on_request_day.tolist(), p.on_request_shift.tolist(),
                          p.on_request_weight.tolist(), strict=True):
        const, lit = _request_literal(m, e, d, s)
        m.add_constant(w * (1 - const))
        if lit is not None:
            m.add_cost(lit, -w)


def evaluate_shift_on_requests(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per shift-on request not granted."""
    miss = ~_request_granted(problem, schedule, "on")
    return make_matches(miss * problem.on_request_weight, staff=problem.on_request_staff,
                        day=problem.on_request_day, shift=problem.on_request_shift)


def add_shift_off_requests(m: RosterModel) -> None:
    """``off_request_weight[r]`` points when the shift (or any shift, -1) of off-request ``r`` is worked."""
    p = m.problem
    for e, d, s, w in zip(p.off_request_staff.tolist(), p.off_request_day.tolist(), p.off_request_shift.tolist(),
                          p.off_request_weight.tolist(), strict=True):
        const, lit = _request_literal(m, e, d, s)
        m.add_constant(w * const)
        if lit is not None:
            m.add_cost(lit, w)


def evaluate_shift_off_requests(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per shift-off request not granted (the shift is worked)."""
    hit = _request_granted(problem, schedule, "off")
    return make_matches(hit * problem.off_request_weight, staff=problem.off_request_staff,
                        day=problem.off_request_day, shift=problem.off_request_shift)


# ----------------------------------------------------------------------------------------- assignment weight
def add_assignment_weight(m: RosterModel) -> None:
    """``assign_weight[e, s]`` points per shift of type ``s`` worked by ``e`` (e.g. travel)."""
    p = m.problem
    ce, cd = np.nonzero(m.wval == WORK)
    m.add_constant(int(p.assign_weight[ce, m.const_shift[ce, cd]].sum()))
    w = p.assign_weight[m.x_e, m.x_s]
    for i in np.flatnonzero(w).tolist():
        m.add_cost(m.x[i], int(w[i]))


def evaluate_assignment_weight(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per assignment with a non-zero ``assign_weight``."""
    e, d = np.nonzero(schedule >= 0)
    s = schedule[e, d]
    return make_matches(problem.assign_weight[e, s], staff=e, day=d, shift=s)


# ----------------------------------------------------------------------------------------- fairness
def _spread_counts(problem: RosterProblem, schedule: np.ndarray, kind: str) -> np.ndarray:
    work = schedule >= 0
    if kind == "total":
        counted = work
    elif kind == "night":
        counted = work & problem.is_night[np.maximum(schedule, 0)]
    else:
        counted = work & (problem.weekend_idx >= 0)[None, :]
    out: np.ndarray = counted.sum(axis=1).astype(np.int64)
    return out


def _evaluate_spread(problem: RosterProblem, schedule: np.ndarray, kind: str, weight: int) -> Matches:
    if weight == 0:
        return make_matches(np.zeros(0))
    count = _spread_counts(problem, schedule, kind)
    groups = np.unique(problem.fair_group[problem.fair_group >= 0])
    spread = np.array([np.ptp(count[problem.fair_group == g]) for g in groups.tolist()], dtype=np.int64)
    return make_matches(weight * spread, group=groups)


def _add_spread(m: RosterModel, kind: str, weight: int, name: str) -> None:
    """``weight`` points per unit of ``max - min`` of a per-staff count within each fairness group."""
    p = m.problem
    if weight == 0:
        return
    E, D = m.E, m.D
    const = _spread_counts(p, np.where(m.wval == WORK, m.const_shift, -1), kind)
    if kind == "night":
        sel = np.flatnonzero(p.is_night[m.x_s])
        lits_of: list[list[Any]] = [[] for _ in range(E)]
        for i in sel.tolist():
            lits_of[int(m.x_e[i])].append(m.x[i])
    else:
        days_ok = np.ones(D, bool) if kind == "total" else p.weekend_idx >= 0
        cells = (m.wval == VAR) & days_ok[None, :]
        lits_of = [[m.work[e, d] for d in np.flatnonzero(cells[e]).tolist()] for e in range(E)]
    model = m.model
    for g in np.unique(p.fair_group[p.fair_group >= 0]).tolist():
        staff = np.flatnonzero(p.fair_group == g)
        if staff.size < 2:
            continue
        hi = model.new_int_var(0, D, f"{name}_max{g}")
        lo = model.new_int_var(0, D, f"{name}_min{g}")
        fixed = [int(e) for e in staff.tolist() if not lits_of[e]]
        if fixed:
            model.add(hi >= int(const[fixed].max()))
            model.add(lo <= int(const[fixed].min()))
        for e in staff.tolist():
            if lits_of[e]:
                expr = sum(lits_of[e]) + int(const[e])
                model.add(hi >= expr)
                model.add(lo <= expr)
        m.add_cost(hi, weight)
        m.add_cost(lo, -weight)


def add_fair_total_shifts(m: RosterModel) -> None:
    """``fair_total_weight`` points per shift of spread of total shifts within each fairness group."""
    _add_spread(m, "total", m.problem.fair_total_weight, "fair_total")


def evaluate_fair_total_shifts(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per fairness group: weight x (max - min) of total shifts."""
    return _evaluate_spread(problem, schedule, "total", problem.fair_total_weight)


def add_fair_night_shifts(m: RosterModel) -> None:
    """``fair_night_weight`` points per shift of spread of night shifts within each fairness group."""
    _add_spread(m, "night", m.problem.fair_night_weight, "fair_night")


def evaluate_fair_night_shifts(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per fairness group: weight x (max - min) of night shifts."""
    return _evaluate_spread(problem, schedule, "night", problem.fair_night_weight)


def add_fair_weekend_shifts(m: RosterModel) -> None:
    """``fair_weekend_weight`` points per shift of spread of weekend-day shifts within each fairness group."""
    _add_spread(m, "weekend", m.problem.fair_weekend_weight, "fair_weekend")


def evaluate_fair_weekend_shifts(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per fairness group: weight x (max - min) of shifts on Saturdays and Sundays."""
    return _evaluate_spread(problem, schedule, "weekend", problem.fair_weekend_weight)


# ----------------------------------------------------------------------------------------- repair
def add_changes_from_reference(m: RosterModel) -> None:
    """``change_weight`` points per (staff, day) whose value differs from ``reference`` (where given)."""
    p = m.problem
    w = p.change_weight
    if w == 0:
        return
    ref = p.reference
    given = ref != FREE
    const_val = np.where(m.wval == WORK, m.const_shift, -1)
    m.add_constant(w * int((given & (m.wval != VAR) & (const_val != ref)).sum()))
    e, d = np.nonzero(given & (m.wval == VAR))
    r = ref[e, d]
    idx = m.find_x(e, d, np.maximum(r, 0))
    for ei, di, ri, i in zip(e.tolist(), d.tolist(), r.tolist(), idx.tolist(), strict=True):
        if ri < 0:
            m.add_cost(m.work[ei, di], w)
        else:
            m.add_constant(w)
            if i >= 0:
                m.add_cost(m.x[i], -w)


def evaluate_changes_from_reference(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """Points per (staff, day) changed from the reference roster."""
    given = problem.reference != FREE
    e, d = np.nonzero(given & (schedule != problem.reference))
    return make_matches(np.full(e.size, problem.change_weight), staff=e, day=d, shift=schedule[e, d])


# ----------------------------------------------------------------------------------------- registry
CURTOIS = "Curtois & Qu benchmark objective"
SOFT_TERMS: tuple[Rule, ...] = (
    Rule(UNDER_COVER, False, 100, "person missing below the minimum cover", f"{CURTOIS}; practice: staffed duty posts",
         add_under_cover, evaluate_under_cover),
    Rule(IDEAL_SHORTFALL, False, 0, "person missing below the ideal cover", "practice: ideal head-count",
         add_ideal_shortfall, evaluate_ideal_shortfall),
    Rule(OVER_COVER, False, 1, "person above the ideal cover", CURTOIS,
         add_over_cover, evaluate_over_cover),
    Rule(SHIFT_ON_REQUESTS, False, 1, "request not granted", CURTOIS,
         add_shift_on_requests, evaluate_shift_on_requests),
    Rule(SHIFT_OFF_REQUESTS, False, 1, "request not granted", CURTOIS,
         add_shift_off_requests, evaluate_shift_off_requests),
    Rule(ASSIGNMENT_WEIGHT, False, 0, "shift worked (e.g. travel points)", "practice: nearer stations first",
         add_assignment_weight, evaluate_assignment_weight),
    Rule(FAIR_TOTAL_SHIFTS, False, 0, "shift of spread (max - min) in a fairness group",
         "practice: even spread of duty", add_fair_total_shifts, evaluate_fair_total_shifts),
    Rule(FAIR_NIGHT_SHIFTS, False, 0, "night shift of spread (max - min) in a fairness group",
         "practice: even spread of night duty", add_fair_night_shifts, evaluate_fair_night_shifts),
    Rule(FAIR_WEEKEND_SHIFTS, False, 0, "weekend-day shift of spread (max - min) in a fairness group",
         "practice: even spread of weekend duty", add_fair_weekend_shifts, evaluate_fair_weekend_shifts),
    Rule(CHANGES_FROM_REFERENCE, False, 0, "(staff, day) changed from the previous roster",
         "practice: repair changes as few published duties as possible",
         add_changes_from_reference, evaluate_changes_from_reference),
)

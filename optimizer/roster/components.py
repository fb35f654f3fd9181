"""Decomposition of a roster problem into independent components.

Staff and shift types are linked when the staff member may work the type (or is fixed to it, or has it in
the reference roster); shift types of one budget group are linked; staff of one fairness group are linked
when a fairness weight is set. Connected components of that graph share no variable and no constraint, so
they can be solved apart: their objectives add up, and so do their bounds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from optimizer.roster.problem import FREE, RosterProblem


def split_components(problem: RosterProblem) -> list[tuple[np.ndarray, np.ndarray]]:
    """Independent parts as ``(staff_idx, shift_idx)`` pairs, largest first.

    Shift types no staff member can work and staff who can work nothing are left out: their cost is a
    constant (uncovered demand) and their roster is fixed.
    """
    p = problem
    E, S, G = p.num_staff, p.num_shifts, p.num_budget_groups
    link = p.is_allowed & (p.max_shifts_per_type > 0)
    rows, cols = [], []
    e, s = np.nonzero(link)
    rows.append(e)
    cols.append(E + s)
    for arr in (p.fixed, p.reference):
        e, d = np.nonzero(arr >= 0)
        rows.append(e)
        cols.append(E + arr[e, d])
    s = np.flatnonzero(p.budget_group >= 0)
    rows.append(E + s)
    cols.append(E + S + p.budget_group[s])
    fair_groups = np.unique(p.fair_group[p.fair_group >= 0])
    num_fair = 0
    if p.fair_total_weight or p.fair_night_weight or p.fair_weekend_weight:
        num_fair = fair_groups.size
        e = np.flatnonzero(p.fair_group >= 0)
        rows.append(e)
        cols.append(E + S + G + np.searchsorted(fair_groups, p.fair_group[e]))
    n = E + S + G + num_fair
    r = np.concatenate(rows).astype(np.int64)
    c = np.concatenate(cols).astype(np.int64)
    graph = sp.coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    staff_label, shift_label = label[:E], label[E:E + S]
    has_shift = np.isin(staff_label, shift_label[link.any(axis=0)])
    parts = []
    for lab in np.unique(staff_label[has_shift & link.any(axis=1)]).tolist():
        staff = np.flatnonzero(staff_label == lab)
        shifts = np.flatnonzero(shift_label == lab)
        parts.append((staff, shifts))
    parts.sort(key=lambda part: -int(link[np.ix_(part[0], part[1])].sum()) * problem.num_days)
    return parts


def _remap(values: np.ndarray, new_index: np.ndarray) -> np.ndarray:
    """Shift indices through ``new_index``; negative codes (off, free) unchanged."""
    if new_index.size == 0:
        return np.asarray(values).copy()
    out: np.ndarray = np.where(values >= 0, new_index[np.maximum(values, 0)], values)
    return out


def restrict(problem: RosterProblem, staff: np.ndarray, shifts: np.ndarray) -> RosterProblem:
    """The sub-problem of some staff and shift types (a component of :func:`split_components`).

    Requests of the staff for shift types outside ``shifts`` are dropped (within a component they concern
    types the staff cannot work, a constant of the full problem).
    """
    p = problem
    S = p.num_shifts
    new_shift = np.full(S, -1, dtype=np.int64)
    new_shift[shifts] = np.arange(shifts.size)
    new_staff = np.full(p.num_staff, -1, dtype=np.int64)
    new_staff[staff] = np.arange(staff.size)
    groups = np.unique(p.budget_group[shifts][p.budget_group[shifts] >= 0])
    new_group = np.full(p.num_budget_groups, -1, dtype=np.int64)
    new_group[groups] = np.arange(groups.size)
    fixed = p.fixed[staff]
    reference = p.reference[staff]
    if np.any((fixed >= 0) & (new_shift[np.maximum(fixed, 0)] < 0)):
        raise ValueError("fixed: a fixed shift lies outside the component (internal error)")
    ref_out = (reference >= 0) & (new_shift[np.maximum(reference, 0)] < 0)
    reference = np.where(ref_out, FREE, reference)

    def requests(kind: str) -> dict[str, np.ndarray]:
        e = getattr(p, f"{kind}_request_staff")
        s = getattr(p, f"{kind}_request_shift")
        keep = (new_staff[e] >= 0) & ((s < 0) | (new_shift[np.maximum(s, 0)] >= 0))
        return {
            f"{kind}_request_staff": new_staff[e[keep]],
            f"{kind}_request_day": getattr(p, f"{kind}_request_day")[keep],
            f"{kind}_request_shift": _remap(s[keep], new_shift),
            f"{kind}_request_weight": getattr(p, f"{kind}_request_weight")[keep],
        }

    ix = np.ix_(staff, shifts)
    return RosterProblem(
        cover_min=p.cover_min[:, shifts],
        is_allowed=p.is_allowed[ix],
        start_weekday=p.start_weekday,
        shift_minutes=p.shift_minutes[shifts],
        shift_class=p.shift_class[shifts],
        forbidden_next=p.forbidden_next,
        is_unavailable=p.is_unavailable[staff],
        max_shifts_per_type=p.max_shifts_per_type[ix],
        max_total_shifts=p.max_total_shifts[staff],
        min_total_minutes=p.min_total_minutes[staff],
        max_total_minutes=p.max_total_minutes[staff],
        max_consecutive_days=p.max_consecutive_days[staff],
        min_consecutive_days=p.min_consecutive_days[staff],
        min_consecutive_days_off=p.min_consecutive_days_off[staff],
        max_weekends=p.max_weekends[staff],
        cover_ideal=p.cover_ideal[:, shifts],
        under_weight=p.under_weight[:, shifts],
        ideal_short_weight=p.ideal_short_weight[:, shifts],
        over_weight=p.over_weight[:, shifts],
        cover_max=p.cover_max[:, shifts],
        **requests("on"),
        **requests("off"),
        assign_weight=p.assign_weight[ix],
        is_night=p.is_night[shifts],
        fair_group=p.fair_group[staff],
        fair_total_weight=p.fair_total_weight,
        fair_night_weight=p.fair_night_weight,
        fair_weekend_weight=p.fair_weekend_weight,
        budget_group=_remap(p.budget_group[shifts], new_group),
        shift_cost=p.shift_cost[shifts],
        group_budget=p.group_budget[groups],
        fixed=_remap(fixed, new_shift),
        reference=_remap(reference, new_shift),
        change_weight=p.change_weight,
        history_work_run=p.history_work_run[staff],
        history_off_run=p.history_off_run[staff],
        history_last_class=p.history_last_class[staff],
    )

"""Hard rules of the roster core: each with a model face (``add_*``) and a numpy evaluator (``evaluate_*``).

A schedule is an int array ``[E, D]`` holding the shift index worked, or -1 (off). The evaluators count one
violation per offending match (a cell, a run, a window, a staff member, a group). The model faces receive a
:class:`~optimizer.roster.model.RosterModel` in which fixed cells are constants: a constraint made of constants
only is skipped (a fixed roster that already breaks a rule is reported by the evaluator, not rejected), and an
upper limit already used up by fixed cells forbids any further shift rather than making the model infeasible.

Sources: "Curtois & Qu" is the benchmark's rule list (T. Curtois and R. Qu, ASAP technical report, 2014);
"practice" marks duty-roster practice of legal-aid centres.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optimizer.roster.model import REST, VAR, WORK, RosterModel
from optimizer.roster.problem import FREE, RosterProblem
from optimizer.roster.rule import Matches, Rule, make_matches

ONE_SHIFT_PER_DAY = "one_shift_per_day"
ALLOWED_SHIFT_TYPES = "allowed_shift_types"
UNAVAILABLE_DAYS = "unavailable_days"
FIXED_ASSIGNMENTS = "fixed_assignments"
FORBIDDEN_SUCCESSIONS = "forbidden_successions"
MAX_SHIFTS_PER_TYPE = "max_shifts_per_type"
MAX_TOTAL_SHIFTS = "max_total_shifts"
MIN_TOTAL_MINUTES = "min_total_minutes"
MAX_TOTAL_MINUTES = "max_total_minutes"
MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
MIN_CONSECUTIVE_DAYS = "min_consecutive_days"
MIN_CONSECUTIVE_DAYS_OFF = "min_consecutive_days_off"
MAX_WEEKENDS = "max_weekends"
MAX_COVER = "max_cover"
GROUP_BUDGET = "group_budget"


# ----------------------------------------------------------------------------------------- shared helpers
def _work(schedule: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.asarray(schedule) >= 0
    return out


def _count_by_staff_shift(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Int64 [E, S]: shifts of each type worked by each staff member."""
    E, S = problem.num_staff, problem.num_shifts
    e, d = np.nonzero(_work(schedule))
    flat = e * S + schedule[e, d]
    return np.bincount(flat, minlength=E * S).reshape(E, S).astype(np.int64)


def _runs(mask: np.ndarray, history: np.ndarray) -> tuple[np.ndarray, ...]:
    """Maximal runs of True per row.

    Returns ``(staff, start, end, length, left_unknown, right_open)``: ``end`` inclusive; ``length`` includes
    a run carried in from ``history`` (> 0) when the run starts on day 0; ``left_unknown`` marks runs starting
    on day 0 with unknown history (-1); ``right_open`` marks runs ending on the last day.
    """
    E, D = mask.shape
    padded = np.zeros((E, D + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    diff = np.diff(padded, axis=1)
    se, sd = np.nonzero(diff == 1)
    _, ed = np.nonzero(diff == -1)
    length = ed - sd
    at_start = sd == 0
    length = length + np.where(at_start & (history[se] > 0), history[se], 0)
    return se, sd, ed - 1, length, at_start & (history[se] < 0), ed == D


def _clamp_rhs(limit: np.ndarray, const: np.ndarray) -> np.ndarray:
    """Right-hand side left for variables: ``limit - const``, at least 0 (fixed cells may exceed a limit)."""
    out: np.ndarray = np.maximum(np.asarray(limit) - np.asarray(const), 0)
    return out


def _group_indices(keys: np.ndarray, num_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR grouping of positions by key: ``(ptr [num_keys + 1], order)``."""
    order = np.argsort(keys, kind="stable")
    ptr = np.searchsorted(keys[order], np.arange(num_keys + 1))
    return ptr.astype(np.int64), order


# ----------------------------------------------------------------------------------------- one shift a day
def add_one_shift_per_day(m: RosterModel) -> None:
    """Each staff member works at most one shift a day.

    Built into :class:`RosterModel`: the shift variables of a cell and the negated work literal form an
    exactly-one constraint; nothing more to add here.
    """
    del m


def evaluate_one_shift_per_day(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A schedule value outside ``[-1, S)`` (not one shift or off)."""
    bad = (schedule < -1) | (schedule >= problem.num_shifts)
    e, d = np.nonzero(bad)
    return make_matches(np.ones(e.size), staff=e, day=d)


# ----------------------------------------------------------------------------------------- eligibility
def add_allowed_shift_types(m: RosterModel) -> None:
    """Only allowed shift types: no variable exists for a disallowed (staff, shift type); nothing to add."""
    del m


def evaluate_allowed_shift_types(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A staff member on a shift type they are not allowed (``is_allowed`` false or max per type 0)."""
    e, d = np.nonzero(_work(schedule))
    s = schedule[e, d]
    bad = ~problem.is_allowed[e, s] | (problem.max_shifts_per_type[e, s] <= 0)
    return make_matches(bad, staff=e, day=d, shift=s)


def add_unavailable_days(m: RosterModel) -> None:
    """No shift on an unavailable day: no variable exists there; nothing to add."""
    del m


def evaluate_unavailable_days(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A shift worked on a day marked ``is_unavailable``."""
    e, d = np.nonzero(_work(schedule) & problem.is_unavailable)
    return make_matches(np.ones(e.size), staff=e, day=d, shift=schedule[e, d])


def add_fixed_assignments(m: RosterModel) -> None:
    """Fixed (frozen, published) cells keep their value: they are constants of the model; nothing to add."""
    del m


def evaluate_fixed_assignments(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A fixed cell whose value in the schedule differs from ``fixed``."""
    e, d = np.nonzero((problem.fixed != FREE) & (schedule != problem.fixed))
    return make_matches(np.ones(e.size), staff=e, day=d, shift=schedule[e, d])


# ----------------------------------------------------------------------------------------- successions
def add_forbidden_successions(m: RosterModel) -> None:
    """No shift of class ``b`` on day ``d + 1`` after class ``a`` on day ``d`` where ``forbidden_next[a, b]``.

    For each cell and class ``a`` present: at most one of (class-``a`` literal on ``d``, the literals of the
    forbidden classes on ``d + 1``). History: ``history_last_class`` acts as a constant shift on day -1.
    """
    p = m.problem
    fn = p.forbidden_next
    if not fn.any():
        return
    cls = p.shift_class
    wval, const = m.wval, m.const_shift
    lit = m.class_lit
    model = m.model
    E = m.E
    classes_of: dict[tuple[int, int], list[int]] = {}
    for (e, d, c) in lit:
        classes_of.setdefault((e, d), []).append(c)
    forb = [np.flatnonzero(fn[a]).tolist() for a in range(fn.shape[0])]

    def const_class(e: int, d: int) -> int:
        if d < 0:
            return int(p.history_last_class[e])
        return int(cls[const[e, d]]) if wval[e, d] == WORK else -1

    # pairs (e, d) -> (e, d + 1) with a variable on at least one side, d from -1
    ext = np.concatenate([np.full((E, 1), REST, np.int8), wval], axis=1)
    has = (ext[:, :-1] == VAR) | (ext[:, 1:] == VAR)
    for e, d1 in zip(*np.nonzero(has), strict=True):
        e, d = int(e), int(d1) - 1
        nxt = d + 1
        if d >= 0 and wval[e, d] == VAR:
            for a in classes_of[(e, d)]:
                if not forb[a]:
                    continue
                la = lit[(e, d, a)]
                if wval[e, nxt] == VAR:
                    targets = [lit[(e, nxt, b)] for b in forb[a] if (e, nxt, b) in lit]
                    if targets:
                        model.add_at_most_one([la, *targets])
                elif wval[e, nxt] == WORK and fn[a, cls[const[e, nxt]]]:
                    model.add(la == 0)
        else:
            a = const_class(e, d)
            if a >= 0 and wval[e, nxt] == VAR:
                for b in forb[a]:
                    if (e, nxt, b) in lit:
                        model.add(lit[(e, nxt, b)] == 0)


def evaluate_forbidden_successions(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A forbidden pair of shifts on consecutive days (match on the second day), also from day -1."""
    prev = problem.history_last_class[:, None]
    cls = np.where(schedule >= 0, problem.shift_class[np.maximum(schedule, 0)], -1)
    prev_cls = np.concatenate([prev, cls[:, :-1]], axis=1)
    both = (prev_cls >= 0) & (cls >= 0)
    bad = np.zeros_like(both)
    bad[both] = problem.forbidden_next[prev_cls[both], cls[both]]
    e, d = np.nonzero(bad)
    return make_matches(np.ones(e.size), staff=e, day=d, shift=schedule[e, d])


# ----------------------------------------------------------------------------------------- counting limits
def _var_groups_by_staff(m: RosterModel, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    keys = m.x_e if mask is None else np.where(mask, m.x_e, m.E)
    return _group_indices(keys, m.E)


def add_max_shifts_per_type(m: RosterModel) -> None:
    """At most ``max_shifts_per_type[e, s]`` shifts of type ``s`` per staff member over the horizon."""
    p = m.problem
    E, S = m.E, m.S
    key = m.x_e * S + m.x_s
    nvar = np.bincount(key, minlength=E * S)
    work_const = m.wval == WORK
    ce, cd = np.nonzero(work_const)
    nconst = np.bincount(ce * S + m.const_shift[ce, cd], minlength=E * S)
    limit = p.max_shifts_per_type.reshape(-1)
    binding = np.flatnonzero((nvar > 0) & (nvar + nconst > limit))
    if binding.size == 0:
        return
    ptr, order = _group_indices(key, E * S)
    rhs = _clamp_rhs(limit[binding], nconst[binding])
    x = m.x
    for k, r in zip(binding.tolist(), rhs.tolist(), strict=True):
        m.model.add(sum(x[i] for i in order[ptr[k]:ptr[k + 1]].tolist()) <= r)


def evaluate_max_shifts_per_type(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A (staff, shift type) worked more often than ``max_shifts_per_type``."""
    count = _count_by_staff_shift(problem, schedule)
    e, s = np.nonzero(count > problem.max_shifts_per_type)
    return make_matches(np.ones(e.size), staff=e, shift=s)


def add_max_total_shifts(m: RosterModel) -> None:
    """At most ``max_total_shifts[e]`` shifts per staff member over the horizon."""
    p = m.problem
    nvar = (m.wval == VAR).sum(axis=1)
    nconst = (m.wval == WORK).sum(axis=1)
    for e in np.flatnonzero((nvar > 0) & (nvar + nconst > p.max_total_shifts)).tolist():
        const, lits = m.work_sum(e, np.arange(m.D))
        m.model.add(sum(lits) <= int(max(p.max_total_shifts[e] - const, 0)))


def evaluate_max_total_shifts(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A staff member with more shifts than ``max_total_shifts``."""
    total = _work(schedule).sum(axis=1)
    e = np.flatnonzero(total > problem.max_total_shifts)
    return make_matches(np.ones(e.size), staff=e)


def _minutes_parts(m: RosterModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per staff: constant minutes, max and min minutes reachable by variables, variable-count."""
    p = m.problem
    ce, cd = np.nonzero(m.wval == WORK)
    const = np.bincount(ce, weights=p.shift_minutes[m.const_shift[ce, cd]], minlength=m.E).astype(np.int64)
    mins = p.shift_minutes[m.x_s]
    cell = m.x_e * m.D + m.x_d
    cell_max = np.zeros(m.E * m.D, dtype=np.int64)
    np.maximum.at(cell_max, cell, mins)
    reach = cell_max.reshape(m.E, m.D).sum(axis=1)
    nvar = np.bincount(m.x_e, minlength=m.E)
    return const, reach, mins, nvar


def _add_minutes_sum(m: RosterModel, e_list: list[int], lower: np.ndarray | None, upper: np.ndarray | None) -> None:
    ptr, order = _var_groups_by_staff(m)
    mins = m.problem.shift_minutes[m.x_s]
    x = m.x
    for k, e in enumerate(e_list):
        idx = order[ptr[e]:ptr[e + 1]]
        expr = sum(int(mins[i]) * x[i] for i in idx.tolist())
        if lower is not None:
            m.model.add(expr >= int(lower[k]))
        if upper is not None:
            m.model.add(expr <= int(upper[k]))


def add_min_total_minutes(m: RosterModel) -> None:
    """Total worked minutes at least ``min_total_minutes[e]``.

    If the variables cannot reach the minimum even working every free day on the longest shift, the lower
    limit is lowered to what they can reach (the evaluator reports the shortfall) instead of making the whole
    model infeasible.
    """
    const, reach, _, nvar = _minutes_parts(m)
    need = m.problem.min_total_minutes - const
    e = np.flatnonzero((nvar > 0) & (need > 0))
    if e.size:
        _add_minutes_sum(m, e.tolist(), np.minimum(need[e], reach[e]), None)


def worked_minutes(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Int64 [E]: minutes each staff member works in ``schedule``."""
    out: np.ndarray = np.where(schedule >= 0, problem.shift_minutes[np.maximum(schedule, 0)], 0).sum(axis=1)
    return out


def evaluate_min_total_minutes(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A staff member working fewer minutes than ``min_total_minutes``."""
    minutes = worked_minutes(problem, schedule)
    e = np.flatnonzero(minutes < problem.min_total_minutes)
    return make_matches(np.ones(e.size), staff=e)


def add_max_total_minutes(m: RosterModel) -> None:
    """Total worked minutes at most ``max_total_minutes[e]``."""
    const, reach, _, nvar = _minutes_parts(m)
    limit = m.problem.max_total_minutes
    e = np.flatnonzero((nvar > 0) & (const + reach > limit))
    if e.size:
        _add_minutes_sum(m, e.tolist(), None, _clamp_rhs(limit[e], const[e]))


def evaluate_max_total_minutes(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A staff member working more minutes than ``max_total_minutes``."""
    minutes = worked_minutes(problem, schedule)
    e = np.flatnonzero(minutes > problem.max_total_minutes)
    return make_matches(np.ones(e.size), staff=e)


# ----------------------------------------------------------------------------------------- runs
def add_max_consecutive_days(m: RosterModel) -> None:
    """A run of working days is at most ``max_consecutive_days[e]`` long.

    Every window of ``max + 1`` days holds a day off (one clause per window with a variable). A run carried
    in from ``history_work_run = h`` needs a day off among days ``0 .. max - min(h, max)``.
    """
    p = m.problem
    D = m.D
    vals = m.cell_values(worked=True)
    limit = p.max_consecutive_days
    has_var = (m.wval == VAR).any(axis=1)
    for mx in np.unique(limit[has_var & (limit < D)]).tolist():
        staff = np.flatnonzero(has_var & (limit == mx))
        starts = np.arange(D - mx)
        rows = np.repeat(staff, starts.size)
        cols = np.tile(starts, staff.size)[:, None] + np.arange(mx + 1)[None, :]
        m.add_pattern_clauses(rows, cols, np.zeros(mx + 1, dtype=bool), vals)
    h = p.history_work_run
    for ei in np.flatnonzero(has_var & (h > 0)).tolist():
        e = int(ei)
        j = min(int(h[e]), int(limit[e]))
        last = min(int(limit[e]) - j, D - 1)
        m.add_pattern_clauses(np.array([e]), np.arange(last + 1)[None, :], np.zeros(last + 1, bool), vals)


def evaluate_max_consecutive_days(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A run of working days (history included) longer than ``max_consecutive_days`` (match on its start)."""
    e, start, _, length, _, _ = _runs(_work(schedule), problem.history_work_run)
    bad = length > problem.max_consecutive_days[e]
    return make_matches(bad, staff=e, day=start)


def _add_min_run(m: RosterModel, need: np.ndarray, *, worked: bool) -> None:
    """Forbid runs (of work if ``worked`` else of days off) shorter than ``need[e]`` closed on both sides.

    Pattern clauses: for a run of length ``L < need`` on days ``d+1 .. d+L`` with the other kind on ``d`` and
    ``d+L+1`` (``d`` may be day -1 when the history is known; ``d+L+1 <= D-1`` since a run reaching the last
    day is exempt). A run continuing the history run ``h`` with ``h + L < need`` closed on day ``L`` is
    forbidden too.
    """
    p = m.problem
    D = m.D
    vals = m.cell_values(worked=worked)
    has_var = (m.wval == VAR).any(axis=1)
    for length in range(1, int(need.max(initial=1))):
        staff = np.flatnonzero(has_var & (need > length))
        starts = np.arange(-1, D - length - 1)
        if staff.size == 0 or starts.size == 0:
            continue
        rows = np.repeat(staff, starts.size)
        cols = np.tile(starts, staff.size)[:, None] + np.arange(length + 2)[None, :]
        signs = np.zeros(length + 2, dtype=bool)
        signs[[0, -1]] = True
        m.add_pattern_clauses(rows, cols, signs if worked else ~signs, vals)
    h = p.min_run_history()[0 if worked else 1]  # an open history run is exempt
    for ei in np.flatnonzero(has_var & (h > 0) & (h < need)).tolist():
        e = int(ei)
        for length in range(0, min(int(need[e] - h[e]), D)):
            signs = np.zeros(length + 1, dtype=bool)
            signs[-1] = True
            m.add_pattern_clauses(np.array([e]), np.arange(length + 1)[None, :], signs if worked else ~signs, vals)


def add_min_consecutive_days(m: RosterModel) -> None:
    """A run of working days is at least ``min_consecutive_days[e]`` long (edge exemptions as documented)."""
    _add_min_run(m, m.problem.min_consecutive_days, worked=True)


def _history_runs_closed_on_day0(mask: np.ndarray, history: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Staff whose history run (of the kind ``mask`` marks) ends on day -1, is shorter than ``need`` and is
    closed by day 0 being of the other kind."""
    if mask.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero((history > 0) & (history < need) & ~mask[:, 0])


def _min_run_matches(mask: np.ndarray, history: np.ndarray, need: np.ndarray) -> Matches:
    e, start, _, length, left_unknown, right_open = _runs(mask, history)
    bad = (length < need[e]) & ~left_unknown & ~right_open
    closed = _history_runs_closed_on_day0(mask, history, need)
    staff = np.concatenate([e[bad], closed])
    day = np.concatenate([start[bad], np.full(closed.size, -1)])
    return make_matches(np.ones(staff.size), staff=staff, day=day)


def evaluate_min_consecutive_days(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A closed run of working days shorter than ``min_consecutive_days`` (match on its start; day -1 for a
    history run that day 0 ends too early)."""
    return _min_run_matches(_work(schedule), problem.min_run_history()[0], problem.min_consecutive_days)


def add_min_consecutive_days_off(m: RosterModel) -> None:
    """A run of days off is at least ``min_consecutive_days_off[e]`` long (edge exemptions as documented)."""
    _add_min_run(m, m.problem.min_consecutive_days_off, worked=False)


def evaluate_min_consecutive_days_off(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A closed run of days off shorter than ``min_consecutive_days_off`` (match on its start; day -1 for a
    history run that day 0 ends too early)."""
    return _min_run_matches(~_work(schedule), problem.min_run_history()[1], problem.min_consecutive_days_off)


# ----------------------------------------------------------------------------------------- weekends
def _weekend_days(problem: RosterProblem) -> list[np.ndarray]:
    idx = problem.weekend_idx
    return [np.flatnonzero(idx == w) for w in range(problem.num_weekends)]


def add_max_weekends(m: RosterModel) -> None:
    """At most ``max_weekends[e]`` weekends worked; a weekend literal is implied by each of its work days."""
    p = m.problem
    weekends = _weekend_days(p)
    if not weekends:
        return
    model = m.model
    for e in np.flatnonzero((m.wval == VAR).any(axis=1) & (p.max_weekends < len(weekends))).tolist():
        const = 0
        lits: list[Any] = []
        for w, days in enumerate(weekends):
            vals = m.wval[e, days]
            if (vals == WORK).any():
                const += 1
            elif (vals == VAR).any():
                var_days = days[vals == VAR].tolist()
                if len(var_days) == 1:
                    lits.append(m.work[e, var_days[0]])
                else:
                    wk = model.new_bool_var(f"wk{e}_{w}")
                    for d in var_days:
                        model.add_implication(m.work[e, d], wk)
                    lits.append(wk)
        if len(lits) + const > p.max_weekends[e]:
            model.add(sum(lits) <= int(max(p.max_weekends[e] - const, 0)))


def worked_weekends(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Bool [E, W]: weekend ``w`` worked (either day) by staff ``e``."""
    idx = problem.weekend_idx
    W = problem.num_weekends
    onehot = (idx[:, None] == np.arange(W)[None, :]).astype(np.int64)
    out: np.ndarray = (_work(schedule).astype(np.int64) @ onehot) > 0
    return out


def evaluate_max_weekends(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A staff member working more weekends than ``max_weekends``."""
    count = worked_weekends(problem, schedule).sum(axis=1)
    e = np.flatnonzero(count > problem.max_weekends)
    return make_matches(np.ones(e.size), staff=e)


# ----------------------------------------------------------------------------------------- cover and budget
def staffed(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Int64 [D, S]: head-count on each (day, shift)."""
    D, S = problem.num_days, problem.num_shifts
    e, d = np.nonzero(_work(schedule))
    return np.bincount(d * S + schedule[e, d], minlength=D * S).reshape(D, S).astype(np.int64)


def add_max_cover(m: RosterModel) -> None:
    """At most ``cover_max[d, s]`` staff on a shift (seats)."""
    p = m.problem
    const, ptr, order = m.cover_parts()
    nvar = np.diff(ptr)
    limit = p.cover_max.reshape(-1)
    x = m.x
    for k in np.flatnonzero((nvar > 0) & (nvar + const > limit)).tolist():
        m.model.add(sum(x[i] for i in order[ptr[k]:ptr[k + 1]].tolist()) <= int(max(limit[k] - const[k], 0)))


def evaluate_max_cover(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A (day, shift) staffed above ``cover_max``."""
    d, s = np.nonzero(staffed(problem, schedule) > problem.cover_max)
    return make_matches(np.ones(d.size), day=d, shift=s)


def add_group_budget(m: RosterModel) -> None:
    """Summed ``shift_cost`` of the shifts of each budget group at most ``group_budget[g]``."""
    p = m.problem
    G = p.num_budget_groups
    if G == 0:
        return
    ce, cd = np.nonzero(m.wval == WORK)
    cs = m.const_shift[ce, cd]
    cg = p.budget_group[cs]
    const = np.bincount(cg[cg >= 0], weights=p.shift_cost[cs[cg >= 0]], minlength=G).astype(np.int64)
    xg = p.budget_group[m.x_s]
    cost = p.shift_cost[m.x_s]
    charged = (xg >= 0) & (cost > 0)
    reach = np.bincount(xg[charged], weights=cost[charged], minlength=G).astype(np.int64)
    ptr, order = _group_indices(np.where(charged, xg, G), G)
    x = m.x
    for g in np.flatnonzero((reach > 0) & (const + reach > p.group_budget)).tolist():
        idx = order[ptr[g]:ptr[g + 1]].tolist()
        expr = sum(int(cost[i]) * x[i] for i in idx)
        m.model.add(expr <= int(max(p.group_budget[g] - const[g], 0)))


def group_spend(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Int64 [G]: summed ``shift_cost`` of each budget group in ``schedule``."""
    e, d = np.nonzero(_work(schedule))
    s = schedule[e, d]
    g = problem.budget_group[s]
    keep = g >= 0
    return np.bincount(g[keep], weights=problem.shift_cost[s[keep]],
                       minlength=problem.num_budget_groups).astype(np.int64)


def evaluate_group_budget(problem: RosterProblem, schedule: np.ndarray) -> Matches:
    """A budget group spending more than ``group_budget``."""
    g = np.flatnonzero(group_spend(problem, schedule) > problem.group_budget)
    return make_matches(np.ones(g.size), group=g)


# ----------------------------------------------------------------------------------------- registry
CURTOIS = "Curtois & Qu benchmark rule"
HARD_RULES: tuple[Rule, ...] = (
    Rule(ONE_SHIFT_PER_DAY, True, None, "cell", f"{CURTOIS} 1; practice: one duty a day",
         add_one_shift_per_day, evaluate_one_shift_per_day),
    Rule(ALLOWED_SHIFT_TYPES, True, None, "assignment", "skills, contract, travel limit, language (domain)",
         add_allowed_shift_types, evaluate_allowed_shift_types),
    Rule(UNAVAILABLE_DAYS, True, None, "assignment", f"{CURTOIS} 9 (days off); declared unavailability",
         add_unavailable_days, evaluate_unavailable_days),
    Rule(FIXED_ASSIGNMENTS, True, None, "cell", "practice: published rosters are not changed",
         add_fixed_assignments, evaluate_fixed_assignments),
    Rule(FORBIDDEN_SUCCESSIONS, True, None, "day pair", f"{CURTOIS} 2; rest after a night shift",
         add_forbidden_successions, evaluate_forbidden_successions),
    Rule(MAX_SHIFTS_PER_TYPE, True, None, "staff x shift type", f"{CURTOIS} 3",
         add_max_shifts_per_type, evaluate_max_shifts_per_type),
    Rule(MAX_TOTAL_SHIFTS, True, None, "staff", "practice: maximum duty shifts per month",
         add_max_total_shifts, evaluate_max_total_shifts),
    Rule(MIN_TOTAL_MINUTES, True, None, "staff", f"{CURTOIS} 4",
         add_min_total_minutes, evaluate_min_total_minutes),
    Rule(MAX_TOTAL_MINUTES, True, None, "staff", f"{CURTOIS} 4",
         add_max_total_minutes, evaluate_max_total_minutes),
    Rule(MAX_CONSECUTIVE_DAYS, True, None, "run", f"{CURTOIS} 5",
         add_max_consecutive_days, evaluate_max_consecutive_days),
    Rule(MIN_CONSECUTIVE_DAYS, True, None, "run", f"{CURTOIS} 6",
         add_min_consecutive_days, evaluate_min_consecutive_days),
    Rule(MIN_CONSECUTIVE_DAYS_OFF, True, None, "run", f"{CURTOIS} 7",
         add_min_consecutive_days_off, evaluate_min_consecutive_days_off),
    Rule(MAX_WEEKENDS, True, None, "staff", f"{CURTOIS} 8",
         add_max_weekends, evaluate_max_weekends),
    Rule(MAX_COVER, True, None, "day x shift", "practice: seats at a workstation or hotline",
         add_max_cover, evaluate_max_cover),
    Rule(GROUP_BUDGET, True, None, "budget group", "practice: per-shift duty subsidy budget of a county",
         add_group_budget, evaluate_group_budget),
)

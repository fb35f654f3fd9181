"""Turn a near-roster (e.g. a rounded LP solution) into a feasible roster, then fill empty seats.

:func:`drop_to_feasible` only *removes* worked cells (free ones, never fixed ones) until every upper rule holds:
one shift a day, allowed types, unavailable days, successions, per-type, total shift and minute limits, runs of
working days, weekends, seats and budgets. Removing work can also leave a run of duty days or of days off
shorter than its minimum: a short run of duty days is then removed whole, a short run of days off lengthened by
removing the duty days that follow it (:func:`mend_short_runs`). It gives up (returns ``None``) when minimum
minutes are broken, or when a run cannot be mended by removing free duty days.

:func:`fill_cover` then adds shifts on posts below their minimum (then below their ideal) head-count, most
expensive shortfall first, over the *whole* horizon: a staff member may take a shift only when every upper
rule still holds with the days before and after (runs of work are counted through the day, successions both
ways, weekends, budgets, seats), the run of duty days through the day is not closed shorter than its minimum
(so under a minimum of two, a seat is taken only next to a duty day or at an end of the horizon) and no run of
days off on either side becomes a closed run shorter than its minimum. Unlike the day-by-day greedy
(:mod:`optimizer.roster.greedy`), which spends the staff's monthly totals on the first days' ideal seats, this
fills the seats that cost most first, whatever their day. It is used only where no minimum minutes are in force
(it does not check them) and keeps its input when the result would break a rule.

Together they repair the rounded cover LP of a province-month duty roster (:mod:`optimizer.roster.cover_lp`)
into a roster close to the LP bound in about a second.
"""

from __future__ import annotations

import numpy as np

from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.evaluate import evaluate_schedule, select_rules
from optimizer.roster.problem import FREE, RosterProblem

# the lower rule that removing work may break and that drop_to_feasible does not mend
_LOWER = (hard.MIN_TOTAL_MINUTES,)
# minimum runs, mended by removing more work (mend_short_runs)
_RUNS = {hard.MIN_CONSECUTIVE_DAYS, hard.MIN_CONSECUTIVE_DAYS_OFF}


def repair_applies(problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None) -> bool:
    """Whether :func:`drop_to_feasible` and :func:`fill_cover` can give a feasible roster at all: not under
    minimum minutes, which removing work breaks and adding single shifts rarely mends (the minimum runs of
    work and of days off they keep themselves)."""
    active = {r.id for r in select_rules(rule_ids)}
    return not (hard.MIN_TOTAL_MINUTES in active and bool((problem.min_total_minutes > 0).any()))


def _short_runs(row: np.ndarray, need: int, history: int) -> list[tuple[int, int]]:
    """The closed runs of True in ``row`` shorter than ``need`` (runs and exemptions as
    :func:`optimizer.roster.constraints._runs` counts them) as ``(start, end)`` with ``end`` exclusive, and
    ``(0, 0)`` for a history run that day 0 closes."""
    hist, req = np.array([history]), np.array([need])
    _, start, end, length, left_unknown, right_open = hard._runs(row[None, :], hist)
    bad = (length < need) & ~left_unknown & ~right_open
    out = [(0, 0)] * hard._history_runs_closed_on_day0(row[None, :], hist, req).size
    return out + list(zip(start[bad].tolist(), (end[bad] + 1).tolist(), strict=True))


def mend_short_runs(problem: RosterProblem, sched: np.ndarray, staff: np.ndarray, *, work_runs: bool = True,
                    off_runs: bool = True) -> None:
    """In place, removing free duty days only, for each of ``staff``: a closed run of duty days shorter than
    ``min_consecutive_days`` is removed whole, and a closed run of days off shorter than
    ``min_consecutive_days_off`` is lengthened by removing the duty day that follows it, until no run that can
    be mended this way is left (history runs and edge exemptions as in the rules). A fixed duty day in the way,
    or a history run of duty days that day 0 closes (only adding work would mend it), leaves a run short; the
    evaluator then reports it."""
    p = problem
    free = p.fixed == FREE
    min_hist_w, min_hist_o = p.min_run_history()
    for e in np.unique(staff).tolist():
        row = sched[e]
        need_w, need_o = int(p.min_consecutive_days[e]), int(p.min_consecutive_days_off[e])
        hist_w, hist_o = int(min_hist_w[e]), int(min_hist_o[e])
        for _ in range(row.size + 1):  # each pass removes at least one duty day, or stops
            work = row >= 0
            drop: tuple[int, int] | None = None
            if work_runs:
                drop = next(((a, b) for a, b in _short_runs(work, need_w, hist_w)
                             if b > a and free[e, a:b].all()), None)
            if drop is None and off_runs:
                drop = next(((b, b + 1) for _, b in _short_runs(~work, need_o, hist_o)
                             if b < row.size and work[b] and free[e, b]), None)
            if drop is None:
                break
            row[drop[0]:drop[1]] = -1


def _drop_excess(sched: np.ndarray, droppable: np.ndarray, cells: np.ndarray, excess: int) -> None:
    """Set the last ``excess`` droppable of ``cells`` (pairs ``[k, 2]``) off."""
    if excess <= 0 or cells.size == 0:
        return
    ok = droppable[cells[:, 0], cells[:, 1]]
    cells = cells[ok][::-1][:excess]
    sched[cells[:, 0], cells[:, 1]] = -1


def drop_to_feasible(problem: RosterProblem, schedule: np.ndarray, *, rule_ids: tuple[str, ...] | None = None,
                     max_rounds: int = 8) -> np.ndarray | None:
    """A feasible roster obtained from ``schedule`` by setting free worked cells off, or ``None``."""
    p = problem
    D = p.num_days
    active = {r.id for r in select_rules(rule_ids)}
    sched = np.where(p.fixed == FREE, schedule, p.fixed).astype(np.int64)
    free = p.fixed == FREE
    # cells that can never hold their shift
    s0 = np.maximum(sched, 0)
    e_all = np.arange(p.num_staff)[:, None]
    bad = (sched >= 0) & free & (p.is_unavailable | ~p.is_allowed[e_all, s0] | (p.max_shifts_per_type[e_all, s0] == 0)
                                 | (p.cover_max[np.arange(D)[None, :], s0] == 0))
    sched[bad] = -1
    for _ in range(max_rounds):
        ev = evaluate_schedule(p, sched, rule_ids=rule_ids)
        if ev.is_feasible:
            return sched
        broken = {r for r, n in ev.violations.items() if n}
        if broken & set(_LOWER) or broken & {hard.FIXED_ASSIGNMENTS}:
            return None
        if broken <= _RUNS:
            # upper rules hold: mending the runs removes work only and breaks none of them
            staff = np.concatenate([ev.matches[r].staff for r in broken])
            mend_short_runs(p, sched, staff, work_runs=hard.MIN_CONSECUTIVE_DAYS in active,
                            off_runs=hard.MIN_CONSECUTIVE_DAYS_OFF in active)
            continue
        work = (sched >= 0) & free
        mt = ev.matches
        if hard.FORBIDDEN_SUCCESSIONS in broken:
            m = mt[hard.FORBIDDEN_SUCCESSIONS]
            me, md = m.staff, m.day
            second = free[me, md]
            sched[me[second], md[second]] = -1
            first = ~second & (md > 0)
            fe, fd = me[first], md[first] - 1
            sched[fe, fd] = np.where(free[fe, fd], -1, sched[fe, fd])
        if hard.MAX_CONSECUTIVE_DAYS in broken:
            se, sd, ed, length, _, _ = hard._runs(sched >= 0, p.history_work_run)
            k = p.max_consecutive_days[se]
            for e, a, b, ln, kk in zip(se.tolist(), sd.tolist(), ed.tolist(), length.tolist(), k.tolist(),
                                       strict=True):
                if ln <= kk:
                    continue
                carried = ln - (b - a + 1)  # days carried in from history
                run = carried
                for d in range(a, b + 1):
                    run += 1
                    if run > kk:
                        if free[e, d]:
                            sched[e, d] = -1
                            run = 0
        for rid, key in ((hard.MAX_TOTAL_SHIFTS, "total"), (hard.MAX_TOTAL_MINUTES, "minutes")):
            if rid not in broken:
                continue
            for e in np.unique(mt[rid].staff).tolist():
                cells = np.argwhere(sched[e:e + 1] >= 0)
                cells[:, 0] = e
                if key == "total":
                    excess = int((sched[e] >= 0).sum() - p.max_total_shifts[e])
                    _drop_excess(sched, free, cells, excess)
                else:
                    while (sched[e] >= 0).any() and int(p.shift_minutes[sched[e][sched[e] >= 0]].sum()) > \
                            p.max_total_minutes[e]:
                        droppable = np.flatnonzero((sched[e] >= 0) & free[e])
                        if droppable.size == 0:
                            break
                        sched[e, droppable[-1]] = -1
        if hard.MAX_SHIFTS_PER_TYPE in broken:
            m = mt[hard.MAX_SHIFTS_PER_TYPE]
            for e, s in zip(m.staff.tolist(), m.shift.tolist(), strict=True):
                days = np.flatnonzero(sched[e] == s)
                cells = np.stack([np.full(days.size, e), days], axis=1)
                _drop_excess(sched, free, cells, int(days.size - p.max_shifts_per_type[e, s]))
        if hard.MAX_WEEKENDS in broken:
            widx = p.weekend_idx
            for e in np.unique(mt[hard.MAX_WEEKENDS].staff).tolist():
                worked = [w for w in range(p.num_weekends) if (sched[e, widx == w] >= 0).any()]
                excess = len(worked) - int(p.max_weekends[e])
                # drop the weekends with the fewest fixed cells first
                order = sorted(worked, key=lambda w: int((~free[e, widx == w] & (sched[e, widx == w] >= 0)).sum()))
                for w in order[:max(excess, 0)]:
                    days = np.flatnonzero(widx == w)
                    sched[e, days] = np.where(free[e, days], -1, sched[e, days])
        if hard.MAX_COVER in broken:
            m = mt[hard.MAX_COVER]
            for d, s in zip(m.day.tolist(), m.shift.tolist(), strict=True):
                staff = np.flatnonzero(sched[:, d] == s)
                cells = np.stack([staff, np.full(staff.size, d)], axis=1)
                _drop_excess(sched, free, cells, int(staff.size - p.cover_max[d, s]))
        if hard.GROUP_BUDGET in broken:
            spend = hard.group_spend(p, sched)
            for g in np.unique(mt[hard.GROUP_BUDGET].group).tolist():
                in_g = (sched >= 0) & work & (p.budget_group[np.maximum(sched, 0)] == g)
                cells = np.argwhere(in_g)
                over = int(spend[g] - p.group_budget[g])
                # drop cells on the posts with the most people above their minimum first
                staffed = hard.staffed(p, sched)
                slack = staffed[cells[:, 1], sched[cells[:, 0], cells[:, 1]]] - p.cover_min[cells[:, 1],
                                                                                         sched[cells[:, 0], cells[:, 1]]]
                for i in np.argsort(-slack, kind="stable").tolist():
                    if over <= 0:
                        break
                    e, d = int(cells[i, 0]), int(cells[i, 1])
                    over -= int(p.shift_cost[sched[e, d]])
                    sched[e, d] = -1
    ev = evaluate_schedule(p, sched, rule_ids=rule_ids)
    return sched if ev.is_feasible else None


def _run_back(work: np.ndarray, d: int, history: np.ndarray) -> np.ndarray:
    """Days worked in a row ending on day ``d - 1`` (through the history when the run reaches day 0)."""
    if d == 0:
        return np.maximum(history, 0)
    rev = work[:, :d][:, ::-1]
    all_on = rev.all(axis=1)
    first_off = np.argmax(~rev, axis=1)
    out: np.ndarray = np.where(all_on, d + np.maximum(history, 0), first_off)
    return out


def _run_fwd(work: np.ndarray, d: int) -> np.ndarray:
    """Days worked in a row starting on day ``d + 1``."""
    D = work.shape[1]
    if d + 1 >= D:
        return np.zeros(work.shape[0], dtype=np.int64)
    nxt = work[:, d + 1:]
    out: np.ndarray = np.where(nxt.all(axis=1), D - d - 1, np.argmax(~nxt, axis=1))
    return out


def _closes_short_off_run(work: np.ndarray, d: int, history_off: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Bool ``[E]``: working day ``d`` would close a run of days off shorter than ``need``, the one ending on
    day ``d - 1`` (closed on its left by a worked day or a known history) or the one starting on day ``d + 1``
    (closed on its right by a worked day within the horizon)."""
    D = work.shape[1]
    back = _run_back(~work, d, history_off)
    left_known = (back < d) | (history_off >= 0)
    fwd = _run_fwd(~work, d)
    right_closed = d + 1 + fwd < D
    out: np.ndarray = (((back > 0) & (back < need) & left_known)
                       | ((fwd > 0) & (fwd < need) & right_closed))
    return out


def fill_cover(problem: RosterProblem, schedule: np.ndarray, *, rule_ids: tuple[str, ...] | None = None,
               seed: int = 0) -> np.ndarray:
    """``schedule`` with shifts added on posts short of their minimum, then of their ideal head-count (most
    expensive shortfall first), keeping every hard rule; the input itself when it is infeasible, when lower
    rules are in force, or when the result would break a rule."""
    p = problem
    active = {r.id for r in select_rules(rule_ids)}
    if not repair_applies(p, rule_ids=rule_ids):
        return schedule
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    sched = schedule.astype(np.int64).copy()
    if E == 0 or S == 0 or not evaluate_schedule(p, sched, rule_ids=rule_ids).is_feasible:
        return schedule
    rng = np.random.default_rng(seed)
    noise = rng.random(E) * 1e-3
    work = sched >= 0
    cls = p.shift_class
    per_type = np.zeros((E, S), dtype=np.int64)
    e0, d0 = np.nonzero(work)
    np.add.at(per_type, (e0, sched[e0, d0]), 1)
    total = work.sum(axis=1)
    minutes = (per_type * p.shift_minutes[None, :]).sum(axis=1)
    widx = p.weekend_idx
    W = p.num_weekends
    worked_wk = np.zeros((E, max(W, 1)), dtype=bool)
    for w in range(W):
        worked_wk[:, w] = work[:, widx == w].any(axis=1)
    staffed = hard.staffed(p, sched)
    spend = hard.group_spend(p, sched)
    max_cons = p.max_consecutive_days if hard.MAX_CONSECUTIVE_DAYS in active else np.full(E, D + 10**6)
    min_off_on = hard.MIN_CONSECUTIVE_DAYS_OFF in active and bool((p.min_consecutive_days_off > 1).any())
    min_work_on = hard.MIN_CONSECUTIVE_DAYS in active and bool((p.min_consecutive_days > 1).any())
    can_cell = (p.fixed == FREE) & ~p.is_unavailable
    min_hist_w, min_hist_o = p.min_run_history()
    uw = p.under_weight if soft.UNDER_COVER in active else np.zeros_like(p.under_weight)
    iw = p.ideal_short_weight if soft.IDEAL_SHORTFALL in active else np.zeros_like(p.ideal_short_weight)
    aw = p.assign_weight if soft.ASSIGNMENT_WEIGHT in active else np.zeros_like(p.assign_weight)
    for target, gain in ((p.cover_min, uw + iw), (p.cover_ideal, iw)):
        need = np.minimum(target, p.cover_max) - staffed
        d_idx, s_idx = np.nonzero((need > 0) & (gain > 0))
        order = np.lexsort((d_idx, -gain[d_idx, s_idx]))
        for d, s in zip(d_idx[order].tolist(), s_idx[order].tolist(), strict=True):
            room = int(min(target[d, s], p.cover_max[d, s]) - staffed[d, s])
            g = int(p.budget_group[s])
            if g >= 0 and p.shift_cost[s] > 0 and hard.GROUP_BUDGET in active:
                room = min(room, int((p.group_budget[g] - spend[g]) // p.shift_cost[s]))
            if room <= 0:
                continue
            ok = can_cell[:, d] & ~work[:, d] & p.is_allowed[:, s] & (per_type[:, s] < p.max_shifts_per_type[:, s])
            ok &= total < p.max_total_shifts
            ok &= minutes + p.shift_minutes[s] <= p.max_total_minutes
            if not ok.any():
                continue
            back = _run_back(work, d, p.history_work_run)
            fwd = _run_fwd(work, d)
            ok &= back + 1 + fwd <= max_cons
            if min_work_on:
                # the run through day d would be closed on both sides and too short
                exempt = ((back >= d) & (min_hist_w < 0)) | (d + 1 + fwd >= D)
                ok &= exempt | (back + 1 + fwd >= p.min_consecutive_days)
            if min_off_on:
                ok &= ~_closes_short_off_run(work, d, min_hist_o, p.min_consecutive_days_off)
            c = cls[s]
            prev = p.history_last_class if d == 0 else np.where(work[:, d - 1], cls[np.maximum(sched[:, d - 1], 0)], -1)
            ok &= ~((prev >= 0) & p.forbidden_next[np.maximum(prev, 0), c])
            if d + 1 < D:
                nxt = np.where(work[:, d + 1], cls[np.maximum(sched[:, d + 1], 0)], -1)
                ok &= ~((nxt >= 0) & p.forbidden_next[c, np.maximum(nxt, 0)])
            w = int(widx[d])
            if w >= 0 and hard.MAX_WEEKENDS in active:
                ok &= worked_wk[:, w] | (worked_wk.sum(axis=1) < p.max_weekends)
            cand = np.flatnonzero(ok)
            if cand.size == 0:
                continue
            score = -aw[cand, s] - total[cand] / np.maximum(p.max_total_shifts[cand], 1) + noise[cand]
            take = cand[np.argsort(-score, kind="stable")[:room]]
            sched[take, d] = s
            work[take, d] = True
            per_type[take, s] += 1
            total[take] += 1
            minutes[take] += p.shift_minutes[s]
            staffed[d, s] += take.size
            if g >= 0:
                spend[g] += int(p.shift_cost[s]) * take.size
            if w >= 0:
                worked_wk[take, w] = True
    ev = evaluate_schedule(p, sched, rule_ids=rule_ids)
    return sched if ev.is_feasible else schedule

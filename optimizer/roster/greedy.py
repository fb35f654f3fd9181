"""Greedy day-by-day construction of a roster (a warm start for CP-SAT and a first LNS incumbent).

Day by day, shift types with missing cover (most expensive under-cover first) take the eligible staff that
keep every *upper* limit (shifts per type, total shifts and minutes, consecutive days, successions including
into a fixed next day, weekends, seats, budgets) and do not close a run of days off shorter than its minimum,
preferring staff who asked for the shift, then staff short of their minimum minutes, then the least loaded.
Minimum runs of work: a new run opens only where the days it needs are open to the staff member (free,
available and with a post open to them, or fixed to work) and shifts are left for it, and it books its next
days at once (the same shift where it has a seat, else the most needed one with a seat; all or nothing); a run
still shorter than its minimum is continued first thing each day. Minimum minutes are not enforced: the result
is then only a hint.
"""

from __future__ import annotations

import numpy as np

from optimizer.roster.problem import FREE, RosterProblem


def build_greedy(problem: RosterProblem, *, seed: int = 0, prefer: np.ndarray | None = None,
                 work_runs: bool = True) -> np.ndarray:
    """A roster ``[E, D]`` (shift index or -1) built greedily; fixed cells keep their values.

    Parameters
    ----------
    problem : RosterProblem
    seed : int
        Breaks ties between equally good staff.
    prefer : int array [E, D], optional
        A roster to follow where it keeps the upper limits (e.g. the min-cost-flow roster, which ignores
        sequence rules): each day its assignments are taken first, then missing cover is filled greedily.
    work_runs : bool
        Keep minimum runs of work where it can (default True). The solver turns it off under minimum minutes,
        where the roster is only a hint: there the plain fill was measured the better hint (Curtois & Qu 13,
        two seeds, 60 s: 3,861 and 4,092 against 4,141 and 4,365; benchmarks/RESULTS.md).
    """
    p = problem
    rng = np.random.default_rng(seed)
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    sched = np.where(p.fixed == FREE, -1, p.fixed).astype(np.int64)
    if E == 0 or S == 0:
        return sched
    work = sched >= 0
    per_type = np.zeros((E, S), dtype=np.int64)
    e_fix, d_fix = np.nonzero(work)
    np.add.at(per_type, (e_fix, sched[e_fix, d_fix]), 1)
    total = work.sum(axis=1).astype(np.int64)
    minutes = (per_type * p.shift_minutes[None, :]).sum(axis=1)
    weekend_idx = p.weekend_idx
    worked_wk = np.zeros((E, max(p.num_weekends, 1)), dtype=bool)
    for w in range(p.num_weekends):
        worked_wk[:, w] = work[:, weekend_idx == w].any(axis=1)
    staffed = np.zeros((D, S), dtype=np.int64)
    np.add.at(staffed, (d_fix, sched[e_fix, d_fix]), 1)
    G = p.num_budget_groups
    spend = np.zeros(G, dtype=np.int64)
    if G:
        s_fix = sched[e_fix, d_fix]
        g_fix = p.budget_group[s_fix]
        np.add.at(spend, g_fix[g_fix >= 0], p.shift_cost[s_fix[g_fix >= 0]])
    run = np.maximum(p.history_work_run, 0).astype(np.int64)
    # the run of days off ending yesterday, and whether a worked day (or a known history) closes it on the left
    hist_work, hist_off = p.min_run_history()
    off_run = np.maximum(hist_off, 0).astype(np.int64)
    off_closed = hist_off >= 0
    # a run of work starting on day 0 after an unknown (or open) history is exempt from its minimum; w_exempt:
    # whether the run ending yesterday is
    start_exempt = hist_work < 0
    w_exempt = start_exempt.copy()
    min_work = p.min_consecutive_days if work_runs else np.ones(E, dtype=np.int64)
    # cells a run can use: free, available and with a post open to the staff member that day, or fixed to work
    has_post = (p.is_allowed & (p.max_shifts_per_type > 0)).astype(np.int64) @ (p.cover_max > 0).T.astype(np.int64) > 0
    open_cell = ((p.fixed == FREE) & ~p.is_unavailable & has_post) | (p.fixed >= 0)
    noise = rng.random((D, E)) * 1e-3

    on_bonus = np.zeros((D, E, S + 1))
    np.add.at(on_bonus, (p.on_request_day, p.on_request_staff, p.on_request_shift), p.on_request_weight)
    off_malus = np.zeros((D, E, S + 1))
    np.add.at(off_malus, (p.off_request_day, p.off_request_staff, p.off_request_shift), p.off_request_weight)
    cls = p.shift_class
    max_total = np.minimum(p.max_total_shifts, D)
    max_type = p.max_shifts_per_type
    booking = bool(work_runs and (min_work > 1).any())

    def book(e: int, d: int, s: int, pending: int) -> bool:
        """Book the days a run of ``e`` opened on day ``d`` with shift ``s`` needs to reach its minimum (up to
        the horizon's end): on each day the same shift where it has a seat, else the most needed shift with
        one, keeping the upper limits; all or nothing (the bookings are made only when every day has one).
        ``pending``: staff already chosen for ``s`` on day ``d`` but not yet charged to its budget."""
        last = min(d + int(min_work[e]) - 1, D - 1)
        plan: list[tuple[int, int]] = []
        prev = int(cls[s])
        n_total, n_minutes = int(total[e]) + 1, int(minutes[e]) + int(p.shift_minutes[s])
        n_type = per_type[e].copy()
        n_type[s] += 1
        weekends = set(np.flatnonzero(worked_wk[e]).tolist())
        if weekend_idx[d] >= 0:
            weekends.add(int(weekend_idx[d]))
        n_spend = spend.copy()
        if p.budget_group[s] >= 0:
            n_spend[p.budget_group[s]] += p.shift_cost[s] * (1 + pending)
        for j in range(d + 1, last + 1):
            if sched[e, j] >= 0:  # fixed to work: the run goes on by itself
                prev = int(cls[sched[e, j]])
                continue
            if not open_cell[e, j] or p.fixed[e, j] != FREE or n_total >= max_total[e]:
                return False
            nxt = int(cls[sched[e, j + 1]]) if j + 1 < D and sched[e, j + 1] >= 0 else -1
            ok = p.is_allowed[e] & (n_type < max_type[e]) & (staffed[j] < p.cover_max[j])
            ok &= n_minutes + p.shift_minutes <= p.max_total_minutes[e]
            if prev >= 0:
                ok &= ~p.forbidden_next[prev, cls]
            if nxt >= 0:
                ok &= ~p.forbidden_next[cls, nxt]
            g = p.budget_group
            if n_spend.size:
                gi = np.maximum(g, 0)
                ok &= (g < 0) | (p.shift_cost == 0) | (n_spend[gi] + p.shift_cost <= p.group_budget[gi])
            wj = int(weekend_idx[j])
            if wj >= 0 and wj not in weekends and len(weekends) >= p.max_weekends[e]:
                return False
            if not ok.any():
                return False
            sj = s if ok[s] else int(np.flatnonzero(ok)[np.argmax((p.cover_ideal[j] - staffed[j])[ok])])
            plan.append((j, sj))
            prev = int(cls[sj])
            n_total += 1
            n_minutes += int(p.shift_minutes[sj])
            n_type[sj] += 1
            if wj >= 0:
                weekends.add(wj)
            if g[sj] >= 0:
                n_spend[g[sj]] += p.shift_cost[sj]
        if run_through(e, d, last) > p.max_consecutive_days[e]:
            return False
        for j, sj in plan:
            sched[e, j] = sj
            per_type[e, sj] += 1
            total[e] += 1
            minutes[e] += p.shift_minutes[sj]
            staffed[j, sj] += 1
            if p.budget_group[sj] >= 0:
                spend[p.budget_group[sj]] += p.shift_cost[sj]
            if weekend_idx[j] >= 0:
                worked_wk[e, weekend_idx[j]] = True
        return True

    def run_through(e: int, d: int, last: int) -> int:
        """Length of the run ``d .. last`` with the fixed duty days right after it."""
        n = last - d + 1
        j = last + 1
        while j < D and p.fixed[e, j] >= 0:
            n += 1
            j += 1
        return n

    for d in range(D):
        today_free = (p.fixed[:, d] == FREE) & ~p.is_unavailable[:, d] & (sched[:, d] < 0)
        prev_cls = p.history_last_class if d == 0 else np.where(sched[:, d - 1] >= 0, cls[np.maximum(sched[:, d - 1], 0)], -1)
        next_fixed = p.fixed[:, d + 1] if d + 1 < D else np.full(E, FREE)
        next_cls = np.where(next_fixed >= 0, cls[np.maximum(next_fixed, 0)], -1)
        base_ok = today_free & (total < max_total) & (run < p.max_consecutive_days)
        base_ok &= ~short_off_run_closed(off_run, off_closed, p.min_consecutive_days_off)
        must = (run > 0) & (run < min_work) & ~w_exempt & today_free
        base_ok &= (run > 0) | run_can_reach(open_cell, d, min_work, total, max_total)
        w = weekend_idx[d]
        if w >= 0:
            base_ok &= worked_wk[:, w] | (worked_wk.sum(axis=1) < p.max_weekends)
        def eligible(s: int, base_ok: np.ndarray = base_ok, prev_cls: np.ndarray = prev_cls,
                     next_cls: np.ndarray = next_cls) -> np.ndarray:
            """Staff who may take shift ``s`` today without breaking an upper limit."""
            ok: np.ndarray = base_ok & p.is_allowed[:, s] & (per_type[:, s] < p.max_shifts_per_type[:, s])
            ok &= minutes + p.shift_minutes[s] <= p.max_total_minutes
            c = cls[s]
            ok &= ~((prev_cls >= 0) & p.forbidden_next[np.maximum(prev_cls, 0), c])
            ok &= ~((next_cls >= 0) & p.forbidden_next[c, np.maximum(next_cls, 0)])
            return ok

        def room_for(s: int, wanted: int, d: int = d) -> int:
            room = min(wanted, int(p.cover_max[d, s] - staffed[d, s]))
            g = p.budget_group[s]
            if g >= 0 and p.shift_cost[s] > 0:
                room = min(room, int((p.group_budget[g] - spend[g]) // p.shift_cost[s]))
            return room

        def assign(take: np.ndarray, s: int, d: int = d, w: int = int(w), base_ok: np.ndarray = base_ok) -> None:
            sched[take, d] = s
            per_type[take, s] += 1
            total[take] += 1
            minutes[take] += p.shift_minutes[s]
            staffed[d, s] += take.size
            g = p.budget_group[s]
            if g >= 0:
                spend[g] += p.shift_cost[s] * take.size
            base_ok[take] = False
            if w >= 0:
                worked_wk[take, w] = True

        def take_booked(order: np.ndarray, s: int, room: int, d: int = d, run: np.ndarray = run) -> np.ndarray:
            """The first ``room`` of ``order`` (staff by preference) who may take ``s`` today: one who would open
            a run of work shorter than its minimum takes it only if the run's next days can be booked."""
            if not booking or d + 1 >= D:
                return order[:room]
            opens = (run[order] == 0) & (min_work[order] > 1) & ~((d == 0) & start_exempt[order])
            if not opens.any():
                return order[:room]
            seat_next = (p.is_allowed[order] & (staffed[d + 1] < p.cover_max[d + 1])[None, :]).any(axis=1)
            order, opens = order[~opens | seat_next], opens[~opens | seat_next]
            out: list[int] = []
            g, cost = int(p.budget_group[s]), int(p.shift_cost[s])
            for e, o in zip(order.tolist(), opens.tolist(), strict=True):
                if len(out) >= room or (g >= 0 and spend[g] + (len(out) + 1) * cost > p.group_budget[g]):
                    break  # (bookings are charged at once, today's seats when assigned)
                if not o or book(e, d, s, len(out)):
                    out.append(e)
            return np.array(out, dtype=np.int64)

        if must.any():  # runs of work shorter than their minimum go on, on the most needed shifts first
            need_now = p.cover_ideal[d] - staffed[d]
            for s in np.lexsort((-need_now, -p.under_weight[d])).tolist():
                cand = np.flatnonzero(must & eligible(s))
                room = room_for(s, int(cand.size))
                if room > 0:
                    take = cand[np.argsort(-noise[d, cand], kind="stable")[:room]]
                    assign(take, s)
                    must[take] = False
        if prefer is not None:
            wanted = np.where(base_ok, prefer[:, d], -1)
            for s in np.unique(wanted[wanted >= 0]).tolist():
                cand = np.flatnonzero((wanted == s) & eligible(s))
                room = room_for(s, int(cand.size))
                if room > 0:
                    assign(take_booked(cand, s, room), s)
        for target, weight in ((p.cover_min[d], p.under_weight[d]), (p.cover_ideal[d], p.ideal_short_weight[d])):
            need = target - staffed[d]
            order = np.lexsort((-need, -weight))
            for s in order.tolist():
                if need[s] <= 0 or weight[s] <= 0:
                    continue
                room = room_for(s, int(need[s]))
                if room <= 0:
                    continue
                cand = np.flatnonzero(eligible(s))
                if cand.size == 0:
                    continue
                short = np.maximum(p.min_total_minutes[cand] - minutes[cand], 0) > 0
                score = (on_bonus[d, cand, s] + on_bonus[d, cand, S] - off_malus[d, cand, s] - off_malus[d, cand, S]
                         - p.assign_weight[cand, s] + 0.5 * short - total[cand] / np.maximum(max_total[cand], 1)
                         + noise[d, cand])
                take = take_booked(cand[np.argsort(-score, kind="stable")], s, room)
                assign(take, s)
                need[s] -= take.size
        worked = sched[:, d] >= 0
        w_exempt = worked & np.where(run > 0, w_exempt, (d == 0) & start_exempt)
        run = np.where(worked, run + 1, 0)
        off_run = np.where(worked, 0, off_run + 1)
        off_closed |= worked
    return sched


def run_can_reach(open_cell: np.ndarray, d: int, min_work: np.ndarray, total: np.ndarray,
                  max_total: np.ndarray) -> np.ndarray:
    """Bool ``[E]``: a run of work starting on day ``d`` can reach ``min_work`` days (the minimum-run rule,
    :data:`optimizer.roster.constraints.MIN_CONSECUTIVE_DAYS`): the days it needs inside the horizon are open to
    the staff member (``open_cell``: free and available, or fixed to work) and that many shifts are left. A run
    reaching the horizon's end needs only the days up to it (edge exemption)."""
    E, D = open_cell.shape
    length = np.minimum(min_work, D - d)
    ok: np.ndarray = total + length <= max_total
    for j in range(1, int(length.max(initial=1))):
        ok &= (j >= length) | open_cell[:, d + j]
    return ok


def short_off_run_closed(off_run: np.ndarray, closed_left: np.ndarray, min_off: np.ndarray) -> np.ndarray:
    """Bool ``[E]``: working today would close a run of days off (``off_run`` days ending yesterday, closed on
    its left when ``closed_left``) shorter than ``min_off``: the minimum-days-off rule
    (:data:`optimizer.roster.constraints.MIN_CONSECUTIVE_DAYS_OFF`) forbids it."""
    out: np.ndarray = (off_run > 0) & (off_run < min_off) & closed_left
    return out

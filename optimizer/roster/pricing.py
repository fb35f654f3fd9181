"""Fast heuristic pricing for column generation: a labelling dynamic programme over days, all staff at once.

Column generation (:mod:`optimizer.roster.columns`) needs, per staff member, rosters of negative reduced cost.
Solving one CP-SAT model per staff member and iteration is exact but slow (tens of milliseconds each, hundreds
of iterations). This module finds such rosters with a resource-constrained shortest-path labelling, vectorised
with numpy over all staff members' labels at once (one numpy step per day):

* a *label* is a partial roster of one staff member up to day ``d``: its cost so far, the class of its last
  shift, the lengths of its current run of work or rest (and whether that run started on day 0 with unknown
  history or continues an open history, which exempts it from the minimum-run rules), weekends worked, shifts per type, total shifts and
  minutes;
* each label is extended by a day off and by every shift the staff member may work that day; extensions that
  break a hard rule are dropped at once (forbidden successions, maximum and minimum runs, days off in a row,
  per-type and total maxima, weekends, maximum minutes; the minimum minutes by a look-ahead on the minutes
  still reachable);
* labels sharing staff member, succession class of yesterday's shift, run lengths, day-0 exemption, weekend
  state, weekends worked and total shifts (in buckets of ``total_bucket``) are *merged*: only the ``beam``
  cheapest are kept. That makes the search heuristic (a discarded label might have led to a cheaper
  roster because of its other resources), so it never proves that no negative roster exists: the caller
  falls back to exact CP-SAT pricing when this one finds nothing;
* with ``track_budget`` above 1, the counts of scarce shift types (maxima that can bind, smallest first, while the
  product of their ranges stays within the budget; :func:`tracked_counts`) enter the merged state too: a label
  that used up a scarce type no longer replaces one that did not (at up to ``track_budget`` times the labels);
* "cheapest" is judged by the label's cost plus a lower bound on the cost of the rest of the horizon given the
  shifts it must still work (:func:`cost_to_go`: every rule dropped but one value per day and the count of
  shifts), so labels with different totals in one bucket compare fairly. Labels whose cost plus that bound
  cannot end below the caller's threshold or the kept roster's cost are dropped (exact pruning), and a label
  that worked fewer weekends at no greater cost, all else equal, dominates (weekends worked only have a maximum);
* where weekend seats outnumber the weekend days the staff may work, or nearly match them, a weekend is worked on
  both days or neither (:func:`optimizer.roster.weekends.complete_weekends`): a restriction of the search, not a
  rule, so the rosters it returns keep the real rules but it may miss one that works a lone weekend day.

With ``total_bucket=1`` and ``beam=1`` the search is exact whenever per-type and minute limits cannot bind
(tested by enumeration); on long horizons with tightly bounded totals (182 days, 115-117 shifts) bucketed
totals lose most improving rosters, so staff-wise descent uses exact totals.

One day of the search is a compiled kernel (:func:`optimizer.roster.labelling.extend_day`, numba) by default; the
numpy form (``engine="numpy"``) is its reference and returns exactly the same. On Curtois & Qu instance 20 (182
days) the kernel examines 8-10 million label extensions a second in the descent's best responses, the numpy form
2-3 million.

Costs are linear per cell: the staff-level soft terms (requests, assignment weights, changes from a
reference; :func:`cell_costs`) plus the dual prices the caller adds. Every roster returned keeps the hard
rules this module checks; callers re-check with the evaluators before use.
"""

from __future__ import annotations

import copy
from concurrent.futures import Executor
from typing import Any

import numpy as np

from optimizer.roster import objectives as soft
from optimizer.roster.labelling import BIG_RUN as _BIG_RUN
from optimizer.roster.labelling import Workspace, extend_day
from optimizer.roster.problem import FREE, OFF, RosterProblem
from optimizer.roster.weekends import complete_weekends

ENGINES = ("jit", "numpy")
"""Forms of one day of the labelling search: the compiled kernel (:mod:`optimizer.roster.labelling`, the default)
and the numpy reference it is tested against."""
_NO_TOGO = (np.zeros((1, 1, 1)), np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64))
_NO_KEEP = np.zeros((1, 1), np.int64)


def cell_costs(problem: RosterProblem, rule_ids: frozenset[str] | set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell linear form of the staff-level soft terms that are in ``rule_ids``.

    Returns ``(cost, const)``: ``cost[e, d, v]`` for value ``v`` in ``0 .. S-1`` (the shift worked) and ``S``
    (day off), float64 ``[E, D, S + 1]``, and ``const[e]``, such that a roster's shift-on and shift-off request,
    assignment-weight and change-from-reference points equal ``const[e] + sum_d cost[e, d, value]``.
    """
    p = problem
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    cost = np.zeros((E, D, S + 1), dtype=np.float64)
    const = np.zeros(E, dtype=np.float64)
    if soft.SHIFT_ON_REQUESTS in rule_ids and p.on_request_staff.size:
        e, d, s, w = p.on_request_staff, p.on_request_day, p.on_request_shift, p.on_request_weight.astype(float)
        anyshift = s < 0
        np.add.at(cost, (e[anyshift], d[anyshift], np.full(int(anyshift.sum()), S)), w[anyshift])
        one = ~anyshift
        np.add.at(const, e[one], w[one])
        np.add.at(cost, (e[one], d[one], s[one]), -w[one])
    if soft.SHIFT_OFF_REQUESTS in rule_ids and p.off_request_staff.size:
        e, d, s, w = p.off_request_staff, p.off_request_day, p.off_request_shift, p.off_request_weight.astype(float)
        anyshift = s < 0
        np.add.at(cost, (e[anyshift][:, None], d[anyshift][:, None], np.arange(S)[None, :]), w[anyshift][:, None])
        one = ~anyshift
        np.add.at(cost, (e[one], d[one], s[one]), w[one])
    if soft.ASSIGNMENT_WEIGHT in rule_ids:
        cost[:, :, :S] += p.assign_weight[:, None, :]
    if soft.CHANGES_FROM_REFERENCE in rule_ids and p.change_weight:
        e, d = np.nonzero(p.reference != FREE)
        ref = p.reference[e, d]
        cost[e, d, :] += p.change_weight
        cost[e, d, np.where(ref >= 0, ref, S)] -= p.change_weight
    return cost, const


def roster_costs(cost: np.ndarray, staff: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Float [n]: ``sum_d cost[staff[i], d, value]`` of each roster ``rows[i]`` ([n, D], ``OFF`` or -1 for a day
    off, costed as value ``S``) under per-cell costs ``cost`` ([E, D, S + 1], e.g. :func:`cell_costs`)."""
    rows = np.asarray(rows, dtype=np.int64).reshape(len(staff), -1)
    S = cost.shape[2] - 1
    days = np.arange(rows.shape[1])[None, :]
    out: np.ndarray = cost[np.asarray(staff)[:, None], days, np.where(rows >= 0, rows, S)].sum(axis=1)
    return out


BOUND_MAX_CELLS = 20_000_000
"""The cost-to-go table of :func:`cost_to_go` has ``E x D x (D + 1)`` entries; above this many it is not built
and labels are not pruned by it."""


def cost_to_go(ok: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Lower bounds on the cost of the days after each day, given how many shifts are still worked then.

    Dropping every rule but "one value per day" and the value's eligibility (``ok [E, D, S + 1]``), the cheapest
    completion after day ``d`` with exactly ``k`` optional shifts worked is ``table[e, d, k]``: the cost of the
    days where working is impossible (off) or forced (worked), plus the ``k`` smallest extra costs of working
    over resting on the days that allow both. Returns ``(table [E, D, D + 1], optional days after d [E, D],
    forced worked days after d [E, D], unconstrained best k [E, D])``, or None when ``E x D x (D + 1)`` exceeds
    ``BOUND_MAX_CELLS``. ``table`` is convex in ``k`` (sums of sorted extra costs), so its minimum over a range of
    ``k`` is at the clamp of the unconstrained best into the range.
    """
    E, D, S1 = cost.shape
    if E * D * (D + 1) > BOUND_MAX_CELLS:
        return None
    S = S1 - 1
    inf = np.inf
    work_c = np.where(ok[:, :, :S], cost[:, :, :S], inf).min(axis=2, initial=inf)  # [E, D]
    off_ok = ok[:, :, S]
    off_c = np.where(off_ok, cost[:, :, S], inf)
    both = off_ok & np.isfinite(work_c)
    forced = ~off_ok & np.isfinite(work_c)
    base = np.where(off_ok, off_c, np.where(forced, work_c, 0.0))
    adv = np.where(both, work_c - np.where(off_ok, off_c, 0.0), inf)
    # days strictly after d: suffix sums
    base_after = np.concatenate([np.cumsum(base[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((E, 1))], axis=1)
    n_opt = np.concatenate([np.cumsum(both[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((E, 1), np.int64)], axis=1)
    n_forced = np.concatenate([np.cumsum(forced[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((E, 1), np.int64)],
                              axis=1)
    after = np.arange(D)[None, :] > np.arange(D)[:, None]  # [d, d']: d' after d
    a = np.where(after[None, :, :], adv[:, None, :], inf)  # [E, D, D]
    a.sort(axis=2)
    kstar = (a < 0).sum(axis=2)
    table = np.empty((E, D, D + 1))
    table[:, :, 0] = 0.0
    np.cumsum(np.where(np.isfinite(a), a, 0.0), axis=2, out=table[:, :, 1:])
    table += base_after[:, :, None]
    return table, n_opt.astype(np.int64), n_forced.astype(np.int64), kstar


def _dominated(state: np.ndarray, count: np.ndarray, cost: np.ndarray, protect: np.ndarray) -> np.ndarray:
    """Bool mask of labels dominated by a label of the same ``state`` with a smaller ``count`` (a resource
    with only an upper limit, e.g. weekends worked) and no greater ``cost``; ``protect``-ed labels never are."""
    n = state.size
    if n < 2:
        return np.zeros(n, bool)
    order = np.lexsort((cost, count, state))
    st, ct, co = state[order], count[order], cost[order]
    seg_start = np.ones(n, bool)
    seg_start[1:] = st[1:] != st[:-1]
    seg = np.cumsum(seg_start) - 1
    block_start = seg_start.copy()
    block_start[1:] |= ct[1:] != ct[:-1]
    # running minimum of the cost within each state (via ranks, so that states do not mix)
    rank = np.empty(n, np.int64)
    rank[np.argsort(co, kind="stable")] = np.arange(n)
    shift = seg.astype(np.int64) * (n + 1)
    run_min = np.minimum.accumulate(rank - shift) + shift
    by_rank = np.sort(co, kind="stable")
    # the cheapest label of the same state with a smaller count: the running minimum before this count's block
    first_of_block = np.maximum.accumulate(np.where(block_start, np.arange(n), 0))
    first_of_seg = np.maximum.accumulate(np.where(seg_start, np.arange(n), 0))
    prev = first_of_block - 1
    has = prev >= first_of_seg
    best_before = np.where(has, by_rank[run_min[np.maximum(prev, 0)]], np.inf)
    out = np.zeros(n, bool)
    out[order] = (best_before <= co) & ~protect[order]
    return out


def tracked_counts(max_type: np.ndarray, ok: np.ndarray, budget: int) -> tuple[np.ndarray, int]:
    """Per-type shift counts kept apart in the labelling's merged state: ``(weights [E, S + 1], codes)``.

    A label's *code* is ``sum over types of count * weight``; labels with different codes are never merged. For
    each staff member, the types whose maximum can bind (above 0 and below the days they may work the type) are
    taken smallest maximum first while the product of ``maximum + 1`` over the taken types stays within
    ``budget``; each taken type's weight is the product of ``maximum + 1`` over those taken before it (a mixed
    radix, so codes are distinct). ``codes`` is the largest such product over the staff (1: nothing kept apart,
    the search as without this). Merging labels that used up a scarce type with labels that did not loses the
    rosters that work it later (Curtois & Qu 15, whose staff may work two night types at most 3-4 times)."""
    E, D, S1 = ok.shape
    S = S1 - 1
    weights = np.zeros((E, S + 1), np.int64)
    codes = 1
    if budget <= 1 or S == 0:
        return weights, codes
    days = ok[:, :, :S].sum(axis=1)  # [E, S]
    binding = (max_type > 0) & (max_type < days)
    for e in np.flatnonzero(binding.any(axis=1)).tolist():
        radix = 1
        for s in np.argsort(max_type[e], kind="stable").tolist():
            if not binding[e, s] or radix * (int(max_type[e, s]) + 1) > budget:
                continue
            weights[e, s] = radix
            radix *= int(max_type[e, s]) + 1
        codes = max(codes, radix)
    return weights, codes


class LabelPricer:
    """Labelling pricing for all staff members of ``problem`` (see the module docstring).

    Parameters
    ----------
    problem : RosterProblem
    rule_ids : set of str
        Hard rules in force; a rule not in it is not checked.
    beam : int
        Labels kept per merged state (default 2).
    total_bucket : int, optional
        Total shifts enter the merged state in buckets of this many (default ``round(D / 14)``, at least 1;
        1 keeps totals exact, which matters when total minutes are tightly bounded, at several times the work).
    prune : bool
        Rank labels by cost plus the cost-to-go bound, drop those that cannot end below the threshold or the
        kept roster's cost, and drop labels dominated in weekends worked (default True).
    engine : str
        One of ``ENGINES`` (default ``"jit"``).
    track_budget : int
        Keep the counts of scarce shift types apart in the merged state (:func:`tracked_counts`) within this
        budget (default 1: none).
    """

    def __init__(self, problem: RosterProblem, rule_ids: frozenset[str] | set[str], *, beam: int = 2,
                 total_bucket: int | None = None, prune: bool = True, engine: str = "jit",
                 track_budget: int = 1) -> None:
        from optimizer.roster import constraints as hard

        p = problem
        self.p = p
        self.beam = beam
        self.total_bucket = max(1, round(problem.num_days / 14)) if total_bucket is None else total_bucket
        self.prune = prune
        if engine not in ENGINES:
            raise ValueError(f"engine: must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.engine = engine
        self._workspace: Workspace | None = None  # scratch arrays of the compiled step, made per search
        self.work_done = 0
        """Label extensions examined by the last :meth:`price` (a deterministic measure of its work)."""
        E, D, S = p.num_staff, p.num_days, p.num_shifts
        self.E, self.D, self.S = E, D, S
        on = set(rule_ids)
        big = np.iinfo(np.int32).max // 4
        # may staff e take value v on day d (v = S: off)
        ok = np.ones((E, D, S + 1), dtype=bool)
        if hard.ALLOWED_SHIFT_TYPES in on:
            ok[:, :, :S] &= p.is_allowed[:, None, :]
        ok[:, :, :S] &= (p.max_shifts_per_type > 0)[:, None, :] | (hard.MAX_SHIFTS_PER_TYPE not in on)
        ok[:, :, :S] &= (p.cover_max > 0)[None, :, :] | (hard.MAX_COVER not in on)
        if hard.UNAVAILABLE_DAYS in on:
            ok[:, :, :S] &= ~p.is_unavailable[:, :, None]
        fixed = p.fixed != FREE
        fe, fd = np.nonzero(fixed)
        ok[fe, fd, :] = False
        ok[fe, fd, np.where(p.fixed[fe, fd] >= 0, p.fixed[fe, fd], S)] = True
        self.ok = ok
        self.max_type = p.max_shifts_per_type.astype(np.int64) if hard.MAX_SHIFTS_PER_TYPE in on \
            else np.full((E, S), big, np.int64)
        self.max_total = p.max_total_shifts.astype(np.int64) if hard.MAX_TOTAL_SHIFTS in on \
            else np.full(E, big, np.int64)
        self.max_minutes = p.max_total_minutes.astype(np.int64) if hard.MAX_TOTAL_MINUTES in on \
            else np.full(E, big, np.int64)
        self.min_minutes = p.min_total_minutes.astype(np.int64) if hard.MIN_TOTAL_MINUTES in on \
            else np.zeros(E, np.int64)
        self.max_run = p.max_consecutive_days.astype(np.int64) if hard.MAX_CONSECUTIVE_DAYS in on \
            else np.full(E, _BIG_RUN, np.int64)
        self.min_run = p.min_consecutive_days.astype(np.int64) if hard.MIN_CONSECUTIVE_DAYS in on \
            else np.ones(E, np.int64)
        self.min_off = p.min_consecutive_days_off.astype(np.int64) if hard.MIN_CONSECUTIVE_DAYS_OFF in on \
            else np.ones(E, np.int64)
        self.max_weekends = p.max_weekends.astype(np.int64) if hard.MAX_WEEKENDS in on \
            else np.full(E, big, np.int64)
        # both days of a weekend or neither, where weekend seats outnumber the weekend days staff may work
        self.complete = complete_weekends(p, on)
        self.minutes = np.append(p.shift_minutes.astype(np.int64), 0)
        self.short_mins = max(int(self.minutes[:S].min(initial=1)), 1)
        # succession: classes with the same row of forbidden successors behave alike as "yesterday's class"
        C = p.num_classes
        if hard.FORBIDDEN_SUCCESSIONS in on:
            rows, group = np.unique(p.forbidden_next, axis=0, return_inverse=True)
            self.succ_group = np.asarray(group, dtype=np.int64).reshape(-1)
            forbid_group = rows.astype(bool)  # [groups, C]
        else:
            self.succ_group = np.zeros(C, dtype=np.int64)
            forbid_group = np.zeros((1, C), dtype=bool)
        self.num_groups = int(forbid_group.shape[0])
        # forbid[g, v]: value v forbidden after a worked shift of group g (off never is)
        self.forbid = np.zeros((self.num_groups, S + 1), dtype=bool)
        self.forbid[:, :S] = forbid_group[:, p.shift_class]
        self.weekend = np.ascontiguousarray(p.weekend_idx, dtype=np.int64)
        self.shift_class = np.ascontiguousarray(p.shift_class, dtype=np.int64)
        self.track_w, self.num_codes = tracked_counts(self.max_type, ok, track_budget)
        # the merged key (staff, group, runs, exemption, weekend flag, code, total, weekends) must fit in an int64
        key_range = E * (self.num_groups + 1) * (_BIG_RUN + 1) * 64 * 4 * self.num_codes * (D + 2) ** 2
        if key_range >= 2**63:
            raise ValueError(f"track_budget: {track_budget} keeps {self.num_codes} count codes apart, too many for "
                             f"the merged state of {E} staff over {D} days")
        # most minutes staff e can still add on days d+1 .. D-1 (look-ahead for the minimum)
        per_day = np.where(ok[:, :, :S], self.minutes[None, None, :S], 0).max(axis=2)  # [E, D]
        rest = np.cumsum(per_day[:, ::-1], axis=1)[:, ::-1]
        self.after = np.concatenate([rest[:, 1:], np.zeros((E, 1), np.int64)], axis=1)
        self.top_minutes = per_day.max(axis=1, initial=0)
        self.top_minutes_safe = np.maximum(self.top_minutes, 1)
        hw, ho = p.history_work_run, p.history_off_run
        self.h_work = np.where(hw > 0, hw, 0).astype(np.int64)
        self.h_off = np.where((hw <= 0) & (ho > 0), ho, 0).astype(np.int64)
        self.h_exempt = ((self.h_work == 0) & (self.h_off == 0)) | p.history_open  # open history: exempt run
        # run lengths that matter: up to the maximum run, or up to the minimum run when the maximum cannot bind
        self.run_cap = np.where(self.max_run >= D + self.h_work, self.min_run, self.max_run)
        hc = p.history_last_class
        self.h_group = np.where((self.h_work > 0) & (hc >= 0), self.succ_group[np.maximum(hc, 0)], -1)

    def price(self, cost: np.ndarray, staff: np.ndarray, *, per_staff: int = 3,
              threshold: np.ndarray | None = None, keep: np.ndarray | None = None
              ) -> list[tuple[int, np.ndarray, float]]:
        """Cheapest rosters found for each staff member in ``staff``.

        Parameters
        ----------
        cost : float array [E, D, S + 1]
            Cost of each value per cell (``S``: day off), e.g. own soft terms minus dual prices.
        staff : int array
            Staff members to price.
        per_staff : int
            At most this many rosters per staff member (the cheapest distinct ones).
        threshold : float array [E], optional
            Only rosters of cost below ``threshold[e]`` are returned.
        keep : int array [E, D], optional
            Rosters (``OFF`` for days off) whose labels are never merged away: if ``keep[e]`` keeps the rules,
            the search returns a roster of staff ``e`` no dearer than it (local search from a roster).

        Returns
        -------
        list of (staff, roster [D] with ``OFF`` for days off, path cost)
        """
        S, D = self.S, self.D
        self.work_done = 0
        staff = np.asarray(staff, dtype=np.int64)
        if staff.size == 0:
            return []
        # label state
        e = staff.copy()
        grp = self.h_group[e].copy()  # succession group of yesterday's shift, -1 if off or unknown
        wrun = self.h_work[e].copy()
        orun = self.h_off[e].copy()
        exempt = self.h_exempt[e].copy()
        wk_count = np.zeros(e.size, np.int64)
        wk_flag = np.zeros(e.size, bool)
        counts = np.zeros((e.size, S), np.int64)
        total = np.zeros(e.size, np.int64)
        mins = np.zeros(e.size, np.int64)
        acc = np.zeros(e.size, np.float64)
        on_keep = np.full(e.size, keep is not None)
        keep_val = np.ascontiguousarray(np.where(keep >= 0, keep, S), dtype=np.int64) if keep is not None else None
        cost = np.ascontiguousarray(cost, dtype=np.float64)
        # labels that cannot end below the caller's threshold or the kept roster's cost are dropped
        ceiling = np.full(self.E, np.inf)
        if threshold is not None:
            ceiling = np.minimum(ceiling, np.asarray(threshold, dtype=np.float64))
        if keep_val is not None:
            kept_cost = cost[staff[:, None], np.arange(D)[None, :], keep_val[staff]].sum(axis=1)
            ceiling[staff] = np.minimum(ceiling[staff], kept_cost + 1e-6)
        togo = cost_to_go(self.ok, cost) if self.prune and np.isfinite(ceiling[staff]).any() else None
        parents: list[np.ndarray] = []
        values: list[np.ndarray] = []
        labels: tuple[np.ndarray, ...] = (e, grp, wrun, orun, exempt, wk_count, wk_flag, counts, total, mins, acc,
                                          on_keep)
        step = self._step_jit if self.engine == "jit" else self._step_numpy
        self._workspace = Workspace(self.beam) if self.engine == "jit" else None
        for d in range(D):
            labels, parent, value, examined = step(d, labels, cost, togo, ceiling, keep_val)
            self.work_done += examined
            if labels[0].size == 0:
                return []
            parents.append(parent)
            values.append(value)
        e, grp, wrun, orun, exempt, wk_count, wk_flag, counts, total, mins, acc, on_keep = labels
        final = mins >= self.min_minutes[e]
        if threshold is not None:
            final &= acc < threshold[e]
        idx = np.flatnonzero(final)
        if idx.size == 0:
            return []
        order = idx[np.lexsort((acc[idx], e[idx]))]
        es = e[order]
        first = np.ones(order.size, bool)
        first[1:] = es[1:] != es[:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
        chosen = order[(np.arange(order.size) - start) < per_staff]
        rows = np.empty((chosen.size, D), dtype=np.int64)
        cur = chosen
        for d in range(D - 1, -1, -1):
            rows[:, d] = values[d][cur]
            cur = parents[d][cur]
        return [(int(e[j]), rows[i], float(acc[j])) for i, j in enumerate(chosen.tolist())]

    def _step_numpy(self, d: int, labels: tuple[np.ndarray, ...], cost: np.ndarray, togo: Any,
                    ceiling: np.ndarray, keep_val: np.ndarray | None
                    ) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray, int]:
        """One day of the search in numpy (the reference form of :func:`optimizer.roster.labelling.extend_day`):
        returns (next labels, each one's parent, its value, extensions examined)."""
        S, D = self.S, self.D
        e, grp, wrun, orun, exempt, wk_count, wk_flag, counts, total, mins, acc, on_keep = labels
        if togo is not None:
            table, n_opt, n_forced, kstar = togo
            short_mins = self.short_mins
        cand = self.ok[e, d, :].copy()  # [L, S+1]
        worked_y = wrun > 0
        off_y = orun > 0
        # successions
        has_grp = grp >= 0
        if has_grp.any():
            cand[has_grp] &= ~self.forbid[grp[has_grp]]
        # per-type maxima
        cand[:, :S] &= counts < self.max_type[e]
        work_ok = (total < self.max_total[e]) & ~(worked_y & (wrun >= self.max_run[e]))
        work_ok &= ~(off_y & ~exempt & (orun < self.min_off[e]))
        cand[:, :S] &= work_ok[:, None]
        cand[:, :S] &= (mins[:, None] + self.minutes[None, :S]) <= self.max_minutes[e][:, None]
        wk = int(self.weekend[d])
        same = d > 0 and int(self.weekend[d - 1]) == wk  # today continues yesterday's weekend
        new_weekend = np.zeros(e.size, bool)
        if wk >= 0:
            new_weekend = ~(wk_flag & same)
            cand[:, :S] &= ~(new_weekend & (wk_count >= self.max_weekends[e]))[:, None]
        off_ok = ~(worked_y & ~exempt & (wrun < self.min_run[e]))
        if wk >= 0 and same:
            # a complete weekend: the second day as the first
            whole = self.complete[e, wk]
            cand[:, :S] &= ~(whole & ~wk_flag)[:, None]
            off_ok &= ~(whole & wk_flag)
        cand[:, S] &= off_ok
        li, v = np.nonzero(cand)
        examined = int(li.size)
        ne = e[li]
        work = v < S
        # minimum minutes: must still be reachable after today (days left, maximum run, total maximum)
        n_total = total[li] + work
        n_mins = mins[li] + self.minutes[v]
        left = D - 1 - d
        days = np.minimum(left - left // (self.max_run[ne] + 1), self.max_total[ne] - n_total)
        reach = np.minimum(self.after[ne, d], np.maximum(days, 0) * self.top_minutes[ne])
        alive = n_mins + reach >= self.min_minutes[ne]
        li, v, ne, work, n_total, n_mins = li[alive], v[alive], ne[alive], work[alive], n_total[alive], n_mins[alive]
        if li.size == 0:
            return ((e[:0],) + labels[1:]), li[:0], v[:0], examined
        c = acc[li] + cost[ne, d, v]
        if togo is not None:
            # shifts still to work after today: enough for the minimum minutes, within the maxima
            lo = np.maximum(-(-(self.min_minutes[ne] - n_mins) // self.top_minutes_safe[ne]), 0) - n_forced[ne, d]
            hi = np.minimum(self.max_total[ne] - n_total, (self.max_minutes[ne] - n_mins) // short_mins)
            hi = hi - n_forced[ne, d]
            lo = np.clip(lo, 0, n_opt[ne, d])
            hi = np.clip(hi, lo, n_opt[ne, d])
            k = np.clip(kstar[ne, d], lo, hi)
            hope = c + table[ne, d, k]
            alive = hope < ceiling[ne]
            if keep_val is not None:
                alive |= on_keep[li] & (v == keep_val[ne, d])
            li, v, ne, work, n_total, n_mins, c, hope = (li[alive], v[alive], ne[alive], work[alive],
                                                         n_total[alive], n_mins[alive], c[alive], hope[alive])
        else:
            hope = c
        if li.size == 0:
            return ((e[:0],) + labels[1:]), li[:0], v[:0], examined
        n_grp = np.where(work, self.succ_group[self.p.shift_class[np.minimum(v, S - 1)]], -1)
        n_wrun = np.where(work, np.where(worked_y[li], wrun[li] + 1, 1), 0)
        n_orun = np.where(work, 0, np.where(off_y[li], orun[li] + 1, 1))
        cont = np.where(work, worked_y[li] | (~worked_y[li] & ~off_y[li]), off_y[li] | (~worked_y[li] & ~off_y[li]))
        n_exempt = exempt[li] & cont
        if wk >= 0:
            n_wk_count = wk_count[li] + (work & new_weekend[li])
            n_flag = np.where(work, True, wk_flag[li] & same)
        else:
            n_wk_count = wk_count[li]
            n_flag = np.zeros(li.size, bool)
        # merge: keep the `beam` cheapest labels per (staff, group, runs, exemption, weekend state)
        cap_off = np.minimum(n_orun, self.min_off[ne])
        cap_work = np.minimum(n_wrun, self.run_cap[ne])
        key = ((((ne * (self.num_groups + 1) + (n_grp + 1)) * (_BIG_RUN + 1) + cap_work) * 64 + cap_off) * 2
               + n_exempt) * 2 + n_flag
        if self.num_codes > 1:
            code = (counts[li] * self.track_w[ne, :S]).sum(axis=1) + self.track_w[ne, v]
            key = key * self.num_codes + code
        if self.total_bucket:
            key = key * (D + 2) + n_total // self.total_bucket
        state = key
        wk_capped = np.minimum(n_wk_count, self.max_weekends[ne])
        key = key * (D + 2) + wk_capped
        order = np.lexsort((hope, key))
        k_sorted = key[order]
        first = np.ones(order.size, bool)
        first[1:] = k_sorted[1:] != k_sorted[:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
        kept = (np.arange(order.size) - start) < self.beam
        if keep_val is not None:
            n_on = on_keep[li] & (v == keep_val[ne, d])
            kept |= n_on[order]
        sel = order[kept]
        if self.prune:
            # a label that worked fewer weekends at no greater cost, all else equal, dominates
            protect = n_on[sel] if keep_val is not None else np.zeros(sel.size, bool)
            sel = sel[~_dominated(state[sel], wk_capped[sel], c[sel], protect)]
        on_keep = n_on[sel] if keep_val is not None else np.zeros(sel.size, bool)
        li, v, work = li[sel], v[sel], work[sel]
        e = ne[sel]
        grp, wrun, orun, exempt = n_grp[sel], n_wrun[sel], n_orun[sel], n_exempt[sel]
        wk_count, wk_flag = n_wk_count[sel], n_flag[sel]
        counts = counts[li]
        wi = np.flatnonzero(work)
        counts[wi, v[wi]] += 1
        total = n_total[sel]
        mins = n_mins[sel]
        acc = c[sel]
        labels = (e, grp, wrun, orun, exempt, wk_count, wk_flag, counts, total, mins, acc, on_keep)
        return labels, li, np.where(work, v, OFF), examined

    def _step_jit(self, d: int, labels: tuple[np.ndarray, ...], cost: np.ndarray, togo: Any,
                  ceiling: np.ndarray, keep_val: np.ndarray | None
                  ) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray, int]:
        """One day of the search by the compiled kernel (:func:`optimizer.roster.labelling.extend_day`)."""
        table, n_opt, n_forced, kstar = togo if togo is not None else _NO_TOGO
        assert self._workspace is not None
        scratch = self._workspace.arrays(labels[0].size * (self.S + 1))
        kernel: Any = extend_day  # a numba dispatcher: its call signature is not known to the type checker
        out = kernel(
            d, *labels, self.ok, self.forbid, self.max_type, self.max_total, self.max_run, self.min_off,
            self.max_minutes, self.minutes, self.weekend, self.max_weekends, self.complete, self.min_run,
            self.after, self.top_minutes, self.top_minutes_safe, self.min_minutes, cost, self.succ_group,
            self.shift_class, self.run_cap, self.num_groups, int(self.total_bucket), self.track_w, self.num_codes,
            self.beam, self.prune, togo is not None,
            table, n_opt, n_forced, kstar, self.short_mins, ceiling, keep_val is not None,
            keep_val if keep_val is not None else _NO_KEEP, *scratch)
        return tuple(out[:12]), out[12], out[13], int(out[14])



def price_in_parts(pricer: LabelPricer, cost: np.ndarray, staff: np.ndarray, *, pool: Executor | None, parts: int,
                   **kwargs: Any) -> tuple[list[tuple[int, np.ndarray, float]], int]:
    """:meth:`LabelPricer.price` of ``staff`` split into ``parts`` interleaved parts run on ``pool`` (threads: the
    search spends its time in numpy, which releases the GIL); returns (what one call would return, in the same
    order, and the label extensions examined in all).

    Each staff member's search is independent of the others', so the parts find exactly what one call finds;
    each part runs on a shallow copy of ``pricer`` (its own ``work_done``). On Curtois & Qu instance 13 (120
    staff, 28 days) one round of column generation's labelling takes 0.6-0.7 s in two threads against 1.1 s."""
    staff = np.asarray(staff, dtype=np.int64)
    if pool is None or parts < 2 or staff.size < 2 * parts:
        found = pricer.price(cost, staff, **kwargs)
        return found, pricer.work_done
    copies = [copy.copy(pricer) for _ in range(parts)]

    def work(i: int) -> list[tuple[int, np.ndarray, float]]:
        return copies[i].price(cost, staff[i::parts], **kwargs)

    results = list(pool.map(work, range(parts)))
    merged = [item for part in results for item in part]
    merged.sort(key=lambda item: item[0])  # stable: each staff member's rosters stay cheapest first
    return merged, sum(c.work_done for c in copies)


def warm_up() -> None:
    """Compile the labelling kernel (:mod:`optimizer.roster.labelling`) now; numba caches it on disk, so later
    processes load it in milliseconds instead of compiling it for about 5 s on their first search (``make install``
    calls this)."""
    from optimizer.roster import constraints as hard

    p = RosterProblem(cover_min=np.ones((7, 2), dtype=np.int64), is_allowed=np.ones((2, 2), dtype=bool))
    rules = {hard.MAX_WEEKENDS, hard.FORBIDDEN_SUCCESSIONS, hard.MIN_TOTAL_MINUTES}
    LabelPricer(p, rules, total_bucket=1).price(np.zeros((2, 7, 3)), np.arange(2), keep=np.full((2, 7), OFF))

"""Staff-wise descent: re-plan whole rosters of single staff members against everyone else's cover.

A roster of one staff member is tightly bound by its own rules (exact shift totals, minimum and maximum runs,
days off in a row, weekends), so moving one cell alone almost never keeps it feasible and CP-SAT
neighbourhoods over a few cells of many staff rarely find such moves. Here instead each staff member's whole
roster is re-planned at once, everyone else fixed:

* with the others' head-count ``c`` on each (day, shift), the cover terms change by a known amount when one
  more person works there: ``-under_weight`` while ``c < cover_min``, ``-ideal_short_weight`` while
  ``c < cover_ideal``, ``+over_weight`` from ``cover_ideal`` on (:func:`marginal_cover`); a cell at the
  hard ``cover_max`` is closed. With the staff member's own soft terms, which are linear per cell
  (:func:`optimizer.roster.pricing.cell_costs`), the objective change of any roster of theirs is a sum of
  per-cell costs;
* the labelling search of :mod:`optimizer.roster.pricing` finds a cheap roster that keeps every staff-level
  hard rule under those costs, for all staff at once (a best response each);
* best responses are applied one at a time, most promising first, each re-costed against the head-counts as
  they are then and kept only if it lowers the objective (with budgets or fairness terms in force, which are
  not per cell, by a full evaluation of the schedule).

Staff are searched in random batches of ``BATCH`` (each batch against the head-counts left by the previous
one's moves, fresher than one search for everyone at the same work), with exact shift totals in the search's
merged state (bucketed totals miss most improving rosters on long horizons with tight totals: on Curtois &
Qu instance 20, 4 of 50 staff improved against 46 with exact totals). Rounds of batches repeat until one
changes nothing. :meth:`StaffDescent.construct` builds a first roster the same way from everyone off.

This is a local search (source: practice of nurse-rostering heuristics, where whole-roster moves of one nurse
are the standard large move, e.g. Burke, Curtois, Qu and Vanden Berghe's ejection chains); the labelling being
heuristic, a best response may be missed.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.evaluate import evaluate_schedule, select_rules
from optimizer.roster.params import MODULE_DEFAULT, ModuleDefault
from optimizer.roster.pricing import LabelPricer, cell_costs, price_in_parts, roster_costs
from optimizer.roster.problem import FREE, RosterProblem

CLOSED = 1e12
"""Cost of a cell the staff member may not take (its shift is at the hard maximum head-count)."""
NOT_PER_CELL = frozenset({hard.GROUP_BUDGET, soft.FAIR_TOTAL_SHIFTS, soft.FAIR_NIGHT_SHIFTS,
                          soft.FAIR_WEEKEND_SHIFTS})
"""Coupling rules and terms that are not a sum over cells: with any of them in force, moves are judged by a full
evaluation."""
BATCH = 10
"""Staff members priced together: best responses are computed against the head-counts after the previous batch's
moves (fresher than one search for everyone, at the same work)."""
LABELS_PER_SECOND = 9e6
"""Label extensions the exact-total labelling search examines per second (compiled kernel, measured on Curtois & Qu
instance 20: a construction, 31 M in 3.2 s, and a sweep of descent, 64 M in 6.4 s; the numpy form managed 3 M a
second); converts its work into time."""


def marginal_cover(problem: RosterProblem, count: np.ndarray, rule_ids: frozenset[str] | set[str]) -> np.ndarray:
    """Change of the cover terms (those in ``rule_ids``) when one more person works each cell, at head-counts
    ``count`` (any shape ending in ``[D, S]``); ``CLOSED`` where the hard maximum is reached."""
    p = problem
    out = np.zeros(count.shape, dtype=np.float64)
    if soft.UNDER_COVER in rule_ids:
        out -= np.where(count < p.cover_min, p.under_weight, 0)
    if soft.IDEAL_SHORTFALL in rule_ids:
        out -= np.where(count < p.cover_ideal, p.ideal_short_weight, 0)
    if soft.OVER_COVER in rule_ids:
        out += np.where(count >= p.cover_ideal, p.over_weight, 0)
    if hard.MAX_COVER in rule_ids:
        out = np.where(count >= p.cover_max, CLOSED, out)
    return out


def expected_marginal_cover(problem: RosterProblem, count: np.ndarray,
                            rule_ids: frozenset[str] | set[str]) -> np.ndarray:
    """:func:`marginal_cover`'s soft terms at fractional head-counts ``count`` (``[D, S]``), e.g. an LP's expected
    cover: a term's step is taken in the share in which the one more person falls below (or beyond) its head-count,
    ``-under_weight * clip(cover_min - count, 0, 1)`` and likewise, so that it equals :func:`marginal_cover`'s soft
    terms at integer counts. The hard maximum is not applied (the caller closes cells on counts it knows)."""
    p = problem
    out = np.zeros(count.shape, dtype=np.float64)
    if soft.UNDER_COVER in rule_ids:
        out -= p.under_weight * np.clip(p.cover_min - count, 0.0, 1.0)
    if soft.IDEAL_SHORTFALL in rule_ids:
        out -= p.ideal_short_weight * np.clip(p.cover_ideal - count, 0.0, 1.0)
    if soft.OVER_COVER in rule_ids:
        out += p.over_weight * np.clip(count + 1.0 - p.cover_ideal, 0.0, 1.0)
    return out


class StaffDescent:
    """Staff-wise descent on rosters of ``problem`` (see the module docstring).

    Parameters
    ----------
    problem : RosterProblem
    rule_ids : tuple of str or None
        Rules in force (default all).
    beam : int
        Labels kept per merged state by the labelling search (default 1).
    total_bucket : int or None
        Totals bucket of the labelling search's merged state (default 1: exact totals).
    batch : int or None
        Staff members searched together (default ``BATCH``; None: everyone at once).
    """

    def __init__(self, problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None, beam: int = 1,
                 total_bucket: int | None = 1, batch: int | None | ModuleDefault = MODULE_DEFAULT) -> None:
        batch = BATCH if isinstance(batch, ModuleDefault) else batch  # read now (``MODULE_DEFAULT``)
        self.p = problem
        rules = select_rules(rule_ids)
        self.rule_ids = tuple(r.id for r in rules)
        self.active = frozenset(self.rule_ids)
        self.exact = bool(self.active & NOT_PER_CELL) and (
            problem.num_budget_groups > 0 or bool(np.any(problem.fair_group >= 0)))
        self.pricer = LabelPricer(problem, set(self.active), beam=beam, total_bucket=total_bucket)
        self.batch = batch
        self.own_cells, self.own_const = cell_costs(problem, set(self.active))
        self.movable = np.flatnonzero(((problem.fixed == FREE) & ~problem.is_unavailable).any(axis=1))
        self.work_done = 0
        """Label extensions of the searches of the last :meth:`improve` (deterministic measure of its work)."""
        self.batch_work = 0
        """Label extensions of the last batch searched, kept across calls: the next batch is not started unless
        about this much work still fits in the clock's time."""

    def _cell_costs(self, schedule: np.ndarray, count: np.ndarray, staff: np.ndarray) -> np.ndarray:
        """Cost [E, D, S + 1] of each value of each cell of ``staff`` (others' rows untouched) against the
        head-counts without that staff member."""
        p = self.p
        D, S = p.num_days, p.num_shifts
        rows = schedule[staff]
        own = np.zeros((staff.size, D, S), dtype=np.int64)
        si, di = np.nonzero(rows >= 0)
        own[si, di, rows[si, di]] = 1
        cost = self.own_cells.copy()
        cost[staff, :, :S] += marginal_cover(p, count[None, :, :] - own, self.active)
        return cost

    def _delta(self, e: int, old: np.ndarray, new: np.ndarray, count: np.ndarray) -> float:
        """Objective change (per-cell terms) of replacing row ``old`` of staff ``e`` by ``new``."""
        before, after = roster_costs(self.own_cells, np.array([e, e]), np.stack([old, new]))
        own = float(after - before)
        base = count.copy()
        od = np.flatnonzero(old >= 0)
        base[od, old[od]] -= 1
        nd = np.flatnonzero(new >= 0)
        marginal = marginal_cover(self.p, base, self.active)
        return own + float(marginal[nd, new[nd]].sum() - marginal[od, old[od]].sum())

    def _batch_size(self) -> int:
        return int(self.movable.size) if self.batch is None else max(1, min(self.batch, int(self.movable.size)))

    def _respond(self, sched: np.ndarray, group: np.ndarray, *, keep: np.ndarray | None, clock: Any,
                 labels_per_second: float) -> tuple[list[tuple[int, np.ndarray, float]], np.ndarray, np.ndarray]:
        """Best responses of the staff in ``group`` against the head-counts of ``sched``; returns (found, cell
        costs, head-counts). The work is counted and charged to ``clock``."""
        count = hard.staffed(self.p, sched)
        cost = self._cell_costs(sched, count, group)
        return self._search(cost, group, keep=keep, clock=clock, labels_per_second=labels_per_second), cost, count

    def _search(self, cost: np.ndarray, group: np.ndarray, *, keep: np.ndarray | None, clock: Any,
                labels_per_second: float, threshold: np.ndarray | None = None, pool: Executor | None = None,
                parts: int = 1) -> list[tuple[int, np.ndarray, float]]:
        """The labelling search's cheapest roster for each staff member of ``group`` under cell costs ``cost`` (with
        ``threshold``, only rosters cheaper than it), split into ``parts`` run on ``pool`` when given (the same
        result, :func:`optimizer.roster.pricing.price_in_parts`); its work is counted and charged to ``clock``."""
        found, work = price_in_parts(self.pricer, cost, group, pool=pool, parts=parts, per_staff=1, keep=keep,
                                     threshold=threshold)
        self.work_done += work
        self.batch_work = work
        if clock is not None:
            clock.charge(self.batch_work / labels_per_second * getattr(clock, "dtime_per_second", 1.0))
        return found

    def _respond_expected(self, sched: np.ndarray, group: np.ndarray, expected: np.ndarray, waiting: np.ndarray, *,
                          clock: Any, labels_per_second: float) -> tuple[list[tuple[int, np.ndarray, float]], np.ndarray]:
        """Best responses of ``group`` against the head-counts of ``sched`` plus the ``expected`` cover of the staff
        ``waiting`` to be planned (``group`` among them) other than the one responding (hard maximum applied to the
        known head-counts only); returns (found, counts)."""
        p = self.p
        S = p.num_shifts
        count = hard.staffed(p, sched)
        rest = count + expected[waiting].sum(axis=0)
        cost = self.own_cells.copy()
        cost[group, :, :S] += expected_marginal_cover(p, rest[None, :, :] - expected[group], self.active)
        if hard.MAX_COVER in self.active:
            cost[group, :, :S] = np.where((count >= p.cover_max)[None, :, :], CLOSED, cost[group, :, :S])
        return self._search(cost, group, keep=None, clock=clock, labels_per_second=labels_per_second), count

    def _out_of_time(self, clock: Any, labels_per_second: float) -> bool:
        """A batch costs about what the last one did: do not start one that cannot end in time."""
        return clock is not None and clock.seconds_left() <= max(0.05, self.batch_work / labels_per_second)

    def construct(self, *, rng: np.random.Generator | None = None, clock: Any = None,
                  labels_per_second: float | None = None, expected: np.ndarray | None = None) -> np.ndarray:
        """A roster built by best responses in turn: from everyone off (fixed cells kept), each batch of staff
        members takes the cheapest roster the labelling search finds against the cover of those planned so far.
        Responses are applied one at a time; one that would take a seat filled meanwhile by its own batch (hard
        maximum head-count) is dropped and its staff member searched again alone at the end, against the counts
        then (it takes a full seat only if its own rules leave no other way). Staff for whom the search finds
        nothing keep their row (days off); the caller checks feasibility (budgets are not considered).

        With ``expected`` (``[E, D, S]``, e.g. the master LP's fractional rosters,
        :meth:`optimizer.roster.columns.ColumnGeneration.lp_cells`), each batch responds instead to the cover of
        those planned so far plus the expected cover of everyone not yet planned but itself
        (:func:`expected_marginal_cover`), so that early staff leave room for what the LP gives later ones.
        ``labels_per_second`` defaults to ``LABELS_PER_SECOND``, read at each call."""
        labels_per_second = LABELS_PER_SECOND if labels_per_second is None else labels_per_second
        p = self.p
        rng = rng or np.random.default_rng(0)
        sched = np.where(p.fixed == FREE, -1, p.fixed).astype(np.int64)
        size = self._batch_size()
        queue = rng.permutation(self.movable).tolist()
        retry: list[int] = []
        capped = hard.MAX_COVER in self.active
        if expected is not None:  # fixed cells are in the head-counts already
            expected = np.where((p.fixed == FREE)[:, :, None], expected, 0.0)
        while (queue or retry) and not self._out_of_time(clock, labels_per_second):
            alone = not queue  # a retried staff member is searched alone: nothing else moves the counts
            group = np.sort(np.array(queue[:size] if queue else retry[:1], dtype=np.int64))
            queue, retry = (queue[size:], retry) if queue else (queue, retry[1:])
            if expected is None:
                found, _, count = self._respond(sched, group, keep=None, clock=clock,
                                                labels_per_second=labels_per_second)
            else:
                waiting = np.array(queue + retry + group.tolist(), dtype=np.int64)
                found, count = self._respond_expected(sched, group, expected, waiting,
                                                      clock=clock, labels_per_second=labels_per_second)
            for e, row, _ in found:
                days = np.flatnonzero((row >= 0) & (p.fixed[e] == FREE))
                if not alone and capped and np.any(count[days, row[days]] >= p.cover_max[days, row[days]]):
                    retry.append(e)
                    continue
                count[days, row[days]] += 1
                sched[e] = row
        return sched

    def improve(self, schedule: np.ndarray, *, rng: np.random.Generator | None = None, max_sweeps: int = 20,
                clock: Any = None, labels_per_second: float | None = None,
                staff: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """Descend from ``schedule`` (feasible); returns (schedule, number of rosters replaced).

        Only the staff in ``staff`` (default all) are re-planned. Stops after a round of batches that replaces
        nothing, after ``max_sweeps`` rounds, or when ``clock.seconds_left()`` runs out (the search work is charged
        to ``clock.charge`` at ``labels_per_second`` label extensions per second of deterministic time; default
        ``LABELS_PER_SECOND``, read at each call)."""
        labels_per_second = LABELS_PER_SECOND if labels_per_second is None else labels_per_second
        p = self.p
        rng = rng or np.random.default_rng(0)
        sched = np.asarray(schedule, dtype=np.int64).copy()
        self.work_done = 0
        replaced = 0
        movable = self.movable if staff is None else np.intersect1d(self.movable, staff)
        if movable.size == 0:
            return sched, 0
        best_obj = float(evaluate_schedule(p, sched, rule_ids=self.rule_ids).objective) if self.exact else 0.0
        size = max(1, min(self._batch_size(), int(movable.size)))
        per_round = -(-movable.size // size)
        quiet = 0  # batches in a row that changed nothing
        perm = movable
        for r in range(max_sweeps * per_round):
            if self._out_of_time(clock, labels_per_second):
                break
            k = r % per_round
            if k == 0 and per_round > 1:
                perm = rng.permutation(movable)
            group = np.sort(perm[k * size:(k + 1) * size])
            found, cost, count = self._respond(sched, group, keep=sched, clock=clock,
                                               labels_per_second=labels_per_second)
            if not found:
                quiet += 1
                if quiet * size >= movable.size:
                    break
                continue
            who = np.array([e for e, _, _ in found])
            rows = np.stack([row for _, row, _ in found])
            gain = np.array([path for _, _, path in found]) - roster_costs(cost, who, sched[who])
            better = (gain < -1e-9) & (rows != sched[who]).any(axis=1)
            # most promising first, ties in random order
            order = np.flatnonzero(better)[np.lexsort((rng.random(int(better.sum())), gain[better]))]
            changed = 0
            for i in order.tolist():
                e, row = int(who[i]), rows[i]
                old = sched[e].copy()
                delta = self._delta(e, old, row, count)
                if delta >= -1e-9:
                    continue
                if self.exact:
                    trial = sched.copy()
                    trial[e] = row
                    ev = evaluate_schedule(p, trial, rule_ids=self.rule_ids)
                    if not ev.is_feasible or ev.objective >= best_obj:
                        continue
                    best_obj = float(ev.objective)
                od = np.flatnonzero(old >= 0)
                count[od, old[od]] -= 1
                nd = np.flatnonzero(row >= 0)
                count[nd, row[nd]] += 1
                sched[e] = row
                changed += 1
            replaced += changed
            quiet = 0 if changed else quiet + 1
            if quiet * size >= movable.size:
                break  # a whole round of batches changed nothing
        return sched, replaced

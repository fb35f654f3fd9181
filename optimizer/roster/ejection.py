"""Ejection chains: move an empty seat from staff member to staff member until someone can fill it.

Staff-wise descent (:mod:`optimizer.roster.descent`) stops where no single staff member's roster can be improved
against everyone else's cover. On rostering benchmarks whose objective is mostly empty seats (Curtois & Qu 12: 43
seats short where the optimum leaves 40), such a local optimum typically has staff who could fill an empty seat
only by giving up a seat of their own that someone else could then take: a move of two or more staff members at
once. An **ejection chain** builds such a move link by link (Glover 1996, "Ejection chains, reference structures
and alternating path methods"; for nurse rostering Burke, Curtois, Qu and Vanden Berghe 2010, "A time
predefined variable depth search for nurse rostering"):

1. pick an empty seat ``(d, s)`` (one more person there lowers the objective);
2. every staff member who may work it (or ``candidates`` of them: with ``fit_first`` those with room for it first,
   the rest drawn at random; doubled after each pass over the empty seats that found nothing, with ``escalate``) gets a
   best response with that cell forced (the labelling search of :mod:`optimizer.roster.pricing`, other values of
   day ``d`` priced out), against everyone else's head-counts;
3. the cheapest of these responses is applied. If the chain so far now lowers the objective, it is kept. If not,
   and the response gave up a seat that is now empty, the chain goes on from that seat (step 2, the staff already
   in the chain excluded); otherwise, or after ``depth`` links, the chain is undone.

**Weekend takeovers** (``takeovers``, off by default) start a chain from a seat that is filled, not empty, while every
empty seat lies on a weekend. Where the weekend limit binds and every empty seat lies on a weekend (Curtois & Qu
13 and 20: all 23 and 46 empty seats of stuck rosters, with 37 and 56 staff-weekends worked on one day only), a
seat is gained only when a weekend worked on one day becomes one worked on both: staff member ``b``, who works day
``x`` of a weekend alone, hands that seat to one who works the weekend's other day alone (a forced response, as in
step 2, among those only); then ``b``, who no longer works that weekend, gets a free best response (it may now
work another weekend, e.g. on an empty seat). If that lowers the objective the move is kept; otherwise the chain
goes on from a seat either gave up, as above.

A link's cost is the objective change of that staff member's new roster (own terms and cover) at the head-counts
as they are then, so a chain's cost is exactly the change of the objective (per-cell terms only: the search is not
used where budgets or fairness terms, which are not sums over cells, are in force). Links whose running cost
exceeds ``slack`` times the first seat's value are not taken (the chain would have to end too far down).
The solver knows nothing of lawyers or stations: only cells, costs and the labelling search's rules.
"""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.roster import constraints as hard
from optimizer.roster import descent as staff_descent
from optimizer.roster.descent import StaffDescent, marginal_cover
from optimizer.roster.params import MODULE_DEFAULT, ModuleDefault
from optimizer.roster.pricing import roster_costs
from optimizer.roster.problem import FREE, RosterProblem

FORCE = 1e9
"""Cost added to every other value of the forced day, so that a response works the forced cell (one that cannot
keeps a cost above the threshold and is not returned)."""
DEPTH = 40
"""Links per chain at most. From a roster of Curtois & Qu instance 12 on which staff-wise descent is stuck (4,347;
optimum 4,040), with every staff member offered each link: chains of at most 4 or 8 links found nothing, 20
reached 4,247, 40 4,151 and 60 4,148-4,149 (seeds 0 and 1), each within 2-7 s."""
SLACK = 0.5
"""A chain's running cost may not exceed this share of the value of the seat it started from."""
CANDIDATES: int | None = 24
"""Staff members offered each link at first (a random sample of those who may work the seat; None: all). From the
same roster of Curtois & Qu instance 12 (4,347), 15 s, seeds 0 and 1: all 4,148 / 4,148 in 6.6 s, 24 4,150 / 4,148
in 3.8-4.7 s, 16 4,248 / 4,249. Whole solves of 13 at 60 s, eight paired seeds: all 2,263.9 against 2,174.4 with 24
(higher in 7 of 8; benchmarks/RESULTS.md, forty-first session)."""
ESCALATE = True
"""After a pass over the empty seats without an improvement, offer each link twice as many staff members (up to
all of them) before counting the pass as stale. From a stuck roster of Curtois & Qu 13 (2,716; 120 staff), 30 s:
24 candidates found nothing in 2.8 s, 60 reached 2,515 in 24 s, all 2,601 in 30 s (still improving)."""
WINDOW: int | None = None
"""Default of ``window``: with an int ``w``, a link re-plans its staff member's days within ``w`` of the forced day
only and keeps the others as they are (long horizons, where a search over every day is too slow); None: every
day."""
WORKERS = 1
"""Default of ``workers``: threads that share each link's search (its candidates split into interleaved parts,
:func:`optimizer.roster.pricing.price_in_parts`; the compiled labelling kernel releases the GIL). The parts find
exactly what one search finds, so the chains are the same with any number of threads, only faster."""
THREAD_MIN_LABELS_PER_DAY = 1000
"""A link's search is shared between threads only when the previous one examined at least this many labels per day
(the per-day steps outside the compiled kernel hold the GIL). Chains from stuck rosters, the same chains either way:
Curtois & Qu 13 (about 4,000 labels a day per link, 18 shift types) 12.4-13.5 s in two threads against 17.7-19.4 s
in one; 15 (about 220) 0.86-1.03 s against 0.82-0.86 s; 20 with 14-day windows (about 360) 5.5-6.4 s against
4.7-4.9 s."""
TAKEOVERS = False
"""Default of ``takeovers``: also start chains from weekend takeovers (module docstring) wherever some staff member
works only one day of a two-day weekend and some other staff member only its other day, while every empty seat lies
on a weekend. Curtois & Qu, 60 s, with candidates that fit offered first, with / without takeovers: 20 6,275 / 6,761
and 6,109 / 6,229 (seeds 0 / 1); 19 3,783 / 3,758 and 3,876 / 4,009; 12 4,150 / 4,141 and 4,040 / 4,342; 13 (seeds
0-3) 2,571 / 2,566, 2,878 / 2,381, 2,607 / 2,891, 2,451 / 2,606. On 15, whose stuck rosters leave 19 of 42 empty
seats on weekdays, takeovers offered everywhere were worse on seeds 0-3 (4,410 / 4,926 / 4,604 / 4,404 against
4,297 / 4,214 / 4,216 / 4,222): hence only while every empty seat is on a weekend. Off by default, with
``FIT_FIRST``: two full runs of instances 1-20 (seeds 0 and 1) with both on gave a mean gap of 25.5% and 25.4% on
13-20 (13 at 112% in both, 20 at 44-48%) against 24.3% in a full run without them on the same machine (seed 0;
13 at 109%, 20 at 35.7%)."""
FIT_FIRST = False
"""Offer a link first to the staff who :meth:`EjectionChains.fits` its seat (room in their minutes, shifts, shifts
of the type and weekends), the rest of its ``candidates`` drawn at random; False: all drawn at random. On Curtois &
Qu 13 and 20, every empty seat of a stuck roster lies on a weekend, and most staff who may work one lack the
minutes or the weekend, so a random sample of 24 rarely holds one who can take it without passing another seat on.
From a stuck roster of 20 (6,168), 20 s of windowed chains, seeds 0-2: 5,944 / 6,053 / 5,942 against 6,054 / 6,058
/ 6,056; from one of 13 (2,726), 30 s: 2,624 / 2,523 / 2,622 against 2,625 / 2,423 / 2,624. Off by default: see
``TAKEOVERS`` for the full runs."""
PASSES = 3
"""Passes over the empty seats (each tried once per pass, ties between links broken at random) without an
improvement, with every candidate offered, before the search gives up."""


@dataclass
class EjectionStats:
    chains: int = 0
    links: int = 0
    improved: int = 0
    gain: float = 0.0


class EjectionChains:
    """Ejection-chain search on rosters of ``problem`` (see the module docstring); ``descent`` supplies the
    per-cell costs and the labelling search (exact totals)."""

    def __init__(self, problem: RosterProblem, descent: StaffDescent, *, depth: int | None = None,
                 slack: float | None = None, passes: int | None = None,
                 candidates: int | None | ModuleDefault = MODULE_DEFAULT, escalate: bool | None = None,
                 window: int | None | ModuleDefault = MODULE_DEFAULT, workers: int | ModuleDefault = MODULE_DEFAULT,
                 takeovers: bool | None = None, fit_first: bool | None = None) -> None:
        depth = DEPTH if depth is None else depth
        # module constants read now, not when the class was defined (``MODULE_DEFAULT``)
        candidates = CANDIDATES if isinstance(candidates, ModuleDefault) else candidates
        window = WINDOW if isinstance(window, ModuleDefault) else window
        workers = WORKERS if isinstance(workers, ModuleDefault) else workers
        slack = SLACK if slack is None else slack
        passes = PASSES if passes is None else passes
        if depth < 1:
            raise ValueError(f"depth: must be >= 1, not {depth}")
        if slack < 0:
            raise ValueError(f"slack: must be >= 0, not {slack}")
        if passes < 1:
            raise ValueError(f"passes: must be >= 1, not {passes}")
        if window is not None and window < 0:
            raise ValueError(f"window: must be None (every day) or >= 0, not {window}")
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: must be an int >= 1, not {workers!r}")
        if candidates is not None and (not isinstance(candidates, int) or candidates < 1):
            raise ValueError(f"candidates: must be None (all) or an int >= 1, not {candidates!r}")
        self.p = problem
        self.descent = descent
        self.depth = depth
        self.slack = slack
        self.passes = passes
        self.candidates = candidates
        self.escalate = ESCALATE if escalate is None else escalate
        self.window = window
        self.workers = workers
        self.takeovers = TAKEOVERS if takeovers is None else takeovers
        self.fit_first = FIT_FIRST if fit_first is None else fit_first
        self.width: int | None = candidates
        """Staff offered each link when the last call of :meth:`improve` ended (``candidates``, doubled by
        ``escalate`` after each pass without an improvement); a call with ``resume`` starts from it, so a search
        cut into time slices widens as one long call would."""
        self._pool: Executor | None = None  # the threads of one call of improve
        self._last_work = 0  # labels the last link's search examined
        self.may = problem.can_work  # who may be put on (d, s) at all (dense: column-generation blocks are small)
        self.stats = EjectionStats()

    @property
    def applies(self) -> bool:
        """Chains are exact only where the objective is a sum over cells: no budget groups and no fairness term of
        positive weight (the descent's ``exact`` flag is set by the rules in force, whatever their weights)."""
        p = self.p
        fair = (p.fair_total_weight > 0 or p.fair_night_weight > 0 or p.fair_weekend_weight > 0) and bool(
            np.any(p.fair_group >= 0))
        budget = p.num_budget_groups > 0 and bool(np.any(p.budget_group >= 0))
        return not self.descent.exact or not (budget or fair)

    def open_seats(self, count: np.ndarray) -> np.ndarray:
        """Int [k, 2]: (day, shift) cells where one more person lowers the objective."""
        gain = marginal_cover(self.p, count, self.descent.active)
        return np.argwhere(gain < -1e-9)

    def fits(self, sched: np.ndarray, d: int, s: int) -> np.ndarray:
        """Bool [E]: staff who could work (d, s) instead of what they work that day without exceeding their total
        minutes, shifts or shifts of that type, or (off that whole weekend) their weekends: necessary for a
        response that gives up no other seat."""
        p = self.p
        work = sched >= 0
        lengths = np.where(work, p.shift_minutes[np.maximum(sched, 0)], 0)
        today = lengths[:, d]
        room = p.max_total_minutes - lengths.sum(axis=1) + today >= p.shift_minutes[s]
        room &= (work.sum(axis=1) - work[:, d]) < p.max_total_shifts
        room &= (sched == s).sum(axis=1) < p.max_shifts_per_type[:, s]
        w = int(p.weekend_idx[d])
        if w >= 0:
            used = hard.worked_weekends(p, sched)
            room &= used[:, w] | (used.sum(axis=1) < p.max_weekends)
        out: np.ndarray = room
        return out

    def takeover_starts(self, sched: np.ndarray) -> np.ndarray:
        """Int [k, 2]: (staff b, day x) where ``b`` works ``x`` but not the other day of that two-day weekend, has
        worked all the weekends allowed (so giving this one up frees one), the cell is the solver's to change, and
        someone who may work ``b``'s shift there works only the other day."""
        p = self.p
        wk = p.weekend_idx
        work = sched >= 0
        full = hard.worked_weekends(p, sched).sum(axis=1) >= p.max_weekends
        out: list[np.ndarray] = []
        for w in range(p.num_weekends):
            days = np.flatnonzero(wk == w)
            if days.size != 2:
                continue
            for x, y in ((days[0], days[1]), (days[1], days[0])):
                alone = work[:, x] & ~work[:, y] & (p.fixed[:, x] == FREE) & full
                partners = ~work[:, x] & work[:, y]
                if not alone.any() or not partners.any():
                    continue
                b = np.flatnonzero(alone)
                ok = (self.may[:, x, :][:, sched[b, x]] & partners[:, None]).any(axis=0)
                out.append(np.stack([b[ok], np.full(int(ok.sum()), x)], axis=1))
        return np.concatenate(out).astype(np.int64) if out else np.zeros((0, 2), dtype=np.int64)

    def _free_response(self, sched: np.ndarray, count: np.ndarray, e: int, limit: float, clock: Any
                       ) -> tuple[np.ndarray, float] | None:
        """The best response of staff member ``e`` (nothing forced) if it differs from their roster and its cost is
        below ``limit``: (roster, objective change), or None."""
        group = np.array([e], dtype=np.int64)
        cost = self.descent._cell_costs(sched, count, group)
        kept = roster_costs(cost, group, sched[group])
        threshold = np.full(self.p.num_staff, -np.inf)
        threshold[e] = kept[0] + limit
        found = self.descent._search(cost, group, keep=None, clock=clock,
                                     labels_per_second=staff_descent.LABELS_PER_SECOND, threshold=threshold)
        if not found or np.array_equal(found[0][1], sched[e]):
            return None
        return found[0][1], float(found[0][2] - kept[0])

    def _link(self, sched: np.ndarray, count: np.ndarray, d: int, s: int, tabu: np.ndarray, limit: float,
              rng: np.random.Generator, clock: Any, width: int | None,
              among: np.ndarray | None = None) -> tuple[int, np.ndarray, float] | None:
        """The cheapest response forced onto (d, s) among staff not in ``tabu`` (and in bool [E] ``among`` when
        given; at most ``width`` of them, those who fit the seat first with ``fit_first``, the rest drawn at random;
        None: all) whose cost is below ``limit``: (staff, roster, objective change), or None."""
        ok = self.may[:, d, s] & ~tabu & (sched[:, d] != s)
        group = np.flatnonzero(ok if among is None else ok & among)
        if group.size == 0:
            return None
        if width is not None and group.size > width:
            if self.fit_first:
                # those who can take the seat without giving up another first, the rest at random
                fits = self.fits(sched, d, s)[group]
                order = np.concatenate([rng.permutation(group[fits]), rng.permutation(group[~fits])])
                group = np.sort(order[:width])
            else:
                group = np.sort(rng.choice(group, size=width, replace=False))
        ds = self.descent
        cost = ds._cell_costs(sched, count, group)
        kept = roster_costs(cost, group, sched[group])
        forced = cost.copy()
        forced[group, d, :] += FORCE
        forced[group, d, s] -= FORCE
        if self.window is not None:
            # days outside the window keep their values (every other value priced out)
            outside = np.ones(self.p.num_days, dtype=bool)
            outside[max(0, d - self.window):d + self.window + 1] = False
            days = np.flatnonzero(outside)
            if days.size:
                rows = sched[np.ix_(group, days)]
                forced[np.ix_(group, days)] += FORCE
                forced[group[:, None], days[None, :], np.where(rows >= 0, rows, self.p.num_shifts)] -= FORCE
        threshold = np.full(self.p.num_staff, -np.inf)
        threshold[group] = kept + limit
        heavy = self._last_work >= THREAD_MIN_LABELS_PER_DAY * self.p.num_days
        found = ds._search(forced, group, keep=None, clock=clock,
                           labels_per_second=staff_descent.LABELS_PER_SECOND, threshold=threshold,
                           pool=self._pool if heavy else None, parts=self.workers)
        self._last_work = ds.batch_work
        if not found:
            return None
        who = np.array([e for e, _, _ in found])
        delta = np.array([path for _, _, path in found]) - kept[np.searchsorted(group, who)]
        best = np.flatnonzero(delta <= delta.min() + 1e-9)
        i = int(best[rng.integers(best.size)])
        return int(who[i]), found[i][1], float(delta[i])

    def improve(self, schedule: np.ndarray, *, rng: np.random.Generator, clock: Any,
                max_chains: int | None = None, resume: bool = False) -> tuple[np.ndarray, float]:
        """Chains from random empty seats until ``clock`` runs out, ``max_chains`` have been tried, or every empty
        seat has been tried since the last improvement; returns (schedule, objective change). With ``resume`` the
        links are offered as many staff as when the last call ended (:attr:`width`), else ``candidates``."""
        if not resume:
            self.width = self.candidates
        if self.workers < 2:
            return self._improve(schedule, rng=rng, clock=clock, max_chains=max_chains)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            self._pool = pool
            try:
                return self._improve(schedule, rng=rng, clock=clock, max_chains=max_chains)
            finally:
                self._pool = None

    def _improve(self, schedule: np.ndarray, *, rng: np.random.Generator, clock: Any,
                 max_chains: int | None) -> tuple[np.ndarray, float]:
        p = self.p
        sched = np.asarray(schedule, dtype=np.int64).copy()
        count = hard.staffed(p, sched)
        total = 0.0
        tried: set[tuple[int, int, int]] = set()
        chains = 0
        stale = 0  # passes over every empty seat without an improvement, at full width
        width = self.width  # staff offered each link (escalated after a pass without an improvement)
        while clock.seconds_left() > 0.05 and (max_chains is None or chains < max_chains):
            starts = [x for x in self._starts(sched, count) if x not in tried]
            if not starts:
                if self.escalate and width is not None and width < p.num_staff:
                    width = 2 * width if 2 * width < p.num_staff else None
                    self.width = width
                else:
                    stale += 1
                tried.clear()
                starts = self._starts(sched, count)
                if stale >= self.passes or not starts:
                    break
            start = starts[int(rng.integers(len(starts)))]
            tried.add(start)
            chains += 1
            self.stats.chains += 1
            gain = marginal_cover(p, count, self.descent.active)
            tabu = np.zeros(p.num_staff, dtype=bool)
            undo: list[tuple[int, np.ndarray]] = []
            kind, a, b = start
            if kind == 0:
                d, s = a, b
                value = -float(gain[d, s])
                running, kept = self._extend(sched, count, d, s, value, tabu, undo, 0.0, self.depth, rng, clock,
                                             width)
            else:
                running, kept = self._takeover(sched, count, a, b, -float(gain.min()), tabu, undo, rng, clock, width)
            if kept:
                self.stats.improved += 1
                self.stats.gain -= running
                total += running
                tried.clear()
                stale = 0
                continue
            for e, old in reversed(undo):  # a chain that found no improvement is undone
                _move(count, sched[e], old)
                sched[e] = old
        return sched, total

    def _starts(self, sched: np.ndarray, count: np.ndarray) -> list[tuple[int, int, int]]:
        """Chain starts: (0, day, shift) for each empty seat, then (1, staff, day) for each weekend takeover (only
        while some seat is empty and every empty seat lies on a weekend)."""
        open_seats = self.open_seats(count)
        seats = [(0, d, s) for d, s in open_seats.tolist()]
        if not seats or not self.takeovers or np.any(self.p.weekend_idx[open_seats[:, 0]] < 0):
            return seats
        return seats + [(1, b, x) for b, x in self.takeover_starts(sched).tolist()]

    def _apply(self, sched: np.ndarray, count: np.ndarray, e: int, row: np.ndarray, tabu: np.ndarray,
               undo: list[tuple[int, np.ndarray]]) -> np.ndarray:
        """Give staff member ``e`` roster ``row`` (undoably); returns the seats (int [k, 2]: day, shift) they gave up
        that are now empty."""
        self.stats.links += 1
        old = sched[e].copy()
        undo.append((e, old))
        _move(count, old, row)
        sched[e] = row
        tabu[e] = True
        dropped = np.flatnonzero((old >= 0) & (row != old))
        gain = marginal_cover(self.p, count, self.descent.active)
        empty = dropped[gain[dropped, old[dropped]] < -1e-9]
        return np.stack([empty, old[empty]], axis=1)

    def _extend(self, sched: np.ndarray, count: np.ndarray, d: int, s: int, value: float, tabu: np.ndarray,
                undo: list[tuple[int, np.ndarray]], running: float, depth: int, rng: np.random.Generator,
                clock: Any, width: int | None) -> tuple[float, bool]:
        """Hand the empty seat (d, s) on for at most ``depth`` links; returns (running cost, improved)."""
        for _ in range(depth):
            link = self._link(sched, count, d, s, tabu, self.slack * value - running, rng, clock, width)
            if link is None:
                break
            e, row, delta = link
            empty = self._apply(sched, count, e, row, tabu, undo)
            running += delta
            if running < -1e-9:
                return running, True
            # the seats this link gave up that are now empty: the chain goes on from one of them
            if empty.shape[0] == 0:
                break
            d, s = (int(v) for v in empty[rng.integers(empty.shape[0])])
        return running, False

    def _takeover(self, sched: np.ndarray, count: np.ndarray, b: int, x: int, value: float, tabu: np.ndarray,
                  undo: list[tuple[int, np.ndarray]], rng: np.random.Generator, clock: Any,
                  width: int | None) -> tuple[float, bool]:
        """Weekend takeover of ``b``'s seat on day ``x`` (module docstring), then the chain from a seat given up;
        ``value`` is that of the most valuable empty seat. Returns (running cost, improved)."""
        p = self.p
        s = int(sched[b, x])
        both = np.flatnonzero(p.weekend_idx == p.weekend_idx[x])
        y = int(both[both != x][0])
        partners = (sched[:, x] < 0) & (sched[:, y] >= 0)
        tabu[b] = True
        # the partner may give up about one seat's value, which b's free response is to win back
        link = self._link(sched, count, x, s, tabu, (1 + self.slack) * value, rng, clock, width, among=partners)
        if link is None:
            return 0.0, False
        a, row, running = link
        seats = self._apply(sched, count, a, row, tabu, undo)
        freed = self._free_response(sched, count, b, self.slack * value - running, clock)
        if freed is not None:
            seats = np.concatenate([seats, self._apply(sched, count, b, freed[0], tabu, undo)])
            running += freed[1]
        if running < -1e-9:
            return running, True
        if running > self.slack * value:
            return running, False
        gain = marginal_cover(p, count, self.descent.active)
        seats = seats[gain[seats[:, 0], seats[:, 1]] < -1e-9]  # b may have taken one of a's back
        if seats.shape[0] == 0:
            return running, False
        d, s2 = (int(v) for v in seats[rng.integers(seats.shape[0])])
        return self._extend(sched, count, d, s2, value, tabu, undo, running, self.depth - 2, rng, clock, width)


def _move(count: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
    """Head-counts after a staff member's roster ``old`` is replaced by ``new``."""
    od = np.flatnonzero(old >= 0)
    np.subtract.at(count, (od, old[od]), 1)
    nd = np.flatnonzero(new >= 0)
    np.add.at(count, (nd, new[nd]), 1)

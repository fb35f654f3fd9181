"""Weekends first: who works which weekend, solved before the rest of a long roster, then a roster guided to it.

Where each staff member may work only some of the weekends (``max_weekends``), weekend seats are the scarcest
resource: an empty weekend seat is filled only by someone who works both days of their weekends instead of one,
or gives up another weekend, and no move of one staff member does that (see the weekend-swap neighbourhood of
:mod:`optimizer.roster.solve`). On Curtois & Qu instance 20 (50 staff, 182 days, 13 of 26 weekends each), every
empty seat of the rosters that staff-wise descent and LNS reach lies on a weekend (50-51 of them), and weekdays are
over-covered (the minimum minutes force about 660 shifts more than the weekday cover asks for).

So the weekend days are planned first, alone (:func:`weekend_problem`): every free weekday cell fixed off, and the
rules that only make sense over whole runs of days dropped (minimum and maximum consecutive days, minimum days off
in a row, minimum total minutes, fairness). What remains (one shift a day, Saturday-to-Sunday successions, allowed
shift types, unavailable days, maximum weekends, per-type and total maxima, cover, requests on weekend days) is a
model of about a fifth of the variables, which CP-SAT solves far better than the whole roster (instance 20: 39-43
empty weekend seats in 15 s, against the 50-51 the whole-roster search ends with in 60 s), and HiGHS better still as
a MIP (:func:`weekend_mip`: proven optimal, 39, in about a second). Its roster is no roster of the whole problem
(weekdays are empty), and its objective charges every weekday seat as empty; less those weekday points, its bound
is a bound of the whole problem (any roster's weekend days are a plan of the weekend problem).

The whole roster is then built by best responses and staff-wise descent on the *guided* problem
(:func:`guided_problem`): each weekend cell that roster works becomes a shift-on request of the staff member for
that shift, worth a share of the seat's under-cover weight. Each staff member's best response then takes their
planned weekends where their weekday rules allow it and gives up a planned weekend day only for more than it is
worth. The result is a feasible roster of the real problem, from which the usual descent and LNS go on.

On horizons short enough for column generation, the weekend MIP is solved too (:func:`weekend_mip`: the cover LP's
model of the weekend days, integral, with the Saturday-to-Sunday successions; proven optimal within seconds on every
Curtois & Qu instance), for its bound of the whole problem; where its plan
leaves weekend seats empty even so and column generation cannot converge in time (instance 13, 120 staff), the
roster is solved with the weekend cells fixed to the plan (:func:`fixed_weekends`) before the final search on the
whole problem (``optimizer.roster.solve.WEEKEND_FIX_SHARE``). Plans of equal weekend points differ widely in how
well the weekdays fit around them (13: the master LP of the roster with one optimal plan fixed converges to 1,794,
with another to 1,393), so the plan fixed there is steered (``guide``) towards the fractional rosters of a master
LP of the whole problem that column generation reached in the time it had
(``optimizer.roster.solve.WEEKEND_LP_SHARE``).

Where the weekend seats outnumber the weekend days the staff may work at all, or fall short of them by at most
``COMPLETE_WEEKENDS_SLACK``, the labelling search builds only complete weekends (both days or neither,
:func:`complete_weekends`), on any horizon: a lone weekend day there wastes a weekend day that no one else may work.

Source: practice of rostering heuristics: decomposing by the most constrained resource first (e.g. weekend
patterns assigned before shifts, as in Burke et al., "The state of the art of nurse rostering", J. Scheduling 7,
2004, section on decomposition), measured here on the Curtois & Qu instances (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.constraints import staffed
from optimizer.roster.cover_lp import cover_lp_relaxation
from optimizer.roster.evaluate import evaluate_schedule, select_rules
from optimizer.roster.problem import FREE, OFF, RosterProblem

DROPPED_RULES = frozenset({hard.MIN_TOTAL_MINUTES, hard.MAX_CONSECUTIVE_DAYS, hard.MIN_CONSECUTIVE_DAYS,
                           hard.MIN_CONSECUTIVE_DAYS_OFF, soft.FAIR_TOTAL_SHIFTS, soft.FAIR_NIGHT_SHIFTS,
                           soft.FAIR_WEEKEND_SHIFTS})
"""Rules and terms left out of the weekend problem: with every weekday off they would judge runs and totals that
the weekdays complete later (a lone Saturday is a run of one day until its Friday is planned)."""


def weekends_bind(problem: RosterProblem, rule_ids: tuple[str, ...] | None = None) -> bool:
    """Whether planning weekends first applies: the maximum-weekends rule and the under-cover term are in force,
    the horizon holds at least two weekends, some weekend day asks for cover, and some staff member with free
    weekend cells may work fewer weekends than the horizon has."""
    p = problem
    ids = {r.id for r in select_rules(rule_ids)}
    if hard.MAX_WEEKENDS not in ids or soft.UNDER_COVER not in ids or p.num_weekends < 2:
        return False
    weekend = p.weekend_idx >= 0
    if not np.any(p.cover_min[weekend] > 0):
        return False
    free_weekend = ((p.fixed == FREE) & weekend[None, :]).any(axis=1)
    return bool(np.any(free_weekend & (p.max_weekends < p.num_weekends)))


COMPLETE_WEEKENDS = True
"""Let :func:`complete_weekends` restrict the labelling search (False: never)."""
COMPLETE_WEEKENDS_SLACK = 0.025
""":func:`complete_weekends` restricts the search also where the weekend seats fall short of the weekend days the
staff may work by at most this share of those days. Where the two nearly match, each lone weekend day beyond the
few spare days is an empty seat as well. Curtois & Qu 20 (1,239 seats, 1,260 days; the only other instance it
reaches is 8, 133 and 134): 5,659.6 against 5,948.6 over eight paired 60 s seeds (-289.0 ± 114.5, lower in 6);
8: 1,355.8 against 1,354.0 over four (within 1% in 2 of 4 either way).
13 (482 seats, 500 days) lost with a share of 0.1 (+108.0 ± 75.1 over four pairs; with it, 25 of a roster's 32
lone weekend days moved to weekends with one day the staff member may work, which the restriction does not reach,
against 3 of 33 without), so the share stays below its 3.6% (benchmarks/RESULTS.md, forty-third session)."""


def complete_weekends(problem: RosterProblem, rule_ids: set[str] | frozenset[str] | tuple[str, ...]) -> np.ndarray:
    """Bool [E, W]: the two-day weekends on which the labelling search (:mod:`optimizer.roster.pricing`) lets staff
    member ``e`` work both days or neither, never one alone. All False unless the maximum-weekends rule is among
    ``rule_ids`` and the weekend seats that under-cover penalises outnumber the weekend days the staff may work
    at all (twice the weekends each may work, counting only weekends with a day they may work), or fall short of
    them by at most ``COMPLETE_WEEKENDS_SLACK`` of those days; then True on each
    weekend whose two days are both free and workable for a staff member whose limit is below their workable
    weekends.

    There, every weekend day left unworked by someone who uses up that weekend is one more empty seat (beyond the
    few spare days, where seats nearly match), so a roster that works a lone Saturday or Sunday wastes a seat no
    other move wins back (Curtois & Qu instances 1-7, 10-12, 14 and 16-19: instance 19 has 535 weekend seats for
    516 weekend days; within the slack, 8 and 20: 1,239 seats for 1,260 days). The restriction narrows only
    the heuristic searches (construction, staff-wise descent, ejection chains, the labelling pricing of column
    generation): CP-SAT, the exact pricing and every bound keep the whole problem, and every roster found keeps
    the real rules. Source: the "complete weekends" rule of nurse rostering practice (e.g. INRC-II,
    Ceschia et al. 2019), used here as a search restriction; measured in ``benchmarks/RESULTS.md``."""
    p = problem
    E, W = p.num_staff, p.num_weekends
    out = np.zeros((E, max(W, 1)), dtype=bool)
    if not COMPLETE_WEEKENDS or hard.MAX_WEEKENDS not in set(rule_ids) or W == 0:
        return out
    idx = p.weekend_idx
    weekend = idx >= 0
    seats = int(np.sum(np.where(p.under_weight[weekend] > 0, p.cover_min[weekend], 0)))
    may = np.any(p.is_allowed & (p.max_shifts_per_type > 0), axis=1).reshape(-1)  # [E]
    workable = p.is_free & ~p.is_unavailable & may[:, None]  # [E, D]
    onehot = (idx[:, None] == np.arange(W)[None, :]).astype(np.int64)  # [D, W]
    days_workable = workable.astype(np.int64) @ onehot  # [E, W]
    open_weekends = (days_workable > 0).sum(axis=1)  # [E] weekends with a day the staff member may work
    if seats <= 2 * int(np.minimum(p.max_weekends, open_weekends).sum()) * (1.0 - COMPLETE_WEEKENDS_SLACK):
        return out
    two_days = onehot.sum(axis=0) == 2
    limited = p.max_weekends < open_weekends
    out[:, :W] = (days_workable == 2) & two_days[None, :] & limited[:, None]
    return out


def weekend_problem(problem: RosterProblem, rule_ids: tuple[str, ...] | None = None
                    ) -> tuple[RosterProblem, tuple[str, ...]]:
    """The weekend days alone: ``problem`` with every free weekday cell fixed off, and the rule ids (those in
    force but :data:`DROPPED_RULES`) to model it with."""
    p = problem
    weekday = (p.weekend_idx < 0)[None, :]
    fixed = np.where(weekday & (p.fixed == FREE), OFF, p.fixed).astype(np.int64)
    ids = tuple(r.id for r in select_rules(rule_ids) if r.id not in DROPPED_RULES)
    return p.replace(fixed=fixed), ids


def guided_problem(problem: RosterProblem, roster: np.ndarray, *, weight_share: float,
                   rule_ids: tuple[str, ...] | None = None) -> tuple[RosterProblem, tuple[str, ...] | None]:
    """``problem`` with a shift-on request for every free weekend cell ``roster`` works, each worth
    ``weight_share`` of that seat's under-cover weight (at least 1 point), and the rule ids to judge it by (those
    given plus the shift-on requests). Raises ``ValueError`` naming ``roster`` when its shape is wrong or
    ``weight_share`` when it is not positive."""
    p = problem
    roster = np.asarray(roster)
    if roster.shape != (p.num_staff, p.num_days):
        raise ValueError(f"roster: expected shape {(p.num_staff, p.num_days)}, got {roster.shape}")
    if not weight_share > 0:
        raise ValueError(f"weight_share: must be > 0, got {weight_share}")
    planned = (roster >= 0) & (p.fixed == FREE) & (p.weekend_idx >= 0)[None, :]
    e, d = np.nonzero(planned)
    s = roster[e, d].astype(np.int64)
    weight = np.maximum(np.rint(weight_share * p.under_weight[d, s]), 1).astype(np.int64)
    guided = p.replace(
        on_request_staff=np.concatenate([p.on_request_staff, e]).astype(np.int64),
        on_request_day=np.concatenate([p.on_request_day, d]).astype(np.int64),
        on_request_shift=np.concatenate([p.on_request_shift, s]).astype(np.int64),
        on_request_weight=np.concatenate([p.on_request_weight, weight]).astype(np.int64))
    ids = None if rule_ids is None else tuple(dict.fromkeys((*rule_ids, soft.SHIFT_ON_REQUESTS)))
    return guided, ids


@dataclass
class WeekendPlan:
    """Result of :func:`weekend_mip`.

    Attributes
    ----------
    plan : int64 array [E, D]
        Shift of each staff member on each weekend day (-1 off); weekdays off except fixed cells. It keeps every
        rule of the weekend problem.
    optimal : bool
        Whether HiGHS proved the plan optimal for the weekend problem.
    bound : float
        Valid lower bound on the objective of the *whole* problem: the MIP's dual bound less the points the weekend
        problem charges on weekdays (every weekday term is non-negative and weekend terms can only be as low as
        the weekend problem's optimum).
    short : int
        Weekend seats (under-cover) the plan leaves empty.
    """

    plan: np.ndarray
    optimal: bool
    bound: float
    short: int


def weekend_mip(problem: RosterProblem, rule_ids: tuple[str, ...] | None = None, *, time_limit_s: float = 10.0,
                guide: np.ndarray | None = None, guide_weight: float = 0.0, lone_days: bool = False
                ) -> WeekendPlan | None:
    """The weekend problem (:func:`weekend_problem`) solved as a MIP by HiGHS: the cover LP's model
    (:func:`optimizer.roster.cover_lp.cover_lp_relaxation`) of the weekend days, integral, with the forbidden
    successions from Saturday to Sunday. None when HiGHS finds no plan in ``time_limit_s`` or the plan breaks a
    rule of the weekend problem that the model does not keep.

    On the Curtois & Qu instances it is proven optimal in 0.0-2.6 s (instance 13: 2.4 s, where CP-SAT on the same
    problem was still 33 points off after 60 s), and its optimal plan leaves weekend seats empty in 19 of the 20,
    with every weekday free of rules. Source: the integer programme of
    the cover problem (Burke et al. 2004), restricted to the weekend days; measured in ``benchmarks/RESULTS.md``.

    With ``guide`` (float ``[E, D, S]``, e.g. a master LP's fractional rosters of the whole problem,
    :meth:`optimizer.roster.columns.ColumnGeneration.lp_cells`), the plan is the optimum of the weekend problem
    plus a preference for the guide (:func:`guide_costs`, ``guide_weight`` points per unit of disagreement, solved
    to a gap of zero): among plans of (nearly) equal weekend points, one whose weekdays the guide found room for.
    Its ``bound`` is then ``-inf``. Raises ``ValueError`` naming ``guide`` when its shape is wrong.

    With ``lone_days``, the rows of :func:`lone_day_pairs` keep out lone weekend days that no roster of the whole
    problem can keep. They are valid, but on 13 they slowed the unsteered MIP from 1.2 s to 14.9 s (the steered
    one took 0.7 s with them), so they are asked for only where the plan is to be fixed."""
    extra = None if guide is None else guide_costs(problem, guide, guide_weight)
    sub, sub_rules = weekend_problem(problem, rule_ids)
    lp = cover_lp_relaxation(sub, rule_ids=sub_rules, time_limit_s=time_limit_s, integral=True,
                             succession_rows=True, arc_extra=extra, exact=guide is not None,
                             implied_work=lone_day_pairs(problem, rule_ids) if lone_days else None)
    if lp.guide is None:
        return None
    plan = lp.guide
    ev = evaluate_schedule(sub, plan, rule_ids=sub_rules)
    if not ev.is_feasible:
        return None
    weekday = problem.weekend_idx < 0
    charged = 0
    for mt in ev.matches.values():
        on_day = mt.day >= 0
        charged += int(mt.amount[on_day][weekday[mt.day[on_day]]].sum())
    weekend = ~weekday
    short = np.where(problem.under_weight > 0, np.maximum(problem.cover_min - staffed(problem, plan), 0), 0)
    bound = float(lp.bound - charged) if guide is None else -math.inf
    return WeekendPlan(plan=plan, optimal=lp.status == "optimal", bound=bound, short=int(short[weekend].sum()))


def lone_day_pairs(problem: RosterProblem, rule_ids: tuple[str, ...] | None = None) -> np.ndarray:
    """Int ``[K, 3]`` rows ``(staff, day, other day)``: where runs of at least two worked days are asked for
    (minimum consecutive days in force), a weekend day whose neighbour outside the weekend cannot be worked
    (unavailable, or fixed off) is worked only with the other day of its weekend. The weekend problem drops the
    run rules, so without these its plan may work a lone Saturday after an unavailable Friday, which no roster of
    the whole problem can keep (Curtois & Qu 13: one such plan left the weekends-fixed phase without a roster).
    Every roster of the whole problem keeps them, so the MIP's bound stays valid. Only free, workable weekend
    days of consecutive two-day weekends are paired."""
    p = problem
    out = np.zeros((0, 3), dtype=np.int64)
    if hard.MIN_CONSECUTIVE_DAYS not in {r.id for r in select_rules(rule_ids)} or p.num_days < 2:
        return out
    idx = p.weekend_idx
    D = p.num_days
    first = np.flatnonzero((idx[:-1] >= 0) & (idx[:-1] == idx[1:]))  # days followed by a day of their weekend
    sat = first[(first == 0) | (idx[np.maximum(first - 1, 0)] != idx[first])]
    sat = sat[(sat + 2 >= D) | (idx[np.minimum(sat + 2, D - 1)] != idx[sat])]  # first days of two-day weekends
    workable = (p.is_free & ~p.is_unavailable) | (p.fixed >= 0)
    runs = p.min_consecutive_days >= 2  # [E]
    pairs = []
    for day, other, outside in ((sat, sat + 1, sat - 1), (sat + 1, sat, sat + 2)):
        inside = (outside >= 0) & (outside < D)
        day, other, outside = day[inside], other[inside], outside[inside]
        blocked = ~workable[:, outside] & p.is_free[:, day] & ~p.is_unavailable[:, day] & runs[:, None]
        e, k = np.nonzero(blocked)
        pairs.append(np.stack([e, day[k], other[k]], axis=1))
    return np.concatenate([out, *pairs]).astype(np.int64)


def guide_costs(problem: RosterProblem, guide: np.ndarray, weight: float) -> np.ndarray:
    """Float ``[E, D, S]``: the cost that steers a plan towards ``guide`` (``[E, D, S]``, values in 0..1, at most
    1 per cell): working shift ``s`` on a cell costs ``weight`` times the guide's weight of being off there, less
    ``weight`` times its weight of that shift. Against a 0/1 guide, a plan pays ``-weight`` per cell it works as
    the guide does, ``+weight`` per cell it works where the guide is off, and 0 per cell off. Raises
    ``ValueError`` naming ``guide`` when its shape is wrong or ``guide_weight`` when the weight is negative."""
    p = problem
    guide = np.asarray(guide, dtype=np.float64)
    if guide.shape != (p.num_staff, p.num_days, p.num_shifts):
        raise ValueError(f"guide: expected shape {(p.num_staff, p.num_days, p.num_shifts)}, got {guide.shape}")
    if not weight >= 0:
        raise ValueError(f"guide_weight: must be >= 0, got {weight}")
    off = np.clip(1.0 - guide.sum(axis=2), 0.0, 1.0)
    return weight * (off[:, :, None] - guide)


def fixed_weekends(problem: RosterProblem, plan: np.ndarray) -> RosterProblem:
    """``problem`` with every free weekend cell fixed to ``plan`` (its shift, or off). Raises ``ValueError``
    naming ``plan`` when its shape is wrong."""
    p = problem
    plan = np.asarray(plan)
    if plan.shape != (p.num_staff, p.num_days):
        raise ValueError(f"plan: expected shape {(p.num_staff, p.num_days)}, got {plan.shape}")
    cells = (p.fixed == FREE) & (p.weekend_idx >= 0)[None, :]
    fixed = np.where(cells, np.where(plan >= 0, plan, OFF), p.fixed).astype(np.int64)
    return p.replace(fixed=fixed)

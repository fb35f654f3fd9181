"""Each roster rule and term alone, on tiny hand-built problems.

For every rule: its evaluator on satisfied, violated and boundary schedules (exact violation counts or
penalty points), then a solve with only that rule (plus the cover term that creates pressure against it),
whose optimum is worked out by hand in the test and whose roster the independent checker
(``tests/roster_checker.py``) accepts.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.roster import RosterParams, RosterProblem, solve
from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.stop import Stop

try:  # tests/ may or may not become a package
    from tests.roster_checker import evaluate, roster_from_schedule, spec_from_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import evaluate, roster_from_schedule, spec_from_problem

STOP = Stop(time_limit_s=5, rel_gap=0.0)


def make(E: int = 1, D: int = 3, S: int = 1, **fields: object) -> RosterProblem:
    """A problem with no demand and no limits except the given fields."""
    base: dict[str, object] = {"cover_min": np.zeros((D, S), dtype=int), "is_allowed": np.ones((E, S), dtype=bool)}
    base.update(fields)
    return RosterProblem(**base)  # type: ignore[arg-type]


def sched(*rows: list[int]) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


def solve_only(problem: RosterProblem, *rule_ids: str):  # type: ignore[no-untyped-def]
    """Solve with only these rules; the checker must accept the roster (hard rules) and agree on the terms."""
    result = solve(problem, params=RosterParams(rule_ids=rule_ids), stop=STOP, seed=0)
    assert result.status.value == "optimal"
    report = evaluate(spec_from_problem(problem), roster_from_schedule(result.schedule))
    assert report.feasible, report.violations
    return result


def cover(D: int, S: int, cells: dict[tuple[int, int], int]) -> np.ndarray:
    out = np.zeros((D, S), dtype=int)
    for (d, s), n in cells.items():
        out[d, s] = n
    return out


# ----------------------------------------------------------------------------------------------- hard rules
def test_one_shift_per_day() -> None:
    """A value outside [-1, S) is one violation; a solve puts one person on at most one of two shifts."""
    p = make(S=2)
    assert len(hard.evaluate_one_shift_per_day(p, sched([0, 1, -1]))) == 0
    assert len(hard.evaluate_one_shift_per_day(p, sched([2, 1, -1]))) == 1
    p = make(D=1, S=2, cover_min=np.array([[1, 1]]))
    r = solve_only(p, hard.ONE_SHIFT_PER_DAY, soft.UNDER_COVER)
    assert r.objective == 100 and (r.schedule >= 0).sum() == 1


def test_allowed_shift_types() -> None:
    """A disallowed shift type (or one with max 0) is a violation and stays uncovered in a solve."""
    p = make(S=2, is_allowed=np.array([[True, False]]))
    assert len(hard.evaluate_allowed_shift_types(p, sched([0, 0, -1]))) == 0
    assert len(hard.evaluate_allowed_shift_types(p, sched([1, 0, 1]))) == 2
    q = make(S=2, max_shifts_per_type=np.array([[3, 0]]))
    assert len(hard.evaluate_allowed_shift_types(q, sched([1, -1, -1]))) == 1
    r = solve_only(p.replace(cover_min=cover(3, 2, {(0, 1): 1})), hard.ALLOWED_SHIFT_TYPES, soft.UNDER_COVER)
    assert r.objective == 100 and np.all(r.schedule != 1)


def test_unavailable_days() -> None:
    """Work on an unavailable day is a violation; a solve leaves that day empty."""
    p = make(is_unavailable=np.array([[False, True, False]]), cover_min=np.ones((3, 1), dtype=int))
    assert len(hard.evaluate_unavailable_days(p, sched([0, -1, 0]))) == 0
    assert len(hard.evaluate_unavailable_days(p, sched([0, 0, 0]))) == 1
    r = solve_only(p, hard.UNAVAILABLE_DAYS, soft.UNDER_COVER)
    assert r.objective == 100 and r.schedule.tolist() == [[0, -1, 0]]


def test_fixed_assignments() -> None:
    """Fixed cells keep their value in a solve; a fixed cell that breaks another rule is reported, not changed."""
    p = make(fixed=np.array([[-2, -1, 0]]), cover_min=np.ones((3, 1), dtype=int))
    assert len(hard.evaluate_fixed_assignments(p, sched([0, -1, 0]))) == 0
    assert len(hard.evaluate_fixed_assignments(p, sched([0, 0, -1]))) == 2
    r = solve_only(p, hard.FIXED_ASSIGNMENTS, soft.UNDER_COVER)
    assert r.objective == 100 and r.schedule.tolist() == [[0, -1, 0]]
    q = p.replace(is_unavailable=np.array([[False, False, True]]))
    r = solve(q, stop=STOP)
    assert r.schedule[0, 2] == 0 and r.violations[hard.UNAVAILABLE_DAYS] == 1 and not r.is_feasible


def test_forbidden_successions() -> None:
    """Class b after class a is forbidden on consecutive days only, also from the history's last class."""
    # shifts: 0 early (class 0), 1 early at another post (class 0), 2 night (class 1); night -> early forbidden
    fn = np.array([[False, False], [True, False]])
    p = make(D=3, S=3, shift_class=np.array([0, 0, 1]), forbidden_next=fn)
    assert len(hard.evaluate_forbidden_successions(p, sched([2, 0, -1]))) == 1
    assert len(hard.evaluate_forbidden_successions(p, sched([2, 1, -1]))) == 1
    assert len(hard.evaluate_forbidden_successions(p, sched([0, 2, 2]))) == 0
    assert len(hard.evaluate_forbidden_successions(p, sched([2, -1, 0]))) == 0
    h = p.replace(history_work_run=np.array([1]), history_off_run=np.array([0]), history_last_class=np.array([1]))
    assert len(hard.evaluate_forbidden_successions(h, sched([1, -1, -1]))) == 1
    demand = cover(3, 3, {(0, 2): 1, (1, 1): 1})
    r = solve_only(p.replace(cover_min=demand), hard.FORBIDDEN_SUCCESSIONS, soft.UNDER_COVER)
    assert r.objective == 100
    r = solve_only(h.replace(cover_min=cover(3, 3, {(0, 0): 1, (1, 0): 1})), hard.FORBIDDEN_SUCCESSIONS,
                   soft.UNDER_COVER)
    assert r.objective == 100 and r.schedule[0, 0] == -1


def test_max_shifts_per_type() -> None:
    """At most max shifts of a type; exactly max is allowed."""
    p = make(max_shifts_per_type=np.array([[2]]), cover_min=np.ones((3, 1), dtype=int))
    assert len(hard.evaluate_max_shifts_per_type(p, sched([0, 0, -1]))) == 0
    assert len(hard.evaluate_max_shifts_per_type(p, sched([0, 0, 0]))) == 1
    assert solve_only(p, hard.MAX_SHIFTS_PER_TYPE, soft.UNDER_COVER).objective == 100


def test_max_total_shifts() -> None:
    """At most max shifts in all, counted over every type."""
    p = make(S=2, max_total_shifts=np.array([2]), cover_min=cover(3, 2, {(0, 0): 1, (1, 1): 1, (2, 0): 1}))
    assert len(hard.evaluate_max_total_shifts(p, sched([0, 1, -1]))) == 0
    assert len(hard.evaluate_max_total_shifts(p, sched([0, 1, 0]))) == 1
    assert solve_only(p, hard.MAX_TOTAL_SHIFTS, soft.UNDER_COVER).objective == 100


def test_min_total_minutes() -> None:
    """At least min minutes; a solve works extra days even at an over-cover cost; unreachable minimum reported."""
    p = make(min_total_minutes=np.array([960]))
    assert len(hard.evaluate_min_total_minutes(p, sched([0, 0, -1]))) == 0
    assert len(hard.evaluate_min_total_minutes(p, sched([0, -1, -1]))) == 1
    r = solve_only(p, hard.MIN_TOTAL_MINUTES, soft.OVER_COVER)
    assert r.objective == 2 and (r.schedule >= 0).sum() == 2
    q = p.replace(is_unavailable=np.array([[True, True, False]]))
    r = solve(q, params=RosterParams(rule_ids=(hard.MIN_TOTAL_MINUTES, soft.OVER_COVER)), stop=STOP)
    assert r.schedule.tolist() == [[-1, -1, 0]] and r.violations[hard.MIN_TOTAL_MINUTES] == 1


def test_max_total_minutes() -> None:
    """At most max minutes, shift lengths counted."""
    p = make(D=2, S=2, shift_minutes=np.array([480, 600]), max_total_minutes=np.array([1080]),
             cover_min=cover(2, 2, {(0, 1): 1, (1, 1): 1}))
    assert len(hard.evaluate_max_total_minutes(p, sched([1, 0]))) == 0
    assert len(hard.evaluate_max_total_minutes(p, sched([1, 1]))) == 1
    assert solve_only(p, hard.MAX_TOTAL_MINUTES, soft.UNDER_COVER).objective == 100


def test_max_consecutive_days() -> None:
    """A run of max days is allowed, max + 1 is not; the history run counts."""
    p = make(D=4, max_consecutive_days=np.array([2]), cover_min=np.ones((4, 1), dtype=int))
    assert len(hard.evaluate_max_consecutive_days(p, sched([0, 0, -1, 0]))) == 0
    assert len(hard.evaluate_max_consecutive_days(p, sched([0, 0, 0, -1]))) == 1
    h = p.replace(history_work_run=np.array([2]), history_off_run=np.array([0]))
    assert len(hard.evaluate_max_consecutive_days(h, sched([-1, 0, 0, -1]))) == 0
    assert len(hard.evaluate_max_consecutive_days(h, sched([0, -1, 0, 0]))) == 1
    assert solve_only(p, hard.MAX_CONSECUTIVE_DAYS, soft.UNDER_COVER).objective == 100
    r = solve_only(h, hard.MAX_CONSECUTIVE_DAYS, soft.UNDER_COVER)
    assert r.objective == 200 and r.schedule[0, 0] == -1


def test_min_consecutive_days() -> None:
    """Closed runs shorter than min are forbidden; runs at the horizon's edges are exempt unless history is known."""
    p = make(D=5, min_consecutive_days=np.array([2]))
    assert len(hard.evaluate_min_consecutive_days(p, sched([-1, 0, -1, -1, -1]))) == 1
    assert len(hard.evaluate_min_consecutive_days(p, sched([-1, 0, 0, -1, -1]))) == 0
    assert len(hard.evaluate_min_consecutive_days(p, sched([0, -1, -1, -1, 0]))) == 0
    known = p.replace(history_work_run=np.array([0]), history_off_run=np.array([1]))
    assert len(hard.evaluate_min_consecutive_days(known, sched([0, -1, -1, -1, -1]))) == 1
    carried = p.replace(history_work_run=np.array([1]), history_off_run=np.array([0]))
    assert len(hard.evaluate_min_consecutive_days(carried, sched([0, -1, -1, -1, -1]))) == 0
    wish = p.replace(on_request_staff=[0], on_request_day=[2], on_request_shift=[0], on_request_weight=[10])
    r = solve_only(wish, hard.MIN_CONSECUTIVE_DAYS, soft.SHIFT_ON_REQUESTS, soft.OVER_COVER)
    assert r.objective == 2 and r.schedule[0, 2] == 0 and (r.schedule >= 0).sum() == 2


def test_open_history_runs() -> None:
    """An open history (one run given, the other unknown: the run's start is not known) counts for the maximum
    run, is exempt from its own minimum, and closes a run of the other kind starting on day 0. Solved: a wish
    for a lone duty day on day 0 is granted after an open run of days off only by working day 1 too, and after
    an open run of one duty day the solver may stop on day 0 (no forced second day)."""
    p = make(D=5, min_consecutive_days=np.array([2]), min_consecutive_days_off=np.array([2]),
             max_consecutive_days=np.array([3]))
    open_work = p.replace(history_work_run=np.array([1]), history_off_run=np.array([-1]))
    assert bool(open_work.history_open[0])
    assert len(hard.evaluate_min_consecutive_days(open_work, sched([-1, -1, -1, -1, -1]))) == 0
    assert len(hard.evaluate_max_consecutive_days(open_work, sched([0, 0, 0, -1, -1]))) == 1
    assert len(hard.evaluate_min_consecutive_days_off(open_work, sched([-1, 0, 0, -1, -1]))) == 1
    open_off = p.replace(history_work_run=np.array([-1]), history_off_run=np.array([1]))
    assert len(hard.evaluate_min_consecutive_days_off(open_off, sched([0, 0, -1, -1, -1]))) == 0
    assert len(hard.evaluate_min_consecutive_days(open_off, sched([0, -1, -1, -1, -1]))) == 1
    unknown = p.replace(history_work_run=np.array([-1]), history_off_run=np.array([-1]))
    assert len(hard.evaluate_min_consecutive_days(unknown, sched([0, -1, -1, -1, -1]))) == 0
    wish = {"on_request_staff": [0], "on_request_day": [0], "on_request_shift": [0], "on_request_weight": [10]}
    r = solve_only(open_off.replace(**wish), hard.MIN_CONSECUTIVE_DAYS, hard.MIN_CONSECUTIVE_DAYS_OFF,
                   soft.SHIFT_ON_REQUESTS, soft.OVER_COVER)
    assert r.objective == 2 and r.schedule[0, :2].tolist() == [0, 0]
    r = solve_only(open_work.replace(**wish), hard.MIN_CONSECUTIVE_DAYS, hard.MIN_CONSECUTIVE_DAYS_OFF,
                   hard.MAX_CONSECUTIVE_DAYS, soft.SHIFT_ON_REQUESTS, soft.OVER_COVER)
    assert r.objective == 1 and r.schedule[0].tolist() == [0, -1, -1, -1, -1]
    with pytest.raises(ValueError, match="history_off_run"):
        p.replace(history_work_run=np.array([0]), history_off_run=np.array([-1]))


def test_min_consecutive_days_off() -> None:
    """Closed runs of days off shorter than min are forbidden, with the same edge exemptions."""
    p = make(D=5, min_consecutive_days_off=np.array([2]), cover_min=np.ones((5, 1), dtype=int))
    assert len(hard.evaluate_min_consecutive_days_off(p, sched([0, -1, 0, 0, 0]))) == 1
    assert len(hard.evaluate_min_consecutive_days_off(p, sched([0, -1, -1, 0, 0]))) == 0
    assert len(hard.evaluate_min_consecutive_days_off(p, sched([-1, 0, 0, 0, -1]))) == 0
    wish = p.replace(off_request_staff=[0], off_request_day=[2], off_request_shift=[-1], off_request_weight=[50])
    r = solve_only(wish, hard.MIN_CONSECUTIVE_DAYS_OFF, soft.UNDER_COVER, soft.SHIFT_OFF_REQUESTS)
    assert r.objective == 50 and r.schedule.tolist() == [[0, 0, 0, 0, 0]]


def test_max_weekends() -> None:
    """A weekend counts once if either day is worked; the week starts on ``start_weekday``."""
    p = make(D=14, max_weekends=np.array([1]))
    assert len(hard.evaluate_max_weekends(p, sched([-1] * 5 + [0, 0] + [-1] * 7))) == 0
    assert len(hard.evaluate_max_weekends(p, sched([-1] * 5 + [0] + [-1] * 6 + [0, -1]))) == 1
    sunday = p.replace(start_weekday=6)
    assert len(hard.evaluate_max_weekends(sunday, sched([0] + [-1] * 5 + [0] + [-1] * 7))) == 1
    demand = cover(14, 1, {(5, 0): 1, (6, 0): 1, (12, 0): 1, (13, 0): 1})
    r = solve_only(p.replace(cover_min=demand), hard.MAX_WEEKENDS, soft.UNDER_COVER)
    assert r.objective == 200


def test_max_cover() -> None:
    """No more staff on a shift than seats, even when more asked for it."""
    p = make(E=2, D=1, cover_max=np.array([[1]]), on_request_staff=[0, 1], on_request_day=[0, 0],
             on_request_shift=[0, 0], on_request_weight=[10, 10])
    assert len(hard.evaluate_max_cover(p, sched([0], [-1]))) == 0
    assert len(hard.evaluate_max_cover(p, sched([0], [0]))) == 1
    assert solve_only(p, hard.MAX_COVER, soft.SHIFT_ON_REQUESTS).objective == 10


def test_group_budget() -> None:
    """The summed shift cost of a budget group stays within its budget; spending exactly the budget is allowed."""
    p = make(E=3, D=2, S=2, budget_group=np.array([0, 0]), shift_cost=np.array([3, 5]), group_budget=np.array([8]),
             cover_min=np.ones((2, 2), dtype=int))
    assert len(hard.evaluate_group_budget(p, sched([0, -1], [1, -1], [-1, -1]))) == 0
    assert len(hard.evaluate_group_budget(p, sched([0, -1], [1, -1], [-1, 0]))) == 1
    r = solve_only(p, hard.GROUP_BUDGET, soft.UNDER_COVER)
    assert r.objective == 200


# ----------------------------------------------------------------------------------------------- soft terms
def test_under_cover() -> None:
    """under_weight per person missing below the minimum."""
    p = make(E=3, D=1, cover_min=np.array([[3]]), under_weight=np.array([[7]]))
    assert soft.evaluate_under_cover(p, sched([0], [-1], [-1])).total == 14
    assert soft.evaluate_under_cover(p, sched([0], [0], [0])).total == 0
    r = solve_only(p.replace(is_unavailable=np.array([[True], [False], [False]])), soft.UNDER_COVER)
    assert r.objective == 7


def test_ideal_shortfall() -> None:
    """ideal_short_weight per person below the ideal, on top of under-cover below the minimum."""
    p = make(E=3, D=1, cover_min=np.array([[1]]), cover_ideal=np.array([[3]]), ideal_short_weight=np.array([[4]]))
    assert soft.evaluate_ideal_shortfall(p, sched([0], [-1], [-1])).total == 8
    assert soft.evaluate_ideal_shortfall(p, sched([-1], [-1], [-1])).total == 12
    assert soft.evaluate_under_cover(p, sched([-1], [-1], [-1])).total == 100
    r = solve_only(p.replace(is_unavailable=np.array([[True], [True], [False]])), soft.IDEAL_SHORTFALL,
                   soft.UNDER_COVER)
    assert r.objective == 8


def test_over_cover() -> None:
    """over_weight per person above the ideal."""
    p = make(E=3, D=1, cover_min=np.array([[1]]), over_weight=np.array([[5]]))
    assert soft.evaluate_over_cover(p, sched([0], [0], [0])).total == 10
    assert soft.evaluate_over_cover(p, sched([0], [-1], [-1])).total == 0
    forced = p.replace(fixed=np.array([[0], [0], [-2]]))
    assert solve_only(forced, soft.OVER_COVER).objective == 5


def test_shift_on_requests() -> None:
    """A request for a shift (or any shift, -1) costs its weight when not granted."""
    p = make(D=2, S=2, on_request_staff=[0, 0], on_request_day=[0, 1], on_request_shift=[1, -1],
             on_request_weight=[3, 4])
    assert soft.evaluate_shift_on_requests(p, sched([1, 0])).total == 0
    assert soft.evaluate_shift_on_requests(p, sched([0, -1])).total == 7
    blocked = p.replace(is_allowed=np.array([[True, False]]))
    assert solve_only(blocked, soft.SHIFT_ON_REQUESTS).objective == 3


def test_shift_off_requests() -> None:
    """A request against a shift (or any shift, -1) costs its weight when worked."""
    p = make(D=2, S=2, off_request_staff=[0, 0], off_request_day=[0, 1], off_request_shift=[1, -1],
             off_request_weight=[3, 4], cover_min=cover(2, 2, {(0, 1): 1, (1, 0): 1}))
    assert soft.evaluate_shift_off_requests(p, sched([0, -1])).total == 0
    assert soft.evaluate_shift_off_requests(p, sched([1, 0])).total == 7
    r = solve_only(p, soft.SHIFT_OFF_REQUESTS, soft.UNDER_COVER)
    assert r.objective == 7


def test_assignment_weight() -> None:
    """assign_weight[e, s] per shift worked; a solve picks the cheaper staff member."""
    p = make(E=2, D=1, assign_weight=np.array([[5], [2]]), cover_min=np.array([[1]]))
    assert soft.evaluate_assignment_weight(p, sched([0], [0])).total == 7
    r = solve_only(p, soft.ASSIGNMENT_WEIGHT, soft.UNDER_COVER)
    assert r.objective == 2 and r.schedule.tolist() == [[-1], [0]]


@pytest.mark.parametrize(
    ("rule", "field", "evaluate_fn"),
    [
        (soft.FAIR_TOTAL_SHIFTS, "fair_total_weight", soft.evaluate_fair_total_shifts),
        (soft.FAIR_NIGHT_SHIFTS, "fair_night_weight", soft.evaluate_fair_night_shifts),
        (soft.FAIR_WEEKEND_SHIFTS, "fair_weekend_weight", soft.evaluate_fair_weekend_shifts),
    ],
)
def test_fairness_spread(rule: str, field: str, evaluate_fn) -> None:  # type: ignore[no-untyped-def]
    """weight x (max - min) of the counted shifts within a fairness group; staff of group -1 are not compared."""
    D = 7 if rule != soft.FAIR_WEEKEND_SHIFTS else 14
    weekend = [5, 6, 12, 13]
    days = weekend if rule == soft.FAIR_WEEKEND_SHIFTS else [0, 1, 2, 3]
    p = make(E=3, D=D, is_night=np.array([True]), fair_group=np.array([0, 0, -1]), **{field: 5})
    uneven = np.full((3, D), -1)
    uneven[0, days[:3]] = 0
    uneven[1, days[3]] = 0
    uneven[2, :] = 0
    assert evaluate_fn(p, uneven).total == 5 * 2
    even = np.full((3, D), -1)
    even[0, days[:2]] = 0
    even[1, days[2:]] = 0
    assert evaluate_fn(p, even).total == 0
    demand = cover(D, 1, {(d, 0): 1 for d in days})
    r = solve_only(p.replace(cover_min=demand, is_unavailable=np.array([[False] * D] * 2 + [[True] * D])),
                   rule, soft.UNDER_COVER, soft.OVER_COVER)
    assert r.objective == 0 and (r.schedule[0] >= 0).sum() == (r.schedule[1] >= 0).sum() == 2


def test_changes_from_reference() -> None:
    """change_weight per (staff, day) differing from the reference; a repair after a dropout changes least."""
    ref = np.array([[0, -1, 0], [-1, 0, -1], [-1, -1, -1]])
    p = make(E=3, reference=ref, change_weight=10, cover_min=np.ones((3, 1), dtype=int))
    assert soft.evaluate_changes_from_reference(p, ref).total == 0
    assert soft.evaluate_changes_from_reference(p, sched([0, 0, -1], [-1, 0, -1], [-1, -1, -1])).total == 20
    dropout = p.replace(is_unavailable=np.array([[True, False, False], [False] * 3, [False] * 3]))
    r = solve_only(dropout, soft.CHANGES_FROM_REFERENCE, soft.UNDER_COVER)
    assert r.objective == 20
    assert r.schedule[0].tolist() == [-1, -1, 0] and r.schedule[1:, 0].tolist().count(0) == 1

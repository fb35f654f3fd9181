"""Cover LP bound and the repair of near-rosters (drop to feasibility, fill empty seats), each checked against
exhaustive enumeration or the independent checker (tests/roster_checker.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer.roster import FREE, RosterParams, RosterProblem, evaluate_schedule, solve
from optimizer.roster.cover_lp import cover_lp_relaxation
from optimizer.roster.flow import flow_relaxation
from optimizer.roster.greedy import build_greedy
from optimizer.roster.repair import drop_to_feasible, fill_cover, repair_applies
from optimizer.stop import Stop

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_solve import check, random_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from test_roster_solve import check, random_problem  # type: ignore[no-redef]


def enumerate_best(p: RosterProblem) -> int | None:
    """The checker's best objective over every roster of a tiny problem (None when none is feasible)."""
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    best = None
    for values in itertools.product(range(-1, S), repeat=E * D):
        report = check(p, np.array(values).reshape(E, D))
        if report.feasible and (best is None or report.objective < best):
            best = report.objective
    return best


def duty_like(seed: int, *, E: int = 12, D: int = 14, S: int = 4) -> RosterProblem:
    """Cover-dominated problem with trivial lower rules, as the duty-lawyer product compiles them: seats,
    budgets, per-type and total limits, runs of at most 3 days, weekends, forbidden successions."""
    rng = np.random.default_rng(seed)
    cover_min = rng.integers(0, 3, size=(D, S))
    return RosterProblem(
        cover_min=cover_min, cover_ideal=cover_min + rng.integers(0, 2, size=(D, S)), cover_max=cover_min + 1,
        is_allowed=rng.random((E, S)) < 0.6, start_weekday=int(rng.integers(7)),
        shift_class=np.arange(S) % 2, forbidden_next=np.array([[False, False], [True, False]]),
        is_unavailable=rng.random((E, D)) < 0.1, max_total_shifts=rng.integers(2, 7, size=E),
        max_shifts_per_type=rng.integers(1, 5, size=(E, S)), max_consecutive_days=np.full(E, 3),
        max_weekends=np.full(E, 1), under_weight=np.full((D, S), 1000), ideal_short_weight=np.full((D, S), 50),
        over_weight=np.full((D, S), 20), assign_weight=rng.integers(0, 4, size=(E, S)),
        budget_group=np.array([0, 0, 1, -1])[:S], shift_cost=np.array([100, 100, 50, 0])[:S],
        group_budget=np.array([100 * D // 2, 50 * D]),
        on_request_staff=rng.integers(E, size=5), on_request_day=rng.integers(D, size=5),
        on_request_shift=rng.integers(-1, S, size=5), on_request_weight=rng.integers(1, 5, size=5),
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sequence_rows", [False, True])
def test_cover_lp_bound_is_valid_and_at_least_the_flow_bound(seed: int, sequence_rows: bool) -> None:
    """The cover LP bound never exceeds the enumerated optimum and is at least the flow bound (the flow
    polytope is integral and the LP adds rows to it)."""
    p = random_problem(500 + seed, E=2, D=3, S=2, full=seed % 2 == 0)
    best = enumerate_best(p)
    lp = cover_lp_relaxation(p, sequence_rows=sequence_rows)
    flow_bound, _ = flow_relaxation(p)
    assert lp.status == "optimal"
    assert lp.bound >= flow_bound
    if best is not None:
        assert lp.bound <= best
    assert lp.guide is not None and lp.guide.shape == (2, 3)
    assert np.all(lp.guide[p.fixed != FREE] == p.fixed[p.fixed != FREE])


def test_arc_extra_steers_the_mip_and_drops_the_bound() -> None:
    """A preference added to the arcs (``arc_extra``) picks among rosters the problem does not tell apart: one
    seat, two staff alike, and the MIP puts whoever the preference favours on it; the bound is then -inf (it
    bounds the changed objective, not the problem). A wrong shape names the field."""
    p = RosterProblem(cover_min=np.ones((1, 1), dtype=np.int64), is_allowed=np.ones((2, 1), dtype=bool),
                      max_total_shifts=np.ones(2, dtype=np.int64), under_weight=np.full((1, 1), 100))
    plain = cover_lp_relaxation(p, integral=True)
    assert plain.status == "optimal" and plain.bound == 0
    for favoured in (0, 1):
        extra = np.zeros((2, 1, 1))
        extra[1 - favoured] = 3.0
        lp = cover_lp_relaxation(p, integral=True, exact=True, arc_extra=extra)
        assert lp.guide is not None and lp.guide[favoured, 0] == 0 and lp.guide[1 - favoured, 0] == -1
        assert lp.bound == -np.inf
        assert check(p, lp.guide).objective == 0
    with pytest.raises(ValueError, match="arc_extra"):
        cover_lp_relaxation(p, integral=True, arc_extra=np.zeros((2, 2, 1)))


@pytest.mark.parametrize("seed", range(3))
def test_cover_lp_bound_below_proven_optimum_on_duty_like_problems(seed: int) -> None:
    p = duty_like(seed, E=8, D=7)
    result = solve(p, params=RosterParams(num_workers=1, use_cover_lp=False, use_columns=False, use_lns=False),
                   stop=Stop(time_limit_s=20, rel_gap=0.0), seed=seed)
    assert result.status.value == "optimal"
    for sequence_rows in (False, True):
        lp = cover_lp_relaxation(p, sequence_rows=sequence_rows)
        assert lp.status == "optimal" and lp.bound <= result.objective


@pytest.mark.parametrize("seed", range(4))
def test_drop_to_feasible_only_removes_free_shifts(seed: int) -> None:
    """From a random near-roster (every cell a random shift), dropping gives a roster the independent checker
    accepts, worked cells a subset of the input's, fixed cells untouched."""
    base = duty_like(10 + seed)
    allowed = base.is_allowed.copy()
    allowed[:, 3] = True  # shift 3 is outside every budget: the fixed cells alone keep every rule
    eye = np.eye(12, 14, dtype=bool)
    p = base.replace(is_allowed=allowed, is_unavailable=base.is_unavailable & ~eye, fixed=np.where(eye, 3, FREE))
    rng = np.random.default_rng(seed)
    raw = rng.integers(-1, p.num_shifts, size=(p.num_staff, p.num_days))
    out = drop_to_feasible(p, raw)
    assert out is not None
    assert check(p, out).feasible
    free = p.fixed == FREE
    assert np.all((out == raw) | (out == -1) | ~free)
    assert np.all(out[~free] == p.fixed[~free])


def test_drop_to_feasible_removes_short_runs_of_duty_days() -> None:
    """A minimum run of two duty days: a lone shift is removed (a run of two stays); a fixed lone shift, or a
    history run of one duty day that day 0 closes, cannot be mended by removing work: no roster."""
    p = RosterProblem(cover_min=np.ones((4, 1), dtype=np.int64), is_allowed=np.ones((1, 1), dtype=bool),
                      min_consecutive_days=np.array([2]),
                      history_work_run=np.array([0]), history_off_run=np.array([1]))
    out = drop_to_feasible(p, np.array([[-1, 0, -1, -1]]))
    assert out is not None and out.tolist() == [[-1, -1, -1, -1]]
    assert drop_to_feasible(p, np.array([[-1, 0, 0, -1]])).tolist() == [[-1, 0, 0, -1]]  # type: ignore[union-attr]
    assert drop_to_feasible(p.replace(fixed=np.array([[FREE, 0, FREE, FREE]])), np.array([[-1, 0, -1, -1]])) is None
    closed = p.replace(history_work_run=np.array([1]), history_off_run=np.array([0]))
    assert drop_to_feasible(closed, np.array([[-1, -1, 0, 0]])) is None
    # minimum minutes are still given up on
    minutes = p.replace(min_consecutive_days=np.array([1]), min_total_minutes=np.array([10**6]))
    assert drop_to_feasible(minutes, np.array([[0, 0, 0, 0]])) is None


def test_drop_to_feasible_mends_both_kinds_of_run_together() -> None:
    """Two duty days and two days off at least. Lone duty days 2 and 4 are removed. The single day off (day 2)
    of the second roster is lengthened by removing day 3, which leaves day 4 a lone duty day, removed in turn."""
    p = RosterProblem(cover_min=np.ones((9, 1), dtype=np.int64), is_allowed=np.ones((1, 1), dtype=bool),
                      min_consecutive_days=np.array([2]), min_consecutive_days_off=np.array([2]))
    for raw, expected in (([0, -1, 0, -1, 0, -1, 0, 0, -1], [0, -1, -1, -1, -1, -1, 0, 0, -1]),
                          ([0, 0, -1, 0, 0, -1, -1, -1, -1], [0, 0, -1, -1, -1, -1, -1, -1, -1])):
        out = drop_to_feasible(p, np.array([raw]))
        assert out is not None and out.tolist() == [expected]
        assert check(p, out).feasible


@pytest.mark.parametrize("seed", range(4))
def test_fill_cover_adds_shifts_and_keeps_every_rule(seed: int) -> None:
    """Filling an empty roster covers seats, keeps every hard rule (independent checker) and never worsens
    the objective; the filled cells are a superset of the input's."""
    p = duty_like(20 + seed)
    start = np.full((p.num_staff, p.num_days), -1)
    start[0, 0] = int(np.flatnonzero(p.is_allowed[0])[0]) if p.is_allowed[0].any() else -1
    start = drop_to_feasible(p, start)
    assert start is not None
    out = fill_cover(p, start, seed=seed)
    report = check(p, out)
    assert report.feasible
    assert np.all((out == start) | (start == -1))
    assert (out >= 0).sum() > (start >= 0).sum()
    assert report.objective <= check(p, start).objective


def test_fill_cover_takes_the_expensive_seat_first() -> None:
    """One staff member with one shift left: the seat that costs 1000 when empty is filled, not the 10 one."""
    p = RosterProblem(cover_min=np.array([[1], [1]]), is_allowed=np.ones((1, 1), dtype=bool),
                      max_total_shifts=np.array([1]),
                      under_weight=np.array([[10], [1000]]))
    out = fill_cover(p, np.full((1, 2), -1))
    assert out.tolist() == [[-1, 0]]


@pytest.mark.parametrize("seed", range(3))
def test_solve_with_cover_lp_phase_keeps_rules_and_bound(seed: int) -> None:
    """With column generation off (as for blocks of more than ``columns_max_staff`` staff) the cover LP
    phase runs: its roster passes the checker, the bound is at most the roster and the LP bound is used."""
    p = duty_like(40 + seed)
    params = RosterParams(num_workers=1, use_columns=False, use_lns=True)
    result = solve(p, params=params, stop=Stop(time_limit_s=5, rel_gap=0.0), seed=seed)
    assert result.is_feasible and check(p, result.schedule).feasible
    assert result.bound <= result.objective
    assert "cover_lp_bound" in result.stats
    ev = evaluate_schedule(p, result.schedule)
    assert ev.objective == result.objective


def off_violations(p: RosterProblem, schedule: np.ndarray) -> list[str]:
    """The independent checker's complaints about runs of days off."""
    return [v for v in check(p, schedule).violations if "days off" in v]


def test_drop_to_feasible_lengthens_short_runs_of_days_off() -> None:
    """Minimum two days off in a row: the single day off between duty days is lengthened by dropping the
    following day (no longer given up as before); a run carried in from the history counts."""
    p = RosterProblem(cover_min=np.ones((5, 1), dtype=np.int64), is_allowed=np.ones((1, 1), dtype=bool),
                      min_consecutive_days_off=np.array([2]))
    out = drop_to_feasible(p, np.array([[0, -1, 0, 0, -1]]))
    assert out is not None and out.tolist() == [[0, -1, -1, 0, -1]]
    assert check(p, out).feasible
    # one day off on day -1 (history): days 0 and 1 are dropped to reach three
    hist = p.replace(min_consecutive_days_off=np.array([3]), history_work_run=np.array([0]),
                     history_off_run=np.array([1]))
    out = drop_to_feasible(hist, np.array([[0, 0, 0, -1, -1]]))
    assert out is not None and out.tolist() == [[-1, -1, 0, -1, -1]]
    assert check(hist, out).feasible


def test_drop_to_feasible_cannot_remove_a_fixed_duty_day() -> None:
    """A short run of days off closed by a fixed duty day cannot be lengthened: no roster is returned."""
    p = RosterProblem(cover_min=np.ones((4, 1), dtype=np.int64), is_allowed=np.ones((1, 1), dtype=bool),
                      min_consecutive_days_off=np.array([2]), fixed=np.array([[0, -1, 0, FREE]]))
    assert drop_to_feasible(p, np.array([[0, -1, 0, 0]])) is None


def test_fill_cover_keeps_runs_of_days_off() -> None:
    """Staff 0 is cheaper for the seat on day 2, but working it would split its three days off into two single
    days; staff 1 takes it. Without the minimum, staff 0 takes it."""
    base = RosterProblem(cover_min=np.array([[0], [0], [1], [0], [0]]), cover_max=np.full((5, 1), 2),
                         is_allowed=np.ones((2, 1), dtype=bool), assign_weight=np.array([[0], [5]]))
    start = np.array([[0, -1, -1, -1, 0], [-1, -1, -1, -1, -1]])
    assert fill_cover(base, start)[:, 2].tolist() == [0, -1]
    p = base.replace(min_consecutive_days_off=np.array([2, 2]))
    out = fill_cover(p, start)
    assert out[:, 2].tolist() == [-1, 0]
    assert check(p, out).feasible


def test_fill_cover_keeps_runs_of_duty_days() -> None:
    """Staff 0 is cheaper for the seat on day 2, but it would be a lone duty day between days off; staff 1, on
    duty on days 0 and 1, takes it. Without the minimum, staff 0 takes it."""
    base = RosterProblem(cover_min=np.array([[0], [0], [1], [0], [0]]), cover_max=np.full((5, 1), 2),
                         is_allowed=np.ones((2, 1), dtype=bool), assign_weight=np.array([[0], [5]]))
    start = np.array([[-1, -1, -1, -1, -1], [0, 0, -1, -1, -1]])
    assert fill_cover(base, start)[:, 2].tolist() == [0, -1]
    p = base.replace(min_consecutive_days=np.array([2, 2]))
    out = fill_cover(p, start)
    assert out[:, 2].tolist() == [-1, 0]
    assert check(p, out).feasible


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("min_work", "min_off"), [(1, 2), (1, 3), (2, 1), (2, 2)])
def test_repair_keeps_minimum_runs_on_duty_like_problems(seed: int, min_work: int, min_off: int) -> None:
    """From a random near-roster, drop and fill give a roster the independent checker accepts under minimum
    runs of duty days and of days off, with at least as many duty days as the drop alone."""
    p = duty_like(60 + seed).replace(min_consecutive_days=np.full(12, min_work),
                                     min_consecutive_days_off=np.full(12, min_off))
    rng = np.random.default_rng(seed)
    raw = rng.integers(-1, p.num_shifts, size=(p.num_staff, p.num_days))
    dropped = drop_to_feasible(p, raw)
    assert dropped is not None and check(p, dropped).feasible
    out = fill_cover(p, dropped, seed=seed)
    assert check(p, out).feasible
    assert np.all((out == dropped) | (dropped == -1))
    assert (out >= 0).sum() > (dropped >= 0).sum()
    assert check(p, out).objective <= check(p, dropped).objective


def test_greedy_does_not_close_a_short_run_of_days_off() -> None:
    """One lawyer, seats on days 0 and 2: without a minimum the greedy start works both; with two days off in
    a row it leaves day 2 (a single day off between would break the rule) and its roster passes the checker."""
    base = RosterProblem(cover_min=np.array([[1], [0], [1], [0], [0]]), is_allowed=np.ones((1, 1), dtype=bool),
                         history_work_run=np.array([0]), history_off_run=np.array([5]))
    assert build_greedy(base).tolist() == [[0, -1, 0, -1, -1]]
    p = base.replace(min_consecutive_days_off=np.array([2]))
    out = build_greedy(p)
    assert out.tolist() == [[0, -1, -1, -1, -1]]
    assert check(p, out).feasible
    # a history run of one day off is not closed on day 0 either
    hist = base.replace(min_consecutive_days_off=np.array([2]), history_off_run=np.array([1]))
    assert build_greedy(hist)[0, 0] == -1


def test_greedy_continues_short_runs_of_duty_days() -> None:
    """One lawyer, two duty days in a row at least, seats every day but cover asked on days 0 and 3 only: the
    greedy start continues the run it opens on day 0 into day 1 (over-cover), where the old start left lone days.
    A new run on day 3 needs two more shifts: with three in all it is not opened, nor is a run on day 2 when the
    post is closed on day 3 (it could not reach two days)."""
    base = RosterProblem(cover_min=np.array([[1], [0], [0], [1], [0]]), is_allowed=np.ones((1, 1), dtype=bool),
                         cover_max=np.ones((5, 1), dtype=int), history_work_run=np.array([0]),
                         history_off_run=np.array([3]))
    assert build_greedy(base).tolist() == [[0, -1, -1, 0, -1]]
    p = base.replace(min_consecutive_days=np.array([2]))
    out = build_greedy(p)
    assert out.tolist() == [[0, 0, -1, 0, 0]] and check(p, out).feasible
    few = p.replace(max_total_shifts=np.array([3]))
    out = build_greedy(few)
    assert out.tolist() == [[0, 0, -1, -1, -1]] and check(few, out).feasible
    closed = p.replace(cover_min=np.array([[0], [0], [1], [0], [0]]), cover_max=np.array([[1], [1], [1], [0], [1]]))
    out = build_greedy(closed)
    assert out.tolist() == [[-1, -1, -1, -1, -1]] and check(closed, out).feasible


def test_greedy_books_the_seats_a_new_run_needs() -> None:
    """Two lawyers, two duty days in a row at least; two seats wanted on day 0 but one seat on day 1: a run opened
    on day 0 books its day 1, so only one lawyer opens one (the other would have no seat to go on), and the
    roster passes the checker. Without the booking both took day 0 and one run ended short."""
    p = RosterProblem(cover_min=np.array([[2], [0], [0]]), is_allowed=np.ones((2, 1), dtype=bool),
                      cover_max=np.array([[2], [1], [0]]), min_consecutive_days=np.array([2, 2]),
                      history_work_run=np.array([0, 0]), history_off_run=np.array([2, 2]))
    out = build_greedy(p)
    assert check(p, out).feasible
    assert sorted(out[:, 0].tolist()) == [-1, 0] and (out[:, 1] >= 0).sum() == 1


@pytest.mark.parametrize("seed", range(2))
def test_greedy_start_is_mended_under_minimum_duty_runs(seed: int) -> None:
    """On duty-like problems under two duty days in a row the solve's greedy start, where it still leaves a run
    short, is mended by the repair (short runs removed, cover refilled) into a first roster the checker
    accepts, and the solve's roster passes the checker."""
    p = duty_like(70 + seed).replace(min_consecutive_days=np.full(12, 2))
    result = solve(p, params=RosterParams(num_workers=1, use_columns=False, use_cover_lp=False),
                   stop=Stop(time_limit_s=3, rel_gap=0.0), seed=seed)
    assert result.is_feasible and check(p, result.schedule).feasible
    assert not np.isnan(result.stats["greedy_objective"])  # the (mended) greedy roster was feasible


@pytest.mark.parametrize("seed", range(4))
def test_greedy_keeps_minimum_days_off_on_duty_like_problems(seed: int) -> None:
    """The greedy start under two or three days off in a row: no run of days off the checker rejects."""
    p = duty_like(80 + seed).replace(min_consecutive_days_off=np.full(12, 2 + seed % 2))
    out = build_greedy(p, seed=seed)
    assert not off_violations(p, out)


@pytest.mark.parametrize(("seed", "min_work", "min_off"), [(0, 1, 2), (1, 2, 2)])
def test_solve_with_cover_lp_phase_under_minimum_runs(seed: int, min_work: int, min_off: int) -> None:
    """The product's large-block path (cover LP, repair, LNS) finds a roster under minimum runs of duty days
    and of days off, starting from the repaired LP roster."""
    p = duty_like(40 + seed).replace(min_consecutive_days=np.full(12, min_work),
                                     min_consecutive_days_off=np.full(12, min_off))
    result = solve(p, params=RosterParams(num_workers=1, use_columns=False, use_lns=True),
                   stop=Stop(time_limit_s=5, rel_gap=0.0), seed=seed)
    assert result.is_feasible and check(p, result.schedule).feasible
    assert "cover_lp_roster" in result.stats


@pytest.mark.parametrize("seed", range(2))
def test_column_path_starts_from_the_repaired_cover_lp_roster(seed: int) -> None:
    """Under a minimum run of two duty days, with no greedy start and the full model skipped, the
    column-generation path starts from the repaired cover-LP roster and returns a roster the checker accepts.
    Under minimum minutes (which the repair does not mend) the cover LP is not tried."""
    p = duty_like(90 + seed).replace(min_consecutive_days=np.full(12, 2))
    params = RosterParams(num_workers=1, use_columns=True, full_model_max_vars=0, greedy_hint=False)
    result = solve(p, params=params, stop=Stop(time_limit_s=5, rel_gap=0.0), seed=seed)
    assert "cover_lp_roster" in result.stats
    assert result.is_feasible and check(p, result.schedule).feasible
    minutes = p.replace(min_total_minutes=np.full(12, 1))
    assert not repair_applies(minutes)
    assert "cover_lp_seconds" not in solve(minutes, params=params, stop=Stop(time_limit_s=2, rel_gap=0.0),
                                           seed=seed).stats


@pytest.mark.parametrize("seed", range(3))
def test_cover_mip_is_exact_where_every_rule_in_force_is_modelled(seed: int) -> None:
    """Integral, with the succession rows, the cover model keeps every rule of a duty-like problem (no lower limits,
    no fairness): its optimum equals CP-SAT's proven optimum and its roster passes the independent checker at that
    objective."""
    p = duty_like(seed, E=8, D=7)
    result = solve(p, params=RosterParams(num_workers=1, use_cover_lp=False, use_columns=False, use_lns=False),
                   stop=Stop(time_limit_s=20, rel_gap=0.0), seed=seed)
    assert result.status.value == "optimal"
    mip = cover_lp_relaxation(p, integral=True, succession_rows=True)
    assert mip.status == "optimal" and mip.guide is not None
    report = check(p, mip.guide)
    assert report.feasible, report.violations
    assert report.objective == result.objective == mip.bound


def test_succession_rows_keep_a_forbidden_succession_out_of_the_mip() -> None:
    """One person, two days; day 0 asks for a late shift (class 1) and day 1 for an early one (class 0), and an early
    shift may not follow a late one. Without the succession rows the MIP covers both seats; with them only one."""
    p = RosterProblem(cover_min=np.array([[0, 1], [1, 0]]), is_allowed=np.ones((1, 2), dtype=bool),
                      forbidden_next=np.array([[False, False], [True, False]]))
    loose = cover_lp_relaxation(p, integral=True)
    assert loose.guide is not None and loose.guide.tolist() == [[1, 0]]
    assert not check(p, loose.guide).feasible
    tight = cover_lp_relaxation(p, integral=True, succession_rows=True)
    assert tight.status == "optimal" and tight.guide is not None
    report = check(p, tight.guide)
    assert report.feasible and report.objective == tight.bound == 100

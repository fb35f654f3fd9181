"""Whole solves of the roster core, judged by the independent checker (``tests/roster_checker.py``).

Properties: the CP-SAT model's objective equals the evaluators' and the checker's objective of the same roster;
on micro problems the solver's optimum equals the best roster found by exhaustive enumeration with the
checker; fixed cells never move; components and LNS return feasible rosters with a valid bound; the same
seed gives the same roster; invalid fields raise errors naming them.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer.roster import FREE, RosterParams, RosterProblem, build_model, evaluate_schedule, solve
from optimizer.roster.descent import StaffDescent
from optimizer.stop import Stop

try:  # tests/ may or may not become a package
    from tests.roster_checker import evaluate, roster_from_schedule, spec_from_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import evaluate, roster_from_schedule, spec_from_problem


def random_problem(seed: int, *, E: int = 4, D: int = 10, S: int = 3, full: bool = True) -> RosterProblem:
    """A small problem exercising every field (history, fixed cells, budgets, fairness, requests...)."""
    rng = np.random.default_rng(seed)
    cover_min = rng.integers(0, 3, size=(D, S))
    kw: dict[str, object] = dict(
        cover_min=cover_min,
        is_allowed=rng.random((E, S)) < 0.8,
        start_weekday=int(rng.integers(7)),
        shift_minutes=rng.choice([240, 480, 600], size=S),
        shift_class=np.arange(S) % 2,
        forbidden_next=np.array([[False, False], [True, False]]),
        is_unavailable=rng.random((E, D)) < 0.1,
        max_shifts_per_type=rng.integers(2, D, size=(E, S)),
        max_total_shifts=rng.integers(D // 2, D + 1, size=E),
        min_total_minutes=rng.integers(0, 3, size=E) * 480,
        max_total_minutes=np.full(E, 480 * D),
        max_consecutive_days=rng.integers(3, 6, size=E),
        min_consecutive_days=rng.integers(1, 3, size=E),
        min_consecutive_days_off=rng.integers(1, 3, size=E),
        max_weekends=rng.integers(1, 3, size=E),
        cover_ideal=cover_min + rng.integers(0, 2, size=(D, S)),
        under_weight=rng.integers(50, 101, size=(D, S)),
        ideal_short_weight=rng.integers(0, 5, size=(D, S)),
        over_weight=rng.integers(0, 3, size=(D, S)),
        on_request_staff=rng.integers(E, size=6), on_request_day=rng.integers(D, size=6),
        on_request_shift=rng.integers(-1, S, size=6), on_request_weight=rng.integers(1, 5, size=6),
        off_request_staff=rng.integers(E, size=6), off_request_day=rng.integers(D, size=6),
        off_request_shift=rng.integers(-1, S, size=6), off_request_weight=rng.integers(1, 5, size=6),
    )
    if full:
        fixed = np.full((E, D), FREE)
        fixed[0, :2] = [0, -1]
        unavailable = np.asarray(kw["is_unavailable"]).copy()
        unavailable[0, :2] = False
        # staff 0 and 1: known history; then in turn a known run of 2 duty days, an open run of 2 duty days
        # (its start unknown) and an open run of 3 days off
        history_work = np.array([1, 0] + [(2, 2, -1)[e % 3] for e in range(2, E)])
        history_off = np.array([0, 1] + [(0, -1, 3)[e % 3] for e in range(2, E)])
        kw.update(
            cover_max=cover_min + 2,
            assign_weight=rng.integers(0, 3, size=(E, S)),
            is_night=np.arange(S) % 2 == 1,
            fair_group=rng.integers(-1, 2, size=E),
            fair_total_weight=2, fair_night_weight=3, fair_weekend_weight=1,
            budget_group=np.array([0, 0] + [-1] * (S - 2)),
            shift_cost=np.array([30, 50] + [0] * (S - 2)),
            group_budget=np.array([30 * D]),
            fixed=fixed,
            reference=np.where(rng.random((E, D)) < 0.5, rng.integers(-1, S, size=(E, D)), FREE),
            change_weight=3,
            history_work_run=history_work, history_off_run=history_off,
            history_last_class=np.where(history_work > 0, np.array([0, -1] + [1] * (E - 2)), -1),
            is_unavailable=unavailable,
        )
        kw["is_allowed"] = np.asarray(kw["is_allowed"]) | (np.arange(S)[None, :] == 0)
        kw["max_shifts_per_type"] = np.maximum(np.asarray(kw["max_shifts_per_type"]), 1)
    return RosterProblem(**kw)  # type: ignore[arg-type]


class IterationBudget:
    """A column-generation clock that runs out after ``seconds / 0.1`` calls, so a run that never converges ends
    (and its test fails) instead of hanging."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def seconds_left(self) -> float:
        self.left -= 0.1
        return self.left

    def charge(self, dtime: float) -> None:
        del dtime


def check(problem: RosterProblem, schedule: np.ndarray):  # type: ignore[no-untyped-def]
    return evaluate(spec_from_problem(problem), roster_from_schedule(schedule))


@pytest.mark.parametrize("seed", range(4))
def test_model_objective_equals_evaluators_and_checker(seed: int) -> None:
    """CP-SAT's objective of its own solution = the evaluators' = the independent checker's; all feasible."""
    p = random_problem(seed)
    m = build_model(p)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 2
    solver.parameters.random_seed = seed
    assert solver.solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    from optimizer.roster.solve import decode

    schedule = decode(m, np.asarray(solver.response_proto.solution))
    ev = evaluate_schedule(p, schedule)
    report = check(p, schedule)
    assert report.feasible, report.violations
    assert ev.is_feasible
    assert ev.objective == round(solver.objective_value) == report.objective


@pytest.mark.parametrize("seed", range(5))
def test_optimum_matches_enumeration(seed: int) -> None:
    """On 2 staff x 3 days x 2 shifts, the solver's optimum is the checker's best over all 3^6 rosters."""
    p = random_problem(100 + seed, E=2, D=3, S=2, full=seed % 2 == 0)
    best = None
    for values in itertools.product(range(-1, 2), repeat=6):
        report = check(p, np.array(values).reshape(2, 3))
        if report.feasible and (best is None or report.objective < best):
            best = report.objective
    result = solve(p, stop=Stop(time_limit_s=5, rel_gap=0.0), seed=seed)
    if best is None:
        assert not result.is_feasible
        return
    assert result.status.value == "optimal"
    assert result.objective == best == result.bound
    assert check(p, result.schedule).feasible


def test_fixed_cells_never_move_and_bound_is_valid() -> None:
    """LNS and the full model keep fixed cells; objective >= bound; the checker accepts the roster."""
    p = random_problem(7, E=8, D=21, S=3)
    params = RosterParams(full_model_share=0.1, lns_target_vars=60, lns_sub_time_s=0.2)
    r = solve(p, params=params, stop=Stop(time_limit_s=3, rel_gap=0.0), seed=1)
    fixed = p.fixed != FREE
    assert np.array_equal(r.schedule[fixed], p.fixed[fixed])
    report = check(p, r.schedule)
    assert report.feasible == r.is_feasible
    assert report.objective == r.objective
    assert r.bound <= r.objective
    assert sum(r.term_totals.values()) == r.objective


def test_start_roster_is_the_first_incumbent() -> None:
    """A feasible ``start`` roster is taken as the first incumbent and never lost: even with almost no time for
    the search the result is at least as good, and with time too. A start that breaks a hard rule is not taken;
    one of the wrong shape is refused naming the field."""
    p = random_problem(7, E=8, D=21, S=3)
    first = solve(p, stop=Stop(time_limit_s=2, rel_gap=0.0), seed=1)
    assert first.is_feasible and check(p, first.schedule).feasible
    params = RosterParams(greedy_hint=False, use_cover_lp=False, use_columns=False, use_lns=False)
    kept = solve(p, params=params, stop=Stop(time_limit_s=0.01), seed=2, start=first.schedule)
    assert kept.stats["start_feasible"] == 1
    assert kept.is_feasible and kept.objective <= first.objective and check(p, kept.schedule).feasible
    more = solve(p, stop=Stop(time_limit_s=1.0, rel_gap=0.0), seed=3, start=first.schedule)
    assert more.stats["start_feasible"] == 1
    assert more.is_feasible and more.objective <= first.objective and check(p, more.schedule).feasible
    broken = first.schedule.copy()
    cell = np.argwhere((p.fixed == FREE) & p.is_unavailable)[0]
    broken[cell[0], cell[1]] = int(np.flatnonzero(p.is_allowed[cell[0]])[0])  # works an unavailable day
    assert not evaluate_schedule(p, broken).is_feasible
    ignored = solve(p, params=params, stop=Stop(time_limit_s=0.01), seed=2, start=broken)
    assert ignored.stats["start_feasible"] == 0
    with pytest.raises(ValueError, match="start: expected shape"):
        solve(p, start=first.schedule[:, :5])


def test_components_are_solved_apart() -> None:
    """Two groups of staff with separate shift types form two components; bounds add up to a valid bound."""
    a = random_problem(3, E=3, D=7, S=2, full=False)
    allowed = np.zeros((6, 4), dtype=bool)
    allowed[:3, :2] = a.is_allowed
    allowed[3:, 2:] = True
    p = RosterProblem(cover_min=np.concatenate([a.cover_min, a.cover_min], axis=1), is_allowed=allowed,
                      shift_class=np.array([0, 1, 0, 1]), forbidden_next=a.forbidden_next,
                      max_consecutive_days=np.full(6, 4), min_consecutive_days_off=np.full(6, 2))
    r = solve(p, stop=Stop(time_limit_s=5, rel_gap=0.0))
    assert r.stats["components"] == 2
    assert r.status.value == "optimal" and r.bound == r.objective
    report = check(p, r.schedule)
    assert report.feasible and report.objective == r.objective


def test_lns_without_full_model_keeps_rules() -> None:
    """Skipping the full model (greedy start, LNS only) still gives a roster the checker accepts."""
    p = RosterProblem(cover_min=np.full((14, 2), 2), is_allowed=np.ones((6, 2), dtype=bool),
                      max_consecutive_days=np.full(6, 4), on_request_staff=[0, 1], on_request_day=[3, 4],
                      on_request_shift=[1, -1], max_weekends=np.full(6, 1))
    params = RosterParams(full_model_max_vars=0, use_columns=False, lns_target_vars=40, lns_sub_time_s=0.2)
    r = solve(p, params=params, stop=Stop(time_limit_s=2, rel_gap=0.0), seed=3)
    assert r.stats["lns_rounds"] >= 1
    report = check(p, r.schedule)
    assert report.feasible and report.objective == r.objective


@pytest.mark.parametrize("use_columns", [False, True])
def test_same_seed_same_roster(use_columns: bool) -> None:
    """Deterministic mode: the same problem and seed give the same roster (LNS, or columns then LNS)."""
    p = random_problem(11, E=10, D=28, S=3)
    # the deterministic budget is 30 s x 0.01 = 0.3 units; the wall clock (30 s) is only a safety cap that a loaded
    # machine must not reach, or the two runs could stop at different points
    params = RosterParams(full_model_share=0.2, dtime_per_second=0.01, lns_target_vars=80, lns_sub_time_s=5.0,
                          use_columns=use_columns)
    first = solve(p, params=params, stop=Stop(time_limit_s=30, rel_gap=0.0), seed=5)
    second = solve(p, params=params, stop=Stop(time_limit_s=30, rel_gap=0.0), seed=5)
    if not use_columns:
        assert first.stats.get("lns_rounds", 0) >= 1
    else:
        assert first.stats.get("cg_iterations", 0) >= 1
    assert np.array_equal(first.schedule, second.schedule)
    assert first.objective == second.objective and first.bound == second.bound
    assert check(p, first.schedule).objective == first.objective


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cover_min", np.zeros(3), "cover_min"),
        ("max_weekends", np.ones(5), "max_weekends: expected shape"),
        ("fixed", np.full((2, 3), 7), "fixed: values"),
        ("min_consecutive_days", np.zeros(2), "min_consecutive_days: must be >= 1"),
        ("cover_ideal", np.zeros((3, 2)) - 1, "cover_ideal"),
        ("history_work_run", np.array([0, -1]), "history_off_run"),
        ("shift_class", np.array([0, 3]), "shift_class"),
        ("on_request_staff", np.array([0]), "on_request_day: required"),
    ],
)
def test_invalid_fields_are_named(field: str, value: np.ndarray, message: str) -> None:
    """Construction validates shapes and ranges; the ValueError names the field."""
    base = RosterProblem(cover_min=np.ones((3, 2), dtype=int), is_allowed=np.ones((2, 2), dtype=bool),
                         forbidden_next=np.zeros((2, 2), dtype=bool))
    with pytest.raises(ValueError, match=message):
        base.replace(**{field: value})


def test_replace_keeps_defaults_following() -> None:
    """A field left to its default follows the field it derives from after replace()."""
    p = RosterProblem(cover_min=np.ones((3, 1), dtype=int), is_allowed=np.ones((1, 1), dtype=bool))
    q = p.replace(cover_min=np.full((3, 1), 2))
    assert q.cover_ideal.tolist() == [[2], [2], [2]]
    r = p.replace(cover_ideal=np.full((3, 1), 4)).replace(cover_min=np.full((3, 1), 2))
    assert r.cover_ideal.tolist() == [[4], [4], [4]]


@pytest.mark.parametrize("master", ["simplex", "ipm"])
@pytest.mark.parametrize("seed", range(4))
def test_relaxation_bounds_are_valid(seed: int, master: str) -> None:
    """The min-cost-flow bound and the column-generation (Lagrangian) bound never exceed the best roster
    found by exhaustive enumeration with the checker; the flow roster keeps one shift a day."""
    from optimizer.roster.columns import ColumnGeneration
    from optimizer.roster.flow import flow_relaxation

    p = random_problem(300 + seed, E=2, D=3, S=2, full=seed % 2 == 0)
    best = None
    for values in itertools.product(range(-1, 2), repeat=6):
        report = check(p, np.array(values).reshape(2, 3))
        if report.feasible and (best is None or report.objective < best):
            best = report.objective
    flow_bound, flow_roster = flow_relaxation(p)
    assert flow_roster.shape == (2, 3) and np.all(flow_roster >= -1)

    cg = ColumnGeneration(p, num_workers=1, seed=seed, master=master)
    cg.run(IterationBudget(5.0))
    if best is not None:
        assert flow_bound <= best
        assert cg.bound <= best
        assert cg.lp_value <= best + 1e-6


def test_master_solvers_reach_the_same_lp_optimum() -> None:
    """Column generation converges to the same master LP value with the warm-started primal simplex and with the
    interior point method (different duals, same optimum); a bad solver name is refused with the field named."""
    from optimizer.roster.columns import ColumnGeneration

    p = random_problem(41, E=5, D=10, S=3)
    values = {}
    for master in ("simplex", "ipm"):
        cg = ColumnGeneration(p, num_workers=1, seed=0, master=master)
        assert (cg.h.getOptionValue("solver")[1] == "ipm") == (master == "ipm")
        cg.run(IterationBudget(20.0))
        assert cg.converged
        values[master] = cg.lp_value
        assert cg.bound <= cg.lp_value + 1e-6
    assert values["ipm"] == pytest.approx(values["simplex"], abs=1e-4)
    with pytest.raises(ValueError, match="master"):
        ColumnGeneration(p, master="barrier")
    with pytest.raises(ValueError, match="master_lp"):
        RosterParams(master_lp="barrier")
    result = solve(p, params=RosterParams(master_lp="ipm", full_model_share=0.01), stop=Stop(time_limit_s=5), seed=0)
    assert check(p, result.schedule).feasible


@pytest.mark.parametrize("limit", [1, 3, None])
def test_interior_point_master_stopped_early_still_converges_to_the_lp_optimum(
        limit: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the interior-point master cut short while columns are generated (``IPM_ITERATION_LIMIT``, one
    iteration at the extreme), column generation still ends at the master LP optimum that the simplex master
    reaches, its convergence checked by a solve to optimality, its bound below that value, and the limit lifted for
    whoever solves the master next (the dive, the LP guide)."""
    import highspy

    from optimizer.roster import columns as columns_mod

    p = random_problem(41, E=5, D=10, S=3)
    exact = columns_mod.ColumnGeneration(p, num_workers=1, seed=0, master="simplex")
    exact.run(IterationBudget(20.0))
    monkeypatch.setattr(columns_mod, "IPM_ITERATION_LIMIT", limit)
    cg = columns_mod.ColumnGeneration(p, num_workers=1, seed=0, master="ipm")
    cg.run(IterationBudget(20.0))
    assert cg.converged
    assert cg.lp_value == pytest.approx(exact.lp_value, abs=1e-4)
    assert cg.bound <= cg.lp_value + 1e-6
    assert cg.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert cg.h.getOptionValue("ipm_iteration_limit")[1] == columns_mod._NO_LIMIT
    guide = cg.lp_guide()
    assert guide is not None and check(p, guide[1]).feasible


def test_auto_master_is_interior_point_for_large_blocks_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """``master_lp="auto"`` (the default) picks the interior point from ``IPM_MASTER_MIN_STAFF`` staff on and the
    simplex below; a named solver is kept whatever the size, and column generation is built with the choice."""
    from optimizer.roster import columns

    solve_mod = importlib.import_module("optimizer.roster.solve")
    limit = solve_mod.IPM_MASTER_MIN_STAFF
    assert RosterParams().master_lp == "auto"
    assert solve_mod.master_solver("auto", limit) == "ipm"
    assert solve_mod.master_solver("auto", limit - 1) == "simplex"
    assert solve_mod.master_solver("simplex", 10 * limit) == "simplex"
    assert solve_mod.master_solver("ipm", 1) == "ipm"
    built: list[str] = []
    real = columns.ColumnGeneration

    def spy(*args: object, **kwargs: object) -> columns.ColumnGeneration:
        built.append(str(kwargs["master"]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_mod, "ColumnGeneration", spy)
    p = random_problem(402, E=3, D=7, S=2)
    for staff_limit, expected in ((3, "ipm"), (4, "simplex")):
        monkeypatch.setattr(solve_mod, "IPM_MASTER_MIN_STAFF", staff_limit)
        result = solve(p, params=RosterParams(full_model_max_vars=1, decompose=False), stop=Stop(time_limit_s=3),
                       seed=0)
        assert built and built[-1] == expected
        assert check(p, result.schedule).feasible


def room_problem() -> tuple[RosterProblem, np.ndarray]:
    """Five staff over four days; staff 1 and 3 have room for a shift of type 1, the others not."""
    D, S = 4, 2
    p = RosterProblem(
        cover_min=np.ones((D, S), dtype=np.int64), shift_minutes=np.array([480, 600]),
        is_allowed=np.array([[True, True]] * 4 + [[True, False]]),
        max_total_minutes=np.array([960, 1440, 1440, 1440, 1440]), max_total_shifts=np.array([4, 4, 2, 4, 4]))
    schedule = np.array([[0, 0, -1, -1],   # 960 of 960 minutes: no room
                         [0, -1, -1, -1],  # 480 of 1440: room for 600 more
                         [0, 0, -1, -1],   # 2 of 2 shifts: no room
                         [-1, -1, -1, -1],  # room
                         [-1, -1, -1, -1]])  # room, but may not work shift 1
    return p, schedule


def test_uncovered_shift_neighbourhood_puts_staff_with_room_first() -> None:
    """Around an uncovered shift the LNS frees first the staff who may work it and still have room for it in
    their total minutes and shifts, then the others in their given order."""
    p, schedule = room_problem()
    hood = importlib.import_module("optimizer.roster.solve")._Neighbourhoods(p, np.random.default_rng(0))
    order = np.array([4, 3, 2, 1, 0])
    assert hood._spare_first(order, schedule, 1).tolist() == [3, 1, 4, 2, 0]
    assert hood._spare_first(order, schedule, 0).tolist() == [4, 3, 1, 2, 0]


@pytest.mark.parametrize("seed", range(5))
def test_penalty_neighbourhood_at_an_uncovered_shift_frees_staff_with_room(seed: int) -> None:
    """Drawn at an uncovered shift of type 1 with room for about one staff member's days, the neighbourhood
    frees staff 1 or 3 (the ones with room), never first someone at their maximum."""
    p, schedule = room_problem()
    hood = importlib.import_module("optimizer.roster.solve")._Neighbourhoods(p, np.random.default_rng(seed))
    hood._penalty_site = lambda schedule: (-1, 2, 1)  # type: ignore[method-assign]
    free = hood.draw("penalty", 1.0, schedule)
    freed = np.flatnonzero(free.any(axis=1)).tolist()
    assert freed and set(freed) <= {1, 3}


@pytest.mark.parametrize("seed", range(3))
def test_window_neighbourhoods_sweep_the_horizon(seed: int) -> None:
    """With ``sweep`` each window starts on the day after the last one ended (wrapping round), frees every staff
    member on its days and nothing else, so successive windows cover the whole horizon in turn."""
    D, E = 10, 3
    p = RosterProblem(cover_min=np.ones((D, 1), dtype=np.int64), is_allowed=np.ones((E, 1), dtype=bool))
    schedule = np.full((E, D), -1, dtype=np.int64)
    hood = importlib.import_module("optimizer.roster.solve")._Neighbourhoods(p, np.random.default_rng(seed),
                                                                            sweep=True)
    seen: list[int] = []
    for _ in range(6):  # two days of every staff member each: the sixth window wraps round to days 0 and 1
        free = hood.draw("window", 2 * E, schedule)
        days = np.flatnonzero(free.any(axis=0))
        assert free[:, days].all()
        assert days.size == 2
        seen.extend(days.tolist())
    assert seen[0] == 0 and seen[-2:] == [0, 1]
    assert all((b - a) % D == 1 for a, b in zip(seen, seen[1:], strict=False))
    assert set(seen) == set(range(D))


def weekend_problem() -> tuple[RosterProblem, np.ndarray]:
    """Three weeks from a Monday, one shift type, one weekend each. Weekend 0 (days 5, 6) needs one person a day
    and is covered by staff 0 on Saturday and staff 1 on Sunday; weekend 1 needs one on Saturday (day 12), and
    nobody works it; staff 2-5 cover weekend 2 (days 19, 20, four a day) on both days. Everyone may work one
    weekend."""
    D, E = 21, 6
    cover = np.zeros((D, 1), dtype=np.int64)
    cover[[5, 6, 12], 0] = 1
    cover[[19, 20], 0] = 4
    p = RosterProblem(cover_min=cover, is_allowed=np.ones((E, 1), dtype=bool), max_weekends=np.ones(E, dtype=np.int64))
    schedule = np.full((E, D), -1, dtype=np.int64)
    schedule[0, 5] = schedule[1, 6] = 0
    schedule[2:, 19:21] = 0
    return p, schedule


def test_weekend_seat_needs_two_staff_to_move() -> None:
    """The premise of the weekend-swap neighbourhood: no single staff member's roster change fills the empty
    weekend seat without opening another, so staff-wise descent leaves the roster as it is."""
    p, schedule = weekend_problem()
    moved, replaced = StaffDescent(p).improve(schedule)
    assert replaced == 0 and np.array_equal(moved, schedule)
    assert evaluate(spec_from_problem(p), roster_from_schedule(schedule)).terms["under"] == 100


@pytest.mark.parametrize("seed", range(5))
def test_weekend_swap_neighbourhood_frees_single_day_staff_and_fills_the_seat(seed: int) -> None:
    """Drawn at the empty seat of weekend 1, the neighbourhood frees the staff working one day of weekend 0 first
    (never one of staff 2-5, who work both days of their weekend), over days around weekends 0 and 1 only;
    re-solved with everything else fixed, one of them works both days of weekend 0 and the other the empty seat
    (checker: no hard violation, nothing uncovered)."""
    p, schedule = weekend_problem()
    solve_mod = importlib.import_module("optimizer.roster.solve")
    hood = solve_mod._Neighbourhoods(p, np.random.default_rng(seed))
    first = hood.draw("weekend", 1.0, schedule)
    assert np.flatnonzero(first.any(axis=1)).tolist() in ([0], [1])
    free = solve_mod._Neighbourhoods(p, np.random.default_rng(seed)).draw("weekend", 1e9, schedule)
    days = np.flatnonzero(free.any(axis=0))
    assert {5, 6, 12} <= set(days.tolist()) and days.max() < 19
    sub = p.replace(fixed=np.where(free, FREE, schedule))
    m = build_model(sub)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    new = solve_mod.decode(m, np.asarray(solver.response_proto.solution, dtype=np.int64))
    report = evaluate(spec_from_problem(p), roster_from_schedule(new))
    assert not report.violations and report.terms["under"] == 0
    assert np.array_equal(new[2:], schedule[2:])


def test_weekend_swap_needs_an_empty_weekend_seat_and_a_single_day_elsewhere() -> None:
    p, schedule = weekend_problem()
    hood = importlib.import_module("optimizer.roster.solve")._Neighbourhoods(p, np.random.default_rng(0))
    covered = schedule.copy()
    covered[0, 6], covered[1, 6], covered[1, 12] = 0, -1, 0  # staff 0 both days of weekend 0, staff 1 the seat
    assert hood._weekend_swap(covered, 1e9) is None
    alone = schedule.copy()
    alone[1, 6], alone[0, 6] = -1, 0  # weekend 0 worked on both days by staff 0: nobody works one day only
    assert hood._weekend_swap(alone, 1e9) is None


@pytest.mark.parametrize("weight", [0, 20])
def test_lns_draws_weekend_swaps_only_with_a_weight(weight: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``_lns(weekend_kinds=...)`` draws the weekend-swap neighbourhood (long horizons pass ``WEEKEND_KINDS``,
    other blocks 0), and its roster stays feasible and no worse (checker)."""
    p, schedule = weekend_problem()
    solve_mod = importlib.import_module("optimizer.roster.solve")
    calls: list[int] = []
    original = solve_mod._Neighbourhoods._weekend_swap

    def spy(self: object, sched: np.ndarray, target: float) -> np.ndarray | None:
        calls.append(1)
        return original(self, sched, target)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_mod._Neighbourhoods, "_weekend_swap", spy)
    params = RosterParams(num_workers=1)
    clock = solve_mod._Clock(deadline=float("inf"), dtime_left=0.5, deterministic=True,
                             dtime_per_second=params.dtime_per_second)
    start = int(evaluate_schedule(p, schedule).objective)
    best, obj, _ = solve_mod._lns(p, schedule, start, clock=clock, params=params, seed=0, stats={},
                                  weekend_kinds=weight)
    assert bool(calls) == (weight > 0)
    report = evaluate(spec_from_problem(p), roster_from_schedule(best))
    assert not report.violations and report.objective == obj <= start


@pytest.mark.parametrize("seed", range(3))
def test_completed_hint_is_the_roster_and_the_first_solution(seed: int) -> None:
    """``_complete_hint`` extends a feasible roster's shift values to every model variable: decoded it is the same
    roster and the model's objective at it is the checker's; a sub-solve from it (``complete=True``) with a tiny
    budget ends at that roster or a better one."""
    p = random_problem(seed)
    solve_mod = importlib.import_module("optimizer.roster.solve")
    roster = solve(p, stop=Stop(time_limit_s=2, rel_gap=0.5), seed=seed).schedule
    report = check(p, roster)
    assert report.feasible, report.violations
    m = build_model(p)
    params = RosterParams(num_workers=1)
    clock = solve_mod._Clock(deadline=float("inf"), dtime_left=10.0, deterministic=True,
                             dtime_per_second=params.dtime_per_second)
    full = solve_mod._complete_hint(m, (roster[m.x_e, m.x_d] == m.x_s).astype(np.int64), clock)
    assert full is not None and len(full) == len(m.model.proto.variables)
    assert np.array_equal(solve_mod.decode(m, np.asarray(full)), roster)
    objective = m.model.proto.objective
    value = sum(c * (full[v] if v >= 0 else 1 - full[-v - 1])  # a negative reference is a negated literal
                for v, c in zip(objective.vars, objective.coeffs, strict=True)) + objective.offset
    assert round(value * (objective.scaling_factor or 1)) == report.objective
    run = solve_mod._run_cpsat(m, seconds=0.002, clock=clock, params=params, seed=seed, rel_gap=0.0, hint=roster,
                               complete=True)
    assert run.schedule is not None
    again = check(p, run.schedule)
    assert again.feasible and again.objective <= report.objective


@pytest.mark.parametrize("seed", range(3))
def test_gap_parts_add_up_to_the_distance_from_the_lp(seed: int) -> None:
    """At the converged master LP, every feasible roster's objective (the checker's) equals the LP value plus the
    staff reduced costs plus the cover rows' slackness waste that ``ColumnGeneration.gap_parts`` reports, and
    both parts are >= 0 (LP duality; problems without budget and fairness rows, which the parts leave out)."""
    from optimizer.roster.columns import ColumnGeneration

    p = random_problem(500 + seed, E=5, D=10, S=3, full=False)
    cg = ColumnGeneration(p, num_workers=1, seed=seed)
    rc, waste = cg.gap_parts(np.full((5, 10), -1))
    assert not rc.any() and not waste.any()  # no LP prices yet
    cg.run(IterationBudget(20.0))
    assert cg.converged
    rosters = [solve(p, stop=Stop(time_limit_s=2, rel_gap=0.0), seed=seed).schedule]
    guide = cg.lp_guide()
    assert guide is not None
    rosters += [guide[1], StaffDescent(p).construct(rng=np.random.default_rng(seed))]
    checked = 0
    for roster in rosters:
        report = check(p, roster)
        if not report.feasible:
            continue
        checked += 1
        rc, waste = cg.gap_parts(roster)
        assert rc.shape == (5,) and waste.shape == (10, 3)
        assert rc.min() >= -1e-6 and waste.min() >= -1e-6
        assert cg.lp_value + rc.sum() + waste.sum() == pytest.approx(report.objective, abs=1e-6)
    assert checked >= 1


def test_full_model_is_only_probed_in_large_column_blocks_without_a_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    """``full_model_share``: the full model gets ``FULL_MODEL_PROBE_SHARE`` only in a column-generation block without
    a feasible roster and with more than ``FULL_MODEL_PROBE_VARS`` variables, the parameter's share otherwise and
    all the time without LNS; a whole solve passes that share to the full model's CP-SAT run and its roster passes
    the independent checker."""
    solve_mod = importlib.import_module("optimizer.roster.solve")
    params = RosterParams(full_model_share=0.5)
    big = solve_mod.FULL_MODEL_PROBE_VARS + 1
    probe = solve_mod.FULL_MODEL_PROBE_SHARE
    assert solve_mod.full_model_share(params, columns=True, has_roster=False, num_vars=big) == probe
    assert solve_mod.full_model_share(params, columns=True, has_roster=True, num_vars=big) == 0.5
    assert solve_mod.full_model_share(params, columns=False, has_roster=False, num_vars=big) == 0.5
    assert solve_mod.full_model_share(params, columns=True, has_roster=False, num_vars=big - 1) == 0.5
    assert solve_mod.full_model_share(RosterParams(full_model_share=0.01), columns=True, has_roster=False,
                                      num_vars=big) == 0.01
    assert solve_mod.full_model_share(RosterParams(use_lns=False), columns=True, has_roster=False,
                                      num_vars=big) == 1.0
    p = random_problem(403, E=4, D=10, S=3)
    real = solve_mod._run_cpsat
    for probe_vars, expected in ((0, probe), (10**9, 0.5)):
        monkeypatch.setattr(solve_mod, "FULL_MODEL_PROBE_VARS", probe_vars)
        asked: list[float] = []

        def spy(m, *, seconds, clock, asked=asked, **kwargs):  # type: ignore[no-untyped-def]
            if not asked:
                asked.append(seconds / clock.seconds_left())
            return real(m, seconds=seconds, clock=clock, **kwargs)

        monkeypatch.setattr(solve_mod, "_run_cpsat", spy)
        result = solve(p, params=RosterParams(greedy_hint=False, full_model_share=0.5, decompose=False),
                       stop=Stop(time_limit_s=3, rel_gap=0.0), seed=0)
        assert asked and asked[0] == pytest.approx(expected, rel=0.05)
        assert check(p, result.schedule).feasible


@pytest.mark.parametrize("seed", [0, 7])
def test_variable_counts_match_the_built_models(seed: int) -> None:
    """``staff_variable_counts`` (and ``count_variables``, its sum) equal the shift variables the CP-SAT model
    creates, per staff member, on problems with fixed, unavailable and disallowed cells and a shift nobody may
    cover on some days."""
    from optimizer.roster.components import restrict
    from optimizer.roster.model import RosterModel, count_variables, staff_variable_counts

    p = random_problem(seed, E=5, D=9, S=3)
    cover_max = np.full((p.num_days, p.num_shifts), 9, dtype=np.int64)
    cover_max[::3, 1] = 0
    p = p.replace(cover_max=cover_max)
    counts = staff_variable_counts(p)
    built = [RosterModel(restrict(p, np.array([e]), np.arange(p.num_shifts))).num_vars for e in range(p.num_staff)]
    assert counts.tolist() == built
    assert count_variables(p) == RosterModel(p).num_vars == sum(built)
    assert 0 < counts.sum() < p.num_staff * p.num_days * p.num_shifts


def test_pricing_models_are_built_only_when_exact_pricing_needs_them() -> None:
    """Column generation builds no CP-SAT pricing model up front: a staff member's is built on first use and kept,
    and a run with models built on demand reaches the same LP optimum as one with every model built before."""
    from optimizer.roster.columns import ColumnGeneration

    p = random_problem(41, E=5, D=10, S=3)
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    assert all(m is None for m in cg._pricing)
    m0, base0 = cg.pricing_model(0)
    assert cg.pricing_model(0)[0] is m0 and m0.num_vars == cg.num_vars[0]
    assert base0[0].size == len(base0[1])
    eager = ColumnGeneration(p, num_workers=1, seed=0)
    for e in range(p.num_staff):
        eager.pricing_model(e)
    for g in (cg, eager):
        g.run(IterationBudget(20.0))
        assert g.converged
    assert cg.lp_value == pytest.approx(eager.lp_value, abs=1e-6)

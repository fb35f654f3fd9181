"""Staff-wise descent (optimizer/roster/descent.py) and the labelling search's kept rosters.

Rosters are judged by the independent roster checker (tests/roster_checker.py, no code shared with the core).
"""

from __future__ import annotations

import importlib
import itertools
import math
import time
from typing import Any

import numpy as np
import pytest

from optimizer.roster import RosterParams, RosterProblem, evaluate_schedule, solve
from optimizer.roster import objectives as soft
from optimizer.roster.columns import ColumnGeneration
from optimizer.roster.components import restrict
from optimizer.roster.constraints import MAX_COVER
from optimizer.roster.descent import CLOSED, StaffDescent, expected_marginal_cover, marginal_cover
from optimizer.roster.evaluate import HARD_RULES
from optimizer.roster.pricing import LabelPricer
from optimizer.stop import Stop

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_pricing import staff_rule_problem
    from tests.roster.test_roster_solve import random_problem
    from tests.roster_checker import evaluate, roster_from_schedule, spec_from_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import evaluate, roster_from_schedule, spec_from_problem  # type: ignore[no-redef]
    from test_roster_pricing import staff_rule_problem  # type: ignore[no-redef]
    from test_roster_solve import random_problem  # type: ignore[no-redef]

HARD = {r.id for r in HARD_RULES}
COVER_TERMS = (soft.UNDER_COVER, soft.IDEAL_SHORTFALL, soft.OVER_COVER)


def check(problem: RosterProblem, schedule: np.ndarray):  # type: ignore[no-untyped-def]
    return evaluate(spec_from_problem(problem), roster_from_schedule(schedule))


def solve_start(problem: RosterProblem, seed: int) -> np.ndarray | None:
    """A feasible roster to descend from (CP-SAT on the full model, stopped near its first solution), or None
    if the problem has none."""
    params = RosterParams(use_lns=False, use_columns=False, use_cover_lp=False, num_workers=1)
    result = solve(problem, params=params, stop=Stop(time_limit_s=5.0, rel_gap=0.9), seed=seed)
    return np.asarray(result.schedule) if result.is_feasible else None


def feasible_start(problem: RosterProblem, seed: int) -> np.ndarray:
    start = solve_start(problem, seed)
    assert start is not None
    return start


@pytest.mark.parametrize("seed", range(4))
def test_marginal_cover_is_the_change_of_the_cover_terms(seed: int) -> None:
    """One more person on a cell changes under-, ideal- and over-cover points by exactly the marginal cost."""
    p = random_problem(seed)
    rng = np.random.default_rng(seed)
    schedule = rng.integers(-1, p.num_shifts, size=(p.num_staff, p.num_days))
    count = np.zeros((p.num_days, p.num_shifts), dtype=np.int64)
    e_w, d_w = np.nonzero(schedule >= 0)
    np.add.at(count, (d_w, schedule[e_w, d_w]), 1)
    marginal = marginal_cover(p, count, set(COVER_TERMS))
    before = evaluate_schedule(p, schedule, rule_ids=COVER_TERMS).objective
    for e, d in zip(*np.nonzero(schedule < 0), strict=True):
        for s in range(p.num_shifts):
            trial = schedule.copy()
            trial[e, d] = s
            after = evaluate_schedule(p, trial, rule_ids=COVER_TERMS).objective
            assert after - before == pytest.approx(marginal[d, s])


def test_marginal_cover_closes_full_cells() -> None:
    p = random_problem(0)
    count = np.asarray(p.cover_max).copy()
    assert np.all(marginal_cover(p, count, {MAX_COVER, soft.UNDER_COVER}) == CLOSED)
    assert not np.any(marginal_cover(p, count - 1, {MAX_COVER}) == CLOSED)


@pytest.mark.parametrize("seed", range(4))
def test_kept_roster_bounds_the_search(seed: int) -> None:
    """With a feasible roster to keep, the search returns a roster of that staff member no dearer than it,
    even with a beam of 1, totals left out of the merged state and binding per-type and minute limits (where
    it is otherwise heuristic)."""
    for k in range(20):  # the first problem of this seed's series that has a feasible roster
        p = staff_rule_problem(100 * seed + k, binding_counts=True)
        found_start = solve_start(p, seed)
        if found_start is not None:
            break
    assert found_start is not None
    start = found_start
    rng = np.random.default_rng(seed)
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    pricer = LabelPricer(p, HARD, beam=1, total_bucket=p.num_days + 1)  # totals merged away: heuristic
    found = pricer.price(cost, np.arange(p.num_staff), per_staff=1, keep=start)
    days = np.arange(p.num_days)
    for e in range(p.num_staff):
        mine = [(row, c) for f, row, c in found if f == e]
        assert len(mine) == 1
        row, c = mine[0]
        sub = restrict(p, np.array([e]), np.arange(p.num_shifts))
        assert check(sub, row[None, :]).feasible
        assert c <= cost[e, days, np.where(start[e] >= 0, start[e], p.num_shifts)].sum() + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_descent_keeps_every_rule_and_never_worsens(seed: int) -> None:
    """From a feasible roster, descent returns a feasible roster (checker) whose objective (checker) is no
    higher; with budgets and fairness groups in force (seeds with ``full``) moves are judged in full."""
    p = random_problem(600 + seed, E=5, D=10, S=3, full=seed % 2 == 0)
    start = feasible_start(p, seed)
    before = check(p, start)
    assert before.feasible
    moved, replaced = StaffDescent(p).improve(start, rng=np.random.default_rng(seed))
    after = check(p, moved)
    assert after.feasible, after.violations
    assert after.objective <= before.objective
    changed = int((moved != start).any(axis=1).sum())
    assert changed <= replaced
    if replaced == 0:
        assert np.array_equal(moved, start)


@pytest.mark.parametrize("seed", range(5))
def test_descent_ends_at_a_best_response_for_each_staff_member(seed: int) -> None:
    """Where the labelling's merged states are exact (no binding per-type or minute limits), no staff member
    can lower the objective by changing only their own roster once descent has ended (enumeration of every
    roster with the checker)."""
    p = staff_rule_problem(seed, D=6)
    p = p.replace(cover_ideal=p.cover_min + 1, under_weight=np.full(p.cover_min.shape, 10),
                  ideal_short_weight=np.full(p.cover_min.shape, 2), over_weight=np.full(p.cover_min.shape, 3))
    start = feasible_start(p, seed)
    moved, _ = StaffDescent(p, beam=1).improve(start, rng=np.random.default_rng(seed), max_sweeps=50)
    spec = spec_from_problem(p)
    best = evaluate(spec, roster_from_schedule(moved))
    assert best.feasible
    for e in range(p.num_staff):
        for values in itertools.product(range(-1, p.num_shifts), repeat=p.num_days):
            trial = moved.copy()
            trial[e] = values
            report = evaluate(spec, roster_from_schedule(trial))
            if report.feasible:
                assert report.objective >= best.objective


@pytest.mark.parametrize("seed", range(4))
def test_descent_restricted_to_staff_changes_only_them(seed: int) -> None:
    """``improve(staff=...)`` re-plans only the staff listed: every other row is returned as it was, the roster
    stays feasible and no worse (checker), and an empty list changes nothing."""
    p = random_problem(800 + seed, E=6, D=10, S=3, full=seed % 2 == 0)
    start = feasible_start(p, seed)
    before = check(p, start)
    chosen = np.array([0, 3]) if seed % 2 else np.array([1, 2, 5])
    moved, replaced = StaffDescent(p).improve(start, rng=np.random.default_rng(seed), staff=chosen)
    others = np.setdiff1d(np.arange(p.num_staff), chosen)
    assert np.array_equal(moved[others], start[others])
    after = check(p, moved)
    assert after.feasible, after.violations
    assert after.objective <= before.objective
    assert int((moved != start).any(axis=1).sum()) <= replaced
    same, none = StaffDescent(p).improve(start, staff=np.array([], dtype=np.int64))
    assert none == 0 and np.array_equal(same, start)


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_lns_descent_keeps_to_its_share(share: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``descent_share``, descent after an LNS neighbourhood takes at most that share of the LNS's
    deterministic time (none at 0, and then no descent moves at all); the roster stays feasible and no worse
    (checker)."""
    solve_module = importlib.import_module("optimizer.roster.solve")
    p = random_problem(905, E=6, D=12, S=3)
    start = feasible_start(p, 1)
    before = check(p, start)
    spent: list[float] = []
    real_improve = StaffDescent.improve
    clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=4.0, deterministic=True,
                                dtime_per_second=0.5)

    def counted(self: StaffDescent, *args: Any, **kwargs: Any) -> tuple[np.ndarray, int]:
        # each descent gets its own clock holding at most its share of what the LNS has used so far, and only
        # the staff a neighbourhood changed
        phase = kwargs["clock"]
        assert phase is not clock
        assert phase.dtime_left <= share / (1 - share) * (4.0 - clock.dtime_left) + 1e-9
        assert kwargs["staff"] is not None and 0 < len(kwargs["staff"]) <= p.num_staff
        left = phase.dtime_left
        out = real_improve(self, *args, **kwargs)
        spent.append(left - phase.dtime_left)
        return out

    monkeypatch.setattr(StaffDescent, "improve", counted)
    stats: dict[str, float] = {}
    params = RosterParams(num_workers=1, lns_target_vars=20, lns_sub_time_s=0.2)
    best, obj, _ = solve_module._lns(p, start, int(before.objective), clock=clock, params=params, seed=0,
                                     stats=stats, descent=True, descent_first=False,
                                     descent_share=share)
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective
    assert after.objective == pytest.approx(obj)
    used = 4.0 - clock.dtime_left
    if share == 0.0:
        assert not spent and "lns_descent_moves" not in stats
    else:
        assert spent  # neighbourhoods changed the roster here, so descents ran
        # one batch may overrun its clock
        assert sum(spent) <= share * used + max(spent)


def test_descent_leaves_fixed_cells_alone() -> None:
    p = random_problem(3, E=4, D=8, S=2, full=True)
    start = feasible_start(p, 3)
    moved, _ = StaffDescent(p).improve(start)
    fixed = p.fixed >= -1
    assert np.array_equal(moved[fixed], p.fixed[fixed])


@pytest.mark.parametrize("seed", range(4))
def test_construct_gives_every_staff_member_a_roster_that_keeps_their_rules(seed: int) -> None:
    """Best responses in turn from an empty roster: each staff member's row keeps every staff-level rule and
    no seat is filled beyond its hard maximum (checker)."""
    p = random_problem(700 + seed, E=5, D=10, S=3)
    built = StaffDescent(p).construct(rng=np.random.default_rng(seed))
    fixed = p.fixed >= -1
    assert np.array_equal(built[fixed], p.fixed[fixed])
    loose = p.replace(cover_max=np.full(p.cover_max.shape, p.num_staff))
    for e in range(p.num_staff):
        sub = restrict(loose, np.array([e]), np.arange(p.num_shifts))
        assert check(sub, built[e][None, :]).feasible
    assert not [v for v in check(p, built).violations if "seats" in v]


@pytest.mark.parametrize("seed", range(4))
def test_expected_marginal_cover_interpolates_the_marginal_cover(seed: int) -> None:
    """At integer head-counts the soft terms equal :func:`marginal_cover`'s; halfway below a head-count, half the
    step is taken; the hard maximum is left to the caller."""
    p = random_problem(seed)
    rng = np.random.default_rng(seed)
    count = rng.integers(0, 4, size=(p.num_days, p.num_shifts))
    terms = set(COVER_TERMS)
    assert np.allclose(expected_marginal_cover(p, count.astype(float), terms), marginal_cover(p, count, terms))
    half = expected_marginal_cover(p, np.maximum(np.asarray(p.cover_min, float) - 0.5, 0.0), {soft.UNDER_COVER})
    assert np.allclose(half, np.where(p.cover_min > 0, -0.5 * p.under_weight, 0.0))
    assert not np.any(expected_marginal_cover(p, np.asarray(p.cover_max, float), terms | {MAX_COVER}) == CLOSED)


def two_seat_problem() -> RosterProblem:
    """Two people, one shift a day on two days, each must work exactly one day; B cannot work day 1, A would like
    day 0 (request of weight 1). The optimum (1 point) puts A on day 1: a best response from A alone takes day 0."""
    return RosterProblem(
        cover_min=np.array([[1], [1]]), is_allowed=np.ones((2, 1), dtype=bool), shift_minutes=np.array([480]),
        min_total_minutes=np.array([480, 480]), max_total_shifts=np.array([1, 1]),
        is_unavailable=np.array([[False, False], [False, True]]),
        on_request_staff=np.array([0]), on_request_day=np.array([0]), on_request_shift=np.array([0]),
        on_request_weight=np.array([1]))


@pytest.mark.parametrize("batch", [1, 10])
def test_construct_against_the_lp_cover_leaves_room_for_later_staff(batch: int) -> None:
    """Column generation's LP on the two-seat problem is integral, :meth:`lp_cells` gives its rosters cell by cell,
    and best responses against that expected cover build the optimum whoever is planned first; without it, some
    order lets A take day 0 and leaves day 1 empty (the premise that makes this test fail without the change)."""
    p = two_seat_problem()

    class Budget:
        def seconds_left(self) -> float:
            return 30.0

        def charge(self, dtime: float) -> None:
            del dtime

    cg = ColumnGeneration(p, num_workers=1, seed=0)
    cg.run(Budget())
    cells = cg.lp_cells()
    assert cells is not None and cg.lp_value == pytest.approx(1.0)
    assert np.allclose(cells[:, :, 0], [[0.0, 1.0], [1.0, 0.0]])
    plain, guided = [], []
    for seed in range(6):
        plain.append(check(p, StaffDescent(p, batch=batch).construct(rng=np.random.default_rng(seed))).objective)
        built = StaffDescent(p, batch=batch).construct(rng=np.random.default_rng(seed), expected=cells)
        report = check(p, built)
        assert report.feasible, report.violations
        guided.append(report.objective)
    assert guided == [1] * 6
    assert max(plain) > 1


@pytest.mark.parametrize("seed", range(4))
def test_construct_then_descent_without_coupling_rules(seed: int) -> None:
    """Where only staff-level rules bind, the constructed roster is feasible (checker) and descent from it
    keeps it feasible and never worsens it."""
    p = staff_rule_problem(seed, D=6)
    built = StaffDescent(p).construct(rng=np.random.default_rng(seed))
    report = check(p, built)
    assert report.feasible, report.violations
    moved, _ = StaffDescent(p).improve(built, rng=np.random.default_rng(seed))
    after = check(p, moved)
    assert after.feasible and after.objective <= report.objective


def test_long_horizons_skip_column_generation_for_descent() -> None:
    """Beyond ``columns_max_days`` the block is solved by construction / descent and LNS, and the roster is
    feasible with the objective the checker computes."""
    p = random_problem(11, E=5, D=10, S=3)
    params = RosterParams(columns_max_days=5, full_model_share=0.05, num_workers=1)
    result = solve(p, params=params, stop=Stop(time_limit_s=3.0, rel_gap=0.0), seed=0)
    assert "cg_iterations" not in result.stats
    report = check(p, np.asarray(result.schedule))
    assert report.feasible
    assert report.objective == pytest.approx(result.objective)


def test_columns_max_days_must_be_positive() -> None:
    with pytest.raises(ValueError, match="columns_max_days"):
        RosterParams(columns_max_days=0)


@pytest.mark.parametrize("converged", [False, True])
def test_column_phase_descends_from_the_expected_cover_roster_only_short_of_the_lp(
        converged: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where column generation stopped short of the LP optimum, the column phase also builds the roster against
    the LP's expected cover and descends from both starts; the block's roster is feasible (checker) and no worse
    than either descended start. With a converged master only the rounded roster is used, and the column dive
    takes the time of its descent: the phase's roster is no worse than the rounded roster or the dive's."""
    solve_module = importlib.import_module("optimizer.roster.solve")
    real_run = ColumnGeneration.run

    def run(self: ColumnGeneration, *args: Any, **kwargs: Any) -> None:
        real_run(self, *args, **kwargs)
        self.converged = self.converged and converged

    monkeypatch.setattr(ColumnGeneration, "run", run)
    p = random_problem(906, E=6, D=14, S=3, full=False)
    clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=6.0, deterministic=True,
                                dtime_per_second=0.5)
    stats: dict[str, float] = {}
    best, obj, bound, _, _ = solve_module._column_phase(
        p, None, float("inf"), -float("inf"), "none", clock=clock, params=RosterParams(num_workers=1), seed=0,
        stats=stats)
    assert best is not None
    report = check(p, best)
    assert report.feasible and report.objective == pytest.approx(obj)
    if converged:
        assert "expected_roster" not in stats and "rounded_roster_descended" not in stats
        assert stats["dive_nodes"] >= 1 and obj <= stats["rounded_roster"]
        if not math.isnan(stats["dive_objective"]):
            assert obj <= stats["dive_objective"]
    else:
        assert "dive_nodes" not in stats
        assert obj <= stats["rounded_roster_descended"]
        assert obj <= stats["expected_roster_descended"]
        assert stats["expected_roster_descended"] <= stats["expected_roster"]

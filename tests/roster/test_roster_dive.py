"""The column dive (``optimizer.roster.dive``), judged by the independent checker (``tests/roster_checker.py``).

Properties: every roster the dive returns keeps every hard rule and its objective is the checker's, at or above
the column-generation bound and below the incumbent it was given; the master is left as it was found (bounds,
pricing set, LP value); bad parameters are refused by name; a node's clock charges the phase's clock.
"""

from __future__ import annotations

import importlib
import math

import highspy
import numpy as np
import pytest

from optimizer.roster import evaluate_schedule, solve
from optimizer.roster.columns import ColumnGeneration
from optimizer.roster.dive import ColumnDive
from optimizer.stop import Stop

try:
    from tests.roster.test_roster_solve import IterationBudget, check, random_problem
except ImportError:  # pragma: no cover - run from inside tests/roster
    from test_roster_solve import IterationBudget, check, random_problem  # type: ignore[no-redef]


def converged(seed: int, *, full: bool) -> ColumnGeneration:
    p = random_problem(700 + seed, E=6, D=10, S=3, full=full)
    cg = ColumnGeneration(p, num_workers=1, seed=seed)
    cg.run(IterationBudget(30.0))
    assert cg.converged
    return cg


def scorer(cg: ColumnGeneration):  # type: ignore[no-untyped-def]
    def objective(schedule: np.ndarray) -> float:
        ev = evaluate_schedule(cg.p, schedule)
        return float(ev.objective) if ev.is_feasible else math.inf
    return objective


@pytest.mark.parametrize(("seed", "full"), [(0, False), (1, False), (2, True), (3, True)])
def test_dive_rosters_keep_every_rule_and_lie_between_bound_and_incumbent(seed: int, full: bool) -> None:
    """From the converged master (with and without budgets, fairness and maximum cover), the dive's roster is
    accepted by the checker with the same objective, which is at least the column-generation bound; given an
    incumbent, it returns only a better roster."""
    cg = converged(seed, full=full)
    dive = ColumnDive(cg, scorer(cg))
    roster, obj = dive.run(IterationBudget(20.0), IterationBudget)
    assert roster is not None and dive.stats.nodes >= 1 and dive.stats.improved >= 1
    report = check(cg.p, roster)
    assert report.feasible, report
    assert report.objective == pytest.approx(obj)
    assert obj >= cg.bound - 1e-6
    assert [o for _, o in dive.stats.trail] == sorted((o for _, o in dive.stats.trail), reverse=True)
    # an incumbent at the dive's own objective: anything it returns now must beat it
    again, again_obj = ColumnDive(cg, scorer(cg)).run(IterationBudget(20.0), IterationBudget, incumbent=obj)
    if again is None:
        assert again_obj == obj
    else:
        assert again_obj < obj and check(cg.p, again).objective == pytest.approx(again_obj)


@pytest.mark.parametrize("seed", range(2))
def test_dive_leaves_the_master_as_it_found_it(seed: int) -> None:
    """After the dive every column is free again (bounds 0..inf), every staff member is priced again and the
    master LP value is the root's (the columns the dive added can only keep it)."""
    cg = converged(seed, full=False)
    root = cg.lp_value
    ColumnDive(cg, scorer(cg), fix_weight=0.9, node_seconds=0.5).run(IterationBudget(10.0), IterationBudget)
    assert cg.active.all()
    lp = cg.h.getLp()
    lower = np.asarray(lp.col_lower_)[cg.num_fixed_cols:]
    upper = np.asarray(lp.col_upper_)[cg.num_fixed_cols:]
    assert len(cg.columns) == lower.size
    assert not lower.any() and np.all(upper == highspy.kHighsInf)
    assert cg.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert cg.h.getInfo().objective_function_value == pytest.approx(root, abs=1e-6)
    assert cg.lp_value == pytest.approx(root, abs=1e-6)  # the root's value, not the last node's


def test_dive_fixes_staff_to_their_columns() -> None:
    """A node's bounds force each fixed staff member's chosen column to weight 1 (and leave them unpriced)."""
    cg = converged(0, full=False)
    dive = ColumnDive(cg, scorer(cg))
    owner = np.array([c[0] for c in cg.columns])
    chosen = {0: int(np.flatnonzero(owner == 0)[-1]), 3: int(np.flatnonzero(owner == 3)[0])}
    dive._apply(chosen)
    cg.h.run()
    value = np.asarray(cg.h.getSolution().col_value)[cg.num_fixed_cols:]
    for e, j in chosen.items():
        assert value[j] == pytest.approx(1.0)
        assert value[owner == e].sum() == pytest.approx(1.0)
    assert cg.active.tolist() == [e not in chosen for e in range(cg.E)]
    dive._apply({})
    assert cg.active.all()


@pytest.mark.parametrize("seed", [0, 3])
def test_polish_sees_only_rule_keeping_rosters_and_its_roster_is_returned(seed: int) -> None:
    """The polish is called on rounded rosters that keep every hard rule (checker), and what it returns is what the
    dive scores and returns: a polish that hands back an optimal roster (CP-SAT on the whole small problem) makes
    the dive return a roster of that objective, below every rounded roster it was given."""
    cg = converged(seed, full=True)
    score = scorer(cg)
    optimum = solve(cg.p, stop=Stop(time_limit_s=10, rel_gap=0.0), seed=0)
    assert optimum.status.name == "OPTIMAL"
    given: list[float] = []

    def polish(roster: np.ndarray) -> np.ndarray:
        report = check(cg.p, roster)
        assert report.feasible, report
        given.append(report.objective)
        return optimum.schedule.copy() if optimum.objective < report.objective else roster

    dive = ColumnDive(cg, score, polish=polish)
    roster, obj = dive.run(IterationBudget(20.0), IterationBudget)
    assert given and roster is not None
    assert min(given) > optimum.objective  # the rounded rosters alone do not reach the optimum here
    report = check(cg.p, roster)
    assert report.feasible and report.objective == pytest.approx(obj) == pytest.approx(optimum.objective)


@pytest.mark.parametrize(("field", "value"), [("fix_weight", 0.5), ("fix_weight", 1.5), ("node_seconds", 0.0),
                                              ("width", 0), ("tolerance", 0.0)])
def test_bad_dive_parameters_are_named(field: str, value: float) -> None:
    cg = converged(0, full=False)
    with pytest.raises(ValueError, match=field):
        ColumnDive(cg, scorer(cg), **{field: value})  # type: ignore[arg-type]


def test_node_clock_charges_the_phase_clock() -> None:
    """``_Clock.child``: at most the seconds asked (and what the parent has left); charging it charges the parent."""
    solve_mod = importlib.import_module("optimizer.roster.solve")
    parent = solve_mod._Clock(deadline=math.inf, dtime_left=10.0, deterministic=True, dtime_per_second=2.0)
    child = parent.child(1.5)
    assert child.dtime_left == pytest.approx(3.0)
    child.charge(1.0)
    assert child.dtime_left == pytest.approx(2.0) and parent.dtime_left == pytest.approx(9.0)
    assert parent.child(100.0).dtime_left == pytest.approx(9.0)
    assert child.seconds_left() == pytest.approx(1.0)


def test_solve_with_the_dive_keeps_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole solve that dives (deterministic mode; no full model, which would prove this small problem optimal
    first) returns a roster the checker accepts with its objective."""
    from optimizer.roster import RosterParams

    solve_mod = importlib.import_module("optimizer.roster.solve")
    monkeypatch.setattr(solve_mod, "DIVE_MAX_STAFF", 100)
    p = random_problem(800, E=8, D=14, S=3, full=False)
    result = solve(p, params=RosterParams(use_columns=True, full_model_max_vars=1), stop=Stop(time_limit_s=5, rel_gap=0.0), seed=0)
    assert result.is_feasible and result.stats["dive_nodes"] >= 1
    report = check(p, result.schedule)
    assert report.feasible and report.objective == pytest.approx(result.objective)


def test_a_dive_whose_tree_runs_out_starts_again_one_column_wider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dives that find nothing (their rosters withheld) leave the roster above the LP, so while time is left the dive
    starts again from the root with one more column per branching (2, 3, 4, ...); the solve still returns a roster
    the checker accepts. With the restarts off, one dive only."""
    from optimizer.roster import RosterParams

    solve_mod = importlib.import_module("optimizer.roster.solve")
    widths: list[int] = []

    class Withheld(ColumnDive):
        def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            widths.append(self.width)
            super().run(*args, **kwargs)
            return None, kwargs.get("incumbent", math.inf)

    monkeypatch.setattr(solve_mod, "ColumnDive", Withheld)
    monkeypatch.setattr(solve_mod, "DIVE_MAX_STAFF", 100)
    monkeypatch.setattr(solve_mod, "DIVE_RESTART_MIN_S", 0.2)
    p = random_problem(800, E=8, D=14, S=3, full=False)
    params = RosterParams(use_columns=True, full_model_max_vars=1)
    result = solve(p, params=params, stop=Stop(time_limit_s=5, rel_gap=0.0), seed=0)
    assert len(widths) >= 2 and widths == list(range(widths[0], widths[0] + len(widths)))
    assert result.stats["dive_restarts"] == len(widths) - 1
    report = check(p, result.schedule)
    assert report.feasible and report.objective == pytest.approx(result.objective)
    widths.clear()
    monkeypatch.setattr(solve_mod, "DIVE_RESTARTS", False)
    solve(p, params=params, stop=Stop(time_limit_s=5, rel_gap=0.0), seed=0)
    assert len(widths) == 1

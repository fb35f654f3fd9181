"""Ejection chains (optimizer/roster/ejection.py): moves of several staff at once that hand an empty seat on.

Rosters are judged by the independent roster checker (tests/roster_checker.py, no code shared with the core).
"""

from __future__ import annotations

import importlib
import time
from typing import Any

import numpy as np
import pytest

from optimizer.roster import RosterParams, RosterProblem, evaluate_schedule
from optimizer.roster.descent import StaffDescent
from optimizer.roster.ejection import EjectionChains

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_descent import check, solve_start
    from tests.roster.test_roster_solve import random_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from test_roster_descent import check, solve_start  # type: ignore[no-redef]
    from test_roster_solve import random_problem  # type: ignore[no-redef]


class Budget:
    """A clock that never runs out within a test (the search ends when every empty seat has been tried)."""

    def __init__(self, seconds: float = 600.0) -> None:
        self.end = time.perf_counter() + seconds

    def seconds_left(self) -> float:
        return self.end - time.perf_counter()

    def charge(self, dtime: float) -> None:
        pass


def per_cell_problem(seed: int) -> RosterProblem:
    """A random problem with history, fixed cells, hard maximum cover and requests, but no budget or fairness
    terms (the chains' objective changes are exact only for per-cell objectives)."""
    p = random_problem(seed, E=6, D=14)
    return p.replace(fair_total_weight=0, fair_night_weight=0, fair_weekend_weight=0,
                     budget_group=np.full(p.num_shifts, -1))


def descended_start(seed: int) -> tuple[RosterProblem, StaffDescent, np.ndarray] | None:
    """A per-cell problem, its descent and a roster on which staff-wise descent is stuck (None: no roster)."""
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    if start is None:
        return None
    descent = StaffDescent(p)
    start, _ = descent.improve(start, rng=np.random.default_rng(seed))
    return p, descent, start


def descended_starts(seeds: range) -> list[tuple[int, RosterProblem, StaffDescent, np.ndarray]]:
    """(seed, problem, descent, stuck roster) for each of ``seeds`` whose problem has a roster."""
    return [(seed, *found) for seed in seeds if (found := descended_start(seed)) is not None]


def two_seat_problem() -> RosterProblem:
    """One day, two shifts of one seat each (hard maximum one). Staff 0 may work either, staff 1 only shift 0."""
    return RosterProblem(cover_min=np.array([[1, 1]]), cover_max=np.array([[1, 1]]),
                         is_allowed=np.array([[True, True], [True, False]]),
                         under_weight=np.array([[100, 100]]))


def test_a_chain_fills_a_seat_that_no_single_staff_member_can() -> None:
    """Staff 0 holds shift 0; shift 1 is empty and staff 1 may only work the full shift 0. Moving staff 0 alone
    leaves the objective as it is, so the descent is stuck; the chain moves staff 0 to shift 1 and staff 1 into
    the seat it left."""
    p = two_seat_problem()
    start = np.array([[0], [-1]])
    descent = StaffDescent(p)
    moved, replaced = descent.improve(start, rng=np.random.default_rng(0))
    assert replaced == 0
    assert evaluate_schedule(p, start).objective == 100
    chains = EjectionChains(p, descent)
    assert chains.applies
    out, change = chains.improve(start, rng=np.random.default_rng(0), clock=Budget())
    assert out.tolist() == [[1], [0]]
    assert change == -100
    report = check(p, out)
    assert report.feasible and report.objective == 0


def test_a_chain_of_one_link_is_not_enough_there() -> None:
    """With chains of one link the same start stays as it is (the move of staff 0 alone gains nothing)."""
    p = two_seat_problem()
    start = np.array([[0], [-1]])
    chains = EjectionChains(p, StaffDescent(p), depth=1)
    out, change = chains.improve(start, rng=np.random.default_rng(0), clock=Budget())
    assert out.tolist() == start.tolist()
    assert change == 0


@pytest.mark.parametrize("seed", range(6))
def test_chains_keep_every_rule_and_report_the_exact_change(seed: int) -> None:
    """From a descended roster, the chains' roster keeps every hard rule, and its objective (by the independent
    checker) is the start's plus the reported change, which is never positive."""
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    if start is None:
        pytest.skip("no feasible roster")
    descent = StaffDescent(p)
    start, _ = descent.improve(start, rng=np.random.default_rng(seed))
    before = check(p, start)
    assert before.feasible
    chains = EjectionChains(p, descent)
    assert chains.applies
    out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
    after = check(p, out)
    assert after.feasible, after
    assert change <= 0
    assert after.objective == pytest.approx(before.objective + change)
    assert chains.stats.chains > 0


def test_chains_improve_random_starts() -> None:
    """Over random problems, chains from descended rosters find improvements somewhere (a search that never
    moves would pass the test above)."""
    gains = 0.0
    for seed, p, descent, start in descended_starts(range(6)):
        _, change = EjectionChains(p, descent).improve(start, rng=np.random.default_rng(seed), clock=Budget())
        gains -= change
    assert gains > 0


def test_chains_do_not_apply_to_budgets_or_weighted_fairness() -> None:
    full = random_problem(0)
    assert not EjectionChains(full, StaffDescent(full)).applies
    no_budget = full.replace(budget_group=np.full(full.num_shifts, -1))
    assert not EjectionChains(no_budget, StaffDescent(no_budget)).applies
    plain = per_cell_problem(0)
    assert EjectionChains(plain, StaffDescent(plain)).applies


def three_seat_problem() -> RosterProblem:
    """One day, three shifts of one seat each (hard maximum one); shift 1 is empty. Staff 0 (on shift 0) may work
    shifts 0 and 1, staff 1 (off) only shift 0, staff 2 (on shift 2) shifts 1 and 2 at a cost of 1 on shift 1.
    The one improving chain moves staff 0 to shift 1 and staff 1 into shift 0; a chain through staff 2 (the other
    candidate for shift 1) empties shift 2, which nobody else may work."""
    allowed = np.array([[True, True, False], [True, False, False], [False, True, True]])
    return RosterProblem(cover_min=np.array([[1, 1, 1]]), cover_max=np.array([[1, 1, 1]]), is_allowed=allowed,
                         under_weight=np.array([[100, 100, 100]]),
                         assign_weight=np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]]))


def test_escalation_offers_more_candidates_after_a_failed_pass() -> None:
    """With one candidate per link and one pass, a chain that draws staff 2 fails and the search stops; with
    escalation the failed pass doubles the candidates, so every seed finds the improving chain."""
    p = three_seat_problem()
    start = np.array([[0], [-1], [2]])
    assert evaluate_schedule(p, start).objective == 100

    def run(seed: int, escalate: bool) -> float:
        chains = EjectionChains(p, StaffDescent(p), candidates=1, passes=1, escalate=escalate)
        out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
        report = check(p, out)
        assert report.feasible and report.objective == pytest.approx(100 + change)
        return change

    assert all(run(seed, escalate=True) == -100 for seed in range(8))
    assert any(run(seed, escalate=False) == 0 for seed in range(8))


def test_threads_find_exactly_what_one_thread_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each link's search split over two threads gives the same chains, roster and change as one search, and the
    split really happens (some link offers enough candidates to be shared, once the threshold of work is off)."""
    import optimizer.roster.descent as descent_module
    import optimizer.roster.ejection as ejection

    shared = 0
    real = descent_module.price_in_parts

    def spy(pricer, cost, staff, *, pool, parts, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal shared
        shared += int(pool is not None and parts == 2 and staff.size >= 2 * parts)
        return real(pricer, cost, staff, pool=pool, parts=parts, **kwargs)

    monkeypatch.setattr(descent_module, "price_in_parts", spy)
    monkeypatch.setattr(ejection, "THREAD_MIN_LABELS_PER_DAY", 0)  # these small searches would run in one thread
    compared = 0
    for seed, p, _, start in descended_starts(range(4)):
        runs = []
        for workers in (1, 2):
            chains = EjectionChains(p, StaffDescent(p), candidates=None, workers=workers)
            out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
            runs.append((out, change, chains.stats.links, chains.stats.improved))
        assert np.array_equal(runs[0][0], runs[1][0])
        assert runs[0][1:] == runs[1][1:]
        assert check(p, runs[1][0]).feasible
        compared += 1
    assert compared > 0 and shared > 0


def test_chain_parameters_are_checked() -> None:
    p = two_seat_problem()
    with pytest.raises(ValueError, match="depth"):
        EjectionChains(p, StaffDescent(p), depth=0)
    with pytest.raises(ValueError, match="slack"):
        EjectionChains(p, StaffDescent(p), slack=-1.0)
    with pytest.raises(ValueError, match="passes"):
        EjectionChains(p, StaffDescent(p), passes=0)
    with pytest.raises(ValueError, match="window"):
        EjectionChains(p, StaffDescent(p), window=-1)
    with pytest.raises(ValueError, match="candidates"):
        EjectionChains(p, StaffDescent(p), candidates=0)
    with pytest.raises(ValueError, match="workers"):
        EjectionChains(p, StaffDescent(p), workers=0)


@pytest.mark.parametrize("window", [0, 2])
def test_a_windowed_link_changes_only_days_near_its_seat(window: int) -> None:
    """With a window, every link's roster differs from the staff member's old one only on days within the window
    of the seat it fills, and the chains' rosters still keep every rule with the exact change (checker)."""
    changed_days = 0
    for seed in range(4):
        found = descended_start(seed)
        if found is None:
            continue
        p, descent, start = found
        chains = EjectionChains(p, descent, window=window)
        rng = np.random.default_rng(seed)
        count = np.zeros((p.num_days, p.num_shifts), dtype=np.int64)
        staff, days = np.nonzero(start >= 0)
        np.add.at(count, (days, start[staff, days]), 1)
        for d, s in chains.open_seats(count).tolist():
            link = chains._link(start, count, d, s, np.zeros(p.num_staff, dtype=bool), 1e6, rng, Budget(),
                                None)
            if link is None:
                continue
            e, row, _ = link
            assert row[d] == s
            moved = np.flatnonzero(row != start[e])
            assert np.all(np.abs(moved - d) <= window), (moved, d)
            changed_days += moved.size
        out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
        after, before = check(p, out), check(p, start)
        assert after.feasible and after.objective == pytest.approx(before.objective + change)
    assert changed_days > 0


def short_lns(p: RosterProblem, start: np.ndarray, stats: dict[str, float], **kwargs: Any) -> tuple[np.ndarray, int]:
    """The LNS with descent from ``start`` for 2 units of deterministic time (4 s at 0.5 per second), one worker,
    small neighbourhoods of 0.2 s; returns (roster, objective)."""
    solve_module = importlib.import_module("optimizer.roster.solve")
    clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=2.0, deterministic=True,
                                dtime_per_second=0.5)
    params = RosterParams(num_workers=1, lns_target_vars=20, lns_sub_time_s=0.2)
    best, obj, _ = solve_module._lns(p, start, int(check(p, start).objective), clock=clock, params=params, seed=0,
                                     stats=stats, descent=True, **kwargs)
    return best, obj


@pytest.mark.parametrize("share", [None, 0.5])
@pytest.mark.parametrize("long_window", [14, None])
def test_lns_runs_chains_after_its_descents(share: float | None, long_window: int | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The LNS with descent runs the chains after each descent; where the descent is capped to a share of its time
    (long horizons) only with a window (``LONG_CHAIN_WINDOW``); its roster keeps every rule and is no worse
    (checker)."""
    monkeypatch.setattr(importlib.import_module("optimizer.roster.solve"), "LONG_CHAIN_WINDOW", long_window)
    p = per_cell_problem(2)
    start = solve_start(p, 2)
    assert start is not None
    before = check(p, start)
    stats: dict[str, float] = {}
    best, obj = short_lns(p, start, stats, descent_share=share)
    assert ("lns_chains" in stats) == (share is None or long_window is not None)
    assert stats.get("lns_chain_gain", 0.0) >= 0
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective
    assert after.objective == pytest.approx(obj)


def weekend_problem() -> RosterProblem:
    """Nine days from a Saturday (weekends: days 0-1 and 7-8), one shift, one seat on days 0, 1 and 7; two staff of
    one weekend each. Staff 0 works day 0 alone, staff 1 day 1 alone, so day 7 stays empty: only both working
    weekend 0 frees someone for it."""
    cover = np.zeros((9, 1), dtype=np.int64)
    cover[[0, 1, 7], 0] = 1
    return RosterProblem(cover_min=cover, is_allowed=np.ones((2, 1), dtype=bool), start_weekday=5,
                         max_weekends=np.array([1, 1]), under_weight=np.full((9, 1), 100),
                         over_weight=np.ones((9, 1), dtype=np.int64))


def weekend_start() -> np.ndarray:
    start = np.full((2, 9), -1)
    start[0, 0] = start[1, 1] = 0
    return start


def test_takeover_starts_are_staff_working_one_day_of_a_weekend_beside_a_partner() -> None:
    p = weekend_problem()
    chains = EjectionChains(p, StaffDescent(p))
    assert sorted(map(tuple, chains.takeover_starts(weekend_start()).tolist())) == [(0, 0), (1, 1)]
    both = weekend_start()
    both[0, 1] = 0  # staff 0 works the whole weekend: nobody is left alone beside a partner
    assert chains.takeover_starts(both).shape == (0, 2)
    # staff 1 may work a second weekend: giving up this one frees nothing, so only staff 0 is a start
    roomy = p.replace(max_weekends=np.array([1, 2]))
    starts = EjectionChains(roomy, StaffDescent(roomy)).takeover_starts(weekend_start())
    assert starts.tolist() == [[0, 0]]


def test_a_weekend_takeover_fills_a_seat_that_short_chains_cannot() -> None:
    """Descent is stuck (either staff member alone moving to day 7 empties their own seat), and a chain of one link
    is not enough from the empty seat; the takeover (staff 0 takes staff 1's Sunday, then staff 1, free of
    weekend 0, takes day 7) fills it. The checker confirms the roster and the change."""
    p = weekend_problem()
    start = weekend_start()
    assert StaffDescent(p).improve(start, rng=np.random.default_rng(0))[1] == 0
    assert check(p, start).objective == 100
    for takeovers, expected in ((False, 0), (True, -100)):
        for seed in range(4):
            chains = EjectionChains(p, StaffDescent(p), depth=1, takeovers=takeovers)
            out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
            assert change == expected
            report = check(p, out)
            assert report.feasible and report.objective == 100 + change
    assert out[0, :2].tolist() == [0, 0] and out[1, 7] == 0


def test_takeovers_wait_while_a_weekday_seat_is_empty() -> None:
    """The same start with a second shift on day 3 (a Tuesday) that nobody may work: its empty seat is on a weekday,
    so no takeover is tried and chains of one link leave the roster as it is."""
    p = weekend_problem()
    cover = np.zeros((9, 2), dtype=np.int64)
    cover[:, 0] = p.cover_min[:, 0]
    cover[3, 1] = 1
    p = RosterProblem(cover_min=cover, is_allowed=np.array([[True, False], [True, False]]), start_weekday=5,
                      max_weekends=np.array([1, 1]), under_weight=np.full((9, 2), 100),
                      over_weight=np.ones((9, 2), dtype=np.int64))
    start = weekend_start()
    assert check(p, start).objective == 200
    chains = EjectionChains(p, StaffDescent(p), depth=1, takeovers=True)
    assert chains.takeover_starts(start).shape[0] == 2
    out, change = chains.improve(start, rng=np.random.default_rng(0), clock=Budget())
    assert change == 0 and out.tolist() == start.tolist()


def test_fits_names_staff_with_room_for_a_seat() -> None:
    """Minutes, shifts of the type and weekends each rule a staff member out of taking a seat without giving up
    another; working that day already counts as room for a shift of the same length."""
    p = weekend_problem().replace(shift_minutes=np.array([480]), max_total_minutes=np.array([480, 960]))
    chains = EjectionChains(p, StaffDescent(p))
    start = weekend_start()
    # day 7: staff 0 has no minutes left, staff 1 has minutes but no weekend left
    assert chains.fits(start, 7, 0).tolist() == [False, False]
    # day 1 (weekend 0, which both work): staff 1 works it already; staff 0 has no minutes
    assert chains.fits(start, 1, 0).tolist() == [False, True]
    roomy = p.replace(max_weekends=np.array([1, 2]))
    assert EjectionChains(roomy, StaffDescent(roomy)).fits(start, 7, 0).tolist() == [False, True]
    typed = roomy.replace(max_shifts_per_type=np.array([[1], [1]]))
    assert EjectionChains(typed, StaffDescent(typed)).fits(start, 7, 0).tolist() == [False, False]


def test_links_are_offered_first_to_staff_with_room_for_the_seat() -> None:
    """Two days, one 480-minute shift; three staff work day 0 at their maximum of 480 minutes and one is off with
    room. Day 1's seat is empty. With one candidate per link and chains of one link, the staff member with room is
    always the one offered (so the seat is filled from every seed); drawing at random, a seed sometimes offers one
    who would have to give up day 0 and the chain fails."""
    p = RosterProblem(cover_min=np.array([[3], [1]]), is_allowed=np.ones((4, 1), dtype=bool),
                      shift_minutes=np.array([480]), max_total_minutes=np.full(4, 480),
                      under_weight=np.full((2, 1), 100))
    start = np.array([[0, -1], [-1, -1], [0, -1], [0, -1]])
    assert check(p, start).objective == 100

    def run(seed: int, fit_first: bool) -> float:
        chains = EjectionChains(p, StaffDescent(p), candidates=1, depth=1, passes=1, escalate=False,
                                fit_first=fit_first)
        assert chains.fits(start, 1, 0).tolist() == [False, True, False, False]
        out, change = chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
        report = check(p, out)
        assert report.feasible and report.objective == 100 + change
        return change

    assert all(run(seed, fit_first=True) == -100 for seed in range(8))
    assert any(run(seed, fit_first=False) == 0 for seed in range(8))

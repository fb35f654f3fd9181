"""Room rounds (optimizer/roster/solve.py, ``ROOM_ROUNDS``): where the staff's maximum minutes bind, the LNS alternates
slices of ejection chains with CP-SAT rounds over the whole rosters of staff drawn by the room they have left, and
once both stall, band rounds over every staff member around every weekend (``BAND_ROUNDS``).

Rosters are judged by the independent roster checker (tests/roster_checker.py, no code shared with the core).
"""

from __future__ import annotations

import importlib
import time

import numpy as np
import pytest

from optimizer.roster import RosterParams, RosterProblem
from optimizer.roster.descent import StaffDescent
from optimizer.roster.ejection import EjectionChains
from optimizer.roster.evaluate import build_model
from optimizer.roster.problem import FREE

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_descent import check, solve_start
    from tests.roster.test_roster_ejection import Budget, per_cell_problem, short_lns, three_seat_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from test_roster_descent import check, solve_start  # type: ignore[no-redef]
    from test_roster_ejection import Budget, per_cell_problem, short_lns, three_seat_problem  # type: ignore[no-redef]

solve_module = importlib.import_module("optimizer.roster.solve")


def force_room_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Room rounds on any block (any size, any minutes), with slices of chains and rounds of 0.2 s."""
    monkeypatch.setattr(solve_module, "ROOM_MIN_STAFF", 1)
    monkeypatch.setattr(solve_module, "MINUTES_BIND", 1e9)
    monkeypatch.setattr(solve_module, "CHAIN_SLICE_S", 0.2)
    monkeypatch.setattr(solve_module, "ROOM_SECONDS", 0.2)


def room_problem() -> RosterProblem:
    """Nine days from a Saturday (weekends: days 0-1 and 7-8), shifts of 480 and 600 minutes (step 120); one seat of
    shift 1 on day 1 and one of shift 0 on day 3, both empty in :func:`room_roster`, and one of shift 0 on days 0
    and 1 each. Staff 0 (both shifts, 1,200 minutes at most) works day 0; staff 1 (shift 0, 480 minutes) works
    day 1; staff 2 (shift 1 only, 600 minutes, one weekend) works nothing; staff 3 (shift 1 only, 0 minutes of
    room) works nothing."""
    cover = np.zeros((9, 2), dtype=np.int64)
    cover[1, 1] = cover[3, 0] = cover[0, 0] = cover[1, 0] = 1
    allowed = np.array([[True, True], [True, False], [False, True], [False, True]])
    return RosterProblem(cover_min=cover, is_allowed=allowed, start_weekday=5,
                         shift_minutes=np.array([480, 600]), max_total_minutes=np.array([1200, 480, 600, 0]),
                         max_weekends=np.array([2, 2, 1, 2]), under_weight=np.full((9, 2), 100))


def room_roster() -> np.ndarray:
    roster = np.full((4, 9), -1)
    roster[0, 0] = 0
    roster[1, 1] = 0
    return roster


def test_room_weights_count_room_in_steps_and_seats_taken_without_another_weekend() -> None:
    """Staff 0: (1,200 - 480) / 120 = 6 steps of room, and both empty seats (day 1 is a day of the weekend it
    works, day 3 a weekday off). Staff 1: no room; day 3's seat (day 1 it works). Staff 2: 600 / 120 = 5 steps;
    day 1's seat would start a weekend it does not work, and day 3's shift is not one it may work. Staff 3:
    nothing (no room, and day 1's seat would start a weekend)."""
    p = room_problem()
    hood = solve_module._Neighbourhoods(p, np.random.default_rng(0))
    assert hood.room_weights(room_roster()).tolist() == [8.0, 1.0, 5.0, 0.0]


def test_a_room_round_frees_whole_rosters_of_staff_drawn_by_their_room() -> None:
    p = room_problem()
    roster = room_roster()
    for seed in range(10):
        hood = solve_module._Neighbourhoods(p, np.random.default_rng(seed))
        free = hood.room(roster, 3)
        chosen = np.flatnonzero(free.any(axis=1))
        assert chosen.tolist() == [0, 1, 2]  # staff 3, with no weight, only when too few others have any
        assert (free[chosen] == hood.changeable[chosen]).all()  # whole rosters
    hood = solve_module._Neighbourhoods(p, np.random.default_rng(0))
    assert np.flatnonzero(hood.room(roster, 9).any(axis=1)).tolist() == [0, 1, 2, 3]


def test_minutes_bind_compares_the_maximum_minutes_with_the_seats() -> None:
    """Room problem: seats of 480 * 3 + 600 = 2,040 minutes against a maximum of 2,280 (11.8% more)."""
    p = room_problem()
    assert not solve_module.minutes_bind(p)
    assert solve_module.minutes_bind(p.replace(max_total_minutes=np.array([1200, 480, 360, 0])))  # 2,040
    assert not solve_module.minutes_bind(p.replace(max_total_minutes=np.array([1200, 480, 372, 0])))  # +0.6%
    assert not solve_module.minutes_bind(p.replace(cover_min=np.zeros((9, 2), dtype=np.int64)))


def test_room_rounds_need_binding_minutes_and_a_large_block(monkeypatch: pytest.MonkeyPatch) -> None:
    bound = room_problem().replace(max_total_minutes=np.array([1200, 480, 360, 0]))
    assert not solve_module.room_rounds(bound)  # four staff: below ROOM_MIN_STAFF
    monkeypatch.setattr(solve_module, "ROOM_MIN_STAFF", 4)
    assert solve_module.room_rounds(bound)
    assert not solve_module.room_rounds(room_problem())  # minutes to spare
    monkeypatch.setattr(solve_module, "ROOM_ROUNDS", False)
    assert not solve_module.room_rounds(bound)


def test_chains_resume_with_the_width_they_had_escalated_to() -> None:
    """A failed pass with one candidate per link doubles the width; a resumed call starts from it, a fresh call
    from ``candidates`` again."""
    p = three_seat_problem()
    start = np.array([[0], [-1], [2]])
    chains = EjectionChains(p, StaffDescent(p), candidates=1, passes=1, escalate=True)
    widened = False
    for seed in range(8):
        chains.improve(start, rng=np.random.default_rng(seed), clock=Budget())
        widened |= chains.width != 1
    assert widened  # some seed draws staff 2 first, fails its pass and widens
    chains.width = None
    chains.improve(start, rng=np.random.default_rng(0), clock=Budget(), max_chains=0, resume=True)
    assert chains.width is None
    chains.improve(start, rng=np.random.default_rng(0), clock=Budget(), max_chains=0)
    assert chains.width == 1


@pytest.mark.parametrize("seed", [2, 5])
def test_lns_alternates_chains_and_room_rounds_and_keeps_every_rule(seed: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With room rounds forced on (any block size, any minutes), the LNS runs both searches; its roster keeps every
    rule, is no worse than the start, and its objective is the checker's."""
    force_room_rounds(monkeypatch)
    p = per_cell_problem(seed)
    assert solve_module.room_rounds(p)
    start = solve_start(p, seed)
    assert start is not None
    before = check(p, start)
    stats: dict[str, float] = {}
    best, obj = short_lns(p, start, stats)
    assert stats.get("lns_room_rounds", 0) >= 1 and "lns_chains" in stats
    # one slice of chains, one room round, in turn (chains first)
    assert stats["lns_chain_slices"] - stats["lns_room_rounds"] in (0, 1)
    assert stats["lns_room_gain"] >= 0
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective
    assert after.objective == pytest.approx(obj)
    # deterministic mode: the slices and the choice between them follow deterministic time, so a rerun repeats
    again, again_obj = short_lns(p, start, {})
    assert np.array_equal(again, best) and again_obj == obj


def test_a_band_frees_every_staff_member_around_each_weekend() -> None:
    """Weekends of :func:`room_problem` are days 0-1 and 7-8: a band of one day frees days 0-2 and 6-8 of every staff
    member who may work at all (staff 3 may, though with no minutes), of two days everything but day 4, and a
    horizon without weekends is freed whole."""
    p = room_problem()
    hood = solve_module._Neighbourhoods(p, np.random.default_rng(0))
    assert np.flatnonzero(hood.band(1).all(axis=0)).tolist() == [0, 1, 2, 6, 7, 8]
    assert not hood.band(1)[:, 3:6].any()
    assert np.flatnonzero(hood.band(2).any(axis=0)).tolist() == [0, 1, 2, 3, 5, 6, 7, 8]
    no_weekends = room_problem().replace(cover_min=np.ones((5, 2), dtype=np.int64),
                                         under_weight=np.full((5, 2), 100), start_weekday=0)
    assert solve_module._Neighbourhoods(no_weekends, np.random.default_rng(0)).band(1).all()
    # a horizon shorter than the band (Friday to Sunday, two days either side)
    short = room_problem().replace(cover_min=np.ones((3, 2), dtype=np.int64), under_weight=np.full((3, 2), 100),
                                   start_weekday=4)
    assert solve_module._Neighbourhoods(short, np.random.default_rng(0)).band(2).all()
    friday_off = solve_module._Neighbourhoods(short.replace(start_weekday=3), np.random.default_rng(0)).band(1)
    assert friday_off.any(axis=0).tolist() == [False, True, True]  # Thursday, Friday, Saturday


@pytest.mark.parametrize("seed", [2, 5])
def test_lns_turns_to_band_rounds_when_chains_and_room_rounds_stall(seed: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With room rounds forced on and band rounds allowed at any time left, the stalled LNS runs band rounds (each only
    after two turns in a row without gain); its roster keeps every rule (checker), is no worse than the start, and a
    deterministic rerun repeats it."""
    force_room_rounds(monkeypatch)
    monkeypatch.setattr(solve_module, "BAND_SECONDS", 0.2)
    monkeypatch.setattr(solve_module, "BAND_MIN_S", 0.0)
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    assert start is not None
    before = check(p, start)
    stats: dict[str, float] = {}
    best, obj = short_lns(p, start, stats)
    assert stats.get("lns_band_rounds", 0) >= 1
    # band rounds take room rounds' turns: at most one in every three turns (two idle turns come before each)
    assert 3 * stats["lns_band_rounds"] <= stats["lns_chain_slices"] + stats["lns_room_rounds"] + 1
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective
    assert after.objective == pytest.approx(obj)
    again, again_obj = short_lns(p, start, {})
    assert np.array_equal(again, best) and again_obj == obj


class _FixedChains:
    """A stand-in for a chain search: returns ``roster`` whatever it starts from and charges ``used`` to its clock."""

    def __init__(self, roster: np.ndarray, used: float) -> None:
        self.roster, self.used = roster, used

    def improve(self, schedule: np.ndarray, *, rng: np.random.Generator, clock: object,
                resume: bool = False) -> tuple[np.ndarray, float]:
        clock.charge(self.used)  # type: ignore[attr-defined]
        return self.roster.copy(), 0.0


def test_chain_pair_keeps_the_better_search_or_both_when_they_changed_different_staff() -> None:
    """``_chain_pair`` (``CHAIN_PAIRS``): of two searches from one roster it keeps the better roster that keeps every
    rule, or the roster taking both changes when they touched different staff members and together do better; it
    charges the clock what the longer search used."""
    p = room_problem()
    start = room_roster()
    a = start.copy()
    a[2, 1] = 1  # staff 2 fills the empty seat of shift 1 on day 1
    b = start.copy()
    b[0, 3] = 0  # staff 0 fills the empty seat of shift 0 on day 3
    overlap = start.copy()
    overlap[0, 1] = 1  # staff 0 again (day 1, shift 1): the same staff member as in b
    broken = start.copy()
    broken[3, 1] = 1  # staff 3 has no minutes to work
    assert not check(p, broken).feasible
    base = check(p, start).objective
    assert check(p, a).objective == check(p, b).objective == base - 100

    def pair_result(x: np.ndarray, y: np.ndarray, used: tuple[float, float] = (0.1, 0.3)) -> tuple[np.ndarray, float]:
        clock = solve_module._Clock(deadline=1e18, dtime_left=5.0, deterministic=True, dtime_per_second=0.5)
        rngs = (np.random.default_rng(0), np.random.default_rng(1))
        out = solve_module._chain_pair(p, (_FixedChains(x, used[0]), _FixedChains(y, used[1])), start, rngs=rngs,
                                       clock=clock, resume=True, rule_ids=None)
        return out, 5.0 - clock.dtime_left

    both, used = pair_result(a, b)
    assert used == pytest.approx(0.3)  # the longer of the two
    merged = check(p, both)
    assert merged.feasible and merged.objective == base - 200
    assert np.array_equal(both[2], a[2]) and np.array_equal(both[0], b[0])
    one, _ = pair_result(overlap, b)  # both changed staff 0: no merge, the better of the two
    assert check(p, one).objective <= base - 100 and (np.array_equal(one, b) or np.array_equal(one, overlap))
    kept, _ = pair_result(broken, a)
    assert np.array_equal(kept, a)  # the roster that breaks a rule is never taken
    same, _ = pair_result(broken, start)
    assert np.array_equal(same, start)


@pytest.mark.parametrize("seed", [2, 5])
def test_lns_with_chain_pairs_keeps_every_rule_and_repeats(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two workers and room rounds forced on, each slice of chains runs two searches at once (``CHAIN_PAIRS``):
    the roster keeps every rule and is no worse than the start, its objective is the checker's, and in
    deterministic mode a rerun gives the same roster (each search runs on its own copy of the clock)."""
    force_room_rounds(monkeypatch)
    assert solve_module.CHAIN_PAIRS
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    assert start is not None
    before = check(p, start)

    pairs = []  # the slices that ran two searches
    real_pair = solve_module._chain_pair

    def spy(*args: object, **kwargs: object) -> np.ndarray:
        pairs.append(1)
        out: np.ndarray = real_pair(*args, **kwargs)
        return out

    monkeypatch.setattr(solve_module, "_chain_pair", spy)

    def run(stats: dict[str, float]) -> tuple[np.ndarray, int]:
        clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=2.0, deterministic=True,
                                    dtime_per_second=0.5)
        params = RosterParams(num_workers=2, lns_target_vars=20, lns_sub_time_s=0.2)
        best, obj, _ = solve_module._lns(p, start, int(before.objective), clock=clock, params=params, seed=0,
                                         stats=stats, descent=True)
        return best, obj

    stats: dict[str, float] = {}
    best, obj = run(stats)
    assert stats.get("lns_chain_slices", 0) >= 1 and stats.get("lns_chains", 0) >= 1
    assert len(pairs) == stats["lns_chain_slices"]  # every slice of chains ran as a pair
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective
    assert after.objective == pytest.approx(obj)
    again, again_obj = run({})
    assert np.array_equal(again, best) and again_obj == obj


@pytest.mark.parametrize("lns_only", [True, False])
def test_room_rounds_ask_cpsat_for_its_lns_workers_only(lns_only: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``ROOM_LNS_ONLY`` every room round asks CP-SAT for its LNS workers only, and without it none does; either
    way the roster keeps every rule (checker) and is no worse than the start."""
    force_room_rounds(monkeypatch)
    monkeypatch.setattr(solve_module, "ROOM_LNS_ONLY", lns_only)
    asked: list[bool] = []
    real_run = solve_module._run_cpsat

    def spy(*args: object, **kwargs: object) -> object:
        asked.append(bool(kwargs.get("lns_only", False)))
        return real_run(*args, **kwargs)

    p = per_cell_problem(2)
    start = solve_start(p, 2)
    assert start is not None
    monkeypatch.setattr(solve_module, "_run_cpsat", spy)
    before = check(p, start)
    clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=2.0, deterministic=True,
                                dtime_per_second=0.5)
    stats: dict[str, float] = {}
    best, obj, _ = solve_module._lns(p, start, int(before.objective), clock=clock, params=RosterParams(num_workers=2),
                                     seed=0, stats=stats, descent=True)
    assert stats.get("lns_room_rounds", 0) >= 1 and len(asked) == stats["lns_room_rounds"]
    assert asked == [lns_only] * len(asked)
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective and after.objective == pytest.approx(obj)


@pytest.mark.parametrize("seed", [2, 5])
def test_a_cpsat_run_with_lns_workers_only_keeps_the_hint_or_improves_and_repeats(seed: int) -> None:
    """``_run_cpsat(lns_only=True)`` with two workers, from a complete hint over half the staff's rosters: the roster
    keeps every rule (checker), is no worse than the hint, and in deterministic mode a rerun gives the same roster."""
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    assert start is not None
    free = np.zeros_like(p.fixed, dtype=bool)
    free[: p.num_staff // 2] = True
    sub = p.replace(fixed=np.where(free, p.fixed, np.where(p.fixed == FREE, start, p.fixed)))
    params = RosterParams(num_workers=2)

    def run() -> np.ndarray:
        clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=1.0, deterministic=True,
                                    dtime_per_second=0.5)
        out = solve_module._run_cpsat(build_model(sub), seconds=1.0, clock=clock, params=params, seed=seed,
                                      rel_gap=0.0, hint=start, complete=True, lns_only=True)
        assert out.schedule is not None
        schedule: np.ndarray = out.schedule
        return schedule

    roster = run()
    after = check(p, roster)
    assert after.feasible and after.objective <= check(p, start).objective
    assert np.array_equal(roster[~free], start[~free])  # cells outside the round stay as they were
    assert np.array_equal(run(), roster)


def test_whole_rounds_need_enough_staff_and_days_and_never_run_where_room_rounds_do(
        monkeypatch: pytest.MonkeyPatch) -> None:
    p = room_problem()  # four staff, nine days, minutes to spare: no room rounds
    assert solve_module.WHOLE_ROUNDS and not solve_module.room_rounds(p)
    assert not solve_module.whole_rounds(p)  # below WHOLE_MIN_STAFF and WHOLE_MIN_DAYS
    monkeypatch.setattr(solve_module, "WHOLE_MIN_STAFF", 4)
    assert not solve_module.whole_rounds(p)
    monkeypatch.setattr(solve_module, "WHOLE_MIN_DAYS", 9)
    assert solve_module.whole_rounds(p)
    monkeypatch.setattr(solve_module, "WHOLE_MIN_STAFF", 5)
    assert not solve_module.whole_rounds(p)
    monkeypatch.setattr(solve_module, "WHOLE_MIN_STAFF", 4)
    force_room_rounds(monkeypatch)
    assert solve_module.room_rounds(p) and not solve_module.whole_rounds(p)
    monkeypatch.setattr(solve_module, "ROOM_ROUNDS", False)
    assert solve_module.whole_rounds(p)
    monkeypatch.setattr(solve_module, "WHOLE_ROUNDS", False)
    assert not solve_module.whole_rounds(p)


def whole_lns(p: RosterProblem, start: np.ndarray, monkeypatch: pytest.MonkeyPatch, *, final: bool
              ) -> tuple[np.ndarray, int, dict[str, float], list[tuple[int, bool]]]:
    """The LNS with descent from ``start`` (two workers, 2 units of deterministic time) with whole rounds on any
    block and slices and rounds of 0.2 s; returns (roster, objective, stats, per CP-SAT round: its free cells and
    whether it asked for LNS workers only)."""
    monkeypatch.setattr(solve_module, "WHOLE_MIN_STAFF", 1)
    monkeypatch.setattr(solve_module, "WHOLE_MIN_DAYS", 1)
    monkeypatch.setattr(solve_module, "WHOLE_SLICE_S", 0.2)
    monkeypatch.setattr(solve_module, "WHOLE_ROUND_S", 0.2)
    rounds: list[tuple[int, bool]] = []
    real_build, real_run = solve_module.build_model, solve_module._run_cpsat
    free_cells: list[int] = []

    def build_spy(sub: RosterProblem, **kwargs: object) -> object:
        free_cells.append(int((sub.fixed == FREE).sum()))
        return real_build(sub, **kwargs)

    def run_spy(*args: object, **kwargs: object) -> object:
        rounds.append((free_cells[-1], bool(kwargs.get("lns_only", False))))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(solve_module, "build_model", build_spy)
    monkeypatch.setattr(solve_module, "_run_cpsat", run_spy)
    clock = solve_module._Clock(deadline=time.perf_counter() + 60.0, dtime_left=2.0, deterministic=True,
                                dtime_per_second=0.5)
    stats: dict[str, float] = {}
    best, obj, _ = solve_module._lns(p, start, int(check(p, start).objective), clock=clock,
                                     params=RosterParams(num_workers=2, lns_target_vars=20, lns_sub_time_s=0.2),
                                     seed=0, stats=stats, descent=True, final=final)
    return best, obj, stats, rounds


@pytest.mark.parametrize("seed", [2, 5])
def test_final_lns_alternates_chains_and_whole_rounds_and_keeps_every_rule(seed: int,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With whole rounds on, the block's final LNS alternates slices of chains with CP-SAT rounds that free every
    cell the solver may change and ask for LNS workers only; the roster keeps every rule (checker), is no worse
    than the start, its objective is the checker's, and in deterministic mode a rerun repeats."""
    p = per_cell_problem(seed)
    start = solve_start(p, seed)
    assert start is not None
    before = check(p, start)
    best, obj, stats, rounds = whole_lns(p, start, monkeypatch, final=True)
    changeable = int(solve_module._Neighbourhoods(p, np.random.default_rng(0)).changeable.sum())
    assert stats.get("lns_whole_rounds", 0) >= 1 and "lns_room_rounds" not in stats
    assert len(rounds) == stats["lns_whole_rounds"]
    assert rounds == [(changeable, True)] * len(rounds)
    assert stats["lns_chain_slices"] - stats["lns_whole_rounds"] in (0, 1)
    assert stats["lns_whole_gain"] >= 0
    after = check(p, best)
    assert after.feasible and after.objective <= before.objective and after.objective == pytest.approx(obj)
    again, again_obj, _, _ = whole_lns(p, start, monkeypatch, final=True)
    assert np.array_equal(again, best) and again_obj == obj


def test_whole_rounds_run_only_in_a_blocks_final_lns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LNS of the LP-guided problem (not the block's final one) keeps its small neighbourhoods."""
    p = per_cell_problem(2)
    start = solve_start(p, 2)
    assert start is not None
    best, _, stats, rounds = whole_lns(p, start, monkeypatch, final=False)
    assert "lns_whole_rounds" not in stats and "lns_chain_slices" not in stats
    assert rounds and not any(lns_only for _, lns_only in rounds)
    assert check(p, best).feasible

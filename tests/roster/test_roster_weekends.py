"""Weekends first (:mod:`optimizer.roster.weekends`): the weekend problem, the guided problem, and the start that a
long-horizon solve builds from them, checked by the independent roster checker."""

from __future__ import annotations

import importlib
import math
import time

import numpy as np
import pytest

from optimizer.roster import FREE, OFF, RosterParams, RosterProblem, build_model, evaluate_schedule, solve
from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.constraints import staffed
from optimizer.roster.descent import StaffDescent
from optimizer.roster.evaluate import HARD_RULES
from optimizer.roster.pricing import LabelPricer
from optimizer.roster.weekends import (
    DROPPED_RULES,
    complete_weekends,
    fixed_weekends,
    guide_costs,
    guided_problem,
    lone_day_pairs,
    weekend_mip,
    weekend_problem,
    weekends_bind,
)
from optimizer.stop import Stop

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_solve import check
    from tests.roster.test_roster_solve import weekend_problem as weekend_fixture
except ImportError:  # pragma: no cover - depends on sys.path layout
    from test_roster_solve import check  # type: ignore[no-redef]
    from test_roster_solve import weekend_problem as weekend_fixture  # type: ignore[no-redef]

solve_mod = importlib.import_module("optimizer.roster.solve")


def three_weekends(**kw: object) -> RosterProblem:
    """The weekend-swap tests' problem (``test_roster_solve.weekend_problem``: three weeks, one shift type, six staff
    who may each work one weekend; weekend 0 needs one person a day, weekend 1 one on Saturday, weekend 2 four a day),
    with ``kw`` replaced: all ten weekend seats are covered only if someone works both days of weekend 0."""
    return weekend_fixture()[0].replace(**kw)


def test_weekends_bind_only_where_weekends_are_limited_and_asked_for() -> None:
    p = three_weekends()
    assert weekends_bind(p)
    assert not weekends_bind(p.replace(max_weekends=np.full(6, 3, dtype=np.int64)))
    assert not weekends_bind(p, rule_ids=(hard.ONE_SHIFT_PER_DAY, soft.UNDER_COVER))
    assert not weekends_bind(p, rule_ids=(hard.MAX_WEEKENDS, soft.OVER_COVER))
    weekday_only = np.zeros((21, 1), dtype=np.int64)
    weekday_only[[0, 7, 14], 0] = 1
    assert not weekends_bind(p.replace(cover_min=weekday_only))
    fixed = np.full((6, 21), OFF, dtype=np.int64)
    assert not weekends_bind(p.replace(fixed=fixed))  # nothing left to plan


def oversubscribed(**kw: object) -> RosterProblem:
    """``three_weekends`` with two people wanted on each weekend day and three on the last Sunday: 13 weekend seats
    for the 12 weekend days that six staff, one weekend each, may work."""
    cover = np.zeros((21, 1), dtype=np.int64)
    cover[[5, 6, 12, 13, 19], 0] = 2
    cover[20, 0] = 3
    return three_weekends(cover_min=cover, **kw)


def test_complete_weekends_only_where_weekend_seats_outnumber_weekend_days(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = {hard.MAX_WEEKENDS}
    assert not complete_weekends(three_weekends(), rules).any()  # 11 seats for 12 days: a lone day may be right
    p = oversubscribed()
    assert complete_weekends(p, rules).shape == (6, 3) and complete_weekends(p, rules).all()
    unavailable = np.zeros((6, 21), dtype=bool)
    unavailable[0, 6] = True  # staff 0 may work only the Saturday of weekend 0: that weekend stays open to them
    mask = complete_weekends(p.replace(is_unavailable=unavailable), rules)
    assert not mask[0, 0] and mask[0, 1:].all() and mask[1:].all()
    fixed = np.full((6, 21), FREE, dtype=np.int64)
    fixed[1, 12] = 0  # a fixed day: that weekend is not the search's to complete
    assert complete_weekends(p.replace(fixed=fixed), rules).sum() == 17
    assert not complete_weekends(p, {hard.ONE_SHIFT_PER_DAY}).any()  # no weekend limit: no restriction
    monkeypatch.setattr("optimizer.roster.weekends.COMPLETE_WEEKENDS", False)
    assert not complete_weekends(p, rules).any()


def test_complete_weekends_also_where_the_seats_nearly_match_the_weekend_days(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = {hard.MAX_WEEKENDS}
    p = three_weekends()  # 11 seats for 12 weekend days: short of them by 1/12 of the days
    monkeypatch.setattr("optimizer.roster.weekends.COMPLETE_WEEKENDS_SLACK", 0.1)
    mask = complete_weekends(p, rules)
    assert mask.shape == (6, 3) and mask.all()
    monkeypatch.setattr("optimizer.roster.weekends.COMPLETE_WEEKENDS_SLACK", 0.05)
    assert not complete_weekends(p, rules).any()
    monkeypatch.setattr("optimizer.roster.weekends.COMPLETE_WEEKENDS_SLACK", 0.0)
    assert not complete_weekends(p, rules).any()


@pytest.mark.parametrize("engine", ["numpy", "jit"])
def test_labelling_works_both_days_of_a_weekend_or_neither_where_weekends_are_oversubscribed(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff 0 is paid to work Saturday 5 and charged for every other shift: alone it would work that day only; where
    weekend seats outnumber weekend days it works Sunday 6 too (the dearer complete weekend), and the roster keeps
    every rule by the independent checker."""
    rules = {r.id for r in HARD_RULES}
    cost = np.zeros((6, 21, 2))
    cost[:, :, 0] = 1.0
    cost[0, 5, 0] = -10.0
    staff = np.array([0])
    for on, expected in ((True, [5, 6]), (False, [5])):
        monkeypatch.setattr("optimizer.roster.weekends.COMPLETE_WEEKENDS", on)
        p = oversubscribed()
        found = LabelPricer(p, rules, engine=engine).price(cost, staff, per_staff=1)
        assert len(found) == 1
        row = found[0][1]
        assert np.flatnonzero(row >= 0).tolist() == expected
        schedule = np.full((6, 21), OFF, dtype=np.int64)
        schedule[0] = row
        assert check(p, schedule).feasible


def test_weekend_problem_fixes_free_weekdays_off_and_drops_run_rules() -> None:
    fixed = np.full((6, 21), FREE, dtype=np.int64)
    fixed[0, 2] = 0  # a fixed weekday shift stays
    fixed[1, 5] = OFF  # a fixed weekend day stays
    p = three_weekends(fixed=fixed, min_consecutive_days=np.full(6, 2, dtype=np.int64))
    sub, ids = weekend_problem(p)
    weekend = p.weekend_idx >= 0
    assert np.all(sub.fixed[:, weekend] == fixed[:, weekend])
    assert sub.fixed[0, 2] == 0
    others = np.ones((6, 21), dtype=bool)
    others[0, 2] = False
    assert np.all(sub.fixed[others & ~weekend[None, :]] == OFF)
    assert set(ids).isdisjoint(DROPPED_RULES)
    assert hard.MAX_WEEKENDS in ids and soft.UNDER_COVER in ids and hard.FORBIDDEN_SUCCESSIONS in ids
    assert set(weekend_problem(p, rule_ids=(hard.MAX_WEEKENDS, hard.MIN_CONSECUTIVE_DAYS))[1]) == {hard.MAX_WEEKENDS}


def test_weekend_plan_covers_every_weekend_seat_and_guides_a_feasible_roster() -> None:
    """The weekend plan puts someone on both days of weekend 0 (the only way to fill all ten weekend seats with six
    staff-weekends); construction and descent on the guided problem keep it in a roster of the real problem that the
    checker accepts."""
    p = three_weekends(min_consecutive_days=np.full(6, 2, dtype=np.int64))
    sub, ids = weekend_problem(p)
    run = solve_mod._run_cpsat(build_model(sub, rule_ids=ids), seconds=10, clock=_clock(10),
                               params=RosterParams(), seed=0, rel_gap=0.0, hint=None)
    plan = run.schedule
    assert plan is not None
    assert np.all(plan[:, p.weekend_idx < 0] == OFF)
    assert np.all(staffed(p, plan)[p.weekend_idx >= 0] >= p.cover_min[p.weekend_idx >= 0])
    both = (plan[:, 5] >= 0) & (plan[:, 6] >= 0)
    assert both.sum() == 1
    guided, guided_ids = guided_problem(p, plan, weight_share=0.6)
    descent = StaffDescent(guided, rule_ids=guided_ids)
    built, _ = descent.improve(descent.construct(rng=np.random.default_rng(0)), rng=np.random.default_rng(0))
    report = check(p, built)
    assert report.feasible, report.violations
    assert report.terms.get("under", 0) == 0


def test_guided_problem_asks_for_each_planned_weekend_shift() -> None:
    p = three_weekends(under_weight=np.full((21, 1), 90, dtype=np.int64))
    plan = np.full((6, 21), OFF, dtype=np.int64)
    plan[0, [5, 6]] = 0
    plan[1, 12] = 0
    plan[2, 3] = 0  # a weekday: not planned by the weekend problem, no request
    guided, ids = guided_problem(p, plan, weight_share=0.5)
    added = guided.on_request_staff.size - p.on_request_staff.size
    assert added == 3
    pairs = zip(guided.on_request_staff[-3:].tolist(), guided.on_request_day[-3:].tolist(), strict=True)
    assert sorted(pairs) == [(0, 5), (0, 6), (1, 12)]
    assert np.all(guided.on_request_weight[-3:] == 45) and np.all(guided.on_request_shift[-3:] == 0)
    assert ids is None
    assert set(guided_problem(p, plan, weight_share=0.5, rule_ids=(hard.MAX_WEEKENDS,))[1]) == \
        {hard.MAX_WEEKENDS, soft.SHIFT_ON_REQUESTS}
    # the plan itself grants every added request; an empty roster misses all three
    off = np.full((6, 21), OFF, dtype=np.int64)
    missed = (evaluate_schedule(guided, off).term_totals[soft.SHIFT_ON_REQUESTS]
              - evaluate_schedule(p, off).term_totals[soft.SHIFT_ON_REQUESTS])
    assert missed == 135
    assert evaluate_schedule(guided, plan).term_totals[soft.SHIFT_ON_REQUESTS] == \
        evaluate_schedule(p, plan).term_totals[soft.SHIFT_ON_REQUESTS]


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(roster=np.zeros((2, 2), dtype=np.int64), weight_share=0.5), "roster: expected shape"),
    (dict(roster=np.full((6, 21), OFF, dtype=np.int64), weight_share=0.0), "weight_share: must be > 0"),
])
def test_guided_problem_names_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        guided_problem(three_weekends(), **kwargs)  # type: ignore[arg-type]


def _clock(seconds: float):  # type: ignore[no-untyped-def]
    return solve_mod._Clock(deadline=time.perf_counter() + seconds, dtime_left=seconds * 0.5, deterministic=True,
                            dtime_per_second=0.5)


@pytest.mark.parametrize("share", [0.25, 0.0])
def test_long_horizon_start_is_built_towards_the_weekend_plan(share: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a roster, a block whose horizon is longer than ``columns_max_days`` builds its first roster through
    the weekend plan (``WEEKEND_SHARE`` > 0) or directly (0); either roster passes the independent checker."""
    monkeypatch.setattr(solve_mod, "WEEKEND_SHARE", share)
    p = three_weekends(min_consecutive_days=np.full(6, 2, dtype=np.int64),
                       min_total_minutes=np.full(6, 480 * 6, dtype=np.int64))
    stats: dict[str, float] = {}
    params = RosterParams(columns_max_days=14)
    best, best_obj, _, _, _ = solve_mod._column_phase(p, None, math.inf, -math.inf, "", clock=_clock(10),
                                                      params=params, seed=0, stats=stats)
    assert best is not None
    report = check(p, best)
    assert report.feasible, report.violations
    assert report.objective == best_obj
    assert ("weekend_plan_short" in stats) == (share > 0)
    if share > 0:
        assert stats["weekend_plan_short"] == 0


def test_long_horizon_start_falls_back_when_the_guided_roster_breaks_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weekend-guided roster that breaks a hard rule is dropped and the roster is built without the plan."""
    p = three_weekends(min_consecutive_days=np.full(6, 2, dtype=np.int64))
    broken = np.full((6, 21), OFF, dtype=np.int64)
    broken[0, 12] = 0  # a lone Saturday: a run of one day
    monkeypatch.setattr(solve_mod, "_weekend_start", lambda *args, **kwargs: broken)
    stats: dict[str, float] = {}
    best, _, _, _, _ = solve_mod._column_phase(p, None, math.inf, -math.inf, "", clock=_clock(10),
                                               params=RosterParams(columns_max_days=14), seed=0, stats=stats)
    assert stats["weekend_start_infeasible"] == 1.0
    assert best is not None and check(p, best).feasible


def test_weekend_mip_plans_the_weekends_and_bounds_the_whole_problem() -> None:
    """13 weekend seats for the 12 weekend days six staff may work (one weekend each): the MIP's plan leaves one
    seat empty, keeps every rule of the weekend problem (independent checker), and its bound (one empty seat, 100
    points) lies below the proven optimum of the whole problem, which also asks for runs of two days."""
    p = oversubscribed(min_consecutive_days=np.full(6, 2, dtype=np.int64))
    plan = weekend_mip(p)
    assert plan is not None and plan.optimal
    assert plan.short == 1
    assert np.all(plan.plan[:, p.weekend_idx < 0] == OFF)
    sub, _ = weekend_problem(p)
    assert check(sub, plan.plan).feasible
    assert plan.bound == 100
    best = solve(p, params=RosterParams(num_workers=1, use_columns=False, use_lns=False),
                 stop=Stop(time_limit_s=20, rel_gap=0.0))
    assert best.status.value == "optimal" and plan.bound <= best.objective


def test_fixed_weekends_fixes_each_free_weekend_cell_to_the_plan() -> None:
    fixed = np.full((6, 21), FREE, dtype=np.int64)
    fixed[1, 5] = 0  # a fixed weekend cell keeps its value
    p = three_weekends(fixed=fixed)
    plan = np.full((6, 21), OFF, dtype=np.int64)
    plan[0, [5, 6, 2]] = 0
    out = fixed_weekends(p, plan).fixed
    weekend = p.weekend_idx >= 0
    assert out[0, 5] == out[0, 6] == 0 and out[1, 5] == 0
    assert np.all(out[2:, weekend] == OFF) and out[1, 6] == OFF
    assert np.all(out[:, ~weekend] == FREE)  # weekdays stay free, whatever the plan says
    with pytest.raises(ValueError, match="plan"):
        fixed_weekends(p, plan[:, :7])


@pytest.mark.parametrize(("fix_from", "lp_share"), [(1, 0.3), (1, 0.0), (10_000, 0.3)])
def test_a_block_whose_weekends_cannot_all_be_covered_is_solved_with_the_plan_fixed(
        fix_from: int, lp_share: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``WEEKEND_FIX_MIN_STAFF`` lowered to 1 the block is solved with its weekends fixed to the MIP's plan
    first (not at 10,000), steered by column generation on the whole block when ``WEEKEND_LP_SHARE`` is positive;
    either way the MIP's bound is the block's bound, and the roster passes the independent checker at or above
    it."""
    monkeypatch.setattr(solve_mod, "WEEKEND_FIX_MIN_STAFF", fix_from)
    monkeypatch.setattr(solve_mod, "WEEKEND_LP_SHARE", lp_share)
    p = oversubscribed(min_consecutive_days=np.full(6, 2, dtype=np.int64))
    stats: dict[str, float] = {}
    params = RosterParams(full_model_max_vars=0)  # no full CP-SAT model first: it would prove this small block
    best, best_obj, bound, _, _ = solve_mod._solve_block(p, clock=_clock(10), params=params, seed=0,
                                                         rel_gap=0.0, stats=stats)
    assert stats["weekend_mip_short"] == 1 and stats["weekend_mip_bound"] == 100
    assert ("weekends_fixed_objective" in stats) == (fix_from == 1)
    assert ("weekend_lp_plan_short" in stats) == (fix_from == 1 and lp_share > 0)
    if "weekend_lp_plan_short" in stats:
        assert stats["weekend_lp_plan_short"] == 1  # steering never trades a weekend seat here (weight 5 < 100)
    assert best is not None
    report = check(p, best)
    assert report.feasible, report.violations
    assert report.objective == best_obj >= bound >= 100


def test_guide_costs_reward_the_guide_and_charge_work_where_it_is_off() -> None:
    p = three_weekends()
    guide = np.zeros((6, 21, 1))
    guide[0, 5, 0] = 1.0  # works day 5
    guide[1, 5, 0] = 0.25  # works a quarter
    cost = guide_costs(p, guide, 4.0)
    assert cost.shape == (6, 21, 1)
    assert cost[0, 5, 0] == -4.0
    assert cost[1, 5, 0] == pytest.approx(4.0 * 0.75 - 4.0 * 0.25)
    assert cost[2, 5, 0] == 4.0  # the guide is off there
    with pytest.raises(ValueError, match="guide"):
        guide_costs(p, guide[:, :7], 4.0)
    with pytest.raises(ValueError, match="guide_weight"):
        guide_costs(p, guide, -1.0)


def test_steered_weekend_mip_follows_a_guide_among_plans_of_equal_weekend_points() -> None:
    """The six staff of ``oversubscribed`` are alike, so the unsteered plan is one of many optimal plans. Steered
    towards another optimal plan (the same one with its staff rotated), the MIP returns exactly that plan: same
    empty seats, every rule of the weekend problem kept (independent checker), and no bound."""
    p = oversubscribed(min_consecutive_days=np.full(6, 2, dtype=np.int64))
    plain = weekend_mip(p)
    assert plain is not None and plain.short == 1
    target = np.roll(plain.plan, 1, axis=0)
    guide = (target[:, :, None] == np.arange(p.num_shifts)[None, None, :]).astype(np.float64)
    steered = weekend_mip(p, guide=guide, guide_weight=5.0)
    assert steered is not None and steered.optimal
    np.testing.assert_array_equal(steered.plan, target)
    assert steered.short == plain.short and steered.bound == -math.inf
    sub, _ = weekend_problem(p)
    assert check(sub, steered.plan).feasible
    with pytest.raises(ValueError, match="guide"):
        weekend_mip(p, guide=guide[:, :7], guide_weight=5.0)


def lone_saturday() -> RosterProblem:
    """One staff member who must work runs of at least two days, unavailable on Friday 4: Saturday 5 asks for one
    person, and they would rather not work Sunday 6 (an off request, 1 point)."""
    cover = np.zeros((14, 1), dtype=np.int64)
    cover[5, 0] = 1
    unavailable = np.zeros((1, 14), dtype=bool)
    unavailable[0, 4] = True
    one = np.ones(1, dtype=np.int64)
    return RosterProblem(cover_min=cover, is_allowed=np.ones((1, 1), dtype=bool), max_weekends=one,
                         min_consecutive_days=2 * one, is_unavailable=unavailable, off_request_staff=0 * one,
                         off_request_day=6 * one, off_request_shift=0 * one, off_request_weight=one)


def test_lone_day_pairs_tie_a_weekend_day_to_its_partner_where_its_weekday_cannot_be_worked() -> None:
    p = lone_saturday()
    np.testing.assert_array_equal(lone_day_pairs(p), [[0, 5, 6]])
    monday = p.is_unavailable.copy()
    monday[0, 7] = True
    assert sorted(map(tuple, lone_day_pairs(p.replace(is_unavailable=monday)).tolist())) == [(0, 5, 6), (0, 6, 5)]
    assert lone_day_pairs(p.replace(min_consecutive_days=np.ones(1, dtype=np.int64))).shape == (0, 3)
    assert lone_day_pairs(p, rule_ids=(hard.ONE_SHIFT_PER_DAY, soft.UNDER_COVER)).shape == (0, 3)


def test_weekend_mip_with_lone_days_plans_only_weekends_a_roster_can_keep() -> None:
    """Without the rows the plan works the lone Saturday (no run of two can hold it: the independent checker finds
    the plan breaks the whole problem's rules); with them it works the whole weekend, pays the off request and
    Sunday's over-cover, and the plan is a feasible roster of the whole problem."""
    p = lone_saturday()
    plain = weekend_mip(p)
    assert plain is not None and plain.plan[0, 5] == 0 and plain.plan[0, 6] == OFF
    assert not check(p, plain.plan).feasible
    kept = weekend_mip(p, lone_days=True)
    assert kept is not None and kept.plan[0, 5] == kept.plan[0, 6] == 0
    report = check(p, kept.plan)
    assert report.feasible and report.objective == 2  # the off request and one person over Sunday's cover of 0
    assert kept.bound <= report.objective


def test_lp_guide_rounds_to_columns_that_keep_every_staff_rule() -> None:
    """A column that breaks a staff rule (a lone Saturday after the unavailable Friday), forced into the master
    with a low cost, is never the rounded roster: the rounding takes a column that keeps every rule."""
    from optimizer.roster.columns import ColumnGeneration

    p = lone_saturday()
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    bad = np.full(14, OFF, dtype=np.int64)
    bad[5] = 0
    good = bad.copy()
    good[6] = 0
    assert not math.isfinite(cg.own_cost(0, bad)) and cg.own_cost(0, good) == 1
    assert cg.add_column(0, bad, cost=0.0) and cg.add_column(0, good)
    cg.h.run()
    guide = cg.lp_guide()
    assert guide is not None
    np.testing.assert_array_equal(guide[1][0], good)
    assert check(p, guide[1]).feasible

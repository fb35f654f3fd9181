"""Each duty rule alone on a tiny hand-built instance.

For every rule: a hand-made roster that satisfies it, one that breaks it (exact violation count or penalty),
the boundary case, then a solve with only that rule (plus ``under_cover``, which gives the solver a reason to
staff anything) whose optimum is known by hand, and the independent checker passing the solved roster.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from duty_helpers import (
    BAOTOU,
    HOHHOT,
    HOHHOT_2,
    TUMOTE_LEFT,
    checker_violations,
    compile_only,
    court,
    hotline,
    inputs,
    judge,
    lawyer,
    solve_rules,
)

from models.duty import RULE_BY_ID, CountyBudget, DutyRequest, PublishedRoster
from models.duty.context import county_km
from models.duty.rules import DUTY_RULES, HARD_RULES, SOFT_TERMS
from models.duty.service import plan_roster
from models.region import load_regions
from optimizer.roster import RosterParams
from scenarios.duty import DutyScenarioSpec, generate_duty

UNDER = "under_cover"


def test_registry_lists_hard_rules_first_with_ids_sources_and_units() -> None:
    """Hard rules come first; every rule has a unique id, a unit, a source and core rule ids; soft terms have a
    default weight, hard rules none."""
    assert DUTY_RULES == HARD_RULES + SOFT_TERMS
    assert len({r.id for r in DUTY_RULES}) == len(DUTY_RULES)
    for r in DUTY_RULES:
        assert r.unit and r.source and r.core_ids and r.description
        assert (r.default_weight is None) == (r.hard or r.weight_name is None)
    assert RULE_BY_ID["under_cover"].default_weight == 1000


def test_one_shift_per_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two stations open every day, one lawyer: the solver staffs one station a day (7 x 1,000 points missing);
    the checker flags a roster file with two shifts on one day."""
    inp = inputs([court("C1"), court("C2")], [lawyer("L1")])
    c = compile_only(inp, ["one_shift_per_day", UNDER])
    violations, terms = judge(c, [("L1", d, "C1", "day") for d in range(7)])
    assert violations["one_shift_per_day"] == 0 and terms[UNDER] == 7 * 1000
    plan = solve_rules(inp, ["one_shift_per_day", UNDER])
    assert plan.result.objective == 7000 and len(plan.roster) == 7
    assert plan.roster.groupby("date").size().max() == 1
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_checker_flags_two_shifts_a_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The independent checker counts a lawyer with two rows on one day."""
    import pandas as pd

    inp = inputs([court("C1"), court("C2")], [lawyer("L1")])
    roster = pd.DataFrame({"date": ["2024-03-04", "2024-03-04"], "station_id": ["C1", "C2"], "period": ["day", "day"],
                           "lawyer_id": ["L1", "L1"]})
    found = checker_violations(tmp_path, inp, roster)
    assert [v.rule for v in found] == ["one_shift_per_day"]


def test_forbidden_successions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No early shift the day after a night: night then early breaks it once, night then late and a day off in
    between do not; with night on Monday and early on Tuesday only one can be staffed."""
    h = hotline(periods={"night": ("mon",), "early": ("tue", "wed"), "late": ("tue",)})
    inp = inputs([h], [lawyer("L1", hotline=True)])
    c = compile_only(inp, ["forbidden_successions", UNDER])
    assert judge(c, [("L1", 0, "H", "night"), ("L1", 1, "H", "early")])[0]["forbidden_successions"] == 1
    assert judge(c, [("L1", 0, "H", "night"), ("L1", 1, "H", "late")])[0]["forbidden_successions"] == 0
    assert judge(c, [("L1", 0, "H", "night"), ("L1", 2, "H", "early")])[0]["forbidden_successions"] == 0
    inp2 = inputs([hotline(periods={"night": ("mon",), "early": ("tue",)})], [lawyer("L1", hotline=True)])
    plan = solve_rules(inp2, ["forbidden_successions", UNDER])
    assert plan.result.objective == 1000 and len(plan.roster) == 1
    assert checker_violations(tmp_path, inp2, plan.roster) == []


def test_max_consecutive_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """At most 2 days in a row: 3 in a row break it once, 2 + off + 2 do not; over 7 open days a lawyer can
    serve at most 5 (2,000 points missing)."""
    inp = inputs([court()], [lawyer("L1")], max_consecutive_days=2)
    c = compile_only(inp, ["max_consecutive_days", UNDER])
    assert judge(c, [("L1", d, "C1", "day") for d in (0, 1)])[0]["max_consecutive_days"] == 0
    assert judge(c, [("L1", d, "C1", "day") for d in (0, 1, 2)])[0]["max_consecutive_days"] == 1
    assert judge(c, [("L1", d, "C1", "day") for d in (0, 1, 3, 4)])[0]["max_consecutive_days"] == 0
    plan = solve_rules(inp, ["max_consecutive_days", UNDER])
    assert plan.result.objective == 2000 and len(plan.roster) == 5
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_min_consecutive_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Runs of at least 2 days: a lone Wednesday breaks it, Wednesday + Thursday do not, a lone first or last
    day is exempt (unknown past and future); a court open on Wednesday only cannot be staffed."""
    inp = inputs([court()], [lawyer("L1")], min_consecutive_days=2)
    c = compile_only(inp, ["min_consecutive_days", UNDER])
    assert judge(c, [("L1", 2, "C1", "day")])[0]["min_consecutive_days"] == 1
    assert judge(c, [("L1", 2, "C1", "day"), ("L1", 3, "C1", "day")])[0]["min_consecutive_days"] == 0
    assert judge(c, [("L1", 0, "C1", "day"), ("L1", 6, "C1", "day")])[0]["min_consecutive_days"] == 0
    only_wed = inputs([court(weekdays=("wed",))], [lawyer("L1")], min_consecutive_days=2)
    plan = solve_rules(only_wed, ["min_consecutive_days", UNDER])
    assert plan.result.objective == 1000 and plan.roster.empty
    assert checker_violations(tmp_path, only_wed, plan.roster) == []


def test_min_days_off_in_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Days off in runs of at least 2: work-off-work breaks it, work-off-off-work does not, a single day off at
    the start is exempt; with a court open Monday and Wednesday only one of them is staffed."""
    inp = inputs([court()], [lawyer("L1")], min_days_off_in_row=2)
    c = compile_only(inp, ["min_days_off_in_row", UNDER])
    assert judge(c, [("L1", 1, "C1", "day"), ("L1", 3, "C1", "day")])[0]["min_consecutive_days_off"] == 1
    assert judge(c, [("L1", 1, "C1", "day"), ("L1", 4, "C1", "day")])[0]["min_consecutive_days_off"] == 0
    assert judge(c, [("L1", 1, "C1", "day"), ("L1", 2, "C1", "day")])[0]["min_consecutive_days_off"] == 0
    mon_wed = inputs([court(weekdays=("mon", "wed"))], [lawyer("L1")], min_days_off_in_row=2)
    plan = solve_rules(mon_wed, ["min_days_off_in_row", UNDER])
    assert plan.result.objective == 1000 and len(plan.roster) == 1
    assert checker_violations(tmp_path, mon_wed, plan.roster) == []


@pytest.mark.parametrize("setting", ["min_days_off_in_row", "min_consecutive_days"])
def test_minimum_runs_on_a_generated_fortnight(tmp_path, setting: str) -> None:  # type: ignore[no-untyped-def]
    """A generated fortnight (Ningxia, 150 lawyers) under two days off, or two duty days, in a row, planned on
    the path of large blocks (cover LP, repair, LNS; no column generation): a roster with duty days, no hard
    violation by the core or by the independent checker."""
    spec = DutyScenarioSpec(province="宁夏回族自治区", num_lawyers=150, num_days=14, seed=1)
    inp = generate_duty(spec)
    inp = dataclasses.replace(inp, settings=dataclasses.replace(inp.settings, **{setting: 2}))
    plan = plan_roster(inp, time_limit_s=5.0, seed=0, params=RosterParams(use_columns=False))
    assert plan.result.is_feasible and len(plan.roster) > 0
    assert plan.summary()["hard_violations"] == 0
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_max_weekends(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """At most one weekend in two weeks: Saturdays of both weekends break it once, a whole weekend does not;
    a weekend-only court is staffed on one weekend (2 days missing)."""
    inp = inputs([court(weekdays=("sat", "sun"))], [lawyer("L1", max_shifts=14)], max_weekends=1, num_days=14)
    c = compile_only(inp, ["max_weekends", UNDER])
    assert judge(c, [("L1", 5, "C1", "day"), ("L1", 12, "C1", "day")])[0]["max_weekends"] == 1
    assert judge(c, [("L1", 5, "C1", "day"), ("L1", 6, "C1", "day")])[0]["max_weekends"] == 0
    plan = solve_rules(inp, ["max_weekends", UNDER])
    assert plan.result.objective == 2000 and len(plan.roster) == 2
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_max_shifts_per_horizon(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """At most 3 shifts: 4 break it once, 3 do not; a court open 7 days gets 3 (4,000 points missing)."""
    inp = inputs([court()], [lawyer("L1", max_shifts=3)])
    c = compile_only(inp, ["max_shifts_per_horizon", UNDER])
    assert judge(c, [("L1", d, "C1", "day") for d in range(4)])[0]["max_total_shifts"] == 1
    assert judge(c, [("L1", d, "C1", "day") for d in range(3)])[0]["max_total_shifts"] == 0
    plan = solve_rules(inp, ["max_shifts_per_horizon", UNDER])
    assert plan.result.objective == 4000 and len(plan.roster) == 3
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_unavailable_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No duty on Tuesday and Wednesday, declared unavailable: a roster using Tuesday breaks it once."""
    inp = inputs([court()], [lawyer("L1", unavailable_dates=("2024-03-05", "2024-03-06"))])
    c = compile_only(inp, ["unavailable_days", UNDER])
    assert judge(c, [("L1", 1, "C1", "day")])[0]["unavailable_days"] == 1
    assert judge(c, [("L1", 0, "C1", "day"), ("L1", 3, "C1", "day")])[0]["unavailable_days"] == 0
    plan = solve_rules(inp, ["unavailable_days", UNDER])
    assert plan.result.objective == 2000 and set(plan.roster["date"]).isdisjoint({"2024-03-05", "2024-03-06"})
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_within_travel_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A lawyer in Baotou (about 140 km) may not serve a Hohhot court under an 80 km limit, may serve at exactly
    the distance, and may always take the remote hotline."""
    km = float(county_km(load_regions(), np.array([BAOTOU]), np.array([HOHHOT]))[0, 0])
    inp = inputs([court("C1"), court("C2")], [lawyer("NEAR"), lawyer("FAR", BAOTOU)])
    c = compile_only(inp, ["within_travel_limit", UNDER])
    assert judge(c, [("FAR", 0, "C1", "day"), ("FAR", 2, "C1", "day")])[0]["allowed_shift_types"] == 2
    assert judge(c, [("NEAR", 0, "C1", "day")])[0]["allowed_shift_types"] == 0
    exact = compile_only(inputs([court()], [lawyer("FAR", BAOTOU)], max_travel_km=km), ["within_travel_limit"])
    assert exact.problem.is_allowed.all()
    short = compile_only(inputs([court()], [lawyer("FAR", BAOTOU)], max_travel_km=km - 0.01), ["within_travel_limit"])
    assert not short.problem.is_allowed.any()
    remote = compile_only(inputs([hotline()], [lawyer("FAR", BAOTOU, hotline=True)]), ["within_travel_limit"])
    assert remote.problem.is_allowed.all()
    plan = solve_rules(inp, ["within_travel_limit", UNDER])
    assert plan.result.objective == 7000 and set(plan.roster["lawyer_id"]) == {"NEAR"}
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_enrolled_at_station(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A lawyer on C1's list only may not serve C2; ``*`` means any station; an empty list none."""
    inp = inputs([court("C1"), court("C2")], [lawyer("L1", stations=("C1",))])
    c = compile_only(inp, ["enrolled_at_station", UNDER])
    assert judge(c, [("L1", 0, "C2", "day")])[0]["allowed_shift_types"] == 1
    assert judge(c, [("L1", 0, "C1", "day")])[0]["allowed_shift_types"] == 0
    anywhere = compile_only(inputs([court("C1"), court("C2")], [lawyer("L1")]), ["enrolled_at_station"])
    assert anywhere.problem.is_allowed.all()
    nowhere = compile_only(inputs([court("C1"), hotline()], [lawyer("L1", stations=(), hotline=True)]),
                           ["enrolled_at_station"])
    assert nowhere.problem.is_allowed.tolist() == [[False, True, True, True]]
    plan = solve_rules(inp, ["enrolled_at_station", UNDER])
    assert plan.result.objective == 7000 and set(plan.roster["station_id"]) == {"C1"}
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_hotline_pool_enrolment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Hotline seats only for enrolled lawyers: an unenrolled lawyer's hotline shift breaks it."""
    h = hotline(periods={"late": ("mon", "tue", "wed")})
    inp = inputs([h], [lawyer("IN", hotline=True), lawyer("OUT")])
    c = compile_only(inp, ["hotline_pool_enrolment", UNDER])
    assert judge(c, [("OUT", 0, "H", "late")])[0]["allowed_shift_types"] == 1
    assert judge(c, [("IN", 0, "H", "late")])[0]["allowed_shift_types"] == 0
    plan = solve_rules(inp, ["hotline_pool_enrolment", UNDER])
    assert plan.result.objective == 0 and set(plan.roster["lawyer_id"]) == {"IN"}
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_speaks_station_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A station needing Mongolian gets only Mongolian speakers."""
    inp = inputs([court(languages=("mn",))], [lawyer("MN", languages=("mn",)), lawyer("ZH")])
    c = compile_only(inp, ["speaks_station_language", UNDER])
    assert judge(c, [("ZH", 0, "C1", "day")])[0]["allowed_shift_types"] == 1
    assert judge(c, [("MN", 0, "C1", "day")])[0]["allowed_shift_types"] == 0
    plan = solve_rules(inp, ["speaks_station_language", UNDER])
    assert plan.result.objective == 0 and set(plan.roster["lawyer_id"]) == {"MN"}
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_seats(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One seat: two lawyers on it break the rule once; both asking to serve Monday, only one is granted."""
    requests = [DutyRequest("L1", "2024-03-04", "on", "C1", "day", 30), DutyRequest("L2", "2024-03-04", "on", "C1", "day", 40)]
    inp = inputs([court(weekdays=("mon",))], [lawyer("L1"), lawyer("L2")], requests=requests)
    c = compile_only(inp, ["seats", UNDER, "requested_duty"])
    assert judge(c, [("L1", 0, "C1", "day"), ("L2", 0, "C1", "day")])[0]["max_cover"] == 1
    assert judge(c, [("L1", 0, "C1", "day")])[0]["max_cover"] == 0
    plan = solve_rules(inp, ["seats", UNDER, "requested_duty"])
    assert plan.result.objective == 30 and list(plan.roster["lawyer_id"]) == ["L2"]
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_county_subsidy_budget(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A 600-yuan budget pays three 200-yuan shifts (the boundary), not four; stations of the regional fund
    (budget county 0) are not capped."""
    paid = court(subsidy_yuan=200)
    inp = inputs([paid], [lawyer("L1"), lawyer("L2")], budgets=[CountyBudget(HOHHOT, 600)])
    c = compile_only(inp, ["county_subsidy_budget", UNDER])
    assert judge(c, [("L1", d, "C1", "day") for d in range(3)])[0]["group_budget"] == 0
    assert judge(c, [("L1", d, "C1", "day") for d in range(4)])[0]["group_budget"] == 1
    regional = compile_only(inputs([court(subsidy_yuan=200, budget_county=0)], [lawyer("L1")],
                                   budgets=[CountyBudget(HOHHOT, 0)]), ["county_subsidy_budget"])
    assert regional.problem.budget_group.tolist() == [-1]
    plan = solve_rules(inp, ["county_subsidy_budget", UNDER])
    assert plan.result.objective == 4000 and len(plan.roster) == 3
    assert checker_violations(tmp_path, inp, plan.roster) == []


# ------------------------------------------------------------------------------------------- soft terms
def test_under_cover_exact_penalty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two required, one lawyer: 1,000 points per missing lawyer per day."""
    inp = inputs([court(required=2)], [lawyer("L1")])
    c = compile_only(inp, [UNDER])
    assert judge(c, [("L1", d, "C1", "day") for d in range(7)])[1][UNDER] == 7 * 1000
    assert judge(c, [("L1", 0, "C1", "day")])[1][UNDER] == 7 * 2000 - 1000
    plan = solve_rules(inp, [UNDER])
    assert plan.result.objective == 7000
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_ideal_shortfall(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ideal two, required one: 50 points per lawyer missing below the ideal; two lawyers reach it."""
    inp = inputs([court(required=1, ideal=2)], [lawyer("L1"), lawyer("L2")])
    c = compile_only(inp, [UNDER, "ideal_shortfall"])
    assert judge(c, [("L1", d, "C1", "day") for d in range(7)])[1]["ideal_shortfall"] == 7 * 50
    plan = solve_rules(inp, [UNDER, "ideal_shortfall"])
    assert plan.result.objective == 0 and len(plan.roster) == 14
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_over_cover(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ideal one, two seats: a second lawyer costs 20 points; the solver does not add one."""
    inp = inputs([court(required=1, ideal=1, seats=2)], [lawyer("L1"), lawyer("L2")])
    c = compile_only(inp, [UNDER, "over_cover"])
    assert judge(c, [("L1", 0, "C1", "day"), ("L2", 0, "C1", "day")])[1]["over_cover"] == 20
    plan = solve_rules(inp, [UNDER, "over_cover"])
    assert plan.result.objective == 0 and len(plan.roster) == 7
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_travel_cost(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """round(km / 10) points per shift: 0 from the same county, 1 from 回民区 (6.6 km), 4 from 土默特左旗
    (44.6 km); the solver uses the nearest lawyer; the hotline costs nothing."""
    inp = inputs([court(), hotline(periods={"late": ("mon",)})],
                 [lawyer("A"), lawyer("B", HOHHOT_2), lawyer("C", TUMOTE_LEFT, hotline=True)])
    c = compile_only(inp, [UNDER, "travel_cost"])
    assert judge(c, [("A", 0, "C1", "day")])[1]["assignment_weight"] == 0
    assert judge(c, [("B", 0, "C1", "day"), ("C", 1, "C1", "day")])[1]["assignment_weight"] == 1 + 4
    assert judge(c, [("C", 0, "H", "late")])[1]["assignment_weight"] == 0
    courts_only = inputs([court()], [lawyer("A"), lawyer("B", HOHHOT_2), lawyer("C", TUMOTE_LEFT)])
    plan = solve_rules(courts_only, [UNDER, "travel_cost"])
    assert plan.result.objective == 0 and set(plan.roster["lawyer_id"]) == {"A"}
    assert checker_violations(tmp_path, courts_only, plan.roster) == []


def test_requested_duty_and_day_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A wish to serve Monday costs 25 when not granted; a wish for Tuesday off costs 35 when worked. L2 may
    serve once, so one wish must give: the solver breaks the cheaper one (L1 Monday, L2 Tuesday: 25)."""
    requests = [DutyRequest("L2", "2024-03-04", "on", weight=25), DutyRequest("L1", "2024-03-05", "off", weight=35)]
    inp = inputs([court(weekdays=("mon", "tue"))], [lawyer("L1"), lawyer("L2", max_shifts=1)], requests=requests)
    c = compile_only(inp, [UNDER, "requested_duty", "requested_day_off"])
    _, terms = judge(c, [("L1", 0, "C1", "day"), ("L1", 1, "C1", "day")])
    assert terms["shift_on_requests"] == 25 and terms["shift_off_requests"] == 35
    _, terms = judge(c, [("L2", 0, "C1", "day"), ("L1", 1, "C1", "day")])
    assert terms["shift_on_requests"] == 0 and terms["shift_off_requests"] == 35
    plan = solve_rules(inp, [UNDER, "requested_duty", "requested_day_off", "max_shifts_per_horizon"])
    assert plan.result.objective == 25
    assert plan.roster[["date", "lawyer_id"]].values.tolist() == [["2024-03-04", "L1"], ["2024-03-05", "L2"]]
    assert checker_violations(tmp_path, inp, plan.roster) == []


@pytest.mark.parametrize("term,core,weekdays", [
    ("fair_total_shifts", "fair_total_shifts", ("mon", "tue", "wed", "thu")),
    ("fair_weekend_shifts", "fair_weekend_shifts", ("sat", "sun")),
])
def test_fairness_spread(tmp_path, term: str, core: str, weekdays: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Spread (max - min) of shifts (or weekend shifts) between two lawyers of one city costs 10 per shift;
    with one seat the solver shares the days evenly."""
    inp = inputs([court(weekdays=weekdays)], [lawyer("L1"), lawyer("L2")], fairness_scope="city")
    c = compile_only(inp, [UNDER, term])
    days = [i for i in range(7) if ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[i] in weekdays]
    assert judge(c, [("L1", d, "C1", "day") for d in days])[1][core] == 10 * len(days)
    plan = solve_rules(inp, [UNDER, "seats", term])  # one seat: the days are shared, not doubled
    assert plan.result.objective == 0
    assert plan.roster.groupby("lawyer_id").size().tolist() == [len(days) // 2] * 2
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_fair_night_shifts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nights shared: all 4 nights to one lawyer cost 40; with one seat the solver gives two each."""
    inp = inputs([hotline(periods={"night": ("mon", "wed", "fri", "sun")})],
                 [lawyer("L1", hotline=True), lawyer("L2", hotline=True)], fairness_scope="province")
    c = compile_only(inp, [UNDER, "fair_night_shifts"])
    assert judge(c, [("L1", d, "H", "night") for d in (0, 2, 4, 6)])[1]["fair_night_shifts"] == 40
    plan = solve_rules(inp, [UNDER, "seats", "fair_night_shifts"])
    assert plan.result.objective == 0 and plan.roster.groupby("lawyer_id").size().tolist() == [2, 2]
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_few_changes_to_published(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Against a published roster, each changed (lawyer, day) costs 200; the solver keeps the published one
    when it is as good."""
    import pandas as pd

    inp = inputs([court()], [lawyer("L1"), lawyer("L2")])
    days = [f"2024-03-{4 + d:02d}" for d in range(7)]
    published = PublishedRoster(pd.DataFrame({"date": days, "station_id": "C1", "period": "day",
                                              "lawyer_id": ["L1", "L2"] * 3 + ["L1"]}),
                                first_date=inp.settings.start_date, last_date=inp.settings.dates[-1])
    c = compile_only(inp, [UNDER, "few_changes_to_published"], published=published)
    same = [("L1" if d % 2 == 0 else "L2", d, "C1", "day") for d in range(7)]
    assert judge(c, same)[1]["changes_from_reference"] == 0
    swapped = [("L2", 0, "C1", "day")] + same[1:]
    assert judge(c, swapped)[1]["changes_from_reference"] == 2 * 200
    plan = solve_rules(inp, [UNDER, "few_changes_to_published"], published=published)
    assert plan.result.objective == 0
    assert plan.roster.sort_values("date")["lawyer_id"].tolist() == ["L1", "L2"] * 3 + ["L1"]
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_unknown_rule_id_is_named() -> None:
    """Compiling an unknown rule id raises an error naming the field and the id."""
    with pytest.raises(ValueError, match=r"rules: unknown rule\(s\) \['no_such_rule'\]"):
        compile_only(inputs([court()], [lawyer("L1")]), ["no_such_rule"])

"""Decoding: explanations of uncovered shifts name the rule that left them empty; calendars, station rosters and
the change report say exactly what the roster says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from duty_helpers import BAOTOU, HOHHOT, checker_violations, court, hotline, inputs, lawyer, solve_rules
from icalendar import Calendar

from models.duty import CountyBudget
from models.duty.outputs import change_report, change_report_text, lawyer_calendars, station_roster_frame

CASES: list[tuple[str, list[Any], list[Any], dict[str, Any]]] = [
    ("within_travel_limit", [court(weekdays=("mon",))], [lawyer("FAR", BAOTOU)], {}),
    ("enrolled_at_station", [court("C1", weekdays=("mon",)), court("C2", weekdays=())],
     [lawyer("L1", stations=("C2",))], {}),
    ("hotline_pool_enrolment", [hotline(periods={"late": ("mon",)})], [lawyer("L1")], {}),
    ("speaks_station_language", [court(weekdays=("mon",), languages=("mn",))], [lawyer("L1")], {}),
    ("unavailable_days", [court(weekdays=("mon",))], [lawyer("L1", unavailable_dates=("2024-03-04",))], {}),
    ("max_shifts_per_horizon", [court(weekdays=("mon", "tue", "wed"))], [lawyer("L1", max_shifts=2)], {}),
    ("one_shift_per_day", [court("C1", weekdays=("mon",)), court("C2", weekdays=("mon",))], [lawyer("L1")], {}),
    ("max_consecutive_days", [court(weekdays=("mon", "tue", "wed"))], [lawyer("L1")], {"max_consecutive_days": 2}),
    ("min_days_off_in_row", [court(weekdays=("mon", "wed"))], [lawyer("L1")], {"min_days_off_in_row": 2}),
    ("max_weekends", [court(weekdays=("sat",))], [lawyer("L1")], {"max_weekends": 0}),
    ("county_subsidy_budget", [court(weekdays=("mon", "tue"), subsidy_yuan=100)], [lawyer("L1"), lawyer("L2")],
     {"budgets": [CountyBudget(HOHHOT, 150)]}),
    ("forbidden_successions", [hotline(periods={"night": ("mon",), "early": ("tue",)})], [lawyer("L1", hotline=True)],
     {}),
]


@pytest.mark.parametrize("reason,stations,lawyers,kw", CASES, ids=[c[0] for c in CASES])
def test_uncovered_shift_names_the_blocking_rule(tmp_path, reason: str, stations: list[Any], lawyers: list[Any],
                                                 kw: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """With every rule compiled in, exactly one required seat stays empty and its explanation names the rule
    that excluded the last candidate; the exclusion counts add up to the number of lawyers."""
    inp = inputs(stations, lawyers, **kw)
    plan = solve_rules(inp, None)
    uncovered = plan.explanations["uncovered"]
    assert [u["reason"] for u in uncovered] == [reason]
    u = uncovered[0]
    assert u["missing"] == u["required"] - u["staffed"] == 1 and u["text"]
    assert sum(u["excluded"].values()) == len(lawyers)
    assert plan.explanations["uncovered_by_reason"] == {reason: 1}
    assert checker_violations(tmp_path, inp, plan.roster) == []


def test_rule_totals_in_explanations() -> None:
    """The explanation lists every compiled rule with weight, unit, source and its total, matching the result."""
    inp = inputs([court(required=2)], [lawyer("L1")])
    plan = solve_rules(inp, None)
    by_id = {r["id"]: r for r in plan.explanations["rules"]}
    assert by_id["under_cover"]["total"] == 7000 and by_id["under_cover"]["weight"] == 1000
    assert by_id["within_travel_limit"]["hard"] and by_id["within_travel_limit"]["total"] == 0
    assert all(r["source"] and r["unit"] for r in plan.explanations["rules"])
    assert plan.explanations["summary"]["objective"] == plan.result.objective


def test_calendars_parse_back() -> None:
    """One calendar per lawyer; each shift an event at its local start (Asia/Shanghai) lasting its minutes; a
    night shift ends the next morning; the same roster gives the same bytes."""
    inp = inputs([court(weekdays=("mon",)), hotline(periods={"night": ("tue",)})],
                 [lawyer("L1"), lawyer("L2", hotline=True)])
    roster = pd.DataFrame({"date": ["2024-03-04", "2024-03-05"], "station_id": ["C1", "H"], "period": ["day", "night"],
                           "lawyer_id": ["L1", "L2"]})
    cals = lawyer_calendars(inp, roster, stamp=dt.date(2024, 3, 1), lawyers=["L1", "L2", "L3"])
    assert sorted(cals) == ["L1", "L2", "L3"]
    assert lawyer_calendars(inp, roster, stamp=dt.date(2024, 3, 1), lawyers=["L1", "L2", "L3"]) == cals
    ev1 = Calendar.from_ical(cals["L1"]).walk("VEVENT")
    assert len(ev1) == 1
    start, end = ev1[0].decoded("dtstart"), ev1[0].decoded("dtend")
    assert (start.isoformat(), end.isoformat()) == ("2024-03-04T09:00:00+08:00", "2024-03-04T17:00:00+08:00")
    assert str(start.tzinfo) == "Asia/Shanghai" and "C1" in str(ev1[0]["summary"])
    ev2 = Calendar.from_ical(cals["L2"]).walk("VEVENT")
    assert [e.decoded("dtend").isoformat() for e in ev2] == ["2024-03-06T07:00:00+08:00"]
    assert Calendar.from_ical(cals["L3"]).walk("VEVENT") == []
    rows = station_roster_frame(inp, roster)
    assert rows[["station_id", "start", "end", "weekday"]].values.tolist() == [["C1", "09:00", "17:00", "mon"],
                                                                              ["H", "23:00", "07:00", "tue"]]


def test_change_report_lists_exactly_the_changes() -> None:
    """Added, removed and moved shifts on re-published days, new shifts on newly published days, nothing for
    unchanged shifts."""
    old = pd.DataFrame({"date": ["2024-03-04", "2024-03-04", "2024-03-05"], "station_id": ["C1", "C1", "C2"],
                        "period": ["day"] * 3, "lawyer_id": ["L1", "L2", "L3"]})
    new = pd.DataFrame({"date": ["2024-03-04", "2024-03-05", "2024-03-05", "2024-03-06"],
                        "station_id": ["C2", "C2", "C1", "C1"], "period": ["day"] * 4,
                        "lawyer_id": ["L1", "L3", "L4", "L5"]})
    report = change_report(old, new, dates=["2024-03-04", "2024-03-05"], new_dates=["2024-03-06"])
    assert report.values.tolist() == [
        ["L1", "moved", "2024-03-04", "C2", "day", "C1", "day"],
        ["L2", "removed", "2024-03-04", "C1", "day", "", ""],
        ["L4", "added", "2024-03-05", "C1", "day", "", ""],
        ["L5", "new", "2024-03-06", "C1", "day", "", ""],
    ]
    inp = inputs([court("C1"), court("C2")], [lawyer(x) for x in ("L1", "L2", "L3", "L4", "L5")])
    text = change_report_text(report, inp, title="t")
    assert "3 change(s) to published days, 1 shift(s) on newly published days" in text
    assert "duty MOVED from C1 [C1] day to C2 [C2] day" in text and "CANCELLED" in text
    empty = change_report(old, old, dates=["2024-03-04", "2024-03-05"])
    assert empty.empty and "nobody needs to be told" in change_report_text(empty, inp, title="t")

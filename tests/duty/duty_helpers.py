"""Tiny hand-built duty instances and the glue that runs the independent checker on them.

Counties (2020 census file): 150102 新城区 and 150103 回民区 (呼和浩特市, a few km apart), 150121 土默特左旗
(about 45 km west of 新城区), 150202 东河区 (包头市, about 140 km away). 2024-03-04 is a Monday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.duty import DutyLawyer, Settings, ShiftDemand, Station, make_inputs
from models.duty.compile import Compiled, compile_roster
from models.duty.domain import WEEKDAYS, CountyBudget, DutyInputs, DutyRequest
from models.duty.io import write_inputs
from models.duty.service import DutyPlan, plan_roster
from models.schema import csv_bytes
from optimizer.roster import evaluate_schedule

try:  # tests/ may or may not be a package
    from tests.duty_checker import Violation, check
except ImportError:  # pragma: no cover - depends on sys.path layout
    from duty_checker import Violation, check  # type: ignore[no-redef]

HOHHOT, HOHHOT_2, TUMOTE_LEFT, BAOTOU = 150102, 150103, 150121, 150202
MONDAY = dt.date(2024, 3, 4)
ALL_WEEK = WEEKDAYS


def settings(**kw: Any) -> Settings:
    """Seven days from a Monday; limits that bind nothing unless a test sets them."""
    base: dict[str, Any] = dict(start_date=MONDAY, num_days=7, max_travel_km=80.0, max_consecutive_days=7,
                                min_consecutive_days=1, min_days_off_in_row=1, max_weekends=2,
                                fairness_scope="none")
    base.update(kw)
    return Settings(**base)


def court(sid: str = "C1", county: int = HOHHOT, *, required: int = 1, ideal: int | None = None,
          seats: int | None = None, weekdays: tuple[str, ...] = ALL_WEEK, **kw: Any) -> Station:
    """A court workstation staffed in the ``day`` period."""
    ideal = required if ideal is None else ideal
    seats = ideal if seats is None else seats
    return Station(sid, county, "court", (ShiftDemand("day", weekdays, required, ideal, seats),), name=sid, **kw)


def hotline(sid: str = "H", *, periods: dict[str, tuple[str, ...]] | None = None, required: int = 1,
            **kw: Any) -> Station:
    """A hotline seat pool with the given periods (default early/late/night every day)."""
    periods = periods or {"early": ALL_WEEK, "late": ALL_WEEK, "night": ALL_WEEK}
    demand = tuple(ShiftDemand(p, days, required, required, required) for p, days in periods.items())
    return Station(sid, HOHHOT, "hotline", demand, name=sid, **kw)


def lawyer(lid: str, county: int = HOHHOT, **kw: Any) -> DutyLawyer:
    """A duty lawyer allowed 7 shifts, enrolled everywhere in person, not on the hotline unless told."""
    kw.setdefault("max_shifts", 7)
    return DutyLawyer(lid, county, **kw)


def inputs(stations: list[Station], lawyers: list[DutyLawyer], *, requests: list[DutyRequest] | None = None,
           budgets: list[CountyBudget] | None = None, **settings_kw: Any) -> DutyInputs:
    return make_inputs(stations, lawyers, settings(**settings_kw), requests=requests or [], budgets=budgets or [])


def schedule(compiled: Compiled, cells: list[tuple[str, int, str, str]]) -> np.ndarray:
    """Schedule [E, D] from ``(lawyer_id, day, station_id, period)`` cells."""
    ctx = compiled.ctx
    out = np.full((ctx.num_lawyers, ctx.num_days), -1, dtype=np.int64)
    for lid, d, sid, period in cells:
        e = int(ctx.lawyer_of(np.array([lid], dtype=object))[0])
        s = int(ctx.shift_of(np.array([sid], dtype=object), np.array([period], dtype=object))[0])
        assert e >= 0 and s >= 0, (lid, sid, period)
        out[e, d] = s
    return out


def judge(compiled: Compiled, cells: list[tuple[str, int, str, str]]) -> tuple[dict[str, int], dict[str, int]]:
    """(violations per core rule, points per core term) of a hand-made roster, by the compiled rules only."""
    ev = evaluate_schedule(compiled.problem, schedule(compiled, cells), rule_ids=compiled.core_ids)
    return ev.violations, ev.term_totals


def solve_rules(inp: DutyInputs, rules: list[str] | tuple[str, ...] | None, *, seconds: float = 2.0,
                **kw: Any) -> DutyPlan:
    """Plan with only ``rules`` compiled in (all when None), a small time limit, seed 0."""
    return plan_roster(inp, rules=rules, time_limit_s=seconds, seed=0, **kw)


def checker_violations(tmp_path: Path, inp: DutyInputs, roster: pd.DataFrame, **kw: Any) -> list[Violation]:
    """Write inputs and roster as files and run the independent checker on them."""
    folder = tmp_path / f"case{len(list(tmp_path.glob('case*')))}"
    write_inputs(inp, folder)
    (folder / "roster.csv").write_bytes(csv_bytes(roster))
    return check(folder, folder / "roster.csv", **kw)


def compile_only(inp: DutyInputs, rules: list[str] | tuple[str, ...] | None, **kw: Any) -> Compiled:
    return compile_roster(inp, rules=rules, **kw)

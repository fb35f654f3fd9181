"""The nightly job under minimum runs of duty days or days off (``min_consecutive_days``,
``min_days_off_in_row`` > 1): runs the plan left open at the edges of its horizon, call-in candidates that a
broken run would force, and the repair of a generated fortnight judged by the independent checker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from duty_helpers import MONDAY, check, court, inputs, lawyer

from models.duty import write_inputs
from models.duty.compile import PublishedRoster, compile_roster, forced_off_cells
from models.duty.nightly import nightly, publish, repair_fixed, unsettled_lawyers
from models.duty.service import plan_roster
from optimizer.roster import FREE, OFF, UNKNOWN, RosterParams, evaluate_schedule
from scenarios.duty import DutyScenarioSpec, generate_duty

W = 0  # a shift index


def row(cells: str) -> np.ndarray:
    """``"w.-"``: works, off, free (not fixed)."""
    return np.array([[{"w": W, ".": OFF, "-": FREE}[c] for c in cells]], dtype=np.int64)


def forced(cells: str, *, work_run: int = UNKNOWN, off_run: int = UNKNOWN, min_work: int = 2,
           min_off: int = 1) -> str:
    out = forced_off_cells(row(cells), np.array([work_run]), np.array([off_run]), np.array([min_work]),
                           np.array([min_off]))
    return "".join("F" if f else c for f, c in zip(out[0].tolist(), cells, strict=True))


def test_forced_cells_beside_a_short_closed_duty_run() -> None:
    """A lone duty day between fixed days off forces both neighbours (one of them must work); a run long
    enough, or left open by a free cell, the horizon's end or an unknown history, forces nothing."""
    assert forced("..w..") == ".FwF."
    assert forced("..ww..") == "..ww.."
    assert forced("..w-.") == "..w-."
    assert forced("...w") == "...w"
    assert forced("w...") == "w..."  # unknown history: the run may be longer
    assert forced("w...", work_run=0, off_run=3) == "wF.."
    assert forced("..w..", min_work=3) == ".FwF."
    assert forced("..ww..", min_work=3) == ".FwwF."


def test_forced_cells_from_the_history() -> None:
    """A history run of one duty day closed on day 0 forces day 0; one of two days, or an open day 0, does not."""
    assert forced("....", work_run=1, off_run=0) == "F..."
    assert forced("....", work_run=2, off_run=0) == "...."
    assert forced("-...", work_run=1, off_run=0) == "-..."


def test_forced_cells_inside_a_short_closed_run_of_days_off() -> None:
    """Under two days off in a row a lone day off between duty days is forced; two days off are not."""
    assert forced("ww.ww", min_work=1, min_off=2) == "wwFww"
    assert forced("ww..ww", min_work=1, min_off=2) == "ww..ww"
    assert forced(".ww", work_run=2, off_run=0, min_work=1, min_off=2) == "Fww"
    assert forced(".ww", work_run=0, off_run=1, min_work=1, min_off=2) == ".ww"


def published(rows: list[tuple[str, int]], *, first: dt.date, num_days: int) -> PublishedRoster:
    frame = pd.DataFrame({"date": [(first + dt.timedelta(days=d)).isoformat() for _, d in rows],
                          "station_id": "C1", "period": "day", "lawyer_id": [lid for lid, _ in rows]})
    return PublishedRoster(roster=frame, first_date=first, last_date=first + dt.timedelta(days=num_days - 1))


def test_history_run_from_the_first_published_day_is_open() -> None:
    """A run reaching back to the first published day is an open history: its known days count for the
    maximum run (L2: two published days, then two frozen duty days, four in a row > 3), the minimum run does
    not apply to it (L1: one duty day, then a frozen day off, no violation under two days in a row; the plan
    that published it took that edge as unknown too), and the shift's class governs the succession into day 0.
    A run that began inside the published days is known (L3)."""
    inp = inputs([court(seats=3)], [lawyer("L1"), lawyer("L2"), lawyer("L3")], min_consecutive_days=2,
                 max_consecutive_days=3)
    first = MONDAY - dt.timedelta(days=2)
    pub = published([("L1", 0), ("L1", 1), ("L2", 0), ("L2", 1), ("L2", 2), ("L2", 3), ("L3", 1), ("L3", 2),
                     ("L3", 3)], first=first, num_days=9)
    c = compile_roster(inp, published=pub, frozen_days=3)
    p = c.problem
    assert p.history_work_run.tolist() == [2, 2, 1] and p.history_off_run.tolist() == [UNKNOWN, UNKNOWN, 0]
    assert p.history_open.tolist() == [True, True, False] and (p.history_last_class >= 0).all()
    ev = evaluate_schedule(p, np.where(p.fixed == FREE, OFF, p.fixed), rule_ids=c.core_ids)
    assert ev.violations.get("max_consecutive_days", 0) == 1  # L2 (L3: 1 + 2 = 3 days)
    assert ev.violations.get("min_consecutive_days", 0) == 0
    lone = published([("L1", 0)], first=MONDAY - dt.timedelta(days=1), num_days=8)
    p1 = compile_roster(inp, published=lone, frozen_days=3).problem
    assert p1.history_work_run[0] == 1 and p1.history_off_run[0] == UNKNOWN
    ev1 = evaluate_schedule(p1, np.where(p1.fixed == FREE, OFF, p1.fixed))
    assert ev1.violations.get("min_consecutive_days", 0) == 0


def test_unsettled_lawyers_and_their_free_days() -> None:
    """Published days 0-5 of a 7-day horizon under two duty days in a row: L1's lone duty day on the last
    published day must run on into day 6, so the repair frees L1's days after the frozen window; L2 (two days)
    and L3 (off) stay fixed. Under a minimum of one day nobody is unsettled."""
    inp = inputs([court(seats=3)], [lawyer("L1"), lawyer("L2"), lawyer("L3")], min_consecutive_days=2)
    pub = published([("L1", 5), ("L2", 4), ("L2", 5)], first=MONDAY, num_days=6)
    c = compile_roster(inp, published=pub, frozen_days=2)
    assert unsettled_lawyers(c).tolist() == [True, False, False]
    fixed = repair_fixed(c)
    assert (fixed[0, 2:] == FREE).all() and (fixed[0, :2] == OFF).all()
    assert (fixed[1:, :6] != FREE).all() and (fixed[:, 6] == FREE).all()
    ones = dataclasses.replace(inp, settings=dataclasses.replace(inp.settings, min_consecutive_days=1))
    assert not unsettled_lawyers(compile_roster(ones, published=pub, frozen_days=2)).any()


def test_no_call_in_that_a_broken_run_would_force() -> None:
    """L1 drops out on day 1. L2 worked day -1 alone (known: two published days of history) and is off on
    day 0 and day 1; L3 is off throughout. Under two duty days in a row L2's day 1 is not forced (day 0 closes
    the run), so both are candidates on day 1; with day 0 released instead, L2 on day 0 would be forced (the run
    of day -1 closed by day 0) and is not offered, L3 is."""
    inp = inputs([court(seats=1)], [lawyer("L1"), lawyer("L2"), lawyer("L3")], min_consecutive_days=2)
    first = MONDAY - dt.timedelta(days=2)
    pub = published([("L2", 1), ("L1", 2), ("L1", 3)], first=first, num_days=9)
    drop = pd.DataFrame({"lawyer_id": ["L1"], "start_date": [pd.Timestamp(MONDAY)],
                         "end_date": [pd.Timestamp(MONDAY + dt.timedelta(days=1))]})
    c = compile_roster(inp, published=pub, frozen_days=3, dropouts=drop)
    assert c.problem.history_work_run.tolist() == [UNKNOWN, 1, UNKNOWN]  # L1, L3: open runs off
    fixed = repair_fixed(c)
    assert fixed[1, 0] == OFF and fixed[2, 0] == FREE  # L2 on day 0 would be forced
    assert fixed[1, 1] == FREE and fixed[2, 1] == FREE
    assert c.problem.fixed[1, 0] == OFF and c.problem.fixed[2, 0] == FREE


def test_nightly_repair_of_a_generated_fortnight_under_two_duty_days_in_a_row(tmp_path: Path) -> None:
    """Ningxia, 150 lawyers, a fortnight planned under two duty days in a row and published; the next night
    the busiest lawyer of the first week drops out for that week. The repair has a roster (before, its model
    was infeasible: runs the plan had left open at the horizon's end could not go on, call-ins were forced by
    runs the new history closed) with no hard violation by the core or by the independent checker."""
    spec = DutyScenarioSpec(province="宁夏回族自治区", num_lawyers=150, num_days=14, seed=1)
    inp = generate_duty(spec)
    inp = dataclasses.replace(inp, settings=dataclasses.replace(inp.settings, min_consecutive_days=2))
    plan = plan_roster(inp, time_limit_s=5.0, seed=0, params=RosterParams(use_columns=False))
    assert plan.result.is_feasible
    state = tmp_path / "state"
    start = inp.settings.start_date
    publish(state, plan.roster, first_date=start, num_days=14)
    night = start + dt.timedelta(days=1)
    week = plan.roster[(plan.roster["date"] >= night.isoformat())
                       & (plan.roster["date"] < (night + dt.timedelta(days=7)).isoformat())]
    gone = str(week["lawyer_id"].value_counts().index[0])
    drop = pd.DataFrame({"lawyer_id": [gone], "start_date": [pd.Timestamp(night)],
                         "end_date": [pd.Timestamp(night + dt.timedelta(days=6))], "reason": ["ill"]})
    out = nightly(state, night, inp, dropouts=drop, frozen_days=7, time_limit_s=4.0, seed=0)
    assert out.info["repair_status"] in ("optimal", "feasible")
    assert out.info["hard_violations"] == 0
    assert not ((out.roster["lawyer_id"] == gone) & (out.roster["date"] < (night + dt.timedelta(days=7)).isoformat())).any()
    folder = tmp_path / "inputs"
    write_inputs(inp, folder)
    drop_csv = tmp_path / "dropouts.csv"
    drop.to_csv(drop_csv, index=False)
    assert check(folder, out.run_dir / "roster.csv", history_csv=out.run_dir / "base.csv", dropouts_csv=drop_csv,
                 start_date=night.isoformat()) == []
    base = pd.read_csv(out.run_dir / "base.csv", dtype=str)
    frozen = base[(base["date"] >= night.isoformat()) & (base["date"] < (night + dt.timedelta(days=7)).isoformat())
                  & (base["lawyer_id"] != gone)]
    kept = frozen.merge(out.roster, on=list(frozen.columns), how="left", indicator=True)
    assert (kept["_merge"] == "both").all()  # the frozen window keeps every published shift of the others


@pytest.mark.parametrize("setting", ["min_days_off_in_row", "min_consecutive_days"])
def test_three_nights_in_a_row_under_minimum_runs(tmp_path: Path, setting: str) -> None:
    """The nightly job run three nights in a row on a generated fortnight (Ningxia, 150 lawyers) under two days
    off, or two duty days, in a row, a dropout on the second night: every night's roster passes the core and the
    independent checker (with the published history and the dropouts), and the frozen days of the others are
    kept."""
    spec = DutyScenarioSpec(province="宁夏回族自治区", num_lawyers=150, num_days=14, seed=1)
    inp = generate_duty(spec)
    inp = dataclasses.replace(inp, settings=dataclasses.replace(inp.settings, **{setting: 2}))
    plan = plan_roster(inp, time_limit_s=4.0, seed=0, params=RosterParams(use_columns=False))
    state = tmp_path / "state"
    start = inp.settings.start_date
    publish(state, plan.roster, first_date=start, num_days=14)
    folder = tmp_path / "inputs"
    write_inputs(inp, folder)
    drop: pd.DataFrame | None = None
    drop_csv = tmp_path / "dropouts.csv"
    for k in (1, 2, 3):
        night = start + dt.timedelta(days=k)
        base = pd.read_csv(state / "published.csv", dtype=str)
        if k == 2:
            week = base[(base["date"] >= night.isoformat())
                        & (base["date"] < (night + dt.timedelta(days=5)).isoformat())]
            gone = str(week["lawyer_id"].value_counts().index[0])
            drop = pd.DataFrame({"lawyer_id": [gone], "start_date": [pd.Timestamp(night)],
                                 "end_date": [pd.Timestamp(night + dt.timedelta(days=4))], "reason": ["ill"]})
            drop.to_csv(drop_csv, index=False)
        out = nightly(state, night, inp, dropouts=drop, frozen_days=5, time_limit_s=2.0, seed=0)
        assert out.info["hard_violations"] == 0
        assert check(folder, out.run_dir / "roster.csv", history_csv=out.run_dir / "base.csv",
                     dropouts_csv=drop_csv if drop is not None else None, start_date=night.isoformat()) == []
        frozen = base[(base["date"] >= night.isoformat())
                      & (base["date"] < (night + dt.timedelta(days=5)).isoformat())]
        if drop is not None:
            frozen = frozen[frozen["lawyer_id"] != drop["lawyer_id"].iloc[0]]
        kept = frozen.merge(out.roster, on=list(frozen.columns), how="left", indicator=True)
        assert (kept["_merge"] == "both").all()

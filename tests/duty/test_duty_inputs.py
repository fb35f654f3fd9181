"""Duty input files: round trip, and errors that name the file, line, column and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from duty_helpers import HOHHOT, court, hotline, inputs, lawyer

from models.duty import CountyBudget, DutyRequest, ShiftDemand, Station, read_inputs, write_inputs
from models.duty.io import read_dropouts, read_roster
from models.schema import InputError


def sample(tmp_path: Path) -> Path:
    inp = inputs([court("C1", languages=("mn",), subsidy_yuan=200), hotline()],
                 [lawyer("L1", languages=("mn",), hotline=True, unavailable_dates=("2024-03-05",), stations=("C1",)),
                  lawyer("L2")],
                 requests=[DutyRequest("L1", "2024-03-06", "off", weight=30)],
                 budgets=[CountyBudget(HOHHOT, 1000)])
    write_inputs(inp, tmp_path / "in")
    return tmp_path / "in"


def test_round_trip_keeps_every_table(tmp_path: Path) -> None:
    """Written inputs read back equal (lists, booleans, dates, settings)."""
    folder = sample(tmp_path)
    back = read_inputs(folder)
    assert back.stations["languages"].tolist() == [("mn",), ()]
    assert back.lawyers["stations"].tolist() == [("C1",), ("*",)]
    assert back.lawyers["unavailable_dates"].tolist() == [("2024-03-05",), ()]
    assert back.lawyers["hotline"].tolist() == [True, False]
    assert back.demand["period"].tolist() == ["day", "early", "late", "night"]
    assert back.requests["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-06"]
    assert back.budgets.to_dict("list") == {"county": [HOHHOT], "budget_yuan": [1000]}
    assert back.settings.num_days == 7 and back.settings.fairness_scope == "none"


def _edit(path: Path, column: str, row: int, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("file,column,row,value,reason", [
    ("stations.csv", "kind", 0, "prison", "'prison' is not one of court"),
    ("stations.csv", "county", 1, "999999", "county code 999999 is not in the county file"),
    ("demand.csv", "station_id", 1, "NOPE", "station is not in stations.csv"),
    ("demand.csv", "weekdays", 0, "mon;funday", "holds an item not in mon"),
    ("demand.csv", "ideal", 0, "0", "must be >= required"),
    ("demand.csv", "start", 2, "25:00", "not a time HH:MM"),
    ("lawyers.csv", "max_shifts", 1, "-1", "below the minimum"),
    ("lawyers.csv", "stations", 0, "C1;C9", "names a station not in stations.csv"),
    ("requests.csv", "lawyer_id", 0, "L9", "lawyer is not in lawyers.csv"),
])
def test_bad_cells_name_file_line_column(tmp_path: Path, file: str, column: str, row: int, value: str,
                                         reason: str) -> None:
    """A bad cell raises InputError naming the file, its line (header = 1), the column and the reason."""
    folder = sample(tmp_path)
    _edit(folder / file, column, row, value)
    with pytest.raises(InputError) as err:
        read_inputs(folder)
    assert err.value.source.endswith(file) and err.value.line == row + 2 and err.value.column == column
    assert reason in err.value.reason


def test_settings_errors_name_the_key(tmp_path: Path) -> None:
    """Unknown keys and bad values of settings.json are named."""
    folder = sample(tmp_path)
    data = json.loads((folder / "settings.json").read_text())
    (folder / "settings.json").write_text(json.dumps(data | {"max_travel": 5}))
    with pytest.raises(InputError, match="column max_travel: unknown setting"):
        read_inputs(folder)
    (folder / "settings.json").write_text(json.dumps(data | {"max_consecutive_days": 0}))
    with pytest.raises(InputError, match="max_consecutive_days: must be >= 1"):
        read_inputs(folder)
    (folder / "settings.json").write_text(json.dumps(data | {"start_date": "2024-13-01"}))
    with pytest.raises(InputError, match="start_date"):
        read_inputs(folder)


def test_missing_file_and_dropout_dates(tmp_path: Path) -> None:
    """A missing required file is named; a dropout ending before it starts is refused; rosters read back."""
    folder = sample(tmp_path)
    (folder / "lawyers.csv").unlink()
    with pytest.raises(InputError, match="lawyers.csv.*file not found"):
        read_inputs(folder)
    drop = tmp_path / "drop.csv"
    drop.write_text("lawyer_id,start_date,end_date,reason\nL1,2024-03-06,2024-03-05,ill\n")
    with pytest.raises(InputError, match="line 2, column end_date: before start_date"):
        read_dropouts(drop)
    roster = tmp_path / "roster.csv"
    roster.write_text("date,station_id,period,lawyer_id\n2024-03-04,C1,day,L1\n")
    assert read_roster(roster).values.tolist() == [["2024-03-04", "C1", "day", "L1"]]


def test_domain_objects_validate_fields() -> None:
    """Domain objects name the field and reason of a bad value."""
    with pytest.raises(ValueError, match="ideal: must be >= required"):
        ShiftDemand("day", required=2, ideal=1, seats=2)
    with pytest.raises(ValueError, match="kind: 'prison' is not one of"):
        Station("S", HOHHOT, "prison", ())
    with pytest.raises(ValueError, match="period: 'noon' is not one of"):
        ShiftDemand("noon")

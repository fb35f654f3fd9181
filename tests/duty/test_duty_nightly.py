"""The nightly job: frozen days stay, runs are deterministic and reusable, a dropout is repaired with few
changes and the change report lists exactly the changed assignments; every roster passes the checker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from duty_helpers import check, court, hotline, inputs, lawyer
from icalendar import Calendar

from models.duty import DutyRequest, write_inputs
from models.duty.domain import DutyInputs, requests_frame
from models.duty.io import read_dropouts, read_roster
from models.duty.nightly import nightly

D1, D2, D3 = dt.date(2024, 3, 4), dt.date(2024, 3, 5), dt.date(2024, 3, 6)
FROZEN = 2
SECONDS = 2.0


def instance() -> DutyInputs:
    stations = [court("C1", weekdays=("mon", "tue", "wed", "thu", "fri")), court("C2"),
                hotline(periods={"late": ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})]
    lawyers = [lawyer(f"L{i}", max_shifts=5, hotline=i % 2 == 0) for i in range(1, 7)]
    return inputs(stations, lawyers, max_consecutive_days=3)


def run(state: Path, day: dt.date, inp: DutyInputs, **kw):  # type: ignore[no-untyped-def]
    return nightly(state, day, inp, frozen_days=FROZEN, time_limit_s=SECONDS, seed=0, **kw)


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_run(tmp_path: Path, inp: DutyInputs, outcome, dropouts: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "checker_inputs"
    write_inputs(inp, folder)
    base = outcome.run_dir / "base.csv"
    found = check(folder, outcome.run_dir / "roster.csv", history_csv=base if base.exists() else None,
                  dropouts_csv=dropouts, start_date=outcome.run_date.isoformat())
    assert found == []


def test_frozen_window_is_kept(tmp_path: Path) -> None:
    """A wish for a day off inside the frozen window, made after publication, does not move the published
    shift; the same wish after the window is granted. The past stays in the published roster."""
    inp = instance()
    first = run(tmp_path / "s", D1, inp)
    assert first.info["step"] == "plan" and first.num_changed == 0
    worked = first.roster[first.roster["date"] == D2.isoformat()]["lawyer_id"].iloc[0]
    later = first.roster[(first.roster["date"] == "2024-03-08")]["lawyer_id"].iloc[0]
    wishes = [DutyRequest(worked, D2.isoformat(), "off", weight=900), DutyRequest(later, "2024-03-08", "off", weight=900)]
    inp2 = dataclasses.replace(inp, requests=requests_frame(wishes))
    second = run(tmp_path / "s", D2, inp2)
    frozen = [(D2 + dt.timedelta(days=i)).isoformat() for i in range(FROZEN)]
    a = first.roster[first.roster["date"].isin(frozen)].reset_index(drop=True)
    b = second.roster[second.roster["date"].isin(frozen)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert not ((second.roster["date"] == "2024-03-08") & (second.roster["lawyer_id"] == later)).any()
    run(tmp_path / "control", D1, inp)  # control: without a frozen window the same wish is granted
    control = nightly(tmp_path / "control", D2, inp2, frozen_days=0, time_limit_s=SECONDS, seed=0)
    assert not ((control.roster["date"] == D2.isoformat()) & (control.roster["lawyer_id"] == worked)).any()
    published = read_roster(tmp_path / "s" / "published.csv")
    assert D1.isoformat() in set(published["date"])
    check_run(tmp_path, inp2, second)


def test_two_runs_same_files_and_reuse(tmp_path: Path) -> None:
    """Two state directories fed the same nights hold byte-identical files; running a night again reuses the
    stored result and leaves every file as it was."""
    inp = instance()
    for state in (tmp_path / "a", tmp_path / "b"):
        check_run(tmp_path, inp, run(state, D1, inp))
        check_run(tmp_path, inp, run(state, D2, inp))
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    before = files_of(tmp_path / "a")
    again = run(tmp_path / "a", D2, inp)
    assert again.reused and files_of(tmp_path / "a") == before
    with pytest.raises(ValueError, match="run_date: 2024-03-04 is before the last run"):
        run(tmp_path / "a", D1, inp)


@pytest.mark.parametrize("replan", [True, False])
def test_dropout_repair_changes_few_and_reports_exactly(tmp_path: Path, replan: bool) -> None:
    """A lawyer drops out for three days: none of their shifts remain on those days, every seat they left is
    refilled (at most two changes per lost shift), frozen shifts of others stay, and the change report names
    exactly the (lawyer, day) pairs whose assignment differs from the published roster. Checked with the
    re-plan step and with the repair step alone."""
    inp = instance()
    state = tmp_path / "s"
    run(state, D1, inp)
    second = run(state, D2, inp)
    counts = second.roster[second.roster["date"] <= "2024-03-08"]["lawyer_id"].value_counts()
    gone = str(counts.index[0])
    drop_file = tmp_path / "dropouts.csv"
    drop_file.write_text(f"lawyer_id,start_date,end_date,reason\n{gone},2024-03-06,2024-03-08,ill\n")
    third = run(state, D3, inp, dropouts=read_dropouts(drop_file), replan=replan)
    days = {"2024-03-06", "2024-03-07", "2024-03-08"}
    assert not ((third.roster["lawyer_id"] == gone) & third.roster["date"].isin(days)).any()
    base = read_roster(third.run_dir / "base.csv")
    compared = sorted(d for d in set(third.roster["date"]) | set(base["date"])
                      if D3.isoformat() <= d <= "2024-03-11")
    old = base[base["date"].isin(compared)].set_index(["lawyer_id", "date"])
    new = third.roster[third.roster["date"].isin(compared)].set_index(["lawyer_id", "date"])
    keys = set(old.index) | set(new.index)
    differ = {k for k in keys if k not in old.index or k not in new.index
              or tuple(old.loc[k, ["station_id", "period"]]) != tuple(new.loc[k, ["station_id", "period"]])}
    report = third.changes[third.changes["change"] != "new"]
    assert set(zip(report["lawyer_id"], report["date"], strict=True)) == differ
    assert len(report) == len(differ) == third.num_changed == third.info["changed_assignments"]
    lost = base[(base["lawyer_id"] == gone) & base["date"].isin(days)]
    assert len(lost) >= 1 and third.num_changed <= 2 * len(lost)
    refilled = lost.drop(columns="lawyer_id").merge(third.roster, on=["date", "station_id", "period"])
    assert len(refilled) == len(lost)  # every seat the lawyer left is taken by someone else
    frozen = {(D3 + dt.timedelta(days=i)).isoformat() for i in range(FROZEN)}
    kept = base[base["date"].isin(frozen) & (base["lawyer_id"] != gone)]
    merged = kept.merge(third.roster, on=list(kept.columns), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    check_run(tmp_path, inp, third, dropouts=drop_file)
    text = (third.run_dir / "changes.txt").read_text(encoding="utf-8")
    assert f"{gone}:" in text and "CANCELLED" in text
    cal = Calendar.from_ical((third.run_dir / "ics" / f"{gone}.ics").read_bytes())
    assert {e.decoded("dtstart").date().isoformat() for e in cal.walk("VEVENT")}.isdisjoint(days)

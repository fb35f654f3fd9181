"""The ``roster`` command line (typer sub-app) end to end on a small generated week of Inner Mongolia."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from duty_helpers import check
from icalendar import Calendar
from typer.testing import CliRunner

from api.cli_roster import roster_app

runner = CliRunner()
SMALL = ["--lawyers", "150", "--days", "7"]


def test_generate_plan_nightly(tmp_path: Path) -> None:
    """generate writes the inputs; plan writes roster, station rosters, calendars, explanations and the heat-map
    and its roster passes the independent checker; nightly publishes, and a second identical run reuses it."""
    res = runner.invoke(roster_app, ["generate", "--out", str(tmp_path / "in"), *SMALL])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "in").iterdir()} >= {"stations.csv", "demand.csv", "lawyers.csv",
                                                            "requests.csv", "budgets.csv", "settings.json"}
    res = runner.invoke(roster_app, ["plan", "--inputs", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                     "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    assert (out / "cover.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expl = json.loads((out / "explanations.json").read_text(encoding="utf-8"))
    assert expl["summary"]["status"] in ("optimal", "feasible") and "uncovered" in expl
    calendars = list((out / "ics").glob("*.ics"))
    assert calendars and all(Calendar.from_ical(p.read_bytes()).walk("VEVENT") for p in calendars)
    assert check(tmp_path / "in", out / "roster.csv") == []
    assert "Cover by station kind" in res.output

    state = tmp_path / "state"
    shutil.copytree(tmp_path / "in", state / "inputs")
    args = ["nightly", "--date", "2024-03-02", "--state", str(state), "--time-limit", "2", "--frozen-days", "2"]
    first = runner.invoke(roster_app, args)
    assert first.exit_code == 0, first.output
    run_dir = state / "runs" / "2024-03-02"
    assert (run_dir / "changes.csv").exists()
    assert check(state / "inputs", run_dir / "roster.csv", start_date="2024-03-02") == []
    second = runner.invoke(roster_app, args)
    assert second.exit_code == 0 and '"reused": true' in second.output


def test_demo_prints_tables_and_writes_heatmap(tmp_path: Path) -> None:
    """demo prints cover by station kind, fairness spread and writes cover.png and the inputs."""
    res = runner.invoke(roster_app, ["demo", "--out", str(tmp_path), *SMALL, "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    assert "Cover by station kind" in res.output and "Fairness spread" in res.output
    assert (tmp_path / "cover.png").exists() and (tmp_path / "inputs" / "lawyers.csv").exists()
    assert check(tmp_path / "inputs", tmp_path / "roster.csv") == []


def test_bad_inputs_exit_with_a_named_error(tmp_path: Path) -> None:
    """A missing input file ends with exit code 2 and a message naming it."""
    res = runner.invoke(roster_app, ["plan", "--inputs", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "stations.csv" in res.output and "file not found" in res.output

"""Reading cases.csv / providers.csv / policy.json (models.service.load_inputs) and the ``assign`` command line.

A bad cell raises InputError naming the file, the line (header = line 1), the column and the reason; the command
line prints it, exits non-zero and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from models.arrays import encode
from models.case import CASE_COLUMNS
from models.policy import PolicySet
from models.provider import PROVIDER_COLUMNS
from models.region import load_regions
from models.rules.hard import AVAILABLE
from models.schema import InputError
from models.service import load_inputs

CASE_HEADER = [c.name for c in CASE_COLUMNS]
PROVIDER_HEADER = [c.name for c in PROVIDER_COLUMNS]


def good_cases() -> list[dict[str, str]]:
    base = {
        "case_id": "K1", "centre_id": "C150102", "county": "150102", "kind": "civil", "stage": "none",
        "possible_sentence": "none", "minor": "false", "language": "", "codefendant_group": "",
        "party_ids": "A;B", "effort": "2", "received_date": "2024-03-04", "deadline": "2024-03-07",
        "priority_groups": "", "specialty": "", "previous_provider": "", "pinned_provider": "",
    }
    return [
        base,
        {**base, "case_id": "K2", "kind": "criminal_defence", "stage": "trial", "possible_sentence": "life",
         "minor": "yes", "language": "mn", "codefendant_group": "G1", "party_ids": "", "effort": "5",
         "priority_groups": "minor;disabled", "previous_provider": "P1"},
        {**base, "case_id": "K3", "county": "150103", "kind": "wage_claim", "minor": "0",
         "received_date": "2024-03-01", "priority_groups": "migrant_worker", "specialty": "labour"},
    ]


def good_providers() -> list[dict[str, str]]:
    base = {
        "provider_id": "P1", "kind": "lawyer", "home_county": "150102", "specialties": "criminal;civil;labour",
        "criminal_years": "6.5", "languages": "mn", "minors_familiar": "true", "open_load": "3", "capacity": "30",
        "unavailable_dates": "", "remote_ok": "false", "conflict_parties": "", "recent_assignments": "1",
    }
    return [
        base,
        {**base, "provider_id": "P2", "kind": "staff_lawyer", "home_county": "150103", "languages": "",
         "criminal_years": "3", "unavailable_dates": "2024-03-10;2024-03-11", "remote_ok": "1",
         "conflict_parties": "B"},
        {**base, "provider_id": "P3", "kind": "grassroots_worker", "home_county": "150103",
         "specialties": "civil;labour;family", "criminal_years": "0", "minors_familiar": "no", "open_load": "0"},
    ]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_inputs(directory: Path, cases: list[dict[str, str]] | None = None,
                 providers: list[dict[str, str]] | None = None) -> tuple[Path, Path]:
    return (write_csv(directory / "cases.csv", CASE_HEADER, good_cases() if cases is None else cases),
            write_csv(directory / "providers.csv", PROVIDER_HEADER, good_providers() if providers is None else providers))


def test_valid_files_load_with_typed_columns(tmp_path: Path) -> None:
    """Good files load: ints, floats, bools, dates, tuples of str, in file order; no policy gives the default."""
    cases_csv, providers_csv = write_inputs(tmp_path)
    inputs = load_inputs(cases_csv, providers_csv, None)
    c, p = inputs.cases, inputs.providers
    assert c["case_id"].tolist() == ["K1", "K2", "K3"] and p["provider_id"].tolist() == ["P1", "P2", "P3"]
    assert c["county"].dtype == np.int64 and c["effort"].tolist() == [2, 5, 2]
    assert c["minor"].tolist() == [False, True, False]
    assert pd.api.types.is_datetime64_any_dtype(c["received_date"])
    assert c["received_date"].tolist()[2] == pd.Timestamp("2024-03-01")
    assert c["party_ids"].tolist() == [("A", "B"), (), ("A", "B")]
    assert c["priority_groups"].tolist()[1] == ("minor", "disabled")
    assert p["criminal_years"].tolist() == [6.5, 3.0, 0.0]
    assert p["remote_ok"].tolist() == [False, True, False]
    assert p["unavailable_dates"].tolist()[1] == ("2024-03-10", "2024-03-11")
    assert p["specialties"].tolist()[2] == ("civil", "labour", "family")
    assert inputs.policy == PolicySet()
    enc = encode(c, p, load_regions(), inputs.policy, dt.date(2024, 3, 4))
    assert enc.cases.num == 3 and enc.providers.num == 3


def test_valid_policy_file_loads(tmp_path: Path) -> None:
    """A policy.json with a centre override loads and the override applies field by field."""
    cases_csv, providers_csv = write_inputs(tmp_path)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"default": {"allowed_tiers": ["home"]},
                                  "centres": {"C150102": {"allowed_tiers": ["home", "city", "province"]}}}),
                      encoding="utf-8")
    loaded = load_inputs(cases_csv, providers_csv, policy).policy
    assert loaded.default.allowed_tiers == ("home",)
    assert loaded.for_centre("C150102").allowed_tiers == ("home", "city", "province")
    assert loaded.for_centre("C150102").tier_cost == loaded.default.tier_cost


#: (column, bad value, row index) -> the cell is put in that row of cases.csv; line = row + 2
BAD_CASE_CELLS = [
    ("effort", "two", 2),
    ("effort", "2.5", 1),
    ("effort", "0", 0),
    ("county", "999999", 1),
    ("received_date", "2024-02-30", 2),
    ("deadline", "07/03/2024", 0),
    ("kind", "divorce", 1),
    ("minor", "maybe", 2),
    ("priority_groups", "migrant_worker;veteran", 1),
    ("specialty", "tax", 0),
    ("stage", "appeal", 2),
    ("centre_id", "", 1),
]


@pytest.mark.parametrize(("column", "value", "row"), BAD_CASE_CELLS)
def test_bad_case_cell_names_file_line_and_column(tmp_path: Path, column: str, value: str, row: int) -> None:
    """A bad cell of cases.csv raises InputError naming the file, the line (header = 1) and the column."""
    cases = good_cases()
    cases[row][column] = value
    cases_csv, providers_csv = write_inputs(tmp_path, cases=cases)
    with pytest.raises(InputError) as info:
        load_inputs(cases_csv, providers_csv, None)
    err = info.value
    assert (err.source, err.line, err.column) == (str(cases_csv), row + 2, column)
    assert str(err).startswith(f"{cases_csv}, line {row + 2}, column {column}: ")


BAD_PROVIDER_CELLS = [
    ("home_county", "159999", 1),
    ("capacity", "-1", 2),
    ("criminal_years", "many", 0),
    ("kind", "judge", 2),
    ("remote_ok", "sometimes", 1),
    ("specialties", "criminal;tax", 2),
    ("unavailable_dates", "2024-03-10;next week", 1),
    ("provider_id", "", 1),
]


@pytest.mark.parametrize(("column", "value", "row"), BAD_PROVIDER_CELLS)
def test_bad_provider_cell_names_file_line_and_column(tmp_path: Path, column: str, value: str, row: int) -> None:
    """A bad cell of providers.csv raises InputError naming the file, the line and the column."""
    providers = good_providers()
    providers[row][column] = value
    cases_csv, providers_csv = write_inputs(tmp_path, providers=providers)
    with pytest.raises(InputError) as info:
        load_inputs(cases_csv, providers_csv, None)
    err = info.value
    assert (err.source, err.line, err.column) == (str(providers_csv), row + 2, column)
    assert f"{providers_csv}, line {row + 2}, column {column}" in str(err)


def test_duplicate_case_id_points_at_the_second_row(tmp_path: Path) -> None:
    """A repeated case_id is reported on the line of its second occurrence."""
    cases = good_cases()
    cases[2]["case_id"] = "K1"
    cases_csv, providers_csv = write_inputs(tmp_path, cases=cases)
    with pytest.raises(InputError, match=r"cases\.csv, line 4, column case_id: id 'K1' repeats"):
        load_inputs(cases_csv, providers_csv, None)


def test_missing_column_is_reported_on_the_header_line(tmp_path: Path) -> None:
    """A column missing from the header is reported at line 1 with its name."""
    header = [h for h in CASE_HEADER if h != "effort"]
    rows = [{k: v for k, v in r.items() if k != "effort"} for r in good_cases()]
    cases_csv = write_csv(tmp_path / "cases.csv", header, rows)
    providers_csv = write_csv(tmp_path / "providers.csv", PROVIDER_HEADER, good_providers())
    with pytest.raises(InputError) as info:
        load_inputs(cases_csv, providers_csv, None)
    assert (info.value.source, info.value.line, info.value.column) == (str(cases_csv), 1, "effort")
    assert "missing" in info.value.reason


@pytest.mark.parametrize(
    ("changes", "line", "column", "reason"),
    [
        ({"deadline": "2024-03-03"}, 2, "deadline", "deadline is before received_date"),
        ({"kind": "criminal_defence", "stage": "none"}, 2, "stage", "criminal_defence needs stage"),
        ({"kind": "death_penalty_review", "stage": "trial"}, 2, "stage", "death_penalty_review needs stage review"),
        ({"possible_sentence": "death"}, 2, "possible_sentence", "non-criminal"),
    ],
)
def test_cross_column_errors(tmp_path: Path, changes: dict[str, str], line: int, column: str, reason: str) -> None:
    """Row checks across columns (deadline vs received, kind vs stage / sentence) name file, line and column."""
    cases = good_cases()
    cases[0].update(changes)
    cases_csv, providers_csv = write_inputs(tmp_path, cases=cases)
    with pytest.raises(InputError) as info:
        load_inputs(cases_csv, providers_csv, None)
    err = info.value
    assert (err.source, err.line, err.column) == (str(cases_csv), line, column)
    assert reason in str(err)


def test_deadline_equal_to_received_is_fine(tmp_path: Path) -> None:
    """deadline == received_date is allowed (deadline >= received)."""
    cases = good_cases()
    cases[1]["deadline"] = cases[1]["received_date"]
    cases_csv, providers_csv = write_inputs(tmp_path, cases=cases)
    assert len(load_inputs(cases_csv, providers_csv, None).cases) == 3


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A missing input file raises InputError naming it."""
    _, providers_csv = write_inputs(tmp_path)
    with pytest.raises(InputError, match="nope.csv"):
        load_inputs(tmp_path / "nope.csv", providers_csv, None)


@pytest.mark.parametrize(
    ("policy", "field", "reason"),
    [
        ({"default": {"allowed_tiers": ["home", "county"]}}, "default.allowed_tiers", "unknown tier"),
        ({"default": {"scarce_allowed_tiers": ["moon"]}}, "default.scarce_allowed_tiers", "unknown tier"),
        ({"default": {"tier_cost": {"home": 0, "city": -1, "province": 2, "partner": 3, "remote": 4}}},
         "default.tier_cost", ">= 0"),
        ({"default": {"tier_cost": {"home": 0}}}, "default.tier_cost", "missing cost"),
        ({"default": {"scarce_threshold_per_10k": -0.5}}, "default.scarce_threshold_per_10k", "0"),
        ({"default": {"allowed_tier": ["home"]}}, "default.allowed_tier", "Extra"),
        ({"centres": {"C1": {"allowed_tiers": ["galaxy"]}}}, "centres.C1.allowed_tiers", "unknown tier"),
        ({"centres": {"C1": {"tier_cost": {"home": -5, "city": 1, "province": 2, "partner": 3, "remote": 4}}}},
         "centres.C1.tier_cost", ">= 0"),
    ],
)
def test_policy_errors_name_the_field(tmp_path: Path, policy: dict[str, object], field: str, reason: str) -> None:
    """A bad policy.json raises ValueError naming the file and the field, with the reason."""
    cases_csv, providers_csv = write_inputs(tmp_path)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_inputs(cases_csv, providers_csv, path)
    message = str(info.value)
    assert message.startswith(f"{path}: field {field}: ")
    assert reason in message


def test_policy_not_json(tmp_path: Path) -> None:
    """A policy file that is not JSON raises ValueError naming the file."""
    cases_csv, providers_csv = write_inputs(tmp_path)
    path = tmp_path / "policy.json"
    path.write_text("{allowed_tiers: home", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_inputs(cases_csv, providers_csv, path)


def test_non_padded_unavailable_date_is_rejected_or_honoured(tmp_path: Path) -> None:
    """An unavailable date written 2024-3-4 is either rejected as not YYYY-MM-DD or makes the provider
    unavailable on 2024-03-04 — it must not pass validation and then be ignored."""
    providers = good_providers()
    providers[0]["unavailable_dates"] = "2024-3-4"
    cases_csv, providers_csv = write_inputs(tmp_path, providers=providers)
    try:
        inputs = load_inputs(cases_csv, providers_csv, None)
    except InputError as exc:
        assert (exc.line, exc.column) == (2, "unavailable_dates")
        return
    enc = encode(inputs.cases, inputs.providers, load_regions(), inputs.policy, dt.date(2024, 3, 4))
    assert not AVAILABLE.allows(enc, np.array([0]), np.array([0]))[0]


# ----------------------------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------------------------


def run_assign(directory: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, str]:
    """Run ``legalaid assign`` in ``directory`` with relative paths (short messages, no wrapping)."""
    monkeypatch.chdir(directory)
    result = CliRunner().invoke(app, ["assign", "--cases", "cases.csv", "--providers", "providers.csv",
                                      "--out", "out", "--as-of", "2024-03-04", "--time-limit", "5", *extra])
    return result.exit_code, " ".join(result.output.split())


def test_cli_bad_cases_exits_nonzero_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad cell: non-zero exit, the message names file, line and column, and the output directory stays empty."""
    cases = good_cases()
    cases[1]["effort"] = "lots"
    write_inputs(tmp_path, cases=cases)
    (tmp_path / "out").mkdir()
    code, output = run_assign(tmp_path, monkeypatch)
    assert code != 0
    assert "cases.csv, line 3, column effort" in output
    assert "'lots' is not a number" in output
    assert not (tmp_path / "out" / "plan.csv").exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_cli_bad_policy_exits_nonzero_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad policy: non-zero exit naming the field, and no output directory is created."""
    write_inputs(tmp_path)
    (tmp_path / "policy.json").write_text(json.dumps({"default": {"allowed_tiers": ["everywhere"]}}),
                                          encoding="utf-8")
    code, output = run_assign(tmp_path, monkeypatch, "--policy", "policy.json")
    assert code != 0
    assert "default.allowed_tiers" in output
    assert not (tmp_path / "out").exists()


def test_cli_good_files_write_plan_and_explanations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Good files: exit 0, plan.csv with every case once and explanations.json with one entry per case."""
    write_inputs(tmp_path)
    code, output = run_assign(tmp_path, monkeypatch)
    assert code == 0, output
    plan = pd.read_csv(tmp_path / "out" / "plan.csv", dtype=str, keep_default_na=False)
    assert list(plan.columns) == ["case_id", "provider_id", "assigned_date", "tier", "travel_km", "cost"]
    assert sorted(plan["case_id"]) == ["K1", "K2", "K3"]
    explanations = json.loads((tmp_path / "out" / "explanations.json").read_text(encoding="utf-8"))
    assert sorted(e["case_id"] for e in explanations) == ["K1", "K2", "K3"]
    by_case = dict(zip(plan["case_id"], plan["provider_id"], strict=True))
    for entry in explanations:
        assert (entry["provider_id"] or "") == by_case[entry["case_id"]]
    done = plan[plan["provider_id"] != ""]
    assert len(done) >= 1 and (done["assigned_date"] == "2024-03-04").all()

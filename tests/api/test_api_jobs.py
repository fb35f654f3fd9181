"""HTTP API: jobs stored in a database, validation errors, recommend; the plan passes the independent checker."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from scenarios.generator import ScenarioSpec, generate
from tests.checker import check_plan

SPEC = ScenarioSpec(provinces=("内蒙古自治区",), num_cases=40, num_providers=300,
                    start_date=dt.date(2024, 3, 4), num_days=3, seed=3)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif out[col].dtype == object:
            out[col] = out[col].map(lambda v: list(v) if isinstance(v, tuple) else v)
    return json.loads(out.to_json(orient="records", force_ascii=False))


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(f"sqlite:///{tmp_path / 'jobs.db'}"))


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    scenario = generate(SPEC)
    return {"cases": _records(scenario.cases), "providers": _records(scenario.providers), "policy": scenario.policy,
            "time_limit_s": 10}


def test_job_lifecycle_and_plan_passes_checker(client: TestClient, body: dict[str, Any], tmp_path: Path) -> None:
    """POST returns 202 and an id; the stored job is done with objective and bound; its plan passes the checker."""
    created = client.post("/assignments", json=body)
    assert created.status_code == 202
    job_id = created.json()["id"]
    status = client.get(f"/jobs/{job_id}/status").json()
    assert status["status"] == "done"
    assert status["bound"] <= status["objective"]
    job = client.get(f"/jobs/{job_id}").json()
    plan = pd.DataFrame(job["result"]["plan"])
    assert len(plan) == len(body["cases"])
    scenario = generate(SPEC)
    from scenarios.generator import write_scenario

    write_scenario(scenario, tmp_path)
    plan.to_csv(tmp_path / "plan.csv", index=False)
    violations = check_plan(tmp_path / "cases.csv", tmp_path / "providers.csv", tmp_path / "plan.csv",
                            tmp_path / "policy.json")
    assert violations == []


def test_unknown_job_is_404(client: TestClient) -> None:
    """An unknown job id gives 404 on every job route."""
    assert client.get("/jobs/nope").status_code == 404
    assert client.get("/jobs/nope/status").status_code == 404
    assert client.delete("/jobs/nope").status_code == 404


def test_bad_record_names_index_and_field(client: TestClient, body: dict[str, Any]) -> None:
    """A bad cell is rejected with 422 naming the record and the field, and no job is stored."""
    bad = dict(body, cases=[dict(body["cases"][0], effort="lots")] + body["cases"][1:])
    response = client.post("/assignments", json=bad)
    assert response.status_code == 422
    assert "cases[0].effort" in response.json()["detail"]


def test_delete_marks_cancelled_and_keeps_result(client: TestClient, body: dict[str, Any]) -> None:
    """DELETE on a finished job keeps its status and result (nothing is lost)."""
    job_id = client.post("/assignments", json=body).json()["id"]
    deleted = client.delete(f"/jobs/{job_id}").json()
    assert deleted["status"] == "done"
    assert deleted["result"]["plan"]


def test_recommend_ranks_by_cost(client: TestClient, body: dict[str, Any]) -> None:
    """Recommend returns at most `top` providers in ascending cost; an unknown case is 422 naming case_id."""
    case_id = body["cases"][0]["case_id"]
    ranked = client.post("/recommend", json=dict(body, case_id=case_id, top=3)).json()
    assert 1 <= len(ranked) <= 3
    costs = [r["cost"] for r in ranked]
    assert costs == sorted(costs)
    missing = client.post("/recommend", json=dict(body, case_id="NOPE"))
    assert missing.status_code == 422 and "case_id" in missing.json()["detail"]

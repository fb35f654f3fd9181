"""Planning a small generated cohort end to end: engine and greedy plans pass the independent checker, the
three evaluators (core, domain, checker) agree, explanations and summaries are complete; the benchmark runner's
output format; the checker catches broken plans; CLI smoke test."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from api.cli_deploy import deploy_app
from benchmarks.deployment import main as bench_main
from models.deployment.decode import (
    coverage_by_province,
    coverage_by_quartile,
    explain,
    metrics,
    solution_dict,
)
from models.deployment.io import instance_to_dict, write_instance
from models.deployment.service import compare, plan_deployment, plan_greedy
from optimizer.stop import Stop
from scenarios.deployment_map import deployment_map_png
from scenarios.volunteers import generate_cohort, small_spec
from tests.deployment_checker import check


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(small_spec(4, num_volunteers=60, num_counties=30))


@pytest.fixture(scope="module")
def plans(cohort):
    return plan_deployment(cohort, stop=Stop(time_limit_s=5)), plan_greedy(cohort)


def test_engine_and_greedy_plans_pass_the_checker(plans, checked):
    engine, greedy = plans
    checked(engine)
    checked(greedy)
    assert engine.objective <= greedy.objective
    assert engine.bound <= engine.objective
    assert engine.objective == sum(engine.term_totals.values())


def test_engine_beats_greedy_on_need_coverage(plans):
    engine, greedy = metrics(plans[0]), metrics(plans[1])
    assert engine["need_coverage_pct"] >= greedy["need_coverage_pct"]
    assert engine["empty_no_lawyer"] <= greedy["empty_no_lawyer"]


def test_explanations_cover_every_empty_county_and_every_volunteer_below_first_wish(plans):
    plan = plans[0]
    ex = explain(plan)
    counts = plan.counts()
    assert len(ex["empty_counties"]) == int((counts.sum(axis=1) == 0).sum())
    assert all(e["reasons"] for e in ex["empty_counties"])
    a = plan.arrays
    below = sum(1 for i, j in enumerate(plan.volunteer_county)
                if (j < 0 and plan.instance.volunteers[i].preferences) or (j >= 0 and a.rank[i, j] != 1
                                                                           and plan.instance.volunteers[i].preferences))
    assert len(ex["volunteers"]) == below
    assert {t["id"] for t in ex["terms"]} == set(plan.term_totals)
    assert all(r["violations"] == [] for r in ex["rules"])


def test_summaries_add_up(plans):
    plan = plans[0]
    by_p, by_q = coverage_by_province(plan), coverage_by_quartile(plan)
    n = len(plan.instance.counties)
    assert by_p["counties"].sum() == n == by_q["counties"].sum()
    assert by_p["lawyers"].sum() == by_q["lawyers"].sum() == metrics(plan)["lawyers_placed"]
    table = compare({"engine": plans[0], "greedy": plans[1]})
    assert list(table.columns) == ["engine", "greedy"] and "need_coverage_pct" in table.index
    assert deployment_map_png(plan)[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_runner_format_and_solution(cohort, tmp_path, capsys):
    path = tmp_path / "small-60.json"
    write_instance(cohort, path)
    bad = tmp_path / "broken.json"
    bad.write_text("{", encoding="utf-8")
    assert bench_main(["--time-limit", "5", "--solutions", str(tmp_path / "sol"), str(path), str(bad)]) == 2
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [list(x) for x in lines] == [["instance", "feasible", "objective", "bound", "gap_pct", "seconds"]] * 2
    good, broken = lines
    assert good["instance"] == "small-60" and good["feasible"] is True and good["gap_pct"] <= 1.0
    assert broken == {**broken, "instance": "broken", "feasible": False, "objective": None}
    result = check(path, tmp_path / "sol" / "small-60.json")
    assert result.ok and result.objective == good["objective"]
    assert bench_main(["--compare", "--time-limit", "5", str(path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert set(line) == {"instance", "engine", "greedy"}
    assert {"need_coverage_pct", "first_choice_pct", "empty_no_lawyer"} <= set(line["greedy"])


def test_checker_catches_broken_plans(plans):
    plan = plans[0]
    inst = instance_to_dict(plan.instance)
    sol = solution_dict(plan)
    assert check(inst, sol).ok
    twice = copy.deepcopy(sol)
    twice["assignments"].append(dict(twice["assignments"][0], county_id=inst["counties"][0]["county_id"]))
    assert "one_county_per_volunteer" in check(inst, twice).rules_broken()
    wrong = dict(sol, objective=sol["objective"] + 1)
    assert not check(inst, wrong).ok and check(inst, wrong).violations == []
    no_leaders = dict(sol, team_leaders=[])
    assert "provincial_team_leader" in check(inst, no_leaders).rules_broken()
    lawyers = {v["volunteer_id"] for v in inst["volunteers"] if v["kind"] == "lawyer"}
    only_partners = dict(sol, assignments=[x for x in sol["assignments"] if x["volunteer_id"] not in lawyers])
    assert "partner_serves_with_lawyer" in check(inst, only_partners).rules_broken()


def test_cli_smoke(tmp_path):
    runner = CliRunner()
    res = runner.invoke(deploy_app, ["generate", "--out", str(tmp_path / "in"), "--small", "--seed", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(deploy_app, ["plan", "--out", str(tmp_path / "plan"), "--counties", str(tmp_path / "in/counties.csv"),
                                     "--volunteers", str(tmp_path / "in/volunteers.csv"),
                                     "--settings", str(tmp_path / "in/settings.json"), "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    names = {p.name for p in (tmp_path / "plan").iterdir()}
    assert {"plan.csv", "teams_by_province.csv", "explanations.json", "coverage_by_province.csv",
            "coverage_by_quartile.csv", "map.png", "solution.json"} <= names
    assert check(tmp_path / "in/instance.json", tmp_path / "plan/solution.json").ok
    res = runner.invoke(deploy_app, ["compare", "--instance", str(tmp_path / "in/instance.json"),
                                     "--drop-agreement", "安徽省", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    assert "plan A vs plan B" in res.output
    res = runner.invoke(deploy_app, ["compare", "--instance", str(tmp_path / "in/instance.json"), "--drop-agreement", "Mars"])
    assert res.exit_code == 2 and "--drop-agreement" in res.output
    res = runner.invoke(deploy_app, ["demo", "--small", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    assert "engine vs greedy baseline" in res.output


def test_same_seed_same_plan(cohort, plans):
    """Solving again with the same seed (no time limit hit) gives the same plan."""
    again = plan_deployment(cohort, stop=Stop(time_limit_s=5))
    assert again.volunteer_county.tolist() == plans[0].volunteer_county.tolist()
    assert again.leader.tolist() == plans[0].leader.tolist()

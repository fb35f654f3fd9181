"""End-to-end tests: generated scenario -> engine (assign / recommend / decline / simulate) -> files -> checker.

Every engine result is judged by the independent checker ``tests/checker.py``, which re-derives the hard rules
from ``cases.csv``, ``providers.csv``, ``policy.json`` and ``plan.csv`` alone.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from models.arrays import encode
from models.policy import PolicySet
from models.region import Regions, load_regions
from models.schema import csv_bytes
from models.service import Outcome, assign, decline, load_inputs, recommend
from optimizer.stop import Stop
from scenarios.generator import Scenario, ScenarioSpec, generate, write_scenario
from scenarios.simulate import simulate

try:  # tests/ may or may not become a package
    from tests.checker import RULES, Violation, check_plan
except ImportError:  # pragma: no cover - depends on sys.path layout
    from checker import RULES, Violation, check_plan

IM = "内蒙古自治区"
NX = "宁夏回族自治区"
MONDAY = datetime.date(2024, 3, 4)
STOP = Stop(time_limit_s=30.0, rel_gap=0.0)
SPEC = ScenarioSpec(provinces=(IM,), num_cases=150, num_providers=800, start_date=MONDAY, num_days=5, seed=1)


# --------------------------------------------------------------------------------------------- helpers


def last_received(cases: pd.DataFrame) -> datetime.date:
    return cases["received_date"].max().date()


def run_assign(sc: Scenario, regions: Regions, *, seed: int = 0) -> Outcome:
    return assign(sc.cases, sc.providers, PolicySet.from_dict(sc.policy), last_received(sc.cases),
                  regions=regions, stop=STOP, seed=seed)


def check_files(directory: Path, sc: Scenario, plan: pd.DataFrame) -> list[Violation]:
    """Write the scenario and plan.csv into ``directory`` and run the checker on the files."""
    directory.mkdir(parents=True, exist_ok=True)
    write_scenario(sc, directory)
    (directory / "plan.csv").write_bytes(csv_bytes(plan))
    return check_plan(directory / "cases.csv", directory / "providers.csv", directory / "plan.csv",
                      directory / "policy.json")


def with_policy(sc: Scenario, **default_changes: Any) -> Scenario:
    policy = copy.deepcopy(sc.policy)
    policy["default"].update(default_changes)
    return dataclasses.replace(sc, policy=policy)


def plain_case(cases: pd.DataFrame, row: int, county: int) -> None:
    """Make case ``row`` a plain civil case in ``county`` (anyone nearby could take it), in place."""
    cases.loc[row, ["kind", "stage", "possible_sentence", "language", "codefendant_group", "specialty",
                    "previous_provider", "pinned_provider"]] = ["civil", "none", "none", "", "", "", "", ""]
    cases.loc[row, "minor"] = False
    cases.loc[row, "effort"] = 2
    cases.loc[row, "county"] = county
    cases.loc[row, "centre_id"] = f"C{county}"


def explanation_map(outcome: Outcome) -> dict[str, dict[str, Any]]:
    return {e["case_id"]: e for e in outcome.explanations}


def one_case_plan(cases: pd.DataFrame, case_id: str, provider_id: str, date: datetime.date, tier: str) -> pd.DataFrame:
    """A plan of every case where only ``case_id`` is assigned."""
    plan = pd.DataFrame({"case_id": cases["case_id"].to_numpy(), "provider_id": "", "assigned_date": "",
                         "tier": "", "travel_km": 0.0, "cost": 0})
    hit = plan["case_id"] == case_id
    plan.loc[hit, ["provider_id", "assigned_date", "tier"]] = [provider_id, date.isoformat(), tier]
    return plan


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def regions() -> Regions:
    return load_regions()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(SPEC)


@pytest.fixture(scope="module")
def outcome(scenario: Scenario, regions: Regions) -> Outcome:
    return run_assign(scenario, regions)


# --------------------------------------------------------------------------------------------- assign + checker


def test_engine_plan_passes_checker(tmp_path: Path, scenario: Scenario, outcome: Outcome) -> None:
    """The engine's plan for the last intake day, written to plan.csv, has zero checker violations; it covers
    every case once and assigns most of them on the batch date."""
    assert check_files(tmp_path, scenario, outcome.plan) == []
    plan = outcome.plan
    assert plan["case_id"].tolist() == scenario.cases["case_id"].tolist()
    done = plan[plan["provider_id"] != ""]
    assert len(done) >= 0.9 * len(plan)
    assert set(done["assigned_date"]) == {last_received(scenario.cases).isoformat()}
    assert outcome.result.is_feasible and outcome.result.bound <= outcome.result.objective


def test_plan_from_files_equals_plan_from_frames(tmp_path: Path, scenario: Scenario, outcome: Outcome,
                                                 regions: Regions) -> None:
    """Reading the written cases.csv / providers.csv / policy.json back and assigning gives the same plan as
    assigning the generated frames directly."""
    write_scenario(scenario, tmp_path)
    inputs = load_inputs(tmp_path / "cases.csv", tmp_path / "providers.csv", tmp_path / "policy.json", regions)
    again = assign(inputs.cases, inputs.providers, inputs.policy, last_received(scenario.cases), regions=regions,
                   stop=STOP)
    pd.testing.assert_frame_equal(again.plan, outcome.plan)


def test_province_pooling_policy_passes_checker(tmp_path: Path, scenario: Scenario, regions: Regions) -> None:
    """With province pooling allowed (and priced like the city tier) the plan uses the province tier and still
    has zero checker violations."""
    sc = with_policy(scenario, allowed_tiers=["home", "city", "province"],
                     tier_cost={"home": 0, "city": 60, "province": 60, "partner": 300, "remote": 150})
    out = run_assign(sc, regions)
    assert check_files(tmp_path, sc, out.plan) == []
    assert (out.plan["tier"] == "province").any()


def test_partner_province_policy_passes_checker(tmp_path: Path, regions: Regions) -> None:
    """Two provinces that are each other's partner: the plan uses the partner tier and has zero violations."""
    spec = dataclasses.replace(SPEC, provinces=(IM, NX))
    sc = with_policy(generate(spec), allowed_tiers=["home", "city", "partner"], partners=[NX, IM],
                     tier_cost={"home": 0, "city": 60, "province": 200, "partner": 0, "remote": 150})
    out = run_assign(sc, regions)
    assert check_files(tmp_path, sc, out.plan) == []
    partner = out.plan[out.plan["tier"] == "partner"].merge(sc.cases[["case_id", "county"]], on="case_id")
    partner = partner.merge(sc.providers[["provider_id", "home_county"]], on="provider_id")
    assert len(partner) > 0
    # a partner assignment crosses the province border (adcodes 15.... Inner Mongolia, 64.... Ningxia)
    assert ((partner["county"] // 10_000) != (partner["home_county"] // 10_000)).all()


def test_pinned_provider_is_respected(tmp_path: Path, scenario: Scenario, regions: Regions) -> None:
    """A case pinned to an eligible but not cheapest provider gets exactly that provider; the checker
    (including its pinned-provider rule) finds no violation."""
    as_of = last_received(scenario.cases)
    enc = encode(scenario.cases, scenario.providers, regions, PolicySet.from_dict(scenario.policy), as_of)
    case_id = str(scenario.cases["case_id"].iloc[10])
    ranked = recommend(enc, case_id, top=4)
    assert len(ranked) == 4
    pin = ranked[-1]["provider_id"]
    cases = scenario.cases.copy()
    cases.loc[10, "pinned_provider"] = pin
    sc = dataclasses.replace(scenario, cases=cases)
    out = run_assign(sc, regions)
    assert out.plan.set_index("case_id").loc[case_id, "provider_id"] == pin
    assert check_files(tmp_path, sc, out.plan) == []


def test_assign_is_deterministic(scenario: Scenario, outcome: Outcome, regions: Regions) -> None:
    """Assigning the same batch twice with the same seed gives identical plans and explanations."""
    again = run_assign(scenario, regions)
    pd.testing.assert_frame_equal(again.plan, outcome.plan)
    assert again.explanations == outcome.explanations
    assert np.array_equal(again.result.job_arc, outcome.result.job_arc)


# --------------------------------------------------------------------------------------------- simulation


@pytest.fixture(scope="module")
def three_days() -> Scenario:
    return generate(dataclasses.replace(SPEC, num_days=3))


def test_engine_simulation_passes_checker(tmp_path: Path, three_days: Scenario, regions: Regions) -> None:
    """A 3-day engine simulation (assignments spread over several dates, loads carried over) has zero checker
    violations and the simulation itself counts none."""
    sim = simulate(three_days.cases, three_days.providers, PolicySet.from_dict(three_days.policy), "engine",
                   regions=regions, seed=0)
    assert "cost" not in sim.plan.columns
    write_scenario(three_days, tmp_path)
    violations = check_plan(tmp_path / "cases.csv", tmp_path / "providers.csv", sim.plan, tmp_path / "policy.json")
    assert violations == []
    assert sum(sim.violations.values()) == 0
    dates = set(sim.plan.loc[sim.plan["provider_id"] != "", "assigned_date"])
    assert len(dates) >= 2


def test_checker_finds_rotation_baseline_violations(tmp_path: Path, three_days: Scenario, regions: Regions) -> None:
    """The rotation baseline checks only what clerks check by hand: the checker finds violations in its plan,
    and for every rule both report, exactly as many as the simulation counted."""
    sim = simulate(three_days.cases, three_days.providers, PolicySet.from_dict(three_days.policy), "rotation",
                   regions=regions, seed=0)
    write_scenario(three_days, tmp_path)
    violations = check_plan(tmp_path / "cases.csv", tmp_path / "providers.csv", sim.plan, tmp_path / "policy.json")
    assert len(violations) > 0
    found = Counter(v.rule for v in violations)
    shared = set(sim.violations) & set(RULES)
    assert shared, "the simulation and the checker share no rule id"
    assert {r: found.get(r, 0) for r in shared} == {r: sim.violations[r] for r in shared}
    assert sum(sim.violations.values()) > 0


# --------------------------------------------------------------------------------------------- explanations


def test_every_case_has_a_consistent_explanation(outcome: Outcome) -> None:
    """One explanation per case, in case order; for assigned cases the term points sum to the cost, the cost
    and provider match the plan, and the runner-up's difference is its cost minus the chosen cost."""
    plan = outcome.plan.set_index("case_id")
    assert [e["case_id"] for e in outcome.explanations] == outcome.plan["case_id"].tolist()
    for e in outcome.explanations:
        row = plan.loc[e["case_id"]]
        assert e["cost"] == row["cost"]
        assert sum(e["terms"].values()) == e["cost"]
        if e["provider_id"] is None:
            assert row["provider_id"] == ""
            continue
        assert e["provider_id"] == row["provider_id"]
        assert e["tier"] == row["tier"]
        runner = e["runner_up"]
        if e["eligible_arcs"] > 1:
            assert runner is not None
        if runner is not None:
            assert runner["provider_id"] != e["provider_id"]
            assert runner["difference"] == runner["cost"] - e["cost"]


@pytest.fixture(scope="module")
def forced(scenario: Scenario, regions: Regions) -> tuple[Scenario, Outcome, str, str]:
    """Home-only policy; case 0 needs a language nobody speaks, case 1 sits in a county without providers."""
    spoken = {lang for langs in scenario.providers["languages"] for lang in langs}
    assert "ug" not in spoken
    cases = scenario.cases.copy()
    cases.loc[0, "language"] = "ug"
    home_counties = set(scenario.providers["home_county"])
    im = np.flatnonzero(regions.province == IM)
    cities_with_providers = set(regions.city_idx[regions.index_of(sorted(home_counties))])
    empty = [int(regions.adcode[k]) for k in im
             if int(regions.adcode[k]) not in home_counties and regions.city_idx[k] in cities_with_providers]
    assert empty
    plain_case(cases, 1, empty[0])
    sc = with_policy(dataclasses.replace(scenario, cases=cases), allowed_tiers=["home"], scarce_allowed_tiers=["home"])
    out = run_assign(sc, regions)
    return sc, out, str(cases["case_id"].iloc[0]), str(cases["case_id"].iloc[1])


def test_forced_unassigned_plan_passes_checker(tmp_path: Path, forced: tuple[Scenario, Outcome, str, str]) -> None:
    """The home-only plan with the two impossible cases has zero checker violations and leaves both out."""
    sc, out, lang_case, far_case = forced
    assert check_files(tmp_path, sc, out.plan) == []
    plan = out.plan.set_index("case_id")
    assert plan.loc[lang_case, "provider_id"] == "" and plan.loc[far_case, "provider_id"] == ""


def test_unassigned_language_case_is_explained(forced: tuple[Scenario, Outcome, str, str]) -> None:
    """A case needing a language nobody speaks: its explanation has no provider, its waiting cost as the only
    term, speaks_required_language excluding every provider in reach, and no wider tier offered as a fix."""
    _, out, lang_case, _ = forced
    e = explanation_map(out)[lang_case]
    assert e["provider_id"] is None and e["runner_up"] is None
    assert e["terms"] == {"waiting_cost": e["cost"]}
    assert e["providers_in_reach"] > 0
    assert e["excluded_by_rule"]["speaks_required_language"] == e["providers_in_reach"]
    assert e["eligible"] == 0
    assert not any("allowing" in s for s in e["what_would_change"])


def test_unassigned_far_case_says_what_would_change(forced: tuple[Scenario, Outcome, str, str]) -> None:
    """A case in a county without providers under a home-only policy: nobody is in reach, and what_would_change
    names a wider tier (city or province) that would give eligible providers."""
    _, out, _, far_case = forced
    e = explanation_map(out)[far_case]
    assert e["provider_id"] is None
    assert e["providers_in_reach"] == 0
    assert all(n == 0 for n in e["excluded_by_rule"].values())
    assert e["what_would_change"]
    assert any("city" in s or "province" in s for s in e["what_would_change"])
    assert any(s.startswith("allowing the city tier gives") for s in e["what_would_change"])


# --------------------------------------------------------------------------------------------- recommend


@pytest.mark.parametrize("row", [0, 4, 37, 90, 149])
def test_recommendations_sorted_and_lawful(tmp_path: Path, scenario: Scenario, outcome: Outcome, regions: Regions,
                                           row: int) -> None:
    """recommend's top-N is sorted by cost with ranks 1..N and distinct providers; each recommended provider,
    as a one-row plan, passes every checker rule; no arc of the engine is cheaper than the first
    recommendation, and recommendation costs equal the engine's arc costs for the same pair."""
    as_of = last_received(scenario.cases)
    enc = encode(scenario.cases, scenario.providers, regions, PolicySet.from_dict(scenario.policy), as_of)
    case_id = str(scenario.cases["case_id"].iloc[row])
    ranked = recommend(enc, case_id, top=5)
    assert 1 <= len(ranked) <= 5
    costs = [r["cost"] for r in ranked]
    assert costs == sorted(costs)
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert len({r["provider_id"] for r in ranked}) == len(ranked)
    for r in ranked:
        assert sum(r["terms"].values()) == r["cost"]
    write_scenario(scenario, tmp_path)
    for r in ranked:
        plan = one_case_plan(scenario.cases, case_id, r["provider_id"], as_of, r["tier"])
        found = check_plan(tmp_path / "cases.csv", tmp_path / "providers.csv", plan, tmp_path / "policy.json")
        assert found == [], (r, found)
    prob, comp = outcome.compiled.problem, outcome.compiled
    arcs = np.arange(prob.job_ptr[row], prob.job_ptr[row + 1])
    if arcs.size:
        assert costs[0] <= prob.cost[arcs].min()
        arc_cost = dict(zip(comp.enc.providers.ids[comp.arc_provider[arcs]], prob.cost[arcs].tolist(), strict=True))
        for r in ranked:
            if r["provider_id"] in arc_cost:
                assert arc_cost[r["provider_id"]] == r["cost"]


def test_recommend_rejects_unknown_case(scenario: Scenario, regions: Regions) -> None:
    """An unknown case id raises ValueError naming case_id; top < 1 raises naming top."""
    enc = encode(scenario.cases, scenario.providers, regions, PolicySet.from_dict(scenario.policy),
                 last_received(scenario.cases))
    with pytest.raises(ValueError, match="case_id"):
        recommend(enc, "NO-SUCH-CASE")
    with pytest.raises(ValueError, match="top"):
        recommend(enc, str(scenario.cases["case_id"].iloc[0]), top=0)


# --------------------------------------------------------------------------------------------- decline


def _declinable(outcome: Outcome, k: int) -> tuple[str, str]:
    """The k-th assigned case that has a runner-up, with its provider."""
    cands = [e for e in outcome.explanations if e["provider_id"] is not None and e["runner_up"] is not None]
    e = cands[k]
    return e["case_id"], e["provider_id"]


@pytest.mark.parametrize("k", [0, 25, 60])
def test_decline_replaces_provider_and_reports_changes(tmp_path: Path, scenario: Scenario, outcome: Outcome,
                                                       k: int) -> None:
    """After a decline the case gets another provider (or stays out with an explanation), the new plan passes
    the checker, and `changed` lists exactly the other cases whose provider differs."""
    case_id, provider_id = _declinable(outcome, k)
    new = decline(outcome, case_id, provider_id, stop=STOP)
    old_plan = outcome.plan.set_index("case_id")["provider_id"]
    new_plan = new.plan.set_index("case_id")["provider_id"]
    assert new_plan.index.tolist() == old_plan.index.tolist()
    assert new_plan[case_id] != provider_id
    if new_plan[case_id] == "":
        e = explanation_map(new)[case_id]
        assert e["provider_id"] is None and "what_would_change" in e
    else:
        assert explanation_map(new)[case_id]["provider_id"] == new_plan[case_id]
    assert check_files(tmp_path, scenario, new.plan) == []
    differs = [c for c in old_plan.index if c != case_id and old_plan[c] != new_plan[c]]
    assert new.changed == differs
    assert [e["case_id"] for e in new.explanations] == new.plan["case_id"].tolist()
    assert new.result.objective == new.plan["cost"].sum()


def test_decline_rejects_wrong_pairs(scenario: Scenario, outcome: Outcome) -> None:
    """Declining a provider the case does not have raises naming provider_id; an unknown case names case_id."""
    case_id, provider_id = _declinable(outcome, 0)
    other = next(p for p in scenario.providers["provider_id"] if p != provider_id)
    with pytest.raises(ValueError, match="provider_id"):
        decline(outcome, case_id, other)
    with pytest.raises(ValueError, match="case_id"):
        decline(outcome, "NO-SUCH-CASE", provider_id)


def test_second_decline_does_not_return_first_declined_provider(outcome: Outcome) -> None:
    """A recipient who declined provider A and then provider B is given neither A nor B."""
    case_id = next(e["case_id"] for e in outcome.explanations if e["provider_id"] and e["eligible_arcs"] >= 3)
    first = outcome.plan.set_index("case_id").loc[case_id, "provider_id"]
    once = decline(outcome, case_id, first, stop=STOP)
    second = once.plan.set_index("case_id").loc[case_id, "provider_id"]
    assert second not in ("", first)
    twice = decline(once, case_id, second, stop=STOP)
    third = twice.plan.set_index("case_id").loc[case_id, "provider_id"]
    assert third not in (first, second)

"""Each hard rule of models/rules/hard.py on hand-made batches: direct ``allows`` checks and full solves.

Counties (2020 census file): 150102 新城区 and 150103 回民区 are both in 呼和浩特市 (内蒙古自治区), 150202 东河区 is in
包头市 (same province, other city), 110101 东城区 is in 北京市.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from models.arrays import Encoded, encode, lawyers_per_10k, served_tier
from models.case import CASE_COLUMNS
from models.policy import TIER_CODE, PolicySet, PoolingPolicy
from models.provider import PROVIDER_COLUMNS
from models.region import load_regions
from models.rules.hard import (
    AVAILABLE,
    CAPACITY,
    CODEFENDANTS_ID,
    CONFLICT,
    CRIMINAL_LAWYER,
    LANGUAGE,
    MINOR,
    PAIR_RULES,
    POOLING,
    RULES_BY_ID,
    SERIOUS,
    AvailableOnDate,
    CriminalDefenceByLawyer,
    MinorNeedsMinorFamiliar,
    NoConflictOfInterest,
    PoolingPolicyAllowsTier,
    SeriousCaseExperiencedLawyer,
    SpeaksRequiredLanguage,
    WithinCapacity,
    eligible,
)
from models.service import Outcome, assign

AS_OF = dt.date(2024, 3, 4)
XINCHENG, HUIMIN, BAOTOU, BEIJING = 150102, 150103, 150202, 110101
#: Home + city only, and no county is ever lawyer-scarce (density < 0 never holds).
HOME_CITY = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city"), scarce_threshold_per_10k=0.0))
#: The default policy: with a handful of providers every county is far below 1 lawyer per 10,000 residents.
SCARCE = PolicySet()


def case_row(case_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": case_id,
        "centre_id": "C150102",
        "county": XINCHENG,
        "kind": "civil",
        "stage": "none",
        "possible_sentence": "none",
        "minor": False,
        "language": "",
        "codefendant_group": "",
        "party_ids": (),
        "effort": 2,
        "received_date": pd.Timestamp("2024-03-04"),
        "deadline": pd.Timestamp("2024-03-07"),
        "priority_groups": (),
        "specialty": "",
        "previous_provider": "",
        "pinned_provider": "",
    }
    row.update(overrides)
    return row


def provider_row(provider_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "provider_id": provider_id,
        "kind": "lawyer",
        "home_county": XINCHENG,
        "specialties": ("criminal", "civil", "family", "labour", "administrative"),
        "criminal_years": 5.0,
        "languages": (),
        "minors_familiar": False,
        "open_load": 0,
        "capacity": 20,
        "unavailable_dates": (),
        "remote_ok": False,
        "conflict_parties": (),
        "recent_assignments": 0,
    }
    row.update(overrides)
    return row


def frames(cases: list[dict[str, Any]], providers: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Case and provider frames with the generator's dtypes, columns in the order of the formats."""
    c = pd.DataFrame(cases, columns=[col.name for col in CASE_COLUMNS])
    p = pd.DataFrame(providers, columns=[col.name for col in PROVIDER_COLUMNS])
    c = c.astype({"county": np.int64, "effort": np.int64, "minor": bool,
                  "received_date": "datetime64[ns]", "deadline": "datetime64[ns]"})
    p = p.astype({"home_county": np.int64, "criminal_years": np.float64, "minors_familiar": bool,
                  "open_load": np.int64, "capacity": np.int64, "remote_ok": bool, "recent_assignments": np.int64})
    return c, p


def encoded(cases: list[dict[str, Any]], providers: list[dict[str, Any]], policy: PolicySet = HOME_CITY,
            as_of: dt.date = AS_OF) -> Encoded:
    c, p = frames(cases, providers)
    return encode(c, p, load_regions(), policy, as_of)


def matrix(rule: Any, enc: Encoded) -> np.ndarray:
    """``rule.allows`` on every (case, provider) pair, as a (cases, providers) bool matrix."""
    ci = np.arange(enc.cases.num)[:, None]
    pi = np.arange(enc.providers.num)[None, :]
    out = np.asarray(rule.allows(enc, ci, pi))
    assert out.shape == (enc.cases.num, enc.providers.num)
    return out


def solve(cases: list[dict[str, Any]], providers: list[dict[str, Any]], policy: PolicySet = HOME_CITY) -> Outcome:
    c, p = frames(cases, providers)
    outcome = assign(c, p, policy, AS_OF)
    assert_plan_legal(outcome)
    return outcome


def assert_plan_legal(outcome: Outcome) -> None:
    """Every assignment of the plan passes every pair rule; capacity and co-defendants hold for the batch."""
    enc = outcome.compiled.enc
    agent = outcome.result.job_agent
    done = np.flatnonzero(agent >= 0)
    if done.size:
        assert eligible(enc, done, agent[done]).all()
    load = np.bincount(agent[done], weights=enc.cases.effort[done], minlength=enc.providers.num)
    assert np.all(load <= np.maximum(enc.providers.spare, 0))
    groups = enc.cases.group_idx[done]
    pairs = {(int(g), int(a)) for g, a in zip(groups, agent[done], strict=True) if g >= 0}
    assert len(pairs) == int(np.count_nonzero(groups >= 0))


def assigned(outcome: Outcome) -> dict[str, str]:
    """case_id -> provider_id ('' when unassigned)."""
    return dict(zip(outcome.plan["case_id"], outcome.plan["provider_id"], strict=True))


def explanation(outcome: Outcome, case_id: str) -> dict[str, Any]:
    return next(e for e in outcome.explanations if e["case_id"] == case_id)


# ----------------------------------------------------------------------------------------------------------------
# The rule table
# ----------------------------------------------------------------------------------------------------------------


def test_rule_table_holds_every_named_rule_once() -> None:
    """PAIR_RULES holds one instance of each rule class, with unique ids, a description and a source."""
    classes = (PoolingPolicyAllowsTier, AvailableOnDate, WithinCapacity, CriminalDefenceByLawyer,
               SeriousCaseExperiencedLawyer, MinorNeedsMinorFamiliar, SpeaksRequiredLanguage, NoConflictOfInterest)
    assert tuple(type(r) for r in PAIR_RULES) == classes
    assert set(RULES_BY_ID) == {r.id for r in PAIR_RULES} and len(RULES_BY_ID) == len(PAIR_RULES)
    assert all(r.description and r.source for r in PAIR_RULES)
    assert CODEFENDANTS_ID not in RULES_BY_ID


def test_paired_and_broadcast_faces_agree() -> None:
    """For every rule, allows() on 1-D paired index arrays equals the entries of the broadcast matrix."""
    cases = [
        case_row("K1", kind="criminal_defence", stage="trial", possible_sentence="life", party_ids=("A",), effort=3),
        case_row("K2", minor=True, language="mn", county=BAOTOU),
        case_row("K3", kind="death_penalty_review", stage="review", possible_sentence="death"),
    ]
    providers = [
        provider_row("P1", conflict_parties=("A",), unavailable_dates=("2024-03-04",), criminal_years=2.0),
        provider_row("P2", kind="volunteer", home_county=HUIMIN, languages=("mn",), minors_familiar=True),
        provider_row("P3", home_county=BAOTOU, open_load=19, remote_ok=True),
    ]
    enc = encoded(cases, providers, SCARCE)
    ci, pi = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    for rule in PAIR_RULES:
        full = matrix(rule, enc)
        flat = np.asarray(rule.allows(enc, ci.ravel(), pi.ravel()))
        assert flat.shape == (9,), rule.id
        np.testing.assert_array_equal(flat.reshape(3, 3), full, err_msg=rule.id)
    assert matrix(CONFLICT, enc).tolist()[0] == [False, True, True]


# ----------------------------------------------------------------------------------------------------------------
# pooling_policy_allows_tier
# ----------------------------------------------------------------------------------------------------------------


def test_pooling_home_and_city_allowed_province_rejected_when_not_scarce() -> None:
    """Under a home+city policy in a non-scarce county: home and city providers pass, a province-tier one fails."""
    enc = encoded([case_row("K1")], [provider_row("P1"), provider_row("P2", home_county=HUIMIN),
                                     provider_row("P3", home_county=BAOTOU)])
    assert not enc.cases.scarce[0]
    assert matrix(POOLING, enc).tolist() == [[True, True, False]]
    tiers = served_tier(enc, np.zeros(3, dtype=np.int64), np.arange(3))
    assert tiers.tolist() == [TIER_CODE["home"], TIER_CODE["city"], -1]


def test_pooling_home_only_policy_rejects_city() -> None:
    """A home-only policy rejects a provider of another county of the same city."""
    policy = PolicySet(default=PoolingPolicy(allowed_tiers=("home",), scarce_threshold_per_10k=0.0))
    enc = encoded([case_row("K1")], [provider_row("P1"), provider_row("P2", home_county=HUIMIN)], policy)
    assert matrix(POOLING, enc).tolist() == [[True, False]]


def test_pooling_province_tier_accepted_when_county_scarce() -> None:
    """The same province-tier pair passes when the case county is lawyer-scarce (scarce tiers add province)."""
    enc = encoded([case_row("K1")], [provider_row("P1"), provider_row("P2", home_county=HUIMIN),
                                     provider_row("P3", home_county=BAOTOU)], SCARCE)
    assert enc.cases.scarce[0]
    assert matrix(POOLING, enc).tolist() == [[True, True, True]]
    tiers = served_tier(enc, np.zeros(3, dtype=np.int64), np.arange(3))
    assert tiers.tolist() == [TIER_CODE["home"], TIER_CODE["city"], TIER_CODE["province"]]


def test_pooling_scarce_threshold_equality_is_not_scarce() -> None:
    """Density equal to the threshold is not scarce (province rejected); just above the density it is scarce."""
    regions = load_regions()
    providers = [provider_row("P1"), provider_row("P2", kind="grassroots_worker"),
                 provider_row("P3", home_county=BAOTOU)]
    _, p = frames([], providers)
    density = float(lawyers_per_10k(p, regions)[regions.index_of([XINCHENG])[0]])
    population = int(regions.population[regions.index_of([XINCHENG])[0]])
    assert density == 1 * 10_000.0 / population  # one lawyer; the grassroots worker does not count

    def policy(threshold: float) -> PolicySet:
        return PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city"), scarce_threshold_per_10k=threshold,
                                               scarce_allowed_tiers=("home", "city", "province")))

    at = encoded([case_row("K1")], providers, policy(density))
    assert not at.cases.scarce[0]
    assert matrix(POOLING, at).tolist() == [[True, True, False]]
    above = encoded([case_row("K1")], providers, policy(float(np.nextafter(density, np.inf))))
    assert above.cases.scarce[0]
    assert matrix(POOLING, above).tolist() == [[True, True, True]]


def test_pooling_partner_tier_only_when_listed_and_allowed() -> None:
    """A Beijing provider serves an Inner Mongolia case at the partner tier only if 北京市 is a partner and the
    partner tier is allowed."""
    cases, providers = [case_row("K1")], [provider_row("P1", home_county=BEIJING)]
    both = PoolingPolicy(allowed_tiers=("home", "city", "partner"), partners=("北京市",), scarce_threshold_per_10k=0.0)
    enc = encoded(cases, providers, PolicySet(default=both))
    assert matrix(POOLING, enc).tolist() == [[True]]
    assert served_tier(enc, np.array([0]), np.array([0])).tolist() == [TIER_CODE["partner"]]
    not_listed = both.model_copy(update={"partners": ()})
    assert matrix(POOLING, encoded(cases, providers, PolicySet(default=not_listed))).tolist() == [[False]]
    not_allowed = both.model_copy(update={"allowed_tiers": ("home", "city")})
    assert matrix(POOLING, encoded(cases, providers, PolicySet(default=not_allowed))).tolist() == [[False]]


def test_pooling_remote_needs_remote_ok_and_remote_case_kind() -> None:
    """Remote tier: only for a provider with remote_ok and a case kind in remote_case_kinds, when remote is allowed."""
    policy = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city", "remote"), scarce_threshold_per_10k=0.0))
    cases = [case_row("K1"), case_row("K2", kind="criminal_defence", stage="trial")]
    providers = [provider_row("P1", home_county=BEIJING, remote_ok=True),
                 provider_row("P2", home_county=BEIJING, remote_ok=False)]
    enc = encoded(cases, providers, policy)
    assert enc.cases.remote_kind.tolist() == [True, False]
    assert matrix(POOLING, enc).tolist() == [[True, False], [False, False]]
    assert served_tier(enc, np.array([0]), np.array([0])).tolist() == [TIER_CODE["remote"]]
    no_remote = encoded(cases, providers, HOME_CITY)
    assert not matrix(POOLING, no_remote).any()


def test_pooling_physical_tier_preferred_over_remote() -> None:
    """A remote-capable provider of an allowed physical tier is served at that tier; a province-tier one whose
    tier is not allowed is served remotely."""
    policy = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city", "remote"), scarce_threshold_per_10k=0.0))
    enc = encoded([case_row("K1")], [provider_row("P1", home_county=HUIMIN, remote_ok=True),
                                     provider_row("P2", home_county=BAOTOU, remote_ok=True)], policy)
    assert served_tier(enc, np.zeros(2, dtype=np.int64), np.arange(2)).tolist() == [TIER_CODE["city"],
                                                                                    TIER_CODE["remote"]]


def test_pooling_centre_override_applies_to_its_cases_only() -> None:
    """A centre entry allowing the province tier lets that centre's case reach Baotou; another centre's cannot."""
    policy = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city"), scarce_threshold_per_10k=0.0),
                       centres={"C150102": {"allowed_tiers": ["home", "city", "province"]}})
    enc = encoded([case_row("K1", centre_id="C150102"), case_row("K2", centre_id="C150103", county=HUIMIN)],
                  [provider_row("P1", home_county=BAOTOU)], policy)
    assert matrix(POOLING, enc).tolist() == [[True], [False]]


# ----------------------------------------------------------------------------------------------------------------
# available_on_date, within_capacity
# ----------------------------------------------------------------------------------------------------------------


def test_available_on_date() -> None:
    """A provider listing the assignment date is excluded for every case; other dates do not matter."""
    providers = [provider_row("P1", unavailable_dates=("2024-03-04",)),
                 provider_row("P2", unavailable_dates=("2024-03-03", "2024-03-05")), provider_row("P3")]
    cases = [case_row("K1"), case_row("K2", kind="criminal_defence", stage="trial")]
    assert matrix(AVAILABLE, encoded(cases, providers)).tolist() == [[False, True, True]] * 2
    next_day = encoded(cases, providers, as_of=dt.date(2024, 3, 5))
    assert matrix(AVAILABLE, next_day).tolist() == [[True, False, True]] * 2


def test_within_capacity_boundary() -> None:
    """Spare capacity (capacity - open load) exactly equal to the effort passes; one unit short fails."""
    providers = [provider_row("P1", capacity=10, open_load=7), provider_row("P2", capacity=10, open_load=10),
                 provider_row("P3", capacity=0, open_load=0)]
    cases = [case_row("K1", effort=3), case_row("K2", effort=4), case_row("K3", effort=1)]
    enc = encoded(cases, providers)
    assert enc.providers.spare.tolist() == [3, 0, 0]
    assert matrix(CAPACITY, enc).tolist() == [[True, False, False], [False, False, False], [True, False, False]]


# ----------------------------------------------------------------------------------------------------------------
# criminal_defence_by_lawyer, serious_case_experienced_lawyer
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "is_lawyer"), [("lawyer", True), ("staff_lawyer", True), ("volunteer_lawyer", True),
                                                 ("grassroots_worker", False), ("volunteer", False)])
def test_criminal_defence_by_lawyer(kind: str, is_lawyer: bool) -> None:
    """Criminal defence and death-penalty review pass only lawyer kinds; a civil case passes every kind."""
    cases = [case_row("K1", kind="criminal_defence", stage="investigation"),
             case_row("K2", kind="death_penalty_review", stage="review", possible_sentence="death"),
             case_row("K3")]
    enc = encoded(cases, [provider_row("P1", kind=kind), provider_row("P2", kind="lawyer")])
    assert matrix(CRIMINAL_LAWYER, enc).tolist() == [[is_lawyer, True], [is_lawyer, True], [True, True]]


def test_serious_case_needs_three_years() -> None:
    """Life / death / death-penalty review: a lawyer with exactly 3.0 years passes, 2.99 fails, a non-lawyer fails
    whatever the years; a fixed-term case passes everyone."""
    cases = [
        case_row("K1", kind="criminal_defence", stage="trial", possible_sentence="life"),
        case_row("K2", kind="criminal_defence", stage="trial", possible_sentence="death"),
        case_row("K3", kind="death_penalty_review", stage="review", possible_sentence="death"),
        case_row("K4", kind="criminal_defence", stage="trial", possible_sentence="fixed_term"),
    ]
    providers = [provider_row("P1", criminal_years=3.0), provider_row("P2", criminal_years=2.99),
                 provider_row("P3", kind="grassroots_worker", criminal_years=10.0)]
    enc = encoded(cases, providers)
    assert enc.cases.is_serious.tolist() == [True, True, True, False]
    assert matrix(SERIOUS, enc).tolist() == [[True, False, False]] * 3 + [[True, True, True]]


# ----------------------------------------------------------------------------------------------------------------
# minor_needs_minor_familiar, speaks_required_language, no_conflict_of_interest
# ----------------------------------------------------------------------------------------------------------------


def test_minor_needs_minor_familiar() -> None:
    """A minor's case passes only providers familiar with minors; an adult's passes all."""
    enc = encoded([case_row("K1", minor=True), case_row("K2")],
                  [provider_row("P1", minors_familiar=True), provider_row("P2", minors_familiar=False)])
    assert matrix(MINOR, enc).tolist() == [[True, False], [True, True]]


def test_speaks_required_language() -> None:
    """mn needs an mn speaker; empty and zh need nobody in particular; a language nobody speaks fails all."""
    cases = [case_row("K1", language="mn"), case_row("K2", language=""), case_row("K3", language="zh"),
             case_row("K4", language="ug")]
    providers = [provider_row("P1", languages=("mn",)), provider_row("P2", languages=("bo", "zh")),
                 provider_row("P3")]
    enc = encoded(cases, providers)
    assert matrix(LANGUAGE, enc).tolist() == [[True, False, False], [True, True, True], [True, True, True],
                                              [False, False, False]]


def test_no_conflict_of_interest() -> None:
    """A provider conflicts with a case when any party of the case is in its conflict list."""
    cases = [case_row("K1", party_ids=("A", "B")), case_row("K2", party_ids=("C",)), case_row("K3")]
    providers = [provider_row("P1", conflict_parties=("B",)), provider_row("P2", conflict_parties=("C", "A")),
                 provider_row("P3", conflict_parties=("Z",))]
    enc = encoded(cases, providers)
    assert matrix(CONFLICT, enc).tolist() == [[False, False, True], [True, False, True], [True, True, True]]


def test_no_conflict_without_any_shared_party() -> None:
    """Without any shared party every pair passes (the empty-key path)."""
    enc = encoded([case_row("K1", party_ids=("A",)), case_row("K2")], [provider_row("P1", conflict_parties=("B",))])
    assert enc.conflict_keys.size == 0
    assert matrix(CONFLICT, enc).tolist() == [[True], [True]]


# ----------------------------------------------------------------------------------------------------------------
# Full solves: each rule changes the outcome
# ----------------------------------------------------------------------------------------------------------------

#: rule id -> (case overrides, overrides making the provider fail the rule, overrides making it pass)
RULE_SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "available_on_date": ({}, {"unavailable_dates": ("2024-03-04",)}, {"unavailable_dates": ("2024-03-05",)}),
    "within_capacity": ({"effort": 3}, {"capacity": 20, "open_load": 18}, {"capacity": 20, "open_load": 17}),
    "criminal_defence_by_lawyer": ({"kind": "criminal_defence", "stage": "trial"},
                                   {"kind": "grassroots_worker"}, {"kind": "staff_lawyer"}),
    "serious_case_experienced_lawyer": ({"kind": "criminal_defence", "stage": "trial", "possible_sentence": "life"},
                                        {"criminal_years": 2.99}, {"criminal_years": 3.0}),
    "minor_needs_minor_familiar": ({"minor": True}, {"minors_familiar": False}, {"minors_familiar": True}),
    "speaks_required_language": ({"language": "mn"}, {"languages": ("bo",)}, {"languages": ("mn",)}),
    "no_conflict_of_interest": ({"party_ids": ("X1", "X2")}, {"conflict_parties": ("X2",)},
                                {"conflict_parties": ("Y",)}),
}


@pytest.mark.parametrize("rule_id", list(RULE_SCENARIOS))
def test_solve_rule_moves_case_to_farther_provider(rule_id: str) -> None:
    """When the home-county provider passes the rule it gets the case; when it fails, the city-tier provider that
    passes gets it instead."""
    case_kw, bad, good = RULE_SCENARIOS[rule_id]
    cases = [case_row("K1", **case_kw)]
    far = provider_row("P_far", home_county=HUIMIN, **good)
    both_pass = solve(cases, [provider_row("P_near", **good), far])
    assert assigned(both_pass) == {"K1": "P_near"}
    near_fails = solve(cases, [provider_row("P_near", **bad), far])
    assert assigned(near_fails) == {"K1": "P_far"}
    assert near_fails.plan.loc[0, "tier"] == "city"
    enc = near_fails.compiled.enc
    assert not RULES_BY_ID[rule_id].allows(enc, np.array([0]), np.array([0]))[0]


@pytest.mark.parametrize("rule_id", list(RULE_SCENARIOS))
def test_solve_unassigned_when_no_provider_passes(rule_id: str) -> None:
    """With only failing providers the case stays unassigned; its explanation counts them under the rule."""
    case_kw, bad, _ = RULE_SCENARIOS[rule_id]
    outcome = solve([case_row("K1", **case_kw)],
                    [provider_row("P_near", **bad), provider_row("P_city", home_county=HUIMIN, **bad)])
    assert assigned(outcome) == {"K1": ""}
    row = outcome.plan.iloc[0]
    assert row["assigned_date"] == "" and row["tier"] == ""
    exp = explanation(outcome, "K1")
    assert exp["provider_id"] is None
    assert exp["providers_in_reach"] == 2 and exp["eligible"] == 0
    assert exp["excluded_by_rule"][rule_id] == 2
    assert {k for k, v in exp["excluded_by_rule"].items() if v} == {rule_id}
    assert exp["cost"] == exp["terms"]["waiting_cost"] == int(row["cost"]) > 0


def test_solve_pooling_province_provider_only_when_scarce() -> None:
    """The only provider is in Baotou (province tier): unassigned under home+city with the explanation naming the
    province tier; assigned at the province tier when the county is lawyer-scarce."""
    cases, providers = [case_row("K1")], [provider_row("P1", home_county=BAOTOU)]
    closed = solve(cases, providers, HOME_CITY)
    assert assigned(closed) == {"K1": ""}
    exp = explanation(closed, "K1")
    assert exp["providers_in_reach"] == 0
    assert set(exp["excluded_by_rule"].values()) == {0}
    assert "allowing the province tier gives 1 eligible providers" in exp["what_would_change"]
    opened = solve(cases, providers, SCARCE)
    assert assigned(opened) == {"K1": "P1"}
    assert opened.plan.loc[0, "tier"] == "province"
    assert opened.plan.loc[0, "travel_km"] > 100


def test_solve_pooling_keeps_case_in_city_when_not_scarce() -> None:
    """A cheaper but out-of-city provider (no workload) loses to a busy city provider under home+city pooling."""
    cases = [case_row("K1")]
    providers = [provider_row("P_city", home_county=HUIMIN, open_load=15, recent_assignments=5),
                 provider_row("P_baotou", home_county=BAOTOU)]
    assert assigned(solve(cases, providers, HOME_CITY)) == {"K1": "P_city"}


def test_solve_remote_provider_serves_remote_kind_only() -> None:
    """With remote allowed, a remote-capable Beijing lawyer takes the civil case by video but not the criminal one."""
    policy = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city", "remote"), scarce_threshold_per_10k=0.0))
    outcome = solve([case_row("K1"), case_row("K2", kind="criminal_defence", stage="trial")],
                    [provider_row("P1", home_county=BEIJING, remote_ok=True)], policy)
    assert assigned(outcome) == {"K1": "P1", "K2": ""}
    row = outcome.plan.set_index("case_id").loc["K1"]
    assert row["tier"] == "remote" and row["travel_km"] == 0.0


def test_solve_only_mongolian_speaker_gets_mn_case() -> None:
    """Of three providers only the city-tier one speaks mn: it gets the mn case; the Mandarin case stays at home."""
    cases = [case_row("K1", language="mn"), case_row("K2")]
    providers = [provider_row("P1"), provider_row("P2", home_county=HUIMIN, languages=("mn",)),
                 provider_row("P3", languages=("bo",))]
    plan = assigned(solve(cases, providers))
    assert plan["K1"] == "P2"
    assert plan["K2"] in {"P1", "P3"}


@pytest.mark.parametrize(("open_load", "expected"), [(6, ["P1", "P1"]), (7, ["P1", "P2"])])
def test_solve_capacity_is_a_batch_constraint(open_load: int, expected: list[str]) -> None:
    """Two cases of effort 2 each prefer the home provider: with spare 4 it takes both, with spare 3 (each case
    alone fits) only one, and the other goes to the busier city provider."""
    cases = [case_row("K1", effort=2), case_row("K2", effort=2)]
    providers = [provider_row("P1", capacity=10, open_load=open_load),
                 provider_row("P2", home_county=HUIMIN, capacity=20, open_load=15)]
    plan = assigned(solve(cases, providers))
    assert sorted(plan.values()) == expected


# ----------------------------------------------------------------------------------------------------------------
# codefendants_separate_lawyers
# ----------------------------------------------------------------------------------------------------------------


def _codefendant_cases(group: str) -> list[dict[str, Any]]:
    return [case_row(f"K{i}", kind="criminal_defence", stage="trial", codefendant_group=group, effort=3)
            for i in (1, 2)]


def test_codefendants_get_different_providers() -> None:
    """Two co-defendants, one nearby provider with capacity for both and one farther away: different providers."""
    providers = [provider_row("P_near", capacity=20), provider_row("P_far", home_county=HUIMIN)]
    outcome = solve(_codefendant_cases("G1"), providers)
    assert sorted(assigned(outcome).values()) == ["P_far", "P_near"]


def test_without_group_both_cases_go_to_nearby_provider() -> None:
    """Control: the same two cases without a co-defendant group both go to the nearby provider."""
    providers = [provider_row("P_near", capacity=20), provider_row("P_far", home_county=HUIMIN)]
    assert set(assigned(solve(_codefendant_cases(""), providers)).values()) == {"P_near"}


def test_codefendants_with_single_provider_leave_one_unassigned() -> None:
    """With one provider only, one co-defendant is assigned and the other waits."""
    outcome = solve(_codefendant_cases("G1"), [provider_row("P_near", capacity=20)])
    assert sorted(assigned(outcome).values()) == ["", "P_near"]
    waiting = next(e for e in outcome.explanations if e["provider_id"] is None)
    assert waiting["eligible"] == 1
    assert any("co-defendant" in s for s in waiting["what_would_change"])

"""Each soft term of models/terms.py alone, with exact points on hand-made (case, provider) pairs."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from models.arrays import Encoded, encode, pair_km, served_tier
from models.case import CASE_COLUMNS
from models.policy import TIER_CODE, TIERS, PolicySet, PoolingPolicy
from models.provider import PROVIDER_COLUMNS
from models.region import load_regions
from models.terms import (
    ARC_TERMS,
    CONTINUITY,
    ROTATION,
    SPECIALTY,
    TIER,
    TRAVEL,
    WAITING,
    WORKLOAD,
    WaitingCost,
    arc_points,
    terms_with_weights,
)

AS_OF = dt.date(2024, 3, 4)
XINCHENG, HUIMIN, BAOTOU, BEIJING = 150102, 150103, 150202, 110101
OPEN = PolicySet(default=PoolingPolicy(allowed_tiers=("home", "city", "province", "partner", "remote"),
                                       partners=("北京市",), scarce_threshold_per_10k=0.0))


def case_row(case_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": case_id, "centre_id": "C150102", "county": XINCHENG, "kind": "civil", "stage": "none",
        "possible_sentence": "none", "minor": False, "language": "", "codefendant_group": "", "party_ids": (),
        "effort": 2, "received_date": pd.Timestamp("2024-03-04"), "deadline": pd.Timestamp("2024-03-07"),
        "priority_groups": (), "specialty": "", "previous_provider": "", "pinned_provider": "",
    }
    row.update(overrides)
    return row


def provider_row(provider_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "provider_id": provider_id, "kind": "lawyer", "home_county": XINCHENG, "specialties": ("civil",),
        "criminal_years": 5.0, "languages": (), "minors_familiar": False, "open_load": 0, "capacity": 20,
        "unavailable_dates": (), "remote_ok": False, "conflict_parties": (), "recent_assignments": 0,
    }
    row.update(overrides)
    return row


def encoded(cases: list[dict[str, Any]], providers: list[dict[str, Any]], policy: PolicySet = OPEN,
            as_of: dt.date = AS_OF) -> Encoded:
    c = pd.DataFrame(cases, columns=[col.name for col in CASE_COLUMNS]).astype(
        {"county": np.int64, "effort": np.int64, "minor": bool,
         "received_date": "datetime64[ns]", "deadline": "datetime64[ns]"})
    p = pd.DataFrame(providers, columns=[col.name for col in PROVIDER_COLUMNS]).astype(
        {"home_county": np.int64, "criminal_years": np.float64, "minors_familiar": bool, "open_load": np.int64,
         "capacity": np.int64, "remote_ok": bool, "recent_assignments": np.int64})
    return encode(c, p, load_regions(), policy, as_of)


def all_pairs(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (case, provider) pair in case-major order, with its served tier and km."""
    ci, pi = np.meshgrid(np.arange(enc.cases.num), np.arange(enc.providers.num), indexing="ij")
    ci, pi = ci.ravel(), pi.ravel()
    return ci, pi, served_tier(enc, ci, pi), pair_km(enc, ci, pi)


def points(term: Any, enc: Encoded) -> list[list[int]]:
    ci, pi, tier, km = all_pairs(enc)
    pts = term.points(enc, ci, pi, tier, km)
    assert pts.dtype == np.int64
    return pts.reshape(enc.cases.num, enc.providers.num).tolist()


def haversine_km(a: int, b: int) -> float:
    r = load_regions()
    i, j = r.index_of([a, b])
    lon1, lat1, lon2, lat2 = map(math.radians, (r.longitude[i], r.latitude[i], r.longitude[j], r.latitude[j]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_arc_terms_default_weights_and_units() -> None:
    """The arc terms and their documented default weights, in term-column order."""
    assert [(t.id, t.weight) for t in ARC_TERMS] == [
        ("specialty_match", 400.0), ("travel_distance", 1.0), ("home_tier_preference", 1.0),
        ("workload_balance", 3.0), ("fair_rotation", 30.0), ("continuity", 300.0)]
    assert all(t.unit and t.source for t in ARC_TERMS)


def test_specialty_mismatch_costs_the_weight() -> None:
    """A provider lacking the needed specialty costs exactly the weight; one having it costs 0. The needed specialty
    is the case's own or, when empty, derived from the kind."""
    cases = [case_row("K1"), case_row("K2", specialty="family"), case_row("K3", kind="wage_claim"),
             case_row("K4", kind="criminal_defence", stage="trial")]
    providers = [provider_row("P1", specialties=("civil",)), provider_row("P2", specialties=("family", "labour")),
                 provider_row("P3", specialties=())]
    enc = encoded(cases, providers)
    assert points(SPECIALTY, enc) == [[0, 400, 400], [400, 0, 400], [400, 0, 400], [400, 400, 400]]
    assert points(SPECIALTY.with_weight(250.0), enc)[0] == [0, 250, 250]


def test_travel_is_rounded_weight_times_km_and_zero_remote() -> None:
    """Travel points are round(weight * great-circle km); 0 at home and for a remote pair whatever the distance."""
    providers = [provider_row("P1"), provider_row("P2", home_county=HUIMIN), provider_row("P3", home_county=BAOTOU),
                 provider_row("P4", home_county=BEIJING)]
    enc = encoded([case_row("K1")], providers)
    ci, pi, tier, km = all_pairs(enc)
    expected_km = [0.0] + [haversine_km(XINCHENG, b) for b in (HUIMIN, BAOTOU, BEIJING)]
    np.testing.assert_allclose(km, expected_km, rtol=1e-9, atol=1e-9)
    assert tier.tolist() == [TIER_CODE[t] for t in ("home", "city", "province", "partner")]
    assert points(TRAVEL, enc) == [[round(k) for k in expected_km]]
    assert 100 < expected_km[2] < 200 and expected_km[1] < 10
    half = TRAVEL.with_weight(0.5).points(enc, ci, pi, tier, km)
    assert half.tolist() == [round(0.5 * k) for k in expected_km]
    remote = np.full(ci.size, TIER_CODE["remote"], dtype=np.int8)
    assert TRAVEL.points(enc, ci, pi, remote, km).tolist() == [0, 0, 0, 0]


def test_tier_cost_comes_from_the_case_policy() -> None:
    """Tier points are weight times the tier cost of the case's centre policy (centre overrides included)."""
    costs = {"home": 1, "city": 61, "province": 203, "partner": 305, "remote": 157}
    policy = PolicySet(default=OPEN.default.model_copy(update={"tier_cost": costs}),
                       centres={"C2": {"tier_cost": {"home": 5, "city": 6, "province": 7, "partner": 8, "remote": 9}}})
    enc = encoded([case_row("K1"), case_row("K2", centre_id="C2")], [provider_row("P1")], policy)
    ci = np.array([0] * 5 + [1] * 5)
    pi = np.zeros(10, dtype=np.int64)
    tier = np.array([TIER_CODE[t] for t in TIERS] * 2, dtype=np.int8)
    km = np.zeros(10)
    assert TIER.points(enc, ci, pi, tier, km).tolist() == [1, 61, 203, 305, 157, 5, 6, 7, 8, 9]
    assert TIER.with_weight(2.0).points(enc, ci, pi, tier, km).tolist() == [2, 122, 406, 610, 314, 10, 12, 14, 16, 18]


def test_workload_is_utilisation_after_the_case() -> None:
    """Workload points are round(weight * 100 * (open_load + effort) / capacity)."""
    providers = [provider_row("P1", open_load=5, capacity=20), provider_row("P2", open_load=0, capacity=3),
                 provider_row("P3", open_load=10, capacity=30)]
    enc = encoded([case_row("K1", effort=3), case_row("K2", effort=1)], providers)
    expected = [[round(3 * 100 * (o + e) / c) for o, c in ((5, 20), (0, 3), (10, 30))] for e in (3, 1)]
    assert points(WORKLOAD, enc) == expected == [[120, 300, 130], [90, 100, 110]]


def test_rotation_is_weight_times_recent_assignments() -> None:
    """Rotation points are weight * recent_assignments, the same for every case."""
    providers = [provider_row("P1", recent_assignments=0), provider_row("P2", recent_assignments=4)]
    enc = encoded([case_row("K1"), case_row("K2", kind="wage_claim")], providers)
    assert points(ROTATION, enc) == [[0, 120], [0, 120]]
    assert points(ROTATION.with_weight(2.5), enc) == [[0, 10], [0, 10]]


def test_continuity_penalises_any_provider_but_the_previous_one() -> None:
    """Continuity costs the weight for every provider except the case's previous_provider; 0 without one."""
    cases = [case_row("K1", kind="criminal_defence", stage="trial", previous_provider="P2"), case_row("K2")]
    enc = encoded(cases, [provider_row("P1"), provider_row("P2"), provider_row("P3")])
    assert points(CONTINUITY, enc) == [[300, 0, 300], [0, 0, 0]]


def test_arc_points_stacks_terms_in_order() -> None:
    """arc_points gives one column per term, each equal to the term's own points."""
    enc = encoded([case_row("K1", previous_provider="P1")],
                  [provider_row("P1"), provider_row("P2", home_county=BAOTOU, specialties=(), recent_assignments=2)])
    ci, pi, tier, km = all_pairs(enc)
    table = arc_points(enc, ci, pi, tier, km, ARC_TERMS)
    assert table.shape == (2, len(ARC_TERMS))
    for k, term in enumerate(ARC_TERMS):
        assert table[:, k].tolist() == term.points(enc, ci, pi, tier, km).tolist()
    assert table[0].tolist() == [0, 0, 0, 30, 0, 0]


# ----------------------------------------------------------------------------------------------------------------
# terms_with_weights
# ----------------------------------------------------------------------------------------------------------------


def test_terms_with_weights_overrides_only_named_terms() -> None:
    """None or {} keeps the defaults; a named weight (0 allowed) replaces only that term's weight."""
    assert terms_with_weights(None) == ARC_TERMS
    assert terms_with_weights({}) == ARC_TERMS
    terms = terms_with_weights({"travel_distance": 2.0, "continuity": 0.0})
    assert [t.id for t in terms] == [t.id for t in ARC_TERMS]
    weights = {t.id: t.weight for t in terms}
    assert weights["travel_distance"] == 2.0 and weights["continuity"] == 0.0
    assert weights["specialty_match"] == 400.0
    assert TRAVEL.weight == 1.0  # the module constant is untouched


def test_terms_with_weights_rejects_unknown_id() -> None:
    """An unknown term id raises ValueError naming the weights field and the id."""
    with pytest.raises(ValueError, match=r"weights: unknown term 'distance'"):
        terms_with_weights({"distance": 1.0})


def test_terms_with_weights_rejects_negative_weight() -> None:
    """A negative weight raises ValueError naming the term."""
    with pytest.raises(ValueError, match=r"weights: workload_balance must be >= 0"):
        terms_with_weights({"workload_balance": -0.1})


# ----------------------------------------------------------------------------------------------------------------
# WaitingCost
# ----------------------------------------------------------------------------------------------------------------


def waiting(cases: list[dict[str, Any]], as_of: dt.date, cost: WaitingCost = WAITING) -> list[int]:
    return cost.cost(encoded(cases, [provider_row("P1")], as_of=as_of)).tolist()


def test_waiting_cost_formula() -> None:
    """base + per_day * (days_waited + 1) * (1 + 0.5 * priority groups), before the deadline."""
    as_of = dt.date(2024, 3, 5)
    cases = [
        case_row("K1", received_date=pd.Timestamp("2024-03-05"), deadline=pd.Timestamp("2024-03-08")),
        case_row("K2", received_date=pd.Timestamp("2024-03-04"), deadline=pd.Timestamp("2024-03-07")),
        case_row("K3", received_date=pd.Timestamp("2024-03-04"), deadline=pd.Timestamp("2024-03-07"),
                 priority_groups=("migrant_worker", "elderly")),
        case_row("K4", received_date=pd.Timestamp("2024-03-06"), deadline=pd.Timestamp("2024-03-09")),
    ]
    # K4 was received after the batch date: it has waited 0 days, not -1.
    assert waiting(cases, as_of) == [3000 + 400, 3000 + 800, 3000 + 800 * 2, 3000 + 400]


def test_waiting_cost_grows_with_days_and_priority_groups() -> None:
    """Before the deadline the cost strictly increases with days waited and with the number of priority groups."""
    deadline = pd.Timestamp("2024-03-20")
    by_days = waiting([case_row(f"K{d}", received_date=pd.Timestamp("2024-03-10") - pd.Timedelta(days=d),
                                deadline=deadline) for d in range(5)], dt.date(2024, 3, 10))
    assert all(a < b for a, b in zip(by_days, by_days[1:], strict=False))
    groups = ("migrant_worker", "minor", "elderly", "disabled")
    by_groups = waiting([case_row(f"K{g}", priority_groups=groups[:g]) for g in range(5)], AS_OF)
    assert all(a < b for a, b in zip(by_groups, by_groups[1:], strict=False))


def test_waiting_cost_doubles_at_the_deadline() -> None:
    """The same wait costs exactly twice as much when the deadline is today or passed as when it is tomorrow."""
    received = pd.Timestamp("2024-03-01")
    cases = [case_row("K1", received_date=received, deadline=pd.Timestamp("2024-03-05")),
             case_row("K2", received_date=received, deadline=pd.Timestamp("2024-03-04")),
             case_row("K3", received_date=received, deadline=pd.Timestamp("2024-03-03"))]
    before, at, after = waiting(cases, AS_OF)
    assert before == 3000 + 400 * 4
    assert at == after == 2 * before


def test_waiting_cost_parameters() -> None:
    """A custom WaitingCost uses its own base, per-day rate and priority factor."""
    custom = WaitingCost(base=100, per_day=10, priority_factor=1.0)
    cases = [case_row("K1", received_date=pd.Timestamp("2024-03-02"), priority_groups=("disabled",))]
    assert waiting(cases, AS_OF, custom) == [100 + 10 * 3 * 2]

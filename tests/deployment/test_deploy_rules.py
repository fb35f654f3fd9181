"""Each domain rule and soft term alone on a tiny hand-built instance: satisfied, violated and boundary cases
(domain evaluator and the independent checker agree), exact points, then a solve with only that rule or term
(plus coverage, so that placing anyone is worth it); every solved plan passes the checker."""

from __future__ import annotations

import pytest

from models.deployment import rules as R
from models.deployment.arrays import encode
from models.deployment.domain import DeploymentInstance, PairingAgreement
from models.deployment.io import instance_to_dict
from models.deployment.service import plan_deployment
from optimizer.stop import Stop
from tests.deployment.conftest import PROVINCE_A, PROVINCE_B, county, instance, volunteer
from tests.deployment_checker import check

STOP = Stop(time_limit_s=5)
COVER = {R.NEED_WEIGHTED_COVERAGE: 1}


def evaluate(inst: DeploymentInstance, placed: list[tuple[str, str]], leaders: dict[str, str] | None = None):
    """(objective, term points, rule ids broken) by the domain evaluator; asserts the checker agrees."""
    a = encode(inst)
    vid = {v: i for i, v in enumerate(a.volunteer_ids)}
    cid = {c: j for j, c in enumerate(a.county_ids)}
    lead = [vid[(leaders or {}).get(p, "")] if (leaders or {}).get(p) else -1 for p in a.group_provinces]
    import numpy as np

    plan = R.PlanArrays(np.array([vid[v] for v, _ in placed], dtype=np.int64),
                        np.array([cid[c] for _, c in placed], dtype=np.int64), np.array(lead, dtype=np.int64))
    objective, totals, violations = R.evaluate_plan(a, plan)
    broken = {m.rule_id for m in violations}
    solution = {"format": "legalaid-deployment-solution/1", "objective": objective,
                "assignments": [{"volunteer_id": v, "county_id": c} for v, c in placed],
                "team_leaders": [{"province": p, "volunteer_id": v} for p, v in (leaders or {}).items()]}
    checked = check(instance_to_dict(inst), solution)
    assert checked.rules_broken() == broken
    assert checked.objective == objective and checked.term_totals == totals
    return objective, totals, broken


def solved(inst: DeploymentInstance, checked) -> dict[str, str]:
    """Solve and check; returns volunteer id -> county id of the placed volunteers."""
    plan = plan_deployment(inst, stop=STOP)
    checked(plan)
    return {inst.volunteers[i].volunteer_id: inst.counties[int(j)].county_id
            for i, j in enumerate(plan.volunteer_county) if j >= 0}


# ---------------------------------------------------------------------------------------------------------------
# hard rules
# ---------------------------------------------------------------------------------------------------------------


def test_one_county_per_volunteer(checked):
    inst = instance([county("100001"), county("100002")], [volunteer("L1")], weights=COVER)
    assert R.ONE_COUNTY_PER_VOLUNTEER in evaluate(inst, [("L1", "100001"), ("L1", "100002")])[2]
    assert evaluate(inst, [("L1", "100002")])[2] == set()
    assert len(solved(inst, checked)) == 1


def test_county_places(checked):
    inst = instance([county("100001", places_lawyer=2)], [volunteer(f"L{i}") for i in range(3)], weights=COVER)
    assert evaluate(inst, [("L0", "100001"), ("L1", "100001")])[2] == set()  # boundary: 2 of 2
    assert R.COUNTY_PLACES in evaluate(inst, [("L0", "100001"), ("L1", "100001"), ("L2", "100001")])[2]
    assert len(solved(inst, checked)) == 2


def test_receiving_province(checked):
    inst = instance([county("100001"), county("100002", province=PROVINCE_B, need=50)], [volunteer("L1")],
                    rules=(R.RECEIVING_PROVINCE,), weights=COVER, receiving_provinces=(PROVINCE_A,))
    assert R.RECEIVING_PROVINCE in evaluate(inst, [("L1", "100002")])[2]
    assert evaluate(inst, [("L1", "100001")])[2] == set()
    assert solved(inst, checked) == {"L1": "100001"}  # the needier county is not receiving this year


def test_available_for_stint(checked):
    inst = instance([county("100001")], [volunteer("L1", available_months=11), volunteer("L2", available_months=12)],
                    rules=(R.AVAILABLE_FOR_STINT,), weights=COVER)
    assert R.AVAILABLE_FOR_STINT in evaluate(inst, [("L1", "100001")])[2]
    assert evaluate(inst, [("L2", "100001")])[2] == set()  # boundary: exactly 12 months
    assert solved(inst, checked) == {"L2": "100001"}


def test_in_province_stint(checked):
    c = [county("100001"), county("100002", province=PROVINCE_B, need=50)]
    v = [volunteer("L1", stint="in_province", available_months=3)]
    runs = instance(c, v, rules=(R.IN_PROVINCE_STINT, R.AVAILABLE_FOR_STINT), weights=COVER,
                    in_province_stint_provinces=(PROVINCE_A,))
    assert R.IN_PROVINCE_STINT in evaluate(runs, [("L1", "100002")])[2]
    assert evaluate(runs, [("L1", "100001")])[2] == set()  # 3 months suffice for an in-province stint
    no_stints = instance(c, v, rules=(R.IN_PROVINCE_STINT,), weights=COVER)
    assert R.IN_PROVINCE_STINT in evaluate(no_stints, [("L1", "100001")])[2]
    assert solved(runs, checked) == {"L1": "100001"}
    assert solved(no_stints, checked) == {}


def test_accepted_province(checked):
    c = [county("100001", need=50), county("100002", province=PROVINCE_B)]
    v = [volunteer("L1", accepts_any_province=False, preferences=(f"province:{PROVINCE_B}",))]
    inst = instance(c, v, rules=(R.ACCEPTED_PROVINCE,), weights=COVER)
    assert R.ACCEPTED_PROVINCE in evaluate(inst, [("L1", "100001")])[2]
    assert evaluate(inst, [("L1", "100002")])[2] == set()
    assert solved(inst, checked) == {"L1": "100002"}
    via_county = instance(c, [volunteer("L1", accepts_any_province=False, preferences=("county:100001",))],
                          rules=(R.ACCEPTED_PROVINCE,), weights=COVER)
    assert evaluate(via_county, [("L1", "100001")])[2] == set()  # a county wish names its province


def test_high_altitude_clearance(checked):
    inst = instance([county("100001", high_altitude=True, need=50), county("100002")],
                    [volunteer("L1", medical_clearance=False)], rules=(R.HIGH_ALTITUDE_CLEARANCE,), weights=COVER)
    assert R.HIGH_ALTITUDE_CLEARANCE in evaluate(inst, [("L1", "100001")])[2]
    assert evaluate(inst, [("L1", "100002")])[2] == set()
    assert solved(inst, checked) == {"L1": "100002"}


def test_partner_serves_with_lawyer(checked):
    inst = instance([county("100001"), county("100002", need=50)],
                    [volunteer("L1", accepts_any_province=True), volunteer("G1", "graduate")],
                    rules=(R.PARTNER_SERVES_WITH_LAWYER,), weights=COVER)
    assert R.PARTNER_SERVES_WITH_LAWYER in evaluate(inst, [("L1", "100001"), ("G1", "100002")])[2]
    assert evaluate(inst, [("L1", "100002"), ("G1", "100002")])[2] == set()  # boundary: 1 partner, 1 lawyer
    assert solved(inst, checked) == {"L1": "100002", "G1": "100002"}


def test_lawyer_paired_where_possible(checked):
    c = [county("100001", need=50), county("100002", high_altitude=True)]
    v = [volunteer("L1"), volunteer("G1", "graduate", medical_clearance=False)]
    inst = instance(c, v, rules=(R.LAWYER_PAIRED_WHERE_POSSIBLE, R.HIGH_ALTITUDE_CLEARANCE), weights=COVER)
    assert R.LAWYER_PAIRED_WHERE_POSSIBLE in evaluate(inst, [("L1", "100001")])[2]  # G1 could go with L1
    assert evaluate(inst, [("L1", "100002")])[2] == set()  # G1 has no clearance: none can be had there
    placed_elsewhere = instance(c + [county("100003")], v, rules=(R.LAWYER_PAIRED_WHERE_POSSIBLE,), weights=COVER)
    assert evaluate(placed_elsewhere, [("L1", "100001"), ("G1", "100003")])[2] == set()
    # a graduate who costs more than a partner brings: the lawyer still may not go alone
    costly = instance([county("100001")], [volunteer("L1"), volunteer("G1", "graduate", specialties=())],
                      rules=(R.LAWYER_PAIRED_WHERE_POSSIBLE,), weights=COVER | {R.SPECIALTY_FIT: 12})
    assert solved(costly, checked) == {"L1": "100001", "G1": "100001"}
    free = instance([county("100001")], costly.volunteers, weights=COVER | {R.SPECIALTY_FIT: 12})
    assert solved(free, checked) == {"L1": "100001"}


def test_minority_language_speaker(checked):
    c = [county("100001", language="bo", need=50), county("100002")]
    v = [volunteer("L1"), volunteer("G1", "graduate"), volunteer("G2", "graduate", languages=("bo",))]
    inst = instance(c, v, rules=(R.MINORITY_LANGUAGE_SPEAKER,), weights=COVER)
    assert R.MINORITY_LANGUAGE_SPEAKER in evaluate(inst, [("L1", "100001"), ("G1", "100001")])[2]
    assert evaluate(inst, [("L1", "100001"), ("G2", "100001")])[2] == set()
    assert evaluate(inst, [("L1", "100002")])[2] == set()  # the language county is empty: nothing required
    assert solved(inst, checked) == {"L1": "100001", "G2": "100001", "G1": "100002"}


def test_provincial_team_leader(checked):
    c = [county("100001"), county("100002", province=PROVINCE_B, need=50)]
    v = [volunteer("L1", willing_to_lead=False), volunteer("L2", willing_to_lead=True)]
    inst = instance(c, v, rules=(R.PROVINCIAL_TEAM_LEADER,), weights=COVER)
    assert R.PROVINCIAL_TEAM_LEADER in evaluate(inst, [("L1", "100002")])[2]  # no leader
    assert R.PROVINCIAL_TEAM_LEADER in evaluate(inst, [("L1", "100002")], {PROVINCE_B: "L1"})[2]  # unwilling
    assert R.PROVINCIAL_TEAM_LEADER in evaluate(inst, [("L2", "100001")], {PROVINCE_B: "L2"})[2]  # elsewhere
    assert evaluate(inst, [("L2", "100002")], {PROVINCE_B: "L2"})[2] == set()
    # the needier county goes to the willing leader; the other province needs a leader of its own
    assert solved(inst, checked) == {"L2": "100002"}


# ---------------------------------------------------------------------------------------------------------------
# soft terms: exact points, then a solve
# ---------------------------------------------------------------------------------------------------------------


def test_need_weighted_coverage_points(checked):
    c = [county("100001", need=10, places_lawyer=2, places_partner=2), county("100002", need=9)]
    v = [volunteer("L1"), volunteer("L2"), volunteer("G1", "graduate"), volunteer("G2", "graduate")]
    inst = instance(c, v, weights=COVER)
    assert evaluate(inst, [("L1", "100001"), ("G1", "100001")])[1][R.NEED_WEIGHTED_COVERAGE] == -10 * 300
    four = [("L1", "100001"), ("L2", "100001"), ("G1", "100001"), ("G2", "100001")]
    assert evaluate(inst, four)[1][R.NEED_WEIGHTED_COVERAGE] == -10 * (300 + 3 * 40)  # second pair at slope 40
    # diminishing returns: the second pair goes to the other county although its need is lower
    placed = solved(inst, checked)
    assert sorted(placed.values()) == ["100001", "100001", "100002", "100002"]


def test_preference_rank_points(checked):
    c = [county("100001", need=10), county("100002", need=10, province=PROVINCE_B)]
    v = [volunteer("L1", preferences=(f"province:{PROVINCE_B}", "county:100001"))]
    w = COVER | {R.PREFERENCE_RANK: 400}
    inst = instance(c, v, weights=w)
    assert evaluate(inst, [("L1", "100002")])[1][R.PREFERENCE_RANK] == 0
    assert evaluate(inst, [("L1", "100001")])[1][R.PREFERENCE_RANK] == 400  # second wish: one step
    unranked = instance(c, [volunteer("L1")], weights=w)
    assert evaluate(unranked, [("L1", "100001")])[1][R.PREFERENCE_RANK] == 4 * 400  # unranked_steps
    assert solved(inst, checked) == {"L1": "100002"}


def test_continuity_handover_points(checked):
    c = [county("100001", handover_cases=7), county("100002", need=11)]
    v = [volunteer("L1"), volunteer("G1", "graduate")]
    inst = instance(c, v, weights=COVER | {R.CONTINUITY_HANDOVER: 300})
    assert evaluate(inst, [("G1", "100001")])[1][R.CONTINUITY_HANDOVER] == 7 * 300  # a partner does not count
    assert evaluate(inst, [("L1", "100001")])[1][R.CONTINUITY_HANDOVER] == 0
    # without handover cases the lawyer would go to the needier county 100002
    assert solved(inst, checked)["L1"] == "100001"


def test_specialty_fit_points(checked):
    c = [county("100001"), county("100002", case_mix=(("criminal", 0), ("civil", 60), ("family", 40), ("labour", 0),
                                                       ("administrative", 0), ("commercial", 0)))]
    v = [volunteer("L1", specialties=("civil", "family"))]
    inst = instance(c, v, weights=COVER | {R.SPECIALTY_FIT: 5})
    assert evaluate(inst, [("L1", "100001")])[1][R.SPECIALTY_FIT] == (100 - 40) * 5
    assert evaluate(inst, [("L1", "100002")])[1][R.SPECIALTY_FIT] == 0  # boundary: full fit
    assert solved(inst, checked) == {"L1": "100002"}


def test_travel_from_home_points(checked):
    c = [county("100001", latitude=32.0), county("100002", latitude=30.8)]
    inst = instance(c, [volunteer("L1")], weights=COVER | {R.TRAVEL_FROM_HOME: 10})
    assert evaluate(inst, [("L1", "100001")])[1][R.TRAVEL_FROM_HOME] == 2 * 10  # 222 km: two whole 100 km units
    assert evaluate(inst, [("L1", "100002")])[1][R.TRAVEL_FROM_HOME] == 0  # 89 km rounds down to 0
    assert solved(inst, checked) == {"L1": "100002"}


def test_pairing_agreement_points(checked):
    c = [county("100001", need=10), county("100002", need=10, province=PROVINCE_B)]
    agreements = (PairingAgreement(PROVINCE_A, (PROVINCE_B,)),)
    inst = instance(c, [volunteer("L1")], weights=COVER | {R.PAIRING_AGREEMENT: 800}, agreements=agreements)
    assert evaluate(inst, [("L1", "100002")])[1][R.PAIRING_AGREEMENT] == -800
    assert evaluate(inst, [("L1", "100001")])[1][R.PAIRING_AGREEMENT] == 0
    assert solved(inst, checked) == {"L1": "100002"}


def test_settings_validation_names_the_field():
    with pytest.raises(ValueError, match="coverage_slopes"):
        instance([county("100001")], [volunteer("L1")], coverage_slopes=(10, 40, 15))
    with pytest.raises(ValueError, match="weights"):
        instance([county("100001")], [volunteer("L1")], weights={"nope": 1})
    with pytest.raises(ValueError, match="kind"):
        volunteer("X", kind="judge")
    with pytest.raises(ValueError, match="case_mix"):
        county("100001", case_mix=(("criminal", 50),))

"""Builders of tiny hand-made deployment instances and the checker hook shared by the deployment tests."""

from __future__ import annotations

from typing import Any

import pytest

from models.deployment.decode import DeploymentPlan, solution_dict
from models.deployment.domain import County, DeploymentInstance, PairingAgreement, Settings, Volunteer
from models.deployment.io import instance_to_dict
from models.deployment.rules import STRUCTURAL_RULES
from tests.deployment_checker import check

PROVINCE_A = "青海省"
PROVINCE_B = "宁夏回族自治区"
MIX = (("criminal", 50), ("civil", 30), ("family", 10), ("labour", 10), ("administrative", 0), ("commercial", 0))


def county(cid: str, **kw: Any) -> County:
    """A county at (100, 30) in PROVINCE_A with need 10, one lawyer and one partner place, nothing else."""
    base: dict[str, Any] = dict(
        county_id=cid, name=f"county {cid}", city="city", province=PROVINCE_A, longitude=100.0, latitude=30.0,
        population=50_000, lawyers_per_10k=0.0, demand_cases_per_year=48, need=10, language="", high_altitude=False,
        handover_cases=0, places_lawyer=1, places_partner=1, case_mix=MIX,
    )
    base.update(kw)
    return County(**base)


def volunteer(vid: str, kind: str = "lawyer", **kw: Any) -> Volunteer:
    """A volunteer living at (100, 30) in PROVINCE_A, criminal specialty, no wishes, accepting any province."""
    base: dict[str, Any] = dict(
        volunteer_id=vid, kind=kind, home_province=PROVINCE_A, home_county="630102", home_longitude=100.0,
        home_latitude=30.0, languages=(), specialties=("criminal",), years_of_practice=5, preferences=(),
        accepts_any_province=True, medical_clearance=True, available_months=12, stint="year", willing_to_lead=True,
    )
    base.update(kw)
    return Volunteer(**base)


def instance(counties: list[County], volunteers: list[Volunteer], *, rules: tuple[str, ...] | None = None,
             weights: dict[str, int] | None = None, agreements: tuple[PairingAgreement, ...] = (),
             **settings: Any) -> DeploymentInstance:
    """An instance with the given hard rules in force (default: only the structural ones) and weights (default:
    every soft term off except those given)."""
    from models.deployment.rules import SOFT_TERMS

    w = {t.id: 0 for t in SOFT_TERMS} | (weights or {})
    st = Settings(
        receiving_provinces=settings.pop("receiving_provinces", (PROVINCE_A, PROVINCE_B)),
        pairing_agreements=agreements,
        hard_rules=tuple(STRUCTURAL_RULES) + tuple(rules or ()),
        weights=tuple(w.items()),
        **settings,
    )
    return DeploymentInstance(name="tiny", counties=tuple(counties), volunteers=tuple(volunteers), settings=st)


def assert_checked(plan: DeploymentPlan) -> None:
    """The independent checker accepts the plan and recomputes the same objective and term points."""
    result = check(instance_to_dict(plan.instance), solution_dict(plan))
    assert result.violations == []
    assert result.objective == int(plan.objective)
    assert result.term_totals == {k: int(v) for k, v in plan.term_totals.items()}


@pytest.fixture
def checked():
    return assert_checked

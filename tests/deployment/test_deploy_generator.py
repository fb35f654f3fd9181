"""The cohort generator, the county rules it relies on, and the instance formats (JSON and CSV)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.deployment.counties import is_high_altitude, language_needed, need_points, select_counties
from models.deployment.io import (
    counties_frame,
    instance_from_dict,
    instance_json,
    instance_to_dict,
    read_inputs,
    settings_to_dict,
    volunteers_frame,
)
from models.region import load_regions
from scenarios.volunteers import RECEIVING_PROVINCES, VolunteerSpec, generate_cohort, small_spec


@pytest.fixture(scope="module")
def nation():
    """The default national cohort (600 volunteers, 300 counties, 13 provinces)."""
    return generate_cohort(VolunteerSpec(seed=0))


def test_same_seed_same_cohort_other_seed_other_cohort():
    a = instance_json(generate_cohort(small_spec(5)))
    assert a == instance_json(generate_cohort(small_spec(5)))
    assert a != instance_json(generate_cohort(small_spec(6)))


def test_national_cohort_shape(nation):
    vols, counties = nation.volunteers, nation.counties
    assert len(vols) == 600 and len(counties) == 300
    assert {c.province for c in counties} == set(RECEIVING_PROVINCES) and len(RECEIVING_PROVINCES) == 13
    kinds = [v.kind for v in vols]
    assert kinds.count("lawyer") == 300
    assert {"graduate", "grassroots_worker"} <= set(kinds)
    # counties are among the lawyer-scarcest of the receiving provinces; most have no practising lawyer
    assert max(c.lawyers_per_10k for c in counties) < 1.0
    assert sum(c.has_no_lawyer for c in counties) > 150
    # realistic languages, plateau counties and handover cases are present
    langs = {c.language for c in counties}
    assert {"bo", "ug", "mn", "za", "ii"} <= langs
    assert all(c.high_altitude for c in counties if c.province in ("西藏自治区", "青海省"))
    assert any(c.handover_cases > 0 for c in counties)
    speakers = {lang for v in vols for lang in v.languages}
    assert {"bo", "ug"} <= speakers
    # pairing agreements shape who comes from where: Jiangsu and Anhui lawyers are over-represented
    homes = [v.home_province for v in vols if v.kind == "lawyer"]
    assert homes.count("江苏省") > homes.count("浙江省")
    assert all(1 <= len(v.preferences) <= 3 for v in vols)


def test_plateau_and_language_rules():
    r = load_regions()
    plateau = is_high_altitude(r)
    assert plateau[r.province == "西藏自治区"].all() and plateau[r.city == "甘孜藏族自治州"].all()
    assert not plateau[r.province == "江苏省"].any()
    lang = language_needed(r)
    assert set(lang[(r.province == "西藏自治区") & (r.minority_share_pct >= 50)]) == {"bo"}
    assert set(lang[r.province == "宁夏回族自治区"]) == {""}  # Hui areas speak Mandarin


def test_need_points_and_selection():
    demand, need = need_points(np.array([100_000, 100_000, 10_000]), np.array([0.0, 0.5, 0.0]))
    assert demand.tolist() == [97, 97, 10]
    assert need.tolist() == [60 + 30, 30, 10 + 30]  # cap 60, unmet share, no-lawyer bonus
    r = load_regions()
    density = np.linspace(0, 3, r.num_counties)
    chosen = select_counties(density, r, ("青海省", "宁夏回族自治区"), num_counties=20, min_per_province=5)
    assert len(chosen) == 20 and np.all(np.diff(r.adcode[chosen]) > 0)
    assert (r.province[chosen] == "宁夏回族自治区").sum() >= 5
    with pytest.raises(ValueError, match="num_counties"):
        select_counties(density, r, ("宁夏回族自治区",), num_counties=500)


def test_spec_validation_names_the_field():
    with pytest.raises(ValueError, match="VolunteerSpec.lawyer_share"):
        VolunteerSpec(lawyer_share=1.5)
    with pytest.raises(ValueError, match="VolunteerSpec.receiving_provinces"):
        VolunteerSpec(receiving_provinces=("Atlantis",))


def test_json_round_trip_and_errors(nation):
    data = json.loads(instance_json(nation))
    again = instance_from_dict(data)
    assert instance_to_dict(again) == instance_to_dict(nation)
    bad = json.loads(instance_json(nation))
    del bad["volunteers"][3]["medical_clearance"]
    with pytest.raises(ValueError, match=r"volunteers\[3\]\.medical_clearance"):
        instance_from_dict(bad)
    bad = json.loads(instance_json(nation))
    bad["counties"][0]["need"] = -1
    with pytest.raises(ValueError, match="need"):
        instance_from_dict(bad)


def test_csv_round_trip(tmp_path):
    inst = generate_cohort(small_spec(2))
    counties_frame(inst).to_csv(tmp_path / "counties.csv", index=False)
    volunteers_frame(inst).to_csv(tmp_path / "volunteers.csv", index=False)
    (tmp_path / "settings.json").write_text(json.dumps(settings_to_dict(inst.settings), ensure_ascii=False),
                                            encoding="utf-8")
    back = read_inputs(tmp_path / "counties.csv", tmp_path / "volunteers.csv", tmp_path / "settings.json")
    assert back.counties == inst.counties and back.volunteers == inst.volunteers and back.settings == inst.settings
    frame = volunteers_frame(inst)
    frame.loc[1, "medical_clearance"] = "maybe"
    frame.to_csv(tmp_path / "volunteers.csv", index=False)
    with pytest.raises(ValueError, match="line 3, column medical_clearance"):
        read_inputs(tmp_path / "counties.csv", tmp_path / "volunteers.csv", tmp_path / "settings.json")

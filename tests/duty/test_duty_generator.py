"""The duty scenario generator: determinism, the stations it promises, hotline sizing, lawyer pool."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from models.duty.context import county_km
from models.duty.io import input_files
from models.region import load_regions
from scenarios.duty import (
    DutyScenarioSpec,
    erlang_c_wait_probability,
    generate_duty,
    hotline_seats,
    province_month,
    seats_for_service_level,
)

SMALL = dict(num_lawyers=400, num_days=14)


def test_same_seed_same_files_other_seed_other_lawyers() -> None:
    """The same spec gives byte-identical input files; another seed another lawyer pool."""
    a = input_files(generate_duty(DutyScenarioSpec(seed=3, **SMALL)))  # type: ignore[arg-type]
    b = input_files(generate_duty(DutyScenarioSpec(seed=3, **SMALL)))  # type: ignore[arg-type]
    c = input_files(generate_duty(DutyScenarioSpec(seed=4, **SMALL)))  # type: ignore[arg-type]
    assert a == b
    assert a["lawyers.csv"] != c["lawyers.csv"]


def test_stations_per_county_and_kind() -> None:
    """One court and one procuratorate per county-level unit (no development zones) plus the city level; a third
    of counties with a detention centre; two hotline pools (Mandarin and Mongolian) staffed every day."""
    inp = generate_duty(DutyScenarioSpec(seed=0, **SMALL))  # type: ignore[arg-type]
    regions = load_regions()
    units = regions.adcode[regions.in_provinces(["内蒙古自治区"])]
    counties = units[units % 100 < 70]
    st = inp.stations
    county_courts = st[st["station_id"].str.startswith("CT")]
    assert sorted(county_courts["county"]) == sorted(counties.tolist())
    assert (st["station_id"].str.startswith("PR")).sum() == counties.size
    assert (st["station_id"].str.startswith("DC")).sum() == round(counties.size / 3)
    assert (st["station_id"].str.startswith("IC")).sum() == 12  # 12 leagues and cities
    hot = st[st["kind"] == "hotline"]
    assert hot["station_id"].tolist() == ["HL-zh", "HL-mn"] and hot["remote"].all()
    assert hot["languages"].tolist() == [(), ("mn",)]
    hd = inp.demand[inp.demand["station_id"] == "HL-zh"]
    assert hd["period"].tolist() == ["early", "late", "night"]
    assert all(len(w) == 7 for w in hd["weekdays"])
    courts = inp.demand[inp.demand["station_id"].str.startswith("CT")]
    assert all(w == ("mon", "tue", "wed", "thu", "fri") for w in courts["weekdays"])
    dc = inp.demand[inp.demand["station_id"].str.startswith("DC")]
    assert all(len(w) == 2 for w in dc["weekdays"])
    big = province_month(0)
    assert big.detention_share == 1.0 and big.num_lawyers == 3000 and big.num_days == 31


def test_erlang_c_and_hotline_seats() -> None:
    """Erlang C: 2 Erlangs on 3 seats wait with probability 4/9; more calls never need fewer seats; 586 calls a
    day need about ten seats in the busiest early hours at 80% in 20 s, fewer at night."""
    assert math.isclose(erlang_c_wait_probability(3, 2.0), 4 / 9, rel_tol=1e-12)
    seats = [seats_for_service_level(c) for c in (0, 5, 20, 40, 60, 80)]
    assert seats[0] == 0 and seats == sorted(seats)
    need = hotline_seats(586 * 0.95, level=0.8)
    ideal = hotline_seats(586 * 0.95, level=0.9)
    assert 8 <= need["early"] <= 13 and need["night"] < need["late"] <= need["early"]
    assert all(ideal[p] >= need[p] for p in need)


def test_lawyers_and_lists() -> None:
    """Lawyers come from the provider pool (lawyer kinds only, some speak Mongolian); every name on a station's
    list lives within the travel limit; hotline pool members exist; budgets cover the county stations."""
    spec = DutyScenarioSpec(seed=1, **SMALL)  # type: ignore[arg-type]
    inp = generate_duty(spec)
    lw = inp.lawyers
    assert len(lw) == 400 and set(lw["kind"]) <= {"lawyer", "staff_lawyer", "volunteer_lawyer"}
    assert any("mn" in v for v in lw["languages"]) and lw["hotline"].any()
    counties = dict(zip(inp.stations["station_id"], inp.stations["county"], strict=True))
    owner = np.repeat(lw["home_county"].to_numpy(), [len(v) for v in lw["stations"]])
    listed = np.array([counties[s] for v in lw["stations"] for s in v])
    km = county_km(load_regions(), owner, listed).diagonal() if owner.size else np.zeros(0)
    assert owner.size > 0 and np.all(km <= spec.max_travel_km)
    assert set(inp.budgets["county"]) <= set(inp.stations["county"])
    assert inp.settings.start_date == dt.date(2024, 3, 1) and inp.settings.num_days == 14


def test_spec_errors_name_the_field() -> None:
    """Bad spec values raise errors naming the field."""
    with pytest.raises(ValueError, match="DutyScenarioSpec.province: unknown province"):
        DutyScenarioSpec(province="Atlantis")
    with pytest.raises(ValueError, match="DutyScenarioSpec.detention_share: must lie in"):
        DutyScenarioSpec(detention_share=1.5)
    with pytest.raises(ValueError, match="DutyScenarioSpec.list_factor"):
        DutyScenarioSpec(list_factor=0.0)

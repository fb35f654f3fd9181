"""Properties of the seeded scenario generator (scenarios/generator.py)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.region import load_regions
from scenarios import (
    CASE_COLUMNS,
    PROVIDER_COLUMNS,
    Scenario,
    ScenarioSpec,
    generate,
    inner_mongolia_two_weeks,
    nation_batch,
    write_scenario,
)
from scenarios.generator import (
    CASE_KINDS,
    LANGUAGE_BY_CITY,
    LANGUAGE_BY_PROVINCE,
    LAWYER_KINDS,
    PROVIDER_KINDS,
)

MONDAY = datetime.date(2024, 3, 4)
IM = "内蒙古自治区"


def small_spec(**overrides: object) -> ScenarioSpec:
    fields: dict[str, object] = {
        "provinces": (IM,),
        "num_cases": 200,
        "num_providers": 1_000,
        "start_date": MONDAY,
        "num_days": 14,
        "seed": 7,
    }
    fields.update(overrides)
    return ScenarioSpec(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def small() -> Scenario:
    return generate(small_spec())


@pytest.fixture(scope="module")
def inner_mongolia() -> Scenario:
    return generate(inner_mongolia_two_weeks(seed=3))


CASE_DTYPES = {
    "county": np.int64,
    "effort": np.int64,
    "minor": np.bool_,
    "received_date": np.dtype("datetime64[ns]"),
    "deadline": np.dtype("datetime64[ns]"),
}
PROVIDER_DTYPES = {
    "home_county": np.int64,
    "open_load": np.int64,
    "capacity": np.int64,
    "recent_assignments": np.int64,
    "criminal_years": np.float64,
    "minors_familiar": np.bool_,
    "remote_ok": np.bool_,
}
CASE_TEXT = (
    "case_id",
    "centre_id",
    "kind",
    "stage",
    "possible_sentence",
    "language",
    "codefendant_group",
    "specialty",
    "previous_provider",
    "pinned_provider",
)
PROVIDER_TEXT = ("provider_id", "kind")
CASE_LISTS = ("party_ids", "priority_groups")
PROVIDER_LISTS = ("specialties", "languages", "unavailable_dates", "conflict_parties")


def test_columns_and_dtypes_follow_formats(small: Scenario) -> None:
    """Columns are exactly those of docs/formats.md in order, with the agreed dtypes and Python types."""
    cases, providers = small.cases, small.providers
    assert tuple(cases.columns) == CASE_COLUMNS
    assert tuple(providers.columns) == PROVIDER_COLUMNS
    assert len(cases) == 200 and len(providers) == 1_000
    for col, dtype in CASE_DTYPES.items():
        assert cases[col].dtype == dtype, col
    for col, dtype in PROVIDER_DTYPES.items():
        assert providers[col].dtype == dtype, col
    for frame, text_cols, list_cols in (
        (cases, CASE_TEXT, CASE_LISTS),
        (providers, PROVIDER_TEXT, PROVIDER_LISTS),
    ):
        for col in text_cols:
            assert all(isinstance(v, str) for v in frame[col]), col
        for col in list_cols:
            assert all(isinstance(v, tuple) and all(isinstance(x, str) for x in v) for v in frame[col]), col
    assert (cases["received_date"] == cases["received_date"].dt.normalize()).all()


def test_ids_centres_and_deadlines(small: Scenario) -> None:
    """Ids are unique and formatted; centre = C + county adcode; deadline = received + 3 days."""
    cases, providers = small.cases, small.providers
    assert cases["case_id"].is_unique and providers["provider_id"].is_unique
    assert cases["case_id"].str.fullmatch(r"K\d{6}").all()
    assert providers["provider_id"].str.fullmatch(r"P\d{6}").all()
    assert (cases["centre_id"] == "C" + cases["county"].astype(str)).all()
    assert ((cases["deadline"] - cases["received_date"]) == pd.Timedelta(days=3)).all()
    assert (cases["pinned_provider"] == "").all()
    assert small.policy["default"]["allowed_tiers"] == ["home", "city"]
    assert small.policy["default"]["scarce_threshold_per_10k"] == 1.0


def test_same_seed_same_frames_different_seed_differs() -> None:
    """Randomness comes only from the seed: equal specs give equal frames, another seed other frames."""
    a, b, c = generate(small_spec()), generate(small_spec()), generate(small_spec(seed=8))
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.providers, b.providers)
    assert a.policy == b.policy
    assert not a.cases.equals(c.cases)
    assert not a.providers.equals(c.providers)


def test_only_requested_provinces() -> None:
    """Cases and providers lie only in the requested provinces, and every province gets some."""
    provinces = ("青海省", "西藏自治区")
    scenario = generate(small_spec(provinces=provinces, num_cases=400, num_providers=2_000))
    regions = load_regions()
    allowed = set(regions.adcode[regions.in_provinces(provinces)].tolist())
    assert set(scenario.cases["county"]).issubset(allowed)
    assert set(scenario.providers["home_county"]).issubset(allowed)
    case_provinces = set(regions.province[regions.index_of(scenario.cases["county"])])
    assert case_provinces == set(provinces)


def test_kind_shares_within_tolerance() -> None:
    """Kind mix ≈ 55.7/28/12/4/0.3 %, stages ≈ 20/30/50 %, provider kinds exact to rounding."""
    scenario = generate(small_spec(num_cases=4_000, num_providers=2_000, seed=11))
    shares = scenario.cases["kind"].value_counts(normalize=True)
    expected = {"criminal_defence": 0.557, "civil": 0.28, "wage_claim": 0.12, "administrative": 0.04}
    for kind, share in expected.items():
        sigma = np.sqrt(share * (1 - share) / 4_000)
        assert abs(shares.get(kind, 0.0) - share) < 4 * sigma, kind
    assert shares.get("death_penalty_review", 0.0) < 0.01
    assert set(scenario.cases["kind"]).issubset(CASE_KINDS)
    crim = scenario.cases[scenario.cases["kind"] == "criminal_defence"]
    stages = crim["stage"].value_counts(normalize=True)
    for stage, share in {"investigation": 0.2, "prosecution": 0.3, "trial": 0.5}.items():
        assert abs(stages[stage] - share) < 0.05, stage
    assert abs(crim["minor"].mean() - 0.05) < 0.025
    provider_shares = scenario.providers["kind"].value_counts(normalize=True)
    for kind, share in {"lawyer": 0.7, "staff_lawyer": 0.1, "grassroots_worker": 0.12}.items():
        assert abs(provider_shares[kind] - share) < 0.002, kind
    assert set(scenario.providers["kind"]).issubset(PROVIDER_KINDS)


def test_case_fields_are_consistent(inner_mongolia: Scenario) -> None:
    """Stage, sentence, effort, priority and minors agree with the kind of each case."""
    cases = inner_mongolia.cases
    crim = cases["kind"] == "criminal_defence"
    review = cases["kind"] == "death_penalty_review"
    assert cases.loc[crim, "stage"].isin(["investigation", "prosecution", "trial"]).all()
    assert (cases.loc[review, "stage"] == "review").all()
    assert (cases.loc[~crim & ~review, "stage"] == "none").all()
    assert cases.loc[crim, "possible_sentence"].isin(["fixed_term", "life", "death"]).all()
    assert (cases.loc[review, "possible_sentence"] == "death").all()
    assert (cases.loc[~crim & ~review, "possible_sentence"] == "none").all()
    assert not (cases["minor"] & (cases["possible_sentence"] == "death")).any()
    bounds = {
        "criminal_defence": (3, 8),
        "death_penalty_review": (10, 10),
        "civil": (2, 5),
        "wage_claim": (1, 3),
        "administrative": (2, 4),
    }
    for kind, (lo, hi) in bounds.items():
        effort = cases.loc[cases["kind"] == kind, "effort"]
        assert effort.between(lo, hi).all(), kind
    wage = cases["kind"] == "wage_claim"
    migrant = cases["priority_groups"].map(lambda g: "migrant_worker" in g)
    assert (migrant == wage).all()
    assert (cases["priority_groups"].map(lambda g: "minor" in g) == cases["minor"]).all()
    assert cases["party_ids"].map(len).between(1, 2).all()


def test_cases_arrive_on_working_days_in_window(inner_mongolia: Scenario) -> None:
    """Received dates are Monday–Friday inside the intake window; about 1,000 cases over 10 working days."""
    received = inner_mongolia.cases["received_date"]
    assert (received.dt.day_of_week < 5).all()
    assert received.min() >= pd.Timestamp(MONDAY)
    assert received.max() < pd.Timestamp(MONDAY) + pd.Timedelta(days=14)
    assert received.dt.normalize().nunique() == 10
    assert received.is_monotonic_increasing


def test_some_counties_are_lawyer_scarce(inner_mongolia: Scenario) -> None:
    """Some counties have fewer than 1 lawyer per 10,000 residents, mostly minority or small ones."""
    regions = load_regions()
    mask = regions.in_provinces((IM,))
    population = pd.Series(regions.population[mask], index=regions.adcode[mask])
    providers = inner_mongolia.providers
    lawyers = providers[providers["kind"].isin(LAWYER_KINDS)].groupby("home_county").size()
    per_10k = lawyers.reindex(population.index, fill_value=0) / population * 1e4
    scarce = per_10k < 1.0
    assert 1 <= scarce.sum() < len(population) // 2
    minority = pd.Series(regions.minority_share_pct[mask], index=regions.adcode[mask])
    assert minority[scarce].mean() > minority[~scarce].mean()
    # Lawyers concentrate in cities: the busiest county holds far more than its population share.
    assert per_10k.max() > 3 * per_10k.median()


def test_every_centre_has_staff_lawyers(inner_mongolia: Scenario) -> None:
    """With 1,000 staff lawyers for 108 counties, every county's centre has at least two."""
    providers = inner_mongolia.providers
    staff = providers[providers["kind"] == "staff_lawyer"].groupby("home_county").size()
    regions = load_regions()
    counties = regions.adcode[regions.in_provinces((IM,))]
    assert staff.reindex(counties, fill_value=0).min() >= 2


def test_language_needs_only_where_minorities_live() -> None:
    """A case needs a language only in a county with minority share > 0 and that county's language."""
    provinces = ("内蒙古自治区", "四川省", "吉林省", "江苏省")
    scenario = generate(small_spec(provinces=provinces, num_cases=3_000, num_providers=3_000, seed=5))
    regions = load_regions()
    idx = regions.index_of(scenario.cases["county"])
    expected = np.array(
        [
            LANGUAGE_BY_PROVINCE.get(p, LANGUAGE_BY_CITY.get(c, ""))
            for p, c in zip(regions.province[idx], regions.city[idx], strict=True)
        ]
    )
    language = scenario.cases["language"].to_numpy(dtype=object)
    needs = language != ""
    assert needs.any()
    assert (regions.minority_share_pct[idx][needs] > 0).all()
    assert (language[needs] == expected[needs]).all()
    assert set(language[needs]) <= {"mn", "bo", "ii", "ko"}
    assert not (needs & (regions.province[idx] == "江苏省")).any()
    spoken = {x for langs in scenario.providers["languages"] for x in langs}
    assert spoken <= {"mn", "bo", "ii", "ko"} and "mn" in spoken


def test_codefendant_groups_share_county_day_and_victim(inner_mongolia: Scenario) -> None:
    """Co-defendant groups have 2–4 criminal-defence cases in one county, on one day, with one victim."""
    cases = inner_mongolia.cases
    grouped = cases[cases["codefendant_group"] != ""]
    assert len(grouped) > 0
    assert (grouped["kind"] == "criminal_defence").all()
    for _, g in grouped.groupby("codefendant_group"):
        assert 2 <= len(g) <= 4
        assert g["county"].nunique() == 1
        assert g["received_date"].nunique() == 1
        assert g["stage"].nunique() == 1
        victims = {p for parties in g["party_ids"] for p in parties if p.startswith("V")}
        assert len(victims) == 1
        assert all(len(set(parties) & victims) == 1 for parties in g["party_ids"])
    crim = (cases["kind"] == "criminal_defence").sum()
    assert 0.03 < len(grouped) / crim < 0.12


def test_conflicts_occur_sometimes(inner_mongolia: Scenario) -> None:
    """Some providers list parties that appear in cases of their own county (repeat employers, companies)."""
    cases, providers = inner_mongolia.cases, inner_mongolia.providers
    case_parties = {
        (c, p) for c, parties in zip(cases["county"], cases["party_ids"], strict=True) for p in parties
    }
    listed = {
        (h, p)
        for h, parties in zip(providers["home_county"], providers["conflict_parties"], strict=True)
        for p in parties
    }
    hits = case_parties & listed
    assert 0 < len(hits) < len(case_parties) // 2


def test_previous_provider_is_a_criminal_lawyer_of_the_same_city(inner_mongolia: Scenario) -> None:
    """Continuity: previous_provider names an existing lawyer of the case's city, only for later stages."""
    cases, providers = inner_mongolia.cases, inner_mongolia.providers
    with_prev = cases[cases["previous_provider"] != ""]
    assert len(with_prev) > 0
    assert with_prev["stage"].isin(["prosecution", "trial"]).all()
    regions = load_regions()
    by_id = providers.set_index("provider_id")
    prev = by_id.loc[with_prev["previous_provider"]]
    assert prev["kind"].isin(["lawyer", "staff_lawyer"]).all()
    assert prev["specialties"].map(lambda s: "criminal" in s).all()
    case_city = regions.city_idx[regions.index_of(with_prev["county"])]
    provider_city = regions.city_idx[regions.index_of(prev["home_county"])]
    assert (case_city == provider_city).all()


def test_provider_fields_in_range(inner_mongolia: Scenario) -> None:
    """Capacity 20–40, open load ≤ 80 % of it, non-lawyers without criminal years, days off in the window."""
    providers = inner_mongolia.providers
    assert providers["capacity"].between(20, 40).all()
    assert (providers["open_load"] >= 0).all()
    assert (providers["open_load"] <= 0.8 * providers["capacity"]).all()
    assert providers["recent_assignments"].between(0, 6).all()
    assert providers["specialties"].map(len).between(1, 3).all()
    non_lawyer = ~providers["kind"].isin(LAWYER_KINDS)
    assert (providers.loc[non_lawyer, "criminal_years"] == 0).all()
    assert providers["criminal_years"].between(0, 25).all()
    grassroots = providers["kind"] == "grassroots_worker"
    assert not providers.loc[grassroots, "specialties"].map(lambda s: "criminal" in s).any()
    window = {str(MONDAY + datetime.timedelta(days=d)) for d in range(14)}
    days_off = providers["unavailable_dates"]
    assert 0.05 < (days_off.map(len) > 0).mean() < 0.15
    assert all(set(d) <= window for d in days_off)
    assert 0.25 < providers["remote_ok"].mean() < 0.35


def test_zero_rows() -> None:
    """Empty batches keep the columns and dtypes."""
    scenario = generate(small_spec(num_cases=0, num_providers=0))
    assert tuple(scenario.cases.columns) == CASE_COLUMNS and len(scenario.cases) == 0
    assert tuple(scenario.providers.columns) == PROVIDER_COLUMNS and len(scenario.providers) == 0
    assert scenario.cases["received_date"].dtype == np.dtype("datetime64[ns]")


def test_preset_specs() -> None:
    """The presets ask for the documented volumes."""
    im = inner_mongolia_two_weeks()
    assert (im.provinces, im.num_cases, im.num_providers, im.num_days) == ((IM,), 1_000, 10_000, 14)
    nation = nation_batch(seed=2)
    assert (nation.provinces, nation.num_cases, nation.num_providers, nation.seed) == (
        None,
        20_000,
        200_000,
        2,
    )
    assert int(np.is_busday(np.datetime64(nation.start_date) + np.arange(nation.num_days)).sum()) == 4


def test_nation_batch_covers_the_country() -> None:
    """The nation preset generates its full volume across all provinces (the one large test)."""
    scenario = generate(nation_batch())
    assert len(scenario.cases) == 20_000 and len(scenario.providers) == 200_000
    regions = load_regions()
    assert set(regions.province[regions.index_of(scenario.providers["home_county"])]) == set(
        regions.province_names
    )
    assert scenario.cases["received_date"].dt.normalize().nunique() == 4


def test_write_scenario_round_trip(small: Scenario, tmp_path: Path) -> None:
    """Files are written in the formats.md encoding: ';'-joined lists, true/false, ISO dates, policy JSON."""
    write_scenario(small, tmp_path / "out")
    cases = pd.read_csv(tmp_path / "out" / "cases.csv", dtype=str, keep_default_na=False)
    providers = pd.read_csv(tmp_path / "out" / "providers.csv", dtype=str, keep_default_na=False)
    assert tuple(cases.columns) == CASE_COLUMNS and tuple(providers.columns) == PROVIDER_COLUMNS
    assert set(cases["minor"]) <= {"true", "false"} and set(providers["remote_ok"]) <= {"true", "false"}
    assert cases["received_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (cases["party_ids"] == small.cases["party_ids"].map(";".join)).all()
    assert (providers["unavailable_dates"] == small.providers["unavailable_dates"].map(";".join)).all()
    assert (providers["criminal_years"].astype(float) == small.providers["criminal_years"]).all()
    assert json.loads((tmp_path / "out" / "policy.json").read_text(encoding="utf-8")) == small.policy


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"provinces": ("火星省",)}, "provinces"),
        ({"provinces": "内蒙古自治区"}, "provinces"),
        ({"provinces": ()}, "provinces"),
        ({"num_cases": -1}, "num_cases"),
        ({"num_cases": 2.5}, "num_cases"),
        ({"num_providers": -5}, "num_providers"),
        ({"start_date": "2024-03-04"}, "start_date"),
        ({"start_date": datetime.datetime(2024, 3, 4, 9)}, "start_date"),
        ({"num_days": 0}, "num_days"),
        ({"start_date": datetime.date(2024, 3, 9), "num_days": 2}, "num_days"),  # Sat + Sun only
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"kind_mix": (("burglary", 1.0),)}, "kind_mix"),
        ({"kind_mix": (("civil", -1.0),)}, "kind_mix"),
        ({"stage_mix": (("trial", 0.0),)}, "stage_mix"),
        ({"provider_kind_mix": ()}, "provider_kind_mix"),
        ({"codefendant_share": 1.5}, "codefendant_share"),
        ({"language_need_factor": -0.1}, "language_need_factor"),
        ({"life_share": 0.7, "death_share": 0.5}, "death_share"),
    ],
)
def test_spec_validation_names_the_field(overrides: dict[str, object], field: str) -> None:
    """Invalid specs raise ValueError naming the field."""
    with pytest.raises(ValueError, match=rf"ScenarioSpec\.{field}:"):
        small_spec(**overrides)

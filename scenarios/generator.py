"""Seeded generator of realistic legal-aid batches: cases, providers and a pooling policy.

Counties come from the 2020 census file through :func:`models.region.load_regions`; every figure used to
calibrate the generator is listed, with its source, in ``scenarios/README.md``. All sampling is vectorised with
numpy and goes through one ``numpy.random.default_rng(spec.seed)``: the same spec gives identical frames.

The frames follow ``docs/formats.md`` column for column: ids and text as ``str`` (empty text is ``""``), adcodes
and counts as int64, flags as bool, ``criminal_years`` as float64, ``received_date`` and ``deadline`` as
``datetime64[ns]`` at midnight, list cells as tuples of ``str`` (dates inside lists as ISO strings).
"""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from models.region import Regions, load_regions

# ------------------------------------------------------------------------------------------------------------
# Vocabulary and columns (docs/formats.md)
# ------------------------------------------------------------------------------------------------------------

CASE_COLUMNS: tuple[str, ...] = (
    "case_id",
    "centre_id",
    "county",
    "kind",
    "stage",
    "possible_sentence",
    "minor",
    "language",
    "codefendant_group",
    "party_ids",
    "effort",
    "received_date",
    "deadline",
    "priority_groups",
    "specialty",
    "previous_provider",
    "pinned_provider",
)
PROVIDER_COLUMNS: tuple[str, ...] = (
    "provider_id",
    "kind",
    "home_county",
    "specialties",
    "criminal_years",
    "languages",
    "minors_familiar",
    "open_load",
    "capacity",
    "unavailable_dates",
    "remote_ok",
    "conflict_parties",
    "recent_assignments",
)
CASE_LIST_COLUMNS: tuple[str, ...] = ("party_ids", "priority_groups")
PROVIDER_LIST_COLUMNS: tuple[str, ...] = ("specialties", "languages", "unavailable_dates", "conflict_parties")

CASE_KINDS: tuple[str, ...] = (
    "criminal_defence",
    "death_penalty_review",
    "civil",
    "administrative",
    "wage_claim",
)
PROVIDER_KINDS: tuple[str, ...] = (
    "lawyer",
    "staff_lawyer",
    "grassroots_worker",
    "volunteer_lawyer",
    "volunteer",
)
LAWYER_KINDS: tuple[str, ...] = ("lawyer", "staff_lawyer", "volunteer_lawyer")
CRIMINAL_STAGES: tuple[str, ...] = ("investigation", "prosecution", "trial")
SPECIALTIES: tuple[str, ...] = ("criminal", "civil", "family", "labour", "administrative", "commercial")

DEFAULT_KIND_MIX: tuple[tuple[str, float], ...] = (
    ("criminal_defence", 0.557),
    ("civil", 0.28),
    ("wage_claim", 0.12),
    ("administrative", 0.04),
    ("death_penalty_review", 0.003),
)
DEFAULT_STAGE_MIX: tuple[tuple[str, float], ...] = (
    ("investigation", 0.2),
    ("prosecution", 0.3),
    ("trial", 0.5),
)
DEFAULT_PROVIDER_KIND_MIX: tuple[tuple[str, float], ...] = (
    ("lawyer", 0.70),
    ("staff_lawyer", 0.10),
    ("grassroots_worker", 0.12),
    ("volunteer_lawyer", 0.04),
    ("volunteer", 0.04),
)

#: Dominant minority language of whole provinces (the recipient's language when one is needed).
LANGUAGE_BY_PROVINCE: dict[str, str] = {
    "内蒙古自治区": "mn",
    "西藏自治区": "bo",
    "青海省": "bo",
    "新疆维吾尔自治区": "ug",
    "广西壮族自治区": "za",
}
#: Autonomous prefectures with their own language inside provinces that have none as a whole.
LANGUAGE_BY_CITY: dict[str, str] = {
    "甘孜藏族自治州": "bo",
    "阿坝藏族羌族自治州": "bo",
    "甘南藏族自治州": "bo",
    "延边朝鲜族自治州": "ko",
    "凉山彝族自治州": "ii",
    "楚雄彝族自治州": "ii",
}

#: Pooling policy written with every scenario: the example of docs/formats.md without centre overrides.
DEFAULT_POLICY: dict[str, Any] = {
    "default": {
        "allowed_tiers": ["home", "city"],
        "scarce_allowed_tiers": ["home", "city", "province", "remote"],
        "scarce_threshold_per_10k": 1.0,
        "tier_cost": {"home": 0, "city": 60, "province": 200, "partner": 300, "remote": 150},
        "partners": [],
        "remote_case_kinds": ["civil", "administrative", "wage_claim", "death_penalty_review"],
    },
    "centres": {},
}

# ------------------------------------------------------------------------------------------------------------
# Fixed calibration constants (see scenarios/README.md for each one's source or reason)
# ------------------------------------------------------------------------------------------------------------

MAX_NUM_DAYS = 366
DEADLINE_DAYS = 3  # Legal Aid Law Art 36 and Art 43: assign within three days
EFFORT_RANGE: dict[str, tuple[int, int]] = {  # inclusive bounds, effort units
    "criminal_defence": (3, 8),
    "death_penalty_review": (10, 10),
    "civil": (2, 5),
    "wage_claim": (1, 3),
    "administrative": (2, 4),
}
CODEFENDANT_GROUP_SIZES = (2, 3, 4)
MINOR_SHARE_CIVIL = 0.02  # civil recipients who are minors (maintenance, custody)
ELDERLY_SHARE = 0.04  # recipients aged 65+ at the average age structure
DISABLED_SHARE = 0.02
FAMILY_SHARE_CIVIL = 0.25  # civil cases that need the `family` specialty
VICTIM_SHARE_CRIMINAL = 0.7  # criminal cases with an identified victim party (always for co-defendant groups)
COMPANY_SHARE_CIVIL = 0.5  # civil opponents that are local companies (the rest are private persons)
EMPLOYER_GEOMETRIC_P = 0.2  # employer k of a county is drawn Geometric(p): a few employers recur
COMPANY_GEOMETRIC_P = 0.1
AGENCY_GEOMETRIC_P = 0.3
POOL_MAX = 999
LANGUAGE_FLOOR = 0.03  # chance a provider elsewhere in a language's province speaks it
CONFLICT_SHARE: dict[str, float] = {  # providers with a conflict list, by kind
    "lawyer": 0.30,
    "staff_lawyer": 0.05,
    "grassroots_worker": 0.20,
    "volunteer_lawyer": 0.30,
    "volunteer": 0.02,
}
CONFLICT_OTHER_COUNTY_SHARE = 0.3  # conflict parties taken from another county of the provider's city
SPECIALTY_WEIGHTS: dict[str, tuple[float, ...]] = {  # order of SPECIALTIES
    "lawyer": (0.35, 0.25, 0.12, 0.10, 0.06, 0.12),
    "staff_lawyer": (0.45, 0.20, 0.12, 0.13, 0.10, 0.0),
    "grassroots_worker": (0.0, 0.35, 0.25, 0.25, 0.10, 0.05),
    "volunteer_lawyer": (0.35, 0.25, 0.12, 0.10, 0.06, 0.12),
    "volunteer": (0.15, 0.35, 0.20, 0.20, 0.10, 0.0),
}
NUM_SPECIALTIES_P = (0.35, 0.40, 0.25)  # 1, 2 or 3 specialties
CRIMINAL_YEARS_MEDIAN = 6.0  # lawyers with the criminal specialty
CRIMINAL_YEARS_MEDIAN_OTHER = 1.5  # lawyers without it (half of them have none)
CRIMINAL_YEARS_MAX = 25.0
MINORS_FAMILIAR_SHARE = 0.15
CAPACITY_RANGE = (20, 40)
OPEN_LOAD_MAX_FRACTION = 0.8
UNAVAILABLE_SHARE = 0.10
UNAVAILABLE_MAX_DAYS = 5
REMOTE_OK_SHARE = 0.30
RECENT_ASSIGNMENTS_MEAN = 2.0
RECENT_ASSIGNMENTS_MAX = 6
REMOTE_POPULATION_REF = 200_000  # counties below this population get proportionally fewer lawyers
VOLUNTEER_LAWYER_RURAL_SHARE = 0.5  # "1+1" volunteers sent to rural counties; the rest live in cities


# ------------------------------------------------------------------------------------------------------------
# Spec and result
# ------------------------------------------------------------------------------------------------------------


def _fail(field_name: str, reason: str) -> NoReturn:
    raise ValueError(f"ScenarioSpec.{field_name}: {reason}")


def _check_int(field_name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        _fail(field_name, f"expected an int, got {type(value).__name__}")
    elif value < minimum:
        _fail(field_name, f"must be >= {minimum}, got {value}")


def _check_share(field_name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        _fail(field_name, f"expected a number, got {type(value).__name__}")
    elif not 0.0 <= float(value) <= 1.0:
        _fail(field_name, f"must be between 0 and 1, got {value}")


def _check_mix(field_name: str, mix: object, allowed: tuple[str, ...]) -> None:
    if not isinstance(mix, tuple) or not mix:
        _fail(field_name, "expected a non-empty tuple of (name, share) pairs")
    seen: set[str] = set()
    for item in mix:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            _fail(field_name, f"expected (name, share) pairs, got {item!r}")
        name, share = item
        if name not in allowed:
            _fail(field_name, f"unknown name {name!r}; expected one of {', '.join(allowed)}")
        if name in seen:
            _fail(field_name, f"name {name!r} repeats")
        seen.add(name)
        if (
            isinstance(share, bool)
            or not isinstance(share, int | float)
            or not np.isfinite(share)
            or share < 0
        ):
            _fail(field_name, f"share of {name!r} must be a finite number >= 0, got {share!r}")
    if sum(float(s) for _, s in mix) <= 0:
        _fail(field_name, "shares sum to zero")


@dataclass(frozen=True)
class ScenarioSpec:
    """Properties of a generated batch, validated on construction.

    Parameters
    ----------
    provinces : tuple of str or None
        Province names as in the county file (e.g. ``("内蒙古自治区",)``); None = the whole nation. Cases and
        providers are placed only in these provinces.
    num_cases, num_providers : int
        Rows of the two frames (>= 0).
    start_date : datetime.date
        First intake day.
    num_days : int, default 14
        Calendar days of intake; cases arrive on working days (Monday to Friday) only, so the window must hold
        at least one when ``num_cases > 0``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    kind_mix : tuple of (kind, share), default DEFAULT_KIND_MIX
        Relative frequency of case kinds (normalised; kinds left out do not occur).
    stage_mix : tuple of (stage, share), default 20/30/50 % investigation/prosecution/trial
        Stages of criminal-defence cases.
    provider_kind_mix : tuple of (kind, share), default DEFAULT_PROVIDER_KIND_MIX
        Relative frequency of provider kinds.
    life_share, death_share : float, default 0.03 and 0.01
        Share of criminal-defence cases whose most severe possible sentence is life / death.
    minor_share : float, default 0.05
        Share of criminal-defence cases with a minor defendant at the average age structure; a county's rate
        scales with its share of residents aged 0–14.
    codefendant_share : float, default 0.08
        Share of criminal-defence cases that come in co-defendant groups of 2–4 in one county.
    language_need_factor : float, default 0.5
        A case in a county with a minority language needs it with probability factor × minority share.
    previous_provider_share : float, default 0.10
        Share of prosecution- and trial-stage defence cases that name the lawyer of the earlier stage.
    lawyer_urban_exponent : float, default 1.2
        Lawyers are placed with weight urban_population ** exponent (times remoteness and minority penalties).

    Raises
    ------
    ValueError
        Naming the field and the reason when a value is out of range or of the wrong type.
    """

    provinces: tuple[str, ...] | None
    num_cases: int
    num_providers: int
    start_date: datetime.date
    num_days: int = 14
    seed: int = 0
    kind_mix: tuple[tuple[str, float], ...] = DEFAULT_KIND_MIX
    stage_mix: tuple[tuple[str, float], ...] = DEFAULT_STAGE_MIX
    provider_kind_mix: tuple[tuple[str, float], ...] = DEFAULT_PROVIDER_KIND_MIX
    life_share: float = 0.03
    death_share: float = 0.01
    minor_share: float = 0.05
    codefendant_share: float = 0.08
    language_need_factor: float = 0.5
    previous_provider_share: float = 0.10
    lawyer_urban_exponent: float = 1.2

    def __post_init__(self) -> None:
        self._validate_provinces()
        _check_int("num_cases", self.num_cases, 0)
        _check_int("num_providers", self.num_providers, 0)
        if isinstance(self.start_date, datetime.datetime) or not isinstance(self.start_date, datetime.date):
            _fail("start_date", f"expected a datetime.date (no time), got {type(self.start_date).__name__}")
        _check_int("num_days", self.num_days, 1)
        if self.num_days > MAX_NUM_DAYS:
            _fail("num_days", f"must be <= {MAX_NUM_DAYS}, got {self.num_days}")
        if self.num_cases > 0 and not np.any(_working_days(self.start_date, self.num_days)[1]):
            _fail("num_days", f"no working day (Mon-Fri) in {self.num_days} day(s) from {self.start_date}")
        _check_int("seed", self.seed, 0)
        _check_mix("kind_mix", self.kind_mix, CASE_KINDS)
        _check_mix("stage_mix", self.stage_mix, CRIMINAL_STAGES)
        _check_mix("provider_kind_mix", self.provider_kind_mix, PROVIDER_KINDS)
        for name in (
            "life_share",
            "death_share",
            "minor_share",
            "codefendant_share",
            "language_need_factor",
            "previous_provider_share",
        ):
            _check_share(name, getattr(self, name))
        if self.life_share + self.death_share > 1.0:
            _fail("death_share", "life_share + death_share must not exceed 1")
        exponent = self.lawyer_urban_exponent
        if isinstance(exponent, bool) or not isinstance(exponent, int | float) or not 0 <= exponent <= 5:
            _fail("lawyer_urban_exponent", f"must be a number between 0 and 5, got {exponent!r}")

    def _validate_provinces(self) -> None:
        provinces = self.provinces
        if provinces is None:
            return
        if isinstance(provinces, str):
            _fail("provinces", f"expected a tuple of province names, got the string {provinces!r}")
        if isinstance(provinces, list):
            provinces = tuple(provinces)
            object.__setattr__(self, "provinces", provinces)
        if not isinstance(provinces, tuple) or not provinces:
            _fail("provinces", "expected None or a non-empty tuple of province names")
        if not all(isinstance(p, str) for p in provinces):
            _fail("provinces", "every province name must be a str")
        if len(set(provinces)) != len(provinces):
            _fail("provinces", "a province repeats")
        known = set(load_regions().province_names)
        unknown = [p for p in provinces if p not in known]
        if unknown:
            _fail(
                "provinces",
                f"unknown province(s) {unknown}; use names as in the county file, e.g. 内蒙古自治区",
            )


@dataclass(frozen=True)
class Scenario:
    """A generated batch: frames as in docs/formats.md, the policy.json content, and the spec that made it."""

    cases: pd.DataFrame
    providers: pd.DataFrame
    policy: dict[str, Any]
    spec: ScenarioSpec


def inner_mongolia_two_weeks(seed: int = 0) -> ScenarioSpec:
    """About 1,000 cases over two weeks (10 working days) and 10,000 providers in Inner Mongolia.

    The region organises about 35,000 legal-aid cases a year, about 95 a working day (DOMAIN.md, 001_*.txt).
    """
    return ScenarioSpec(
        provinces=("内蒙古自治区",),
        num_cases=1_000,
        num_providers=10_000,
        start_date=datetime.date(2024, 3, 4),  # a Monday
        num_days=14,
        seed=seed,
    )


def nation_batch(seed: int = 0) -> ScenarioSpec:
    """20,000 cases over 4 working days and 200,000 providers in all 2,943 counties.

    1.37 million cases a year (DOMAIN.md, 000_*.txt) are about 5,500 a working day.
    """
    return ScenarioSpec(
        provinces=None,
        num_cases=20_000,
        num_providers=200_000,
        start_date=datetime.date(2024, 3, 4),  # a Monday: Mon-Thu
        num_days=4,
        seed=seed,
    )


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------


def _working_days(start: datetime.date, num_days: int) -> tuple[np.ndarray, np.ndarray]:
    days = np.datetime64(start, "D") + np.arange(num_days)
    return days, np.is_busday(days)


def _normalise(weights: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=np.float64)), 0.0, None)
    total = w.sum()
    if total <= 0:
        if fallback is not None:
            return _normalise(fallback)
        return np.full(w.shape, 1.0 / max(len(w), 1))
    return w / total


def _round_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Split ``total`` by ``shares`` into integers (largest remainder; deterministic)."""
    p = _normalise(shares)
    raw = p * total
    counts = np.floor(raw).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _mix_arrays(mix: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    names = np.array([n for n, _ in mix], dtype=object)
    shares = _normalise(np.array([float(s) for _, s in mix]))
    return names, shares


def _pick_within_group(
    item_group: np.ndarray, member_group: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each item, a random index into the members with the same group; -1 when the group has none.

    ``item_group`` and ``member_group`` are dense non-negative group ids (e.g. city indices).
    """
    if len(member_group) == 0 or len(item_group) == 0:
        return np.full(len(item_group), -1, dtype=np.int64)
    num_groups = int(max(item_group.max(), member_group.max())) + 1
    order = np.argsort(member_group, kind="stable")
    counts = np.bincount(member_group, minlength=num_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    n = counts[item_group]
    offset = np.floor(rng.random(len(item_group)) * np.maximum(n, 1)).astype(np.int64)
    picked = order[np.minimum(starts[item_group] + offset, len(order) - 1)]
    return np.where(n > 0, picked, -1).astype(np.int64)


def _format_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{int(n):0{width}d}" for n in numbers], dtype=object)


def _geometric_rank(rng: np.random.Generator, p: float, size: int) -> np.ndarray:
    return np.minimum(rng.geometric(p, size=size), POOL_MAX).astype(np.int64)


def _pool_party_ids(kind_letter: np.ndarray, adcode: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Ids of repeat parties of a county: employer ``E``, company ``B``, agency ``A``: ``E150102-003``."""
    return np.array(
        [f"{k}{int(a)}-{int(r):03d}" for k, a, r in zip(kind_letter, adcode, rank, strict=True)], dtype=object
    )


@dataclass(frozen=True)
class _Counties:
    """The selected counties, with the per-county figures the generator uses (length m)."""

    idx: np.ndarray  # indices into Regions
    adcode: np.ndarray
    city_idx: np.ndarray
    province_idx: np.ndarray
    population: np.ndarray
    urban: np.ndarray
    rural: np.ndarray
    minority: np.ndarray  # fraction 0..1
    share_0_14: np.ndarray  # fraction
    share_65_plus: np.ndarray  # fraction
    migrants: np.ndarray
    construction: np.ndarray
    language: np.ndarray  # str, "" = none
    province_language: np.ndarray  # str, the language of the county's province region, "" = none


def _select_counties(regions: Regions, provinces: tuple[str, ...] | None) -> _Counties:
    if provinces is None:
        idx = np.arange(regions.num_counties)
    else:
        missing = [p for p in provinces if p not in set(regions.province_names)]
        if missing:
            raise ValueError(f"ScenarioSpec.provinces: unknown province(s) {missing} in the county file")
        idx = np.flatnonzero(regions.in_provinces(provinces))
    province = regions.province[idx]
    city = regions.city[idx]
    language = np.array(
        [
            LANGUAGE_BY_PROVINCE.get(p, LANGUAGE_BY_CITY.get(c, ""))
            for p, c in zip(province, city, strict=True)
        ],
        dtype=object,
    )
    population = regions.population[idx].astype(np.float64)
    urban = np.minimum(regions.urban_population[idx].astype(np.float64), population)
    minority = np.clip(regions.minority_share_pct[idx] / 100.0, 0.0, 1.0)
    # Province language = the language with the most minority residents in the province's language counties.
    province_language = np.full(len(idx), "", dtype=object)
    prov_idx = regions.province_idx[idx]
    for p in np.unique(prov_idx):
        in_p = prov_idx == p
        speakers: dict[str, float] = {}
        for lang, pop, s in zip(language[in_p], population[in_p], minority[in_p], strict=True):
            if lang:
                speakers[lang] = speakers.get(lang, 0.0) + pop * s
        if speakers:
            province_language[in_p] = max(sorted(speakers), key=lambda k: speakers[k])
    return _Counties(
        idx=idx,
        adcode=regions.adcode[idx],
        city_idx=regions.city_idx[idx].astype(np.int64),
        province_idx=prov_idx.astype(np.int64),
        population=population,
        urban=urban,
        rural=population - urban,
        minority=minority,
        share_0_14=np.clip(regions.share_0_14_pct[idx] / 100.0, 0.0, 1.0),
        share_65_plus=np.clip(regions.share_65_plus_pct[idx] / 100.0, 0.0, 1.0),
        migrants=regions.registered_other_province[idx].astype(np.float64),
        construction=regions.construction_workers_sample[idx].astype(np.float64),
        language=language,
        province_language=province_language,
    )


def _relative_to_mean(values: np.ndarray, population: np.ndarray) -> np.ndarray:
    """County value divided by its population-weighted mean (1.0 everywhere when the mean is 0)."""
    mean = float(np.average(values, weights=population)) if population.sum() > 0 else 0.0
    return values / mean if mean > 0 else np.ones_like(values)


def _tuples_from_bits(bits: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Row bit patterns (bit j = names[j]) to an object array of tuples of names, via a pattern table."""
    table = np.empty(1 << len(names), dtype=object)
    for code in range(1 << len(names)):
        table[code] = tuple(n for j, n in enumerate(names) if code >> j & 1)
    return table[bits]


# ------------------------------------------------------------------------------------------------------------
# Providers
# ------------------------------------------------------------------------------------------------------------


def _place_providers(
    spec: ScenarioSpec, counties: _Counties, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Return (county position 0..m-1, kind) per provider, unsorted."""
    m = len(counties.idx)
    names, shares = _mix_arrays(spec.provider_kind_mix)
    kind_counts = dict(zip(names, _round_counts(spec.num_providers, shares), strict=True))
    remote = np.clip(counties.population / REMOTE_POPULATION_REF, 0.0, 1.0)
    minority_penalty = (1.0 - counties.minority) ** 2
    lawyer_w = _normalise(
        counties.urban**spec.lawyer_urban_exponent * remote * minority_penalty, counties.population
    )
    rural_w = _normalise(counties.rural + 0.1 * counties.urban, counties.population)
    urban_w = _normalise(counties.urban, counties.population)
    pop_w = _normalise(counties.population)

    positions: list[np.ndarray] = []
    kinds: list[np.ndarray] = []

    def add(kind: str, pos: np.ndarray) -> None:
        positions.append(pos.astype(np.int64))
        kinds.append(np.full(len(pos), kind, dtype=object))

    for kind in PROVIDER_KINDS:
        n = int(kind_counts.get(kind, 0))
        if n == 0:
            continue
        if kind == "lawyer":
            add(kind, rng.choice(m, size=n, p=lawyer_w))
        elif kind == "staff_lawyer":
            # Every centre gets staff lawyers first: 2 per county where numbers allow, else 1, else the
            # most populous draws; the rest follow population (DOMAIN.md: every banner has a centre).
            per_county = min(n // m, 2)
            base = np.repeat(np.arange(m), per_county)
            rest = n - len(base)
            if per_county == 0:
                extra = rng.choice(m, size=rest, replace=False, p=pop_w)
            else:
                extra = rng.choice(m, size=rest, p=pop_w)
            add(kind, np.concatenate((base, extra)))
        elif kind == "grassroots_worker":
            add(kind, rng.choice(m, size=n, p=rural_w))
        elif kind == "volunteer_lawyer":
            n_rural = int(round(n * VOLUNTEER_LAWYER_RURAL_SHARE))
            add(
                kind,
                np.concatenate(
                    (rng.choice(m, size=n_rural, p=rural_w), rng.choice(m, size=n - n_rural, p=lawyer_w))
                ),
            )
        else:  # volunteer: law teachers and students live in cities
            add(kind, rng.choice(m, size=n, p=urban_w))
    if not positions:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    return np.concatenate(positions), np.concatenate(kinds)


def _generate_providers(
    spec: ScenarioSpec, counties: _Counties, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Provider frame and the county position (0..m-1) of each provider."""
    pos, kind = _place_providers(spec, counties, rng)
    kind_code = np.array([PROVIDER_KINDS.index(k) for k in kind], dtype=np.int64)
    order = np.lexsort((kind_code, counties.adcode[pos]))  # by home county, then kind
    pos, kind, kind_code = pos[order], kind[order], kind_code[order]
    n = len(pos)
    is_lawyer = np.isin(kind, LAWYER_KINDS)

    # Specialties: 1-3 drawn without replacement by kind weights (Gumbel top-k), stored as bit patterns.
    weights = np.array([SPECIALTY_WEIGHTS[k] for k in PROVIDER_KINDS])
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)[kind_code]
    keys = log_w + rng.gumbel(size=(n, len(SPECIALTIES)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    num_spec = rng.choice(np.arange(1, 4), size=n, p=NUM_SPECIALTIES_P)
    available = np.isfinite(log_w).sum(axis=1) if n else np.zeros(0, dtype=np.int64)
    chosen = (rank < np.minimum(num_spec, available)[:, None]) & np.isfinite(log_w)
    spec_bits = (chosen * (1 << np.arange(len(SPECIALTIES)))).sum(axis=1).astype(np.int64)
    has_criminal = chosen[:, SPECIALTIES.index("criminal")] if n else np.zeros(0, dtype=bool)

    # Criminal-defence experience: lognormal, lawyers only.
    years_main = rng.lognormal(np.log(CRIMINAL_YEARS_MEDIAN), 0.7, size=n)
    years_other = rng.lognormal(np.log(CRIMINAL_YEARS_MEDIAN_OTHER), 1.0, size=n) * (rng.random(n) < 0.5)
    years = np.where(has_criminal, years_main, years_other)
    years = np.where(is_lawyer, np.round(np.clip(years, 0.0, CRIMINAL_YEARS_MAX), 1), 0.0).astype(np.float64)

    # Languages: the county's language with probability max(share, floor); elsewhere in a language province,
    # the province's language with the floor probability.
    own = counties.language[pos]
    prov_lang = counties.province_language[pos]
    s = counties.minority[pos]
    u = rng.random(n)
    speaks_own = (own != "") & (u < np.maximum(s, LANGUAGE_FLOOR))
    speaks_prov = (own == "") & (prov_lang != "") & (u < LANGUAGE_FLOOR)
    lang = np.where(speaks_own, own, np.where(speaks_prov, prov_lang, ""))
    lang_table = {"": ()} | {
        code: (code,) for code in set(LANGUAGE_BY_PROVINCE.values()) | set(LANGUAGE_BY_CITY.values())
    }
    languages = np.empty(n, dtype=object)
    languages[:] = [lang_table[x] for x in lang]

    minors_familiar = rng.random(n) < MINORS_FAMILIAR_SHARE
    capacity = rng.integers(CAPACITY_RANGE[0], CAPACITY_RANGE[1] + 1, size=n).astype(np.int64)
    open_load = np.floor(capacity * rng.random(n) * OPEN_LOAD_MAX_FRACTION).astype(np.int64)
    remote_ok = rng.random(n) < REMOTE_OK_SHARE
    recent = np.minimum(rng.poisson(RECENT_ASSIGNMENTS_MEAN, size=n), RECENT_ASSIGNMENTS_MAX).astype(np.int64)

    # Days off: ~10 % of providers, 1-5 consecutive days inside the intake window.
    iso_days = [str(d) for d in _working_days(spec.start_date, spec.num_days)[0]]
    off = np.flatnonzero(rng.random(n) < UNAVAILABLE_SHARE)
    off_start = rng.integers(0, spec.num_days, size=len(off))
    off_len = rng.integers(1, UNAVAILABLE_MAX_DAYS + 1, size=len(off))
    off_end = np.minimum(off_start + off_len, spec.num_days)
    unavailable = np.empty(n, dtype=object)
    unavailable[:] = [()] * n
    unavailable[off] = [tuple(iso_days[a:b]) for a, b in zip(off_start, off_end, strict=True)]

    # Conflicts: repeat parties (employers, companies, agencies) of the home county or of another county of
    # its city.
    conflict_p = np.array([CONFLICT_SHARE[k] for k in PROVIDER_KINDS])[kind_code]
    holders = np.flatnonzero(rng.random(n) < conflict_p)
    per_holder = rng.integers(1, 5, size=len(holders))
    owner = np.repeat(holders, per_holder)
    k = len(owner)
    party_pos = pos[owner]
    elsewhere = rng.random(k) < CONFLICT_OTHER_COUNTY_SHARE
    other = _pick_within_group(counties.city_idx[party_pos[elsewhere]], counties.city_idx, rng)
    party_pos[elsewhere] = np.where(other >= 0, other, party_pos[elsewhere])
    letter = rng.choice(np.array(["E", "B", "A"], dtype=object), size=k, p=[0.4, 0.4, 0.2])
    rank_e = _geometric_rank(rng, EMPLOYER_GEOMETRIC_P, k)
    rank_b = _geometric_rank(rng, COMPANY_GEOMETRIC_P, k)
    rank_a = np.minimum(_geometric_rank(rng, AGENCY_GEOMETRIC_P, k), 12)
    party_rank = np.where(letter == "E", rank_e, np.where(letter == "B", rank_b, rank_a))
    party = _pool_party_ids(letter, counties.adcode[party_pos], party_rank)
    conflicts = np.empty(n, dtype=object)
    conflicts[:] = [()] * n
    if k:
        bounds = np.concatenate(([0], np.cumsum(per_holder)))
        conflicts[holders] = [
            tuple(dict.fromkeys(party[a:b])) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]

    frame = pd.DataFrame(
        {
            "provider_id": _format_ids("P", np.arange(1, n + 1), 6),
            "kind": kind.astype(object),
            "home_county": counties.adcode[pos].astype(np.int64),
            "specialties": _tuples_from_bits(spec_bits, SPECIALTIES),
            "criminal_years": years,
            "languages": languages,
            "minors_familiar": minors_familiar.astype(bool),
            "open_load": open_load,
            "capacity": capacity,
            "unavailable_dates": unavailable,
            "remote_ok": remote_ok.astype(bool),
            "conflict_parties": conflicts,
            "recent_assignments": recent,
        },
        columns=list(PROVIDER_COLUMNS),
    )
    return frame, pos


# ------------------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------------------


def _generate_cases(
    spec: ScenarioSpec,
    counties: _Counties,
    rng: np.random.Generator,
    providers: pd.DataFrame,
    provider_pos: np.ndarray,
) -> pd.DataFrame:
    n = spec.num_cases
    m = len(counties.idx)
    kind_names, kind_shares = _mix_arrays(spec.kind_mix)
    kind = rng.choice(kind_names, size=n, p=kind_shares).astype(object)

    # Counties: population; wage claims also by migrants and construction workers.
    pop_w = _normalise(counties.population)
    wage_w = (
        0.2 * pop_w
        + 0.4 * _normalise(counties.migrants, counties.population)
        + 0.4 * _normalise(counties.construction, counties.population)
    )
    pos = np.empty(n, dtype=np.int64)
    is_wage = kind == "wage_claim"
    pos[~is_wage] = rng.choice(m, size=int((~is_wage).sum()), p=pop_w)
    pos[is_wage] = rng.choice(m, size=int(is_wage.sum()), p=_normalise(wage_w))

    calendar, is_working = _working_days(spec.start_date, spec.num_days)
    work_days = calendar[is_working]
    day = rng.integers(0, max(len(work_days), 1), size=n)

    is_crim = kind == "criminal_defence"
    is_review = kind == "death_penalty_review"
    stage_names, stage_shares = _mix_arrays(spec.stage_mix)
    stage = np.full(n, "none", dtype=object)
    stage[is_crim] = rng.choice(stage_names, size=int(is_crim.sum()), p=stage_shares)
    stage[is_review] = "review"

    sentence = np.full(n, "none", dtype=object)
    draw = rng.random(n)
    sentence[is_crim] = np.where(
        draw[is_crim] < spec.death_share,
        "death",
        np.where(draw[is_crim] < spec.death_share + spec.life_share, "life", "fixed_term"),
    )
    sentence[is_review] = "death"

    # Minors and elderly scale with the county's age structure.
    young = _relative_to_mean(counties.share_0_14, counties.population)[pos]
    old = _relative_to_mean(counties.share_65_plus, counties.population)[pos]
    u_minor = rng.random(n)
    minor = (is_crim & (u_minor < np.clip(spec.minor_share * young, 0, 1))) | (
        (kind == "civil") & (u_minor < np.clip(MINOR_SHARE_CIVIL * young, 0, 1))
    )
    # Criminal Law Art 49: no death sentence for offences committed under 18.
    sentence[minor & (sentence == "death")] = "life"
    elderly = ~minor & ~is_review & (rng.random(n) < np.clip(ELDERLY_SHARE * old, 0, 1))
    disabled = rng.random(n) < DISABLED_SHARE

    # Co-defendant groups: a share of criminal-defence cases, in groups of 2-4, copy the first member's
    # county, day, stage and victim.
    crim_idx = np.flatnonzero(is_crim)
    target = int(round(spec.codefendant_share * len(crim_idx)))
    group = np.full(n, -1, dtype=np.int64)
    if target >= CODEFENDANT_GROUP_SIZES[0]:
        sizes = rng.choice(np.array(CODEFENDANT_GROUP_SIZES), size=target // 2 + 1)
        ends = np.cumsum(sizes)
        sizes = sizes[ends <= target]
        members = rng.permutation(crim_idx)[: int(sizes.sum())]
        member_group = np.repeat(np.arange(len(sizes)), sizes)
        leader = members[np.concatenate(([0], np.cumsum(sizes)[:-1]))][member_group]
        group[members] = member_group
        pos[members] = pos[leader]
        day[members] = day[leader]
        stage[members] = stage[leader]
    in_group = group >= 0

    # Order cases by arrival day (then county), then number them.
    order = np.lexsort((counties.adcode[pos], day))
    kind, pos, day, stage, sentence = kind[order], pos[order], day[order], stage[order], sentence[order]
    minor, elderly, disabled, group, in_group = (
        minor[order],
        elderly[order],
        disabled[order],
        group[order],
        in_group[order],
    )
    is_crim, is_review, is_wage = is_crim[order], is_review[order], is_wage[order]
    adcode = counties.adcode[pos].astype(np.int64)
    case_no = np.arange(1, n + 1)

    # Group labels numbered by first appearance in the ordered frame.
    group_label = np.full(n, "", dtype=object)
    if in_group.any():
        uniq, first = np.unique(group[in_group], return_index=True)
        renumber = np.empty(int(uniq.max()) + 1, dtype=np.int64)
        renumber[uniq[np.argsort(first)]] = np.arange(1, len(uniq) + 1)
        group_label[in_group] = _format_ids("G", renumber[group[in_group]], 5)

    # Language needs: factor x minority share in counties with a minority language.
    lang = counties.language[pos]
    need = (lang != "") & (rng.random(n) < spec.language_need_factor * counties.minority[pos])
    language = np.where(need, lang, "").astype(object)

    # Parties: the recipient plus an opponent from a county pool (repeat employers, companies, agencies) or a
    # one-off person (victim, private opponent). Co-defendants share the victim of their group.
    is_civil = kind == "civil"
    is_admin = kind == "administrative"
    letter = np.full(n, "", dtype=object)
    letter[is_wage] = "E"
    company = is_civil & (rng.random(n) < COMPANY_SHARE_CIVIL)
    letter[company] = "B"
    letter[is_admin] = "A"
    rank = np.where(
        letter == "E",
        _geometric_rank(rng, EMPLOYER_GEOMETRIC_P, n),
        np.where(
            letter == "B",
            _geometric_rank(rng, COMPANY_GEOMETRIC_P, n),
            np.minimum(_geometric_rank(rng, AGENCY_GEOMETRIC_P, n), 12),
        ),
    )
    opponent = np.full(n, "", dtype=object)
    pooled = letter != ""
    opponent[pooled] = _pool_party_ids(letter[pooled], adcode[pooled], rank[pooled])
    has_victim = (is_crim | is_review) & ((rng.random(n) < VICTIM_SHARE_CRIMINAL) | in_group)
    victim_key = np.where(in_group, n + group, case_no)  # groups share one key
    opponent[has_victim] = [f"V{int(v):06d}" for v in victim_key[has_victim]]
    private = is_civil & ~company
    opponent[private] = _format_ids("I", case_no[private], 6)
    recipient = _format_ids("R", case_no, 6)
    party_ids = np.empty(n, dtype=object)
    party_ids[:] = [(r, o) if o else (r,) for r, o in zip(recipient, opponent, strict=True)]

    effort = np.zeros(n, dtype=np.int64)
    effort_draw = rng.random(n)
    for k, (lo, hi) in EFFORT_RANGE.items():
        mask = kind == k
        effort[mask] = lo + np.floor(effort_draw[mask] * (hi - lo + 1)).astype(np.int64)

    migrant = is_wage
    bits = (
        migrant.astype(np.int64)
        | minor.astype(np.int64) << 1
        | elderly.astype(np.int64) << 2
        | disabled.astype(np.int64) << 3
    )
    priority = _tuples_from_bits(bits, ("migrant_worker", "minor", "elderly", "disabled"))

    specialty = np.full(n, "", dtype=object)
    specialty[is_civil & (rng.random(n) < FAMILY_SHARE_CIVIL)] = "family"

    # Continuity: a criminal lawyer of the same city handled the earlier stage.
    previous = np.full(n, "", dtype=object)
    later_stage = is_crim & np.isin(stage, ("prosecution", "trial")) & ~in_group
    wants = np.flatnonzero(later_stage & (rng.random(n) < spec.previous_provider_share))
    if len(providers) and len(wants):
        is_crim_lawyer = providers["kind"].isin(("lawyer", "staff_lawyer")).to_numpy() & np.array(
            ["criminal" in s for s in providers["specialties"]], dtype=bool
        )
        lawyer_rows = np.flatnonzero(is_crim_lawyer)
        pick = _pick_within_group(
            counties.city_idx[pos[wants]], counties.city_idx[provider_pos[lawyer_rows]], rng
        )
        ok = pick >= 0
        ids = providers["provider_id"].to_numpy(dtype=object)
        previous[wants[ok]] = ids[lawyer_rows[pick[ok]]]

    received = pd.Series(work_days[day] if n else np.zeros(0, dtype="datetime64[D]")).astype("datetime64[ns]")
    frame = pd.DataFrame(
        {
            "case_id": _format_ids("K", case_no, 6),
            "centre_id": np.array([f"C{a}" for a in adcode], dtype=object),
            "county": adcode,
            "kind": kind,
            "stage": stage,
            "possible_sentence": sentence,
            "minor": minor.astype(bool),
            "language": language,
            "codefendant_group": group_label,
            "party_ids": party_ids,
            "effort": effort,
            "received_date": received,
            "deadline": received + pd.Timedelta(days=DEADLINE_DAYS),
            "priority_groups": priority,
            "specialty": specialty,
            "previous_provider": previous,
            "pinned_provider": np.full(n, "", dtype=object),
        },
        columns=list(CASE_COLUMNS),
    )
    return frame


# ------------------------------------------------------------------------------------------------------------
# Public entry points
# ------------------------------------------------------------------------------------------------------------


def generate(spec: ScenarioSpec, *, regions: Regions | None = None) -> Scenario:
    """Generate a batch of cases and providers for ``spec``.

    Parameters
    ----------
    spec : ScenarioSpec
        What to generate; ``spec.seed`` seeds the only random generator used.
    regions : Regions, optional
        County table; default :func:`models.region.load_regions` (the 2020 census file).

    Returns
    -------
    Scenario
        Cases and providers as in docs/formats.md, the policy (the formats.md default), and the spec.

    Raises
    ------
    ValueError
        When a province of the spec is not in ``regions``.
    """
    table = regions if regions is not None else load_regions()
    counties = _select_counties(table, spec.provinces)
    rng = np.random.default_rng(spec.seed)
    providers, provider_pos = _generate_providers(spec, counties, rng)
    cases = _generate_cases(spec, counties, rng, providers, provider_pos)
    return Scenario(cases=cases, providers=providers, policy=copy.deepcopy(DEFAULT_POLICY), spec=spec)


def _to_csv_frame(frame: pd.DataFrame, list_columns: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if col in list_columns:
            out[col] = [";".join(v) for v in values]
        elif values.dtype == bool:
            out[col] = np.where(values.to_numpy(), "true", "false")
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d")
        else:
            out[col] = values
    return out


def write_scenario(scenario: Scenario, directory: str | Path) -> None:
    """Write ``cases.csv``, ``providers.csv`` and ``policy.json`` into ``directory`` (created if missing).

    List cells are joined by ``;``, booleans written ``true``/``false``, dates ISO ``YYYY-MM-DD``
    (docs/formats.md). Existing files of those names are replaced.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    _to_csv_frame(scenario.cases, CASE_LIST_COLUMNS).to_csv(
        out / "cases.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    _to_csv_frame(scenario.providers, PROVIDER_LIST_COLUMNS).to_csv(
        out / "providers.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    (out / "policy.json").write_text(
        json.dumps(scenario.policy, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )

"""Counties in need, built from the real county file and a provider pool's practising lawyers.

Facts used (DOMAIN.md and its sources):

- Legal-aid demand: about 1.37 million cases in 2022 for 1.41 billion residents, i.e. about 9.7 cases a year
  per 10,000 residents (:data:`LEGAL_AID_CASES_PER_10K`).
- Adequate supply: Jiangsu reports about 90 % of its counties with at least one lawyer per 10,000 residents;
  that is taken as the mark of an adequately served county (:data:`ADEQUATE_LAWYERS_PER_10K`).
- "Lawyers" here are practising lawyers (provider kind ``lawyer``); a county without one is a no-lawyer county
  (无律师县) even when the legal-aid centre has staff lawyers.

Plateau rule (high-altitude service, volunteers need medical clearance): every county of Tibet and Qinghai; the
plateau prefectures Garzê (甘孜) and Ngawa (阿坝) in Sichuan, Gannan (甘南) in Gansu and Dêqên (迪庆) in Yunnan;
and the Tibetan autonomous counties Muli (木里, Sichuan) and Tianzhu (天祝, Gansu).

Language rule: a county needs a minority language when at least :data:`LANGUAGE_SHARE_PCT` % of its residents
belong to minorities and its area has a language of its own (:data:`LANGUAGE_BY_CITY`, then
:data:`LANGUAGE_BY_PROVINCE`); Hui areas (Ningxia, Linxia) speak Mandarin and need none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.arrays import lawyers_per_10k
from models.deployment.domain import County
from models.provider import SPECIALTIES
from models.region import Regions

LEGAL_AID_CASES_PER_10K = 9.7
ADEQUATE_LAWYERS_PER_10K = 1.0
#: Cases a lawyer-and-partner pair can take on in a year of service (assumption; caps the need of a county).
PAIR_CASELOAD_PER_YEAR = 60
#: Need points added for a county with no practising lawyer (the action targets no-lawyer counties first).
NO_LAWYER_BONUS = 30
#: Population from which a county hosts two lawyers and two partners instead of one of each.
TWO_PAIRS_POPULATION = 450_000
LANGUAGE_SHARE_PCT = 50.0

PLATEAU_PROVINCES: tuple[str, ...] = ("西藏自治区", "青海省")
PLATEAU_CITIES: tuple[str, ...] = ("甘孜藏族自治州", "阿坝藏族羌族自治州", "甘南藏族自治州", "迪庆藏族自治州")
PLATEAU_COUNTIES: tuple[str, ...] = ("木里藏族自治县", "天祝藏族自治县")

LANGUAGE_BY_PROVINCE: dict[str, str] = {
    "西藏自治区": "bo",
    "青海省": "bo",
    "新疆维吾尔自治区": "ug",
    "内蒙古自治区": "mn",
    "广西壮族自治区": "za",
}
LANGUAGE_BY_CITY: dict[str, str] = {
    "甘孜藏族自治州": "bo",
    "阿坝藏族羌族自治州": "bo",
    "甘南藏族自治州": "bo",
    "迪庆藏族自治州": "bo",
    "凉山彝族自治州": "ii",
    "楚雄彝族自治州": "ii",
    "红河哈尼族彝族自治州": "ii",
    "文山壮族苗族自治州": "za",
    "黔东南苗族侗族自治州": "hmn",
    "湘西土家族苗族自治州": "hmn",
    "伊犁哈萨克自治州": "kk",
    "塔城地区": "kk",
    "阿勒泰地区": "kk",
}
LANGUAGE_BY_COUNTY: dict[str, str] = {"木里藏族自治县": "bo", "天祝藏族自治县": "bo"}

#: Case mix of legal aid by specialty at the national average (percent): criminal defence 56 %, civil 28 % (a
#: quarter of it family), wage claims 12 %, administrative 4 % (scenarios/generator.py DEFAULT_KIND_MIX).
BASE_CASE_MIX: dict[str, float] = {"criminal": 55.7, "civil": 21.0, "family": 7.0, "labour": 12.0, "administrative": 4.0,
                                   "commercial": 0.3}


def practising_lawyers_per_10k(providers: pd.DataFrame, regions: Regions) -> np.ndarray:
    """Practising lawyers (provider kind ``lawyer``) per 10,000 residents of every county of ``regions``."""
    return lawyers_per_10k(providers[providers["kind"] == "lawyer"], regions)


def is_high_altitude(regions: Regions) -> np.ndarray:
    """Plateau counties by the rule in the module docstring (bool per county of ``regions``)."""
    return (np.isin(regions.province, PLATEAU_PROVINCES) | np.isin(regions.city, PLATEAU_CITIES)
            | np.isin(regions.county, PLATEAU_COUNTIES))


def language_needed(regions: Regions) -> np.ndarray:
    """Minority language each county needs ("" for none), by the rule in the module docstring."""
    lang = np.array([
        LANGUAGE_BY_COUNTY.get(c, LANGUAGE_BY_CITY.get(ci, LANGUAGE_BY_PROVINCE.get(p, "")))
        for c, ci, p in zip(regions.county, regions.city, regions.province, strict=True)
    ], dtype=object)
    return np.where(regions.minority_share_pct >= LANGUAGE_SHARE_PCT, lang, "").astype(object)


def need_points(population: np.ndarray, density_per_10k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected legal-aid cases a year and need points of counties.

    need = round(unmet share * min(demand, PAIR_CASELOAD_PER_YEAR)) + NO_LAWYER_BONUS if no lawyer, at least 1,
    with unmet share = 1 - min(1, lawyers per 10k / ADEQUATE_LAWYERS_PER_10K).
    """
    demand = np.rint(np.asarray(population, dtype=np.float64) * LEGAL_AID_CASES_PER_10K / 10_000).astype(np.int64)
    unmet = 1.0 - np.minimum(1.0, np.asarray(density_per_10k) / ADEQUATE_LAWYERS_PER_10K)
    need = np.rint(unmet * np.minimum(demand, PAIR_CASELOAD_PER_YEAR)).astype(np.int64)
    need = need + np.where(np.asarray(density_per_10k) == 0, NO_LAWYER_BONUS, 0)
    return demand, np.maximum(need, 1)


def case_mix(regions: Regions, idx: np.ndarray) -> np.ndarray:
    """Integer case mix (percent, rows sum to 100) of counties ``idx``: the national mix with the labour share
    scaled by the county's construction workers per resident relative to the mean (0.5x to 2x)."""
    pop = np.maximum(regions.population[idx].astype(np.float64), 1.0)
    rate = regions.construction_workers_sample[idx] / pop
    mean = float(np.average(regions.construction_workers_sample / np.maximum(regions.population, 1),
                            weights=np.maximum(regions.population, 1)))
    rel = np.clip(rate / mean if mean > 0 else np.ones_like(rate), 0.5, 2.0)
    base = np.array([BASE_CASE_MIX[s] for s in SPECIALTIES])
    raw = np.broadcast_to(base, (idx.size, base.size)).copy()
    raw[:, SPECIALTIES.index("labour")] *= rel
    raw = raw / raw.sum(axis=1, keepdims=True) * 100.0
    out = np.floor(raw).astype(np.int64)
    short = 100 - out.sum(axis=1)
    order = np.argsort(-(raw - out), axis=1, kind="stable")
    rows = np.repeat(np.arange(idx.size), base.size)
    rank = np.argsort(order, axis=1).ravel()
    out[rows, np.tile(np.arange(base.size), idx.size)] += (rank < np.repeat(short, base.size)).astype(np.int64)
    return out


def select_counties(
    density_per_10k: np.ndarray, regions: Regions, provinces: tuple[str, ...], *, num_counties: int,
    min_per_province: int = 8,
) -> np.ndarray:
    """Indices of the lawyer-scarcest counties of ``provinces``.

    Counties are ranked by practising lawyers per 10,000 residents (ascending; ties: larger population first).
    The first ``min_per_province`` of every province are taken, then the rest by rank up to ``num_counties``.

    Raises
    ------
    ValueError
        When a province is unknown or there are fewer counties than asked for.
    """
    unknown = [p for p in provinces if p not in regions.province_names]
    if unknown:
        raise ValueError(f"provinces: unknown province(s) {unknown}")
    cand = np.flatnonzero(regions.in_provinces(provinces))
    if cand.size < num_counties:
        raise ValueError(f"num_counties: only {cand.size} counties in the receiving provinces, asked for {num_counties}")
    order = cand[np.lexsort((-regions.population[cand], density_per_10k[cand]))]
    prov = regions.province[order]
    pos_in_prov = pd.Series(prov).groupby(prov).cumcount().to_numpy()
    first = order[pos_in_prov < min_per_province]
    if first.size > num_counties:
        raise ValueError(f"num_counties: {num_counties} is less than min_per_province x provinces ({first.size})")
    rest = order[pos_in_prov >= min_per_province][: num_counties - first.size]
    chosen = np.concatenate([first, rest])
    return chosen[np.lexsort((regions.adcode[chosen],))]


def counties_in_need(
    providers: pd.DataFrame, regions: Regions, provinces: tuple[str, ...], *, num_counties: int,
    handover_cases: np.ndarray | None = None, min_per_province: int = 8,
) -> tuple[County, ...]:
    """The ``num_counties`` lawyer-scarcest counties of ``provinces`` as :class:`County` records.

    Parameters
    ----------
    providers : DataFrame
        A provider pool (docs/formats.md), e.g. from :func:`scenarios.generator.generate`.
    regions : Regions
    provinces : tuple of str
        Receiving provinces.
    num_counties : int
    handover_cases : int array, optional
        Handover cases per chosen county (in adcode order); zeros when omitted.
    min_per_province : int
        Counties taken from every province before the national ranking fills the rest.
    """
    density = practising_lawyers_per_10k(providers, regions)
    idx = select_counties(density, regions, provinces, num_counties=num_counties, min_per_province=min_per_province)
    demand, need = need_points(regions.population[idx], density[idx])
    plateau = is_high_altitude(regions)[idx]
    lang = language_needed(regions)[idx]
    mix = case_mix(regions, idx)
    two = regions.population[idx] >= TWO_PAIRS_POPULATION
    handover = np.zeros(idx.size, dtype=np.int64) if handover_cases is None else np.asarray(handover_cases, dtype=np.int64)
    if handover.shape != (idx.size,):
        raise ValueError(f"handover_cases: expected {idx.size} values (one per chosen county)")
    return tuple(
        County(
            county_id=f"{int(regions.adcode[j]):06d}",
            name=str(regions.county[j]),
            city=str(regions.city[j]),
            province=str(regions.province[j]),
            longitude=round(float(regions.longitude[j]), 5),
            latitude=round(float(regions.latitude[j]), 5),
            population=int(regions.population[j]),
            lawyers_per_10k=round(float(density[j]), 4),
            demand_cases_per_year=int(demand[k]),
            need=int(need[k]),
            language=str(lang[k]),
            high_altitude=bool(plateau[k]),
            handover_cases=int(handover[k]),
            places_lawyer=2 if two[k] else 1,
            places_partner=2 if two[k] else 1,
            case_mix=tuple((s, int(mix[k, t])) for t, s in enumerate(SPECIALTIES)),
        )
        for k, j in enumerate(idx)
    )

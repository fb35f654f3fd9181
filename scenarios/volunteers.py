"""Seeded generator of a national "1+1" cohort: counties in need and the volunteers to place there.

Calibration (DOMAIN.md): in 2021, 131 lawyers and 120 graduates and grassroots workers went to 131 counties in
13 provinces; the default cohort is about twice that in counties (300) and volunteers (600: half lawyers, half
partners) so that counties compete for volunteers and volunteers for counties.

How it is drawn (one ``numpy.random.default_rng(spec.seed)`` for everything after the provider pool):

- Counties: a national provider pool (:func:`scenarios.generator.generate`, ``pool_size`` providers, seeded
  with ``spec.seed``) gives practising lawyers per 10,000 residents; the ``num_counties`` scarcest counties of
  the receiving provinces are taken (:func:`models.deployment.counties.counties_in_need`, which also states the
  plateau and language rules). A share of them (``handover_share``) were served by the departing cohort and
  hold 1 + Poisson(``handover_mean``) open cases.
- Lawyers: home county of a practising lawyer of the pool (so mostly eastern and urban), with sending
  provinces of pairing agreements weighted up (``sending_weight``).
- Partners: graduates 75 % and grassroots workers 95 % "local" (home in one of the counties in need: the
  programme recruits graduates and legal service workers of the area; a county needing a minority language
  weighs 3, others 1), the others from anywhere by population.
- Languages: a volunteer whose home area has a minority language speaks it with probability equal to the home
  county's minority share (x0.6 for lawyers, at most 0.95); 1 % of the others speak one at random.
- Wishes: 1-3 entries; each a province (70 %) or a county of it (30 %), provinces drawn without replacement
  with weight sqrt(counties in need) x 8 for the home province (local volunteers) x 6 for provinces of a
  pairing agreement of the home province x 0.5 for plateau provinces.
- Clearance 75 % (92 % for volunteers who wish for a plateau county), availability 12 months for 96 %,
  reassignment accepted by 60 %, willing to lead: 45 % of lawyers with >= 5 years, 10 % of other lawyers, 3 % of
  partners; in-province stints for 25 % of the volunteers living in a stint province.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.deployment.counties import (
    LANGUAGE_BY_CITY,
    LANGUAGE_BY_COUNTY,
    LANGUAGE_BY_PROVINCE,
    counties_in_need,
)
from models.deployment.domain import (
    LANGUAGES,
    County,
    DeploymentInstance,
    PairingAgreement,
    Settings,
    Volunteer,
)
from models.deployment.io import write_instance
from models.provider import SPECIALTIES
from models.region import Regions, load_regions
from scenarios.generator import NUM_SPECIALTIES_P, SPECIALTY_WEIGHTS, ScenarioSpec, generate

#: The 13 receiving provinces of the default cohort: the western provinces without Chongqing, plus Hunan
#: (Wuling mountains) and Shanxi (Lüliang) in the centre.
RECEIVING_PROVINCES: tuple[str, ...] = (
    "内蒙古自治区", "广西壮族自治区", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区", "湖南省", "山西省",
)
#: Pairing agreements: Jiangsu's pairing with Qinghai and Xinjiang; Anhui helping Ningxia, Guangxi, Guizhou.
PAIRING_AGREEMENTS: tuple[PairingAgreement, ...] = (
    PairingAgreement("江苏省", ("青海省", "新疆维吾尔自治区")),
    PairingAgreement("安徽省", ("宁夏回族自治区", "广西壮族自治区", "贵州省")),
)
IN_PROVINCE_STINT_PROVINCES: tuple[str, ...] = ("四川省", "云南省", "甘肃省")
PLATEAU_WISH_PROVINCES: tuple[str, ...] = ("西藏自治区", "青海省")
#: Shares of partners recruited locally (home in one of the counties in need).
LOCAL_SHARE_GRADUATE = 0.75
LOCAL_SHARE_GRASSROOTS = 0.95
#: Local partners are recruited three times as often in a county that needs a minority language (interpreting
#: is what the programme recruits them for).
LANGUAGE_COUNTY_RECRUIT_WEIGHT = 3.0


def _fail(name: str, reason: str) -> ValueError:
    return ValueError(f"VolunteerSpec.{name}: {reason}")


@dataclass(frozen=True)
class VolunteerSpec:
    """Properties of a generated cohort, validated on construction.

    Parameters
    ----------
    num_volunteers : int, default 600
    num_counties : int, default 300
    lawyer_share : float, default 0.5
        Share of lawyers in the cohort; the rest are partners.
    grassroots_share : float, default 0.3
        Share of grassroots workers among partners (the rest are graduates).
    receiving_provinces : tuple of str, default :data:`RECEIVING_PROVINCES`
    pairing_agreements : tuple of PairingAgreement, default :data:`PAIRING_AGREEMENTS`
    in_province_stint_provinces : tuple of str, default :data:`IN_PROVINCE_STINT_PROVINCES`
    seed : int, default 0
    pool_size : int, default 400,000
        Providers in the national pool that measures lawyers per 10,000 residents.
    handover_share : float, default 0.4
    handover_mean : float, default 5.0
    min_per_province : int, default 8
        Counties taken from every receiving province before the national ranking fills the rest.
    name : str, default "nation-600"

    Raises
    ------
    ValueError
        ``VolunteerSpec.<field>: <reason>`` for a bad value.
    """

    num_volunteers: int = 600
    num_counties: int = 300
    lawyer_share: float = 0.5
    grassroots_share: float = 0.3
    receiving_provinces: tuple[str, ...] = RECEIVING_PROVINCES
    pairing_agreements: tuple[PairingAgreement, ...] = PAIRING_AGREEMENTS
    in_province_stint_provinces: tuple[str, ...] = IN_PROVINCE_STINT_PROVINCES
    seed: int = 0
    pool_size: int = 400_000
    handover_share: float = 0.4
    handover_mean: float = 5.0
    min_per_province: int = 8
    name: str = "nation-600"

    def __post_init__(self) -> None:
        for name, minimum in (("num_volunteers", 0), ("num_counties", 1), ("seed", 0), ("pool_size", 1_000),
                              ("min_per_province", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise _fail(name, f"expected an int >= {minimum}, got {value!r}")
        for name in ("lawyer_share", "grassroots_share", "handover_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise _fail(name, f"expected a number in [0, 1], got {value!r}")
        if not isinstance(self.handover_mean, int | float) or self.handover_mean < 0:
            raise _fail("handover_mean", f"expected a number >= 0, got {self.handover_mean!r}")
        known = set(load_regions().province_names)
        for name in ("receiving_provinces", "in_province_stint_provinces"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or any(p not in known for p in value):
                raise _fail(name, "expected a tuple of province names as in the county file")
        if not self.receiving_provinces:
            raise _fail("receiving_provinces", "must name at least one province")
        for a in self.pairing_agreements:
            if a.from_province not in known or any(p not in known for p in a.to_provinces):
                raise _fail("pairing_agreements", f"unknown province in {a}")


def small_spec(seed: int = 0, *, num_volunteers: int = 40, num_counties: int = 20) -> VolunteerSpec:
    """A small cohort (for tests and quick demos): 4 provinces, 40 volunteers, 20 counties, 20,000-provider pool."""
    return VolunteerSpec(
        num_volunteers=num_volunteers, num_counties=num_counties, seed=seed, pool_size=20_000, min_per_province=3,
        receiving_provinces=("青海省", "宁夏回族自治区", "贵州省", "四川省"),
        in_province_stint_provinces=("四川省",), name=f"small-{num_volunteers}",
    )


# -------------------------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------------------------


def _normalise(w: np.ndarray) -> np.ndarray:
    w = np.clip(np.asarray(w, dtype=np.float64), 0, None)
    total = w.sum()
    return w / total if total > 0 else np.full(w.shape, 1.0 / max(w.size, 1))


def _area_language(regions: Regions) -> np.ndarray:
    """Minority language of each county's area regardless of its minority share ("" for none)."""
    return np.array([
        LANGUAGE_BY_COUNTY.get(c, LANGUAGE_BY_CITY.get(ci, LANGUAGE_BY_PROVINCE.get(p, "")))
        for c, ci, p in zip(regions.county, regions.city, regions.province, strict=True)
    ], dtype=object)


def _gumbel_top(rng: np.random.Generator, log_w: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row, the indices of ``k[row]`` items drawn without replacement with weights exp(log_w) (-1 padded)."""
    keys = log_w + rng.gumbel(size=log_w.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    kmax = int(k.max()) if k.size else 0
    top = order[:, :kmax]
    valid = (np.arange(kmax)[None, :] < k[:, None]) & np.isfinite(np.take_along_axis(log_w, top, axis=1))
    return np.where(valid, top, -1)


def _home_counties(spec: VolunteerSpec, regions: Regions, pool: pd.DataFrame, counties: tuple[County, ...],
                   kinds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index (into regions) of each volunteer's home county."""
    n = kinds.size
    home = np.zeros(n, dtype=np.int64)
    lawyers = regions.index_of(pool.loc[pool["kind"] == "lawyer", "home_county"].to_numpy())
    senders = [a.from_province for a in spec.pairing_agreements]
    w_l = np.where(np.isin(regions.province[lawyers], senders), 3.0, 1.0)
    is_l = kinds == "lawyer"
    home[is_l] = lawyers[rng.choice(lawyers.size, size=int(is_l.sum()), p=_normalise(w_l))]
    # local draws: one of the counties in need (volunteers recruited where they will serve)
    need_idx = regions.index_of(np.array([int(c.county_id) for c in counties], dtype=np.int64))
    local_w = np.zeros(regions.num_counties)
    local_w[need_idx] = np.where([c.language != "" for c in counties], LANGUAGE_COUNTY_RECRUIT_WEIGHT, 1.0)
    local_w = _normalise(local_w)
    nation_w = _normalise(regions.population)
    local_share = np.where(kinds == "graduate", LOCAL_SHARE_GRADUATE, LOCAL_SHARE_GRASSROOTS)
    partners = np.flatnonzero(~is_l)
    local = rng.random(partners.size) < local_share[partners]
    home[partners[local]] = rng.choice(regions.num_counties, size=int(local.sum()), p=local_w)
    home[partners[~local]] = rng.choice(regions.num_counties, size=int((~local).sum()), p=nation_w)
    return home


# -------------------------------------------------------------------------------------------------------------
# entry points
# -------------------------------------------------------------------------------------------------------------


def generate_cohort(spec: VolunteerSpec | None = None, *, regions: Regions | None = None) -> DeploymentInstance:
    """Generate counties in need, volunteers and settings for ``spec`` (deterministic for its seed).

    Returns
    -------
    DeploymentInstance
        Counties in adcode order, volunteers ``V0001...`` in random order of kinds, default settings with the
        spec's receiving provinces, agreements and stint provinces.
    """
    spec = spec or VolunteerSpec()
    regions = regions if regions is not None else load_regions()
    pool = generate(ScenarioSpec(provinces=None, num_cases=0, num_providers=spec.pool_size,
                                 start_date=datetime.date(2024, 3, 4), seed=spec.seed), regions=regions).providers
    rng = np.random.default_rng([spec.seed, 11])
    counties = counties_in_need(pool, regions, spec.receiving_provinces, num_counties=spec.num_counties,
                                min_per_province=spec.min_per_province)
    served = rng.random(len(counties)) < spec.handover_share
    handover = np.where(served, 1 + rng.poisson(spec.handover_mean, size=len(counties)), 0)
    counties = tuple(dataclasses.replace(c, handover_cases=int(h)) for c, h in zip(counties, handover, strict=True))

    n = spec.num_volunteers
    num_l = int(round(n * spec.lawyer_share))
    num_g = int(round((n - num_l) * spec.grassroots_share))
    kinds = rng.permutation(np.array(["lawyer"] * num_l + ["grassroots_worker"] * num_g
                                     + ["graduate"] * (n - num_l - num_g), dtype=object))
    home = _home_counties(spec, regions, pool, counties, kinds, rng)
    home_prov = regions.province[home]
    is_l = kinds == "lawyer"

    # languages
    area = _area_language(regions)[home]
    share = regions.minority_share_pct[home] / 100.0
    p_speak = np.minimum(0.95, share * np.where(is_l, 0.6, 1.0))
    speaks_home = (area != "") & (rng.random(n) < p_speak)
    random_lang = np.array(LANGUAGES, dtype=object)[rng.integers(0, len(LANGUAGES), size=n)]
    speaks_other = ~speaks_home & (rng.random(n) < 0.01)
    languages = [(str(a),) if s else ((str(r),) if o else ()) for a, s, r, o in
                 zip(area, speaks_home, random_lang, speaks_other, strict=True)]

    # specialties
    weight_kind = np.where(is_l, "lawyer", np.where(kinds == "graduate", "volunteer", "grassroots_worker"))
    w = np.array([SPECIALTY_WEIGHTS[str(k)] for k in weight_kind])
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    num_spec = rng.choice(np.arange(1, 4), size=n, p=NUM_SPECIALTIES_P)
    num_spec = np.where(is_l, num_spec, np.minimum(num_spec, 2))
    picks = _gumbel_top(rng, log_w, num_spec)
    specialties = [tuple(SPECIALTIES[j] for j in sorted(row[row >= 0])) for row in picks]

    years = np.where(is_l, np.clip(np.rint(rng.lognormal(np.log(6.0), 0.6, size=n)), 1, 35),
                     np.where(kinds == "grassroots_worker", rng.integers(1, 16, size=n), 0)).astype(np.int64)

    # stints
    stint_home = np.isin(home_prov, spec.in_province_stint_provinces) & np.isin(home_prov, spec.receiving_provinces)
    in_province = stint_home & (rng.random(n) < 0.25)

    # wishes over receiving provinces
    provs = np.array(spec.receiving_provinces, dtype=object)
    count_in = pd.Series([c.province for c in counties]).value_counts()
    base = np.sqrt(np.array([count_in.get(p, 0) for p in provs], dtype=np.float64))
    agree = np.zeros((n, provs.size), dtype=bool)
    for a in spec.pairing_agreements:
        agree |= (home_prov == a.from_province)[:, None] & np.isin(provs, a.to_provinces)[None, :]
    weight = base[None, :] * np.where(home_prov[:, None] == provs[None, :], 8.0, 1.0) * np.where(agree, 6.0, 1.0)
    weight *= np.where(np.isin(provs, PLATEAU_WISH_PROVINCES), 0.5, 1.0)[None, :]
    with np.errstate(divide="ignore"):
        log_pw = np.log(weight)
    num_wish = rng.choice(np.arange(1, 4), size=n, p=(0.2, 0.3, 0.5))
    wish_prov = _gumbel_top(rng, log_pw, num_wish)
    county_by_prov: dict[str, list[County]] = {}
    for c in counties:
        county_by_prov.setdefault(c.province, []).append(c)
    as_county = rng.random(wish_prov.shape) < 0.3
    pick = rng.random(wish_prov.shape)
    preferences: list[tuple[str, ...]] = []
    for i in range(n):  # a few entries per volunteer
        prefs: list[str] = []
        if in_province[i]:
            prefs.append(f"province:{home_prov[i]}")
        for k, j in enumerate(wish_prov[i]):
            if j < 0:
                continue
            prov = str(provs[j])
            options = county_by_prov.get(prov, [])
            if as_county[i, k] and options:
                need = np.array([c.need for c in options], dtype=np.float64)
                cdf = np.cumsum(need / need.sum())
                c = options[int(min(np.searchsorted(cdf, pick[i, k]), len(options) - 1))]
                entry = f"county:{c.county_id}"
            else:
                entry = f"province:{prov}"
            if entry not in prefs:
                prefs.append(entry)
        preferences.append(tuple(prefs[:3]))

    plateau_ids = {c.county_id for c in counties if c.high_altitude}
    wishes_plateau = np.array([
        any((p.startswith("county:") and p[7:] in plateau_ids) or p[9:] in PLATEAU_WISH_PROVINCES for p in prefs)
        for prefs in preferences
    ], dtype=bool)
    clearance = rng.random(n) < np.where(wishes_plateau, 0.92, 0.75)
    available = np.where(rng.random(n) < 0.96, 12, rng.integers(3, 12, size=n))
    accepts_any = rng.random(n) < 0.6
    lead_p = np.where(is_l, np.where(years >= 5, 0.45, 0.10), 0.03)
    willing = rng.random(n) < lead_p

    volunteers = tuple(
        Volunteer(
            volunteer_id=f"V{i + 1:04d}",
            kind=str(kinds[i]),
            home_province=str(home_prov[i]),
            home_county=f"{int(regions.adcode[home[i]]):06d}",
            home_longitude=round(float(regions.longitude[home[i]]), 5),
            home_latitude=round(float(regions.latitude[home[i]]), 5),
            languages=languages[i],
            specialties=specialties[i],
            years_of_practice=int(years[i]),
            preferences=preferences[i],
            accepts_any_province=bool(accepts_any[i]),
            medical_clearance=bool(clearance[i]),
            available_months=int(available[i]),
            stint="in_province" if in_province[i] else "year",
            willing_to_lead=bool(willing[i]),
        )
        for i in range(n)
    )
    settings = Settings(
        receiving_provinces=spec.receiving_provinces,
        pairing_agreements=spec.pairing_agreements,
        in_province_stint_provinces=spec.in_province_stint_provinces,
    )
    meta = {"generator": "scenarios.volunteers", "seed": spec.seed, "pool_size": spec.pool_size,
            "num_volunteers": n, "num_counties": spec.num_counties}
    return DeploymentInstance(name=spec.name, counties=counties, volunteers=volunteers, settings=settings, meta=meta)


def write_benchmark_instance(path: str | Path, spec: VolunteerSpec | None = None) -> DeploymentInstance:
    """Generate a cohort and write it as a benchmark JSON instance (docs/deployment.md); returns it."""
    instance = generate_cohort(spec)
    write_instance(instance, path)
    return instance

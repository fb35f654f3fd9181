"""Column arrays of a deployment instance, encoded once so every rule and term works on whole columns.

Only this module, ``compile.py`` and ``decode.py`` see both ids and indices. Volunteer-by-county quantities are
dense ``(num_volunteers, num_counties)`` arrays: a national cohort is a few hundred by a few hundred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.deployment.domain import CLASS_OF_KIND, LANGUAGES, DeploymentInstance
from models.provider import SPECIALTIES
from models.region import great_circle_km

NOT_RANKED = -1


@dataclass(frozen=True)
class DeploymentArrays:
    """An instance as arrays (counties indexed 0..S-1 and volunteers 0..n-1 in instance order).

    Attributes
    ----------
    provinces : tuple of str
        Every province named by a county, a volunteer's home, a wish or an agreement (sorted).
    county_province, volunteer_province : int64 arrays
        Province index of each county / home province of each volunteer.
    county_group : int64 array
        Team index of each county: position of its province in ``group_provinces``.
    group_provinces : tuple of str
        Provinces that have counties in the instance, in first-appearance order.
    places : int64 array, shape (S, 2)
        Lawyer and partner places.
    case_mix : int64 array, shape (S, len(SPECIALTIES))
        Percent of cases per specialty.
    county_language : int64 array
        Index in :data:`LANGUAGES` of the language a county needs, -1 for none.
    speaks : bool array, shape (n, len(LANGUAGES))
    has_specialty : bool array, shape (n, len(SPECIALTIES))
    rank : int64 array, shape (n, S)
        1-based rank of the first wish a county matches, ``NOT_RANKED`` (-1) when none does.
    wished_province : bool array, shape (n, num_provinces)
        Provinces a volunteer named (directly or through a county).
    distance_km : float64 array, shape (n, S)
        Great-circle distance from the home county to each county.
    """

    instance: DeploymentInstance
    provinces: tuple[str, ...]
    group_provinces: tuple[str, ...]
    county_ids: np.ndarray
    county_province: np.ndarray
    county_group: np.ndarray
    need: np.ndarray
    handover: np.ndarray
    high_altitude: np.ndarray
    lawyers_per_10k: np.ndarray
    places: np.ndarray
    case_mix: np.ndarray
    county_language: np.ndarray
    volunteer_ids: np.ndarray
    volunteer_class: np.ndarray
    is_lawyer: np.ndarray
    volunteer_province: np.ndarray
    speaks: np.ndarray
    has_specialty: np.ndarray
    clearance: np.ndarray
    available_months: np.ndarray
    required_months: np.ndarray
    in_province_stint: np.ndarray
    willing_to_lead: np.ndarray
    accepts_any: np.ndarray
    rank: np.ndarray
    wished_province: np.ndarray
    distance_km: np.ndarray

    @property
    def num_counties(self) -> int:
        return int(self.county_ids.shape[0])

    @property
    def num_volunteers(self) -> int:
        return int(self.volunteer_ids.shape[0])

    def province_mask(self, names: tuple[str, ...] | list[str]) -> np.ndarray:
        """Boolean mask over ``provinces`` of the given names."""
        return np.isin(np.array(self.provinces, dtype=object), list(names))


def encode(instance: DeploymentInstance) -> DeploymentArrays:
    """Encode ``instance`` into :class:`DeploymentArrays` (vectorised over volunteers and counties)."""
    counties, vols, st = instance.counties, instance.volunteers, instance.settings
    names: set[str] = {c.province for c in counties} | {v.home_province for v in vols}
    names |= set(st.receiving_provinces) | set(st.in_province_stint_provinces)
    for a in st.pairing_agreements:
        names |= {a.from_province, *a.to_provinces}
    for v in vols:
        names |= {p.split(":", 1)[1] for p in v.preferences if p.startswith("province:")}
    provinces = tuple(sorted(names))
    pos = {name: i for i, name in enumerate(provinces)}
    n, s = len(vols), len(counties)
    county_ids = np.array([c.county_id for c in counties], dtype=object)
    county_province = np.array([pos[c.province] for c in counties], dtype=np.int64)
    group_provinces = tuple(dict.fromkeys(c.province for c in counties))
    gpos = {name: i for i, name in enumerate(group_provinces)}
    county_index = {cid: i for i, cid in enumerate(county_ids)}
    lang_pos = {name: i for i, name in enumerate(LANGUAGES)}
    spec_pos = {name: i for i, name in enumerate(SPECIALTIES)}

    case_mix = np.zeros((s, len(SPECIALTIES)), dtype=np.int64)
    for j, c in enumerate(counties):
        for name, pct in c.case_mix:
            case_mix[j, spec_pos[name]] = pct
    speaks = np.zeros((n, len(LANGUAGES)), dtype=bool)
    has_specialty = np.zeros((n, len(SPECIALTIES)), dtype=bool)
    wished_province = np.zeros((n, len(provinces)), dtype=bool)
    # Wishes flattened: (volunteer, rank, province or -1, county or -1)
    w_vol, w_rank, w_prov, w_county = [], [], [], []
    for i, v in enumerate(vols):
        speaks[i, [lang_pos[x] for x in v.languages]] = True
        has_specialty[i, [spec_pos[x] for x in v.specialties]] = True
        for r, pref in enumerate(v.preferences, start=1):
            kind, target = pref.split(":", 1)
            w_vol.append(i)
            w_rank.append(r)
            if kind == "province":
                w_prov.append(pos[target])
                w_county.append(-1)
            else:
                j = county_index[target]
                w_prov.append(int(county_province[j]))
                w_county.append(j)
    wv, wr, wp, wc = (np.array(x, dtype=np.int64) for x in (w_vol, w_rank, w_prov, w_county))
    wished_province[wv, wp] = True
    big = np.iinfo(np.int64).max
    rank = np.full((n, s), big, dtype=np.int64)
    by_prov = wc < 0
    if np.any(by_prov):
        prov_rank = np.full((n, len(provinces)), big, dtype=np.int64)
        np.minimum.at(prov_rank, (wv[by_prov], wp[by_prov]), wr[by_prov])
        rank = np.minimum(rank, prov_rank[:, county_province])
    if np.any(~by_prov):
        np.minimum.at(rank, (wv[~by_prov], wc[~by_prov]), wr[~by_prov])
    rank = np.where(rank == big, NOT_RANKED, rank)

    lon = np.array([c.longitude for c in counties], dtype=np.float64)
    lat = np.array([c.latitude for c in counties], dtype=np.float64)
    hlon = np.array([v.home_longitude for v in vols], dtype=np.float64)
    hlat = np.array([v.home_latitude for v in vols], dtype=np.float64)
    distance = great_circle_km(hlon[:, None], hlat[:, None], lon[None, :], lat[None, :]) if n and s else np.zeros((n, s))
    stint = np.array([v.stint for v in vols], dtype=object)
    return DeploymentArrays(
        instance=instance,
        provinces=provinces,
        group_provinces=group_provinces,
        county_ids=county_ids,
        county_province=county_province,
        county_group=np.array([gpos[c.province] for c in counties], dtype=np.int64),
        need=np.array([c.need for c in counties], dtype=np.int64),
        handover=np.array([c.handover_cases for c in counties], dtype=np.int64),
        high_altitude=np.array([c.high_altitude for c in counties], dtype=bool),
        lawyers_per_10k=np.array([c.lawyers_per_10k for c in counties], dtype=np.float64),
        places=np.array([[c.places_lawyer, c.places_partner] for c in counties], dtype=np.int64).reshape(s, 2),
        case_mix=case_mix,
        county_language=np.array([lang_pos[c.language] if c.language else -1 for c in counties], dtype=np.int64),
        volunteer_ids=np.array([v.volunteer_id for v in vols], dtype=object),
        volunteer_class=np.array([CLASS_OF_KIND[v.kind] for v in vols], dtype=np.int64),
        is_lawyer=np.array([v.is_lawyer for v in vols], dtype=bool),
        volunteer_province=np.array([pos[v.home_province] for v in vols], dtype=np.int64),
        speaks=speaks,
        has_specialty=has_specialty,
        clearance=np.array([v.medical_clearance for v in vols], dtype=bool),
        available_months=np.array([v.available_months for v in vols], dtype=np.int64),
        required_months=np.array([st.months_required(v.stint) for v in vols], dtype=np.int64),
        in_province_stint=stint == "in_province",
        willing_to_lead=np.array([v.willing_to_lead for v in vols], dtype=bool),
        accepts_any=np.array([v.accepts_any_province for v in vols], dtype=bool),
        rank=rank,
        wished_province=wished_province,
        distance_km=np.asarray(distance, dtype=np.float64),
    )

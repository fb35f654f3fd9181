"""Column arrays of a batch, encoded once so rules and terms work on whole columns.

``encode`` turns the case and provider tables, the regions and the policy into int-indexed numpy arrays. It is
part of compilation: only this module, ``compile.py`` and ``decode.py`` see both ids and indices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.case import CRIMINAL_KINDS, DEFAULT_SPECIALTY
from models.policy import TIER_CODE, TIERS, PolicySet, PoolingPolicy
from models.provider import LAWYER_KINDS, SPECIALTIES
from models.region import Regions, great_circle_km

SPECIALTY_BIT = {name: 1 << i for i, name in enumerate(SPECIALTIES)}
MANDARIN = ("", "zh")


@dataclass(frozen=True)
class ProviderArrays:
    ids: np.ndarray
    kind: np.ndarray
    is_lawyer: np.ndarray
    county_idx: np.ndarray
    city_idx: np.ndarray
    province_idx: np.ndarray
    specialty_mask: np.ndarray
    criminal_years: np.ndarray
    language_mask: np.ndarray
    minors_familiar: np.ndarray
    open_load: np.ndarray
    capacity: np.ndarray
    spare: np.ndarray
    unavailable: np.ndarray
    remote_ok: np.ndarray
    recent_assignments: np.ndarray

    @property
    def num(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class CaseArrays:
    ids: np.ndarray
    kind: np.ndarray
    county_idx: np.ndarray
    city_idx: np.ndarray
    province_idx: np.ndarray
    is_criminal: np.ndarray
    is_serious: np.ndarray
    minor: np.ndarray
    language: np.ndarray
    language_bit: np.ndarray
    specialty: np.ndarray
    specialty_bit: np.ndarray
    effort: np.ndarray
    group_idx: np.ndarray
    days_waited: np.ndarray
    days_to_deadline: np.ndarray
    priority_count: np.ndarray
    previous_idx: np.ndarray
    pinned_idx: np.ndarray
    policy_idx: np.ndarray
    scarce: np.ndarray
    tier_mask: np.ndarray
    remote_kind: np.ndarray

    @property
    def num(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class Encoded:
    """Everything rules and terms need, as arrays."""

    cases: CaseArrays
    providers: ProviderArrays
    regions: Regions
    policies: tuple[PoolingPolicy, ...]
    partner_ok: np.ndarray  # (num_policies, num_provinces) bool
    tier_cost: np.ndarray  # (num_policies, 5) int64
    conflict_keys: np.ndarray  # sorted int64 case_idx * num_providers + provider_idx
    county_lawyers_per_10k: np.ndarray
    as_of: dt.date
    languages: tuple[str, ...]


def lawyers_per_10k(providers: pd.DataFrame, regions: Regions) -> np.ndarray:
    """Lawyers (kinds lawyer, staff_lawyer, volunteer_lawyer) per 10,000 residents of each county."""
    is_lawyer = providers["kind"].isin(LAWYER_KINDS).to_numpy()
    county = regions.index_of(providers["home_county"].to_numpy())
    counts = np.bincount(county[is_lawyer & (county >= 0)], minlength=regions.num_counties)
    return counts * 10_000.0 / np.maximum(regions.population, 1)


def _bits(series: pd.Series, vocab: dict[str, int]) -> np.ndarray:
    flat = series.explode().dropna()
    flat = flat[flat.isin(list(vocab))]
    if flat.empty:
        return np.zeros(len(series), dtype=np.int64)
    bits = flat.map(vocab).astype(np.int64)
    pos = series.index.get_indexer(flat.index)
    out = np.zeros(len(series), dtype=np.int64)
    np.bitwise_or.at(out, pos, bits.to_numpy())
    return out


def _conflict_keys(cases: pd.DataFrame, providers: pd.DataFrame) -> np.ndarray:
    c = cases["party_ids"].reset_index(drop=True).explode().dropna()
    p = providers["conflict_parties"].reset_index(drop=True).explode().dropna()
    if c.empty or p.empty:
        return np.zeros(0, dtype=np.int64)
    left = pd.DataFrame({"party": c.to_numpy(), "case": c.index.to_numpy()})
    right = pd.DataFrame({"party": p.to_numpy(), "prov": p.index.to_numpy()})
    pairs = left.merge(right, on="party")
    keys = pairs["case"].to_numpy(np.int64) * np.int64(len(providers)) + pairs["prov"].to_numpy(np.int64)
    return np.unique(keys)


def encode(
    cases: pd.DataFrame,
    providers: pd.DataFrame,
    regions: Regions,
    policy: PolicySet,
    as_of: dt.date,
) -> Encoded:
    """Encode a batch.

    Raises
    ------
    ValueError
        When a county code is unknown, an id repeats, or a pinned provider is unknown. An unknown
        ``previous_provider`` is ignored (that lawyer has left the pool; no continuity term applies).
    """
    cases = cases.reset_index(drop=True).assign(language=lambda f: f["language"].astype(str).str.strip().str.lower())
    providers = providers.reset_index(drop=True).assign(
        languages=lambda f: f["languages"].map(lambda items: tuple(str(x).strip().lower() for x in items))
    )
    if providers["provider_id"].duplicated().any():
        raise ValueError(f"providers: provider_id {providers.loc[providers['provider_id'].duplicated(), 'provider_id'].iloc[0]!r} repeats")
    if cases["case_id"].duplicated().any():
        raise ValueError(f"cases: case_id {cases.loc[cases['case_id'].duplicated(), 'case_id'].iloc[0]!r} repeats")
    p_county = regions.index_of(providers["home_county"].to_numpy())
    c_county = regions.index_of(cases["county"].to_numpy())
    if np.any(p_county < 0):
        raise ValueError(f"providers: home_county {providers['home_county'].iloc[int(np.argmax(p_county < 0))]} is not in the county file")
    if np.any(c_county < 0):
        raise ValueError(f"cases: county {cases['county'].iloc[int(np.argmax(c_county < 0))]} is not in the county file")

    languages = sorted(
        (set(cases["language"]) | set(providers["languages"].explode().dropna())) - set(MANDARIN)
    )
    if len(languages) > 62:
        raise ValueError("languages: more than 62 distinct languages")
    lang_bit = {name: 1 << i for i, name in enumerate(languages)}
    as_of_str = as_of.isoformat()
    unavailable = providers["unavailable_dates"].map(lambda ds: as_of_str in ds).to_numpy(bool)
    kind_p = providers["kind"].to_numpy(object)
    prov = ProviderArrays(
        ids=providers["provider_id"].to_numpy(object),
        kind=kind_p,
        is_lawyer=np.isin(kind_p, LAWYER_KINDS),
        county_idx=p_county,
        city_idx=regions.city_idx[p_county].astype(np.int64),
        province_idx=regions.province_idx[p_county].astype(np.int64),
        specialty_mask=_bits(providers["specialties"], SPECIALTY_BIT),
        criminal_years=providers["criminal_years"].to_numpy(np.float64),
        language_mask=_bits(providers["languages"], lang_bit),
        minors_familiar=providers["minors_familiar"].to_numpy(bool),
        open_load=providers["open_load"].to_numpy(np.int64),
        capacity=providers["capacity"].to_numpy(np.int64),
        spare=(providers["capacity"] - providers["open_load"]).to_numpy(np.int64),
        unavailable=unavailable,
        remote_ok=providers["remote_ok"].to_numpy(bool),
        recent_assignments=providers["recent_assignments"].to_numpy(np.int64),
    )

    # Policies: one per distinct centre override, index 0 = default.
    centre_ids = cases["centre_id"].astype(str).to_numpy(object)
    names = ["__default__"] + sorted(c for c in set(centre_ids) if c in policy.centres)
    policies = tuple(policy.default if n == "__default__" else policy.for_centre(n) for n in names)
    pos_of = {n: i for i, n in enumerate(names)}
    policy_idx = np.array([pos_of.get(c, 0) for c in centre_ids], dtype=np.int64) if len(names) > 1 else np.zeros(len(cases), dtype=np.int64)
    province_pos = {name: i for i, name in enumerate(regions.province_names)}
    partner_ok = np.zeros((len(policies), len(regions.province_names)), dtype=bool)
    for k, pol in enumerate(policies):
        for name in pol.partners:
            if name not in province_pos:
                raise ValueError(f"policy: partners: {name!r} is not a province name in the county file")
            partner_ok[k, province_pos[name]] = True
    tier_cost = np.array([[pol.tier_cost[t] for t in TIERS] for pol in policies], dtype=np.int64)
    threshold = np.array([pol.scarce_threshold_per_10k for pol in policies])
    density = lawyers_per_10k(providers, regions)
    scarce = density[c_county] < threshold[policy_idx]
    plain_mask = np.array([sum(1 << TIER_CODE[t] for t in pol.reachable(False)) for pol in policies], dtype=np.int64)
    scarce_mask = np.array([sum(1 << TIER_CODE[t] for t in pol.reachable(True)) for pol in policies], dtype=np.int64)
    tier_mask = np.where(scarce, scarce_mask[policy_idx], plain_mask[policy_idx])
    kind_c = cases["kind"].to_numpy(object)
    remote_kind = np.zeros(len(cases), dtype=bool)
    for k, pol in enumerate(policies):
        sel = policy_idx == k
        remote_kind[sel] = np.isin(kind_c[sel], pol.remote_case_kinds)

    specialty = cases["specialty"].where(cases["specialty"] != "", cases["kind"].map(DEFAULT_SPECIALTY)).to_numpy(object)
    language = cases["language"].astype(str).to_numpy(object)
    group_codes, _ = pd.factorize(cases["codefendant_group"].where(cases["codefendant_group"] != ""))
    id_pos = pd.Index(prov.ids)
    prev = id_pos.get_indexer(cases["previous_provider"].astype(str))
    pinned = id_pos.get_indexer(cases["pinned_provider"].astype(str))
    bad_pin = (pinned < 0) & (cases["pinned_provider"].astype(str) != "").to_numpy()
    if np.any(bad_pin):
        raise ValueError(
            f"cases: column pinned_provider: case {cases['case_id'].iloc[int(np.argmax(bad_pin))]!r}: "
            f"{cases['pinned_provider'].iloc[int(np.argmax(bad_pin))]!r} is not a known provider"
        )
    as_of_ts = pd.Timestamp(as_of)
    case = CaseArrays(
        ids=cases["case_id"].to_numpy(object),
        kind=kind_c,
        county_idx=c_county,
        city_idx=regions.city_idx[c_county].astype(np.int64),
        province_idx=regions.province_idx[c_county].astype(np.int64),
        is_criminal=np.isin(kind_c, CRIMINAL_KINDS),
        is_serious=(kind_c == "death_penalty_review")
        | ((kind_c == "criminal_defence") & np.isin(cases["possible_sentence"].to_numpy(object), ("life", "death"))),
        minor=cases["minor"].to_numpy(bool),
        language=language,
        language_bit=np.array([lang_bit.get(x, 0) for x in language], dtype=np.int64),
        specialty=specialty,
        specialty_bit=np.array([SPECIALTY_BIT.get(s, 0) for s in specialty], dtype=np.int64),
        effort=cases["effort"].to_numpy(np.int64),
        group_idx=group_codes.astype(np.int64),
        days_waited=np.maximum(0, (as_of_ts - cases["received_date"]).dt.days.to_numpy(np.int64)),
        days_to_deadline=(cases["deadline"] - as_of_ts).dt.days.to_numpy(np.int64),
        priority_count=cases["priority_groups"].map(len).to_numpy(np.int64),
        previous_idx=prev.astype(np.int64),
        pinned_idx=pinned.astype(np.int64),
        policy_idx=policy_idx,
        scarce=scarce,
        tier_mask=tier_mask,
        remote_kind=remote_kind,
    )
    return Encoded(
        cases=case,
        providers=prov,
        regions=regions,
        policies=policies,
        partner_ok=partner_ok,
        tier_cost=tier_cost,
        conflict_keys=_conflict_keys(cases, providers),
        county_lawyers_per_10k=density,
        as_of=as_of,
        languages=tuple(languages),
    )


def physical_tier(enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Physical tier code of each (case, provider) pair: 0 home, 1 city, 2 province, 3 partner, -1 none."""
    c, p = enc.cases, enc.providers
    same_county = c.county_idx[ci] == p.county_idx[pi]
    same_city = c.city_idx[ci] == p.city_idx[pi]
    same_prov = c.province_idx[ci] == p.province_idx[pi]
    partner = enc.partner_ok[c.policy_idx[ci], p.province_idx[pi]]
    return np.select([same_county, same_city, same_prov, partner], [0, 1, 2, 3], default=-1).astype(np.int8)


def served_tier(enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Tier a pair would be served at under the case's policy: physical if allowed, else remote, else -1."""
    phys = physical_tier(enc, ci, pi)
    mask = enc.cases.tier_mask[ci]
    phys_ok = (phys >= 0) & ((mask >> np.maximum(phys, 0)) & 1).astype(bool)
    remote_ok = (
        ((mask >> TIER_CODE["remote"]) & 1).astype(bool) & enc.providers.remote_ok[pi] & enc.cases.remote_kind[ci]
    )
    return np.where(phys_ok, phys, np.where(remote_ok, TIER_CODE["remote"], -1)).astype(np.int8)


def pair_km(enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Great-circle km between the provider's home county and the case county."""
    r = enc.regions
    a, b = enc.cases.county_idx[ci], enc.providers.county_idx[pi]
    return great_circle_km(r.longitude[b], r.latitude[b], r.longitude[a], r.latitude[a])

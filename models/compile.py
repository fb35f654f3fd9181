"""Compile a batch into the solver's sparse assignment problem.

Candidate providers of a case come from the tiers its centre's policy lets it reach: the providers of its county,
city or province (the widest physical tier allowed), of partner provinces, and a shortlist of remote-capable
providers for each requirement profile. Every hard rule is evaluated on the candidate block at once (numpy);
each case keeps its ``max_arcs_per_case`` cheapest eligible arcs (always including its pinned and earlier-stage
provider when eligible). Costs are the sum of the soft terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.arrays import Encoded, pair_km, physical_tier
from models.policy import TIER_CODE
from models.rules.hard import CRIMINAL_LAWYER, LANGUAGE, MINOR, PAIR_RULES, POOLING, SERIOUS, eligible
from models.terms import ARC_TERMS, WAITING, SoftTerm, WaitingCost, arc_points
from optimizer.problem import AssignmentProblem

MAX_BLOCK_PAIRS = 2_000_000


@dataclass(frozen=True)
class CompileParams:
    """Sparsification settings.

    Parameters
    ----------
    max_arcs_per_case : int
        Cheapest eligible arcs kept per case (default 40).
    remote_shortlist : int
        Remote-capable providers considered per requirement profile (default 60).
    """

    max_arcs_per_case: int = 40
    remote_shortlist: int = 60

    def __post_init__(self) -> None:
        if self.max_arcs_per_case < 1:
            raise ValueError("max_arcs_per_case: must be >= 1")
        if self.remote_shortlist < 0:
            raise ValueError("remote_shortlist: must be >= 0")


@dataclass(frozen=True)
class Compiled:
    """The solver problem plus what decoding needs to map arcs back to pairs."""

    problem: AssignmentProblem
    arc_case: np.ndarray
    arc_provider: np.ndarray
    arc_tier: np.ndarray
    arc_km: np.ndarray
    enc: Encoded
    terms: tuple[SoftTerm, ...]


def _members(keys: np.ndarray, num_keys: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=num_keys))])
    return order, ptr


def _remote_shortlists(enc: Encoded, terms: tuple[SoftTerm, ...], size: int) -> dict[tuple[int, ...], np.ndarray]:
    """For each requirement profile of remote-reaching cases, the ``size`` cheapest eligible remote providers."""
    c, p = enc.cases, enc.providers
    wants = (((c.tier_mask >> TIER_CODE["remote"]) & 1) == 1) & c.remote_kind
    if size == 0 or not np.any(wants):
        return {}
    pool = np.flatnonzero(p.remote_ok & ~p.unavailable & (p.spare > 0))
    out: dict[tuple[int, ...], np.ndarray] = {}
    for ci in np.flatnonzero(wants):
        key = _profile(enc, int(ci))
        if key in out:
            continue
        cc = np.full(pool.size, ci)
        ok = eligible(enc, cc, pool, (CRIMINAL_LAWYER, SERIOUS, MINOR, LANGUAGE))
        cand = pool[ok]
        if cand.size > size:
            tier = np.full(cand.size, TIER_CODE["remote"], dtype=np.int8)
            pts = arc_points(enc, cc[: cand.size], cand, tier, np.zeros(cand.size), terms).sum(axis=1)
            cand = cand[np.argsort(pts, kind="stable")[:size]]
        out[key] = np.sort(cand)
    return out


def _profile(enc: Encoded, ci: int) -> tuple[int, ...]:
    c = enc.cases
    return (
        int(c.is_criminal[ci]), int(c.is_serious[ci]), int(c.minor[ci]), int(c.language_bit[ci]),
        int(c.specialty_bit[ci]), int(c.policy_idx[ci]), int(c.previous_idx[ci] >= 0),
    )


@dataclass(frozen=True)
class _Membership:
    """Providers of each county, city and province, CSR-style (order, ptr)."""

    county: tuple[np.ndarray, np.ndarray]
    city: tuple[np.ndarray, np.ndarray]
    province: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, enc: Encoded) -> _Membership:
        p, r = enc.providers, enc.regions
        return cls(
            county=_members(p.county_idx, r.num_counties),
            city=_members(p.city_idx, int(r.city_idx.max()) + 1),
            province=_members(p.province_idx, len(r.province_names)),
        )


def _take(members: tuple[np.ndarray, np.ndarray], key: int) -> np.ndarray:
    order, ptr = members
    return order[ptr[key] : ptr[key + 1]]


def candidate_providers(
    enc: Encoded, cases: np.ndarray, shortlists: dict[tuple[int, ...], np.ndarray], members: _Membership | None = None
) -> np.ndarray:
    """Providers a group of cases with one county and policy may reach (before the hard rules)."""
    c, p = enc.cases, enc.providers
    members = members or _Membership.of(enc)
    first = int(cases[0])
    mask = int(c.tier_mask[first])
    parts = []
    if mask & (1 << TIER_CODE["province"]):
        parts.append(_take(members.province, int(c.province_idx[first])))
    elif mask & (1 << TIER_CODE["city"]):
        parts.append(_take(members.city, int(c.city_idx[first])))
    elif mask & (1 << TIER_CODE["home"]):
        parts.append(_take(members.county, int(c.county_idx[first])))
    if mask & (1 << TIER_CODE["partner"]):
        for prov in np.flatnonzero(enc.partner_ok[int(c.policy_idx[first])]):
            parts.append(_take(members.province, int(prov)))
    if mask & (1 << TIER_CODE["remote"]):
        for key in {_profile(enc, int(ci)) for ci in cases[c.remote_kind[cases]]}:
            lst = shortlists.get(key)
            if lst is not None:
                parts.append(lst)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    flag = np.zeros(p.num, dtype=bool)
    for part in parts:
        flag[part] = True
    flag &= ~p.unavailable & (p.spare > 0)
    return np.flatnonzero(flag)


def _group_cases(enc: Encoded) -> list[np.ndarray]:
    c = enc.cases
    key = c.county_idx * np.int64(len(enc.policies) + 1) + c.policy_idx
    order = np.argsort(key, kind="stable")
    _, starts = np.unique(key[order], return_index=True)
    return np.split(order, starts[1:]) if order.size else []


def compile_batch(
    enc: Encoded,
    *,
    params: CompileParams | None = None,
    terms: tuple[SoftTerm, ...] = ARC_TERMS,
    waiting: WaitingCost = WAITING,
) -> Compiled:
    """Build the sparse assignment problem of a batch.

    Raises
    ------
    ValueError
        When a pinned provider is not eligible for its case (the message names the case and the failed rules).
    """
    params = params or CompileParams()
    shortlists = _remote_shortlists(enc, terms, params.remote_shortlist)
    arc_c, arc_p, arc_t, arc_k, arc_pts = [], [], [], [], []
    other_rules = tuple(r for r in PAIR_RULES if r is not POOLING)
    members = _Membership.of(enc)
    for group in _group_cases(enc):
        cand = candidate_providers(enc, group, shortlists, members)
        if cand.size == 0:
            continue
        # Tier and distance depend on the case only through its county, policy and kind: compute per candidate.
        first = np.full(cand.size, group[0])
        phys = physical_tier(enc, first, cand)
        mask = int(enc.cases.tier_mask[group[0]])
        phys_ok = (phys >= 0) & ((mask >> np.maximum(phys, 0)) & 1).astype(bool)
        remote_c = bool((mask >> TIER_CODE["remote"]) & 1) & enc.providers.remote_ok[cand]
        km_c = pair_km(enc, first, cand)
        step = max(1, MAX_BLOCK_PAIRS // cand.size)
        for lo in range(0, group.size, step):
            ci_block = group[lo : lo + step]
            remote_kind = enc.cases.remote_kind[ci_block][:, None]
            tier_dense = np.where(phys_ok[None, :], phys[None, :], np.where(remote_c[None, :] & remote_kind, TIER_CODE["remote"], -1))
            ok = (tier_dense >= 0) & eligible(enc, ci_block[:, None], cand[None, :], other_rules)
            rows, cols = np.nonzero(ok)
            ci, pi = ci_block[rows], cand[cols]
            tier = tier_dense[rows, cols].astype(np.int8)
            km = km_c[cols]
            pts = arc_points(enc, ci, pi, tier, km, terms)
            keep = _cheapest_per_case(ok, rows, cols, pts.sum(axis=1), ci, pi, enc, params.max_arcs_per_case)
            arc_c.append(ci[keep])
            arc_p.append(pi[keep])
            arc_t.append(tier[keep])
            arc_k.append(km[keep])
            arc_pts.append(pts[keep])
    n = enc.cases.num
    if arc_c:
        ac, ap = np.concatenate(arc_c), np.concatenate(arc_p)
        at, ak, apts = np.concatenate(arc_t), np.concatenate(arc_k), np.concatenate(arc_pts)
    else:
        ac = ap = np.zeros(0, dtype=np.int64)
        at, ak = np.zeros(0, dtype=np.int8), np.zeros(0)
        apts = np.zeros((0, len(terms)), dtype=np.int64)
    order = np.lexsort((ap, ac))
    ac, ap, at, ak, apts = ac[order], ap[order], at[order], ak[order], apts[order]
    job_ptr = np.concatenate([[0], np.cumsum(np.bincount(ac, minlength=n))]).astype(np.int64)
    pinned_arc = _pinned_arcs(enc, ac, ap, job_ptr)
    problem = AssignmentProblem(
        job_ptr=job_ptr,
        agent_idx=ap,
        cost=apts.sum(axis=1),
        weight=enc.cases.effort[ac],
        capacity=np.maximum(enc.providers.spare, 0),
        is_optional=pinned_arc < 0,
        unassigned_cost=waiting.cost(enc),
        group_idx=enc.cases.group_idx,
        pinned_arc=pinned_arc,
        term_cost=apts,
        term_names=tuple(t.id for t in terms),
    )
    return Compiled(problem=problem, arc_case=ac, arc_provider=ap, arc_tier=at, arc_km=ak, enc=enc, terms=terms)


def _cheapest_per_case(
    ok: np.ndarray, rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, ci: np.ndarray, pi: np.ndarray,
    enc: Encoded, k: int,
) -> np.ndarray:
    """Flags of the eligible pairs (given in ``np.nonzero(ok)`` order) to keep: the ``k`` cheapest per case, plus
    the pinned and earlier-stage providers."""
    if ok.shape[1] > k:
        dense = np.full(ok.shape, np.iinfo(np.int64).max, dtype=np.int64)
        dense[rows, cols] = cost
        top = np.argpartition(dense, k - 1, axis=1)[:, :k]
        chosen = np.zeros(ok.shape, dtype=bool)
        chosen[np.arange(ok.shape[0])[:, None], top] = True
        keep = chosen[rows, cols]
    else:
        keep = np.ones(rows.size, dtype=bool)
    keep |= (pi == enc.cases.previous_idx[ci]) | (pi == enc.cases.pinned_idx[ci])
    return keep


def _pinned_arcs(enc: Encoded, ac: np.ndarray, ap: np.ndarray, job_ptr: np.ndarray) -> np.ndarray:
    pinned = enc.cases.pinned_idx
    out = np.full(enc.cases.num, -1, dtype=np.int64)
    for j in np.flatnonzero(pinned >= 0):
        lo, hi = job_ptr[j], job_ptr[j + 1]
        hit = np.flatnonzero(ap[lo:hi] == pinned[j])
        if hit.size == 0:
            jj, pp = np.array([j]), np.array([pinned[j]])
            failed = [r.id for r in PAIR_RULES if not bool(r.allows(enc, jj, pp)[0])]
            reason = ", ".join(failed) if failed else "provider unavailable or without spare capacity"
            raise ValueError(
                f"cases: case {enc.cases.ids[j]!r}: pinned_provider {enc.providers.ids[pinned[j]]!r} is not eligible ({reason})"
            )
        out[j] = lo + hit[0]
    return out

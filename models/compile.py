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

from models.arrays import Encoded, pair_km, served_tier
from models.policy import TIER_CODE
from models.rules.hard import CRIMINAL_LAWYER, LANGUAGE, MINOR, PAIR_RULES, SERIOUS, eligible
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


def candidate_providers(enc: Encoded, cases: np.ndarray, shortlists: dict[tuple[int, ...], np.ndarray]) -> np.ndarray:
    """Providers a group of cases with one county and policy may reach (before the hard rules)."""
    c, p = enc.cases, enc.providers
    first = int(cases[0])
    mask = int(c.tier_mask[first])
    parts = []
    if mask & (1 << TIER_CODE["province"]):
        parts.append(np.flatnonzero(p.province_idx == c.province_idx[first]))
    elif mask & (1 << TIER_CODE["city"]):
        parts.append(np.flatnonzero(p.city_idx == c.city_idx[first]))
    elif mask & (1 << TIER_CODE["home"]):
        parts.append(np.flatnonzero(p.county_idx == c.county_idx[first]))
    if mask & (1 << TIER_CODE["partner"]):
        partner = enc.partner_ok[int(c.policy_idx[first])]
        if partner.any():
            parts.append(np.flatnonzero(partner[p.province_idx]))
    for ci in cases:
        lst = shortlists.get(_profile(enc, int(ci)))
        if lst is not None:
            parts.append(lst)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    cand = np.unique(np.concatenate(parts))
    return cand[~p.unavailable[cand] & (p.spare[cand] > 0)]


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
    for group in _group_cases(enc):
        cand = candidate_providers(enc, group, shortlists)
        if cand.size == 0:
            continue
        step = max(1, MAX_BLOCK_PAIRS // cand.size)
        for lo in range(0, group.size, step):
            ci_block = group[lo : lo + step]
            ok = eligible(enc, ci_block[:, None], cand[None, :])
            rows, cols = np.nonzero(ok)
            ci, pi = ci_block[rows], cand[cols]
            tier = served_tier(enc, ci, pi)
            km = pair_km(enc, ci, pi)
            pts = arc_points(enc, ci, pi, tier, km, terms)
            keep = _cheapest_per_case(ci, pi, pts.sum(axis=1), enc, params.max_arcs_per_case)
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


def _cheapest_per_case(ci: np.ndarray, pi: np.ndarray, cost: np.ndarray, enc: Encoded, k: int) -> np.ndarray:
    order = np.lexsort((pi, cost, ci))
    sorted_c = ci[order]
    starts = np.flatnonzero(np.r_[True, sorted_c[1:] != sorted_c[:-1]])
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    keep = np.zeros(ci.size, dtype=bool)
    keep[order[rank < k]] = True
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

"""Soft objective terms: each named, with a weight, a unit and a source; all in integer points.

A term's ``points(enc, ci, pi, tier, km)`` returns the points of each eligible (case, provider) pair, already
multiplied by its weight. The waiting cost is the price of leaving a case unassigned today.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from models.arrays import Encoded
from models.policy import TIER_CODE


@dataclass(frozen=True)
class SoftTerm:
    id: str
    weight: float
    unit: str
    source: str

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def with_weight(self, weight: float) -> SoftTerm:
        return replace(self, weight=weight)


class SpecialtyMatch(SoftTerm):
    """Penalty when the provider lacks the specialty the case needs."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        lacks = (enc.providers.specialty_mask[pi] & enc.cases.specialty_bit[ci]) == 0
        return np.round(self.weight * lacks).astype(np.int64)


class TravelDistance(SoftTerm):
    """Points per great-circle km between the provider's county and the case county (0 when remote)."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        travel = np.where(tier == TIER_CODE["remote"], 0.0, km)
        return np.round(self.weight * travel).astype(np.int64)


class HomeTierPreference(SoftTerm):
    """Tier cost of the centre's pooling policy, times the weight."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        cost = enc.tier_cost[enc.cases.policy_idx[ci], np.maximum(tier, 0)]
        return np.round(self.weight * cost).astype(np.int64)


class WorkloadBalance(SoftTerm):
    """Points per percentage point of the provider's utilisation after taking the case."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        p = enc.providers
        util = 100.0 * (p.open_load[pi] + enc.cases.effort[ci]) / np.maximum(p.capacity[pi], 1)
        return np.round(self.weight * util).astype(np.int64)


class FairRotation(SoftTerm):
    """Points per case the provider was given in the rolling window (a soft form of rotation 轮派)."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        return np.round(self.weight * enc.providers.recent_assignments[pi]).astype(np.int64)


class Continuity(SoftTerm):
    """Penalty for not giving a later stage to the lawyer of the earlier stage, where there was one."""

    def points(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray) -> np.ndarray:
        prev = enc.cases.previous_idx[ci]
        return np.round(self.weight * ((prev >= 0) & (prev != pi))).astype(np.int64)


@dataclass(frozen=True)
class WaitingCost:
    """Cost of leaving a case unassigned today; grows with days waited, priority groups and a passed deadline.

    ``base + per_day * (days_waited + 1) * (1 + priority_factor * priority_groups)``, doubled once the three-day
    deadline is reached.
    """

    id: str = "waiting_cost"
    base: int = 3000
    per_day: int = 400
    priority_factor: float = 0.5
    unit: str = "points per unassigned case"
    source: str = "Legal Aid Law 2022 Arts 36, 43 (assign within three days); 三优 priority for migrant workers"

    def cost(self, enc: Encoded) -> np.ndarray:
        c = enc.cases
        value = self.base + self.per_day * (c.days_waited + 1) * (1.0 + self.priority_factor * c.priority_count)
        value = np.where(c.days_to_deadline <= 0, 2 * value, value)
        return np.round(value).astype(np.int64)


SPECIALTY = SpecialtyMatch(
    "specialty_match", 400.0, "points per case whose specialty the provider lacks", "Procedure Regulation 2023 Art 25"
)
TRAVEL = TravelDistance(
    "travel_distance", 1.0, "points per km (great-circle)", "practice: travel time and cost of cross-county service"
)
TIER = HomeTierPreference(
    "home_tier_preference", 1.0, "policy tier cost points", "Legal Aid Law 2022 Art 18; centre pooling policy"
)
WORKLOAD = WorkloadBalance(
    "workload_balance", 3.0, "points per percentage point of utilisation", "Procedure Regulation 2023 Art 25; practice"
)
ROTATION = FairRotation(
    "fair_rotation", 30.0, "points per case in the rolling window", "practice: rotation lists (轮派) kept fair"
)
CONTINUITY = Continuity(
    "continuity", 300.0, "points when the earlier-stage lawyer is not kept", "practice: continuity of defence"
)
WAITING = WaitingCost()

#: Arc terms, in the order of the term-cost columns.
ARC_TERMS: tuple[SoftTerm, ...] = (SPECIALTY, TRAVEL, TIER, WORKLOAD, ROTATION, CONTINUITY)


def terms_with_weights(weights: dict[str, float] | None) -> tuple[SoftTerm, ...]:
    """The arc terms with some weights overridden; raise ``ValueError`` on an unknown id or negative weight."""
    weights = weights or {}
    known = {t.id for t in ARC_TERMS}
    for key, value in weights.items():
        if key not in known:
            raise ValueError(f"weights: unknown term {key!r}; terms are {sorted(known)}")
        if value < 0:
            raise ValueError(f"weights: {key} must be >= 0")
    return tuple(t.with_weight(weights[t.id]) if t.id in weights else t for t in ARC_TERMS)


def arc_points(
    enc: Encoded, ci: np.ndarray, pi: np.ndarray, tier: np.ndarray, km: np.ndarray, terms: tuple[SoftTerm, ...]
) -> np.ndarray:
    """Points of each term for each pair: int64 array of shape (num_pairs, num_terms)."""
    return np.stack([t.points(enc, ci, pi, tier, km) for t in terms], axis=1)

"""Hard eligibility rules: each a small named class with its legal source.

Every rule has a vectorised face ``allows(enc, ci, pi)`` over (case, provider) index arrays (any broadcastable
shapes), used both to build the solver's arcs and to count violations of a given plan. Rules that couple
several cases (co-defendants, capacity) also have a model face in :mod:`models.compile`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.arrays import Encoded, served_tier


@dataclass(frozen=True)
class HardRule:
    id: str
    description: str
    source: str

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class PoolingPolicyAllowsTier(HardRule):
    """The provider is within a tier the centre's pooling policy lets this case reach."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        return served_tier(enc, ci, pi) >= 0


class AvailableOnDate(HardRule):
    """The provider is not unavailable on the assignment date."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        return np.broadcast_to(~enc.providers.unavailable[pi], np.broadcast_shapes(np.shape(ci), np.shape(pi)))


class WithinCapacity(HardRule):
    """The provider's spare capacity covers the case's effort (the batch total is a solver constraint)."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        return enc.providers.spare[pi] >= enc.cases.effort[ci]


class CriminalDefenceByLawyer(HardRule):
    """Criminal defence and death-penalty review only by a lawyer."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        return ~enc.cases.is_criminal[ci] | enc.providers.is_lawyer[pi]


class SeriousCaseExperiencedLawyer(HardRule):
    """Possible life or death sentence, or death-penalty review: a lawyer with >= 3 years of criminal defence."""

    min_years: float = 3.0

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        p = enc.providers
        return ~enc.cases.is_serious[ci] | (p.is_lawyer[pi] & (p.criminal_years[pi] >= self.min_years))


class MinorNeedsMinorFamiliar(HardRule):
    """A minor gets a provider familiar with minors."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        return ~enc.cases.minor[ci] | enc.providers.minors_familiar[pi]


class SpeaksRequiredLanguage(HardRule):
    """A recipient who needs a minority language gets a provider who speaks it."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        bit = enc.cases.language_bit[ci]
        return (bit == 0) | ((enc.providers.language_mask[pi] & bit) != 0)


class NoConflictOfInterest(HardRule):
    """No party of the case is a party the provider (or firm) acts for or against."""

    def allows(self, enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> np.ndarray:
        keys = enc.conflict_keys
        shape = np.broadcast_shapes(np.shape(ci), np.shape(pi))
        if keys.size == 0:
            return np.ones(shape, dtype=bool)
        k = np.asarray(ci, dtype=np.int64) * np.int64(enc.providers.num) + np.asarray(pi, dtype=np.int64)
        pos = np.clip(np.searchsorted(keys, k), 0, keys.size - 1)
        return np.broadcast_to(keys[pos] != k, shape)


POOLING = PoolingPolicyAllowsTier(
    "pooling_policy_allows_tier",
    "provider within a tier the centre's pooling policy allows",
    "Legal Aid Law 2022 Art 18 (cross-region flow); centre pooling policy (统筹调配, local practice)",
)
AVAILABLE = AvailableOnDate(
    "available_on_date", "provider available on the assignment date", "Procedure Regulation 2023 Art 24 (assignment within three days; practice)"
)
CAPACITY = WithinCapacity(
    "within_capacity", "open caseload plus the new case within the provider's capacity", "Procedure Regulation 2023 Art 25 (assign by staff numbers); local caseload caps"
)
CRIMINAL_LAWYER = CriminalDefenceByLawyer(
    "criminal_defence_by_lawyer", "criminal defence only by a lawyer", "Legal Aid Law 2022 Arts 25-26 (指派律师担任辩护人)"
)
SERIOUS = SeriousCaseExperiencedLawyer(
    "serious_case_experienced_lawyer",
    "possible life or death sentence, or death-penalty review: lawyer with >= 3 years of criminal defence",
    "Legal Aid Law 2022 Art 26; Procedure Regulation 2023 Art 26",
)
MINOR = MinorNeedsMinorFamiliar(
    "minor_needs_minor_familiar", "a minor gets a provider familiar with minors", "Procedure Regulation 2023 Art 26"
)
LANGUAGE = SpeaksRequiredLanguage(
    "speaks_required_language",
    "provider speaks the minority language the recipient needs",
    "Criminal Procedure Law Art 9 (right to use one's own language); local practice in minority areas",
)
CONFLICT = NoConflictOfInterest(
    "no_conflict_of_interest", "no party of the case is a client or opponent of the provider", "Lawyers Law Art 39"
)
#: Id of the co-defendant rule, enforced in the solver as one job per (group, agent).
CODEFENDANTS_ID = "codefendants_separate_lawyers"
CODEFENDANTS_SOURCE = "SPC Interpretation of the Criminal Procedure Law (2021) Art 43"

#: Per-pair rules, cheapest first.
PAIR_RULES: tuple[HardRule, ...] = (POOLING, AVAILABLE, CAPACITY, CRIMINAL_LAWYER, SERIOUS, MINOR, LANGUAGE, CONFLICT)
RULES_BY_ID = {r.id: r for r in PAIR_RULES}


def eligible(enc: Encoded, ci: np.ndarray, pi: np.ndarray, rules: tuple[HardRule, ...] = PAIR_RULES) -> np.ndarray:
    """Pairs that pass every rule in ``rules`` (broadcast shape of ``ci`` and ``pi``)."""
    shape = np.broadcast_shapes(np.shape(ci), np.shape(pi))
    mask = np.ones(shape, dtype=bool)
    for rule in rules:
        mask &= rule.allows(enc, ci, pi)
    return mask

"""Pooling policy: which tiers of providers a centre may reach, and at what cost.

Source: Legal Aid Law 2022 Art 18 (cross-region flow of legal services); Ministry of Justice direction to pool
lawyers across a province or city (在省、市范围内统筹调配律师资源, 2023 press conference). Tier costs are local
practice and set per centre.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: Tiers in order of reach.
TIERS = ("home", "city", "province", "partner", "remote")
TIER_CODE = {name: code for code, name in enumerate(TIERS)}
PHYSICAL_TIERS = TIERS[:4]


class PoolingPolicy(BaseModel):
    """The pooling policy of one centre (see docs/formats.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_tiers: tuple[str, ...] = ("home", "city")
    scarce_allowed_tiers: tuple[str, ...] = ("home", "city", "province", "remote")
    scarce_threshold_per_10k: float = Field(default=1.0, ge=0.0)
    tier_cost: dict[str, int] = Field(
        default_factory=lambda: {"home": 0, "city": 60, "province": 200, "partner": 300, "remote": 150}
    )
    partners: tuple[str, ...] = ()
    remote_case_kinds: tuple[str, ...] = ("civil", "administrative", "wage_claim", "death_penalty_review")

    @field_validator("allowed_tiers", "scarce_allowed_tiers")
    @classmethod
    def _known_tiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in value if t not in TIERS]
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; tiers are {list(TIERS)}")
        return value

    @field_validator("tier_cost")
    @classmethod
    def _all_costs(cls, value: dict[str, int]) -> dict[str, int]:
        missing = [t for t in TIERS if t not in value]
        if missing:
            raise ValueError(f"missing cost for tier(s) {missing}")
        if any(v < 0 for v in value.values()):
            raise ValueError("tier costs must be >= 0")
        return value

    def reachable(self, scarce: bool) -> tuple[str, ...]:
        """Tiers a case may use, given whether its county is lawyer-scarce."""
        tiers = set(self.allowed_tiers) | (set(self.scarce_allowed_tiers) if scarce else set())
        return tuple(t for t in TIERS if t in tiers)


class PolicySet(BaseModel):
    """A default policy and per-centre overrides (field by field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: PoolingPolicy = Field(default_factory=lambda: PoolingPolicy())
    centres: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def for_centre(self, centre_id: str) -> PoolingPolicy:
        override = self.centres.get(centre_id)
        if not override:
            return self.default
        return PoolingPolicy.model_validate({**self.default.model_dump(), **override})

    def to_json_dict(self) -> dict[str, Any]:
        return {"default": self.default.model_dump(mode="json"), "centres": self.centres}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "policy") -> PolicySet:
        """Validate a policy dict; raise ``ValueError`` naming the field and reason."""
        try:
            policy = cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{source}: field {loc}: {first['msg']}") from exc
        for centre in policy.centres:
            try:
                policy.for_centre(centre)
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"{source}: field centres.{centre}.{loc}: {first['msg']}") from exc
        return policy

    @classmethod
    def read(cls, path: str | Path) -> PolicySet:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from exc
        return cls.from_dict(data, source=str(path))

    def with_default(self, **changes: Any) -> PolicySet:
        """A copy whose default policy has some fields changed (for policy comparisons)."""
        default = PoolingPolicy.model_validate({**self.default.model_dump(), **changes})
        return PolicySet(default=default, centres=self.centres)

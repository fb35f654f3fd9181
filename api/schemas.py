"""Request and response bodies of the HTTP API (apart from domain tables)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class AssignRequest(BaseModel):
    """Cases and providers as lists of records with the columns of docs/formats.md (list cells as lists or
    ';'-joined text), an optional policy (policy.json content) and the assignment date."""

    cases: list[dict[str, Any]] = Field(min_length=1)
    providers: list[dict[str, Any]] = Field(min_length=1)
    policy: dict[str, Any] | None = None
    as_of: dt.date | None = None
    time_limit_s: float | None = Field(default=None, gt=0, le=600)


class RecommendRequest(AssignRequest):
    case_id: str
    top: int = Field(default=5, ge=1, le=100)


class JobCreated(BaseModel):
    id: str
    status: str


class JobStatus(BaseModel):
    id: str
    kind: str
    status: str
    objective: float | None = None
    bound: float | None = None
    error: str | None = None


class JobOut(JobStatus):
    result: dict[str, Any] | None = None

"""Recommend: rank the best eligible providers for one case (synchronous)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException

from api.jobs import inputs_from_request
from api.schemas import RecommendRequest
from models.arrays import encode
from models.region import load_regions
from models.service import recommend

router = APIRouter(tags=["recommend"])


@router.post("/recommend")
def recommend_providers(req: RecommendRequest) -> list[dict[str, Any]]:
    try:
        inputs = inputs_from_request(req)
        as_of = req.as_of or pd.Timestamp(inputs.cases["received_date"].max()).date()
        enc = encode(inputs.cases, inputs.providers, load_regions(), inputs.policy, as_of)
        return recommend(enc, req.case_id, top=req.top)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc

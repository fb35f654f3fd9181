"""Jobs: turn a request into typed tables, run the engine, store the outcome in the database."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from api.db import Job
from api.schemas import AssignRequest
from models.case import CASE_COLUMNS, check_case_rows
from models.policy import PolicySet
from models.provider import PROVIDER_COLUMNS
from models.region import load_regions
from models.schema import LIST_SEPARATOR, Column, InputError, parse_frame
from models.service import Inputs, assign
from optimizer.stop import Stop

log = logging.getLogger(__name__)


def _records_frame(records: list[dict[str, Any]], columns: tuple[Column, ...], name: str) -> pd.DataFrame:
    def text(value: Any) -> str:
        if isinstance(value, list | tuple):
            return LIST_SEPARATOR.join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    raw = pd.DataFrame([{c.name: text(r.get(c.name, "")) if c.name in r else None for c in columns} for r in records])
    missing = [c.name for c in columns if raw[c.name].isna().all()] if len(raw) else []
    if missing:
        raise ValueError(f"{name}[0].{missing[0]}: field is missing")
    try:
        frame = parse_frame(raw.fillna(""), columns, name, load_regions().adcode)
        if name == "cases":
            check_case_rows(frame, name)
    except InputError as exc:
        index = (exc.line or 2) - 2
        raise ValueError(f"{name}[{index}].{exc.column}: {exc.reason}") from exc
    return frame


def inputs_from_request(req: AssignRequest) -> Inputs:
    """Validate a request into typed tables; ``ValueError`` names the record index, the field and the reason."""
    providers = _records_frame(req.providers, PROVIDER_COLUMNS, "providers")
    cases = _records_frame(req.cases, CASE_COLUMNS, "cases")
    policy = PolicySet.from_dict(req.policy or {}, source="policy")
    return Inputs(cases=cases, providers=providers, policy=policy)


def new_job(session: Session, kind: str, request: dict[str, Any]) -> Job:
    job = Job(id=str(uuid.uuid4()), kind=kind, status="queued", created_at=dt.datetime.now(dt.UTC), request=request)
    session.add(job)
    session.commit()
    return job


def run_assign_job(job_id: str, factory: sessionmaker[Session], default_time_limit_s: float) -> None:
    """Solve a stored job and store its outcome (or its error); never raises."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        session.commit()
        try:
            req = AssignRequest.model_validate(job.request)
            inputs = inputs_from_request(req)
            as_of = req.as_of or pd.Timestamp(inputs.cases["received_date"].max()).date()
            outcome = assign(inputs.cases, inputs.providers, inputs.policy, as_of,
                             stop=Stop(time_limit_s=req.time_limit_s or default_time_limit_s, rel_gap=1e-3))
            session.refresh(job)
            job.result = {
                "summary": outcome.summary(),
                "plan": outcome.plan.to_dict(orient="records"),
                "explanations": outcome.explanations,
            }
            job.objective = outcome.result.objective
            job.bound = outcome.result.bound
            if job.status != "cancelled":
                job.status = "done"
        except Exception as exc:  # stored and reported, not lost
            log.exception("job %s failed", job_id)
            job.status = "failed"
            job.error = str(exc)
        session.commit()

"""Assignment jobs: POST starts one (202 + id); GET reads it; GET status; DELETE cancels it."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status

from api.db import Job
from api.deps import SessionDep, SettingsDep
from api.jobs import inputs_from_request, new_job, run_assign_job
from api.schemas import AssignRequest, JobCreated, JobOut, JobStatus

router = APIRouter(tags=["assignments"])


def _job_or_404(session: SessionDep, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"job {job_id!r} not found")
    return job


@router.post("/assignments", status_code=status.HTTP_202_ACCEPTED, response_model=JobCreated)
def create_assignment(req: AssignRequest, background: BackgroundTasks, request: Request, session: SessionDep,
                      settings: SettingsDep) -> JobCreated:
    """Validate the batch, store a job and solve it in the background."""
    try:
        inputs_from_request(req)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    job = new_job(session, "assign", req.model_dump(mode="json"))
    background.add_task(run_assign_job, job.id, request.app.state.session_factory, settings.time_limit_s)
    return JobCreated(id=job.id, status=job.status)


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, session: SessionDep) -> JobOut:
    job = _job_or_404(session, job_id)
    return JobOut(id=job.id, kind=job.kind, status=job.status, objective=job.objective, bound=job.bound,
                  error=job.error, result=job.result)


@router.get("/jobs/{job_id}/status", response_model=JobStatus)
def get_job_status(job_id: str, session: SessionDep) -> JobStatus:
    job = _job_or_404(session, job_id)
    return JobStatus(id=job.id, kind=job.kind, status=job.status, objective=job.objective, bound=job.bound,
                     error=job.error)


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(job_id: str, session: SessionDep) -> JobOut:
    """Cancel a job. A queued job will not run; a running solve ends at its time limit and its plan is kept as
    the best so far (the solver core cannot be interrupted mid-solve yet)."""
    job = _job_or_404(session, job_id)
    if job.status in ("queued", "running"):
        job.status = "cancelled"
        session.commit()
    return JobOut(id=job.id, kind=job.kind, status=job.status, objective=job.objective, bound=job.bound,
                  error=job.error, result=job.result)

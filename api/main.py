"""HTTP service: ``uvicorn api.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from api.db import make_engine, session_factory
from api.routers import jobs, recommend
from api.settings import get_settings


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the app; the database (default from ``LEGALAID_DATABASE_URL``) is created if needed."""
    app = FastAPI(title="legalaid-engine", version="0.1.0")
    engine = make_engine(database_url or get_settings().database_url)
    app.state.session_factory = session_factory(engine)
    app.include_router(jobs.router)
    app.include_router(recommend.router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

"""Service settings from the environment (nothing is read at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    """``LEGALAID_DATABASE_URL`` (default ``sqlite:///./legalaid.db``); ``LEGALAID_TIME_LIMIT_S`` (default 30)."""

    database_url: str
    time_limit_s: float


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("LEGALAID_DATABASE_URL", "sqlite:///./legalaid.db"),
        time_limit_s=float(os.environ.get("LEGALAID_TIME_LIMIT_S", "30")),
    )

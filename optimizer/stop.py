"""Stopping criteria shared by all engines: a wall-clock budget and a target gap."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    """When a solve may stop.

    Parameters
    ----------
    time_limit_s : float
        Wall-clock budget in seconds for the whole solve (default 30).
    rel_gap : float
        Stop once (objective - bound) / |objective| is at most this (default 1e-4).
    """

    time_limit_s: float = 30.0
    rel_gap: float = 1e-4

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError("time_limit_s: must be > 0")
        if not 0 <= self.rel_gap < 1:
            raise ValueError("rel_gap: must lie in [0, 1)")

    def deadline(self, start: float | None = None) -> float:
        """Absolute ``time.perf_counter()`` value at which to stop."""
        return (time.perf_counter() if start is None else start) + self.time_limit_s


"""Stopping criteria shared by all engines: time, gap, and no-improvement."""

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
    no_improvement_s : float or None
        Stop after this many seconds without a better solution (None = never).
    """

    time_limit_s: float = 30.0
    rel_gap: float = 1e-4
    no_improvement_s: float | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError("time_limit_s: must be > 0")
        if not 0 <= self.rel_gap < 1:
            raise ValueError("rel_gap: must lie in [0, 1)")
        if self.no_improvement_s is not None and not self.no_improvement_s > 0:
            raise ValueError("no_improvement_s: must be > 0 or None")

    def deadline(self, start: float | None = None) -> float:
        """Absolute ``time.perf_counter()`` value at which to stop."""
        return (time.perf_counter() if start is None else start) + self.time_limit_s


EXACT = Stop(time_limit_s=60.0, rel_gap=0.0)

"""Duty-roster services: plan a horizon from inputs, and write the published files.

What the command line, the nightly job and the benchmark call: ``compile -> solve -> decode -> outputs``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.duty.compile import Compiled, PublishedRoster, compile_roster
from models.duty.decode import cover_frame, explanations, roster_frame
from models.duty.domain import DutyInputs
from models.duty.outputs import lawyer_calendars, station_roster_frame
from models.region import Regions
from models.schema import csv_bytes
from optimizer.roster import RosterParams, RosterResult, solve
from optimizer.stop import Stop

ROSTER_FILE, STATION_ROSTER_FILE, EXPLANATIONS_FILE, ICS_DIR = (
    "roster.csv", "station_rosters.csv", "explanations.json", "ics")


@dataclass
class DutyPlan:
    """A solved roster: compiled instance, solver result, roster table and explanations."""

    compiled: Compiled
    result: RosterResult
    roster: pd.DataFrame
    explanations: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def cover(self) -> pd.DataFrame:
        """Cover per open (day, station, period); see :func:`models.duty.decode.cover_frame`."""
        return cover_frame(self.compiled, self.result.schedule)

    def summary(self) -> dict[str, Any]:
        """Counts and solver figures for logs and the command line."""
        r = self.result
        cover = self.cover
        missing = np.maximum(cover["required"] - cover["staffed"], 0)
        return {
            "status": r.status.value,
            "objective": r.objective,
            "bound": r.bound,
            "gap_pct": round(100 * r.gap, 4) if np.isfinite(r.gap) else None,
            "hard_violations": int(sum(r.violations.values())),
            "assignments": len(self.roster),
            "required": int(cover["required"].sum()),
            "uncovered": int(missing.sum()),
            "lawyers": self.compiled.problem.num_staff,
            "shift_types": self.compiled.problem.num_shifts,
            "days": self.compiled.problem.num_days,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def plan_roster(
    inputs: DutyInputs,
    *,
    time_limit_s: float = 30.0,
    rel_gap: float = 1e-4,
    seed: int = 0,
    params: RosterParams | None = None,
    rules: Sequence[str] | None = None,
    regions: Regions | None = None,
    dropouts: pd.DataFrame | None = None,
    published: PublishedRoster | None = None,
    frozen_days: int = 0,
) -> DutyPlan:
    """Compile, solve and decode a roster for the horizon of ``inputs.settings``.

    Parameters
    ----------
    inputs : DutyInputs
    time_limit_s, rel_gap : float
        Solver budget (wall-clock seconds) and target relative gap.
    seed : int
        Solver seed; the same inputs and seed give the same roster (deterministic core mode) unless the
        wall-clock cap cuts a phase short.
    params : RosterParams, optional
        Core parameters; the rule selection of the compiled rules is added.
    rules, regions, dropouts, published, frozen_days
        See :func:`models.duty.compile.compile_roster`.
    """
    t0 = time.perf_counter()
    compiled = compile_roster(inputs, rules=rules, regions=regions, dropouts=dropouts, published=published,
                              frozen_days=frozen_days)
    t1 = time.perf_counter()
    base = params or RosterParams()
    prm = RosterParams(**{**base.__dict__, "rule_ids": compiled.core_ids})
    result = solve(compiled.problem, params=prm, stop=Stop(time_limit_s=time_limit_s, rel_gap=rel_gap), seed=seed)
    t2 = time.perf_counter()
    roster = roster_frame(compiled, result.schedule)
    expl = explanations(compiled, result)
    t3 = time.perf_counter()
    return DutyPlan(compiled=compiled, result=result, roster=roster, explanations=expl,
                    seconds={"compile": t1 - t0, "solve": t2 - t1, "decode": t3 - t2})


def plan_files(plan: DutyPlan, inputs: DutyInputs, *, stamp: dt.date,
               calendars: list[str] | None = None) -> dict[str, bytes]:
    """Relative path -> bytes of the published files of a plan: ``roster.csv``, ``station_rosters.csv``,
    ``explanations.json`` and ``ics/<lawyer_id>.ics`` (for ``calendars``, default every lawyer with a shift; a
    listed lawyer without shifts gets an empty calendar)."""
    files: dict[str, bytes] = {
        ROSTER_FILE: csv_bytes(plan.roster),
        STATION_ROSTER_FILE: csv_bytes(station_roster_frame(inputs, plan.roster)),
        EXPLANATIONS_FILE: (json.dumps(plan.explanations, ensure_ascii=False, indent=1, default=_json_default)
                            + "\n").encode("utf-8"),
    }
    wanted = sorted(set(plan.roster["lawyer_id"])) if calendars is None else sorted(set(calendars))
    for lawyer, data in lawyer_calendars(inputs, plan.roster, stamp=stamp, lawyers=wanted).items():
        files[f"{ICS_DIR}/{lawyer}.ics"] = data
    return files


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_plan(plan: DutyPlan, inputs: DutyInputs, out_dir: str | Path, *, stamp: dt.date,
               extra: dict[str, bytes] | None = None) -> list[Path]:
    """Write :func:`plan_files` (plus ``extra``) into ``out_dir`` atomically; returns the paths."""
    from models.schema import write_files_atomically

    root = Path(out_dir)
    files = plan_files(plan, inputs, stamp=stamp) | (extra or {})
    pairs = [(root / name, data) for name, data in sorted(files.items())]
    write_files_atomically(pairs)
    return [p for p, _ in pairs]

"""Reader of the Curtois & Qu shift-scheduling text format, compiled into a :class:`RosterProblem`.

Format and rules: ``../shared/benchmarks/shift-scheduling/README.md`` (T. Curtois and R. Qu, "Computational
results on new staff scheduling benchmark instances", ASAP, University of Nottingham, 2014). The instance's ids
(employee and shift ids) are kept here so solutions can be written back with them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer.roster.problem import RosterProblem

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


@dataclass(frozen=True)
class CurtoisInstance:
    """One parsed instance: its ids and the :class:`RosterProblem` built from it.

    Attributes
    ----------
    name : str
        File stem, e.g. ``Instance1``.
    staff_ids : tuple of str
        Employee ids in file order (row ``e`` of the problem).
    shift_ids : tuple of str
        Shift type ids in file order (shift index ``s``).
    problem : RosterProblem
        The instance as a roster problem: cover min = ideal = requirement, each shift its own class, no
        history (edge exemption), day 0 a Monday.
    """

    name: str
    staff_ids: tuple[str, ...]
    shift_ids: tuple[str, ...]
    problem: RosterProblem


def _read_sections(path: Path) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {name: [] for name in SECTIONS}
    current: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in sections:
                raise ValueError(f"{path.name}:{number}: unknown section {line!r}")
            current = line
            continue
        if current is None:
            raise ValueError(f"{path.name}:{number}: data before the first section")
        sections[current].append([field.strip() for field in line.split(",")])
    return sections


def read_instance(path: str | Path) -> CurtoisInstance:
    """Parse a Curtois & Qu instance file.

    Parameters
    ----------
    path : str or Path
        An ``InstanceN.txt`` file.

    Returns
    -------
    CurtoisInstance

    Raises
    ------
    ValueError
        Naming the file, line content and reason when the file does not follow the format.
    """
    path = Path(path)
    sec = _read_sections(path)
    if len(sec["SECTION_HORIZON"]) != 1:
        raise ValueError(f"{path.name}: SECTION_HORIZON must hold exactly one line")
    num_days = int(sec["SECTION_HORIZON"][0][0])
    shift_rows = sec["SECTION_SHIFTS"]
    shift_ids = tuple(row[0] for row in shift_rows)
    shift_of = {sid: i for i, sid in enumerate(shift_ids)}
    num_shifts = len(shift_ids)
    minutes = np.array([int(row[1]) for row in shift_rows], dtype=np.int64)
    forbidden = np.zeros((num_shifts, num_shifts), dtype=bool)
    for i, row in enumerate(shift_rows):
        for other in (row[2].split("|") if len(row) > 2 else []):
            if other:
                if other not in shift_of:
                    raise ValueError(f"{path.name}: shift {row[0]} cannot-follow list names unknown shift {other!r}")
                forbidden[i, shift_of[other]] = True

    staff_rows = sec["SECTION_STAFF"]
    staff_ids = tuple(row[0] for row in staff_rows)
    staff_of = {sid: e for e, sid in enumerate(staff_ids)}
    num_staff = len(staff_ids)
    max_type = np.zeros((num_staff, num_shifts), dtype=np.int64)
    cols = np.zeros((num_staff, 6), dtype=np.int64)
    for e, row in enumerate(staff_rows):
        if len(row) != 8:
            raise ValueError(f"{path.name}: staff line {','.join(row)!r} must have 8 fields")
        for item in row[1].split("|"):
            sid, value = item.split("=")
            max_type[e, shift_of[sid]] = int(value)
        cols[e] = [int(v) for v in row[2:8]]
    max_minutes, min_minutes, max_consec, min_consec, min_off, max_weekends = cols.T

    unavailable = np.zeros((num_staff, num_days), dtype=bool)
    for row in sec["SECTION_DAYS_OFF"]:
        unavailable[staff_of[row[0]], [int(d) for d in row[1:] if d]] = True

    def requests(name: str) -> tuple[np.ndarray, ...]:
        rows = sec[name]
        staff = np.array([staff_of[r[0]] for r in rows], dtype=np.int64)
        day = np.array([int(r[1]) for r in rows], dtype=np.int64)
        shift = np.array([shift_of[r[2]] for r in rows], dtype=np.int64)
        weight = np.array([int(r[3]) for r in rows], dtype=np.int64)
        return staff, day, shift, weight

    on = requests("SECTION_SHIFT_ON_REQUESTS")
    off = requests("SECTION_SHIFT_OFF_REQUESTS")
    requirement = np.zeros((num_days, num_shifts), dtype=np.int64)
    under = np.zeros((num_days, num_shifts), dtype=np.int64)
    over = np.zeros((num_days, num_shifts), dtype=np.int64)
    for row in sec["SECTION_COVER"]:
        d, s = int(row[0]), shift_of[row[1]]
        requirement[d, s], under[d, s], over[d, s] = int(row[2]), int(row[3]), int(row[4])

    problem = RosterProblem(
        cover_min=requirement,
        is_allowed=max_type > 0,
        start_weekday=0,
        shift_minutes=minutes,
        shift_class=np.arange(num_shifts),
        forbidden_next=forbidden,
        is_unavailable=unavailable,
        max_shifts_per_type=max_type,
        max_total_shifts=np.full(num_staff, num_days),
        min_total_minutes=min_minutes,
        max_total_minutes=max_minutes,
        max_consecutive_days=max_consec,
        min_consecutive_days=np.maximum(min_consec, 1),
        min_consecutive_days_off=np.maximum(min_off, 1),
        max_weekends=max_weekends,
        cover_ideal=requirement,
        under_weight=under,
        ideal_short_weight=np.zeros_like(under),
        over_weight=over,
        on_request_staff=on[0], on_request_day=on[1], on_request_shift=on[2], on_request_weight=on[3],
        off_request_staff=off[0], off_request_day=off[1], off_request_shift=off[2], off_request_weight=off[3],
    )
    return CurtoisInstance(name=path.stem, staff_ids=staff_ids, shift_ids=shift_ids, problem=problem)


def write_solution(path: str | Path, instance: CurtoisInstance, schedule: np.ndarray) -> None:
    """Write ``schedule`` ([E, D], -1 off) as CSV ``employee,day,shift``, one row per worked day.

    Rows are ordered by employee (file order) then day; ids are those of the instance file.
    """
    schedule = np.asarray(schedule)
    staff, day = np.nonzero(schedule >= 0)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["employee", "day", "shift"])
        for e, d in zip(staff.tolist(), day.tolist(), strict=True):
            writer.writerow([instance.staff_ids[e], d, instance.shift_ids[int(schedule[e, d])]])

"""Independent roster checker: own reader of the Curtois & Qu text format, own rules, plain Python.

It imports nothing from ``optimizer/``, ``models/`` or ``benchmarks/``. Rules follow
``../shared/benchmarks/shift-scheduling/README.md`` and, for the product's extensions (classes of shifts,
ideal and maximum cover, budgets, fairness spreads, fixed and reference rosters, history), the documented
meaning of the roster core's fields, re-implemented here with loops over staff and days.

Use::

    python tests/roster_checker.py INSTANCE.txt SOLUTION.csv   # prints violations and the objective

or ``check_files(instance, solution)`` / ``evaluate(spec, roster)`` from tests.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Spec:
    """A roster problem in plain Python (indices for staff, days and shifts).

    Only the fields a test needs have to be set; the defaults mean "no limit" / "no penalty".
    """

    num_days: int
    shift_ids: list[str]
    staff_ids: list[str]
    minutes: list[int] = field(default_factory=list)
    shift_class: list[int] = field(default_factory=list)
    forbidden: set[tuple[int, int]] = field(default_factory=set)  # (class a on d, class b on d+1)
    start_weekday: int = 0
    allowed: list[set[int]] = field(default_factory=list)
    max_per_type: dict[tuple[int, int], int] = field(default_factory=dict)
    max_total_shifts: dict[int, int] = field(default_factory=dict)
    min_minutes: dict[int, int] = field(default_factory=dict)
    max_minutes: dict[int, int] = field(default_factory=dict)
    max_consecutive: dict[int, int] = field(default_factory=dict)
    min_consecutive: dict[int, int] = field(default_factory=dict)
    min_days_off: dict[int, int] = field(default_factory=dict)
    max_weekends: dict[int, int] = field(default_factory=dict)
    unavailable: set[tuple[int, int]] = field(default_factory=set)
    # cover per (day, shift): minimum, ideal, maximum, weights
    cover_min: dict[tuple[int, int], int] = field(default_factory=dict)
    cover_ideal: dict[tuple[int, int], int] = field(default_factory=dict)
    cover_max: dict[tuple[int, int], int] = field(default_factory=dict)
    under_weight: dict[tuple[int, int], int] = field(default_factory=dict)
    short_weight: dict[tuple[int, int], int] = field(default_factory=dict)
    over_weight: dict[tuple[int, int], int] = field(default_factory=dict)
    on_requests: list[tuple[int, int, int | None, int]] = field(default_factory=list)
    off_requests: list[tuple[int, int, int | None, int]] = field(default_factory=list)
    assign_weight: dict[tuple[int, int], int] = field(default_factory=dict)
    night: set[int] = field(default_factory=set)
    fair_group: dict[int, int] = field(default_factory=dict)
    fair_total_weight: int = 0
    fair_night_weight: int = 0
    fair_weekend_weight: int = 0
    budget_group: dict[int, int] = field(default_factory=dict)  # shift -> group
    shift_cost: dict[int, int] = field(default_factory=dict)
    budget: dict[int, int] = field(default_factory=dict)
    fixed: dict[tuple[int, int], int | None] = field(default_factory=dict)  # None = fixed off
    reference: dict[tuple[int, int], int | None] = field(default_factory=dict)
    change_weight: int = 0
    history_work_run: dict[int, int] = field(default_factory=dict)  # missing = unknown
    history_off_run: dict[int, int] = field(default_factory=dict)
    history_last_class: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_s = len(self.shift_ids)
        if not self.minutes:
            self.minutes = [480] * n_s
        if not self.shift_class:
            self.shift_class = list(range(n_s))
        if not self.allowed:
            self.allowed = [set(range(n_s)) for _ in self.staff_ids]


@dataclass
class Report:
    """Outcome of a check: human-readable hard violations, the objective and its parts."""

    violations: list[str]
    objective: int
    terms: dict[str, int]

    @property
    def feasible(self) -> bool:
        return not self.violations


# ------------------------------------------------------------------------------------------- reading
def read_curtois(path: str | Path) -> Spec:
    """Parse a Curtois & Qu instance file into a :class:`Spec`."""
    section = ""
    rows: dict[str, list[list[str]]] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("SECTION_"):
                section = line
                rows[section] = []
                continue
            rows[section].append([part.strip() for part in line.split(",")])
    days = int(rows["SECTION_HORIZON"][0][0])
    shift_ids = [r[0] for r in rows["SECTION_SHIFTS"]]
    sidx = {s: i for i, s in enumerate(shift_ids)}
    staff_ids = [r[0] for r in rows["SECTION_STAFF"]]
    eidx = {e: i for i, e in enumerate(staff_ids)}
    spec = Spec(num_days=days, shift_ids=shift_ids, staff_ids=staff_ids,
                minutes=[int(r[1]) for r in rows["SECTION_SHIFTS"]])
    for r in rows["SECTION_SHIFTS"]:
        for nxt in (r[2].split("|") if len(r) > 2 else []):
            if nxt:
                spec.forbidden.add((sidx[r[0]], sidx[nxt]))
    spec.allowed = []
    for e, r in enumerate(rows["SECTION_STAFF"]):
        allowed = set()
        for item in r[1].split("|"):
            sid, val = item.split("=")
            spec.max_per_type[(e, sidx[sid])] = int(val)
            if int(val) > 0:
                allowed.add(sidx[sid])
        spec.allowed.append(allowed)
        spec.max_minutes[e], spec.min_minutes[e] = int(r[2]), int(r[3])
        spec.max_consecutive[e], spec.min_consecutive[e] = int(r[4]), int(r[5])
        spec.min_days_off[e], spec.max_weekends[e] = int(r[6]), int(r[7])
    for r in rows.get("SECTION_DAYS_OFF", []):
        for d in r[1:]:
            if d:
                spec.unavailable.add((eidx[r[0]], int(d)))
    for r in rows.get("SECTION_SHIFT_ON_REQUESTS", []):
        spec.on_requests.append((eidx[r[0]], int(r[1]), sidx[r[2]], int(r[3])))
    for r in rows.get("SECTION_SHIFT_OFF_REQUESTS", []):
        spec.off_requests.append((eidx[r[0]], int(r[1]), sidx[r[2]], int(r[3])))
    for r in rows["SECTION_COVER"]:
        key = (int(r[0]), sidx[r[1]])
        spec.cover_min[key] = spec.cover_ideal[key] = int(r[2])
        spec.under_weight[key], spec.over_weight[key] = int(r[3]), int(r[4])
    return spec


def read_solution_csv(path: str | Path, spec: Spec) -> tuple[dict[tuple[int, int], int], list[str]]:
    """Read ``employee,day,shift`` rows; returns the roster and format problems (unknown ids, duplicates)."""
    eidx = {e: i for i, e in enumerate(spec.staff_ids)}
    sidx = {s: i for i, s in enumerate(spec.shift_ids)}
    roster: dict[tuple[int, int], int] = {}
    problems = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["employee", "day", "shift"]:
            problems.append(f"header: expected employee,day,shift, got {header}")
        for n, row in enumerate(reader, start=2):
            if len(row) != 3:
                problems.append(f"line {n}: expected 3 fields")
                continue
            emp, day, shift = row
            if emp not in eidx or shift not in sidx or not day.isdigit() or int(day) >= spec.num_days:
                problems.append(f"line {n}: unknown employee, shift or day {row}")
                continue
            key = (eidx[emp], int(day))
            if key in roster:
                problems.append(f"line {n}: second shift for {emp} on day {day} (one shift per day)")
                continue
            roster[key] = sidx[shift]
    return roster, problems


# ------------------------------------------------------------------------------------------- rules
def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each maximal run of True."""
    out = []
    start = None
    for d, f in enumerate(flags + [False]):
        if f and start is None:
            start = d
        elif not f and start is not None:
            out.append((start, d - start))
            start = None
    return out


def evaluate(spec: Spec, roster: dict[tuple[int, int], int]) -> Report:
    """Check every hard rule and add up the objective of ``roster`` ((staff, day) -> shift; absent = off)."""
    v: list[str] = []
    D = spec.num_days
    E = len(spec.staff_ids)
    S = len(spec.shift_ids)
    terms = {"under": 0, "short": 0, "over": 0, "on": 0, "off": 0, "assign": 0, "fair": 0, "change": 0}

    def name(e: int) -> str:
        return spec.staff_ids[e]

    for e in range(E):
        works = [(e, d) in roster for d in range(D)]
        shifts = [roster.get((e, d)) for d in range(D)]
        for d in range(D):
            s = shifts[d]
            fixed = spec.fixed.get((e, d), "free")
            if fixed != "free" and fixed != s:
                v.append(f"{name(e)} day {d}: fixed to {fixed}, got {s}")
            if s is None:
                continue
            if s not in spec.allowed[e] or spec.max_per_type.get((e, s), D) <= 0:
                v.append(f"{name(e)} day {d}: shift {spec.shift_ids[s]} not allowed")
            if (e, d) in spec.unavailable:
                v.append(f"{name(e)} day {d}: works on a day off")
        # successions (also from day -1)
        prev_class = spec.history_last_class.get(e, -1)
        for d in range(D):
            s = shifts[d]
            cls = spec.shift_class[s] if s is not None else -1
            if prev_class >= 0 and cls >= 0 and (prev_class, cls) in spec.forbidden:
                v.append(f"{name(e)} day {d}: forbidden succession")
            prev_class = cls
        for s in range(S):
            count = sum(1 for x in shifts if x == s)
            if count > spec.max_per_type.get((e, s), D):
                v.append(f"{name(e)}: {count} shifts {spec.shift_ids[s]} > max")
        total = sum(works)
        if total > spec.max_total_shifts.get(e, D):
            v.append(f"{name(e)}: {total} shifts > max total")
        minutes = sum(spec.minutes[s] for s in shifts if s is not None)
        if minutes > spec.max_minutes.get(e, 10**12):
            v.append(f"{name(e)}: {minutes} minutes > max")
        if minutes < spec.min_minutes.get(e, 0):
            v.append(f"{name(e)}: {minutes} minutes < min")
        hw = spec.history_work_run.get(e, -1)
        ho = spec.history_off_run.get(e, -1)
        # day -1: worked if a work run is given, off if an off run is; a given run whose other kind is not given
        # is open (its start unknown): exempt from its minimum like an unknown history
        day_before = "work" if hw > 0 else "off" if ho > 0 else None
        open_work = hw > 0 and ho < 0
        open_off = ho > 0 and hw < 0
        for start, length in _runs(works):
            full = length + (hw if start == 0 and hw > 0 else 0)
            if full > spec.max_consecutive.get(e, D + 10**6):
                v.append(f"{name(e)}: {full} consecutive working days from day {start}")
            exempt = (start == 0 and (day_before is None or open_work)) or start + length == D
            if not exempt and full < spec.min_consecutive.get(e, 0):
                v.append(f"{name(e)}: only {full} consecutive working days from day {start}")
        for start, length in _runs([not w for w in works]):
            full = length + (ho if start == 0 and ho > 0 else 0)
            exempt = (start == 0 and (day_before is None or open_off)) or start + length == D
            if not exempt and full < spec.min_days_off.get(e, 0):
                v.append(f"{name(e)}: only {full} consecutive days off from day {start}")
        # a run from the history that day 0 closes (yesterday began a rest / a duty stretch)
        if D and 0 < hw < spec.min_consecutive.get(e, 0) and not works[0] and not open_work:
            v.append(f"{name(e)}: history run of {hw} working days ends on day -1")
        if D and 0 < ho < spec.min_days_off.get(e, 0) and works[0] and not open_off:
            v.append(f"{name(e)}: history run of {ho} days off ends on day -1")
        weekends = set()
        for d in range(D):
            if works[d] and (spec.start_weekday + d) % 7 >= 5:
                weekends.add((spec.start_weekday + d) // 7)
        if len(weekends) > spec.max_weekends.get(e, D):
            v.append(f"{name(e)}: {len(weekends)} weekends > max")
    # cover, seats
    for d in range(D):
        for s in range(S):
            n = sum(1 for e in range(E) if roster.get((e, d)) == s)
            if n > spec.cover_max.get((d, s), 10**9):
                v.append(f"day {d} shift {spec.shift_ids[s]}: {n} staff > seats")
            lo, ideal = spec.cover_min.get((d, s), 0), spec.cover_ideal.get((d, s), spec.cover_min.get((d, s), 0))
            terms["under"] += spec.under_weight.get((d, s), 100) * max(0, lo - n)
            terms["short"] += spec.short_weight.get((d, s), 0) * max(0, ideal - n)
            terms["over"] += spec.over_weight.get((d, s), 1) * max(0, n - ideal)
    # budgets
    spent: dict[int, int] = {}
    for (_e, _d), s in roster.items():
        g = spec.budget_group.get(s)
        if g is not None:
            spent[g] = spent.get(g, 0) + spec.shift_cost.get(s, 0)
    for g, amount in spent.items():
        if amount > spec.budget.get(g, 10**18):
            v.append(f"budget group {g}: spent {amount} > {spec.budget[g]}")
    # requests
    for e, d, s, w in spec.on_requests:
        got = roster.get((e, d))
        if not (got is not None and (s is None or got == s)):
            terms["on"] += w
    for e, d, s, w in spec.off_requests:
        got = roster.get((e, d))
        if got is not None and (s is None or got == s):
            terms["off"] += w
    for (e, _d), s in roster.items():
        terms["assign"] += spec.assign_weight.get((e, s), 0)
    # fairness spreads
    groups: dict[int, list[int]] = {}
    for e in range(E):
        g = spec.fair_group.get(e, 0 if spec.allowed[e] else -1)
        if g >= 0:
            groups.setdefault(g, []).append(e)
    for weight, counted in (
        (spec.fair_total_weight, lambda e, d, s: True),
        (spec.fair_night_weight, lambda e, d, s: s in spec.night),
        (spec.fair_weekend_weight, lambda e, d, s: (spec.start_weekday + d) % 7 >= 5),
    ):
        if not weight:
            continue
        for members in groups.values():
            counts = [sum(1 for d in range(D) if (e, d) in roster and counted(e, d, roster[(e, d)]))
                      for e in members]
            terms["fair"] += weight * (max(counts) - min(counts))
    for (e, d), ref in spec.reference.items():
        if roster.get((e, d)) != ref:
            terms["change"] += spec.change_weight
    return Report(violations=v, objective=sum(terms.values()), terms=terms)


def spec_from_problem(problem: object) -> Spec:
    """A :class:`Spec` holding the same data as a roster-core problem object.

    Only the problem's *data* is read (attribute by attribute, as plain lists); no code of the core is used,
    and the meaning of every field is re-derived by :func:`evaluate`.
    """

    def get(name: str) -> list:  # type: ignore[type-arg]
        value = getattr(problem, name)
        return value.tolist() if hasattr(value, "tolist") else value

    cover_min = get("cover_min")
    D, S = len(cover_min), len(cover_min[0]) if cover_min else 0
    allowed_rows = get("is_allowed")
    E = len(allowed_rows)
    NONE = -2
    spec = Spec(
        num_days=D, shift_ids=[str(s) for s in range(S)], staff_ids=[str(e) for e in range(E)],
        minutes=get("shift_minutes"), shift_class=get("shift_class"), start_weekday=int(get("start_weekday")),
        allowed=[{s for s in range(S) if row[s]} for row in allowed_rows],
    )
    fn = get("forbidden_next")
    spec.forbidden = {(a, b) for a in range(len(fn)) for b in range(len(fn)) if fn[a][b]}
    per_type = get("max_shifts_per_type")
    for e in range(E):
        for s in range(S):
            spec.max_per_type[(e, s)] = per_type[e][s]
    for key, name in (("max_total_shifts", "max_total_shifts"), ("min_minutes", "min_total_minutes"),
                      ("max_minutes", "max_total_minutes"), ("max_consecutive", "max_consecutive_days"),
                      ("min_consecutive", "min_consecutive_days"), ("min_days_off", "min_consecutive_days_off"),
                      ("max_weekends", "max_weekends")):
        setattr(spec, key, dict(enumerate(get(name))))
    unavailable = get("is_unavailable")
    spec.unavailable = {(e, d) for e in range(E) for d in range(D) if unavailable[e][d]}
    for key, name in (("cover_min", "cover_min"), ("cover_ideal", "cover_ideal"), ("cover_max", "cover_max"),
                      ("under_weight", "under_weight"), ("short_weight", "ideal_short_weight"),
                      ("over_weight", "over_weight")):
        rows = get(name)
        setattr(spec, key, {(d, s): rows[d][s] for d in range(D) for s in range(S)})
    for kind in ("on", "off"):
        reqs = zip(get(f"{kind}_request_staff"), get(f"{kind}_request_day"), get(f"{kind}_request_shift"),
                   get(f"{kind}_request_weight"), strict=True)
        setattr(spec, f"{kind}_requests", [(e, d, None if s < 0 else s, w) for e, d, s, w in reqs])
    aw = get("assign_weight")
    spec.assign_weight = {(e, s): aw[e][s] for e in range(E) for s in range(S) if aw[e][s]}
    spec.night = {s for s, flag in enumerate(get("is_night")) if flag}
    spec.fair_group = dict(enumerate(get("fair_group")))
    spec.fair_total_weight = int(get("fair_total_weight"))
    spec.fair_night_weight = int(get("fair_night_weight"))
    spec.fair_weekend_weight = int(get("fair_weekend_weight"))
    spec.budget_group = {s: g for s, g in enumerate(get("budget_group")) if g >= 0}
    spec.shift_cost = dict(enumerate(get("shift_cost")))
    spec.budget = dict(enumerate(get("group_budget")))
    fixed, reference = get("fixed"), get("reference")
    for e in range(E):
        for d in range(D):
            if fixed[e][d] != NONE:
                spec.fixed[(e, d)] = None if fixed[e][d] < 0 else fixed[e][d]
            if reference[e][d] != NONE:
                spec.reference[(e, d)] = None if reference[e][d] < 0 else reference[e][d]
    spec.change_weight = int(get("change_weight"))
    for e, (w, o, c) in enumerate(zip(get("history_work_run"), get("history_off_run"), get("history_last_class"),
                                      strict=True)):
        if w >= 0:
            spec.history_work_run[e] = w
        if o >= 0:
            spec.history_off_run[e] = o
        if c >= 0:
            spec.history_last_class[e] = c
    return spec


def roster_from_schedule(schedule: object) -> dict[tuple[int, int], int]:
    """(staff, day) -> shift from a [staff][day] table of shift indices, negatives meaning off."""
    rows = schedule.tolist() if hasattr(schedule, "tolist") else schedule
    return {(e, d): s for e, row in enumerate(rows) for d, s in enumerate(row) if s >= 0}  # type: ignore[union-attr]


def check_files(instance: str | Path, solution: str | Path) -> Report:
    """Check a solution CSV against a Curtois & Qu instance file."""
    spec = read_curtois(instance)
    roster, problems = read_solution_csv(solution, spec)
    report = evaluate(spec, roster)
    report.violations[:0] = problems
    return report


if __name__ == "__main__":
    rep = check_files(sys.argv[1], sys.argv[2])
    for line in rep.violations:
        print("VIOLATION", line)
    print(f"feasible={rep.feasible} objective={rep.objective} terms={rep.terms}")

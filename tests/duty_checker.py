"""Independent checker of duty-lawyer rosters: reads the input files and a roster CSV, re-derives every hard rule.

It imports nothing from ``models/``, ``optimizer/``, ``scenarios/`` or ``api/``: its own CSV reading (``csv``
module), its own haversine, its own run and weekend logic, plain Python loops. The rules are those of the
duty-roster product as documented in ``models/duty/io.py`` (file formats) and ``models/duty/rules.py``:

- ``unknown_entity``: the roster names a lawyer, station or (station, period) not in the inputs;
- ``station_closed``: a shift on a weekday the period is not staffed;
- ``one_shift_per_day``; ``seats`` (head-count above ``seats``);
- ``forbidden_successions`` (pairs of periods on consecutive days, history included);
- ``max_consecutive_days``, ``min_consecutive_days``, ``min_days_off_in_row``: runs over the whole timeline
  (history days, if given, then the roster's days); a run touching either end of the timeline is exempt from
  the minimums;
- ``max_weekends`` and ``max_shifts_per_horizon`` over the roster's own days;
- ``unavailable_days`` (declared dates and a dropout file), ``within_travel_limit`` (great-circle km between
  county centres of the county file, missing points filled with the city mean, then the province mean),
  ``enrolled_at_station`` (``*`` = any in-person station), ``hotline_pool_enrolment``,
  ``speaks_station_language``, ``county_subsidy_budget``.

Use::

    python tests/duty_checker.py INPUT_DIR ROSTER.csv [--start YYYY-MM-DD] [--history HISTORY.csv]
                                 [--dropouts FILE]
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

COUNTY_FILE = Path(__file__).resolve().parents[1] / "models" / "data" / "counties_2020.csv"
EARTH_KM = 6371.0088
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Violation:
    rule: str
    lawyer_id: str
    date: str
    station_id: str
    detail: str


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _items(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


def _true(cell: str) -> bool:
    return cell.lower() in ("true", "1", "yes", "y", "t")


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def county_points(path: Path = COUNTY_FILE) -> dict[int, tuple[float, float]]:
    """adcode -> (longitude, latitude); a missing coordinate is filled with its city's mean, else its
    province's mean (the county file's convention)."""
    rows = _rows(path)
    out: dict[int, tuple[float, float]] = {}
    filled: list[dict[int, float]] = []
    for col in ("longitude", "latitude"):
        by_city: dict[tuple[str, str], list[float]] = defaultdict(list)
        by_prov: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            if r[col]:
                by_city[(r["province"], r["city"])].append(float(r[col]))
                by_prov[r["province"]].append(float(r[col]))
        values: dict[int, float] = {}
        for r in rows:
            if r[col]:
                values[int(r["adcode"])] = float(r[col])
            else:
                pts = by_city.get((r["province"], r["city"])) or by_prov.get(r["province"]) or [math.nan]
                values[int(r["adcode"])] = sum(pts) / len(pts)
        filled.append(values)
    for code in filled[0]:
        out[code] = (filled[0][code], filled[1][code])
    return out


def _runs(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """(start, length) of the maximal runs of ``value`` in ``flags``."""
    out = []
    i = 0
    while i < len(flags):
        if flags[i] == value:
            j = i
            while j < len(flags) and flags[j] == value:
                j += 1
            out.append((i, j - i))
            i = j
        else:
            i += 1
    return out


def check(input_dir: str | Path, roster_csv: str | Path, *, history_csv: str | Path | None = None,
          dropouts_csv: str | Path | None = None, start_date: str | None = None,
          num_days: int | None = None) -> list[Violation]:
    """All hard-rule violations of a roster (empty list = the roster is feasible).

    Parameters
    ----------
    input_dir : path
        Directory with ``stations.csv``, ``demand.csv``, ``lawyers.csv``, ``settings.json`` and optionally
        ``budgets.csv``.
    roster_csv : path
        ``date, station_id, period, lawyer_id``.
    history_csv : path, optional
        Published days just before the horizon (same columns), used by the run and succession rules.
    dropouts_csv : path, optional
        ``lawyer_id, start_date, end_date``: further unavailable days.
    start_date, num_days : optional
        Horizon of the roster (default: ``settings.json``; a nightly run's horizon starts on its night).
    """
    root = Path(input_dir)
    settings = json.loads((root / "settings.json").read_text(encoding="utf-8"))
    stations = {r["station_id"]: r for r in _rows(root / "stations.csv")}
    demand = {(r["station_id"], r["period"]): r for r in _rows(root / "demand.csv")}
    lawyers = {r["lawyer_id"]: r for r in _rows(root / "lawyers.csv")}
    budgets = {int(r["county"]): int(r["budget_yuan"]) for r in _rows(root / "budgets.csv")}
    roster = _rows(Path(roster_csv))
    history = _rows(Path(history_csv)) if history_csv else []
    points = county_points()

    start = dt.date.fromisoformat(start_date or settings["start_date"])
    num_days = int(num_days or settings.get("num_days", 31))
    horizon = [start + dt.timedelta(days=i) for i in range(num_days)]
    horizon_set = {d.isoformat() for d in horizon}
    max_km = float(settings.get("max_travel_km", 80.0))
    max_run = int(settings.get("max_consecutive_days", 3))
    min_run = int(settings.get("min_consecutive_days", 1))
    min_off = int(settings.get("min_days_off_in_row", 1))
    max_wk = int(settings.get("max_weekends", 2))
    forbidden = {tuple(p) for p in settings.get("forbidden_successions",
                                                [["night", "early"], ["night", "day"], ["late", "early"]])}

    unavailable: dict[str, set[str]] = {lid: set(_items(r.get("unavailable_dates", ""))) for lid, r in lawyers.items()}
    for r in _rows(Path(dropouts_csv)) if dropouts_csv else []:
        day, end_day = dt.date.fromisoformat(r["start_date"]), dt.date.fromisoformat(r["end_date"])
        while day <= end_day:
            unavailable.setdefault(r["lawyer_id"], set()).add(day.isoformat())
            day += dt.timedelta(days=1)

    out: list[Violation] = []

    def bad(rule: str, lid: str, date: str, sid: str, detail: str) -> None:
        out.append(Violation(rule, lid, date, sid, detail))

    # per-row rules
    per_day: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    head: dict[tuple[str, str, str], int] = defaultdict(int)
    spend: dict[int, int] = defaultdict(int)
    for r in roster:
        lid, sid, per, date = r["lawyer_id"], r["station_id"], r["period"], r["date"]
        if date not in horizon_set:
            bad("unknown_entity", lid, date, sid, "date outside the horizon")
            continue
        per_day[(lid, date)].append(r)
        st, dm, lw = stations.get(sid), demand.get((sid, per)), lawyers.get(lid)
        if st is None or dm is None or lw is None:
            bad("unknown_entity", lid, date, sid, f"unknown lawyer, station or period {per}")
            continue
        head[(date, sid, per)] += 1
        weekday = WEEKDAY_NAMES[dt.date.fromisoformat(date).weekday()]
        if weekday not in _items(dm["weekdays"]):
            bad("station_closed", lid, date, sid, f"{per} is not staffed on {weekday}")
        if date in unavailable.get(lid, set()):
            bad("unavailable_days", lid, date, sid, "lawyer unavailable")
        remote = _true(st["remote"])
        if not remote:
            home, place = points.get(int(lw["home_county"])), points.get(int(st["county"]))
            km = haversine_km(home[0], home[1], place[0], place[1]) if home and place else math.inf
            if km > max_km + 1e-6:
                bad("within_travel_limit", lid, date, sid, f"{km:.1f} km > {max_km:g} km")
            listed = _items(lw.get("stations", "*"))
            if "*" not in listed and sid not in listed:
                bad("enrolled_at_station", lid, date, sid, "not on the station's list")
        if st["kind"] == "hotline" and not _true(lw["hotline"]):
            bad("hotline_pool_enrolment", lid, date, sid, "not in the hotline pool")
        missing = set(_items(st["languages"])) - set(_items(lw["languages"]))
        if missing:
            bad("speaks_station_language", lid, date, sid, f"does not speak {sorted(missing)}")
        payer = int(st["budget_county"])
        if payer in budgets:
            spend[payer] += int(st["subsidy_yuan"])
    for (lid, date), rows in per_day.items():
        if len(rows) > 1:
            bad("one_shift_per_day", lid, date, rows[0]["station_id"], f"{len(rows)} shifts")
    for (date, sid, per), n in head.items():
        seats = int(demand[(sid, per)]["seats"])
        if n > seats:
            bad("seats", "", date, sid, f"{n} lawyers on {per}, {seats} seats")
    for payer, total in spend.items():
        if total > budgets[payer]:
            bad("county_subsidy_budget", "", "", str(payer), f"{total} yuan > budget {budgets[payer]}")

    # timeline rules
    hist_dates = sorted({r["date"] for r in history if r["date"] < horizon[0].isoformat()})
    t0 = dt.date.fromisoformat(hist_dates[0]) if hist_dates else horizon[0]
    timeline = [t0 + dt.timedelta(days=i) for i in range((horizon[-1] - t0).days + 1)]
    iso = [d.isoformat() for d in timeline]
    period_of: dict[str, dict[str, str]] = defaultdict(dict)
    for r in history:
        if r["date"] < horizon[0].isoformat():
            period_of[r["lawyer_id"]][r["date"]] = r["period"]
    for r in roster:
        if r["date"] in horizon_set:
            period_of[r["lawyer_id"]][r["date"]] = r["period"]
    first_h = iso.index(horizon[0].isoformat())
    for lid, days in period_of.items():
        lw = lawyers.get(lid)
        if lw is None:
            continue
        flags = [d in days for d in iso]
        for i in range(1, len(iso)):
            if flags[i - 1] and flags[i] and (days[iso[i - 1]], days[iso[i]]) in forbidden and i >= first_h:
                bad("forbidden_successions", lid, iso[i], "", f"{days[iso[i - 1]]} then {days[iso[i]]}")
        last = len(iso) - 1
        for s, n in _runs(flags, True):
            if s + n - 1 < first_h:
                continue  # a run wholly in the history is not this roster's
            if n > max_run:
                bad("max_consecutive_days", lid, iso[s], "", f"{n} days in a row > {max_run}")
            if n < min_run and s > 0 and s + n - 1 < last:
                bad("min_consecutive_days", lid, iso[s], "", f"{n} days in a row < {min_run}")
        for s, n in _runs(flags, False):
            if s + n - 1 < first_h:
                continue
            if n < min_off and s > 0 and s + n - 1 < last:
                bad("min_days_off_in_row", lid, iso[s], "", f"{n} days off in a row < {min_off}")
        in_h = [d for d in days if d in horizon_set]
        if len(in_h) > int(lw["max_shifts"]):
            bad("max_shifts_per_horizon", lid, "", "", f"{len(in_h)} shifts > {lw['max_shifts']}")
        weekends = set()
        for d in in_h:
            day = dt.date.fromisoformat(d)
            if day.weekday() >= 5:
                weekends.add(day - dt.timedelta(days=day.weekday() - 5))
        if len(weekends) > max_wk:
            bad("max_weekends", lid, "", "", f"{len(weekends)} weekends > {max_wk}")
    return out


def shortfall(input_dir: str | Path, roster_csv: str | Path, *, start_date: str | None = None,
              num_days: int | None = None) -> int:
    """Required head-count missing over the horizon (open periods only)."""
    root = Path(input_dir)
    settings = json.loads((root / "settings.json").read_text(encoding="utf-8"))
    roster = _rows(Path(roster_csv))
    start = dt.date.fromisoformat(start_date or settings["start_date"])
    head: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in roster:
        head[(r["date"], r["station_id"], r["period"])] += 1
    total = 0
    for i in range(int(num_days or settings.get("num_days", 31))):
        day = start + dt.timedelta(days=i)
        wd = WEEKDAY_NAMES[day.weekday()]
        for r in _rows(root / "demand.csv"):
            if wd in _items(r["weekdays"]):
                total += max(0, int(r["required"]) - head[(day.isoformat(), r["station_id"], r["period"])])
    return total


def main(argv: list[str]) -> int:  # pragma: no cover - command line
    args = list(argv)
    history = dropouts = start = None
    if "--start" in args:
        i = args.index("--start")
        start = args[i + 1]
        del args[i:i + 2]
    if "--history" in args:
        i = args.index("--history")
        history = args[i + 1]
        del args[i:i + 2]
    if "--dropouts" in args:
        i = args.index("--dropouts")
        dropouts = args[i + 1]
        del args[i:i + 2]
    found = check(args[0], args[1], history_csv=history, dropouts_csv=dropouts, start_date=start)
    for v in found:
        print(f"{v.rule}\t{v.lawyer_id}\t{v.date}\t{v.station_id}\t{v.detail}")
    print(f"{len(found)} violation(s)")
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))

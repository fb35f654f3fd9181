"""Input and output files of the duty roster, with column specifications and named errors.

An input directory holds (lists joined by ``;``, booleans ``true``/``false``, dates ``YYYY-MM-DD``):

``stations.csv``
    ``station_id, name, county, kind, languages, remote, budget_county, subsidy_yuan``: one row per station;
    ``county`` an adcode of the county file; ``kind`` court | procuratorate | detention_centre | hotline;
    ``languages`` every lawyer on duty must speak them; ``remote`` true = no travel limit (hotline);
    ``budget_county`` the adcode whose budget pays, 0 = regional fund (no cap); ``subsidy_yuan`` per shift.
``demand.csv``
    ``station_id, period, start, minutes, weekdays, required, ideal, seats``: one row per staffed period of a
    station; ``period`` day | early | late | night; ``start`` HH:MM; ``weekdays`` e.g. ``mon;tue;wed``;
    head-counts with ``required <= ideal <= seats``.
``lawyers.csv``
    ``lawyer_id, kind, home_county, languages, max_shifts, hotline, unavailable_dates, stations``;
    ``hotline`` true = enrolled in the hotline seat pool; ``stations`` the in-person stations the lawyer is
    enrolled on (``*`` = any within the travel limit, empty = none).
``requests.csv`` (optional)
    ``lawyer_id, date, want, station_id, period, weight``: ``want`` on | off; empty station/period = any.
``budgets.csv`` (optional)
    ``county, budget_yuan``: duty-subsidy budget per planning horizon; counties not listed have no cap.
``settings.json``
    ``start_date``, ``num_days`` and the rule parameters of :class:`models.duty.domain.Settings` (``weights``
    as an object).

A dropout file (``nightly --dropouts``) has ``lawyer_id, start_date, end_date, reason``: the lawyer cannot
serve from ``start_date`` to ``end_date`` inclusive.

Outputs: ``roster.csv`` (``date, station_id, period, lawyer_id``, one row per assignment, sorted), station
rosters (:data:`STATION_ROSTER_COLUMNS`), one ``.ics`` per lawyer, ``explanations.json``, and in the nightly job
a change report (:data:`CHANGE_COLUMNS`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.duty.domain import (
    DUTY_LAWYER_KINDS,
    PERIODS,
    REQUEST_KINDS,
    STATION_KINDS,
    WEEKDAYS,
    DutyInputs,
    Settings,
    Weights,
)
from models.region import Regions, load_regions
from models.schema import Column, ColumnKind, InputError, csv_bytes, parse_frame, read_table

STATIONS_CSV, DEMAND_CSV, LAWYERS_CSV = "stations.csv", "demand.csv", "lawyers.csv"
REQUESTS_CSV, BUDGETS_CSV, SETTINGS_JSON = "requests.csv", "budgets.csv", "settings.json"

STATION_COLUMNS: tuple[Column, ...] = (
    Column("station_id", ColumnKind.ID),
    Column("name", ColumnKind.TEXT),
    Column("county", ColumnKind.ADCODE),
    Column("kind", ColumnKind.ENUM, choices=STATION_KINDS),
    Column("languages", ColumnKind.LIST),
    Column("remote", ColumnKind.BOOL),
    Column("budget_county", ColumnKind.INT, minimum=0),
    Column("subsidy_yuan", ColumnKind.INT, minimum=0),
)
DEMAND_COLUMNS: tuple[Column, ...] = (
    Column("station_id", ColumnKind.TEXT, required=True),
    Column("period", ColumnKind.ENUM, choices=PERIODS),
    Column("start", ColumnKind.TEXT, required=True),
    Column("minutes", ColumnKind.INT, minimum=1),
    Column("weekdays", ColumnKind.LIST, choices=WEEKDAYS),
    Column("required", ColumnKind.INT, minimum=0),
    Column("ideal", ColumnKind.INT, minimum=0),
    Column("seats", ColumnKind.INT, minimum=0),
)
LAWYER_COLUMNS: tuple[Column, ...] = (
    Column("lawyer_id", ColumnKind.ID),
    Column("kind", ColumnKind.ENUM, choices=DUTY_LAWYER_KINDS),
    Column("home_county", ColumnKind.ADCODE),
    Column("languages", ColumnKind.LIST),
    Column("max_shifts", ColumnKind.INT, minimum=0),
    Column("hotline", ColumnKind.BOOL),
    Column("unavailable_dates", ColumnKind.DATE_LIST),
    Column("stations", ColumnKind.LIST),
)
REQUEST_COLUMNS: tuple[Column, ...] = (
    Column("lawyer_id", ColumnKind.TEXT, required=True),
    Column("date", ColumnKind.DATE),
    Column("want", ColumnKind.ENUM, choices=REQUEST_KINDS),
    Column("station_id", ColumnKind.TEXT),
    Column("period", ColumnKind.TEXT),
    Column("weight", ColumnKind.INT, minimum=0),
)
BUDGET_COLUMNS: tuple[Column, ...] = (
    Column("county", ColumnKind.ID),
    Column("budget_yuan", ColumnKind.INT, minimum=0),
)
DROPOUT_COLUMNS: tuple[Column, ...] = (
    Column("lawyer_id", ColumnKind.TEXT, required=True),
    Column("start_date", ColumnKind.DATE),
    Column("end_date", ColumnKind.DATE),
    Column("reason", ColumnKind.TEXT),
)
ROSTER_COLUMNS: tuple[str, ...] = ("date", "station_id", "period", "lawyer_id")
STATION_ROSTER_COLUMNS: tuple[str, ...] = (
    "date", "weekday", "station_id", "station_name", "kind", "county", "period", "start", "end", "lawyer_id",
)
CHANGE_COLUMNS: tuple[str, ...] = (
    "lawyer_id", "change", "date", "station_id", "period", "old_station_id", "old_period",
)


def _empty(columns: tuple[Column, ...]) -> pd.DataFrame:
    raw = pd.DataFrame({c.name: pd.Series([], dtype=str) for c in columns})
    return parse_frame(raw, columns, "<empty>")


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """JSON-ready dict of :class:`Settings`."""
    out = asdict(settings)
    out["start_date"] = settings.start_date.isoformat()
    out["forbidden_successions"] = [list(p) for p in settings.forbidden_successions]
    return out


def settings_from_dict(data: dict[str, Any], source: str = "settings") -> Settings:
    """:class:`Settings` from a dict (``settings.json``).

    Raises
    ------
    InputError
        Naming the key and the reason on an unknown key or a bad value.
    """
    known = {f.name for f in fields(Settings)}
    for key in data:
        if key not in known:
            raise InputError(source, None, key, "unknown setting")
    if "start_date" not in data:
        raise InputError(source, None, "start_date", "missing")
    kw = dict(data)
    try:
        kw["start_date"] = dt.date.fromisoformat(str(data["start_date"]))
    except ValueError as exc:
        raise InputError(source, None, "start_date", f"{data['start_date']!r} is not a date YYYY-MM-DD") from exc
    if "weights" in kw:
        w = kw["weights"]
        wk = {f.name for f in fields(Weights)}
        if not isinstance(w, dict) or any(k not in wk for k in w):
            raise InputError(source, None, "weights", f"expected an object with keys among {sorted(wk)}")
        try:
            kw["weights"] = Weights(**w)
        except ValueError as exc:
            raise InputError(source, None, "weights", str(exc)) from exc
    if "forbidden_successions" in kw:
        kw["forbidden_successions"] = tuple(tuple(p) for p in kw["forbidden_successions"])
    try:
        return Settings(**kw)
    except (ValueError, TypeError) as exc:
        name = str(exc).split(":", 1)[0] if ":" in str(exc) else "-"
        raise InputError(source, None, name, str(exc)) from exc


def check_inputs(inputs: DutyInputs, *, names: dict[str, str] | None = None) -> None:
    """Cross-table checks: demand refers to known stations, head-counts are ordered, requests refer to known
    lawyers, stations and periods, budgets name each county once.

    Raises
    ------
    InputError
        Naming file, line, column and reason of the first bad cell.
    """
    nm = {"demand": DEMAND_CSV, "requests": REQUESTS_CSV, "budgets": BUDGETS_CSV, "stations": STATIONS_CSV,
          "lawyers": LAWYERS_CSV}
    nm.update(names or {})
    st, dm = inputs.stations, inputs.demand

    def first(mask: np.ndarray) -> int | None:
        idx = np.flatnonzero(mask)
        return int(idx[0]) if idx.size else None

    def fail_at(file: str, mask: np.ndarray, column: str, reason: str) -> None:
        bad = first(mask)
        if bad is not None:
            raise InputError(file, bad + 2, column, reason.format(row=bad))

    sid = dm["station_id"].to_numpy(object)
    fail_at(nm["demand"], ~np.isin(sid, st["station_id"].to_numpy(object)), "station_id",
            "station is not in stations.csv")
    key = dm["station_id"].astype(str) + "/" + dm["period"].astype(str)
    fail_at(nm["demand"], key.duplicated().to_numpy(), "period", "period repeats for this station")
    fail_at(nm["demand"], ~dm["start"].astype(str).str.match(r"^([01]\d|2[0-3]):[0-5]\d$").to_numpy(), "start",
            "not a time HH:MM")
    fail_at(nm["demand"], (dm["ideal"] < dm["required"]).to_numpy(), "ideal", "must be >= required")
    fail_at(nm["demand"], (dm["seats"] < dm["ideal"]).to_numpy(), "seats", "must be >= ideal")
    rq = inputs.requests
    if len(rq):
        fail_at(nm["requests"], ~np.isin(rq["lawyer_id"].to_numpy(object), inputs.lawyers["lawyer_id"].to_numpy(object)),
                "lawyer_id", "lawyer is not in lawyers.csv")
        rp = rq["period"].to_numpy(object)
        fail_at(nm["requests"], (rp != "") & ~np.isin(rp, PERIODS), "period",
                "not one of " + ", ".join(PERIODS) + " (or empty)")
        rs = rq["station_id"].to_numpy(object)
        fail_at(nm["requests"], (rs != "") & ~np.isin(rs, st["station_id"].to_numpy(object)), "station_id",
                "station is not in stations.csv")
    enrolled = np.array([x for v in inputs.lawyers["stations"] for x in v], dtype=object)
    if enrolled.size:
        owner = np.repeat(np.arange(len(inputs.lawyers)), [len(v) for v in inputs.lawyers["stations"]])
        unknown = ~np.isin(enrolled, st["station_id"].to_numpy(object)) & (enrolled != "*")
        fail_at(nm["lawyers"], np.isin(np.arange(len(inputs.lawyers)), owner[unknown]), "stations",
                "names a station not in stations.csv")
    bc = st["budget_county"].to_numpy(np.int64)
    fail_at(nm["stations"], (bc != 0) & ((bc < 100000) | (bc > 999999)), "budget_county",
            "expected a six-digit adcode or 0 (regional fund)")
    if len(inputs.budgets):
        fail_at(nm["budgets"], inputs.budgets["county"].duplicated().to_numpy(), "county", "county repeats")


def read_inputs(directory: str | Path, *, regions: Regions | None = None) -> DutyInputs:
    """Read and validate an input directory (see the module docstring).

    Raises
    ------
    InputError
        Naming file, line, column and reason of the first bad cell; missing optional files are empty tables.
    """
    root = Path(directory)
    regions = regions or load_regions()
    codes = regions.adcode
    stations = read_table(root / STATIONS_CSV, STATION_COLUMNS, codes)
    demand = read_table(root / DEMAND_CSV, DEMAND_COLUMNS, codes)
    lawyers = read_table(root / LAWYERS_CSV, LAWYER_COLUMNS, codes)
    requests = read_table(root / REQUESTS_CSV, REQUEST_COLUMNS) if (root / REQUESTS_CSV).exists() else _empty(REQUEST_COLUMNS)
    if (root / BUDGETS_CSV).exists():
        budgets = read_table(root / BUDGETS_CSV, BUDGET_COLUMNS)
        county = pd.to_numeric(budgets["county"], errors="coerce")
        bad = np.flatnonzero(county.isna().to_numpy())
        if bad.size:
            raise InputError(str(root / BUDGETS_CSV), int(bad[0]) + 2, "county", "not a number")
        budgets["county"] = county.astype(np.int64)
    else:
        budgets = pd.DataFrame({"county": pd.Series([], dtype="int64"), "budget_yuan": pd.Series([], dtype="int64")})
    path = root / SETTINGS_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), None, "-", "file not found") from exc
    except json.JSONDecodeError as exc:
        raise InputError(str(path), exc.lineno, "-", f"not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise InputError(str(path), None, "-", "expected a JSON object")
    settings = settings_from_dict(data, str(path))
    inputs = DutyInputs(stations=stations, demand=demand, lawyers=lawyers, requests=requests, budgets=budgets,
                        settings=settings)
    check_inputs(inputs, names={k: str(root / v) for k, v in (("demand", DEMAND_CSV), ("requests", REQUESTS_CSV),
                                                               ("budgets", BUDGETS_CSV), ("stations", STATIONS_CSV),
                                                               ("lawyers", LAWYERS_CSV))})
    return inputs


def read_dropouts(path: str | Path) -> pd.DataFrame:
    """Read a dropout file (``lawyer_id, start_date, end_date, reason``).

    Raises
    ------
    InputError
        On a bad cell, or an end date before the start date.
    """
    frame = read_table(path, DROPOUT_COLUMNS)
    bad = np.flatnonzero((frame["end_date"] < frame["start_date"]).to_numpy())
    if bad.size:
        raise InputError(str(path), int(bad[0]) + 2, "end_date", "before start_date")
    return frame


def empty_dropouts() -> pd.DataFrame:
    """A dropout table without rows."""
    return _empty(DROPOUT_COLUMNS)


def input_files(inputs: DutyInputs) -> dict[str, bytes]:
    """File name -> bytes of an input directory holding ``inputs``."""
    return {
        STATIONS_CSV: csv_bytes(inputs.stations[[c.name for c in STATION_COLUMNS]]),
        DEMAND_CSV: csv_bytes(inputs.demand[[c.name for c in DEMAND_COLUMNS]]),
        LAWYERS_CSV: csv_bytes(inputs.lawyers[[c.name for c in LAWYER_COLUMNS]]),
        REQUESTS_CSV: csv_bytes(inputs.requests[[c.name for c in REQUEST_COLUMNS]]),
        BUDGETS_CSV: csv_bytes(inputs.budgets[[c.name for c in BUDGET_COLUMNS]]),
        SETTINGS_JSON: (json.dumps(settings_to_dict(inputs.settings), ensure_ascii=False, indent=2) + "\n").encode(),
    }


def write_inputs(inputs: DutyInputs, directory: str | Path) -> list[Path]:
    """Write an input directory atomically; returns the paths written."""
    from models.schema import write_files_atomically

    root = Path(directory)
    files = [(root / name, data) for name, data in input_files(inputs).items()]
    write_files_atomically(files)
    return [p for p, _ in files]


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read a roster CSV (``date, station_id, period, lawyer_id``); dates as ISO strings."""
    cols = (
        Column("date", ColumnKind.DATE),
        Column("station_id", ColumnKind.TEXT, required=True),
        Column("period", ColumnKind.ENUM, choices=PERIODS),
        Column("lawyer_id", ColumnKind.TEXT, required=True),
    )
    frame = read_table(path, cols)
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return frame

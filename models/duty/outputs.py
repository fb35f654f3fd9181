"""Published outputs of a duty roster: station rosters, one iCalendar file per lawyer, and the change report.

All builders return bytes or frames; writing (atomically) is the caller's job. Output bytes depend only on the
inputs (no clock): the iCalendar ``DTSTAMP`` is the publication date given by the caller.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from icalendar import Calendar, Event

from models.duty.domain import DutyInputs
from models.duty.io import CHANGE_COLUMNS, ROSTER_COLUMNS, STATION_ROSTER_COLUMNS

TIMEZONE = ZoneInfo("Asia/Shanghai")
PRODID = "-//legalaid-engine//duty roster//ZH"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _times(demand: pd.DataFrame) -> pd.DataFrame:
    out = demand[["station_id", "period", "start", "minutes"]].copy()
    hh = out["start"].str.slice(0, 2).astype(int)
    mm = out["start"].str.slice(3, 5).astype(int)
    end_min = (hh * 60 + mm + out["minutes"]) % (24 * 60)
    out["end"] = (end_min // 60).map("{:02d}".format) + ":" + (end_min % 60).map("{:02d}".format)
    return out


def station_roster_frame(inputs: DutyInputs, roster: pd.DataFrame) -> pd.DataFrame:
    """Roster rows with station name, kind, county, weekday and times (:data:`STATION_ROSTER_COLUMNS`),
    sorted by station, date, period, lawyer."""
    st = inputs.stations[["station_id", "name", "kind", "county"]].rename(columns={"name": "station_name"})
    merged = roster.merge(st, on="station_id", how="left").merge(_times(inputs.demand), on=["station_id", "period"],
                                                                  how="left")
    wd = pd.to_datetime(merged["date"]).dt.day_of_week.to_numpy(np.int64) if len(merged) else np.zeros(0, np.int64)
    merged["weekday"] = np.array(WEEKDAY_NAMES, dtype=object)[wd] if len(merged) else np.zeros(0, dtype=object)
    merged = merged.sort_values(["station_id", "date", "period", "lawyer_id"], kind="stable")
    return merged[list(STATION_ROSTER_COLUMNS)].reset_index(drop=True)


def lawyer_calendars(inputs: DutyInputs, roster: pd.DataFrame, *, stamp: dt.date,
                     lawyers: list[str] | None = None) -> dict[str, bytes]:
    """One iCalendar file per lawyer (``lawyer_id -> bytes``): a ``VEVENT`` per shift, times in Asia/Shanghai.

    Parameters
    ----------
    inputs : DutyInputs
    roster : DataFrame
        ``date, station_id, period, lawyer_id``.
    stamp : datetime.date
        Publication date (``DTSTAMP``), so that the same roster gives the same bytes.
    lawyers : list of str, optional
        Lawyers to write a calendar for (default: every lawyer with a shift); a lawyer without shifts gets an
        empty calendar (so that a changed roster can clear an old one).
    """
    rows = station_roster_frame(inputs, roster).merge(inputs.demand[["station_id", "period", "minutes"]],
                                                      on=["station_id", "period"], how="left")
    ids = sorted(set(rows["lawyer_id"])) if lawyers is None else sorted(set(lawyers))
    rows = rows.sort_values(["lawyer_id", "date", "start"], kind="stable")
    cols = {c: rows[c].astype(str).tolist() for c in ("lawyer_id", "date", "station_id", "station_name", "kind",
                                                      "county", "period", "start")}
    minutes = rows["minutes"].to_numpy(np.int64).tolist()
    lawyer_col = rows["lawyer_id"].to_numpy(object)
    bounds = {str(k): (int(a), int(b)) for k, a, b in zip(*np.unique(lawyer_col, return_index=True),
                                                          np.unique(lawyer_col, return_counts=True)[1], strict=True)}
    stamp_dt = dt.datetime(stamp.year, stamp.month, stamp.day, tzinfo=dt.UTC)
    out: dict[str, bytes] = {}
    for lawyer in ids:
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"Duty roster {lawyer}")
        first, count = bounds.get(str(lawyer), (0, 0))
        for i in range(first, first + count):
            day = dt.date.fromisoformat(cols["date"][i])
            hh, mm = (int(x) for x in cols["start"][i].split(":"))
            start = dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=TIMEZONE)
            name, sid, period = cols["station_name"][i], cols["station_id"][i], cols["period"][i]
            ev = Event()
            ev.add("uid", f"{cols['date'][i]}-{sid}-{period}-{lawyer}@legalaid-duty")
            ev.add("dtstamp", stamp_dt)
            ev.add("dtstart", start)
            ev.add("dtend", start + dt.timedelta(minutes=minutes[i]))
            ev.add("summary", f"值班 duty: {name} ({period})")
            ev.add("location", f"{name}, county {cols['county'][i]}")
            ev.add("description", f"station {sid}, kind {cols['kind'][i]}, period {period}")
            cal.add_component(ev)
        out[str(lawyer)] = cal.to_ical()
    return out


def change_report(old: pd.DataFrame, new: pd.DataFrame, *, dates: list[str],
                  new_dates: list[str] | None = None) -> pd.DataFrame:
    """Who must be told what: per lawyer and date, the shifts added, removed or moved (:data:`CHANGE_COLUMNS`).

    Parameters
    ----------
    old, new : DataFrame
        Rosters (``date, station_id, period, lawyer_id``) before and after.
    dates : list of str
        ISO dates compared (the days that were published before and are published again).
    new_dates : list of str, optional
        ISO dates published for the first time: every shift on them is listed as ``new``.

    Returns
    -------
    DataFrame
        ``change`` is ``added`` (a shift on a day the lawyer was off), ``removed`` (off now), or ``moved``
        (another station or period the same day; ``old_station_id`` / ``old_period`` say from where). Sorted by
        lawyer, date. Shifts on ``new_dates`` are listed with ``change`` = ``new``.
    """
    cols = list(ROSTER_COLUMNS)
    a = old.loc[old["date"].isin(dates), cols]
    b = new.loc[new["date"].isin(dates), cols]
    merged = a.merge(b, on=["date", "lawyer_id"], how="outer", suffixes=("_old", "_new"), indicator=True)
    kind = np.where(merged["_merge"] == "left_only", "removed",
                    np.where(merged["_merge"] == "right_only", "added", "moved"))
    same = (merged["station_id_old"] == merged["station_id_new"]) & (merged["period_old"] == merged["period_new"])
    keep = (kind != "moved") | ~same.to_numpy()
    m = merged.loc[keep].copy()
    k = kind[keep]
    report = pd.DataFrame({
        "lawyer_id": m["lawyer_id"].to_numpy(object),
        "change": k.astype(object),
        "date": m["date"].to_numpy(object),
        "station_id": np.where(k == "removed", m["station_id_old"], m["station_id_new"]).astype(object),
        "period": np.where(k == "removed", m["period_old"], m["period_new"]).astype(object),
        "old_station_id": np.where(k == "moved", m["station_id_old"], "").astype(object),
        "old_period": np.where(k == "moved", m["period_old"], "").astype(object),
    }, columns=list(CHANGE_COLUMNS))
    fresh = new.loc[new["date"].isin(new_dates or []), cols]
    fresh_rows = pd.DataFrame({
        "lawyer_id": fresh["lawyer_id"].to_numpy(object), "change": "new", "date": fresh["date"].to_numpy(object),
        "station_id": fresh["station_id"].to_numpy(object), "period": fresh["period"].to_numpy(object),
        "old_station_id": "", "old_period": "",
    }, columns=list(CHANGE_COLUMNS))
    if len(fresh_rows):
        report = pd.concat([report, fresh_rows], ignore_index=True) if len(report) else fresh_rows
    return report.sort_values(["lawyer_id", "date", "change"], kind="stable").reset_index(drop=True)


def change_report_text(report: pd.DataFrame, inputs: DutyInputs, *, title: str) -> str:
    """Readable change report: one block per lawyer listing what they must be told."""
    names = dict(zip(inputs.stations["station_id"], inputs.stations["name"], strict=True))
    lines = [title, ""]
    if report.empty:
        lines.append("No published shift changes: nobody needs to be told anything.")
        return "\n".join(lines) + "\n"
    changed = report[report["change"] != "new"]
    lines.append(f"{report['lawyer_id'].nunique()} lawyer(s) to notify: {len(changed)} change(s) to published "
                 f"days, {len(report) - len(changed)} shift(s) on newly published days.")
    for lawyer, group in report.groupby("lawyer_id", sort=True):
        lines.append("")
        lines.append(f"{lawyer}:")
        for r in group.itertuples(index=False):
            where = f"{names.get(r.station_id, r.station_id)} [{r.station_id}] {r.period}"
            if r.change == "added":
                lines.append(f"  {r.date}: ADDED duty at {where}")
            elif r.change == "new":
                lines.append(f"  {r.date}: duty at {where} (newly published day)")
            elif r.change == "removed":
                lines.append(f"  {r.date}: duty at {where} CANCELLED")
            else:
                old = f"{names.get(r.old_station_id, r.old_station_id)} [{r.old_station_id}] {r.old_period}"
                lines.append(f"  {r.date}: duty MOVED from {old} to {where}")
    return "\n".join(lines) + "\n"

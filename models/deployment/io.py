"""Reading and writing deployment instances and plans (docs/deployment.md).

- The benchmark instance is one JSON object (``format: "legalaid-deployment/1"``) with ``settings``,
  ``counties`` and ``volunteers``; :func:`instance_to_dict` / :func:`instance_from_dict` convert exactly.
- The solution is one JSON object (``format: "legalaid-deployment-solution/1"``) with the placements and the
  team leaders, the claimed objective and the per-term points.
- The planner's inputs may also come as ``counties.csv`` + ``volunteers.csv`` (lists joined by ``;``, booleans
  ``true``/``false``) + ``settings.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.deployment.domain import County, DeploymentInstance, PairingAgreement, Settings, Volunteer
from models.provider import SPECIALTIES

INSTANCE_FORMAT = "legalaid-deployment/1"
SOLUTION_FORMAT = "legalaid-deployment-solution/1"

COUNTY_FIELDS: tuple[str, ...] = (
    "county_id", "name", "city", "province", "longitude", "latitude", "population", "lawyers_per_10k",
    "demand_cases_per_year", "need", "language", "high_altitude", "handover_cases", "places_lawyer",
    "places_partner", "case_mix",
)
VOLUNTEER_FIELDS: tuple[str, ...] = (
    "volunteer_id", "kind", "home_province", "home_county", "home_longitude", "home_latitude", "languages",
    "specialties", "years_of_practice", "preferences", "accepts_any_province", "medical_clearance",
    "available_months", "stint", "willing_to_lead",
)
_LIST_FIELDS = ("languages", "specialties", "preferences")
_BOOL_FIELDS = ("high_altitude", "accepts_any_province", "medical_clearance", "willing_to_lead")
_INT_FIELDS = ("population", "demand_cases_per_year", "need", "handover_cases", "places_lawyer", "places_partner",
               "years_of_practice", "available_months")
_FLOAT_FIELDS = ("longitude", "latitude", "lawyers_per_10k", "home_longitude", "home_latitude")


# -------------------------------------------------------------------------------------------------------------
# dict <-> domain
# -------------------------------------------------------------------------------------------------------------


def settings_to_dict(st: Settings) -> dict[str, Any]:
    return {
        "receiving_provinces": list(st.receiving_provinces),
        "pairing_agreements": [{"from_province": a.from_province, "to_provinces": list(a.to_provinces)}
                               for a in st.pairing_agreements],
        "in_province_stint_provinces": list(st.in_province_stint_provinces),
        "months_year": st.months_year,
        "months_in_province": st.months_in_province,
        "unranked_steps": st.unranked_steps,
        "lawyer_units": st.lawyer_units,
        "partner_units": st.partner_units,
        "coverage_breaks": list(st.coverage_breaks),
        "coverage_slopes": list(st.coverage_slopes),
        "travel_km_per_unit": st.travel_km_per_unit,
        "weights": {k: int(v) for k, v in st.weights},
        "hard_rules": list(st.hard_rules),
    }


def _need(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ValueError(f"{where}.{key}: missing")
    return data[key]


def settings_from_dict(data: Mapping[str, Any]) -> Settings:
    """Settings from their JSON form; fields left out take their defaults.

    Raises
    ------
    ValueError
        Naming the field when a value is missing or wrong.
    """
    if not isinstance(data, Mapping):
        raise ValueError("settings: expected an object")
    kwargs: dict[str, Any] = {"receiving_provinces": tuple(_need(data, "receiving_provinces", "settings"))}
    if "pairing_agreements" in data:
        agreements = []
        for k, a in enumerate(data["pairing_agreements"]):
            where = f"settings.pairing_agreements[{k}]"
            agreements.append(PairingAgreement(str(_need(a, "from_province", where)), tuple(_need(a, "to_provinces", where))))
        kwargs["pairing_agreements"] = tuple(agreements)
    for key in ("in_province_stint_provinces", "coverage_breaks", "coverage_slopes", "hard_rules"):
        if key in data:
            kwargs[key] = tuple(data[key])
    for key in ("months_year", "months_in_province", "unranked_steps", "lawyer_units", "partner_units",
                "travel_km_per_unit"):
        if key in data:
            kwargs[key] = data[key]
    if "weights" in data:
        if not isinstance(data["weights"], Mapping):
            raise ValueError("settings.weights: expected an object {term id: weight}")
        kwargs["weights"] = tuple((str(k), v) for k, v in data["weights"].items())
    return Settings(**kwargs)


def county_to_dict(c: County) -> dict[str, Any]:
    out: dict[str, Any] = {f: getattr(c, f) for f in COUNTY_FIELDS}
    out["case_mix"] = dict(c.case_mix)
    return out


def county_from_dict(data: Mapping[str, Any], k: int = 0) -> County:
    where = f"counties[{k}]"
    values = {f: _need(data, f, where) for f in COUNTY_FIELDS}
    mix = values["case_mix"]
    if not isinstance(mix, Mapping):
        raise ValueError(f"{where}.case_mix: expected an object {{specialty: percent}}")
    values["case_mix"] = tuple((s, mix[s]) for s in SPECIALTIES if s in mix) + tuple(
        (s, v) for s, v in mix.items() if s not in SPECIALTIES)
    values["county_id"] = str(values["county_id"])
    return County(**values)


def volunteer_to_dict(v: Volunteer) -> dict[str, Any]:
    out: dict[str, Any] = {f: getattr(v, f) for f in VOLUNTEER_FIELDS}
    for f in _LIST_FIELDS:
        out[f] = list(out[f])
    return out


def volunteer_from_dict(data: Mapping[str, Any], k: int = 0) -> Volunteer:
    where = f"volunteers[{k}]"
    values = {f: _need(data, f, where) for f in VOLUNTEER_FIELDS}
    for f in _LIST_FIELDS:
        if not isinstance(values[f], list | tuple):
            raise ValueError(f"{where}.{f}: expected a list")
        values[f] = tuple(values[f])
    values["home_county"] = str(values["home_county"])
    return Volunteer(**values)


def instance_to_dict(instance: DeploymentInstance) -> dict[str, Any]:
    return {
        "format": INSTANCE_FORMAT,
        "name": instance.name,
        "meta": dict(instance.meta),
        "settings": settings_to_dict(instance.settings),
        "counties": [county_to_dict(c) for c in instance.counties],
        "volunteers": [volunteer_to_dict(v) for v in instance.volunteers],
    }


def instance_from_dict(data: Mapping[str, Any]) -> DeploymentInstance:
    """An instance from its JSON form.

    Raises
    ------
    ValueError
        When ``format`` is not :data:`INSTANCE_FORMAT` or a field is missing or wrong (named in the message).
    """
    if data.get("format") != INSTANCE_FORMAT:
        raise ValueError(f"format: expected {INSTANCE_FORMAT!r}, got {data.get('format')!r}")
    counties = tuple(county_from_dict(c, k) for k, c in enumerate(_need(data, "counties", "instance")))
    volunteers = tuple(volunteer_from_dict(v, k) for k, v in enumerate(_need(data, "volunteers", "instance")))
    return DeploymentInstance(
        name=str(data.get("name", "instance")),
        counties=counties,
        volunteers=volunteers,
        settings=settings_from_dict(_need(data, "settings", "instance")),
        meta=dict(data.get("meta", {})),
    )


def read_instance(path: str | Path) -> DeploymentInstance:
    """Read a JSON instance file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    return instance_from_dict(data)


def instance_json(instance: DeploymentInstance) -> bytes:
    """The JSON text of an instance (UTF-8, one county or volunteer per line for readable diffs)."""
    d = instance_to_dict(instance)
    head = {k: v for k, v in d.items() if k not in ("counties", "volunteers")}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ","]
    for key in ("counties", "volunteers"):
        items = ",\n".join("  " + json.dumps(x, ensure_ascii=False) for x in d[key])
        lines.append(f' "{key}": [\n{items}\n ]' + ("," if key == "counties" else ""))
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_instance(instance: DeploymentInstance, path: str | Path) -> None:
    """Write the JSON instance file (parents created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(instance_json(instance))


# -------------------------------------------------------------------------------------------------------------
# CSV inputs
# -------------------------------------------------------------------------------------------------------------


def _cell(value: object) -> object:
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def counties_frame(instance: DeploymentInstance) -> pd.DataFrame:
    """Counties as a table; ``case_mix`` becomes one ``mix_<specialty>`` column per specialty."""
    rows = []
    for c in instance.counties:
        row = {f: _cell(getattr(c, f)) for f in COUNTY_FIELDS if f != "case_mix"}
        row.update({f"mix_{s}": p for s, p in c.case_mix})
        rows.append(row)
    return pd.DataFrame(rows)


def volunteers_frame(instance: DeploymentInstance) -> pd.DataFrame:
    return pd.DataFrame([{f: _cell(getattr(v, f)) for f in VOLUNTEER_FIELDS} for v in instance.volunteers])


def _parse(frame: pd.DataFrame, source: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    missing = [f for f in fields if f not in frame.columns and f != "case_mix"]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}")
    out = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        item: dict[str, Any] = {}
        for f in fields:
            if f == "case_mix":
                item[f] = tuple((s, int(row[f"mix_{s}"])) for s in SPECIALTIES if f"mix_{s}" in row)
                continue
            raw = row[f]
            text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
            try:
                if f in _LIST_FIELDS:
                    item[f] = tuple(x for x in text.split(";") if x)
                elif f in _BOOL_FIELDS:
                    if text.lower() not in ("true", "false"):
                        raise ValueError("expected true or false")
                    item[f] = text.lower() == "true"
                elif f in _INT_FIELDS:
                    item[f] = int(float(text))
                elif f in _FLOAT_FIELDS:
                    item[f] = float(text)
                else:
                    item[f] = text
            except ValueError as exc:
                raise ValueError(f"{source}: line {line}, column {f}: {text!r}: {exc}") from exc
        out.append(item)
    return out


def read_inputs(counties_csv: str | Path, volunteers_csv: str | Path, settings_json: str | Path,
                *, name: str = "inputs") -> DeploymentInstance:
    """An instance from ``counties.csv``, ``volunteers.csv`` and ``settings.json``."""
    cf = pd.read_csv(counties_csv, dtype={"county_id": str}, keep_default_na=False)
    vf = pd.read_csv(volunteers_csv, dtype={"home_county": str, "volunteer_id": str}, keep_default_na=False)
    counties = tuple(County(**c) for c in _parse(cf, str(counties_csv), COUNTY_FIELDS))
    volunteers = tuple(Volunteer(**v) for v in _parse(vf, str(volunteers_csv), VOLUNTEER_FIELDS))
    settings = settings_from_dict(json.loads(Path(settings_json).read_text(encoding="utf-8")))
    return DeploymentInstance(name=name, counties=counties, volunteers=volunteers, settings=settings)

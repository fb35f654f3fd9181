"""Independent checker of assignment plans.

Every hard rule of ``docs/formats.md`` is re-derived here from the input files alone. The module deliberately
shares no code with the engine packages (``models``, ``optimizer``, ``scenarios``, ``api``): it imports only the
standard library, numpy and pandas, so that a bug in the engine cannot hide itself by also living in its checker.

The main entry points are :func:`check_plan` (paths, or already loaded frames / dict) and :func:`check_frames`
(frames and a policy dict). Both return a sorted list of :class:`Violation`; an empty list means the plan obeys
every hard rule. Malformed *inputs* (cases, providers, policy, counties) raise :class:`ValueError`; defects of the
*plan* itself are reported as violations.

Run as a script to check files from the command line::

    python tests/checker.py cases.csv providers.csv plan.csv policy.json [counties.csv]
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_COUNTIES_CSV = Path(__file__).resolve().parents[1] / "models" / "data" / "counties_2020.csv"

RULES = (
    "plan_covers_each_case_once",
    "criminal_defence_by_lawyer",
    "serious_case_experienced_lawyer",
    "minor_needs_minor_familiar",
    "codefendants_separate_lawyers",
    "no_conflict_of_interest",
    "speaks_required_language",
    "within_capacity",
    "available_on_date",
    "pooling_policy_allows_tier",
    "pinned_provider_respected",
    "assigned_not_before_received",
)

LAWYER_KINDS = frozenset({"lawyer", "staff_lawyer", "volunteer_lawyer"})
CRIMINAL_CASE_KINDS = frozenset({"criminal_defence", "death_penalty_review"})
SERIOUS_SENTENCES = frozenset({"life", "death"})
MIN_SERIOUS_CRIMINAL_YEARS = 3.0
MANDARIN = "zh"
POLICY_FIELDS = (
    "allowed_tiers",
    "scarce_allowed_tiers",
    "scarce_threshold_per_10k",
    "partners",
    "remote_case_kinds",
)

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})

CASE_COLUMNS = (
    "case_id", "centre_id", "county", "kind", "possible_sentence", "minor", "language",
    "codefendant_group", "party_ids", "effort", "received_date", "pinned_provider",
)
PROVIDER_COLUMNS = (
    "provider_id", "kind", "home_county", "criminal_years", "languages", "minors_familiar", "open_load",
    "capacity", "unavailable_dates", "remote_ok", "conflict_parties",
)
PLAN_COLUMNS = ("case_id", "provider_id", "assigned_date", "tier")
COUNTY_COLUMNS = ("adcode", "province", "city", "population")


@dataclass(frozen=True, order=True)
class Violation:
    """One breach of a hard rule.

    Attributes
    ----------
    rule : str
        Rule id, one of :data:`RULES`.
    case_id : str
        Case concerned ("" when the breach is not about one case).
    provider_id : str
        Provider concerned ("" when none).
    detail : str
        Human-readable explanation.
    """

    rule: str
    case_id: str
    provider_id: str
    detail: str


# ----------------------------------------------------------------------------------------------------- loading


def _read_csv(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Return ``source`` as a DataFrame; files are read as text with empty cells kept as ``""``."""
    if isinstance(source, pd.DataFrame):
        return source.copy()
    return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _read_policy(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the policy as a mapping, reading JSON when given a path."""
    if isinstance(source, Mapping):
        return source
    with open(source, encoding="utf-8") as fh:
        return json.load(fh)


def _require(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` when ``df`` lacks one of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def _is_missing(value: Any) -> bool:
    """True for None / NaN / NaT scalars."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes
        return False


def _text(s: pd.Series) -> pd.Series:
    """Cells as stripped strings, missing cells as ``""`` (integers stay integral: ``150102`` not ``150102.0``)."""
    if pd.api.types.infer_dtype(s, skipna=False) in ("string", "empty"):  # fast path: text read from a file
        return s.astype(object).str.strip()

    def one(v: Any) -> str:
        if _is_missing(v):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, pd.Timestamp | datetime.date):
            return v.strftime("%Y-%m-%d")
        return str(v).strip()

    return s.map(one).astype(object)


def _as_list(value: Any) -> list[str]:
    """One list cell (``a;b`` text, or an actual list) as a list of non-empty stripped strings."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = [str(x).strip() for x in value if not _is_missing(x)]
    elif _is_missing(value):
        return []
    else:
        items = [x.strip() for x in str(value).split(";")]
    return [x for x in items if x]


def _long(ids: pd.Series, cells: pd.Series, name: str) -> pd.DataFrame:
    """Explode list cells into a long two-column frame ``(ids.name, name)`` without empty items."""
    out = pd.DataFrame({ids.name: ids.to_numpy(), name: cells.map(_as_list).to_numpy()}).explode(name)
    return out[out[name].notna()].reset_index(drop=True)


def _bool(s: pd.Series, what: str) -> pd.Series:
    """Parse ``true/false/1/0/yes/no`` (or real booleans); anything else raises ``ValueError``."""
    words = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
    out = _text(s).str.lower().map(words)
    bad = out.isna()
    if bad.any():
        raise ValueError(f"{what}: not a boolean: {s[bad].iloc[0]!r}")
    return out.astype(bool)


def _number(s: pd.Series, what: str) -> pd.Series:
    """Parse numbers; empty or non-numeric cells raise ``ValueError``."""
    out = pd.to_numeric(_text(s).replace("", np.nan), errors="coerce")
    bad = out.isna()
    if bad.any():
        raise ValueError(f"{what}: not a number: {s[bad].iloc[0]!r}")
    return out.astype(float)


def _dates(s: pd.Series) -> pd.Series:
    """Parse ISO dates; empty or malformed cells become ``NaT``."""
    return pd.to_datetime(_text(s).replace("", None), format="%Y-%m-%d", errors="coerce")


def _strict_dates(s: pd.Series, what: str) -> pd.Series:
    """Parse ISO dates; empty or malformed cells raise ``ValueError``."""
    out = _dates(s)
    bad = out.isna()
    if bad.any():
        raise ValueError(f"{what}: not an ISO date: {s[bad].iloc[0]!r}")
    return out


def _unique_ids(ids: pd.Series, what: str) -> None:
    """Raise ``ValueError`` on empty or duplicate ids."""
    if (ids == "").any():
        raise ValueError(f"{what}: empty id")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise ValueError(f"{what}: duplicate id {dup.iloc[0]!r}")


def _prepare_counties(raw: pd.DataFrame) -> pd.DataFrame:
    """Columns ``adcode`` (int), ``province``, ``city`` (str) and ``population`` (float)."""
    _require(raw, COUNTY_COLUMNS, "counties")
    out = pd.DataFrame({
        "adcode": _number(raw["adcode"], "counties.adcode").astype("int64"),
        "province": _text(raw["province"]),
        "city": _text(raw["city"]),
        "population": _number(raw["population"], "counties.population"),
    })
    if out["adcode"].duplicated().any():
        raise ValueError("counties: duplicate adcode")
    return out


def _prepare_cases(raw: pd.DataFrame, adcodes: pd.Series) -> pd.DataFrame:
    """Typed case table (list columns stay raw; they are exploded only where needed)."""
    _require(raw, CASE_COLUMNS, "cases")
    out = pd.DataFrame({
        "case_id": _text(raw["case_id"]),
        "centre_id": _text(raw["centre_id"]),
        "county": _number(raw["county"], "cases.county").astype("int64"),
        "case_kind": _text(raw["kind"]),
        "possible_sentence": _text(raw["possible_sentence"]),
        "minor": _bool(raw["minor"], "cases.minor"),
        "language": _text(raw["language"]).str.lower(),
        "codefendant_group": _text(raw["codefendant_group"]),
        "party_ids": raw["party_ids"].to_numpy(),
        "effort": _number(raw["effort"], "cases.effort"),
        "received_date": _strict_dates(raw["received_date"], "cases.received_date"),
        "pinned_provider": _text(raw["pinned_provider"]),
    })
    _unique_ids(out["case_id"], "cases.case_id")
    unknown = ~out["county"].isin(adcodes)
    if unknown.any():
        raise ValueError(f"cases: county {out['county'][unknown].iloc[0]} not in the county file")
    return out


def _prepare_providers(raw: pd.DataFrame, adcodes: pd.Series) -> pd.DataFrame:
    """Typed provider table (list columns stay raw; they are exploded only where needed)."""
    _require(raw, PROVIDER_COLUMNS, "providers")
    out = pd.DataFrame({
        "provider_id": _text(raw["provider_id"]),
        "provider_kind": _text(raw["kind"]),
        "home_county": _number(raw["home_county"], "providers.home_county").astype("int64"),
        "criminal_years": _number(raw["criminal_years"], "providers.criminal_years"),
        "languages": raw["languages"].to_numpy(),
        "minors_familiar": _bool(raw["minors_familiar"], "providers.minors_familiar"),
        "open_load": _number(raw["open_load"], "providers.open_load"),
        "capacity": _number(raw["capacity"], "providers.capacity"),
        "unavailable_dates": raw["unavailable_dates"].to_numpy(),
        "remote_ok": _bool(raw["remote_ok"], "providers.remote_ok"),
        "conflict_parties": raw["conflict_parties"].to_numpy(),
    })
    _unique_ids(out["provider_id"], "providers.provider_id")
    unknown = ~out["home_county"].isin(adcodes)
    if unknown.any():
        raise ValueError(f"providers: home_county {out['home_county'][unknown].iloc[0]} not in the county file")
    return out


def _prepare_plan(raw: pd.DataFrame) -> pd.DataFrame:
    """Plan rows with text ids, a parsed ``assigned_date`` (``NaT`` when empty/bad) and the raw date text."""
    _require(raw, PLAN_COLUMNS, "plan")
    date_text = _text(raw["assigned_date"])
    return pd.DataFrame({
        "row": np.arange(len(raw)),
        "case_id": _text(raw["case_id"]),
        "provider_id": _text(raw["provider_id"]),
        "assigned_date": _dates(date_text),
        "assigned_date_text": date_text,
        "tier": _text(raw["tier"]).str.lower(),
    })


def centre_policies(policy: Mapping[str, Any], centre_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Effective policy of each centre: the default with the centre's entry overriding field by field.

    Parameters
    ----------
    policy : mapping
        Parsed ``policy.json`` (keys ``default`` and optionally ``centres``).
    centre_ids : iterable of str
        Centres to resolve.

    Returns
    -------
    dict
        Centre id -> dict with every field of :data:`POLICY_FIELDS`.
    """
    if "default" not in policy:
        raise ValueError("policy: missing 'default'")
    centres = policy.get("centres") or {}
    out: dict[str, dict[str, Any]] = {}
    for centre in centre_ids:
        merged = dict(policy["default"])
        merged.update(centres.get(centre) or {})
        missing = [f for f in POLICY_FIELDS if f not in merged]
        if missing:
            raise ValueError(f"policy: centre {centre!r} lacks {', '.join(missing)}")
        out[centre] = merged
    return out


# ----------------------------------------------------------------------------------------------------- helpers


def _violations(rows: pd.DataFrame, rule: str, detail: Iterable[str] | str) -> list[Violation]:
    """One :class:`Violation` per row of ``rows`` (needs ``case_id`` and ``provider_id``)."""
    if rows.empty:
        return []
    details = [detail] * len(rows) if isinstance(detail, str) else list(detail)
    return [
        Violation(rule, str(c), str(p), str(d))
        for c, p, d in zip(rows["case_id"], rows["provider_id"], details, strict=True)
    ]


def _fmt_date(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ----------------------------------------------------------------------------------------------------- rules


def _check_coverage(cases: pd.DataFrame, providers: pd.DataFrame, plan: pd.DataFrame) -> list[Violation]:
    """Rule ``plan_covers_each_case_once`` (plus malformed assigned rows)."""
    rule = "plan_covers_each_case_once"
    out: list[Violation] = []
    counts = plan["case_id"].value_counts()
    n = cases["case_id"].map(counts).fillna(0).astype(int)
    missing = cases[n == 0].assign(provider_id="")
    out += _violations(missing, rule, "case of cases.csv is missing from the plan")
    dup = cases[n > 1].assign(provider_id="")
    out += _violations(dup, rule, [f"case appears {k} times in the plan" for k in n[n > 1]])
    unknown_case = plan[~plan["case_id"].isin(cases["case_id"])]
    out += _violations(unknown_case, rule, [f"plan row {r + 2}: unknown case id" for r in unknown_case["row"]])
    assigned = plan[plan["provider_id"] != ""]
    unknown_prov = assigned[~assigned["provider_id"].isin(providers["provider_id"])]
    out += _violations(unknown_prov, rule, "unknown provider id")
    bad_date = assigned[assigned["assigned_date"].isna()]
    out += _violations(
        bad_date, rule, [f"assigned case has missing or invalid assigned_date {t!r}" for t in bad_date["assigned_date_text"]]
    )
    return out


def _check_qualifications(a: pd.DataFrame) -> list[Violation]:
    """Rules on single (case, provider) pairs: lawyer kinds, experience, minors, pinning, received date."""
    out: list[Violation] = []
    is_lawyer = a["provider_kind"].isin(LAWYER_KINDS)

    rows = a[a["case_kind"].isin(CRIMINAL_CASE_KINDS) & ~is_lawyer]
    out += _violations(rows, "criminal_defence_by_lawyer",
                       [f"{k} case assigned to a {pk}" for k, pk in zip(rows["case_kind"], rows["provider_kind"], strict=True)])

    serious = ((a["case_kind"] == "criminal_defence") & a["possible_sentence"].isin(SERIOUS_SENTENCES)) | (
        a["case_kind"] == "death_penalty_review"
    )
    rows = a[serious & ~(is_lawyer & (a["criminal_years"] >= MIN_SERIOUS_CRIMINAL_YEARS))]
    out += _violations(rows, "serious_case_experienced_lawyer", [
        f"serious case needs a lawyer with criminal_years >= {_fmt_num(MIN_SERIOUS_CRIMINAL_YEARS)}; "
        f"provider is a {pk} with {_fmt_num(y)} years"
        for pk, y in zip(rows["provider_kind"], rows["criminal_years"], strict=True)
    ])

    rows = a[a["minor"] & ~a["minors_familiar"]]
    out += _violations(rows, "minor_needs_minor_familiar", "case of a minor assigned to a provider not minors_familiar")

    rows = a[(a["pinned_provider"] != "") & (a["pinned_provider"] != a["provider_id"])]
    out += _violations(rows, "pinned_provider_respected",
                       [f"case is pinned to {p}" for p in rows["pinned_provider"]])

    dated = a[a["assigned_date"].notna()]
    rows = dated[dated["assigned_date"] < dated["received_date"]]
    out += _violations(rows, "assigned_not_before_received", [
        f"assigned {_fmt_date(d)} before received {_fmt_date(r)}"
        for d, r in zip(rows["assigned_date"], rows["received_date"], strict=True)
    ])
    return out


def _check_codefendants(a: pd.DataFrame) -> list[Violation]:
    """Rule ``codefendants_separate_lawyers``: one violation per case of a shared (provider, group)."""
    grouped = a[a["codefendant_group"] != ""]
    size = grouped.groupby(["provider_id", "codefendant_group"])["case_id"].transform("size")
    rows = grouped[size > 1]
    return _violations(rows, "codefendants_separate_lawyers", [
        f"provider has {k} cases of codefendant group {g}"
        for k, g in zip(size[size > 1], rows["codefendant_group"], strict=True)
    ])


def _check_conflicts(a: pd.DataFrame) -> list[Violation]:
    """Rule ``no_conflict_of_interest``: a party of the case is among the provider's conflict parties."""
    pairs = a[["case_id", "provider_id", "party_ids", "conflict_parties"]].drop_duplicates(["case_id", "provider_id"])
    parties = _long(pairs["case_id"], pairs["party_ids"], "party")
    conflicts = _long(pairs["provider_id"], pairs["conflict_parties"], "party")
    hits = (
        pairs[["case_id", "provider_id"]]
        .merge(parties, on="case_id")
        .merge(conflicts, on=["provider_id", "party"])
        .groupby(["case_id", "provider_id"], as_index=False)["party"]
        .agg(lambda s: ";".join(sorted(set(s))))
    )
    return _violations(hits, "no_conflict_of_interest", [f"conflicting part(y/ies) {p}" for p in hits["party"]])


def _check_languages(a: pd.DataFrame) -> list[Violation]:
    """Rule ``speaks_required_language``: a non-Mandarin case language must be among the provider's."""
    need = a[(a["language"] != "") & (a["language"] != MANDARIN)]
    pairs = need[["case_id", "provider_id", "language", "languages"]].drop_duplicates(["case_id", "provider_id"])
    spoken = _long(pairs["provider_id"], pairs["languages"], "language")
    spoken["language"] = spoken["language"].str.lower()
    spoken = spoken.drop_duplicates()
    m = pairs.merge(spoken, on=["provider_id", "language"], how="left", indicator=True)
    rows = m[m["_merge"] == "left_only"]
    return _violations(rows, "speaks_required_language", [f"case needs language {x}" for x in rows["language"]])


def _check_availability(a: pd.DataFrame) -> list[Violation]:
    """Rule ``available_on_date``: the assigned date is not one of the provider's unavailable dates."""
    dated = a[a["assigned_date"].notna()]
    provs = dated[["provider_id", "unavailable_dates"]].drop_duplicates("provider_id")
    off = _long(provs["provider_id"], provs["unavailable_dates"], "assigned_date")
    off["assigned_date"] = _dates(off["assigned_date"])
    off = off.dropna().drop_duplicates()
    rows = dated.merge(off, on=["provider_id", "assigned_date"])
    return _violations(rows, "available_on_date",
                       [f"provider unavailable on {_fmt_date(d)}" for d in rows["assigned_date"]])


def _check_capacity(a: pd.DataFrame) -> list[Violation]:
    """Rule ``within_capacity``: open_load + effort assigned up to each plan date <= capacity.

    Cases do not close during a plan, so the load on date ``d`` counts every case of the provider assigned on or
    before ``d``. Each case assigned on a date where the load exceeds capacity is reported.
    """
    dated = a[a["assigned_date"].notna()]
    per_day = (
        dated.groupby(["provider_id", "assigned_date"], as_index=False)["effort"].sum().sort_values(
            ["provider_id", "assigned_date"])
    )
    per_day["load"] = per_day.groupby("provider_id")["effort"].cumsum()
    limits = dated[["provider_id", "open_load", "capacity"]].drop_duplicates("provider_id")
    per_day = per_day.merge(limits, on="provider_id")
    per_day["load"] += per_day["open_load"]
    over = per_day[per_day["load"] > per_day["capacity"]]
    rows = dated.drop(columns=["open_load", "capacity"]).merge(
        over[["provider_id", "assigned_date", "load", "open_load", "capacity"]], on=["provider_id", "assigned_date"]
    )
    return _violations(rows, "within_capacity", [
        f"load {_fmt_num(ld)} (open {_fmt_num(o)}) exceeds capacity {_fmt_num(c)} on {_fmt_date(d)}"
        for ld, o, c, d in zip(rows["load"], rows["open_load"], rows["capacity"], rows["assigned_date"], strict=True)
    ])


def derive_tiers(
    pairs: pd.DataFrame,
    providers: pd.DataFrame,
    counties: pd.DataFrame,
    policies: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """Re-derive the tier each (case, provider) pair is served at, per the pooling policy.

    Parameters
    ----------
    pairs : DataFrame
        Columns ``centre_id``, ``county``, ``case_kind``, ``home_county``, ``remote_ok``.
    providers : DataFrame
        All providers (columns ``provider_kind``, ``home_county``), used to count lawyers per county.
    counties : DataFrame
        Columns ``adcode``, ``province``, ``city``, ``population``.
    policies : mapping
        Effective policy per centre (see :func:`centre_policies`).

    Returns
    -------
    DataFrame
        ``pairs`` (same index) plus ``physical`` (home/city/province/partner or ""), ``scarce`` (bool),
        ``remote_possible`` (bool) and ``derived_tier`` ("" when the pair is not eligible).
    """
    x = pairs.copy()
    place = counties.set_index("adcode")
    x["case_province"] = x["county"].map(place["province"])
    x["case_city"] = x["county"].map(place["city"])
    x["case_population"] = x["county"].map(place["population"])
    x["prov_province"] = x["home_county"].map(place["province"])
    x["prov_city"] = x["home_county"].map(place["city"])

    lawyers = providers.loc[providers["provider_kind"].isin(LAWYER_KINDS), "home_county"].value_counts()
    n_lawyers = x["county"].map(lawyers).fillna(0).astype(float)
    threshold = x["centre_id"].map({c: float(p["scarce_threshold_per_10k"]) for c, p in policies.items()})
    # lawyers / population * 10000 < threshold, written without division so exact boundaries stay exact.
    x["scarce"] = (n_lawyers * 10_000 < threshold * x["case_population"]).to_numpy(dtype=bool)

    partners = pd.DataFrame(
        [(c, str(pr)) for c, p in policies.items() for pr in p["partners"]], columns=["centre_id", "prov_province"]
    ).drop_duplicates()
    is_partner = _membership(x, partners, ["centre_id", "prov_province"])
    same_province = x["case_province"] == x["prov_province"]
    x["physical"] = np.select(
        [
            x["home_county"] == x["county"],
            same_province & (x["case_city"] == x["prov_city"]),
            same_province,
            is_partner,
        ],
        ["home", "city", "province", "partner"],
        default="",
    )

    remote_kinds = pd.DataFrame(
        [(c, str(k)) for c, p in policies.items() for k in p["remote_case_kinds"]], columns=["centre_id", "case_kind"]
    ).drop_duplicates()
    x["remote_possible"] = x["remote_ok"].to_numpy(dtype=bool) & _membership(x, remote_kinds, ["centre_id", "case_kind"])

    allowed = pd.DataFrame(
        [(c, s, str(t)) for c, p in policies.items() for s in (False, True) for t in p["allowed_tiers"]]
        + [(c, True, str(t)) for c, p in policies.items() for t in p["scarce_allowed_tiers"]],
        columns=["centre_id", "scarce", "tier"],
    ).drop_duplicates()
    physical_allowed = (x["physical"] != "") & _membership(
        x.assign(tier=x["physical"]), allowed, ["centre_id", "scarce", "tier"])
    remote_allowed = _membership(x.assign(tier="remote"), allowed, ["centre_id", "scarce", "tier"])
    x["derived_tier"] = np.where(
        physical_allowed, x["physical"], np.where(remote_allowed & x["remote_possible"], "remote", "")
    )
    return x


def _membership(x: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Boolean array: is each row's ``on`` tuple among the rows of ``table``?"""
    if table.empty or x.empty:
        return np.zeros(len(x), dtype=bool)
    keys = x[on].reset_index(drop=True)
    table = table.astype({c: keys[c].dtype for c in on}).drop_duplicates()
    m = keys.merge(table, on=on, how="left", indicator=True)
    return (m["_merge"] == "both").to_numpy()


def _check_pooling(
    a: pd.DataFrame, providers: pd.DataFrame, counties: pd.DataFrame, policies: Mapping[str, Mapping[str, Any]]
) -> list[Violation]:
    """Rule ``pooling_policy_allows_tier``: the pair is eligible and the plan's tier is the re-derived one."""
    x = derive_tiers(a, providers, counties, policies)
    rule = "pooling_policy_allows_tier"
    out: list[Violation] = []
    rows = x[x["derived_tier"] == ""]
    out += _violations(rows, rule, [
        f"no allowed tier (physical tier {ph or 'none'}, county {'lawyer-scarce' if s else 'not lawyer-scarce'}, "
        f"remote {'possible' if r else 'not possible'}, centre {c})"
        for ph, s, r, c in zip(rows["physical"], rows["scarce"], rows["remote_possible"], rows["centre_id"], strict=True)
    ])
    rows = x[(x["derived_tier"] != "") & (x["derived_tier"] != x["tier"])]
    out += _violations(rows, rule, [
        f"plan says tier {t!r} but the re-derived tier is {d!r}"
        for t, d in zip(rows["tier"], rows["derived_tier"], strict=True)
    ])
    return out


# ----------------------------------------------------------------------------------------------------- entry points


def check_frames(
    cases_df: pd.DataFrame,
    providers_df: pd.DataFrame,
    plan_df: pd.DataFrame,
    policy: Mapping[str, Any],
    counties_df: pd.DataFrame,
) -> list[Violation]:
    """Check a plan given as frames; see :func:`check_plan`.

    Parameters
    ----------
    cases_df, providers_df, plan_df : DataFrame
        Tables with the columns of ``docs/formats.md``. Cells may be text as in the files (``a;b`` lists,
        ``true``/``false``) or already typed (lists, bools, numbers).
    policy : mapping
        Parsed ``policy.json``.
    counties_df : DataFrame
        County table with at least ``adcode, province, city, population``.

    Returns
    -------
    list of Violation
        Sorted by rule, case id, provider id and detail; empty when the plan obeys every hard rule.

    Raises
    ------
    ValueError
        When an input table or the policy is malformed.
    """
    counties = _prepare_counties(counties_df)
    cases = _prepare_cases(cases_df, counties["adcode"])
    providers = _prepare_providers(providers_df, counties["adcode"])
    plan = _prepare_plan(plan_df)
    policies = centre_policies(policy, cases["centre_id"].unique())

    out = _check_coverage(cases, providers, plan)

    # Assigned rows whose case and provider are known: every pair rule is checked on these.
    a = plan[plan["provider_id"] != ""].merge(cases, on="case_id").merge(providers, on="provider_id")
    out += _check_qualifications(a)
    out += _check_codefendants(a)
    out += _check_conflicts(a)
    out += _check_languages(a)
    out += _check_capacity(a)
    out += _check_availability(a)
    out += _check_pooling(a, providers, counties, policies)
    return sorted(out)


def check_plan(
    cases_csv: str | Path | pd.DataFrame,
    providers_csv: str | Path | pd.DataFrame,
    plan_csv: str | Path | pd.DataFrame,
    policy_json: str | Path | Mapping[str, Any],
    counties_csv: str | Path | pd.DataFrame = DEFAULT_COUNTIES_CSV,
) -> list[Violation]:
    """Check an assignment plan against every hard rule, from the files alone.

    Parameters
    ----------
    cases_csv, providers_csv, plan_csv : path or DataFrame
        ``cases.csv``, ``providers.csv`` and ``plan.csv`` (see ``docs/formats.md``).
    policy_json : path or mapping
        ``policy.json``.
    counties_csv : path or DataFrame, optional
        County file; defaults to ``models/data/counties_2020.csv`` (read as data, not via the engine).

    Returns
    -------
    list of Violation
        Sorted; empty when the plan obeys every hard rule. Rule ids are those of :data:`RULES`.
    """
    return check_frames(
        _read_csv(cases_csv),
        _read_csv(providers_csv),
        _read_csv(plan_csv),
        _read_policy(policy_json),
        _read_csv(counties_csv),
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: print violations as tab-separated lines; exit status 1 when there are any."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (4, 5):
        print("usage: checker.py cases.csv providers.csv plan.csv policy.json [counties.csv]", file=sys.stderr)
        return 2
    violations = check_plan(*args)
    for v in violations:
        print(f"{v.rule}\t{v.case_id}\t{v.provider_id}\t{v.detail}")
    print(f"{len(violations)} violation(s)", file=sys.stderr)
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())

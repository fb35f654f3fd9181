"""Tests of the independent plan checker ``tests/checker.py``.

A tiny hand-made world (real adcodes of the 2020 county file) with one valid plan; each test then breaks exactly
one hard rule and expects exactly that rule id, or checks a boundary that must pass.

Counties used: 150102 新城区 and 150103 回民区 (both 呼和浩特市, 内蒙古), 150202 东河区 (包头市, 内蒙古),
110101 东城区 (北京市).
"""

from __future__ import annotations

import copy
import csv
import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

try:  # tests/ may or may not become a package
    from tests.checker import RULES, Violation, check_frames, check_plan
except ImportError:  # pragma: no cover - depends on sys.path layout
    from checker import RULES, Violation, check_frames, check_plan

COUNTIES_CSV = Path(__file__).resolve().parents[1] / "models" / "data" / "counties_2020.csv"
ADCODES = (150102, 150103, 150202, 110101)

PROVIDER_FIELDS = (
    "provider_id", "kind", "home_county", "specialties", "criminal_years", "languages", "minors_familiar",
    "open_load", "capacity", "unavailable_dates", "remote_ok", "conflict_parties", "recent_assignments",
)
CASE_FIELDS = (
    "case_id", "centre_id", "county", "kind", "stage", "possible_sentence", "minor", "language",
    "codefendant_group", "party_ids", "effort", "received_date", "deadline", "priority_groups", "specialty",
    "previous_provider", "pinned_provider",
)
PLAN_FIELDS = ("case_id", "provider_id", "assigned_date", "tier", "travel_km", "cost")


def _provider(pid: str, kind: str, home: int, **kw: Any) -> dict[str, Any]:
    row = {
        "provider_id": pid, "kind": kind, "home_county": home, "specialties": "civil;criminal",
        "criminal_years": 0, "languages": "", "minors_familiar": "false", "open_load": 0, "capacity": 10,
        "unavailable_dates": "", "remote_ok": "false", "conflict_parties": "", "recent_assignments": 0,
    }
    row.update(kw)
    return row


def _case(cid: str, kind: str, **kw: Any) -> dict[str, Any]:
    criminal = kind == "criminal_defence"
    row = {
        "case_id": cid, "centre_id": "C1", "county": 150102, "kind": kind,
        "stage": "trial" if criminal else ("review" if kind == "death_penalty_review" else "none"),
        "possible_sentence": "fixed_term" if criminal else "none", "minor": "false", "language": "",
        "codefendant_group": "", "party_ids": f"R-{cid}", "effort": 1, "received_date": "2024-03-01",
        "deadline": "2024-03-04", "priority_groups": "", "specialty": "", "previous_provider": "",
        "pinned_provider": "",
    }
    row.update(kw)
    return row


def _assign(cid: str, pid: str = "", tier: str = "", date: str = "2024-03-02") -> dict[str, Any]:
    if not pid:
        return {"case_id": cid, "provider_id": "", "assigned_date": "", "tier": "", "travel_km": "", "cost": 500}
    return {"case_id": cid, "provider_id": pid, "assigned_date": date, "tier": tier, "travel_km": 0, "cost": 0}


def base_world() -> dict[str, Any]:
    """A valid world: every hard rule is exercised and satisfied (several exactly at their boundary)."""
    providers = [
        # criminal_years exactly 3 and open_load + K1 effort exactly = capacity: both boundaries pass.
        _provider("P1", "lawyer", 150102, criminal_years=3, languages="mn", minors_familiar="true", open_load=2,
                  capacity=5, unavailable_dates="2024-03-05;2024-03-09", conflict_parties="X9;Y7"),
        _provider("P2", "staff_lawyer", 150103),                      # same city as 150102
        _provider("P3", "grassroots_worker", 150102, remote_ok="true"),
        _provider("P4", "lawyer", 150202, remote_ok="true"),          # same province, other city
        _provider("P5", "lawyer", 110101, remote_ok="true"),          # 北京市: partner province of centre C2
        _provider("P6", "volunteer", 150102),
    ]
    cases = [
        _case("K1", "criminal_defence", possible_sentence="life", minor="true", language="mn",
              codefendant_group="G1", party_ids="A1;B1", effort=3),
        _case("K2", "criminal_defence", codefendant_group="G1", party_ids="A2;B1", effort=2),
        _case("K3", "civil", language="zh"),
        _case("K4", "wage_claim", pinned_provider="P6"),
        _case("K5", "civil", minor="true", language="ug"),            # stays unassigned: no rule but coverage
        _case("K6", "administrative", centre_id="C2"),
        _case("K7", "civil", centre_id="C2"),
    ]
    plan = [
        _assign("K1", "P1", "home"),
        _assign("K2", "P2", "city"),
        _assign("K3", "P3", "home", date="2024-03-01"),               # assigned on the received date
        _assign("K4", "P6", "home"),
        _assign("K5"),
        _assign("K6", "P4", "remote"),                                # province tier not allowed -> remote
        _assign("K7", "P5", "partner"),
    ]
    policy = {
        "default": {
            "allowed_tiers": ["home", "city"],
            "scarce_allowed_tiers": ["home", "city", "province", "remote"],
            "scarce_threshold_per_10k": 0.0,                          # nothing is lawyer-scarce by default
            "tier_cost": {"home": 0, "city": 60, "province": 200, "partner": 300, "remote": 150},
            "partners": [],
            "remote_case_kinds": ["civil", "administrative", "wage_claim", "death_penalty_review"],
        },
        # Overrides two fields; scarce_* and remote_case_kinds are inherited from the default.
        "centres": {"C2": {"allowed_tiers": ["home", "city", "partner", "remote"], "partners": ["北京市"]}},
    }
    return {"providers": providers, "cases": cases, "plan": plan, "policy": policy}


def _row(rows: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(r for r in rows if r[key] == value)


def _write_csv(path: Path, fields: tuple[str, ...], rows: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


@functools.cache
def _counties_subset() -> pd.DataFrame:
    df = pd.read_csv(COUNTIES_CSV, dtype=str, keep_default_na=False)
    return df[df["adcode"].astype(int).isin(ADCODES)].reset_index(drop=True)


@pytest.fixture
def counties_rows() -> pd.DataFrame:
    """The four real counties used by the fixtures, rows copied from the county file (keeps tests fast)."""
    return _counties_subset().copy()


@pytest.fixture
def world() -> dict[str, Any]:
    return copy.deepcopy(base_world())


def run(tmp_path: Path, w: dict[str, Any], counties: pd.DataFrame | Path | None = None) -> list[Violation]:
    """Write the world to files in ``tmp_path`` and check the plan from the files.

    ``counties`` defaults to the four fixture rows of the real county file.
    """
    if counties is None:
        counties = _counties_subset()
    policy_path = tmp_path / "policy.json"
    policy_path.write_text(json.dumps(w["policy"], ensure_ascii=False), encoding="utf-8")
    if isinstance(counties, pd.DataFrame):
        counties_path = tmp_path / "counties.csv"
        counties.to_csv(counties_path, index=False)
    else:
        counties_path = counties
    return check_plan(
        _write_csv(tmp_path / "cases.csv", CASE_FIELDS, w["cases"]),
        _write_csv(tmp_path / "providers.csv", PROVIDER_FIELDS, w["providers"]),
        _write_csv(tmp_path / "plan.csv", PLAN_FIELDS, w["plan"]),
        policy_path,
        counties_path,
    )


def rules_of(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


# ----------------------------------------------------------------------------------------------------- valid plan


def test_valid_plan_has_no_violations(tmp_path: Path, world: dict[str, Any]) -> None:
    """The hand-made valid plan (boundaries included) yields no violation, with the full real county file."""
    assert run(tmp_path, world, COUNTIES_CSV) == []


def test_frames_api_matches_files(world: dict[str, Any], counties_rows: pd.DataFrame) -> None:
    """check_frames on in-memory frames agrees with check_plan on files (valid plan -> no violations)."""
    frames = [pd.DataFrame(world[k]) for k in ("cases", "providers", "plan")]
    assert check_frames(*frames, world["policy"], counties_rows) == []
    _row(world["plan"], "case_id", "K3")["provider_id"] = "P4"
    frames = [pd.DataFrame(world[k]) for k in ("cases", "providers", "plan")]
    assert rules_of(check_frames(*frames, world["policy"], counties_rows)) == {"pooling_policy_allows_tier"}


def test_frames_accept_typed_cells(world: dict[str, Any], counties_rows: pd.DataFrame) -> None:
    """Frames with real lists, booleans and numbers are read like their text form (here: a conflict is found)."""
    cases, providers, plan = (pd.DataFrame(world[k]) for k in ("cases", "providers", "plan"))
    cases["party_ids"] = cases["party_ids"].str.split(";")
    cases["minor"] = cases["minor"] == "true"
    providers["conflict_parties"] = [["B1"], [], [], [], [], []]
    providers["remote_ok"] = providers["remote_ok"] == "true"
    providers["minors_familiar"] = (providers["minors_familiar"] == "true").astype(int)
    vs = check_frames(cases, providers, plan, world["policy"], counties_rows)
    assert [(v.rule, v.case_id) for v in vs] == [("no_conflict_of_interest", "K1")]


def test_every_rule_id_is_known() -> None:
    """The rule ids are exactly those of the brief (guards against typos in the constant)."""
    assert len(RULES) == 12 and len(set(RULES)) == 12


# ----------------------------------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("breakage", ["missing", "duplicate", "unknown_case", "unknown_provider", "no_date"])
def test_plan_covers_each_case_once(tmp_path: Path, world: dict[str, Any], breakage: str) -> None:
    """A case left out, listed twice, an unknown case / provider id or an undated assignment breaks coverage."""
    plan = world["plan"]
    if breakage == "missing":
        plan.remove(_row(plan, "case_id", "K5"))
    elif breakage == "duplicate":
        plan.append(_assign("K5"))
    elif breakage == "unknown_case":
        plan.append(_assign("K99"))
    elif breakage == "unknown_provider":
        _row(plan, "case_id", "K5").update(_assign("K5", "P99", "home"))
    else:
        _row(plan, "case_id", "K3")["assigned_date"] = ""
    vs = run(tmp_path, world)
    assert rules_of(vs) == {"plan_covers_each_case_once"}
    assert len(vs) == 1


def test_unassigned_case_breaks_no_other_rule(tmp_path: Path, world: dict[str, Any]) -> None:
    """An unassigned case that is pinned, serious, of a minor and needs a language breaks nothing."""
    _row(world["cases"], "case_id", "K5").update(kind="death_penalty_review", pinned_provider="P1")
    assert run(tmp_path, world) == []


# ----------------------------------------------------------------------------------------------------- qualifications


def test_criminal_defence_by_lawyer(tmp_path: Path, world: dict[str, Any]) -> None:
    """A (non-serious) criminal defence given to a grassroots worker breaks only criminal_defence_by_lawyer."""
    _row(world["plan"], "case_id", "K2").update(_assign("K2", "P3", "home"))
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id, v.provider_id) for v in vs] == [("criminal_defence_by_lawyer", "K2", "P3")]


@pytest.mark.parametrize("kind", ["staff_lawyer", "volunteer_lawyer"])
def test_all_lawyer_kinds_may_defend(tmp_path: Path, world: dict[str, Any], kind: str) -> None:
    """Staff lawyers and volunteer lawyers count as lawyers for criminal defence."""
    _row(world["providers"], "provider_id", "P2")["kind"] = kind
    assert run(tmp_path, world) == []


def test_serious_case_needs_three_years(tmp_path: Path, world: dict[str, Any]) -> None:
    """A life-sentence defence by a lawyer with 2.9 criminal years breaks serious_case_experienced_lawyer only."""
    _row(world["providers"], "provider_id", "P1")["criminal_years"] = 2.9
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("serious_case_experienced_lawyer", "K1")]


def test_death_penalty_review_needs_experienced_lawyer(tmp_path: Path, world: dict[str, Any]) -> None:
    """A death-penalty review needs >= 3 criminal years regardless of possible_sentence; exactly 3 passes."""
    world["cases"].append(_case("K8", "death_penalty_review"))
    world["plan"].append(_assign("K8", "P2", "city"))
    assert rules_of(run(tmp_path, world)) == {"serious_case_experienced_lawyer"}
    _row(world["providers"], "provider_id", "P2")["criminal_years"] = 3
    assert run(tmp_path, world) == []


def test_minor_needs_minor_familiar(tmp_path: Path, world: dict[str, Any]) -> None:
    """A minor's case given to a provider not minors_familiar breaks minor_needs_minor_familiar only."""
    _row(world["providers"], "provider_id", "P1")["minors_familiar"] = "no"
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("minor_needs_minor_familiar", "K1")]


def test_codefendants_separate_lawyers(tmp_path: Path, world: dict[str, Any]) -> None:
    """Two codefendants of group G1 with the same lawyer break codefendants_separate_lawyers (both reported)."""
    _row(world["providers"], "provider_id", "P1")["capacity"] = 20
    _row(world["plan"], "case_id", "K2").update(_assign("K2", "P1", "home"))
    vs = run(tmp_path, world)
    assert rules_of(vs) == {"codefendants_separate_lawyers"}
    assert {v.case_id for v in vs} == {"K1", "K2"}


def test_conflict_of_interest(tmp_path: Path, world: dict[str, Any]) -> None:
    """A case party listed in the provider's conflict_parties breaks no_conflict_of_interest only."""
    _row(world["providers"], "provider_id", "P1")["conflict_parties"] = "X9;B1"
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id, v.provider_id) for v in vs] == [("no_conflict_of_interest", "K1", "P1")]


def test_speaks_required_language(tmp_path: Path, world: dict[str, Any]) -> None:
    """A Mongolian-speaking recipient with a provider without `mn` breaks speaks_required_language only."""
    _row(world["providers"], "provider_id", "P1")["languages"] = "bo;ug"
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("speaks_required_language", "K1")]


def test_capacity_exceeded_on_later_date(tmp_path: Path, world: dict[str, Any]) -> None:
    """P1 is exactly full on 03-02 (passes); one more effort unit on 03-03 breaks within_capacity for that case only."""
    world["cases"].append(_case("K8", "civil"))
    world["plan"].append(_assign("K8", "P1", "home", date="2024-03-03"))
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("within_capacity", "K8")]


def test_capacity_counts_earlier_dates_only(tmp_path: Path, world: dict[str, Any]) -> None:
    """Load on a date counts cases assigned on or before it: a late case does not make an earlier one over."""
    _row(world["providers"], "provider_id", "P1")["capacity"] = 6
    world["cases"].append(_case("K8", "civil", effort=2))
    world["plan"].append(_assign("K8", "P1", "home", date="2024-03-03"))
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("within_capacity", "K8")]


def test_available_on_date(tmp_path: Path, world: dict[str, Any]) -> None:
    """Assigning on one of the provider's unavailable dates breaks available_on_date only."""
    _row(world["providers"], "provider_id", "P1")["unavailable_dates"] = "2024-03-02;2024-03-09"
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("available_on_date", "K1")]


def test_pinned_provider_respected(tmp_path: Path, world: dict[str, Any]) -> None:
    """A case pinned to P6 but given to P3 breaks pinned_provider_respected only."""
    _row(world["plan"], "case_id", "K4").update(_assign("K4", "P3", "home"))
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id, v.provider_id) for v in vs] == [("pinned_provider_respected", "K4", "P3")]


def test_assigned_not_before_received(tmp_path: Path, world: dict[str, Any]) -> None:
    """An assignment dated the day before the case was received breaks assigned_not_before_received only."""
    _row(world["plan"], "case_id", "K3")["assigned_date"] = "2024-02-29"
    vs = run(tmp_path, world)
    assert [(v.rule, v.case_id) for v in vs] == [("assigned_not_before_received", "K3")]


# ----------------------------------------------------------------------------------------------------- pooling


def _only_pooling(vs: list[Violation], case_id: str) -> None:
    assert [(v.rule, v.case_id) for v in vs] == [("pooling_policy_allows_tier", case_id)]


def test_city_tier_not_allowed(tmp_path: Path, world: dict[str, Any]) -> None:
    """A centre override allowing only `home` makes the same-city pair K2-P2 ineligible."""
    world["policy"]["centres"]["C1"] = {"allowed_tiers": ["home"]}
    _only_pooling(run(tmp_path, world), "K2")


def test_plan_tier_must_match_derived_tier(tmp_path: Path, world: dict[str, Any]) -> None:
    """An eligible pair labelled with the wrong tier (city pair written as home) is reported."""
    _row(world["plan"], "case_id", "K2")["tier"] = "home"
    vs = run(tmp_path, world)
    _only_pooling(vs, "K2")
    assert "'city'" in vs[0].detail


def test_province_tier_needs_scarcity(tmp_path: Path, world: dict[str, Any]) -> None:
    """Same-province, other-city pair: ineligible when not scarce, served at `province` when the county is scarce.

    The threshold is overridden for centre C1 only, so C2's case K6 in the same county keeps its remote tier.
    """
    _row(world["plan"], "case_id", "K3").update(_assign("K3", "P4", "province"))
    _only_pooling(run(tmp_path, world), "K3")
    world["policy"]["centres"]["C1"] = {"scarce_threshold_per_10k": 1.0}  # 1 lawyer in 699,672 residents
    assert run(tmp_path, world) == []


def test_scarcity_prefers_physical_tier(tmp_path: Path, world: dict[str, Any]) -> None:
    """When scarce, a remote-capable province pair is served at `province` (physical first), not `remote`."""
    world["policy"]["centres"]["C1"] = {"scarce_threshold_per_10k": 1.0}
    _row(world["plan"], "case_id", "K3").update(_assign("K3", "P4", "remote"))
    vs = run(tmp_path, world)
    _only_pooling(vs, "K3")
    assert "'province'" in vs[0].detail


@pytest.mark.parametrize(
    ("population", "extra_lawyer", "scarce"),
    [
        (20_000, None, False),                  # 1 lawyer / 20,000 = 0.5 per 10k, threshold 0.5: not below
        (20_001, None, True),                   # just below the threshold
        (20_000, "grassroots_worker", False),   # non-lawyers do not count: still exactly 0.5
        (40_000, "grassroots_worker", True),    # 0.25 < 0.5, the worker does not lift it
        (40_000, "volunteer_lawyer", False),    # 2 lawyers / 40,000 = 0.5: volunteer lawyers count
    ],
)
def test_lawyer_scarce_threshold(
    tmp_path: Path, world: dict[str, Any], counties_rows: pd.DataFrame,
    population: int, extra_lawyer: str | None, scarce: bool,
) -> None:
    """Scarce iff lawyers (lawyer/staff/volunteer lawyer kinds) per 10k residents < threshold; equality is not scarce."""
    counties = counties_rows.copy()
    counties.loc[counties["adcode"] == "150102", "population"] = str(population)
    world["policy"]["centres"]["C1"] = {"scarce_threshold_per_10k": 0.5}  # C2 (case K6) stays not scarce
    if extra_lawyer:
        world["providers"].append(_provider("P7", extra_lawyer, 150102))
    _row(world["plan"], "case_id", "K3").update(_assign("K3", "P4", "province"))
    vs = run(tmp_path, world, counties)
    if scarce:
        assert vs == []
    else:
        _only_pooling(vs, "K3")


def test_remote_requires_remote_ok(tmp_path: Path, world: dict[str, Any]) -> None:
    """A remote pair whose provider lacks remote_ok is ineligible."""
    _row(world["providers"], "provider_id", "P4")["remote_ok"] = "false"
    _only_pooling(run(tmp_path, world), "K6")


def test_remote_case_kinds_inherited_from_default(tmp_path: Path, world: dict[str, Any]) -> None:
    """Centre C2 does not override remote_case_kinds, so emptying the default's list forbids its remote pair."""
    world["policy"]["default"]["remote_case_kinds"] = ["civil"]
    _only_pooling(run(tmp_path, world), "K6")


def test_remote_needs_case_kind(tmp_path: Path, world: dict[str, Any]) -> None:
    """Criminal defence is not a remote case kind: a remote-capable out-of-city lawyer is ineligible."""
    world["cases"].append(_case("K8", "criminal_defence", centre_id="C2"))
    world["plan"].append(_assign("K8", "P4", "remote"))
    _only_pooling(run(tmp_path, world), "K8")


def test_partner_province_by_name(tmp_path: Path, world: dict[str, Any]) -> None:
    """Without 北京市 among C2's partners the Beijing provider falls back to remote, so `partner` is wrong."""
    world["policy"]["centres"]["C2"]["partners"] = []
    vs = run(tmp_path, world)
    _only_pooling(vs, "K7")
    assert "'remote'" in vs[0].detail


def test_partner_not_allowed_and_no_remote(tmp_path: Path, world: dict[str, Any]) -> None:
    """A partner-province provider without remote_ok under a policy not allowing `partner` is ineligible."""
    world["policy"]["centres"]["C2"]["allowed_tiers"] = ["home", "city", "remote"]
    _row(world["providers"], "provider_id", "P5")["remote_ok"] = "false"
    _only_pooling(run(tmp_path, world), "K7")


# ----------------------------------------------------------------------------------------------------- inputs


def test_bad_input_raises(tmp_path: Path, world: dict[str, Any]) -> None:
    """Malformed inputs (unknown county, bad boolean) raise ValueError instead of yielding violations."""
    _row(world["providers"], "provider_id", "P6")["home_county"] = 999999
    with pytest.raises(ValueError, match="home_county"):
        run(tmp_path, world)
    world = base_world()
    _row(world["cases"], "case_id", "K1")["minor"] = "maybe"
    with pytest.raises(ValueError, match="minor"):
        run(tmp_path, world)

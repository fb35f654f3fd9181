"""Independent checker of "1+1" deployment plans (docs/deployment.md).

Reads a benchmark instance (JSON) and a solution (JSON) and nothing else: it re-derives every eligibility rule
from the raw fields, re-checks every hard rule in force and recomputes the objective and the points of each
soft term. It imports nothing from ``models/`` or ``optimizer/`` and uses only the standard library, so it can
be copied out of the project.

    python tests/deployment_checker.py INSTANCE.json SOLUTION.json
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EARTH_RADIUS_KM = 6371.0088
STRUCTURAL = ("one_county_per_volunteer", "county_places")
ELIGIBILITY = ("receiving_province", "available_for_stint", "in_province_stint", "accepted_province",
               "high_altitude_clearance")
HARD = STRUCTURAL + ELIGIBILITY + ("partner_serves_with_lawyer", "lawyer_paired_where_possible",
                                   "minority_language_speaker", "provincial_team_leader")
TERMS = ("need_weighted_coverage", "preference_rank", "continuity_handover", "specialty_fit", "travel_from_home",
         "pairing_agreement")
DEFAULT_WEIGHTS = {"need_weighted_coverage": 1, "preference_rank": 400, "continuity_handover": 300,
                   "specialty_fit": 5, "travel_from_home": 10, "pairing_agreement": 800}


@dataclass
class CheckResult:
    """Violations (rule id, entity, reason), the recomputed objective and term points."""

    violations: list[tuple[str, str, str]] = field(default_factory=list)
    objective: int = 0
    term_totals: dict[str, int] = field(default_factory=dict)
    claimed_objective: int | None = None

    @property
    def ok(self) -> bool:
        """No hard rule broken and the claimed objective (if any) equals the recomputed one."""
        return not self.violations and (self.claimed_objective is None or self.claimed_objective == self.objective)

    def rules_broken(self) -> set[str]:
        return {v[0] for v in self.violations}


def _load(obj: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return json.loads(Path(obj).read_text(encoding="utf-8"))


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2) - math.radians(lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def coverage_curve(units: int, breaks: list[int], slopes: list[int]) -> int:
    total, start = 0, 0
    for t, slope in enumerate(slopes):
        end = breaks[t] if t < len(breaks) else None
        width = units - start if end is None else min(units, end) - start
        total += slope * max(0, width)
        if end is None or units <= end:
            break
        start = end
    return total


class _Instance:
    """The instance with the per-pair quantities the rules need."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != "legalaid-deployment/1":
            raise ValueError(f"instance format: {data.get('format')!r}")
        self.st = data["settings"]
        self.counties = {c["county_id"]: c for c in data["counties"]}
        self.volunteers = {v["volunteer_id"]: v for v in data["volunteers"]}
        self.hard = set(self.st.get("hard_rules", HARD)) | set(STRUCTURAL)
        self.weights = dict(DEFAULT_WEIGHTS) | dict(self.st.get("weights", {}))
        self.stint_provinces = set(self.st.get("in_province_stint_provinces", []))
        self.receiving = set(self.st["receiving_provinces"])
        self.agree = {(a["from_province"], to) for a in self.st.get("pairing_agreements", []) for to in a["to_provinces"]}

    @staticmethod
    def is_lawyer(v: dict[str, Any]) -> bool:
        return v["kind"] == "lawyer"

    def places(self, c: dict[str, Any], v: dict[str, Any]) -> int:
        return int(c["places_lawyer"] if self.is_lawyer(v) else c["places_partner"])

    def wish_rank(self, v: dict[str, Any], c: dict[str, Any]) -> int:
        """1-based rank of the first wish the county matches, 0 for none."""
        for r, wish in enumerate(v["preferences"], start=1):
            kind, target = wish.split(":", 1)
            if (kind == "province" and target == c["province"]) or (kind == "county" and target == c["county_id"]):
                return r
        return 0

    def wished_provinces(self, v: dict[str, Any]) -> set[str]:
        out = set()
        for wish in v["preferences"]:
            kind, target = wish.split(":", 1)
            out.add(target if kind == "province" else self.counties[target]["province"])
        return out

    def blocking(self, v: dict[str, Any], c: dict[str, Any]) -> list[str]:
        """Eligibility rules in force (and the class place) that rule out this placement."""
        out = []
        if self.places(c, v) <= 0:
            out.append("county_places")
        months = self.st.get("months_year", 12) if v["stint"] == "year" else self.st.get("months_in_province", 3)
        tests = {
            "receiving_province": c["province"] in self.receiving,
            "available_for_stint": v["available_months"] >= months,
            "in_province_stint": v["stint"] != "in_province"
            or (c["province"] == v["home_province"] and v["home_province"] in self.stint_provinces),
            "accepted_province": v["accepts_any_province"] or c["province"] in self.wished_provinces(v),
            "high_altitude_clearance": (not c["high_altitude"]) or v["medical_clearance"],
        }
        out += [rule for rule, ok in tests.items() if rule in self.hard and not ok]
        return out

    def eligible(self, v: dict[str, Any], c: dict[str, Any]) -> bool:
        return not self.blocking(v, c)


def check(instance: str | Path | dict[str, Any], solution: str | Path | dict[str, Any]) -> CheckResult:
    """Check ``solution`` against ``instance`` (paths or parsed JSON)."""
    inst = _Instance(_load(instance))
    sol = _load(solution)
    res = CheckResult()
    bad = res.violations.append
    if sol.get("format") != "legalaid-deployment-solution/1":
        bad(("format", "solution", f"format {sol.get('format')!r}"))
    st = inst.st
    # --- placements
    county_of: dict[str, str] = {}
    seen = Counter(a["volunteer_id"] for a in sol.get("assignments", []))
    for vid, k in seen.items():
        if k > 1:
            bad(("one_county_per_volunteer", vid, f"placed {k} times"))
    at: dict[str, list[str]] = defaultdict(list)
    for a in sol.get("assignments", []):
        vid, cid = a["volunteer_id"], a["county_id"]
        if vid not in inst.volunteers or cid not in inst.counties:
            bad(("unknown_id", f"{vid}->{cid}", "volunteer or county not in the instance"))
            continue
        v, c = inst.volunteers[vid], inst.counties[cid]
        for rule in inst.blocking(v, c):
            bad((rule, f"{vid}->{cid}", "placement not allowed"))
        county_of[vid] = cid
        at[cid].append(vid)
    lawyers = {cid: sum(inst.is_lawyer(inst.volunteers[x]) for x in vids) for cid, vids in at.items()}
    partners = {cid: len(vids) - lawyers[cid] for cid, vids in at.items()}
    for cid, c in inst.counties.items():
        nl, np_ = lawyers.get(cid, 0), partners.get(cid, 0)
        if nl > c["places_lawyer"] or np_ > c["places_partner"]:
            bad(("county_places", cid, f"{nl} lawyers / {np_} partners for {c['places_lawyer']}/{c['places_partner']}"))
        if "partner_serves_with_lawyer" in inst.hard and np_ > nl:
            bad(("partner_serves_with_lawyer", cid, f"{np_} partners with {nl} lawyers"))
        if "lawyer_paired_where_possible" in inst.hard and nl > np_ and np_ < c["places_partner"]:
            waiting = [vid for vid, v in inst.volunteers.items()
                       if not inst.is_lawyer(v) and vid not in county_of and inst.eligible(v, c)]
            if waiting:
                bad(("lawyer_paired_where_possible", cid, f"{nl} lawyers, {np_} partners; {waiting[0]} stays home"))
        if "minority_language_speaker" in inst.hard and c["language"] and at.get(cid):
            if not any(c["language"] in inst.volunteers[x]["languages"] for x in at[cid]):
                bad(("minority_language_speaker", cid, f"no {c['language']} speaker"))
    # --- team leaders
    leaders: dict[str, str] = {}
    for t in sol.get("team_leaders", []):
        if t["province"] in leaders:
            bad(("provincial_team_leader", t["province"], "two leaders"))
        leaders[t["province"]] = t["volunteer_id"]
    if "provincial_team_leader" in inst.hard:
        with_volunteers = {inst.counties[cid]["province"] for cid, vids in at.items() if vids}
        for prov in with_volunteers | set(leaders):
            vid = leaders.get(prov)
            if vid is None:
                bad(("provincial_team_leader", prov, "volunteers but no leader"))
            elif vid not in inst.volunteers or not inst.volunteers[vid]["willing_to_lead"]:
                bad(("provincial_team_leader", prov, f"{vid} may not lead"))
            elif vid not in county_of or inst.counties[county_of[vid]]["province"] != prov:
                bad(("provincial_team_leader", prov, f"{vid} not placed in the province"))
    # --- objective
    w = inst.weights
    amounts = dict.fromkeys(TERMS, 0)
    km_unit = st.get("travel_km_per_unit", 100)
    unranked = st.get("unranked_steps", 4)
    for vid, cid in county_of.items():
        v, c = inst.volunteers[vid], inst.counties[cid]
        r = inst.wish_rank(v, c)
        amounts["preference_rank"] += unranked if r == 0 else r - 1
        km = haversine_km(v["home_longitude"], v["home_latitude"], c["longitude"], c["latitude"])
        amounts["travel_from_home"] += int(math.floor(km / km_unit))
        fit = sum(c["case_mix"].get(s, 0) for s in v["specialties"])
        amounts["specialty_fit"] += 100 - min(fit, 100)
        amounts["pairing_agreement"] += int((v["home_province"], c["province"]) in inst.agree)
    breaks, slopes = list(st.get("coverage_breaks", [3, 6])), list(st.get("coverage_slopes", [100, 40, 15]))
    lu, pu = st.get("lawyer_units", 2), st.get("partner_units", 1)
    for cid, c in inst.counties.items():
        units = lawyers.get(cid, 0) * lu + partners.get(cid, 0) * pu
        amounts["need_weighted_coverage"] += c["need"] * coverage_curve(units, breaks, slopes)
        if lawyers.get(cid, 0) == 0:
            amounts["continuity_handover"] += c["handover_cases"]
    sign = {"need_weighted_coverage": -1, "pairing_agreement": -1}
    res.term_totals = {t: sign.get(t, 1) * int(w[t]) * amounts[t] for t in TERMS}
    res.objective = sum(res.term_totals.values())
    if sol.get("objective") is not None:
        res.claimed_objective = int(sol["objective"])
    return res


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: deployment_checker.py INSTANCE.json SOLUTION.json", file=sys.stderr)
        return 2
    res = check(argv[0], argv[1])
    print(json.dumps({"ok": res.ok, "objective": res.objective, "claimed_objective": res.claimed_objective,
                      "term_totals": res.term_totals, "violations": res.violations[:20]}, ensure_ascii=False))
    return 0 if res.ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

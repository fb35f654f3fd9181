"""Domain types of the "1+1" volunteer deployment: counties in need, volunteers, programme settings.

All types are frozen dataclasses validated on construction; a bad value raises ``ValueError("field: reason")``.
Ids are strings (county ids are six-digit adcodes written as text); units are real units (km, months, cases a
year, lawyers per 10,000 residents). Integers in the objective are "points" (see docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from models.provider import SPECIALTIES

#: Kinds of volunteer. Lawyers hold a practising certificate; graduates are university-graduate volunteers;
#: grassroots workers are grassroots legal service workers (基层法律服务工作者).
KINDS: tuple[str, ...] = ("lawyer", "graduate", "grassroots_worker")
LAWYER = "lawyer"
PARTNER_KINDS: tuple[str, ...] = ("graduate", "grassroots_worker")
#: Solver classes: 0 = lawyer places, 1 = partner places (graduates and grassroots workers share them).
CLASS_NAMES: tuple[str, ...] = ("lawyer", "partner")
CLASS_OF_KIND: dict[str, int] = {"lawyer": 0, "graduate": 1, "grassroots_worker": 1}
#: Stints: one year anywhere the programme sends them, or a three-month stint in the volunteer's own province.
STINTS: tuple[str, ...] = ("year", "in_province")
#: Minority languages a county may need (ISO 639 codes): Tibetan, Uyghur, Kazakh, Mongolian, Yi, Zhuang, Hmong.
LANGUAGES: tuple[str, ...] = ("bo", "ug", "kk", "mn", "ii", "za", "hmn")
PREFERENCE_PREFIXES: tuple[str, ...] = ("province:", "county:")


def _fail(owner: str, name: str, reason: str) -> ValueError:
    return ValueError(f"{owner}.{name}: {reason}")


def _check_str(owner: str, name: str, value: object, *, empty_ok: bool = False) -> None:
    if not isinstance(value, str):
        raise _fail(owner, name, f"expected a str, got {type(value).__name__}")
    if not empty_ok and not value.strip():
        raise _fail(owner, name, "must not be empty")


def _check_int(owner: str, name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(owner, name, f"expected an int, got {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise _fail(owner, name, f"must be {bound}, got {value}")


def _check_float(owner: str, name: str, value: object, minimum: float, maximum: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(owner, name, f"expected a number, got {type(value).__name__}")
    if not minimum <= float(value) <= maximum:
        raise _fail(owner, name, f"must be between {minimum} and {maximum}, got {value}")


def _check_bool(owner: str, name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise _fail(owner, name, f"expected true or false, got {value!r}")


def _check_tuple(owner: str, name: str, value: object, allowed: tuple[str, ...] | None = None) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise _fail(owner, name, "expected a tuple of str")
    if len(set(value)) != len(value):
        raise _fail(owner, name, "an entry repeats")
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise _fail(owner, name, f"unknown value(s) {bad}; expected some of {', '.join(allowed)}")


@dataclass(frozen=True)
class County:
    """A county in need that may host volunteers.

    Parameters
    ----------
    county_id : str
        Six-digit adcode as text (2020 county file).
    name, city, province : str
        Names as in the county file.
    longitude, latitude : float
        Degrees (rounded to 5 decimals).
    population : int
        Residents (2020 census).
    lawyers_per_10k : float
        Practising lawyers per 10,000 residents (0 = a no-lawyer county, 无律师县).
    demand_cases_per_year : int
        Expected legal-aid cases a year.
    need : int
        Need points: expected unmet cases a year a pair could take on, plus a bonus for a no-lawyer county
        (see :func:`models.deployment.counties.need_points`).
    language : str
        Minority language the county needs (one of :data:`LANGUAGES`), "" for none.
    high_altitude : bool
        Service on the plateau: volunteers need medical clearance.
    handover_cases : int
        Open cases left by the departing cohort, waiting for a lawyer.
    places_lawyer, places_partner : int
        Places for lawyers and for partners (graduates or grassroots workers).
    case_mix : tuple of (specialty, percent)
        Expected case mix over :data:`models.provider.SPECIALTIES`; percents are ints summing to 100.
    """

    county_id: str
    name: str
    city: str
    province: str
    longitude: float
    latitude: float
    population: int
    lawyers_per_10k: float
    demand_cases_per_year: int
    need: int
    language: str
    high_altitude: bool
    handover_cases: int
    places_lawyer: int
    places_partner: int
    case_mix: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        o = f"County[{self.county_id!r}]"
        _check_str(o, "county_id", self.county_id)
        if not (len(self.county_id) == 6 and self.county_id.isdigit()):
            raise _fail(o, "county_id", "must be a six-digit adcode")
        for name in ("name", "city", "province"):
            _check_str(o, name, getattr(self, name))
        _check_float(o, "longitude", self.longitude, -180.0, 180.0)
        _check_float(o, "latitude", self.latitude, -90.0, 90.0)
        _check_int(o, "population", self.population, 0)
        _check_float(o, "lawyers_per_10k", self.lawyers_per_10k, 0.0, 1e6)
        _check_int(o, "demand_cases_per_year", self.demand_cases_per_year, 0)
        _check_int(o, "need", self.need, 0)
        _check_str(o, "language", self.language, empty_ok=True)
        if self.language and self.language not in LANGUAGES:
            raise _fail(o, "language", f"unknown language {self.language!r}; expected one of {', '.join(LANGUAGES)}")
        _check_bool(o, "high_altitude", self.high_altitude)
        _check_int(o, "handover_cases", self.handover_cases, 0)
        _check_int(o, "places_lawyer", self.places_lawyer, 0)
        _check_int(o, "places_partner", self.places_partner, 0)
        mix = self.case_mix
        if not isinstance(mix, tuple) or not all(isinstance(m, tuple) and len(m) == 2 for m in mix):
            raise _fail(o, "case_mix", "expected a tuple of (specialty, percent) pairs")
        names = [m[0] for m in mix]
        if len(set(names)) != len(names) or any(n not in SPECIALTIES for n in names):
            raise _fail(o, "case_mix", f"specialties must be distinct names from {', '.join(SPECIALTIES)}")
        for _, pct in mix:
            _check_int(o, "case_mix", pct, 0, 100)
        if sum(p for _, p in mix) != 100:
            raise _fail(o, "case_mix", f"percents must sum to 100, got {sum(p for _, p in mix)}")

    @property
    def has_no_lawyer(self) -> bool:
        return self.lawyers_per_10k == 0.0


@dataclass(frozen=True)
class Volunteer:
    """A volunteer of the cohort.

    Parameters
    ----------
    volunteer_id : str
    kind : str
        One of :data:`KINDS`.
    home_province : str
        Province name of the home county.
    home_county : str
        Adcode (text) of the home county.
    home_longitude, home_latitude : float
        Degrees of the home county (rounded to 5 decimals); travel is measured from here.
    languages : tuple of str
        Minority languages spoken (codes of :data:`LANGUAGES`).
    specialties : tuple of str
        Fields of practice or study (from :data:`models.provider.SPECIALTIES`).
    years_of_practice : int
        Years as a lawyer (lawyers) or in legal service work (grassroots workers); 0 for graduates.
    preferences : tuple of str
        Ranked wishes, best first: ``"province:<name>"`` or ``"county:<adcode>"``.
    accepts_any_province : bool
        Accepts being sent to a province not among the wishes (服从调剂).
    medical_clearance : bool
        Cleared for high-altitude service.
    available_months : int
        Months the volunteer can serve from the start of the service year.
    stint : str
        ``"year"`` (one year) or ``"in_province"`` (three months in the home province).
    willing_to_lead : bool
        Willing to lead the volunteer team of the province they serve in.
    """

    volunteer_id: str
    kind: str
    home_province: str
    home_county: str
    home_longitude: float
    home_latitude: float
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    years_of_practice: int
    preferences: tuple[str, ...]
    accepts_any_province: bool
    medical_clearance: bool
    available_months: int
    stint: str
    willing_to_lead: bool

    def __post_init__(self) -> None:
        o = f"Volunteer[{self.volunteer_id!r}]"
        _check_str(o, "volunteer_id", self.volunteer_id)
        if self.kind not in KINDS:
            raise _fail(o, "kind", f"unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        _check_str(o, "home_province", self.home_province)
        _check_str(o, "home_county", self.home_county)
        _check_float(o, "home_longitude", self.home_longitude, -180.0, 180.0)
        _check_float(o, "home_latitude", self.home_latitude, -90.0, 90.0)
        _check_tuple(o, "languages", self.languages, LANGUAGES)
        _check_tuple(o, "specialties", self.specialties, SPECIALTIES)
        _check_int(o, "years_of_practice", self.years_of_practice, 0, 80)
        _check_tuple(o, "preferences", self.preferences)
        for pref in self.preferences:
            if not pref.startswith(PREFERENCE_PREFIXES) or not pref.split(":", 1)[1]:
                raise _fail(o, "preferences", f"{pref!r} must look like 'province:<name>' or 'county:<adcode>'")
        _check_bool(o, "accepts_any_province", self.accepts_any_province)
        _check_bool(o, "medical_clearance", self.medical_clearance)
        _check_int(o, "available_months", self.available_months, 0, 24)
        if self.stint not in STINTS:
            raise _fail(o, "stint", f"unknown stint {self.stint!r}; expected one of {', '.join(STINTS)}")
        _check_bool(o, "willing_to_lead", self.willing_to_lead)

    @property
    def is_lawyer(self) -> bool:
        return self.kind == LAWYER


@dataclass(frozen=True)
class PairingAgreement:
    """A sending province's pairing with receiving provinces (对口支援), e.g. Anhui -> Ningxia, Guangxi, Guizhou."""

    from_province: str
    to_provinces: tuple[str, ...]

    def __post_init__(self) -> None:
        o = "PairingAgreement"
        _check_str(o, "from_province", self.from_province)
        _check_tuple(o, "to_provinces", self.to_provinces)
        if not self.to_provinces:
            raise _fail(o, "to_provinces", "must name at least one province")


def _default_weights() -> tuple[tuple[str, int], ...]:
    from models.deployment.rules import SOFT_TERMS

    return tuple((t.id, t.default_weight) for t in SOFT_TERMS)


def _default_hard_rules() -> tuple[str, ...]:
    from models.deployment.rules import HARD_RULES

    return tuple(r.id for r in HARD_RULES)


@dataclass(frozen=True)
class Settings:
    """Programme settings of one planning round.

    Parameters
    ----------
    receiving_provinces : tuple of str
        Provinces that receive volunteers this year; counties elsewhere get none.
    pairing_agreements : tuple of PairingAgreement
        Sending province -> receiving provinces; a volunteer placed along an agreement earns points.
    in_province_stint_provinces : tuple of str
        Provinces that run three-month in-province stints.
    months_year, months_in_province : int
        Months a volunteer must be available for a one-year stint (12) and an in-province stint (3).
    unranked_steps : int
        Preference steps charged for a county matching none of the volunteer's wishes (rank r costs r - 1).
    lawyer_units, partner_units : int
        Coverage units a lawyer and a partner bring to a county (default 2 and 1: a pair is 3 units).
    coverage_breaks : tuple of int
        Units where the coverage slope drops (default (3, 6): the first pair, the second pair, the rest).
    coverage_slopes : tuple of int
        Points per unit and need point on each segment, non-increasing (default (100, 40, 15)).
    travel_km_per_unit : int
        Kilometres per travel unit (default 100; units are whole, rounded down).
    weights : tuple of (term id, int)
        Weight of each soft term (default: each term's default weight); 0 switches a term off.
    hard_rules : tuple of str
        Hard rules in force (default all); the structural ones are always in force.
    """

    receiving_provinces: tuple[str, ...]
    pairing_agreements: tuple[PairingAgreement, ...] = ()
    in_province_stint_provinces: tuple[str, ...] = ()
    months_year: int = 12
    months_in_province: int = 3
    unranked_steps: int = 4
    lawyer_units: int = 2
    partner_units: int = 1
    coverage_breaks: tuple[int, ...] = (3, 6)
    coverage_slopes: tuple[int, ...] = (100, 40, 15)
    travel_km_per_unit: int = 100
    weights: tuple[tuple[str, int], ...] = field(default_factory=_default_weights)
    hard_rules: tuple[str, ...] = field(default_factory=_default_hard_rules)

    def __post_init__(self) -> None:
        from models.deployment.rules import HARD_RULES, SOFT_TERMS, STRUCTURAL_RULES

        o = "Settings"
        _check_tuple(o, "receiving_provinces", self.receiving_provinces)
        _check_tuple(o, "in_province_stint_provinces", self.in_province_stint_provinces)
        if not isinstance(self.pairing_agreements, tuple) or not all(
            isinstance(a, PairingAgreement) for a in self.pairing_agreements
        ):
            raise _fail(o, "pairing_agreements", "expected a tuple of PairingAgreement")
        _check_int(o, "months_year", self.months_year, 0, 24)
        _check_int(o, "months_in_province", self.months_in_province, 0, 24)
        _check_int(o, "unranked_steps", self.unranked_steps, 0)
        _check_int(o, "lawyer_units", self.lawyer_units, 0)
        _check_int(o, "partner_units", self.partner_units, 0)
        _check_int(o, "travel_km_per_unit", self.travel_km_per_unit, 1)
        breaks, slopes = self.coverage_breaks, self.coverage_slopes
        if not isinstance(breaks, tuple) or not all(isinstance(b, int) and not isinstance(b, bool) for b in breaks):
            raise _fail(o, "coverage_breaks", "expected a tuple of int")
        if any(b <= 0 for b in breaks) or any(b2 <= b1 for b1, b2 in zip(breaks, breaks[1:], strict=False)):
            raise _fail(o, "coverage_breaks", "must be > 0 and strictly increasing")
        if not isinstance(slopes, tuple) or len(slopes) != len(breaks) + 1 or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in slopes
        ):
            raise _fail(o, "coverage_slopes", "expected a tuple of int with one more entry than coverage_breaks")
        if any(s < 0 for s in slopes) or any(s2 > s1 for s1, s2 in zip(slopes, slopes[1:], strict=False)):
            raise _fail(o, "coverage_slopes", "must be >= 0 and non-increasing (diminishing returns)")
        known_terms = {t.id for t in SOFT_TERMS}
        seen: set[str] = set()
        for item in self.weights:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise _fail(o, "weights", f"expected (term id, int) pairs, got {item!r}")
            if item[0] not in known_terms:
                raise _fail(o, "weights", f"unknown term {item[0]!r}; expected one of {', '.join(sorted(known_terms))}")
            if item[0] in seen:
                raise _fail(o, "weights", f"term {item[0]!r} repeats")
            seen.add(item[0])
            _check_int(o, f"weights[{item[0]}]", item[1], 0)
        _check_tuple(o, "hard_rules", self.hard_rules, tuple(r.id for r in HARD_RULES))
        missing = [r for r in STRUCTURAL_RULES if r not in self.hard_rules]
        if missing:
            object.__setattr__(self, "hard_rules", tuple(self.hard_rules) + tuple(missing))

    def weight(self, term_id: str) -> int:
        """Weight of a soft term (its default when not listed)."""
        from models.deployment.rules import SOFT_TERM_BY_ID

        listed = dict(self.weights)
        if term_id in listed:
            return int(listed[term_id])
        if term_id not in SOFT_TERM_BY_ID:
            raise ValueError(f"weights: unknown term {term_id!r}")
        return SOFT_TERM_BY_ID[term_id].default_weight

    def with_weights(self, **weights: int) -> Settings:
        """A copy with some soft-term weights changed."""
        merged = dict(self.weights) | weights
        return _replace(self, weights=tuple(merged.items()))

    def without_rules(self, *rule_ids: str) -> Settings:
        """A copy with some (non-structural) hard rules switched off."""
        return _replace(self, hard_rules=tuple(r for r in self.hard_rules if r not in rule_ids))

    def months_required(self, stint: str) -> int:
        return self.months_year if stint == "year" else self.months_in_province


def _replace(settings: Settings, **changes: object) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DeploymentInstance:
    """Everything one planning round needs: counties, volunteers, settings.

    Raises
    ------
    ValueError
        When an id repeats, or a volunteer's county preference names an unknown county.
    """

    name: str
    counties: tuple[County, ...]
    volunteers: tuple[Volunteer, ...]
    settings: Settings
    meta: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        o = "DeploymentInstance"
        _check_str(o, "name", self.name)
        if not isinstance(self.counties, tuple) or not all(isinstance(c, County) for c in self.counties):
            raise _fail(o, "counties", "expected a tuple of County")
        if not isinstance(self.volunteers, tuple) or not all(isinstance(v, Volunteer) for v in self.volunteers):
            raise _fail(o, "volunteers", "expected a tuple of Volunteer")
        ids = [c.county_id for c in self.counties]
        if len(set(ids)) != len(ids):
            raise _fail(o, "counties", f"county_id {next(i for i in ids if ids.count(i) > 1)!r} repeats")
        vids = [v.volunteer_id for v in self.volunteers]
        if len(set(vids)) != len(vids):
            raise _fail(o, "volunteers", f"volunteer_id {next(i for i in vids if vids.count(i) > 1)!r} repeats")
        known = set(ids)
        for v in self.volunteers:
            for pref in v.preferences:
                if pref.startswith("county:") and pref.split(":", 1)[1] not in known:
                    raise _fail(o, "volunteers", f"{v.volunteer_id}: preference {pref!r} names a county not in the instance")

    def replace_settings(self, settings: Settings) -> DeploymentInstance:
        import dataclasses

        return dataclasses.replace(self, settings=settings)

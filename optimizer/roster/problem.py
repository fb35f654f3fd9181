"""Solver-facing shift-scheduling (roster) problem: staff x days x shift types, numpy arrays only.

The roster core knows staff, days, shift types ("posts"), shift classes, cover, requests, budgets and history;
it knows nothing of lawyers, stations or counties. A domain (``models/``) compiles its entities into a
:class:`RosterProblem`; the Curtois & Qu benchmark reader does the same.

Index conventions
-----------------
``E`` staff (``e``), ``D`` days (``d``, day 0 is the first day of the horizon), ``S`` shift types (``s``),
``C`` shift classes (``c``), ``G`` budget groups (``g``). A schedule is an int array ``[E, D]`` holding the
shift index worked by each staff member on each day, or ``OFF`` (-1).

Only the two arrays ``cover_min`` (fixes ``D`` and ``S``) and ``is_allowed`` (fixes ``E``) are required; every
other field has a neutral default (no limit, no penalty, no history) filled in on construction, so a tiny test
problem needs only what it exercises.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

OFF = -1
"""Schedule value of a day off (and ``fixed`` value "fixed off", ``reference`` value "was off")."""
FREE = -2
"""``fixed`` value of a day the solver may decide; ``reference`` value of "no previous roster"."""
UNKNOWN = -1
"""History value meaning "unknown before day 0": the edge exemption of the min-run rules applies."""
_UNSET: Any = None
"""Default of optional array fields: replaced by the documented default on construction."""
NO_LIMIT = np.iinfo(np.int32).max
"""Default of upper limits that are not set (large, but safe to add a few of them in int64)."""


def _arr(name: str, value: object, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        if arr.ndim == 0 and len(shape) > 0:
            raise ValueError(f"{name}: expected an array of shape {shape}, got a scalar")
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if arr.size and dtype is not np.bool_ and arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name}: expected integer values")
    elif arr.size and dtype is np.bool_ and arr.dtype.kind not in "bui":
        raise ValueError(f"{name}: expected boolean values, got {arr.dtype}")
    elif arr.size and dtype is not np.bool_ and arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected integer values, got {arr.dtype}")
    if dtype is np.bool_ and arr.size and arr.dtype.kind in "ui" and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name}: expected booleans (0/1)")
    out: np.ndarray = np.ascontiguousarray(arr, dtype=dtype)
    out.flags.writeable = False
    return out


def _int(name: str, value: object, *, lower: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if lower is not None and value < lower:
        raise ValueError(f"{name}: must be >= {lower}, got {value}")
    return int(value)


@dataclass(frozen=True, eq=False)
class RosterProblem:
    """A staff rostering problem (minimisation of integer penalty points).

    Each staff member works at most one shift per day. Hard rules: the fields marked *hard* below; every
    violation of one makes a schedule infeasible. Soft terms: the ``*_weight`` fields, all integer points.

    Attributes
    ----------
    cover_min : int64 array [D, S]
        *Soft* minimum head-count of shift ``s`` on day ``d``; each person missing below it costs
        ``under_weight[d, s]``. Fixes the number of days ``D`` and shift types ``S``. Required.
    is_allowed : bool array [E, S]
        *Hard* eligibility: staff ``e`` may work shift type ``s`` at all (skill, contract, travel limit,
        language; decided by the domain). Fixes the number of staff ``E``. Required.
    start_weekday : int
        Weekday of day 0, 0 = Monday ... 6 = Sunday (default 0). Saturday and Sunday are weekend days.
    shift_minutes : int64 array [S]
        Length of each shift type in minutes (default 480), counted by the total-minutes rules.
    shift_class : int64 array [S]
        Class of each shift type in ``[0, C)`` (e.g. early / day / late / night); default: each shift type is
        its own class. Successions are forbidden between classes, so many posts share few classes.
    forbidden_next : bool array [C, C]
        *Hard*: ``forbidden_next[a, b]`` forbids a shift of class ``b`` on day ``d + 1`` after a shift of
        class ``a`` on day ``d`` (default: nothing forbidden, ``C`` = number of distinct classes).
    is_unavailable : bool array [E, D]
        *Hard*: staff ``e`` must not work on day ``d`` (default all false).
    max_shifts_per_type : int64 array [E, S]
        *Hard*: at most this many shifts of type ``s`` over the horizon (default ``D``).
    max_total_shifts : int64 array [E]
        *Hard*: at most this many shifts in all over the horizon (default ``D``).
    min_total_minutes, max_total_minutes : int64 arrays [E]
        *Hard*: total worked minutes lie within these (defaults 0 and ``NO_LIMIT``).
    max_consecutive_days : int64 array [E]
        *Hard*: a run of working days is at most this long, counting the run carried in from
        ``history_work_run`` (default ``D``, i.e. no limit inside the horizon).
    min_consecutive_days : int64 array [E]
        *Hard*: a run of working days is at least this long, unless it ends on the last day (the future is
        unknown) or starts on day 0 with ``history_work_run`` unknown (default 1, i.e. no limit).
    min_consecutive_days_off : int64 array [E]
        *Hard*: a run of days off is at least this long, with the same edge exemptions (default 1).
    max_weekends : int64 array [E]
        *Hard*: at most this many weekends worked; a weekend (Saturday + Sunday, also a partial one at either
        end of the horizon) counts if either day is worked (default: number of weekends).
    cover_ideal : int64 array [D, S]
        Ideal head-count, ``>= cover_min`` (default ``cover_min``).
    under_weight : int64 array [D, S]
        Points per person missing below ``cover_min`` (default 100).
    ideal_short_weight : int64 array [D, S]
        Points per person missing below ``cover_ideal`` (added to ``under_weight`` below the minimum;
        default 0).
    over_weight : int64 array [D, S]
        Points per person above ``cover_ideal`` (default 1).
    cover_max : int64 array [D, S]
        *Hard* maximum head-count (seats), ``>= cover_ideal`` not required (default ``NO_LIMIT``). Set it to
        0 for a post closed on a day (a court on Sunday): no variable is created for it, which keeps big
        models small.
    on_request_staff, on_request_day, on_request_shift, on_request_weight : int64 arrays [R_on]
        Shift-on requests: staff ``on_request_staff[r]`` would like to work shift ``on_request_shift[r]``
        (-1: any shift) on day ``on_request_day[r]``; costs ``on_request_weight[r]`` points if not granted.
        Day and shift are required when staff is given; weight defaults to 1.
    off_request_staff, off_request_day, off_request_shift, off_request_weight : int64 arrays [R_off]
        Shift-off requests: the staff member would like not to work that shift (-1: not at all) that day;
        costs the weight if worked.
    assign_weight : int64 array [E, S]
        Points per shift of type ``s`` worked by ``e`` (e.g. travel; default 0).
    is_night : bool array [S]
        Night shift types, counted by the night-fairness term (default all false).
    fair_group : int64 array [E]
        Fairness group of each staff member, -1 for none (default: 0 for staff allowed some shift, else -1).
        The fairness terms compare staff inside one group only.
    fair_total_weight, fair_night_weight, fair_weekend_weight : int
        Points per shift of spread ``max - min`` over the staff of each fairness group, of their total
        shifts, night shifts and weekend-day shifts respectively (default 0: off).
    budget_group : int64 array [S]
        Budget group of each shift type in ``[0, G)``, -1 for none (default all -1).
    shift_cost : int64 array [S]
        Integer cost charged to the budget per person per shift (e.g. yuan of subsidy; default 0).
    group_budget : int64 array [G]
        *Hard* cap on the summed ``shift_cost`` of each budget group over the horizon (default: no groups).
    fixed : int64 array [E, D]
        *Hard*: ``FREE`` (-2) to decide, ``OFF`` (-1) fixed off, or the shift index ``s`` fixed (frozen or
        published days). Fixed assignments are kept even where another hard rule would forbid them; the
        violation is then reported, never silently changed (default all ``FREE``).
    reference : int64 array [E, D]
        Previous roster for repair: -2 none, -1 was off, or shift index (default all -2).
    change_weight : int
        Points per (staff, day) whose value differs from a given ``reference`` (default 0).
    history_work_run : int64 array [E]
        Days worked in a row ending on day -1 (0 if day -1 was off), or ``UNKNOWN`` (-1, default).
    history_off_run : int64 array [E]
        Days off in a row ending on day -1 (0 if day -1 was worked), or ``UNKNOWN`` (-1, default). Known
        history has exactly one of ``history_work_run`` and ``history_off_run`` positive. An *open* history
        gives one run (> 0) and leaves the other unknown: day -1 was of that kind and its run is at least that
        long, but where it began is not known (it reaches back past the known days). The maximum run counts it;
        the minimum run of its kind does not apply to it (edge exemption, as for a run starting on day 0 with
        unknown history); a run of the other kind starting on day 0 is closed on its left.
    history_last_class : int64 array [E]
        Class of the shift worked on day -1 (successions into day 0), -1 if off or unknown (default).
    """

    cover_min: np.ndarray
    is_allowed: np.ndarray
    start_weekday: int = 0
    shift_minutes: np.ndarray = _UNSET
    shift_class: np.ndarray = _UNSET
    forbidden_next: np.ndarray = _UNSET
    is_unavailable: np.ndarray = _UNSET
    max_shifts_per_type: np.ndarray = _UNSET
    max_total_shifts: np.ndarray = _UNSET
    min_total_minutes: np.ndarray = _UNSET
    max_total_minutes: np.ndarray = _UNSET
    max_consecutive_days: np.ndarray = _UNSET
    min_consecutive_days: np.ndarray = _UNSET
    min_consecutive_days_off: np.ndarray = _UNSET
    max_weekends: np.ndarray = _UNSET
    cover_ideal: np.ndarray = _UNSET
    under_weight: np.ndarray = _UNSET
    ideal_short_weight: np.ndarray = _UNSET
    over_weight: np.ndarray = _UNSET
    cover_max: np.ndarray = _UNSET
    on_request_staff: np.ndarray = _UNSET
    on_request_day: np.ndarray = _UNSET
    on_request_shift: np.ndarray = _UNSET
    on_request_weight: np.ndarray = _UNSET
    off_request_staff: np.ndarray = _UNSET
    off_request_day: np.ndarray = _UNSET
    off_request_shift: np.ndarray = _UNSET
    off_request_weight: np.ndarray = _UNSET
    assign_weight: np.ndarray = _UNSET
    is_night: np.ndarray = _UNSET
    fair_group: np.ndarray = _UNSET
    fair_total_weight: int = 0
    fair_night_weight: int = 0
    fair_weekend_weight: int = 0
    budget_group: np.ndarray = _UNSET
    shift_cost: np.ndarray = _UNSET
    group_budget: np.ndarray = _UNSET
    fixed: np.ndarray = _UNSET
    reference: np.ndarray = _UNSET
    change_weight: int = 0
    history_work_run: np.ndarray = _UNSET
    history_off_run: np.ndarray = _UNSET
    history_last_class: np.ndarray = _UNSET
    _defaulted: frozenset[str] = dataclasses.field(default=frozenset(), init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ construction and validation
    def __post_init__(self) -> None:
        set_ = object.__setattr__
        cover_min = np.asarray(self.cover_min)
        if cover_min.ndim != 2:
            raise ValueError(f"cover_min: expected a 2-d array [days, shifts], got shape {cover_min.shape}")
        allowed = np.asarray(self.is_allowed)
        if allowed.ndim != 2:
            raise ValueError(f"is_allowed: expected a 2-d array [staff, shifts], got shape {allowed.shape}")
        num_days, num_shifts = cover_min.shape
        num_staff = allowed.shape[0]
        if num_days < 1:
            raise ValueError("cover_min: need at least one day")
        E, D, S = num_staff, num_days, num_shifts
        set_(self, "cover_min", _arr("cover_min", cover_min, np.int64, (D, S)))
        set_(self, "is_allowed", _arr("is_allowed", allowed, np.bool_, (E, S)))
        set_(self, "start_weekday", _int("start_weekday", self.start_weekday, lower=0))
        if self.start_weekday > 6:
            raise ValueError(f"start_weekday: must lie in [0, 6], got {self.start_weekday}")
        for name in ("fair_total_weight", "fair_night_weight", "fair_weekend_weight", "change_weight"):
            set_(self, name, _int(name, getattr(self, name), lower=0))

        defaulted: set[str] = set()

        def fill(name: str, dtype: type, shape: tuple[int, ...], default: object) -> None:
            value = getattr(self, name)
            if value is None:
                defaulted.add(name)
                value = np.broadcast_to(np.asarray(default, dtype=dtype), shape)
            set_(self, name, _arr(name, value, dtype, shape))

        fill("shift_minutes", np.int64, (S,), 480)
        fill("shift_class", np.int64, (S,), np.arange(S))
        if S and self.shift_class.min() < 0:
            raise ValueError("shift_class: must be >= 0")
        num_classes_default = int(self.shift_class.max()) + 1 if S else 0
        if self.forbidden_next is None:
            fill("forbidden_next", np.bool_, (num_classes_default, num_classes_default), False)
        else:
            fn = np.asarray(self.forbidden_next)
            if fn.ndim != 2 or fn.shape[0] != fn.shape[1]:
                raise ValueError(f"forbidden_next: expected a square 2-d array [classes, classes], got {fn.shape}")
            set_(self, "forbidden_next", _arr("forbidden_next", fn, np.bool_, fn.shape))
        C = self.forbidden_next.shape[0]
        if S and self.shift_class.max() >= C:
            raise ValueError(f"shift_class: values must lie in [0, {C}) (forbidden_next is {C}x{C})")
        fill("is_unavailable", np.bool_, (E, D), False)
        fill("max_shifts_per_type", np.int64, (E, S), D)
        fill("max_total_shifts", np.int64, (E,), D)
        fill("min_total_minutes", np.int64, (E,), 0)
        fill("max_total_minutes", np.int64, (E,), NO_LIMIT)
        fill("max_consecutive_days", np.int64, (E,), D)
        fill("min_consecutive_days", np.int64, (E,), 1)
        fill("min_consecutive_days_off", np.int64, (E,), 1)
        fill("max_weekends", np.int64, (E,), self.num_weekends)
        fill("cover_ideal", np.int64, (D, S), self.cover_min)
        fill("under_weight", np.int64, (D, S), 100)
        fill("ideal_short_weight", np.int64, (D, S), 0)
        fill("over_weight", np.int64, (D, S), 1)
        fill("cover_max", np.int64, (D, S), NO_LIMIT)
        for kind in ("on", "off"):
            staff = getattr(self, f"{kind}_request_staff")
            num = 0 if staff is None else int(np.asarray(staff).shape[0]) if np.asarray(staff).ndim == 1 else -1
            if num < 0:
                raise ValueError(f"{kind}_request_staff: expected a 1-d array")
            for part in ("day", "shift"):
                if num and getattr(self, f"{kind}_request_{part}") is None:
                    raise ValueError(f"{kind}_request_{part}: required when {kind}_request_staff is given")
            for part, default in (("staff", 0), ("day", 0), ("shift", -1), ("weight", 1)):
                fill(f"{kind}_request_{part}", np.int64, (num,), default)
        fill("assign_weight", np.int64, (E, S), 0)
        fill("is_night", np.bool_, (S,), False)
        fill("fair_group", np.int64, (E,), np.where(self.is_allowed.any(axis=1), 0, -1))
        fill("budget_group", np.int64, (S,), -1)
        fill("shift_cost", np.int64, (S,), 0)
        G = int(self.budget_group.max()) + 1 if S and self.budget_group.max() >= 0 else 0
        if self.group_budget is not None:
            G = max(G, int(np.asarray(self.group_budget).reshape(-1).shape[0]))
        fill("group_budget", np.int64, (G,), NO_LIMIT)
        fill("fixed", np.int64, (E, D), FREE)
        fill("reference", np.int64, (E, D), FREE)
        fill("history_work_run", np.int64, (E,), UNKNOWN)
        fill("history_off_run", np.int64, (E,), UNKNOWN)
        fill("history_last_class", np.int64, (E,), -1)
        set_(self, "_defaulted", frozenset(defaulted))
        self._validate()

    def _validate(self) -> None:
        E, D, S = self.num_staff, self.num_days, self.num_shifts

        def nonneg(*names: str) -> None:
            for name in names:
                if np.any(getattr(self, name) < 0):
                    raise ValueError(f"{name}: must be >= 0")

        nonneg("cover_min", "shift_minutes", "max_shifts_per_type", "max_total_shifts", "min_total_minutes",
               "max_total_minutes", "max_consecutive_days", "max_weekends", "under_weight",
               "ideal_short_weight", "over_weight", "cover_max", "on_request_weight", "off_request_weight",
               "assign_weight", "shift_cost", "group_budget")
        for name in ("min_consecutive_days", "min_consecutive_days_off"):
            if np.any(getattr(self, name) < 1):
                raise ValueError(f"{name}: must be >= 1 (1 means no limit)")
        if np.any(self.max_total_minutes < self.min_total_minutes):
            raise ValueError("max_total_minutes: must be >= min_total_minutes")
        if np.any(self.cover_ideal < self.cover_min):
            raise ValueError("cover_ideal: must be >= cover_min")
        if np.any(self.fair_group < -1):
            raise ValueError("fair_group: must be >= -1")
        G = self.num_budget_groups
        if np.any((self.budget_group < -1) | (self.budget_group >= G)):
            raise ValueError(f"budget_group: values must lie in [-1, {G})")
        for kind in ("on", "off"):
            staff = getattr(self, f"{kind}_request_staff")
            day = getattr(self, f"{kind}_request_day")
            shift = getattr(self, f"{kind}_request_shift")
            if np.any((staff < 0) | (staff >= E)):
                raise ValueError(f"{kind}_request_staff: values must lie in [0, {E})")
            if np.any((day < 0) | (day >= D)):
                raise ValueError(f"{kind}_request_day: values must lie in [0, {D})")
            if np.any((shift < -1) | (shift >= S)):
                raise ValueError(f"{kind}_request_shift: values must lie in [-1, {S}) (-1: any shift)")
        if np.any((self.fixed < FREE) | (self.fixed >= S)):
            raise ValueError(f"fixed: values must lie in [-2, {S}) (-2 free, -1 off, else a shift index)")
        if np.any((self.reference < FREE) | (self.reference >= S)):
            raise ValueError(f"reference: values must lie in [-2, {S}) (-2 none, -1 off, else a shift index)")
        C = self.num_classes
        if np.any((self.history_last_class < -1) | (self.history_last_class >= C)):
            raise ValueError(f"history_last_class: values must lie in [-1, {C})")
        work, off = self.history_work_run, self.history_off_run
        if np.any(work < UNKNOWN) or np.any(off < UNKNOWN):
            raise ValueError("history_work_run: runs must be >= 0 or -1 (unknown)")
        known_w, known_o = work >= 0, off >= 0
        if np.any((known_w != known_o) & ~(work > 0) & ~(off > 0)):
            raise ValueError("history_off_run: must be known (>= 0) where history_work_run is known, unless the "
                             "known run is > 0 (an open history)")
        if np.any(known_w & known_o & ((work > 0) == (off > 0))):
            raise ValueError("history_work_run: known history needs exactly one of work run and off run > 0")
        if np.any((self.history_last_class >= 0) & ~(work > 0)):
            raise ValueError("history_last_class: a class on day -1 needs history_work_run > 0")

    def replace(self, **changes: object) -> RosterProblem:
        """Return a copy with some fields changed (validated again).

        Fields that were left to their default keep following it: e.g. a problem built without
        ``cover_ideal`` gets ``cover_ideal = cover_min`` again after ``replace(cover_min=...)``.
        """
        for name in self._defaulted:
            changes.setdefault(name, None)
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ history as the run rules see it
    @property
    def history_open(self) -> np.ndarray:
        """Bool [E]: the run carried in from day -1 has no known start (one run given > 0, the other unknown)."""
        hw, ho = self.history_work_run, self.history_off_run
        out: np.ndarray = ((hw > 0) & (ho < 0)) | ((ho > 0) & (hw < 0))
        return out

    def min_run_history(self) -> tuple[np.ndarray, np.ndarray]:
        """``(work, off)`` history runs as the minimum-run rules read them: an open run is unknown (exempt) and
        the run of the other kind is 0 (day -1 closes it); known and unknown histories are unchanged."""
        hw, ho = self.history_work_run, self.history_off_run
        open_w = (hw > 0) & (ho < 0)
        open_o = (ho > 0) & (hw < 0)
        work = np.where(open_w, UNKNOWN, np.where(open_o, 0, hw)).astype(np.int64)
        off = np.where(open_o, UNKNOWN, np.where(open_w, 0, ho)).astype(np.int64)
        return work, off

    # ------------------------------------------------------------------ derived sizes and calendars
    @property
    def num_staff(self) -> int:
        """Number of staff ``E``."""
        return int(self.is_allowed.shape[0])

    @property
    def num_days(self) -> int:
        """Number of days ``D`` in the horizon."""
        return int(self.cover_min.shape[0])

    @property
    def num_shifts(self) -> int:
        """Number of shift types ``S``."""
        return int(self.cover_min.shape[1])

    @property
    def num_classes(self) -> int:
        """Number of shift classes ``C``."""
        return int(self.forbidden_next.shape[0])

    @property
    def num_budget_groups(self) -> int:
        """Number of budget groups ``G``."""
        return int(self.group_budget.shape[0])

    @property
    def weekday(self) -> np.ndarray:
        """Weekday of each day, 0 = Monday (int64 [D])."""
        return (np.arange(self.num_days, dtype=np.int64) + self.start_weekday) % 7

    @property
    def weekend_idx(self) -> np.ndarray:
        """Weekend index of each day (Saturday and Sunday of one week share it), -1 on weekdays (int64 [D])."""
        days = np.arange(self.num_days, dtype=np.int64) + self.start_weekday
        return np.where(days % 7 >= 5, days // 7, -1)

    @property
    def num_weekends(self) -> int:
        """Number of weekends touched by the horizon (partial ones included)."""
        idx = self.weekend_idx
        return int(idx.max()) + 1 if idx.size and idx.max() >= 0 else 0

    @property
    def is_free(self) -> np.ndarray:
        """Bool [E, D]: days the solver decides (not fixed)."""
        return self.fixed == FREE

    @property
    def can_work(self) -> np.ndarray:
        """Bool [E, D, S]: the solver may put ``e`` on shift ``s`` on day ``d`` (allowed, available, free;
        fixed assignments are not included). Dense; use for small problems and tests only."""
        free = self.is_free & ~self.is_unavailable
        out: np.ndarray = free[:, :, None] & self.is_allowed[:, None, :]
        return out

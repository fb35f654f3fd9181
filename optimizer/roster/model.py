"""The CP-SAT model of a :class:`RosterProblem`: sparse variables and helpers the rules add themselves with.

Variables exist only for candidate triples ``(e, d, s)``: the day is free (not ``fixed``), the staff member is
available, the shift type is allowed for them, ``max_shifts_per_type[e, s] > 0`` and ``cover_max[d, s] > 0``.
Every other (staff, day) cell is a constant: the fixed value, or off. Rules therefore see a per-cell state
``wval[e, d]``: 1 = works (constant), 0 = off (constant), 2 = decided by the solver; and, outside the horizon,
3 = unknown (history not given, edge exemption) when a rule looks at day -1.

Per cell with variables there is a *work* literal (true iff some shift is worked; the cell's shift variables
and its negation form an exactly-one) and one *class* literal per shift class present (true iff a shift of
that class is worked). The objective is collected as integer coefficients over literals plus a constant, so
the model's objective equals the evaluators' total for the same schedule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer.roster.problem import FREE, OFF, RosterProblem

WORK, REST, VAR, UNKNOWN_CELL = 1, 0, 2, 3


def staff_variable_counts(problem: RosterProblem) -> np.ndarray:
    """Int64 [E]: how many shift variables :class:`RosterModel` creates for each staff member, without building it
    (the candidate triples of the module docstring: free and available day, allowed shift type with a positive
    per-type maximum, positive maximum cover)."""
    p = problem
    cand = ((p.fixed == FREE) & ~p.is_unavailable).astype(np.int64)  # [E, D]
    ok_es = (p.is_allowed & (p.max_shifts_per_type > 0)).astype(np.int64)  # [E, S]
    per_cell = ok_es @ (p.cover_max > 0).astype(np.int64).T  # [E, D]: shifts open to e on day d
    out: np.ndarray = (cand * per_cell).sum(axis=1).astype(np.int64)
    return out


def count_variables(problem: RosterProblem) -> int:
    """Number of shift variables the CP-SAT model of ``problem`` has (without building it)."""
    return int(staff_variable_counts(problem).sum())


class RosterModel:
    """A CP-SAT model under construction for one :class:`RosterProblem`.

    Parameters
    ----------
    problem : RosterProblem
        The problem; its ``fixed`` cells become constants (this is how LNS and repair freeze days).

    Attributes
    ----------
    model : cp_model.CpModel
    x_e, x_d, x_s : int64 arrays [V]
        Staff, day and shift of each shift variable, sorted by (staff, day, shift).
    x : list of cp_model.IntVar [V]
        The Boolean shift variables.
    cell_ptr : int64 array [E * D + 1]
        CSR offsets: the variables of cell ``(e, d)`` are ``x[cell_ptr[e * D + d]: cell_ptr[e * D + d + 1]]``.
    wval : int8 array [E, D]
        Cell state: ``WORK`` (1), ``REST`` (0) constants or ``VAR`` (2).
    const_shift : int64 array [E, D]
        Shift of a constant working cell, -1 elsewhere.
    work : object array [E, D]
        Work literal of each ``VAR`` cell, ``None`` elsewhere.
    """

    def __init__(self, problem: RosterProblem) -> None:
        p = problem
        self.problem = p
        self.model = cp_model.CpModel()
        E, D, S = p.num_staff, p.num_days, p.num_shifts
        self.E, self.D, self.S = E, D, S
        free = p.fixed == FREE
        self.const_shift = np.where(free, OFF, p.fixed).astype(np.int64)

        cand = free & ~p.is_unavailable
        ce, cd = np.nonzero(cand)
        ok_es = p.is_allowed & (p.max_shifts_per_type > 0)
        staff_ptr = np.concatenate([[0], np.cumsum(ok_es.sum(axis=1))]).astype(np.int64)
        staff_shifts = np.nonzero(ok_es)[1].astype(np.int64)
        counts = staff_ptr[ce + 1] - staff_ptr[ce]
        rep_e = np.repeat(ce, counts)
        rep_d = np.repeat(cd, counts)
        starts = np.repeat(staff_ptr[ce], counts)
        offs = np.arange(rep_e.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        rep_s = staff_shifts[starts + offs] if rep_e.size else np.zeros(0, dtype=np.int64)
        keep = p.cover_max[rep_d, rep_s] > 0 if rep_e.size else np.zeros(0, dtype=bool)
        self.x_e, self.x_d, self.x_s = rep_e[keep], rep_d[keep], rep_s[keep]
        key = (self.x_e * D + self.x_d) * S + self.x_s
        order = np.argsort(key, kind="stable")
        self.x_e, self.x_d, self.x_s, self.x_key = self.x_e[order], self.x_d[order], self.x_s[order], key[order]
        self.x_class = p.shift_class[self.x_s]
        num_vars = int(self.x_e.size)
        new_bool = self.model.new_bool_var
        self.x: list[Any] = [new_bool(f"x{e}_{d}_{s}") for e, d, s in
                             zip(self.x_e.tolist(), self.x_d.tolist(), self.x_s.tolist(), strict=True)]
        self.x_index = np.arange(num_vars, dtype=np.int64)  # the x are the model's first variables
        cell = self.x_e * D + self.x_d
        self.cell_ptr = np.searchsorted(cell, np.arange(E * D + 1)).astype(np.int64)
        has_var = np.diff(self.cell_ptr).reshape(E, D) > 0
        self.wval = np.where(has_var, VAR, np.where(self.const_shift >= 0, WORK, REST)).astype(np.int8)
        self.num_vars = num_vars

        # work and class literals per VAR cell
        self.work = np.empty((E, D), dtype=object)
        self.class_lit: dict[tuple[int, int, int], Any] = {}
        ptr = self.cell_ptr
        xs, xcls = self.x, self.x_class.tolist()
        for flat in np.flatnonzero(has_var.reshape(-1)).tolist():
            e, d = divmod(flat, D)
            lo, hi = int(ptr[flat]), int(ptr[flat + 1])
            lits = xs[lo:hi]
            if hi - lo == 1:
                w = lits[0]
                self.class_lit[(e, d, xcls[lo])] = w
            else:
                w = new_bool(f"w{e}_{d}")
                self.model.add_exactly_one([*lits, w.Not()])
                by_class: dict[int, list[Any]] = {}
                for i in range(lo, hi):
                    by_class.setdefault(xcls[i], []).append(xs[i])
                for c, group in by_class.items():
                    if len(group) == 1:
                        self.class_lit[(e, d, c)] = group[0]
                    elif len(by_class) == 1:
                        self.class_lit[(e, d, c)] = w
                    else:
                        y = new_bool(f"y{e}_{d}_{c}")
                        self.model.add(sum(group) == y)
                        self.class_lit[(e, d, c)] = y
            self.work[e, d] = w
        self.obj_lits: list[Any] = []
        self.obj_coefs: list[int] = []
        self.obj_const = 0
        self.skipped_fixed_violations = 0
        self._true: Any = None
        self._cover: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ lookups
    @property
    def is_var(self) -> np.ndarray:
        """Bool [E, D]: cells decided by the solver."""
        out: np.ndarray = self.wval == VAR
        return out

    def find_x(self, e: np.ndarray, d: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Index into ``x`` of each triple, -1 where no variable exists (vectorised)."""
        key = (np.asarray(e, dtype=np.int64) * self.D + np.asarray(d, dtype=np.int64)) * self.S + np.asarray(s)
        pos = np.searchsorted(self.x_key, key)
        pos = np.minimum(pos, max(self.num_vars - 1, 0))
        found = (self.num_vars > 0) & (self.x_key[pos] == key) if self.num_vars else np.zeros(key.shape, bool)
        return np.where(found, pos, -1)

    def cover_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (day, shift) flattened as ``d * S + s``: constant head-count, and the variables as CSR
        ``(ptr [D * S + 1], order)`` (the variables of ``k`` are ``x[order[ptr[k]:ptr[k + 1]]]``)."""
        if self._cover is None:
            D, S = self.D, self.S
            ce, cd = np.nonzero(self.wval == WORK)
            const = np.bincount(cd * S + self.const_shift[ce, cd], minlength=D * S).astype(np.int64)
            key = self.x_d * S + self.x_s
            order = np.argsort(key, kind="stable")
            ptr = np.searchsorted(key[order], np.arange(D * S + 1)).astype(np.int64)
            self._cover = (const, ptr, order)
        return self._cover

    def true_lit(self) -> Any:
        """A literal fixed to true (created once)."""
        if self._true is None:
            self._true = self.model.new_constant(1)
        return self._true

    # ------------------------------------------------------------------ objective
    def add_cost(self, lit: Any, coef: int) -> None:
        """Add ``coef * lit`` to the objective (``lit`` a literal or an integer variable)."""
        if coef:
            self.obj_lits.append(lit)
            self.obj_coefs.append(int(coef))

    def add_constant(self, value: int) -> None:
        """Add a constant to the objective."""
        self.obj_const += int(value)

    def finish_objective(self) -> None:
        """Install the collected objective in the model."""
        expr = cp_model.LinearExpr.weighted_sum(self.obj_lits, self.obj_coefs) + self.obj_const
        self.model.minimize(expr)

    # ------------------------------------------------------------------ pattern clauses over work literals
    def add_pattern_clauses(self, e: np.ndarray, cols: np.ndarray, signs: np.ndarray, vals: np.ndarray) -> int:
        """Add clauses ``OR_j (sign_j ? work[e, col_j] : not work[e, col_j])`` for each row, vectorised filter.

        Parameters
        ----------
        e : int64 array [N]
            Staff of each clause.
        cols : int64 array [N, L]
            Day of each literal (``-1`` = day before the horizon, read from ``vals``).
        signs : bool array [L]
            True for a positive (works) literal.
        vals : int8 array [E, D + 1]
            Cell states with column 0 = day -1 (``UNKNOWN_CELL`` when history is unknown) and column
            ``d + 1`` = day ``d``.

        Returns
        -------
        int
            Number of clauses added. Clauses already satisfied by constants, or touching an unknown cell
            (edge exemption), are skipped; clauses false on constants alone (fixed cells breaking the rule)
            are skipped and counted in ``skipped_fixed_violations``.
        """
        if e.size == 0:
            return 0
        v = vals[e[:, None], cols + 1]
        pos = signs[None, :]
        lit_true = ((v == WORK) & pos) | ((v == REST) & ~pos)
        unknown = v == UNKNOWN_CELL
        has_var = (v == VAR).any(axis=1)
        skip = lit_true.any(axis=1) | unknown.any(axis=1)
        self.skipped_fixed_violations += int((~skip & ~has_var).sum())
        rows = np.flatnonzero(~skip & has_var)
        work = self.work
        add = self.model.add_bool_or
        sign_list = signs.tolist()
        for r in rows.tolist():
            er = int(e[r])
            lits = []
            for c, sgn, val in zip(cols[r].tolist(), sign_list, v[r].tolist(), strict=True):
                if val == VAR:
                    w = work[er, c]
                    lits.append(w if sgn else w.Not())
            add(lits)
        return int(rows.size)

    def cell_values(self, *, worked: bool) -> np.ndarray:
        """Cell states with a leading column for day -1 from the history (see ``add_pattern_clauses``).

        Day -1 was worked when ``history_work_run > 0``, off when ``history_off_run > 0``, else unknown (an open
        history gives day -1 too; its own run is exempted by the rules' history clauses). ``worked`` (the kind of
        run the caller constrains) does not change the values.
        """
        vals = np.empty((self.E, self.D + 1), dtype=np.int8)
        vals[:, 1:] = self.wval
        hw, ho = self.problem.history_work_run, self.problem.history_off_run
        vals[:, 0] = np.where(hw > 0, WORK, np.where(ho > 0, REST, UNKNOWN_CELL))
        return vals

    def work_sum(self, e: int, days: np.ndarray) -> tuple[int, list[Any]]:
        """Constant part and literals of ``sum_d work[e, d]`` over ``days``."""
        w = self.wval[e, days]
        const = int((w == WORK).sum())
        lits = [self.work[e, d] for d in days[w == VAR].tolist()]
        return const, lits

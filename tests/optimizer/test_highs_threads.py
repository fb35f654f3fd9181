"""HiGHS's thread count in a long-lived process (the HTTP service, a planner's script).

HiGHS runs one task scheduler per process, sized by its first run; an instance asking for another size used to
fail (``run()`` returned ``kError``): after a roster plan whose column generation ran HiGHS at its default
thread count, every cover LP (one thread) failed and the next roster started from a far weaker roster. Each
case runs in a fresh interpreter, since the scheduler outlives any one test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                         check=True, timeout=300)
    return out.stdout.split()


def test_any_thread_count_after_another_still_solves() -> None:
    """Default first, then one thread, then two, then default: every run solves to optimality."""
    lines = run_fresh("""
        import highspy, numpy as np
        from optimizer.highs import new_highs
        for threads in (None, 1, 2, None):
            h = new_highs(threads=threads)
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = 2, 1
            lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.ones(2), np.zeros(2), np.full(2, 10.0)
            lp.row_lower_, lp.row_upper_ = np.array([1.0]), np.array([highspy.kHighsInf])
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_, lp.a_matrix_.index_ = np.array([0, 1, 2]), np.array([0, 0])
            lp.a_matrix_.value_ = np.ones(2)
            h.passModel(lp)
            print(h.run().name, h.getModelStatus().name, h.getInfo().objective_function_value)
    """)
    assert lines == ["kOk", "kOptimal", "1.0"] * 4


def test_cover_lp_after_column_generation_in_one_process() -> None:
    """A roster solve with column generation (HiGHS master LP at its default threads), then the cover LP of
    another problem in the same process: the cover LP is solved (it was ``not_solved`` before)."""
    lines = run_fresh("""
        import sys
        sys.path.insert(0, "tests/roster")
        from test_roster_cover_lp import duty_like
        from optimizer.roster import RosterParams, solve
        from optimizer.roster.cover_lp import cover_lp_relaxation
        from optimizer.stop import Stop
        r = solve(duty_like(1), params=RosterParams(num_workers=1, use_columns=True), stop=Stop(time_limit_s=2))
        print(int(r.stats.get("cg_iterations", 0) > 0))  # the master LP (HiGHS) ran
        print(cover_lp_relaxation(duty_like(2), time_limit_s=30).status)
    """)
    assert lines[-2:] == ["1", "optimal"]

"""Parameters of the deployment core."""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("highs", "greedy")


@dataclass(frozen=True)
class DeploymentParams:
    """Tuning of :func:`optimizer.deployment.solve.solve`.

    Parameters
    ----------
    backend : {"highs", "greedy"}
        ``highs``: HiGHS (see :mod:`optimizer.deployment.solve` for the method and the bound);
        ``greedy``: the greedy baseline only (no bound).
    threads : int
        Threads HiGHS may use (default 1; the machine is shared). Applied only where it matches the process's
        first HiGHS run (see :func:`optimizer.highs.new_highs`).
    mip_heuristic_effort : float
        HiGHS ``mip_heuristic_effort`` in [0, 1] (default 0.05, HiGHS's own default).
    direct_mip_arcs : int
        Problems with at most this many arcs are solved as one MIP (default 20,000); larger ones by LP
        relaxation plus a MIP over a restricted arc set.
    restricted_arcs : int
        Arcs of lowest LP reduced cost in the first restricted MIP (default 12,000; doubled while time allows).
    lp_time_share : float
        Share of the time budget the LP relaxation may use (default 0.5).
    probing : bool
        Let HiGHS probe binaries in presolve (default False: on these models probing costs far more time than
        it saves).
    """

    backend: str = "highs"
    threads: int = 1
    mip_heuristic_effort: float = 0.05
    direct_mip_arcs: int = 20_000
    restricted_arcs: int = 12_000
    lp_time_share: float = 0.5
    probing: bool = False

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend: must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.threads < 1:
            raise ValueError("threads: must be >= 1")
        if not 0.0 <= self.mip_heuristic_effort <= 1.0:
            raise ValueError("mip_heuristic_effort: must lie in [0, 1]")
        if self.direct_mip_arcs < 0:
            raise ValueError("direct_mip_arcs: must be >= 0")
        if self.restricted_arcs < 1:
            raise ValueError("restricted_arcs: must be >= 1")
        if not 0.0 < self.lp_time_share <= 1.0:
            raise ValueError("lp_time_share: must lie in (0, 1]")

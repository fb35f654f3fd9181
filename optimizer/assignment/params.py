"""Parameters of the assignment core."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssignmentParams:
    """Tuning of :func:`optimizer.assignment.solve.solve`.

    Parameters
    ----------
    backend : {"highs", "greedy"}
        ``highs``: MIP per block of connected components (exact given time); ``greedy``: construction only.
    chunk_arcs : int
        Connected components are packed into MIP blocks of at most about this many arcs (default 60,000);
        a single larger component is solved as one block.
    direct_mip_arcs : int
        Blocks with at most this many arcs go straight to the MIP (default 20,000); larger blocks solve the LP
        relaxation, keep its integral part and solve a MIP over the fractional jobs (LP-and-fix).
    direct_mip_share : float
        Share of a small block's time its MIP gets (default 0.35); if it does not prove optimality in that time,
        LP-guided search (below) goes on from its incumbent with the rest. 1 disables that.
    min_block_time_s : float
        Smallest time slice given to one block (default 0.2 s).
    tight_load_ratio : float
        A block whose jobs' mean weights sum to at least this share of its agents' capacity is *tight*
        (default 0.9; the published hard GAP types are at 1.25, a day's legal-aid cases far below 1).
    ipm_max_jobs : int
        Tight LP-guided blocks with at most this many jobs solve the full LP by interior point + crossover (fast
        with few rows); others use column generation (default 5,000).
    pricing_arcs : int
        LP-guided blocks solve their LP by column generation from each job's this many cheapest arcs
        (default 6); ``pricing_rounds`` (default 30) caps the rounds before falling back to the full LP.
    core_arcs_per_job : float
        LP-guided blocks: the core MIP keeps the arcs of smallest LP reduced cost, about this many per job on
        average (default 1.5), plus the LP's own arcs and each job's ``core_rank`` best (default 2).
    core_rel_gap : float
        Relative gap at which the core MIP stops (default 1e-4).
    core_share : float
        Share of the time left that the core MIP may use (default 0.7); the rest goes to neighbourhood search.
    lns_jobs : int
        Jobs freed together in one neighbourhood at first (default 120); the size then adapts, growing while
        neighbourhood MIPs close fast and shrinking when they run out of time.
    lns_agents : int
        At most this many agents' jobs are freed together (default 40).
    lns_mip_nodes : int
        Node limit of one neighbourhood MIP (default 300): a work limit, so the search path depends on the seed
        and not on the machine's speed (until the overall deadline cuts it).
    lns_mip_time_s : float
        Time limit of one neighbourhood MIP as a safety net (default 1 s); ``lns_min_time_s`` (0.1 s): stop
        when less is left.
    """

    backend: str = "highs"
    chunk_arcs: int = 60_000
    direct_mip_arcs: int = 20_000
    direct_mip_share: float = 0.35
    min_block_time_s: float = 0.2
    tight_load_ratio: float = 0.9
    ipm_max_jobs: int = 5_000
    pricing_arcs: int = 6
    pricing_rounds: int = 30
    core_arcs_per_job: float = 1.5
    core_rank: int = 2
    core_rel_gap: float = 1e-4
    core_share: float = 0.7
    lns_jobs: int = 120
    lns_agents: int = 40
    lns_mip_nodes: int = 300
    lns_mip_time_s: float = 1.0
    lns_min_time_s: float = 0.1

    def __post_init__(self) -> None:
        if self.backend not in ("highs", "greedy"):
            raise ValueError("backend: must be 'highs' or 'greedy'")
        if self.chunk_arcs < 1:
            raise ValueError("chunk_arcs: must be >= 1")
        if not 0 < self.direct_mip_share <= 1:
            raise ValueError("direct_mip_share: must lie in (0, 1]")
        if self.pricing_arcs < 1 or self.pricing_rounds < 1:
            raise ValueError("pricing_arcs, pricing_rounds: must be >= 1")
        if self.core_arcs_per_job < 0:
            raise ValueError("core_arcs_per_job: must be >= 0")
        if self.core_rank < 1:
            raise ValueError("core_rank: must be >= 1")
        if not 0 < self.core_share <= 1:
            raise ValueError("core_share: must lie in (0, 1]")
        if self.lns_jobs < 1:
            raise ValueError("lns_jobs: must be >= 1")
        if self.lns_mip_nodes < 1:
            raise ValueError("lns_mip_nodes: must be >= 1")
        if self.lns_agents < 1:
            raise ValueError("lns_agents: must be >= 1")
        if not self.lns_mip_time_s > 0 or not self.lns_min_time_s > 0:
            raise ValueError("lns_mip_time_s, lns_min_time_s: must be > 0")
        if not self.min_block_time_s > 0:
            raise ValueError("min_block_time_s: must be > 0")

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
    min_block_time_s : float
        Smallest time slice given to one block (default 0.2 s).
    """

    backend: str = "highs"
    chunk_arcs: int = 60_000
    direct_mip_arcs: int = 20_000
    min_block_time_s: float = 0.2

    def __post_init__(self) -> None:
        if self.backend not in ("highs", "greedy"):
            raise ValueError("backend: must be 'highs' or 'greedy'")
        if self.chunk_arcs < 1:
            raise ValueError("chunk_arcs: must be >= 1")
        if not self.min_block_time_s > 0:
            raise ValueError("min_block_time_s: must be > 0")

"""Legal-aid cases waiting for assignment.

A case table is a pandas DataFrame with the columns of :data:`CASE_COLUMNS` (see docs/formats.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.provider import SPECIALTIES
from models.schema import Column, ColumnKind, InputError

CASE_KINDS = ("criminal_defence", "death_penalty_review", "civil", "administrative", "wage_claim")
#: Kinds that need a defence lawyer (Legal Aid Law Arts 25-26).
CRIMINAL_KINDS = ("criminal_defence", "death_penalty_review")
STAGES = ("investigation", "prosecution", "trial", "review", "none")
SENTENCES = ("none", "fixed_term", "life", "death")
PRIORITY_GROUPS = ("migrant_worker", "minor", "elderly", "disabled")
#: Specialty a case needs when its ``specialty`` cell is empty.
DEFAULT_SPECIALTY = {
    "criminal_defence": "criminal",
    "death_penalty_review": "criminal",
    "civil": "civil",
    "administrative": "administrative",
    "wage_claim": "labour",
}

CASE_COLUMNS: tuple[Column, ...] = (
    Column("case_id", ColumnKind.ID),
    Column("centre_id", ColumnKind.TEXT, required=True),
    Column("county", ColumnKind.ADCODE),
    Column("kind", ColumnKind.ENUM, choices=CASE_KINDS),
    Column("stage", ColumnKind.ENUM, choices=STAGES),
    Column("possible_sentence", ColumnKind.ENUM, choices=SENTENCES),
    Column("minor", ColumnKind.BOOL),
    Column("language", ColumnKind.TEXT),
    Column("codefendant_group", ColumnKind.TEXT),
    Column("party_ids", ColumnKind.LIST),
    Column("effort", ColumnKind.INT, minimum=1),
    Column("received_date", ColumnKind.DATE),
    Column("deadline", ColumnKind.DATE),
    Column("priority_groups", ColumnKind.LIST, choices=PRIORITY_GROUPS),
    Column("specialty", ColumnKind.TEXT, choices=SPECIALTIES + ("",)),
    Column("previous_provider", ColumnKind.TEXT),
    Column("pinned_provider", ColumnKind.TEXT),
)


def check_case_rows(cases: pd.DataFrame, source: str = "cases") -> None:
    """Cross-column checks of a parsed case table; raise :class:`InputError` at the first bad row.

    deadline >= received_date; criminal_defence has stage investigation, prosecution or trial;
    death_penalty_review has stage review; other kinds have stage none and possible_sentence none.
    """
    kind, stage = cases["kind"].to_numpy(object), cases["stage"].to_numpy(object)
    checks = [
        ((cases["deadline"] < cases["received_date"]).to_numpy(), "deadline", "deadline is before received_date"),
        (
            (kind == "criminal_defence") & ~np.isin(stage, ("investigation", "prosecution", "trial")),
            "stage",
            "criminal_defence needs stage investigation, prosecution or trial",
        ),
        ((kind == "death_penalty_review") & (stage != "review"), "stage", "death_penalty_review needs stage review"),
        (~np.isin(kind, CRIMINAL_KINDS) & (stage != "none"), "stage", "a non-criminal case has stage none"),
        (
            ~np.isin(kind, CRIMINAL_KINDS) & (cases["possible_sentence"].to_numpy(object) != "none"),
            "possible_sentence",
            "a non-criminal case has possible_sentence none",
        ),
    ]
    for mask, column, reason in checks:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise InputError(source, int(bad[0]) + 2, column, reason)

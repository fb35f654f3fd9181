"""Providers of legal aid: lawyers, centre staff lawyers, grassroots legal service workers, volunteers.

A provider table is a pandas DataFrame with the columns of :data:`PROVIDER_COLUMNS` (see docs/formats.md).
"""

from __future__ import annotations

from models.schema import Column, ColumnKind

#: Kinds of provider (Legal Aid Law Arts 12-13, 16-17).
PROVIDER_KINDS = ("lawyer", "staff_lawyer", "grassroots_worker", "volunteer_lawyer", "volunteer")
#: Kinds that hold a lawyer's practising certificate and may act as defence counsel.
LAWYER_KINDS = ("lawyer", "staff_lawyer", "volunteer_lawyer")
SPECIALTIES = ("criminal", "civil", "family", "labour", "administrative", "commercial")

PROVIDER_COLUMNS: tuple[Column, ...] = (
    Column("provider_id", ColumnKind.ID),
    Column("kind", ColumnKind.ENUM, choices=PROVIDER_KINDS),
    Column("home_county", ColumnKind.ADCODE),
    Column("specialties", ColumnKind.LIST, choices=SPECIALTIES),
    Column("criminal_years", ColumnKind.FLOAT, minimum=0.0),
    Column("languages", ColumnKind.LIST),
    Column("minors_familiar", ColumnKind.BOOL),
    Column("open_load", ColumnKind.INT, minimum=0),
    Column("capacity", ColumnKind.INT, minimum=0),
    Column("unavailable_dates", ColumnKind.DATE_LIST),
    Column("remote_ok", ColumnKind.BOOL),
    Column("conflict_parties", ColumnKind.LIST),
    Column("recent_assignments", ColumnKind.INT, minimum=0),
)

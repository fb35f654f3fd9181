"""Column specifications, CSV reading with row-level errors, and CSV writing for domain tables.

Reading is vectorised per column (pandas); the first bad cell of a column raises :class:`InputError` naming the
file, the line (header = line 1), the column and the reason.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

LIST_SEPARATOR = ";"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


class ColumnKind(StrEnum):
    ID = "id"
    TEXT = "text"
    ENUM = "enum"
    ADCODE = "adcode"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    LIST = "list"
    DATE_LIST = "date_list"


@dataclass(frozen=True)
class Column:
    """One column of a domain table: name, kind and constraints."""

    name: str
    kind: ColumnKind
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    required: bool = False


class InputError(ValueError):
    """A bad input cell: names the file, line, column and reason."""

    def __init__(self, source: str, line: int | None, column: str, reason: str) -> None:
        self.source, self.line, self.column, self.reason = source, line, column, reason
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}, column {column}: {reason}")


def _line(row_pos: int) -> int:
    return int(row_pos) + 2


def _first_bad(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _split(values: pd.Series) -> pd.Series:
    return values.map(lambda s: tuple(x.strip() for x in str(s).split(LIST_SEPARATOR) if x.strip()))


def parse_column(raw: pd.Series, col: Column, source: str, valid_adcodes: np.ndarray | None = None) -> pd.Series:
    """Parse and validate one column of strings; raise :class:`InputError` at the first bad cell."""
    text = raw.fillna("").astype(str).str.strip()
    name = col.name

    def fail(mask: np.ndarray, reason: str) -> None:
        bad = _first_bad(mask)
        if bad is not None:
            raise InputError(source, _line(bad), name, reason.format(value=text.iloc[bad]))

    if col.kind in (ColumnKind.ID, ColumnKind.TEXT, ColumnKind.ENUM):
        if col.kind in (ColumnKind.ID, ColumnKind.ENUM) or col.required:
            fail((text == "").to_numpy(), "empty value")
        if col.kind == ColumnKind.ID:
            fail(text.duplicated().to_numpy(), "id {value!r} repeats")
        if col.choices is not None:
            fail(~text.isin(col.choices).to_numpy(), "{value!r} is not one of " + ", ".join(c for c in col.choices if c))
        return text
    if col.kind in (ColumnKind.INT, ColumnKind.ADCODE, ColumnKind.FLOAT):
        num = pd.to_numeric(text.where(text != "", None), errors="coerce")
        fail(num.isna().to_numpy(), "{value!r} is not a number")
        values = num.to_numpy(np.float64)
        fail(~np.isfinite(values), "{value!r} is not a finite number")
        if col.kind != ColumnKind.FLOAT:
            fail(values != np.round(values), "{value!r} is not a whole number")
        if col.minimum is not None:
            fail(values < col.minimum, "{value} is below the minimum " + f"{col.minimum:g}")
        if col.kind == ColumnKind.ADCODE and valid_adcodes is not None:
            fail(~np.isin(values.astype(np.int64), valid_adcodes), "county code {value} is not in the county file")
        out = values if col.kind == ColumnKind.FLOAT else values.astype(np.int64)
        return pd.Series(out, index=raw.index, name=name)
    if col.kind == ColumnKind.BOOL:
        low = text.str.lower()
        fail(~low.isin(_TRUE | _FALSE).to_numpy(), "{value!r} is not true/false")
        return pd.Series(low.isin(_TRUE).to_numpy(), index=raw.index, name=name)
    if col.kind == ColumnKind.DATE:
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        fail(dates.isna().to_numpy(), "{value!r} is not a date YYYY-MM-DD")
        return dates
    if col.kind in (ColumnKind.LIST, ColumnKind.DATE_LIST):
        items = _split(text)
        flat = items.explode().dropna()
        if col.kind == ColumnKind.DATE_LIST and not flat.empty:
            parsed = pd.to_datetime(flat, format="%Y-%m-%d", errors="coerce")
            bad_rows = np.unique(flat.index[parsed.isna().to_numpy()])
            if bad_rows.size:
                pos = int(raw.index.get_indexer(pd.Index([bad_rows[0]]))[0])
                raise InputError(source, _line(pos), name, f"{text.iloc[pos]!r} holds an item that is not a date YYYY-MM-DD")
            iso = parsed.dt.strftime("%Y-%m-%d")
            items = iso.groupby(level=0).agg(tuple).reindex(raw.index).map(lambda v: v if isinstance(v, tuple) else ())
        if col.choices is not None and not flat.empty:
            bad_rows = np.unique(flat.index[~flat.isin(col.choices).to_numpy()])
            if bad_rows.size:
                pos = int(raw.index.get_indexer(pd.Index([bad_rows[0]]))[0])
                raise InputError(
                    source, _line(pos), name, f"{text.iloc[pos]!r} holds an item not in " + ", ".join(col.choices)
                )
        return items
    raise AssertionError(col.kind)


def parse_frame(
    raw: pd.DataFrame, columns: Sequence[Column], source: str, valid_adcodes: np.ndarray | None = None
) -> pd.DataFrame:
    """Parse a frame of strings into typed columns; every listed column must be present (extra columns are dropped)."""
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        raise InputError(source, 1, missing[0], "column is missing from the header")
    raw = raw.reset_index(drop=True)
    out = {c.name: parse_column(raw[c.name], c, source, valid_adcodes) for c in columns}
    return pd.DataFrame(out)


def read_table(path: str | Path, columns: Sequence[Column], valid_adcodes: np.ndarray | None = None) -> pd.DataFrame:
    """Read a CSV file with the given columns; raise :class:`InputError` on the first bad cell."""
    source = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError as exc:
        raise InputError(source, None, "-", "file not found") from exc
    except pd.errors.ParserError as exc:
        raise InputError(source, None, "-", f"not a readable CSV file ({exc})") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(source, None, "-", "file is empty") from exc
    return parse_frame(raw, columns, source, valid_adcodes)


def _format_cell(value: object) -> str:
    if isinstance(value, tuple | list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn typed columns into the CSV text form (lists joined by ';', booleans true/false, ISO dates)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.dt.strftime("%Y-%m-%d").fillna("")
        elif col.dtype == bool:
            out[name] = np.where(col.to_numpy(), "true", "false")
        elif col.dtype == object:
            out[name] = col.map(_format_cell)
        else:
            out[name] = col
    return pd.DataFrame(out)


def write_files_atomically(files: Iterable[tuple[Path, bytes]]) -> None:
    """Write several files so that either all appear or none: each goes to a temporary file first."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            staged.append((tmp, path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text of a typed frame (see :func:`format_frame`)."""
    return format_frame(frame).to_csv(index=False).encode("utf-8")

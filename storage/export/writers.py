"""Writing one table of the export, a chunk at a time, as CSV or Parquet (the same values: CSV
cells are written as the codebook's Frictionless types read them)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Literal, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from storage.export.columns import Table

Format = Literal["csv", "parquet"]


class TableWriter(Protocol):
    def write(self, rows: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


def open_writer(table: Table, path: Path, fmt: Format) -> TableWriter:
    return CsvWriter(table, path) if fmt == "csv" else ParquetWriter(table, path)


class CsvWriter:
    def __init__(self, table: Table, path: Path) -> None:
        self._kinds = [(c.name, c.kind) for c in table.columns]
        self._file = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow(table.column_names)

    def write(self, rows: list[dict[str, Any]]) -> None:
        self._csv.writerows(
            [csv_cell(row[name], kind) for name, kind in self._kinds] for row in rows
        )

    def close(self) -> None:
        self._file.close()


def csv_cell(value: Any, kind: str) -> Any:
    """A value as its CSV cell: empty for none, ISO 8601 UTC times, true/false, 6 decimals."""
    if value is None:
        return ""
    if kind == "timestamp":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")  # the values are UTC
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(round(float(value), 6))
    return value


class ParquetWriter:
    def __init__(self, table: Table, path: Path) -> None:
        self._schema = table.arrow_schema()
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self._schema))

    def close(self) -> None:
        self._writer.close()

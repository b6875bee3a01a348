"""The export's codebook, generated from the table declarations (`storage.export.columns`): the
human-readable `data_dictionary.md` and the machine-readable `datapackage.json` (a Frictionless
Tabular Data Package: each file, its columns' types, descriptions, keys and constraints), so a
statistics package or `frictionless validate` reads the export without guessing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storage.export.columns import TABLES, Column, Table

DICTIONARY_FILE = "data_dictionary.md"
DATAPACKAGE_FILE = "datapackage.json"
PACKAGE_NAME = "moodwave-mood-shift"
# How each format is named in a Data Package resource.
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def data_dictionary_markdown(extra: str = "", fmt: str = "csv") -> str:
    lines = [
        "# Moodwave mood-shift export: data dictionary",
        "",
        "Only people who consent to research use at the time of the export are included; people",
        "who withdrew consent or used /forget are not. No message text, names, platform ids or",
        "database row ids are exported. The same description, machine-readable, is in",
        f"`{DATAPACKAGE_FILE}` (a Frictionless Tabular Data Package).",
        "",
    ]
    if extra:
        lines += [extra, ""]
    for table in TABLES:
        lines += [f"## `{table.name}.{fmt}`: {table.title.lower()}", "", table.description]
        keys = []
        if table.primary_key:
            keys.append(f"Key: {', '.join(table.primary_key)} (unique together).")
        keys += [f"({', '.join(fk.columns)}) refers to `{fk.table}`." for fk in table.foreign_keys]
        lines += [" ".join(keys), "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.kind} | {c.description} |" for c in table.columns]
        lines += [""]
    return "\n".join(lines)


def datapackage(fmt: str, created: str, extra: str = "") -> dict[str, Any]:
    """The Data Package descriptor of an export in `fmt` (csv | parquet); `created` is RFC 3339."""
    description = (
        "Moodwave's research export: consenting people's recommendations, the songs of each "
        "playlist and the reactions to them, pseudonymous. See data_dictionary.md."
    )
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Moodwave mood-shift export",
        "description": f"{description} {extra}".strip(),
        "created": created,
        "resources": [_resource(table, fmt) for table in TABLES],
    }


def write_datapackage(path: Path, fmt: str, created: str, extra: str = "") -> Path:
    path.write_text(json.dumps(datapackage(fmt, created, extra), indent=2) + "\n")
    return path


def _resource(table: Table, fmt: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "profile": "tabular-data-resource",
        "name": table.name,
        "path": f"{table.name}.{fmt}",
        "title": table.title,
        "description": table.description,
        "format": fmt,
        "mediatype": MEDIA_TYPES[fmt],
    }
    if fmt == "csv":
        resource["encoding"] = "utf-8"
    schema: dict[str, Any] = {
        "fields": [_field(c) for c in table.columns],
        "missingValues": [""],
    }
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": list(fk.columns),
                "reference": {"resource": fk.table, "fields": list(fk.table_columns)},
            }
            for fk in table.foreign_keys
        ]
    resource["schema"] = schema
    return resource


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": column.name,
        "type": column.table_schema_type,
        "description": column.description,
    }
    if column.kind == "bool":
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.values:
        constraints["enum"] = list(column.values)
    if constraints:
        field["constraints"] = constraints
    return field

"""The export's codebook: `datapackage.json` is a Frictionless Tabular Data Package (checked with
jsonschema against the Table Schema basics, written out below from the specification), and the
exported files keep it (every cell of its declared type, required cells present, keys unique,
foreign keys resolved); `data_dictionary.md` names every column of every table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from research.simulate import SimulatedStudy, simulate_into
from storage import Store
from storage.export import TABLES, export_study
from storage.export.codebook import datapackage

SECRET = "a-research-secret-of-some-length"

# The parts of the Tabular Data Package, Tabular Data Resource and Table Schema specifications
# (frictionlessdata.io, v1) that an export uses, as JSON Schema.
NAME = {"type": "string", "pattern": "^[-a-z0-9._/]+$"}
PATH = {"type": "string", "pattern": r"^(?=^[^./~])(^((?!\.{2}).)*$).*$"}  # relative, no ".."
KEY = {
    "oneOf": [
        {"type": "string"},
        {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
    ]
}
FIELD_TYPES = [
    "string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
    "year", "yearmonth", "duration", "geopoint", "geojson", "any",
]  # fmt: skip
FIELD = {
    "type": "object",
    "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"enum": FIELD_TYPES},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "format": {"type": "string"},
        "trueValues": {"type": "array", "items": {"type": "string"}},
        "falseValues": {"type": "array", "items": {"type": "string"}},
        "constraints": {
            "type": "object",
            "properties": {
                "required": {"type": "boolean"},
                "unique": {"type": "boolean"},
                "enum": {"type": "array", "minItems": 1, "uniqueItems": True},
                "minimum": {},
                "maximum": {},
                "pattern": {"type": "string"},
            },
            "additionalProperties": False,
        },
    },
}
TABLE_SCHEMA = {
    "type": "object",
    "required": ["fields"],
    "properties": {
        "fields": {"type": "array", "minItems": 1, "items": FIELD},
        "primaryKey": KEY,
        "foreignKeys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fields", "reference"],
                "properties": {
                    "fields": KEY,
                    "reference": {
                        "type": "object",
                        "required": ["resource", "fields"],
                        "properties": {"resource": {"type": "string"}, "fields": KEY},
                    },
                },
            },
        },
        "missingValues": {"type": "array", "items": {"type": "string"}},
    },
}
TABULAR_DATA_PACKAGE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["profile", "resources"],
    "properties": {
        "profile": {"const": "tabular-data-package"},
        "name": NAME,
        "title": {"type": "string"},
        "description": {"type": "string"},
        "created": {"type": "string"},
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["profile", "name", "path", "schema"],
                "properties": {
                    "profile": {"const": "tabular-data-resource"},
                    "name": NAME,
                    "path": PATH,
                    "format": {"type": "string"},
                    "mediatype": {"type": "string", "pattern": "^[^/]+/[^/]+$"},
                    "encoding": {"type": "string"},
                    "schema": TABLE_SCHEMA,
                },
            },
        },
    },
}


def keys(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def check_descriptor(package: dict[str, Any]) -> None:
    """The JSON Schema, and what it cannot say: unique names, keys naming real fields."""
    jsonschema.validate(package, TABULAR_DATA_PACKAGE)
    datetime.strptime(package["created"], "%Y-%m-%dT%H:%M:%SZ")
    resources = {r["name"]: r for r in package["resources"]}
    assert len(resources) == len(package["resources"]), "resource names must be unique"
    for resource in resources.values():
        schema = resource["schema"]
        names = [f["name"] for f in schema["fields"]]
        assert len(set(names)) == len(names), f"{resource['name']}: field names must be unique"
        assert set(keys(schema.get("primaryKey", []))) <= set(names)
        for fk in schema.get("foreignKeys", []):
            assert set(keys(fk["fields"])) <= set(names)
            target = resources[fk["reference"]["resource"] or resource["name"]]
            target_names = {f["name"] for f in target["schema"]["fields"]}
            assert set(keys(fk["reference"]["fields"])) <= target_names
            assert len(keys(fk["fields"])) == len(keys(fk["reference"]["fields"]))


def cast(field: dict[str, Any], cell: str) -> Any:
    """A CSV cell as the field's Table Schema type reads it (default formats)."""
    kind = field["type"]
    if kind == "integer":
        return int(cell)
    if kind == "number":
        return float(cell)
    if kind == "boolean":
        true, false = field.get("trueValues", ["true"]), field.get("falseValues", ["false"])
        assert cell in true + false, cell
        return cell in true
    if kind == "datetime":
        return datetime.strptime(cell, "%Y-%m-%dT%H:%M:%SZ")
    assert kind == "string"
    return cell


def csv_records(folder: Path, resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    fields = resource["schema"]["fields"]
    missing = resource["schema"].get("missingValues", [""])
    with (folder / resource["path"]).open(newline="", encoding=resource["encoding"]) as f:
        reader = csv.reader(f)
        assert next(reader) == [field["name"] for field in fields]
        for cells in reader:
            record: dict[str, Any] = {}
            for field, cell in zip(fields, cells, strict=True):
                constraints = field.get("constraints", {})
                if cell in missing:
                    assert not constraints.get("required"), (field["name"], "required")
                    record[field["name"]] = None
                    continue
                value = record[field["name"]] = cast(field, cell)
                assert "enum" not in constraints or value in constraints["enum"], value
            yield record


def check_data(folder: Path, package: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    tables = {r["name"]: list(csv_records(folder, r)) for r in package["resources"]}
    for resource in package["resources"]:
        schema, records = resource["schema"], tables[resource["name"]]
        if "primaryKey" in schema:
            key = keys(schema["primaryKey"])
            values = [tuple(r[k] for k in key) for r in records]
            assert len(set(values)) == len(values), f"{resource['name']}: duplicate keys"
        for fk in schema.get("foreignKeys", []):
            target = tables[fk["reference"]["resource"]]
            known = {tuple(r[k] for k in keys(fk["reference"]["fields"])) for r in target}
            for r in records:
                assert tuple(r[k] for k in keys(fk["fields"])) in known, (resource["name"], r)
    return tables


def test_the_descriptor_follows_the_table_schema_basics_and_the_checks_can_fail() -> None:
    for fmt in ("csv", "parquet"):
        check_descriptor(datapackage(fmt, "2026-01-05T09:00:00Z"))
    broken = datapackage("csv", "2026-01-05T09:00:00Z")
    broken["resources"][0]["schema"]["fields"][0]["type"] = "json"  # not a Table Schema type
    with pytest.raises(jsonschema.ValidationError):
        check_descriptor(broken)
    broken = datapackage("csv", "2026-01-05T09:00:00Z")
    broken["resources"][1]["schema"]["primaryKey"] = ["recommendation_id", "no_such_field"]
    with pytest.raises(AssertionError):
        check_descriptor(broken)


def test_an_exported_folder_is_a_valid_data_package(store: Store, tmp_path: Path) -> None:
    simulate_into(store.engine, SimulatedStudy(people=12, per_person=3, seed=4))
    summary = export_study(store.engine, tmp_path, "csv", SECRET, chunk=5)
    package = json.loads(summary.datapackage.read_text())
    check_descriptor(package)
    assert [r["path"] for r in package["resources"]] == [
        summary.path.name,
        summary.songs.name,
        summary.reactions.name,
    ]
    tables = check_data(tmp_path, package)
    assert len(tables["recommendations"]) == summary.rows == 36
    assert tables["songs"] and tables["reactions"]
    assert {r["kind"] for r in tables["reactions"]} <= {"like", "dislike", "skip", "played"}
    dictionary = summary.dictionary.read_text()
    for table in TABLES:
        assert f"`{table.name}.csv`" in dictionary
        assert all(f"`{c.name}`" in dictionary for c in table.columns)


ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def test_a_parquet_export_is_described_with_its_own_files(store: Store, tmp_path: Path) -> None:
    simulate_into(store.engine, SimulatedStudy(people=6, per_person=2, seed=2))
    summary = export_study(store.engine, tmp_path, "parquet", SECRET)
    package = json.loads(summary.datapackage.read_text())
    check_descriptor(package)
    for resource in package["resources"]:
        assert resource["format"] == "parquet" and resource["path"].endswith(".parquet")
        schema = pq.read_schema(tmp_path / resource["path"])
        assert schema.names == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            assert schema.field(field["name"]).type == ARROW_TYPES[field["type"]], field["name"]

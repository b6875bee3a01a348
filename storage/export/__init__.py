"""The research export: consenting people's recommendations (one row per recommendation and
person), the songs of their playlists and their reactions (one row each), pseudonymous, with the
codebook (`data_dictionary.md` and a Frictionless `datapackage.json`), read from the tables only.
Run by the operator on the server (`moodwave export`); nothing here is reachable from a chat. The
analysis of an exported file is the top-level `research` package."""

from storage.export.columns import COLUMNS, TABLES, Column, Table
from storage.export.pseudonyms import Pseudonymizer
from storage.export.rows import ExportSummary, export_study

__all__ = [
    "COLUMNS",
    "TABLES",
    "Column",
    "ExportSummary",
    "Pseudonymizer",
    "Table",
    "export_study",
]

"""The research export: consenting people's recommendations (one row per recommendation and
person, pseudonymous) and its data dictionary, read from the tables only. Run by the operator on the
server (`moodwave export`); nothing here is reachable from a chat. The analysis of an exported file
is the top-level `research` package."""

from storage.export.columns import COLUMNS, Column
from storage.export.pseudonyms import Pseudonymizer
from storage.export.rows import ExportSummary, export_study

__all__ = ["COLUMNS", "Column", "ExportSummary", "Pseudonymizer", "export_study"]

"""Mood-shift research: the export of consenting people's recommendations (one row per
recommendation and person, pseudonymous), its data dictionary, and the analysis report computed
from an exported file (or a SiTunes-like check-in file). Run by the operator on the server
(`moodwave export`, `moodwave report`); nothing here is reachable from a chat."""

from storage.research.columns import COLUMNS, Column
from storage.research.export import ExportSummary, export_study
from storage.research.pseudonyms import Pseudonymizer

__all__ = ["COLUMNS", "Column", "ExportSummary", "Pseudonymizer", "export_study"]

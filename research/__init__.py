"""Mood-shift research, run by the operator on exported files (`moodwave report`): the study data
read from an export or a SiTunes-like check-in file (`research.study_data`), its statistics
(`research.effects`, clustered by person with `research.clustered`), the report with its figures
(`research.report`), and a simulated study with known effects written into a database, which tests
and benchmarks export and analyse (`research.simulate`). The export itself reads only tables and
lives in `storage.export`."""

from research.effects import Analysis, Change, Contrast, RowChange, RowContrast, analyse
from research.report import ReportFiles, write_report
from research.study_data import Measure, StudyData, load_export, load_situnes

__all__ = [
    "Analysis",
    "Change",
    "Contrast",
    "Measure",
    "ReportFiles",
    "RowChange",
    "RowContrast",
    "StudyData",
    "analyse",
    "load_export",
    "load_situnes",
    "write_report",
]

"""The layers of DESIGN.md hold: every import between Moodwave's packages runs downwards
(datafiles, storage < nlp < recommender < research < bot), function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each package may import from the others (itself always).
ALLOWED = {
    "datafiles": set(),
    "storage": set(),
    "nlp": {"datafiles"},
    "recommender": {"datafiles", "storage", "nlp"},
    "research": {"datafiles", "storage", "nlp", "recommender"},
    "bot": {"datafiles", "storage", "nlp", "recommender", "research"},
}


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_down_the_layers(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported - ALLOWED[package] - {package})
        for path in sorted((ROOT / package).rglob("*.py"))
        if (imported := imported_packages(path)) - ALLOWED[package] - {package}
    }
    assert wrong == {}

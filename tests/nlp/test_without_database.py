"""`nlp` stands on its own: it and every module in it import in a Python where the database
libraries cannot be imported at all (a worker host, a training machine need no SQLAlchemy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, importlib.abc, pkgutil, sys

class NoDatabase(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic", "psycopg"):
            raise ImportError(f"{name} is blocked: nlp must not need the database")
        return None

sys.meta_path.insert(0, NoDatabase())
import nlp
names = sorted(m.name for m in pkgutil.walk_packages(nlp.__path__, "nlp."))
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "storage"))
print(len(names), "modules", loaded)
"""


def test_nlp_imports_without_the_database_libraries() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    count, _, loaded = run.stdout.strip().partition(" modules ")
    assert int(count) > 20  # the walk found the package's modules (voice included)
    assert loaded == "[]"

"""Migration 0013: the language a mood report's words were read as, up and down, and through the
store."""

from __future__ import annotations

from sqlalchemy import inspect

from storage import NewMood, Store, downgrade, make_engine, upgrade
from storage.migrate import current_revision


def _columns(url: str) -> set[str]:
    return {c["name"] for c in inspect(make_engine(url)).get_columns("mood_report")}


def test_the_language_column_comes_and_goes(database_url: str) -> None:
    engine = make_engine(database_url)
    assert "language" in _columns(database_url)
    downgrade(engine, "0012")
    assert current_revision(engine) == "0012"
    assert "language" not in _columns(database_url)
    upgrade(engine, "0013")
    assert "language" in _columns(database_url)


def test_a_report_keeps_its_language(store: Store) -> None:
    user = store.get_or_create_user("telegram", "u1", "Ana")
    chat = store.get_or_create_chat("telegram", "c1", "private", None, user.id)
    assert user.id and chat.id
    spanish = NewMood("estoy triste", "text", -0.4, -0.1, 0.8, "e5-va-1", language="es")
    report = store.add_mood_report(user.id, chat.id, spanish)
    assert report.id
    stored = store.mood_report(report.id)
    assert stored is not None and stored.language == "es"
    button = store.add_mood_report(user.id, chat.id, NewMood("", "correction", 0.5, 0.5, 1, "c"))
    assert button.id and (found := store.mood_report(button.id)) and found.language is None

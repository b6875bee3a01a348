"""Tests do not depend on their order: each one that asks for PostgreSQL gets the session's database
emptied (`postgres_url`), whatever an earlier test left there. Each case below does what a bot's
first update does (claim update 1 of a fresh fake Telegram, answer it): the second to run failed
when the database kept the first one's claim, as `tests/deploy/test_images.py` did after
`tests/deploy/test_replicas.py` ("bot sent 0 of 1 messages")."""

from __future__ import annotations

import pytest

from storage import Store, make_engine


@pytest.mark.postgres
@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_starts_from_an_empty_postgres_database(postgres_url: str, run: str) -> None:
    engine = make_engine(postgres_url)
    try:
        store = Store(engine)
        assert store.claim_update("telegram", "1"), f"{run}: update 1 was already claimed"
        assert store.finish_update("telegram", "1")
        store.get_or_create_user("telegram", "10001", "Dee")
    finally:
        engine.dispose()
